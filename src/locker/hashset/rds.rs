//! NSRL RDS v3 (a SQLite database) into a hash set.
//!
//! The RDS file is opened read-only and `immutable` (never written, never
//! locked). Its layout (the `FILE` view, or the minimal `DISTINCT_HASH`
//! table, and which digest columns it has) is read through that
//! connection. Then, on SQLite, the file is attached to the locker and one
//! `INSERT ... SELECT unhex(..)` copies the rows at SQLite's own speed; on
//! PostgreSQL the rows are streamed from the RDS connection, decoded in
//! Rust with `unhex`'s semantics ([`unhex`]) and sent with `COPY`. Either
//! way memory stays bounded whatever the row count, a row with no usable
//! digest is skipped (counted), and a name holding a NUL byte is stored
//! with U+FFFD in its place (counted).

use super::{ENTRY_COLS, HashsetFormat, ImportCounts, ImportOptions, clean_name, finish_set};
use crate::hash::Algorithm;
use crate::locker::db::{CopySink, DbError, Lock};
use crate::locker::{Locker, LockerError};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;

/// Where the rows are and which digest columns they have.
struct Layout {
    /// `FILE` or `DISTINCT_HASH`, as the database spells it (no `"`).
    table: String,
    /// Its column names, lower case.
    cols: Vec<String>,
    /// The digest columns present, in the locker's order.
    algos: Vec<Algorithm>,
}

impl Layout {
    fn has(&self, c: &str) -> bool {
        self.cols.iter().any(|x| x == c)
    }

    /// `c` if the table has it, else NULL.
    fn col(&self, c: &str) -> String {
        if self.has(c) {
            c.to_string()
        } else {
            "NULL".into()
        }
    }
}

/// Import the RDS `file` as a new set: attached to a SQLite locker, or
/// streamed (always on PostgreSQL; `stream` on SQLite for the tests that
/// hold both paths to the same result).
pub(super) fn import(
    l: &Locker,
    file: &Path,
    opts: &ImportOptions,
    stream: bool,
) -> Result<ImportCounts, LockerError> {
    let bad = |reason: String| LockerError::BadInput {
        path: file.to_path_buf(),
        reason,
    };
    let uri = format!("file:{}?mode=ro&immutable=1", uri_escape(file));
    let rds = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| bad(format!("cannot open as SQLite: {e}")))?;
    let layout = layout(&rds).map_err(bad)?;
    if stream {
        return import_streamed(l, file, opts, &rds, &layout);
    }
    drop(rds);
    l.q(l.db.execute("ATTACH DATABASE ?1 AS rds", &[&uri]))
        .map_err(|e| bad(format!("cannot attach: {e}")))?;
    let result = import_attached(l, file, opts, &layout);
    let detach = l.db.batch("DETACH DATABASE rds");
    let counts = result?;
    l.q(detach)?;
    Ok(counts)
}

/// The table holding the rows and its digest columns.
fn layout(rds: &Connection) -> Result<Layout, String> {
    let table: Option<String> = rds
        .query_row(
            "SELECT name FROM sqlite_master WHERE type IN ('table','view')
             AND upper(name) IN ('FILE','DISTINCT_HASH')
             ORDER BY upper(name) = 'FILE' DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| format!("not an NSRL RDS v3 database: {e}"))?;
    let Some(table) = table else {
        return Err("not an NSRL RDS v3 database: no FILE view or DISTINCT_HASH table".into());
    };
    let table = table.replace('"', "");
    let cols = rds
        .prepare(&format!("PRAGMA table_info(\"{table}\")"))
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(1))?
                .map(|c| c.map(|c| c.to_ascii_lowercase()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| format!("cannot read the columns of {table}: {e}"))?;
    let mut layout = Layout {
        table,
        cols,
        algos: Vec::new(),
    };
    layout.algos = [Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]
        .into_iter()
        .filter(|a| layout.has(a.name()))
        .collect();
    if layout.algos.is_empty() {
        return Err(format!(
            "{} has no md5, sha1 or sha256 column",
            layout.table
        ));
    }
    Ok(layout)
}

/// SQLite: one `INSERT ... SELECT` from the attached RDS, then the names
/// holding a NUL byte (SQLite's `replace` stops at one) fixed in Rust.
fn import_attached(
    l: &Locker,
    file: &Path,
    opts: &ImportOptions,
    layout: &Layout,
) -> Result<ImportCounts, LockerError> {
    let pick = |c: &str| {
        if layout.has(c) {
            format!("unhex({c})")
        } else {
            "NULL".into()
        }
    };
    let any_hash = layout
        .algos
        .iter()
        .map(|a| format!("unhex({}) IS NOT NULL", a.name()))
        .collect::<Vec<_>>()
        .join(" OR ");
    let from = format!("rds.\"{}\"", layout.table);
    let insert = format!(
        "INSERT INTO hashset_entries (hashset, md5, sha1, sha256, name, size)
         SELECT ?1, {}, {}, {}, {}, {} FROM {from} WHERE {any_hash}",
        pick("md5"),
        pick("sha1"),
        pick("sha256"),
        layout.col("file_name"),
        layout.col("file_size"),
    );
    let tx = l.q(l.db.begin(&[Lock::Hashsets { exclusive: true }]))?;
    let id = l.insert_set(&tx, opts, file, HashsetFormat::NsrlRdsV3, &layout.algos)?;
    let last: i64 = l.q(tx.row(
        "SELECT coalesce(max(rowid), 0) FROM hashset_entries",
        &[],
        |r| r.get(0),
    ))?;
    let entries = l.q(tx.execute(&insert, &[&id]))?;
    let total: u64 = l.q(tx.row(&format!("SELECT count(*) FROM {from}"), &[], |r| r.get(0)))?;
    let mut counts = ImportCounts {
        skipped: total.saturating_sub(entries as u64),
        nul_names: 0,
    };
    let nul: Vec<(i64, String)> = l.q(tx.rows(
        "SELECT rowid, name FROM hashset_entries
         WHERE rowid > ?1 AND instr(name, char(0)) > 0",
        &[&last],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))?;
    for (rowid, name) in nul {
        let name = clean_name(name, &mut counts.nul_names);
        l.q(tx.execute(
            "UPDATE hashset_entries SET name = ?2 WHERE rowid = ?1",
            &[&rowid, &name],
        ))?;
    }
    l.q(finish_set(&tx, id, entries as u64))?;
    l.q(tx.commit())?;
    Ok(counts)
}

/// Streamed: every row read from the RDS connection, decoded here, sent
/// with `COPY`; the whole set in one transaction.
fn import_streamed(
    l: &Locker,
    file: &Path,
    opts: &ImportOptions,
    rds: &Connection,
    layout: &Layout,
) -> Result<ImportCounts, LockerError> {
    let select = format!(
        "SELECT {}, {}, {}, {}, {} FROM \"{}\"",
        layout.col("md5"),
        layout.col("sha1"),
        layout.col("sha256"),
        layout.col("file_name"),
        layout.col("file_size"),
        layout.table,
    );
    let mut counts = ImportCounts::default();
    let mut read_error = None;
    let tx = l.q(l.db.begin(&[Lock::Hashsets { exclusive: true }]))?;
    let id = l.insert_set(&tx, opts, file, HashsetFormat::NsrlRdsV3, &layout.algos)?;
    let sent = tx.copy_in("hashset_entries", &ENTRY_COLS, |sink| {
        match send_rows(rds, &select, id, sink, &mut counts) {
            Ok(r) => r,
            Err(e) => {
                read_error = Some(e);
                Err(DbError::Range("the RDS could not be read".into()))
            }
        }
    });
    if let Some(e) = read_error {
        return Err(LockerError::BadInput {
            path: file.to_path_buf(),
            reason: format!("cannot read the rows: {e}"),
        });
    }
    let entries = l.q(sent)?;
    l.q(finish_set(&tx, id, entries))?;
    l.q(tx.commit())?;
    Ok(counts)
}

/// Send every row of `select` with a usable digest; the outer error is
/// the RDS's, the inner the locker's.
fn send_rows(
    rds: &Connection,
    select: &str,
    id: i64,
    sink: &mut CopySink<'_>,
    counts: &mut ImportCounts,
) -> rusqlite::Result<Result<(), DbError>> {
    let mut st = rds.prepare(select)?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let md5 = unhex(r.get_ref(0)?);
        let sha1 = unhex(r.get_ref(1)?);
        let sha256 = unhex(r.get_ref(2)?);
        if md5.is_none() && sha1.is_none() && sha256.is_none() {
            counts.skipped += 1;
            continue;
        }
        let name = text(r.get_ref(3)?).map(|n| clean_name(n, &mut counts.nul_names));
        let size = integer(r.get_ref(4)?);
        let none: Option<&[u8]> = None;
        let sent = sink.row(&[&id, &md5, &sha1, &sha256, &none, &none, &name, &size]);
        if sent.is_err() {
            return Ok(sent);
        }
    }
    Ok(Ok(()))
}

/// SQLite's `unhex(X)`: `X` as text up to a NUL byte (an integer by its
/// decimal digits), an even number of hex digits of either case, else
/// `None` (NULL). The empty text is the empty blob, as `unhex('')` is.
pub(crate) fn unhex(v: ValueRef<'_>) -> Option<Vec<u8>> {
    let mut digits: Vec<u8> = match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
        ValueRef::Integer(i) => i.to_string().into_bytes(),
        ValueRef::Null | ValueRef::Real(_) => return None,
    };
    // SQLite reads its argument as a C string: a NUL ends it.
    if let Some(end) = digits.iter().position(|&b| b == 0) {
        digits.truncate(end);
    }
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    digits
        .chunks_exact(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// A listed name as text: what SQLite's TEXT column would make of it
/// (bytes that are not UTF-8 repaired, as the text lists' names are).
fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
    }
}

/// A listed size: an integer, or text holding one (as SQLite's INTEGER
/// column would store it); anything else none.
fn integer(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// Percent-encode a path for an SQLite `file:` URI.
fn uri_escape(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut s = String::new();
    for &b in p.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unhex_is_sqlites() {
        let db = Connection::open_in_memory().unwrap();
        for x in [
            "00ff", "00FF", "abc", "zz", "", "0g", " 12", "12\0", "12\0zz", "\0",
        ] {
            let sqlite: Option<Vec<u8>> =
                db.query_row("SELECT unhex(?1)", [x], |r| r.get(0)).unwrap();
            assert_eq!(unhex(ValueRef::Text(x.as_bytes())), sqlite, "{x:?}");
        }
        let sqlite: Option<Vec<u8>> = db
            .query_row("SELECT unhex(1234)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(unhex(ValueRef::Integer(1234)), sqlite);
        assert_eq!(unhex(ValueRef::Null), None);
    }
}
