//! Random secrets and their stored forms: session ids, CSRF tokens, API tokens, generated passwords,
//! and argon2id password hashing.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::ServiceError;

/// `n` random bytes from the operating system.
pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>, ServiceError> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
    Ok(b)
}

/// A URL-safe random token with 256 bits of entropy.
pub(crate) fn random_token() -> Result<String, ServiceError> {
    Ok(data_encoding::BASE64URL_NOPAD.encode(&random_bytes(32)?))
}

/// SHA-256 of a token, hex: what the database stores instead of the token.
pub(crate) fn token_hash(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// A generated password that satisfies the default policy: 20 characters from an alphabet without
/// look-alikes, with at least one of each class.
pub(crate) fn generate_password() -> Result<String, ServiceError> {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const OTHER: &[u8] = b"-_.+=";
    let bytes = random_bytes(20)?;
    let mut out = String::with_capacity(20);
    for (i, b) in bytes.iter().enumerate() {
        let set = match i {
            0 => UPPER,
            5 | 14 => OTHER,
            9 | 18 => DIGIT,
            _ if i % 2 == 0 => LOWER,
            _ => [LOWER, UPPER, DIGIT][(*b as usize / 7) % 3],
        };
        out.push(set[*b as usize % set.len()] as char);
    }
    Ok(out)
}

pub(crate) fn hash_password(password: &str) -> Result<String, ServiceError> {
    let hashed: Result<PasswordHash, _> = Argon2::default().hash_password(password.as_bytes());
    hashed.map(|h| h.to_string()).map_err(|e| ServiceError::Internal(format!("argon2: {e}")))
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Verifies against the hash of a random password nobody knows, when the user name does not
/// exist, so that a failed login takes the same time either way.
pub(crate) fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| {
        let pw = random_token().unwrap_or_else(|_| "unused".into());
        hash_password(&pw).unwrap_or_default()
    });
    let _ = verify_password(password, h);
}

/// Fills `buf` from the operating system's random source; false when it is unavailable.
pub fn random_fill(buf: &mut [u8]) -> bool {
    getrandom::fill(buf).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash_password("Correct-Horse-9").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct-Horse-9", &h));
        assert!(!verify_password("Correct-Horse-8", &h));
        verify_dummy("x");
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn generated_passwords_pass_the_default_policy() {
        let p = gongkai_domain::password::PasswordPolicy::default();
        for _ in 0..50 {
            let pw = generate_password().unwrap_or_default();
            assert!(p.check(&pw, "someone").is_ok(), "{pw}");
        }
    }
}
