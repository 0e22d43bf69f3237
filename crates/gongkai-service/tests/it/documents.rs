//! The policy library: workflow, validity, relations, attachments, visibility, imports.

use chrono::NaiveDate;
use gongkai_domain::document::{DocClass, DocFields, EditionEvent, EditionState, RelationKind, Validity};
use gongkai_domain::review::{Decision, Step};
use gongkai_domain::role::Role;
use gongkai_service::{
    Ctx, DocFilter, DocInput, ImportDoc, ImportOutcome, LibraryConfig, ReviewKind, ServiceError, StepInput,
};

use crate::support::{Env, env};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(crate) fn input(title: &str) -> DocInput {
    DocInput {
        fields: DocFields {
            title: title.into(),
            issuer: "清江市人民政府".into(),
            doc_number: Some("清府发[2026]3号".into()),
            written_on: Some(d("2026-11-20")),
            effective_on: Some(d("2026-11-25")),
            class: Some(DocClass::Normative),
            topic: Some("劳动、人事、监察\\劳动就业".into()),
            genre: Some("通知".into()),
            body: "第一章 总则\n第一条 为了促进就业，制定本办法。\n第二条 本办法适用于本市。".into(),
            ..DocFields::default()
        },
        org_code: "c1".into(),
        ..DocInput::default()
    }
}

pub(crate) struct Lib {
    pub e: Env,
    pub editor: Ctx,
    pub signer: Ctx,
    /// 保密审查员 and 法制审核员 of c1.
    pub secrecy: Ctx,
    pub legal: Ctx,
}

pub(crate) async fn lib() -> Lib {
    let e = env().await;
    let dir = e.db.dir.path().join("attachments");
    e.user("editor", &[(Role::Editor, "c1")]).await;
    e.user("signer", &[(Role::Signer, "c1")]).await;
    e.user("secrecy", &[(Role::ConfidentialityReviewer, "c1")]).await;
    e.user("legal", &[(Role::LegalReviewer, "c1")]).await;
    let svc = e.svc.clone().with_library(LibraryConfig {
        attachments_dir: dir,
        max_attachment_bytes: 1024,
        ..LibraryConfig::default()
    });
    let e = Env { svc, ..e };
    let editor = e.as_user("editor").await;
    let signer = e.as_user("signer").await;
    let secrecy = e.as_user("secrecy").await;
    let legal = e.as_user("legal").await;
    Lib { e, editor, signer, secrecy, legal }
}

/// Takes the review steps before 签发 (保密审查, 法制审核 for normative documents) on the open edition.
pub(crate) async fn pre_review(l: &Lib, doc_id: i64) {
    let doc = l.e.svc.staff_document(&l.signer, doc_id).await.unwrap();
    let ed = doc.open.unwrap().id;
    let view = l.e.svc.review_view(&l.signer, ReviewKind::Edition, ed).await.unwrap();
    for step in view.chain.iter().copied().filter(|s| *s != Step::Signoff) {
        let who = if step == Step::Secrecy { &l.secrecy } else { &l.legal };
        let input = StepInput { step, decision: Decision::Approve, opinion: "同意".into(), override_reason: None };
        l.e.svc.review_step(who, ReviewKind::Edition, ed, &input).await.unwrap();
    }
}

/// Reviews and approves (签发) the open edition.
pub(crate) async fn approve(l: &Lib, doc_id: i64) {
    pre_review(l, doc_id).await;
    l.e.svc.document_transition(&l.signer, doc_id, EditionEvent::Approve, None, None).await.unwrap();
}

pub(crate) async fn publish(l: &Lib, title: &str) -> i64 {
    let (doc, _) = l.e.svc.create_document(&l.editor, &input(title)).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(l, doc.id).await;
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    doc.id
}

#[tokio::test]
async fn draft_to_published_and_visibility() {
    let l = lib().await;
    let (doc, ed) = l.e.svc.create_document(&l.editor, &input("清江市就业促进办法")).await.unwrap();
    assert_eq!(ed.state, EditionState::Draft);
    assert!(doc.index_no.starts_with("c1/2026-0000"), "{}", doc.index_no);
    assert!(!doc.public);
    assert!(matches!(l.e.svc.public_document(doc.id).await, Err(ServiceError::NotFound(_))), "drafts are never public");
    let page = l.e.svc.list_documents(&DocFilter { public_only: true, ..DocFilter::default() }, 10, 0).await.unwrap();
    assert_eq!(page.total, 0);

    // Editors cannot approve; signers can, but never their own drafts.
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let r = l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Approve, None, None).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    let r = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await;
    assert!(matches!(r, Err(ServiceError::Conflict(_))), "cannot publish before approval: {r:?}");
    approve(&l, doc.id).await;
    let published = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    assert!(published.public);
    assert_eq!(published.doc_number.as_deref(), Some("清府发[2026]3号"));
    assert_eq!(published.validity, Validity::InForce, "施行日期 2026-11-25 has passed on 2026-11-27");
    assert_eq!(published.expires_on, Some(d("2031-11-24")), "normative documents get a 5-year term");
    let p = l.e.svc.public_document(doc.id).await.unwrap();
    assert_eq!(p.edition.state, EditionState::Published);
    let by_number =
        DocFilter {
            public_only: true, doc_number_norm: Some("清府发〔2026〕3号".into()), ..DocFilter::default()
        };
    assert_eq!(l.e.svc.list_documents(&by_number, 10, 0).await.unwrap().total, 1, "any bracket variant finds it");

    let actions = l.e.actions().await;
    for a in ["document.create", "document.submit", "document.approve", "document.publish"] {
        assert!(actions.iter().any(|(x, _)| x == a), "{a} audited");
    }
}

#[tokio::test]
async fn signers_never_approve_their_own_drafts() {
    let l = lib().await;
    l.e.svc.grant(&Ctx::system(), "signer", Role::Editor, "c1").await.unwrap();
    let signer = l.e.as_user("signer").await;
    let (doc, _) = l.e.svc.create_document(&signer, &input("自拟文件")).await.unwrap();
    l.e.svc.document_transition(&signer, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let r = l.e.svc.document_transition(&signer, doc.id, EditionEvent::Approve, None, None).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(ref m)) if m.contains("自己")), "{r:?}");
}

#[tokio::test]
async fn new_editions_need_change_notes_and_supersede() {
    let l = lib().await;
    let id = publish(&l, "清江市就业促进办法").await;
    let r = l.e.svc.new_edition(&l.editor, id).await.unwrap();
    assert_eq!(r.version_no, 2);
    assert!(
        matches!(l.e.svc.new_edition(&l.editor, id).await, Err(ServiceError::Conflict(_))),
        "one open draft per document"
    );
    let r = l.e.svc.document_transition(&l.editor, id, EditionEvent::Submit, None, None).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "change_note"), "{r:?}");
    let mut i = input("清江市就业促进办法");
    i.fields.change_note = Some("更正第二条适用范围".into());
    i.fields.body.push_str("\n第三条 新增条款。");
    l.e.svc.update_draft(&l.editor, id, &i).await.unwrap();
    // The public still sees version 1 while version 2 is a draft.
    assert_eq!(l.e.svc.public_document(id).await.unwrap().edition.version_no, 1);
    l.e.svc.document_transition(&l.editor, id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, id).await;
    l.e.svc.document_transition(&l.signer, id, EditionEvent::Publish, None, None).await.unwrap();
    let p = l.e.svc.public_document(id).await.unwrap();
    assert_eq!(p.edition.version_no, 2);
    assert_eq!(
        p.history.iter().map(|e| (e.version_no, e.state)).collect::<Vec<_>>(),
        [(1, EditionState::Superseded), (2, EditionState::Published)]
    );
}

#[tokio::test]
async fn repeal_and_amend_change_the_target_validity() {
    let l = lib().await;
    let old = publish(&l, "旧办法").await;
    let amended = publish(&l, "被修改的办法").await;
    let mut i = input("新办法");
    i.relations = vec![(RelationKind::Repeals, old.to_string()), (RelationKind::Amends, amended.to_string())];
    let (doc, _) = l.e.svc.create_document(&l.editor, &i).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, doc.id).await;
    // Nothing happens to the targets until publication.
    assert_eq!(l.e.svc.public_document(old).await.unwrap().doc.validity, Validity::InForce);
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    let o = l.e.svc.public_document(old).await.unwrap();
    assert_eq!(o.doc.validity, Validity::Repealed);
    assert!(o.validity_events.iter().any(|e| e.to == Validity::Repealed && e.cause_document_id == Some(doc.id)));
    assert!(
        o.relations.iter().any(|r| r.kind == RelationKind::Repeals && r.from_id == doc.id),
        "link back to the repealing doc"
    );
    assert_eq!(l.e.svc.public_document(amended).await.unwrap().doc.validity, Validity::Amended);

    let mut bad = input("坏关系");
    bad.relations = vec![(RelationKind::Repeals, "no-such-doc".into())];
    let r = l.e.svc.create_document(&l.editor, &bad).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "relations"), "{r:?}");
}

#[tokio::test]
async fn validity_follows_dates_over_time() {
    let l = lib().await;
    let mut i = input("暂行办法");
    i.fields.title = "清江市某某暂行办法".into();
    i.fields.effective_on = Some(d("2026-12-27"));
    let (doc, _) = l.e.svc.create_document(&l.editor, &i).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, doc.id).await;
    let p = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    assert_eq!(p.validity, Validity::Pending);
    assert_eq!(p.expires_on, Some(d("2028-12-26")), "暂行: two years");
    l.e.clock.advance_ms(31 * 86_400_000);
    assert_eq!(l.e.svc.refresh_validity().await.unwrap(), 1);
    assert_eq!(l.e.svc.public_document(doc.id).await.unwrap().doc.validity, Validity::InForce);
    l.e.clock.advance_ms(2 * 366 * 86_400_000);
    l.e.svc.refresh_validity().await.unwrap();
    let p = l.e.svc.public_document(doc.id).await.unwrap();
    assert_eq!(p.doc.validity, Validity::Expired);
    let tos: Vec<Validity> = p.validity_events.iter().map(|e| e.to).collect();
    assert_eq!(tos, [Validity::InForce, Validity::Expired]);
}

#[tokio::test]
async fn contradictory_dates_are_refused_by_field() {
    let l = lib().await;
    let mut i = input("坏日期");
    i.fields.effective_on = Some(d("2026-01-01"));
    i.fields.expires_on = Some(d("2025-01-01"));
    let r = l.e.svc.create_document(&l.editor, &i).await;
    match r {
        Err(ServiceError::Invalid(inv)) => {
            let f: Vec<&str> = inv.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(f, ["effective_on", "expires_on"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        l.e.svc.staff_documents(&l.editor, DocFilter::default(), 10, 0).await.unwrap().total,
        0,
        "nothing stored"
    );
}

#[tokio::test]
async fn scheduled_publishing_and_withdrawal() {
    let l = lib().await;
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("定时发布")).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, doc.id).await;
    let at = l.e.svc.now_ms() + 3_600_000;
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Schedule, None, Some(at)).await.unwrap();
    assert_eq!(l.e.svc.run_scheduled_publishing().await.unwrap(), 0);
    assert!(l.e.svc.public_document(doc.id).await.is_err());
    l.e.clock.advance_ms(3_600_001);
    assert_eq!(l.e.svc.run_scheduled_publishing().await.unwrap(), 1);
    assert!(l.e.svc.public_document(doc.id).await.is_ok());

    let r = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Withdraw, Some(" "), None).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "reason"));
    l.e.svc
        .document_transition(&l.signer, doc.id, EditionEvent::Withdraw, Some("内容有误，待修订"), None)
        .await
        .unwrap();
    let p = l.e.svc.public_document(doc.id).await.unwrap();
    assert!(p.doc.withdrawn);
    assert_eq!(p.edition.state_reason.as_deref(), Some("内容有误，待修订"), "the notice is public");
    assert!(p.edition.fields.body.is_empty(), "withdrawn content is not shown");
    let listed = l.e.svc.list_documents(&DocFilter { public_only: true, ..DocFilter::default() }, 10, 0).await.unwrap();
    assert_eq!(listed.total, 0, "withdrawn documents leave lists and feeds");
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Unpublish, Some("发布错误"), None).await.unwrap();
    assert!(l.e.svc.public_document(doc.id).await.is_err(), "unpublished documents disappear");
}

#[tokio::test]
async fn attachments_are_typed_by_content_and_follow_visibility() {
    let l = lib().await;
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("带附件")).await.unwrap();
    let r = l.e.svc.add_attachment(&l.editor, doc.id, "evil.pdf", b"<html><script>alert(1)</script></html>").await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "file"), "{r:?}");
    let r = l.e.svc.add_attachment(&l.editor, doc.id, "big.pdf", &[b'%'; 2048]).await;
    assert!(matches!(r, Err(ServiceError::Invalid(_))), "over the size limit");
    let a = l.e.svc.add_attachment(&l.editor, doc.id, "../../申请表\u{202E}.pdf", b"%PDF-1.4\nhello").await.unwrap();
    assert_eq!(a.filename, "申请表.pdf");
    assert!(!a.stored_name.contains("申请表"), "stored under a random name");
    assert!(
        matches!(l.e.svc.public_attachment(a.id).await, Err(ServiceError::NotFound(_))),
        "draft attachments are not public"
    );
    assert!(l.e.svc.staff_attachment(&l.editor, a.id).await.is_ok());
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, doc.id).await;
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    let (pa, path) = l.e.svc.public_attachment(a.id).await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"%PDF-1.4\nhello");
    assert_eq!(pa.sha256.len(), 64);
}

#[tokio::test]
async fn imports_upsert_by_external_id() {
    let l = lib().await;
    let org = l.e.svc.org_by_code("c1").await.unwrap().unwrap();
    let item = ImportDoc {
        external_id: "lrb-abc".into(),
        fields: DocFields {
            title: "某某条例".into(),
            issuer: "清江市人大常委会".into(),
            doc_number: Some("公告第3号".into()),
            effective_on: Some(d("2020-01-01")),
            class: Some(DocClass::LocalRegulation),
            body: "第一条 内容。".into(),
            ..DocFields::default()
        },
        published_on: Some(d("2019-12-01")),
        validity: Some(Validity::InForce),
        validity_on: None,
    };
    let sys = Ctx::system();
    assert_eq!(l.e.svc.import_document(&sys, &org, &item).await.unwrap(), ImportOutcome::Imported);
    assert_eq!(l.e.svc.import_document(&sys, &org, &item).await.unwrap(), ImportOutcome::Unchanged);
    let mut changed = item.clone();
    changed.validity = Some(Validity::Repealed);
    assert_eq!(l.e.svc.import_document(&sys, &org, &changed).await.unwrap(), ImportOutcome::Updated);
    let doc = l.e.svc.resolve_document("lrb-abc").await.unwrap().unwrap();
    assert_eq!(doc.validity, Validity::Repealed);
    assert!(doc.index_no.contains("/2019-"), "索引号 year follows the publication: {}", doc.index_no);
    let p = l.e.svc.public_document(doc.id).await.unwrap();
    assert_eq!(p.edition.published_on, Some(d("2019-12-01")));
}

#[tokio::test]
async fn batch_import_keeps_good_documents_and_names_bad_ones() {
    let l = lib().await;
    let org = l.e.svc.org_by_code("c1").await.unwrap().unwrap();
    let item = |id: &str, title: &str| ImportDoc {
        external_id: id.into(),
        fields: DocFields {
            title: title.into(),
            issuer: "清江市人民政府".into(),
            class: Some(DocClass::Other),
            body: format!("{title}的正文。"),
            ..DocFields::default()
        },
        published_on: Some(d("2021-03-01")),
        validity: Some(Validity::InForce),
        validity_on: None,
    };
    let mut repealed = item("batch-a", "甲批量办法");
    repealed.validity = Some(Validity::Repealed);
    let batch = vec![item("batch-a", "甲批量办法"), item("batch-bad", "  "), item("batch-b", "乙批量办法"), repealed];
    let sys = Ctx::system();
    let out = l.e.svc.import_documents(&sys, &org, &batch).await.unwrap();
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].as_ref().unwrap(), &ImportOutcome::Imported);
    match &out[1] {
        Err(ServiceError::Invalid(inv)) => assert!(inv.0.iter().any(|f| f.field == "title"), "{inv:?}"),
        other => panic!("a blank title must be refused by name: {other:?}"),
    }
    assert_eq!(out[2].as_ref().unwrap(), &ImportOutcome::Imported);
    // The same external id twice in one batch: the second sees the first and updates it.
    assert_eq!(out[3].as_ref().unwrap(), &ImportOutcome::Updated);
    let a = l.e.svc.resolve_document("batch-a").await.unwrap().unwrap();
    assert_eq!(a.validity, Validity::Repealed);
    assert!(l.e.svc.resolve_document("batch-bad").await.unwrap().is_none());
    let b = l.e.svc.resolve_document("batch-b").await.unwrap().unwrap();
    assert!(l.e.svc.public_document(b.id).await.is_ok());
    // A second run changes nothing.
    let again = l.e.svc.import_documents(&sys, &org, &batch[2..]).await.unwrap();
    assert!(again.iter().all(|o| o.as_ref().ok() == Some(&ImportOutcome::Unchanged)), "{again:?}");
    // Only an editor of the organisation (or the system) may import.
    assert!(matches!(l.e.svc.import_documents(&l.signer, &org, &batch).await, Err(ServiceError::Forbidden(_))));
}

#[tokio::test]
async fn cleanup_catalogue_updates_validity_when_published() {
    use gongkai_service::CleanupResult;
    let l = lib().await;
    let a = publish(&l, "甲办法").await;
    let b = publish(&l, "乙办法").await;
    let c = publish(&l, "丙办法").await;
    let items = vec![
        (a.to_string(), CleanupResult::Continue, None),
        (b.to_string(), CleanupResult::Repeal, Some("已被新规定取代".to_owned())),
        (c.to_string(), CleanupResult::Expire, None),
    ];
    let r = l.e.svc.create_cleanup(&l.editor, "c1", "2026年度规范性文件清理", None, &items).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "editors do not run cleanups");
    let bad = vec![("nope".to_owned(), CleanupResult::Repeal, None)];
    let r = l.e.svc.create_cleanup(&l.signer, "c1", "x", None, &bad).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].message.contains("第 1 行")), "{r:?}");
    let id = l.e.svc.create_cleanup(&l.signer, "c1", "2026年度规范性文件清理", None, &items).await.unwrap();
    assert_eq!(
        l.e.svc.public_document(b).await.unwrap().doc.validity,
        Validity::InForce,
        "nothing changes before publication"
    );
    assert!(l.e.svc.cleanup(&Ctx::anonymous(None), id).await.is_err(), "draft catalogues are not public");
    l.e.svc.publish_cleanup(&l.signer, id).await.unwrap();
    assert_eq!(l.e.svc.public_document(a).await.unwrap().doc.validity, Validity::InForce);
    assert_eq!(l.e.svc.public_document(b).await.unwrap().doc.validity, Validity::Repealed);
    assert_eq!(l.e.svc.public_document(c).await.unwrap().doc.validity, Validity::Expired);
    let cat = l.e.svc.cleanup(&Ctx::anonymous(None), id).await.unwrap();
    assert_eq!(cat.items.len(), 3);
    assert!(matches!(l.e.svc.publish_cleanup(&l.signer, id).await, Err(ServiceError::Conflict(_))));
}

/// Lets the province sign every class of document off without earlier steps, for tests about other rules.
pub(crate) async fn signoff_only(l: &Lib) {
    for class in gongkai_domain::document::DocClass::ALL {
        l.e.svc.set_review_chain(&gongkai_service::Ctx::system(), "p", class.key(), Some("signoff")).await.unwrap();
    }
}

#[tokio::test]
async fn attachments_cannot_be_removed_once_submitted_or_approved() {
    let l = lib().await;
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("审定附件")).await.unwrap();
    let keep = l.e.svc.add_attachment(&l.editor, doc.id, "名单.pdf", b"%PDF-1.4\nkeep").await.unwrap();
    let gone = l.e.svc.add_attachment(&l.editor, doc.id, "草稿.pdf", b"%PDF-1.4\ngone").await.unwrap();
    l.e.svc.remove_attachment(&l.editor, doc.id, gone.id).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let r = l.e.svc.remove_attachment(&l.editor, doc.id, keep.id).await;
    assert!(matches!(r, Err(ServiceError::Conflict(_))), "submitted: {r:?}");
    approve(&l, doc.id).await;
    let r = l.e.svc.remove_attachment(&l.editor, doc.id, keep.id).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("不能删除附件")), "approved: {r:?}");
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    assert!(l.e.svc.public_attachment(keep.id).await.is_ok(), "what was approved is what is published");
}
