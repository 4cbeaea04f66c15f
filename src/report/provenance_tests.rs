//! Tests of the report's provenance section, timeline fields and CASE
//! nodes (the graph's validity against the ontology is checked by the
//! command-line tests with `case_validate`).

use super::*;
use crate::model::disclosure::ExportedTo;
use crate::model::{Actor, CUSTODY_EVENT_TYPE, Party};
use crate::report::{EventFacts, Format, ReportInput, render};
use crate::sign::Identity;
use crate::verify::EventSummary;

const ORIGINAL: &str = "urn:uuid:11111111-2222-4333-8444-555555555555";

fn event(seq: u64, action: &str) -> CustodyEvent {
    CustodyEvent {
        kind: CUSTODY_EVENT_TYPE.into(),
        bundle_id: "urn:uuid:derived".into(),
        seq,
        prev: None,
        action: action.into(),
        time: "2024-06-01T10:00:00Z".into(),
        actor: Actor {
            key_id: Some("ab".repeat(32)),
            name: Some("Claimed Name".into()),
            ..Actor::default()
        },
        tagmanifest_sha256: "00".repeat(32),
        recipient: None,
        completes: None,
        received_ciphertext_sha256: None,
        disclosure: None,
        exported_from: None,
        exported_to: None,
        location: None,
        purpose: None,
        note: None,
    }
}

fn exported_from(recorded: bool) -> ExportedFrom {
    ExportedFrom {
        bundle_id: ORIGINAL.into(),
        custody_head: "cd".repeat(32),
        seal_sha256: "ef".repeat(32),
        files: 2,
        selection_sha256: "12".repeat(32),
        recorded_at_source: recorded,
        manifest_revealed: false,
    }
}

fn summary(seq: u64, certified: Option<&str>) -> EventSummary {
    EventSummary {
        seq,
        action: "seal".into(),
        time: "2024-06-01T10:00:00Z".into(),
        key_id: Some("ab".repeat(32)),
        signature: SignatureState::Trusted,
        trust: None,
        event: None,
        sha256: String::new(),
        signed_by: Some("ab".repeat(32)),
        signer_identity: None,
        signer_kind: None,
        certified_identity: certified.map(|n| Identity {
            name: n.into(),
            org: "Export Lab".into(),
            country: "AT".into(),
            email: None,
            role: None,
        }),
    }
}

fn provenance(recorded: bool, signer: bool) -> Provenance {
    Provenance {
        original_bundle_id: ORIGINAL.into(),
        original_sealed: "2024-05-01T12:00:00Z".into(),
        original_key_id: "cd".repeat(32),
        original_signer: signer.then(|| Party {
            key_id: Some("cd".repeat(32)),
            name: Some("Olga Original".into()),
            organisation: Some("Seizing Lab".into()),
            country: Some("CZ".into()),
        }),
        original_custody_head: "cd".repeat(32),
        purpose: Some("MLA request 17".into()),
        disclosed: 2,
        withheld: 49_998,
        recorded_at_source: recorded,
        manifest_revealed: false,
    }
}

fn markdown(r: &VerifyReport, f: &BundleFacts) -> String {
    let input = ReportInput {
        verify: r,
        facts: f,
        bundle_name: "sub.zip",
        generated: "2024-06-02T00:00:00Z",
        ciphertext: None,
    };
    let mut out = Vec::new();
    render(&input, Format::Markdown, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn derived_facts(recorded: bool) -> BundleFacts {
    let mut seal = event(1, "seal");
    seal.exported_from = Some(exported_from(recorded));
    seal.purpose = Some("MLA request 17".into());
    let mut f = BundleFacts::default();
    f.events.push(EventFacts {
        member: "custody/000001-seal.json".into(),
        event: seal,
    });
    f
}

#[test]
fn a_proven_derived_bundle_names_origin_signer_exporter_and_counts() {
    let mut r = VerifyReport {
        provenance: Some(provenance(true, true)),
        ..VerifyReport::default()
    }
    .all_checks_ran();
    r.events.push(summary(1, Some("Erik Exporter")));
    let md = markdown(&r, &derived_facts(true));
    for want in [
        "Provenance (an exported bundle)",
        ORIGINAL,
        "Olga Original",
        "Erik Exporter",
        "2024-05-01T12:00:00Z",
        "MLA request 17",
        "49998 files of the original, not disclosed",
        "2 files, each proven",
        "yes: the original's custody chain records the export",
        "not revealed",
        "provenance/",
    ] {
        assert!(md.contains(want), "{want} missing:\n{md}");
    }
    // The seal event's claimed actor never names anyone.
    assert!(!md.contains("Claimed Name"));
    assert!(!md.contains("NOT recorded"));
}

#[test]
fn an_unrecorded_export_and_unproven_signers_are_said_plainly() {
    let mut r = VerifyReport {
        provenance: Some(provenance(false, false)),
        ..VerifyReport::default()
    }
    .all_checks_ran();
    r.events.push(summary(1, None));
    let md = markdown(&r, &derived_facts(false));
    assert!(
        md.contains("the export was NOT recorded in the original's custody chain"),
        "{md}"
    );
    assert!(md.contains(&format!("key {} (no certified identity)", "cd".repeat(32))));
    assert!(md.contains(&format!("key {} (no certified identity)", "ab".repeat(32))));
    assert!(!md.contains("Olga"));
}

#[test]
fn a_failing_bundle_proves_no_origin_whatever_verify_filled() {
    let (mut r, f) = derived_report(true);
    r.findings.push(crate::verify::Finding::new(
        crate::verify::FindingCode::DigestMismatch,
        "data/x",
        "differs",
    ));
    let md = markdown(&r, &f);
    assert!(md.contains("NOT PROVEN: this bundle's seal claims"), "{md}");
    assert!(!md.contains("proven to be as sealed by"), "{md}");
    assert!(!md.contains("Olga"), "{md}");
}

#[test]
fn an_unproven_origin_is_only_a_claim() {
    let r = VerifyReport::default();
    let md = markdown(&r, &derived_facts(true));
    assert!(md.contains("NOT PROVEN: this bundle's seal claims"), "{md}");
    assert!(!md.contains("proven to be as sealed by"));
    // Not derived at all: no section.
    let mut plain = BundleFacts::default();
    plain.events.push(EventFacts {
        member: "custody/000001-seal.json".into(),
        event: event(1, "seal"),
    });
    assert!(!markdown(&r, &plain).contains("Provenance"));
}

#[test]
fn an_export_event_names_the_bundle_that_left() {
    let mut ev = event(3, "export");
    ev.exported_to = Some(ExportedTo {
        bundle_id: "urn:uuid:sub".into(),
        custody_head: "9a".repeat(32),
        files: 10,
        selection_sha256: "5b".repeat(32),
    });
    let text: Vec<String> = event_fields(&ev)
        .iter()
        .map(|(l, c)| format!("{l}: {}", c.raw_text()))
        .collect();
    assert_eq!(
        text[0],
        "Exported to: derived bundle urn:uuid:sub, 10 files disclosed"
    );
    assert!(text[1].contains(&"5b".repeat(32)) && text[1].contains(&"9a".repeat(32)));
    assert!(event_fields(&event(2, "transfer")).is_empty());
}

/// A derived bundle whose origin verify proved, with certified signers;
/// the export recorded at the source or not.
fn derived_report(recorded: bool) -> (VerifyReport, BundleFacts) {
    let mut r = VerifyReport {
        provenance: Some(provenance(recorded, true)),
        ..VerifyReport::default()
    }
    .all_checks_ran();
    r.events.push(summary(1, Some("Erik Exporter")));
    (r, derived_facts(recorded))
}

mod case {
    use super::*;
    use crate::report::{Format, ReportInput, render};
    use serde_json::Value;

    fn case(r: &crate::verify::VerifyReport, f: &crate::report::BundleFacts) -> Value {
        let input = ReportInput {
            verify: r,
            facts: f,
            bundle_name: "sub.zip",
            generated: "2024-06-02T00:00:00Z",
            ciphertext: None,
        };
        let mut out = Vec::new();
        render(&input, Format::Case, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    fn nodes<'a>(g: &'a Value, kind: &str) -> Vec<&'a Value> {
        g["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["@type"] == kind)
            .collect()
    }

    #[test]
    fn a_proven_export_is_an_action_from_the_original_to_this_bundle() {
        let (r, f) = derived_report(false);
        let g = case(&r, &f);
        let archives = nodes(&g, "uco-observable:ArchiveFile");
        assert_eq!(archives.len(), 1);
        let original = archives[0]["@id"].as_str().unwrap();
        let actions = nodes(&g, "case-investigation:InvestigativeAction");
        let export = actions
            .iter()
            .find(|a| a["uco-core:name"].as_str().unwrap().starts_with("export"))
            .unwrap();
        assert_eq!(export["uco-action:object"][0]["@id"], original);
        let desc = export["uco-core:description"].as_str().unwrap();
        assert!(
            desc.contains("49998 files of the original withheld"),
            "{desc}"
        );
        assert!(desc.contains("NOT recorded"), "{desc}");
        let seal = actions
            .iter()
            .find(|a| {
                a["uco-core:name"]
                    .as_str()
                    .unwrap()
                    .starts_with("seal of the original")
            })
            .unwrap();
        assert_eq!(seal["uco-action:result"][0]["@id"], original);
        assert_eq!(
            export["case-investigation:wasInformedBy"][0]["@id"],
            seal["@id"]
        );
        // This bundle's seal follows the export; its records came from the
        // original.
        let first = actions
            .iter()
            .find(|a| a["uco-core:name"] == "custody event 1: seal")
            .unwrap();
        assert_eq!(
            first["case-investigation:wasInformedBy"][0]["@id"],
            export["@id"]
        );
        for rec in nodes(&g, "case-investigation:ProvenanceRecord") {
            assert_eq!(rec["case-investigation:wasDerivedFrom"][0]["@id"], original);
        }
        // The original signer is a Person named by the proven identity.
        let text = g.to_string();
        assert!(text.contains("Olga Original") && text.contains("Erik Exporter"));
        assert!(!text.contains("Claimed Name"));
    }

    #[test]
    fn an_unproven_origin_adds_no_derivation() {
        let (mut r, f) = derived_report(true);
        r.provenance = None;
        let g = case(&r, &f);
        assert!(nodes(&g, "uco-observable:ArchiveFile").is_empty());
        assert!(!g.to_string().contains("Olga"));
    }

    #[test]
    fn an_export_event_results_in_the_derived_bundle() {
        let mut f = BundleFacts::default();
        f.events.push(EventFacts {
            member: "custody/000001-seal.json".into(),
            event: event(1, "seal"),
        });
        let mut ex = event(2, "export");
        ex.purpose = Some("MLA 17".into());
        ex.exported_to = Some(ExportedTo {
            bundle_id: "urn:uuid:sub".into(),
            custody_head: "9a".repeat(32),
            files: 10,
            selection_sha256: "5b".repeat(32),
        });
        f.events.push(EventFacts {
            member: "custody/000002-export.json".into(),
            event: ex,
        });
        let g = case(&VerifyReport::default(), &f);
        let archives = nodes(&g, "uco-observable:ArchiveFile");
        assert_eq!(archives.len(), 1);
        assert_eq!(archives[0]["uco-core:name"], "evidence bundle urn:uuid:sub");
        let actions = nodes(&g, "case-investigation:InvestigativeAction");
        let export = actions
            .iter()
            .find(|a| a["uco-core:name"] == "custody event 2: export")
            .unwrap();
        assert_eq!(export["uco-action:result"][0]["@id"], archives[0]["@id"]);
        assert_eq!(
            export["uco-core:description"],
            "MLA 17; exported 10 files to bundle urn:uuid:sub"
        );
    }
}
