//! 发文字号 (document numbers): parsing and normalisation.
//!
//! The standard form (GB/T 9704-2012 §7.2.5) is 机关代字 + 〔年份〕 + 序号 + 号, e.g. `国办发〔2019〕4号`;
//! orders use 第: `国务院令第306号`. Real data writes the brackets as `[]`, `()`, `【】`, `［］`, `（）`,
//! uses full-width digits and stray spaces, or leaves the brackets out (`国办发2019 4号`). Every
//! variant normalises to the standard form, so any of them finds the document.

/// A parsed document number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumber {
    /// 机关代字, e.g. `国办发`, `国务院令`.
    pub agency: String,
    /// Year, when the number has one (orders usually do not).
    pub year: Option<i32>,
    /// 序号.
    pub seq: u32,
}

impl DocNumber {
    /// The standard written form.
    pub fn normalized(&self) -> String {
        match self.year {
            Some(y) => format!("{}〔{y}〕{}号", self.agency, self.seq),
            None => format!("{}第{}号", self.agency, self.seq),
        }
    }
}

/// Folds full-width ASCII to half-width and removes all white space.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\u{3000}' => None,
            c if c.is_whitespace() => None,
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
            c => Some(c),
        })
        .collect()
}

fn is_open(c: char) -> bool {
    matches!(c, '〔' | '[' | '(' | '【' | '［' | '（' | '{' | '〈' | '<' | '﹝' | '⟮')
}

fn is_close(c: char) -> bool {
    matches!(c, '〕' | ']' | ')' | '】' | '］' | '）' | '}' | '〉' | '>' | '﹞' | '⟯')
}

fn is_agency_char(c: char) -> bool {
    c.is_alphabetic() && !c.is_ascii_digit()
}

/// Parses a 发文字号 written in any of the usual variants. `None` when it does not look like one
/// (the caller keeps the text as written and flags it).
pub fn parse(raw: &str) -> Option<DocNumber> {
    // Spaces may separate year and sequence when brackets are missing: keep that boundary.
    let spaced: String = raw
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect();
    let s = spaced.trim();
    let s = s.strip_suffix('号')?.trim_end();
    // Agency: leading letters (Han or Latin), up to the first digit, bracket or 第.
    let agency_end = s.char_indices().find(|(_, c)| !is_agency_char(*c) || *c == '第').map(|(i, _)| i)?;
    let agency: String = s[..agency_end].chars().filter(|c| !c.is_whitespace()).collect();
    if agency.is_empty() || agency.chars().count() > 30 {
        return None;
    }
    let rest = s[agency_end..].trim();
    // Order form: 第N号.
    if let Some(n) = rest.strip_prefix('第') {
        let seq = n.trim().parse::<u32>().ok()?;
        return Some(DocNumber { agency, year: None, seq });
    }
    let mut chars = rest.chars().peekable();
    let bracketed = chars.peek().copied().is_some_and(is_open);
    if bracketed {
        chars.next();
    }
    let year_str: String = chars.by_ref().take_while(|c| c.is_ascii_digit()).collect();
    // `take_while` consumed the first non-digit; rebuild the remainder from the original string.
    let after_year = {
        let skip = usize::from(bracketed) + year_str.chars().count();
        rest.chars().skip(skip).collect::<String>()
    };
    // Exactly four digits, or more without brackets (`国办发20194号`: the first four are the year).
    if year_str.len() < 4 || (year_str.len() > 4 && bracketed) {
        return None;
    }
    let (year_str, tail) = if year_str.len() > 4 {
        // `国办发20194号` is ambiguous but the first four digits are the year.
        (year_str[..4].to_owned(), format!("{}{}", &year_str[4..], after_year))
    } else {
        (year_str, after_year)
    };
    let year: i32 = year_str.parse().ok()?;
    if !(1949..=2100).contains(&year) {
        return None;
    }
    let mut tail = tail.trim_start();
    if bracketed {
        let mut it = tail.chars();
        if !it.next().is_some_and(is_close) {
            return None;
        }
        tail = it.as_str();
    }
    let tail = tail.trim().trim_start_matches('第').trim();
    if tail.is_empty() || !tail.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let seq = tail.parse::<u32>().ok()?;
    Some(DocNumber { agency, year: Some(year), seq })
}

/// The normalised form of `raw` for exact matching: the standard form when it parses, otherwise
/// the width-folded text without spaces.
pub fn normalize(raw: &str) -> String {
    match parse(raw) {
        Some(n) => n.normalized(),
        None => fold_width(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Option<String> {
        parse(s).map(|d| d.normalized())
    }

    #[test]
    fn variants_normalise_to_the_standard_form() {
        for s in [
            "国办发〔2019〕4号",
            "国办发[2019]4号",
            "国办发(2019)4号",
            "国办发【2019】4号",
            "国办发［2019］4号",
            "国办发（2019）4号",
            "国办发 〔2019〕 4 号",
            "国办发2019 4号",
            "国办发〔２０１９〕４号",
            "国办发〔2019〕第4号",
        ] {
            assert_eq!(n(s).as_deref(), Some("国办发〔2019〕4号"), "{s}");
        }
    }

    #[test]
    fn orders_and_other_agencies() {
        assert_eq!(n("中华人民共和国国务院令第306号").as_deref(), Some("中华人民共和国国务院令第306号"));
        assert_eq!(n("国令 第 672 号").as_deref(), Some("国令第672号"));
        assert_eq!(n("法释〔2024〕6号").as_deref(), Some("法释〔2024〕6号"));
        assert_eq!(n("国办发明电〔2021〕11号").as_deref(), Some("国办发明电〔2021〕11号"));
        let d = parse("川府规〔2023〕1号").unwrap_or_else(|| DocNumber { agency: String::new(), year: None, seq: 0 });
        assert_eq!((d.agency.as_str(), d.year, d.seq), ("川府规", Some(2023), 1));
    }

    #[test]
    fn rubbish_does_not_parse() {
        for s in [
            "",
            "号",
            "关于印发的通知",
            "国办发〔19〕4号",
            "国办发〔2019〕号",
            "国办发〔2019〕4",
            "2019〕4号",
            "国办发〔2019〕4a号",
        ] {
            assert_eq!(n(s), None, "{s}");
        }
        assert_eq!(normalize("  某某 文件 "), "某某文件");
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

    /// Digits as written: ASCII or full-width.
    fn write_digits(n: u32, full_width: bool) -> String {
        let s = n.to_string();
        if full_width { s.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)).collect() } else { s }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn never_panics(raw in "\\PC{0,40}") {
            let _ = parse(&raw);
            let _ = normalize(&raw);
        }

        #[test]
        fn never_panics_on_bracket_soup(raw in "[国办发令第号〔〕\\[\\]()（）【】［］ 0-9０-９]{0,30}") {
            if let Some(n) = parse(&raw) {
                // Whatever parses normalises to a form that parses to the same number.
                prop_assert_eq!(parse(&n.normalized()), Some(n));
            }
        }

        #[test]
        fn every_bracket_variant_normalises_to_the_standard_form(
            agency in "[国办发川府函教财规]{2,5}",
            year in 1949i32..=2100,
            seq in 1u32..100_000,
            brackets in 0usize..6,
            full_width in any::<bool>(),
            space in "[ ]{0,2}",
        ) {
            let (open, close) = [("〔", "〕"), ("[", "]"), ("(", ")"), ("【", "】"), ("［", "］"), ("（", "）")][brackets];
            let raw = format!(
                "{agency}{space}{open}{}{close}{space}{}号",
                write_digits(year as u32, full_width),
                write_digits(seq, full_width)
            );
            let n = parse(&raw);
            prop_assert_eq!(n.as_ref().map(DocNumber::normalized), Some(format!("{agency}〔{year}〕{seq}号")), "{}", raw);
            prop_assert_eq!(normalize(&raw), format!("{agency}〔{year}〕{seq}号"));
        }
    }
}
