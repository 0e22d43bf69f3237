//! Staff-side faults closed: `no-store` on every console and staff-API route, sessions that have
//! not finished logging in or must change their password, and the public Q&A export.

use axum::http::StatusCode;
use gongkai_domain::qa::QaEvent;
use gongkai_domain::role::Role;
use gongkai_domain::totp;
use gongkai_service::Ctx;

use crate::interp::{published_pair, published_qa};
use crate::support::{PASSWORD, app, csrf_of};

/// Every route path declared in the web crate's sources (`.route("…"`), as the router is built
/// from them: console routes are those under `/admin`; API routes are nested under `/api/v1`
/// (their table is `openapi.json`, which a test keeps equal to the route table).
fn staff_routes() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split(".route(\"").skip(1) {
            let path = part.split('"').next().unwrap();
            if path.starts_with("/admin") {
                out.push(path.to_owned());
            }
        }
    }
    let spec: serde_json::Value = serde_json::from_str(gongkai_web::api::OPENAPI).unwrap();
    out.extend(spec["paths"].as_object().unwrap().keys().filter(|p| p.starts_with("/api/v1")).cloned());
    out.sort();
    out.dedup();
    out
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{username}" => "ed".to_owned(),
            "{kind}" => "edition".to_owned(),
            "{code}" => "sc".to_owned(),
            s if s.starts_with('{') => "1".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_and_staff_api_response_is_no_store() {
    let t = app().await;
    t.user("ed", &[(Role::Editor, "sc-cd")]).await;
    let mut browser = t.logged_in("ed", None).await.client;
    let (_, token) = t.token("ed").await;
    let mut api = t.client();
    api.default_header("authorization", &format!("Bearer {token}"));
    let routes = staff_routes();
    for must in ["/admin/qa", "/admin/search", "/admin/interpretations/coverage", "/admin/users", "/api/v1/me"] {
        assert!(routes.iter().any(|r| r == must), "{must} missing from {routes:?}");
    }
    assert!(routes.iter().any(|r| r.starts_with("/admin/interpretations/")), "the interpretation console");
    let mut missing = Vec::new();
    for route in &routes {
        let path = concrete(route);
        let mut clients = vec![("session", &mut browser)];
        if route.starts_with("/api/") {
            clients.push(("token", &mut api));
        }
        for (who, c) in clients {
            let r = c.get(&path).await;
            if r.header("cache-control") != Some("no-store") {
                missing.push(format!("{who} GET {path} → {} {:?}", r.status, r.header("cache-control")));
            }
        }
    }
    assert!(missing.is_empty(), "without Cache-Control: no-store:\n{}", missing.join("\n"));
    // The console's login page and errors too, for anyone.
    let r = t.client().get("/admin/login").await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let r = t.client().get("/admin/no-such-page").await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_past_only_the_password_is_not_the_user_on_cleanups() {
    let t = app().await;
    let (policy, _) = published_pair(&t).await;
    let cid = t
        .svc
        .create_cleanup(
            &Ctx::system(),
            "sc-cd",
            "2026年度清理",
            None,
            &[(policy.to_string(), gongkai_service::CleanupResult::Continue, None)],
        )
        .await
        .unwrap();
    // A signer of the city who chose a second factor.
    t.user("signer", &[(Role::Signer, "sc-cd")]).await;
    // (first login: the password is changed)
    let _ = t.logged_in("signer", None).await;
    let mut c = t.client();
    let out = c.login("signer", crate::support::NEW_PASSWORD).await;
    assert_eq!(out.location(), "/admin/");
    let session = t.svc.session(&c.cookie("gk_session").unwrap()).await.unwrap().unwrap();
    let (b32, _) = t.svc.begin_totp_enrolment(&session).await.unwrap();
    let key = totp::decode_secret(&b32).unwrap();
    let code = t.next_totp(&key);
    t.svc.confirm_totp_enrolment(&Ctx::system(), &session, &code).await.unwrap();

    let mut half = t.client();
    let r = half.login("signer", crate::support::NEW_PASSWORD).await;
    assert!(r.location().starts_with("/admin/login/totp"), "{}", r.location());
    let r = half.get(&format!("/cleanups/{cid}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "the draft catalogue is not shown: {}", r.status);
    let r = half.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // With the second factor the same browser sees the draft.
    let page = half.get("/admin/login/totp").await;
    let code = t.next_totp(&key);
    let r = half.post_form("/admin/login/totp", &[("_csrf", &csrf_of(&page.body)), ("code", &code)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(half.get(&format!("/cleanups/{cid}")).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_a_session_that_must_change_its_password() {
    let t = app().await;
    t.user("ed", &[(Role::Editor, "sc-cd")]).await;
    let mut c = t.client();
    let r = c.login("ed", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/admin/").await.location(), "/admin/password", "the console sends it to the form");
    let r = c.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("须先修改密码"), "{}", r.body);
    let csrf = csrf_of(&c.get("/admin/password").await.body);
    let r = c
        .send_body(
            axum::http::Method::POST,
            "/api/v1/documents",
            "application/json",
            r#"{"title":"x","org":"sc-cd","body":"x"}"#,
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(t.svc.list_documents(&Default::default(), 10, 0).await.unwrap().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_qa_items_leave_the_public_export() {
    let t = app().await;
    let (policy, _) = published_pair(&t).await;
    let qa = published_qa(&t, policy).await;
    t.svc.qa_transition(&Ctx::system(), qa, QaEvent::Withdraw, Some("答复有误，撤回")).await.unwrap();
    let today = gongkai_service::china_date(t.svc.now_ms());
    let mut anon = t.client();
    for url in ["/api/v1/qa/export".to_owned(), format!("/api/v1/qa/export?since={today}")] {
        let r = anon.get(&url).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("吸纳就业困难人员"), "{url}: the withdrawn question is out: {}", r.body);
        assert!(!r.body.contains("可以申领补贴"), "{url}: the withdrawn answer is out: {}", r.body);
        let j = r.json();
        for it in j["items"].as_array().unwrap() {
            assert_eq!(it["op"], "delete", "{url}: {it}");
            assert!(it["sources"].as_array().unwrap().is_empty(), "{it}");
        }
    }
    // The delta still tells the hotline to remove it, by id.
    let j = anon.get(&format!("/api/v1/qa/export?since={today}")).await.json();
    assert_eq!(j["items"][0]["id"], format!("gk-qa-{qa}"));
}
