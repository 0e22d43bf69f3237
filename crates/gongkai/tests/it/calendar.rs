//! `gongkai calendar`: working-day answers from the shipped national calendar, with 调休 weekends, year
//! boundaries and the foi.md §3.3 vectors; bad input is a usage error naming the argument.

use crate::support::run;

fn out(args: &[&str]) -> String {
    run(args).ok().stdout.trim().to_owned()
}

#[test]
fn is_workday_prints_true_or_false() {
    assert_eq!(out(&["calendar", "is-workday", "2026-02-14"]), "true", "调休 Saturday");
    assert_eq!(out(&["calendar", "is-workday", "2026-02-16"]), "false", "春节");
    assert_eq!(out(&["calendar", "is-workday", "2025-10-08"]), "false");
    assert_eq!(out(&["calendar", "is-workday", "2025-10-09"]), "true");
    assert_eq!(out(&["calendar", "is-workday", "2024-12-31"]), "true");
    assert_eq!(out(&["calendar", "is-workday", "2023-01-01"]), "false");
}

#[test]
fn add_workdays_prints_the_nth_working_day_after() {
    for (start, n, want) in [
        ("2025-09-26", "7", "2025-10-13"),
        ("2025-09-26", "20", "2025-10-30"),
        ("2026-02-13", "20", "2026-03-19"),
        ("2024-12-31", "20", "2025-02-05"),
        ("2023-01-20", "40", "2023-03-22"),
        ("2022-12-30", "1", "2023-01-03"),
        ("2025-01-01", "0", "2025-01-01"),
    ] {
        assert_eq!(out(&["calendar", "add-workdays", start, n]), want, "{start} + {n}");
    }
    let r = run(&["calendar", "add-workdays", "2025-09-26", "7", "--explain"]).ok();
    assert!(r.stderr.contains("国庆节"), "{}", r.stderr);
}

#[test]
fn bad_dates_fail_with_the_argument_named() {
    let r = run(&["calendar", "is-workday", "2025-02-30"]).failed();
    assert!(r.stderr.contains("DATE"), "{}", r.stderr);
    run(&["calendar", "add-workdays", "2025-01-01", "-3"]).failed();
    assert!(out(&["calendar", "sources"]).contains("国办发明电〔2025〕7号"));
}

/// Adjustments live in the database: each needs its source document (the option is named when missing),
/// is listed with its id and can be removed.
#[test]
fn adjustments_are_stored_listed_and_removed() {
    let d = tempfile::tempdir().unwrap();
    let r =
        crate::support::run_in(d.path(), &["calendar", "adjust", "2026-04-13", "--name", "泼水节", "--source", " "])
            .failed();
    assert!(r.stderr.contains("--source"), "{}", r.stderr);
    let r = crate::support::run_in(
        d.path(),
        &[
            "calendar",
            "adjust",
            "2026-04-13",
            "--name",
            "泼水节",
            "--source",
            "西双版纳州通知〔2026〕3号",
            "--region",
            "5328",
        ],
    )
    .ok();
    assert!(r.stdout.contains("已记录 2026-04-13"), "{}", r.stdout);
    let list = crate::support::run_in(d.path(), &["calendar", "adjustments"]).ok().stdout;
    let line = list.lines().find(|l| l.contains("泼水节")).unwrap_or_else(|| panic!("{list}"));
    let cols: Vec<&str> = line.split('\t').collect();
    assert_eq!(&cols[1..], ["5328", "2026-04-13", "false", "泼水节", "西双版纳州通知〔2026〕3号"]);
    crate::support::run_in(d.path(), &["calendar", "remove-adjustment", cols[0]]).ok();
    assert!(crate::support::run_in(d.path(), &["calendar", "adjustments"]).ok().stdout.trim().is_empty());
    let r = crate::support::run_in(d.path(), &["calendar", "remove-adjustment", "999"]).failed();
    assert!(r.stderr.contains("不存在"), "{}", r.stderr);
}
