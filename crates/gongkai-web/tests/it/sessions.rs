//! Sessions: a new id at every step up (password, second factor), TOTP enrolment and login,
//! logout, and the forced password change.

use axum::http::StatusCode;
use gongkai_domain::role::Role;
use gongkai_domain::totp;

use crate::support::{NEW_PASSWORD, PASSWORD, app, cookie_value, csrf_of, enroll_secret};

/// A fresh client carrying only `gk_session=value`; asserts it is sent to the login page.
async fn assert_session_dead(t: &crate::support::TestApp, value: &str) {
    let mut c = t.client();
    c.set_cookie("gk_session", value);
    let r = c.get("/admin/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/admin/login"), "{}", r.location());
    let r = c.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_replaces_a_planted_session_cookie() {
    let t = app().await;
    t.user("zhao", &[(Role::Editor, "sc")]).await;
    let mut c = t.client();
    // A cookie value an attacker chose before the victim logs in.
    c.set_cookie("gk_session", "attacker-chosen-value");
    let r = c.login("zhao", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = cookie_value(&r.set_cookie("gk_session").unwrap());
    assert_ne!(v, "attacker-chosen-value");
    assert_session_dead(&t, "attacker-chosen-value").await;

    // Logging in again from a logged-in browser also gives a new id and ends the old one.
    let page = c.get("/admin/password").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let r = c
        .post_form("/admin/login", &[("_csrf", &csrf_of(&page.body)), ("username", "zhao"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v2 = cookie_value(&r.set_cookie("gk_session").unwrap());
    assert_ne!(v2, v);
    assert_session_dead(&t, &v).await;
    assert_eq!(c.get("/admin/password").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_must_enrol_then_each_step_rotates_the_session() {
    let t = app().await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let mut c = t.client();
    c.get("/admin/login").await;
    assert!(c.cookie("gk_session").is_none());

    // Step 1: the password; the account holds a three-admin role and has no factor yet.
    let r = c.login("sysadmin", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/totp/enroll");
    let s1 = cookie_value(&r.set_cookie("gk_session").unwrap());
    // A half-logged-in session reaches no admin page and no API.
    let r = c.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/totp/enroll");
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);

    // Step 2: enrol.
    let page = c.get("/admin/totp/enroll").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("须绑定动态口令"), "{}", page.body);
    let secret_b32 = enroll_secret(&page.body);
    // The import link (HTML-escaped by the template, so `/` shows as `&#x2f;`).
    assert!(page.body.contains("<code>otpauth:"), "{}", page.body);
    assert!(page.body.contains(&format!("secret={secret_b32}&amp;")), "{}", page.body);
    // Reloading shows the same secret (enrolment is not restarted on every view).
    assert_eq!(enroll_secret(&c.get("/admin/totp/enroll").await.body), secret_b32);
    let secret = totp::decode_secret(&secret_b32).unwrap();
    let csrf = csrf_of(&page.body);
    // A wrong code is refused on the same page.
    let r = c.post_form("/admin/totp/enroll", &[("_csrf", &csrf), ("code", "000000")]).await;
    let wrong_ok = totp::verify(&secret, "000000", t.svc.now_ms() / 1000).is_some();
    if !wrong_ok {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("动态口令不正确"), "{}", r.body);
        assert_eq!(c.cookie("gk_session").as_deref(), Some(s1.as_str()));
    }
    let code = t.next_totp(&secret);
    let r = c.post_form("/admin/totp/enroll", &[("_csrf", &csrf), ("code", &code)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/?notice=totp_enabled");
    let s2 = cookie_value(&r.set_cookie("gk_session").unwrap());
    assert_ne!(s2, s1);
    assert_session_dead(&t, &s1).await;
    // The new session is logged in (this account must still change its password first).
    let r = c.get("/admin/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/password");
    let page = c.get("/admin/password").await;
    assert_eq!(page.status, StatusCode::OK);

    // Log out, then log in with the second factor.
    let r = c.post_form("/admin/logout", &[("_csrf", &csrf_of(&page.body))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_session_dead(&t, &s2).await;

    let r = c.login("sysadmin", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/admin/login/totp"), "{}", r.location());
    let s3 = cookie_value(&r.set_cookie("gk_session").unwrap());
    assert!(![&s1, &s2].contains(&&s3));
    let r = c.get("/admin/orgs").await;
    assert_eq!(r.location(), "/admin/login/totp");
    let page = c.get("/admin/login/totp?next=/admin/orgs").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = csrf_of(&page.body);
    // The code used for enrolment cannot be replayed.
    let r = c.post_form("/admin/login/totp", &[("_csrf", &csrf), ("code", &code), ("next", "/admin/orgs")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("动态口令不正确或已使用"), "{}", r.body);
    // A fresh code works and rotates the session again.
    let code = t.next_totp(&secret);
    let r = c.post_form("/admin/login/totp", &[("_csrf", &csrf), ("code", &code), ("next", "/admin/orgs")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/orgs");
    let s4 = cookie_value(&r.set_cookie("gk_session").unwrap());
    assert!(![&s1, &s2, &s3].contains(&&s4));
    assert_session_dead(&t, &s3).await;
    assert_eq!(c.get("/admin/password").await.status, StatusCode::OK);

    let actions: Vec<String> = t.audit_actions().await.into_iter().map(|a| a.0).collect();
    for a in ["login.success", "totp.enable", "logout", "login.totp_failure", "login.totp_success"] {
        assert!(actions.iter().any(|x| x == a), "{a} missing: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_parameter_only_accepts_local_paths() {
    let t = app().await;
    t.user("zhao", &[(Role::Editor, "sc")]).await;
    for (next, expect) in [
        ("/admin/tokens", "/admin/tokens"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("/\\evil.example", "/admin/"),
        // Browsers drop tabs and newlines: `/\t/evil.example` is `//evil.example` to them.
        ("/\t/evil.example", "/admin/"),
        ("/%09/evil.example", "/admin/"),
        ("/\n/evil.example", "/admin/"),
        ("/%5Cevil.example", "/admin/"),
        ("/ /evil.example", "/admin/"),
    ] {
        let mut c = t.client();
        let page = c.get("/admin/login").await;
        let r = c
            .post_form(
                "/admin/login",
                &[("_csrf", &csrf_of(&page.body)), ("username", "zhao"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), expect, "next={next}");
    }
    // Already logged in, the login page itself sends the browser on: the same rule holds there.
    let mut c = t.client();
    c.login("zhao", PASSWORD).await;
    for next in ["/%09/evil.example", "%2F%09%2Fevil.example", "/%2509/evil.example"] {
        let r = c.get(&format!("/admin/login?next={next}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/admin/", "next={next}");
    }
    // The display-settings form returns only to a same-site path too.
    let mut anon = t.client();
    let page = anon.get("/prefs").await;
    let r = anon
        .post_form("/prefs", &[("_csrf", &csrf_of(&page.body)), ("mode", "elderly"), ("next", "/\t/evil.example")])
        .await;
    assert_eq!(r.location(), "/", "{}", r.body);
    // An anonymous visit remembers where it was going.
    let r = t.client().get("/admin/tokens?x=1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/login?next=%2Fadmin%2Ftokens%3Fx%3D1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session() {
    let t = app().await;
    t.user("zhao", &[(Role::Editor, "sc")]).await;
    let mut s = t.logged_in("zhao", None).await;
    let old = s.client.cookie("gk_session").unwrap();
    let csrf = s.csrf.clone();

    // Without the token, logout is refused and the session survives.
    let r = s.client.post_form("/admin/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(s.client.get("/admin/").await.status, StatusCode::OK);

    let r = s.client.post_form("/admin/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/login?notice=logged_out");
    let clear = r.set_cookie("gk_session").unwrap();
    assert!(clear.starts_with("gk_session=;"), "{clear}");
    assert!(clear.contains("Max-Age=0"), "{clear}");
    assert!(s.client.cookie("gk_session").is_none());
    let page = s.client.get("/admin/login?notice=logged_out").await;
    assert!(page.body.contains("您已安全退出"), "{}", page.body);

    // The old cookie, replayed, no longer authenticates.
    let mut replay = t.client();
    replay.set_cookie("gk_session", &old);
    let r = replay.get("/admin/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/admin/login"), "{}", r.location());
    assert!(t.audit_actions().await.contains(&("logout".to_owned(), true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_expire() {
    let t = app().await;
    t.user("zhao", &[(Role::Editor, "sc")]).await;
    let mut s = t.logged_in("zhao", None).await;
    t.clock.advance_ms(29 * 60_000);
    assert_eq!(s.client.get("/admin/").await.status, StatusCode::OK);
    t.clock.advance_ms(31 * 60_000);
    let r = s.client.get("/admin/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/admin/login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn must_change_password_redirects_every_admin_page() {
    let t = app().await;
    t.user("newbie", &[(Role::Editor, "sc")]).await;
    let mut c = t.client();
    let r = c.login("newbie", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for path in ["/admin/", "/admin/orgs", "/admin/users", "/admin/tokens", "/admin/audit", "/admin/audit.csv"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), "/admin/password", "{path}");
    }
    let page = c.get("/admin/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("请先设置新密码"), "{}", page.body);
    let csrf = csrf_of(&page.body);

    // Rule violations come back on the form with 422, next to their fields.
    let r = c
        .post_form(
            "/admin/password",
            &[
                ("_csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("confirm_password", "different"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="new_password-error""#), "{}", r.body);
    assert!(r.body.contains(r#"id="confirm_password-error""#), "{}", r.body);
    let r = c
        .post_form(
            "/admin/password",
            &[
                ("_csrf", &csrf),
                ("current_password", "Wrong-Password-1"),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("当前密码不正确"), "{}", r.body);
    assert_eq!(c.get("/admin/").await.location(), "/admin/password");

    let r = c
        .post_form(
            "/admin/password",
            &[
                ("_csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/password?notice=password_changed");
    let r = c.get("/admin/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<h1>管理后台</h1>"));

    // The old password no longer works; the new one does.
    let mut other = t.client();
    assert_eq!(other.login("newbie", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let r = other.login("newbie", NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(other.get("/admin/").await.status, StatusCode::OK);
}
