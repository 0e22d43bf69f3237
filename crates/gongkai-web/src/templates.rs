//! Server-rendered templates (minijinja, embedded in the binary, auto-escaped).
//!
//! Every page extends `base.html`, which carries the accessible skeleton: `lang="zh-CN"`, a skip
//! link, header/nav/main/footer landmarks, and no inline script or style (the CSP forbids both).
//! A test renders every template listed in [`TEMPLATES`].

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value, context};

use crate::AppState;
use crate::error::AppError;
use crate::identity::Identity;

/// (name, source) of every template.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("public/home.html", include_str!("../templates/public/home.html")),
    ("public/org.html", include_str!("../templates/public/org.html")),
    ("public/prefs.html", include_str!("../templates/public/prefs.html")),
    ("public/_doc_list.html", include_str!("../templates/public/_doc_list.html")),
    ("public/documents.html", include_str!("../templates/public/documents.html")),
    ("public/document.html", include_str!("../templates/public/document.html")),
    ("admin/login.html", include_str!("../templates/admin/login.html")),
    ("admin/totp.html", include_str!("../templates/admin/totp.html")),
    ("admin/enroll.html", include_str!("../templates/admin/enroll.html")),
    ("admin/layout.html", include_str!("../templates/admin/layout.html")),
    ("admin/dashboard.html", include_str!("../templates/admin/dashboard.html")),
    ("admin/password.html", include_str!("../templates/admin/password.html")),
    ("admin/orgs.html", include_str!("../templates/admin/orgs.html")),
    ("admin/users.html", include_str!("../templates/admin/users.html")),
    ("admin/audit.html", include_str!("../templates/admin/audit.html")),
    ("admin/tokens.html", include_str!("../templates/admin/tokens.html")),
    ("admin/documents.html", include_str!("../templates/admin/documents.html")),
    ("admin/document_form.html", include_str!("../templates/admin/document_form.html")),
    ("admin/document.html", include_str!("../templates/admin/document.html")),
    ("admin/cleanups.html", include_str!("../templates/admin/cleanups.html")),
    ("public/cleanups.html", include_str!("../templates/public/cleanups.html")),
    ("public/_search_body.html", include_str!("../templates/public/_search_body.html")),
    ("public/search.html", include_str!("../templates/public/search.html")),
    ("admin/search.html", include_str!("../templates/admin/search.html")),
    ("public/_foi_fields.html", include_str!("../templates/public/_foi_fields.html")),
    ("public/foi_form.html", include_str!("../templates/public/foi_form.html")),
    ("public/foi_receipt.html", include_str!("../templates/public/foi_receipt.html")),
    ("public/foi_track.html", include_str!("../templates/public/foi_track.html")),
    ("admin/foi_list.html", include_str!("../templates/admin/foi_list.html")),
    ("admin/foi_register.html", include_str!("../templates/admin/foi_register.html")),
    ("admin/foi.html", include_str!("../templates/admin/foi.html")),
    ("admin/foi_report.html", include_str!("../templates/admin/foi_report.html")),
    ("admin/foi_tools.html", include_str!("../templates/admin/foi_tools.html")),
    ("admin/foi_stats.html", include_str!("../templates/admin/foi_stats.html")),
    ("admin/_review.html", include_str!("../templates/admin/_review.html")),
    ("admin/review.html", include_str!("../templates/admin/review.html")),
    ("admin/review_list.html", include_str!("../templates/admin/review_list.html")),
    ("admin/review_dashboard.html", include_str!("../templates/admin/review_dashboard.html")),
    ("public/interpretations.html", include_str!("../templates/public/interpretations.html")),
    ("admin/interpretation.html", include_str!("../templates/admin/interpretation.html")),
    ("admin/interp_coverage.html", include_str!("../templates/admin/interp_coverage.html")),
    ("public/qa.html", include_str!("../templates/public/qa.html")),
    ("public/qa_item.html", include_str!("../templates/public/qa_item.html")),
    ("admin/qa.html", include_str!("../templates/admin/qa.html")),
];

/// The stylesheet, served at `/static/site.css`.
pub const SITE_CSS: &str = include_str!("../static/site.css");

/// A short hash of the stylesheet, appended to its URL so a changed stylesheet is fetched at once
/// while an unchanged one stays cached (FNV-1a, 64 bits).
pub fn css_version() -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in SITE_CSS.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{:08x}", h >> 32)
}

/// The template environment.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

/// Formats milliseconds since the epoch as Beijing time (`2026-11-27 16:05`).
pub fn fmt_ms(ms: i64) -> String {
    match (chrono::DateTime::from_timestamp_millis(ms), chrono::FixedOffset::east_opt(8 * 3600)) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => String::new(),
    }
}

impl Templates {
    pub fn new() -> Result<Templates, String> {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src).map_err(|e| format!("template {name}: {e}"))?;
        }
        env.add_filter("datetime", |ms: i64| fmt_ms(ms));
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, AppError> {
        let t = self.env.get_template(name).map_err(|e| AppError::internal(format!("template {name}: {e}")))?;
        t.render(ctx).map_err(|e| AppError::internal(format!("render {name}: {e:#}")))
    }
}

/// The context every page gets: site settings, the caller, the CSRF token.
pub fn base_context(state: &AppState, identity: Option<&Identity>) -> Value {
    let me = identity.and_then(|i| i.staff()).map(|u| {
        context! {
            username => u.user.username.clone(),
            display_name => u.user.display_name.clone(),
            roles => u.roles().iter().map(|r| r.label()).collect::<Vec<_>>(),
        }
    });
    context! {
        site_name => state.web.site_name.clone(),
        site_code => state.web.site_code.clone(),
        icp => state.web.icp.clone(),
        me => me,
        csrf => identity.map(|i| i.csrf.clone()).unwrap_or_default(),
        prefs => identity.map(|i| context! { elderly => i.prefs.elderly, contrast => i.prefs.contrast }),
        current_path => identity.map(|i| i.path.clone()),
        css_version => css_version(),
    }
}

/// Renders a page with the base context merged under `ctx`.
pub fn page(state: &AppState, identity: &Identity, name: &str, ctx: Value) -> Result<Html<String>, AppError> {
    let full = context! { ..ctx, ..base_context(state, Some(identity)) };
    state.templates.render(name, full).map(Html)
}

/// The zh-CN error page for `err`.
pub fn error_page(state: &AppState, identity: Option<&Identity>, err: &AppError, request_id: &str) -> Response {
    let ctx = context! {
        title => err.code.title(),
        code => err.code.as_str(),
        message => err.message.clone(),
        fields => err.fields.iter().map(|f| context!{ field => f.field.clone(), message => f.message.clone() }).collect::<Vec<_>>(),
        status => err.code.status().as_u16(),
        request_id => request_id,
    };
    let full = context! { ..ctx, ..base_context(state, identity) };
    let html = state.templates.render("error.html", full).unwrap_or_else(|_| {
        format!("<!doctype html><html lang=\"zh-CN\"><title>{}</title><h1>{}</h1>", err.code.title(), err.code.title())
    });
    (err.code.status(), [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// Serves the stylesheet with a long cache lifetime.
pub async fn site_css() -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        SITE_CSS,
    )
        .into_response()
}
