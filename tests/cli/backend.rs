#![allow(dead_code)]
//! The locker a command-line test writes to, on either backend.
//!
//! By default a test's locker is the SQLite file `<env>/l.db` (or
//! `<env>/<name>.db`). When this test binary is built with `--features
//! postgres` and `EVIDENTIA_TEST_PG` holds the URL of a throw-away cluster
//! (a role with CREATEDB, e.g. what `scripts/pg-cluster start` prints), each
//! locker is instead a fresh PostgreSQL database, created with `psql`, and
//! [`TestLocker::arg`] is its URL: the same tests then run on both backends.
//!
//! A locker is found again by its env and name: the first
//! [`TestLocker::named`] of a PostgreSQL locker writes a marker file
//! `<env>/.locker-<name>` holding its URL, later calls read it. A test that
//! is about SQLite files themselves pins its locker to SQLite with
//! [`TestLocker::sqlite_only`] (and says why). A database whose test has
//! ended (its env directory is gone: the path is the database's comment) is
//! dropped by the next test that creates one.
//!
//! Tests read and tamper with a locker through [`TestLocker::count`],
//! [`TestLocker::scalar`], [`TestLocker::rows`] and [`TestLocker::exec`],
//! never through rusqlite directly. Values come back as text, the same on
//! both backends: NULL is `NULL`, a blob is `\x` and lower-case hex.

use crate::harness::Env;
use std::path::{Path, PathBuf};

/// How NULL reads back from [`TestLocker::scalar`] and [`TestLocker::rows`].
pub const NULL: &str = "NULL";

/// One locker of one test.
#[derive(Debug, Clone)]
pub struct TestLocker {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Sqlite(PathBuf),
    #[cfg(feature = "postgres")]
    Postgres(pg::Db),
}

impl TestLocker {
    /// The test's locker (`l`): see [`TestLocker::named`].
    pub fn new(env: &Env) -> TestLocker {
        TestLocker::named(env, "l")
    }

    /// The locker `name` of the test in `env`: SQLite `<env>/<name>.db`, or
    /// with `EVIDENTIA_TEST_PG` (and the feature) a database of its own,
    /// created on first use.
    pub fn named(env: &Env, name: &str) -> TestLocker {
        let marker = marker(env, name);
        if let Ok(text) = std::fs::read_to_string(&marker) {
            return TestLocker::from_marker(env, name, &text);
        }
        #[cfg(feature = "postgres")]
        if let Some(admin) = pg::admin() {
            let db = pg::Db::create(&admin, env.path());
            std::fs::write(&marker, &db.url).expect("write the locker marker");
            return TestLocker {
                kind: Kind::Postgres(db),
            };
        }
        TestLocker::sqlite_at(env.path().join(format!("{name}.db")))
    }

    /// The test's locker `l`, always SQLite. Only for a test about SQLite
    /// files themselves (an old schema built by hand, WAL, a damaged or
    /// full file system): the caller says why in a comment. Later calls of
    /// [`TestLocker::new`] in the same env give this locker too.
    pub fn sqlite_only(env: &Env) -> TestLocker {
        TestLocker::sqlite_only_named(env, "l")
    }

    /// [`TestLocker::sqlite_only`] for the locker `name`.
    pub fn sqlite_only_named(env: &Env, name: &str) -> TestLocker {
        let marker = marker(env, name);
        if let Ok(text) = std::fs::read_to_string(&marker) {
            assert_eq!(text, "sqlite", "locker {name} is already on PostgreSQL");
        } else if cfg!(feature = "postgres") {
            std::fs::write(&marker, "sqlite").expect("write the locker marker");
        }
        TestLocker::sqlite_at(env.path().join(format!("{name}.db")))
    }

    /// A SQLite locker at `path` (a file system of the test's own: a tmpfs).
    pub fn sqlite_at(path: PathBuf) -> TestLocker {
        TestLocker {
            kind: Kind::Sqlite(path),
        }
    }

    fn from_marker(env: &Env, name: &str, text: &str) -> TestLocker {
        if text == "sqlite" {
            return TestLocker::sqlite_at(env.path().join(format!("{name}.db")));
        }
        #[cfg(feature = "postgres")]
        {
            TestLocker {
                kind: Kind::Postgres(pg::Db::from_url(text)),
            }
        }
        #[cfg(not(feature = "postgres"))]
        panic!("locker marker {text:?} in a build without PostgreSQL")
    }

    /// True when this locker is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        !matches!(self.kind, Kind::Sqlite(_))
    }

    /// The value for `--locker`: the SQLite file's path or the database's
    /// URL.
    pub fn arg(&self) -> String {
        match &self.kind {
            Kind::Sqlite(p) => p.to_str().expect("a UTF-8 temp path").to_string(),
            #[cfg(feature = "postgres")]
            Kind::Postgres(db) => db.url.clone(),
        }
    }

    /// The SQLite file (panics on PostgreSQL: a SQLite-only test).
    pub fn path(&self) -> &Path {
        match &self.kind {
            Kind::Sqlite(p) => p,
            #[cfg(feature = "postgres")]
            Kind::Postgres(db) => panic!("{} is not a SQLite file", db.url),
        }
    }

    /// `args` followed by `--locker` and [`TestLocker::arg`].
    pub fn with(&self, args: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        v.extend(["--locker".to_string(), self.arg()]);
        v
    }

    /// Rows in `table`.
    #[track_caller]
    pub fn count(&self, table: &str) -> i64 {
        let n = self.scalar(&format!("SELECT count(*) FROM {table}"));
        n.parse()
            .unwrap_or_else(|_| panic!("count of {table}: {n:?}"))
    }

    /// The one value `sql` selects, as text.
    #[track_caller]
    pub fn scalar(&self, sql: &str) -> String {
        let rows = self.rows(sql);
        assert!(
            rows.len() == 1 && rows[0].len() == 1,
            "{sql}: wanted one value, got {rows:?}"
        );
        rows[0][0].clone()
    }

    /// Every row `sql` selects, each value as text.
    #[track_caller]
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.kind {
            Kind::Sqlite(p) => sqlite_rows(p, sql),
            #[cfg(feature = "postgres")]
            Kind::Postgres(db) => db.rows(sql),
        }
    }

    /// Run one statement; the number of rows it changed.
    #[track_caller]
    pub fn exec(&self, sql: &str) -> usize {
        self.try_exec(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Run one statement; the rows it changed, or the database's error.
    pub fn try_exec(&self, sql: &str) -> Result<usize, String> {
        match &self.kind {
            Kind::Sqlite(p) => {
                let c = rusqlite::Connection::open(p).map_err(|e| e.to_string())?;
                c.execute(sql, []).map_err(|e| e.to_string())
            }
            #[cfg(feature = "postgres")]
            Kind::Postgres(db) => db.exec(sql),
        }
    }

    /// A blob literal for SQL on this backend: `x'..'` or `'\x..'::bytea`.
    pub fn blob_literal(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if self.is_postgres() {
            format!("'\\x{hex}'::bytea")
        } else {
            format!("x'{hex}'")
        }
    }

    /// The locker's schema version, or None when there is no locker yet
    /// (no SQLite file; a database without the locker's tables).
    pub fn schema_version(&self) -> Option<i64> {
        let text = match &self.kind {
            Kind::Sqlite(p) if !p.exists() => return None,
            Kind::Sqlite(_) => self.scalar("PRAGMA user_version"),
            #[cfg(feature = "postgres")]
            Kind::Postgres(_) => {
                if self.scalar("SELECT to_regclass('locker_schema') IS NULL") == "t" {
                    return None;
                }
                self.scalar("SELECT max(version) FROM locker_schema")
            }
        };
        text.parse().ok()
    }

    /// Panics unless the database is sound: SQLite's `integrity_check`.
    /// PostgreSQL has no such check built in (amcheck is an extension):
    /// there this checks only that the database answers.
    #[track_caller]
    pub fn assert_integrity(&self) {
        match &self.kind {
            Kind::Sqlite(p) => {
                let ok = sqlite_rows(p, "PRAGMA integrity_check");
                assert_eq!(ok, [["ok"]], "{}", p.display());
            }
            #[cfg(feature = "postgres")]
            Kind::Postgres(db) => assert_eq!(db.rows("SELECT 1"), [["1"]], "{}", db.url),
        }
    }

    /// A copy of this locker (which nothing may be using) as the locker
    /// `name` of `env`.
    pub fn copy_as(&self, env: &Env, name: &str) -> TestLocker {
        match &self.kind {
            Kind::Sqlite(p) => {
                let to = TestLocker::sqlite_only_named(env, name);
                std::fs::copy(p, to.path()).expect("copy the locker");
                to
            }
            #[cfg(feature = "postgres")]
            Kind::Postgres(db) => {
                let admin = pg::admin().expect("EVIDENTIA_TEST_PG");
                let copy = pg::Db::create_from(&admin, env.path(), Some(&db.name));
                std::fs::write(marker(env, name), &copy.url).expect("write the locker marker");
                TestLocker {
                    kind: Kind::Postgres(copy),
                }
            }
        }
    }

    /// Remove the locker now (its file, or its database) rather than when
    /// the test ends: for tests that make many.
    pub fn discard(self) {
        match self.kind {
            Kind::Sqlite(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            #[cfg(feature = "postgres")]
            Kind::Postgres(db) => db.drop_now(),
        }
    }
}

fn marker(env: &Env, name: &str) -> PathBuf {
    env.path().join(format!(".locker-{name}"))
}

/// `sql`'s rows from the SQLite file at `p`, as text.
#[track_caller]
fn sqlite_rows(p: &Path, sql: &str) -> Vec<Vec<String>> {
    use rusqlite::types::ValueRef;
    let c = rusqlite::Connection::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = st.column_count();
    let rows = st
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Null => NULL.to_string(),
                        ValueRef::Integer(v) => v.to_string(),
                        ValueRef::Real(v) => v.to_string(),
                        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        ValueRef::Blob(b) => {
                            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                            format!("\\x{hex}")
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The PostgreSQL side: databases made and read with `psql`.
#[cfg(feature = "postgres")]
pub mod pg {
    use std::path::Path;
    use std::process::Command;

    /// `EVIDENTIA_TEST_PG`: the URL of a throw-away cluster's role with
    /// CREATEDB, or None.
    pub fn admin() -> Option<String> {
        std::env::var("EVIDENTIA_TEST_PG")
            .ok()
            .filter(|v| !v.is_empty())
    }

    /// `url` with its database name replaced by `db`.
    pub fn with_db(url: &str, db: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a postgresql:// URL");
        let (before_query, query) = match rest.find('?') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let authority = before_query.split('/').next().unwrap_or("");
        format!("{scheme}://{authority}/{db}{query}")
    }

    /// The database name in `url`.
    pub fn db_name(url: &str) -> String {
        let rest = url.split_once("://").expect("a postgresql:// URL").1;
        let path = rest.split('?').next().unwrap_or("");
        path.split_once('/').map_or("", |(_, d)| d).to_string()
    }

    /// One test database.
    #[derive(Debug, Clone)]
    pub struct Db {
        /// Its name (`evt_` and a random hex string).
        pub name: String,
        /// Its URL, for `--locker`.
        pub url: String,
    }

    impl Db {
        /// A new empty database, for a test whose env directory is `env`.
        pub fn create(admin: &str, env: &Path) -> Db {
            Db::create_from(admin, env, None)
        }

        /// A new database, empty or a copy of `template` (which nothing may
        /// be using: a closing connection may linger a moment, so this
        /// tries again for a few seconds).
        pub fn create_from(admin: &str, env: &Path, template: Option<&str>) -> Db {
            collect_garbage(admin);
            let name = format!("evt_{}", uuid::Uuid::new_v4().simple());
            let create = match template {
                Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
                None => format!("CREATE DATABASE {name}"),
            };
            let mut tries = 0;
            loop {
                match psql(admin, &[&create], false) {
                    Ok(_) => break,
                    Err(e) if e.contains("being accessed by other users") && tries < 50 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    Err(e) => panic!("{create}: {e}"),
                }
            }
            let dir = env.to_str().expect("a UTF-8 temp path");
            assert!(!dir.contains("$e$"));
            psql(
                admin,
                &[&format!("COMMENT ON DATABASE {name} IS $e${dir}$e$")],
                false,
            )
            .unwrap_or_else(|e| panic!("comment on {name}: {e}"));
            Db::from_url(&with_db(admin, &name))
        }

        /// The database at `url`.
        pub fn from_url(url: &str) -> Db {
            Db {
                name: db_name(url),
                url: url.to_string(),
            }
        }

        /// `sql`'s rows as text.
        #[track_caller]
        pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
            let out = psql(&self.url, &[sql], true).unwrap_or_else(|e| panic!("{sql}: {e}"));
            let out = out.strip_suffix('\n').unwrap_or(&out);
            if out.is_empty() {
                return Vec::new();
            }
            out.split('\x1e')
                .map(|r| r.split('\x1f').map(str::to_string).collect())
                .collect()
        }

        /// Run one statement; the rows it changed (from psql's command tag).
        pub fn exec(&self, sql: &str) -> Result<usize, String> {
            let out = psql(&self.url, &[sql], false)?;
            let tag = out.lines().last().unwrap_or("");
            Ok(tag
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0))
        }

        /// Drop the database now.
        pub fn drop_now(&self) {
            let admin = admin().expect("EVIDENTIA_TEST_PG");
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            psql(&admin, &[&sql], false).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    /// Drop the test databases whose env directory is gone (their test
    /// ended); errors are ignored (another test may be dropping it too).
    fn collect_garbage(admin: &str) {
        let Ok(out) = psql(
            admin,
            &[
                "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database \
               WHERE datname LIKE 'evt\\_%'",
            ],
            true,
        ) else {
            return;
        };
        for row in out.trim_end_matches('\n').split('\x1e') {
            let Some((name, dir)) = row.split_once('\x1f') else {
                continue;
            };
            if dir != super::NULL && !Path::new(dir).exists() {
                let _ = psql(
                    admin,
                    &[&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")],
                    false,
                );
            }
        }
    }

    /// The psql program: on PATH, else the newest server's.
    fn psql_program() -> std::path::PathBuf {
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            if dir.join("psql").is_file() {
                return dir.join("psql");
            }
        }
        let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin/psql"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found
            .pop()
            .expect("psql (apt install postgresql-client) for EVIDENTIA_TEST_PG")
    }

    /// Run `commands` (one `-c` each: each its own transaction) against
    /// `url`; stdout, or stderr on failure. `quiet` leaves out the command
    /// tags; rows are separated by 0x1e, fields by 0x1f.
    pub fn psql(url: &str, commands: &[&str], quiet: bool) -> Result<String, String> {
        let mut c = Command::new(psql_program());
        c.args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-F", "\x1f", "-R", "\x1e", "-P"])
            .arg(format!("null={}", super::NULL))
            .arg("-d")
            .arg(url)
            .env("PGCONNECT_TIMEOUT", "10");
        if quiet {
            c.arg("-q");
        }
        for sql in commands {
            c.arg("-c").arg(sql);
        }
        let out = c.output().map_err(|e| format!("psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    #[test]
    fn urls_get_another_database() {
        let u = "postgresql:///evidentia?host=/tmp/pg&user=evidentia";
        assert_eq!(
            with_db(u, "evt_1"),
            "postgresql:///evt_1?host=/tmp/pg&user=evidentia"
        );
        assert_eq!(db_name(u), "evidentia");
        let u = "postgres://me:pw@db.lab:5433/x";
        assert_eq!(with_db(u, "y"), "postgres://me:pw@db.lab:5433/y");
        assert_eq!(db_name("postgres://h"), "");
    }
}

/// The helper reads back the same text on either backend, copies and
/// discards lockers.
#[test]
fn test_locker_reads_the_same_on_both_backends() {
    let env = Env::new();
    let l = TestLocker::new(&env);
    let again = TestLocker::new(&env);
    assert_eq!(l.arg(), again.arg(), "found again by env and name");
    assert_eq!(l.schema_version(), None, "no locker yet");
    l.exec("CREATE TABLE t (n bigint, s text, b bytea)");
    let blob = l.blob_literal(&[0, 0xab, 0xff]);
    let sql = format!("INSERT INTO t VALUES (1, 'x', {blob}), (2, NULL, NULL)");
    assert_eq!(l.exec(&sql), 2);
    assert_eq!(l.exec("UPDATE t SET n = n + 10"), 2);
    assert_eq!(
        l.rows("SELECT n, s, b FROM t ORDER BY n"),
        [["11", "x", "\\x00abff"], ["12", NULL, NULL]]
    );
    assert_eq!(l.count("t"), 2);
    assert_eq!(l.scalar("SELECT s FROM t WHERE n = 11"), "x");
    assert!(l.rows("SELECT n FROM t WHERE n < 0").is_empty());
    let e = l.try_exec("INSERT INTO nowhere VALUES (1)").unwrap_err();
    assert!(e.contains("nowhere"), "{e}");
    l.assert_integrity();
    let copy = l.copy_as(&env, "copy");
    assert_ne!(copy.arg(), l.arg());
    assert_eq!(copy.count("t"), 2);
    assert_eq!(TestLocker::named(&env, "copy").arg(), copy.arg());
    copy.exec("DELETE FROM t");
    assert_eq!((copy.count("t"), l.count("t")), (0, 2));
    copy.discard();
    let sqlite = TestLocker::sqlite_only_named(&env, "file");
    assert!(!sqlite.is_postgres());
    assert_eq!(TestLocker::named(&env, "file").arg(), sqlite.arg());
}
