//! The evidence locker: ingest (good, tampered, quarantined, twice, two
//! processes at once, killed half-way), queries with exact rows, known-bad
//! matches flagged at ingest, and `locker verify` drift.

use crate::backend::TestLocker;
use crate::harness::{Env, Run};
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const TIME: &str = "2024-05-01T12:00:00Z";

pub(crate) fn examiner(env: &Env) -> String {
    let r = env.run([
        "--json",
        "key",
        "new",
        "--name",
        "Jana",
        "--org",
        "Lab",
        "--country",
        "CZ",
        "--no-encrypt",
    ]);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    let id = v["key_id"].as_str().unwrap().to_string();
    let r = env.run(["key", "export", &id]);
    r.expect_code(0);
    let f = env.write(&format!("{id}.pub.json"), &r.stdout);
    env.run([OsStr::new("trust"), OsStr::new("add"), f.as_os_str()])
        .expect_code(0);
    id
}

/// Evidence in `dir`, sealed into `out` for case `case`.
pub(crate) fn seal(env: &Env, dir: &str, out: &str, case: &str) -> PathBuf {
    env.run(["seal", dir, "--out", out, "--case", case, "--time", TIME])
        .expect_code(0);
    env.path().join(out)
}

pub(crate) fn setup(env: &Env) -> PathBuf {
    examiner(env);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &vec![7u8; 100_000]);
    seal(env, "ev", "good.zip", "CASE-1")
}

/// The test's locker (SQLite `l.db`, or a PostgreSQL database: backend.rs).
pub(crate) fn locker(env: &Env) -> TestLocker {
    TestLocker::new(env)
}

/// Add a signed `transfer` event to `bundle`'s chain, to key `to_key`.
pub(crate) fn transfer(env: &Env, bundle: &Path, to_key: &str, time: &str) {
    env.run([
        OsStr::new("custody"),
        OsStr::new("add"),
        bundle.as_os_str(),
        OsStr::new("--action"),
        OsStr::new("transfer"),
        OsStr::new("--to-key"),
        OsStr::new(to_key),
        OsStr::new("--time"),
        OsStr::new(time),
    ])
    .expect_code(0);
}

/// Make `path` a version 1 SQLite locker, exactly as migration 1 made it,
/// holding one bundle row (an old locker, which only SQLite can have).
pub(crate) fn version_1_locker(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    c.execute_batch(evidentia::locker::MIGRATIONS[0]).unwrap();
    c.execute_batch("PRAGMA user_version = 1").unwrap();
    c.execute(
        "INSERT INTO bundles (bundle_id, name, status, zip_sha256, ingested_at)
         VALUES ('urn:uuid:old', 'old', 'verified', 'z', 't')",
        [],
    )
    .unwrap();
}

pub(crate) fn run(env: &Env, args: &[&OsStr]) -> Run {
    let l = locker(env).arg();
    let mut a: Vec<&OsStr> = args.to_vec();
    a.extend([OsStr::new("--locker"), OsStr::new(&l)]);
    env.run(a)
}

pub(crate) fn ingest(env: &Env, bundle: &Path, extra: &[&str]) -> Run {
    let mut a = vec![
        OsStr::new("--json"),
        OsStr::new("ingest"),
        bundle.as_os_str(),
    ];
    a.extend(extra.iter().map(OsStr::new));
    run(env, &a)
}

pub(crate) fn json_lines(r: &Run) -> Vec<Value> {
    r.stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

pub(crate) fn count(env: &Env, table: &str) -> i64 {
    locker(env).count(table)
}

fn rewrite(src: &Path, dst: &Path, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let (archive, _) = Archive::open(src).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = archive
        .entries()
        .map(|e| (e.name.clone(), archive.read_small(&e, 1 << 30).unwrap()))
        .collect();
    edit(&mut entries);
    let mut zip = ZipWriter::new(std::fs::File::create(dst).unwrap(), DosTime::from_unix(0));
    let times = crate::harness::entry_times(src);
    for (n, d) in &entries {
        zip.set_time(times(n));
        zip.add_bytes(n, Method::Stored, d).unwrap();
    }
    zip.finish().unwrap();
}

fn tampered(env: &Env, good: &Path) -> PathBuf {
    let t = env.path().join("tampered.zip");
    rewrite(good, &t, |e| {
        let f = e
            .iter_mut()
            .find(|(n, _)| n.ends_with("data/ev/sub/b.bin"))
            .unwrap();
        f.1[10] ^= 1;
    });
    t
}

#[test]
fn locker_ingest_good_bundle_gives_exact_rows() {
    let env = Env::new();
    let good = setup(&env);
    let r = ingest(&env, &good, &[]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["v"], 4);
    assert_eq!(v["outcome"], "added");
    assert_eq!(v["files"], 2);
    assert_eq!(v["events"], 1);
    let id = v["bundle_id"].as_str().unwrap().to_string();

    let r = run(
        &env,
        &[
            OsStr::new("--json"),
            OsStr::new("locker"),
            OsStr::new("list"),
        ],
    );
    r.expect_code(0);
    let rows = json_lines(&r);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["bundle_id"], id.as_str());
    assert_eq!(rows[0]["case"], "CASE-1");
    assert_eq!(rows[0]["status"], "verified");
    assert_eq!(rows[0]["files"], 2);

    let r = run(
        &env,
        &[
            OsStr::new("--json"),
            OsStr::new("locker"),
            OsStr::new("show"),
            OsStr::new("CASE-1"),
        ],
    );
    r.expect_code(0);
    let d = &json_lines(&r)[0];
    assert_eq!(d["events"][0]["action"], "seal");
    assert_eq!(d["signers"][0]["certified_identity"]["name"], "Jana");
    assert_eq!(d["signers"][0]["signer_kind"], "pinned");
    assert_eq!(d["case_meta"]["case_reference"], "CASE-1");
    assert_eq!(count(&env, "files"), 2);
    assert_eq!(count(&env, "custody_events"), 1);
    assert_eq!(count(&env, "audit"), 1);

    // find --hash in both cases, and by name.
    let h = "2c4b101169bf328cd4a882e640a8b57eb3acf76518b3d105869905cf629e791c";
    for hex in [h.to_string(), h.to_uppercase()] {
        let r = run(
            &env,
            &[
                OsStr::new("--json"),
                OsStr::new("locker"),
                OsStr::new("find"),
                OsStr::new("--hash"),
                OsStr::new(&hex),
            ],
        );
        r.expect_code(0);
        let f = json_lines(&r);
        assert_eq!(f.len(), 1, "{}", r.stdout_str());
        assert_eq!(f[0]["path"]["text"], "data/ev/sub/b.bin");
        assert_eq!(f[0]["matched"], "sha256");
    }
    let r = run(
        &env,
        &[
            OsStr::new("locker"),
            OsStr::new("find"),
            OsStr::new("--hash"),
            OsStr::new(&"0".repeat(64)),
        ],
    );
    r.expect_code(1);
    let r = run(
        &env,
        &[
            OsStr::new("--json"),
            OsStr::new("locker"),
            OsStr::new("find"),
            OsStr::new("--name"),
            OsStr::new("*/a.t?t"),
        ],
    );
    r.expect_code(0);
    assert_eq!(json_lines(&r).len(), 1);

    // Twice: idempotent, one more audit row.
    let r = ingest(&env, &good, &[]);
    r.expect_code(0);
    assert_eq!(json_lines(&r)[0]["outcome"], "unchanged");
    assert_eq!(count(&env, "files"), 2);
    assert_eq!(count(&env, "bundles"), 1);
    assert_eq!(count(&env, "audit"), 2);
    let r = run(
        &env,
        &[
            OsStr::new("--json"),
            OsStr::new("locker"),
            OsStr::new("audit"),
        ],
    );
    assert_eq!(json_lines(&r)[1]["result"], "unchanged (verified)");

    // locker verify: clean, then drift when the recorded file changes.
    let r = run(&env, &[OsStr::new("locker"), OsStr::new("verify")]);
    r.expect_code(0);
    std::fs::copy(tampered(&env, &good), &good).unwrap();
    let r = run(&env, &[OsStr::new("locker"), OsStr::new("verify")]);
    r.expect_code(1);
    assert!(r.stdout_str().contains("DRIFT"), "{}", r.stdout_str());
}

#[test]
fn locker_tampered_bundle_writes_nothing_unless_quarantined() {
    let env = Env::new();
    let good = setup(&env);
    // The locker exists (empty) so that row counts can be read.
    run(&env, &[OsStr::new("hashset"), OsStr::new("list")]).expect_code(0);
    let bad = tampered(&env, &good);
    let r = ingest(&env, &bad, &[]);
    r.expect_code(1);
    assert_eq!(json_lines(&r)[0]["outcome"], "refused");
    for t in ["bundles", "files", "custody_events", "audit", "items"] {
        assert_eq!(count(&env, t), 0, "{t}");
    }
    let r = ingest(&env, &bad, &["--quarantine"]);
    r.expect_code(1);
    assert_eq!(json_lines(&r)[0]["outcome"], "quarantined");
    assert_eq!(count(&env, "bundles"), 1);
    assert_eq!(count(&env, "files"), 0);
    assert_eq!(count(&env, "audit"), 1);
    let r = run(
        &env,
        &[
            OsStr::new("--json"),
            OsStr::new("locker"),
            OsStr::new("list"),
        ],
    );
    assert_eq!(json_lines(&r)[0]["status"], "quarantined");
    // The good copy of the same bundle promotes it.
    let r = ingest(&env, &good, &[]);
    r.expect_code(0);
    assert_eq!(json_lines(&r)[0]["outcome"], "promoted");
    assert_eq!(count(&env, "files"), 2);
}

#[test]
fn locker_store_and_known_bad_alert_at_ingest() {
    let env = Env::new();
    let good = setup(&env);
    env.write(
        "bad.sha256",
        b"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a.txt\n",
    );
    run(
        &env,
        &[
            OsStr::new("hashset"),
            OsStr::new("import"),
            OsStr::new("evil"),
            OsStr::new("bad.sha256"),
            OsStr::new("--kind"),
            OsStr::new("known-bad"),
        ],
    )
    .expect_code(0);
    let store = env.path().join("store");
    let r = ingest(&env, &good, &["--store", store.to_str().unwrap()]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["alerts"], 1);
    assert_eq!(v["matches"][0]["path"], "data/ev/a.txt");
    assert_eq!(v["matches"][0]["set_kind"], "known-bad");
    let stored = PathBuf::from(v["stored"].as_str().unwrap());
    assert!(stored.starts_with(store.join("sha256")));
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(&good).unwrap()
    );
    let r = run(
        &env,
        &[
            OsStr::new("locker"),
            OsStr::new("show"),
            OsStr::new("CASE-1"),
        ],
    );
    assert!(
        r.stdout_str().contains("ALERT known-bad: data/ev/a.txt"),
        "{}",
        r.stdout_str()
    );
    // Human ingest prints the alert too (already present: still listed).
    let r = run(&env, &[OsStr::new("ingest"), good.as_os_str()]);
    r.expect_code(0);
    assert!(r.stdout_str().contains("ALERT known-bad"));
    let r = run(
        &env,
        &[
            OsStr::new("locker"),
            OsStr::new("verify"),
            OsStr::new("--store"),
            store.as_os_str(),
        ],
    );
    r.expect_code(0);
}

#[test]
fn locker_match_takes_a_bundle_or_the_whole_locker() {
    let env = Env::new();
    let good = setup(&env);
    env.write(
        "bad.sha256",
        b"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a.txt\n",
    );
    let args = [
        "hashset",
        "import",
        "evil",
        "bad.sha256",
        "--kind",
        "known-bad",
    ];
    run(&env, &args.map(OsStr::new)).expect_code(0);
    let r = run(
        &env,
        &[
            OsStr::new("match"),
            good.as_os_str(),
            OsStr::new("--hashset"),
            OsStr::new("evil"),
        ],
    );
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("good.zip/data/ev/a.txt"),
        "{}",
        r.stdout_str()
    );
    let r = run(
        &env,
        &["match", "--locker-files", "--hashset", "evil"].map(OsStr::new),
    );
    r.expect_code(0);
    assert_eq!(r.stdout_str(), "");
    ingest(&env, &good, &[]).expect_code(0);
    let r = run(
        &env,
        &["match", "--locker-files", "--hashset", "evil"].map(OsStr::new),
    );
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("/data/ev/a.txt"),
        "{}",
        r.stdout_str()
    );
    // A tampered bundle is not matched: exit 1 with the reason.
    let bad = tampered(&env, &good);
    let r = run(
        &env,
        &[
            OsStr::new("match"),
            bad.as_os_str(),
            OsStr::new("--hashset"),
            OsStr::new("evil"),
        ],
    );
    r.expect_code(1);
    assert!(r.stderr.contains("failed verification"), "{}", r.stderr);
}
