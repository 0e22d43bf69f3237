//! Policy documents: works, editions, relations, attachments, validity events, 索引号 sequences
//! and the search change log.

use chrono::NaiveDate;
use gongkai_domain::document::{
    Attachment, Disclosure, DocClass, DocFields, Document, Edition, EditionState, Relation, RelationKind, Validity,
    ValidityEvent,
};

use crate::{Store, StoreError, Tx, on_pool, on_tx};

#[derive(sqlx::FromRow)]
pub(crate) struct DocRow {
    id: i64,
    org_id: i64,
    index_no: String,
    external_id: Option<String>,
    validity: String,
    validity_changed_at: i64,
    published_version_id: Option<i64>,
    open_version_id: Option<i64>,
    public: bool,
    withdrawn: bool,
    title: String,
    issuer: String,
    doc_number: Option<String>,
    class: String,
    topic: Option<String>,
    genre: Option<String>,
    written_on: Option<NaiveDate>,
    published_on: Option<NaiveDate>,
    effective_on: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    first_published_at: Option<i64>,
    updated_at: i64,
}

fn bad(table: &str, col: &str, v: &str) -> StoreError {
    StoreError::Other(format!("{table}.{col} has an unknown value “{v}”"))
}

impl DocRow {
    pub(crate) fn into_doc(self) -> Result<Document, StoreError> {
        Ok(Document {
            id: self.id,
            org_id: self.org_id,
            index_no: self.index_no,
            external_id: self.external_id,
            validity: Validity::parse(&self.validity).ok_or_else(|| bad("documents", "validity", &self.validity))?,
            validity_changed_at_ms: self.validity_changed_at,
            published_version_id: self.published_version_id,
            open_version_id: self.open_version_id,
            public: self.public,
            withdrawn: self.withdrawn,
            title: self.title,
            issuer: self.issuer,
            doc_number: self.doc_number,
            class: DocClass::parse(&self.class).ok_or_else(|| bad("documents", "class", &self.class))?,
            topic: self.topic,
            genre: self.genre,
            written_on: self.written_on,
            published_on: self.published_on,
            effective_on: self.effective_on,
            expires_on: self.expires_on,
            first_published_at_ms: self.first_published_at,
            updated_at_ms: self.updated_at,
        })
    }
}

pub(crate) const DOC_COLS: &str = "d.id, d.org_id, d.index_no, d.external_id, d.validity, d.validity_changed_at, d.published_version_id, \
     d.open_version_id, d.public, d.withdrawn, d.title, d.issuer, d.doc_number, d.class, d.topic, d.genre, d.written_on, \
     d.published_on, d.effective_on, d.expires_on, d.first_published_at, d.updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct EdRow {
    id: i64,
    document_id: i64,
    version_no: i64,
    state: String,
    title: String,
    issuer: String,
    doc_number: Option<String>,
    doc_number_unparsed: bool,
    written_on: Option<NaiveDate>,
    published_on: Option<NaiveDate>,
    effective_on: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    topic: Option<String>,
    genre: Option<String>,
    class: String,
    reg_no: Option<String>,
    disclosure: String,
    disclosure_reason: Option<String>,
    body: String,
    keywords: String,
    change_note: Option<String>,
    author_id: Option<i64>,
    approver_id: Option<i64>,
    state_reason: Option<String>,
    scheduled_at: Option<i64>,
    published_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl EdRow {
    pub(crate) fn into_edition(self) -> Result<Edition, StoreError> {
        Ok(Edition {
            id: self.id,
            document_id: self.document_id,
            version_no: self.version_no,
            state: EditionState::parse(&self.state).ok_or_else(|| bad("document_versions", "state", &self.state))?,
            fields: DocFields {
                title: self.title,
                issuer: self.issuer,
                doc_number: self.doc_number,
                written_on: self.written_on,
                effective_on: self.effective_on,
                expires_on: self.expires_on,
                topic: self.topic,
                genre: self.genre,
                class: Some(
                    DocClass::parse(&self.class).ok_or_else(|| bad("document_versions", "class", &self.class))?,
                ),
                reg_no: self.reg_no,
                disclosure: Some(
                    Disclosure::parse(&self.disclosure)
                        .ok_or_else(|| bad("document_versions", "disclosure", &self.disclosure))?,
                ),
                disclosure_reason: self.disclosure_reason,
                body: self.body,
                keywords: self.keywords.split(',').filter(|k| !k.is_empty()).map(str::to_owned).collect(),
                change_note: self.change_note,
            },
            doc_number_unparsed: self.doc_number_unparsed,
            published_on: self.published_on,
            author_id: self.author_id,
            approver_id: self.approver_id,
            state_reason: self.state_reason,
            scheduled_at_ms: self.scheduled_at,
            published_at_ms: self.published_at,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
        })
    }
}

pub(crate) const ED_COLS: &str = "id, document_id, version_no, state, title, issuer, doc_number, doc_number_unparsed, written_on, \
     published_on, effective_on, expires_on, topic, genre, class, reg_no, disclosure, disclosure_reason, body, keywords, \
     change_note, author_id, approver_id, state_reason, scheduled_at, published_at, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct AttRow {
    id: i64,
    document_id: i64,
    version_id: i64,
    filename: String,
    stored_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    created_at: i64,
}

impl From<AttRow> for Attachment {
    fn from(r: AttRow) -> Attachment {
        Attachment {
            id: r.id,
            document_id: r.document_id,
            version_id: r.version_id,
            filename: r.filename,
            stored_name: r.stored_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            created_at_ms: r.created_at,
        }
    }
}

const ATT_COLS: &str = "id, document_id, version_id, filename, stored_name, content_type, size, sha256, created_at";

/// Filters for listing documents; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct DocFilter {
    /// Only documents the public may see.
    pub public_only: bool,
    /// Materialised path of an organisation: its subtree (owner or joint issuer).
    pub org_path: Option<String>,
    pub class: Option<DocClass>,
    pub validities: Vec<Validity>,
    /// 主题分类 `一级` (matches every `一级\二级`) or `一级\二级`.
    pub topic: Option<String>,
    /// Published in `[from, to)`.
    pub published_from: Option<NaiveDate>,
    pub published_to: Option<NaiveDate>,
    pub doc_number_norm: Option<String>,
    /// In force on this day, by the legal dates: in force from its 施行日期 (else its publication
    /// date) up to `ended_on`; a repealed or expired document whose end is undated is left out.
    pub valid_on: Option<NaiveDate>,
    /// Keyset cursor: documents strictly after (published_on, id) in the order below.
    pub after: Option<(Option<NaiveDate>, i64)>,
}

/// A new document row (the work).
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub org_id: i64,
    pub index_no: &'a str,
    pub external_id: Option<&'a str>,
    pub validity: Validity,
    pub class: DocClass,
    pub title: &'a str,
    pub issuer: &'a str,
    pub now_ms: i64,
}

/// The listing copy of a document, from its current public edition.
#[derive(Debug, Clone)]
pub struct Listing<'a> {
    pub public: bool,
    pub withdrawn: bool,
    pub published_version_id: Option<i64>,
    pub fields: &'a DocFields,
    pub doc_number_norm: Option<&'a str>,
    pub published_on: Option<NaiveDate>,
    pub first_published_at_ms: Option<i64>,
    pub now_ms: i64,
}

impl Store {
    pub async fn document(&self, id: i64) -> Result<Option<Document>, StoreError> {
        self.document_where("d.id = $1", Arg::Int(id)).await
    }

    pub async fn document_by_external_id(&self, external_id: &str) -> Result<Option<Document>, StoreError> {
        self.document_where("d.external_id = $1", Arg::Text(external_id.to_owned())).await
    }

    pub async fn document_by_index_no(&self, index_no: &str) -> Result<Option<Document>, StoreError> {
        self.document_where("d.index_no = $1", Arg::Text(index_no.to_owned())).await
    }

    /// The document matching a fixed condition with one bound value.
    async fn document_where(&self, condition: &'static str, value: Arg) -> Result<Option<Document>, StoreError> {
        let sql = format!("SELECT {DOC_COLS} FROM documents d WHERE {condition}");
        let args = [value];
        let row: Option<DocRow> = on_pool!(self, |p| {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            bind_args!(q, &args).fetch_optional(p).await?
        });
        row.map(DocRow::into_doc).transpose()
    }

    /// Documents matching `f`, newest publication first (then by id), at most `limit`.
    pub async fn list_documents(&self, f: &DocFilter, limit: i64, offset: i64) -> Result<Vec<Document>, StoreError> {
        let (sql, args) = doc_filter_sql(f);
        let sql = format!(
            "SELECT {DOC_COLS} FROM documents d {sql} ORDER BY d.published_on DESC NULLS LAST, d.id DESC LIMIT {} OFFSET {}",
            limit.clamp(0, 10_000),
            offset.max(0)
        );
        let rows: Vec<DocRow> = on_pool!(self, |p| {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            bind_args!(q, &args).fetch_all(p).await?
        });
        rows.into_iter().map(DocRow::into_doc).collect()
    }

    pub async fn count_documents(&self, f: &DocFilter) -> Result<i64, StoreError> {
        let (sql, args) = doc_filter_sql(f);
        let sql = format!("SELECT COUNT(*) FROM documents d {sql}");
        on_pool!(self, |p| {
            let q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql));
            Ok(bind_args!(q, &args).fetch_one(p).await?.0)
        })
    }

    /// Counts by a column (`class`, `validity`, `topic` first level is derived by the caller) for
    /// facets, over the documents matching `f`.
    pub async fn document_facet(&self, f: &DocFilter, column: FacetColumn) -> Result<Vec<(String, i64)>, StoreError> {
        let (sql, args) = doc_filter_sql(f);
        let col = match column {
            FacetColumn::Class => "d.class",
            FacetColumn::Validity => "d.validity",
            FacetColumn::Topic => "d.topic",
            FacetColumn::Org => "CAST(d.org_id AS TEXT)",
        };
        let sql = format!(
            "SELECT {col}, COUNT(*) FROM documents d {sql} AND {col} IS NOT NULL GROUP BY {col} ORDER BY 2 DESC"
        );
        on_pool!(self, |p| {
            let q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql));
            Ok(bind_args!(q, &args).fetch_all(p).await?)
        })
    }

    /// Documents with `id > after_id`, in id order (for exports and rebuilding derived state).
    pub async fn list_documents_by_id(&self, after_id: i64, limit: i64) -> Result<Vec<Document>, StoreError> {
        let rows: Vec<DocRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DOC_COLS} FROM documents d WHERE d.id > $1 ORDER BY d.id LIMIT $2"
            )))
            .bind(after_id)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(DocRow::into_doc).collect()
    }

    pub async fn edition(&self, id: i64) -> Result<Option<Edition>, StoreError> {
        let row: Option<EdRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ED_COLS} FROM document_versions WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.map(EdRow::into_edition).transpose()
    }

    /// Every edition of a document, oldest first.
    pub async fn editions_of(&self, document_id: i64) -> Result<Vec<Edition>, StoreError> {
        let rows: Vec<EdRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {ED_COLS} FROM document_versions WHERE document_id = $1 ORDER BY version_no"
            )))
            .bind(document_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(EdRow::into_edition).collect()
    }

    /// Scheduled editions whose time has come.
    pub async fn due_scheduled(&self, now_ms: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, (i64, i64)>(
                "SELECT document_id, id FROM document_versions WHERE state = 'scheduled' AND scheduled_at <= $1 ORDER BY scheduled_at",
            )
            .bind(now_ms)
            .fetch_all(p)
            .await?)
        })
    }

    /// Relations from and to a document, with the other side's title.
    pub async fn relations_of(&self, document_id: i64) -> Result<Vec<Relation>, StoreError> {
        let rows: Vec<(String, i64, i64, String, bool)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT r.kind, r.document_id, r.target_id, o.title, o.public FROM document_relations r \
                 JOIN documents o ON o.id = CASE WHEN r.document_id = $1 THEN r.target_id ELSE r.document_id END \
                 WHERE r.document_id = $1 OR r.target_id = $1 ORDER BY r.id",
            )
            .bind(document_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(k, from, to, title, public)| {
                Ok(Relation {
                    kind: RelationKind::parse(&k).ok_or_else(|| bad("document_relations", "kind", &k))?,
                    from_id: from,
                    to_id: to,
                    other_title: title,
                    other_public: public,
                })
            })
            .collect()
    }

    pub async fn attachments_of(&self, version_id: i64) -> Result<Vec<Attachment>, StoreError> {
        let rows: Vec<AttRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {ATT_COLS} FROM attachments WHERE version_id = $1 ORDER BY id"
            )))
            .bind(version_id)
            .fetch_all(p)
            .await?
        });
        Ok(rows.into_iter().map(Attachment::from).collect())
    }

    pub async fn attachment(&self, id: i64) -> Result<Option<Attachment>, StoreError> {
        let row: Option<AttRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ATT_COLS} FROM attachments WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(Attachment::from))
    }

    /// Recent validity changes of public documents, newest first.
    pub async fn validity_events(&self, limit: i64) -> Result<Vec<ValidityEvent>, StoreError> {
        let rows: Vec<EventRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT e.document_id, e.from_state, e.to_state, e.on_date, e.at, e.pending, e.reason, e.cause_document_id \
                 FROM validity_events e JOIN documents d ON d.id = e.document_id WHERE d.public = TRUE \
                 ORDER BY e.at DESC, e.id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        rows_to_events(rows)
    }

    /// The validity history of one document, oldest first by legal date (an undated change at the
    /// day it was recorded), changes still ahead included.
    pub async fn validity_events_of(&self, document_id: i64) -> Result<Vec<ValidityEvent>, StoreError> {
        let rows: Vec<EventRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT document_id, from_state, to_state, on_date, at, pending, reason, cause_document_id \
                 FROM validity_events WHERE document_id = $1 ORDER BY at, id",
            )
            .bind(document_id)
            .fetch_all(p)
            .await?
        });
        let mut events = rows_to_events(rows)?;
        // Stable: changes of one day keep the order they were recorded in.
        events.sort_by_key(|e| e.on.unwrap_or_else(|| recorded_day(e.at_ms)));
        Ok(events)
    }

    /// Changes recorded ahead of their legal date whose day has come (`on_date <= today`):
    /// (event id, document id, new state), oldest first.
    pub async fn due_validity_events(&self, today: NaiveDate) -> Result<Vec<(i64, i64, Validity)>, StoreError> {
        let rows: Vec<(i64, i64, String)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, document_id, to_state FROM validity_events WHERE pending = TRUE AND on_date <= $1 \
                 ORDER BY on_date, id",
            )
            .bind(today)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, doc, to)| {
                Ok((id, doc, Validity::parse(&to).ok_or_else(|| bad("validity_events", "to_state", &to))?))
            })
            .collect()
    }

    /// Documents whose validity may change with the date: not repealed or expired.
    pub async fn documents_with_dated_validity(
        &self,
    ) -> Result<Vec<(i64, Validity, Option<NaiveDate>, Option<NaiveDate>)>, StoreError> {
        let rows: Vec<(i64, String, Option<NaiveDate>, Option<NaiveDate>)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, validity, effective_on, expires_on FROM documents \
                 WHERE validity NOT IN ('repealed', 'expired') AND (effective_on IS NOT NULL OR expires_on IS NOT NULL)",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, v, e, x)| Ok((id, Validity::parse(&v).ok_or_else(|| bad("documents", "validity", &v))?, e, x)))
            .collect()
    }

    /// Changes to searchable content after `seq`, in order: (seq, document id).
    pub async fn search_changes_after(&self, seq: i64, limit: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, (i64, i64)>(
                "SELECT seq, document_id FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(seq)
            .bind(limit)
            .fetch_all(p)
            .await?)
        })
    }

    /// Organisations that issued a document jointly (besides the owner).
    pub async fn document_orgs(&self, document_id: i64) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, |p| {
            let rows: Vec<(i64,)> =
                sqlx::query_as("SELECT org_id FROM document_orgs WHERE document_id = $1 ORDER BY org_id")
                    .bind(document_id)
                    .fetch_all(p)
                    .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        })
    }
}

/// A `validity_events` row to append.
struct NewValidityEvent<'a> {
    document_id: i64,
    from: Validity,
    to: Validity,
    on: Option<NaiveDate>,
    reason: &'a str,
    cause: Option<i64>,
    now_ms: i64,
    /// Recorded ahead of its legal date: applied on that day.
    pending: bool,
}

/// A `validity_events` row: document, from, to, legal date, recorded instant, pending, reason,
/// cause.
type EventRow = (i64, String, String, Option<NaiveDate>, i64, bool, String, Option<i64>);

/// The day in China (UTC+8) of an instant.
fn recorded_day(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000).map(|t| t.date_naive()).unwrap_or_default()
}

fn rows_to_events(rows: Vec<EventRow>) -> Result<Vec<ValidityEvent>, StoreError> {
    rows.into_iter()
        .map(|(id, from, to, on, at, pending, reason, cause)| {
            Ok(ValidityEvent {
                document_id: id,
                from: Validity::parse(&from).ok_or_else(|| bad("validity_events", "from_state", &from))?,
                to: Validity::parse(&to).ok_or_else(|| bad("validity_events", "to_state", &to))?,
                on,
                at_ms: at,
                pending,
                reason,
                cause_document_id: cause,
            })
        })
        .collect()
}

/// Which column a facet counts.
#[derive(Debug, Clone, Copy)]
pub enum FacetColumn {
    Class,
    Validity,
    Topic,
    Org,
}

/// Binds filter arguments in order (expanded per backend inside `on_pool!`).
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Bool(b) => q.bind(*b),
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Date(d) => q.bind(*d),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}
use bind_args;

enum Arg {
    Bool(bool),
    Text(String),
    Date(NaiveDate),
    Int(i64),
}

/// Builds `WHERE …` with numbered placeholders for a filter. Only fixed SQL fragments are
/// concatenated; every value is a bound argument.
fn doc_filter_sql(f: &DocFilter) -> (String, Vec<Arg>) {
    let mut parts: Vec<String> = vec!["1 = 1".into()];
    let mut args: Vec<Arg> = Vec::new();
    let push = |frag: &str, a: Arg, args: &mut Vec<Arg>| {
        args.push(a);
        frag.replace('?', &format!("${}", args.len()))
    };
    if f.public_only {
        parts.push(push("d.public = ?", Arg::Bool(true), &mut args));
    }
    if let Some(path) = &f.org_path {
        let pat = format!("{path}%");
        let a = push("(d.org_id IN (SELECT id FROM orgs WHERE path LIKE ?)", Arg::Text(pat.clone()), &mut args);
        let b = push(
            "d.id IN (SELECT document_id FROM document_orgs j JOIN orgs o ON o.id = j.org_id WHERE o.path LIKE ?))",
            Arg::Text(pat),
            &mut args,
        );
        parts.push(format!("{a} OR {b}"));
    }
    if let Some(c) = f.class {
        parts.push(push("d.class = ?", Arg::Text(c.key().into()), &mut args));
    }
    if !f.validities.is_empty() {
        let mut ors = Vec::new();
        for v in &f.validities {
            ors.push(push("d.validity = ?", Arg::Text(v.key().into()), &mut args));
        }
        parts.push(format!("({})", ors.join(" OR ")));
    }
    if let Some(t) = &f.topic {
        let a = push("(d.topic = ?", Arg::Text(t.clone()), &mut args);
        let b = push("d.topic LIKE ? ESCAPE '^')", Arg::Text(format!("{t}\\%")), &mut args);
        parts.push(format!("{a} OR {b}"));
    }
    if let Some(d) = f.published_from {
        parts.push(push("d.published_on >= ?", Arg::Date(d), &mut args));
    }
    if let Some(d) = f.published_to {
        parts.push(push("d.published_on < ?", Arg::Date(d), &mut args));
    }
    if let Some(n) = &f.doc_number_norm {
        parts.push(push("d.doc_number_norm = ?", Arg::Text(n.clone()), &mut args));
    }
    if let Some(day) = f.valid_on {
        let a = push("(d.effective_on <= ?", Arg::Date(day), &mut args);
        let b = push("d.effective_on IS NULL AND d.published_on <= ?)", Arg::Date(day), &mut args);
        let c = push("(d.ended_on > ?", Arg::Date(day), &mut args);
        parts.push(format!("{a} OR {b} AND {c} OR d.ended_on IS NULL AND d.validity NOT IN ('repealed', 'expired'))"));
    }
    if let Some((date, id)) = f.after {
        match date {
            Some(d) => {
                let a = push("(d.published_on < ?", Arg::Date(d), &mut args);
                let b = push("(d.published_on = ?", Arg::Date(d), &mut args);
                let c = push("d.id < ?)", Arg::Int(id), &mut args);
                parts.push(format!("{a} OR {b} AND {c} OR d.published_on IS NULL)"));
            }
            None => {
                let a = push("(d.published_on IS NULL AND d.id < ?)", Arg::Int(id), &mut args);
                parts.push(a);
            }
        }
    }
    (format!("WHERE {}", parts.join(" AND ")), args)
}

impl Tx {
    pub async fn document(&mut self, id: i64) -> Result<Option<Document>, StoreError> {
        let row: Option<DocRow> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DOC_COLS} FROM documents d WHERE d.id = $1")))
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.map(DocRow::into_doc).transpose()
    }

    /// Locks a document row until the transaction ends (PostgreSQL; SQLite write transactions are
    /// exclusive already), so two editors cannot both open a draft or publish at once.
    pub async fn lock_document(&mut self, id: i64) -> Result<(), StoreError> {
        match &mut self.inner {
            crate::TxInner::Sqlite(_) => Ok(()),
            crate::TxInner::Postgres(t) => {
                sqlx::query("SELECT id FROM documents WHERE id = $1 FOR UPDATE").bind(id).fetch_one(&mut **t).await?;
                Ok(())
            }
        }
    }

    pub async fn document_by_external_id(&mut self, external_id: &str) -> Result<Option<Document>, StoreError> {
        let row: Option<DocRow> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DOC_COLS} FROM documents d WHERE d.external_id = $1")))
                .bind(external_id)
                .fetch_optional(c)
                .await?
        });
        row.map(DocRow::into_doc).transpose()
    }

    pub async fn edition(&mut self, id: i64) -> Result<Option<Edition>, StoreError> {
        let row: Option<EdRow> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ED_COLS} FROM document_versions WHERE id = $1")))
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.map(EdRow::into_edition).transpose()
    }

    /// The next 索引号 sequence number of an organisation for a year (starting at 1, never reused).
    pub async fn next_index_seq(&mut self, org_id: i64, year: i32) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (n,): (i64,) = sqlx::query_as(
                "INSERT INTO index_sequences (org_id, year, next_seq) VALUES ($1, $2, 1) \
                 ON CONFLICT (org_id, year) DO UPDATE SET next_seq = index_sequences.next_seq + 1 RETURNING next_seq",
            )
            .bind(org_id)
            .bind(i64::from(year))
            .fetch_one(c)
            .await?;
            Ok(n)
        })
    }

    pub async fn insert_document(&mut self, d: &NewDocument<'_>) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO documents (org_id, index_no, external_id, validity, validity_changed_at, title, issuer, class, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $5, $5) RETURNING id",
            )
            .bind(d.org_id)
            .bind(d.index_no)
            .bind(d.external_id)
            .bind(d.validity.key())
            .bind(d.now_ms)
            .bind(d.title)
            .bind(d.issuer)
            .bind(d.class.key())
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    /// Inserts an edition; `norm` is the normalised 发文字号.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_edition(
        &mut self,
        document_id: i64,
        version_no: i64,
        state: EditionState,
        f: &DocFields,
        norm: Option<&str>,
        unparsed: bool,
        published_on: Option<NaiveDate>,
        author_id: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        // The row is created with placeholders for its content, which `update_edition_fields`
        // writes, so the list of content columns exists once.
        let id: i64 = on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO document_versions (document_id, version_no, state, title, issuer, class, disclosure, body, \
                 author_id, created_at, updated_at) VALUES ($1, $2, $3, '', '', 'other', 'proactive', '', $4, $5, $5) \
                 RETURNING id",
            )
            .bind(document_id)
            .bind(version_no)
            .bind(state.key())
            .bind(author_id)
            .bind(now_ms)
            .fetch_one(c)
            .await?;
            id
        });
        self.update_edition_fields(id, f, norm, unparsed, published_on, now_ms).await?;
        Ok(id)
    }

    /// Replaces an open edition's fields.
    pub async fn update_edition_fields(
        &mut self,
        id: i64,
        f: &DocFields,
        norm: Option<&str>,
        unparsed: bool,
        published_on: Option<NaiveDate>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let class = f.class.unwrap_or(DocClass::Other).key();
        let disclosure = f.disclosure.unwrap_or(Disclosure::Proactive).key();
        let keywords = f.keywords.join(",");
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE document_versions SET title = $1, issuer = $2, doc_number = $3, doc_number_norm = $4, \
                 doc_number_unparsed = $5, written_on = $6, effective_on = $7, expires_on = $8, topic = $9, genre = $10, \
                 class = $11, reg_no = $12, disclosure = $13, disclosure_reason = $14, body = $15, keywords = $16, \
                 change_note = $17, published_on = $18, updated_at = $19 WHERE id = $20",
            )
            .bind(&f.title)
            .bind(&f.issuer)
            .bind(&f.doc_number)
            .bind(norm)
            .bind(unparsed)
            .bind(f.written_on)
            .bind(f.effective_on)
            .bind(f.expires_on)
            .bind(&f.topic)
            .bind(&f.genre)
            .bind(class)
            .bind(&f.reg_no)
            .bind(disclosure)
            .bind(&f.disclosure_reason)
            .bind(&f.body)
            .bind(&keywords)
            .bind(&f.change_note)
            .bind(published_on)
            .bind(now_ms)
            .bind(id)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Moves an edition to `state`, recording who approved, why, when it is scheduled and when it
    /// was published, as applicable (`None` leaves a column as it is).
    #[allow(clippy::too_many_arguments)]
    pub async fn set_edition_state(
        &mut self,
        id: i64,
        state: EditionState,
        reason: Option<&str>,
        approver_id: Option<i64>,
        scheduled_at_ms: Option<i64>,
        published: Option<(i64, NaiveDate)>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE document_versions SET state = $1, state_reason = COALESCE($2, state_reason), \
                 approver_id = COALESCE($3, approver_id), scheduled_at = COALESCE($4, scheduled_at), \
                 published_at = COALESCE($5, published_at), published_on = COALESCE($6, published_on), updated_at = $7 \
                 WHERE id = $8",
            )
            .bind(state.key())
            .bind(reason)
            .bind(approver_id)
            .bind(scheduled_at_ms)
            .bind(published.map(|p| p.0))
            .bind(published.map(|p| p.1))
            .bind(now_ms)
            .bind(id)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Sets which edition is open (being worked on).
    pub async fn set_open_version(
        &mut self,
        document_id: i64,
        version_id: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE documents SET open_version_id = $1, updated_at = $2 WHERE id = $3")
                .bind(version_id)
                .bind(now_ms)
                .bind(document_id)
                .execute(c)
                .await?;
            Ok(())
        })
    }

    /// Copies an edition's metadata into the document row that lists, filters and feeds read.
    pub async fn set_listing(&mut self, document_id: i64, l: &Listing<'_>) -> Result<(), StoreError> {
        let f = l.fields;
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE documents SET public = $1, withdrawn = $2, published_version_id = $3, title = $4, issuer = $5, \
                 doc_number = $6, doc_number_norm = $7, class = $8, topic = $9, genre = $10, written_on = $11, \
                 published_on = $12, effective_on = $13, expires_on = $14, \
                 first_published_at = COALESCE(first_published_at, $15), updated_at = $16 WHERE id = $17",
            )
            .bind(l.public)
            .bind(l.withdrawn)
            .bind(l.published_version_id)
            .bind(&f.title)
            .bind(&f.issuer)
            .bind(&f.doc_number)
            .bind(l.doc_number_norm)
            .bind(f.class.unwrap_or(DocClass::Other).key())
            .bind(&f.topic)
            .bind(&f.genre)
            .bind(f.written_on)
            .bind(l.published_on)
            .bind(f.effective_on)
            .bind(f.expires_on)
            .bind(l.first_published_at_ms)
            .bind(l.now_ms)
            .bind(document_id)
            .execute(c)
            .await?;
            Ok::<(), StoreError>(())
        })?;
        self.refresh_ended_on(document_id).await
    }

    /// Recomputes `documents.ended_on` (see [`gongkai_domain::document::ended_on`]) from the
    /// document's 有效期至 and the legal dates of its recorded repeals and expiries.
    pub async fn refresh_ended_on(&mut self, document_id: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            let (expires,): (Option<NaiveDate>,) = sqlx::query_as("SELECT expires_on FROM documents WHERE id = $1")
                .bind(document_id)
                .fetch_one(&mut *c)
                .await?;
            let ends: Vec<(Option<NaiveDate>,)> = sqlx::query_as(
                "SELECT on_date FROM validity_events WHERE document_id = $1 AND to_state IN ('repealed', 'expired') \
                 AND on_date IS NOT NULL",
            )
            .bind(document_id)
            .fetch_all(&mut *c)
            .await?;
            let ended = gongkai_domain::document::ended_on(expires, ends.into_iter().filter_map(|e| e.0));
            sqlx::query("UPDATE documents SET ended_on = $1 WHERE id = $2")
                .bind(ended)
                .bind(document_id)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }

    /// Whether a change of `document_id` to `to` caused by `cause` is already recorded (applied or
    /// still ahead), so publishing the cause again records nothing twice.
    pub async fn has_validity_event(&mut self, document_id: i64, cause: i64, to: Validity) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let row: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM validity_events WHERE document_id = $1 AND cause_document_id = $2 AND to_state = $3 LIMIT 1",
            )
            .bind(document_id)
            .bind(cause)
            .bind(to.key())
            .fetch_optional(c)
            .await?;
            Ok(row.is_some())
        })
    }

    /// Records a change of validity whose legal date `on` is still ahead: the document keeps its
    /// state until [`Tx::apply_validity_event`] applies the change on that day.
    #[allow(clippy::too_many_arguments)]
    pub async fn schedule_validity(
        &mut self,
        document_id: i64,
        from: Validity,
        to: Validity,
        on: NaiveDate,
        reason: &str,
        cause: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let e = NewValidityEvent { document_id, from, to, on: Some(on), reason, cause, now_ms, pending: true };
        self.insert_validity_event(&e).await?;
        self.refresh_ended_on(document_id).await
    }

    /// Appends one row to `validity_events`.
    async fn insert_validity_event(&mut self, e: &NewValidityEvent<'_>) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO validity_events (document_id, from_state, to_state, on_date, at, reason, cause_document_id, pending) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(e.document_id)
            .bind(e.from.key())
            .bind(e.to.key())
            .bind(e.on)
            .bind(e.now_ms)
            .bind(e.reason)
            .bind(e.cause)
            .bind(e.pending)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Applies a pending change whose legal date has come: the document takes its new state
    /// (unless `skip_state`, when a later change already ended it) and the record stops being
    /// pending. Returns the reason recorded with it.
    pub async fn apply_validity_event(
        &mut self,
        event_id: i64,
        skip_state: bool,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(i64, String, String)> = on_tx!(self, |c| {
            let row: Option<(i64, String, String)> = sqlx::query_as(
                "UPDATE validity_events SET pending = FALSE WHERE id = $1 AND pending = TRUE \
                 RETURNING document_id, to_state, reason",
            )
            .bind(event_id)
            .fetch_optional(&mut *c)
            .await?;
            if let (Some((doc, to, _)), false) = (&row, skip_state) {
                sqlx::query(
                    "UPDATE documents SET validity = $1, validity_changed_at = $2, updated_at = $2 WHERE id = $3",
                )
                .bind(to)
                .bind(now_ms)
                .bind(doc)
                .execute(&mut *c)
                .await?;
            }
            row
        });
        let Some((doc, to, reason)) = row else { return Ok(None) };
        let to = Validity::parse(&to).ok_or_else(|| bad("validity_events", "to_state", &to))?;
        if !skip_state && gongkai_domain::qa::makes_stale(to) {
            self.flag_qa_stale(doc, &format!("政策依据有效性变为“{}”：{reason}", to.label()), now_ms).await?;
        }
        Ok(Some(reason))
    }

    /// Changes a document's validity and records the event with its legal date `on` (`None`:
    /// the source gave no date).
    #[allow(clippy::too_many_arguments)]
    pub async fn set_validity(
        &mut self,
        document_id: i64,
        from: Validity,
        to: Validity,
        on: Option<NaiveDate>,
        reason: &str,
        cause: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE documents SET validity = $1, validity_changed_at = $2, updated_at = $2 WHERE id = $3")
                .bind(to.key())
                .bind(now_ms)
                .bind(document_id)
                .execute(c)
                .await?;
            Ok::<(), StoreError>(())
        })?;
        let e = NewValidityEvent { document_id, from, to, on, reason, cause, now_ms, pending: false };
        self.insert_validity_event(&e).await?;
        self.refresh_ended_on(document_id).await?;
        // Answers citing a document that is amended, repealed or no longer in force go stale and
        // leave the public Q&A list until reviewed (the validity event above is their record).
        if gongkai_domain::qa::makes_stale(to) {
            self.flag_qa_stale(document_id, &format!("政策依据有效性变为“{}”：{reason}", to.label()), now_ms).await?;
        }
        Ok(())
    }

    /// Replaces the outgoing relations of a document.
    pub async fn replace_relations(
        &mut self,
        document_id: i64,
        rels: &[(RelationKind, i64)],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM document_relations WHERE document_id = $1")
                .bind(document_id)
                .execute(&mut *c)
                .await?;
            for (kind, target) in rels {
                sqlx::query(
                    "INSERT INTO document_relations (document_id, kind, target_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (document_id, kind, target_id) DO NOTHING",
                )
                .bind(document_id)
                .bind(kind.key())
                .bind(*target)
                .bind(now_ms)
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        })
    }

    /// Outgoing relations of a document (kind, target).
    pub async fn relations_from(&mut self, document_id: i64) -> Result<Vec<(RelationKind, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = on_tx!(self, |c| {
            sqlx::query_as("SELECT kind, target_id FROM document_relations WHERE document_id = $1 ORDER BY id")
                .bind(document_id)
                .fetch_all(c)
                .await?
        });
        rows.into_iter()
            .map(|(k, t)| Ok((RelationKind::parse(&k).ok_or_else(|| bad("document_relations", "kind", &k))?, t)))
            .collect()
    }

    /// Replaces the joint issuers of a document.
    pub async fn replace_document_orgs(&mut self, document_id: i64, org_ids: &[i64]) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM document_orgs WHERE document_id = $1").bind(document_id).execute(&mut *c).await?;
            for o in org_ids {
                sqlx::query("INSERT INTO document_orgs (document_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(document_id)
                    .bind(*o)
                    .execute(&mut *c)
                    .await?;
            }
            Ok(())
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_attachment(
        &mut self,
        document_id: i64,
        version_id: i64,
        filename: &str,
        stored_name: &str,
        content_type: &str,
        size: i64,
        sha256: &str,
        by: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO attachments (document_id, version_id, filename, stored_name, content_type, size, sha256, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(document_id)
            .bind(version_id)
            .bind(filename)
            .bind(stored_name)
            .bind(content_type)
            .bind(size)
            .bind(sha256)
            .bind(by)
            .bind(now_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    /// Removes an attachment record from an open edition; returns whether it existed there.
    pub async fn delete_attachment(&mut self, id: i64, version_id: i64) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("DELETE FROM attachments WHERE id = $1 AND version_id = $2")
                .bind(id)
                .bind(version_id)
                .execute(c)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    /// Carries an edition's attachments over to a new edition (same stored files).
    pub async fn copy_attachments(&mut self, from_version: i64, to_version: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO attachments (document_id, version_id, filename, stored_name, content_type, size, sha256, created_by, created_at) \
                 SELECT document_id, $2, filename, stored_name, content_type, size, sha256, created_by, created_at \
                 FROM attachments WHERE version_id = $1 ORDER BY id",
            )
            .bind(from_version)
            .bind(to_version)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Records that a document's searchable content changed.
    pub async fn append_search_change(&mut self, document_id: i64, now_ms: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("INSERT INTO search_changes (document_id, at) VALUES ($1, $2)")
                .bind(document_id)
                .bind(now_ms)
                .execute(c)
                .await?;
            Ok(())
        })
    }

    /// Sets an organisation's 索引号 format (`None`: the default).
    pub async fn set_index_format(&mut self, org_id: i64, format: Option<&str>) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE orgs SET index_format = $1 WHERE id = $2").bind(format).bind(org_id).execute(c).await?;
            Ok(())
        })
    }

    /// An organisation's 索引号 format, if set.
    pub async fn index_format(&mut self, org_id: i64) -> Result<Option<String>, StoreError> {
        on_tx!(self, |c| {
            let r: Option<(Option<String>,)> =
                sqlx::query_as("SELECT index_format FROM orgs WHERE id = $1").bind(org_id).fetch_optional(c).await?;
            Ok(r.and_then(|r| r.0))
        })
    }
}

/// A cleanup campaign (清理) as stored: id, organisation, title, state, published time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CleanupRow {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub state: String,
    pub published_at: Option<i64>,
    /// The date the catalogue states for its decisions (else its publication date applies).
    pub decided_on: Option<NaiveDate>,
    pub created_at: i64,
}

/// One listed document of a campaign with its result (`continue`, `amend`, `repeal`, `expire`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CleanupItemRow {
    pub document_id: i64,
    pub result: String,
    pub note: Option<String>,
    pub title: String,
    pub doc_number: Option<String>,
}

impl Store {
    pub async fn cleanup(&self, id: i64) -> Result<Option<CleanupRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, CleanupRow>(
                "SELECT id, org_id, title, state, published_at, decided_on, created_at FROM cleanup_campaigns WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await?)
        })
    }

    /// Campaigns, newest first; only published ones when `published_only`.
    pub async fn cleanups(&self, published_only: bool) -> Result<Vec<CleanupRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, CleanupRow>(
                "SELECT id, org_id, title, state, published_at, decided_on, created_at FROM cleanup_campaigns \
                 WHERE ($1 = FALSE OR state = 'published') ORDER BY id DESC",
            )
            .bind(published_only)
            .fetch_all(p)
            .await?)
        })
    }

    pub async fn cleanup_items(&self, id: i64) -> Result<Vec<CleanupItemRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, CleanupItemRow>(
                "SELECT i.document_id, i.result, i.note, d.title, d.doc_number FROM cleanup_items i \
                 JOIN documents d ON d.id = i.document_id WHERE i.campaign_id = $1 ORDER BY i.result, d.title",
            )
            .bind(id)
            .fetch_all(p)
            .await?)
        })
    }
}

impl Tx {
    pub async fn insert_cleanup(
        &mut self,
        org_id: i64,
        title: &str,
        decided_on: Option<NaiveDate>,
        by: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO cleanup_campaigns (org_id, title, state, decided_on, created_by, created_at) \
                 VALUES ($1, $2, 'draft', $5, $3, $4) RETURNING id",
            )
            .bind(org_id)
            .bind(title)
            .bind(by)
            .bind(now_ms)
            .bind(decided_on)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    pub async fn insert_cleanup_item(
        &mut self,
        campaign: i64,
        document_id: i64,
        result: &str,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("INSERT INTO cleanup_items (campaign_id, document_id, result, note) VALUES ($1, $2, $3, $4)")
                .bind(campaign)
                .bind(document_id)
                .bind(result)
                .bind(note)
                .execute(c)
                .await?;
            Ok(())
        })
    }

    /// Marks a draft campaign published; returns false when it was not a draft.
    pub async fn publish_cleanup(&mut self, id: i64, now_ms: i64) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query(
                "UPDATE cleanup_campaigns SET state = 'published', published_at = $1 WHERE id = $2 AND state = 'draft'",
            )
            .bind(now_ms)
            .bind(id)
            .execute(c)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }
}

impl Tx {
    /// The attachments of an edition, read inside the transaction (for the content hash that
    /// approval and publication compare).
    pub async fn attachments_of(&mut self, version_id: i64) -> Result<Vec<Attachment>, StoreError> {
        let rows: Vec<AttRow> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {ATT_COLS} FROM attachments WHERE version_id = $1 ORDER BY id"
            )))
            .bind(version_id)
            .fetch_all(c)
            .await?
        });
        Ok(rows.into_iter().map(Attachment::from).collect())
    }
}

impl Store {
    /// Public documents with `after_id < id < before_id` as (id, updated_at ms), in id order, at
    /// most `limit`: one batch of a sitemap file, walked by the primary key (never an offset).
    pub async fn public_document_stamps(
        &self,
        after_id: i64,
        before_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT id, updated_at FROM documents WHERE id > $1 AND id < $2 AND public ORDER BY id LIMIT $3",
            )
            .bind(after_id)
            .bind(before_id)
            .bind(limit)
            .fetch_all(p)
            .await?)
        })
    }

    /// The largest document id (0 when there is none): one step down the primary key.
    pub async fn max_document_id(&self) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let (n,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM documents").fetch_one(p).await?;
            Ok(n.unwrap_or(0))
        })
    }
}
