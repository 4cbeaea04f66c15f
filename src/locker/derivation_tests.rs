//! Unit tests of the locker's record of proportional disclosure: a
//! derived bundle's proven origin, an original's export events, and the
//! link between them whichever is ingested first.

use super::*;
use crate::locker::Locker;
use crate::locker::ingest::{Actor, IngestOutcome, IngestRequest};
use crate::locker::record::{BundleRecord, StoredEvent};
use crate::model::disclosure::ExportedTo;
use crate::model::{CUSTODY_EVENT_TYPE, Party};
use crate::verify::{Finding, FindingCode, Provenance, VerifyReport};

const ORIGINAL: &str = "urn:uuid:original";
const DERIVED: &str = "urn:uuid:derived";

fn custody(bundle: &str, seq: u64, action: &str) -> CustodyEvent {
    CustodyEvent {
        kind: CUSTODY_EVENT_TYPE.into(),
        bundle_id: bundle.into(),
        seq,
        prev: None,
        action: action.into(),
        time: "2024-06-01T10:00:00Z".into(),
        actor: crate::model::Actor::default(),
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

fn stored(ev: CustodyEvent, sha256: &str) -> StoredEvent {
    StoredEvent {
        seq: ev.seq,
        action: ev.action.clone(),
        time: ev.time.clone(),
        signer: "K".into(),
        sha256: sha256.into(),
        json: serde_json::to_string(&ev).unwrap(),
        event: Some(ev),
    }
}

/// The original: sealed, then an export of `to` whose seal is `head`.
fn original(exports: &[(&str, &str)]) -> BundleRecord {
    let mut events = vec![stored(custody(ORIGINAL, 1, "seal"), "o1")];
    for (i, (to, head)) in exports.iter().enumerate() {
        let mut ev = custody(ORIGINAL, 2 + i as u64, "export");
        ev.purpose = Some("MLA 17".into());
        ev.exported_to = Some(ExportedTo {
            bundle_id: (*to).into(),
            custody_head: (*head).into(),
            files: 2,
            selection_sha256: "5b".repeat(32),
        });
        events.push(stored(ev, &format!("o{}", 2 + i)));
    }
    BundleRecord {
        events,
        ..BundleRecord::default()
    }
}

/// A derived bundle whose seal event file hashes to `seal`.
fn derived(seal: &str) -> BundleRecord {
    BundleRecord {
        events: vec![stored(custody(DERIVED, 1, "seal"), seal)],
        ..BundleRecord::default()
    }
}

fn provenance(recorded: bool) -> Provenance {
    Provenance {
        original_bundle_id: ORIGINAL.into(),
        original_sealed: "2024-05-01T12:00:00Z".into(),
        original_key_id: "cd".repeat(32),
        original_signer: Some(Party {
            key_id: Some("cd".repeat(32)),
            name: Some("Olga".into()),
            organisation: Some("Lab".into()),
            country: Some("CZ".into()),
        }),
        original_custody_head: "o1".into(),
        purpose: Some("MLA 17".into()),
        disclosed: 2,
        withheld: 8,
        recorded_at_source: recorded,
        manifest_revealed: false,
    }
}

fn report(id: &str, head: &str, provenance: Option<Provenance>) -> VerifyReport {
    VerifyReport {
        bundle_id: Some(id.into()),
        head: Some(head.into()),
        provenance,
        ..VerifyReport::default()
    }
    .all_checks_ran()
}

fn ingest(l: &mut Locker, r: &VerifyReport, rec: &BundleRecord) -> IngestOutcome {
    l.ingest(&IngestRequest {
        report: r,
        record: rec,
        zip_sha256: "z".into(),
        location: "/x".into(),
        quarantine: true,
        actor: Actor::default(),
        computed: None,
        received: None,
    })
    .unwrap()
    .outcome
}

fn detail(l: &Locker, id: &str) -> crate::locker::BundleDetail {
    l.show(id).unwrap().remove(0)
}

fn open() -> (tempfile::TempDir, Locker) {
    let dir = tempfile::tempdir().unwrap();
    let l = Locker::open(&dir.path().join("l.db")).unwrap();
    (dir, l)
}

#[test]
fn derived_then_original_are_linked_both_ways() {
    let (_d, mut l) = open();
    let dr = report(DERIVED, "d1", Some(provenance(true)));
    assert_eq!(ingest(&mut l, &dr, &derived("d1")), IngestOutcome::Added);
    let d = detail(&l, DERIVED);
    let origin = d.origin.clone().unwrap();
    assert_eq!(origin.derivation, Derivation::from_report(&dr).unwrap());
    assert_eq!(
        origin.original, None,
        "the original is not in the locker yet"
    );
    assert_eq!(d.bundle.exported_from.as_deref(), Some(ORIGINAL));
    // The original arrives, its chain naming the derived bundle's seal.
    let or = report(ORIGINAL, "o2", None);
    let rec = original(&[(DERIVED, "d1")]);
    assert_eq!(ingest(&mut l, &or, &rec), IngestOutcome::Added);
    let o = detail(&l, ORIGINAL);
    assert!(o.origin.is_none() && o.bundle.exported_from.is_none());
    assert_eq!(o.derived.len(), 1);
    assert_eq!(o.derived[0].bundle.bundle_id, DERIVED);
    assert_eq!(o.derived[0].bundle.mention, ExportMention::Recorded(2));
    assert_eq!(o.exports.len(), 1);
    assert_eq!(o.exports[0].export.derived_bundle_id, DERIVED);
    assert_eq!(o.exports[0].export.purpose.as_deref(), Some("MLA 17"));
    assert_eq!(o.exports[0].derived_status.as_deref(), Some("verified"));
    assert_eq!(o.exports[0].seal_matches, Some(true));
    let d = detail(&l, DERIVED);
    let linked = d.origin.unwrap().original.unwrap();
    assert_eq!(linked.status, "verified");
    assert_eq!(linked.mention, ExportMention::Recorded(2));
    // Ingesting both again changes nothing.
    assert_eq!(
        ingest(&mut l, &dr, &derived("d1")),
        IngestOutcome::Unchanged
    );
    assert_eq!(ingest(&mut l, &or, &rec), IngestOutcome::Unchanged);
}

#[test]
fn original_then_derived_and_what_the_chain_does_not_say() {
    let (_d, mut l) = open();
    // The original records an export of another seal under the derived
    // bundle's id, and one of a bundle the locker does not hold.
    let rec = original(&[(DERIVED, "other"), ("urn:uuid:elsewhere", "e1")]);
    ingest(&mut l, &report(ORIGINAL, "o3", None), &rec);
    let o = detail(&l, ORIGINAL);
    assert_eq!(o.exports.len(), 2);
    assert!(o.derived.is_empty());
    assert_eq!(o.exports[1].derived_status, None);
    assert_eq!(o.exports[1].seal_matches, None);
    let dr = report(DERIVED, "d1", Some(provenance(false)));
    ingest(&mut l, &dr, &derived("d1"));
    let o = detail(&l, ORIGINAL);
    assert_eq!(o.exports[0].seal_matches, Some(false));
    assert_eq!(o.derived[0].bundle.mention, ExportMention::OtherSeal(2));
    assert!(!o.derived[0].derivation.recorded_at_source);
    let linked = detail(&l, DERIVED).origin.unwrap().original.unwrap();
    assert_eq!(linked.mention, ExportMention::OtherSeal(2));
}

#[test]
fn a_failing_copy_records_no_origin_and_no_export() {
    let (_d, mut l) = open();
    let mut dr = report(DERIVED, "d1", Some(provenance(true)));
    dr.findings.push(Finding::new(
        FindingCode::DigestMismatch,
        "data/x",
        "differs",
    ));
    assert_eq!(
        ingest(&mut l, &dr, &derived("d1")),
        IngestOutcome::Quarantined
    );
    assert_eq!(Derivation::from_report(&dr), None);
    let d = detail(&l, DERIVED);
    assert!(d.origin.is_none() && d.bundle.exported_from.is_none());
    let mut or = report(ORIGINAL, "o2", None);
    or.findings.push(Finding::new(
        FindingCode::DigestMismatch,
        "data/x",
        "differs",
    ));
    ingest(&mut l, &or, &original(&[(DERIVED, "d1")]));
    assert!(detail(&l, ORIGINAL).exports.is_empty());
    // A quarantined original is shown as such from the derived bundle,
    // once that one verifies (promotion records its origin).
    let good = report(DERIVED, "d1", Some(provenance(true)));
    assert_eq!(
        ingest(&mut l, &good, &derived("d1")),
        IngestOutcome::Promoted
    );
    let linked = detail(&l, DERIVED).origin.unwrap().original.unwrap();
    assert_eq!(linked.status, "quarantined");
    assert_eq!(linked.mention, ExportMention::Absent);
}

#[test]
fn a_verified_copy_corrects_a_changed_origin_and_drift_shows_it() {
    let (_d, mut l) = open();
    let dr = report(DERIVED, "d1", Some(provenance(true)));
    ingest(&mut l, &dr, &derived("d1"));
    l.legacy()
        .execute("UPDATE derivations SET withheld = 0", [])
        .unwrap();
    let recorded = Derivation::read(l.legacy(), 1).unwrap();
    let changes = diff(recorded.as_ref(), Derivation::from_report(&dr).as_ref());
    assert_eq!(changes.len(), 1);
    assert!(changes[0].recorded.contains("0 withheld"), "{changes:?}");
    assert!(changes[0].bundle.contains("8 withheld"), "{changes:?}");
    assert_eq!(
        ingest(&mut l, &dr, &derived("d1")),
        IngestOutcome::Corrected
    );
    assert_eq!(
        Derivation::read(l.legacy(), 1).unwrap().unwrap().withheld,
        8
    );
}

#[test]
fn exports_are_append_only_and_compared_with_the_chain() {
    let (_d, mut l) = open();
    let rec = original(&[(DERIVED, "d1")]);
    ingest(&mut l, &report(ORIGINAL, "o2", None), &rec);
    let e = l
        .legacy()
        .execute("UPDATE exports SET files = 1", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = l.legacy().execute("DELETE FROM exports", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let events: Vec<_> = rec.events.iter().map(|e| e.event.as_ref()).collect();
    let recorded = ExportRecord::read(l.legacy(), 1).unwrap();
    assert!(diff_exports(&recorded, &events).is_empty());
    // A record missing the export (or a copy naming another) is drift.
    let d = diff_exports(&[], &events);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].what, "custody event 2 export");
    // A shorter copy of the chain says nothing about the events past it.
    assert!(diff_exports(&recorded, &events[..1]).is_empty());
}

#[test]
fn migration_7_fills_exports_from_verified_chains() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v6.db");
    let rec = original(&[(DERIVED, "d1")]);
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        for m in &crate::locker::MIGRATIONS[..6] {
            c.execute_batch(m).unwrap();
        }
        c.execute_batch("PRAGMA user_version = 6").unwrap();
        for (id, bid, status) in [(1, ORIGINAL, "verified"), (2, "urn:uuid:q", "quarantined")] {
            c.execute(
                "INSERT INTO bundles (id, bundle_id, name, status, zip_sha256, ingested_at)
                 VALUES (?1, ?2, 'n', ?3, 'z', 't')",
                rusqlite::params![id, bid, status],
            )
            .unwrap();
            for ev in &rec.events {
                c.execute(
                    "INSERT INTO custody_events (bundle, seq, action, time, signer, event_sha256,
                     event_json) VALUES (?1, ?2, ?3, 't', 'K', ?4, ?5)",
                    rusqlite::params![id, ev.seq as i64, ev.action, ev.sha256, ev.json],
                )
                .unwrap();
            }
        }
    }
    let l = Locker::open(&p).unwrap();
    assert_eq!(l.version().unwrap(), crate::locker::CURRENT_VERSION);
    let got = ExportRecord::read(l.legacy(), 1).unwrap();
    assert_eq!(
        got,
        vec![ExportRecord::from_event(rec.events[1].event.as_ref().unwrap()).unwrap()]
    );
    assert!(
        ExportRecord::read(l.legacy(), 2).unwrap().is_empty(),
        "never from a failing copy"
    );
}
