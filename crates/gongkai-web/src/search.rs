//! Search surfaces (全文检索): the public page `/search`, the staff page `/admin/search`
//! (drafts the caller has rights on included), `GET /api/v1/search` and
//! `GET /api/v1/search/suggest`.
//!
//! The page works without JavaScript: filters are a GET form, facet counts are links, paging is
//! links. Bad parameters give a 400 naming the parameter; a page past the end is an empty page.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use gongkai_service::domain::document::{DocClass, GENRES, TOPICS, Validity};
use gongkai_service::search_index::snippet::{to_html, to_text};
use gongkai_service::search_index::{Entry, Facet, Hit, Relaxed};
use gongkai_service::{SearchInput, SearchPage};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::admin::Staff;
use crate::error::{AppError, ErrorCode};
use crate::identity::Identity;
use crate::params::{blank, date, invalid, number};
use crate::templates::page;

/// Page routes (the API routes are in [`api_routes`]).
pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search_page)).route("/admin/search", get(admin_search_page))
}

/// Routes nested under `/api/v1`.
pub fn api_routes() -> Router<AppState> {
    Router::new().route("/search", get(api_search)).route("/search/suggest", get(api_suggest))
}

/// Query-string parameters, all text so that every error can name its parameter.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub genre: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub validity: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub per_page: Option<String>,
    /// API only: `public` (default) or `staff`.
    #[serde(default)]
    pub scope: Option<String>,
}

impl SearchParams {
    fn input(&self, per_page_default: usize) -> Result<SearchInput, AppError> {
        Ok(SearchInput {
            q: self.q.clone().unwrap_or_default(),
            org: blank(&self.org).map(str::to_owned),
            issuer: blank(&self.issuer).map(str::to_owned),
            topic: blank(&self.topic).map(str::to_owned),
            genre: blank(&self.genre).map(str::to_owned),
            class: blank(&self.class).map(str::to_owned),
            validity: blank(&self.validity).map(str::to_owned),
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            sort: blank(&self.sort).map(str::to_owned),
            page: number("page", &self.page, 1, 1000)? as usize,
            per_page: number("per_page", &self.per_page, per_page_default as i64, 50)? as usize,
        })
    }

    /// The query string of these parameters with `overrides` applied (empty values dropped).
    fn with(&self, overrides: &[(&str, Option<&str>)]) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("org", &self.org),
            ("issuer", &self.issuer),
            ("topic", &self.topic),
            ("genre", &self.genre),
            ("class", &self.class),
            ("validity", &self.validity),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ] {
            if let Some(v) = blank(v) {
                pairs.push((k, v.to_owned()));
            }
        }
        for (k, v) in overrides {
            pairs.retain(|(x, _)| x != k);
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                pairs.push((k, v.to_owned()));
            }
        }
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

fn validity_label(k: &str) -> String {
    Validity::parse(k).map(|v| v.label().to_owned()).unwrap_or_else(|| k.to_owned())
}

fn class_label(k: &str) -> String {
    if k == "qa" {
        return "政策问答".to_owned();
    }
    DocClass::parse(k).map(|c| c.label().to_owned()).unwrap_or_else(|| k.to_owned())
}

fn facet_label(name: &str) -> &'static str {
    match name {
        "class" => "文件类别",
        "validity" => "有效性",
        "topic" => "主题分类",
        "genre" => "公文种类",
        "issuer" => "发布机构",
        "year" => "发布年份",
        _ => "其他",
    }
}

/// Q&A items are indexed under the negative of their id (kind `qa`).
fn hit_url(h: &Hit, staff: bool) -> String {
    if h.id < 0 {
        return if staff && h.entry == Entry::Staff { "/admin/qa".to_owned() } else { format!("/qa/{}", -h.id) };
    }
    if staff && h.entry == Entry::Staff { format!("/admin/documents/{}", h.id) } else { format!("/doc/{}", h.id) }
}

fn hit_value(h: &Hit, staff: bool) -> Value {
    context! {
        id => h.id,
        url => hit_url(h, staff),
        title_html => to_html(&h.title_marked),
        title => h.title.clone(),
        doc_number => h.doc_number.clone(),
        issuer => h.issuer.clone(),
        published_on => h.published_on.map(|d| d.to_string()),
        validity => h.validity.clone(),
        validity_label => validity_label(&h.validity),
        snippet_html => to_html(&h.snippet),
        draft => h.entry == Entry::Staff,
        state => h.state.clone(),
    }
}

fn facets_value(facets: &[Facet], params: &SearchParams, base: &str) -> Vec<Value> {
    facets
        .iter()
        .filter(|f| !f.values.is_empty() && f.name != "year")
        .map(|f| {
            let param = f.name;
            let values: Vec<Value> = f
                .values
                .iter()
                .take(12)
                .map(|(k, n)| {
                    let label = match param {
                        "class" => class_label(k),
                        "validity" => validity_label(k),
                        _ => k.clone(),
                    };
                    let selected = match param {
                        "class" => blank(&params.class) == Some(k.as_str()),
                        "validity" => blank(&params.validity) == Some(k.as_str()),
                        "topic" => blank(&params.topic) == Some(k.as_str()),
                        "genre" => blank(&params.genre) == Some(k.as_str()),
                        "issuer" => blank(&params.issuer) == Some(k.as_str()),
                        _ => false,
                    };
                    let href = format!("{base}?{}", params.with(&[(param, Some(k)), ("page", None)]));
                    context! { label => label, count => n, href => href, selected => selected }
                })
                .collect();
            context! { name => f.name, label => facet_label(f.name), values => values }
        })
        .collect()
}

async fn render(
    state: &AppState,
    id: &Identity,
    params: &SearchParams,
    staff: bool,
    template: &str,
    base: &str,
) -> Result<Html<String>, AppError> {
    let input = params.input(10)?;
    let has_query = !input.q.trim().is_empty();
    let filtered = [&params.org, &params.issuer, &params.topic, &params.genre, &params.class, &params.validity]
        .iter()
        .any(|v| blank(v).is_some())
        || blank(&params.from).is_some()
        || blank(&params.to).is_some();
    let result: Option<SearchPage> =
        if has_query || filtered { Some(state.svc.search(&id.ctx(), &input, staff).await?) } else { None };
    let hot = state.svc.hot_searches().await.unwrap_or_default();
    let orgs = state.svc.list_orgs(None).await?;
    let (hits, total, pages, facets, relaxed) = match &result {
        Some(r) => {
            let pages = r.results.total.div_ceil(r.per_page).clamp(1, 1000);
            (
                r.results.hits.iter().map(|h| hit_value(h, staff)).collect::<Vec<_>>(),
                r.results.total,
                pages,
                facets_value(&r.results.facets, params, base),
                match r.results.relaxed {
                    Relaxed::No => None,
                    Relaxed::AllWords => Some("没有找到完整包含检索词的结果，以下结果包含检索词中的全部词语。"),
                    Relaxed::AnyWord => Some("没有找到包含全部检索词的结果，以下结果只包含部分词语。"),
                },
            )
        }
        None => (Vec::new(), 0, 1, Vec::new(), None),
    };
    let page_no = result.as_ref().map_or(1, |r| r.page);
    let pager_base = format!("{base}?{}&", params.with(&[("page", None)]));
    let sort_links: Vec<Value> = [("relevance", "相关度"), ("newest", "最新发布"), ("oldest", "最早发布")]
        .iter()
        .map(|&(k, label)| {
            let current = blank(&params.sort).unwrap_or("relevance") == k;
            context! { label => label, current => current, href => format!("{base}?{}", params.with(&[("sort", Some(k)), ("page", None)])) }
        })
        .collect();
    page(
        state,
        id,
        template,
        context! {
            p => Value::from(minijinja::value::Serde(params)),
            searched => result.is_some(),
            has_query => has_query,
            hits => hits, total => total, page => page_no, pages => pages, pager_base => pager_base,
            facets => facets, relaxed => relaxed, sort_links => sort_links,
            hot => hot.iter().map(|(q, _)| context! { q => q.clone(), href => format!("{base}?{}", SearchParams { q: Some(q.clone()), ..SearchParams::default() }.with(&[])) }).collect::<Vec<_>>(),
            orgs => orgs.iter().map(crate::public::org_value).collect::<Vec<_>>(),
            classes => DocClass::ALL.iter().map(|c| context! { key => c.key(), label => c.label() }).collect::<Vec<_>>(),
            validities => Validity::ALL.iter().map(|v| context! { key => v.key(), label => v.label() }).collect::<Vec<_>>(),
            topics => TOPICS.iter().map(|t| t.0).collect::<Vec<_>>(),
            genres => GENRES.to_vec(),
        },
    )
}

async fn search_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, AppError> {
    render(&state, &id, &params, false, "public/search.html", "/search").await
}

async fn admin_search_page(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Query(params): Query<SearchParams>,
) -> Response {
    match render(&state, &id, &params, true, "admin/search.html", "/admin/search").await {
        Ok(h) => h.into_response(),
        Err(e) => e.into_response(),
    }
}

/// One API result.
#[derive(Debug, Serialize)]
struct HitDto {
    id: i64,
    external_id: Option<String>,
    title: String,
    doc_number: Option<String>,
    issuer: String,
    published_on: Option<String>,
    validity: String,
    /// Best fragment, HTML-escaped, matches in `<mark>`.
    snippet: String,
    /// The same fragment as plain text.
    snippet_text: String,
    url: String,
    /// `public`, or `staff` for an unpublished edition (staff scope only).
    entry: &'static str,
    score: f32,
}

#[derive(Debug, Serialize)]
struct FacetValueDto {
    value: String,
    count: u64,
}

#[derive(Debug, Serialize)]
struct SearchDto {
    total: usize,
    page: usize,
    per_page: usize,
    sort: &'static str,
    /// `no`, `all_words` or `any_word`: how far the query was relaxed to find anything.
    relaxed: Relaxed,
    hits: Vec<HitDto>,
    facets: std::collections::BTreeMap<&'static str, Vec<FacetValueDto>>,
}

async fn api_search(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchDto>, AppError> {
    let staff = match blank(&params.scope) {
        None | Some("public") => false,
        Some("staff") => {
            if id.staff().is_none() {
                return Err(AppError::new(ErrorCode::Unauthenticated, "scope=staff 需要登录或 API 令牌"));
            }
            true
        }
        Some(other) => return Err(invalid("scope", format!("scope“{other}”无效，只能是 public 或 staff"))),
    };
    let input = params.input(20)?;
    let r = state.svc.search(&id.ctx(), &input, staff).await?;
    let hits = r
        .results
        .hits
        .iter()
        .map(|h| HitDto {
            id: h.id,
            external_id: h.external_id.clone(),
            title: h.title.clone(),
            doc_number: h.doc_number.clone(),
            issuer: h.issuer.clone(),
            published_on: h.published_on.map(|d| d.to_string()),
            validity: h.validity.clone(),
            snippet: to_html(&h.snippet),
            snippet_text: to_text(&h.snippet),
            url: hit_url(h, staff),
            entry: h.entry.key(),
            score: h.score,
        })
        .collect();
    let facets = r
        .results
        .facets
        .iter()
        .map(|f| (f.name, f.values.iter().map(|(v, c)| FacetValueDto { value: v.clone(), count: *c }).collect()))
        .collect();
    Ok(Json(SearchDto {
        total: r.results.total,
        page: r.page,
        per_page: r.per_page,
        sort: r.sort.key(),
        relaxed: r.results.relaxed,
        hits,
        facets,
    }))
}

#[derive(Debug, Deserialize)]
struct SuggestParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
struct SuggestionDto {
    id: i64,
    title: String,
    url: String,
}

async fn api_suggest(
    State(state): State<AppState>,
    Query(p): Query<SuggestParams>,
) -> Result<Json<Vec<SuggestionDto>>, AppError> {
    let limit = number("limit", &p.limit, 8, 20)? as usize;
    let q = p.q.unwrap_or_default();
    if q.chars().count() > gongkai_service::search_index::MAX_QUERY_CHARS {
        return Err(invalid("q", "检索词过长".into()));
    }
    let s = state.svc.suggest(&q, limit).await?;
    Ok(Json(
        s.into_iter()
            .map(|s| SuggestionDto {
                url: if s.id < 0 { format!("/qa/{}", -s.id) } else { format!("/doc/{}", s.id) },
                id: s.id,
                title: s.title,
            })
            .collect(),
    ))
}
