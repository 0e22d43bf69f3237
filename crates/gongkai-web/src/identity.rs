//! Who is asking: client address, session cookie or API token, and CSRF protection.
//!
//! The [`identity`] middleware runs before every handler. It resolves the caller once and stores an
//! [`Identity`] in the request extensions:
//! - `Authorization: Bearer gk_…` → the token's account (API clients; no cookies involved);
//! - otherwise the session cookie → the session's account, at whatever login stage it is;
//! - otherwise anonymous, with a random pre-session CSRF cookie so anonymous forms (login) are
//!   protected too.
//!
//! Every state-changing request (anything but GET, HEAD, OPTIONS) that is not authenticated by a
//! bearer token must carry the CSRF token — form field `_csrf` or header `X-CSRF-Token` — equal to
//! the session's (or the pre-session cookie's) token, and, when the browser sends `Origin`, come
//! from this site. Otherwise it is refused with 403 `csrf_failed` before any handler runs.
//!
//! A session counts as its account only when it is complete: past the second factor and, when
//! the account must change its password, only on the password page. Half-logged-in sessions act as
//! their account only on the login steps' own routes (for their audit entries); an API call with
//! a session that must change its password is refused.
//!
//! [`no_store`] marks every console response (`/admin…`) and every API response to a caller with a
//! session cookie or a bearer token `Cache-Control: no-store`, once for all routes.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gongkai_service::domain::account::SessionStage;
use gongkai_service::{AuthUser, Ctx, SessionAuth};

use crate::AppState;
use crate::error::{AppError, ErrorCode};

/// The caller of this request.
#[derive(Debug, Clone)]
pub struct Identity {
    pub ip: Option<String>,
    pub session: Option<SessionAuth>,
    /// The raw session cookie value (to log out or rotate).
    pub session_token: Option<String>,
    pub token_user: Option<AuthUser>,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
    /// Display preferences from the `gk_prefs` cookie.
    pub prefs: DisplayPrefs,
    /// The request's path (for navigation state and "back to where I was" links).
    pub path: String,
}

/// Display preferences (适老化): larger type and targets, and high contrast. Kept in a cookie so they
/// work without JavaScript and without an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisplayPrefs {
    /// 适老版: body text at least 18 px, larger headings, spacing and targets, simplified layout.
    pub elderly: bool,
    /// 高对比度.
    pub contrast: bool,
}

/// Name of the display-preferences cookie.
pub const PREFS_COOKIE: &str = "gk_prefs";

impl DisplayPrefs {
    /// Parses the cookie value: a comma-separated list of `elderly`, `contrast`.
    pub fn parse(v: &str) -> DisplayPrefs {
        let mut p = DisplayPrefs::default();
        for part in v.split(',') {
            match part.trim() {
                "elderly" => p.elderly = true,
                "contrast" => p.contrast = true,
                _ => {}
            }
        }
        p
    }

    /// The cookie value.
    pub fn value(self) -> String {
        let mut parts = Vec::new();
        if self.elderly {
            parts.push("elderly");
        }
        if self.contrast {
            parts.push("contrast");
        }
        if parts.is_empty() { "standard".into() } else { parts.join(",") }
    }
}

impl Identity {
    /// The service context for this caller: a fully logged-in session or a token is a user;
    /// anything else is anonymous.
    pub fn ctx(&self) -> Ctx {
        if let Some(u) = &self.token_user {
            return Ctx::user(u.clone(), self.ip.clone());
        }
        match &self.session {
            Some(s) if self.complete(s) => Ctx::user(s.user.clone(), self.ip.clone()),
            // Half-logged-in sessions act as their account only for the login steps' audit entries.
            Some(s) if LOGIN_STEP_PATHS.contains(&self.path.as_str()) => Ctx::user(s.user.clone(), self.ip.clone()),
            _ => Ctx::anonymous(self.ip.clone()),
        }
    }

    /// The fully logged-in staff account, if any.
    pub fn staff(&self) -> Option<&AuthUser> {
        if let Some(u) = &self.token_user {
            return Some(u);
        }
        self.session.as_ref().filter(|s| self.complete(s)).map(|s| &s.user)
    }

    /// Whether a session counts as its account on this request: past every login step, and when
    /// the password must be changed, only where it is changed (and on the login steps, which send
    /// it there).
    fn complete(&self, s: &SessionAuth) -> bool {
        s.session.stage == SessionStage::Full
            && (!s.user.user.must_change_password
                || PASSWORD_CHANGE_PATHS.contains(&self.path.as_str())
                || LOGIN_STEP_PATHS.contains(&self.path.as_str()))
    }
}

/// The login steps' routes, where a half-logged-in session acts as its account.
const LOGIN_STEP_PATHS: [&str; 4] = ["/admin/login", "/admin/login/totp", "/admin/totp/enroll", "/admin/logout"];

/// Where a session that must change its password still acts as its account.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/admin/password", "/admin/logout"];

/// Whether a response to this request must not be stored: the console, and the API answering a
/// caller with a session cookie or a bearer token (staff data).
fn is_staff_request(headers: &HeaderMap, path: &str, session_cookie: &str) -> bool {
    if path == "/admin" || path.starts_with("/admin/") {
        return true;
    }
    path.starts_with("/api/")
        && (headers.contains_key(header::AUTHORIZATION) || cookie(headers, session_cookie).is_some())
}

/// Sets `Cache-Control: no-store` on every console and staff-API response (see the module
/// documentation). Runs outside the error rendering, so error pages carry it too.
pub async fn no_store(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let staff = is_staff_request(req.headers(), req.uri().path(), state.session_cookie());
    let mut resp = next.run(req).await;
    if staff {
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

impl Identity {}

/// Reads one cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// A `Set-Cookie` value with our attributes: HttpOnly, SameSite=Lax, Path=/, Secure behind https.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        s.push_str("; Secure");
    }
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Path=/"))
}

fn client_ip(req: &Request, trust_forwarded: bool) -> Option<String> {
    if trust_forwarded {
        if let Some(v) = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            if let Some(first) = v.split(',').next().map(str::trim).filter(|s| !s.is_empty()) {
                return Some(first.chars().take(64).collect());
            }
        }
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

fn random_csrf() -> String {
    let mut b = [0u8; 24];
    // If the OS has no randomness the request fails closed below (empty token never matches).
    if getrandom_fill(&mut b) { data_encoding::BASE64URL_NOPAD.encode(&b) } else { String::new() }
}

fn getrandom_fill(b: &mut [u8]) -> bool {
    gongkai_service::random_fill(b)
}

/// Whether the request's `Origin` (when present) is this site.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin_host = origin.split("://").nth(1).unwrap_or_default();
    let fwd_host = headers.get("x-forwarded-host").and_then(|v| v.to_str().ok());
    origin_host.eq_ignore_ascii_case(host) || fwd_host.is_some_and(|h| origin_host.eq_ignore_ascii_case(h))
}

/// The middleware described in the module documentation.
pub async fn identity(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, state.web.trust_forwarded);
    let headers = req.headers().clone();
    let prefs = cookie(&headers, PREFS_COOKIE).map(DisplayPrefs::parse).unwrap_or_default();
    let path: String = req.uri().path().chars().take(512).collect();
    let mut identity =
        Identity { ip, session: None, session_token: None, token_user: None, csrf: String::new(), prefs, path };
    let mut new_anon_csrf = None;

    if let Some(token) = bearer(&headers) {
        match state.svc.token_user(token).await {
            Ok(Some((_, user))) => identity.token_user = Some(user),
            Ok(None) => {
                return with_identity(
                    AppError::new(ErrorCode::Unauthenticated, "API 令牌无效、已过期或已被撤销。").into_response(),
                    &identity,
                );
            }
            Err(e) => return AppError::from(e).into_response(),
        }
    } else {
        if let Some(token) = cookie(&headers, state.session_cookie()) {
            match state.svc.session(token).await {
                Ok(Some(s)) => {
                    identity.csrf = s.session.csrf_token.clone();
                    identity.session = Some(s);
                    identity.session_token = Some(token.to_owned());
                }
                Ok(None) => {}
                Err(e) => return AppError::from(e).into_response(),
            }
        }
        if identity.session.is_none() && !identity.path.starts_with("/static/") {
            match cookie(&headers, CSRF_COOKIE) {
                Some(c) => identity.csrf = c.to_owned(),
                None => {
                    let c = random_csrf();
                    identity.csrf = c.clone();
                    new_anon_csrf = Some(c);
                }
            }
        }
    }

    // The console sends such a session to the password form; the API has no form, so it refuses.
    if identity.path.starts_with("/api/")
        && identity
            .session
            .as_ref()
            .is_some_and(|s| s.session.stage == SessionStage::Full && s.user.user.must_change_password)
    {
        return with_identity(
            AppError::new(ErrorCode::Forbidden, "须先修改密码：请在控制台“修改密码”页设置新密码后再使用接口。")
                .into_response(),
            &identity,
        );
    }

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && identity.token_user.is_none() {
        if !same_origin(&headers) {
            return with_identity(
                AppError::new(ErrorCode::CsrfFailed, "请求来源与本站不一致，已被拒绝。").into_response(),
                &identity,
            );
        }
        let (provided, rebuilt) = match csrf_from_request(req, state.web.body_limit).await {
            Ok(x) => x,
            Err(resp) => return resp,
        };
        req = rebuilt;
        let ok =
            !identity.csrf.is_empty() && new_anon_csrf.is_none() && provided.as_deref() == Some(identity.csrf.as_str());
        if !ok {
            return with_identity(
                AppError::new(ErrorCode::CsrfFailed, "页面已过期或请求未通过安全校验，请返回上一页刷新后重新提交。")
                    .into_response(),
                &identity,
            );
        }
    }

    req.extensions_mut().insert(identity.clone());
    let mut resp = next.run(req).await;
    resp.extensions_mut().insert(identity);
    if let Some(c) = new_anon_csrf {
        resp.headers_mut().append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &c, state.web.secure_cookies, None));
    }
    resp
}

/// Leaves the caller on a response so the error layer can render pages for them.
fn with_identity(mut r: Response, identity: &Identity) -> Response {
    r.extensions_mut().insert(identity.clone());
    r
}

/// Name of the pre-session CSRF cookie.
pub const CSRF_COOKIE: &str = "gk_csrf";

/// Takes the CSRF token from the `X-CSRF-Token` header, or from the `_csrf` field of a URL-encoded
/// form body (which is buffered, within the body limit, and put back).
async fn csrf_from_request(req: Request, limit: usize) -> Result<(Option<String>, Request), Response> {
    if let Some(h) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        let h = h.to_owned();
        return Ok((Some(h), req));
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // A file upload form cannot carry a header without JavaScript and its body is not buffered
    // here, so its token travels in the form's action URL (`?_csrf=…`). The Referrer-Policy keeps
    // it from leaving the site.
    if content_type.starts_with("multipart/form-data") {
        let token = req.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "_csrf").map(|(_, v)| v.into_owned())
        });
        return Ok((token, req));
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return Err(AppError::new(ErrorCode::PayloadTooLarge, "提交的内容超过了大小限制。").into_response());
        }
    };
    let token = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == "_csrf").map(|(_, v)| v.into_owned());
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}
