//! Unit tests of ingest: idempotence, chain extension, conflicts,
//! quarantine, without building real bundles.

use super::*;
use crate::locker::record::StoredEvent;
use crate::verify::Finding;

fn event(seq: u64, tag: &str) -> StoredEvent {
    StoredEvent {
        seq,
        action: if seq == 1 {
            "seal".into()
        } else {
            "transfer".into()
        },
        time: "2024-01-01T00:00:00Z".into(),
        signer: "K".into(),
        sha256: format!("{tag}{seq}"),
        json: "{}".into(),
        event: None,
    }
}

fn report(head: &str) -> VerifyReport {
    VerifyReport {
        bundle_id: Some("urn:uuid:b".into()),
        head: Some(head.into()),
        ..VerifyReport::default()
    }
    .all_checks_ran()
}

fn req<'a>(report: &'a VerifyReport, record: &'a BundleRecord) -> IngestRequest<'a> {
    IngestRequest {
        report,
        record,
        zip_sha256: "z".into(),
        location: "/x".into(),
        quarantine: false,
        actor: Actor::default(),
    }
}

fn count(l: &Locker, table: &str) -> i64 {
    l.conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn same_chain_is_unchanged_longer_extends_different_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Locker::open(&dir.path().join("l.db")).unwrap();
    let one = BundleRecord {
        events: vec![event(1, "a")],
        ..BundleRecord::default()
    };
    let r = report("a1");
    assert_eq!(
        l.ingest(&req(&r, &one)).unwrap().outcome,
        IngestOutcome::Added
    );
    assert_eq!(
        l.ingest(&req(&r, &one)).unwrap().outcome,
        IngestOutcome::Unchanged
    );
    let two = BundleRecord {
        events: vec![event(1, "a"), event(2, "a")],
        ..BundleRecord::default()
    };
    let r2 = report("a2");
    let s = l.ingest(&req(&r2, &two)).unwrap();
    assert_eq!(s.outcome, IngestOutcome::Extended);
    assert_eq!((s.events, s.new_events), (2, 1));
    assert_eq!(s.head.as_deref(), Some("a2"));
    // The shorter copy again: nothing new.
    assert_eq!(
        l.ingest(&req(&r, &one)).unwrap().outcome,
        IngestOutcome::Unchanged
    );
    let forked = BundleRecord {
        events: vec![event(1, "a"), event(2, "b"), event(3, "b")],
        ..BundleRecord::default()
    };
    let e = l.ingest(&req(&report("b3"), &forked)).unwrap_err();
    assert!(matches!(e, LockerError::ChainConflict { .. }), "{e}");
    assert_eq!(count(&l, "custody_events"), 2);
    // Every attempt is audited, the refusal included.
    assert_eq!(count(&l, "audit"), 5);
}

#[test]
fn failing_report_is_refused_or_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Locker::open(&dir.path().join("l.db")).unwrap();
    let mut r = report("h");
    r.findings
        .push(Finding::new("digest-mismatch", "data/x", "differs"));
    let rec = BundleRecord::default();
    assert!(matches!(
        l.ingest(&req(&r, &rec)),
        Err(LockerError::NotVerified { problems: 1 })
    ));
    assert_eq!(count(&l, "audit"), 0);
    let mut q = req(&r, &rec);
    q.quarantine = true;
    assert_eq!(l.ingest(&q).unwrap().outcome, IngestOutcome::Quarantined);
    let problems: String = l
        .conn
        .query_row("SELECT problems_json FROM bundles", [], |r| r.get(0))
        .unwrap();
    assert!(problems.contains("digest-mismatch"));
}
