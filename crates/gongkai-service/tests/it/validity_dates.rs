//! Validity changes carry their legal dates (issue 22): an expiry the day after 有效期至, a repeal
//! or amendment on the causing document's 施行日期 (recorded now, applied on that day when it is
//! still ahead), a cleanup decision on the catalogue's date, an import's statement on the source's
//! date or undated; "in force on a date" follows those dates. The fake clock starts on
//! 2026-11-27 (08:00 in China).

use chrono::NaiveDate;
use gongkai_domain::document::{DocClass, DocFields, EditionEvent, RelationKind, Validity, ValidityEvent};
use gongkai_service::{CleanupResult, Ctx, DocFilter, ImportDoc, ImportOutcome};

use crate::documents::{Lib, approve, input, lib, publish};
use crate::support::START_MS;

const DAY_MS: i64 = 86_400_000;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The ids of the public documents in force on `day`.
async fn in_force_on(l: &Lib, day: &str) -> Vec<i64> {
    let f = DocFilter { public_only: true, valid_on: Some(d(day)), ..DocFilter::default() };
    let mut ids: Vec<i64> = l.e.svc.list_documents(&f, 100, 0).await.unwrap().docs.iter().map(|x| x.id).collect();
    ids.sort_unstable();
    ids
}

async fn events(l: &Lib, id: i64) -> Vec<ValidityEvent> {
    l.e.svc.public_document(id).await.unwrap().validity_events
}

fn imported(id: &str, validity: Option<Validity>, validity_on: Option<NaiveDate>) -> ImportDoc {
    ImportDoc {
        external_id: id.into(),
        fields: DocFields {
            title: format!("清江市{id}管理办法"),
            issuer: "清江市人民政府".into(),
            effective_on: Some(d("2019-01-01")),
            expires_on: Some(d("2024-05-13")),
            class: Some(DocClass::Normative),
            body: "第一条 内容。".into(),
            ..DocFields::default()
        },
        published_on: Some(d("2018-12-01")),
        validity,
        validity_on,
    }
}

#[tokio::test]
async fn an_expiry_that_passed_before_the_import_is_dated_the_day_after_its_term() {
    let l = lib().await;
    let org = l.e.svc.org_by_code("c1").await.unwrap().unwrap();
    let sys = Ctx::system();
    let out = l.e.svc.import_document(&sys, &org, &imported("x-1", None, None)).await.unwrap();
    assert_eq!(out, ImportOutcome::Imported);
    let id = l.e.svc.resolve_document("x-1").await.unwrap().unwrap().id;
    let ev = events(&l, id).await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].to, Validity::Expired);
    assert_eq!(ev[0].on, Some(d("2024-05-14")), "the day after 有效期至, not the day of the import");
    assert_eq!(ev[0].at_ms, START_MS, "the recorded time is kept beside it");
    assert!(!ev[0].pending);
    assert_eq!(in_force_on(&l, "2018-12-31").await, Vec::<i64>::new(), "not yet in force");
    assert_eq!(in_force_on(&l, "2019-01-01").await, vec![id]);
    assert_eq!(in_force_on(&l, "2024-05-13").await, vec![id], "the last day of its term");
    assert_eq!(in_force_on(&l, "2024-05-14").await, Vec::<i64>::new());
    assert_eq!(in_force_on(&l, "2026-11-27").await, Vec::<i64>::new());
}

#[tokio::test]
async fn a_repeal_that_takes_effect_in_the_future_is_applied_on_its_date() {
    let l = lib().await;
    let old = publish(&l, "旧办法").await;
    let mut i = input("新办法");
    i.fields.effective_on = Some(d("2027-01-01"));
    i.relations = vec![(RelationKind::Repeals, old.to_string())];
    let (new, _) = l.e.svc.create_document(&l.editor, &i).await.unwrap();
    l.e.svc.document_transition(&l.editor, new.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, new.id).await;
    l.e.svc.document_transition(&l.signer, new.id, EditionEvent::Publish, None, None).await.unwrap();

    // Recorded now, not yet in effect: the old document stays in force until 2027-01-01.
    let p = l.e.svc.public_document(old).await.unwrap();
    assert_eq!(p.doc.validity, Validity::InForce);
    let repeal = p.validity_events.iter().find(|e| e.to == Validity::Repealed).expect("the repeal is recorded");
    assert_eq!((repeal.on, repeal.pending, repeal.cause_document_id), (Some(d("2027-01-01")), true, Some(new.id)));
    assert_eq!(in_force_on(&l, "2026-12-31").await, vec![old]);
    assert_eq!(in_force_on(&l, "2027-01-01").await, vec![new.id], "on its date the new one replaces it");
    // Publishing the new document again records the repeal once.
    assert_eq!(l.e.svc.refresh_validity().await.unwrap(), 0);
    l.e.clock.advance_ms(34 * DAY_MS); // 2026-12-31 in China
    assert_eq!(l.e.svc.refresh_validity().await.unwrap(), 0);
    assert_eq!(l.e.svc.public_document(old).await.unwrap().doc.validity, Validity::InForce);

    l.e.clock.advance_ms(DAY_MS); // 2027-01-01
    assert_eq!(l.e.svc.refresh_validity().await.unwrap(), 2, "the old one is repealed, the new one in force");
    let p = l.e.svc.public_document(old).await.unwrap();
    assert_eq!(p.doc.validity, Validity::Repealed);
    let repeals: Vec<_> = p.validity_events.iter().filter(|e| e.to == Validity::Repealed).collect();
    assert_eq!(repeals.len(), 1, "applied, not recorded twice: {repeals:?}");
    assert_eq!((repeals[0].on, repeals[0].pending, repeals[0].at_ms), (Some(d("2027-01-01")), false, START_MS));
    let n = l.e.svc.public_document(new.id).await.unwrap();
    assert_eq!(n.doc.validity, Validity::InForce);
    assert_eq!(n.validity_events.last().map(|e| e.on), Some(Some(d("2027-01-01"))), "in force on its 施行日期");
}

#[tokio::test]
async fn an_amendment_is_dated_on_the_amending_documents_effective_date() {
    let l = lib().await;
    let target = publish(&l, "被修改的办法").await;
    let mut i = input("修改决定");
    i.fields.effective_on = Some(d("2026-11-20"));
    i.relations = vec![(RelationKind::Amends, target.to_string())];
    let (doc, _) = l.e.svc.create_document(&l.editor, &i).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, doc.id).await;
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    let p = l.e.svc.public_document(target).await.unwrap();
    assert_eq!(p.doc.validity, Validity::Amended);
    let e = p.validity_events.iter().find(|e| e.to == Validity::Amended).unwrap();
    assert_eq!(e.on, Some(d("2026-11-20")), "the 施行日期 of the amending document, not 2026-11-27");
    assert_eq!((e.at_ms, e.pending, e.cause_document_id), (START_MS, false, Some(doc.id)));
    assert!(in_force_on(&l, "2026-11-27").await.contains(&target), "an amended document is still in force");

    // Without a 施行日期 the amending document's publication date applies.
    let other = publish(&l, "另一办法").await;
    l.e.clock.advance_ms(3 * DAY_MS);
    let mut i = input("第二个修改决定");
    i.fields.effective_on = None;
    i.relations = vec![(RelationKind::Amends, other.to_string())];
    let (doc, _) = l.e.svc.create_document(&l.editor, &i).await.unwrap();
    l.e.svc.document_transition(&l.editor, doc.id, EditionEvent::Submit, None, None).await.unwrap();
    approve(&l, doc.id).await;
    l.e.svc.document_transition(&l.signer, doc.id, EditionEvent::Publish, None, None).await.unwrap();
    let e = events(&l, other).await.into_iter().find(|e| e.to == Validity::Amended).unwrap();
    assert_eq!(e.on, Some(d("2026-11-30")));
}

#[tokio::test]
async fn a_cleanup_decision_is_dated_on_the_catalogue_date() {
    let l = lib().await;
    let a = publish(&l, "甲办法").await;
    let b = publish(&l, "乙办法").await;
    let c = publish(&l, "丙办法").await;
    let items = vec![(a.to_string(), CleanupResult::Repeal, None), (b.to_string(), CleanupResult::Expire, None)];
    let id = l.e.svc.create_cleanup(&l.signer, "c1", "2026年度清理", Some(d("2026-11-26")), &items).await.unwrap();
    l.e.clock.advance_ms(2 * DAY_MS);
    l.e.svc.publish_cleanup(&l.signer, id).await.unwrap();
    for (doc, to) in [(a, Validity::Repealed), (b, Validity::Expired)] {
        let p = l.e.svc.public_document(doc).await.unwrap();
        assert_eq!(p.doc.validity, to);
        let e = p.validity_events.last().unwrap();
        assert_eq!((e.to, e.on, e.at_ms), (to, Some(d("2026-11-26")), START_MS + 2 * DAY_MS), "{e:?}");
    }
    assert_eq!(in_force_on(&l, "2026-11-25").await, vec![a, b, c]);
    assert_eq!(in_force_on(&l, "2026-11-26").await, vec![c]);

    // A catalogue without a date decides on the day it is published; one dated ahead waits.
    let id =
        l.e.svc
            .create_cleanup(&l.signer, "c1", "补充清理", None, &[(c.to_string(), CleanupResult::Repeal, None)])
            .await
            .unwrap();
    l.e.svc.publish_cleanup(&l.signer, id).await.unwrap();
    assert_eq!(events(&l, c).await.last().unwrap().on, Some(d("2026-11-29")));
    let later = publish(&l, "丁办法").await;
    let items = [(later.to_string(), CleanupResult::Expire, None)];
    let id = l.e.svc.create_cleanup(&l.signer, "c1", "下年度清理", Some(d("2027-01-01")), &items).await.unwrap();
    l.e.svc.publish_cleanup(&l.signer, id).await.unwrap();
    let p = l.e.svc.public_document(later).await.unwrap();
    assert_eq!(p.doc.validity, Validity::InForce);
    assert!(p.validity_events.iter().any(|e| e.pending && e.on == Some(d("2027-01-01"))));
}

#[tokio::test]
async fn an_imported_statement_carries_the_sources_date_or_is_undated() {
    let l = lib().await;
    let org = l.e.svc.org_by_code("c1").await.unwrap().unwrap();
    let sys = Ctx::system();
    let mut dated = imported("x-2", Some(Validity::Repealed), Some(d("2023-06-30")));
    dated.fields.expires_on = None;
    let mut undated = imported("x-3", Some(Validity::Repealed), None);
    undated.fields.expires_on = None;
    for item in [&dated, &undated] {
        l.e.svc.import_document(&sys, &org, item).await.unwrap();
    }
    let x2 = l.e.svc.resolve_document("x-2").await.unwrap().unwrap();
    let x3 = l.e.svc.resolve_document("x-3").await.unwrap().unwrap();
    assert_eq!((x2.validity, x3.validity), (Validity::Repealed, Validity::Repealed));
    let e2 = events(&l, x2.id).await;
    assert_eq!(e2.iter().map(|e| (e.to, e.on)).collect::<Vec<_>>(), [(Validity::Repealed, Some(d("2023-06-30")))]);
    let e3 = events(&l, x3.id).await;
    assert_eq!(e3.iter().map(|e| (e.to, e.on)).collect::<Vec<_>>(), [(Validity::Repealed, None)], "marked undated");
    assert_eq!(in_force_on(&l, "2023-06-29").await, vec![x2.id], "an undated end is never asserted as in force");
    assert_eq!(in_force_on(&l, "2023-06-30").await, Vec::<i64>::new());
}

#[tokio::test]
async fn the_demo_documents_carry_their_legal_dates() {
    let l = lib().await;
    l.e.svc.seed_demo().await.unwrap();
    l.e.svc.seed_demo_documents().await.unwrap();
    let today = d("2026-11-27");
    let day = |n: i64| today + chrono::Duration::days(n);
    let old = l.e.svc.resolve_document("demo-doc-03").await.unwrap().unwrap();
    let new = l.e.svc.resolve_document("demo-doc-02").await.unwrap().unwrap();
    let p = l.e.svc.public_document(old.id).await.unwrap();
    assert_eq!(p.doc.validity, Validity::Repealed);
    let dated: Vec<_> = p.validity_events.iter().map(|e| (e.to, e.on, e.cause_document_id)).collect();
    assert_eq!(
        dated,
        [(Validity::Expired, Some(day(-938 + 1)), None), (Validity::Repealed, Some(day(-368)), Some(new.id))],
        "expired the day after its term, repealed on the 施行日期 of the repealing regulation"
    );
    assert!(p.validity_events.iter().all(|e| e.on != Some(today)), "never the day the server computed it");
    let amended = l.e.svc.resolve_document("demo-doc-04").await.unwrap().unwrap();
    let e = events(&l, amended.id).await.into_iter().find(|e| e.to == Validity::Amended).unwrap();
    assert_eq!(e.on, Some(day(-38)));
}
