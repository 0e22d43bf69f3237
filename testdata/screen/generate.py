#!/usr/bin/env python3
"""Generates labelled.tsv: realistic sentences for measuring the screen's precision and recall.

Each line: EXPECTED<TAB>TEXT. EXPECTED is `-` (nothing to find) or `kind=matched;kind=matched`.
TEXT may contain `\\n` for a line break. Positives carry valid check digits; negatives are
look-alikes (发文字号, dates, amounts, order numbers, 统一社会信用代码, prose about secrets).
Deterministic (fixed seed): `python3 testdata/screen/generate.py > testdata/screen/labelled.tsv`.
"""
import random

R = random.Random(20261127)
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
REGIONS = ["110105", "310104", "440304", "510104", "320102", "420106", "330106", "610113", "500103", "370202",
           "130102", "210102", "230103", "350203", "430104", "450103", "520102", "530102", "620102", "650102"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀兰", "霞", "平"]
PROV = "京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂甘晋蒙陕吉闽贵粤川"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def name():
    return R.choice(SURNAMES) + R.choice(GIVEN)


def id18(check_ok=True):
    while True:
        y = R.randint(1950, 2005)
        m = R.randint(1, 12)
        d = R.randint(1, 28)
        s17 = f"{R.choice(REGIONS)}{y:04d}{m:02d}{d:02d}{R.randint(0, 999):03d}"
        c = C[sum(int(a) * b for a, b in zip(s17, W)) % 11]
        if check_ok:
            return s17 + c
        wrong = R.choice([x for x in "0123456789" if x != c])
        return s17 + wrong


def id15():
    return f"{R.choice(REGIONS)}{R.randint(50, 89):02d}{R.randint(1, 12):02d}{R.randint(1, 28):02d}{R.randint(0, 999):03d}"


def luhn_complete(prefix):
    for d in "0123456789":
        n = prefix + d
        t = 0
        for i, ch in enumerate(reversed(n)):
            v = int(ch)
            if i % 2 == 1:
                v *= 2
                if v > 9:
                    v -= 9
            t += v
        if t % 10 == 0:
            return n


def luhn_ok(n):
    return luhn_complete(n[:-1]) == n


def card(length=None):
    length = length or R.choice([16, 19, 19, 16, 18])
    prefix = R.choice(["622202", "621700", "622848", "621226", "622588", "625807", "955880", "436742", "622700"])
    body = prefix + "".join(R.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


def mobile():
    seg = R.choice(["138", "139", "135", "136", "150", "151", "158", "186", "187", "189", "177", "199", "166", "147"])
    return seg + "".join(R.choice("0123456789") for _ in range(8))


def plate():
    return R.choice(PROV) + R.choice(LETTERS) + "".join(R.choice("0123456789") for _ in range(4)) + R.choice("0123456789" + "ABCDEFGHJK")


def passport():
    return R.choice(["E", "E", "G"]) + "".join(R.choice("0123456789") for _ in range(8))


def email():
    user = R.choice(["zhang", "li", "wang", "liu", "chen", "yang"]) + R.choice(["san", "si", "wei", "fang", "min"]) + str(R.randint(1, 999))
    return user + "@" + R.choice(["163.com", "qq.com", "126.com", "sina.com", "example.com.cn", "foxmail.com"])


def amount():
    return f"{R.randint(1, 9999)},{R.randint(0, 999):03d},{R.randint(0, 999):03d}.{R.randint(0, 99):02d}"


POS = [
    lambda: (f"当事人{name()}，身份证号码：{(v := id18())}，住所地成都市武侯区。", [("id_card", v)]),
    lambda: (f"申请人{name()}（公民身份号码{(v := id18())}）于2023年3月提出申请。", [("id_card", v)]),
    lambda: (f"{name()}，男，{(v := id18())}，系该公司法定代表人。", [("id_card", v)]),
    lambda: (f"| {R.randint(1, 200)} | {name()} | {(v := id18())} | 3000 |", [("id_card", v)]),
    lambda: (f"经查，{name()}（身份证：{(v := id18())}）未按规定申报。", [("id_card", v)]),
    lambda: (f"身份证号 {(v := id15())}，户籍地址四川省成都市。", [("id_card", v)]),
    lambda: (f"联系人：{name()}，联系电话：{(v := mobile())}。", [("mobile", v)]),
    lambda: (f"如有疑问请致电{(v := mobile())}（{name()}）。", [("mobile", v)]),
    lambda: (f"举报电话：{(m := mobile())[:3]}-{m[3:7]}-{m[7:]}", [("mobile", f"{m[:3]}-{m[3:7]}-{m[7:]}")]),
    lambda: (f"手机 {(m := mobile())[:3]} {m[3:7]} {m[7:]}，工作日9:00-17:00", [("mobile", f"{m[:3]} {m[3:7]} {m[7:]}")]),
    lambda: (f"{name()}，{(v := mobile())}，补贴金额1200元", [("mobile", v)]),
    lambda: (f"请将款项汇入{name()}的银行卡{(v := card())}。", [("bank_card", v)]),
    lambda: (f"收款账号：{(v := card(19))}，开户行：中国农业银行成都分行。", [("bank_card", v)]),
    lambda: (f"卡号 {(c := card(16))[:4]} {c[4:8]} {c[8:12]} {c[12:]}", [("bank_card", f"{c[:4]} {c[4:8]} {c[8:12]} {c[12:]}")]),
    lambda: (f"发放对象{name()}，社保卡银行账号{(v := card(19))}，发放金额800元。", [("bank_card", v)]),
    lambda: (f"来信请发送至{(v := email())}，我们将在15个工作日内答复。", [("email", v)]),
    lambda: (f"联系人：{name()}，邮箱：{(v := email())}", [("email", v)]),
    lambda: (f"{(v := '秘密★' + R.choice(['1年', '5年', '10年', '长期']))}\\n关于做好有关工作的通知", [("classified_marking", v)]),
    lambda: (f"{(v := '机密★' + R.choice(['10年', '20年']))}", [("classified_marking", v)]),
    lambda: ("绝密★启用前\\n2024年某某考试试卷", [("classified_marking", "绝密★启用前")]),
    lambda: ("内部资料\\n注意保存\\n某某工作情况汇报", [("classified_marking", "内部资料"), ("classified_marking", "注意保存")]),
    lambda: ("密级：机密\\n某某会议纪要", [("classified_marking", "机密")]),
    lambda: ("（内部资料，不得外传）", [("classified_marking", "内部资料"), ("classified_marking", "不得外传")]),
    lambda: ("工作秘密\\n关于某某事项的请示", [("classified_marking", "工作秘密")]),
    lambda: (f"当事人驾驶{(v := plate())}号小型轿车超速行驶。", [("licence_plate", v)]),
    lambda: (f"车牌号码：{(v := plate())}，车辆所有人{name()}。", [("licence_plate", v)]),
    lambda: (f"{name()}，护照号码：{(v := passport())}，国籍中国。", [("passport", v)]),
    lambda: (f"{name()}（身份证号：{(i := id18())}，手机：{(m := mobile())}）", [("id_card", i), ("mobile", m)]),
    lambda: (f"身份证号码：{(v := id18(False))}（请核对）", [("id_card", v)]),
]


def credit_code():
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    while True:
        base = "91" + R.choice(["510100", "110108", "440300"]) + "".join(R.choice(alphabet[:10] + "MA") for _ in range(9))
        base = base[:17]
        s = sum(alphabet.index(c) * w for c, w in zip(base, weights))
        check = (31 - s % 31) % 31
        return base + alphabet[check]


def unlabelled_bad_id():
    return id18(False)


def random_digits(n, first="123456789"):
    return R.choice(first) + "".join(R.choice("0123456789") for _ in range(n - 1))


NEG = [
    lambda: f"国务院办公厅关于印发《实施方案》的通知（国办发〔{R.randint(2010, 2024)}〕{R.randint(1, 60)}号）",
    lambda: f"本办法自{R.randint(2015, 2025)}年{R.randint(1, 12)}月{R.randint(1, 28)}日起施行，编号{R.randint(2015, 2025)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}。",
    lambda: f"项目总投资{amount()}元，其中中央预算内投资{R.randint(100, 9999)}万元。",
    lambda: f"订单号：{mobile()}，请妥善保存。",
    lambda: f"快递单号{random_digits(13)}已签收。",
    lambda: f"统一社会信用代码：{credit_code()}",
    lambda: f"咨询电话：028-{random_digits(8, '2345678')}，传真：028-{random_digits(8, '2345678')}。",
    lambda: f"邮政编码：{random_digits(6, '1234567')}",
    lambda: f"索引号：{random_digits(9, '0')}/{R.randint(2015, 2024)}-{R.randint(1, 99999):05d}",
    lambda: f"流水号{unlabelled_bad_id()}",
    lambda: f"批次编号{random_digits(18)}已入库。",
    lambda: "国家工作人员应当保守国家秘密和工作秘密，不得泄露。",
    lambda: "机关、单位应当加强对涉密人员的管理，绝密级国家秘密应当专人管理。",
    lambda: "侵犯商业秘密的，由监督检查部门责令停止违法行为。",
    lambda: "宗教团体可以编印、发送宗教内部资料性出版物。",
    lambda: "单位内部使用的计量器具应当定期检定。",
    lambda: "秘密文件的复制、传递应当依照有关规定执行。",
    lambda: f"第{R.randint(1, 99)}条 违反本法第{R.randint(1, 99)}条规定的，处{R.randint(1, 50)}万元以下罚款。",
    lambda: f"本次共发放补贴{random_digits(11, '1')}元，惠及{R.randint(1000, 99999)}户。",
    lambda: f"详见https://www.gov.cn/zhengce/content/{R.randint(2015, 2024)}-{R.randint(1, 12):02d}/{R.randint(1, 28):02d}/content_{random_digits(7)}.htm",
    lambda: f"ISBN 978-7-{random_digits(3)}-{random_digits(5)}-{R.randint(0, 9)}",
    lambda: f"GB/T {R.randint(1000, 40000)}-{R.randint(1990, 2023)}《标准名称》",
    lambda: f"营业执照注册号{random_digits(15, '1234')}（已换发）",
    lambda: f"批准文号：国药准字H{random_digits(8)}",
    lambda: f"发布时间：{R.randint(2015, 2024)}-{R.randint(1, 12):02d}-{R.randint(1, 28):02d} {R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}",
    lambda: f"统计数据：地区生产总值{R.randint(10000, 99999)}.{R.randint(1, 9)}亿元，增长{R.randint(1, 9)}.{R.randint(1, 9)}%。",
    lambda: f"合同编号：HT{random_digits(12)}",
    lambda: f"产品序列号{random_digits(16)}",
    lambda: f"案号：（{R.randint(2018, 2024)}）川01行初{R.randint(1, 999)}号",
    lambda: "举报邮箱见本网站“联系我们”栏目，@市长信箱 可在线留言。",
    lambda: f"浏览次数：{random_digits(11)}次",
]


# Written cases modelled on patterns of personal data found in published government documents
# (names, numbers and addresses invented; any likeness is chance). Each block's comment names the
# pattern; the lines keep their order and follow the generated ones.
LEAKS = [
    ("# 补贴、低保公示表：每户一行，含户主、家庭住址和联系电话（号段不在号段表中的手机号）", None),
    ("address=南充市顺庆区某某镇和平村4组;mobile=16912347788",
     "| 7 | 户主：何勇 | 家庭住址：南充市顺庆区某某镇和平村4组 | 联系电话：16912347788 |"),
    ("address=广元市利州区某某乡某某村5组",
     "危房改造户：彭涛，家庭住址：广元市利州区某某乡某某村5组，补助金额2万元。"),
    ("# 行政处罚决定书：当事人的住址和电话写在首部", None),
    ("address=四川省德阳市旌阳区某某路66号3栋2单元402室;mobile=14412340021",
     "当事人：罗强，男，住址：四川省德阳市旌阳区某某路66号3栋2单元402室，联系电话：14412340021。"),
    ("# 送达公告：受送达人的现住址", None),
    ("address=成都市成华区某某路18号附1号",
     "赵某某（现住址：成都市成华区某某路18号附1号），你与某某公司劳动争议一案已审结。"),
    ("# 录用公示、信访答复：个人的手机号（新号段）", None),
    ("mobile=17912345670", "拟录用人员周敏，联系方式：17912345670"),
    ("mobile=15412348899", "信访人朱伟（手机：15412348899）反映的问题已转办。"),
    ("# 征收补偿公示：被征收人的座机和现住址", None),
    ("landline=0817-2345678;address=南充市高坪区某某街道12号",
     "被征收人：吴秀英，联系电话：0817-2345678，现住址：南充市高坪区某某街道12号。"),
    ("# 救助公示：户主的家庭电话", None),
    ("landline=0838-5123456", "户主郭平 家庭电话：0838-5123456"),
    ("# 通知落款：联系人的座机和手机", None),
    ("landline=0816-2345001;mobile=16012345566", "联系人：梁静  0816-2345001（手机 16012345566）"),
    ("landline=(028)86012345", "| 3 | 刘洋 | (028)86012345 |"),
    ("# 不是个人信息：机关公开的咨询、办公电话，办公地址，住所，条文中的“住址”，其他编号", None),
    ("-", "办公电话：0816-2222222（工作日9:00-17:00）"),
    ("-", "12345政务服务便民热线，咨询电话：12345"),
    ("-", "市人力资源和社会保障局咨询电话：028-86012345，传真：028-86012346。"),
    ("-", "金牛区政务服务中心电话：028-87654321"),
    ("-", "本局办公地址：成都市武侯区某某路1号，邮编610041。"),
    ("-", "住址变更的，应当在30日内办理变更登记。"),
    ("-", "经营者住所：成都市高新区某某大道100号"),
    ("-", "设备序列号14412345678已登记。"),
    ("-", "申请人可拨打028-86012345咨询办理进度。"),
]


def main():
    rows = []
    for _ in range(12):
        for t in POS:
            text, expected = t()
            rows.append(("；".join(f"{k}={v}" for k, v in expected).replace("；", ";"), text))
    for _ in range(12):
        for t in NEG:
            rows.append(("-", t()))
    R.shuffle(rows)
    print("# expected\ttext — generated by generate.py; kind=matched;… or - for nothing to find")
    for e, t in rows:
        print(f"{e}\t{t}")
    for e, t in LEAKS:
        print(e if t is None else f"{e}\t{t}")


if __name__ == "__main__":
    main()
