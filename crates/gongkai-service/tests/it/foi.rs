//! Disclosure on application: full lifecycles through the use cases, the statutory clock, the review
//! hook, calendar changes recomputing deadlines, warnings, the annual report and privacy of the applicant.

use chrono::NaiveDate;
use gongkai_domain::foi::clock::{Stage, Urgency};
use gongkai_domain::foi::{ApplicationInput, Outcome, reply_template};
use gongkai_domain::review::{Decision, Step};
use gongkai_domain::role::Role;
use gongkai_domain::workday::Calendar;
use gongkai_service::{AuditFilter, Ctx, FeeBasis, FoiAction, ReviewKind, ServiceError, StepInput};

use crate::support::env;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The fake clock's date in China.
const TODAY: &str = "2026-11-27";

pub fn input() -> ApplicationInput {
    ApplicationInput {
        applicant_type: "natural_person".into(),
        name: "王小明".into(),
        id_type: "id_card".into(),
        id_number: "11010519491231002X".into(),
        phone: "13800000000".into(),
        email: Some("wang@example.cn".into()),
        address: Some("示范省清江市某路1号".into()),
        description: "2026年清江市老旧小区改造项目清单".into(),
        form: "electronic".into(),
        delivery: "email".into(),
        ..Default::default()
    }
}

fn fields(e: &ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(i) => i.0.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn online_application_lifecycle_with_review_and_tracking() {
    let e = env().await;
    e.user("officer", &[(Role::DisclosureOfficer, "c1")]).await;
    e.user("head", &[(Role::DisclosureHead, "c1")]).await;
    e.user("signer", &[(Role::Signer, "c1")]).await;
    e.user("secrecy", &[(Role::ConfidentialityReviewer, "c1")]).await;
    e.user("legal", &[(Role::LegalReviewer, "c1")]).await;
    let officer = e.as_user("officer").await;
    let head = e.as_user("head").await;
    let signer = e.as_user("signer").await;
    let public = Ctx::anonymous(Some("192.0.2.7".into()));

    // Missing Art. 29 fields: every field named, nothing written.
    let err = e.svc.foi_submit(&public, "c1", &ApplicationInput::default()).await.unwrap_err();
    let f = fields(&err);
    for k in ["applicant_type", "name", "id_number", "phone", "description", "form", "delivery"] {
        assert!(f.contains(&k.to_string()), "{k} in {f:?}");
    }
    let err = e.svc.foi_submit(&public, "nope", &input()).await.unwrap_err();
    assert_eq!(fields(&err), vec!["org"]);

    let receipt = e.svc.foi_submit(&public, "c1", &input()).await.unwrap();
    assert_eq!(receipt.tracking_code.len(), 19);
    let t = e.svc.foi_track(&receipt.tracking_code.to_lowercase().replace('-', " ")).await.unwrap();
    assert_eq!(t.stage, Stage::AwaitingConfirmation);
    assert!(t.due_on.is_none());
    let shown = format!("{t:?}");
    assert!(!shown.contains("王小明") && !shown.contains("1101051949"), "tracking shows nothing personal");
    assert!(matches!(e.svc.foi_track("AAAA-BBBB-CCCC-DDDD").await, Err(ServiceError::NotFound(_))));

    // Staff confirm receipt (双方确认): the 20-day clock starts the next day.
    let id = receipt.id;
    let st = e.svc.foi_act(&officer, id, &FoiAction::ConfirmReceipt { on: d(TODAY) }).await.unwrap();
    let cal = Calendar::national().unwrap();
    assert_eq!(st.due_on(), Some(cal.add_workdays(d(TODAY), 20).date));
    let err = e.svc.foi_act(&officer, id, &FoiAction::ConfirmReceipt { on: d(TODAY) }).await.unwrap_err();
    assert_eq!(fields(&err), vec!["received_on"]);

    // Only the head of the disclosure office extends; at most 20 days, once.
    let ext = FoiAction::Extend { on: d(TODAY), days: 10, reason: "需调取档案".into() };
    assert!(matches!(e.svc.foi_act(&officer, id, &ext).await, Err(ServiceError::Forbidden(_))));
    let too_long = FoiAction::Extend { on: d(TODAY), days: 25, reason: "x".into() };
    assert_eq!(fields(&e.svc.foi_act(&head, id, &too_long).await.unwrap_err()), vec!["days"]);
    let st = e.svc.foi_act(&head, id, &ext).await.unwrap();
    assert_eq!(st.due_on(), Some(cal.add_workdays(d(TODAY), 30).date));
    assert_eq!(fields(&e.svc.foi_act(&head, id, &ext).await.unwrap_err()), vec!["days"]);

    // A reply without legal basis, or with an outcome that does not exist, is refused.
    let mut bad = reply_template(Outcome::Granted);
    bad.legal_basis = String::new();
    assert_eq!(fields(&e.svc.foi_draft_reply(&officer, id, &bad).await.unwrap_err()), vec!["legal_basis"]);
    bad = reply_template(Outcome::Granted);
    bad.outcome = "granted_maybe".into();
    assert_eq!(fields(&e.svc.foi_draft_reply(&officer, id, &bad).await.unwrap_err()), vec!["outcome"]);

    // Sending before review is refused; the author cannot approve; a signer can.
    e.svc.foi_draft_reply(&head, id, &reply_template(Outcome::Granted)).await.unwrap();
    assert!(matches!(e.svc.foi_send_reply(&officer, id, d(TODAY), "electronic").await, Err(ServiceError::Conflict(_))));
    assert!(matches!(e.svc.foi_approve_reply(&head, id).await, Err(ServiceError::Forbidden(_))));
    // Replies pass 保密审查 and 法制审核 before 签发.
    let r = e.svc.foi_approve_reply(&signer, id).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("保密审查")), "{r:?}");
    for (who, step) in [("secrecy", Step::Secrecy), ("legal", Step::Legal)] {
        let ctx = e.as_user(who).await;
        let input = StepInput { step, decision: Decision::Approve, opinion: "同意".into(), override_reason: None };
        e.svc.review_step(&ctx, ReviewKind::FoiReply, id, &input).await.unwrap();
    }
    e.svc.foi_approve_reply(&signer, id).await.unwrap();
    let st = e.svc.foi_send_reply(&officer, id, d(TODAY), "electronic").await.unwrap();
    assert_eq!(st.stage, Stage::Closed);
    assert_eq!(st.on_time(), Some(true));
    let t = e.svc.foi_track(&receipt.tracking_code).await.unwrap();
    assert_eq!((t.stage, t.outcome, t.closed_on), (Stage::Closed, Some(Outcome::Granted), Some(d(TODAY))));
    assert!(t.steps.iter().any(|(_, s)| s == "延长答复期限"));
    assert!(e.svc.foi_act(&officer, id, &FoiAction::FeePaid { on: d(TODAY) }).await.is_err(), "closed");

    // Every step is audited, and no audit entry carries the applicant's personal data.
    let filter = AuditFilter { action: Some("foi".into()), ..Default::default() };
    let rows = e.db.store.list_audit(&filter, 100, 0).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.record.action.as_str()).collect();
    for a in ["foi.submit", "foi.received", "foi.extended", "foi.reply_draft", "foi.reply_approve", "foi.reply_send"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let all = format!("{rows:?}");
    assert!(!all.contains("王小明") && !all.contains("11010519491231002X") && !all.contains("13800000000"));
}

#[tokio::test]
async fn correction_consultation_and_lapse() {
    let e = env().await;
    e.user("officer", &[(Role::DisclosureOfficer, "p")]).await;
    let officer = e.as_user("officer").await;
    // Registration of an in-person application needs its receipt date, not in the future.
    let err = e.svc.foi_register(&officer, "c1-dept", "in_person", &input(), None).await.unwrap_err();
    assert_eq!(fields(&err), vec!["received_on"]);
    let err = e.svc.foi_register(&officer, "c1-dept", "in_person", &input(), Some(d("2026-12-01"))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["received_on"]);
    let r = e.svc.foi_register(&officer, "c1-dept", "in_person", &input(), Some(d("2026-11-02"))).await.unwrap();
    let id = r.id;

    let req = FoiAction::RequestCorrection { on: d("2026-11-04"), deadline: None, items: "请明确年份".into() };
    let st = e.svc.foi_act(&officer, id, &req).await.unwrap();
    assert_eq!(st.stage, Stage::AwaitingCorrection);
    assert!(st.due.is_none());
    assert!(st.applicant_deadline.is_some());
    let again = FoiAction::RequestCorrection { on: d("2026-11-05"), deadline: None, items: "再补".into() };
    assert_eq!(fields(&e.svc.foi_act(&officer, id, &again).await.unwrap_err()), vec!["correction"]);
    let st = e.svc.foi_act(&officer, id, &FoiAction::CorrectionReceived { on: d("2026-11-09") }).await.unwrap();
    let cal = Calendar::national().unwrap();
    assert_eq!(st.due_on(), Some(cal.add_workdays(d("2026-11-09"), 20).date), "restarted");

    let start = FoiAction::StartConsultation { on: d("2026-11-10"), party: "第三方企业".into() };
    e.svc.foi_act(&officer, id, &start).await.unwrap();
    let st = e.svc.foi_act(&officer, id, &FoiAction::EndConsultation { on: d("2026-11-17") }).await.unwrap();
    assert_eq!(st.due_on(), Some(cal.add_workdays(cal.add_workdays(d("2026-11-09"), 20).date, 5).date));

    // A second application lapses: 视为放弃 only after the 补正 deadline.
    let r2 = e.svc.foi_register(&officer, "c1", "post", &input(), Some(d("2026-10-08"))).await.unwrap();
    let req = FoiAction::RequestCorrection { on: d("2026-10-09"), deadline: Some(d("2026-10-30")), items: "x".into() };
    e.svc.foi_act(&officer, r2.id, &req).await.unwrap();
    let lapse = FoiAction::CloseLapsed { on: d("2026-11-02"), outcome: "no_correction".into() };
    let st = e.svc.foi_act(&officer, r2.id, &lapse).await.unwrap();
    assert_eq!(st.outcome, Some(Outcome::NoCorrection));
    let wrong = FoiAction::CloseLapsed { on: d("2026-11-02"), outcome: "granted".into() };
    assert_eq!(fields(&e.svc.foi_act(&officer, id, &wrong).await.unwrap_err()), vec!["outcome"]);
}

#[tokio::test]
async fn rate_limit_per_address() {
    let e = env().await;
    let ip = Ctx::anonymous(Some("198.51.100.1".into()));
    for _ in 0..5 {
        e.svc.foi_submit(&ip, "c1", &input()).await.unwrap();
    }
    assert!(matches!(e.svc.foi_submit(&ip, "c1", &input()).await, Err(ServiceError::RateLimited(_))));
    e.svc.foi_submit(&Ctx::anonymous(Some("198.51.100.2".into())), "c1", &input()).await.unwrap();
    e.clock.advance_ms(61 * 60_000);
    e.svc.foi_submit(&ip, "c1", &input()).await.unwrap();
}

#[tokio::test]
async fn calendar_change_recomputes_and_supervisor_sees_overdue() {
    let e = env().await;
    e.user("officer", &[(Role::DisclosureOfficer, "c1")]).await;
    e.user("super", &[(Role::Supervisor, "p")]).await;
    e.user("admin", &[(Role::SystemAdmin, "p")]).await;
    let officer = e.as_user("officer").await;
    let sup = e.as_user("super").await;
    let r = e.svc.foi_register(&officer, "c1", "in_person", &input(), Some(d(TODAY))).await.unwrap();
    let before = e.svc.foi_view(&officer, r.id).await.unwrap().clock.due_on().unwrap();

    // Officers may not change the calendar; an adjustment needs its source document.
    assert!(e.svc.calendar_adjust(&officer, "", d("2026-12-01"), false, "临时闭馆", "通知").await.is_err());
    let admin = Ctx::system();
    let err = e.svc.calendar_adjust(&admin, "", d("2026-12-01"), false, "临时闭馆", " ").await.unwrap_err();
    assert_eq!(fields(&err), vec!["source_document"]);
    let moved =
        e.svc.calendar_adjust(&admin, "", d("2026-12-01"), false, "临时闭馆", "示范省政府通知〔2026〕1号").await;
    assert_eq!(moved.unwrap(), 1);
    let v = e.svc.foi_view(&officer, r.id).await.unwrap();
    assert_eq!(v.clock.due_on(), Some(Calendar::national().unwrap().add_workdays(before, 1).date));
    assert!(v.clock.explanation.iter().any(|l| l.contains("临时闭馆")));
    let filter = AuditFilter { action: Some("foi.deadline_recomputed".into()), ..Default::default() };
    assert_eq!(e.db.store.list_audit(&filter, 10, 0).await.unwrap().len(), 1);

    // The supervisor of the province sees the city's application; overdue once the date passes.
    e.clock.advance_ms(60 * 86_400_000);
    let list = e.svc.foi_list(&sup, "p", true, true, 50, 0).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].urgency, Some(Urgency::Overdue));
    assert!(matches!(e.svc.foi_list(&officer, "p", true, false, 50, 0).await, Err(ServiceError::Forbidden(_))));
}

#[tokio::test]
async fn annual_report_from_records_and_disputes() {
    let e = env().await;
    e.user("officer", &[(Role::DisclosureOfficer, "p")]).await;
    e.user("signer", &[(Role::Signer, "p")]).await;
    let officer = e.as_user("officer").await;
    let signer = e.as_user("signer").await;
    // This province signs replies off without further steps.
    e.svc.set_review_chain(&Ctx::system(), "p", "foi_reply", Some("signoff")).await.unwrap();
    let mut org = input();
    org.applicant_type = "legal_service".into();
    org.id_type = "credit_code".into();
    org.id_number = "91350100M000100Y43".into();
    org.contact_person = Some("李律师".into());
    let a = e.svc.foi_register(&officer, "c1", "in_person", &input(), Some(d("2026-03-02"))).await.unwrap();
    let b = e.svc.foi_register(&officer, "c1", "post", &org, Some(d("2026-05-06"))).await.unwrap();
    e.svc.foi_register(&officer, "c1", "in_person", &input(), Some(d("2026-11-02"))).await.unwrap();
    let mut partial = reply_template(Outcome::Partial);
    partial.reason = Some("部分内容涉及个人隐私".into());
    for (id, draft) in [(a.id, reply_template(Outcome::Granted)), (b.id, partial)] {
        e.svc.foi_draft_reply(&officer, id, &draft).await.unwrap();
        e.svc.foi_approve_reply(&signer, id).await.unwrap();
    }
    e.svc.foi_send_reply(&officer, a.id, d("2026-03-20"), "direct").await.unwrap();
    e.svc.foi_send_reply(&officer, b.id, d("2026-05-20"), "post").await.unwrap();
    let case = e.svc.foi_add_case(&officer, b.id, "reconsideration", d("2026-06-10"), None).await.unwrap();
    e.svc.foi_decide_case(&officer, b.id, case, "corrected", Some(d("2026-08-01"))).await.unwrap();
    assert!(e.svc.foi_add_case(&officer, b.id, "appeal", d("2026-06-10"), None).await.is_err());

    let r = e.svc.foi_annual_report(&officer, "c1", 2026, false).await.unwrap();
    assert_eq!(r.table3.get("new_received", "total"), Some(3));
    assert_eq!(r.table3.get("granted", "natural_person"), Some(1));
    assert_eq!(r.table3.get("partial", "legal_service"), Some(1));
    assert_eq!(r.table3.get("results_total", "total"), Some(2));
    assert_eq!(r.table3.get("carried_forward", "natural_person"), Some(1));
    assert_eq!(r.table4.blocks[0], [0, 1, 0, 0, 1]);
    // The province's own report has none of the city's applications; its subtree report has all.
    let own = e.svc.foi_annual_report(&officer, "p", 2026, false).await.unwrap();
    assert_eq!(own.table3.get("new_received", "total"), Some(0));
    let all = e.svc.foi_annual_report(&officer, "p", 2026, true).await.unwrap();
    assert_eq!(all.table3.get("new_received", "total"), Some(3));
}

#[tokio::test]
async fn fee_notices_follow_the_109_tiers_per_applicant_and_month() {
    let e = env().await;
    e.user("officer", &[(Role::DisclosureOfficer, "p")]).await;
    let officer = e.as_user("officer").await;
    // Eleven applications of one applicant in November (to two organisations), one in October.
    let mut ids = Vec::new();
    let oct = e.svc.foi_register(&officer, "c1", "in_person", &input(), Some(d("2026-10-30"))).await.unwrap();
    for i in 0..11 {
        let org = if i % 2 == 0 { "c1" } else { "c2" };
        let day = format!("2026-11-{:02}", i + 2);
        ids.push(e.svc.foi_register(&officer, org, "in_person", &input(), Some(d(&day))).await.unwrap().id);
    }
    let mut other = input();
    other.id_number = "110105198001010016".into();
    let stranger = e.svc.foi_register(&officer, "c1", "in_person", &other, Some(d("2026-11-20"))).await.unwrap();

    // 按件: the 10th of the month is free, the 11th costs 100 元; October and another applicant do not count.
    let (fee, how) = e.svc.foi_fee(ids[9], FeeBasis::Items(1)).await.unwrap();
    assert_eq!(fee, 0, "{how}");
    let (fee, how) = e.svc.foi_fee(ids[10], FeeBasis::Items(1)).await.unwrap();
    assert_eq!(fee, 100, "{how}");
    assert!(how.contains("第11至11件"), "{how}");
    assert_eq!(e.svc.foi_fee(oct.id, FeeBasis::Items(1)).await.unwrap().0, 0);
    assert_eq!(e.svc.foi_fee(stranger.id, FeeBasis::Items(1)).await.unwrap().0, 0);
    // 按量: 31 pages cost 10 元; 30 are free.
    assert_eq!(e.svc.foi_fee(stranger.id, FeeBasis::Pages(31)).await.unwrap().0, 10);
    assert_eq!(e.svc.foi_fee(stranger.id, FeeBasis::Pages(30)).await.unwrap().0, 0);

    // A notice that would charge nothing is refused, naming the quantity; a chargeable one records the
    // computed amount and how it was computed, and pauses the clock.
    let on = d("2026-11-24");
    let free = FoiAction::FeeNotice { on, basis: FeeBasis::Items(1), deadline: None };
    assert_eq!(fields(&e.svc.foi_act(&officer, ids[9], &free).await.unwrap_err()), vec!["quantity"]);
    let notice = FoiAction::FeeNotice { on, basis: FeeBasis::Items(1), deadline: None };
    assert_eq!(e.svc.foi_act(&officer, ids[10], &notice).await.unwrap().stage, Stage::AwaitingFee);
    let v = e.svc.foi_view(&officer, ids[10]).await.unwrap();
    let ev = v.events.iter().find(|ev| ev.kind == "fee_notified").unwrap();
    assert_eq!(ev.amount_yuan, Some(100));
    assert!(ev.note.as_deref().unwrap_or_default().contains("按件计收"), "{:?}", ev.note);
    assert!(matches!(FeeBasis::parse("weight", "3"), Err(ServiceError::Invalid(_))));
    assert_eq!(fields(&FeeBasis::parse("items", "0").unwrap_err()), vec!["quantity"]);
}

#[tokio::test]
async fn statistics_over_a_subtree_match_a_hand_count() {
    let e = env().await;
    e.user("officer", &[(Role::DisclosureOfficer, "p")]).await;
    e.user("signer", &[(Role::Signer, "p")]).await;
    e.user("super", &[(Role::Supervisor, "p")]).await;
    let officer = e.as_user("officer").await;
    let signer = e.as_user("signer").await;
    let sup = e.as_user("super").await;
    e.svc.set_review_chain(&Ctx::system(), "p", "foi_reply", Some("signoff")).await.unwrap();
    // c1: two received (one answered in time, one open and overdue by today); c2: one answered in time and
    // taken to reconsideration, which corrected it; the province itself: one, still open but not due.
    let a = e.svc.foi_register(&officer, "c1", "in_person", &input(), Some(d("2026-03-02"))).await.unwrap();
    e.svc.foi_register(&officer, "c1-dept", "in_person", &input(), Some(d("2026-09-01"))).await.unwrap();
    let b = e.svc.foi_register(&officer, "c2", "in_person", &input(), Some(d("2026-05-06"))).await.unwrap();
    e.svc.foi_register(&officer, "p", "in_person", &input(), Some(d("2026-11-20"))).await.unwrap();
    for id in [a.id, b.id] {
        e.svc.foi_draft_reply(&officer, id, &reply_template(Outcome::Granted)).await.unwrap();
        e.svc.foi_approve_reply(&signer, id).await.unwrap();
    }
    e.svc.foi_send_reply(&officer, a.id, d("2026-03-20"), "direct").await.unwrap();
    e.svc.foi_send_reply(&officer, b.id, d("2026-05-20"), "post").await.unwrap();
    let case = e.svc.foi_add_case(&officer, b.id, "reconsideration", d("2026-06-10"), None).await.unwrap();
    e.svc.foi_decide_case(&officer, b.id, case, "corrected", Some(d("2026-08-01"))).await.unwrap();

    let v = e.svc.foi_stats(&sup, "p", d("2026-01-01"), d("2026-12-31")).await.unwrap();
    let names: Vec<&str> = v.buckets.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, vec!["p", "c1", "c2"]);
    let t = &v.stats.total;
    assert_eq!((t.received, t.closed, t.open, t.overdue_open), (4, 2, 2, 1));
    assert_eq!((t.closed_on_time, t.closed_late), (2, 0));
    assert_eq!((t.disputed, t.cases_decided, t.cases_corrected), (1, 1, 1));
    assert_eq!(t.dispute_permille(), Some(250));
    assert_eq!(t.corrected_permille(), Some(1000));
    assert_eq!(v.stats.buckets[0].received, 1);
    assert_eq!((v.stats.buckets[1].received, v.stats.buckets[1].overdue_open), (2, 1));
    assert_eq!(v.stats.buckets[2].disputed, 1);
    assert_eq!(v.stats.outcomes, vec![(Outcome::Granted, 2)]);
    let march = v.stats.months.iter().find(|m| m.month == "2026-03").unwrap();
    assert_eq!((march.received, march.closed), (1, 1));

    // The same period for c1 only; a reversed period names the field; outsiders are refused.
    let c1 = e.svc.foi_stats(&sup, "c1", d("2026-01-01"), d("2026-12-31")).await.unwrap();
    assert_eq!(c1.stats.total.received, 2);
    let err = e.svc.foi_stats(&sup, "p", d("2026-12-31"), d("2026-01-01")).await.unwrap_err();
    assert_eq!(fields(&err), vec!["to"]);
    e.user("outsider", &[(Role::Editor, "c2")]).await;
    let outsider = e.as_user("outsider").await;
    assert!(matches!(
        e.svc.foi_stats(&outsider, "p", d("2026-01-01"), d("2026-12-31")).await,
        Err(ServiceError::Forbidden(_))
    ));

    // Escalation: the overdue one reaches the province supervisor's start page, counted once.
    let alerts = e.svc.foi_alerts(&sup).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!((alerts[0].org_code.as_str(), alerts[0].overdue), ("p", 1));
    assert!(e.svc.foi_alerts(&outsider).await.unwrap().is_empty());
}
