//! Property-based tests: DOCX, XLSX and PDF files built here, then mutated (bytes flipped,
//! overwritten, inserted, removed, the file cut short), must give a document or a clear error —
//! never a panic — and never more text than the budget. `PROPTEST_CASES` cases each (64 unless
//! set; see CONTRIBUTING.md for long runs).

use gongkai_extract::{ExtractError, Limits, clean, extract};
use proptest::prelude::*;

use crate::fixtures::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// Small limits, so that a mutation that inflates something hits a limit fast.
fn limits() -> Limits {
    Limits {
        max_input: 1024 * 1024,
        max_total: 4 * 1024 * 1024,
        max_entry: 2 * 1024 * 1024,
        max_entries: 100,
        max_ratio: 200,
        max_chars: 20_000,
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Set(i, x)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Remove(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, x) => {
                if let Some(b) = bytes.get_mut(i % len) {
                    *b ^= x;
                }
            }
            Mutation::Set(i, x) => {
                if let Some(b) = bytes.get_mut(i % len) {
                    *b = *x;
                }
            }
            Mutation::Insert(i, v) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, v.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
        }
    }
    bytes
}

/// Extraction and cleaning of a mutated file: a result or an error, within the budget.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let limits = limits();
    match extract(bytes, &limits) {
        Ok(e) => prop_assert!(e.text.chars().count() as u64 <= limits.max_chars + 8, "{}", e.text.len()),
        Err(ExtractError::TextLimit { limit }) => prop_assert_eq!(limit, limits.max_chars),
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    let _ = clean(bytes, &limits);
    Ok(())
}

/// A PDF page text of a few sentences, with personal data to find.
const PDF_TEXT: &str = "Tel 13812345678 mail zhangsan@example.com ID 510104199001011230";

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_docx_never_panics(mutations in prop::collection::vec(mutation(), 1..8)) {
        check(&apply(docx_with_everything(), &mutations))?;
    }

    #[test]
    fn mutated_xlsx_never_panics(mutations in prop::collection::vec(mutation(), 1..8)) {
        check(&apply(xlsx(true), &mutations))?;
    }

    #[test]
    fn mutated_pdf_never_panics(mutations in prop::collection::vec(mutation(), 1..8)) {
        check(&apply(pdf(PDF_TEXT), &mutations))?;
    }

    #[test]
    fn mutated_bombs_stay_within_the_budget(mutations in prop::collection::vec(mutation(), 1..4), which in 0usize..3) {
        let bomb = match which {
            0 => xlsx_shared_string_bomb(5_000, 20),
            1 => pdf_shared_stream_bomb(2_000, 20),
            _ => zip_of(&[("word/document.xml", document_xml(&"<w:p><w:r><w:t>重复</w:t></w:r></w:p>".repeat(20_000)).as_bytes())]),
        };
        check(&apply(bomb, &mutations))?;
    }

    /// XML parts with arbitrary content inside a valid package.
    #[test]
    fn arbitrary_xml_in_a_valid_package(body in "[<>/=\"a-z:wt ]{0,200}|\\PC{0,100}") {
        check(&zip_of(&[("word/document.xml", document_xml(&body).as_bytes())]))?;
        let sheet = format!(r#"<worksheet {S}><sheetData>{body}</sheetData></worksheet>"#);
        let workbook = format!(r#"<workbook {S}><sheets><sheet name="x" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
        let rels = r#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#;
        check(&zip_of(&[
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]))?;
    }
}
