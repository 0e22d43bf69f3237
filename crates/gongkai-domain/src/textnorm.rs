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
}
