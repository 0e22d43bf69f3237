//! Authentication: password login with lockout, TOTP second factor and enrolment, server-side
//! sessions with idle and absolute timeouts, and API tokens.
//!
//! A session cookie carries a random token; the database stores only its SHA-256, so a leaked
//! database does not leak sessions. Every step that grants more access (password accepted, second
//! factor accepted) replaces the session with a new id (session fixation defence).

use gongkai_domain::account::{ApiToken, Grant, Session, SessionStage, User, normalize_username};
use gongkai_domain::role::Role;
use gongkai_domain::totp;

use crate::secret::{random_bytes, random_token, token_hash, verify_dummy, verify_password};
use crate::{Ctx, Service, ServiceError};

/// A logged-in account with its grants.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub grants: Vec<Grant>,
}

impl AuthUser {
    /// Whether the account holds `role` on the organisation with materialised path `org_path`
    /// (granted there or on any ancestor).
    pub fn has_role_on(&self, role: Role, org_path: &str) -> bool {
        self.grants.iter().any(|g| g.role == role && org_path.starts_with(&g.org_path))
    }

    /// Whether the account holds `role` anywhere.
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Roles held, without duplicates.
    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    pub fn requires_two_factor(&self) -> bool {
        self.grants.iter().any(|g| g.role.requires_two_factor())
    }
}

/// What a password login led to.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The new session token for the cookie.
    pub token: String,
    pub stage: SessionStage,
}

/// A valid session with its account.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub session: Session,
    pub user: AuthUser,
}

impl Service {
    async fn auth_user(&self, user: User) -> Result<AuthUser, ServiceError> {
        let grants = self.store.grants_of(user.id).await?;
        Ok(AuthUser { user, grants })
    }

    /// Checks a user name and password. On success returns a new session (replacing `old_token`'s
    /// session, if any) at the stage the account needs next.
    pub async fn login(
        &self,
        ctx: &Ctx,
        username: &str,
        password: &str,
        user_agent: Option<&str>,
        old_token: Option<&str>,
    ) -> Result<LoginOutcome, ServiceError> {
        let now = self.now_ms();
        let norm = normalize_username(username);
        let ip = ctx.ip.as_deref();
        let lockout = self.cfg.lockout;

        if let Some(ip) = ip {
            let n = self.store.ip_login_failures(ip, now - lockout.window_ms).await?;
            if n >= i64::from(self.cfg.ip_failure_limit) {
                let mut tx = self.store.begin().await?;
                let mut a = ctx.audit(now, "login.refused_ip_limit", "user", Some(norm.clone()));
                a.success = false;
                tx.append_audit(&a).await?;
                tx.commit().await?;
                return Err(ServiceError::RateLimited("来自该地址的失败登录次数过多，请稍后再试".into()));
            }
        }

        let failures = self.store.recent_login_failures_by_ip(&norm, now - lockout.window_ms).await?;
        if let Err(e) = self.check_throttle(&norm, ip, &failures, now).await {
            verify_dummy(password);
            let mut tx = self.store.begin().await?;
            let action =
                if matches!(e, ServiceError::Locked { .. }) { "login.refused_locked" } else { "login.throttled" };
            let mut a = ctx.audit(now, action, "user", Some(norm.clone()));
            a.success = false;
            tx.append_audit(&a).await?;
            tx.commit().await?;
            return Err(e);
        }

        let user = self.store.user_by_username(&norm).await?;
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash) && !u.disabled,
            None => {
                verify_dummy(password);
                false
            }
        };

        let mut tx = self.store.begin().await?;
        if !ok {
            tx.insert_login_attempt(&norm, ip, now, false).await?;
        }
        let Some(user) = user.filter(|_| ok) else {
            let mut a = ctx.audit(now, "login.failure", "user", Some(norm.clone()));
            a.success = false;
            tx.append_audit(&a).await?;
            let mut from_here: Vec<i64> =
                failures.iter().filter(|(_, i)| i.as_deref() == ip).map(|(t, _)| *t).collect();
            from_here.push(now);
            let locked = lockout.locked_until(&from_here, now);
            if let Some(until) = locked {
                let mut a = ctx.audit(now, "login.lockout", "user", Some(norm.clone()));
                a.after = Some(format!("{{\"locked_until_ms\":{until}}}"));
                tx.append_audit(&a).await?;
            }
            tx.commit().await?;
            return Err(match locked {
                Some(until) => ServiceError::Locked { until_ms: until },
                None => ServiceError::Unauthenticated("用户名或密码错误".into()),
            });
        };

        let auth = self.auth_user(user.clone()).await?;
        let stage = if user.totp_enabled {
            SessionStage::SecondFactor
        } else if auth.requires_two_factor() {
            SessionStage::Enroll
        } else {
            SessionStage::Full
        };
        // Only a completed login resets the failure count; a password followed by wrong codes
        // keeps counting towards the lockout.
        if stage == SessionStage::Full {
            tx.insert_login_attempt(&norm, ip, now, true).await?;
        }
        if let Some(old) = old_token {
            tx.delete_session(&token_hash(old)).await?;
        }
        let token = random_token()?;
        let session = Session {
            id_hash: token_hash(&token),
            user_id: user.id,
            stage,
            csrf_token: random_token()?,
            created_at_ms: now,
            last_seen_at_ms: now,
            ip: ctx.ip.clone(),
        };
        tx.insert_session(&session, user_agent).await?;
        let mut a = ctx.audit(now, "login.success", "user", Some(user.id.to_string()));
        a.actor_id = Some(user.id);
        a.actor_name = user.username.clone();
        a.after = Some(format!("{{\"stage\":\"{}\"}}", stage.key()));
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(LoginOutcome { token, stage })
    }

    /// The login throttle (`LockoutPolicy`): refuses this address for this account after too many
    /// failures from it, and any address that has not completed a login of the account recently
    /// while the account's growing delay runs.
    async fn check_throttle(
        &self,
        norm: &str,
        ip: Option<&str>,
        failures: &[(i64, Option<String>)],
        now: i64,
    ) -> Result<(), ServiceError> {
        let policy = self.cfg.lockout;
        let from_here: Vec<i64> = failures.iter().filter(|(_, i)| i.as_deref() == ip).map(|(t, _)| *t).collect();
        if let Some(until) = policy.locked_until(&from_here, now) {
            return Err(ServiceError::Locked { until_ms: until });
        }
        let all: Vec<i64> = failures.iter().map(|(t, _)| *t).collect();
        if let Some(until) = policy.delayed_until(&all, now) {
            let trusted = match ip {
                Some(ip) => self.store.login_succeeded_from(norm, ip, now - policy.trusted_ms).await?,
                None => false,
            };
            if !trusted {
                let secs = (until - now + 999) / 1000;
                return Err(ServiceError::RateLimited(format!("该账号近期登录失败较多，请 {secs} 秒后再试")));
            }
        }
        Ok(())
    }

    /// Resolves a session cookie: the session must exist and be within its timeouts. Moves the idle
    /// clock forward. `Ok(None)` when the cookie is unknown or expired.
    pub async fn session(&self, token: &str) -> Result<Option<SessionAuth>, ServiceError> {
        let now = self.now_ms();
        let hash = token_hash(token);
        let Some(session) = self.store.session_by_hash(&hash).await? else {
            return Ok(None);
        };
        if session.is_expired(now, self.cfg.session_idle_ms, self.cfg.session_absolute_ms) {
            let mut tx = self.store.begin().await?;
            tx.delete_session(&hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        let Some(user) = self.store.user_by_id(session.user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        self.store.touch_session(&hash, now, 30_000).await?;
        let user = self.auth_user(user).await?;
        Ok(Some(SessionAuth { session, user }))
    }

    /// Ends a session on the server.
    pub async fn logout(&self, ctx: &Ctx, token: &str) -> Result<(), ServiceError> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if tx.delete_session(&token_hash(token)).await? {
            tx.append_audit(&ctx.audit(now, "logout", "user", ctx.actor_id().map(|i| i.to_string()))).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a session with a fresh one at `stage` (new id, new CSRF token).
    async fn rotate(
        &self,
        tx: &mut gongkai_store::Tx,
        old: &Session,
        stage: SessionStage,
        now: i64,
    ) -> Result<String, ServiceError> {
        tx.delete_session(&old.id_hash).await?;
        let token = random_token()?;
        let s = Session {
            id_hash: token_hash(&token),
            user_id: old.user_id,
            stage,
            csrf_token: random_token()?,
            created_at_ms: now,
            last_seen_at_ms: now,
            ip: old.ip.clone(),
        };
        tx.insert_session(&s, None).await?;
        Ok(token)
    }

    /// Second step of login: checks a TOTP code for a session at the second-factor stage and
    /// returns the token of the new, full session.
    pub async fn second_factor(&self, ctx: &Ctx, auth: &SessionAuth, code: &str) -> Result<String, ServiceError> {
        let now = self.now_ms();
        if auth.session.stage != SessionStage::SecondFactor {
            return Err(ServiceError::Conflict("当前会话不需要动态口令".into()));
        }
        let user = &auth.user.user;
        let norm = normalize_username(&user.username);
        let failures = self.store.recent_login_failures_by_ip(&norm, now - self.cfg.lockout.window_ms).await?;
        if let Err(e) = self.check_throttle(&norm, ctx.ip.as_deref(), &failures, now).await {
            let mut tx = self.store.begin().await?;
            let locked = matches!(e, ServiceError::Locked { .. });
            if locked {
                tx.delete_session(&auth.session.id_hash).await?;
            }
            let action = if locked { "login.refused_locked" } else { "login.throttled" };
            let mut a = ctx.audit(now, action, "user", Some(user.id.to_string()));
            a.success = false;
            tx.append_audit(&a).await?;
            tx.commit().await?;
            return Err(e);
        }
        let secret = user.totp_secret.as_deref().and_then(totp::decode_secret).unwrap_or_default();
        let step = totp::verify(&secret, code, now / 1000);
        let mut tx = self.store.begin().await?;
        let accepted = match step {
            Some(s) => tx.advance_totp_step(user.id, s).await?,
            None => false,
        };
        if !accepted {
            tx.insert_login_attempt(&normalize_username(&user.username), ctx.ip.as_deref(), now, false).await?;
            let mut a = ctx.audit(now, "login.totp_failure", "user", Some(user.id.to_string()));
            a.success = false;
            tx.append_audit(&a).await?;
            tx.commit().await?;
            return Err(ServiceError::invalid("code", "动态口令不正确或已使用，请输入验证器中的最新 6 位数字"));
        }
        let token = self.rotate(&mut tx, &auth.session, SessionStage::Full, now).await?;
        tx.insert_login_attempt(&norm, ctx.ip.as_deref(), now, true).await?;
        tx.append_audit(&ctx.audit(now, "login.totp_success", "user", Some(user.id.to_string()))).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Starts (or restarts) TOTP enrolment: stores a new secret and returns it (base32) with the
    /// `otpauth://` URI. The factor is enabled only when a code is confirmed.
    pub async fn begin_totp_enrolment(&self, auth: &SessionAuth) -> Result<(String, String), ServiceError> {
        let user = &auth.user.user;
        if user.totp_enabled {
            return Err(ServiceError::Conflict("已启用动态口令".into()));
        }
        let secret = match user.totp_secret.as_deref().and_then(totp::decode_secret) {
            Some(s) => s,
            None => {
                let s = random_bytes(20)?;
                let mut tx = self.store.begin().await?;
                tx.set_totp(user.id, Some(&totp::encode_secret(&s)), false, 0, self.now_ms()).await?;
                tx.commit().await?;
                s
            }
        };
        Ok((totp::encode_secret(&secret), totp::otpauth_uri(&self.cfg.totp_issuer, &user.username, &secret)))
    }

    /// Confirms enrolment with a code from the authenticator; enables the factor and, when the
    /// session was waiting for enrolment, returns the token of a new full session.
    pub async fn confirm_totp_enrolment(
        &self,
        ctx: &Ctx,
        auth: &SessionAuth,
        code: &str,
    ) -> Result<Option<String>, ServiceError> {
        let now = self.now_ms();
        let user = self
            .store
            .user_by_id(auth.user.user.id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("账号不存在".into()))?;
        // Only the session's own account, and only while it has no factor: a session that still
        // owes its second factor cannot replace it.
        if user.totp_enabled {
            return Err(ServiceError::Conflict("已启用动态口令".into()));
        }
        let Some(secret) = user.totp_secret.as_deref().and_then(totp::decode_secret) else {
            return Err(ServiceError::Conflict("请先开始绑定动态口令".into()));
        };
        let Some(step) = totp::verify(&secret, code, now / 1000) else {
            return Err(ServiceError::invalid("code", "动态口令不正确，请确认手机时间准确后输入最新 6 位数字"));
        };
        let mut tx = self.store.begin().await?;
        tx.set_totp(user.id, user.totp_secret.as_deref(), true, step, now).await?;
        tx.append_audit(&ctx.audit(now, "totp.enable", "user", Some(user.id.to_string()))).await?;
        let token = if auth.session.stage == SessionStage::Enroll {
            tx.insert_login_attempt(&normalize_username(&user.username), ctx.ip.as_deref(), now, true).await?;
            Some(self.rotate(&mut tx, &auth.session, SessionStage::Full, now).await?)
        } else {
            None
        };
        tx.commit().await?;
        Ok(token)
    }

    /// Resolves an API token (`Authorization: Bearer …`). `Ok(None)` when unknown, revoked, expired
    /// or its account is disabled.
    pub async fn token_user(&self, token: &str) -> Result<Option<(ApiToken, AuthUser)>, ServiceError> {
        let now = self.now_ms();
        let Some(t) = self.store.token_by_hash(&token_hash(token)).await? else {
            return Ok(None);
        };
        if !t.is_active(now) {
            return Ok(None);
        }
        let Some(user) = self.store.user_by_id(t.user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        self.store.touch_token(t.id, now).await?;
        let user = self.auth_user(user).await?;
        Ok(Some((t, user)))
    }
}
