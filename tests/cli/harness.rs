#![allow(dead_code)]
//! A small harness: run the real `evidentia` binary in a temporary
//! directory with a scrubbed environment, and find peer tools.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch directory with its own evidentia home.
pub struct Env {
    pub dir: tempfile::TempDir,
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Panic with the full output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            code,
            "exit code {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout_str(),
            self.stderr
        );
        self
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    /// A command with a scrubbed environment, run in the scratch directory.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = Command::new(env!("CARGO_BIN_EXE_evidentia"));
        c.args(args)
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("EVIDENTIA_HOME", self.home())
            .env("HOME", self.path())
            .env("LC_ALL", "C");
        c
    }

    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_cmd(self.cmd(args).stdin(Stdio::null()))
    }

    pub fn run_stdin<I, S>(&self, args: I, input: &[u8]) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn evidentia");
        let mut stdin = child.stdin.take().expect("stdin");
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
        let out = child.wait_with_output().expect("wait");
        writer.join().expect("writer");
        to_run(out)
    }

    pub fn run_cmd(&self, cmd: &mut Command) -> Run {
        to_run(cmd.output().expect("run evidentia"))
    }

    /// Run a command to completion and also return its peak resident set
    /// size in KiB (from `wait4`'s rusage, so it covers the whole life of
    /// the process and nothing else). Output is captured through temporary
    /// files so that the child is reaped by `wait4` itself.
    ///
    /// The child is forked, not vforked: a child that shares our memory
    /// until exec inherits our peak RSS as its own (Linux carries the old
    /// memory's high-water mark across exec), so every measurement would be
    /// at least the test process's peak. Forked, it starts from our current
    /// RSS instead.
    pub fn run_cmd_rss(&self, cmd: &mut Command) -> (Run, u64) {
        use std::os::unix::process::{CommandExt, ExitStatusExt};
        // SAFETY: the hook does nothing; its presence makes std fork.
        unsafe { cmd.pre_exec(|| Ok(())) };
        let out_path = self.path().join(".rss-stdout");
        let err_path = self.path().join(".rss-stderr");
        let out = std::fs::File::create(&out_path).expect("stdout file");
        let err = std::fs::File::create(&err_path).expect("stderr file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn evidentia");
        let pid = child.id() as libc::pid_t;
        let mut status: libc::c_int = 0;
        // SAFETY: rusage is plain old data; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
        std::mem::forget(child);
        let status = std::process::ExitStatus::from_raw(status);
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: std::fs::read(&out_path).expect("read stdout"),
            stderr: String::from_utf8_lossy(&std::fs::read(&err_path).expect("read stderr"))
                .into_owned(),
        };
        let _ = std::fs::remove_file(&out_path);
        let _ = std::fs::remove_file(&err_path);
        (run, usage.ru_maxrss as u64)
    }

    pub fn write(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(&p, data).expect("write");
        p
    }
}

fn to_run(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Find a peer tool on PATH. When it is missing, the test is skipped with a
/// printed note, unless EVIDENTIA_REQUIRE_PEERS=1 (set by `.ci/run`), which
/// turns a missing peer into a failure.
pub fn peer(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(tool);
        if p.is_file() {
            return Some(p);
        }
    }
    if std::env::var("EVIDENTIA_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("peer tool {tool} is required (EVIDENTIA_REQUIRE_PEERS=1) but not installed");
    }
    eprintln!("skipped: {tool} not installed");
    None
}

/// Run a peer tool in `dir`, returning its output.
pub fn run_peer(tool: &Path, args: &[&OsStr], dir: &Path) -> Output {
    Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run peer tool")
}

/// The modification times of `src`'s entries by name, for a rewritten
/// copy that keeps them (verify requires the seal's and events' times):
/// a name not in `src` gets the seal time (manifest.json's).
pub fn entry_times(src: &Path) -> impl Fn(&str) -> evidentia::bundle::DosTime + use<> {
    use evidentia::bundle::{Archive, DosTime};
    let (a, _) = Archive::open(src).unwrap();
    let map: std::collections::HashMap<String, DosTime> =
        a.entries().map(|e| (e.name.clone(), e.modified)).collect();
    let seal = map
        .iter()
        .find(|(n, _)| n.ends_with("/evidentia/manifest.json"))
        .map_or(DosTime::from_unix(0), |(_, t)| *t);
    move |n| map.get(n).copied().unwrap_or(seal)
}
