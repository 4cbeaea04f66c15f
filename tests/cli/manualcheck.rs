//! docs/verify-without-evidentia.md, run as written: every `sh` block of
//! the page, read from the markdown (never a copy), in order, in one
//! `bash -e`, on a fresh bundle with several signers (the sending
//! examiner seals and records a transfer; the lab's examiner, certified by
//! another root, signs the receipt), from the bundle and a transmittal
//! letter alone. The negative runs check that a tampered event signature,
//! a key no root of the letter certified and a wrong head each stop the
//! procedure at the step meant to catch them.

use crate::bundle::rewrite;
use crate::harness::{Env, peer};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

const DOC: &str = "docs/verify-without-evidentia.md";
/// The appendix that redefines `minisign` with openssl.
const OPENSSL: &str = "The signatures with openssl";

/// The `sh` blocks of the page, each with the step it belongs to: the
/// number of its list item (`6. **...`), or the title of its `##` section.
fn blocks() -> Vec<(String, String)> {
    blocks_of(DOC)
}

/// The `sh` blocks of the markdown file `doc` (relative to the crate),
/// as [`blocks`] finds them.
fn blocks_of(doc: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    let mut step = String::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(b) = &mut block {
            if trimmed == "```" {
                out.push((step.clone(), block.take().unwrap_or_default()));
            } else {
                // List items indent their blocks by three spaces.
                b.push_str(line.strip_prefix("   ").unwrap_or(line));
                b.push('\n');
            }
        } else if trimmed == "```sh" {
            block = Some(String::new());
        } else if let Some(h) = line.strip_prefix("## ") {
            step = h.to_string();
        } else if let Some((n, rest)) = line.split_once(". **")
            && !rest.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            step = n.to_string();
        }
    }
    assert!(block.is_none(), "{doc}: an sh block is not closed");
    out
}

/// The blocks of `steps`, in that order, each after a marker naming its
/// step (on stderr), as one script.
fn script(steps: &[&str]) -> String {
    let all = blocks();
    let mut s = String::new();
    for want in steps {
        let mut found = false;
        for (step, code) in all.iter().filter(|(step, _)| step == want) {
            s.push_str(&format!("echo '@@step {step}' >&2\n{code}"));
            found = true;
        }
        assert!(found, "{DOC} has no sh block for step {want:?}");
    }
    s
}

/// The whole page in order, then (as its appendix says) steps 6 and 7
/// again with the openssl stand-in for minisign.
fn as_written() -> Vec<&'static str> {
    vec![
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", OPENSSL, "6", "7",
    ]
}

/// The section on exported bundles.
const EXPORTED: &str = "An exported bundle: the proof of origin";

/// Every step, then the exported bundle's section.
fn exported_steps() -> Vec<&'static str> {
    vec!["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", EXPORTED]
}

/// With openssl only: the stand-in defined first, then every step.
fn openssl_only() -> Vec<&'static str> {
    vec!["0", OPENSSL, "1", "2", "3", "4", "5", "6", "7", "8", "9"]
}

struct Outcome {
    ok: bool,
    /// The step that was running when the script stopped.
    last_step: String,
    stdout: String,
    stderr: String,
}

/// Run `steps` with `bash -e` in a fresh directory holding only the
/// bundle (as case-17.zip) and `letter`.
fn run_doc(env: &Env, name: &str, bundle: &Path, letter: &str, steps: &[&str]) -> Outcome {
    let dir = env.path().join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(bundle, dir.join("case-17.zip")).unwrap();
    std::fs::write(dir.join("letter.txt"), letter).unwrap();
    // The proof checker the exported-bundle section runs, beside the
    // bundle as the page asks.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/check-disclosure.py"),
        dir.join("check-disclosure.py"),
    )
    .unwrap();
    std::fs::write(env.path().join(format!("{name}.sh")), script(steps)).unwrap();
    let out = Command::new("bash")
        .arg("-e")
        .arg(env.path().join(format!("{name}.sh")))
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.path())
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let last_step = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("@@step "))
        .next_back()
        .unwrap_or_default()
        .to_string();
    Outcome {
        ok: out.status.success(),
        last_step,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

/// Every stock tool the page needs (b3sum is optional there).
fn tools() -> bool {
    [
        "bash",
        "unzip",
        "sha256sum",
        "bagit.py",
        "minisign",
        "openssl",
    ]
    .iter()
    .all(|t| peer(t).is_some())
}

/// An agency in its own home: a root, and an examiner key it certified.
struct Agency {
    home: &'static str,
    root: String,
    examiner: String,
}

fn key_new(env: &Env, home: &str, extra: &[&str]) -> String {
    let mut args = vec!["--home", home, "--json", "key", "new", "--no-encrypt"];
    args.extend_from_slice(extra);
    let r = env.run(&args);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    v["key_id"].as_str().unwrap().to_string()
}

fn agency(env: &Env, home: &'static str, org: &str, cc: &str, person: &str) -> Agency {
    let root = key_new(
        env,
        home,
        &["--root", "--name", "Root", "--org", org, "--country", cc],
    );
    let examiner = key_new(
        env,
        home,
        &["--name", person, "--org", org, "--country", cc],
    );
    let exported = env.run(["--home", home, "key", "export", &examiner]);
    env.write(
        &format!("{home}-ex.pub.json"),
        &exported.expect_code(0).stdout,
    );
    let cert = env.run([
        "--home",
        home,
        "key",
        "certify",
        &format!("{home}-ex.pub.json"),
        "--with",
        &root,
        "--role",
        "examiner",
    ]);
    env.write(&format!("{home}-ex.cert"), &cert.expect_code(0).stdout);
    env.run(["--home", home, "key", "import", &format!("{home}-ex.cert")])
        .expect_code(0);
    let exported = env.run(["--home", home, "key", "export", &root]);
    env.write(
        &format!("{home}-root.pub.json"),
        &exported.expect_code(0).stdout,
    );
    Agency {
        home,
        root,
        examiner,
    }
}

fn trust(env: &Env, home: &str, other: &Agency) {
    let file = format!("{}-root.pub.json", other.home);
    env.run(["--home", home, "trust", "add", &file])
        .expect_code(0);
}

/// The fingerprint as evidentia prints it: upper case, groups of four.
fn fingerprint(id: &str) -> String {
    let up = id.to_ascii_uppercase();
    let groups: Vec<&str> = (0..up.len()).step_by(4).map(|i| &up[i..i + 4]).collect();
    groups.join(" ")
}

/// The letter: the head and the roots' fingerprints, labelled.
fn letter(head: &str, roots: &[(&Agency, &str)]) -> String {
    let mut s = format!("head {head}\n");
    for (a, label) in roots {
        s.push_str(&format!("root {}  {label}\n", fingerprint(&a.root)));
    }
    s
}

/// Two agencies (each trusting its own root and the other's); the NL
/// examiner seals and records a transfer to the DE lab's examiner, who
/// signs the receipt. Returns the bundle, its head and the agencies.
fn scenario(env: &Env) -> (PathBuf, String, Agency, Agency) {
    let nl = agency(env, "nl", "Politie Nederland", "NL", "Anna de Vries");
    let de = agency(env, "de", "BKA Forensic Lab", "DE", "Jonas Weber");
    for (home, a) in [("nl", &nl), ("nl", &de), ("de", &de), ("de", &nl)] {
        trust(env, home, a);
    }
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &vec![7u8; 100_000]);
    env.write("ev/50% off", b"percent");
    let nl_ex = nl.examiner.as_str();
    let de_ex = de.examiner.as_str();
    let steps: [&[&str]; 3] = [
        &[
            "--home",
            "nl",
            "seal",
            "ev",
            "--out",
            "case-17.zip",
            "--case",
            "C-17",
            "--algo",
            "md5",
            "--key",
            nl_ex,
        ],
        &[
            "--home",
            "nl",
            "custody",
            "add",
            "case-17.zip",
            "--action",
            "transfer",
            "--to-key",
            de_ex,
            "--key",
            nl_ex,
        ],
        &["--home", "de", "receive", "case-17.zip", "--key", de_ex],
    ];
    for args in steps {
        env.run(args).expect_code(0);
    }
    let b = env.path().join("case-17.zip");
    let v = env.run(["--home", "de", "--json", "verify", "case-17.zip"]);
    let v: Value = serde_json::from_slice(&v.expect_code(0).stdout).unwrap();
    let head = v["head"].as_str().unwrap().to_string();
    (b, head, nl, de)
}

#[track_caller]
fn assert_passes(o: &Outcome, signatures: usize) {
    assert!(
        o.ok,
        "the documented procedure failed:\n{}{}",
        o.stdout, o.stderr
    );
    assert!(!o.stderr.contains("FAILED"), "{}", o.stderr);
    let count = |s: &str| o.stdout.matches(s).count();
    assert_eq!(count(": signature and trusted comment"), signatures);
    assert_eq!(count("as a certificate"), signatures);
    assert_eq!(count("equals the letter's"), 1);
    assert!(
        o.stdout.contains("ok: nothing else in the bag"),
        "{}",
        o.stdout
    );
}

#[track_caller]
fn assert_stops_at(o: &Outcome, step: &str, why: &str) {
    assert!(!o.ok, "the documented procedure passed:\n{}", o.stdout);
    assert_eq!(
        o.last_step, step,
        "stopped at the wrong step:\n{}",
        o.stderr
    );
    assert!(o.stderr.contains("FAILED: "), "{}", o.stderr);
    assert!(o.stderr.contains(why), "wanted {why:?}:\n{}", o.stderr);
}

#[test]
fn the_page_is_followed_literally_on_a_bundle_with_several_signers() {
    let env = Env::new();
    let (b, head, nl, de) = scenario(&env);
    if !tools() {
        return;
    }
    let l = letter(&head, &[(&nl, "Politie Nederland (NL)"), (&de, "BKA (DE)")]);
    let o = run_doc(&env, "written", &b, &l, &as_written());
    // Three events, checked with minisign and again with openssl.
    assert_passes(&o, 6);
    for key in [&nl.examiner, &de.examiner] {
        assert!(
            o.stdout.contains(&format!("signed by key {key}")),
            "{}",
            o.stdout
        );
    }
    let o = run_doc(&env, "openssl", &b, &l, &openssl_only());
    assert_passes(&o, 3);
}

#[test]
fn a_tampered_event_signature_stops_the_page_at_the_signatures() {
    let env = Env::new();
    let (b, head, nl, de) = scenario(&env);
    if !tools() {
        return;
    }
    let bad = env.path().join("tampered.zip");
    rewrite(&b, &bad, |entries| {
        let sig = crate::bundle::find(entries, "custody/000003-receive.json.minisig");
        let text = String::from_utf8(sig.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // A character inside the 64-byte signature (after "ED" and the
        // key number): still base64, no longer the signature.
        let c = lines[1].as_bytes()[40];
        let swapped = if c == b'A' { "B" } else { "A" };
        lines[1].replace_range(40..41, swapped);
        *sig = format!("{}\n", lines.join("\n")).into_bytes();
    });
    let l = letter(&head, &[(&nl, "NL"), (&de, "DE")]);
    let o = run_doc(&env, "minisign", &bad, &l, &as_written());
    assert_stops_at(
        &o,
        "6",
        "000003-receive.json: minisign refuses the signature",
    );
    let o = run_doc(&env, "openssl", &bad, &l, &openssl_only());
    let why = "000003-receive.json: minisign refuses the signature";
    assert_stops_at(&o, "6", why);
    // The trusted comment changed: the global signature no longer holds.
    let moved = env.path().join("moved.zip");
    rewrite(&b, &moved, |entries| {
        let sig = crate::bundle::find(entries, "custody/000003-receive.json.minisig");
        let text = String::from_utf8(sig.clone()).unwrap();
        *sig = text.replace(" seq:3 ", " seq:2 ").into_bytes();
    });
    let o = run_doc(&env, "moved-minisign", &moved, &l, &as_written());
    assert_stops_at(&o, "6", why);
    let o = run_doc(&env, "moved-openssl", &moved, &l, &openssl_only());
    assert_stops_at(&o, "6", why);
}

#[test]
fn a_key_no_root_of_the_letter_certified_stops_the_page_at_the_certificates() {
    let env = Env::new();
    let (b, head, nl, de) = scenario(&env);
    if !tools() {
        return;
    }
    // The letter names only the sender's root: the lab's receipt is
    // signed by a key another root certified.
    let l = letter(&head, &[(&nl, "NL")]);
    let o = run_doc(&env, "one-root", &b, &l, &as_written());
    let why = format!(
        "key {} is certified by root {}, which is not in the letter",
        de.examiner, de.root
    );
    assert_stops_at(&o, "7", &why);
}

#[test]
fn a_wrong_head_stops_the_page_at_the_chain() {
    let env = Env::new();
    let (b, head, nl, de) = scenario(&env);
    if !tools() {
        return;
    }
    // The receipt cut off: the chain is intact but ends before the head
    // the letter gives.
    let cut = env.path().join("cut.zip");
    rewrite(&b, &cut, |entries| {
        entries.retain(|(n, _)| !n.contains("custody/000003-receive.json"));
    });
    let l = letter(&head, &[(&nl, "NL"), (&de, "DE")]);
    let o = run_doc(&env, "cut", &cut, &l, &as_written());
    assert_stops_at(
        &o,
        "5",
        "custody head (SHA-256 of event 2) equals the letter's",
    );
    // And a letter with another head, on the whole bundle.
    let other = letter(&"0".repeat(64), &[(&nl, "NL"), (&de, "DE")]);
    let o = run_doc(&env, "other", &b, &other, &as_written());
    assert_stops_at(
        &o,
        "5",
        "custody head (SHA-256 of event 3) equals the letter's",
    );
}

/// `verify --json` with the lab's home: exit code and findings (code, path).
fn verify_findings(env: &Env, bundle: &Path) -> (i32, Vec<(String, String)>) {
    let r = env.run([
        "--home".as_ref(),
        "de".as_ref(),
        "--json".as_ref(),
        "verify".as_ref(),
        bundle.as_os_str(),
    ]);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    let f = v["findings"].as_array().unwrap().iter();
    let f = f.map(|f| {
        let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        (s("code"), s("path"))
    });
    (r.code, f.collect())
}

#[test]
fn bundled_root_keys_are_allowed_only_beside_certificates_they_issued() {
    let env = Env::new();
    let (b, _, nl, de) = scenario(&env);
    // The bundle carries both roots' keys (the scenario verified it).
    let names: Vec<String> = evidentia::bundle::Archive::open(&b)
        .unwrap()
        .0
        .entries()
        .map(|e| e.name.clone())
        .collect();
    for root in [&nl.root, &de.root] {
        assert!(
            names.contains(&format!("case-17/keys/{root}.pub")),
            "{names:?}"
        );
    }
    // Another root's key, which certified nothing here, is a finding.
    let stray = key_new(
        &env,
        "xx",
        &["--root", "--name", "X", "--org", "X", "--country", "FR"],
    );
    let pubkey = env.run(["--home", "xx", "key", "export", &stray, "--minisign"]);
    let pubkey = pubkey.expect_code(0).stdout.clone();
    let extra = env.path().join("extra.zip");
    rewrite(&b, &extra, |entries| {
        entries.push((format!("case-17/keys/{stray}.pub"), pubkey.clone()));
    });
    let (code, f) = verify_findings(&env, &extra);
    assert_eq!(code, 1);
    assert!(
        f.contains(&("keys".into(), format!("keys/{stray}.pub"))),
        "{f:?}"
    );
    // A root's key file holding another key is a finding: a court would
    // fingerprint it and check certificates with it.
    let swapped = env.path().join("swapped.zip");
    rewrite(&b, &swapped, |entries| {
        *crate::bundle::find(entries, &format!("keys/{}.pub", nl.root)) = pubkey.clone();
    });
    let (code, f) = verify_findings(&env, &swapped);
    assert_eq!(code, 1);
    assert!(
        f.contains(&("keys".into(), format!("keys/{}.pub", nl.root))),
        "{f:?}"
    );
}

#[test]
fn key_files_not_exactly_as_evidentia_writes_them_are_findings() {
    let env = Env::new();
    let (b, _, nl, _) = scenario(&env);
    let ex = nl.examiner.clone();
    let json_key = env.run(["--home", "nl", "key", "export", &ex]);
    let json_key = json_key.expect_code(0).stdout.clone();
    type Edit = Box<dyn Fn(&[u8]) -> Vec<u8>>;
    let crlf: Edit = Box::new(|b| {
        String::from_utf8_lossy(b)
            .replace('\n', "\r\n")
            .into_bytes()
    });
    let bare: Edit = Box::new(|b| {
        let text = String::from_utf8_lossy(b).into_owned();
        format!("{}\n", text.lines().nth(1).unwrap()).into_bytes()
    });
    let compact: Edit = Box::new(|b| {
        let v: Value = serde_json::from_slice(b).unwrap();
        serde_json::to_vec(&v).unwrap()
    });
    let cases: Vec<(String, Edit)> = vec![
        // minisign and the page's `sed -n 2p` read these differently.
        (format!("keys/{ex}.pub"), crlf),
        (format!("keys/{}.pub", nl.root), bare),
        // The evidentia public key file: minisign cannot read it.
        (
            format!("keys/{ex}.pub"),
            Box::new(move |_| json_key.clone()),
        ),
        // The page reads certificates line by line.
        (format!("keys/{ex}.cert.json"), compact),
    ];
    for (i, (member, edit)) in cases.into_iter().enumerate() {
        let out = env.path().join(format!("form-{i}.zip"));
        rewrite(&b, &out, |entries| {
            let data = crate::bundle::find(entries, &member);
            *data = edit(data);
        });
        let (code, f) = verify_findings(&env, &out);
        assert_eq!(code, 1, "{member}: {f:?}");
        assert!(
            f.contains(&("keys".into(), member.clone())),
            "{member}: {f:?}"
        );
    }
}

/// The commands of docs/formats/keys.md's "Checking keys and signatures
/// with stock tools", as written: both fingerprint commands print the key
/// id; the openssl commands accept a custody event's signature and refuse
/// it once the event changed.
#[test]
fn the_key_format_pages_stock_commands_work_as_written() {
    let env = Env::new();
    let (b, _, nl, _) = scenario(&env);
    if !tools() {
        return;
    }
    let section = "Checking keys and signatures with stock tools";
    let code: Vec<String> = blocks_of("docs/formats/keys.md")
        .into_iter()
        .filter(|(s, _)| s == section)
        .map(|(_, c)| c)
        .collect();
    assert_eq!(code.len(), 3, "{section}: {code:#?}");
    let ex = &nl.examiner;
    let (archive, _) = evidentia::bundle::Archive::open(&b).unwrap();
    let member = |suffix: &str| {
        let e = archive
            .entries()
            .find(|e| e.name.ends_with(suffix))
            .unwrap();
        archive.read_small(&e, 1 << 20).unwrap()
    };
    let json = env.run(["--home", "nl", "key", "export", ex]);
    let run = |dir: &str, file: &[u8], block: &str| {
        let d = env.path().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("KEY.pub"), member(&format!("keys/{ex}.pub"))).unwrap();
        std::fs::write(d.join("KEY.pub.json"), &json.stdout).unwrap();
        std::fs::write(d.join("FILE"), file).unwrap();
        std::fs::write(d.join("FILE.minisig"), member("000001-seal.json.minisig")).unwrap();
        std::fs::write(d.join("block.sh"), block).unwrap();
        let out = Command::new("bash")
            .args(["-e", "block.sh"])
            .current_dir(&d)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let event = member("custody/000001-seal.json");
    for (i, block) in code[..2].iter().enumerate() {
        assert_eq!(
            run(&format!("id-{i}"), &event, block),
            (true, format!("{ex}\n"))
        );
    }
    let (ok, out) = run("openssl", &event, &code[2]);
    assert!(ok, "{out}");
    assert_eq!(
        out.matches("Signature Verified Successfully").count(),
        2,
        "{out}"
    );
    let mut changed = event.clone();
    changed[20] ^= 1;
    assert!(!run("openssl-changed", &changed, &code[2]).0);
}

/// The root's key does not make sealing less reproducible: the same
/// inputs, time and certified key give the same bytes, root key included.
#[test]
fn a_certified_seal_with_its_roots_key_is_reproducible() {
    let env = Env::new();
    let nl = agency(&env, "nl", "Politie Nederland", "NL", "Anna de Vries");
    trust(&env, "nl", &nl);
    env.write("ev/a.txt", b"hello\n");
    let seal = |out: &str| {
        let args = [
            "--home",
            "nl",
            "seal",
            "ev",
            "--out",
            out,
            "--case",
            "C-1",
            "--time",
            "2030-01-01T00:00:00Z",
            "--key",
            &nl.examiner,
        ];
        env.run(args).expect_code(0);
        std::fs::read(env.path().join(out)).unwrap()
    };
    // The bag is named after the file: the same name, in two directories.
    std::fs::create_dir(env.path().join("one")).unwrap();
    std::fs::create_dir(env.path().join("two")).unwrap();
    let (a, b) = (seal("one/case.zip"), seal("two/case.zip"));
    assert!(a == b, "two seals differ");
    let root_key = format!("case/keys/{}.pub", nl.root);
    assert!(a.windows(root_key.len()).any(|w| w == root_key.as_bytes()));
}

/// A signing home that does not know its root (the root key kept on
/// another machine, not in the trust store) seals without the root's key,
/// says so, and the bundle verifies where the root is trusted, as bundles
/// made before roots' keys travelled do.
#[test]
fn without_the_roots_key_the_seal_says_so_and_still_verifies() {
    let env = Env::new();
    let root = key_new(
        &env,
        "root",
        &["--root", "--name", "R", "--org", "Lab", "--country", "CZ"],
    );
    let ex = key_new(
        &env,
        "ex",
        &["--name", "Jana", "--org", "Lab", "--country", "CZ"],
    );
    let exported = env.run(["--home", "ex", "key", "export", &ex]);
    env.write("ex.pub.json", &exported.expect_code(0).stdout);
    let cert = env.run([
        "--home",
        "root",
        "key",
        "certify",
        "ex.pub.json",
        "--with",
        &root,
    ]);
    env.write("ex.cert", &cert.expect_code(0).stdout);
    // The root is pinned to check the certificate on import, then removed:
    // the home no longer knows it when it seals.
    let exported = env.run(["--home", "root", "key", "export", &root]);
    env.write("root.pub.json", &exported.expect_code(0).stdout);
    env.run(["--home", "ex", "trust", "add", "--root", "root.pub.json"])
        .expect_code(0);
    env.run(["--home", "ex", "key", "import", "ex.cert"])
        .expect_code(0);
    env.run(["--home", "ex", "trust", "remove", &root])
        .expect_code(0);
    env.write("ev/a.txt", b"hello\n");
    let args = [
        "--home", "ex", "seal", "ev", "--out", "b.zip", "--case", "C", "--key", &ex,
    ];
    let sealed = env.run(args);
    sealed.expect_code(0);
    assert!(
        sealed
            .stderr
            .contains(&format!("the public key of root {}", &root[..16])),
        "{}",
        sealed.stderr
    );
    let (archive, _) = evidentia::bundle::Archive::open(&env.path().join("b.zip")).unwrap();
    assert!(!archive.entries().any(|e| e.name.contains(&root)));
    let exported = env.run(["--home", "root", "key", "export", &root]);
    env.write("root.pub.json", &exported.expect_code(0).stdout);
    env.run(["--home", "lab", "trust", "add", "root.pub.json"])
        .expect_code(0);
    env.run(["--home", "lab", "verify", "b.zip"]).expect_code(0);
}

/// The scenario's bundle, now held by the DE lab, which discloses the two
/// files directly under `ev/` (of three) for a request; the derived bundle
/// is named `case-17.zip` too (in `out/`), as the page expects. Returns it
/// and its head.
fn exported(env: &Env, de: &Agency) -> (PathBuf, String) {
    std::fs::create_dir(env.path().join("out")).unwrap();
    env.run([
        "--home",
        "de",
        "export",
        "case-17.zip",
        "--select",
        "ev/*",
        "--out",
        "out/case-17.zip",
        "--purpose",
        "MLA request 2024/17",
        "--key",
        &de.examiner,
    ])
    .expect_code(0);
    let d = env.path().join("out/case-17.zip");
    let v = env.run([
        OsStr::new("--home"),
        OsStr::new("de"),
        OsStr::new("--json"),
        OsStr::new("verify"),
        d.as_os_str(),
    ]);
    let v: Value = serde_json::from_slice(&v.expect_code(0).stdout).unwrap();
    (d, v["head"].as_str().unwrap().to_string())
}

#[test]
fn an_exported_bundle_is_proven_to_its_origin_as_written() {
    let env = Env::new();
    let (_, _, nl, de) = scenario(&env);
    let (d, head) = exported(&env, &de);
    if !tools() || peer("python3").is_none() {
        return;
    }
    let l = letter(&head, &[(&de, "BKA (DE)"), (&nl, "Politie Nederland (NL)")]);
    let o = run_doc(&env, "exported", &d, &l, &exported_steps());
    // The exporter's seal, then the original's.
    assert_passes(&o, 2);
    assert!(o.stdout.contains("2 of 3 files of bundle"), "{}", o.stdout);
    assert!(o.stdout.contains("all proven"), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("ok: the export was recorded in the original's custody chain"),
        "{}",
        o.stdout
    );
    // Without the original's root in the letter, the proof of origin
    // stops at its certificate.
    let l = letter(&head, &[(&de, "BKA (DE)")]);
    let o = run_doc(&env, "no-origin-root", &d, &l, &exported_steps());
    assert_stops_at(&o, EXPORTED, "which is not in the letter");
    // The original's signature is a tag file of the derived bundle: a
    // changed one stops the page at the bag's tag manifest.
    let l = letter(&head, &[(&de, "BKA (DE)"), (&nl, "Politie Nederland (NL)")]);
    let bad = env.path().join("tampered.zip");
    rewrite(&d, &bad, |entries| {
        let sig = crate::bundle::find(entries, "provenance/seal.json.minisig");
        let mut lines: Vec<String> = String::from_utf8(sig.clone())
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        lines[3] = lines[1].clone();
        *sig = (lines.join("\n") + "\n").into_bytes();
    });
    let o = run_doc(&env, "tampered-origin", &bad, &l, &exported_steps());
    assert_stops_at(&o, "3", "bagit.py");
}
