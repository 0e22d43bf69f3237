//! Disclosure on application (依申请公开): applications with the applicant's data, their clock events,
//! disputes, calendar adjustments, the submission rate limit, Art. 44 decisions and report inputs.
//!
//! The clock columns of `foi_applications` (stage, due date, …) are a cache of what
//! `gongkai_domain::foi::clock::compute` returns for the events; the service rewrites them after every
//! event and whenever the calendar changes.

use chrono::NaiveDate;

use crate::{Store, StoreError, Tx, on_pool, on_tx};

/// One application as stored (personal data included: never for public output).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FoiRow {
    pub id: i64,
    pub org_id: i64,
    pub tracking_code: String,
    pub external_id: Option<String>,
    pub applicant_type: String,
    pub channel: String,
    pub stage: String,
    pub applicant_name: String,
    pub id_type: String,
    pub id_number: String,
    pub contact_person: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub info_title: Option<String>,
    pub info_number: Option<String>,
    pub description: String,
    pub topic_key: String,
    pub form: String,
    pub delivery: String,
    pub purpose: Option<String>,
    pub submitted_at: i64,
    pub received_on: Option<NaiveDate>,
    pub clock_start: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub due_provisional: bool,
    pub correction_notice_due: Option<NaiveDate>,
    pub applicant_deadline: Option<NaiveDate>,
    pub extension_days: i64,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub assignee_id: Option<i64>,
    pub registered_by: Option<i64>,
    pub reply_state: String,
    pub reply_outcome: Option<String>,
    pub reply_body: Option<String>,
    pub reply_reason: Option<String>,
    pub reply_legal_basis: Option<String>,
    pub reply_remedy: Option<String>,
    pub reply_author_id: Option<i64>,
    pub reply_approver_id: Option<i64>,
    pub delivery_method: Option<String>,
    pub delivered_on: Option<NaiveDate>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "a.id, a.org_id, a.tracking_code, a.external_id, a.applicant_type, a.channel, a.stage, \
     a.applicant_name, a.id_type, a.id_number, a.contact_person, a.phone, a.email, a.address, a.postcode, a.info_title, \
     a.info_number, a.description, a.topic_key, a.form, a.delivery, a.purpose, a.submitted_at, a.received_on, \
     a.clock_start, a.due_on, a.due_provisional, a.correction_notice_due, a.applicant_deadline, a.extension_days, \
     a.closed_on, a.outcome, a.assignee_id, a.registered_by, a.reply_state, a.reply_outcome, a.reply_body, \
     a.reply_reason, a.reply_legal_basis, a.reply_remedy, a.reply_author_id, a.reply_approver_id, a.delivery_method, \
     a.delivered_on, a.created_at, a.updated_at";

/// A new application.
#[derive(Debug, Clone)]
pub struct NewFoi<'a> {
    pub org_id: i64,
    pub tracking_code: &'a str,
    pub external_id: Option<&'a str>,
    pub applicant_type: &'a str,
    pub channel: &'a str,
    pub applicant_name: &'a str,
    pub id_type: &'a str,
    pub id_number: &'a str,
    pub contact_person: Option<&'a str>,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub address: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub info_title: Option<&'a str>,
    pub info_number: Option<&'a str>,
    pub description: &'a str,
    pub topic_key: &'a str,
    pub form: &'a str,
    pub delivery: &'a str,
    pub purpose: Option<&'a str>,
    pub submitted_at: i64,
    pub registered_by: Option<i64>,
    pub now_ms: i64,
}

/// The cached clock columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoiClockCols {
    pub stage: String,
    pub received_on: Option<NaiveDate>,
    pub clock_start: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub due_provisional: bool,
    pub correction_notice_due: Option<NaiveDate>,
    pub applicant_deadline: Option<NaiveDate>,
    pub extension_days: i64,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
}

/// One clock event as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FoiEventRow {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub on_day: NaiveDate,
    pub days: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub party: Option<String>,
    pub outcome: Option<String>,
    pub amount_yuan: Option<i64>,
    pub note: Option<String>,
    pub actor_id: Option<i64>,
    pub created_at: i64,
}

const EV_COLS: &str =
    "id, application_id, kind, on_day, days, deadline, party, outcome, amount_yuan, note, actor_id, created_at";

/// A dispute about an application: 复议, 诉讼 or 投诉.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FoiCaseRow {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub filed_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub result: String,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A calendar adjustment as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarAdjustmentRow {
    pub id: i64,
    /// 行政区划代码 prefix it applies to; empty = everywhere.
    pub region: String,
    pub day: NaiveDate,
    pub workday: bool,
    pub name: String,
    pub source_document: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

/// Staff-entered parts of an annual report.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct FoiReportInputs {
    pub overview: String,
    pub problems: String,
    pub other_matters: String,
    pub licensing: Option<i64>,
    pub punishment: Option<i64>,
    pub enforcement: Option<i64>,
    pub fees_wan_yuan: Option<String>,
}

/// What the report needs of one application.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FoiReportRow {
    pub applicant_type: String,
    pub received_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
}

/// What the supervisors' statistics need of one application (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FoiStatRow {
    pub id: i64,
    /// The owning organisation's materialised path.
    pub org_path: String,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
}

/// Applications of one applicant (same identity document) received in a period: the 按件 fee ledger.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FoiLedgerRow {
    pub id: i64,
    pub tracking_code: String,
    pub received_on: NaiveDate,
}

/// Applications asking for the same thing (Art. 44 candidates).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FoiTopicGroup {
    pub org_id: i64,
    pub topic_key: String,
    pub applications: i64,
    pub applicants: i64,
    /// One of the descriptions, as a sample.
    pub sample: String,
    /// The decision already recorded, if any.
    pub decision: Option<String>,
}

/// Which applications to list.
#[derive(Debug, Clone, Default)]
pub struct FoiFilter {
    /// Subtree of this materialised path.
    pub org_path: Option<String>,
    pub open_only: bool,
    pub stage: Option<String>,
    /// Open applications due on or before this date.
    pub due_by: Option<NaiveDate>,
}

impl Store {
    pub async fn foi_application(&self, id: i64) -> Result<Option<FoiRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM foi_applications a WHERE a.id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?)
        })
    }

    pub async fn foi_by_tracking_code(&self, code: &str) -> Result<Option<FoiRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM foi_applications a WHERE a.tracking_code = $1"
            )))
            .bind(code)
            .fetch_optional(p)
            .await?)
        })
    }

    pub async fn foi_by_external_id(&self, external_id: &str) -> Result<Option<FoiRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM foi_applications a WHERE a.external_id = $1"
            )))
            .bind(external_id)
            .fetch_optional(p)
            .await?)
        })
    }

    /// Applications matching the filter, most urgent first (open ones by due date, then newest).
    pub async fn foi_list(&self, f: &FoiFilter, limit: i64, offset: i64) -> Result<Vec<FoiRow>, StoreError> {
        let mut sql =
            format!("SELECT {COLS} FROM foi_applications a JOIN orgs o ON o.id = a.org_id WHERE o.path LIKE $1");
        if f.open_only {
            sql.push_str(" AND a.stage <> 'closed'");
        }
        // Every placeholder is bound on every call (PostgreSQL refuses unused ones), so an absent filter
        // becomes an always-true comparison.
        if f.stage.is_some() {
            sql.push_str(" AND a.stage = $4");
        } else {
            sql.push_str(" AND $4 = $4");
        }
        if f.due_by.is_some() {
            sql.push_str(" AND a.stage <> 'closed' AND a.due_on <= $5");
        } else {
            sql.push_str(" AND $5 = $5");
        }
        sql.push_str(" ORDER BY CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, a.id DESC LIMIT $2 OFFSET $3");
        let path = format!("{}%", f.org_path.as_deref().unwrap_or("/"));
        let stage = f.stage.clone().unwrap_or_default();
        let due = f.due_by.unwrap_or_default();
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&path)
                .bind(limit)
                .bind(offset)
                .bind(&stage)
                .bind(due)
                .fetch_all(p)
                .await?)
        })
    }

    /// Applications of a subtree received in `from..=to`, for the statistics.
    pub async fn foi_stat_rows(
        &self,
        org_path: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<FoiStatRow>, StoreError> {
        let pat = format!("{org_path}%");
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT a.id, o.path AS org_path, a.received_on, a.due_on, a.closed_on, a.outcome \
                 FROM foi_applications a JOIN orgs o ON o.id = a.org_id \
                 WHERE o.path LIKE $1 AND a.received_on >= $2 AND a.received_on <= $3 ORDER BY a.id",
            )
            .bind(&pat)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?)
        })
    }

    /// The applications one applicant (identity document type and number) made to any organisation and
    /// that were received in `from..=to`, oldest first: the per-applicant, per-month count that 按件 fees
    /// (109号 Art. 4) are tiered on.
    pub async fn foi_applicant_ledger(
        &self,
        id_type: &str,
        id_number: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<FoiLedgerRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT id, tracking_code, received_on FROM foi_applications \
                 WHERE id_type = $1 AND id_number = $2 AND received_on >= $3 AND received_on <= $4 \
                 ORDER BY received_on, id",
            )
            .bind(id_type)
            .bind(id_number)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?)
        })
    }

    /// Ids of every application not closed (to recompute their deadlines).
    pub async fn foi_open_ids(&self) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT id FROM foi_applications WHERE stage <> 'closed' ORDER BY id").fetch_all(p).await?
        });
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn foi_events(&self, application_id: i64) -> Result<Vec<FoiEventRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {EV_COLS} FROM foi_events WHERE application_id = $1 ORDER BY id"
            )))
            .bind(application_id)
            .fetch_all(p)
            .await?)
        })
    }

    pub async fn foi_cases(&self, application_id: i64) -> Result<Vec<FoiCaseRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT id, application_id, kind, filed_on, decided_on, result, note, created_at, updated_at \
                 FROM foi_cases WHERE application_id = $1 ORDER BY id",
            )
            .bind(application_id)
            .fetch_all(p)
            .await?)
        })
    }

    /// Disputes about applications of organisations in a subtree (`exact`: that organisation only).
    pub async fn foi_cases_under(&self, org_path: &str, exact: bool) -> Result<Vec<FoiCaseRow>, StoreError> {
        let cond = if exact { "o.path = $1" } else { "o.path LIKE $1" };
        let pat = if exact { org_path.to_owned() } else { format!("{org_path}%") };
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT c.id, c.application_id, c.kind, c.filed_on, c.decided_on, c.result, c.note, c.created_at, \
                 c.updated_at FROM foi_cases c JOIN foi_applications a ON a.id = c.application_id \
                 JOIN orgs o ON o.id = a.org_id WHERE {cond} ORDER BY c.id"
            )))
            .bind(&pat)
            .fetch_all(p)
            .await?)
        })
    }

    /// Every received application of an organisation (`exact`) or its subtree, for the annual report.
    pub async fn foi_report_rows(&self, org_path: &str, exact: bool) -> Result<Vec<FoiReportRow>, StoreError> {
        let cond = if exact { "o.path = $1" } else { "o.path LIKE $1" };
        let pat = if exact { org_path.to_owned() } else { format!("{org_path}%") };
        on_pool!(self, |p| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT a.applicant_type, a.received_on, a.closed_on, a.outcome FROM foi_applications a \
                 JOIN orgs o ON o.id = a.org_id WHERE {cond} AND a.received_on IS NOT NULL ORDER BY a.id"
            )))
            .bind(&pat)
            .fetch_all(p)
            .await?)
        })
    }

    pub async fn foi_report_inputs(&self, org_id: i64, year: i32) -> Result<Option<FoiReportInputs>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT overview, problems, other_matters, licensing, punishment, enforcement, fees_wan_yuan \
                 FROM foi_report_inputs WHERE org_id = $1 AND year = $2",
            )
            .bind(org_id)
            .bind(i64::from(year))
            .fetch_optional(p)
            .await?)
        })
    }

    /// Groups of applications in a subtree with the same normalised request, at least `min` of them.
    pub async fn foi_topic_groups(&self, org_path: &str, min: i64) -> Result<Vec<FoiTopicGroup>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT a.org_id, a.topic_key, COUNT(*) AS applications, COUNT(DISTINCT a.id_number) AS applicants, \
                 MIN(a.description) AS sample, MIN(d.decision) AS decision \
                 FROM foi_applications a JOIN orgs o ON o.id = a.org_id \
                 LEFT JOIN foi_proactive d ON d.org_id = a.org_id AND d.topic_key = a.topic_key \
                 WHERE o.path LIKE $1 GROUP BY a.org_id, a.topic_key HAVING COUNT(*) >= $2 \
                 ORDER BY COUNT(*) DESC, a.topic_key",
            )
            .bind(format!("{org_path}%"))
            .bind(min)
            .fetch_all(p)
            .await?)
        })
    }

    /// Table 2's first block from the policy library for `year`: for 规章 (departmental and government
    /// rules) and 行政规范性文件, (published in the year, repealed in the year, in force now), over
    /// public documents of the organisation (`exact`) or its subtree.
    pub async fn foi_table2_counts(
        &self,
        org_path: &str,
        exact: bool,
        year: i32,
    ) -> Result<[(i64, i64, i64); 2], StoreError> {
        let cond = if exact { "o.path = $1" } else { "o.path LIKE $1" };
        let pat = if exact { org_path.to_owned() } else { format!("{org_path}%") };
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        let to = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default();
        let mut out = [(0, 0, 0); 2];
        for (i, classes) in ["('departmental_rule', 'government_rule')", "('normative')"].iter().enumerate() {
            let sql = format!(
                "SELECT \
                 (SELECT COUNT(*) FROM documents d JOIN orgs o ON o.id = d.org_id WHERE {cond} AND d.public \
                  AND d.class IN {classes} AND d.published_on >= $2 AND d.published_on < $3), \
                 (SELECT COUNT(DISTINCT d.id) FROM documents d JOIN orgs o ON o.id = d.org_id \
                  JOIN validity_events v ON v.document_id = d.id WHERE {cond} AND d.class IN {classes} \
                  AND v.to_state = 'repealed' AND v.pending = FALSE AND v.on_date >= $2 AND v.on_date < $3), \
                 (SELECT COUNT(*) FROM documents d JOIN orgs o ON o.id = d.org_id WHERE {cond} AND d.public \
                  AND d.class IN {classes} AND d.validity IN ('in_force', 'amended', 'partially_invalid'))"
            );
            let row: (i64, i64, i64) = on_pool!(self, |p| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(&pat).bind(from).bind(to).fetch_one(p).await?
            });
            out[i] = row;
        }
        Ok(out)
    }

    pub async fn calendar_adjustments(&self) -> Result<Vec<CalendarAdjustmentRow>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT id, region, day, workday, name, source_document, created_by, created_at \
                 FROM calendar_adjustments ORDER BY day, id",
            )
            .fetch_all(p)
            .await?)
        })
    }

    /// Public submissions from `ip` since `since_ms`.
    pub async fn foi_rate_count(&self, ip: &str, since_ms: i64) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as("SELECT COUNT(*) FROM foi_rate WHERE ip = $1 AND at >= $2")
                .bind(ip)
                .bind(since_ms)
                .fetch_one(p)
                .await?
        });
        Ok(n)
    }
}

impl Tx {
    /// On PostgreSQL, locks the application row until the transaction ends (SQLite writers are serial).
    pub async fn lock_foi(&mut self, id: i64) -> Result<(), StoreError> {
        match &mut self.inner {
            crate::TxInner::Sqlite(_) => Ok(()),
            crate::TxInner::Postgres(t) => {
                sqlx::query("SELECT id FROM foi_applications WHERE id = $1 FOR UPDATE")
                    .bind(id)
                    .fetch_one(&mut **t)
                    .await?;
                Ok(())
            }
        }
    }

    pub async fn foi_application(&mut self, id: i64) -> Result<Option<FoiRow>, StoreError> {
        on_tx!(self, |c| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM foi_applications a WHERE a.id = $1")))
                .bind(id)
                .fetch_optional(c)
                .await?)
        })
    }

    pub async fn foi_events(&mut self, application_id: i64) -> Result<Vec<FoiEventRow>, StoreError> {
        on_tx!(self, |c| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {EV_COLS} FROM foi_events WHERE application_id = $1 ORDER BY id"
            )))
            .bind(application_id)
            .fetch_all(c)
            .await?)
        })
    }

    pub async fn insert_foi(&mut self, n: &NewFoi<'_>) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO foi_applications (org_id, tracking_code, external_id, applicant_type, channel, stage, \
                 applicant_name, id_type, id_number, contact_person, phone, email, address, postcode, info_title, \
                 info_number, description, topic_key, form, delivery, purpose, submitted_at, registered_by, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, 'awaiting_confirmation', $6, $7, $8, $9, $10, $11, $12, $13, \
                 $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23) RETURNING id",
            )
            .bind(n.org_id)
            .bind(n.tracking_code)
            .bind(n.external_id)
            .bind(n.applicant_type)
            .bind(n.channel)
            .bind(n.applicant_name)
            .bind(n.id_type)
            .bind(n.id_number)
            .bind(n.contact_person)
            .bind(n.phone)
            .bind(n.email)
            .bind(n.address)
            .bind(n.postcode)
            .bind(n.info_title)
            .bind(n.info_number)
            .bind(n.description)
            .bind(n.topic_key)
            .bind(n.form)
            .bind(n.delivery)
            .bind(n.purpose)
            .bind(n.submitted_at)
            .bind(n.registered_by)
            .bind(n.now_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    /// Appends a clock event.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_foi_event(
        &mut self,
        application_id: i64,
        kind: &str,
        on_day: NaiveDate,
        days: Option<i64>,
        deadline: Option<NaiveDate>,
        party: Option<&str>,
        outcome: Option<&str>,
        amount_yuan: Option<i64>,
        note: Option<&str>,
        actor_id: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO foi_events (application_id, kind, on_day, days, deadline, party, outcome, amount_yuan, note, \
                 actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(application_id)
            .bind(kind)
            .bind(on_day)
            .bind(days)
            .bind(deadline)
            .bind(party)
            .bind(outcome)
            .bind(amount_yuan)
            .bind(note)
            .bind(actor_id)
            .bind(now_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    /// Rewrites the cached clock columns.
    pub async fn set_foi_clock(&mut self, id: i64, k: &FoiClockCols, now_ms: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE foi_applications SET stage = $2, received_on = $3, clock_start = $4, due_on = $5, \
                 due_provisional = $6, correction_notice_due = $7, applicant_deadline = $8, extension_days = $9, \
                 closed_on = $10, outcome = $11, updated_at = $12 WHERE id = $1",
            )
            .bind(id)
            .bind(&k.stage)
            .bind(k.received_on)
            .bind(k.clock_start)
            .bind(k.due_on)
            .bind(k.due_provisional)
            .bind(k.correction_notice_due)
            .bind(k.applicant_deadline)
            .bind(k.extension_days)
            .bind(k.closed_on)
            .bind(&k.outcome)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    pub async fn set_foi_assignee(&mut self, id: i64, user_id: Option<i64>, now_ms: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE foi_applications SET assignee_id = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(user_id)
                .bind(now_ms)
                .execute(c)
                .await?;
            Ok(())
        })
    }

    /// Stores a reply draft (state `draft`, approver cleared).
    #[allow(clippy::too_many_arguments)]
    pub async fn set_foi_reply_draft(
        &mut self,
        id: i64,
        outcome: &str,
        body: &str,
        reason: Option<&str>,
        legal_basis: &str,
        remedy: &str,
        author_id: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE foi_applications SET reply_state = 'draft', reply_outcome = $2, reply_body = $3, \
                 reply_reason = $4, reply_legal_basis = $5, reply_remedy = $6, reply_author_id = $7, \
                 reply_approver_id = NULL, updated_at = $8 WHERE id = $1",
            )
            .bind(id)
            .bind(outcome)
            .bind(body)
            .bind(reason)
            .bind(legal_basis)
            .bind(remedy)
            .bind(author_id)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Moves the reply to `approved` (with its approver) or `sent`.
    pub async fn set_foi_reply_state(
        &mut self,
        id: i64,
        state: &str,
        approver_id: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE foi_applications SET reply_state = $2, \
                 reply_approver_id = COALESCE($3, reply_approver_id), updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(state)
            .bind(approver_id)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    pub async fn set_foi_delivery(
        &mut self,
        id: i64,
        method: &str,
        on: NaiveDate,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE foi_applications SET delivery_method = $2, delivered_on = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(method)
            .bind(on)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    pub async fn insert_foi_case(
        &mut self,
        application_id: i64,
        kind: &str,
        filed_on: NaiveDate,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO foi_cases (application_id, kind, filed_on, result, note, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', $4, $5, $5) RETURNING id",
            )
            .bind(application_id)
            .bind(kind)
            .bind(filed_on)
            .bind(note)
            .bind(now_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    pub async fn decide_foi_case(
        &mut self,
        id: i64,
        result: &str,
        decided_on: Option<NaiveDate>,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("UPDATE foi_cases SET result = $2, decided_on = $3, updated_at = $4 WHERE id = $1")
                .bind(id)
                .bind(result)
                .bind(decided_on)
                .bind(now_ms)
                .execute(c)
                .await?;
            Ok(r.rows_affected())
        })
    }

    /// Adds or replaces the adjustment of `region` on `day`.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_calendar_adjustment(
        &mut self,
        region: &str,
        day: NaiveDate,
        workday: bool,
        name: &str,
        source_document: &str,
        created_by: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO calendar_adjustments (region, day, workday, name, source_document, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region, day) DO UPDATE SET workday = excluded.workday, \
                 name = excluded.name, source_document = excluded.source_document, created_by = excluded.created_by, \
                 created_at = excluded.created_at RETURNING id",
            )
            .bind(region)
            .bind(day)
            .bind(workday)
            .bind(name)
            .bind(source_document)
            .bind(created_by)
            .bind(now_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    pub async fn delete_calendar_adjustment(&mut self, id: i64) -> Result<u64, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("DELETE FROM calendar_adjustments WHERE id = $1").bind(id).execute(c).await?;
            Ok(r.rows_affected())
        })
    }

    /// Records a public submission from `ip` and forgets those older than `forget_before_ms`.
    pub async fn record_foi_rate(&mut self, ip: &str, now_ms: i64, forget_before_ms: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM foi_rate WHERE at < $1").bind(forget_before_ms).execute(&mut *c).await?;
            sqlx::query("INSERT INTO foi_rate (ip, at) VALUES ($1, $2)").bind(ip).bind(now_ms).execute(&mut *c).await?;
            Ok(())
        })
    }

    pub async fn put_foi_report_inputs(
        &mut self,
        org_id: i64,
        year: i32,
        i: &FoiReportInputs,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO foi_report_inputs (org_id, year, overview, problems, other_matters, licensing, punishment, \
                 enforcement, fees_wan_yuan, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (org_id, year) DO UPDATE SET overview = excluded.overview, problems = excluded.problems, \
                 other_matters = excluded.other_matters, licensing = excluded.licensing, \
                 punishment = excluded.punishment, enforcement = excluded.enforcement, \
                 fees_wan_yuan = excluded.fees_wan_yuan, updated_at = excluded.updated_at",
            )
            .bind(org_id)
            .bind(i64::from(year))
            .bind(&i.overview)
            .bind(&i.problems)
            .bind(&i.other_matters)
            .bind(i.licensing)
            .bind(i.punishment)
            .bind(i.enforcement)
            .bind(&i.fees_wan_yuan)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Records the Art. 44 decision for a group of identical requests.
    pub async fn put_foi_proactive(
        &mut self,
        org_id: i64,
        topic_key: &str,
        decision: &str,
        note: Option<&str>,
        decided_by: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO foi_proactive (org_id, topic_key, decision, note, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, topic_key) DO UPDATE SET \
                 decision = excluded.decision, note = excluded.note, decided_by = excluded.decided_by, \
                 decided_at = excluded.decided_at",
            )
            .bind(org_id)
            .bind(topic_key)
            .bind(decision)
            .bind(note)
            .bind(decided_by)
            .bind(now_ms)
            .execute(c)
            .await?;
            Ok(())
        })
    }
}
