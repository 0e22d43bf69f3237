//! Attachment text extraction for pre-publication screening (公开前审查).
//!
//! [`extract`] turns the bytes of a DOCX, XLSX, PDF or plain-text file into the text a reader
//! could see **and** the text they could uncover (tracked changes, comments, hidden text, hidden
//! sheets, rows and columns), plus findings about that hidden content and the file's metadata
//! (作者, 最后修改者, 单位, PDF Info and XMP). [`clean`] writes a copy without metadata and
//! comments, and refuses a document with tracked changes or hidden text rather than accepting them
//! silently. Images and scans are reported as [`Kind::Unscreenable`].
//!
//! Safety: the file type comes from its bytes, never from its name; archives are checked against
//! [`Limits`] from their central directory **before** anything is unpacked, and every entry is
//! read through a size-capped reader, so memory stays bounded even when the directory lies.
//! XML is parsed without DTD processing (no entity expansion, no external entities).
//! What an extraction *produces* is bounded too: every character of text is counted against
//! [`Limits::max_chars`] as it is produced (a shared string each time a cell uses it, a content
//! stream each time a page shows it), and the file is refused with [`ExtractError::TextLimit`]
//! the moment the budget is spent.
//!
//! This crate has no database, HTTP or async code: the CLI and the web layer call it.

mod docx;
mod pdf;
mod text;
mod xlsx;
mod xml;
mod zipsafe;

use gongkai_domain::screen::{Finding, Kind, Screener, Severity};

pub use zipsafe::{DEFAULT_MAX_CHARS, Limits};

/// A file type recognised from the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Docx,
    Xlsx,
    Pdf,
    /// PNG, JPEG, GIF, BMP, TIFF, WebP: cannot be screened automatically.
    Image,
}

impl Format {
    /// Stable key: `text`, `docx`, `xlsx`, `pdf`, `image`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
            Format::Image => "image",
        }
    }
}

/// Why a file could not be extracted. Each message is zh-CN and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// Larger than [`Limits::max_input`].
    #[error("文件过大：{size} 字节，上限 {limit} 字节")]
    TooLarge { size: u64, limit: u64 },
    /// The file would produce more text than [`Limits::max_chars`] (an extraction bomb, or a file
    /// too large to screen as one).
    #[error(
        "文件过大：提取出的文字超过上限 {limit} 字（screen.max_extracted_chars），疑似解压炸弹；请拆分文件后重新提交"
    )]
    TextLimit { limit: u64 },
    /// An archive whose entries would unpack beyond the limits (zip bomb).
    #[error("压缩包超出安全限制（疑似压缩炸弹）：{0}")]
    ArchiveLimit(String),
    /// Damaged or not what it claims to be.
    #[error("文件已损坏或格式无法识别：{0}")]
    Corrupt(String),
    /// Encrypted (password-protected) Office or PDF file.
    #[error("文件已加密，无法审查：请去除密码后重新提交")]
    Encrypted,
    /// A file type that cannot be screened (old binary Office formats, other archives, binary data).
    #[error("不支持的文件类型：{0}")]
    Unsupported(String),
    /// A cleaned copy was asked for a document that still has tracked changes or hidden content.
    #[error("无法生成清理后的副本：{0}")]
    Refused(String),
    /// Reading the file failed.
    #[error("读取文件失败：{0}")]
    Io(String),
}

impl ExtractError {
    /// Stable snake_case reason: `too_large` (input size or extracted text over the limit),
    /// `archive_limit`, `corrupt`, `encrypted`, `unsupported`, `refused`, `io`.
    pub fn code(&self) -> &'static str {
        match self {
            ExtractError::TooLarge { .. } | ExtractError::TextLimit { .. } => "too_large",
            ExtractError::ArchiveLimit(_) => "archive_limit",
            ExtractError::Corrupt(_) => "corrupt",
            ExtractError::Encrypted => "encrypted",
            ExtractError::Unsupported(_) => "unsupported",
            ExtractError::Refused(_) => "refused",
            ExtractError::Io(_) => "io",
        }
    }
}

/// The characters an extraction may still produce, spent as text is produced.
#[derive(Debug)]
pub(crate) struct Budget {
    left: u64,
    limit: u64,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Budget {
        Budget { left: limits.max_chars, limit: limits.max_chars }
    }

    /// Spends `n` characters, or refuses the file when fewer are left.
    pub(crate) fn spend(&mut self, n: u64) -> Result<(), ExtractError> {
        if n > self.left {
            return Err(ExtractError::TextLimit { limit: self.limit });
        }
        self.left -= n;
        Ok(())
    }

    /// Appends `s` to `out` after spending its characters.
    pub(crate) fn push(&mut self, out: &mut String, s: &str) -> Result<(), ExtractError> {
        self.spend(count_chars(s))?;
        out.push_str(s);
        Ok(())
    }

    /// Appends one character after spending it.
    pub(crate) fn push_char(&mut self, out: &mut String, c: char) -> Result<(), ExtractError> {
        self.spend(1)?;
        out.push(c);
        Ok(())
    }
}

/// Characters of a string (its UTF-8 lead bytes).
pub(crate) fn count_chars(s: &str) -> u64 {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count() as u64
}

/// The text of a file and what was found about its hidden content and metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub format: Format,
    /// Visible text, then (separated by blank lines) the text of tracked deletions, comments and
    /// hidden parts, so that the screen sees everything a reader could uncover.
    pub text: String,
    /// Hidden content, metadata and unscreenable parts; not located in `text` (`start == end == 0`).
    pub findings: Vec<Finding>,
}

/// Recognises the file type from its bytes: `%PDF-`, a ZIP with `word/document.xml` or
/// `xl/workbook.xml`, an image signature, else text.
pub fn sniff(bytes: &[u8]) -> Result<Format, ExtractError> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(Format::Pdf);
    }
    if is_image(bytes) {
        return Ok(Format::Image);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(ExtractError::Unsupported(
            "旧版 Office 文件（.doc/.xls）或已加密的 Office 文件，请另存为 .docx/.xlsx 并去除密码".into(),
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zipsafe::office_kind(bytes);
    }
    if bytes.starts_with(&[0x1F, 0x8B]) || bytes.starts_with(b"Rar!") || bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
        return Err(ExtractError::Unsupported("压缩文件，请解压后逐个提交".into()));
    }
    Ok(Format::Text)
}

fn is_image(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
        || b.starts_with(&[0xFF, 0xD8, 0xFF])
        || b.starts_with(b"GIF87a")
        || b.starts_with(b"GIF89a")
        || b.starts_with(b"BM")
        || b.starts_with(b"II*\0")
        || b.starts_with(b"MM\0*")
        || (b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP")
}

/// Extracts the text, hidden content and metadata of a file.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    check_size(bytes.len() as u64, limits)?;
    let format = sniff(bytes)?;
    match format {
        Format::Text => text::extract(bytes, limits),
        Format::Docx => docx::extract(bytes, limits),
        Format::Xlsx => xlsx::extract(bytes, limits),
        Format::Pdf => pdf::extract(bytes, limits),
        Format::Image => Ok(Extracted {
            format,
            text: String::new(),
            findings: vec![Finding::note(
                Kind::Unscreenable,
                Severity::Info,
                "图片",
                "图片或扫描件中的文字无法自动审查，请人工审查",
            )],
        }),
    }
}

/// Extracts a file and screens its text: the screen's findings (located in [`Extracted::text`])
/// followed by the extraction's own findings.
pub fn screen_file(
    bytes: &[u8],
    limits: &Limits,
    screener: &Screener,
) -> Result<(Extracted, Vec<Finding>), ExtractError> {
    let extracted = extract(bytes, limits)?;
    let mut findings = screener.screen(&extracted.text);
    findings.extend(extracted.findings.iter().cloned());
    Ok((extracted, findings))
}

/// A copy of the file without metadata and comments: DOCX/XLSX document properties blanked and
/// comments emptied, PDF Info dictionary and XMP metadata removed; plain text is returned as is.
/// Refuses (with [`ExtractError::Refused`]) a DOCX with tracked changes or hidden text and an
/// XLSX with hidden sheets, and refuses images (nothing to clean automatically).
pub fn clean(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, ExtractError> {
    check_size(bytes.len() as u64, limits)?;
    match sniff(bytes)? {
        Format::Text => Ok(bytes.to_vec()),
        Format::Docx => docx::clean(bytes, limits),
        Format::Xlsx => xlsx::clean(bytes, limits),
        Format::Pdf => pdf::clean(bytes, limits),
        Format::Image => Err(ExtractError::Refused("图片无法自动清理，请人工审查".into())),
    }
}

/// Reads a file, refusing it from its size before reading when it exceeds [`Limits::max_input`]
/// (and reading at most one byte more than the limit if it grows meanwhile).
pub fn read_file(path: &std::path::Path, limits: &Limits) -> Result<Vec<u8>, ExtractError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| ExtractError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| ExtractError::Io(e.to_string()))?;
    if meta.is_dir() {
        return Err(ExtractError::Io("这是一个目录".into()));
    }
    check_size(meta.len(), limits)?;
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(limits.max_input + 1).read_to_end(&mut buf).map_err(|e| ExtractError::Io(e.to_string()))?;
    check_size(buf.len() as u64, limits)?;
    Ok(buf)
}

fn check_size(size: u64, limits: &Limits) -> Result<(), ExtractError> {
    if size > limits.max_input { Err(ExtractError::TooLarge { size, limit: limits.max_input }) } else { Ok(()) }
}

/// A hidden-content finding.
fn hidden(severity: Severity, text: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding::note(Kind::HiddenContent, severity, text, detail)
}

/// A metadata finding.
fn metadata(text: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding::note(Kind::Metadata, Severity::Warn, text, detail)
}

/// Shortens a sample of hidden text for a finding.
fn sample(s: &str) -> String {
    let t: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 40 { format!("{}…", t.chars().take(40).collect::<String>()) } else { t }
}
