//! `gongkai import qa` and `gongkai export qa`, run as real processes: all-or-nothing import with
//! FILE:LINE errors, idempotent re-runs, and the three export formats read back.

use std::path::Path;

use crate::support::run_in;

const DOCS: &str = concat!(
    r#"{"id":"t-1","title":"示范省政务公开条例","doc_type":"地方性法规","issuer":"示范省人民代表大会常务委员会","doc_number":null,"promulgated":"2020-01-02","effective":"2020-03-01","validity":"现行有效","category":"地方性法规/示范","body":"第一条 为了推进政务公开，制定本条例。\n第二条 本条例自2020年3月1日起施行。","source":"test"}"#,
    "\n",
);

const GOOD: &str = concat!(
    r#"{"id":"hotline-1","question":"政务公开条例什么时候施行？","answer":"自2020年3月1日起施行。","org":"demo","category":"综合政务","tags":["政务公开"],"audience":"个人","region":"示范省","valid_from":"2020-03-01","sources":["t-1 第二条"]}"#,
    "\n",
    r#"{"id":"hotline-2","question":"条例的目的是什么？","answer":"推进政务公开。","org":"demo","sources":[{"document":"t-1","anchor":"第一条"}]}"#,
    "\n",
);

const BAD: &str = concat!(
    r#"{"id":"hotline-1","question":"政务公开条例什么时候施行？","answer":"自2020年3月1日起施行。","org":"demo","sources":["t-1 第二条"]}"#,
    "\n",
    r#"{"id":"hotline-2","question":"第九条说什么？","answer":"……","org":"demo","sources":["t-1 第九条"]}"#,
    "\n",
    r#"{"id":"hotline-3","question":"有效期","answer":"……","org":"demo","valid_from":"2026-01-01","valid_to":"2025-01-01","sources":["t-1"]}"#,
    "\n",
    r#"{"id":"hotline-4","answer":"没有问题","org":"demo","sources":["t-1"]}"#,
    "\n",
);

fn setup(dir: &Path) {
    run_in(dir, &["org", "add", "--code", "demo", "--name", "示范省人民政府", "--kind", "province"]).ok();
    let docs = dir.join("docs.jsonl");
    std::fs::write(&docs, DOCS).unwrap();
    run_in(dir, &["import", "documents", docs.to_str().unwrap()]).ok();
}

#[test]
fn import_is_all_or_nothing_and_export_reads_back() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    let bad = d.path().join("bad.jsonl");
    std::fs::write(&bad, BAD).unwrap();
    let name = bad.to_str().unwrap();
    let out = run_in(d.path(), &["import", "qa", name]).failed();
    assert!(out.stderr.contains(&format!("{name}:2: sources: 《示范省政务公开条例》中没有“第九条”")), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("{name}:3: valid_to: ")), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("{name}:4: question: 缺少此字段")), "{}", out.stderr);
    assert!(!out.stderr.contains(&format!("{name}:1:")), "{}", out.stderr);
    let empty = run_in(d.path(), &["export", "qa", "--format", "jsonl"]).ok();
    assert!(empty.stdout.trim().is_empty(), "nothing was written: {}", empty.stdout);

    let good = d.path().join("good.jsonl");
    std::fs::write(&good, GOOD).unwrap();
    let out = run_in(d.path(), &["import", "qa", good.to_str().unwrap()]).ok();
    assert!(out.stdout.contains("imported 2"), "{}", out.stdout);
    let out = run_in(d.path(), &["import", "qa", good.to_str().unwrap()]).ok();
    assert!(out.stdout.contains("unchanged 2"), "a second run changes nothing: {}", out.stdout);

    let out = run_in(d.path(), &["export", "qa", "--format", "jsonl"]).ok();
    let rows: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "gk-qa-1");
    assert_eq!(rows[0]["external_id"], "hotline-1");
    assert_eq!(rows[0]["op"], "upsert");
    assert_eq!(rows[0]["org_name"], "示范省人民政府");
    assert_eq!(rows[0]["sources"][0]["anchor"], "第二条");
    assert_eq!(rows[0]["valid_from"], "2020-03-01");
    assert!(rows[0]["updated_at"].as_str().unwrap().ends_with("+08:00"));

    let out = run_in(d.path(), &["export", "qa", "--format", "csv"]).ok();
    let mut r = csv::Reader::from_reader(out.stdout.trim_start_matches('\u{feff}').as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(headers.get(0), Some("id"));
    let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].get(12), Some("《示范省政务公开条例》第一条"));

    let x = d.path().join("qa.xlsx");
    run_in(d.path(), &["export", "qa", "--format", "xlsx", "--out", x.to_str().unwrap()]).ok();
    let bytes = std::fs::read(&x).unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx (zip) file");

    let out = run_in(d.path(), &["export", "qa", "--format", "jsonl", "--since", "2999-01-01"]).ok();
    assert!(out.stdout.trim().is_empty(), "nothing changed since then");
    let out = run_in(d.path(), &["export", "qa", "--format", "jsonl", "--since", "昨天"]).failed();
    assert!(out.stderr.contains("--since"), "{}", out.stderr);
    let out = run_in(d.path(), &["export", "qa", "--format", "xlsx"]).failed();
    assert!(out.stderr.contains("--out"), "{}", out.stderr);
}
