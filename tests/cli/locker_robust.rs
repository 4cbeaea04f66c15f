//! The evidence locker under stress: two processes ingesting at once, a
//! SIGKILL at any moment of an ingest, a locker from an older schema, and
//! the JSON documents read strictly.

use crate::backend::TestLocker;
use crate::harness::Env;
use crate::locker::{
    count, examiner, ingest, json_lines, locker, run, seal, setup, transfer, version_1_locker,
};
use std::ffi::OsStr;
use std::path::Path;

#[test]
fn locker_two_processes_ingest_at_once() {
    let env = Env::new();
    let good = setup(&env);
    env.write("ev2/c.txt", b"other");
    let other = seal(&env, "ev2", "other.zip", "CASE-2");
    let l = locker(&env).arg();
    let spawn = |b: &Path| {
        env.cmd([
            OsStr::new("ingest"),
            b.as_os_str(),
            OsStr::new("--locker"),
            OsStr::new(&l),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (a, b) = (spawn(&good), spawn(&other));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(count(&env, "bundles"), 2);
    assert_eq!(count(&env, "files"), 3);
}

fn spawn_ingest(env: &Env, bundle: &Path, l: &TestLocker) -> std::process::Child {
    env.cmd([
        OsStr::new("ingest"),
        bundle.as_os_str(),
        OsStr::new("--locker"),
        OsStr::new(&l.arg()),
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap()
}

#[test]
fn locker_kill_during_ingest_leaves_it_sound() {
    const FILES: i64 = 1500;
    let env = Env::new();
    examiner(&env);
    for i in 0..FILES {
        env.write(&format!("big/f{i:04}"), format!("file {i}").as_bytes());
    }
    let big = seal(&env, "big", "big.zip", "CASE-K");
    // How long a whole ingest takes here, so the kills land across it
    // (verify, opening the locker, the write transaction, the commit).
    let t0 = std::time::Instant::now();
    let full = spawn_ingest(&env, &big, &TestLocker::named(&env, "timing"))
        .wait()
        .unwrap();
    assert!(full.success());
    let total = t0.elapsed();
    let mut seen = std::collections::BTreeSet::new();
    for (i, pct) in [5u32, 20, 40, 60, 75, 85, 92, 97].into_iter().enumerate() {
        let l = TestLocker::named(&env, &format!("kill{i}"));
        let mut child = spawn_ingest(&env, &big, &l);
        std::thread::sleep(total * pct / 100);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let Some(version) = l.schema_version() else {
            seen.insert("no locker");
            continue;
        };
        l.assert_integrity();
        if version == evidentia::locker::CURRENT_VERSION {
            let (files, audit) = (l.count("files"), l.count("audit"));
            assert!(
                (files, audit) == (0, 0) || (files, audit) == (FILES, 1),
                "partial ingest: {files} files, {audit} audit rows"
            );
            seen.insert(if files == 0 { "absent" } else { "complete" });
        } else {
            seen.insert("migrating");
        }
        // Ingesting again works and gives the complete bundle.
        let r = env.run([
            OsStr::new("--json"),
            OsStr::new("ingest"),
            big.as_os_str(),
            OsStr::new("--locker"),
            OsStr::new(&l.arg()),
        ]);
        r.expect_code(0);
        assert_eq!(json_lines(&r)[0]["files"], FILES);
        l.discard();
    }
    eprintln!("states seen after SIGKILL: {seen:?}");
}

#[test]
fn locker_old_schema_is_migrated_on_ingest() {
    let env = Env::new();
    let good = setup(&env);
    {
        // A version 1 locker, exactly as migration 1 made it, with a row.
        // SQLite only: PostgreSQL lockers are made at the current version
        // (or by `locker migrate`), never by an older evidentia.
        version_1_locker(TestLocker::sqlite_only(&env).path());
    }
    ingest(&env, &good, &[]).expect_code(0);
    assert_eq!(
        locker(&env).schema_version(),
        Some(evidentia::locker::CURRENT_VERSION)
    );
    assert_eq!(count(&env, "bundles"), 2);
    assert_eq!(count(&env, "matches"), 0);
}

/// The documented JSON shapes (docs/locker.md), read strictly.
mod wire {
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Ingest {
        pub v: u32,
        pub kind: String,
        pub bundle: String,
        pub bundle_id: Option<String>,
        pub outcome: String,
        pub verdict: String,
        pub problems: Vec<Value>,
        pub files: u64,
        pub events: u64,
        pub new_events: u64,
        pub head: Option<String>,
        pub stored: Option<String>,
        pub alerts: u64,
        pub matches: Vec<Value>,
        pub digests: std::collections::BTreeMap<String, String>,
        pub computed: Vec<String>,
        pub origin: Option<Value>,
        pub derived: Vec<Value>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Bundle {
        pub v: u32,
        pub kind: String,
        pub bundle_id: String,
        pub name: String,
        pub case: Option<String>,
        pub status: String,
        pub quarantined: bool,
        pub items: Vec<String>,
        pub files: u64,
        pub zip_sha256: String,
        pub custody_head: Option<String>,
        pub sealed_at: Option<String>,
        pub ingested_at: String,
        pub location: Option<String>,
        pub digests: std::collections::BTreeMap<String, String>,
        pub exported_from: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Detail {
        pub v: u32,
        pub kind: String,
        pub bundle_id: String,
        pub name: String,
        pub case: Option<String>,
        pub status: String,
        pub quarantined: bool,
        pub items: Vec<String>,
        pub files: u64,
        pub zip_sha256: String,
        pub custody_head: Option<String>,
        pub sealed_at: Option<String>,
        pub ingested_at: String,
        pub location: Option<String>,
        pub digests: std::collections::BTreeMap<String, String>,
        pub case_meta: Value,
        pub problems: Value,
        pub events: Vec<Event>,
        pub signers: Vec<Signer>,
        pub matches: Vec<Value>,
        pub exported_from: Option<String>,
        pub origin: Option<Value>,
        pub derived: Vec<Value>,
        pub exports: Vec<Value>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Event {
        pub seq: u64,
        pub action: String,
        pub time: String,
        pub signer: String,
        pub sha256: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Signer {
        pub key_id: String,
        pub signer_kind: Option<String>,
        pub certified_identity: Option<Identity>,
        pub trust_path: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Identity {
        pub name: String,
        pub org: String,
        pub country: String,
        pub role: Option<String>,
        pub email: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct File {
        pub v: u32,
        pub kind: String,
        pub bundle_id: String,
        pub case: Option<String>,
        pub quarantined: bool,
        pub path: Value,
        pub size: u64,
        pub sha256: Option<String>,
        pub matched: Option<String>,
        pub digest_origin: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Audit {
        pub v: u32,
        pub kind: String,
        pub time: String,
        pub action: String,
        pub actor: String,
        pub host: String,
        pub bundle_id: Option<String>,
        pub result: String,
        pub custody_head: Option<String>,
        pub detail: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Drift {
        pub v: u32,
        pub kind: String,
        pub bundle_id: String,
        pub ok: bool,
        pub drift: Vec<String>,
    }
}

#[test]
fn locker_json_documents_match_their_documentation() {
    let env = Env::new();
    let good = setup(&env);
    let r = ingest(&env, &good, &[]);
    let d: wire::Ingest = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!((d.v, d.kind.as_str()), (4, "ingest"));
    assert_eq!(d.digests["md5"], "computed-at-ingest");
    assert_eq!(d.computed, ["md5", "sha1"]);
    let r = run(&env, &["--json", "locker", "list"].map(OsStr::new));
    let d: wire::Bundle = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(
        (d.v, d.kind.as_str(), d.status.as_str(), d.quarantined),
        (5, "bundle", "verified", false)
    );
    let r = run(
        &env,
        &["--json", "locker", "show", "CASE-1"].map(OsStr::new),
    );
    let d: wire::Detail = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!((d.v, d.kind.as_str()), (6, "bundle-detail"));
    assert_eq!(d.digests["sha256"], "sealed");
    assert_eq!(d.signers[0].signer_kind.as_deref(), Some("pinned"));
    assert_eq!(
        d.signers[0]
            .certified_identity
            .as_ref()
            .map(|i| &i.name[..]),
        Some("Jana")
    );
    let r = run(
        &env,
        &["--json", "locker", "find", "--name", "*a.txt"].map(OsStr::new),
    );
    let d: wire::File = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!((d.v, d.kind.as_str(), d.quarantined), (3, "file", false));
    let r = run(&env, &["--json", "locker", "audit"].map(OsStr::new));
    let d: wire::Audit = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(d.result, "added (verified)");
    assert!(!d.actor.is_empty() && !d.host.is_empty());
    let r = run(&env, &["--json", "locker", "verify"].map(OsStr::new));
    r.expect_code(0);
    let d: wire::Drift = serde_json::from_slice(&r.stdout).unwrap();
    assert!(d.ok && d.drift.is_empty());
}

#[test]
fn locker_longer_chain_extends_conflicting_chain_is_refused_and_key_receives() {
    let env = Env::new();
    let id = examiner(&env);
    env.write("ev/a.txt", b"hello\n");
    let b = seal(&env, "ev", "b.zip", "CASE-X");
    let fork = env.path().join("fork.zip");
    std::fs::copy(&b, &fork).unwrap();
    ingest(&env, &b, &[]).expect_code(0);
    let transfer = |bundle: &Path, time: &str| transfer(&env, bundle, &id, time);
    transfer(&b, "2024-05-02T00:00:00Z");
    let r = ingest(&env, &b, &[]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(
        (v["outcome"].as_str(), v["events"].as_u64()),
        (Some("extended"), Some(2))
    );
    // --key appends a signed receive event, then the chain is extended.
    let r = ingest(&env, &b, &["--key", &id]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(
        (v["outcome"].as_str(), v["new_events"].as_u64()),
        (Some("extended"), Some(1))
    );
    assert_eq!(count(&env, "custody_events"), 3);
    // Another event 2 on a copy of the sealed bundle: a conflicting chain.
    transfer(&fork, "2024-06-01T00:00:00Z");
    let r = ingest(&env, &fork, &[]);
    r.expect_code(1);
    assert!(r.stderr.contains("conflicts"), "{}", r.stderr);
    assert_eq!(count(&env, "custody_events"), 3);
    let r = run(&env, &["--json", "locker", "audit"].map(OsStr::new));
    let last = json_lines(&r).pop().unwrap();
    assert_eq!(last["result"], "refused-chain-conflict (verified)");
}
