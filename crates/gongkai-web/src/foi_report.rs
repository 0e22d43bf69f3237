//! The annual report (政府信息公开工作年度报告) as JSON (keyed by the foi.md §2.5 row and column keys), CSV,
//! XLSX and a template value for the HTML page. Labels come from `gongkai_domain::foi_report` only.

use gongkai_service::domain::foi_report::{
    AnnualReport, SECTIONS, T2_LAYOUT, T3_COLUMN_GROUP, T3_COLUMN_LABELS, T3_COLUMNS, T3_CORNER, T3Line, T4_BLOCKS,
    T4_COLUMNS, t3_lines,
};
use minijinja::{Value, context};
use serde_json::{Map, json};

/// Table 2's rows as (block caption, row label, cells as text).
fn t2_rows(r: &AnnualReport) -> Vec<(&'static str, &'static str, Vec<String>)> {
    let t = &r.table2;
    let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let triple = |x: (i64, i64, i64)| vec![x.0.to_string(), x.1.to_string(), x.2.to_string()];
    vec![
        (T2_LAYOUT[0].0, "规章", triple(t.regulations)),
        (T2_LAYOUT[0].0, "行政规范性文件", triple(t.normative)),
        (T2_LAYOUT[1].0, "行政许可", vec![n(t.licensing)]),
        (T2_LAYOUT[2].0, "行政处罚", vec![n(t.punishment)]),
        (T2_LAYOUT[2].0, "行政强制", vec![n(t.enforcement)]),
        (T2_LAYOUT[3].0, "行政事业性收费", vec![t.fees_wan_yuan.clone().unwrap_or_default()]),
    ]
}

/// The report as JSON: `table3[row][column]` with the §2.5 keys.
pub fn report_json(r: &AnnualReport) -> serde_json::Value {
    let mut t3 = Map::new();
    for (key, cells) in &r.table3.rows {
        let mut row = Map::new();
        for (c, v) in T3_COLUMNS.iter().zip(cells) {
            row.insert((*c).into(), json!(v));
        }
        t3.insert((*key).into(), serde_json::Value::Object(row));
    }
    let t4: Map<String, serde_json::Value> = T4_BLOCKS
        .iter()
        .zip(r.table4.blocks)
        .map(|((_, kind), b)| {
            (
                kind.key().to_owned(),
                json!({"upheld": b[0], "corrected": b[1], "other": b[2], "pending": b[3], "total": b[4]}),
            )
        })
        .collect();
    let t = &r.table2;
    json!({
        "format": "GB-OGI-ANNUAL-2021",
        "org": r.org_name,
        "year": r.year,
        "period": {"from": format!("{}-01-01", r.year), "to": format!("{}-12-31", r.year)},
        "sections": {"overview": r.overview, "problems": r.problems, "other_matters": r.other_matters},
        "table2": {
            "regulations": {"issued": t.regulations.0, "repealed": t.regulations.1, "in_force": t.regulations.2},
            "normative": {"issued": t.normative.0, "repealed": t.normative.1, "in_force": t.normative.2},
            "licensing": t.licensing, "punishment": t.punishment, "enforcement": t.enforcement,
            "fees_wan_yuan": t.fees_wan_yuan,
        },
        "table3": t3,
        "table4": t4,
    })
}

/// Table rows as text: (table, label, cells), in print order.
fn rows(r: &AnnualReport) -> Vec<Vec<String>> {
    let mut out = vec![vec!["表二".into(), "信息内容".into(), "数量".into()]];
    for (block, label, cells) in t2_rows(r) {
        let mut row = vec![format!("表二 {block}"), label.into()];
        row.extend(cells);
        out.push(row);
    }
    let mut head = vec!["表三".into(), T3_CORNER.into()];
    head.extend(T3_COLUMN_LABELS.iter().map(|s| (*s).to_owned()));
    out.push(head);
    for l in t3_lines() {
        match l {
            T3Line::Group { label, .. } => out.push(vec!["表三".into(), label.into()]),
            T3Line::Data { key, label, .. } => {
                let mut row = vec!["表三".into(), label.into()];
                row.extend(
                    r.table3
                        .rows
                        .get(key)
                        .map(|c| c.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                        .unwrap_or_default(),
                );
                out.push(row);
            }
        }
    }
    for ((label, _), b) in T4_BLOCKS.iter().zip(r.table4.blocks) {
        let mut row = vec!["表四".into(), (*label).into()];
        row.extend(T4_COLUMNS.iter().zip(b).map(|(c, v)| format!("{c}:{v}")));
        out.push(row);
    }
    out
}

/// The tables as CSV (UTF-8 with BOM so spreadsheet software reads the Chinese labels).
pub fn report_csv(r: &AnnualReport) -> Result<Vec<u8>, String> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record([format!("{}政府信息公开工作年度报告", r.org_name)]).map_err(|e| e.to_string())?;
    w.write_record([r.period()]).map_err(|e| e.to_string())?;
    for row in rows(r) {
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// The tables as an XLSX workbook (one sheet per table).
pub fn report_xlsx(r: &AnnualReport) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    {
        let s = book.add_worksheet().set_name("表二").map_err(xerr)?;
        s.write_string_with_format(0, 0, "二、主动公开政府信息情况", &bold).map_err(xerr)?;
        for (i, (block, label, cells)) in t2_rows(r).into_iter().enumerate() {
            let row = i as u32 + 1;
            s.write_string(row, 0, block).map_err(xerr)?;
            s.write_string(row, 1, label).map_err(xerr)?;
            for (j, c) in cells.iter().enumerate() {
                match c.parse::<f64>() {
                    Ok(v) => s.write_number(row, j as u16 + 2, v).map_err(xerr)?,
                    Err(_) => s.write_string(row, j as u16 + 2, c).map_err(xerr)?,
                };
            }
        }
    }
    {
        let s = book.add_worksheet().set_name("表三").map_err(xerr)?;
        s.write_string_with_format(0, 0, T3_CORNER, &bold).map_err(xerr)?;
        s.write_string_with_format(0, 2, T3_COLUMN_GROUP, &bold).map_err(xerr)?;
        for (j, l) in T3_COLUMN_LABELS.iter().enumerate() {
            s.write_string_with_format(1, j as u16 + 1, *l, &bold).map_err(xerr)?;
        }
        for (i, l) in t3_lines().into_iter().enumerate() {
            let row = i as u32 + 2;
            match l {
                T3Line::Group { label, .. } => {
                    s.write_string(row, 0, label).map_err(xerr)?;
                }
                T3Line::Data { key, label, .. } => {
                    s.write_string(row, 0, label).map_err(xerr)?;
                    for (j, v) in r.table3.rows.get(key).copied().unwrap_or_default().iter().enumerate() {
                        s.write_number(row, j as u16 + 1, *v as f64).map_err(xerr)?;
                    }
                }
            }
        }
    }
    {
        let s = book.add_worksheet().set_name("表四").map_err(xerr)?;
        for (b, ((label, _), cells)) in T4_BLOCKS.iter().zip(r.table4.blocks).enumerate() {
            let row = b as u32 * 2;
            s.write_string_with_format(row, 0, *label, &bold).map_err(xerr)?;
            for (j, (c, v)) in T4_COLUMNS.iter().zip(cells).enumerate() {
                s.write_string(row, j as u16 + 1, *c).map_err(xerr)?;
                s.write_number(row + 1, j as u16 + 1, v as f64).map_err(xerr)?;
            }
        }
    }
    book.save_to_buffer().map_err(xerr)
}

/// The template value of the HTML report.
pub fn report_value(r: &AnnualReport) -> Value {
    let t3: Vec<Value> = t3_lines()
        .into_iter()
        .map(|l| match l {
            T3Line::Group { label, depth } => context! { group => true, label, depth },
            T3Line::Data { key, label, depth } => {
                context! { group => false, label, depth, key, cells => r.table3.rows.get(key).copied().unwrap_or_default().to_vec() }
            }
        })
        .collect();
    let t2: Vec<Value> = t2_rows(r).into_iter().map(|(block, label, cells)| context! { block, label, cells }).collect();
    let t4: Vec<Value> = T4_BLOCKS
        .iter()
        .zip(r.table4.blocks)
        .map(|((label, _), b)| context! { label => *label, cells => b.to_vec() })
        .collect();
    context! {
        org_name => r.org_name.clone(),
        year => r.year,
        period => r.period(),
        sections => SECTIONS.to_vec(),
        overview => r.overview.clone(),
        problems => r.problems.clone(),
        other_matters => r.other_matters.clone(),
        t2, t3, t4,
        t3_corner => T3_CORNER,
        t3_group => T3_COLUMN_GROUP,
        t3_columns => T3_COLUMN_LABELS.to_vec(),
        t4_columns => T4_COLUMNS.to_vec(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A standalone HTML document of the report (for `gongkai report annual --format html`), with the form's
/// table structure: header cells, the 法人或其他组织 column group and group rows without numbers.
pub fn report_html(r: &AnnualReport) -> String {
    let mut h = String::new();
    let title = format!("{}{}年政府信息公开工作年度报告", esc(&r.org_name), r.year);
    h.push_str(&format!(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<p>{}</p>\n",
        esc(&r.period())
    ));
    let para = |t: &str| {
        if t.trim().is_empty() { "<p>（待填写）</p>\n".to_owned() } else { format!("<p>{}</p>\n", esc(t)) }
    };
    h.push_str(&format!("<h2>{}</h2>\n{}", SECTIONS[0], para(&r.overview)));
    h.push_str(&format!("<h2>{}</h2>\n<table border=\"1\">\n", SECTIONS[1]));
    for (block, label, cells) in t2_rows(r) {
        h.push_str(&format!("<tr><td>{block}</td><th scope=\"row\">{label}</th>"));
        for c in cells {
            h.push_str(&format!("<td>{}</td>", esc(&c)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    h.push_str(&format!("<h2>{}</h2>\n<table border=\"1\">\n<thead><tr><th rowspan=\"2\">{T3_CORNER}</th><th rowspan=\"2\">{}</th><th colspan=\"5\">{T3_COLUMN_GROUP}</th><th rowspan=\"2\">{}</th></tr>\n<tr>", SECTIONS[2], T3_COLUMN_LABELS[0], T3_COLUMN_LABELS[6]));
    for c in &T3_COLUMN_LABELS[1..6] {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for l in t3_lines() {
        match l {
            T3Line::Group { label, .. } => h.push_str(&format!("<tr><th colspan=\"8\">{label}</th></tr>\n")),
            T3Line::Data { key, label, .. } => {
                h.push_str(&format!("<tr><th scope=\"row\">{label}</th>"));
                for v in r.table3.rows.get(key).copied().unwrap_or_default() {
                    h.push_str(&format!("<td>{v}</td>"));
                }
                h.push_str("</tr>\n");
            }
        }
    }
    h.push_str("</tbody></table>\n");
    h.push_str(&format!("<h2>{}</h2>\n<table border=\"1\">\n<tr><th></th>", SECTIONS[3]));
    for c in T4_COLUMNS {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("</tr>\n");
    for ((label, _), b) in T4_BLOCKS.iter().zip(r.table4.blocks) {
        h.push_str(&format!("<tr><th scope=\"row\">{label}</th>"));
        for v in b {
            h.push_str(&format!("<td>{v}</td>"));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    h.push_str(&format!("<h2>{}</h2>\n{}", SECTIONS[4], para(&r.problems)));
    h.push_str(&format!("<h2>{}</h2>\n{}", SECTIONS[5], para(&r.other_matters)));
    h.push_str("</body>\n</html>\n");
    h
}
