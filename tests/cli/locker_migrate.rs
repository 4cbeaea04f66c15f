//! `evidentia locker migrate --from FILE --to URL|PATH` (issue 21): a
//! SQLite locker with real content (an original and the bundle exported
//! from it, its chain extended by the export; a quarantined copy; a
//! refused one; a known-bad sums list and an RDS; audit rows) copied into
//! a new SQLite file and, with `EVIDENTIA_TEST_PG`, into a new PostgreSQL
//! database. Every locker query then answers the same on the copy as on
//! the source, each table's digest is the documented one (computed here
//! independently), and the source's bytes never change. Refused: a
//! target holding a bundle, a missing source, the same file twice, an old
//! schema, a password in `--to`, and a target whose trigger alters rows as
//! they arrive (exit 1, nothing committed).

use crate::backend::TestLocker;
use crate::harness::{Env, Run};
use crate::locker::{examiner, json_lines, seal, version_1_locker};
use crate::locker_url::{make_rds, sha256_hex};
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter};
use serde_json::Value;
use std::path::Path;

/// The tables, in the documented copy order (docs/formats/locker.md).
const TABLES: [&str; 13] = [
    "bundles",
    "items",
    "files",
    "custody_events",
    "signers",
    "audit",
    "hashsets",
    "hashset_entries",
    "matches",
    "event_signers",
    "bundle_digests",
    "derivations",
    "exports",
];

/// A password that must never be printed.
const SECRET: &str = "Mig-pw-never-printed-3q";

/// The source locker and what the tests look up in it.
struct Source {
    l: TestLocker,
    /// The bundle ids: the original, the bundle exported from it, the
    /// quarantined one.
    ids: Vec<String>,
}

/// The SHA-256 of `path`'s bytes.
fn file_sha(path: &Path) -> String {
    sha256_hex(&std::fs::read(path).expect("read the locker file"))
}

/// `good` rewritten to `dst` with one byte of `member` flipped: a
/// keyless attacker's copy, which fails verification.
fn tampered(good: &Path, dst: &Path, member: &str) {
    let (archive, _) = Archive::open(good).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = archive
        .entries()
        .map(|e| (e.name.clone(), archive.read_small(&e, 1 << 30).unwrap()))
        .collect();
    let f = entries
        .iter_mut()
        .find(|(n, _)| n.ends_with(member))
        .unwrap();
    f.1[0] ^= 1;
    let mut zip = ZipWriter::new(std::fs::File::create(dst).unwrap(), DosTime::from_unix(0));
    let times = crate::harness::entry_times(good);
    for (n, d) in &entries {
        zip.set_time(times(n));
        zip.add_bytes(n, Method::Stored, d).unwrap();
    }
    zip.finish().unwrap();
}

/// `ingest BUNDLE ARGS` into `l`, `--json`; its one document.
fn ingest(env: &Env, l: &TestLocker, bundle: &str, args: &[&str], code: i32) -> Value {
    let mut a = vec!["--json", "ingest", bundle];
    a.extend(args);
    let r = env.run(l.with(&a));
    r.expect_code(code);
    json_lines(&r).remove(0)
}

/// A SQLite locker `src.db` holding a row in every table, written by the
/// CLI only. SQLite on purpose: `locker migrate` reads a SQLite file.
fn source(env: &Env) -> Source {
    examiner(env);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &vec![7u8; 100_000]);
    env.write("ev/mail/m1.eml", b"From: alice@example.org\n\nA\n");
    env.write("ev/mail/m2.eml", b"From: bob@example.org\n\nB\n");
    env.run([
        "seal",
        "ev",
        "--out",
        "orig.zip",
        "--case",
        "CASE-1",
        "--item",
        "ITEM-1",
        "--time",
        "2024-05-01T12:00:00Z",
    ])
    .expect_code(0);
    // The export appends an event to the original's chain (two events).
    env.run([
        "export",
        "orig.zip",
        "--select",
        "ev/mail/*",
        "--out",
        "sub.zip",
        "--purpose",
        "MLA request 17",
        "--time",
        "2024-06-01T10:00:00Z",
    ])
    .expect_code(0);
    env.write("ev2/x.txt", b"other evidence\n");
    let other = seal(env, "ev2", "other.zip", "CASE-2");
    tampered(&other, &env.path().join("evil.zip"), "data/ev2/x.txt");
    env.write(
        "bad.sha256",
        format!("{}  a.txt\n", sha256_hex(b"hello\n")).as_bytes(),
    );
    let rds = make_rds(env, "RDS.db", &[]);
    let l = TestLocker::sqlite_only_named(env, "src");
    for args in [
        &[
            "hashset",
            "import",
            "evil",
            "bad.sha256",
            "--kind",
            "known-bad",
        ][..],
        &["hashset", "import", "nsrl", rds.to_str().unwrap()],
    ] {
        env.run(l.with(args)).expect_code(0);
    }
    let store = ["--store", "store"];
    let mut ids = Vec::new();
    for b in ["orig.zip", "sub.zip"] {
        let v = ingest(env, &l, b, &store, 0);
        ids.push(v["bundle_id"].as_str().unwrap().to_string());
    }
    assert_eq!(ingest(env, &l, "evil.zip", &[], 1)["outcome"], "refused");
    let v = ingest(env, &l, "evil.zip", &["--quarantine"], 1);
    assert_eq!(v["outcome"], "quarantined");
    ids.push(v["bundle_id"].as_str().unwrap().to_string());
    for t in TABLES {
        assert!(l.count(t) > 0, "the source has no row in {t}");
    }
    assert_eq!(l.count("custody_events"), 3, "orig has two events");
    Source { l, ids }
}

/// `locker migrate --from FROM --to TO` (with `--json` first if `json`).
fn migrate(env: &Env, from: &str, to: &str, json: bool) -> Run {
    let mut a = vec!["locker", "migrate", "--from", from, "--to", to];
    if json {
        a.insert(0, "--json");
    }
    env.run(a)
}

/// The locker queries compared between source and copy.
fn queries(s: &Source) -> Vec<Vec<String>> {
    let a_txt = sha256_hex(b"hello\n");
    let mut q: Vec<Vec<&str>> = vec![
        vec!["locker", "list"],
        vec!["locker", "show", "CASE-1"],
        vec!["locker", "find", "--hash", &a_txt],
        vec!["locker", "find", "--name", "*.eml"],
        vec!["locker", "audit"],
        vec!["locker", "verify"],
        vec!["hashset", "list"],
        vec!["match", "--locker-files", "--hashset", "evil"],
    ];
    for id in &s.ids {
        q.push(vec!["locker", "show", id]);
    }
    let mut all: Vec<Vec<String>> = Vec::new();
    for args in q {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let mut json = vec!["--json".to_string()];
        json.extend(args.iter().cloned());
        all.push(args);
        all.push(json);
    }
    all
}

/// How messages name `l`: its path, or its URL as evidentia shows it
/// (the user in the authority, no password).
fn shown(l: &TestLocker) -> String {
    #[cfg(feature = "postgres")]
    if l.is_postgres() {
        let addr = evidentia::locker::pg::PgAddr::parse(&l.arg()).unwrap();
        return addr.to_string();
    }
    l.arg()
}

/// What `args` prints on `l`, `l`'s name replaced by `as_name`.
fn answer(env: &Env, l: &TestLocker, args: &[String], as_name: &str) -> (i32, String, String) {
    let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
    let arg = l.arg();
    a.extend(["--locker", &arg]);
    let r = env.run(&a);
    let norm = |s: &str| s.replace(&arg, as_name).replace(&shown(l), as_name);
    (r.code, norm(&r.stdout_str()), norm(&r.stderr))
}

/// Every query answers on `copy` exactly as on the source.
#[track_caller]
fn same_answers(env: &Env, s: &Source, copy: &TestLocker) {
    for args in queries(s) {
        let want = answer(env, &s.l, &args, "LOCKER");
        let got = answer(env, copy, &args, "LOCKER");
        assert_eq!(got, want, "{args:?} on the copy");
        assert!(!want.1.is_empty(), "{args:?} printed nothing");
    }
    let a = answer(env, copy, &["locker".into(), "verify".into()], "L");
    assert_eq!(a.0, 0, "locker verify on the copy: {a:?}");
}

/// The `locker-migration` document, checked against the source.
#[track_caller]
fn check_document(s: &Source, r: &Run, to: &str) -> Vec<(String, u64, String)> {
    let docs = json_lines(r);
    assert_eq!(docs.len(), 1, "{}", r.stdout_str());
    let d = &docs[0];
    assert_eq!(d["v"], 1);
    assert_eq!(d["kind"], "locker-migration");
    assert_eq!(d["from"], s.l.arg().as_str());
    assert_eq!(d["to"], to);
    assert_eq!(d["schema_version"], evidentia::locker::CURRENT_VERSION);
    assert_eq!(d["verified"], true);
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "from",
        "kind",
        "schema_version",
        "tables",
        "to",
        "v",
        "verified",
    ];
    want.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, want);
    let tables: Vec<(String, u64, String)> = d["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t.as_object().unwrap().len(), 3, "{t}");
            (
                t["table"].as_str().unwrap().to_string(),
                t["rows"].as_u64().unwrap(),
                t["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(names, TABLES);
    for (t, rows, sha) in &tables {
        assert_eq!(*rows as i64, s.l.count(t), "{t}");
        assert_eq!(
            *sha,
            table_digest(s.l.path(), t),
            "{t}: the documented digest"
        );
    }
    tables
}

/// The text lists every table with its rows and digest, then a summary.
#[track_caller]
fn check_text(r: &Run, tables: &[(String, u64, String)], from: &str, to: &str) {
    let out = r.stdout_str();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), tables.len() + 1, "{out}");
    for (line, (t, rows, sha)) in lines.iter().zip(tables) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let unit = if *rows == 1 { "row" } else { "rows" };
        let sha = format!("sha256:{sha}");
        assert_eq!(words, [t.as_str(), &rows.to_string(), unit, &sha], "{out}");
    }
    let total: u64 = tables.iter().map(|t| t.1).sum();
    let last = lines[tables.len()];
    assert!(
        last.starts_with(&format!(
            "copied {total} rows in 13 tables from {from} to {to}"
        )),
        "{last}"
    );
    assert!(last.contains("verified"), "{last}");
}

/// The documented digest of `table` in the SQLite file `db`, computed
/// from the file itself: columns in the table's order, rows by primary
/// key (every column without one), NULLs first, text byte-wise.
fn table_digest(db: &Path, table: &str) -> String {
    use rusqlite::types::ValueRef;
    use sha2::Digest;
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut cols: Vec<(String, i64)> = c
        .prepare(&format!("PRAGMA table_info({table})"))
        .unwrap()
        .query_map([], |r| Ok((r.get(1)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let names: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
    cols.retain(|c| c.1 > 0);
    cols.sort_by_key(|c| c.1);
    let key: Vec<String> = if cols.is_empty() {
        names.clone()
    } else {
        cols.into_iter().map(|c| c.0).collect()
    };
    let mut sha = sha2::Sha256::new();
    sha.update(format!("evidentia locker table v1\0{table}"));
    for n in &names {
        sha.update(format!("\0{n}"));
    }
    sha.update(b"\n");
    let order: Vec<String> = key.iter().map(|k| format!("{k} NULLS FIRST")).collect();
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY {}",
        names.join(", "),
        order.join(", ")
    );
    let mut st = c.prepare(&sql).unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        for i in 0..names.len() {
            let (tag, bytes): (u8, Vec<u8>) = match r.get_ref(i).unwrap() {
                ValueRef::Null => (0, Vec::new()),
                ValueRef::Integer(v) => (1, v.to_be_bytes().to_vec()),
                ValueRef::Text(t) => (2, t.to_vec()),
                ValueRef::Blob(b) => (3, b.to_vec()),
                ValueRef::Real(_) => panic!("{table}: a real number"),
            };
            sha.update([tag]);
            if tag >= 2 {
                sha.update((bytes.len() as u64).to_be_bytes());
            }
            sha.update(&bytes);
        }
    }
    sha.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Migrate `s` into `to` (empty), with text and with `--json` into a
/// second target `to_json`; check both outputs, then every query on the
/// copy, then that the copy takes new writes (ids past the copied ones).
fn migrate_and_compare(env: &Env, s: &Source, to: &TestLocker, to_json: &TestLocker) {
    let before = file_sha(s.l.path());
    let from = s.l.arg();
    let r = migrate(env, &from, &to.arg(), false);
    r.expect_code(0);
    let rj = migrate(env, &from, &to_json.arg(), true);
    rj.expect_code(0);
    let tables = check_document(s, &rj, &shown(to_json));
    check_text(&r, &tables, &from, &shown(to));
    for t in TABLES {
        assert_eq!(to.count(t), s.l.count(t), "{t}");
    }
    same_answers(env, s, to);
    assert_eq!(file_sha(s.l.path()), before, "the source file changed");
    // The copy goes on: a new bundle and a new hash set get new ids.
    env.write("ev3/y.txt", b"later\n");
    seal(env, "ev3", "later.zip", "CASE-3");
    let v = ingest(env, to, "later.zip", &[], 0);
    assert_eq!(v["outcome"], "added");
    env.run(to.with(&["hashset", "import", "again", "bad.sha256"]))
        .expect_code(0);
    assert_eq!(to.count("bundles"), s.l.count("bundles") + 1);
    assert_eq!(to.count("hashsets"), 3);
    env.run(to.with(&["locker", "verify"])).expect_code(0);
    assert_eq!(file_sha(s.l.path()), before, "the source file changed");
}

#[test]
fn locker_migrate_into_a_new_sqlite_file_copies_everything() {
    let env = Env::new();
    let s = source(&env);
    let to = TestLocker::sqlite_only_named(&env, "copy");
    let to_json = TestLocker::sqlite_only_named(&env, "copy2");
    migrate_and_compare(&env, &s, &to, &to_json);
    to.assert_integrity();
}

#[cfg(feature = "postgres")]
#[test]
fn pg_locker_migrate_into_a_new_database_copies_everything() {
    if crate::backend::pg::admin().is_none() {
        crate::harness::skip("EVIDENTIA_TEST_PG not set");
        return;
    }
    let env = Env::new();
    let s = source(&env);
    let to = TestLocker::named(&env, "dst");
    let to_json = TestLocker::named(&env, "dst2");
    assert!(to.is_postgres() && to_json.is_postgres());
    migrate_and_compare(&env, &s, &to, &to_json);
}

/// Row counts of every table of `l` (which exists).
fn counts(l: &TestLocker) -> Vec<i64> {
    TABLES.iter().map(|t| l.count(t)).collect()
}

#[test]
fn locker_migrate_refuses_a_target_that_holds_a_bundle() {
    let env = Env::new();
    let s = source(&env);
    let to = TestLocker::named(&env, "dst");
    env.write("ev3/y.txt", b"already there\n");
    seal(&env, "ev3", "there.zip", "CASE-9");
    ingest(&env, &to, "there.zip", &[], 0);
    let before = counts(&to);
    let list = answer(&env, &to, &["locker".into(), "list".into()], "L");
    let src_before = file_sha(s.l.path());
    for json in [false, true] {
        let r = migrate(&env, &s.l.arg(), &to.arg(), json);
        r.expect_code(2);
        assert!(r.stdout.is_empty(), "{}", r.stdout_str());
        assert!(
            r.stderr.contains("table bundles already holds rows"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("hint: "), "{}", r.stderr);
        assert!(r.stderr.contains("createdb"), "{}", r.stderr);
    }
    assert_eq!(counts(&to), before, "the target changed");
    assert_eq!(
        answer(&env, &to, &["locker".into(), "list".into()], "L"),
        list
    );
    assert_eq!(file_sha(s.l.path()), src_before);
}

#[test]
fn locker_migrate_refuses_a_missing_source_and_the_same_file_twice() {
    let env = Env::new();
    let s = source(&env);
    let before = file_sha(s.l.path());
    let to = env.path().join("new.db");
    let r = migrate(&env, "nowhere.db", to.to_str().unwrap(), false);
    r.expect_code(2);
    assert!(
        r.stderr.contains("--from nowhere.db: no such locker file"),
        "{}",
        r.stderr
    );
    assert!(!to.exists(), "a target was created for a missing source");
    assert!(!env.path().join("nowhere.db").exists());
    // The same file, however it is spelled (cwd is the env directory).
    std::os::unix::fs::symlink(s.l.path(), env.path().join("alias.db")).unwrap();
    for same in [
        s.l.arg(),
        "src.db".into(),
        "./src.db".into(),
        "alias.db".into(),
    ] {
        let r = migrate(&env, &s.l.arg(), &same, false);
        r.expect_code(2);
        assert!(r.stderr.contains("the same locker"), "{same}: {}", r.stderr);
        let r = migrate(&env, "alias.db", &same, false);
        r.expect_code(2);
        assert!(r.stderr.contains("the same locker"), "{same}: {}", r.stderr);
    }
    assert_eq!(file_sha(s.l.path()), before, "the source file changed");
}

#[test]
fn locker_migrate_refuses_a_source_at_an_older_schema_version() {
    let env = Env::new();
    // A version 1 locker file, as migration 1 made it, with a bundle:
    // SQLite only (the source of a migration is a file).
    let old = TestLocker::sqlite_only_named(&env, "old");
    version_1_locker(old.path());
    let before = file_sha(old.path());
    let to = TestLocker::named(&env, "dst");
    let r = migrate(&env, &old.arg(), &to.arg(), false);
    r.expect_code(2);
    let want = format!(
        "schema version 1, this evidentia migrates from version {} only",
        evidentia::locker::CURRENT_VERSION
    );
    assert!(r.stderr.contains(&want), "{}", r.stderr);
    assert!(
        r.stderr.contains(old.path().to_str().unwrap()),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("open it once"), "{}", r.stderr);
    assert_eq!(file_sha(old.path()), before, "migrate changed the source");
    assert_eq!(old.schema_version(), Some(1));
    if to.schema_version().is_some() {
        assert!(counts(&to).iter().all(|n| *n == 0), "{:?}", counts(&to));
    }
}

#[test]
fn locker_migrate_refuses_a_password_in_to_and_never_prints_it() {
    let env = Env::new();
    let s = source(&env);
    let before = file_sha(s.l.path());
    for url in [
        format!("postgresql://alice:{SECRET}@db.invalid/evidentia"),
        format!("postgres://alice:{SECRET}@db.invalid:5432/x?sslmode=require"),
    ] {
        for json in [false, true] {
            let r = migrate(&env, &s.l.arg(), &url, json);
            r.expect_code(2);
            let all = format!("{}{}", r.stdout_str(), r.stderr);
            assert!(!all.contains(SECRET), "the password was printed: {all}");
            assert!(r.stdout.is_empty(), "{all}");
            if cfg!(feature = "postgres") {
                // The message names the option given, and the hint only
                // where `--to`'s password can come from (EVIDENTIA_LOCKER
                // names another locker, not the target).
                assert!(r.stderr.contains("--to postgres"), "{}", r.stderr);
                assert!(r.stderr.contains("db.invalid"), "{}", r.stderr);
                assert!(!r.stderr.contains("--locker"), "{}", r.stderr);
                assert!(r.stderr.contains("hint: ") && r.stderr.contains("pgpass"));
                assert!(!r.stderr.contains("EVIDENTIA_LOCKER"), "{}", r.stderr);
            } else {
                assert!(r.stderr.contains("--features postgres"), "{}", r.stderr);
            }
        }
    }
    // Nothing named like the URL was made here.
    for d in ["postgresql:", "postgres:"] {
        assert!(!env.path().join(d).exists(), "{d}");
    }
    assert_eq!(file_sha(s.l.path()), before);
}

/// A trigger on the target that changes `files.size` as each row
/// arrives (the first statement creates what the trigger runs).
fn altering_trigger(to: &TestLocker) -> Vec<&'static str> {
    if to.is_postgres() {
        vec![
            "CREATE FUNCTION ev_alter() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN NEW.size := NEW.size + 1; RETURN NEW; END $$",
            "CREATE TRIGGER ev_alter BEFORE INSERT ON files FOR EACH ROW \
             EXECUTE FUNCTION ev_alter()",
        ]
    } else {
        vec![
            "CREATE TRIGGER ev_alter AFTER INSERT ON files BEGIN \
             UPDATE files SET size = size + 1 WHERE id = NEW.id; END",
        ]
    }
}

#[test]
fn locker_migrate_into_a_target_that_alters_rows_commits_nothing() {
    let env = Env::new();
    let s = source(&env);
    let to = TestLocker::named(&env, "dst");
    // An empty locker (its schema made by evidentia), then the trigger.
    env.run(to.with(&["locker", "list"])).expect_code(0);
    for sql in altering_trigger(&to) {
        to.exec(sql);
    }
    let before = file_sha(s.l.path());
    let r = migrate(&env, &s.l.arg(), &to.arg(), false);
    r.expect_code(1);
    assert!(r.stdout.is_empty(), "{}", r.stdout_str());
    assert!(
        r.stderr
            .contains("table files: the copy differs from the source"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was committed"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    assert_eq!(
        counts(&to),
        vec![0; TABLES.len()],
        "something was committed"
    );
    assert_eq!(file_sha(s.l.path()), before);
    // Without the trigger the same migration goes through.
    to.exec(if to.is_postgres() {
        "DROP TRIGGER ev_alter ON files"
    } else {
        "DROP TRIGGER ev_alter"
    });
    migrate(&env, &s.l.arg(), &to.arg(), false).expect_code(0);
    assert_eq!(to.count("files"), s.l.count("files"));
}
