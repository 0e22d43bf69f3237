//! Every template is rendered by a real page, in zh-CN, without a template error.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use gongkai_domain::role::Role;
use gongkai_web::templates::TEMPLATES;

use crate::support::{PASSWORD, Resp, app, csrf_of};

/// (template, a marker only that template prints). Every entry of `TEMPLATES` must be here, so a
/// new template without a page in this test fails it.
const MARKERS: &[(&str, &str)] = &[
    ("base.html", r##"<a class="skip-link" href="#main">跳到主要内容</a>"##),
    ("macros.html", r#"<h2 id="error-summary-title">"#),
    ("error.html", "错误代码："),
    ("public/home.html", r#"<h2 id="orgs-title">机构导航</h2>"#),
    ("public/org.html", "机构基本信息"),
    ("public/prefs.html", "<h1>显示设置</h1>"),
    ("admin/login.html", "<h1>工作人员登录</h1>"),
    ("admin/totp.html", "<h1>动态口令验证</h1>"),
    ("admin/enroll.html", "<h1>绑定动态口令（双因素认证）</h1>"),
    ("admin/layout.html", r#"aria-label="管理导航""#),
    ("admin/dashboard.html", "<h1>管理后台</h1>"),
    ("admin/password.html", "<h1>修改密码</h1>"),
    ("admin/orgs.html", "<h1>机构管理</h1>"),
    ("admin/users.html", "<h1>账号与角色</h1>"),
    ("admin/audit.html", "<h1>审计日志</h1>"),
    ("admin/tokens.html", "<h1>API 令牌</h1>"),
    ("public/_doc_list.html", r#"<ul class="doc-list">"#),
    ("public/documents.html", r#"aria-label="筛选条件""#),
    ("public/document.html", r#"<h2 id="hist-title">版本记录</h2>"#),
    ("admin/documents.html", "<h1>文件管理</h1>"),
    ("admin/document_form.html", r#"<label for="doc_number">发文字号</label>"#),
    ("admin/document.html", r#"<h2 id="ed-title">版本</h2>"#),
    ("admin/cleanups.html", "<h1>规范性文件清理</h1>"),
    ("public/cleanups.html", "不再作为行政管理的依据"),
    ("public/_search_body.html", r#"<label for="s-q">检索词</label>"#),
    ("public/search.html", "<h1>全文检索</h1>"),
    ("admin/search.html", "<h1>内部检索</h1>"),
    ("public/_foi_fields.html", "<legend>申请人类型"),
    ("public/foi_form.html", "<h1>政府信息公开申请</h1>"),
    ("public/foi_receipt.html", r#"<h2 id="code-title">您的查询码</h2>"#),
    ("public/foi_track.html", "<h1>申请办理进度查询</h1>"),
    ("admin/foi_list.html", "<h1>依申请公开办理</h1>"),
    ("admin/foi_register.html", "<h1>登记政府信息公开申请</h1>"),
    ("admin/foi.html", r#"<h2 id="clock-title">期限计算过程</h2>"#),
    ("admin/foi_report.html", "<h1>政府信息公开工作年度报告</h1>"),
    ("admin/foi_tools.html", r#"<h2 id="cal-title">工作日历调整</h2>"#),
    ("admin/foi_stats.html", "<h1>依申请公开统计</h1>"),
    ("admin/_review.html", r#"<h2 id="chain-title">公开前审查记录</h2>"#),
    ("admin/review.html", "<h1>公开前审查："),
    ("admin/review_list.html", "<h1>待我审查</h1>"),
    ("admin/review_dashboard.html", "<h1>审查统计</h1>"),
    ("public/interpretations.html", "<h1>政策解读</h1>"),
    ("admin/interpretation.html", r#"<h2 id="req-title">同步解读（三同步）</h2>"#),
    ("admin/interp_coverage.html", "<h1>政策解读情况（多元化解读比例）</h1>"),
    ("public/qa.html", "<h1>政策问答</h1>"),
    ("public/qa_item.html", r#"<h2 id="basis-title">政策依据</h2>"#),
    ("admin/qa.html", r#"<h2 id="new-title">新建问答</h2>"#),
];

struct Seen(BTreeSet<&'static str>);

impl Seen {
    /// Checks a rendered page and records which templates it shows.
    fn page(&mut self, what: &str, r: &Resp, status: StatusCode) {
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert!(r.header("content-type").unwrap_or_default().starts_with("text/html"), "{what}: {:?}", r.headers);
        assert!(r.body.starts_with("<!doctype html>"), "{what}: {}", r.body);
        assert!(r.body.contains(r#"<html lang="zh-CN">"#), "{what}: {}", r.body);
        assert!(r.body.contains("<title>"), "{what}");
        assert!(r.body.contains(r#"<main id="main""#), "{what}");
        assert!(!r.body.contains("系统内部错误"), "{what}: {}", r.body);
        // No inline script or style: the CSP forbids both.
        assert!(!r.body.contains("<script"), "{what}");
        assert!(!r.body.contains("<style"), "{what}");
        assert!(!r.body.contains(" style=\""), "{what}");
        assert!(!r.body.contains("{{") && !r.body.contains("{%"), "{what}");
        for (name, marker) in MARKERS {
            if r.body.contains(marker) {
                self.0.insert(name);
            }
        }
    }
}

#[test]
fn every_template_has_a_marker() {
    let names: BTreeSet<&str> = TEMPLATES.iter().map(|(n, _)| *n).collect();
    let covered: BTreeSet<&str> = MARKERS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, covered, "templates and this test's markers differ");
    for (name, src) in TEMPLATES {
        if *name != "base.html" && *name != "macros.html" && !name.contains("/_") {
            assert!(src.contains("{% extends"), "{name} does not extend a layout");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_template_renders() {
    let t = app().await;
    let mut seen = Seen(BTreeSet::new());
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    t.user("secadmin", &[(Role::SecurityAdmin, "sc")]).await;
    t.user("auditor", &[(Role::AuditAdmin, "sc")]).await;
    t.user("editor", &[(Role::Editor, "sc-cd")]).await;
    t.user("reviewer", &[(Role::ConfidentialityReviewer, "sc")]).await;

    // Public pages.
    let mut anon = t.client();
    seen.page("/", &anon.get("/").await, StatusCode::OK);
    seen.page("/org/sc/", &anon.get("/org/sc/").await, StatusCode::OK);
    seen.page("/org/sc-cd/", &anon.get("/org/sc-cd/").await, StatusCode::OK);
    seen.page("/admin/login", &anon.get("/admin/login").await, StatusCode::OK);
    seen.page("/prefs", &anon.get("/prefs?next=/org/sc/").await, StatusCode::OK);
    seen.page("404", &anon.get("/no/such/page").await, StatusCode::NOT_FOUND);
    let r = anon.login("editor", "Wrong-Password-1").await;
    seen.page("failed login", &r, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("error-summary"), "{}", r.body);

    // Enrolment: an administrator without a factor.
    let mut c = t.client();
    let r = c.login("sysadmin", PASSWORD).await;
    assert_eq!(r.location(), "/admin/totp/enroll");
    seen.page("/admin/totp/enroll", &c.get("/admin/totp/enroll").await, StatusCode::OK);

    // The system administrator's console.
    let mut admin = t.logged_in("sysadmin", None).await;
    let secret = admin.totp_secret.clone().unwrap();
    let a = &mut admin.client;
    let r = a.get("/admin/?notice=totp_enabled").await;
    seen.page("/admin/", &r, StatusCode::OK);
    assert!(r.body.contains("动态口令已绑定"), "{}", r.body);
    seen.page("/admin/password", &a.get("/admin/password").await, StatusCode::OK);
    let orgs = a.get("/admin/orgs").await;
    seen.page("/admin/orgs", &orgs, StatusCode::OK);
    assert!(orgs.body.contains("新增机构"), "{}", orgs.body);
    let csrf = csrf_of(&orgs.body);
    // A rule violation re-renders the form with its errors.
    let r = a
        .post_form(
            "/admin/orgs",
            &[("_csrf", &csrf), ("code", "bad code"), ("name", "某部门"), ("kind", "department"), ("parent", "sc")],
        )
        .await;
    seen.page("POST /admin/orgs invalid", &r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="code-error""#), "{}", r.body);
    assert!(r.body.contains(r#"value="某部门""#), "{}", r.body);
    let r = a
        .post_form(
            "/admin/orgs",
            &[("_csrf", &csrf), ("code", "sc-edu"), ("name", "四川省教育厅"), ("kind", "department"), ("parent", "sc")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a.get(&r.location()).await;
    seen.page("/admin/orgs?notice", &r, StatusCode::OK);
    assert!(r.body.contains("机构已新增"), "{}", r.body);
    assert!(r.body.contains("四川省教育厅"), "{}", r.body);

    seen.page("/admin/users", &a.get("/admin/users").await, StatusCode::OK);
    let r = a.post_form("/admin/users", &[("_csrf", &csrf), ("username", "xiao-ming"), ("display_name", "小明")]).await;
    seen.page("POST /admin/users", &r, StatusCode::OK);
    assert!(r.body.contains("仅显示这一次"), "{}", r.body);
    assert!(r.body.contains("xiao-ming"), "{}", r.body);
    let r = a.post_form("/admin/users", &[("_csrf", &csrf), ("username", "x"), ("display_name", "")]).await;
    seen.page("POST /admin/users invalid", &r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="display_name-error""#), "{}", r.body);

    seen.page("/admin/tokens", &a.get("/admin/tokens").await, StatusCode::OK);
    let r = a.post_form("/admin/tokens", &[("_csrf", &csrf), ("name", "数据同步"), ("days", "30")]).await;
    seen.page("POST /admin/tokens", &r, StatusCode::OK);
    assert!(r.body.contains("<code>gk_"), "{}", r.body);
    let r = a.post_form("/admin/tokens", &[("_csrf", &csrf), ("name", "x"), ("days", "many")]).await;
    seen.page("POST /admin/tokens invalid", &r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("有效期须为整数天数"), "{}", r.body);
    // The system administrator may not read the audit log: the error page, logged in.
    seen.page("/admin/audit (sysadmin)", &a.get("/admin/audit").await, StatusCode::FORBIDDEN);

    // The security administrator's view of accounts (grant forms).
    let mut sec = t.logged_in("secadmin", None).await;
    let r = sec.client.get("/admin/users").await;
    seen.page("/admin/users (secadmin)", &r, StatusCode::OK);
    assert!(r.body.contains("授予角色"), "{}", r.body);

    // The audit administrator's log.
    let mut aud = t.logged_in("auditor", None).await;
    seen.page("/admin/audit", &aud.client.get("/admin/audit").await, StatusCode::OK);
    let r = aud.client.post_form("/admin/audit/verify", &[("_csrf", &aud.csrf)]).await;
    seen.page("POST /admin/audit/verify", &r, StatusCode::OK);

    // The second-factor form: an account that has a factor logs in again.
    let mut again = t.client();
    let r = again.login("sysadmin", crate::support::NEW_PASSWORD).await;
    assert!(r.location().starts_with("/admin/login/totp"), "{}", r.location());
    let page = again.get(&r.location()).await;
    seen.page("/admin/login/totp", &page, StatusCode::OK);
    let r = again.post_form("/admin/login/totp", &[("_csrf", &csrf_of(&page.body)), ("code", "abc")]).await;
    seen.page("POST /admin/login/totp invalid", &r, StatusCode::UNPROCESSABLE_ENTITY);
    let code = t.next_totp(&secret);
    let r = again.post_form("/admin/login/totp", &[("_csrf", &csrf_of(&page.body)), ("code", &code)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The policy library: an editor drafts in the console; the public sees it once published.
    let mut ed = t.logged_in("editor", None).await;
    let e = &mut ed.client;
    seen.page("/admin/documents", &e.get("/admin/documents").await, StatusCode::OK);
    let form = e.get("/admin/documents/new").await;
    seen.page("/admin/documents/new", &form, StatusCode::OK);
    let csrf = csrf_of(&form.body);
    let r = e
        .post_form(
            "/admin/documents/new",
            &[
                ("_csrf", &csrf),
                ("org", "sc-cd"),
                ("title", "成都市就业促进办法"),
                ("class", "normative"),
                ("written_on", "2026-13-01"),
            ],
        )
        .await;
    seen.page("POST /admin/documents/new invalid", &r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="written_on-error""#), "{}", r.body);
    let r = e
        .post_form(
            "/admin/documents/new",
            &[
                ("_csrf", &csrf),
                ("org", "sc-cd"),
                ("title", "成都市就业促进办法"),
                ("class", "normative"),
                ("doc_number", "成府规[2026]1号"),
                ("written_on", "2020-01-01"),
                ("body", "第一条 为了促进就业，制定本办法。\n第二条 本办法自公布之日起施行。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let view_url = r.location();
    let view = e.get(&view_url).await;
    seen.page("/admin/documents/{id}", &view, StatusCode::OK);
    let doc_id: i64 = view_url.trim_start_matches("/admin/documents/").split('?').next().unwrap().parse().unwrap();
    seen.page("/admin/documents/{id}/edit", &e.get(&format!("/admin/documents/{doc_id}/edit")).await, StatusCode::OK);
    let r = e.post_form(&format!("/admin/documents/{doc_id}/action/submit"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // 公开前审查: the secrecy reviewer's queue, the step form (an error, then the step), the record on the
    // document's staff page, the security administrator's dashboard; none of it for the public.
    let ed_id = t.svc.staff_document(&gongkai_service::Ctx::system(), doc_id).await.unwrap().open.unwrap().id;
    let mut rv = t.logged_in("reviewer", None).await;
    let r = rv.client.get("/admin/review").await;
    seen.page("/admin/review", &r, StatusCode::OK);
    assert!(r.body.contains(&format!("/admin/review/edition/{ed_id}")), "{}", r.body);
    let step_url = format!("/admin/review/edition/{ed_id}");
    let r = rv.client.get(&step_url).await;
    seen.page("/admin/review/edition/{id}", &r, StatusCode::OK);
    assert!(r.body.contains("保密审查意见"), "{}", r.body);
    let csrf_rv = csrf_of(&r.body);
    let r = rv
        .client
        .post_form(&step_url, &[("_csrf", &csrf_rv), ("step", "secrecy"), ("decision", "return"), ("opinion", "")])
        .await;
    seen.page("POST /admin/review/edition/{id} invalid", &r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="opinion-error""#), "{}", r.body);
    let r = rv
        .client
        .post_form(
            &step_url,
            &[("_csrf", &csrf_rv), ("step", "secrecy"), ("decision", "approve"), ("opinion", "不涉密审查意见甲")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = rv.client.get(&r.location()).await;
    assert!(r.body.contains("审查意见已记录"), "{}", r.body);
    let view = e.get(&view_url).await;
    assert!(view.body.contains("不涉密审查意见甲"), "the staff page shows the record: {}", view.body);
    assert!(anon.get(&step_url).await.status.is_redirection(), "the public is sent to the login");
    let r = sec.client.get("/admin/review/dashboard?days=7").await;
    seen.page("/admin/review/dashboard", &r, StatusCode::OK);
    let signer = gongkai_service::Ctx::system();
    t.svc
        .document_transition(&signer, doc_id, gongkai_domain::document::EditionEvent::Approve, None, None)
        .await
        .unwrap();
    t.svc
        .document_transition(&signer, doc_id, gongkai_domain::document::EditionEvent::Publish, None, None)
        .await
        .unwrap();
    let list = anon.get("/documents").await;
    seen.page("/documents", &list, StatusCode::OK);
    assert!(list.body.contains("成都市就业促进办法"), "{}", list.body);
    seen.page("/registry", &anon.get("/registry").await, StatusCode::OK);
    let page = anon.get(&format!("/doc/{doc_id}")).await;
    seen.page("/doc/{id}", &page, StatusCode::OK);
    assert!(page.body.contains(r#"id="第二条""#), "{}", page.body);
    assert!(!page.body.contains("不涉密审查意见甲") && !page.body.contains("审查"), "no review record in public");
    assert!(page.body.contains(r#"<meta name="ArticleTitle" content="成都市就业促进办法">"#), "{}", page.body);

    // Search: the page before searching, with results, without results; the staff search.
    t.svc.sync_search().await.unwrap();
    seen.page("/search", &anon.get("/search").await, StatusCode::OK);
    let r = anon.get("/search?q=%E5%B0%B1%E4%B8%9A%E4%BF%83%E8%BF%9B").await;
    seen.page("/search?q=就业促进", &r, StatusCode::OK);
    assert!(r.body.contains("<mark>就业促进</mark>"), "{}", r.body);
    let r = anon.get("/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E5%86%85%E5%AE%B9xyz").await;
    seen.page("/search no results", &r, StatusCode::OK);
    assert!(r.body.contains("检索建议"), "{}", r.body);
    seen.page("/admin/search", &e.get("/admin/search?q=%E5%B0%B1%E4%B8%9A").await, StatusCode::OK);

    // A cleanup campaign: drafted and published by an operator, its catalogue public.
    let cid = t
        .svc
        .create_cleanup(
            &signer,
            "sc-cd",
            "2026年度清理",
            None,
            &[(doc_id.to_string(), gongkai_service::CleanupResult::Continue, None)],
        )
        .await
        .unwrap();
    t.svc.publish_cleanup(&signer, cid).await.unwrap();
    seen.page("/cleanups/{id}", &anon.get(&format!("/cleanups/{cid}")).await, StatusCode::OK);
    seen.page("/cleanups", &anon.get("/cleanups").await, StatusCode::OK);
    t.user("chief", &[(Role::Signer, "sc")]).await;
    let mut chief = t.logged_in("chief", None).await;
    seen.page("/admin/cleanups", &chief.client.get("/admin/cleanups").await, StatusCode::OK);

    // Disclosure on application: the public form, receipt and tracking; the console's pages.
    for (what, r, status) in crate::foi::visit_every_page(&t).await {
        seen.page(&what, &r, status);
    }

    // Policy interpretation: the public list and page, the console page and the 50 % figures.
    for (what, r, status) in crate::interp::visit_every_page(&t).await {
        seen.page(&what, &r, status);
    }

    let all: BTreeSet<&str> = MARKERS.iter().map(|(n, _)| *n).collect();
    assert_eq!(seen.0, all, "templates never rendered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_settings_reach_the_footer() {
    let web = gongkai_web::WebConfig {
        site_name: "清江市政务公开".into(),
        site_code: Some("5101000001".into()),
        icp: Some("蜀ICP备00000000号".into()),
        ..Default::default()
    };
    let t = crate::support::app_with(Default::default(), web).await;
    let r = t.client().get("/").await;
    assert!(r.body.contains("<title>清江市政务公开</title>"), "{}", r.body);
    assert!(r.body.contains("网站标识码：5101000001"), "{}", r.body);
    assert!(r.body.contains("蜀ICP备00000000号"), "{}", r.body);
    let r = t.client().get("/no/such/page").await;
    assert!(r.body.contains("页面不存在 - 清江市政务公开"), "{}", r.body);
}
