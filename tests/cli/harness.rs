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
    /// size in KiB, as GNU `time` measures it ([`rss_measured`]). Output is
    /// captured through temporary files.
    pub fn run_cmd_rss(&self, cmd: &mut Command) -> (Run, u64) {
        let out_path = self.path().join(".rss-stdout");
        let err_path = self.path().join(".rss-stderr");
        let rss_path = self.path().join(".rss-kib");
        let out = std::fs::File::create(&out_path).expect("stdout file");
        let err = std::fs::File::create(&err_path).expect("stderr file");
        let status = rss_measured(cmd, &rss_path)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .status()
            .expect("spawn evidentia");
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: std::fs::read(&out_path).expect("read stdout"),
            stderr: String::from_utf8_lossy(&std::fs::read(&err_path).expect("read stderr"))
                .into_owned(),
        };
        let rss = read_rss(&rss_path);
        let _ = std::fs::remove_file(&out_path);
        let _ = std::fs::remove_file(&err_path);
        (run, rss)
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

/// True when `EVIDENTIA_REQUIRE_PEERS=1` (set by `.ci/run`): every test
/// must run in full, none may skip.
pub fn peers_required() -> bool {
    std::env::var("EVIDENTIA_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// The one way a test skips a part it cannot run here (a missing peer
/// tool, no permission to mount a tmpfs or attach a loop device): it
/// prints `skipped: <reason>` and the caller returns, or, when
/// [`peers_required`], the test fails with the reason instead. Call it
/// just before the early `return`.
#[track_caller]
pub fn skip(reason: impl std::fmt::Display) {
    if peers_required() {
        panic!("cannot skip with EVIDENTIA_REQUIRE_PEERS=1: {reason}");
    }
    eprintln!("skipped: {reason}");
}

/// Skip a part that needs a kernel facility this machine's kernel was
/// built without (device-mapper here): no package, privilege or setting of
/// `.ci/run` can add it, so this prints `skipped: <reason>` even under
/// [`peers_required`]. Only for a failure the kernel itself reported
/// (ENODEV on the facility's control device); a missing tool or privilege
/// goes through [`skip`].
pub fn kernel_lacks(reason: impl std::fmt::Display) {
    eprintln!("skipped: this kernel lacks {reason}");
}

/// Find a peer tool on PATH. When it is missing, the test is skipped with a
/// printed note ([`skip`]), unless EVIDENTIA_REQUIRE_PEERS=1 (set by
/// `.ci/run`), which turns a missing peer into a failure.
#[track_caller]
pub fn peer(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(tool);
        if p.is_file() {
            return Some(p);
        }
    }
    skip(format_args!("peer tool {tool} is not installed"));
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

/// `cmd` run under GNU `time`, which writes the peak resident set size
/// (KiB) of `cmd` alone to `rss_file`. Measured by our own `wait4`, a
/// child forked from this test process starts with this process's resident
/// memory as its high-water mark (Linux keeps it across exec), so a test
/// running beside one that holds a large buffer measured that buffer too.
/// `time` is a small process: the command it forks starts from almost
/// nothing. Its exit status is the command's.
pub fn rss_measured(cmd: &Command, rss_file: &Path) -> Command {
    let time = peer("time").expect("GNU time (apt install time) measures peak memory");
    let pre = [
        OsStr::new("-q"),
        OsStr::new("-f"),
        OsStr::new("%M"),
        OsStr::new("-o"),
        rss_file.as_os_str(),
    ];
    wrapped(&time, &pre, cmd)
}

/// `cmd` run through `program PRE...` (a wrapper such as `time` or
/// `setpriv` that ends its own arguments before the command's), with
/// `cmd`'s environment (only) and working directory.
pub fn wrapped(program: &Path, pre: &[&OsStr], cmd: &Command) -> Command {
    let mut c = Command::new(program);
    c.args(pre)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    if let Some(d) = cmd.get_current_dir() {
        c.current_dir(d);
    }
    c
}

/// The peak RSS in KiB that [`rss_measured`] wrote.
pub fn read_rss(rss_file: &Path) -> u64 {
    let text = std::fs::read_to_string(rss_file).expect("time's output");
    text.lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("time wrote {text:?}"))
}
