//! Policy interpretation (政策解读): forms, interpreter fields, the media accessibility rules
//! (video and audio carry a transcript, images an alternative text), the 三同步 rule's inputs and
//! the copy check (an interpretation must not merely copy or abridge its document: 杜绝文件要点摘抄).
//!
//! An interpretation is a document of class [`crate::document::DocClass::Interpretation`]; this
//! module holds only what the document model does not.

use std::collections::HashSet;

use crate::error::FieldError;
use crate::textnorm;

/// 解读形式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterpForm {
    /// 文字解读.
    Text,
    /// 图解 (图片、图表).
    Graphic,
    /// 视频.
    Video,
    /// 音频.
    Audio,
    /// 专家解读.
    Expert,
    /// 媒体解读.
    Media,
    /// 新闻发布会 / 政策吹风会.
    PressConference,
    /// 政策问答.
    Qa,
    /// 动漫 / H5.
    Animation,
}

impl InterpForm {
    pub const ALL: [InterpForm; 9] = [
        InterpForm::Text,
        InterpForm::Graphic,
        InterpForm::Video,
        InterpForm::Audio,
        InterpForm::Expert,
        InterpForm::Media,
        InterpForm::PressConference,
        InterpForm::Qa,
        InterpForm::Animation,
    ];

    pub fn key(self) -> &'static str {
        match self {
            InterpForm::Text => "text",
            InterpForm::Graphic => "graphic",
            InterpForm::Video => "video",
            InterpForm::Audio => "audio",
            InterpForm::Expert => "expert",
            InterpForm::Media => "media",
            InterpForm::PressConference => "press_conference",
            InterpForm::Qa => "qa",
            InterpForm::Animation => "animation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InterpForm::Text => "文字解读",
            InterpForm::Graphic => "图解",
            InterpForm::Video => "视频解读",
            InterpForm::Audio => "音频解读",
            InterpForm::Expert => "专家解读",
            InterpForm::Media => "媒体解读",
            InterpForm::PressConference => "新闻发布会",
            InterpForm::Qa => "政策问答",
            InterpForm::Animation => "动漫/H5",
        }
    }

    pub fn parse(s: &str) -> Option<InterpForm> {
        let s = s.trim();
        InterpForm::ALL.into_iter().find(|f| f.key() == s || f.label() == s).or(match s {
            "文字" => Some(InterpForm::Text),
            "视频" => Some(InterpForm::Video),
            "音频" => Some(InterpForm::Audio),
            "问答" => Some(InterpForm::Qa),
            "动漫" | "H5" | "h5" => Some(InterpForm::Animation),
            _ => None,
        })
    }

    /// 多元化解读: every form but plain text counts towards the 50 % rule (国办发〔2019〕14号 lists
    /// 图解, 音视频, 专家解读, 新闻发布会, 动漫/H5 …).
    pub fn is_diversified(self) -> bool {
        self != InterpForm::Text
    }

    /// Forms whose content is sound or moving pictures: a transcript (文字实录) or captions is
    /// required.
    pub fn is_time_based(self) -> bool {
        matches!(self, InterpForm::Video | InterpForm::Audio)
    }
}

/// What an interpretation adds to a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterpFields {
    pub form: Option<InterpForm>,
    /// 解读人 (name).
    pub interpreter: String,
    /// 解读人职务.
    pub interpreter_role: String,
    /// 第一解读人: the principal responsible person of the drafting unit.
    pub first_interpreter: bool,
    /// Where the video or audio is published (http/https), when it is not an attachment.
    pub media_url: Option<String>,
    /// 文字实录 or captions of a video or audio.
    pub transcript: Option<String>,
    /// 图片替代文字: what the images show, for readers who cannot see them.
    pub alt_text: Option<String>,
}

/// Checks the interpretation's own fields. `has_images` says whether the edition carries image
/// attachments (they need an alternative text). Every problem names its field.
pub fn validate_interp(f: &InterpFields, has_images: bool) -> Vec<FieldError> {
    let mut e = Vec::new();
    let Some(form) = f.form else {
        e.push(FieldError::new("interp_form", "请选择解读形式"));
        return e;
    };
    let blank = |o: &Option<String>| o.as_deref().is_none_or(|s| s.trim().is_empty());
    if f.interpreter.trim().is_empty() {
        e.push(FieldError::new("interpreter", "请填写解读人"));
    } else if f.interpreter.chars().count() > 100 || f.interpreter.chars().any(char::is_control) {
        e.push(FieldError::new("interpreter", "解读人不能超过 100 个字符"));
    }
    if f.interpreter_role.chars().count() > 100 || f.interpreter_role.chars().any(char::is_control) {
        e.push(FieldError::new("interpreter_role", "解读人职务不能超过 100 个字符"));
    }
    if f.first_interpreter && f.interpreter_role.trim().is_empty() {
        e.push(FieldError::new("interpreter_role", "第一解读人须填写职务（起草单位主要负责人）"));
    }
    if let Some(u) = f.media_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        let ok = (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() <= 500
            && !u.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
        if !ok {
            e.push(FieldError::new("media_url", "音视频地址应为 http:// 或 https:// 开头的网址"));
        }
    }
    if form.is_time_based() && blank(&f.media_url) {
        e.push(FieldError::new("media_url", format!("{}须填写音视频地址", form.label())));
    }
    let has_media = !blank(&f.media_url);
    if (form.is_time_based() || has_media) && blank(&f.transcript) {
        e.push(FieldError::new("transcript", "视频、音频须提供文字实录或字幕（无障碍要求）"));
    }
    if (form == InterpForm::Graphic || has_images) && blank(&f.alt_text) {
        e.push(FieldError::new("alt_text", "图解及图片须填写替代文字，说明图片内容（无障碍要求）"));
    }
    if f.transcript.as_deref().is_some_and(|t| t.len() > 1024 * 1024) {
        e.push(FieldError::new("transcript", "文字实录不能超过 1 MB"));
    }
    if f.alt_text.as_deref().is_some_and(|t| t.chars().count() > 5000) {
        e.push(FieldError::new("alt_text", "替代文字不能超过 5000 个字符"));
    }
    e
}

/// How much of an interpretation is copied from its document.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyReport {
    /// Share (0–1) of the interpretation's shingles that occur in the document.
    pub ratio: f64,
    /// Copied passages of the interpretation, in order, as written there.
    pub passages: Vec<String>,
}

/// Shingle length in content characters (punctuation dropped): long enough that short common
/// phrases (“根据有关规定”) do not count, short enough that a clause lifted with a word changed
/// still shows.
pub const SHINGLE: usize = 8;

/// The characters that carry content, after normalisation, each with its position in the original
/// (punctuation and spaces are dropped so re-punctuated copies still match).
fn content_chars(text: &str) -> Vec<(usize, char)> {
    textnorm::normalize_lower(text).chars().enumerate().filter(|(_, c)| c.is_alphanumeric()).collect()
}

/// Compares an interpretation with its source document(s) by overlapping character shingles on
/// normalised text and returns the share copied and the copied passages (merged, in the
/// interpretation's own wording).
pub fn copy_overlap(interpretation: &str, sources: &[&str]) -> CopyReport {
    let mine = content_chars(interpretation);
    if mine.len() < SHINGLE {
        return CopyReport { ratio: 0.0, passages: Vec::new() };
    }
    let mut known: HashSet<String> = HashSet::new();
    for s in sources {
        let theirs: Vec<char> = content_chars(s).into_iter().map(|(_, c)| c).collect();
        for w in theirs.windows(SHINGLE) {
            known.insert(w.iter().collect());
        }
    }
    let chars: Vec<char> = mine.iter().map(|(_, c)| *c).collect();
    let total = chars.len() - SHINGLE + 1;
    let mut covered = vec![false; chars.len()];
    let mut hits = 0usize;
    for (i, w) in chars.windows(SHINGLE).enumerate() {
        let s: String = w.iter().collect();
        if known.contains(&s) {
            hits += 1;
            for c in covered.iter_mut().skip(i).take(SHINGLE) {
                *c = true;
            }
        }
    }
    // Passages: runs of covered content characters, mapped back to the original text.
    let original: Vec<char> = interpretation.chars().collect();
    let mut passages = Vec::new();
    let mut i = 0;
    while i < covered.len() {
        if !covered[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < covered.len() && covered[i] {
            i += 1;
        }
        let (from, to) = (mine[start].0, mine[i - 1].0);
        let passage: String = original.get(from..=to).map(|s| s.iter().collect()).unwrap_or_default();
        passages.push(passage);
    }
    CopyReport { ratio: hits as f64 / total as f64, passages }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_parse_and_count() {
        assert_eq!(InterpForm::parse("图解"), Some(InterpForm::Graphic));
        assert_eq!(InterpForm::parse("video"), Some(InterpForm::Video));
        assert_eq!(InterpForm::parse("H5"), Some(InterpForm::Animation));
        assert!(!InterpForm::Text.is_diversified());
        assert!(InterpForm::Expert.is_diversified());
    }

    #[test]
    fn media_needs_text_alternatives() {
        let f = InterpFields {
            form: Some(InterpForm::Video),
            interpreter: "张三".into(),
            media_url: Some("https://v.example.gov.cn/1.mp4".into()),
            ..InterpFields::default()
        };
        let fields: Vec<String> = validate_interp(&f, false).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["transcript"]);
        let g =
            InterpFields { form: Some(InterpForm::Graphic), interpreter: "李四".into(), ..InterpFields::default() };
        let fields: Vec<String> = validate_interp(&g, true).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["alt_text"]);
        let t = InterpFields { form: Some(InterpForm::Text), interpreter: "王五".into(), ..InterpFields::default() };
        assert_eq!(validate_interp(&t, true).len(), 1, "an image in a text interpretation needs alt text too");
        assert!(validate_interp(&t, false).is_empty());
        let bad = InterpFields { media_url: Some("javascript:alert(1)".into()), ..t.clone() };
        assert!(validate_interp(&bad, false).iter().any(|e| e.field == "media_url"));
        let first = InterpFields { first_interpreter: true, ..t };
        assert!(validate_interp(&first, false).iter().any(|e| e.field == "interpreter_role"));
    }

    #[test]
    fn copied_passages_are_found() {
        let source = "第一条 为了规范本市公共租赁住房的分配和管理，保障住房困难家庭的基本住房需求，制定本办法。\n第二条 本办法适用于本市行政区域内公共租赁住房的申请、审核、分配。";
        let copy = "为了规范本市公共租赁住房的分配和管理，保障住房困难家庭的基本住房需求，制定本办法。";
        let r = copy_overlap(copy, &[source]);
        assert!(r.ratio > 0.99, "{r:?}");
        assert_eq!(r.passages.len(), 1);
        let own =
            "这次出台办法，主要是回应群众关切：过去申请材料多、跑腿多，现在实行一网通办，审核时限压缩到二十个工作日。";
        let r = copy_overlap(own, &[source]);
        assert_eq!(r.ratio, 0.0);
        assert!(r.passages.is_empty());
        let mixed = format!("{own}原文规定：“为了规范本市公共租赁住房的分配和管理”。");
        let r = copy_overlap(&mixed, &[source]);
        assert!(r.ratio > 0.0 && r.ratio < 0.5, "{r:?}");
        assert_eq!(r.passages, ["为了规范本市公共租赁住房的分配和管理"]);
        // Full-width and Traditional variants still match.
        let r = copy_overlap("為了規範本市公共租賃住房的分配和管理", &[source]);
        assert!(r.ratio > 0.99);
    }
}
