use super::super::testing;
use super::*;

/// A source locker with a row (or more) in every table: ids with gaps,
/// NULLs, bytes that are not UTF-8, text that COPY escapes.
fn source(dir: &Path) -> PathBuf {
    let path = dir.join("source.db");
    let l = Locker::open(&path).unwrap();
    l.db.batch(
        "INSERT INTO bundles (id, bundle_id, name, case_ref, status, zip_sha256, custody_head,
             sealed_at, ingested_at, store_path, received_sha256, received_bytes, received_path)
         VALUES (5, 'urn:uuid:a', 'bag\tone', 'CASE-1', 'verified', 'z1', 'h1', 's', '2026-01-01',
                 '/store/a', NULL, NULL, NULL),
                (9, 'urn:uuid:b', 'été\\n\n', NULL, 'quarantined', 'z2', NULL, NULL, '2026-01-02',
                 NULL, NULL, NULL, NULL);
         INSERT INTO items (id, bundle, item_ref, description) VALUES (3, 5, 'ITEM-1', NULL);
         INSERT INTO files (id, bundle, path, path_bytes, size, md5, sha256, ingest_sha1)
         VALUES (7, 5, 'data/a', x'ff00fe', 12, x'00112233445566778899aabbccddeeff', x'aa', x''),
                (8, 5, 'data/b', NULL, 0, NULL, x'bb', NULL);
         INSERT INTO custody_events (id, bundle, seq, action, time, signer, event_sha256, event_json)
         VALUES (4, 5, 1, 'seal', 't', 'k1', 'e1', '{\"a\": \"\\\\\"}'),
                (6, 5, 2, 'export', 't2', 'k1', 'e2', '{}');
         INSERT INTO signers (key_id, public_key, claimed_name) VALUES ('k1', x'0102', 'Ann'),
                ('K0', x'03', NULL);
         INSERT INTO audit (id, time, action, actor, host, bundle_id, result, custody_head, detail)
         VALUES (2, 't', 'ingest', 'ann', 'h', 'urn:uuid:a', 'ok', 'h1', ''),
                (11, 't', 'ingest', 'bob', 'h', NULL, 'refused', NULL, 'why');
         INSERT INTO hashsets (id, name, kind, source, format, algorithms, imported_at, entries)
         VALUES (3, 'nsrl', 'known-good', '/x', 'sums', 'md5,sha256', 't', 3);
         INSERT INTO hashset_entries (hashset, md5, sha256, name, size)
         VALUES (3, x'00112233445566778899aabbccddeeff', NULL, 'a.exe', 12),
                (3, NULL, x'aa', NULL, NULL),
                (3, NULL, x'aa', NULL, NULL);
         INSERT INTO matches (id, file, hashset, algorithm, listed_name, origin)
         VALUES (13, 7, 3, 'md5', 'a.exe', 'sealed');
         INSERT INTO event_signers (bundle, seq, signer_kind, trust_path) VALUES (5, 1, 'root', 'p');
         INSERT INTO bundle_digests (bundle, algorithm, origin) VALUES (5, 'sha256', 'sealed'),
                (5, 'md5', 'ingest');
         INSERT INTO derivations VALUES (9, 'urn:uuid:a', 'h1', 's', 'k1', NULL, NULL, NULL,
                'court', 1, 2, 1, 0);
         INSERT INTO exports VALUES (5, 2, 'urn:uuid:b', 'hb', 1, 'sel', NULL);",
    )
    .unwrap();
    path
}

/// A fresh target locker, on the backend the test run asks for.
fn target(dir: &Path) -> Locker {
    let dir = dir.join("target");
    std::fs::create_dir(&dir).unwrap();
    testing::locker(&dir)
}

fn count(l: &Locker, table: &str) -> i64 {
    l.db.row(&format!("SELECT count(*) FROM {table}"), &[], |r| r.get(0))
        .unwrap()
}

#[test]
fn every_table_is_copied_with_its_ids_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let from = source(dir.path());
    let to = target(dir.path());
    let report = migrate(&from, &to).unwrap();
    assert_eq!(report.version, CURRENT_VERSION);
    let rows: Vec<(&str, u64)> = report.tables.iter().map(|t| (t.table, t.rows)).collect();
    assert_eq!(rows[0], ("bundles", 2));
    assert_eq!(rows[7], ("hashset_entries", 3));
    assert!(report.tables.iter().all(|t| t.rows > 0), "{rows:?}");
    // Read back through the target's own queries.
    let b = to.bundles().unwrap();
    assert_eq!(b.iter().map(|b| b.id).collect::<Vec<_>>(), [5, 9]);
    assert_eq!(b[1].name, "été\\n\n");
    assert_eq!(to.audit_log().unwrap().len(), 2);
    let f = to.find_name("data/*").unwrap();
    assert_eq!(f[0].path_bytes.as_deref(), Some(&[0xff, 0, 0xfe][..]));
    assert_eq!(to.show("urn:uuid:a").unwrap()[0].matches.len(), 1);
    // New rows get ids after the copied ones (PostgreSQL: the sequences
    // were moved on).
    let id: i64 = to
        .db
        .row(
            "INSERT INTO audit (time, action, actor, host, result) VALUES ('t','a','b','h','ok')
             RETURNING id",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(id, 12);
    // The digests are the source's, computed again.
    let source = open_source(&from).unwrap();
    for (t, r) in TABLES.iter().zip(&report.tables) {
        assert_eq!(
            digest_table(&source, t).unwrap(),
            (r.rows, r.sha256.clone())
        );
    }
}

#[test]
fn a_copy_that_reads_back_different_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let from = source(dir.path());
    let to = Locker::open(&dir.path().join("target.db")).unwrap();
    // The target changes what it is given: the verification must see it.
    to.db
        .batch(
            "CREATE TRIGGER tamper AFTER INSERT ON bundles BEGIN
             UPDATE bundles SET name = 'other' WHERE id = new.id; END;",
        )
        .unwrap();
    let e = migrate(&from, &to).unwrap_err();
    assert!(
        matches!(
            e,
            MigrateError::Mismatch {
                table: "bundles",
                ..
            }
        ),
        "{e}"
    );
    for t in TABLES {
        assert_eq!(count(&to, t.name), 0, "{}: nothing committed", t.name);
    }
}

#[test]
fn a_target_with_rows_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let from = source(dir.path());
    let to = target(dir.path());
    to.db
        .execute(
            "INSERT INTO audit (time, action, actor, host, result) VALUES ('t','a','b','h','ok')",
            &[],
        )
        .unwrap();
    let e = migrate(&from, &to).unwrap_err();
    assert!(
        matches!(e, MigrateError::TargetNotEmpty { table: "audit", .. }),
        "{e}"
    );
    assert_eq!(count(&to, "bundles"), 0);
}

#[test]
fn a_source_at_another_version_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    {
        let c = Connection::open(&old).unwrap();
        for m in &super::super::MIGRATIONS[..6] {
            c.execute_batch(m).unwrap();
        }
        c.execute_batch("PRAGMA user_version = 6").unwrap();
    }
    let to = target(dir.path());
    let e = migrate(&old, &to).unwrap_err();
    assert!(
        matches!(e, MigrateError::SourceVersion { found: 6, .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("open it once with this evidentia"),
        "{e}"
    );
    // The source was only read.
    let v: i64 = Connection::open(&old)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 6);
}

#[test]
fn the_table_list_is_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let l = Locker::open(&dir.path().join("l.db")).unwrap();
    let tables: Vec<String> =
        l.db.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    let mut ours: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    ours.sort_unstable();
    assert_eq!(tables, ours, "a table was added: copy it in migrate.rs");
    for t in TABLES {
        let cols: Vec<String> =
            l.db.rows(&format!("PRAGMA table_info({})", t.name), &[], |r| r.get(1))
                .unwrap();
        assert_eq!(cols, t.cols, "{}: columns changed: copy them", t.name);
    }
}
