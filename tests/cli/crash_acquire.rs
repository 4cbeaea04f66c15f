//! Crash safety of `acquire`: a disk-full failure at every output operation
//! in turn, SIGKILL before every operation in turn, and a real full disk.
//!
//! The rule (docs/testing.md, docs/acquisition.md): `acquisition.json` is
//! the only claim of completion. After a failure or a kill it is absent or
//! says `complete: false`, except when the kill or failure came after its
//! final rename, and then the image matches its hashes. It is never
//! half-written. The source and an earlier acquisition stay untouched.

use crate::crash::{
    Snapshot, Tmpfs, age, assert_untouched, fail_at, kill_at_every_op, kinds, names, snapshot,
};
use crate::harness::Env;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// A 1.1 MB source image, aged, and an earlier acquisition of it.
fn setup(env: &Env) -> (Snapshot, Snapshot) {
    let data: Vec<u8> = (0..1_100_000u32).map(|i| (i * 13 % 253) as u8).collect();
    env.write("src/disk.img", &data);
    age(&env.path().join("src"));
    env.run_cmd(&mut acquire_cmd(env, "acq0")).expect_code(0);
    (
        snapshot(&env.path().join("src")),
        snapshot(&env.path().join("acq0")),
    )
}

/// 64 KiB blocks and 256 KiB segments: 18 writes, 5 segments.
fn acquire_cmd(env: &Env, out: &str) -> Command {
    env.cmd([
        "acquire",
        "src/disk.img",
        "--out",
        out,
        "--block-size",
        "64K",
        "--split",
        "256K",
    ])
}

/// The record, if present; it must always parse.
#[track_caller]
fn record(dir: &Path) -> Option<Value> {
    let bytes = std::fs::read(dir.join("acquisition.json")).ok()?;
    Some(serde_json::from_slice(&bytes).expect("a record is never half-written"))
}

/// A record claiming completion is true: every segment is there with its
/// size, and the image's SHA-256 is the recorded one.
#[track_caller]
fn check_complete(dir: &Path, rec: &Value) {
    let mut h = Sha256::new();
    let mut total = 0;
    for s in rec["image"]["segments"].as_array().unwrap() {
        let data = std::fs::read(dir.join(s["name"].as_str().unwrap())).unwrap();
        assert_eq!(data.len() as u64, s["size"].as_u64().unwrap());
        total += data.len();
        h.update(&data);
    }
    assert_eq!(total, 1_100_000);
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(rec["hashes"]["sha256"], hex.as_str());
    assert!(dir.join("image.map").exists() && dir.join("acquisition.txt").exists());
}

fn is_complete(rec: &Option<Value>) -> bool {
    rec.as_ref().is_some_and(|r| r["complete"] == true)
}

#[test]
fn acquire_disk_full_at_every_write_never_claims_completion() {
    let env = Env::new();
    let (src, acq0) = setup(&env);
    let mut late = Vec::new();
    let mut failed = 0;
    for n in 1.. {
        let out = format!("acq-f{n}");
        let dir = env.path().join(&out);
        let r = fail_at(&env, acquire_cmd(&env, &out), n);
        let when = format!("failure at op {n}");
        assert_untouched(&src, &env.path().join("src"), &when);
        assert_untouched(&acq0, &env.path().join("acq0"), &when);
        let rec = record(&dir);
        if r.code == 0 {
            assert!(is_complete(&rec), "{when}");
            check_complete(&dir, rec.as_ref().unwrap());
            assert_eq!(late, [n - 1], "only the very last operation may fail late");
            break;
        }
        r.expect_code(2);
        assert!(
            r.stderr.contains("No space left on device") && r.stderr.contains(&out),
            "{when}: {}",
            r.stderr
        );
        // A failed write leaves no temporary file behind.
        assert!(
            names(&dir).iter().all(|f| !f.ends_with(".evidentia-tmp")),
            "{when}: {:?}",
            names(&dir)
        );
        if is_complete(&rec) {
            // Failed at the directory fsync after the final rename: the
            // record is complete and true, but not known to be durable.
            check_complete(&dir, rec.as_ref().unwrap());
            late.push(n);
        } else {
            failed += 1;
        }
        assert!(n < 500);
    }
    assert!(failed >= 30, "only {failed} operations failed");
}

#[test]
fn acquire_kill_9_before_every_operation() {
    let env = Env::new();
    let (src, acq0) = setup(&env);
    let mut incomplete = 0;
    let mut n_run = 0;
    let ops = kill_at_every_op(
        || {
            n_run += 1;
            acquire_cmd(&env, &format!("acq-k{n_run}"))
        },
        |n, what| {
            let when = format!("kill before op {n} ({what})");
            let dir = env.path().join(format!("acq-k{n}"));
            assert_untouched(&src, &env.path().join("src"), &when);
            assert_untouched(&acq0, &env.path().join("acq0"), &when);
            let rec = record(&dir);
            if is_complete(&rec) {
                check_complete(&dir, rec.as_ref().unwrap());
            } else {
                incomplete += 1;
            }
        },
    );
    let k = kinds(&ops);
    eprintln!("acquire: killed before {} operations: {k:?}", ops.len());
    for kind in ["create", "write", "fsync", "rename", "fsync-dir"] {
        assert!(k.contains_key(kind), "no {kind} among {k:?}");
    }
    assert!(k["write"] >= 18, "{k:?}");
    // Only a kill before the very last operation finds a complete record.
    assert_eq!(incomplete, ops.len() - 1);
    let last = env.path().join(format!("acq-k{}", ops.len() + 1));
    check_complete(&last, &record(&last).unwrap());
}

#[test]
fn acquire_onto_a_really_full_disk_is_recorded_incomplete() {
    let env = Env::new();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 241) as u8).collect();
    env.write("src/disk.img", &data);
    age(&env.path().join("src"));
    let src = snapshot(&env.path().join("src"));
    let Some(fs) = Tmpfs::mount(&env, "2m") else {
        return;
    };
    let dir = fs.dir.join("acq");
    let mut c = env.cmd(["acquire", "src/disk.img", "--block-size", "64K", "--out"]);
    c.arg(&dir);
    let r = env.run_cmd(&mut c);
    r.expect_code(2);
    assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
    assert!(!is_complete(&record(&dir)), "{:?}", record(&dir));
    assert_untouched(&src, &env.path().join("src"), "full disk");
}
