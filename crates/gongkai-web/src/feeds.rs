//! Machine-readable outputs of the public library: Atom feeds (latest, per organisation, per
//! 主题分类, validity changes) and `sitemap.xml`. Only public documents appear; every entry shows
//! its validity.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use gongkai_service::DocFilter;
use gongkai_service::domain::document::Document;

use crate::AppState;
use crate::docs::ListQuery;
use crate::error::AppError;

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The site's absolute base URL: the configured public URL, else the request's Host.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.web.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    format!("http://{host}")
}

pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn entry(base: &str, d: &Document) -> String {
    let url = format!("{base}/doc/{}", d.id);
    let published = d.first_published_at_ms.unwrap_or(d.updated_at_ms);
    let mut summary = Vec::new();
    if let Some(n) = &d.doc_number {
        summary.push(format!("发文字号：{n}"));
    }
    if !d.issuer.is_empty() {
        summary.push(format!("发布机构：{}", d.issuer));
    }
    if let Some(p) = d.published_on {
        summary.push(format!("发布日期：{p}"));
    }
    summary.push(format!("有效性：{}", d.validity.label()));
    if d.withdrawn {
        summary.push("已撤回".into());
    }
    let topic = d
        .topic
        .as_ref()
        .map(|t| format!("<category term=\"{}\" scheme=\"{base}/topics\"/>", xml_escape(t)))
        .unwrap_or_default();
    format!(
        "<entry><id>{url}</id><title>{}</title><updated>{}</updated><published>{}</published>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\
         <category term=\"{}\" label=\"{}\" scheme=\"{base}/validity\"/>{topic}<summary>{}</summary></entry>",
        xml_escape(&d.title),
        rfc3339(d.updated_at_ms),
        rfc3339(published),
        d.validity.key(),
        xml_escape(d.validity.label()),
        xml_escape(&summary.join("；")),
    )
}

fn feed(
    state: &AppState,
    base: &str,
    self_path: &str,
    title: &str,
    alternate: &str,
    entries: Vec<(i64, String)>,
) -> Response {
    let updated = entries.iter().map(|e| e.0).max().unwrap_or(0);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">",
    );
    xml.push_str(&format!(
        "<id>{base}{self_path}</id><title>{}</title><updated>{}</updated>\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}{}\"/>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}{}\"/>\
         <author><name>{}</name></author><generator>gongkai</generator>",
        xml_escape(title),
        rfc3339(updated),
        xml_escape(self_path),
        xml_escape(alternate),
        xml_escape(&state.web.site_name),
    ));
    for (_, e) in entries {
        xml.push_str(&e);
    }
    xml.push_str("</feed>\n");
    ([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response()
}

async fn doc_feed(
    state: &AppState,
    headers: &HeaderMap,
    f: &DocFilter,
    self_path: &str,
    title: &str,
    alternate: &str,
) -> Result<Response, AppError> {
    let base = base_url(state, headers);
    let docs = state.svc.list_documents(f, 50, 0).await?.docs;
    let entries = docs.iter().map(|d| (d.updated_at_ms, entry(&base, d))).collect();
    Ok(feed(state, &base, self_path, title, alternate, entries))
}

/// `/feeds/latest.atom`: the newest public documents.
pub async fn latest(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let f = DocFilter { public_only: true, ..DocFilter::default() };
    let title = format!("{} · 最新政策文件", state.web.site_name);
    doc_feed(&state, &headers, &f, "/feeds/latest.atom", &title, "/documents").await
}

/// `/feeds/interpretations.atom`: the newest policy interpretations (政策解读).
pub async fn interpretations(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let f = DocFilter {
        public_only: true,
        class: Some(gongkai_service::domain::document::DocClass::Interpretation),
        ..DocFilter::default()
    };
    let title = format!("{} · 政策解读", state.web.site_name);
    doc_feed(&state, &headers, &f, "/feeds/interpretations.atom", &title, "/interpretations").await
}

/// `/feeds/org/{code}.atom`: the newest public documents of an organisation's subtree.
pub async fn by_org(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let code = file.strip_suffix(".atom").ok_or_else(AppError::not_found)?;
    let org = state.svc.org_by_code(code).await?.ok_or_else(AppError::not_found)?;
    let f = DocFilter { public_only: true, org_path: Some(org.path.clone()), ..DocFilter::default() };
    let title = format!("{} · 政策文件", org.name);
    let self_path = format!("/feeds/org/{}.atom", crate::docs::url_path_escape(&org.code));
    let alternate = format!("/documents?org={}", crate::docs::url_path_escape(&org.code));
    doc_feed(&state, &headers, &f, &self_path, &title, &alternate).await
}

/// `/feeds/topic.atom?topic=一级\二级`: the newest public documents of a 主题分类.
pub async fn by_topic(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if q.topic.as_deref().is_none_or(str::is_empty) {
        return Err(AppError::bad_request("请用 topic 参数指定主题分类，例如 topic=综合政务\\政务公开"));
    }
    let f = q.filter(None, false)?;
    let topic = f.topic.clone().unwrap_or_default();
    let title = format!("{} · {topic}", state.web.site_name);
    let enc: String = url::form_urlencoded::byte_serialize(topic.as_bytes()).collect();
    doc_feed(
        &state,
        &headers,
        &f,
        &format!("/feeds/topic.atom?topic={enc}"),
        &title,
        &format!("/documents?topic={enc}"),
    )
    .await
}

/// `/feeds/validity.atom`: recent validity changes (生效、修改、废止、失效), newest recorded first so
/// subscribers see each new notice. Every entry states the change's legal date (in its title,
/// summary and `published`, midnight in China); `updated` is when the platform recorded it.
pub async fn validity(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let base = base_url(&state, &headers);
    let events = state.svc.recent_validity_events(50).await?;
    let entries = events
        .iter()
        .map(|(e, d)| {
            let url = format!("{base}/doc/{}", d.id);
            let (when, published) = match e.on {
                Some(on) => (
                    if e.pending { format!("将于 {on}") } else { on.to_string() },
                    format!("<published>{on}T00:00:00+08:00</published>"),
                ),
                None => ("日期未注明".to_owned(), String::new()),
            };
            let xml = format!(
                "<entry><id>{url}#validity-{}</id><title>{}：{} → {}（{}）</title>{published}<updated>{}</updated>\
                 <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\
                 <category term=\"{}\" label=\"{}\" scheme=\"{base}/validity\"/><summary>{}：{}</summary></entry>",
                e.at_ms,
                xml_escape(&d.title),
                xml_escape(e.from.label()),
                xml_escape(e.to.label()),
                xml_escape(&when),
                rfc3339(e.at_ms),
                e.to.key(),
                xml_escape(e.to.label()),
                xml_escape(&crate::docs::notice_text(e)),
                xml_escape(&e.reason),
            );
            (e.at_ms, xml)
        })
        .collect();
    let title = format!("{} · 文件有效性变化", state.web.site_name);
    Ok(feed(&state, &base, "/feeds/validity.atom", &title, "/registry", entries))
}

/// URLs per sitemap file the protocol allows (sitemaps.org: 50,000 URLs and 50 MB uncompressed).
pub const SITEMAP_MAX_URLS: i64 = 50_000;

/// Rows read per database round trip while a sitemap file streams.
const SITEMAP_BATCH: i64 = 2_000;

const XML: &str = "application/xml; charset=utf-8";

/// `/sitemap.xml`: a sitemap index (sitemaps.org) over `/sitemaps/pages.xml` and one file per
/// range of `sitemap_chunk` document ids, so that no file exceeds the protocol's 50,000 URLs.
/// The ranges come from the largest id (one step down the primary key), never from a count.
pub async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let base = base_url(&state, &headers);
    let chunk = state.web.sitemap_chunk.clamp(1, SITEMAP_MAX_URLS);
    let files = state.svc.max_document_id().await? / chunk + 1;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    xml.push_str(&format!("<sitemap><loc>{base}/sitemaps/pages.xml</loc></sitemap>"));
    for n in 0..files {
        xml.push_str(&format!("<sitemap><loc>{base}/sitemaps/documents-{n}.xml</loc></sitemap>"));
    }
    xml.push_str("</sitemapindex>\n");
    Ok(([(header::CONTENT_TYPE, XML)], xml).into_response())
}

/// `/sitemaps/pages.xml` (the site's own pages and every organisation's subsite) and
/// `/sitemaps/documents-N.xml` (public documents with ids in the N-th range, with their last
/// change), the latter streamed batch by batch in id order.
pub async fn sitemap_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let base = base_url(&state, &headers);
    const HEAD: &str =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">";
    if file == "pages.xml" {
        let mut xml = String::from(HEAD);
        for p in ["/", "/documents", "/registry", "/interpretations", "/qa", "/cleanups"] {
            xml.push_str(&format!("<url><loc>{base}{p}</loc></url>"));
        }
        for o in state.svc.list_orgs(None).await? {
            xml.push_str(&format!(
                "<url><loc>{base}/org/{}/</loc></url>",
                xml_escape(&crate::docs::url_path_escape(&o.code))
            ));
        }
        xml.push_str("</urlset>\n");
        return Ok(([(header::CONTENT_TYPE, XML)], xml).into_response());
    }
    let not_found = || AppError::new(crate::error::ErrorCode::NotFound, "没有这个站点地图文件");
    let n: i64 = file
        .strip_prefix("documents-")
        .and_then(|r| r.strip_suffix(".xml"))
        .filter(|d| !d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
        .ok_or_else(not_found)?;
    let chunk = state.web.sitemap_chunk.clamp(1, SITEMAP_MAX_URLS);
    if n > state.svc.max_document_id().await? / chunk {
        return Err(not_found());
    }
    // Ids n*chunk ..= (n+1)*chunk - 1, read in batches after the last id sent.
    let (first, end) = (n * chunk, (n + 1) * chunk);
    let svc = state.svc.clone();
    struct Walk {
        after: Option<i64>,
        done: bool,
    }
    let stream = futures_util::stream::unfold(Walk { after: Some(first - 1), done: false }, move |w| {
        let svc = svc.clone();
        let base = base.clone();
        async move {
            if w.done {
                return None;
            }
            let Some(after) = w.after else {
                return Some((Ok(axum::body::Bytes::from_static(b"</urlset>\n")), Walk { after: None, done: true }));
            };
            let rows = match svc.public_document_stamps(after, end, SITEMAP_BATCH).await {
                Ok(r) => r,
                // The status line is sent already: end the body so the client sees a broken file.
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), Walk { after: None, done: true })),
            };
            let mut xml = String::with_capacity(rows.len() * 96 + HEAD.len());
            if after == first - 1 {
                xml.push_str(HEAD);
            }
            for (id, updated) in &rows {
                let lastmod = chrono::DateTime::from_timestamp_millis(*updated)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default();
                xml.push_str(&format!("<url><loc>{base}/doc/{id}</loc><lastmod>{lastmod}</lastmod></url>"));
            }
            let next = if (rows.len() as i64) < SITEMAP_BATCH { None } else { rows.last().map(|r| r.0) };
            Some((Ok(axum::body::Bytes::from(xml)), Walk { after: next, done: false }))
        }
    });
    Ok(([(header::CONTENT_TYPE, XML)], axum::body::Body::from_stream(stream)).into_response())
}
