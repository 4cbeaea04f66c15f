//! The bag-info label check on its own, as a forger who edits bag-info.txt
//! and re-hashes it in the tag manifest leaves it: only this check can
//! tell the labels from what the signed manifest.json records.

use super::*;
use crate::bundle::render_bag_info;
use crate::model::{CaseMeta, format_date_utc};

const BYTES: u64 = 5006;
const FILES: u64 = 2;

fn manifest(items: &[&str]) -> Manifest {
    Manifest {
        schema: crate::model::MANIFEST_SCHEMA.into(),
        bundle_id: "8dab84aa-118e-8041-918f-de88b3cf9bf2".into(),
        bundle_name: "b".into(),
        sealed: "2024-05-01T12:00:00Z".into(),
        tool: "evidentia 0.1.0".into(),
        case: CaseMeta {
            case_reference: "CASE-1".into(),
            offence: Some("fraud".into()),
            items: items.iter().map(|s| s.to_string()).collect(),
            ..CaseMeta::default()
        },
        algorithms: vec!["sha256".into()],
        piece_size: 4096,
        piece_algorithm: Some("blake3-tree".into()),
        files: vec![],
        symlinks: vec![],
        unreadable: vec![],
        skipped: vec![],
        items: vec![],
        captures: vec![],
    }
}

/// bag-info.txt as `seal` writes it for `m`.
fn sealed_text(m: &Manifest) -> String {
    let mut labels: Vec<(&str, String)> = vec![
        (
            "Bagging-Date",
            format_date_utc(parse_rfc3339(&m.sealed).unwrap()),
        ),
        ("Bag-Software-Agent", m.tool.clone()),
        ("External-Identifier", format!("urn:uuid:{}", m.bundle_id)),
        ("Payload-Oxum", format!("{BYTES}.{FILES}")),
        ("Bag-Size", human_size(BYTES)),
    ];
    labels.extend(m.case.bag_info_labels());
    String::from_utf8(render_bag_info(&labels)).unwrap()
}

/// The findings of the check on `text` against `m`: (message, expected,
/// actual).
fn findings(text: &str, m: &Manifest) -> Vec<(String, String, String)> {
    let mut r = VerifyReport::default();
    assert!(check(text.as_bytes(), BYTES, FILES, Some(m), &mut r));
    r.findings
        .iter()
        .map(|f| {
            assert_eq!(f.code, FindingCode::BagInfo, "{f:?}");
            (
                f.message.clone(),
                f.expected.clone().unwrap_or_default(),
                f.actual.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn has(got: &[(String, String, String)], message: &str, expected: &str, actual: &str) -> bool {
    got.iter()
        .any(|(m, e, a)| m.contains(message) && e == expected && a == actual)
}

#[test]
fn every_item_number_the_seal_writes_is_accepted() {
    for items in [
        &[][..],
        &["I1"],
        &["I1", "I2"],
        &["7", "8", "9"],
        &["7", "7"],
    ] {
        let m = manifest(items);
        let text = sealed_text(&m);
        assert_eq!(text.matches("Item-Number: ").count(), items.len(), "{text}");
        assert_eq!(findings(&text, &m), vec![], "{items:?}");
    }
}

#[test]
fn a_duplicated_item_number_is_a_finding() {
    let m = manifest(&["I1", "I2"]);
    let text = sealed_text(&m).replace("Item-Number: I2\n", "Item-Number: I2\nItem-Number: I2\n");
    let got = findings(&text, &m);
    assert!(
        has(
            &got,
            "Item-Number appears 3 times; manifest.json records 2",
            "2",
            "3"
        ),
        "{got:?}"
    );
    assert!(
        has(&got, "is not one manifest.json records", "", "I2"),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "{got:?}");
}

#[test]
fn a_dropped_item_number_is_a_finding() {
    let m = manifest(&["I1", "I2", "I3"]);
    let text = sealed_text(&m).replace("Item-Number: I2\n", "");
    let got = findings(&text, &m);
    assert!(has(&got, "appears 2 times", "3", "2"), "{got:?}");
    assert!(
        has(
            &got,
            "an Item-Number manifest.json records is missing",
            "I2",
            ""
        ),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "{got:?}");
    // All of them gone.
    let m = manifest(&["I1"]);
    let text = sealed_text(&m).replace("Item-Number: I1\n", "");
    let got = findings(&text, &m);
    assert!(has(&got, "is missing", "I1", ""), "{got:?}");
}

#[test]
fn an_added_item_number_is_a_finding() {
    let m = manifest(&["I1", "I2"]);
    let text = format!("{}Item-Number: I9\n", sealed_text(&m));
    let got = findings(&text, &m);
    assert!(has(&got, "appears 3 times", "2", "3"), "{got:?}");
    assert!(
        has(&got, "is not one manifest.json records", "", "I9"),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "{got:?}");
    // A bundle without items: any Item-Number is one too many.
    let m = manifest(&[]);
    let text = format!("{}item-number: I9\n", sealed_text(&m));
    let got = findings(&text, &m);
    assert!(
        has(&got, "appears 1 times; manifest.json records 0", "0", "1"),
        "{got:?}"
    );
    assert!(
        has(&got, "is not one manifest.json records", "", "I9"),
        "{got:?}"
    );
}

#[test]
fn a_changed_item_number_is_a_finding() {
    let m = manifest(&["I1", "I2"]);
    let text = sealed_text(&m).replace("Item-Number: I2\n", "Item-Number: I3\n");
    let got = findings(&text, &m);
    assert!(has(&got, "is missing", "I2", ""), "{got:?}");
    assert!(
        has(&got, "is not one manifest.json records", "", "I3"),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "same count, no count finding: {got:?}");
}

#[test]
fn item_numbers_in_another_order_are_a_finding() {
    let m = manifest(&["I1", "I2"]);
    let text = sealed_text(&m).replace(
        "Item-Number: I1\nItem-Number: I2\n",
        "Item-Number: I2\nItem-Number: I1\n",
    );
    let got = findings(&text, &m);
    assert_eq!(
        got,
        vec![(
            "the Item-Number lines are not in the order manifest.json records".into(),
            r#"["I1","I2"]"#.into(),
            r#"["I2","I1"]"#.into(),
        )]
    );
}

#[test]
fn other_case_labels_still_appear_once() {
    let m = manifest(&["I1", "I2"]);
    for label in [
        "Case-Reference: CASE-1",
        "Offence: fraud",
        "Bag-Count: 1\nBag-Count: 1",
    ] {
        let text = format!("{}{label}\n", sealed_text(&m));
        let got = findings(&text, &m);
        let name = label.split(':').next().unwrap();
        assert!(
            has(
                &got,
                &format!("{name} appears 2 times; it must appear once"),
                "1",
                "2"
            ),
            "{label}: {got:?}"
        );
    }
}
