//! `gongkai scan`: exit status, text and JSON output, a batch with a bad file, real XLSX written
//! by rust_xlsxwriter, and word lists from the configuration.

use std::io::{Cursor, Write};
use std::path::Path;

use crate::support::{gongkai, run};

fn scan(args: &[&str]) -> crate::support::Out {
    let mut full = vec!["scan"];
    full.extend_from_slice(args);
    run(&full)
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn clean_text_exits_zero_and_personal_data_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.txt", "关于印发实施方案的通知（国办发〔2019〕4号）".as_bytes());
    let out = scan(&[&clean]);
    assert_eq!(out.code(), Some(0), "{out:#?}");
    assert!(out.stdout.contains("共检查 1 个文件：发现 0 处"), "{}", out.stdout);

    let bad = write(dir.path(), "list.txt", "张三 身份证号码：510104199001011230\n李四 13812345678\n".as_bytes());
    let out = scan(&[&bad]);
    assert_eq!(out.code(), Some(1), "{out:#?}");
    // Text output shows personal data masked only.
    assert!(out.stdout.contains("510104********1230"), "{}", out.stdout);
    assert!(!out.stdout.contains("510104199001011230"), "{}", out.stdout);
    assert!(out.stdout.contains(":9-27: [阻止发布] id_card"), "{}", out.stdout);

    let out = scan(&["--format", "json", &bad]);
    assert_eq!(out.code(), Some(1), "{out:#?}");
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    let f = &lines[0];
    assert_eq!(f["path"], bad.as_str());
    assert_eq!(f["kind"], "id_card");
    assert_eq!(f["severity"], "block");
    assert_eq!((f["start"].as_u64(), f["end"].as_u64()), (Some(9), Some(27)));
    assert_eq!(f["text"], "510104199001011230");
    assert_eq!(f["masked"], "510104********1230");
    assert_eq!(lines[1]["kind"], "mobile");
}

#[test]
fn a_bad_file_does_not_stop_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = write(dir.path(), "a-corrupt.docx", b"PK\x03\x04 truncated");
    let junk: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    let binary = write(dir.path(), "b-junk.txt", &junk);
    let good = write(dir.path(), "c-good.txt", "电话：13812345678".as_bytes());
    let out = scan(&["--format", "json", &corrupt, &binary, &good, "/no/such/file.pdf"]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains(&format!("{corrupt}: 错误：文件已损坏")), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("{binary}: 错误：不支持的文件类型")), "{}", out.stderr);
    assert!(out.stderr.contains("/no/such/file.pdf: 错误："), "{}", out.stderr);
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    assert_eq!(lines[0]["path"], good.as_str());
    // A directory is walked in name order.
    let out = scan(&[&dir.path().to_string_lossy()]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
    assert!(out.stdout.contains("共检查 3 个文件：发现 1 处，其中阻止发布 1 处；2 个文件无法检查"), "{}", out.stdout);
    // Oversized files are refused from their size.
    let big = write(dir.path(), "big.txt", &vec![b'a'; 2 * 1024 * 1024]);
    let out = scan(&["--max-mb", "1", &big]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains("文件过大"), "{}", out.stderr);
}

#[test]
fn real_xlsx_hidden_sheet_and_properties() {
    use rust_xlsxwriter::{DocProperties, Workbook};
    let mut wb = Workbook::new();
    wb.set_properties(&DocProperties::new().set_author("张三").set_company("某某市财政局"));
    let visible = wb.add_worksheet().set_name("名单").unwrap();
    visible.write_string(0, 0, "姓名").unwrap();
    visible.write_string(1, 0, "王五").unwrap();
    let hidden = wb.add_worksheet().set_name("底稿").unwrap();
    hidden.write_string(0, 0, "身份证号").unwrap();
    hidden.write_string(0, 1, "11010519491231002X").unwrap();
    hidden.set_hidden(true);
    let bytes = wb.save_to_buffer().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "名单.xlsx", &bytes);
    let out = scan(&["--format", "json", &path]);
    assert_eq!(out.code(), Some(1), "{out:#?}");
    let lines = json_lines(&out.stdout);
    let has =
        |kind: &str, text: &str| lines.iter().any(|l| l["kind"] == kind && l["text"].as_str().unwrap().contains(text));
    assert!(has("id_card", "11010519491231002X"), "{}", out.stdout);
    assert!(has("hidden_content", "隐藏工作表：底稿"), "{}", out.stdout);
    assert!(has("metadata", "作者：张三"), "{}", out.stdout);
    assert!(has("metadata", "单位：某某市财政局"), "{}", out.stdout);
}

#[test]
fn word_lists_come_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let words =
        write(dir.path(), "words.tsv", "# 词表\nsensitive\t敏感事项\nmisstatement\t错误说法\t正确说法\n".as_bytes());
    let text = write(dir.path(), "a.txt", "关于敏感事項的说明".as_bytes());
    let mut c = gongkai();
    c.env("GONGKAI_SCREEN__WORDS_FILE", &words).args(["scan", "--format", "json", &text]);
    let o = c.output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout} {}", String::from_utf8_lossy(&o.stderr));
    let lines = json_lines(&stdout);
    assert_eq!(lines[0]["kind"], "sensitive_word");
    assert_eq!(lines[0]["severity"], "warn");
    assert_eq!(lines[0]["text"], "敏感事項");

    let bad = write(dir.path(), "bad.tsv", "sensitive\tok\nunknown\tx\n".as_bytes());
    let mut c = gongkai();
    c.env("GONGKAI_SCREEN__WORDS_FILE", &bad).args(["scan", &text]);
    let o = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("screen.words_file") && stderr.contains(":2:"), "{stderr}");
}

#[test]
fn docx_with_tracked_changes_blocks() {
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>正文</w:t></w:r><w:ins w:id="1" w:author="李四"><w:r><w:t>新增</w:t></w:r></w:ins></w:p></w:body></w:document>"#;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
    w.write_all(doc.as_bytes()).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "通知.docx", &bytes);
    let out = scan(&[&path]);
    assert_eq!(out.code(), Some(1), "{out:#?}");
    assert!(out.stdout.contains("hidden_content（隐藏内容）：修订：插入 1 处，删除 0 处"), "{}", out.stdout);
}

/// The extraction bomb of the security review: a ~5 KB workbook whose one shared string (just under
/// 1 MiB, so the compression-ratio check does not apply) is used by 45,000 cells — 45 billion
/// characters of text. Today's scan refuses it as too large, naming the limit, instead of
/// allocating gigabytes; the process runs under a 2 GiB address-space limit to prove it.
#[test]
fn xlsx_shared_string_bomb_is_refused_as_too_large() {
    const S: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
    let workbook = format!(r#"<workbook {S}><sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let strings = format!(r#"<sst {S}><si><t>{}</t></si></sst>"#, "A".repeat(1024 * 1024 - 200));
    let mut sheet = format!("<worksheet {S}><sheetData>");
    for r in 1..=450 {
        sheet.push_str(&format!(r#"<row r="{r}">{}</row>"#, r#"<c t="s"><v>0</v></c>"#.repeat(100)));
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, data) in [
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/sharedStrings.xml", strings.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ] {
        w.start_file(name, options).unwrap();
        w.write_all(data).unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    assert!(bytes.len() < 8 * 1024, "{} bytes", bytes.len());
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bomb.xlsx", &bytes);
    let good = write(dir.path(), "good.txt", "电话：13812345678".as_bytes());

    let c = gongkai();
    let mut limited = std::process::Command::new("sh");
    limited.arg("-c").arg(r#"ulimit -v 2097152 && exec "$0" "$@""#).arg(c.get_program()).args(["scan", &path, &good]);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => limited.env(k, v),
            None => limited.env_remove(k),
        };
    }
    let o = limited.output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "{path}: 错误：文件过大：提取出的文字超过上限 10000000 字（screen.max_extracted_chars）"
        )),
        "{stderr}"
    );
    // The rest of the batch is still screened.
    assert!(stdout.contains("共检查 2 个文件：发现 1 处，其中阻止发布 1 处；1 个文件无法检查"), "{stdout}");

    // A smaller budget from the configuration is named in the message.
    let mut c = gongkai();
    c.env("GONGKAI_SCREEN__MAX_EXTRACTED_CHARS", "50000").args(["scan", &path]);
    let o = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("超过上限 50000 字（screen.max_extracted_chars）"), "{stderr}");
}
