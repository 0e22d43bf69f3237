//! Login, lockout, sessions, second factor, tokens.

use gongkai_domain::account::SessionStage;
use gongkai_domain::role::Role;
use gongkai_domain::totp;
use gongkai_service::{Ctx, ServiceError};

use crate::support::{PASSWORD, env};

fn anon() -> Ctx {
    Ctx::anonymous(Some("192.0.2.7".into()))
}

#[tokio::test]
async fn lockout_after_five_failures_in_window_and_audit_rows() {
    let e = env().await;
    e.user("zhang", &[(Role::Editor, "c1")]).await;
    for i in 0..4 {
        let r = e.svc.login(&anon(), "zhang", "wrong-password", None, None).await;
        assert!(matches!(r, Err(ServiceError::Unauthenticated(_))), "attempt {i}: {r:?}");
    }
    let fifth = e.svc.login(&anon(), "zhang", "wrong-password", None, None).await;
    assert!(matches!(fifth, Err(ServiceError::Locked { .. })), "{fifth:?}");
    // Even the right password is refused while locked.
    let r = e.svc.login(&anon(), "zhang", PASSWORD, None, None).await;
    assert!(matches!(r, Err(ServiceError::Locked { .. })), "{r:?}");
    let actions = e.actions().await;
    assert_eq!(actions.iter().filter(|(a, _)| a == "login.failure").count(), 5);
    assert!(actions.iter().any(|(a, _)| a == "login.lockout"));
    assert!(actions.iter().any(|(a, ok)| a == "login.refused_locked" && !ok));

    // After the lockout duration the right password works again and resets the count.
    e.clock.advance_ms(15 * 60_000 + 1);
    let ok = e.svc.login(&anon(), "zhang", PASSWORD, None, None).await.unwrap();
    assert_eq!(ok.stage, SessionStage::Full);
    let r = e.svc.login(&anon(), "zhang", "wrong-password", None, None).await;
    assert!(matches!(r, Err(ServiceError::Unauthenticated(_))), "count restarts after a success");
}

#[tokio::test]
async fn failures_outside_the_window_do_not_lock() {
    let e = env().await;
    e.user("li", &[]).await;
    for _ in 0..4 {
        let _ = e.svc.login(&anon(), "li", "nope-nope-nope", None, None).await;
    }
    e.clock.advance_ms(16 * 60_000);
    let r = e.svc.login(&anon(), "li", "nope-nope-nope", None, None).await;
    assert!(matches!(r, Err(ServiceError::Unauthenticated(_))), "{r:?}");
    e.svc.login(&anon(), "li", PASSWORD, None, None).await.unwrap();
}

#[tokio::test]
async fn unknown_users_fail_like_wrong_passwords() {
    let e = env().await;
    let r = e.svc.login(&anon(), "ghost", "whatever-123", None, None).await;
    assert!(matches!(r, Err(ServiceError::Unauthenticated(ref m)) if m.contains("用户名或密码错误")), "{r:?}");
}

#[tokio::test]
async fn sessions_rotate_expire_and_end_at_logout() {
    let e = env().await;
    e.user("wang", &[(Role::Editor, "c1")]).await;
    let first = e.svc.login(&anon(), "wang", PASSWORD, None, None).await.unwrap();
    // Logging in again from the same browser replaces the old session with a new id.
    let second = e.svc.login(&anon(), "wang", PASSWORD, None, Some(&first.token)).await.unwrap();
    assert_ne!(first.token, second.token);
    assert!(e.svc.session(&first.token).await.unwrap().is_none(), "old session is gone");
    let s = e.svc.session(&second.token).await.unwrap().unwrap();
    assert_eq!(s.session.stage, SessionStage::Full);

    // Idle timeout: 30 minutes without a request.
    e.clock.advance_ms(29 * 60_000);
    assert!(e.svc.session(&second.token).await.unwrap().is_some());
    e.clock.advance_ms(29 * 60_000);
    assert!(e.svc.session(&second.token).await.unwrap().is_some(), "activity moved the idle clock");
    e.clock.advance_ms(31 * 60_000);
    assert!(e.svc.session(&second.token).await.unwrap().is_none(), "idle timeout");

    // Absolute timeout: 12 hours even with activity.
    let t = e.svc.login(&anon(), "wang", PASSWORD, None, None).await.unwrap().token;
    for _ in 0..25 {
        e.clock.advance_ms(29 * 60_000);
        let _ = e.svc.session(&t).await.unwrap();
    }
    assert!(e.svc.session(&t).await.unwrap().is_none(), "absolute timeout");

    let t = e.svc.login(&anon(), "wang", PASSWORD, None, None).await.unwrap().token;
    let s = e.svc.session(&t).await.unwrap().unwrap();
    e.svc.logout(&Ctx::user(s.user, None), &t).await.unwrap();
    assert!(e.svc.session(&t).await.unwrap().is_none(), "logout ends the session on the server");
    assert!(e.actions().await.iter().any(|(a, _)| a == "logout"));
}

#[tokio::test]
async fn administrators_must_enrol_and_use_totp() {
    let e = env().await;
    e.user("admin", &[(Role::SystemAdmin, "p")]).await;
    let out = e.svc.login(&anon(), "admin", PASSWORD, None, None).await.unwrap();
    assert_eq!(out.stage, SessionStage::Enroll, "三员 must enrol a second factor");
    let s = e.svc.session(&out.token).await.unwrap().unwrap();
    let (secret, uri) = e.svc.begin_totp_enrolment(&s).await.unwrap();
    assert!(uri.starts_with("otpauth://totp/"));
    let key = totp::decode_secret(&secret).unwrap();
    let now_s = e.svc.now_ms() / 1000;
    let bad = e.svc.confirm_totp_enrolment(&anon(), &s, "000000").await;
    assert!(matches!(bad, Err(ServiceError::Invalid(_))) || totp::hotp(&key, totp::step_of(now_s) as u64) == "000000");
    let code = totp::hotp(&key, totp::step_of(now_s) as u64);
    let full = e.svc.confirm_totp_enrolment(&anon(), &s, &code).await.unwrap().unwrap();
    assert_ne!(full, out.token, "enrolment rotates the session");
    assert!(e.svc.session(&out.token).await.unwrap().is_none());
    assert_eq!(e.svc.session(&full).await.unwrap().unwrap().session.stage, SessionStage::Full);

    // Next login asks for the code; the same code cannot be used twice.
    e.clock.advance_ms(1000);
    let out = e.svc.login(&anon(), "admin", PASSWORD, None, None).await.unwrap();
    assert_eq!(out.stage, SessionStage::SecondFactor);
    let s = e.svc.session(&out.token).await.unwrap().unwrap();
    let replay = e.svc.second_factor(&anon(), &s, &code).await;
    assert!(matches!(replay, Err(ServiceError::Invalid(_))), "replayed code refused: {replay:?}");
    e.clock.advance_ms(30_000);
    let code = totp::hotp(&key, totp::step_of(e.svc.now_ms() / 1000) as u64);
    let t = e.svc.second_factor(&anon(), &s, &code).await.unwrap();
    assert_ne!(t, out.token);
    assert_eq!(e.svc.session(&t).await.unwrap().unwrap().session.stage, SessionStage::Full);
    let actions = e.actions().await;
    assert!(actions.iter().any(|(a, _)| a == "totp.enable"));
    assert!(actions.iter().any(|(a, ok)| a == "login.totp_failure" && !ok));
    assert!(actions.iter().any(|(a, ok)| a == "login.totp_success" && *ok));
}

#[tokio::test]
async fn api_tokens_are_shown_once_stored_hashed_and_expire() {
    let e = env().await;
    e.user("api", &[(Role::Editor, "c1")]).await;
    let (t, secret) = e.svc.create_token(&Ctx::system(), "api", "导入脚本", 2).await.unwrap();
    assert!(secret.starts_with("gk_") && secret.len() > 40);
    assert!(secret.starts_with(&t.prefix));
    let (_, u) = e.svc.token_user(&secret).await.unwrap().unwrap();
    assert_eq!(u.user.username, "api");
    assert!(e.svc.token_user("gk_not-a-token").await.unwrap().is_none());
    let dump = e.db.store.list_tokens(None).await.unwrap();
    assert!(format!("{dump:?}").find(&secret).is_none(), "the secret is not stored");
    e.clock.advance_ms(2 * 86_400_000 + 1);
    assert!(e.svc.token_user(&secret).await.unwrap().is_none(), "expired");

    let (t2, s2) = e.svc.create_token(&Ctx::system(), "api", "x", 30).await.unwrap();
    e.svc.revoke_token(&Ctx::system(), t2.id).await.unwrap();
    assert!(e.svc.token_user(&s2).await.unwrap().is_none(), "revoked");
    let r = e.svc.create_token(&Ctx::system(), "api", "", 9999).await;
    match r {
        Err(ServiceError::Invalid(inv)) => {
            let fields: Vec<&str> = inv.0.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, ["name", "days"]);
        }
        other => panic!("{other:?}"),
    }
    let actions = e.actions().await;
    assert!(actions.iter().any(|(a, _)| a == "token.create"));
    assert!(actions.iter().any(|(a, _)| a == "token.revoke"));
}

#[tokio::test]
async fn disabled_accounts_cannot_log_in_and_lose_sessions() {
    let e = env().await;
    e.user("zhao", &[]).await;
    let t = e.svc.login(&anon(), "zhao", PASSWORD, None, None).await.unwrap().token;
    e.svc.set_disabled(&Ctx::system(), "zhao", true).await.unwrap();
    assert!(e.svc.session(&t).await.unwrap().is_none());
    assert!(e.svc.login(&anon(), "zhao", PASSWORD, None, None).await.is_err());
}
