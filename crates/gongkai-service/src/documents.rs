//! The policy document library (政策文件库): drafting, the publishing workflow, validity, relations,
//! attachments, public reads, cleanup campaigns and imports.
//!
//! Who may do what: editors (编辑) draft and submit documents of organisations in their subtree;
//! signers (签发人) approve, return, schedule, publish, withdraw and unpublish them; confidentiality
//! and legal reviewers may return a submitted edition; the approver is never the author. Every
//! transition writes an audit entry and a search change in the same transaction.
//!
//! Every approval passes through [`Service::review_gate`] (the review chain of 公开前审查, see
//! `review.rs`); approval and publication need the edition's screening without unresolved
//! blocking findings.

use std::path::PathBuf;

use chrono::NaiveDate;
use gongkai_domain::FieldError;
use gongkai_domain::docnumber;
use gongkai_domain::document::{
    Attachment, DEFAULT_INDEX_FORMAT, Disclosure, DocClass, DocFields, Document, Edition, EditionEvent, EditionState,
    Relation, RelationKind, Validity, ValidityEvent, caused_on, dated_change_on, default_expiry, html_to_text,
    render_index_no, safe_filename, sniff_attachment, transition, validate_fields, validity_on,
};
use gongkai_domain::interp::InterpFields;
use gongkai_domain::org::Org;
use gongkai_domain::role::Role;
use gongkai_store::{DocFilter, FacetColumn, Listing, NewDocument, Tx};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::review::{ReviewKind, ReviewSubject};
use crate::{Actor, Ctx, Service, ServiceError};

/// A document as entered: its fields, owner, joint issuers and relations to other documents.
#[derive(Debug, Clone, Default)]
pub struct DocInput {
    pub fields: DocFields,
    /// Owning organisation's code.
    pub org_code: String,
    /// Other organisations that issued it jointly.
    pub joint_org_codes: Vec<String>,
    /// Relations: kind and a reference to the target (its id, 索引号 or external id).
    pub relations: Vec<(RelationKind, String)>,
}

/// Everything a public document page shows.
#[derive(Debug, Clone)]
pub struct PublicDocument {
    pub doc: Document,
    pub edition: Edition,
    pub org: Org,
    pub joint_orgs: Vec<Org>,
    /// Relations whose other side is public.
    pub relations: Vec<Relation>,
    pub attachments: Vec<Attachment>,
    /// Published editions, oldest first, with their change notes.
    pub history: Vec<Edition>,
    pub validity_events: Vec<ValidityEvent>,
}

/// A staff view: the public view plus every edition and the open one.
#[derive(Debug, Clone)]
pub struct StaffDocument {
    pub doc: Document,
    pub org: Org,
    pub editions: Vec<Edition>,
    pub open: Option<Edition>,
    pub published: Option<Edition>,
    pub relations: Vec<Relation>,
    pub open_attachments: Vec<Attachment>,
}

/// One page of a document list with its total.
#[derive(Debug, Clone)]
pub struct DocPage {
    pub docs: Vec<Document>,
    pub total: i64,
}

/// What an import line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Imported,
    Updated,
    Unchanged,
}

/// One document from an import file (the shared corpus schema).
#[derive(Debug, Clone)]
pub struct ImportDoc {
    pub external_id: String,
    pub fields: DocFields,
    pub published_on: Option<NaiveDate>,
    pub validity: Option<Validity>,
    /// The date the source gives for its validity statement (e.g. its 废止日期); without it an
    /// amended, partly invalid, expired or repealed statement is recorded as undated.
    pub validity_on: Option<NaiveDate>,
}

/// Settings of the library.
#[derive(Debug, Clone)]
pub struct LibraryConfig {
    /// Where attachment files are stored (outside the web root).
    pub attachments_dir: PathBuf,
    /// Largest attachment in bytes.
    pub max_attachment_bytes: usize,
    /// Default term of normative documents, in years, and of 暂行/试行 ones.
    pub normative_years: i32,
    pub provisional_years: i32,
    /// How many months before 有效期至 a normative document enters the review list.
    pub review_months: u32,
    /// Share (per cent) of an interpretation copied from its policy above which reviewers are
    /// warned (政策解读 must not merely abridge the document).
    pub interp_copy_warn_percent: u32,
}

impl Default for LibraryConfig {
    fn default() -> Self {
        LibraryConfig {
            attachments_dir: PathBuf::from("./gongkai-data/attachments"),
            max_attachment_bytes: 20 * 1024 * 1024,
            normative_years: 5,
            provisional_years: 2,
            review_months: 6,
            interp_copy_warn_percent: 30,
        }
    }
}

/// The date in China (UTC+8) at `ms`.
pub fn china_date(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000).map(|t| t.date_naive()).unwrap_or_default()
}

fn norm_number(f: &DocFields) -> (Option<String>, bool) {
    match f.doc_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => (None, false),
        Some(raw) => match docnumber::parse(raw) {
            Some(n) => (Some(n.normalized()), false),
            None => (Some(docnumber::fold_width(raw)), true),
        },
    }
}

/// Cleans free text fields: trims, turns pasted HTML into text, drops empty optionals.
fn clean(mut f: DocFields) -> DocFields {
    f.title = f.title.trim().to_owned();
    f.issuer = f.issuer.trim().to_owned();
    f.body = html_to_text(&f.body.replace("\r\n", "\n"));
    let opt = |o: Option<String>| o.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    f.doc_number = opt(f.doc_number);
    f.topic = opt(f.topic).map(|t| gongkai_domain::document::parse_topic(&t).unwrap_or(t));
    f.genre = opt(f.genre);
    f.reg_no = opt(f.reg_no);
    f.disclosure_reason = opt(f.disclosure_reason);
    f.change_note = opt(f.change_note);
    f.keywords = f.keywords.into_iter().map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect();
    f
}

impl Service {
    fn library(&self) -> &LibraryConfig {
        &self.lib
    }

    /// Whether the caller holds one of `roles` on `org` (operators always do).
    pub(crate) fn can(ctx: &Ctx, roles: &[Role], org: &Org) -> bool {
        Self::has_role_on(ctx, roles, org)
    }

    pub(crate) fn has_role_on(ctx: &Ctx, roles: &[Role], org: &Org) -> bool {
        match &ctx.actor {
            Actor::System => true,
            Actor::User(u) => roles.iter().any(|r| u.has_role_on(*r, &org.path)),
            Actor::Anonymous => false,
        }
    }

    pub(crate) fn require(ctx: &Ctx, roles: &[Role], org: &Org) -> Result<(), ServiceError> {
        if Self::has_role_on(ctx, roles, org) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            Err(ServiceError::Forbidden(format!("需要在“{}”拥有{}角色", org.name, names.join("或"))))
        }
    }

    async fn org_or_invalid(&self, code: &str, field: &str) -> Result<Org, ServiceError> {
        self.store
            .org_by_code(code.trim())
            .await?
            .ok_or_else(|| ServiceError::invalid(field, format!("机构“{code}”不存在")))
    }

    /// Resolves a document reference: an id, an 索引号 or an external id.
    pub async fn resolve_document(&self, reference: &str) -> Result<Option<Document>, ServiceError> {
        let r = reference.trim();
        if let Ok(id) = r.parse::<i64>() {
            if let Some(d) = self.store.document(id).await? {
                return Ok(Some(d));
            }
        }
        if let Some(d) = self.store.document_by_index_no(r).await? {
            return Ok(Some(d));
        }
        Ok(self.store.document_by_external_id(r).await?)
    }

    /// Resolves a document reference as `ctx` may see it: a document that is not public and lies
    /// outside the caller's staff rights is answered as missing, so no message tells a caller
    /// about drafts it cannot read.
    pub(crate) async fn resolve_visible(&self, ctx: &Ctx, reference: &str) -> Result<Option<Document>, ServiceError> {
        let Some(d) = self.resolve_document(reference).await? else {
            return Ok(None);
        };
        if d.public {
            return Ok(Some(d));
        }
        let Some(org) = self.store.org_by_id(d.org_id).await? else {
            return Ok(None);
        };
        Ok(Self::can_view_staff(ctx, &org).then_some(d))
    }

    /// Authorises writing a draft of the organisation `org_code` before anything in the input is
    /// validated: the caller must be an editor somewhere, and on that organisation when it exists.
    pub(crate) async fn authorize_draft_write(&self, ctx: &Ctx, org_code: &str) -> Result<(), ServiceError> {
        let editor_somewhere = match &ctx.actor {
            Actor::System => true,
            Actor::User(u) => u.has_role(Role::Editor),
            Actor::Anonymous => false,
        };
        if !editor_somewhere {
            return Err(ServiceError::Forbidden("需要编辑角色".into()));
        }
        if let Some(org) = self.store.org_by_code(org_code.trim()).await? {
            Self::require(ctx, &[Role::Editor], &org)?;
        }
        Ok(())
    }

    /// A relation that changes another organisation's document (repeals, amends, supersedes)
    /// needs a signer of the target's organisation: `ctx` must hold 签发 on it (a grant on an
    /// ancestor counts). Checked at approval (签发), publication and when linking published
    /// documents; refused with the target named.
    pub(crate) async fn check_relation_authority(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        doc: &Document,
    ) -> Result<(), ServiceError> {
        for (kind, target) in tx.relations_from(doc.id).await? {
            if !matches!(kind, RelationKind::Repeals | RelationKind::Amends | RelationKind::Supersedes) {
                continue;
            }
            let Some(t) = tx.document(target).await? else { continue };
            if t.org_id == doc.org_id {
                continue;
            }
            let Some(torg) = self.store.org_by_id(t.org_id).await? else { continue };
            if !Self::has_role_on(ctx, &[Role::Signer], &torg) {
                return Err(ServiceError::Forbidden(format!(
                    "《{}》由“{}”发布：{}它须由对“{}”有签发权的人员签发",
                    t.title,
                    torg.name,
                    kind.label(),
                    torg.name
                )));
            }
        }
        Ok(())
    }

    /// The document with this 索引号, if any.
    pub async fn document_by_index_no(&self, index_no: &str) -> Result<Option<Document>, ServiceError> {
        Ok(self.store.document_by_index_no(index_no.trim()).await?)
    }

    /// Validates an input and resolves its organisations and relations; every problem names its field.
    async fn check_input(
        &self,
        ctx: &Ctx,
        input: &DocInput,
        self_id: Option<i64>,
    ) -> Result<(DocFields, Org, Vec<i64>, Vec<(RelationKind, i64)>), ServiceError> {
        let fields = clean(input.fields.clone());
        let mut errors = validate_fields(&fields, None);
        let org = match self.store.org_by_code(input.org_code.trim()).await? {
            Some(o) => Some(o),
            None => {
                errors.push(FieldError::new("org", format!("机构“{}”不存在", input.org_code)));
                None
            }
        };
        let mut joint = Vec::new();
        for code in &input.joint_org_codes {
            match self.store.org_by_code(code.trim()).await? {
                Some(o) if org.as_ref().is_some_and(|own| own.id == o.id) => {}
                Some(o) => joint.push(o.id),
                None => errors.push(FieldError::new("joint_orgs", format!("联合发文机构“{code}”不存在"))),
            }
        }
        let mut rels = Vec::new();
        for (kind, reference) in &input.relations {
            match self.resolve_visible(ctx, reference).await? {
                Some(d) if Some(d.id) == self_id => {
                    errors.push(FieldError::new("relations", "文件不能与自身建立关联"));
                }
                Some(d)
                    if !d.public
                        && matches!(kind, RelationKind::Repeals | RelationKind::Amends | RelationKind::Supersedes) =>
                {
                    errors.push(FieldError::new(
                        "relations",
                        format!("被{}的文件“{}”尚未公开发布", kind.label(), d.title),
                    ));
                }
                Some(d) => rels.push((*kind, d.id)),
                None => errors.push(FieldError::new(
                    "relations",
                    format!("{}的文件“{reference}”不存在（可填写文件编号、索引号或外部编号）", kind.label()),
                )),
            }
        }
        gongkai_domain::Invalid::check(errors)?;
        let org = org.ok_or_else(|| ServiceError::invalid("org", "缺少机构"))?;
        Ok((fields, org, joint, rels))
    }

    async fn new_index_no(&self, tx: &mut Tx, org: &Org, year: i32) -> Result<String, ServiceError> {
        let format = tx.index_format(org.id).await?.unwrap_or_else(|| DEFAULT_INDEX_FORMAT.to_owned());
        let seq = tx.next_index_seq(org.id, year).await?;
        Ok(render_index_no(&format, &org.code, org.credit_code.as_deref(), org.division_code.as_deref(), year, seq))
    }

    /// Fills the default 有效期至 of a normative document from its 施行日期.
    fn with_default_term(&self, mut f: DocFields) -> DocFields {
        if f.class == Some(DocClass::Normative) && f.expires_on.is_none() {
            if let Some(eff) = f.effective_on {
                let lib = self.library();
                f.expires_on = Some(default_expiry(&f.title, eff, lib.normative_years, lib.provisional_years));
            }
        }
        f
    }

    /// Creates a document with a first draft edition.
    pub async fn create_document(&self, ctx: &Ctx, input: &DocInput) -> Result<(Document, Edition), ServiceError> {
        self.create_document_ext(ctx, input, None).await
    }

    /// Creates a document; an interpretation's own fields are written in the same transaction.
    pub(crate) async fn create_document_ext(
        &self,
        ctx: &Ctx,
        input: &DocInput,
        interp: Option<&InterpFields>,
    ) -> Result<(Document, Edition), ServiceError> {
        self.authorize_draft_write(ctx, &input.org_code).await?;
        self.check_interp_class_targets(ctx, input).await?;
        let (fields, org, joint, rels) = self.check_input(ctx, input, None).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        let fields = self.with_default_term(fields);
        let now = self.now_ms();
        let (norm, unparsed) = norm_number(&fields);
        let mut tx = self.store.begin().await?;
        let index_no = self.new_index_no(&mut tx, &org, chrono::Datelike::year(&china_date(now))).await?;
        let class = fields.class.unwrap_or(DocClass::Other);
        let id = tx
            .insert_document(&NewDocument {
                org_id: org.id,
                index_no: &index_no,
                external_id: None,
                validity: Validity::Pending,
                class,
                title: &fields.title,
                issuer: &fields.issuer,
                now_ms: now,
            })
            .await?;
        let ed = tx
            .insert_edition(id, 1, EditionState::Draft, &fields, norm.as_deref(), unparsed, None, ctx.actor_id(), now)
            .await?;
        tx.set_open_version(id, Some(ed), now).await?;
        tx.replace_document_orgs(id, &joint).await?;
        tx.replace_relations(id, &rels, now).await?;
        if let Some(i) = interp {
            tx.upsert_interpretation_draft(id, i, now).await?;
        }
        let mut a = ctx.audit(now, "document.create", "document", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(
            json!({"index_no": index_no, "title": fields.title, "state": "draft", "interp_form": interp.and_then(|i| i.form).map(|f| f.key())})
                .to_string(),
        );
        tx.append_audit(&a).await?;
        tx.append_search_change(id, now).await?;
        tx.commit().await?;
        let doc = self.store.document(id).await?.ok_or_else(|| ServiceError::Internal("document vanished".into()))?;
        let ed = self.store.edition(ed).await?.ok_or_else(|| ServiceError::Internal("edition vanished".into()))?;
        Ok((doc, ed))
    }

    pub(crate) async fn doc_and_org(&self, id: i64) -> Result<(Document, Org), ServiceError> {
        let doc = self.store.document(id).await?.ok_or_else(|| ServiceError::NotFound(format!("文件 {id} 不存在")))?;
        let org = self
            .store
            .org_by_id(doc.org_id)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("document {id} has no organisation")))?;
        Ok((doc, org))
    }

    /// Replaces the fields of the open draft (or returned) edition.
    pub async fn update_draft(&self, ctx: &Ctx, id: i64, input: &DocInput) -> Result<Edition, ServiceError> {
        self.update_draft_ext(ctx, id, input, None).await
    }

    /// Replaces the open draft; an interpretation's own fields are written in the same transaction.
    pub(crate) async fn update_draft_ext(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &DocInput,
        interp: Option<&InterpFields>,
    ) -> Result<Edition, ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        self.check_interp_class_targets(ctx, input).await?;
        let (fields, new_org, joint, rels) = self.check_input(ctx, input, Some(id)).await?;
        if new_org.id != org.id {
            return Err(ServiceError::invalid("org", "文件的所属机构创建后不能更改"));
        }
        let fields = self.with_default_term(fields);
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_document(id).await?;
        let open_id = tx
            .document(id)
            .await?
            .and_then(|d| d.open_version_id)
            .ok_or_else(|| ServiceError::Conflict("该文件没有正在编辑的版本，请先创建新版本".into()))?;
        let ed = tx.edition(open_id).await?.ok_or_else(|| ServiceError::Internal("open edition vanished".into()))?;
        if !matches!(ed.state, EditionState::Draft | EditionState::Returned) {
            return Err(ServiceError::Conflict(format!("当前版本状态为“{}”，不能修改", ed.state.label())));
        }
        let (norm, unparsed) = norm_number(&fields);
        tx.update_edition_fields(open_id, &fields, norm.as_deref(), unparsed, None, now).await?;
        tx.replace_document_orgs(id, &joint).await?;
        tx.replace_relations(id, &rels, now).await?;
        if let Some(i) = interp {
            tx.upsert_interpretation_draft(id, i, now).await?;
        }
        let mut a = ctx.audit(now, "document.update", "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.before = Some(json!({"title": ed.fields.title, "doc_number": ed.fields.doc_number}).to_string());
        a.after = Some(json!({"title": fields.title, "doc_number": fields.doc_number}).to_string());
        tx.append_audit(&a).await?;
        tx.append_search_change(id, now).await?;
        tx.commit().await?;
        self.store.edition(open_id).await?.ok_or_else(|| ServiceError::Internal("edition vanished".into()))
    }

    /// Opens a new draft edition of a published document, copying the published one.
    pub async fn new_edition(&self, ctx: &Ctx, id: i64) -> Result<Edition, ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_document(id).await?;
        let doc_now = tx.document(id).await?.ok_or_else(|| ServiceError::NotFound(format!("文件 {id} 不存在")))?;
        if doc_now.open_version_id.is_some() {
            return Err(ServiceError::Conflict("该文件已有一个正在编辑的版本（每个文件同时只能有一个）".into()));
        }
        let pub_id = doc_now.published_version_id.ok_or_else(|| ServiceError::Conflict("文件尚未发布".into()))?;
        let published =
            tx.edition(pub_id).await?.ok_or_else(|| ServiceError::Internal("published edition vanished".into()))?;
        let editions = self.store.editions_of(id).await?;
        let next_no = editions.iter().map(|e| e.version_no).max().unwrap_or(0) + 1;
        let mut fields = published.fields.clone();
        fields.change_note = None;
        let (norm, unparsed) = norm_number(&fields);
        let ed = tx
            .insert_edition(
                id,
                next_no,
                EditionState::Draft,
                &fields,
                norm.as_deref(),
                unparsed,
                None,
                ctx.actor_id(),
                now,
            )
            .await?;
        tx.copy_attachments(pub_id, ed).await?;
        tx.set_open_version(id, Some(ed), now).await?;
        let mut a = ctx.audit(now, "document.new_edition", "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.after = Some(json!({"version": next_no}).to_string());
        tx.append_audit(&a).await?;
        tx.append_search_change(id, now).await?;
        tx.commit().await?;
        self.store.edition(ed).await?.ok_or_else(|| ServiceError::Internal("edition vanished".into()))
    }

    /// The review subject of an edition of `doc`.
    pub(crate) fn edition_subject(doc: &Document, ed: &Edition) -> ReviewSubject {
        ReviewSubject {
            kind: ReviewKind::Edition,
            id: ed.id,
            org_id: doc.org_id,
            author_id: ed.author_id,
            class: ed.fields.class.unwrap_or(doc.class).key(),
        }
    }

    /// Moves the open (or, for withdraw/unpublish, the published) edition through the workflow.
    /// `reason` is required to return, withdraw or unpublish; `at_ms` to schedule.
    pub async fn document_transition(
        &self,
        ctx: &Ctx,
        id: i64,
        event: EditionEvent,
        reason: Option<&str>,
        at_ms: Option<i64>,
    ) -> Result<Document, ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        let roles: &[Role] = match event {
            EditionEvent::Submit => &[Role::Editor],
            EditionEvent::Return => &[Role::Signer, Role::ConfidentialityReviewer, Role::LegalReviewer],
            _ => &[Role::Signer],
        };
        Self::require(ctx, roles, &org)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if matches!(event, EditionEvent::Return | EditionEvent::Withdraw | EditionEvent::Unpublish) && reason.is_none()
        {
            return Err(ServiceError::invalid("reason", "请填写理由（将记录在案，撤回理由会向公众公示）"));
        }
        // Approval and publication need the screening of the edition's current round (done
        // outside the transaction: attachments are extracted on the blocking pool).
        if matches!(event, EditionEvent::Approve | EditionEvent::Publish) {
            if let Some(open) = doc.open_version_id {
                if let Some(ed) = self.store.edition(open).await? {
                    self.ensure_screened(ctx, &Self::edition_subject(&doc, &ed)).await?;
                }
            }
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_document(id).await?;
        let doc = tx.document(id).await?.unwrap_or(doc);
        let target_id = match event {
            EditionEvent::Withdraw | EditionEvent::Unpublish => doc.published_version_id,
            _ => doc.open_version_id,
        }
        .ok_or_else(|| ServiceError::Conflict("没有可以执行此操作的版本".into()))?;
        let ed = tx.edition(target_id).await?.ok_or_else(|| ServiceError::Internal("edition vanished".into()))?;
        let Some(next) = transition(ed.state, event) else {
            return Err(ServiceError::Conflict(format!("“{}”状态的版本不能执行此操作", ed.state.label())));
        };
        match event {
            EditionEvent::Submit => {
                let mut errs = validate_fields(&ed.fields, None);
                if ed.version_no > 1 && ed.fields.change_note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    errs.push(FieldError::new("change_note", "新版本须填写修改说明（将向公众公示）"));
                }
                if ed.fields.body.trim().is_empty() && self.store.attachments_of(ed.id).await?.is_empty() {
                    errs.push(FieldError::new("body", "正文和附件不能都为空"));
                }
                errs.extend(self.interp_submit_errors(ctx, &doc, &ed).await?);
                gongkai_domain::Invalid::check(errs)?;
                tx.set_edition_state(ed.id, next, None, None, None, None, now).await?;
            }
            EditionEvent::Return => {
                let subject = Self::edition_subject(&doc, &ed);
                self.record_return(&mut tx, ctx, &subject, reason.unwrap_or_default()).await?;
                tx.set_edition_state(ed.id, next, reason, None, None, None, now).await?;
            }
            EditionEvent::Approve => {
                let subject = Self::edition_subject(&doc, &ed);
                self.check_relation_authority(&mut tx, ctx, &doc).await?;
                self.review_gate(&mut tx, ctx, &subject, reason).await?;
                tx.set_edition_state(ed.id, next, None, ctx.actor_id(), None, None, now).await?;
            }
            EditionEvent::Schedule => {
                let at = at_ms.ok_or_else(|| ServiceError::invalid("scheduled_at", "请填写定时发布时间"))?;
                if at <= now {
                    return Err(ServiceError::invalid("scheduled_at", "定时发布时间必须晚于现在"));
                }
                tx.set_edition_state(ed.id, next, None, None, Some(at), None, now).await?;
            }
            EditionEvent::Unschedule => {
                tx.set_edition_state(ed.id, next, None, None, None, None, now).await?;
            }
            EditionEvent::Publish => {
                let subject = Self::edition_subject(&doc, &ed);
                let round = tx.review_round(ReviewKind::Edition.key(), ed.id).await?;
                self.check_blocks(&mut tx, &subject, round, "发布").await?;
                self.check_relation_authority(&mut tx, ctx, &doc).await?;
                self.publish_in(&mut tx, ctx, &doc, &ed, now).await?;
            }
            EditionEvent::Withdraw | EditionEvent::Unpublish => {
                tx.set_edition_state(ed.id, next, reason, None, None, None, now).await?;
                // Withdrawn content leaves every list, feed, sitemap and download; its page keeps
                // only the metadata and the public withdrawal notice.
                let public = false;
                let (norm, _) = norm_number(&ed.fields);
                tx.set_listing(
                    id,
                    &Listing {
                        public,
                        withdrawn: true,
                        published_version_id: Some(ed.id),
                        fields: &ed.fields,
                        doc_number_norm: norm.as_deref(),
                        published_on: ed.published_on,
                        first_published_at_ms: None,
                        now_ms: now,
                    },
                )
                .await?;
            }
            EditionEvent::Supersede => return Err(ServiceError::Conflict("不能直接执行此操作".into())),
        }
        tx.append_search_change(id, now).await?;
        let mut a = ctx.audit(now, &format!("document.{}", event.key()), "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.before = Some(json!({"version": ed.version_no, "state": ed.state.key()}).to_string());
        a.after = Some(
            json!({"version": ed.version_no, "state": next.key(), "reason": reason, "scheduled_at": at_ms}).to_string(),
        );
        tx.append_audit(&a).await?;
        tx.commit().await?;
        if event == EditionEvent::Submit {
            // Screen now so that reviewers see the findings; a failure here is retried at the
            // first step, which needs the screening.
            if let Err(e) = self.ensure_screened(ctx, &Self::edition_subject(&doc, &ed)).await {
                tracing::warn!(document = id, error = %e, "screening at submission failed");
            }
        }
        self.store.document(id).await?.ok_or_else(|| ServiceError::Internal("document vanished".into()))
    }

    /// Publishes `ed` inside `tx`: the previous published edition is superseded, the listing copy
    /// updated, relations take effect on their targets, and the document's own validity follows
    /// its dates.
    async fn publish_in(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        doc: &Document,
        ed: &Edition,
        now: i64,
    ) -> Result<(), ServiceError> {
        // 三同步: a policy that needs interpretation takes its approved interpretations along.
        let with = self.interp_gate(tx, doc).await?;
        self.publish_with_date(tx, ctx, doc, ed, now, true).await?;
        self.publish_interpretations_with(tx, ctx, doc, &with, now).await
    }

    /// Publishes `ed` without the 三同步 gate (interpretations published with their policy).
    pub(crate) async fn publish_plain(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        doc: &Document,
        ed: &Edition,
        now: i64,
    ) -> Result<(), ServiceError> {
        self.publish_with_date(tx, ctx, doc, ed, now, true).await
    }

    /// Publishes `ed`; `date_today` fills a missing 发布日期 with today (the platform publishes it
    /// now), while imports pass `false` so a date their source does not know stays unknown.
    async fn publish_with_date(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        doc: &Document,
        ed: &Edition,
        now: i64,
        date_today: bool,
    ) -> Result<(), ServiceError> {
        let today = china_date(now);
        let published_on = if date_today { Some(ed.published_on.unwrap_or(today)) } else { ed.published_on };
        let errs = validate_fields(&ed.fields, published_on);
        gongkai_domain::Invalid::check(errs)?;
        if let Some(prev) = doc.published_version_id.filter(|p| *p != ed.id) {
            tx.set_edition_state(prev, EditionState::Superseded, None, None, None, None, now).await?;
        }
        tx.set_edition_state(ed.id, EditionState::Published, None, None, None, published_on.map(|p| (now, p)), now)
            .await?;
        tx.set_open_version(doc.id, None, now).await?;
        if doc.class == DocClass::Interpretation {
            // The edition's interpretation fields become what the public sees, only now.
            tx.publish_interpretation_draft(doc.id).await?;
        }
        let (norm, _) = norm_number(&ed.fields);
        let public = ed.fields.disclosure.unwrap_or(Disclosure::Proactive) == Disclosure::Proactive;
        tx.set_listing(
            doc.id,
            &Listing {
                public,
                withdrawn: false,
                published_version_id: Some(ed.id),
                fields: &ed.fields,
                doc_number_norm: norm.as_deref(),
                published_on,
                first_published_at_ms: Some(now),
                now_ms: now,
            },
        )
        .await?;
        // Own validity from dates (an imported status is kept when it is an event-driven one).
        let fresh = tx.document(doc.id).await?.ok_or_else(|| ServiceError::Internal("document vanished".into()))?;
        let own = validity_on(fresh.validity, ed.fields.effective_on, ed.fields.expires_on, today);
        if own != fresh.validity {
            let on = dated_change_on(own, ed.fields.effective_on, ed.fields.expires_on, published_on);
            tx.set_validity(doc.id, fresh.validity, own, on, dated_reason(own), None, now).await?;
        }
        // Relations take effect on their targets.
        self.apply_relation_effects(tx, ctx, doc.id, &ed.fields.title, now).await?;
        Ok(())
    }

    /// Makes a published document's relations take effect: repealed and superseded targets become
    /// 已废止, amended ones 已修改, each change recorded with its cause and dated on the causing
    /// document's 施行日期 (else its publication date); a change whose date is still ahead is
    /// recorded now and applied on that day by [`Service::refresh_validity`].
    async fn apply_relation_effects(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        doc_id: i64,
        title: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let today = china_date(now);
        let cause = tx.document(doc_id).await?.ok_or_else(|| ServiceError::Internal("document vanished".into()))?;
        let on = caused_on(cause.effective_on, cause.published_on);
        for (kind, target) in tx.relations_from(doc_id).await? {
            let to = match kind {
                RelationKind::Repeals | RelationKind::Supersedes => Validity::Repealed,
                RelationKind::Amends => Validity::Amended,
                RelationKind::Basis | RelationKind::Interprets => continue,
            };
            let Some(t) = tx.document(target).await? else { continue };
            if t.validity == to || t.validity == Validity::Repealed || tx.has_validity_event(target, doc_id, to).await?
            {
                continue;
            }
            let reason = format!("被《{title}》{}", kind.label());
            match on.filter(|d| *d > today) {
                Some(ahead) => tx.schedule_validity(target, t.validity, to, ahead, &reason, Some(doc_id), now).await?,
                None => tx.set_validity(target, t.validity, to, on, &reason, Some(doc_id), now).await?,
            }
            tx.append_search_change(target, now).await?;
            let mut a = ctx.audit(now, "document.validity", "document", Some(target.to_string()));
            a.org_id = Some(t.org_id);
            a.before = Some(json!({"validity": t.validity.key()}).to_string());
            a.after = Some(json!({"validity": to.key(), "cause": doc_id}).to_string());
            tx.append_audit(&a).await?;
        }
        Ok(())
    }

    /// Sets the relations of a published document (imports and demo content, where documents
    /// arrive already published) and lets them take effect.
    pub async fn link_published(&self, ctx: &Ctx, id: i64, rels: &[(RelationKind, i64)]) -> Result<(), ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Signer], &org)?;
        if !doc.public {
            return Err(ServiceError::Conflict("只能为已公开发布的文件设置关联".into()));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_document(id).await?;
        tx.replace_relations(id, rels, now).await?;
        self.check_relation_authority(&mut tx, ctx, &doc).await?;
        self.apply_relation_effects(&mut tx, ctx, id, &doc.title, now).await?;
        tx.append_search_change(id, now).await?;
        let mut a = ctx.audit(now, "document.relations", "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.after = Some(
            json!({"relations": rels.iter().map(|(k, t)| json!({"kind": k.key(), "target": t})).collect::<Vec<_>>()})
                .to_string(),
        );
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes scheduled editions whose time has come. Returns how many were published.
    pub async fn run_scheduled_publishing(&self) -> Result<usize, ServiceError> {
        let now = self.now_ms();
        let due = self.store.due_scheduled(now).await?;
        let ctx = Ctx::system();
        let mut n = 0;
        for (doc_id, ed_id) in due {
            if let (Some(doc), Some(ed)) = (self.store.document(doc_id).await?, self.store.edition(ed_id).await?) {
                self.ensure_screened(&ctx, &Self::edition_subject(&doc, &ed)).await?;
            }
            let mut tx = self.store.begin().await?;
            tx.lock_document(doc_id).await?;
            let (Some(doc), Some(ed)) = (tx.document(doc_id).await?, tx.edition(ed_id).await?) else { continue };
            if ed.state != EditionState::Scheduled {
                continue;
            }
            let round = tx.review_round(ReviewKind::Edition.key(), ed.id).await?;
            if let Err(e) = self.check_blocks(&mut tx, &Self::edition_subject(&doc, &ed), round, "发布").await {
                tracing::warn!(document = doc_id, error = %e, "scheduled publication held back");
                continue;
            }
            if let Err(e) = self.publish_in(&mut tx, &ctx, &doc, &ed, now).await {
                // A policy whose interpretation is not ready stays scheduled (三同步); others go on.
                tracing::warn!(document = doc_id, error = %e, "scheduled publication refused");
                continue;
            }
            tx.append_search_change(doc_id, now).await?;
            let mut a = ctx.audit(now, "document.publish", "document", Some(doc_id.to_string()));
            a.org_id = Some(doc.org_id);
            a.after = Some(json!({"version": ed.version_no, "state": "published", "scheduled": true}).to_string());
            tx.append_audit(&a).await?;
            tx.commit().await?;
            n += 1;
        }
        Ok(n)
    }

    /// Recomputes every document's validity for today's date, recording each transition with its
    /// legal date, and applies the changes recorded ahead whose date has come. Returns how many
    /// documents changed.
    pub async fn refresh_validity(&self) -> Result<usize, ServiceError> {
        let now = self.now_ms();
        let today = china_date(now);
        let mut changed = 0;
        for (event, id, to) in self.store.due_validity_events(today).await? {
            let mut tx = self.store.begin().await?;
            tx.lock_document(id).await?;
            let Some(d) = tx.document(id).await? else { continue };
            // A document already repealed stays so; an expired one can still be repealed.
            let skip = d.validity == to
                || d.validity == Validity::Repealed
                || (d.validity == Validity::Expired && to != Validity::Repealed);
            let Some(reason) = tx.apply_validity_event(event, skip, now).await? else { continue };
            if !skip {
                tx.append_search_change(id, now).await?;
                let mut a = Ctx::system().audit(now, "document.validity", "document", Some(id.to_string()));
                a.org_id = Some(d.org_id);
                a.before = Some(json!({"validity": d.validity.key()}).to_string());
                a.after = Some(json!({"validity": to.key(), "reason": reason}).to_string());
                tx.append_audit(&a).await?;
                changed += 1;
            }
            tx.commit().await?;
        }
        for (id, current, eff, exp) in self.store.documents_with_dated_validity().await? {
            let next = validity_on(current, eff, exp, today);
            if next == current {
                continue;
            }
            let mut tx = self.store.begin().await?;
            tx.lock_document(id).await?;
            let Some(d) = tx.document(id).await? else { continue };
            if d.validity != current {
                continue;
            }
            let reason = dated_reason(next);
            let on = dated_change_on(next, eff, exp, d.published_on);
            tx.set_validity(id, current, next, on, reason, None, now).await?;
            tx.append_search_change(id, now).await?;
            let mut a = Ctx::system().audit(now, "document.validity", "document", Some(id.to_string()));
            a.org_id = Some(d.org_id);
            a.before = Some(json!({"validity": current.key()}).to_string());
            a.after = Some(json!({"validity": next.key(), "reason": reason}).to_string());
            tx.append_audit(&a).await?;
            tx.commit().await?;
            changed += 1;
        }
        Ok(changed)
    }

    /// A document as the public sees it; `NotFound` unless it is public.
    pub async fn public_document(&self, id: i64) -> Result<PublicDocument, ServiceError> {
        let not_found = || ServiceError::NotFound("文件不存在或未公开".into());
        let doc = self.store.document(id).await?.ok_or_else(not_found)?;
        let ed_id = doc.published_version_id.ok_or_else(not_found)?;
        let mut edition = self.store.edition(ed_id).await?.ok_or_else(not_found)?;
        let withdrawn_notice = doc.withdrawn && edition.state == EditionState::Withdrawn;
        let published = doc.public && edition.state == EditionState::Published;
        if !published && !withdrawn_notice {
            return Err(not_found());
        }
        if withdrawn_notice {
            // Only the notice stays public: no body, no attachments.
            edition.fields.body = String::new();
        }
        let org = self.store.org_by_id(doc.org_id).await?.ok_or_else(not_found)?;
        let mut joint_orgs = Vec::new();
        for o in self.store.document_orgs(id).await? {
            if let Some(o) = self.store.org_by_id(o).await? {
                joint_orgs.push(o);
            }
        }
        let relations = self.store.relations_of(id).await?.into_iter().filter(|r| r.other_public).collect();
        let attachments = if withdrawn_notice { Vec::new() } else { self.store.attachments_of(ed_id).await? };
        let history = self
            .store
            .editions_of(id)
            .await?
            .into_iter()
            .filter(|e| matches!(e.state, EditionState::Published | EditionState::Superseded | EditionState::Withdrawn))
            .collect();
        let validity_events = self.store.validity_events_of(id).await?;
        Ok(PublicDocument { doc, edition, org, joint_orgs, relations, attachments, history, validity_events })
    }

    /// Whether the caller may see a document's staff view.
    fn can_view_staff(ctx: &Ctx, org: &Org) -> bool {
        Self::has_role_on(
            ctx,
            &[
                Role::Editor,
                Role::Signer,
                Role::ConfidentialityReviewer,
                Role::LegalReviewer,
                Role::Supervisor,
                Role::SystemAdmin,
            ],
            org,
        )
    }

    /// A document with every edition, for staff with rights on its organisation.
    pub async fn staff_document(&self, ctx: &Ctx, id: i64) -> Result<StaffDocument, ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        if !Self::can_view_staff(ctx, &org) {
            return Err(ServiceError::forbidden());
        }
        let editions = self.store.editions_of(id).await?;
        let open = doc.open_version_id.and_then(|o| editions.iter().find(|e| e.id == o).cloned());
        let published = doc.published_version_id.and_then(|o| editions.iter().find(|e| e.id == o).cloned());
        let relations = self.store.relations_of(id).await?;
        let open_attachments = match &open {
            Some(e) => self.store.attachments_of(e.id).await?,
            None => Vec::new(),
        };
        Ok(StaffDocument { doc, org, editions, open, published, relations, open_attachments })
    }

    /// A page of documents. Public callers see only public documents; staff lists pass
    /// `public_only = false` and are limited to the subtrees they have rights on by the caller.
    pub async fn list_documents(&self, f: &DocFilter, limit: i64, offset: i64) -> Result<DocPage, ServiceError> {
        let docs = self.store.list_documents(f, limit.clamp(1, 200), offset).await?;
        let total = self.store.count_documents(f).await?;
        Ok(DocPage { docs, total })
    }

    /// Public documents with `after_id < id < before_id` as (id, last change ms), in id order, at
    /// most `limit` (≤ 5,000): the sitemap's batches.
    pub async fn public_document_stamps(
        &self,
        after_id: i64,
        before_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64)>, ServiceError> {
        Ok(self.store.public_document_stamps(after_id, before_id, limit.clamp(1, 5_000)).await?)
    }

    /// The largest document id ever given (public or not; 0 when none).
    pub async fn max_document_id(&self) -> Result<i64, ServiceError> {
        Ok(self.store.max_document_id().await?)
    }

    /// Staff list: documents of the organisations in the caller's subtrees, drafts included.
    pub async fn staff_documents(
        &self,
        ctx: &Ctx,
        mut f: DocFilter,
        limit: i64,
        offset: i64,
    ) -> Result<DocPage, ServiceError> {
        f.public_only = false;
        match &ctx.actor {
            Actor::System => {}
            Actor::User(u) => {
                // The widest subtree the caller has a document role on (the shortest path).
                let path = u
                    .grants
                    .iter()
                    .filter(|g| {
                        matches!(
                            g.role,
                            Role::Editor
                                | Role::Signer
                                | Role::ConfidentialityReviewer
                                | Role::LegalReviewer
                                | Role::Supervisor
                                | Role::SystemAdmin
                        )
                    })
                    .map(|g| g.org_path.clone())
                    .min_by_key(String::len)
                    .ok_or_else(ServiceError::forbidden)?;
                match &f.org_path {
                    Some(p) if p.starts_with(&path) => {}
                    _ => f.org_path = Some(path),
                }
            }
            Actor::Anonymous => return Err(ServiceError::forbidden()),
        }
        self.list_documents(&f, limit, offset).await
    }

    /// Counts for facets over public documents matching `f`.
    pub async fn document_facets(
        &self,
        f: &DocFilter,
    ) -> Result<Vec<(&'static str, Vec<(String, i64)>)>, ServiceError> {
        let mut out = Vec::new();
        for (name, col) in [
            ("class", FacetColumn::Class),
            ("validity", FacetColumn::Validity),
            ("topic", FacetColumn::Topic),
            ("org", FacetColumn::Org),
        ] {
            out.push((name, self.store.document_facet(f, col).await?));
        }
        Ok(out)
    }

    /// Normative documents nearing their 有效期至 (within the configured months), for review.
    pub async fn review_list(&self, ctx: &Ctx) -> Result<Vec<Document>, ServiceError> {
        let today = china_date(self.now_ms());
        let months = self.library().review_months;
        let until = today.checked_add_months(chrono::Months::new(months)).unwrap_or(today);
        let f = DocFilter {
            class: Some(DocClass::Normative),
            validities: vec![Validity::InForce, Validity::Amended, Validity::PartiallyInvalid],
            ..DocFilter::default()
        };
        let page = self.staff_documents(ctx, f, 200, 0).await?;
        Ok(page.docs.into_iter().filter(|d| d.expires_on.is_some_and(|e| e >= today && e <= until)).collect())
    }

    /// Recent validity changes of public documents.
    pub async fn recent_validity_events(&self, limit: i64) -> Result<Vec<(ValidityEvent, Document)>, ServiceError> {
        let mut out = Vec::new();
        for e in self.store.validity_events(limit).await? {
            if let Some(d) = self.store.document(e.document_id).await? {
                out.push((e, d));
            }
        }
        Ok(out)
    }

    /// Stores an attachment on the open edition: type judged by content, size limited, saved
    /// under a random name outside the web root, recorded with its SHA-256.
    pub async fn add_attachment(
        &self,
        ctx: &Ctx,
        id: i64,
        filename: &str,
        bytes: &[u8],
    ) -> Result<Attachment, ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        let lib = self.library();
        if bytes.is_empty() {
            return Err(ServiceError::invalid("file", "附件为空"));
        }
        if bytes.len() > lib.max_attachment_bytes {
            return Err(ServiceError::invalid(
                "file",
                format!("附件过大：{} 字节，上限为 {} 字节", bytes.len(), lib.max_attachment_bytes),
            ));
        }
        let Some((content_type, ext)) = sniff_attachment(bytes) else {
            return Err(ServiceError::invalid(
                "file",
                "无法识别的附件类型：仅接受 PDF、OFD、Word、Excel、PowerPoint、PNG、JPEG 和纯文本（按文件内容判断，而非扩展名）",
            ));
        };
        let open_id = doc.open_version_id.ok_or_else(|| ServiceError::Conflict("该文件没有正在编辑的版本".into()))?;
        let name = safe_filename(filename, ext);
        let stored = format!("{}.{ext}", data_encoding::HEXLOWER.encode(&crate::secret::random_bytes(16)?));
        let sha = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes));
        std::fs::create_dir_all(&lib.attachments_dir)
            .map_err(|e| ServiceError::Internal(format!("attachments dir {}: {e}", lib.attachments_dir.display())))?;
        let path = lib.attachments_dir.join(&stored);
        write_durably(&path, bytes).map_err(|e| ServiceError::Internal(format!("write {}: {e}", path.display())))?;
        let now = self.now_ms();
        let result: Result<i64, ServiceError> = async {
            let mut tx = self.store.begin().await?;
            let ed = tx.edition(open_id).await?.ok_or_else(|| ServiceError::Internal("edition vanished".into()))?;
            if !matches!(ed.state, EditionState::Draft | EditionState::Returned) {
                return Err(ServiceError::Conflict(format!("当前版本状态为“{}”，不能添加附件", ed.state.label())));
            }
            let aid = tx
                .insert_attachment(
                    id,
                    open_id,
                    &name,
                    &stored,
                    content_type,
                    bytes.len() as i64,
                    &sha,
                    ctx.actor_id(),
                    now,
                )
                .await?;
            let mut a = ctx.audit(now, "attachment.add", "document", Some(id.to_string()));
            a.org_id = Some(doc.org_id);
            a.after =
                Some(json!({"attachment": aid, "filename": name, "size": bytes.len(), "sha256": sha}).to_string());
            tx.append_audit(&a).await?;
            tx.commit().await?;
            Ok(aid)
        }
        .await;
        match result {
            Ok(aid) => {
                self.store.attachment(aid).await?.ok_or_else(|| ServiceError::Internal("attachment vanished".into()))
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// Removes an attachment from the open edition (the file stays for earlier editions).
    pub async fn remove_attachment(&self, ctx: &Ctx, id: i64, attachment_id: i64) -> Result<(), ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        let open_id = doc.open_version_id.ok_or_else(|| ServiceError::Conflict("该文件没有正在编辑的版本".into()))?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        // Checked in the transaction: what was submitted, approved or scheduled is what gets
        // published, attachments included.
        let ed = tx.edition(open_id).await?.ok_or_else(|| ServiceError::Internal("edition vanished".into()))?;
        if !matches!(ed.state, EditionState::Draft | EditionState::Returned) {
            return Err(ServiceError::Conflict(format!("当前版本状态为“{}”，不能删除附件", ed.state.label())));
        }
        if !tx.delete_attachment(attachment_id, open_id).await? {
            return Err(ServiceError::NotFound("附件不存在".into()));
        }
        let mut a = ctx.audit(now, "attachment.remove", "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.before = Some(json!({"attachment": attachment_id}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An attachment the public may download (its edition is the public one of a public
    /// document), with the path of its file.
    pub async fn public_attachment(&self, attachment_id: i64) -> Result<(Attachment, PathBuf), ServiceError> {
        let not_found = || ServiceError::NotFound("附件不存在或未公开".into());
        let a = self.store.attachment(attachment_id).await?.ok_or_else(not_found)?;
        let doc =
            self.store.document(a.document_id).await?.filter(|d| d.public && !d.withdrawn).ok_or_else(not_found)?;
        if doc.published_version_id != Some(a.version_id) {
            return Err(not_found());
        }
        let path = self.library().attachments_dir.join(&a.stored_name);
        Ok((a, path))
    }

    /// An attachment for staff with rights on its document.
    pub async fn staff_attachment(&self, ctx: &Ctx, attachment_id: i64) -> Result<(Attachment, PathBuf), ServiceError> {
        let a =
            self.store.attachment(attachment_id).await?.ok_or_else(|| ServiceError::NotFound("附件不存在".into()))?;
        let (_, org) = self.doc_and_org(a.document_id).await?;
        if !Self::can_view_staff(ctx, &org) {
            return Err(ServiceError::forbidden());
        }
        let path = self.library().attachments_dir.join(&a.stored_name);
        Ok((a, path))
    }

    /// Codes of the organisations that issued a document jointly.
    pub async fn document_joint_orgs(&self, id: i64) -> Result<Vec<String>, ServiceError> {
        let mut out = Vec::new();
        for o in self.store.document_orgs(id).await? {
            if let Some(o) = self.store.org_by_id(o).await? {
                out.push(o.code);
            }
        }
        Ok(out)
    }

    /// The attachment size limit in MB, for forms.
    pub fn library_max_attachment_mb(&self) -> usize {
        self.library().max_attachment_bytes / (1024 * 1024)
    }

    /// Sets an organisation's 索引号 format (system administrator).
    pub async fn set_index_format(&self, ctx: &Ctx, org_code: &str, format: Option<&str>) -> Result<(), ServiceError> {
        let org = self.org_or_invalid(org_code, "org").await?;
        Self::require(ctx, &[Role::SystemAdmin], &org)?;
        if let Some(f) = format {
            gongkai_domain::document::validate_index_format(f)
                .map_err(|e| ServiceError::Invalid(gongkai_domain::Invalid(vec![e])))?;
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_index_format(org.id, format).await?;
        let mut a = ctx.audit(now, "org.index_format", "org", Some(org.code.clone()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"index_format": format}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Imports one document (upsert by external id): a new one is created and published as it was
    /// published at its source; a changed one gets a new published edition; an identical one is
    /// left alone, so a second run changes nothing.
    pub async fn import_document(&self, ctx: &Ctx, org: &Org, d: &ImportDoc) -> Result<ImportOutcome, ServiceError> {
        Self::require(ctx, &[Role::Editor], org)?;
        let fields = import_fields(d)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let outcome = self.import_in(&mut tx, ctx, org, d, fields, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Imports a batch of documents in one transaction (one commit and flush to disk per batch
    /// instead of per document). The result
    /// has one outcome per document, in order. A document that fails validation fails alone; if
    /// one fails inside the transaction, the batch is rolled back and imported again one
    /// document per transaction, so a bad document costs only itself.
    pub async fn import_documents(
        &self,
        ctx: &Ctx,
        org: &Org,
        docs: &[ImportDoc],
    ) -> Result<Vec<Result<ImportOutcome, ServiceError>>, ServiceError> {
        Self::require(ctx, &[Role::Editor], org)?;
        let now = self.now_ms();
        let mut out: Vec<Result<ImportOutcome, ServiceError>> = Vec::with_capacity(docs.len());
        let mut tx = self.store.begin().await?;
        let mut clean_run = true;
        for d in docs {
            match import_fields(d) {
                Err(e) => out.push(Err(e)),
                Ok(f) => match self.import_in(&mut tx, ctx, org, d, f, now).await {
                    Ok(o) => out.push(Ok(o)),
                    Err(_) => {
                        clean_run = false;
                        break;
                    }
                },
            }
        }
        if clean_run {
            tx.commit().await?;
            return Ok(out);
        }
        tx.rollback().await?;
        let mut out = Vec::with_capacity(docs.len());
        for d in docs {
            out.push(self.import_document(ctx, org, d).await);
        }
        Ok(out)
    }

    /// The import of one checked document inside `tx`.
    async fn import_in(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        org: &Org,
        d: &ImportDoc,
        fields: DocFields,
        now: i64,
    ) -> Result<ImportOutcome, ServiceError> {
        let today = china_date(now);
        let (norm, unparsed) = norm_number(&fields);
        let existing = tx.document_by_external_id(&d.external_id).await?;
        let outcome;
        let (doc_id, ed_id) = match existing {
            Some(doc) => {
                let current = match doc.published_version_id {
                    Some(p) => tx.edition(p).await?,
                    None => None,
                };
                // Not changes: what the source leaves open (no date of publication, no
                // validity), the note an earlier update added, and a validity the dates refined.
                let same = current.as_ref().is_some_and(|c| {
                    let mut stored = c.fields.clone();
                    if fields.change_note.is_none() {
                        stored.change_note = None;
                    }
                    stored == fields && d.published_on.is_none_or(|p| c.published_on == Some(p))
                }) && d.validity.is_none_or(|v| {
                    v == doc.validity || validity_on(v, fields.effective_on, fields.expires_on, today) == doc.validity
                });
                if same {
                    return Ok(ImportOutcome::Unchanged);
                }
                tx.lock_document(doc.id).await?;
                let next_no = current.as_ref().map(|c| c.version_no).unwrap_or(0) + 1;
                let mut f = fields.clone();
                if f.change_note.is_none() {
                    f.change_note = Some("从外部数据源更新".into());
                }
                let ed = tx
                    .insert_edition(
                        doc.id,
                        next_no,
                        EditionState::Approved,
                        &f,
                        norm.as_deref(),
                        unparsed,
                        d.published_on,
                        ctx.actor_id(),
                        now,
                    )
                    .await?;
                outcome = ImportOutcome::Updated;
                (doc.id, ed)
            }
            None => {
                let year = d
                    .published_on
                    .map(|p| chrono::Datelike::year(&p))
                    .unwrap_or_else(|| chrono::Datelike::year(&today));
                let index_no = self.new_index_no(tx, org, year).await?;
                // A stated change (已修改, 部分失效, 已失效, 已废止) is recorded below with its date;
                // a stated 现行有效 or 尚未生效 is where the document starts.
                let start = d.validity.filter(|v| matches!(v, Validity::InForce | Validity::Pending));
                let id = tx
                    .insert_document(&NewDocument {
                        org_id: org.id,
                        index_no: &index_no,
                        external_id: Some(&d.external_id),
                        validity: start.unwrap_or(Validity::Unknown),
                        class: fields.class.unwrap_or(DocClass::Other),
                        title: &fields.title,
                        issuer: &fields.issuer,
                        now_ms: now,
                    })
                    .await?;
                let ed = tx
                    .insert_edition(
                        id,
                        1,
                        EditionState::Approved,
                        &fields,
                        norm.as_deref(),
                        unparsed,
                        d.published_on,
                        ctx.actor_id(),
                        now,
                    )
                    .await?;
                outcome = ImportOutcome::Imported;
                (id, ed)
            }
        };
        let mut doc = tx.document(doc_id).await?.ok_or_else(|| ServiceError::Internal("document vanished".into()))?;
        let ed = tx.edition(ed_id).await?.ok_or_else(|| ServiceError::Internal("edition vanished".into()))?;
        // The source's validity is authoritative for imports, dated as the source dates it (else
        // undated); dates refine pending/in-force.
        if let Some(v) = d.validity.filter(|v| *v != doc.validity) {
            tx.set_validity(doc_id, doc.validity, v, d.validity_on, "导入时的有效性", None, now).await?;
            doc = tx.document(doc_id).await?.ok_or_else(|| ServiceError::Internal("document vanished".into()))?;
        }
        self.publish_with_date(tx, ctx, &doc, &ed, now, false).await?;
        tx.append_search_change(doc_id, now).await?;
        let mut a = ctx.audit(now, "document.import", "document", Some(doc_id.to_string()));
        a.org_id = Some(org.id);
        a.after =
            Some(json!({"external_id": d.external_id, "outcome": format!("{outcome:?}").to_lowercase()}).to_string());
        tx.append_audit(&a).await?;
        Ok(outcome)
    }

    /// Every document (public and not) for export by an operator, in id order, a batch at a time.
    pub async fn export_batch(
        &self,
        ctx: &Ctx,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<(Document, Option<Edition>)>, ServiceError> {
        if !matches!(ctx.actor, Actor::System) {
            return Err(ServiceError::forbidden());
        }
        let all = self.store.list_documents_by_id(after_id, limit).await?;
        let mut out = Vec::new();
        for d in all {
            let ed = match d.published_version_id {
                Some(p) => self.store.edition(p).await?,
                None => None,
            };
            out.push((d, ed));
        }
        Ok(out)
    }
}

/// Why a document's own dates changed its validity.
fn dated_reason(to: Validity) -> &'static str {
    match to {
        Validity::Expired => "有效期届满",
        Validity::InForce => "到达施行日期",
        Validity::Pending => "尚未到施行日期",
        _ => "按日期重新计算",
    }
}

/// The cleaned, checked fields of a document to import.
fn import_fields(d: &ImportDoc) -> Result<DocFields, ServiceError> {
    let mut fields = clean(d.fields.clone());
    if fields.disclosure.is_none() {
        fields.disclosure = Some(Disclosure::Proactive);
    }
    gongkai_domain::Invalid::check(validate_fields(&fields, d.published_on))?;
    if d.external_id.trim().is_empty() || d.external_id.chars().count() > 200 {
        return Err(ServiceError::invalid("id", "外部编号不能为空，且不超过 200 个字符"));
    }
    Ok(fields)
}

/// Writes a file and flushes it to disk before returning, so an acknowledged upload survives a
/// crash.
fn write_durably(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("part");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
