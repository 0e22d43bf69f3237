//! Policy interpretation (政策解读) pages and API: the public list `/interpretations`, the
//! interpretation part of document pages and of the document JSON, `/api/v1/interpretations…`,
//! and the console page of a document's interpretation (fields, 三同步 settings, exemption, copy
//! check) and the 50 % figures for supervisors.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use gongkai_service::domain::document::{DocClass, RelationKind};
use gongkai_service::domain::interp::{InterpFields, InterpForm};
use gongkai_service::domain::role::Role;
use gongkai_service::{InterpItem, PublicDocument};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::admin::{Staff, field_errors, ser};
use crate::docs::doc_value;
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::identity::Identity;
use crate::params::{invalid, number};
use crate::templates::page;

/// Public routes.
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/interpretations", get(list_page))
        .route("/feeds/interpretations.atom", get(crate::feeds::interpretations))
}

/// Console routes.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/documents/{id}/interpretation", get(staff_page).post(save_fields))
        .route("/admin/documents/{id}/interp-requirement", post(save_requirement))
        .route("/admin/documents/{id}/interp-exemption", post(save_exemption))
        .route("/admin/interpretations/coverage", get(coverage_page))
}

/// API routes, nested under `/api/v1`.
pub fn api_routes() -> Router<AppState> {
    Router::new().route("/interpretations", get(api_list)).route("/interpretations/{id}", get(api_get))
}

/// An interpretation's own fields for templates.
pub fn interp_value(f: &InterpFields) -> Value {
    context! {
        form => f.form.map(|x| x.key()),
        form_label => f.form.map(|x| x.label()),
        diversified => f.form.is_some_and(|x| x.is_diversified()),
        interpreter => f.interpreter.clone(),
        interpreter_role => f.interpreter_role.clone(),
        first_interpreter => f.first_interpreter,
        media_url => f.media_url.clone(),
        transcript => f.transcript.as_deref().map(|t| t.lines().map(str::to_owned).collect::<Vec<_>>()),
        alt_text => f.alt_text.clone(),
    }
}

fn item_value(i: &InterpItem) -> Value {
    context! { doc => doc_value(&i.doc), interp => interp_value(&i.interp) }
}

/// What a public document page adds: for an interpretation its fields and inline images; for a
/// policy its published interpretations.
pub async fn document_context(state: &AppState, p: &PublicDocument) -> Result<Value, AppError> {
    // Interpretation links get their own sections (政策原文 / 政策解读); the other relations stay.
    let relations: Vec<Value> = p
        .relations
        .iter()
        .filter(|r| r.kind != RelationKind::Interprets)
        .map(|r| {
            let outgoing = r.from_id == p.doc.id;
            let other = if outgoing { r.to_id } else { r.from_id };
            context! {
                label => if outgoing { r.kind.label() } else { r.kind.inverse_label() },
                kind => r.kind.key(), outgoing => outgoing, url => format!("/doc/{other}"), title => r.other_title.clone(),
            }
        })
        .collect();
    let policies: Vec<Value> = p
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::Interprets && r.from_id == p.doc.id)
        .map(|r| context! { url => format!("/doc/{}", r.to_id), title => r.other_title.clone() })
        .collect();
    if p.doc.class == DocClass::Interpretation {
        let f = state.svc.public_interpretation(p.doc.id).await?;
        let images: Vec<Value> = p
            .attachments
            .iter()
            .filter(|a| a.content_type.starts_with("image/"))
            .map(|a| context! { url => format!("/attachments/{}/{}", a.id, crate::docs::url_path_escape(&a.filename)) })
            .collect();
        Ok(
            context! { relations => relations, interp => f.as_ref().map(interp_value), interp_images => images, interp_policies => policies },
        )
    } else {
        let list = state.svc.public_interpretations_of(p.doc.id).await?;
        let related_qa = crate::qa::related(state, p.doc.id).await?;
        Ok(
            context! { relations => relations, interpretations => list.iter().map(item_value).collect::<Vec<_>>(), related_qa => related_qa },
        )
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    form: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

impl ListQuery {
    fn form(&self) -> Result<Option<InterpForm>, AppError> {
        match self.form.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(f) => InterpForm::parse(f).map(Some).ok_or_else(|| invalid("form", format!("未知的解读形式“{f}”"))),
        }
    }
}

const PAGE_SIZE: i64 = 20;

async fn list_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let form = q.form()?;
    let page_no = number("page", &q.page, 1, 100_000)?;
    let (items, total) = state.svc.list_interpretations(form, PAGE_SIZE, (page_no - 1) * PAGE_SIZE).await?;
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let base = match form {
        Some(f) => format!("/interpretations?form={}&", f.key()),
        None => "/interpretations?".to_owned(),
    };
    page(
        &state,
        &id,
        "public/interpretations.html",
        context! {
            items => items.iter().map(item_value).collect::<Vec<_>>(),
            total => total, page => page_no, pages => pages, base => base,
            form => form.map(|f| f.key()),
            forms => InterpForm::ALL.iter().map(|f| context! { key => f.key(), label => f.label() }).collect::<Vec<_>>(),
        },
    )
}

/// An interpretation in the API.
#[derive(Serialize)]
pub struct InterpDto {
    pub form: Option<&'static str>,
    pub form_label: Option<&'static str>,
    /// 多元化解读 (counts towards the 50 % rule).
    pub diversified: bool,
    pub interpreter: String,
    pub interpreter_role: String,
    pub first_interpreter: bool,
    pub media_url: Option<String>,
    pub transcript: Option<String>,
    pub alt_text: Option<String>,
}

pub fn interp_dto(f: &InterpFields) -> InterpDto {
    InterpDto {
        form: f.form.map(|x| x.key()),
        form_label: f.form.map(|x| x.label()),
        diversified: f.form.is_some_and(|x| x.is_diversified()),
        interpreter: f.interpreter.clone(),
        interpreter_role: f.interpreter_role.clone(),
        first_interpreter: f.first_interpreter,
        media_url: f.media_url.clone(),
        transcript: f.transcript.clone(),
        alt_text: f.alt_text.clone(),
    }
}

/// An interpretation with its document in lists (the document JSON's `interpretations`).
#[derive(Serialize)]
pub struct InterpListDto {
    #[serde(flatten)]
    pub doc: crate::api::DocDto,
    pub interpretation: InterpDto,
}

pub fn list_dto(i: &InterpItem) -> InterpListDto {
    InterpListDto { doc: crate::api::doc_dto(&i.doc), interpretation: interp_dto(&i.interp) }
}

#[derive(Serialize)]
struct InterpList {
    total: i64,
    items: Vec<InterpListDto>,
}

async fn api_list(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<InterpList>, AppError> {
    let form = q.form()?;
    let limit = number("limit", &q.limit, 20, 100)?;
    let page_no = number("page", &q.page, 1, 100_000)?;
    let (items, total) = state.svc.list_interpretations(form, limit, (page_no - 1) * limit).await?;
    Ok(Json(InterpList { total, items: items.iter().map(list_dto).collect() }))
}

#[derive(Serialize)]
struct InterpDetail {
    #[serde(flatten)]
    doc: crate::api::DocDto,
    interpretation: InterpDto,
    body: String,
    /// The policy documents it interprets (public ones).
    interprets: Vec<crate::api::DocDto>,
}

async fn api_get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<InterpDetail>, AppError> {
    let not_found = || AppError::new(ErrorCode::NotFound, "政策解读不存在或未公开");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let p = state.svc.public_document(id).await?;
    let f = state.svc.public_interpretation(id).await?.ok_or_else(not_found)?;
    let mut interprets = Vec::new();
    for r in p.relations.iter().filter(|r| r.from_id == id && r.kind.key() == "interprets") {
        if let Ok(t) = state.svc.public_document(r.to_id).await {
            interprets.push(crate::api::doc_dto(&t.doc));
        }
    }
    Ok(Json(InterpDetail {
        doc: crate::api::doc_dto(&p.doc),
        interpretation: interp_dto(&f),
        body: if p.doc.withdrawn { String::new() } else { p.edition.fields.body.clone() },
        interprets,
    }))
}

// ---- console ----

#[derive(Deserialize, Default, Serialize, Clone)]
struct FieldsForm {
    #[serde(default)]
    interp_form: String,
    #[serde(default)]
    interpreter: String,
    #[serde(default)]
    interpreter_role: String,
    #[serde(default)]
    first_interpreter: Option<String>,
    #[serde(default)]
    media_url: String,
    #[serde(default)]
    transcript: String,
    #[serde(default)]
    alt_text: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn form_of(f: &InterpFields) -> FieldsForm {
    FieldsForm {
        interp_form: f.form.map(|x| x.key().to_owned()).unwrap_or_default(),
        interpreter: f.interpreter.clone(),
        interpreter_role: f.interpreter_role.clone(),
        first_interpreter: f.first_interpreter.then(|| "on".to_owned()),
        media_url: f.media_url.clone().unwrap_or_default(),
        transcript: f.transcript.clone().unwrap_or_default(),
        alt_text: f.alt_text.clone().unwrap_or_default(),
    }
}

fn parse_id(s: &str) -> Result<i64, Response> {
    s.parse().map_err(|_| AppError::not_found().into_response())
}

fn render(state: &AppState, id: &Identity, name: &str, status: StatusCode, ctx: Value) -> Response {
    match page(state, id, name, ctx) {
        Ok(h) => (status, h).into_response(),
        Err(e) => e.into_response(),
    }
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "fields" => "解读信息已保存。",
        "requirement" => "同步解读设置已保存。",
        "exemption" => "不解读理由已登记。",
        "exemption-removed" => "已撤销不解读登记。",
        _ => return None,
    })
}

async fn render_staff(
    state: &AppState,
    id: &Identity,
    doc_id: i64,
    form: Option<FieldsForm>,
    notice: Option<&str>,
    errors: &[FieldMessage],
    status: StatusCode,
) -> Response {
    let v = match state.svc.interp_staff_view(&id.ctx(), doc_id).await {
        Ok(v) => v,
        Err(e) => return AppError::from(e).into_response(),
    };
    let form = form.or_else(|| v.interp.as_ref().map(form_of)).unwrap_or_default();
    let copy = v.copy.as_ref().map(|c| {
        context! {
            percent => format!("{:.0}", c.ratio * 100.0),
            passages => c.passages.clone(),
        }
    });
    let interpretations: Vec<Value> = v
        .interpretations
        .iter()
        .map(|(d, f, s)| context! { doc => doc_value(d), interp => interp_value(f), state_label => s.map(|s| s.label()) })
        .collect();
    render(
        state,
        id,
        "admin/interpretation.html",
        status,
        context! {
            doc => doc_value(&v.doc),
            is_interp => v.doc.class == DocClass::Interpretation,
            form => ser(&form),
            forms => InterpForm::ALL.iter().map(|f| context! { key => f.key(), label => f.label() }).collect::<Vec<_>>(),
            copy => copy, copy_warning => v.copy_warning, copy_threshold => v.copy_threshold_percent,
            requirement => context! {
                required => v.requirement.required, gov_issued => v.requirement.gov_issued,
                exemption_reason => v.requirement.exemption_reason.clone(), exempted_at => v.requirement.exempted_at_ms,
            },
            interpretations => interpretations,
            notice => notice, errors => ser(errors),
        },
    )
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

async fn staff_page(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(doc_id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    match parse_id(&doc_id) {
        Ok(d) => render_staff(&state, &id, d, None, notice_text(q.notice.as_deref()), &[], StatusCode::OK).await,
        Err(r) => r,
    }
}

fn failed(e: AppError) -> Result<Vec<FieldMessage>, Response> {
    if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) {
        Ok(field_errors(&e))
    } else {
        Err(e.into_response())
    }
}

async fn save_fields(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(doc_id): Path<String>,
    Form(f): Form<FieldsForm>,
) -> Response {
    let doc_id = match parse_id(&doc_id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let form = match f.interp_form.trim() {
        "" => None,
        k => match InterpForm::parse(k) {
            Some(x) => Some(x),
            None => {
                let errors = vec![FieldMessage {
                    field: "interp_form".into(),
                    message: format!("未知的解读形式“{k}”"),
                }];
                return render_staff(&state, &id, doc_id, Some(f), None, &errors, StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
        },
    };
    let fields = InterpFields {
        form,
        interpreter: f.interpreter.clone(),
        interpreter_role: f.interpreter_role.clone(),
        first_interpreter: f.first_interpreter.is_some(),
        media_url: opt(&f.media_url),
        transcript: opt(&f.transcript),
        alt_text: opt(&f.alt_text),
    };
    match state.svc.set_interpretation_fields(&id.ctx(), doc_id, &fields).await {
        Ok(()) => Redirect::to(&format!("/admin/documents/{doc_id}/interpretation?notice=fields")).into_response(),
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => {
                render_staff(&state, &id, doc_id, Some(f), None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(r) => r,
        },
    }
}

#[derive(Deserialize, Default)]
struct RequirementForm {
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    gov_issued: Option<String>,
}

async fn save_requirement(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(doc_id): Path<String>,
    Form(f): Form<RequirementForm>,
) -> Response {
    let doc_id = match parse_id(&doc_id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    match state.svc.set_interp_requirement(&id.ctx(), doc_id, f.required.is_some(), f.gov_issued.is_some()).await {
        Ok(()) => Redirect::to(&format!("/admin/documents/{doc_id}/interpretation?notice=requirement")).into_response(),
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => {
                render_staff(&state, &id, doc_id, None, None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(r) => r,
        },
    }
}

#[derive(Deserialize, Default)]
struct ExemptionForm {
    #[serde(default)]
    reason: String,
    /// `remove` takes the exemption back.
    #[serde(default)]
    op: String,
}

async fn save_exemption(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(doc_id): Path<String>,
    Form(f): Form<ExemptionForm>,
) -> Response {
    let doc_id = match parse_id(&doc_id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let remove = f.op == "remove";
    let reason = if remove { None } else { Some(f.reason.as_str()) };
    match state.svc.exempt_interpretation(&id.ctx(), doc_id, reason).await {
        Ok(()) => {
            let n = if remove { "exemption-removed" } else { "exemption" };
            Redirect::to(&format!("/admin/documents/{doc_id}/interpretation?notice={n}")).into_response()
        }
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => {
                render_staff(&state, &id, doc_id, None, None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(r) => r,
        },
    }
}

#[derive(Deserialize, Default)]
struct CoverageQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    year: Option<String>,
}

/// One bar of the chart: width in SVG units (of 400) and its label.
fn bar(percent: u32) -> u32 {
    percent.min(100) * 4
}

async fn coverage_page(
    State(state): State<AppState>,
    Staff(me, id): Staff,
    Query(q): Query<CoverageQuery>,
) -> Response {
    let orgs: Vec<String> = me
        .grants
        .iter()
        .filter(|g| matches!(g.role, Role::Supervisor | Role::SystemAdmin))
        .map(|g| g.org_code.clone())
        .collect();
    let org = q.org.clone().filter(|o| !o.trim().is_empty()).or_else(|| orgs.first().cloned()).unwrap_or_default();
    let this_year = chrono::Datelike::year(&gongkai_service::china_date(state.svc.now_ms()));
    let mut errors = Vec::new();
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => this_year,
        Some(y) => match y.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)) {
            Some(y) => y,
            None => {
                errors.push(FieldMessage { field: "year".into(), message: format!("年份“{y}”无效") });
                this_year
            }
        },
    };
    let mut rows = Vec::new();
    if errors.is_empty() && !org.is_empty() {
        match state.svc.interp_coverage(&id.ctx(), &org, year).await {
            Ok(list) => rows = list,
            Err(e) => match failed(AppError::from(e)) {
                Ok(mut es) => errors.append(&mut es),
                Err(r) => return r,
            },
        }
    }
    let figures: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            context! {
                org_name => r.org_name.clone(), total => r.total, diversified => r.diversified, same_day => r.same_day,
                percent => r.percent(), meets => r.meets_rule(), bar => bar(r.percent()), y => i * 40 + 8,
                missing => r.missing.iter().map(doc_value).collect::<Vec<_>>(),
            }
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let chart_height = rows.len() * 40 + 16;
    render(
        &state,
        &id,
        "admin/interp_coverage.html",
        status,
        context! {
            org => org, year => year, orgs => orgs, figures => figures, chart_height => chart_height,
            errors => ser(&errors),
        },
    )
}
