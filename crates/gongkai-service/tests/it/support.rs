//! Shared set-up: a service over a fresh database with a fake clock and a small org tree.

use std::sync::Arc;

use gongkai_domain::org::{OrgInput, OrgKind};
use gongkai_domain::role::Role;
use gongkai_service::{Ctx, FakeClock, Service, ServiceConfig};
use gongkai_testkit::TestDb;

pub const PASSWORD: &str = "Correct-Horse-9";
/// 2026-11-27T00:00:00Z.
pub const START_MS: i64 = 1_795_737_600_000;

pub struct Env {
    pub db: TestDb,
    pub svc: Service,
    pub clock: Arc<FakeClock>,
}

pub async fn env() -> Env {
    let db = TestDb::new().await;
    let clock = FakeClock::new(START_MS);
    let svc = Service::new(db.store.clone(), ServiceConfig::default(), clock.clone());
    let sys = Ctx::system();
    for (code, name, kind, parent) in [
        ("p", "示范省人民政府", OrgKind::Province, None),
        ("c1", "清江市人民政府", OrgKind::City, Some("p")),
        ("c2", "云岭市人民政府", OrgKind::City, Some("p")),
        ("c1-dept", "清江市民政局", OrgKind::Department, Some("c1")),
    ] {
        let input = OrgInput {
            code: code.into(),
            name: name.into(),
            kind,
            parent_code: parent.map(Into::into),
            division_code: None,
            credit_code: None,
        };
        svc.add_org(&sys, &input).await.unwrap();
    }
    Env { db, svc, clock }
}

impl Env {
    /// Creates an account with `PASSWORD`, already changed (no must-change), holding `grants`.
    pub async fn user(&self, username: &str, grants: &[(Role, &str)]) {
        let sys = Ctx::system();
        self.svc.add_user(&sys, username, username, Some(PASSWORD)).await.unwrap();
        for (role, org) in grants {
            self.svc.grant(&sys, username, *role, org).await.unwrap();
        }
    }

    /// A context acting as `username` (as a logged-in session would).
    pub async fn as_user(&self, username: &str) -> Ctx {
        let out =
            self.svc.login(&Ctx::anonymous(Some("10.0.0.9".into())), username, PASSWORD, None, None).await.unwrap();
        let s = self.svc.session(&out.token).await.unwrap().unwrap();
        Ctx::user(s.user, Some("10.0.0.9".into()))
    }

    pub async fn actions(&self) -> Vec<(String, bool)> {
        let page = self.svc.audit_page(&Ctx::system(), &Default::default(), 500, 0).await.unwrap();
        page.rows.into_iter().rev().map(|r| (r.record.action, r.record.success)).collect()
    }
}
