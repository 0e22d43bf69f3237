//! The index end to end: recall of substrings, ranking rules, visibility, facets, positions.

use chrono::NaiveDate;
use gongkai_search::*;

fn doc(id: i64, title: &str, body: &str) -> SearchDoc {
    SearchDoc {
        id,
        entry: Entry::Public,
        kind: "document".into(),
        external_id: Some(format!("ext-{id}")),
        index_no: format!("000-{id}"),
        title: title.into(),
        doc_number: None,
        issuer: "省人民政府".into(),
        body: body.into(),
        org_paths: vec!["/1/".into()],
        topic: Some("综合政务".into()),
        genre: Some("通知".into()),
        class: "normative".into(),
        validity: "in_force".into(),
        current: true,
        published_on: NaiveDate::from_ymd_opt(2020, 1, 1),
        state: "published".into(),
    }
}

fn home() -> (tempfile::TempDir, SearchHome) {
    let dir = tempfile::tempdir().unwrap();
    let home = SearchHome::open(&dir.path().join("search"), WriterOptions::default()).unwrap();
    (dir, home)
}

fn req(q: &str) -> SearchRequest {
    SearchRequest {
        query: parse_query(q).unwrap(),
        filters: Filters::default(),
        sort: Sort::Relevance,
        offset: 0,
        limit: 10,
        audience: Audience::Public,
        facets: true,
    }
}

fn ids(idx: &SearchIndex, r: SearchRequest) -> Vec<i64> {
    idx.search(&r).unwrap().hits.iter().map(|h| h.id).collect()
}

fn corpus() -> Vec<SearchDoc> {
    let mut a = doc(
        1,
        "国务院办公厅关于印发政务公开工作要点的通知",
        "各省、自治区、直辖市人民政府：现将政务公开工作要点印发给你们。",
    );
    a.doc_number = Some("国办发〔2019〕4号".into());
    let b = doc(
        2,
        "中华人民共和国政府信息公开条例",
        "第一条 为了保障公民、法人和其他组织依法获取政府信息，提高政府工作的透明度。",
    );
    let mut c = doc(3, "关于做好农业保险工作的意见", "中国农业发展银行应当加强对办公厅文件的学习，在建工程待处理。");
    c.published_on = NaiveDate::from_ymd_opt(2018, 5, 1);
    let mut d = doc(4, "关于做好农业保险工作的意见", "中国农业发展银行应当加强对办公厅文件的学习，在建工程待处理。");
    d.validity = "repealed".into();
    d.current = false;
    d.published_on = NaiveDate::from_ymd_opt(2021, 5, 1);
    let mut e = doc(5, "安全生产检查办法", "本办法所称政务公开，是指行政机关公开其政务信息。");
    e.class = "other".into();
    e.topic = Some("安全生产".into());
    vec![a, b, c, d, e]
}

fn loaded() -> (tempfile::TempDir, SearchHome) {
    let (dir, home) = home();
    let docs = corpus();
    let changed: Vec<i64> = docs.iter().map(|d| d.id).collect();
    home.index().apply(&changed, &docs, &Position { applied: 5, gaps: vec![] }).unwrap();
    (dir, home)
}

#[test]
fn substrings_no_segmenter_produces_are_found() {
    let (_d, home) = loaded();
    let idx = home.index();
    for q in ["公厅", "息公", "农业", "处理", "工程", "银行", "办公厅", "开工"] {
        assert!(!ids(&idx, req(q)).is_empty(), "{q}");
    }
    // One character: inside a run and at its end.
    assert!(ids(&idx, req("厅")).contains(&1));
    assert!(ids(&idx, req("条")).contains(&2));
}

#[test]
fn traditional_and_full_width_queries() {
    let (_d, home) = loaded();
    let idx = home.index();
    // 資訊 is a regional word, not a character variant: only a relaxed match.
    assert_ne!(idx.search(&req("政府資訊")).unwrap().relaxed, Relaxed::No);
    assert_eq!(ids(&idx, req("政府信息公開條例")).first(), Some(&2));
    assert_eq!(ids(&idx, req("國辦發〔２０１９〕４號")).first(), Some(&1));
}

#[test]
fn doc_number_variants_rank_first() {
    let (_d, home) = loaded();
    let idx = home.index();
    for v in ["国办发〔2019〕4号", "国办发[2019]4号", "国办发2019 4号", "国办发（2019）4号"] {
        assert_eq!(ids(&idx, req(v)).first(), Some(&1), "{v}");
    }
}

#[test]
fn exact_title_first_then_title_over_body() {
    let (_d, home) = loaded();
    let idx = home.index();
    assert_eq!(ids(&idx, req("中华人民共和国政府信息公开条例")).first(), Some(&2));
    // 政务公开 is in the title of 1 and only in the body of 5.
    assert_eq!(ids(&idx, req("政务公开")), vec![1, 5]);
}

#[test]
fn a_long_title_holding_the_term_beats_a_body_full_of_it() {
    let (_d, home) = home();
    let idx = home.index();
    // Short titles elsewhere make the long one long by comparison (BM25 length normalisation).
    let mut docs: Vec<SearchDoc> = (20..60).map(|i| doc(i, &format!("办法{i}"), "其他内容。")).collect();
    docs.push(doc(11, "湖泊办法", &"湿地湿地保护修复湿地。".repeat(3)));
    docs.push(doc(
        12,
        "示范省人民政府办公厅关于印发示范省生态补偿机制建设和湿地保护修复三年行动方案以及配套措施和考核办法的通知",
        "各市、县人民政府，省直各部门：现将方案印发给你们，请认真贯彻执行。",
    ));
    let changed: Vec<i64> = docs.iter().map(|d| d.id).collect();
    idx.apply(&changed, &docs, &Position { applied: 2, gaps: vec![] }).unwrap();
    assert_eq!(ids(&idx, req("湿地")), vec![12, 11]);
    // Two words: the title holding both ranks first.
    assert_eq!(ids(&idx, req("湿地 修复")), vec![12, 11]);
}

#[test]
fn phrases_cut_anywhere_are_found() {
    let (_d, home) = home();
    let idx = home.index();
    // Hundreds of bigrams starting with 有 that sort before 有关: a prefix expansion would stop early.
    let filler: String = (0x4E00u32..0x4F40).filter_map(char::from_u32).map(|c| format!("有{c}。")).collect();
    let mut docs = vec![doc(30, "填充文件", &filler)];
    docs.push(doc(31, "卫生管理办法", "公共场所应当按照要求进行消毒，有关部门应当加强监督。"));
    docs.push(doc(32, "代表大会公告", "本条例于1994年7月22日北京市第十届人民代表大会常务委员会通过。"));
    let changed: Vec<i64> = docs.iter().map(|d| d.id).collect();
    idx.apply(&changed, &docs, &Position { applied: 3, gaps: vec![] }).unwrap();
    // Ends on a lone character whose bigram sorts late; starts inside a number.
    assert_eq!(ids(&idx, req("按照要求进行消毒，有")), vec![31]);
    let r = idx.search(&req("994年7月22日北")).unwrap();
    assert_eq!((r.relaxed, r.hits.first().map(|h| h.id)), (Relaxed::No, Some(32)));
}

#[test]
fn ties_prefer_current_then_newer() {
    let (_d, home) = loaded();
    let idx = home.index();
    // 3 and 4 are identical; 4 is newer but repealed.
    assert_eq!(ids(&idx, req("农业保险")), vec![3, 4]);
}

#[test]
fn phrases_exclusion_and_relaxation() {
    let (_d, home) = loaded();
    let idx = home.index();
    assert_eq!(ids(&idx, req("\"政务 公开\" -安全")), vec![1]);
    // No document holds both words together as written, so the query is relaxed.
    let r = idx.search(&req("农业透明度")).unwrap();
    assert!(r.relaxed != Relaxed::No);
    assert!(!r.hits.is_empty());
    let r = idx.search(&req("政务 不存在的词语组合")).unwrap();
    assert_eq!(r.relaxed, Relaxed::AnyWord);
}

#[test]
fn filters_facets_sort_and_paging() {
    let (_d, home) = loaded();
    let idx = home.index();
    let mut r = req("");
    r.filters.class = Some("other".into());
    assert_eq!(ids(&idx, r), vec![5]);
    let mut r = req("农业");
    r.filters.from = NaiveDate::from_ymd_opt(2021, 1, 1);
    assert_eq!(ids(&idx, r), vec![4]);
    let res = idx.search(&req("")).unwrap();
    assert_eq!(res.total, 5);
    let class = res.facets.iter().find(|f| f.name == "class").unwrap();
    assert_eq!(class.values, vec![("normative".to_owned(), 4), ("other".to_owned(), 1)]);
    let mut r = req("");
    r.sort = Sort::Newest;
    assert_eq!(ids(&idx, r).first(), Some(&4));
    let mut r = req("");
    r.offset = 1000;
    assert!(ids(&idx, r).is_empty());
}

#[test]
fn staff_entries_stay_out_of_public_results_and_suggestions() {
    let (_d, home) = loaded();
    let idx = home.index();
    let mut draft = doc(9, "关于机密草稿的通知", "草稿正文 政务公开");
    draft.entry = Entry::Staff;
    draft.org_paths = vec!["/1/".into(), "/1/7/".into()];
    idx.apply(&[9], &[draft], &Position { applied: 6, gaps: vec![] }).unwrap();
    assert!(ids(&idx, req("机密草稿")).is_empty());
    assert!(idx.suggest("机密", 5).unwrap().is_empty());
    let mut r = req("机密草稿");
    r.audience = Audience::Staff(vec!["/1/7/".into()]);
    assert_eq!(ids(&idx, r), vec![9]);
    let mut r = req("机密草稿");
    r.audience = Audience::Staff(vec!["/1/8/".into()]);
    assert!(ids(&idx, r).is_empty());
}

#[test]
fn suggestions_and_snippets() {
    let (_d, home) = loaded();
    let idx = home.index();
    let s = idx.suggest("政府信息", 5).unwrap();
    assert_eq!(s.first().map(|s| s.id), Some(2));
    let r = idx.search(&req("透明度")).unwrap();
    let hit = &r.hits[0];
    assert!(hit.snippet.iter().any(|s| s.mark && s.text == "透明度"), "{:?}", hit.snippet);
}

#[test]
fn applying_twice_changes_nothing_and_position_survives_reopen() {
    let (dir, home) = loaded();
    let idx = home.index();
    let docs = corpus();
    idx.apply(&[1, 2], &docs[..2], &Position { applied: 7, gaps: vec![Gap { seq: 6, seen_ms: 1 }] }).unwrap();
    idx.apply(&[1, 2], &docs[..2], &Position { applied: 7, gaps: vec![Gap { seq: 6, seen_ms: 1 }] }).unwrap();
    assert_eq!(idx.entries().unwrap().len(), 5);
    drop(idx);
    drop(home);
    let home = SearchHome::open(&dir.path().join("search"), WriterOptions::default()).unwrap();
    let idx = home.index();
    assert_eq!(idx.position().unwrap(), Position { applied: 7, gaps: vec![Gap { seq: 6, seen_ms: 1 }] });
    assert_eq!(idx.entries().unwrap().len(), 5);
    // Deleting: a change with no document left removes its entries.
    idx.apply(&[5], &[], &Position { applied: 8, gaps: vec![] }).unwrap();
    assert!(!idx.entries().unwrap().iter().any(|(id, _)| *id == 5));
}

#[test]
fn rebuild_swaps_generations() {
    let (dir, home) = loaded();
    let root = dir.path().join("search");
    let rb = Rebuild::begin(&root, WriterOptions::default()).unwrap();
    rb.add(&corpus()[..2]).unwrap();
    rb.finish(&Position { applied: 42, gaps: vec![] }).unwrap();
    assert!(home.refresh().unwrap());
    let idx = home.index();
    assert_eq!(idx.position().unwrap().applied, 42);
    assert_eq!(idx.entries().unwrap().len(), 2);
    assert!(!home.refresh().unwrap());
    let gens = std::fs::read_dir(&root)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("gen-"))
        .count();
    assert_eq!(gens, 1);
}

#[test]
fn hostile_queries_are_harmless() {
    let (_d, home) = loaded();
    let idx = home.index();
    for q in ["\"", "-", "((((", "title:x AND [1 TO 2]", "'; DROP TABLE documents; --", "\u{0}\u{7}", "*", "~2", "？？"]
    {
        let _ = idx.search(&req(q)).unwrap();
        let _ = idx.suggest(q, 5).unwrap();
    }
    assert!(parse_query(&"政".repeat(10_000)).is_err());
}

#[test]
fn a_corrupt_generation_is_replaced_by_a_fresh_one() {
    let (dir, home) = loaded();
    let root = dir.path().join("search");
    let live = home.index().dir().to_owned();
    drop(home);
    std::fs::write(live.join("meta.json"), b"{ not json").unwrap();
    let home = SearchHome::open(&root, WriterOptions::default()).unwrap();
    assert_ne!(home.index().dir(), live.as_path());
    assert_eq!(home.index().position().unwrap(), Position::default(), "the fresh index starts from the log's start");
}
