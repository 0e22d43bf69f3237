//! `gongkai import documents` and `gongkai export documents`, run as real processes: bad lines
//! reported by line and skipped, idempotent re-runs, compressed inputs, the organisation choice,
//! the three export formats, a slice of the shared corpus, and an import next to a running server.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{Server, http, run_in, run_in_with_stdin};

/// Three good lines, then invalid JSON (line 4), an unknown key (line 5) and an empty title (6).
const SAMPLE: &str = concat!(
    r#"{"id":"t-1","title":"示范省政务公开条例","doc_type":"地方性法规","issuer":"示范省人民代表大会常务委员会","doc_number":null,"promulgated":"2020-01-02","effective":"2020-03-01","validity":"现行有效","category":"地方性法规/示范","body":"第一条 为了推进政务公开，制定本条例。\n第二条 本条例自2020年3月1日起施行。","source":"test"}"#,
    "\n",
    r#"{"id":"t-2","title":"示范省旧办法","doc_type":"部门规章","issuer":null,"doc_number":"示范令第3号","promulgated":"2010-05-06","effective":null,"validity":"已废止","category":"部门规章/示范厅","body":"第一条 旧的规定。","source":"test"}"#,
    "\n",
    r#"{"id":"t-3","title":"国务院办公厅关于推进政务公开的意见","doc_type":"其他","issuer":"国务院办公厅","doc_number":"国办发〔2019〕4号","promulgated":"2019-02-01","effective":null,"validity":null,"category":"国务院政策文件/综合政务/政务公开","body":"各省、自治区、直辖市人民政府：\n正文。","source":"test"}"#,
    "\n",
    r#"{"id":"t-4","title": "#,
    "\n",
    r#"{"id":"t-5","title":"有多余字段","body":"正文","colour":"red"}"#,
    "\n",
    r#"{"id":"t-6","title":"","body":"正文"}"#,
    "\n",
);

fn data() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn with_org(dir: &Path) {
    run_in(dir, &["org", "add", "--code", "demo", "--name", "示范省人民政府", "--kind", "province"]).ok();
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn import(dir: &Path, file: &Path) -> crate::support::Out {
    run_in(dir, &["import", "documents", file.to_str().unwrap()])
}

fn export_jsonl(dir: &Path) -> Vec<serde_json::Value> {
    let out = run_in(dir, &["export", "documents", "--format", "jsonl"]).ok();
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn import_skips_bad_lines_and_a_second_run_changes_nothing() {
    let d = data();
    with_org(d.path());
    let file = write(d.path(), "sample.jsonl", SAMPLE.as_bytes());
    let name = file.to_str().unwrap();

    let out = import(d.path(), &file);
    assert_ne!(out.code(), Some(0), "{out:#?}");
    assert!(out.stdout.contains("imported 3, updated 0, unchanged 0, failed 3"), "{}", out.stdout);
    assert!(out.stderr.contains(&format!("{name}:4: ")), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("{name}:5: colour: ")), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("{name}:6: title: ")), "{}", out.stderr);
    for good in 1..=3 {
        assert!(!out.stderr.contains(&format!("{name}:{good}:")), "{}", out.stderr);
    }

    let again = import(d.path(), &file);
    assert_ne!(again.code(), Some(0), "{again:#?}");
    assert!(again.stdout.contains("imported 0, updated 0, unchanged 3, failed 3"), "{}", again.stdout);

    // The mapping: validity, class, issuer null, 主题分类 from the category.
    let docs = export_jsonl(d.path());
    assert_eq!(docs.len(), 3, "{docs:#?}");
    let by_id = |id: &str| docs.iter().find(|v| v["id"] == id).unwrap_or_else(|| panic!("{id} missing: {docs:#?}"));
    assert_eq!(by_id("t-1")["validity"], "现行有效");
    assert_eq!(by_id("t-2")["validity"], "已废止");
    assert_eq!(by_id("t-3")["validity"], serde_json::Value::Null);
    assert_eq!(by_id("t-3")["validity_key"], "unknown");
    assert_eq!(by_id("t-1")["class"], "local_regulation");
    assert_eq!(by_id("t-2")["issuer"], serde_json::Value::Null);
    assert_eq!(by_id("t-2")["doc_number"], "示范令第3号");
    assert_eq!(by_id("t-3")["topic"], "综合政务\\政务公开");
    assert_eq!(by_id("t-1")["topic"], serde_json::Value::Null, "a category that is no 主题分类 is ignored");
    assert_eq!(by_id("t-1")["promulgated"], "2020-01-02");
    assert_eq!(by_id("t-1")["effective"], "2020-03-01");
    assert!(by_id("t-1")["body"].as_str().unwrap().starts_with("第一条"));
    assert!(by_id("t-1")["url"].as_str().unwrap().starts_with("/doc/"));
}

#[test]
fn exports_in_three_formats_and_jsonl_round_trips() {
    let d = data();
    with_org(d.path());
    let good: String = SAMPLE.lines().take(3).map(|l| format!("{l}\n")).collect();
    let file = write(d.path(), "good.jsonl", good.as_bytes());
    import(d.path(), &file).ok();

    // JSON Lines: the corpus keys first, then gongkai's; importable again without changes.
    let out = run_in(d.path(), &["export", "documents", "--format", "jsonl"]).ok();
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
    let exported = write(d.path(), "export.jsonl", out.stdout.as_bytes());
    let again = import(d.path(), &exported).ok();
    assert!(again.stdout.contains("imported 0, updated 0, unchanged 3, failed 0"), "{}", again.stdout);
    // …and into a fresh installation it gives the same documents.
    let fresh = data();
    with_org(fresh.path());
    import(fresh.path(), &exported).ok();
    assert_eq!(export_jsonl(fresh.path()), export_jsonl(d.path()));

    // CSV: BOM, header, one row per document, no body.
    let out = run_in(d.path(), &["export", "documents", "--format", "csv"]).ok();
    assert!(out.stdout.starts_with("\u{feff}id,index_no,external_id,title,"), "{}", out.stdout);
    assert_eq!(out.stdout.lines().count(), 4, "{}", out.stdout);
    assert!(out.stdout.contains(",repealed,已废止,"), "{}", out.stdout);
    assert!(!out.stdout.contains("第一条"), "no body in CSV: {}", out.stdout);
    let csv_file = d.path().join("docs.csv");
    run_in(d.path(), &["export", "documents", "--format", "csv", "--out", csv_file.to_str().unwrap()]).ok();
    assert_eq!(std::fs::read_to_string(&csv_file).unwrap(), out.stdout);

    // XLSX: a zip file; without --out it is refused, naming --out.
    let xlsx = d.path().join("f.xlsx");
    let out = run_in(d.path(), &["export", "documents", "--format", "xlsx", "--out", xlsx.to_str().unwrap()]).ok();
    assert!(out.stdout.contains("3"), "{}", out.stdout);
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"), "not a zip file");
    assert!(!d.path().join("f.xlsx.part").exists());
    let out = run_in(d.path(), &["export", "documents", "--format", "xlsx"]).failed();
    assert!(out.stderr.contains("--out"), "{}", out.stderr);
    let out = run_in(d.path(), &["export", "documents", "--format", "pdf"]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
}

#[test]
fn compressed_files_and_standard_input_import_the_same() {
    let plain = data();
    with_org(plain.path());
    let file = write(plain.path(), "sample.jsonl", SAMPLE.as_bytes());
    import(plain.path(), &file).failed();
    let expected = export_jsonl(plain.path());
    assert_eq!(expected.len(), 3);

    let zst = data();
    with_org(zst.path());
    let packed = zstd::encode_all(SAMPLE.as_bytes(), 3).unwrap();
    let file = write(zst.path(), "sample.jsonl.zst", &packed);
    let out = import(zst.path(), &file).failed();
    assert!(out.stdout.contains("imported 3, updated 0, unchanged 0, failed 3"), "{}", out.stdout);
    assert!(out.stderr.contains("sample.jsonl.zst:5: colour: "), "{}", out.stderr);
    assert_eq!(export_jsonl(zst.path()), expected);

    let gz = data();
    with_org(gz.path());
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(SAMPLE.as_bytes()).unwrap();
    let file = write(gz.path(), "sample.jsonl.gz", &enc.finish().unwrap());
    let out = import(gz.path(), &file).failed();
    assert!(out.stdout.contains("imported 3, updated 0, unchanged 0, failed 3"), "{}", out.stdout);
    assert_eq!(export_jsonl(gz.path()), expected);

    let stdin = data();
    with_org(stdin.path());
    let out = run_in_with_stdin(stdin.path(), &["import", "documents", "-"], SAMPLE).failed();
    assert!(out.stdout.contains("imported 3, updated 0, unchanged 0, failed 3"), "{}", out.stdout);
    assert!(out.stderr.contains("-:6: title: "), "{}", out.stderr);
    assert_eq!(export_jsonl(stdin.path()), expected);

    // A file that is not what its name says stops the import with a message naming it.
    let bad = write(stdin.path(), "broken.jsonl.zst", b"not zstd at all\n");
    let out = import(stdin.path(), &bad).failed();
    assert!(out.stderr.contains("broken.jsonl.zst"), "{}", out.stderr);
}

#[test]
fn the_organisation_comes_from_org_or_the_only_root() {
    let d = data();
    let file = write(d.path(), "sample.jsonl", SAMPLE.lines().next().unwrap().as_bytes());
    let name = file.to_str().unwrap();
    // No organisation yet.
    let out = run_in(d.path(), &["import", "documents", name]).failed();
    assert!(out.stderr.contains("--org"), "{}", out.stderr);
    // Two roots: ambiguous.
    with_org(d.path());
    run_in(d.path(), &["org", "add", "--code", "other", "--name", "另一省人民政府", "--kind", "province"]).ok();
    let out = run_in(d.path(), &["import", "documents", name]).failed();
    assert!(out.stderr.contains("--org") && out.stderr.contains("other"), "{}", out.stderr);
    let out = run_in(d.path(), &["import", "documents", name, "--org", "nowhere"]).failed();
    assert!(out.stderr.contains("--org") && out.stderr.contains("nowhere"), "{}", out.stderr);
    let out = run_in(d.path(), &["import", "documents", name, "--org", "other"]).ok();
    assert!(out.stdout.contains("imported 1, updated 0, unchanged 0, failed 0"), "{}", out.stdout);
    assert!(export_jsonl(d.path())[0]["index_no"].as_str().unwrap().starts_with("other/"));
    // A missing file is named.
    let out = run_in(d.path(), &["import", "documents", "/no/such/file.jsonl", "--org", "demo"]).failed();
    assert!(out.stderr.contains("/no/such/file.jsonl"), "{}", out.stderr);
}

#[test]
fn the_first_200_corpus_documents_import_without_failures() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/laws.jsonl.zst");
    if !corpus.exists() {
        println!("skipped: the shared corpus is not at {}", corpus.display());
        return;
    }
    let reader =
        std::io::BufReader::new(zstd::stream::read::Decoder::new(std::fs::File::open(&corpus).unwrap()).unwrap());
    let mut head = String::new();
    for line in reader.lines().take(200) {
        head.push_str(&line.unwrap());
        head.push('\n');
    }
    let d = data();
    with_org(d.path());
    let file = write(d.path(), "laws-200.jsonl", head.as_bytes());
    let out = import(d.path(), &file);
    assert!(out.stdout.contains("imported 200, updated 0, unchanged 0, failed 0"), "{out:#?}");
    assert_eq!(out.code(), Some(0), "{out:#?}");
}

#[test]
fn import_works_while_the_server_runs() {
    let d = data();
    with_org(d.path());
    let server = Server::start(d.path(), &["--no-background-tasks"], &[]);
    let file = write(d.path(), "sample.jsonl", SAMPLE.as_bytes());
    let out = import(d.path(), &file);
    assert!(out.stdout.contains("imported 3, updated 0, unchanged 0, failed 3"), "{out:#?}");
    let id = export_jsonl(d.path()).iter().find(|v| v["id"] == "t-1").unwrap()["url"].as_str().unwrap().to_owned();
    let page = http(&server.addr, "GET", &id, &[], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("示范省政务公开条例"), "{}", page.body);
    let status = server.terminate(Duration::from_secs(30));
    assert!(status.is_some_and(|s| s.success()), "server did not stop cleanly");
}
