//! Reading query-string parameters (查询参数): blank values, dates and page numbers, each with an
//! error that names the parameter.

use chrono::NaiveDate;

use crate::error::{AppError, ErrorCode, FieldMessage};

/// A validation error about one parameter.
pub(crate) fn invalid(field: &str, msg: String) -> AppError {
    let mut e = AppError::new(ErrorCode::ValidationFailed, msg.clone());
    e.fields.push(FieldMessage { field: field.into(), message: msg });
    e
}

/// The trimmed value, or `None` when it is missing or blank.
pub(crate) fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A `YYYY-MM-DD` date, or `None` when blank.
pub(crate) fn date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    match blank(v) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid(field, format!("日期“{s}”无效，应为 YYYY-MM-DD"))),
    }
}

/// A whole number from 1 to `max`, or `default` when blank.
pub(crate) fn number(field: &str, v: &Option<String>, default: i64, max: i64) -> Result<i64, AppError> {
    match blank(v) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| invalid(field, format!("“{s}”无效，应为 1–{max} 的整数"))),
    }
}
