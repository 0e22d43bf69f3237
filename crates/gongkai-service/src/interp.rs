//! Policy interpretation (政策解读) use cases.
//!
//! An interpretation is a document of class `interpretation`: it has editions, the same workflow
//! and review gate, attachments and search entries as every document, plus an `interpretations`
//! row (form, interpreter, transcript, alternative text) and `interprets` relations to one or more
//! policy documents. The relations are the two-way links: the policy page lists its interpretations
//! and the interpretation page links its policies.
//!
//! 三同步: a policy document marked as needing interpretation is published only together with at
//! least one approved interpretation (published in the same transaction), or after a signer has
//! recorded an exemption with a written reason. The hook is [`Service::interp_gate`], called from
//! publication.

use gongkai_domain::FieldError;
use gongkai_domain::document::{DocClass, Document, Edition, EditionState, RelationKind};
use gongkai_domain::interp::{CopyReport, InterpFields, InterpForm, copy_overlap, validate_interp};
use gongkai_domain::role::Role;
use gongkai_store::{InterpRequirement, Tx};
use serde_json::json;

use crate::documents::{DocInput, china_date};
use crate::{Ctx, Service, ServiceError};

/// An interpretation as entered: the document part and the interpretation's own fields. The
/// policy documents it interprets are its `interprets` relations.
#[derive(Debug, Clone, Default)]
pub struct InterpInput {
    pub doc: DocInput,
    pub interp: InterpFields,
}

/// An interpretation with its document (lists, API).
#[derive(Debug, Clone)]
pub struct InterpItem {
    pub doc: Document,
    pub interp: InterpFields,
}

/// What the console shows about a document's interpretations.
#[derive(Debug, Clone)]
pub struct InterpStaffView {
    pub doc: Document,
    /// The interpretation fields, when the document is an interpretation.
    pub interp: Option<InterpFields>,
    /// The copy check of an interpretation against its policy documents.
    pub copy: Option<CopyReport>,
    /// Whether the copy share is above the configured threshold.
    pub copy_warning: bool,
    pub copy_threshold_percent: u32,
    /// For a policy document: its 三同步 settings and its interpretations (any state).
    pub requirement: InterpRequirement,
    pub interpretations: Vec<(Document, InterpFields, Option<EditionState>)>,
}

/// The 50 % figures of one organisation and year.
#[derive(Debug, Clone)]
pub struct CoverageOrg {
    pub org_id: i64,
    pub org_name: String,
    /// Policy documents issued in the name of the government or its general office.
    pub total: i64,
    /// Of those, with at least one published diversified interpretation.
    pub diversified: i64,
    /// With an interpretation published the same day (China time) as the document.
    pub same_day: i64,
    /// Documents without a diversified interpretation.
    pub missing: Vec<Document>,
}

impl CoverageOrg {
    /// The diversified share in per cent (0 when there is nothing to count).
    pub fn percent(&self) -> u32 {
        if self.total == 0 { 0 } else { ((self.diversified * 100) / self.total) as u32 }
    }

    /// Whether the 50 % rule is met.
    pub fn meets_rule(&self) -> bool {
        self.total == 0 || self.diversified * 2 >= self.total
    }
}

/// The document states in which a policy may be the target of a new interpretation: it is in
/// review or published (解读材料 go to review with the document, 同步审签), never a bare draft.
fn linkable(doc: &Document, open_state: Option<EditionState>) -> bool {
    doc.public || matches!(open_state, Some(EditionState::Submitted | EditionState::Approved | EditionState::Scheduled))
}

impl Service {
    /// Checks the `interprets` targets of an interpretation: at least one, each an existing policy
    /// document (not itself an interpretation) that is published or in review.
    async fn check_interp_targets(
        &self,
        ctx: &Ctx,
        input: &DocInput,
        errors: &mut Vec<FieldError>,
    ) -> Result<(), ServiceError> {
        let targets: Vec<&String> =
            input.relations.iter().filter(|(k, _)| *k == RelationKind::Interprets).map(|(_, r)| r).collect();
        if targets.is_empty() {
            errors.push(FieldError::new("interprets", "请填写所解读的政策文件（文件编号、索引号或外部编号）"));
        }
        for reference in targets {
            match self.resolve_visible(ctx, reference).await? {
                None => errors.push(FieldError::new("interprets", format!("所解读的文件“{reference}”不存在"))),
                Some(d) if d.class == DocClass::Interpretation => {
                    errors.push(FieldError::new("interprets", format!("“{}”本身是政策解读，不能作为解读对象", d.title)))
                }
                Some(d) => {
                    let open = match d.open_version_id {
                        Some(o) => self.store.edition(o).await?.map(|e| e.state),
                        None => None,
                    };
                    if !linkable(&d, open) {
                        errors.push(FieldError::new(
                            "interprets",
                            format!("所解读的文件“{}”仍是草稿：解读只能关联已送审或已发布的政策文件", d.title),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn clean_interp(mut f: InterpFields) -> InterpFields {
        let opt = |o: Option<String>| o.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        f.interpreter = f.interpreter.trim().to_owned();
        f.interpreter_role = f.interpreter_role.trim().to_owned();
        f.media_url = opt(f.media_url);
        f.transcript = opt(f.transcript.map(|t| t.replace("\r\n", "\n")));
        f.alt_text = opt(f.alt_text);
        f
    }

    async fn check_interp_input(
        &self,
        ctx: &Ctx,
        input: &InterpInput,
    ) -> Result<(DocInput, InterpFields), ServiceError> {
        let interp = Self::clean_interp(input.interp.clone());
        let mut errors = validate_interp(&interp, false);
        self.check_interp_targets(ctx, &input.doc, &mut errors).await?;
        gongkai_domain::Invalid::check(errors)?;
        let mut doc = input.doc.clone();
        doc.fields.class = Some(DocClass::Interpretation);
        Ok((doc, interp))
    }

    /// Creates an interpretation (a document of class 政策解读 with a first draft edition).
    pub async fn create_interpretation(
        &self,
        ctx: &Ctx,
        input: &InterpInput,
    ) -> Result<(Document, Edition), ServiceError> {
        self.authorize_draft_write(ctx, &input.doc.org_code).await?;
        let (doc, interp) = self.check_interp_input(ctx, input).await?;
        self.create_document_ext(ctx, &doc, Some(&interp)).await
    }

    /// Sets the interpretation fields of an interpretation whose open edition is a draft (or was
    /// returned). Editors of its organisation; audited.
    pub async fn set_interpretation_fields(&self, ctx: &Ctx, id: i64, f: &InterpFields) -> Result<(), ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        if doc.class != DocClass::Interpretation {
            return Err(ServiceError::Conflict("该文件不是政策解读（文件类别须为“政策解读”）".into()));
        }
        let f = Self::clean_interp(f.clone());
        let open = match doc.open_version_id {
            Some(o) => self.store.edition(o).await?,
            None => None,
        }
        .ok_or_else(|| ServiceError::Conflict("该解读没有正在编辑的版本，请先创建新版本".into()))?;
        if !matches!(open.state, EditionState::Draft | EditionState::Returned) {
            return Err(ServiceError::Conflict(format!("当前版本状态为“{}”，不能修改", open.state.label())));
        }
        let has_images = self.store.attachments_of(open.id).await?.iter().any(|a| a.content_type.starts_with("image/"));
        gongkai_domain::Invalid::check(validate_interp(&f, has_images))?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_document(id).await?;
        tx.upsert_interpretation_draft(id, &f, now).await?;
        let mut a = ctx.audit(now, "document.interp_fields", "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.after = Some(
            json!({"form": f.form.map(|x| x.key()), "interpreter": f.interpreter, "first_interpreter": f.first_interpreter})
                .to_string(),
        );
        tx.append_audit(&a).await?;
        tx.append_search_change(id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks the targets of a document of class 政策解读 created or edited through the ordinary
    /// document form.
    pub(crate) async fn check_interp_class_targets(&self, ctx: &Ctx, input: &DocInput) -> Result<(), ServiceError> {
        if input.fields.class != Some(DocClass::Interpretation) {
            return Ok(());
        }
        let mut errors = Vec::new();
        self.check_interp_targets(ctx, input, &mut errors).await?;
        Ok(gongkai_domain::Invalid::check(errors)?)
    }

    /// Replaces an interpretation's draft: document fields, links and interpretation fields.
    pub async fn update_interpretation(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &InterpInput,
    ) -> Result<Edition, ServiceError> {
        let (existing, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Editor], &org)?;
        let (doc, interp) = self.check_interp_input(ctx, input).await?;
        if existing.class != DocClass::Interpretation {
            return Err(ServiceError::Conflict("该文件不是政策解读".into()));
        }
        self.update_draft_ext(ctx, id, &doc, Some(&interp)).await
    }

    /// Checks an interpretation edition before it goes to review: its own fields (media need a
    /// transcript, images an alternative text) and its targets.
    pub(crate) async fn interp_submit_errors(
        &self,
        ctx: &Ctx,
        doc: &Document,
        ed: &Edition,
    ) -> Result<Vec<FieldError>, ServiceError> {
        if doc.class != DocClass::Interpretation {
            return Ok(Vec::new());
        }
        let interp = self.store.interpretation_current(doc.id).await?.unwrap_or_default();
        let has_images = self.store.attachments_of(ed.id).await?.iter().any(|a| a.content_type.starts_with("image/"));
        let mut errors = validate_interp(&interp, has_images);
        let relations: Vec<(RelationKind, String)> = self
            .store
            .relations_of(doc.id)
            .await?
            .into_iter()
            .filter(|r| r.from_id == doc.id)
            .map(|r| (r.kind, r.to_id.to_string()))
            .collect();
        self.check_interp_targets(ctx, &DocInput { relations, ..DocInput::default() }, &mut errors).await?;
        Ok(errors)
    }

    /// The 三同步 gate, run inside the publishing transaction before `doc` is published. For an
    /// interpretation: every policy it interprets must be public. For a policy that needs one:
    /// returns the approved interpretations to publish with it (after it), or refuses when there
    /// is neither an approved or published interpretation nor an exemption.
    pub(crate) async fn interp_gate(&self, tx: &mut Tx, doc: &Document) -> Result<Vec<i64>, ServiceError> {
        if doc.class == DocClass::Interpretation {
            for (kind, target) in tx.relations_from(doc.id).await? {
                if kind != RelationKind::Interprets {
                    continue;
                }
                let t = tx.document(target).await?;
                if !t.as_ref().is_some_and(|t| t.public) {
                    let title = t.map(|t| t.title).unwrap_or_else(|| target.to_string());
                    return Err(ServiceError::invalid(
                        "interprets",
                        format!("所解读的文件“{title}”尚未发布：解读随政策文件同步发布（在政策文件上执行发布）"),
                    ));
                }
            }
            return Ok(Vec::new());
        }
        let req = tx.interp_requirement(doc.id).await?;
        if !req.required {
            return Ok(Vec::new());
        }
        let mut approved = Vec::new();
        let mut published = false;
        for id in tx.interpretation_ids_of(doc.id).await? {
            let Some(i) = tx.document(id).await? else { continue };
            if i.public {
                published = true;
            }
            if let Some(open) = i.open_version_id {
                if let Some(ed) = tx.edition(open).await? {
                    if matches!(ed.state, EditionState::Approved | EditionState::Scheduled) {
                        approved.push(id);
                    }
                }
            }
        }
        if approved.is_empty() && !published && req.exemption_reason.is_none() {
            return Err(ServiceError::invalid(
                "interpretation",
                "该文件须同步解读（三同步）：请先签发至少一篇关联的政策解读，与文件同时发布；或由签发人登记不解读的理由",
            ));
        }
        Ok(approved)
    }

    /// Publishes, inside the policy's publishing transaction, the approved interpretations the
    /// gate returned (同步发布), each audited and indexed.
    pub(crate) async fn publish_interpretations_with(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        policy: &Document,
        ids: &[i64],
        now: i64,
    ) -> Result<(), ServiceError> {
        for id in ids {
            tx.lock_document(*id).await?;
            let Some(i) = tx.document(*id).await? else { continue };
            let Some(ed) = (match i.open_version_id {
                Some(o) => tx.edition(o).await?,
                None => None,
            }) else {
                continue;
            };
            // An interpretation of several policies waits until all of them are public.
            let mut all_public = true;
            for (kind, target) in tx.relations_from(*id).await? {
                if kind == RelationKind::Interprets && !tx.document(target).await?.is_some_and(|t| t.public) {
                    all_public = false;
                }
            }
            if !all_public {
                continue;
            }
            self.publish_plain(tx, ctx, &i, &ed, now).await?;
            tx.append_search_change(*id, now).await?;
            let mut a = ctx.audit(now, "document.publish", "document", Some(id.to_string()));
            a.org_id = Some(i.org_id);
            a.after =
                Some(json!({"version": ed.version_no, "state": "published", "with_policy": policy.id}).to_string());
            tx.append_audit(&a).await?;
        }
        Ok(())
    }

    /// Sets whether a policy document needs an interpretation (三同步) and whether it is issued in
    /// the name of the government or its general office. Editors and signers of its organisation.
    pub async fn set_interp_requirement(
        &self,
        ctx: &Ctx,
        id: i64,
        required: bool,
        gov_issued: bool,
    ) -> Result<(), ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Editor, Role::Signer], &org)?;
        if doc.class == DocClass::Interpretation {
            return Err(ServiceError::invalid("required", "政策解读本身不需要解读"));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_document(id).await?;
        let before = tx.interp_requirement(id).await?;
        let mut next = before.clone();
        next.required = required;
        next.gov_issued = gov_issued;
        if !required {
            next.exemption_reason = None;
            next.exempted_by = None;
            next.exempted_at_ms = None;
        }
        tx.set_interp_requirement(id, &next, now).await?;
        let mut a = ctx.audit(now, "document.interp_requirement", "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.before = Some(json!({"required": before.required, "gov_issued": before.gov_issued}).to_string());
        a.after = Some(json!({"required": required, "gov_issued": gov_issued}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records (signers) that a document needing interpretation is published without one, with
    /// the written reason; `None` takes the exemption back.
    pub async fn exempt_interpretation(&self, ctx: &Ctx, id: i64, reason: Option<&str>) -> Result<(), ServiceError> {
        let (doc, org) = self.doc_and_org(id).await?;
        Self::require(ctx, &[Role::Signer], &org)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_document(id).await?;
        let before = tx.interp_requirement(id).await?;
        if !before.required {
            return Err(ServiceError::Conflict("该文件未标记为须同步解读，无需登记不解读理由".into()));
        }
        let mut next = before.clone();
        match reason.map(str::trim) {
            Some(r) if r.chars().count() >= 5 && r.chars().count() <= 1000 => {
                next.exemption_reason = Some(r.to_owned());
                next.exempted_by = ctx.actor_id();
                next.exempted_at_ms = Some(now);
            }
            Some(_) => return Err(ServiceError::invalid("reason", "请写明不解读的理由（5–1000 个字符，将记录在案）")),
            None => {
                next.exemption_reason = None;
                next.exempted_by = None;
                next.exempted_at_ms = None;
            }
        }
        tx.set_interp_requirement(id, &next, now).await?;
        let mut a = ctx.audit(now, "document.interp_exemption", "document", Some(id.to_string()));
        a.org_id = Some(doc.org_id);
        a.before = Some(json!({"reason": before.exemption_reason}).to_string());
        a.after = Some(json!({"reason": next.exemption_reason}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The body an interpretation or policy is compared on: the open edition when there is one,
    /// else the published one.
    async fn current_body(&self, doc: &Document) -> Result<String, ServiceError> {
        let id = doc.open_version_id.or(doc.published_version_id);
        Ok(match id {
            Some(e) => self.store.edition(e).await?.map(|e| e.fields.body).unwrap_or_default(),
            None => String::new(),
        })
    }

    /// The copy check of an interpretation against the policies it interprets.
    pub async fn interp_copy_report(&self, doc: &Document) -> Result<CopyReport, ServiceError> {
        let mut text = self.current_body(doc).await?;
        if let Some(t) = self.store.interpretation_current(doc.id).await?.and_then(|i| i.transcript) {
            text.push('\n');
            text.push_str(&t);
        }
        let mut sources = Vec::new();
        for r in self.store.relations_of(doc.id).await? {
            if r.kind == RelationKind::Interprets && r.from_id == doc.id {
                if let Some(t) = self.store.document(r.to_id).await? {
                    sources.push(self.current_body(&t).await?);
                }
            }
        }
        let refs: Vec<&str> = sources.iter().map(String::as_str).collect();
        Ok(copy_overlap(&text, &refs))
    }

    /// The console's interpretation view of a document (staff of its organisation).
    pub async fn interp_staff_view(&self, ctx: &Ctx, id: i64) -> Result<InterpStaffView, ServiceError> {
        let staff = self.staff_document(ctx, id).await?;
        let doc = staff.doc;
        let interp = self.store.interpretation_current(id).await?;
        let threshold = self.lib.interp_copy_warn_percent;
        let (copy, copy_warning) = if interp.is_some() {
            let r = self.interp_copy_report(&doc).await?;
            let warn = r.ratio * 100.0 >= f64::from(threshold);
            (Some(r), warn)
        } else {
            (None, false)
        };
        let requirement = self.store.interp_requirement(id).await?;
        let mut interpretations = Vec::new();
        for (d, f) in self.store.interpretations_of(id, false).await? {
            let state = match d.open_version_id.or(d.published_version_id) {
                Some(e) => self.store.edition(e).await?.map(|e| e.state),
                None => None,
            };
            interpretations.push((d, f, state));
        }
        Ok(InterpStaffView {
            doc,
            interp,
            copy,
            copy_warning,
            copy_threshold_percent: threshold,
            requirement,
            interpretations,
        })
    }

    /// The interpretation fields of a public interpretation document.
    pub async fn public_interpretation(&self, id: i64) -> Result<Option<InterpFields>, ServiceError> {
        let doc = self.store.document(id).await?;
        if !doc.is_some_and(|d| d.public) {
            return Ok(None);
        }
        Ok(self.store.interpretation(id).await?)
    }

    /// The published interpretations of a policy document (its page, the API).
    pub async fn public_interpretations_of(&self, id: i64) -> Result<Vec<InterpItem>, ServiceError> {
        Ok(self
            .store
            .interpretations_of(id, true)
            .await?
            .into_iter()
            .map(|(doc, interp)| InterpItem { doc, interp })
            .collect())
    }

    /// A page of published interpretations, newest first, optionally of one form.
    pub async fn list_interpretations(
        &self,
        form: Option<InterpForm>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<InterpItem>, i64), ServiceError> {
        let (rows, total) = self.store.public_interpretations(form, limit.clamp(1, 200), offset.max(0)).await?;
        Ok((rows.into_iter().map(|(doc, interp)| InterpItem { doc, interp }).collect(), total))
    }

    /// The 50 % rule per organisation for one year (documents first published that year, China
    /// time) under an organisation's subtree: supervisors (and operators) of that subtree.
    pub async fn interp_coverage(
        &self,
        ctx: &Ctx,
        org_code: &str,
        year: i32,
    ) -> Result<Vec<CoverageOrg>, ServiceError> {
        let org = self
            .store
            .org_by_code(org_code.trim())
            .await?
            .ok_or_else(|| ServiceError::invalid("org", format!("机构“{org_code}”不存在")))?;
        Self::require(ctx, &[Role::Supervisor, Role::SystemAdmin], &org)?;
        let start = |y: i32| {
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        };
        let (Some(from), Some(to)) = (start(year), start(year + 1)) else {
            return Err(ServiceError::invalid("year", "年份无效"));
        };
        let rows = self.store.interp_coverage(&org.path, from, to).await?;
        let mut out: Vec<CoverageOrg> = Vec::new();
        for r in rows {
            if out.last().is_none_or(|o| o.org_id != r.doc.org_id) {
                let name = self
                    .store
                    .org_by_id(r.doc.org_id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_else(|| r.doc.org_id.to_string());
                out.push(CoverageOrg {
                    org_id: r.doc.org_id,
                    org_name: name,
                    total: 0,
                    diversified: 0,
                    same_day: 0,
                    missing: Vec::new(),
                });
            }
            let Some(o) = out.last_mut() else { continue };
            o.total += 1;
            if r.diversified > 0 {
                o.diversified += 1;
            } else {
                o.missing.push(r.doc.clone());
            }
            let same_day = match (r.first_interp_at_ms, r.doc.first_published_at_ms) {
                (Some(i), Some(d)) => china_date(i) <= china_date(d),
                _ => false,
            };
            if same_day {
                o.same_day += 1;
            }
        }
        Ok(out)
    }
}
