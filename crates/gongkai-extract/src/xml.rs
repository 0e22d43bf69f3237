//! Small XML helpers over `quick-xml`: local names, attributes, text with character references,
//! flat property lists, and the two rewrites the cleaner needs (drop elements, empty a part).
//! No DTD is processed: named entities other than the five predefined ones are dropped, so there
//! is no entity expansion and no external entity.

use std::io::Cursor;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};

use crate::ExtractError;

pub(crate) fn err(part: &str, e: impl std::fmt::Display) -> ExtractError {
    ExtractError::Corrupt(format!("{part} 的 XML 无法解析：{e}"))
}

/// The local part of a qualified name (`w:t` → `t`).
pub(crate) fn local(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The value of the attribute with this local name (any prefix), unescaped.
pub(crate) fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref().as_bytes()) == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// The text of a text or reference event (predefined and character references resolved).
pub(crate) fn event_text(ev: &Event<'_>) -> Option<String> {
    match ev {
        Event::Text(t) => Some(t.xml10_content().into_owned()),
        Event::CData(t) => Some(t.xml10_content().into_owned()),
        Event::GeneralRef(r) => {
            if let Ok(Some(c)) = r.resolve_char_ref() {
                return Some(c.to_string());
            }
            let name = r.xml10_content();
            let c = match name.as_ref() {
                "amp" => "&",
                "lt" => "<",
                "gt" => ">",
                "quot" => "\"",
                "apos" => "'",
                _ => "",
            };
            Some(c.to_owned())
        }
        _ => None,
    }
}

/// Leaf elements of a flat property part (docProps/core.xml, app.xml): (local name, text) pairs
/// with non-empty text. Nested custom properties (`vt:lpwstr` inside `property`) report the
/// property's `name` attribute.
pub(crate) fn properties(xml: &str, part: &str) -> Result<Vec<(String, String)>, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut property_name: Option<String> = None;
    let mut text = String::new();
    loop {
        let ev = reader.read_event().map_err(|e| err(part, e))?;
        match &ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(local(e.name().as_ref().as_bytes())).into_owned();
                if name == "property" {
                    property_name = attr(e, b"name");
                }
                current = Some(name);
                text.clear();
            }
            Event::End(e) => {
                if let Some(name) = current.take() {
                    let value = text.trim();
                    if !value.is_empty() {
                        out.push((property_name.clone().unwrap_or(name), value.to_owned()));
                    }
                }
                if local(e.name().as_ref().as_bytes()) == b"property" {
                    property_name = None;
                }
                text.clear();
            }
            Event::Eof => break,
            other => {
                if current.is_some() {
                    if let Some(t) = event_text(other) {
                        text.push_str(&t);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The part with all children of its root element removed (namespace declarations kept).
pub(crate) fn empty_root(xml: &str, part: &str) -> Result<Vec<u8>, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(Cursor::new(Vec::new()));
    loop {
        let ev = reader.read_event().map_err(|e| err(part, e))?;
        match ev {
            Event::Decl(_) => writer.write_event(ev).map_err(|e| err(part, e))?,
            Event::Start(e) | Event::Empty(e) => {
                writer.write_event(Event::Empty(e)).map_err(|e| err(part, e))?;
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(writer.into_inner().into_inner())
}

/// The part with every element whose local name is in `drop` removed, subtree and all.
pub(crate) fn drop_elements(xml: &str, part: &str, drop: &[&[u8]]) -> Result<Vec<u8>, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(Cursor::new(Vec::with_capacity(xml.len())));
    let mut skipping = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| err(part, e))?;
        match &ev {
            Event::Eof => break,
            Event::Start(e) => {
                if skipping > 0 || drop.contains(&local(e.name().as_ref().as_bytes())) {
                    skipping += 1;
                    continue;
                }
            }
            Event::End(_) => {
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
            }
            Event::Empty(e) => {
                if skipping > 0 || drop.contains(&local(e.name().as_ref().as_bytes())) {
                    continue;
                }
            }
            _ => {
                if skipping > 0 {
                    continue;
                }
            }
        }
        writer.write_event(ev).map_err(|e| err(part, e))?;
    }
    Ok(writer.into_inner().into_inner())
}
