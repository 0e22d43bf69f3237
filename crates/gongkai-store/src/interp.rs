//! Policy interpretation (政策解读): the extension rows of interpretation documents, their links
//! to policy documents (`document_relations` of kind `interprets`) and the 三同步 settings of
//! policy documents.
//!
//! The fields follow the edition workflow: `interpretations` holds the published edition's
//! fields (all the public ever reads), `interpretation_drafts` the open edition's; publication
//! moves the draft over. Staff reads take the draft when there is one.

use gongkai_domain::document::Document;
use gongkai_domain::interp::{InterpFields, InterpForm};

use crate::documents::{DOC_COLS, DocRow};
use crate::{Store, StoreError, Tx, on_pool, on_tx};

#[derive(sqlx::FromRow)]
struct InterpRow {
    form: String,
    interpreter: String,
    interpreter_role: String,
    first_interpreter: bool,
    media_url: Option<String>,
    transcript: Option<String>,
    alt_text: Option<String>,
}

impl InterpRow {
    fn into_fields(self) -> Result<InterpFields, StoreError> {
        Ok(InterpFields {
            form: Some(InterpForm::parse(&self.form).ok_or_else(|| {
                StoreError::Other(format!("interpretations.form has an unknown value “{}”", self.form))
            })?),
            interpreter: self.interpreter,
            interpreter_role: self.interpreter_role,
            first_interpreter: self.first_interpreter,
            media_url: self.media_url,
            transcript: self.transcript,
            alt_text: self.alt_text,
        })
    }
}

const INTERP_COLS: &str =
    "i.form, i.interpreter, i.interpreter_role, i.first_interpreter, i.media_url, i.transcript, i.alt_text";

/// The fields staff work on: the open edition's draft, else the published ones (use as `… i`).
const STAFF_INTERP: &str = "(SELECT document_id, form, interpreter, interpreter_role, first_interpreter, media_url, \
     transcript, alt_text FROM interpretation_drafts UNION ALL SELECT document_id, form, interpreter, interpreter_role, \
     first_interpreter, media_url, transcript, alt_text FROM interpretations p WHERE NOT EXISTS \
     (SELECT 1 FROM interpretation_drafts x WHERE x.document_id = p.document_id))";

/// The 三同步 settings of a policy document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterpRequirement {
    /// 须同步解读.
    pub required: bool,
    /// 以政府或政府办公厅名义印发.
    pub gov_issued: bool,
    /// Why no interpretation is published with it (recorded by a signer).
    pub exemption_reason: Option<String>,
    pub exempted_by: Option<i64>,
    pub exempted_at_ms: Option<i64>,
}

/// A policy document counted by the 50 % rule, with what its interpretations show.
#[derive(Debug, Clone)]
pub struct CoverageRow {
    pub doc: Document,
    /// Published interpretations in a diversified form (anything but plain text).
    pub diversified: i64,
    /// Published interpretations of any form.
    pub interpretations: i64,
    /// The earliest first publication (ms) of any of its published interpretations.
    pub first_interp_at_ms: Option<i64>,
}

/// `interp_requirements` columns: required, gov_issued, exemption_reason, exempted_by, exempted_at.
type ReqRow = (bool, bool, Option<String>, Option<i64>, Option<i64>);

const REQUIREMENT_SQL: &str = "SELECT required, gov_issued, exemption_reason, exempted_by, exempted_at \
                               FROM interp_requirements WHERE document_id = $1";

/// The 三同步 settings of a row (defaults when there is none).
fn requirement(row: Option<ReqRow>) -> InterpRequirement {
    row.map(|(required, gov_issued, exemption_reason, exempted_by, exempted_at_ms)| InterpRequirement {
        required,
        gov_issued,
        exemption_reason,
        exempted_by,
        exempted_at_ms,
    })
    .unwrap_or_default()
}

fn join_docs(rows: Vec<(DocRow, InterpRow)>) -> Result<Vec<(Document, InterpFields)>, StoreError> {
    rows.into_iter().map(|(d, i)| Ok((d.into_doc()?, i.into_fields()?))).collect()
}

#[derive(sqlx::FromRow)]
struct Joined {
    #[sqlx(flatten)]
    doc: DocRow,
    #[sqlx(flatten)]
    interp: InterpRow,
}

impl Store {
    /// The fields staff work on: the open edition's, else the published edition's.
    pub async fn interpretation_current(&self, document_id: i64) -> Result<Option<InterpFields>, StoreError> {
        let row: Option<InterpRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {INTERP_COLS} FROM {STAFF_INTERP} i WHERE i.document_id = $1"
            )))
            .bind(document_id)
            .fetch_optional(p)
            .await?
        });
        row.map(InterpRow::into_fields).transpose()
    }

    /// The interpretation fields of a document's published edition.
    pub async fn interpretation(&self, document_id: i64) -> Result<Option<InterpFields>, StoreError> {
        let row: Option<InterpRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {INTERP_COLS} FROM interpretations i WHERE i.document_id = $1"
            )))
            .bind(document_id)
            .fetch_optional(p)
            .await?
        });
        row.map(InterpRow::into_fields).transpose()
    }

    /// Interpretations linked to a policy document, newest first: with `public_only` those the
    /// public may see with their published fields, else all with the fields staff work on.
    pub async fn interpretations_of(
        &self,
        target_id: i64,
        public_only: bool,
    ) -> Result<Vec<(Document, InterpFields)>, StoreError> {
        let (source, filter) = if public_only { ("interpretations", "d.public") } else { (STAFF_INTERP, "TRUE") };
        let rows: Vec<Joined> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DOC_COLS}, {INTERP_COLS} FROM documents d JOIN {source} i ON i.document_id = d.id \
                 JOIN document_relations r ON r.document_id = d.id AND r.kind = 'interprets' \
                 WHERE r.target_id = $1 AND {filter} ORDER BY d.first_published_at DESC, d.id DESC"
            )))
            .bind(target_id)
            .fetch_all(p)
            .await?
        });
        join_docs(rows.into_iter().map(|j| (j.doc, j.interp)).collect())
    }

    /// Public interpretations, newest first; `form` narrows to one form.
    pub async fn public_interpretations(
        &self,
        form: Option<InterpForm>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<(Document, InterpFields)>, i64), StoreError> {
        let form = form.map(|f| f.key().to_owned());
        let (rows, total): (Vec<Joined>, (i64,)) = on_pool!(self, |p| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DOC_COLS}, {INTERP_COLS} FROM documents d JOIN interpretations i ON i.document_id = d.id \
                 WHERE d.public AND ($1 IS NULL OR i.form = $1) \
                 ORDER BY d.published_on DESC, d.id DESC LIMIT $2 OFFSET $3"
            )))
            .bind(form.clone())
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
            let total = sqlx::query_as(
                "SELECT COUNT(*) FROM documents d JOIN interpretations i ON i.document_id = d.id \
                 WHERE d.public AND ($1 IS NULL OR i.form = $1)",
            )
            .bind(form)
            .fetch_one(p)
            .await?;
            (rows, total)
        });
        Ok((join_docs(rows.into_iter().map(|j| (j.doc, j.interp)).collect())?, total.0))
    }

    /// The 三同步 settings of a document (defaults when none were recorded).
    pub async fn interp_requirement(&self, document_id: i64) -> Result<InterpRequirement, StoreError> {
        let row: Option<ReqRow> =
            on_pool!(self, |p| sqlx::query_as(REQUIREMENT_SQL).bind(document_id).fetch_optional(p).await?);
        Ok(requirement(row))
    }

    /// Published policy documents issued in the name of the government or its general office
    /// (`gov_issued`) under an organisation path, first published in `[from_ms, to_ms)`, with
    /// counts of their published interpretations.
    pub async fn interp_coverage(
        &self,
        org_path: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CoverageRow>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            doc: DocRow,
            diversified: i64,
            interpretations: i64,
            first_interp_at: Option<i64>,
        }
        let pat = format!("{org_path}%");
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DOC_COLS}, \
                 (SELECT COUNT(*) FROM document_relations r JOIN documents x ON x.id = r.document_id \
                  JOIN interpretations i ON i.document_id = x.id \
                  WHERE r.target_id = d.id AND r.kind = 'interprets' AND x.public AND i.form <> 'text') AS diversified, \
                 (SELECT COUNT(*) FROM document_relations r JOIN documents x ON x.id = r.document_id \
                  JOIN interpretations i ON i.document_id = x.id \
                  WHERE r.target_id = d.id AND r.kind = 'interprets' AND x.public) AS interpretations, \
                 (SELECT MIN(x.first_published_at) FROM document_relations r JOIN documents x ON x.id = r.document_id \
                  JOIN interpretations i ON i.document_id = x.id \
                  WHERE r.target_id = d.id AND r.kind = 'interprets' AND x.public) AS first_interp_at \
                 FROM documents d JOIN interp_requirements q ON q.document_id = d.id \
                 WHERE q.gov_issued AND d.public AND d.class <> 'interpretation' \
                 AND d.org_id IN (SELECT id FROM orgs WHERE path LIKE $1) \
                 AND d.first_published_at >= $2 AND d.first_published_at < $3 \
                 ORDER BY d.org_id, d.first_published_at, d.id"
            )))
            .bind(pat)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(CoverageRow {
                    doc: r.doc.into_doc()?,
                    diversified: r.diversified,
                    interpretations: r.interpretations,
                    first_interp_at_ms: r.first_interp_at,
                })
            })
            .collect()
    }
}

impl Tx {
    /// Publishes the open edition's interpretation fields (if any were saved): they replace the
    /// published ones and the draft is deleted. Called when the edition is published.
    pub async fn publish_interpretation_draft(&mut self, document_id: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO interpretations (document_id, form, interpreter, interpreter_role, first_interpreter, \
                 media_url, transcript, alt_text, updated_at) SELECT document_id, form, interpreter, interpreter_role, \
                 first_interpreter, media_url, transcript, alt_text, updated_at FROM interpretation_drafts \
                 WHERE document_id = $1 ON CONFLICT (document_id) DO UPDATE SET form = excluded.form, \
                 interpreter = excluded.interpreter, interpreter_role = excluded.interpreter_role, \
                 first_interpreter = excluded.first_interpreter, media_url = excluded.media_url, \
                 transcript = excluded.transcript, alt_text = excluded.alt_text, updated_at = excluded.updated_at",
            )
            .bind(document_id)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM interpretation_drafts WHERE document_id = $1")
                .bind(document_id)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }

    /// Writes the interpretation fields of a document's open edition (never what the public
    /// sees: that changes only when the edition is published).
    pub async fn upsert_interpretation_draft(
        &mut self,
        document_id: i64,
        f: &InterpFields,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let form = f.form.unwrap_or(InterpForm::Text).key();
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO interpretation_drafts (document_id, form, interpreter, interpreter_role, first_interpreter, \
                 media_url, transcript, alt_text, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (document_id) DO UPDATE SET form = $2, interpreter = $3, interpreter_role = $4, \
                 first_interpreter = $5, media_url = $6, transcript = $7, alt_text = $8, updated_at = $9",
            )
            .bind(document_id)
            .bind(form)
            .bind(&f.interpreter)
            .bind(&f.interpreter_role)
            .bind(f.first_interpreter)
            .bind(&f.media_url)
            .bind(&f.transcript)
            .bind(&f.alt_text)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Interpretation documents linked to a policy document (any state).
    pub async fn interpretation_ids_of(&mut self, target_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT r.document_id FROM document_relations r JOIN documents x ON x.id = r.document_id \
                 WHERE r.target_id = $1 AND r.kind = 'interprets' AND x.class = 'interpretation' \
                 ORDER BY r.document_id",
            )
            .bind(target_id)
            .fetch_all(c)
            .await?
        });
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The 三同步 settings of a document inside a transaction.
    pub async fn interp_requirement(&mut self, document_id: i64) -> Result<InterpRequirement, StoreError> {
        let row: Option<ReqRow> =
            on_tx!(self, |c| sqlx::query_as(REQUIREMENT_SQL).bind(document_id).fetch_optional(c).await?);
        Ok(requirement(row))
    }

    /// Sets the 三同步 settings of a document (an exemption is kept only while `required`).
    pub async fn set_interp_requirement(
        &mut self,
        document_id: i64,
        r: &InterpRequirement,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO interp_requirements (document_id, required, gov_issued, exemption_reason, exempted_by, \
                 exempted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (document_id) DO UPDATE SET required = $2, gov_issued = $3, exemption_reason = $4, \
                 exempted_by = $5, exempted_at = $6, updated_at = $7",
            )
            .bind(document_id)
            .bind(r.required)
            .bind(r.gov_issued)
            .bind(&r.exemption_reason)
            .bind(r.exempted_by)
            .bind(r.exempted_at_ms)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }
}

impl Tx {
    /// The interpretation fields staff work on (the open edition's, else the published), read
    /// inside the transaction.
    pub async fn interpretation(&mut self, document_id: i64) -> Result<Option<InterpFields>, StoreError> {
        let row: Option<InterpRow> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {INTERP_COLS} FROM {STAFF_INTERP} i WHERE i.document_id = $1"
            )))
            .bind(document_id)
            .fetch_optional(c)
            .await?
        });
        row.map(InterpRow::into_fields).transpose()
    }
}
