//! Account lockout and the per-address limit, through the login form.

use axum::http::StatusCode;
use gongkai_service::ServiceConfig;
use gongkai_web::WebConfig;

use crate::support::{PASSWORD, app, app_with, csrf_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_account() {
    let t = app().await;
    t.user("li-si", &[]).await;
    let mut c = t.client();
    let csrf = csrf_of(&c.get("/admin/login").await.body);
    let base = c.clone();
    let try_login = |password: &'static str| {
        let csrf = csrf.clone();
        let mut c = base.clone();
        async move { c.post_form("/admin/login", &[("_csrf", &csrf), ("username", "li-si"), ("password", password)]).await }
    };
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = try_login("Wrong-Password-1").await;
        assert!(r.set_cookie("gk_session").is_none());
        assert!(r.body.contains(r#"lang="zh-CN""#));
        if r.status == StatusCode::UNAUTHORIZED {
            assert!(r.body.contains("用户名或密码错误"), "{}", r.body);
            // The form keeps the user name and marks the password field.
            assert!(r.body.contains(r#"value="li-si""#), "{}", r.body);
            assert!(r.body.contains(r#"id="password-error""#), "{}", r.body);
        } else {
            assert_eq!(r.status, StatusCode::LOCKED, "{}", r.body);
            assert!(r.body.contains("账号已临时锁定"), "{}", r.body);
        }
        statuses.push(r.status);
        t.clock.advance_ms(1000);
    }
    assert_eq!(&statuses[..4], &[StatusCode::UNAUTHORIZED; 4], "{statuses:?}");
    assert!(statuses[4] == StatusCode::LOCKED || statuses[5] == StatusCode::LOCKED, "{statuses:?}");
    assert_eq!(statuses[5], StatusCode::LOCKED, "{statuses:?}");

    // The right password is refused while locked.
    let r = try_login(PASSWORD).await;
    assert_eq!(r.status, StatusCode::LOCKED, "{}", r.body);
    assert!(r.body.contains("锁定"), "{}", r.body);
    assert!(r.set_cookie("gk_session").is_none());

    // Another account is not affected.
    t.user("zhang-san", &[]).await;
    let r = c.login("zhang-san", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // After the lock duration the right password works again.
    t.clock.advance_ms(16 * 60_000);
    let r = try_login(PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.set_cookie("gk_session").is_some());

    let actions = t.audit_actions().await;
    for (a, ok) in [("login.failure", false), ("login.lockout", true), ("login.refused_locked", false)] {
        assert!(actions.contains(&(a.to_owned(), ok)), "{a}/{ok} missing: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_and_wrong_password_look_the_same() {
    let t = app().await;
    t.user("li-si", &[]).await;
    let mut c = t.client();
    let a = c.login("li-si", "Wrong-Password-1").await;
    let b = c.login("no-such-user", "Wrong-Password-1").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(b.status, StatusCode::UNAUTHORIZED);
    assert!(a.body.contains("用户名或密码错误"));
    assert!(b.body.contains("用户名或密码错误"));
    // Empty fields are a form error, not a login attempt.
    let csrf = csrf_of(&c.get("/admin/login").await.body);
    let r = c.post_form("/admin/login", &[("_csrf", &csrf), ("username", ""), ("password", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("请输入用户名"), "{}", r.body);
    assert!(r.body.contains("请输入密码"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_failing_too_often_is_rate_limited() {
    let cfg = ServiceConfig { ip_failure_limit: 3, ..ServiceConfig::default() };
    let web = WebConfig { trust_forwarded: true, ..WebConfig::default() };
    let t = app_with(cfg, web).await;
    t.user("li-si", &[]).await;
    let mut attacker = t.client();
    attacker.default_header("x-forwarded-for", "203.0.113.7, 10.0.0.1");
    for i in 0..3 {
        // Different accounts each time, so no single account locks.
        let r = attacker.login(&format!("guess-{i}"), "Wrong-Password-1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    let r = attacker.login("li-si", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("失败登录次数过多"), "{}", r.body);
    assert!(r.set_cookie("gk_session").is_none());

    // Someone else, from another address, still logs in.
    let mut other = t.client();
    other.default_header("x-forwarded-for", "198.51.100.2");
    let r = other.login("li-si", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The audit log records the address from X-Forwarded-For.
    let page = t.svc.audit_page(&gongkai_service::Ctx::system(), &Default::default(), 50, 0).await.unwrap();
    assert!(
        page.rows
            .iter()
            .any(|r| r.record.action == "login.refused_ip_limit" && r.record.ip.as_deref() == Some("203.0.113.7")),
        "{:?}",
        page.rows.iter().map(|r| (&r.record.action, &r.record.ip)).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_ignored_unless_trusted() {
    let cfg = ServiceConfig { ip_failure_limit: 2, ..ServiceConfig::default() };
    let t = app_with(cfg, WebConfig::default()).await;
    t.user("li-si", &[]).await;
    let mut c = t.client();
    c.default_header("x-forwarded-for", "203.0.113.7");
    for i in 0..3 {
        let r = c.login(&format!("guess-{i}"), "Wrong-Password-1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    let page = t.svc.audit_page(&gongkai_service::Ctx::system(), &Default::default(), 50, 0).await.unwrap();
    assert!(page.rows.iter().all(|r| r.record.ip.as_deref() != Some("203.0.113.7")), "a spoofable header was trusted");
}

/// BUG (see report): `Service::second_factor` never checks the lockout, and the password step
/// records a *successful* login attempt, which resets the failure count. So someone who has the
/// password can guess TOTP codes without limit from one half-logged-in session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_guessing_is_locked_out() {
    use gongkai_domain::role::Role;
    use gongkai_domain::totp;

    let t = app().await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let admin = t.logged_in("sysadmin", None).await;
    let secret = admin.totp_secret.clone().unwrap();
    let mut c = t.client();
    let r = c.login("sysadmin", crate::support::NEW_PASSWORD).await;
    assert!(r.location().starts_with("/admin/login/totp"), "{}", r.location());
    let page = c.get("/admin/login/totp").await;
    let csrf = csrf_of(&page.body);
    // A code that is wrong for every step the server accepts now.
    let step = totp::step_of(t.svc.now_ms() / 1000 + 30);
    let valid: Vec<String> = (step - 2..=step + 2).map(|s| totp::hotp(&secret, s as u64)).collect();
    let wrong = (0..1_000_000).map(|n| format!("{n:06}")).find(|c| !valid.contains(c)).unwrap();
    for _ in 0..6 {
        let r = c.post_form("/admin/login/totp", &[("_csrf", &csrf), ("code", &wrong)]).await;
        assert_ne!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // After six wrong codes the right one must not be accepted any more.
    let code = t.next_totp(&secret);
    let r = c.post_form("/admin/login/totp", &[("_csrf", &csrf), ("code", &code)]).await;
    // Refused: either the lockout page, or — once the half-logged-in session has been ended by
    // the lockout — back to the login form; never into the console.
    // (A 403 is the CSRF check refusing a token whose session the lockout ended.)
    assert!(
        r.status == StatusCode::LOCKED
            || r.status == StatusCode::FORBIDDEN
            || (r.status == StatusCode::SEE_OTHER && r.location() == "/admin/login"),
        "a 7th guess was accepted after 6 wrong codes: {} {}",
        r.status,
        r.location()
    );
    let r = c.get("/admin/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/admin/login"), "{}", r.location());
}
