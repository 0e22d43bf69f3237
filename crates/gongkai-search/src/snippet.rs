//! Highlighted snippets (摘要与高亮): the best fragment of a text for a query.
//!
//! Matching runs on the normalised text (so a Traditional-character query highlights Simplified
//! text and the other way round) and, since normalisation keeps one character per character, the
//! marks are placed on the original text unchanged.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use crate::analyze::{jieba_words, prepare};
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

/// Character spans of every needle in `norm` (text already normalised by `prepare`), sorted and merged.
fn spans(norm: &str, needles: &[String]) -> Vec<(usize, usize)> {
    if needles.is_empty() || norm.is_empty() {
        return Vec::new();
    }
    let Ok(ac) = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(needles) else {
        return Vec::new();
    };
    // Byte offset → character index in the normalised text.
    let mut char_at = vec![0usize; norm.len() + 1];
    let mut n = 0;
    for (b, c) in norm.char_indices() {
        for slot in &mut char_at[b..b + c.len_utf8()] {
            *slot = n;
        }
        n += 1;
    }
    char_at[norm.len()] = n;
    let mut out: Vec<(usize, usize)> = Vec::new();
    for m in ac.find_iter(norm).take(2000) {
        let (s, e) = (char_at[m.start()], char_at[m.end()]);
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn segments(chars: &[char], from: usize, to: usize, spans: &[(usize, usize)]) -> Vec<Segment> {
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

/// All of `text` with every needle marked (for titles).
pub fn mark_all(text: &str, needles: &[String]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    segments(&chars, 0, chars.len(), &spans(&prepare(text), needles))
}

/// Only this many leading characters of a text are searched for the best fragment (long laws
/// run to 100,000 characters; highlighting them whole would dominate the time of a search).
pub const MAX_ANALYSED_CHARS: usize = 20_000;

/// The `width`-character fragment of `text` with the most distinct needles, marked; the start
/// of the text when nothing matches. `…` shows where the fragment was cut.
pub fn best_fragment(text: &str, needles: &[String], width: usize) -> Vec<Segment> {
    let head = match text.char_indices().nth(MAX_ANALYSED_CHARS) {
        Some((b, _)) => &text[..b],
        None => text,
    };
    let chars: Vec<char> = head.chars().collect();
    let prepared = prepare(head);
    let spans = spans(&prepared, needles);
    let first_text = chars.iter().position(|c| !c.is_whitespace()).unwrap_or(0);
    let (mut from, mut best) = (first_text, (0usize, 0usize));
    let norm: Vec<char> = prepared.chars().collect();
    for (i, &(s, _)) in spans.iter().enumerate().take(500) {
        let start = s.saturating_sub(width / 6).max(first_text);
        let end = start + width;
        let inside: Vec<&(usize, usize)> = spans[i..].iter().take_while(|(a, _)| *a < end).collect();
        let mut distinct: Vec<String> = inside.iter().map(|(a, b)| norm[*a..*b].iter().collect()).collect();
        distinct.sort();
        distinct.dedup();
        let score = (distinct.len(), inside.len());
        if score > best {
            best = score;
            from = start;
        }
    }
    let to = (from + width).min(chars.len());
    let mut out = segments(&chars, from, to, &spans);
    if from > first_text {
        out.insert(0, Segment { text: "…".into(), mark: false });
    }
    if to < chars.len() || head.len() < text.len() {
        out.push(Segment { text: "…".into(), mark: false });
    }
    out
}

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
        let segs = mark_all("国务院办公厅关于<印发>的通知", &needles(&q));
        assert_eq!(to_html(&segs), "国务院<mark>办公厅</mark>关于&lt;印发&gt;的通知");
    }

    #[test]
    fn fragment_centres_on_matches() {
        let text = format!("{}信息公开{}", "前".repeat(300), "后".repeat(300));
        let q = parse("信息公开").unwrap();
        let segs = best_fragment(&text, &needles(&q), 60);
        assert!(segs.first().is_some_and(|s| s.text == "…"));
        assert!(segs.iter().any(|s| s.mark && s.text == "信息公开"));
        assert!(to_text(&segs).chars().count() <= 62);
    }

    #[test]
    fn no_match_gives_start() {
        let segs = best_fragment("  第一条 为了规范。", &["不存在".to_owned()], 5);
        assert_eq!(to_text(&segs), "第一条 为…");
    }
}
