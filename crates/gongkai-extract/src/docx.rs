//! Word documents (.docx): body, headers, footers, notes and comments as text; tracked changes
//! (`w:ins`, `w:del`, moves, formatting changes), hidden text (`w:vanish`), comments, images and
//! embedded objects, and document properties reported as findings; a cleaned copy.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};

use gongkai_domain::screen::{Finding, Kind, Severity};
use quick_xml::Reader;
use quick_xml::events::Event;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::xml::{self, attr, event_text, local};
use crate::zipsafe::SafeZip;
use crate::{Budget, ExtractError, Extracted, Format, Limits, hidden, metadata, sample};

/// What one walk over WordprocessingML found.
#[derive(Default)]
struct Walk {
    text: String,
    deleted: String,
    hidden_text: String,
    insertions: usize,
    deletions: usize,
    format_changes: usize,
    hidden_runs: usize,
    comment_refs: usize,
    images: usize,
    objects: usize,
    authors: BTreeSet<String>,
}

fn walk(xml: &str, part: &str, w: &mut Walk, budget: &mut Budget) -> Result<(), ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut in_del = 0usize;
    let mut in_change = 0usize;
    let mut in_rpr = false;
    let mut in_run = false;
    let mut run_hidden = false;
    let mut in_t = false;
    loop {
        let ev = reader.read_event().map_err(|e| xml::err(part, e))?;
        match &ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                match local(e.name().as_ref().as_bytes()) {
                    b"r" if !empty => {
                        in_run = true;
                        run_hidden = false;
                    }
                    b"rPr" if !empty => in_rpr = true,
                    b"rPrChange" | b"pPrChange" | b"sectPrChange" | b"tblPrChange" | b"trPrChange" | b"tcPrChange"
                    | b"numberingChange" => {
                        w.format_changes += 1;
                        w.authors.extend(attr(e, b"author"));
                        if !empty {
                            in_change += 1;
                        }
                    }
                    b"vanish" | b"specVanish" if in_rpr && in_change == 0 && in_run => {
                        let off = attr(e, b"val").is_some_and(|v| matches!(v.as_str(), "0" | "false" | "off"));
                        if !off {
                            run_hidden = true;
                            w.hidden_runs += 1;
                        }
                    }
                    b"ins" | b"moveTo" => {
                        w.insertions += 1;
                        w.authors.extend(attr(e, b"author"));
                    }
                    b"del" | b"moveFrom" => {
                        w.deletions += 1;
                        w.authors.extend(attr(e, b"author"));
                        if !empty {
                            in_del += 1;
                        }
                    }
                    b"t" | b"delText" if !empty => in_t = true,
                    b"tab" if in_run && empty => budget.push_char(&mut w.text, '\t')?,
                    b"br" | b"cr" if in_run => budget.push_char(&mut w.text, '\n')?,
                    b"commentReference" => w.comment_refs += 1,
                    b"drawing" | b"pict" if !empty => w.images += 1,
                    b"object" if !empty => w.objects += 1,
                    _ => {}
                }
            }
            Event::End(e) => match local(e.name().as_ref().as_bytes()) {
                b"r" => {
                    in_run = false;
                    run_hidden = false;
                }
                b"rPr" => in_rpr = false,
                b"rPrChange" | b"pPrChange" | b"sectPrChange" | b"tblPrChange" | b"trPrChange" | b"tcPrChange"
                | b"numberingChange" => in_change = in_change.saturating_sub(1),
                b"del" | b"moveFrom" => in_del = in_del.saturating_sub(1),
                b"t" | b"delText" => in_t = false,
                b"p" => {
                    budget.push_char(&mut w.text, '\n')?;
                    if in_del > 0 {
                        budget.push_char(&mut w.deleted, '\n')?;
                    }
                }
                b"tc" => budget.push_char(&mut w.text, '\t')?,
                _ => {}
            },
            other => {
                if in_t {
                    if let Some(t) = event_text(other) {
                        let out = if in_del > 0 {
                            &mut w.deleted
                        } else if run_hidden {
                            &mut w.hidden_text
                        } else {
                            &mut w.text
                        };
                        budget.push(out, &t)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Parts whose text a reader can see, in reading order.
fn text_parts(names: &[String]) -> Vec<String> {
    let mut parts = vec!["word/document.xml".to_owned()];
    let mut extra: Vec<String> = names
        .iter()
        .filter(|n| {
            let n = n.as_str();
            (n.starts_with("word/header") || n.starts_with("word/footer")) && n.ends_with(".xml")
                || n == "word/footnotes.xml"
                || n == "word/endnotes.xml"
        })
        .cloned()
        .collect();
    extra.sort();
    parts.extend(extra);
    parts
}

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let mut zip = SafeZip::open(bytes, limits)?;
    let names = zip.names();
    let mut w = Walk::default();
    let mut budget = Budget::new(limits);
    for part in text_parts(&names) {
        if let Some(xml) = zip.read_text(&part)? {
            walk(&xml, &part, &mut w, &mut budget)?;
        }
    }
    let mut findings = Vec::new();
    let mut text = std::mem::take(&mut w.text);
    let authors = if w.authors.is_empty() {
        String::new()
    } else {
        format!("（修订者：{}）", w.authors.iter().cloned().collect::<Vec<_>>().join("、"))
    };
    if w.insertions + w.deletions > 0 {
        findings.push(hidden(
            Severity::Block,
            format!("修订：插入 {} 处，删除 {} 处", w.insertions, w.deletions),
            format!("文档含未接受的修订{authors}，删除的文字仍在文件中；请接受或拒绝全部修订后再发布"),
        ));
    }
    if w.format_changes > 0 {
        findings.push(hidden(
            Severity::Warn,
            format!("格式修订 {} 处", w.format_changes),
            format!("文档含未接受的格式修订{authors}"),
        ));
    }
    if w.hidden_runs > 0 {
        findings.push(hidden(
            Severity::Block,
            format!("隐藏文字 {} 处：{}", w.hidden_runs, sample(&w.hidden_text)),
            "文档含设置为隐藏的文字，打印和阅读时看不到，但文件中仍然存在",
        ));
    }
    // Comments.
    if let Some(xml) = zip.read_text("word/comments.xml")? {
        let mut c = Walk::default();
        walk(&xml, "word/comments.xml", &mut c, &mut budget)?;
        let count = count_elements(&xml, "word/comments.xml", b"comment")?;
        let comment_authors = authors_of(&xml, "word/comments.xml", b"comment")?;
        if count > 0 {
            let who =
                if comment_authors.is_empty() { String::new() } else { format!("（批注人：{comment_authors}）") };
            findings.push(hidden(
                Severity::Block,
                format!("批注 {count} 条：{}", sample(&c.text)),
                format!("文档含批注{who}，发布前应删除"),
            ));
            push_section(&mut text, &c.text);
        }
    }
    push_section(&mut text, &w.deleted);
    push_section(&mut text, &w.hidden_text);
    if w.images > 0 {
        findings.push(Finding::note(
            Kind::Unscreenable,
            Severity::Info,
            format!("图片 {} 张", w.images),
            "图片中的文字无法自动审查，请人工查看",
        ));
    }
    let embedded = names.iter().filter(|n| n.starts_with("word/embeddings/")).count();
    if embedded > 0 || w.objects > 0 {
        findings.push(Finding::note(
            Kind::Unscreenable,
            Severity::Warn,
            format!("嵌入对象 {} 个", embedded.max(w.objects)),
            "文档嵌入了其他文件（如表格、演示文稿），其内容无法自动审查",
        ));
    }
    findings.extend(doc_properties(&mut zip)?);
    Ok(Extracted { format: Format::Docx, text, findings })
}

fn push_section(text: &mut String, section: &str) {
    if !section.trim().is_empty() {
        text.push_str("\n\n");
        text.push_str(section);
    }
}

pub(crate) fn count_elements(xml: &str, part: &str, name: &[u8]) -> Result<usize, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut n = 0;
    loop {
        match reader.read_event().map_err(|e| xml::err(part, e))? {
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref().as_bytes()) == name => n += 1,
            Event::Eof => return Ok(n),
            _ => {}
        }
    }
}

fn authors_of(xml: &str, part: &str, name: &[u8]) -> Result<String, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut set = BTreeSet::new();
    loop {
        match reader.read_event().map_err(|e| xml::err(part, e))? {
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref().as_bytes()) == name => {
                set.extend(attr(&e, b"author"));
            }
            Event::Eof => return Ok(set.into_iter().collect::<Vec<_>>().join("、")),
            _ => {}
        }
    }
}

/// Document properties (docProps/core.xml, app.xml, custom.xml) worth a reviewer's eye.
pub(crate) fn doc_properties(zip: &mut SafeZip<'_>) -> Result<Vec<Finding>, ExtractError> {
    let mut findings = Vec::new();
    const CORE: &[(&str, &str)] = &[
        ("creator", "作者"),
        ("lastModifiedBy", "最后修改者"),
        ("title", "标题"),
        ("subject", "主题"),
        ("keywords", "关键词"),
        ("description", "备注"),
        ("category", "类别"),
    ];
    const APP: &[(&str, &str)] = &[("Company", "单位"), ("Manager", "经理")];
    for (part, wanted) in [("docProps/core.xml", CORE), ("docProps/app.xml", APP)] {
        if let Some(xml) = zip.read_text(part)? {
            for (name, value) in xml::properties(&xml, part)? {
                if let Some((_, label)) = wanted.iter().find(|(n, _)| *n == name) {
                    findings.push(metadata(format!("{label}：{value}"), format!("文件属性（{part}）含{label}信息")));
                }
            }
        }
    }
    if let Some(xml) = zip.read_text("docProps/custom.xml")? {
        for (name, value) in xml::properties(&xml, "docProps/custom.xml")? {
            findings.push(metadata(format!("{name}：{value}"), "文件含自定义属性"));
        }
    }
    Ok(findings)
}

/// Parts emptied in a cleaned copy: properties, comments and the lists of people behind them.
pub(crate) const EMPTIED: &[&str] = &[
    "docProps/core.xml",
    "docProps/app.xml",
    "docProps/custom.xml",
    "word/comments.xml",
    "word/commentsExtended.xml",
    "word/commentsIds.xml",
    "word/commentsExtensible.xml",
    "word/people.xml",
];

pub(crate) fn clean(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, ExtractError> {
    let extracted = extract(bytes, limits)?;
    if let Some(f) = extracted.findings.iter().find(|f| f.kind == Kind::HiddenContent && !f.text.starts_with("批注"))
    {
        return Err(ExtractError::Refused(format!(
            "{}。请在 Word 中处理（接受或拒绝全部修订、删除隐藏文字）后重新提交",
            f.text
        )));
    }
    let mut zip = SafeZip::open(bytes, limits)?;
    let names = zip.names();
    let body_parts = text_parts(&names);
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for name in &names {
        let replacement = if EMPTIED.contains(&name.as_str()) {
            match zip.read_text(name)? {
                Some(xml) => Some(xml::empty_root(&xml, name)?),
                None => None,
            }
        } else if body_parts.contains(name) {
            match zip.read_text(name)? {
                Some(xml) => Some(xml::drop_elements(
                    &xml,
                    name,
                    &[b"commentRangeStart", b"commentRangeEnd", b"commentReference"],
                )?),
                None => None,
            }
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
