//! The lab's role set-up of docs/formats/locker.md, on a cluster of our
//! own (it needs a superuser): an examiner can record evidence but cannot
//! change or remove what the append-only tables hold, nor switch their
//! triggers off; a superuser can (session_replication_role), which is why
//! no examiner may be one.

use super::schema_tests::{append_only::APPEND_ONLY, migrate_pg};
use super::test_cluster::TestCluster;
use super::{PgAddr, connect};
use postgres::error::SqlState;

/// Step 1, as a superuser (or a role with CREATEROLE and CREATEDB).
pub(crate) const LAB_ROLES: [&str; 4] = [
    "CREATE ROLE evidentia_owner LOGIN",
    "CREATE ROLE evidentia_examiner NOLOGIN",
    "CREATE ROLE jana LOGIN IN ROLE evidentia_examiner",
    "CREATE DATABASE evidence OWNER evidentia_owner",
];

/// Step 3, as evidentia_owner once it has opened (created or migrated) the
/// locker; again after every migration (new tables).
pub(crate) const LAB_GRANTS: &str = "
REVOKE ALL ON DATABASE evidence FROM PUBLIC;
GRANT CONNECT ON DATABASE evidence TO evidentia_examiner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO evidentia_examiner;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO evidentia_examiner;
REVOKE UPDATE, DELETE ON custody_events, audit, exports FROM evidentia_examiner;
REVOKE INSERT, UPDATE, DELETE ON locker_schema FROM evidentia_examiner;
";

fn client(c: &TestCluster, user: &str) -> postgres::Client {
    let addr = PgAddr::parse(&c.socket_url(user, "evidence")).expect("url");
    connect(&addr, None).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `sql`, expects SQLSTATE 42501 and returns the message.
fn denied(client: &mut postgres::Client, sql: &str) -> String {
    let e = match client.batch_execute(sql) {
        Ok(()) => panic!("{sql}: allowed"),
        Err(e) => e,
    };
    let db = e.as_db_error().unwrap_or_else(|| panic!("{sql}: {e}"));
    assert_eq!(db.code(), &SqlState::INSUFFICIENT_PRIVILEGE, "{sql}: {db}");
    db.message().to_owned()
}

#[test]
fn examiners_cannot_rewrite_history_superusers_can() {
    let Some(c) = TestCluster::start(None, "") else {
        return;
    };
    let mut su = c.superuser("postgres");
    for sql in LAB_ROLES {
        su.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let mut owner = client(&c, "evidentia_owner");
    migrate_pg(&mut owner, 0, 7);
    owner.batch_execute(LAB_GRANTS).expect("grants");

    let mut jana = client(&c, "jana");
    // Recording evidence works, ids from the identity columns included.
    jana.batch_execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('b1', 21));
         INSERT INTO bundles (bundle_id, name, status, zip_sha256, ingested_at)
             VALUES ('b1', 'n', 'verified', 'z', 't');
         INSERT INTO custody_events (bundle, seq, action, time, signer, event_sha256, event_json)
             SELECT id, 1, 'export', 't', 'k', 'h', '{}' FROM bundles;
         INSERT INTO exports SELECT id, 1, 'd', 'c', 1, 's', NULL FROM bundles;
         INSERT INTO audit (time, action, actor, host, result)
             VALUES ('t', 'ingest', 'jana', 'h', 'added');
         INSERT INTO items (bundle, item_ref) SELECT id, 'i' FROM bundles;
         UPDATE bundles SET name = 'promoted';
         DELETE FROM items;",
    )
    .expect("an examiner records and corrects");
    let v: i64 = jana
        .query_one("SELECT version FROM locker_schema", &[])
        .expect("version")
        .get(0);
    assert_eq!(v, 7);
    // What is recorded stays.
    for (t, col) in APPEND_ONLY {
        denied(&mut jana, &format!("UPDATE {t} SET {col} = {col}"));
        denied(&mut jana, &format!("DELETE FROM {t}"));
        denied(&mut jana, &format!("TRUNCATE {t} CASCADE"));
        let m = denied(&mut jana, &format!("ALTER TABLE {t} DISABLE TRIGGER USER"));
        assert!(m.contains("owner"), "{m}");
    }
    denied(&mut jana, "SET session_replication_role = replica");
    denied(&mut jana, "UPDATE locker_schema SET version = 0");
    // The version table exists: creating it "if not exists" is still refused
    // (no CREATE on the schema), so opening must read it, not create it.
    denied(&mut jana, crate::locker::schema_pg::SCHEMA_TABLE_PG);

    // A superuser meets the triggers too, but can switch them off.
    let mut su = c.superuser("evidence");
    let m = su
        .batch_execute("DELETE FROM audit")
        .err()
        .and_then(|e| e.as_db_error().map(|d| d.message().to_owned()))
        .expect("refused");
    assert!(m.contains("append-only"), "{m}");
    su.batch_execute("SET session_replication_role = replica; DELETE FROM audit")
        .expect("a superuser bypasses the triggers");
}
