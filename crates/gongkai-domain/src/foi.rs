//! Disclosure on application (依申请公开) under the 政府信息公开条例 (2019): applicants, channels and the
//! receipt date (Art. 31), the fields of an application (Art. 29), the 21 outcomes of 年报表三 with
//! their legal basis and reply templates (Arts. 14–16, 30, 35–39, 42), and fees under
//! 国办函〔2020〕109号.
//!
//! The statutory clock lives in [`clock`]: it is computed from the application's events, never stored.

pub mod clock;
pub mod fee;
pub mod stats;

use chrono::NaiveDate;

use crate::FieldError;

/// Who applies; the columns of 年报表三 (foi.md §2.5 keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApplicantType {
    /// 自然人.
    NaturalPerson,
    /// 商业企业.
    Commercial,
    /// 科研机构.
    Research,
    /// 社会公益组织.
    SocialWelfare,
    /// 法律服务机构.
    LegalService,
    /// 其他 (other legal persons or organisations).
    Other,
}

impl ApplicantType {
    pub const ALL: [ApplicantType; 6] = [
        ApplicantType::NaturalPerson,
        ApplicantType::Commercial,
        ApplicantType::Research,
        ApplicantType::SocialWelfare,
        ApplicantType::LegalService,
        ApplicantType::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ApplicantType::NaturalPerson => "natural_person",
            ApplicantType::Commercial => "commercial",
            ApplicantType::Research => "research",
            ApplicantType::SocialWelfare => "social_welfare",
            ApplicantType::LegalService => "legal_service",
            ApplicantType::Other => "other",
        }
    }

    /// The column label of 年报表三.
    pub fn label(self) -> &'static str {
        match self {
            ApplicantType::NaturalPerson => "自然人",
            ApplicantType::Commercial => "商业企业",
            ApplicantType::Research => "科研机构",
            ApplicantType::SocialWelfare => "社会公益组织",
            ApplicantType::LegalService => "法律服务机构",
            ApplicantType::Other => "其他",
        }
    }

    pub fn parse(s: &str) -> Option<ApplicantType> {
        let s = s.trim();
        ApplicantType::ALL.into_iter().find(|t| t.key() == s || t.label() == s)
    }

    /// A legal person or other organisation (法人或其他组织).
    pub fn is_organisation(self) -> bool {
        self != ApplicantType::NaturalPerson
    }
}

/// How the application arrived (Arts. 28–29, 国办公开办函〔2017〕19号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// 当面提交.
    InPerson,
    /// 邮寄 with signature (挂号信、EMS).
    Post,
    /// 平常信函 (no signature).
    PostUnsigned,
    /// 互联网 (this site or another online channel).
    Online,
    /// 传真.
    Fax,
    /// 电子邮件.
    Email,
    /// 口头提出，工作机构代为填写 (Art. 29 ①).
    Oral,
    /// 其他.
    Other,
}

impl Channel {
    pub const ALL: [Channel; 8] = [
        Channel::InPerson,
        Channel::Post,
        Channel::PostUnsigned,
        Channel::Online,
        Channel::Fax,
        Channel::Email,
        Channel::Oral,
        Channel::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Channel::InPerson => "in_person",
            Channel::Post => "post",
            Channel::PostUnsigned => "post_unsigned",
            Channel::Online => "online",
            Channel::Fax => "fax",
            Channel::Email => "email",
            Channel::Oral => "oral",
            Channel::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::InPerson => "当面提交",
            Channel::Post => "邮寄（需签收）",
            Channel::PostUnsigned => "平常信函",
            Channel::Online => "互联网",
            Channel::Fax => "传真",
            Channel::Email => "电子邮件",
            Channel::Oral => "口头提出（代为填写）",
            Channel::Other => "其他",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        let s = s.trim();
        Channel::ALL.into_iter().find(|c| c.key() == s || c.label() == s)
    }

    /// Art. 31: which date is the receipt date (收到申请之日) for this channel.
    pub fn receipt_rule(self) -> &'static str {
        match self {
            Channel::InPerson | Channel::Oral => "以提交之日为收到申请之日（第三十一条第一项）",
            Channel::Post => "以行政机关签收之日为收到申请之日（第三十一条第二项）",
            Channel::PostUnsigned => "工作机构于收到申请的当日与申请人确认，确认之日为收到申请之日（第三十一条第二项）",
            Channel::Online | Channel::Fax | Channel::Email => "以双方确认之日为收到申请之日（第三十一条第三项）",
            Channel::Other => "以工作机构登记的收到之日为收到申请之日",
        }
    }

    /// Whether the receipt date is fixed only when the office confirms with the applicant: until
    /// then the application waits in 待确认 and no clock runs.
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Channel::PostUnsigned | Channel::Online | Channel::Fax | Channel::Email)
    }
}

/// Requested form of the information (Art. 29 ② (三)).
pub const FORMS: [(&str, &str); 4] =
    [("paper", "纸质"), ("electronic", "电子文档"), ("disc", "光盘"), ("other", "其他")];
/// How the information is to be obtained (Art. 29 ② (三)).
pub const DELIVERIES: [(&str, &str); 4] =
    [("pickup", "自行领取"), ("post", "邮寄"), ("email", "电子邮件"), ("online", "在线查看")];
/// Identity documents.
pub const ID_TYPES: [(&str, &str); 4] =
    [("id_card", "居民身份证"), ("passport", "护照"), ("credit_code", "统一社会信用代码"), ("other", "其他证件")];

/// What an applicant enters (Art. 29 ②); the same for the public form, staff registration and the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationInput {
    pub applicant_type: String,
    /// 姓名 or 名称.
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    /// Organisations: the contact person (联系人).
    pub contact_person: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    /// 所需政府信息的名称、文号或者便于查询的其他特征性描述.
    pub info_title: Option<String>,
    pub info_number: Option<String>,
    pub description: String,
    pub form: String,
    pub delivery: String,
    /// Optional, never required (the 2019 text dropped the 三需要 gate).
    pub purpose: Option<String>,
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn opt_blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(blank)
}

/// Checks the Art. 29 fields; every error names its field.
pub fn validate_application(a: &ApplicationInput) -> Vec<FieldError> {
    let mut e = Vec::new();
    let kind = ApplicantType::parse(&a.applicant_type);
    if kind.is_none() {
        e.push(FieldError::new("applicant_type", "请选择申请人类型（自然人或法人、其他组织的类别）"));
    }
    let org = kind.is_some_and(ApplicantType::is_organisation);
    if blank(&a.name) {
        e.push(FieldError::new("name", if org { "请填写单位名称" } else { "请填写申请人姓名" }));
    } else if a.name.chars().count() > 100 {
        e.push(FieldError::new("name", "姓名或名称不能超过100个字"));
    }
    if !ID_TYPES.iter().any(|(k, _)| *k == a.id_type.trim()) {
        e.push(FieldError::new("id_type", "请选择身份证明的证件类型"));
    }
    let id = a.id_number.trim();
    if id.is_empty() {
        e.push(FieldError::new("id_number", "请填写身份证明的证件号码（第二十九条）"));
    } else if id.chars().count() > 40 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        e.push(FieldError::new("id_number", "证件号码只能包含字母、数字和连字符，且不超过40位"));
    } else if a.id_type.trim() == "id_card" && !valid_id_card(id) {
        e.push(FieldError::new("id_number", "居民身份证号码应为18位，且校验位正确"));
    }
    if org && opt_blank(&a.contact_person) {
        e.push(FieldError::new("contact_person", "单位申请请填写联系人姓名"));
    }
    let phone = a.phone.trim();
    if phone.is_empty() {
        e.push(FieldError::new("phone", "请填写联系电话"));
    } else if phone.len() > 20 || !phone.chars().all(|c| c.is_ascii_digit() || "-+ ()".contains(c)) {
        e.push(FieldError::new("phone", "联系电话只能包含数字、空格和 - + ( )，且不超过20位"));
    }
    if let Some(m) = a.email.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        if !m.contains('@') || m.len() > 200 || m.contains(char::is_whitespace) {
            e.push(FieldError::new("email", "电子邮箱格式不正确"));
        }
    }
    if a.delivery.trim() == "post" && opt_blank(&a.address) {
        e.push(FieldError::new("address", "选择邮寄时请填写通信地址"));
    }
    if a.delivery.trim() == "email" && opt_blank(&a.email) {
        e.push(FieldError::new("email", "选择电子邮件获取时请填写电子邮箱"));
    }
    if blank(&a.description) {
        e.push(FieldError::new(
            "description",
            "请描述所需政府信息：名称、文号或者便于行政机关查询的其他特征性描述（第二十九条）",
        ));
    } else if a.description.chars().count() > 5000 {
        e.push(FieldError::new("description", "所需信息描述不能超过5000字"));
    }
    for (field, v, max) in [
        ("info_title", &a.info_title, 200),
        ("info_number", &a.info_number, 100),
        ("address", &a.address, 200),
        ("purpose", &a.purpose, 1000),
    ] {
        if v.as_deref().is_some_and(|s| s.chars().count() > max) {
            e.push(FieldError::new(field, format!("不能超过{max}个字")));
        }
    }
    if !FORMS.iter().any(|(k, _)| *k == a.form.trim()) {
        e.push(FieldError::new("form", "请选择所需信息的形式（纸质、电子文档、光盘或其他）"));
    }
    if !DELIVERIES.iter().any(|(k, _)| *k == a.delivery.trim()) {
        e.push(FieldError::new("delivery", "请选择获取信息的方式（自行领取、邮寄、电子邮件或在线查看）"));
    }
    e
}

/// GB 11643 check digit of an 18-digit 居民身份证号码.
pub fn valid_id_card(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17].iter().zip(W).map(|(c, w)| u32::from(c - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == check
}

/// Masks an identity number for staff lists: first 3 and last 2 characters.
pub fn mask_id(id: &str) -> String {
    let c: Vec<char> = id.chars().collect();
    if c.len() <= 5 {
        return "*".repeat(c.len());
    }
    let mut s: String = c[..3].iter().collect();
    s.push_str(&"*".repeat(c.len() - 5));
    s.extend(&c[c.len() - 2..]);
    s
}

/// The groups of 年报表三's result rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeGroup {
    Granted,
    Partial,
    /// （三）不予公开.
    Denied,
    /// （四）无法提供.
    Unable,
    /// （五）不予处理.
    NotProcessed,
    /// （六）其他处理.
    Other,
}

impl OutcomeGroup {
    pub fn label(self) -> &'static str {
        match self {
            OutcomeGroup::Granted => "（一）予以公开",
            OutcomeGroup::Partial => "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            OutcomeGroup::Denied => "（三）不予公开",
            OutcomeGroup::Unable => "（四）无法提供",
            OutcomeGroup::NotProcessed => "（五）不予处理",
            OutcomeGroup::Other => "（六）其他处理",
        }
    }
}

/// How an application ended: exactly one of the 21 leaf rows of 年报表三.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Granted,
    Partial,
    StateSecret,
    LawForbidden,
    SecurityStability,
    ThirdParty,
    InternalAffairs,
    ProcessInfo,
    EnforcementFile,
    AdminQuery,
    NotHeld,
    NeedsCreation,
    StillUnclear,
    Petition,
    Duplicate,
    Publication,
    Excessive,
    ConfirmReissue,
    NoCorrection,
    NoFee,
    OtherOther,
}

impl Outcome {
    pub const ALL: [Outcome; 21] = [
        Outcome::Granted,
        Outcome::Partial,
        Outcome::StateSecret,
        Outcome::LawForbidden,
        Outcome::SecurityStability,
        Outcome::ThirdParty,
        Outcome::InternalAffairs,
        Outcome::ProcessInfo,
        Outcome::EnforcementFile,
        Outcome::AdminQuery,
        Outcome::NotHeld,
        Outcome::NeedsCreation,
        Outcome::StillUnclear,
        Outcome::Petition,
        Outcome::Duplicate,
        Outcome::Publication,
        Outcome::Excessive,
        Outcome::ConfirmReissue,
        Outcome::NoCorrection,
        Outcome::NoFee,
        Outcome::OtherOther,
    ];

    /// The row key of foi.md §2.5.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::Partial => "partial",
            Outcome::StateSecret => "state_secret",
            Outcome::LawForbidden => "law_forbidden",
            Outcome::SecurityStability => "security_stability",
            Outcome::ThirdParty => "third_party",
            Outcome::InternalAffairs => "internal_affairs",
            Outcome::ProcessInfo => "process_info",
            Outcome::EnforcementFile => "enforcement_file",
            Outcome::AdminQuery => "admin_query",
            Outcome::NotHeld => "not_held",
            Outcome::NeedsCreation => "needs_creation",
            Outcome::StillUnclear => "still_unclear",
            Outcome::Petition => "petition",
            Outcome::Duplicate => "duplicate",
            Outcome::Publication => "publication",
            Outcome::Excessive => "excessive",
            Outcome::ConfirmReissue => "confirm_reissue",
            Outcome::NoCorrection => "no_correction",
            Outcome::NoFee => "no_fee",
            Outcome::OtherOther => "other_other",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        let s = s.trim();
        Outcome::ALL.into_iter().find(|o| o.key() == s)
    }

    pub fn group(self) -> OutcomeGroup {
        use Outcome::*;
        match self {
            Granted => OutcomeGroup::Granted,
            Partial => OutcomeGroup::Partial,
            StateSecret | LawForbidden | SecurityStability | ThirdParty | InternalAffairs | ProcessInfo
            | EnforcementFile | AdminQuery => OutcomeGroup::Denied,
            NotHeld | NeedsCreation | StillUnclear => OutcomeGroup::Unable,
            Petition | Duplicate | Publication | Excessive | ConfirmReissue => OutcomeGroup::NotProcessed,
            NoCorrection | NoFee | OtherOther => OutcomeGroup::Other,
        }
    }

    /// The exact row label of 年报表三.
    pub fn row_label(self) -> &'static str {
        use Outcome::*;
        match self {
            Granted => "（一）予以公开",
            Partial => "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            StateSecret => "1.属于国家秘密",
            LawForbidden => "2.其他法律行政法规禁止公开",
            SecurityStability => "3.危及“三安全一稳定”",
            ThirdParty => "4.保护第三方合法权益",
            InternalAffairs => "5.属于三类内部事务信息",
            ProcessInfo => "6.属于四类过程性信息",
            EnforcementFile => "7.属于行政执法案卷",
            AdminQuery => "8.属于行政查询事项",
            NotHeld => "1.本机关不掌握相关政府信息",
            NeedsCreation => "2.没有现成信息需要另行制作",
            StillUnclear => "3.补正后申请内容仍不明确",
            Petition => "1.信访举报投诉类申请",
            Duplicate => "2.重复申请",
            Publication => "3.要求提供公开出版物",
            Excessive => "4.无正当理由大量反复申请",
            ConfirmReissue => "5.要求行政机关确认或重新出具已获取信息",
            NoCorrection => "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            NoFee => "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            OtherOther => "3.其他",
        }
    }

    /// A label that stands alone (group + row), for lists and forms.
    pub fn label(self) -> String {
        match self.group() {
            OutcomeGroup::Granted => "予以公开".into(),
            OutcomeGroup::Partial => "部分公开".into(),
            g => {
                let group = g.label().trim_start_matches(|c: char| "（）一二三四五六七".contains(c));
                let row = self.row_label().split_once('.').map_or(self.row_label(), |(_, r)| r);
                format!("{group}：{row}")
            }
        }
    }

    /// The legal basis the reply cites by default (条/款/项 of the 条例 unless noted).
    pub fn legal_basis(self) -> &'static str {
        use Outcome::*;
        match self {
            Granted => "《中华人民共和国政府信息公开条例》第三十六条第一项、第二项",
            Partial => "《中华人民共和国政府信息公开条例》第三十七条",
            StateSecret | LawForbidden | SecurityStability => {
                "《中华人民共和国政府信息公开条例》第十四条、第三十六条第三项"
            }
            ThirdParty => "《中华人民共和国政府信息公开条例》第十五条、第三十二条、第三十六条第三项",
            InternalAffairs => "《中华人民共和国政府信息公开条例》第十六条第一款、第三十六条第三项",
            ProcessInfo | EnforcementFile => "《中华人民共和国政府信息公开条例》第十六条第二款、第三十六条第三项",
            AdminQuery => "《中华人民共和国政府信息公开条例》第三十六条第七项",
            NotHeld => "《中华人民共和国政府信息公开条例》第三十六条第四项、第五项",
            NeedsCreation => "《中华人民共和国政府信息公开条例》第三十八条",
            StillUnclear | NoCorrection => "《中华人民共和国政府信息公开条例》第三十条",
            Petition => "《中华人民共和国政府信息公开条例》第三十九条第一款",
            Duplicate => "《中华人民共和国政府信息公开条例》第三十六条第六项",
            Publication => "《中华人民共和国政府信息公开条例》第三十九条第二款",
            Excessive => "《中华人民共和国政府信息公开条例》第三十五条",
            ConfirmReissue => "《中华人民共和国政府信息公开条例》第三十六条",
            NoFee => "《中华人民共和国政府信息公开条例》第四十二条、《政府信息公开信息处理费管理办法》",
            OtherOther => "《中华人民共和国政府信息公开条例》",
        }
    }

    /// The reply template's text for this outcome: what the applicant is told.
    pub fn template(self) -> &'static str {
        use Outcome::*;
        match self {
            Granted => "经审查，您申请获取的政府信息属于公开范围，现予以公开。获取方式、途径和时间如下：",
            Partial => {
                "经审查，您申请获取的政府信息中部分内容可以公开，现提供可以公开的部分；不予公开的部分及理由如下："
            }
            StateSecret => "经审查，您申请获取的政府信息属于国家秘密，依法不予公开。",
            LawForbidden => "经审查，您申请获取的政府信息属于法律、行政法规禁止公开的信息，依法不予公开。",
            SecurityStability => {
                "经审查，您申请获取的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定，依法不予公开。"
            }
            ThirdParty => {
                "经审查，您申请获取的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，依法不予公开。"
            }
            InternalAffairs => {
                "经审查，您申请获取的信息属于人事管理、后勤管理、内部工作流程等内部事务信息，可以不予公开。"
            }
            ProcessInfo => {
                "经审查，您申请获取的信息属于讨论记录、过程稿、磋商信函、请示报告等过程性信息，可以不予公开。"
            }
            EnforcementFile => "经审查，您申请获取的信息属于行政执法案卷信息，可以不予公开。",
            AdminQuery => "经审查，您申请获取的信息属于行政查询事项，请按照有关法律、行政法规的规定办理。",
            NotHeld => {
                "经检索查找，本机关未制作、获取您申请的政府信息，该政府信息不存在；如能确定负责公开的机关，其名称、联系方式如下："
            }
            NeedsCreation => "您申请获取的信息需要本机关对现有政府信息进行加工、分析，本机关依法可以不予提供。",
            StillUnclear => "经补正后，您的申请内容仍不明确，本机关无法确定您所需的政府信息。",
            Petition => "您提出的事项属于信访、投诉、举报等诉求，不作为政府信息公开申请处理，请通过相应渠道提出。",
            Duplicate => "您提出的申请属于重复申请，本机关已就该申请作出答复，不予重复处理。",
            Publication => "您申请获取的信息属于公开出版物，获取途径如下：",
            Excessive => "您的申请数量、频次明显超过合理范围，且说明的理由不合理，本机关不予处理。",
            ConfirmReissue => {
                "您要求本机关确认或者重新出具已获取的信息，不属于政府信息公开申请的处理范围，本机关不予处理。"
            }
            NoCorrection => "您无正当理由逾期未补正，视为放弃申请，本机关不再处理该政府信息公开申请。",
            NoFee => "您逾期未按收费通知要求缴纳信息处理费，本机关不再处理该政府信息公开申请。",
            OtherOther => "本机关对您的申请作如下处理：",
        }
    }

    /// Whether the reply must state a specific reason (denials, partial disclosure, not held).
    pub fn needs_reason(self) -> bool {
        !matches!(self, Outcome::Granted | Outcome::NoCorrection | Outcome::NoFee)
    }
}

/// 救济途径: the remedies every reply states (Art. 51; 行政复议法 2023, 行政诉讼法 第46条).
pub const REMEDY: &str = "如对本答复不服，可以自收到本答复之日起六十日内依法申请行政复议，\
或者自收到本答复之日起六个月内依法向人民法院提起行政诉讼。";

/// A reply as drafted by staff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyDraft {
    pub outcome: String,
    /// The body: the template text with the case's specifics.
    pub body: String,
    pub reason: Option<String>,
    pub legal_basis: String,
    pub remedy: String,
}

/// A draft filled from the outcome's template.
pub fn reply_template(outcome: Outcome) -> ReplyDraft {
    ReplyDraft {
        outcome: outcome.key().into(),
        body: outcome.template().into(),
        reason: None,
        legal_basis: outcome.legal_basis().into(),
        remedy: REMEDY.into(),
    }
}

/// Checks a reply: an existing outcome, a legal basis, a reason where the outcome needs one, the remedies.
pub fn validate_reply(r: &ReplyDraft) -> (Option<Outcome>, Vec<FieldError>) {
    let mut e = Vec::new();
    let outcome = Outcome::parse(&r.outcome);
    if r.outcome.trim().is_empty() {
        e.push(FieldError::new("outcome", "请选择办理结果（年报表三的21种情形之一）"));
    } else if outcome.is_none() {
        e.push(FieldError::new("outcome", format!("办理结果“{}”不存在", r.outcome.trim())));
    }
    if blank(&r.body) {
        e.push(FieldError::new("body", "请填写答复正文"));
    }
    if blank(&r.legal_basis) {
        e.push(FieldError::new("legal_basis", "请填写法律依据（引至条、款、项）"));
    }
    if outcome.is_some_and(Outcome::needs_reason) && opt_blank(&r.reason) {
        e.push(FieldError::new("reason", "此办理结果须说明理由"));
    }
    if blank(&r.remedy) {
        e.push(FieldError::new("remedy", "请写明救济途径（行政复议、行政诉讼）"));
    }
    (outcome, e)
}

/// Results of a 行政复议 or 行政诉讼 case (年报表四).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseResult {
    /// 结果维持.
    Upheld,
    /// 结果纠正.
    Corrected,
    /// 其他结果.
    Other,
    /// 尚未审结.
    Pending,
}

impl CaseResult {
    pub const ALL: [CaseResult; 4] =
        [CaseResult::Upheld, CaseResult::Corrected, CaseResult::Other, CaseResult::Pending];

    pub fn key(self) -> &'static str {
        match self {
            CaseResult::Upheld => "upheld",
            CaseResult::Corrected => "corrected",
            CaseResult::Other => "other",
            CaseResult::Pending => "pending",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseResult::Upheld => "结果维持",
            CaseResult::Corrected => "结果纠正",
            CaseResult::Other => "其他结果",
            CaseResult::Pending => "尚未审结",
        }
    }

    pub fn parse(s: &str) -> Option<CaseResult> {
        CaseResult::ALL.into_iter().find(|c| c.key() == s.trim())
    }
}

/// The kind of dispute (年报表四 blocks), plus complaints (Art. 47, not in the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseKind {
    /// 行政复议.
    Reconsideration,
    /// 行政诉讼：未经复议直接起诉.
    LitigationDirect,
    /// 行政诉讼：复议后起诉.
    LitigationAfterReconsideration,
    /// 投诉、举报.
    Complaint,
}

impl CaseKind {
    pub const ALL: [CaseKind; 4] = [
        CaseKind::Reconsideration,
        CaseKind::LitigationDirect,
        CaseKind::LitigationAfterReconsideration,
        CaseKind::Complaint,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CaseKind::Reconsideration => "reconsideration",
            CaseKind::LitigationDirect => "litigation_direct",
            CaseKind::LitigationAfterReconsideration => "litigation_after_reconsideration",
            CaseKind::Complaint => "complaint",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Reconsideration => "行政复议",
            CaseKind::LitigationDirect => "行政诉讼（未经复议直接起诉）",
            CaseKind::LitigationAfterReconsideration => "行政诉讼（复议后起诉）",
            CaseKind::Complaint => "投诉、举报",
        }
    }

    pub fn parse(s: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|c| c.key() == s.trim())
    }
}

/// The China date (UTC+8) of an instant in ms.
pub fn china_day(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000).map(|t| t.date_naive()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ApplicationInput {
        ApplicationInput {
            applicant_type: "natural_person".into(),
            name: "张三".into(),
            id_type: "id_card".into(),
            id_number: "11010519491231002X".into(),
            phone: "010-12345678".into(),
            description: "2024年本区老旧小区改造项目清单".into(),
            form: "electronic".into(),
            delivery: "email".into(),
            email: Some("a@example.cn".into()),
            ..Default::default()
        }
    }

    #[test]
    fn article_29_fields_are_checked_by_name() {
        assert!(validate_application(&good()).is_empty());
        let e = validate_application(&ApplicationInput::default());
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        for f in ["applicant_type", "name", "id_type", "id_number", "phone", "description", "form", "delivery"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        let mut a = good();
        a.id_number = "110105194912310021".into();
        assert_eq!(validate_application(&a)[0].field, "id_number");
        let mut a = good();
        a.applicant_type = "commercial".into();
        a.id_type = "credit_code".into();
        a.id_number = "91350100M000100Y43".into();
        assert_eq!(validate_application(&a)[0].field, "contact_person");
        let mut a = good();
        a.delivery = "post".into();
        assert_eq!(validate_application(&a)[0].field, "address");
    }

    #[test]
    fn outcomes_are_the_21_rows_with_unique_keys() {
        let keys: std::collections::BTreeSet<&str> = Outcome::ALL.iter().map(|o| o.key()).collect();
        assert_eq!(keys.len(), 21);
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.key()), Some(o));
            assert!(!o.legal_basis().is_empty());
        }
        assert_eq!(Outcome::SecurityStability.row_label(), "3.危及“三安全一稳定”");
        assert_eq!(Outcome::Petition.label(), "不予处理：信访举报投诉类申请");
        assert_eq!(Outcome::Granted.label(), "予以公开");
    }

    #[test]
    fn reply_needs_outcome_basis_and_reason() {
        let (o, e) = validate_reply(&reply_template(Outcome::Granted));
        assert_eq!(o, Some(Outcome::Granted));
        assert!(e.is_empty());
        let (_, e) = validate_reply(&reply_template(Outcome::ThirdParty));
        assert_eq!(e[0].field, "reason");
        let mut r = reply_template(Outcome::Granted);
        r.outcome = "nonsense".into();
        r.legal_basis = " ".into();
        let (o, e) = validate_reply(&r);
        assert!(o.is_none());
        assert_eq!(e[0].field, "outcome");
        assert_eq!(e[1].field, "legal_basis");
    }

    #[test]
    fn masks_and_checks_ids() {
        assert_eq!(mask_id("11010519491231002X"), "110*************2X");
        assert!(valid_id_card("11010519491231002x"));
        assert!(!valid_id_card("1101051949123100"));
    }

    #[test]
    fn channels_know_their_receipt_rule() {
        assert!(Channel::Online.needs_confirmation());
        assert!(!Channel::InPerson.needs_confirmation());
        assert!(Channel::Post.receipt_rule().contains("签收"));
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.key()), Some(c));
        }
    }
}
