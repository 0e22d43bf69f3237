//! Search over HTTP: the page, the API with its JSON contract, suggestions, bad input, metrics.

use axum::http::StatusCode;
use gongkai_domain::document::{DocClass, DocFields, EditionEvent};
use gongkai_domain::role::Role;
use gongkai_service::{Ctx, DocInput};
use serde_json::Value;

use crate::support::{TestApp, app};

async fn doc(t: &TestApp, title: &str, number: &str, body: &str, publish: bool) -> i64 {
    let input = DocInput {
        fields: DocFields {
            title: title.into(),
            issuer: "成都市人民政府".into(),
            doc_number: Some(number.into()),
            class: Some(DocClass::Normative),
            effective_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            body: body.into(),
            ..DocFields::default()
        },
        org_code: "sc-cd".into(),
        ..DocInput::default()
    };
    let id = t.svc.create_document(&Ctx::system(), &input).await.unwrap().0.id;
    if publish {
        for ev in [EditionEvent::Submit, EditionEvent::Approve, EditionEvent::Publish] {
            t.svc.document_transition(&Ctx::system(), id, ev, None, None).await.unwrap();
        }
    }
    id
}

async fn setup() -> (TestApp, i64, i64) {
    let t = app().await;
    let a = doc(
        &t,
        "成都市养老服务补贴办法",
        "成府发〔2026〕12号",
        "第一条 为了规范养老服务补贴的发放，制定本办法。",
        true,
    )
    .await;
    let d = doc(&t, "成都市内部草稿通知", "成府发〔2026〕13号", "草稿独有内容甲乙丙", false).await;
    t.svc.sync_search().await.unwrap();
    (t, a, d)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_returns_the_documented_shape_and_finds_numbers_in_any_form() {
    let (t, a, _) = setup().await;
    let mut c = t.client();
    let r = c.get(&format!("/api/v1/search?q={}", enc("养老服务"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r.body);
    assert_eq!(v["total"], 1);
    let hit = &v["hits"][0];
    for key in ["id", "external_id", "title", "doc_number", "issuer", "published_on", "validity", "snippet", "url"] {
        assert!(hit.get(key).is_some(), "hit lacks {key}: {hit}");
    }
    assert_eq!(hit["id"], a);
    assert_eq!(hit["url"], format!("/doc/{a}"));
    assert!(hit["snippet"].as_str().unwrap().contains("<mark>养老服务</mark>"), "{hit}");
    assert!(v["facets"]["class"].is_array(), "{v}");
    for variant in ["成府发〔2026〕12号", "成府发[2026]12号", "成府发2026 12号", "成府发（２０２６）１２号"]
    {
        let r = c.get(&format!("/api/v1/search?q={}", enc(variant))).await;
        assert_eq!(json(&r.body)["hits"][0]["id"], a, "{variant}: {}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_reach_only_staff_with_rights() {
    let (t, _, d) = setup().await;
    let mut c = t.client();
    let r = c.get(&format!("/api/v1/search?q={}", enc("草稿独有"))).await;
    assert_eq!(json(&r.body)["total"], 0, "{}", r.body);
    let r = c.get(&format!("/api/v1/search/suggest?q={}", enc("内部草稿"))).await;
    assert_eq!(json(&r.body), serde_json::json!([]));
    let r = c.get(&format!("/api/v1/search?q={}&scope=staff", enc("草稿独有"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    t.user("cd-editor", &[(Role::Editor, "sc-cd")]).await;
    let (_, token) = t.token("cd-editor").await;
    let auth = format!("Bearer {token}");
    let r = c.get_with(&format!("/api/v1/search?q={}&scope=staff", enc("草稿独有")), &[("authorization", &auth)]).await;
    let v = json(&r.body);
    assert_eq!(v["hits"][0]["id"], d, "{v}");
    assert_eq!(v["hits"][0]["entry"], "staff");
    t.user("gov-editor", &[(Role::Editor, "sc-gov")]).await;
    let (_, token) = t.token("gov-editor").await;
    let auth = format!("Bearer {token}");
    let r = c.get_with(&format!("/api/v1/search?q={}&scope=staff", enc("草稿独有")), &[("authorization", &auth)]).await;
    assert_eq!(json(&r.body)["total"], 0, "another department's drafts stay hidden: {}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_clear_4xx_or_an_empty_result() {
    let (t, _, _) = setup().await;
    let mut c = t.client();
    for (path, field) in [
        ("/api/v1/search?q=x&from=2026-02-30", "from"),
        ("/api/v1/search?q=x&page=abc", "page"),
        ("/api/v1/search?q=x&page=0", "page"),
        ("/api/v1/search?q=x&per_page=500", "per_page"),
        ("/api/v1/search?q=x&class=bogus", "class"),
        ("/api/v1/search?q=x&validity=bogus", "validity"),
        ("/api/v1/search?q=x&sort=bogus", "sort"),
        ("/api/v1/search?q=x&org=nowhere", "org"),
        ("/api/v1/search?q=x&scope=everyone", "scope"),
        ("/api/v1/search/suggest?q=x&limit=0", "limit"),
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
        let v = json(&r.body);
        assert_eq!(v["fields"][0]["field"], field, "{path}: {v}");
    }
    let long = enc(&"长".repeat(300));
    let r = c.get(&format!("/api/v1/search?q={long}")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for q in ["\"", "((", "[1 TO 2]", "'; DROP TABLE documents; --", "\u{1}\u{7}", "-", "title:x AND y OR z"] {
        let r = c.get(&format!("/api/v1/search?q={}", enc(q))).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        let r = c.get(&format!("/search?q={}", enc(q))).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    }
    let r = c.get(&format!("/api/v1/search?q={}&page=1000", enc("养老"))).await;
    let v = json(&r.body);
    assert_eq!(v["total"], 1);
    assert_eq!(v["hits"], serde_json::json!([]));
    let r = c.get("/search?q=x&from=bad").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("from"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_facets_suggestions_and_metrics() {
    let (t, a, _) = setup().await;
    let mut c = t.client();
    let r = c.get(&format!("/search?q={}", enc("补贴"))).await;
    assert!(r.body.contains(&format!("href=\"&#x2f;doc&#x2f;{a}\"")), "{}", r.body);
    assert!(r.body.contains("按分类缩小范围"), "{}", r.body);
    assert!(r.body.contains("共找到 1 条结果"), "{}", r.body);
    let r = c.get(&format!("/api/v1/search/suggest?q={}", enc("养老"))).await;
    assert_eq!(json(&r.body)[0]["id"], a, "{}", r.body);
    let r = c.get("/metrics").await;
    assert!(r.body.contains("search_index_lag 0"), "{}", r.body);
    let r = c.get("/readyz").await;
    assert!(r.body.contains("lag=0"), "{}", r.body);
}
