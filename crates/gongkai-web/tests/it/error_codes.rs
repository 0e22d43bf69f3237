//! The stable error codes: each one is used by the web layer, and each one a client can meet is
//! actually produced over HTTP in the documented shape (zh-CN page, or JSON under `/api/`).

use std::collections::BTreeSet;
use std::path::Path;

use axum::http::{Method, StatusCode};
use gongkai_domain::role::Role;
use gongkai_service::ServiceConfig;
use gongkai_web::WebConfig;
use gongkai_web::error::ErrorCode;

use crate::support::{PASSWORD, Resp, TestApp, app, app_with, csrf_of, form};

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out.sort();
}

/// The sources of the web crate other than `src/error.rs`, and `src/error.rs` itself.
fn sources() -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() > 3, "{files:?}");
    let mut others = String::new();
    let mut error_rs = String::new();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        if p == dir.join("error.rs") {
            error_rs = text;
        } else {
            others.push_str(&text);
            others.push('\n');
        }
    }
    assert!(!error_rs.is_empty(), "src/error.rs not found");
    (others, error_rs)
}

/// The text of `impl From<ServiceError> for AppError { ... }` in `error.rs`.
fn service_mapping(error_rs: &str) -> &str {
    let start = error_rs.find("impl From<ServiceError> for AppError").unwrap();
    let rest = &error_rs[start..];
    let end = rest.find("\n}\n").unwrap();
    &rest[..end]
}

/// Every code must be produced somewhere outside its own definition: named directly
/// (`ErrorCode::X` or its string) in another source file, through one of `AppError`'s
/// constructors that another file calls, or as the mapping of a `ServiceError` (which handlers
/// convert with `?` / `AppError::from`).
///
/// (No code's `as_str()` string literally appears outside `error.rs`: the sources name codes by
/// their enum variant, so that is what this test looks for.)
#[test]
fn every_error_code_is_used_by_the_web_layer() {
    let (others, error_rs) = sources();
    let mapping = service_mapping(&error_rs);
    let converts_service_errors = others.contains("AppError::from(") || others.contains(")?");
    let helpers = [
        (ErrorCode::BadRequest, "AppError::bad_request("),
        (ErrorCode::NotFound, "AppError::not_found"),
        (ErrorCode::Internal, "AppError::internal("),
    ];
    let mut unused = Vec::new();
    for code in ErrorCode::ALL {
        let variant = format!("ErrorCode::{code:?}");
        // Guard against the enum and its string drifting apart.
        let snake: String = format!("{code:?}")
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let lower = c.to_ascii_lowercase();
                if c.is_ascii_uppercase() && i > 0 { vec!['_', lower] } else { vec![lower] }
            })
            .collect();
        assert_eq!(code.as_str(), snake, "{code:?}");
        let direct = others.contains(&variant) || others.contains(&format!("\"{}\"", code.as_str()));
        let helper = helpers.iter().any(|(c, call)| *c == code && others.contains(call));
        let mapped = converts_service_errors && mapping.contains(&variant);
        if !(direct || helper || mapped) {
            unused.push(code.as_str());
        }
    }
    assert!(unused.is_empty(), "error codes never produced: {unused:?}");
}

#[test]
fn error_codes_are_distinct_and_statuses_match_their_kind() {
    let strs: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(strs.len(), ErrorCode::ALL.len());
    for c in ErrorCode::ALL {
        let s = c.status();
        assert!(s.is_client_error() || s.is_server_error(), "{c:?}: {s}");
        assert!(!c.title().is_empty());
        assert!(!c.title().is_ascii(), "{c:?}: title should be zh-CN");
    }
}

/// The code a response carries: `error` of a JSON body, the code printed on an error page, or
/// (for a form shown again with an error) the one code with that status.
fn code_of(r: &Resp) -> String {
    if r.header("content-type").unwrap_or_default().starts_with("application/json") {
        return r.json()["error"].as_str().unwrap_or_default().to_owned();
    }
    if let Some(i) = r.body.find("错误代码：<code>") {
        let rest = &r.body[i + "错误代码：<code>".len()..];
        return rest[..rest.find("</code>").unwrap()].to_owned();
    }
    let by_status: Vec<ErrorCode> = ErrorCode::ALL.into_iter().filter(|c| c.status() == r.status).collect();
    assert_eq!(by_status.len(), 1, "ambiguous: {} {}", r.status, r.body);
    by_status[0].as_str().to_owned()
}

struct Seen {
    codes: BTreeSet<String>,
}

impl Seen {
    fn expect(&mut self, what: &str, r: &Resp, code: ErrorCode) {
        assert_eq!(r.status, code.status(), "{what}: {}", r.body);
        let got = code_of(r);
        assert_eq!(got, code.as_str(), "{what}: {}", r.body);
        if r.header("content-type").unwrap_or_default().starts_with("application/json") {
            let j = r.json();
            assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {j}");
        } else {
            assert!(r.body.contains(r#"lang="zh-CN""#), "{what}: {}", r.body);
        }
        assert!(r.header("content-security-policy").is_some(), "{what}");
        self.codes.insert(got);
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn api_post(t: &TestApp, token: &str, ctype: &str, body: &str) -> Resp {
    t.client()
        .send_body(Method::POST, "/api/v1/orgs", ctype, body.to_owned(), &[("authorization", &bearer(token))])
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_code_a_client_can_meet_is_produced() {
    let cfg = ServiceConfig { ip_failure_limit: 3, ..ServiceConfig::default() };
    let web = WebConfig { trust_forwarded: true, body_limit: 4096, ..WebConfig::default() };
    let t = app_with(cfg, web).await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    t.user("editor", &[(Role::Editor, "sc")]).await;
    let (_, admin) = t.token("sysadmin").await;
    let (_, editor) = t.token("editor").await;
    let mut seen = Seen { codes: BTreeSet::new() };

    let r = api_post(&t, &admin, "application/json", "{\"code\": ").await;
    seen.expect("malformed JSON", &r, ErrorCode::BadRequest);

    let r = api_post(&t, &admin, "application/json", r#"{"code":"p1","name":"某地","kind":"planet"}"#).await;
    seen.expect("unknown kind", &r, ErrorCode::ValidationFailed);

    let r = t.client().get("/api/v1/me").await;
    seen.expect("anonymous /me", &r, ErrorCode::Unauthenticated);

    let r = t.client().get_with("/admin/audit", &[("authorization", &bearer(&editor))]).await;
    seen.expect("editor reads audit", &r, ErrorCode::Forbidden);

    let r = t.client().post_form("/admin/login", &[("username", "editor")]).await;
    seen.expect("no CSRF token", &r, ErrorCode::CsrfFailed);

    let r = t.client().get("/api/v1/orgs/nope").await;
    seen.expect("unknown org", &r, ErrorCode::NotFound);

    let r = t.client().get("/admin/logout").await;
    seen.expect("GET logout", &r, ErrorCode::MethodNotAllowed);

    // Revoking the same token twice.
    let (id, _) = t.token("editor").await;
    let path = format!("/admin/tokens/{id}/revoke");
    let mut c = t.client();
    c.default_header("authorization", &bearer(&editor));
    let r = c.post_form(&path, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.post_form(&path, &[]).await;
    seen.expect("revoke twice", &r, ErrorCode::Conflict);

    let mut c = t.client();
    let csrf = csrf_of(&c.get("/admin/login").await.body);
    let mut last = None;
    for _ in 0..5 {
        let r = c
            .post_form("/admin/login", &[("_csrf", &csrf), ("username", "editor"), ("password", "Wrong-Password-1")])
            .await;
        last = Some(r);
    }
    seen.expect("fifth wrong password", &last.unwrap(), ErrorCode::AccountLocked);

    let mut c = t.client();
    c.default_header("x-forwarded-for", "203.0.113.9");
    for i in 0..3 {
        let r = c.login(&format!("guess-{i}"), "Wrong-Password-1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    let r = c.login("sysadmin", PASSWORD).await;
    seen.expect("address limit", &r, ErrorCode::RateLimited);

    // A form body over the limit (sent without Content-Length, as a stream would be).
    let mut c = t.client();
    let csrf = csrf_of(&c.get("/admin/login").await.body);
    let big = "x".repeat(8192);
    let r = c.post_form("/admin/login", &[("username", &big), ("password", PASSWORD), ("_csrf", &csrf)]).await;
    seen.expect("big form", &r, ErrorCode::PayloadTooLarge);

    let r = api_post(&t, &admin, "text/plain", "{}").await;
    seen.expect("text/plain body", &r, ErrorCode::UnsupportedMediaType);

    // Internal failure: the organisations table is gone.
    let broken = app().await;
    broken.db.store.execute_admin("ALTER TABLE orgs RENAME TO orgs_gone").await.unwrap();
    let r = broken.client().get("/api/v1/orgs").await;
    seen.expect("table missing (API)", &r, ErrorCode::Internal);
    // The detail is logged, never shown.
    assert!(!r.body.to_lowercase().contains("orgs"), "{}", r.body);
    assert!(!r.body.to_lowercase().contains("table"), "{}", r.body);
    assert!(!r.body.to_lowercase().contains("relation"), "{}", r.body);
    let r = broken.client().get("/").await;
    seen.expect("table missing (page)", &r, ErrorCode::Internal);
    assert!(r.body.contains("系统内部错误"), "{}", r.body);
    let id = r.header("x-request-id").unwrap();
    assert!(r.body.contains(id), "the page should show the request id");

    // The database is unreachable.
    broken.db.store.close().await;
    let r = broken.client().get("/api/v1/orgs").await;
    seen.expect("database closed", &r, ErrorCode::Unavailable);
    let r = broken.client().get("/").await;
    seen.expect("database closed (page)", &r, ErrorCode::Unavailable);

    // Timeout cannot be provoked in-process deterministically; see the `gongkai` binary's
    // tests (and the bug report on where the timeout layer sits).
    let expected: BTreeSet<String> =
        ErrorCode::ALL.into_iter().filter(|c| *c != ErrorCode::Timeout).map(|c| c.as_str().to_owned()).collect();
    assert_eq!(seen.codes, expected);

    let m = t.client().get("/metrics").await.body;
    for code in ["csrf_failed", "conflict", "payload_too_large", "forbidden"] {
        assert!(m.contains(&format!("gongkai_http_errors_total{{code=\"{code}\"}}")), "{code}: {m}");
    }
}

/// BUG (see report): `RequestBodyLimitLayer` and `TimeoutLayer` sit outside `render_errors` and
/// the security-header layers in `gongkai_web::router`, so their 413/408 answers are bare: no CSP,
/// no `X-Frame-Options`, not JSON under `/api/`, not the zh-CN page elsewhere, not counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_with_content_length_gets_the_error_shape() {
    let web = WebConfig { body_limit: 4096, ..WebConfig::default() };
    let t = app_with(ServiceConfig::default(), web).await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let (_, admin) = t.token("sysadmin").await;
    let body = format!(r#"{{"code":"x","name":"{}","kind":"office"}}"#, "x".repeat(8192));
    let len = body.len().to_string();
    let r = t
        .client()
        .send_body(
            Method::POST,
            "/api/v1/orgs",
            "application/json",
            body,
            &[("authorization", &bearer(&admin)), ("content-length", &len)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.header("content-security-policy").is_some(), "{:?}", r.headers);
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.json()["error"], "payload_too_large");
    // And the HTML form of the same.
    let mut c = t.client();
    let csrf = csrf_of(&c.get("/admin/login").await.body);
    let body = form(&[("_csrf", &csrf), ("username", &"x".repeat(8192))]);
    let len = body.len().to_string();
    let r = c
        .send_body(Method::POST, "/admin/login", "application/x-www-form-urlencoded", body, &[("content-length", &len)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("<code>payload_too_large</code>"), "{}", r.body);
}

/// BUG (see report): a JSON body over the limit without `Content-Length` is answered 400
/// `bad_request` because `AppJson` maps every other rejection to `bad_request`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_json_stream_is_payload_too_large() {
    let web = WebConfig { body_limit: 4096, ..WebConfig::default() };
    let t = app_with(ServiceConfig::default(), web).await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let (_, admin) = t.token("sysadmin").await;
    let body = format!(r#"{{"code":"x","name":"{}","kind":"office"}}"#, "x".repeat(8192));
    let r = api_post(&t, &admin, "application/json", &body).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.json()["error"], "payload_too_large");
}

/// BUG (see report): `render_errors` looks for the `Identity` in the request extensions, but the
/// identity middleware runs inside it and inserts it into its own copy of the request, so error
/// pages never know who is logged in (header shows 工作人员登录, no logout form).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_pages_know_who_is_logged_in() {
    let t = app().await;
    t.user("editor", &[(Role::Editor, "sc")]).await;
    let mut s = t.logged_in("editor", None).await;
    let r = s.client.get("/admin/audit").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("（editor）"), "{}", r.body);
    assert!(r.body.contains(r#"action="/admin/logout""#), "{}", r.body);
    assert!(!r.body.contains("工作人员登录"), "{}", r.body);
}
