//! The SQLite and PostgreSQL migration folders stay in step.

use std::collections::BTreeSet;
use std::path::Path;

use gongkai_store::{Backend, OpenOptions, Store};
use gongkai_testkit::TestDb;

fn names(dir: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_files() {
    let sqlite = names("sqlite");
    let pg = names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, pg, "every migration needs a SQLite and a PostgreSQL version with the same name");
}

/// After migrating, both databases have the same tables and columns. Needs PostgreSQL; on a
/// machine without it only the SQLite side is checked for sanity.
#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let sqlite = Store::open(&OpenOptions::new(&url)).await.unwrap();
    sqlite.migrate().await.unwrap();
    let sqlite_cols = sqlite.schema_columns().await.unwrap();
    assert!(sqlite_cols.iter().any(|(t, c)| t == "audit_log" && c == "hash"));

    if gongkai_testkit::postgres_url().is_none() {
        eprintln!("GONGKAI_TEST_DATABASE_URL not set: PostgreSQL side of the parity test skipped");
        return;
    }
    let pg = TestDb::new().await;
    assert_eq!(pg.backend(), Backend::Postgres);
    let pg_cols = pg.store.schema_columns().await.unwrap();
    assert_eq!(sqlite_cols, pg_cols);
}

#[tokio::test]
async fn unknown_database_urls_are_refused_by_name() {
    let e = Store::open(&OpenOptions::new("mysql://root@localhost/x")).await.unwrap_err();
    assert!(e.to_string().starts_with("database_url:"), "{e}");
    let e = Store::open(&OpenOptions::new("sqlite::memory:")).await.unwrap_err();
    assert!(e.to_string().starts_with("database_url:"), "{e}");
    let mut o = OpenOptions::new("postgres://nobody@127.0.0.1:1/none");
    o.acquire_timeout = std::time::Duration::from_secs(1);
    let e = Store::open(&o).await.unwrap_err();
    assert!(e.to_string().starts_with("database_url:"), "{e}");
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let db = TestDb::new().await;
    if db.backend() != Backend::Sqlite {
        // The backup command is SQLite-only; PostgreSQL refuses with a pointer to pg_dump.
        let e = db.store.backup_sqlite(Path::new("/tmp/never")).await.unwrap_err();
        assert!(e.to_string().contains("pg_dump"));
        return;
    }
    let mut tx = db.store.begin().await.unwrap();
    tx.put_setting("x", "1").await.unwrap();
    tx.commit().await.unwrap();
    let out = db.dir.path().join("backup.db");
    db.store.backup_sqlite(&out).await.unwrap();
    let copy = Store::open(&OpenOptions::new(format!("sqlite://{}", out.display()))).await.unwrap();
    assert_eq!(copy.setting("x").await.unwrap().as_deref(), Some("1"));
    copy.integrity_check().await.unwrap();
    assert!(db.store.backup_sqlite(&out).await.is_err(), "an existing file is never overwritten");
}
