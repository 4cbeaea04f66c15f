//! What a newcomer meets first: errors that name what the user typed and
//! say what to do, counts in proper English, and a demo that hides nothing.

use crate::bundle::examiner;
use crate::harness::{Env, Run};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;

fn seal(env: &Env, args: &[&str]) -> Run {
    let mut all = vec!["seal", "--case", "C-1", "--time", "2024-05-01T12:00:00Z"];
    all.extend_from_slice(args);
    env.run(all)
}

#[test]
fn seal_into_a_missing_directory_names_the_bundle_not_a_temporary_file() {
    let env = Env::new();
    examiner(&env, "Jana Examiner");
    env.write("ev/a.txt", b"evidence\n");
    let r = seal(&env, &["ev", "--out", "missing/x.zip"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("cannot write missing/x.zip")
            && r.stderr.contains("the directory missing does not exist"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint: create it first"), "{}", r.stderr);
    assert!(!r.stderr.contains("evidentia-tmp"), "{}", r.stderr);
    assert!(!env.path().join("missing").exists(), "nothing was created");
}

#[test]
fn a_mistyped_input_is_not_an_unreadable_file() {
    let env = Env::new();
    examiner(&env, "Jana Examiner");
    env.write("ev/a.txt", b"evidence\n");
    for extra in [&[][..], &["--allow-unreadable"][..]] {
        let mut args = vec!["ev", "nope", "--out", "x.zip"];
        args.extend_from_slice(extra);
        let r = seal(&env, &args);
        r.expect_code(2);
        assert!(r.stderr.contains("nope does not exist"), "{}", r.stderr);
        assert!(r.stderr.contains("hint: check the path"), "{}", r.stderr);
        assert!(
            !r.stderr.contains("pass --allow-unreadable"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("nothing to seal"), "{}", r.stderr);
        assert!(!env.path().join("x.zip").exists());
    }
}

#[test]
fn one_file_is_one_file() {
    let env = Env::new();
    examiner(&env, "Jana Examiner");
    env.write("ev/a.txt", b"e");
    let r = seal(&env, &["ev", "--out", "one.zip"]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.contains("sealed one.zip: 1 file, 1 byte\n"), "{out}");
    let r = env.run(["verify", "one.zip"]);
    let out = r.stdout_str();
    assert!(
        !out.contains(" 1 files") && !out.contains(" 1 bytes"),
        "{out}"
    );
}

/// `hash` of a file this user may not read: one error per file, then one
/// hint saying what to do. Root reads everything, so as root the command
/// runs as `nobody`.
#[test]
fn hash_permission_errors_get_a_hint() {
    let env = Env::new();
    let secret = env.write("ev/secret.bin", b"locked away\n");
    env.write("ev/open.txt", b"readable\n");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(env.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false);
    let mut cmd = env.cmd(["hash", "ev"]);
    if root {
        cmd.uid(65534).gid(65534);
    }
    let r = env.run_cmd(&mut cmd);
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("cannot read ev/secret.bin: Permission denied"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("hint: 1 file could not be read for lack of permission"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("hint:").count(), 1, "{}", r.stderr);
    assert!(
        r.stdout_str().contains("(ev/open.txt)"),
        "the readable file is still hashed"
    );
}

/// Run `args` with stdout read for one line and then closed, as `| head -1`
/// does; return the exit code and stderr.
fn closed_early(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    use std::io::{BufRead, Read};
    let mut child = env
        .cmd(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty(), "{args:?} printed nothing");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

/// `evidentia completions bash | head` and `evidentia demo | head`: the
/// reader going away is not an error, and never a panic.
#[test]
fn a_reader_that_stops_early_is_not_a_panic() {
    let env = Env::new();
    for args in [&["completions", "bash"][..], &["demo", "--dir", "d"][..]] {
        let (code, stderr) = closed_early(&env, args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
    }
}

/// `evidentia seal ... 2>&1 | head -c0`: a closed stderr does not turn an
/// error into a panic; the command keeps its own exit code.
#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let env = Env::new();
    examiner(&env, "Jana Examiner");
    env.write("ev/a.txt", b"e");
    let mut child = env
        .cmd(["seal", "ev", "--case", "C", "--out", "missing/x.zip"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(2));
}

/// A day that does not exist is refused before anything is written, never
/// rolled over into March and signed into the seal event.
#[test]
fn an_impossible_date_is_refused() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    env.write("ev/a.txt", b"e");
    let exported = env.run(["key", "export", &id]);
    env.write("x.pub", &exported.stdout);
    for time in [
        "2026-02-31T12:00:00Z",
        "2025-02-29T12:00:00Z",
        "2026-04-31T00:00:00Z",
    ] {
        let r = env.run([
            "seal", "ev", "--case", "C", "--out", "x.zip", "--time", time,
        ]);
        r.expect_code(2);
        assert!(r.stderr.contains(time), "{}", r.stderr);
        assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
        assert!(!env.path().join("x.zip").exists());
    }
    // Custody events and certificate dates too, with the reason said.
    let r = env.run([
        "custody",
        "add",
        "x.zip",
        "--action",
        "note",
        "--time",
        "2026-02-30T08:00:00Z",
    ]);
    r.expect_code(2);
    assert!(r.stderr.contains("there is no day 30"), "{}", r.stderr);
    let r = env.run([
        "key",
        "certify",
        "x.pub",
        "--with",
        "root",
        "--valid-from",
        "2027-02-29",
    ]);
    r.expect_code(2);
    assert!(r.stderr.contains("2027-02 has 28 days"), "{}", r.stderr);
    // A leap day that exists is fine.
    env.run([
        "seal",
        "ev",
        "--case",
        "C",
        "--out",
        "x.zip",
        "--time",
        "2024-02-29T12:00:00Z",
    ])
    .expect_code(0);
}
