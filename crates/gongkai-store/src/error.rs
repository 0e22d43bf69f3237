//! The store's error type: callers never see a `sqlx::Error`.

/// What went wrong in the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or foreign-key rule refused the write; `constraint` names it when known.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// The database cannot be reached or is shutting down.
    #[error("{0}")]
    Unavailable(String),
    /// A setting such as the database URL is wrong; the message names it.
    #[error("{0}")]
    Config(String),
    /// Anything else.
    #[error("database error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() {
                    let constraint = db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned());
                    StoreError::Conflict { constraint }
                } else {
                    StoreError::Other(db.message().to_owned())
                }
            }
            sqlx::Error::Io(e) => StoreError::Unavailable(e.to_string()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => StoreError::Unavailable(e.to_string()),
            sqlx::Error::Tls(e) => StoreError::Unavailable(e.to_string()),
            other => StoreError::Other(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(format!("migration failed: {e}"))
    }
}
