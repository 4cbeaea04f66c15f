//! A derived bundle against an attacker who holds no key: only bytes to
//! edit, entries to rezip, and valid signed files from other exports to
//! reuse. Each attempt fails, and no origin is ever claimed as proven.
//! (The attacks of an exporter who re-signs are in `provenance_attacks.rs`.)

use crate::bundle::{find, rewrite};
use crate::custody::{Party, codes, verify};
use crate::provenance::{export, parties};
use std::path::{Path, PathBuf};

/// Two genuine exports of the same original: of `ev/a.txt` and of
/// `ev/b.bin`; the lab verifies both.
fn two_exports() -> (Party, Party, PathBuf, PathBuf) {
    let (agency, lab, b) = parties();
    export(&agency, &b, "sub-a.zip", &["ev/a.txt"], &[]).expect_code(0);
    export(&agency, &b, "sub-b.zip", &["ev/b.bin"], &[]).expect_code(0);
    let (a, bb) = (
        agency.env.path().join("sub-a.zip"),
        agency.env.path().join("sub-b.zip"),
    );
    for x in [&a, &bb] {
        verify(&lab, x, &[]).0.expect_code(0);
    }
    (agency, lab, a, bb)
}

/// The member of `bundle` whose name ends with `suffix`.
fn member(bundle: &Path, suffix: &str) -> Vec<u8> {
    let (a, _) = evidentia::bundle::Archive::open(bundle).unwrap();
    let e = a.entries().find(|e| e.name.ends_with(suffix)).unwrap();
    a.read_small(&e, 1 << 30).unwrap()
}

/// `verify` by the lab fails, names `code` at a path ending in `at`, and
/// claims no origin.
#[track_caller]
fn refused(lab: &Party, bad: &Path, code: &str, at: &str) {
    let (r, v) = verify(lab, bad, &[]);
    r.expect_code(1);
    assert!(v["provenance"].is_null(), "an origin was claimed: {v}");
    let found = codes(&v);
    assert!(
        found.iter().any(|(c, p, _)| c == code && p.ends_with(at)),
        "no {code} at {at}: {found:?}"
    );
}

#[test]
fn another_exports_valid_proofs_spliced_in_fail() {
    let (_agency, lab, a, b) = two_exports();
    // Both proofs.json are genuine, and b's proves a file of the same
    // original; rezipped into a, the tag manifest a's seal signs refuses it.
    let theirs = member(&b, "/provenance/proofs.json");
    let bad = lab.env.path().join("spliced.zip");
    rewrite(&a, &bad, |e| *find(e, "/provenance/proofs.json") = theirs);
    refused(&lab, &bad, "tag-digest-mismatch", "provenance/proofs.json");
}

#[test]
fn an_export_with_its_signature_and_keys_stripped_fails() {
    let (_agency, lab, a, _b) = two_exports();
    // No key: the attacker drops the exporter's signature and key files
    // and keeps the original's genuine signed seal and proofs.
    let bad = lab.env.path().join("unsigned.zip");
    rewrite(&a, &bad, |e| {
        e.retain(|(n, _)| !n.ends_with(".minisig") || n.contains("/provenance/"));
        e.retain(|(n, _)| !n.contains("/keys/") || n.contains("/provenance/"));
    });
    refused(&lab, &bad, "signature", "custody/000001-seal.json.minisig");
}

#[test]
fn a_smuggled_key_file_in_provenance_and_a_reordered_zip_fail() {
    let (_agency, lab, a, _b) = two_exports();
    // The exporter's own (genuine) public key file copied under
    // provenance/keys/, and the entries written in reverse order: the
    // extra file is outside the members the contract allows.
    let bad = lab.env.path().join("smuggled.zip");
    rewrite(&a, &bad, |e| {
        let (name, bytes) = e
            .iter()
            .find(|(n, _)| n.contains("/keys/") && !n.contains("/provenance/"))
            .cloned()
            .unwrap();
        let bag = name.split('/').next().unwrap().to_string();
        let file = name.rsplit('/').next().unwrap().to_string();
        e.push((format!("{bag}/provenance/keys/{file}"), bytes));
        e.reverse();
    });
    let (r, v) = verify(&lab, &bad, &[]);
    r.expect_code(1);
    assert!(v["provenance"].is_null(), "{v}");
    let found = codes(&v);
    assert!(
        found
            .iter()
            .any(|(_, p, _)| p.starts_with("provenance/keys/")),
        "the smuggled file is not named: {found:?}"
    );
}
