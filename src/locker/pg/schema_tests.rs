//! The PostgreSQL schema against the SQLite one: same tables, columns in
//! the same order with the same nullability, same keys, foreign keys,
//! indexes and triggers, same backfills; and the append-only tables
//! refuse UPDATE, DELETE and TRUNCATE. Needs `EVIDENTIA_TEST_PG`.

use super::{PgAddr, connect, fresh_database, test_admin_url};
use crate::locker::schema::MIGRATIONS;
use crate::locker::schema_pg::{MIGRATIONS_PG, SCHEMA_TABLE_PG};
use std::collections::{BTreeMap, BTreeSet};

/// One table as both backends can describe it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    /// (name, type, not null), in order.
    columns: Vec<(String, String, bool)>,
    primary_key: Vec<String>,
    uniques: BTreeSet<Vec<String>>,
    /// (columns, referenced table, referenced columns, on delete).
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>, String)>,
    /// name -> (columns, partial).
    indexes: BTreeMap<String, (Vec<String>, bool)>,
    triggers: BTreeSet<String>,
}

fn pg_client(admin: &str) -> postgres::Client {
    let url = fresh_database(admin);
    let addr = PgAddr::parse(&url).expect("fresh url");
    connect(&addr, addr.password()).unwrap_or_else(|e| panic!("{e}"))
}

/// Applies the first `n` PostgreSQL migrations the way the locker does:
/// each in its own transaction with the version bump.
pub(super) fn migrate_pg(client: &mut postgres::Client, from: usize, to: usize) {
    client
        .batch_execute(SCHEMA_TABLE_PG)
        .expect("locker_schema");
    for (i, m) in MIGRATIONS_PG.iter().enumerate().take(to).skip(from) {
        let mut tx = client.transaction().expect("begin");
        tx.batch_execute(m)
            .unwrap_or_else(|e| panic!("migration {}: {}", i + 1, super::error::chain(&e)));
        let v = i as i64 + 1;
        tx.execute("UPDATE locker_schema SET version = $1", &[&v])
            .expect("version");
        tx.commit().expect("commit");
    }
}

fn migrate_sqlite(conn: &rusqlite::Connection, from: usize, to: usize) {
    for (i, m) in MIGRATIONS.iter().enumerate().take(to).skip(from) {
        conn.execute_batch(m)
            .unwrap_or_else(|e| panic!("sqlite migration {}: {e}", i + 1));
    }
}

fn sqlite_shapes(conn: &rusqlite::Connection) -> BTreeMap<String, Shape> {
    let names = |sql: &str, arg: &str| -> Vec<String> {
        let mut st = conn.prepare(sql).expect("prepare");
        let rows = st
            .query_map([arg], |r| r.get::<_, String>(0))
            .expect("query");
        rows.map(|r| r.expect("row")).collect()
    };
    let tables = names(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE ?1 ORDER BY name",
        "sqlite\\_%",
    );
    let mut shapes = BTreeMap::new();
    for t in tables {
        let mut s = Shape::default();
        let mut st = conn
            .prepare(&format!("PRAGMA table_info({t})"))
            .expect("pragma");
        let mut pk: Vec<(i64, String)> = Vec::new();
        let cols = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .expect("table_info");
        for c in cols {
            let (name, ty, notnull, in_pk) = c.expect("column");
            let ty = match ty.as_str() {
                "INTEGER" => "bigint",
                "TEXT" => "text",
                "BLOB" => "bytea",
                other => panic!("{t}.{name}: type {other}"),
            };
            // A primary key column cannot hold NULL on PostgreSQL; SQLite
            // reports it nullable unless declared NOT NULL.
            s.columns
                .push((name.clone(), ty.into(), notnull == 1 || in_pk > 0));
            if in_pk > 0 {
                pk.push((in_pk, name));
            }
        }
        pk.sort();
        s.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        let mut st = conn
            .prepare(&format!("PRAGMA index_list({t})"))
            .expect("pragma");
        let idx = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .expect("index_list");
        for i in idx {
            let (name, origin, partial) = i.expect("index");
            let cols = names(
                "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
                &name,
            );
            match origin.as_str() {
                "c" => {
                    s.indexes.insert(name, (cols, partial == 1));
                }
                "u" => {
                    s.uniques.insert(cols);
                }
                _ => {}
            }
        }
        let mut st = conn
            .prepare(&format!("PRAGMA foreign_key_list({t})"))
            .expect("pragma");
        let fks = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .expect("fk list");
        let mut by_id: BTreeMap<i64, (Vec<String>, String, Vec<String>, String)> = BTreeMap::new();
        for f in fks {
            let (id, table, from, to, on_delete) = f.expect("fk");
            let e = by_id
                .entry(id)
                .or_insert_with(|| (Vec::new(), table, Vec::new(), on_delete));
            e.0.push(from);
            e.2.push(to);
        }
        s.foreign_keys = by_id.into_values().collect();
        s.triggers = names(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1",
            &t,
        )
        .into_iter()
        .collect();
        shapes.insert(t, s);
    }
    shapes
}

fn pg_shapes(client: &mut postgres::Client) -> BTreeMap<String, Shape> {
    let tables: Vec<String> = client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename <> 'locker_schema' ORDER BY 1",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let cols_of = "array(SELECT a.attname::text FROM unnest(KEYS) WITH ORDINALITY k(n, o) \
                   JOIN pg_attribute a ON a.attrelid = REL AND a.attnum = k.n ORDER BY k.o)";
    let mut shapes = BTreeMap::new();
    for t in tables {
        let mut s = Shape::default();
        for r in client
            .query(
                "SELECT column_name::text, data_type::text, is_nullable::text = 'NO', \
                 collation_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
                &[&t],
            )
            .expect("columns")
        {
            let (name, ty): (String, String) = (r.get(0), r.get(1));
            let collation: Option<String> = r.get(3);
            if ty == "text" {
                assert_eq!(
                    collation.as_deref(),
                    Some("C"),
                    "{t}.{name} must be COLLATE \"C\""
                );
            }
            s.columns.push((name, ty, r.get(2)));
        }
        let sql = format!(
            "SELECT c.contype::text, {}, coalesce(c.confrelid::regclass::text, ''), {}, \
             c.confdeltype::text FROM pg_constraint c \
             WHERE c.conrelid = $1::text::regclass AND c.contype IN ('p', 'u', 'f')",
            cols_of
                .replace("KEYS", "c.conkey")
                .replace("REL", "c.conrelid"),
            cols_of
                .replace("KEYS", "c.confkey")
                .replace("REL", "c.confrelid"),
        );
        for r in client.query(&sql, &[&t]).expect("constraints") {
            let (kind, cols): (String, Vec<String>) = (r.get(0), r.get(1));
            match kind.as_str() {
                "p" => s.primary_key = cols,
                "u" => {
                    s.uniques.insert(cols);
                }
                _ => {
                    let on_delete = match r.get::<_, String>(4).as_str() {
                        "c" => "CASCADE",
                        "a" => "NO ACTION",
                        other => panic!("{t}: on delete {other}"),
                    };
                    s.foreign_keys
                        .insert((cols, r.get(2), r.get(3), on_delete.into()));
                }
            }
        }
        let sql = format!(
            "SELECT i.relname::text, {}, x.indpred IS NOT NULL FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::text::regclass \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            cols_of
                .replace("KEYS", "x.indkey::int2[]")
                .replace("REL", "x.indrelid"),
        );
        for r in client.query(&sql, &[&t]).expect("indexes") {
            s.indexes.insert(r.get(0), (r.get(1), r.get(2)));
        }
        s.triggers = client
            .query(
                "SELECT tgname::text FROM pg_trigger WHERE tgrelid = $1::text::regclass \
                 AND NOT tgisinternal",
                &[&t],
            )
            .expect("triggers")
            .iter()
            .map(|r| r.get(0))
            .collect();
        shapes.insert(t, s);
    }
    shapes
}

#[test]
fn pg_schema_is_the_twin_of_the_sqlite_schema() {
    let Some(admin) = test_admin_url() else {
        return;
    };
    let mut client = pg_client(&admin);
    migrate_pg(&mut client, 0, MIGRATIONS_PG.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = rusqlite::Connection::open(dir.path().join("l.db")).expect("sqlite");
    migrate_sqlite(&conn, 0, MIGRATIONS.len());
    assert_eq!(MIGRATIONS_PG.len(), MIGRATIONS.len());

    let mut pg = pg_shapes(&mut client);
    let lite = sqlite_shapes(&conn);
    assert_eq!(
        pg.keys().collect::<Vec<_>>(),
        lite.keys().collect::<Vec<_>>()
    );
    // TRUNCATE exists on PostgreSQL only: each append-only table has one
    // more trigger there.
    for (t, s) in pg.iter_mut() {
        if s.triggers.contains(&format!("{t}_no_update")) {
            assert!(
                s.triggers.remove(&format!("{t}_no_truncate")),
                "{t}: no TRUNCATE trigger"
            );
        }
    }
    for (t, l) in &lite {
        assert_eq!(
            &pg[t], l,
            "table {t}: PostgreSQL (left) against SQLite (right)"
        );
    }
    let v: i64 = client
        .query_one("SELECT version FROM locker_schema", &[])
        .expect("version")
        .get(0);
    assert_eq!(v, 7);
    // Creating the version table again keeps its one row; a second row is refused.
    client.batch_execute(SCHEMA_TABLE_PG).expect("again");
    let n: i64 = client
        .query_one("SELECT count(*) FROM locker_schema", &[])
        .expect("count")
        .get(0);
    assert_eq!(n, 1);
    assert!(
        client
            .execute("INSERT INTO locker_schema VALUES (8)", &[])
            .is_err()
    );
}

/// Rows written at version 4, the same text on both backends (digests as
/// string literals: `x'..'` is a bit string on PostgreSQL), for the
/// backfills of migrations 5 and 7 to read.
const BEFORE_BACKFILL: &str = r#"
INSERT INTO bundles (id, bundle_id, name, status, zip_sha256, ingested_at)
    VALUES (1, 'b1', 'n', 'verified', 'z', 't'), (2, 'b2', 'n', 'quarantined', 'z', 't'),
           (3, 'b3', 'n', 'verified', 'z', 't');
INSERT INTO files (id, bundle, path, size, md5, sha256, blake3) VALUES
    (1, 1, 'data/a', 1, 'm', 's', 'b'), (2, 1, 'data/b', 1, 'm', 's', 'b'),
    (3, 3, 'data/c', 1, NULL, 's', 'b'), (4, 3, 'data/d', 1, 'm', 's', 'b');
INSERT INTO custody_events (bundle, seq, action, time, signer, event_sha256, event_json) VALUES
    (1, 1, 'seal', 't', 'k', 'h1', '{}'),
    (1, 2, 'export', 't', 'k', 'h2',
     '{"purpose":"court","exported_to":{"bundle_id":"d1","custody_head":"c1","files":3,"selection_sha256":"s1"}}'),
    (1, 3, 'export', 't', 'k', 'h3', '{not json'),
    (1, 4, 'export', 't', 'k', 'h4',
     '{"exported_to":{"bundle_id":"d2","custody_head":"c2","files":"3","selection_sha256":"s2"}}'),
    (1, 5, 'export', 't', 'k', 'h5',
     '{"exported_to":{"bundle_id":"d3","custody_head":"c3","files":0,"selection_sha256":"s3"}}'),
    (2, 1, 'export', 't', 'k', 'h6',
     '{"exported_to":{"bundle_id":"d4","custody_head":"c4","files":1,"selection_sha256":"s4"}}'),
    (3, 1, 'export', 't', 'k', 'h7',
     '{"exported_to":{"bundle_id":"d5","custody_head":"c5","files":1.5,"selection_sha256":"s5"}}');
"#;

const AFTER_BACKFILL: [&str; 2] = [
    "SELECT bundle, algorithm, origin FROM bundle_digests ORDER BY 1, 2",
    "SELECT bundle, seq, derived_bundle_id, derived_custody_head, files, selection_sha256, \
     coalesce(purpose, '-') FROM exports ORDER BY 1, 2",
];

#[test]
fn backfills_of_migrations_5_and_7_agree() {
    let Some(admin) = test_admin_url() else {
        return;
    };
    let mut client = pg_client(&admin);
    migrate_pg(&mut client, 0, 4);
    client.batch_execute(BEFORE_BACKFILL).expect("rows");
    migrate_pg(&mut client, 4, 7);
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = rusqlite::Connection::open(dir.path().join("l.db")).expect("sqlite");
    migrate_sqlite(&conn, 0, 4);
    conn.execute_batch(BEFORE_BACKFILL).expect("rows");
    migrate_sqlite(&conn, 4, 7);
    for sql in AFTER_BACKFILL {
        let pg: Vec<Vec<String>> = client
            .query(sql, &[])
            .expect(sql)
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| match r.try_get::<_, i64>(i) {
                        Ok(n) => n.to_string(),
                        Err(_) => r.get::<_, String>(i),
                    })
                    .collect()
            })
            .collect();
        let mut st = conn.prepare(sql).expect(sql);
        let n = st.column_count();
        let lite: Vec<Vec<String>> = st
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                            rusqlite::types::Value::Integer(n) => n.to_string(),
                            rusqlite::types::Value::Text(t) => t,
                            other => format!("{other:?}"),
                        })
                    })
                    .collect()
            })
            .expect(sql)
            .map(|r| r.expect("row"))
            .collect();
        assert_eq!(pg, lite, "{sql}");
        assert!(
            !pg.is_empty(),
            "{sql}: the fixture should backfill something"
        );
    }
}

#[path = "append_only_tests.rs"]
pub(super) mod append_only;
