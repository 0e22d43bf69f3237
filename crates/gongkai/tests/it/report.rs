//! `gongkai report annual`: the annual report from the command line in every format, labels as in
//! the form, and a usage error for an unknown organisation.

use crate::support::run_in;

#[test]
fn annual_report_in_every_format() {
    let d = tempfile::tempdir().unwrap();
    run_in(d.path(), &["org", "add", "--code", "qj", "--name", "清江市人民政府", "--kind", "city"]).ok();
    let out = run_in(d.path(), &["report", "annual", "--org", "qj", "--year", "2025"]).ok();
    let j: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(j["format"], "GB-OGI-ANNUAL-2021");
    assert_eq!(j["table3"]["results_total"]["total"], 0);
    assert_eq!(j["table3"]["other_other"]["legal_service"], 0);
    let html = run_in(d.path(), &["report", "annual", "--org", "qj", "--year", "2025", "--format", "html"]).ok();
    assert!(html.stdout.contains("<th colspan=\"5\">法人或其他组织</th>"), "{}", html.stdout);
    assert!(html.stdout.contains("四、结转下年度继续办理"));
    let csv = run_in(d.path(), &["report", "annual", "--org", "qj", "--year", "2025", "--format", "csv"]).ok();
    assert!(csv.stdout.contains("（七）总计"));
    let file = d.path().join("r.xlsx");
    let f = file.to_str().unwrap();
    run_in(d.path(), &["report", "annual", "--org", "qj", "--year", "2025", "--format", "xlsx", "--out", f]).ok();
    assert!(std::fs::read(&file).unwrap().starts_with(b"PK"));
    let bad = run_in(d.path(), &["report", "annual", "--org", "nope", "--year", "2025"]).failed();
    assert!(bad.stderr.contains("nope"), "{}", bad.stderr);
}
