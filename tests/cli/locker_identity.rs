//! Names the locker shows are proven (issue 14, class 3): it records what
//! verify proved about each event's signer (kind of key, certified
//! identity), never the actor an event claims, and `locker verify` and a
//! new ingest compare and correct that proof.

use crate::harness::Env;
use crate::locker::{ingest, json_lines, locker, run};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::PathBuf;

const JUDGE: &str = "Judge J. Smith";

fn locker_cmd(env: &Env, json: bool, args: &[&str]) -> crate::harness::Run {
    let mut a: Vec<&OsStr> = Vec::new();
    if json {
        a.push(OsStr::new("--json"));
    }
    a.push(OsStr::new("locker"));
    a.extend(args.iter().map(OsStr::new));
    run(env, &a)
}

/// A key whose key file claims to be the judge, pinned in the trust store
/// bare (a minisign public key: no identity), and a bundle it sealed.
fn sealed_by_bare_key(env: &Env) -> PathBuf {
    let r = env.run([
        "--json",
        "key",
        "new",
        "--name",
        JUDGE,
        "--org",
        "Supreme Court",
        "--country",
        "CZ",
        "--no-encrypt",
    ]);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    let id = v["key_id"].as_str().unwrap().to_string();
    let r = env.run(["key", "export", &id, "--minisign"]);
    r.expect_code(0);
    let bare = env.write("bare.pub", &r.stdout);
    env.run([OsStr::new("trust"), OsStr::new("add"), bare.as_os_str()])
        .expect_code(0);
    env.write("ev/a.txt", b"hello\n");
    env.run([
        "seal",
        "ev",
        "--out",
        "b.zip",
        "--case",
        "CASE-1",
        "--time",
        "2024-05-01T12:00:00Z",
    ])
    .expect_code(0);
    env.path().join("b.zip")
}

#[test]
fn locker_never_shows_the_claimed_name_of_a_key_without_certified_identity() {
    let env = Env::new();
    let b = sealed_by_bare_key(&env);
    let r = ingest(&env, &b, &[]);
    r.expect_code(0);
    let id = json_lines(&r)[0]["bundle_id"].as_str().unwrap().to_string();
    let d = &json_lines(locker_cmd(&env, true, &["show", &id]).expect_code(0))[0];
    assert_eq!(d["v"], 6);
    let s = &d["signers"][0];
    assert_eq!(s["signer_kind"], "pinned", "{s}");
    assert_eq!(s.get("certified_identity"), Some(&Value::Null), "{s}");
    assert!(s.get("name").is_none(), "{s}");
    let human = locker_cmd(&env, false, &["show", &id]).stdout_str();
    let line = human.lines().find(|l| l.contains("signer")).unwrap();
    assert!(line.contains("no certified identity"), "{human}");
    // The claim appears nowhere the locker shows.
    for json in [false, true] {
        for args in [&["list"][..], &["show", &id], &["show", "CASE-1"]] {
            let out = locker_cmd(&env, json, args).stdout_str();
            assert!(!out.contains(JUDGE), "{args:?}: {out}");
        }
    }
    // It is kept, apart, in the signers table as a claim.
    let claimed = locker(&env).scalar("SELECT claimed_name FROM signers");
    assert_eq!(claimed, JUDGE);
    locker_cmd(&env, false, &["verify"]).expect_code(0);
}

#[test]
fn locker_records_the_certified_identity_and_corrects_a_record_without_it() {
    let env = Env::new();
    crate::locker::examiner(&env);
    env.write("ev/a.txt", b"hello\n");
    let b = crate::locker::seal(&env, "ev", "b.zip", "CASE-1");
    ingest(&env, &b, &[]).expect_code(0);
    let d = &json_lines(locker_cmd(&env, true, &["show", "CASE-1"]).expect_code(0))[0];
    let s = &d["signers"][0];
    assert_eq!(s["signer_kind"], "pinned", "{s}");
    assert_eq!(s["certified_identity"]["name"], "Jana", "{s}");
    assert_eq!(s["certified_identity"]["org"], "Lab", "{s}");
    assert_eq!(s["certified_identity"]["country"], "CZ", "{s}");
    // A record without the proof (as ingested by an evidentia before
    // schema 4) says so, is drift, and a new ingest records the proof.
    locker(&env).exec("DELETE FROM event_signers");
    let human = locker_cmd(&env, false, &["show", "CASE-1"]).stdout_str();
    assert!(human.contains("not recorded"), "{human}");
    assert!(!human.contains("Jana"), "{human}");
    let r = locker_cmd(&env, false, &["verify"]);
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("custody event 1 signer"),
        "{}",
        r.stdout_str()
    );
    let r = ingest(&env, &b, &[]);
    r.expect_code(0);
    assert_eq!(json_lines(&r)[0]["outcome"], "corrected");
    locker_cmd(&env, false, &["verify"]).expect_code(0);
    let human = locker_cmd(&env, false, &["show", "CASE-1"]).stdout_str();
    let line = human.lines().find(|l| l.contains("signer")).unwrap();
    assert!(line.contains("Jana, Lab, CZ"), "{human}");
    assert!(line.contains("pinned"), "{human}");
}
