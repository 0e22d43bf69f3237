//! The console's pre-publication review pages (公开前审查, `/admin/review…`): the reviewer's queue,
//! an item's review (chain, records, screening findings with masked text, overrides) with the step
//! form, the security dashboard, and the cleaned copy of an attachment
//! (`/admin/attachments/{id}/clean`). Never reachable by the public; every response `no-store` (`identity::no_store`).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Json, Router};
use gongkai_service::domain::review::{Decision, Step, chain_label, class_label};
use gongkai_service::{ReviewKind, ReviewView, StepInput, finding_kind_label, severity_label};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::admin::{Staff, field_errors, ser};
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::identity::Identity;
use crate::templates::page;

/// Routes under `/admin/review` and the cleaned attachment copy.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/review", get(queue))
        .route("/admin/review/dashboard", get(dashboard))
        .route("/admin/review/{kind}/{id}", get(view).post(take_step))
        .route("/admin/attachments/{id}/clean", get(clean_copy))
        .route("/admin/documents/{id}/attachments/{aid}/clean", axum::routing::post(replace_with_clean))
}

fn render(state: &AppState, id: &Identity, name: &str, status: StatusCode, ctx: Value) -> Response {
    match page(state, id, name, ctx) {
        Ok(h) => (status, h).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A time in China (UTC+8) as `YYYY-MM-DD HH:MM`.
fn china_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn queue(State(state): State<AppState>, Staff(_me, id): Staff, Query(q): Query<NoticeQuery>) -> Response {
    let items = match state.svc.pending_reviews(&id.ctx()).await {
        Ok(i) => i,
        Err(e) => return AppError::from(e).into_response(),
    };
    let rows: Vec<Value> = items
        .iter()
        .map(|p| {
            context! {
                kind => p.kind.key(), kind_label => p.kind.label(), id => p.id, title => p.title.clone(),
                org_name => p.org_name.clone(), class_label => class_label(&p.class), step => p.step.label(),
                updated => china_time(p.updated_at),
            }
        })
        .collect();
    let notice = (q.notice.as_deref() == Some("done")).then_some("审查意见已记录。");
    render(&state, &id, "admin/review_list.html", StatusCode::OK, context! { rows => rows, notice => notice })
}

/// The review of an item as template values (also used on the document's staff page).
pub(crate) fn review_value(v: &ReviewView) -> Value {
    let records: Vec<Value> = v
        .records
        .iter()
        .map(|r| {
            context! {
                round => r.round, step => Step::parse(&r.step).map(Step::label).unwrap_or("—"),
                decision => Decision::parse(&r.decision).map(Decision::label).unwrap_or("—"),
                returned => r.decision == "return", opinion => r.opinion.clone(),
                reviewer => r.reviewer_name.clone(), at => china_time(r.at),
            }
        })
        .collect();
    let findings: Vec<Value> = v
        .findings
        .iter()
        .map(|f| {
            let located = f.end_pos > f.start_pos;
            context! {
                kind => finding_kind_label(&f.kind), severity => f.severity.clone(),
                severity_label => severity_label(&f.severity), location => f.location.clone(),
                position => if located { format!("第 {}–{} 字", f.start_pos + 1, f.end_pos) } else { String::new() },
                masked => f.masked.clone(), detail => f.detail.clone(),
            }
        })
        .collect();
    let overrides: Vec<Value> = v
        .overrides
        .iter()
        .map(|o| {
            context! {
                round => o.round, kinds => o.kinds.split(',').map(finding_kind_label).collect::<Vec<_>>().join("、"),
                reason => o.reason.clone(), by => o.by_name.clone(), at => china_time(o.at),
            }
        })
        .collect();
    let approved: Vec<&str> =
        v.records.iter().filter(|r| r.round == v.round && r.decision == "approve").map(|r| r.step.as_str()).collect();
    let chain: Vec<Value> = v
        .chain
        .iter()
        .map(|s| {
            let status = if approved.contains(&s.key()) {
                "已通过"
            } else if v.pending == Some(*s) {
                "待审查"
            } else {
                "未开始"
            };
            context! { label => s.label(), status => status }
        })
        .collect();
    context! {
        kind => v.subject.kind.key(), kind_label => v.subject.kind.label(), id => v.subject.id,
        parent_id => v.parent_id, title => v.title.clone(), org_name => v.org.name.clone(),
        class_label => class_label(v.subject.class), chain => chain, chain_text => chain_label(&v.chain),
        round => v.round, under_review => v.under_review, pending => v.pending.map(Step::key),
        pending_label => v.pending.map(Step::label), records => records, findings => findings,
        screened => v.screening.is_some(), screened_at => v.screening.as_ref().map(|s| china_time(s.at)),
        overrides => overrides, blocked => v.blocked, can_take => v.can_take, can_override => v.can_override,
    }
}

#[derive(Deserialize, Default, serde::Serialize, Clone)]
struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    override_reason: String,
}

fn parse_target(kind: &str, id: &str) -> Result<(ReviewKind, i64), Response> {
    match (ReviewKind::parse(kind), id.parse::<i64>()) {
        (Some(k), Ok(i)) => Ok((k, i)),
        _ => Err(AppError::not_found().into_response()),
    }
}

async fn render_view(
    state: &AppState,
    id: &Identity,
    kind: ReviewKind,
    item: i64,
    form: &StepForm,
    errors: &[FieldMessage],
    status: StatusCode,
) -> Response {
    // An item opened before its round was screened is screened now.
    if let Err(e) = state.svc.review_screen_now(&id.ctx(), kind, item).await {
        return AppError::from(e).into_response();
    }
    let v = match state.svc.review_view(&id.ctx(), kind, item).await {
        Ok(v) => v,
        Err(e) => return AppError::from(e).into_response(),
    };
    let link = match kind {
        ReviewKind::Edition => format!("/admin/documents/{}", v.parent_id),
        ReviewKind::FoiReply => format!("/admin/foi/{}", v.parent_id),
    };
    render(
        state,
        id,
        "admin/review.html",
        status,
        context! { r => review_value(&v), link => link, form => ser(form), errors => ser(errors) },
    )
}

async fn view(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path((kind, item)): Path<(String, String)>,
) -> Response {
    match parse_target(&kind, &item) {
        Ok((k, i)) => render_view(&state, &id, k, i, &StepForm::default(), &[], StatusCode::OK).await,
        Err(r) => r,
    }
}

async fn take_step(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path((kind, item)): Path<(String, String)>,
    Form(f): Form<StepForm>,
) -> Response {
    let (k, i) = match parse_target(&kind, &item) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    let step = Step::parse(&f.step);
    if step.is_none() {
        errors.push(FieldMessage { field: "step".into(), message: "审查环节无效，请刷新页面".into() });
    }
    let decision = Decision::parse(&f.decision);
    if decision.is_none() {
        errors.push(FieldMessage {
            field: "decision".into(), message: "请选择审查结论（通过或退回修改）".into()
        });
    }
    let (Some(step), Some(decision)) = (step, decision) else {
        return render_view(&state, &id, k, i, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let reason = Some(f.override_reason.trim().to_owned()).filter(|r| !r.is_empty());
    let input = StepInput { step, decision, opinion: f.opinion.clone(), override_reason: reason };
    match state.svc.review_step(&id.ctx(), k, i, &input).await {
        Ok(()) => Redirect::to("/admin/review?notice=done").into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) {
                render_view(&state, &id, k, i, &f, &field_errors(&e), StatusCode::UNPROCESSABLE_ENTITY).await
            } else {
                e.into_response()
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct DashQuery {
    days: Option<i64>,
}

async fn dashboard(State(state): State<AppState>, Staff(_me, id): Staff, Query(q): Query<DashQuery>) -> Response {
    let days = q.days.unwrap_or(30).clamp(1, 366);
    let d = match state.svc.review_dashboard(&id.ctx(), days).await {
        Ok(d) => d,
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut by_kind: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut by_org: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_day: BTreeMap<i64, BTreeMap<&str, i64>> = BTreeMap::new();
    for s in &d.stats {
        let k = by_kind.entry(finding_kind_label(&s.kind)).or_default();
        k.0 += s.n;
        if s.severity == "block" {
            k.1 += s.n;
        }
        *by_org.entry(s.org_name.clone()).or_default() += s.n;
        *by_day.entry(s.day).or_default().entry(finding_kind_label(&s.kind)).or_default() += s.n;
    }
    let kind_max = by_kind.values().map(|v| v.0).max().unwrap_or(1).max(1);
    let org_max = by_org.values().copied().max().unwrap_or(1).max(1);
    let day_totals: Vec<i64> = by_day.values().map(|m| m.values().sum()).collect();
    let day_max = day_totals.iter().copied().max().unwrap_or(1).max(1);
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let kinds: Vec<Value> =
        by_kind.iter().map(|(k, (n, b))| context! { label => *k, n => *n, blocks => *b, max => kind_max }).collect();
    let orgs: Vec<Value> =
        by_org.iter().map(|(o, n)| context! { label => o.clone(), n => *n, max => org_max }).collect();
    let days_v: Vec<Value> = by_day
        .iter()
        .zip(day_totals)
        .map(|((day, m), total)| {
            let date = epoch + chrono::Days::new((*day).max(0) as u64);
            let detail = m.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join("，");
            context! { date => date.to_string(), n => total, max => day_max, detail => detail }
        })
        .collect();
    let overrides: Vec<Value> = d
        .overrides
        .iter()
        .map(|o| {
            context! {
                at => china_time(o.at), org_name => o.org_name.clone(),
                kind => o.subject_kind.clone(), kind_label => ReviewKind::parse(&o.subject_kind).map(ReviewKind::label).unwrap_or("—"),
                id => o.subject_id, kinds => o.kinds.split(',').map(finding_kind_label).collect::<Vec<_>>().join("、"),
                reason => o.reason.clone(), by => o.by_name.clone(),
            }
        })
        .collect();
    render(
        &state,
        &id,
        "admin/review_dashboard.html",
        StatusCode::OK,
        context! {
            days => days, since => d.since.to_string(), kinds => kinds, orgs => orgs, by_day => days_v,
            overrides => overrides, total => d.stats.iter().map(|s| s.n).sum::<i64>(),
        },
    )
}

/// A copy of a DOCX, XLSX or PDF attachment without metadata and comments (refused, with the
/// reason, when it still has tracked changes or hidden content).
async fn clean_copy(State(state): State<AppState>, Staff(_me, id): Staff, Path(aid): Path<String>) -> Response {
    let Ok(aid) = aid.parse::<i64>() else { return AppError::not_found().into_response() };
    let (a, path) = match state.svc.staff_attachment(&id.ctx(), aid).await {
        Ok(x) => x,
        Err(e) => return AppError::from(e).into_response(),
    };
    let result = state
        .svc
        .extraction(gongkai_extract::Limits::default().max_input, move |limits| {
            gongkai_extract::read_file(&path, limits).and_then(|b| gongkai_extract::clean(&b, limits))
        })
        .await;
    match result {
        Ok(Ok(bytes)) => {
            let name: String =
                url::form_urlencoded::byte_serialize(format!("清理后-{}", a.filename).as_bytes()).collect();
            let disposition = format!("attachment; filename*=UTF-8''{name}");
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&a.content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            resp
        }
        Ok(Err(e)) => {
            let mut err = AppError::new(ErrorCode::ValidationFailed, e.to_string());
            err.fields.push(FieldMessage { field: "file".into(), message: e.to_string() });
            err.into_response()
        }
        Err(_) => AppError::internal("clean copy task failed").into_response(),
    }
}

/// Replaces a draft's attachment with its cleaned copy.
async fn replace_with_clean(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path((doc_id, aid)): Path<(String, String)>,
) -> Response {
    let (Ok(doc_id), Ok(aid)) = (doc_id.parse::<i64>(), aid.parse::<i64>()) else {
        return AppError::not_found().into_response();
    };
    match state.svc.clean_attachment(&id.ctx(), doc_id, aid).await {
        Ok(_) => Redirect::to(&format!("/admin/documents/{doc_id}?notice=attachment-cleaned")).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// API: `GET /api/v1/reviews/{kind}/{id}` and `POST /api/v1/reviews/{kind}/{id}/steps` (staff tokens).

/// One recorded step.
#[derive(serde::Serialize)]
pub struct RecordDto {
    pub round: i64,
    pub step: String,
    pub decision: String,
    pub opinion: String,
    pub reviewer: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
}

/// One finding as stored (masked text only).
#[derive(serde::Serialize)]
pub struct StoredFindingDto {
    pub location: String,
    pub kind: String,
    pub severity: String,
    pub start: i64,
    pub end: i64,
    pub masked: String,
    pub detail: String,
}

/// The review of an item.
#[derive(serde::Serialize)]
pub struct ReviewDto {
    pub kind: &'static str,
    pub id: i64,
    pub chain: Vec<&'static str>,
    pub round: i64,
    pub under_review: bool,
    pub pending: Option<&'static str>,
    pub blocked: bool,
    pub records: Vec<RecordDto>,
    pub findings: Vec<StoredFindingDto>,
}

fn review_dto(v: &ReviewView) -> ReviewDto {
    ReviewDto {
        kind: v.subject.kind.key(),
        id: v.subject.id,
        chain: v.chain.iter().map(|s| s.key()).collect(),
        round: v.round,
        under_review: v.under_review,
        pending: v.pending.map(Step::key),
        blocked: v.blocked,
        records: v
            .records
            .iter()
            .map(|r| RecordDto {
                round: r.round,
                step: r.step.clone(),
                decision: r.decision.clone(),
                opinion: r.opinion.clone(),
                reviewer: r.reviewer_name.clone(),
                at: r.at,
            })
            .collect(),
        findings: v
            .findings
            .iter()
            .map(|f| StoredFindingDto {
                location: f.location.clone(),
                kind: f.kind.clone(),
                severity: f.severity.clone(),
                start: f.start_pos,
                end: f.end_pos,
                masked: f.masked.clone(),
                detail: f.detail.clone(),
            })
            .collect(),
    }
}

fn api_target(kind: &str, id: &str) -> Result<(ReviewKind, i64), AppError> {
    match (ReviewKind::parse(kind), id.parse::<i64>()) {
        (Some(k), Ok(i)) => Ok((k, i)),
        _ => Err(AppError::new(ErrorCode::NotFound, "审查对象不存在（类型为 edition 或 foi_reply）")),
    }
}

/// `GET /api/v1/reviews/{kind}/{id}`.
pub(crate) async fn api_view(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path((kind, item)): Path<(String, String)>,
) -> Result<Json<ReviewDto>, AppError> {
    crate::api::need_staff(&id)?;
    let (k, i) = api_target(&kind, &item)?;
    state.svc.review_screen_now(&id.ctx(), k, i).await?;
    Ok(Json(review_dto(&state.svc.review_view(&id.ctx(), k, i).await?)))
}

/// Body of `POST /api/v1/reviews/{kind}/{id}/steps`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepBody {
    step: String,
    decision: String,
    #[serde(default)]
    opinion: String,
    override_reason: Option<String>,
}

/// `POST /api/v1/reviews/{kind}/{id}/steps`.
pub(crate) async fn api_step(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path((kind, item)): Path<(String, String)>,
    _staff: crate::api::ApiStaff,
    crate::api::AppJson(b): crate::api::AppJson<StepBody>,
) -> Result<Json<ReviewDto>, AppError> {
    crate::api::need_staff(&id)?;
    let (k, i) = api_target(&kind, &item)?;
    let bad = |field: &str, message: &str| {
        let mut e = AppError::new(ErrorCode::ValidationFailed, message.to_owned());
        e.fields.push(FieldMessage { field: field.into(), message: message.into() });
        e
    };
    let step = Step::parse(&b.step).ok_or_else(|| bad("step", "审查环节应为 secrecy、legal 或 signoff"))?;
    let decision = Decision::parse(&b.decision).ok_or_else(|| bad("decision", "审查结论应为 approve 或 return"))?;
    let input = StepInput {
        step,
        decision,
        opinion: b.opinion,
        override_reason: b.override_reason.filter(|r| !r.trim().is_empty()),
    };
    state.svc.review_step(&id.ctx(), k, i, &input).await?;
    Ok(Json(review_dto(&state.svc.review_view(&id.ctx(), k, i).await?)))
}
