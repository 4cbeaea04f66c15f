//! The evidence locker: one SQLite file (WAL, foreign keys, synchronous
//! FULL) holding ingested bundles, their files and hashes, custody events,
//! the audit log, and known-hash sets.
//!
//! Invariants:
//! - Opening a locker checks that WAL mode and foreign keys actually took
//!   effect; a locker that cannot give those guarantees is refused.
//! - The schema version lives in `user_version`; forward migrations run in
//!   IMMEDIATE transactions; a locker from a newer evidentia is refused.
//! - Every writer uses an IMMEDIATE transaction, so concurrent writers
//!   queue on the lock instead of failing half-way.
//! - Custody events and the audit log are append-only (triggers).

mod computed;
pub mod db;
mod derivation;
mod drift;
mod hashset;
mod held;
mod ingest;
#[cfg(feature = "postgres")]
pub mod pg;
mod promote;
mod query;
mod record;
pub mod schema;
pub mod schema_pg;
mod signers;
mod snapshot;
mod store;
#[cfg(test)]
pub(crate) mod testing;
mod values;

pub use computed::{ComputedDigests, DigestOrigin, DigestTap, INGEST_ALGORITHMS, Lookup};
pub use derivation::{
    Derivation, DerivedRow, ExportMention, ExportRecord, ExportRow, Linked, Origin,
};
pub use hashset::{HashsetFormat, HashsetInfo, HashsetKind, ImportOptions, KnownMatch};
pub use ingest::{Actor, IngestOutcome, IngestRequest, IngestSummary, Received};
pub use query::{
    AuditRow, BundleDetail, BundleRow, EventRow, FileRow, HeldDigest, MatchRow, SignerRow,
    glob_to_like,
};
pub use record::{BundleRecord, StoredEvent, for_each_file, read_record};
pub use schema::{CURRENT_VERSION, MIGRATIONS};
pub use snapshot::Snapshot;
pub use store::{file_sha256, store_copy, store_copy_as, store_path, store_path_as};
pub use values::ValueChange;

use db::{Backend, Db, DbError, Lock};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors from the locker.
#[derive(Debug, thiserror::Error)]
pub enum LockerError {
    /// The database failed.
    #[error("locker {locker}: {source}")]
    Db {
        /// The locker: its file, or its URL without the password.
        locker: String,
        /// What the database said.
        #[source]
        source: DbError,
    },
    /// The PostgreSQL server does not give the durability the locker
    /// promises (it runs with `fsync` off, or is not UTF-8).
    #[error("locker {locker}: {reason}")]
    Unsafe {
        /// The locker URL, without the password.
        locker: String,
        /// What is wrong.
        reason: String,
    },
    /// WAL mode could not be enabled (e.g. a network file system).
    #[error("locker {path}: WAL journal mode could not be enabled (got {mode:?})")]
    NoWal {
        /// The locker file.
        path: PathBuf,
        /// The journal mode SQLite reported.
        mode: String,
    },
    /// The locker was written by a newer evidentia.
    #[error("locker {locker} has schema version {found}; this evidentia knows up to {known}")]
    TooNew {
        /// The locker: its file, or its URL without the password.
        locker: String,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// A file to import could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A stored copy (or the locker) could not be written (a full disk).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file to import is not in a format we can read.
    #[error("{path}: {reason}")]
    BadInput {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A hash set name is already taken or unknown.
    #[error("{0}")]
    Hashset(String),
    /// Ingest was asked to record a bundle that failed verification.
    #[error("the bundle failed verification ({problems} problems); nothing was written")]
    NotVerified {
        /// How many findings.
        problems: usize,
    },
    /// The bundle file changed between verification and the reads of what
    /// ingest records (see [`Snapshot`]).
    #[error(
        "{path}: the bundle changed while it was being ingested ({what}); nothing was recorded"
    )]
    Changed {
        /// The bundle file.
        path: PathBuf,
        /// What changed.
        what: String,
    },
    /// This copy's custody chain contradicts the one recorded.
    #[error("bundle {bundle_id}: its custody chain conflicts with the recorded one: {detail}")]
    ChainConflict {
        /// The bundle id.
        bundle_id: String,
        /// Which event differs.
        detail: String,
    },
}

/// An open evidence locker.
pub struct Locker {
    db: Db,
    name: String,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Locker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Locker({})", self.name)
    }
}

/// How long a PostgreSQL writer waits for another one's lock before it
/// gives up (SQLite's busy timeout is 60 s; a hash-set import holds the
/// hash-set lock for minutes).
#[cfg(feature = "postgres")]
const PG_LOCK_TIMEOUT: &str = "600s";

impl Locker {
    /// Open (creating if needed) the SQLite locker at `path` and migrate it
    /// to the current schema.
    pub fn open(path: &Path) -> Result<Locker, LockerError> {
        let name = path.display().to_string();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_error(&name, e.into()))?;
        let mut locker = Locker {
            db: Db::sqlite(conn),
            name,
            path: Some(path.to_path_buf()),
        };
        locker.configure_sqlite()?;
        locker.migrate()?;
        Ok(locker)
    }

    /// A locker in the PostgreSQL database `client` is connected to,
    /// known in messages as `name` (its URL without the password); checks
    /// the server's durability and migrates it to the current schema.
    #[cfg(feature = "postgres")]
    pub fn from_postgres(client: postgres::Client, name: String) -> Result<Locker, LockerError> {
        let mut locker = Locker {
            db: Db::postgres(client),
            name,
            path: None,
        };
        locker.configure_postgres()?;
        locker.migrate()?;
        Ok(locker)
    }

    /// The locker file (`None` for a PostgreSQL locker).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The locker as messages name it: its file, or its URL without the
    /// password.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which database the locker is in.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// The schema version.
    pub fn version(&self) -> Result<i64, LockerError> {
        self.q(read_version(&self.db))
    }

    /// Run SQLite's `integrity_check`; `Ok(())` when it says "ok". A
    /// PostgreSQL locker has no such check: `Err` says so.
    pub fn integrity_check(&self) -> Result<Result<(), String>, LockerError> {
        if self.db.backend() != Backend::Sqlite {
            return Ok(Err("PostgreSQL has no integrity_check; not run".into()));
        }
        let s: String = self.q(self.db.row("PRAGMA integrity_check", &[], |r| r.get(0)))?;
        Ok(if s == "ok" { Ok(()) } else { Err(s) })
    }

    fn err(&self, e: impl Into<DbError>) -> LockerError {
        db_error(&self.name, e.into())
    }

    pub(super) fn q<T, E: Into<DbError>>(&self, r: Result<T, E>) -> Result<T, LockerError> {
        r.map_err(|e| self.err(e.into()))
    }

    /// TRANSITION: an IMMEDIATE SQLite transaction for code not yet on
    /// the seam.
    pub(super) fn legacy_tx(&self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        rusqlite::Transaction::new_unchecked(
            self.legacy(),
            rusqlite::TransactionBehavior::Immediate,
        )
    }

    /// TRANSITION (removed before #21 lands): the SQLite connection for
    /// code not yet on the seam.
    pub(super) fn legacy(&self) -> &Connection {
        self.db.as_sqlite().expect("transition: SQLite only")
    }

    fn configure_sqlite(&mut self) -> Result<(), LockerError> {
        let Some(conn) = self.db.as_sqlite() else {
            return Ok(());
        };
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(|e| self.err(e))?;
        // Switching a new file to WAL needs a moment alone with it: when
        // another process is opening the same new locker, SQLite answers
        // BUSY or leaves the old mode. Retry for a while before concluding
        // that the file system cannot do WAL.
        let mut tries = 0;
        loop {
            let mode = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
            match mode {
                Ok(m) if m.eq_ignore_ascii_case("wal") => break,
                Ok(_) | Err(_) if tries < 200 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(mode) => {
                    return Err(LockerError::NoWal {
                        path: self.path.clone().unwrap_or_default(),
                        mode,
                    });
                }
                Err(e) => return Err(self.err(e)),
            }
        }
        self.q(self
            .db
            .batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"))?;
        let fk: i64 = self.q(self.db.row("PRAGMA foreign_keys", &[], |r| r.get(0)))?;
        let sync: i64 = self.q(self.db.row("PRAGMA synchronous", &[], |r| r.get(0)))?;
        if fk != 1 || sync != 2 {
            return Err(self.err(DbError::Sqlite(rusqlite::Error::InvalidQuery)));
        }
        Ok(())
    }

    /// Durable commits and UTF-8 text, read back as SQLite's pragmas are.
    #[cfg(feature = "postgres")]
    fn configure_postgres(&mut self) -> Result<(), LockerError> {
        self.q(self.db.batch(&format!(
            "SET synchronous_commit = on; SET lock_timeout = '{PG_LOCK_TIMEOUT}'; \
             SET default_transaction_isolation = 'read committed'"
        )))?;
        let show = |what: &str| -> Result<String, LockerError> {
            self.q(self.db.row(&format!("SHOW {what}"), &[], |r| r.get(0)))
        };
        let unsafe_ = |reason: String| LockerError::Unsafe {
            locker: self.name.clone(),
            reason,
        };
        if show("fsync")? != "on" {
            return Err(unsafe_(
                "the server runs with fsync off, so a committed ingest could be lost in a \
                 crash; turn fsync on in postgresql.conf"
                    .into(),
            ));
        }
        if show("synchronous_commit")? != "on" {
            return Err(unsafe_("synchronous_commit could not be turned on".into()));
        }
        let encoding = show("server_encoding")?;
        if encoding != "UTF8" {
            return Err(unsafe_(format!(
                "the database's encoding is {encoding}; the locker needs UTF8 \
                 (CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)"
            )));
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), LockerError> {
        let migrations = migrations(self.db.backend());
        let known = i64::try_from(migrations.len()).unwrap_or(i64::MAX);
        loop {
            let tx = self.q(self.db.begin(&[Lock::Schema]))?;
            if tx.backend() == Backend::Postgres {
                self.q(ensure_pg_version_table(&tx))?;
            }
            // Read the version inside the write lock: another process may
            // have migrated while we waited.
            let version = self.q(read_version(&tx))?;
            if version > known {
                return Err(LockerError::TooNew {
                    locker: self.name.clone(),
                    found: version,
                    known,
                });
            }
            let Some(step) = usize::try_from(version)
                .ok()
                .and_then(|v| migrations.get(v))
            else {
                return self.q(tx.commit());
            };
            self.q(tx.batch(step))?;
            self.q(write_version(&tx, version + 1))?;
            self.q(tx.commit())?;
        }
    }
}

/// The migrations of a backend: entry `i` takes version `i` to `i + 1`.
fn migrations(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => schema::MIGRATIONS,
        Backend::Postgres => &schema_pg::MIGRATIONS_PG,
    }
}

fn read_version(db: &Db) -> Result<i64, DbError> {
    match db.backend() {
        Backend::Sqlite => db.row("PRAGMA user_version", &[], |r| r.get(0)),
        Backend::Postgres => db.row("SELECT version FROM locker_schema", &[], |r| r.get(0)),
    }
}

fn write_version(db: &Db, version: i64) -> Result<(), DbError> {
    match db.backend() {
        Backend::Sqlite => db.batch(&format!("PRAGMA user_version = {version}")),
        Backend::Postgres => db
            .execute("UPDATE locker_schema SET version = ?1", &[&version])
            .map(drop),
    }
}

/// PostgreSQL keeps the schema version in a one-row table; it is made on
/// first use (checked first, so a role without CREATE can open a locker
/// that has it).
#[cfg(feature = "postgres")]
fn ensure_pg_version_table(db: &Db) -> Result<(), DbError> {
    let exists: bool = db.row(
        "SELECT to_regclass('locker_schema') IS NOT NULL",
        &[],
        |r| r.get(0),
    )?;
    if !exists {
        db.batch(schema_pg::SCHEMA_TABLE_PG)?;
    }
    Ok(())
}

#[cfg(not(feature = "postgres"))]
fn ensure_pg_version_table(_: &Db) -> Result<(), DbError> {
    Ok(())
}

/// TRANSITION: a rusqlite error as a locker error.
fn sql(path: &Option<PathBuf>, source: rusqlite::Error) -> LockerError {
    let name = path
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    db_error(&name, source.into())
}

fn db_error(locker: &str, source: DbError) -> LockerError {
    LockerError::Db {
        locker: locker.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_with_current_schema_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("locker.db");
        let l = Locker::open(&p).unwrap();
        assert_eq!(l.version().unwrap(), CURRENT_VERSION);
        assert_eq!(l.integrity_check().unwrap(), Ok(()));
        drop(l);
        let l = Locker::open(&p).unwrap();
        assert_eq!(l.version().unwrap(), CURRENT_VERSION);
    }

    #[test]
    fn migrates_forward_from_version_1() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("old.db");
        {
            let c = Connection::open(&p).unwrap();
            c.execute_batch(schema::MIGRATIONS[0]).unwrap();
            c.execute_batch("PRAGMA user_version = 1").unwrap();
            c.execute(
                "INSERT INTO bundles (bundle_id, name, status, zip_sha256, ingested_at)
                 VALUES ('b1', 'n', 'verified', 'z', 't')",
                [],
            )
            .unwrap();
        }
        let l = Locker::open(&p).unwrap();
        assert_eq!(l.version().unwrap(), CURRENT_VERSION);
        let n: i64 =
            l.db.row("SELECT count(*) FROM bundles", &[], |r| r.get(0))
                .unwrap();
        assert_eq!(n, 1, "data survives the migration");
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.db");
        Connection::open(&p)
            .unwrap()
            .execute_batch("PRAGMA user_version = 999")
            .unwrap();
        assert!(matches!(
            Locker::open(&p),
            Err(LockerError::TooNew { found: 999, .. })
        ));
    }

    #[test]
    fn audit_and_custody_are_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let l = testing::locker(dir.path());
        l.db.execute(
            "INSERT INTO audit (time, action, actor, host, result) VALUES ('t','a','b','h','ok')",
            &[],
        )
        .unwrap();
        for forge in ["UPDATE audit SET result = 'forged'", "DELETE FROM audit"] {
            let e = l.db.execute(forge, &[]).unwrap_err();
            assert!(e.is_append_only(), "{forge}: {e}");
        }
        let n: i64 =
            l.db.row("SELECT count(*) FROM audit", &[], |r| r.get(0))
                .unwrap();
        assert_eq!(n, 1);
    }
}
