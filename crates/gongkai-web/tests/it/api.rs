//! The JSON API, `/api/v1`: public reads, bearer tokens, validation and media-type errors.

use axum::http::{Method, StatusCode};
use gongkai_domain::role::Role;
use gongkai_service::Ctx;
use serde_json::{Value, json};

use crate::support::{Resp, TestApp, app};

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn post_json(t: &TestApp, token: &str, body: &str) -> Resp {
    t.client()
        .send_body(
            Method::POST,
            "/api/v1/orgs",
            "application/json",
            body.to_owned(),
            &[("authorization", &bearer(token))],
        )
        .await
}

fn assert_json_error(r: &Resp, status: StatusCode, code: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"), "{:?}", r.headers);
    let j = r.json();
    assert_eq!(j["error"], code, "{j}");
    assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()), "{j}");
    j
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_are_listed_publicly() {
    let t = app().await;
    let r = t.client().get("/api/v1/orgs").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    let j = r.json();
    let items = j["items"].as_array().unwrap();
    let codes: Vec<&str> = items.iter().map(|o| o["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 3, "{j}");
    for c in ["sc", "sc-cd", "sc-gov"] {
        assert!(codes.contains(&c), "{codes:?}");
    }
    let cd = items.iter().find(|o| o["code"] == "sc-cd").unwrap();
    assert_eq!(cd["parent"], "sc");
    assert_eq!(cd["kind"], "city");
    assert_eq!(cd["name"], "成都市人民政府");
    assert_eq!(cd["url"], "/org/sc-cd/");
    let root = items.iter().find(|o| o["code"] == "sc").unwrap();
    assert_eq!(root["parent"], Value::Null);

    let r = t.client().get("/api/v1/orgs/sc-gov").await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["kind"], "department");
    assert_eq!(j["parent"], "sc");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_needs_a_valid_token() {
    let t = app().await;
    t.user("api-user", &[(Role::Editor, "sc-cd")]).await;
    let r = t.client().get("/api/v1/me").await;
    assert_json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");

    let (id, token) = t.token("api-user").await;
    assert!(token.starts_with("gk_"), "{token}");
    let r = t.client().get_with("/api/v1/me", &[("authorization", &bearer(&token))]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["username"], "api-user");
    assert_eq!(j["roles"], json!([{"role": "editor", "org": "sc-cd"}]));
    assert_eq!(j["totp_enabled"], false);
    // A token sets no cookies.
    assert!(r.set_cookies().is_empty(), "{:?}", r.set_cookies());

    for bad in ["gk_not-a-real-token", "", "garbage"] {
        let r = t.client().get_with("/api/v1/me", &[("authorization", &bearer(bad))]).await;
        assert_json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    t.svc.revoke_token(&Ctx::system(), id).await.unwrap();
    let r = t.client().get_with("/api/v1/me", &[("authorization", &bearer(&token))]).await;
    assert_json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_and_disabled_accounts_are_refused() {
    let t = app().await;
    t.user("api-user", &[(Role::Editor, "sc")]).await;
    t.user("other", &[(Role::Editor, "sc")]).await;
    let (_, token) = t.token("api-user").await;
    let (_, other) = t.token("other").await;
    t.svc.set_disabled(&Ctx::system(), "other", true).await.unwrap();
    let r = t.client().get_with("/api/v1/me", &[("authorization", &bearer(&other))]).await;
    assert_json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
    // Tokens are created for 30 days.
    t.clock.advance_ms(31 * 86_400_000);
    let r = t.client().get_with("/api/v1/me", &[("authorization", &bearer(&token))]).await;
    assert_json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_admin_token_creates_an_org() {
    let t = app().await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let (_, token) = t.token("sysadmin").await;
    // No CSRF token and no cookie: bearer requests need none.
    let r = post_json(
        &t,
        &token,
        r#"{"code":"sc-cd-wuhou","name":"武侯区人民政府","kind":"county","parent":"sc-cd","division_code":"510107"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!(j["code"], "sc-cd-wuhou");
    assert_eq!(j["parent"], "sc-cd");
    assert_eq!(j["kind"], "county");
    assert_eq!(j["division_code"], "510107");
    assert_eq!(j["url"], "/org/sc-cd-wuhou/");
    // It is there, publicly, and audited under the account's name.
    let r = t.client().get("/api/v1/orgs/sc-cd-wuhou").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["name"], "武侯区人民政府");
    let page = t.svc.audit_page(&Ctx::system(), &Default::default(), 10, 0).await.unwrap();
    let last = &page.rows[0].record;
    assert_eq!(last.action, "org.create");
    assert_eq!(last.actor_name, "sysadmin");
    // The same code again is a validation error on `code`.
    let r = post_json(&t, &token, r#"{"code":"sc-cd-wuhou","name":"武侯区人民政府","kind":"county","parent":"sc-cd"}"#)
        .await;
    let j = assert_json_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(j["fields"][0]["field"], "code", "{j}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_org_fields_are_named() {
    let t = app().await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let (_, token) = t.token("sysadmin").await;
    let cases = [
        (r#"{"code":"x1","name":"某地","kind":"planet","parent":"sc"}"#, "kind"),
        (r#"{"code":"bad code!","name":"某部门","kind":"department","parent":"sc"}"#, "code"),
        (r#"{"code":"x2","name":"","kind":"department","parent":"sc"}"#, "name"),
        (r#"{"code":"x3","name":"某部门","kind":"department","parent":"nowhere"}"#, "parent"),
        (r#"{"code":"x4","name":"某县","kind":"county","parent":"sc","division_code":"12"}"#, "division_code"),
        // A government cannot sit below a department.
        (r#"{"code":"x5","name":"某镇","kind":"township","parent":"sc-gov"}"#, "kind"),
    ];
    for (body, field) in cases {
        let r = post_json(&t, &token, body).await;
        let j = assert_json_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let fields = j["fields"].as_array().unwrap_or_else(|| panic!("{j}"));
        assert!(
            fields.iter().any(|f| f["field"] == field && f["message"].as_str().is_some_and(|m| !m.is_empty())),
            "{body}: expected field {field}: {j}"
        );
    }
    // Wrong types and unknown keys are validation errors too.
    for body in [
        r#"{"code":1,"name":"某部门","kind":"department"}"#,
        r#"{"code":"x6","name":"某部门","kind":"department","colour":"red"}"#,
        r#"{"name":"某部门","kind":"department"}"#,
    ] {
        let r = post_json(&t, &token, body).await;
        let j = assert_json_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(j["fields"].as_array().is_some_and(|f| !f.is_empty()), "{j}");
    }
    // Malformed JSON is a bad request.
    let r = post_json(&t, &token, r#"{"code": "#).await;
    assert_json_error(&r, StatusCode::BAD_REQUEST, "bad_request");
    // Nothing was created.
    let r = t.client().get("/api/v1/orgs").await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_json_bodies_are_unsupported() {
    let t = app().await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let (_, token) = t.token("sysadmin").await;
    for ctype in ["text/plain", "application/x-www-form-urlencoded"] {
        let r = t
            .client()
            .send_body(
                Method::POST,
                "/api/v1/orgs",
                ctype,
                r#"{"code":"x1","name":"某部门","kind":"department","parent":"sc"}"#,
                &[("authorization", &bearer(&token))],
            )
            .await;
        assert_json_error(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_an_authorised_account() {
    let t = app().await;
    t.user("editor", &[(Role::Editor, "sc")]).await;
    t.user("cd-admin", &[(Role::SystemAdmin, "sc-cd")]).await;
    let body = r#"{"code":"x1","name":"某部门","kind":"department","parent":"sc"}"#;
    // Anonymous: CSRF refuses it before anything else (no session, no token).
    let r = t.client().send_body(Method::POST, "/api/v1/orgs", "application/json", body, &[]).await;
    assert_json_error(&r, StatusCode::FORBIDDEN, "csrf_failed");
    // An editor may not add organisations.
    let (_, editor) = t.token("editor").await;
    let r = post_json(&t, &editor, body).await;
    assert_json_error(&r, StatusCode::FORBIDDEN, "forbidden");
    // A system administrator of a city may not add under the province...
    let (_, cd) = t.token("cd-admin").await;
    let r = post_json(&t, &cd, body).await;
    assert_json_error(&r, StatusCode::FORBIDDEN, "forbidden");
    // ...but may under the city.
    let r = post_json(&t, &cd, r#"{"code":"cd-edu","name":"成都市教育局","kind":"department","parent":"sc-cd"}"#).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A revoked token is refused before the body is looked at.
    let (id, token) = t.token("cd-admin").await;
    t.svc.revoke_token(&Ctx::system(), id).await.unwrap();
    let r = post_json(&t, &token, "not even json").await;
    assert_json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_in_session_may_write_with_the_csrf_header() {
    let t = app().await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let mut s = t.logged_in("sysadmin", None).await;
    let r = s.client.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["totp_enabled"], true);
    let csrf = s.csrf.clone();
    let r = s
        .client
        .send_body(
            Method::POST,
            "/api/v1/orgs",
            "application/json",
            r#"{"code":"sc-edu","name":"四川省教育厅","kind":"department","parent":"sc"}"#,
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
