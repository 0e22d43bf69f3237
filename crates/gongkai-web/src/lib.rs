//! HTTP surfaces of gongkai: the public site, the admin console (`/admin`), the JSON API
//! (`/api/v1`), health and metrics. Server-rendered zh-CN HTML that works without JavaScript.
//!
//! This crate reaches data only through `gongkai-service`; it never sees SQL or the index. Routes
//! live in one table per surface ([`public`], [`admin`], [`api`]); cross-cutting behaviour is
//! middleware in [`router`]: request ids, tracing, metrics, identity and CSRF, error rendering,
//! security headers, compression, body limits and timeouts.

// Handlers return a ready `Response` as the error of early exits (redirects, error pages); that is
// axum's idiom, and boxing it would only move the allocation.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod admin_docs;
pub mod admin_review;
pub mod api;
pub mod docs;
pub mod error;
pub mod feeds;
pub mod foi;
pub mod foi_report;
pub mod foi_stats;
pub mod identity;
pub mod interp;
pub mod metrics;
mod params;
pub mod public;
pub mod qa;
pub mod screen;
pub mod search;
pub mod templates;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_service::Service;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::{AppError, ErrorCode, RenderedError};
use crate::metrics::{ErrorLabels, Metrics, RequestLabels, RouteLabels};
use crate::templates::Templates;

pub use error::ErrorCode as Code;

/// Settings of the HTTP layer, from the binary's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Site name shown in the header and titles.
    pub site_name: String,
    /// Mark cookies `Secure` (set when served over https).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded: bool,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Largest request body of the upload routes (`POST /api/v1/screen`, attachment uploads) in bytes.
    pub upload_limit: usize,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// 网站标识码 and ICP 备案号 for the footer.
    pub site_code: Option<String>,
    pub icp: Option<String>,
    /// The address citizens use (`https://…`), for absolute links in feeds; `None`: from `Host`.
    pub public_url: Option<String>,
    /// The pre-publication screening engine (公开前审查) with the configured word lists.
    pub screener: Arc<gongkai_domain::screen::Screener>,
    /// Document ids per sitemap file (`/sitemaps/documents-N.xml`): at most 50,000 URLs each, as
    /// the sitemap protocol allows.
    pub sitemap_chunk: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            site_name: "政务公开平台".into(),
            secure_cookies: false,
            trust_forwarded: false,
            body_limit: 2 * 1024 * 1024,
            upload_limit: 21 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            site_code: None,
            icp: None,
            public_url: None,
            screener: Arc::new(gongkai_domain::screen::Screener::default()),
            sitemap_chunk: crate::feeds::SITEMAP_MAX_URLS,
        }
    }
}

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    pub svc: Service,
    pub web: Arc<WebConfig>,
    pub templates: Arc<Templates>,
    pub metrics: Arc<Metrics>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish()
    }
}

impl AppState {
    pub fn new(svc: Service, web: WebConfig) -> Result<AppState, String> {
        Ok(AppState {
            svc,
            web: Arc::new(web),
            templates: Arc::new(Templates::new()?),
            metrics: Arc::new(Metrics::new()),
        })
    }

    /// Name of the session cookie: `__Host-` prefixed when cookies are `Secure`.
    pub fn session_cookie(&self) -> &'static str {
        if self.web.secure_cookies { "__Host-gk_session" } else { "gk_session" }
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application.
pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    // Uploads have their own body limit; everything else the general one.
    let uploads = Router::new()
        .nest("/api/v1", api::upload_routes())
        .route("/admin/documents/{id}/attachments", axum::routing::post(admin_docs::upload))
        .layer(axum::extract::DefaultBodyLimit::max(state.web.upload_limit))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(state.web.upload_limit));
    let general = Router::new()
        .merge(public::routes())
        .merge(admin::routes())
        .merge(admin_docs::routes())
        .merge(admin_review::routes())
        .merge(search::routes())
        .merge(foi::routes())
        .merge(interp::public_routes())
        .merge(interp::admin_routes())
        .merge(qa::public_routes())
        .merge(qa::admin_routes())
        .nest("/api/v1", api::routes().merge(search::api_routes()).merge(interp::api_routes()).merge(qa::api_routes()))
        .route("/api/openapi.json", get(api::openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(state.web.body_limit));
    Router::new()
        .merge(general)
        .merge(uploads)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), identity::identity))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.web.request_timeout))
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(middleware::from_fn_with_state(state.clone(), identity::no_store))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        ))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
            let id = req.extensions().get::<RequestId>().and_then(|r| r.header_value().to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), route = route.as_deref().unwrap_or("-"), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.svc.ready().await {
        Ok(()) if state.svc.has_search() => match state.svc.search_status().await {
            Ok(s) => (
                StatusCode::OK,
                format!(
                    "ready\nsearch_index applied={} latest={} lag={} gaps={}\n",
                    s.applied,
                    s.latest,
                    s.lag(),
                    s.gaps
                ),
            )
                .into_response(),
            Err(e) => {
                tracing::warn!(error = %e, "search index status failed");
                (StatusCode::SERVICE_UNAVAILABLE, "search index unavailable\n").into_response()
            }
        },
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let (size, idle) = state.svc.pool_stats();
    state.metrics.db_connections.set(i64::from(size));
    state.metrics.db_idle.set(i64::from(idle));
    if state.svc.has_search() {
        if let Ok(s) = state.svc.search_status().await {
            state.metrics.search_lag.set(s.lag());
            state.metrics.search_applied.set(s.applied);
            state.metrics.search_entries.set(i64::try_from(s.entries).unwrap_or(i64::MAX));
        }
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics.encode())
        .into_response()
}

async fn not_found() -> AppError {
    AppError::not_found()
}

async fn method_not_allowed() -> AppError {
    AppError::new(ErrorCode::MethodNotAllowed, "该地址不支持此请求方式。")
}

/// Counts requests and measures latency by route pattern.
async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    state.metrics.requests.get_or_create(&RequestLabels { method, route: route.clone(), status }).inc();
    state.metrics.latency.get_or_create(&RouteLabels { route }).observe(start.elapsed().as_secs_f64());
    resp
}

/// Turns every failure into the surface's form: a zh-CN page for HTML, JSON under `/api/`.
/// Logs each failure once, here.
async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let request_id =
        req.extensions().get::<RequestId>().and_then(|r| r.header_value().to_str().ok()).unwrap_or("-").to_owned();
    let resp = next.run(req).await;
    // The identity middleware runs inside this one and leaves the caller on the response.
    let identity = resp.extensions().get::<identity::Identity>().cloned();
    let err = match resp.extensions().get::<RenderedError>() {
        Some(e) => e.clone(),
        None => match resp.status() {
            StatusCode::PAYLOAD_TOO_LARGE => RenderedError {
                code: ErrorCode::PayloadTooLarge,
                message: "提交的内容超过了大小限制。".into(),
                fields: vec![],
                detail: None,
            },
            StatusCode::REQUEST_TIMEOUT => RenderedError {
                code: ErrorCode::Timeout,
                message: "请求处理超时，请稍后重试。".into(),
                fields: vec![],
                detail: None,
            },
            StatusCode::UNSUPPORTED_MEDIA_TYPE if is_api => RenderedError {
                code: ErrorCode::UnsupportedMediaType,
                message: "请求的内容类型不受支持，请使用 application/json。".into(),
                fields: vec![],
                detail: None,
            },
            _ => return resp,
        },
    };
    state.metrics.errors.get_or_create(&ErrorLabels { code: err.code.as_str().into() }).inc();
    match &err.detail {
        Some(d) if err.code.status().is_server_error() => {
            tracing::error!(code = err.code.as_str(), detail = %d, "request failed")
        }
        Some(d) => tracing::warn!(code = err.code.as_str(), detail = %d, "request failed"),
        None => tracing::info!(code = err.code.as_str(), "request refused"),
    }
    let app_err = AppError { code: err.code, message: err.message, fields: err.fields, detail: None };
    let mut out = if is_api {
        app_err.json_response()
    } else {
        templates::error_page(&state, identity.as_ref(), &app_err, &request_id)
    };
    // Keep headers set by the handler (e.g. Set-Cookie on a failed login).
    for (k, v) in resp.headers() {
        if k == header::SET_COOKIE || k == header::RETRY_AFTER {
            out.headers_mut().append(k, v.clone());
        }
    }
    out
}
