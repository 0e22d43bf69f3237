//! Legal dates of validity changes over HTTP (issue 22): the demo's repealed regulation
//! (`serve --demo`'s /doc/3) states when it expired and when it was repealed, in plain text; a
//! repeal still ahead says 将于 … 废止; `/registry?on=` and `/api/v1/documents?valid_on=` list what
//! was in force on a day, and refuse a bad date naming the field.

use axum::http::StatusCode;
use chrono::NaiveDate;
use gongkai_domain::document::{DocClass, DocFields, EditionEvent, RelationKind};
use gongkai_service::{Clock, Ctx, DocInput};

use crate::support::{TestApp, app};

fn today(t: &TestApp) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(t.clock.now_ms() + 8 * 3_600_000).unwrap().date_naive()
}

/// Creates and publishes a normative document of `sc-cd`; returns its id.
async fn published(t: &TestApp, title: &str, effective_on: NaiveDate, relations: Vec<(RelationKind, String)>) -> i64 {
    let input = DocInput {
        fields: DocFields {
            title: title.into(),
            issuer: "成都市人民政府".into(),
            class: Some(DocClass::Normative),
            effective_on: Some(effective_on),
            body: "第一条 内容。".into(),
            ..DocFields::default()
        },
        org_code: "sc-cd".into(),
        relations,
        ..DocInput::default()
    };
    let sys = Ctx::system();
    let id = t.svc.create_document(&sys, &input).await.unwrap().0.id;
    for ev in [EditionEvent::Submit, EditionEvent::Approve, EditionEvent::Publish] {
        t.svc.document_transition(&sys, id, ev, None, None).await.unwrap();
    }
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_repeal_notice_states_its_legal_dates_in_plain_text() {
    let t = app().await;
    t.svc.seed_demo().await.unwrap();
    t.svc.seed_demo_documents().await.unwrap();
    let today = today(&t);
    let old = t.svc.resolve_document("demo-doc-03").await.unwrap().unwrap();
    let new = t.svc.resolve_document("demo-doc-02").await.unwrap().unwrap();
    let expired_on = old.expires_on.unwrap().succ_opt().unwrap();
    let repealed_on = new.effective_on.unwrap();
    let mut c = t.client();
    let page = c.get(&format!("/doc/{}", old.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    let banner = &b[b.find("status-banner").unwrap()..];
    let banner = &banner[..banner.find("</div>").unwrap()];
    assert!(banner.contains(&format!("本文件已于 {expired_on} 失效。")), "{banner}");
    assert!(banner.contains(&format!("本文件已于 {repealed_on} 废止。")), "{banner}");
    assert!(banner.contains(&format!("href=\"&#x2f;doc&#x2f;{}\"", new.id)), "links what replaced it: {banner}");
    assert!(!banner.contains(&today.to_string()), "never the day the server computed it: {banner}");
    assert!(!b.contains("status-banner validity-repealed"), "the banner is not styled like the badge");
    assert!(b.contains(&format!("{repealed_on}：已失效 → 已废止")), "the history uses the legal date");
    let css = c.get("/static/site.css").await.body;
    for rule in css.lines().filter(|l| l.contains("line-through")) {
        assert!(!rule.contains("status-banner"), "the notice is never struck through: {rule}");
        assert!(rule.trim_start().starts_with(".validity.validity-"), "only the badge: {rule}");
    }

    let api = c.get(&format!("/api/v1/documents/{}", old.id)).await.json();
    let h = api["validity_history"].as_array().unwrap();
    assert_eq!(h[0]["to"], "expired");
    assert_eq!(h[0]["on"], expired_on.to_string());
    assert_eq!(h[1]["on"], repealed_on.to_string());
    assert_eq!(h[1]["pending"], false);
    assert!(h[1]["recorded_at"].as_str().unwrap().starts_with(&today.to_string()[..4]), "{h:?}");

    // In force on a day: inside its term yes, after the expiry no (repealed or not).
    let inside = old.effective_on.unwrap();
    let r = c.get(&format!("/registry?on={inside}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&old.title), "{}", r.body);
    assert!(r.body.contains(&format!("{inside} 当日有效的文件")));
    let r = c.get(&format!("/registry?on={expired_on}")).await;
    assert!(!r.body.contains(&old.title));
    let r = c.get(&format!("/registry?on={repealed_on}")).await;
    assert!(!r.body.contains(&old.title) && r.body.contains(&new.title));
    let j = c.get(&format!("/api/v1/documents?valid_on={inside}&class=normative")).await.json();
    let ids: Vec<i64> = j["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&old.id) && !ids.contains(&new.id), "{j}");
    let j = c.get(&format!("/api/v1/documents?valid_on={expired_on}")).await.json();
    assert!(j["items"].as_array().unwrap().iter().all(|i| i["id"] != old.id), "{j}");

    // A bad date is refused naming its field.
    let r = c.get("/api/v1/documents?valid_on=2024-02-30").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["field"], "valid_on", "{}", r.body);
    let r = c.get("/registry?on=yesterday").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("yesterday"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeal_ahead_says_when_it_will_take_effect() {
    let t = app().await;
    let today = today(&t);
    let old = published(&t, "成都市旧办法", today - chrono::Duration::days(100), vec![]).await;
    let ahead = today + chrono::Duration::days(40);
    let new = published(&t, "成都市新办法", ahead, vec![(RelationKind::Repeals, old.to_string())]).await;
    let mut c = t.client();
    let b = c.get(&format!("/doc/{old}")).await.body;
    assert!(b.contains(&format!("本文件将于 {ahead} 废止。")), "{b}");
    assert!(b.contains(&format!("href=\"&#x2f;doc&#x2f;{new}\"")), "{b}");
    assert!(b.contains("现行有效"), "still in force until then");
    let api = c.get(&format!("/api/v1/documents/{old}")).await.json();
    assert_eq!(api["validity"], "in_force");
    let h = api["validity_history"].as_array().unwrap();
    let repeal = h.iter().find(|e| e["to"] == "repealed").unwrap_or_else(|| panic!("{api}"));
    assert_eq!(repeal["pending"], true);
    assert_eq!(repeal["on"], ahead.to_string());
    assert!(h.iter().position(|e| e == repeal) > h.iter().position(|e| e["to"] == "in_force"), "legal order: {api}");
    let feed = c.get("/feeds/validity.atom").await.body;
    assert!(feed.contains(&format!("将于 {ahead}")), "{feed}");
    assert!(feed.contains(&format!("<published>{ahead}T00:00:00+08:00</published>")), "{feed}");
    let on = |d: NaiveDate| format!("/registry?on={d}");
    assert!(c.get(&on(ahead - chrono::Duration::days(1))).await.body.contains("成都市旧办法"));
    assert!(!c.get(&on(ahead)).await.body.contains("成都市旧办法"));

    t.clock.advance_ms(41 * 86_400_000);
    t.svc.refresh_validity().await.unwrap();
    let b = c.get(&format!("/doc/{old}")).await.body;
    assert!(b.contains(&format!("本文件已于 {ahead} 废止。")), "{b}");
}
