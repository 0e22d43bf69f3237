//! Cleanup campaigns of normative documents (规范性文件清理): a signer lists documents with a result
//! — 继续有效, 修改, 废止 or 宣布失效 — and publishing the result catalogue (清理结果目录) changes the
//! listed documents' validity, each change recorded with the campaign as its reason and dated on
//! the date the catalogue states (else the day it is published).

use gongkai_domain::FieldError;
use gongkai_domain::document::Validity;
use gongkai_domain::role::Role;
use gongkai_store::{CleanupItemRow, CleanupRow};
use serde_json::json;

use crate::documents::china_date;
use crate::{Ctx, Service, ServiceError};

/// The result a campaign gives a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupResult {
    /// 继续有效.
    Continue,
    /// 修改 (to be amended).
    Amend,
    /// 废止.
    Repeal,
    /// 宣布失效.
    Expire,
}

impl CleanupResult {
    pub const ALL: [CleanupResult; 4] =
        [CleanupResult::Continue, CleanupResult::Amend, CleanupResult::Repeal, CleanupResult::Expire];

    pub fn key(self) -> &'static str {
        match self {
            CleanupResult::Continue => "continue",
            CleanupResult::Amend => "amend",
            CleanupResult::Repeal => "repeal",
            CleanupResult::Expire => "expire",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CleanupResult::Continue => "继续有效",
            CleanupResult::Amend => "修改",
            CleanupResult::Repeal => "废止",
            CleanupResult::Expire => "宣布失效",
        }
    }

    pub fn parse(s: &str) -> Option<CleanupResult> {
        CleanupResult::ALL.into_iter().find(|r| r.key() == s.trim() || r.label() == s.trim())
    }
}

/// A campaign with its catalogue.
#[derive(Debug, Clone)]
pub struct Cleanup {
    pub campaign: CleanupRow,
    pub org_name: String,
    pub items: Vec<CleanupItemRow>,
}

impl Service {
    /// Creates a draft campaign for an organisation with its catalogue: (document reference,
    /// result, note). Every listed document must be a public document of the organisation's
    /// subtree; problems are reported per line.
    pub async fn create_cleanup(
        &self,
        ctx: &Ctx,
        org_code: &str,
        title: &str,
        decided_on: Option<chrono::NaiveDate>,
        items: &[(String, CleanupResult, Option<String>)],
    ) -> Result<i64, ServiceError> {
        let org = self
            .org_by_code(org_code)
            .await?
            .ok_or_else(|| ServiceError::invalid("org", format!("机构“{org_code}”不存在")))?;
        if !Self::can(ctx, &[Role::Signer], &org) {
            return Err(ServiceError::Forbidden(format!("需要在“{}”拥有签发人角色", org.name)));
        }
        let mut errors = Vec::new();
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            errors.push(FieldError::new("title", "清理名称不能为空，且不超过 200 个字符"));
        }
        if items.is_empty() {
            errors.push(FieldError::new("items", "清理目录不能为空"));
        }
        let mut resolved = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, (reference, result, note)) in items.iter().enumerate() {
            match self.resolve_document(reference).await? {
                None => errors.push(FieldError::new("items", format!("第 {} 行：文件“{reference}”不存在", i + 1))),
                Some(d) if !d.public => {
                    errors.push(FieldError::new("items", format!("第 {} 行：文件“{}”未公开发布", i + 1, d.title)))
                }
                Some(d) => {
                    let in_tree = self.org_by_id(d.org_id).await?.is_some_and(|o| o.path.starts_with(&org.path));
                    if !in_tree {
                        errors.push(FieldError::new(
                            "items",
                            format!("第 {} 行：文件“{}”不属于{}及其下级机构", i + 1, d.title, org.name),
                        ));
                    } else if !seen.insert(d.id) {
                        errors.push(FieldError::new("items", format!("第 {} 行：文件“{}”重复列出", i + 1, d.title)));
                    } else {
                        resolved.push((d.id, *result, note.clone()));
                    }
                }
            }
        }
        gongkai_domain::Invalid::check(errors)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx.insert_cleanup(org.id, title, decided_on, ctx.actor_id(), now).await?;
        for (doc, result, note) in &resolved {
            tx.insert_cleanup_item(id, *doc, result.key(), note.as_deref()).await?;
        }
        let mut a = ctx.audit(now, "cleanup.create", "cleanup", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(
            json!({"title": title, "decided_on": decided_on.map(|d| d.to_string()), "items": resolved.len()})
                .to_string(),
        );
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes a campaign's result catalogue and applies it to the listed documents.
    pub async fn publish_cleanup(&self, ctx: &Ctx, id: i64) -> Result<(), ServiceError> {
        let c = self.store.cleanup(id).await?.ok_or_else(|| ServiceError::NotFound(format!("清理 {id} 不存在")))?;
        let org =
            self.org_by_id(c.org_id).await?.ok_or_else(|| ServiceError::Internal("cleanup without org".into()))?;
        if !Self::can(ctx, &[Role::Signer], &org) {
            return Err(ServiceError::Forbidden(format!("需要在“{}”拥有签发人角色", org.name)));
        }
        let items = self.store.cleanup_items(id).await?;
        let now = self.now_ms();
        let today = china_date(now);
        let mut tx = self.store.begin().await?;
        if !tx.publish_cleanup(id, now).await? {
            return Err(ServiceError::Conflict("该清理结果目录已经发布".into()));
        }
        for item in &items {
            let Some(result) = CleanupResult::parse(&item.result) else { continue };
            let Some(doc) = tx.document(item.document_id).await? else { continue };
            let to = match result {
                CleanupResult::Repeal => Validity::Repealed,
                CleanupResult::Expire => Validity::Expired,
                CleanupResult::Amend => Validity::Amended,
                CleanupResult::Continue if doc.validity == Validity::Unknown => Validity::InForce,
                CleanupResult::Continue => continue,
            };
            if doc.validity == to {
                continue;
            }
            let reason = format!("《{}》清理结果：{}", c.title, result.label());
            // The decision takes effect on the date the catalogue states, else on publication.
            match c.decided_on.filter(|d| *d > today) {
                Some(ahead) => tx.schedule_validity(doc.id, doc.validity, to, ahead, &reason, None, now).await?,
                None => {
                    tx.set_validity(doc.id, doc.validity, to, Some(c.decided_on.unwrap_or(today)), &reason, None, now)
                        .await?
                }
            }
            tx.append_search_change(doc.id, now).await?;
        }
        let mut a = ctx.audit(now, "cleanup.publish", "cleanup", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"items": items.len()}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A campaign with its catalogue; drafts only for staff of its organisation.
    pub async fn cleanup(&self, ctx: &Ctx, id: i64) -> Result<Cleanup, ServiceError> {
        let not_found = || ServiceError::NotFound("清理结果目录不存在或未发布".into());
        let campaign = self.store.cleanup(id).await?.ok_or_else(not_found)?;
        let org = self.org_by_id(campaign.org_id).await?.ok_or_else(not_found)?;
        if campaign.state != "published" && !Self::can(ctx, &[Role::Signer, Role::Editor, Role::Supervisor], &org) {
            return Err(not_found());
        }
        let items = self.store.cleanup_items(id).await?;
        Ok(Cleanup { campaign, org_name: org.name, items })
    }

    /// Published campaigns (or all, for staff listings), newest first.
    pub async fn cleanups(&self, published_only: bool) -> Result<Vec<CleanupRow>, ServiceError> {
        Ok(self.store.cleanups(published_only).await?)
    }
}
