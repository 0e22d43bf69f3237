//! Pre-publication review (公开前审查): the chain in order with its roles, returns and rounds, the
//! screening of body and attachments at publication, overrides with a written reason, chains
//! configured per organisation subtree and class, visibility and the dashboard.

use gongkai_domain::document::{EditionEvent, EditionState};
use gongkai_domain::review::{Decision, Step};
use gongkai_domain::role::Role;
use gongkai_domain::screen::id_check_char;
use gongkai_service::{Ctx, ReviewKind, ServiceError, StepInput};

use crate::documents::{input, lib, pre_review};

fn step(step: Step, decision: Decision, opinion: &str) -> StepInput {
    StepInput { step, decision, opinion: opinion.into(), override_reason: None }
}

/// A valid 18-digit 公民身份号码 (GB 11643 check digit).
pub(crate) fn id_number() -> String {
    let first17 = "11010519491231002";
    format!("{first17}{}", id_check_char(first17.as_bytes()).unwrap())
}

pub(crate) async fn open_edition(l: &crate::documents::Lib, doc_id: i64) -> i64 {
    l.e.svc.staff_document(&l.signer, doc_id).await.unwrap().open.unwrap().id
}

#[tokio::test]
async fn steps_go_in_order_by_their_roles_never_by_the_author() {
    let l = lib().await;
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("清江市审查链测试办法")).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let ed = open_edition(&l, doc.id).await;

    // 签发 before 保密审查 and 法制审核 (a normative document) is refused, naming the missing step.
    let r = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Approve, None, None).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("保密审查")), "{r:?}");
    // Out of order, or by the wrong role.
    let r = l.e.svc.review_step(&l.legal, ReviewKind::Edition, ed, &step(Step::Legal, Decision::Approve, "")).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("保密审查")), "{r:?}");
    let r = l.e.svc.review_step(&l.legal, ReviewKind::Edition, ed, &step(Step::Secrecy, Decision::Approve, "")).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    // The author never reviews their own draft, even holding the role.
    l.e.svc.grant(&Ctx::system(), "editor", Role::ConfidentialityReviewer, "c1").await.unwrap();
    let editor = l.e.as_user("editor").await;
    let r = l.e.svc.review_step(&editor, ReviewKind::Edition, ed, &step(Step::Secrecy, Decision::Approve, "")).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(ref m)) if m.contains("自己")), "{r:?}");

    let view = l.e.svc.review_view(&l.secrecy, ReviewKind::Edition, ed).await.unwrap();
    assert_eq!(view.chain, vec![Step::Secrecy, Step::Legal, Step::Signoff]);
    assert_eq!(view.pending, Some(Step::Secrecy));
    assert!(view.can_take);
    assert!(view.screening.is_some(), "screened at submission");
    let pending = l.e.svc.pending_reviews(&l.secrecy).await.unwrap();
    assert_eq!(pending.iter().map(|p| (p.id, p.step)).collect::<Vec<_>>(), vec![(ed, Step::Secrecy)]);
    assert!(l.e.svc.pending_reviews(&l.legal).await.unwrap().is_empty(), "not yet the legal reviewer's turn");

    l.e.svc
        .review_step(&l.secrecy, ReviewKind::Edition, ed, &step(Step::Secrecy, Decision::Approve, "不涉密"))
        .await
        .unwrap();
    l.e.svc
        .review_step(&l.legal, ReviewKind::Edition, ed, &step(Step::Legal, Decision::Approve, "合法"))
        .await
        .unwrap();
    l.e.svc
        .review_step(&l.signer, ReviewKind::Edition, ed, &step(Step::Signoff, Decision::Approve, "同意发布"))
        .await
        .unwrap();
    let d = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    assert!(d.public);

    let view = l.e.svc.review_view(&l.signer, ReviewKind::Edition, ed).await.unwrap();
    let rec: Vec<(&str, &str, &str, &str)> = view
        .records
        .iter()
        .map(|r| (r.step.as_str(), r.decision.as_str(), r.opinion.as_str(), r.reviewer_name.as_str()))
        .collect();
    assert_eq!(
        rec,
        vec![
            ("secrecy", "approve", "不涉密", "secrecy"),
            ("legal", "approve", "合法", "legal"),
            ("signoff", "approve", "同意发布", "signer")
        ]
    );
    // Staff and the audit administrator see the record; the public never does.
    l.e.user("auditor", &[(Role::AuditAdmin, "p")]).await;
    let auditor = l.e.as_user("auditor").await;
    assert_eq!(l.e.svc.review_view(&auditor, ReviewKind::Edition, ed).await.unwrap().records.len(), 3);
    let r = l.e.svc.review_view(&Ctx::anonymous(None), ReviewKind::Edition, ed).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    let actions = l.e.actions().await;
    for a in ["review.screen", "review.step", "document.approve", "document.publish"] {
        assert!(actions.iter().any(|(x, _)| x == a), "{a} audited");
    }
}

#[tokio::test]
async fn a_return_starts_a_new_round_from_the_first_step() {
    let l = lib().await;
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("清江市退回测试办法")).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let ed = open_edition(&l, doc.id).await;
    l.e.svc
        .review_step(&l.secrecy, ReviewKind::Edition, ed, &step(Step::Secrecy, Decision::Approve, ""))
        .await
        .unwrap();
    let r = l.e.svc.review_step(&l.legal, ReviewKind::Edition, ed, &step(Step::Legal, Decision::Return, " ")).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].field == "opinion"), "{r:?}");
    l.e.svc
        .review_step(&l.legal, ReviewKind::Edition, ed, &step(Step::Legal, Decision::Return, "第二条缺少上位法依据"))
        .await
        .unwrap();
    let sd = l.e.svc.staff_document(&l.editor, doc.id).await.unwrap();
    let open = sd.open.unwrap();
    assert_eq!(open.state, EditionState::Returned);
    assert_eq!(open.state_reason.as_deref(), Some("第二条缺少上位法依据"));
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let view = l.e.svc.review_view(&l.secrecy, ReviewKind::Edition, ed).await.unwrap();
    assert_eq!(view.round, 2);
    assert_eq!(view.pending, Some(Step::Secrecy), "the new round starts again");
    assert_eq!(view.records.len(), 2);
    pre_review(&l, doc.id).await;
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Approve, None, None).await.unwrap();
}

#[tokio::test]
async fn an_id_number_in_an_attachment_blocks_until_overridden_with_a_reason() {
    let l = lib().await;
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("清江市补贴名单公示")).await.unwrap();
    let text = format!("补贴对象名单\n张三 身份证号：{} 补贴 3000 元\n", id_number());
    l.e.svc.add_attachment(&l.editor, doc.id, "名单.txt", text.as_bytes()).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let ed = open_edition(&l, doc.id).await;

    let view = l.e.svc.review_view(&l.secrecy, ReviewKind::Edition, ed).await.unwrap();
    assert!(view.blocked);
    assert!(view.can_override);
    let f = view.findings.iter().find(|f| f.kind == "id_card").expect("the ID number is found");
    assert_eq!(f.severity, "block");
    assert_eq!(f.location, "附件“名单.txt”");
    assert!(f.masked.contains('*') && !f.masked.contains(&id_number()), "only the masked form is stored");

    // Neither the secrecy step nor 签发 passes without an override.
    let r = l.e.svc.review_step(&l.secrecy, ReviewKind::Edition, ed, &step(Step::Secrecy, Decision::Approve, "")).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("身份证") && m.contains("名单.txt")), "{r:?}");
    // Only a 保密审查员 may override, with a written reason.
    let r = l.e.svc.review_override(&l.signer, ReviewKind::Edition, ed, "依法公示").await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    let r = l.e.svc.review_override(&l.secrecy, ReviewKind::Edition, ed, "  ").await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].field == "override_reason"), "{r:?}");

    let mut s = step(Step::Secrecy, Decision::Approve, "名单须依法公示");
    s.override_reason = Some("《补贴办法》第九条要求公示受补贴人身份信息".into());
    l.e.svc.review_step(&l.secrecy, ReviewKind::Edition, ed, &s).await.unwrap();
    l.e.svc.review_step(&l.legal, ReviewKind::Edition, ed, &step(Step::Legal, Decision::Approve, "")).await.unwrap();
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Approve, None, None).await.unwrap();
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();

    let actions = l.e.actions().await;
    assert!(actions.iter().any(|(x, _)| x == "review.override"), "override audited");
    // The dashboard counts the finding and lists the override with its reason.
    l.e.user("security", &[(Role::SecurityAdmin, "p")]).await;
    let security = l.e.as_user("security").await;
    let dash = l.e.svc.review_dashboard(&security, 30).await.unwrap();
    assert!(dash.stats.iter().any(|s| s.kind == "id_card" && s.org_name == "清江市人民政府" && s.n >= 1));
    assert_eq!(dash.overrides.len(), 1);
    assert!(dash.overrides[0].reason.contains("第九条"));
    assert!(matches!(l.e.svc.review_dashboard(&l.editor, 30).await, Err(ServiceError::Forbidden(_))));
}

#[tokio::test]
async fn a_blocking_finding_stops_publication_without_override() {
    let l = lib().await;
    let mut i = input("清江市处罚决定");
    i.fields.body.push_str(&format!("\n当事人身份证号：{}", id_number()));
    let (doc, _) = l.e.svc.create_document(&l.editor, &i).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    // Even an operator (not held to the chain) cannot approve it.
    let r = l.e.svc.document_transition(&Ctx::system(), doc.id, EditionEvent::Approve, None, None).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("正文")), "{r:?}");
    assert!(!l.e.svc.staff_document(&l.signer, doc.id).await.unwrap().doc.public);
}

#[tokio::test]
async fn chains_are_configured_per_subtree_and_class() {
    let l = lib().await;
    let sys = Ctx::system();
    l.e.svc.set_review_chain(&sys, "p", "normative", Some("signoff")).await.unwrap();
    l.e.svc.set_review_chain(&sys, "c1", "行政规范性文件", Some("legal,signoff")).await.unwrap();
    let c1 = l.e.svc.org_by_code("c1").await.unwrap().unwrap();
    let c2 = l.e.svc.org_by_code("c2").await.unwrap().unwrap();
    assert_eq!(l.e.svc.review_chain_for(&c1, "normative").await.unwrap(), vec![Step::Legal, Step::Signoff]);
    assert_eq!(l.e.svc.review_chain_for(&c2, "normative").await.unwrap(), vec![Step::Signoff]);
    assert_eq!(l.e.svc.review_chain_for(&c2, "other").await.unwrap(), vec![Step::Secrecy, Step::Signoff]);
    // Back to the parent's chain.
    l.e.svc.set_review_chain(&sys, "c1", "normative", None).await.unwrap();
    assert_eq!(l.e.svc.review_chain_for(&c1, "normative").await.unwrap(), vec![Step::Signoff]);
    // Bad input names its field; only the security administrator sets chains.
    let r = l.e.svc.set_review_chain(&sys, "c1", "normative", Some("secrecy")).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].field == "steps"), "{r:?}");
    let r = l.e.svc.set_review_chain(&sys, "c1", "memo", Some("signoff")).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].field == "class"), "{r:?}");
    let r = l.e.svc.set_review_chain(&l.signer, "c1", "normative", Some("signoff")).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    assert!(l.e.actions().await.iter().any(|(a, _)| a == "review.chain_set"));
    // With the province's chain, 签发 alone approves.
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("清江市简化流程办法")).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Approve, None, None).await.unwrap();
}

#[tokio::test]
async fn a_returned_reply_is_reviewed_afresh_after_revision() {
    use gongkai_domain::foi::{Outcome, reply_template};
    let e = crate::support::env().await;
    e.user("officer", &[(Role::DisclosureOfficer, "c1")]).await;
    e.user("secrecy", &[(Role::ConfidentialityReviewer, "c1")]).await;
    let officer = e.as_user("officer").await;
    let secrecy = e.as_user("secrecy").await;
    let today = gongkai_domain::foi::china_day(e.svc.now_ms());
    let app = e.svc.foi_register(&officer, "c1", "in_person", &crate::foi::input(), Some(today)).await.unwrap();
    e.svc.foi_draft_reply(&officer, app.id, &reply_template(Outcome::Granted)).await.unwrap();
    let pending = e.svc.pending_reviews(&secrecy).await.unwrap();
    assert!(pending.iter().any(|p| p.kind == ReviewKind::FoiReply && p.id == app.id), "the reply awaits 保密审查");
    e.svc
        .review_step(&secrecy, ReviewKind::FoiReply, app.id, &step(Step::Secrecy, Decision::Return, "请删去内部文号"))
        .await
        .unwrap();
    let pending = e.svc.pending_reviews(&secrecy).await.unwrap();
    assert!(pending.is_empty(), "a returned reply waits for its revision");
    let r =
        e.svc.review_step(&secrecy, ReviewKind::FoiReply, app.id, &step(Step::Secrecy, Decision::Approve, "")).await;
    assert!(matches!(r, Err(ServiceError::Conflict(_))), "{r:?}");
    e.svc.foi_draft_reply(&officer, app.id, &reply_template(Outcome::Granted)).await.unwrap();
    assert_eq!(e.svc.pending_reviews(&secrecy).await.unwrap().len(), 1, "the revision awaits review");
    let v = e.svc.review_view(&secrecy, ReviewKind::FoiReply, app.id).await.unwrap();
    assert_eq!(v.pending, Some(Step::Secrecy));
    assert!(v.round > 1 && v.screening.as_ref().is_some_and(|s| s.round == v.round), "the revision is screened");
    assert_eq!(v.records[0].decision, "return");
    assert_eq!(v.records[0].opinion, "请删去内部文号");
    e.svc
        .review_step(&secrecy, ReviewKind::FoiReply, app.id, &step(Step::Secrecy, Decision::Approve, ""))
        .await
        .unwrap();
    let v = e.svc.review_view(&officer, ReviewKind::FoiReply, app.id).await.unwrap();
    assert_eq!(v.pending, Some(Step::Legal));
    assert!(e.actions().await.iter().any(|(a, _)| a == "foi.reply_return"));
}

#[tokio::test]
async fn attachments_are_replaced_by_their_cleaned_copy_or_refused_with_the_reason() {
    let l = lib().await;
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("清江市附件清理办法")).await.unwrap();
    let txt = l.e.svc.add_attachment(&l.editor, doc.id, "说明.txt", "附件正文".as_bytes()).await.unwrap();
    let pdf = l.e.svc.add_attachment(&l.editor, doc.id, "坏.pdf", b"%PDF-1.4 broken").await.unwrap();
    let r = l.e.svc.clean_attachment(&l.editor, doc.id, pdf.id).await;
    assert!(
        matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].field == "file" && i.0[0].message.contains("坏.pdf")),
        "{r:?}"
    );
    let r = l.e.svc.clean_attachment(&l.signer, doc.id, txt.id).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    let new = l.e.svc.clean_attachment(&l.editor, doc.id, txt.id).await.unwrap();
    assert_eq!(new.filename, "说明.txt");
    let names: Vec<i64> =
        l.e.svc.staff_document(&l.editor, doc.id).await.unwrap().open_attachments.iter().map(|a| a.id).collect();
    assert_eq!(names, vec![pdf.id, new.id], "the cleaned copy replaces the original");
}

#[tokio::test]
async fn an_attachment_over_the_text_budget_blocks_naming_the_limit() {
    let l = lib().await;
    let cfg = gongkai_service::ExtractionConfig { max_extracted_chars: 300, max_concurrent: 1 };
    let svc = l.e.svc.clone().with_extraction(cfg);
    let (doc, _) = svc.create_document(&l.editor, &input("清江市大文件测试")).await.unwrap();
    svc.add_attachment(&l.editor, doc.id, "大表.txt", "数".repeat(301).as_bytes()).await.unwrap();
    svc.add_attachment(&l.editor, doc.id, "小表.txt", "数".repeat(300).as_bytes()).await.unwrap();
    svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let ed = open_edition(&l, doc.id).await;
    let view = svc.review_view(&l.secrecy, ReviewKind::Edition, ed).await.unwrap();
    assert!(view.blocked, "{:?}", view.findings);
    let refused: Vec<_> = view.findings.iter().filter(|f| f.kind == "unscreenable").collect();
    assert_eq!(refused.len(), 1, "{:?}", view.findings);
    assert_eq!((refused[0].location.as_str(), refused[0].severity.as_str()), ("附件“大表.txt”", "block"));
    assert!(refused[0].detail.contains("超过上限 300 字（screen.max_extracted_chars）"), "{}", refused[0].detail);
    assert_eq!(svc.extraction_slots_free(), 1, "the slot is given back");
}

#[tokio::test]
async fn at_most_max_concurrent_extractions_run_at_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let l = lib().await;
    let cfg = gongkai_service::ExtractionConfig { max_concurrent: 2, ..Default::default() };
    let svc = l.e.svc.clone().with_extraction(cfg);
    assert_eq!(svc.extraction_slots_free(), 2);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (svc, running, most) = (svc.clone(), running.clone(), most.clone());
        tasks.push(tokio::spawn(async move {
            svc.extraction(1024, move |limits| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(50));
                running.fetch_sub(1, Ordering::SeqCst);
                limits.max_chars
            })
            .await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), gongkai_extract::DEFAULT_MAX_CHARS);
    }
    assert_eq!(most.load(Ordering::SeqCst), 2, "two slots, six extractions");
    assert_eq!(svc.extraction_slots_free(), 2);
}
