//! The statutory clock of an application (答复期限), computed from its events (Arts. 30–35, 42).
//!
//! Rules (foi.md §1.4–1.6, §3.3):
//! - the clock starts at the legal receipt date (Art. 31); the day itself is not counted; 20 working days;
//! - 补正 (Art. 30): notice within 7 working days of receipt, once; the clock stops, and restarts from the
//!   receipt of the corrected application (elapsed days are discarded); not corrected by the deadline the
//!   agency set → 视为放弃 (outcome `no_correction`);
//! - extension (Art. 33 ②): once, at most 20 working days, approved by the head of the disclosure office
//!   before the due date; counted on from the original due date;
//! - consultations with third parties (Art. 32) and other agencies (Art. 34) pause the clock (Art. 33 ③):
//!   the days after the letter went out up to and including the day the answer came are not counted;
//! - a fee notice (信息处理费, 109号) pauses the clock until payment; unpaid by its deadline → 视为放弃
//!   (outcome `no_fee`).
//!
//! [`compute`] validates the whole event list and returns the state with a zh-CN explanation.

use chrono::NaiveDate;

use crate::foi::Outcome;
use crate::workday::{Calendar, Counted};
use crate::{FieldError, Invalid};

/// Working days to reply (Art. 33 ②).
pub const REPLY_DAYS: u32 = 20;
/// Working days within which a 补正 notice must go out (Art. 30).
pub const CORRECTION_NOTICE_DAYS: u32 = 7;
/// Longest extension (Art. 33 ②).
pub const MAX_EXTENSION_DAYS: u32 = 20;
/// Working days a consulted third party or agency has to answer (Arts. 32, 34).
pub const CONSULTATION_DAYS: u32 = 15;

/// Something that happened to an application, with its (China) date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockEvent {
    /// The legal receipt date (收到申请之日).
    Received {
        on: NaiveDate,
    },
    /// 补正告知: sent on `on`, the applicant must correct by `deadline`.
    CorrectionRequested {
        on: NaiveDate,
        deadline: NaiveDate,
    },
    /// The corrected application arrived: the clock restarts.
    CorrectionReceived {
        on: NaiveDate,
    },
    /// Extension approved and notified (延期答复告知).
    Extended {
        on: NaiveDate,
        days: u32,
    },
    /// 征求意见书 sent to a third party or another agency.
    ConsultationStarted {
        on: NaiveDate,
        party: String,
    },
    /// The (last) answer came, or its period lapsed.
    ConsultationEnded {
        on: NaiveDate,
    },
    /// 收费通知 sent; payment due by `deadline`.
    FeeNotified {
        on: NaiveDate,
        deadline: NaiveDate,
    },
    FeePaid {
        on: NaiveDate,
    },
    /// The final reply (答复) was issued, or the case was closed as lapsed.
    Closed {
        on: NaiveDate,
        outcome: Outcome,
    },
}

impl ClockEvent {
    pub fn on(&self) -> NaiveDate {
        match self {
            ClockEvent::Received { on }
            | ClockEvent::CorrectionRequested { on, .. }
            | ClockEvent::CorrectionReceived { on }
            | ClockEvent::Extended { on, .. }
            | ClockEvent::ConsultationStarted { on, .. }
            | ClockEvent::ConsultationEnded { on }
            | ClockEvent::FeeNotified { on, .. }
            | ClockEvent::FeePaid { on }
            | ClockEvent::Closed { on, .. } => *on,
        }
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Registered, receipt not yet confirmed (待确认; online, fax, email, 平信).
    AwaitingConfirmation,
    /// The clock runs (办理中).
    Running,
    /// Waiting for the applicant's 补正.
    AwaitingCorrection,
    /// Waiting for a third party or agency (征求意见中).
    Consulting,
    /// Waiting for the applicant's payment.
    AwaitingFee,
    /// Replied or closed.
    Closed,
}

impl Stage {
    pub fn key(self) -> &'static str {
        match self {
            Stage::AwaitingConfirmation => "awaiting_confirmation",
            Stage::Running => "in_progress",
            Stage::AwaitingCorrection => "awaiting_correction",
            Stage::Consulting => "consulting",
            Stage::AwaitingFee => "awaiting_fee",
            Stage::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::AwaitingConfirmation => "待确认收到",
            Stage::Running => "办理中",
            Stage::AwaitingCorrection => "待申请人补正",
            Stage::Consulting => "征求意见中（期限暂停）",
            Stage::AwaitingFee => "待缴纳信息处理费（期限暂停）",
            Stage::Closed => "已办结",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        [
            Stage::AwaitingConfirmation,
            Stage::Running,
            Stage::AwaitingCorrection,
            Stage::Consulting,
            Stage::AwaitingFee,
            Stage::Closed,
        ]
        .into_iter()
        .find(|x| x.key() == s)
    }
}

/// The computed state of the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockState {
    pub stage: Stage,
    /// First legal receipt date.
    pub received_on: Option<NaiveDate>,
    /// The date the current 20-day period counts from (receipt, or receipt of the 补正).
    pub clock_start: Option<NaiveDate>,
    /// Last day to send a 补正 notice (7 WD after the first receipt).
    pub correction_notice_due: Option<NaiveDate>,
    pub correction_requested: bool,
    /// Deadline the applicant has for the 补正 or the payment, while waiting for it.
    pub applicant_deadline: Option<NaiveDate>,
    pub extension_days: u32,
    /// The reply deadline, with the trail; `None` while no period runs (unconfirmed, waiting for 补正).
    /// While paused it is computed as if the pause ended today, so it moves on each day.
    pub due: Option<Counted>,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// zh-CN lines saying how the deadline was computed.
    pub explanation: Vec<String>,
}

impl ClockState {
    pub fn due_on(&self) -> Option<NaiveDate> {
        self.due.as_ref().map(|c| c.date)
    }

    /// Closed on or before the deadline (`None` while open or without a deadline).
    pub fn on_time(&self) -> Option<bool> {
        match (self.closed_on, self.due_on()) {
            (Some(c), Some(d)) => Some(c <= d),
            (Some(_), None) => Some(true),
            _ => None,
        }
    }

    /// The applicant let a 补正 or payment deadline pass (the case may be closed as 视为放弃).
    pub fn applicant_lapsed(&self, today: NaiveDate) -> bool {
        matches!(self.stage, Stage::AwaitingCorrection | Stage::AwaitingFee)
            && self.applicant_deadline.is_some_and(|d| today > d)
    }
}

/// How close a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    Normal,
    /// Within the warning window (预警).
    DueSoon,
    /// Past the deadline (逾期).
    Overdue,
}

impl Urgency {
    pub fn key(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::DueSoon => "due_soon",
            Urgency::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Normal => "正常",
            Urgency::DueSoon => "即将到期",
            Urgency::Overdue => "已逾期",
        }
    }
}

/// Urgency of an open deadline `due` on `today`, warning `warn_days` working days ahead.
pub fn urgency(cal: &Calendar, today: NaiveDate, due: NaiveDate, warn_days: u32) -> Urgency {
    if today > due {
        Urgency::Overdue
    } else if cal.workdays_between(today, due) <= warn_days {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    }
}

fn err(field: &str, m: impl Into<String>) -> Invalid {
    Invalid(vec![FieldError::new(field, m)])
}

/// Computes the state from the events (in the order they happened) as seen on `today`. Refuses an
/// event list that breaks a rule, naming the field of the offending event.
pub fn compute(cal: &Calendar, events: &[ClockEvent], today: NaiveDate) -> Result<ClockState, Invalid> {
    let mut st = ClockState {
        stage: Stage::AwaitingConfirmation,
        received_on: None,
        clock_start: None,
        correction_notice_due: None,
        correction_requested: false,
        applicant_deadline: None,
        extension_days: 0,
        due: None,
        closed_on: None,
        outcome: None,
        explanation: Vec::new(),
    };
    // Pause intervals (start, end] with their reason; end None = still open.
    let mut pauses: Vec<(NaiveDate, Option<NaiveDate>, String)> = Vec::new();
    let mut last = None::<NaiveDate>;
    let mut notes = Vec::new();
    for ev in events {
        let on = ev.on();
        if last.is_some_and(|l| on < l) {
            return Err(err("on", format!("{on} 早于上一环节的日期 {}", last.unwrap_or(on))));
        }
        if on > today {
            return Err(err("on", format!("日期 {on} 晚于今天")));
        }
        last = Some(on);
        if st.stage == Stage::Closed {
            return Err(err("on", "申请已办结，不能再登记办理环节"));
        }
        let running_due = |st: &ClockState, pauses: &[(NaiveDate, Option<NaiveDate>, String)]| {
            st.clock_start.map(|s| due_with(cal, s, REPLY_DAYS + st.extension_days, pauses, on))
        };
        match ev {
            ClockEvent::Received { .. } => {
                if st.received_on.is_some() {
                    return Err(err("received_on", "收到申请日期只能登记一次"));
                }
                st.received_on = Some(on);
                st.clock_start = Some(on);
                st.correction_notice_due = Some(cal.add_workdays(on, CORRECTION_NOTICE_DAYS).date);
                st.stage = Stage::Running;
            }
            ClockEvent::CorrectionRequested { deadline, .. } => {
                if st.stage != Stage::Running {
                    return Err(err("correction", format!("“{}”状态下不能告知补正", st.stage.label())));
                }
                if st.correction_requested {
                    return Err(err("correction", "补正应一次性告知，本申请已告知过补正（第三十条）"));
                }
                if st.extension_days > 0 || !pauses.is_empty() {
                    return Err(err("correction", "已延期或征求意见的申请不能再告知补正"));
                }
                if let Some(limit) = st.correction_notice_due {
                    if on > limit {
                        return Err(err(
                            "correction",
                            format!("补正告知应在收到申请之日起7个工作日内（{limit} 前）发出（第三十条）"),
                        ));
                    }
                }
                if *deadline <= on {
                    return Err(err("deadline", "补正期限须晚于告知日期"));
                }
                st.correction_requested = true;
                st.applicant_deadline = Some(*deadline);
                st.clock_start = None;
                st.stage = Stage::AwaitingCorrection;
                notes.push(format!("{on} 告知补正，补正期限至 {deadline}；原期限作废，收到补正后重新起算"));
            }
            ClockEvent::CorrectionReceived { .. } => {
                if st.stage != Stage::AwaitingCorrection {
                    return Err(err("correction", "没有待补正的告知"));
                }
                st.clock_start = Some(on);
                st.applicant_deadline = None;
                st.stage = Stage::Running;
                notes.push(format!("{on} 收到补正后的申请，答复期限自此重新计算（第三十条）"));
            }
            ClockEvent::Extended { days, .. } => {
                if st.stage == Stage::AwaitingConfirmation || st.stage == Stage::AwaitingCorrection {
                    return Err(err("days", format!("“{}”状态下不能延期", st.stage.label())));
                }
                if st.extension_days > 0 {
                    return Err(err("days", "答复期限只能延长一次（第三十三条第二款）"));
                }
                if *days == 0 || *days > MAX_EXTENSION_DAYS {
                    return Err(err("days", "延长的期限应为1至20个工作日（第三十三条第二款）"));
                }
                if let Some(d) = running_due(&st, &pauses) {
                    if on > d.date {
                        return Err(err("on", format!("延期应在原答复期限 {} 届满前决定并告知申请人", d.date)));
                    }
                }
                st.extension_days = *days;
                notes.push(format!("{on} 经政府信息公开工作机构负责人同意延期 {days} 个工作日，并告知申请人"));
            }
            ClockEvent::ConsultationStarted { party, .. } => {
                if st.stage != Stage::Running {
                    return Err(err("consultation", format!("“{}”状态下不能开始征求意见", st.stage.label())));
                }
                pauses.push((on, None, format!("征求{party}意见（第三十三条第三款）")));
                st.stage = Stage::Consulting;
            }
            ClockEvent::ConsultationEnded { .. } => {
                let Some(p) = pauses.last_mut().filter(|p| p.1.is_none() && st.stage == Stage::Consulting) else {
                    return Err(err("consultation", "没有进行中的征求意见"));
                };
                p.1 = Some(on);
                st.stage = Stage::Running;
            }
            ClockEvent::FeeNotified { deadline, .. } => {
                if st.stage != Stage::Running {
                    return Err(err("fee", format!("“{}”状态下不能发出收费通知", st.stage.label())));
                }
                if *deadline <= on {
                    return Err(err("deadline", "缴费期限须晚于通知日期"));
                }
                pauses.push((on, None, "等待缴纳信息处理费（收费通知至缴费）".into()));
                st.applicant_deadline = Some(*deadline);
                st.stage = Stage::AwaitingFee;
            }
            ClockEvent::FeePaid { .. } => {
                let Some(p) = pauses.last_mut().filter(|p| p.1.is_none() && st.stage == Stage::AwaitingFee) else {
                    return Err(err("fee", "没有待缴的收费通知"));
                };
                p.1 = Some(on);
                st.applicant_deadline = None;
                st.stage = Stage::Running;
            }
            ClockEvent::Closed { outcome, .. } => {
                if st.received_on.is_none() && !matches!(outcome, Outcome::OtherOther | Outcome::Petition) {
                    return Err(err("outcome", "尚未确认收到的申请只能以“其他”或“信访举报投诉类申请”办结"));
                }
                if *outcome == Outcome::NoCorrection
                    && !(st.stage == Stage::AwaitingCorrection && st.applicant_deadline.is_some_and(|d| on > d))
                {
                    return Err(err("outcome", "只有补正期限届满仍未补正的申请才能以“逾期不补正”办结"));
                }
                if *outcome == Outcome::NoFee
                    && !(st.stage == Stage::AwaitingFee && st.applicant_deadline.is_some_and(|d| on > d))
                {
                    return Err(err("outcome", "只有缴费期限届满仍未缴费的申请才能以“逾期未缴费”办结"));
                }
                // The reply deadline as it stood when the case closed.
                if let Some(p) = pauses.last_mut().filter(|p| p.1.is_none()) {
                    p.1 = Some(on);
                }
                st.due = running_due(&st, &pauses);
                st.closed_on = Some(on);
                st.outcome = Some(*outcome);
                st.applicant_deadline = None;
                st.stage = Stage::Closed;
            }
        }
    }
    if st.stage != Stage::Closed {
        st.due = st.clock_start.map(|s| due_with(cal, s, REPLY_DAYS + st.extension_days, &pauses, today));
    }
    st.explanation = explain(&st, &notes, &pauses);
    Ok(st)
}

fn due_with(
    cal: &Calendar,
    start: NaiveDate,
    days: u32,
    pauses: &[(NaiveDate, Option<NaiveDate>, String)],
    today: NaiveDate,
) -> Counted {
    cal.add_workdays_pausing(start, days, |d| {
        pauses.iter().find(|(s, e, _)| d > *s && d <= e.unwrap_or(today)).map(|p| p.2.clone())
    })
}

fn explain(st: &ClockState, notes: &[String], pauses: &[(NaiveDate, Option<NaiveDate>, String)]) -> Vec<String> {
    let mut out = Vec::new();
    match st.received_on {
        None => out.push("尚未确认收到申请，答复期限尚未起算".into()),
        Some(r) => {
            out.push(format!("收到申请之日：{r}（当日不计入，自次日起算）"));
            if let Some(c) = st.correction_notice_due {
                out.push(format!("补正告知期限：{c}（收到申请后第7个工作日）"));
            }
        }
    }
    out.extend(notes.iter().cloned());
    for (s, e, why) in pauses {
        match e {
            Some(e) => out.push(format!("{s} 至 {e}：{why}，{s} 次日至 {e} 不计入期限")),
            None => out.push(format!("{s} 起：{why}，期限暂停中，截止日期将顺延")),
        }
    }
    if let Some(d) = &st.due {
        out.push(format!(
            "答复期限：{} 个工作日（法定20个工作日{}）",
            d.days,
            if st.extension_days > 0 { format!("，延长{}个工作日", st.extension_days) } else { String::new() }
        ));
        out.extend(d.explain().into_iter().skip(1));
    } else if st.stage == Stage::AwaitingCorrection {
        out.push("等待补正：收到补正后的申请之日起重新计算20个工作日".into());
    }
    out
}

/// The default 补正 deadline the agency sets: `days` working days after the notice.
pub fn correction_deadline(cal: &Calendar, notice_on: NaiveDate, days: u32) -> NaiveDate {
    cal.add_workdays(notice_on, days).date
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> Calendar {
        Calendar::national().unwrap()
    }

    const TODAY: &str = "2026-11-27";

    #[test]
    fn plain_receipt_gives_20_working_days() {
        let st = compute(&cal(), &[ClockEvent::Received { on: d("2025-09-26") }], d(TODAY)).unwrap();
        assert_eq!(st.stage, Stage::Running);
        assert_eq!(st.due_on(), Some(d("2025-10-30")));
        assert_eq!(st.correction_notice_due, Some(d("2025-10-13")));
        let text = st.explanation.join("\n");
        assert!(text.contains("国庆节"), "{text}");
        assert!(text.contains("收到申请之日：2025-09-26"));
    }

    #[test]
    fn unconfirmed_has_no_deadline() {
        let st = compute(&cal(), &[], d(TODAY)).unwrap();
        assert_eq!(st.stage, Stage::AwaitingConfirmation);
        assert!(st.due.is_none());
    }

    #[test]
    fn correction_restarts_the_clock() {
        let ev = [
            ClockEvent::Received { on: d("2025-03-03") },
            ClockEvent::CorrectionRequested { on: d("2025-03-05"), deadline: d("2025-03-26") },
            ClockEvent::CorrectionReceived { on: d("2025-03-10") },
        ];
        let st = compute(&cal(), &ev, d(TODAY)).unwrap();
        assert_eq!(st.clock_start, Some(d("2025-03-10")));
        assert_eq!(st.due_on(), Some(cal().add_workdays(d("2025-03-10"), 20).date));
        // A second 补正 is refused.
        let mut ev2 = ev.to_vec();
        ev2.push(ClockEvent::CorrectionRequested { on: d("2025-03-11"), deadline: d("2025-03-30") });
        let e = compute(&cal(), &ev2, d(TODAY)).unwrap_err();
        assert_eq!(e.0[0].field, "correction");
        assert!(e.0[0].message.contains("一次性"));
    }

    #[test]
    fn correction_after_seven_working_days_is_refused() {
        let ev = [
            ClockEvent::Received { on: d("2025-09-26") },
            ClockEvent::CorrectionRequested { on: d("2025-10-14"), deadline: d("2025-11-01") },
        ];
        let e = compute(&cal(), &ev, d(TODAY)).unwrap_err();
        assert!(e.0[0].message.contains("2025-10-13"), "{e}");
    }

    #[test]
    fn lapsed_correction_closes_as_no_correction_only_after_the_deadline() {
        let base = vec![
            ClockEvent::Received { on: d("2025-03-03") },
            ClockEvent::CorrectionRequested { on: d("2025-03-05"), deadline: d("2025-03-26") },
        ];
        let st = compute(&cal(), &base, d("2025-03-27")).unwrap();
        assert!(st.applicant_lapsed(d("2025-03-27")));
        let mut early = base.clone();
        early.push(ClockEvent::Closed { on: d("2025-03-20"), outcome: Outcome::NoCorrection });
        assert_eq!(compute(&cal(), &early, d(TODAY)).unwrap_err().0[0].field, "outcome");
        let mut late = base;
        late.push(ClockEvent::Closed { on: d("2025-03-27"), outcome: Outcome::NoCorrection });
        let st = compute(&cal(), &late, d(TODAY)).unwrap();
        assert_eq!(st.stage, Stage::Closed);
        assert_eq!(st.outcome, Some(Outcome::NoCorrection));
    }

    #[test]
    fn extension_once_up_to_20_days_before_due() {
        let r = ClockEvent::Received { on: d("2025-09-26") };
        let ok = [r.clone(), ClockEvent::Extended { on: d("2025-10-20"), days: 20 }];
        assert_eq!(compute(&cal(), &ok, d(TODAY)).unwrap().due_on(), Some(d("2025-11-27")));
        let too_long = [r.clone(), ClockEvent::Extended { on: d("2025-10-20"), days: 21 }];
        assert_eq!(compute(&cal(), &too_long, d(TODAY)).unwrap_err().0[0].field, "days");
        let twice = [
            r.clone(),
            ClockEvent::Extended { on: d("2025-10-20"), days: 5 },
            ClockEvent::Extended { on: d("2025-10-21"), days: 5 },
        ];
        assert!(compute(&cal(), &twice, d(TODAY)).unwrap_err().0[0].message.contains("一次"));
        let late = [r, ClockEvent::Extended { on: d("2025-10-31"), days: 5 }];
        assert_eq!(compute(&cal(), &late, d(TODAY)).unwrap_err().0[0].field, "on");
    }

    #[test]
    fn consultation_pauses_the_clock() {
        // Received Mon 2025-03-03; consultation from Wed 03-05 to Wed 03-12 pauses 03-06..03-12 (5 WD).
        let ev = [
            ClockEvent::Received { on: d("2025-03-03") },
            ClockEvent::ConsultationStarted { on: d("2025-03-05"), party: "第三方".into() },
            ClockEvent::ConsultationEnded { on: d("2025-03-12") },
        ];
        let st = compute(&cal(), &ev, d(TODAY)).unwrap();
        let plain = cal().add_workdays(d("2025-03-03"), 20).date;
        assert_eq!(st.due_on(), Some(cal().add_workdays(plain, 5).date));
        assert!(st.explanation.iter().any(|l| l.contains("征求第三方意见")));
        // Open consultation: stage says so, deadline moves with today.
        let st = compute(&cal(), &ev[..2], d("2025-03-12")).unwrap();
        assert_eq!(st.stage, Stage::Consulting);
        assert_eq!(st.due_on(), Some(cal().add_workdays(plain, 5).date));
    }

    #[test]
    fn fee_notice_pauses_and_lapses() {
        let ev = [
            ClockEvent::Received { on: d("2025-03-03") },
            ClockEvent::FeeNotified { on: d("2025-03-04"), deadline: d("2025-04-01") },
            ClockEvent::FeePaid { on: d("2025-03-07") },
        ];
        let st = compute(&cal(), &ev, d(TODAY)).unwrap();
        let plain = cal().add_workdays(d("2025-03-03"), 20).date;
        assert_eq!(st.due_on(), Some(cal().add_workdays(plain, 3).date));
        let lapsed =
            [ev[0].clone(), ev[1].clone(), ClockEvent::Closed { on: d("2025-04-02"), outcome: Outcome::NoFee }];
        assert_eq!(compute(&cal(), &lapsed, d(TODAY)).unwrap().outcome, Some(Outcome::NoFee));
    }

    #[test]
    fn future_and_out_of_order_dates_are_refused() {
        let e = compute(&cal(), &[ClockEvent::Received { on: d("2030-01-01") }], d(TODAY)).unwrap_err();
        assert!(e.0[0].message.contains("晚于今天"));
        let ev = [ClockEvent::Received { on: d("2025-03-03") }, ClockEvent::FeePaid { on: d("2025-03-01") }];
        assert!(compute(&cal(), &ev, d(TODAY)).is_err());
    }

    #[test]
    fn on_time_and_urgency() {
        let ev = [
            ClockEvent::Received { on: d("2025-09-26") },
            ClockEvent::Closed { on: d("2025-10-30"), outcome: Outcome::Granted },
        ];
        assert_eq!(compute(&cal(), &ev, d(TODAY)).unwrap().on_time(), Some(true));
        let c = cal();
        assert_eq!(urgency(&c, d("2025-10-31"), d("2025-10-30"), 3), Urgency::Overdue);
        assert_eq!(urgency(&c, d("2025-10-27"), d("2025-10-30"), 3), Urgency::DueSoon);
        assert_eq!(urgency(&c, d("2025-10-01"), d("2025-10-30"), 3), Urgency::Normal);
    }
}
