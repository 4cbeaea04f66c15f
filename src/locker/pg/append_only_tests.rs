//! custody_events, audit and exports refuse UPDATE, DELETE and TRUNCATE on
//! PostgreSQL, with SQLSTATE 42501 and a message saying "append-only".

use super::{migrate_pg, pg_client};
use crate::locker::pg::test_admin_url;
use postgres::error::SqlState;

/// One row in every append-only table (and what they reference).
const ROWS: &str = r#"
INSERT INTO bundles (id, bundle_id, name, status, zip_sha256, ingested_at)
    VALUES (1, 'b1', 'n', 'verified', 'z', 't');
INSERT INTO custody_events (bundle, seq, action, time, signer, event_sha256, event_json)
    VALUES (1, 1, 'export', 't', 'k', 'h', '{}');
INSERT INTO exports VALUES (1, 1, 'd', 'c', 1, 's', NULL);
INSERT INTO audit (time, action, actor, host, result) VALUES ('t', 'ingest', 'a', 'h', 'added');
"#;

/// (table, a column to "update").
pub(crate) const APPEND_ONLY: [(&str, &str); 3] = [
    ("custody_events", "action"),
    ("audit", "detail"),
    ("exports", "purpose"),
];

/// Runs `sql` and expects the append-only refusal.
pub(crate) fn refused(client: &mut postgres::Client, sql: &str) {
    let e = match client.batch_execute(sql) {
        Ok(()) => panic!("{sql}: not refused"),
        Err(e) => e,
    };
    let db = e
        .as_db_error()
        .unwrap_or_else(|| panic!("{sql}: {}", super::super::error::chain(&e)));
    assert_eq!(db.code(), &SqlState::INSUFFICIENT_PRIVILEGE, "{sql}: {db}");
    assert!(db.message().contains("append-only"), "{sql}: {db}");
}

fn counts(client: &mut postgres::Client) -> Vec<i64> {
    APPEND_ONLY
        .iter()
        .map(|(t, _)| {
            client
                .query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .expect("count")
                .get(0)
        })
        .collect()
}

#[test]
fn append_only_tables_refuse_update_delete_and_truncate() {
    let Some(admin) = test_admin_url() else {
        return;
    };
    let mut client = pg_client(&admin);
    migrate_pg(&mut client, 0, 7);
    client.batch_execute(ROWS).expect("rows");
    for (t, col) in APPEND_ONLY {
        refused(&mut client, &format!("UPDATE {t} SET {col} = {col}"));
        refused(&mut client, &format!("DELETE FROM {t}"));
        // CASCADE: custody_events is referenced by other tables, and a plain
        // TRUNCATE of it fails on that before any trigger runs.
        refused(&mut client, &format!("TRUNCATE {t} CASCADE"));
        if t != "custody_events" {
            refused(&mut client, &format!("TRUNCATE {t}"));
        }
    }
    // A TRUNCATE that cascades to them is refused too.
    refused(&mut client, "TRUNCATE bundles CASCADE");
    assert_eq!(counts(&mut client), [1, 1, 1]);
    // Inserting stays allowed.
    client
        .batch_execute("INSERT INTO audit (time, action, actor, host, result) VALUES ('t', 'x', 'a', 'h', 'r')")
        .expect("insert");

    // The triggers stop an examiner, not the table's owner: the owner may
    // disable them. Hence the lab set-up in docs/formats/locker.md
    // (examiners do not own the tables).
    let mut tx = client.transaction().expect("begin");
    tx.batch_execute("ALTER TABLE audit DISABLE TRIGGER audit_no_delete; DELETE FROM audit")
        .expect("the owner can disable the trigger");
    tx.rollback().expect("rollback");

    let superuser: bool = client
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .expect("role")
        .get(0);
    let replica = "SET LOCAL session_replication_role = replica; DELETE FROM custody_events";
    let mut tx = client.transaction().expect("begin");
    match tx.batch_execute(replica) {
        Ok(()) => {
            assert!(superuser, "only a superuser may skip triggers");
            eprintln!("note: a superuser bypasses the triggers (session_replication_role)");
        }
        Err(e) => {
            assert!(!superuser, "{e}");
            let code = e.as_db_error().map(|d| d.code().clone());
            assert_eq!(code, Some(SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
        }
    }
    tx.rollback().expect("rollback");
    assert_eq!(counts(&mut client), [1, 2, 1]);
}
