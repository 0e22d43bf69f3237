//! Accounts, roles (三员分立), authorisation, passwords and the audit chain.

use gongkai_domain::role::Role;
use gongkai_service::{Ctx, ServiceError};

use crate::support::{Env, PASSWORD, env};

#[tokio::test]
async fn separation_of_the_three_administrators() {
    let e = env().await;
    e.user("sys", &[(Role::SystemAdmin, "p")]).await;
    let sys = Ctx::system();
    for other in [Role::SecurityAdmin, Role::AuditAdmin] {
        let r = e.svc.grant(&sys, "sys", other, "p").await;
        assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("三员分立")), "{r:?}");
        let r = e.svc.grant(&sys, "sys", other, "c1").await;
        assert!(r.is_err(), "also refused on another organisation");
    }
    // Non-administrator roles combine freely, and the same admin role elsewhere is fine.
    e.svc.grant(&sys, "sys", Role::Editor, "c1").await.unwrap();
    e.svc.grant(&sys, "sys", Role::SystemAdmin, "c2").await.unwrap();
    let refused = e.actions().await.into_iter().filter(|(a, ok)| a == "role.grant" && !ok).count();
    assert_eq!(refused, 4, "every refused grant is audited");
}

#[tokio::test]
async fn who_may_do_what() {
    let e = env().await;
    e.user("sys", &[(Role::SystemAdmin, "p")]).await;
    e.user("sec", &[(Role::SecurityAdmin, "c1")]).await;
    e.user("aud", &[(Role::AuditAdmin, "p")]).await;
    e.user("ed", &[(Role::Editor, "c1")]).await;
    let sys = e.as_user_full("sys").await;
    let sec = e.as_user_full("sec").await;
    let aud = e.as_user_full("aud").await;
    let ed = e.as_user("ed").await;

    // Only the system administrator creates accounts.
    assert!(e.svc.add_user_in(&sys, "new1", "新人", Some(PASSWORD), Some("c1")).await.is_ok());
    for c in [&sec, &aud, &ed] {
        assert!(matches!(e.svc.add_user(c, "new2", "新人", Some(PASSWORD)).await, Err(ServiceError::Forbidden(_))));
    }
    // Only the security administrator grants, and only inside their subtree.
    assert!(e.svc.grant(&sec, "new1", Role::Editor, "c1-dept").await.is_ok());
    assert!(matches!(e.svc.grant(&sec, "new1", Role::Editor, "c2").await, Err(ServiceError::Forbidden(_))));
    assert!(matches!(e.svc.grant(&sys, "new1", Role::Editor, "c1").await, Err(ServiceError::Forbidden(_))));
    assert!(
        matches!(e.svc.grant(&sec, "sec", Role::Editor, "c1").await, Err(ServiceError::Forbidden(_))),
        "no self-grant"
    );
    // Only the audit administrator reads the log.
    assert!(e.svc.audit_page(&aud, &Default::default(), 10, 0).await.is_ok());
    for c in [&sys, &sec, &ed] {
        assert!(matches!(e.svc.audit_page(c, &Default::default(), 10, 0).await, Err(ServiceError::Forbidden(_))));
        assert!(e.svc.audit_csv(c, &Default::default()).await.is_err());
    }
    // Editors cannot add organisations; the system administrator can, below their grant.
    let input = gongkai_domain::org::OrgInput {
        code: "c1-new".into(),
        name: "清江市新局".into(),
        kind: gongkai_domain::org::OrgKind::Department,
        parent_code: Some("c1".into()),
        division_code: None,
        credit_code: None,
    };
    assert!(matches!(e.svc.add_org(&ed, &input).await, Err(ServiceError::Forbidden(_))));
    assert!(e.svc.add_org(&sys, &input).await.is_ok());
}

impl Env {
    /// Like `as_user`, but for administrators: enrols TOTP first.
    pub async fn as_user_full(&self, username: &str) -> Ctx {
        use gongkai_domain::totp;
        let anon = Ctx::anonymous(None);
        let out = self.svc.login(&anon, username, PASSWORD, None, None).await.unwrap();
        let s = self.svc.session(&out.token).await.unwrap().unwrap();
        let token = if s.session.stage == gongkai_domain::account::SessionStage::Enroll {
            let (secret, _) = self.svc.begin_totp_enrolment(&s).await.unwrap();
            let key = totp::decode_secret(&secret).unwrap();
            let code = totp::hotp(&key, totp::step_of(self.svc.now_ms() / 1000) as u64);
            self.svc.confirm_totp_enrolment(&anon, &s, &code).await.unwrap().unwrap()
        } else {
            out.token
        };
        let s = self.svc.session(&token).await.unwrap().unwrap();
        Ctx::user(s.user, None)
    }
}

#[tokio::test]
async fn password_rules_and_changes() {
    let e = env().await;
    let sys = Ctx::system();
    let r = e.svc.add_user(&sys, "x y", "", Some("short")).await;
    match r {
        Err(ServiceError::Invalid(inv)) => {
            let fields: Vec<&str> = inv.0.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, ["username", "display_name", "password"]);
        }
        other => panic!("{other:?}"),
    }
    let (u, generated) = e.svc.add_user(&sys, "chen", "陈", None).await.unwrap();
    assert!(u.must_change_password);
    assert!(e.svc.config().password_policy.check(&generated, "chen").is_ok());
    let dup = e.svc.add_user(&sys, "CHEN", "陈二", None).await;
    assert!(matches!(dup, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "username"), "{dup:?}");

    let out = e.svc.login(&Ctx::anonymous(None), "chen", &generated, None, None).await.unwrap();
    let s = e.svc.session(&out.token).await.unwrap().unwrap();
    let other = e.svc.login(&Ctx::anonymous(None), "chen", &generated, None, None).await.unwrap();
    let me = Ctx::user(s.user.clone(), None);
    let r = e.svc.change_own_password(&me, Some(&s.session.id_hash), "wrong", "New-Password-1", "New-Password-1").await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "current_password"));
    let r =
        e.svc.change_own_password(&me, Some(&s.session.id_hash), &generated, "New-Password-1", "New-Password-2").await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "confirm_password"));
    e.svc
        .change_own_password(&me, Some(&s.session.id_hash), &generated, "New-Password-1", "New-Password-1")
        .await
        .unwrap();
    assert!(e.svc.session(&out.token).await.unwrap().is_some(), "this session stays");
    assert!(e.svc.session(&other.token).await.unwrap().is_none(), "other sessions end");
    let u = e.db.store.user_by_id(u.id).await.unwrap().unwrap();
    assert!(!u.must_change_password);
    assert!(u.password_hash.starts_with("$argon2id$"));
    assert!(e.svc.login(&Ctx::anonymous(None), "chen", "New-Password-1", None, None).await.is_ok());
}

#[tokio::test]
async fn audit_chain_verifies_and_detects_tampering() {
    let e = env().await;
    e.user("zhou", &[(Role::Editor, "c1")]).await;
    let _ = e.svc.login(&Ctx::anonymous(None), "zhou", "bad-password-1", None, None).await;
    let sys = Ctx::system();
    let ok = e.svc.audit_verify(&sys).await.unwrap();
    assert!(ok.broken.is_none(), "{ok:?}");
    assert!(ok.checked >= 7, "org.create ×4, user.create, role.grant, login.failure");

    // Every state change above left an entry with before/after where it changes state.
    let page = e.svc.audit_page(&sys, &Default::default(), 100, 0).await.unwrap();
    let grant = page.rows.iter().find(|r| r.record.action == "role.grant").unwrap();
    assert!(grant.record.after.as_deref().unwrap().contains("\"editor\""));
    let csv = String::from_utf8(e.svc.audit_csv(&sys, &Default::default()).await.unwrap()).unwrap();
    assert!(csv.trim_start_matches('\u{feff}').starts_with("seq,at,actor_id,actor"));
    assert!(csv.contains("login.failure"));

    e.db.store.tamper_audit_for_test(3, "org.delete").await.unwrap();
    let broken = e.svc.audit_verify(&sys).await.unwrap();
    let msg = broken.broken.unwrap();
    assert!(msg.contains("第 3 条"), "{msg}");
}
