//! Pre-publication review (公开前审查): review chains per organisation and class, review rounds,
//! step records, screenings with their findings (masked text only), overrides, the pending work
//! of reviewers and the statistics of the security dashboard.
//!
//! A subject is `(subject_kind, subject_id)`: `edition` with a `document_versions` id, or
//! `foi_reply` with a `foi_applications` id. Its round starts at 1 and grows with every return.

use crate::{Store, StoreError, Tx, on_pool, on_tx};

/// A configured chain with its organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainRow {
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub org_path: String,
    pub class: String,
    /// Comma-separated step keys.
    pub steps: String,
    pub updated_at: i64,
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewRecordRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub org_id: i64,
    pub round: i64,
    pub step: String,
    pub decision: String,
    pub opinion: String,
    pub reviewer_id: Option<i64>,
    pub reviewer_name: String,
    pub at: i64,
}

/// A step to record.
#[derive(Debug, Clone)]
pub struct NewReviewRecord<'a> {
    pub subject_kind: &'a str,
    pub subject_id: i64,
    pub org_id: i64,
    pub round: i64,
    pub step: &'a str,
    pub decision: &'a str,
    pub opinion: &'a str,
    pub reviewer_id: Option<i64>,
    pub reviewer_name: &'a str,
    pub at: i64,
}

/// The screening of one round.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScreeningRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub org_id: i64,
    pub round: i64,
    pub blocks: bool,
    pub at: i64,
    /// SHA-256 (hex) of exactly the content screened.
    pub content_hash: String,
}

/// One stored finding: where, what, how serious, the masked text (never the matched text).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FindingRow {
    pub location: String,
    pub kind: String,
    pub severity: String,
    pub start_pos: i64,
    pub end_pos: i64,
    pub masked: String,
    pub detail: String,
}

/// An override of blocking findings, with the organisation's name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OverrideRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub round: i64,
    /// Comma-separated finding kinds that were overridden.
    pub kinds: String,
    pub reason: String,
    pub by_id: Option<i64>,
    pub by_name: String,
    pub at: i64,
}

/// An override to record.
#[derive(Debug, Clone)]
pub struct NewOverride<'a> {
    pub subject_kind: &'a str,
    pub subject_id: i64,
    pub org_id: i64,
    pub round: i64,
    pub kinds: &'a str,
    pub reason: &'a str,
    pub by_id: Option<i64>,
    pub by_name: &'a str,
    pub at: i64,
}

/// An item awaiting review: a submitted edition or a drafted disclosure reply.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingRow {
    pub subject_kind: String,
    pub subject_id: i64,
    /// The document (editions) or the application (replies).
    pub parent_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    /// Title of the edition, or the tracking code of the application.
    pub title: String,
    /// Document class key, or `foi_reply`.
    pub class: String,
    pub author_id: Option<i64>,
    pub updated_at: i64,
}

/// Findings counted by China day (days since the epoch, UTC+8), organisation, kind and severity.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FindingStat {
    pub day: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    pub severity: String,
    pub n: i64,
}

const OVERRIDE_COLS: &str = "v.id, v.subject_kind, v.subject_id, v.org_id, o.name AS org_name, v.round, v.kinds, \
     v.reason, v.by_id, v.by_name, v.at";
const RECORD_COLS: &str =
    "id, subject_kind, subject_id, org_id, round, step, decision, opinion, reviewer_id, reviewer_name, at";
const SCREENING_COLS: &str = "id, subject_kind, subject_id, org_id, round, blocks, at, content_hash";

impl Store {
    /// Every configured chain, by organisation path and class.
    pub async fn review_chains(&self) -> Result<Vec<ChainRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT c.org_id, o.code AS org_code, o.name AS org_name, o.path AS org_path, c.class, c.steps, \
                 c.updated_at FROM review_chains c JOIN orgs o ON o.id = c.org_id ORDER BY o.path, c.class",
            )
            .fetch_all(p)
            .await?)
        })
    }

    /// The current round of a subject (1 when it was never returned).
    pub async fn review_round(&self, kind: &str, id: i64) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let r: Option<(i64,)> =
                sqlx::query_as("SELECT round FROM review_subjects WHERE subject_kind = $1 AND subject_id = $2")
                    .bind(kind)
                    .bind(id)
                    .fetch_optional(p)
                    .await?;
            Ok(r.map(|r| r.0).unwrap_or(1))
        })
    }

    /// Every step recorded for a subject, oldest first.
    pub async fn review_records(&self, kind: &str, id: i64) -> Result<Vec<ReviewRecordRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {RECORD_COLS} FROM review_records WHERE subject_kind = $1 AND subject_id = $2 ORDER BY id"
            )))
            .bind(kind)
            .bind(id)
            .fetch_all(p)
            .await?)
        })
    }

    /// The screening of a subject's round.
    pub async fn screening(&self, kind: &str, id: i64, round: i64) -> Result<Option<ScreeningRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {SCREENING_COLS} FROM screenings WHERE subject_kind = $1 AND subject_id = $2 AND round = $3"
            )))
            .bind(kind)
            .bind(id)
            .bind(round)
            .fetch_optional(p)
            .await?)
        })
    }

    /// The findings of a screening, in order.
    pub async fn screen_findings(&self, screening_id: i64) -> Result<Vec<FindingRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT location, kind, severity, start_pos, end_pos, masked, detail FROM screen_findings \
                 WHERE screening_id = $1 ORDER BY id",
            )
            .bind(screening_id)
            .fetch_all(p)
            .await?)
        })
    }

    /// Overrides of a subject, oldest first.
    pub async fn review_overrides(&self, kind: &str, id: i64) -> Result<Vec<OverrideRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {OVERRIDE_COLS} FROM review_overrides v JOIN orgs o ON o.id = v.org_id \
                 WHERE v.subject_kind = $1 AND v.subject_id = $2 ORDER BY v.id"
            )))
            .bind(kind)
            .bind(id)
            .fetch_all(p)
            .await?)
        })
    }

    /// Overrides since an instant, newest first, in organisations under `org_path`.
    pub async fn recent_overrides(
        &self,
        org_path: &str,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<OverrideRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {OVERRIDE_COLS} FROM review_overrides v JOIN orgs o ON o.id = v.org_id \
                 WHERE v.at >= $1 AND substr(o.path, 1, length($2)) = $2 ORDER BY v.at DESC, v.id DESC LIMIT $3"
            )))
            .bind(since_ms)
            .bind(org_path)
            .bind(limit)
            .fetch_all(p)
            .await?)
        })
    }

    /// Submitted editions and drafted replies in organisations under `org_path`, oldest first.
    pub async fn pending_reviews(&self, org_path: &str) -> Result<Vec<PendingRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT 'edition' AS subject_kind, v.id AS subject_id, v.document_id AS parent_id, d.org_id, \
                 o.path AS org_path, o.name AS org_name, v.title AS title, v.class AS class, v.author_id AS author_id, v.updated_at AS updated_at \
                 FROM document_versions v JOIN documents d ON d.id = v.document_id JOIN orgs o ON o.id = d.org_id \
                 WHERE v.state = 'submitted' AND substr(o.path, 1, length($1)) = $1 \
                 UNION ALL \
                 SELECT 'foi_reply' AS subject_kind, a.id AS subject_id, a.id AS parent_id, a.org_id, \
                 o.path AS org_path, o.name AS org_name, a.tracking_code AS title, 'foi_reply' AS class, \
                 a.reply_author_id AS author_id, a.updated_at AS updated_at \
                 FROM foi_applications a JOIN orgs o ON o.id = a.org_id \
                 WHERE a.reply_state = 'draft' AND substr(o.path, 1, length($1)) = $1 \
                 ORDER BY updated_at",
            )
            .bind(org_path)
            .fetch_all(p)
            .await?)
        })
    }

    /// Findings of the latest screening of each round since an instant, counted per China day,
    /// organisation, kind and severity, in organisations under `org_path`.
    pub async fn finding_stats(&self, org_path: &str, since_ms: i64) -> Result<Vec<FindingStat>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT (s.at + 28800000) / 86400000 AS day, s.org_id, o.name AS org_name, f.kind, f.severity, \
                 COUNT(*) AS n FROM screen_findings f JOIN screenings s ON s.id = f.screening_id \
                 JOIN orgs o ON o.id = s.org_id WHERE s.at >= $1 AND substr(o.path, 1, length($2)) = $2 \
                 GROUP BY (s.at + 28800000) / 86400000, s.org_id, o.name, f.kind, f.severity ORDER BY day, o.name, f.kind",
            )
            .bind(since_ms)
            .bind(org_path)
            .fetch_all(p)
            .await?)
        })
    }
}

impl Tx {
    /// Sets (`Some`) or removes (`None`) the chain of an organisation subtree for a class.
    pub async fn set_review_chain(
        &mut self,
        org_id: i64,
        class: &str,
        steps: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            match steps {
                Some(s) => {
                    sqlx::query(
                        "INSERT INTO review_chains (org_id, class, steps, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (org_id, class) DO UPDATE SET steps = excluded.steps, updated_at = excluded.updated_at",
                    )
                    .bind(org_id)
                    .bind(class)
                    .bind(s)
                    .bind(now_ms)
                    .execute(c)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM review_chains WHERE org_id = $1 AND class = $2")
                        .bind(org_id)
                        .bind(class)
                        .execute(c)
                        .await?;
                }
            }
            Ok(())
        })
    }

    /// The chains configured for a class: (organisation path, steps).
    pub async fn review_chains_for(&mut self, class: &str) -> Result<Vec<(String, String)>, StoreError> {
        on_tx!(self, |c| {
            Ok(sqlx::query_as(
                "SELECT o.path, c.steps FROM review_chains c JOIN orgs o ON o.id = c.org_id WHERE c.class = $1",
            )
            .bind(class)
            .fetch_all(c)
            .await?)
        })
    }

    /// The current round of a subject (1 when it was never returned).
    pub async fn review_round(&mut self, kind: &str, id: i64) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let r: Option<(i64,)> =
                sqlx::query_as("SELECT round FROM review_subjects WHERE subject_kind = $1 AND subject_id = $2")
                    .bind(kind)
                    .bind(id)
                    .fetch_optional(c)
                    .await?;
            Ok(r.map(|r| r.0).unwrap_or(1))
        })
    }

    /// Starts a new round (after a return or a changed draft); returns it.
    pub async fn bump_review_round(&mut self, kind: &str, id: i64) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (r,): (i64,) = sqlx::query_as(
                "INSERT INTO review_subjects (subject_kind, subject_id, round) VALUES ($1, $2, 2) \
                 ON CONFLICT (subject_kind, subject_id) DO UPDATE SET round = review_subjects.round + 1 RETURNING round",
            )
            .bind(kind)
            .bind(id)
            .fetch_one(c)
            .await?;
            Ok(r)
        })
    }

    /// Records a step.
    pub async fn insert_review_record(&mut self, r: &NewReviewRecord<'_>) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO review_records (subject_kind, subject_id, org_id, round, step, decision, opinion, \
                 reviewer_id, reviewer_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(r.subject_kind)
            .bind(r.subject_id)
            .bind(r.org_id)
            .bind(r.round)
            .bind(r.step)
            .bind(r.decision)
            .bind(r.opinion)
            .bind(r.reviewer_id)
            .bind(r.reviewer_name)
            .bind(r.at)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    /// The steps approved in a round.
    pub async fn approved_steps(&mut self, kind: &str, id: i64, round: i64) -> Result<Vec<String>, StoreError> {
        on_tx!(self, |c| {
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT step FROM review_records WHERE subject_kind = $1 AND subject_id = $2 AND round = $3 \
                 AND decision = 'approve' ORDER BY id",
            )
            .bind(kind)
            .bind(id)
            .bind(round)
            .fetch_all(c)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        })
    }

    /// Stores the screening of a round with its findings, replacing an earlier one of the same round.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_screening(
        &mut self,
        kind: &str,
        id: i64,
        org_id: i64,
        round: i64,
        blocks: bool,
        content_hash: &str,
        findings: &[FindingRow],
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let old: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM screenings WHERE subject_kind = $1 AND subject_id = $2 AND round = $3")
                    .bind(kind)
                    .bind(id)
                    .bind(round)
                    .fetch_optional(&mut *c)
                    .await?;
            if let Some((old,)) = old {
                sqlx::query("DELETE FROM screen_findings WHERE screening_id = $1").bind(old).execute(&mut *c).await?;
                sqlx::query("DELETE FROM screenings WHERE id = $1").bind(old).execute(&mut *c).await?;
            }
            let (sid,): (i64,) = sqlx::query_as(
                "INSERT INTO screenings (subject_kind, subject_id, org_id, round, blocks, at, content_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(kind)
            .bind(id)
            .bind(org_id)
            .bind(round)
            .bind(blocks)
            .bind(now_ms)
            .bind(content_hash)
            .fetch_one(&mut *c)
            .await?;
            for f in findings {
                sqlx::query(
                    "INSERT INTO screen_findings (screening_id, location, kind, severity, start_pos, end_pos, masked, \
                     detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(sid)
                .bind(&f.location)
                .bind(&f.kind)
                .bind(&f.severity)
                .bind(f.start_pos)
                .bind(f.end_pos)
                .bind(&f.masked)
                .bind(&f.detail)
                .execute(&mut *c)
                .await?;
            }
            Ok(sid)
        })
    }

    /// The screening of a subject's round.
    pub async fn screening(&mut self, kind: &str, id: i64, round: i64) -> Result<Option<ScreeningRow>, StoreError> {
        on_tx!(self, |c| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {SCREENING_COLS} FROM screenings WHERE subject_kind = $1 AND subject_id = $2 AND round = $3"
            )))
            .bind(kind)
            .bind(id)
            .bind(round)
            .fetch_optional(c)
            .await?)
        })
    }

    /// The blocking findings of a screening.
    pub async fn blocking_findings(&mut self, screening_id: i64) -> Result<Vec<FindingRow>, StoreError> {
        on_tx!(self, |c| {
            Ok(sqlx::query_as(
                "SELECT location, kind, severity, start_pos, end_pos, masked, detail FROM screen_findings \
                 WHERE screening_id = $1 AND severity = 'block' ORDER BY id",
            )
            .bind(screening_id)
            .fetch_all(c)
            .await?)
        })
    }

    /// Whether blocking findings of a round were overridden.
    pub async fn has_override(&mut self, kind: &str, id: i64, round: i64) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let r: Option<(i64,)> = sqlx::query_as(
                "SELECT o.id FROM review_overrides o JOIN screenings s ON s.id = o.screening_id \
                 WHERE o.subject_kind = $1 AND o.subject_id = $2 AND o.round = $3 \
                 AND s.subject_kind = $1 AND s.subject_id = $2 AND s.round = $3 LIMIT 1",
            )
            .bind(kind)
            .bind(id)
            .bind(round)
            .fetch_optional(c)
            .await?;
            Ok(r.is_some())
        })
    }

    /// Records an override.
    pub async fn insert_override(&mut self, o: &NewOverride<'_>) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO review_overrides (subject_kind, subject_id, org_id, round, kinds, reason, by_id, by_name, at, \
                 screening_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT id FROM screenings \
                 WHERE subject_kind = $1 AND subject_id = $2 AND round = $4)) RETURNING id",
            )
            .bind(o.subject_kind)
            .bind(o.subject_id)
            .bind(o.org_id)
            .bind(o.round)
            .bind(o.kinds)
            .bind(o.reason)
            .bind(o.by_id)
            .bind(o.by_name)
            .bind(o.at)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }
}
