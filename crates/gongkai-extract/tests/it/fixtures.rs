//! Builders of test files.

use std::io::{Cursor, Write};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

pub const W: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

pub fn core_xml(creator: &str, last: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>关于某事项的通知</dc:title><dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{last}</cp:lastModifiedBy></cp:coreProperties>"#
    )
}

pub fn app_xml(company: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Company>{company}</Company></Properties>"#
    )
}

pub fn document_xml(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}</w:body></w:document>"#
    )
}

/// A DOCX with a visible paragraph, a tracked insertion and deletion (the deletion holds an ID
/// number), hidden text, a comment, and document properties.
pub fn docx_with_everything() -> Vec<u8> {
    let body = r#"<w:p><w:r><w:t>关于公布补贴名单的通知</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">联系人：王某 </w:t></w:r><w:ins w:id="1" w:author="李四" w:date="2026-01-01T00:00:00Z"><w:r><w:t>电话另行通知</w:t></w:r></w:ins><w:del w:id="2" w:author="李四"><w:r><w:delText>身份证号 510104199001011230</w:delText></w:r></w:del></w:p>
<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>补贴标准为每人500元。</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>
<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>内部备注：手机13812345678</w:t></w:r></w:p>"#;
    let comments = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments {W}><w:comment w:id="0" w:author="张三" w:initials="ZS"><w:p><w:r><w:t>此处标准是否需要请示领导？</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", document_xml(body).as_bytes()),
        ("word/comments.xml", comments.as_bytes()),
        ("docProps/core.xml", core_xml("张三", "李四").as_bytes()),
        ("docProps/app.xml", app_xml("某某县人民政府办公室").as_bytes()),
    ])
}

/// A DOCX with a comment and properties but no tracked changes or hidden text.
pub fn docx_with_comment() -> Vec<u8> {
    let body = r#"<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>公开内容。</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>"#;
    let comments = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments {W}><w:comment w:id="0" w:author="张三"><w:p><w:r><w:t>内部意见</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    zip_of(&[
        ("word/document.xml", document_xml(body).as_bytes()),
        ("word/comments.xml", comments.as_bytes()),
        ("docProps/core.xml", core_xml("张三", "李四").as_bytes()),
        ("docProps/app.xml", app_xml("某某局").as_bytes()),
    ])
}

pub const S: &str = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";

/// An XLSX with a visible sheet (a hidden row and column; a mobile number stored as a number),
/// optionally a hidden sheet holding an ID number, a comment and properties.
pub fn xlsx(with_hidden_sheet: bool) -> Vec<u8> {
    let hidden =
        if with_hidden_sheet { r#"<sheet name="底稿" sheetId="2" state="hidden" r:id="rId2"/>"# } else { "" };
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook {S}><sheets><sheet name="名单" sheetId="1" r:id="rId1"/>{hidden}</sheets></workbook>"#
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>"#;
    let strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst {S} count="3" uniqueCount="3"><si><t>姓名</t></si><si><t>电话</t></si><si><r><t>张</t></r><r><t>三</t></r></si><si><t>11010519491231002X</t></si></sst>"#
    );
    let sheet1 = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {S}><cols><col min="3" max="4" hidden="1"/></cols><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2" hidden="1"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1.3812345678E10</v></c></row></sheetData></worksheet>"#
    );
    let sheet2 = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {S}><sheetData><row r="1"><c r="A1" t="s"><v>3</v></c></row></sheetData></worksheet>"#
    );
    let comments = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><comments {S}><authors><author>张三</author></authors><commentList><comment ref="A1" authorId="0"><text><r><t>核对后删除此列</t></r></text></comment></commentList></comments>"#
    );
    let mut entries: Vec<(&str, Vec<u8>)> = vec![
        ("xl/workbook.xml", workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes().to_vec()),
        ("xl/sharedStrings.xml", strings.into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet1.into_bytes()),
        ("xl/comments1.xml", comments.into_bytes()),
        ("docProps/core.xml", core_xml("王五", "赵六").into_bytes()),
        ("docProps/app.xml", app_xml("某某市财政局").into_bytes()),
    ];
    if with_hidden_sheet {
        entries.push(("xl/worksheets/sheet2.xml", sheet2.into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    zip_of(&refs)
}

/// A one-page PDF with a line of text, an Info dictionary with an author, and XMP metadata.
pub fn pdf(text: &str) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier"});
    let resources_id = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font_id}});
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![50.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()).with_compression(true));
    let page_id = doc.add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content_id});
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let xmp = Stream::new(
        dictionary! {"Type" => "Metadata", "Subtype" => "XML"},
        b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><dc:creator>Zhang San</dc:creator></x:xmpmeta>".to_vec(),
    );
    let xmp_id = doc.add_object(xmp);
    let catalog_id = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id, "Metadata" => xmp_id});
    doc.trailer.set("Root", catalog_id);
    let info_id = doc.add_object(
        dictionary! {"Author" => Object::string_literal("Zhang San"), "Producer" => Object::string_literal("WPS")},
    );
    doc.trailer.set("Info", info_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// An XLSX whose one shared string of `chars` characters is used by `cells` cells.
pub fn xlsx_shared_string_bomb(chars: usize, cells: usize) -> Vec<u8> {
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook {S}><sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst {S} count="1" uniqueCount="1"><si><t>{}</t></si></sst>"#,
        "A".repeat(chars)
    );
    let mut sheet = format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {S}><sheetData>"#);
    for r in 0..cells.div_ceil(100) {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for _ in 0..100.min(cells - r * 100) {
            sheet.push_str(r#"<c t="s"><v>0</v></c>"#);
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    zip_of(&[
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/sharedStrings.xml", strings.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

/// A DOCX whose body and `parts` header parts are each just under 1 MiB of repeated runs.
pub fn docx_repeated_runs_bomb(parts: usize) -> Vec<u8> {
    let run = format!("<w:r><w:t>{}</w:t></w:r>", "Repeated run. ".repeat(16));
    let runs = run.repeat((1024 * 1024 - 400) / run.len());
    let part = |root: &str| {
        format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{root} {W}><w:p>{runs}</w:p></w:{root}>"#)
    };
    let headers: Vec<(String, String)> = (1..=parts).map(|i| (format!("word/header{i}.xml"), part("hdr"))).collect();
    let body = document_xml(&format!("<w:p>{runs}</w:p>"));
    let mut entries: Vec<(&str, &[u8])> = vec![("word/document.xml", body.as_bytes())];
    entries.extend(headers.iter().map(|(n, x)| (n.as_str(), x.as_bytes())));
    zip_of(&entries)
}

/// A PDF of `pages` pages that all use one content stream showing `chars` characters.
pub fn pdf_shared_stream_bomb(chars: usize, pages: usize) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier"});
    let resources_id = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font_id}});
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![50.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal("A".repeat(chars))]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()).with_compression(true));
    let kids: Vec<Object> = (0..pages)
        .map(|_| doc.add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content_id}).into())
        .collect();
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages as i64, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}
