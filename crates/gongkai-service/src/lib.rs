//! Use cases of gongkai (the main test boundary): every rule about who may do what, and every
//! state change written together with its audit entry.
//!
//! The web layer and the CLI call [`Service`] methods with a [`Ctx`] saying who acts and from which
//! address; they never touch the store. Time comes from an injected [`Clock`], so tests can move it.
//!
//! Error policy: use cases return [`ServiceError`]. Rule violations a person can fix are
//! `Invalid` with field-level messages; `Forbidden` / `NotFound` / `Conflict` / `Locked` /
//! `Unauthenticated` carry a zh-CN sentence; database failures become `Unavailable` or
//! `Internal`, whose details are logged once at the boundary and never shown.

mod accounts;
mod audit;
mod auth;
mod cleanup;
mod demo;
mod demo_foi;
mod demo_interp;
mod documents;
mod error;
mod extraction;
mod foi;
mod interp;
mod orgs;
mod qa;
mod review;
mod search;
mod secret;
pub use secret::random_fill;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub use accounts::UserSummary;
pub use audit::{AuditPage, VerifyReport};
pub use auth::{AuthUser, LoginOutcome, SessionAuth};
pub use cleanup::{Cleanup, CleanupResult};
pub use demo::DemoAccount;
pub use documents::{
    DocInput, DocPage, ImportDoc, ImportOutcome, LibraryConfig, PublicDocument, StaffDocument, china_date,
};
pub use error::ServiceError;
pub use extraction::ExtractionConfig;
pub use foi::{
    FeeBasis, FoiAction, FoiAlert, FoiConfig, FoiListItem, FoiReceipt, FoiStaffView, FoiStatsView, FoiTracking,
    ImportFoi, foi_event_label, normalize_tracking_code, topic_key,
};
pub use gongkai_domain as domain;
pub use gongkai_search as search_index;
pub use gongkai_store::DocFilter;
pub use gongkai_store::InterpRequirement;
pub use gongkai_store::{AuditFilter, AuditRow, Backend, OpenOptions, Store};
pub use gongkai_store::{CalendarAdjustmentRow, FoiCaseRow, FoiEventRow, FoiReportInputs, FoiRow, FoiTopicGroup};
pub use gongkai_store::{ChainRow, FindingRow, FindingStat, OverrideRow, ReviewRecordRow, ScreeningRow};
pub use gongkai_store::{QaFilter, QaItem};
pub use interp::{CoverageOrg, InterpInput, InterpItem, InterpStaffView};
pub use orgs::{ImportFormat, ImportReport, parse_org_file};
pub use qa::{QaImportOutcome, QaInput};
pub use review::{
    ChainEntry, PendingReview, ReviewDashboard, ReviewKind, ReviewSubject, ReviewView, StepInput, finding_kind_label,
    severity_label,
};
pub use search::{SearchConfig, SearchInput, SearchPage, SearchStatus};

use gongkai_domain::account::LockoutPolicy;
use gongkai_domain::password::PasswordPolicy;
use gongkai_store::NewAudit;

/// The source of "now".
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_ms(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// The real clock shifted so that it read `start_ms` when it was made: time runs on from there.
/// For rehearsals (`server.clock_start`) and for tests of the binary that must not depend on the
/// day they run.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    offset_ms: i64,
}

impl ShiftedClock {
    pub fn starting_at(start_ms: i64) -> ShiftedClock {
        ShiftedClock { offset_ms: start_ms - SystemClock.now_ms() }
    }
}

impl Clock for ShiftedClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.offset_ms
    }
}

/// A clock that tests move by hand.
#[derive(Debug, Default)]
pub struct FakeClock(AtomicI64);

impl FakeClock {
    pub fn new(start_ms: i64) -> Arc<FakeClock> {
        Arc::new(FakeClock(AtomicI64::new(start_ms)))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The settings use cases need, built by the binary from its configuration.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub password_policy: PasswordPolicy,
    pub lockout: LockoutPolicy,
    /// Failed logins from one address within the lockout window before that address is refused.
    pub ip_failure_limit: u32,
    pub session_idle_ms: i64,
    pub session_absolute_ms: i64,
    /// Longest lifetime of an API token.
    pub token_max_days: i64,
    /// Minimum days the audit log is kept (never less than 180).
    pub audit_retention_days: i64,
    /// Shown in authenticator apps.
    pub totp_issuer: String,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            password_policy: PasswordPolicy::default(),
            lockout: LockoutPolicy::default(),
            ip_failure_limit: 100,
            session_idle_ms: 30 * 60_000,
            session_absolute_ms: 12 * 3_600_000,
            token_max_days: 365,
            audit_retention_days: 180,
            totp_issuer: "gongkai 政务公开".into(),
        }
    }
}

/// Who is acting, and from where.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub ip: Option<String>,
}

/// The acting party.
#[derive(Debug, Clone)]
pub enum Actor {
    /// An operator at the server's command line (has the database anyway).
    System,
    /// A visitor who is not logged in.
    Anonymous,
    /// A logged-in account.
    User(Box<AuthUser>),
}

impl Ctx {
    pub fn system() -> Ctx {
        Ctx { actor: Actor::System, ip: None }
    }

    pub fn anonymous(ip: Option<String>) -> Ctx {
        Ctx { actor: Actor::Anonymous, ip }
    }

    pub fn user(u: AuthUser, ip: Option<String>) -> Ctx {
        Ctx { actor: Actor::User(Box::new(u)), ip }
    }

    pub fn auth_user(&self) -> Option<&AuthUser> {
        match &self.actor {
            Actor::User(u) => Some(u),
            _ => None,
        }
    }

    fn actor_id(&self) -> Option<i64> {
        self.auth_user().map(|u| u.user.id)
    }

    fn actor_name(&self) -> String {
        match &self.actor {
            Actor::System => "system".into(),
            Actor::Anonymous => "anonymous".into(),
            Actor::User(u) => u.user.username.clone(),
        }
    }

    /// An audit entry by this actor.
    fn audit(&self, at_ms: i64, action: &str, target_kind: &str, target_id: Option<String>) -> NewAudit {
        NewAudit {
            at_ms,
            actor_id: self.actor_id(),
            actor_name: self.actor_name(),
            ip: self.ip.clone(),
            action: action.into(),
            target_kind: target_kind.into(),
            target_id,
            org_id: None,
            before: None,
            after: None,
            success: true,
        }
    }
}

/// The use cases, over one store and one clock.
#[derive(Clone)]
pub struct Service {
    store: Store,
    cfg: Arc<ServiceConfig>,
    lib: Arc<LibraryConfig>,
    foi: Arc<FoiConfig>,
    clock: Arc<dyn Clock>,
    search: Option<Arc<search::SearchState>>,
    /// Attachment extraction: its limits and slots.
    extraction: Arc<extraction::Extraction>,
    /// The screening engine with the configured word lists (公开前审查).
    screener: Arc<gongkai_domain::screen::Screener>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").field("store", &self.store).finish()
    }
}

impl Service {
    pub fn new(store: Store, cfg: ServiceConfig, clock: Arc<dyn Clock>) -> Service {
        Service {
            store,
            cfg: Arc::new(cfg),
            lib: Arc::new(LibraryConfig::default()),
            foi: Arc::new(FoiConfig::default()),
            clock,
            search: None,
            extraction: Arc::new(extraction::Extraction::new(ExtractionConfig::default())),
            screener: Arc::new(gongkai_domain::screen::Screener::default()),
        }
    }

    /// The same service with a screening engine built from the configured word lists.
    pub fn with_screener(mut self, screener: Arc<gongkai_domain::screen::Screener>) -> Service {
        self.screener = screener;
        self
    }

    /// The screening engine.
    pub fn screener(&self) -> Arc<gongkai_domain::screen::Screener> {
        self.screener.clone()
    }

    /// The same service with the library's settings (attachment directory, limits, terms).
    pub fn with_library(mut self, lib: LibraryConfig) -> Service {
        self.lib = Arc::new(lib);
        self
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.cfg
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Which database is behind the service.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Readiness: the database answers.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        self.store.ping().await.map_err(ServiceError::from)
    }

    /// Pool connections (total, idle), for metrics.
    pub fn pool_stats(&self) -> (u32, u32) {
        self.store.pool_stats()
    }

    /// Periodic housekeeping: expired sessions and old rate-limit rows go; the audit log stays.
    pub async fn housekeeping(&self) -> Result<(), ServiceError> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.delete_expired_sessions(now - self.cfg.session_idle_ms, now - self.cfg.session_absolute_ms).await?;
        tx.delete_old_login_attempts(now - 2 * self.cfg.lockout.window_ms.max(24 * 3_600_000)).await?;
        tx.commit().await?;
        Ok(())
    }
}
