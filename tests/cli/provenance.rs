//! `verify` of a derived bundle (`evidentia export`): what it proves and
//! prints about the origin, with proofs and with a revealed manifest, and
//! an original signed by a key the verifier does not trust. The attacks
//! that need a re-signed derived bundle are in `provenance_attacks.rs`.

use crate::custody::{Party, T1, T2, codes, json, party, trust_root_of, verify};
use crate::harness::Run;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `verify --json`'s `provenance`, strictly: a field added or renamed
/// fails here.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ProvenanceJson {
    pub original_bundle_id: String,
    pub original_sealed: String,
    pub original_key_id: String,
    pub original_signer: Option<evidentia::model::Party>,
    pub original_custody_head: String,
    pub purpose: Option<String>,
    pub disclosed: u64,
    pub withheld: u64,
    pub recorded_at_source: bool,
    pub manifest_revealed: bool,
}

/// The sending agency (it sealed the original and exports from it) and
/// the receiving lab, trusting each other's roots; the original holds
/// three files.
pub fn parties() -> (Party, Party, PathBuf) {
    let agency = party("Police Agency", "Jana Examiner", "DE");
    let lab = party("Forensic Lab", "Petr Lab", "CZ");
    trust_root_of(&agency, &lab);
    trust_root_of(&lab, &agency);
    let b = sealed(&agency, "b.zip");
    (agency, lab, b)
}

/// Seal `ev/a.txt`, `ev/b.bin`, `ev/c.txt` in `p`'s directory as `name`.
pub fn sealed(p: &Party, name: &str) -> PathBuf {
    p.env.write("ev/a.txt", b"hello\n");
    p.env.write("ev/b.bin", &[7u8; 5000]);
    p.env.write("ev/c.txt", b"withheld third party data\n");
    p.env
        .run([
            "seal", "ev", "--out", name, "--case", "CASE-18", "--time", T1,
        ])
        .expect_code(0);
    p.env.path().join(name)
}

/// `export` by `p` of `bundle`, selecting `select`, to `out`, at T2.
pub fn export(p: &Party, bundle: &Path, out: &str, select: &[&str], extra: &[&str]) -> Run {
    let mut c = p.env.cmd(["export"]);
    c.arg(bundle);
    for s in select {
        c.args(["--select", s]);
    }
    c.args([
        "--out",
        out,
        "--purpose",
        "MLA request 2024/17",
        "--time",
        T2,
    ]);
    c.args(extra);
    p.env.run_cmd(c.stdin(std::process::Stdio::null()))
}

/// The bundle id and custody head (before the export) of `b`.
fn id_and_head(p: &Party, b: &Path) -> (String, String) {
    let (r, v) = verify(p, b, &[]);
    r.expect_code(0);
    (
        v["bundle_id"].as_str().unwrap().to_string(),
        v["head"].as_str().unwrap().to_string(),
    )
}

fn provenance(v: &Value) -> ProvenanceJson {
    serde_json::from_value(v["provenance"].clone()).expect("a strict provenance object")
}

#[test]
fn an_export_verifies_and_says_what_was_proven() {
    let (agency, lab, b) = parties();
    let (id, head) = id_and_head(&agency, &b);
    export(&agency, &b, "sub.zip", &["ev/a.txt", "ev/b.bin"], &[]).expect_code(0);
    let sub = agency.env.path().join("sub.zip");
    let r = lab
        .env
        .run([std::ffi::OsStr::new("verify"), sub.as_os_str()]);
    r.expect_code(0);
    let out = r.stdout_str();
    let who = "Jana Examiner, Police Agency (DE)";
    let want = format!(
        "2 files proven to be as sealed by {who} in bundle {id} at {T1}; exported by {who} at {T2} for \"MLA request 2024/17\"\n1 file withheld (only the count is disclosed)\n"
    );
    assert!(out.contains(&want), "{out}");
    assert!(out.contains("checks: 14 of 14 passed"), "{out}");
    assert!(!out.contains("not recorded"), "{out}");
    assert!(!out.contains("revealed"), "{out}");
    let (r, v) = verify(&lab, &sub, &[]);
    r.expect_code(0);
    let p = provenance(&v);
    assert_eq!(p.original_bundle_id, id);
    assert_eq!(p.original_custody_head, head);
    assert_eq!(p.original_sealed, T1);
    assert_eq!((p.disclosed, p.withheld), (2, 1));
    assert_eq!(p.purpose.as_deref(), Some("MLA request 2024/17"));
    assert!(p.recorded_at_source && !p.manifest_revealed);
    let signer = p.original_signer.unwrap();
    assert_eq!(signer.name.as_deref(), Some("Jana Examiner"));
    assert_eq!(
        v["events"][0]["certified_identity"]["name"],
        "Jana Examiner"
    );
    // An ordinary bundle has no provenance at all.
    let (r, v) = verify(&lab, &b, &[]);
    r.expect_code(0);
    assert!(v.get("provenance").is_none(), "{v}");
}

#[test]
fn an_unrecorded_export_says_so() {
    let (agency, lab, b) = parties();
    export(&agency, &b, "sub.zip", &["ev/c.txt"], &["--no-record"]).expect_code(0);
    let sub = agency.env.path().join("sub.zip");
    let r = lab
        .env
        .run([std::ffi::OsStr::new("verify"), sub.as_os_str()]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.contains("1 file proven to be as sealed by"), "{out}");
    assert!(out.contains("2 files withheld"), "{out}");
    assert!(
        out.contains("the export was not recorded at the source"),
        "{out}"
    );
    let (_, v) = verify(&lab, &sub, &[]);
    assert!(!provenance(&v).recorded_at_source);
}

/// Copy the committed test vectors' trust entries (the examiner who
/// signed `v1_pieces.zip`) into `p`'s trust store.
fn trust_vector_keys(p: &Party) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles/trust");
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), p.env.home().join("trust").join(e.file_name())).unwrap();
    }
}

/// A v1 original (no commitment), exported with its manifest revealed.
pub fn revealed() -> (Party, Party, PathBuf, PathBuf) {
    let (agency, lab) = (
        party("Police Agency", "Jana Examiner", "DE"),
        party("Forensic Lab", "Petr Lab", "CZ"),
    );
    trust_root_of(&lab, &agency);
    trust_vector_keys(&agency);
    trust_vector_keys(&lab);
    let v1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles/v1_pieces.zip");
    let orig = agency.env.path().join("v1.zip");
    std::fs::copy(v1, &orig).unwrap();
    let r = export(
        &agency,
        &orig,
        "sub.zip",
        &["ev/notes.txt"],
        &["--no-record"],
    );
    assert!(
        r.stderr.contains("--reveal-manifest"),
        "an original without a commitment needs --reveal-manifest: {}",
        r.stderr
    );
    export(
        &agency,
        &orig,
        "sub.zip",
        &["ev/notes.txt"],
        &["--no-record", "--reveal-manifest"],
    )
    .expect_code(0);
    let sub = agency.env.path().join("sub.zip");
    (agency, lab, orig, sub)
}

#[test]
fn a_revealed_manifest_proves_the_files_and_says_so() {
    let (_agency, lab, _orig, sub) = revealed();
    let r = lab
        .env
        .run([std::ffi::OsStr::new("verify"), sub.as_os_str()]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.contains("1 file proven to be as sealed by"), "{out}");
    assert!(out.contains("1 file withheld"), "{out}");
    assert!(
        out.contains("the original's full manifest was revealed"),
        "{out}"
    );
    let (_, v) = verify(&lab, &sub, &[]);
    let p = provenance(&v);
    assert!(p.manifest_revealed && !p.recorded_at_source);
    assert_eq!((p.disclosed, p.withheld), (1, 1));
}

/// An original sealed by a stranger whose root the exporting agency
/// trusts and the receiving lab does not: the export is trusted, the
/// content is not proven.
#[test]
fn an_original_signed_by_an_untrusted_key_fails() {
    let stranger = party("Self Made Bureau", "Max Mustermann", "AT");
    let b = sealed(&stranger, "orig.zip");
    let (agency, lab) = (
        party("Police Agency", "Jana Examiner", "DE"),
        party("Forensic Lab", "Petr Lab", "CZ"),
    );
    trust_root_of(&agency, &stranger);
    trust_root_of(&lab, &agency);
    // The agency is not the holder: it cannot record at the source.
    export(&agency, &b, "sub.zip", &["ev/a.txt"], &["--no-record"]).expect_code(0);
    let sub = agency.env.path().join("sub.zip");
    let (r, v) = verify(&lab, &sub, &[]);
    r.expect_code(1);
    assert!(v.get("provenance").is_none());
    let f = codes(&v);
    assert_eq!(f.len(), 1, "{f:#?}");
    let (code, path, message) = &f[0];
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("provenance", "provenance/seal.json.minisig")
    );
    assert!(
        message.contains("which the trust store does not trust"),
        "{message}"
    );
    // The exporter's own seal is trusted: only the content is unproven.
    assert_eq!(v["events"][0]["signature"], "trusted");
    let outcome = |c: &str| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["check"] == c)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome("signatures"), "passed");
    assert_eq!(outcome("disclosure"), "failed");
    // Once the lab trusts the stranger's root, it is proven.
    trust_root_of(&lab, &stranger);
    let (r, v) = verify(&lab, &sub, &[]);
    r.expect_code(0);
    assert_eq!(
        provenance(&v).original_signer.unwrap().name.as_deref(),
        Some("Max Mustermann")
    );
    let _ = json;
}
