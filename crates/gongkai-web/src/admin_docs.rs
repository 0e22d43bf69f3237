//! The console's policy-library pages (`/admin/documents…`): staff list, create and edit drafts,
//! the workflow actions, attachments, and the review list of normative documents nearing
//! 有效期至.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use gongkai_service::domain::document::{
    Disclosure, DocClass, DocFields, EditionEvent, EditionState, GENRES, RelationKind, TOPICS, Validity,
};
use gongkai_service::{DocFilter, DocInput};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::admin::{Staff, field_errors, ser};
use crate::docs::{doc_value, edition_value};
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::identity::Identity;
use crate::templates::page;

/// Routes under `/admin/documents` and `/admin/attachments` (the attachment upload is routed in
/// `lib.rs`, under the upload body limit).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/documents", get(list))
        .route("/admin/documents/review", get(review))
        .route("/admin/documents/new", get(new_form).post(create))
        .route("/admin/documents/{id}", get(view))
        .route("/admin/documents/{id}/edit", get(edit_form).post(update))
        .route("/admin/documents/{id}/action/{event}", post(action))
        .route("/admin/documents/{id}/attachments/{aid}/delete", post(remove_attachment))
        .route("/admin/attachments/{id}", get(download))
        .route("/admin/cleanups", get(cleanups).post(cleanup_create))
        .route("/admin/cleanups/{id}/publish", post(cleanup_publish))
}

fn render(state: &AppState, id: &Identity, name: &str, status: StatusCode, ctx: Value) -> Response {
    match page(state, id, name, ctx) {
        Ok(h) => (status, h).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Attachment types of which the console offers a cleaned copy (metadata and comments removed).
const CLEANABLE: &[&str] = &[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => "草稿已创建。",
        "saved" => "草稿已保存。",
        "submit" => "已提交审核。",
        "approve" => "已签发。",
        "return" => "已退回修改。",
        "schedule" => "已设定定时发布。",
        "unschedule" => "已取消定时发布。",
        "publish" => "已发布。",
        "withdraw" => "已撤回，公开页面将显示撤回说明。",
        "unpublish" => "已取消发布。",
        "new-edition" => "已创建新版本草稿。",
        "uploaded" => "附件已上传。",
        "attachment-removed" => "附件已删除。",
        "attachment-cleaned" => "附件已替换为清理后的副本（已去除文档属性和批注）。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    validity: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    notice: Option<String>,
}

fn options_validity() -> Vec<Value> {
    Validity::ALL.iter().map(|v| context! { key => v.key(), label => v.label() }).collect()
}

fn options_class() -> Vec<Value> {
    DocClass::ALL.iter().map(|c| context! { key => c.key(), label => c.label() }).collect()
}

async fn list(State(state): State<AppState>, Staff(_me, id): Staff, Query(q): Query<ListQuery>) -> Response {
    let mut f = DocFilter::default();
    if let Some(v) = Validity::parse(&q.validity) {
        f.validities = vec![v];
    }
    f.class = DocClass::parse(&q.class);
    const PER: i64 = 50;
    let page_no = q.page.unwrap_or(1).max(1);
    let result = match state.svc.staff_documents(&id.ctx(), f, PER, (page_no - 1) * PER).await {
        Ok(r) => r,
        Err(e) => return AppError::from(e).into_response(),
    };
    let pages = (result.total + PER - 1) / PER;
    render(
        &state,
        &id,
        "admin/documents.html",
        StatusCode::OK,
        context! {
            docs => result.docs.iter().map(doc_value).collect::<Vec<_>>(), total => result.total,
            q => context! { validity => q.validity, class => q.class },
            validities => options_validity(), classes => options_class(),
            prev_page => (page_no > 1).then_some(page_no - 1), next_page => (page_no < pages).then_some(page_no + 1),
            notice => notice_text(q.notice.as_deref()),
        },
    )
}

async fn review(State(state): State<AppState>, Staff(_me, id): Staff) -> Response {
    match state.svc.review_list(&id.ctx()).await {
        Ok(docs) => render(
            &state,
            &id,
            "admin/documents.html",
            StatusCode::OK,
            context! {
                docs => docs.iter().map(doc_value).collect::<Vec<_>>(), total => docs.len(),
                heading => "即将到期、需要评估的行政规范性文件",
                q => context! { validity => "", class => "" },
                validities => options_validity(), classes => options_class(),
            },
        ),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// The document form's fields, as strings (what the browser sends).
#[derive(Deserialize, Default, serde::Serialize, Clone)]
struct DocForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    reg_no: String,
    #[serde(default)]
    genre: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    written_on: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    disclosure: String,
    #[serde(default)]
    disclosure_reason: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    joint_orgs: String,
    #[serde(default)]
    relations: String,
    #[serde(default)]
    change_note: String,
    #[serde(default)]
    body: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Parses the form into a service input; problems that are about the form's syntax (a date that
/// is not a date, an unknown option) are collected with their field names.
fn form_input(f: &DocForm) -> Result<DocInput, Vec<FieldMessage>> {
    let mut errors = Vec::new();
    let mut date = |name: &str, v: &str| -> Option<NaiveDate> {
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldMessage {
                    field: name.into(), message: format!("日期“{v}”无效，应为 YYYY-MM-DD")
                });
                None
            }
        }
    };
    let written_on = date("written_on", &f.written_on);
    let effective_on = date("effective_on", &f.effective_on);
    let expires_on = date("expires_on", &f.expires_on);
    let class = match DocClass::parse(&f.class) {
        Some(c) => Some(c),
        None => {
            errors.push(FieldMessage {
                field: "class".into(), message: format!("未知的文件类别“{}”", f.class)
            });
            None
        }
    };
    let disclosure = match f.disclosure.trim() {
        "" => Some(Disclosure::Proactive),
        d => match Disclosure::parse(d) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldMessage {
                    field: "disclosure".into(), message: format!("未知的公开方式“{d}”")
                });
                None
            }
        },
    };
    let mut relations = Vec::new();
    for line in f.relations.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (kind, target) = match line.split_once([' ', '：', ':', '\t']) {
            Some((k, t)) => (k.trim(), t.trim()),
            None => (line, ""),
        };
        match RelationKind::parse(kind) {
            Some(k) if !target.is_empty() => relations.push((k, target.to_owned())),
            _ => errors.push(FieldMessage {
                field: "relations".into(),
                message: format!("无法识别的关联“{line}”，应为“关系 文件”"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DocInput {
        fields: DocFields {
            title: f.title.clone(),
            issuer: f.issuer.clone(),
            doc_number: opt(&f.doc_number),
            written_on,
            effective_on,
            expires_on,
            topic: opt(&f.topic),
            genre: opt(&f.genre),
            class,
            reg_no: opt(&f.reg_no),
            disclosure,
            disclosure_reason: opt(&f.disclosure_reason),
            body: f.body.clone(),
            keywords: f
                .keywords
                .split([',', '，', '、'])
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect(),
            change_note: opt(&f.change_note),
        },
        org_code: f.org.trim().to_owned(),
        joint_org_codes: f
            .joint_orgs
            .split([',', '，', '、', ' '])
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect(),
        relations,
    })
}

async fn render_form(
    state: &AppState,
    id: &Identity,
    doc_id: Option<i64>,
    form: &DocForm,
    errors: &[FieldMessage],
    status: StatusCode,
) -> Response {
    let orgs = match state.svc.list_orgs(None).await {
        Ok(o) => o,
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut topics = Vec::new();
    for (top, subs) in TOPICS {
        topics.push(context! { key => *top, label => *top });
        for s in *subs {
            let k = format!("{top}\\{s}");
            topics.push(context! { key => k.clone(), label => format!("{top} › {s}") });
        }
    }
    render(
        state,
        id,
        "admin/document_form.html",
        status,
        context! {
            doc_id => doc_id, form => ser(form), errors => ser(errors),
            orgs => orgs.iter().map(|o| context! { key => o.code.clone(), label => o.name.clone() }).collect::<Vec<_>>(),
            classes => options_class(),
            genres => GENRES.iter().map(|g| context! { key => *g, label => *g }).collect::<Vec<_>>(),
            topics => topics,
            disclosures => [Disclosure::Proactive, Disclosure::OnApplication, Disclosure::NotDisclosed].iter().map(|d| context! { key => d.key(), label => d.label() }).collect::<Vec<_>>(),
        },
    )
}

async fn new_form(State(state): State<AppState>, Staff(me, id): Staff) -> Response {
    let org = me
        .grants
        .iter()
        .find(|g| g.role == gongkai_service::domain::role::Role::Editor)
        .map(|g| g.org_code.clone())
        .unwrap_or_default();
    let form = DocForm { org, class: "other".into(), disclosure: "proactive".into(), ..DocForm::default() };
    render_form(&state, &id, None, &form, &[], StatusCode::OK).await
}

fn failed(e: AppError) -> Result<Vec<FieldMessage>, Response> {
    if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) {
        Ok(field_errors(&e))
    } else {
        Err(e.into_response())
    }
}

async fn create(State(state): State<AppState>, Staff(_me, id): Staff, Form(f): Form<DocForm>) -> Response {
    let input = match form_input(&f) {
        Ok(i) => i,
        Err(errors) => return render_form(&state, &id, None, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match state.svc.create_document(&id.ctx(), &input).await {
        Ok((doc, _)) => Redirect::to(&format!("/admin/documents/{}?notice=created", doc.id)).into_response(),
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => render_form(&state, &id, None, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(r) => r,
        },
    }
}

fn form_of(doc: &gongkai_service::StaffDocument) -> Option<DocForm> {
    let e = doc.open.as_ref()?;
    let f = &e.fields;
    let d = |x: Option<NaiveDate>| x.map(|v| v.to_string()).unwrap_or_default();
    let relations = doc
        .relations
        .iter()
        .filter(|r| r.from_id == doc.doc.id)
        .map(|r| format!("{} {}", r.kind.key(), r.to_id))
        .collect::<Vec<_>>()
        .join("\n");
    Some(DocForm {
        org: doc.org.code.clone(),
        title: f.title.clone(),
        issuer: f.issuer.clone(),
        doc_number: f.doc_number.clone().unwrap_or_default(),
        class: f.class.map(|c| c.key().to_owned()).unwrap_or_default(),
        reg_no: f.reg_no.clone().unwrap_or_default(),
        genre: f.genre.clone().unwrap_or_default(),
        topic: f.topic.clone().unwrap_or_default(),
        written_on: d(f.written_on),
        effective_on: d(f.effective_on),
        expires_on: d(f.expires_on),
        disclosure: f.disclosure.map(|x| x.key().to_owned()).unwrap_or_default(),
        disclosure_reason: f.disclosure_reason.clone().unwrap_or_default(),
        keywords: f.keywords.join(","),
        joint_orgs: String::new(),
        relations,
        change_note: f.change_note.clone().unwrap_or_default(),
        body: f.body.clone(),
    })
}

fn parse_id(s: &str) -> Result<i64, Response> {
    s.parse().map_err(|_| AppError::not_found().into_response())
}

async fn edit_form(State(state): State<AppState>, Staff(_me, id): Staff, Path(doc_id): Path<String>) -> Response {
    let doc_id = match parse_id(&doc_id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let doc = match state.svc.staff_document(&id.ctx(), doc_id).await {
        Ok(d) => d,
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut form = match form_of(&doc) {
        Some(f) => f,
        None => return Redirect::to(&format!("/admin/documents/{doc_id}")).into_response(),
    };
    if let Ok(orgs) = state.svc.document_joint_orgs(doc_id).await {
        form.joint_orgs = orgs.join(",");
    }
    render_form(&state, &id, Some(doc_id), &form, &[], StatusCode::OK).await
}

async fn update(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(doc_id): Path<String>,
    Form(mut f): Form<DocForm>,
) -> Response {
    let doc_id = match parse_id(&doc_id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let doc = match state.svc.staff_document(&id.ctx(), doc_id).await {
        Ok(d) => d,
        Err(e) => return AppError::from(e).into_response(),
    };
    f.org = doc.org.code.clone();
    let input = match form_input(&f) {
        Ok(i) => i,
        Err(errors) => {
            return render_form(&state, &id, Some(doc_id), &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match state.svc.update_draft(&id.ctx(), doc_id, &input).await {
        Ok(_) => Redirect::to(&format!("/admin/documents/{doc_id}?notice=saved")).into_response(),
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => render_form(&state, &id, Some(doc_id), &f, &errors, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(r) => r,
        },
    }
}

#[derive(Deserialize, Default)]
struct ViewQuery {
    notice: Option<String>,
}

async fn render_view(
    state: &AppState,
    id: &Identity,
    doc_id: i64,
    notice: Option<&str>,
    errors: &[FieldMessage],
    status: StatusCode,
) -> Response {
    let d = match state.svc.staff_document(&id.ctx(), doc_id).await {
        Ok(d) => d,
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut actions = Vec::new();
    if let Some(open) = &d.open {
        let a = |event: &str, label: &str, reason: bool, secondary: bool| context! { event => event, label => label, reason => reason, secondary => secondary };
        match open.state {
            EditionState::Draft | EditionState::Returned => actions.push(a("submit", "提交审核", false, false)),
            EditionState::Submitted => {
                actions.push(a("approve", "审核通过并签发", false, false));
                actions.push(a("return", "退回修改", true, true));
            }
            EditionState::Approved => {
                actions.push(a("publish", "立即发布", false, false));
                actions.push(a("schedule", "定时发布", false, true));
                actions.push(a("return", "退回修改", true, true));
            }
            EditionState::Scheduled => {
                actions.push(a("publish", "立即发布", false, false));
                actions.push(a("unschedule", "取消定时", false, true));
            }
            _ => {}
        }
    }
    let mut published_actions = Vec::new();
    if let Some(p) = &d.published {
        if p.state == EditionState::Published {
            published_actions.push(context! { event => "withdraw", label => "撤回" });
        }
        if p.state.is_public() {
            published_actions.push(context! { event => "unpublish", label => "取消发布" });
        }
    }
    let relations: Vec<Value> = d
        .relations
        .iter()
        .map(|r| {
            let out = r.from_id == d.doc.id;
            context! { label => if out { r.kind.label() } else { r.kind.inverse_label() }, id => if out { r.to_id } else { r.from_id }, title => r.other_title.clone() }
        })
        .collect();
    // The review record of the open edition, or else of the published one.
    let review_ed = d.open.as_ref().or(d.published.as_ref()).map(|e| e.id);
    let review = match review_ed {
        Some(e) => state
            .svc
            .review_view(&id.ctx(), gongkai_service::ReviewKind::Edition, e)
            .await
            .ok()
            .map(|v| crate::admin_review::review_value(&v)),
        None => None,
    };
    render(
        state,
        id,
        "admin/document.html",
        status,
        context! {
            doc => doc_value(&d.doc), org => crate::public::org_value(&d.org),
            open => d.open.as_ref().map(edition_value), published => d.published.as_ref().map(edition_value),
            editions => d.editions.iter().map(edition_value).collect::<Vec<_>>(),
            attachments => d.open_attachments.iter().map(|a| context! { id => a.id, filename => a.filename.clone(), size_kb => (a.size + 1023) / 1024, cleanable => CLEANABLE.contains(&a.content_type.as_str()) }).collect::<Vec<_>>(),
            review => review,
            actions => actions, published_actions => published_actions, relations => relations,
            notice => notice, errors => ser(errors),
            max_mb => state.svc.library_max_attachment_mb(),
        },
    )
}

async fn view(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(doc_id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Response {
    match parse_id(&doc_id) {
        Ok(d) => render_view(&state, &id, d, notice_text(q.notice.as_deref()), &[], StatusCode::OK).await,
        Err(r) => r,
    }
}

#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    reason: Option<String>,
    /// `YYYY-MM-DDTHH:MM`, Beijing time.
    #[serde(default)]
    at: Option<String>,
}

async fn action(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path((doc_id, event)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Response {
    let doc_id = match parse_id(&doc_id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let result = if event == "new-edition" {
        state.svc.new_edition(&id.ctx(), doc_id).await.map(|_| ())
    } else {
        let Some(ev) = EditionEvent::parse(&event).filter(|e| *e != EditionEvent::Supersede) else {
            return AppError::not_found().into_response();
        };
        let at = match f.at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
                Ok(t) => Some(t.and_utc().timestamp_millis() - 8 * 3_600_000),
                Err(_) => {
                    let errors =
                        vec![FieldMessage { field: "scheduled_at".into(), message: format!("时间“{s}”无效") }];
                    return render_view(&state, &id, doc_id, None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            },
        };
        state.svc.document_transition(&id.ctx(), doc_id, ev, f.reason.as_deref(), at).await.map(|_| ())
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/documents/{doc_id}?notice={event}")).into_response(),
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => render_view(&state, &id, doc_id, None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(r) => r,
        },
    }
}

/// `POST /admin/documents/{id}/attachments` (routed with the upload body limit in `lib.rs`).
pub(crate) async fn upload(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path(doc_id): Path<String>,
    mut mp: Multipart,
) -> Response {
    let doc_id = match parse_id(&doc_id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("附件").to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => {
                        return AppError::new(ErrorCode::PayloadTooLarge, format!("附件读取失败：{}", e.body_text()))
                            .into_response();
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return AppError::bad_request(format!("上传的表单无效：{}", e.body_text())).into_response(),
        }
    }
    let Some((name, bytes)) = file else {
        let errors = vec![FieldMessage { field: "file".into(), message: "请选择要上传的文件".into() }];
        return render_view(&state, &id, doc_id, None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match state.svc.add_attachment(&id.ctx(), doc_id, &name, &bytes).await {
        Ok(_) => Redirect::to(&format!("/admin/documents/{doc_id}?notice=uploaded")).into_response(),
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => render_view(&state, &id, doc_id, None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(r) => r,
        },
    }
}

async fn remove_attachment(
    State(state): State<AppState>,
    Staff(_me, id): Staff,
    Path((doc_id, aid)): Path<(String, String)>,
) -> Response {
    let (doc_id, aid) = match (parse_id(&doc_id), parse_id(&aid)) {
        (Ok(d), Ok(a)) => (d, a),
        _ => return AppError::not_found().into_response(),
    };
    match state.svc.remove_attachment(&id.ctx(), doc_id, aid).await {
        Ok(()) => Redirect::to(&format!("/admin/documents/{doc_id}?notice=attachment-removed")).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn download(State(state): State<AppState>, Staff(_me, id): Staff, Path(aid): Path<String>) -> Response {
    let aid = match parse_id(&aid) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match state.svc.staff_attachment(&id.ctx(), aid).await {
        Ok((a, path)) => crate::public::send_file(&a, &path).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default, serde::Serialize)]
struct CleanupForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    items: String,
    /// The date the catalogue states for its decisions (YYYY-MM-DD); blank: the day it is published.
    #[serde(default)]
    decided_on: Option<String>,
}

async fn render_cleanups(
    state: &AppState,
    id: &Identity,
    form: &CleanupForm,
    errors: &[FieldMessage],
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let (list, orgs) = match (state.svc.cleanups(false).await, state.svc.list_orgs(None).await) {
        (Ok(l), Ok(o)) => (l, o),
        (Err(e), _) | (_, Err(e)) => return AppError::from(e).into_response(),
    };
    render(
        state,
        id,
        "admin/cleanups.html",
        status,
        context! {
            cleanups => list.iter().map(|c| context! { id => c.id, title => c.title.clone(), state => c.state.clone() }).collect::<Vec<_>>(),
            orgs => orgs.iter().map(crate::public::org_value).collect::<Vec<_>>(),
            form => ser(form), errors => ser(errors), notice => notice,
        },
    )
}

async fn cleanups(State(state): State<AppState>, Staff(_me, id): Staff, Query(q): Query<ViewQuery>) -> Response {
    let notice = match q.notice.as_deref() {
        Some("published") => Some("清理结果目录已发布，所列文件的有效性已更新。"),
        Some("created") => Some("清理草稿已保存。"),
        _ => None,
    };
    render_cleanups(&state, &id, &CleanupForm::default(), &[], notice, StatusCode::OK).await
}

async fn cleanup_create(State(state): State<AppState>, Staff(_me, id): Staff, Form(f): Form<CleanupForm>) -> Response {
    use gongkai_service::CleanupResult;
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in f.items.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let mut parts = line.split_whitespace();
        let result = parts.next().and_then(CleanupResult::parse);
        let reference = parts.next();
        let note: Vec<&str> = parts.collect();
        match (result, reference) {
            (Some(r), Some(d)) => items.push((d.to_owned(), r, (!note.is_empty()).then(|| note.join(" ")))),
            _ => errors.push(FieldMessage {
                field: "items".into(),
                message: format!("第 {} 行“{line}”应为“结果 文件 说明”", n + 1),
            }),
        }
    }
    let decided_on = match crate::params::date("decided_on", &f.decided_on) {
        Ok(d) => d,
        Err(_) => {
            errors
                .push(FieldMessage { field: "decided_on".into(), message: "日期无效，应为 YYYY-MM-DD".into() });
            None
        }
    };
    if !errors.is_empty() {
        return render_cleanups(&state, &id, &f, &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.svc.create_cleanup(&id.ctx(), &f.org, &f.title, decided_on, &items).await {
        Ok(_) => Redirect::to("/admin/cleanups?notice=created").into_response(),
        Err(e) => match failed(AppError::from(e)) {
            Ok(errors) => render_cleanups(&state, &id, &f, &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(r) => r,
        },
    }
}

async fn cleanup_publish(State(state): State<AppState>, Staff(_me, id): Staff, Path(cid): Path<String>) -> Response {
    let cid = match parse_id(&cid) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.svc.publish_cleanup(&id.ctx(), cid).await {
        Ok(()) => Redirect::to("/admin/cleanups?notice=published").into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}
