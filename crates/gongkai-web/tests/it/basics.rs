//! Health, readiness, metrics, security headers and the not-found answers of each surface.

use axum::http::StatusCode;

use crate::support::{Resp, app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_readyz_answer_200() {
    let t = app().await;
    let mut c = t.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok\n");
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with("ready\nsearch_index applied=0 latest=0 lag=0"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_when_the_database_is_gone() {
    let t = app().await;
    t.db.store.close().await;
    let r = t.client().get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    // Liveness does not depend on the database.
    assert_eq!(t.client().get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_pattern() {
    let t = app().await;
    let mut c = t.client();
    let before = c.get("/metrics").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.header("content-type").unwrap().starts_with("application/openmetrics-text"), "{:?}", before.headers);
    assert!(!before.body.contains("route=\"/org/{code}/\""), "{}", before.body);
    assert_eq!(c.get("/org/sc/").await.status, StatusCode::OK);
    assert_eq!(c.get("/api/v1/nope").await.status, StatusCode::NOT_FOUND);
    let m = c.get("/metrics").await.body;
    assert!(m.contains("gongkai_http_requests_total"), "{m}");
    // Labelled by the route pattern, not by the raw path.
    assert!(
        m.lines().any(|l| l.starts_with("gongkai_http_requests_total")
            && l.contains("route=\"/org/{code}/\"")
            && l.contains("status=\"200\"")),
        "{m}"
    );
    assert!(!m.contains("route=\"/org/sc/\""), "{m}");
    assert!(m.contains("gongkai_http_request_duration_seconds"), "{m}");
    // Error responses are counted by stable code.
    assert!(m.lines().any(|l| l.starts_with("gongkai_http_errors_total") && l.contains("code=\"not_found\"")), "{m}");
    assert!(m.contains("gongkai_db_pool_connections"), "{m}");
}

fn assert_security_headers(r: &Resp, what: &str) {
    let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP: {:?}", r.headers));
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("strict-origin-when-cross-origin"), "{what}");
    assert!(r.header("permissions-policy").is_some(), "{what}");
    let id = r.header("x-request-id").unwrap_or_else(|| panic!("{what}: no x-request-id: {:?}", r.headers));
    assert!(!id.is_empty(), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let t = app().await;
    let mut c = t.client();
    let cases = [
        ("/", StatusCode::OK, "text/html"),
        ("/admin/login", StatusCode::OK, "text/html"),
        ("/api/v1/orgs", StatusCode::OK, "application/json"),
        ("/no/such/page", StatusCode::NOT_FOUND, "text/html"),
        ("/api/v1/no-such-thing", StatusCode::NOT_FOUND, "application/json"),
        ("/api/v1/me", StatusCode::UNAUTHORIZED, "application/json"),
        ("/static/site.css", StatusCode::OK, "text/css"),
        ("/healthz", StatusCode::OK, "text/plain"),
    ];
    for (path, status, ctype) in cases {
        let r = c.get(path).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert!(r.header("content-type").unwrap_or_default().starts_with(ctype), "{path}: {:?}", r.headers);
        assert_security_headers(&r, path);
    }
    // A refused POST too.
    let r = c.post_form("/admin/login", &[("username", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_security_headers(&r, "POST /admin/login without CSRF");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_unique_and_a_given_one_is_kept() {
    let t = app().await;
    let mut c = t.client();
    let a = c.get("/healthz").await;
    let b = c.get("/healthz").await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    let r = c.get_with("/healthz", &[("x-request-id", "trace-me-123")]).await;
    assert_eq!(r.header("x-request-id"), Some("trace-me-123"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_page_is_zh_cn_html_with_the_request_id() {
    let t = app().await;
    let r = t.client().get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains(r#"<html lang="zh-CN">"#), "{}", r.body);
    assert!(r.body.contains("页面不存在"), "{}", r.body);
    assert!(r.body.contains("<code>not_found</code>"), "{}", r.body);
    let id = r.header("x-request-id").unwrap();
    assert!(r.body.contains(id), "request id {id} not on the page");
    // An unknown organisation is the same page.
    let r = t.client().get("/org/no-such-org/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("页面不存在"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_under_api_is_json() {
    let t = app().await;
    let mut c = t.client();
    for path in ["/api/v1/nope", "/api/v1/orgs/no-such-org", "/api/v2/orgs"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.header("content-type").unwrap().starts_with("application/json"), "{path}: {:?}", r.headers);
        let j = r.json();
        assert_eq!(j["error"], "not_found", "{path}: {j}");
        assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {j}");
        assert!(!r.body.contains("<html"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_method_is_405_with_a_page() {
    let t = app().await;
    // GET is safe, so no CSRF check runs before the method check.
    let r = t.client().get("/admin/logout").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.body);
    assert!(r.body.contains("<code>method_not_allowed</code>"), "{}", r.body);
    assert!(r.body.contains(r#"lang="zh-CN""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_and_static_assets() {
    let t = app().await;
    let mut c = t.client();
    let r = c.get("/admin").await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.location(), "/admin/");
    let r = c.get("/org/sc-cd").await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.location(), "/org/sc-cd/");
    let r = c.get("/static/site.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("cache-control").unwrap().contains("max-age"));
    assert!(!r.body.is_empty());
    // Admin pages are never cached.
    let r = c.get("/admin/login").await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_show_the_organisation_tree() {
    let t = app().await;
    let mut c = t.client();
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(r#"href="/org/sc/""#), "{}", home.body);
    assert!(home.body.contains("成都市人民政府"), "{}", home.body);
    let org = c.get("/org/sc-cd/").await;
    assert_eq!(org.status, StatusCode::OK);
    assert!(org.body.contains("<h1>成都市人民政府</h1>"), "{}", org.body);
    // Breadcrumb up to the province.
    assert!(org.body.contains(r#"<a href="/org/sc/">四川省人民政府</a>"#));
    // Templates escape what they print.
    let r = c.get("/org/%3Cscript%3E/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("<script>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_preferences_are_kept_in_a_cookie() {
    let t = app().await;
    let mut c = t.client();
    let page = c.get("/prefs?next=/org/sc/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // (Auto-escaping writes `/` as `&#x2f;`.)
    assert!(
        page.body.contains(r#"name="next" value="/org/sc/""#)
            || page.body.contains(r#"name="next" value="&#x2f;org&#x2f;sc&#x2f;""#),
        "{}",
        page.body
    );
    let csrf = crate::support::csrf_of(&page.body);
    // Like every form, it needs the CSRF token.
    let r = c.post_form("/prefs", &[("mode", "elderly"), ("next", "/org/sc/")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.set_cookie("gk_prefs").is_none());
    let r =
        c.post_form("/prefs", &[("_csrf", &csrf), ("mode", "elderly"), ("contrast", "on"), ("next", "/org/sc/")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/org/sc/");
    let set = r.set_cookie("gk_prefs").unwrap();
    assert!(set.contains("Max-Age="), "{set}");
    let r = c.get("/org/sc/").await;
    assert!(r.body.contains(r#"<body class="mode-elderly mode-contrast">"#), "{}", r.body);
    assert!(r.body.contains("标准版 / 显示设置"), "{}", r.body);
    // Back to standard; a foreign `next` goes home instead.
    let r = c.post_form("/prefs", &[("_csrf", &csrf), ("mode", "standard"), ("next", "https://evil.example/")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/");
    let r = c.get("/").await;
    assert!(r.body.contains(r#"<body class="">"#), "{}", r.body);
}
