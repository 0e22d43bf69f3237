//! Administrative powers follow the organisation tree, and the 三员分立 matrix of ARCHITECTURE.md,
//! row by row; what a password reset, a disable and an administrator grant do to sessions, second
//! factors and API tokens; the login throttle that nobody can turn into a lock.

use chrono::NaiveDate;
use gongkai_domain::account::SessionStage;
use gongkai_domain::org::{OrgInput, OrgKind};
use gongkai_domain::role::Role;
use gongkai_service::{Ctx, ServiceError};

use crate::support::{Env, PASSWORD, env};

/// What a matrix row does to its target.
#[derive(Debug, Clone, Copy)]
enum Act {
    ResetPassword,
    ResetTotp,
    Disable,
    TokenFor,
    Grant(Role, &'static str),
    Revoke(Role, &'static str),
}

/// The accounts of the matrix: actors first, then targets (an actor may also be a target).
const ACCOUNTS: &[(&str, &[(Role, &str)])] = &[
    ("sys-p", &[(Role::SystemAdmin, "p")]),
    ("sys-c1", &[(Role::SystemAdmin, "c1")]),
    ("sec-p", &[(Role::SecurityAdmin, "p")]),
    ("sec-c1", &[(Role::SecurityAdmin, "c1")]),
    ("aud-p", &[(Role::AuditAdmin, "p")]),
    ("ed-c1", &[(Role::Editor, "c1-dept")]),
    ("signer-p", &[(Role::Signer, "p")]),
    ("ed-c2", &[(Role::Editor, "c2")]),
    ("sys-c1b", &[(Role::SystemAdmin, "c1")]),
    ("sec-c1b", &[(Role::SecurityAdmin, "c1-dept")]),
    ("aud-c1", &[(Role::AuditAdmin, "c1")]),
    ("mixed", &[(Role::Editor, "c1"), (Role::Signer, "c2")]),
];

/// (actor — `None` is the operator at the command line —, action, target, allowed).
const MATRIX: &[(Option<&str>, Act, &str, bool)] = &[
    // System administrator: accounts inside its organisations, never the other two administrators.
    (Some("sys-c1"), Act::ResetPassword, "signer-p", false),
    (Some("sys-c1"), Act::ResetPassword, "ed-c1", true),
    (Some("sys-c1"), Act::ResetPassword, "ed-c2", false),
    (Some("sys-c1"), Act::ResetPassword, "mixed", false),
    (Some("sys-c1"), Act::ResetPassword, "new-c1", true),
    (Some("sys-c1"), Act::ResetPassword, "orphan", false),
    (Some("sys-c1"), Act::ResetPassword, "sec-p", false),
    (Some("sys-c1"), Act::ResetPassword, "aud-p", false),
    (Some("sys-c1"), Act::ResetPassword, "sys-p", false),
    (Some("sys-p"), Act::ResetPassword, "signer-p", true),
    (Some("sys-p"), Act::ResetPassword, "mixed", true),
    (Some("sys-p"), Act::ResetPassword, "orphan", true),
    (Some("sys-p"), Act::ResetPassword, "sys-c1b", true),
    (Some("sys-p"), Act::ResetPassword, "sec-c1b", false),
    (Some("sys-p"), Act::ResetPassword, "aud-c1", false),
    (Some("sys-p"), Act::ResetTotp, "sec-c1b", false),
    (Some("sys-p"), Act::ResetTotp, "aud-c1", false),
    (Some("sys-c1"), Act::ResetTotp, "sys-p", false),
    (Some("sys-c1"), Act::ResetTotp, "ed-c1", true),
    (Some("sys-c1"), Act::Disable, "signer-p", false),
    (Some("sys-c1"), Act::Disable, "ed-c1", true),
    (Some("sys-p"), Act::Disable, "aud-c1", false),
    (Some("sys-c1"), Act::TokenFor, "signer-p", false),
    (Some("sys-c1"), Act::TokenFor, "ed-c1", true),
    (Some("sys-p"), Act::TokenFor, "sec-c1b", false),
    // Security and audit administrators and ordinary roles maintain no account.
    (Some("sec-p"), Act::ResetPassword, "ed-c1", false),
    (Some("sec-p"), Act::Disable, "ed-c1", false),
    (Some("aud-p"), Act::ResetPassword, "ed-c1", false),
    (Some("aud-p"), Act::TokenFor, "ed-c1", false),
    (Some("ed-c1"), Act::ResetPassword, "ed-c2", false),
    // Security administrator: business roles and its own, inside its organisations.
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1"), "ed-c1", true),
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1-dept"), "new-c1", true),
    (Some("sec-c1"), Act::Grant(Role::Editor, "p"), "ed-c1", false),
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1"), "signer-p", false),
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1"), "mixed", false),
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1"), "orphan", false),
    (Some("sec-c1"), Act::Grant(Role::SystemAdmin, "c1"), "ed-c1", false),
    (Some("sec-c1"), Act::Grant(Role::AuditAdmin, "c1"), "ed-c1", false),
    (Some("sec-c1"), Act::Grant(Role::SecurityAdmin, "c1-dept"), "ed-c1", true),
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1"), "sys-c1b", false),
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1"), "aud-c1", false),
    (Some("sec-c1"), Act::Grant(Role::Editor, "c1-dept"), "sec-c1b", true),
    (Some("sec-p"), Act::Grant(Role::Editor, "c2"), "mixed", true),
    (Some("sec-p"), Act::Grant(Role::SystemAdmin, "p"), "ed-c2", false),
    (Some("sec-c1"), Act::Revoke(Role::Editor, "c1-dept"), "ed-c1", true),
    (Some("sec-c1"), Act::Revoke(Role::Signer, "p"), "signer-p", false),
    (Some("sec-c1"), Act::Revoke(Role::SystemAdmin, "c1"), "sys-c1b", false),
    (Some("sec-c1"), Act::Revoke(Role::SecurityAdmin, "c1-dept"), "sec-c1b", true),
    (Some("sys-p"), Act::Grant(Role::Editor, "c1"), "ed-c1", false),
    (Some("aud-p"), Act::Grant(Role::Editor, "c1"), "ed-c1", false),
    (Some("ed-c1"), Act::Grant(Role::Editor, "c1"), "ed-c2", false),
    // The operator at the command line does what no administrator may.
    (None, Act::ResetPassword, "aud-c1", true),
    (None, Act::ResetTotp, "sec-c1b", true),
    (None, Act::Grant(Role::SystemAdmin, "c1"), "ed-c1", true),
];

async fn run(e: &Env, actor: &Ctx, act: Act, target: &str) -> Result<(), ServiceError> {
    let sys = Ctx::system();
    match act {
        Act::ResetPassword => e.svc.reset_password(actor, target, None).await.map(|_| ()),
        Act::ResetTotp => e.svc.reset_totp(actor, target).await,
        Act::Disable => {
            let r = e.svc.set_disabled(actor, target, true).await;
            if r.is_ok() {
                e.svc.set_disabled(&sys, target, false).await.unwrap();
            }
            r
        }
        Act::TokenFor => e.svc.create_token(actor, target, "脚本", 1).await.map(|_| ()),
        Act::Grant(role, org) => {
            let r = e.svc.grant(actor, target, role, org).await;
            if r.is_ok() {
                e.svc.revoke(&sys, target, role, org).await.unwrap();
            }
            r
        }
        Act::Revoke(role, org) => {
            let r = e.svc.revoke(actor, target, role, org).await;
            if r.is_ok() {
                e.svc.grant(&sys, target, role, org).await.unwrap();
            }
            r
        }
    }
}

#[tokio::test]
async fn the_separation_matrix_row_by_row() {
    let e = env().await;
    for (name, grants) in ACCOUNTS {
        e.user(name, grants).await;
    }
    let mut actors = std::collections::HashMap::new();
    for (name, _) in ACCOUNTS.iter().take(6) {
        actors.insert(*name, e.as_user_full(name).await);
    }
    // An account without grants belongs to the organisation it was created in; one an operator
    // created without an organisation, to the root.
    e.svc.add_user_in(&actors["sys-p"], "new-c1", "新人", Some(PASSWORD), Some("c1")).await.unwrap();
    e.svc.add_user(&Ctx::system(), "orphan", "无机构", Some(PASSWORD)).await.unwrap();

    let mut wrong = Vec::new();
    for (i, (actor, act, target, allowed)) in MATRIX.iter().enumerate() {
        let ctx = match actor {
            Some(a) => actors[a].clone(),
            None => Ctx::system(),
        };
        let r = run(&e, &ctx, *act, target).await;
        let ok = matches!((&r, allowed), (Ok(()), true) | (Err(ServiceError::Forbidden(_)), false));
        if !ok {
            wrong.push(format!("row {i}: {actor:?} {act:?} {target} → {r:?}, expected allowed={allowed}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let refused = e.actions().await.into_iter().filter(|(a, ok)| a == "password.reset" && !ok).count();
    assert!(refused >= 8, "refusals are audited: {refused}");
}

#[tokio::test]
async fn a_city_administrator_does_not_reach_the_province() {
    let e = env().await;
    e.user("sys-c1", &[(Role::SystemAdmin, "c1")]).await;
    e.user("sec-c1", &[(Role::SecurityAdmin, "c1")]).await;
    e.user("signer-p", &[(Role::Signer, "p")]).await;
    e.user("aud-p", &[(Role::AuditAdmin, "p")]).await;
    let sys = e.as_user_full("sys-c1").await;
    let sec = e.as_user_full("sec-c1").await;
    for target in ["signer-p", "aud-p"] {
        let r = e.svc.reset_password(&sys, target, None).await;
        assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{target}: {r:?}");
        // The old password still works.
        e.svc.login(&Ctx::anonymous(None), target, PASSWORD, None, None).await.unwrap();
    }
    let r = e.svc.grant(&sec, "sec-c1", Role::SystemAdmin, "c1").await;
    assert!(r.is_err());
    e.user("ed", &[(Role::Editor, "c1")]).await;
    let r = e.svc.grant(&sec, "ed", Role::SystemAdmin, "c1").await;
    assert!(matches!(r, Err(ServiceError::Forbidden(ref m)) if m.contains("三员分立")), "{r:?}");
    // The list shows only accounts inside the administrator's organisations.
    let names: Vec<String> = e.svc.list_users(&sys).await.unwrap().into_iter().map(|u| u.user.username).collect();
    assert!(names.contains(&"ed".to_owned()) && !names.contains(&"signer-p".to_owned()), "{names:?}");
}

#[tokio::test]
async fn calendar_changes_for_every_region_need_a_root_administrator() {
    let e = env().await;
    let sys = Ctx::system();
    for (code, kind, parent, division) in
        [("zj", OrgKind::City, "p", "330000"), ("hz", OrgKind::County, "zj", "330100")]
    {
        let input = OrgInput {
            code: code.into(),
            name: format!("{code}人民政府"),
            kind,
            parent_code: Some(parent.into()),
            division_code: Some(division.into()),
            credit_code: None,
        };
        e.svc.add_org(&sys, &input).await.unwrap();
    }
    e.user("sys-p", &[(Role::SystemAdmin, "p")]).await;
    e.user("sys-hz", &[(Role::SystemAdmin, "hz")]).await;
    let root = e.as_user_full("sys-p").await;
    let city = e.as_user_full("sys-hz").await;
    let day = NaiveDate::from_ymd_opt(2026, 12, 14).unwrap();
    for region in ["", "33", "11"] {
        let r = e.svc.calendar_adjust(&city, region, day, false, "临时闭馆", "杭政发〔2026〕1号").await;
        assert!(matches!(r, Err(ServiceError::Forbidden(_))), "region {region:?}: {r:?}");
    }
    assert!(e.svc.calendar_adjustments().await.unwrap().is_empty(), "nothing was written");
    for region in ["3301", "330102"] {
        e.svc.calendar_adjust(&city, region, day, false, "临时闭馆", "杭政发〔2026〕1号").await.unwrap();
    }
    e.svc.calendar_adjust(&root, "", day, false, "临时闭馆", "示政发〔2026〕1号").await.unwrap();
    let all = e.svc.calendar_adjustments().await.unwrap();
    let everywhere = all.iter().find(|a| a.region.is_empty()).unwrap().id;
    let r = e.svc.calendar_remove(&city, everywhere).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    e.svc.calendar_remove(&root, everywhere).await.unwrap();
}

#[tokio::test]
async fn an_administrator_password_reset_keeps_the_factor_ends_sessions_and_revokes_tokens() {
    let e = env().await;
    e.user("sys-p", &[(Role::SystemAdmin, "p")]).await;
    e.user("sys-c1", &[(Role::SystemAdmin, "c1")]).await;
    let boss = e.as_user_full("sys-p").await;
    let target = e.as_user_full("sys-c1").await;
    let (_, token) = e.svc.create_token(&target, "sys-c1", "脚本", 5).await.unwrap();
    let session = e.svc.login(&Ctx::anonymous(None), "sys-c1", PASSWORD, None, None).await.unwrap();
    assert!(e.svc.token_user(&token).await.unwrap().is_some());

    let new_password = e.svc.reset_password(&boss, "sys-c1", None).await.unwrap();
    assert!(e.svc.session(&session.token).await.unwrap().is_none(), "sessions end");
    assert!(e.svc.token_user(&token).await.unwrap().is_none(), "API tokens are revoked");
    let out = e.svc.login(&Ctx::anonymous(None), "sys-c1", &new_password, None, None).await.unwrap();
    assert_eq!(out.stage, SessionStage::SecondFactor, "the second factor stays");
    // Whoever knows the new password cannot put their own authenticator on the account.
    let half = e.svc.session(&out.token).await.unwrap().unwrap();
    assert!(matches!(e.svc.begin_totp_enrolment(&half).await, Err(ServiceError::Conflict(_))));
    let r = e.svc.confirm_totp_enrolment(&Ctx::anonymous(None), &half, "123456").await;
    assert!(matches!(r, Err(ServiceError::Conflict(_))), "{r:?}");
}

#[tokio::test]
async fn tokens_die_with_a_reset_a_disable_and_an_administrator_grant() {
    let e = env().await;
    e.user("ed", &[(Role::Editor, "c1")]).await;
    let sys = Ctx::system();
    let (_, t1) = e.svc.create_token(&sys, "ed", "一", 5).await.unwrap();
    e.svc.reset_password(&sys, "ed", Some("Another-Horse-7")).await.unwrap();
    assert!(e.svc.token_user(&t1).await.unwrap().is_none(), "password reset");

    let (_, t2) = e.svc.create_token(&sys, "ed", "二", 5).await.unwrap();
    e.svc.set_disabled(&sys, "ed", true).await.unwrap();
    e.svc.set_disabled(&sys, "ed", false).await.unwrap();
    assert!(e.svc.token_user(&t2).await.unwrap().is_none(), "disable");

    let (_, t3) = e.svc.create_token(&sys, "ed", "三", 5).await.unwrap();
    e.svc.grant(&sys, "ed", Role::Signer, "c1").await.unwrap();
    assert!(e.svc.token_user(&t3).await.unwrap().is_some(), "a business role keeps tokens");
    e.svc.grant(&sys, "ed", Role::SystemAdmin, "c1").await.unwrap();
    assert!(e.svc.token_user(&t3).await.unwrap().is_none(), "administrator grant");
}

fn from(ip: &str) -> Ctx {
    Ctx::anonymous(Some(ip.into()))
}

#[tokio::test]
async fn nobody_can_lock_somebody_else_out() {
    let e = env().await;
    e.user("zhang", &[(Role::Editor, "c1")]).await;
    // Zhang logged in from the office yesterday.
    e.svc.login(&from("198.51.100.10"), "zhang", PASSWORD, None, None).await.unwrap();
    e.clock.advance_ms(3_600_000);
    for _ in 0..5 {
        let _ = e.svc.login(&from("203.0.113.66"), "zhang", "Wrong-Guess-0", None, None).await;
    }
    // The attacker's address is refused for this account, even with the right password.
    let r = e.svc.login(&from("203.0.113.66"), "zhang", PASSWORD, None, None).await;
    assert!(matches!(r, Err(ServiceError::Locked { .. })), "{r:?}");
    // Zhang's usual address is not delayed at all.
    e.svc.login(&from("198.51.100.10"), "zhang", PASSWORD, None, None).await.unwrap();

    // Again, and Zhang travels: a new address waits the short delay, then gets in.
    for i in 0..7 {
        e.clock.advance_ms(60_000);
        let r = e.svc.login(&from(&format!("203.0.113.{i}")), "zhang", "Wrong-Guess-0", None, None).await;
        assert!(matches!(r, Err(ServiceError::Unauthenticated(_))), "{r:?}");
    }
    let r = e.svc.login(&from("192.0.2.99"), "zhang", PASSWORD, None, None).await;
    assert!(matches!(r, Err(ServiceError::RateLimited(_))), "{r:?}");
    e.clock.advance_ms(60_000);
    e.svc.login(&from("192.0.2.99"), "zhang", PASSWORD, None, None).await.unwrap();
}

#[tokio::test]
async fn an_hour_of_guessing_from_many_addresses_stays_under_a_hundred() {
    let e = env().await;
    e.user("li", &[]).await;
    let end = e.svc.now_ms() + 3_600_000;
    let mut failures = 0;
    let mut n = 0;
    while e.svc.now_ms() < end {
        n += 1;
        match e.svc.login(&from(&format!("10.9.{}.{}", n / 250, n % 250)), "li", "Wrong-Guess-0", None, None).await {
            Err(ServiceError::Unauthenticated(_)) => {
                failures += 1;
                assert!(failures <= 100, "ASVS 2.2.1: more than 100 guesses within the hour");
                e.clock.advance_ms(100);
            }
            // Refused unchecked: not a guess; wait as told.
            Err(ServiceError::Locked { until_ms }) => e.clock.advance_ms(until_ms - e.svc.now_ms()),
            Err(ServiceError::RateLimited(m)) => {
                let secs: i64 = m.chars().filter(char::is_ascii_digit).collect::<String>().parse().unwrap();
                e.clock.advance_ms(secs * 1000);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(failures <= 100, "ASVS 2.2.1: {failures} guesses in an hour");
    assert!(failures >= 50, "the throttle slows, it does not lock: {failures}");
}
