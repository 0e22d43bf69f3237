//! The JSON API, `/api/v1`. Serde types here are the public contract (versioned by the path);
//! domain types never serialise themselves. Reads of public data need no login; writes need an
//! API token (`Authorization: Bearer gk_…`) or a logged-in session with its CSRF token.
//! Errors are `{"error": "<stable_code>", "message": "…", "fields": [...]}`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use gongkai_service::domain::org::{Org, OrgInput, OrgKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::identity::Identity;

/// Routes of the API, nested under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/orgs", get(list_orgs).post(create_org))
        .route("/orgs/{code}", get(get_org))
        .route("/documents", get(list_documents).post(create_document))
        .route("/documents/{id}", get(get_document).put(update_document))
        .route("/documents/{id}/transitions", axum::routing::post(transition_document))
        .route("/applications", get(crate::foi::api_list).post(crate::foi::api_submit))
        .route("/applications/stats", get(crate::foi_stats::api_stats))
        .route("/applications/status/{code}", get(crate::foi::api_track))
        .route("/applications/{id}/actions", axum::routing::post(crate::foi::api_act))
        .route("/reports/annual", get(crate::foi::api_report))
        .route("/reviews/{kind}/{id}", get(crate::admin_review::api_view))
        .route("/reviews/{kind}/{id}/steps", axum::routing::post(crate::admin_review::api_step))
}

/// API routes that take file uploads, nested under `/api/v1` with the upload body limit
/// (`WebConfig::upload_limit`) instead of the general one.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/screen", axum::routing::post(crate::screen::screen))
}

/// The OpenAPI 3.1 description of `/api/v1` (hand-written, checked against the route table by a
/// test).
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// `Json<T>` whose rejections become our error shape, naming the field where serde can.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(AppJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "请求体须为 JSON，并带有 Content-Type: application/json。",
            )),
            Err(JsonRejection::JsonDataError(e)) => {
                let mut err = AppError::new(ErrorCode::ValidationFailed, format!("JSON 字段有误：{}", e.body_text()));
                err.fields.push(FieldMessage { field: "body".into(), message: e.body_text() });
                Err(err)
            }
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(AppError::bad_request(format!("JSON 格式有误：{}", e.body_text())))
            }
            // The body-limit layer's error reaches here wrapped, so its status is not always 413.
            Err(JsonRejection::BytesRejection(e))
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE
                    || e.body_text().contains("length limit") =>
            {
                Err(AppError::new(ErrorCode::PayloadTooLarge, "请求体超过了大小限制。"))
            }
            Err(e) => Err(AppError::bad_request(e.body_text())),
        }
    }
}

/// An organisation as the API shows it.
#[derive(Serialize)]
pub struct OrgDto {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub parent: Option<String>,
    pub division_code: Option<String>,
    pub credit_code: Option<String>,
    pub url: String,
}

fn org_dto(o: &Org, parent: Option<String>) -> OrgDto {
    OrgDto {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind.key(),
        kind_label: o.kind.label(),
        parent,
        division_code: o.division_code.clone(),
        credit_code: o.credit_code.clone(),
        url: format!("/org/{}/", o.code),
    }
}

#[derive(Serialize)]
struct OrgList {
    items: Vec<OrgDto>,
}

async fn list_orgs(State(state): State<AppState>) -> Result<Json<OrgList>, AppError> {
    let orgs = state.svc.list_orgs(None).await?;
    let code_of = |id: Option<i64>| id.and_then(|id| orgs.iter().find(|o| o.id == id)).map(|o| o.code.clone());
    Ok(Json(OrgList { items: orgs.iter().map(|o| org_dto(o, code_of(o.parent_id))).collect() }))
}

async fn get_org(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<OrgDto>, AppError> {
    let org = state
        .svc
        .org_by_code(&code)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("机构“{code}”不存在")))?;
    let parent = match org.parent_id {
        Some(p) => state.svc.org_by_id(p).await?.map(|p| p.code),
        None => None,
    };
    Ok(Json(org_dto(&org, parent)))
}

/// Body of `POST /api/v1/orgs`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgBody {
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
    division_code: Option<String>,
    credit_code: Option<String>,
}

async fn create_org(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    _staff: ApiStaff,
    AppJson(b): AppJson<NewOrgBody>,
) -> Result<Response, AppError> {
    if id.staff().is_none() {
        return Err(AppError::new(ErrorCode::Unauthenticated, "请使用 API 令牌或登录后再操作。"));
    }
    let kind = OrgKind::parse(&b.kind).ok_or_else(|| {
        let mut e = AppError::new(ErrorCode::ValidationFailed, format!("未知的机构类型“{}”", b.kind));
        e.fields.push(FieldMessage { field: "kind".into(), message: format!("未知的机构类型“{}”", b.kind) });
        e
    })?;
    let input = OrgInput {
        code: b.code,
        name: b.name,
        kind,
        parent_code: b.parent.clone(),
        division_code: b.division_code,
        credit_code: b.credit_code,
    };
    let org = state.svc.add_org(&id.ctx(), &input).await?;
    Ok((StatusCode::CREATED, Json(org_dto(&org, b.parent))).into_response())
}

#[derive(Serialize)]
struct MeDto {
    username: String,
    display_name: String,
    roles: Vec<GrantDto>,
    totp_enabled: bool,
}

#[derive(Serialize)]
struct GrantDto {
    role: &'static str,
    org: String,
}

async fn me(Extension(id): Extension<Identity>) -> Result<Json<MeDto>, AppError> {
    let u = id.staff().ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "请使用 API 令牌或登录后再访问。"))?;
    Ok(Json(MeDto {
        username: u.user.username.clone(),
        display_name: u.user.display_name.clone(),
        roles: u.grants.iter().map(|g| GrantDto { role: g.role.key(), org: g.org_code.clone() }).collect(),
        totp_enabled: u.user.totp_enabled,
    }))
}

// ---------------------------------------------------------------------------------------------
// Documents.

use gongkai_service::domain::document::{Disclosure, DocClass, DocFields, Document, EditionEvent, RelationKind};

/// A document in lists.
#[derive(Serialize)]
pub struct DocDto {
    pub id: i64,
    pub index_no: String,
    pub external_id: Option<String>,
    pub title: String,
    pub issuer: String,
    pub doc_number: Option<String>,
    pub class: &'static str,
    pub class_label: &'static str,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub written_on: Option<String>,
    pub published_on: Option<String>,
    pub effective_on: Option<String>,
    pub expires_on: Option<String>,
    pub validity: &'static str,
    pub validity_label: &'static str,
    pub withdrawn: bool,
    pub url: String,
}

fn date(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|x| x.to_string())
}

pub fn doc_dto(d: &Document) -> DocDto {
    DocDto {
        id: d.id,
        index_no: d.index_no.clone(),
        external_id: d.external_id.clone(),
        title: d.title.clone(),
        issuer: d.issuer.clone(),
        doc_number: d.doc_number.clone(),
        class: d.class.key(),
        class_label: d.class.label(),
        topic: d.topic.clone(),
        genre: d.genre.clone(),
        written_on: date(d.written_on),
        published_on: date(d.published_on),
        effective_on: date(d.effective_on),
        expires_on: date(d.expires_on),
        validity: d.validity.key(),
        validity_label: d.validity.label(),
        withdrawn: d.withdrawn,
        url: format!("/doc/{}", d.id),
    }
}

#[derive(Serialize)]
struct DocList {
    total: i64,
    items: Vec<DocDto>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    next_cursor: Option<String>,
}

async fn list_documents(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<crate::docs::ListQuery>,
) -> Result<Json<DocList>, AppError> {
    let path = crate::public::org_path(&state, q.org.as_deref()).await?;
    let mut f = q.filter(path, false)?;
    let limit = q.limit(20, 100)?;
    if let Some(c) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
        f.after = Some(crate::docs::decode_cursor(c)?);
    }
    let page = state.svc.list_documents(&f, limit, 0).await?;
    let next_cursor =
        if page.docs.len() as i64 == limit { page.docs.last().map(crate::docs::encode_cursor) } else { None };
    let mut count_filter = f.clone();
    count_filter.after = None;
    let total = if f.after.is_some() { state.svc.list_documents(&count_filter, 1, 0).await?.total } else { page.total };
    Ok(Json(DocList { total, items: page.docs.iter().map(doc_dto).collect(), next_cursor }))
}

#[derive(Serialize)]
struct DocDetail {
    #[serde(flatten)]
    doc: DocDto,
    version: i64,
    reg_no: Option<String>,
    disclosure: &'static str,
    keywords: Vec<String>,
    /// Structured text, one paragraph per line; `null` for a withdrawn document.
    body: Option<String>,
    withdrawal_notice: Option<String>,
    attachments: Vec<AttachmentDto>,
    relations: Vec<RelationDto>,
    versions: Vec<VersionDto>,
    validity_history: Vec<ValidityDto>,
    /// For an interpretation (class `interpretation`): its form, interpreter and media alternatives.
    #[serde(skip_serializing_if = "Option::is_none")]
    interpretation: Option<crate::interp::InterpDto>,
    /// Published interpretations of this document (政策解读), newest first.
    interpretations: Vec<crate::interp::InterpListDto>,
}

#[derive(Serialize)]
struct AttachmentDto {
    id: i64,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    url: String,
}

#[derive(Serialize)]
struct RelationDto {
    kind: &'static str,
    /// `outgoing`: this document acts on the other; `incoming`: the other acts on this one.
    direction: &'static str,
    label: &'static str,
    document_id: i64,
    title: String,
    url: String,
}

#[derive(Serialize)]
struct VersionDto {
    version: i64,
    state: &'static str,
    published_on: Option<String>,
    change_note: Option<String>,
}

#[derive(Serialize)]
struct ValidityDto {
    from: &'static str,
    to: &'static str,
    /// The date the change took (or takes) legal effect; `null` when its source gave none.
    on: Option<String>,
    /// When the platform recorded the change (RFC 3339).
    recorded_at: String,
    /// The legal date is still ahead: the document changes on `on`.
    pending: bool,
    reason: String,
    cause_document_id: Option<i64>,
}

async fn get_document(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<DocDetail>, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::new(ErrorCode::NotFound, "文件不存在"))?;
    let p = state.svc.public_document(id).await?;
    let f = &p.edition.fields;
    let interpretation = state.svc.public_interpretation(id).await?.as_ref().map(crate::interp::interp_dto);
    let interpretations = state.svc.public_interpretations_of(id).await?.iter().map(crate::interp::list_dto).collect();
    Ok(Json(DocDetail {
        interpretation,
        interpretations,
        doc: doc_dto(&p.doc),
        version: p.edition.version_no,
        reg_no: f.reg_no.clone(),
        disclosure: f.disclosure.unwrap_or(Disclosure::Proactive).key(),
        keywords: f.keywords.clone(),
        body: (!p.doc.withdrawn).then(|| f.body.clone()),
        withdrawal_notice: if p.doc.withdrawn { p.edition.state_reason.clone() } else { None },
        attachments: p
            .attachments
            .iter()
            .map(|a| AttachmentDto {
                id: a.id,
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                sha256: a.sha256.clone(),
                url: format!("/attachments/{}/{}", a.id, crate::docs::url_path_escape(&a.filename)),
            })
            .collect(),
        relations: p
            .relations
            .iter()
            .map(|r| {
                let out = r.from_id == p.doc.id;
                let other = if out { r.to_id } else { r.from_id };
                RelationDto {
                    kind: r.kind.key(),
                    direction: if out { "outgoing" } else { "incoming" },
                    label: if out { r.kind.label() } else { r.kind.inverse_label() },
                    document_id: other,
                    title: r.other_title.clone(),
                    url: format!("/doc/{other}"),
                }
            })
            .collect(),
        versions: p
            .history
            .iter()
            .map(|e| VersionDto {
                version: e.version_no,
                state: e.state.key(),
                published_on: date(e.published_on),
                change_note: e.fields.change_note.clone(),
            })
            .collect(),
        validity_history: p
            .validity_events
            .iter()
            .map(|e| ValidityDto {
                from: e.from.key(),
                to: e.to.key(),
                on: date(e.on),
                recorded_at: crate::feeds::rfc3339(e.at_ms),
                pending: e.pending,
                reason: e.reason.clone(),
                cause_document_id: e.cause_document_id,
            })
            .collect(),
    }))
}

/// Body of `POST /api/v1/documents` and `PUT /api/v1/documents/{id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocBody {
    org: String,
    title: String,
    #[serde(default)]
    issuer: String,
    doc_number: Option<String>,
    class: String,
    written_on: Option<chrono::NaiveDate>,
    effective_on: Option<chrono::NaiveDate>,
    expires_on: Option<chrono::NaiveDate>,
    topic: Option<String>,
    genre: Option<String>,
    reg_no: Option<String>,
    disclosure: Option<String>,
    disclosure_reason: Option<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    keywords: Vec<String>,
    change_note: Option<String>,
    #[serde(default)]
    joint_orgs: Vec<String>,
    #[serde(default)]
    relations: Vec<RelationBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationBody {
    kind: String,
    /// Id, 索引号 or external id of the other document.
    target: String,
}

fn field_error(field: &str, message: String) -> AppError {
    let mut e = AppError::new(ErrorCode::ValidationFailed, message.clone());
    e.fields.push(FieldMessage { field: field.into(), message });
    e
}

fn doc_input(b: DocBody) -> Result<gongkai_service::DocInput, AppError> {
    let class =
        DocClass::parse(&b.class).ok_or_else(|| field_error("class", format!("未知的文件类别“{}”", b.class)))?;
    let disclosure = match b.disclosure.as_deref() {
        None => Disclosure::Proactive,
        Some(d) => Disclosure::parse(d).ok_or_else(|| field_error("disclosure", format!("未知的公开方式“{d}”")))?,
    };
    let mut relations = Vec::new();
    for r in b.relations {
        let kind = RelationKind::parse(&r.kind)
            .ok_or_else(|| field_error("relations", format!("未知的关联类型“{}”", r.kind)))?;
        relations.push((kind, r.target));
    }
    Ok(gongkai_service::DocInput {
        fields: DocFields {
            title: b.title,
            issuer: b.issuer,
            doc_number: b.doc_number,
            written_on: b.written_on,
            effective_on: b.effective_on,
            expires_on: b.expires_on,
            topic: b.topic,
            genre: b.genre,
            class: Some(class),
            reg_no: b.reg_no,
            disclosure: Some(disclosure),
            disclosure_reason: b.disclosure_reason,
            body: b.body,
            keywords: b.keywords,
            change_note: b.change_note,
        },
        org_code: b.org,
        joint_org_codes: b.joint_orgs,
        relations,
    })
}

/// A staff caller of the API (a token, or a complete session), checked from the request's head
/// before any body is read: put it before the body extractor, so that an unauthenticated caller
/// is answered 401 before its input is looked at (authorise before validating).
pub(crate) struct ApiStaff;

impl axum::extract::FromRequestParts<AppState> for ApiStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &AppState) -> Result<Self, AppError> {
        let id = parts.extensions.get::<Identity>().ok_or_else(|| AppError::internal("identity middleware missing"))?;
        need_staff(id)?;
        Ok(ApiStaff)
    }
}

pub(crate) fn need_staff(id: &Identity) -> Result<(), AppError> {
    if id.staff().is_none() {
        return Err(AppError::new(ErrorCode::Unauthenticated, "请使用 API 令牌或登录后再操作。"));
    }
    Ok(())
}

#[derive(Serialize)]
struct DraftDto {
    #[serde(flatten)]
    doc: DocDto,
    version: i64,
    state: &'static str,
}

async fn create_document(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    _staff: ApiStaff,
    AppJson(b): AppJson<DocBody>,
) -> Result<Response, AppError> {
    need_staff(&id)?;
    let input = doc_input(b)?;
    let (doc, ed) = state.svc.create_document(&id.ctx(), &input).await?;
    Ok((StatusCode::CREATED, Json(DraftDto { doc: doc_dto(&doc), version: ed.version_no, state: ed.state.key() }))
        .into_response())
}

async fn update_document(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(doc_id): Path<String>,
    _staff: ApiStaff,
    AppJson(b): AppJson<DocBody>,
) -> Result<Json<DraftDto>, AppError> {
    need_staff(&id)?;
    let doc_id: i64 = doc_id.parse().map_err(|_| AppError::new(ErrorCode::NotFound, "文件不存在"))?;
    let input = doc_input(b)?;
    let ed = state.svc.update_draft(&id.ctx(), doc_id, &input).await?;
    let doc = state
        .svc
        .resolve_document(&doc_id.to_string())
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "文件不存在"))?;
    Ok(Json(DraftDto { doc: doc_dto(&doc), version: ed.version_no, state: ed.state.key() }))
}

/// Body of `POST /api/v1/documents/{id}/transitions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    /// submit, return, approve, schedule, unschedule, publish, withdraw, unpublish, new_edition.
    event: String,
    reason: Option<String>,
    /// RFC 3339 time, for `schedule`.
    scheduled_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

async fn transition_document(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Path(doc_id): Path<String>,
    _staff: ApiStaff,
    AppJson(b): AppJson<TransitionBody>,
) -> Result<Json<DocDto>, AppError> {
    need_staff(&id)?;
    let doc_id: i64 = doc_id.parse().map_err(|_| AppError::new(ErrorCode::NotFound, "文件不存在"))?;
    if b.event == "new_edition" {
        state.svc.new_edition(&id.ctx(), doc_id).await?;
    } else {
        let ev = EditionEvent::parse(&b.event)
            .filter(|e| *e != EditionEvent::Supersede)
            .ok_or_else(|| field_error("event", format!("未知的操作“{}”", b.event)))?;
        let at = b.scheduled_at.map(|t| t.timestamp_millis());
        state.svc.document_transition(&id.ctx(), doc_id, ev, b.reason.as_deref(), at).await?;
    }
    let doc = state
        .svc
        .resolve_document(&doc_id.to_string())
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "文件不存在"))?;
    Ok(Json(doc_dto(&doc)))
}
