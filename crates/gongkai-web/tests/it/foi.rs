//! Disclosure on application over HTTP: the public form with per-field errors, the receipt and the
//! tracking page (nothing personal), the JSON API, the console workflow and the annual report downloads.

use axum::http::{Method, StatusCode};
use gongkai_domain::role::Role;
use gongkai_service::Ctx;

use crate::support::{Resp, TestApp, app, csrf_of};

const GOOD: &[(&str, &str)] = &[
    ("org", "sc-cd"),
    ("applicant_type", "natural_person"),
    ("name", "王小明"),
    ("id_type", "id_card"),
    ("id_number", "11010519491231002X"),
    ("phone", "13800000000"),
    ("email", "wang@example.cn"),
    ("description", "2026年成都市老旧小区改造项目清单"),
    ("form", "electronic"),
    ("delivery", "email"),
];

fn code_of(html: &str) -> String {
    let start = html.find(r#"<p class="tracking-code" aria-labelledby="code-title"><strong>"#).unwrap();
    let rest = &html[start..];
    let s = rest.find("<strong>").unwrap() + "<strong>".len();
    rest[s..s + 19].to_owned()
}

/// Renders every disclosure page once (for the templates test): (what, response, expected status).
pub async fn visit_every_page(t: &TestApp) -> Vec<(String, Resp, StatusCode)> {
    let mut out = Vec::new();
    let mut anon = t.client();
    let form = anon.get("/foi").await;
    let csrf = csrf_of(&form.body);
    out.push(("/foi".into(), form, StatusCode::OK));
    let r = anon.post_form("/foi", &[("_csrf", &csrf), ("org", "sc")]).await;
    out.push(("POST /foi invalid".into(), r, StatusCode::UNPROCESSABLE_ENTITY));
    let mut fields = vec![("_csrf", csrf.as_str())];
    fields.extend_from_slice(GOOD);
    let r = anon.post_form("/foi", &fields).await;
    let code = code_of(&r.body);
    out.push(("POST /foi".into(), r, StatusCode::OK));
    out.push(("/foi/track".into(), anon.get("/foi/track").await, StatusCode::OK));
    out.push(("/foi/track?code".into(), anon.get(&format!("/foi/track?code={code}")).await, StatusCode::OK));
    out.push(("/foi/track unknown".into(), anon.get("/foi/track?code=nope").await, StatusCode::NOT_FOUND));

    t.user("foi-officer", &[(Role::DisclosureOfficer, "sc")]).await;
    let mut staff = t.logged_in("foi-officer", None).await;
    let c = &mut staff.client;
    out.push(("/admin/foi".into(), c.get("/admin/foi").await, StatusCode::OK));
    out.push(("/admin/foi/new".into(), c.get("/admin/foi/new").await, StatusCode::OK));
    let id = t.svc.foi_list(&Ctx::system(), "sc", false, false, 10, 0).await.unwrap()[0].row.id;
    out.push(("/admin/foi/{id}".into(), c.get(&format!("/admin/foi/{id}")).await, StatusCode::OK));
    out.push(("/admin/foi/report".into(), c.get("/admin/foi/report?org=sc&year=2026").await, StatusCode::OK));
    out.push(("/admin/foi/tools".into(), c.get("/admin/foi/tools").await, StatusCode::OK));
    out.push(("/admin/foi/stats".into(), c.get("/admin/foi/stats?org=sc").await, StatusCode::OK));
    out.push((
        "/admin/foi/stats bad".into(),
        c.get("/admin/foi/stats?from=2026-13-01").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    ));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_form_receipt_and_tracking() {
    let t = app().await;
    let mut anon = t.client();
    let form = anon.get("/foi").await;
    assert_eq!(form.status, StatusCode::OK);
    for label in ["自然人（公民）", "法人或其他组织：商业企业", "科研机构", "社会公益组织", "法律服务机构"]
    {
        assert!(form.body.contains(label), "{label}");
    }
    let csrf = csrf_of(&form.body);

    // Missing Art. 29 fields: 422 with each field named beside its input.
    let r = anon.post_form("/foi", &[("_csrf", &csrf), ("org", "sc-cd"), ("name", "王小明")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["applicant_type", "id_number", "phone", "description", "form", "delivery"] {
        assert!(r.body.contains(&format!(r#"id="{f}-error""#)), "{f}: {}", r.body);
    }
    assert!(r.body.contains(r#"value="王小明""#), "entered values are kept");

    let mut fields = vec![("_csrf", csrf.as_str())];
    fields.extend_from_slice(GOOD);
    let r = anon.post_form("/foi", &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = code_of(&r.body);
    assert!(!r.body.contains("王小明"));

    let page = anon.get(&format!("/foi/track?code={code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("待确认收到") && page.body.contains("成都市人民政府"), "{}", page.body);
    for secret in ["王小明", "1101051949", "13800000000", "wang@example.cn", "老旧小区"] {
        assert!(!page.body.contains(secret), "tracking page shows {secret}");
    }
    let r = anon.get("/api/v1/applications/status/AAAA-BBBB-CCCC-DDDD").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = anon.get(&format!("/api/v1/applications/status/{code}")).await;
    assert_eq!(r.json()["stage"], "awaiting_confirmation");

    // The rate limit answers with the form and a clear message, never a 5xx.
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = anon.post_form("/foi", &fields).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_and_console_workflow_and_report() {
    let t = app().await;
    t.user("officer", &[(Role::DisclosureOfficer, "sc")]).await;
    t.user("signer", &[(Role::Signer, "sc")]).await;
    let (_, officer_token) = t.token("officer").await;
    let (_, signer_token) = t.token("signer").await;
    let mut c = t.client();
    let auth = |tok: &str| format!("Bearer {tok}");

    // A JSON submission missing fields names them (anonymous callers carry the pre-login CSRF token).
    let csrf = csrf_of(&c.get("/foi").await.body);
    let h = [("x-csrf-token", csrf.as_str())];
    let r = c.send_body(Method::POST, "/api/v1/applications", "application/json", r#"{"org":"sc"}"#, &h).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let today = gongkai_service::domain::foi::china_day(t.svc.now_ms()).to_string();
    let body = serde_json::json!({
        "org": "sc-cd", "applicant_type": "commercial", "name": "示例公司", "id_type": "credit_code",
        "id_number": "91350100M000100Y43", "contact_person": "李四", "phone": "028-1234567",
        "description": "成都市2025年政府采购目录", "form": "paper", "delivery": "pickup",
        "channel": "in_person", "received_on": today,
    })
    .to_string();
    let r = c.send_body(Method::POST, "/api/v1/applications", "application/json", body.clone(), &h).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "registering needs a token");
    let r = c
        .send_body(
            Method::POST,
            "/api/v1/applications",
            "application/json",
            body,
            &[("authorization", &auth(&officer_token))],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();

    let act = |b: serde_json::Value| b.to_string();
    let path = format!("/api/v1/applications/{id}/actions");
    // An extension of 21 days is refused naming `days`; an officer may not extend at all.
    let r = c
        .send_body(
            Method::POST,
            &path,
            "application/json",
            act(serde_json::json!({"action": "extend", "on": today, "days": 5, "reason": "x"})),
            &[("authorization", &auth(&officer_token))],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = c
        .send_body(Method::POST, &path, "application/json", act(serde_json::json!({"action": "draft", "outcome": "no_such_outcome", "body": "x", "legal_basis": "y", "remedy": "z"})), &[("authorization", &auth(&officer_token))])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["field"], "outcome", "{}", r.body);
    let r = c
        .send_body(Method::POST, &path, "application/json", act(serde_json::json!({"action": "draft", "outcome": "granted", "body": "现予公开", "legal_basis": "第三十六条", "remedy": "复议或诉讼"})), &[("authorization", &auth(&officer_token))])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["reply_state"], "draft");
    // Replies pass 保密审查 and 法制审核 before 签发 unless the organisation's chain says otherwise.
    let r = c
        .send_body(
            Method::POST,
            &path,
            "application/json",
            act(serde_json::json!({"action": "approve"})),
            &[("authorization", &auth(&signer_token))],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("保密审查"), "{}", r.body);
    t.svc.set_review_chain(&gongkai_service::Ctx::system(), "sc-cd", "foi_reply", Some("signoff")).await.unwrap();
    let r = c
        .send_body(
            Method::POST,
            &path,
            "application/json",
            act(serde_json::json!({"action": "approve"})),
            &[("authorization", &auth(&signer_token))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["reply_state"], "approved");

    // The console: the officer sends the approved reply.
    let mut off = t.logged_in("officer", None).await;
    let r = off
        .client
        .post_form(
            &format!("/admin/foi/{id}/act/send"),
            &[("_csrf", &off.csrf), ("on", "not a date"), ("method", "direct")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r##"href="#on""##), "{}", r.body);
    let r = off
        .client
        .post_form(&format!("/admin/foi/{id}/act/send"), &[("_csrf", &off.csrf), ("on", &today), ("method", "direct")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = off.client.get(&format!("/admin/foi/{id}")).await;
    assert!(page.body.contains("已办结"), "{}", page.body);

    // The annual report: HTML, CSV, XLSX and JSON keyed by row and column.
    let year = &today[..4];
    let html = off.client.get(&format!("/admin/foi/report?org=sc&year={year}&subtree=1")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"));
    assert!(html.body.contains("3.危及“三安全一稳定”"));
    let csv = off.client.get(&format!("/admin/foi/report?org=sc&year={year}&subtree=1&format=csv")).await;
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.body.contains("四、结转下年度继续办理"));
    let xlsx = off.client.get(&format!("/admin/foi/report?org=sc&year={year}&subtree=1&format=xlsx")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let r = c
        .get_with(
            &format!("/api/v1/reports/annual?org=sc&year={year}&subtree=true"),
            &[("authorization", &auth(&officer_token))],
        )
        .await;
    let j = r.json();
    assert_eq!(j["table3"]["granted"]["commercial"], 1, "{j}");
    assert_eq!(j["table3"]["new_received"]["total"], 1);
    let r = off.client.get("/admin/foi/report?org=sc&year=20x6").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = c.get_with("/api/v1/applications?org=sc&all=true", &[("authorization", &auth(&officer_token))]).await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    assert!(!list.body.contains("示例公司"), "the API list carries no personal data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_adjustments_report_inputs_and_candidates() {
    let t = app().await;
    t.user("sysadmin", &[(Role::SystemAdmin, "sc")]).await;
    t.user("officer", &[(Role::DisclosureOfficer, "sc")]).await;
    let mut admin = t.logged_in("sysadmin", None).await;
    let day = gongkai_service::domain::foi::china_day(t.svc.now_ms() + 30 * 86_400_000).to_string();
    let r = admin
        .client
        .post_form(
            "/admin/foi/calendar",
            &[("_csrf", &admin.csrf), ("day", &day), ("name", "临时闭馆"), ("source_document", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="source_document-error""#), "{}", r.body);
    let r = admin
        .client
        .post_form(
            "/admin/foi/calendar",
            &[("_csrf", &admin.csrf), ("day", &day), ("name", "临时闭馆"), ("source_document", "某政府通知")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = admin.client.get("/admin/foi/tools").await;
    assert!(page.body.contains("某政府通知"));

    let mut off = t.logged_in("officer", None).await;
    let r = off
        .client
        .post_form(
            "/admin/foi/calendar",
            &[("_csrf", &off.csrf), ("day", &day), ("name", "x"), ("source_document", "y")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = off
        .client
        .post_form("/admin/foi/report", &[("_csrf", &off.csrf), ("org", "sc"), ("year", "2025"), ("licensing", "many")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="licensing-error""#), "{}", r.body);
    let r = off
        .client
        .post_form(
            "/admin/foi/report",
            &[("_csrf", &off.csrf), ("org", "sc"), ("year", "2025"), ("licensing", "12"), ("fees_wan_yuan", "1.5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let j = off.client.get("/admin/foi/report?org=sc&year=2025&format=json").await.json();
    assert_eq!(j["table2"]["licensing"], 12);
    assert_eq!(j["table2"]["fees_wan_yuan"], "1.5");
    // Two applicants asking for the same document are a candidate group (Art. 44).
    let mut input = gongkai_domain::foi::ApplicationInput {
        applicant_type: "natural_person".into(),
        name: "甲".into(),
        id_type: "other".into(),
        id_number: "A1".into(),
        phone: "1".into(),
        description: "x".into(),
        info_number: Some("川府发〔2025〕1号".into()),
        form: "paper".into(),
        delivery: "pickup".into(),
        ..Default::default()
    };
    t.svc.foi_submit(&Ctx::anonymous(Some("1.1.1.1".into())), "sc", &input).await.unwrap();
    input.id_number = "B2".into();
    input.info_number = Some("川府发[2025]1号".into());
    t.svc.foi_submit(&Ctx::anonymous(Some("1.1.1.2".into())), "sc", &input).await.unwrap();
    let page = off.client.get("/admin/foi/tools?org=sc").await;
    assert!(page.body.contains("纳入主动公开"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fee_notice_statistics_and_escalation() {
    let t = app().await;
    t.user("officer", &[(Role::DisclosureOfficer, "sc")]).await;
    t.user("super", &[(Role::Supervisor, "sc")]).await;
    let (_, super_token) = t.token("super").await;
    let officer = Ctx::system();
    let today = gongkai_service::domain::foi::china_day(t.svc.now_ms());
    let mut input = gongkai_service::domain::foi::ApplicationInput {
        applicant_type: "natural_person".into(),
        name: "王小明".into(),
        id_type: "id_card".into(),
        id_number: "11010519491231002X".into(),
        phone: "13800000000".into(),
        description: "2026年成都市老旧小区改造项目清单".into(),
        form: "electronic".into(),
        delivery: "email".into(),
        email: Some("wang@example.cn".into()),
        ..Default::default()
    };
    let a = t.svc.foi_register(&officer, "sc-cd", "in_person", &input, Some(today)).await.unwrap();
    input.description = "2025年成都市老旧小区改造项目清单".into();
    let old = today - chrono::Duration::days(60);
    t.svc.foi_register(&officer, "sc-cd", "in_person", &input, Some(old)).await.unwrap();

    // The console's fee form computes the amount: one 件 is free (the field is named), 31 pages cost 10 元.
    let mut off = t.logged_in("officer", None).await;
    let path = format!("/admin/foi/{}/act/fee", a.id);
    let day = today.to_string();
    let page = off.client.get(&format!("/admin/foi/{}", a.id)).await;
    assert!(page.body.contains("按件计收：该申请人"), "{}", page.body);
    let form = [("_csrf", off.csrf.as_str()), ("on", day.as_str()), ("fee_method", "items"), ("quantity", "1")];
    let r = off.client.post_form(&path, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r##"href="#quantity""##) || r.body.contains("quantity"), "{}", r.body);
    let form = [("_csrf", off.csrf.as_str()), ("on", day.as_str()), ("fee_method", "pages"), ("quantity", "31")];
    let r = off.client.post_form(&path, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = off.client.get(&format!("/admin/foi/{}", a.id)).await;
    assert!(page.body.contains("10 元") && page.body.contains("按量计收：31页"), "{}", page.body);

    // Statistics: the page draws the chart and the table; the API returns the same figures.
    let mut sup = t.logged_in("super", None).await;
    let r = sup.client.get("/admin/foi/stats?org=sc").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<svg role=\"img\"") && r.body.contains("按期办结率"), "{}", r.body);
    let from = format!("{}-01-01", old.format("%Y"));
    let mut c = t.client();
    let auth = format!("Bearer {super_token}");
    let r = c.get_with(&format!("/api/v1/applications/stats?org=sc&from={from}"), &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["total"]["received"], 2, "{j}");
    assert_eq!(j["by_org"][0]["org"], "sc");
    assert!(j["by_org"].as_array().unwrap().iter().any(|b| b["org"] == "sc-cd" && b["received"] == 2), "{j}");
    let r = c.get_with("/api/v1/applications/stats?org=sc&from=2026-02-30", &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["field"], "from");
    let r = c.get_with("/api/v1/applications/stats", &[("authorization", &auth)]).await;
    assert_eq!(r.json()["fields"][0]["field"], "org");
    assert_eq!(c.get("/api/v1/applications/stats?org=sc").await.status, StatusCode::UNAUTHORIZED);

    // Escalation: once the application from 60 days ago is overdue, the supervisor's start page says so.
    let r = sup.client.get("/admin/").await;
    assert!(r.body.contains("依申请公开期限预警") && r.body.contains("已逾期 1 件"), "{}", r.body);
}
