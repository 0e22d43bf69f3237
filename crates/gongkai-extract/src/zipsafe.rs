//! ZIP containers (DOCX, XLSX) opened within [`Limits`]: the central directory is checked before
//! any entry is unpacked, and entries are read through a reader capped at the limits, because the
//! sizes a directory declares can lie.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::{ExtractError, Format};

/// Limits on input, unpacked sizes and extracted text. The defaults suit government attachments:
/// 50 MiB in, 200 MiB unpacked in total, 64 MiB per entry, 5,000 entries, a compression ratio of
/// 200 (checked for entries larger than 1 MiB unpacked; small XML parts compress well), and
/// 10 million extracted characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file, bytes.
    pub max_input: u64,
    /// Largest total unpacked size of the entries read, bytes.
    pub max_total: u64,
    /// Largest unpacked size of one entry, bytes.
    pub max_entry: u64,
    /// Most entries in an archive.
    pub max_entries: usize,
    /// Largest ratio of unpacked to packed size of one entry above 1 MiB.
    pub max_ratio: u64,
    /// Most characters one extraction may produce (`screen.max_extracted_chars`), counted as the
    /// text is produced: a shared string each time a cell uses it, a PDF content stream each time
    /// a page shows it. Bounds the output where the unpacking limits cannot (a 1 MiB string used
    /// by 45,000 cells unpacks to little and extracts to 45 GB).
    pub max_chars: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input: 50 * 1024 * 1024,
            max_total: 200 * 1024 * 1024,
            max_entry: 64 * 1024 * 1024,
            max_entries: 5_000,
            max_ratio: 200,
            max_chars: DEFAULT_MAX_CHARS,
        }
    }
}

/// The default of [`Limits::max_chars`]: 10 million characters (about 5,000 pages of Chinese
/// text; at most 40 MB of UTF-8).
pub const DEFAULT_MAX_CHARS: u64 = 10_000_000;

/// Entries above this unpacked size are checked against [`Limits::max_ratio`].
const RATIO_FLOOR: u64 = 1024 * 1024;

/// An archive that passed the directory checks; tracks how much has been unpacked.
pub(crate) struct SafeZip<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    limits: Limits,
    unpacked: u64,
}

fn corrupt(e: zip::result::ZipError) -> ExtractError {
    match e {
        zip::result::ZipError::UnsupportedArchive(m) if m.contains("ncrypt") || m.contains("assword") => {
            ExtractError::Encrypted
        }
        other => ExtractError::Corrupt(format!("ZIP 结构错误：{other}")),
    }
}

impl<'a> SafeZip<'a> {
    /// Opens the archive and checks entry count, declared sizes and ratios before unpacking.
    pub(crate) fn open(bytes: &'a [u8], limits: &Limits) -> Result<SafeZip<'a>, ExtractError> {
        let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
        if archive.len() > limits.max_entries {
            return Err(ExtractError::ArchiveLimit(format!(
                "条目 {} 个，上限 {} 个",
                archive.len(),
                limits.max_entries
            )));
        }
        let mut total = 0u64;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(corrupt)?;
            let (size, packed) = (entry.size(), entry.compressed_size());
            let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            if entry.encrypted() {
                return Err(ExtractError::Encrypted);
            }
            if size > limits.max_entry {
                return Err(ExtractError::ArchiveLimit(format!(
                    "条目 {} 解压后 {size} 字节，单个条目上限 {} 字节",
                    name, limits.max_entry
                )));
            }
            if size > RATIO_FLOOR && size / packed.max(1) > limits.max_ratio {
                return Err(ExtractError::ArchiveLimit(format!(
                    "条目 {} 压缩比 {}:1，上限 {}:1",
                    name,
                    size / packed.max(1),
                    limits.max_ratio
                )));
            }
            total = total.saturating_add(size);
        }
        if total > limits.max_total {
            return Err(ExtractError::ArchiveLimit(format!("解压后共 {total} 字节，上限 {} 字节", limits.max_total)));
        }
        Ok(SafeZip { archive, limits: *limits, unpacked: 0 })
    }

    /// Names of all entries.
    pub(crate) fn names(&self) -> Vec<String> {
        self.archive.file_names_raw().map(|n| String::from_utf8_lossy(n).into_owned()).collect()
    }

    /// Reads an entry (or `None` if absent) through a capped reader.
    pub(crate) fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ExtractError> {
        let Some(index) = self.archive.index_for_name(name) else { return Ok(None) };
        let entry = self.archive.by_index(index).map_err(corrupt)?;
        let remaining_total = self.limits.max_total.saturating_sub(self.unpacked);
        let cap = self.limits.max_entry.min(remaining_total);
        let declared = entry.size();
        let mut buf = Vec::with_capacity(declared.min(cap) as usize);
        entry
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ExtractError::Corrupt(format!("条目 {name} 无法解压：{e}")))?;
        if buf.len() as u64 > cap {
            return Err(ExtractError::ArchiveLimit(format!("条目 {name} 实际解压大小超过上限（目录中的大小不实）")));
        }
        self.unpacked += buf.len() as u64;
        Ok(Some(buf))
    }

    /// Reads an entry as UTF-8 text.
    pub(crate) fn read_text(&mut self, name: &str) -> Result<Option<String>, ExtractError> {
        match self.read(name)? {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| ExtractError::Corrupt(format!("条目 {name} 不是 UTF-8 编码的 XML"))),
        }
    }

    /// The underlying archive, for raw copies when writing a cleaned file.
    pub(crate) fn archive(&mut self) -> &mut ZipArchive<Cursor<&'a [u8]>> {
        &mut self.archive
    }
}

/// DOCX or XLSX from the central directory alone.
pub(crate) fn office_kind(bytes: &[u8]) -> Result<Format, ExtractError> {
    let archive = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if archive.index_for_name("word/document.xml").is_some() {
        Ok(Format::Docx)
    } else if archive.index_for_name("xl/workbook.xml").is_some() {
        Ok(Format::Xlsx)
    } else {
        Err(ExtractError::Unsupported("ZIP 文件不是 Word（.docx）或 Excel（.xlsx）文档".into()))
    }
}
