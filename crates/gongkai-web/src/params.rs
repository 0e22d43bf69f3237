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

/// `next` (or any other return path) as a same-site path, else `fallback`.
///
/// Accepted: one leading `/` followed by anything but `/` or `\`, no `\` anywhere, no control or
/// space characters, no scheme — checked on the value and on every further percent-decoding of it,
/// since browsers drop tabs and newlines and read `\` as `/` (`/%09/evil.example` is
/// `//evil.example` to them).
pub(crate) fn same_site_path(next: Option<&str>, fallback: &str) -> String {
    fn plain(s: &str) -> bool {
        let b = s.as_bytes();
        b.first() == Some(&b'/')
            && !matches!(b.get(1), Some(b'/' | b'\\'))
            && !s.contains('\\')
            && !s.contains("://")
            && !s.chars().any(|c| c.is_control() || c.is_whitespace())
    }
    let Some(n) = next else {
        return fallback.to_owned();
    };
    let mut layer = n.to_owned();
    for _ in 0..4 {
        if !plain(&layer) {
            return fallback.to_owned();
        }
        match percent_decoded(&layer) {
            Some(d) if d == layer => return n.to_owned(),
            Some(d) => layer = d,
            None => return fallback.to_owned(),
        }
    }
    // Encoded four times over: nobody needs that.
    fallback.to_owned()
}

/// `%XX` sequences decoded (lossy UTF-8); `None` when the result is not UTF-8.
fn percent_decoded(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::same_site_path;

    #[test]
    fn only_same_site_paths_are_return_targets() {
        for ok in ["/admin/", "/doc/3?x=1#第十二条", "/search?q=a+b", "/a/%2Fb"] {
            assert_eq!(same_site_path(Some(ok), "/"), ok, "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2509/evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "\\\\evil.example",
            "https://evil.example",
            "evil.example",
            "/%0d%0aSet-Cookie:x",
            "/ /evil",
            "/search?q=a%20b",
            "/%2F/evil.example",
            "",
        ] {
            assert_eq!(same_site_path(Some(bad), "/"), "/", "{bad:?}");
        }
        assert_eq!(same_site_path(None, "/admin/"), "/admin/");
    }
}
