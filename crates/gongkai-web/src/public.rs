//! The public site: home page, organisation subsites (`/org/{code}/`), static assets.
//! Everything here is readable without logging in and works without JavaScript.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use gongkai_service::domain::org::Org;
use minijinja::{Value, context};

use crate::AppState;
use crate::error::AppError;
use crate::identity::{DisplayPrefs, Identity, PREFS_COOKIE, set_cookie};
use crate::templates::{page, site_css};

/// Routes of the public site.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/org/{code}", get(org_redirect))
        .route("/org/{code}/", get(org_page))
        .route("/static/site.css", get(site_css))
        .route("/prefs", get(prefs_page).post(prefs_set))
        .route("/documents", get(documents_page))
        .route("/registry", get(registry_page))
        .route("/doc/{id}", get(document_page))
        .route("/doc/{id}/print", get(document_print))
        .route("/attachments/{id}/{name}", get(attachment_download))
        .route("/feeds/latest.atom", get(crate::feeds::latest))
        .route("/feeds/org/{code}", get(crate::feeds::by_org))
        .route("/feeds/topic.atom", get(crate::feeds::by_topic))
        .route("/feeds/validity.atom", get(crate::feeds::validity))
        .route("/sitemap.xml", get(crate::feeds::sitemap))
        .route("/sitemaps/{file}", get(crate::feeds::sitemap_file))
        .route("/cleanups", get(cleanups_page))
        .route("/cleanups/{id}", get(cleanup_page))
}

/// The template form of an organisation.
pub fn org_value(o: &Org) -> Value {
    context! {
        id => o.id,
        code => o.code.clone(),
        name => o.name.clone(),
        kind => o.kind.key(),
        kind_label => o.kind.label(),
        depth => o.depth,
        division_code => o.division_code.clone(),
        credit_code => o.credit_code.clone(),
    }
}

async fn home(State(state): State<AppState>, Extension(id): Extension<Identity>) -> Result<Html<String>, AppError> {
    let roots = state.svc.org_children(None).await?;
    let mut groups = Vec::new();
    for r in &roots {
        let children = state.svc.org_children(Some(r.id)).await?;
        groups.push(context! {
            code => r.code.clone(),
            name => r.name.clone(),
            children => children.iter().map(org_value).collect::<Vec<_>>(),
        });
    }
    use gongkai_service::domain::document::DocClass;
    let public = gongkai_service::DocFilter { public_only: true, ..Default::default() };
    let latest = state.svc.list_documents(&public, 8, 0).await?.docs;
    let mut by_class = Vec::new();
    for class in [DocClass::Normative, DocClass::GovernmentRule, DocClass::Other] {
        let f = gongkai_service::DocFilter { class: Some(class), ..public.clone() };
        let docs = state.svc.list_documents(&f, 5, 0).await?.docs;
        if !docs.is_empty() {
            by_class.push(context! {
                key => class.key(), label => class.label(),
                docs => docs.iter().map(crate::docs::doc_value).collect::<Vec<_>>(),
            });
        }
    }
    page(
        &state,
        &id,
        "public/home.html",
        context! {
            roots => groups,
            latest => latest.iter().map(crate::docs::doc_value).collect::<Vec<_>>(),
            by_class => by_class,
        },
    )
}

async fn org_redirect(Path(code): Path<String>) -> Response {
    let safe: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    Redirect::permanent(&format!("/org/{safe}/")).into_response()
}

async fn org_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let org = state.svc.org_by_code(&code).await?.ok_or_else(AppError::not_found)?;
    let ancestors = state.svc.org_ancestors(&org).await?;
    let parent = ancestors.last().map(org_value);
    let children = state.svc.org_children(Some(org.id)).await?;
    let (governments, departments): (Vec<&Org>, Vec<&Org>) = children.iter().partition(|c| c.kind.is_government());
    let f = gongkai_service::DocFilter { public_only: true, org_path: Some(org.path.clone()), ..Default::default() };
    let docs = state.svc.list_documents(&f, 10, 0).await?.docs;
    page(
        &state,
        &id,
        "public/org.html",
        context! {
            org => org_value(&org),
            ancestors => ancestors.iter().map(org_value).collect::<Vec<_>>(),
            parent => parent,
            governments => governments.into_iter().map(org_value).collect::<Vec<_>>(),
            departments => departments.into_iter().map(org_value).collect::<Vec<_>>(),
            docs => docs.iter().map(crate::docs::doc_value).collect::<Vec<_>>(),
        },
    )
}

#[derive(serde::Deserialize)]
struct PrefsForm {
    /// `standard` or `elderly`.
    #[serde(default)]
    mode: String,
    /// `on` when high contrast is wanted.
    #[serde(default)]
    contrast: Option<String>,
    /// Where to go back to (a local path).
    #[serde(default)]
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

/// Only a same-site path is accepted as a place to return to.
fn local_path(next: Option<&str>) -> String {
    crate::params::same_site_path(next, "/")
}

/// The display settings page (适老版、高对比度).
async fn prefs_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Result<Html<String>, AppError> {
    page(&state, &id, "public/prefs.html", context! { next => local_path(q.next.as_deref()) })
}

/// Saves display settings in a cookie (one year) and goes back.
async fn prefs_set(State(state): State<AppState>, axum::Form(f): axum::Form<PrefsForm>) -> Response {
    let prefs = DisplayPrefs { elderly: f.mode == "elderly", contrast: f.contrast.as_deref() == Some("on") };
    let mut r = Redirect::to(&local_path(f.next.as_deref())).into_response();
    r.headers_mut().append(
        axum::http::header::SET_COOKIE,
        set_cookie(PREFS_COOKIE, &prefs.value(), state.web.secure_cookies, Some(365 * 86_400)),
    );
    r
}

/// Resolves `?org=CODE` to the organisation's path (a 422 naming `org` when unknown).
pub async fn org_path(state: &AppState, code: Option<&str>) -> Result<Option<String>, AppError> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => match state.svc.org_by_code(c).await? {
            Some(o) => Ok(Some(o.path)),
            None => {
                let mut e = AppError::new(crate::error::ErrorCode::ValidationFailed, format!("机构“{c}”不存在"));
                e.fields.push(crate::error::FieldMessage {
                    field: "org".into(), message: format!("机构“{c}”不存在")
                });
                Err(e)
            }
        },
    }
}

struct ListPage {
    heading: &'static str,
    intro: Option<&'static str>,
    action: &'static str,
    default_current: bool,
    feed: &'static str,
}

async fn render_list(
    state: &AppState,
    id: &Identity,
    q: &crate::docs::ListQuery,
    lp: ListPage,
) -> Result<Html<String>, AppError> {
    use gongkai_service::domain::document::{DocClass, TOPICS, Validity};
    let path = org_path(state, q.org.as_deref()).await?;
    let f = q.filter(path, lp.default_current)?;
    const PER_PAGE: i64 = 20;
    let page_no = q.page()?;
    let result = state.svc.list_documents(&f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let pages = ((result.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let facets = state.svc.document_facets(&f).await?;
    let facet = |name: &str, label: &dyn Fn(&str) -> String| -> Vec<Value> {
        facets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.iter().map(|(k, c)| context! { key => k.clone(), label => label(k), count => c }).collect())
            .unwrap_or_default()
    };
    let class_facet =
        facet("class", &|k| DocClass::parse(k).map(|c| c.label().to_owned()).unwrap_or_else(|| k.to_owned()));
    let validity_facet =
        facet("validity", &|k| Validity::parse(k).map(|v| v.label().to_owned()).unwrap_or_else(|| k.to_owned()));
    let orgs = state.svc.list_orgs(None).await?;
    let mut validities = vec![
        context! { key => "current", label => "现行有效（含已修改、未标注）" },
        context! { key => "all", label => "全部" },
    ];
    for v in Validity::ALL {
        validities.push(context! { key => v.key(), label => v.label() });
    }
    let validity_selected =
        q.validity.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| {
            if lp.default_current && f.valid_on.is_none() { "current".into() } else { "all".into() }
        });
    let mut qs = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("org", &q.org),
        ("class", &q.class),
        ("topic", &q.topic),
        ("validity", &q.validity),
        ("year", &q.year),
        ("on", &q.on),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            qs.append_pair(k, v);
        }
    }
    let qs = qs.finish();
    let pager_base = if qs.is_empty() { format!("{}?", lp.action) } else { format!("{}?{qs}&", lp.action) };
    let feed_url = if lp.feed.is_empty() {
        match q.org.as_deref().filter(|o| !o.is_empty()) {
            Some(o) => format!("/feeds/org/{}.atom", crate::docs::url_path_escape(o)),
            None => "/feeds/latest.atom".to_owned(),
        }
    } else {
        lp.feed.to_owned()
    };
    page(
        state,
        id,
        "public/documents.html",
        context! {
            heading => lp.heading, intro => lp.intro, action => lp.action,
            q => minijinja::Value::from(minijinja::value::Serde(q)),
            docs => result.docs.iter().map(crate::docs::doc_value).collect::<Vec<_>>(),
            total => result.total, page => page_no, pages => pages, pager_base => pager_base,
            orgs => orgs.iter().map(org_value).collect::<Vec<_>>(),
            classes => DocClass::ALL.iter().map(|c| context! { key => c.key(), label => c.label() }).collect::<Vec<_>>(),
            topics => TOPICS.iter().map(|t| t.0).collect::<Vec<_>>(),
            validities => validities, validity_selected => validity_selected,
            facets => context! { class => class_facet, validity => validity_facet },
            feed_url => feed_url,
            valid_on => f.valid_on.map(|d| d.to_string()),
        },
    )
}

async fn documents_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    axum::extract::Query(q): axum::extract::Query<crate::docs::ListQuery>,
) -> Result<Html<String>, AppError> {
    render_list(
        &state,
        &id,
        &q,
        ListPage { heading: "政策文件", intro: None, action: "/documents", default_current: false, feed: "" },
    )
    .await
}

/// 行政规范性文件统一查询: every organisation's normative documents, currently valid by default.
async fn registry_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    axum::extract::Query(mut q): axum::extract::Query<crate::docs::ListQuery>,
) -> Result<Html<String>, AppError> {
    if q.class.as_deref().is_none_or(str::is_empty) {
        q.class = Some("normative".into());
    }
    render_list(
        &state,
        &id,
        &q,
        ListPage {
            heading: "行政规范性文件统一查询",
            intro: Some(
                "汇集各级各部门的行政规范性文件。默认只显示现行有效的文件，也可以查询在某一日有效的文件；未公开的规范性文件不得作为行政管理依据。",
            ),
            action: "/registry",
            default_current: true,
            feed: "/feeds/validity.atom",
        },
    )
    .await
}

async fn render_document(state: &AppState, id: &Identity, doc_id: &str, print: bool) -> Result<Html<String>, AppError> {
    let doc_id: i64 = doc_id.parse().map_err(|_| AppError::not_found())?;
    let p = state.svc.public_document(doc_id).await?;
    let v = crate::docs::public_document_value(&p);
    let interp = crate::interp::document_context(state, &p).await?;
    page(state, id, "public/document.html", context! { ..interp, ..v, ..context! { print => print } })
}

async fn document_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(doc_id): Path<String>,
) -> Result<Html<String>, AppError> {
    render_document(&state, &id, &doc_id, false).await
}

async fn document_print(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(doc_id): Path<String>,
) -> Result<Html<String>, AppError> {
    render_document(&state, &id, &doc_id, true).await
}

/// Serves a file as an attachment: never rendered by the browser, never sniffed.
pub async fn send_file(
    a: &gongkai_service::domain::document::Attachment,
    path: &std::path::Path,
) -> Result<Response, AppError> {
    use axum::http::header;
    let bytes = tokio::fs::read(path).await.map_err(|e| AppError::internal(format!("read {}: {e}", path.display())))?;
    let ascii: String =
        a.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let disposition =
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::docs::url_path_escape(&a.filename));
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    let ct = axum::http::HeaderValue::from_str(&a.content_type)
        .unwrap_or(axum::http::HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    if let Ok(v) = axum::http::HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, axum::http::HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-cache"));
    Ok(r)
}

async fn attachment_download(
    State(state): State<AppState>,
    Path((att_id, _name)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let att_id: i64 = att_id.parse().map_err(|_| AppError::not_found())?;
    let (a, path) = state.svc.public_attachment(att_id).await?;
    send_file(&a, &path).await
}

async fn cleanups_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
) -> Result<Html<String>, AppError> {
    let list = state.svc.cleanups(true).await?;
    let cleanups: Vec<Value> = list
        .iter()
        .map(|c| context! { id => c.id, title => c.title.clone(), published_at => c.published_at })
        .collect();
    page(&state, &id, "public/cleanups.html", context! { cleanups => cleanups })
}

async fn cleanup_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(cid): Path<String>,
) -> Result<Html<String>, AppError> {
    use gongkai_service::CleanupResult;
    let cid: i64 = cid.parse().map_err(|_| AppError::not_found())?;
    let c = state.svc.cleanup(&id.ctx(), cid).await?;
    let groups: Vec<Value> = CleanupResult::ALL
        .iter()
        .map(|r| {
            let items: Vec<Value> = c
                .items
                .iter()
                .filter(|i| i.result == r.key())
                .map(|i| context! { document_id => i.document_id, title => i.title.clone(), doc_number => i.doc_number.clone(), note => i.note.clone() })
                .collect();
            context! { key => r.key(), label => r.label(), items => items }
        })
        .collect();
    page(
        &state,
        &id,
        "public/cleanups.html",
        context! {
            cleanup => context! { title => c.campaign.title.clone(), org_name => c.org_name.clone(), published_at => c.campaign.published_at },
            groups => groups,
        },
    )
}
