//! `gongkai import foi FILE`: past applications from a legacy system, as JSON Lines
//! `{"external_id", "org", "applicant_type", "channel", "received_on", "closed_on", "outcome"}`, so that
//! a year's annual report can be produced for data that predates gongkai. Same reading, line-numbered
//! errors and idempotence as `import documents` (whose reader this reuses).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use chrono::NaiveDate;
use gongkai_service::{Ctx, ImportFoi, Service, ServiceError};
use serde::Deserialize;

use crate::transfer::{ImportCounts, Item, LineError, open_input, print_summary, progress_bar, spawn_reader};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    external_id: String,
    org: String,
    applicant_type: String,
    channel: String,
    received_on: Option<String>,
    #[serde(default)]
    closed_on: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

fn date(field: &str, v: Option<&str>) -> Result<Option<NaiveDate>, String> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{field}: “{s}”不是 YYYY-MM-DD 日期")),
    }
}

fn parse(text: &str) -> Result<ImportFoi, String> {
    let l: Line = serde_json::from_str(text).map_err(|e| format!("JSON 有误：{e}"))?;
    Ok(ImportFoi {
        external_id: l.external_id,
        org: l.org,
        applicant_type: l.applicant_type,
        channel: l.channel,
        received_on: date("received_on", l.received_on.as_deref())?,
        closed_on: date("closed_on", l.closed_on.as_deref())?,
        outcome: l.outcome,
    })
}

/// Imports every line; bad lines are reported as FILE:LINE and skipped, the exit status is 1 when any failed.
pub async fn run(svc: &Service, file: &str) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bar = progress_bar(file);
    let mut lines = spawn_reader(open_input(file, &bar)?);
    let ctx = Ctx::system();
    let mut counts = ImportCounts::default();
    let fail = |counts: &mut ImportCounts, no: u64, why: &dyn std::fmt::Display| {
        counts.failed += 1;
        bar.suspend(|| eprintln!("{file}:{no}: {why}"));
    };
    while let Some(item) = lines.recv().await {
        let (no, bytes) = match item {
            Item::Line(no, bytes) => (no, bytes),
            Item::Failed(no, e) => {
                bar.finish_and_clear();
                print_summary(&counts, started);
                bail!("{file}:{no}: 读取失败，导入中止：{e}");
            }
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            fail(&mut counts, no, &"不是有效的 UTF-8 文本");
            continue;
        };
        let text = text.trim_end_matches(['\n', '\r']).trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        let rec = match parse(text) {
            Ok(r) => r,
            Err(e) => {
                fail(&mut counts, no, &e);
                continue;
            }
        };
        match svc.foi_import(&ctx, &rec).await {
            Ok(o) => counts.add(o),
            Err(ServiceError::Invalid(inv)) => fail(&mut counts, no, &LineError::from_fields(&inv.0)),
            Err(ServiceError::Conflict(m) | ServiceError::NotFound(m)) => fail(&mut counts, no, &m),
            Err(e) => {
                bar.finish_and_clear();
                print_summary(&counts, started);
                bail!("{file}:{no}: 导入中止：{e}");
            }
        }
    }
    bar.finish_and_clear();
    print_summary(&counts, started);
    if counts.failed > 0 {
        eprintln!("有 {} 行未导入，原因见上方各行（FILE:LINE: 字段: 原因）。", counts.failed);
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Property-based tests of the line reader: `PROPTEST_CASES` cases each (64 unless set; see
/// CONTRIBUTING.md).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
        ProptestConfig { cases, ..ProptestConfig::default() }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_text_is_a_clear_error_or_a_record(line in "\\PC{0,120}") {
            if let Err(e) = parse(&line) {
                prop_assert!(!e.is_empty());
            }
        }

        #[test]
        fn dates_are_checked_and_named(
            id in "\\PC{1,20}",
            received in "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            closed in prop::option::of("[0-9]{4}-[0-9]{1,2}-[0-9]{1,3}"),
        ) {
            let line = json!({
                "external_id": id, "org": "510000", "applicant_type": "natural_person", "channel": "online",
                "received_on": received, "closed_on": closed, "outcome": null,
            })
            .to_string();
            let received_ok = NaiveDate::parse_from_str(&received, "%Y-%m-%d").is_ok();
            let closed_ok = closed.as_deref().is_none_or(|c| NaiveDate::parse_from_str(c, "%Y-%m-%d").is_ok());
            match parse(&line) {
                Ok(r) => {
                    prop_assert!(received_ok && closed_ok);
                    prop_assert_eq!(r.external_id, id);
                    prop_assert_eq!(r.received_on.map(|d| d.to_string()), Some(received));
                }
                Err(e) if !received_ok => prop_assert!(e.starts_with("received_on: "), "{}", e),
                Err(e) => prop_assert!(!closed_ok && e.starts_with("closed_on: "), "{}", e),
            }
        }
    }
}
