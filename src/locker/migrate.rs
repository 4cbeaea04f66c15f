//! `locker migrate`: a SQLite locker copied whole into another locker (a
//! PostgreSQL one, in the lab), then proved equal.
//!
//! Invariants:
//! - The source is opened read-only and read in one transaction (one
//!   snapshot); it must be at this evidentia's schema version.
//! - The target must be empty; every table is copied with its ids, in
//!   foreign-key order, streamed (`COPY` on PostgreSQL), in ONE
//!   transaction, and PostgreSQL's identity sequences are moved past the
//!   copied ids. Append-only tables are copied too: they refuse UPDATE,
//!   DELETE and TRUNCATE, not INSERT.
//! - Before that transaction commits, every table is read back from the
//!   target: its row count and a SHA-256 over a canonical encoding of
//!   every row in primary-key order, computed here from the values both
//!   backends return, must equal the source's. Otherwise nothing is
//!   committed.

use super::db::{Arg, Backend, Cell, Db, DbError, FromCell, Lock, Value};
use super::{CURRENT_VERSION, Locker, LockerError};
use crate::hash::to_hex;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

/// One table of the schema, as the migration copies it.
struct Table {
    name: &'static str,
    /// Every column, in the table's order.
    cols: &'static [&'static str],
    /// The primary key (every column for a table without one); text
    /// columns are marked, ordered bytewise on both backends.
    key: &'static [(&'static str, bool)],
    /// Has an `id` identity column (a PostgreSQL sequence to move on).
    identity: bool,
}

const ID: &[(&str, bool)] = &[("id", false)];

/// Every table at schema version 7, parents before children.
const TABLES: &[Table] = &[
    Table {
        name: "bundles",
        cols: &[
            "id",
            "bundle_id",
            "name",
            "case_ref",
            "status",
            "zip_sha256",
            "custody_head",
            "sealed_at",
            "ingested_at",
            "store_path",
            "case_json",
            "problems_json",
            "received_sha256",
            "received_bytes",
            "received_path",
        ],
        key: ID,
        identity: true,
    },
    Table {
        name: "items",
        cols: &["id", "bundle", "item_ref", "description"],
        key: ID,
        identity: true,
    },
    Table {
        name: "files",
        cols: &[
            "id",
            "bundle",
            "path",
            "path_bytes",
            "size",
            "md5",
            "sha1",
            "sha256",
            "sha512",
            "blake3",
            "ingest_md5",
            "ingest_sha1",
        ],
        key: ID,
        identity: true,
    },
    Table {
        name: "custody_events",
        cols: &[
            "id",
            "bundle",
            "seq",
            "action",
            "time",
            "signer",
            "event_sha256",
            "event_json",
        ],
        key: ID,
        identity: true,
    },
    Table {
        name: "signers",
        cols: &[
            "key_id",
            "public_key",
            "claimed_name",
            "claimed_org",
            "claimed_country",
            "claimed_role",
            "trust_path",
        ],
        key: &[("key_id", true)],
        identity: false,
    },
    Table {
        name: "audit",
        cols: &[
            "id",
            "time",
            "action",
            "actor",
            "host",
            "bundle_id",
            "result",
            "custody_head",
            "detail",
        ],
        key: ID,
        identity: true,
    },
    Table {
        name: "hashsets",
        cols: &[
            "id",
            "name",
            "kind",
            "source",
            "format",
            "algorithms",
            "imported_at",
            "entries",
        ],
        key: ID,
        identity: true,
    },
    Table {
        name: "hashset_entries",
        cols: &[
            "hashset", "md5", "sha1", "sha256", "sha512", "blake3", "name", "size",
        ],
        key: &[
            ("hashset", false),
            ("md5", false),
            ("sha1", false),
            ("sha256", false),
            ("sha512", false),
            ("blake3", false),
            ("name", true),
            ("size", false),
        ],
        identity: false,
    },
    Table {
        name: "matches",
        cols: &[
            "id",
            "file",
            "hashset",
            "algorithm",
            "listed_name",
            "origin",
        ],
        key: ID,
        identity: true,
    },
    Table {
        name: "event_signers",
        cols: &[
            "bundle",
            "seq",
            "signer_kind",
            "certified_name",
            "certified_org",
            "certified_country",
            "certified_role",
            "certified_email",
            "trust_path",
        ],
        key: &[("bundle", false), ("seq", false)],
        identity: false,
    },
    Table {
        name: "bundle_digests",
        cols: &["bundle", "algorithm", "origin"],
        key: &[("bundle", false), ("algorithm", true)],
        identity: false,
    },
    Table {
        name: "derivations",
        cols: &[
            "bundle",
            "original_bundle_id",
            "original_custody_head",
            "original_sealed",
            "original_key_id",
            "original_name",
            "original_org",
            "original_country",
            "purpose",
            "disclosed",
            "withheld",
            "recorded_at_source",
            "manifest_revealed",
        ],
        key: &[("bundle", false)],
        identity: false,
    },
    Table {
        name: "exports",
        cols: &[
            "bundle",
            "seq",
            "derived_bundle_id",
            "derived_custody_head",
            "files",
            "selection_sha256",
            "purpose",
        ],
        key: &[("bundle", false), ("seq", false)],
        identity: false,
    },
];

/// Why a migration was refused; nothing was committed to the target.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// A locker (source or target) failed.
    #[error(transparent)]
    Locker(#[from] LockerError),
    /// The source is not at this evidentia's schema version.
    #[error(
        "{path}: schema version {found}, this evidentia migrates from version {known} only{}",
        if *found < *known {
            "; open it once with this evidentia (e.g. `evidentia locker list --locker FILE`), \
             which brings it to the current version, then migrate"
        } else {
            "; use the evidentia that wrote it"
        }
    )]
    SourceVersion {
        /// The source file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// The target already holds rows (ids are kept, so they would clash).
    #[error(
        "{locker}: table {table} already holds rows; migrate into an empty locker \
         (a new database)"
    )]
    TargetNotEmpty {
        /// The target locker.
        locker: String,
        /// The first table found not empty.
        table: &'static str,
    },
    /// A row could not be copied.
    #[error("table {table}, row {row}: {source}")]
    Copy {
        /// The table.
        table: &'static str,
        /// The row's position in key order, from 1.
        row: u64,
        /// What the target (or the source) said.
        #[source]
        source: DbError,
    },
    /// The copy read back differs from the source: rolled back.
    #[error("table {table}: the copy differs from the source ({what}); nothing was committed")]
    Mismatch {
        /// The table.
        table: &'static str,
        /// Rows or digest, source and copy.
        what: String,
    },
}

/// One table as migrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    /// The table.
    pub table: &'static str,
    /// Rows copied (and read back).
    pub rows: u64,
    /// Hex SHA-256 over its rows' canonical encoding, equal on both sides.
    pub sha256: String,
}

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The source locker file.
    pub from: String,
    /// The target locker, as messages name it.
    pub to: String,
    /// The schema version of both.
    pub version: i64,
    /// Every table, in copy order.
    pub tables: Vec<TableReport>,
}

/// Copy the SQLite locker `from` into the empty locker `to`, verify the
/// copy table by table, and commit only if every table is equal.
pub fn migrate(from: &Path, to: &Locker) -> Result<MigrationReport, MigrateError> {
    let source = open_source(from)?;
    let name = from.display().to_string();
    let src = |e: DbError| super::db_error(&name, e);
    // One snapshot of the source for the copy and its digests.
    source.batch("BEGIN").map_err(src)?;
    let tx = to.q(to
        .db
        .begin(&[Lock::Schema, Lock::Hashsets { exclusive: true }]))?;
    for t in TABLES {
        let any = to.q(tx.opt_row(
            &format!("SELECT 1 FROM {} LIMIT 1", t.name),
            &[],
            |_| Ok(()),
        ))?;
        if any.is_some() {
            return Err(MigrateError::TargetNotEmpty {
                locker: to.name().to_owned(),
                table: t.name,
            });
        }
    }
    let mut tables = Vec::new();
    for t in TABLES {
        let copied = copy_table(&source, &tx, t)?;
        if t.identity && tx.backend() == Backend::Postgres {
            to.q(tx.batch(&format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), max(id)) FROM {0}",
                t.name
            )))?;
        }
        let again = digest_table(&tx, t).map_err(|e| copy_error(t, e))?;
        if again != copied {
            return Err(MigrateError::Mismatch {
                table: t.name,
                what: format!(
                    "source {} rows, sha256 {}; copy {} rows, sha256 {}",
                    copied.0, copied.1, again.0, again.1
                ),
            });
        }
        tables.push(TableReport {
            table: t.name,
            rows: copied.0,
            sha256: copied.1,
        });
    }
    to.q(tx.commit())?;
    source.batch("ROLLBACK").map_err(src)?;
    Ok(MigrationReport {
        from: name,
        to: to.name().to_owned(),
        version: CURRENT_VERSION,
        tables,
    })
}

fn copy_error(t: &Table, (row, source): (u64, DbError)) -> MigrateError {
    MigrateError::Copy {
        table: t.name,
        row,
        source,
    }
}

/// The source, read-only, at the current schema version.
fn open_source(path: &Path) -> Result<Db, MigrateError> {
    let name = path.display().to_string();
    let err = |e: DbError| MigrateError::Locker(super::db_error(&name, e));
    if !path.is_file() {
        return Err(MigrateError::Locker(LockerError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        }));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(e.into()))?;
    let db = Db::sqlite(conn);
    let found: i64 = db
        .row("PRAGMA user_version", &[], |r| r.get(0))
        .map_err(err)?;
    if found != CURRENT_VERSION {
        return Err(MigrateError::SourceVersion {
            path: path.to_path_buf(),
            found,
            known: CURRENT_VERSION,
        });
    }
    Ok(db)
}

/// `SELECT every column FROM t ORDER BY its key`, bytewise on both
/// backends, NULLs first.
fn select(db: &Db, t: &Table) -> String {
    let order: Vec<String> = t
        .key
        .iter()
        .map(|(c, text)| match (db.backend(), text) {
            (Backend::Postgres, true) => format!("{c} COLLATE \"C\" NULLS FIRST"),
            _ => format!("{c} NULLS FIRST"),
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        t.cols.join(", "),
        t.name,
        order.join(", ")
    )
}

/// Copy `t` from `source` into the target `tx`, hashing each row as it
/// is read: the row count and the digest.
fn copy_table(source: &Db, tx: &Db, t: &'static Table) -> Result<(u64, String), MigrateError> {
    let mut hash = TableHash::new(t);
    let mut row = vec![Owned::Null; t.cols.len()];
    let sent = tx.copy_in(t.name, t.cols, |sink| {
        source.query(&select(source, t), &[], |r| {
            for (i, v) in row.iter_mut().enumerate() {
                *v = r.get(i)?;
            }
            hash.row(&row);
            let args: Vec<&dyn Arg> = row.iter().map(|v| v as &dyn Arg).collect();
            sink.row(&args)
        })
    });
    sent.map_err(|e| copy_error(t, (hash.rows, e)))?;
    Ok(hash.finish())
}

/// The row count and digest of `t` as `db` returns it.
fn digest_table(db: &Db, t: &Table) -> Result<(u64, String), (u64, DbError)> {
    let mut hash = TableHash::new(t);
    let mut row = vec![Owned::Null; t.cols.len()];
    db.query(&select(db, t), &[], |r| {
        for (i, v) in row.iter_mut().enumerate() {
            *v = r.get(i)?;
        }
        hash.row(&row);
        Ok(())
    })
    .map_err(|e| (hash.rows, e))?;
    Ok(hash.finish())
}

/// SHA-256 over a table's name, columns and rows. Each value is a tag
/// byte (0 NULL, 1 integer, 2 text, 3 bytes), then an integer as 8 bytes
/// big-endian, text and bytes as their length (8 bytes big-endian) and
/// themselves.
struct TableHash {
    sha: Sha256,
    rows: u64,
}

impl TableHash {
    fn new(t: &Table) -> TableHash {
        let mut sha = Sha256::new();
        sha.update(b"evidentia locker table v1\0");
        sha.update(t.name.as_bytes());
        for c in t.cols {
            sha.update(b"\0");
            sha.update(c.as_bytes());
        }
        sha.update(b"\n");
        TableHash { sha, rows: 0 }
    }

    fn row(&mut self, row: &[Owned]) {
        self.rows += 1;
        for v in row {
            match v {
                Owned::Null => self.sha.update([0]),
                Owned::Int(i) => {
                    self.sha.update([1]);
                    self.sha.update(i.to_be_bytes());
                }
                Owned::Text(s) => self.bytes(2, s.as_bytes()),
                Owned::Blob(b) => self.bytes(3, b),
            }
        }
    }

    fn bytes(&mut self, tag: u8, b: &[u8]) {
        self.sha.update([tag]);
        self.sha.update((b.len() as u64).to_be_bytes());
        self.sha.update(b);
    }

    fn finish(self) -> (u64, String) {
        (self.rows, to_hex(&self.sha.finalize()))
    }
}

/// A column value, owned, of the kinds a locker stores.
#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl FromCell for Owned {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        Ok(match c {
            Cell::Null => Owned::Null,
            Cell::Int(i) => Owned::Int(i),
            Cell::Text(t) => Owned::Text(t.to_owned()),
            Cell::Blob(b) => Owned::Blob(b.to_vec()),
            Cell::Real(_) => return Err("a real number (no locker column holds one)"),
        })
    }
}

impl Arg for Owned {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(match self {
            Owned::Null => Value::Null,
            Owned::Int(i) => Value::Int(*i),
            Owned::Text(t) => Value::Text(t),
            Owned::Blob(b) => Value::Blob(b),
        })
    }
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
