//! The service's error type.

use gongkai_domain::Invalid;
use gongkai_store::StoreError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input broke a rule; each error names its field.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Not logged in, or the session or token is no longer valid.
    #[error("{0}")]
    Unauthenticated(String),
    /// Logged in but not allowed.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The change clashes with existing data (a duplicate code, a second open draft, …).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed logins: locked until the given instant (ms).
    #[error("账号已被临时锁定")]
    Locked { until_ms: i64 },
    /// Too many requests from one address.
    #[error("{0}")]
    RateLimited(String),
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken invariant; details are logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound("记录不存在".into()),
            StoreError::Conflict { constraint } => ServiceError::Conflict(format!("数据冲突（{constraint}）")),
            StoreError::Unavailable(m) => ServiceError::Unavailable(m),
            StoreError::Config(m) => ServiceError::Internal(m),
            StoreError::Other(m) => ServiceError::Internal(m),
        }
    }
}

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(Invalid::one(field, message))
    }

    pub fn forbidden() -> ServiceError {
        ServiceError::Forbidden("您没有执行此操作的权限".into())
    }
}
