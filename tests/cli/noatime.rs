//! Reading a bundle leaves its access time alone: verify, report, custody
//! show, ingest (with a store copy) and locker verify open the bundle (and
//! the stored copy) with `O_NOATIME`, as evidence is. The files are aged
//! first, the access time before the modification time, so that any plain
//! read would move the access time on a `relatime` (or strictatime) mount.

use crate::crash::{Snapshot, snapshot};
use crate::harness::Env;
use crate::locker::{ingest, run, setup};
use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Set the access time of every file under `root` three days back and the
/// modification time two days back: relatime updates an access time that
/// is older than the modification time.
fn age(root: &Path) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let ts = |secs: i64| libc::timespec {
        tv_sec: secs as libc::time_t,
        tv_nsec: 0,
    };
    for p in snapshot(root).keys() {
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).expect("path");
        let times = [ts(now - 3 * 86400), ts(now - 2 * 86400)];
        // SAFETY: a valid path and two timespecs.
        let rc = unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), 0) };
        assert_eq!(rc, 0, "utimensat {}", p.display());
        let md = std::fs::metadata(p).expect("stat");
        assert!(md.atime() < md.mtime(), "{}", p.display());
    }
}

/// The snapshot of `root` (bytes, mtime, atime of each file) is unchanged.
#[track_caller]
fn unchanged(before: &Snapshot, root: &Path, when: &str) {
    let now = snapshot(root);
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "{when}: files under {}",
        root.display()
    );
    for (p, (bytes, mtime, atime)) in before {
        let (b, m, a) = &now[p];
        assert!(b == bytes, "{when}: the bytes of {} changed", p.display());
        assert_eq!(m, mtime, "{when}: mtime of {}", p.display());
        assert_eq!(a, atime, "{when}: atime of {}", p.display());
    }
}

#[test]
fn reading_a_bundle_keeps_its_access_time() {
    let env = Env::new();
    let good = setup(&env);
    // The bundle alone in its own directory, so the snapshot covers it.
    let dir = env.path().join("bundles");
    std::fs::create_dir(&dir).unwrap();
    let bundle = dir.join("good.zip");
    std::fs::rename(&good, &bundle).unwrap();
    age(&dir);
    let before = snapshot(&dir);

    let b = bundle.as_os_str();
    env.run([OsStr::new("verify"), b]).expect_code(0);
    unchanged(&before, &dir, "verify");
    for format in ["html", "md", "json", "case"] {
        env.run([
            OsStr::new("report"),
            b,
            OsStr::new("--format"),
            OsStr::new(format),
        ])
        .expect_code(0);
        unchanged(&before, &dir, &format!("report --format {format}"));
    }
    env.run([OsStr::new("custody"), OsStr::new("show"), b])
        .expect_code(0);
    unchanged(&before, &dir, "custody show");

    let store = env.path().join("store");
    ingest(&env, &bundle, &["--store", store.to_str().unwrap()]).expect_code(0);
    unchanged(&before, &dir, "ingest --store");

    // The stored copy is read by locker verify: age it too.
    age(&store);
    let stored = snapshot(&store);
    assert_eq!(stored.len(), 1, "one stored copy: {:?}", stored.keys());
    run(&env, &[OsStr::new("locker"), OsStr::new("verify")]).expect_code(0);
    unchanged(&before, &dir, "locker verify");
    unchanged(&stored, &store, "locker verify (stored copy)");
}
