//! Validation errors that name the field and the reason.
//!
//! Every rule violation that a person can fix is a [`FieldError`]: the field's stable key (as used in
//! forms, JSON and import files) plus a zh-CN sentence. A use case collects them into [`Invalid`].

use std::fmt;

/// One violated rule on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Stable key of the field, e.g. `code`, `parent`, `password`.
    pub field: String,
    /// A zh-CN sentence saying what is wrong and, where possible, how to fix it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A non-empty list of field errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid(vec![FieldError::new(field, message)])
    }

    /// `Ok(())` when `errors` is empty, the errors otherwise.
    pub fn check(errors: Vec<FieldError>) -> Result<(), Invalid> {
        if errors.is_empty() { Ok(()) } else { Err(Invalid(errors)) }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}
