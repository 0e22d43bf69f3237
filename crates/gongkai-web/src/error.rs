//! Errors at the HTTP edge: one [`AppError`] for every surface.
//!
//! Policy (which error type where):
//! - the domain returns rule violations (`Invalid` with field errors);
//! - the service returns `ServiceError`;
//! - handlers return `Result<_, AppError>`; `AppError` renders a zh-CN error page for HTML
//!   requests and `{"error": "<stable_code>", "message": "…"}` (plus `fields` for validation
//!   errors) for `/api/` requests.
//!
//! Internal failures show the client only a generic sentence and a request id; the detail is
//! logged once, here, inside the request span. The stable codes are [`ErrorCode`]; a test checks
//! each one is used.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_service::ServiceError;
use serde::Serialize;

/// Stable, snake_case error codes that clients and the UI key off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    ValidationFailed,
    Unauthenticated,
    Forbidden,
    CsrfFailed,
    NotFound,
    MethodNotAllowed,
    Conflict,
    AccountLocked,
    RateLimited,
    PayloadTooLarge,
    UnsupportedMediaType,
    Timeout,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::BadRequest,
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::CsrfFailed,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::AccountLocked,
        ErrorCode::RateLimited,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Timeout,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::CsrfFailed => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::AccountLocked => StatusCode::LOCKED,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Timeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The zh-CN title of the error page.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "请求有误",
            ErrorCode::ValidationFailed => "填写内容有误",
            ErrorCode::Unauthenticated => "请先登录",
            ErrorCode::Forbidden => "没有权限",
            ErrorCode::CsrfFailed => "页面已过期",
            ErrorCode::NotFound => "页面不存在",
            ErrorCode::MethodNotAllowed => "不支持的请求方式",
            ErrorCode::Conflict => "操作冲突",
            ErrorCode::AccountLocked => "账号已临时锁定",
            ErrorCode::RateLimited => "操作过于频繁",
            ErrorCode::PayloadTooLarge => "提交的内容过大",
            ErrorCode::UnsupportedMediaType => "不支持的内容类型",
            ErrorCode::Timeout => "请求超时",
            ErrorCode::Unavailable => "服务暂时不可用",
            ErrorCode::Internal => "系统内部错误",
        }
    }
}

/// One field's problem, as sent to API clients and shown beside form fields.
#[derive(Debug, Clone, Serialize)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

/// Every failure of a request.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldMessage>,
    /// Logged, never shown.
    pub detail: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError { code, message: message.into(), fields: Vec::new(), detail: None }
    }

    pub fn not_found() -> AppError {
        AppError::new(ErrorCode::NotFound, "您访问的页面不存在或已被移除。")
    }

    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::BadRequest, message)
    }

    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError {
            code: ErrorCode::Internal,
            message: "系统内部错误，请稍后重试。如问题持续，请联系网站管理员并提供请求编号。".into(),
            fields: Vec::new(),
            detail: Some(detail.into()),
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(inv) => AppError {
                code: ErrorCode::ValidationFailed,
                message: inv.0.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("；"),
                fields: inv.0.into_iter().map(|f| FieldMessage { field: f.field, message: f.message }).collect(),
                detail: None,
            },
            ServiceError::Unauthenticated(m) => AppError::new(ErrorCode::Unauthenticated, m),
            ServiceError::Forbidden(m) => AppError::new(ErrorCode::Forbidden, m),
            ServiceError::NotFound(m) => AppError::new(ErrorCode::NotFound, m),
            ServiceError::Conflict(m) => AppError::new(ErrorCode::Conflict, m),
            ServiceError::Locked { until_ms } => {
                let until = match (
                    chrono::DateTime::from_timestamp_millis(until_ms),
                    chrono::FixedOffset::east_opt(8 * 3600),
                ) {
                    (Some(t), Some(tz)) => t.with_timezone(&tz).format("%H:%M").to_string(),
                    _ => String::new(),
                };
                AppError::new(
                    ErrorCode::AccountLocked,
                    format!("登录失败次数过多，账号已临时锁定，请于 {until}（北京时间）后再试，或联系系统管理员。"),
                )
            }
            ServiceError::RateLimited(m) => AppError::new(ErrorCode::RateLimited, m),
            ServiceError::Unavailable(d) => AppError {
                code: ErrorCode::Unavailable,
                message: "数据库暂时无法访问，请稍后重试。".into(),
                fields: Vec::new(),
                detail: Some(d),
            },
            ServiceError::Internal(d) => AppError::internal(d),
        }
    }
}

/// The JSON body of an API error.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldMessage]>::is_empty")]
    fields: &'a [FieldMessage],
}

impl AppError {
    /// The JSON form, for API clients.
    pub fn json_response(&self) -> Response {
        let body = ErrorBody { error: self.code.as_str(), message: &self.message, fields: &self.fields };
        let json = serde_json::to_string(&body).unwrap_or_else(|_| "{\"error\":\"internal\"}".into());
        (self.code.status(), [(header::CONTENT_TYPE, "application/json; charset=utf-8")], json).into_response()
    }
}

/// Marker put in the response extensions so the error middleware can render it for the surface
/// (HTML page or JSON) and log it once.
#[derive(Debug, Clone)]
pub struct RenderedError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldMessage>,
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // A plain response whose body the error layer replaces with a page or JSON.
        let mut r = self.json_response();
        r.extensions_mut().insert(RenderedError {
            code: self.code,
            message: self.message,
            fields: self.fields,
            detail: self.detail,
        });
        r
    }
}
