//! The locker and quarantined copies (issue 14, class 6): a keyless
//! attacker's edited copy of a bundle, ingested with `--quarantine`, is
//! shown as unverified everywhere; when the genuine bundle arrives, its
//! record is rewritten from it in full; and `locker verify` compares every
//! recorded value with the stored bundle, not only the hashes.

use crate::harness::{Env, Run};
use crate::locker::{examiner, ingest, json_lines, locker, run};
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const TIME: &str = "2024-05-01T12:00:00Z";

/// Two files, sealed for CASE-1 with item ITEM-1.
fn genuine(env: &Env) -> PathBuf {
    examiner(env);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &vec![7u8; 100_000]);
    env.run([
        "seal",
        "ev",
        "--out",
        "good.zip",
        "--case",
        "CASE-1",
        "--item",
        "ITEM-1",
        "--description",
        "seized laptop",
        "--time",
        TIME,
    ])
    .expect_code(0);
    env.path().join("good.zip")
}

fn replace_all(data: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(data).unwrap();
    assert!(text.contains(from), "{from:?} not in {text}");
    text.replace(from, to).into_bytes()
}

/// A byte-level copy of `good` whose case metadata in bag-info.txt and
/// manifest.json is the attacker's: another case reference, sealing date,
/// item and description. Custody events and payload are untouched.
fn edited_copy(env: &Env, good: &Path) -> PathBuf {
    let (archive, _) = Archive::open(good).unwrap();
    let out = env.path().join("edited.zip");
    let mut zip = ZipWriter::new(std::fs::File::create(&out).unwrap(), DosTime::from_unix(0));
    for e in archive.entries() {
        zip.set_time(e.modified);
        let mut data = archive.read_small(&e, 1 << 30).unwrap();
        if e.name.ends_with("/bag-info.txt") {
            data = replace_all(&data, "Case-Reference: CASE-1", "Case-Reference: EVIL-9");
            data = replace_all(
                &data,
                "Bagging-Date: 2024-05-01",
                "Bagging-Date: 2023-02-03",
            );
        } else if e.name.ends_with("/evidentia/manifest.json") {
            data = replace_all(&data, "\"CASE-1\"", "\"EVIL-9\"");
            data = replace_all(&data, TIME, "2023-02-03T09:00:00Z");
            data = replace_all(&data, "\"ITEM-1\"", "\"ITEM-X\"");
            data = replace_all(&data, "seized laptop", "planted notes");
        }
        zip.add_bytes(&e.name, Method::Stored, &data).unwrap();
    }
    zip.finish().unwrap();
    out
}

fn locker_cmd(env: &Env, json: bool, args: &[&str]) -> Run {
    let mut a: Vec<&OsStr> = Vec::new();
    if json {
        a.push(OsStr::new("--json"));
    }
    a.push(OsStr::new("locker"));
    a.extend(args.iter().map(OsStr::new));
    run(env, &a)
}

/// Everything the locker shows about the bundle, human and JSON.
fn all_output(env: &Env, id: &str) -> String {
    let mut s = String::new();
    for json in [false, true] {
        for args in [
            &["list"][..],
            &["show", id],
            &["find", "--name", "*"],
            &["audit"],
        ] {
            s.push_str(&locker_cmd(env, json, args).stdout_str());
        }
    }
    s
}

const ATTACKER: [&str; 5] = [
    "EVIL-9",
    "2023-02-03",
    "ITEM-X",
    "planted notes",
    "edited.zip",
];

#[test]
fn quarantine_copy_is_marked_and_promotion_rewrites_the_record() {
    let env = Env::new();
    let good = genuine(&env);
    let evil = edited_copy(&env, &good);
    let store = env.path().join("store");
    let store_arg = store.to_str().unwrap();
    // The edited copy fails verification and is quarantined.
    let r = ingest(&env, &evil, &["--quarantine", "--store", store_arg]);
    r.expect_code(1);
    let v = &json_lines(&r)[0];
    assert_eq!(v["outcome"], "quarantined");
    let id = v["bundle_id"].as_str().unwrap().to_string();
    let r = run(
        &env,
        &[
            OsStr::new("ingest"),
            evil.as_os_str(),
            OsStr::new("--quarantine"),
        ],
    );
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("FAILED VERIFICATION"),
        "{}",
        r.stdout_str()
    );

    // list, show, find: every value is marked as unverified.
    let rows = json_lines(&locker_cmd(&env, true, &["list"]));
    assert_eq!(rows[0]["case"], "EVIL-9");
    assert_eq!(rows[0]["status"], "quarantined");
    assert_eq!(rows[0]["quarantined"], true);
    assert_eq!(rows[0]["v"], 5);
    let r = locker_cmd(&env, false, &["list"]);
    assert!(
        r.stdout_str().contains("QUARANTINED (unverified)"),
        "{}",
        r.stdout_str()
    );
    for what in [id.as_str(), "EVIL-9"] {
        let d = json_lines(locker_cmd(&env, true, &["show", what]).expect_code(0));
        assert_eq!(d[0]["quarantined"], true, "{what}");
        let r = locker_cmd(&env, false, &["show", what]);
        for line in r.stdout_str().lines().filter(|l| l.contains("EVIL-9")) {
            assert!(line.contains("QUARANTINED (unverified)"), "{line}");
        }
    }
    // Nothing in a failing copy is evidence: no file of it can be found.
    locker_cmd(&env, false, &["find", "--name", "*"]).expect_code(1);

    // The genuine bundle arrives: promoted, every value rewritten.
    let r = ingest(&env, &good, &["--store", store_arg]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["outcome"], "promoted");
    let stored = PathBuf::from(v["stored"].as_str().unwrap());
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(&good).unwrap()
    );
    let rows = json_lines(&locker_cmd(&env, true, &["list"]));
    assert_eq!(rows.len(), 1);
    let b = &rows[0];
    assert_eq!(
        (&b["case"], &b["status"], &b["quarantined"]),
        (
            &Value::from("CASE-1"),
            &Value::from("verified"),
            &Value::from(false)
        )
    );
    assert_eq!(b["sealed_at"], TIME);
    assert_eq!(b["items"], serde_json::json!(["ITEM-1"]));
    assert_eq!(b["files"], 2);
    assert_eq!(b["location"].as_str(), stored.to_str());
    let d = &json_lines(&locker_cmd(&env, true, &["show", &id]))[0];
    assert_eq!(d["case_meta"]["case_reference"], "CASE-1");
    assert_eq!(d["case_meta"]["description"], "seized laptop");
    assert_eq!(d["events"].as_array().unwrap().len(), 1);
    locker_cmd(&env, false, &["show", "EVIL-9"]).expect_code(1);
    let files = json_lines(&locker_cmd(&env, true, &["find", "--name", "*"]));
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .all(|f| f["quarantined"] == false && f["case"] == "CASE-1")
    );
    // Nothing the attacker wrote is shown anywhere but in the audit log's
    // record of what the promotion replaced.
    let audit = json_lines(&locker_cmd(&env, true, &["audit"]));
    let last = audit.last().unwrap();
    assert_eq!(last["result"], "promoted (verified)");
    let detail = last["detail"].as_str().unwrap();
    for old in [
        "\"EVIL-9\"",
        "2023-02-03T09:00:00Z",
        "ITEM-X",
        "planted notes",
    ] {
        assert!(detail.contains(old), "{old} not in {detail}");
    }
    let shown: String = all_output(&env, &id)
        .lines()
        .filter(|l| !l.contains("audit") && !l.contains("promoted"))
        .collect();
    for bad in ATTACKER {
        assert!(!shown.contains(bad), "{bad} still shown: {shown}");
    }
    for args in [&["verify"][..], &["verify", "--store", store_arg]] {
        let r = locker_cmd(&env, false, args);
        r.expect_code(0);
        assert!(r.stdout_str().starts_with("OK"), "{}", r.stdout_str());
    }

    // Idempotent afterwards: neither copy changes the record again.
    let r = ingest(&env, &good, &["--store", store_arg]);
    assert_eq!(json_lines(r.expect_code(0))[0]["outcome"], "unchanged");
    let r = ingest(&env, &evil, &["--quarantine"]);
    assert_eq!(json_lines(r.expect_code(1))[0]["outcome"], "unchanged");
    assert_eq!(
        json_lines(&locker_cmd(&env, true, &["list"]))[0]["case"],
        "CASE-1"
    );
    locker_cmd(&env, false, &["verify"]).expect_code(0);
}

/// Change one recorded value with SQL, check `locker verify` reports it,
/// and put it back.
fn expect_drift(env: &Env, set: &str, undo: &str, word: &str) {
    let l = locker(env);
    assert_eq!(l.exec(set), 1, "{set}");
    let r = locker_cmd(env, false, &["verify"]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(out.starts_with("DRIFT"), "{set}: {out}");
    assert!(out.contains(word), "{set}: {word} not in {out}");
    assert_eq!(l.exec(undo), 1, "{undo}");
    locker_cmd(env, false, &["verify"]).expect_code(0);
}

#[test]
fn quarantine_locker_verify_compares_every_recorded_value() {
    let env = Env::new();
    let good = genuine(&env);
    env.write(
        "set.sha256",
        b"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a.txt\n",
    );
    run(
        &env,
        &[
            "hashset",
            "import",
            "kb",
            "set.sha256",
            "--kind",
            "known-bad",
        ]
        .map(OsStr::new),
    )
    .expect_code(0);
    // The import's time is a second; the ingest is later than it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ingest(&env, &good, &[]).expect_code(0);
    locker_cmd(&env, false, &["verify"]).expect_code(0);
    let cases: [(&str, &str, &str); 10] = [
        (
            "UPDATE bundles SET case_ref = 'EVIL-9'",
            "UPDATE bundles SET case_ref = 'CASE-1'",
            "case_ref",
        ),
        (
            "UPDATE bundles SET sealed_at = '2023-02-03T09:00:00Z'",
            &format!("UPDATE bundles SET sealed_at = '{TIME}'"),
            "sealed_at",
        ),
        (
            "UPDATE bundles SET case_json = replace(case_json, 'seized laptop', 'planted')",
            "UPDATE bundles SET case_json = replace(case_json, 'planted', 'seized laptop')",
            "case metadata",
        ),
        (
            "UPDATE bundles SET name = 'other'",
            "UPDATE bundles SET name = 'good'",
            "name",
        ),
        (
            "UPDATE items SET item_ref = 'ITEM-X'",
            "UPDATE items SET item_ref = 'ITEM-1'",
            "items",
        ),
        (
            "UPDATE files SET size = 5 WHERE path = 'data/ev/a.txt'",
            "UPDATE files SET size = 6 WHERE path = 'data/ev/a.txt'",
            "size",
        ),
        (
            "UPDATE signers SET claimed_name = 'Judge J. Smith'",
            "UPDATE signers SET claimed_name = 'Jana'",
            "claimed actor",
        ),
        (
            "UPDATE event_signers SET certified_name = 'Judge J. Smith'",
            "UPDATE event_signers SET certified_name = 'Jana'",
            "custody event 1 signer",
        ),
        (
            "UPDATE event_signers SET signer_kind = 'root'",
            "UPDATE event_signers SET signer_kind = 'pinned'",
            "custody event 1 signer",
        ),
        (
            "DELETE FROM matches",
            "INSERT INTO matches (file, hashset, algorithm) SELECT f.id, h.id, 'sha256' \
             FROM files f, hashsets h WHERE f.path = 'data/ev/a.txt'",
            "known-hash match",
        ),
    ];
    for (set, undo, word) in &cases {
        expect_drift(&env, set, undo, word);
    }
}
