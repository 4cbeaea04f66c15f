//! Known-hash sets: import from NSRL RDS v3 (the SQLite database NIST
//! publishes), hashdeep files and sums lists; look digests up.
//!
//! An NSRL import never copies rows through Rust: the RDS file is attached
//! read-only (`immutable`) and its rows are inserted by one SQL statement,
//! so SQLite streams them at its own speed with bounded memory. Text lists
//! are parsed whole and refused if any line is unreadable: a partly
//! imported known-bad list would silently miss material.

use super::{Locker, LockerError, sql};
use crate::hash::{Algorithm, Digest};
use crate::hashlist::{ListKind, parse_list};
use rusqlite::{OptionalExtension, params};
use std::io::Read;
use std::path::Path;

/// What a hash set says about a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashsetKind {
    /// Known software, safe to ignore (e.g. NSRL).
    KnownGood,
    /// Known illegal or malicious material: a match is an alert.
    KnownBad,
}

impl HashsetKind {
    /// `known-good` or `known-bad`.
    pub fn as_str(self) -> &'static str {
        match self {
            HashsetKind::KnownGood => "known-good",
            HashsetKind::KnownBad => "known-bad",
        }
    }

    fn parse(s: &str) -> HashsetKind {
        if s == "known-bad" {
            HashsetKind::KnownBad
        } else {
            HashsetKind::KnownGood
        }
    }
}

/// The format a hash set was imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashsetFormat {
    /// NSRL RDS v3 SQLite database (`FILE` view or minimal `DISTINCT_HASH`).
    NsrlRdsV3,
    /// A HASHDEEP-1.0 file.
    Hashdeep,
    /// A sums list (coreutils, b3sum or tagged lines).
    Sums,
}

impl HashsetFormat {
    /// A short name.
    pub fn as_str(self) -> &'static str {
        match self {
            HashsetFormat::NsrlRdsV3 => "nsrl-rds-v3",
            HashsetFormat::Hashdeep => "hashdeep",
            HashsetFormat::Sums => "sums",
        }
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The set's name in the locker (unique).
    pub name: String,
    /// Known-good or known-bad.
    pub kind: HashsetKind,
    /// What a bare 64-hex-digit sums line is (default SHA-256).
    pub untagged_64: Option<Algorithm>,
    /// The import time (RFC 3339), recorded.
    pub now: String,
}

/// A hash set in the locker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashsetInfo {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Known-good or known-bad.
    pub kind: HashsetKind,
    /// Where it was imported from.
    pub source: String,
    /// Its format name.
    pub format: String,
    /// Algorithms it carries.
    pub algorithms: Vec<Algorithm>,
    /// When it was imported.
    pub imported_at: String,
    /// Number of entries.
    pub entries: i64,
}

/// A digest found in a hash set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownMatch {
    /// The set's name.
    pub hashset: String,
    /// Known-good or known-bad.
    pub kind: HashsetKind,
    /// The algorithm that matched.
    pub algorithm: Algorithm,
    /// The file name the set lists for this digest, if any.
    pub listed_name: Option<String>,
}

/// Column names for algorithms (fixed strings, never user input).
fn column(a: Algorithm) -> &'static str {
    a.name()
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const MAX_LIST_BYTES: u64 = 4 << 30;

impl Locker {
    /// Import a hash set from `file` (format detected from its content).
    pub fn import_hashset(
        &mut self,
        file: &Path,
        opts: &ImportOptions,
    ) -> Result<HashsetInfo, LockerError> {
        let io = |source| LockerError::Io {
            path: file.to_path_buf(),
            source,
        };
        let mut f = std::fs::File::open(file).map_err(io)?;
        let mut magic = [0u8; 16];
        let n = f.read(&mut magic).map_err(io)?;
        if self.hashset(&opts.name)?.is_some() {
            return Err(LockerError::Hashset(format!(
                "a hash set named {:?} already exists",
                opts.name
            )));
        }
        if n == 16 && &magic == SQLITE_MAGIC {
            drop(f);
            return self.import_rds(file, opts);
        }
        let mut data = magic[..n].to_vec();
        f.take(MAX_LIST_BYTES).read_to_end(&mut data).map_err(io)?;
        let list = parse_list(&data, opts.untagged_64);
        drop(data);
        if let Some(p) = list.problems.first() {
            return Err(LockerError::BadInput {
                path: file.to_path_buf(),
                reason: format!(
                    "line {}: {} ({} unreadable lines; nothing imported)",
                    p.line,
                    p.reason,
                    list.problems.len()
                ),
            });
        }
        if list.entries.is_empty() {
            return Err(LockerError::BadInput {
                path: file.to_path_buf(),
                reason: "no hashes found (expected an NSRL RDS v3 database, a hashdeep file or a sums list)".into(),
            });
        }
        let format = if list.kind == ListKind::Hashdeep {
            HashsetFormat::Hashdeep
        } else {
            HashsetFormat::Sums
        };
        let mut algos: Vec<Algorithm> = list
            .entries
            .iter()
            .flat_map(|e| e.expected.iter().map(|d| d.algorithm))
            .collect();
        algos.sort();
        algos.dedup();
        let path = self.path.clone();
        let tx = self.legacy_tx().map_err(|e| sql(&path, e))?;
        let id = insert_set(&tx, opts, file, format, &algos).map_err(|e| sql(&path, e))?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO hashset_entries (hashset, md5, sha1, sha256, sha512, blake3, name, size)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(|e| sql(&path, e))?;
            for e in &list.entries {
                let get = |a: Algorithm| {
                    e.expected
                        .iter()
                        .find(|d| d.algorithm == a)
                        .map(|d| d.bytes.clone())
                };
                let name = String::from_utf8_lossy(&e.name).into_owned();
                stmt.execute(params![
                    id,
                    get(Algorithm::Md5),
                    get(Algorithm::Sha1),
                    get(Algorithm::Sha256),
                    get(Algorithm::Sha512),
                    get(Algorithm::Blake3),
                    name,
                    e.size.map(|s| s as i64),
                ])
                .map_err(|e| sql(&path, e))?;
            }
        }
        finish_set(&tx, id).map_err(|e| sql(&path, e))?;
        tx.commit().map_err(|e| sql(&path, e))?;
        self.hashset(&opts.name)?
            .ok_or_else(|| LockerError::Hashset("import vanished".into()))
    }

    fn import_rds(
        &mut self,
        file: &Path,
        opts: &ImportOptions,
    ) -> Result<HashsetInfo, LockerError> {
        let path = self.path.clone();
        let bad = |reason: String| LockerError::BadInput {
            path: file.to_path_buf(),
            reason,
        };
        let uri = format!("file:{}?mode=ro&immutable=1", uri_escape(file));
        self.legacy()
            .execute("ATTACH DATABASE ?1 AS rds", [&uri])
            .map_err(|e| bad(format!("cannot open as SQLite: {e}")))?;
        let result = (|| {
            let table: Option<String> = self
                .legacy()
                .query_row(
                    "SELECT name FROM rds.sqlite_master WHERE type IN ('table','view')
                     AND upper(name) IN ('FILE','DISTINCT_HASH') ORDER BY upper(name) = 'FILE' DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| bad(format!("not an NSRL RDS v3 database: {e}")))?;
            let Some(table) = table else {
                return Err(bad(
                    "not an NSRL RDS v3 database: no FILE view or DISTINCT_HASH table".into(),
                ));
            };
            let mut cols = Vec::new();
            {
                let mut stmt = self
                    .legacy()
                    .prepare(&format!(
                        "PRAGMA rds.table_info(\"{}\")",
                        table.replace('"', "")
                    ))
                    .map_err(|e| sql(&path, e))?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(1))
                    .map_err(|e| sql(&path, e))?;
                for c in rows {
                    cols.push(c.map_err(|e| sql(&path, e))?.to_ascii_lowercase());
                }
            }
            let has = |c: &str| cols.iter().any(|x| x == c);
            let algos: Vec<Algorithm> = [Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]
                .into_iter()
                .filter(|a| has(column(*a)))
                .collect();
            if algos.is_empty() {
                return Err(bad(format!("{table} has no md5, sha1 or sha256 column")));
            }
            let pick = |c: &str| {
                if has(c) {
                    format!("unhex({c})")
                } else {
                    "NULL".into()
                }
            };
            let plain = |c: &str| if has(c) { c.to_string() } else { "NULL".into() };
            let any_hash = algos
                .iter()
                .map(|a| format!("unhex({}) IS NOT NULL", column(*a)))
                .collect::<Vec<_>>()
                .join(" OR ");
            let insert = format!(
                "INSERT INTO hashset_entries (hashset, md5, sha1, sha256, name, size)
                 SELECT ?1, {}, {}, {}, {}, {} FROM rds.\"{}\" WHERE {any_hash}",
                pick("md5"),
                pick("sha1"),
                pick("sha256"),
                plain("file_name"),
                plain("file_size"),
                table.replace('"', ""),
            );
            let tx = self.legacy_tx().map_err(|e| sql(&path, e))?;
            let id = insert_set(&tx, opts, file, HashsetFormat::NsrlRdsV3, &algos)
                .map_err(|e| sql(&path, e))?;
            tx.execute(&insert, [id]).map_err(|e| sql(&path, e))?;
            finish_set(&tx, id).map_err(|e| sql(&path, e))?;
            tx.commit().map_err(|e| sql(&path, e))
        })();
        let detach = self.legacy().execute("DETACH DATABASE rds", []);
        result?;
        detach.map_err(|e| sql(&path, e))?;
        self.hashset(&opts.name)?
            .ok_or_else(|| LockerError::Hashset("import vanished".into()))
    }

    /// One hash set by name.
    pub fn hashset(&self, name: &str) -> Result<Option<HashsetInfo>, LockerError> {
        Ok(self.hashsets()?.into_iter().find(|h| h.name == name))
    }

    /// Every hash set, by name.
    pub fn hashsets(&self) -> Result<Vec<HashsetInfo>, LockerError> {
        let mut stmt = self
            .legacy()
            .prepare(
                "SELECT id, name, kind, source, format, algorithms, imported_at, entries
                 FROM hashsets ORDER BY name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let algos: String = r.get(5)?;
                Ok(HashsetInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    kind: HashsetKind::parse(&r.get::<_, String>(2)?),
                    source: r.get(3)?,
                    format: r.get(4)?,
                    algorithms: algos.split(',').filter_map(|a| a.parse().ok()).collect(),
                    imported_at: r.get(6)?,
                    entries: r.get(7)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Look `digests` up in the given sets (by row id).
    pub fn lookup(
        &self,
        digests: &[Digest],
        sets: &[HashsetInfo],
    ) -> Result<Vec<KnownMatch>, LockerError> {
        let mut found = Vec::new();
        for d in digests {
            for set in sets.iter().filter(|s| s.algorithms.contains(&d.algorithm)) {
                let q = format!(
                    "SELECT name FROM hashset_entries WHERE {} = ?1 AND hashset = ?2 LIMIT 1",
                    column(d.algorithm)
                );
                let hit: Option<Option<String>> = self
                    .legacy()
                    .prepare_cached(&q)
                    .and_then(|mut s| {
                        s.query_row(params![d.bytes, set.id], |r| r.get(0))
                            .optional()
                    })
                    .map_err(|e| self.err(e))?;
                if let Some(listed_name) = hit
                    && !found.iter().any(|m: &KnownMatch| m.hashset == set.name)
                {
                    found.push(KnownMatch {
                        hashset: set.name.clone(),
                        kind: set.kind,
                        algorithm: d.algorithm,
                        listed_name,
                    });
                }
            }
        }
        Ok(found)
    }
}

fn insert_set(
    tx: &rusqlite::Transaction<'_>,
    opts: &ImportOptions,
    file: &Path,
    format: HashsetFormat,
    algos: &[Algorithm],
) -> rusqlite::Result<i64> {
    let algos = algos.iter().map(|a| a.name()).collect::<Vec<_>>().join(",");
    tx.execute(
        "INSERT INTO hashsets (name, kind, source, format, algorithms, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![opts.name, opts.kind.as_str(), file.to_string_lossy(), format.as_str(), algos, opts.now],
    )?;
    Ok(tx.last_insert_rowid())
}

fn finish_set(tx: &rusqlite::Transaction<'_>, id: i64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE hashsets SET entries = (SELECT count(*) FROM hashset_entries WHERE hashset = ?1) WHERE id = ?1",
        [id],
    )?;
    Ok(())
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
    use crate::hash::HasherState;

    fn digest(a: Algorithm, data: &[u8]) -> Digest {
        let mut h = HasherState::new(a);
        h.update(data);
        h.finalize()
    }

    fn opts(name: &str, kind: HashsetKind) -> ImportOptions {
        ImportOptions {
            name: name.into(),
            kind,
            untagged_64: None,
            now: "2026-11-29T00:00:00Z".into(),
        }
    }

    /// A database shaped like NSRL RDS v3: upper-case hex in a FILE view.
    fn make_rds(path: &Path) {
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute_batch(
            "CREATE TABLE METADATA (sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT, file_name TEXT, file_size INTEGER, package_id INTEGER);
             CREATE VIEW FILE AS SELECT sha256, sha1, md5, crc32, file_name, file_size, package_id FROM METADATA;",
        )
        .unwrap();
        for (name, data) in [("notepad.exe", &b"notepad"[..]), ("calc.exe", b"calc")] {
            let up = |a| crate::hash::to_hex(&digest(a, data).bytes).to_ascii_uppercase();
            c.execute(
                "INSERT INTO METADATA VALUES (?1, ?2, ?3, '0', ?4, ?5, 1)",
                params![
                    up(Algorithm::Sha256),
                    up(Algorithm::Sha1),
                    up(Algorithm::Md5),
                    name,
                    data.len() as i64
                ],
            )
            .unwrap();
        }
    }

    #[test]
    fn rds_import_and_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let rds = dir.path().join("RDS_2026.09.1_modern.db");
        make_rds(&rds);
        let before = std::fs::read(&rds).unwrap();
        let mut l = Locker::open(&dir.path().join("l.db")).unwrap();
        let info = l
            .import_hashset(&rds, &opts("nsrl", HashsetKind::KnownGood))
            .unwrap();
        assert_eq!(info.entries, 2);
        assert_eq!(
            info.algorithms,
            vec![Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]
        );
        assert_eq!(
            std::fs::read(&rds).unwrap(),
            before,
            "the RDS file is never modified"
        );
        let sets = l.hashsets().unwrap();
        let m = l
            .lookup(&[digest(Algorithm::Sha256, b"calc")], &sets)
            .unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].listed_name.as_deref(), Some("calc.exe"));
        assert!(
            l.lookup(&[digest(Algorithm::Sha256, b"other")], &sets)
                .unwrap()
                .is_empty()
        );
        // A second import under the same name is refused.
        assert!(
            l.import_hashset(&rds, &opts("nsrl", HashsetKind::KnownGood))
                .is_err()
        );
    }

    #[test]
    fn sums_import_is_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Locker::open(&dir.path().join("l.db")).unwrap();
        let good = dir.path().join("bad.sha256");
        let hex = crate::hash::to_hex(&digest(Algorithm::Sha256, b"evil").bytes);
        std::fs::write(&good, format!("{hex}  evil.jpg\n")).unwrap();
        let info = l
            .import_hashset(&good, &opts("bad", HashsetKind::KnownBad))
            .unwrap();
        assert_eq!(info.entries, 1);
        let m = l
            .lookup(
                &[digest(Algorithm::Sha256, b"evil")],
                &l.hashsets().unwrap(),
            )
            .unwrap();
        assert_eq!(m[0].kind, HashsetKind::KnownBad);

        let broken = dir.path().join("broken.txt");
        std::fs::write(&broken, format!("{hex}  ok\ngarbage line\n")).unwrap();
        let e = l
            .import_hashset(&broken, &opts("broken", HashsetKind::KnownBad))
            .unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(l.hashset("broken").unwrap().is_none(), "nothing imported");
    }
}
