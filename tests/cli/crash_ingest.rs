//! Crash safety of `ingest` (two new bundles into a locker that holds one,
//! with a content-addressed store): a disk-full failure at every output
//! operation in turn (store copy chunks, fsync, link, directory fsync,
//! the locker's commit) and SIGKILL before every one, on either backend
//! (backend.rs). Each time the locker passes `integrity_check` (SQLite)
//! and `locker verify`, and holds exactly what it
//! held before, or that plus each bundle whose transaction committed, in
//! full; the store holds only complete files named by their SHA-256 (and,
//! after a kill, at most one temporary file, removed by the next run); the
//! bundles and the earlier stored copy are untouched; ingesting again
//! succeeds.

use crate::backend::TestLocker;
use crate::crash::{Snapshot, Tmpfs, assert_unchanged, fail_at, kill_at_every_op, kinds, snapshot};
use crate::harness::Env;
use crate::locker::{examiner, seal};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundles recorded: id, status, zip hash, head, and file, event and
/// item counts; then the number of audit rows.
fn state(l: &TestLocker) -> (Vec<String>, i64) {
    l.assert_integrity();
    let rows = l
        .rows(
            "SELECT b.bundle_id, b.status, b.zip_sha256, b.custody_head,
             (SELECT count(*) FROM files f WHERE f.bundle = b.id),
             (SELECT count(*) FROM custody_events e WHERE e.bundle = b.id),
             (SELECT count(*) FROM items i WHERE i.bundle = b.id)
             FROM bundles b ORDER BY b.bundle_id",
        )
        .into_iter()
        .map(|r| {
            format!(
                "{} {} {} {} files={} events={} items={}",
                r[0], r[1], r[2], r[3], r[4], r[5], r[6]
            )
        })
        .collect();
    (rows, l.count("audit"))
}

/// Every file in the store is `sha256/ab/HEX.zip` holding bytes whose
/// SHA-256 is HEX, or a temporary `.HEX.PID.evidentia-tmp`; returns how
/// many temporary files there are.
#[track_caller]
fn check_store(store: &Path) -> usize {
    let mut tmp = 0;
    for sub in std::fs::read_dir(store.join("sha256")).unwrap() {
        let sub = sub.unwrap().path();
        for f in std::fs::read_dir(&sub).unwrap() {
            let f = f.unwrap().path();
            let name = f.file_name().unwrap().to_str().unwrap().to_string();
            if name.ends_with(".evidentia-tmp") {
                tmp += 1;
                continue;
            }
            let hex: String = Sha256::digest(std::fs::read(&f).unwrap())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(name, format!("{hex}.zip"), "{}", f.display());
            assert!(sub.ends_with(&hex[..2]));
        }
    }
    tmp
}

struct Setup {
    env: Env,
    /// The locker and store holding the earlier bundle.
    base: (TestLocker, PathBuf),
    /// The bundles (ingest's inputs) and the earlier stored copy.
    inputs: Vec<(PathBuf, Snapshot)>,
    /// States: before, with a.zip, with both.
    states: [(Vec<String>, i64); 3],
}

fn setup() -> Setup {
    let env = Env::new();
    examiner(&env);
    env.write("ev0/x.txt", b"earlier\n");
    let old = seal(&env, "ev0", "old.zip", "CASE-0");
    // 2.6 MB: three 1 MiB chunks into the store.
    let big: Vec<u8> = (0..2_600_000u32).map(|i| (i * 31 % 239) as u8).collect();
    env.write("eva/big.bin", &big);
    env.write("eva/y.txt", b"a\n");
    seal(&env, "eva", "a.zip", "CASE-A");
    env.write("evb/z.txt", b"b\n");
    seal(&env, "evb", "b.zip", "CASE-B");
    let base = (
        TestLocker::named(&env, "base"),
        env.path().join("base-store"),
    );
    let mut c = env.cmd(["ingest"]);
    c.arg(&old)
        .arg("--locker")
        .arg(base.0.arg())
        .arg("--store")
        .arg(&base.1);
    env.run_cmd(&mut c).expect_code(0);
    let mut states = [state(&base.0), (Vec::new(), 0), (Vec::new(), 0)];
    let (l, s) = fresh(&env, &base, "ref");
    for (i, b) in ["a.zip", "b.zip"].iter().enumerate() {
        env.run_cmd(&mut ingest_cmd(&env, &[b], &l, &s))
            .expect_code(0);
        states[i + 1] = state(&l);
    }
    let inputs = [
        "old.zip".into(),
        "a.zip".into(),
        "b.zip".into(),
        PathBuf::from("base-store"),
    ]
    .into_iter()
    .map(|p: PathBuf| {
        let p = env.path().join(p);
        let snap = snapshot(&p);
        (p, snap)
    })
    .collect();
    Setup {
        env,
        base,
        inputs,
        states,
    }
}

/// A copy of the base locker and store under `tag`.
fn fresh(env: &Env, base: &(TestLocker, PathBuf), tag: &str) -> (TestLocker, PathBuf) {
    let s = env.path().join(format!("{tag}-store"));
    if !base.0.is_postgres() {
        // The base locker was closed cleanly: its WAL is checkpointed away.
        let wal = format!("{}-wal", base.0.path().display());
        assert!(!Path::new(&wal).exists());
    }
    let l = base.0.copy_as(env, tag);
    let status = Command::new("cp").arg("-a").arg(&base.1).arg(&s).status();
    assert!(status.unwrap().success());
    (l, s)
}

fn ingest_cmd(env: &Env, bundles: &[&str], l: &TestLocker, s: &Path) -> Command {
    let mut c = env.cmd(["ingest"]);
    c.args(bundles)
        .arg("--locker")
        .arg(l.arg())
        .arg("--store")
        .arg(s);
    c
}

#[track_caller]
fn locker_verifies(env: &Env, l: &TestLocker, s: &Path) {
    let mut c = env.cmd(["locker", "verify", "--locker"]);
    c.arg(l.arg()).arg("--store").arg(s);
    env.run_cmd(&mut c).expect_code(0);
}

/// The invariants after a failure or a kill; returns how many bundles of
/// the two are recorded.
#[track_caller]
fn check(st: &Setup, l: &TestLocker, s: &Path, when: &str) -> usize {
    for (p, snap) in &st.inputs {
        assert_unchanged(snap, p, when);
    }
    let now = state(l);
    let Some(i) = st.states.iter().position(|x| *x == now) else {
        panic!(
            "{when}: the locker holds {now:?}, not one of {:?}",
            st.states
        );
    };
    locker_verifies(&st.env, l, s);
    i
}

#[test]
fn ingest_disk_full_at_every_write_keeps_the_locker_whole() {
    let st = setup();
    let env = &st.env;
    let mut seen = [0; 3];
    for n in 1.. {
        let (l, s) = fresh(env, &st.base, &format!("f{n}"));
        let r = fail_at(env, ingest_cmd(env, &["a.zip", "b.zip"], &l, &s), n);
        let when = format!("failure at op {n}");
        let i = check(&st, &l, &s, &when);
        assert_eq!(check_store(&s), 0, "{when}: a temporary file was left");
        l.discard();
        if r.code == 0 {
            assert_eq!(i, 2, "{when}");
            break;
        }
        r.expect_code(2);
        assert!(
            r.stderr.contains("No space left on device"),
            "{when}: {}",
            r.stderr
        );
        seen[i] += 1;
        assert!(n < 200);
    }
    // Failures before a.zip committed, and between the two commits.
    assert!(seen[0] >= 8 && seen[1] >= 5, "{seen:?}");
}

#[test]
fn ingest_kill_9_before_every_operation() {
    let st = setup();
    let env = &st.env;
    let mut seen = [0; 3];
    let mut n_run = 0;
    let mut paths = Vec::new();
    let ops = kill_at_every_op(
        || {
            n_run += 1;
            let (l, s) = fresh(env, &st.base, &format!("k{n_run}"));
            let c = ingest_cmd(env, &["a.zip", "b.zip"], &l, &s);
            paths.push((l, s));
            c
        },
        |_, _| {},
    );
    // The checks run after all kills (the make closure holds the paths).
    for (n, (l, s)) in paths.iter().enumerate().take(ops.len()) {
        let when = format!("kill before op {} ({})", n + 1, ops[n]);
        let i = check(&st, l, s, &when);
        assert!(check_store(s) <= 1, "{when}");
        seen[i] += 1;
        // Ingesting again completes the locker and clears the leftover.
        env.run_cmd(&mut ingest_cmd(env, &["a.zip", "b.zip"], l, s))
            .expect_code(0);
        assert_eq!(state(l).0, st.states[2].0, "{when}: after ingesting again");
        assert_eq!(check_store(s), 0, "{when}: after ingesting again");
    }
    for (l, _) in paths {
        l.discard();
    }
    let k = kinds(&ops);
    eprintln!("ingest: killed before {} operations: {k:?}", ops.len());
    for kind in ["create", "write", "fsync", "link", "fsync-dir", "commit"] {
        assert!(k.contains_key(kind), "no {kind} among {k:?}");
    }
    assert_eq!(k["commit"], 2);
    assert!(k["write"] >= 4, "{k:?}");
    // Killed before a.zip's commit, and between the two commits.
    assert!(seen[0] >= 6 && seen[1] >= 4, "{seen:?}");
}

/// Free bytes on the file system holding `dir`.
fn free_bytes(dir: &Path) -> u64 {
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path and a zeroed statvfs to fill.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
    st.f_bavail as u64 * st.f_frsize as u64
}

#[test]
fn ingest_into_a_locker_on_a_really_full_disk_changes_nothing() {
    let env = Env::new();
    examiner(&env);
    env.write("ev0/x.txt", b"earlier\n");
    let old = seal(&env, "ev0", "old.zip", "CASE-0");
    // 1500 files: a transaction of several hundred KiB of pages.
    for i in 0..1500 {
        env.write(&format!("many/f{i:04}"), format!("file {i}").as_bytes());
    }
    let many = seal(&env, "many", "many.zip", "CASE-M");
    let Some(fs) = Tmpfs::mount(&env, "4m") else {
        return;
    };
    // SQLite only: a full disk under the locker's own file. A PostgreSQL
    // server's full disk is the server's (SQLSTATE 53100), out of reach
    // of a test.
    let l = TestLocker::sqlite_at(fs.dir.join("l.db"));
    let ingest = |b: &Path| {
        let mut c = env.cmd(["ingest"]);
        c.arg(b).arg("--locker").arg(l.arg());
        env.run_cmd(&mut c)
    };
    ingest(&old).expect_code(0);
    let before = state(&l);
    let before_old = snapshot(&old);
    // Fill the disk, leaving 64 KiB.
    let free = free_bytes(&fs.dir);
    let filler = fs.dir.join("filler");
    std::fs::write(&filler, vec![0u8; (free - (64 << 10)) as usize]).unwrap();
    let r = ingest(&many);
    r.expect_code(2);
    assert!(r.stderr.contains("disk is full"), "{}", r.stderr);
    assert!(r.stderr.contains("rolled back"), "{}", r.stderr);
    assert_eq!(state(&l), before);
    assert_unchanged(&before_old, &old, "full disk");
    let mut c = env.cmd(["locker", "verify", "--locker"]);
    c.arg(l.arg());
    env.run_cmd(&mut c).expect_code(0);
    // With space again, the same ingest works.
    std::fs::remove_file(&filler).unwrap();
    ingest(&many).expect_code(0);
    assert_eq!(state(&l).0.len(), 2);
}

/// `ingest --key` first appends the lab's receive event to the bundle,
/// then records it. A failure at any operation of either leaves the bundle
/// verifying (or restorable by `repair`) and the locker without it; and
/// ingesting again with --key works, also when the receive was appended
/// but the locker commit failed.
#[test]
fn ingest_with_key_fails_at_every_write_and_again_succeeds() {
    use crate::custody::{LAB_TO, T2, run, setup};
    let (agency, lab, b) = setup();
    let mut c = agency.env.cmd(["custody", "add"]);
    c.arg(&b)
        .args(["--action", "transfer", "--to", LAB_TO, "--time", T2]);
    agency.env.run_cmd(&mut c).expect_code(0);
    let sent = std::fs::read(&b).unwrap();
    let env = &lab.env;
    let mut appended_then_failed = 0;
    for n in 1.. {
        let copy = env.write(&format!("in{n}.zip"), &sent);
        let l = TestLocker::named(env, &format!("l{n}"));
        let mut c = env.cmd(["--json", "ingest", "--key", &lab.examiner, "--locker"]);
        c.arg(l.arg()).arg(&copy);
        let r = fail_at(env, c, n);
        if r.code == 0 {
            break;
        }
        let when = format!("failure at op {n}");
        r.expect_code(2);
        assert!(
            r.stderr.contains("No space left on device"),
            "{when}: {}",
            r.stderr
        );
        if journal_left(&copy) {
            run(&lab, &["repair"], &copy).expect_code(0);
        }
        let now = std::fs::read(&copy).unwrap();
        if now != sent {
            appended_then_failed += 1;
        }
        if l.schema_version().is_some() {
            assert_eq!(state(&l).0, Vec::<String>::new(), "{when}");
        }
        // Again, without a failure: the receive is appended once, and the
        // bundle is recorded with it.
        let mut c = env.cmd(["--json", "ingest", "--key", &lab.examiner, "--locker"]);
        c.arg(l.arg()).arg(&copy);
        let r = env.run_cmd(&mut c);
        r.expect_code(0);
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(v["events"], 3, "{when}: {}", r.stdout_str());
        assert!(n < 100);
    }
    // Failures after the receive was in place: removing the append
    // journal, the directory fsync after that, and the locker commit.
    assert_eq!(appended_then_failed, 3);
}

fn journal_left(b: &Path) -> bool {
    PathBuf::from(format!("{}.evidentia-append", b.display())).exists()
}
