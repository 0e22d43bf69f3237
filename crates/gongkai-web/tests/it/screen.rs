//! `POST /api/v1/screen`: text and file screening for staff.

use std::io::{Cursor, Write};

use axum::http::{Method, StatusCode};
use gongkai_domain::role::Role;

use crate::support::{TestApp, app};

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn staff_token(t: &TestApp) -> String {
    t.user("reviewer", &[(Role::Editor, "sc-cd")]).await;
    t.token("reviewer").await.1
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "gk-test-boundary-7d3f";
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn docx_with_tracked_id() -> Vec<u8> {
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>补贴名单</w:t></w:r><w:del w:id="1" w:author="李四"><w:r><w:delText>510104199001011230</w:delText></w:r></w:del></w:p></w:body></w:document>"#;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
    w.write_all(doc.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_is_screened_for_staff_only() {
    let t = app().await;
    let body = r#"{"text": "联系人张三，身份证号码：510104199001011230，电话13812345678。"}"#;
    // Without a token or session the CSRF check refuses the request first; a bad token is 401.
    let r = t.client().send_body(Method::POST, "/api/v1/screen", "application/json", body, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let bad = [("authorization", "Bearer gk_not-a-real-token")];
    let r = t.client().send_body(Method::POST, "/api/v1/screen", "application/json", body, &bad).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json()["error"], "unauthenticated");

    let token = staff_token(&t).await;
    let auth = bearer(&token);
    let r = t
        .client()
        .send_body(Method::POST, "/api/v1/screen", "application/json", body, &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["blocks"], true);
    assert_eq!(j["format"], "text");
    let f = &j["findings"][0];
    assert_eq!(f["kind"], "id_card");
    assert_eq!(f["severity"], "block");
    assert_eq!((f["start"].as_u64(), f["end"].as_u64()), (Some(12), Some(30)));
    assert_eq!(f["masked"], "510104********1230");
    assert_eq!(j["findings"][1]["kind"], "mobile");

    let r = t
        .client()
        .send_body(
            Method::POST,
            "/api/v1/screen",
            "application/json",
            r#"{"text": "普通公开内容"}"#,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.json()["blocks"], false);
    assert_eq!(r.json()["findings"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_the_problem() {
    let t = app().await;
    let auth = bearer(&staff_token(&t).await);
    let h = [("authorization", auth.as_str())];
    let r = t.client().send_body(Method::POST, "/api/v1/screen", "application/json", r#"{"txt": "x"}"#, &h).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = t.client().send_body(Method::POST, "/api/v1/screen", "text/plain", "x", &h).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    // A corrupt file: a clear per-field error, not a 500.
    let (ct, body) = multipart("a.docx", b"PK\x03\x04 not really a zip");
    let r = t.client().send_body(Method::POST, "/api/v1/screen", &ct, body, &h).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let j = r.json();
    assert_eq!(j["error"], "validation_failed");
    assert_eq!(j["fields"][0]["field"], "file");
    assert!(j["message"].as_str().unwrap().contains("损坏"), "{j}");
    // A form without the file field.
    let (ct, _) = multipart("x", b"");
    let r = t.client().send_body(Method::POST, "/api/v1/screen", &ct, "--gk-test-boundary-7d3f--\r\n", &h).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_docx_reports_hidden_changes_and_their_content() {
    let t = app().await;
    let auth = bearer(&staff_token(&t).await);
    let (ct, body) = multipart("名单.docx", &docx_with_tracked_id());
    let r = t.client().send_body(Method::POST, "/api/v1/screen", &ct, body, &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["format"], "docx");
    assert_eq!(j["blocks"], true);
    let kinds: Vec<&str> = j["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"id_card") && kinds.contains(&"hidden_content"), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_need_the_csrf_token() {
    let t = app().await;
    t.user("reviewer", &[(Role::Editor, "sc-cd")]).await;
    let mut s = t.logged_in("reviewer", None).await;
    let body = r#"{"text": "13812345678"}"#;
    let r = s.client.send_body(Method::POST, "/api/v1/screen", "application/json", body, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let csrf = s.csrf.clone();
    let r =
        s.client.send_body(Method::POST, "/api/v1/screen", "application/json", body, &[("x-csrf-token", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["findings"][0]["masked"], "138****5678");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_have_their_own_body_limit() {
    let t = app().await;
    let auth = bearer(&staff_token(&t).await);
    // 3 MB: above the general limit (2 MB), below the upload limit.
    let text = "本通知无个人信息。\n".repeat(3 * 1024 * 1024 / 28);
    let (ct, body) = multipart("big.txt", text.as_bytes());
    let r = t.client().send_body(Method::POST, "/api/v1/screen", &ct, body, &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(300)]);
    // The same size elsewhere is refused by the general limit.
    let json = format!(r#"{{"org":"sc-cd","title":"{}"}}"#, "长".repeat(1024 * 1024));
    let r = t
        .client()
        .send_body(Method::POST, "/api/v1/documents", "application/json", json, &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(300)]);
    // Above the upload limit (refused from its Content-Length, before the body is read).
    let (ct, body) = multipart("huge.txt", &vec![b'a'; 22 * 1024 * 1024]);
    let len = body.len().to_string();
    let h = [("authorization", auth.as_str()), ("content-length", len.as_str())];
    let r = t.client().send_body(Method::POST, "/api/v1/screen", &ct, body, &h).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(300)]);
}

/// A workbook whose one shared string (just under 1 MiB) is used by 30 cells: 30 million
/// characters from a few kilobytes.
fn xlsx_shared_string_bomb() -> Vec<u8> {
    const S: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
    let workbook = format!(r#"<workbook {S}><sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let strings = format!(r#"<sst {S}><si><t>{}</t></si></sst>"#, "A".repeat(1_000_000));
    let sheet = format!(
        r#"<worksheet {S}><sheetData><row r="1">{}</row></sheetData></worksheet>"#,
        r#"<c t="s"><v>0</v></c>"#.repeat(30)
    );
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in [
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/sharedStrings.xml", strings.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ] {
        w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extraction_bomb_is_refused_as_too_large() {
    let t = app().await;
    let auth = bearer(&staff_token(&t).await);
    let bomb = xlsx_shared_string_bomb();
    assert!(bomb.len() < 64 * 1024);
    let (ct, body) = multipart("bomb.xlsx", &bomb);
    let r = t.client().send_body(Method::POST, "/api/v1/screen", &ct, body, &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(300)]);
    let j = r.json();
    assert_eq!(j["error"], "payload_too_large");
    assert_eq!(j["fields"][0]["field"], "file");
    assert!(j["message"].as_str().unwrap().contains("超过上限 10000000 字（screen.max_extracted_chars）"), "{j}");
}
