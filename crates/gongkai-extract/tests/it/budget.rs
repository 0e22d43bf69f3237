//! Extraction bombs: small files whose *extracted text* is huge although every archive entry is
//! within the unpacking limits (a shared string used by many cells, repeated runs in many parts,
//! one PDF content stream shared by many pages, an archive inside an archive). The budget of
//! extracted characters (`Limits::max_chars`, `screen.max_extracted_chars`) refuses them.

use gongkai_extract::{DEFAULT_MAX_CHARS, ExtractError, Limits, extract};

use crate::fixtures::*;

fn assert_refused_for_text(result: Result<gongkai_extract::Extracted, ExtractError>) {
    match result {
        Ok(e) => panic!("not refused: {} characters extracted", e.text.chars().count()),
        Err(err) => {
            assert_eq!(err, ExtractError::TextLimit { limit: DEFAULT_MAX_CHARS });
            assert_eq!(err.code(), "too_large");
            let msg = err.to_string();
            assert!(msg.contains("screen.max_extracted_chars") && msg.contains("10000000"), "{msg}");
        }
    }
}

#[test]
fn budget_counts_every_use_and_names_the_limit() {
    let limits = Limits { max_chars: 5, ..Limits::default() };
    assert_eq!(extract("一二三四五".as_bytes(), &limits).unwrap().text, "一二三四五");
    let err = extract("一二三四五六".as_bytes(), &limits).unwrap_err();
    assert_eq!(err, ExtractError::TextLimit { limit: 5 });
    assert!(err.to_string().starts_with("文件过大：提取出的文字超过上限 5 字"), "{err}");
    // One shared string of 10 characters used by 3 cells: 【表】 and a line break (4), then
    // 3 × 10 characters, 2 tabs and a line break (33).
    let xlsx = xlsx_shared_string_bomb(10, 3);
    let e = extract(&xlsx, &Limits { max_chars: 37, ..Limits::default() }).unwrap();
    assert!(e.text.starts_with("【表】\nAAAAAAAAAA\tAAAAAAAAAA\tAAAAAAAAAA\n"), "{}", e.text);
    let err = extract(&xlsx, &Limits { max_chars: 36, ..Limits::default() }).unwrap_err();
    assert_eq!(err, ExtractError::TextLimit { limit: 36 });
    // A PDF page's text counts each time a page shows the shared stream: 3 × (100 characters,
    // the line break lopdf ends the text with, the one between pages).
    let pdf = pdf_shared_stream_bomb(100, 3);
    assert!(extract(&pdf, &Limits { max_chars: 306, ..Limits::default() }).is_ok());
    assert!(matches!(
        extract(&pdf, &Limits { max_chars: 305, ..Limits::default() }),
        Err(ExtractError::TextLimit { limit: 305 })
    ));
}

#[test]
fn xlsx_shared_string_used_by_many_cells_is_refused() {
    // One shared string just under 1 MiB (so the ratio check does not apply) used by 30 cells:
    // 30 million characters from a file of a few kilobytes.
    let bomb = xlsx_shared_string_bomb(1_000_000, 30);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    assert_refused_for_text(extract(&bomb, &Limits::default()));
}

#[test]
fn docx_with_repeated_runs_in_many_parts_is_refused() {
    // 20 header parts of just under 1 MiB each, all repeated runs.
    let bomb = docx_repeated_runs_bomb(20);
    assert!(bomb.len() < 512 * 1024, "{}", bomb.len());
    assert_refused_for_text(extract(&bomb, &Limits::default()));
}

#[test]
fn pdf_content_stream_shared_by_many_pages_is_refused() {
    // One content stream of 100,000 characters used by 150 pages.
    let bomb = pdf_shared_stream_bomb(100_000, 150);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    assert_refused_for_text(extract(&bomb, &Limits::default()));
}

#[test]
fn nested_archive_is_not_unpacked() {
    // A DOCX bomb embedded in an ordinary DOCX (as Word stores an embedded document): the outer
    // file is screened within the budget and the embedded one reported as unscreenable.
    let inner = docx_repeated_runs_bomb(20);
    assert_refused_for_text(extract(&inner, &Limits::default()));
    let body = r#"<w:p><w:r><w:t>见附件。</w:t></w:r></w:p><w:p><w:r><w:object/></w:r></w:p>"#;
    let outer = zip_of(&[
        ("word/document.xml", document_xml(body).as_bytes()),
        ("word/embeddings/Microsoft_Word_Document1.docx", &inner),
        ("word/embeddings/archive.zip", &zip_of(&[("nested/inner.docx", &inner)])),
    ]);
    let e = extract(&outer, &Limits::default()).unwrap();
    assert!(e.text.chars().count() < 100, "{}", e.text.len());
    assert!(e.findings.iter().any(|f| f.text.starts_with("嵌入对象")), "{:?}", e.findings);
}
