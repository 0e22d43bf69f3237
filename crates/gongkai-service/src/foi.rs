//! Disclosure on application (依申请公开): submission by the public, registration of paper, post and
//! in-person applications by staff, the statutory clock, the reply through the review hook, disputes,
//! calendar adjustments, Art. 44 candidates and the annual report.
//!
//! Who may do what, on the application's organisation or above it:
//! - anyone may submit online (rate-limited per address) and track an application by its code;
//! - 依申请公开办理人 (`disclosure_officer`) and 政府信息公开工作机构负责人 (`disclosure_head`) register,
//!   confirm receipt, assign, request 补正, consult, send fee notices, draft and send replies, record
//!   disputes;
//! - only the head of the disclosure office approves an extension (Art. 33 ②);
//! - a reply is approved by a 签发人 or the head through [`Service::review_gate`] (never by its author);
//! - 监督员 (`supervisor`) read every application of their subtree, with warnings and overdue ones first;
//! - the system administrator changes the calendar; every open deadline is then recomputed and logged.
//!
//! Privacy: the applicant's name, identity number, contact data and address are stored only in
//! `foi_applications`; no public page, audit entry or log line carries them.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use gongkai_domain::foi::clock::{self, ClockEvent, ClockState, Stage, Urgency};
use gongkai_domain::foi::fee::FeeSchedule;
use gongkai_domain::foi::stats::{self, FoiStats, StatCase, StatRecord};
use gongkai_domain::foi::{
    ApplicantType, ApplicationInput, CaseKind, CaseResult, Channel, Outcome, ReplyDraft, china_day,
    validate_application, validate_reply,
};
use gongkai_domain::foi_report::{AnnualReport, CaseRecord, ReportRecord, Table2, Table3, Table4};
use gongkai_domain::org::Org;
use gongkai_domain::role::Role;
use gongkai_domain::workday::{Adjustment, Calendar, CalendarSource};
use gongkai_domain::{FieldError, Invalid};
use gongkai_store::{
    CalendarAdjustmentRow, FoiCaseRow, FoiClockCols, FoiEventRow, FoiFilter, FoiReportInputs, FoiRow, FoiTopicGroup,
    NewFoi, Tx,
};
use serde_json::json;

use crate::review::{ReviewKind, ReviewSubject};
use crate::{Actor, Ctx, Service, ServiceError};

/// The review subject of an application's reply.
fn reply_subject(row: &FoiRow) -> ReviewSubject {
    ReviewSubject {
        kind: ReviewKind::FoiReply,
        id: row.id,
        org_id: row.org_id,
        author_id: row.reply_author_id,
        class: gongkai_domain::review::FOI_REPLY_CLASS,
    }
}

/// Settings of the disclosure module (`[foi]` in the configuration).
#[derive(Debug, Clone)]
pub struct FoiConfig {
    /// Online submissions allowed per address within `rate_window_minutes`.
    pub rate_limit: u32,
    pub rate_window_minutes: u32,
    /// Warn this many working days before a deadline.
    pub warn_days: u32,
    /// Default 补正 period the agency grants, in working days.
    pub correction_days: u32,
    /// 109号 fee tiers and payment window.
    pub fees: FeeSchedule,
}

impl Default for FoiConfig {
    fn default() -> Self {
        FoiConfig {
            rate_limit: 5,
            rate_window_minutes: 60,
            warn_days: 5,
            correction_days: 15,
            fees: FeeSchedule::default(),
        }
    }
}

const STAFF: &[Role] = &[Role::DisclosureOfficer, Role::DisclosureHead];
const READERS: &[Role] =
    &[Role::DisclosureOfficer, Role::DisclosureHead, Role::Supervisor, Role::Signer, Role::LegalReviewer];
const APPROVERS: &[Role] = &[Role::Signer, Role::DisclosureHead];

/// What the applicant gets after submitting.
#[derive(Debug, Clone)]
pub struct FoiReceipt {
    pub id: i64,
    pub tracking_code: String,
    pub org_name: String,
    pub submitted_on: NaiveDate,
    pub channel: Channel,
}

/// The public tracking view: status and dates only, nothing about the applicant.
#[derive(Debug, Clone)]
pub struct FoiTracking {
    pub tracking_code: String,
    pub org_name: String,
    pub stage: Stage,
    pub submitted_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub due_provisional: bool,
    pub extension_days: i64,
    pub applicant_deadline: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// (date, zh-CN step) in order.
    pub steps: Vec<(NaiveDate, String)>,
}

/// One application in a staff list.
#[derive(Debug, Clone)]
pub struct FoiListItem {
    pub row: FoiRow,
    pub org_name: String,
    pub urgency: Option<Urgency>,
}

/// Everything the staff page of one application shows.
#[derive(Debug, Clone)]
pub struct FoiStaffView {
    pub row: FoiRow,
    pub org: Org,
    pub events: Vec<FoiEventRow>,
    pub clock: ClockState,
    pub urgency: Option<Urgency>,
    pub cases: Vec<FoiCaseRow>,
    pub assignee: Option<String>,
    /// What a fee notice would charge now for one more 件 (按件, 109号 Art. 4), with how it is computed.
    pub fee_if_items: (u32, String),
}

/// A step staff record on an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoiAction {
    /// 双方确认 / 签收 (Art. 31): fixes the receipt date.
    ConfirmReceipt {
        on: NaiveDate,
    },
    /// 补正告知 listing what to correct; `deadline` defaults to the configured period.
    RequestCorrection {
        on: NaiveDate,
        deadline: Option<NaiveDate>,
        items: String,
    },
    CorrectionReceived {
        on: NaiveDate,
    },
    /// Extension approved by the head of the disclosure office and notified.
    Extend {
        on: NaiveDate,
        days: u32,
        reason: String,
    },
    StartConsultation {
        on: NaiveDate,
        party: String,
    },
    EndConsultation {
        on: NaiveDate,
    },
    /// 收费通知: the amount is computed from the 109号 tiers ([`FeeBasis`]); `deadline` defaults to the
    /// configured payment window.
    FeeNotice {
        on: NaiveDate,
        basis: FeeBasis,
        deadline: Option<NaiveDate>,
    },
    FeePaid {
        on: NaiveDate,
    },
    /// 视为放弃: `no_correction` or `no_fee` after the applicant's deadline passed.
    CloseLapsed {
        on: NaiveDate,
        outcome: String,
    },
}

/// How a 信息处理费 is computed (国办函〔2020〕109号, one method per application).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeBasis {
    /// 按件 (Art. 4): this application counts as `items` 件 of the applicant's natural month, after the
    /// applications the same applicant (same identity document) had received earlier that month.
    Items(u32),
    /// 按量 (Art. 5): `pages` pages of information provided.
    Pages(u32),
}

impl FeeBasis {
    /// Parses the form's method (`items` | `pages`) and quantity.
    pub fn parse(method: &str, quantity: &str) -> Result<FeeBasis, ServiceError> {
        let n = quantity
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| ServiceError::invalid("quantity", "数量应为1至100000的整数（件数或页数）"))?;
        match method.trim() {
            "items" => Ok(FeeBasis::Items(n)),
            "pages" => Ok(FeeBasis::Pages(n)),
            _ => Err(ServiceError::invalid("fee_method", "计收方式只能是按件（items）或按量（pages）")),
        }
    }
}

impl FoiAction {
    fn key(&self) -> &'static str {
        match self {
            FoiAction::ConfirmReceipt { .. } => "received",
            FoiAction::RequestCorrection { .. } => "correction_requested",
            FoiAction::CorrectionReceived { .. } => "correction_received",
            FoiAction::Extend { .. } => "extended",
            FoiAction::StartConsultation { .. } => "consultation_started",
            FoiAction::EndConsultation { .. } => "consultation_ended",
            FoiAction::FeeNotice { .. } => "fee_notified",
            FoiAction::FeePaid { .. } => "fee_paid",
            FoiAction::CloseLapsed { .. } => "closed",
        }
    }
}

/// zh-CN name of a stored event kind (public tracking and staff pages).
pub fn foi_event_label(kind: &str) -> &'static str {
    match kind {
        "received" => "收到申请",
        "correction_requested" => "告知补正",
        "correction_received" => "收到补正",
        "extended" => "延长答复期限",
        "consultation_started" => "征求意见",
        "consultation_ended" => "征求意见结束",
        "fee_notified" => "发出收费通知",
        "fee_paid" => "缴纳信息处理费",
        "closed" => "办结",
        _ => "其他",
    }
}

fn to_clock_event(e: &FoiEventRow) -> Result<ClockEvent, ServiceError> {
    let bad = || ServiceError::Internal(format!("foi_events {} is incomplete", e.id));
    let on = e.on_day;
    Ok(match e.kind.as_str() {
        "received" => ClockEvent::Received { on },
        "correction_requested" => ClockEvent::CorrectionRequested { on, deadline: e.deadline.ok_or_else(bad)? },
        "correction_received" => ClockEvent::CorrectionReceived { on },
        "extended" => ClockEvent::Extended { on, days: e.days.and_then(|d| u32::try_from(d).ok()).ok_or_else(bad)? },
        "consultation_started" => ClockEvent::ConsultationStarted { on, party: e.party.clone().unwrap_or_default() },
        "consultation_ended" => ClockEvent::ConsultationEnded { on },
        "fee_notified" => ClockEvent::FeeNotified { on, deadline: e.deadline.ok_or_else(bad)? },
        "fee_paid" => ClockEvent::FeePaid { on },
        "closed" => ClockEvent::Closed { on, outcome: e.outcome.as_deref().and_then(Outcome::parse).ok_or_else(bad)? },
        _ => return Err(bad()),
    })
}

fn clock_cols(st: &ClockState) -> FoiClockCols {
    FoiClockCols {
        stage: st.stage.key().into(),
        received_on: st.received_on,
        clock_start: st.clock_start,
        due_on: st.due_on(),
        due_provisional: st.due.as_ref().is_some_and(|d| d.provisional),
        correction_notice_due: st.correction_notice_due,
        applicant_deadline: st.applicant_deadline,
        extension_days: i64::from(st.extension_days),
        closed_on: st.closed_on,
        outcome: st.outcome.map(|o| o.key().to_owned()),
    }
}

/// A normalised form of the request, for grouping identical requests (Art. 44): width and script
/// folded, lower case, only letters and digits.
pub fn topic_key(description: &str, title: Option<&str>, number: Option<&str>) -> String {
    let base = match (number.map(str::trim).filter(|s| !s.is_empty()), title.map(str::trim).filter(|s| !s.is_empty())) {
        (Some(n), _) => n.to_owned(),
        (None, Some(t)) => t.to_owned(),
        (None, None) => description.to_owned(),
    };
    gongkai_domain::textnorm::normalize_lower(&base).chars().filter(|c| c.is_alphanumeric()).take(120).collect()
}

fn new_tracking_code() -> Result<String, ServiceError> {
    let mut b = [0u8; 10];
    if !crate::random_fill(&mut b) {
        return Err(ServiceError::Internal("no random source".into()));
    }
    let s = data_encoding::BASE32_NOPAD.encode(&b);
    Ok(format!("{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16]))
}

/// Normalises a tracking code as typed (spaces, lower case, missing dashes).
pub fn normalize_tracking_code(code: &str) -> String {
    let s: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if s.len() != 16 {
        return s;
    }
    format!("{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Service {
    /// The same service with the disclosure module's settings.
    pub fn with_foi(mut self, foi: FoiConfig) -> Service {
        self.foi = Arc::new(foi);
        self
    }

    pub fn foi_config(&self) -> &FoiConfig {
        &self.foi
    }

    /// Today in China.
    fn today(&self) -> NaiveDate {
        china_day(self.now_ms())
    }

    /// The region code an organisation's calendar follows: its own 行政区划代码 or its nearest ancestor's.
    async fn region_of(&self, org: &Org) -> Result<String, ServiceError> {
        let mut cur = Some(org.clone());
        while let Some(o) = cur {
            if let Some(d) = o.division_code.as_deref().filter(|d| !d.is_empty()) {
                return Ok(d.to_owned());
            }
            cur = match o.parent_id {
                Some(p) => self.store.org_by_id(p).await?,
                None => None,
            };
        }
        Ok(String::new())
    }

    /// The calendar of an organisation: national data plus the adjustments for everywhere and for its region.
    pub async fn calendar_for(&self, org: Option<&Org>) -> Result<Calendar, ServiceError> {
        let region = match org {
            Some(o) => self.region_of(o).await?,
            None => String::new(),
        };
        let cal = Calendar::national().map_err(|e| ServiceError::Internal(format!("calendar data: {e}")))?;
        let adj: Vec<Adjustment> = self
            .store
            .calendar_adjustments()
            .await?
            .into_iter()
            .filter(|a| a.region.is_empty() || region.starts_with(&a.region))
            .map(|a| Adjustment {
                day: a.day,
                workday: a.workday,
                name: a.name,
                source: CalendarSource { document: a.source_document, issued_on: None, url: None },
            })
            .collect();
        cal.with_adjustments(&adj).map_err(ServiceError::from)
    }

    async fn org_or_field(&self, code: &str, field: &str) -> Result<Org, ServiceError> {
        self.store
            .org_by_code(code.trim())
            .await?
            .ok_or_else(|| ServiceError::invalid(field, format!("机关“{}”不存在", code.trim())))
    }

    async fn foi_and_org(&self, id: i64) -> Result<(FoiRow, Org), ServiceError> {
        let row = self.store.foi_application(id).await?.ok_or_else(|| ServiceError::NotFound("申请不存在".into()))?;
        let org = self
            .store
            .org_by_id(row.org_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("application without organisation".into()))?;
        Ok((row, org))
    }

    /// Inserts an application and, when the receipt date is known, its `received` event.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_application(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        org: &Org,
        channel: Channel,
        input: &ApplicationInput,
        received_on: Option<NaiveDate>,
        external_id: Option<&str>,
        action: &str,
    ) -> Result<(i64, String), ServiceError> {
        let now = self.now_ms();
        let code = new_tracking_code()?;
        let topic = topic_key(&input.description, opt(&input.info_title), opt(&input.info_number));
        let id = tx
            .insert_foi(&NewFoi {
                org_id: org.id,
                tracking_code: &code,
                external_id,
                applicant_type: input.applicant_type.trim(),
                channel: channel.key(),
                applicant_name: input.name.trim(),
                id_type: input.id_type.trim(),
                id_number: &input.id_number.trim().to_ascii_uppercase(),
                contact_person: opt(&input.contact_person),
                phone: input.phone.trim(),
                email: opt(&input.email),
                address: opt(&input.address),
                postcode: opt(&input.postcode),
                info_title: opt(&input.info_title),
                info_number: opt(&input.info_number),
                description: input.description.trim(),
                topic_key: &topic,
                form: input.form.trim(),
                delivery: input.delivery.trim(),
                purpose: opt(&input.purpose),
                submitted_at: now,
                registered_by: ctx.actor_id(),
                now_ms: now,
            })
            .await?;
        let cal = self.calendar_for(Some(org)).await?;
        let mut events = Vec::new();
        if let Some(on) = received_on {
            tx.insert_foi_event(id, "received", on, None, None, None, None, None, None, ctx.actor_id(), now).await?;
            events.push(ClockEvent::Received { on });
        }
        let st = clock::compute(&cal, &events, self.today())?;
        tx.set_foi_clock(id, &clock_cols(&st), now).await?;
        let mut a = ctx.audit(now, action, "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(
            json!({"channel": channel.key(), "applicant_type": input.applicant_type.trim(), "stage": st.stage.key(),
                   "received_on": st.received_on, "due_on": st.due_on()})
            .to_string(),
        );
        tx.append_audit(&a).await?;
        Ok((id, code))
    }

    /// An online application from the public (Art. 29). Waits in 待确认 until the office confirms receipt
    /// (Art. 31 (三)). Limited per address.
    pub async fn foi_submit(
        &self,
        ctx: &Ctx,
        org_code: &str,
        input: &ApplicationInput,
    ) -> Result<FoiReceipt, ServiceError> {
        let mut errors = validate_application(input);
        let org = match self.store.org_by_code(org_code.trim()).await? {
            Some(o) => Some(o),
            None => {
                errors.insert(0, FieldError::new("org", "请选择受理申请的行政机关"));
                None
            }
        };
        Invalid::check(errors)?;
        let org = org.ok_or_else(|| ServiceError::invalid("org", "请选择受理申请的行政机关"))?;
        let now = self.now_ms();
        let ip = ctx.ip.clone().unwrap_or_else(|| "unknown".into());
        let window = i64::from(self.foi.rate_window_minutes) * 60_000;
        if self.store.foi_rate_count(&ip, now - window).await? >= i64::from(self.foi.rate_limit) {
            return Err(ServiceError::RateLimited(format!(
                "提交过于频繁：同一地址{}分钟内最多提交{}件申请，请稍后再试，或通过信函、当面等渠道提交",
                self.foi.rate_window_minutes, self.foi.rate_limit
            )));
        }
        let mut tx = self.store.begin().await?;
        tx.record_foi_rate(&ip, now, now - window).await?;
        let (id, code) =
            self.insert_application(&mut tx, ctx, &org, Channel::Online, input, None, None, "foi.submit").await?;
        tx.commit().await?;
        Ok(FoiReceipt {
            id,
            tracking_code: code,
            org_name: org.name,
            submitted_on: self.today(),
            channel: Channel::Online,
        })
    }

    /// Staff register an application that came on paper, by post, in person, by fax or email. For
    /// channels whose receipt date is fixed on arrival (in person, signed post, oral) `received_on` is
    /// required; otherwise it may follow with [`FoiAction::ConfirmReceipt`].
    pub async fn foi_register(
        &self,
        ctx: &Ctx,
        org_code: &str,
        channel: &str,
        input: &ApplicationInput,
        received_on: Option<NaiveDate>,
    ) -> Result<FoiReceipt, ServiceError> {
        let mut errors = validate_application(input);
        let ch = Channel::parse(channel);
        if ch.is_none() {
            errors.push(FieldError::new("channel", "请选择申请渠道"));
        }
        if let Some(r) = received_on {
            if r > self.today() {
                errors.push(FieldError::new("received_on", "收到申请日期不能晚于今天"));
            }
        } else if ch.is_some_and(|c| !c.needs_confirmation()) {
            errors.push(FieldError::new("received_on", "当面、邮寄（签收）和口头申请须填写收到申请日期"));
        }
        let org = self.store.org_by_code(org_code.trim()).await?;
        if org.is_none() {
            errors.insert(0, FieldError::new("org", format!("机关“{}”不存在", org_code.trim())));
        }
        Invalid::check(errors)?;
        let (Some(org), Some(ch)) = (org, ch) else {
            return Err(ServiceError::invalid("org", "请选择受理申请的行政机关"));
        };
        Self::require(ctx, STAFF, &org)?;
        let mut tx = self.store.begin().await?;
        let (id, code) =
            self.insert_application(&mut tx, ctx, &org, ch, input, received_on, None, "foi.register").await?;
        tx.commit().await?;
        Ok(FoiReceipt { id, tracking_code: code, org_name: org.name, submitted_on: self.today(), channel: ch })
    }

    /// Records a step of the clock (Arts. 30–35, 42); the whole event list is re-checked, so a second
    /// 补正, a second extension, one beyond 20 days or a date out of order is refused with its field.
    pub async fn foi_act(&self, ctx: &Ctx, id: i64, action: &FoiAction) -> Result<ClockState, ServiceError> {
        let (_, org) = self.foi_and_org(id).await?;
        let roles: &[Role] = match action {
            FoiAction::Extend { .. } => &[Role::DisclosureHead],
            _ => STAFF,
        };
        Self::require(ctx, roles, &org)?;
        let cal = self.calendar_for(Some(&org)).await?;
        let today = self.today();
        let now = self.now_ms();
        let (event, days, deadline, party, outcome, amount, note) = match action {
            FoiAction::ConfirmReceipt { on } => (ClockEvent::Received { on: *on }, None, None, None, None, None, None),
            FoiAction::RequestCorrection { on, deadline, items } => {
                if items.trim().is_empty() {
                    return Err(ServiceError::invalid("items", "请一次性列明需要补正的事项"));
                }
                let d = deadline.unwrap_or_else(|| clock::correction_deadline(&cal, *on, self.foi.correction_days));
                (
                    ClockEvent::CorrectionRequested { on: *on, deadline: d },
                    None,
                    Some(d),
                    None,
                    None,
                    None,
                    Some(items.trim().to_owned()),
                )
            }
            FoiAction::CorrectionReceived { on } => {
                (ClockEvent::CorrectionReceived { on: *on }, None, None, None, None, None, None)
            }
            FoiAction::Extend { on, days, reason } => {
                if reason.trim().is_empty() {
                    return Err(ServiceError::invalid("reason", "请填写延期理由（将告知申请人）"));
                }
                (
                    ClockEvent::Extended { on: *on, days: *days },
                    Some(i64::from(*days)),
                    None,
                    None,
                    None,
                    None,
                    Some(reason.trim().to_owned()),
                )
            }
            FoiAction::StartConsultation { on, party } => {
                if party.trim().is_empty() {
                    return Err(ServiceError::invalid("party", "请填写征求意见的对象（第三方或有关机关）"));
                }
                let p = party.trim().to_owned();
                (ClockEvent::ConsultationStarted { on: *on, party: p.clone() }, None, None, Some(p), None, None, None)
            }
            FoiAction::EndConsultation { on } => {
                (ClockEvent::ConsultationEnded { on: *on }, None, None, None, None, None, None)
            }
            FoiAction::FeeNotice { on, basis, deadline } => {
                let (amount, how) = self.foi_fee(id, *basis).await?;
                if amount == 0 {
                    return Err(ServiceError::invalid(
                        "quantity",
                        format!("按国办函〔2020〕109号计算不应收费（{how}），不能发出收费通知"),
                    ));
                }
                let d = deadline.unwrap_or_else(|| cal.add_workdays(*on, self.foi.fees.payment_days).date);
                (
                    ClockEvent::FeeNotified { on: *on, deadline: d },
                    None,
                    Some(d),
                    None,
                    None,
                    Some(i64::from(amount)),
                    Some(how),
                )
            }
            FoiAction::FeePaid { on } => (ClockEvent::FeePaid { on: *on }, None, None, None, None, None, None),
            FoiAction::CloseLapsed { on, outcome } => {
                let o = Outcome::parse(outcome)
                    .filter(|o| matches!(o, Outcome::NoCorrection | Outcome::NoFee))
                    .ok_or_else(|| ServiceError::invalid("outcome", "视为放弃只能是“逾期不补正”或“逾期未缴费”"))?;
                (ClockEvent::Closed { on: *on, outcome: o }, None, None, None, Some(o.key()), None, None)
            }
        };
        let mut tx = self.store.begin().await?;
        tx.lock_foi(id).await?;
        let row = tx.foi_application(id).await?.ok_or_else(|| ServiceError::NotFound("申请不存在".into()))?;
        let mut events =
            tx.foi_events(id).await?.iter().map(to_clock_event).collect::<Result<Vec<_>, ServiceError>>()?;
        events.push(event);
        let st = clock::compute(&cal, &events, today)?;
        tx.insert_foi_event(
            id,
            action.key(),
            events.last().map(ClockEvent::on).unwrap_or(today),
            days,
            deadline,
            party.as_deref(),
            outcome,
            amount,
            note.as_deref(),
            ctx.actor_id(),
            now,
        )
        .await?;
        tx.set_foi_clock(id, &clock_cols(&st), now).await?;
        let mut a = ctx.audit(now, &format!("foi.{}", action.key()), "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.before = Some(json!({"stage": row.stage, "due_on": row.due_on}).to_string());
        a.after = Some(json!({"stage": st.stage.key(), "due_on": st.due_on(), "deadline": deadline}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(st)
    }

    /// Assigns the application to an account (or none).
    pub async fn foi_assign(&self, ctx: &Ctx, id: i64, username: Option<&str>) -> Result<(), ServiceError> {
        let (_, org) = self.foi_and_org(id).await?;
        Self::require(ctx, STAFF, &org)?;
        let user = match username.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => Some(
                self.store
                    .user_by_username(&u.to_lowercase())
                    .await?
                    .ok_or_else(|| ServiceError::invalid("assignee", format!("账号“{u}”不存在")))?,
            ),
            None => None,
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_foi_assignee(id, user.as_ref().map(|u| u.id), now).await?;
        let mut a = ctx.audit(now, "foi.assign", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"assignee": user.as_ref().map(|u| &u.username)}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves the reply draft (答复书). The outcome must be one of the 21 rows; the legal basis, the
    /// reason (where the outcome needs one) and the remedies are required.
    pub async fn foi_draft_reply(&self, ctx: &Ctx, id: i64, draft: &ReplyDraft) -> Result<(), ServiceError> {
        let (row, org) = self.foi_and_org(id).await?;
        Self::require(ctx, STAFF, &org)?;
        let (outcome, errors) = validate_reply(draft);
        Invalid::check(errors)?;
        let outcome = outcome.ok_or_else(|| ServiceError::invalid("outcome", "请选择办理结果"))?;
        if matches!(outcome, Outcome::NoCorrection | Outcome::NoFee) {
            return Err(ServiceError::invalid("outcome", "视为放弃的申请通过“视为放弃办结”处理，无需答复书"));
        }
        if row.stage == Stage::Closed.key() {
            return Err(ServiceError::Conflict("申请已办结".into()));
        }
        if row.reply_state == "sent" {
            return Err(ServiceError::Conflict("答复已发出".into()));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_foi(id).await?;
        if row.reply_state != "none" {
            // A changed reply is reviewed and screened afresh.
            tx.bump_review_round(ReviewKind::FoiReply.key(), id).await?;
        }
        tx.set_foi_reply_draft(
            id,
            outcome.key(),
            draft.body.trim(),
            draft.reason.as_deref().map(str::trim).filter(|s| !s.is_empty()),
            draft.legal_basis.trim(),
            draft.remedy.trim(),
            ctx.actor_id(),
            now,
        )
        .await?;
        let mut a = ctx.audit(now, "foi.reply_draft", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"outcome": outcome.key()}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        if let Err(e) = self.ensure_screened(ctx, &reply_subject(&row)).await {
            tracing::warn!(application = id, error = %e, "screening of the reply failed");
        }
        Ok(())
    }

    /// Approves the drafted reply through the review hook (the approver is never its author).
    pub async fn foi_approve_reply(&self, ctx: &Ctx, id: i64) -> Result<(), ServiceError> {
        self.foi_approve_reply_with(ctx, id, None).await
    }

    /// Approves the drafted reply (签发, the last step of its review chain) with an opinion.
    pub async fn foi_approve_reply_with(&self, ctx: &Ctx, id: i64, opinion: Option<&str>) -> Result<(), ServiceError> {
        let (row, org) = self.foi_and_org(id).await?;
        Self::require(ctx, APPROVERS, &org)?;
        if row.reply_state != "draft" {
            return Err(ServiceError::Conflict("没有待审核的答复草稿".into()));
        }
        let subject = reply_subject(&row);
        self.ensure_screened(ctx, &subject).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_foi(id).await?;
        self.review_gate(&mut tx, ctx, &subject, opinion).await?;
        tx.set_foi_reply_state(id, "approved", ctx.actor_id(), now).await?;
        let mut a = ctx.audit(now, "foi.reply_approve", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Returns the drafted reply to its author with the reviewer's opinion; it stays a draft and
    /// its review starts again when revised.
    pub(crate) async fn foi_return_reply(&self, ctx: &Ctx, id: i64, opinion: &str) -> Result<(), ServiceError> {
        let (row, org) = self.foi_and_org(id).await?;
        if row.reply_state != "draft" {
            return Err(ServiceError::Conflict("没有待审核的答复草稿".into()));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_foi(id).await?;
        self.record_return(&mut tx, ctx, &reply_subject(&row), opinion).await?;
        let mut a = ctx.audit(now, "foi.reply_return", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"opinion": opinion}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends the approved reply on `on` by `method` (送达): closes the application with the reply's outcome.
    pub async fn foi_send_reply(
        &self,
        ctx: &Ctx,
        id: i64,
        on: NaiveDate,
        method: &str,
    ) -> Result<ClockState, ServiceError> {
        let (row, org) = self.foi_and_org(id).await?;
        Self::require(ctx, STAFF, &org)?;
        if row.reply_state != "approved" {
            return Err(ServiceError::Conflict("答复须经审核通过后才能发出".into()));
        }
        const METHODS: [&str; 4] = ["direct", "post", "electronic", "entrusted"];
        if !METHODS.contains(&method.trim()) {
            return Err(ServiceError::invalid("method", "请选择送达方式（直接送达、邮寄送达、电子送达、委托送达）"));
        }
        let outcome = row
            .reply_outcome
            .as_deref()
            .and_then(Outcome::parse)
            .ok_or_else(|| ServiceError::invalid("outcome", "答复缺少办理结果"))?;
        let cal = self.calendar_for(Some(&org)).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.lock_foi(id).await?;
        let mut events =
            tx.foi_events(id).await?.iter().map(to_clock_event).collect::<Result<Vec<_>, ServiceError>>()?;
        events.push(ClockEvent::Closed { on, outcome });
        let st = clock::compute(&cal, &events, self.today())?;
        tx.insert_foi_event(id, "closed", on, None, None, None, Some(outcome.key()), None, None, ctx.actor_id(), now)
            .await?;
        tx.set_foi_clock(id, &clock_cols(&st), now).await?;
        tx.set_foi_reply_state(id, "sent", None, now).await?;
        tx.set_foi_delivery(id, method.trim(), on, now).await?;
        let mut a = ctx.audit(now, "foi.reply_send", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(
            json!({"outcome": outcome.key(), "closed_on": on, "on_time": st.on_time(), "method": method.trim()})
                .to_string(),
        );
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(st)
    }

    /// Records a complaint, 行政复议 or 行政诉讼 about an application.
    pub async fn foi_add_case(
        &self,
        ctx: &Ctx,
        id: i64,
        kind: &str,
        filed_on: NaiveDate,
        note: Option<&str>,
    ) -> Result<i64, ServiceError> {
        let (_, org) = self.foi_and_org(id).await?;
        Self::require(ctx, STAFF, &org)?;
        let kind = CaseKind::parse(kind)
            .ok_or_else(|| ServiceError::invalid("kind", "请选择案件类型（行政复议、行政诉讼或投诉）"))?;
        if filed_on > self.today() {
            return Err(ServiceError::invalid("filed_on", "立案日期不能晚于今天"));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let case =
            tx.insert_foi_case(id, kind.key(), filed_on, note.map(str::trim).filter(|s| !s.is_empty()), now).await?;
        let mut a = ctx.audit(now, "foi.case_add", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"case": case, "kind": kind.key(), "filed_on": filed_on}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Records the result of a dispute (维持 / 纠正 / 其他 / 尚未审结).
    pub async fn foi_decide_case(
        &self,
        ctx: &Ctx,
        id: i64,
        case_id: i64,
        result: &str,
        decided_on: Option<NaiveDate>,
    ) -> Result<(), ServiceError> {
        let (_, org) = self.foi_and_org(id).await?;
        Self::require(ctx, STAFF, &org)?;
        let r = CaseResult::parse(result).ok_or_else(|| ServiceError::invalid("result", "请选择案件结果"))?;
        if r != CaseResult::Pending && decided_on.is_none() {
            return Err(ServiceError::invalid("decided_on", "请填写审结日期"));
        }
        if decided_on.is_some_and(|d| d > self.today()) {
            return Err(ServiceError::invalid("decided_on", "审结日期不能晚于今天"));
        }
        if !self.store.foi_cases(id).await?.iter().any(|c| c.id == case_id) {
            return Err(ServiceError::NotFound("案件不存在".into()));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.decide_foi_case(case_id, r.key(), if r == CaseResult::Pending { None } else { decided_on }, now).await?;
        let mut a = ctx.audit(now, "foi.case_decide", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"case": case_id, "result": r.key(), "decided_on": decided_on}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The public tracking view by code. Unknown codes are `NotFound` (no hint whether a code exists
    /// in another form).
    pub async fn foi_track(&self, code: &str) -> Result<FoiTracking, ServiceError> {
        let code = normalize_tracking_code(code);
        let not_found = || ServiceError::NotFound("没有找到该查询码对应的申请，请核对后重试".into());
        if code.len() != 19 {
            return Err(not_found());
        }
        let row = self.store.foi_by_tracking_code(&code).await?.ok_or_else(not_found)?;
        let org = self.store.org_by_id(row.org_id).await?.ok_or_else(not_found)?;
        let steps = self
            .store
            .foi_events(row.id)
            .await?
            .into_iter()
            .map(|e| (e.on_day, foi_event_label(&e.kind).to_owned()))
            .collect();
        Ok(FoiTracking {
            tracking_code: row.tracking_code,
            org_name: org.name,
            stage: Stage::parse(&row.stage).unwrap_or(Stage::AwaitingConfirmation),
            submitted_on: china_day(row.submitted_at),
            received_on: row.received_on,
            due_on: row.due_on,
            due_provisional: row.due_provisional,
            extension_days: row.extension_days,
            applicant_deadline: row.applicant_deadline,
            closed_on: row.closed_on,
            outcome: row.outcome.as_deref().and_then(Outcome::parse),
            steps,
        })
    }

    /// One application with its clock, for staff.
    pub async fn foi_view(&self, ctx: &Ctx, id: i64) -> Result<FoiStaffView, ServiceError> {
        let (row, org) = self.foi_and_org(id).await?;
        Self::require(ctx, READERS, &org)?;
        let cal = self.calendar_for(Some(&org)).await?;
        let events = self.store.foi_events(id).await?;
        let clock_events = events.iter().map(to_clock_event).collect::<Result<Vec<_>, ServiceError>>()?;
        let today = self.today();
        let st = match clock::compute(&cal, &clock_events, today) {
            Ok(st) => st,
            // Imported legacy records may close without the steps the clock would require.
            Err(_) => ClockState {
                stage: Stage::parse(&row.stage).unwrap_or(Stage::Closed),
                received_on: row.received_on,
                clock_start: row.clock_start,
                correction_notice_due: row.correction_notice_due,
                correction_requested: false,
                applicant_deadline: row.applicant_deadline,
                extension_days: u32::try_from(row.extension_days).unwrap_or(0),
                due: row.clock_start.map(|s| cal.add_workdays(s, clock::REPLY_DAYS)),
                closed_on: row.closed_on,
                outcome: row.outcome.as_deref().and_then(Outcome::parse),
                explanation: vec!["历史导入数据：办理环节未随数据导入，期限按收到申请日期计算".into()],
            },
        };
        let urgency = match (st.stage, st.due_on()) {
            (Stage::Closed, _) | (_, None) => None,
            (_, Some(d)) => Some(clock::urgency(&cal, today, d, self.foi.warn_days)),
        };
        let assignee = match row.assignee_id {
            Some(u) => self.store.user_by_id(u).await?.map(|u| u.username),
            None => None,
        };
        let cases = self.store.foi_cases(id).await?;
        let fee_if_items = self.foi_fee(id, FeeBasis::Items(1)).await?;
        Ok(FoiStaffView { row, org, events, clock: st, urgency, cases, assignee, fee_if_items })
    }

    /// Applications of an organisation's subtree, most urgent first, with their urgency. Anyone who
    /// may read them there (办理人, 负责人, 监督员, …) may list them.
    pub async fn foi_list(
        &self,
        ctx: &Ctx,
        org_code: &str,
        open_only: bool,
        overdue_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<FoiListItem>, ServiceError> {
        let org = self.org_or_field(org_code, "org").await?;
        Self::require(ctx, READERS, &org)?;
        let cal = self.calendar_for(Some(&org)).await?;
        let today = self.today();
        let filter = FoiFilter {
            org_path: Some(org.path.clone()),
            open_only,
            stage: None,
            due_by: overdue_only.then(|| cal.add_workdays(today, self.foi.warn_days).date),
        };
        let rows = self.store.foi_list(&filter, limit.clamp(1, 500), offset.max(0)).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let org_name = if row.org_id == org.id {
                org.name.clone()
            } else {
                self.store.org_by_id(row.org_id).await?.map(|o| o.name).unwrap_or_default()
            };
            let urgency = match (row.stage.as_str(), row.due_on) {
                ("closed", _) | (_, None) => None,
                (_, Some(d)) => Some(clock::urgency(&cal, today, d, self.foi.warn_days)),
            };
            out.push(FoiListItem { row, org_name, urgency });
        }
        Ok(out)
    }

    /// The 信息处理费 of an application in 元 under the configured 109号 tiers, with how it was computed.
    /// 按件 counts the applicant's applications received earlier in the same natural month (same identity
    /// document, any organisation); an application not yet received counts from the end of today's month.
    pub async fn foi_fee(&self, id: i64, basis: FeeBasis) -> Result<(u32, String), ServiceError> {
        let fees = &self.foi.fees;
        match basis {
            FeeBasis::Pages(pages) => {
                let amount = fees.by_pages(pages);
                Ok((amount, format!("按量计收：{pages}页，{amount}元（{}页以内免费）", fees.free_pages())))
            }
            FeeBasis::Items(items) => {
                let row =
                    self.store.foi_application(id).await?.ok_or_else(|| ServiceError::NotFound("申请不存在".into()))?;
                let day = row.received_on.unwrap_or_else(|| self.today());
                let first = day.with_day(1).unwrap_or(day);
                let ledger = self.store.foi_applicant_ledger(&row.id_type, &row.id_number, first, day).await?;
                let before = ledger.iter().take_while(|l| l.id != id).count();
                let before = u32::try_from(before).unwrap_or(u32::MAX);
                let amount = fees.by_items(before, items);
                Ok((
                    amount,
                    format!(
                        "按件计收：该申请人{}年{}月第{}至{}件，{amount}元（每月{}件以内免费）",
                        day.year(),
                        day.month(),
                        before + 1,
                        before + items,
                        fees.free_items
                    ),
                ))
            }
        }
    }

    /// Calendar adjustments in force (system administrators and disclosure staff read them).
    pub async fn calendar_adjustments(&self) -> Result<Vec<CalendarAdjustmentRow>, ServiceError> {
        Ok(self.store.calendar_adjustments().await?)
    }

    /// Adds or replaces an adjustment (a regional holiday, an ad-hoc closure, a reopened day) with its
    /// source document, then recomputes every open deadline. Returns how many deadlines moved.
    #[allow(clippy::too_many_arguments)]
    pub async fn calendar_adjust(
        &self,
        ctx: &Ctx,
        region: &str,
        day: NaiveDate,
        workday: bool,
        name: &str,
        source_document: &str,
    ) -> Result<usize, ServiceError> {
        Self::require_calendar_admin(ctx)?;
        let mut errors = Vec::new();
        let region = region.trim();
        let valid_region = region.chars().all(|c| c.is_ascii_digit()) && region.len() <= 12;
        if valid_region {
            self.require_calendar_scope(ctx, region).await?;
        }
        if !valid_region {
            errors.push(FieldError::new("region", "地区应为行政区划代码（数字），留空表示全部地区"));
        }
        if name.trim().is_empty() {
            errors.push(FieldError::new("name", "请填写名称（如“民族节日”“临时闭馆”）"));
        }
        if source_document.trim().is_empty() {
            errors.push(FieldError::new("source_document", "请填写依据文件（文号或名称）"));
        }
        Invalid::check(errors)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let adj = tx
            .put_calendar_adjustment(region, day, workday, name.trim(), source_document.trim(), ctx.actor_id(), now)
            .await?;
        let mut a = ctx.audit(now, "calendar.adjust", "calendar_adjustment", Some(adj.to_string()));
        a.after = Some(
            json!({"region": region, "day": day, "workday": workday, "name": name.trim(),
                   "source_document": source_document.trim()})
            .to_string(),
        );
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.foi_recompute_open(ctx).await
    }

    /// Removes an adjustment and recomputes every open deadline.
    pub async fn calendar_remove(&self, ctx: &Ctx, adjustment_id: i64) -> Result<usize, ServiceError> {
        Self::require_calendar_admin(ctx)?;
        let region =
            self.store.calendar_adjustments().await?.into_iter().find(|a| a.id == adjustment_id).map(|a| a.region);
        let Some(region) = region else {
            return Err(ServiceError::NotFound("调整不存在".into()));
        };
        self.require_calendar_scope(ctx, &region).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if tx.delete_calendar_adjustment(adjustment_id).await? == 0 {
            return Err(ServiceError::NotFound("调整不存在".into()));
        }
        let a = ctx.audit(now, "calendar.remove", "calendar_adjustment", Some(adjustment_id.to_string()));
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.foi_recompute_open(ctx).await
    }

    /// An adjustment for every region (`region` empty) needs the system administrator of a root
    /// organisation; a regional one, the system administrator of an organisation whose 行政区划代码
    /// (trailing `00` pairs dropped, so a city's code covers its districts) begins the region.
    async fn require_calendar_scope(&self, ctx: &Ctx, region: &str) -> Result<(), ServiceError> {
        let crate::Actor::User(u) = &ctx.actor else {
            return Ok(());
        };
        for g in u.grants.iter().filter(|g| g.role == Role::SystemAdmin) {
            if crate::accounts::is_root_path(&g.org_path) {
                return Ok(());
            }
            if region.is_empty() {
                continue;
            }
            if let Some(org) = self.store.org_by_id(g.org_id).await? {
                let own = self.region_of(&org).await?;
                let mut prefix = own.as_str();
                while let Some(p) = prefix.strip_suffix("00") {
                    prefix = p;
                }
                if !prefix.is_empty() && region.starts_with(prefix) {
                    return Ok(());
                }
            }
        }
        Err(ServiceError::Forbidden(if region.is_empty() {
            "不限地区的工作日历调整影响所有机构的期限，只能由根机构的系统管理员进行".into()
        } else {
            format!("地区“{region}”不在您管理的行政区划之内")
        }))
    }

    fn require_calendar_admin(ctx: &Ctx) -> Result<(), ServiceError> {
        match &ctx.actor {
            crate::Actor::System => Ok(()),
            crate::Actor::User(u) if u.has_role(Role::SystemAdmin) => Ok(()),
            _ => Err(ServiceError::Forbidden("只有系统管理员可以调整工作日历".into())),
        }
    }

    /// Recomputes the cached deadline of every open application from its events and the current
    /// calendar; each change is logged (`foi.deadline_recomputed`). Returns how many changed.
    pub async fn foi_recompute_open(&self, ctx: &Ctx) -> Result<usize, ServiceError> {
        let today = self.today();
        let mut changed = 0;
        for id in self.store.foi_open_ids().await? {
            let (_, org) = self.foi_and_org(id).await?;
            let cal = self.calendar_for(Some(&org)).await?;
            let now = self.now_ms();
            let mut tx = self.store.begin().await?;
            tx.lock_foi(id).await?;
            let Some(row) = tx.foi_application(id).await? else { continue };
            let events =
                tx.foi_events(id).await?.iter().map(to_clock_event).collect::<Result<Vec<_>, ServiceError>>()?;
            let st = match clock::compute(&cal, &events, today) {
                Ok(st) => st,
                Err(e) => {
                    tracing::warn!(application = id, error = %e, "deadline not recomputed: events no longer valid");
                    continue;
                }
            };
            let cols = clock_cols(&st);
            if cols.due_on == row.due_on
                && cols.due_provisional == row.due_provisional
                && cols.correction_notice_due == row.correction_notice_due
            {
                continue;
            }
            tx.set_foi_clock(id, &cols, now).await?;
            let mut a = ctx.audit(now, "foi.deadline_recomputed", "foi_application", Some(id.to_string()));
            a.org_id = Some(org.id);
            a.before = Some(json!({"due_on": row.due_on, "provisional": row.due_provisional}).to_string());
            a.after = Some(json!({"due_on": cols.due_on, "provisional": cols.due_provisional}).to_string());
            tx.append_audit(&a).await?;
            tx.commit().await?;
            changed += 1;
        }
        Ok(changed)
    }

    /// Groups of identical requests in a subtree (Art. 44 candidates for proactive disclosure).
    pub async fn foi_proactive_candidates(
        &self,
        ctx: &Ctx,
        org_code: &str,
        min: i64,
    ) -> Result<Vec<FoiTopicGroup>, ServiceError> {
        let org = self.org_or_field(org_code, "org").await?;
        Self::require(ctx, READERS, &org)?;
        Ok(self.store.foi_topic_groups(&org.path, min.max(2)).await?)
    }

    /// Records the organisation's Art. 44 decision for a group.
    pub async fn foi_proactive_decide(
        &self,
        ctx: &Ctx,
        org_code: &str,
        topic_key: &str,
        disclose: bool,
        note: Option<&str>,
    ) -> Result<(), ServiceError> {
        let org = self.org_or_field(org_code, "org").await?;
        Self::require(ctx, &[Role::DisclosureHead], &org)?;
        if topic_key.trim().is_empty() {
            return Err(ServiceError::invalid("topic_key", "缺少申请主题"));
        }
        let now = self.now_ms();
        let decision = if disclose { "disclose" } else { "decline" };
        let mut tx = self.store.begin().await?;
        tx.put_foi_proactive(org.id, topic_key.trim(), decision, note, ctx.actor_id(), now).await?;
        let mut a = ctx.audit(now, "foi.proactive_decide", "org", Some(org.code.clone()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"topic_key": topic_key.trim(), "decision": decision}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves the staff-entered parts of a year's report.
    pub async fn foi_save_report_inputs(
        &self,
        ctx: &Ctx,
        org_code: &str,
        year: i32,
        inputs: &FoiReportInputs,
    ) -> Result<(), ServiceError> {
        let org = self.org_or_field(org_code, "org").await?;
        Self::require(ctx, STAFF, &org)?;
        let mut errors = Vec::new();
        for (f, v) in
            [("licensing", inputs.licensing), ("punishment", inputs.punishment), ("enforcement", inputs.enforcement)]
        {
            if v.is_some_and(|v| v < 0) {
                errors.push(FieldError::new(f, "数量不能为负数"));
            }
        }
        if let Some(fee) = inputs.fees_wan_yuan.as_deref().filter(|f| !f.trim().is_empty()) {
            if fee.trim().parse::<f64>().map_or(true, |x| x < 0.0 || !x.is_finite()) {
                errors.push(FieldError::new("fees_wan_yuan", "收费金额应为非负数（单位：万元）"));
            }
        }
        Invalid::check(errors)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.put_foi_report_inputs(org.id, year, inputs, now).await?;
        let mut a = ctx.audit(now, "foi.report_inputs", "org", Some(org.code.clone()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"year": year}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The annual report of an organisation (its own applications, or its whole subtree) for `year`,
    /// with tables 2–4. Fails with every broken reconciliation check named.
    pub async fn foi_annual_report(
        &self,
        ctx: &Ctx,
        org_code: &str,
        year: i32,
        subtree: bool,
    ) -> Result<AnnualReport, ServiceError> {
        let org = self.org_or_field(org_code, "org").await?;
        Self::require(ctx, READERS, &org)?;
        if !(2008..=2100).contains(&year) {
            return Err(ServiceError::invalid("year", "年度应为2008年以后的四位年份"));
        }
        let records = self
            .store
            .foi_report_rows(&org.path, !subtree)
            .await?
            .into_iter()
            .map(|r| {
                Ok(ReportRecord {
                    applicant: ApplicantType::parse(&r.applicant_type)
                        .ok_or_else(|| ServiceError::Internal("bad applicant_type".into()))?,
                    received_on: r.received_on,
                    closed_on: r.closed_on,
                    outcome: r.outcome.as_deref().and_then(Outcome::parse),
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let cases = self
            .store
            .foi_cases_under(&org.path, !subtree)
            .await?
            .into_iter()
            .filter_map(|c| {
                Some(CaseRecord {
                    kind: CaseKind::parse(&c.kind)?,
                    filed_on: c.filed_on,
                    decided_on: c.decided_on,
                    result: CaseResult::parse(&c.result)?,
                })
            })
            .collect::<Vec<_>>();
        let lib = self.store.foi_table2_counts(&org.path, !subtree, year).await?;
        let inputs = self.store.foi_report_inputs(org.id, year).await?.unwrap_or_default();
        let report = AnnualReport {
            year,
            org_name: org.name.clone(),
            overview: inputs.overview,
            problems: inputs.problems,
            other_matters: inputs.other_matters,
            table2: Table2 {
                regulations: lib[0],
                normative: lib[1],
                licensing: inputs.licensing,
                punishment: inputs.punishment,
                enforcement: inputs.enforcement,
                fees_wan_yuan: inputs.fees_wan_yuan,
            },
            table3: Table3::compute(&records, year),
            table4: Table4::compute(&cases, year),
        };
        let failures = report.check();
        if !failures.is_empty() {
            return Err(ServiceError::Conflict(format!("年度报告勾稽关系校验未通过：{}", failures.join("；"))));
        }
        Ok(report)
    }
}

/// Statistics for a supervisor (`/admin/foi/stats`): the organisation, the buckets the figures are split by
/// (the organisation's own applications first, then each direct sub-organisation with its subtree) and the
/// figures.
#[derive(Debug, Clone)]
pub struct FoiStatsView {
    pub org: Org,
    /// `(code, name)` per bucket, in the order of `stats.buckets`.
    pub buckets: Vec<(String, String)>,
    pub stats: FoiStats,
}

/// Open applications past or near their deadline in one granted subtree: what the console's start page
/// shows every reader of applications (监督员 included), so an overdue application is escalated to the
/// supervisors above it without anyone having to look for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoiAlert {
    pub org_code: String,
    pub org_name: String,
    pub overdue: usize,
    pub due_soon: usize,
}

impl Service {
    /// Statistics on applications received in `from..=to` in an organisation's subtree.
    pub async fn foi_stats(
        &self,
        ctx: &Ctx,
        org_code: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<FoiStatsView, ServiceError> {
        let org = self.org_or_field(org_code, "org").await?;
        Self::require(ctx, READERS, &org)?;
        if from > to {
            return Err(ServiceError::invalid("to", "结束日期不能早于开始日期"));
        }
        if (to - from).num_days() > 366 * 10 {
            return Err(ServiceError::invalid("from", "统计区间最长十年"));
        }
        let children = self.store.org_children(Some(org.id)).await?;
        let mut buckets = vec![(org.code.clone(), format!("{}（本级）", org.name))];
        buckets.extend(children.iter().map(|c| (c.code.clone(), c.name.clone())));
        let rows = self.store.foi_stat_rows(&org.path, from, to).await?;
        let records: Vec<StatRecord> = rows
            .into_iter()
            .map(|r| StatRecord {
                bucket: children.iter().position(|c| r.org_path.starts_with(&c.path)).map_or(0, |i| i + 1),
                application_id: r.id,
                received_on: r.received_on,
                due_on: r.due_on,
                closed_on: r.closed_on,
                outcome: r.outcome.as_deref().and_then(Outcome::parse),
            })
            .collect();
        let cases: Vec<StatCase> = self
            .store
            .foi_cases_under(&org.path, false)
            .await?
            .into_iter()
            .filter_map(|c| {
                Some(StatCase {
                    application_id: c.application_id,
                    kind: CaseKind::parse(&c.kind)?,
                    result: CaseResult::parse(&c.result)?,
                })
            })
            .collect();
        let stats = stats::compute(&records, &cases, from, to, self.today(), buckets.len());
        Ok(FoiStatsView { org, buckets, stats })
    }

    /// Overdue and soon-due open applications in each subtree where the user may read applications.
    pub async fn foi_alerts(&self, ctx: &Ctx) -> Result<Vec<FoiAlert>, ServiceError> {
        let Actor::User(u) = &ctx.actor else { return Ok(Vec::new()) };
        let mut seen: Vec<&str> = Vec::new();
        let mut grants: Vec<_> = u.grants.iter().filter(|g| READERS.contains(&g.role)).collect();
        grants.sort_by_key(|g| g.org_path.len());
        let mut out = Vec::new();
        for g in grants {
            // A subtree inside one already counted adds nothing.
            if seen.iter().any(|p| g.org_path.starts_with(p)) {
                continue;
            }
            seen.push(&g.org_path);
            let Some(org) = self.store.org_by_id(g.org_id).await? else { continue };
            let cal = self.calendar_for(Some(&org)).await?;
            let today = self.today();
            let filter = FoiFilter {
                org_path: Some(org.path.clone()),
                open_only: true,
                stage: None,
                due_by: Some(cal.add_workdays(today, self.foi.warn_days).date),
            };
            let rows = self.store.foi_list(&filter, 500, 0).await?;
            let overdue = rows.iter().filter(|r| r.due_on.is_some_and(|d| d < today)).count();
            if !rows.is_empty() {
                out.push(FoiAlert {
                    org_code: org.code.clone(),
                    org_name: org.name.clone(),
                    overdue,
                    due_soon: rows.len() - overdue,
                });
            }
        }
        Ok(out)
    }
}

/// One application from a legacy system (`gongkai import foi`), enough for the annual report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFoi {
    pub external_id: String,
    pub org: String,
    pub applicant_type: String,
    pub channel: String,
    pub received_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
}

/// The applicant fields of imported records: the legacy data carries none.
const IMPORTED: &str = "（历史数据导入）";

impl Service {
    /// Imports one legacy application; a second import of the same `external_id` with the same data
    /// changes nothing, with a later closure it records the closure. Every problem names its field.
    pub async fn foi_import(&self, ctx: &Ctx, rec: &ImportFoi) -> Result<crate::ImportOutcome, ServiceError> {
        let today = self.today();
        let mut errors = Vec::new();
        let ext = rec.external_id.trim();
        if ext.is_empty() || ext.len() > 200 {
            errors.push(FieldError::new("external_id", "external_id 不能为空，且不超过200个字符"));
        }
        let org = self.store.org_by_code(rec.org.trim()).await?;
        if org.is_none() {
            errors.push(FieldError::new("org", format!("机构“{}”不存在", rec.org.trim())));
        }
        let kind = ApplicantType::parse(&rec.applicant_type);
        if kind.is_none() {
            errors.push(FieldError::new("applicant_type", format!("申请人类型“{}”不存在", rec.applicant_type)));
        }
        let channel = Channel::parse(&rec.channel);
        if channel.is_none() {
            errors.push(FieldError::new("channel", format!("申请渠道“{}”不存在", rec.channel)));
        }
        match rec.received_on {
            None => errors.push(FieldError::new("received_on", "缺少收到申请日期")),
            Some(r) if r > today => errors.push(FieldError::new("received_on", "收到申请日期不能晚于今天")),
            Some(_) => {}
        }
        let outcome = match rec.outcome.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
            None => None,
            Some(o) => {
                let parsed = Outcome::parse(o);
                if parsed.is_none() {
                    errors.push(FieldError::new("outcome", format!("办理结果“{o}”不存在（应为年报表三的行键）")));
                }
                parsed
            }
        };
        if rec.closed_on.is_some() != rec.outcome.as_deref().is_some_and(|o| !o.trim().is_empty()) {
            errors.push(FieldError::new("outcome", "closed_on 与 outcome 须同时填写或同时为空"));
        }
        if let (Some(c), Some(r)) = (rec.closed_on, rec.received_on) {
            if c < r || c > today {
                errors.push(FieldError::new("closed_on", "办结日期须在收到申请日期和今天之间"));
            }
        }
        Invalid::check(errors)?;
        let (Some(org), Some(kind), Some(channel), Some(received)) = (org, kind, channel, rec.received_on) else {
            return Err(ServiceError::Internal("import checks".into()));
        };
        Self::require(ctx, STAFF, &org)?;
        let now = self.now_ms();
        let cal = self.calendar_for(Some(&org)).await?;
        let closed = rec.closed_on.zip(outcome);
        let mut tx = self.store.begin().await?;
        let (id, result) = match self.store.foi_by_external_id(ext).await? {
            Some(row) => {
                if row.org_id != org.id || row.applicant_type != kind.key() || row.received_on != Some(received) {
                    return Err(ServiceError::invalid("external_id", "已导入的记录不能改变机构、申请人类型或收到日期"));
                }
                let same = row.closed_on == rec.closed_on && row.outcome.as_deref() == outcome.map(|o| o.key());
                if same {
                    return Ok(crate::ImportOutcome::Unchanged);
                }
                if row.closed_on.is_some() {
                    return Err(ServiceError::invalid("closed_on", "已办结的记录不能再改变办结日期或结果"));
                }
                (row.id, crate::ImportOutcome::Updated)
            }
            None => {
                let topic = format!("import:{ext}");
                let id = tx
                    .insert_foi(&NewFoi {
                        org_id: org.id,
                        tracking_code: &new_tracking_code()?,
                        external_id: Some(ext),
                        applicant_type: kind.key(),
                        channel: channel.key(),
                        applicant_name: IMPORTED,
                        id_type: "other",
                        id_number: "-",
                        contact_person: None,
                        phone: "-",
                        email: None,
                        address: None,
                        postcode: None,
                        info_title: None,
                        info_number: None,
                        description: IMPORTED,
                        topic_key: &topic,
                        form: "other",
                        delivery: "other",
                        purpose: None,
                        submitted_at: now,
                        registered_by: ctx.actor_id(),
                        now_ms: now,
                    })
                    .await?;
                tx.insert_foi_event(id, "received", received, None, None, None, None, None, Some("import"), None, now)
                    .await?;
                (id, crate::ImportOutcome::Imported)
            }
        };
        let mut events = vec![ClockEvent::Received { on: received }];
        if let Some((on, o)) = closed {
            tx.insert_foi_event(id, "closed", on, None, None, None, Some(o.key()), None, Some("import"), None, now)
                .await?;
            events.push(ClockEvent::Closed { on, outcome: o });
        }
        // Legacy closures (e.g. 逾期不补正) come without their steps: the cached columns take the record as is.
        let cols = match clock::compute(&cal, &events, today) {
            Ok(st) => clock_cols(&st),
            Err(_) => FoiClockCols {
                stage: Stage::Closed.key().into(),
                received_on: Some(received),
                clock_start: Some(received),
                due_on: Some(cal.add_workdays(received, clock::REPLY_DAYS).date),
                closed_on: rec.closed_on,
                outcome: outcome.map(|o| o.key().to_owned()),
                ..Default::default()
            },
        };
        tx.set_foi_clock(id, &cols, now).await?;
        let mut a = ctx.audit(now, "foi.import", "foi_application", Some(id.to_string()));
        a.org_id = Some(org.id);
        a.after = Some(json!({"external_id": ext, "closed_on": rec.closed_on, "outcome": cols.outcome}).to_string());
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(result)
    }
}
