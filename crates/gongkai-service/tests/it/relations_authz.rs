//! Authorisation around document relations (issue: security faults): the caller is authorised
//! before its input is validated, a draft it cannot read is never named, and a relation that
//! changes another organisation's document needs a signer of that organisation.

use gongkai_domain::document::{EditionEvent, RelationKind, Validity};
use gongkai_domain::role::Role;
use gongkai_service::{Ctx, ServiceError};

use crate::documents::{Lib, input, lib, publish};

/// A c1 draft with a title nobody outside c1 may learn.
async fn secret_draft(l: &Lib) -> i64 {
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("绝密草稿标题甲乙丙")).await.unwrap();
    doc.id
}

fn message(r: &Result<impl std::fmt::Debug, ServiceError>) -> String {
    format!("{r:?}")
}

#[tokio::test]
async fn callers_are_authorised_before_their_input_is_validated() {
    let l = lib().await;
    let draft = secret_draft(&l).await;
    l.e.user("evaluator", &[(Role::Evaluator, "p")]).await;
    let evaluator = l.e.as_user("evaluator").await;
    // An evaluator may not write drafts at all: refused before the relation is looked at.
    let mut i = input("探测");
    i.relations = vec![(RelationKind::Repeals, draft.to_string())];
    let r = l.e.svc.create_document(&evaluator, &i).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    assert!(!message(&r).contains("甲乙丙"), "{r:?}");
    // The same for an organisation the caller has no rights on, and for an unknown one.
    l.e.user("c2-editor", &[(Role::Editor, "c2")]).await;
    let c2 = l.e.as_user("c2-editor").await;
    let r = l.e.svc.create_document(&c2, &i).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "c2's editor writing for c1: {r:?}");
    assert!(!message(&r).contains("甲乙丙"), "{r:?}");
}

#[tokio::test]
async fn drafts_outside_the_callers_rights_are_answered_as_missing() {
    let l = lib().await;
    let draft = secret_draft(&l).await;
    l.e.user("c2-editor", &[(Role::Editor, "c2")]).await;
    let c2 = l.e.as_user("c2-editor").await;
    let probe = |reference: String| {
        let mut i = input("探测");
        i.org_code = "c2".into();
        i.relations = vec![(RelationKind::Repeals, reference)];
        i
    };
    let hidden = l.e.svc.create_document(&c2, &probe(draft.to_string())).await;
    let missing = l.e.svc.create_document(&c2, &probe("999999".into())).await;
    assert!(matches!(hidden, Err(ServiceError::Invalid(_))), "{hidden:?}");
    assert!(!message(&hidden).contains("甲乙丙"), "the draft's title leaks: {hidden:?}");
    assert_eq!(
        message(&hidden).replace(&draft.to_string(), "N"),
        message(&missing).replace("999999", "N"),
        "a hidden draft and a missing document are answered alike"
    );
    // c1's own editor sees its draft and is told why it cannot be repealed yet.
    let mut own = input("本机构文件");
    own.relations = vec![(RelationKind::Repeals, draft.to_string())];
    let r = l.e.svc.create_document(&l.editor, &own).await;
    assert!(message(&r).contains("甲乙丙") && message(&r).contains("尚未公开发布"), "{r:?}");
}

#[tokio::test]
async fn repealing_another_organisations_document_needs_its_signer() {
    let l = lib().await;
    let sys = Ctx::system();
    // A province document, published by the province.
    l.e.user("p-editor", &[(Role::Editor, "p")]).await;
    l.e.user("p-signer", &[(Role::Signer, "p")]).await;
    l.e.svc.set_review_chain(&sys, "p", "normative", Some("signoff")).await.unwrap();
    let p_editor = l.e.as_user("p-editor").await;
    let p_signer = l.e.as_user("p-signer").await;
    let mut pi = input("省级管理办法");
    pi.org_code = "p".into();
    let (pdoc, _) = l.e.svc.create_document(&p_editor, &pi).await.unwrap();
    l.e.svc.document_transition(&p_editor, pdoc.id, EditionEvent::Submit, None, None).await.unwrap();
    l.e.svc.document_transition(&p_signer, pdoc.id, EditionEvent::Approve, None, None).await.unwrap();
    l.e.svc.document_transition(&p_signer, pdoc.id, EditionEvent::Publish, None, None).await.unwrap();

    // c1 drafts a repeal of it: c1's own signer cannot sign it off.
    let mut ci = input("清江市关于废止省级管理办法的决定");
    ci.relations = vec![(RelationKind::Repeals, pdoc.id.to_string())];
    let (cdoc, _) = l.e.svc.create_document(&l.editor, &ci).await.unwrap();
    l.e.svc.document_transition(&l.editor, cdoc.id, EditionEvent::Submit, None, None).await.unwrap();
    crate::documents::pre_review(&l, cdoc.id).await;
    let r = l.e.svc.document_transition(&l.signer, cdoc.id, EditionEvent::Approve, None, None).await;
    assert!(
        matches!(r, Err(ServiceError::Forbidden(ref m)) if m.contains("省级管理办法") && m.contains("示范省人民政府")),
        "{r:?}"
    );
    assert_eq!(l.e.svc.public_document(pdoc.id).await.unwrap().doc.validity, Validity::InForce);

    // A signer of the province (whose grant covers c1 too) signs it off; publication repeals it.
    l.e.svc.document_transition(&p_signer, cdoc.id, EditionEvent::Approve, None, None).await.unwrap();
    l.e.svc.document_transition(&p_signer, cdoc.id, EditionEvent::Publish, None, None).await.unwrap();
    assert_eq!(l.e.svc.public_document(pdoc.id).await.unwrap().doc.validity, Validity::Repealed);

    // Linking published documents (imports) follows the same rule.
    let other = publish(&l, "清江市另一文件").await;
    let mut qi = input("省级另一办法");
    qi.org_code = "p".into();
    let (q, _) = l.e.svc.create_document(&p_editor, &qi).await.unwrap();
    l.e.svc.document_transition(&p_editor, q.id, EditionEvent::Submit, None, None).await.unwrap();
    l.e.svc.document_transition(&p_signer, q.id, EditionEvent::Approve, None, None).await.unwrap();
    l.e.svc.document_transition(&p_signer, q.id, EditionEvent::Publish, None, None).await.unwrap();
    let r = l.e.svc.link_published(&l.signer, other, &[(RelationKind::Amends, q.id)]).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    assert_eq!(l.e.svc.public_document(q.id).await.unwrap().doc.validity, Validity::InForce);
}
