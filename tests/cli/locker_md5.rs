//! MD5 and SHA-1 in the locker (issue 15, item 2): bundles sealed with the
//! default algorithms get their files' MD5 and SHA-1 computed at ingest,
//! marked as such; `locker find --hash` and `match` use them; a locker
//! from before says which bundles it cannot search instead of "no match",
//! and ingesting the bundle again adds them. Expected digests come from
//! coreutils (`md5sum`, `sha1sum`) and published vectors, not evidentia.

use crate::harness::Env;
use crate::locker::{examiner, ingest, json_lines, locker, run, seal};
use std::ffi::OsStr;
use std::path::Path;

/// MD5 and SHA-1 of "hello\n" (as `md5sum`/`sha1sum` print them).
const HELLO_MD5: &str = "b1946ac92492d2347c6235b4d2611184";
const HELLO_SHA1: &str = "f572d396fae9206628714fb2ce00f72e94f2258f";

/// A coreutils digest tool's hex for `file`.
fn coreutils(tool: &str, file: &Path) -> String {
    let out = std::process::Command::new(tool)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(out.status.success(), "{tool} failed");
    String::from_utf8(out.stdout).unwrap()[..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Evidence with a small file and one past the hashing block (3 MiB), so
/// both of the verify pass's ways of hashing are tapped; sealed with the
/// default algorithms (SHA-256, BLAKE3), or with `algo` in addition.
fn sealed(env: &Env, algo: Option<&str>) -> std::path::PathBuf {
    examiner(env);
    env.write("ev/a.txt", b"hello\n");
    let big: Vec<u8> = (0..3u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
    env.write("ev/sub/big.bin", &big);
    match algo {
        None => seal(env, "ev", "good.zip", "CASE-MD5"),
        Some(a) => {
            env.run([
                "seal",
                "ev",
                "--out",
                "md5.zip",
                "--case",
                "CASE-MD5",
                "--algo",
                a,
                "--time",
                "2024-05-01T12:00:00Z",
            ])
            .expect_code(0);
            env.path().join("md5.zip")
        }
    }
}

fn find(env: &Env, json: bool, hex: &str) -> crate::harness::Run {
    let mut a = vec![];
    if json {
        a.push(OsStr::new("--json"));
    }
    a.extend([
        OsStr::new("locker"),
        OsStr::new("find"),
        OsStr::new("--hash"),
        OsStr::new(hex),
    ]);
    run(env, &a)
}

fn import(env: &Env, name: &str, file: &str, contents: &str) {
    let f = env.write(file, contents.as_bytes());
    run(
        env,
        &[
            OsStr::new("hashset"),
            OsStr::new("import"),
            OsStr::new(name),
            f.as_os_str(),
            OsStr::new("--kind"),
            OsStr::new("known-bad"),
        ],
    )
    .expect_code(0);
}

fn match_locker(env: &Env, json: bool, set: &str) -> crate::harness::Run {
    let mut a = vec![];
    if json {
        a.push(OsStr::new("--json"));
    }
    a.extend(["match", "--locker-files", "--hashset", set].map(OsStr::new));
    run(env, &a)
}

#[test]
fn ingest_computes_md5_and_sha1_and_find_uses_them_marked_as_computed() {
    let env = Env::new();
    let good = sealed(&env, None);
    let r = ingest(&env, &good, &[]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["v"], 4);
    assert_eq!(
        v["digests"],
        serde_json::json!({"md5": "computed-at-ingest", "sha1": "computed-at-ingest",
                           "sha256": "sealed", "blake3": "sealed"})
    );
    assert_eq!(v["computed"], serde_json::json!(["md5", "sha1"]));

    let big = env.path().join("ev/sub/big.bin");
    for (hex, algo, path) in [
        (HELLO_MD5.to_string(), "md5", "data/ev/a.txt"),
        (HELLO_SHA1.to_uppercase(), "sha1", "data/ev/a.txt"),
        (coreutils("md5sum", &big), "md5", "data/ev/sub/big.bin"),
        (coreutils("sha1sum", &big), "sha1", "data/ev/sub/big.bin"),
    ] {
        let r = find(&env, true, &hex);
        r.expect_code(0);
        let rows = json_lines(&r);
        assert_eq!(rows.len(), 1, "{hex}: {rows:?}");
        assert_eq!(rows[0]["v"], 3);
        assert_eq!(rows[0]["path"]["text"], path);
        assert_eq!(rows[0]["matched"], algo);
        assert_eq!(rows[0]["digest_origin"], "computed-at-ingest");
        let human = find(&env, false, &hex).stdout_str();
        assert!(
            human.contains(&format!("{path}  "))
                && human.contains(&format!("{algo} computed at ingest")),
            "{human}"
        );
    }
    // A sealed digest says so.
    let sha256 = coreutils("sha256sum", &env.path().join("ev/a.txt"));
    let rows = json_lines(find(&env, true, &sha256).expect_code(0));
    assert_eq!(rows[0]["digest_origin"], "sealed");
    // No row holds a computed digest where the bundle sealed one, and the
    // bundle's record says what it holds.
    let show = run(
        &env,
        &["--json", "locker", "show", "CASE-MD5"].map(OsStr::new),
    );
    let d = &json_lines(show.expect_code(0))[0];
    assert_eq!(d["v"], 6);
    assert_eq!(d["digests"]["md5"], "computed-at-ingest");
    let human = run(&env, &["locker", "show", "CASE-MD5"].map(OsStr::new)).stdout_str();
    assert!(
        human.contains("digests: sha256, blake3 sealed; md5, sha1 computed at ingest"),
        "{human}"
    );
    // `locker verify` finds the record faithful, and computes the digests
    // again: one changed in the locker is drift.
    run(&env, &["locker", "verify"].map(OsStr::new)).expect_code(0);
    let l = locker(&env);
    let md5 = l.blob_literal(&[
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0xff,
    ]);
    let sql = format!("UPDATE files SET ingest_md5 = {md5} WHERE path = 'data/ev/a.txt'");
    assert_eq!(l.exec(&sql), 1);
    let r = run(&env, &["locker", "verify"].map(OsStr::new));
    r.expect_code(1);
    assert!(
        r.stdout_str()
            .contains("file \"data/ev/a.txt\" md5 computed at ingest")
            && r.stdout_str().contains(HELLO_MD5),
        "{}",
        r.stdout_str()
    );
}

#[test]
fn a_bundle_sealed_with_md5_keeps_its_sealed_md5() {
    let env = Env::new();
    let b = sealed(&env, Some("md5"));
    let r = ingest(&env, &b, &[]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["digests"]["md5"], "sealed");
    assert_eq!(v["digests"]["sha1"], "computed-at-ingest");
    assert_eq!(v["computed"], serde_json::json!(["sha1"]));
    let rows = json_lines(find(&env, true, HELLO_MD5).expect_code(0));
    assert_eq!(rows.len(), 1, "one row, not a sealed and a computed one");
    assert_eq!(rows[0]["digest_origin"], "sealed");
    let computed_md5 = locker(&env).scalar("SELECT count(ingest_md5) FROM files");
    assert_eq!(computed_md5, "0");
}

#[test]
fn md5_only_and_sha1_only_hash_sets_match_at_ingest_and_later() {
    let env = Env::new();
    let good = sealed(&env, None);
    // Known-bad lists as agencies exchange them: MD5 only, SHA-1 only.
    import(
        &env,
        "md5-bad",
        "bad.md5",
        &format!("{HELLO_MD5}  hello.txt\n"),
    );
    let big_sha1 = coreutils("sha1sum", &env.path().join("ev/sub/big.bin"));
    import(
        &env,
        "sha1-bad",
        "bad.sha1",
        &format!("{big_sha1}  big.bin\n"),
    );

    let r = ingest(&env, &good, &[]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["alerts"], 2, "{v}");
    let m: Vec<(String, String, String)> = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["path"].as_str().unwrap().to_string(),
                m["algorithm"].as_str().unwrap().to_string(),
                m["digest_origin"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(m.contains(&(
        "data/ev/a.txt".into(),
        "md5".into(),
        "computed-at-ingest".into()
    )));
    assert!(m.contains(&(
        "data/ev/sub/big.bin".into(),
        "sha1".into(),
        "computed-at-ingest".into()
    )));

    for (set, path, algo) in [
        ("md5-bad", "data/ev/a.txt", "md5"),
        ("sha1-bad", "data/ev/sub/big.bin", "sha1"),
    ] {
        let r = match_locker(&env, true, set);
        r.expect_code(1);
        let rows = json_lines(&r);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["v"], 2);
        assert!(rows[0]["path"]["text"].as_str().unwrap().ends_with(path));
        assert_eq!(rows[0]["algorithm"], algo);
        assert_eq!(rows[0]["digest_origin"], "computed-at-ingest");
        let human = match_locker(&env, false, set).stdout_str();
        assert!(
            human.contains(&format!("{algo} computed at ingest")),
            "{human}"
        );
    }
    // A bundle target is matched by MD5 computed as it verifies.
    let r = run(
        &env,
        &[
            OsStr::new("--json"),
            OsStr::new("match"),
            good.as_os_str(),
            OsStr::new("--hashset"),
            OsStr::new("md5-bad"),
        ],
    );
    r.expect_code(1);
    let rows = json_lines(&r);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["digest_origin"], "computed");
    // The recorded matches are backed by the computed digests: no drift.
    run(&env, &["locker", "verify"].map(OsStr::new)).expect_code(0);
}

/// Copy the locker at `from` (current schema) into a schema-4 locker at
/// `to`, as an evidentia before this change would have written it: no
/// computed digests, no record of which digests a bundle holds.
fn as_schema_4(from: &Path, to: &Path) {
    let c = rusqlite::Connection::open(to).unwrap();
    for m in &evidentia::locker::MIGRATIONS[..4] {
        c.execute_batch(m).unwrap();
    }
    c.execute_batch("PRAGMA user_version = 4").unwrap();
    c.execute("ATTACH DATABASE ?1 AS cur", [from.to_str().unwrap()])
        .unwrap();
    c.execute_batch(
        "INSERT INTO bundles SELECT id, bundle_id, name, case_ref, status, zip_sha256,
             custody_head, sealed_at, ingested_at, store_path, case_json, problems_json
             FROM cur.bundles;
         INSERT INTO items SELECT * FROM cur.items;
         INSERT INTO files SELECT id, bundle, path, path_bytes, size, md5, sha1, sha256, sha512,
             blake3 FROM cur.files;
         INSERT INTO custody_events SELECT * FROM cur.custody_events;
         INSERT INTO signers SELECT * FROM cur.signers;
         INSERT INTO event_signers SELECT * FROM cur.event_signers;
         INSERT INTO audit SELECT * FROM cur.audit;",
    )
    .unwrap();
}

#[test]
fn an_old_locker_says_what_it_cannot_search_and_a_new_ingest_adds_it() {
    let env = Env::new();
    // SQLite only: the schema-4 locker is built by hand from SQLite's
    // migrations; a PostgreSQL locker never had schema 4.
    let l = crate::backend::TestLocker::sqlite_only(&env);
    let good = sealed(&env, None);
    let now = env.path().join("now.db");
    env.run([
        OsStr::new("ingest"),
        good.as_os_str(),
        OsStr::new("--locker"),
        now.as_os_str(),
    ])
    .expect_code(0);
    as_schema_4(&now, l.path());
    import(
        &env,
        "md5-bad",
        "bad.md5",
        &format!("{HELLO_MD5}  hello.txt\n"),
    );

    // Not "no match": which bundles could not be searched, and what to do.
    let r = find(&env, false, HELLO_MD5);
    r.expect_code(1);
    let err = r.stderr.clone();
    assert!(
        err.contains("1 bundle in the locker holds no md5 digests")
            && err.contains("ingest it again"),
        "{err}"
    );
    assert!(!err.contains("no file in the locker matches\n"), "{err}");
    let r = find(&env, true, HELLO_MD5);
    r.expect_code(1);
    let docs = json_lines(&r);
    assert_eq!(docs[0]["kind"], "not-held");
    assert_eq!(docs[0]["algorithms"], serde_json::json!(["md5"]));
    assert_eq!(docs[0]["bundles"].as_array().unwrap().len(), 1);
    // A SHA-256 search is complete: no such note.
    let sha256 = coreutils("sha256sum", &env.path().join("ev/a.txt"));
    let r = find(&env, false, &sha256);
    r.expect_code(0);
    assert!(!r.stderr.contains("holds no"));
    // The same for a hash set carrying MD5 only.
    // The set could not be matched against that bundle at all: a check
    // that did not run, never a clean exit 0, and the files are not
    // counted as checked.
    let r = match_locker(&env, false, "md5-bad");
    r.expect_code(2);
    let err = r.stderr.clone();
    assert!(
        err.contains("holds no md5 digests") && err.contains("hash set \"md5-bad\""),
        "{err}"
    );
    assert!(
        err.contains("0 files checked") && err.contains("NOT checked"),
        "{err}"
    );
    let quiet = run(
        &env,
        &["-q", "match", "--locker-files", "--hashset", "md5-bad"].map(OsStr::new),
    );
    quiet.expect_code(2);
    assert!(
        quiet.stderr.contains("holds no md5 digests"),
        "{}",
        quiet.stderr
    );

    // Ingesting the bundle again adds them, marked as computed at ingest.
    let r = run(&env, &[OsStr::new("ingest"), good.as_os_str()]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(
        out.contains("ALREADY IN LOCKER")
            && out.contains("added md5, sha1 digests computed at ingest"),
        "{out}"
    );
    assert!(out.contains("ALERT known-bad: data/ev/a.txt"), "{out}");
    let rows = json_lines(find(&env, true, HELLO_MD5).expect_code(0));
    assert_eq!(rows[0]["digest_origin"], "computed-at-ingest");
    let r = match_locker(&env, false, "md5-bad");
    r.expect_code(1);
    assert!(!r.stderr.contains("holds no"));
    run(&env, &["locker", "verify"].map(OsStr::new)).expect_code(0);
}
