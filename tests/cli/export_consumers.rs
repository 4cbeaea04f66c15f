//! What consumes a derived bundle's provenance: `report` (HTML, Markdown,
//! CASE, checked with `case_validate`) and the locker (`ingest`, `locker
//! show`, `locker verify`), on real bundles made by `seal` and `export`:
//! the origin is shown and recorded only when verify proved it, a
//! derived bundle and its original are linked whichever is ingested
//! first, and an export made with `--no-record` says so everywhere.

use crate::backend::TestLocker;
use crate::harness::{Env, Run, peer, run_peer};
use serde_json::Value;
use std::ffi::OsStr;

/// A trusted examiner and an original of six files (`orig.zip`).
fn original(env: &Env) {
    let r = env.run([
        "--json",
        "key",
        "new",
        "--name",
        "Olga Original",
        "--org",
        "Seizing Lab",
        "--country",
        "CZ",
        "--no-encrypt",
    ]);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    let id = v["key_id"].as_str().unwrap().to_string();
    let r = env.run(["key", "export", &id]);
    r.expect_code(0);
    env.write("ex.pub.json", &r.stdout);
    env.run(["trust", "add", "ex.pub.json"]).expect_code(0);
    for i in 1..=5 {
        env.write(
            &format!("ev/mail/m{i}.eml"),
            format!("mail {i}\n").as_bytes(),
        );
    }
    env.write("ev/other.txt", b"not for export\n");
    env.run([
        "seal",
        "ev",
        "--out",
        "orig.zip",
        "--case",
        "C-18",
        "--time",
        "2024-05-01T12:00:00Z",
    ])
    .expect_code(0);
}

/// Export two mails of `orig.zip` to `sub.zip` (`extra`: `--no-record`).
fn export(env: &Env, extra: &[&str]) {
    let mut args = vec![
        "export",
        "orig.zip",
        "--select",
        "ev/mail/m1.eml",
        "--select",
        "ev/mail/m2.eml",
        "--out",
        "sub.zip",
        "--purpose",
        "MLA request 17",
        "--time",
        "2024-06-01T10:00:00Z",
    ];
    args.extend(extra);
    env.run(args).expect_code(0);
}

fn bundle_id(env: &Env, bundle: &str) -> String {
    let r = env.run(["--json", "verify", bundle]);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    v["bundle_id"].as_str().unwrap().to_string()
}

fn report(env: &Env, bundle: &str, format: &str) -> String {
    let r = env.run(["report", bundle, "--format", format]);
    r.expect_code(0);
    r.stdout_str()
}

fn json(r: &Run) -> Value {
    serde_json::from_slice(&r.stdout).unwrap()
}

/// A locker command run against the test's locker (backend.rs).
fn lrun(env: &Env, args: &[&str]) -> Run {
    env.run(TestLocker::new(env).with(args))
}

fn show(env: &Env, id: &str) -> Value {
    let r = lrun(env, &["--json", "locker", "show", id]);
    r.expect_code(0);
    json(&r)
}

/// Both CASE graphs pass `case_validate`.
fn case_validates(env: &Env, bundles: &[&str]) {
    let Some(validate) = peer("case_validate") else {
        return;
    };
    for b in bundles {
        let out = format!("{b}.jsonld");
        env.run(["report", b, "--format", "case", "-o", &out])
            .expect_code(0);
        let v = run_peer(&validate, &[OsStr::new(&out)], env.path());
        let stdout = String::from_utf8_lossy(&v.stdout);
        assert!(
            v.status.success() && stdout.contains("Conforms: True"),
            "{b}: {stdout}"
        );
    }
}

#[test]
fn report_shows_the_proven_origin_and_the_export_event() {
    let env = Env::new();
    original(&env);
    export(&env, &[]);
    let orig = bundle_id(&env, "orig.zip");
    let md = report(&env, "sub.zip", "md");
    for want in [
        "## Provenance (an exported bundle)",
        &format!("| **Original bundle** | {orig} |"),
        "Olga Original, Seizing Lab (CZ) (certified identity of key",
        "| **Originally sealed** | 2024-05-01T12:00:00Z |",
        "| **Exported** | 2024-06-01T10:00:00Z |",
        "| **Purpose** | MLA request 17 |",
        "2 files, each proven to be exactly as the original signer sealed it",
        "4 files of the original, not disclosed",
        "yes: the original's custody chain records the export",
        "not revealed",
        "provenance/seal.json",
    ] {
        assert!(md.contains(want), "{want:?} missing:\n{md}");
    }
    // The same words in HTML, values isolated.
    let html = report(&env, "sub.zip", "html");
    assert!(html.contains("Provenance (an exported bundle)"));
    assert!(html.contains("<bdi>MLA request 17</bdi>"));
    // The original's timeline names the bundle that left.
    let sub = bundle_id(&env, "sub.zip");
    let md = report(&env, "orig.zip", "md");
    assert!(
        md.contains(&format!("derived bundle {sub}, 2 files disclosed")),
        "{md}"
    );
    assert!(!md.contains("## Provenance"));
    // CASE: the export is an action from the original to this bundle.
    let case: Value = serde_json::from_str(&report(&env, "sub.zip", "case")).unwrap();
    let graph = case["@graph"].as_array().unwrap();
    let export = graph
        .iter()
        .find(|n| {
            n["uco-core:name"]
                .as_str()
                .is_some_and(|s| s.starts_with("export (proportional disclosure)"))
        })
        .expect("an export action");
    let original = graph
        .iter()
        .find(|n| n["@type"] == "uco-observable:ArchiveFile")
        .expect("the original bundle");
    assert_eq!(export["uco-action:object"][0]["@id"], original["@id"]);
    assert!(original["uco-core:name"].as_str().unwrap().contains(&orig));
    case_validates(&env, &["sub.zip", "orig.zip"]);
}

#[test]
fn an_unrecorded_export_says_so_in_report_and_locker() {
    let env = Env::new();
    original(&env);
    export(&env, &["--no-record"]);
    let md = report(&env, "sub.zip", "md");
    assert!(
        md.contains("NO: the export was NOT recorded in the original's custody chain"),
        "{md}"
    );
    let sub = bundle_id(&env, "sub.zip");
    let orig = bundle_id(&env, "orig.zip");
    lrun(&env, &["ingest", "orig.zip"]).expect_code(0);
    let r = lrun(&env, &["ingest", "sub.zip"]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(
        out.contains(&format!(
            "exported from {orig} (in this locker: yes; its chain as recorded here does not record the export)"
        )),
        "{out}"
    );
    assert!(out.contains("recorded at the source: NO: the export was NOT recorded"));
    let d = show(&env, &sub);
    assert_eq!(d["origin"]["recorded_at_source"], false);
    assert_eq!(d["origin"]["original_records_export"], "absent");
    let o = show(&env, &orig);
    assert_eq!(o["exports"].as_array().unwrap().len(), 0);
    assert_eq!(o["derived"][0]["bundle_id"], sub.as_str());
    let r = lrun(&env, &["locker", "show", &orig]);
    assert!(
        r.stdout_str()
            .contains("the export was NOT recorded in this custody chain (--no-record)"),
        "{}",
        r.stdout_str()
    );
    lrun(&env, &["locker", "verify"]).expect_code(0);
}

#[test]
fn the_locker_links_derived_and_original_whichever_comes_first() {
    let env = Env::new();
    original(&env);
    export(&env, &[]);
    let sub = bundle_id(&env, "sub.zip");
    let orig = bundle_id(&env, "orig.zip");
    // The derived bundle first: its origin is recorded, the original not
    // held yet.
    let r = lrun(&env, &["--json", "ingest", "sub.zip"]);
    r.expect_code(0);
    let v = json(&r);
    assert_eq!(v["v"], 4);
    assert_eq!(v["origin"]["original_bundle_id"], orig.as_str());
    assert_eq!(v["origin"]["original_in_locker"], false);
    assert_eq!(v["origin"]["disclosed"], 2);
    assert_eq!(v["origin"]["withheld"], 4);
    assert_eq!(v["origin"]["purpose"], "MLA request 17");
    assert_eq!(v["origin"]["original_signer"]["name"], "Olga Original");
    let r = lrun(&env, &["locker", "show", &sub]);
    assert!(
        r.stdout_str()
            .contains(&format!("exported from {orig} (in this locker: no)")),
        "{}",
        r.stdout_str()
    );
    // Then the original: linked both ways, its export event names the
    // derived bundle's seal.
    let r = lrun(&env, &["--json", "ingest", "orig.zip"]);
    r.expect_code(0);
    assert_eq!(json(&r)["derived"][0]["bundle_id"], sub.as_str());
    let d = show(&env, &sub);
    assert_eq!(d["v"], 6);
    assert_eq!(d["exported_from"], orig.as_str());
    assert_eq!(d["origin"]["original_in_locker"], true);
    assert_eq!(d["origin"]["original_status"], "verified");
    assert_eq!(d["origin"]["original_records_export"], "recorded");
    assert_eq!(d["origin"]["export_event"], 2);
    let o = show(&env, &orig);
    assert!(o.get("origin").is_none() && o.get("exported_from").is_none());
    assert_eq!(o["derived"][0]["export_event"], 2);
    let x = &o["exports"][0];
    assert_eq!(
        (x["seq"].clone(), x["derived_bundle_id"].clone()),
        (Value::from(2), Value::from(sub.as_str()))
    );
    assert_eq!(x["files"], 2);
    assert_eq!(x["seal_matches"], true);
    let r = lrun(&env, &["locker", "show", &orig]);
    let text = r.stdout_str();
    assert!(
        text.contains(&format!(
            "export event 2: to {sub}, 2 files, purpose MLA request 17 (in this locker: yes)"
        )),
        "{text}"
    );
    let r = lrun(&env, &["--json", "locker", "list"]);
    let rows: Vec<Value> = r
        .stdout_str()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.iter().all(|b| b["v"] == 5));
    assert!(rows.iter().any(|b| b["exported_from"] == orig.as_str()));
    lrun(&env, &["locker", "verify"]).expect_code(0);
    // A recorded origin edited behind evidentia's back is drift.
    TestLocker::new(&env).exec("UPDATE derivations SET withheld = 0");
    let r = lrun(&env, &["locker", "verify"]);
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("exported from: the locker records"),
        "{}",
        r.stdout_str()
    );
}

#[test]
fn a_derived_bundle_that_fails_records_no_origin() {
    let env = Env::new();
    original(&env);
    export(&env, &[]);
    let sub = bundle_id(&env, "sub.zip");
    // Against a trust store that trusts nobody, nothing is proven: the
    // report shows only the seal's claim, the locker quarantines the copy
    // with no origin.
    std::fs::create_dir(env.path().join("empty")).unwrap();
    let r = env.run(["report", "sub.zip", "--format", "md", "--trust", "empty"]);
    r.expect_code(1);
    let md = r.stdout_str();
    assert!(md.contains("NOT PROVEN: this bundle's seal claims"), "{md}");
    // The signer's name only as the timeline's unproven claim.
    assert!(!md.contains("(certified identity of key"), "{md}");
    assert!(md.contains("**Claims (unproven)**: Olga Original"), "{md}");
    let r = lrun(
        &env,
        &[
            "--json",
            "ingest",
            "sub.zip",
            "--quarantine",
            "--trust",
            "empty",
        ],
    );
    r.expect_code(1);
    let v = json(&r);
    assert_eq!(v["outcome"], "quarantined");
    assert!(v.get("origin").is_none(), "{v}");
    let d = show(&env, &sub);
    assert!(d.get("origin").is_none() && d.get("exported_from").is_none());
    // Verified, it is promoted and its origin recorded.
    let r = lrun(&env, &["--json", "ingest", "sub.zip"]);
    r.expect_code(0);
    assert_eq!(json(&r)["outcome"], "promoted");
    assert_eq!(show(&env, &sub)["origin"]["disclosed"], 2);
}
