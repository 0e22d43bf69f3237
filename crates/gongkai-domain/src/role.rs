//! Roles (角色), each granted on an organisation subtree.
//!
//! The three administrator roles follow 三员分立 (separation of the three administrators required by
//! 等级保护 2.0): system administrator (系统管理员: accounts, organisations, configuration, backup),
//! security administrator (安全保密管理员: role grants, policies) and audit administrator (安全审计员:
//! reads and exports the audit log only). No account may hold two of these three, anywhere.

/// A role that can be granted to an account on an organisation and everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 系统管理员.
    SystemAdmin,
    /// 安全保密管理员.
    SecurityAdmin,
    /// 安全审计员.
    AuditAdmin,
    /// 编辑 (drafts content).
    Editor,
    /// 保密审查员.
    ConfidentialityReviewer,
    /// 法制审核员.
    LegalReviewer,
    /// 签发人.
    Signer,
    /// 依申请公开办理人.
    DisclosureOfficer,
    /// 政府信息公开工作机构负责人 (head of the disclosure office: approves extensions, Art. 33 ②).
    DisclosureHead,
    /// 答复人 (answers the public's messages and questions).
    Responder,
    /// 监督员 (read-only oversight of a subtree).
    Supervisor,
    /// 社会监督评议员.
    Evaluator,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
        Role::Editor,
        Role::ConfidentialityReviewer,
        Role::LegalReviewer,
        Role::Signer,
        Role::DisclosureOfficer,
        Role::DisclosureHead,
        Role::Responder,
        Role::Supervisor,
        Role::Evaluator,
    ];

    /// Stable key used in the database, CLI and API.
    pub fn key(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
            Role::Editor => "editor",
            Role::ConfidentialityReviewer => "confidentiality_reviewer",
            Role::LegalReviewer => "legal_reviewer",
            Role::Signer => "signer",
            Role::DisclosureOfficer => "disclosure_officer",
            Role::DisclosureHead => "disclosure_head",
            Role::Responder => "responder",
            Role::Supervisor => "supervisor",
            Role::Evaluator => "evaluator",
        }
    }

    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全保密管理员",
            Role::AuditAdmin => "安全审计员",
            Role::Editor => "编辑",
            Role::ConfidentialityReviewer => "保密审查员",
            Role::LegalReviewer => "法制审核员",
            Role::Signer => "签发人",
            Role::DisclosureOfficer => "依申请公开办理人",
            Role::DisclosureHead => "政府信息公开工作机构负责人",
            Role::Responder => "答复人",
            Role::Supervisor => "监督员",
            Role::Evaluator => "社会监督评议员",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::ALL.into_iter().find(|r| r.key() == s || r.label() == s)
    }

    /// One of the three administrator roles of 三员分立.
    pub fn is_three_admin(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin)
    }

    /// Whether an account holding this role must log in with a second factor.
    pub fn requires_two_factor(self) -> bool {
        self.is_three_admin()
    }
}

/// Checks that adding `new` to an account that already holds `held` keeps 三员分立: returns the held
/// administrator role that conflicts, if any.
pub fn separation_conflict(held: &[Role], new: Role) -> Option<Role> {
    if !new.is_three_admin() {
        return None;
    }
    held.iter().copied().find(|r| r.is_three_admin() && *r != new)
}

/// 三员分立 matrix, first half: may an administrator holding `actor` (on an organisation that contains
/// every grant of the target) maintain an account that holds `target` — reset its password or second
/// factor, disable or enable it, create or revoke its API tokens?
///
/// Only the system administrator maintains accounts, and never the accounts of the security or the
/// audit administrator: whoever could reset their credentials could act as them, which would join
/// the three duties in one hand. Those two are maintained by an operator at the command line.
pub fn may_maintain_account(actor: Role, target: &[Role]) -> bool {
    match actor {
        Role::SystemAdmin => !target.iter().any(|r| matches!(r, Role::SecurityAdmin | Role::AuditAdmin)),
        _ => false,
    }
}

/// 三员分立 matrix, second half: may an administrator holding `actor` grant or revoke `role` (on an
/// organisation inside its own grant) for an account that holds `target`?
///
/// Only the security administrator assigns roles. It assigns the business roles and its own role,
/// never the system or the audit administrator's: a granted role may not give the grantee powers
/// the granter lacks (a system administrator resets passwords, an audit administrator reads the
/// audit log). For the same reason it does not change the grants of an account holding one of
/// those two roles. Those are the operator's (command line).
pub fn may_assign_role(actor: Role, role: Role, target: &[Role]) -> bool {
    match actor {
        Role::SecurityAdmin => {
            !matches!(role, Role::SystemAdmin | Role::AuditAdmin)
                && !target.iter().any(|r| matches!(r, Role::SystemAdmin | Role::AuditAdmin))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(r));
            assert_eq!(Role::parse(r.label()), Some(r));
        }
    }

    #[test]
    fn matrix_keeps_the_three_duties_apart() {
        use Role::*;
        assert!(may_maintain_account(SystemAdmin, &[]));
        assert!(may_maintain_account(SystemAdmin, &[Signer, Editor]));
        assert!(may_maintain_account(SystemAdmin, &[SystemAdmin]));
        assert!(!may_maintain_account(SystemAdmin, &[SecurityAdmin]));
        assert!(!may_maintain_account(SystemAdmin, &[AuditAdmin, Editor]));
        for a in [SecurityAdmin, AuditAdmin, Editor, Signer] {
            assert!(!may_maintain_account(a, &[Editor]));
        }
        assert!(may_assign_role(SecurityAdmin, Editor, &[]));
        assert!(may_assign_role(SecurityAdmin, SecurityAdmin, &[Editor]));
        assert!(!may_assign_role(SecurityAdmin, SystemAdmin, &[]));
        assert!(!may_assign_role(SecurityAdmin, AuditAdmin, &[]));
        assert!(!may_assign_role(SecurityAdmin, Editor, &[SystemAdmin]));
        assert!(!may_assign_role(SecurityAdmin, Editor, &[AuditAdmin]));
        for a in [SystemAdmin, AuditAdmin, Editor] {
            assert!(!may_assign_role(a, Editor, &[]));
        }
    }

    #[test]
    fn three_admins_are_exclusive() {
        assert_eq!(separation_conflict(&[Role::SystemAdmin], Role::AuditAdmin), Some(Role::SystemAdmin));
        assert_eq!(
            separation_conflict(&[Role::SecurityAdmin, Role::Editor], Role::SystemAdmin),
            Some(Role::SecurityAdmin)
        );
        assert_eq!(separation_conflict(&[Role::SystemAdmin], Role::SystemAdmin), None);
        assert_eq!(separation_conflict(&[Role::SystemAdmin], Role::Editor), None);
        assert_eq!(separation_conflict(&[Role::Editor], Role::AuditAdmin), None);
    }
}
