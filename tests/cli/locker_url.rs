//! Where the locker is (issue 21): `EVIDENTIA_LOCKER` names it when
//! `--locker` is absent (and `--locker` wins over it); the field build
//! refuses a `postgresql://` locker with the lab build's command and
//! makes no file of the URL; the lab build names a locker it cannot reach
//! without its password; and `hashset import` says which rows it skipped
//! or changed (no usable digest, a NUL in a name), on both backends.

use crate::backend::TestLocker;
use crate::harness::{Env, Run};
use std::path::PathBuf;

/// A password that must never be printed.
const SECRET: &str = "Url-pw-never-printed-8k";

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A database shaped like NSRL RDS v3 (`FILE` view, upper-case hex) at
/// `<env>/name`, with one good row (`kernel32.dll`) and the rows `extra`
/// (SQL value lists for METADATA: sha256, sha1, md5, crc32, file_name,
/// file_size, package_id).
pub(crate) fn make_rds(env: &Env, name: &str, extra: &[&str]) -> PathBuf {
    let path = env.path().join(name);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE METADATA (sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT,
             file_name TEXT, file_size INTEGER, package_id INTEGER);
         CREATE VIEW FILE AS SELECT sha256, sha1, md5, crc32, file_name, file_size,
             package_id FROM METADATA;",
    )
    .unwrap();
    c.execute(
        "INSERT INTO METADATA VALUES (?1, NULL, NULL, '0', 'kernel32.dll', 6, 1)",
        [sha256_hex(b"system").to_ascii_uppercase()],
    )
    .unwrap();
    for row in extra {
        c.execute_batch(&format!("INSERT INTO METADATA VALUES ({row})"))
            .unwrap();
    }
    path
}

/// `args` with `EVIDENTIA_LOCKER` set to `var` (when given).
fn run_env(env: &Env, args: &[&str], var: Option<&str>) -> Run {
    let mut c = env.cmd(args);
    if let Some(v) = var {
        c.env("EVIDENTIA_LOCKER", v);
    }
    env.run_cmd(c.stdin(std::process::Stdio::null()))
}

/// The hash sets' names in the SQLite locker at `path`.
fn set_names(path: &std::path::Path) -> Vec<String> {
    TestLocker::sqlite_at(path.to_path_buf())
        .rows("SELECT name FROM hashsets ORDER BY name")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

#[test]
fn locker_env_names_the_locker_and_locker_wins_over_it() {
    // SQLite only: this is about which file is opened.
    let env = Env::new();
    env.write(
        "bad.sha256",
        format!("{}  a.txt\n", sha256_hex(b"x")).as_bytes(),
    );
    let via_env = env.path().join("via-env.db");
    let var = via_env.to_str().unwrap();
    run_env(&env, &["hashset", "import", "one", "bad.sha256"], Some(var)).expect_code(0);
    assert_eq!(set_names(&via_env), ["one"]);
    let default = env.home().join("locker.db");
    assert!(!default.exists(), "the default locker was used too");
    let r = run_env(&env, &["hashset", "list"], Some(var));
    r.expect_code(0);
    assert!(r.stdout_str().starts_with("one "), "{}", r.stdout_str());
    // --locker wins over the variable.
    let arg = env.path().join("arg.db");
    let a = arg.to_str().unwrap();
    let import = ["hashset", "import", "two", "bad.sha256", "--locker", a];
    run_env(&env, &import, Some(var)).expect_code(0);
    assert_eq!(set_names(&arg), ["two"]);
    assert_eq!(set_names(&via_env), ["one"]);
    let r = run_env(&env, &["hashset", "list", "--locker", a], Some(var));
    assert!(r.stdout_str().starts_with("two "), "{}", r.stdout_str());
    // A relative path is taken from the working directory.
    run_env(
        &env,
        &["hashset", "import", "three", "bad.sha256"],
        Some("rel.db"),
    )
    .expect_code(0);
    assert_eq!(set_names(&env.path().join("rel.db")), ["three"]);
    // An empty variable is no locker: the default one in the home.
    assert!(!default.exists());
    run_env(&env, &["hashset", "import", "four", "bad.sha256"], Some("")).expect_code(0);
    assert_eq!(set_names(&default), ["four"]);
    assert_eq!(set_names(&via_env), ["one"]);
}

/// The commands that open a locker, for the URL tests.
fn locker_commands(env: &Env) -> Vec<Vec<String>> {
    env.write("ev/a.txt", b"a\n");
    let list = env.write("l.sha256", format!("{}  a\n", sha256_hex(b"a")).as_bytes());
    let src = env.path().join("src.db");
    run_env(
        env,
        &["hashset", "list", "--locker", src.to_str().unwrap()],
        None,
    )
    .expect_code(0);
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        v(&["locker", "list"]),
        v(&["--json", "locker", "list"]),
        v(&["locker", "find", "--name", "*"]),
        v(&["locker", "audit"]),
        v(&["hashset", "list"]),
        v(&["hashset", "import", "s", list.to_str().unwrap()]),
        v(&["match", "ev", "--hashset", "s"]),
    ]
}

/// Nothing named like a URL was made in `env`, and no default locker.
#[track_caller]
fn no_url_files(env: &Env) {
    for d in ["postgresql:", "postgres:"] {
        assert!(!env.path().join(d).exists(), "{d} was created");
    }
    assert!(!env.home().join("locker.db").exists(), "the default locker");
}

#[cfg(not(feature = "postgres"))]
#[test]
fn locker_url_in_the_field_build_is_refused_with_the_lab_build_hint() {
    let env = Env::new();
    let src = env.path().join("src.db");
    let src = src.to_str().unwrap();
    let mut cmds = locker_commands(&env);
    for to in ["postgresql://x/y", "postgres://h/db"] {
        cmds.push(
            ["locker", "migrate", "--from", src, "--to", to]
                .map(String::from)
                .to_vec(),
        );
    }
    let secret = format!("postgresql://alice:{SECRET}@x/y");
    for args in &cmds {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for url in ["postgresql://x/y", "postgres://h/db", &secret] {
            let mut with_arg = args.clone();
            if args[..2] != ["locker", "migrate"] {
                with_arg.extend(["--locker", url]);
            }
            for r in [
                run_env(&env, &with_arg, None),
                run_env(&env, &args, Some(url)),
            ] {
                r.expect_code(2);
                assert!(
                    r.stderr.contains("built without PostgreSQL lockers"),
                    "{args:?}: {}",
                    r.stderr
                );
                assert!(
                    r.stderr.contains("hint: ") && r.stderr.contains("--features postgres"),
                    "{args:?}: {}",
                    r.stderr
                );
                assert!(!r.stderr.contains(SECRET), "{}", r.stderr);
                assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout_str());
            }
        }
    }
    no_url_files(&env);
    assert_eq!(set_names(&env.path().join("src.db")), Vec::<String>::new());
}

#[cfg(feature = "postgres")]
#[test]
fn pg_url_to_a_socket_directory_without_a_server_is_named_without_its_password() {
    // No server is needed: nothing listens in this directory.
    let env = Env::new();
    let dir = env.path().join("nosock");
    std::fs::create_dir(&dir).unwrap();
    let host = dir.to_str().unwrap();
    let plain = format!("postgresql:///evidentia?host={host}&user=evidentia");
    let secret = format!("postgresql://evidentia:{SECRET}@/evidentia?host={host}");
    for args in locker_commands(&env) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut with_arg = args.clone();
        with_arg.extend(["--locker", &plain]);
        for r in [
            run_env(&env, &with_arg, None),
            run_env(&env, &args, Some(&plain)),
            run_env(&env, &args, Some(&secret)),
        ] {
            r.expect_code(2);
            assert!(!r.stderr.contains(SECRET), "{}", r.stderr);
            assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout_str());
            assert!(
                r.stderr.contains(host) && r.stderr.contains("evidentia"),
                "{args:?}: the error names the locker: {}",
                r.stderr
            );
            assert!(r.stderr.contains("hint: "), "{args:?}: {}", r.stderr);
        }
    }
    let src = env.path().join("src.db");
    let r = run_env(
        &env,
        &[
            "locker",
            "migrate",
            "--from",
            src.to_str().unwrap(),
            "--to",
            &plain,
        ],
        None,
    );
    r.expect_code(2);
    assert!(r.stderr.contains(host), "{}", r.stderr);
    no_url_files(&env);
}

/// `hashset import NAME FILE` into the test's locker; the run.
fn import(env: &Env, l: &TestLocker, name: &str, file: &str, json: bool) -> Run {
    let mut a = vec!["hashset", "import", name, file];
    if json {
        a.insert(0, "--json");
    }
    env.run(l.with(&a))
}

/// The names stored for set `set`, sorted.
fn stored_names(l: &TestLocker, set: &str) -> Vec<String> {
    l.rows(&format!(
        "SELECT e.name FROM hashset_entries e JOIN hashsets h ON h.id = e.hashset \
         WHERE h.name = '{set}' ORDER BY e.name"
    ))
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

#[test]
fn hashset_import_warns_of_nul_names_in_a_sums_list() {
    let env = Env::new();
    let l = TestLocker::new(&env);
    let (x, y) = (sha256_hex(b"x"), sha256_hex(b"y"));
    env.write(
        "nul.sha256",
        format!("{x}  a\0b.jpg\n{y}  clean.jpg\n").as_bytes(),
    );
    env.write("clean.sha256", format!("{x}  a.jpg\n").as_bytes());
    let r = import(&env, &l, "nul", "nul.sha256", false);
    r.expect_code(0);
    assert!(
        r.stdout_str().starts_with("imported 2 "),
        "{}",
        r.stdout_str()
    );
    assert_eq!(
        r.stderr,
        "evidentia: warning: 1 listed name of nul.sha256 held a NUL byte, \
         stored with U+FFFD in its place\n"
    );
    assert_eq!(stored_names(&l, "nul"), ["a\u{FFFD}b.jpg", "clean.jpg"]);
    // With --json the document alone is on stdout, the warning on stderr.
    let r = import(&env, &l, "nul2", "nul.sha256", true);
    r.expect_code(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["entries"], 2);
    assert!(r.stderr.contains("held a NUL byte"), "{}", r.stderr);
    // A clean list: no warning.
    let r = import(&env, &l, "clean", "clean.sha256", false);
    r.expect_code(0);
    assert_eq!(r.stderr, "");
}

#[test]
fn hashset_import_warns_of_rds_rows_skipped_and_nul_names() {
    let env = Env::new();
    let l = TestLocker::new(&env);
    let md5 = "'d41d8cd98f00b204e9800998ecf8427e'";
    let odd = make_rds(
        &env,
        "odd.db",
        &[
            // No usable digest: not hex, or none at all.
            "'zz', 'abc', NULL, '0', 'no digest.dll', 1, 1",
            "NULL, NULL, NULL, '0', 'nothing.dll', 2, 1",
            // A NUL in the name (and lower-case hex): kept, with U+FFFD.
            &format!("NULL, NULL, {md5}, '0', 'lower' || char(0) || 'case.txt', 0, 1"),
            &format!("NULL, NULL, {md5}, '0', 'two' || char(0) || char(0) || '.txt', 0, 1"),
        ],
    );
    let r = import(&env, &l, "odd", odd.to_str().unwrap(), false);
    r.expect_code(0);
    assert!(
        r.stdout_str().starts_with("imported 3 "),
        "{}",
        r.stdout_str()
    );
    let path = odd.to_str().unwrap();
    assert_eq!(
        r.stderr,
        format!(
            "evidentia: warning: 2 rows of {path} had no usable digest (every digest \
             column empty or not hex); not imported\n\
             evidentia: warning: 2 listed names of {path} held a NUL byte, stored with \
             U+FFFD in its place\n"
        )
    );
    assert_eq!(
        stored_names(&l, "odd"),
        [
            "kernel32.dll",
            "lower\u{FFFD}case.txt",
            "two\u{FFFD}\u{FFFD}.txt"
        ]
    );
    // One of each: singular.
    let one = make_rds(
        &env,
        "one.db",
        &[
            "'zz', NULL, NULL, '0', 'bad.dll', 1, 1",
            &format!("NULL, NULL, {md5}, '0', 'a' || char(0) || 'b', 0, 1"),
        ],
    );
    let r = import(&env, &l, "one", one.to_str().unwrap(), false);
    r.expect_code(0);
    assert!(r.stderr.contains("warning: 1 row of "), "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: 1 listed name of "),
        "{}",
        r.stderr
    );
    // A clean RDS: no warning; -q silences them too.
    let clean = make_rds(&env, "clean.db", &[]);
    let r = import(&env, &l, "clean", clean.to_str().unwrap(), false);
    r.expect_code(0);
    assert_eq!(r.stderr, "");
    let r = env.run(l.with(&["-q", "hashset", "import", "quiet", path]));
    r.expect_code(0);
    assert_eq!(r.stderr, "");
}
