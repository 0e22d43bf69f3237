//! The audit log (审计日志): appended in the same transaction as the action it records, hash-chained,
//! never updated or deleted (database triggers refuse both on SQLite and PostgreSQL).
//!
//! Appending starts with `UPDATE audit_head … RETURNING`, which takes the row lock on PostgreSQL (and
//! the write lock on SQLite), so concurrent writers on several nodes extend one chain in order.

use gongkai_domain::audit::AuditRecord;

use crate::{Store, StoreError, Tx, on_pool, on_tx};

/// An audit entry to append; the store assigns `seq` and the chain hash.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub ip: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub org_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub success: bool,
}

/// A stored entry with its hash (hex).
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub record: AuditRecord,
    pub hash: String,
}

/// Filters for reading the log; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_name: Option<String>,
    /// Matches actions equal to this or starting with it and a dot (`login` matches `login.failure`).
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub success: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    actor_name: String,
    ip: Option<String>,
    action: String,
    target_kind: String,
    target_id: Option<String>,
    org_id: Option<i64>,
    before: Option<String>,
    after: Option<String>,
    success: bool,
    hash: String,
}

impl From<Row> for AuditRow {
    fn from(r: Row) -> AuditRow {
        AuditRow {
            record: AuditRecord {
                seq: r.seq,
                at_ms: r.at,
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                ip: r.ip,
                action: r.action,
                target_kind: r.target_kind,
                target_id: r.target_id,
                org_id: r.org_id,
                before: r.before,
                after: r.after,
                success: r.success,
            },
            hash: r.hash,
        }
    }
}

const COLS: &str =
    "seq, at, actor_id, actor_name, ip, action, target_kind, target_id, org_id, before, after, success, hash";
const FILTER: &str = "WHERE ($1 IS NULL OR actor_name = $1) \
     AND ($2 IS NULL OR action = $2 OR action LIKE $3) \
     AND ($4 IS NULL OR target_kind = $4) \
     AND ($5 IS NULL OR at >= $5) \
     AND ($6 IS NULL OR at < $6) \
     AND ($7 IS NULL OR success = $7)";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Parses a stored hex hash; a malformed one becomes all ones, which never verifies.
pub(crate) fn parse_hash(s: &str) -> [u8; 32] {
    unhex(s).unwrap_or([0xff; 32])
}

impl AuditRow {
    /// The stored hash as bytes (all ones when the stored text is malformed).
    pub fn hash_bytes(&self) -> [u8; 32] {
        parse_hash(&self.hash)
    }
}

impl Tx {
    /// Appends an entry to the chain and returns its sequence number.
    pub async fn append_audit(&mut self, e: &NewAudit) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (seq, prev): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut *c)
                    .await?;
            let record = AuditRecord {
                seq,
                at_ms: e.at_ms,
                actor_id: e.actor_id,
                actor_name: e.actor_name.clone(),
                ip: e.ip.clone(),
                action: e.action.clone(),
                target_kind: e.target_kind.clone(),
                target_id: e.target_id.clone(),
                org_id: e.org_id,
                before: e.before.clone(),
                after: e.after.clone(),
                success: e.success,
            };
            let hash = hex(&record.chain_hash(&parse_hash(&prev)));
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *c).await?;
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor_id, actor_name, ip, action, target_kind, target_id, org_id, \
                 before, after, success, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(seq)
            .bind(record.at_ms)
            .bind(record.actor_id)
            .bind(&record.actor_name)
            .bind(&record.ip)
            .bind(&record.action)
            .bind(&record.target_kind)
            .bind(&record.target_id)
            .bind(record.org_id)
            .bind(&record.before)
            .bind(&record.after)
            .bind(record.success)
            .bind(&hash)
            .execute(&mut *c)
            .await?;
            Ok(seq)
        })
    }
}

impl Store {
    /// Entries matching `f`, newest first.
    pub async fn list_audit(&self, f: &AuditFilter, limit: i64, offset: i64) -> Result<Vec<AuditRow>, StoreError> {
        let like = f.action.as_ref().map(|a| format!("{a}.%"));
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM audit_log {FILTER} ORDER BY seq DESC LIMIT $8 OFFSET $9"
            )))
            .bind(&f.actor_name)
            .bind(&f.action)
            .bind(&like)
            .bind(&f.target_kind)
            .bind(f.from_ms)
            .bind(f.to_ms)
            .bind(f.success)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?
        });
        Ok(rows.into_iter().map(AuditRow::from).collect())
    }

    /// How many entries match `f`.
    pub async fn count_audit(&self, f: &AuditFilter) -> Result<i64, StoreError> {
        let like = f.action.as_ref().map(|a| format!("{a}.%"));
        on_pool!(self, |p| {
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM audit_log {FILTER}")))
                .bind(&f.actor_name)
                .bind(&f.action)
                .bind(&like)
                .bind(&f.target_kind)
                .bind(f.from_ms)
                .bind(f.to_ms)
                .bind(f.success)
                .fetch_one(p)
                .await?;
            Ok(n)
        })
    }

    /// Entries with `seq > after`, oldest first, at most `limit` — for verifying the chain in
    /// batches.
    pub async fn audit_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            )))
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        Ok(rows.into_iter().map(AuditRow::from).collect())
    }

    /// The chain head: last sequence number and its hash.
    pub async fn audit_head(&self) -> Result<(i64, [u8; 32]), StoreError> {
        on_pool!(self, |p| {
            let (seq, hash): (i64, String) =
                sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await?;
            Ok((seq, parse_hash(&hash)))
        })
    }

    /// Test support: overwrites one audit row's action bypassing the append-only triggers, to prove
    /// that verification catches tampering. Only with the `test-support` feature; the application
    /// never has it.
    #[cfg(feature = "test-support")]
    pub async fn tamper_audit_for_test(&self, seq: i64, action: &str) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut c = p.acquire().await?;
            match self.backend() {
                crate::Backend::Sqlite => {
                    sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut *c).await?;
                    sqlx::query("UPDATE audit_log SET action = $1 WHERE seq = $2")
                        .bind(action)
                        .bind(seq)
                        .execute(&mut *c)
                        .await?;
                }
                crate::Backend::Postgres => {
                    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&mut *c).await?;
                    sqlx::query("UPDATE audit_log SET action = $1 WHERE seq = $2")
                        .bind(action)
                        .bind(seq)
                        .execute(&mut *c)
                        .await?;
                    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update").execute(&mut *c).await?;
                }
            }
            Ok(())
        })
    }
}
