//! The user's query syntax (检索式), parsed by hand — never by a query parser.
//!
//! * words separated by white space must all appear (AND), each as a substring;
//! * `"…"` or `“…”` is one phrase (spaces inside kept); an unbalanced quote runs to the end;
//! * `-词` excludes documents containing 词;
//! * a query that is as a whole a 发文字号 in any bracket or spacing variant
//!   (`国办发〔2019〕4号`, `国办发[2019]4号`, `国办发2019 4号`) also matches the number exactly.
//!
//! Anything else — brackets, operators, SQL — is just text.

use gongkai_domain::{docnumber, textnorm};

use crate::analyze::prepare;

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many words and phrases are used.
pub const MAX_TERMS: usize = 16;

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("检索词过长：最多 {max} 个字符，当前 {got} 个")]
    TooLong { max: usize, got: usize },
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Words and phrases that must all appear (prepared text).
    pub must: Vec<String>,
    /// Words and phrases that must not appear.
    pub exclude: Vec<String>,
    /// The normalised 发文字号 when the whole query is one.
    pub doc_number: Option<String>,
    /// The whole query, prepared, without spaces or operators: compared with whole titles.
    pub whole: String,
}

impl UserQuery {
    /// Whether there is anything to search for.
    pub fn is_empty(&self) -> bool {
        self.must.is_empty() && self.doc_number.is_none()
    }
}

fn is_quote(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '“' => Some('”'),
        '「' => Some('」'),
        _ => None,
    }
}

/// Parses raw user text.
pub fn parse(raw: &str) -> Result<UserQuery, QueryError> {
    let got = raw.chars().count();
    if got > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong { max: MAX_QUERY_CHARS, got });
    }
    let text = prepare(raw);
    let mut q = UserQuery::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let negate = c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace());
        if negate {
            i += 1;
        }
        let term: String = if let Some(close) = chars.get(i).copied().and_then(is_quote) {
            i += 1;
            let start = i;
            while i < chars.len() && chars[i] != close && !(close == '"' && chars[i] == '"') {
                i += 1;
            }
            let t: String = chars[start..i].iter().collect();
            i += 1; // the closing quote, if any
            t.trim().to_owned()
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            chars[start..i].iter().collect()
        };
        // A term made only of punctuation finds nothing and is dropped.
        if !term.chars().any(|c| c.is_alphanumeric()) {
            continue;
        }
        let list = if negate { &mut q.exclude } else { &mut q.must };
        if list.len() < MAX_TERMS && !list.contains(&term) {
            list.push(term);
        }
    }
    q.whole = q.must.concat();
    let simplified = textnorm::normalize(raw.trim());
    if let Some(n) = docnumber::parse(&simplified) {
        q.doc_number = Some(n.normalized());
    }
    Ok(q)
}

/// The normalised form of a stored 发文字号, as matched by [`UserQuery::doc_number`].
pub fn normalize_doc_number(raw: &str) -> String {
    docnumber::normalize(&textnorm::normalize(raw))
}

/// The normalised form of a title for exact comparison: prepared, without spaces.
pub fn normalize_title(raw: &str) -> String {
    prepare(raw).chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_exclusions() {
        let q = parse(r#"政府 信息  "公开 条例" -废止 -"#).unwrap();
        assert_eq!(q.must, vec!["政府", "信息", "公开 条例"]);
        assert_eq!(q.exclude, vec!["废止"]);
        assert_eq!(q.whole, "政府信息公开 条例");
    }

    #[test]
    fn unbalanced_quote_runs_to_end() {
        let q = parse("“安全 生产").unwrap();
        assert_eq!(q.must, vec!["安全 生产"]);
        let q = parse("\"").unwrap();
        assert!(q.is_empty());
    }

    #[test]
    fn doc_numbers_in_any_variant() {
        for v in ["国办发〔2019〕4号", "国办发[2019]4号", "国办发2019 4号", "國辦發（２０１９）４號"]
        {
            let q = parse(v).unwrap();
            assert_eq!(q.doc_number.as_deref(), Some("国办发〔2019〕4号"), "{v}");
        }
        assert_eq!(normalize_doc_number("国办发[2019]4号"), "国办发〔2019〕4号");
    }

    #[test]
    fn syntax_looking_input_is_text() {
        let q = parse("title:(a OR b) AND [1 TO 2]; DROP TABLE x; --").unwrap();
        assert!(q.must.contains(&"title:(a".to_owned()));
        assert!(q.exclude.is_empty(), "{:?}", q.exclude);
        assert!(parse(&"长".repeat(201)).is_err());
        assert!(parse("\u{0}\u{1}\u{7f}").unwrap().is_empty());
    }
}

/// Property-based tests: `PROPTEST_CASES` cases each (64 unless set; see CONTRIBUTING.md).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
        ProptestConfig { cases, ..ProptestConfig::default() }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_text_parses_within_the_bounds(raw in "\\PC{0,260}") {
            match parse(&raw) {
                Err(QueryError::TooLong { max, got }) => {
                    prop_assert_eq!(max, MAX_QUERY_CHARS);
                    prop_assert!(got > MAX_QUERY_CHARS);
                }
                Ok(q) => {
                    prop_assert!(raw.chars().count() <= MAX_QUERY_CHARS);
                    prop_assert!(q.must.len() <= MAX_TERMS && q.exclude.len() <= MAX_TERMS);
                    for t in q.must.iter().chain(&q.exclude) {
                        prop_assert!(t.chars().any(char::is_alphanumeric), "{:?}", t);
                    }
                    prop_assert_eq!(q.whole, q.must.concat());
                }
            }
        }

        #[test]
        fn operator_soup_never_panics(raw in "[-\"“”「」 政府ab1〔〕\\[\\]()]{0,60}") {
            let _ = parse(&raw);
        }

        #[test]
        fn plain_words_are_all_required_in_order(words in prop::collection::vec("[a-z]{1,6}", 1..10)) {
            let q = parse(&words.join(" ")).unwrap_or_default();
            let mut want: Vec<String> = Vec::new();
            for w in &words {
                if !want.contains(w) {
                    want.push(w.clone());
                }
            }
            prop_assert_eq!(q.must, want);
            prop_assert!(q.exclude.is_empty());
        }
    }
}
