//! Policy documents (政策文件): classes, validity (有效性) as a dated state machine, publishing
//! editions (Whitehall-style), relations, 主题分类 and 公文种类 as data, input checks, 索引号
//! generation, and the structure of a body (章/节/条 headings with stable anchors, tables).

use chrono::{Datelike, NaiveDate};

use crate::error::FieldError;

/// What kind of document this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocClass {
    /// 法律.
    Law,
    /// 行政法规.
    AdministrativeRegulation,
    /// 地方性法规.
    LocalRegulation,
    /// 司法解释.
    JudicialInterpretation,
    /// 部门规章.
    DepartmentalRule,
    /// 政府规章 (rules of a people's government).
    GovernmentRule,
    /// 行政规范性文件 (normative documents: registered, numbered, with a term of validity).
    Normative,
    /// 其他政策文件.
    Other,
    /// 政策解读: interprets one or more policy documents (see [`crate::interp`]).
    Interpretation,
}

impl DocClass {
    pub const ALL: [DocClass; 9] = [
        DocClass::Law,
        DocClass::AdministrativeRegulation,
        DocClass::LocalRegulation,
        DocClass::JudicialInterpretation,
        DocClass::DepartmentalRule,
        DocClass::GovernmentRule,
        DocClass::Normative,
        DocClass::Other,
        DocClass::Interpretation,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DocClass::Law => "law",
            DocClass::AdministrativeRegulation => "administrative_regulation",
            DocClass::LocalRegulation => "local_regulation",
            DocClass::JudicialInterpretation => "judicial_interpretation",
            DocClass::DepartmentalRule => "departmental_rule",
            DocClass::GovernmentRule => "government_rule",
            DocClass::Normative => "normative",
            DocClass::Other => "other",
            DocClass::Interpretation => "interpretation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocClass::Law => "法律",
            DocClass::AdministrativeRegulation => "行政法规",
            DocClass::LocalRegulation => "地方性法规",
            DocClass::JudicialInterpretation => "司法解释",
            DocClass::DepartmentalRule => "部门规章",
            DocClass::GovernmentRule => "政府规章",
            DocClass::Normative => "行政规范性文件",
            DocClass::Other => "其他政策文件",
            DocClass::Interpretation => "政策解读",
        }
    }

    /// Parses a key or a label; the corpus' `doc_type` values (`法律`, `其他`, …) included.
    pub fn parse(s: &str) -> Option<DocClass> {
        let s = s.trim();
        DocClass::ALL.into_iter().find(|c| c.key() == s || c.label() == s).or(match s {
            "其他" => Some(DocClass::Other),
            "规范性文件" => Some(DocClass::Normative),
            "规章" => Some(DocClass::GovernmentRule),
            "解读" => Some(DocClass::Interpretation),
            _ => None,
        })
    }
}

/// 有效性 of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// 尚未生效: before 施行日期.
    Pending,
    /// 现行有效.
    InForce,
    /// 已修改: a later document amends it.
    Amended,
    /// 部分失效.
    PartiallyInvalid,
    /// 已失效: 有效期 passed or declared invalid in a cleanup.
    Expired,
    /// 已废止: repealed by a later document.
    Repealed,
    /// 未标注: imported without a status; shown as presumed in force with a visible flag.
    Unknown,
}

impl Validity {
    pub const ALL: [Validity; 7] = [
        Validity::Pending,
        Validity::InForce,
        Validity::Amended,
        Validity::PartiallyInvalid,
        Validity::Expired,
        Validity::Repealed,
        Validity::Unknown,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Validity::Pending => "pending",
            Validity::InForce => "in_force",
            Validity::Amended => "amended",
            Validity::PartiallyInvalid => "partially_invalid",
            Validity::Expired => "expired",
            Validity::Repealed => "repealed",
            Validity::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Validity::Pending => "尚未生效",
            Validity::InForce => "现行有效",
            Validity::Amended => "已修改",
            Validity::PartiallyInvalid => "部分失效",
            Validity::Expired => "已失效",
            Validity::Repealed => "已废止",
            Validity::Unknown => "未标注（推定有效）",
        }
    }

    pub fn parse(s: &str) -> Option<Validity> {
        let s = s.trim();
        Validity::ALL.into_iter().find(|v| v.key() == s || v.label() == s).or(match s {
            "有效" => Some(Validity::InForce),
            "失效" => Some(Validity::Expired),
            "废止" => Some(Validity::Repealed),
            "未标注" => Some(Validity::Unknown),
            _ => None,
        })
    }

    /// Whether a citizen may still rely on the document.
    pub fn is_current(self) -> bool {
        matches!(self, Validity::InForce | Validity::Amended | Validity::PartiallyInvalid | Validity::Unknown)
    }

    /// States set by an event (a repeal, an amendment, a cleanup) rather than by dates; dates never
    /// move a document out of these.
    fn is_terminal(self) -> bool {
        matches!(self, Validity::Repealed | Validity::Expired)
    }
}

/// Recomputes validity from dates. `current` is the stored state; event-driven states (repealed,
/// declared expired, amended, partially invalid) are kept, except that an amended document whose
/// term ends still expires. `today` is the date in China.
pub fn validity_on(
    current: Validity,
    effective_on: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Validity {
    if current.is_terminal() {
        return current;
    }
    if let Some(end) = expires_on {
        if today > end {
            return Validity::Expired;
        }
    }
    match current {
        Validity::Amended | Validity::PartiallyInvalid => current,
        Validity::Unknown if effective_on.is_none() => Validity::Unknown,
        _ => match effective_on {
            Some(start) if today < start => Validity::Pending,
            _ => Validity::InForce,
        },
    }
}

/// The legal date of an expiry: the day after 有效期至.
pub fn expiry_date(expires_on: NaiveDate) -> NaiveDate {
    expires_on.succ_opt().unwrap_or(expires_on)
}

/// The legal date of a change another document causes (废止, 替代, 修改): its 施行日期, else its
/// publication date.
pub fn caused_on(effective_on: Option<NaiveDate>, published_on: Option<NaiveDate>) -> Option<NaiveDate> {
    effective_on.or(published_on)
}

/// The legal date of a change [`validity_on`] computes from a document's own dates: an expiry the
/// day after 有效期至, entry into force on the 施行日期 (else the publication date), "not yet in
/// force" from publication. `None` when the dates do not tell.
pub fn dated_change_on(
    to: Validity,
    effective_on: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    published_on: Option<NaiveDate>,
) -> Option<NaiveDate> {
    match to {
        Validity::Expired => expires_on.map(expiry_date),
        Validity::InForce => effective_on.or(published_on),
        Validity::Pending => published_on,
        _ => None,
    }
}

/// The first day a document is no longer in force as far as its dated changes and its 有效期
/// tell: the earliest of the day after 有效期至 and the legal dates of its repeal or expiry
/// (including ones still ahead). `ends` are those legal dates.
pub fn ended_on(expires_on: Option<NaiveDate>, ends: impl IntoIterator<Item = NaiveDate>) -> Option<NaiveDate> {
    ends.into_iter().chain(expires_on.map(expiry_date)).min()
}

/// 公开方式.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// 主动公开.
    Proactive,
    /// 依申请公开.
    OnApplication,
    /// 不予公开 (with a reason).
    NotDisclosed,
}

impl Disclosure {
    pub fn key(self) -> &'static str {
        match self {
            Disclosure::Proactive => "proactive",
            Disclosure::OnApplication => "on_application",
            Disclosure::NotDisclosed => "not_disclosed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Disclosure::Proactive => "主动公开",
            Disclosure::OnApplication => "依申请公开",
            Disclosure::NotDisclosed => "不予公开",
        }
    }

    pub fn parse(s: &str) -> Option<Disclosure> {
        [Disclosure::Proactive, Disclosure::OnApplication, Disclosure::NotDisclosed]
            .into_iter()
            .find(|d| d.key() == s.trim() || d.label() == s.trim())
    }
}

/// The state of one edition (版本) of a document in the publishing workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EditionState {
    Draft,
    Submitted,
    Returned,
    Approved,
    Scheduled,
    Published,
    Superseded,
    Withdrawn,
    Unpublished,
}

impl EditionState {
    pub const ALL: [EditionState; 9] = [
        EditionState::Draft,
        EditionState::Submitted,
        EditionState::Returned,
        EditionState::Approved,
        EditionState::Scheduled,
        EditionState::Published,
        EditionState::Superseded,
        EditionState::Withdrawn,
        EditionState::Unpublished,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EditionState::Draft => "draft",
            EditionState::Submitted => "submitted",
            EditionState::Returned => "returned",
            EditionState::Approved => "approved",
            EditionState::Scheduled => "scheduled",
            EditionState::Published => "published",
            EditionState::Superseded => "superseded",
            EditionState::Withdrawn => "withdrawn",
            EditionState::Unpublished => "unpublished",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EditionState::Draft => "草稿",
            EditionState::Submitted => "待审核",
            EditionState::Returned => "已退回",
            EditionState::Approved => "已签发",
            EditionState::Scheduled => "定时发布",
            EditionState::Published => "已发布",
            EditionState::Superseded => "已被新版本取代",
            EditionState::Withdrawn => "已撤回",
            EditionState::Unpublished => "已取消发布",
        }
    }

    pub fn parse(s: &str) -> Option<EditionState> {
        EditionState::ALL.into_iter().find(|e| e.key() == s)
    }

    /// Editions that are still being worked on (at most one per document).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            EditionState::Draft
                | EditionState::Submitted
                | EditionState::Returned
                | EditionState::Approved
                | EditionState::Scheduled
        )
    }

    /// Whether the public may see an edition in this state (withdrawn ones stay readable with a
    /// notice, as the law requires changes to be marked on the original page).
    pub fn is_public(self) -> bool {
        matches!(self, EditionState::Published | EditionState::Withdrawn)
    }
}

/// A step of the publishing workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditionEvent {
    Submit,
    Return,
    Approve,
    Schedule,
    Unschedule,
    Publish,
    Supersede,
    Withdraw,
    Unpublish,
}

impl EditionEvent {
    pub const ALL: [EditionEvent; 9] = [
        EditionEvent::Submit,
        EditionEvent::Return,
        EditionEvent::Approve,
        EditionEvent::Schedule,
        EditionEvent::Unschedule,
        EditionEvent::Publish,
        EditionEvent::Supersede,
        EditionEvent::Withdraw,
        EditionEvent::Unpublish,
    ];

    pub fn parse(s: &str) -> Option<EditionEvent> {
        EditionEvent::ALL.into_iter().find(|e| e.key() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            EditionEvent::Submit => "submit",
            EditionEvent::Return => "return",
            EditionEvent::Approve => "approve",
            EditionEvent::Schedule => "schedule",
            EditionEvent::Unschedule => "unschedule",
            EditionEvent::Publish => "publish",
            EditionEvent::Supersede => "supersede",
            EditionEvent::Withdraw => "withdraw",
            EditionEvent::Unpublish => "unpublish",
        }
    }
}

/// The state after `event`, or `None` when the workflow does not allow it.
pub fn transition(from: EditionState, event: EditionEvent) -> Option<EditionState> {
    use EditionEvent as E;
    use EditionState as S;
    Some(match (from, event) {
        (S::Draft | S::Returned, E::Submit) => S::Submitted,
        (S::Submitted, E::Return) | (S::Approved, E::Return) => S::Returned,
        (S::Submitted, E::Approve) => S::Approved,
        (S::Approved, E::Schedule) => S::Scheduled,
        (S::Scheduled, E::Unschedule) => S::Approved,
        (S::Approved | S::Scheduled, E::Publish) => S::Published,
        (S::Published | S::Withdrawn, E::Supersede) => S::Superseded,
        (S::Published, E::Withdraw) => S::Withdrawn,
        (S::Published | S::Withdrawn, E::Unpublish) => S::Unpublished,
        _ => return None,
    })
}

/// A typed link from one document to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    /// 修改: this document amends the target.
    Amends,
    /// 废止: this document repeals the target.
    Repeals,
    /// 依据: the target is the legal basis of this document.
    Basis,
    /// 替代: this document replaces the target.
    Supersedes,
    /// 解读: this document interprets the target.
    Interprets,
}

impl RelationKind {
    pub const ALL: [RelationKind; 5] = [
        RelationKind::Amends,
        RelationKind::Repeals,
        RelationKind::Basis,
        RelationKind::Supersedes,
        RelationKind::Interprets,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RelationKind::Amends => "amends",
            RelationKind::Repeals => "repeals",
            RelationKind::Basis => "basis",
            RelationKind::Supersedes => "supersedes",
            RelationKind::Interprets => "interprets",
        }
    }

    /// Label seen from the document that holds the link.
    pub fn label(self) -> &'static str {
        match self {
            RelationKind::Amends => "修改",
            RelationKind::Repeals => "废止",
            RelationKind::Basis => "制定依据",
            RelationKind::Supersedes => "替代",
            RelationKind::Interprets => "解读",
        }
    }

    /// Label seen from the target.
    pub fn inverse_label(self) -> &'static str {
        match self {
            RelationKind::Amends => "被修改",
            RelationKind::Repeals => "被废止",
            RelationKind::Basis => "作为依据的文件",
            RelationKind::Supersedes => "被替代",
            RelationKind::Interprets => "相关解读",
        }
    }

    pub fn parse(s: &str) -> Option<RelationKind> {
        RelationKind::ALL.into_iter().find(|r| r.key() == s.trim() || r.label() == s.trim())
    }
}

/// 公文种类 (党政机关公文处理工作条例, 15 kinds), plus 办法/规定/细则 and similar titles normative
/// documents commonly carry.
pub const GENRES: &[&str] = &[
    "决议",
    "决定",
    "命令（令）",
    "公报",
    "公告",
    "通告",
    "意见",
    "通知",
    "通报",
    "报告",
    "请示",
    "批复",
    "议案",
    "函",
    "纪要",
    "办法",
    "规定",
    "细则",
    "规则",
    "条例",
    "方案",
    "规划",
];

/// The State Council's 主题分类: 一级 with their 二级 (as published in the gov.cn policy library).
pub const TOPICS: &[(&str, &[&str])] = &[
    (
        "国务院组织机构",
        &[
            "国务院",
            "国务院办公厅",
            "国务院组成部门",
            "国务院直属特设机构",
            "国务院直属机构",
            "国务院办事机构",
            "国务院直属事业单位",
            "国务院部委管理的国家局",
            "国务院议事协调机构",
            "其他",
        ],
    ),
    (
        "综合政务",
        &["政务公开", "政务督查", "应急管理", "电子政务", "文秘工作", "保密工作", "信访", "参事、文史", "其他"],
    ),
    (
        "国民经济管理、国有资产监管",
        &["宏观经济", "经济体制改革", "统计", "物价", "国有资产监管", "重大建设项目", "其他"],
    ),
    (
        "财政、金融、审计",
        &["财政", "税务", "银行", "货币（含外汇）", "证券", "保险", "社会信用体系建设", "审计", "其他"],
    ),
    ("国土资源、能源", &["土地", "矿产", "水资源", "海洋", "煤炭", "石油与天然气", "电力", "其他"]),
    ("农业、林业、水利", &["农业、畜牧业、渔业", "林业", "水利", "其他"]),
    (
        "工业、交通",
        &[
            "机械制造与重工业",
            "轻工纺织",
            "化工",
            "国防工业",
            "航天、航空",
            "信息产业（含电信）",
            "公路",
            "水运",
            "铁路",
            "民航",
            "邮政",
            "其他",
        ],
    ),
    ("商贸、海关、旅游", &["对外经贸合作", "国内贸易（含供销）", "海关", "检验、检疫", "旅游", "其他"]),
    ("市场监管、安全生产监管", &["工商", "质量监督", "标准", "食品药品监管", "安全生产监管", "其他"]),
    (
        "城乡建设、环境保护",
        &[
            "城市规划",
            "城乡建设（含住房）",
            "环境监测、保护与治理",
            "节能与资源综合利用",
            "气象、水文、测绘、地震",
            "其他",
        ],
    ),
    ("科技、教育", &["科技", "教育", "知识产权", "其他"]),
    ("文化、广电、新闻出版", &["文化", "文物", "新闻出版", "广播、电影、电视", "其他"]),
    ("卫生、体育", &["卫生", "医药管理", "体育", "其他"]),
    ("人口与计划生育、妇女儿童工作", &["人口与计划生育", "妇女儿童", "其他"]),
    ("劳动、人事、监察", &["劳动就业", "社会保障", "人事工作", "军转安置", "监察", "纠正行业不正之风", "其他"]),
    ("公安、安全、司法", &["公安", "国家安全", "司法", "其他"]),
    ("民政、扶贫、救灾", &["减灾救灾", "优抚安置", "社会福利", "行政区划与地名", "社团管理", "扶贫", "其他"]),
    ("民族、宗教", &["民族事务", "宗教事务"]),
    ("对外事务", &["外交、外事", "国际条约、国际组织", "其他"]),
    ("港澳台侨工作", &["港澳工作", "对台工作", "侨务工作"]),
    ("国防", &["国防建设", "国防动员"]),
    ("其他", &[]),
];

/// Normalises and checks a 主题分类 written as `一级` or `一级\二级` (also `一级/二级`, `一级-二级`).
pub fn parse_topic(s: &str) -> Option<String> {
    let s = s.trim();
    let (first, second) = match s.find(['\\', '/', '-', '＼', '／']) {
        Some(i) => {
            let sep_len = s[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            (s[..i].trim(), Some(s[i + sep_len..].trim()))
        }
        None => (s, None),
    };
    let (top, subs) = TOPICS.iter().find(|(t, _)| *t == first)?;
    match second {
        None | Some("") => Some((*top).to_owned()),
        Some(sub) if subs.contains(&sub) => Some(format!("{top}\\{sub}")),
        Some(_) => None,
    }
}

/// A document's metadata as entered by an editor or read from an import line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocFields {
    pub title: String,
    /// 发布机构 as shown (joint issuers separated by `、`).
    pub issuer: String,
    pub doc_number: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub class: Option<DocClass>,
    /// 统一编号 (registration number) of a normative document.
    pub reg_no: Option<String>,
    pub disclosure: Option<Disclosure>,
    pub disclosure_reason: Option<String>,
    pub body: String,
    pub keywords: Vec<String>,
    pub change_note: Option<String>,
}

/// Checks a document's fields; `published_on` is the publication date when known (imports, or
/// today at publication). Returns every problem, each naming its field.
pub fn validate_fields(f: &DocFields, published_on: Option<NaiveDate>) -> Vec<FieldError> {
    let mut e = Vec::new();
    let title = f.title.trim();
    if title.is_empty() {
        e.push(FieldError::new("title", "标题不能为空"));
    } else if title.chars().count() > 300 {
        e.push(FieldError::new("title", "标题不能超过 300 个字符"));
    } else if title.chars().any(char::is_control) {
        e.push(FieldError::new("title", "标题不能包含控制字符"));
    }
    if f.issuer.chars().count() > 300 || f.issuer.chars().any(char::is_control) {
        e.push(FieldError::new("issuer", "发布机构不能超过 300 个字符，且不能包含控制字符"));
    }
    if let Some(n) = &f.doc_number {
        if n.chars().count() > 100 || n.chars().any(char::is_control) {
            e.push(FieldError::new("doc_number", "发文字号不能超过 100 个字符"));
        }
    }
    if let (Some(w), Some(eff)) = (f.written_on, f.effective_on) {
        if eff < w {
            e.push(FieldError::new("effective_on", format!("施行日期（{eff}）不能早于成文日期（{w}）")));
        }
    }
    if let (Some(eff), Some(exp)) = (f.effective_on, f.expires_on) {
        if exp <= eff {
            e.push(FieldError::new("expires_on", format!("有效期至（{exp}）必须晚于施行日期（{eff}）")));
        }
    }
    if let (Some(w), Some(exp)) = (f.written_on, f.expires_on) {
        if f.effective_on.is_none() && exp <= w {
            e.push(FieldError::new("expires_on", format!("有效期至（{exp}）必须晚于成文日期（{w}）")));
        }
    }
    if let (Some(w), Some(p)) = (f.written_on, published_on) {
        if p < w {
            e.push(FieldError::new("published_on", format!("发布日期（{p}）不能早于成文日期（{w}）")));
        }
    }
    if let Some(t) = &f.topic {
        if parse_topic(t).is_none() {
            e.push(FieldError::new("topic", format!("未知的主题分类“{t}”（应为国务院主题分类的“一级\\二级”）")));
        }
    }
    if let Some(g) = &f.genre {
        if !GENRES.contains(&g.as_str()) {
            e.push(FieldError::new("genre", format!("未知的公文种类“{g}”")));
        }
    }
    if f.disclosure == Some(Disclosure::NotDisclosed)
        && f.disclosure_reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        e.push(FieldError::new("disclosure_reason", "不予公开须写明理由"));
    }
    if f.class == Some(DocClass::Normative) && f.reg_no.as_deref().is_some_and(|r| r.chars().count() > 60) {
        e.push(FieldError::new("reg_no", "统一编号不能超过 60 个字符"));
    }
    if f.body.len() > 5 * 1024 * 1024 {
        e.push(FieldError::new("body", "正文不能超过 5 MB"));
    }
    for k in &f.keywords {
        if k.chars().count() > 30 {
            e.push(FieldError::new("keywords", format!("关键词“{k}”过长（不超过 30 个字符）")));
        }
    }
    e
}

/// The default 有效期至 of a normative document: 5 years from 施行, 2 years for 暂行/试行 titles
/// (行政规范性文件 rules; provinces may differ, so callers can override both terms).
pub fn default_expiry(title: &str, effective_on: NaiveDate, years: i32, provisional_years: i32) -> NaiveDate {
    let y = if title.contains("暂行") || title.contains("试行") { provisional_years } else { years };
    let target = effective_on.with_year(effective_on.year() + y).unwrap_or(effective_on);
    // The term ends the day before the anniversary.
    target.pred_opt().unwrap_or(target)
}

/// Renders an 索引号 from a per-organisation format. Placeholders: `{org}` (organisation code),
/// `{credit}` (统一社会信用代码, falling back to the organisation code), `{division}` (行政区划代码,
/// falling back to the code), `{year}`, `{seq}` and `{seq:N}` (zero-padded to N digits).
pub fn render_index_no(
    format: &str,
    org: &str,
    credit: Option<&str>,
    division: Option<&str>,
    year: i32,
    seq: i64,
) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let token = &rest[start + 1..start + end];
        match token {
            "org" => out.push_str(org),
            "credit" => out.push_str(credit.unwrap_or(org)),
            "division" => out.push_str(division.unwrap_or(org)),
            "year" => out.push_str(&year.to_string()),
            "seq" => out.push_str(&seq.to_string()),
            t if t.starts_with("seq:") => {
                let w: usize = t[4..].parse().unwrap_or(5).min(12);
                out.push_str(&format!("{seq:0w$}"));
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The default 索引号 format.
pub const DEFAULT_INDEX_FORMAT: &str = "{credit}/{year}-{seq:05}";

/// Checks a per-organisation 索引号 format: it must contain `{year}` and a `{seq…}` placeholder so
/// numbers are unique per year.
pub fn validate_index_format(format: &str) -> Result<(), FieldError> {
    if format.contains("{year}") && format.contains("{seq") && format.len() <= 100 {
        Ok(())
    } else {
        Err(FieldError::new("index_format", "索引号格式须包含 {year} 和 {seq} 或 {seq:N}"))
    }
}

/// One block of a structured body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A 编/章/节 heading: level 1 (编), 2 (章) or 3 (节), with its anchor.
    Heading { level: u8, text: String, anchor: String },
    /// A paragraph; `anchor` is set when it starts an article (第十二条).
    Para { text: String, anchor: Option<String> },
    /// A table; the first row is the header.
    Table { rows: Vec<Vec<String>> },
}

fn is_cn_numeral(c: char) -> bool {
    "零一二三四五六七八九十百千〇两0123456789".contains(c)
}

/// `第X条`, `第X章`… at the start of a line: returns (the whole marker, the unit character).
fn marker(line: &str) -> Option<(String, char)> {
    let rest = line.strip_prefix('第')?;
    let num: String = rest.chars().take_while(|c| is_cn_numeral(*c)).collect();
    if num.is_empty() || num.chars().count() > 8 {
        return None;
    }
    let unit = rest[num.len()..].chars().next()?;
    if matches!(unit, '编' | '章' | '节' | '条') {
        // An article marker is followed by a space or text; a heading by its title.
        Some((format!("第{num}{unit}"), unit))
    } else {
        None
    }
}

/// Splits a plain-text body (one paragraph per line; tables as `| a | b |` rows) into blocks.
/// Headings (第X编/章/节) and articles (第X条) get anchors equal to their marker, so
/// `#第十二条` links work; a repeated marker (e.g. in a quoted amendment) gets `-2`, `-3`.
pub fn parse_body(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut anchor_for = |m: &str| {
        let n = seen.entry(m.to_owned()).or_insert(0);
        *n += 1;
        if *n == 1 { m.to_owned() } else { format!("{m}-{n}") }
    };
    let mut table: Vec<Vec<String>> = Vec::new();
    for raw in body.lines() {
        let line = raw.trim();
        if line.starts_with('|') && line.ends_with('|') && line.len() > 1 {
            let cells: Vec<String> = line[1..line.len() - 1].split('|').map(|c| c.trim().to_owned()).collect();
            let separator = cells.iter().all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
            if !separator {
                table.push(cells);
            }
            continue;
        }
        if !table.is_empty() {
            blocks.push(Block::Table { rows: std::mem::take(&mut table) });
        }
        if line.is_empty() {
            continue;
        }
        match marker(line) {
            Some((m, unit)) if unit != '条' && line.chars().count() <= 60 => {
                let level = match unit {
                    '编' => 1,
                    '章' => 2,
                    _ => 3,
                };
                blocks.push(Block::Heading { level, text: line.to_owned(), anchor: anchor_for(&m) });
            }
            Some((m, '条')) => blocks.push(Block::Para { text: line.to_owned(), anchor: Some(anchor_for(&m)) }),
            _ => blocks.push(Block::Para { text: line.to_owned(), anchor: None }),
        }
    }
    if !table.is_empty() {
        blocks.push(Block::Table { rows: table });
    }
    blocks
}

/// The anchors a body defines (for checking links such as a Q&A answer citing 第十二条).
pub fn anchors(body: &str) -> Vec<String> {
    parse_body(body)
        .into_iter()
        .filter_map(|b| match b {
            Block::Heading { anchor, .. } => Some(anchor),
            Block::Para { anchor, .. } => anchor,
            Block::Table { .. } => None,
        })
        .collect()
}

/// Whether text contains HTML markup (a known tag), as opposed to a stray `<` in prose such as
/// `《关于修改‹某条例>的决定》`.
pub fn looks_like_html(s: &str) -> bool {
    const TAGS: &[&str] = &[
        "<p>", "<p ", "</p>", "<br", "<div", "</div>", "<table", "<tr", "<td", "<th", "<span", "</span>", "<script",
        "<style", "<img", "<a ", "</a>", "<h1", "<h2", "<h3", "<h4", "<ul", "<ol", "<li", "<strong", "<em>", "<b>",
        "<i>", "<font", "<iframe", "<svg", "<!--", "<html", "<body",
    ];
    let lower = s.to_ascii_lowercase();
    TAGS.iter().any(|t| lower.contains(t))
}

/// Turns HTML pasted into a body into plain text: block elements become line breaks, table cells
/// become `|` rows, every tag is dropped and entities are decoded. Nothing of the markup survives,
/// so a body can never carry script or styles.
pub fn html_to_text(s: &str) -> String {
    if !looks_like_html(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut in_row = false;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            out.push_str(&rest[lt..]);
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim().to_ascii_lowercase();
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let closing = tag.starts_with('/');
        // Skip the contents of script and style entirely.
        if !closing && (name == "script" || name == "style") {
            let end = format!("</{name}");
            let after = &rest[lt + gt + 1..];
            rest = match after.to_ascii_lowercase().find(&end) {
                Some(i) => after[i..].find('>').map(|j| &after[i + j + 1..]).unwrap_or(""),
                None => "",
            };
            continue;
        }
        match (name.as_str(), closing) {
            ("tr", false) => {
                out.push_str("\n|");
                in_row = true;
            }
            ("tr", true) => {
                out.push('\n');
                in_row = false;
            }
            ("td" | "th", true) if in_row => out.push('|'),
            ("p" | "div" | "br" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "table", _) => out.push('\n'),
            _ => {}
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn validity_follows_dates_and_keeps_events() {
        let eff = Some(d("2024-03-01"));
        let exp = Some(d("2029-02-28"));
        assert_eq!(validity_on(Validity::Pending, eff, exp, d("2024-02-29")), Validity::Pending);
        assert_eq!(validity_on(Validity::Pending, eff, exp, d("2024-03-01")), Validity::InForce);
        assert_eq!(validity_on(Validity::InForce, eff, exp, d("2029-02-28")), Validity::InForce);
        assert_eq!(validity_on(Validity::InForce, eff, exp, d("2029-03-01")), Validity::Expired);
        assert_eq!(validity_on(Validity::Repealed, eff, exp, d("2025-01-01")), Validity::Repealed);
        assert_eq!(validity_on(Validity::Amended, eff, exp, d("2025-01-01")), Validity::Amended);
        assert_eq!(validity_on(Validity::Amended, eff, exp, d("2030-01-01")), Validity::Expired);
        assert_eq!(validity_on(Validity::Unknown, None, None, d("2030-01-01")), Validity::Unknown);
        assert_eq!(validity_on(Validity::InForce, None, None, d("2030-01-01")), Validity::InForce);
    }

    #[test]
    fn legal_dates_of_changes() {
        let (eff, exp, publ) = (Some(d("2024-03-01")), Some(d("2029-02-28")), Some(d("2024-02-01")));
        assert_eq!(expiry_date(d("2024-05-13")), d("2024-05-14"));
        assert_eq!(expiry_date(d("2024-02-28")), d("2024-02-29"));
        assert_eq!(dated_change_on(Validity::Expired, eff, exp, publ), Some(d("2029-03-01")));
        assert_eq!(dated_change_on(Validity::InForce, eff, exp, publ), eff);
        assert_eq!(dated_change_on(Validity::InForce, None, exp, publ), publ);
        assert_eq!(dated_change_on(Validity::Pending, eff, exp, publ), publ);
        assert_eq!(dated_change_on(Validity::Repealed, eff, exp, publ), None);
        assert_eq!(caused_on(eff, publ), eff);
        assert_eq!(caused_on(None, publ), publ);
        assert_eq!(ended_on(exp, [d("2027-01-01")]), Some(d("2027-01-01")));
        assert_eq!(ended_on(exp, [d("2030-01-01")]), Some(d("2029-03-01")));
        assert_eq!(ended_on(None, []), None);
    }

    #[test]
    fn workflow_transitions() {
        use EditionEvent as E;
        use EditionState as S;
        assert_eq!(transition(S::Draft, E::Submit), Some(S::Submitted));
        assert_eq!(transition(S::Submitted, E::Approve), Some(S::Approved));
        assert_eq!(transition(S::Approved, E::Schedule), Some(S::Scheduled));
        assert_eq!(transition(S::Scheduled, E::Publish), Some(S::Published));
        assert_eq!(transition(S::Published, E::Withdraw), Some(S::Withdrawn));
        assert_eq!(transition(S::Draft, E::Publish), None, "no publishing without approval");
        assert_eq!(transition(S::Draft, E::Approve), None);
        assert_eq!(transition(S::Superseded, E::Publish), None);
        assert_eq!(transition(S::Returned, E::Submit), Some(S::Submitted));
    }

    #[test]
    fn fields_that_contradict_each_other_are_named() {
        let f = DocFields {
            title: "关于印发某某办法的通知".into(),
            written_on: Some(d("2024-05-01")),
            effective_on: Some(d("2024-04-01")),
            expires_on: Some(d("2024-03-01")),
            topic: Some("星际\\航行".into()),
            genre: Some("檄文".into()),
            disclosure: Some(Disclosure::NotDisclosed),
            ..DocFields::default()
        };
        let fields: Vec<String> = validate_fields(&f, Some(d("2024-04-30"))).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["effective_on", "expires_on", "published_on", "topic", "genre", "disclosure_reason"]);
    }

    #[test]
    fn topics_parse() {
        assert_eq!(parse_topic("综合政务\\政务公开").as_deref(), Some("综合政务\\政务公开"));
        assert_eq!(parse_topic("综合政务/政务公开").as_deref(), Some("综合政务\\政务公开"));
        assert_eq!(parse_topic("劳动、人事、监察").as_deref(), Some("劳动、人事、监察"));
        assert_eq!(parse_topic("综合政务\\星际"), None);
        assert_eq!(parse_topic("不存在"), None);
    }

    #[test]
    fn index_numbers() {
        assert_eq!(
            render_index_no(DEFAULT_INDEX_FORMAT, "qj", Some("11510100MB1234567X"), None, 2024, 12),
            "11510100MB1234567X/2024-00012"
        );
        assert_eq!(render_index_no(DEFAULT_INDEX_FORMAT, "qj", None, None, 2024, 3), "qj/2024-00003");
        assert_eq!(render_index_no("{division}-{year}-{seq}", "qj", None, Some("510100"), 2024, 7), "510100-2024-7");
        assert!(validate_index_format("{org}/{year}-{seq:06}").is_ok());
        assert!(validate_index_format("{org}").is_err());
    }

    #[test]
    fn default_terms() {
        assert_eq!(default_expiry("某某管理办法", d("2024-03-01"), 5, 2), d("2029-02-28"));
        assert_eq!(default_expiry("某某暂行办法", d("2024-03-01"), 5, 2), d("2026-02-28"));
    }

    #[test]
    fn body_structure_and_anchors() {
        let body = "2024年1月1日 通过\n第一章 总则\n第一条 为了规范……制定本办法。\n第二条 本办法适用于……\n| 项目 | 标准 |\n| --- | --- |\n| 甲 | 100 |\n第二章 附则\n第十二条 本办法自公布之日起施行。\n引用：“第十二条 旧文”\n第十二条 重复的条";
        let blocks = parse_body(body);
        assert!(matches!(&blocks[1], Block::Heading { level: 2, anchor, .. } if anchor == "第一章"));
        assert!(matches!(&blocks[2], Block::Para { anchor: Some(a), .. } if a == "第一条"));
        assert!(matches!(&blocks[4], Block::Table { rows } if rows.len() == 2 && rows[1][1] == "100"));
        let a = anchors(body);
        assert!(a.contains(&"第十二条".to_owned()) && a.contains(&"第十二条-2".to_owned()));
        assert!(!a.iter().any(|x| x.contains("旧文")));
    }

    #[test]
    fn prose_with_angle_brackets_is_kept() {
        let t = "《关于修改‹山东省人口与计划生育条例>的决定》第一条 a < b";
        assert_eq!(html_to_text(t), t);
    }

    #[test]
    fn html_becomes_inert_text() {
        let t = html_to_text(
            "<p>第一条&nbsp;内容</p><script>alert(1)</script><table><tr><td>a</td><td>b</td></tr></table><img src=x onerror=alert(1)>尾",
        );
        assert_eq!(t, "第一条 内容\n|a|b|\n尾");
        assert!(!t.contains("alert"));
    }
}

/// A stored document (the work): identity, owner, validity and the public copy of its current
/// published edition's metadata (for lists, filters and feeds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: i64,
    pub org_id: i64,
    pub index_no: String,
    pub external_id: Option<String>,
    pub validity: Validity,
    pub validity_changed_at_ms: i64,
    pub published_version_id: Option<i64>,
    pub open_version_id: Option<i64>,
    /// Whether the public may see it: a published or withdrawn edition, disclosed proactively.
    pub public: bool,
    pub withdrawn: bool,
    pub title: String,
    pub issuer: String,
    pub doc_number: Option<String>,
    pub class: DocClass,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub first_published_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

/// One edition (版本) of a document with its full content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    pub id: i64,
    pub document_id: i64,
    pub version_no: i64,
    pub state: EditionState,
    pub fields: DocFields,
    /// The number as written, when it did not parse (flagged for the editor).
    pub doc_number_unparsed: bool,
    pub published_on: Option<NaiveDate>,
    pub author_id: Option<i64>,
    pub approver_id: Option<i64>,
    /// Why it was returned, withdrawn or unpublished.
    pub state_reason: Option<String>,
    pub scheduled_at_ms: Option<i64>,
    pub published_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A relation as stored, with the other document's title for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub kind: RelationKind,
    pub from_id: i64,
    pub to_id: i64,
    pub other_title: String,
    pub other_public: bool,
}

/// A recorded change of validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidityEvent {
    pub document_id: i64,
    pub from: Validity,
    pub to: Validity,
    /// The date the change took (or takes) legal effect; `None` when its source gave no date
    /// (an imported statement).
    pub on: Option<NaiveDate>,
    /// When the platform recorded it.
    pub at_ms: i64,
    /// Recorded ahead of its legal date: the document's validity changes on `on`.
    pub pending: bool,
    pub reason: String,
    pub cause_document_id: Option<i64>,
}

/// An attachment's record (the file itself lives outside the web root under `stored_name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub document_id: i64,
    pub version_id: i64,
    pub filename: String,
    pub stored_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at_ms: i64,
}

/// What an attachment's bytes are, judged by content (magic bytes), never by the file name.
pub fn sniff_attachment(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"%PDF-") {
        return Some(("application/pdf", "pdf"));
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(("image/png", "png"));
    }
    if starts(b"\xff\xd8\xff") {
        return Some(("image/jpeg", "jpg"));
    }
    if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Some(("application/msword", "doc"));
    }
    if starts(b"PK\x03\x04") {
        // Office Open XML and OFD are zip containers; tell them apart by the names inside.
        let window = &bytes[..bytes.len().min(64 * 1024)];
        let has = |name: &[u8]| window.windows(name.len()).any(|w| w == name);
        if has(b"word/") {
            return Some(("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"));
        }
        if has(b"xl/") {
            return Some(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"));
        }
        if has(b"ppt/") {
            return Some(("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"));
        }
        if has(b"OFD.xml") {
            return Some(("application/ofd", "ofd"));
        }
        return Some(("application/zip", "zip"));
    }
    if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) && !bytes.is_empty() {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        if head.contains("<html") || head.contains("<script") || head.contains("<svg") || head.contains("<!doctype") {
            return None;
        }
        return Some(("text/plain; charset=utf-8", "txt"));
    }
    None
}

/// A file name safe to show and to put in `Content-Disposition`: path parts, control and
/// bidirectional-override characters and reserved characters removed, length bounded; the
/// extension is the one the content was recognised as.
pub fn safe_filename(name: &str, ext: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    };
    let cleaned: String = stem
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
                && !"<>:\"|?*;%".contains(*c)
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').to_owned();
    let stem = if cleaned.is_empty() { "附件".to_owned() } else { cleaned };
    format!("{stem}.{ext}")
}

#[cfg(test)]
mod attachment_tests {
    use super::*;

    #[test]
    fn sniffing_uses_content_not_names() {
        assert_eq!(sniff_attachment(b"%PDF-1.7\n...").map(|t| t.1), Some("pdf"));
        assert_eq!(sniff_attachment(b"<html><script>alert(1)</script>").map(|t| t.1), None);
        assert_eq!(sniff_attachment(b"\x00\x01binary").map(|t| t.1), None);
        assert_eq!(sniff_attachment("第一条 文本".as_bytes()).map(|t| t.1), Some("txt"));
        let mut docx = b"PK\x03\x04".to_vec();
        docx.extend_from_slice(b"....[Content_Types].xml....word/document.xml");
        assert_eq!(sniff_attachment(&docx).map(|t| t.1), Some("docx"));
    }

    #[test]
    fn hostile_names_are_tamed() {
        assert_eq!(safe_filename("../../etc/passwd", "txt"), "passwd.txt");
        assert_eq!(safe_filename("报告\u{202E}fdp.exe", "pdf"), "报告fdp.pdf");
        assert_eq!(safe_filename("..", "pdf"), "附件.pdf");
        assert_eq!(safe_filename("C:\\x\\申请表.docx", "docx"), "申请表.docx");
        assert_eq!(safe_filename("a\0b\r\n.pdf", "pdf"), "ab.pdf");
    }
}
