//! Text normalisation (文本规范化) shared by search and screening.
//!
//! Users type full-width letters and digits (`２０１９`), Traditional characters (`辦公廳`) and
//! ideographic spaces; documents contain the same variants. Both sides are folded to one form
//! before they are compared: full-width ASCII → half-width, U+3000 → space, Traditional →
//! Simplified (character table of `fast2s`, with its context rules).
//!
//! Every step maps one character to exactly one character, so a character offset in the
//! normalised text is the same offset in the original. Screening relies on that to report
//! positions in the text the user sees.

/// Folds one character's width: full-width ASCII (U+FF01–U+FF5E) to ASCII, ideographic space to
/// a space. Everything else is returned unchanged.
pub fn fold_char_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Width folding and Traditional → Simplified conversion. Preserves the number of characters.
pub fn normalize(text: &str) -> String {
    let folded: String = text.chars().map(fold_char_width).collect();
    fast2s::convert(&folded)
}

/// [`normalize`] followed by lower-casing of ASCII letters (still one character per character).
pub fn normalize_lower(text: &str) -> String {
    let mut s = normalize_cow(text).into_owned();
    s.make_ascii_lowercase();
    s
}

/// Whether a character is a Han ideograph (CJK unified ideographs and their extensions,
/// compatibility ideographs).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0x30000..=0x3134F)
}

/// Characters of the Basic Multilingual Plane that [`normalize`] may change: one bit per code
/// point, computed once from the same tables.
fn changeable() -> &'static [u64; 1024] {
    static TABLE: std::sync::OnceLock<[u64; 1024]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut bits = [0u64; 1024];
        // Every three-byte character once, between spaces (no context rule applies), in one call.
        let chars: Vec<char> = (0x800u32..0x10000).filter_map(char::from_u32).collect();
        let spaced: String = chars.iter().flat_map(|&c| [c, ' ']).collect();
        let converted = normalize(&spaced);
        for (c, n) in chars.iter().zip(converted.chars().step_by(2)) {
            // 藉, 著 and 苧 change only next to certain characters.
            if *c != n || matches!(c, '藉' | '著' | '苧') {
                let cp = *c as u32;
                bits[cp as usize / 64] |= 1 << (cp % 64);
            }
        }
        bits
    })
}

/// [`changeable`] without the ideographic space and the full-width punctuation that matters
/// only as punctuation (，：（）；！？ …): the characters that [`normalize_alnum_cow`] may change.
fn changeable_alnum() -> &'static [u64; 1024] {
    static TABLE: std::sync::OnceLock<[u64; 1024]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut bits = *changeable();
        for cp in (0xFF01u32..=0xFF5E).chain([0x3000]) {
            let folded = char::from_u32(cp).map(fold_char_width).unwrap_or_default();
            if !(folded.is_ascii_alphanumeric() || "@.-/_=%#&\\+*".contains(folded)) {
                bits[cp as usize / 64] &= !(1 << (cp % 64));
            }
        }
        bits
    })
}

/// [`normalize`], without copying when nothing changes, and fast on long texts: only the
/// characters that can change are looked at in their context. The result equals [`normalize`].
pub fn normalize_cow(text: &str) -> std::borrow::Cow<'_, str> {
    normalize_with(text, changeable())
}

/// Like [`normalize_cow`], but most full-width punctuation (，：（）；) and the ideographic space
/// stay as they are; full-width letters, digits and the symbols that occur in numbers and
/// addresses (`＠．－／＿＝％＃＆＼＋＊`) are folded and Traditional characters converted.
/// For matching that only cares about letters, digits and Han characters (screening): most
/// Simplified Chinese text comes back borrowed, without a copy. One character per character.
pub fn normalize_alnum_cow(text: &str) -> std::borrow::Cow<'_, str> {
    normalize_with(text, changeable_alnum())
}

fn normalize_with<'a>(text: &'a str, table: &[u64; 1024]) -> std::borrow::Cow<'a, str> {
    let b = text.as_bytes();
    let flagged = |i: usize| -> Option<char> {
        // A three-byte sequence starting at `i` whose code point is in the table.
        let [c0, c1, c2] = *b.get(i..i + 3)? else { return None };
        let cp = (u32::from(c0 & 0x0F) << 12) | (u32::from(c1 & 0x3F) << 6) | u32::from(c2 & 0x3F);
        if table[(cp >> 6) as usize & 1023] >> (cp & 63) & 1 == 1 { char::from_u32(cp) } else { None }
    };
    // The replacement of the flagged character `cur` at byte `i`, as `normalize` makes it.
    let mut window = String::with_capacity(12);
    let mut replace = |i: usize, cur: char| -> char {
        let folded = fold_char_width(cur);
        if folded != cur {
            // Width folding gives ASCII, which the Traditional → Simplified step leaves alone.
            return folded;
        }
        let prev = text[..i].chars().next_back().map(fold_char_width);
        let next = text[i + 3..].chars().next().map(fold_char_width);
        window.clear();
        window.extend(prev);
        window.push(cur);
        window.extend(next);
        let converted = fast2s::convert(&window);
        converted.chars().nth(usize::from(prev.is_some())).unwrap_or(cur)
    };
    let mut out: Option<String> = None;
    // Unchanged stretches are copied in one piece.
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0xE0 {
            i += if c < 0x80 { 1 } else { 2 };
            continue;
        }
        if c >= 0xF0 {
            i += 4;
            continue;
        }
        if let Some(cur) = flagged(i) {
            let new = replace(i, cur);
            if new != cur {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..i]);
                o.push(new);
                copied = i + 3;
            }
        }
        i += 3;
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_and_script() {
        assert_eq!(normalize("國務院辦公廳關於"), "国务院办公厅关于");
        assert_eq!(normalize("ＡＢＣ１２３　号"), "ABC123 号");
        assert_eq!(normalize_lower("ＧＢ／Ｔ 9704"), "gb/t 9704");
        assert_eq!(normalize("已经是简体"), "已经是简体");
    }

    #[test]
    fn preserves_character_count() {
        for s in ["國務院辦公廳關於印發《實施方案》的通知", "ＡＢＣ　１２", "mixed 混合 ｍｉｘ 內容", ""]
        {
            assert_eq!(normalize(s).chars().count(), s.chars().count(), "{s}");
        }
    }

    #[test]
    fn han_detection() {
        assert!(is_han('国'));
        assert!(!is_han('〇'));
        assert!(!is_han('A'));
        assert!(!is_han('〔'));
    }

    #[test]
    fn normalize_cow_equals_normalize() {
        for s in [
            "國務院辦公廳關於印發《實施方案》的通知",
            "ＡＢＣ１２３　号",
            "已经是简体，不用复制",
            "乾隆的乾兒子一邊乾淨利落地擲出了一個乾卦",
            "企畫 計畫 企劃 畫圖；藉口、憑藉、慰藉；看著",
            "mixed 混合 ｍｉｘ 內容 𠀀 é",
            "",
            "藉",
        ] {
            assert_eq!(normalize_cow(s), normalize(s), "{s}");
        }
        assert!(matches!(normalize_cow("简体文本 123"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn change_table_matches_character_by_character() {
        let table = changeable();
        let mut buf = String::new();
        for cp in 0x800u32..0x10000 {
            let Some(c) = char::from_u32(cp) else { continue };
            buf.clear();
            buf.push(c);
            let changes = normalize(&buf) != buf || matches!(c, '藉' | '著' | '苧');
            assert_eq!(table[cp as usize / 64] >> (cp % 64) & 1 == 1, changes, "U+{cp:04X}");
        }
    }

    #[test]
    fn alnum_normalisation_keeps_punctuation() {
        assert_eq!(normalize_alnum_cow("身份證號：５１０１，ＡＢ＠ｃ　（注）"), "身份证号：5101，AB@c　（注）");
        assert!(matches!(normalize_alnum_cow("著作权，显著（简体）"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(normalize_alnum_cow("看著").chars().count(), 2);
        for s in ["國務院辦公廳", "藉口、憑藉", "企畫 計畫"] {
            assert_eq!(normalize_alnum_cow(s), normalize(s), "{s}");
        }
    }
}
