//! Accounts, role grants, sessions, login attempts and API tokens.

use gongkai_domain::account::{ApiToken, Grant, Session, SessionStage, User};
use gongkai_domain::role::Role;

use crate::{Store, StoreError, Tx, on_pool, on_tx};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    password_changed_at: i64,
    must_change_password: bool,
    totp_secret: Option<String>,
    totp_enabled: bool,
    totp_last_step: i64,
    disabled: bool,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            password_hash: r.password_hash,
            password_changed_at_ms: r.password_changed_at,
            must_change_password: r.must_change_password,
            totp_secret: r.totp_secret,
            totp_enabled: r.totp_enabled,
            totp_last_step: r.totp_last_step,
            disabled: r.disabled,
            created_at_ms: r.created_at,
        }
    }
}

const USER_COLS: &str = "id, username, display_name, password_hash, password_changed_at, must_change_password, \
                         totp_secret, totp_enabled, totp_last_step, disabled, created_at";

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: i64,
    user_id: i64,
    role: String,
    org_id: i64,
    code: String,
    name: String,
    path: String,
    granted_at: i64,
}

fn grants(rows: Vec<GrantRow>) -> Result<Vec<Grant>, StoreError> {
    rows.into_iter()
        .map(|r| {
            let role = Role::parse(&r.role)
                .ok_or_else(|| StoreError::Other(format!("role_grants.role has an unknown value “{}”", r.role)))?;
            Ok(Grant {
                id: r.id,
                user_id: r.user_id,
                role,
                org_id: r.org_id,
                org_code: r.code,
                org_name: r.name,
                org_path: r.path,
                granted_at_ms: r.granted_at,
            })
        })
        .collect()
}

const GRANT_SELECT: &str = "SELECT g.id, g.user_id, g.role, g.org_id, o.code, o.name, o.path, g.granted_at \
                            FROM role_grants g JOIN orgs o ON o.id = g.org_id";

#[derive(sqlx::FromRow)]
struct SessionRow {
    id_hash: String,
    user_id: i64,
    stage: String,
    csrf_token: String,
    created_at: i64,
    last_seen_at: i64,
    ip: Option<String>,
}

impl SessionRow {
    fn into_session(self) -> Result<Session, StoreError> {
        let stage = SessionStage::parse(&self.stage)
            .ok_or_else(|| StoreError::Other(format!("sessions.stage has an unknown value “{}”", self.stage)))?;
        Ok(Session {
            id_hash: self.id_hash,
            user_id: self.user_id,
            stage,
            csrf_token: self.csrf_token,
            created_at_ms: self.created_at,
            last_seen_at_ms: self.last_seen_at,
            ip: self.ip,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    username: String,
    name: String,
    prefix: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> ApiToken {
        ApiToken {
            id: r.id,
            user_id: r.user_id,
            username: r.username,
            name: r.name,
            prefix: r.prefix,
            created_at_ms: r.created_at,
            expires_at_ms: r.expires_at,
            revoked_at_ms: r.revoked_at,
            last_used_at_ms: r.last_used_at,
        }
    }
}

const TOKEN_SELECT: &str = "SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.expires_at, \
                            t.revoked_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// A new account, already validated and hashed.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub username_norm: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    /// The organisation the account belongs to while it holds no grant.
    pub home_org_id: Option<i64>,
    pub now_ms: i64,
}

impl Store {
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLS} FROM users WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(User::from))
    }

    pub async fn user_by_username(&self, username_norm: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLS} FROM users WHERE username_norm = $1")))
                .bind(username_norm)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(User::from))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLS} FROM users ORDER BY username_norm")))
                .fetch_all(p)
                .await?
        });
        Ok(rows.into_iter().map(User::from).collect())
    }

    /// Grants held by one account.
    pub async fn grants_of(&self, user_id: i64) -> Result<Vec<Grant>, StoreError> {
        let rows: Vec<GrantRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{GRANT_SELECT} WHERE g.user_id = $1 ORDER BY g.role, o.path")))
                .bind(user_id)
                .fetch_all(p)
                .await?
        });
        grants(rows)
    }

    /// Every grant, for account lists.
    pub async fn all_grants(&self) -> Result<Vec<Grant>, StoreError> {
        let rows: Vec<GrantRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{GRANT_SELECT} ORDER BY g.user_id, g.role, o.path")))
                .fetch_all(p)
                .await?
        });
        grants(rows)
    }

    pub async fn session_by_hash(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let row: Option<SessionRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id_hash, user_id, stage, csrf_token, created_at, last_seen_at, ip FROM sessions WHERE id_hash = $1",
            )
            .bind(id_hash)
            .fetch_optional(p)
            .await?
        });
        row.map(SessionRow::into_session).transpose()
    }

    /// Moves a session's idle clock forward; only writes when `last_seen` is older than
    /// `min_gap_ms`, so page views do not each cost a write.
    pub async fn touch_session(&self, id_hash: &str, now_ms: i64, min_gap_ms: i64) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $3")
                .bind(now_ms)
                .bind(id_hash)
                .bind(now_ms - min_gap_ms)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// Times of failed logins for an account since `since_ms` and after its last success, oldest
    /// first.
    pub async fn recent_login_failures(&self, username_norm: &str, since_ms: i64) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, |p| {
            let rows: Vec<(i64,)> = sqlx::query_as(
                "SELECT at FROM login_attempts WHERE username_norm = $1 AND at >= $2 AND success = FALSE \
                 AND id > COALESCE((SELECT MAX(id) FROM login_attempts WHERE username_norm = $1 AND success = TRUE), 0) \
                 ORDER BY at",
            )
            .bind(username_norm)
            .bind(since_ms)
            .fetch_all(p)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        })
    }

    /// Failed logins for an account since `since_ms` and after its last success, oldest first, each
    /// with the address it came from.
    pub async fn recent_login_failures_by_ip(
        &self,
        username_norm: &str,
        since_ms: i64,
    ) -> Result<Vec<(i64, Option<String>)>, StoreError> {
        on_pool!(self, |p| {
            let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
                "SELECT at, ip FROM login_attempts WHERE username_norm = $1 AND at >= $2 AND success = FALSE \
                 AND id > COALESCE((SELECT MAX(id) FROM login_attempts WHERE username_norm = $1 AND success = TRUE), 0) \
                 ORDER BY at, id",
            )
            .bind(username_norm)
            .bind(since_ms)
            .fetch_all(p)
            .await?;
            Ok(rows)
        })
    }

    /// Whether the account completed a login from `ip` since `since_ms`.
    pub async fn login_succeeded_from(&self, username_norm: &str, ip: &str, since_ms: i64) -> Result<bool, StoreError> {
        on_pool!(self, |p| {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM login_attempts WHERE username_norm = $1 AND ip = $2 AND at >= $3 \
                 AND success = TRUE",
            )
            .bind(username_norm)
            .bind(ip)
            .bind(since_ms)
            .fetch_one(p)
            .await?;
            Ok(n > 0)
        })
    }

    /// The materialised path of the organisation an account was created in (`users.home_org_id`).
    pub async fn user_home_org_path(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        on_pool!(self, |p| {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT o.path FROM users u JOIN orgs o ON o.id = u.home_org_id WHERE u.id = $1")
                    .bind(user_id)
                    .fetch_optional(p)
                    .await?;
            Ok(row.map(|r| r.0))
        })
    }

    /// Failed logins from one address since `since_ms` (any account).
    pub async fn ip_login_failures(&self, ip: &str, since_ms: i64) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND at >= $2 AND success = FALSE")
                    .bind(ip)
                    .bind(since_ms)
                    .fetch_one(p)
                    .await?;
            Ok(n)
        })
    }

    /// The active token with this hash, if any.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let row: Option<TokenRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.token_hash = $1")))
                .bind(token_hash)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(ApiToken::from))
    }

    pub async fn token_by_id(&self, id: i64) -> Result<Option<ApiToken>, StoreError> {
        let row: Option<TokenRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(ApiToken::from))
    }

    /// Tokens of one account, or of everyone.
    pub async fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        let rows: Vec<TokenRow> = on_pool!(self, |p| {
            match user_id {
                Some(u) => {
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.user_id = $1 ORDER BY t.id")))
                        .bind(u)
                        .fetch_all(p)
                        .await?
                }
                None => {
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_SELECT} ORDER BY t.id"))).fetch_all(p).await?
                }
            }
        });
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    /// Records that a token was used (at most once a minute per token).
    pub async fn touch_token(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
            )
            .bind(now_ms)
            .bind(id)
            .bind(now_ms - 60_000)
            .execute(p)
            .await?;
            Ok(())
        })
    }
}

impl Tx {
    pub async fn insert_user(&mut self, new: &NewUser<'_>) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (username, username_norm, display_name, password_hash, password_changed_at, \
                 must_change_password, created_at, updated_at, home_org_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $5, $5, $7) RETURNING id",
            )
            .bind(new.username)
            .bind(new.username_norm)
            .bind(new.display_name)
            .bind(new.password_hash)
            .bind(new.now_ms)
            .bind(new.must_change_password)
            .bind(new.home_org_id)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    pub async fn set_password(
        &mut self,
        user_id: i64,
        hash: &str,
        must_change: bool,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3, updated_at = $3 \
                 WHERE id = $4",
            )
            .bind(hash)
            .bind(must_change)
            .bind(now_ms)
            .bind(user_id)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Stores a TOTP secret (enrolment started) or enables it, or clears it (`None`).
    pub async fn set_totp(
        &mut self,
        user_id: i64,
        secret: Option<&str>,
        enabled: bool,
        last_step: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(secret)
            .bind(enabled)
            .bind(last_step)
            .bind(now_ms)
            .bind(user_id)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Moves the last accepted TOTP step forward; returns false when `step` is not newer (a replay).
    pub async fn advance_totp_step(&mut self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
                .bind(step)
                .bind(user_id)
                .execute(c)
                .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    pub async fn set_disabled(&mut self, user_id: i64, disabled: bool, now_ms: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
                .bind(disabled)
                .bind(now_ms)
                .bind(user_id)
                .execute(c)
                .await?;
            Ok(())
        })
    }

    /// Grants held by one account, read inside the transaction (for the 三员分立 check).
    pub async fn grants_of(&mut self, user_id: i64) -> Result<Vec<Grant>, StoreError> {
        let rows: Vec<GrantRow> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{GRANT_SELECT} WHERE g.user_id = $1 ORDER BY g.role, o.path")))
                .bind(user_id)
                .fetch_all(c)
                .await?
        });
        grants(rows)
    }

    /// Locks the account row until the transaction ends (PostgreSQL), so two concurrent grants
    /// cannot both pass the 三员分立 check. SQLite transactions here are already exclusive.
    pub async fn lock_user(&mut self, user_id: i64) -> Result<(), StoreError> {
        match &mut self.inner {
            crate::TxInner::Sqlite(_) => Ok(()),
            crate::TxInner::Postgres(t) => {
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE").bind(user_id).fetch_one(&mut **t).await?;
                Ok(())
            }
        }
    }

    pub async fn insert_grant(
        &mut self,
        user_id: i64,
        role: Role,
        org_id: i64,
        by: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO role_grants (user_id, role, org_id, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id",
            )
            .bind(user_id)
            .bind(role.key())
            .bind(org_id)
            .bind(by)
            .bind(now_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    /// Removes a grant; returns whether one existed.
    pub async fn delete_grant(&mut self, user_id: i64, role: Role, org_id: i64) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("DELETE FROM role_grants WHERE user_id = $1 AND role = $2 AND org_id = $3")
                .bind(user_id)
                .bind(role.key())
                .bind(org_id)
                .execute(c)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub async fn insert_session(&mut self, s: &Session, user_agent: Option<&str>) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, stage, csrf_token, created_at, last_seen_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&s.id_hash)
            .bind(s.user_id)
            .bind(s.stage.key())
            .bind(&s.csrf_token)
            .bind(s.created_at_ms)
            .bind(s.last_seen_at_ms)
            .bind(&s.ip)
            .bind(user_agent)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Deletes a session; returns whether it existed.
    pub async fn delete_session(&mut self, id_hash: &str) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(c).await?;
            Ok(r.rows_affected() > 0)
        })
    }

    /// Deletes every session of an account except `keep` (e.g. after a password change).
    pub async fn delete_sessions_of(&mut self, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user_id)
                .bind(keep.unwrap_or(""))
                .execute(c)
                .await?;
            Ok(r.rows_affected())
        })
    }

    /// Deletes sessions idle since before `idle_before_ms` or created before `created_before_ms`.
    pub async fn delete_expired_sessions(
        &mut self,
        idle_before_ms: i64,
        created_before_ms: i64,
    ) -> Result<u64, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(idle_before_ms)
                .bind(created_before_ms)
                .execute(c)
                .await?;
            Ok(r.rows_affected())
        })
    }

    pub async fn insert_login_attempt(
        &mut self,
        username_norm: &str,
        ip: Option<&str>,
        now_ms: i64,
        success: bool,
    ) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("INSERT INTO login_attempts (username_norm, ip, at, success) VALUES ($1, $2, $3, $4)")
                .bind(username_norm)
                .bind(ip)
                .bind(now_ms)
                .bind(success)
                .execute(c)
                .await?;
            Ok(())
        })
    }

    /// Forgets login attempts older than `before_ms` (rate-limit state, not the audit log).
    pub async fn delete_old_login_attempts(&mut self, before_ms: i64) -> Result<u64, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(before_ms).execute(c).await?;
            Ok(r.rows_affected())
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_token(
        &mut self,
        user_id: i64,
        name: &str,
        prefix: &str,
        token_hash: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<i64, StoreError> {
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(user_id)
            .bind(name)
            .bind(prefix)
            .bind(token_hash)
            .bind(now_ms)
            .bind(expires_at_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    /// Revokes every active token of an account; returns how many were active.
    pub async fn revoke_tokens_of(&mut self, user_id: i64, now_ms: i64) -> Result<u64, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(now_ms)
                .bind(user_id)
                .execute(c)
                .await?;
            Ok(r.rows_affected())
        })
    }

    /// Revokes a token; returns whether it was active.
    pub async fn revoke_token(&mut self, id: i64, now_ms: i64) -> Result<bool, StoreError> {
        on_tx!(self, |c| {
            let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms)
                .bind(id)
                .execute(c)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }
}
