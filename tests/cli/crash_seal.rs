//! Crash safety of `seal`: a disk-full failure at every output operation
//! in turn, SIGKILL before every operation in turn, and a real full disk.
//! Each time: no bundle at --out unless a complete one that verifies, no
//! temporary file left by a failure, a leftover from a kill neither taken
//! for the bundle nor blocking the next seal, and the evidence and an
//! earlier bundle untouched (bytes, mtime, atime).

use crate::crash::{
    Snapshot, Tmpfs, age, assert_untouched, fail_at, kill_at_every_op, kinds, names, snapshot,
};
use crate::harness::Env;
use crate::locker::{examiner, seal};
use std::path::Path;
use std::process::Command;

const TIME: &str = "2024-05-01T12:00:00Z";

/// Evidence with a 12.6 MB file (several writes of up to 2 MiB), small files and
/// an earlier bundle; all aged so that a read would move their atime.
fn setup(env: &Env) -> (Snapshot, Snapshot) {
    examiner(env);
    let big: Vec<u8> = (0..12_600_000u32).map(|i| (i * 7 % 251) as u8).collect();
    env.write("ev/big.bin", &big);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &vec![7u8; 100_000]);
    env.write("old/c.txt", b"earlier evidence\n");
    seal(env, "old", "old.zip", "CASE-0");
    std::fs::create_dir(env.path().join("out")).unwrap();
    age(&env.path().join("ev"));
    (
        snapshot(&env.path().join("ev")),
        snapshot(&env.path().join("old.zip")),
    )
}

fn seal_cmd(env: &Env, out: &str) -> Command {
    let mut c = env.cmd(["seal", "ev", "--out", out, "--case", "CASE-1"]);
    c.args(["--time", TIME]);
    c
}

#[track_caller]
fn verifies(env: &Env, bundle: &Path) {
    env.run([std::ffi::OsStr::new("verify"), bundle.as_os_str()])
        .expect_code(0);
}

fn is_leftover(name: &str) -> bool {
    name.starts_with(".new.zip.") && name.ends_with(".evidentia-tmp")
}

#[test]
fn seal_disk_full_at_every_write_leaves_nothing() {
    let env = Env::new();
    let (ev, old) = setup(&env);
    let out = env.path().join("out");
    let mut failed = 0;
    for n in 1.. {
        let r = fail_at(&env, seal_cmd(&env, "out/new.zip"), n);
        let when = format!("failure at op {n}");
        assert_untouched(&ev, &env.path().join("ev"), &when);
        assert_untouched(&old, &env.path().join("old.zip"), &when);
        if r.code == 0 {
            // The last operation (the directory fsync after the rename)
            // cannot be undone and is not reported; or n is past the end.
            assert_eq!(names(&out), ["new.zip"], "{when}");
            verifies(&env, &out.join("new.zip"));
            break;
        }
        r.expect_code(2);
        assert!(
            r.stderr.contains("No space left on device") && r.stderr.contains("new.zip"),
            "{when}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("disk is full"), "{when}: {}", r.stderr);
        assert_eq!(names(&out), Vec::<String>::new(), "{when}");
        failed += 1;
        assert!(n < 500);
    }
    // Every write of the 12.6 MB file (the engine's 2 MiB blocks), the
    // buffered small entries and tag files, the fsync and the rename.
    assert!(failed >= 12, "only {failed} operations failed");
}

#[test]
fn seal_kill_9_before_every_operation() {
    let env = Env::new();
    let (ev, old) = setup(&env);
    let out = env.path().join("out");
    let mut complete = 0;
    let ops = kill_at_every_op(
        || seal_cmd(&env, "out/new.zip"),
        |n, what| {
            let when = format!("kill before op {n} ({what})");
            assert_untouched(&ev, &env.path().join("ev"), &when);
            assert_untouched(&old, &env.path().join("old.zip"), &when);
            let left = names(&out);
            // At most the leftover of this kill: each run removes the
            // leftovers of dead runs before it starts.
            let tmp: Vec<&String> = left.iter().filter(|n| is_leftover(n)).collect();
            assert!(tmp.len() <= 1, "{when}: {left:?}");
            if left.iter().any(|n| n == "new.zip") {
                // Killed after the rename: complete.
                assert_eq!(left, ["new.zip"], "{when}");
                verifies(&env, &out.join("new.zip"));
                std::fs::remove_file(out.join("new.zip")).unwrap();
                complete += 1;
            } else {
                assert_eq!(left.len(), tmp.len(), "{when}: {left:?}");
            }
            if n % 8 == 0 {
                // The next seal copes with the leftover and succeeds.
                env.run_cmd(&mut seal_cmd(&env, "out/again.zip"))
                    .expect_code(0);
                verifies(&env, &out.join("again.zip"));
                std::fs::remove_file(out.join("again.zip")).unwrap();
            }
        },
    );
    // The run that was not killed removed the last leftover.
    assert_eq!(names(&out), ["new.zip"]);
    verifies(&env, &out.join("new.zip"));
    let k = kinds(&ops);
    eprintln!("seal: killed before {} operations: {k:?}", ops.len());
    for kind in ["create", "write", "fsync", "rename", "fsync-dir"] {
        assert!(k.contains_key(kind), "no {kind} among {k:?}");
    }
    assert!(k["write"] >= 10, "{k:?}");
    assert_eq!(
        complete, 1,
        "only the kill after the rename leaves a bundle"
    );
}

#[test]
fn seal_onto_a_really_full_disk_leaves_nothing() {
    let env = Env::new();
    let (ev, _) = setup(&env);
    let Some(fs) = Tmpfs::mount(&env, "2m") else {
        return;
    };
    let target = fs.dir.join("new.zip");
    let mut c = env.cmd(["seal", "ev", "--case", "CASE-1", "--out"]);
    c.arg(&target);
    let r = env.run_cmd(&mut c);
    r.expect_code(2);
    assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
    assert_eq!(names(&fs.dir), Vec::<String>::new());
    assert_untouched(&ev, &env.path().join("ev"), "full disk");
}
