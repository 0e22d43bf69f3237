//! Shared set-up: the real router over a fresh database (SQLite, or PostgreSQL when
//! `GONGKAI_TEST_DATABASE_URL` is set), a fake clock, and a small browser-like client with a
//! cookie jar that drives the router in-process with `tower::ServiceExt::oneshot`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use gongkai_domain::org::{OrgInput, OrgKind};
use gongkai_domain::role::Role;
use gongkai_domain::totp;
use gongkai_service::{Ctx, FakeClock, Service, ServiceConfig};
use gongkai_testkit::TestDb;
use gongkai_web::{AppState, WebConfig};
use tower::ServiceExt;

/// The password every test account is created with (policy-compliant).
pub const PASSWORD: &str = "Correct-Horse-9";
/// The password accounts change to when they must change theirs.
pub const NEW_PASSWORD: &str = "Battery-Staple-42";

/// Where the fake clock starts, 2026-11-27T00:00:00Z: tests never depend on the day they run.
pub const START_MS: i64 = 1_795_737_600_000;

/// The application under test.
pub struct TestApp {
    pub db: TestDb,
    pub svc: Service,
    pub clock: Arc<FakeClock>,
    pub app: Router,
}

/// The app with default settings and a small organisation tree: `sc` (province) with `sc-cd`
/// (city) and `sc-gov` (department).
pub async fn app() -> TestApp {
    app_with(ServiceConfig::default(), WebConfig::default()).await
}

pub async fn app_with(cfg: ServiceConfig, web: WebConfig) -> TestApp {
    let db = TestDb::new().await;
    // A fixed start (START_MS); tests move it by hand.
    let clock = FakeClock::new(START_MS);
    let lib = gongkai_service::LibraryConfig {
        attachments_dir: db.dir.path().join("attachments"),
        max_attachment_bytes: 64 * 1024,
        ..Default::default()
    };
    let home = gongkai_service::search_index::SearchHome::open(
        &db.dir.path().join("search"),
        gongkai_service::search_index::WriterOptions::default(),
    )
    .unwrap();
    let svc = Service::new(db.store.clone(), cfg, clock.clone())
        .with_library(lib)
        .with_search(home, gongkai_service::SearchConfig::default());
    let state = AppState::new(svc.clone(), web).unwrap();
    let app = gongkai_web::router(state);
    let t = TestApp { db, svc, clock, app };
    t.org("sc", "四川省人民政府", OrgKind::Province, None).await;
    t.org("sc-cd", "成都市人民政府", OrgKind::City, Some("sc")).await;
    t.org("sc-gov", "四川省人民政府办公厅", OrgKind::Department, Some("sc")).await;
    t
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client { app: self.app.clone(), jar: BTreeMap::new(), headers: Vec::new() }
    }

    pub async fn org(&self, code: &str, name: &str, kind: OrgKind, parent: Option<&str>) {
        let input = OrgInput {
            code: code.into(),
            name: name.into(),
            kind,
            parent_code: parent.map(Into::into),
            division_code: None,
            credit_code: None,
        };
        self.svc.add_org(&Ctx::system(), &input).await.unwrap();
    }

    /// Creates an account with [`PASSWORD`] (which it must change at first login) holding
    /// `grants` (role, organisation code).
    pub async fn user(&self, username: &str, grants: &[(Role, &str)]) {
        let sys = Ctx::system();
        self.svc.add_user(&sys, username, &format!("{username} 测试"), Some(PASSWORD)).await.unwrap();
        for (role, org) in grants {
            self.svc.grant(&sys, username, *role, org).await.unwrap();
        }
    }

    /// An API token for `username`, created by an operator.
    pub async fn token(&self, username: &str) -> (i64, String) {
        let (t, secret) = self.svc.create_token(&Ctx::system(), username, "测试令牌", 30).await.unwrap();
        (t.id, secret)
    }

    /// Moves the clock to the next TOTP step and returns the code for it, so codes never repeat.
    pub fn next_totp(&self, secret: &[u8]) -> String {
        self.clock.advance_ms(totp::STEP * 1000);
        let step = totp::step_of(self.svc.now_ms() / 1000);
        totp::hotp(secret, step as u64)
    }

    /// Logs `username` in through the forms, completing TOTP enrolment or the second factor as the
    /// account requires, and changing the password when it must. Returns the logged-in client and
    /// the account's TOTP secret (if it has one).
    pub async fn logged_in(&self, username: &str, totp_secret: Option<&[u8]>) -> LoggedIn {
        let mut c = self.client();
        let mut secret = totp_secret.map(<[u8]>::to_vec);
        let password = self.current_password(username).await;
        let r = c.login(username, &password).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login: {}", r.body);
        let to = r.location();
        if to.starts_with("/admin/totp/enroll") {
            let page = c.get("/admin/totp/enroll").await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let s = totp::decode_secret(&enroll_secret(&page.body)).unwrap();
            let code = self.next_totp(&s);
            let r = c.post_form("/admin/totp/enroll", &[("_csrf", &csrf_of(&page.body)), ("code", &code)]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "enrol: {}", r.body);
            secret = Some(s);
        } else if to.starts_with("/admin/login/totp") {
            let page = c.get(&to).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let code = self.next_totp(secret.as_deref().unwrap());
            let r = c.post_form("/admin/login/totp", &[("_csrf", &csrf_of(&page.body)), ("code", &code)]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "second factor: {}", r.body);
        }
        let r = c.get("/admin/").await;
        if r.status == StatusCode::SEE_OTHER && r.location() == "/admin/password" {
            let page = c.get("/admin/password").await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let r = c
                .post_form(
                    "/admin/password",
                    &[
                        ("_csrf", &csrf_of(&page.body)),
                        ("current_password", PASSWORD),
                        ("new_password", NEW_PASSWORD),
                        ("confirm_password", NEW_PASSWORD),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "password change: {}", r.body);
        }
        let r = c.get("/admin/").await;
        assert_eq!(r.status, StatusCode::OK, "dashboard: {}", r.body);
        LoggedIn { client: c, csrf: csrf_of(&r.body), totp_secret: secret }
    }

    /// The password `username` has now: [`NEW_PASSWORD`] once it was changed.
    async fn current_password(&self, username: &str) -> String {
        let users = self.svc.list_users(&Ctx::system()).await.unwrap();
        let u = users.iter().find(|u| u.user.username == username).unwrap();
        if u.user.must_change_password { PASSWORD.into() } else { NEW_PASSWORD.into() }
    }

    /// The actions of the audit log, oldest first, with their success flag.
    pub async fn audit_actions(&self) -> Vec<(String, bool)> {
        let page = self.svc.audit_page(&Ctx::system(), &Default::default(), 500, 0).await.unwrap();
        page.rows.into_iter().rev().map(|r| (r.record.action, r.record.success)).collect()
    }
}

/// A fully logged-in browser.
pub struct LoggedIn {
    pub client: Client,
    /// The session's CSRF token (from the dashboard).
    pub csrf: String,
    pub totp_secret: Option<Vec<u8>>,
}

/// One response, body read to a string.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default().to_owned()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect()
    }

    /// The `Set-Cookie` header for cookie `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}=")))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A browser-like client: keeps cookies, sends them back.
#[derive(Clone)]
pub struct Client {
    app: Router,
    jar: BTreeMap<String, String>,
    /// Headers sent with every request.
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Client {
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.get(name).cloned()
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.jar.insert(name.into(), value.into());
    }

    pub fn clear_cookies(&mut self) {
        self.jar.clear();
    }

    /// Sends `name: value` with every later request.
    pub fn default_header(&mut self, name: &'static str, value: &str) {
        self.headers.push((HeaderName::from_static(name), HeaderValue::from_str(value).unwrap()));
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if !self.jar.is_empty() && !req.headers().contains_key(header::COOKIE) {
            let cookie = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req.headers_mut().insert(header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
        }
        for (k, v) in &self.headers {
            req.headers_mut().insert(k.clone(), v.clone());
        }
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let first = c.split(';').next().unwrap_or_default();
            let (name, value) = first.split_once('=').unwrap();
            if value.is_empty() || c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        Resp { status, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut b = Request::get(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.post_form_with(path, fields, &[]).await
    }

    pub async fn post_form_with(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
        let body = form(fields);
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Sends `body` with `content_type` and extra headers.
    pub async fn send_body(
        &mut self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<Body>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, content_type);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(body.into()).unwrap()).await
    }

    /// GET /admin/login, then POST the credentials with the form's CSRF token.
    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        let page = self.get("/admin/login").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let csrf = csrf_of(&page.body);
        self.post_form(
            "/admin/login",
            &[("_csrf", &csrf), ("username", username), ("password", password), ("next", "/admin/")],
        )
        .await
    }
}

/// A URL-encoded form body.
pub fn form(fields: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = html.find(start)? + start.len();
    let j = html[i..].find(end)?;
    Some(&html[i..i + j])
}

/// The hidden `_csrf` field of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    between(html, r#"name="_csrf" value=""#, "\"")
        .unwrap_or_else(|| panic!("no _csrf field in page: {html}"))
        .to_owned()
}

/// The base32 secret shown on the enrolment page.
pub fn enroll_secret(html: &str) -> String {
    between(html, r#"<p class="secret"><code>"#, "</code>")
        .unwrap_or_else(|| panic!("no secret on enrolment page: {html}"))
        .to_owned()
}

/// The value of cookie `name` in a `Set-Cookie` header.
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().and_then(|kv| kv.split_once('=')).map(|(_, v)| v.to_owned()).unwrap_or_default()
}
