//! Plain text: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, else
//! GB18030 (the national standard encoding, a superset of GBK and GB2312) when the bytes decode
//! without error, else UTF-8 with replacement characters and a warning finding. Bytes that are
//! not text at all (NUL bytes, many control characters) are refused with a clear error. The
//! decoded text (at most twice the input's size) counts against the character budget.

use gongkai_domain::screen::{Finding, Kind, Severity};

use crate::{Budget, ExtractError, Extracted, Format, Limits};

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let mut budget = Budget::new(limits);
    let mut findings = Vec::new();
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
            if had_errors {
                return Err(ExtractError::Corrupt("UTF-16 文本含无效字节".into()));
            }
            budget.spend(crate::count_chars(&text))?;
            return Ok(Extracted { format: Format::Text, text: text.into_owned(), findings });
        }
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if looks_binary(body) {
        return Err(ExtractError::Unsupported("二进制数据，不是文本文件".into()));
    }
    // SIMD validation: several times faster than `std::str::from_utf8` on Chinese text.
    let text = match simdutf8::basic::from_utf8(body) {
        Ok(s) => s.to_owned(),
        Err(_) => match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(body) {
            Some(s) => {
                findings.push(Finding::note(
                    Kind::Unscreenable,
                    Severity::Info,
                    "GB18030",
                    "文本不是 UTF-8，已按 GB18030 解码",
                ));
                s.into_owned()
            }
            None => {
                findings.push(Finding::note(
                    Kind::Unscreenable,
                    Severity::Warn,
                    "无效字节",
                    "文本含无效的 UTF-8 字节，已用替换字符（�）代替，相应部分无法审查",
                ));
                String::from_utf8_lossy(body).into_owned()
            }
        },
    };
    budget.spend(crate::count_chars(&text))?;
    Ok(Extracted { format: Format::Text, text, findings })
}

/// NUL bytes, or more than 1 in 20 bytes a control character other than tab, line feed, form
/// feed, carriage return and escape.
fn looks_binary(b: &[u8]) -> bool {
    let sample = &b[..b.len().min(64 * 1024)];
    if sample.contains(&0) {
        return true;
    }
    let controls = sample.iter().filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | 0x1B)).count();
    controls * 20 > sample.len()
}
