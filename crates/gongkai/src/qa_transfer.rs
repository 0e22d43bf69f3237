//! `gongkai export qa --format jsonl|csv|xlsx [--since DATE]` (the 12345 hotline knowledge-base
//! export) and `gongkai import qa FILE` (Q&A items from JSON Lines, all or nothing, idempotent on
//! `id`). The field mapping is documented in `docs/12345-export.md`.
//!
//! Every exported row carries a stable id (`gk-qa-<n>`, never reused), `op` (`upsert` for an item
//! the hotline should answer with, `delete` for one it must drop: withdrawn, expired, superseded
//! or stale) and `updated_at`; `--since` gives the items changed since that date, withdrawals
//! included.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail};
use chrono::NaiveDate;
use gongkai_service::domain::qa::{QaFields, QaSourceRef, parse_source};
use gongkai_service::{Ctx, QaImportOutcome, QaInput, Service, ServiceError};
use gongkai_web::qa::{QA_COLUMNS, QaOut, qa_row};
use serde::Deserialize;

use crate::cli::ExportFormat;
use crate::transfer::{ImportCounts, Item, LineError, Sink, check_export_args, open_input, progress_bar, spawn_reader};

/// Neutralises a cell a spreadsheet would run as a formula.
fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() }
}

async fn rows(svc: &Service, since: Option<NaiveDate>) -> anyhow::Result<Vec<QaOut>> {
    let today = gongkai_service::china_date(svc.now_ms());
    let mut out = Vec::new();
    for it in svc.qa_export(since).await? {
        let (code, name) = match svc.org_by_id(it.org_id).await? {
            Some(o) => (o.code, o.name),
            None => (String::new(), String::new()),
        };
        out.push(qa_row(&it, code, name, today));
    }
    Ok(out)
}

/// Parses `--since YYYY-MM-DD`.
pub fn parse_since(s: Option<&str>) -> anyhow::Result<Option<NaiveDate>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| anyhow!("--since: “{v}”不是 YYYY-MM-DD 日期")),
    }
}

/// `gongkai export qa`. Returns how many items were written.
pub async fn export_qa(
    svc: &Service,
    format: ExportFormat,
    since: Option<NaiveDate>,
    out: Option<&str>,
) -> anyhow::Result<u64> {
    check_export_args(format, out)?;
    let rows = rows(svc, since).await?;
    let n = rows.len() as u64;
    match format {
        ExportFormat::Xlsx => write_xlsx(&rows, out.unwrap_or_default())?,
        ExportFormat::Jsonl | ExportFormat::Csv => {
            let mut sink = Sink::open(out)?;
            let w = sink.writer();
            if format == ExportFormat::Jsonl {
                for r in &rows {
                    serde_json::to_writer(&mut *w, r)?;
                    w.write_all(b"\n")?;
                }
            } else {
                w.write_all("\u{feff}".as_bytes())?;
                let mut cw = csv::Writer::from_writer(w);
                cw.write_record(QA_COLUMNS)?;
                for r in &rows {
                    cw.write_record(r.cells().iter().map(|c| safe_cell(c)))?;
                }
                cw.flush()?;
            }
            sink.finish()?;
        }
    }
    if let Some(path) = out.filter(|p| *p != "-") {
        println!("已导出 {n} 条问答到 {path}");
    }
    Ok(n)
}

fn write_xlsx(rows: &[QaOut], out: &str) -> anyhow::Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| anyhow!("xlsx: {e}");
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("政策问答").map_err(xerr)?;
    for (col, name) in (0u16..).zip(QA_COLUMNS) {
        sheet.write_string_with_format(0, col, name, &bold).map_err(xerr)?;
        let width = match name {
            "question" | "sources" => 40.0,
            "answer" => 60.0,
            "org_name" | "updated_at" => 24.0,
            _ => 12.0,
        };
        sheet.set_column_width(col, width).map_err(xerr)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
    for (r, item) in (1u32..).zip(rows) {
        for (c, v) in (0u16..).zip(item.cells()) {
            sheet.write_string(r, c, v).map_err(xerr)?;
        }
    }
    let tmp = format!("{out}.part");
    book.save(&tmp).map_err(xerr)?;
    std::fs::rename(&tmp, out).map_err(|e| anyhow!("--out: 无法写入“{out}”：{e}"))?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SourceIn {
    Text(String),
    Object {
        #[serde(alias = "document_id")]
        document: serde_json::Value,
        #[serde(default)]
        anchor: Option<String>,
    },
}

/// One import line. Fields of the export that an import does not need (`op`, `state`, `url`, …)
/// are accepted and ignored, so an export can be imported elsewhere.
#[derive(Deserialize)]
struct Line {
    id: Option<String>,
    question: Option<String>,
    answer: Option<String>,
    #[serde(alias = "org_code")]
    org: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    audience: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    valid_from: Option<String>,
    #[serde(default)]
    valid_to: Option<String>,
    #[serde(default)]
    sources: Vec<SourceIn>,
}

fn date(field: &str, v: Option<&str>) -> Result<Option<NaiveDate>, LineError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| LineError {
                field: Some(field.into()), message: format!("“{s}”不是 YYYY-MM-DD 日期")
            }),
    }
}

/// Parses one JSON line into a Q&A input.
pub fn parse_qa_line(text: &str) -> Result<QaInput, LineError> {
    let general = |m: String| LineError { field: None, message: m };
    let l: Line = serde_json::from_str(text).map_err(|e| general(format!("JSON 有误：{e}")))?;
    let required = |v: Option<String>, field: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| LineError { field: Some(field.into()), message: "缺少此字段".into() })
    };
    let id = required(l.id, "id")?;
    let question = required(l.question, "question")?;
    let answer = required(l.answer, "answer")?;
    let org = required(l.org, "org")?;
    let mut sources = Vec::new();
    for s in l.sources {
        let r = match s {
            SourceIn::Text(t) => parse_source(&t),
            SourceIn::Object { document, anchor } => {
                let doc = match document {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                (!doc.trim().is_empty()).then(|| QaSourceRef {
                    document: doc.trim().to_owned(),
                    anchor: anchor.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()),
                })
            }
        };
        match r {
            Some(r) => sources.push(r),
            None => {
                return Err(LineError { field: Some("sources".into()), message: "政策依据不能为空".into() });
            }
        }
    }
    Ok(QaInput {
        fields: QaFields {
            question,
            answer,
            category: l.category,
            tags: l.tags,
            audience: l.audience,
            region: l.region,
            valid_from: date("valid_from", l.valid_from.as_deref())?,
            valid_to: date("valid_to", l.valid_to.as_deref())?,
            sources,
        },
        org_code: org,
        external_id: Some(id),
    })
}

/// `gongkai import qa FILE`: every line is checked first; when any line is wrong, each problem is
/// reported as FILE:LINE: field: reason, nothing is written and the exit status is 1. Otherwise
/// every item is imported (published), idempotently on `id`.
pub async fn import_qa(svc: &Service, file: &str) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bar = progress_bar(file);
    let mut lines = spawn_reader(open_input(file, &bar)?);
    let ctx = Ctx::system();
    let mut parsed: Vec<(u64, QaInput)> = Vec::new();
    let mut failed = 0u64;
    let mut seen = std::collections::HashMap::new();
    while let Some(item) = lines.recv().await {
        let (no, bytes) = match item {
            Item::Line(no, bytes) => (no, bytes),
            Item::Failed(no, e) => bail!("{file}:{no}: 读取失败，未导入任何内容：{e}"),
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            failed += 1;
            bar.suspend(|| eprintln!("{file}:{no}: 不是有效的 UTF-8 文本"));
            continue;
        };
        let text = text.trim_end_matches(['\n', '\r']).trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        let input = match parse_qa_line(text) {
            Ok(i) => i,
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("{file}:{no}: {e}"));
                continue;
            }
        };
        let key = input.external_id.clone().unwrap_or_default();
        if let Some(first) = seen.insert(key.clone(), no) {
            failed += 1;
            bar.suspend(|| eprintln!("{file}:{no}: id: “{key}”与第 {first} 行重复"));
            continue;
        }
        match svc.check_qa_import(&input).await {
            Ok(()) => parsed.push((no, input)),
            Err(ServiceError::Invalid(inv)) => {
                failed += 1;
                bar.suspend(|| eprintln!("{file}:{no}: {}", LineError::from_fields(&inv.0)));
            }
            Err(e) => bail!("{file}:{no}: 未导入任何内容：{e}"),
        }
    }
    if failed > 0 {
        bar.finish_and_clear();
        eprintln!("有 {failed} 行有误，未导入任何内容（全部导入或全部不导入）。");
        return Ok(ExitCode::FAILURE);
    }
    let mut counts = ImportCounts::default();
    for (no, input) in &parsed {
        match svc.import_qa(&ctx, input).await {
            Ok(o) => counts.add(match o {
                QaImportOutcome::Imported => gongkai_service::ImportOutcome::Imported,
                QaImportOutcome::Updated => gongkai_service::ImportOutcome::Updated,
                QaImportOutcome::Unchanged => gongkai_service::ImportOutcome::Unchanged,
            }),
            Err(e) => bail!("{file}:{no}: 导入中止：{e}"),
        }
    }
    bar.finish_and_clear();
    crate::transfer::print_summary(&counts, started);
    Ok(ExitCode::SUCCESS)
}
