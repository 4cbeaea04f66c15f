//! Secrets never leak: every command that unlocks, uses or shows a key is
//! run with a distinctive passphrase (right and wrong, from the
//! environment and from a file), and neither passphrase nor the secret
//! seed of an unencrypted key appears in any output, error, bundle entry,
//! report, acquisition record or locker file.

use crate::harness::{Env, Run};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use evidentia::bundle::Archive;
use std::path::{Path, PathBuf};

const PW: &str = "Qx7-tangerine-Vault-passphrase-0193";
const WRONG_PW: &str = "Zk4-wrong-guess-Mango-passphrase-8812";

/// Runs commands and keeps everything they printed.
struct Session {
    env: Env,
    printed: Vec<(String, Vec<u8>)>,
}

impl Session {
    fn run(&mut self, args: &[&str], pw: Option<&str>) -> Run {
        let mut c = self.env.cmd(args);
        c.stdin(std::process::Stdio::null());
        if let Some(pw) = pw {
            c.env("EVIDENTIA_PASSPHRASE", pw);
        }
        let r = self.env.run_cmd(&mut c);
        let label = args.join(" ");
        self.printed
            .push((format!("stdout of `{label}`"), r.stdout.clone()));
        self.printed.push((
            format!("stderr of `{label}`"),
            r.stderr.clone().into_bytes(),
        ));
        r
    }

    fn ok(&mut self, args: &[&str], pw: Option<&str>) -> Run {
        let r = self.run(args, pw);
        r.expect_code(0);
        r
    }

    fn key(&mut self, name: &str, extra: &[&str], pw: Option<&str>) -> String {
        let mut args = vec![
            "--json",
            "key",
            "new",
            "--name",
            name,
            "--org",
            "Agency",
            "--country",
            "NL",
        ];
        args.extend(extra);
        let r = self.ok(&args, pw);
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("key json");
        v["key_id"].as_str().expect("key_id").to_string()
    }
}

/// Every way the bytes of a secret could be spelled in a text or a file.
fn spellings(secret: &[u8]) -> Vec<Vec<u8>> {
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        secret.to_vec(),
        hex.clone().into_bytes(),
        hex.to_uppercase().into_bytes(),
        STANDARD.encode(secret).into_bytes(),
        STANDARD_NO_PAD.encode(secret).into_bytes(),
        URL_SAFE_NO_PAD.encode(secret).into_bytes(),
        // A Debug rendering of the bytes, as in `[12, 200, ...]`.
        format!("{secret:?}").into_bytes(),
    ]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir` with its bytes; a zip also contributes each of
/// its entries decompressed, so a deflated entry cannot hide a secret.
fn files(dir: &Path, skip: &[PathBuf], out: &mut Vec<(String, Vec<u8>)>) {
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.expect("walk");
        let path = entry.path();
        if !entry.file_type().is_file() || skip.iter().any(|s| s == path) {
            continue;
        }
        let bytes = std::fs::read(path).expect("read");
        if bytes.starts_with(b"PK\x03\x04")
            && let Ok((archive, _)) = Archive::open(path)
        {
            for e in archive.entries().filter(|e| !e.is_dir()) {
                let data = archive.read_small(&e, 1 << 30).expect("entry");
                out.push((format!("{} in {}", e.name, path.display()), data));
            }
        }
        out.push((path.display().to_string(), bytes));
    }
}

#[test]
fn passphrases_and_secret_keys_never_appear_in_any_output() {
    let mut s = Session {
        env: Env::new(),
        printed: Vec::new(),
    };
    let root = s.key("Agency Root", &["--root"], Some(PW));
    let examiner = s.key("Jana Examiner", &[], Some(PW));
    let plain = s.key("Field Laptop", &["--no-encrypt"], None);
    let pw_file = s.env.write("pw.txt", format!("{PW}\n").as_bytes());
    s.env.write("ev/a.txt", b"hello\n");
    s.env.write("ev/b.bin", &vec![7u8; 70_000]);

    // Certify the examiner, trust the root.
    let r = s.ok(&["key", "export", &examiner], None);
    s.env.write("ex.pub.json", &r.stdout);
    s.run(
        &["key", "certify", "ex.pub.json", "--with", &root],
        Some(WRONG_PW),
    )
    .expect_code(2);
    let r = s.ok(
        &["key", "certify", "ex.pub.json", "--with", &root],
        Some(PW),
    );
    s.env.write("ex.cert", &r.stdout);
    s.ok(&["key", "import", "ex.cert"], None);
    let r = s.ok(&["key", "export", &root], None);
    s.env.write("root.pub.json", &r.stdout);
    s.ok(&["trust", "add", "--root", "root.pub.json"], None);
    let r = s.ok(&["key", "export", &plain], None);
    s.env.write("plain.pub.json", &r.stdout);
    s.ok(&["trust", "add", "plain.pub.json"], None);
    for id in [&root, &examiner, &plain] {
        s.ok(&["key", "show", id], None);
        s.ok(&["--json", "key", "show", id], None);
        s.ok(&["key", "export", id, "--pem"], None);
        s.ok(&["key", "export", id, "--minisign"], None);
    }
    s.ok(&["key", "list"], None);
    s.ok(&["--json", "key", "list"], None);

    // Wrong passphrases, from the environment and from a file.
    let seal = ["seal", "ev", "--out", "b.zip", "--case", "C-1", "--key"];
    let r = s.run(&[&seal[..], &[examiner.as_str()]].concat(), Some(WRONG_PW));
    r.expect_code(2);
    assert!(r.stderr.contains("passphrase"), "{}", r.stderr);
    let r = s.run(
        &[&["--json"], &seal[..], &[examiner.as_str()]].concat(),
        Some(WRONG_PW),
    );
    r.expect_code(2);
    let wrong_file = s.env.write("wrong.txt", format!("{WRONG_PW}\n").as_bytes());
    let r = s.run(
        &[
            "sign",
            "ev/a.txt",
            "--key",
            &examiner,
            "--passphrase-file",
            wrong_file.to_str().unwrap(),
        ],
        None,
    );
    r.expect_code(2);

    // The whole flow with the right ones.
    s.ok(&[&seal[..], &[examiner.as_str()]].concat(), Some(PW));
    s.ok(
        &[
            "seal",
            "ev",
            "--out",
            "b2.zip",
            "--case",
            "C-2",
            "--key",
            &examiner,
            "--passphrase-file",
            pw_file.to_str().unwrap(),
        ],
        None,
    );
    s.ok(
        &[
            "custody",
            "add",
            "b.zip",
            "--action",
            "transfer",
            "--to",
            "Petr Lab, Forensic Lab, CZ",
            "--key",
            &examiner,
        ],
        Some(PW),
    );
    s.ok(&["sign", "ev/a.txt", "--key", &plain], None);
    s.ok(&["sign", "--verify", "ev/a.txt"], None);
    s.run(
        &[
            "acquire", "ev/b.bin", "--out", "acq", "--case", "C-3", "--seal", "acq.zip", "--key",
            &examiner,
        ],
        Some(PW),
    )
    .expect_code(0);
    for b in ["b.zip", "b2.zip", "acq.zip"] {
        s.ok(&["verify", b], None);
        s.ok(&["--json", "verify", b], None);
    }
    s.ok(&["custody", "show", "b.zip"], None);
    for f in ["html", "md", "json", "case"] {
        s.ok(
            &["report", "b.zip", "--format", f, "--out", &format!("r.{f}")],
            None,
        );
    }
    let locker = crate::backend::TestLocker::new(&s.env).arg();
    s.ok(&["ingest", "b.zip", "acq.zip", "--locker", &locker], None);
    s.ok(&["locker", "list", "--locker", &locker], None);

    // The unencrypted key's seed, from its own file.
    let keys = s.env.home().join("keys");
    let plain_file = keys.join(format!("{plain}.key"));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&plain_file).expect("plain key")).unwrap();
    let seed = STANDARD
        .decode(v["secret"]["seed"].as_str().expect("plain seed"))
        .expect("seed base64");
    assert_eq!(seed.len(), 32);

    // The secret key files themselves and the passphrase files are the
    // only places these may be.
    let skip = vec![
        keys.join(format!("{root}.key")),
        keys.join(format!("{examiner}.key")),
        plain_file,
        pw_file,
        wrong_file,
    ];
    let mut haystacks = std::mem::take(&mut s.printed);
    files(s.env.path(), &skip, &mut haystacks);
    assert!(
        haystacks.len() > 60,
        "only {} outputs were checked",
        haystacks.len()
    );
    let mut secrets = vec![
        ("the passphrase", PW.as_bytes().to_vec()),
        ("the wrong passphrase", WRONG_PW.as_bytes().to_vec()),
    ];
    // A long fragment of a passphrase is a leak too.
    secrets.push(("part of the passphrase", PW.as_bytes()[4..20].to_vec()));
    for sp in spellings(&seed) {
        secrets.push(("the secret seed", sp));
    }
    let mut leaks = Vec::new();
    for (what, secret) in &secrets {
        for (where_, hay) in &haystacks {
            if contains(hay, secret) {
                leaks.push(format!("{what} appears in {where_}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// The scan above is not blind: a file that does hold the passphrase or
/// the seed is found.
#[test]
fn the_leak_scan_finds_a_planted_secret() {
    let env = Env::new();
    let seed = [0x5au8; 32];
    env.write("a/plain.txt", format!("x {PW} y").as_bytes());
    env.write(
        "a/hex.txt",
        seed.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .as_bytes(),
    );
    let mut found = Vec::new();
    files(env.path(), &[], &mut found);
    assert!(found.iter().any(|(_, h)| contains(h, PW.as_bytes())));
    assert!(
        spellings(&seed)
            .iter()
            .any(|sp| found.iter().any(|(_, h)| contains(h, sp)))
    );
}
