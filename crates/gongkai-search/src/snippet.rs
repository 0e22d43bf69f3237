//! Highlighted snippets (摘要与高亮): the best fragment of a text for a query.
//!
//! Matching runs on the normalised text (so a Traditional-character query highlights Simplified
//! text and the other way round) and, since normalisation keeps one character per character, the
//! marks are placed on the original text unchanged.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use gongkai_domain::textnorm::normalize_cow;

use crate::analyze::jieba_words;
use crate::query::UserQuery;

/// A piece of text, highlighted or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

/// The strings to highlight for a query: its words and phrases (split at punctuation) and the
/// jieba words inside them.
pub fn needles(q: &UserQuery) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim();
        if !s.is_empty() && !out.iter().any(|x| x == s) {
            out.push(s.to_owned());
        }
    };
    for m in &q.must {
        for piece in m.split(|c: char| !c.is_alphanumeric()) {
            push(piece);
        }
        for (_, _, w) in jieba_words(m) {
            if w.chars().count() >= 2 {
                push(w);
            }
        }
    }
    out
}

/// The needles of one query, compiled once and used for every hit of a search.
#[derive(Debug)]
pub struct Highlighter {
    ac: Option<AhoCorasick>,
}

/// One needle found in a text: character start, character end, which needle.
type Found = (usize, usize, usize);

impl Highlighter {
    /// A highlighter for `needles` (see [`needles`]).
    pub fn new(needles: &[String]) -> Highlighter {
        let ac = if needles.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(needles)
                .ok()
        };
        Highlighter { ac }
    }

    /// A highlighter for the words and phrases of a query.
    pub fn for_query(q: &UserQuery) -> Highlighter {
        Highlighter::new(&needles(q))
    }

    /// Every needle in `text`, in order, in characters. The text is normalised (width and script;
    /// ASCII case is ignored by the matcher), which keeps one character per character, and most
    /// Simplified Chinese text is matched in place without a copy.
    fn find(&self, text: &str) -> Vec<Found> {
        let Some(ac) = &self.ac else { return Vec::new() };
        let norm = normalize_cow(text);
        let norm: &str = &norm;
        let bytes = norm.as_bytes();
        // Characters between two byte offsets: the bytes that do not continue a character.
        let chars = |from: usize, to: usize| bytes[from..to].iter().filter(|&&b| (b as i8) >= -0x40).count();
        let (mut byte, mut ch) = (0, 0);
        let mut out = Vec::new();
        for m in ac.find_iter(norm).take(2000) {
            let s = ch + chars(byte, m.start());
            let e = s + chars(m.start(), m.end());
            out.push((s, e, m.pattern().as_usize()));
            (byte, ch) = (m.end(), e);
        }
        out
    }

    /// All of `text` with every needle marked (for titles).
    pub fn mark_all(&self, text: &str) -> Vec<Segment> {
        let chars: Vec<char> = text.chars().collect();
        segments(&chars, 0, &merged(&self.find(text)))
    }

    /// The `width`-character fragment of `text` with the most distinct needles, marked; the
    /// start of the text when nothing matches. `…` shows where the fragment was cut.
    pub fn best_fragment(&self, text: &str, width: usize) -> Vec<Segment> {
        let head = match text.char_indices().nth(MAX_ANALYSED_CHARS) {
            Some((b, _)) => &text[..b],
            None => text,
        };
        let found = self.find(head);
        let first_text = head.chars().position(|c| !c.is_whitespace()).unwrap_or(0);
        let (mut from, mut best) = (first_text, (0usize, 0usize));
        let mut distinct: Vec<usize> = Vec::new();
        for (i, &(s, _, _)) in found.iter().enumerate().take(500) {
            let start = s.saturating_sub(width / 6).max(first_text);
            let end = start + width;
            distinct.clear();
            let mut inside = 0;
            for &(_, _, which) in found[i..].iter().take_while(|(a, _, _)| *a < end) {
                inside += 1;
                if !distinct.contains(&which) {
                    distinct.push(which);
                }
            }
            let score = (distinct.len(), inside);
            if score > best {
                best = score;
                from = start;
            }
        }
        let window: Vec<char> = head.chars().skip(from).take(width).collect();
        let to = from + window.len();
        let spans: Vec<(usize, usize)> = merged(&found)
            .into_iter()
            .filter(|&(s, e)| e > from && s < to)
            .map(|(s, e)| (s.max(from) - from, e.min(to) - from))
            .collect();
        let mut out = segments(&window, 0, &spans);
        if from > first_text {
            out.insert(0, Segment { text: "…".into(), mark: false });
        }
        if head.len() < text.len() || to < head.chars().count() {
            out.push(Segment { text: "…".into(), mark: false });
        }
        out
    }
}

/// Found needles as sorted, merged character spans.
fn merged(found: &[Found]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &(s, e, _) in found {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// `chars[from..]` as segments, the `spans` (character offsets into `chars`) marked; runs of
/// white space and control characters become one space.
fn segments(chars: &[char], from: usize, spans: &[(usize, usize)]) -> Vec<Segment> {
    let to = chars.len();
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |text: String, mark: bool| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.mark == mark => last.text.push_str(&text),
            _ => out.push(Segment { text, mark }),
        }
    };
    let mut at = from;
    let clean = |s: &[char]| -> String {
        let mut t = String::with_capacity(s.len() * 3);
        let mut space = false;
        for &c in s {
            if c.is_whitespace() || c.is_control() {
                if !space {
                    t.push(' ');
                }
                space = true;
            } else {
                t.push(c);
                space = false;
            }
        }
        t
    };
    for &(s, e) in spans {
        let (s, e) = (s.max(from), e.min(to));
        if s >= e {
            continue;
        }
        if s > at {
            push(clean(&chars[at..s]), false);
        }
        push(clean(&chars[s..e]), true);
        at = e;
    }
    if at < to {
        push(clean(&chars[at..to]), false);
    }
    out
}

/// Only this many leading characters of a text are searched for the best fragment (long laws
/// run to 100,000 characters; highlighting them whole would dominate the time of a search).
pub const MAX_ANALYSED_CHARS: usize = 20_000;

/// Renders segments as HTML with `<mark>` (text escaped).
pub fn to_html(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        if s.mark {
            out.push_str("<mark>");
        }
        for c in s.text.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        if s.mark {
            out.push_str("</mark>");
        }
    }
    out
}

/// Plain text of segments.
pub fn to_text(segments: &[Segment]) -> String {
    segments.iter().map(|s| s.text.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    #[test]
    fn marks_traditional_query_on_simplified_text() {
        let q = parse("辦公廳").unwrap();
        let segs = Highlighter::for_query(&q).mark_all("国务院办公厅关于<印发>的通知");
        assert_eq!(to_html(&segs), "国务院<mark>办公厅</mark>关于&lt;印发&gt;的通知");
    }

    #[test]
    fn fragment_centres_on_matches() {
        let text = format!("{}信息公开{}", "前".repeat(300), "后".repeat(300));
        let q = parse("信息公开").unwrap();
        let segs = Highlighter::for_query(&q).best_fragment(&text, 60);
        assert!(segs.first().is_some_and(|s| s.text == "…"));
        assert!(segs.iter().any(|s| s.mark && s.text == "信息公开"));
        assert!(to_text(&segs).chars().count() <= 62);
    }

    #[test]
    fn no_match_gives_start() {
        let segs = Highlighter::new(&["不存在".to_owned()]).best_fragment("  第一条 为了规范。", 5);
        assert_eq!(to_text(&segs), "第一条 为…");
    }
}
