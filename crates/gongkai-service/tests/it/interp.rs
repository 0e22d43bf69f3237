//! Policy interpretation: linking rules, media rules, the 三同步 gate with its exemption, the copy
//! check and the 50 % figures.

use gongkai_domain::document::{DocClass, DocFields, EditionEvent, RelationKind};
use gongkai_domain::interp::{InterpFields, InterpForm};
use gongkai_domain::role::Role;
use gongkai_service::{InterpInput, ServiceError};

use crate::documents::{Lib, input, lib, publish, signoff_only};

fn interp_input(target: i64, form: InterpForm, body: &str) -> InterpInput {
    InterpInput {
        doc: gongkai_service::DocInput {
            fields: DocFields {
                title: "一图读懂就业促进办法".into(),
                issuer: "清江市人力资源和社会保障局".into(),
                body: body.into(),
                ..DocFields::default()
            },
            org_code: "c1".into(),
            relations: vec![(RelationKind::Interprets, target.to_string())],
            ..gongkai_service::DocInput::default()
        },
        interp: InterpFields {
            form: Some(form),
            interpreter: "王明".into(),
            interpreter_role: "局长".into(),
            first_interpreter: true,
            alt_text: Some("图解共三部分：适用对象、申请条件、办理流程。".into()),
            ..InterpFields::default()
        },
    }
}

fn fields_of(r: &Result<impl std::fmt::Debug, ServiceError>) -> Vec<String> {
    match r {
        Err(ServiceError::Invalid(i)) => i.0.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn submitted_policy(l: &Lib, title: &str) -> i64 {
    let (doc, _) = l.e.svc.create_document(&l.editor, &input(title)).await.unwrap();
    l.e.svc.set_interp_requirement(&l.editor, doc.id, true, true).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Approve, None, None).await.unwrap();
    doc.id
}

#[tokio::test]
async fn bad_links_and_media_name_their_field() {
    let l = lib().await;
    signoff_only(&l).await;
    // Unknown document.
    let r = l.e.svc.create_interpretation(&l.editor, &interp_input(999_999, InterpForm::Text, "解读")).await;
    assert_eq!(fields_of(&r), ["interprets"]);
    // A bare draft.
    let (draft, _) = l.e.svc.create_document(&l.editor, &input("尚在起草的办法")).await.unwrap();
    let r = l.e.svc.create_interpretation(&l.editor, &interp_input(draft.id, InterpForm::Text, "解读")).await;
    assert_eq!(fields_of(&r), ["interprets"]);
    assert!(format!("{r:?}").contains("草稿"));
    // No target at all.
    let mut none = interp_input(draft.id, InterpForm::Text, "解读");
    none.doc.relations.clear();
    assert_eq!(fields_of(&l.e.svc.create_interpretation(&l.editor, &none).await), ["interprets"]);
    // A video without transcript.
    let policy = publish(&l, "清江市就业促进办法").await;
    let mut video = interp_input(policy, InterpForm::Video, "视频解读");
    video.interp.media_url = Some("https://v.qj.gov.cn/jy.mp4".into());
    let r = l.e.svc.create_interpretation(&l.editor, &video).await;
    assert_eq!(fields_of(&r), ["transcript"]);
    video.interp.transcript = Some("主持人：今天我们请到市人社局王明局长……".into());
    l.e.svc.create_interpretation(&l.editor, &video).await.unwrap();
    // A 图解 without alternative text.
    let mut graphic = interp_input(policy, InterpForm::Graphic, "图解");
    graphic.interp.alt_text = None;
    assert_eq!(fields_of(&l.e.svc.create_interpretation(&l.editor, &graphic).await), ["alt_text"]);
}

#[tokio::test]
async fn policy_needing_interpretation_is_refused_then_published_with_it() {
    let l = lib().await;
    signoff_only(&l).await;
    let policy = submitted_policy(&l, "清江市就业补贴办法").await;
    // Refused: no interpretation yet.
    let r = l.e.svc.document_transition(&l.signer, policy, EditionEvent::Publish, None, None).await;
    assert_eq!(fields_of(&r), ["interpretation"]);
    assert!(!l.e.svc.staff_document(&l.signer, policy).await.unwrap().doc.public);

    // An interpretation is drafted against the policy in review, submitted and approved.
    let (interp, _) =
        l.e.svc
            .create_interpretation(
                &l.editor,
                &interp_input(policy, InterpForm::Graphic, "办法回应了群众关切，申请更方便。"),
            )
            .await
            .unwrap();
    assert_eq!(interp.class, DocClass::Interpretation);
    // It cannot be published on its own before its policy.
    l.e.svc.document_transition(&l.editor, interp.id, EditionEvent::Submit, None, None).await.unwrap();
    l.e.svc.document_transition(&l.signer, interp.id, EditionEvent::Approve, None, None).await.unwrap();
    let r = l.e.svc.document_transition(&l.signer, interp.id, EditionEvent::Publish, None, None).await;
    assert_eq!(fields_of(&r), ["interprets"]);

    // Publishing the policy publishes the approved interpretation in the same operation.
    let doc = l.e.svc.document_transition(&l.signer, policy, EditionEvent::Publish, None, None).await.unwrap();
    assert!(doc.public);
    let both = l.e.svc.public_interpretations_of(policy).await.unwrap();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0].doc.id, interp.id);
    assert_eq!(both[0].interp.form, Some(InterpForm::Graphic));
    // Two-way links: the interpretation's page names its policy, the policy's page its interpretation.
    let p = l.e.svc.public_document(interp.id).await.unwrap();
    assert!(p.relations.iter().any(|r| r.kind == RelationKind::Interprets && r.to_id == policy));
    let p = l.e.svc.public_document(policy).await.unwrap();
    assert!(p.relations.iter().any(|r| r.kind == RelationKind::Interprets && r.from_id == interp.id));
    assert!(l.e.svc.public_interpretation(interp.id).await.unwrap().is_some());
    let (list, total) = l.e.svc.list_interpretations(None, 10, 0).await.unwrap();
    assert_eq!((list.len(), total), (1, 1));
}

#[tokio::test]
async fn exemption_needs_a_reason_and_is_audited() {
    let l = lib().await;
    signoff_only(&l).await;
    let policy = submitted_policy(&l, "清江市内部管理规定").await;
    let r = l.e.svc.exempt_interpretation(&l.editor, policy, Some("内部管理事项，不涉及公众权益")).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "only signers exempt: {r:?}");
    let r = l.e.svc.exempt_interpretation(&l.signer, policy, Some("  ")).await;
    assert_eq!(fields_of(&r), ["reason"]);
    l.e.svc.exempt_interpretation(&l.signer, policy, Some("内部管理事项，不涉及公众权益")).await.unwrap();
    let doc = l.e.svc.document_transition(&l.signer, policy, EditionEvent::Publish, None, None).await.unwrap();
    assert!(doc.public);
    let actions = l.e.actions().await;
    assert!(actions.iter().any(|(a, _)| a == "document.interp_exemption"));
    assert!(actions.iter().any(|(a, _)| a == "document.interp_requirement"));
}

#[tokio::test]
async fn copied_interpretations_are_flagged_for_reviewers() {
    let l = lib().await;
    signoff_only(&l).await;
    let policy = publish(&l, "清江市就业促进办法").await;
    // `input()`'s body: 第一条 为了促进就业，制定本办法。第二条 本办法适用于本市。
    let copy = "为了促进就业，制定本办法。本办法适用于本市。为了促进就业制定本办法";
    let (interp, _) =
        l.e.svc.create_interpretation(&l.editor, &interp_input(policy, InterpForm::Text, copy)).await.unwrap();
    let v = l.e.svc.interp_staff_view(&l.signer, interp.id).await.unwrap();
    let copy = v.copy.unwrap();
    assert!(v.copy_warning, "{copy:?}");
    assert!(!copy.passages.is_empty());
    let own = "办法出台后，求职者可以在网上申请补贴，不再需要到窗口排队，办理时间大大缩短。";
    let (own, _) =
        l.e.svc.create_interpretation(&l.editor, &interp_input(policy, InterpForm::Text, own)).await.unwrap();
    let v = l.e.svc.interp_staff_view(&l.signer, own.id).await.unwrap();
    assert!(!v.copy_warning);
    let v = l.e.svc.interp_staff_view(&l.signer, policy).await.unwrap();
    assert_eq!(v.interpretations.len(), 2);
}

#[tokio::test]
async fn coverage_counts_diversified_interpretations() {
    let l = lib().await;
    signoff_only(&l).await;
    l.e.user("super", &[(Role::Supervisor, "c1")]).await;
    let sup = l.e.as_user("super").await;
    // Three government documents: one with a 图解, one with text only, one with nothing.
    let a = submitted_policy(&l, "甲办法").await;
    let b = submitted_policy(&l, "乙办法").await;
    let c = submitted_policy(&l, "丙办法").await;
    for (policy, form) in [(a, InterpForm::Graphic), (b, InterpForm::Text)] {
        let (i, _) = l.e.svc.create_interpretation(&l.editor, &interp_input(policy, form, "解读正文。")).await.unwrap();
        l.e.svc.document_transition(&l.editor, i.id, EditionEvent::Submit, None, None).await.unwrap();
        l.e.svc.document_transition(&l.signer, i.id, EditionEvent::Approve, None, None).await.unwrap();
        l.e.svc.document_transition(&l.signer, policy, EditionEvent::Publish, None, None).await.unwrap();
    }
    l.e.svc.exempt_interpretation(&l.signer, c, Some("已由上级文件统一解读")).await.unwrap();
    l.e.svc.document_transition(&l.signer, c, EditionEvent::Publish, None, None).await.unwrap();
    let r = l.e.svc.interp_coverage(&l.editor, "c1", 2026).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "supervisors only: {r:?}");
    let figures = l.e.svc.interp_coverage(&sup, "c1", 2026).await.unwrap();
    assert_eq!(figures.len(), 1);
    let f = &figures[0];
    assert_eq!((f.total, f.diversified, f.same_day), (3, 1, 2));
    assert_eq!(f.percent(), 33);
    assert!(!f.meets_rule());
    let missing: Vec<&str> = f.missing.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(missing, ["乙办法", "丙办法"]);
    assert!(l.e.svc.interp_coverage(&sup, "c1", 2025).await.unwrap().is_empty());
}
