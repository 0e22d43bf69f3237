//! Document views shared by the public site, the console and feeds: turning documents, editions
//! and bodies into template values, and parsing list filters from query strings.

use chrono::NaiveDate;
use gongkai_service::domain::document::{
    Block, DocClass, Document, Edition, RelationKind, Validity, ValidityEvent, parse_body, parse_topic,
};
use gongkai_service::{DocFilter, PublicDocument};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::error::AppError;
use crate::params::{blank, date, invalid};

/// A document in a list.
pub fn doc_value(d: &Document) -> Value {
    context! {
        id => d.id,
        url => format!("/doc/{}", d.id),
        index_no => d.index_no.clone(),
        title => d.title.clone(),
        issuer => d.issuer.clone(),
        doc_number => d.doc_number.clone(),
        class => d.class.key(),
        class_label => d.class.label(),
        topic => d.topic.clone(),
        genre => d.genre.clone(),
        validity => d.validity.key(),
        validity_label => d.validity.label(),
        current => d.validity.is_current(),
        written_on => d.written_on.map(|x| x.to_string()),
        published_on => d.published_on.map(|x| x.to_string()),
        effective_on => d.effective_on.map(|x| x.to_string()),
        expires_on => d.expires_on.map(|x| x.to_string()),
        public => d.public,
        withdrawn => d.withdrawn,
        external_id => d.external_id.clone(),
    }
}

/// The body as blocks with anchors.
pub fn body_value(body: &str) -> Vec<Value> {
    parse_body(body)
        .into_iter()
        .map(|b| match b {
            Block::Heading { level, text, anchor } => {
                context! { kind => "heading", level => level, text => text, anchor => anchor }
            }
            Block::Para { text, anchor } => context! { kind => "para", text => text, anchor => anchor },
            Block::Table { rows } => {
                let (head, rest) = match rows.split_first() {
                    Some((h, r)) => (h.clone(), r.to_vec()),
                    None => (Vec::new(), Vec::new()),
                };
                context! { kind => "table", head => head, rows => rest }
            }
        })
        .collect()
}

/// An edition's fields for display.
pub fn edition_value(e: &Edition) -> Value {
    let f = &e.fields;
    context! {
        id => e.id,
        version_no => e.version_no,
        state => e.state.key(),
        state_label => e.state.label(),
        title => f.title.clone(),
        issuer => f.issuer.clone(),
        doc_number => f.doc_number.clone(),
        doc_number_unparsed => e.doc_number_unparsed,
        written_on => f.written_on.map(|x| x.to_string()),
        published_on => e.published_on.map(|x| x.to_string()),
        effective_on => f.effective_on.map(|x| x.to_string()),
        expires_on => f.expires_on.map(|x| x.to_string()),
        topic => f.topic.clone(),
        genre => f.genre.clone(),
        class => f.class.map(|c| c.key()),
        class_label => f.class.map(|c| c.label()),
        reg_no => f.reg_no.clone(),
        disclosure => f.disclosure.map(|d| d.key()),
        disclosure_label => f.disclosure.map(|d| d.label()),
        disclosure_reason => f.disclosure_reason.clone(),
        keywords => f.keywords.join("，"),
        change_note => f.change_note.clone(),
        state_reason => e.state_reason.clone(),
        scheduled_at => e.scheduled_at_ms,
        published_at => e.published_at_ms,
        body => f.body.clone(),
    }
}

/// The public document page's values.
pub fn public_document_value(p: &PublicDocument) -> Value {
    let relations: Vec<Value> = p
        .relations
        .iter()
        .map(|r| {
            let outgoing = r.from_id == p.doc.id;
            let other = if outgoing { r.to_id } else { r.from_id };
            context! {
                label => if outgoing { r.kind.label() } else { r.kind.inverse_label() },
                kind => r.kind.key(),
                outgoing => outgoing,
                url => format!("/doc/{other}"),
                title => r.other_title.clone(),
            }
        })
        .collect();
    // The notice at the top: one plain sentence per change that ended, changed or will end the
    // document, with its legal date and the document that caused it.
    let notices: Vec<Value> = p
        .validity_events
        .iter()
        .filter(|e| {
            matches!(e.to, Validity::Repealed | Validity::Expired | Validity::Amended | Validity::PartiallyInvalid)
        })
        .map(|e| {
            let cause = e.cause_document_id.and_then(|c| {
                p.relations
                    .iter()
                    .find(|r| r.from_id == c)
                    .map(|r| context! { url => format!("/doc/{c}"), title => r.other_title.clone() })
            });
            context! { text => notice_text(e), reason => e.reason.clone(), cause => cause }
        })
        .collect();
    // A repealed or expired state with no recorded change (older imports) still gets its notice.
    let notices = if notices.is_empty()
        && matches!(
            p.doc.validity,
            Validity::Repealed | Validity::Expired | Validity::PartiallyInvalid | Validity::Amended
        ) {
        vec![
            context! { text => format!("本文件{}（日期未注明）。", p.doc.validity.label()), reason => "", cause => () },
        ]
    } else {
        notices
    };
    let ended = matches!(p.doc.validity, Validity::Repealed | Validity::Expired);
    let notice_kind = if ended
        || p.validity_events.iter().any(|e| e.pending && matches!(e.to, Validity::Repealed | Validity::Expired))
    {
        "ended"
    } else {
        "changed"
    };
    let replaced_by: Vec<Value> = p
        .relations
        .iter()
        .filter(|r| r.to_id == p.doc.id && matches!(r.kind, RelationKind::Repeals | RelationKind::Supersedes | RelationKind::Amends))
        .map(|r| context! { url => format!("/doc/{}", r.from_id), title => r.other_title.clone(), label => r.kind.inverse_label() })
        .collect();
    context! {
        doc => doc_value(&p.doc),
        edition => edition_value(&p.edition),
        org => crate::public::org_value(&p.org),
        joint_orgs => p.joint_orgs.iter().map(crate::public::org_value).collect::<Vec<_>>(),
        body => body_value(&p.edition.fields.body),
        relations => relations,
        notices => notices,
        notice_kind => notice_kind,
        replaced_by => replaced_by,
        attachments => p.attachments.iter().map(|a| context! {
            id => a.id, filename => a.filename.clone(), size_kb => (a.size + 1023) / 1024, content_type => a.content_type.clone(),
            url => format!("/attachments/{}/{}", a.id, url_path_escape(&a.filename)),
        }).collect::<Vec<_>>(),
        history => p.history.iter().map(|e| context! {
            version_no => e.version_no, state_label => e.state.label(), published_on => e.published_on.map(|x| x.to_string()),
            change_note => e.fields.change_note.clone(),
        }).collect::<Vec<_>>(),
        validity_events => p.validity_events.iter().map(|e| context! {
            from => e.from.label(), to => e.to.label(), reason => e.reason.clone(),
            on => e.on.map(|d| d.to_string()), pending => e.pending,
        }).collect::<Vec<_>>(),
    }
}

/// The plain sentence of the notice for one validity change, with its legal date: "本文件已于
/// 2024-05-14 失效。", "本文件将于 2027-01-01 废止。", or undated when the source gave no date.
pub fn notice_text(e: &ValidityEvent) -> String {
    let verb = match e.to {
        Validity::Repealed => "废止",
        Validity::Expired => "失效",
        Validity::Amended => "被修改",
        Validity::PartiallyInvalid => "部分失效",
        other => other.label(),
    };
    match e.on {
        Some(d) if e.pending => format!("本文件将于 {d} {verb}。"),
        Some(d) if e.to == Validity::Amended => format!("本文件自 {d} 起已被修改。"),
        Some(d) => format!("本文件已于 {d} {verb}。"),
        None => format!("本文件已{verb}（日期未注明）。"),
    }
}

/// Percent-encodes a path segment.
pub fn url_path_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Query parameters of document lists (public list, registry, API, feeds).
#[derive(Debug, Default, Deserialize, Clone, serde::Serialize)]
pub struct ListQuery {
    /// Organisation code: its subtree.
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    /// Comma-separated validity keys, or `current` (现行有效 and the like), or `all`.
    #[serde(default)]
    pub validity: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub year: Option<String>,
    /// Published on or after / before (YYYY-MM-DD).
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub doc_number: Option<String>,
    /// In force on this day (YYYY-MM-DD), by the legal dates: `on` on the public pages
    /// (`/registry?on=`), `valid_on` in the API.
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub valid_on: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

impl ListQuery {
    /// The filter this query asks for. `org_path` is the resolved organisation's path.
    pub fn filter(&self, org_path: Option<String>, default_current: bool) -> Result<DocFilter, AppError> {
        let mut f = DocFilter { public_only: true, org_path, ..DocFilter::default() };
        if let Some(c) = blank(&self.class) {
            f.class = Some(DocClass::parse(c).ok_or_else(|| invalid("class", format!("未知的文件类别“{c}”")))?);
        }
        f.valid_on = match (date("on", &self.on)?, date("valid_on", &self.valid_on)?) {
            (Some(a), Some(b)) if a != b => {
                return Err(invalid("valid_on", "on 与 valid_on 指定了不同的日期，请只给出一个".into()));
            }
            (a, b) => a.or(b),
        };
        match blank(&self.validity) {
            // "In force on a date" replaces today's validity as the default.
            None if default_current && f.valid_on.is_none() => f.validities = current_validities(),
            None | Some("all") => {}
            Some("current") => f.validities = current_validities(),
            Some(list) => {
                for v in list.split(',') {
                    f.validities
                        .push(Validity::parse(v).ok_or_else(|| invalid("validity", format!("未知的有效性“{v}”")))?);
                }
            }
        }
        if let Some(t) = blank(&self.topic) {
            f.topic = Some(parse_topic(t).ok_or_else(|| invalid("topic", format!("未知的主题分类“{t}”")))?);
        }
        if let Some(y) = blank(&self.year) {
            let y: i32 = y
                .parse()
                .ok()
                .filter(|y| (1900..=2200).contains(y))
                .ok_or_else(|| invalid("year", format!("年份“{y}”无效")))?;
            f.published_from = NaiveDate::from_ymd_opt(y, 1, 1);
            f.published_to = NaiveDate::from_ymd_opt(y + 1, 1, 1);
        }
        if let Some(d) = date("from", &self.from)? {
            f.published_from = Some(d);
        }
        if let Some(d) = date("to", &self.to)? {
            f.published_to = d.succ_opt();
        }
        if let Some(n) = blank(&self.doc_number) {
            f.doc_number_norm = Some(gongkai_service::domain::docnumber::normalize(n));
        }
        Ok(f)
    }

    /// Page number (1-based), refusing nonsense.
    pub fn page(&self) -> Result<i64, AppError> {
        match blank(&self.page) {
            None => Ok(1),
            Some(p) => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| invalid("page", format!("页码“{p}”无效"))),
        }
    }

    /// Page size within `max`.
    pub fn limit(&self, default: i64, max: i64) -> Result<i64, AppError> {
        match blank(&self.limit) {
            None => Ok(default),
            Some(l) => l
                .parse::<i64>()
                .ok()
                .filter(|l| (1..=max).contains(l))
                .ok_or_else(|| invalid("limit", format!("每页条数应为 1–{max}"))),
        }
    }
}

/// Validity states a citizen may rely on.
pub fn current_validities() -> Vec<Validity> {
    vec![Validity::InForce, Validity::Amended, Validity::PartiallyInvalid, Validity::Unknown]
}

/// Cursor for keyset pagination: `{published_on or -}_{id}`.
pub fn encode_cursor(d: &Document) -> String {
    format!("{}_{}", d.published_on.map(|x| x.to_string()).unwrap_or_else(|| "-".into()), d.id)
}

pub fn decode_cursor(s: &str) -> Result<(Option<NaiveDate>, i64), AppError> {
    let bad = || invalid("cursor", "分页游标无效".into());
    let (d, id) = s.split_once('_').ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let d = if d == "-" { None } else { Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad())?) };
    Ok((d, id))
}
