//! The policy Q&A knowledge base on the web (政策问答): the public list with 热点问题, one item's
//! page, related items on document pages, `/api/v1/qa…`, and the export row shared with
//! `gongkai export qa` (the 12345 hotline format, documented in `docs/12345-export.md`).

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::NaiveDate;
use gongkai_service::QaItem;
use gongkai_service::domain::qa::QaState;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::admin::{Staff, field_errors, ser};
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::identity::Identity;
use crate::params::{invalid, number};
use crate::templates::page;

/// Public routes.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/qa", get(list_page)).route("/qa/{id}", get(item_page))
}

/// Console routes: the staff list (stale items first to review), the new-item form and the
/// workflow actions.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/qa", get(admin_list).post(admin_create))
        .route("/admin/qa/{id}/action/{event}", axum::routing::post(admin_action))
}

/// API routes, nested under `/api/v1`.
pub fn api_routes() -> Router<AppState> {
    Router::new().route("/qa", get(api_list)).route("/qa/export", get(api_export)).route("/qa/{id}", get(api_get))
}

/// The columns of the CSV and XLSX exports, in order.
pub const QA_COLUMNS: [&str; 16] = [
    "id",
    "op",
    "state",
    "stale",
    "question",
    "answer",
    "category",
    "tags",
    "audience",
    "region",
    "org_code",
    "org_name",
    "sources",
    "valid_from",
    "valid_to",
    "updated_at",
];

#[derive(Serialize)]
pub struct SourceOut {
    pub document_id: i64,
    pub title: String,
    /// 第十二条, or empty for the whole document.
    pub anchor: String,
    pub url: String,
}

/// One exported item (a JSON line; the CSV/XLSX row has the same fields, sources joined).
#[derive(Serialize)]
pub struct QaOut {
    pub id: String,
    pub external_id: Option<String>,
    pub op: &'static str,
    pub state: &'static str,
    pub stale: bool,
    pub question: String,
    pub answer: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub audience: Option<String>,
    pub region: Option<String>,
    pub org_code: String,
    pub org_name: String,
    pub sources: Vec<SourceOut>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// RFC 3339 in China time.
    pub updated_at: String,
    pub url: String,
}

fn china_time(ms: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else { return String::new() };
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(o) => t.with_timezone(&o).to_rfc3339(),
        None => t.to_rfc3339(),
    }
}

pub fn qa_row(it: &QaItem, org_code: String, org_name: String, today: NaiveDate) -> QaOut {
    let current = it.state == QaState::Published
        && !it.stale
        && it.fields.valid_from.is_none_or(|f| f <= today)
        && it.fields.valid_to.is_none_or(|t| t >= today);
    // An item under revision goes out as a removal without its unreviewed text.
    let revising = matches!(it.state, QaState::Draft | QaState::Review);
    QaOut {
        id: format!("gk-qa-{}", it.id),
        external_id: it.external_id.clone(),
        op: if current { "upsert" } else { "delete" },
        state: it.state.key(),
        stale: it.stale,
        question: if revising { String::new() } else { it.fields.question.clone() },
        answer: if revising { String::new() } else { it.fields.answer.clone() },
        category: it.fields.category.clone(),
        tags: it.fields.tags.clone(),
        audience: it.fields.audience.clone(),
        region: it.fields.region.clone(),
        org_code,
        org_name,
        sources: it
            .sources
            .iter()
            .map(|(d, title, anchor)| SourceOut {
                document_id: *d,
                title: title.clone(),
                anchor: anchor.clone(),
                url: if anchor.is_empty() { format!("/doc/{d}") } else { format!("/doc/{d}#{anchor}") },
            })
            .collect(),
        valid_from: it.fields.valid_from.map(|d| d.to_string()),
        valid_to: it.fields.valid_to.map(|d| d.to_string()),
        updated_at: china_time(it.updated_at_ms),
        url: format!("/qa/{}", it.id),
    }
}

impl QaOut {
    pub fn cells(&self) -> [String; 16] {
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        [
            self.id.clone(),
            self.op.to_owned(),
            self.state.to_owned(),
            if self.stale { "1" } else { "0" }.to_owned(),
            self.question.clone(),
            self.answer.clone(),
            opt(&self.category),
            self.tags.join("；"),
            opt(&self.audience),
            opt(&self.region),
            self.org_code.clone(),
            self.org_name.clone(),
            self.sources
                .iter()
                .map(|s| {
                    if s.anchor.is_empty() {
                        format!("《{}》", s.title)
                    } else {
                        format!("《{}》{}", s.title, s.anchor)
                    }
                })
                .collect::<Vec<_>>()
                .join("；"),
            opt(&self.valid_from),
            opt(&self.valid_to),
            self.updated_at.clone(),
        ]
    }
}

/// A Q&A item for templates.
pub fn qa_value(it: &QaItem) -> Value {
    context! {
        id => it.id,
        url => format!("/qa/{}", it.id),
        question => it.fields.question.clone(),
        answer => it.fields.answer.lines().map(str::to_owned).collect::<Vec<_>>(),
        category => it.fields.category.clone(),
        tags => it.fields.tags.clone(),
        audience => it.fields.audience.clone(),
        region => it.fields.region.clone(),
        valid_from => it.fields.valid_from.map(|d| d.to_string()),
        valid_to => it.fields.valid_to.map(|d| d.to_string()),
        views => it.views,
        sources => it.sources.iter().map(|(d, title, anchor)| context! {
            url => if anchor.is_empty() { format!("/doc/{d}") } else { format!("/doc/{d}#{anchor}") },
            title => title.clone(), anchor => anchor.clone(),
        }).collect::<Vec<_>>(),
    }
}

/// Related items of a document page (published, current items citing it).
pub async fn related(state: &AppState, document_id: i64) -> Result<Vec<Value>, AppError> {
    let (items, _) = state.svc.public_qa_list(Some(document_id), false, 10, 0).await?;
    Ok(items.iter().map(qa_value).collect())
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    hot: Option<String>,
    #[serde(default)]
    document: Option<String>,
    #[serde(default)]
    since: Option<String>,
}

const PAGE_SIZE: i64 = 20;

async fn list_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let page_no = number("page", &q.page, 1, 100_000)?;
    let (items, total) = state.svc.public_qa_list(None, false, PAGE_SIZE, (page_no - 1) * PAGE_SIZE).await?;
    let (hot, _) = state.svc.public_qa_list(None, true, 5, 0).await?;
    let hot: Vec<Value> = hot.iter().filter(|i| i.views > 0).map(qa_value).collect();
    page(
        &state,
        &id,
        "public/qa.html",
        context! {
            items => items.iter().map(qa_value).collect::<Vec<_>>(), hot => hot,
            total => total, page => page_no, pages => (total + PAGE_SIZE - 1) / PAGE_SIZE, base => "/qa?",
        },
    )
}

async fn item_page(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(qa_id): Path<String>,
) -> Result<Html<String>, AppError> {
    let qa_id: i64 = qa_id.parse().map_err(|_| AppError::not_found())?;
    let it = state.svc.public_qa(qa_id).await?;
    let org = state.svc.org_by_id(it.org_id).await?.map(|o| o.name).unwrap_or_default();
    page(&state, &id, "public/qa_item.html", context! { item => qa_value(&it), org_name => org })
}

#[derive(Serialize)]
struct QaList {
    total: i64,
    items: Vec<QaOut>,
}

async fn out_rows(state: &AppState, items: &[QaItem]) -> Result<Vec<QaOut>, AppError> {
    let today = gongkai_service::china_date(state.svc.now_ms());
    let mut out = Vec::new();
    for it in items {
        let (code, name) = match state.svc.org_by_id(it.org_id).await? {
            Some(o) => (o.code, o.name),
            None => (String::new(), String::new()),
        };
        out.push(qa_row(it, code, name, today));
    }
    Ok(out)
}

async fn api_list(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<QaList>, AppError> {
    let limit = number("limit", &q.limit, 20, 100)?;
    let page_no = number("page", &q.page, 1, 100_000)?;
    let document = match q.document.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| invalid("document", format!("文件编号“{d}”无效")))?),
    };
    let hot = q.hot.as_deref().is_some_and(|h| h == "1" || h == "true");
    let (items, total) = state.svc.public_qa_list(document, hot, limit, (page_no - 1) * limit).await?;
    Ok(Json(QaList { total, items: out_rows(&state, &items).await? }))
}

async fn api_get(State(state): State<AppState>, Path(qa_id): Path<String>) -> Result<Json<QaOut>, AppError> {
    let qa_id: i64 = qa_id.parse().map_err(|_| AppError::new(ErrorCode::NotFound, "问答不存在"))?;
    let it = state.svc.public_qa(qa_id).await?;
    let mut rows = out_rows(&state, std::slice::from_ref(&it)).await?;
    rows.pop().map(Json).ok_or_else(AppError::not_found)
}

/// `GET /api/v1/qa/export[?since=YYYY-MM-DD]`: the 12345 export as JSON (the JSON Lines rows of
/// `gongkai export qa` in one array).
async fn api_export(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<QaList>, AppError> {
    let since = match q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| invalid("since", format!("日期“{s}”无效，应为 YYYY-MM-DD")))?,
        ),
    };
    let items = state.svc.qa_export(since).await?;
    let mut rows = out_rows(&state, &items).await?;
    // This endpoint is public: an item that is no longer answered with (withdrawn, expired,
    // superseded, stale, under revision) goes out as a bare removal — its id, state and time, none
    // of its content. The operator's `gongkai export qa` keeps the full rows.
    for r in rows.iter_mut().filter(|r| r.op == "delete") {
        r.question.clear();
        r.answer.clear();
        r.category = None;
        r.tags.clear();
        r.audience = None;
        r.region = None;
        r.sources.clear();
        r.valid_from = None;
        r.valid_to = None;
        r.url.clear();
    }
    Ok(Json(QaList { total: rows.len() as i64, items: rows }))
}

// ---- console ----

#[derive(Deserialize, Default, Serialize, Clone)]
struct AdminQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    stale: Option<String>,
    #[serde(default)]
    notice: Option<String>,
}

#[derive(Deserialize, Default, Serialize, Clone)]
struct QaForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    sources: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn staff_value(it: &QaItem) -> Value {
    use gongkai_service::domain::qa::{QaEvent, qa_transition};
    let actions: Vec<Value> = [QaEvent::Submit, QaEvent::Publish, QaEvent::Return, QaEvent::Withdraw]
        .into_iter()
        .filter(|e| {
            qa_transition(it.state, *e).is_some()
                || (*e == QaEvent::Publish && it.stale && it.state == QaState::Published)
        })
        .map(|e| {
            let (label, reason) = match e {
                QaEvent::Submit => ("提交审核", false),
                QaEvent::Publish => (if it.stale { "复核通过并重新发布" } else { "审核通过并发布" }, false),
                QaEvent::Return => ("退回修改", true),
                _ => ("撤回", true),
            };
            context! { event => e.key(), label => label, reason => reason }
        })
        .collect();
    context! {
        id => it.id, question => it.fields.question.clone(), state_label => it.state.label(), stale => it.stale,
        stale_reason => it.stale_reason.clone(), actions => actions, public => it.state == QaState::Published && !it.stale,
        sources => it.sources.iter().map(|(d, t, a)| context! { id => d, title => t.clone(), anchor => a.clone() }).collect::<Vec<_>>(),
    }
}

async fn render_admin(
    state: &AppState,
    id: &Identity,
    q: &AdminQuery,
    form: &QaForm,
    errors: &[FieldMessage],
    status: axum::http::StatusCode,
) -> Response {
    let org = q.org.clone().filter(|o| !o.trim().is_empty()).unwrap_or_else(|| form.org.clone());
    let stale_only = q.stale.as_deref() == Some("1");
    let mut errors = errors.to_vec();
    let items = if org.trim().is_empty() {
        Vec::new()
    } else {
        match state.svc.staff_qa_list(&id.ctx(), &org, stale_only, 200, 0).await {
            Ok((items, _)) => items,
            Err(e) => {
                let e = AppError::from(e);
                if matches!(e.code, ErrorCode::ValidationFailed) {
                    errors.extend(field_errors(&e));
                    Vec::new()
                } else {
                    return e.into_response();
                }
            }
        }
    };
    let notice = match q.notice.as_deref() {
        Some("created") => Some("问答草稿已创建。"),
        Some("done") => Some("操作已完成。"),
        _ => None,
    };
    match page(
        state,
        id,
        "admin/qa.html",
        context! {
            org => org, stale_only => stale_only, items => items.iter().map(staff_value).collect::<Vec<_>>(),
            form => ser(form), errors => ser(&errors), notice => notice,
        },
    ) {
        Ok(h) => (status, h).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn admin_list(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<AdminQuery>) -> Response {
    let mut q = q;
    if q.org.as_deref().is_none_or(|o| o.trim().is_empty()) {
        q.org = me.grants.first().map(|g| g.org_code.clone());
    }
    let form = QaForm { org: q.org.clone().unwrap_or_default(), ..QaForm::default() };
    render_admin(&state, &id, &q, &form, &[], axum::http::StatusCode::OK).await
}

fn qa_input(f: &QaForm) -> Result<gongkai_service::QaInput, Vec<FieldMessage>> {
    use gongkai_service::domain::qa::{QaFields, parse_source};
    let mut errors = Vec::new();
    let mut date = |name: &str, v: &str| match v.trim() {
        "" => None,
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldMessage {
                    field: name.into(), message: format!("日期“{s}”无效，应为 YYYY-MM-DD")
                });
                None
            }
        },
    };
    let valid_from = date("valid_from", &f.valid_from);
    let valid_to = date("valid_to", &f.valid_to);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(gongkai_service::QaInput {
        fields: QaFields {
            question: f.question.clone(),
            answer: f.answer.clone(),
            category: opt(&f.category),
            tags: f.tags.split([',', '，', '、']).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect(),
            audience: opt(&f.audience),
            region: opt(&f.region),
            valid_from,
            valid_to,
            sources: f.sources.lines().filter_map(parse_source).collect(),
        },
        org_code: f.org.trim().to_owned(),
        external_id: None,
    })
}

async fn admin_create(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    axum::Form(f): axum::Form<QaForm>,
) -> Response {
    let q = AdminQuery { org: Some(f.org.clone()), ..AdminQuery::default() };
    let unprocessable = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    let input = match qa_input(&f) {
        Ok(i) => i,
        Err(errors) => return render_admin(&state, &id, &q, &f, &errors, unprocessable).await,
    };
    match state.svc.create_qa(&id.ctx(), &input).await {
        Ok(_) => Redirect::to(&format!("/admin/qa?org={}&notice=created", crate::docs::url_path_escape(&f.org)))
            .into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) {
                render_admin(&state, &id, &q, &f, &field_errors(&e), unprocessable).await
            } else {
                e.into_response()
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    org: Option<String>,
}

async fn admin_action(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path((qa_id, event)): Path<(String, String)>,
    axum::Form(f): axum::Form<ActionForm>,
) -> Response {
    use gongkai_service::domain::qa::QaEvent;
    let (Ok(qa_id), Some(ev)) = (qa_id.parse::<i64>(), QaEvent::parse(&event)) else {
        return AppError::not_found().into_response();
    };
    let org = f.org.clone().unwrap_or_default();
    match state.svc.qa_transition(&id.ctx(), qa_id, ev, f.reason.as_deref()).await {
        Ok(_) => {
            Redirect::to(&format!("/admin/qa?org={}&notice=done", crate::docs::url_path_escape(&org))).into_response()
        }
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) {
                let q = AdminQuery { org: Some(org.clone()), ..AdminQuery::default() };
                let form = QaForm { org, ..QaForm::default() };
                render_admin(&state, &id, &q, &form, &field_errors(&e), axum::http::StatusCode::UNPROCESSABLE_ENTITY)
                    .await
            } else {
                e.into_response()
            }
        }
    }
}
