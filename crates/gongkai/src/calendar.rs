//! `gongkai calendar`: the national working-day calendar (工作日历, with 调休) from the command line.
//! Pure: needs no configuration and no database.

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
        CalendarCommand::Sources => {
            for (year, s) in cal.years() {
                let issued = s.issued_on.map(|d| d.to_string()).unwrap_or_default();
                println!("{year}\t{}\t{issued}\t{}", s.document, s.url.as_deref().unwrap_or(""));
            }
        }
    }
    Ok(())
}
