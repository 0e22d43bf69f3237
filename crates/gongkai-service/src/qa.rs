//! The policy Q&A knowledge base (政策咨询问答库): drafting, review and publication (the
//! reviewer is never the author, through [`Service::review_gate`]), withdrawal, stale items, the
//! public list, 热点问题, related items on document pages, import and the 12345 delta export.
//!
//! Sources are checked down to the article: `第十二条` must be an anchor of the cited document's
//! published body. Items whose source changes validity are flagged stale in the store's
//! `set_validity` and leave the public list until a reviewer publishes them again.

use chrono::NaiveDate;
use gongkai_domain::FieldError;
use gongkai_domain::document::{Validity, anchors};
use gongkai_domain::qa::{QaEvent, QaFields, QaState, qa_transition, validate_qa};
use gongkai_domain::role::Role;
use gongkai_store::{QaFilter, QaItem};
use serde_json::json;

use crate::documents::china_date;
use crate::{Ctx, Service, ServiceError};

/// A Q&A item as entered or imported.
#[derive(Debug, Clone, Default)]
pub struct QaInput {
    pub fields: QaFields,
    /// Responsible organisation's code (责任单位).
    pub org_code: String,
    /// A stable id from another system (imports are idempotent on it).
    pub external_id: Option<String>,
}

/// What a Q&A import line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QaImportOutcome {
    Imported,
    Updated,
    Unchanged,
}

impl Service {
    /// Resolves and checks the sources: each document must be public and still relied on (not
    /// 已废止 / 已失效), each anchor an article or heading of its published body. Returns (document id, anchor or "").
    async fn resolve_qa_sources(
        &self,
        f: &QaFields,
        errors: &mut Vec<FieldError>,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        let mut out = Vec::new();
        for s in &f.sources {
            let doc = self.resolve_document(&s.document).await?.filter(|d| d.public && !d.withdrawn);
            let Some(doc) = doc else {
                errors.push(FieldError::new("sources", format!("政策依据“{}”不存在或未公开发布", s.document)));
                continue;
            };
            if matches!(doc.validity, Validity::Repealed | Validity::Expired) {
                errors.push(FieldError::new(
                    "sources",
                    format!("《{}》{}，不能作为政策依据", doc.title, doc.validity.label()),
                ));
                continue;
            }
            let anchor = s.anchor.clone().unwrap_or_default();
            if !anchor.is_empty() {
                let body = match doc.published_version_id {
                    Some(e) => self.store.edition(e).await?.map(|e| e.fields.body).unwrap_or_default(),
                    None => String::new(),
                };
                if !anchors(&body).contains(&anchor) {
                    errors.push(FieldError::new("sources", format!("《{}》中没有“{anchor}”", doc.title)));
                    continue;
                }
            }
            out.push((doc.id, anchor));
        }
        Ok(out)
    }

    fn clean_qa(mut f: QaFields) -> QaFields {
        let opt = |o: Option<String>| o.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        f.question = f.question.trim().to_owned();
        f.answer = f.answer.replace("\r\n", "\n").trim().to_owned();
        f.category = opt(f.category);
        f.audience = opt(f.audience);
        f.region = opt(f.region);
        f.tags = f.tags.into_iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
        f
    }

    async fn check_qa(
        &self,
        input: &QaInput,
    ) -> Result<(QaFields, gongkai_domain::org::Org, Vec<(i64, String)>), ServiceError> {
        let fields = Self::clean_qa(input.fields.clone());
        let mut errors = validate_qa(&fields);
        let org = self.store.org_by_code(input.org_code.trim()).await?;
        if org.is_none() {
            errors.push(FieldError::new("org", format!("责任单位“{}”不存在", input.org_code)));
        }
        let sources = self.resolve_qa_sources(&fields, &mut errors).await?;
        gongkai_domain::Invalid::check(errors)?;
        let org = org.ok_or_else(|| ServiceError::invalid("org", "缺少责任单位"))?;
        Ok((fields, org, sources))
    }

    /// Creates a draft Q&A item (editors of the responsible organisation).
    pub async fn create_qa(&self, ctx: &Ctx, input: &QaInput) -> Result<QaItem, ServiceError> {
        let (fields, org, sources) = self.check_qa(input).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id =
            tx.insert_qa(org.id, input.external_id.as_deref(), QaState::Draft, &fields, ctx.actor_id(), now).await?;
        tx.replace_qa_sources(id, &sources).await?;
        tx.append_qa_search_change(id, now).await?;
        let mut a = ctx.audit(now, "qa.create", "qa", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"question": fields.question, "state": "draft"}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.store.qa_item(id).await?.ok_or_else(|| ServiceError::Internal("qa item vanished".into()))
    }

    /// Replaces a draft's fields and sources.
    pub async fn update_qa(&self, ctx: &Ctx, id: i64, input: &QaInput) -> Result<QaItem, ServiceError> {
        let item = self.qa_or_not_found(id).await?;
        let (fields, org, sources) = self.check_qa(input).await?;
        if org.id != item.org_id {
            return Err(ServiceError::invalid("org", "问答的责任单位创建后不能更改"));
        }
        Self::require(ctx, &[Role::Editor], &org)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let (state, _, _) = tx.qa_item_state(id).await?.ok_or_else(|| ServiceError::NotFound("问答不存在".into()))?;
        if state != QaState::Draft {
            return Err(ServiceError::Conflict(format!("“{}”状态的问答不能修改，请先退回", state.label())));
        }
        tx.update_qa_fields(id, &fields, now).await?;
        tx.replace_qa_sources(id, &sources).await?;
        tx.append_qa_search_change(id, now).await?;
        let mut a = ctx.audit(now, "qa.update", "qa", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.before = Some(json!({"question": item.fields.question}).to_string());
        a.after = Some(json!({"question": fields.question}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.qa_or_not_found(id).await
    }

    async fn qa_or_not_found(&self, id: i64) -> Result<QaItem, ServiceError> {
        self.store.qa_item(id).await?.ok_or_else(|| ServiceError::NotFound("问答不存在".into()))
    }

    /// Moves an item through the workflow. Submit: editors; return, publish (审核通过即发布),
    /// withdraw: signers and reviewers of the responsible organisation, never the author for
    /// publishing. Return and withdraw need a reason. Publishing re-checks the sources (a stale
    /// item is published again only once its answer fits the changed policy) and clears the stale
    /// flag.
    pub async fn qa_transition(
        &self,
        ctx: &Ctx,
        id: i64,
        event: QaEvent,
        reason: Option<&str>,
    ) -> Result<QaItem, ServiceError> {
        let item = self.qa_or_not_found(id).await?;
        let org = self
            .store
            .org_by_id(item.org_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("qa item without organisation".into()))?;
        let roles: &[Role] = match event {
            QaEvent::Submit => &[Role::Editor],
            QaEvent::Return | QaEvent::Publish => &[Role::Signer, Role::LegalReviewer],
            _ => &[Role::Signer],
        };
        Self::require(ctx, roles, &org)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if matches!(event, QaEvent::Return | QaEvent::Withdraw) && reason.is_none() {
            return Err(ServiceError::invalid("reason", "请填写理由（将记录在案）"));
        }
        if event == QaEvent::Publish {
            if item.author_id.is_some() && item.author_id == ctx.actor_id() {
                return Err(ServiceError::Forbidden("审核人不能发布自己起草的问答".into()));
            }
            // 公开前审查: an answer with personal data, a classified marking or a prohibited term is not
            // published; it goes back to be rewritten (a knowledge-base answer never needs such content).
            let mut places: Vec<String> = Vec::new();
            for (loc, text) in [("问题", &item.fields.question), ("答复", &item.fields.answer)] {
                for f in self.screener().screen(text) {
                    if f.severity == gongkai_domain::screen::Severity::Block {
                        let p = format!("{}（{loc}）", f.kind.label());
                        if !places.contains(&p) {
                            places.push(p);
                        }
                    }
                }
            }
            if !places.is_empty() {
                return Err(ServiceError::Conflict(format!(
                    "自动审查发现须处理的问题，不能发布：{}。请退回修改。",
                    places.join("、")
                )));
            }
            let mut f = item.fields.clone();
            f.sources = item
                .sources
                .iter()
                .map(|(d, _, a)| gongkai_domain::qa::QaSourceRef {
                    document: d.to_string(),
                    anchor: Some(a.clone()).filter(|a| !a.is_empty()),
                })
                .collect();
            let mut errors = validate_qa(&f);
            self.resolve_qa_sources(&f, &mut errors).await?;
            gongkai_domain::Invalid::check(errors)?;
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let (state, _, stale) =
            tx.qa_item_state(id).await?.ok_or_else(|| ServiceError::NotFound("问答不存在".into()))?;
        // A reviewer may confirm a stale published answer as it is (the change did not touch it).
        let confirm = event == QaEvent::Publish && state == QaState::Published && stale;
        let Some(next) = (if confirm { Some(QaState::Published) } else { qa_transition(state, event) }) else {
            return Err(ServiceError::Conflict(format!("“{}”状态的问答不能执行此操作", state.label())));
        };
        let approver = if event == QaEvent::Publish { ctx.actor_id() } else { None };
        tx.set_qa_state(id, next, reason, approver, now).await?;
        tx.append_qa_search_change(id, now).await?;
        let mut a = ctx.audit(now, &format!("qa.{}", event.key()), "qa", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.before = Some(json!({"state": state.key(), "stale": stale}).to_string());
        a.after = Some(json!({"state": next.key(), "reason": reason}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.qa_or_not_found(id).await
    }

    /// Moves published items whose 有效期止 has passed to 已过期 (background job). Returns how many.
    pub async fn expire_qa(&self) -> Result<usize, ServiceError> {
        let now = self.now_ms();
        let today = china_date(now);
        let (items, _) = self.store.qa_list(&QaFilter::default(), 10_000, 0).await?;
        let mut n = 0;
        for it in items.iter().filter(|i| i.state == QaState::Published && i.fields.valid_to.is_some_and(|t| t < today))
        {
            let mut tx = self.store.begin().await?;
            tx.set_qa_state(it.id, QaState::Expired, Some("有效期届满"), None, now).await?;
            tx.append_qa_search_change(it.id, now).await?;
            let mut a = Ctx::system().audit(now, "qa.expire", "qa", Some(it.id.to_string()));
            a.org_id = Some(it.org_id);
            tx.append_audit(&a).await?;
            tx.commit().await?;
            n += 1;
        }
        Ok(n)
    }

    /// One published, current item for the public (counts the view for 热点问题).
    pub async fn public_qa(&self, id: i64) -> Result<QaItem, ServiceError> {
        let not_found = || ServiceError::NotFound("问答不存在或未公开".into());
        let it = self.store.qa_item(id).await?.ok_or_else(not_found)?;
        let today = china_date(self.now_ms());
        let current = it.state == QaState::Published
            && !it.stale
            && it.fields.valid_from.is_none_or(|f| f <= today)
            && it.fields.valid_to.is_none_or(|t| t >= today);
        if !current {
            return Err(not_found());
        }
        self.store.qa_viewed(id).await?;
        Ok(it)
    }

    /// The public list: newest first, or 热点问题 (most viewed) with `hot`; `document_id` gives the
    /// items citing one document (相关问答).
    pub async fn public_qa_list(
        &self,
        document_id: Option<i64>,
        hot: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<QaItem>, i64), ServiceError> {
        let f = QaFilter { public_on: Some(china_date(self.now_ms())), document_id, hot, ..QaFilter::default() };
        Ok(self.store.qa_list(&f, limit.clamp(1, 200), offset.max(0)).await?)
    }

    /// Items for staff of an organisation's subtree (any state), optionally only stale ones.
    pub async fn staff_qa_list(
        &self,
        ctx: &Ctx,
        org_code: &str,
        stale_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<QaItem>, i64), ServiceError> {
        let org = self
            .store
            .org_by_code(org_code.trim())
            .await?
            .ok_or_else(|| ServiceError::invalid("org", format!("机构“{org_code}”不存在")))?;
        Self::require(ctx, &[Role::Editor, Role::Signer, Role::LegalReviewer, Role::Supervisor], &org)?;
        let f = QaFilter { org_path: Some(org.path.clone()), stale_only, ..QaFilter::default() };
        Ok(self.store.qa_list(&f, limit.clamp(1, 500), offset.max(0)).await?)
    }

    /// Items changed at or after `since` (China date), every state, for the 12345 delta export
    /// (operators; withdrawn, expired and superseded items are included so the hotline removes
    /// them). Without `since`: every published item.
    pub async fn qa_export(&self, since: Option<NaiveDate>) -> Result<Vec<QaItem>, ServiceError> {
        let since_ms =
            since.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000);
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let f = QaFilter { since_ms, ..QaFilter::default() };
            let (page, _) = self.store.qa_list(&f, 500, offset).await?;
            let n = page.len() as i64;
            // A delta carries items that were ever published (drafts never reach the hotline).
            out.extend(
                page.into_iter().filter(|i| {
                    if since.is_some() { i.published_at_ms.is_some() } else { i.state == QaState::Published }
                }),
            );
            if n < 500 {
                break;
            }
            offset += n;
        }
        out.sort_by_key(|i| i.id);
        Ok(out)
    }

    /// Checks an import line without writing anything (imports are all or nothing: every line is
    /// checked before the first is written).
    pub async fn check_qa_import(&self, input: &QaInput) -> Result<(), ServiceError> {
        if input.external_id.as_deref().is_none_or(|e| e.trim().is_empty()) {
            return Err(ServiceError::invalid("id", "缺少编号（id）"));
        }
        self.check_qa(input).await.map(|_| ())
    }

    /// Imports one Q&A item (published directly, as imports of documents are): idempotent on its
    /// external id; an unchanged line changes nothing.
    pub async fn import_qa(&self, ctx: &Ctx, input: &QaInput) -> Result<QaImportOutcome, ServiceError> {
        let ext = input
            .external_id
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .ok_or_else(|| ServiceError::invalid("id", "缺少编号（id）"))?;
        let (fields, org, sources) = self.check_qa(input).await?;
        Self::require(ctx, &[Role::Signer], &org)?;
        let now = self.now_ms();
        let existing = self.store.qa_by_external_id(ext).await?;
        let mut tx = self.store.begin().await?;
        let outcome = match &existing {
            Some(it) => {
                let same_sources: Vec<(i64, String)> = it.sources.iter().map(|(d, _, a)| (*d, a.clone())).collect();
                let mut sorted = sources.clone();
                sorted.sort();
                let plain = QaFields { sources: Vec::new(), ..fields.clone() };
                if it.fields == plain && same_sources == sorted && it.org_id == org.id && !it.stale {
                    return Ok(QaImportOutcome::Unchanged);
                }
                tx.update_qa_fields(it.id, &fields, now).await?;
                tx.replace_qa_sources(it.id, &sources).await?;
                tx.set_qa_state(it.id, QaState::Published, None, ctx.actor_id(), now).await?;
                tx.append_qa_search_change(it.id, now).await?;
                QaImportOutcome::Updated
            }
            None => {
                let id = tx.insert_qa(org.id, Some(ext), QaState::Published, &fields, None, now).await?;
                tx.replace_qa_sources(id, &sources).await?;
                tx.append_qa_search_change(id, now).await?;
                QaImportOutcome::Imported
            }
        };
        let target = existing.as_ref().map(|i| i.id.to_string()).unwrap_or_else(|| ext.to_owned());
        let mut a = ctx.audit(now, "qa.import", "qa", Some(target));
        a.org_id = Some(org.id);
        a.after = Some(json!({"external_id": ext, "outcome": format!("{outcome:?}")}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
