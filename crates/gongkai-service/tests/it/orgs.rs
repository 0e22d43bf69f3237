//! Organisations: rules, subtree listing, import all-or-nothing with line numbers.

use gongkai_domain::org::{OrgInput, OrgKind};
use gongkai_service::{Ctx, ImportFormat, ServiceError, parse_org_file};

use crate::support::env;

#[tokio::test]
async fn add_org_checks_parent_kind_and_duplicates() {
    let e = env().await;
    let sys = Ctx::system();
    let mut input = OrgInput {
        code: "k1".into(),
        name: "河西区人民政府".into(),
        kind: OrgKind::County,
        parent_code: Some("c1".into()),
        division_code: Some("990102".into()),
        credit_code: None,
    };
    let org = e.svc.add_org(&sys, &input).await.unwrap();
    assert_eq!(org.depth, 2);
    let dup = e.svc.add_org(&sys, &input).await;
    assert!(matches!(dup, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "code"), "{dup:?}");
    input.code = "k2".into();
    input.parent_code = Some("missing".into());
    let r = e.svc.add_org(&sys, &input).await;
    assert!(matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "parent"), "{r:?}");
    input.parent_code = Some("c1-dept".into());
    let r = e.svc.add_org(&sys, &input).await;
    assert!(
        matches!(r, Err(ServiceError::Invalid(ref inv)) if inv.0[0].field == "kind"),
        "a county under a department: {r:?}"
    );

    let under: Vec<String> = e.svc.list_orgs(Some("c1")).await.unwrap().into_iter().map(|o| o.code).collect();
    assert_eq!(under, ["c1", "c1-dept", "k1"]);
    let ancestors = e.svc.org_ancestors(&org).await.unwrap();
    assert_eq!(ancestors.iter().map(|o| o.code.as_str()).collect::<Vec<_>>(), ["p", "c1"]);
}

#[tokio::test]
async fn import_reports_every_bad_line_and_writes_nothing() {
    let e = env().await;
    let sys = Ctx::system();
    let csv = "code,name,kind,parent,division_code,credit_code\n\
               k1,河西区人民政府,county,c1,990102,\n\
               k1-dept,河西区民政局,department,k1,,\n\
               bad code,名称,county,c1,,\n\
               k3,无上级,county,nowhere,,\n\
               k4,错误类型,planet,c1,,\n\
               k5,错误代码,county,c1,12,\n";
    let (lines, unreadable) = parse_org_file(csv, ImportFormat::Csv);
    let errs = e.svc.import_orgs(&sys, &lines, unreadable).await.unwrap_err();
    let line_nos: Vec<usize> = errs.iter().map(|(n, _)| *n).collect();
    assert_eq!(line_nos, [4, 5, 6, 7], "{errs:?}");
    assert!(errs[1].1.contains("nowhere"));
    assert!(errs[2].1.starts_with("kind:"));
    assert!(errs[3].1.starts_with("division_code:"));
    assert!(e.svc.org_by_code("k1").await.unwrap().is_none(), "nothing half-written");

    let good = "{\"code\":\"k1\",\"name\":\"河西区人民政府\",\"kind\":\"county\",\"parent\":\"c1\"}\n\
                {\"code\":\"k1-dept\",\"name\":\"河西区民政局\",\"parent\":\"k1\"}\n\n\
                {\"code\":\"t1\",\"name\":\"东风街道办事处\",\"kind\":\"街道\",\"parent\":\"k1\"}\n";
    let (lines, unreadable) = parse_org_file(good, ImportFormat::Jsonl);
    let r = e.svc.import_orgs(&sys, &lines, unreadable).await.unwrap();
    assert_eq!((r.created, r.unchanged), (3, 0));
    let (lines, unreadable) = parse_org_file(good, ImportFormat::Jsonl);
    let r = e.svc.import_orgs(&sys, &lines, unreadable).await.unwrap();
    assert_eq!((r.created, r.unchanged), (0, 3), "a second run changes nothing");

    let (lines, unreadable) = parse_org_file(
        "{\"code\":\"x\"}\nnot json\n{\"code\":\"y\",\"name\":\"y\",\"extra\":1}\n",
        ImportFormat::Jsonl,
    );
    assert!(lines.is_empty());
    assert_eq!(unreadable.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 2, 3]);
}

#[tokio::test]
async fn demo_is_idempotent() {
    let e = env().await;
    let first = e.svc.seed_demo().await.unwrap();
    assert_eq!(first.len(), 12, "one account per role");
    let second = e.svc.seed_demo().await.unwrap();
    assert!(second.is_empty());
    assert!(e.svc.org_by_code("linjiang-shiqiao").await.unwrap().is_some());
    for a in &first {
        let r = e.svc.login(&Ctx::anonymous(None), &a.username, &a.password, None, None).await;
        assert!(r.is_ok(), "{} can log in with the printed password", a.username);
    }
    assert_eq!(e.svc.seed_demo_documents().await.unwrap(), 10);
    assert_eq!(e.svc.seed_demo_documents().await.unwrap(), 0, "idempotent");
    // The 图解 carries an image: attachments go to the test's own directory.
    let lib = gongkai_service::LibraryConfig {
        attachments_dir: e.db.dir.path().join("attachments"),
        ..gongkai_service::LibraryConfig::default()
    };
    let svc = e.svc.clone().with_library(lib);
    assert_eq!(svc.seed_demo_interpretations().await.unwrap(), 4);
    assert_eq!(svc.seed_demo_interpretations().await.unwrap(), 0, "idempotent");
    let employment = svc.resolve_document("demo-doc-04").await.unwrap().unwrap();
    let interps = svc.public_interpretations_of(employment.id).await.unwrap();
    assert_eq!(interps.len(), 1);
    assert_eq!(svc.public_document(interps[0].doc.id).await.unwrap().attachments.len(), 1, "the 图解's image");
    assert_eq!(svc.seed_demo_qa().await.unwrap(), 4);
    assert_eq!(svc.seed_demo_qa().await.unwrap(), 0, "idempotent");
    assert_eq!(svc.public_qa_list(Some(employment.id), false, 10, 0).await.unwrap().1, 2, "related to the 办法");
    assert_eq!(e.svc.seed_demo_foi().await.unwrap(), 6);
    assert_eq!(e.svc.seed_demo_foi().await.unwrap(), 0, "idempotent");
    let all = e
        .svc
        .list_documents(&gongkai_service::DocFilter { public_only: true, ..Default::default() }, 100, 0)
        .await
        .unwrap();
    let states: std::collections::BTreeSet<&str> = all.docs.iter().map(|d| d.validity.key()).collect();
    for v in gongkai_domain::document::Validity::ALL {
        assert!(states.contains(v.key()), "demo lacks a {} document: {states:?}", v.key());
    }
}
