//! Disclosure-on-application storage: applications, events, clock columns, lists, report rows, topic
//! groups, disputes, calendar adjustments and the rate table, identical on both databases.

use chrono::NaiveDate;
use gongkai_domain::org::OrgKind;
use gongkai_store::{FoiClockCols, FoiFilter, FoiReportInputs, NewFoi, NewOrg, StoreError};
use gongkai_testkit::TestDb;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn new_foi<'a>(org_id: i64, code: &'a str, id_number: &'a str, topic: &'a str) -> NewFoi<'a> {
    NewFoi {
        org_id,
        tracking_code: code,
        external_id: None,
        applicant_type: "natural_person",
        channel: "online",
        applicant_name: "张三",
        id_type: "id_card",
        id_number,
        contact_person: None,
        phone: "010-1",
        email: None,
        address: None,
        postcode: None,
        info_title: None,
        info_number: None,
        description: "老旧小区改造清单",
        topic_key: topic,
        form: "electronic",
        delivery: "email",
        purpose: None,
        submitted_at: 1,
        registered_by: None,
        now_ms: 1,
    }
}

#[tokio::test]
async fn applications_events_and_reports() {
    let db = TestDb::new().await;
    let s = &db.store;
    let mut tx = s.begin().await.unwrap();
    let org = tx
        .insert_org(&NewOrg {
            code: "p",
            name: "省",
            kind: OrgKind::Province,
            parent: None,
            division_code: None,
            credit_code: None,
            now_ms: 1,
        })
        .await
        .unwrap();
    let a = tx.insert_foi(&new_foi(org.id, "CODE-A", "X1", "k1")).await.unwrap();
    let b = tx.insert_foi(&new_foi(org.id, "CODE-B", "X2", "k1")).await.unwrap();
    tx.insert_foi_event(a, "received", d("2025-03-03"), None, None, None, None, None, None, None, 2).await.unwrap();
    tx.insert_foi_event(a, "extended", d("2025-03-10"), Some(5), None, None, None, None, Some("n"), None, 3)
        .await
        .unwrap();
    let cols = FoiClockCols {
        stage: "in_progress".into(),
        received_on: Some(d("2025-03-03")),
        clock_start: Some(d("2025-03-03")),
        due_on: Some(d("2025-04-08")),
        extension_days: 5,
        ..Default::default()
    };
    tx.lock_foi(a).await.unwrap();
    tx.set_foi_clock(a, &cols, 4).await.unwrap();
    tx.set_foi_reply_draft(a, "granted", "正文", None, "第三十六条", "复议", None, 5).await.unwrap();
    tx.set_foi_reply_state(a, "approved", None, 6).await.unwrap();
    let case = tx.insert_foi_case(a, "reconsideration", d("2025-05-01"), None, 7).await.unwrap();
    assert_eq!(tx.decide_foi_case(case, "upheld", Some(d("2025-06-01")), 8).await.unwrap(), 1);
    tx.put_calendar_adjustment("", d("2025-03-04"), false, "临时闭馆", "某政府通知", None, 9).await.unwrap();
    tx.put_calendar_adjustment("", d("2025-03-04"), false, "临时闭馆（更正）", "某政府通知", None, 10).await.unwrap();
    tx.record_foi_rate("10.0.0.1", 100, 0).await.unwrap();
    tx.record_foi_rate("10.0.0.1", 200, 150).await.unwrap();
    tx.put_foi_report_inputs(org.id, 2025, &FoiReportInputs { licensing: Some(3), ..Default::default() }, 11)
        .await
        .unwrap();
    tx.put_foi_proactive(org.id, "k1", "disclose", None, None, 12).await.unwrap();
    tx.commit().await.unwrap();

    let row = s.foi_by_tracking_code("CODE-A").await.unwrap().unwrap();
    assert_eq!(row.due_on, Some(d("2025-04-08")));
    assert_eq!(row.reply_state, "approved");
    assert_eq!(s.foi_events(a).await.unwrap().len(), 2);
    assert_eq!(s.foi_events(a).await.unwrap()[1].days, Some(5));
    assert_eq!(s.foi_open_ids().await.unwrap(), vec![a, b]);
    let open = s.foi_list(&FoiFilter { open_only: true, ..Default::default() }, 10, 0).await.unwrap();
    assert_eq!(open[0].id, a, "due first");
    let due = s.foi_list(&FoiFilter { due_by: Some(d("2025-04-30")), ..Default::default() }, 10, 0).await.unwrap();
    assert_eq!(due.len(), 1);
    let f = FoiFilter { stage: Some("awaiting_confirmation".into()), ..Default::default() };
    assert_eq!(s.foi_list(&f, 10, 0).await.unwrap()[0].id, b);
    assert_eq!(s.foi_report_rows(&org.path, true).await.unwrap().len(), 1);
    assert_eq!(s.foi_cases_under(&org.path, false).await.unwrap()[0].result, "upheld");
    let adj = s.calendar_adjustments().await.unwrap();
    assert_eq!(adj.len(), 1);
    assert_eq!(adj[0].name, "临时闭馆（更正）");
    assert_eq!(s.foi_rate_count("10.0.0.1", 0).await.unwrap(), 1, "old rows are forgotten");
    assert_eq!(s.foi_report_inputs(org.id, 2025).await.unwrap().unwrap().licensing, Some(3));
    let groups = s.foi_topic_groups(&org.path, 2).await.unwrap();
    assert_eq!((groups[0].applications, groups[0].applicants), (2, 2));
    assert_eq!(groups[0].decision.as_deref(), Some("disclose"));

    // The tracking code is unique; a bad outcome is refused by the CHECK.
    let mut tx = s.begin().await.unwrap();
    let dup = tx.insert_foi(&new_foi(org.id, "CODE-A", "X3", "k2")).await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
    drop(tx);
    let mut tx = s.begin().await.unwrap();
    let bad = FoiClockCols { stage: "in_progress".into(), outcome: Some("nonsense".into()), ..Default::default() };
    assert!(tx.set_foi_clock(a, &bad, 1).await.is_err());
}
