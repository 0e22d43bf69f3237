//! `/sitemap.xml` is a sitemap index over files of at most `sitemap_chunk` (≤ 50,000) URLs, each
//! checked against the sitemaps.org limits: namespaces, absolute `loc` under the site, W3C
//! `lastmod`, URL count and size; every public document exactly once, nothing else.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use gongkai_domain::document::{DocClass, DocFields, EditionEvent};
use gongkai_service::{Ctx, DocInput};
use gongkai_web::WebConfig;

use crate::support::{TestApp, app_with};

const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

async fn document(t: &TestApp, title: &str, publish: bool) -> i64 {
    let input = DocInput {
        fields: DocFields {
            title: title.into(),
            issuer: "成都市人民政府".into(),
            class: Some(DocClass::Other),
            body: "正文。".into(),
            ..DocFields::default()
        },
        org_code: "sc-cd".into(),
        ..DocInput::default()
    };
    let sys = Ctx::system();
    let id = t.svc.create_document(&sys, &input).await.unwrap().0.id;
    if publish {
        for ev in [EditionEvent::Submit, EditionEvent::Approve, EditionEvent::Publish] {
            t.svc.document_transition(&sys, id, ev, None, None).await.unwrap();
        }
    }
    id
}

/// The `loc`s of a parsed sitemap file or index, after checking the limits of the protocol.
fn locs(xml: &str, root: &str, item: &str, max: usize) -> Vec<String> {
    assert!(xml.len() <= 50 * 1024 * 1024, "a sitemap file is at most 50 MB uncompressed");
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}"));
    let r = doc.root_element();
    assert_eq!((r.tag_name().name(), r.tag_name().namespace()), (root, Some(NS)), "{xml}");
    let items: Vec<_> = r.children().filter(|c| c.is_element()).collect();
    assert!(items.len() <= max, "{} entries, at most {max} allowed", items.len());
    items
        .iter()
        .map(|e| {
            assert_eq!(e.tag_name().name(), item);
            let loc = e.children().find(|c| c.tag_name().name() == "loc").and_then(|c| c.text()).unwrap();
            assert!(loc.starts_with("http://") && loc.len() < 2048, "{loc}");
            if let Some(m) = e.children().find(|c| c.tag_name().name() == "lastmod").and_then(|c| c.text()) {
                chrono::DateTime::parse_from_rfc3339(m).unwrap_or_else(|e| panic!("lastmod {m}: {e}"));
            }
            loc.to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sitemap_is_an_index_of_files_within_the_protocol_limits() {
    let t = app_with(Default::default(), WebConfig { sitemap_chunk: 3, ..WebConfig::default() }).await;
    let mut public = BTreeSet::new();
    for i in 0..7 {
        public.insert(document(&t, &format!("公开文件{i}"), true).await);
    }
    let draft = document(&t, "草稿文件", false).await;
    let withdrawn = document(&t, "撤回文件", true).await;
    t.svc.document_transition(&Ctx::system(), withdrawn, EditionEvent::Withdraw, Some("依法撤回"), None).await.unwrap();
    public.insert(document(&t, "最后一个公开文件", true).await);

    let mut c = t.client();
    let index = c.get("/sitemap.xml").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.header("content-type").unwrap().starts_with("application/xml"));
    let files = locs(&index.body, "sitemapindex", "sitemap", 50_000);
    let max_id = *public.iter().chain([&draft, &withdrawn]).max().unwrap();
    assert_eq!(files.len() as i64, 1 + max_id / 3 + 1, "pages plus one file per 3 ids: {files:?}");

    let mut seen = Vec::new();
    for f in &files {
        let path = f.split_once("://").unwrap().1.split_once('/').unwrap().1;
        let r = c.get(&format!("/{path}")).await;
        assert_eq!(r.status, StatusCode::OK, "{f}");
        let most = if path.ends_with("pages.xml") { 50_000 } else { 3 };
        let urls = locs(&r.body, "urlset", "url", most);
        for u in urls {
            if let Some(id) = u.split("/doc/").nth(1) {
                seen.push(id.parse::<i64>().unwrap());
            }
        }
    }
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "each document once: {seen:?}");
    assert_eq!(unique, public, "exactly the public documents (no draft {draft}, no withdrawn {withdrawn})");

    for bad in
        ["/sitemaps/documents-999.xml", "/sitemaps/documents-x.xml", "/sitemaps/documents-.xml", "/sitemaps/a.xml"]
    {
        assert_eq!(c.get(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}
