//! What is approved is what was screened and reviewed: screening results are tied to a hash of
//! the content, and an interpretation's own fields follow the edition workflow (issue: security
//! faults, items 3 and 4).

use gongkai_domain::document::{DocClass, DocFields, EditionEvent, RelationKind};
use gongkai_domain::interp::{InterpFields, InterpForm};
use gongkai_service::{InterpInput, ReviewKind, ServiceError};

use crate::documents::{Lib, input, lib, publish, signoff_only};
use crate::review::{id_number, open_edition};

#[tokio::test]
async fn a_screening_of_earlier_content_does_not_pass_later_edits() {
    let l = lib().await;
    signoff_only(&l).await;
    // The body: screened while clean (the review page opened early), then edited.
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("清江市补贴发放办法")).await.unwrap();
    let ed = open_edition(&l, doc.id).await;
    l.e.svc.review_screen_now(&l.signer, ReviewKind::Edition, ed).await.unwrap();
    let clean = l.e.svc.review_view(&l.signer, ReviewKind::Edition, ed).await.unwrap();
    assert!(clean.screening.is_some() && !clean.blocked);
    let mut i = input("清江市补贴发放办法");
    i.fields.body.push_str(&format!("\n第三条 领取人张三，身份证号：{}。", id_number()));
    l.e.svc.update_draft(&l.editor, doc.id, &i).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let r = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Approve, None, None).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("身份证")), "{r:?}");
    assert!(!l.e.svc.staff_document(&l.signer, doc.id).await.unwrap().doc.public);

    // An attachment added after the early screening.
    let (doc, _) = l.e.svc.create_document(&l.editor, &input("清江市补贴名单")).await.unwrap();
    let ed = open_edition(&l, doc.id).await;
    l.e.svc.review_screen_now(&l.signer, ReviewKind::Edition, ed).await.unwrap();
    let list = format!("名单\n张三 身份证号：{}\n", id_number());
    l.e.svc.add_attachment(&l.editor, doc.id, "名单.txt", list.as_bytes()).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    let r = l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Approve, None, None).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("名单.txt")), "{r:?}");

    // A clean edition still passes, and its screening names the content it screened.
    let id = publish(&l, "清江市干净的办法").await;
    assert!(l.e.svc.public_document(id).await.unwrap().doc.public);
}

fn interp(target: i64, interpreter: &str) -> InterpInput {
    InterpInput {
        doc: gongkai_service::DocInput {
            fields: DocFields {
                title: "清江市就业促进办法解读".into(),
                issuer: "清江市人力资源和社会保障局".into(),
                body: "一、制定背景。二、主要内容。".into(),
                class: Some(DocClass::Interpretation),
                ..DocFields::default()
            },
            org_code: "c1".into(),
            relations: vec![(RelationKind::Interprets, target.to_string())],
            ..gongkai_service::DocInput::default()
        },
        interp: InterpFields {
            form: Some(InterpForm::Text),
            interpreter: interpreter.into(),
            interpreter_role: "局长".into(),
            first_interpreter: true,
            ..InterpFields::default()
        },
    }
}

async fn through(l: &Lib, id: i64) -> Result<(), ServiceError> {
    l.e.svc.document_transition(&l.editor, id, EditionEvent::Submit, None, None).await?;
    l.e.svc.document_transition(&l.signer, id, EditionEvent::Approve, None, None).await?;
    l.e.svc.document_transition(&l.signer, id, EditionEvent::Publish, None, None).await?;
    Ok(())
}

#[tokio::test]
async fn interpretation_fields_change_publicly_only_with_a_published_edition() {
    let l = lib().await;
    signoff_only(&l).await;
    let policy = publish(&l, "清江市就业促进办法").await;
    let (doc, _) = l.e.svc.create_interpretation(&l.editor, &interp(policy, "王明")).await.unwrap();
    assert!(l.e.svc.public_interpretation(doc.id).await.unwrap().is_none(), "a draft shows nothing");
    through(&l, doc.id).await.unwrap();
    let shown = |l: &Lib| {
        let svc = l.e.svc.clone();
        async move {
            let own = svc.public_interpretation(doc.id).await.unwrap().unwrap().interpreter;
            let listed = svc.public_interpretations_of(policy).await.unwrap();
            assert_eq!(listed.len(), 1);
            assert_eq!(listed[0].interp.interpreter, own, "the policy's page shows the same fields");
            own
        }
    };
    assert_eq!(shown(&l).await, "王明");

    // A new edition with new fields: the public still sees the published ones.
    l.e.svc.new_edition(&l.editor, doc.id).await.unwrap();
    let changed = InterpFields { interpreter: "李四".into(), ..interp(policy, "李四").interp };
    l.e.svc.set_interpretation_fields(&l.editor, doc.id, &changed).await.unwrap();
    assert_eq!(shown(&l).await, "王明", "saving fields of a draft edition changes nothing public");
    let staff = l.e.svc.interp_staff_view(&l.editor, doc.id).await.unwrap();
    assert_eq!(staff.interp.unwrap().interpreter, "李四", "staff see the draft's fields");

    // The new fields are screened with the edition: a transcript leaking an ID number blocks it.
    let leaking = InterpFields {
        form: Some(InterpForm::Video),
        media_url: Some("https://v.qj.gov.cn/jy.mp4".into()),
        transcript: Some(format!("主持人：请张三（身份证号{}）发言。", id_number())),
        ..changed.clone()
    };
    l.e.svc.set_interpretation_fields(&l.editor, doc.id, &leaking).await.unwrap();
    let mut i = interp(policy, "李四").doc;
    i.fields.change_note = Some("更换解读人".into());
    l.e.svc.update_draft(&l.editor, doc.id, &i).await.unwrap();
    let r = through(&l, doc.id).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("身份证")), "{r:?}");
    assert_eq!(shown(&l).await, "王明");

    // Returned, corrected, reviewed and published: now the public sees the new fields.
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Return, Some("删去身份证号"), None).await.unwrap();
    l.e.svc.set_interpretation_fields(&l.editor, doc.id, &changed).await.unwrap();
    through(&l, doc.id).await.unwrap();
    assert_eq!(shown(&l).await, "李四");
}

#[tokio::test]
async fn a_disclosure_reply_edited_after_screening_is_screened_again() {
    use gongkai_domain::foi::{Outcome, reply_template};
    use gongkai_domain::role::Role;
    use gongkai_service::{Ctx, FoiAction};

    let e = crate::support::env().await;
    e.svc.set_review_chain(&Ctx::system(), "p", "foi_reply", Some("signoff")).await.unwrap();
    e.user("officer", &[(Role::DisclosureOfficer, "c1")]).await;
    e.user("signer", &[(Role::Signer, "c1")]).await;
    let officer = e.as_user("officer").await;
    let signer = e.as_user("signer").await;
    let public = Ctx::anonymous(Some("192.0.2.8".into()));
    let receipt = e.svc.foi_submit(&public, "c1", &crate::foi::input()).await.unwrap();
    let id = receipt.id;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    e.svc.foi_act(&officer, id, &FoiAction::ConfirmReceipt { on: today }).await.unwrap();
    // A clean reply is drafted and screened...
    e.svc.foi_draft_reply(&officer, id, &reply_template(Outcome::Granted)).await.unwrap();
    e.svc.review_screen_now(&signer, ReviewKind::FoiReply, id).await.unwrap();
    // ...then rewritten with a third person's identity number before sign-off.
    let mut leaking = reply_template(Outcome::Granted);
    leaking.body.push_str(&format!("\n经查，相关人员李四（身份证号{}）……", id_number()));
    e.svc.foi_draft_reply(&officer, id, &leaking).await.unwrap();
    let r = e.svc.foi_approve_reply(&signer, id).await;
    assert!(matches!(r, Err(ServiceError::Conflict(ref m)) if m.contains("身份证")), "{r:?}");
}
