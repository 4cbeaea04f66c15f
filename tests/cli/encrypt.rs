//! Bundles that travel encrypted (issue #17): `encrypt`, `decrypt`, the
//! age half of `key export` and `key add-recipient`. Two homes, as in
//! custody.rs: a sending agency and a receiving lab (a root and an
//! examiner certified by it); the sender trusts the lab's root. Checked
//! against the stock `age` binary both ways.

use crate::custody::{Party, T1, certify, json, party, trust_root_of};
use crate::harness::{self, Env, Run};
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const PW: &str = "correct horse battery staple";

/// `evidentia ARGS` in `env`.
fn ev(env: &Env, args: &[&str]) -> Run {
    env.run(args)
}

/// Copy `name` from `from`'s directory into `to`'s as `as_name`.
fn send(from: &Env, name: &str, to: &Env, as_name: &str) -> PathBuf {
    to.write(as_name, &std::fs::read(from.path().join(name)).unwrap())
}

/// The sending agency (its own root and examiner) with a sealed bundle
/// `b.zip`, and the receiving lab; the lab trusts the agency's root (to
/// verify what it receives).
fn agency_and_lab() -> (Party, Party) {
    let agency = party("Police Agency", "Jana Examiner", "DE");
    let lab = party("Forensic Lab", "Petr Lab", "CZ");
    trust_root_of(&lab, &agency);
    agency.env.write("ev/a.txt", b"hello\n");
    agency.env.write("ev/b.bin", &vec![7u8; 50_000]);
    ev(
        &agency.env,
        &["seal", "ev", "-o", "b.zip", "--case", "C-17", "--time", T1],
    )
    .expect_code(0);
    (agency, lab)
}

/// The agency trusts the lab's root to certify the lab's staff, and has
/// the lab examiner's certificate as `lab.cert`.
fn trust_lab(agency: &Party, lab: &Party) {
    let r = ev(&lab.env, &["key", "export", &lab.root]);
    r.expect_code(0);
    agency.env.write("lab-root.pub.json", &r.stdout);
    ev(
        &agency.env,
        &[
            "trust",
            "add",
            "--root",
            "lab-root.pub.json",
            "--may-certify",
            "Forensic Lab,CZ",
        ],
    )
    .expect_code(0);
    send(&lab.env, "ex.cert", &agency.env, "lab.cert");
}

/// The lab examiner's recipient (`key export --age`).
fn recipient(p: &Party) -> String {
    let r = ev(&p.env, &["key", "export", &p.examiner, "--age"]);
    r.expect_code(0);
    let line = r.stdout_str();
    assert_eq!(line.lines().count(), 1, "{line}");
    line.trim().to_string()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_bundle_for_a_certified_examiner_round_trips_and_verifies() {
    let (agency, lab) = agency_and_lab();
    trust_lab(&agency, &lab);
    let plain = std::fs::read(agency.env.path().join("b.zip")).unwrap();
    let r = ev(&agency.env, &["encrypt", "b.zip", "--to", "lab.cert"]);
    r.expect_code(0);
    let out = r.stdout_str();
    let cipher = std::fs::read(agency.env.path().join("b.zip.age")).unwrap();
    assert!(
        out.contains("into b.zip.age")
            && out.contains("Petr Lab, Forensic Lab (CZ)")
            && out.contains("certified by root")
            && out.contains(&format!("ciphertext SHA-256: {}", sha256(&cipher)))
            && out.contains("transmittal letter")
            && !out.contains("NOT TRUSTED"),
        "{out}"
    );
    assert!(cipher.starts_with(b"age-encryption.org/v1\n"));
    assert!(
        !cipher.windows(9).any(|w| w == b"bagit.txt"),
        "plaintext in the ciphertext"
    );
    // The JSON names the same file, hash and recipient, trusted.
    let r = ev(
        &agency.env,
        &[
            "--json", "encrypt", "b.zip", "--to", "lab.cert", "-o", "j.age",
        ],
    );
    r.expect_code(0);
    let v = json(&r);
    let j = std::fs::read(agency.env.path().join("j.age")).unwrap();
    assert_eq!(v["type"], "evidentia/encrypt-result/v1");
    assert_eq!(v["path"]["text"], "j.age");
    assert_eq!(v["sha256"], sha256(&j));
    assert_eq!(v["bytes"], j.len() as u64);
    assert_eq!(v["plain_bytes"], plain.len() as u64);
    assert_eq!(v["recipients"][0]["recipient"], recipient(&lab));
    assert_eq!(v["recipients"][0]["key_id"], lab.examiner);
    assert_eq!(v["recipients"][0]["trusted"], true);
    // Never over an existing file: the first ciphertext is untouched.
    let r = ev(&agency.env, &["encrypt", "b.zip", "--to", "lab.cert"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("b.zip.age: already exists"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(agency.env.path().join("b.zip.age")).unwrap(),
        cipher
    );

    // The lab decrypts, gets the same bytes (private), and verifies.
    send(&agency.env, "b.zip.age", &lab.env, "b.zip.age");
    let r = ev(&lab.env, &["decrypt", "b.zip.age"]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(
        out.contains("into b.zip") && out.contains(&sha256(&cipher)),
        "{out}"
    );
    assert!(out.contains("evidentia verify b.zip"), "{out}");
    let got = lab.env.path().join("b.zip");
    assert_eq!(std::fs::read(&got).unwrap(), plain);
    let mode = std::fs::metadata(&got).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "decrypted bundle readable by others");
    ev(&lab.env, &["verify", "b.zip"]).expect_code(0);
    // Never over an existing file, and nothing else left behind.
    let r = ev(&lab.env, &["decrypt", "b.zip.age"]);
    r.expect_code(2);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert!(!names(lab.env.path()).iter().any(|n| n.contains("tmp")));
    // JSON of decrypt.
    let r = ev(&lab.env, &["--json", "decrypt", "b.zip.age", "-o", "k.zip"]);
    r.expect_code(0);
    let v = json(&r);
    assert_eq!(v["type"], "evidentia/decrypt-result/v1");
    assert_eq!(v["cipher_sha256"], sha256(&cipher));
    assert_eq!(v["bytes"], plain.len() as u64);

    // By the key id of the imported certificate, too.
    ev(&agency.env, &["key", "import", "lab.cert"]).expect_code(0);
    let r = ev(
        &agency.env,
        &[
            "encrypt",
            "b.zip",
            "--to",
            &lab.examiner[..12],
            "-o",
            "id.age",
        ],
    );
    r.expect_code(0);
    assert!(r.stdout_str().contains("Petr Lab"), "{}", r.stdout_str());
    send(&agency.env, "id.age", &lab.env, "id.age");
    ev(&lab.env, &["decrypt", "id.age"]).expect_code(0);
    assert_eq!(std::fs::read(lab.env.path().join("id")).unwrap(), plain);
}

#[test]
fn untrusted_recipients_are_refused_unless_told_and_typos_named() {
    let (agency, lab) = agency_and_lab();
    let dir = agency.env.path();
    // The lab's certificate, its root not trusted here: refused.
    send(&lab.env, "ex.cert", &agency.env, "lab.cert");
    let r = ev(&agency.env, &["encrypt", "b.zip", "--to", "lab.cert"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("not trusted") && r.stderr.contains("trust add"),
        "{}",
        r.stderr
    );
    // The examiner's public key file, nobody vouching for it: refused,
    // then accepted with --to-untrusted, loudly even with --quiet.
    send(&lab.env, "ex.pub.json", &agency.env, "lab.pub.json");
    let r = ev(&agency.env, &["encrypt", "b.zip", "--to", "lab.pub.json"]);
    r.expect_code(2);
    assert!(r.stderr.contains("--to-untrusted"), "{}", r.stderr);
    assert!(!dir.join("b.zip.age").exists());
    let r = ev(
        &agency.env,
        &[
            "--quiet",
            "--json",
            "encrypt",
            "b.zip",
            "--to",
            "lab.pub.json",
            "--to-untrusted",
        ],
    );
    r.expect_code(0);
    assert!(
        r.stderr.contains("WARNING") && r.stderr.contains("no trusted root vouches"),
        "{}",
        r.stderr
    );
    assert_eq!(json(&r)["recipients"][0]["trusted"], false);
    send(&agency.env, "b.zip.age", &lab.env, "b.zip.age");
    ev(&lab.env, &["decrypt", "b.zip.age"]).expect_code(0);
    // A bare recipient: warned, works.
    let bare = recipient(&lab);
    let r = ev(
        &agency.env,
        &["encrypt", "b.zip", "--to", &bare, "-o", "r.age"],
    );
    r.expect_code(0);
    assert!(
        r.stderr.contains("not bound to any identity"),
        "{}",
        r.stderr
    );
    assert!(r.stdout_str().contains("a bare age recipient"));
    // A typo in a recipient: exit 2, the checksum named, nothing made.
    let mut typo = bare.clone().into_bytes();
    typo[30] = if typo[30] == b'q' { b'p' } else { b'q' };
    let typo = String::from_utf8(typo).unwrap();
    let r = ev(
        &agency.env,
        &["encrypt", "b.zip", "--to", &typo, "-o", "t.age"],
    );
    r.expect_code(2);
    assert!(r.stderr.contains("checksum"), "{}", r.stderr);
    let r = ev(
        &agency.env,
        &["encrypt", "b.zip", "--to", &bare[..61], "-o", "t.age"],
    );
    r.expect_code(2);
    assert!(r.stderr.contains("62 characters"), "{}", r.stderr);
    let r = ev(
        &agency.env,
        &["encrypt", "b.zip", "--to", "nobody", "-o", "t.age"],
    );
    r.expect_code(2);
    assert!(!dir.join("t.age").exists());
    assert!(
        !names(dir).iter().any(|n| n.contains("tmp")),
        "{:?}",
        names(dir)
    );
    // An age file is not encrypted again; a file that is not a bundle is,
    // with a warning.
    let r = ev(&agency.env, &["encrypt", "r.age", "--to", &bare]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("already an age-encrypted file"),
        "{}",
        r.stderr
    );
    assert!(!dir.join("r.age.age").exists());
    agency.env.write("notes.txt", b"not a bundle\n");
    let r = ev(&agency.env, &["encrypt", "notes.txt", "--to", &bare]);
    r.expect_code(0);
    assert!(r.stderr.contains("not a bundle"), "{}", r.stderr);
    let r = ev(&agency.env, &["encrypt", "missing.zip", "--to", &bare]);
    r.expect_code(2);
    assert!(r.stderr.contains("missing.zip"), "{}", r.stderr);
}

#[test]
fn wrong_key_and_damaged_ciphertexts_leave_nothing() {
    let (agency, lab) = agency_and_lab();
    let bare = recipient(&lab);
    ev(&agency.env, &["encrypt", "b.zip", "--to", &bare]).expect_code(0);
    let good = std::fs::read(agency.env.path().join("b.zip.age")).unwrap();
    let out = agency.env.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // The agency's own keys cannot open the lab's file.
    let r = ev(&agency.env, &["decrypt", "b.zip.age", "-o", "out/b.zip"]);
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("this file is for 1 recipient (X25519), none of them your keys"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("your keys are") && r.stderr.contains(&agency.examiner[..16]),
        "{}",
        r.stderr
    );
    assert!(names(&out).is_empty());

    let lab_out = lab.env.path().join("out");
    std::fs::create_dir(&lab_out).unwrap();
    let mut flipped = good.clone();
    let n = flipped.len();
    flipped[n - 50] ^= 0x01;
    let mac = good.windows(4).position(|w| w == b"\n---").unwrap() + 6;
    let mut bad_mac = good.clone();
    bad_mac[mac] = if bad_mac[mac] == b'A' { b'B' } else { b'A' };
    let armored = b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n-----END AGE ENCRYPTED FILE-----\n";
    let zip = std::fs::read(agency.env.path().join("b.zip")).unwrap();
    let cases: Vec<(&str, Vec<u8>, i32, &str)> = vec![
        (
            "truncated",
            good[..n - 100].to_vec(),
            1,
            "altered or cut short",
        ),
        (
            "cut in the header",
            good[..40].to_vec(),
            1,
            "altered or cut short",
        ),
        ("flipped payload byte", flipped, 1, "altered or cut short"),
        ("flipped MAC", bad_mac, 1, "altered or cut short"),
        (
            "trailing bytes",
            [&good[..], b"junk"].concat(),
            1,
            "altered or cut short",
        ),
        (
            "not age",
            b"hello world\n".to_vec(),
            2,
            "not an age-encrypted file",
        ),
        ("empty", vec![], 2, "it is empty"),
        ("zip", zip, 2, "needs no decryption"),
        ("armored", armored.to_vec(), 2, "ASCII-armored"),
    ];
    for (what, bytes, code, needle) in cases {
        lab.env.write("x.age", &bytes);
        let r = ev(&lab.env, &["decrypt", "x.age", "-o", "out/x.zip"]);
        assert_eq!(r.code, code, "{what}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{what}: {}", r.stderr);
        assert!(
            r.stderr.contains("x.age"),
            "{what}: names the file: {}",
            r.stderr
        );
        assert!(names(&lab_out).is_empty(), "{what}: {:?}", names(&lab_out));
        // The default output beside the input: nothing there either.
        let r = ev(&lab.env, &["decrypt", "x.age"]);
        assert_eq!(r.code, code, "{what}: {}", r.stderr);
        assert!(
            !names(lab.env.path())
                .iter()
                .any(|n| n == "x" || n.contains("tmp")),
            "{what}: {:?}",
            names(lab.env.path())
        );
    }
    // The intact file still decrypts; a name without .age needs -o.
    lab.env.write("x.age", &good);
    lab.env.write("y.bin", &good);
    let r = ev(&lab.env, &["decrypt", "y.bin"]);
    r.expect_code(2);
    assert!(r.stderr.contains("-o"), "{}", r.stderr);
    ev(&lab.env, &["decrypt", "y.bin", "-o", "out/y.zip"]).expect_code(0);
    ev(&lab.env, &["decrypt", "x.age", "-o", "out/x.zip"]).expect_code(0);
}

#[test]
fn a_wrong_passphrase_is_exit_2_and_unlocks_nothing() {
    let env = Env::new();
    let run = |pw: &str, args: &[&str]| {
        env.run_cmd(
            env.cmd(args)
                .env("EVIDENTIA_PASSPHRASE", pw)
                .stdin(std::process::Stdio::null()),
        )
    };
    let r = run(
        PW,
        &[
            "--json",
            "key",
            "new",
            "--name",
            "Eva",
            "--org",
            "Lab",
            "--country",
            "CZ",
        ],
    );
    r.expect_code(0);
    let id = json(&r)["key_id"].as_str().unwrap().to_string();
    env.write("notes.txt", b"a file\n");
    run("", &["encrypt", "notes.txt", "--to", &id]).expect_code(0);
    let r = run("wrong", &["decrypt", "notes.txt.age", "-o", "n.txt"]);
    r.expect_code(2);
    assert!(r.stderr.contains("passphrase"), "{}", r.stderr);
    assert!(!env.path().join("n.txt").exists());
    let r = run("wrong", &["key", "export", &id, "--age-identity"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    assert!(!r.stderr.contains("AGE-SECRET-KEY"), "{}", r.stderr);
    // The right one from a file.
    env.write("pw.txt", format!("{PW}\n").as_bytes());
    let r = run(
        "",
        &[
            "decrypt",
            "notes.txt.age",
            "-o",
            "n.txt",
            "--passphrase-file",
            "pw.txt",
        ],
    );
    r.expect_code(0);
    assert_eq!(
        std::fs::read(env.path().join("n.txt")).unwrap(),
        b"a file\n"
    );
}

/// The stock `age` tool: `age -r $(evidentia key export --age)` encrypts
/// what evidentia decrypts and verifies; `age -d -i` with the identity
/// from `key export --age-identity` decrypts what evidentia encrypted.
#[test]
fn stock_age_interoperates_both_ways() {
    let Some(age) = harness::peer("age") else {
        return;
    };
    let (agency, lab) = agency_and_lab();
    let r_lab = recipient(&lab);
    let plain = std::fs::read(agency.env.path().join("b.zip")).unwrap();
    let os = |s: &str| OsStr::new(s).to_owned();
    let out = harness::run_peer(
        &age,
        &[os("-r"), os(&r_lab), os("-o"), os("b.zip.age"), os("b.zip")]
            .iter()
            .map(|s| s.as_os_str())
            .collect::<Vec<_>>(),
        agency.env.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    send(&agency.env, "b.zip.age", &lab.env, "b.zip.age");
    ev(&lab.env, &["decrypt", "b.zip.age"]).expect_code(0);
    ev(&lab.env, &["verify", "b.zip"]).expect_code(0);

    ev(
        &agency.env,
        &["encrypt", "b.zip", "--to", &r_lab, "-o", "e.age"],
    )
    .expect_code(0);
    send(&agency.env, "e.age", &lab.env, "e.age");
    let r = ev(
        &lab.env,
        &["key", "export", &lab.examiner, "--age-identity"],
    );
    r.expect_code(0);
    assert!(
        r.stderr.contains("WARNING") && r.stderr.contains("age -d -i"),
        "{}",
        r.stderr
    );
    let text = r.stdout_str();
    assert!(
        text.lines().any(|l| l.starts_with("AGE-SECRET-KEY-1"))
            && text.contains(&format!("# public key: {r_lab}")),
        "identity file shape"
    );
    let id = lab.env.write("id.txt", &r.stdout);
    std::fs::set_permissions(&id, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = harness::run_peer(
        &age,
        &[
            os("-d"),
            os("-i"),
            os("id.txt"),
            os("-o"),
            os("e.zip"),
            os("e.age"),
        ]
        .iter()
        .map(|s| s.as_os_str())
        .collect::<Vec<_>>(),
        lab.env.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(lab.env.path().join("e.zip")).unwrap(), plain);
    // age-keygen -y derives the same recipient from the identity.
    if let Some(keygen) = harness::peer("age-keygen") {
        let out = harness::run_peer(&keygen, &[OsStr::new("-y"), id.as_os_str()], lab.env.path());
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r_lab);
    }
}

/// A key file made before encryption: no `recipient` in the key file, its
/// public key file, or its certificate. `key add-recipient` upgrades it,
/// and only a new certificate lets senders encrypt to it.
#[test]
fn add_recipient_upgrades_an_old_key_and_needs_recertification() {
    use evidentia::sign::{Identity, KdfParams, KeyFile, Protection, PublicKeyFile};
    let (agency, lab) = agency_and_lab();
    // An examiner key of the old form in the lab's home, protected by PW
    // (cheap KDF settings: the test is not about Argon2).
    let who = Identity::new("Olga Old", "Forensic Lab", "CZ", None, None).unwrap();
    let kdf = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };
    let prot = Protection::Passphrase {
        passphrase: PW.as_bytes(),
        kdf,
    };
    let (mut file, key) = KeyFile::generate(who, false, 1_700_000_000, prot).unwrap();
    file.recipient = None;
    let old_id = file.key_id.hex();
    let keys = lab.env.home().join("keys");
    let key_path = keys.join(format!("{old_id}.key"));
    std::fs::write(&key_path, file.to_bytes()).unwrap();
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let public = PublicKeyFile::export(&file, &key, 1_700_000_000);
    std::fs::write(keys.join(format!("{old_id}.pub.json")), public.to_bytes()).unwrap();
    let old_bytes = file.to_bytes();
    assert!(!String::from_utf8_lossy(&old_bytes).contains("recipient"));

    let show = ev(&lab.env, &["key", "show", &old_id]);
    show.expect_code(0);
    assert!(
        show.stdout_str().contains("no encryption recipient")
            && show.stdout_str().contains("key add-recipient"),
        "{}",
        show.stdout_str()
    );
    let r = ev(&lab.env, &["key", "export", &old_id, "--age"]);
    r.expect_code(2);
    assert!(r.stderr.contains("add-recipient"), "{}", r.stderr);
    // The root certifies the old public key file (warned): a certificate
    // without a recipient, refused as --to with the add-recipient hint.
    let r = ev(&lab.env, &["key", "export", &old_id]);
    r.expect_code(0);
    lab.env.write("old.pub.json", &r.stdout);
    let r = ev(
        &lab.env,
        &["key", "certify", "old.pub.json", "--with", &lab.root],
    );
    r.expect_code(0);
    assert!(r.stderr.contains("no encryption recipient"), "{}", r.stderr);
    lab.env.write("old.cert", &r.stdout);
    ev(&lab.env, &["key", "import", "old.cert"]).expect_code(0);
    trust_lab(&agency, &lab);
    send(&lab.env, "old.cert", &agency.env, "old.cert");
    let r = ev(&agency.env, &["encrypt", "b.zip", "--to", "old.cert"]);
    r.expect_code(2);
    assert!(r.stderr.contains("key add-recipient"), "{}", r.stderr);

    // A wrong passphrase changes nothing.
    let pw = |pass: &str, args: &[&str]| {
        lab.env
            .run_cmd(lab.env.cmd(args).env("EVIDENTIA_PASSPHRASE", pass))
    };
    pw("wrong", &["key", "add-recipient", &old_id]).expect_code(2);
    assert_eq!(std::fs::read(&key_path).unwrap(), old_bytes);
    // The right one: the recipient, the re-certification note.
    let r = pw(PW, &["key", "add-recipient", &old_id]);
    r.expect_code(0);
    let added = key.recipient();
    assert!(r.stdout_str().contains(&added), "{}", r.stdout_str());
    assert!(
        r.stderr.contains("RE-CERTIFICATION NEEDED") && r.stderr.contains("key certify"),
        "{}",
        r.stderr
    );
    let now = std::fs::read(&key_path).unwrap();
    assert_eq!(KeyFile::parse(&now).unwrap().recipient, Some(added.clone()));
    let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        !names(&keys).iter().any(|n| n.contains("tmp")),
        "{:?}",
        names(&keys)
    );
    // The same key: it still unlocks with PW and signs.
    lab.env.write("log.txt", b"log\n");
    pw(PW, &["sign", "log.txt", "--key", &old_id]).expect_code(0);
    // A second run: said, nothing changed.
    let r = pw(PW, &["--json", "key", "add-recipient", &old_id]);
    r.expect_code(0);
    assert_eq!(json(&r)["added"], false);
    assert_eq!(std::fs::read(&key_path).unwrap(), now);
    let r = ev(&lab.env, &["--json", "key", "show", &old_id]);
    assert_eq!(json(&r)["recipient"], added.as_str());
    let r = ev(&lab.env, &["key", "export", &old_id, "--age"]);
    assert_eq!(r.stdout_str().trim(), added);

    // The old certificate still carries no recipient: said, and refused.
    let show = ev(&lab.env, &["key", "show", &old_id]).stdout_str();
    assert!(show.contains("does not carry this recipient"), "{show}");
    ev(&agency.env, &["encrypt", "b.zip", "--to", "old.cert"]).expect_code(2);
    // Re-certified from the new `key export`, imported by the examiner,
    // sent to the agency: now it works, and the lab decrypts.
    certify(&lab.env, &lab.root, &old_id, "2024-01-01", "2034-01-01");
    send(&lab.env, "ex.cert", &agency.env, "new.cert");
    let show = ev(&lab.env, &["key", "show", &old_id]).stdout_str();
    assert!(!show.contains("does not carry"), "{show}");
    let r = ev(&agency.env, &["encrypt", "b.zip", "--to", "new.cert"]);
    r.expect_code(0);
    assert!(r.stdout_str().contains("Olga Old"), "{}", r.stdout_str());
    send(&agency.env, "b.zip.age", &lab.env, "b.zip.age");
    let r = pw(PW, &["decrypt", "b.zip.age", "--key", &old_id]);
    r.expect_code(0);
    ev(&lab.env, &["verify", "b.zip"]).expect_code(0);
}

/// Ctrl-C, SIGTERM or SIGHUP while the plaintext waits to be renamed
/// into place: the private temporary file is removed, exit 130.
#[test]
fn an_interrupted_decrypt_leaves_no_plaintext() {
    use std::io::BufRead;
    let (agency, lab) = agency_and_lab();
    ev(&agency.env, &["encrypt", "b.zip", "--to", &recipient(&lab)]).expect_code(0);
    send(&agency.env, "b.zip.age", &lab.env, "b.zip.age");
    std::fs::create_dir(lab.env.path().join("out")).unwrap();
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // Operation 1 creates the temporary file, 2 renames it.
        let mut child = lab
            .env
            .cmd(["decrypt", "b.zip.age", "-o", "out/b.zip"])
            .env("EVIDENTIA_TEST_PAUSE_OP", "2")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert!(
            line.contains("paused before op 2 (rename"),
            "{line:?}: a build without test hooks?"
        );
        let left = names(&lab.env.path().join("out"));
        assert!(
            left.len() == 1 && left[0].ends_with(".evidentia-tmp"),
            "{left:?}"
        );
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "signal {sig}");
        assert!(
            names(&lab.env.path().join("out")).is_empty(),
            "signal {sig}: plaintext left"
        );
    }
}
