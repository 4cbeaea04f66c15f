//! Keys, trust store and signatures: `key`, `trust` and `sign`, checked
//! against the stock `minisign` and `openssl` tools.

use crate::harness::{self, Env, Run};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const PW: &str = "correct horse battery staple";

fn run_pw(env: &Env, args: &[&str]) -> Run {
    env.run_cmd(env.cmd(args).env("EVIDENTIA_PASSPHRASE", PW))
}

/// Make a key and return its full id.
fn new_key(env: &Env, name: &str, root: bool) -> String {
    let mut args = vec![
        "--json",
        "key",
        "new",
        "--name",
        name,
        "--org",
        "Lab",
        "--country",
        "CZ",
    ];
    if root {
        args.push("--root");
    }
    let r = run_pw(env, &args);
    r.expect_code(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    v["key_id"].as_str().expect("key_id").to_string()
}

fn export(env: &Env, id: &str, flag: Option<&str>, name: &str) -> PathBuf {
    let mut args = vec!["key", "export", id];
    args.extend(flag);
    let r = env.run(args);
    r.expect_code(0);
    env.write(name, &r.stdout)
}

fn verify(env: &Env, file: &str) -> Run {
    env.run(["sign", "--verify", file])
}

fn json_status(env: &Env, file: &str) -> serde_json::Value {
    let r = env.run(["--json", "sign", "--verify", file]);
    serde_json::from_slice(&r.stdout).expect("verify json")
}

fn sig_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("sig")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").expect("write sig");
}

#[test]
fn stock_minisign_verifies_our_signature() {
    let Some(minisign) = harness::peer("minisign") else {
        return;
    };
    let env = Env::new();
    let id = new_key(&env, "Jana", false);
    let pubkey = export(&env, &id, Some("--minisign"), "jana.pub");
    env.write("log.txt", b"acquisition log\n");
    run_pw(&env, &["sign", "log.txt", "--comment", "case 42"]).expect_code(0);
    let args: Vec<&OsStr> = ["-V", "-m", "log.txt", "-p"]
        .iter()
        .map(OsStr::new)
        .collect();
    let out = harness::run_peer(
        &minisign,
        &[&args[..], &[pubkey.as_os_str()]].concat(),
        env.path(),
    );
    assert!(
        out.status.success(),
        "minisign -V failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("comment:case 42") && text.contains(&format!("key:{id}")),
        "{text}"
    );
    // A flipped byte in the file: minisign and we both reject it.
    env.write("log.txt", b"acquisition log!\n");
    let out = harness::run_peer(
        &minisign,
        &[&args[..], &[pubkey.as_os_str()]].concat(),
        env.path(),
    );
    assert!(!out.status.success());
    verify(&env, "log.txt").expect_code(1);
}

#[test]
fn openssl_verifies_the_blake2b_prehash() {
    let Some(openssl) = harness::peer("openssl") else {
        return;
    };
    let env = Env::new();
    let id = new_key(&env, "Jana", false);
    let pem = export(&env, &id, Some("--pem"), "key.pem");
    let data = env.write(
        "data.bin",
        &(0..5000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>(),
    );
    run_pw(&env, &["sign", "data.bin"]).expect_code(0);
    let s = |x: &str| OsStr::new(x).to_owned();
    let out = harness::run_peer(
        &openssl,
        &[
            s("pkey"),
            s("-pubin"),
            s("-in"),
            pem.clone().into(),
            s("-noout"),
        ]
        .iter()
        .map(|x| x.as_os_str())
        .collect::<Vec<_>>(),
        env.path(),
    );
    assert!(
        out.status.success(),
        "openssl pkey: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let digest = harness::run_peer(
        &openssl,
        &[s("dgst"), s("-blake2b512"), s("-binary"), data.into()]
            .iter()
            .map(|x| x.as_os_str())
            .collect::<Vec<_>>(),
        env.path(),
    );
    assert!(digest.status.success());
    assert_eq!(digest.stdout.len(), 64);
    env.write("digest", &digest.stdout);
    let blob = BASE64
        .decode(&sig_lines(&env.path().join("data.bin.minisig"))[1])
        .expect("b64");
    assert_eq!(&blob[..2], b"ED");
    env.write("raw.sig", &blob[10..]);
    let args = |input: &str| {
        [
            "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", "key.pem", "-in", input,
            "-sigfile", "raw.sig",
        ]
        .iter()
        .map(|x| OsStr::new(*x).to_owned())
        .collect::<Vec<_>>()
    };
    let out = harness::run_peer(
        &openssl,
        &args("digest")
            .iter()
            .map(|x| x.as_os_str())
            .collect::<Vec<_>>(),
        env.path(),
    );
    assert!(
        out.status.success(),
        "pkeyutl: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut bad = digest.stdout.clone();
    bad[0] ^= 1;
    env.write("bad-digest", &bad);
    let out = harness::run_peer(
        &openssl,
        &args("bad-digest")
            .iter()
            .map(|x| x.as_os_str())
            .collect::<Vec<_>>(),
        env.path(),
    );
    assert!(!out.status.success());
}

#[test]
fn directly_trusted_key_and_tampering() {
    let env = Env::new();
    let id = new_key(&env, "Jana", false);
    env.write("f.txt", b"evidence");
    run_pw(&env, &["sign", "f.txt"]).expect_code(0);
    // Valid but not trusted yet.
    let r = verify(&env, "f.txt");
    r.expect_code(1);
    assert!(r.stdout_str().contains("UNTRUSTED"), "{}", r.stdout_str());
    assert_eq!(json_status(&env, "f.txt")["status"], "valid_untrusted");
    export(&env, &id, None, "jana.pub.json");
    let r = env.run(["trust", "add", "jana.pub.json"]);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains(&id[..4].to_ascii_uppercase()),
        "fingerprint shown"
    );
    verify(&env, "f.txt").expect_code(0);
    let v = json_status(&env, "f.txt");
    assert_eq!(v["status"], "trusted");
    assert_eq!(v["via"]["kind"], "direct");
    assert_eq!(v["key_id"], id.as_str());

    let sig = env.path().join("f.txt.minisig");
    let good = sig_lines(&sig);
    // Trusted comment changed.
    let mut l = good.clone();
    l[2].push('x');
    write_lines(&sig, &l);
    assert!(
        verify(&env, "f.txt")
            .expect_code(1)
            .stdout_str()
            .contains("trusted comment does not match")
    );
    // A flipped byte of the signature.
    let mut l = good.clone();
    let mut blob = BASE64.decode(&l[1]).unwrap();
    blob[40] ^= 0x01;
    l[1] = BASE64.encode(blob);
    write_lines(&sig, &l);
    assert_eq!(json_status(&env, "f.txt")["status"], "invalid");
    // A flipped byte of the global signature.
    let mut l = good.clone();
    let mut blob = BASE64.decode(&l[3]).unwrap();
    blob[0] ^= 0x80;
    l[3] = BASE64.encode(blob);
    write_lines(&sig, &l);
    verify(&env, "f.txt").expect_code(1);
    // The original verifies again; then a flipped byte in the file.
    write_lines(&sig, &good);
    verify(&env, "f.txt").expect_code(0);
    env.write("f.txt", b"evidencf");
    verify(&env, "f.txt").expect_code(1);
    // Removing the key from the trust store untrusts it.
    env.write("f.txt", b"evidence");
    env.run(["trust", "remove", &id[..10]]).expect_code(0);
    verify(&env, "f.txt").expect_code(1);
}

/// Root + examiner in one home; returns (root id, examiner id).
fn agency(env: &Env) -> (String, String) {
    let root = new_key(env, "Agency Root", true);
    let ex = new_key(env, "Jana", false);
    export(env, &ex, None, "ex.pub.json");
    (root, ex)
}

fn certify(env: &Env, root: &str, extra: &[&str]) {
    let mut args = vec![
        "key",
        "certify",
        "ex.pub.json",
        "--with",
        root,
        "--role",
        "examiner",
    ];
    args.extend_from_slice(extra);
    let r = run_pw(env, &args);
    r.expect_code(0);
    env.write("ex.cert", &r.stdout);
    env.run(["key", "import", "ex.cert"]).expect_code(0);
}

#[test]
fn key_certified_by_a_trusted_root() {
    let env = Env::new();
    let (root, ex) = agency(&env);
    certify(&env, &root, &[]);
    env.write("f.txt", b"evidence");
    run_pw(&env, &["sign", "f.txt"]).expect_code(0);
    // Root not trusted yet: valid but untrusted.
    verify(&env, "f.txt").expect_code(1);
    export(&env, &root, None, "root.pub.json");
    env.run(["trust", "add", "root.pub.json"]).expect_code(0);
    let r = verify(&env, "f.txt");
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("certified by root"),
        "{}",
        r.stdout_str()
    );
    let v = json_status(&env, "f.txt");
    assert_eq!(v["via"]["root_id"], root.as_str());
    assert_eq!(v["signer"]["role"], "examiner");
    // A flipped byte in the stored certificate breaks the chain.
    let cert = env.home().join("keys").join(format!("{ex}.cert.json"));
    let text = std::fs::read_to_string(&cert).unwrap();
    std::fs::write(&cert, text.replace("\"Jana\"", "\"Jano\"")).unwrap();
    verify(&env, "f.txt").expect_code(1);
    std::fs::write(&cert, &text).unwrap();
    verify(&env, "f.txt").expect_code(0);
    // The root trusted only as a plain key certifies nothing.
    env.run(["trust", "remove", &root]).expect_code(0);
    let m = export(&env, &root, Some("--minisign"), "root.minisign.pub");
    env.run(["trust", "add", m.to_str().unwrap()])
        .expect_code(0);
    verify(&env, "f.txt").expect_code(1);
    env.run(["trust", "remove", &root]).expect_code(0);
    // A root without an identity may certify nothing until told what.
    env.run(["trust", "add", "--root", m.to_str().unwrap()])
        .expect_code(0);
    verify(&env, "f.txt").expect_code(1);
    env.run(["trust", "remove", &root]).expect_code(0);
    env.run([
        "trust",
        "add",
        "--root",
        "--may-certify",
        "Lab,CZ",
        m.to_str().unwrap(),
    ])
    .expect_code(0);
    verify(&env, "f.txt").expect_code(0);
}

#[test]
fn expired_and_not_yet_valid_certificates_are_rejected() {
    let env = Env::new();
    let (root, _) = agency(&env);
    export(&env, &root, None, "root.pub.json");
    env.run(["trust", "add", "root.pub.json"]).expect_code(0);
    env.write("f.txt", b"evidence");
    run_pw(&env, &["sign", "f.txt"]).expect_code(0);
    certify(
        &env,
        &root,
        &[
            "--valid-from",
            "2001-01-01",
            "--valid-until",
            "2002-01-01T00:00:00Z",
        ],
    );
    let r = verify(&env, "f.txt");
    r.expect_code(1);
    assert!(r.stdout_str().contains("expired"), "{}", r.stdout_str());
    assert_eq!(json_status(&env, "f.txt")["status"], "certificate_expired");
    certify(
        &env,
        &root,
        &["--valid-from", "2090-01-01", "--valid-until", "2091-01-01"],
    );
    assert_eq!(
        json_status(&env, "f.txt")["status"],
        "certificate_not_yet_valid"
    );
    verify(&env, "f.txt").expect_code(1);
    certify(
        &env,
        &root,
        &["--valid-from", "2020-01-01", "--valid-until", "2099-01-01"],
    );
    verify(&env, "f.txt").expect_code(0);
}

#[test]
fn key_certified_by_an_untrusted_root_is_untrusted() {
    let env = Env::new();
    let (root, _) = agency(&env);
    let other = new_key(&env, "Other Root", true);
    certify(&env, &root, &[]);
    export(&env, &other, None, "other.pub.json");
    env.run(["trust", "add", "other.pub.json"]).expect_code(0);
    env.write("f.txt", b"evidence");
    // An unknown key id is an error, not a guess.
    run_pw(&env, &["sign", "f.txt", "--key", "not-hex"]).expect_code(2);
    let ex_only = env.run(["--json", "key", "list"]);
    let v: serde_json::Value = serde_json::from_slice(&ex_only.stdout).unwrap();
    assert_eq!(v["keys"].as_array().unwrap().len(), 3);
    run_pw(&env, &["sign", "f.txt"]).expect_code(0);
    let v = json_status(&env, "f.txt");
    assert_eq!(v["status"], "valid_untrusted");
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("not in the trust store"),
        "{v}"
    );
}

#[test]
fn wrong_passphrase_is_exit_2() {
    let env = Env::new();
    new_key(&env, "Jana", false);
    env.write("f.txt", b"x");
    let r = env.run_cmd(
        env.cmd(["sign", "f.txt"])
            .env("EVIDENTIA_PASSPHRASE", "nope"),
    );
    r.expect_code(2);
    assert!(
        r.stderr.contains("wrong passphrase") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("nope"));
    assert!(!env.path().join("f.txt.minisig").exists());
    // The passphrase file works, and no terminal means a clear error.
    env.write("pw.txt", format!("{PW}\n").as_bytes());
    env.run(["sign", "f.txt", "--passphrase-file", "pw.txt"])
        .expect_code(0);
    env.write("g.txt", b"y");
    let r = env.run(["sign", "g.txt"]);
    r.expect_code(2);
    assert!(r.stderr.contains("EVIDENTIA_PASSPHRASE"), "{}", r.stderr);
    // An existing signature is never overwritten.
    let before = std::fs::read(env.path().join("f.txt.minisig")).unwrap();
    run_pw(&env, &["sign", "f.txt"]).expect_code(2);
    assert_eq!(
        std::fs::read(env.path().join("f.txt.minisig")).unwrap(),
        before
    );
}

#[test]
fn secret_key_files_are_private_and_encrypted() {
    let env = Env::new();
    let id = new_key(&env, "Jana", false);
    let path = env.home().join("keys").join(format!("{id}.key"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["secret"]["scheme"], "argon2id-chacha20poly1305");
    assert!(v["secret"].get("seed").is_none());
    assert_eq!(v["secret"]["kdf"]["m_kib"], 65536);
    // --no-encrypt warns loudly.
    let r = env.run([
        "key",
        "new",
        "--name",
        "B",
        "--org",
        "O",
        "--country",
        "DE",
        "--no-encrypt",
    ]);
    r.expect_code(0);
    assert!(r.stderr.contains("UNENCRYPTED"), "{}", r.stderr);
}

#[test]
fn countries_and_identities_are_validated() {
    let env = Env::new();
    for cc in ["UK", "XX", "C", "CZE", "EU"] {
        let r = run_pw(
            &env,
            &["key", "new", "--name", "A", "--org", "O", "--country", cc],
        );
        r.expect_code(2);
        assert!(r.stderr.contains("ISO 3166"), "{}", r.stderr);
    }
    run_pw(
        &env,
        &["key", "new", "--name", "A", "--org", "O", "--country", "gb"],
    )
    .expect_code(0);
    let r = run_pw(
        &env,
        &["key", "new", "--name", "", "--org", "O", "--country", "GB"],
    );
    r.expect_code(2);
}

#[test]
fn malformed_inputs_are_errors_not_panics() {
    let env = Env::new();
    let id = new_key(&env, "Jana", false);
    export(&env, &id, None, "jana.pub.json");
    env.run(["trust", "add", "jana.pub.json"]).expect_code(0);
    env.write("f.txt", b"evidence");
    run_pw(&env, &["sign", "f.txt"]).expect_code(0);
    let good = sig_lines(&env.path().join("f.txt.minisig"));
    let mut legacy = good.clone();
    let mut blob = BASE64.decode(&legacy[1]).unwrap();
    blob[1] = b'd';
    legacy[1] = BASE64.encode(blob);
    let mut truncated = good.clone();
    truncated[1].truncate(30);
    // A signature file that reads but does not parse is a bad signature:
    // exit 1, status "malformed". One over minisign's 64 KiB limit is not
    // read at all: exit 2, like any input over its size limit.
    let cases: Vec<(&str, Vec<u8>, i32)> = vec![
        ("empty", vec![], 1),
        (
            "truncated base64",
            (truncated.join("\n") + "\n").into_bytes(),
            1,
        ),
        ("legacy Ed tag", (legacy.join("\n") + "\n").into_bytes(), 1),
        ("binary", vec![0xff; 300], 1),
        ("huge", vec![b'A'; 200_000], 2),
        ("half", good.join("\n").as_bytes()[..60].to_vec(), 1),
    ];
    for (what, bytes, code) in &cases {
        env.write("bad.minisig", bytes);
        let r = env.run([
            "--json",
            "sign",
            "--verify",
            "f.txt",
            "--sig",
            "bad.minisig",
        ]);
        assert_eq!(r.code, *code, "{what}: {r:?}");
        assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
        if *code == 1 {
            let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
            assert_eq!(v["status"], "malformed", "{what}");
        } else {
            assert!(
                r.stderr.contains("signature is larger than 65536 bytes"),
                "{what}: {}",
                r.stderr
            );
        }
        for cmd in [
            &["trust", "add", "bad.minisig"][..],
            &["key", "import", "bad.minisig"],
            &["key", "certify", "bad.minisig", "--with", &id],
        ] {
            let r = run_pw(&env, cmd);
            r.expect_code(2);
            assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
        }
    }
    // The legacy-tag signature is named as such.
    env.write("bad.minisig", &cases[2].1);
    let r = env.run(["sign", "--verify", "f.txt", "--sig", "bad.minisig"]);
    assert!(r.stdout_str().contains("legacy"), "{}", r.stdout_str());
}

#[test]
fn list_show_export_and_prefixes() {
    let env = Env::new();
    let a = new_key(&env, "Jana", false);
    let r = env.run(["--json", "key", "show"]);
    r.expect_code(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["key_id"], a.as_str());
    assert_eq!(v["identity"]["country"], "CZ");
    let b = new_key(&env, "Petr", true);
    env.run(["key", "show"]).expect_code(2);
    env.run(["key", "show", &b[..8]]).expect_code(0);
    let r = env.run(["key", "list"]);
    assert_eq!(r.expect_code(0).stdout_str().lines().count(), 2);
    env.run(["key", "show", "zz"]).expect_code(2);
    // Signing picks the only examiner key.
    env.write("f.txt", b"x");
    run_pw(&env, &["sign", "f.txt"]).expect_code(0);
    let tc = sig_lines(&env.path().join("f.txt.minisig"))[2].clone();
    assert!(tc.contains(&format!("key:{a}")), "{tc}");
    let pem = String::from_utf8(env.run(["key", "export", &a, "--pem"]).stdout).unwrap();
    assert!(
        pem.starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"),
        "{pem}"
    );
    let r = env.run(["--json", "trust", "list"]);
    let v: serde_json::Value = serde_json::from_slice(&r.expect_code(0).stdout).unwrap();
    assert_eq!(v["trusted"].as_array().unwrap().len(), 0);
}
