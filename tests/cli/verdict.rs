//! The positive verdict (issue 14, class 1) and bag-info labels (class 8):
//! VERIFIED only when every mandatory check ran and passed. An empty zip,
//! a bag without custody events, a bag-info with a second Payload-Oxum are
//! failures with named reasons, and every command that trusts a verdict
//! (`custody show`, `report`, `ingest`, `locker verify`) refuses them.

use crate::attacks::{Member, members, rezip};
use crate::bundle::{examiner, stock_tools_accept, trust};
use crate::harness::{Env, Run};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const CHECKS: [&str; 14] = [
    "container",
    "layout",
    "bag-declaration",
    "bag-info",
    "manifests",
    "payload",
    "tag-manifests",
    "manifest-json",
    "seal-event",
    "signatures",
    "chain",
    "head",
    "disclosure",
    "captures",
];

fn verify_json(env: &Env, bundle: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec![OsStr::new("--json"), OsStr::new("verify")];
    args.extend(extra.iter().map(OsStr::new));
    args.push(bundle.as_os_str());
    let run = env.run(args);
    let v = serde_json::from_slice(&run.stdout).unwrap_or(Value::Null);
    (run, v)
}

/// check name -> outcome, in the report's order.
fn outcomes(v: &Value) -> Vec<(String, String)> {
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_string(),
                c["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn codes(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A sealed bundle of two files with a trusted key.
pub(crate) fn sealed(env: &Env) -> PathBuf {
    let id = examiner(env, "Jana Examiner");
    trust(env, &id);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/b.bin", &[7u8; 5000]);
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

/// The 22-byte end-of-central-directory record and nothing else.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

#[test]
fn a_clean_bundle_lists_every_check_as_passed() {
    let env = Env::new();
    let b = sealed(&env);
    let (run, v) = verify_json(&env, &b, &[]);
    run.expect_code(0);
    assert_eq!(v["verdict"], "verified");
    let got = outcomes(&v);
    let names: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, CHECKS, "the fixed list, in order");
    assert!(got.iter().all(|(_, o)| o == "passed"), "{got:?}");
    let human = env.run([OsStr::new("verify"), b.as_os_str()]);
    human.expect_code(0);
    assert!(
        human.stdout_str().contains("checks: 14 of 14 passed"),
        "{}",
        human.stdout_str()
    );
}

#[test]
fn an_empty_zip_is_not_verified_by_any_command() {
    let env = Env::new();
    sealed(&env);
    let empty = env.write("empty.zip", &EMPTY_ZIP);
    let head = "0".repeat(64);
    for extra in [vec![], vec!["--expect-head", head.as_str()]] {
        let (run, v) = verify_json(&env, &empty, &extra);
        run.expect_code(1);
        assert_eq!(v["verdict"], "failed");
        let got = outcomes(&v);
        assert_eq!(got[0], ("container".into(), "passed".into()));
        assert_eq!(got[1], ("layout".into(), "failed".into()));
        for (check, outcome) in &got[2..] {
            assert_eq!(outcome, "not-run", "{check}");
        }
        let f = codes(&v);
        assert!(
            f.contains(&("missing-file".into(), "bagit.txt".into())),
            "{f:?}"
        );
        for check in &CHECKS[2..] {
            assert!(f.contains(&("not-run".into(), check.to_string())), "{f:?}");
        }
    }
    let human = env.run([OsStr::new("verify"), empty.as_os_str()]);
    human.expect_code(1);
    assert!(human.stdout_str().starts_with("FAILED"));
    assert!(human.stdout_str().contains("signatures NOT RUN"));
    env.run([OsStr::new("custody"), OsStr::new("show"), empty.as_os_str()])
        .expect_code(1);
    let r = env.run([
        OsStr::new("report"),
        empty.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("json"),
        OsStr::new("-o"),
        OsStr::new("r.json"),
    ]);
    // Written, and showing the problems (docs/report.md): exit 1.
    assert_eq!(r.code, 1, "report of an empty zip: {}", r.stderr);
    // The court's report lists the checks that did not run.
    let md = env.run([
        OsStr::new("report"),
        empty.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("md"),
    ]);
    let text = md.stdout_str();
    assert!(
        text.contains("## Checks") || text.contains("Checks"),
        "{text}"
    );
    assert_eq!(text.matches("NOT RUN").count(), 12, "{text}");
    let locker = std::ffi::OsString::from(crate::backend::TestLocker::new(&env).arg());
    let ingest = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("ingest"),
            OsStr::new("--locker"),
            locker.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        args.push(empty.as_os_str());
        env.run(args)
    };
    ingest(&[]).expect_code(1);
    ingest(&["--quarantine"]).expect_code(1);
    let list = env.run([
        OsStr::new("--json"),
        OsStr::new("locker"),
        OsStr::new("--locker"),
        locker.as_os_str(),
        OsStr::new("list"),
    ]);
    list.expect_code(0);
    let out = list.stdout_str();
    assert!(out.contains("quarantined"), "{out}");
    assert!(!out.contains("\"verified\""), "{out}");
}

#[test]
fn a_bag_without_custody_events_is_not_verified() {
    let env = Env::new();
    let b = sealed(&env);
    let kept: Vec<Member> = members(&b)
        .into_iter()
        .filter(|(n, _, _)| !n.contains("/custody/") && !n.contains("/keys/"))
        .collect();
    let bare = env.path().join("bare.zip");
    rezip(&bare, &kept);
    let (run, v) = verify_json(&env, &bare, &[]);
    run.expect_code(1);
    let got = outcomes(&v);
    for (check, want) in [
        ("payload", "passed"),
        ("manifest-json", "passed"),
        ("tag-manifests", "passed"),
        ("signatures", "not-run"),
        ("chain", "not-run"),
        ("head", "not-run"),
    ] {
        assert!(
            got.contains(&(check.to_string(), want.to_string())),
            "{check} {want}: {got:?}"
        );
    }
}

/// Edit bag-info.txt and bring the tag manifest along, as a sealer (or a
/// forger who also replaces the seal) would: the label checks must catch
/// it on their own, not only through the broken seal.
fn with_bag_info(env: &Env, b: &Path, out: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    use sha2::Digest;
    let mut es = members(b);
    let info = es
        .iter()
        .position(|(n, _, _)| n.ends_with("/bag-info.txt"))
        .unwrap();
    let text = edit(std::str::from_utf8(&es[info].1).unwrap());
    let old = evidentia::hash::to_hex(&sha2::Sha256::digest(&es[info].1));
    let new = evidentia::hash::to_hex(&sha2::Sha256::digest(text.as_bytes()));
    es[info].1 = text.into_bytes();
    let tm = es
        .iter()
        .position(|(n, _, _)| n.ends_with("/tagmanifest-sha256.txt"))
        .unwrap();
    let t = String::from_utf8(es[tm].1.clone()).unwrap();
    es[tm].1 = t.replace(&old, &new).into_bytes();
    let p = env.path().join(out);
    rezip(&p, &es);
    p
}

#[test]
fn every_payload_oxum_is_checked_and_single_labels_do_not_repeat() {
    let env = Env::new();
    let b = sealed(&env);
    let two = with_bag_info(&env, &b, "two-oxum.zip", |t| {
        format!("{t}Payload-Oxum: 1.1\n")
    });
    let (run, v) = verify_json(&env, &two, &[]);
    run.expect_code(1);
    let f = v["findings"].as_array().unwrap();
    let oxum: Vec<&Value> = f.iter().filter(|f| f["code"] == "payload-oxum").collect();
    assert_eq!(oxum.len(), 1, "the wrong second value: {f:?}");
    assert_eq!(oxum[0]["expected"], "1.1");
    assert!(
        f.iter().any(|f| f["code"] == "bag-info"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("Payload-Oxum appears 2 times")),
        "{f:?}"
    );
    let case = with_bag_info(&env, &b, "two-case.zip", |t| {
        format!("{t}Case-Reference: OTHER-CASE\n")
    });
    let (_, v) = verify_json(&env, &case, &[]);
    let f = v["findings"].as_array().unwrap();
    assert!(
        f.iter().any(|f| f["code"] == "bag-info"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("Case-Reference appears 2 times")),
        "{f:?}"
    );
    assert!(
        f.iter().any(|f| f["code"] == "bag-info"
            && f["actual"] == "OTHER-CASE"
            && f["expected"] == "CASE-1"),
        "the value bagit tools show differs from manifest.json's: {f:?}"
    );
}

/// The Item-Number lines of `b`'s bag-info.txt, in order.
fn item_lines(b: &Path) -> Vec<String> {
    let es = members(b);
    let info = es
        .iter()
        .find(|(n, _, _)| n.ends_with("/bag-info.txt"))
        .unwrap();
    String::from_utf8(info.1.clone())
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("Item-Number:"))
        .map(String::from)
        .collect()
}

/// `--item` repeats, and a meta file's `items` list comes first: one
/// Item-Number line per item, in manifest.json's order, which verify,
/// bagit.py, the report and the locker all accept and show.
#[test]
fn several_items_are_sealed_verified_reported_and_ingested() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    trust(&env, &id);
    env.write("ev/a.txt", b"hello\n");
    env.write(
        "meta.toml",
        b"case_reference = \"X\"\nitems = [\"7\", \"8\"]\n",
    );
    let cases: [(&str, &[&str], &[&str]); 2] = [
        ("CASE-2", &["--item", "I1", "--item", "I2"], &["I1", "I2"]),
        (
            "CASE-3",
            &["--meta", "meta.toml", "--item", "I 9"],
            &["7", "8", "I 9"],
        ),
    ];
    for (case, flags, items) in cases {
        let out = format!("{case}.zip");
        let mut args = vec!["seal", "ev", "--out", &out, "--case", case];
        args.extend(["--time", "2024-05-01T12:00:00Z"]);
        args.extend(flags);
        env.run(&args).expect_code(0);
        let b = env.path().join(&out);
        let want: Vec<String> = items.iter().map(|i| format!("Item-Number: {i}")).collect();
        assert_eq!(item_lines(&b), want);
        let (run, v) = verify_json(&env, &b, &[]);
        run.expect_code(0);
        assert_eq!(v["verdict"], "verified", "{v}");
        stock_tools_accept(&env, &b, case);
        let md = env.run([
            OsStr::new("report"),
            b.as_os_str(),
            OsStr::new("--format"),
            OsStr::new("md"),
        ]);
        md.expect_code(0);
        let row = format!("| **Items** | {} |", items.join(", "));
        assert!(
            md.stdout_str().contains(&row),
            "{row} in {}",
            md.stdout_str()
        );
        crate::locker::ingest(&env, &b, &[]).expect_code(0);
        let show = crate::locker::run(
            &env,
            &[
                OsStr::new("--json"),
                OsStr::new("locker"),
                OsStr::new("show"),
                OsStr::new(case),
            ],
        );
        show.expect_code(0);
        let d = &crate::locker::json_lines(&show)[0];
        // The locker keeps items sorted.
        assert_eq!(d["items"], serde_json::json!(items), "{d}");
        assert_eq!(d["case_meta"]["items"], serde_json::json!(items), "{d}");
    }
}

/// A change to bag-info.txt's text.
type Edit = fn(&str) -> String;

/// A forger who edits the Item-Number lines and re-hashes bag-info.txt in
/// the tag manifest is caught by the bag-info check, and ingest refuses.
#[test]
fn an_item_number_added_dropped_repeated_changed_or_moved_is_caught() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    trust(&env, &id);
    env.write("ev/a.txt", b"hello\n");
    env.run([
        "seal",
        "ev",
        "--out",
        "b.zip",
        "--case",
        "CASE-1",
        "--item",
        "I1",
        "--item",
        "I2",
        "--time",
        "2024-05-01T12:00:00Z",
    ])
    .expect_code(0);
    let b = env.path().join("b.zip");
    verify_json(&env, &b, &[]).0.expect_code(0);
    let edits: [(&str, Edit, &str); 5] = [
        (
            "repeated",
            |t| t.replace("Item-Number: I2\n", "Item-Number: I2\nItem-Number: I2\n"),
            "Item-Number appears 3 times",
        ),
        (
            "dropped",
            |t| t.replace("Item-Number: I2\n", ""),
            "an Item-Number manifest.json records is missing",
        ),
        (
            "added",
            |t| format!("{t}Item-Number: I3\n"),
            "an Item-Number is not one manifest.json records",
        ),
        (
            "changed",
            |t| t.replace("Item-Number: I2\n", "Item-Number: I3\n"),
            "an Item-Number is not one manifest.json records",
        ),
        (
            "moved",
            |t| {
                t.replace(
                    "Item-Number: I1\nItem-Number: I2\n",
                    "Item-Number: I2\nItem-Number: I1\n",
                )
            },
            "not in the order manifest.json records",
        ),
    ];
    for (what, edit, message) in edits {
        let f = with_bag_info(&env, &b, &format!("{what}.zip"), edit);
        assert_ne!(item_lines(&f), item_lines(&b), "{what}: the edit took");
        let (run, v) = verify_json(&env, &f, &[]);
        run.expect_code(1);
        let fs = v["findings"].as_array().unwrap();
        assert!(
            fs.iter().any(
                |x| x["code"] == "bag-info" && x["message"].as_str().unwrap().contains(message)
            ),
            "{what}: {fs:?}"
        );
        assert!(
            outcomes(&v).contains(&("bag-info".to_string(), "failed".to_string())),
            "{what}: {:?}",
            outcomes(&v)
        );
        let r = crate::locker::ingest(&env, &f, &[]);
        assert_ne!(r.code, 0, "{what}: ingest accepted it");
    }
}

/// A cut tail cannot be detected without the head the sender announced;
/// every output that does not compare it says so, naming the last event.
#[test]
fn a_head_not_compared_is_said_so() {
    let env = Env::new();
    let b = sealed(&env);
    let (run, v) = verify_json(&env, &b, &[]);
    run.expect_code(0);
    assert_eq!(v["head_compared"], false);
    let head = v["head"].as_str().unwrap().to_string();
    let human = env.run([OsStr::new("verify"), b.as_os_str()]);
    let out = human.stdout_str();
    assert!(out.contains("head (computed, not compared)"), "{out}");
    assert!(
        out.contains("note: the custody head was not compared")
            && out.contains("events after #1 could have been cut off"),
        "{out}"
    );
    let shown = env.run([OsStr::new("custody"), OsStr::new("show"), b.as_os_str()]);
    assert!(
        shown.stdout_str().contains("events after #1"),
        "{}",
        shown.stdout_str()
    );
    let md = env.run([
        OsStr::new("report"),
        b.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("md"),
    ]);
    assert!(
        md.stdout_str()
            .contains("NO: the custody head was not compared")
    );
    let (run, v) = verify_json(&env, &b, &["--expect-head", &head]);
    run.expect_code(0);
    assert_eq!(v["head_compared"], true);
    let human = env.run([
        OsStr::new("verify"),
        OsStr::new("--expect-head"),
        OsStr::new(&head),
        b.as_os_str(),
    ]);
    assert!(
        !human.stdout_str().contains("note:"),
        "{}",
        human.stdout_str()
    );
    assert!(!human.stdout_str().contains("not compared"));
    // The court's report compares it too, when given.
    let md = env.run([
        OsStr::new("report"),
        b.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("md"),
        OsStr::new("--expect-head"),
        OsStr::new(&head),
    ]);
    md.expect_code(0);
    assert!(
        md.stdout_str()
            .contains("yes, equal to the head the sender announced"),
        "{}",
        md.stdout_str()
    );
    let wrong = "0".repeat(64);
    env.run([
        OsStr::new("report"),
        b.as_os_str(),
        OsStr::new("--expect-head"),
        OsStr::new(&wrong),
        OsStr::new("-o"),
        OsStr::new("wrong.html"),
    ])
    .expect_code(1);
}
