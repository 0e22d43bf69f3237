//! Accounts, passwords, role grants (with 三员分立) and API tokens.
//!
//! Who may do what (the 三员分立 matrix, `gongkai_domain::role::may_maintain_account` and
//! `may_assign_role`, written out in ARCHITECTURE.md):
//! - an action on an account needs the actor's role on an organisation that contains every grant
//!   of the target (an account without grants belongs to the organisation it was created in;
//!   created by an operator, to the root organisations);
//! - create accounts, reset passwords and second factors, disable accounts, tokens of others: the
//!   system administrator, never on the security or audit administrator's account (the operator at
//!   the command line does those);
//! - grant and revoke roles: the security administrator on the organisation's subtree, business
//!   roles and its own role only; nobody changes their own roles;
//! - API tokens: anyone for themselves.
//!
//! A password reset, a disable and a grant of an administrator role revoke the account's API
//! tokens; a reset ends its sessions and keeps its second factor.

use gongkai_domain::FieldError;
use gongkai_domain::account::{ApiToken, Grant, User, normalize_username, validate_username};
use gongkai_domain::role::{Role, may_assign_role, may_maintain_account, separation_conflict};
use gongkai_store::NewUser;
use serde_json::json;

use crate::secret::{generate_password, hash_password, random_token, token_hash, verify_password};
use crate::{Actor, AuthUser, Ctx, Service, ServiceError};

/// An account with its grants, for lists.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub user: User,
    pub grants: Vec<Grant>,
}

impl Service {
    /// A generated password that the configured policy accepts for `username`: a random one can
    /// happen to contain the user name (`ed` in `…Xed4…`), so draw again until it passes.
    pub(crate) fn generated_password(&self, username: &str) -> Result<String, ServiceError> {
        for _ in 0..100 {
            let p = generate_password()?;
            if self.cfg.password_policy.check(&p, username).is_ok() {
                return Ok(p);
            }
        }
        Err(ServiceError::Internal("no generated password satisfies the password policy".into()))
    }

    fn require_system_admin(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        match &ctx.actor {
            Actor::System => Ok(()),
            Actor::User(u) if u.has_role(Role::SystemAdmin) => Ok(()),
            _ => Err(ServiceError::forbidden()),
        }
    }

    /// The roles an account holds and the organisation paths that decide who may act on it: those
    /// of its grants, or its home organisation while it holds none. No path: neither (created by an
    /// operator), so only administrators of a root organisation act on it.
    pub(crate) async fn account_scope(&self, user_id: i64) -> Result<(Vec<Role>, Vec<String>), ServiceError> {
        let grants = self.store.grants_of(user_id).await?;
        let roles = grants.iter().map(|g| g.role).collect();
        let mut paths: Vec<String> = grants.into_iter().map(|g| g.org_path).collect();
        if paths.is_empty() {
            paths.extend(self.store.user_home_org_path(user_id).await?);
        }
        Ok((roles, paths))
    }

    /// Refuses an action on an account (audited, like every refused administrative action).
    async fn refuse(&self, ctx: &Ctx, action: &str, target: &User, why: &str) -> Result<(), ServiceError> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut a = ctx.audit(now, action, "user", Some(target.id.to_string()));
        a.success = false;
        a.after = Some(json!({"refused": why}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Err(ServiceError::Forbidden(why.to_owned()))
    }

    /// Checks that the actor may maintain `target` (password, second factor, disable, tokens): a
    /// system administrator over every organisation of the target, and the matrix allows it.
    async fn require_maintainer(&self, ctx: &Ctx, action: &str, target: &User) -> Result<(), ServiceError> {
        let Actor::User(u) = &ctx.actor else {
            return match ctx.actor {
                Actor::System => Ok(()),
                _ => Err(ServiceError::forbidden()),
            };
        };
        let (roles, paths) = self.account_scope(target.id).await?;
        if !may_maintain_account(Role::SystemAdmin, &roles) {
            return self
                .refuse(ctx, action, target, "三员分立：安全保密管理员和安全审计员的账号只能由运维人员在命令行维护")
                .await;
        }
        if !holds_over(u, Role::SystemAdmin, &paths) {
            return self.refuse(ctx, action, target, "该账号不在您管理的机构范围内").await;
        }
        Ok(())
    }

    async fn user_named(&self, username: &str) -> Result<User, ServiceError> {
        self.store
            .user_by_username(&normalize_username(username))
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("账号“{username}”不存在")))
    }

    /// Creates an account. Without a password one is generated; either way it is returned once and
    /// the account must change it at first login. It belongs to the actor's topmost organisation
    /// as system administrator until it is granted a role ([`Service::add_user_in`] names one).
    pub async fn add_user(
        &self,
        ctx: &Ctx,
        username: &str,
        display_name: &str,
        password: Option<&str>,
    ) -> Result<(User, String), ServiceError> {
        self.add_user_in(ctx, username, display_name, password, None).await
    }

    /// Creates an account belonging to the organisation `home_org` (its home while it holds no
    /// grant), which must lie inside the actor's grant as system administrator.
    pub async fn add_user_in(
        &self,
        ctx: &Ctx,
        username: &str,
        display_name: &str,
        password: Option<&str>,
        home_org: Option<&str>,
    ) -> Result<(User, String), ServiceError> {
        self.require_system_admin(ctx)?;
        let home_org_id = match (home_org.map(str::trim).filter(|c| !c.is_empty()), &ctx.actor) {
            (Some(code), actor) => {
                let org = self.store.org_by_code(code).await?;
                match (org, actor) {
                    (Some(o), Actor::System) => Some(o.id),
                    (Some(o), Actor::User(u)) if u.has_role_on(Role::SystemAdmin, &o.path) => Some(o.id),
                    // Outside the actor's organisations: the same answer whether it exists or not.
                    _ => return Err(ServiceError::invalid("org", format!("机构“{code}”不存在或不在您的管理范围内"))),
                }
            }
            (None, Actor::User(u)) => u
                .grants
                .iter()
                .filter(|g| g.role == Role::SystemAdmin)
                .min_by_key(|g| g.org_path.len())
                .map(|g| g.org_id),
            (None, _) => None,
        };
        let mut errors = Vec::new();
        let username = username.trim();
        if let Err(e) = validate_username(username) {
            errors.push(e);
        }
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 64 || display_name.chars().any(char::is_control) {
            errors.push(FieldError::new("display_name", "姓名不能为空，且不超过 64 个字符"));
        }
        let password = match password {
            Some(p) => p.to_owned(),
            None => self.generated_password(username)?,
        };
        if let Err(e) = self.cfg.password_policy.check(&password, username) {
            errors.push(e);
        }
        gongkai_domain::Invalid::check(errors)?;
        let norm = normalize_username(username);
        if self.store.user_by_username(&norm).await?.is_some() {
            return Err(ServiceError::Invalid(gongkai_domain::Invalid::one(
                "username",
                format!("用户名“{username}”已被使用"),
            )));
        }
        let hash = hash_password(&password)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_user(&NewUser {
                username,
                username_norm: &norm,
                display_name,
                password_hash: &hash,
                must_change_password: true,
                home_org_id,
                now_ms: now,
            })
            .await?;
        let mut a = ctx.audit(now, "user.create", "user", Some(id.to_string()));
        a.after = Some(json!({"username": username, "display_name": display_name}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        let user = self.store.user_by_id(id).await?.ok_or_else(|| ServiceError::Internal("user vanished".into()))?;
        Ok((user, password))
    }

    /// Every account with its grants.
    /// Every account with its grants; an administrator sees the accounts inside its organisations
    /// (and its own).
    pub async fn list_users(&self, ctx: &Ctx) -> Result<Vec<UserSummary>, ServiceError> {
        let me = match &ctx.actor {
            Actor::System => None,
            Actor::User(u) if u.has_role(Role::SystemAdmin) || u.has_role(Role::SecurityAdmin) => Some(u),
            _ => return Err(ServiceError::forbidden()),
        };
        let users = self.store.list_users().await?;
        let grants = self.store.all_grants().await?;
        let mut out = Vec::new();
        for user in users {
            let g: Vec<Grant> = grants.iter().filter(|g| g.user_id == user.id).cloned().collect();
            if let Some(me) = me {
                let mut paths: Vec<String> = g.iter().map(|g| g.org_path.clone()).collect();
                if paths.is_empty() {
                    paths.extend(self.store.user_home_org_path(user.id).await?);
                }
                let visible = me.user.id == user.id
                    || holds_over(me, Role::SystemAdmin, &paths)
                    || holds_over(me, Role::SecurityAdmin, &paths);
                if !visible {
                    continue;
                }
            }
            out.push(UserSummary { user, grants: g });
        }
        Ok(out)
    }

    /// Sets another account's password (administrator reset). Without a password one is generated.
    /// The account must change it at next login; its sessions end and its API tokens are revoked;
    /// its second factor stays, so whoever resets the password still cannot log in as it.
    pub async fn reset_password(
        &self,
        ctx: &Ctx,
        username: &str,
        password: Option<&str>,
    ) -> Result<String, ServiceError> {
        self.require_system_admin(ctx)?;
        let user = self.user_named(username).await?;
        if ctx.actor_id() == Some(user.id) {
            return Err(ServiceError::Forbidden("请在“修改密码”页修改自己的密码".into()));
        }
        self.require_maintainer(ctx, "password.reset", &user).await?;
        let password = match password {
            Some(p) => p.to_owned(),
            None => self.generated_password(&user.username)?,
        };
        self.cfg
            .password_policy
            .check(&password, &user.username)
            .map_err(|e| ServiceError::Invalid(gongkai_domain::Invalid(vec![e])))?;
        let hash = hash_password(&password)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_password(user.id, &hash, true, now).await?;
        tx.delete_sessions_of(user.id, None).await?;
        let revoked = tx.revoke_tokens_of(user.id, now).await?;
        let mut a = ctx.audit(now, "password.reset", "user", Some(user.id.to_string()));
        a.after = Some(json!({"tokens_revoked": revoked}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(password)
    }

    /// Changes the acting account's own password; other sessions of the account end.
    pub async fn change_own_password(
        &self,
        ctx: &Ctx,
        session_hash: Option<&str>,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), ServiceError> {
        let Some(me) = ctx.auth_user() else {
            return Err(ServiceError::Unauthenticated("请先登录".into()));
        };
        let user =
            self.store.user_by_id(me.user.id).await?.ok_or_else(|| ServiceError::NotFound("账号不存在".into()))?;
        let now = self.now_ms();
        if !verify_password(current, &user.password_hash) {
            let mut tx = self.store.begin().await?;
            let mut a = ctx.audit(now, "password.change", "user", Some(user.id.to_string()));
            a.success = false;
            tx.append_audit(&a).await?;
            tx.commit().await?;
            return Err(ServiceError::invalid("current_password", "当前密码不正确"));
        }
        let mut errors = Vec::new();
        if new != confirm {
            errors.push(FieldError::new("confirm_password", "两次输入的新密码不一致"));
        }
        if new == current {
            errors.push(FieldError::new("new_password", "新密码不能与当前密码相同"));
        }
        if let Err(mut e) = self.cfg.password_policy.check(new, &user.username) {
            e.field = "new_password".into();
            errors.push(e);
        }
        gongkai_domain::Invalid::check(errors)?;
        let hash = hash_password(new)?;
        let mut tx = self.store.begin().await?;
        tx.set_password(user.id, &hash, false, now).await?;
        tx.delete_sessions_of(user.id, session_hash).await?;
        tx.append_audit(&ctx.audit(now, "password.change", "user", Some(user.id.to_string()))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants `role` on the organisation `org_code` (and everything below it).
    /// Granting an administrator role revokes the account's API tokens (they were issued for what
    /// it could do before).
    pub async fn grant(&self, ctx: &Ctx, username: &str, role: Role, org_code: &str) -> Result<(), ServiceError> {
        self.require_security_admin(ctx)?;
        let user = self.user_named(username).await?;
        let org = self.org_for_grant(ctx, org_code).await?;
        self.require_assigner(ctx, "role.grant", &user, role, &org.path).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_user(user.id).await?;
        let held: Vec<Role> = tx.grants_of(user.id).await?.iter().map(|g| g.role).collect();
        if let Some(conflict) = separation_conflict(&held, role) {
            let mut a = ctx.audit(now, "role.grant", "user", Some(user.id.to_string()));
            a.success = false;
            a.org_id = Some(org.id);
            a.after = Some(json!({"role": role.key(), "org": org.code, "refused": "separation_of_duties"}).to_string());
            tx.append_audit(&a).await?;
            tx.commit().await?;
            return Err(ServiceError::Conflict(format!(
                "三员分立：账号“{}”已是{}，不能再授予{}",
                user.username,
                conflict.label(),
                role.label()
            )));
        }
        match tx.insert_grant(user.id, role, org.id, ctx.actor_id(), now).await {
            Ok(_) => {}
            Err(gongkai_store::StoreError::Conflict { .. }) => {
                return Err(ServiceError::Conflict(format!(
                    "账号“{}”已在“{}”拥有{}角色",
                    user.username,
                    org.name,
                    role.label()
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let revoked = if role.is_three_admin() { tx.revoke_tokens_of(user.id, now).await? } else { 0 };
        let mut a = ctx.audit(now, "role.grant", "user", Some(user.id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(
            json!({"username": user.username, "role": role.key(), "org": org.code, "tokens_revoked": revoked})
                .to_string(),
        );
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes a grant.
    pub async fn revoke(&self, ctx: &Ctx, username: &str, role: Role, org_code: &str) -> Result<(), ServiceError> {
        self.require_security_admin(ctx)?;
        let user = self.user_named(username).await?;
        let org = self.org_for_grant(ctx, org_code).await?;
        self.require_assigner(ctx, "role.revoke", &user, role, &org.path).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.delete_grant(user.id, role, org.id).await? {
            return Err(ServiceError::NotFound(format!(
                "账号“{}”在“{}”没有{}角色",
                user.username,
                org.name,
                role.label()
            )));
        }
        let mut a = ctx.audit(now, "role.revoke", "user", Some(user.id.to_string()));
        a.org_id = Some(org.id);
        a.before = Some(json!({"username": user.username, "role": role.key(), "org": org.code}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    fn require_security_admin(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        match &ctx.actor {
            Actor::System => Ok(()),
            Actor::User(u) if u.has_role(Role::SecurityAdmin) => Ok(()),
            _ => Err(ServiceError::forbidden()),
        }
    }

    /// The organisation of a grant; one outside the actor's organisations is answered like one
    /// that does not exist.
    async fn org_for_grant(&self, ctx: &Ctx, org_code: &str) -> Result<gongkai_domain::org::Org, ServiceError> {
        let org = self.store.org_by_code(org_code).await?;
        match (org, &ctx.actor) {
            (Some(o), Actor::System) => Ok(o),
            (Some(o), Actor::User(u)) if u.has_role_on(Role::SecurityAdmin, &o.path) => Ok(o),
            (Some(_), _) => Err(ServiceError::Forbidden(format!("机构“{org_code}”不在您的管理范围内"))),
            (None, _) => Err(ServiceError::invalid("org", format!("机构“{org_code}”不存在"))),
        }
    }

    /// Checks that the actor may grant or revoke `role` on the organisation at `org_path` for
    /// `target`: the security administrator on that organisation and on every organisation of the
    /// target, within the 三员分立 matrix, and never for itself.
    async fn require_assigner(
        &self,
        ctx: &Ctx,
        action: &str,
        target: &User,
        role: Role,
        org_path: &str,
    ) -> Result<(), ServiceError> {
        let Actor::User(u) = &ctx.actor else {
            return match ctx.actor {
                Actor::System => Ok(()),
                _ => Err(ServiceError::forbidden()),
            };
        };
        if u.user.id == target.id {
            return Err(ServiceError::Forbidden("不能修改自己的角色".into()));
        }
        if !u.has_role_on(Role::SecurityAdmin, org_path) {
            return self.refuse(ctx, action, target, "该机构不在您管理的范围内").await;
        }
        let (roles, paths) = self.account_scope(target.id).await?;
        if !may_assign_role(Role::SecurityAdmin, role, &roles) {
            return self
                .refuse(
                    ctx,
                    action,
                    target,
                    "三员分立：系统管理员、安全审计员角色及其账号的授权只能由运维人员在命令行进行",
                )
                .await;
        }
        if !holds_over(u, Role::SecurityAdmin, &paths) {
            return self.refuse(ctx, action, target, "该账号不在您管理的机构范围内").await;
        }
        Ok(())
    }

    /// Disables or re-enables an account; disabling ends its sessions.
    pub async fn set_disabled(&self, ctx: &Ctx, username: &str, disabled: bool) -> Result<(), ServiceError> {
        self.require_system_admin(ctx)?;
        let user = self.user_named(username).await?;
        if ctx.actor_id() == Some(user.id) {
            return Err(ServiceError::Forbidden("不能停用自己的账号".into()));
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        self.require_maintainer(ctx, action, &user).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_disabled(user.id, disabled, now).await?;
        let mut a = ctx.audit(now, action, "user", Some(user.id.to_string()));
        if disabled {
            tx.delete_sessions_of(user.id, None).await?;
            let revoked = tx.revoke_tokens_of(user.id, now).await?;
            a.after = Some(json!({"tokens_revoked": revoked}).to_string());
        }
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes an account's second factor (lost phone); it must enrol again at next login.
    pub async fn reset_totp(&self, ctx: &Ctx, username: &str) -> Result<(), ServiceError> {
        self.require_system_admin(ctx)?;
        let user = self.user_named(username).await?;
        if ctx.actor_id() == Some(user.id) {
            return Err(ServiceError::Forbidden("不能重置自己的动态口令".into()));
        }
        self.require_maintainer(ctx, "totp.reset", &user).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_totp(user.id, None, false, 0, now).await?;
        tx.delete_sessions_of(user.id, None).await?;
        tx.append_audit(&ctx.audit(now, "totp.reset", "user", Some(user.id.to_string()))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an API token for `username`, valid for `days`. Returns the token record and the
    /// secret, which is shown once and never stored.
    pub async fn create_token(
        &self,
        ctx: &Ctx,
        username: &str,
        name: &str,
        days: i64,
    ) -> Result<(ApiToken, String), ServiceError> {
        match &ctx.actor {
            Actor::System => {}
            Actor::User(u) if normalize_username(&u.user.username) == normalize_username(username) => {}
            Actor::User(u) if u.has_role(Role::SystemAdmin) => {}
            _ => return Err(ServiceError::forbidden()),
        }
        let user = self.user_named(username).await?;
        if ctx.actor_id() != Some(user.id) {
            self.require_maintainer(ctx, "token.create", &user).await?;
        }
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            errors.push(FieldError::new("name", "令牌名称不能为空，且不超过 64 个字符"));
        }
        if days < 1 || days > self.cfg.token_max_days {
            errors.push(FieldError::new("days", format!("有效期应为 1–{} 天", self.cfg.token_max_days)));
        }
        gongkai_domain::Invalid::check(errors)?;
        let secret = format!("gk_{}", random_token()?);
        let prefix: String = secret.chars().take(10).collect();
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx.insert_token(user.id, name, &prefix, &token_hash(&secret), now, now + days * 86_400_000).await?;
        let mut a = ctx.audit(now, "token.create", "token", Some(id.to_string()));
        a.after = Some(json!({"username": user.username, "name": name, "prefix": prefix, "days": days}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        let t = self.store.token_by_id(id).await?.ok_or_else(|| ServiceError::Internal("token vanished".into()))?;
        Ok((t, secret))
    }

    /// Revokes a token by id.
    pub async fn revoke_token(&self, ctx: &Ctx, id: i64) -> Result<(), ServiceError> {
        let t = self.store.token_by_id(id).await?.ok_or_else(|| ServiceError::NotFound(format!("令牌 {id} 不存在")))?;
        match &ctx.actor {
            Actor::System => {}
            Actor::User(u) if u.user.id == t.user_id => {}
            Actor::User(u) if u.has_role(Role::SystemAdmin) => {
                let owner = self
                    .store
                    .user_by_id(t.user_id)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound("账号不存在".into()))?;
                self.require_maintainer(ctx, "token.revoke", &owner).await?;
            }
            _ => return Err(ServiceError::forbidden()),
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.revoke_token(id, now).await? {
            return Err(ServiceError::Conflict(format!("令牌 {id} 已被撤销")));
        }
        tx.append_audit(&ctx.audit(now, "token.revoke", "token", Some(id.to_string()))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tokens of `username` (or everyone's, for the system administrator and operators).
    pub async fn list_tokens(&self, ctx: &Ctx, username: Option<&str>) -> Result<Vec<ApiToken>, ServiceError> {
        let user_id = match username {
            Some(u) => Some(self.user_named(u).await?.id),
            None => None,
        };
        let admin = match &ctx.actor {
            Actor::System => None,
            Actor::User(u) if user_id == Some(u.user.id) => None,
            Actor::User(u) if u.has_role(Role::SystemAdmin) => Some(u),
            _ => return Err(ServiceError::forbidden()),
        };
        let tokens = self.store.list_tokens(user_id).await?;
        let Some(me) = admin else { return Ok(tokens) };
        // An administrator sees its own tokens and those of the accounts it maintains.
        let mut out = Vec::new();
        let mut allowed: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
        for t in tokens {
            let ok = match allowed.get(&t.user_id) {
                Some(ok) => *ok,
                None => {
                    let (roles, paths) = self.account_scope(t.user_id).await?;
                    let ok = t.user_id == me.user.id
                        || (may_maintain_account(Role::SystemAdmin, &roles)
                            && holds_over(me, Role::SystemAdmin, &paths));
                    allowed.insert(t.user_id, ok);
                    ok
                }
            };
            if ok {
                out.push(t);
            }
        }
        Ok(out)
    }
}

/// Whether `actor` holds `role` on an organisation containing every path in `paths`; with no path
/// (an account created by an operator, without grants), on a root organisation.
pub(crate) fn holds_over(actor: &AuthUser, role: Role, paths: &[String]) -> bool {
    if paths.is_empty() {
        return actor.grants.iter().any(|g| g.role == role && is_root_path(&g.org_path));
    }
    paths.iter().all(|p| actor.has_role_on(role, p))
}

/// Whether a materialised path (`/1/`) is that of a root organisation.
pub(crate) fn is_root_path(path: &str) -> bool {
    path.matches('/').count() == 2
}
