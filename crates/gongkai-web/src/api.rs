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
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE || e.body_text().contains("length limit") =>
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
