//! `seal --to`: the bundle encrypted as it is written. Decrypted, it is
//! byte for byte the bundle a plain `seal` writes with the same inputs,
//! time and key (stock `age -d` too); an entry larger than the memory
//! bound spills to a scratch file that holds no plaintext and has no name;
//! memory stays bounded; a recipient or an output name that cannot be
//! used is refused before anything is written; a failure at any output
//! operation leaves nothing.

use crate::bundle::{examiner, trust};
use crate::crash::{fail_at, names};
use crate::harness::{Env, Run, peer, run_peer};
use evidentia::sign::agekey::AgeIdentity;
use evidentia::sign::keystore::{KeyRole, KeyStore};
use serde::Deserialize;
use sha2::Digest;
use std::ffi::OsStr;
use std::io::BufRead;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TIME: &str = "2024-05-01T12:00:00Z";
const PATTERN: &[u8; 16] = b"EVIDENTIA-PLAIN!";

/// The `--json` result of `seal --to`, as documented.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SealedTo {
    #[serde(rename = "type")]
    kind: String,
    path: evidentia::pathrepr::PathRepr,
    bundle_id: String,
    files: u64,
    bytes: u64,
    unreadable: u64,
    signed: bool,
    custody_head: String,
    encryption: Encryption,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Encryption {
    plain_bytes: u64,
    bytes: u64,
    sha256: String,
    recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Recipient {
    recipient: String,
    label: String,
    key_id: Option<String>,
    trusted: bool,
}

/// A trusted examiner key (it has an encryption recipient); its id.
fn sender(env: &Env) -> String {
    let id = examiner(env, "Jana Sender");
    trust(env, &id);
    id
}

/// `seal ev --out OUT --case C-1 --time TIME` and `extra`.
fn seal_cmd(env: &Env, out: &str, extra: &[&str]) -> Command {
    let mut c = env.cmd(["seal", "ev", "--out", out, "--case", "C-1", "--time", TIME]);
    c.args(extra).stdin(Stdio::null());
    c
}

fn seal(env: &Env, out: &str, extra: &[&str]) -> Run {
    env.run_cmd(&mut seal_cmd(env, out, extra))
}

fn key_file(env: &Env, id: &str) -> evidentia::sign::KeyFile {
    KeyStore::open(env.home().join("keys"))
        .find(Some(id), KeyRole::Any)
        .unwrap()
}

fn identity(env: &Env, id: &str) -> AgeIdentity {
    key_file(env, id)
        .unlock(None)
        .unwrap()
        .age_identity()
        .clone()
}

/// Decrypt `file` with the key `id` (the library's decryption).
fn decrypt(env: &Env, id: &str, file: &Path) -> Vec<u8> {
    let out = env.path().join("decrypted.tmp");
    evidentia::crypt::decrypt_file(file, &[identity(env, id)], &out).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    bytes
}

fn mkdirs(env: &Env, dirs: &[&str]) {
    for d in dirs {
        std::fs::create_dir_all(env.path().join(d)).unwrap();
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn decrypted_it_is_the_very_bundle_a_plain_seal_writes() {
    let env = Env::new();
    let id = sender(&env);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &vec![7u8; 300_000]);
    env.write("ev/sub/empty", b"");
    for (n, extra) in [(0, &[][..]), (1, &["--compress", "deflate"][..])] {
        let (p, e) = (format!("p{n}"), format!("e{n}"));
        mkdirs(&env, &[&p, &e]);
        seal(&env, &format!("{p}/x.zip"), extra).expect_code(0);
        let mut args = vec!["--to", id.as_str()];
        args.extend_from_slice(extra);
        let r = env.run_cmd(seal_cmd(&env, &format!("{e}/x.zip.age"), &args).arg("--json"));
        r.expect_code(0);
        let plain = std::fs::read(env.path().join(&p).join("x.zip")).unwrap();
        let sent = env.path().join(&e).join("x.zip.age");
        let cipher = std::fs::read(&sent).unwrap();
        assert!(cipher.starts_with(b"age-encryption.org/v1\n"));
        assert!(
            !contains(&cipher, b"bagit.txt"),
            "the zip is not in the clear"
        );
        assert!(
            decrypt(&env, &id, &sent) == plain,
            "not the plain seal's bytes"
        );
        assert_eq!(
            names(&env.path().join(&e)),
            ["x.zip.age"],
            "nothing else left"
        );
        let s: SealedTo = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(s.kind, "evidentia/seal-result/v1");
        assert_eq!(s.path.as_bytes(), format!("{e}/x.zip.age").as_bytes());
        let enc = &s.encryption;
        assert_eq!(enc.plain_bytes, plain.len() as u64);
        assert_eq!(enc.bytes, cipher.len() as u64);
        let sha = evidentia::hash::to_hex(&sha2::Sha256::digest(&cipher));
        assert_eq!(enc.sha256, sha);
        let [to] = &enc.recipients[..] else {
            panic!("one recipient")
        };
        assert_eq!(Some(&to.recipient), key_file(&env, &id).recipient.as_ref());
        assert_eq!(to.key_id.as_deref(), Some(id.as_str()));
        assert!(
            to.trusted && to.label.contains("Jana Sender"),
            "{}",
            to.label
        );
    }
    // The decrypted bundle verifies; the text result names the recipient
    // and the ciphertext's digest.
    let sent = env.path().join("e0/x.zip.age");
    let dec = env.write("d/x.zip", &decrypt(&env, &id, &sent));
    env.run([OsStr::new("verify"), dec.as_os_str()])
        .expect_code(0);
    mkdirs(&env, &["t"]);
    let r = seal(&env, "t/x.zip.age", &["--to", &id]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.contains("sealed t/x.zip.age: 3 files"), "{out}");
    assert!(out.contains(", for 1 recipient\n"), "{out}");
    assert!(out.contains("\nciphertext SHA-256: "), "{out}");
    assert!(out.contains("\nreadable by:\n  age1"), "{out}");
    assert!(
        out.contains("  Jana Sender, Lab (CZ), your own key "),
        "{out}"
    );
    // Stock age decrypts it to the same bytes.
    let Some(age) = peer("age") else { return };
    let text = key_file(&env, &id).age_identity_text(None).unwrap();
    let idf = env.write("id.txt", text.as_bytes());
    let o = run_peer(
        &age,
        &[
            OsStr::new("-d"),
            OsStr::new("-i"),
            idf.as_os_str(),
            OsStr::new("-o"),
            OsStr::new("stock.zip"),
            sent.as_os_str(),
        ],
        env.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stock = std::fs::read(env.path().join("stock.zip")).unwrap();
    assert!(stock == std::fs::read(env.path().join("p0/x.zip")).unwrap());
}

/// The scratch files of process `pid` (open, unlinked, in `dir`): name
/// and bytes, read through /proc while the process waits.
fn scratch_files(pid: u32, dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap() {
        let fd = e.unwrap().path();
        let Ok(target) = std::fs::read_link(&fd) else {
            continue;
        };
        let t = target.to_string_lossy().into_owned();
        if t.starts_with(&*dir.to_string_lossy()) && t.ends_with(" (deleted)") {
            found.push((t, std::fs::read(&fd).unwrap()));
        }
    }
    found
}

/// Start `cmd` and wait until it pauses before output operation 2 (the
/// first write of ciphertext, once the large entry is complete).
fn paused_at_first_write(mut cmd: Command) -> std::process::Child {
    cmd.env("EVIDENTIA_TEST_PAUSE_OP", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "it never paused");
        if line.starts_with("evidentia-test: paused before op 2 (") {
            break;
        }
    }
    assert!(line.contains("(write "), "{line}");
    child
}

/// A named pipe `ev.fifo` in the scratch directory, and a thread that
/// writes `data` into it once a reader opens it.
fn fifo(env: &Env) -> PathBuf {
    let path = env.path().join("ev.fifo");
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    path
}

fn feed(path: &Path, data: &[u8]) -> std::thread::JoinHandle<()> {
    let (path, data) = (path.to_path_buf(), data.to_vec());
    std::thread::spawn(move || std::fs::write(path, data).unwrap())
}

/// 64 MB from a pipe (which cannot be read twice), four times the memory
/// bound. While the ciphertext is written, the held-back entry is in a
/// scratch file that has no name and holds no plaintext. Ctrl-C then
/// leaves nothing at all; a kill leaves only a temporary file, which the
/// next run clears. That run's peak memory is at most 32 MiB above a
/// plain seal's (holding the entry in memory would cost 64), and its
/// bundle is the plain seal's.
#[test]
fn a_large_entry_spills_to_a_scratch_file_that_holds_no_plaintext() {
    let env = Env::new();
    let id = sender(&env);
    let data = PATTERN.repeat(4 << 20);
    let pipe = fifo(&env);
    mkdirs(&env, &["p", "e"]);
    let e = env.path().join("e");
    let cmd = |out: &str, extra: &[&str]| {
        let mut c = env.cmd([
            "seal", "ev.fifo", "--out", out, "--case", "C-1", "--time", TIME,
        ]);
        c.args(extra).stdin(Stdio::null());
        c
    };
    let sealed = || cmd("e/big.zip.age", &["--to", &id]);
    let fed = feed(&pipe, &data);
    let mut child = paused_at_first_write(sealed());
    fed.join().unwrap();
    let found = scratch_files(child.id(), &e);
    let held = found
        .iter()
        .find(|(n, _)| n.contains("/.big.zip-holdback."))
        .unwrap_or_else(|| panic!("no hold-back scratch file among {found:?}"));
    assert!(held.1.len() > 40 << 20, "spilled {} bytes", held.1.len());
    for (name, bytes) in &found {
        assert!(!contains(bytes, PATTERN), "{name} holds plaintext");
    }
    // SAFETY: a signal to our own child, which has not been waited for.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(names(&e), Vec::<String>::new(), "Ctrl-C leaves nothing");
    let fed = feed(&pipe, &data);
    let mut child = paused_at_first_write(sealed());
    fed.join().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let left = names(&e);
    assert!(
        left.len() == 1 && left[0].ends_with(".evidentia-tmp"),
        "a kill leaves a temporary file: {left:?}"
    );
    let fed = feed(&pipe, &data);
    let (r, rss_to) = env.run_cmd_rss(&mut sealed());
    fed.join().unwrap();
    r.expect_code(0);
    assert_eq!(names(&e), ["big.zip.age"], "the leftover was cleared");
    let fed = feed(&pipe, &data);
    let (r, rss_plain) = env.run_cmd_rss(&mut cmd("p/big.zip", &[]));
    fed.join().unwrap();
    r.expect_code(0);
    assert!(
        rss_to < rss_plain + 32 * 1024,
        "seal --to peak RSS {rss_to} KiB, plain seal {rss_plain} KiB"
    );
    let plain = std::fs::read(env.path().join("p/big.zip")).unwrap();
    assert!(decrypt(&env, &id, &e.join("big.zip.age")) == plain);
}

/// A large regular file is read ahead for its CRC-32 and size, so its
/// entry is never held back: no scratch file for it while the ciphertext
/// is written, memory as for a small one, and the same bundle.
#[test]
fn a_large_regular_file_is_read_ahead_instead_of_held_back() {
    let env = Env::new();
    let id = sender(&env);
    env.write("ev/big.bin", &PATTERN.repeat(4 << 20));
    mkdirs(&env, &["p", "e"]);
    let e = env.path().join("e");
    let sealed = || seal_cmd(&env, "e/big.zip.age", &["--to", &id]);
    let mut child = paused_at_first_write(sealed());
    let found = scratch_files(child.id(), &e);
    child.kill().unwrap();
    child.wait().unwrap();
    let seen = |what: &str| found.iter().any(|(n, _)| n.contains(what));
    assert!(
        seen("/.big.zip-records."),
        "the records' scratch file is seen"
    );
    assert!(!seen("/.big.zip-holdback."), "{found:?}");
    for f in names(&e) {
        std::fs::remove_file(e.join(f)).unwrap();
    }
    let (r, rss_to) = env.run_cmd_rss(&mut sealed());
    r.expect_code(0);
    let (r, rss_plain) = env.run_cmd_rss(&mut seal_cmd(&env, "p/big.zip", &[]));
    r.expect_code(0);
    assert!(
        rss_to < rss_plain + 16 * 1024,
        "seal --to peak RSS {rss_to} KiB, plain seal {rss_plain} KiB"
    );
    let plain = std::fs::read(env.path().join("p/big.zip")).unwrap();
    assert!(decrypt(&env, &id, &e.join("big.zip.age")) == plain);
}

/// A key made in another home: its exported public key file, which this
/// home's trust store does not vouch for.
fn stranger(env: &Env) -> PathBuf {
    let other = Env::new();
    let id = examiner(&other, "Otto Stranger");
    let r = other.run(["key", "export", &id]);
    r.expect_code(0);
    env.write("stranger.pub.json", &r.stdout)
}

#[test]
fn a_recipient_that_cannot_be_used_is_refused_before_anything_is_written() {
    let env = Env::new();
    let id = sender(&env);
    env.write("ev/a.txt", b"hello\n");
    mkdirs(&env, &["out"]);
    let out = env.path().join("out");
    let stranger = stranger(&env);
    let typo = key_file(&env, &id).recipient.unwrap().replacen('q', "p", 1) + "x";
    let cases: [(&[&str], &str); 5] = [
        (&["--to", &typo], "--to age1"),
        (&["--to", "age1"], "--to age1"),
        (
            &["--to", "0badc0de"],
            "--to 0badc0de: not a file, an age1... recipient",
        ),
        (
            &["--to", "stranger.pub.json"],
            "not trusted through any root in your trust store",
        ),
        (
            &["--to", &id, "--to", "nosuch.pub.json"],
            "--to nosuch.pub.json",
        ),
    ];
    for (extra, says) in cases {
        let r = seal(&env, "out/x.zip.age", extra);
        r.expect_code(2);
        assert!(r.stderr.contains(says), "{extra:?}: {}", r.stderr);
        assert!(r.stderr.contains("hint: "), "{extra:?}: {}", r.stderr);
        assert_eq!(names(&out), Vec::<String>::new(), "{extra:?}");
    }
    // --to-untrusted needs a --to; with one it says loudly what it does.
    seal(&env, "out/x.zip.age", &["--to-untrusted"]).expect_code(2);
    let s = stranger.to_string_lossy().into_owned();
    let r = seal(&env, "out/x.zip.age", &["--to", &s, "--to-untrusted"]);
    r.expect_code(0);
    assert!(r.stderr.contains("WARNING: encrypting to"), "{}", r.stderr);
    assert_eq!(names(&out), ["x.zip.age"]);
}

#[test]
fn the_output_name_says_whether_the_bundle_is_encrypted() {
    let env = Env::new();
    let id = sender(&env);
    env.write("ev/a.txt", b"hello\n");
    mkdirs(&env, &["out"]);
    let out = env.path().join("out");
    let r = seal(&env, "out/x.zip", &["--to", &id]);
    r.expect_code(2);
    assert!(r.stderr.contains("does not end in .age"), "{}", r.stderr);
    assert!(
        r.stderr.contains("hint: write --out out/x.zip.age"),
        "{}",
        r.stderr
    );
    let r = seal(&env, "out/x.zip.age", &[]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("would be written unencrypted"),
        "{}",
        r.stderr
    );
    assert_eq!(names(&out), Vec::<String>::new());
    // The bag is named after the bundle inside: x.
    seal(&env, "out/x.zip.age", &["--to", &id]).expect_code(0);
    let zip = env.write("x.zip", &decrypt(&env, &id, &out.join("x.zip.age")));
    let (a, _) = evidentia::bundle::Archive::open(&zip).unwrap();
    assert!(a.entries().all(|e| e.name.starts_with("x/")));
}

/// An input that cannot be opened, after an entry past the memory bound
/// was held back; then disk full at every output operation in turn
/// (creating the ciphertext file, each write, the fsync, the rename):
/// each failure leaves nothing and names the file, and the first run that
/// gets through writes the whole bundle.
#[test]
fn a_failure_leaves_nothing() {
    let env = Env::new();
    let id = sender(&env);
    env.write("ev/big.bin", &PATTERN.repeat(1_250_000));
    env.write("ev/small.txt", b"small\n");
    mkdirs(&env, &["out", "p"]);
    let out = env.path().join("out");
    // A dangling symlink: a file that cannot be opened, even by root.
    std::os::unix::fs::symlink("nowhere.img", env.path().join("gone.img")).unwrap();
    let r = seal(&env, "out/x.zip.age", &["--to", &id, "gone.img"]);
    r.expect_code(2);
    assert!(r.stderr.contains("cannot read gone.img"), "{}", r.stderr);
    assert_eq!(names(&out), Vec::<String>::new());
    seal(&env, "p/x.zip", &[]).expect_code(0);
    for n in 1.. {
        let r = fail_at(&env, seal_cmd(&env, "out/x.zip.age", &["--to", &id]), n);
        let when = format!("failure at op {n}");
        if r.code == 0 {
            assert_eq!(names(&out), ["x.zip.age"], "{when}");
            let plain = std::fs::read(env.path().join("p/x.zip")).unwrap();
            assert!(
                decrypt(&env, &id, &out.join("x.zip.age")) == plain,
                "{when}"
            );
            assert!(n > 5, "only {n} operations");
            break;
        }
        r.expect_code(2);
        assert!(
            r.stderr.contains("No space left on device") && r.stderr.contains("out/x.zip.age"),
            "{when}: {}",
            r.stderr
        );
        assert_eq!(names(&out), Vec::<String>::new(), "{when}");
        assert!(n < 100);
    }
}
