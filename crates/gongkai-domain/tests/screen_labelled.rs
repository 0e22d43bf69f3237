//! Precision and recall of the screen per kind on the labelled set
//! `testdata/screen/labelled.tsv` (realistic sentences; positives with valid check digits,
//! look-alike negatives; at the end written cases modelled on published leaks: labelled phone
//! numbers in new 号段, landlines beside a name, labelled home addresses, and the office numbers and
//! addresses that are not personal data). Prints the table (`cargo test -p gongkai-domain --test screen_labelled
//! -- --nocapture`) and asserts floors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use gongkai_domain::screen::{Kind, screen};

#[derive(Default, Debug)]
struct Count {
    tp: usize,
    fp: usize,
    fn_: usize,
}

#[test]
fn precision_and_recall_per_kind() {
    let data = include_str!("../../../testdata/screen/labelled.tsv");
    let mut counts: BTreeMap<&'static str, Count> = BTreeMap::new();
    let mut mistakes = Vec::new();
    let mut lines = 0;
    for (no, line) in data.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let (expected, text) = line.split_once('\t').unwrap_or_else(|| panic!("line {}: no tab", no + 1));
        let text = text.replace("\\n", "\n");
        let mut want: Vec<(String, String)> = if expected == "-" {
            Vec::new()
        } else {
            expected
                .split(';')
                .map(|e| {
                    let (k, v) = e.split_once('=').unwrap_or_else(|| panic!("line {}: bad label {e}", no + 1));
                    assert!(Kind::parse(k).is_some(), "line {}: unknown kind {k}", no + 1);
                    (k.to_owned(), v.to_owned())
                })
                .collect()
        };
        for f in screen(&text) {
            let c = counts.entry(f.kind.as_str()).or_default();
            match want.iter().position(|(k, v)| k == f.kind.as_str() && *v == f.text) {
                Some(i) => {
                    c.tp += 1;
                    want.remove(i);
                }
                None => {
                    c.fp += 1;
                    mistakes.push(format!("line {}: unexpected {}={} in {text}", no + 1, f.kind, f.text));
                }
            }
        }
        for (k, v) in want {
            let kind = Kind::parse(&k).unwrap();
            counts.entry(kind.as_str()).or_default().fn_ += 1;
            mistakes.push(format!("line {}: missed {k}={v} in {text}", no + 1));
        }
    }
    println!(
        "{lines} labelled lines\n{:<20} {:>5} {:>5} {:>5} {:>9} {:>7}",
        "kind", "tp", "fp", "fn", "precision", "recall"
    );
    let mut worst = Vec::new();
    for (kind, c) in &counts {
        let precision = c.tp as f64 / (c.tp + c.fp).max(1) as f64;
        let recall = c.tp as f64 / (c.tp + c.fn_).max(1) as f64;
        println!("{kind:<20} {:>5} {:>5} {:>5} {precision:>9.3} {recall:>7.3}", c.tp, c.fp, c.fn_);
        if precision < 0.95 || recall < 0.95 {
            worst.push(format!("{kind}: precision {precision:.3}, recall {recall:.3}"));
        }
    }
    for m in mistakes.iter().take(30) {
        println!("{m}");
    }
    assert!(lines >= 500, "the labelled set is too small: {lines}");
    for kind in ["id_card", "mobile", "bank_card", "email", "classified_marking", "licence_plate", "passport"] {
        assert!(counts.get(kind).is_some_and(|c| c.tp >= 10), "too few positives of {kind}");
    }
    // The written cases at the end of the set (patterns of published leaks).
    for kind in ["landline", "address"] {
        assert!(counts.get(kind).is_some_and(|c| c.tp >= 4), "too few positives of {kind}");
    }
    assert!(worst.is_empty(), "below the 0.95 floor:\n{}\n{}", worst.join("\n"), mistakes.join("\n"));
}
