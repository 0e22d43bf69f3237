//! Password policy (口令策略): length and character classes, configurable per installation.
//!
//! Defaults follow the 等级保护 reading in `reliability.md`: staff passwords at least 12 characters
//! from at least 3 of the 4 classes (lower case, upper case, digits, other). A maximum length bounds
//! hashing cost. Characters are counted as Unicode scalar values, so CJK passphrases are welcome.

use crate::error::FieldError;

/// A password policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
    /// How many of the four classes (lower, upper, digit, other) must appear.
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 12, max_length: 128, min_classes: 3 }
    }
}

/// A few passwords that appear at the top of every breach list, in any case.
const COMMON: &[&str] = &[
    "password",
    "password123",
    "passw0rd",
    "123456789012",
    "qwertyuiop",
    "admin123456",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "abc123456789",
    "woaini1314",
    "iloveyou",
    "p@ssw0rd",
    "p@ssword123",
];

impl PasswordPolicy {
    /// Checks a candidate password; `username` is refused as part of it.
    pub fn check(&self, password: &str, username: &str) -> Result<(), FieldError> {
        let len = password.chars().count();
        if len < self.min_length {
            return Err(FieldError::new("password", format!("密码至少需要 {} 个字符", self.min_length)));
        }
        if len > self.max_length {
            return Err(FieldError::new("password", format!("密码不能超过 {} 个字符", self.max_length)));
        }
        if password.chars().any(char::is_control) {
            return Err(FieldError::new("password", "密码不能包含控制字符"));
        }
        let mut classes = [false; 4];
        for c in password.chars() {
            let i = if c.is_lowercase() {
                0
            } else if c.is_uppercase() {
                1
            } else if c.is_ascii_digit() {
                2
            } else {
                3
            };
            classes[i] = true;
        }
        let n = classes.iter().filter(|c| **c).count();
        if n < self.min_classes {
            return Err(FieldError::new(
                "password",
                format!("密码需包含小写字母、大写字母、数字、其他字符中的至少 {} 类", self.min_classes),
            ));
        }
        let lower = password.to_lowercase();
        if !username.is_empty() && lower.contains(&username.to_lowercase()) {
            return Err(FieldError::new("password", "密码不能包含用户名"));
        }
        if COMMON.iter().any(|c| lower.trim_end_matches(['!', '.', '#']) == *c) {
            return Err(FieldError::new("password", "该密码过于常见，请换一个"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_cases() {
        let p = PasswordPolicy::default();
        assert!(p.check("short1A!", "u").is_err());
        assert!(p.check("alllowercaseletters", "u").is_err());
        assert!(p.check("Correct-Horse-9", "u").is_ok());
        assert!(p.check("政务公开平台Abc123", "u").is_ok());
        assert!(p.check("Zhangsan-2024-x", "zhangsan").is_err());
        assert!(p.check("P@ssw0rd", "u").is_err());
        assert!(p.check(&"Aa1".repeat(50), "u").is_err());
        assert!(p.check("Line\nBreak-123", "u").is_err());
    }
}
