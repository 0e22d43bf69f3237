//! The store's behaviour, identical on both databases.

use gongkai_domain::account::{Session, SessionStage};
use gongkai_domain::org::OrgKind;
use gongkai_domain::role::Role;
use gongkai_store::{AuditFilter, NewAudit, NewOrg, NewUser, StoreError};
use gongkai_testkit::TestDb;

fn audit(action: &str, at_ms: i64) -> NewAudit {
    NewAudit {
        at_ms,
        actor_id: None,
        actor_name: "system".into(),
        ip: Some("127.0.0.1".into()),
        action: action.into(),
        target_kind: "org".into(),
        target_id: Some("x".into()),
        org_id: None,
        before: None,
        after: Some("{\"a\":1}".into()),
        success: true,
    }
}

#[tokio::test]
async fn org_tree_and_subtree_queries() {
    let db = TestDb::new().await;
    let s = &db.store;
    let mut tx = s.begin().await.unwrap();
    let root = tx
        .insert_org(&NewOrg {
            code: "p",
            name: "省",
            kind: OrgKind::Province,
            parent: None,
            division_code: Some("990000"),
            credit_code: None,
            now_ms: 1,
        })
        .await
        .unwrap();
    let city = tx
        .insert_org(&NewOrg {
            code: "c",
            name: "市",
            kind: OrgKind::City,
            parent: Some(&root),
            division_code: None,
            credit_code: None,
            now_ms: 2,
        })
        .await
        .unwrap();
    let county = tx
        .insert_org(&NewOrg {
            code: "k",
            name: "县",
            kind: OrgKind::County,
            parent: Some(&city),
            division_code: None,
            credit_code: None,
            now_ms: 3,
        })
        .await
        .unwrap();
    let other = tx
        .insert_org(&NewOrg {
            code: "d",
            name: "厅",
            kind: OrgKind::Department,
            parent: Some(&root),
            division_code: None,
            credit_code: None,
            now_ms: 4,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(root.path, format!("/{}/", root.id));
    assert_eq!(county.path, format!("/{}/{}/{}/", root.id, city.id, county.id));
    let all = s.list_orgs(None).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].code, "p", "parents come first");
    let sub: Vec<String> = s.list_orgs(Some(&city.path)).await.unwrap().into_iter().map(|o| o.code).collect();
    assert_eq!(sub, ["c", "k"]);
    assert!(!sub.contains(&other.code));
    let loaded = s.org_by_code("k").await.unwrap().unwrap();
    assert_eq!(loaded, county);
    assert_eq!(s.org_children(Some(root.id)).await.unwrap().len(), 2);
    assert_eq!(s.org_children(None).await.unwrap().len(), 1);
    assert!(s.org_by_code("nope").await.unwrap().is_none());

    // A duplicate code is a conflict, and the failed transaction leaves nothing behind.
    let mut tx = s.begin().await.unwrap();
    let e = tx
        .insert_org(&NewOrg {
            code: "k",
            name: "重复",
            kind: OrgKind::County,
            parent: Some(&city),
            division_code: None,
            credit_code: None,
            now_ms: 5,
        })
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
    drop(tx);
    assert_eq!(s.count_orgs().await.unwrap(), 4);
}

#[tokio::test]
async fn dropped_transaction_rolls_back() {
    let db = TestDb::new().await;
    let s = &db.store;
    let mut tx = s.begin().await.unwrap();
    tx.insert_org(&NewOrg {
        code: "p",
        name: "省",
        kind: OrgKind::Province,
        parent: None,
        division_code: None,
        credit_code: None,
        now_ms: 1,
    })
    .await
    .unwrap();
    tx.append_audit(&audit("org.create", 1)).await.unwrap();
    drop(tx);
    assert_eq!(s.count_orgs().await.unwrap(), 0);
    assert_eq!(s.audit_head().await.unwrap().0, 0, "the audit chain did not advance");
}

#[tokio::test]
async fn users_grants_sessions_tokens() {
    let db = TestDb::new().await;
    let s = &db.store;
    let mut tx = s.begin().await.unwrap();
    let org = tx
        .insert_org(&NewOrg {
            code: "p",
            name: "省",
            kind: OrgKind::Province,
            parent: None,
            division_code: None,
            credit_code: None,
            now_ms: 1,
        })
        .await
        .unwrap();
    let uid = tx
        .insert_user(&NewUser {
            username: "ZhangSan",
            username_norm: "zhangsan",
            display_name: "张三",
            password_hash: "h",
            must_change_password: true,
            home_org_id: None,
            now_ms: 10,
        })
        .await
        .unwrap();
    tx.insert_grant(uid, Role::Editor, org.id, None, 11).await.unwrap();
    tx.insert_grant(uid, Role::Signer, org.id, None, 11).await.unwrap();
    tx.commit().await.unwrap();
    // A second identical grant is a conflict.
    let mut tx = s.begin().await.unwrap();
    let dup = tx.insert_grant(uid, Role::Editor, org.id, None, 12).await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
    drop(tx);

    let u = s.user_by_username("zhangsan").await.unwrap().unwrap();
    assert_eq!(u.username, "ZhangSan");
    assert!(u.must_change_password && !u.totp_enabled && !u.disabled);
    let roles: Vec<Role> = s.grants_of(uid).await.unwrap().into_iter().map(|g| g.role).collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&Role::Editor) && roles.contains(&Role::Signer));

    let mut tx = s.begin().await.unwrap();
    assert!(tx.delete_grant(uid, Role::Signer, org.id).await.unwrap());
    assert!(!tx.delete_grant(uid, Role::Signer, org.id).await.unwrap());
    tx.set_password(uid, "h2", false, 20).await.unwrap();
    tx.set_totp(uid, Some("SECRET"), true, 5, 21).await.unwrap();
    assert!(tx.advance_totp_step(uid, 6).await.unwrap());
    assert!(!tx.advance_totp_step(uid, 6).await.unwrap(), "a used step is refused");
    let sess = Session {
        id_hash: "abc".into(),
        user_id: uid,
        stage: SessionStage::SecondFactor,
        csrf_token: "csrf".into(),
        created_at_ms: 100,
        last_seen_at_ms: 100,
        ip: Some("10.0.0.1".into()),
    };
    tx.insert_session(&sess, Some("ua")).await.unwrap();
    tx.insert_session(&Session { id_hash: "def".into(), ..sess.clone() }, None).await.unwrap();
    let tid = tx.insert_token(uid, "ci", "gk_abc", "hash1", 100, 1000).await.unwrap();
    tx.commit().await.unwrap();

    let u = s.user_by_id(uid).await.unwrap().unwrap();
    assert_eq!(u.password_hash, "h2");
    assert!(!u.must_change_password && u.totp_enabled);
    assert_eq!(u.totp_last_step, 6);
    assert_eq!(s.session_by_hash("abc").await.unwrap().unwrap(), sess);
    s.touch_session("abc", 200_000, 30_000).await.unwrap();
    assert_eq!(s.session_by_hash("abc").await.unwrap().unwrap().last_seen_at_ms, 200_000);

    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.delete_sessions_of(uid, Some("abc")).await.unwrap(), 1);
    assert!(tx.revoke_token(tid, 500).await.unwrap());
    assert!(!tx.revoke_token(tid, 501).await.unwrap());
    tx.commit().await.unwrap();
    assert!(s.session_by_hash("def").await.unwrap().is_none());
    assert!(s.session_by_hash("abc").await.unwrap().is_some());
    let t = s.token_by_hash("hash1").await.unwrap().unwrap();
    assert_eq!((t.username.as_str(), t.revoked_at_ms), ("ZhangSan", Some(500)));
    assert!(!t.is_active(600));
    assert_eq!(s.list_tokens(Some(uid)).await.unwrap().len(), 1);

    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.delete_expired_sessions(0, 50).await.unwrap(), 0);
    assert_eq!(tx.delete_expired_sessions(300_000, 0).await.unwrap(), 1);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn login_attempts_count_failures_since_last_success() {
    let db = TestDb::new().await;
    let s = &db.store;
    let mut tx = s.begin().await.unwrap();
    for (at, ok) in [(10, false), (20, false), (30, true), (40, false), (50, false)] {
        tx.insert_login_attempt("u", Some("1.2.3.4"), at, ok).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(s.recent_login_failures("u", 0).await.unwrap(), vec![40, 50]);
    assert_eq!(s.recent_login_failures("u", 45).await.unwrap(), vec![50]);
    assert_eq!(s.ip_login_failures("1.2.3.4", 0).await.unwrap(), 4);
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.delete_old_login_attempts(35).await.unwrap(), 3);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn audit_chain_appends_filters_and_refuses_edits() {
    let db = TestDb::new().await;
    let s = &db.store;
    for i in 1..=5 {
        let mut tx = s.begin().await.unwrap();
        let mut a = audit(if i % 2 == 0 { "login.failure" } else { "org.create" }, i * 1000);
        a.success = i % 2 != 0;
        assert_eq!(tx.append_audit(&a).await.unwrap(), i);
        tx.commit().await.unwrap();
    }
    let rows = s.audit_after(0, 100).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.record.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    let mut prev = gongkai_domain::audit::GENESIS;
    for r in &rows {
        prev = r.record.chain_hash(&prev);
        assert_eq!(prev, r.hash_bytes(), "stored hash of {} matches", r.record.seq);
    }
    assert_eq!(s.audit_head().await.unwrap(), (5, prev));

    let f = AuditFilter { action: Some("login".into()), ..AuditFilter::default() };
    assert_eq!(s.count_audit(&f).await.unwrap(), 2);
    let f = AuditFilter { success: Some(false), from_ms: Some(3000), ..AuditFilter::default() };
    let page = s.list_audit(&f, 10, 0).await.unwrap();
    assert_eq!(page.iter().map(|r| r.record.seq).collect::<Vec<_>>(), [4], "newest first, filtered");
    let f = AuditFilter { actor_name: Some("nobody".into()), ..AuditFilter::default() };
    assert_eq!(s.count_audit(&f).await.unwrap(), 0);

    // The database itself refuses to edit or delete audit rows.
    let upd = s.execute_admin("UPDATE audit_log SET action = 'x' WHERE seq = 1").await;
    assert!(upd.is_err(), "UPDATE on audit_log must fail");
    let del = s.execute_admin("DELETE FROM audit_log WHERE seq = 1").await;
    assert!(del.is_err(), "DELETE on audit_log must fail");
    assert_eq!(s.audit_after(0, 100).await.unwrap().len(), 5);
}

#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    let db = TestDb::new().await;
    let other = db.open_again().await;
    let mut tasks = Vec::new();
    for (n, store) in [db.store.clone(), other.clone()].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let mut tx = store.begin().await.unwrap();
                tx.append_audit(&audit(&format!("node{n}.{i}"), i)).await.unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rows = db.store.audit_after(0, 100).await.unwrap();
    assert_eq!(rows.len(), 20);
    let verified = gongkai_domain::audit::verify_chain(
        (0, gongkai_domain::audit::GENESIS),
        rows.iter().map(|r| (&r.record, r.hash_bytes())),
    );
    assert!(verified.is_ok(), "{verified:?}");
}

#[tokio::test]
async fn settings_round_trip() {
    let db = TestDb::new().await;
    let s = &db.store;
    assert_eq!(s.setting("k").await.unwrap(), None);
    let mut tx = s.begin().await.unwrap();
    tx.put_setting("k", "v1").await.unwrap();
    tx.put_setting("k", "v2").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.setting("k").await.unwrap().as_deref(), Some("v2"));
    s.ping().await.unwrap();
    s.integrity_check().await.unwrap();
    assert!(s.pending_migrations().await.unwrap().is_empty());
}
