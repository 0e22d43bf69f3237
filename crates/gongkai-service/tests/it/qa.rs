//! The policy Q&A knowledge base: article anchors, workflow, stale flags when a source is
//! repealed, the public list, 热点问题, related items, the delta export and imports.

use gongkai_domain::document::{EditionEvent, RelationKind};
use gongkai_domain::qa::{QaEvent, QaFields, QaSourceRef, QaState};
use gongkai_service::{QaImportOutcome, QaInput, ServiceError};

use crate::documents::{input, lib, publish, signoff_only};

fn qa(source: i64, anchor: Option<&str>) -> QaInput {
    QaInput {
        fields: QaFields {
            question: "本市就业补贴适用于哪些地区？".into(),
            answer: "适用于本市行政区域。".into(),
            category: Some("劳动、人事、监察".into()),
            tags: vec!["就业".into()],
            audience: Some("个人".into()),
            region: Some("清江市".into()),
            valid_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            valid_to: None,
            sources: vec![QaSourceRef { document: source.to_string(), anchor: anchor.map(Into::into) }],
        },
        org_code: "c1".into(),
        external_id: None,
    }
}

fn fields_of<T: std::fmt::Debug>(r: &Result<T, ServiceError>) -> Vec<String> {
    match r {
        Err(ServiceError::Invalid(i)) => i.0.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_sources_and_dates_name_their_field() {
    let l = lib().await;
    signoff_only(&l).await;
    let doc = publish(&l, "清江市就业促进办法").await;
    let r = l.e.svc.create_qa(&l.editor, &qa(doc, Some("第九十九条"))).await;
    assert_eq!(fields_of(&r), ["sources"]);
    assert!(format!("{r:?}").contains("第九十九条"));
    let r = l.e.svc.create_qa(&l.editor, &qa(424_242, None)).await;
    assert_eq!(fields_of(&r), ["sources"]);
    let mut bad = qa(doc, Some("第二条"));
    bad.fields.valid_to = chrono::NaiveDate::from_ymd_opt(2025, 1, 1);
    assert_eq!(fields_of(&l.e.svc.create_qa(&l.editor, &bad).await), ["valid_to"]);
    // A draft document cannot be cited.
    let (draft, _) = l.e.svc.create_document(&l.editor, &input("草稿办法")).await.unwrap();
    assert_eq!(fields_of(&l.e.svc.create_qa(&l.editor, &qa(draft.id, None)).await), ["sources"]);
    let ok = l.e.svc.create_qa(&l.editor, &qa(doc, Some("第二条"))).await.unwrap();
    assert_eq!(ok.state, QaState::Draft);
    assert_eq!(ok.sources[0].2, "第二条");
}

#[tokio::test]
async fn repealing_the_source_makes_items_stale_until_reviewed() {
    let l = lib().await;
    signoff_only(&l).await;
    let doc = publish(&l, "清江市就业促进办法").await;
    let item = l.e.svc.create_qa(&l.editor, &qa(doc, Some("第二条"))).await.unwrap();
    let r = l.e.svc.qa_transition(&l.signer, item.id, QaEvent::Publish, None).await;
    assert!(matches!(r, Err(ServiceError::Conflict(_))), "drafts are reviewed first: {r:?}");
    l.e.svc.qa_transition(&l.editor, item.id, QaEvent::Submit, None).await.unwrap();
    let r = l.e.svc.qa_transition(&l.editor, item.id, QaEvent::Publish, None).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    l.e.svc.qa_transition(&l.signer, item.id, QaEvent::Publish, None).await.unwrap();
    let (list, total) = l.e.svc.public_qa_list(None, false, 10, 0).await.unwrap();
    assert_eq!((list.len(), total), (1, 1));
    assert_eq!(l.e.svc.public_qa_list(Some(doc), false, 10, 0).await.unwrap().1, 1, "related to its document");
    l.e.svc.public_qa(item.id).await.unwrap();
    assert_eq!(l.e.svc.public_qa_list(None, true, 10, 0).await.unwrap().0[0].views, 1, "hot questions count views");

    // A new document repeals the source: the item goes stale and leaves the public list.
    let mut repeal = input("清江市就业促进条例实施办法");
    repeal.relations = vec![(RelationKind::Repeals, doc.to_string())];
    let (new, _) = l.e.svc.create_document(&l.editor, &repeal).await.unwrap();
    for (who, ev) in
        [(&l.editor, EditionEvent::Submit), (&l.signer, EditionEvent::Approve), (&l.signer, EditionEvent::Publish)]
    {
        l.e.svc.document_transition(who, new.id, ev, None, None).await.unwrap();
    }
    let stale = l.e.svc.staff_qa_list(&l.signer, "c1", true, 10, 0).await.unwrap().0;
    assert_eq!(stale.len(), 1);
    assert!(stale[0].stale_reason.as_deref().unwrap().contains("已废止"), "{:?}", stale[0].stale_reason);
    assert_eq!(l.e.svc.public_qa_list(None, false, 10, 0).await.unwrap().1, 0);
    assert!(matches!(l.e.svc.public_qa(item.id).await, Err(ServiceError::NotFound(_))));

    // Reviewed: returned to draft, re-pointed at the new document, published again.
    l.e.svc.qa_transition(&l.signer, item.id, QaEvent::Return, Some("依据已废止，请更新")).await.unwrap();
    l.e.svc.update_qa(&l.editor, item.id, &qa(new.id, Some("第一条"))).await.unwrap();
    l.e.svc.qa_transition(&l.editor, item.id, QaEvent::Submit, None).await.unwrap();
    let back = l.e.svc.qa_transition(&l.signer, item.id, QaEvent::Publish, None).await.unwrap();
    assert!(!back.stale);
    assert_eq!(l.e.svc.public_qa_list(None, false, 10, 0).await.unwrap().1, 1);
    let actions = l.e.actions().await;
    for a in ["qa.create", "qa.submit", "qa.publish", "qa.return", "qa.update"] {
        assert!(actions.iter().any(|(x, _)| x == a), "{a} audited");
    }
}

#[tokio::test]
async fn export_is_a_delta_with_withdrawals_and_import_is_idempotent() {
    let l = lib().await;
    signoff_only(&l).await;
    let doc = publish(&l, "清江市就业促进办法").await;
    let mut one = qa(doc, Some("第一条"));
    one.external_id = Some("12345-0001".into());
    assert_eq!(l.e.svc.import_qa(&l.signer, &one).await.unwrap(), QaImportOutcome::Imported);
    assert_eq!(l.e.svc.import_qa(&l.signer, &one).await.unwrap(), QaImportOutcome::Unchanged);
    one.fields.answer = "适用于本市全部行政区域。".into();
    assert_eq!(l.e.svc.import_qa(&l.signer, &one).await.unwrap(), QaImportOutcome::Updated);
    let all = l.e.svc.qa_export(None).await.unwrap();
    assert_eq!(all.len(), 1);
    let id = all[0].id;
    l.e.clock.advance_ms(2 * 86_400_000);
    let since = gongkai_service::china_date(l.e.svc.now_ms());
    assert!(l.e.svc.qa_export(Some(since)).await.unwrap().is_empty(), "nothing changed since");
    l.e.svc.qa_transition(&l.signer, id, QaEvent::Withdraw, Some("政策调整")).await.unwrap();
    let delta = l.e.svc.qa_export(Some(since)).await.unwrap();
    assert_eq!(delta.len(), 1);
    assert_eq!(delta[0].state, QaState::Withdrawn, "withdrawals are in the delta");
    assert!(l.e.svc.qa_export(None).await.unwrap().is_empty(), "a full export holds published items only");
}

#[tokio::test]
async fn qa_items_are_searchable_through_the_same_index() {
    use gongkai_service::search_index::{SearchHome, WriterOptions};
    use gongkai_service::{Ctx, SearchConfig, SearchInput};
    let l = lib().await;
    signoff_only(&l).await;
    let home = SearchHome::open(&l.e.db.dir.path().join("search"), WriterOptions::default()).unwrap();
    let svc = l.e.svc.clone().with_search(home, SearchConfig::default());
    let doc = publish(&l, "清江市就业促进办法").await;
    let mut item = qa(doc, Some("第二条"));
    item.fields.question = "灵活就业人员补贴适用范围是什么？".into();
    let it = svc.create_qa(&l.editor, &item).await.unwrap();
    let search = |staff: bool, ctx: Ctx| {
        let svc = svc.clone();
        async move {
            let input = SearchInput { q: "灵活就业人员".into(), page: 1, per_page: 10, ..SearchInput::default() };
            // Relaxation may add documents sharing a word; only the Q&A hits matter here.
            let hits = svc.search(&ctx, &input, staff).await.unwrap().results.hits;
            hits.into_iter().filter(|h| h.kind == "qa").collect::<Vec<_>>()
        }
    };
    svc.sync_search().await.unwrap();
    assert!(search(false, Ctx::anonymous(None)).await.is_empty(), "drafts are not public");
    let staff = search(true, l.editor.clone()).await;
    assert_eq!((staff[0].id, staff[0].kind.as_str()), (-it.id, "qa"), "staff find the draft");
    svc.qa_transition(&l.editor, it.id, QaEvent::Submit, None).await.unwrap();
    svc.qa_transition(&l.signer, it.id, QaEvent::Publish, None).await.unwrap();
    svc.sync_search().await.unwrap();
    let hits = search(false, Ctx::anonymous(None)).await;
    assert_eq!((hits.len(), hits[0].id, hits[0].kind.as_str()), (1, -it.id, "qa"));
    let only_qa =
        SearchInput { q: "就业".into(), class: Some("qa".into()), page: 1, per_page: 10, ..SearchInput::default() };
    let page = svc.search(&Ctx::anonymous(None), &only_qa, false).await.unwrap();
    assert!(page.results.hits.iter().all(|h| h.kind == "qa") && !page.results.hits.is_empty(), "the 政策问答 facet");
    // Stale items leave the public index with the repeal.
    let mut repeal = input("清江市就业促进条例实施办法");
    repeal.relations = vec![(RelationKind::Repeals, doc.to_string())];
    let (new, _) = svc.create_document(&l.editor, &repeal).await.unwrap();
    for (who, ev) in
        [(&l.editor, EditionEvent::Submit), (&l.signer, EditionEvent::Approve), (&l.signer, EditionEvent::Publish)]
    {
        svc.document_transition(who, new.id, ev, None, None).await.unwrap();
    }
    svc.sync_search().await.unwrap();
    assert!(search(false, Ctx::anonymous(None)).await.is_empty(), "stale answers are not public");
    let mut expected = svc.expected_search_entries().await.unwrap();
    let mut actual = svc.search_entries().unwrap();
    expected.sort_by_key(|(id, e)| (*id, e.key()));
    actual.sort_by_key(|(id, e)| (*id, e.key()));
    assert_eq!(expected, actual, "the index holds what the database says");
}

/// 公开前审查 covers the knowledge base too: an answer carrying an identity number is not published.
#[tokio::test]
async fn an_answer_with_personal_data_is_not_published() {
    let l = lib().await;
    signoff_only(&l).await;
    let doc = publish(&l, "清江市就业促进办法").await;
    let mut input = qa(doc, Some("第二条"));
    input.fields.answer = "请联系经办人，身份证号：11010519491231002X。".into();
    let item = l.e.svc.create_qa(&l.editor, &input).await.unwrap();
    l.e.svc.qa_transition(&l.editor, item.id, QaEvent::Submit, None).await.unwrap();
    let r = l.e.svc.qa_transition(&l.signer, item.id, QaEvent::Publish, None).await;
    match r {
        Err(ServiceError::Conflict(m)) => assert!(m.contains("答复"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(l.e.svc.public_qa_list(None, false, 10, 0).await.unwrap().0.is_empty());
}
