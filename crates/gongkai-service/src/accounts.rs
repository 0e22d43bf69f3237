//! Accounts, passwords, role grants (with 三员分立) and API tokens.
//!
//! Who may do what:
//! - create accounts, reset passwords, disable accounts: the system administrator (or an operator
//!   at the command line);
//! - grant and revoke roles: the security administrator on the organisation's subtree (or an
//!   operator); nobody changes their own roles;
//! - API tokens: anyone for themselves; the system administrator for others.

use gongkai_domain::FieldError;
use gongkai_domain::account::{ApiToken, Grant, User, normalize_username, validate_username};
use gongkai_domain::role::{Role, separation_conflict};
use gongkai_store::NewUser;
use serde_json::json;

use crate::secret::{generate_password, hash_password, random_token, token_hash, verify_password};
use crate::{Actor, Ctx, Service, ServiceError};

/// An account with its grants, for lists.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub user: User,
    pub grants: Vec<Grant>,
}

impl Service {
    fn require_system_admin(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        match &ctx.actor {
            Actor::System => Ok(()),
            Actor::User(u) if u.has_role(Role::SystemAdmin) => Ok(()),
            _ => Err(ServiceError::forbidden()),
        }
    }

    async fn user_named(&self, username: &str) -> Result<User, ServiceError> {
        self.store
            .user_by_username(&normalize_username(username))
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("账号“{username}”不存在")))
    }

    /// Creates an account. Without a password one is generated; either way it is returned once and
    /// the account must change it at first login.
    pub async fn add_user(
        &self,
        ctx: &Ctx,
        username: &str,
        display_name: &str,
        password: Option<&str>,
    ) -> Result<(User, String), ServiceError> {
        self.require_system_admin(ctx)?;
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
            None => generate_password()?,
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
    pub async fn list_users(&self, ctx: &Ctx) -> Result<Vec<UserSummary>, ServiceError> {
        match &ctx.actor {
            Actor::System => {}
            Actor::User(u) if u.has_role(Role::SystemAdmin) || u.has_role(Role::SecurityAdmin) => {}
            _ => return Err(ServiceError::forbidden()),
        }
        let users = self.store.list_users().await?;
        let grants = self.store.all_grants().await?;
        Ok(users
            .into_iter()
            .map(|user| {
                let g = grants.iter().filter(|g| g.user_id == user.id).cloned().collect();
                UserSummary { user, grants: g }
            })
            .collect())
    }

    /// Sets another account's password (administrator reset). Without a password one is generated.
    /// The account must change it at next login; its sessions end.
    pub async fn reset_password(
        &self,
        ctx: &Ctx,
        username: &str,
        password: Option<&str>,
    ) -> Result<String, ServiceError> {
        self.require_system_admin(ctx)?;
        let user = self.user_named(username).await?;
        let password = match password {
            Some(p) => p.to_owned(),
            None => generate_password()?,
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
        tx.append_audit(&ctx.audit(now, "password.reset", "user", Some(user.id.to_string()))).await?;
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
    pub async fn grant(&self, ctx: &Ctx, username: &str, role: Role, org_code: &str) -> Result<(), ServiceError> {
        let user = self.user_named(username).await?;
        let org = self
            .store
            .org_by_code(org_code)
            .await?
            .ok_or_else(|| ServiceError::invalid("org", format!("机构“{org_code}”不存在")))?;
        self.require_security_admin_on(ctx, &org.path, user.id)?;
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
        let mut a = ctx.audit(now, "role.grant", "user", Some(user.id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"username": user.username, "role": role.key(), "org": org.code}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes a grant.
    pub async fn revoke(&self, ctx: &Ctx, username: &str, role: Role, org_code: &str) -> Result<(), ServiceError> {
        let user = self.user_named(username).await?;
        let org = self
            .store
            .org_by_code(org_code)
            .await?
            .ok_or_else(|| ServiceError::invalid("org", format!("机构“{org_code}”不存在")))?;
        self.require_security_admin_on(ctx, &org.path, user.id)?;
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

    fn require_security_admin_on(&self, ctx: &Ctx, org_path: &str, target_user: i64) -> Result<(), ServiceError> {
        match &ctx.actor {
            Actor::System => Ok(()),
            Actor::User(u) if u.user.id == target_user => Err(ServiceError::Forbidden("不能修改自己的角色".into())),
            Actor::User(u) if u.has_role_on(Role::SecurityAdmin, org_path) => Ok(()),
            _ => Err(ServiceError::forbidden()),
        }
    }

    /// Disables or re-enables an account; disabling ends its sessions.
    pub async fn set_disabled(&self, ctx: &Ctx, username: &str, disabled: bool) -> Result<(), ServiceError> {
        self.require_system_admin(ctx)?;
        let user = self.user_named(username).await?;
        if ctx.actor_id() == Some(user.id) {
            return Err(ServiceError::Forbidden("不能停用自己的账号".into()));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_disabled(user.id, disabled, now).await?;
        if disabled {
            tx.delete_sessions_of(user.id, None).await?;
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        tx.append_audit(&ctx.audit(now, action, "user", Some(user.id.to_string()))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes an account's second factor (lost phone); it must enrol again at next login.
    pub async fn reset_totp(&self, ctx: &Ctx, username: &str) -> Result<(), ServiceError> {
        self.require_system_admin(ctx)?;
        let user = self.user_named(username).await?;
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
        let user = self.user_named(username).await?;
        match &ctx.actor {
            Actor::System => {}
            Actor::User(u) if u.user.id == user.id || u.has_role(Role::SystemAdmin) => {}
            _ => return Err(ServiceError::forbidden()),
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
            Actor::User(u) if u.user.id == t.user_id || u.has_role(Role::SystemAdmin) => {}
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
        match &ctx.actor {
            Actor::System => {}
            Actor::User(u) if u.has_role(Role::SystemAdmin) => {}
            Actor::User(u) if user_id == Some(u.user.id) => {}
            _ => return Err(ServiceError::forbidden()),
        }
        Ok(self.store.list_tokens(user_id).await?)
    }
}
