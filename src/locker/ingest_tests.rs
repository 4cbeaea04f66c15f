//! Unit tests of ingest: idempotence, chain extension, conflicts,
//! quarantine, without building real bundles.

use super::*;
use crate::locker::record::StoredEvent;
use crate::verify::{Finding, FindingCode, SignatureState};

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
        computed: None,
        received: None,
    }
}

fn count(l: &Locker, table: &str) -> i64 {
    l.db.row(&format!("SELECT count(*) FROM {table}"), &[], |r| r.get(0))
        .unwrap()
}

fn open(dir: &tempfile::TempDir) -> Locker {
    crate::locker::testing::locker(dir.path())
}

#[test]
fn same_chain_is_unchanged_longer_extends_different_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
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
    let mut l = open(&dir);
    let mut r = report("h");
    r.findings.push(Finding::new(
        FindingCode::DigestMismatch,
        "data/x",
        "differs",
    ));
    let rec = BundleRecord::default();
    assert!(matches!(
        l.ingest(&req(&r, &rec)),
        Err(LockerError::NotVerified { problems: 1 })
    ));
    assert_eq!(count(&l, "audit"), 0);
    let mut q = req(&r, &rec);
    q.quarantine = true;
    assert_eq!(l.ingest(&q).unwrap().outcome, IngestOutcome::Quarantined);
    let problems: String =
        l.db.row("SELECT problems_json FROM bundles", &[], |r| r.get(0))
            .unwrap();
    assert!(problems.contains("digest-mismatch"));
}

fn manifest(case: &str, sealed: &str, item: &str, size: u64) -> crate::model::Manifest {
    serde_json::from_value(serde_json::json!({
        "schema": "evidentia/manifest/v2", "bundle_id": "b", "bundle_name": "n",
        "sealed": sealed, "tool": "t",
        "case": {"case_reference": case, "items": [item]},
        "algorithms": ["sha256"], "piece_size": 65536,
        "files": [{"path": "data/x", "original": {"text": "x"}, "size": size,
                   "sha256": "aa".repeat(32), "blake3": "bb".repeat(32)}],
        "symlinks": [], "unreadable": [], "skipped": []
    }))
    .unwrap()
}

fn values(l: &Locker) -> (String, String, String, i64, String) {
    l.db.row(
        "SELECT b.case_ref, b.sealed_at, i.item_ref, f.size, b.status FROM bundles b
         JOIN items i ON i.bundle = b.id JOIN files f ON f.bundle = b.id",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .unwrap()
}

#[test]
fn promotion_rewrites_every_value_and_audits_what_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let mut bad = report("a1");
    bad.findings.push(Finding::new(
        FindingCode::TagDigestMismatch,
        "bag-info.txt",
        "differs",
    ));
    let forged = BundleRecord {
        manifest: Some(manifest("EVIL-9", "2023-01-01T00:00:00Z", "X", 1)),
        events: vec![event(1, "a")],
        ..BundleRecord::default()
    };
    let mut q = req(&bad, &forged);
    q.quarantine = true;
    assert_eq!(l.ingest(&q).unwrap().outcome, IngestOutcome::Quarantined);
    assert_eq!(count(&l, "files") + count(&l, "items"), 0);
    let genuine = BundleRecord {
        manifest: Some(manifest("CASE-1", "2024-05-01T12:00:00Z", "ITEM-1", 6)),
        events: vec![event(1, "a")],
        ..BundleRecord::default()
    };
    let good = report("a1");
    let s = l.ingest(&req(&good, &genuine)).unwrap();
    assert_eq!(
        (s.outcome, s.files, s.events),
        (IngestOutcome::Promoted, 1, 1)
    );
    assert_eq!(
        values(&l),
        (
            "CASE-1".into(),
            "2024-05-01T12:00:00Z".into(),
            "ITEM-1".into(),
            6,
            "verified".into()
        )
    );
    let detail: String =
        l.db.row("SELECT detail FROM audit ORDER BY id DESC", &[], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        detail.contains("\"EVIL-9\"") && detail.contains("2023-01-01"),
        "{detail}"
    );
    // Again: nothing to rewrite.
    assert_eq!(
        l.ingest(&req(&good, &genuine)).unwrap().outcome,
        IngestOutcome::Unchanged
    );
}

#[test]
fn a_verified_record_that_disagrees_with_its_bundle_is_corrected() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let genuine = BundleRecord {
        manifest: Some(manifest("CASE-1", "2024-05-01T12:00:00Z", "ITEM-1", 6)),
        events: vec![event(1, "a"), event(2, "a")],
        ..BundleRecord::default()
    };
    let r = report("a2");
    l.ingest(&req(&r, &genuine)).unwrap();
    // What an older evidentia's promotion left: the quarantined values.
    l.db.execute("UPDATE bundles SET case_ref = 'EVIL-9'", &[])
        .unwrap();
    // A shorter copy of the same chain corrects the values, and keeps the
    // head of the longer chain.
    let shorter = BundleRecord {
        events: vec![event(1, "a")],
        ..genuine.clone()
    };
    let s = l.ingest(&req(&report("a1"), &shorter)).unwrap();
    assert_eq!(s.outcome, IngestOutcome::Corrected);
    assert_eq!(s.head.as_deref(), Some("a2"));
    assert_eq!(values(&l).0, "CASE-1");
}

/// A report of one event, signed by pinned key K, proving `who`.
fn signed_report(who: Option<crate::sign::Identity>) -> VerifyReport {
    let mut r = report("a1");
    let shown = who
        .as_ref()
        .map_or(crate::verify::NO_IDENTITY.to_string(), |w| w.name.clone());
    r.events.push(crate::verify::EventSummary {
        seq: 1,
        action: "seal".into(),
        time: "2024-01-01T00:00:00Z".into(),
        key_id: Some("K".into()),
        signature: SignatureState::Trusted,
        trust: Some(format!("{shown} (K), key pinned in the trust store")),
        event: None,
        sha256: "a1".into(),
        signed_by: Some("K".into()),
        signer_identity: None,
        signer_kind: Some(crate::verify::SignerKind::Pinned),
        certified_identity: who,
    });
    r
}

#[test]
fn the_proven_signer_is_recorded_and_a_new_proof_corrects_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let rec = BundleRecord {
        events: vec![event(1, "a")],
        ..BundleRecord::default()
    };
    let bare = signed_report(None);
    l.ingest(&req(&bare, &rec)).unwrap();
    let signers = |l: &Locker| l.show("urn:uuid:b").unwrap()[0].signers.clone();
    let s = signers(&l);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].key_id, "K");
    assert_eq!(s[0].kind.as_deref(), Some("pinned"));
    assert_eq!(s[0].identity, None, "no certified identity");
    // The trust store now proves an identity for K: the same chain again
    // corrects the record, and the audit row says what it replaced.
    let jana = crate::sign::Identity::new("Jana", "Lab", "CZ", None, None).unwrap();
    let proven = signed_report(Some(jana.clone()));
    let b = &l.show("urn:uuid:b").unwrap()[0].bundle;
    let drift = l.compare(b, &proven, &rec, "z").unwrap();
    assert!(
        drift.iter().any(|d| d.what == "custody event 1 signer"),
        "{drift:?}"
    );
    let out = l.ingest(&req(&proven, &rec)).unwrap();
    assert_eq!(out.outcome, IngestOutcome::Corrected);
    assert_eq!(signers(&l)[0].identity, Some(jana));
    let audit = l.audit_log().unwrap();
    assert!(
        audit[1].detail.contains("custody event 1 signer"),
        "{}",
        audit[1].detail
    );
    let b = &l.show("urn:uuid:b").unwrap()[0].bundle;
    assert_eq!(l.compare(b, &proven, &rec, "z").unwrap(), vec![]);
    assert_eq!(
        l.ingest(&req(&proven, &rec)).unwrap().outcome,
        IngestOutcome::Unchanged
    );
}

#[test]
fn migration_4_keeps_the_claim_apart_and_shows_no_identity() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v3.db");
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        for m in &crate::locker::MIGRATIONS[..3] {
            c.execute_batch(m).unwrap();
        }
        c.execute_batch(
            "PRAGMA user_version = 3;
             INSERT INTO bundles (id, bundle_id, name, status, zip_sha256, ingested_at)
             VALUES (1, 'b', 'n', 'verified', 'z', 't');
             INSERT INTO custody_events (bundle, seq, action, time, signer, event_sha256, event_json)
             VALUES (1, 1, 'seal', 't', 'K', 'h', '{}');
             INSERT INTO signers (key_id, public_key, name, org, country, role, trust_path)
             VALUES ('K', x'00', 'Judge J. Smith', 'Supreme Court', 'CZ', 'judge', 'Judge (K)');",
        )
        .unwrap();
    }
    let l = Locker::open(&p).unwrap();
    assert_eq!(l.version().unwrap(), crate::locker::CURRENT_VERSION);
    let claimed: String =
        l.db.row("SELECT claimed_name FROM signers", &[], |r| r.get(0))
            .unwrap();
    assert_eq!(claimed, "Judge J. Smith", "the claim is kept, renamed");
    let s = &l.show("b").unwrap()[0].signers;
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].kind.as_ref(), s[0].identity.as_ref()), (None, None));
    assert_eq!(s[0].trust_path, None, "an old trust path is not shown");
}

/// Migration 5 records which digests the bundles already ingested hold
/// (what they sealed, and nothing computed at ingest), so a search by MD5
/// can name the bundles it cannot look at.
#[test]
fn migration_5_records_the_sealed_digests_of_old_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v4.db");
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        for m in &crate::locker::MIGRATIONS[..4] {
            c.execute_batch(m).unwrap();
        }
        c.execute_batch(
            "PRAGMA user_version = 4;
             INSERT INTO bundles (id, bundle_id, name, status, zip_sha256, ingested_at)
             VALUES (1, 'default', 'n', 'verified', 'z', 't'), (2, 'with-md5', 'n', 'verified', 'z', 't'),
                    (3, 'empty', 'n', 'verified', 'z', 't');
             INSERT INTO files (bundle, path, size, sha256, blake3) VALUES (1, 'data/a', 1, x'01', x'02');
             INSERT INTO files (bundle, path, size, md5, sha256, blake3)
             VALUES (2, 'data/a', 1, x'03', x'01', x'02'), (2, 'data/b', 1, x'04', x'05', x'06');",
        )
        .unwrap();
    }
    let l = Locker::open(&p).unwrap();
    assert_eq!(l.version().unwrap(), crate::locker::CURRENT_VERSION);
    let held = |row| super::held::held(&l.db, row).unwrap();
    let sealed = |a: &[Algorithm]| -> Vec<(Algorithm, DigestOrigin)> {
        a.iter().map(|a| (*a, DigestOrigin::Sealed)).collect()
    };
    assert_eq!(held(1), sealed(&[Algorithm::Sha256, Algorithm::Blake3]));
    assert_eq!(
        held(2),
        sealed(&[Algorithm::Md5, Algorithm::Sha256, Algorithm::Blake3])
    );
    assert_eq!(
        l.not_held(Algorithm::Md5).unwrap(),
        vec!["default".to_string()]
    );
    assert_eq!(
        l.not_held(Algorithm::Sha1).unwrap(),
        vec!["default".to_string(), "with-md5".to_string()]
    );
    assert!(l.not_held(Algorithm::Sha256).unwrap().is_empty());
    let ingest_cols: i64 =
        l.db.row(
            "SELECT count(*) FROM files WHERE ingest_md5 IS NOT NULL OR ingest_sha1 IS NOT NULL",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ingest_cols, 0, "existing rows get nothing computed");
}

/// A manifest of `paths`, each file's size its index.
fn manifest_of(paths: &[String]) -> crate::model::Manifest {
    let files: Vec<serde_json::Value> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let h = format!("{i:064x}");
            serde_json::json!({"path": p, "original": {"text": p}, "size": i,
                               "sha256": h, "blake3": h})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "schema": "evidentia/manifest/v2", "bundle_id": "b", "bundle_name": "n",
        "sealed": "2024-01-01T00:00:00Z", "tool": "t",
        "case": {"case_reference": "c", "items": ["i"]},
        "algorithms": ["sha256"], "piece_size": 65536,
        "files": files, "symlinks": [], "unreadable": [], "skipped": []
    }))
    .unwrap()
}

#[test]
fn files_are_written_in_batches_every_one_and_a_repeated_path_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    // Two full batches and a rest of 7 (written as 4, 2, 1); one path
    // repeated inside the first batch.
    let mut paths: Vec<String> = (0..2 * BATCH + 7).map(|i| format!("data/f{i}")).collect();
    paths[3] = paths[1].clone();
    let rec = BundleRecord {
        manifest: Some(manifest_of(&paths)),
        events: vec![event(1, "a")],
        ..BundleRecord::default()
    };
    let s = l.ingest(&req(&report("a1"), &rec)).unwrap();
    let distinct = (paths.len() - 1) as u64;
    assert_eq!(s.files, distinct);
    let (n, sizes, last): (u64, i64, i64) =
        l.db.row(
            "SELECT count(DISTINCT path), CAST(sum(size) AS bigint), max(size) FROM files",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let all: i64 = (0..paths.len() as i64).sum();
    assert_eq!(
        (n, sizes, last),
        (distinct, all - 3, paths.len() as i64 - 1)
    );
    assert_eq!(files_insert(2).matches('?').count(), 22);
    assert!(
        files_insert(2).contains("(?12, ?13,"),
        "{}",
        files_insert(2)
    );
}

/// An event of `bundle` signed by key `key`, whose actor claims `name`.
#[cfg(feature = "postgres")]
fn signed_event(bundle: &str, seq: u64, key: &str) -> StoredEvent {
    let ev = crate::model::CustodyEvent {
        kind: crate::model::CUSTODY_EVENT_TYPE.into(),
        bundle_id: bundle.into(),
        seq,
        prev: None,
        action: if seq == 1 { "seal" } else { "transfer" }.into(),
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
    };
    StoredEvent {
        signer: key.into(),
        sha256: format!("{key}{seq}"),
        json: serde_json::to_string(&ev).unwrap(),
        event: Some(ev),
        ..event(seq, "")
    }
}

/// Two ingests that record the same signer keys in opposite orders
/// deadlock on PostgreSQL (READ COMMITTED, the unique key of `signers`);
/// the server aborts one, and ingest runs it again instead of failing.
#[cfg(feature = "postgres")]
#[test]
fn postgres_a_deadlock_on_shared_signer_keys_is_retried() {
    let Some(admin) = crate::locker::pg::test_admin_url() else {
        return;
    };
    let url = crate::locker::pg::fresh_database(&admin);
    let open = || crate::locker::testing::postgres_open(&url);
    let (other, watch, mut l) = (open(), open(), open());
    // Another writer holds K2, uncommitted.
    let tx = other.db.begin(&[]).unwrap();
    let add = "INSERT INTO signers (key_id, public_key) VALUES (?1, ?2)";
    tx.execute(add, &[&"K2", &vec![2u8]]).unwrap();
    let ingest = std::thread::spawn(move || {
        let rec = BundleRecord {
            events: vec![
                signed_event("urn:uuid:b", 1, "K1"),
                signed_event("urn:uuid:b", 2, "K2"),
            ],
            public_keys: [("K1".into(), vec![1]), ("K2".into(), vec![9])].into(),
            ..BundleRecord::default()
        };
        let r = report("K22");
        l.ingest(&req(&r, &rec)).map(|s| (s.outcome, s.events))
    });
    // The ingest has recorded K1 and waits for K2 ...
    while crate::locker::testing::lock_waiters(&watch) == 0 {
        std::thread::sleep(Duration::from_millis(20));
    }
    // ... and the other writer now wants K1: a deadlock. The ingest,
    // waiting longer, is the one the server aborts.
    tx.execute(add, &[&"K1", &vec![1u8]]).unwrap();
    tx.commit().unwrap();
    let done = ingest.join().unwrap();
    assert!(matches!(done, Ok((IngestOutcome::Added, 2))), "{done:?}");
    let keys: Vec<(String, Vec<u8>)> = other
        .db
        .rows(
            "SELECT key_id, public_key FROM signers ORDER BY key_id",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(keys, [("K1".into(), vec![1]), ("K2".into(), vec![2])]);
}

/// Two writers of one bundle on PostgreSQL queue on the bundle's lock: an
/// ingest that starts while another transaction is recording the same
/// bundle waits for it, then finds the record (here a quarantined one,
/// which it promotes) instead of adding the bundle a second time.
#[cfg(feature = "postgres")]
#[test]
fn postgres_writers_of_one_bundle_queue_on_its_lock() {
    use crate::locker::db::Lock;
    let Some(admin) = crate::locker::pg::test_admin_url() else {
        return;
    };
    let url = crate::locker::pg::fresh_database(&admin);
    let open = || crate::locker::testing::postgres_open(&url);
    let (other, mut l) = (open(), open());
    let tx = other.db.begin(&[Lock::Bundle("urn:uuid:b")]).unwrap();
    tx.execute(
        "INSERT INTO bundles (bundle_id, name, status, zip_sha256, ingested_at)
         VALUES ('urn:uuid:b', 'n', 'quarantined', 'z', 't')",
        &[],
    )
    .unwrap();
    let ingest = std::thread::spawn(move || {
        let rec = BundleRecord {
            events: vec![event(1, "a")],
            ..BundleRecord::default()
        };
        l.ingest(&req(&report("a1"), &rec)).map(|s| s.outcome)
    });
    while crate::locker::testing::lock_waiters(&other) == 0 {
        std::thread::sleep(Duration::from_millis(20));
    }
    tx.commit().unwrap();
    let done = ingest.join().unwrap();
    assert!(matches!(done, Ok(IngestOutcome::Promoted)), "{done:?}");
}
