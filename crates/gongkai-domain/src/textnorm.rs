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
    let mut s = normalize(text);
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
fn changeable() -> &'static [u64] {
    static TABLE: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        let mut buf = String::with_capacity(4);
        for cp in 0x800u32..0x10000 {
            let Some(c) = char::from_u32(cp) else { continue };
            buf.clear();
            buf.push(c);
            // 藉, 著 and 苧 change only next to certain characters.
            if normalize(&buf) != buf || matches!(c, '藉' | '著' | '苧') {
                bits[cp as usize / 64] |= 1 << (cp % 64);
            }
        }
        bits
    })
}

/// [`normalize`], without copying when nothing changes, and fast on long texts: only the
/// characters that can change are looked at in their context. The result equals [`normalize`].
pub fn normalize_cow(text: &str) -> std::borrow::Cow<'_, str> {
    let table = changeable();
    let b = text.as_bytes();
    let changes = |i: usize| -> Option<u32> {
        // A three-byte sequence starting at `i` whose code point is in the table.
        let cp = (u32::from(b[i] & 0x0F) << 12) | (u32::from(b[i + 1] & 0x3F) << 6) | u32::from(b[i + 2] & 0x3F);
        (table[cp as usize / 64] >> (cp % 64) & 1 == 1).then_some(cp)
    };
    let mut first = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0xE0 {
            i += if c < 0x80 { 1 } else { 2 };
        } else if c < 0xF0 {
            if changes(i).is_some() {
                first = Some(i);
                break;
            }
            i += 3;
        } else {
            i += 4;
        }
    }
    let Some(first) = first else { return std::borrow::Cow::Borrowed(text) };
    let mut out = String::with_capacity(text.len());
    // Unchanged stretches are copied in one piece.
    let mut copied = 0;
    let mut window = String::with_capacity(12);
    let mut i = first;
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
        let Some(cp) = changes(i) else {
            i += 3;
            continue;
        };
        out.push_str(&text[copied..i]);
        let cur = char::from_u32(cp).unwrap_or_default();
        let folded = fold_char_width(cur);
        if folded != cur {
            // Width folding gives ASCII, which the Traditional → Simplified step leaves alone.
            out.push(folded);
        } else {
            // Convert the character in its context, as `normalize` does.
            let prev = text[..i].chars().next_back().map(fold_char_width);
            let next = text[i + 3..].chars().next().map(fold_char_width);
            window.clear();
            window.extend(prev);
            window.push(cur);
            window.extend(next);
            let converted = fast2s::convert(&window);
            out.push(converted.chars().nth(usize::from(prev.is_some())).unwrap_or(cur));
        }
        i += 3;
        copied = i;
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
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
}
