//! The locker on PostgreSQL (issue 21): what only a server shared by many
//! processes can show. Eight ingests at once, of distinct bundles and of
//! one bundle; a longer chain and a conflicting one racing while another
//! ingest holds its transaction open; an ingest killed with SIGKILL inside
//! its transaction; the server restarted under an ingest; the append-only
//! tables refusing UPDATE, DELETE and TRUNCATE from psql; a password from
//! a PGPASSFILE (and refused from one others can read); and a password in
//! `--locker` never printed.
//!
//! Each test needs `EVIDENTIA_TEST_PG` (backend.rs); without it it prints
//! `skipped: ...`, and fails under `EVIDENTIA_REQUIRE_PEERS=1`. The restart
//! and password tests start a cluster of their own with
//! `scripts/pg-cluster` (as root the server runs as an unprivileged user).

use crate::backend::TestLocker;
use crate::harness::{Env, Run, skip};
use crate::locker::{examiner, json_lines, seal, transfer};
use std::ffi::OsStr;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How many ingests run at once.
const N: usize = 8;

/// A password that must never be printed.
const SECRET: &str = "Pw-never-printed-7fz";

/// True when the PostgreSQL tests can run; otherwise prints why (or fails
/// under EVIDENTIA_REQUIRE_PEERS=1).
#[track_caller]
fn pg_enabled() -> bool {
    let on = crate::backend::pg::admin().is_some();
    if !on {
        skip("EVIDENTIA_TEST_PG not set");
    }
    on
}

/// `--json ingest BUNDLE --locker L` as a command.
fn ingest_cmd(env: &Env, bundle: &Path, l: &str) -> Command {
    env.cmd([
        OsStr::new("--json"),
        OsStr::new("ingest"),
        bundle.as_os_str(),
        OsStr::new("--locker"),
        OsStr::new(l),
    ])
}

/// Start every command at once, then wait for all of them.
fn all_at_once(cmds: Vec<Command>) -> Vec<Run> {
    let children: Vec<Child> = cmds
        .into_iter()
        .map(|mut c| {
            c.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn evidentia")
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("wait");
            Run {
                code: out.status.code().unwrap_or(-1),
                stdout: out.stdout,
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .collect()
}

/// `files` small files and one of 1 MiB under `dir`, sealed as `out`.
fn bundle(env: &Env, dir: &str, out: &str, case: &str, files: usize) -> PathBuf {
    for i in 0..files {
        env.write(
            &format!("{dir}/f{i:04}.txt"),
            format!("{dir} {i}\n").as_bytes(),
        );
    }
    let big: Vec<u8> = (0..1u32 << 20).map(|i| (i * 13 % 251) as u8).collect();
    env.write(&format!("{dir}/big.bin"), &big);
    seal(env, dir, out, case)
}

/// The audit log's results, in order.
fn audit_results(l: &TestLocker) -> Vec<String> {
    l.rows("SELECT result FROM audit ORDER BY id")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

#[test]
fn pg_eight_ingests_of_distinct_bundles_all_record() {
    if !pg_enabled() {
        return;
    }
    let env = Env::new();
    examiner(&env);
    let bundles: Vec<PathBuf> = (0..N)
        .map(|i| bundle(&env, &format!("ev{i}"), &format!("b{i}.zip"), "CASE-P", 100))
        .collect();
    // A new database: the eight also race to create the locker's tables.
    let l = TestLocker::new(&env);
    assert!(l.is_postgres());
    let runs = all_at_once(
        bundles
            .iter()
            .map(|b| ingest_cmd(&env, b, &l.arg()))
            .collect(),
    );
    for r in &runs {
        r.expect_code(0);
        assert_eq!(json_lines(r)[0]["outcome"], "added", "{}", r.stdout_str());
    }
    assert_eq!(l.count("bundles"), N as i64);
    assert_eq!(l.count("files"), (N * 101) as i64);
    assert_eq!(l.count("custody_events"), N as i64);
    assert_eq!(audit_results(&l), vec!["added (verified)"; N]);
    assert_eq!(l.schema_version(), Some(evidentia::locker::CURRENT_VERSION));
    let r = env.run(l.with(&["locker", "verify"]));
    r.expect_code(0);
}

#[test]
fn pg_eight_ingests_of_one_bundle_record_it_once() {
    if !pg_enabled() {
        return;
    }
    let env = Env::new();
    examiner(&env);
    let b = bundle(&env, "ev", "b.zip", "CASE-1", 300);
    let l = TestLocker::new(&env);
    let runs = all_at_once((0..N).map(|_| ingest_cmd(&env, &b, &l.arg())).collect());
    let mut outcomes: Vec<String> = runs
        .iter()
        .map(|r| {
            r.expect_code(0);
            json_lines(r)[0]["outcome"].as_str().unwrap().to_string()
        })
        .collect();
    outcomes.sort();
    let mut want = vec!["added".to_string()];
    want.extend(vec!["unchanged".to_string(); N - 1]);
    assert_eq!(outcomes, want);
    assert_eq!(l.count("bundles"), 1);
    assert_eq!(l.count("files"), 301);
    assert_eq!(l.count("custody_events"), 1);
    let audit = audit_results(&l);
    assert_eq!(audit.len(), N, "{audit:?}");
    assert_eq!(
        audit.iter().filter(|r| *r == "added (verified)").count(),
        1,
        "{audit:?}"
    );
    assert_eq!(
        audit
            .iter()
            .filter(|r| *r == "unchanged (verified)")
            .count(),
        N - 1,
        "{audit:?}"
    );
}

/// A paused `ingest`: it has done all its writes and waits before its
/// commit, its transaction open, until killed (or the pause ends).
struct Paused {
    child: Child,
    stderr: std::io::BufReader<std::process::ChildStderr>,
}

/// Run `cmd` until it pauses before its commit (docs/testing.md: the
/// pause hook). `pause_secs` asks the hook to wait that long instead of a
/// minute (EVIDENTIA_TEST_PAUSE_SECS; a build without it waits a minute).
#[track_caller]
// The child is waited for by Paused::kill or Paused::finish.
#[allow(clippy::zombie_processes)]
fn paused_before_commit(mut cmd: Command, pause_secs: u32) -> Paused {
    cmd.env("EVIDENTIA_TEST_PAUSE_OP", "1")
        .env("EVIDENTIA_TEST_PAUSE_SECS", pause_secs.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn evidentia");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let mut before = String::new();
    loop {
        line.clear();
        if stderr.read_line(&mut line).expect("read stderr") == 0 {
            let status = child.wait();
            panic!("it ended without pausing: {status:?}\n{before}");
        }
        before.push_str(&line);
        if let Some(rest) = line.strip_prefix("evidentia-test: paused before op 1 (") {
            assert!(rest.starts_with("commit "), "{line}");
            return Paused { child, stderr };
        }
    }
}

impl Paused {
    /// SIGKILL it.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// Let it finish; its exit code, stdout and the rest of its stderr.
    fn finish(mut self) -> Run {
        use std::io::Read;
        let mut err = String::new();
        self.stderr.read_to_string(&mut err).expect("stderr");
        let out = self.child.wait_with_output().expect("wait");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: err,
        }
    }
}

#[test]
fn pg_chains_race_while_another_ingest_holds_its_transaction() {
    if !pg_enabled() {
        return;
    }
    let env = Env::new();
    let id = examiner(&env);
    env.write("ev/a.txt", b"hello\n");
    let b = seal(&env, "ev", "b.zip", "CASE-X");
    let other = bundle(&env, "ev2", "other.zip", "CASE-Y", 200);
    let l = TestLocker::new(&env);
    env.run(l.with(&["ingest", b.to_str().unwrap()]))
        .expect_code(0);
    // Two continuations of the recorded chain (one event): each adds an
    // event 2 of its own, so whichever is recorded first, the other
    // conflicts with it.
    let fork = env.path().join("fork.zip");
    std::fs::copy(&b, &fork).unwrap();
    for (bundle, time) in [
        (&b, "2024-05-02T00:00:00Z"),
        (&fork, "2024-06-01T00:00:00Z"),
    ] {
        transfer(&env, bundle, &id, time);
    }
    let copies: Vec<PathBuf> = (0..N)
        .map(|i| {
            let c = env.path().join(format!("copy{i}.zip"));
            std::fs::copy(if i % 2 == 0 { &b } else { &fork }, &c).unwrap();
            c
        })
        .collect();
    // Another bundle's ingest holds its transaction open meanwhile: it
    // must not hold the others up.
    let held = paused_before_commit(ingest_cmd(&env, &other, &l.arg()), 60);
    let t0 = std::time::Instant::now();
    let runs = all_at_once(
        copies
            .iter()
            .map(|c| ingest_cmd(&env, c, &l.arg()))
            .collect(),
    );
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(50),
        "the ingests waited for the paused one"
    );
    let winner = runs
        .iter()
        .position(|r| r.code == 0 && json_lines(r)[0]["outcome"] == "extended")
        .expect("one chain was recorded");
    for (i, r) in runs.iter().enumerate() {
        if i % 2 == winner % 2 {
            r.expect_code(0);
            let outcome = &json_lines(r)[0]["outcome"];
            assert!(
                outcome == "extended" && i == winner || outcome == "unchanged",
                "{i}: {outcome}"
            );
        } else {
            r.expect_code(1);
            assert!(r.stderr.contains("conflicts"), "{i}: {}", r.stderr);
        }
    }
    assert_eq!(l.count("custody_events"), 2);
    let audit = audit_results(&l);
    let refused = audit
        .iter()
        .filter(|r| *r == "refused-chain-conflict (verified)")
        .count();
    assert_eq!((audit.len(), refused), (1 + N, N / 2), "{audit:?}");
    // The held ingest, killed, left nothing; once again, it records.
    held.kill();
    assert_eq!(l.count("bundles"), 1);
    env.run(l.with(&["ingest", other.to_str().unwrap()]))
        .expect_code(0);
    assert_eq!(l.count("bundles"), 2);
    env.run(l.with(&["locker", "verify"])).expect_code(0);
}

#[test]
fn pg_ingest_killed_inside_its_transaction_leaves_nothing() {
    if !pg_enabled() {
        return;
    }
    let env = Env::new();
    examiner(&env);
    let first = bundle(&env, "ev0", "first.zip", "CASE-0", 10);
    let b = bundle(&env, "ev", "b.zip", "CASE-1", 500);
    let l = TestLocker::new(&env);
    env.run(l.with(&["ingest", first.to_str().unwrap()]))
        .expect_code(0);
    let before: Vec<i64> = ["bundles", "files", "items", "custody_events", "audit"]
        .iter()
        .map(|t| l.count(t))
        .collect();
    paused_before_commit(ingest_cmd(&env, &b, &l.arg()), 60).kill();
    let after: Vec<i64> = ["bundles", "files", "items", "custody_events", "audit"]
        .iter()
        .map(|t| l.count(t))
        .collect();
    assert_eq!(before, after, "bundles, files, items, events, audit");
    // The server ends the dead client's session and its locks with it:
    // ingesting again neither waits nor finds anything half-done.
    let t0 = std::time::Instant::now();
    let r = env.run_cmd(&mut ingest_cmd(&env, &b, &l.arg()));
    r.expect_code(0);
    assert!(t0.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(json_lines(&r)[0]["outcome"], "added");
    assert_eq!(l.count("files"), before[1] + 501);
    env.run(l.with(&["locker", "verify"])).expect_code(0);
}

#[test]
fn pg_append_only_tables_refuse_update_delete_and_truncate() {
    if !pg_enabled() {
        return;
    }
    let env = Env::new();
    let good = crate::locker::setup(&env);
    let l = TestLocker::new(&env);
    env.run(l.with(&["ingest", good.to_str().unwrap()]))
        .expect_code(0);
    for (table, column) in [("audit", "detail"), ("custody_events", "seq")] {
        let n = l.count(table);
        assert!(n > 0, "{table} has rows to protect");
        for sql in [
            format!("UPDATE {table} SET {column} = {column}"),
            format!("DELETE FROM {table}"),
            format!("TRUNCATE {table} CASCADE"),
        ] {
            let e = l.try_exec(&sql).expect_err(&sql);
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
        // Without CASCADE a referenced table's TRUNCATE may be refused
        // for its foreign keys before the trigger runs: refused all the same.
        let sql = format!("TRUNCATE {table}");
        l.try_exec(&sql).expect_err(&sql);
        assert_eq!(l.count(table), n, "{table}");
    }
    // exports is append-only too (it has no row here: TRUNCATE is refused
    // per statement).
    let e = l
        .try_exec("TRUNCATE exports")
        .expect_err("TRUNCATE exports");
    assert!(e.contains("append-only"), "{e}");
    env.run(l.with(&["locker", "verify"])).expect_code(0);
}

/// A cluster of the test's own (scripts/pg-cluster), stopped and removed
/// when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    /// The URL `scripts/pg-cluster` printed (database and role
    /// `evidentia`, no password in it).
    url: String,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-cluster")
}

impl Cluster {
    /// A new cluster (`extra`: options of `scripts/pg-cluster start`), or
    /// None when this machine has no PostgreSQL server (skipped).
    #[track_caller]
    fn start(extra: &[&str]) -> Option<Cluster> {
        let servers = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.path().join("bin/initdb").is_file());
        if !servers {
            skip("no PostgreSQL server here (apt install postgresql)");
            return None;
        }
        // Short: the socket's path must fit in 107 bytes.
        let dir = tempfile::Builder::new()
            .prefix("evpg")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let out = Command::new(script())
            .arg("start")
            .arg("--fast")
            .args(extra)
            .arg(dir.path())
            .output()
            .expect("run scripts/pg-cluster");
        assert!(
            out.status.success(),
            "scripts/pg-cluster start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Some(Cluster { dir, url })
    }

    /// The socket directory (the URL's host).
    fn host(&self) -> &Path {
        self.dir.path()
    }

    /// `scripts/pg-cluster restart`: a fast shutdown (open transactions
    /// rolled back, clients disconnected), then up again.
    fn restart(&self) {
        let out = Command::new(script())
            .arg("restart")
            .arg(self.dir.path())
            .output()
            .expect("run scripts/pg-cluster");
        assert!(
            out.status.success(),
            "scripts/pg-cluster restart: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .arg("remove")
            .arg(self.dir.path())
            .output();
    }
}

/// `url` with `user:password@` in its authority (the user moved there
/// from the query, where a second one would be refused).
fn with_password(url: &str, password: &str) -> String {
    let rest = url
        .strip_prefix("postgresql://")
        .expect("a postgresql:// URL");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut user = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("user=") {
            Some(u) => {
                user = Some(u);
                false
            }
            None => !kv.is_empty(),
        })
        .collect();
    let user = user.expect("a user= in the URL");
    format!("postgresql://{user}:{password}@{path}?{}", kept.join("&"))
}

/// Neither output of `r` holds `secret`.
#[track_caller]
fn never_printed(r: &Run, secret: &str, what: &str) {
    let all = format!("{}{}", r.stdout_str(), r.stderr);
    assert!(
        !all.contains(secret),
        "{what}: the password was printed: {all}"
    );
}

/// `--json ingest BUNDLE` with the locker's URL in EVIDENTIA_LOCKER (the
/// one place a URL may carry a password: not the process list).
fn ingest_env_cmd(env: &Env, bundle: &Path, url: &str) -> Command {
    let mut c = env.cmd([
        OsStr::new("--json"),
        OsStr::new("ingest"),
        bundle.as_os_str(),
    ]);
    c.env("EVIDENTIA_LOCKER", url);
    c
}

#[test]
fn pg_server_restarted_mid_ingest_is_a_clear_error_and_a_retry_records() {
    if !pg_enabled() {
        return;
    }
    let Some(cluster) = Cluster::start(&[]) else {
        return;
    };
    let env = Env::new();
    examiner(&env);
    let b = bundle(&env, "ev", "b.zip", "CASE-R", 300);
    // Trust on the socket ignores a password: it is there to be hidden.
    let url = with_password(&cluster.url, SECRET);
    let paused = paused_before_commit(ingest_env_cmd(&env, &b, &url), 3);
    cluster.restart();
    let r = paused.finish();
    r.expect_code(2);
    never_printed(&r, SECRET, "the failed commit");
    let host = cluster.host().to_str().unwrap();
    assert!(
        r.stderr.contains(host) && r.stderr.contains("evidentia"),
        "the error names the locker: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("this bundle was not recorded")
            && r.stderr.contains("Ingest it again when the server is back"),
        "the error says nothing was recorded and what to do: {}",
        r.stderr
    );
    let l = crate::backend::pg::Db::from_url(&cluster.url);
    for t in ["bundles", "files", "audit", "custody_events"] {
        assert_eq!(l.rows(&format!("SELECT count(*) FROM {t}")), [["0"]], "{t}");
    }
    let r = env.run_cmd(&mut ingest_env_cmd(&env, &b, &url));
    r.expect_code(0);
    never_printed(&r, SECRET, "the retry");
    assert_eq!(json_lines(&r)[0]["outcome"], "added");
    assert_eq!(l.rows("SELECT count(*) FROM files"), [["301"]]);
}

/// `hashset list` (which opens the locker) with the locker given as
/// `--locker ARG`, or else in EVIDENTIA_LOCKER, and a PGPASSFILE.
fn list(env: &Env, arg: Option<&str>, var: Option<&str>, pgpass: Option<&Path>) -> Run {
    let mut c = env.cmd(["hashset", "list"]);
    if let Some(a) = arg {
        c.args(["--locker", a]);
    }
    if let Some(v) = var {
        c.env("EVIDENTIA_LOCKER", v);
    }
    if let Some(p) = pgpass {
        c.env("PGPASSFILE", p);
    }
    env.run_cmd(c.stdin(Stdio::null()))
}

#[test]
fn pg_password_from_a_private_pgpassfile_only_and_never_printed() {
    if !pg_enabled() {
        return;
    }
    let Some(cluster) = Cluster::start(&["--password", SECRET]) else {
        return;
    };
    let env = Env::new();
    let host = cluster.host().to_str().unwrap();
    let url = cluster.url.as_str();
    let secret_url = with_password(url, SECRET);
    // No password anywhere: refused (no terminal to ask on).
    list(&env, Some(url), None, None).expect_code(2);
    // In an argument (the process list): refused, not used.
    let r = list(&env, Some(&secret_url), None, None);
    r.expect_code(2);
    never_printed(&r, SECRET, "a password in --locker");
    assert!(r.stderr.contains("EVIDENTIA_LOCKER"), "{}", r.stderr);
    // In EVIDENTIA_LOCKER: right, then wrong.
    let r = list(&env, None, Some(&secret_url), None);
    r.expect_code(0);
    never_printed(&r, SECRET, "a password in EVIDENTIA_LOCKER");
    let wrong = format!("{SECRET}-wrong");
    let r = list(&env, None, Some(&with_password(url, &wrong)), None);
    r.expect_code(2);
    never_printed(&r, SECRET, "a wrong password in EVIDENTIA_LOCKER");
    // From a PGPASSFILE: the first matching line wins; the host of a
    // socket connection is its directory.
    let pgpass = env.write(
        "pgpass",
        format!("# lab\nother.host:*:*:*:nope\n{host}:*:evidentia:evidentia:{SECRET}\n").as_bytes(),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = list(&env, Some(url), None, Some(&pgpass));
    r.expect_code(0);
    never_printed(&r, SECRET, "a password from PGPASSFILE");
    // Readable by others: ignored, with a warning naming the file.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = list(&env, Some(url), None, Some(&pgpass));
    r.expect_code(2);
    never_printed(&r, SECRET, "an ignored PGPASSFILE");
    assert!(
        r.stderr.contains(pgpass.to_str().unwrap()),
        "the warning names the file: {}",
        r.stderr
    );
}

#[test]
fn pg_password_in_a_failing_locker_url_is_never_printed() {
    if !pg_enabled() {
        return;
    }
    let env = Env::new();
    let good = crate::locker::setup(&env);
    let admin = crate::backend::pg::admin().unwrap();
    let no_db = with_password(
        &crate::backend::pg::with_db(&admin, "evt_no_such_database"),
        SECRET,
    );
    let no_server = with_password(
        "postgresql:///evidentia?host=/nonexistent/socket/dir&user=evidentia",
        SECRET,
    );
    let good = good.to_str().unwrap();
    for (url, named) in [
        (&no_db, "evt_no_such_database"),
        (&no_server, "/nonexistent/socket/dir"),
    ] {
        for args in [
            &["ingest", good][..],
            &["--json", "ingest", good],
            &["locker", "list"],
            &["--json", "locker", "list"],
            &["hashset", "list"],
        ] {
            // In an argument (refused unused) and in EVIDENTIA_LOCKER
            // (used, and the connection fails).
            let mut with_arg: Vec<&str> = args.to_vec();
            with_arg.extend(["--locker", url]);
            let mut in_var = env.cmd(args);
            in_var.env("EVIDENTIA_LOCKER", url);
            let refused = env.run(&with_arg);
            let failed = env.run_cmd(&mut in_var);
            for r in [&refused, &failed] {
                r.expect_code(2);
                never_printed(r, SECRET, &format!("{args:?} {url}"));
                assert!(r.stderr.contains("evidentia:"), "{}", r.stderr);
            }
            assert!(
                refused.stderr.contains("EVIDENTIA_LOCKER"),
                "{}",
                refused.stderr
            );
            // It got as far as the server, and says which locker failed.
            assert!(failed.stderr.contains(named), "{}", failed.stderr);
        }
    }
}
