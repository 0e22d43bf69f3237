//! The policy Q&A knowledge base (政策咨询问答库): items, their workflow (draft → review →
//! published → expired / superseded / withdrawn), sources down to the article anchor, and the
//! field checks. An item whose source document becomes 已修改 / 已废止 / 已失效 is flagged stale
//! and leaves the public list until it is reviewed again.

use chrono::NaiveDate;

use crate::document::Validity;
use crate::error::FieldError;

/// State of a Q&A item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QaState {
    Draft,
    Review,
    Published,
    Expired,
    Superseded,
    Withdrawn,
}

impl QaState {
    pub const ALL: [QaState; 6] = [
        QaState::Draft,
        QaState::Review,
        QaState::Published,
        QaState::Expired,
        QaState::Superseded,
        QaState::Withdrawn,
    ];

    pub fn key(self) -> &'static str {
        match self {
            QaState::Draft => "draft",
            QaState::Review => "review",
            QaState::Published => "published",
            QaState::Expired => "expired",
            QaState::Superseded => "superseded",
            QaState::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QaState::Draft => "草稿",
            QaState::Review => "待审核",
            QaState::Published => "已发布",
            QaState::Expired => "已过期",
            QaState::Superseded => "已被新版本取代",
            QaState::Withdrawn => "已撤回",
        }
    }

    pub fn parse(s: &str) -> Option<QaState> {
        QaState::ALL.into_iter().find(|x| x.key() == s.trim() || x.label() == s.trim())
    }
}

/// A step of the Q&A workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QaEvent {
    Submit,
    Return,
    Publish,
    Withdraw,
    Expire,
    Supersede,
}

impl QaEvent {
    pub const ALL: [QaEvent; 6] =
        [QaEvent::Submit, QaEvent::Return, QaEvent::Publish, QaEvent::Withdraw, QaEvent::Expire, QaEvent::Supersede];

    pub fn key(self) -> &'static str {
        match self {
            QaEvent::Submit => "submit",
            QaEvent::Return => "return",
            QaEvent::Publish => "publish",
            QaEvent::Withdraw => "withdraw",
            QaEvent::Expire => "expire",
            QaEvent::Supersede => "supersede",
        }
    }

    pub fn parse(s: &str) -> Option<QaEvent> {
        QaEvent::ALL.into_iter().find(|e| e.key() == s.trim())
    }
}

/// The state after `event`, or `None` when the workflow does not allow it. Publishing is the
/// reviewer's approval (审核通过即发布); a stale published item goes back to review by `Return`.
pub fn qa_transition(from: QaState, event: QaEvent) -> Option<QaState> {
    use QaEvent as E;
    use QaState as S;
    Some(match (from, event) {
        (S::Draft, E::Submit) => S::Review,
        (S::Review, E::Return) | (S::Published, E::Return) => S::Draft,
        (S::Review, E::Publish) => S::Published,
        (S::Published, E::Withdraw) => S::Withdrawn,
        (S::Published, E::Expire) => S::Expired,
        (S::Published, E::Supersede) => S::Superseded,
        _ => return None,
    })
}

/// Validity changes of a source that make an answer stale.
pub fn makes_stale(to: Validity) -> bool {
    matches!(to, Validity::Amended | Validity::Repealed | Validity::Expired | Validity::PartiallyInvalid)
}

/// A source of an answer: a document reference (id, 索引号 or external id) and optionally the
/// article anchor (第十二条).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QaSourceRef {
    pub document: String,
    pub anchor: Option<String>,
}

/// Parses `文件 第十二条` / `文件#第十二条` into a source reference.
pub fn parse_source(s: &str) -> Option<QaSourceRef> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (doc, anchor) = match s.find(['#', ' ', '\t', '　']) {
        Some(i) => {
            let sep = s[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            (s[..i].trim(), Some(s[i + sep..].trim()).filter(|a| !a.is_empty()))
        }
        None => (s, None),
    };
    Some(QaSourceRef { document: doc.to_owned(), anchor: anchor.map(str::to_owned) })
}

/// A Q&A item as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QaFields {
    pub question: String,
    pub answer: String,
    /// 分类 (classification used by the hotline knowledge base, e.g. 主题分类 一级).
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// 适用对象 (e.g. 个人、企业).
    pub audience: Option<String>,
    /// 适用区域 (行政区划 name or code).
    pub region: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub sources: Vec<QaSourceRef>,
}

/// Checks a Q&A item's own fields (sources are resolved by the caller). Every problem names its
/// field.
pub fn validate_qa(f: &QaFields) -> Vec<FieldError> {
    let mut e = Vec::new();
    let q = f.question.trim();
    if q.is_empty() {
        e.push(FieldError::new("question", "请填写问题"));
    } else if q.chars().count() > 500 || q.chars().any(char::is_control) {
        e.push(FieldError::new("question", "问题不能超过 500 个字符，且不能包含控制字符"));
    }
    let a = f.answer.trim();
    if a.is_empty() {
        e.push(FieldError::new("answer", "请填写答复"));
    } else if a.chars().count() > 20_000 {
        e.push(FieldError::new("answer", "答复不能超过 20000 个字符"));
    }
    if let (Some(from), Some(to)) = (f.valid_from, f.valid_to) {
        if to < from {
            e.push(FieldError::new("valid_to", format!("有效期止（{to}）不能早于有效期起（{from}）")));
        }
    }
    if f.sources.is_empty() {
        e.push(FieldError::new(
            "sources",
            "请至少填写一个政策依据（文件编号、索引号或外部编号，可加条款如“第十二条”）",
        ));
    }
    for t in &f.tags {
        if t.chars().count() > 30 {
            e.push(FieldError::new("tags", format!("标签“{t}”过长（不超过 30 个字符）")));
        }
    }
    for (name, v) in [("category", &f.category), ("audience", &f.audience), ("region", &f.region)] {
        if v.as_deref().is_some_and(|s| s.chars().count() > 100 || s.chars().any(char::is_control)) {
            e.push(FieldError::new(name, "不能超过 100 个字符"));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow() {
        assert_eq!(qa_transition(QaState::Draft, QaEvent::Submit), Some(QaState::Review));
        assert_eq!(qa_transition(QaState::Review, QaEvent::Publish), Some(QaState::Published));
        assert_eq!(qa_transition(QaState::Draft, QaEvent::Publish), None, "no publishing without review");
        assert_eq!(qa_transition(QaState::Published, QaEvent::Withdraw), Some(QaState::Withdrawn));
        assert_eq!(qa_transition(QaState::Withdrawn, QaEvent::Publish), None);
        assert!(makes_stale(Validity::Repealed) && !makes_stale(Validity::InForce));
    }

    #[test]
    fn sources_and_fields() {
        assert_eq!(
            parse_source("demo-doc-04 第三条"),
            Some(QaSourceRef { document: "demo-doc-04".into(), anchor: Some("第三条".into()) })
        );
        assert_eq!(parse_source("12#第十二条").and_then(|s| s.anchor), Some("第十二条".into()));
        assert_eq!(parse_source("12").and_then(|s| s.anchor), None);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let f = QaFields {
            question: "补贴多少？".into(),
            answer: "8000元".into(),
            valid_from: d("2026-01-01"),
            valid_to: d("2025-12-31"),
            ..QaFields::default()
        };
        let fields: Vec<String> = validate_qa(&f).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["valid_to", "sources"]);
    }
}
