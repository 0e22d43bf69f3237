//! The admin console (`/admin`): login with second factor, password change, organisations,
//! accounts and roles, API tokens, and the audit log. Server-rendered, works without JavaScript,
//! every response `Cache-Control: no-store` (set for all console routes by `identity::no_store`).
//!
//! Forms follow post/redirect/get on success; on a rule violation the same page is rendered again
//! with status 422, an error summary at the top and each message next to its field.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use gongkai_service::domain::account::SessionStage;
use gongkai_service::domain::org::{OrgInput, OrgKind};
use gongkai_service::domain::role::Role;
use gongkai_service::{AuditFilter, AuthUser, ServiceError};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, ErrorCode, FieldMessage};
use crate::identity::{Identity, set_cookie};
use crate::public::org_value;
use crate::templates::page;

/// Routes of the console, all under `/admin`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(dashboard))
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/login/totp", get(totp_form).post(totp_submit))
        .route("/admin/totp/enroll", get(enroll_form).post(enroll_submit))
        .route("/admin/logout", post(logout))
        .route("/admin/password", get(password_form).post(password_submit))
        .route("/admin/orgs", get(orgs_page).post(org_add))
        .route("/admin/users", get(users_page).post(user_add))
        .route("/admin/grants", post(grant))
        .route("/admin/users/{username}/revoke", post(revoke))
        .route("/admin/users/{username}/reset-password", post(reset_password))
        .route("/admin/users/{username}/disable", post(disable))
        .route("/admin/users/{username}/enable", post(enable))
        .route("/admin/tokens", get(tokens_page).post(token_create))
        .route("/admin/tokens/{id}/revoke", post(token_revoke))
        .route("/admin/audit", get(audit_page))
        .route("/admin/audit.csv", get(audit_csv))
        .route("/admin/audit/verify", post(audit_verify))
}

/// A fully logged-in staff member; otherwise the request is redirected to the step it needs.
pub struct Staff(pub AuthUser, pub Identity);

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(id) = parts.extensions.get::<Identity>().cloned() else {
            return Err(AppError::internal("identity middleware missing").into_response());
        };
        let path = parts.uri.path().to_owned();
        if let Some(u) = &id.token_user {
            return Ok(Staff(u.clone(), id.clone()));
        }
        match &id.session {
            None => {
                let next: String = url::form_urlencoded::byte_serialize(parts.uri.to_string().as_bytes()).collect();
                Err(Redirect::to(&format!("/admin/login?next={next}")).into_response())
            }
            Some(s) if s.session.stage == SessionStage::SecondFactor => {
                Err(Redirect::to("/admin/login/totp").into_response())
            }
            Some(s) if s.session.stage == SessionStage::Enroll => {
                Err(Redirect::to("/admin/totp/enroll").into_response())
            }
            Some(s) if s.user.user.must_change_password && path != "/admin/password" => {
                Err(Redirect::to("/admin/password").into_response())
            }
            Some(s) => Ok(Staff(s.user.clone(), id.clone())),
        }
    }
}

/// Only a same-site path is accepted as a place to return to.
fn safe_next(next: Option<&str>) -> String {
    crate::params::same_site_path(next, "/admin/")
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "password_changed" => "密码已修改。",
        "org_added" => "机构已新增。",
        "granted" => "角色已授予。",
        "revoked" => "角色已撤销。",
        "disabled" => "账号已停用。",
        "enabled" => "账号已启用。",
        "token_revoked" => "令牌已撤销。",
        "logged_out" => "您已安全退出。",
        "totp_enabled" => "动态口令已绑定。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
    next: Option<String>,
}

/// Renders `name` with `status`, turning an `AppError` with field errors into the page's errors.
fn with_status(status: StatusCode, html: Result<Html<String>, AppError>) -> Response {
    match html {
        Ok(h) => (status, h).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The errors a form page shows for `e`: its field errors, or one general error.
pub(crate) fn field_errors(e: &AppError) -> Vec<FieldMessage> {
    if e.fields.is_empty() {
        vec![FieldMessage { field: "form".into(), message: e.message.clone() }]
    } else {
        e.fields.clone()
    }
}

fn errors_value(errors: &[FieldMessage]) -> Value {
    ser(errors)
}

/// Any serialisable value as a template value.
pub(crate) fn ser<T: serde::Serialize>(v: T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

// ---------------------------------------------------------------------------------------------
// Login, second factor, logout.

async fn login_form(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if id.staff().is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    with_status(
        StatusCode::OK,
        page(
            &state,
            &id,
            "admin/login.html",
            context! { errors => errors_value(&[]), next => safe_next(q.next.as_deref()), notice => notice_text(q.notice.as_deref()), username => "" },
        ),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let mut errors = Vec::new();
    if f.username.trim().is_empty() {
        errors.push(FieldMessage { field: "username".into(), message: "请输入用户名".into() });
    }
    if f.password.is_empty() {
        errors.push(FieldMessage { field: "password".into(), message: "请输入密码".into() });
    }
    let status;
    if errors.is_empty() {
        let ua = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect::<String>());
        match state.svc.login(&id.ctx(), &f.username, &f.password, ua.as_deref(), id.session_token.as_deref()).await {
            Ok(out) => {
                let to = match out.stage {
                    SessionStage::Full => next,
                    SessionStage::SecondFactor => {
                        let n: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                        format!("/admin/login/totp?next={n}")
                    }
                    SessionStage::Enroll => "/admin/totp/enroll".into(),
                };
                let mut r = Redirect::to(&to).into_response();
                r.headers_mut().append(
                    header::SET_COOKIE,
                    set_cookie(state.session_cookie(), &out.token, state.web.secure_cookies, None),
                );
                return r;
            }
            Err(e) => {
                let e = AppError::from(e);
                if matches!(e.code, ErrorCode::Internal | ErrorCode::Unavailable) {
                    return e.into_response();
                }
                status = e.code.status();
                errors.push(FieldMessage { field: "password".into(), message: e.message });
            }
        }
    } else {
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    with_status(
        status,
        page(
            &state,
            &id,
            "admin/login.html",
            context! { errors => errors_value(&errors), next => next, username => f.username, notice => () },
        ),
    )
}

fn pending_session(id: &Identity, stage: SessionStage) -> Option<&gongkai_service::SessionAuth> {
    id.session.as_ref().filter(|s| s.session.stage == stage)
}

async fn totp_form(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if pending_session(&id, SessionStage::SecondFactor).is_none() {
        return Redirect::to("/admin/login").into_response();
    }
    with_status(
        StatusCode::OK,
        page(
            &state,
            &id,
            "admin/totp.html",
            context! { errors => errors_value(&[]), next => safe_next(q.next.as_deref()) },
        ),
    )
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

async fn totp_submit(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(s) = pending_session(&id, SessionStage::SecondFactor) else {
        return Redirect::to("/admin/login").into_response();
    };
    let next = safe_next(f.next.as_deref());
    match state.svc.second_factor(&id.ctx(), s, &f.code).await {
        Ok(token) => {
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, set_cookie(state.session_cookie(), &token, state.web.secure_cookies, None));
            r
        }
        Err(e) => {
            let e = AppError::from(e);
            if e.code != ErrorCode::ValidationFailed {
                return e.into_response();
            }
            with_status(
                e.code.status(),
                page(
                    &state,
                    &id,
                    "admin/totp.html",
                    context! { errors => errors_value(&field_errors(&e)), next => next },
                ),
            )
        }
    }
}

/// The session that may enrol: one waiting for enrolment, or a full one without a factor yet.
fn enrolling(id: &Identity) -> Option<&gongkai_service::SessionAuth> {
    id.session.as_ref().filter(|s| {
        s.session.stage == SessionStage::Enroll || (s.session.stage == SessionStage::Full && !s.user.user.totp_enabled)
    })
}

async fn render_enroll(state: &AppState, id: &Identity, errors: Vec<FieldMessage>, status: StatusCode) -> Response {
    let Some(s) = enrolling(id) else {
        return Redirect::to("/admin/").into_response();
    };
    match state.svc.begin_totp_enrolment(s).await {
        Ok((secret, uri)) => with_status(
            status,
            page(
                state,
                id,
                "admin/enroll.html",
                context! { secret => secret, uri => uri, errors => errors_value(&errors), required => s.session.stage == SessionStage::Enroll },
            ),
        ),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn enroll_form(State(state): State<AppState>, Extension(id): Extension<Identity>) -> Response {
    if id.session.is_none() {
        return Redirect::to("/admin/login").into_response();
    }
    render_enroll(&state, &id, Vec::new(), StatusCode::OK).await
}

async fn enroll_submit(
    State(state): State<AppState>,
    Extension(id): Extension<Identity>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(s) = enrolling(&id) else {
        return Redirect::to("/admin/login").into_response();
    };
    match state.svc.confirm_totp_enrolment(&id.ctx(), s, &f.code).await {
        Ok(Some(token)) => {
            let mut r = Redirect::to("/admin/?notice=totp_enabled").into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, set_cookie(state.session_cookie(), &token, state.web.secure_cookies, None));
            r
        }
        Ok(None) => Redirect::to("/admin/?notice=totp_enabled").into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if e.code != ErrorCode::ValidationFailed {
                return e.into_response();
            }
            render_enroll(&state, &id, field_errors(&e), e.code.status()).await
        }
    }
}

async fn logout(State(state): State<AppState>, Extension(id): Extension<Identity>) -> Response {
    if let Some(t) = &id.session_token {
        if let Err(e) = state.svc.logout(&id.ctx(), t).await {
            return AppError::from(e).into_response();
        }
    }
    let mut r = Redirect::to("/admin/login?notice=logged_out").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(state.session_cookie(), "", state.web.secure_cookies, Some(0)));
    r
}

// ---------------------------------------------------------------------------------------------
// Dashboard and password.

async fn dashboard(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<NoticeQuery>) -> Response {
    let grants: Vec<Value> =
        me.grants.iter().map(|g| context! { role => g.role.label(), org_name => g.org_name.clone() }).collect();
    // Overdue and soon-due disclosure applications reach every reader of them, supervisors included.
    let alerts: Vec<Value> = match state.svc.foi_alerts(&id.ctx()).await {
        Ok(a) => a
            .into_iter()
            .map(|a| context! { org => a.org_code, org_name => a.org_name, overdue => a.overdue, due_soon => a.due_soon })
            .collect(),
        Err(e) => return AppError::from(e).into_response(),
    };
    with_status(
        StatusCode::OK,
        page(
            &state,
            &id,
            "admin/dashboard.html",
            context! { grants => grants, alerts => alerts, totp_enabled => me.user.totp_enabled, notice => notice_text(q.notice.as_deref()) },
        ),
    )
}

fn password_page(
    state: &AppState,
    id: &Identity,
    me: &AuthUser,
    errors: &[FieldMessage],
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let p = &state.svc.config().password_policy;
    with_status(
        status,
        page(
            state,
            id,
            "admin/password.html",
            context! { errors => errors_value(errors), must_change => me.user.must_change_password, min_length => p.min_length, min_classes => p.min_classes, notice => notice },
        ),
    )
}

async fn password_form(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<NoticeQuery>) -> Response {
    password_page(&state, &id, &me, &[], notice_text(q.notice.as_deref()), StatusCode::OK)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn password_submit(State(state): State<AppState>, Staff(me, id): Staff, Form(f): Form<PasswordForm>) -> Response {
    let hash = id.session.as_ref().map(|s| s.session.id_hash.clone());
    match state
        .svc
        .change_own_password(&id.ctx(), hash.as_deref(), &f.current_password, &f.new_password, &f.confirm_password)
        .await
    {
        Ok(()) => Redirect::to("/admin/password?notice=password_changed").into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if e.code != ErrorCode::ValidationFailed {
                return e.into_response();
            }
            password_page(&state, &id, &me, &field_errors(&e), None, e.code.status())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Organisations.

#[derive(Deserialize, Default, serde::Serialize)]
struct OrgForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    credit_code: String,
}

async fn render_orgs(
    state: &AppState,
    id: &Identity,
    me: &AuthUser,
    form: &OrgForm,
    errors: &[FieldMessage],
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let orgs = match state.svc.list_orgs(None).await {
        Ok(o) => o,
        Err(e) => return AppError::from(e).into_response(),
    };
    let kinds: Vec<Value> = OrgKind::ALL.iter().map(|k| context! { key => k.key(), label => k.label() }).collect();
    with_status(
        status,
        page(
            state,
            id,
            "admin/orgs.html",
            context! {
                orgs => orgs.iter().map(org_value).collect::<Vec<_>>(),
                kinds => kinds,
                form => ser(form),
                errors => errors_value(errors),
                notice => notice,
                can_add => me.has_role(Role::SystemAdmin),
            },
        ),
    )
}

async fn orgs_page(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<NoticeQuery>) -> Response {
    let form = OrgForm { kind: "department".into(), ..OrgForm::default() };
    render_orgs(&state, &id, &me, &form, &[], notice_text(q.notice.as_deref()), StatusCode::OK).await
}

fn blank(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

async fn org_add(State(state): State<AppState>, Staff(me, id): Staff, Form(f): Form<OrgForm>) -> Response {
    let Some(kind) = OrgKind::parse(&f.kind) else {
        let errors =
            vec![FieldMessage { field: "kind".into(), message: format!("未知的机构类型“{}”", f.kind) }];
        return render_orgs(&state, &id, &me, &f, &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let input = OrgInput {
        code: f.code.trim().to_owned(),
        name: f.name.trim().to_owned(),
        kind,
        parent_code: blank(&f.parent),
        division_code: blank(&f.division_code),
        credit_code: blank(&f.credit_code),
    };
    match state.svc.add_org(&id.ctx(), &input).await {
        Ok(_) => Redirect::to("/admin/orgs?notice=org_added").into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if e.code != ErrorCode::ValidationFailed {
                return e.into_response();
            }
            render_orgs(&state, &id, &me, &f, &field_errors(&e), None, e.code.status()).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts and roles.

#[derive(Deserialize, Default, serde::Serialize)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
}

struct UsersView<'a> {
    form: &'a UserForm,
    errors: &'a [FieldMessage],
    notice: Option<&'a str>,
    shown_password: Option<(String, String)>,
    status: StatusCode,
}

async fn render_users(state: &AppState, id: &Identity, me: &AuthUser, v: UsersView<'_>) -> Response {
    let users = match state.svc.list_users(&id.ctx()).await {
        Ok(u) => u,
        Err(e) => return AppError::from(e).into_response(),
    };
    let orgs = match state.svc.list_orgs(None).await {
        Ok(o) => o,
        Err(e) => return AppError::from(e).into_response(),
    };
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            context! {
                username => u.user.username.clone(),
                display_name => u.user.display_name.clone(),
                disabled => u.user.disabled,
                totp_enabled => u.user.totp_enabled,
                grants => u.grants.iter().map(|g| context! { role => g.role.key(), role_label => g.role.label(), org_code => g.org_code.clone(), org_name => g.org_name.clone() }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let roles: Vec<Value> = Role::ALL.iter().map(|r| context! { key => r.key(), label => r.label() }).collect();
    with_status(
        v.status,
        page(
            state,
            id,
            "admin/users.html",
            context! {
                users => users,
                roles => roles,
                orgs => orgs.iter().map(org_value).collect::<Vec<_>>(),
                form => ser(v.form),
                errors => errors_value(v.errors),
                notice => v.notice,
                shown_password => v.shown_password.map(|(u, p)| context! { username => u, password => p }),
                can_manage_users => me.has_role(Role::SystemAdmin),
                can_grant => me.has_role(Role::SecurityAdmin),
            },
        ),
    )
}

async fn users_page(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<NoticeQuery>) -> Response {
    let form = UserForm::default();
    render_users(
        &state,
        &id,
        &me,
        UsersView {
            form: &form,
            errors: &[],
            notice: notice_text(q.notice.as_deref()),
            shown_password: None,
            status: StatusCode::OK,
        },
    )
    .await
}

/// The accounts page showing a new password once (after creating an account or a reset).
async fn show_password(state: &AppState, id: &Identity, me: &AuthUser, username: String, password: String) -> Response {
    let form = UserForm::default();
    let view = UsersView {
        form: &form,
        errors: &[],
        notice: None,
        shown_password: Some((username, password)),
        status: StatusCode::OK,
    };
    render_users(state, id, me, view).await
}

async fn user_add(State(state): State<AppState>, Staff(me, id): Staff, Form(f): Form<UserForm>) -> Response {
    match state.svc.add_user(&id.ctx(), &f.username, &f.display_name, None).await {
        Ok((user, password)) => show_password(&state, &id, &me, user.username, password).await,
        Err(e) => {
            let e = AppError::from(e);
            if e.code != ErrorCode::ValidationFailed {
                return e.into_response();
            }
            render_users(
                &state,
                &id,
                &me,
                UsersView {
                    form: &f,
                    errors: &field_errors(&e),
                    notice: None,
                    shown_password: None,
                    status: e.code.status(),
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org: String,
}

fn parse_role(s: &str) -> Result<Role, AppError> {
    Role::parse(s).ok_or_else(|| {
        let mut e = AppError::new(ErrorCode::ValidationFailed, format!("未知的角色“{s}”"));
        e.fields.push(FieldMessage { field: "role".into(), message: format!("未知的角色“{s}”") });
        e
    })
}

async fn grant_result(
    state: &AppState,
    id: &Identity,
    me: &AuthUser,
    r: Result<(), ServiceError>,
    ok_notice: &str,
) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/admin/users?notice={ok_notice}")).into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e.code, ErrorCode::Internal | ErrorCode::Unavailable | ErrorCode::Forbidden) {
                return e.into_response();
            }
            let status = e.code.status();
            let form = UserForm::default();
            render_users(
                state,
                id,
                me,
                UsersView { form: &form, errors: &field_errors(&e), notice: None, shown_password: None, status },
            )
            .await
        }
    }
}

async fn grant(State(state): State<AppState>, Staff(me, id): Staff, Form(f): Form<GrantForm>) -> Response {
    let role = match parse_role(&f.role) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let r = state.svc.grant(&id.ctx(), &f.username, role, &f.org).await;
    grant_result(&state, &id, &me, r, "granted").await
}

async fn revoke(
    State(state): State<AppState>,
    Staff(me, id): Staff,
    Path(username): Path<String>,
    Form(f): Form<GrantForm>,
) -> Response {
    let role = match parse_role(&f.role) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let r = state.svc.revoke(&id.ctx(), &username, role, &f.org).await;
    grant_result(&state, &id, &me, r, "revoked").await
}

async fn reset_password(State(state): State<AppState>, Staff(me, id): Staff, Path(username): Path<String>) -> Response {
    match state.svc.reset_password(&id.ctx(), &username, None).await {
        Ok(password) => show_password(&state, &id, &me, username, password).await,
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn disable(State(state): State<AppState>, Staff(_me, id): Staff, Path(username): Path<String>) -> Response {
    match state.svc.set_disabled(&id.ctx(), &username, true).await {
        Ok(()) => Redirect::to("/admin/users?notice=disabled").into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn enable(State(state): State<AppState>, Staff(_me, id): Staff, Path(username): Path<String>) -> Response {
    match state.svc.set_disabled(&id.ctx(), &username, false).await {
        Ok(()) => Redirect::to("/admin/users?notice=enabled").into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// API tokens.

#[derive(Deserialize, Default, serde::Serialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

#[allow(clippy::too_many_arguments)]
async fn render_tokens(
    state: &AppState,
    id: &Identity,
    me: &AuthUser,
    form: &TokenForm,
    errors: &[FieldMessage],
    notice: Option<&str>,
    new_token: Option<String>,
    status: StatusCode,
) -> Response {
    let who = if me.has_role(Role::SystemAdmin) { None } else { Some(me.user.username.as_str()) };
    let tokens = match state.svc.list_tokens(&id.ctx(), who).await {
        Ok(t) => t,
        Err(e) => return AppError::from(e).into_response(),
    };
    let now = state.svc.now_ms();
    let tokens: Vec<Value> = tokens
        .iter()
        .map(|t| {
            context! {
                id => t.id, username => t.username.clone(), name => t.name.clone(), prefix => t.prefix.clone(),
                created_at => t.created_at_ms, expires_at => t.expires_at_ms,
                revoked => t.revoked_at_ms.is_some(), active => t.is_active(now),
            }
        })
        .collect();
    with_status(
        status,
        page(
            state,
            id,
            "admin/tokens.html",
            context! { tokens => tokens, form => ser(form), errors => errors_value(errors), notice => notice, new_token => new_token, max_days => state.svc.config().token_max_days },
        ),
    )
}

async fn tokens_page(State(state): State<AppState>, Staff(me, id): Staff, Query(q): Query<NoticeQuery>) -> Response {
    render_tokens(&state, &id, &me, &TokenForm::default(), &[], notice_text(q.notice.as_deref()), None, StatusCode::OK)
        .await
}

async fn token_create(State(state): State<AppState>, Staff(me, id): Staff, Form(f): Form<TokenForm>) -> Response {
    let Ok(days) = f.days.trim().parse::<i64>() else {
        let errors = vec![FieldMessage { field: "days".into(), message: "有效期须为整数天数".into() }];
        return render_tokens(&state, &id, &me, &f, &errors, None, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match state.svc.create_token(&id.ctx(), &me.user.username, &f.name, days).await {
        Ok((_, secret)) => {
            render_tokens(&state, &id, &me, &TokenForm::default(), &[], None, Some(secret), StatusCode::OK).await
        }
        Err(e) => {
            let e = AppError::from(e);
            if e.code != ErrorCode::ValidationFailed {
                return e.into_response();
            }
            render_tokens(&state, &id, &me, &f, &field_errors(&e), None, None, e.code.status()).await
        }
    }
}

async fn token_revoke(State(state): State<AppState>, Staff(_me, id): Staff, Path(token_id): Path<i64>) -> Response {
    match state.svc.revoke_token(&id.ctx(), token_id).await {
        Ok(()) => Redirect::to("/admin/tokens?notice=token_revoked").into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// Audit log.

#[derive(Deserialize, Default, serde::Serialize, Clone)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    result: String,
    #[serde(default, skip_serializing)]
    page: Option<i64>,
}

/// Midnight Beijing time of a `YYYY-MM-DD` date, in ms.
fn day_start_ms(s: &str, field: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        let mut e = AppError::new(ErrorCode::ValidationFailed, format!("日期“{s}”无效，应为 YYYY-MM-DD"));
        e.fields
            .push(FieldMessage { field: field.into(), message: format!("日期“{s}”无效，应为 YYYY-MM-DD") });
        e
    })?;
    Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000))
}

fn audit_filter(q: &AuditQuery) -> Result<AuditFilter, AppError> {
    Ok(AuditFilter {
        actor_name: blank(&q.actor),
        action: blank(&q.action),
        target_kind: None,
        from_ms: day_start_ms(&q.from, "from")?,
        to_ms: day_start_ms(&q.to, "to")?.map(|t| t + 86_400_000),
        success: match q.result.as_str() {
            "success" => Some(true),
            "failure" => Some(false),
            _ => None,
        },
    })
}

fn audit_query_string(q: &AuditQuery) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("actor", &q.actor)
        .append_pair("action", &q.action)
        .append_pair("from", &q.from)
        .append_pair("to", &q.to)
        .append_pair("result", &q.result)
        .finish()
}

async fn render_audit(state: &AppState, id: &Identity, q: &AuditQuery, verify: Option<String>) -> Response {
    let filter = match audit_filter(q) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    const PER_PAGE: i64 = 50;
    let page_no = q.page.unwrap_or(1).max(1);
    let result = match state.svc.audit_page(&id.ctx(), &filter, PER_PAGE, (page_no - 1) * PER_PAGE).await {
        Ok(r) => r,
        Err(e) => return AppError::from(e).into_response(),
    };
    let rows: Vec<Value> = result
        .rows
        .iter()
        .map(|r| {
            let e = &r.record;
            context! {
                seq => e.seq, at => e.at_ms, actor => e.actor_name.clone(), ip => e.ip.clone(), action => e.action.clone(),
                target_kind => e.target_kind.clone(), target_id => e.target_id.clone(), success => e.success,
                before => e.before.clone(), after => e.after.clone(),
            }
        })
        .collect();
    let pages = (result.total + PER_PAGE - 1) / PER_PAGE;
    with_status(
        StatusCode::OK,
        page(
            state,
            id,
            "admin/audit.html",
            context! {
                rows => rows, total => result.total, page => page_no,
                prev_page => (page_no > 1).then_some(page_no - 1), next_page => (page_no < pages).then_some(page_no + 1),
                f => ser(q), query => audit_query_string(q), verify => verify,
                retention_days => state.svc.config().audit_retention_days,
            },
        ),
    )
}

async fn audit_page(State(state): State<AppState>, Staff(_me, id): Staff, Query(q): Query<AuditQuery>) -> Response {
    render_audit(&state, &id, &q, None).await
}

async fn audit_csv(State(state): State<AppState>, Staff(_me, id): Staff, Query(q): Query<AuditQuery>) -> Response {
    let filter = match audit_filter(&q) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    match state.svc.audit_csv(&id.ctx(), &filter).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
            ],
            body,
        )
            .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn audit_verify(State(state): State<AppState>, Staff(_me, id): Staff) -> Response {
    match state.svc.audit_verify(&id.ctx()).await {
        Ok(r) => {
            let msg = match r.broken {
                None => format!("校验通过：共 {} 条记录，哈希链完整。", r.checked),
                Some(b) => format!("校验失败：{b}"),
            };
            render_audit(&state, &id, &AuditQuery::default(), Some(msg)).await
        }
        Err(e) => AppError::from(e).into_response(),
    }
}
