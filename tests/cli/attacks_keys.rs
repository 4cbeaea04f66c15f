//! Attacks of our own on what issue 15 added to `keys/` (the roots' public
//! keys beside the certificates they issued), made as a keyless attacker
//! would: with a root of the attacker's own, by renaming, and by reusing a
//! valid signature where it does not belong. Each must fail `verify`.

use crate::attacks::{members, rezip};
use crate::custody::{codes, new_key, setup, verify};
use std::path::Path;

/// The member whose name ends with `suffix`.
fn member<'a>(all: &'a [crate::attacks::Member], suffix: &str) -> &'a crate::attacks::Member {
    all.iter()
        .find(|m| m.0.ends_with(suffix))
        .unwrap_or_else(|| panic!("no member ending {suffix}"))
}

/// The attacker certifies the examiner's public key (it is public) with a
/// root of their own and ships that root's key the way seal does, in place
/// of the agency's certificate: the bundle's files are consistent, and
/// nothing in them is trusted or named.
#[test]
fn a_forged_certificate_with_its_own_root_key_names_nobody() {
    let (agency, lab, b) = setup();
    let attacker = crate::harness::Env::new();
    let root = new_key(&attacker, "Interpol root", "Interpol", "FR", true);
    let ex = agency.examiner.clone();
    let r = agency.env.run(["key", "export", &ex]);
    r.expect_code(0);
    attacker.write("ex.pub.json", &r.stdout);
    let r = attacker.run([
        "key",
        "certify",
        "ex.pub.json",
        "--with",
        &root,
        "--valid-from",
        "2024-01-01",
    ]);
    r.expect_code(0);
    let bundle: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let cert = bundle["certificate"].as_str().unwrap().as_bytes().to_vec();
    let sig = bundle["signature"].as_str().unwrap().as_bytes().to_vec();
    let root_pub = attacker.run(["key", "export", &root, "--minisign"]);
    root_pub.expect_code(0);
    let all = members(&b);
    let time = member(&all, &format!("keys/{ex}.pub")).2;
    let bag = all[0].0.split('/').next().unwrap().to_string();
    let mut forged: Vec<_> = all
        .iter()
        .filter(|m| !(m.0.contains("/keys/") && m.0.ends_with(".pub") && !m.0.contains(&ex)))
        .cloned()
        .collect();
    for m in forged.iter_mut() {
        if m.0.ends_with(&format!("keys/{ex}.cert.json")) {
            m.1 = cert.clone();
        } else if m.0.ends_with(&format!("keys/{ex}.cert.json.minisig")) {
            m.1 = sig.clone();
        }
    }
    forged.push((
        format!("{bag}/keys/{root}.pub"),
        root_pub.stdout.clone(),
        time,
    ));
    let f = b.with_file_name("forged.zip");
    rezip(&f, &forged);
    let (r, v) = verify(&lab, &f, &[]);
    r.expect_code(1);
    let out = v.to_string();
    assert_ne!(v["verdict"], "verified", "{out}");
    assert!(
        !out.contains("Interpol"),
        "the attacker's root was named: {out}"
    );
    assert!(v["events"][0]["certified_identity"].is_null(), "{out}");
}

/// A bundled root key moved to another name: a key file must hold the key
/// its name says.
#[test]
fn a_root_key_under_another_name_is_a_finding() {
    let (_agency, lab, b) = setup();
    let mut all = members(&b);
    let i = all
        .iter()
        .position(|m| {
            m.0.contains("/keys/")
                && m.0.ends_with(".pub")
                && !all
                    .iter()
                    .any(|c| c.0 == format!("{}.cert.json", m.0.trim_end_matches(".pub")))
        })
        .expect("the bundle carries its root's key");
    let dir = Path::new(&all[i].0)
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    all[i].0 = format!("{dir}/{}.pub", "ab".repeat(32));
    let f = b.with_file_name("renamed.zip");
    rezip(&f, &all);
    let (r, v) = verify(&lab, &f, &[]);
    r.expect_code(1);
    assert!(codes(&v).iter().any(|c| c.0 == "keys"), "{v}");
}

/// The root's valid signature over the examiner's certificate, reused as
/// the seal event's signature: a valid signature of the wrong kind, over
/// other bytes, by another key, proves nothing about the event.
#[test]
fn a_certificate_signature_reused_as_the_seal_signature_fails() {
    let (_agency, lab, b) = setup();
    let mut all = members(&b);
    let cert_sig = all
        .iter()
        .find(|m| m.0.ends_with(".cert.json.minisig"))
        .expect("a certificate signature")
        .1
        .clone();
    let seal = all
        .iter_mut()
        .find(|m| m.0.ends_with("custody/000001-seal.json.minisig"))
        .expect("the seal's signature");
    seal.1 = cert_sig;
    let f = b.with_file_name("reused.zip");
    rezip(&f, &all);
    let (r, v) = verify(&lab, &f, &[]);
    r.expect_code(1);
    assert_ne!(v["verdict"], "verified", "{v}");
    assert!(!codes(&v).is_empty(), "{v}");
}
