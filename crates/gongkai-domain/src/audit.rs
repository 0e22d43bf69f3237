//! The audit chain (审计日志): each entry's hash covers the previous entry's hash and the entry's own
//! canonical form, so editing, deleting or reordering any row breaks verification from that row on.
//!
//! `hash_n = SHA-256(hash_{n-1} ‖ canonical(entry_n))`, with `hash_0` the genesis value of 32 zero
//! bytes. The canonical form is a line-per-field text with explicit lengths, so no two different
//! entries share one.

use sha2::{Digest, Sha256};

/// The fields of one audit entry that the hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, starting at 1.
    pub seq: i64,
    /// Milliseconds since the Unix epoch, UTC.
    pub at_ms: i64,
    /// Acting account id; `None` for the system or an anonymous visitor.
    pub actor_id: Option<i64>,
    /// Acting account's user name at the time, or `system` / `anonymous`.
    pub actor_name: String,
    /// Client address, when the action came over HTTP.
    pub ip: Option<String>,
    /// Stable action key, e.g. `login.failure`, `role.grant`.
    pub action: String,
    /// Target kind (`user`, `org`, `token`, `document`, …) and id.
    pub target_kind: String,
    pub target_id: Option<String>,
    /// Organisation the target belongs to, for scoping the log.
    pub org_id: Option<i64>,
    /// JSON of the state before and after, when the action changes state.
    pub before: Option<String>,
    pub after: Option<String>,
    /// Whether the action succeeded (failures such as a wrong password are audited too).
    pub success: bool,
}

/// The genesis hash.
pub const GENESIS: [u8; 32] = [0; 32];

impl AuditRecord {
    /// The canonical byte form that the chain hash covers.
    pub fn canonical(&self) -> Vec<u8> {
        fn field(out: &mut Vec<u8>, name: &str, value: Option<&str>) {
            out.extend_from_slice(name.as_bytes());
            match value {
                Some(v) => {
                    out.extend_from_slice(format!("={}:", v.len()).as_bytes());
                    out.extend_from_slice(v.as_bytes());
                }
                None => out.extend_from_slice(b"=-"),
            }
            out.push(b'\n');
        }
        let mut out = Vec::with_capacity(256);
        field(&mut out, "seq", Some(&self.seq.to_string()));
        field(&mut out, "at", Some(&self.at_ms.to_string()));
        field(&mut out, "actor_id", self.actor_id.map(|v| v.to_string()).as_deref());
        field(&mut out, "actor", Some(&self.actor_name));
        field(&mut out, "ip", self.ip.as_deref());
        field(&mut out, "action", Some(&self.action));
        field(&mut out, "target_kind", Some(&self.target_kind));
        field(&mut out, "target_id", self.target_id.as_deref());
        field(&mut out, "org_id", self.org_id.map(|v| v.to_string()).as_deref());
        field(&mut out, "before", self.before.as_deref());
        field(&mut out, "after", self.after.as_deref());
        field(&mut out, "success", Some(if self.success { "1" } else { "0" }));
        out
    }

    /// This entry's chain hash given the previous one.
    pub fn chain_hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(self.canonical());
        h.finalize().into()
    }
}

/// Why a chain failed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row at `seq` does not hash to its stored value (edited), or its `prev` does not match.
    HashMismatch { seq: i64 },
    /// A sequence number is missing or out of order (row deleted or inserted).
    Gap { expected: i64, found: i64 },
}

/// Verifies a chain segment in order. `start` is the sequence number and hash before the first row
/// (`(0, GENESIS)` for the whole log). Each item is the record and its stored hash.
pub fn verify_chain<'a>(
    start: (i64, [u8; 32]),
    rows: impl IntoIterator<Item = (&'a AuditRecord, [u8; 32])>,
) -> Result<(i64, [u8; 32]), ChainBreak> {
    let (mut seq, mut prev) = start;
    for (rec, stored) in rows {
        if rec.seq != seq + 1 {
            return Err(ChainBreak::Gap { expected: seq + 1, found: rec.seq });
        }
        let h = rec.chain_hash(&prev);
        if h != stored {
            return Err(ChainBreak::HashMismatch { seq: rec.seq });
        }
        seq = rec.seq;
        prev = h;
    }
    Ok((seq, prev))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: i64, action: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at_ms: 1_700_000_000_000 + seq,
            actor_id: Some(1),
            actor_name: "admin".into(),
            ip: Some("127.0.0.1".into()),
            action: action.into(),
            target_kind: "user".into(),
            target_id: Some("2".into()),
            org_id: None,
            before: None,
            after: Some("{\"role\":\"editor\"}".into()),
            success: true,
        }
    }

    #[test]
    fn chain_detects_edit_gap_and_reorder() {
        let recs: Vec<AuditRecord> = (1..=4).map(|i| rec(i, "role.grant")).collect();
        let mut hashes = Vec::new();
        let mut prev = GENESIS;
        for r in &recs {
            prev = r.chain_hash(&prev);
            hashes.push(prev);
        }
        let all = || recs.iter().zip(hashes.iter().copied());
        assert_eq!(verify_chain((0, GENESIS), all()), Ok((4, hashes[3])));

        let mut edited = recs.clone();
        edited[2].action = "role.revoke".into();
        let r = verify_chain((0, GENESIS), edited.iter().zip(hashes.iter().copied()));
        assert_eq!(r, Err(ChainBreak::HashMismatch { seq: 3 }));

        let skipped = all().enumerate().filter(|(i, _)| *i != 1).map(|(_, x)| x);
        assert_eq!(verify_chain((0, GENESIS), skipped), Err(ChainBreak::Gap { expected: 2, found: 3 }));
    }

    #[test]
    fn canonical_form_is_unambiguous() {
        let mut a = rec(1, "x");
        let mut b = rec(1, "x");
        a.before = Some("a\nafter=1:b".into());
        a.after = None;
        b.before = Some("a".into());
        b.after = Some("b".into());
        assert_ne!(a.canonical(), b.canonical());
    }
}
