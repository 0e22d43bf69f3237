//! Time-based one-time passwords (TOTP, RFC 6238 over HOTP, RFC 4226): HMAC-SHA1, 30-second steps,
//! six digits — what every authenticator app speaks.
//!
//! The caller passes the time and the secret; nothing here reads the clock or draws randomness.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per time step.
pub const STEP: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;

/// The HOTP value of `secret` at `counter`, as a zero-padded string of [`DIGITS`] digits.
pub fn hotp(secret: &[u8], counter: u64) -> String {
    hotp_digits(secret, counter, DIGITS)
}

fn hotp_digits(secret: &[u8], counter: u64, digits: u32) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[h.len() - 1] & 0x0f) as usize;
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    let code = bin % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The time step that contains `unix_seconds`.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP)
}

/// Checks `code` against the steps `now - 1 ..= now + 1` (a 30-second allowance for clock drift).
/// Returns the matching step so the caller can refuse a code that was already used
/// (`step <= last_used_step`).
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    (now - 1..=now + 1).find(|s| *s >= 0 && constant_time_eq(hotp(secret, *s as u64).as_bytes(), code.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Base32 (RFC 4648, no padding) form of a secret, as typed into authenticator apps.
pub fn encode_secret(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// Parses a base32 secret, tolerating spaces, lower case and padding.
pub fn decode_secret(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace() && *c != '=').collect::<String>().to_uppercase();
    data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()).ok()
}

/// The `otpauth://` URI that authenticator apps import (Key Uri Format).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    fn enc(s: &str) -> String {
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
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(issuer),
        enc(account),
        encode_secret(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA1 rows (8 digits), and RFC 4226 appendix D (6 digits).
    #[test]
    fn rfc_vectors() {
        let key = b"12345678901234567890";
        for (t, expect) in [
            (59i64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(hotp_digits(key, step_of(t) as u64, 8), expect, "t={t}");
        }
        let rfc4226 =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (i, expect) in rfc4226.iter().enumerate() {
            assert_eq!(hotp(key, i as u64), *expect);
        }
    }

    #[test]
    fn verify_allows_one_step_of_drift() {
        let key = b"12345678901234567890";
        let t = 1_700_000_000;
        let code = hotp(key, step_of(t) as u64);
        assert_eq!(verify(key, &code, t), Some(step_of(t)));
        assert_eq!(verify(key, &code, t + 30), Some(step_of(t)));
        assert_eq!(verify(key, &code, t + 90), None);
        assert_eq!(verify(key, "12345", t), None);
        assert_eq!(verify(key, "abcdef", t), None);
    }

    #[test]
    fn secret_round_trip() {
        let s = b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x10";
        let e = encode_secret(s);
        assert_eq!(decode_secret(&e.to_lowercase()).as_deref(), Some(&s[..]));
        assert!(otpauth_uri("公开", "zhang san", s).starts_with("otpauth://totp/%E5%85%AC"));
    }
}
