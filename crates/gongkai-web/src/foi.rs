//! Disclosure on application (依申请公开) over HTTP: the public application form, receipt and tracking
//! pages (`/foi…`), the console's workflow and annual report (`/admin/foi…`), and the JSON API
//! (`/api/v1/applications…`, `/api/v1/reports/annual`, routed from `api.rs`).
//!
//! Public pages never show anything about the applicant beyond the tracking code's status and dates.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use chrono::{Datelike, NaiveDate};
use gongkai_service::domain::foi::clock::Stage;
use gongkai_service::domain::foi::{
    ApplicantType, ApplicationInput, CaseKind, CaseResult, Channel, DELIVERIES, FORMS, ID_TYPES, Outcome, REMEDY,
    ReplyDraft, china_day, mask_id, reply_template,
};
use gongkai_service::{FeeBasis, FoiAction, FoiReportInputs, FoiTracking, foi_event_label};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::admin::{Staff, field_errors, ser};
use crate::api::AppJson;
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::foi_report::{report_csv, report_json, report_value, report_xlsx};
use crate::identity::Identity;
use crate::templates::page;

/// Public and console routes (the API routes are in `api.rs`).
pub fn routes() -> Router<AppState> {
    let console = Router::new()
        .route("/admin/foi", get(staff_list))
        .route("/admin/foi/new", get(register_form).post(register))
        .route("/admin/foi/report", get(report_page).post(report_inputs))
        .route("/admin/foi/tools", get(tools_page))
        .route("/admin/foi/stats", get(crate::foi_stats::stats_page))
        .route("/admin/foi/calendar", post(calendar_add))
        .route("/admin/foi/calendar/{adj}/delete", post(calendar_delete))
        .route("/admin/foi/proactive", post(proactive_decide))
        .route("/admin/foi/{id}", get(staff_view))
        .route("/admin/foi/{id}/act/{action}", post(staff_act));
    Router::new()
        .route("/foi", get(apply_form).post(apply))
        .route("/foi/track", get(track_page))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .merge(console)
}

pub(crate) fn render(state: &AppState, id: &Identity, name: &str, status: StatusCode, ctx: Value) -> Response {
    match page(state, id, name, ctx) {
        Ok(h) => (status, h).into_response(),
        Err(e) => e.into_response(),
    }
}

fn options(list: &[(&str, &str)]) -> Vec<Value> {
    list.iter().map(|(k, l)| context! { key => *k, label => *l }).collect()
}

fn applicant_types() -> Vec<Value> {
    ApplicantType::ALL.iter().map(|t| context! { key => t.key(), label => t.label() }).collect()
}

/// The fields of Art. 29 as a form (public, staff registration).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct ApplicationForm {
    org: String,
    applicant_type: String,
    name: String,
    id_type: String,
    id_number: String,
    contact_person: String,
    phone: String,
    email: String,
    address: String,
    postcode: String,
    info_title: String,
    info_number: String,
    description: String,
    form: String,
    delivery: String,
    purpose: String,
    /// Staff registration only.
    channel: String,
    received_on: String,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl ApplicationForm {
    fn input(&self) -> ApplicationInput {
        ApplicationInput {
            applicant_type: self.applicant_type.clone(),
            name: self.name.clone(),
            id_type: self.id_type.clone(),
            id_number: self.id_number.clone(),
            contact_person: non_empty(&self.contact_person),
            phone: self.phone.clone(),
            email: non_empty(&self.email),
            address: non_empty(&self.address),
            postcode: non_empty(&self.postcode),
            info_title: non_empty(&self.info_title),
            info_number: non_empty(&self.info_number),
            description: self.description.clone(),
            form: self.form.clone(),
            delivery: self.delivery.clone(),
            purpose: non_empty(&self.purpose),
        }
    }
}

pub(crate) async fn org_options(state: &AppState) -> Vec<Value> {
    state
        .svc
        .list_orgs(None)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| context! { key => o.code, label => o.name })
        .collect()
}

async fn form_context(state: &AppState, f: &ApplicationForm, errors: &[FieldMessage]) -> Value {
    context! {
        form => ser(f),
        errors => ser(errors),
        orgs => org_options(state).await,
        applicant_types => applicant_types(),
        id_types => options(&ID_TYPES),
        forms => options(&FORMS),
        deliveries => options(&DELIVERIES),
        channels => Channel::ALL.iter().map(|c| context! { key => c.key(), label => c.label(), rule => c.receipt_rule() }).collect::<Vec<_>>(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgQuery {
    org: Option<String>,
}

/// `GET /foi`: the application form (Art. 29), for natural persons and organisations.
async fn apply_form(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<OrgQuery>,
) -> Response {
    let f = ApplicationForm { org: q.org.unwrap_or_default(), ..Default::default() };
    let ctx = form_context(&state, &f, &[]).await;
    render(&state, &id, "public/foi_form.html", StatusCode::OK, ctx)
}

/// `POST /foi`: submits; the receipt page shows the tracking code once.
async fn apply(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Form(f): Form<ApplicationForm>,
) -> Response {
    match state.svc.foi_submit(&id.ctx(), &f.org, &f.input()).await {
        Ok(r) => render(
            &state,
            &id,
            "public/foi_receipt.html",
            StatusCode::OK,
            context! { code => r.tracking_code, org_name => r.org_name, submitted_on => r.submitted_on.to_string() },
        ),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::RateLimited) {
                let errors = field_errors(&e);
                let status = e.code.status();
                let ctx = form_context(&state, &f, &errors).await;
                render(&state, &id, "public/foi_form.html", status, ctx)
            } else {
                e.into_response()
            }
        }
    }
}

fn tracking_value(t: &FoiTracking) -> Value {
    context! {
        code => t.tracking_code.clone(),
        org_name => t.org_name.clone(),
        stage => t.stage.label(),
        closed => t.stage == Stage::Closed,
        submitted_on => t.submitted_on.to_string(),
        received_on => t.received_on.map(|d| d.to_string()),
        due_on => t.due_on.map(|d| d.to_string()),
        due_provisional => t.due_provisional,
        extension_days => t.extension_days,
        applicant_deadline => t.applicant_deadline.map(|d| d.to_string()),
        closed_on => t.closed_on.map(|d| d.to_string()),
        outcome => t.outcome.map(|o| o.label()),
        steps => t.steps.iter().map(|(d, s)| context! { on => d.to_string(), step => s.clone() }).collect::<Vec<_>>(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrackQuery {
    code: Option<String>,
}

/// `GET /foi/track?code=…`: status, dates and deadline of an application; nothing about the applicant.
async fn track_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<TrackQuery>,
) -> Response {
    let code = q.code.unwrap_or_default();
    if code.trim().is_empty() {
        return render(&state, &id, "public/foi_track.html", StatusCode::OK, context! { code => "" });
    }
    match state.svc.foi_track(&code).await {
        Ok(t) => {
            render(&state, &id, "public/foi_track.html", StatusCode::OK, context! { code, t => tracking_value(&t) })
        }
        Err(e) => {
            let e = AppError::from(e);
            let errors = vec![FieldMessage { field: "code".into(), message: e.message.clone() }];
            render(&state, &id, "public/foi_track.html", e.code.status(), context! { code, errors => ser(errors) })
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    org: Option<String>,
    all: Option<String>,
    overdue: Option<String>,
    notice: Option<String>,
}

pub(crate) fn default_org(me: &gongkai_service::AuthUser) -> String {
    me.grants.iter().min_by_key(|g| g.org_path.len()).map(|g| g.org_code.clone()).unwrap_or_default()
}

/// `GET /admin/foi`: applications of a subtree, most urgent first.
async fn staff_list(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<ListQuery>) -> Response {
    let org = q.org.clone().filter(|o| !o.trim().is_empty()).unwrap_or_else(|| default_org(&me));
    let open_only = q.all.is_none();
    let overdue = q.overdue.is_some();
    let items = match state.svc.foi_list(&id.ctx(), &org, open_only, overdue, 200, 0).await {
        Ok(i) => i,
        Err(e) => return AppError::from(e).into_response(),
    };
    let rows: Vec<Value> = items
        .iter()
        .map(|i| {
            context! {
                id => i.row.id,
                code => i.row.tracking_code.clone(),
                org_name => i.org_name.clone(),
                applicant => i.row.applicant_name.clone(),
                applicant_type => ApplicantType::parse(&i.row.applicant_type).map(|t| t.label()),
                stage => Stage::parse(&i.row.stage).map(|s| s.label()),
                received_on => i.row.received_on.map(|d| d.to_string()),
                due_on => i.row.due_on.map(|d| d.to_string()),
                provisional => i.row.due_provisional,
                urgency => i.urgency.map(|u| u.key()),
                urgency_label => i.urgency.map(|u| u.label()),
            }
        })
        .collect();
    let notice = match q.notice.as_deref() {
        Some("registered") => Some("申请已登记。"),
        _ => None,
    };
    render(
        &state,
        &id,
        "admin/foi_list.html",
        StatusCode::OK,
        context! { org, rows, open_only, overdue, notice, orgs => org_options(&state).await },
    )
}

async fn register_form(State(state): State<AppState>, Staff(me, id): Staff) -> Response {
    let f = ApplicationForm {
        org: default_org(&me),
        channel: "in_person".into(),
        received_on: china_day(state.svc.now_ms()).to_string(),
        ..Default::default()
    };
    let ctx = form_context(&state, &f, &[]).await;
    render(&state, &id, "admin/foi_register.html", StatusCode::OK, ctx)
}

fn parse_day(field: &str, s: &str) -> Result<Option<NaiveDate>, FieldMessage> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| FieldMessage {
            field: field.into(), message: format!("日期“{s}”无效，应为 YYYY-MM-DD")
        })
}

/// `POST /admin/foi/new`: registers a paper, post, in-person, fax, email or oral application.
async fn register(State(state): State<AppState>, Staff(_me, id): Staff, Form(f): Form<ApplicationForm>) -> Response {
    let received = match parse_day("received_on", &f.received_on) {
        Ok(d) => d,
        Err(e) => {
            let ctx = form_context(&state, &f, &[e]).await;
            return render(&state, &id, "admin/foi_register.html", StatusCode::UNPROCESSABLE_ENTITY, ctx);
        }
    };
    match state.svc.foi_register(&id.ctx(), &f.org, &f.channel, &f.input(), received).await {
        Ok(r) => Redirect::to(&format!("/admin/foi/{}?notice=registered", r.id)).into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) {
                let ctx = form_context(&state, &f, &field_errors(&e)).await;
                render(&state, &id, "admin/foi_register.html", StatusCode::UNPROCESSABLE_ENTITY, ctx)
            } else {
                e.into_response()
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ViewQuery {
    notice: Option<String>,
    outcome: Option<String>,
}

async fn view_page(
    state: &AppState,
    id: &Identity,
    app: i64,
    q: &ViewQuery,
    errors: &[FieldMessage],
    status: StatusCode,
) -> Response {
    let v = match state.svc.foi_view(&id.ctx(), app).await {
        Ok(v) => v,
        Err(e) => return AppError::from(e).into_response(),
    };
    let r = &v.row;
    let draft = match (&r.reply_outcome, q.outcome.as_deref().and_then(Outcome::parse)) {
        (_, Some(o)) => reply_template(o),
        (Some(o), None) => ReplyDraft {
            outcome: o.clone(),
            body: r.reply_body.clone().unwrap_or_default(),
            reason: r.reply_reason.clone(),
            legal_basis: r.reply_legal_basis.clone().unwrap_or_default(),
            remedy: r.reply_remedy.clone().unwrap_or_else(|| REMEDY.into()),
        },
        (None, None) => reply_template(Outcome::Granted),
    };
    let today = china_day(state.svc.now_ms()).to_string();
    let ctx = context! {
        id => r.id,
        code => r.tracking_code.clone(),
        org_name => v.org.name.clone(),
        stage => Stage::parse(&r.stage).map(|s| s.label()),
        stage_key => r.stage.clone(),
        channel => Channel::parse(&r.channel).map(|c| c.label()),
        receipt_rule => Channel::parse(&r.channel).map(|c| c.receipt_rule()),
        applicant_type => ApplicantType::parse(&r.applicant_type).map(|t| t.label()),
        applicant => r.applicant_name.clone(),
        id_type => ID_TYPES.iter().find(|(k, _)| *k == r.id_type).map(|(_, l)| *l),
        id_masked => mask_id(&r.id_number),
        contact_person => r.contact_person.clone(),
        phone => r.phone.clone(),
        email => r.email.clone(),
        address => r.address.clone(),
        info_title => r.info_title.clone(),
        info_number => r.info_number.clone(),
        description => r.description.clone(),
        form_label => FORMS.iter().find(|(k, _)| *k == r.form).map(|(_, l)| *l),
        delivery_label => DELIVERIES.iter().find(|(k, _)| *k == r.delivery).map(|(_, l)| *l),
        due_on => v.clock.due_on().map(|d| d.to_string()),
        urgency => v.urgency.map(|u| u.key()),
        urgency_label => v.urgency.map(|u| u.label()),
        explanation => v.clock.explanation.clone(),
        fee_hint => v.fee_if_items.1.clone(),
        events => v.events.iter().map(|e| context! {
            on => e.on_day.to_string(), label => foi_event_label(&e.kind), days => e.days,
            deadline => e.deadline.map(|d| d.to_string()), party => e.party.clone(), note => e.note.clone(),
            amount => e.amount_yuan,
        }).collect::<Vec<_>>(),
        cases => v.cases.iter().map(|c| context! {
            id => c.id, kind => CaseKind::parse(&c.kind).map(|k| k.label()), filed_on => c.filed_on.to_string(),
            result => CaseResult::parse(&c.result).map(|r| r.label()), decided_on => c.decided_on.map(|d| d.to_string()),
        }).collect::<Vec<_>>(),
        assignee => v.assignee.clone(),
        reply_state => r.reply_state.clone(),
        draft => context! { outcome => draft.outcome, body => draft.body, reason => draft.reason, legal_basis => draft.legal_basis, remedy => draft.remedy },
        outcomes => Outcome::ALL.iter().filter(|o| !matches!(o, Outcome::NoCorrection | Outcome::NoFee)).map(|o| context! { key => o.key(), label => o.label() }).collect::<Vec<_>>(),
        case_kinds => CaseKind::ALL.iter().map(|k| context! { key => k.key(), label => k.label() }).collect::<Vec<_>>(),
        case_results => CaseResult::ALL.iter().map(|k| context! { key => k.key(), label => k.label() }).collect::<Vec<_>>(),
        today,
        errors => ser(errors),
        notice => q.notice.as_deref().map(|n| match n { "registered" => "申请已登记。", _ => "已保存。" }),
    };
    render(state, id, "admin/foi.html", status, ctx)
}

async fn staff_view(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(app): Path<i64>,
    Query(q): Query<ViewQuery>,
) -> Response {
    view_page(&state, &id, app, &q, &[], StatusCode::OK).await
}

/// Every field any console action form may send.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ActForm {
    on: String,
    deadline: String,
    days: String,
    reason: String,
    items: String,
    party: String,
    fee_method: String,
    quantity: String,
    outcome: String,
    body: String,
    legal_basis: String,
    remedy: String,
    method: String,
    assignee: String,
    kind: String,
    case_id: String,
    result: String,
    note: String,
}

fn int(field: &str, s: &str) -> Result<i64, FieldMessage> {
    s.trim().parse().map_err(|_| FieldMessage { field: field.into(), message: "请填写整数".into() })
}

fn day(field: &str, s: &str) -> Result<NaiveDate, FieldMessage> {
    parse_day(field, s)?.ok_or_else(|| FieldMessage { field: field.into(), message: "请填写日期".into() })
}

async fn run_action(state: &AppState, id: &Identity, app: i64, action: &str, f: &ActForm) -> Result<(), AppError> {
    let ctx = id.ctx();
    let bad = |m: FieldMessage| {
        let mut e = AppError::new(ErrorCode::ValidationFailed, m.message.clone());
        e.fields.push(m);
        e
    };
    let on = || day("on", &f.on).map_err(bad);
    let clock_action = match action {
        "confirm" => Some(FoiAction::ConfirmReceipt { on: on()? }),
        "correction" => Some(FoiAction::RequestCorrection {
            on: on()?,
            deadline: parse_day("deadline", &f.deadline).map_err(bad)?,
            items: f.items.clone(),
        }),
        "corrected" => Some(FoiAction::CorrectionReceived { on: on()? }),
        "extend" => {
            let days = u32::try_from(int("days", &f.days).map_err(bad)?).map_err(|_| {
                bad(FieldMessage { field: "days".into(), message: "延长的期限应为1至20个工作日".into() })
            })?;
            Some(FoiAction::Extend { on: on()?, days, reason: f.reason.clone() })
        }
        "consult" => Some(FoiAction::StartConsultation { on: on()?, party: f.party.clone() }),
        "consulted" => Some(FoiAction::EndConsultation { on: on()? }),
        "fee" => Some(FoiAction::FeeNotice {
            on: on()?,
            basis: FeeBasis::parse(&f.fee_method, &f.quantity)?,
            deadline: parse_day("deadline", &f.deadline).map_err(bad)?,
        }),
        "paid" => Some(FoiAction::FeePaid { on: on()? }),
        "lapse" => Some(FoiAction::CloseLapsed { on: on()?, outcome: f.outcome.clone() }),
        _ => None,
    };
    if let Some(a) = clock_action {
        state.svc.foi_act(&ctx, app, &a).await?;
        return Ok(());
    }
    match action {
        "assign" => state.svc.foi_assign(&ctx, app, Some(&f.assignee)).await?,
        "draft" => {
            let d = ReplyDraft {
                outcome: f.outcome.clone(),
                body: f.body.clone(),
                reason: non_empty(&f.reason),
                legal_basis: f.legal_basis.clone(),
                remedy: f.remedy.clone(),
            };
            state.svc.foi_draft_reply(&ctx, app, &d).await?
        }
        "approve" => state.svc.foi_approve_reply(&ctx, app).await?,
        "send" => {
            state.svc.foi_send_reply(&ctx, app, on()?, &f.method).await?;
        }
        "case" => {
            state.svc.foi_add_case(&ctx, app, &f.kind, on()?, non_empty(&f.note).as_deref()).await?;
        }
        "decide" => {
            let case = int("case_id", &f.case_id).map_err(bad)?;
            state.svc.foi_decide_case(&ctx, app, case, &f.result, parse_day("on", &f.on).map_err(bad)?).await?
        }
        _ => return Err(AppError::not_found()),
    }
    Ok(())
}

/// `POST /admin/foi/{id}/act/{action}`: one workflow step; errors re-render the page with the field named.
async fn staff_act(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path((app, action)): Path<(i64, String)>,
    Form(f): Form<ActForm>,
) -> Response {
    match run_action(&state, &id, app, &action, &f).await {
        Ok(()) => Redirect::to(&format!("/admin/foi/{app}?notice={action}")).into_response(),
        Err(e) if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict | ErrorCode::Forbidden) => {
            let status = e.code.status();
            view_page(&state, &id, app, &ViewQuery::default(), &field_errors(&e), status).await
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReportQuery {
    org: Option<String>,
    year: Option<String>,
    subtree: Option<String>,
    format: Option<String>,
}

/// `GET /admin/foi/report`: the annual report as HTML, or `format=csv|xlsx|json` as a download.
async fn report_page(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<ReportQuery>) -> Response {
    let org = q.org.clone().filter(|o| !o.trim().is_empty()).unwrap_or_else(|| default_org(&me));
    let this_year = china_day(state.svc.now_ms()).year();
    let year_text = q.year.clone().unwrap_or_else(|| (this_year - 1).to_string());
    let subtree = q.subtree.is_some();
    let base = context! { org => org.clone(), year => year_text.clone(), subtree, orgs => org_options(&state).await };
    let Ok(year) = year_text.trim().parse::<i32>() else {
        let errors = vec![FieldMessage { field: "year".into(), message: "年度应为四位数字".into() }];
        return render(
            &state,
            &id,
            "admin/foi_report.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors => ser(errors), ..base },
        );
    };
    let report = match state.svc.foi_annual_report(&id.ctx(), &org, year, subtree).await {
        Ok(r) => r,
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) {
                let status = e.code.status();
                return render(
                    &state,
                    &id,
                    "admin/foi_report.html",
                    status,
                    context! { errors => ser(field_errors(&e)), ..base },
                );
            }
            return e.into_response();
        }
    };
    let file = format!("foi-report-{org}-{year}");
    let download = |ct: &'static str, ext: &str, body: Vec<u8>| {
        (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"{file}.{ext}\""))
                        .unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            body,
        )
            .into_response()
    };
    match q.format.as_deref() {
        Some("json") => Json(report_json(&report)).into_response(),
        Some("csv") => match report_csv(&report) {
            Ok(b) => download("text/csv; charset=utf-8", "csv", b),
            Err(e) => AppError::internal(e).into_response(),
        },
        Some("xlsx") => match report_xlsx(&report) {
            Ok(b) => download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", b),
            Err(e) => AppError::internal(e).into_response(),
        },
        _ => render(
            &state,
            &id,
            "admin/foi_report.html",
            StatusCode::OK,
            context! { r => report_value(&report), ..base },
        ),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InputsForm {
    org: String,
    year: String,
    subtree: String,
    overview: String,
    problems: String,
    other_matters: String,
    licensing: String,
    punishment: String,
    enforcement: String,
    fees_wan_yuan: String,
}

/// `POST /admin/foi/report`: saves the staff-entered rows of table 2 and the prose sections.
async fn report_inputs(State(state): State<AppState>, Staff(_me, id): Staff, Form(f): Form<InputsForm>) -> Response {
    let mut errors = Vec::new();
    let mut count = |field: &str, v: &str| -> Option<i64> {
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldMessage { field: field.into(), message: "请填写非负整数".into() });
                None
            }
        }
    };
    let inputs = FoiReportInputs {
        overview: f.overview.trim().to_owned(),
        problems: f.problems.trim().to_owned(),
        other_matters: f.other_matters.trim().to_owned(),
        licensing: count("licensing", &f.licensing),
        punishment: count("punishment", &f.punishment),
        enforcement: count("enforcement", &f.enforcement),
        fees_wan_yuan: non_empty(&f.fees_wan_yuan),
    };
    let year = f.year.trim().parse::<i32>();
    if year.is_err() {
        errors.push(FieldMessage { field: "year".into(), message: "年度应为四位数字".into() });
    }
    let result = match (errors.is_empty(), year) {
        (true, Ok(y)) => state.svc.foi_save_report_inputs(&id.ctx(), &f.org, y, &inputs).await.map_err(AppError::from),
        _ => {
            let mut e = AppError::new(ErrorCode::ValidationFailed, "报告内容有误");
            e.fields = errors;
            Err(e)
        }
    };
    match result {
        Ok(()) => {
            let sub = if f.subtree.is_empty() { "" } else { "&subtree=1" };
            Redirect::to(&format!("/admin/foi/report?org={}&year={}{sub}", url_enc(&f.org), f.year.trim()))
                .into_response()
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let ctx = context! { org => f.org.clone(), year => f.year.clone(), subtree => !f.subtree.is_empty(), orgs => org_options(&state).await, errors => ser(field_errors(&e)) };
            render(&state, &id, "admin/foi_report.html", StatusCode::UNPROCESSABLE_ENTITY, ctx)
        }
        Err(e) => e.into_response(),
    }
}

fn url_enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn tools_context(state: &AppState, id: &Identity, org: &str) -> Value {
    let adjustments = state.svc.calendar_adjustments().await.unwrap_or_default();
    let groups = state.svc.foi_proactive_candidates(&id.ctx(), org, 2).await.unwrap_or_default();
    context! {
        org => org,
        orgs => org_options(state).await,
        adjustments => adjustments.iter().map(|a| context! {
            id => a.id, region => a.region.clone(), day => a.day.to_string(), workday => a.workday,
            name => a.name.clone(), source => a.source_document.clone(),
        }).collect::<Vec<_>>(),
        groups => groups.iter().map(|g| context! {
            topic_key => g.topic_key.clone(), applications => g.applications, applicants => g.applicants,
            sample => g.sample.clone(), decision => g.decision.clone(),
        }).collect::<Vec<_>>(),
    }
}

/// `GET /admin/foi/tools`: calendar adjustments (系统管理员) and Art. 44 candidates for proactive disclosure.
async fn tools_page(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<ListQuery>) -> Response {
    let org = q.org.clone().filter(|o| !o.trim().is_empty()).unwrap_or_else(|| default_org(&me));
    let mut ctx = tools_context(&state, &id, &org).await;
    if let Some(n) = q.notice.as_deref() {
        let msg = match n {
            "calendar" => "工作日历已调整，未办结申请的答复期限已重新计算。",
            "decided" => "已记录主动公开决定。",
            _ => "已保存。",
        };
        ctx = context! { notice => msg, ..ctx };
    }
    render(&state, &id, "admin/foi_tools.html", StatusCode::OK, ctx)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CalendarForm {
    region: String,
    day: String,
    workday: String,
    name: String,
    source_document: String,
}

async fn calendar_add(State(state): State<AppState>, Staff(me, id): Staff, Form(f): Form<CalendarForm>) -> Response {
    let result = match parse_day("day", &f.day) {
        Ok(Some(d)) => state
            .svc
            .calendar_adjust(&id.ctx(), &f.region, d, f.workday == "on", &f.name, &f.source_document)
            .await
            .map_err(AppError::from),
        Ok(None) => Err(field_app_error(FieldMessage { field: "day".into(), message: "请填写日期".into() })),
        Err(m) => Err(field_app_error(m)),
    };
    match result {
        Ok(_) => Redirect::to("/admin/foi/tools?notice=calendar").into_response(),
        Err(e) if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Forbidden) => {
            let status = e.code.status();
            let ctx = tools_context(&state, &id, &default_org(&me)).await;
            render(&state, &id, "admin/foi_tools.html", status, context! { errors => ser(field_errors(&e)), ..ctx })
        }
        Err(e) => e.into_response(),
    }
}

fn field_app_error(m: FieldMessage) -> AppError {
    let mut e = AppError::new(ErrorCode::ValidationFailed, m.message.clone());
    e.fields.push(m);
    e
}

async fn calendar_delete(State(state): State<AppState>, Staff(_me, id): Staff, Path(adj): Path<i64>) -> Response {
    match state.svc.calendar_remove(&id.ctx(), adj).await {
        Ok(_) => Redirect::to("/admin/foi/tools?notice=calendar").into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProactiveForm {
    org: String,
    topic_key: String,
    decision: String,
    note: String,
}

async fn proactive_decide(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Form(f): Form<ProactiveForm>,
) -> Response {
    let disclose = f.decision == "disclose";
    match state.svc.foi_proactive_decide(&id.ctx(), &f.org, &f.topic_key, disclose, non_empty(&f.note).as_deref()).await
    {
        Ok(()) => Redirect::to(&format!("/admin/foi/tools?org={}&notice=decided", url_enc(&f.org))).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

// ----- JSON API (routed in api.rs) -----

/// `POST /api/v1/applications` body: the Art. 29 fields and the organisation's code.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    org: String,
    applicant_type: String,
    name: String,
    id_type: String,
    id_number: String,
    #[serde(default)]
    contact_person: Option<String>,
    phone: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    postcode: Option<String>,
    #[serde(default)]
    info_title: Option<String>,
    #[serde(default)]
    info_number: Option<String>,
    description: String,
    form: String,
    delivery: String,
    #[serde(default)]
    purpose: Option<String>,
    /// Staff registration: the channel and the receipt date.
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    received_on: Option<NaiveDate>,
}

#[derive(Serialize)]
pub struct ReceiptDto {
    id: Option<i64>,
    tracking_code: String,
    org_name: String,
    submitted_on: String,
    track_url: String,
}

#[derive(Serialize)]
pub struct TrackingDto {
    tracking_code: String,
    org_name: String,
    stage: &'static str,
    stage_label: &'static str,
    submitted_on: NaiveDate,
    received_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    due_provisional: bool,
    extension_days: i64,
    applicant_deadline: Option<NaiveDate>,
    closed_on: Option<NaiveDate>,
    outcome: Option<&'static str>,
}

/// `POST /api/v1/applications`: anonymous callers submit online; staff (token or session) with a
/// `channel` register an application received another way.
pub async fn api_submit(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    AppJson(b): AppJson<ApplicationBody>,
) -> Result<Response, AppError> {
    let input = ApplicationInput {
        applicant_type: b.applicant_type,
        name: b.name,
        id_type: b.id_type,
        id_number: b.id_number,
        contact_person: b.contact_person,
        phone: b.phone,
        email: b.email,
        address: b.address,
        postcode: b.postcode,
        info_title: b.info_title,
        info_number: b.info_number,
        description: b.description,
        form: b.form,
        delivery: b.delivery,
        purpose: b.purpose,
    };
    let staff = id.staff().is_some();
    let r = match (&b.channel, staff) {
        (Some(ch), true) => state.svc.foi_register(&id.ctx(), &b.org, ch, &input, b.received_on).await?,
        (Some(_), false) => {
            return Err(AppError::new(ErrorCode::Unauthenticated, "登记其他渠道的申请须使用 API 令牌或登录。"));
        }
        (None, _) => state.svc.foi_submit(&id.ctx(), &b.org, &input).await?,
    };
    let dto = ReceiptDto {
        id: staff.then_some(r.id),
        track_url: format!("/foi/track?code={}", r.tracking_code),
        tracking_code: r.tracking_code,
        org_name: r.org_name,
        submitted_on: r.submitted_on.to_string(),
    };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

/// `GET /api/v1/applications/status/{code}`: the public tracking view.
pub async fn api_track(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<TrackingDto>, AppError> {
    let t = state.svc.foi_track(&code).await?;
    Ok(Json(TrackingDto {
        tracking_code: t.tracking_code,
        org_name: t.org_name,
        stage: t.stage.key(),
        stage_label: t.stage.label(),
        submitted_on: t.submitted_on,
        received_on: t.received_on,
        due_on: t.due_on,
        due_provisional: t.due_provisional,
        extension_days: t.extension_days,
        applicant_deadline: t.applicant_deadline,
        closed_on: t.closed_on,
        outcome: t.outcome.map(|o| o.key()),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApiListQuery {
    org: String,
    all: bool,
    overdue: bool,
}

#[derive(Serialize)]
pub struct ApplicationDto {
    id: i64,
    tracking_code: String,
    org_name: String,
    applicant_type: String,
    channel: String,
    stage: String,
    received_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    due_provisional: bool,
    closed_on: Option<NaiveDate>,
    outcome: Option<String>,
    urgency: Option<&'static str>,
}

#[derive(Serialize)]
pub struct ApplicationList {
    items: Vec<ApplicationDto>,
}

pub(crate) fn require_staff(id: &Identity) -> Result<(), AppError> {
    if id.staff().is_none() {
        return Err(AppError::new(ErrorCode::Unauthenticated, "请使用 API 令牌或登录后再访问。"));
    }
    Ok(())
}

/// `GET /api/v1/applications?org=CODE`: staff list of a subtree (no personal data in the list).
pub async fn api_list(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<ApiListQuery>,
) -> Result<Json<ApplicationList>, AppError> {
    require_staff(&id)?;
    let items = state.svc.foi_list(&id.ctx(), &q.org, !q.all, q.overdue, 500, 0).await?;
    Ok(Json(ApplicationList {
        items: items
            .into_iter()
            .map(|i| ApplicationDto {
                id: i.row.id,
                tracking_code: i.row.tracking_code,
                org_name: i.org_name,
                applicant_type: i.row.applicant_type,
                channel: i.row.channel,
                stage: i.row.stage,
                received_on: i.row.received_on,
                due_on: i.row.due_on,
                due_provisional: i.row.due_provisional,
                closed_on: i.row.closed_on,
                outcome: i.row.outcome,
                urgency: i.urgency.map(|u| u.key()),
            })
            .collect(),
    }))
}

/// `POST /api/v1/applications/{id}/actions` body: `{"action": …, "on": "YYYY-MM-DD", …}` with the
/// fields of the console's action forms.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ActionBody {
    action: String,
    on: String,
    deadline: String,
    days: Option<i64>,
    reason: String,
    items: String,
    party: String,
    /// `items` (按件) or `pages` (按量) for a fee notice.
    fee_method: String,
    /// 件数 or 页数 for a fee notice.
    quantity: Option<i64>,
    outcome: String,
    body: String,
    legal_basis: String,
    remedy: String,
    method: String,
    assignee: String,
    kind: String,
    case_id: Option<i64>,
    result: String,
    note: String,
}

#[derive(Serialize)]
pub struct ClockDto {
    id: i64,
    stage: String,
    received_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    due_provisional: bool,
    closed_on: Option<NaiveDate>,
    outcome: Option<String>,
    reply_state: String,
    explanation: Vec<String>,
}

/// `POST /api/v1/applications/{id}/actions`: one workflow step (confirm, correction, corrected, extend,
/// consult, consulted, fee, paid, lapse, assign, draft, approve, send, case, decide).
pub async fn api_act(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(app): Path<i64>,
    AppJson(b): AppJson<ActionBody>,
) -> Result<Json<ClockDto>, AppError> {
    require_staff(&id)?;
    let f = ActForm {
        on: b.on,
        deadline: b.deadline,
        days: b.days.map(|d| d.to_string()).unwrap_or_default(),
        reason: b.reason,
        items: b.items,
        party: b.party,
        fee_method: b.fee_method,
        quantity: b.quantity.map(|d| d.to_string()).unwrap_or_default(),
        outcome: b.outcome,
        body: b.body,
        legal_basis: b.legal_basis,
        remedy: b.remedy,
        method: b.method,
        assignee: b.assignee,
        kind: b.kind,
        case_id: b.case_id.map(|d| d.to_string()).unwrap_or_default(),
        result: b.result,
        note: b.note,
    };
    run_action(&state, &id, app, b.action.trim(), &f).await?;
    let v = state.svc.foi_view(&id.ctx(), app).await?;
    Ok(Json(ClockDto {
        id: app,
        stage: v.row.stage,
        received_on: v.row.received_on,
        due_on: v.row.due_on,
        due_provisional: v.row.due_provisional,
        closed_on: v.row.closed_on,
        outcome: v.row.outcome,
        reply_state: v.row.reply_state,
        explanation: v.clock.explanation,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApiReportQuery {
    org: String,
    year: i32,
    subtree: bool,
}

/// `GET /api/v1/reports/annual?org=CODE&year=YYYY[&subtree=true]`: the report as JSON.
pub async fn api_report(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<ApiReportQuery>,
) -> Result<Json<serde_json::Value>, AppError> {
    require_staff(&id)?;
    let r = state.svc.foi_annual_report(&id.ctx(), &q.org, q.year, q.subtree).await?;
    Ok(Json(report_json(&r)))
}
