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

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors from the locker.
#[derive(Debug, thiserror::Error)]
pub enum LockerError {
    /// SQLite failed.
    #[error("locker {path}: {source}")]
    Sqlite {
        /// The locker file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
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
    #[error("locker {path} has schema version {found}; this evidentia knows up to {known}")]
    TooNew {
        /// The locker file.
        path: PathBuf,
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
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Locker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Locker({})", self.path.display())
    }
}

impl Locker {
    /// Open (creating if needed) the locker at `path` and migrate it to the
    /// current schema.
    pub fn open(path: &Path) -> Result<Locker, LockerError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql(path, e))?;
        let mut locker = Locker {
            conn,
            path: path.to_path_buf(),
        };
        locker.configure()?;
        locker.migrate()?;
        Ok(locker)
    }

    /// The locker file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version in the file.
    pub fn version(&self) -> Result<i64, LockerError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Run SQLite's `integrity_check`; `Ok(())` when it says "ok".
    pub fn integrity_check(&self) -> Result<Result<(), String>, LockerError> {
        let s: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(if s == "ok" { Ok(()) } else { Err(s) })
    }

    fn err(&self, e: rusqlite::Error) -> LockerError {
        sql(&self.path, e)
    }

    fn configure(&mut self) -> Result<(), LockerError> {
        self.conn
            .busy_timeout(Duration::from_secs(60))
            .map_err(|e| self.err(e))?;
        // Switching a new file to WAL needs a moment alone with it: when
        // another process is opening the same new locker, SQLite answers
        // BUSY or leaves the old mode. Retry for a while before concluding
        // that the file system cannot do WAL.
        let mut tries = 0;
        loop {
            let mode = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
            match mode {
                Ok(m) if m.eq_ignore_ascii_case("wal") => break,
                Ok(_) | Err(_) if tries < 200 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(mode) => {
                    return Err(LockerError::NoWal {
                        path: self.path.clone(),
                        mode,
                    });
                }
                Err(e) => return Err(self.err(e)),
            }
        }
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
            .map_err(|e| self.err(e))?;
        let fk: i64 = self
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let sync: i64 = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if fk != 1 || sync != 2 {
            return Err(self.err(rusqlite::Error::InvalidQuery));
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), LockerError> {
        loop {
            let path = self.path.clone();
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql(&path, e))?;
            // Read the version inside the write lock: another process may
            // have migrated while we waited.
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| sql(&path, e))?;
            if version > CURRENT_VERSION {
                return Err(LockerError::TooNew {
                    path,
                    found: version,
                    known: CURRENT_VERSION,
                });
            }
            if version == CURRENT_VERSION {
                return tx.commit().map_err(|e| sql(&path, e));
            }
            tx.execute_batch(schema::MIGRATIONS[version as usize])
                .map_err(|e| sql(&path, e))?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", version + 1))
                .map_err(|e| sql(&path, e))?;
            tx.commit().map_err(|e| sql(&path, e))?;
        }
    }
}

fn sql(path: &Path, source: rusqlite::Error) -> LockerError {
    LockerError::Sqlite {
        path: path.to_path_buf(),
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
        let n: i64 = l
            .conn
            .query_row("SELECT count(*) FROM bundles", [], |r| r.get(0))
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
        let l = Locker::open(&dir.path().join("l.db")).unwrap();
        l.conn
            .execute(
                "INSERT INTO audit (time, action, actor, host, result) VALUES ('t','a','b','h','ok')",
                [],
            )
            .unwrap();
        let e = l
            .conn
            .execute("UPDATE audit SET result = 'forged'", [])
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        let e = l.conn.execute("DELETE FROM audit", []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}
