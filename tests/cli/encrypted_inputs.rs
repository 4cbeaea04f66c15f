//! Encrypted bundles as inputs: `verify`, `report`, `custody show`,
//! `receive -o` and `ingest` read an age file (made with the library, and
//! with the stock `age` binary) through a private decrypted copy that is
//! gone afterwards, on a failure, on Ctrl-C, and (swept by the next run)
//! after `kill -9`; never in TMPDIR. A receive records the ciphertext's
//! SHA-256, which verify refuses on any other event or malformed; the
//! locker keeps and re-hashes the ciphertext as it arrived.

use crate::custody::{LAB_TO, Party, T2, T3, add, assert_fails, examiner_signer, json, setup};
use crate::harness::{Run, peer, run_peer};
use evidentia::bundle::{Archive, EventOptions, NoHook, add_event, layout};
use evidentia::model::{CustodyEvent, parse_rfc3339};
use evidentia::sign::KeyStore;
use evidentia::sign::keystore::KeyRole;
use serde_json::Value;
use sha2::Digest;
use std::ffi::OsStr;
use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn hex_sha256(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The age recipient of `p`'s examiner key, from its key file.
fn recipient_of(p: &Party) -> String {
    let store = KeyStore::open(p.env.home().join("keys"));
    let k = store.find(Some(&p.examiner), KeyRole::Any).unwrap();
    k.recipient
        .expect("a key made by `key new` has a recipient")
}

/// Encrypt `src` to `p`'s examiner into `out` with the library.
fn encrypt_to(p: &Party, src: &Path, out: &Path) {
    let r = evidentia::sign::agekey::parse_recipient("test", &recipient_of(p)).unwrap();
    evidentia::crypt::encrypt_file(src, &[r], out).unwrap();
}

/// The watched TMPDIR of `p`'s runs (must stay empty).
fn tmp_of(p: &Party) -> PathBuf {
    let d = p.env.path().join("tmpwatch");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A command of `p` with TMPDIR pointed at the watched directory.
fn cmd(p: &Party, args: &[&str]) -> Command {
    let mut c = p.env.cmd(args);
    c.env("TMPDIR", tmp_of(p)).stdin(Stdio::null());
    c
}

fn run(p: &Party, args: &[&str]) -> Run {
    p.env.run_cmd(&mut cmd(p, args))
}

/// An agency bundle transferred to the lab, encrypted to the lab's
/// examiner, in the lab's directory as `b.zip.age`; and the plaintext.
fn encrypted_for_lab() -> (Party, Party, PathBuf, Vec<u8>) {
    let (agency, lab, b) = setup();
    add(
        &agency,
        &b,
        &["--action", "transfer", "--to", LAB_TO, "--time", T2],
    )
    .expect_code(0);
    let age = lab.env.path().join("b.zip.age");
    encrypt_to(&lab, &b, &age);
    let plain = std::fs::read(&b).unwrap();
    (agency, lab, age, plain)
}

/// Every regular file under `root`.
fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                dirs.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

/// No file under `root` holds `plain`, and no temporary file is left;
/// the scratch directory (if any) is private and empty, TMPDIR empty.
#[track_caller]
fn no_plaintext_left(p: &Party, plain: &[u8]) {
    for f in files(p.env.path()) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.ends_with(".evidentia-tmp"),
            "left behind: {}",
            f.display()
        );
        assert!(
            std::fs::read(&f).unwrap() != plain,
            "plaintext left at {}",
            f.display()
        );
    }
    let scratch = p.env.home().join("scratch");
    if scratch.exists() {
        let mode = std::fs::metadata(&scratch).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "scratch mode {mode:o}");
        assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
    }
    assert_eq!(
        std::fs::read_dir(tmp_of(p)).unwrap().count(),
        0,
        "TMPDIR used"
    );
}

#[test]
fn verify_report_and_custody_show_read_an_encrypted_bundle_and_keep_nothing() {
    let (_agency, lab, age, plain) = encrypted_for_lab();
    let cipher = std::fs::read(&age).unwrap();
    let sha = hex_sha256(&cipher);
    let r = run(&lab, &["--json", "verify", "b.zip.age"]);
    r.expect_code(0);
    let v = json(&r);
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["ciphertext"]["sha256"], sha.as_str());
    assert_eq!(v["ciphertext"]["bytes"], cipher.len() as u64);
    let _: WireCiphertext = serde_json::from_value(v["ciphertext"].clone()).unwrap();
    assert!(
        lab.env.home().join("scratch").is_dir(),
        "decrypted in scratch"
    );
    let r = run(&lab, &["verify", "b.zip.age"]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.starts_with("VERIFIED b.zip.age\n"), "{out}");
    assert!(out.contains(&format!("ciphertext SHA-256 {sha}")), "{out}");

    let r = run(&lab, &["custody", "show", "b.zip.age"]);
    r.expect_code(0);
    assert!(
        r.stdout_str()
            .contains(&format!("ciphertext SHA-256 {sha}"))
    );
    let r = run(&lab, &["--json", "custody", "show", "b.zip.age"]);
    r.expect_code(0);
    assert_eq!(json(&r)["ciphertext"]["sha256"], sha.as_str());

    std::fs::create_dir(lab.env.path().join("out")).unwrap();
    let r = run(&lab, &["report", "b.zip.age", "-o", "out/r.html"]);
    r.expect_code(0);
    let html = std::fs::read_to_string(lab.env.path().join("out/r.html")).unwrap();
    // The HTML breaks long digests into groups of 16 (<wbr>).
    assert!(
        html.contains("Encrypted input") && html.contains(&sha[..16]),
        "{html}"
    );
    assert!(html.contains(&sha[48..]), "{html}");
    let names: Vec<_> = std::fs::read_dir(lab.env.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["r.html"], "nothing else beside the report");
    let r = run(&lab, &["report", "b.zip.age", "-f", "json"]);
    r.expect_code(0);
    assert_eq!(json(&r)["ciphertext"]["sha256"], sha.as_str());
    assert_eq!(
        std::fs::read(&age).unwrap(),
        cipher,
        "the input is untouched"
    );
    no_plaintext_left(&lab, &plain);
}

#[test]
fn what_stock_age_encrypted_verifies_and_an_armored_file_is_refused() {
    let Some(age_bin) = peer("age") else {
        return;
    };
    let (agency, lab, _, plain) = encrypted_for_lab();
    let b = agency.env.path().join("b.zip");
    let rcpt = recipient_of(&lab);
    for (name, armor) in [("stock.age", false), ("armored.age", true)] {
        let mut args: Vec<&OsStr> = vec![OsStr::new("-r"), OsStr::new(&rcpt)];
        if armor {
            args.push(OsStr::new("-a"));
        }
        let out = lab.env.path().join(name);
        args.extend([OsStr::new("-o"), out.as_os_str(), b.as_os_str()]);
        let o = run_peer(&age_bin, &args, lab.env.path());
        assert!(o.status.success(), "{o:?}");
    }
    run(&lab, &["verify", "stock.age"]).expect_code(0);
    let r = run(&lab, &["verify", "armored.age"]);
    r.expect_code(2);
    assert!(r.stderr.contains("ASCII-armored"), "{}", r.stderr);
    no_plaintext_left(&lab, &plain);
}

#[test]
fn a_wrong_key_is_exit_2_and_an_altered_ciphertext_exit_1_leaving_nothing() {
    let (agency, lab, age, plain) = encrypted_for_lab();
    // Encrypted to the agency's examiner: not for the lab.
    let other = lab.env.path().join("other.zip.age");
    encrypt_to(&agency, &agency.env.path().join("b.zip"), &other);
    let r = run(&lab, &["verify", "other.zip.age"]);
    r.expect_code(2);
    assert!(r.stderr.contains("none of them your keys"), "{}", r.stderr);
    assert!(r.stderr.contains("your keys are"), "{}", r.stderr);

    let mut bytes = std::fs::read(&age).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(lab.env.path().join("flipped.age"), &bytes).unwrap();
    std::fs::write(lab.env.path().join("cut.age"), &bytes[..mid]).unwrap();
    for name in ["flipped.age", "cut.age"] {
        for args in [
            vec!["verify", name],
            vec!["custody", "show", name],
            vec!["report", name, "-o", "r.html"],
            vec!["receive", name, "-o", "got.zip"],
            vec!["ingest", name],
        ] {
            let r = run(&lab, &args);
            r.expect_code(1);
            assert!(
                r.stderr.contains("ciphertext was altered"),
                "{args:?}: {}",
                r.stderr
            );
            assert!(!lab.env.path().join("got.zip").exists());
            assert!(!lab.env.path().join("r.html").exists());
        }
    }
    no_plaintext_left(&lab, &plain);
}

/// The receive event in `b` (the last event), parsed.
fn last_event(b: &Path) -> CustodyEvent {
    let (a, _) = Archive::open(b).unwrap();
    let mut last = (0, Vec::new());
    for e in a.entries() {
        let rel = e.name.split_once('/').unwrap().1.to_string();
        if let Some((seq, _)) = layout::parse_event_name(&rel)
            && seq > last.0
        {
            last = (seq, a.read_small(&e, 1 << 20).unwrap());
        }
    }
    serde_json::from_slice(&last.1).unwrap()
}

#[test]
fn receive_needs_out_then_records_the_ciphertext_hash_and_verifies() {
    let (_agency, lab, age, plain) = encrypted_for_lab();
    let sha = hex_sha256(&std::fs::read(&age).unwrap());
    let r = run(&lab, &["receive", "b.zip.age", "--time", T3]);
    r.expect_code(2);
    assert!(r.stderr.contains("-o"), "{}", r.stderr);
    no_plaintext_left(&lab, &plain);

    let r = run(
        &lab,
        &["receive", "b.zip.age", "-o", "got.zip", "--time", T3],
    );
    r.expect_code(0);
    assert!(r.stdout_str().contains(&sha), "{}", r.stdout_str());
    let got = lab.env.path().join("got.zip");
    let mode = std::fs::metadata(&got).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the decrypted bundle is private: {mode:o}");
    let ev = last_event(&got);
    assert_eq!(ev.action, "receive");
    assert_eq!(ev.received_ciphertext_sha256.as_deref(), Some(sha.as_str()));
    let r = run(&lab, &["--json", "verify", "got.zip"]);
    r.expect_code(0);
    let v = json(&r);
    assert_eq!(v["events"].as_array().unwrap().len(), 3);
    let r = run(&lab, &["custody", "show", "got.zip"]);
    r.expect_code(0);
    assert!(
        r.stdout_str()
            .contains(&format!("arrived: age-encrypted, ciphertext SHA-256 {sha}"))
    );
    let r = run(&lab, &["--json", "custody", "show", "got.zip"]);
    assert_eq!(
        json(&r)["events"][2]["received_ciphertext_sha256"],
        sha.as_str()
    );
    let r = run(&lab, &["report", "got.zip", "-f", "md"]);
    r.expect_code(0);
    assert!(r.stdout_str().contains("Arrived encrypted") && r.stdout_str().contains(&sha));

    // Never over an existing file.
    let before = std::fs::read(&got).unwrap();
    let r = run(
        &lab,
        &["receive", "b.zip.age", "-o", "got.zip", "--time", T3],
    );
    r.expect_code(2);
    assert_eq!(std::fs::read(&got).unwrap(), before);
    // A plain bundle takes no -o.
    run(&lab, &["receive", "got.zip", "-o", "x.zip"]).expect_code(2);
    assert!(!lab.env.path().join("x.zip").exists());
}

#[test]
fn a_refused_receive_removes_the_decrypted_bundle() {
    let (agency, _lab, _, _) = encrypted_for_lab();
    // Not transferred to the agency's examiner: its receive is refused.
    let b = agency.env.path().join("b.zip");
    encrypt_to(&agency, &b, &agency.env.path().join("again.age"));
    let r = run(
        &agency,
        &["receive", "again.age", "-o", "got.zip", "--time", T3],
    );
    r.expect_code(1);
    assert!(r.stderr.contains("nothing was appended"), "{}", r.stderr);
    assert!(!agency.env.path().join("got.zip").exists());
    assert!(r.stderr.contains("removed the decrypted"), "{}", r.stderr);
}

#[test]
fn a_ciphertext_hash_on_another_event_or_malformed_fails_verify() {
    let (agency, lab, b) = setup();
    let when = |t: &str| parse_rfc3339(t).unwrap();
    let good = "ab".repeat(32);
    let note = EventOptions {
        action: "note".into(),
        time: when(T2),
        received_ciphertext_sha256: Some(good.clone()),
        ..EventOptions::default()
    };
    let noted = agency.env.path().join("noted.zip");
    std::fs::copy(&b, &noted).unwrap();
    add_event(&noted, &note, &examiner_signer(&agency), &mut NoHook).unwrap();
    assert_fails(
        &agency,
        &noted,
        "custody",
        "received_ciphertext_sha256 on a note event",
    );

    add(
        &agency,
        &b,
        &["--action", "transfer", "--to", LAB_TO, "--time", T2],
    )
    .expect_code(0);
    let receive = EventOptions {
        action: "receive".into(),
        time: when(T3),
        received_ciphertext_sha256: Some(good.to_uppercase()),
        ..EventOptions::default()
    };
    add_event(&b, &receive, &examiner_signer(&lab), &mut NoHook).unwrap();
    assert_fails(
        &agency,
        &b,
        "custody",
        "received_ciphertext_sha256 is not a hex SHA-256",
    );
}

/// The documented `received` object of `ingest` and `locker show`
/// (docs/locker.md), read strictly.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct WireReceived {
    encryption: String,
    sha256: String,
    bytes: u64,
    kept: String,
}

/// The documented `ciphertext` object of `verify --json` and the others
/// (docs/verify-semantics.md), read strictly.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct WireCiphertext {
    sha256: String,
    bytes: u64,
}

/// `--json ingest` lines.
fn json_lines(r: &Run) -> Vec<Value> {
    r.stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

#[test]
fn ingest_store_keeps_the_ciphertext_and_locker_verify_rehashes_it() {
    let (_agency, lab, age, plain) = encrypted_for_lab();
    let cipher = std::fs::read(&age).unwrap();
    let sha = hex_sha256(&cipher);
    let r = run(&lab, &["--json", "ingest", "b.zip.age", "--store", "store"]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["v"], 4);
    assert_eq!(v["outcome"], "added");
    assert_eq!(v["received"]["sha256"], sha.as_str());
    assert_eq!(v["received"]["bytes"], cipher.len() as u64);
    let w: WireReceived = serde_json::from_value(v["received"].clone()).unwrap();
    assert_eq!(w.encryption, "age");
    let store = lab.env.path().join("store");
    let kept = store
        .join("sha256")
        .join(&sha[..2])
        .join(format!("{sha}.zip.age"));
    assert_eq!(std::fs::read(&kept).unwrap(), cipher, "kept byte for byte");
    let zip = store
        .join("sha256")
        .join(&hex_sha256(&plain)[..2])
        .join(format!("{}.zip", hex_sha256(&plain)));
    assert_eq!(
        std::fs::read(&zip).unwrap(),
        plain,
        "the plaintext copy is in the store"
    );
    // Only the two stored files: no temporary copy.
    assert_eq!(files(&store).len(), 2, "{:?}", files(&store));
    let id = v["bundle_id"].as_str().unwrap().to_string();
    let r = run(&lab, &["locker", "show", &id]);
    r.expect_code(0);
    assert!(r.stdout_str().contains(&format!(
        "arrived encrypted (age): ciphertext SHA-256 {sha}"
    )));
    let r = run(&lab, &["--json", "locker", "show", &id]);
    let d = &json_lines(&r)[0];
    assert_eq!(d["v"], 6);
    assert_eq!(d["received"]["sha256"], sha.as_str());
    let w: WireReceived = serde_json::from_value(d["received"].clone()).unwrap();
    assert_eq!(w.kept, format!("store/sha256/{}/{sha}.zip.age", &sha[..2]));
    run(&lab, &["locker", "verify", "--store", "store"]).expect_code(0);
    run(&lab, &["locker", "verify"]).expect_code(0);

    let mut changed = cipher.clone();
    changed[cipher.len() / 2] ^= 1;
    std::fs::write(&kept, &changed).unwrap();
    let r = run(&lab, &["--json", "locker", "verify", "--store", "store"]);
    r.expect_code(1);
    let drift = json_lines(&r)[0]["drift"].to_string();
    assert!(drift.contains("received ciphertext SHA-256"), "{drift}");
}

#[test]
fn ingest_without_store_keeps_nothing_of_the_plaintext() {
    let (_agency, lab, age, plain) = encrypted_for_lab();
    let sha = hex_sha256(&std::fs::read(&age).unwrap());
    let r = run(&lab, &["ingest", "b.zip.age", "--key", &lab.examiner]);
    r.expect_code(2);
    assert!(r.stderr.contains("--store"), "{}", r.stderr);
    let r = run(&lab, &["--json", "ingest", "b.zip.age"]);
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["received"]["sha256"], sha.as_str());
    let kept = std::fs::canonicalize(&age).unwrap();
    assert_eq!(v["received"]["kept"], kept.to_str().unwrap());
    no_plaintext_left(&lab, &plain);
    // The record's only copy is the encrypted file: locker verify
    // decrypts it (beside the locker) and compares.
    run(&lab, &["locker", "verify"]).expect_code(0);
    no_plaintext_left(&lab, &plain);
    std::fs::write(&age, b"gone").unwrap();
    let r = run(&lab, &["--json", "locker", "verify"]);
    r.expect_code(1);
    assert!(
        json_lines(&r)[0]["drift"]
            .to_string()
            .contains("received ciphertext SHA-256")
    );
}

#[test]
fn ingest_store_with_key_appends_the_receipt_naming_the_ciphertext() {
    let (_agency, lab, age, _) = encrypted_for_lab();
    let sha = hex_sha256(&std::fs::read(&age).unwrap());
    let r = run(
        &lab,
        &[
            "--json",
            "ingest",
            "b.zip.age",
            "--store",
            "store",
            "--key",
            &lab.examiner,
        ],
    );
    r.expect_code(0);
    let v = &json_lines(&r)[0];
    assert_eq!(v["events"], 3);
    let stored = PathBuf::from(v["stored"].as_str().unwrap());
    let stored = lab.env.path().join(stored);
    let ev = last_event(&stored);
    assert_eq!(ev.action, "receive");
    assert_eq!(ev.received_ciphertext_sha256.as_deref(), Some(sha.as_str()));
    run(&lab, &["locker", "verify", "--store", "store"]).expect_code(0);
}

/// A bundle of a 4 MiB pseudo-random file, encrypted to the lab, so a
/// decryption takes several reads.
fn big_for_lab() -> (Party, Party, Vec<u8>) {
    let (agency, lab, _) = setup();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let data: Vec<u8> = (0..4 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    agency.env.write("big/x.bin", &data);
    let r = agency
        .env
        .run(["seal", "big", "--out", "big.zip", "--case", "BIG-1"]);
    r.expect_code(0);
    let big = agency.env.path().join("big.zip");
    encrypt_to(&lab, &big, &lab.env.path().join("big.zip.age"));
    (agency, lab, std::fs::read(&big).unwrap())
}

const PAUSED: &str = "evidentia-test: paused before op ";

/// Start `verify big.zip.age` paused before its `nth` ciphertext read
/// (after the private copy was created and partly written).
fn paused_verify(lab: &Party, nth: usize) -> std::process::Child {
    // Find the first decrypt operation's number, then pause `nth` later.
    let mut first = None;
    for n in 1..40 {
        let (mut child, what) = pause_at(lab, n);
        let _ = child.kill();
        let _ = child.wait();
        if what.starts_with("decrypt ") {
            first = Some(n);
            break;
        }
    }
    let first = first.expect("a decrypt operation (is target/debug/evidentia a test-hooks build?)");
    let (child, what) = pause_at(lab, first + nth - 1);
    assert!(what.starts_with("decrypt "), "{what}");
    child
}

/// Run `verify big.zip.age` until it pauses before operation `n`. The
/// caller waits for the child it gets back.
#[allow(clippy::zombie_processes)]
fn pause_at(lab: &Party, n: usize) -> (std::process::Child, String) {
    let mut c = cmd(lab, &["verify", "big.zip.age"]);
    c.env("EVIDENTIA_TEST_PAUSE_OP", n.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            return (child, String::new());
        }
        if let Some(rest) = line.trim_end().strip_prefix(PAUSED) {
            let what = rest.split_once(" (").map_or("", |(_, w)| w);
            return (child, what.trim_end_matches(')').to_string());
        }
    }
}

/// The scratch directory's temporary files.
fn scratch_temps(lab: &Party) -> Vec<PathBuf> {
    files(&lab.env.home().join("scratch"))
}

#[test]
fn ctrl_c_and_sigterm_mid_decryption_leave_no_plaintext() {
    let (_agency, lab, plain) = big_for_lab();
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let mut child = paused_verify(&lab, 4);
        let temps = scratch_temps(&lab);
        assert_eq!(temps.len(), 1, "{temps:?}");
        assert!(
            std::fs::metadata(&temps[0]).unwrap().len() > 0,
            "plaintext was being written"
        );
        // SAFETY: signalling our own child by its pid.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "signal {sig}");
        assert!(scratch_temps(&lab).is_empty(), "signal {sig}");
    }
    no_plaintext_left(&lab, &plain);
}

#[test]
fn a_copy_left_by_kill_9_is_swept_by_the_next_run() {
    let (_agency, lab, plain) = big_for_lab();
    let mut child = paused_verify(&lab, 4);
    child.kill().unwrap();
    child.wait().unwrap();
    let temps = scratch_temps(&lab);
    assert_eq!(temps.len(), 1, "kill -9 leaves the copy: {temps:?}");
    // Under another name too: the scratch directory is swept of any dead
    // process's leftover.
    let other = temps[0].with_file_name(
        temps[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".big.zip.plain.", ".other.zip.plain."),
    );
    std::fs::rename(&temps[0], &other).unwrap();
    run(&lab, &["verify", "big.zip.age"]).expect_code(0);
    assert!(scratch_temps(&lab).is_empty(), "{:?}", scratch_temps(&lab));
    no_plaintext_left(&lab, &plain);
}

#[test]
fn a_scratch_directory_others_can_enter_is_refused() {
    let (_agency, lab, _, _) = encrypted_for_lab();
    let scratch = lab.env.home().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = run(&lab, &["verify", "b.zip.age"]);
    r.expect_code(2);
    assert!(r.stderr.contains("chmod 700"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
}

#[test]
fn reading_an_encrypted_bundle_keeps_its_access_time() {
    use crate::crash::{assert_untouched, set_times, snapshot};
    let (_agency, lab, age, _) = encrypted_for_lab();
    let dir = lab.env.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    std::fs::rename(&age, dir.join("b.zip.age")).unwrap();
    // Access time before modification time: relatime would move it.
    set_times(&dir, 3, 2);
    let before = snapshot(&dir);
    run(&lab, &["verify", "in/b.zip.age"]).expect_code(0);
    assert_untouched(&before, &dir, "verify");
    run(&lab, &["ingest", "in/b.zip.age", "--store", "store"]).expect_code(0);
    assert_untouched(&before, &dir, "ingest --store");
}
