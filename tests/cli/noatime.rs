//! Reading a bundle leaves its access time alone: verify, report, custody
//! show, ingest (with a store copy) and locker verify open the bundle (and
//! the stored copy) with `O_NOATIME`, as evidence is. The files are aged
//! first, the access time before the modification time, so that any plain
//! read would move the access time on a `relatime` (or strictatime) mount.

use crate::crash::{assert_untouched as unchanged, set_times, snapshot};
use crate::harness::Env;
use crate::locker::{ingest, run, setup};
use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Set the access time of every file under `root` three days back and the
/// modification time two days back: relatime updates an access time that
/// is older than the modification time.
fn age(root: &Path) {
    set_times(root, 3, 2);
    for p in snapshot(root).keys() {
        let md = std::fs::metadata(p).expect("stat");
        assert!(md.atime() < md.mtime(), "{}", p.display());
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
