//! `POST /api/v1/screen`: pre-publication screening (公开前审查) for staff.
//!
//! Takes either JSON `{"text": "…"}` or a `multipart/form-data` upload with a `file` field (txt,
//! docx, xlsx, pdf; typed by its bytes) and answers with the findings — kind, severity,
//! character offsets in the (extracted) text, matched text, masked form, explanation — and whether
//! anything blocks publication. Needs an API token or a logged-in session (with its CSRF token,
//! checked by the identity middleware). Nothing is stored and nothing is logged of the content.
//! The upload body limit (`screen.max_upload_mb`, a route limit of its own) bounds the input; extraction and screening
//! run in one of the service's extraction slots (`screen.max_concurrent`) within the character budget
//! (`screen.max_extracted_chars`; more is refused as `payload_too_large`).

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::{Extension, Json};
use gongkai_domain::screen::Finding;
use gongkai_extract::{ExtractError, Limits};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::AppJson;
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::identity::Identity;

/// Body of a JSON request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextBody {
    text: String,
}

/// One finding.
#[derive(Serialize)]
pub struct FindingDto {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub severity: &'static str,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub masked: String,
    pub detail: String,
}

/// The answer.
#[derive(Serialize)]
pub struct ScreenDto {
    /// Whether any finding blocks publication.
    pub blocks: bool,
    /// `text` for JSON input; for a file the type found from its bytes (`docx`, `xlsx`, `pdf`, …).
    pub format: &'static str,
    pub findings: Vec<FindingDto>,
}

fn dto(format: &'static str, findings: Vec<Finding>) -> ScreenDto {
    ScreenDto {
        blocks: gongkai_domain::screen::blocks(&findings),
        format,
        findings: findings
            .into_iter()
            .map(|f| FindingDto {
                kind: f.kind.as_str(),
                kind_label: f.kind.label(),
                severity: f.severity.as_str(),
                start: f.start,
                end: f.end,
                text: f.text,
                masked: f.masked,
                detail: f.detail,
            })
            .collect(),
    }
}

fn file_error(e: &ExtractError) -> AppError {
    let code = match e {
        ExtractError::TooLarge { .. } | ExtractError::TextLimit { .. } => ErrorCode::PayloadTooLarge,
        _ => ErrorCode::ValidationFailed,
    };
    let mut err = AppError::new(code, e.to_string());
    err.fields.push(FieldMessage { field: "file".into(), message: e.to_string() });
    err
}

/// The handler.
pub async fn screen(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    req: Request,
) -> Result<Json<ScreenDto>, AppError> {
    if id.staff().is_none() {
        return Err(AppError::new(ErrorCode::Unauthenticated, "请使用 API 令牌或登录后再操作。"));
    }
    let screener = state.web.screener.clone();
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &state)
            .await
            .map_err(|e| AppError::bad_request(format!("上传的表单无效：{}", e.body_text())))?;
        let mut file: Option<Vec<u8>> = None;
        while let Some(field) =
            mp.next_field().await.map_err(|e| AppError::bad_request(format!("上传的表单无效：{}", e.body_text())))?
        {
            if field.name() == Some("file") {
                let bytes = field.bytes().await.map_err(|e| {
                    AppError::new(ErrorCode::PayloadTooLarge, format!("文件读取失败：{}", e.body_text()))
                })?;
                file = Some(bytes.to_vec());
            }
        }
        let Some(bytes) = file else {
            let mut err = AppError::new(ErrorCode::ValidationFailed, "请在 file 字段中上传要审查的文件。");
            err.fields.push(FieldMessage { field: "file".into(), message: "请选择要审查的文件".into() });
            return Err(err);
        };
        // In one of the service's extraction slots, within its character budget.
        let result = state
            .svc
            .extraction(Limits::default().max_input, move |limits| {
                gongkai_extract::screen_file(&bytes, limits, &screener)
                    .map(|(extracted, findings)| (extracted.format.as_str(), findings))
            })
            .await
            .map_err(|_| AppError::new(ErrorCode::Internal, "审查时发生内部错误。"))?;
        let (format, findings) = result.map_err(|e| file_error(&e))?;
        return Ok(Json(dto(format, findings)));
    }
    let AppJson(body) = AppJson::<TextBody>::from_request(req, &state).await?;
    let findings = tokio::task::spawn_blocking(move || screener.screen(&body.text))
        .await
        .map_err(|_| AppError::new(ErrorCode::Internal, "审查时发生内部错误。"))?;
    Ok(Json(dto("text", findings)))
}
