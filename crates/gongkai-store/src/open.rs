//! Opening the database from a URL, migrating it and backing it up.
//!
//! `sqlite://PATH` (or `sqlite:PATH`) opens an embedded database file with WAL, `synchronous=FULL`,
//! foreign keys and a busy timeout; `postgres://` or `postgresql://` opens a PostgreSQL pool. Any
//! other scheme is refused with an error that names the setting, rather than creating a stray file.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{Pool, Store, StoreError, on_pool};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to open the store.
#[derive(Clone)]
pub struct OpenOptions {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long to wait for a connection (and, on SQLite, for a lock).
    pub acquire_timeout: Duration,
    /// PostgreSQL only: the schema to use (tests isolate themselves this way).
    pub pg_schema: Option<String>,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl OpenOptions {
    pub fn new(url: impl Into<String>) -> Self {
        OpenOptions { url: url.into(), max_connections: 10, acquire_timeout: Duration::from_secs(10), pg_schema: None }
    }
}

/// The URL with any password replaced by `***`, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The backend a URL selects, or an error naming the setting.
pub fn backend_of(url: &str) -> Result<Backend, StoreError> {
    let scheme = url.split(':').next().unwrap_or_default().to_ascii_lowercase();
    match scheme.as_str() {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        _ => Err(StoreError::Config(format!(
            "database_url: 不支持的数据库地址“{}”（unsupported scheme; use sqlite://PATH or postgres://USER@HOST/DB）",
            redact_url(url)
        ))),
    }
}

impl Store {
    /// Opens the database named by `opts.url`. SQLite files are created when missing; PostgreSQL
    /// must be reachable (the first connection is made here, so a wrong host fails now).
    pub async fn open(opts: &OpenOptions) -> Result<Store, StoreError> {
        match backend_of(&opts.url)? {
            Backend::Sqlite => {
                let path = opts.url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or_default();
                if path.is_empty() || path == ":memory:" {
                    return Err(StoreError::Config(
                        "database_url: SQLite 需要一个文件路径（an in-memory database would lose every write）".into(),
                    ));
                }
                let o = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(opts.acquire_timeout);
                let pool = SqlitePoolOptions::new()
                    .max_connections(opts.max_connections.max(1))
                    .acquire_timeout(opts.acquire_timeout)
                    .connect_with(o)
                    .await
                    .map_err(|e| {
                        StoreError::Unavailable(format!("database_url: 无法打开 SQLite 数据库“{path}”：{e}"))
                    })?;
                Ok(Store { pool: Pool::Sqlite(pool) })
            }
            Backend::Postgres => {
                let mut o = PgConnectOptions::from_str(&opts.url).map_err(|e| {
                    StoreError::Config(format!("database_url: PostgreSQL 地址“{}”无效：{e}", redact_url(&opts.url)))
                })?;
                o = o.application_name("gongkai");
                if let Some(schema) = &opts.pg_schema {
                    // The schema also names the connections, so tools (and test clean-up) can find them.
                    o = o.options([("search_path", schema.as_str())]).application_name(&format!("gongkai-{schema}"));
                }
                let pool = PgPoolOptions::new()
                    .max_connections(opts.max_connections.max(1))
                    .acquire_timeout(opts.acquire_timeout)
                    .connect_with(o)
                    .await
                    .map_err(|e| {
                        StoreError::Unavailable(format!(
                            "database_url: 无法连接 PostgreSQL “{}”：{e}",
                            redact_url(&opts.url)
                        ))
                    })?;
                Ok(Store { pool: Pool::Postgres(pool) })
            }
        }
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Names of the migrations not yet applied (empty when the schema is current).
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let migrator: &Migrator = match &self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        // Before the first migration the bookkeeping table does not exist: everything is pending.
        let applied: Vec<i64> = on_pool!(self, |p| {
            sqlx::query_as::<_, (i64,)>("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(p)
                .await
                .map(|r| r.into_iter().map(|v| v.0).collect())
                .unwrap_or_default()
        });
        Ok(migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| format!("{}_{}", m.version, m.description))
            .collect())
    }

    /// SQLite only: a consistent online copy of the database into `dest` (`VACUUM INTO`), which
    /// must not exist yet.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<(), StoreError> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(StoreError::Config(
                "backup: PostgreSQL 请使用 pg_dump 或基础备份加 WAL 归档（gongkai backup only copies SQLite）".into(),
            ));
        };
        if dest.exists() {
            return Err(StoreError::Config(format!("backup --out: 文件“{}”已存在，不会覆盖", dest.display())));
        }
        let dest = dest.to_str().ok_or_else(|| StoreError::Config("backup --out: 路径必须是 UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(dest).execute(p).await?;
        Ok(())
    }

    /// SQLite only: `PRAGMA integrity_check`; `Ok(())` when the file is sound.
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            if self.backend() == Backend::Postgres {
                return Ok(());
            }
            let (r,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(p).await?;
            if r == "ok" { Ok(()) } else { Err(StoreError::Other(format!("integrity_check: {r}"))) }
        })
    }

    /// Names of the tables and their columns, sorted, for the migration-parity test.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut cols: Vec<(String, String)> = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
                )
                .fetch_all(p)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(backend_of("sqlite://x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("postgresql://h/db").ok(), Some(Backend::Postgres));
        let e = backend_of("mysql://root@h/db").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("database_url:"), "{e}");
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
