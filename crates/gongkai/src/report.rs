//! `gongkai report annual`: the 政府信息公开工作年度报告 of an organisation (or its subtree) for a year, as
//! JSON, HTML, CSV or XLSX. The reconciliation checks run first; a failing check stops with every broken
//! check named.

use std::io::Write;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use gongkai_service::{Ctx, Service};
use gongkai_web::foi_report::{report_csv, report_html, report_json, report_xlsx};

/// Output formats of the annual report.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Json,
    Html,
    Csv,
    Xlsx,
}

/// Reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The annual report (国办公开办函〔2021〕30号 format).
    Annual {
        /// Organisation code.
        #[arg(long)]
        org: String,
        /// Year (YYYY).
        #[arg(long)]
        year: i32,
        /// Include every organisation below.
        #[arg(long)]
        subtree: bool,
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
        /// Write to this file instead of standard output (required for xlsx).
        #[arg(long, value_name = "FILE")]
        out: Option<String>,
    },
}

/// Runs a report command.
pub async fn run(svc: &Service, cmd: &ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Annual { org, year, subtree, format, out } = cmd;
    let r = svc.foi_annual_report(&Ctx::system(), org, *year, *subtree).await?;
    let bytes = match format {
        ReportFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&report_json(&r))?;
            v.push(b'\n');
            v
        }
        ReportFormat::Html => report_html(&r).into_bytes(),
        ReportFormat::Csv => report_csv(&r).map_err(|e| anyhow::anyhow!("csv: {e}"))?,
        ReportFormat::Xlsx => {
            if out.is_none() {
                bail!("--out: XLSX 须写入文件");
            }
            report_xlsx(&r).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?
        }
    };
    match out {
        Some(path) => std::fs::write(path, &bytes).with_context(|| format!("--out: 无法写入 {path}"))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(())
}
