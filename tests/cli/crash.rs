//! Shared pieces of the crash-safety tests (crash_seal, crash_acquire,
//! crash_ingest, custody_crash): run a command with a failure injected at
//! output operation N, or SIGKILL it while it waits before operation N
//! (docs/testing.md); snapshot files to prove evidence and earlier outputs
//! untouched; a small real tmpfs for a real full disk.

use crate::harness::{Env, Run, skip};
use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::os::unix::fs::MetadataExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The marker the pause hook prints.
const PAUSED: &str = "evidentia-test: paused before op ";

/// How a paused run ended.
#[derive(Debug)]
pub enum Killed {
    /// Killed while waiting before this operation (the marker's text
    /// after "paused before op N (", e.g. "fsync /tmp/.../x").
    At(String),
    /// It never reached the operation: it finished with this exit code.
    Finished(i32),
}

/// Run `cmd` with operation `n` failing with ENOSPC.
pub fn fail_at(env: &Env, mut cmd: Command, n: usize) -> Run {
    cmd.env("EVIDENTIA_TEST_FAIL_OP", n.to_string())
        .stdin(Stdio::null());
    env.run_cmd(&mut cmd)
}

/// Run `cmd` until it waits before operation `n`, then SIGKILL it.
pub fn kill_at(mut cmd: Command, n: usize) -> Killed {
    cmd.env("EVIDENTIA_TEST_PAUSE_OP", n.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn evidentia");
    let mut err = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let paused = loop {
        line.clear();
        if err.read_line(&mut line).expect("read stderr") == 0 {
            break None;
        }
        if let Some(rest) = line.trim_end().strip_prefix(PAUSED) {
            child.kill().expect("SIGKILL");
            let what = rest.split_once(" (").map_or("", |(_, w)| w);
            break Some(what.trim_end_matches(')').to_string());
        }
    };
    let status = child.wait().expect("wait");
    match paused {
        Some(what) => Killed::At(what),
        None => Killed::Finished(status.code().unwrap_or(-1)),
    }
}

/// Kill `make()`'s command before each of its operations in turn, calling
/// `check(n, what)` after each kill; returns what each operation was.
/// Stops when the command finishes without reaching operation n (it must
/// then have succeeded).
pub fn kill_at_every_op(
    mut make: impl FnMut() -> Command,
    mut check: impl FnMut(usize, &str),
) -> Vec<String> {
    let mut ops = Vec::new();
    for n in 1.. {
        match kill_at(make(), n) {
            Killed::At(what) => {
                check(n, &what);
                ops.push(what);
            }
            Killed::Finished(code) => {
                assert_eq!(code, 0, "the run with no kill failed");
                // Every command here makes output durable at least once.
                assert!(
                    n > 1,
                    "it never paused: is target/debug/evidentia a build without the \
                     test-hooks feature (a `cargo build` since `cargo test` built it)?"
                );
                break;
            }
        }
        assert!(n < 500, "more than 500 operations?");
    }
    ops
}

/// How many operations of each kind ("write", "fsync", ...) `ops` holds.
pub fn kinds(ops: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for o in ops {
        let k = o.split(' ').next().unwrap_or("").to_string();
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

/// Every regular file under `root` with its bytes, mtime and atime.
pub type Snapshot = BTreeMap<PathBuf, (Vec<u8>, (i64, i64), (i64, i64))>;

pub fn snapshot(root: &Path) -> Snapshot {
    let mut m = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let md = std::fs::symlink_metadata(&p).expect("stat");
        if md.is_dir() {
            for e in std::fs::read_dir(&p).expect("read_dir") {
                stack.push(e.expect("entry").path());
            }
        } else {
            // O_NOATIME: the snapshot itself must not move the atime.
            let mut bytes = Vec::new();
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOATIME)
                .open(&p)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .expect("read");
            m.insert(
                p,
                (
                    bytes,
                    (md.mtime(), md.mtime_nsec()),
                    (md.atime(), md.atime_nsec()),
                ),
            );
        }
    }
    m
}

/// Put every file under `root` three days in the past (mtime) and two
/// (atime), so that any read without O_NOATIME would move the atime on a
/// relatime mount.
pub fn age(root: &Path) {
    set_times(root, 2, 3);
}

/// Set every file under `root` to an access time `atime_days` and a
/// modification time `mtime_days` in the past.
pub fn set_times(root: &Path, atime_days: i64, mtime_days: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let ts = |secs: i64| libc::timespec {
        tv_sec: secs as libc::time_t,
        tv_nsec: 0,
    };
    for p in snapshot_paths(root) {
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).expect("path");
        let times = [ts(now - atime_days * 86400), ts(now - mtime_days * 86400)];
        // SAFETY: a valid path and two timespecs.
        let rc = unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), 0) };
        assert_eq!(rc, 0, "utimensat {}", p.display());
    }
}

fn snapshot_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).expect("read_dir") {
                stack.push(e.expect("entry").path());
            }
        } else {
            out.push(p);
        }
    }
    out
}

/// Assert that nothing under `root` changed since `before`, the access
/// times included.
#[track_caller]
pub fn assert_untouched(before: &Snapshot, root: &Path, when: &str) {
    compare(before, root, when, true);
}

/// Assert that no byte or mtime under `root` changed since `before`.
#[track_caller]
pub fn assert_unchanged(before: &Snapshot, root: &Path, when: &str) {
    compare(before, root, when, false);
}

#[track_caller]
fn compare(before: &Snapshot, root: &Path, when: &str, atime: bool) {
    let now = snapshot(root);
    let names = |s: &Snapshot| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&now), names(before), "{when}: files under {root:?}");
    for (p, (bytes, mtime, at)) in before {
        let (b, m, a) = &now[p];
        assert!(b == bytes, "{when}: {} changed", p.display());
        assert_eq!(m, mtime, "{when}: mtime of {}", p.display());
        if atime {
            assert_eq!(a, at, "{when}: atime of {}", p.display());
        }
    }
}

/// Names in `dir` (not recursive), sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A tmpfs of `size` mounted on a new directory under `env`, unmounted on
/// drop; `None` where mounting is not permitted (the caller skips: see
/// [`skip`], which fails the test under EVIDENTIA_REQUIRE_PEERS=1).
pub struct Tmpfs {
    pub dir: PathBuf,
}

impl Tmpfs {
    #[track_caller]
    pub fn mount(env: &Env, size: &str) -> Option<Tmpfs> {
        let dir = env.path().join(format!("tmpfs-{size}"));
        std::fs::create_dir(&dir).expect("mkdir");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            Ok(o) => {
                skip(format_args!(
                    "cannot mount a tmpfs ({}); the real full-disk case is not run",
                    String::from_utf8_lossy(&o.stderr).trim()
                ));
                None
            }
            Err(e) => {
                skip(format_args!(
                    "no mount command ({e}); the real full-disk case is not run"
                ));
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}
