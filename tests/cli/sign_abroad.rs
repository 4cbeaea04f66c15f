//! A signed file sent abroad (issue #15, item 1): agency A's examiner signs
//! a file with `sign --with-cert`; a lab that trusts A's root checks it with
//! `sign --verify --cert`, or after keeping A's certificate with
//! `key import`. Two agencies, two roots, two homes (custody.rs parties).

use crate::custody::{Party, certify, json, new_key, party, trust_root_of};
use crate::harness::{Run, peer, run_peer};
use std::ffi::OsStr;
use std::path::PathBuf;

const FILE: &str = "SHA256SUMS";

/// `evidentia <args...>` in `p`'s home and directory.
fn run(p: &Party, args: &[&str]) -> Run {
    p.env.run(args)
}

/// Agency A (Politie, NL) and a lab (BKA, DE), each trusting only its own
/// root; A's examiner has signed FILE with `--with-cert`, and the three
/// files were sent to the lab.
fn sent() -> (Party, Party) {
    let a = party("Politie", "Anna de Vries", "NL");
    let lab = party("BKA", "Petr Lab", "DE");
    a.env.write(FILE, b"e3b0c442...  usb1.img\n");
    let r = run(&a, &["sign", FILE, "--with-cert"]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(
        out.contains("SHA256SUMS.minisig") && out.contains("SHA256SUMS.cert"),
        "{out}"
    );
    for name in [FILE, "SHA256SUMS.minisig", "SHA256SUMS.cert"] {
        send(&a, &lab, name, name);
    }
    (a, lab)
}

/// Copy `name` from `from`'s directory into `to`'s as `as_name`.
fn send(from: &Party, to: &Party, name: &str, as_name: &str) -> PathBuf {
    let bytes = std::fs::read(from.env.path().join(name)).unwrap();
    to.env.write(as_name, &bytes)
}

fn verify(p: &Party, extra: &[&str]) -> Run {
    let mut args = vec!["sign", "--verify", FILE];
    args.extend_from_slice(extra);
    run(p, &args)
}

fn verify_json(p: &Party, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "sign", "--verify", FILE];
    args.extend_from_slice(extra);
    json(&run(p, &args))
}

#[test]
fn a_file_signed_abroad_verifies_through_the_senders_root() {
    let (a, lab) = sent();
    // The lab does not trust A's root yet: the certificate is named, and
    // so is what is missing.
    let r = verify(&lab, &["--cert", "SHA256SUMS.cert"]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(
        out.contains("certificate SHA256SUMS.cert:")
            && out.contains(&format!("issuer {}", &a.root[..16]))
            && out.contains("not in the trust store"),
        "{out}"
    );
    assert!(!out.contains("Anna"), "an unproven name was shown: {out}");
    assert!(
        r.stderr.contains("hint:") && r.stderr.contains("trust add"),
        "{}",
        r.stderr
    );

    trust_root_of(&lab, &a);
    let r = verify(&lab, &["--cert", "SHA256SUMS.cert"]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(
        out.contains("OK: trusted signature by Anna de Vries, Politie (NL), examiner")
            && out.contains(&format!(
                "certified by root {}, Politie Root",
                &a.root[..16]
            )),
        "{out}"
    );
    // evidentia's own trusted comment is not flagged as hiding anything.
    assert!(out.contains("trusted comment: timestamp:"), "{out}");
    assert!(!out.contains("hidden characters"), "{out}");
    let v = verify_json(&lab, &["--cert", "SHA256SUMS.cert"]);
    assert_eq!(v["status"], "trusted", "{v}");
    assert_eq!(v["via"]["root_id"], a.root.as_str());
    assert_eq!(v["key_id"], a.examiner.as_str());
    assert_eq!(v["signer"]["name"], "Anna de Vries");
    assert_eq!(v["certificates"][0]["source"], "SHA256SUMS.cert");
    assert_eq!(v["certificates"][0]["certifies"], true);

    // Without the certificate the key is unknown, and the hint points at it.
    let r = verify(&lab, &[]);
    r.expect_code(1);
    assert!(r.stderr.contains("--cert SHA256SUMS.cert"), "{}", r.stderr);

    // Kept once with `key import`, it serves without --cert.
    let r = run(&lab, &["key", "import", "SHA256SUMS.cert"]);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("not a signing key"),
        "{}",
        r.stdout_str()
    );
    let list = run(&lab, &["key", "list"]).stdout_str();
    let line = list.lines().find(|l| l.contains("foreign")).unwrap_or("");
    assert!(
        line.starts_with(&a.examiner[..16]) && line.contains("Anna de Vries, Politie (NL)"),
        "{list}"
    );
    assert!(
        list.contains(&format!("certified by root {}", &a.root[..16])),
        "{list}"
    );
    let v = json(&run(&lab, &["--json", "key", "list"]));
    assert_eq!(v["keys"].as_array().unwrap().len(), 2, "own keys only: {v}");
    assert_eq!(v["foreign"][0]["key_id"], a.examiner.as_str());
    assert_eq!(v["foreign"][0]["certified"], true);
    assert_eq!(
        v["foreign"][0]["certificate"]["issuer_key_id"],
        a.root.as_str()
    );
    let r = verify(&lab, &[]);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("imported certificate: certifies"),
        "{}",
        r.stdout_str()
    );
    // It is not a signing key: signing still picks the lab's own examiner.
    lab.env.write("note.txt", b"received\n");
    run(&lab, &["sign", "note.txt"]).expect_code(0);
    let v = json(&run(&lab, &["--json", "sign", "--verify", "note.txt"]));
    assert_eq!(v["key_id"], lab.examiner.as_str());

    // Removing A's root from the trust store ends what the kept
    // certificate vouches for, and its name is no longer shown.
    run(&lab, &["trust", "remove", &a.root[..12]]).expect_code(0);
    verify(&lab, &[]).expect_code(1);
    let list = run(&lab, &["key", "list"]).stdout_str();
    assert!(!list.contains("Anna"), "{list}");
    assert!(list.contains("not trusted now"), "{list}");
    trust_root_of(&lab, &a);
    verify(&lab, &[]).expect_code(0);

    // Removed, it vouches for nothing.
    let r = run(&lab, &["key", "remove", &a.examiner[..10]]);
    r.expect_code(0);
    verify(&lab, &[]).expect_code(1);
    assert!(!run(&lab, &["key", "list"]).stdout_str().contains("foreign"));
    run(&lab, &["key", "remove", &a.examiner[..10]]).expect_code(2);
    // `key remove` never takes one of the lab's own keys.
    let r = run(&lab, &["key", "remove", &lab.examiner[..10]]);
    r.expect_code(2);
    assert!(r.stderr.contains("one of your own keys"), "{}", r.stderr);
    assert_eq!(
        json(&run(&lab, &["--json", "key", "list"]))["keys"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn stock_minisign_still_verifies_a_signature_sent_with_its_certificate() {
    let Some(minisign) = peer("minisign") else {
        return;
    };
    let (a, lab) = sent();
    let r = run(&a, &["key", "export", &a.examiner, "--minisign"]);
    r.expect_code(0);
    let pubkey = lab.env.write("anna.pub", &r.stdout);
    let args: Vec<&OsStr> = [
        OsStr::new("-V"),
        OsStr::new("-m"),
        OsStr::new(FILE),
        OsStr::new("-p"),
        pubkey.as_os_str(),
    ]
    .to_vec();
    let out = run_peer(&minisign, &args, lab.env.path());
    assert!(
        out.status.success(),
        "minisign -V failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    lab.env.write(FILE, b"e3b0c442...  usb2.img\n");
    assert!(!run_peer(&minisign, &args, lab.env.path()).status.success());
}

#[test]
fn key_import_refuses_a_certificate_whose_root_is_not_trusted() {
    let (a, lab) = sent();
    let r = run(&lab, &["key", "import", "SHA256SUMS.cert"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains(&format!("root {}", &a.root[..16]))
            && r.stderr.contains("not in your trust store")
            && r.stderr.contains("hint:")
            && r.stderr.contains("trust add"),
        "{}",
        r.stderr
    );
    assert!(!run(&lab, &["key", "list"]).stdout_str().contains("foreign"));
    verify(&lab, &[]).expect_code(1);
    // The root trusted as a single key certifies nothing.
    let r = run(&a, &["key", "export", &a.root, "--minisign"]);
    lab.env.write("a-root.pub", &r.stdout);
    run(&lab, &["trust", "add", "a-root.pub"]).expect_code(0);
    let r = run(&lab, &["key", "import", "SHA256SUMS.cert"]);
    r.expect_code(2);
    assert!(r.stderr.contains("--root"), "{}", r.stderr);
    let r = verify(&lab, &["--cert", "SHA256SUMS.cert"]);
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("not as a root"),
        "{}",
        r.stdout_str()
    );
}

#[test]
fn a_certificate_of_another_key_is_named_as_such() {
    let (a, lab) = sent();
    trust_root_of(&lab, &a);
    // A second examiner of A, certified by the same root.
    let bob = new_key(&a.env, "Bob Jansen", "Politie", "NL", false);
    certify(&a.env, &a.root, &bob, "2024-01-01", "2034-01-01");
    send(&a, &lab, "ex.cert", "bob.cert");
    let r = verify(&lab, &["--cert", "bob.cert"]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(
        out.contains("certificate bob.cert:")
            && out.contains(&format!("certifies key {}", &bob[..16]))
            && out.contains("not the key that made this signature"),
        "{out}"
    );
    assert!(r.stderr.contains("--with-cert"), "{}", r.stderr);
    let v = verify_json(&lab, &["--cert", "bob.cert"]);
    assert_eq!(v["certificates"][0]["signing_key"], false, "{v}");
    // With the right one as well, the right one counts.
    verify(&lab, &["--cert", "bob.cert", "--cert", "SHA256SUMS.cert"]).expect_code(0);
}

#[test]
fn tampered_certificates_and_files_fail() {
    let (a, lab) = sent();
    trust_root_of(&lab, &a);
    let text = std::fs::read_to_string(lab.env.path().join("SHA256SUMS.cert")).unwrap();
    // Another name in a well-formed certificate: its root's signature fails.
    lab.env.write(
        "renamed.cert",
        text.replace("Anna de Vries", "Anna de Vriez").as_bytes(),
    );
    let r = verify(&lab, &["--cert", "renamed.cert"]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(out.contains("certificate renamed.cert:"), "{out}");
    assert!(!out.contains("Vriez") && !out.contains("Anna"), "{out}");
    let r = run(&lab, &["key", "import", "renamed.cert"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("does not verify against root"),
        "{}",
        r.stderr
    );
    // A certificate that is not one at all: an error naming the file.
    lab.env
        .write("broken.cert", &text.as_bytes()[..text.len() / 2]);
    let r = verify(&lab, &["--cert", "broken.cert"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("broken.cert") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    // An altered file fails however good the certificate.
    lab.env.write(FILE, b"e3b0c442...  usb9.img\n");
    let r = verify(&lab, &["--cert", "SHA256SUMS.cert"]);
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("BAD SIGNATURE"),
        "{}",
        r.stdout_str()
    );
}

#[test]
fn a_root_certifies_only_within_its_name_constraints_here_too() {
    let (a, lab) = sent();
    trust_root_of(&lab, &a);
    // A's root certifies a key of another organisation; the lab trusts
    // the root for Politie (NL) only.
    let out = new_key(&a.env, "Olga", "Douane", "NL", false);
    certify(&a.env, &a.root, &out, "2024-01-01", "2034-01-01");
    a.env.write("olga.txt", b"x\n");
    run(&a, &["sign", "olga.txt", "--key", &out, "--with-cert"]).expect_code(0);
    for n in ["olga.txt", "olga.txt.minisig", "olga.txt.cert"] {
        send(&a, &lab, n, n);
    }
    let r = run(
        &lab,
        &["sign", "--verify", "olga.txt", "--cert", "olga.txt.cert"],
    );
    r.expect_code(1);
    assert!(
        r.stdout_str().contains("name constraints"),
        "{}",
        r.stdout_str()
    );
    assert!(r.stderr.contains("--may-certify"), "{}", r.stderr);
    let r = run(&lab, &["key", "import", "olga.txt.cert"]);
    r.expect_code(2);
    assert!(r.stderr.contains("--may-certify"), "{}", r.stderr);
}

#[test]
fn with_cert_needs_a_certificate_and_overwrites_nothing() {
    let (a, _lab) = sent();
    // An examiner key without a certificate.
    let bare = new_key(&a.env, "Uncertified", "Politie", "NL", false);
    a.env.write("b.txt", b"x\n");
    let r = run(&a, &["sign", "b.txt", "--key", &bare, "--with-cert"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("has no certificate") && r.stderr.contains("key import"),
        "{}",
        r.stderr
    );
    assert!(!a.env.path().join("b.txt.minisig").exists());
    // A root has no certificate: receivers trust it directly.
    let r = run(&a, &["sign", "b.txt", "--key", &a.root, "--with-cert"]);
    r.expect_code(2);
    assert!(r.stderr.contains("agency root"), "{}", r.stderr);
    assert!(!a.env.path().join("b.txt.minisig").exists());
    // An existing FILE.cert is never overwritten, and nothing is signed.
    a.env.write("c.txt", b"x\n");
    a.env.write("c.txt.cert", b"mine");
    let r = run(&a, &["sign", "c.txt", "--key", &a.examiner, "--with-cert"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("c.txt.cert already exists"),
        "{}",
        r.stderr
    );
    assert!(!a.env.path().join("c.txt.minisig").exists());
    assert_eq!(
        std::fs::read(a.env.path().join("c.txt.cert")).unwrap(),
        b"mine"
    );
    // Written, it is the certificate bundle `key import` reads.
    run(&a, &["sign", "c.txt", "--key", &a.examiner]).expect_code(0);
    let bundle = std::fs::read(a.env.path().join("SHA256SUMS.cert")).unwrap();
    let (cert, _) = evidentia::sign::CertBundle::parse(&bundle).unwrap();
    assert_eq!(cert.key_id.hex(), a.examiner);
}

/// The user guide tells a receiver to `key import` what came with a file.
/// Anyone can certify the receiver's own public key with a root of their
/// own: such a certificate must not replace the receiver's, nor may one
/// from a trusted root outside its name constraints.
#[test]
fn key_import_never_replaces_your_certificate_with_an_unchecked_one() {
    let (a, lab) = sent();
    let before = std::fs::read(
        lab.env
            .home()
            .join(format!("keys/{}.cert.json", lab.examiner)),
    )
    .unwrap();
    // The attacker's root certifies the lab examiner's (public) key.
    let attacker = party("Mallory", "Mallory", "FR");
    let r = run(&lab, &["key", "export", &lab.examiner]);
    r.expect_code(0);
    attacker.env.write("victim.pub.json", &r.stdout);
    let r = run(
        &attacker,
        &[
            "key",
            "certify",
            "victim.pub.json",
            "--with",
            &attacker.root,
        ],
    );
    r.expect_code(0);
    lab.env.write("evil.cert", &r.stdout);
    let r = run(&lab, &["key", "import", "evil.cert"]);
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("neither in your trust store nor among your keys"),
        "{}",
        r.stderr
    );
    // A trusted root of another agency, outside what it may certify: its
    // signature is genuine, so it is kept, but said to be out of scope and
    // said to replace the lab's certificate.
    trust_root_of(&lab, &a);
    a.env.write(
        "victim.pub.json",
        &std::fs::read(attacker.env.path().join("victim.pub.json")).unwrap(),
    );
    let r = run(
        &a,
        &["key", "certify", "victim.pub.json", "--with", &a.root],
    );
    r.expect_code(0);
    lab.env.write("other.cert", &r.stdout);
    let after = std::fs::read(
        lab.env
            .home()
            .join(format!("keys/{}.cert.json", lab.examiner)),
    )
    .unwrap();
    assert_eq!(before, after, "an unchecked certificate replaced the lab's");
    let r = run(&lab, &["key", "import", "other.cert"]);
    r.expect_code(0);
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("will not trust"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout_str()
            .starts_with("replaced the earlier certificate"),
        "{}",
        r.stdout_str()
    );
    // Its own root's certificate back: said to replace the other.
    let r = run(&lab, &["key", "import", "ex.cert"]);
    r.expect_code(0);
    assert!(
        r.stdout_str()
            .starts_with("replaced the earlier certificate"),
        "{}",
        r.stdout_str()
    );
    // A trusted root is not a kept certificate: the hint names the
    // command that removes it.
    let r = run(&lab, &["key", "remove", &a.root[..16]]);
    r.expect_code(2);
    assert!(r.stderr.contains("trust remove"), "{}", r.stderr);
    assert!(!r.stderr.contains("--key"), "{}", r.stderr);
}
