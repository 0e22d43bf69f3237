//! The search index against crashes and several nodes, with real processes: kill -9 during an
//! import, restart, then the index equals the database and every published document is found;
//! `gongkai reindex` next to a running server; two `gongkai serve` nodes on one PostgreSQL
//! database (when `GONGKAI_TEST_DATABASE_URL` names one), a killed node catching up.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gongkai_service::search_index::{SearchHome, WriterOptions};
use gongkai_service::{OpenOptions, Service, ServiceConfig, Store};

use crate::support::{Server, gongkai, http, run_in};

fn corpus_head(n: usize) -> Option<String> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/laws.jsonl.zst");
    if !corpus.exists() {
        return None;
    }
    let reader =
        std::io::BufReader::new(zstd::stream::read::Decoder::new(std::fs::File::open(&corpus).unwrap()).unwrap());
    let mut head = String::new();
    for line in reader.lines().take(n) {
        head.push_str(&line.unwrap());
        head.push('\n');
    }
    Some(head)
}

fn kill9(child: &mut Child) {
    let _ = Command::new("kill").arg("-KILL").arg(child.id().to_string()).status();
    let _ = child.wait();
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Waits until `/readyz` reports no search lag (at most `limit`).
fn wait_caught_up(addr: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let r = http(addr, "GET", "/readyz", &[], "");
        if r.status == 200 && r.body.contains(" lag=0 ") && r.body.contains("gaps=0") {
            return r.body;
        }
        assert!(Instant::now() < deadline, "index did not catch up: {}", r.body);
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// (document id, entry) pairs.
type Entries = Vec<(i64, String)>;

/// Opens the data directory's database and index in this process (the server must be stopped)
/// and returns (index entries, entries the database says it should hold).
fn index_and_database(data: &Path) -> (Entries, Entries) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", data.join("gongkai.db").display());
        let store = Store::open(&OpenOptions::new(&url)).await.unwrap();
        let home = SearchHome::open(&data.join("search"), WriterOptions::default()).unwrap();
        let svc =
            Service::new(store.clone(), ServiceConfig::default(), gongkai_service::FakeClock::new(1_795_737_600_000))
                .with_search(home, gongkai_service::SearchConfig::default());
        let fmt = |v: Vec<(i64, gongkai_service::search_index::Entry)>| {
            v.into_iter().map(|(id, e)| (id, e.key().to_owned())).collect::<Vec<_>>()
        };
        let index = fmt(svc.search_entries().unwrap());
        let db = fmt(svc.expected_search_entries().await.unwrap());
        store.close().await;
        (index, db)
    })
}

fn exported(data: &Path) -> Vec<serde_json::Value> {
    let out = run_in(data, &["export", "documents", "--format", "jsonl"]).ok();
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn import_child(data: &Path, file: &Path) -> Child {
    gongkai()
        .arg("--data")
        .arg(data)
        .args(["import", "documents"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn kill_9_during_import_then_the_index_equals_the_database() {
    let Some(head) = corpus_head(400) else {
        println!("skipped: the shared corpus is not at ../shared/corpus");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    run_in(data, &["org", "add", "--code", "demo", "--name", "示范省人民政府", "--kind", "province"]).ok();
    let file = data.join("laws.jsonl");
    std::fs::write(&file, head).unwrap();

    let mut server = Server::start(data, &["--no-background-tasks"], &[]);
    let mut import = import_child(data, &file);
    // Kill the server while the import writes and the indexer commits, then the importer.
    std::thread::sleep(Duration::from_millis(1500));
    kill9(&mut server.child);
    std::thread::sleep(Duration::from_millis(700));
    kill9(&mut import);
    let server = Server::start(data, &["--no-background-tasks"], &[]);
    // The import again (idempotent: what was acknowledged stays, the rest is added) while the
    // restarted server catches up.
    let out = run_in(data, &["import", "documents", file.to_str().unwrap()]);
    assert_eq!(out.code(), Some(0), "{out:#?}");
    wait_caught_up(&server.addr, Duration::from_secs(120));

    // Every published document is found by its title.
    let docs = exported(data);
    assert_eq!(docs.len(), 400);
    let mut missed = Vec::new();
    for doc in docs.iter().step_by(4) {
        let title = doc["title"].as_str().unwrap();
        let url = doc["url"].as_str().unwrap();
        let r = http(&server.addr, "GET", &format!("/api/v1/search?q={}&per_page=10", enc(title)), &[], "");
        assert_eq!(r.status, 200, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        if !v["hits"].as_array().unwrap().iter().any(|h| h["url"] == url) {
            missed.push(title.to_owned());
        }
    }
    assert!(missed.is_empty(), "not found by title: {missed:?}");
    assert!(server.terminate(Duration::from_secs(30)).is_some_and(|s| s.success()));
    let (index, db) = index_and_database(data);
    assert_eq!(index.len(), 400);
    assert_eq!(index, db, "index entries differ from the database");
}

#[test]
fn reindex_rebuilds_online_and_the_server_switches() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    let server = Server::start(data, &["--demo", "--no-background-tasks"], &[]);
    let before = wait_caught_up(&server.addr, Duration::from_secs(60));
    let out = run_in(data, &["reindex"]);
    assert_eq!(out.code(), Some(0), "{out:#?}");
    assert!(out.stdout.contains("检索索引已重建"), "{out:#?}");
    let after = wait_caught_up(&server.addr, Duration::from_secs(30));
    assert_eq!(before, after, "same position and entries after the swap");
    let r = http(&server.addr, "GET", &format!("/api/v1/search?q={}", enc("政务公开")), &[], "");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("\"total\":"), "{}", r.body);
    assert!(server.terminate(Duration::from_secs(30)).is_some_and(|s| s.success()));
    let gens: Vec<_> = std::fs::read_dir(data.join("search"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("gen-"))
        .collect();
    assert_eq!(gens.len(), 1, "the old generation was removed");
}

/// A fresh PostgreSQL database for this test, dropped at the end.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    fn create() -> Option<PgDb> {
        let base = std::env::var("GONGKAI_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))?;
        let (prefix, _) = base.rsplit_once('/')?;
        let name = format!("gk_nodes_{}", std::process::id());
        let admin = format!("{prefix}/postgres");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let s = Store::open(&OpenOptions::new(&admin)).await.unwrap();
            s.execute_admin(&format!("DROP DATABASE IF EXISTS {name}")).await.unwrap();
            s.execute_admin(&format!("CREATE DATABASE {name}")).await.unwrap();
            s.close().await;
        });
        Some(PgDb { url: format!("{prefix}/{name}"), admin, name })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            if let Ok(s) = Store::open(&OpenOptions::new(&self.admin)).await {
                let _ = s.execute_admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await;
                s.close().await;
            }
        });
    }
}

fn pg_cmd(data: &Path, url: &str, args: &[&str]) -> crate::support::Out {
    let o = gongkai().arg("--data").arg(data).env("GONGKAI_DATABASE_URL", url).args(args).output().unwrap();
    crate::support::Out {
        status: o.status,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn api(addr: &str, token: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    let auth = format!("Bearer {token}");
    let r = http(addr, method, path, &[("authorization", &auth), ("content-type", "application/json")], body);
    assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Publishes a document through the API of `addr` (an editor drafts, a signer approves).
fn publish(addr: &str, editor: &str, signer: &str, title: &str) -> i64 {
    let body =
        format!(r#"{{"org":"demo","title":"{title}","class":"other","body":"第一条 {title}的正文。","relations":[]}}"#);
    let id = api(addr, editor, "POST", "/api/v1/documents", &body)["id"].as_i64().unwrap();
    let path = format!("/api/v1/documents/{id}/transitions");
    api(addr, editor, "POST", &path, r#"{"event":"submit"}"#);
    api(addr, signer, "POST", &path, r#"{"event":"approve"}"#);
    api(addr, signer, "POST", &path, r#"{"event":"publish"}"#);
    id
}

fn found_within(addr: &str, q: &str, id: i64, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let r = http(addr, "GET", &format!("/api/v1/search?q={}", enc(q)), &[], "");
        if r.status == 200 && r.body.contains(&format!("\"url\":\"/doc/{id}\"")) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn two_nodes_on_postgresql_share_the_change_log() {
    let Some(db) = PgDb::create() else {
        println!("skipped: GONGKAI_TEST_DATABASE_URL does not name a PostgreSQL database");
        return;
    };
    let (da, db_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    pg_cmd(da.path(), &db.url, &["migrate"]).ok();
    pg_cmd(da.path(), &db.url, &["org", "add", "--code", "demo", "--name", "示范省人民政府", "--kind", "province"])
        .ok();
    let mut tokens = Vec::new();
    for (user, role) in [("ed", "editor"), ("sg", "signer")] {
        pg_cmd(da.path(), &db.url, &["user", "add", "--username", user, "--name", user]).ok();
        pg_cmd(da.path(), &db.url, &["user", "grant", "--username", user, "--role", role, "--org", "demo"]).ok();
        let out = pg_cmd(da.path(), &db.url, &["token", "create", "--username", user, "--name", "t"]).ok();
        tokens.push(out.stdout.lines().last().unwrap().trim().to_owned());
    }
    // Signed off without further review steps (the chain is not what this test is about).
    pg_cmd(da.path(), &db.url, &["review", "chain", "set", "--org", "demo", "--class", "other", "signoff"]).ok();
    let env = [("GONGKAI_DATABASE_URL", db.url.as_str()), ("GONGKAI_SEARCH__POLL_INTERVAL_MS", "200")];
    let a = Server::start(da.path(), &["--no-background-tasks"], &env);
    let b = Server::start(db_dir.path(), &["--no-background-tasks"], &env);

    let x = publish(&a.addr, &tokens[0], &tokens[1], "节点甲发布的防汛通知");
    assert!(found_within(&b.addr, "防汛通知", x, Duration::from_secs(10)), "published on A, not found on B");
    let y = publish(&b.addr, &tokens[0], &tokens[1], "节点乙发布的供暖通知");
    assert!(found_within(&a.addr, "供暖通知", y, Duration::from_secs(10)), "published on B, not found on A");

    // B dies; A keeps publishing; B restarted on its own data directory catches up.
    let mut b = b;
    kill9(&mut b.child);
    let z = publish(&a.addr, &tokens[0], &tokens[1], "节点乙停机期间发布的征兵公告");
    let b = Server::start(db_dir.path(), &["--no-background-tasks"], &env);
    assert!(found_within(&b.addr, "征兵公告", z, Duration::from_secs(20)), "restarted node did not catch up");
    assert!(found_within(&b.addr, "防汛通知", x, Duration::from_secs(1)));
    assert!(a.terminate(Duration::from_secs(30)).is_some());
    assert!(b.terminate(Duration::from_secs(30)).is_some());
}
