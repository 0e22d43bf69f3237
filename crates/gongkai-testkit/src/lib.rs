//! Test support for gongkai (dev only): a fresh database per test on SQLite or PostgreSQL.
//!
//! `GONGKAI_TEST_DATABASE_URL` unset means a new SQLite file in a temporary directory, so
//! `cargo test` needs nothing installed. A `postgres://` URL means a fresh, randomly named schema
//! per test in that database, dropped when the [`TestDb`] is dropped (set
//! `GONGKAI_TEST_KEEP_SCHEMA=1` to keep it for inspection).

use gongkai_store::{Backend, OpenOptions, Store};

/// A migrated, empty database that lives as long as this value.
pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with (SQLite file URL or the PostgreSQL URL).
    pub url: String,
    /// The PostgreSQL schema, when on PostgreSQL.
    pub schema: Option<String>,
    /// Keeps the SQLite directory alive.
    pub dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("backend", &self.store.backend()).field("schema", &self.schema).finish()
    }
}

/// The PostgreSQL URL tests should use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("GONGKAI_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

fn random_suffix() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap_or_default();
    data_encoding::HEXLOWER.encode(&b)
}

impl TestDb {
    /// A new, migrated database on the backend chosen by `GONGKAI_TEST_DATABASE_URL`.
    pub async fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        match postgres_url() {
            None => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let store = Store::open(&OpenOptions::new(&url)).await.unwrap_or_else(|e| panic!("open: {e}"));
                store.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
                TestDb { store, url, schema: None, dir }
            }
            Some(url) => {
                let schema = format!("t_{}", random_suffix());
                let admin = Store::open(&OpenOptions::new(&url)).await.unwrap_or_else(|e| panic!("open: {e}"));
                admin.execute_admin(&format!("CREATE SCHEMA {schema}")).await.unwrap_or_else(|e| panic!("schema: {e}"));
                admin.close().await;
                let mut o = OpenOptions::new(&url);
                o.pg_schema = Some(schema.clone());
                o.max_connections = 5;
                let store = Store::open(&o).await.unwrap_or_else(|e| panic!("open: {e}"));
                store.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
                TestDb { store, url, schema: Some(schema), dir }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Opens a second, independent store on the same database (another "node").
    pub async fn open_again(&self) -> Store {
        let mut o = OpenOptions::new(&self.url);
        o.pg_schema = self.schema.clone();
        o.max_connections = 5;
        Store::open(&o).await.unwrap_or_else(|e| panic!("open: {e}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (Some(schema), Some(url)) = (self.schema.clone(), postgres_url()) else {
            return;
        };
        if std::env::var_os("GONGKAI_TEST_KEEP_SCHEMA").is_some() {
            return;
        }
        // Drop the schema on a separate thread with its own runtime: Drop cannot be async.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                if let Ok(s) = Store::open(&OpenOptions::new(&url)).await {
                    // This test's pool may still hold a connection whose rollback was queued when a
                    // transaction was dropped (the release task never ran because the test's
                    // runtime is blocked here): end those connections so the drop cannot wait on
                    // their locks.
                    let _ = s
                        .execute_admin(&format!(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gongkai-{schema}'"
                        ))
                        .await;
                    let _ = s.execute_admin(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
                    s.close().await;
                }
            });
        })
        .join();
    }
}
