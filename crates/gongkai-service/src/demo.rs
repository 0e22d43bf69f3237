//! Demo content (演示数据) for `gongkai serve --demo`: a fictional province with cities, counties,
//! townships and departments, one account per role, and policy documents written for the demo
//! that cover every validity state and relation. Idempotent: a second run adds nothing and prints
//! no passwords.

use gongkai_domain::document::{DocClass, DocFields, RelationKind, Validity};
use gongkai_domain::org::{OrgInput, OrgKind};
use gongkai_domain::role::Role;

use crate::secret::hash_password;
use crate::{Ctx, ImportDoc, Service, ServiceError};

/// An account created by the demo, with its password (shown once).
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub org_code: String,
    pub password: String,
}

/// (code, name, kind, parent, 行政区划代码). The division codes use the unassigned prefix 99 so they
/// can never be mistaken for real ones.
type DemoOrg = (&'static str, &'static str, OrgKind, Option<&'static str>, Option<&'static str>);

const ORGS: &[DemoOrg] = &[
    ("demo", "示范省人民政府", OrgKind::Province, None, Some("990000")),
    ("demo-gov-office", "示范省人民政府办公厅", OrgKind::Department, Some("demo"), None),
    ("demo-drc", "示范省发展和改革委员会", OrgKind::Department, Some("demo"), None),
    ("demo-edu", "示范省教育厅", OrgKind::Department, Some("demo"), None),
    ("demo-hrss", "示范省人力资源和社会保障厅", OrgKind::Department, Some("demo"), None),
    ("demo-justice", "示范省司法厅", OrgKind::Department, Some("demo"), None),
    ("qingjiang", "清江市人民政府", OrgKind::City, Some("demo"), Some("990100")),
    ("qingjiang-office", "清江市人民政府办公室", OrgKind::Department, Some("qingjiang"), None),
    ("qingjiang-hrss", "清江市人力资源和社会保障局", OrgKind::Department, Some("qingjiang"), None),
    ("qingjiang-housing", "清江市住房和城乡建设局", OrgKind::Department, Some("qingjiang"), None),
    ("qingjiang-hexi", "清江市河西区人民政府", OrgKind::County, Some("qingjiang"), Some("990102")),
    ("hexi-civil", "河西区民政局", OrgKind::Department, Some("qingjiang-hexi"), None),
    ("hexi-dongfeng", "河西区东风街道办事处", OrgKind::Township, Some("qingjiang-hexi"), Some("990102001")),
    ("qingjiang-linjiang", "临江县人民政府", OrgKind::County, Some("qingjiang"), Some("990121")),
    ("linjiang-shiqiao", "临江县石桥镇人民政府", OrgKind::Township, Some("qingjiang-linjiang"), Some("990121101")),
    ("linjiang-agri", "临江县农业农村局", OrgKind::Department, Some("qingjiang-linjiang"), None),
    ("yunling", "云岭市人民政府", OrgKind::City, Some("demo"), Some("990200")),
    ("yunling-eco", "云岭市生态环境局", OrgKind::Department, Some("yunling"), None),
    ("yunling-anning", "云岭市安宁县人民政府", OrgKind::County, Some("yunling"), Some("990221")),
    ("anning-baisha", "安宁县白沙乡人民政府", OrgKind::Township, Some("yunling-anning"), Some("990221201")),
];

/// (user name, display name, role, organisation).
const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("demo-sysadmin", "系统管理员（演示）", Role::SystemAdmin, "demo"),
    ("demo-secadmin", "安全保密管理员（演示）", Role::SecurityAdmin, "demo"),
    ("demo-auditor", "安全审计员（演示）", Role::AuditAdmin, "demo"),
    ("demo-editor", "编辑（演示）", Role::Editor, "demo-gov-office"),
    ("demo-reviewer", "保密审查员（演示）", Role::ConfidentialityReviewer, "demo"),
    ("demo-legal", "法制审核员（演示）", Role::LegalReviewer, "demo"),
    ("demo-signer", "签发人（演示）", Role::Signer, "demo"),
    ("demo-foi", "依申请公开办理人（演示）", Role::DisclosureOfficer, "demo"),
    ("demo-foi-head", "政府信息公开工作机构负责人（演示）", Role::DisclosureHead, "demo"),
    ("demo-responder", "答复人（演示）", Role::Responder, "qingjiang"),
    ("demo-supervisor", "监督员（演示）", Role::Supervisor, "demo"),
    ("demo-evaluator", "社会监督评议员（演示）", Role::Evaluator, "demo"),
];

impl Service {
    /// Creates the demo organisations and accounts that do not exist yet. Returns the accounts
    /// created now, with their passwords.
    pub async fn seed_demo(&self) -> Result<Vec<DemoAccount>, ServiceError> {
        let ctx = Ctx::system();
        for (code, name, kind, parent, division) in ORGS {
            if self.store.org_by_code(code).await?.is_some() {
                continue;
            }
            let input = OrgInput {
                code: (*code).into(),
                name: (*name).into(),
                kind: *kind,
                parent_code: parent.map(Into::into),
                division_code: division.map(Into::into),
                credit_code: None,
            };
            self.add_org(&ctx, &input).await?;
        }
        let mut created = Vec::new();
        for (username, display, role, org) in ACCOUNTS {
            if self.store.user_by_username(username).await?.is_some() {
                continue;
            }
            let password = self.generated_password(username)?;
            let (user, _) = self.add_user(&ctx, username, display, Some(&password)).await?;
            // Demo accounts may keep the printed password.
            let mut tx = self.store.begin().await?;
            tx.set_password(user.id, &hash_password(&password)?, false, self.now_ms()).await?;
            tx.commit().await?;
            self.grant(&ctx, username, *role, org).await?;
            created.push(DemoAccount { username: (*username).into(), role: *role, org_code: (*org).into(), password });
        }
        Ok(created)
    }
}

/// One demo document: (external id, organisation, class, title, 发文字号, 主题分类, 公文种类,
/// days from today to 成文 / 发布 / 施行, explicit 有效期至 offset, imported validity, body).
struct DemoDoc {
    key: &'static str,
    org: &'static str,
    class: DocClass,
    title: &'static str,
    number: Option<&'static str>,
    topic: &'static str,
    genre: &'static str,
    written: i64,
    published: i64,
    effective: Option<i64>,
    expires: Option<i64>,
    validity: Option<Validity>,
    reg_no: Option<&'static str>,
    body: &'static str,
}

const DEMO_DOCS: &[DemoDoc] = &[
    DemoDoc {
        key: "demo-doc-01",
        org: "demo-gov-office",
        class: DocClass::Other,
        title: "示范省人民政府办公厅关于进一步做好政务公开工作的意见",
        number: Some("示范省办发〔2026〕12号"),
        topic: "综合政务\\政务公开",
        genre: "意见",
        written: -200,
        published: -195,
        effective: Some(-195),
        expires: None,
        validity: None,
        reg_no: None,
        body: "各市（州）人民政府，省政府各部门：\n为深入贯彻《中华人民共和国政府信息公开条例》，持续提升政务公开质量，经省政府同意，现提出如下意见。\n一、总体要求\n坚持以公开为常态、不公开为例外，围绕群众关切，推进决策、执行、管理、服务、结果公开。\n二、重点任务\n（一）加强政策文件集中公开。各地各部门制发的政策文件应当在成文后20个工作日内在政府网站政策文件库公开，并同步发布解读材料。\n（二）规范依申请公开办理。严格按照法定时限答复，答复前应当进行法制审核。\n（三）提升政府网站适老化水平。政府网站应当提供适老版，字号、对比度和操作方式符合相关标准。\n三、保障措施\n各地各部门要明确责任分工，将政务公开工作纳入年度绩效考核。\n示范省人民政府办公厅",
    },
    DemoDoc {
        key: "demo-doc-02",
        org: "demo",
        class: DocClass::Normative,
        title: "示范省政府信息公开申请办理规定",
        number: Some("示范省府规〔2025〕3号"),
        topic: "综合政务\\政务公开",
        genre: "规定",
        written: -400,
        published: -398,
        effective: Some(-368),
        expires: None,
        validity: None,
        reg_no: Some("SFSR-2025-00003"),
        body: "第一章 总则\n第一条 为了规范政府信息公开申请的办理，保障公民、法人和其他组织依法获取政府信息，根据《中华人民共和国政府信息公开条例》，结合本省实际，制定本规定。\n第二条 本省各级行政机关办理政府信息公开申请，适用本规定。\n第二章 申请的接收\n第三条 行政机关应当通过互联网、信函、当面提交等渠道接收申请，并向社会公布申请渠道。\n第四条 申请内容不明确的，行政机关应当自收到申请之日起7个工作日内一次性告知申请人作出补正。\n第三章 答复\n第五条 行政机关收到申请，能够当场答复的，应当当场予以答复；不能当场答复的，应当自收到申请之日起20个工作日内予以答复。\n第六条 需要延长答复期限的，应当经政府信息公开工作机构负责人同意并告知申请人，延长的期限最长不得超过20个工作日。\n第七条 答复前，应当按照规定进行法制审核。\n第四章 附则\n第八条 本规定自发布之日起30日后施行，有效期5年。",
    },
    DemoDoc {
        key: "demo-doc-03",
        org: "demo",
        class: DocClass::Normative,
        title: "示范省政府信息公开申请办理暂行规定",
        number: Some("示范省府规〔2021〕1号"),
        topic: "综合政务\\政务公开",
        genre: "规定",
        written: -1700,
        published: -1698,
        effective: Some(-1668),
        expires: Some(-938),
        validity: None,
        reg_no: Some("SFSR-2021-00001"),
        body: "第一条 为了规范政府信息公开申请的办理，制定本规定。\n第二条 行政机关应当自收到申请之日起15个工作日内予以答复。\n第三条 本规定自发布之日起30日后施行，有效期2年。",
    },
    DemoDoc {
        key: "demo-doc-04",
        org: "qingjiang-hrss",
        class: DocClass::Normative,
        title: "清江市就业创业补贴实施办法",
        number: Some("清人社规〔2025〕2号"),
        topic: "劳动、人事、监察\\劳动就业",
        genre: "办法",
        written: -320,
        published: -318,
        effective: Some(-300),
        expires: None,
        validity: None,
        reg_no: Some("QJSR-2025-00002"),
        body: "第一条 为了落实就业优先政策，规范就业创业补贴的申领和发放，制定本办法。\n第二条 本办法所称就业创业补贴包括一次性创业补贴、社会保险补贴和职业培训补贴。\n第三条 补贴标准如下：\n| 补贴项目 | 标准 | 申领时限 |\n| --- | --- | --- |\n| 一次性创业补贴 | 5000元 | 注册之日起1年内 |\n| 社会保险补贴 | 实际缴费额的三分之二 | 按季度申领 |\n| 职业培训补贴 | 按培训类别确定 | 培训结束后3个月内 |\n第四条 申请人应当通过清江市人力资源和社会保障局网上办事大厅提交申请。\n第五条 本办法自2025年2月1日起施行。",
    },
    DemoDoc {
        key: "demo-doc-05",
        org: "qingjiang-hrss",
        class: DocClass::Other,
        title: "清江市人力资源和社会保障局关于修改《清江市就业创业补贴实施办法》的决定",
        number: Some("清人社发〔2026〕8号"),
        topic: "劳动、人事、监察\\劳动就业",
        genre: "决定",
        written: -40,
        published: -38,
        effective: Some(-38),
        expires: None,
        validity: None,
        reg_no: None,
        body: "为进一步减轻创业者负担，决定对《清江市就业创业补贴实施办法》作如下修改：\n一、将第三条表格中一次性创业补贴的标准由“5000元”修改为“8000元”。\n二、将第四条修改为：“申请人可以通过清江市人力资源和社会保障局网上办事大厅或者线下窗口提交申请。”\n本决定自发布之日起施行。",
    },
    DemoDoc {
        key: "demo-doc-06",
        org: "yunling-eco",
        class: DocClass::Normative,
        title: "云岭市生态环境保护督察整改实施方案",
        number: Some("云环规〔2023〕4号"),
        topic: "城乡建设、环境保护\\环境监测、保护与治理",
        genre: "方案",
        written: -1100,
        published: -1098,
        effective: Some(-1090),
        expires: Some(-30),
        validity: None,
        reg_no: Some("YLSR-2023-00004"),
        body: "第一条 为了做好生态环境保护督察反馈问题整改工作，制定本方案。\n第二条 整改工作实行清单化管理，明确责任单位、整改时限和验收标准。\n第三条 本方案有效期至整改任务完成之日。",
    },
    DemoDoc {
        key: "demo-doc-07",
        org: "linjiang-agri",
        class: DocClass::Normative,
        title: "临江县农村人居环境整治提升行动方案",
        number: Some("临农规〔2026〕1号"),
        topic: "农业、林业、水利\\农业、畜牧业、渔业",
        genre: "方案",
        written: -10,
        published: -5,
        effective: Some(30),
        expires: None,
        validity: None,
        reg_no: Some("LJXR-2026-00001"),
        body: "第一条 为了持续改善农村人居环境，建设宜居宜业和美乡村，制定本方案。\n第二条 到本方案期末，全县农村卫生厕所普及率达到95%以上，生活垃圾得到有效处理。\n第三条 本方案自发布之日起30日后施行。",
    },
    DemoDoc {
        key: "demo-doc-08",
        org: "demo-edu",
        class: DocClass::Normative,
        title: "示范省教育厅关于规范校外培训收费管理的通知",
        number: Some("示范省教规〔2024〕6号"),
        topic: "科技、教育\\教育",
        genre: "通知",
        written: -700,
        published: -698,
        effective: Some(-668),
        expires: None,
        validity: Some(Validity::PartiallyInvalid),
        reg_no: Some("SFSR-2024-00006"),
        body: "第一条 校外培训机构收费应当明码标价，不得一次性收取超过3个月的费用。\n第二条 培训费用应当纳入资金监管账户。\n第三条 本通知第二条已由新的资金监管规定替代，其余条款继续有效。",
    },
    DemoDoc {
        key: "demo-doc-09",
        org: "hexi-civil",
        class: DocClass::Other,
        title: "河西区社区养老服务设施管理办法（试行）",
        number: Some("河民发[2019]15号"),
        topic: "民政、扶贫、救灾\\社会福利",
        genre: "办法",
        written: -2500,
        published: -2498,
        effective: None,
        expires: None,
        validity: None,
        reg_no: None,
        body: "第一条 为了加强社区养老服务设施管理，制定本办法。\n第二条 社区养老服务设施应当优先保障失能、高龄老年人的服务需求。",
    },
    DemoDoc {
        key: "demo-doc-10",
        org: "demo",
        class: DocClass::Other,
        title: "示范省人民政府关于印发数字政府建设实施方案的通知",
        number: Some("示范省府发〔2026〕5号"),
        topic: "综合政务\\电子政务",
        genre: "通知",
        written: -90,
        published: -88,
        effective: Some(-88),
        expires: None,
        validity: None,
        reg_no: None,
        body: "各市（州）人民政府，省政府各部门：\n现将《示范省数字政府建设实施方案》印发给你们，请认真贯彻执行。\n示范省数字政府建设实施方案\n一、建设目标\n到2027年，政务服务事项网上可办率达到100%，政策文件全部实现集中统一发布和结构化检索。\n二、主要任务\n| 任务 | 责任单位 | 完成时限 |\n| --- | --- | --- |\n| 建设全省统一的政策文件库 | 省政府办公厅 | 2026年底 |\n| 政府网站适老化改造 | 省政府办公厅 | 2026年底 |\n| 一网通办能力提升 | 省发展改革委 | 2027年底 |",
    },
];

/// (from, kind, to): the demo's relations.
const DEMO_RELATIONS: &[(&str, RelationKind, &str)] = &[
    ("demo-doc-02", RelationKind::Repeals, "demo-doc-03"),
    ("demo-doc-05", RelationKind::Amends, "demo-doc-04"),
    ("demo-doc-05", RelationKind::Basis, "demo-doc-01"),
    ("demo-doc-10", RelationKind::Basis, "demo-doc-01"),
];

impl Service {
    /// Creates the demo documents that do not exist yet, with their relations, so that every
    /// validity state is represented. Returns how many were created.
    pub async fn seed_demo_documents(&self) -> Result<usize, ServiceError> {
        let ctx = Ctx::system();
        let today = crate::documents::china_date(self.now_ms());
        let day = |n: i64| today.checked_add_signed(chrono::Duration::days(n));
        let mut created = 0;
        for d in DEMO_DOCS {
            if self.resolve_document(d.key).await?.is_some() {
                continue;
            }
            let Some(org) = self.org_by_code(d.org).await? else { continue };
            let item = ImportDoc {
                external_id: d.key.into(),
                fields: DocFields {
                    title: d.title.into(),
                    issuer: org.name.clone(),
                    doc_number: d.number.map(Into::into),
                    written_on: day(d.written),
                    effective_on: d.effective.and_then(day),
                    expires_on: d.expires.and_then(day),
                    topic: Some(d.topic.into()),
                    genre: Some(d.genre.into()),
                    class: Some(d.class),
                    reg_no: d.reg_no.map(Into::into),
                    disclosure: None,
                    disclosure_reason: None,
                    body: d.body.into(),
                    keywords: Vec::new(),
                    change_note: None,
                },
                published_on: day(d.published),
                validity: d.validity,
                validity_on: None,
            };
            self.import_document(&ctx, &org, &item).await?;
            created += 1;
        }
        if created > 0 {
            for (from, kind, to) in DEMO_RELATIONS {
                let (Some(f), Some(t)) = (self.resolve_document(from).await?, self.resolve_document(to).await?) else {
                    continue;
                };
                let mut rels: Vec<(RelationKind, i64)> = vec![(*kind, t.id)];
                let existing = self.store.relations_of(f.id).await?;
                for r in existing.iter().filter(|r| r.from_id == f.id) {
                    if !(r.kind == *kind && r.to_id == t.id) {
                        rels.push((r.kind, r.to_id));
                    }
                }
                self.link_published(&ctx, f.id, &rels).await?;
            }
        }
        Ok(created)
    }
}
