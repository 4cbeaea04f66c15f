//! The hostile bundle corpus (`testdata/hostile/`, made by `make.py`):
//! `verify` and `ingest` refuse every file for its own reason, with peak
//! RSS under 100 MiB, and write nothing anywhere (zip-slip names create no
//! file, the locker and its store are unchanged). A directory, /dev/zero
//! and a FIFO given where a bundle is expected get a clear error and never
//! hang. The committed corpus is what `make.py` makes. And a legitimate
//! bundle of thousands of files passes the same limits.

use crate::harness::{Env, Run, peer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The memory ceiling for every run (KiB).
const RSS_LIMIT_KIB: u64 = 100 * 1024;

/// What `verify` must say about a corpus file.
enum Want {
    /// Exit 1, with these findings: (code, path, part of the message).
    Findings(&'static [(&'static str, &'static str, &'static str)]),
    /// Exit 1: a damaged bundle (it starts as one but does not open),
    /// with a `damaged-bundle` finding saying this.
    Damaged(&'static str),
}

/// The corpus, as documented in testdata/hostile/README.md.
const CORPUS: &[(&str, Want)] = &[
    (
        "zip_slip.zip",
        Want::Findings(&[
            (
                "container",
                "../../../../../../tmp/evidentia-hostile-slip.txt",
                "path traversal",
            ),
            (
                "container",
                "good/data/../../../evidentia-hostile-slip.txt",
                "path traversal",
            ),
            (
                "container",
                "..\\..\\evidentia-hostile-slip.txt",
                "backslash in name",
            ),
        ]),
    ),
    (
        "absolute_path.zip",
        Want::Findings(&[
            (
                "container",
                "/tmp/evidentia-hostile-absolute.txt",
                "absolute path",
            ),
            (
                "container",
                "C:/evidentia-hostile-absolute.txt",
                "absolute path",
            ),
        ]),
    ),
    (
        "symlink.zip",
        Want::Findings(&[("container", "good/data/ev/link", "symbolic link entry")]),
    ),
    (
        "duplicate.zip",
        Want::Findings(&[("container", "good/data/ev/a.txt", "duplicate entry name")]),
    ),
    (
        "case_collision.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/A.TXT",
            "collides with \"good/data/ev/a.txt\" ignoring case",
        )]),
    ),
    (
        "nul_name.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/a.txt\0.exe",
            "NUL or control character in name",
        )]),
    ),
    (
        "control_name.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/\x1b]0;pwned\x07\x1b[2J\x1b[31mx.txt",
            "NUL or control character in name",
        )]),
    ),
    (
        "non_utf8_name.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/\u{fffd}\u{fffd}.txt",
            "entry name is not UTF-8",
        )]),
    ),
    (
        "deflate_bomb.zip",
        Want::Findings(&[(
            "entry-data",
            "data/ev/a.txt",
            "data exceeds its declared size of 6 bytes",
        )]),
    ),
    (
        "size_2_63_deflate.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/a.txt",
            "declared size 9223372036854775808 impossible from",
        )]),
    ),
    (
        "size_2_63_stored.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/a.txt",
            "entry data (9223372036854775808 compressed bytes at offset 68) runs past the end",
        )]),
    ),
    (
        "overlapping.zip",
        Want::Findings(&[
            (
                "container",
                "good/data/ev/inner.txt",
                "entry data overlaps \"good/data/ev/outer.bin\"",
            ),
            (
                "container",
                "good/data/ev/outer.bin",
                "entry data overlaps \"good/data/ev/inner.txt\"",
            ),
        ]),
    ),
    (
        "shared_header.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/b.txt",
            "local header disagrees with central directory: name",
        )]),
    ),
    (
        "manifest_1gib.zip",
        Want::Findings(&[(
            "entry-data",
            "evidentia/manifest.json",
            "declared size of 1073741824 bytes is over the limit of 134217728 bytes",
        )]),
    ),
    (
        "manifest_padded.zip",
        Want::Findings(&[(
            "tag-digest-mismatch",
            "evidentia/manifest.json",
            "sha256 differs from tagmanifest-sha256.txt",
        )]),
    ),
    (
        "event_padded.zip",
        Want::Findings(&[(
            "entry-data",
            "custody/000001-seal.json",
            "declared size of 62914560 bytes is over the limit of 1048576 bytes",
        )]),
    ),
    (
        "keys_padded.zip",
        Want::Findings(&[
            (
                "entry-data",
                "keys/padding-000.pub",
                "declared size of 67108864 bytes is over the limit of 65536 bytes",
            ),
            (
                "entry-data",
                "keys/padding-001.pub",
                "declared size of 67108864 bytes is over the limit of 65536 bytes",
            ),
        ]),
    ),
    (
        "keys_many.zip",
        Want::Findings(&[
            ("keys", "keys/padding-000.pub", "not a public key"),
            (
                "keys",
                "keys/padding-299.pub",
                "not read: keys/ holds more than 16777216 bytes of key files",
            ),
        ]),
    ),
    (
        "manifest_1gib_declared.zip",
        Want::Findings(&[(
            "container",
            "good/evidentia/manifest.json",
            "declared size 1073741824 impossible from",
        )]),
    ),
    (
        "deep_json.zip",
        Want::Findings(&[(
            "manifest-json",
            "evidentia/manifest.json",
            "not a valid manifest: invalid type: sequence",
        )]),
    ),
    (
        "deep_json_event.zip",
        Want::Findings(&[(
            "custody",
            "custody/000001-seal.json",
            "not a valid custody event: invalid type: sequence",
        )]),
    ),
    (
        "cd_offset_past_end.zip",
        Want::Damaged("central directory of 758 bytes at offset 2147483392"),
    ),
    (
        "cd_size_past_end.zip",
        Want::Damaged("declares a central directory of 1780 bytes"),
    ),
    (
        "zip64_locator_outside.zip",
        Want::Damaged("ZIP64 end record outside the file"),
    ),
    (
        "entry_offset_outside.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/a.txt",
            "local header offset 2147483392 lies outside the file",
        )]),
    ),
    (
        "directory_with_data.zip",
        Want::Findings(&[("container", "good/data/ev/dir/", "directory entry")]),
    ),
    (
        "unicode_path_extra.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/a.txt",
            "extra field 0x7075 in the central header",
        )]),
    ),
    (
        "descriptor_flag.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/a.txt",
            "local header disagrees with central directory: CRC-32",
        )]),
    ),
    (
        "hidden_in_gap.zip",
        Want::Findings(&[(
            "container",
            "bytes 3299..3373",
            "belong to no entry and are not an earlier central directory",
        )]),
    ),
    (
        "windows_name.zip",
        Want::Findings(&[(
            "container",
            "good/data/ev/NUL.txt",
            "name Windows cannot carry: a component is a reserved device name",
        )]),
    ),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile")
}

fn trust_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles/trust")
}

/// Every file under `dir` with its bytes (directories as `None`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                todo.push(p.clone());
                out.insert(p, None);
            } else if meta.is_file() {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(p, Some(bytes));
            } else {
                out.insert(p, Some(b"(special)".to_vec()));
            }
        }
    }
    out
}

#[track_caller]
fn assert_unchanged(
    what: &str,
    before: &BTreeMap<PathBuf, Option<Vec<u8>>>,
    after: &BTreeMap<PathBuf, Option<Vec<u8>>>,
) {
    let added: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    let changed: Vec<_> = before
        .iter()
        .filter(|(p, v)| after.get(*p) != Some(v))
        .map(|(p, _)| p)
        .collect();
    assert!(
        added.is_empty() && changed.is_empty(),
        "{what}: added {added:?}, changed or removed {changed:?}"
    );
}

/// Run `cmd` to completion, killing it after `limit` (a hang is a
/// failure, not a wait), and return its result and peak RSS in KiB.
fn run_guarded(cmd: &mut Command, limit: Duration) -> (Run, u64) {
    use std::os::unix::process::CommandExt;
    use std::os::unix::process::ExitStatusExt;
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let rss = tempfile::NamedTempFile::new().unwrap();
    // Measured under GNU time (`harness::rss_measured`), in a process
    // group of its own so that the watchdog stops time and evidentia both.
    let mut measured = crate::harness::rss_measured(cmd, rss.path());
    let child = measured
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .expect("spawn evidentia");
    let pid = child.id() as libc::pid_t;
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if wait.recv_timeout(limit).is_err() {
            // SAFETY: kill(2) on our own child, not yet reaped (the main
            // thread reaps it only after this thread has been told).
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            return true;
        }
        false
    });
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // Wait without reaping first, so that the watchdog can never signal a
    // recycled pid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        )
    };
    assert_eq!(r, 0, "waitid: {}", std::io::Error::last_os_error());
    let _ = done.send(());
    let killed = watchdog.join().unwrap();
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    std::mem::forget(child);
    assert!(!killed, "evidentia hung and was killed after {limit:?}");
    let run = Run {
        code: std::process::ExitStatus::from_raw(status)
            .code()
            .unwrap_or(-1),
        stdout: std::fs::read(out.path()).unwrap(),
        stderr: String::from_utf8_lossy(&std::fs::read(err.path()).unwrap()).into_owned(),
    };
    let _ = usage;
    (run, crate::harness::read_rss(rss.path()))
}

const LIMIT: Duration = Duration::from_secs(120);

#[track_caller]
fn assert_rss(what: &str, rss: u64) {
    assert!(
        rss < RSS_LIMIT_KIB,
        "{what}: peak RSS {rss} KiB, over {RSS_LIMIT_KIB} KiB"
    );
}

/// Findings of a verify report or the problems of an ingest line.
fn findings(v: &Value, key: &str) -> Vec<(String, String, String)> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                    (s("code"), s("path"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[track_caller]
fn assert_reason(file: &str, what: &str, want: &Want, run: &Run, key: &str) {
    match want {
        Want::Findings(list) => {
            assert_eq!(
                run.code,
                1,
                "{file} {what}: {}{}",
                run.stdout_str(),
                run.stderr
            );
            let line = run.stdout.split(|b| *b == b'\n').next().unwrap_or(&[]);
            let v: Value = serde_json::from_slice(line).unwrap();
            let got = findings(&v, key);
            for (code, path, msg) in *list {
                assert!(
                    got.iter()
                        .any(|(c, p, m)| c == code && p == path && m.contains(msg)),
                    "{file} {what}: wanted {code} on {path:?} saying {msg:?}, got {got:#?}"
                );
            }
        }
        Want::Damaged(msg) => {
            assert_eq!(
                run.code,
                1,
                "{file} {what}: {}{}",
                run.stdout_str(),
                run.stderr
            );
            let line = run.stdout.split(|b| *b == b'\n').next().unwrap_or(&[]);
            let v: Value = serde_json::from_slice(line).unwrap();
            let got = findings(&v, key);
            assert!(
                got.iter().any(|(c, _, m)| c == "damaged-bundle"
                    && m.starts_with("damaged bundle: ")
                    && m.contains(msg)),
                "{file} {what}: wanted damaged-bundle saying {msg:?}, got {got:#?}"
            );
        }
    }
}

/// Paths the zip-slip and absolute names would reach from the scratch
/// directory (the commands run there).
fn escape_targets(env: &Env) -> Vec<PathBuf> {
    vec![
        PathBuf::from("/tmp/evidentia-hostile-slip.txt"),
        PathBuf::from("/evidentia-hostile-slip.txt"),
        PathBuf::from("/tmp/evidentia-hostile-absolute.txt"),
        env.path().join("../evidentia-hostile-slip.txt"),
        env.path().join("C:/evidentia-hostile-absolute.txt"),
    ]
}

#[test]
fn hostile_corpus_is_refused_with_reasons_in_bounded_memory_writing_nothing() {
    let trust = trust_dir();
    let env = Env::new();
    // A locker with one good bundle in it and a store, to prove that the
    // refusals leave both exactly as they were.
    let l = crate::backend::TestLocker::named(&env, "locker");
    let locker = std::ffi::OsString::from(l.arg());
    let store = env.path().join("store");
    let good = env.path().join("in/good.zip");
    std::fs::create_dir_all(good.parent().unwrap()).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles/good.zip"),
        &good,
    )
    .unwrap();
    let ingest = |bundle: &Path| {
        let mut c = env.cmd([
            OsStr::new("--json"),
            OsStr::new("ingest"),
            OsStr::new("--trust"),
            trust.as_os_str(),
            OsStr::new("--locker"),
            locker.as_os_str(),
            OsStr::new("--store"),
            store.as_os_str(),
            bundle.as_os_str(),
        ]);
        run_guarded(&mut c, LIMIT)
    };
    ingest(&good).0.expect_code(0);
    let escapes: Vec<PathBuf> = escape_targets(&env)
        .into_iter()
        .filter(|p| !p.exists())
        .collect();
    for (file, want) in CORPUS {
        let bundle = env.path().join("in").join(file);
        std::fs::copy(corpus_dir().join(file), &bundle).unwrap();
        let before = snapshot(env.path());

        let mut c = env.cmd([
            OsStr::new("--json"),
            OsStr::new("verify"),
            OsStr::new("--trust"),
            trust.as_os_str(),
            bundle.as_os_str(),
        ]);
        let (run, rss) = run_guarded(&mut c, LIMIT);
        assert_reason(file, "verify --json", want, &run, "findings");
        if let Want::Findings(list) = want
            && list.iter().any(|(code, _, _)| *code == "container")
        {
            assert!(
                run.stderr
                    .contains("hint: the zip holds entries that are unsafe to read"),
                "{file}: {}",
                run.stderr
            );
        }
        assert_rss(&format!("{file} verify"), rss);
        eprintln!("{file}: verify exit {}, peak RSS {rss} KiB", run.code);

        // The human verdict never lets a name's escape sequences through.
        let odd_name = match want {
            Want::Findings(list) => list
                .iter()
                .any(|(_, p, _)| p.chars().any(|c| c.is_control() || !c.is_ascii())),
            Want::Damaged(_) => false,
        };
        if odd_name {
            let mut c = env.cmd([
                OsStr::new("verify"),
                OsStr::new("--trust"),
                trust.as_os_str(),
                bundle.as_os_str(),
            ]);
            let (run, _) = run_guarded(&mut c, LIMIT);
            // The same verdict as --json: the bundle was read, and refused.
            assert_eq!(run.code, 1, "{file}: {}", run.stderr);
            let all = [run.stdout.as_slice(), run.stderr.as_bytes()].concat();
            assert!(
                !all.iter().any(|b| *b == 0x1b || *b == 0 || *b == 0x07),
                "{file}: control bytes reached the terminal: {}",
                String::from_utf8_lossy(&all)
            );
        }

        let (run, rss) = ingest(&bundle);
        assert_reason(file, "ingest --json", want, &run, "problems");
        assert_rss(&format!("{file} ingest"), rss);
        let v: Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(v["outcome"], "refused", "{file}: {v:#}");
        eprintln!("{file}: ingest exit {}, peak RSS {rss} KiB", run.code);

        assert_unchanged(file, &before, &snapshot(env.path()));
        for p in &escapes {
            assert!(!p.exists(), "{file}: {} was created", p.display());
        }
    }
    // Still exactly the one good bundle, in the locker and in the store.
    assert_eq!(l.count("bundles"), 1);
    let stored = snapshot(&store)
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .count();
    assert_eq!(stored, 1);
}

#[test]
fn corpus_and_readme_list_the_same_files() {
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    on_disk.sort();
    let mut tested: Vec<String> = CORPUS.iter().map(|(f, _)| f.to_string()).collect();
    tested.sort();
    assert_eq!(
        on_disk, tested,
        "every corpus file is tested, and only those"
    );
    let readme = std::fs::read_to_string(corpus_dir().join("README.md")).unwrap();
    for f in &tested {
        assert!(
            readme.contains(&format!("`{f}`")),
            "{f} is not in README.md"
        );
    }
}

#[test]
fn committed_corpus_is_what_make_py_makes() {
    let Some(python) = peer("python3") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let r = Command::new(python)
        .arg(corpus_dir().join("make.py"))
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "make.py: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    for (file, _) in CORPUS {
        let made = std::fs::read(out.path().join(file)).unwrap();
        let committed = std::fs::read(corpus_dir().join(file)).unwrap();
        assert!(
            made == committed,
            "testdata/hostile/{file} differs from what make.py makes; run `python3 testdata/hostile/make.py`"
        );
    }
    let total: u64 = CORPUS
        .iter()
        .map(|(f, _)| std::fs::metadata(corpus_dir().join(f)).unwrap().len())
        .sum();
    assert!(total < 2 << 20, "the corpus grew to {total} bytes");
}

/// What each command says about `path`, which is not a bundle file.
#[track_caller]
fn assert_not_a_bundle(env: &Env, path: &Path, what: &str) {
    let locker =
        std::ffi::OsString::from(crate::backend::TestLocker::named(env, "nb-locker").arg());
    let trust = trust_dir();
    let shown = path.display().to_string();
    let commands: Vec<Vec<&OsStr>> = vec![
        vec![
            OsStr::new("verify"),
            OsStr::new("--trust"),
            trust.as_os_str(),
        ],
        vec![
            OsStr::new("ingest"),
            OsStr::new("--trust"),
            trust.as_os_str(),
            OsStr::new("--locker"),
            locker.as_os_str(),
        ],
        vec![
            OsStr::new("custody"),
            OsStr::new("show"),
            OsStr::new("--trust"),
            trust.as_os_str(),
        ],
        vec![
            OsStr::new("receive"),
            OsStr::new("--trust"),
            trust.as_os_str(),
        ],
        vec![
            OsStr::new("report"),
            OsStr::new("--trust"),
            trust.as_os_str(),
        ],
    ];
    for mut args in commands {
        let name = format!("{:?}", args[0]);
        args.push(path.as_os_str());
        let before = snapshot(env.path());
        let (run, rss) = run_guarded(&mut env.cmd(&args), LIMIT);
        assert_eq!(
            run.code,
            2,
            "{name} {shown}: {}{}",
            run.stdout_str(),
            run.stderr
        );
        assert!(
            run.stderr.contains(&shown) && run.stderr.contains(what),
            "{name} {shown}: wanted {what:?} and the path in {}",
            run.stderr
        );
        if args[0] == "verify" || args[0] == "ingest" {
            assert!(
                run.stderr
                    .contains("hint: give the path of a bundle's .zip file"),
                "{name} {shown}: {}",
                run.stderr
            );
        }
        assert_rss(&format!("{name} {shown}"), rss);
        assert_unchanged(&format!("{name} {shown}"), &before, &snapshot(env.path()));
    }
}

#[test]
fn a_directory_dev_zero_or_fifo_is_not_a_bundle() {
    let env = Env::new();
    // `receive` loads its signing key before it looks at the bundle.
    crate::bundle::examiner(&env, "Jana Examiner");
    let dir = env.path().join("case.zip");
    std::fs::create_dir(&dir).unwrap();
    assert_not_a_bundle(&env, &dir, "it is a directory, not a bundle file");
    assert_not_a_bundle(
        &env,
        Path::new("/dev/zero"),
        "it is a character device, not a bundle file",
    );
    let fifo = env.path().join("pipe.zip");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Nobody ever writes to the FIFO: a reader that opened it blocking
    // would hang until the watchdog kills it.
    assert_not_a_bundle(&env, &fifo, "it is a FIFO (named pipe), not a bundle file");
}

#[test]
fn a_legitimate_bundle_of_thousands_of_files_passes_the_limits() {
    let env = Env::new();
    let id = crate::bundle::examiner(&env, "Jana Examiner");
    crate::bundle::trust(&env, &id);
    for d in 0..30 {
        for f in 0..100 {
            env.write(
                &format!("ev/d{d:02}/f{f:03}.txt"),
                format!("{d} {f}\n").as_bytes(),
            );
        }
    }
    env.write("ev/zeros.bin", &vec![0u8; 3 << 20]);
    env.run([
        "seal",
        "ev",
        "--out",
        "many.zip",
        "--case",
        "C-1",
        "--compress",
        "deflate",
    ])
    .expect_code(0);
    let bundle = env.path().join("many.zip");
    let (run, rss) = run_guarded(
        &mut env.cmd([
            OsStr::new("--json"),
            OsStr::new("verify"),
            bundle.as_os_str(),
        ]),
        LIMIT,
    );
    run.expect_code(0);
    let v: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["files"], 3001);
    assert_rss("verify of 3001 files", rss);
    let locker = std::ffi::OsString::from(crate::backend::TestLocker::new(&env).arg());
    let (run, rss) = run_guarded(
        &mut env.cmd([
            OsStr::new("ingest"),
            OsStr::new("--locker"),
            locker.as_os_str(),
            bundle.as_os_str(),
        ]),
        LIMIT,
    );
    run.expect_code(0);
    assert_rss("ingest of 3001 files", rss);
}

/// A 90 MB central directory of 1,500 names of 60,000 bytes each (allowed:
/// the limit is 256 MiB). The reader keeps a few bytes per entry and reads
/// names again from the directory when it needs them, so memory does not
/// grow with the directory's size (it cost 360 MiB when every name was
/// held and copied).
#[test]
fn a_central_directory_of_long_names_stays_in_bounded_memory() {
    use evidentia::bundle::{DosTime, Method, ZipWriter};
    let env = Env::new();
    let bundle = env.path().join("long-names.zip");
    let file = std::io::BufWriter::new(std::fs::File::create(&bundle).unwrap());
    let mut zip = ZipWriter::new(file, DosTime::from_unix(0));
    for i in 0..1500 {
        let name = format!("long/data/n{i:04}{}", "x".repeat(60_000));
        zip.add_bytes(&name, Method::Stored, b"").unwrap();
    }
    zip.finish().unwrap();
    let (run, rss) = run_guarded(
        &mut env.cmd([
            OsStr::new("--json"),
            OsStr::new("verify"),
            bundle.as_os_str(),
        ]),
        LIMIT,
    );
    // Within the limits (256 MiB of directory), so it is read in full and
    // fails verification as a bag: exit 1, not an error.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_rss("verify of a 90 MB central directory", rss);
}
