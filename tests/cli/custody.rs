//! Custody across two parties on one machine: an agency (root + examiner)
//! seals and transfers, a lab (its own root + examiner) receives; each
//! trusts the other's root. Tampered chains fail with specific reasons;
//! crash safety is in custody_crash.rs.

use crate::harness::{Env, Run, peer, run_peer};
use evidentia::bundle::{Archive, DosTime, EventOptions, Method, NoHook, ZipWriter, add_event};
use evidentia::sign::KeyStore;
use evidentia::sign::keystore::KeyRole;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub const T1: &str = "2024-05-01T12:00:00Z";
pub const T2: &str = "2024-05-02T09:00:00Z";
pub const T3: &str = "2024-05-03T15:30:00Z";
pub const LAB_TO: &str = "Petr Lab, Forensic Lab, CZ";

pub struct Party {
    pub env: Env,
    pub examiner: String,
    pub root: String,
    root_pub: PathBuf,
}

pub fn json(run: &Run) -> Value {
    serde_json::from_slice(&run.stdout).unwrap_or(Value::Null)
}

pub fn new_key(env: &Env, name: &str, org: &str, cc: &str, root: bool) -> String {
    let mut args = vec![
        "--json",
        "key",
        "new",
        "--name",
        name,
        "--org",
        org,
        "--country",
        cc,
        "--no-encrypt",
    ];
    if root {
        args.push("--root");
    }
    let r = env.run(&args);
    r.expect_code(0);
    json(&r)["key_id"].as_str().unwrap().to_string()
}

/// A home with a root certifying one examiner, trusting its own root.
pub fn party(org: &str, name: &str, cc: &str) -> Party {
    party_valid(org, name, cc, "2024-01-01", "2034-01-01")
}

/// Certify an examiner key of `p`'s home by its root, valid `from` to
/// `until`, and import the certificate.
pub fn certify(p: &Env, root: &str, examiner: &str, from: &str, until: &str) {
    let r = p.run(["key", "export", examiner]);
    r.expect_code(0);
    p.write("ex.pub.json", &r.stdout);
    let r = p.run([
        "key",
        "certify",
        "ex.pub.json",
        "--with",
        root,
        "--role",
        "examiner",
        "--valid-from",
        from,
        "--valid-until",
        until,
    ]);
    r.expect_code(0);
    p.write("ex.cert", &r.stdout);
    p.run(["key", "import", "ex.cert"]).expect_code(0);
}

/// [`party`] with the examiner's certificate valid `from` to `until`.
pub fn party_valid(org: &str, name: &str, cc: &str, from: &str, until: &str) -> Party {
    let env = Env::new();
    let root = new_key(&env, &format!("{org} Root"), org, cc, true);
    let examiner = new_key(&env, name, org, cc, false);
    certify(&env, &root, &examiner, from, until);
    let r = env.run(["key", "export", &root]);
    r.expect_code(0);
    let root_pub = env.write("root.pub.json", &r.stdout);
    env.run(["trust", "add", "--root", "root.pub.json"])
        .expect_code(0);
    Party {
        env,
        examiner,
        root,
        root_pub,
    }
}

pub fn trust_root_of(p: &Party, other: &Party) {
    let f = p.env.write(
        "other-root.pub.json",
        &std::fs::read(&other.root_pub).unwrap(),
    );
    p.env
        .run([
            OsStr::new("trust"),
            OsStr::new("add"),
            OsStr::new("--root"),
            f.as_os_str(),
        ])
        .expect_code(0);
}

/// Agency and lab, trusting each other's roots, and a sealed bundle.
pub fn setup() -> (Party, Party, PathBuf) {
    let agency = party("Police Agency", "Jana Examiner", "DE");
    let lab = party("Forensic Lab", "Petr Lab", "CZ");
    trust_root_of(&agency, &lab);
    trust_root_of(&lab, &agency);
    agency.env.write("ev/a.txt", b"hello\n");
    agency.env.write("ev/b.bin", &vec![7u8; 50_000]);
    let r = agency.env.run([
        "seal", "ev", "--out", "b.zip", "--case", "CASE-6", "--time", T1,
    ]);
    r.expect_code(0);
    let b = agency.env.path().join("b.zip");
    (agency, lab, b)
}

pub fn run(p: &Party, args: &[&str], bundle: &Path) -> Run {
    let mut c = p.env.cmd(args.iter().take(1));
    c.arg(bundle).args(&args[1..]);
    p.env.run_cmd(c.stdin(std::process::Stdio::null()))
}

pub fn add(p: &Party, bundle: &Path, extra: &[&str]) -> Run {
    let mut c = p.env.cmd(["custody", "add"]);
    c.arg(bundle).args(extra);
    p.env.run_cmd(c.stdin(std::process::Stdio::null()))
}

pub fn verify(p: &Party, bundle: &Path, extra: &[&str]) -> (Run, Value) {
    let mut c = p.env.cmd(["--json", "verify"]);
    c.arg(bundle).args(extra);
    let r = p.env.run_cmd(c.stdin(std::process::Stdio::null()));
    let v = json(&r);
    (r, v)
}

pub fn codes(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                    (s("code"), s("path"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[track_caller]
pub fn assert_fails(p: &Party, bundle: &Path, code: &str, needle: &str) {
    let (r, v) = verify(p, bundle, &[]);
    r.expect_code(1);
    let f = codes(&v);
    assert!(
        f.iter().any(|(c, _, m)| c == code && m.contains(needle)),
        "wanted {code} / {needle:?}, got {f:#?}"
    );
}

pub fn transfer_and_receive(agency: &Party, lab: &Party, b: &Path) {
    add(
        agency,
        b,
        &[
            "--action",
            "transfer",
            "--to",
            LAB_TO,
            "--location",
            "Berlin",
            "--purpose",
            "analysis",
            "--time",
            T2,
        ],
    )
    .expect_code(0);
    run(lab, &["receive", "--time", T3, "--location", "Brno"], b).expect_code(0);
}

#[test]
fn transfer_and_receipt_verify_and_the_old_bytes_stay() {
    let (agency, lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let (_, v) = verify(&agency, &b, &[]);
    let old_head = v["head"].as_str().unwrap().to_string();
    transfer_and_receive(&agency, &lab, &b);
    let now = std::fs::read(&b).unwrap();
    assert_eq!(
        &now[..original.len()],
        &original[..],
        "an earlier byte changed"
    );
    for p in [&agency, &lab] {
        let (r, v) = verify(p, &b, &[]);
        r.expect_code(0);
        let actions: Vec<&str> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["seal", "transfer", "receive"]);
        assert!(
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["signature"] == "trusted")
        );
    }
    let (_, v) = verify(&lab, &b, &[]);
    let head = v["head"].as_str().unwrap().to_string();
    assert_ne!(head, old_head);
    verify(&lab, &b, &["--expect-head", &head]).0.expect_code(0);
    let (r, v) = verify(&lab, &b, &["--expect-head", &old_head]);
    r.expect_code(1);
    assert!(codes(&v).iter().any(|(c, _, _)| c == "head"));
    // The timeline names who, where, why and the trust path.
    let mut c = lab.env.cmd(["custody", "show"]);
    c.arg(&b);
    let r = lab.env.run_cmd(&mut c);
    r.expect_code(0);
    let text = r.stdout_str();
    for want in [
        "transfer",
        "receive",
        "Petr Lab, Forensic Lab, CZ",
        "Berlin",
        "analysis",
        &head,
    ] {
        assert!(text.contains(want), "{want} missing in\n{text}");
    }
    assert!(text.contains("certified by trusted root"), "{text}");
    let mut c = lab.env.cmd(["--json", "custody", "show"]);
    c.arg(&b);
    let v = json(&lab.env.run_cmd(&mut c));
    assert_eq!(v["type"], "evidentia/custody-timeline/v1");
    assert_eq!(v["events"][2]["completes"]["seq"], 2);
    assert_eq!(v["events"][1]["recipient"]["country"], "CZ");
    assert_eq!(v["head"].as_str(), Some(head.as_str()));
    stock_tools(&lab, &b);
}

fn stock_tools(lab: &Party, b: &Path) {
    let (Some(unzip), bagit) = (peer("unzip"), peer("bagit.py")) else {
        return;
    };
    let dir = lab.env.path().join("unzipped");
    std::fs::create_dir_all(&dir).unwrap();
    let out = run_peer(&unzip, &[OsStr::new("-q"), b.as_os_str()], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(bagit) = bagit {
        let out = run_peer(&bagit, &[OsStr::new("--validate"), OsStr::new("b")], &dir);
        assert!(
            out.status.success(),
            "bagit.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if let Some(minisign) = peer("minisign") {
        let r = lab.env.run(["key", "export", &lab.examiner, "--minisign"]);
        r.expect_code(0);
        let pk = lab.env.write("lab.pub", &r.stdout);
        let out = run_peer(
            &minisign,
            &[
                OsStr::new("-V"),
                OsStr::new("-p"),
                pk.as_os_str(),
                OsStr::new("-m"),
                OsStr::new("b/custody/000003-receive.json"),
            ],
            &dir,
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "minisign: {text}");
        assert!(
            text.contains(&format!("seq:3 key:{}", lab.examiner)),
            "{text}"
        );
    }
}

/// The party's (only, unencrypted) examiner key, to forge events with the
/// library that the command would refuse.
pub fn examiner_signer(p: &Party) -> evidentia::sign::Signer {
    let store = KeyStore::open(p.env.home().join("keys"));
    let file = store.find(None, KeyRole::Examiner).unwrap();
    store.signer(&file, None).unwrap()
}

/// Rebuild the bundle's entries after `edit`.
fn rewrite(src: &Path, dst: &Path, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let (archive, issues) = Archive::open(src).unwrap();
    assert!(issues.is_empty());
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

fn rename(e: &mut [(String, Vec<u8>)], from: &str, to: &str) {
    for (n, _) in e.iter_mut() {
        if let Some(rest) = n.strip_prefix("b/").and_then(|r| r.strip_prefix(from)) {
            *n = format!("b/{to}{rest}");
        }
    }
}

#[test]
fn tampered_chains_fail_with_specific_reasons() {
    let (agency, lab, b) = setup();
    transfer_and_receive(&agency, &lab, &b);
    let t = |n: &str| lab.env.path().join(format!("{n}.zip"));
    rewrite(&b, &t("removed"), |e| {
        e.retain(|(n, _)| !n.contains("000002-transfer"))
    });
    assert_fails(&lab, &t("removed"), "custody", "out of sequence");
    rewrite(&b, &t("reordered"), |e| {
        rename(e, "custody/000002-transfer.json", "custody/000009-x.json");
        rename(
            e,
            "custody/000003-receive.json",
            "custody/000002-receive.json",
        );
        rename(e, "custody/000009-x.json", "custody/000003-transfer.json");
    });
    assert_fails(&lab, &t("reordered"), "custody", "seq is wrong");
    rewrite(&b, &t("duplicated"), |e| {
        let dup: Vec<_> = e
            .iter()
            .filter(|(n, _)| n.contains("000003-receive"))
            .map(|(n, d)| (n.replace("000003", "000004"), d.clone()))
            .collect();
        e.extend(dup);
    });
    assert_fails(&lab, &t("duplicated"), "custody", "prev is wrong");
    rewrite(&b, &t("edited"), |e| {
        let d = &mut e
            .iter_mut()
            .find(|(n, _)| n.ends_with("000002-transfer.json"))
            .unwrap()
            .1;
        *d = String::from_utf8(d.clone())
            .unwrap()
            .replace("Berlin", "Munich")
            .into_bytes();
    });
    assert_fails(&lab, &t("edited"), "signature", "bad signature");
    // An event copied from another bundle.
    agency.env.write("ev/a.txt", b"other evidence\n");
    agency
        .env
        .run([
            "seal", "ev", "--out", "o.zip", "--case", "CASE-7", "--time", T1,
        ])
        .expect_code(0);
    let o = agency.env.path().join("o.zip");
    add(
        &agency,
        &o,
        &["--action", "transfer", "--to", LAB_TO, "--time", T2],
    )
    .expect_code(0);
    let (archive, _) = Archive::open(&o).unwrap();
    let foreign: Vec<_> = archive
        .entries()
        .filter(|e| e.name.contains("000002-transfer"))
        .map(|e| {
            (
                e.name.replacen("o/", "b/", 1),
                archive.read_small(&e, 1 << 20).unwrap(),
            )
        })
        .collect();
    rewrite(&b, &t("foreign"), |e| {
        e.retain(|(n, _)| !n.contains("000002-transfer"));
        e.extend(foreign);
    });
    assert_fails(&lab, &t("foreign"), "custody", "bundle_id is wrong");
}

#[test]
fn receive_by_the_wrong_party_and_events_after_dispose_fail() {
    let (agency, lab, b) = setup();
    let c = lab.env.path().join("c.zip");
    std::fs::copy(&b, &c).unwrap();
    add(
        &agency,
        &b,
        &["--action", "transfer", "--to", LAB_TO, "--time", T2],
    )
    .expect_code(0);
    // The sender cannot sign the recipient's receipt: the command refuses
    // and writes nothing; one forged with the library fails verify.
    let before = std::fs::read(&b).unwrap();
    let r = run(&agency, &["receive", "--time", T3], &b);
    r.expect_code(1);
    assert!(
        r.stderr.contains("not signed by the recipient"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&b).unwrap(), before);
    let receipt = EventOptions {
        action: "receive".into(),
        time: 1_714_748_400,
        ..EventOptions::default()
    };
    add_event(&b, &receipt, &examiner_signer(&agency), &mut NoHook).unwrap();
    assert_fails(&lab, &b, "receive-signer", "not signed by the recipient");
    // By key id: only that key may receive.
    let other = agency.env.path().join("k.zip");
    std::fs::copy(&c, &other).unwrap();
    add(
        &agency,
        &other,
        &[
            "--action",
            "transfer",
            "--to-key",
            &lab.examiner,
            "--time",
            T2,
        ],
    )
    .expect_code(0);
    run(&lab, &["receive", "--time", T3], &other).expect_code(0);
    verify(&lab, &other, &[]).0.expect_code(0);
    // Nothing after dispose; times going backwards only warn.
    add(&agency, &c, &["--action", "dispose", "--time", T2]).expect_code(0);
    verify(&agency, &c, &[]).0.expect_code(0);
    // The command refuses; an event forged with the library fails verify.
    let r = add(&agency, &c, &["--action", "note", "--time", T1]);
    r.expect_code(1);
    assert!(r.stderr.contains("nothing may follow"), "{}", r.stderr);
    let signer = examiner_signer(&agency);
    let late = EventOptions {
        action: "note".into(),
        time: 1_714_521_600, // before the dispose: also a warning
        note: Some("late".into()),
        ..EventOptions::default()
    };
    add_event(&c, &late, &signer, &mut NoHook).unwrap();
    assert_fails(&agency, &c, "custody", "after the evidence was disposed");
    let (_, v) = verify(&agency, &c, &[]);
    assert_eq!(v["warnings"][0]["code"], "time-backwards");
    // A receive with no open transfer is refused, and nothing is written.
    let before = std::fs::read(&other).unwrap();
    let r = run(&lab, &["receive"], &other);
    r.expect_code(1);
    assert!(r.stderr.contains("no transfer waiting"), "{}", r.stderr);
    assert_eq!(std::fs::read(&other).unwrap(), before);
}
