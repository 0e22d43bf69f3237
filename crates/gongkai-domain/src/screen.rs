//! Pre-publication screening (公开前审查): finds personal data, classified markings (密级标志) and
//! configured words in a text before it is published.
//!
//! The engine is pure: text in, [`Finding`]s out. Each finding has a stable [`Kind`], a
//! [`Severity`] (`block` stops publication, `warn` asks a reviewer to look, `info` is a note), the
//! **character** offsets `start..end` in the text as given, the matched text and a masked form.
//!
//! How it finds things, and why it is fast:
//! - the text is normalised once with [`crate::textnorm::normalize`] (full-width → half-width,
//!   Traditional → Simplified; one character per character, so character offsets carry over;
//!   without word lists the lighter `normalize_alnum_cow`, which leaves full-width punctuation);
//! - one pass over the bytes finds digit runs (身份证号, 手机号, 银行卡号), `@` (e-mail) and upper-case
//!   ASCII letters after a province abbreviation or a 护照 label (车牌, 护照号); every candidate is
//!   then validated (GB 11643 check digit, birth date and province code; Luhn and issuer prefix;
//!   mobile number segments), so a number that merely looks like one is not reported;
//! - one Aho-Corasick automaton finds the classified markings and the configured word lists
//!   (sensitive 敏感词, prohibited 禁用词, serious misstatements 严重表述错误 with their correction);
//!   a marking counts only in a marking position (line start, `★`, 期限, `密级：`, brackets), so
//!   "保守国家秘密" in prose is not one.
//!
//! A number with a label in front (`身份证号：`, `银行账号`) is reported even when its check digit is
//! wrong, as a warning: the label says what it is, the wrong digit is likely a typo.

use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::error::Invalid;
use crate::textnorm;

/// What a finding is. [`Kind::as_str`] is the stable key used in JSON and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 居民身份证号码 (18-digit with GB 11643 check digit, or 15-digit legacy).
    IdCard,
    /// 手机号码 (also a number labelled as a telephone in a 号段 missing from the table).
    Mobile,
    /// 固定电话 beside a person's name, or labelled as a home telephone (宅电).
    Landline,
    /// 住址: a labelled home address (住址、家庭住址、现住址 …).
    Address,
    /// 银行卡号 / 银行账号.
    BankCard,
    /// 电子邮箱.
    Email,
    /// 密级标志 and distribution markings (内部资料, 不得外传 …).
    ClassifiedMarking,
    /// A term of the sensitive-word list (敏感词).
    SensitiveWord,
    /// A term of the prohibited-word list (禁用词).
    ProhibitedWord,
    /// A serious misstatement (严重表述错误) with a suggested correction.
    Misstatement,
    /// 机动车号牌.
    LicencePlate,
    /// 护照号码 / 通行证号码.
    Passport,
    /// Hidden content of an attachment (修订, 批注, 隐藏文字, 隐藏工作表 …).
    HiddenContent,
    /// Metadata of an attachment (作者, 最后修改者, 单位 …).
    Metadata,
    /// Content that cannot be screened automatically (images, scans).
    Unscreenable,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 15] = [
        Kind::IdCard,
        Kind::Mobile,
        Kind::Landline,
        Kind::Address,
        Kind::BankCard,
        Kind::Email,
        Kind::ClassifiedMarking,
        Kind::SensitiveWord,
        Kind::ProhibitedWord,
        Kind::Misstatement,
        Kind::LicencePlate,
        Kind::Passport,
        Kind::HiddenContent,
        Kind::Metadata,
        Kind::Unscreenable,
    ];

    /// Stable snake_case key (`id_card`, `mobile`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IdCard => "id_card",
            Kind::Mobile => "mobile",
            Kind::Landline => "landline",
            Kind::Address => "address",
            Kind::BankCard => "bank_card",
            Kind::Email => "email",
            Kind::ClassifiedMarking => "classified_marking",
            Kind::SensitiveWord => "sensitive_word",
            Kind::ProhibitedWord => "prohibited_word",
            Kind::Misstatement => "misstatement",
            Kind::LicencePlate => "licence_plate",
            Kind::Passport => "passport",
            Kind::HiddenContent => "hidden_content",
            Kind::Metadata => "metadata",
            Kind::Unscreenable => "unscreenable",
        }
    }

    /// The kind for a key of [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// zh-CN label for people.
    pub fn label(self) -> &'static str {
        match self {
            Kind::IdCard => "身份证号码",
            Kind::Mobile => "手机号码",
            Kind::Landline => "固定电话",
            Kind::Address => "住址",
            Kind::BankCard => "银行卡号",
            Kind::Email => "电子邮箱",
            Kind::ClassifiedMarking => "密级标志",
            Kind::SensitiveWord => "敏感词",
            Kind::ProhibitedWord => "禁用词",
            Kind::Misstatement => "严重表述错误",
            Kind::LicencePlate => "车牌号码",
            Kind::Passport => "护照号码",
            Kind::HiddenContent => "隐藏内容",
            Kind::Metadata => "文件属性信息",
            Kind::Unscreenable => "无法自动审查",
        }
    }

    /// Whether the kind is personal data (个人信息), the part [`mask_personal_data`] masks.
    pub fn is_personal_data(self) -> bool {
        matches!(
            self,
            Kind::IdCard
                | Kind::Mobile
                | Kind::Landline
                | Kind::Address
                | Kind::BankCard
                | Kind::Email
                | Kind::LicencePlate
                | Kind::Passport
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a finding is. Ordered: `Info < Warn < Block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// A note for the reviewer.
    Info,
    /// A reviewer should look; does not stop publication.
    Warn,
    /// Stops publication unless a reviewer with that right overrides it with a reason.
    Block,
}

impl Severity {
    /// Stable key: `info`, `warn`, `block`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }

    /// The severity for a key of [`Severity::as_str`].
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warn" => Some(Severity::Warn),
            "block" => Some(Severity::Block),
            _ => None,
        }
    }

    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warn => "警告",
            Severity::Block => "阻止发布",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the screen found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// Character offset (not byte offset) of the first character in the screened text.
    pub start: usize,
    /// Character offset one past the last character.
    pub end: usize,
    /// The matched text as it stands in the screened text.
    pub text: String,
    /// The masked form (same number of characters), or the correction for a misstatement.
    pub masked: String,
    /// zh-CN explanation: why it was reported, a suggested correction, the reason for a warning.
    pub detail: String,
}

impl Finding {
    /// A finding that is not located in a text (hidden content, metadata, unscreenable content).
    pub fn note(kind: Kind, severity: Severity, text: impl Into<String>, detail: impl Into<String>) -> Finding {
        let text = text.into();
        let masked = text.clone();
        Finding { kind, severity, start: 0, end: 0, text, masked, detail: detail.into() }
    }
}

/// Whether any finding blocks publication.
pub fn blocks(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Block)
}

/// One entry of the misstatement list: the wrong wording and its correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misstatement {
    /// The wrong wording (错误表述).
    pub wrong: String,
    /// The correct wording (正确表述).
    pub correct: String,
}

/// Word lists and their severities. The default has empty lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenConfig {
    /// 敏感词.
    pub sensitive: Vec<String>,
    /// 禁用词.
    pub prohibited: Vec<String>,
    /// 严重表述错误.
    pub misstatements: Vec<Misstatement>,
    pub sensitive_severity: Severity,
    pub prohibited_severity: Severity,
    pub misstatement_severity: Severity,
}

impl Default for ScreenConfig {
    fn default() -> Self {
        ScreenConfig {
            sensitive: Vec::new(),
            prohibited: Vec::new(),
            misstatements: Vec::new(),
            sensitive_severity: Severity::Warn,
            prohibited_severity: Severity::Block,
            misstatement_severity: Severity::Block,
        }
    }
}

/// Built-in marking terms (密级标志 and distribution markings), longest first within a family.
const MARKINGS: &[&str] = &[
    "绝密",
    "机密",
    "秘密",
    "工作秘密",
    "内部资料",
    "内部使用",
    "仅供内部使用",
    "内部文件",
    "内部参考",
    "不得外传",
    "注意保存",
    "内部传阅",
];

/// Substrings of the markings searched for first: every marking contains one of them.
const ANCHORS: &[&str] = &["密", "内部", "不得外传", "注意保存"];

#[derive(Debug, Clone, Copy)]
enum Pattern {
    Sensitive,
    Prohibited,
    Misstatement(usize),
}

/// A screening engine built once from a [`ScreenConfig`] and used for many texts.
#[derive(Debug, Clone)]
pub struct Screener {
    config: ScreenConfig,
    /// The word lists; `None` when all lists are empty.
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    /// Whether the pattern's first / last character is an ASCII letter or digit (needs a boundary).
    ascii_edges: Vec<(bool, bool)>,
    /// One SIMD pass (Teddy) for all anchors of the markings, where the CPU has it.
    packed: Option<aho_corasick::packed::Searcher>,
    /// Substring searchers for the anchors, used without `packed`.
    anchors: Vec<memchr::memmem::Finder<'static>>,
}

/// A hit in the normalised text, in bytes.
#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    end: usize,
    kind: Kind,
    severity: Severity,
    detail: String,
    correction: Option<String>,
}

impl Screener {
    /// Builds the engine. Fails when a list entry is empty or the automaton cannot be built.
    pub fn new(config: &ScreenConfig) -> Result<Screener, Invalid> {
        let mut texts: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        let lists: [(&str, &Vec<String>, Pattern); 2] = [
            ("sensitive", &config.sensitive, Pattern::Sensitive),
            ("prohibited", &config.prohibited, Pattern::Prohibited),
        ];
        for (field, list, pattern) in lists {
            for (i, w) in list.iter().enumerate() {
                let w = w.trim();
                if w.is_empty() {
                    return Err(Invalid::one(format!("screen.{field}[{}]", i + 1), "词条不能为空"));
                }
                texts.push(textnorm::normalize(w));
                patterns.push(pattern);
            }
        }
        for (i, m) in config.misstatements.iter().enumerate() {
            let w = m.wrong.trim();
            if w.is_empty() {
                return Err(Invalid::one(format!("screen.misstatements[{}].wrong", i + 1), "错误表述不能为空"));
            }
            if m.correct.trim().is_empty() {
                return Err(Invalid::one(format!("screen.misstatements[{}].correct", i + 1), "请填写正确表述"));
            }
            texts.push(textnorm::normalize(w));
            patterns.push(Pattern::Misstatement(i));
        }
        let ascii_edges = texts
            .iter()
            .map(|t| {
                let first = t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
                let last = t.chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric());
                (first, last)
            })
            .collect();
        // No prefilter: in Chinese text the first bytes of Han terms are everywhere, and the
        // prefilter halves the throughput (measured on the shared corpus).
        let automaton = if texts.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .prefilter(false)
                    .build(&texts)
                    .map_err(|e| Invalid::one("screen", format!("词表无法编译：{e}")))?,
            )
        };
        Ok(Screener { config: config.clone(), automaton, patterns, ascii_edges, ..Screener::default() })
    }

    /// The configuration the engine was built from.
    pub fn config(&self) -> &ScreenConfig {
        &self.config
    }

    /// Screens a text. Findings are sorted by start offset, then kind.
    pub fn screen(&self, text: &str) -> Vec<Finding> {
        if text.is_empty() {
            return Vec::new();
        }
        // Without word lists only letters, digits and Han characters matter: the light form keeps
        // full-width punctuation, so most Simplified text is screened without a copy.
        let norm =
            if self.automaton.is_some() { textnorm::normalize_cow(text) } else { textnorm::normalize_alnum_cow(text) };
        let mut hits = Vec::new();
        scan_bytes(&norm, &mut hits);
        scan_addresses(&norm, &mut hits);
        self.scan_markings(&norm, &mut hits);
        self.scan_words(&norm, &mut hits);
        hits.sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)).then(a.kind.cmp(&b.kind)));
        to_findings(text, &norm, hits)
    }

    /// Markings: each anchor is found with a SIMD substring search, then the marking terms around
    /// it are compared and the position checked.
    fn scan_markings(&self, norm: &str, hits: &mut Vec<Hit>) {
        let b = norm.as_bytes();
        let mut found: Vec<Hit> = Vec::new();
        let positions: Vec<(usize, &str)> = match &self.packed {
            Some(searcher) => searcher.find_iter(b).map(|m| (m.start(), ANCHORS[m.pattern().as_usize()])).collect(),
            None => ANCHORS
                .iter()
                .zip(&self.anchors)
                .flat_map(|(anchor, finder)| finder.find_iter(b).map(move |pos| (pos, *anchor)))
                .collect(),
        };
        for (pos, anchor) in positions {
            {
                for m in MARKINGS {
                    let Some(k) = m.find(anchor) else { continue };
                    if k > pos {
                        continue;
                    }
                    let s = pos - k;
                    if !b[s..].starts_with(m.as_bytes()) {
                        continue;
                    }
                    let e = s + m.len();
                    if let Some(end) = marking_context(norm, s, e) {
                        found.push(Hit {
                            start: s,
                            end,
                            kind: Kind::ClassifiedMarking,
                            severity: Severity::Block,
                            detail: "含密级或内部标志，不得公开".to_owned(),
                            correction: None,
                        });
                    }
                }
            }
        }
        keep_longest(found, hits);
    }

    fn scan_words(&self, norm: &str, hits: &mut Vec<Hit>) {
        let Some(automaton) = &self.automaton else { return };
        let b = norm.as_bytes();
        let mut words: Vec<Hit> = Vec::new();
        for m in automaton.find_overlapping_iter(norm) {
            let (s, e) = (m.start(), m.end());
            let id = m.pattern().as_usize();
            let (first_ascii, last_ascii) = self.ascii_edges[id];
            if first_ascii && s > 0 && b[s - 1].is_ascii_alphanumeric() {
                continue;
            }
            if last_ascii && e < b.len() && b[e].is_ascii_alphanumeric() {
                continue;
            }
            match self.patterns[id] {
                Pattern::Sensitive => words.push(Hit {
                    start: s,
                    end: e,
                    kind: Kind::SensitiveWord,
                    severity: self.config.sensitive_severity,
                    detail: "含敏感词".to_owned(),
                    correction: None,
                }),
                Pattern::Prohibited => words.push(Hit {
                    start: s,
                    end: e,
                    kind: Kind::ProhibitedWord,
                    severity: self.config.prohibited_severity,
                    detail: "含禁用词".to_owned(),
                    correction: None,
                }),
                Pattern::Misstatement(i) => {
                    let correct = self.config.misstatements.get(i).map(|m| m.correct.clone()).unwrap_or_default();
                    words.push(Hit {
                        start: s,
                        end: e,
                        kind: Kind::Misstatement,
                        severity: self.config.misstatement_severity,
                        detail: format!("严重表述错误，建议改为“{correct}”"),
                        correction: Some(correct),
                    })
                }
            }
        }
        keep_longest(words, hits);
    }
}

/// Of overlapping hits of one kind keeps the longest (工作秘密 over 秘密, 仅供内部使用 over 内部使用).
fn keep_longest(mut found: Vec<Hit>, hits: &mut Vec<Hit>) {
    found.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.start.cmp(&b.start)).then(b.end.cmp(&a.end)));
    let mut last: Option<(Kind, usize)> = None;
    for h in found {
        if let Some((k, end)) = last {
            if k == h.kind && h.start < end {
                continue;
            }
        }
        last = Some((h.kind, h.end));
        hits.push(h);
    }
}

impl Default for Screener {
    /// The engine without word lists (personal data and markings only).
    fn default() -> Screener {
        Screener {
            config: ScreenConfig::default(),
            automaton: None,
            patterns: Vec::new(),
            ascii_edges: Vec::new(),
            packed: aho_corasick::packed::Searcher::new(ANCHORS.iter()),
            anchors: ANCHORS.iter().map(|a| memchr::memmem::Finder::new(a.as_bytes()).into_owned()).collect(),
        }
    }
}

/// Reads word lists from text, one entry per line: `sensitive<TAB>词`, `prohibited<TAB>词` or
/// `misstatement<TAB>错误表述<TAB>正确表述`; blank lines and lines starting with `#` are skipped.
/// The entries are added to `base`. Errors name the line (`words:3`) and the reason.
pub fn parse_word_lists(text: &str, base: ScreenConfig) -> Result<ScreenConfig, Invalid> {
    let mut config = base;
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let field = format!("words:{}", i + 1);
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        match cols.as_slice() {
            ["sensitive", w] if !w.is_empty() => config.sensitive.push((*w).to_owned()),
            ["prohibited", w] if !w.is_empty() => config.prohibited.push((*w).to_owned()),
            ["misstatement", w, c] if !w.is_empty() && !c.is_empty() => {
                config.misstatements.push(Misstatement { wrong: (*w).to_owned(), correct: (*c).to_owned() })
            }
            ["misstatement", ..] => {
                errors.push(crate::FieldError::new(field, "应为：misstatement<TAB>错误表述<TAB>正确表述"))
            }
            [kind, ..] if !matches!(*kind, "sensitive" | "prohibited") => errors.push(crate::FieldError::new(
                field,
                format!("未知的词表“{kind}”，应为 sensitive、prohibited 或 misstatement（以制表符分隔）"),
            )),
            _ => errors.push(crate::FieldError::new(field, "应为：词表名<TAB>词条，词条不能为空")),
        }
    }
    Invalid::check(errors)?;
    Ok(config)
}

/// Screens with the default configuration (no word lists): personal data and markings only.
pub fn screen(text: &str) -> Vec<Finding> {
    match Screener::new(&ScreenConfig::default()) {
        Ok(s) => s.screen(text),
        Err(_) => Vec::new(),
    }
}

/// Replaces every finding's span by its masked form. Findings must come from screening `text`;
/// overlapping findings are applied first come first served.
pub fn apply_masks(text: &str, findings: &[Finding]) -> String {
    let mut spans: Vec<&Finding> = findings.iter().filter(|f| f.end > f.start).collect();
    spans.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    let mut pos = 0;
    for f in spans {
        if f.start < pos {
            continue;
        }
        while pos < f.start {
            match chars.next() {
                Some(c) => out.push(c),
                None => return out,
            }
            pos += 1;
        }
        out.push_str(&f.masked);
        for _ in f.start..f.end {
            chars.next();
        }
        pos = f.end;
    }
    out.extend(chars);
    out
}

/// A copy of the text with its personal data masked (`510104********1234`, `138****5678`,
/// `zh******@example.com`), for publishing lists that legitimately name people.
pub fn mask_personal_data(text: &str) -> String {
    let findings: Vec<Finding> = screen(text).into_iter().filter(|f| f.kind.is_personal_data()).collect();
    apply_masks(text, &findings)
}

/// The masked form of a matched value: keeps the characters that identify the kind of number
/// and hides the rest with `*`, character for character (separators stay).
pub fn mask(kind: Kind, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    match kind {
        Kind::IdCard => mask_alnum(&chars, 6, 4),
        Kind::Mobile => {
            let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
            mask_alnum(&chars, digits.saturating_sub(8), 4)
        }
        Kind::BankCard => mask_alnum(&chars, 4, 4),
        // 028-86012345 → 028-****2345: the area code and the last four digits stay.
        Kind::Landline => {
            let digits = chars.iter().filter(|c| c.is_ascii_alphanumeric() || is_fullwidth_alnum(**c)).count();
            let area = chars.iter().take_while(|c| c.is_ascii_digit() || is_fullwidth_alnum(**c)).count();
            let area = if area < digits.saturating_sub(4) && area <= 4 { area } else { 0 };
            mask_alnum(&chars, area, 4)
        }
        // The first characters (province, city) stay; the rest of the address is hidden.
        Kind::Address => {
            let keep = (n / 3).min(6);
            chars
                .iter()
                .enumerate()
                .map(|(i, &c)| if i < keep || "，,、·-（）() ".contains(c) { c } else { '*' })
                .collect()
        }
        Kind::Passport => mask_alnum(&chars, 1, 2),
        Kind::LicencePlate => {
            // 粤B·12345 → 粤B·***45: province and letter stay, the last two stay.
            let mut out = String::with_capacity(text.len());
            let alnum_total = chars.iter().filter(|c| c.is_ascii_alphanumeric()).count();
            let mut seen = 0;
            for &c in &chars {
                if c.is_ascii_alphanumeric() {
                    seen += 1;
                    if seen > 1 && seen <= alnum_total.saturating_sub(2) {
                        out.push('*');
                        continue;
                    }
                }
                out.push(c);
            }
            out
        }
        Kind::Email => {
            let at = chars.iter().position(|&c| c == '@').unwrap_or(n);
            let keep = if at <= 3 { 1 } else { 2 };
            chars.iter().enumerate().map(|(i, &c)| if i >= keep && i < at { '*' } else { c }).collect()
        }
        _ => "*".repeat(n),
    }
}

/// Masks ASCII letters and digits except the first `keep_front` and last `keep_back` of them.
fn mask_alnum(chars: &[char], keep_front: usize, keep_back: usize) -> String {
    let total = chars.iter().filter(|c| c.is_ascii_alphanumeric() || is_fullwidth_alnum(**c)).count();
    let mut seen = 0;
    chars
        .iter()
        .map(|&c| {
            if c.is_ascii_alphanumeric() || is_fullwidth_alnum(c) {
                seen += 1;
                if seen > keep_front && seen + keep_back <= total { '*' } else { c }
            } else {
                c
            }
        })
        .collect()
}

fn is_fullwidth_alnum(c: char) -> bool {
    textnorm::fold_char_width(c) != c && textnorm::fold_char_width(c).is_ascii_alphanumeric()
}

// ---------------------------------------------------------------------------------------------
// Check digits and number rules.

/// GB 11643-1999 check character of the first 17 digits of a 公民身份号码 (`'0'..='9'` or `'X'`).
pub fn id_check_char(first17: &[u8]) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

/// The reason an ID-card-shaped number is not a valid 公民身份号码, or `None` when it is valid
/// (18 digits: province code, birth date, check digit; 15 digits: province code, birth date).
pub fn id_card_problem(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let digits_ok = match b.len() {
        18 => b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x'),
        15 => b.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !digits_ok {
        return Some("位数或字符不符");
    }
    if !is_province_code(b[0], b[1]) {
        return Some("地址码不是有效的省级代码");
    }
    let (y, m, d) = if b.len() == 18 {
        (num(&b[6..10]) as i32, num(&b[10..12]), num(&b[12..14]))
    } else {
        (1900 + num(&b[6..8]) as i32, num(&b[8..10]), num(&b[10..12]))
    };
    if !(1900..=2099).contains(&y) || !valid_date(y, m, d) {
        return Some("出生日期无效");
    }
    if b.len() == 18 {
        let expected = id_check_char(&b[..17]);
        if expected != Some(b[17].to_ascii_uppercase() as char) {
            return Some("校验码不符");
        }
    }
    None
}

/// Whether `s` is a valid 18-digit or 15-digit 公民身份号码.
pub fn is_valid_id_card(s: &str) -> bool {
    id_card_problem(s).is_none()
}

/// Luhn (mod 10) check over ASCII digits; `false` for anything else or fewer than 2 digits.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.len() < 2 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Whether the number starts like a payment card of a common network for its length: UnionPay 62
/// and domestic 9xxx (16–19 digits); Visa 4, Mastercard 51–55 / 2221–2720, JCB 35, Diners 30/36/38,
/// Discover 60/64/65 (16 digits); the Agricultural Bank's 103 (19 digits).
pub fn plausible_card_prefix(d: &[u8]) -> bool {
    if d.len() < 16 {
        return false;
    }
    let two = num(&d[..2]);
    let four = num(&d[..4]);
    let any_length = two == 62 || d[0] == b'9';
    any_length
        || match d.len() {
            16 => {
                d[0] == b'4'
                    || matches!(two, 51..=55 | 35 | 30 | 36 | 38 | 60 | 64 | 65)
                    || (2221..=2720).contains(&four)
            }
            18 => two == 60,
            19 => d[0] == b'4' || two == 60 || d.starts_with(b"103"),
            _ => false,
        }
}

/// Whether 11 digits form a mainland mobile number (号段 13x, 14[5-9], 15[0-35-9], 16[2567],
/// 17[0-8], 18x, 19[0-35-9]).
pub fn is_mobile(d: &[u8]) -> bool {
    if d.len() != 11 || d[0] != b'1' || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match d[1] {
        b'3' | b'8' => true,
        b'4' => matches!(d[2], b'5'..=b'9'),
        b'5' | b'9' => d[2] != b'4',
        b'6' => matches!(d[2], b'2' | b'5' | b'6' | b'7'),
        b'7' => d[2] != b'9',
        _ => false,
    }
}

fn is_province_code(a: u8, b: u8) -> bool {
    let code = num(&[a, b]);
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
}

fn valid_date(y: i32, m: u32, d: u32) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn num(d: &[u8]) -> u32 {
    d.iter().fold(0, |acc, &c| acc * 10 + u32::from(c.wrapping_sub(b'0')))
}

// ---------------------------------------------------------------------------------------------
// The byte scan: digit runs, e-mail addresses, licence plates, passports.

const ID_LABELS: &[&str] = &["身份证", "身份号码", "证件号", "证号", "公民身份"];
const BANK_LABELS: &[&str] = &["银行卡", "卡号", "账号", "帐号", "账户", "帐户", "开户行", "银行"];
/// Labels saying that a number is a telephone number: such a number is personal data whatever
/// its 号段 (the segment table decides only unlabelled numbers).
const PHONE_LABELS: &[&str] =
    &["手机", "电话", "联系方式", "联系人", "联系号码", "移动电话", "座机", "宅电", "固话", "致电", "拨打"];
/// Labels of a home telephone: a landline after one is personal data whoever it belongs to.
const HOME_PHONE_LABELS: &[&str] = &["宅电", "家庭电话", "住宅电话", "家中电话", "家里电话"];
/// Labels of a person, followed by their name (联系人：王芳).
const PERSON_LABELS: &[&str] =
    &["联系人", "姓名", "经办人", "负责人", "户主", "申请人", "当事人", "监护人", "法定代表人", "承办人"];
/// Phone labels between a name and its number (王芳，联系电话：…), longest first.
const PHONE_LABEL_TAILS: &[&str] =
    &["联系电话", "办公电话", "家庭电话", "住宅电话", "移动电话", "联系方式", "电话", "手机", "座机", "宅电", "固话"];
/// Common single-character surnames (百家姓, the most frequent), minus those that mostly begin
/// ordinary words (文化、方式、任务、许可 …), to tell a name before a telephone number.
const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董萧程曹袁邓傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎潘杜戴夏钟汪田姜姚谭廖邹熊陆郝孔崔邱秦侯邵孟段雷钱汤尹黎贺赖龚严覃";
/// Last characters of a place or an office, not of a name (文化局、金牛区、白云山 …).
const PLACE_SUFFIXES: &str = "局委办厅处科室院所站队会部司校馆行社组台厂店市县区镇乡村街路省州山湖河江桥园楼城港线心";
/// Labels of a home address (住址、家庭住址、现住址 …).
const ADDRESS_LABELS: &[&str] = &["住址", "家庭地址", "居住地址", "现居住地"];
/// Characters of which an address has at least one.
const ADDRESS_CHARS: &str = "省市区县旗镇乡村街路巷道号弄栋幢单元室楼组屯胡同";
/// Labels saying that a number is something else (an order number, a code), for numbers without
/// a check digit of their own.
const OTHER_LABELS: &[&str] = &[
    "订单",
    "编号",
    "单号",
    "流水",
    "批号",
    "批次",
    "合同号",
    "案号",
    "文号",
    "代码",
    "税号",
    "纳税人识别号",
    "发票",
    "ISBN",
    "序列号",
    "条码",
    "登记号",
    "准字",
    "注册号",
    "执照",
    "许可证",
    "工号",
    "学号",
    "考号",
    "准考证",
    "运单",
    "快递",
    "票号",
    "账单",
    "IMEI",
];
const PLATE_LABELS: &[&str] = &["车牌", "号牌", "车辆", "机动车", "驾驶"];
const PASSPORT_LABELS: &[&str] = &["护照", "通行证", "旅行证"];

/// The text of the same line before byte `pos`, at most `max` bytes (cut to a char boundary).
fn before(s: &str, pos: usize, max: usize) -> &str {
    let mut from = pos.saturating_sub(max);
    while from < pos && !s.is_char_boundary(from) {
        from += 1;
    }
    let w = &s[from..pos];
    match w.rfind('\n') {
        Some(i) => &w[i + 1..],
        None => w,
    }
}

fn has_label(s: &str, pos: usize, labels: &[&str]) -> bool {
    let w = before(s, pos, 36);
    labels.iter().any(|l| w.contains(l))
}

/// Where the last of `labels` ends in the window before `pos` (as [`has_label`]), if any.
fn last_label(s: &str, pos: usize, labels: &[&str]) -> Option<usize> {
    let w = before(s, pos, 36);
    labels.iter().filter_map(|l| w.rfind(l).map(|i| i + l.len())).max()
}

/// Whether the nearest label before `pos` is a telephone label (not an order number's).
fn phone_label_nearest(s: &str, pos: usize) -> bool {
    last_label(s, pos, PHONE_LABELS) > last_label(s, pos, OTHER_LABELS)
}

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Separators between a name, a label and a number.
const SEPARATORS: &[char] = &[' ', '\u{3000}', '\t', ':', '：', ',', '，', '、', '(', '（', '|', '/'];

/// Whether a person's name stands beside the number starting at `pos`: a person label followed
/// by a name (联系人：王芳 …), or a name right before the number, maybe with a phone label
/// between (王芳 028-…, 王芳，电话：028-…). A name is 2–4 Han characters starting with a common
/// surname and not ending like a place or an office.
fn person_beside(s: &str, pos: usize) -> bool {
    let w = before(s, pos, 60);
    let name_at = |t: &str, max: usize| {
        let run: Vec<char> = t.chars().take_while(|&c| is_han(c)).collect();
        (2..=max).contains(&run.len()) && SURNAMES.contains(run[0]) && !PLACE_SUFFIXES.contains(run[run.len() - 1])
    };
    for l in PERSON_LABELS {
        if let Some(i) = w.rfind(l) {
            if name_at(w[i + l.len()..].trim_start_matches(SEPARATORS), 4) {
                return true;
            }
        }
    }
    let mut t = w.trim_end_matches(SEPARATORS);
    if let Some(l) = PHONE_LABEL_TAILS.iter().find(|l| t.ends_with(**l)) {
        t = t[..t.len() - l.len()].trim_end_matches(SEPARATORS);
    }
    let han: usize = t.chars().rev().take_while(|&c| is_han(c)).map(char::len_utf8).sum();
    name_at(&t[t.len() - han..], 3)
}

/// A landline number in a chain of digit groups: an area code (0 and 2–3 digits) and 7–8 local
/// digits (`028-86012345`, `0816 2345678`, `028-8601-2345`); its end.
fn landline_chain(b: &[u8], runs: &[(usize, usize)]) -> Option<usize> {
    let len = |r: &(usize, usize)| r.1 - r.0;
    let area = runs.first()?;
    if !(3..=4).contains(&len(area)) || b[area.0] != b'0' || b[area.0 + 1] == b'0' {
        return None;
    }
    let local = &runs[1..];
    let digits: usize = local.iter().map(len).sum();
    let first = b[local.first()?.0];
    let shape = match local.len() {
        1 => true,
        2 => (3..=4).contains(&len(&local[0])) && len(&local[1]) == 4,
        _ => false,
    };
    (shape && (7..=8).contains(&digits) && (b'2'..=b'9').contains(&first)).then(|| local[local.len() - 1].1)
}

/// An area code in brackets right before the run at `s..e` of 7–8 digits (`(028)86012345`,
/// `（0816）2345678`); the start of the opening bracket.
fn bracketed_area_code(norm: &str, s: usize, e: usize) -> Option<usize> {
    let b = norm.as_bytes();
    if !(7..=8).contains(&(e - s)) || !(b'2'..=b'9').contains(&b[s]) {
        return None;
    }
    let head = &norm[..s];
    let head = head.strip_suffix(')').or_else(|| head.strip_suffix('）'))?;
    let digits = head.bytes().rev().take_while(u8::is_ascii_digit).count();
    let area = &head[head.len() - digits..];
    if !(3..=4).contains(&digits) || !area.starts_with('0') || area.starts_with("00") {
        return None;
    }
    let open = &head[..head.len() - digits];
    open.strip_suffix('(').or_else(|| open.strip_suffix('（')).map(str::len)
}

/// Reports the landline at `start..end` when it is labelled as a home telephone (block) or a
/// person's name stands beside it (warn): an office's published number is neither.
fn classify_landline(norm: &str, start: usize, end: usize, hits: &mut Vec<Hit>) -> bool {
    if phone_label_nearest(norm, start) && has_label(norm, start, HOME_PHONE_LABELS) {
        push(hits, start, end, Kind::Landline, Severity::Block, "住宅电话");
        return true;
    }
    if person_beside(norm, start) {
        let detail = "固定电话紧邻个人姓名，请确认是否为个人的住宅或私人电话";
        push(hits, start, end, Kind::Landline, Severity::Warn, detail);
        return true;
    }
    false
}

/// Labelled home addresses: a label of [`ADDRESS_LABELS`], a separator, then up to the next
/// punctuation (at most 60 characters) holding at least one address character. A label in prose
/// (住址所在地 …) has no separator and is not one.
fn scan_addresses(norm: &str, hits: &mut Vec<Hit>) {
    let b = norm.as_bytes();
    let mut found = Vec::new();
    for label in ADDRESS_LABELS {
        for pos in memchr::memmem::find_iter(b, label.as_bytes()) {
            let after = pos + label.len();
            let rest = &norm[after..];
            let t = rest.trim_start_matches([':', '：', ' ', '\u{3000}', '为']);
            if t.len() == rest.len() {
                continue;
            }
            let start = after + (rest.len() - t.len());
            let mut end = start;
            let mut chars = 0;
            for (i, c) in t.char_indices() {
                if chars >= 60 || "，,。；;：:\n\r\t|）)】 \u{3000}".contains(c) {
                    break;
                }
                end = start + i + c.len_utf8();
                chars += 1;
            }
            let addr = &norm[start..end];
            if chars >= 4 && addr.chars().any(|c| ADDRESS_CHARS.contains(c)) {
                found.push(Hit {
                    start,
                    end,
                    kind: Kind::Address,
                    severity: Severity::Block,
                    detail: "标为住址的个人地址".to_owned(),
                    correction: None,
                });
            }
        }
    }
    keep_longest(found, hits);
}

/// Bytes that make a digit run part of an identifier or URL rather than a number on its own.
fn glues(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'@' | b'/' | b'_' | b'=' | b'%' | b'#' | b'&' | b'\\')
}

fn scan_bytes(norm: &str, hits: &mut Vec<Hit>) {
    let b = norm.as_bytes();
    let len = b.len();
    let mut runs: Vec<(usize, usize)> = Vec::with_capacity(8);
    let mut i = 0;
    while i < len {
        // Eight bytes at a time while all of them are non-ASCII (most of a Chinese text).
        while i + 8 <= len {
            let mut word = [0u8; 8];
            word.copy_from_slice(&b[i..i + 8]);
            if u64::from_le_bytes(word) & 0x8080_8080_8080_8080 != 0x8080_8080_8080_8080 {
                break;
            }
            i += 8;
        }
        if i >= len {
            break;
        }
        let c = b[i];
        if c < b'0' || (c > b'9' && c != b'@' && !c.is_ascii_uppercase()) {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            // A chain of digit groups separated by single spaces or hyphens.
            runs.clear();
            let mut j = i;
            loop {
                let s = j;
                while j < len && b[j].is_ascii_digit() {
                    j += 1;
                }
                runs.push((s, j));
                if j + 1 < len && (b[j] == b' ' || b[j] == b'-') && b[j + 1].is_ascii_digit() && runs.len() < 6 {
                    j += 1;
                } else {
                    break;
                }
            }
            classify_chain(norm, &runs, hits);
            i = j;
            // Skip the rest of an identifier the run is glued to.
            while i < len && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
        } else if c == b'@' {
            i = scan_email(norm, i, hits);
        } else {
            // Upper-case ASCII letter: licence plate after a province abbreviation, or passport.
            if i == 0 || !b[i - 1].is_ascii_alphanumeric() {
                scan_plate(norm, i, hits);
                scan_passport(norm, i, hits);
            }
            while i < len && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
        }
    }
}

fn digits_of(b: &[u8], runs: &[(usize, usize)]) -> Vec<u8> {
    runs.iter().flat_map(|&(s, e)| b[s..e].iter().copied()).collect()
}

fn classify_chain(norm: &str, runs: &[(usize, usize)], hits: &mut Vec<Hit>) {
    let b = norm.as_bytes();
    if let Some(end) = landline_chain(b, runs) {
        let start = runs[0].0;
        if isolated(b, start, end) && end == runs[runs.len() - 1].1 && classify_landline(norm, start, end, hits) {
            return;
        }
    }
    if let [(s, e)] = runs {
        if let Some(open) = bracketed_area_code(norm, *s, *e) {
            if isolated(b, *s, *e) && classify_landline(norm, open, *e, hits) {
                return;
            }
        }
    }
    if runs.len() > 1 {
        let lens: Vec<usize> = runs.iter().map(|&(s, e)| e - s).collect();
        let d = digits_of(b, runs);
        let (start, end) = (runs[0].0, runs[runs.len() - 1].1);
        let grouped_mobile = lens == [3, 4, 4];
        let grouped_card = ((4..=5).contains(&lens.len())
            && lens[..4].iter().all(|&l| l == 4)
            && lens.get(4).is_none_or(|&l| (1..=3).contains(&l)))
            || lens == [6, 13]
            || lens == [6, 12];
        if (grouped_mobile || grouped_card) && isolated(b, start, end) {
            let before_len = hits.len();
            classify_number(norm, start, end, &d, hits);
            if hits.len() > before_len {
                return;
            }
        }
    }
    for &(s, e) in runs {
        let mut end = e;
        // 17 digits and an X: an ID number with check character X.
        if e - s == 17 && e < b.len() && (b[e] == b'X' || b[e] == b'x') {
            end = e + 1;
        }
        if isolated(b, s, end) {
            classify_number(norm, s, end, &b[s..end], hits);
        }
    }
}

/// Whether the span is not glued to letters, digits or identifier punctuation, and is not part of
/// a decimal number (`3.14`, `13812345678.00`).
fn isolated(b: &[u8], s: usize, e: usize) -> bool {
    if s > 0 {
        let p = b[s - 1];
        if glues(p) || (p == b'.' && s >= 2 && b[s - 2].is_ascii_digit()) {
            return false;
        }
        if p == b'-' && s >= 2 && b[s - 2].is_ascii_alphanumeric() {
            return false;
        }
    }
    if e < b.len() {
        let n = b[e];
        if glues(n) || (n == b'.' && e + 1 < b.len() && b[e + 1].is_ascii_digit()) {
            return false;
        }
        if n == b'-' && e + 1 < b.len() && b[e + 1].is_ascii_alphanumeric() {
            return false;
        }
    }
    true
}

fn push(hits: &mut Vec<Hit>, start: usize, end: usize, kind: Kind, severity: Severity, detail: impl Into<String>) {
    hits.push(Hit { start, end, kind, severity, detail: detail.into(), correction: None });
}

/// Classifies one number `d` (digits, maybe a final X) spanning `start..end` of the text.
fn classify_number(norm: &str, start: usize, end: usize, d: &[u8], hits: &mut Vec<Hit>) {
    let n = d.len();
    if n < 11 {
        return;
    }
    let id_label = has_label(norm, start, ID_LABELS);
    if n == 18 || n == 15 {
        let s = std::str::from_utf8(d).unwrap_or_default();
        match id_card_problem(s) {
            None if n == 18 => return push(hits, start, end, Kind::IdCard, Severity::Block, "居民身份证号码"),
            None if id_label => {
                return push(hits, start, end, Kind::IdCard, Severity::Block, "15位居民身份证号码");
            }
            None if !has_label(norm, start, OTHER_LABELS) && !has_label(norm, start, BANK_LABELS) => {
                return push(hits, start, end, Kind::IdCard, Severity::Warn, "疑似15位旧身份证号码（无校验码）");
            }
            Some(problem) if id_label => {
                return push(hits, start, end, Kind::IdCard, Severity::Warn, format!("标为身份证号码，但{problem}"));
            }
            _ => {}
        }
    } else if id_label && (n == 17 || n == 16 || n == 19) {
        return push(hits, start, end, Kind::IdCard, Severity::Warn, "标为身份证号码，但位数不符");
    }
    if !d.iter().all(u8::is_ascii_digit) || is_quantity(norm, start, end) {
        return;
    }
    if n == 11 || (n == 13 && d.starts_with(b"86")) {
        let m = &d[n - 11..];
        let phone_label = has_label(norm, start, PHONE_LABELS);
        if is_mobile(m) && (phone_label || !has_label(norm, start, OTHER_LABELS)) {
            return push(hits, start, end, Kind::Mobile, Severity::Block, "手机号码");
        }
        if is_mobile(m) {
            return;
        }
        // Labelled as a telephone: personal data whatever its 号段.
        if m[0] == b'1' && phone_label_nearest(norm, start) {
            return push(hits, start, end, Kind::Mobile, Severity::Block, "标为电话的手机号码（号段不在号段表中）");
        }
    }
    let bank_label = has_label(norm, start, BANK_LABELS);
    if (16..=19).contains(&n) && luhn_valid(d) && plausible_card_prefix(d) {
        let s = std::str::from_utf8(d).unwrap_or_default();
        let other = has_label(norm, start, OTHER_LABELS);
        if !(n == 18 && crate::org::is_credit_code(s)) && (!other || bank_label) {
            return push(hits, start, end, Kind::BankCard, Severity::Block, "银行卡号（Luhn 校验通过）");
        }
    }
    if bank_label && (12..=25).contains(&n) && !has_label(norm, start, OTHER_LABELS) {
        let detail =
            if (16..=19).contains(&n) { "标为银行账号，Luhn 校验未通过" } else { "标为银行账号" };
        push(hits, start, end, Kind::BankCard, Severity::Warn, detail);
    }
}

/// Characters after a number that make it an amount or a count (`13812345678元`, `…号`).
const UNITS: &str = "元万亿千百吨个人次件户台辆笔份页号条项米克升斤亩平公里倍";

/// Whether the number at `start..end` is an amount, a count or an ordinal rather than an
/// identifier: a unit right after it, `第` or a currency sign right before it.
fn is_quantity(norm: &str, start: usize, end: usize) -> bool {
    let after = norm[end..].chars().next();
    let before = norm[..start].chars().next_back();
    after.is_some_and(|c| UNITS.contains(c)) || before.is_some_and(|c| matches!(c, '第' | '¥' | '￥' | '$' | '€'))
}

fn is_email_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Scans an e-mail address around the `@` at byte `at`; returns where the scan goes on.
fn scan_email(norm: &str, at: usize, hits: &mut Vec<Hit>) -> usize {
    let b = norm.as_bytes();
    let mut s = at;
    while s > 0 && is_email_local(b[s - 1]) && at - s < 64 {
        s -= 1;
    }
    while s < at && matches!(b[s], b'.' | b'-' | b'+') {
        s += 1;
    }
    let mut e = at + 1;
    while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'.' || b[e] == b'-') {
        e += 1;
    }
    let mut end = e;
    while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    if s == at || end <= at + 1 {
        return at + 1;
    }
    let domain = &norm[at + 1..end];
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    let ok = labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && !l.starts_with('-'))
        && tld.len() >= 2
        && tld.bytes().all(|c| c.is_ascii_alphabetic());
    if ok {
        let lower = domain.to_ascii_lowercase();
        if lower.ends_with(".gov.cn") {
            push(hits, s, end, Kind::Email, Severity::Warn, "电子邮箱（政府机关域名，请确认是否为公开信箱）");
        } else {
            push(hits, s, end, Kind::Email, Severity::Block, "电子邮箱");
        }
    }
    e
}

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";

fn scan_plate(norm: &str, i: usize, hits: &mut Vec<Hit>) {
    let b = norm.as_bytes();
    if i < 3 || !norm.is_char_boundary(i - 3) {
        return;
    }
    let Some(prov) = norm[i - 3..i].chars().next() else { return };
    if !PROVINCES.contains(prov) || matches!(b[i], b'I' | b'O') {
        return;
    }
    let mut j = i + 1;
    // Optional separator: middle dot (U+00B7, U+2022) or one space.
    if norm[j..].starts_with('·') {
        j += '·'.len_utf8();
    } else if norm[j..].starts_with('•') {
        j += '•'.len_utf8();
    } else if j < b.len() && b[j] == b' ' {
        j += 1;
    }
    let s = j;
    while j < b.len() && (b[j].is_ascii_digit() || b[j].is_ascii_uppercase()) && j - s < 7 {
        j += 1;
    }
    let body = &b[s..j];
    let digits = body.iter().filter(|c| c.is_ascii_digit()).count();
    let mut end = j;
    let ok_len = match body.len() {
        5 | 6 => j >= b.len() || !b[j].is_ascii_alphanumeric(),
        4 => {
            // 京A1234警: four characters and a special suffix.
            let rest = &norm[j..];
            match rest.chars().next() {
                Some(c) if "警学挂港澳领试超".contains(c) => {
                    end = j + c.len_utf8();
                    true
                }
                _ => false,
            }
        }
        _ => false,
    };
    if ok_len && digits >= 3 && !body.iter().any(|c| matches!(c, b'I' | b'O')) {
        let labelled = has_label(norm, i - 3, PLATE_LABELS);
        let detail = if labelled { "机动车号牌" } else { "疑似机动车号牌" };
        push(hits, i - 3, end, Kind::LicencePlate, Severity::Block, detail);
    }
}

fn scan_passport(norm: &str, i: usize, hits: &mut Vec<Hit>) {
    let b = norm.as_bytes();
    let mut j = i + 1;
    if j < b.len() && b[j].is_ascii_uppercase() {
        j += 1;
    }
    let ds = j;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    let total = j - i;
    let digits = j - ds;
    if total == 9
        && digits >= 7
        && (j >= b.len() || !b[j].is_ascii_alphanumeric())
        && has_label(norm, i, PASSPORT_LABELS)
    {
        push(hits, i, j, Kind::Passport, Severity::Block, "护照或通行证号码");
    }
}

// ---------------------------------------------------------------------------------------------
// Markings.

/// Characters that may stand before a marking at the start of a line.
fn is_lead(c: char) -> bool {
    c.is_whitespace() || "【[（(〔“\"|*★☆".contains(c)
}

/// Whether the marking at `s..e` stands in a marking position; returns the end of the marking
/// including a following `★` and period (e.g. `秘密★1年`).
fn marking_context(norm: &str, s: usize, e: usize) -> Option<usize> {
    let line_start = norm[..s].rfind('\n').map_or(0, |i| i + 1);
    let line_end = norm[e..].find('\n').map_or(norm.len(), |i| e + i);
    let prefix = &norm[line_start..s];
    let rest = &norm[e..line_end];
    let rest_trim = rest.trim_start();
    let skipped = rest.len() - rest_trim.len();
    let star = rest_trim.starts_with(['★', '☆', '*', '✱']);
    let period = rest_trim.starts_with("期限")
        || rest_trim.starts_with("保密期限")
        || rest_trim.starts_with("(期限")
        || rest_trim.starts_with("（期限")
        || rest_trim.starts_with("启用前")
        || rest_trim.starts_with("长期");
    if star || period {
        return Some(e + skipped + marking_tail(rest_trim));
    }
    let prefix_trim = prefix.trim_end().trim_end_matches([':', '：']).trim_end();
    if prefix_trim.ends_with("密级") {
        return Some(e);
    }
    let at_line_start = prefix.chars().all(is_lead);
    let followed_by_marking = MARKINGS.iter().any(|m| rest_trim.starts_with(m))
        || rest_trim.starts_with([',', '，', '、', ' '])
            && MARKINGS
                .iter()
                .any(|m| rest_trim[rest_trim.chars().next().map_or(0, char::len_utf8)..].trim_start().starts_with(m));
    let closes = rest_trim.is_empty() || rest_trim.starts_with([')', '）', '】', ']', '〕', '|']);
    if at_line_start && (closes || followed_by_marking || starts_with_term(rest_trim)) {
        return Some(e);
    }
    let opened = prefix.trim_end().ends_with(['（', '(', '【', '[', '〔']);
    if opened && (closes || followed_by_marking) {
        return Some(e);
    }
    // Following another marking on the same line: "内部资料 注意保存".
    let prev_marking = MARKINGS.iter().any(|m| prefix_trim.trim_end_matches([',', '，', '、']).ends_with(m));
    if prev_marking && (closes || at_line_start_before(prefix)) {
        return Some(e);
    }
    None
}

fn at_line_start_before(prefix: &str) -> bool {
    // The prefix is only lead characters and markings.
    let mut p = prefix.trim();
    loop {
        let before = p;
        p = p.trim_start_matches(is_lead).trim_start_matches([',', '，', '、']);
        for m in MARKINGS {
            if let Some(r) = p.strip_prefix(m) {
                p = r;
            }
        }
        if p.is_empty() {
            return true;
        }
        if p == before {
            return false;
        }
    }
}

/// A period term after a bare marking at the start of a line: `机密 10年`, `秘密 长期`.
fn starts_with_term(rest: &str) -> bool {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with(['年', '个'])
}

/// Byte length of a `★` + period tail, e.g. `★1年`, `★ 长期`, `★启用前`, `期限：10年`.
fn marking_tail(rest: &str) -> usize {
    let mut len = 0;
    for (count, c) in rest.chars().enumerate() {
        if count >= 14 || !("★☆*✱ 0123456789一二三四五六七八九十年个月长期启用前保密限:：()（）".contains(c))
        {
            break;
        }
        len += c.len_utf8();
    }
    // Do not end on a space or an opening bracket.
    let t = rest[..len].trim_end_matches([' ', '(', '（']);
    t.len()
}

// ---------------------------------------------------------------------------------------------
// Offsets.

/// The byte offset of the character `k` characters after the one starting at byte `pos` (or the
/// end). Skips 64-byte blocks by counting their lead bytes, so long gaps between findings cost
/// little.
fn advance_chars(b: &[u8], mut pos: usize, mut k: usize) -> usize {
    let is_lead = |c: u8| (c as i8) >= -0x40;
    while pos + 64 <= b.len() {
        let n = b[pos..pos + 64].iter().filter(|&&c| is_lead(c)).count();
        if n > k {
            break;
        }
        k -= n;
        pos += 64;
    }
    while pos < b.len() {
        if is_lead(b[pos]) {
            if k == 0 {
                return pos;
            }
            k -= 1;
        }
        pos += 1;
    }
    b.len()
}

fn to_findings(text: &str, norm: &str, hits: Vec<Hit>) -> Vec<Finding> {
    if hits.is_empty() {
        return Vec::new();
    }
    // Byte offsets in `norm` → character offsets (same in `text`) → byte offsets in `text`.
    let mut points: Vec<usize> = hits.iter().flat_map(|h| [h.start, h.end]).collect();
    points.sort_unstable();
    points.dedup();
    let mut char_of = Vec::with_capacity(points.len());
    let mut chars = 0usize;
    let mut last = 0usize;
    for &p in &points {
        chars += norm[last..p].chars().count();
        last = p;
        char_of.push(chars);
    }
    let lookup = |p: usize| points.binary_search(&p).map(|i| char_of[i]).unwrap_or(0);
    let mut char_points: Vec<usize> = char_of.clone();
    char_points.dedup();
    let mut byte_of = Vec::with_capacity(char_points.len());
    let (mut at_char, mut at_byte) = (0usize, 0usize);
    for &cp in &char_points {
        at_byte = advance_chars(text.as_bytes(), at_byte, cp - at_char);
        at_char = cp;
        byte_of.push(at_byte);
    }
    let text_byte = |c: usize| char_points.binary_search(&c).map(|i| byte_of[i]).unwrap_or(text.len());
    hits.into_iter()
        .map(|h| {
            let (start, end) = (lookup(h.start), lookup(h.end));
            let matched = text.get(text_byte(start)..text_byte(end)).unwrap_or_default().to_owned();
            let masked = match h.correction {
                Some(c) => c,
                None => mask(h.kind, &matched),
            };
            Finding { kind: h.kind, severity: h.severity, start, end, text: matched, masked, detail: h.detail }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, Severity, String)> {
        screen(text).into_iter().map(|f| (f.kind, f.severity, f.text)).collect()
    }

    fn one(text: &str) -> Finding {
        let f = screen(text);
        assert_eq!(f.len(), 1, "{text}: {f:?}");
        f.into_iter().next().unwrap()
    }

    #[test]
    fn id_check_digit() {
        assert_eq!(id_check_char(b"51010419900101123"), Some('0'));
        assert_eq!(id_check_char(b"11010519491231002"), Some('X'));
        assert!(is_valid_id_card("11010519491231002X"));
        assert!(is_valid_id_card("11010519491231002x"));
        assert_eq!(id_card_problem("510104199001011231"), Some("校验码不符"));
        assert_eq!(id_card_problem("990104199001011230"), Some("地址码不是有效的省级代码"));
        assert_eq!(id_card_problem("510104199002301234"), Some("出生日期无效"));
        assert!(is_valid_id_card("510104900101123"));
        assert_eq!(id_card_problem("510104901301123"), Some("出生日期无效"));
    }

    #[test]
    fn luhn_and_mobile_rules() {
        assert!(luhn_valid(b"6222021234567890128"));
        assert!(!luhn_valid(b"6222021234567890127"));
        assert!(luhn_valid(b"4111111111111111"));
        assert!(is_mobile(b"13812345678"));
        assert!(is_mobile(b"19912345678"));
        assert!(!is_mobile(b"12012345678"));
        assert!(!is_mobile(b"14012345678"));
        assert!(!is_mobile(b"1381234567"));
    }

    #[test]
    fn finds_id_cards_with_char_offsets_and_mask() {
        let text = "当事人张某，身份证号码：510104199001011230，住成都市。";
        let f = one(text);
        assert_eq!(f.kind, Kind::IdCard);
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.text, "510104199001011230");
        assert_eq!(f.start, 12);
        assert_eq!(f.end, 30);
        let chars: String = text.chars().skip(f.start).take(f.end - f.start).collect();
        assert_eq!(chars, f.text);
        assert_eq!(f.masked, "510104********1230");
        // Check character X and no label: still valid.
        assert_eq!(one("王某11010519491231002X等人").text, "11010519491231002X");
    }

    #[test]
    fn full_width_and_traditional_text_keeps_offsets() {
        let text = "身份證號：５１０１０４１９９００１０１１２３０。";
        let f = one(text);
        assert_eq!(f.kind, Kind::IdCard);
        assert_eq!((f.start, f.end), (5, 23));
        assert_eq!(f.text, "５１０１０４１９９００１０１１２３０");
        assert_eq!(f.masked, "５１０１０４********１２３０");
    }

    #[test]
    fn wrong_check_digit_needs_a_label() {
        assert!(screen("编号510104199001011231的记录").is_empty());
        assert!(screen("随机数字510104199001011231").is_empty());
        let f = one("身份证号：510104199001011231");
        assert_eq!((f.kind, f.severity), (Kind::IdCard, Severity::Warn));
        assert!(f.detail.contains("校验码"), "{}", f.detail);
    }

    #[test]
    fn legacy_fifteen_digit_ids() {
        let f = one("身份证号 510104900101123");
        assert_eq!((f.kind, f.severity), (Kind::IdCard, Severity::Block));
        assert_eq!(f.masked, "510104*****1123");
        let f = one("旧号510104900101123");
        assert_eq!((f.kind, f.severity), (Kind::IdCard, Severity::Warn));
        assert!(screen("订单编号510104900101123").is_empty());
    }

    #[test]
    fn mobiles() {
        let f = one("联系电话：13812345678。");
        assert_eq!((f.kind, f.severity, f.masked.as_str()), (Kind::Mobile, Severity::Block, "138****5678"));
        assert_eq!(one("手机 138-1234-5678").text, "138-1234-5678");
        assert_eq!(one("手机 138-1234-5678").masked, "138-****-5678");
        assert_eq!(one("请拨打 138 1234 5678 咨询").text, "138 1234 5678");
        assert_eq!(one("+8613812345678").kind, Kind::Mobile);
        assert_eq!(one("tel:+86 13812345678").text, "13812345678");
    }

    #[test]
    fn mobile_look_alikes() {
        // Inside longer digit runs, order numbers, decimals, URLs, landlines.
        assert!(screen("订单号：13812345678").is_empty());
        assert!(screen("流水号 138123456789012").is_empty());
        assert!(screen("金额13812345678.00元").is_empty());
        assert!(screen("https://www.gov.cn/zhengce/13812345678.htm").is_empty());
        assert!(screen("咨询电话：028-86012345").is_empty());
        assert!(screen("编码12012345678").is_empty());
        assert!(screen("ABC13812345678").is_empty());
    }

    #[test]
    fn bank_cards() {
        let f = one("请汇入银行卡6222021234567890128。");
        assert_eq!((f.kind, f.severity), (Kind::BankCard, Severity::Block));
        assert_eq!(f.masked, "6222***********0128");
        assert_eq!(one("6222 0212 3456 7890 128").text, "6222 0212 3456 7890 128");
        assert_eq!(one("6222 0212 3456 7890 128").masked, "6222 **** **** ***0 128");
        assert_eq!(one("卡号：6217001234567893").kind, Kind::BankCard);
        // Luhn fails without a label: nothing; with a label: a warning.
        assert!(screen("6222021234567890127").is_empty());
        let f = one("银行账号：6222021234567890127");
        assert_eq!((f.kind, f.severity), (Kind::BankCard, Severity::Warn));
        // A corporate account (no Luhn) with a label: a warning.
        assert_eq!(one("开户账号 51001234567890123456").severity, Severity::Warn);
    }

    #[test]
    fn bank_look_alikes() {
        // 统一社会信用代码 with only digits that happens to pass Luhn is not a card.
        let code = all_digit_credit_code_passing_luhn();
        assert!(crate::org::is_credit_code(&code) && luhn_valid(code.as_bytes()));
        assert!(screen(&format!("统一社会信用代码：{code}")).is_empty(), "{code}");
        assert!(screen(&format!("代码{code}")).is_empty());
        assert!(screen("统一社会信用代码 91510100MA61234567").is_empty());
        // Order numbers passing Luhn with an order label.
        assert!(screen("订单编号 6222021234567890128").is_empty());
        // Prefix not of a card network.
        assert!(screen("1234567812345670").is_empty());
    }

    fn all_digit_credit_code_passing_luhn() -> String {
        const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
        for n in 0u64..100_000 {
            let base = format!("9151010{:010}", 1_000_000_000 + n);
            let sum: u32 = base.bytes().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
            let check = (31 - sum % 31) % 31;
            if check < 10 {
                let code = format!("{base}{check}");
                if luhn_valid(code.as_bytes()) {
                    return code;
                }
            }
        }
        unreachable!()
    }

    #[test]
    fn official_numbers_dates_amounts_are_not_personal_data() {
        for text in [
            "国务院办公厅关于印发《实施方案》的通知（国办发〔2019〕4号）",
            "2019年1月1日起施行，即20190101。",
            "资金总额为1234567890元，合计12,345,678.90元。",
            "GB 11643-1999《公民身份号码》",
            "第十三条 本办法自2025年10月1日起施行。",
            "索引号：000014349/2019-00021",
            "邮编610041，传真028-86012345。",
            "发布时间：2019-01-01 12:30:45",
        ] {
            assert!(screen(text).is_empty(), "{text}: {:?}", screen(text));
        }
    }

    #[test]
    fn emails() {
        let f = one("来信请寄 zhangsan@example.com。");
        assert_eq!((f.kind, f.severity), (Kind::Email, Severity::Block));
        assert_eq!(f.text, "zhangsan@example.com");
        assert_eq!(f.masked, "zh******@example.com");
        assert_eq!(one("邮箱：abc@qq.com").masked, "a**@qq.com");
        assert_eq!(one("公开信箱 xxgk@sc.gov.cn").severity, Severity::Warn);
        assert!(screen("作者 @张三 回复").is_empty());
        assert!(screen("a@b").is_empty());
        assert_eq!(one("13812345678@163.com").kind, Kind::Email);
    }

    #[test]
    fn plates_and_passports() {
        let f = one("当事人驾驶的鲁A12345号小型汽车");
        assert_eq!((f.kind, f.text.as_str(), f.masked.as_str()), (Kind::LicencePlate, "鲁A12345", "鲁A***45"));
        assert_eq!(one("车牌号 粤B·D12345").text, "粤B·D12345");
        assert_eq!(one("京A1234警").text, "京A1234警");
        assert!(screen("新ABC版本").is_empty());
        assert!(screen("川AB").is_empty());
        let f = one("护照号码：E12345678");
        assert_eq!((f.kind, f.masked.as_str()), (Kind::Passport, "E******78"));
        assert!(screen("型号E12345678").is_empty());
    }

    #[test]
    fn classified_markings_in_marking_positions() {
        for (text, matched) in [
            ("秘密★1年\n关于某事项的通知", "秘密★1年"),
            ("机密 ★ 10年", "机密 ★ 10年"),
            ("绝密★启用前", "绝密★启用前"),
            ("秘密\n某某文件", "秘密"),
            ("密级：机密", "机密"),
            ("工作秘密\n正文", "工作秘密"),
            ("（内部资料）", "内部资料"),
            ("秘密期限：5年", "秘密期限：5年"),
        ] {
            let f = one(text);
            assert_eq!(
                (f.kind, f.severity, f.text.as_str()),
                (Kind::ClassifiedMarking, Severity::Block, matched),
                "{text}"
            );
        }
        let both = kinds("内部资料 注意保存\n正文");
        assert_eq!(both.len(), 2, "{both:?}");
        assert!(both.iter().all(|(k, _, _)| *k == Kind::ClassifiedMarking));
        assert_eq!(kinds("內部資料\n").len(), 1, "Traditional characters");
    }

    #[test]
    fn classified_words_in_prose_are_not_markings() {
        for text in [
            "国家工作人员应当保守国家秘密和工作秘密。",
            "机密文件的管理，依照保密法执行。",
            "秘密文件不得擅自复制。",
            "宗教团体可以编印宗教内部资料性出版物。",
            "单位内部使用的强制检定工作计量器具。",
            "侵犯商业秘密的，依法承担责任。",
            "涉及绝密级国家秘密的，应当报批。",
        ] {
            assert!(screen(text).is_empty(), "{text}: {:?}", screen(text));
        }
    }

    #[test]
    fn word_lists_normalised_with_severities() {
        let config = ScreenConfig {
            sensitive: vec!["敏感事项".into(), "VPN".into()],
            prohibited: vec!["禁用语".into()],
            misstatements: vec![Misstatement {
                wrong: "中华人民共和国宪发".into(),
                correct: "中华人民共和国宪法".into(),
            }],
            ..ScreenConfig::default()
        };
        let s = Screener::new(&config).unwrap();
        let f = s.screen("关于敏感事項的說明，使用ｖｐｎ和禁用語。依據中華人民共和國憲發");
        let got: Vec<(Kind, Severity, &str)> = f.iter().map(|f| (f.kind, f.severity, f.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Kind::SensitiveWord, Severity::Warn, "敏感事項"),
                (Kind::SensitiveWord, Severity::Warn, "ｖｐｎ"),
                (Kind::ProhibitedWord, Severity::Block, "禁用語"),
                (Kind::Misstatement, Severity::Block, "中華人民共和國憲發"),
            ]
        );
        assert_eq!(f[3].masked, "中华人民共和国宪法");
        assert!(f[3].detail.contains("中华人民共和国宪法"));
        // ASCII terms need word boundaries.
        assert!(s.screen("OpenVPNs").is_empty());
        let bad = ScreenConfig { sensitive: vec![" ".into()], ..ScreenConfig::default() };
        assert_eq!(Screener::new(&bad).unwrap_err().0[0].field, "screen.sensitive[1]");
    }

    #[test]
    fn masking_a_list() {
        let text = "张三，510104199001011230，13812345678；李四，11010519491231002X，zhangsan@example.com";
        assert_eq!(
            mask_personal_data(text),
            "张三，510104********1230，138****5678；李四，110105********002X，zh******@example.com"
        );
        let f = screen(text);
        assert_eq!(apply_masks(text, &f).chars().count(), text.chars().count());
        assert!(blocks(&f));
        assert!(!blocks(&screen("普通文本")));
    }

    #[test]
    fn kind_and_severity_keys_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for s in [Severity::Info, Severity::Warn, Severity::Block] {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert!(Severity::Block > Severity::Warn && Severity::Warn > Severity::Info);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in ["", "@", "@@@.", "1", "粤", "粤A", "秘密", "\n\n秘密\n", "★", "a@b.c", "9".repeat(300).as_str()]
        {
            let _ = screen(text);
        }
        assert_eq!(one("秘密").text, "秘密");
    }

    #[test]
    fn word_list_files() {
        let text = "# 词表\nsensitive\t敏感事项\n\nprohibited\t禁用语\r\nmisstatement\t错误说法\t正确说法\n";
        let c = parse_word_lists(text, ScreenConfig::default()).unwrap();
        assert_eq!(c.sensitive, vec!["敏感事项"]);
        assert_eq!(c.prohibited, vec!["禁用语"]);
        assert_eq!(c.misstatements[0].correct, "正确说法");
        let err =
            parse_word_lists("sensitive\tok\nbogus\tx\nmisstatement\tonly\nprohibited\t\n", ScreenConfig::default())
                .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["words:2", "words:3", "words:4"]);
        assert!(err.0[0].message.contains("bogus"));
        assert!(Screener::default().screen("身份证号：510104199001011230").len() == 1);
    }

    #[test]
    fn amounts_counts_and_ordinals_are_not_numbers_of_people() {
        for text in ["合计13812345678元", "第13812345678号", "￥6222021234567890128", "共计13812345678人次"] {
            assert!(screen(text).is_empty(), "{text}: {:?}", screen(text));
        }
    }

    #[test]
    fn advancing_by_characters() {
        let text = "甲乙ab丙".repeat(40);
        let b = text.as_bytes();
        for from in [0usize, 3, 6, 7] {
            for k in [0usize, 1, 5, 63, 64, 65, 150] {
                let from_char = text[..from].chars().count();
                let want = text.char_indices().nth(from_char + k).map_or(text.len(), |(i, _)| i);
                assert_eq!(advance_chars(b, from, k), want, "from {from} k {k}");
            }
        }
    }

    #[test]
    fn a_labelled_phone_number_is_personal_data_whatever_its_segment() {
        // 144 and 169 are not in the segment table: unlabelled they pass, labelled they do not.
        for text in ["联系电话：14412345678", "手机 16912345678", "联系人王芳 16012345678", "联系方式：12012345678"]
        {
            let f = one(text);
            assert_eq!((f.kind, f.severity), (Kind::Mobile, Severity::Block), "{text}");
            assert!(f.detail.contains("号段"), "{}", f.detail);
        }
        assert_eq!(one("联系电话：14412345678").masked, "144****5678");
        assert!(screen("随机编号之外的数字14412345678").is_empty());
        assert!(screen("14412345678").is_empty());
        // An order label nearer to the number than the phone label wins.
        assert!(screen("联系电话见下，订单号14412345678").is_empty());
        assert!(screen("咨询电话：12345").is_empty());
    }

    #[test]
    fn landlines_beside_a_name_or_labelled_as_home_phones() {
        for (text, matched, severity) in [
            ("联系人：王芳，联系电话：028-86012345。", "028-86012345", Severity::Warn),
            ("经办人 陈静 0816-2345678", "0816-2345678", Severity::Warn),
            ("| 3 | 刘洋 | (028)86012345 |", "(028)86012345", Severity::Warn),
            ("户主孙涛，电话：（0838）5123456", "（0838）5123456", Severity::Warn),
            ("家庭电话：028-8601-2345", "028-8601-2345", Severity::Block),
        ] {
            let f = one(text);
            assert_eq!((f.kind, f.text.as_str(), f.severity), (Kind::Landline, matched, severity), "{text}");
        }
        assert_eq!(one("联系人：王芳，联系电话：028-86012345。").masked, "028-****2345");
        for text in [
            "咨询电话：028-86012345，传真：028-86012346。",
            "市文化局 028-86012345",
            "办公电话：0816-2222222（工作日）",
            "金牛区政务服务中心电话：028-87654321",
            "申请人可拨打028-86012345咨询。",
            "区号028，电话86012345",
        ] {
            assert!(screen(text).is_empty(), "{text}: {:?}", screen(text));
        }
    }

    #[test]
    fn labelled_home_addresses() {
        for (text, matched) in [
            (
                "当事人李强，住址：四川省成都市金牛区营门口路88号2栋3单元501室。",
                "四川省成都市金牛区营门口路88号2栋3单元501室",
            ),
            ("家庭住址：绵阳市涪城区某某街道12组", "绵阳市涪城区某某街道12组"),
            ("被申请人张某，现住址 成都市青羊区某某街12号，", "成都市青羊区某某街12号"),
            ("家庭地址为德阳市旌阳区某某村3组", "德阳市旌阳区某某村3组"),
        ] {
            let f = one(text);
            assert_eq!((f.kind, f.text.as_str(), f.severity), (Kind::Address, matched, Severity::Block), "{text}");
        }
        assert_eq!(one("住址：成都市武侯区某某路1号").masked, "成都市********");
        for text in [
            "住址所在地的县级人民政府负责登记。",
            "住址：见附件",
            "本局办公地址：成都市武侯区某某路1号",
            "企业住所：成都市高新区某某大道100号",
            "户籍地址四川省成都市",
        ] {
            assert!(screen(text).is_empty(), "{text}: {:?}", screen(text));
        }
    }

    #[test]
    fn other_identifiers_with_labels_are_not_mobiles() {
        for text in ["工号13812345678", "快递运单号：13812345678", "IMEI 13812345678", "准考证号 13812345678"]
        {
            assert!(screen(text).is_empty(), "{text}: {:?}", screen(text));
        }
        // A phone label wins over an order label on the same line.
        assert_eq!(one("订单联系人手机：13812345678").kind, Kind::Mobile);
    }
}
