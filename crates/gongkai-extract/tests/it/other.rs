//! Plain text, images, limits, bombs and corrupt input.

use gongkai_domain::screen::{Kind, Severity};
use gongkai_extract::{ExtractError, Format, Limits, extract, read_file, sniff};

use crate::fixtures::*;

#[test]
fn utf8_gb18030_utf16_and_invalid_bytes() {
    let e = extract("电话：13812345678".as_bytes(), &Limits::default()).unwrap();
    assert_eq!((e.format, e.text.as_str()), (Format::Text, "电话：13812345678"));
    assert!(e.findings.is_empty());
    let e = extract(b"\xEF\xBB\xBFBOM", &Limits::default()).unwrap();
    assert_eq!(e.text, "BOM");
    let (gb, _, _) = encoding_rs::GB18030.encode("身份证号码：510104199001011230");
    let e = extract(&gb, &Limits::default()).unwrap();
    assert_eq!(e.text, "身份证号码：510104199001011230");
    assert_eq!(e.findings[0].severity, Severity::Info);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "通知".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    assert_eq!(extract(&utf16, &Limits::default()).unwrap().text, "通知");
    // Not UTF-8 and not GB18030 either (0xFF is invalid in both).
    let e = extract(b"abc \xFF def", &Limits::default()).unwrap();
    assert_eq!(e.findings[0].severity, Severity::Warn);
    assert!(e.text.contains('\u{FFFD}'));
}

#[test]
fn binary_junk_named_txt_is_refused() {
    let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let err = extract(&junk, &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::Unsupported(_)), "{err:?}");
}

#[test]
fn images_are_unscreenable() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let e = extract(&png, &Limits::default()).unwrap();
    assert_eq!(e.format, Format::Image);
    assert_eq!(e.findings[0].kind, Kind::Unscreenable);
}

#[test]
fn oversized_input_is_refused_before_reading() {
    let limits = Limits { max_input: 10, ..Limits::default() };
    assert!(matches!(extract(b"0123456789abc", &limits), Err(ExtractError::TooLarge { size: 13, limit: 10 })));
    let dir = std::env::temp_dir().join(format!("gk-extract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.txt");
    std::fs::write(&path, vec![b'a'; 100]).unwrap();
    assert!(matches!(read_file(&path, &limits), Err(ExtractError::TooLarge { size: 100, .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn zip_bombs_are_refused_before_unpacking() {
    // 4 MiB of zeros compress about 1000:1.
    let zeros = vec![b' '; 4 * 1024 * 1024];
    let bomb = zip_of(&[("word/document.xml", &zeros)]);
    assert!(bomb.len() < 64 * 1024);
    let err = extract(&bomb, &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::ArchiveLimit(ref m) if m.contains("压缩比")), "{err:?}");
    // Total and per-entry sizes.
    let limits = Limits { max_entry: 1024 * 1024, max_ratio: 100_000, ..Limits::default() };
    let err = extract(&bomb, &limits).unwrap_err();
    assert!(matches!(err, ExtractError::ArchiveLimit(ref m) if m.contains("单个条目上限")), "{err:?}");
    let limits = Limits { max_total: 1024 * 1024, max_ratio: 100_000, ..Limits::default() };
    let err = extract(&bomb, &limits).unwrap_err();
    assert!(matches!(err, ExtractError::ArchiveLimit(_)), "{err:?}");
    // Entry count.
    let many: Vec<(String, Vec<u8>)> = (0..50).map(|i| (format!("word/f{i}.xml"), b"x".to_vec())).collect();
    let mut entries: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let doc = document_xml("");
    entries.push(("word/document.xml", doc.as_bytes()));
    let limits = Limits { max_entries: 20, ..Limits::default() };
    let err = extract(&zip_of(&entries), &limits).unwrap_err();
    assert!(matches!(err, ExtractError::ArchiveLimit(ref m) if m.contains("条目 51 个")), "{err:?}");
}

#[test]
fn pdf_stream_bomb_is_refused() {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut enc, &vec![0u8; 8 * 1024 * 1024]).unwrap();
    let packed = enc.finish().unwrap();
    let mut pdf = b"%PDF-1.5\n1 0 obj\n<< /Length ".to_vec();
    pdf.extend(format!("{} /Filter /FlateDecode >>\nstream\n", packed.len()).as_bytes());
    pdf.extend(&packed);
    pdf.extend(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    let err = extract(&pdf, &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::ArchiveLimit(_)), "{err:?}");
}

#[test]
fn corrupt_and_encrypted_files_give_clear_errors() {
    let docx = docx_with_comment();
    let truncated = &docx[..docx.len() / 2];
    let err = extract(truncated, &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().starts_with("文件已损坏"), "{err}");
    let err = extract(b"%PDF-1.7\nthis is not a pdf", &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::Corrupt(_)), "{err:?}");
    // Encrypted OOXML and legacy .doc files are OLE compound files.
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    assert!(matches!(sniff(&ole), Err(ExtractError::Unsupported(_))));
    // A ZIP that is neither Word nor Excel.
    let other = zip_of(&[("readme.txt", b"hello")]);
    assert!(matches!(extract(&other, &Limits::default()), Err(ExtractError::Unsupported(_))));
    // Broken XML inside a valid ZIP.
    let broken = zip_of(&[("word/document.xml", b"<w:document><w:body></w:p>")]);
    assert!(matches!(extract(&broken, &Limits::default()), Err(ExtractError::Corrupt(_))));
}
