//! The annual report (政府信息公开工作年度报告) in the 国办公开办函〔2021〕30号 format: tables 2, 3 and 4
//! computed from records, with the exact labels and the form's reconciliation checks (foi.md §2).
//!
//! Counting (foi.md §2.5): `new_received` by receipt date in the year; `carried_over` = received before the
//! year and not closed before it; a result counts in the year its reply was issued (or the case lapsed);
//! `carried_forward` = received by 31 December and not closed by then; the applicant column is fixed at
//! registration. Group rows （三）–（六） carry no numbers.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::foi::{ApplicantType, CaseKind, CaseResult, Outcome};

/// What the report needs of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub applicant: ApplicantType,
    pub received_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
}

/// What the report needs of one 复议/诉讼 case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub kind: CaseKind,
    pub filed_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub result: CaseResult,
}

/// Column keys of table 3 in order; the last is `total`.
pub const T3_COLUMNS: [&str; 7] =
    ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total"];
/// Column labels of table 3.
pub const T3_COLUMN_LABELS: [&str; 7] =
    ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"];
/// The label above the five organisation columns.
pub const T3_COLUMN_GROUP: &str = "法人或其他组织";
/// The form's note in the top-left cell.
pub const T3_CORNER: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

/// One line of table 3: a data row (key, label) or a group label without numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T3Line {
    Data { key: &'static str, label: &'static str, depth: u8 },
    Group { label: &'static str, depth: u8 },
}

/// The 30 labelled lines of table 3, in order (25 data rows, 5 group labels).
pub fn t3_lines() -> Vec<T3Line> {
    let mut v = vec![
        T3Line::Data { key: "new_received", label: "一、本年新收政府信息公开申请数量", depth: 0 },
        T3Line::Data { key: "carried_over", label: "二、上年结转政府信息公开申请数量", depth: 0 },
        T3Line::Group { label: "三、本年度办理结果", depth: 0 },
    ];
    let mut group = None;
    for o in Outcome::ALL {
        let g = o.group();
        let grouped = o.key() != "granted" && o.key() != "partial";
        if grouped && group != Some(g) {
            v.push(T3Line::Group { label: g.label(), depth: 1 });
        }
        group = Some(g);
        v.push(T3Line::Data { key: o.key(), label: o.row_label(), depth: if grouped { 2 } else { 1 } });
    }
    v.push(T3Line::Data { key: "results_total", label: "（七）总计", depth: 1 });
    v.push(T3Line::Data { key: "carried_forward", label: "四、结转下年度继续办理", depth: 0 });
    v
}

/// Table 3: each data row key → 7 numbers (the columns of [`T3_COLUMNS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table3 {
    pub rows: BTreeMap<&'static str, [i64; 7]>,
}

fn col(t: ApplicantType) -> usize {
    ApplicantType::ALL.iter().position(|x| *x == t).unwrap_or(5)
}

impl Table3 {
    /// Computes table 3 for `year` from every record of the organisation (all years).
    pub fn compute(records: &[ReportRecord], year: i32) -> Table3 {
        let mut rows: BTreeMap<&'static str, [i64; 7]> = BTreeMap::new();
        for l in t3_lines() {
            if let T3Line::Data { key, .. } = l {
                rows.insert(key, [0; 7]);
            }
        }
        let mut add = |key: &'static str, c: usize| {
            if let Some(r) = rows.get_mut(key) {
                r[c] += 1;
                r[6] += 1;
            }
        };
        for r in records {
            let c = col(r.applicant);
            let closed_year = r.closed_on.map(|d| d.year());
            if r.received_on.year() == year {
                add("new_received", c);
            }
            if r.received_on.year() < year && closed_year.is_none_or(|y| y >= year) {
                add("carried_over", c);
            }
            if r.received_on.year() <= year && closed_year == Some(year) {
                if let Some(o) = r.outcome {
                    add(o.key(), c);
                }
                add("results_total", c);
            }
            if r.received_on.year() <= year && closed_year.is_none_or(|y| y > year) {
                add("carried_forward", c);
            }
        }
        Table3 { rows }
    }

    pub fn get(&self, key: &str, column: &str) -> Option<i64> {
        let c = T3_COLUMNS.iter().position(|x| *x == column)?;
        self.rows.get(key).map(|r| r[c])
    }

    /// The form's reconciliation checks (T3-col-identity, T3-total-sum, T3-row-sum); each failure is a
    /// zh-CN sentence naming the row and column.
    pub fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        let row = |k: &str| self.rows.get(k).copied().unwrap_or([0; 7]);
        for (c, label) in T3_COLUMN_LABELS.iter().enumerate() {
            let lhs = row("new_received")[c] + row("carried_over")[c];
            let rhs = row("results_total")[c] + row("carried_forward")[c];
            if lhs != rhs {
                out.push(format!(
                    "表三“{label}”列：新收 + 上年结转 = {lhs}，办理结果总计 + 结转下年度 = {rhs}，不相等"
                ));
            }
            let sum: i64 = Outcome::ALL.iter().map(|o| row(o.key())[c]).sum();
            if sum != row("results_total")[c] {
                out.push(format!(
                    "表三“{label}”列：（七）总计 {} 不等于21项办理结果之和 {sum}",
                    row("results_total")[c]
                ));
            }
        }
        for (k, r) in &self.rows {
            let s: i64 = r[..6].iter().sum();
            if s != r[6] || r.iter().any(|v| *v < 0) {
                out.push(format!("表三“{k}”行：总计 {} 不等于各类申请人之和 {s}", r[6]));
            }
        }
        out
    }
}

/// Table 4 block labels and the result columns.
pub const T4_BLOCKS: [(&str, CaseKind); 3] = [
    ("行政复议", CaseKind::Reconsideration),
    ("未经复议直接起诉", CaseKind::LitigationDirect),
    ("复议后起诉", CaseKind::LitigationAfterReconsideration),
];
/// The five columns of each block.
pub const T4_COLUMNS: [&str; 5] = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];

/// Table 4: three blocks of five numbers (维持, 纠正, 其他, 尚未审结, 总计).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table4 {
    pub blocks: [[i64; 5]; 3],
}

impl Table4 {
    /// Cases filed in `year`; a case decided after 31 December counts as 尚未审结.
    pub fn compute(cases: &[CaseRecord], year: i32) -> Table4 {
        let mut blocks = [[0i64; 5]; 3];
        for c in cases.iter().filter(|c| c.filed_on.year() == year) {
            let Some(b) = T4_BLOCKS.iter().position(|(_, k)| *k == c.kind) else { continue };
            let decided = c.decided_on.is_some_and(|d| d.year() <= year);
            let r = if decided { c.result } else { CaseResult::Pending };
            let i = CaseResult::ALL.iter().position(|x| *x == r).unwrap_or(3);
            blocks[b][i] += 1;
            blocks[b][4] += 1;
        }
        Table4 { blocks }
    }

    /// T4-block-sum: 总计 = 维持 + 纠正 + 其他 + 尚未审结.
    pub fn check(&self) -> Vec<String> {
        T4_BLOCKS
            .iter()
            .zip(self.blocks)
            .filter(|(_, b)| b[..4].iter().sum::<i64>() != b[4])
            .map(|((l, _), b)| format!("表四“{l}”：总计 {} 不等于各结果之和", b[4]))
            .collect()
    }
}

/// Table 2 (主动公开政府信息情况). The 规章 and 行政规范性文件 rows come from the policy library; the
/// others are entered by staff. `None` = not entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table2 {
    /// (本年制发件数, 本年废止件数, 现行有效件数).
    pub regulations: (i64, i64, i64),
    pub normative: (i64, i64, i64),
    /// 本年处理决定数量.
    pub licensing: Option<i64>,
    pub punishment: Option<i64>,
    pub enforcement: Option<i64>,
    /// 本年收费金额（单位：万元）, as entered (decimals allowed).
    pub fees_wan_yuan: Option<String>,
}

/// Table 2's block captions, column labels and rows as printed.
pub const T2_LAYOUT: [(&str, &[&str], &[&str]); 4] = [
    ("第二十条第（一）项", &["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], &["规章", "行政规范性文件"]),
    ("第二十条第（五）项", &["信息内容", "本年处理决定数量"], &["行政许可"]),
    ("第二十条第（六）项", &["信息内容", "本年处理决定数量"], &["行政处罚", "行政强制"]),
    ("第二十条第（八）项", &["信息内容", "本年收费金额（单位：万元）"], &["行政事业性收费"]),
];

/// Section headings of the 2021 form.
pub const SECTIONS: [&str; 6] = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualReport {
    pub year: i32,
    pub org_name: String,
    /// Prose of sections 一, 五 and 六 (may be empty).
    pub overview: String,
    pub problems: String,
    pub other_matters: String,
    pub table2: Table2,
    pub table3: Table3,
    pub table4: Table4,
}

impl AnnualReport {
    /// 本报告所列数据的统计期限.
    pub fn period(&self) -> String {
        format!("本报告所列数据的统计期限为{0}年1月1日至{0}年12月31日", self.year)
    }

    /// Every reconciliation check; empty when the report may be published.
    pub fn check(&self) -> Vec<String> {
        let mut v = self.table3.check();
        v.extend(self.table4.check());
        if let Some(f) = &self.table2.fees_wan_yuan {
            if f.trim().parse::<f64>().map_or(true, |x| x < 0.0) {
                v.push(format!("表二“行政事业性收费”金额“{f}”不是非负数"));
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rec(t: ApplicantType, r: &str, c: Option<&str>, o: Option<Outcome>) -> ReportRecord {
        ReportRecord { applicant: t, received_on: d(r), closed_on: c.map(d), outcome: o }
    }

    #[test]
    fn layout_has_30_lines_25_data() {
        let l = t3_lines();
        assert_eq!(l.len(), 30);
        assert_eq!(l.iter().filter(|x| matches!(x, T3Line::Data { .. })).count(), 25);
        assert_eq!(l[3], T3Line::Data { key: "granted", label: "（一）予以公开", depth: 1 });
        assert_eq!(l[5], T3Line::Group { label: "（三）不予公开", depth: 1 });
        assert!(matches!(l[29], T3Line::Data { key: "carried_forward", label: "四、结转下年度继续办理", .. }));
    }

    #[test]
    fn computes_and_reconciles() {
        use ApplicantType::*;
        let recs = vec![
            rec(NaturalPerson, "2024-12-20", Some("2025-01-10"), Some(Outcome::Granted)),
            rec(NaturalPerson, "2024-12-22", Some("2024-12-30"), Some(Outcome::Granted)),
            rec(Commercial, "2025-03-01", Some("2025-03-20"), Some(Outcome::NotHeld)),
            rec(LegalService, "2025-05-01", Some("2025-06-01"), Some(Outcome::Partial)),
            rec(Research, "2025-12-28", None, None),
            rec(Other, "2025-12-01", Some("2026-01-05"), Some(Outcome::Duplicate)),
        ];
        let t = Table3::compute(&recs, 2025);
        assert_eq!(t.get("new_received", "total"), Some(4));
        assert_eq!(t.get("carried_over", "natural_person"), Some(1));
        assert_eq!(t.get("granted", "natural_person"), Some(1));
        assert_eq!(t.get("not_held", "commercial"), Some(1));
        assert_eq!(t.get("results_total", "total"), Some(3));
        assert_eq!(t.get("carried_forward", "total"), Some(2));
        assert!(t.check().is_empty(), "{:?}", t.check());
    }

    #[test]
    fn checks_fail_loudly() {
        let mut t = Table3::compute(&[], 2025);
        if let Some(r) = t.rows.get_mut("granted") {
            r[0] = 1;
        }
        let errs = t.check();
        assert!(errs.iter().any(|e| e.contains("自然人") && e.contains("（七）总计")), "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("granted")), "{errs:?}");
    }

    #[test]
    fn table4_counts_pending_after_year_end() {
        let cases = vec![
            CaseRecord {
                kind: CaseKind::Reconsideration,
                filed_on: d("2025-02-01"),
                decided_on: Some(d("2025-04-01")),
                result: CaseResult::Upheld,
            },
            CaseRecord {
                kind: CaseKind::LitigationDirect,
                filed_on: d("2025-11-01"),
                decided_on: Some(d("2026-02-01")),
                result: CaseResult::Corrected,
            },
        ];
        let t = Table4::compute(&cases, 2025);
        assert_eq!(t.blocks[0], [1, 0, 0, 0, 1]);
        assert_eq!(t.blocks[1], [0, 0, 0, 1, 1]);
        assert!(t.check().is_empty());
    }
}
