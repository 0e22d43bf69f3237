//! `gongkai calendar`: the national working-day calendar (工作日历, with 调休) from the command line.
//! `is-workday`, `add-workdays` and `sources` are pure (the national data shipped with the binary; no
//! configuration, no database); `adjust`, `adjustments` and `remove-adjustment` manage the regional and
//! ad-hoc adjustments stored in the database, each with its source document, and recompute open deadlines.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use gongkai_service::domain::workday::Calendar;

/// Working-day calendar commands.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print `true` if DATE is a working day, `false` otherwise.
    IsWorkday {
        /// YYYY-MM-DD.
        date: String,
        /// Also print why (holiday, 调休, weekend) and whether the year is provisional (暂定), on stderr.
        #[arg(long)]
        explain: bool,
    },
    /// Print the date of the N-th working day after DATE (DATE itself is not counted).
    AddWorkdays {
        /// YYYY-MM-DD.
        date: String,
        /// Number of working days (0–400).
        n: u32,
        /// Also print how the date was computed, on stderr.
        #[arg(long)]
        explain: bool,
    },
    /// List the years fixed by a State Council notice, with the notice.
    Sources,
    /// Record an adjustment (a regional holiday, an ad-hoc closure, a reopened day) with its source
    /// document; replaces one for the same day and region. Open deadlines are recomputed and audited.
    Adjust {
        /// YYYY-MM-DD.
        date: String,
        /// The day becomes a working day (default: a day off).
        #[arg(long)]
        workday: bool,
        /// What the day is (e.g. 泼水节, 临时闭馆).
        #[arg(long)]
        name: String,
        /// The document that decides it (e.g. 西双版纳州人民政府通知〔2026〕3号).
        #[arg(long)]
        source: String,
        /// 行政区划代码 the adjustment applies to (and below); empty for everywhere.
        #[arg(long, default_value = "")]
        region: String,
    },
    /// List the adjustments in the database (tab-separated: id, region, date, workday, name, source).
    Adjustments,
    /// Remove an adjustment by id; open deadlines are recomputed.
    RemoveAdjustment {
        /// The id `calendar adjustments` prints.
        id: i64,
    },
}

impl CalendarCommand {
    /// Whether the command needs neither configuration nor database.
    pub fn is_pure(&self) -> bool {
        matches!(self, Self::IsWorkday { .. } | Self::AddWorkdays { .. } | Self::Sources)
    }
}

/// Runs a command on the database's adjustments.
pub async fn run_stored(svc: &gongkai_service::Service, cmd: &CalendarCommand) -> anyhow::Result<()> {
    let ctx = gongkai_service::Ctx::system();
    match cmd {
        CalendarCommand::Adjust { date, workday, name, source, region } => {
            let d = parse_date(date)?;
            let moved = svc.calendar_adjust(&ctx, region, d, *workday, name, source).await.map_err(cli_error)?;
            println!(
                "已记录 {d}（{}）；重新计算了 {moved} 件申请的答复期限。",
                if *workday { "工作日" } else { "休息日" }
            );
        }
        CalendarCommand::Adjustments => {
            for a in svc.calendar_adjustments().await? {
                println!("{}\t{}\t{}\t{}\t{}\t{}", a.id, a.region, a.day, a.workday, a.name, a.source_document);
            }
        }
        CalendarCommand::RemoveAdjustment { id } => {
            let moved = svc.calendar_remove(&ctx, *id).await.map_err(cli_error)?;
            println!("已删除调整 {id}；重新计算了 {moved} 件申请的答复期限。");
        }
        _ => run(cmd)?,
    }
    Ok(())
}

/// A service error as the CLI prints it: each invalid field by its option name.
fn cli_error(e: gongkai_service::ServiceError) -> anyhow::Error {
    match e {
        gongkai_service::ServiceError::Invalid(inv) => {
            let lines: Vec<String> = inv
                .0
                .iter()
                .map(|f| {
                    let opt = match f.field.as_str() {
                        "source_document" => "--source",
                        "region" => "--region",
                        "name" => "--name",
                        "day" => "DATE",
                        other => other,
                    };
                    format!("{opt}: {}", f.message)
                })
                .collect();
            anyhow::anyhow!(lines.join("\n"))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

fn parse_date(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("DATE: “{s}”不是有效日期（应为 YYYY-MM-DD）"))
}

/// Runs a calendar command, printing to stdout.
pub fn run(cmd: &CalendarCommand) -> anyhow::Result<()> {
    let cal = Calendar::national().map_err(|e| anyhow::anyhow!("工作日历数据有误：{e}"))?;
    match cmd {
        CalendarCommand::IsWorkday { date, explain } => {
            let d = parse_date(date)?;
            let s = cal.day(d);
            println!("{}", s.workday);
            if *explain {
                eprintln!(
                    "{d}：{}{}{}",
                    if s.workday { "工作日" } else { "休息日" },
                    s.reason.map(|r| format!("（{r}）")).unwrap_or_default(),
                    if s.provisional { "；该年度节假日安排尚未发布，结果为暂定" } else { "" }
                );
            }
        }
        CalendarCommand::AddWorkdays { date, n, explain } => {
            let d = parse_date(date)?;
            if *n > 400 {
                bail!("N: 工作日数应为 0–400");
            }
            let c = cal.add_workdays(d, *n);
            println!("{}", c.date);
            if *explain {
                for line in c.explain() {
                    eprintln!("{line}");
                }
            }
        }
        CalendarCommand::Adjust { .. } | CalendarCommand::Adjustments | CalendarCommand::RemoveAdjustment { .. } => {
            bail!("该命令需要数据库，请通过 gongkai calendar 运行")
        }
        CalendarCommand::Sources => {
            for (year, s) in cal.years() {
                let issued = s.issued_on.map(|d| d.to_string()).unwrap_or_default();
                println!("{year}\t{}\t{issued}\t{}", s.document, s.url.as_deref().unwrap_or(""));
            }
        }
    }
    Ok(())
}
