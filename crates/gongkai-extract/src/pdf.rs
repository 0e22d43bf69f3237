//! PDF: text of every page (through `lopdf`, which maps CID fonts with ToUnicode maps), the Info
//! dictionary and XMP metadata as findings, pages without text as unscreenable (scans), and a
//! cleaned copy without Info and XMP.
//!
//! The text of every page counts against the character budget, page by page, so one content
//! stream shown by many pages is counted each time.
//!
//! Before `lopdf` loads the file (it decodes object streams eagerly), every Flate stream is
//! inflated into a small reused buffer and the total is checked against [`Limits`], so a
//! decompression bomb is refused with bounded memory.

use std::io::Read;

use gongkai_domain::screen::{Finding, Kind, Severity};
use lopdf::{Document, LoadOptions, Object};

use crate::{Budget, ExtractError, Extracted, Format, Limits, metadata};

/// Inflates every `stream … endstream` that starts like zlib data, counting the output.
fn check_streams(bytes: &[u8], limits: &Limits) -> Result<(), ExtractError> {
    let finder = memchr_stream();
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = 0;
    while let Some(i) = find(&bytes[pos..], finder) {
        let mut start = pos + i + finder.len();
        if bytes.get(start) == Some(&b'\r') {
            start += 1;
        }
        if bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        pos = start;
        let data = &bytes[start..];
        // zlib header: CMF 0x78 and a header checksum divisible by 31.
        if data.len() < 2 || data[0] != 0x78 || (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 != 0 {
            continue;
        }
        let end = find(data, b"endstream").unwrap_or(data.len());
        let packed = end.max(1) as u64;
        let mut dec = flate2::read::ZlibDecoder::new(&data[..end]);
        let mut size = 0u64;
        loop {
            match dec.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    size += n as u64;
                    total += n as u64;
                    if size > limits.max_entry || total > limits.max_total {
                        return Err(ExtractError::ArchiveLimit(format!(
                            "PDF 数据流解压后超过上限（单个 {} 字节，合计 {} 字节）",
                            limits.max_entry, limits.max_total
                        )));
                    }
                    if size > 1024 * 1024 && size / packed > limits.max_ratio {
                        return Err(ExtractError::ArchiveLimit(format!("PDF 数据流压缩比超过 {}:1", limits.max_ratio)));
                    }
                }
            }
        }
        pos = start + end;
    }
    Ok(())
}

fn memchr_stream() -> &'static [u8] {
    b"stream"
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn load(bytes: &[u8], limits: &Limits) -> Result<Document, ExtractError> {
    check_streams(bytes, limits)?;
    let options = LoadOptions { max_decompressed_size: Some(limits.max_entry as usize), ..LoadOptions::default() };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => ExtractError::Encrypted,
        other => ExtractError::Corrupt(format!("PDF 无法解析：{other}")),
    })?;
    if doc.is_encrypted() {
        return Err(ExtractError::Encrypted);
    }
    Ok(doc)
}

fn pdf_string(o: &Object) -> Option<String> {
    match o {
        Object::String(bytes, _) => {
            let s = if bytes.starts_with(&[0xFE, 0xFF]) {
                let units: Vec<u16> =
                    bytes[2..].chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
                String::from_utf16_lossy(&units)
            } else {
                String::from_utf8(bytes.clone()).unwrap_or_else(|_| bytes.iter().map(|&b| b as char).collect())
            };
            Some(s)
        }
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let doc = load(bytes, limits)?;
    let mut findings = Vec::new();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let mut text = String::new();
    let mut empty_pages = 0;
    let mut budget = Budget::new(limits);
    for &p in &pages {
        // Each page decodes its content streams afresh, so a stream shared by many pages is
        // counted once per page. The page's decoded content is capped at `max_entry`.
        let t = match doc.extract_text_with_limit(&[p], limits.max_entry as usize) {
            Ok(t) => t,
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
                return Err(ExtractError::ArchiveLimit(format!(
                    "PDF 第 {p} 页的内容解压后超过 {} 字节",
                    limits.max_entry
                )));
            }
            Err(_) => String::new(),
        };
        if t.trim().is_empty() {
            empty_pages += 1;
        }
        budget.push(&mut text, &t)?;
        budget.push_char(&mut text, '\n')?;
    }
    if empty_pages > 0 {
        findings.push(Finding::note(
            Kind::Unscreenable,
            Severity::Info,
            format!("无文字页 {empty_pages} 页（共 {} 页）", pages.len()),
            "这些页面没有可提取的文字（可能是扫描件或图片），无法自动审查，请人工审查",
        ));
    }
    // Info dictionary.
    const LABELS: &[(&[u8], &str)] = &[
        (b"Author", "作者"),
        (b"Creator", "创建程序"),
        (b"Producer", "生成程序"),
        (b"Title", "标题"),
        (b"Subject", "主题"),
        (b"Keywords", "关键词"),
    ];
    if let Ok(info) = doc.trailer.get(b"Info").and_then(|o| doc.dereference(o)).and_then(|(_, o)| o.as_dict()) {
        for (key, label) in LABELS {
            if let Some(v) = info.get(key).ok().and_then(pdf_string) {
                if !v.trim().is_empty() {
                    findings.push(metadata(format!("{label}：{}", v.trim()), "PDF 文档信息（Info）"));
                }
            }
        }
    }
    if catalog_metadata(&doc) {
        findings.push(metadata("XMP 元数据", "PDF 含 XMP 元数据（可能含作者、编辑软件和修改历史）"));
    }
    Ok(Extracted { format: Format::Pdf, text, findings })
}

fn catalog_metadata(doc: &Document) -> bool {
    doc.catalog().map(|c| c.has(b"Metadata")).unwrap_or(false)
}

pub(crate) fn clean(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, ExtractError> {
    let mut doc = load(bytes, limits)?;
    if let Ok(Object::Reference(id)) = doc.trailer.get(b"Info") {
        let id = *id;
        doc.objects.remove(&id);
    }
    doc.trailer.remove(b"Info");
    if let Ok(catalog) = doc.catalog_mut() {
        if let Ok(Object::Reference(id)) = catalog.get(b"Metadata") {
            let id = *id;
            catalog.remove(b"Metadata");
            doc.objects.remove(&id);
        } else {
            catalog.remove(b"Metadata");
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| ExtractError::Corrupt(format!("PDF 无法写出：{e}")))?;
    Ok(out)
}
