//! Pre-publication review (公开前审查): what passes through the review hook
//! ([`crate::Service::review_gate`]) — a document edition or a reply to a disclosure application
//! (依申请公开答复) — and the use cases of the review chain and the screening at publication.
//!
//! Rules:
//! - each organisation subtree may configure a chain per content class (the nearest configured
//!   ancestor wins; otherwise [`gongkai_domain::review::default_chain`]); the security administrator
//!   (安全保密管理员) or an operator sets it;
//! - steps are taken in order, each by its role on the item's organisation (保密审查员, 法制审核员,
//!   签发人; for replies also the head of the disclosure office signs off), never by the item's
//!   author; each records the decision, opinion, reviewer and time; a return ends the round;
//! - every round of an item is screened once (title and body, every attachment through
//!   `gongkai-extract`, or the reply's text); only masked text is stored. A blocking finding stops
//!   every approval and publication until a 保密审查员 records a written reason (override);
//! - the records are visible to staff with rights on the organisation and to the audit
//!   administrator, never to the public; every write is audited in its transaction.
//!
//! The command-line operator (`Actor::System`, e.g. the demo seeding) is not held to the chain's
//! steps, as it is not held to roles; blocking findings stop it too.

use std::collections::BTreeMap;

use gongkai_domain::document::{EditionEvent, EditionState};
use gongkai_domain::org::Org;
use gongkai_domain::review::{self as rv, Decision, FOI_REPLY_CLASS, Step};
use gongkai_domain::role::Role;
use gongkai_domain::screen::{Finding, Kind, Severity};
use gongkai_store::{
    ChainRow, FindingRow, FindingStat, NewOverride, NewReviewRecord, OverrideRow, ReviewRecordRow, ScreeningRow, Tx,
};
use serde_json::json;

use crate::{Actor, Ctx, Service, ServiceError};

/// The kind of item under review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    /// An edition of a policy document.
    Edition,
    /// The reply to a disclosure application.
    FoiReply,
}

impl ReviewKind {
    /// Stable key (`edition`, `foi_reply`), used in the database and URLs.
    pub fn key(self) -> &'static str {
        match self {
            ReviewKind::Edition => "edition",
            ReviewKind::FoiReply => "foi_reply",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewKind::Edition => "文件版本",
            ReviewKind::FoiReply => "依申请公开答复",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewKind> {
        match s {
            "edition" => Some(ReviewKind::Edition),
            "foi_reply" => Some(ReviewKind::FoiReply),
            _ => None,
        }
    }
}

/// An item presented for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewSubject {
    pub kind: ReviewKind,
    /// The edition's or the application's id.
    pub id: i64,
    /// The owning organisation.
    pub org_id: i64,
    /// Who drafted it.
    pub author_id: Option<i64>,
    /// Content class: a document class key or `foi_reply`.
    pub class: &'static str,
}

/// A reviewer's step as entered.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub step: Step,
    pub decision: Decision,
    pub opinion: String,
    /// A written reason to let blocking findings pass (保密审查员 only).
    pub override_reason: Option<String>,
}

/// Everything a reviewer, a member of staff or the audit administrator sees of an item's review.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub subject: ReviewSubject,
    /// The edition's title, or the application's tracking code.
    pub title: String,
    /// The document's or the application's id.
    pub parent_id: i64,
    pub org: Org,
    pub chain: Vec<Step>,
    pub round: i64,
    /// Whether the item is awaiting review (a submitted edition, a drafted reply).
    pub under_review: bool,
    /// The next step of this round, when under review.
    pub pending: Option<Step>,
    pub records: Vec<ReviewRecordRow>,
    pub screening: Option<ScreeningRow>,
    pub findings: Vec<FindingRow>,
    pub overrides: Vec<OverrideRow>,
    /// Blocking findings this round without an override.
    pub blocked: bool,
    /// Whether the caller may take the pending step.
    pub can_take: bool,
    /// Whether the caller may override blocking findings.
    pub can_override: bool,
}

/// One item in a reviewer's queue.
#[derive(Debug, Clone)]
pub struct PendingReview {
    pub kind: ReviewKind,
    pub id: i64,
    pub parent_id: i64,
    pub title: String,
    pub org_name: String,
    pub class: String,
    pub step: Step,
    pub updated_at: i64,
}

/// A configured or default chain, for `gongkai review chain show` and the console.
#[derive(Debug, Clone)]
pub struct ChainEntry {
    /// `None` for the built-in default.
    pub org: Option<ChainRow>,
    pub class: &'static str,
    pub chain: Vec<Step>,
}

/// The security dashboard: findings per day, kind and organisation, and overrides with reasons.
#[derive(Debug, Clone)]
pub struct ReviewDashboard {
    pub since: chrono::NaiveDate,
    pub stats: Vec<FindingStat>,
    pub overrides: Vec<OverrideRow>,
}

/// Roles that see review records (with the audit administrator).
const VIEWERS: &[Role] = &[
    Role::Editor,
    Role::Signer,
    Role::ConfidentialityReviewer,
    Role::LegalReviewer,
    Role::DisclosureOfficer,
    Role::DisclosureHead,
    Role::Supervisor,
    Role::SystemAdmin,
    Role::AuditAdmin,
];

/// The roles that may take a step on a kind of item.
fn step_roles(kind: ReviewKind, step: Step) -> &'static [Role] {
    match (kind, step) {
        (_, Step::Secrecy) => &[Role::ConfidentialityReviewer],
        (_, Step::Legal) => &[Role::LegalReviewer],
        (ReviewKind::Edition, Step::Signoff) => &[Role::Signer],
        (ReviewKind::FoiReply, Step::Signoff) => &[Role::Signer, Role::DisclosureHead],
    }
}

/// The chain for an organisation path among configured (path, steps) entries of one class.
fn pick_chain(org_path: &str, class: &str, configured: &[(String, String)]) -> Vec<Step> {
    configured
        .iter()
        .filter(|(p, _)| org_path.starts_with(p.as_str()))
        .max_by_key(|(p, _)| p.len())
        .and_then(|(_, s)| rv::parse_chain(s).ok())
        .unwrap_or_else(|| rv::default_chain(class))
}

/// The stored form of a finding: its location and masked text, never the matched text.
fn finding_row(location: &str, f: &Finding) -> FindingRow {
    FindingRow {
        location: location.to_owned(),
        kind: f.kind.as_str().to_owned(),
        severity: f.severity.as_str().to_owned(),
        start_pos: f.start as i64,
        end_pos: f.end as i64,
        masked: f.masked.clone(),
        detail: f.detail.clone(),
    }
}

/// zh-CN label of a stored finding kind.
pub fn finding_kind_label(kind: &str) -> &'static str {
    Kind::parse(kind).map(Kind::label).unwrap_or("其他")
}

/// zh-CN label of a stored severity.
pub fn severity_label(severity: &str) -> &'static str {
    Severity::parse(severity).map(Severity::label).unwrap_or("—")
}

impl Service {
    /// The subject, its organisation, title, parent id and whether it awaits review.
    async fn review_subject(
        &self,
        kind: ReviewKind,
        id: i64,
    ) -> Result<(ReviewSubject, Org, String, i64, bool), ServiceError> {
        let not_found = || ServiceError::NotFound("审查对象不存在".into());
        match kind {
            ReviewKind::Edition => {
                let ed = self.store.edition(id).await?.ok_or_else(not_found)?;
                let doc = self.store.document(ed.document_id).await?.ok_or_else(not_found)?;
                let org = self.store.org_by_id(doc.org_id).await?.ok_or_else(not_found)?;
                let class = ed.fields.class.unwrap_or(doc.class).key();
                let subject = ReviewSubject { kind, id, org_id: org.id, author_id: ed.author_id, class };
                let under = ed.state == EditionState::Submitted;
                Ok((subject, org, ed.fields.title, doc.id, under))
            }
            ReviewKind::FoiReply => {
                let row = self.store.foi_application(id).await?.ok_or_else(not_found)?;
                let org = self.store.org_by_id(row.org_id).await?.ok_or_else(not_found)?;
                let subject =
                    ReviewSubject { kind, id, org_id: org.id, author_id: row.reply_author_id, class: FOI_REPLY_CLASS };
                let under = row.reply_state == "draft" && !self.reply_awaits_revision(id).await?;
                Ok((subject, org, row.tracking_code, id, under))
            }
        }
    }

    /// Whether a reply was returned and not revised since (a return starts round r + 1, saving the
    /// revised draft round r + 2).
    async fn reply_awaits_revision(&self, id: i64) -> Result<bool, ServiceError> {
        let kind = ReviewKind::FoiReply.key();
        let round = self.store.review_round(kind, id).await?;
        let last = self.store.review_records(kind, id).await?.pop();
        Ok(last.is_some_and(|r| r.decision == "return" && r.round + 1 == round))
    }

    /// The chain that applies to an organisation and class.
    pub async fn review_chain_for(&self, org: &Org, class: &str) -> Result<Vec<Step>, ServiceError> {
        let configured: Vec<(String, String)> = self
            .store
            .review_chains()
            .await?
            .into_iter()
            .filter(|c| c.class == class)
            .map(|c| (c.org_path, c.steps))
            .collect();
        Ok(pick_chain(&org.path, class, &configured))
    }

    async fn review_chain_in(&self, tx: &mut Tx, org: &Org, class: &str) -> Result<Vec<Step>, ServiceError> {
        let configured = tx.review_chains_for(class).await?;
        Ok(pick_chain(&org.path, class, &configured))
    }

    /// Sets (`Some(steps)`, e.g. `secrecy,legal,signoff`) or removes (`None`: back to the parent's
    /// or the default) the chain of an organisation subtree for a class.
    pub async fn set_review_chain(
        &self,
        ctx: &Ctx,
        org_code: &str,
        class: &str,
        steps: Option<&str>,
    ) -> Result<Option<Vec<Step>>, ServiceError> {
        let org = self
            .store
            .org_by_code(org_code.trim())
            .await?
            .ok_or_else(|| ServiceError::invalid("org", format!("机构“{org_code}”不存在")))?;
        Self::require(ctx, &[Role::SecurityAdmin], &org)?;
        let class = rv::parse_class(class).ok_or_else(|| {
            ServiceError::invalid("class", format!("未知的内容类别“{class}”（可用：{}）", rv::classes().join("、")))
        })?;
        let chain = match steps {
            Some(s) => Some(rv::parse_chain(s).map_err(|e| ServiceError::Invalid(gongkai_domain::Invalid(vec![e])))?),
            None => None,
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_review_chain(org.id, class, chain.as_deref().map(rv::chain_keys).as_deref(), now).await?;
        let mut a = ctx.audit(now, "review.chain_set", "org", Some(org.code.clone()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"class": class, "steps": chain.as_deref().map(rv::chain_keys)}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(chain)
    }

    /// Configured chains (under the caller's organisation, or all for operators) and the defaults.
    pub async fn review_chains(&self, ctx: &Ctx) -> Result<Vec<ChainEntry>, ServiceError> {
        let visible = |path: &str| match &ctx.actor {
            Actor::System => true,
            Actor::User(u) => u.grants.iter().any(|g| path.starts_with(&g.org_path)),
            Actor::Anonymous => false,
        };
        if matches!(ctx.actor, Actor::Anonymous) {
            return Err(ServiceError::forbidden());
        }
        let mut out: Vec<ChainEntry> = rv::classes()
            .into_iter()
            .map(|class| ChainEntry { org: None, class, chain: rv::default_chain(class) })
            .collect();
        for c in self.store.review_chains().await? {
            if !visible(&c.org_path) {
                continue;
            }
            let Some(class) = rv::parse_class(&c.class) else { continue };
            let chain = rv::parse_chain(&c.steps).unwrap_or_else(|_| rv::default_chain(class));
            out.push(ChainEntry { org: Some(c), class, chain });
        }
        Ok(out)
    }

    /// Screens a subject as it stands: title and body (and every attachment) of an edition, the
    /// text of a reply. Attachments are extracted in an extraction slot ([`Service::extraction`]).
    async fn screen_subject(&self, subject: &ReviewSubject) -> Result<Vec<FindingRow>, ServiceError> {
        let screener = self.screener.clone();
        let mut texts: Vec<(String, String)> = Vec::new();
        let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
        match subject.kind {
            ReviewKind::Edition => {
                let ed =
                    self.store.edition(subject.id).await?.ok_or_else(|| ServiceError::NotFound("版本不存在".into()))?;
                texts.push(("标题".into(), ed.fields.title.clone()));
                texts.push(("正文".into(), ed.fields.body.clone()));
                if let Some(i) = self.store.interpretation_current(ed.document_id).await? {
                    texts.push(("解读人".into(), format!("{} {}", i.interpreter, i.interpreter_role)));
                    texts.push(("文字实录".into(), i.transcript.unwrap_or_default()));
                    texts.push(("图片替代文字".into(), i.alt_text.unwrap_or_default()));
                    texts.push(("音视频地址".into(), i.media_url.unwrap_or_default()));
                }
                for a in self.store.attachments_of(ed.id).await? {
                    files.push((format!("附件“{}”", a.filename), self.lib.attachments_dir.join(&a.stored_name)));
                }
            }
            ReviewKind::FoiReply => {
                let row = self
                    .store
                    .foi_application(subject.id)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound("申请不存在".into()))?;
                texts.push(("答复正文".into(), row.reply_body.unwrap_or_default()));
                texts.push(("答复理由".into(), row.reply_reason.unwrap_or_default()));
            }
        }
        let max = self.lib.max_attachment_bytes as u64;
        let rows = self
            .extraction(max, move |limits| {
                let mut rows = Vec::new();
                for (loc, text) in &texts {
                    rows.extend(screener.screen(text).iter().map(|f| finding_row(loc, f)));
                }
                for (loc, path) in &files {
                    let result = gongkai_extract::read_file(path, limits)
                        .and_then(|bytes| gongkai_extract::screen_file(&bytes, limits, &screener));
                    match result {
                        Ok((_, findings)) => rows.extend(findings.iter().map(|f| finding_row(loc, f))),
                        // Refused as too large (more text than the budget: an extraction bomb or a
                        // file nobody can review as one) blocks; other failures ask for a human.
                        Err(e) if e.code() == "too_large" => rows.push(finding_row(
                            loc,
                            &Finding::note(
                                Kind::Unscreenable,
                                Severity::Block,
                                "附件",
                                format!("无法审查，不能发布：{e}"),
                            ),
                        )),
                        Err(e) => rows.push(finding_row(
                            loc,
                            &Finding::note(
                                Kind::Unscreenable,
                                Severity::Warn,
                                "附件",
                                format!("无法自动审查，请人工审查：{e}"),
                            ),
                        )),
                    }
                }
                rows
            })
            .await?;
        Ok(rows)
    }

    /// The content hash of a subject as the pool reads it now (see [`content_hash`]).
    async fn subject_hash(&self, subject: &ReviewSubject) -> Result<String, ServiceError> {
        let mut tx = self.store.begin().await?;
        let h = Self::subject_hash_in(&mut tx, subject).await?;
        tx.rollback().await?;
        Ok(h)
    }

    /// The content hash of a subject read inside `tx`: title, body, every attachment (name and
    /// SHA-256) and the interpretation fields of an edition; the text and reason of a reply.
    pub(crate) async fn subject_hash_in(tx: &mut Tx, subject: &ReviewSubject) -> Result<String, ServiceError> {
        let parts = match subject.kind {
            ReviewKind::Edition => {
                let ed = tx.edition(subject.id).await?.ok_or_else(|| ServiceError::NotFound("版本不存在".into()))?;
                let atts = tx.attachments_of(ed.id).await?;
                let interp = tx.interpretation(ed.document_id).await?;
                json!({
                    "title": ed.fields.title,
                    "body": ed.fields.body,
                    "attachments": atts.iter().map(|a| json!([a.filename, a.sha256])).collect::<Vec<_>>(),
                    "interp": interp.map(|i| json!({
                        "form": i.form.map(|f| f.key()),
                        "interpreter": i.interpreter,
                        "interpreter_role": i.interpreter_role,
                        "first_interpreter": i.first_interpreter,
                        "media_url": i.media_url,
                        "transcript": i.transcript,
                        "alt_text": i.alt_text,
                    })),
                })
            }
            ReviewKind::FoiReply => {
                let row =
                    tx.foi_application(subject.id).await?.ok_or_else(|| ServiceError::NotFound("申请不存在".into()))?;
                json!({"reply_body": row.reply_body, "reply_reason": row.reply_reason})
            }
        };
        Ok(content_hash(&parts))
    }

    /// Screens the subject's current round unless a screening of exactly its present content
    /// exists; audited as `review.screen`. A screening of other content (the draft was edited
    /// after it, an attachment changed) is replaced.
    pub(crate) async fn ensure_screened(&self, ctx: &Ctx, subject: &ReviewSubject) -> Result<(), ServiceError> {
        let round = self.store.review_round(subject.kind.key(), subject.id).await?;
        let before = self.subject_hash(subject).await?;
        if self.store.screening(subject.kind.key(), subject.id, round).await?.is_some_and(|s| s.content_hash == before)
        {
            return Ok(());
        }
        let rows = self.screen_subject(subject).await?;
        let blocks = rows.iter().any(|r| r.severity == "block");
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if tx.review_round(subject.kind.key(), subject.id).await? != round {
            // Returned meanwhile: the next step screens the new round.
            return Ok(());
        }
        if Self::subject_hash_in(&mut tx, subject).await? != before {
            // Edited while it was screened: what was screened is not what is there now. The
            // next step screens again; approval refuses a stale screening.
            return Ok(());
        }
        tx.put_screening(subject.kind.key(), subject.id, subject.org_id, round, blocks, &before, &rows, now).await?;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rows {
            *counts.entry(r.kind.as_str()).or_default() += 1;
        }
        let mut a = ctx.audit(now, "review.screen", subject.kind.key(), Some(subject.id.to_string()));
        a.org_id = Some(subject.org_id);
        a.after = Some(json!({"round": round, "blocks": blocks, "findings": counts}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Fails when the round's screening has blocking findings without an override, naming the
    /// kinds and where they are.
    pub(crate) async fn check_blocks(
        &self,
        tx: &mut Tx,
        subject: &ReviewSubject,
        round: i64,
        what: &str,
    ) -> Result<(), ServiceError> {
        let Some(s) = tx.screening(subject.kind.key(), subject.id, round).await? else {
            return Err(ServiceError::Conflict(format!("尚未完成自动审查，暂不能{what}，请稍后重试")));
        };
        if s.content_hash != Self::subject_hash_in(tx, subject).await? {
            return Err(ServiceError::Conflict(format!(
                "内容在自动审查后有改动（标题、正文、附件或解读信息），须重新审查后才能{what}"
            )));
        }
        if !s.blocks || tx.has_override(subject.kind.key(), subject.id, round).await? {
            return Ok(());
        }
        let mut places: Vec<String> = Vec::new();
        for f in tx.blocking_findings(s.id).await? {
            let p = format!("{}（{}）", finding_kind_label(&f.kind), f.location);
            if !places.contains(&p) {
                places.push(p);
            }
        }
        Err(ServiceError::Conflict(format!(
            "自动审查发现须处理的问题，不能{what}：{}。请退回修改，或由保密审查员填写书面理由后放行。",
            places.join("、")
        )))
    }

    /// The hook every approval passes through (签发, the last step of the chain): the approver is
    /// not the author, every earlier step of this round is approved, blocking findings are
    /// resolved; records the sign-off in `tx`. The caller has screened the subject.
    pub(crate) async fn review_gate(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        subject: &ReviewSubject,
        opinion: Option<&str>,
    ) -> Result<(), ServiceError> {
        if subject.author_id.is_some() && subject.author_id == ctx.actor_id() {
            return Err(ServiceError::Forbidden(match subject.kind {
                ReviewKind::Edition => "签发人不能签发自己起草的文件".into(),
                ReviewKind::FoiReply => "审核人不能审核自己起草的答复".into(),
            }));
        }
        let org = self
            .store
            .org_by_id(subject.org_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("review subject without organisation".into()))?;
        let round = tx.review_round(subject.kind.key(), subject.id).await?;
        if !matches!(ctx.actor, Actor::System) {
            let chain = self.review_chain_in(tx, &org, subject.class).await?;
            let approved: Vec<Step> = tx
                .approved_steps(subject.kind.key(), subject.id, round)
                .await?
                .iter()
                .filter_map(|s| Step::parse(s))
                .collect();
            match rv::pending(&chain, &approved) {
                Some(Step::Signoff) | None => {}
                Some(step) => {
                    return Err(ServiceError::Conflict(format!(
                        "须先完成“{}”（审查链：{}）",
                        step.label(),
                        rv::chain_label(&chain)
                    )));
                }
            }
        }
        self.check_blocks(tx, subject, round, "签发").await?;
        let name = ctx.actor_name();
        tx.insert_review_record(&NewReviewRecord {
            subject_kind: subject.kind.key(),
            subject_id: subject.id,
            org_id: subject.org_id,
            round,
            step: Step::Signoff.key(),
            decision: Decision::Approve.key(),
            opinion: opinion.map(str::trim).filter(|o| !o.is_empty()).unwrap_or("同意签发"),
            reviewer_id: ctx.actor_id(),
            reviewer_name: &name,
            at: self.now_ms(),
        })
        .await?;
        Ok(())
    }

    /// Records a return in `tx` (the pending step, or 签发 after approval) and starts a new round.
    pub(crate) async fn record_return(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        subject: &ReviewSubject,
        opinion: &str,
    ) -> Result<(), ServiceError> {
        let org = self
            .store
            .org_by_id(subject.org_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("review subject without organisation".into()))?;
        let round = tx.review_round(subject.kind.key(), subject.id).await?;
        let chain = self.review_chain_in(tx, &org, subject.class).await?;
        let approved: Vec<Step> = tx
            .approved_steps(subject.kind.key(), subject.id, round)
            .await?
            .iter()
            .filter_map(|s| Step::parse(s))
            .collect();
        let step = rv::pending(&chain, &approved).unwrap_or(Step::Signoff);
        let name = ctx.actor_name();
        tx.insert_review_record(&NewReviewRecord {
            subject_kind: subject.kind.key(),
            subject_id: subject.id,
            org_id: subject.org_id,
            round,
            step: step.key(),
            decision: Decision::Return.key(),
            opinion,
            reviewer_id: ctx.actor_id(),
            reviewer_name: &name,
            at: self.now_ms(),
        })
        .await?;
        tx.bump_review_round(subject.kind.key(), subject.id).await?;
        Ok(())
    }

    /// Lets the blocking findings of the current round pass, with a written reason (保密审查员).
    pub async fn review_override(
        &self,
        ctx: &Ctx,
        kind: ReviewKind,
        id: i64,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let (subject, org, _, _, _) = self.review_subject(kind, id).await?;
        Self::require(ctx, &[Role::ConfidentialityReviewer], &org)?;
        self.ensure_screened(ctx, &subject).await?;
        let mut tx = self.store.begin().await?;
        self.override_in(&mut tx, ctx, &subject, reason).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn override_in(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        subject: &ReviewSubject,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("override_reason", "请填写放行理由（将记录在案）"));
        }
        if subject.author_id.is_some() && subject.author_id == ctx.actor_id() {
            return Err(ServiceError::Forbidden("审查人不能审查自己起草的内容".into()));
        }
        let round = tx.review_round(subject.kind.key(), subject.id).await?;
        let s = tx
            .screening(subject.kind.key(), subject.id, round)
            .await?
            .ok_or_else(|| ServiceError::Conflict("尚未完成自动审查".into()))?;
        let mut kinds: Vec<String> = tx.blocking_findings(s.id).await?.into_iter().map(|f| f.kind).collect();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(ServiceError::invalid("override_reason", "没有需要放行的阻止发布问题"));
        }
        let kinds = kinds.join(",");
        let now = self.now_ms();
        let name = ctx.actor_name();
        tx.insert_override(&NewOverride {
            subject_kind: subject.kind.key(),
            subject_id: subject.id,
            org_id: subject.org_id,
            round,
            kinds: &kinds,
            reason,
            by_id: ctx.actor_id(),
            by_name: &name,
            at: now,
        })
        .await?;
        let mut a = ctx.audit(now, "review.override", subject.kind.key(), Some(subject.id.to_string()));
        a.org_id = Some(subject.org_id);
        a.after = Some(json!({"round": round, "kinds": kinds, "reason": reason}).to_string());
        tx.append_audit(&a).await?;
        Ok(())
    }

    /// Takes a step of the chain: the pending step only, by its role, never by the author. The
    /// 签发 step approves the item (document edition or reply); a return sends it back.
    pub async fn review_step(
        &self,
        ctx: &Ctx,
        kind: ReviewKind,
        id: i64,
        input: &StepInput,
    ) -> Result<(), ServiceError> {
        let (subject, org, _, parent_id, under) = self.review_subject(kind, id).await?;
        Self::require(ctx, step_roles(kind, input.step), &org)?;
        if subject.author_id.is_some() && subject.author_id == ctx.actor_id() {
            return Err(ServiceError::Forbidden("审查人不能审查自己起草的内容".into()));
        }
        if !under {
            return Err(ServiceError::Conflict("该内容当前不在审查中".into()));
        }
        let opinion = input.opinion.trim();
        if input.decision == Decision::Return && opinion.is_empty() {
            return Err(ServiceError::invalid("opinion", "退回时请填写审查意见（将告知起草人）"));
        }
        if opinion.chars().count() > 2000 {
            return Err(ServiceError::invalid("opinion", "审查意见不超过 2000 个字符"));
        }
        let override_reason = input.override_reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        if override_reason.is_some() && !Self::has_role_on(ctx, &[Role::ConfidentialityReviewer], &org) {
            return Err(ServiceError::invalid("override_reason", "只有保密审查员可以放行阻止发布的问题"));
        }
        self.ensure_screened(ctx, &subject).await?;
        let chain = self.review_chain_for(&org, subject.class).await?;
        let round = self.store.review_round(kind.key(), id).await?;
        let approved: Vec<Step> = self
            .store
            .review_records(kind.key(), id)
            .await?
            .into_iter()
            .filter(|r| r.round == round && r.decision == "approve")
            .filter_map(|r| Step::parse(&r.step))
            .collect();
        let pending = rv::pending(&chain, &approved);
        if pending != Some(input.step) {
            return Err(ServiceError::Conflict(match pending {
                Some(p) => {
                    format!("当前待办环节是“{}”（审查链：{}），请按顺序审查", p.label(), rv::chain_label(&chain))
                }
                None => "审查链已全部完成".into(),
            }));
        }
        if input.decision == Decision::Approve && input.step == Step::Signoff {
            if let Some(reason) = override_reason {
                let mut tx = self.store.begin().await?;
                if !tx.has_override(kind.key(), id, round).await? {
                    self.override_in(&mut tx, ctx, &subject, reason).await?;
                }
                tx.commit().await?;
            }
            let opinion = Some(opinion).filter(|o| !o.is_empty());
            return match kind {
                ReviewKind::Edition => {
                    self.document_transition(ctx, parent_id, EditionEvent::Approve, opinion, None).await.map(|_| ())
                }
                ReviewKind::FoiReply => self.foi_approve_reply_with(ctx, id, opinion).await,
            };
        }
        if input.decision == Decision::Return {
            return match kind {
                ReviewKind::Edition => self
                    .document_transition(ctx, parent_id, EditionEvent::Return, Some(opinion), None)
                    .await
                    .map(|_| ()),
                ReviewKind::FoiReply => self.foi_return_reply(ctx, id, opinion).await,
            };
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if tx.review_round(kind.key(), id).await? != round
            || tx.approved_steps(kind.key(), id, round).await?.iter().any(|s| s == input.step.key())
        {
            return Err(ServiceError::Conflict("该环节已由他人处理，请刷新页面".into()));
        }
        if let Some(reason) = override_reason {
            if !tx.has_override(kind.key(), id, round).await? {
                self.override_in(&mut tx, ctx, &subject, reason).await?;
            }
        }
        self.check_blocks(&mut tx, &subject, round, "通过").await?;
        let name = ctx.actor_name();
        let opinion = if opinion.is_empty() { "同意" } else { opinion };
        tx.insert_review_record(&NewReviewRecord {
            subject_kind: kind.key(),
            subject_id: id,
            org_id: org.id,
            round,
            step: input.step.key(),
            decision: Decision::Approve.key(),
            opinion,
            reviewer_id: ctx.actor_id(),
            reviewer_name: &name,
            at: now,
        })
        .await?;
        let mut a = ctx.audit(now, "review.step", kind.key(), Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(
            json!({"round": round, "step": input.step.key(), "decision": "approve", "opinion": opinion}).to_string(),
        );
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The review of an item: chain, records, screening and overrides (never public).
    pub async fn review_view(&self, ctx: &Ctx, kind: ReviewKind, id: i64) -> Result<ReviewView, ServiceError> {
        let (subject, org, title, parent_id, under_review) = self.review_subject(kind, id).await?;
        if !Self::has_role_on(ctx, VIEWERS, &org) {
            return Err(ServiceError::forbidden());
        }
        let chain = self.review_chain_for(&org, subject.class).await?;
        let round = self.store.review_round(kind.key(), id).await?;
        let records = self.store.review_records(kind.key(), id).await?;
        let approved: Vec<Step> = records
            .iter()
            .filter(|r| r.round == round && r.decision == "approve")
            .filter_map(|r| Step::parse(&r.step))
            .collect();
        let pending = if under_review { rv::pending(&chain, &approved) } else { None };
        let screening = self.store.screening(kind.key(), id, round).await?;
        let findings = match &screening {
            Some(s) => self.store.screen_findings(s.id).await?,
            None => Vec::new(),
        };
        let overrides = self.store.review_overrides(kind.key(), id).await?;
        let blocked = screening.as_ref().is_some_and(|s| s.blocks) && !overrides.iter().any(|o| o.round == round);
        let not_author = subject.author_id.is_none() || subject.author_id != ctx.actor_id();
        let can_take = not_author
            && !matches!(ctx.actor, Actor::System)
            && pending.is_some_and(|p| Self::has_role_on(ctx, step_roles(kind, p), &org));
        let can_override =
            not_author && under_review && blocked && Self::has_role_on(ctx, &[Role::ConfidentialityReviewer], &org);
        Ok(ReviewView {
            subject,
            title,
            parent_id,
            org,
            chain,
            round,
            under_review,
            pending,
            records,
            screening,
            findings,
            overrides,
            blocked,
            can_take,
            can_override,
        })
    }

    /// Screens an item now when its round was not screened yet (e.g. opened before screening ran).
    pub async fn review_screen_now(&self, ctx: &Ctx, kind: ReviewKind, id: i64) -> Result<(), ServiceError> {
        let (subject, org, _, _, _) = self.review_subject(kind, id).await?;
        if !Self::has_role_on(ctx, VIEWERS, &org) {
            return Err(ServiceError::forbidden());
        }
        self.ensure_screened(ctx, &subject).await
    }

    /// The items whose pending step the caller may take, oldest first.
    pub async fn pending_reviews(&self, ctx: &Ctx) -> Result<Vec<PendingReview>, ServiceError> {
        let Actor::User(u) = &ctx.actor else { return Err(ServiceError::forbidden()) };
        let reviewer_roles = [Role::ConfidentialityReviewer, Role::LegalReviewer, Role::Signer, Role::DisclosureHead];
        let mut paths: Vec<&str> =
            u.grants.iter().filter(|g| reviewer_roles.contains(&g.role)).map(|g| g.org_path.as_str()).collect();
        paths.sort_by_key(|p| p.len());
        let mut roots: Vec<&str> = Vec::new();
        for p in paths {
            if !roots.iter().any(|r| p.starts_with(r)) {
                roots.push(p);
            }
        }
        let all_chains = self.store.review_chains().await?;
        let mut out = Vec::new();
        for root in roots {
            for row in self.store.pending_reviews(root).await? {
                let Some(kind) = ReviewKind::parse(&row.subject_kind) else { continue };
                if row.author_id.is_some() && row.author_id == Some(u.user.id) {
                    continue;
                }
                if kind == ReviewKind::FoiReply && self.reply_awaits_revision(row.subject_id).await? {
                    continue;
                }
                let class = rv::parse_class(&row.class).unwrap_or("other");
                let configured: Vec<(String, String)> = all_chains
                    .iter()
                    .filter(|c| c.class == class)
                    .map(|c| (c.org_path.clone(), c.steps.clone()))
                    .collect();
                let chain = pick_chain(&row.org_path, class, &configured);
                let round = self.store.review_round(kind.key(), row.subject_id).await?;
                let approved: Vec<Step> = self
                    .store
                    .review_records(kind.key(), row.subject_id)
                    .await?
                    .into_iter()
                    .filter(|r| r.round == round && r.decision == "approve")
                    .filter_map(|r| Step::parse(&r.step))
                    .collect();
                let Some(step) = rv::pending(&chain, &approved) else { continue };
                if !step_roles(kind, step).iter().any(|r| u.has_role_on(*r, &row.org_path)) {
                    continue;
                }
                out.push(PendingReview {
                    kind,
                    id: row.subject_id,
                    parent_id: row.parent_id,
                    title: row.title,
                    org_name: row.org_name,
                    class: row.class,
                    step,
                    updated_at: row.updated_at,
                });
            }
        }
        Ok(out)
    }

    /// Replaces an attachment of the open draft with its cleaned copy (document properties,
    /// comments, PDF Info and XMP removed; refused, naming `file`, when tracked changes or hidden
    /// content remain or the file cannot be read). The new copy is added before the old one is
    /// removed, each audited.
    pub async fn clean_attachment(
        &self,
        ctx: &Ctx,
        doc_id: i64,
        attachment_id: i64,
    ) -> Result<gongkai_domain::document::Attachment, ServiceError> {
        let doc = self
            .store
            .document(doc_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("文件 {doc_id} 不存在")))?;
        let org = self
            .store
            .org_by_id(doc.org_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("document without organisation".into()))?;
        Self::require(ctx, &[Role::Editor], &org)?;
        let a = self
            .store
            .attachment(attachment_id)
            .await?
            .filter(|a| a.document_id == doc_id && Some(a.version_id) == doc.open_version_id)
            .ok_or_else(|| ServiceError::NotFound("附件不存在或不属于正在编辑的版本".into()))?;
        let path = self.lib.attachments_dir.join(&a.stored_name);
        let max = self.lib.max_attachment_bytes as u64;
        let cleaned = self
            .extraction(max, move |limits| {
                gongkai_extract::read_file(&path, limits).and_then(|b| gongkai_extract::clean(&b, limits))
            })
            .await?
            .map_err(|e| ServiceError::invalid("file", format!("“{}”：{e}", a.filename)))?;
        let new = self.add_attachment(ctx, doc_id, &a.filename, &cleaned).await?;
        self.remove_attachment(ctx, doc_id, a.id).await?;
        Ok(new)
    }

    /// The security dashboard over the last `days` days (安全保密管理员 and 安全审计员).
    pub async fn review_dashboard(&self, ctx: &Ctx, days: i64) -> Result<ReviewDashboard, ServiceError> {
        let path = match &ctx.actor {
            Actor::System => "/".to_owned(),
            Actor::User(u) => u
                .grants
                .iter()
                .filter(|g| matches!(g.role, Role::SecurityAdmin | Role::AuditAdmin))
                .map(|g| g.org_path.clone())
                .min_by_key(String::len)
                .ok_or_else(|| ServiceError::Forbidden("需要安全保密管理员或安全审计员角色".into()))?,
            Actor::Anonymous => return Err(ServiceError::forbidden()),
        };
        let days = days.clamp(1, 366);
        let today = crate::documents::china_date(self.now_ms());
        let since = today - chrono::Days::new(days as u64 - 1);
        let since_ms = since.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - 8 * 3_600_000;
        let stats = self.store.finding_stats(&path, since_ms).await?;
        let overrides = self.store.recent_overrides(&path, since_ms, 200).await?;
        Ok(ReviewDashboard { since, stats, overrides })
    }
}

/// SHA-256 (hex) of the canonical JSON of a subject's content parts.
fn content_hash(parts: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    data_encoding::HEXLOWER.encode(&Sha256::digest(parts.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_configured_ancestor_wins() {
        let conf = vec![("/1/".to_owned(), "signoff".to_owned()), ("/1/4/".to_owned(), "legal,signoff".to_owned())];
        assert_eq!(pick_chain("/1/4/9/", "other", &conf), vec![Step::Legal, Step::Signoff]);
        assert_eq!(pick_chain("/1/5/", "other", &conf), vec![Step::Signoff]);
        assert_eq!(pick_chain("/2/", "other", &conf), rv::default_chain("other"));
    }
}
