//! DOCX, XLSX and PDF: text, hidden content, metadata and cleaned copies.

use gongkai_domain::screen::{Kind, ScreenConfig, Screener, Severity};
use gongkai_extract::{ExtractError, Format, Limits, clean, extract, screen_file};

use crate::fixtures::*;

fn texts(findings: &[gongkai_domain::screen::Finding], kind: Kind) -> Vec<String> {
    findings.iter().filter(|f| f.kind == kind).map(|f| f.text.clone()).collect()
}

#[test]
fn docx_text_hidden_content_and_metadata() {
    let bytes = docx_with_everything();
    let e = extract(&bytes, &Limits::default()).unwrap();
    assert_eq!(e.format, Format::Docx);
    assert!(e.text.starts_with("关于公布补贴名单的通知\n"), "{}", e.text);
    assert!(e.text.contains("电话另行通知"));
    // Deleted, hidden and comment text is screened too.
    assert!(e.text.contains("510104199001011230"));
    assert!(e.text.contains("13812345678"));
    assert!(e.text.contains("此处标准是否需要请示领导"));
    let hidden = texts(&e.findings, Kind::HiddenContent);
    assert!(hidden.iter().any(|t| t == "修订：插入 1 处，删除 1 处"), "{hidden:?}");
    assert!(hidden.iter().any(|t| t.starts_with("批注 1 条")), "{hidden:?}");
    assert!(hidden.iter().any(|t| t.starts_with("隐藏文字 1 处：内部备注")), "{hidden:?}");
    let meta = texts(&e.findings, Kind::Metadata);
    for want in ["作者：张三", "最后修改者：李四", "单位：某某县人民政府办公室", "标题：关于某事项的通知"]
    {
        assert!(meta.iter().any(|t| t == want), "{want} in {meta:?}");
    }
    let detail = e.findings.iter().find(|f| f.text.starts_with("修订")).unwrap();
    assert!(detail.detail.contains("李四"));

    let (_, findings) =
        screen_file(&bytes, &Limits::default(), &Screener::new(&ScreenConfig::default()).unwrap()).unwrap();
    assert!(findings.iter().any(|f| f.kind == Kind::IdCard && f.severity == Severity::Block));
    assert!(findings.iter().any(|f| f.kind == Kind::Mobile));
}

#[test]
fn docx_with_tracked_changes_is_not_cleaned() {
    let err = clean(&docx_with_everything(), &Limits::default()).unwrap_err();
    match &err {
        ExtractError::Refused(m) => assert!(m.contains("修订"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("接受或拒绝全部修订"));
}

#[test]
fn docx_clean_removes_properties_and_comments() {
    let cleaned = clean(&docx_with_comment(), &Limits::default()).unwrap();
    let e = extract(&cleaned, &Limits::default()).unwrap();
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    assert_eq!(e.text.trim(), "公开内容。");
    // The cleaned file is still a well-formed package.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&cleaned)).unwrap();
    let mut doc = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut doc).unwrap();
    assert!(!doc.contains("commentReference") && !doc.contains("commentRangeStart"), "{doc}");
    let mut core = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("docProps/core.xml").unwrap(), &mut core).unwrap();
    assert!(core.contains("coreProperties") && !core.contains("张三"), "{core}");
}

#[test]
fn xlsx_hidden_sheet_rows_columns_and_comments() {
    let bytes = xlsx(true);
    let e = extract(&bytes, &Limits::default()).unwrap();
    assert_eq!(e.format, Format::Xlsx);
    assert!(e.text.contains("【名单】\n姓名\t电话\n张三\t13812345678\n"), "{}", e.text);
    assert!(e.text.contains("【底稿】\n11010519491231002X"), "{}", e.text);
    assert!(e.text.contains("核对后删除此列"));
    let hidden = texts(&e.findings, Kind::HiddenContent);
    assert!(hidden.contains(&"隐藏工作表：底稿".to_owned()), "{hidden:?}");
    assert!(hidden.iter().any(|t| t.contains("隐藏行 1 行、隐藏列 2 列")), "{hidden:?}");
    assert!(hidden.iter().any(|t| t.starts_with("批注 1 条")), "{hidden:?}");
    assert!(texts(&e.findings, Kind::Metadata).contains(&"单位：某某市财政局".to_owned()));
    let err = clean(&bytes, &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::Refused(ref m) if m.contains("底稿")), "{err:?}");
}

#[test]
fn xlsx_clean_strips_properties_and_comments() {
    let cleaned = clean(&xlsx(false), &Limits::default()).unwrap();
    let e = extract(&cleaned, &Limits::default()).unwrap();
    assert!(texts(&e.findings, Kind::Metadata).is_empty(), "{:?}", e.findings);
    assert!(!e.findings.iter().any(|f| f.text.starts_with("批注")), "{:?}", e.findings);
    assert!(!e.text.contains("核对后删除此列"));
    assert!(e.text.contains("13812345678"));
}

#[test]
fn pdf_text_metadata_and_clean() {
    let bytes = pdf("Tel 13812345678 mail zhangsan@example.com");
    let e = extract(&bytes, &Limits::default()).unwrap();
    assert_eq!(e.format, Format::Pdf);
    assert!(e.text.contains("13812345678"), "{}", e.text);
    let meta = texts(&e.findings, Kind::Metadata);
    assert!(meta.contains(&"作者：Zhang San".to_owned()), "{meta:?}");
    assert!(meta.contains(&"XMP 元数据".to_owned()), "{meta:?}");
    let cleaned = clean(&bytes, &Limits::default()).unwrap();
    let e2 = extract(&cleaned, &Limits::default()).unwrap();
    assert!(texts(&e2.findings, Kind::Metadata).is_empty(), "{:?}", e2.findings);
    assert!(e2.text.contains("13812345678"));
    assert!(!String::from_utf8_lossy(&cleaned).contains("Zhang San"));
}

#[test]
fn pdf_without_text_is_unscreenable() {
    let e = extract(&pdf(""), &Limits::default()).unwrap();
    assert!(
        e.findings.iter().any(|f| f.kind == Kind::Unscreenable && f.text.contains("无文字页 1 页")),
        "{:?}",
        e.findings
    );
}

#[test]
fn xml_entities_are_not_expanded() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>x&xxe;&a;&amp;y</w:t></w:r></w:p></w:body></w:document>"#;
    let bytes = zip_of(&[("word/document.xml", xml.as_bytes())]);
    let e = extract(&bytes, &Limits::default()).unwrap();
    assert_eq!(e.text.trim(), "x&y");
}
