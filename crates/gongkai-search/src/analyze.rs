//! Analysers (分词): jieba words and Han bigrams, as Tantivy tokenizers and as query-side helpers.
//!
//! Text reaches both analysers already normalised by [`prepare`] (width folding, Traditional →
//! Simplified, ASCII lower case), so neither needs a filter chain.
//!
//! * `jieba` — jieba search-mode words (HMM off: it invents long unknown words that hurt recall).
//!   Good for BM25 ranking on real words.
//! * `hanbi` — the recall safeguard. A run of Han characters c₀…cₙ₋₁ starting at position s gives
//!   the bigrams cᵢcᵢ₊₁ at positions s+i and the last character alone at s+n−1; a run of
//!   letters/digits is one token; everything else separates. Any substring of a text is then a
//!   phrase (with explicit offsets) of these tokens, which is how a query finds "公厅" or
//!   "息公" that no word segmenter produces.

use std::sync::LazyLock;

use gongkai_domain::textnorm::{is_han, normalize_cow};
use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which the jieba tokenizer is registered.
pub const JIEBA: &str = "gk_jieba";
/// Name under which the Han bigram tokenizer is registered.
pub const HANBI: &str = "gk_hanbi";

static JIEBA_DICT: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Loads the jieba dictionary now (it is otherwise loaded on first use).
pub fn warm_up() {
    LazyLock::force(&JIEBA_DICT);
}

/// Normalises text for indexing and querying: width, script, case, and control characters
/// replaced by spaces. Character count is preserved.
pub fn prepare(text: &str) -> String {
    let norm = normalize_cow(text);
    let bytes = norm.as_bytes();
    let mut out = String::with_capacity(norm.len());
    // Copied in stretches; only ASCII capitals and control characters are replaced (C1 controls,
    // U+0080–U+009F, are the two bytes C2 80–C2 9F).
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (len, with) = if b < 0x20 || b == 0x7f {
            (1, ' ')
        } else if b.is_ascii_uppercase() {
            (1, char::from(b.to_ascii_lowercase()))
        } else if b == 0xC2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)) {
            (2, ' ')
        } else {
            i += 1;
            continue;
        };
        out.push_str(&norm[copied..i]);
        out.push(with);
        i += len;
        copied = i;
    }
    out.push_str(&norm[copied..]);
    out
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_alphanumeric() && !is_han(c) && !c.is_ascii())
}

/// Tokens produced by the analysers, collected eagerly.
#[derive(Debug, Default)]
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1).min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self.next.saturating_sub(1).min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

/// jieba search-mode words.
#[derive(Debug, Clone, Default)]
pub struct JiebaTokenizer;

/// The words jieba (search mode) finds in prepared text, with byte offsets; punctuation and
/// spaces dropped. Search mode adds the dictionary words inside long words
/// (中华人民共和国 → 中华, 人民, 共和国, …).
pub fn jieba_words(text: &str) -> Vec<(usize, usize, &str)> {
    JIEBA_DICT
        .tokenize(text, TokenizeMode::Search, false)
        .into_iter()
        .filter(|t| t.word.chars().any(|c| is_han(c) || is_word_char(c)))
        .map(|t| (t.byte_start, t.byte_start + t.word.len(), t.word))
        .collect()
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = jieba_words(text)
            .into_iter()
            .enumerate()
            .map(|(position, (from, to, word))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text: word.to_owned(),
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

/// One Han-bigram token with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiToken {
    pub position: usize,
    pub text: String,
    pub from: usize,
    pub to: usize,
    /// A single Han character (the end of a run, or a run of one).
    pub single_han: bool,
}

/// The Han-bigram analysis of prepared text. `index_side` adds the final single character of
/// every Han run (the index needs it; a query must not ask for it, since in a document the run
/// may go on).
pub fn bigrams(text: &str, index_side: bool) -> Vec<BiToken> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| if i < chars.len() { chars[i].0 } else { text.len() };
    let mut pos = 0usize;
    let mut i = 0usize;
    while i < chars.len() {
        let c = chars[i].1;
        if is_han(c) {
            let start = i;
            while i < chars.len() && is_han(chars[i].1) {
                i += 1;
            }
            let n = i - start;
            for k in 0..n.saturating_sub(1) {
                let (a, b) = (byte_at(start + k), byte_at(start + k + 2));
                out.push(BiToken { position: pos + k, text: text[a..b].to_owned(), from: a, to: b, single_han: false });
            }
            if n == 1 || index_side {
                let (a, b) = (byte_at(start + n - 1), byte_at(start + n));
                out.push(BiToken {
                    position: pos + n - 1,
                    text: text[a..b].to_owned(),
                    from: a,
                    to: b,
                    single_han: true,
                });
            }
            pos += n;
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i].1) {
                i += 1;
            }
            let (a, b) = (byte_at(start), byte_at(i));
            out.push(BiToken { position: pos, text: text[a..b].to_owned(), from: a, to: b, single_han: false });
            pos += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The Han-bigram tokenizer (index side).
#[derive(Debug, Clone, Default)]
pub struct HanBigramTokenizer;

impl Tokenizer for HanBigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = bigrams(text, true)
            .into_iter()
            .map(|t| Token {
                offset_from: t.from,
                offset_to: t.to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[BiToken]) -> Vec<(usize, &str)> {
        v.iter().map(|t| (t.position, t.text.as_str())).collect()
    }

    #[test]
    fn bigram_positions() {
        let t = bigrams("国办发〔2019〕4号", true);
        assert_eq!(texts(&t), vec![(0, "国办"), (1, "办发"), (2, "发"), (3, "2019"), (4, "4"), (5, "号")]);
        let q = bigrams("办发〔2019", false);
        assert_eq!(texts(&q), vec![(0, "办发"), (2, "2019")]);
    }

    #[test]
    fn prepare_folds() {
        assert_eq!(prepare("國辦發［２０１９］\u{7}ＡＢ"), "国办发[2019] ab");
    }

    #[test]
    fn jieba_search_mode_finds_inner_words() {
        let words: Vec<&str> = jieba_words("中华人民共和国政府信息公开条例").into_iter().map(|w| w.2).collect();
        assert!(words.contains(&"共和国"), "{words:?}");
        assert!(words.contains(&"人民"), "{words:?}");
        assert!(words.contains(&"条例"), "{words:?}");
    }
}
