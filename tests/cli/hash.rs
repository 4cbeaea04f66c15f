//! `evidentia hash` against the real coreutils, b3sum, hashdeep and openssl.

use crate::harness::{Env, peer, run_peer};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

const BLOCK: usize = 2 * 1024 * 1024;

/// Files whose sizes sit on and around the read block size, and names that
/// need escaping or are not UTF-8.
fn awkward_files(env: &Env) -> Vec<OsString> {
    let pattern = |n: usize| -> Vec<u8> { (0..n).map(|i| (i * 31 % 253) as u8).collect() };
    let files: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"empty".to_vec(), Vec::new()),
        (b"one".to_vec(), b"x".to_vec()),
        (b"block-1".to_vec(), pattern(BLOCK - 1)),
        (b"block".to_vec(), pattern(BLOCK)),
        (b"block+1".to_vec(), pattern(BLOCK + 1)),
        (b"three blocks".to_vec(), pattern(3 * BLOCK)),
        (b"with space and, comma".to_vec(), b"s".to_vec()),
        (b"back\\slash".to_vec(), b"b".to_vec()),
        (b"new\nline".to_vec(), b"n".to_vec()),
        (b"carriage\rreturn".to_vec(), b"r".to_vec()),
        (b"latin1-\xe9t\xe9".to_vec(), b"l".to_vec()),
    ];
    files
        .into_iter()
        .map(|(name, data)| {
            let name = OsString::from_vec(name);
            std::fs::write(env.path().join(&name), data).unwrap();
            name
        })
        .collect()
}

fn args<'a>(pre: &'a [&'a str], names: &'a [OsString]) -> Vec<&'a OsStr> {
    pre.iter()
        .map(OsStr::new)
        .chain(names.iter().map(OsString::as_os_str))
        .collect()
}

#[test]
fn sums_output_is_byte_identical_to_coreutils() {
    let env = Env::new();
    let names = awkward_files(&env);
    for (algo, tool) in [
        ("sha256", "sha256sum"),
        ("md5", "md5sum"),
        ("sha1", "sha1sum"),
        ("sha512", "sha512sum"),
    ] {
        let Some(tool) = peer(tool) else { return };
        let ours = env.run(args(&["hash", "--algo", algo], &names));
        ours.expect_code(0);
        let theirs = run_peer(&tool, &args(&[], &names), env.path());
        assert!(theirs.status.success());
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{algo} output differs from {}",
            tool.display()
        );
        assert_eq!(ours.stdout, theirs.stdout);
    }
}

#[test]
fn blake3_output_is_byte_identical_to_b3sum() {
    let Some(b3sum) = peer("b3sum") else { return };
    let env = Env::new();
    // b3sum writes non-UTF-8 names lossily (U+FFFD), so they cannot be
    // compared byte for byte; evidentia keeps the raw bytes, as coreutils do.
    let names: Vec<OsString> = awkward_files(&env)
        .into_iter()
        .filter(|n| n.to_str().is_some())
        .collect();
    let ours = env.run(args(&["hash", "--algo", "blake3"], &names));
    ours.expect_code(0);
    let theirs = run_peer(&b3sum, &args(&[], &names), env.path());
    assert!(theirs.status.success());
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&theirs.stdout)
    );
}

#[test]
fn coreutils_check_accepts_our_output_and_we_accept_theirs() {
    let Some(sha256sum) = peer("sha256sum") else {
        return;
    };
    let env = Env::new();
    let names = awkward_files(&env);
    let ours = env.run(args(&["hash", "--algo", "sha256"], &names));
    ours.expect_code(0);
    std::fs::write(env.path().join("SHA256SUMS"), &ours.stdout).unwrap();
    let check = run_peer(
        &sha256sum,
        &[OsStr::new("-c"), OsStr::new("SHA256SUMS")],
        env.path(),
    );
    assert!(
        check.status.success(),
        "sha256sum -c: {}",
        String::from_utf8_lossy(&check.stderr)
    );

    let theirs = run_peer(&sha256sum, &args(&["--tag"], &names), env.path());
    std::fs::write(env.path().join("tagged.txt"), &theirs.stdout).unwrap();
    env.run(["hash", "--check", "tagged.txt"]).expect_code(0);
}

#[test]
fn check_catches_flipped_byte_and_missing_file() {
    let env = Env::new();
    env.write("a", b"alpha");
    env.write("b", b"bravo");
    env.write("c", b"charlie");
    let out = env.run(["hash", "a", "b", "c"]);
    out.expect_code(0);
    std::fs::write(env.path().join("list"), &out.stdout).unwrap();
    env.run(["hash", "--check", "list"]).expect_code(0);

    env.write("b", b"bravO");
    std::fs::remove_file(env.path().join("c")).unwrap();
    let r = env.run(["hash", "--check", "list"]);
    r.expect_code(1);
    let text = r.stdout_str();
    assert!(text.contains("a: OK"), "{text}");
    assert!(text.contains("b: FAILED"), "{text}");
    assert!(text.contains("c: MISSING"), "{text}");
    assert!(r.stderr.contains("FAILED"), "{}", r.stderr);
}

#[test]
fn b3sum_lists_are_checked_as_blake3() {
    let env = Env::new();
    env.write("f", b"data");
    let out = env.run(["hash", "--algo", "blake3", "f"]);
    std::fs::write(env.path().join("B3SUMS"), &out.stdout).unwrap();
    std::fs::write(env.path().join("list.txt"), &out.stdout).unwrap();
    env.run(["hash", "--check", "B3SUMS"]).expect_code(0);
    // Without a hint a 64-digit line is SHA-256, so this must fail...
    env.run(["hash", "--check", "list.txt"]).expect_code(1);
    // ...and pass once the algorithm is named.
    env.run(["hash", "--check", "list.txt", "--algo", "blake3"])
        .expect_code(0);
}

#[test]
fn malformed_check_list_is_an_error_with_line_number() {
    let env = Env::new();
    env.write("list", b"not a checksum line\n");
    let r = env.run(["hash", "--check", "list"]);
    r.expect_code(2);
    assert!(r.stderr.contains("line 1"), "{}", r.stderr);
}

#[test]
fn hashdeep_audits_our_hashdeep_output() {
    let Some(hashdeep) = peer("hashdeep") else {
        return;
    };
    let env = Env::new();
    env.write("tree/a.txt", b"alpha");
    env.write("tree/sub/b.bin", &vec![7u8; BLOCK + 3]);
    env.write("tree/sub/with, comma", b"c");
    let out = env.run([
        "hash",
        "--format",
        "hashdeep",
        "--algo",
        "md5,sha256",
        "tree",
    ]);
    out.expect_code(0);
    std::fs::write(env.path().join("known.txt"), &out.stdout).unwrap();
    let audit = run_peer(
        &hashdeep,
        &["-a", "-k", "known.txt", "-r", "tree"].map(OsStr::new),
        env.path(),
    );
    assert!(
        audit.status.success(),
        "hashdeep audit failed:\n{}\n{}",
        String::from_utf8_lossy(&audit.stdout),
        String::from_utf8_lossy(&audit.stderr)
    );
    // Relative names audit with hashdeep -l.
    let out = env.run(["hash", "--format", "hashdeep", "--relative", "tree"]);
    out.expect_code(0);
    std::fs::write(env.path().join("relative.txt"), &out.stdout).unwrap();
    let audit = run_peer(
        &hashdeep,
        &["-a", "-l", "-k", "relative.txt", "-r", "tree"].map(OsStr::new),
        env.path(),
    );
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    // A changed file fails the audit.
    env.write("tree/sub/with, comma", b"C");
    let audit = run_peer(
        &hashdeep,
        &["-a", "-k", "known.txt", "-r", "tree"].map(OsStr::new),
        env.path(),
    );
    assert!(!audit.status.success());
    env.write("tree/sub/with, comma", b"c");
    // And hashdeep's own output is checkable by us.
    let theirs = run_peer(
        &hashdeep,
        &["-c", "md5,sha256", "-r", "tree"].map(OsStr::new),
        env.path(),
    );
    std::fs::write(env.path().join("theirs.txt"), &theirs.stdout).unwrap();
    env.run(["hash", "--check", "theirs.txt"]).expect_code(0);
    env.write("tree/a.txt", b"alphA");
    env.run(["hash", "--check", "theirs.txt"]).expect_code(1);
}

#[test]
fn hashdeep_format_refuses_algorithms_it_cannot_carry() {
    let env = Env::new();
    env.write("f", b"x");
    let r = env.run(["hash", "--format", "hashdeep", "--algo", "blake3", "f"]);
    r.expect_code(2);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
}

/// The documented JSON Lines record, read strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    v: u32,
    kind: String,
    path: PathJson,
    size: Option<u64>,
    hashes: Option<BTreeMap<String, String>>,
    pieces: Option<Pieces>,
    target: Option<PathJson>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
enum PathJson {
    #[serde(rename = "text")]
    Text(String),
    #[serde(rename = "bytes")]
    Bytes(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pieces {
    size: u64,
    sha256: Vec<Piece>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Piece {
    offset: u64,
    len: u64,
    sha256: String,
}

fn records(stdout: &[u8]) -> Vec<Record> {
    String::from_utf8(stdout.to_vec())
        .expect("JSON output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn json_lines_are_strict_and_keep_raw_names() {
    let env = Env::new();
    env.write("t/a", &[1u8; 10]);
    std::fs::write(env.path().join(OsStr::from_bytes(b"t/\xffname")), b"z").unwrap();
    std::os::unix::fs::symlink("a", env.path().join("t/link")).unwrap();
    let r = env.run([
        "hash",
        "--json",
        "--algo",
        "sha256,md5",
        "--piece",
        "4",
        "t",
    ]);
    r.expect_code(0);
    let recs = records(&r.stdout);
    assert_eq!(recs.len(), 3, "{recs:?}");
    assert!(recs.iter().all(|r| r.v == 1));
    assert_eq!(recs[0].path, PathJson::Text("t/a".into()));
    assert_eq!(recs[0].size, Some(10));
    let hashes = recs[0].hashes.as_ref().unwrap();
    assert_eq!(hashes.keys().collect::<Vec<_>>(), ["md5", "sha256"]);
    let pieces = recs[0].pieces.as_ref().unwrap();
    assert_eq!(pieces.size, 4);
    let spans: Vec<(u64, u64)> = pieces.sha256.iter().map(|p| (p.offset, p.len)).collect();
    assert_eq!(spans, [(0, 4), (4, 4), (8, 2)]);
    assert_eq!(pieces.sha256[2].sha256.len(), 64);
    assert_eq!(recs[1].kind, "symlink");
    assert_eq!(recs[1].target, Some(PathJson::Text("a".into())));
    assert_eq!(recs[2].kind, "file");
    // b"t/\xffname" in base64
    assert_eq!(recs[2].path, PathJson::Bytes("dC//bmFtZQ==".into()));
    assert!(recs.iter().all(|r| r.reason.is_none()));
}

#[test]
fn stdin_is_hashed_like_sha256sum() {
    let env = Env::new();
    let data: Vec<u8> = (0..(BLOCK * 2 + 5)).map(|i| (i % 199) as u8).collect();
    let r = env.run_stdin(["hash", "--algo", "sha256"], &data);
    r.expect_code(0);
    let hex = sha2_hex(&data);
    assert_eq!(r.stdout_str(), format!("{hex}  -\n"));
}

fn sha2_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn unreadable_input_is_reported_and_the_rest_still_hashed() {
    let env = Env::new();
    env.write("good", b"g");
    std::os::unix::fs::symlink("nowhere", env.path().join("dangling")).unwrap();
    let r = env.run(["hash", "--algo", "sha256", "dangling", "good"]);
    r.expect_code(2);
    assert!(r.stderr.contains("cannot read dangling"), "{}", r.stderr);
    assert!(r.stdout_str().ends_with("  good\n"), "{}", r.stdout_str());
}

#[test]
fn special_files_in_trees_are_skipped_with_a_warning() {
    let env = Env::new();
    env.write("t/f", b"f");
    let fifo = std::ffi::CString::new(env.path().join("t/pipe").as_os_str().as_bytes()).unwrap();
    // SAFETY: valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let r = env.run(["hash", "t"]);
    r.expect_code(0);
    assert!(r.stderr.contains("skipped fifo: t/pipe"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let env = Env::new();
    let r = env.run(["hash", "--algo", "sha3", "x"]);
    r.expect_code(2);
    assert!(r.stderr.contains("unknown hash algorithm"), "{}", r.stderr);
    let r = env.run(["hash", "--piece", "1M", "x"]);
    r.expect_code(2);
    assert!(r.stderr.contains("hint: add --format json"), "{}", r.stderr);
}

#[test]
fn multi_gib_sparse_file_matches_openssl() {
    let env = Env::new();
    let path = env.path().join("sparse.img");
    let f = std::fs::File::create(&path).unwrap();
    // 4 GiB + 1 byte: crosses every 32-bit boundary, with a marker at the end.
    let len = (4u64 << 30) + 1;
    f.set_len(len).unwrap();
    use std::os::unix::fs::FileExt;
    f.write_all_at(b"E", len - 1).unwrap();
    f.write_all_at(b"S", 0).unwrap();
    drop(f);
    let r = env.run(["hash", "--json", "--algo", "sha256", "sparse.img"]);
    r.expect_code(0);
    let recs = records(&r.stdout);
    assert_eq!(recs[0].size, Some(len));
    let ours = recs[0].hashes.as_ref().unwrap()["sha256"].clone();
    let reference = match peer("openssl") {
        Some(openssl) => {
            let o = run_peer(
                &openssl,
                &["dgst", "-sha256", "-r", "sparse.img"].map(OsStr::new),
                env.path(),
            );
            String::from_utf8_lossy(&o.stdout)
                .split(' ')
                .next()
                .unwrap_or("")
                .to_string()
        }
        None => return,
    };
    assert_eq!(ours, reference);
}

#[test]
fn committed_completions_and_man_pages_do_not_drift() {
    let env = Env::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shell, file) in [
        ("bash", "evidentia.bash"),
        ("zsh", "_evidentia"),
        ("fish", "evidentia.fish"),
        ("powershell", "_evidentia.ps1"),
        ("elvish", "evidentia.elv"),
    ] {
        let r = env.run(["completions", shell]);
        r.expect_code(0);
        let committed = std::fs::read(root.join("completions").join(file))
            .unwrap_or_else(|_| panic!("completions/{file} missing: run scripts/gen-docs"));
        assert!(
            committed == r.stdout,
            "completions/{file} is stale: run scripts/gen-docs"
        );
    }
    let out = env.path().join("man");
    env.run(["man", "--out", out.to_str().unwrap()])
        .expect_code(0);
    let mut generated: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    generated.sort();
    let mut committed: Vec<_> = std::fs::read_dir(root.join("docs/man"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    committed.sort();
    assert_eq!(
        generated, committed,
        "docs/man is stale: run scripts/gen-docs"
    );
    for name in generated {
        let a = std::fs::read(out.join(&name)).unwrap();
        let b = std::fs::read(root.join("docs/man").join(&name)).unwrap();
        assert!(
            a == b,
            "docs/man/{} is stale: run scripts/gen-docs",
            name.to_string_lossy()
        );
    }
}

/// Hashing streams: a 512 MiB input (sparse, so cheap to make) is hashed
/// with every algorithm in well under 100 MiB of peak memory, the bound
/// DESIGN.md section 7 promises for any input size.
#[test]
fn hashing_a_large_file_stays_in_bounded_memory() {
    let env = Env::new();
    let big = env.path().join("big.img");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(512 << 20)
        .unwrap();
    let mut c = env.cmd(["hash", "--algo", "md5,sha1,sha256,sha512,blake3"]);
    c.arg(&big);
    let (r, rss_kib) = env.run_cmd_rss(&mut c);
    r.expect_code(0);
    assert!(r.stdout_str().contains("big.img"), "{}", r.stdout_str());
    assert!(rss_kib > 0, "no rusage reported");
    assert!(rss_kib < 100 * 1024, "peak RSS {rss_kib} KiB");
}
