//! Excel workbooks (.xlsx): every sheet's cells as text (shared and inline strings, numbers),
//! hidden and very hidden sheets, hidden rows and columns, comments and document properties as
//! findings; a cleaned copy.

use std::collections::HashMap;
use std::io::{Cursor, Write};

use gongkai_domain::screen::{Finding, Kind, Severity};
use quick_xml::Reader;
use quick_xml::events::Event;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::docx::{count_elements, doc_properties};
use crate::xml::{self, attr, event_text, local};
use crate::zipsafe::SafeZip;
use crate::{Budget, ExtractError, Extracted, Format, Limits, hidden, sample};

struct Sheet {
    name: String,
    state: String,
    path: String,
}

/// Sheets of the workbook in order, with their state and part path.
fn sheets(zip: &mut SafeZip<'_>) -> Result<Vec<Sheet>, ExtractError> {
    let rels_xml = zip.read_text("xl/_rels/workbook.xml.rels")?.unwrap_or_default();
    let mut targets = HashMap::new();
    let mut reader = Reader::from_str(&rels_xml);
    loop {
        match reader.read_event().map_err(|e| xml::err("xl/_rels/workbook.xml.rels", e))? {
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref().as_bytes()) == b"Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, b"Id"), attr(&e, b"Target")) {
                    let path = match target.strip_prefix('/') {
                        Some(abs) => abs.to_owned(),
                        None => format!("xl/{target}"),
                    };
                    targets.insert(id, path);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let wb = zip.read_text("xl/workbook.xml")?.unwrap_or_default();
    let mut reader = Reader::from_str(&wb);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(|e| xml::err("xl/workbook.xml", e))? {
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref().as_bytes()) == b"sheet" => {
                let name = attr(&e, b"name").unwrap_or_default();
                let state = attr(&e, b"state").unwrap_or_else(|| "visible".into());
                let path = attr(&e, b"id").and_then(|id| targets.get(&id).cloned()).unwrap_or_default();
                out.push(Sheet { name, state, path });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn shared_strings(zip: &mut SafeZip<'_>) -> Result<Vec<String>, ExtractError> {
    let Some(xml) = zip.read_text("xl/sharedStrings.xml")? else { return Ok(Vec::new()) };
    let mut reader = Reader::from_str(&xml);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_t = false;
    let mut in_phonetic = false;
    loop {
        let ev = reader.read_event().map_err(|e| xml::err("xl/sharedStrings.xml", e))?;
        match &ev {
            Event::Start(e) => match local(e.name().as_ref().as_bytes()) {
                b"si" => cur.clear(),
                b"t" => in_t = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if local(e.name().as_ref().as_bytes()) == b"si" => out.push(String::new()),
            Event::End(e) => match local(e.name().as_ref().as_bytes()) {
                b"si" => out.push(std::mem::take(&mut cur)),
                b"t" => in_t = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Eof => break,
            other => {
                if in_t && !in_phonetic {
                    if let Some(t) = event_text(other) {
                        cur.push_str(&t);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A number as a person would read it: `1.3812345678E10` → `13812345678`.
fn number_text(v: &str) -> String {
    if v.contains(['E', 'e']) {
        if let Ok(f) = v.parse::<f64>() {
            if f.fract() == 0.0 && f.abs() < 1e16 {
                return format!("{f:.0}");
            }
        }
    }
    v.to_owned()
}

#[derive(Default)]
struct SheetScan {
    text: String,
    hidden_rows: usize,
    hidden_cols: usize,
}

fn scan_sheet(xml: &str, part: &str, strings: &[String], budget: &mut Budget) -> Result<SheetScan, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut s = SheetScan::default();
    let mut cell_type = String::new();
    let mut in_value = false;
    let mut value = String::new();
    let mut first_in_row = true;
    loop {
        let ev = reader.read_event().map_err(|e| xml::err(part, e))?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                match local(e.name().as_ref().as_bytes()) {
                    b"row" => {
                        if attr(e, b"hidden").is_some_and(|v| v == "1" || v == "true") {
                            s.hidden_rows += 1;
                        }
                        first_in_row = true;
                    }
                    b"col" if attr(e, b"hidden").is_some_and(|v| v == "1" || v == "true") => {
                        let min: usize = attr(e, b"min").and_then(|v| v.parse().ok()).unwrap_or(1);
                        let max: usize = attr(e, b"max").and_then(|v| v.parse().ok()).unwrap_or(min);
                        s.hidden_cols += max.saturating_sub(min) + 1;
                    }
                    b"c" if !empty => {
                        cell_type = attr(e, b"t").unwrap_or_default();
                        value.clear();
                    }
                    b"v" | b"t" if !empty => in_value = true,
                    _ => {}
                }
            }
            Event::End(e) => match local(e.name().as_ref().as_bytes()) {
                b"v" | b"t" => in_value = false,
                b"c" => {
                    // A shared string is counted each time a cell uses it, before it is copied.
                    let number;
                    let cell: &str = match cell_type.as_str() {
                        "s" => {
                            value.trim().parse::<usize>().ok().and_then(|i| strings.get(i)).map_or("", String::as_str)
                        }
                        "n" | "" => {
                            number = number_text(value.trim());
                            &number
                        }
                        _ => &value,
                    };
                    if !cell.is_empty() {
                        if !first_in_row {
                            budget.push_char(&mut s.text, '\t')?;
                        }
                        budget.push(&mut s.text, cell)?;
                        first_in_row = false;
                    }
                }
                b"row" if !first_in_row => budget.push_char(&mut s.text, '\n')?,
                _ => {}
            },
            Event::Eof => break,
            other => {
                if in_value {
                    if let Some(t) = event_text(other) {
                        value.push_str(&t);
                    }
                }
            }
        }
    }
    Ok(s)
}

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let mut zip = SafeZip::open(bytes, limits)?;
    let names = zip.names();
    let strings = shared_strings(&mut zip)?;
    let mut budget = Budget::new(limits);
    let mut text = String::new();
    let mut findings = Vec::new();
    for sheet in sheets(&mut zip)? {
        let Some(xml) = zip.read_text(&sheet.path)? else { continue };
        let scan = scan_sheet(&xml, &sheet.path, &strings, &mut budget)?;
        budget.push(&mut text, &format!("【{}】\n", sheet.name))?;
        text.push_str(&scan.text);
        text.push('\n');
        if sheet.state != "visible" {
            let how = if sheet.state == "veryHidden" { "深度隐藏（只能用宏显示）" } else { "隐藏" };
            findings.push(hidden(
                Severity::Block,
                format!("隐藏工作表：{}", sheet.name),
                format!("工作表“{}”被{how}，其内容会随文件一起公开：{}", sheet.name, sample(&scan.text)),
            ));
        }
        if scan.hidden_rows > 0 || scan.hidden_cols > 0 {
            findings.push(hidden(
                Severity::Warn,
                format!("工作表“{}”隐藏行 {} 行、隐藏列 {} 列", sheet.name, scan.hidden_rows, scan.hidden_cols),
                "隐藏的行和列会随文件一起公开，其内容已一并审查",
            ));
        }
    }
    // Comments (legacy notes) and threaded comments.
    let mut comment_parts: Vec<&String> =
        names.iter().filter(|n| n.starts_with("xl/comments") || n.starts_with("xl/threadedComments/")).collect();
    comment_parts.sort();
    let mut comments = 0;
    let mut comment_text = String::new();
    for part in comment_parts {
        if let Some(xml) = zip.read_text(part)? {
            let element: &[u8] = if part.starts_with("xl/threadedComments/") { b"threadedComment" } else { b"comment" };
            comments += count_elements(&xml, part, element)?;
            budget.push(&mut comment_text, &all_text(&xml, part)?)?;
            comment_text.push('\n');
        }
    }
    if comments > 0 {
        findings.push(hidden(
            Severity::Block,
            format!("批注 {comments} 条：{}", sample(&comment_text)),
            "工作簿含批注，发布前应删除",
        ));
        text.push('\n');
        text.push_str(&comment_text);
    }
    if names.iter().any(|n| n.starts_with("xl/media/")) {
        findings.push(Finding::note(
            Kind::Unscreenable,
            Severity::Info,
            "图片",
            "图片中的文字无法自动审查，请人工查看",
        ));
    }
    if names.iter().any(|n| n.starts_with("xl/embeddings/")) {
        findings.push(Finding::note(
            Kind::Unscreenable,
            Severity::Warn,
            "嵌入对象",
            "工作簿嵌入了其他文件，其内容无法自动审查",
        ));
    }
    findings.extend(doc_properties(&mut zip)?);
    Ok(Extracted { format: Format::Xlsx, text, findings })
}

/// All character data of a part, elements separated by nothing, paragraphs by newlines.
fn all_text(xml: &str, part: &str) -> Result<String, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    loop {
        let ev = reader.read_event().map_err(|e| xml::err(part, e))?;
        match &ev {
            Event::Eof => return Ok(out),
            Event::End(e) if matches!(local(e.name().as_ref().as_bytes()), b"comment" | b"threadedComment") => {
                out.push('\n')
            }
            other => {
                if let Some(t) = event_text(other) {
                    out.push_str(&t);
                }
            }
        }
    }
}

pub(crate) fn clean(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, ExtractError> {
    let extracted = extract(bytes, limits)?;
    if let Some(f) = extracted.findings.iter().find(|f| f.text.starts_with("隐藏工作表")) {
        return Err(ExtractError::Refused(format!("{}。请删除或取消隐藏该工作表后重新提交", f.text)));
    }
    let mut zip = SafeZip::open(bytes, limits)?;
    let names = zip.names();
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for name in &names {
        let replacement: Option<Vec<u8>> = if name.starts_with("docProps/") && name.ends_with(".xml") {
            zip.read_text(name)?.map(|xml| xml::empty_root(&xml, name)).transpose()?
        } else if name.starts_with("xl/comments") && name.ends_with(".xml") {
            let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
            Some(
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<comments xmlns=\"{ns}\"><authors/><commentList/></comments>"
                )
                .into_bytes(),
            )
        } else if name.starts_with("xl/threadedComments/") || name.starts_with("xl/persons/") {
            zip.read_text(name)?.map(|xml| xml::empty_root(&xml, name)).transpose()?
        } else {
            None
        };
        match replacement {
            Some(data) => {
                out.start_file(name.as_str(), options).map_err(|e| ExtractError::Corrupt(e.to_string()))?;
                out.write_all(&data).map_err(|e| ExtractError::Io(e.to_string()))?;
            }
            None => {
                let entry =
                    zip.archive().by_name_raw(name.as_bytes()).map_err(|e| ExtractError::Corrupt(e.to_string()))?;
                out.raw_copy_file(entry).map_err(|e| ExtractError::Corrupt(e.to_string()))?;
            }
        }
    }
    let cursor = out.finish().map_err(|e| ExtractError::Corrupt(e.to_string()))?;
    Ok(cursor.into_inner())
}
