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
    page(&state, &id, "public/home.html", context! { roots => groups })
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

fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://") => n.to_owned(),
        _ => "/".to_owned(),
    }
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
