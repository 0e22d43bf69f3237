//! The human review chain of pre-publication review (公开前审查): its steps (保密审查, 法制审核, 签发),
//! the decisions a reviewer records, the content classes a chain is configured for, and the default
//! chains.
//!
//! A chain is an ordered list of steps that always ends with 签发 (sign-off, which approves the item).
//! Steps are taken in order: the *pending* step is the first one without an approval in the current
//! round; a return (退回) ends the round, and the next submission starts a new one from the first step.
//! Which role may take each step, and who may never review an item (its author), is decided by the
//! service; this module only holds the rules that need no data.

use crate::FieldError;
use crate::document::DocClass;
use crate::role::Role;

/// One step of a review chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// 保密审查 (secrecy review), by a 保密审查员.
    Secrecy,
    /// 法制审核 (legality review), by a 法制审核员.
    Legal,
    /// 签发 (sign-off), by a 签发人: approves the item.
    Signoff,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Secrecy, Step::Legal, Step::Signoff];

    /// Stable key used in the database, CLI and API.
    pub fn key(self) -> &'static str {
        match self {
            Step::Secrecy => "secrecy",
            Step::Legal => "legal",
            Step::Signoff => "signoff",
        }
    }

    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Step::Secrecy => "保密审查",
            Step::Legal => "法制审核",
            Step::Signoff => "签发",
        }
    }

    /// Parses a key or a label.
    pub fn parse(s: &str) -> Option<Step> {
        let s = s.trim();
        Step::ALL.into_iter().find(|x| x.key() == s || x.label() == s)
    }

    /// The role that takes this step on a document edition.
    pub fn role(self) -> Role {
        match self {
            Step::Secrecy => Role::ConfidentialityReviewer,
            Step::Legal => Role::LegalReviewer,
            Step::Signoff => Role::Signer,
        }
    }
}

/// A reviewer's decision on a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 通过.
    Approve,
    /// 退回修改.
    Return,
}

impl Decision {
    pub fn key(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Return => "return",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Approve => "通过",
            Decision::Return => "退回修改",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s.trim() {
            "approve" | "通过" => Some(Decision::Approve),
            "return" | "退回" | "退回修改" => Some(Decision::Return),
            _ => None,
        }
    }
}

/// The content class of replies to disclosure applications (依申请公开答复); the other classes are
/// the document classes ([`DocClass::key`]).
pub const FOI_REPLY_CLASS: &str = "foi_reply";

/// Every class a chain can be configured for: the document classes and `foi_reply`.
pub fn classes() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = DocClass::ALL.iter().map(|c| c.key()).collect();
    v.push(FOI_REPLY_CLASS);
    v
}

/// The zh-CN label of a class key.
pub fn class_label(class: &str) -> &'static str {
    if class == FOI_REPLY_CLASS {
        return "依申请公开答复";
    }
    DocClass::parse(class).map(DocClass::label).unwrap_or("未知类别")
}

/// Parses a class key or label (`normative`, `行政规范性文件`, `foi_reply`, `依申请公开答复`).
pub fn parse_class(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if s == FOI_REPLY_CLASS || s == "依申请公开答复" {
        return Some(FOI_REPLY_CLASS);
    }
    DocClass::parse(s).map(DocClass::key)
}

/// The built-in chain of a class: 保密审查 → 法制审核 → 签发 for 行政规范性文件 and disclosure
/// replies, 保密审查 → 签发 for everything else.
pub fn default_chain(class: &str) -> Vec<Step> {
    if class == FOI_REPLY_CLASS || class == DocClass::Normative.key() {
        vec![Step::Secrecy, Step::Legal, Step::Signoff]
    } else {
        vec![Step::Secrecy, Step::Signoff]
    }
}

/// Parses a chain written as comma-separated keys or labels (`secrecy,legal,signoff`,
/// `保密审查,签发`). Each step appears at most once and the chain ends with 签发.
pub fn parse_chain(s: &str) -> Result<Vec<Step>, FieldError> {
    let mut out = Vec::new();
    for part in s.split([',', '，', '、', '→']).map(str::trim).filter(|p| !p.is_empty()) {
        let step = Step::parse(part).ok_or_else(|| {
            FieldError::new(
                "steps",
                format!("未知的审查环节“{part}”（可用：secrecy 保密审查、legal 法制审核、signoff 签发）"),
            )
        })?;
        if out.contains(&step) {
            return Err(FieldError::new("steps", format!("审查环节“{}”重复", step.label())));
        }
        out.push(step);
    }
    if out.last() != Some(&Step::Signoff) {
        return Err(FieldError::new("steps", "审查链须以“签发”（signoff）结束"));
    }
    Ok(out)
}

/// Writes a chain as comma-separated keys (the stored form).
pub fn chain_keys(chain: &[Step]) -> String {
    chain.iter().map(|s| s.key()).collect::<Vec<_>>().join(",")
}

/// Writes a chain for people: `保密审查 → 法制审核 → 签发`.
pub fn chain_label(chain: &[Step]) -> String {
    chain.iter().map(|s| s.label()).collect::<Vec<_>>().join(" → ")
}

/// The first step of `chain` not yet approved in this round, given the steps approved so far
/// (`None`: every step is done).
pub fn pending(chain: &[Step], approved: &[Step]) -> Option<Step> {
    chain.iter().copied().find(|s| !approved.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.key()), Some(s));
            assert_eq!(Step::parse(s.label()), Some(s));
        }
        for c in classes() {
            assert_eq!(parse_class(c), Some(c));
            assert_eq!(parse_class(class_label(c)), Some(c));
        }
        assert_eq!(Decision::parse("return"), Some(Decision::Return));
    }

    #[test]
    fn defaults() {
        assert_eq!(default_chain("normative"), vec![Step::Secrecy, Step::Legal, Step::Signoff]);
        assert_eq!(default_chain(FOI_REPLY_CLASS), vec![Step::Secrecy, Step::Legal, Step::Signoff]);
        assert_eq!(default_chain("other"), vec![Step::Secrecy, Step::Signoff]);
    }

    #[test]
    fn chains_parse_and_end_with_signoff() {
        assert_eq!(parse_chain("secrecy, legal,signoff").unwrap(), vec![Step::Secrecy, Step::Legal, Step::Signoff]);
        assert_eq!(parse_chain("保密审查→签发").unwrap(), vec![Step::Secrecy, Step::Signoff]);
        assert_eq!(parse_chain("signoff").unwrap(), vec![Step::Signoff]);
        assert!(parse_chain("secrecy").is_err());
        assert!(parse_chain("").is_err());
        assert!(parse_chain("signoff,secrecy").is_err());
        assert!(parse_chain("secrecy,secrecy,signoff").is_err());
        assert!(parse_chain("secrecy,boss,signoff").unwrap_err().message.contains("boss"));
    }

    #[test]
    fn pending_is_the_first_open_step() {
        let c = [Step::Secrecy, Step::Legal, Step::Signoff];
        assert_eq!(pending(&c, &[]), Some(Step::Secrecy));
        assert_eq!(pending(&c, &[Step::Secrecy]), Some(Step::Legal));
        assert_eq!(pending(&c, &[Step::Secrecy, Step::Legal]), Some(Step::Signoff));
        assert_eq!(pending(&c, &[Step::Secrecy, Step::Legal, Step::Signoff]), None);
    }
}
