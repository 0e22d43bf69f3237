//! Policy interpretation over HTTP: two-way links on both pages, the public list, the API and
//! the document JSON, the feed, the console page with its field errors, and the 50 % figures.

use axum::http::StatusCode;
use gongkai_domain::document::{DocClass, DocFields, EditionEvent, RelationKind};
use gongkai_domain::interp::{InterpFields, InterpForm};
use gongkai_domain::role::Role;
use gongkai_service::{Ctx, DocInput, InterpInput};

use crate::support::{Resp, TestApp, app, csrf_of};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";

/// A published policy (须同步解读, issued by the government) with a published 图解 interpretation.
/// Returns (policy id, interpretation id).
pub async fn published_pair(t: &TestApp) -> (i64, i64) {
    let sys = Ctx::system();
    let policy = DocInput {
        fields: DocFields {
            title: "成都市稳就业若干措施".into(),
            issuer: "成都市人民政府".into(),
            class: Some(DocClass::Normative),
            effective_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            body: "第一条 为了稳定和扩大就业，制定本措施。\n第二条 对吸纳就业困难人员的企业给予补贴。".into(),
            ..DocFields::default()
        },
        org_code: "sc-cd".into(),
        ..DocInput::default()
    };
    let (p, _) = t.svc.create_document(&sys, &policy).await.unwrap();
    t.svc.set_interp_requirement(&sys, p.id, true, true).await.unwrap();
    t.svc.document_transition(&sys, p.id, EditionEvent::Submit, None, None).await.unwrap();
    let input = InterpInput {
        doc: DocInput {
            fields: DocFields {
                title: "图解：成都市稳就业若干措施".into(),
                issuer: "成都市人力资源和社会保障局".into(),
                body: "企业招用就业困难人员，可以按月申领补贴，网上即可办理。".into(),
                ..DocFields::default()
            },
            org_code: "sc-cd".into(),
            relations: vec![(RelationKind::Interprets, p.id.to_string())],
            ..DocInput::default()
        },
        interp: InterpFields {
            form: Some(InterpForm::Graphic),
            interpreter: "李华".into(),
            interpreter_role: "局长".into(),
            first_interpreter: true,
            alt_text: Some("图解分三栏：补贴对象、补贴标准（每人每月 500 元）、申领流程。".into()),
            ..InterpFields::default()
        },
    };
    let (i, _) = t.svc.create_interpretation(&sys, &input).await.unwrap();
    t.svc.add_attachment(&sys, i.id, "图解.png", PNG).await.unwrap();
    for ev in [EditionEvent::Submit, EditionEvent::Approve] {
        t.svc.document_transition(&sys, i.id, ev, None, None).await.unwrap();
    }
    t.svc.document_transition(&sys, p.id, EditionEvent::Approve, None, None).await.unwrap();
    t.svc.document_transition(&sys, p.id, EditionEvent::Publish, None, None).await.unwrap();
    (p.id, i.id)
}

/// A published Q&A item citing 第二条 of `policy`; returns its id.
pub async fn published_qa(t: &TestApp, policy: i64) -> i64 {
    use gongkai_domain::qa::{QaEvent, QaFields, QaSourceRef};
    let sys = Ctx::system();
    let input = gongkai_service::QaInput {
        fields: QaFields {
            question: "吸纳就业困难人员的企业能领补贴吗？".into(),
            answer: "可以。按措施第二条，企业吸纳就业困难人员可以申领补贴。".into(),
            category: Some("劳动、人事、监察".into()),
            sources: vec![QaSourceRef { document: policy.to_string(), anchor: Some("第二条".into()) }],
            ..QaFields::default()
        },
        org_code: "sc-cd".into(),
        external_id: None,
    };
    let it = t.svc.create_qa(&sys, &input).await.unwrap();
    t.svc.qa_transition(&sys, it.id, QaEvent::Submit, None).await.unwrap();
    t.svc.qa_transition(&sys, it.id, QaEvent::Publish, None).await.unwrap();
    it.id
}

/// Visits every interpretation page (for the template test).
pub async fn visit_every_page(t: &TestApp) -> Vec<(String, Resp, StatusCode)> {
    let (policy, interp) = published_pair(t).await;
    let mut out = Vec::new();
    let mut anon = t.client();
    out.push(("/interpretations".into(), anon.get("/interpretations").await, StatusCode::OK));
    out.push(("/doc/{interp}".into(), anon.get(&format!("/doc/{interp}")).await, StatusCode::OK));
    let qa = published_qa(t, policy).await;
    out.push(("/qa".into(), anon.get("/qa").await, StatusCode::OK));
    out.push(("/qa/{id}".into(), anon.get(&format!("/qa/{qa}")).await, StatusCode::OK));
    t.user("interp-editor", &[(Role::Editor, "sc-cd")]).await;
    let mut ed = t.logged_in("interp-editor", None).await;
    let c = &mut ed.client;
    let r = c.get(&format!("/admin/documents/{policy}/interpretation")).await;
    out.push(("/admin/documents/{policy}/interpretation".into(), r, StatusCode::OK));
    out.push(("/admin/qa".into(), c.get("/admin/qa?org=sc-cd").await, StatusCode::OK));
    t.user("interp-super", &[(Role::Supervisor, "sc")]).await;
    let mut sup = t.logged_in("interp-super", None).await;
    let r = sup.client.get("/admin/interpretations/coverage?org=sc&year=2026").await;
    out.push(("/admin/interpretations/coverage".into(), r, StatusCode::OK));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_pages_link_each_other_and_the_api_shows_them() {
    let t = app().await;
    let (policy, interp) = published_pair(&t).await;
    let mut anon = t.client();

    // Template values are HTML-escaped, `/` included.
    let unescape = |mut r: Resp| {
        r.body = r.body.replace("&#x2f;", "/");
        r
    };
    let r = unescape(anon.get(&format!("/doc/{policy}")).await);
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"<h2 id="interps-title">政策解读</h2>"#), "{}", r.body);
    assert!(
        r.body.contains(&format!(r#"<a href="/doc/{interp}">图解：成都市稳就业若干措施</a>（图解，李华）"#)),
        "{}",
        r.body
    );

    let r = unescape(anon.get(&format!("/doc/{interp}")).await);
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<dt>政策原文</dt>"), "{}", r.body);
    assert!(r.body.contains(&format!(r#"<a href="/doc/{policy}">成都市稳就业若干措施</a>"#)), "{}", r.body);
    assert!(r.body.contains("李华（局长），第一解读人"), "{}", r.body);
    assert!(r.body.contains(r#"alt="图解分三栏"#), "the image carries its alternative text: {}", r.body);
    assert_eq!(r.body.matches(&format!(r#"href="/doc/{policy}""#)).count(), 1, "one link, not also under 相关文件");

    let r = anon.get("/interpretations?form=graphic").await;
    assert!(r.body.contains("图解：成都市稳就业若干措施"), "{}", r.body);
    let r = anon.get("/interpretations?form=video").await;
    assert!(r.body.contains("暂无符合条件的政策解读"), "{}", r.body);
    let r = anon.get("/interpretations?form=nonsense").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let j = anon.get(&format!("/api/v1/documents/{policy}")).await.json();
    assert_eq!(j["interpretations"][0]["id"], interp);
    assert_eq!(j["interpretations"][0]["interpretation"]["form"], "graphic");
    assert_eq!(j["interpretations"][0]["interpretation"]["diversified"], true);
    let j = anon.get(&format!("/api/v1/documents/{interp}")).await.json();
    assert_eq!(j["class"], "interpretation");
    assert_eq!(j["interpretation"]["interpreter"], "李华");
    let j = anon.get(&format!("/api/v1/interpretations/{interp}")).await.json();
    assert_eq!(j["interprets"][0]["id"], policy);
    assert!(j["interpretation"]["alt_text"].as_str().unwrap().contains("补贴标准"));
    let j = anon.get("/api/v1/interpretations").await.json();
    assert_eq!(j["total"], 1);
    let r = anon.get(&format!("/api/v1/interpretations/{policy}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a policy is not an interpretation");

    let r = anon.get("/feeds/interpretations.atom").await;
    assert_eq!(r.status, StatusCode::OK);
    let xml = roxmltree::Document::parse(&r.body).unwrap();
    let titles: Vec<&str> = xml
        .descendants()
        .filter(|n| n.tag_name().name() == "entry")
        .filter_map(|e| e.children().find(|c| c.tag_name().name() == "title").and_then(|c| c.text()))
        .collect();
    assert_eq!(titles, ["图解：成都市稳就业若干措施"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_names_the_field_and_refuses_publication_without_interpretation() {
    let t = app().await;
    t.user("editor", &[(Role::Editor, "sc-cd")]).await;
    t.user("signer", &[(Role::Signer, "sc-cd")]).await;
    let (policy, _) = published_pair(&t).await;
    let mut ed = t.logged_in("editor", None).await;
    let c = &mut ed.client;
    // A draft interpretation through the ordinary document form.
    let form = c.get("/admin/documents/new").await;
    let csrf = csrf_of(&form.body);
    let r = c
        .post_form(
            "/admin/documents/new",
            &[
                ("_csrf", &csrf),
                ("org", "sc-cd"),
                ("title", "视频解读：稳就业若干措施"),
                ("class", "interpretation"),
                ("relations", &format!("解读 {policy}")),
                ("body", "访谈视频。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r.location().trim_start_matches("/admin/documents/").split('?').next().unwrap().parse().unwrap();
    // A video without transcript: the field is named.
    let url = format!("/admin/documents/{id}/interpretation");
    let r = c
        .post_form(
            &url,
            &[
                ("_csrf", &csrf),
                ("interp_form", "video"),
                ("interpreter", "李华"),
                ("media_url", "https://v.example.gov.cn/1.mp4"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="transcript-error""#), "{}", r.body);
    assert!(r.body.contains("文字实录"), "{}", r.body);
    // Submitting before the fields are set names the form field.
    let r = c.post_form(&format!("/admin/documents/{id}/action/submit"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("请选择解读形式"), "{}", r.body);
    let r = c
        .post_form(
            &url,
            &[
                ("_csrf", &csrf),
                ("interp_form", "video"),
                ("interpreter", "李华"),
                ("media_url", "https://v.example.gov.cn/1.mp4"),
                ("transcript", "主持人：请介绍一下稳就业措施。李华：……"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.get(&r.location()).await;
    assert!(r.body.contains("解读信息已保存"), "{}", r.body);
    assert!(r.body.contains("与政策原文的重复度"), "{}", r.body);

    // A policy marked 须同步解读 without any interpretation: publication is refused with the reason.
    let (p2, _) = t
        .svc
        .create_document(
            &Ctx::system(),
            &DocInput {
                fields: DocFields {
                    title: "成都市另一项措施".into(),
                    class: Some(DocClass::Other),
                    body: "第一条 内容。".into(),
                    ..DocFields::default()
                },
                org_code: "sc-cd".into(),
                ..DocInput::default()
            },
        )
        .await
        .unwrap();
    let r = c
        .post_form(&format!("/admin/documents/{}/interp-requirement", p2.id), &[("_csrf", &csrf), ("required", "on")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    t.svc.document_transition(&Ctx::system(), p2.id, EditionEvent::Submit, None, None).await.unwrap();
    t.svc.document_transition(&Ctx::system(), p2.id, EditionEvent::Approve, None, None).await.unwrap();
    let mut sg = t.logged_in("signer", None).await;
    let s = &mut sg.client;
    let r = s.post_form(&format!("/admin/documents/{}/action/publish", p2.id), &[("_csrf", &sg.csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("三同步"), "{}", r.body);
    let r = s
        .post_form(&format!("/admin/documents/{}/interp-exemption", p2.id), &[("_csrf", &sg.csrf), ("reason", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="reason-error""#), "{}", r.body);
    let r = s
        .post_form(
            &format!("/admin/documents/{}/interp-exemption", p2.id),
            &[("_csrf", &sg.csrf), ("reason", "技术性调整，已在原文件解读中说明")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = s.post_form(&format!("/admin/documents/{}/action/publish", p2.id), &[("_csrf", &sg.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let actions = t.audit_actions().await;
    assert!(actions.iter().any(|(a, ok)| a == "document.interp_exemption" && *ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_see_the_fifty_percent_figures_with_a_chart() {
    let t = app().await;
    published_pair(&t).await;
    t.user("super", &[(Role::Supervisor, "sc")]).await;
    let mut sup = t.logged_in("super", None).await;
    let r = sup.client.get("/admin/interpretations/coverage?org=sc&year=2026").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(r#"<svg role="img""#), "{}", r.body);
    assert!(r.body.contains("<td>1</td><td>1</td><td>100%</td><td>达到</td>"), "{}", r.body);
    let r = sup.client.get("/admin/interpretations/coverage?org=sc&year=abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="year-error""#), "{}", r.body);
    t.user("ed2", &[(Role::Editor, "sc")]).await;
    let mut ed = t.logged_in("ed2", None).await;
    let r = ed.client.get("/admin/interpretations/coverage?org=sc&year=2026").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "editors are refused: {}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qa_pages_related_items_stale_items_and_the_export_api() {
    let t = app().await;
    let (policy, _) = published_pair(&t).await;
    let qa = published_qa(&t, policy).await;
    let mut anon = t.client();
    let r = anon.get(&format!("/qa/{qa}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("《成都市稳就业若干措施》第二条"), "{}", r.body);
    let r = anon.get("/qa").await;
    assert!(r.body.contains("<h2 id=\"hot-title\">热点问题</h2>"), "viewed once, so hot: {}", r.body);
    let r = anon.get(&format!("/doc/{policy}")).await;
    assert!(r.body.contains("<h2 id=\"qa-title\">相关问答</h2>"), "{}", r.body);
    let j = anon.get(&format!("/api/v1/qa?document={policy}")).await.json();
    assert_eq!(j["total"], 1);
    assert_eq!(j["items"][0]["id"], format!("gk-qa-{qa}"));
    assert_eq!(j["items"][0]["sources"][0]["anchor"], "第二条");
    let j = anon.get("/api/v1/qa/export").await.json();
    assert_eq!(j["items"][0]["op"], "upsert");
    let r = anon.get("/api/v1/qa/export?since=yesterday").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The policy is withdrawn from force by a repeal: the answer goes stale and leaves the public.
    let sys = Ctx::system();
    let repeal = DocInput {
        fields: DocFields {
            title: "关于废止稳就业若干措施的决定".into(),
            class: Some(DocClass::Other),
            body: "决定废止。".into(),
            ..DocFields::default()
        },
        org_code: "sc-cd".into(),
        relations: vec![(RelationKind::Repeals, policy.to_string())],
        ..DocInput::default()
    };
    let (d, _) = t.svc.create_document(&sys, &repeal).await.unwrap();
    for ev in [EditionEvent::Submit, EditionEvent::Approve, EditionEvent::Publish] {
        t.svc.document_transition(&sys, d.id, ev, None, None).await.unwrap();
    }
    assert_eq!(anon.get(&format!("/qa/{qa}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anon.get("/api/v1/qa").await.json()["total"], 0);
    let today = gongkai_service::china_date(t.svc.now_ms());
    let j = anon.get(&format!("/api/v1/qa/export?since={today}")).await.json();
    assert_eq!(j["items"][0]["op"], "delete", "the hotline drops it: {j}");
    assert_eq!(j["items"][0]["stale"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_drafts_reviews_and_shows_stale_qa() {
    let t = app().await;
    t.user("qa-editor", &[(Role::Editor, "sc-cd")]).await;
    t.user("qa-signer", &[(Role::Signer, "sc-cd")]).await;
    let (policy, _) = published_pair(&t).await;
    let mut ed = t.logged_in("qa-editor", None).await;
    let csrf = ed.csrf.clone();
    let c = &mut ed.client;
    let policy_ref = policy.to_string();
    let bad_source = format!("{policy} 第九十九条");
    let fields = |sources: &str| {
        vec![
            ("_csrf".to_owned(), csrf.clone()),
            ("org".to_owned(), "sc-cd".to_owned()),
            ("question".to_owned(), "补贴怎么领？".to_owned()),
            ("answer".to_owned(), "网上申请。".to_owned()),
            ("sources".to_owned(), sources.to_owned()),
            ("valid_from".to_owned(), "2026-01-01".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(String, String)>| v.iter().map(|(a, b)| (a.clone(), b.clone())).collect::<Vec<_>>();
    let bad = as_refs(&fields(&bad_source));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = c.post_form("/admin/qa", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="sources-error""#), "{}", r.body);
    assert!(r.body.contains("第九十九条"), "{}", r.body);
    let good = as_refs(&fields(&format!("{policy_ref} 第二条")));
    let good: Vec<(&str, &str)> = good.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = c.post_form("/admin/qa", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (items, _) = t.svc.staff_qa_list(&Ctx::system(), "sc-cd", false, 10, 0).await.unwrap();
    let id = items[0].id;
    let r = c.post_form(&format!("/admin/qa/{id}/action/submit"), &[("_csrf", &csrf), ("org", "sc-cd")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut sg = t.logged_in("qa-signer", None).await;
    let r =
        sg.client.post_form(&format!("/admin/qa/{id}/action/publish"), &[("_csrf", &sg.csrf), ("org", "sc-cd")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.client().get(&format!("/qa/{id}")).await.status, StatusCode::OK);
    let r =
        sg.client.post_form(&format!("/admin/qa/{id}/action/withdraw"), &[("_csrf", &sg.csrf), ("org", "sc-cd")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a withdrawal needs its reason: {}", r.body);

    // Repeal the policy: the console lists the item as 待复核 with the reason.
    let sys = Ctx::system();
    let repeal = DocInput {
        fields: DocFields {
            title: "废止决定".into(),
            class: Some(DocClass::Other),
            body: "决定废止。".into(),
            ..DocFields::default()
        },
        org_code: "sc-cd".into(),
        relations: vec![(RelationKind::Repeals, policy.to_string())],
        ..DocInput::default()
    };
    let (d, _) = t.svc.create_document(&sys, &repeal).await.unwrap();
    for ev in [EditionEvent::Submit, EditionEvent::Approve, EditionEvent::Publish] {
        t.svc.document_transition(&sys, d.id, ev, None, None).await.unwrap();
    }
    let r = sg.client.get("/admin/qa?org=sc-cd&stale=1").await;
    assert!(r.body.contains("待复核："), "{}", r.body);
    assert!(r.body.contains("已废止"), "{}", r.body);
    assert!(r.body.contains("复核通过并重新发布"), "{}", r.body);
    assert_eq!(t.client().get(&format!("/qa/{id}")).await.status, StatusCode::NOT_FOUND, "stale items are not public");
    let r =
        sg.client.post_form(&format!("/admin/qa/{id}/action/publish"), &[("_csrf", &sg.csrf), ("org", "sc-cd")]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "its source is repealed now, so it cannot be confirmed: {}",
        r.body
    );
}
