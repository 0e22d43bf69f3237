//! Search use cases: the index follows the database through the change log, on both databases.

use gongkai_domain::document::EditionEvent;
use gongkai_domain::role::Role;
use gongkai_service::search_index::{Entry, SearchHome, WriterOptions};
use gongkai_service::{Backend, Ctx, SearchConfig, SearchInput, Service, ServiceError};

use crate::documents::{Lib, input, lib, publish};

fn with_search(l: &Lib) -> Service {
    let home = SearchHome::open(&l.e.db.dir.path().join("search"), WriterOptions::default()).unwrap();
    l.e.svc.clone().with_search(home, SearchConfig::default())
}

fn q(text: &str) -> SearchInput {
    SearchInput { q: text.into(), page: 1, per_page: 10, ..SearchInput::default() }
}

async fn public_ids(svc: &Service, text: &str) -> Vec<i64> {
    let page = svc.search(&Ctx::anonymous(None), &q(text), false).await.unwrap();
    page.results.hits.iter().map(|h| h.id).collect()
}

async fn assert_index_matches_database(svc: &Service) {
    assert_eq!(svc.search_entries().unwrap(), svc.expected_search_entries().await.unwrap());
}

#[tokio::test]
async fn published_drafts_and_withdrawn_follow_the_database() {
    let l = lib().await;
    let svc = with_search(&l);
    let published = publish(&l, "清江市促进就业办法").await;
    let (draft, _) = svc.create_document(&l.editor, &input("清江市草稿保密事项通知")).await.unwrap();
    svc.sync_search().await.unwrap();
    assert_index_matches_database(&svc).await;

    assert_eq!(public_ids(&svc, "促进就业").await, vec![published]);
    assert!(public_ids(&svc, "草稿保密").await.is_empty(), "drafts never reach public results");
    assert!(svc.suggest("草稿", 5).await.unwrap().is_empty());
    let staff = svc.search(&l.editor, &q("草稿保密"), true).await.unwrap();
    assert_eq!(staff.results.hits.iter().map(|h| (h.id, h.entry)).collect::<Vec<_>>(), vec![(draft.id, Entry::Staff)]);
    // Staff of another city do not see it.
    l.e.user("other", &[(Role::Editor, "c2")]).await;
    let other = l.e.as_user("other").await;
    assert!(svc.search(&other, &q("草稿保密"), true).await.unwrap().results.hits.is_empty());
    // Anonymous callers cannot ask for staff results.
    assert!(matches!(svc.search(&Ctx::anonymous(None), &q("x"), true).await, Err(ServiceError::Forbidden(_))));

    svc.document_transition(&l.signer, published, EditionEvent::Withdraw, Some("内容有误"), None).await.unwrap();
    svc.sync_search().await.unwrap();
    assert!(public_ids(&svc, "促进就业").await.is_empty(), "withdrawn items leave results");
    assert_index_matches_database(&svc).await;
    let st = svc.search_status().await.unwrap();
    assert_eq!(st.lag(), 0);
    assert_eq!(st.gaps, 0);
    // Syncing again changes nothing.
    assert_eq!(svc.sync_search().await.unwrap(), 0);
    assert_index_matches_database(&svc).await;
}

#[tokio::test]
async fn a_reopened_index_catches_up_and_a_rebuild_replaces_it() {
    let l = lib().await;
    let svc = with_search(&l);
    let a = publish(&l, "关于加强安全生产工作的通知").await;
    svc.sync_search().await.unwrap();
    drop(svc);
    // Changes while no indexer runs.
    let b = publish(&l, "关于做好防汛抗旱工作的意见").await;
    let svc = with_search(&l);
    assert!(public_ids(&svc, "防汛抗旱").await.is_empty());
    assert!(svc.search_status().await.unwrap().lag() > 0);
    svc.sync_search().await.unwrap();
    assert_eq!(public_ids(&svc, "防汛抗旱").await, vec![b]);
    assert_eq!(public_ids(&svc, "安全生产").await, vec![a]);

    let n = svc.rebuild_search(&l.e.db.dir.path().join("search"), WriterOptions::default()).await.unwrap();
    assert_eq!(n, 2);
    svc.sync_search().await.unwrap();
    assert_index_matches_database(&svc).await;
    assert_eq!(public_ids(&svc, "防汛抗旱").await, vec![b]);
}

#[tokio::test]
async fn a_later_sequence_number_committing_first_is_not_lost() {
    let l = lib().await;
    let svc = with_search(&l);
    let a = publish(&l, "关于甲事项的通知").await;
    let b = publish(&l, "关于乙事项的通知").await;
    svc.sync_search().await.unwrap();
    if svc.backend() != Backend::Postgres {
        // SQLite serialises writers (BEGIN IMMEDIATE): sequence numbers commit in order.
        return;
    }
    let store = &l.e.db.store;
    let now = svc.now_ms();
    // Transaction 1 takes a sequence number and stays open...
    let mut t1 = store.begin().await.unwrap();
    t1.append_search_change(a, now).await.unwrap();
    // ...while transaction 2 takes the next one and commits.
    let mut t2 = store.begin().await.unwrap();
    t2.append_search_change(b, now).await.unwrap();
    t2.commit().await.unwrap();
    svc.sync_search().await.unwrap();
    assert_eq!(svc.search_status().await.unwrap().gaps, 1, "the open transaction's number is a gap");
    // Once it commits, the next sync finds the gap's row and applies it.
    t1.commit().await.unwrap();
    svc.sync_search().await.unwrap();
    let st = svc.search_status().await.unwrap();
    assert_eq!(st.gaps, 0, "the gap was seen and applied");
    assert_index_matches_database(&svc).await;
}

#[tokio::test]
async fn filters_are_checked_and_hot_searches_are_anonymous_counts() {
    let l = lib().await;
    let svc = with_search(&l);
    publish(&l, "清江市促进就业办法").await;
    svc.sync_search().await.unwrap();
    let anon = Ctx::anonymous(Some("10.1.1.1".into()));
    for (field, input) in [
        ("class", SearchInput { class: Some("nonsense".into()), ..q("就业") }),
        ("validity", SearchInput { validity: Some("maybe".into()), ..q("就业") }),
        ("org", SearchInput { org: Some("nowhere".into()), ..q("就业") }),
        ("sort", SearchInput { sort: Some("random".into()), ..q("就业") }),
        ("q", q(&"长".repeat(500))),
    ] {
        match svc.search(&anon, &input, false).await {
            Err(ServiceError::Invalid(inv)) => assert_eq!(inv.0[0].field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let far = svc.search(&anon, &SearchInput { page: 999, ..q("就业") }, false).await.unwrap();
    assert!(far.results.hits.is_empty());
    assert_eq!(far.results.total, 1);
    let unknown_topic = svc.search(&anon, &SearchInput { topic: Some("不存在".into()), ..q("就业") }, false).await;
    assert_eq!(unknown_topic.unwrap().results.total, 0);

    let client = |n: u8| Ctx::anonymous(Some(format!("10.2.0.{n}")));
    for n in 0..3 {
        svc.search(&client(n), &q("促进就业"), false).await.unwrap();
    }
    for n in 0..2 {
        svc.search(&client(n), &q("清江"), false).await.unwrap();
    }
    // One client repeating a query does not make it hot.
    for _ in 0..50 {
        svc.search(&client(9), &q("就业办法"), false).await.unwrap();
    }
    // Nor is a query shown that holds personal data, however many clients searched it.
    for n in 0..5 {
        svc.search(&client(n), &q("就业 13912345678"), false).await.unwrap();
    }
    svc.search(&anon, &q("没有结果的词语"), false).await.unwrap();
    svc.flush_search_log().await.unwrap();
    let hot = svc.hot_searches().await.unwrap();
    assert_eq!(
        hot,
        vec![("促进就业".to_owned(), 3)],
        "below the threshold of distinct clients, screened out or without results: not shown"
    );
    // The same clients on the next day count again (a client counts once per query and day);
    // no address is stored, only keyed hashes under a key that changed with the day.
    l.e.clock.advance_ms(86_400_000);
    for n in 0..3 {
        svc.search(&client(n), &q("清江"), false).await.unwrap();
    }
    svc.flush_search_log().await.unwrap();
    l.e.clock.advance_ms(61_000);
    let hot = svc.hot_searches().await.unwrap();
    assert!(hot.contains(&("清江".to_owned(), 5)), "{hot:?}");
}
