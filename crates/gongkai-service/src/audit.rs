//! Reading, exporting and verifying the audit log (审计日志). Only audit administrators (安全审计员)
//! and operators at the command line read it; nothing in gongkai edits or deletes it.

use gongkai_domain::audit::{ChainBreak, GENESIS, verify_chain};
use gongkai_domain::role::Role;
use gongkai_store::{AuditFilter, AuditRow};

use crate::{Actor, Ctx, Service, ServiceError};

/// One page of the log.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: i64,
}

/// The result of verifying the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries checked.
    pub checked: i64,
    /// The first break, if any.
    pub broken: Option<String>,
}

impl Service {
    fn require_audit_admin(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        match &ctx.actor {
            Actor::System => Ok(()),
            Actor::User(u) if u.has_role(Role::AuditAdmin) => Ok(()),
            _ => Err(ServiceError::Forbidden("审计日志仅对安全审计员开放".into())),
        }
    }

    /// A page of entries matching `filter`, newest first.
    pub async fn audit_page(
        &self,
        ctx: &Ctx,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<AuditPage, ServiceError> {
        self.require_audit_admin(ctx)?;
        let limit = limit.clamp(1, 500);
        let offset = offset.max(0);
        let rows = self.store.list_audit(filter, limit, offset).await?;
        let total = self.store.count_audit(filter).await?;
        Ok(AuditPage { rows, total })
    }

    /// The entries matching `filter` as CSV (UTF-8 with BOM so spreadsheet programs read Chinese),
    /// oldest last. The export itself is audited.
    pub async fn audit_csv(&self, ctx: &Ctx, filter: &AuditFilter) -> Result<Vec<u8>, ServiceError> {
        self.require_audit_admin(ctx)?;
        // A cell starting with = + - @ (or a tab or CR) would run as a formula in a spreadsheet.
        let cell = |s: String| if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s };
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| ServiceError::Internal(format!("csv: {e}"));
        w.write_record([
            "seq",
            "at",
            "actor_id",
            "actor",
            "ip",
            "action",
            "target_kind",
            "target_id",
            "org_id",
            "success",
            "before",
            "after",
            "hash",
        ])
        .map_err(csv_err)?;
        let mut offset = 0;
        loop {
            let rows = self.store.list_audit(filter, 1000, offset).await?;
            if rows.is_empty() {
                break;
            }
            offset += rows.len() as i64;
            for r in rows {
                let e = &r.record;
                let at = chrono::DateTime::from_timestamp_millis(e.at_ms).map(|t| t.to_rfc3339()).unwrap_or_default();
                w.write_record(
                    [
                        e.seq.to_string(),
                        at,
                        e.actor_id.map(|v| v.to_string()).unwrap_or_default(),
                        e.actor_name.clone(),
                        e.ip.clone().unwrap_or_default(),
                        e.action.clone(),
                        e.target_kind.clone(),
                        e.target_id.clone().unwrap_or_default(),
                        e.org_id.map(|v| v.to_string()).unwrap_or_default(),
                        if e.success { "1".into() } else { "0".into() },
                        e.before.clone().unwrap_or_default(),
                        e.after.clone().unwrap_or_default(),
                        r.hash.clone(),
                    ]
                    .map(cell),
                )
                .map_err(csv_err)?;
            }
        }
        let body = w.into_inner().map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.append_audit(&ctx.audit(now, "audit.export", "audit_log", None)).await?;
        tx.commit().await?;
        let mut out = vec![0xEF, 0xBB, 0xBF];
        out.extend(body);
        Ok(out)
    }

    /// Verifies the whole chain from the first entry to the head.
    pub async fn audit_verify(&self, ctx: &Ctx) -> Result<VerifyReport, ServiceError> {
        self.require_audit_admin(ctx)?;
        let (head_seq, head_hash) = self.store.audit_head().await?;
        let mut state = (0i64, GENESIS);
        let mut checked = 0;
        loop {
            let rows = self.store.audit_after(state.0, 2000).await?;
            if rows.is_empty() {
                break;
            }
            checked += rows.len() as i64;
            match verify_chain(state, rows.iter().map(|r| (&r.record, r.hash_bytes()))) {
                Ok(s) => state = s,
                Err(ChainBreak::HashMismatch { seq }) => {
                    return Ok(VerifyReport {
                        checked,
                        broken: Some(format!("第 {seq} 条记录的哈希不符（记录被修改）")),
                    });
                }
                Err(ChainBreak::Gap { expected, found }) => {
                    return Ok(VerifyReport {
                        checked,
                        broken: Some(format!("缺少第 {expected} 条记录（下一条为第 {found} 条：记录被删除或插入）")),
                    });
                }
            }
        }
        if state.0 != head_seq || state.1 != head_hash {
            return Ok(VerifyReport {
                checked,
                broken: Some(format!(
                    "链尾为第 {} 条，但记录的链头为第 {head_seq} 条（末尾记录被删除或链头被改）",
                    state.0
                )),
            });
        }
        Ok(VerifyReport { checked, broken: None })
    }
}
