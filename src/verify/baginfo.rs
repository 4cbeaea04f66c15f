//! `bag-info.txt`: the labels other BagIt tools show must say what the
//! signed manifest.json says, once.
//!
//! Invariants:
//! - Every occurrence of a label is checked, never only the first: a
//!   label evidentia writes once (the reserved BagIt labels, the bundle id
//!   and the case labels) that appears twice is a finding, whatever the
//!   values, since another tool may show either one.
//! - `Item-Number` is the one repeated label: its values, in order, must be
//!   exactly the item numbers manifest.json records (none when it records
//!   none), so a line added, dropped, repeated, changed or moved is a
//!   finding.
//! - `Payload-Oxum` and `External-Identifier` appear exactly once and equal
//!   the payload and the bundle id; `Bagging-Date`, `Bag-Software-Agent`,
//!   `Bag-Size` and the case labels equal what manifest.json records.
//! - Labels evidentia does not write are allowed (the tag manifest and the
//!   seal cover them) but never shown as case facts.

use super::{Finding, FindingCode, VerifyReport};
use crate::bundle::{human_size, layout, parse_bag_info};
use crate::model::{Manifest, parse_rfc3339};

/// Labels that `seal` writes once and that must not repeat.
const RESERVED_SINGLE: [&str; 7] = [
    "Bagging-Date",
    "Bag-Size",
    "Payload-Oxum",
    "Bag-Group-Identifier",
    "Bag-Count",
    "External-Identifier",
    "Bag-Software-Agent",
];

/// The label `seal` writes once per item number, in manifest.json's order.
const ITEM_NUMBER: &str = "Item-Number";

/// A value as `parse_bag_info` gives it back from what `render_bag_info`
/// wrote: line ends unified, each line trimmed.
fn normal(v: &str) -> String {
    v.replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Check `text` (the bytes of bag-info.txt) against the payload (`bytes`
/// in `files`) and manifest.json; returns whether it could be parsed.
pub fn check(
    text: &[u8],
    bytes: u64,
    files: u64,
    manifest: Option<&Manifest>,
    report: &mut VerifyReport,
) -> bool {
    let labels = match parse_bag_info(text) {
        Ok(l) => l,
        Err(e) => {
            report.findings.push(Finding::new(
                FindingCode::BagInfo,
                layout::BAG_INFO,
                e.to_string(),
            ));
            return false;
        }
    };
    let all = |l: &str| -> Vec<&str> {
        labels
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(l))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let mut expected: Vec<(&str, String)> = vec![("Payload-Oxum", format!("{bytes}.{files}"))];
    if let Some(m) = manifest {
        expected.push(("External-Identifier", format!("urn:uuid:{}", m.bundle_id)));
        expected.push(("Bag-Software-Agent", m.tool.clone()));
        expected.push(("Bag-Size", human_size(bytes)));
        if let Ok(t) = parse_rfc3339(&m.sealed) {
            expected.push(("Bagging-Date", crate::model::format_date_utc(t)));
        }
        expected.extend(m.case.bag_info_labels());
    }
    if let Some(m) = manifest {
        check_items(&all(ITEM_NUMBER), &m.case.items, report);
    }
    // Item-Number is compared as a list above; every other label
    // evidentia writes appears once.
    expected.retain(|(l, _)| *l != ITEM_NUMBER);
    let mut single: Vec<&str> = RESERVED_SINGLE.to_vec();
    single.extend(expected.iter().map(|(l, _)| *l));
    single.sort_unstable();
    single.dedup();
    for label in single {
        let n = all(label).len();
        if n > 1 {
            report.findings.push(Finding::values(
                FindingCode::BagInfo,
                layout::BAG_INFO,
                format!("{label} appears {n} times; it must appear once (other tools may show either value)"),
                "1",
                n.to_string(),
            ));
        }
    }
    for (label, want) in &expected {
        let code = if *label == "Payload-Oxum" {
            FindingCode::PayloadOxum
        } else {
            FindingCode::BagInfo
        };
        let got = all(label);
        // Payload-Oxum is what bag-info declares (expected) against the
        // payload (actual), as BagIt tools report it.
        let oxum = *label == "Payload-Oxum";
        let pair = |declared: &str| {
            if oxum {
                (declared.to_string(), want.clone())
            } else {
                (want.clone(), declared.to_string())
            }
        };
        if got.is_empty() {
            let (e, a) = pair("");
            report.findings.push(Finding::values(
                code,
                layout::BAG_INFO,
                format!("{label} is missing"),
                e,
                a,
            ));
        }
        for v in got.into_iter().filter(|v| normal(v) != normal(want)) {
            let what = match *label {
                "Payload-Oxum" => "Payload-Oxum does not match the payload".to_string(),
                "External-Identifier" => "External-Identifier differs from the bundle id".into(),
                _ => format!("{label} differs from what manifest.json records"),
            };
            let (e, a) = pair(v);
            report
                .findings
                .push(Finding::values(code, layout::BAG_INFO, what, e, a));
        }
    }
    true
}

/// The `Item-Number` values bag-info.txt holds (`got`) against the item
/// numbers manifest.json records (`want`): the same values, as many times,
/// in the same order (`seal` writes them in manifest.json's order).
fn check_items(got: &[&str], want: &[String], report: &mut VerifyReport) {
    let got: Vec<String> = got.iter().map(|v| normal(v)).collect();
    let want: Vec<String> = want.iter().map(|v| normal(v)).collect();
    if got == want {
        return;
    }
    let mut push = |what: String, e: String, a: String| {
        report.findings.push(Finding::values(
            FindingCode::BagInfo,
            layout::BAG_INFO,
            what,
            e,
            a,
        ));
    };
    if got.len() != want.len() {
        push(
            format!(
                "{ITEM_NUMBER} appears {} times; manifest.json records {} item numbers",
                got.len(),
                want.len()
            ),
            want.len().to_string(),
            got.len().to_string(),
        );
    }
    // What one list holds more often than the other, value by value:
    // sorted copies merged, so a hostile list of millions stays linear.
    let (mut w, mut g) = (want.clone(), got.clone());
    w.sort_unstable();
    g.sort_unstable();
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    let (mut wi, mut gi) = (w.into_iter().peekable(), g.into_iter().peekable());
    loop {
        match (wi.peek(), gi.peek()) {
            (Some(a), Some(b)) if a == b => {
                wi.next();
                gi.next();
            }
            (Some(a), Some(b)) if a < b => missing.extend(wi.next()),
            (Some(_), None) => missing.extend(wi.next()),
            (_, Some(_)) => extra.extend(gi.next()),
            (None, None) => break,
        }
    }
    if missing.is_empty() && extra.is_empty() {
        // The same values, as many times, in another order: another tool
        // lists the items differently from manifest.json.
        let list = |l: &[String]| serde_json::to_string(l).unwrap_or_default();
        push(
            format!("the {ITEM_NUMBER} lines are not in the order manifest.json records"),
            list(&want),
            list(&got),
        );
    }
    for m in missing {
        push(
            format!("an {ITEM_NUMBER} manifest.json records is missing"),
            m,
            String::new(),
        );
    }
    for x in extra {
        push(
            format!("an {ITEM_NUMBER} is not one manifest.json records"),
            String::new(),
            x,
        );
    }
}

#[cfg(test)]
#[path = "baginfo_tests.rs"]
mod tests;
