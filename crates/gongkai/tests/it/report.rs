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

/// `import foi`: legacy applications with line-numbered errors, idempotent, feeding the annual report.
#[test]
fn import_foi_feeds_the_report() {
    let d = tempfile::tempdir().unwrap();
    run_in(d.path(), &["org", "add", "--code", "qj", "--name", "清江市人民政府", "--kind", "city"]).ok();
    let file = d.path().join("legacy.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"external_id":"L1","org":"qj","applicant_type":"natural_person","channel":"online","received_on":"2024-12-20","closed_on":"2025-01-10","outcome":"granted"}"#,
            r#"{"external_id":"L2","org":"qj","applicant_type":"commercial","channel":"post","received_on":"2025-03-01","closed_on":"2025-03-20","outcome":"no_correction"}"#,
            r#"{"external_id":"L3","org":"qj","applicant_type":"research","channel":"in_person","received_on":"2025-12-29","closed_on":null,"outcome":null}"#,
            r#"{"external_id":"L4","org":"qj","applicant_type":"nobody","channel":"fax","received_on":"2025-05-01","closed_on":null,"outcome":null}"#,
            r#"{"external_id":"L5","org":"qj","applicant_type":"other","channel":"fax","received_on":"2025-05-01","closed_on":"2025-05-02","outcome":"maybe"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let out = run_in(d.path(), &["import", "foi", f]).failed();
    assert!(out.stderr.contains("legacy.jsonl:4: applicant_type"), "{}", out.stderr);
    assert!(out.stderr.contains("legacy.jsonl:5: outcome"), "{}", out.stderr);
    let again = run_in(d.path(), &["import", "foi", f]).failed();
    assert!(!again.stderr.contains(":1:") && !again.stderr.contains(":2:"), "idempotent: {}", again.stderr);
    let out = run_in(d.path(), &["report", "annual", "--org", "qj", "--year", "2025"]).ok();
    let j: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let t = &j["table3"];
    assert_eq!(t["carried_over"]["natural_person"], 1);
    assert_eq!(t["granted"]["natural_person"], 1);
    assert_eq!(t["no_correction"]["commercial"], 1);
    assert_eq!(t["new_received"]["total"], 2);
    assert_eq!(t["carried_forward"]["research"], 1);
    assert_eq!(t["results_total"]["total"], 2);
}
