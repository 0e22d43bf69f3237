//! The policy library over HTTP: visibility of drafts and withdrawn documents on every surface
//! (pages, API, feeds, sitemap, attachment URLs), the API's write path, Atom well-formedness and
//! the OpenAPI description against the route table.

use axum::http::{Method, StatusCode};
use gongkai_domain::document::{DocClass, DocFields, EditionEvent};
use gongkai_domain::role::Role;
use gongkai_service::{Ctx, DocInput};

use crate::support::{TestApp, app};

async fn draft(t: &TestApp, title: &str) -> i64 {
    let input = DocInput {
        fields: DocFields {
            title: title.into(),
            issuer: "成都市人民政府".into(),
            doc_number: Some("成府发〔2026〕7号".into()),
            class: Some(DocClass::Normative),
            effective_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            body: "第一条 草稿正文独有的句子。".into(),
            ..DocFields::default()
        },
        org_code: "sc-cd".into(),
        ..DocInput::default()
    };
    t.svc.create_document(&Ctx::system(), &input).await.unwrap().0.id
}

async fn step(t: &TestApp, id: i64, ev: EditionEvent, reason: Option<&str>) {
    t.svc.document_transition(&Ctx::system(), id, ev, reason, None).await.unwrap();
}

fn atom_ok(xml: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2005/Atom"));
    for required in ["id", "title", "updated"] {
        assert!(root.children().any(|c| c.tag_name().name() == required), "feed lacks <{required}>");
    }
    for e in root.children().filter(|c| c.tag_name().name() == "entry") {
        for required in ["id", "title", "updated", "link"] {
            assert!(e.children().any(|c| c.tag_name().name() == required), "entry lacks <{required}>");
        }
    }
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_and_withdrawn_documents_never_reach_the_public() {
    let t = app().await;
    let id = draft(&t, "成都市草稿办法").await;
    let att = t.svc.add_attachment(&Ctx::system(), id, "细则.pdf", b"%PDF-1.4 secret").await.unwrap();
    let mut c = t.client();
    let surfaces = [
        "/documents".to_owned(),
        "/registry?validity=all".to_owned(),
        "/api/v1/documents".to_owned(),
        "/feeds/latest.atom".to_owned(),
        "/feeds/org/sc-cd.atom".to_owned(),
        "/feeds/validity.atom".to_owned(),
        "/sitemap.xml".to_owned(),
    ];
    for s in &surfaces {
        let r = c.get(s).await;
        assert_eq!(r.status, StatusCode::OK, "{s}");
        assert!(!r.body.contains("成都市草稿办法"), "draft visible on {s}");
    }
    assert_eq!(c.get(&format!("/doc/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get(&format!("/api/v1/documents/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get(&format!("/attachments/{}/x.pdf", att.id)).await.status, StatusCode::NOT_FOUND);

    step(&t, id, EditionEvent::Submit, None).await;
    step(&t, id, EditionEvent::Approve, None).await;
    step(&t, id, EditionEvent::Publish, None).await;
    for s in &surfaces[..5] {
        let r = c.get(s).await;
        assert!(r.body.contains("成都市草稿办法"), "published document missing on {s}");
    }
    atom_ok(&c.get("/feeds/latest.atom").await.body);
    atom_ok(&c.get("/feeds/validity.atom").await.body);
    let r = c.get(&format!("/attachments/{}/x.pdf", att.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-disposition").unwrap().starts_with("attachment;"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("content-security-policy").unwrap().contains("sandbox"));
    let api = c.get(&format!("/api/v1/documents/{id}")).await.json();
    assert_eq!(api["validity"], "in_force");
    assert_eq!(api["doc_number"], "成府发〔2026〕7号");
    assert!(api["body"].as_str().unwrap().contains("草稿正文独有的句子"));

    step(&t, id, EditionEvent::Withdraw, Some("依法撤回")).await;
    for s in &surfaces {
        let r = c.get(s).await;
        assert!(!r.body.contains("成都市草稿办法") || s.contains("validity"), "withdrawn document listed on {s}");
    }
    let page = c.get(&format!("/doc/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "the withdrawal notice stays");
    assert!(page.body.contains("本文件已撤回") && page.body.contains("依法撤回"), "{}", page.body);
    assert!(!page.body.contains("草稿正文独有的句子"), "withdrawn content is gone");
    let api = c.get(&format!("/api/v1/documents/{id}")).await.json();
    assert!(api["body"].is_null());
    assert_eq!(api["withdrawal_notice"], "依法撤回");
    assert_eq!(c.get(&format!("/attachments/{}/x.pdf", att.id)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_writes_follow_the_workflow_and_name_bad_fields() {
    let t = app().await;
    t.user("editor", &[(Role::Editor, "sc-cd")]).await;
    t.user("signer", &[(Role::Signer, "sc-cd")]).await;
    let (_, editor) = t.token("editor").await;
    let (_, signer) = t.token("signer").await;
    let mut c = t.client();
    let post = |path: &str| path.to_owned();
    let body = r#"{"org":"sc-cd","title":"成都市数据开放办法","class":"normative","doc_number":"成府规(2026)2号",
        "effective_on":"2026-12-01","body":"第一条 数据开放。\n第二条 施行。","relations":[]}"#;
    let auth = format!("Bearer {editor}");
    let r = c
        .send_body(
            Method::POST,
            &post("/api/v1/documents"),
            "application/json",
            body.to_owned(),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["state"], "draft");

    let bad =
        r#"{"org":"sc-cd","title":"x","class":"normative","effective_on":"2026-12-01","expires_on":"2026-01-01"}"#;
    let r = c
        .send_body(Method::POST, "/api/v1/documents", "application/json", bad.to_owned(), &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["fields"][0]["field"], "expires_on");
    let unknown = r#"{"org":"sc-cd","title":"x","class":"normative","status":"published"}"#;
    let r = c
        .send_body(
            Method::POST,
            "/api/v1/documents",
            "application/json",
            unknown.to_owned(),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused: {}", r.body);
    let r = c
        .send_body(
            Method::POST,
            "/api/v1/documents",
            "application/json",
            body.replace("normative", "planet"),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.json()["fields"][0]["field"], "class");

    let tr = |ev: &str| format!(r#"{{"event":"{ev}"}}"#);
    let path = format!("/api/v1/documents/{id}/transitions");
    let r = c.send_body(Method::POST, &path, "application/json", tr("submit"), &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = c.send_body(Method::POST, &path, "application/json", tr("approve"), &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "editors do not approve");
    let sauth = format!("Bearer {signer}");
    // A normative document passes 保密审查 and 法制审核 before 签发.
    let r = c.send_body(Method::POST, &path, "application/json", tr("approve"), &[("authorization", &sauth)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("保密审查"), "{}", r.body);
    t.svc.set_review_chain(&Ctx::system(), "sc-cd", "normative", Some("signoff")).await.unwrap();
    for ev in ["approve", "publish"] {
        let r = c.send_body(Method::POST, &path, "application/json", tr(ev), &[("authorization", &sauth)]).await;
        assert_eq!(r.status, StatusCode::OK, "{ev}: {}", r.body);
    }
    let list = c.get("/api/v1/documents?doc_number=成府规〔2026〕2号").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["validity"], "pending", "施行日期 is in the future");
    let r = c.get("/api/v1/documents?validity=nonsense").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.get("/api/v1/documents?cursor=garbage").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_pagination_walks_every_document_once() {
    let t = app().await;
    for i in 0..7 {
        let id = draft(&t, &format!("分页文件{i}")).await;
        step(&t, id, EditionEvent::Submit, None).await;
        step(&t, id, EditionEvent::Approve, None).await;
        step(&t, id, EditionEvent::Publish, None).await;
    }
    let mut c = t.client();
    let mut seen = Vec::new();
    let mut url = "/api/v1/documents?limit=3".to_owned();
    loop {
        let j = c.get(&url).await.json();
        assert_eq!(j["total"], 7);
        for it in j["items"].as_array().unwrap() {
            seen.push(it["id"].as_i64().unwrap());
        }
        match j["next_cursor"].as_str() {
            Some(cur) => url = format!("/api/v1/documents?limit=3&cursor={cur}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "{seen:?}");
}

#[test]
fn openapi_describes_every_api_route() {
    let spec: serde_json::Value = serde_json::from_str(gongkai_web::api::OPENAPI).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths: Vec<String> = spec["paths"].as_object().unwrap().keys().cloned().collect();
    let mut src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api.rs")).unwrap();
    // Other modules contribute API routes through their `api_routes()`.
    let search = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/search.rs")).unwrap();
    let start = search.find("pub fn api_routes").unwrap();
    src.push_str(&search[start..start + search[start..].find("\n}\n").unwrap()]);
    for module in ["/src/interp.rs", "/src/qa.rs"] {
        let text = std::fs::read_to_string(format!("{}{module}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let start = text.find("pub fn api_routes").unwrap();
        src.push_str(&text[start..start + text[start..].find("\n}\n").unwrap()]);
    }
    let mut routes = Vec::new();
    for part in src.split(".route(\"").skip(1) {
        let path = part.split('"').next().unwrap();
        routes.push(format!("/api/v1{path}"));
    }
    assert!(routes.len() >= 6, "{routes:?}");
    for r in &routes {
        assert!(paths.contains(r), "route {r} is not in openapi.json");
    }
    for p in paths.iter().filter(|p| p.starts_with("/api/v1")) {
        assert!(routes.contains(p), "openapi.json documents {p}, which is not a route");
    }
    // Every $ref points at a schema that exists.
    let text = gongkai_web::api::OPENAPI;
    for part in text.split("\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(spec["components"]["schemas"].get(name).is_some(), "missing schema {name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_is_served() {
    let t = app().await;
    let r = t.client().get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["info"]["title"], "gongkai 政务公开 API");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_download_a_cleaned_copy_and_the_public_never_sees_review_pages() {
    let t = app().await;
    t.user("editor", &[(Role::Editor, "sc-cd")]).await;
    let id = draft(&t, "成都市附件清理测试").await;
    let att = t.svc.add_attachment(&Ctx::system(), id, "说明.txt", "附件正文，无个人信息。".as_bytes()).await.unwrap();
    let pdf = t.svc.add_attachment(&Ctx::system(), id, "坏.pdf", b"%PDF-1.4 broken").await.unwrap();
    let mut ed = t.logged_in("editor", None).await;
    let r = ed.client.get(&format!("/admin/attachments/{}/clean", att.id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header("content-disposition").unwrap_or_default().starts_with("attachment;"), "{:?}", r.headers);
    assert_eq!(r.body, "附件正文，无个人信息。");
    // A damaged file is refused with the reason, naming the file field.
    let r = ed.client.get(&format!("/admin/attachments/{}/clean", pdf.id)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Nothing of the review is public.
    let mut anon = t.client();
    for p in ["/admin/review", "/admin/review/dashboard", &format!("/admin/attachments/{}/clean", att.id)] {
        let r = anon.get(p).await;
        assert!(r.status.is_redirection(), "{p}: {}", r.status);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_steps_over_the_api() {
    let t = app().await;
    t.user("secrecy", &[(Role::ConfidentialityReviewer, "sc-cd")]).await;
    let (_, token) = t.token("secrecy").await;
    let auth = format!("Bearer {token}");
    let id = draft(&t, "成都市审查接口测试办法").await;
    step(&t, id, EditionEvent::Submit, None).await;
    let ed = t.svc.staff_document(&Ctx::system(), id).await.unwrap().open.unwrap().id;
    let mut c = t.client();
    let path = format!("/api/v1/reviews/edition/{ed}");
    assert_eq!(c.get(&path).await.status, StatusCode::UNAUTHORIZED, "never public");
    let r = c.send_body(Method::GET, &path, "application/json", "", &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["pending"], "secrecy");
    assert_eq!(r.json()["chain"], serde_json::json!(["secrecy", "legal", "signoff"]));
    let steps = format!("{path}/steps");
    let bad = r#"{"step":"boss","decision":"approve"}"#.to_owned();
    let r = c.send_body(Method::POST, &steps, "application/json", bad, &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["fields"][0]["field"], "step");
    let ok = r#"{"step":"secrecy","decision":"approve","opinion":"不涉密"}"#.to_owned();
    let r = c.send_body(Method::POST, &steps, "application/json", ok, &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["pending"], "legal");
    assert_eq!(r.json()["records"][0]["opinion"], "不涉密");
}
