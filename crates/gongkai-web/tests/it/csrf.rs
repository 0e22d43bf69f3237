//! CSRF protection of state-changing requests: the form token, the pre-session cookie, `Origin`.

use axum::http::{Method, StatusCode};
use gongkai_domain::role::Role;
use gongkai_web::identity::CSRF_COOKIE;

use crate::support::{PASSWORD, app, cookie_value, csrf_of};

fn assert_csrf_refused(r: &crate::support::Resp) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("<code>csrf_failed</code>"), "{}", r.body);
    assert!(r.body.contains(r#"lang="zh-CN""#), "{}", r.body);
    assert!(r.set_cookie("gk_session").is_none(), "a refused request must not log in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_form_sets_a_pre_session_csrf_cookie() {
    let t = app().await;
    let mut c = t.client();
    let page = c.get("/admin/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let set = page.set_cookie(CSRF_COOKIE).unwrap();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    let token = cookie_value(&set);
    assert!(token.len() >= 32, "{token}");
    assert_eq!(csrf_of(&page.body), token);
    // The cookie is reused, not replaced, on the next page.
    let again = c.get("/admin/login").await;
    assert!(again.set_cookie(CSRF_COOKIE).is_none());
    assert_eq!(csrf_of(&again.body), token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_without_csrf_field_is_refused() {
    let t = app().await;
    t.user("wang-wu", &[]).await;
    let mut c = t.client();
    c.get("/admin/login").await;
    let r = c.post_form("/admin/login", &[("username", "wang-wu"), ("password", PASSWORD)]).await;
    assert_csrf_refused(&r);
    assert!(r.body.contains("安全校验"), "{}", r.body);
    // Nothing reached the login use case.
    assert!(!t.audit_actions().await.iter().any(|(a, _)| a.starts_with("login")), "{:?}", t.audit_actions().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_with_a_mismatching_token_is_refused() {
    let t = app().await;
    t.user("wang-wu", &[]).await;
    let mut c = t.client();
    let page = c.get("/admin/login").await;
    let good = csrf_of(&page.body);
    let bad = format!("{good}x");
    let r = c.post_form("/admin/login", &[("_csrf", &bad), ("username", "wang-wu"), ("password", PASSWORD)]).await;
    assert_csrf_refused(&r);
    // The token of another browser does not work either.
    let mut other = t.client();
    let other_token = csrf_of(&other.get("/admin/login").await.body);
    assert_ne!(other_token, good);
    let r =
        c.post_form("/admin/login", &[("_csrf", &other_token), ("username", "wang-wu"), ("password", PASSWORD)]).await;
    assert_csrf_refused(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_with_a_field_but_no_cookie_is_refused() {
    let t = app().await;
    t.user("wang-wu", &[]).await;
    let mut c = t.client();
    let token = csrf_of(&c.get("/admin/login").await.body);
    // A forged form from another site carries a token it read somewhere, but not our cookie.
    c.clear_cookies();
    let r = c.post_form("/admin/login", &[("_csrf", &token), ("username", "wang-wu"), ("password", PASSWORD)]).await;
    assert_csrf_refused(&r);
    // An empty token never matches an empty cookie.
    let mut c = t.client();
    c.set_cookie(CSRF_COOKIE, "");
    let r = c.post_form("/admin/login", &[("_csrf", ""), ("username", "wang-wu"), ("password", PASSWORD)]).await;
    assert_csrf_refused(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_origin_is_refused_even_with_the_right_token() {
    let t = app().await;
    t.user("wang-wu", &[]).await;
    let mut c = t.client();
    let token = csrf_of(&c.get("/admin/login").await.body);
    let fields = [("_csrf", token.as_str()), ("username", "wang-wu"), ("password", PASSWORD)];
    let r = c
        .post_form_with("/admin/login", &fields, &[("host", "gk.example.gov.cn"), ("origin", "https://evil.example")])
        .await;
    assert_csrf_refused(&r);
    assert!(r.body.contains("来源"), "{}", r.body);
    let r = c.post_form_with("/admin/login", &fields, &[("host", "gk.example.gov.cn"), ("origin", "null")]).await;
    assert_csrf_refused(&r);
    // The same request from this site's own origin goes through.
    let r = c
        .post_form_with(
            "/admin/login",
            &fields,
            &[("host", "gk.example.gov.cn"), ("origin", "https://gk.example.gov.cn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_token_logs_in_with_a_safe_session_cookie() {
    let t = app().await;
    t.user("wang-wu", &[]).await;
    let mut c = t.client();
    let r = c.login("wang-wu", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/");
    let set = r.set_cookie("gk_session").unwrap();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "plain-http default: {set}");
    assert!(cookie_value(&set).len() >= 32, "{set}");
    assert!(t.audit_actions().await.contains(&("login.success".to_owned(), true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_cookies_use_the_host_prefix() {
    let web = gongkai_web::WebConfig { secure_cookies: true, ..Default::default() };
    let t = crate::support::app_with(Default::default(), web).await;
    t.user("wang-wu", &[]).await;
    let mut c = t.client();
    let page = c.get("/admin/login").await;
    assert!(page.set_cookie(CSRF_COOKIE).unwrap().contains("; Secure"));
    let r = c.login("wang-wu", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set = r.set_cookie("__Host-gk_session").unwrap();
    assert!(set.contains("; Secure") && set.contains("Path=/"), "{set}");
    assert!(r.set_cookie("gk_session").is_none());
    // And that cookie is what authenticates.
    let r = c.get("/admin/password").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_forms_need_the_session_token_not_the_pre_session_one() {
    let t = app().await;
    t.user("ed", &[(Role::Editor, "sc")]).await;
    let mut s = t.logged_in("ed", None).await;
    let pre = s.client.cookie(CSRF_COOKIE).unwrap();
    assert_ne!(pre, s.csrf);
    // The pre-session token no longer counts once logged in.
    let r = s.client.post_form("/admin/tokens", &[("_csrf", &pre), ("name", "x"), ("days", "7")]).await;
    assert_csrf_refused(&r);
    // The header form of the token works as well as the field.
    let r = s
        .client
        .post_form_with("/admin/tokens", &[("name", "脚本"), ("days", "7")], &[("x-csrf-token", &s.csrf)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("仅显示这一次"), "{}", r.body);
    // JSON requests with a session need the header.
    let body = r#"{"code":"x1","name":"某部门","kind":"department","parent":"sc"}"#;
    let r = s.client.send_body(Method::POST, "/api/v1/orgs", "application/json", body, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"], "csrf_failed");
}
