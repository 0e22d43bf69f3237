//! Accounts (账号), role grants, sessions and API tokens as plain records.
//!
//! These are the entities the store returns and the service reasons about; the rules for them live
//! in [`crate::role`], [`crate::password`] and [`crate::totp`].

use crate::role::Role;

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// PHC string (`$argon2id$…`).
    pub password_hash: String,
    pub password_changed_at_ms: i64,
    pub must_change_password: bool,
    /// Base32 TOTP secret once enrolment has started.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    /// Last accepted TOTP step, so a code cannot be replayed.
    pub totp_last_step: i64,
    pub disabled: bool,
    pub created_at_ms: i64,
}

/// Normalised form of a user name for uniqueness and lookup: trimmed, lower case (ASCII and
/// Unicode), full-width ASCII folded to half-width.
pub fn normalize_username(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Checks a user name: 2–64 characters, letters (any script), digits, `.`, `-`, `_`, no spaces.
pub fn validate_username(s: &str) -> Result<(), crate::FieldError> {
    let n = s.chars().count();
    if !(2..=64).contains(&n) || !s.chars().all(|c| c.is_alphanumeric() || ".-_".contains(c)) {
        return Err(crate::FieldError::new(
            "username",
            format!("用户名“{s}”无效：应为 2–64 个字符，只能包含文字、字母、数字、“.”、“-”和“_”"),
        ));
    }
    Ok(())
}

/// A role granted on an organisation subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: i64,
    pub user_id: i64,
    pub role: Role,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    /// Materialised path of the organisation (`/1/4/9/`), for subtree checks.
    pub org_path: String,
    pub granted_at_ms: i64,
}

/// How far a login session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password checked; waiting for the TOTP code.
    SecondFactor,
    /// Password checked; the account must enrol a second factor before anything else.
    Enroll,
    /// Fully logged in.
    Full,
}

impl SessionStage {
    pub fn key(self) -> &'static str {
        match self {
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enroll => "enroll",
            SessionStage::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<SessionStage> {
        match s {
            "second_factor" => Some(SessionStage::SecondFactor),
            "enroll" => Some(SessionStage::Enroll),
            "full" => Some(SessionStage::Full),
            _ => None,
        }
    }
}

/// A server-side login session. The cookie holds a random token; only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: i64,
    pub stage: SessionStage,
    pub csrf_token: String,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub ip: Option<String>,
}

impl Session {
    /// Whether the session has passed its idle or absolute timeout at `now_ms`.
    pub fn is_expired(&self, now_ms: i64, idle_ms: i64, absolute_ms: i64) -> bool {
        now_ms - self.last_seen_at_ms > idle_ms || now_ms - self.created_at_ms > absolute_ms
    }
}

/// An API token: random, shown once, stored as SHA-256, scoped to one account, expiring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    /// The first characters of the token, to recognise it in lists.
    pub prefix: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
}

impl ApiToken {
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.revoked_at_ms.is_none() && now_ms < self.expires_at_ms
    }
}

/// The login throttle (ASVS 2.2.1 anti-automation without a lock anyone can trigger).
///
/// Failures count within `window_ms` and since the account's last completed login.
/// - Per account **and address**: after `threshold` failures of one account from one address, that
///   address is refused for that account until `duration_ms` after its last failure. Other
///   addresses are not affected, so nobody can lock somebody else out.
/// - Per account, any address: after `threshold` failures, each further attempt must wait a delay
///   that doubles from `delay_base_ms` up to `delay_max_ms` after the latest failure; attempts
///   sooner are refused unchecked and do not count. An address that completed a login of the
///   account within `trusted_ms` does not wait (its own per-address limit still applies).
///
/// With `delay_max_ms` ≥ 36 s an account sees at most `threshold` + ~7 + 3600 / 36 ≤ 100 + a few
/// guesses per hour from untrusted addresses — ASVS 2.2.1's bound; the configuration refuses less.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub window_ms: i64,
    pub duration_ms: i64,
    pub delay_base_ms: i64,
    pub delay_max_ms: i64,
    pub trusted_ms: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            threshold: 5,
            window_ms: 15 * 60_000,
            duration_ms: 15 * 60_000,
            delay_base_ms: 1_000,
            delay_max_ms: 60_000,
            trusted_ms: 24 * 3_600_000,
        }
    }
}

impl LockoutPolicy {
    /// Given the times of an account's failed attempts since its last success (all addresses,
    /// newest last), the instant before which a further attempt is refused, if that is after
    /// `now_ms`.
    pub fn delayed_until(&self, failures_ms: &[i64], now_ms: i64) -> Option<i64> {
        let in_window: Vec<i64> = failures_ms.iter().copied().filter(|t| now_ms - t <= self.window_ms).collect();
        let n = in_window.len() as u32;
        if self.threshold == 0 || n < self.threshold {
            return None;
        }
        let doublings = (n - self.threshold).min(30);
        let delay = self.delay_base_ms.saturating_mul(1_i64 << doublings).min(self.delay_max_ms);
        let until = in_window.last()? + delay;
        (until > now_ms).then_some(until)
    }

    /// Given the times of failed attempts of one account from one address since the account's
    /// last success (newest last), returns the instant until which that address is refused for
    /// that account, if it is at `now_ms`.
    pub fn locked_until(&self, failures_ms: &[i64], now_ms: i64) -> Option<i64> {
        let in_window: Vec<i64> = failures_ms.iter().copied().filter(|t| now_ms - t <= self.window_ms).collect();
        if self.threshold == 0 || (in_window.len() as u32) < self.threshold {
            return None;
        }
        let last = *in_window.last()?;
        let until = last + self.duration_ms;
        (until > now_ms).then_some(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(normalize_username(" ＺhangSan "), "zhangsan");
        assert!(validate_username("张三").is_ok());
        assert!(validate_username("a b").is_err());
        assert!(validate_username("x").is_err());
    }

    #[test]
    fn lockout_counts_failures_in_window() {
        let p = LockoutPolicy::default();
        let now = 10_000_000;
        let four: Vec<i64> = (0..4).map(|i| now - 1000 * i).rev().collect();
        assert_eq!(p.locked_until(&four, now), None);
        let five: Vec<i64> = (0..5).map(|i| now - 1000 * i).rev().collect();
        assert_eq!(p.locked_until(&five, now), Some(now + p.duration_ms));
        assert_eq!(p.locked_until(&five, now + p.duration_ms + 1), None);
        let old: Vec<i64> = (0..5).map(|i| now - p.window_ms - 1000 * (i + 1)).rev().collect();
        assert_eq!(p.locked_until(&old, now), None);
    }

    #[test]
    fn account_delay_doubles_and_is_capped() {
        let p = LockoutPolicy::default();
        let now = 10_000_000;
        let four: Vec<i64> = (0..4).map(|i| now - 10 * i).rev().collect();
        assert_eq!(p.delayed_until(&four, now), None);
        let five: Vec<i64> = (0..5).map(|i| now - 10 * i).rev().collect();
        assert_eq!(p.delayed_until(&five, now), Some(now + 1_000));
        let seven: Vec<i64> = (0..7).map(|i| now - 10 * i).rev().collect();
        assert_eq!(p.delayed_until(&seven, now), Some(now + 4_000));
        let many: Vec<i64> = (0..60).map(|i| now - 10 * i).rev().collect();
        assert_eq!(p.delayed_until(&many, now), Some(now + 60_000));
        assert_eq!(p.delayed_until(&many, now + 60_000), None);
        // At most 100 guesses an hour when every guess waits the longest delay (ASVS 2.2.1).
        assert!(3_600_000 / p.delay_max_ms + i64::from(p.threshold) + 7 <= 100);
    }

    #[test]
    fn session_timeouts() {
        let s = Session {
            id_hash: String::new(),
            user_id: 1,
            stage: SessionStage::Full,
            csrf_token: String::new(),
            created_at_ms: 0,
            last_seen_at_ms: 1000,
            ip: None,
        };
        assert!(!s.is_expired(1500, 1000, 10_000));
        assert!(s.is_expired(2001, 1000, 10_000));
        assert!(s.is_expired(10_001, 100_000, 10_000));
    }
}
