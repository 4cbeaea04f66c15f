//! Names shown only when proven (issue #14, classes 3 and 5): every
//! identity printed comes from a signature that verified against the trust
//! store, signatures are accepted only for their own kind, events must name
//! their signer's certified identity, and roots certify only within their
//! name constraints. An agency and a lab as in custody.rs; a keyless
//! tamperer edits only the unsigned `keys/` directory.

use crate::custody::{Party, T2, setup};
use crate::harness::Run;
use evidentia::bundle::{
    Archive, DosTime, EventOptions, EventSigner, Method, NoHook, SignFailure, ZipWriter, add_event,
};
use evidentia::model::Actor;
use evidentia::sign::keystore::KeyRole;
use evidentia::sign::{Certificate, Identity, KeyFile, KeyStore, Protection};
use serde_json::Value;
use std::path::{Path, PathBuf};

const T1: &str = "2024-05-01T12:00:00Z";
const T3: &str = "2024-05-03T15:30:00Z";
const JUDGE: &str = "Judge J. Smith";

fn json(r: &Run) -> Value {
    serde_json::from_slice(&r.stdout).unwrap_or(Value::Null)
}

/// `evidentia <words...> BUNDLE <rest...>` in `p`'s home.
fn on(p: &Party, words: &[&str], bundle: &Path, rest: &[&str]) -> Run {
    let mut c = p.env.cmd(words);
    c.arg(bundle).args(rest);
    p.env.run_cmd(c.stdin(std::process::Stdio::null()))
}

fn new_key(p: &Party, name: &str, org: &str, cc: &str) -> String {
    let r = p.env.run([
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
    ]);
    r.expect_code(0);
    json(&r)["key_id"].as_str().unwrap().to_string()
}

/// The id of `p`'s own root key (the one root in its trust store that is
/// also in its key store).
fn root_of(p: &Party) -> String {
    let r = p.env.run(["--json", "key", "list"]);
    r.expect_code(0);
    let v = json(&r);
    let keys = v["keys"].as_array().or(v.as_array()).cloned().unwrap();
    keys.iter()
        .find(|k| k["root"] == true)
        .and_then(|k| k["key_id"].as_str())
        .unwrap()
        .to_string()
}

/// A copy of `src` at `dst` with `extra` members added under the bag.
fn with_members(src: &Path, dst: &Path, extra: &[(String, Vec<u8>)]) {
    let (archive, issues) = Archive::open(src).unwrap();
    assert!(issues.is_empty());
    let mut entries: Vec<(String, Vec<u8>)> = archive
        .entries()
        .map(|e| (e.name.clone(), archive.read_small(&e, 1 << 30).unwrap()))
        .collect();
    let bag = entries[0].0.split('/').next().unwrap().to_string();
    for (n, d) in extra {
        entries.push((format!("{bag}/{n}"), d.clone()));
    }
    let mut zip = ZipWriter::new(std::fs::File::create(dst).unwrap(), DosTime::from_unix(0));
    let times = crate::harness::entry_times(src);
    for (n, d) in &entries {
        zip.set_time(times(n));
        zip.add_bytes(n, Method::Stored, d).unwrap();
    }
    zip.finish().unwrap();
}

/// A certificate for `key` (raw public key `pk`) naming `who`, signed by
/// a key nobody trusts (what a keyless tamperer can make).
fn forged_certificate(key: &str, pk: [u8; 32], who: Identity) -> Vec<(String, Vec<u8>)> {
    let stranger = Identity::new("Forger", "Nowhere", "CZ", None, None).unwrap();
    let (_, forger) = KeyFile::generate(stranger, true, 0, Protection::None).unwrap();
    let (c, s) = Certificate::issue(&forger, pk, who, 0, 4_000_000_000, 0).unwrap();
    vec![
        (format!("keys/{key}.cert.json"), c),
        (format!("keys/{key}.cert.json.minisig"), s),
    ]
}

/// Export `key` of `p` as a minisign public key file (no identity): its
/// path and the raw public key.
fn export_bare(p: &Party, key: &str) -> (PathBuf, [u8; 32]) {
    let r = p.env.run(["key", "export", key, "--minisign"]);
    r.expect_code(0);
    let k = evidentia::sign::pubfile::parse_any_public_key(&r.stdout).unwrap();
    let path = p
        .env
        .write(&format!("{}.minisig.pub", &key[..8]), &r.stdout);
    (path, k.public_key)
}

fn finding<'a>(v: &'a Value, code: &str) -> Option<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
}

#[test]
fn a_forged_certificate_names_no_bare_pinned_key_and_receives_nothing_by_name() {
    let (agency, lab, b) = setup();
    // Mallory holds a key the agency pinned bare (no identity).
    let mallory = new_key(&lab, "Mallory", "Forensic Lab", "CZ");
    let (bare, pk) = export_bare(&lab, &mallory);
    let copied = agency
        .env
        .write("mallory.pub", &std::fs::read(&bare).unwrap());
    let mut c = agency.env.cmd(["trust", "add"]);
    agency.env.run_cmd(c.arg(&copied)).expect_code(0);
    let judge = "Judge J. Smith, Supreme Court, CZ";
    on(
        &agency,
        &["custody", "add"],
        &b,
        &["--action", "transfer", "--to", judge, "--time", T2],
    )
    .expect_code(0);
    // `receive` refuses to append what verify would reject (Mallory is
    // not the judge the transfer names): the receipt is made with the
    // library, as a tamperer holding Mallory's key would.
    let store = KeyStore::open(lab.env.home().join("keys"));
    let file = store.find(Some(&mallory), KeyRole::Examiner).unwrap();
    let receipt = EventOptions {
        action: "receive".into(),
        time: evidentia::model::parse_rfc3339(T3).unwrap(),
        ..EventOptions::default()
    };
    let signer = store.signer(&file, None).unwrap();
    add_event(&b, &receipt, &signer, &mut NoHook).unwrap();
    // The tamperer adds a certificate naming Mallory's key as the judge.
    let forged = agency.env.path().join("forged.zip");
    let who = Identity::new(JUDGE, "Supreme Court", "CZ", None, Some("judge")).unwrap();
    with_members(&b, &forged, &forged_certificate(&mallory, pk, who));
    let r = on(&agency, &["--json", "verify"], &forged, &[]);
    r.expect_code(1);
    let v = json(&r);
    let f = finding(&v, "receive-signer").expect("the receive is not by the named judge");
    assert!(f["actual"].as_str().unwrap().contains(&mallory), "{f}");
    let receive = &v["events"][2];
    assert_eq!(receive["signature"], "trusted");
    assert!(receive.get("certified_identity").is_none(), "{receive}");
    let trust = receive["trust"].as_str().unwrap();
    assert!(trust.starts_with("no certified identity"), "{trust}");
    assert!(!trust.contains(JUDGE), "{trust}");
    // Nor is the judge shown anywhere as the signer.
    let show = on(&agency, &["custody", "show"], &forged, &[]);
    let text = show.stdout_str();
    let line = text.lines().find(|l| l.contains("receive")).unwrap();
    assert!(line.contains("no certified identity"), "{text}");
    assert!(!line.contains(JUDGE), "{text}");
    assert!(text.contains("claims:"), "{text}");
    for format in ["md", "json", "case"] {
        let r = on(&agency, &["report"], &forged, &["--format", format]);
        let out = r.stdout_str();
        let named = out.matches(JUDGE).count();
        // Only where the transfer addresses the judge, never as a signer.
        assert!(named <= 2, "{format}: {named}\n{out}");
        if format == "md" {
            assert!(out.contains("no certified identity"), "{out}");
        }
    }
}

/// Signs with a real key while claiming another actor.
struct Claiming {
    key: evidentia::sign::Signer,
    actor: Actor,
}

impl EventSigner for Claiming {
    fn key_id(&self) -> String {
        EventSigner::key_id(&self.key)
    }
    fn actor(&self) -> Actor {
        self.actor.clone()
    }
    fn sign(&self, data: &[u8], tc: &str) -> Result<Vec<u8>, SignFailure> {
        EventSigner::sign(&self.key, data, tc)
    }
    fn public_key_file(&self) -> Vec<u8> {
        EventSigner::public_key_file(&self.key)
    }
    fn certificate_files(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        EventSigner::certificate_files(&self.key)
    }
}

fn examiner_signer(p: &Party) -> evidentia::sign::Signer {
    let store = KeyStore::open(p.env.home().join("keys"));
    let file = store.find(None, KeyRole::Examiner).unwrap();
    store.signer(&file, None).unwrap()
}

#[test]
fn seal_names_the_certificates_identity_and_role() {
    // The agency's home holds the bundle: keep it alive.
    let (_agency, lab, b) = setup();
    // The seal names the examiner as certified (role from the certificate:
    // the key file has none).
    let (archive, _) = Archive::open(&b).unwrap();
    let seal = archive
        .entries()
        .find(|e| e.name.ends_with("custody/000001-seal.json"))
        .unwrap();
    let ev: Value = serde_json::from_slice(&archive.read_small(&seal, 1 << 20).unwrap()).unwrap();
    assert_eq!(ev["actor"]["role"], "examiner", "{ev}");
    drop(archive);
    on(&lab, &["verify"], &b, &[]).expect_code(0);
}

#[test]
fn an_examiner_signing_as_a_judge_is_an_actor_identity_finding() {
    let (agency, lab, b) = setup();
    let key = examiner_signer(&agency);
    let actor = Actor {
        key_id: Some(key.key_id().to_string()),
        name: Some(JUDGE.into()),
        organisation: Some("Supreme Court".into()),
        country: Some("DE".into()),
        role: Some("judge".into()),
    };
    let note = EventOptions {
        action: "note".into(),
        time: 1_714_600_000,
        note: Some("ruling".into()),
        ..EventOptions::default()
    };
    add_event(&b, &note, &Claiming { key, actor }, &mut NoHook).unwrap();
    let r = on(&lab, &["--json", "verify"], &b, &[]);
    r.expect_code(1);
    let v = json(&r);
    let f = finding(&v, "actor-identity").expect("actor-identity finding");
    assert_eq!(f["path"], "custody/000002-note.json");
    assert_eq!(
        f["expected"], "Jana Examiner, Police Agency, DE, examiner",
        "{f}"
    );
    assert_eq!(f["actual"], "Judge J. Smith, Supreme Court, DE, judge");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn a_roots_plain_signature_is_no_certificate() {
    let (agency, lab, _) = setup();
    let root = root_of(&agency);
    let k2 = new_key(&agency, "Fake Person", "Police Agency", "DE");
    let r = agency.env.run(["--json", "key", "export", &k2]);
    r.expect_code(0);
    let pubfile = json(&r);
    agency.env.write("ev/a.txt", b"x\n");
    let mut c = agency.env.cmd([
        "seal", "ev", "--out", "k2.zip", "--case", "C", "--time", T1, "--key", &k2,
    ]);
    agency.env.run_cmd(&mut c).expect_code(0);
    // A certificate-shaped JSON file, signed by the root with `sign`.
    let cert = serde_json::json!({
        "type": "evidentia/key-certificate/v1",
        "key_id": k2,
        "public_key": pubfile["public_key"],
        "identity": {"name": "Fake Person", "org": "Police Agency", "country": "DE", "role": "examiner"},
        "issuer_key_id": root,
        "valid_from": "2024-01-01T00:00:00Z",
        "valid_until": "2034-01-01T00:00:00Z",
        "issued_at": "2024-01-01T00:00:00Z"
    });
    let mut bytes = serde_json::to_vec_pretty(&cert).unwrap();
    bytes.push(b'\n');
    let cf = agency.env.write("c.cert.json", &bytes);
    let mut c = agency.env.cmd(["sign", "--key", &root]);
    agency.env.run_cmd(c.arg(&cf)).expect_code(0);
    let sig = std::fs::read(agency.env.path().join("c.cert.json.minisig")).unwrap();
    let k2zip = agency.env.path().join("k2.zip");
    let out = lab.env.path().join("k2-cert.zip");
    with_members(
        &k2zip,
        &out,
        &[
            (format!("keys/{k2}.cert.json"), bytes),
            (format!("keys/{k2}.cert.json.minisig"), sig),
        ],
    );
    let r = on(&lab, &["--json", "verify"], &out, &[]);
    r.expect_code(1);
    let v = json(&r);
    assert_eq!(v["events"][0]["signature"], "untrusted", "{v}");
    assert!(finding(&v, "signature").is_some(), "{v}");
}

#[test]
fn sign_verify_refuses_a_certificate_signature() {
    let (agency, _, _) = setup();
    // A real certificate's signature is refused as a file signature.
    let keys = agency.env.home().join("keys");
    let ex = &agency.examiner;
    let mut c = agency.env.cmd(["sign", "--verify"]);
    c.arg(keys.join(format!("{ex}.cert.json")))
        .arg("--sig")
        .arg(keys.join(format!("{ex}.cert.json.minisig")));
    let r = agency.env.run_cmd(&mut c);
    r.expect_code(1);
    assert!(r.stdout_str().contains("WRONG KIND"), "{}", r.stdout_str());
    assert!(
        r.stdout_str().contains("key certificate"),
        "{}",
        r.stdout_str()
    );
}

#[test]
fn a_root_certifies_only_within_its_name_constraints() {
    let (agency, lab, _) = setup();
    let root = root_of(&agency);
    // The agency root certifies an officer of another state's police.
    let p = new_key(&agency, "Pierre", "Other Police", "FR");
    let r = agency.env.run(["key", "export", &p]);
    agency.env.write("p.pub.json", &r.stdout);
    let r = agency.env.run([
        "key",
        "certify",
        "p.pub.json",
        "--with",
        &root,
        "--role",
        "examiner",
        "--valid-from",
        "2024-01-01",
        "--valid-until",
        "2034-01-01",
    ]);
    r.expect_code(0);
    agency.env.write("p.cert", &r.stdout);
    agency.env.run(["key", "import", "p.cert"]).expect_code(0);
    agency.env.write("ev/a.txt", b"x\n");
    let mut c = agency.env.cmd([
        "seal", "ev", "--out", "p.zip", "--case", "C", "--time", T1, "--key", &p,
    ]);
    agency.env.run_cmd(&mut c).expect_code(0);
    let pz = agency.env.path().join("p.zip");
    let r = on(&lab, &["--json", "verify"], &pz, &[]);
    r.expect_code(1);
    let v = json(&r);
    let f = finding(&v, "signature").expect("out of scope");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains(&root), "{msg}");
    assert!(msg.contains("Other Police (FR)"), "{msg}");
    assert!(msg.contains("may certify Police Agency (DE)"), "{msg}");
    // The lab widens the agency root's scope: now it verifies.
    let r = agency.env.run(["key", "export", &root]);
    let rf = lab.env.write("agency-root.pub.json", &r.stdout);
    lab.env.run(["trust", "remove", &root]).expect_code(0);
    let mut c = lab
        .env
        .cmd(["trust", "add", "--may-certify", "Other Police,FR"]);
    lab.env.run_cmd(c.arg(&rf)).expect_code(0);
    on(&lab, &["verify"], &pz, &[]).expect_code(0);
    let list = lab.env.run(["trust", "list"]);
    assert!(
        list.stdout_str()
            .contains("may certify: Police Agency (DE); Other Police (FR)"),
        "{}",
        list.stdout_str()
    );
    let v = json(&lab.env.run(["--json", "trust", "list"]));
    let e = v["trusted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key_id"] == root.as_str())
        .unwrap();
    assert_eq!(e["type"], "evidentia/trust-entry/v2");
    assert_eq!(e["may_certify"][1]["org"], "Other Police");
    assert_eq!(e["certifies"].as_array().unwrap().len(), 2);
    // An entry from before name constraints fails closed: its own
    // organisation only, and `trust list` says how to widen it.
    let path = lab.env.home().join("trust").join(format!("{root}.json"));
    let mut old: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    old["type"] = "evidentia/trust-entry/v1".into();
    old.as_object_mut().unwrap().remove("may_certify");
    std::fs::write(&path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    on(&lab, &["verify"], &pz, &[]).expect_code(1);
    let list = lab.env.run(["trust", "list"]).stdout_str();
    assert!(list.contains("may certify: Police Agency (DE)\n"), "{list}");
    assert!(list.contains("--may-certify"), "{list}");
}

#[test]
fn a_root_key_signing_an_event_is_shown_as_such() {
    let (agency, lab, _) = setup();
    let root = root_of(&agency);
    agency.env.write("ev/a.txt", b"x\n");
    let mut c = agency.env.cmd([
        "seal", "ev", "--out", "r.zip", "--case", "C", "--time", T1, "--key", &root,
    ]);
    agency.env.run_cmd(&mut c).expect_code(0);
    let rz = agency.env.path().join("r.zip");
    let r = on(&lab, &["--json", "verify"], &rz, &[]);
    r.expect_code(0);
    let v = json(&r);
    assert_eq!(v["events"][0]["signer_kind"], "root", "{v}");
    assert_eq!(v["events"][0]["certified_identity"]["org"], "Police Agency");
    let human = on(&lab, &["verify"], &rz, &[]).stdout_str();
    assert!(human.contains("signed by a root key"), "{human}");
    let show = on(&lab, &["custody", "show"], &rz, &[]).stdout_str();
    assert!(show.contains("signed by a root key"), "{show}");
    let md = on(&lab, &["report"], &rz, &["--format", "md"]).stdout_str();
    assert!(md.contains("a root key"), "{md}");
    // A certified examiner's event is not.
    let b = agency.env.path().join("b.zip");
    let v = json(&on(&lab, &["--json", "verify"], &b, &[]));
    assert_eq!(v["events"][0]["signer_kind"], "certified", "{v}");
}

/// `keys/` is not covered by the tag manifest, so a keyless tamperer can
/// add files there; under a certificate's name they must be a certificate
/// for the key the name says, else a file naming anyone (or holding
/// anything) rides along in a VERIFIED bundle and other tools extract it.
#[test]
fn a_file_posing_as_a_certificate_in_keys_is_a_finding() {
    let (agency, lab, b) = setup();
    let who = Identity::new(JUDGE, "Supreme Court", "CZ", None, Some("judge")).unwrap();
    let mut forged = forged_certificate(&agency.examiner, [7u8; 32], who);
    forged[0].0 = "keys/judge-smith.cert.json".into();
    forged[1].0 = "keys/judge-smith.cert.json.minisig".into();
    forged.push((
        "keys/notes.cert.json".into(),
        b"{\"anything\": \"at all\"}".to_vec(),
    ));
    forged.push(("keys/notes.cert.json.minisig".into(), b"garbage".to_vec()));
    // A self-made key naming a judge, under its own key id.
    let judge = new_key(&lab, JUDGE, "Supreme Court", "CZ");
    let r = lab.env.run(["key", "export", &judge]);
    r.expect_code(0);
    forged.push((format!("keys/{judge}.pub"), r.stdout.clone()));
    for (i, extra) in forged.iter().enumerate() {
        let out = agency.env.path().join(format!("keys{i}.zip"));
        with_members(&b, &out, std::slice::from_ref(extra));
        let r = on(&agency, &["--json", "verify"], &out, &[]);
        r.expect_code(1);
        let v = json(&r);
        let hit = v["findings"].as_array().unwrap().iter().any(|f| {
            matches!(f["code"].as_str(), Some("keys" | "unexpected-file"))
                && f["path"].as_str().unwrap().ends_with(&extra.0[5..])
        });
        assert!(hit, "{} gives no finding: {v}", extra.0);
    }
}
