//! `gongkai scan [--format text|json] PATH...`: screens files before publication (公开前审查).
//!
//! Each file (directories are walked, sorted) is read within the size limit, its type is taken
//! from its bytes, its text and hidden content are extracted by `gongkai-extract` and screened
//! with the configured word lists. A file that cannot be read or extracted gets one error line on
//! standard error and the rest of the batch is still screened. Files are extracted one at a time,
//! each within `screen.max_extracted_chars` characters of text (an extraction bomb is refused as
//! too large, naming the limit).
//!
//! Exit status: 0 when nothing blocks publication, 1 when something does, 2 when a file (or the
//! configuration) could not be screened.
//!
//! `--format json` prints one object per finding and line: `path`, `kind`, `severity`, `start`,
//! `end` (character offsets in the extracted text), `text`, `masked`, `detail`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use gongkai_domain::screen::{Finding, Screener, Severity};
use gongkai_extract::Limits;
use serde::Serialize;

use crate::config::Config;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Output: text for people, json for one object per finding and line.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Largest file to screen, in MB.
    #[arg(long, value_name = "MB", default_value_t = 50)]
    pub max_mb: u64,
    /// Files or directories (txt, docx, xlsx, pdf; images are reported as unscreenable).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
}

/// One finding as a JSON line.
#[derive(Serialize)]
struct JsonFinding<'a> {
    path: &'a str,
    kind: &'static str,
    severity: &'static str,
    start: usize,
    end: usize,
    text: &'a str,
    masked: &'a str,
    detail: &'a str,
}

/// Runs the command; never fails, the outcome is the exit status.
pub fn run(cfg: anyhow::Result<Config>, args: &ScanArgs) -> ExitCode {
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => {
            eprintln!("错误：{e:#}");
            return ExitCode::from(2);
        }
    };
    if args.max_mb == 0 {
        eprintln!("错误：--max-mb: 至少为 1");
        return ExitCode::from(2);
    }
    let screener = cfg.screener();
    // One file at a time, each within `screen.max_extracted_chars` characters of text.
    let limits = cfg.extract_limits(args.max_mb.saturating_mul(1024 * 1024));
    let mut files = Vec::new();
    let mut errors = 0usize;
    for p in &args.paths {
        if let Err(e) = collect(p, &mut files) {
            eprintln!("{}: 错误：{e}", p.display());
            errors += 1;
        }
    }
    let (mut blocking, mut total) = (0usize, 0usize);
    let mut out = std::io::stdout().lock();
    for path in &files {
        let shown = path.display().to_string();
        let findings = match screen_path(path, &limits, &screener) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{shown}: 错误：{e}");
                errors += 1;
                continue;
            }
        };
        total += findings.len();
        blocking += findings.iter().filter(|f| f.severity == Severity::Block).count();
        if print(&mut out, &shown, &findings, args.format).is_err() {
            // Standard output closed (e.g. piped into `head`): stop quietly.
            return ExitCode::from(2);
        }
    }
    if args.format == ScanFormat::Text {
        use std::io::Write;
        let _ = writeln!(
            out,
            "共检查 {} 个文件：发现 {total} 处，其中阻止发布 {blocking} 处{}。",
            files.len(),
            if errors > 0 { format!("；{errors} 个文件无法检查") } else { String::new() }
        );
    }
    if errors > 0 {
        ExitCode::from(2)
    } else if blocking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Adds a file, or the files under a directory in name order.
fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("无法访问：{e}"))?;
    if !meta.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("无法读取目录：{e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        collect(&e, files)?;
    }
    Ok(())
}

fn screen_path(
    path: &Path,
    limits: &Limits,
    screener: &Screener,
) -> Result<Vec<Finding>, gongkai_extract::ExtractError> {
    let bytes = gongkai_extract::read_file(path, limits)?;
    let (_, findings) = gongkai_extract::screen_file(&bytes, limits, screener)?;
    Ok(findings)
}

fn print(out: &mut impl std::io::Write, path: &str, findings: &[Finding], format: ScanFormat) -> std::io::Result<()> {
    for f in findings {
        match format {
            ScanFormat::Json => {
                let line = JsonFinding {
                    path,
                    kind: f.kind.as_str(),
                    severity: f.severity.as_str(),
                    start: f.start,
                    end: f.end,
                    text: &f.text,
                    masked: &f.masked,
                    detail: &f.detail,
                };
                let json = serde_json::to_string(&line).map_err(std::io::Error::other)?;
                writeln!(out, "{json}")?;
            }
            ScanFormat::Text => {
                let place = if f.end > f.start { format!(":{}-{}", f.start, f.end) } else { String::new() };
                // Personal data is shown masked on the terminal; the JSON carries both forms.
                let shown = if f.kind.is_personal_data() { &f.masked } else { &f.text };
                writeln!(
                    out,
                    "{path}{place}: [{}] {}（{}）：{shown} — {}",
                    f.severity.label(),
                    f.kind.as_str(),
                    f.kind.label(),
                    f.detail
                )?;
            }
        }
    }
    Ok(())
}
