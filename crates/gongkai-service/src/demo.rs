//! Demo content (演示数据) for `gongkai serve --demo`: a fictional province with cities, counties,
//! townships and departments, and one account per role. Idempotent: a second run adds nothing and
//! prints no passwords.

use gongkai_domain::org::{OrgInput, OrgKind};
use gongkai_domain::role::Role;

use crate::secret::{generate_password, hash_password};
use crate::{Ctx, Service, ServiceError};

/// An account created by the demo, with its password (shown once).
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub org_code: String,
    pub password: String,
}

/// (code, name, kind, parent, 行政区划代码). The division codes use the unassigned prefix 99 so they
/// can never be mistaken for real ones.
const ORGS: &[(&str, &str, OrgKind, Option<&str>, Option<&str>)] = &[
    ("demo", "示范省人民政府", OrgKind::Province, None, Some("990000")),
    ("demo-gov-office", "示范省人民政府办公厅", OrgKind::Department, Some("demo"), None),
    ("demo-drc", "示范省发展和改革委员会", OrgKind::Department, Some("demo"), None),
    ("demo-edu", "示范省教育厅", OrgKind::Department, Some("demo"), None),
    ("demo-hrss", "示范省人力资源和社会保障厅", OrgKind::Department, Some("demo"), None),
    ("demo-justice", "示范省司法厅", OrgKind::Department, Some("demo"), None),
    ("qingjiang", "清江市人民政府", OrgKind::City, Some("demo"), Some("990100")),
    ("qingjiang-office", "清江市人民政府办公室", OrgKind::Department, Some("qingjiang"), None),
    ("qingjiang-hrss", "清江市人力资源和社会保障局", OrgKind::Department, Some("qingjiang"), None),
    ("qingjiang-housing", "清江市住房和城乡建设局", OrgKind::Department, Some("qingjiang"), None),
    ("qingjiang-hexi", "清江市河西区人民政府", OrgKind::County, Some("qingjiang"), Some("990102")),
    ("hexi-civil", "河西区民政局", OrgKind::Department, Some("qingjiang-hexi"), None),
    ("hexi-dongfeng", "河西区东风街道办事处", OrgKind::Township, Some("qingjiang-hexi"), Some("990102001")),
    ("qingjiang-linjiang", "临江县人民政府", OrgKind::County, Some("qingjiang"), Some("990121")),
    ("linjiang-shiqiao", "临江县石桥镇人民政府", OrgKind::Township, Some("qingjiang-linjiang"), Some("990121101")),
    ("linjiang-agri", "临江县农业农村局", OrgKind::Department, Some("qingjiang-linjiang"), None),
    ("yunling", "云岭市人民政府", OrgKind::City, Some("demo"), Some("990200")),
    ("yunling-eco", "云岭市生态环境局", OrgKind::Department, Some("yunling"), None),
    ("yunling-anning", "云岭市安宁县人民政府", OrgKind::County, Some("yunling"), Some("990221")),
    ("anning-baisha", "安宁县白沙乡人民政府", OrgKind::Township, Some("yunling-anning"), Some("990221201")),
];

/// (user name, display name, role, organisation).
const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("demo-sysadmin", "系统管理员（演示）", Role::SystemAdmin, "demo"),
    ("demo-secadmin", "安全保密管理员（演示）", Role::SecurityAdmin, "demo"),
    ("demo-auditor", "安全审计员（演示）", Role::AuditAdmin, "demo"),
    ("demo-editor", "编辑（演示）", Role::Editor, "demo-gov-office"),
    ("demo-reviewer", "保密审查员（演示）", Role::ConfidentialityReviewer, "demo"),
    ("demo-legal", "法制审核员（演示）", Role::LegalReviewer, "demo"),
    ("demo-signer", "签发人（演示）", Role::Signer, "demo"),
    ("demo-foi", "依申请公开办理人（演示）", Role::DisclosureOfficer, "demo"),
    ("demo-responder", "答复人（演示）", Role::Responder, "qingjiang"),
    ("demo-supervisor", "监督员（演示）", Role::Supervisor, "demo"),
    ("demo-evaluator", "社会监督评议员（演示）", Role::Evaluator, "demo"),
];

impl Service {
    /// Creates the demo organisations and accounts that do not exist yet. Returns the accounts
    /// created now, with their passwords.
    pub async fn seed_demo(&self) -> Result<Vec<DemoAccount>, ServiceError> {
        let ctx = Ctx::system();
        for (code, name, kind, parent, division) in ORGS {
            if self.store.org_by_code(code).await?.is_some() {
                continue;
            }
            let input = OrgInput {
                code: (*code).into(),
                name: (*name).into(),
                kind: *kind,
                parent_code: parent.map(Into::into),
                division_code: division.map(Into::into),
                credit_code: None,
            };
            self.add_org(&ctx, &input).await?;
        }
        let mut created = Vec::new();
        for (username, display, role, org) in ACCOUNTS {
            if self.store.user_by_username(username).await?.is_some() {
                continue;
            }
            let password = generate_password()?;
            let (user, _) = self.add_user(&ctx, username, display, Some(&password)).await?;
            // Demo accounts may keep the printed password.
            let mut tx = self.store.begin().await?;
            tx.set_password(user.id, &hash_password(&password)?, false, self.now_ms()).await?;
            tx.commit().await?;
            self.grant(&ctx, username, *role, org).await?;
            created.push(DemoAccount { username: (*username).into(), role: *role, org_code: (*org).into(), password });
        }
        Ok(created)
    }
}
