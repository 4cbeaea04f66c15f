//! Known-hash sets: import from NSRL RDS v3 (the SQLite database NIST
//! publishes), hashdeep files and sums lists; look digests up.
//!
//! An NSRL database is read through a second, read-only SQLite connection
//! (see `rds`); its rows go in with `COPY` on PostgreSQL, by one `INSERT
//! ... SELECT` on SQLite. Text lists are parsed whole and refused if any
//! line is unreadable: a partly imported known-bad list would silently
//! miss material; their rows go in with `COPY` (prepared inserts on
//! SQLite). Every import is one transaction holding the hash-set lock
//! exclusively.

mod rds;

use super::db::{Backend, Db, DbError, Lock};
use super::{Locker, LockerError};
use crate::hash::{Algorithm, Digest};
use crate::hashlist::{ListKind, parse_list};
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

/// What an import left out or changed, beside the set it made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Rows of an NSRL database with no usable digest (every digest column
    /// empty or not hex): not imported.
    pub skipped: u64,
    /// Listed names holding a NUL byte (PostgreSQL text cannot hold one):
    /// stored with U+FFFD in its place, on both backends alike.
    pub nul_names: u64,
}

/// Column names for algorithms (fixed strings, never user input).
fn column(a: Algorithm) -> &'static str {
    a.name()
}

/// The columns an import fills, in the order the rows give them.
const ENTRY_COLS: [&str; 8] = [
    "hashset", "md5", "sha1", "sha256", "sha512", "blake3", "name", "size",
];

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const MAX_LIST_BYTES: u64 = 4 << 30;

/// A listed name as the locker stores it: a NUL byte becomes U+FFFD
/// (counted in `nul`).
fn clean_name(name: String, nul: &mut u64) -> String {
    if name.contains('\0') {
        *nul += 1;
        name.replace('\0', "\u{FFFD}")
    } else {
        name
    }
}

impl Locker {
    /// Import a hash set from `file` (format detected from its content).
    pub fn import_hashset(
        &mut self,
        file: &Path,
        opts: &ImportOptions,
    ) -> Result<HashsetInfo, LockerError> {
        Ok(self.import_hashset_counted(file, opts)?.0)
    }

    /// [`Locker::import_hashset`], also saying what was left out or
    /// changed. The set and every entry go in in one transaction holding
    /// the hash-set lock exclusively (ingests, which match against the
    /// sets, wait for it).
    pub fn import_hashset_counted(
        &mut self,
        file: &Path,
        opts: &ImportOptions,
    ) -> Result<(HashsetInfo, ImportCounts), LockerError> {
        let io = |source| LockerError::Io {
            path: file.to_path_buf(),
            source,
        };
        let mut f = std::fs::File::open(file).map_err(io)?;
        let mut magic = [0u8; 16];
        let n = f.read(&mut magic).map_err(io)?;
        self.refuse_taken(&opts.name)?;
        let counts = if n == 16 && &magic == SQLITE_MAGIC {
            drop(f);
            let stream = self.db.backend() != Backend::Sqlite;
            rds::import(self, file, opts, stream)?
        } else {
            let mut data = magic[..n].to_vec();
            f.take(MAX_LIST_BYTES).read_to_end(&mut data).map_err(io)?;
            self.import_list(file, &data, opts)?
        };
        let info = self
            .hashset(&opts.name)?
            .ok_or_else(|| LockerError::Hashset("import vanished".into()))?;
        Ok((info, counts))
    }

    fn refuse_taken(&self, name: &str) -> Result<(), LockerError> {
        if self.hashset(name)?.is_some() {
            return Err(LockerError::Hashset(format!(
                "a hash set named {name:?} already exists"
            )));
        }
        Ok(())
    }

    /// A set's row (a name taken meanwhile by another import is refused
    /// as taken), in the import's transaction.
    fn insert_set(
        &self,
        db: &Db,
        opts: &ImportOptions,
        file: &Path,
        format: HashsetFormat,
        algos: &[Algorithm],
    ) -> Result<i64, LockerError> {
        let algos = algos.iter().map(|a| a.name()).collect::<Vec<_>>().join(",");
        let source = file.to_string_lossy().into_owned();
        db.row(
            "INSERT INTO hashsets (name, kind, source, format, algorithms, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            &[
                &opts.name,
                &opts.kind.as_str(),
                &source,
                &format.as_str(),
                &algos,
                &opts.now,
            ],
            |r| r.get(0),
        )
        .map_err(|e| {
            if e.is_unique_violation() {
                LockerError::Hashset(format!("a hash set named {:?} already exists", opts.name))
            } else {
                self.err(e)
            }
        })
    }

    /// A hashdeep file or sums list, parsed whole and refused if any line
    /// is unreadable: a partly imported known-bad list would silently miss
    /// material.
    fn import_list(
        &self,
        file: &Path,
        data: &[u8],
        opts: &ImportOptions,
    ) -> Result<ImportCounts, LockerError> {
        let list = parse_list(data, opts.untagged_64);
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
        let mut counts = ImportCounts::default();
        let tx = self.q(self.db.begin(&[Lock::Hashsets { exclusive: true }]))?;
        let id = self.insert_set(&tx, opts, file, format, &algos)?;
        let entries = self.q(tx.copy_in("hashset_entries", &ENTRY_COLS, |sink| {
            for e in &list.entries {
                let get = |a: Algorithm| e.expected.iter().find(|d| d.algorithm == a);
                let get = |a| get(a).map(|d| d.bytes.as_slice());
                let name = String::from_utf8_lossy(&e.name).into_owned();
                let name = clean_name(name, &mut counts.nul_names);
                sink.row(&[
                    &id,
                    &get(Algorithm::Md5),
                    &get(Algorithm::Sha1),
                    &get(Algorithm::Sha256),
                    &get(Algorithm::Sha512),
                    &get(Algorithm::Blake3),
                    &name,
                    &e.size,
                ])?;
            }
            Ok(())
        }))?;
        self.q(finish_set(&tx, id, entries))?;
        self.q(tx.commit())?;
        Ok(counts)
    }

    /// One hash set by name.
    pub fn hashset(&self, name: &str) -> Result<Option<HashsetInfo>, LockerError> {
        Ok(self.hashsets()?.into_iter().find(|h| h.name == name))
    }

    /// Every hash set, by name.
    pub fn hashsets(&self) -> Result<Vec<HashsetInfo>, LockerError> {
        self.q(self.db.rows(
            "SELECT id, name, kind, source, format, algorithms, imported_at, entries
             FROM hashsets ORDER BY name",
            &[],
            |r| {
                let algos: String = r.get(5)?;
                Ok(HashsetInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    kind: HashsetKind::parse(&r.get::<String>(2)?),
                    source: r.get(3)?,
                    format: r.get(4)?,
                    algorithms: algos.split(',').filter_map(|a| a.parse().ok()).collect(),
                    imported_at: r.get(6)?,
                    entries: r.get(7)?,
                })
            },
        ))
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
                let hit: Option<Option<String>> =
                    self.q(self.db.opt_row(&q, &[&d.bytes, &set.id], |r| r.get(0)))?;
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

/// Record how many entries set `id` holds.
fn finish_set(db: &Db, id: i64, entries: u64) -> Result<(), DbError> {
    db.execute(
        "UPDATE hashsets SET entries = ?2 WHERE id = ?1",
        &[&id, &entries],
    )
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;
    use crate::hash::HasherState;
    use rusqlite::params;

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
        let mut l = testing::locker(dir.path());
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
        let mut l = testing::locker(dir.path());
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

    /// The entries of set `name`, in a fixed order.
    fn entries(l: &Locker, name: &str) -> Vec<Vec<Option<String>>> {
        let id = l.hashset(name).unwrap().unwrap().id;
        let hex = |b: Option<Vec<u8>>| b.map(|b| crate::hash::to_hex(&b));
        l.db.rows(
            "SELECT md5, sha1, sha256, name, size FROM hashset_entries WHERE hashset = ?1
             ORDER BY name, md5, sha1, sha256",
            &[&id],
            |r| {
                Ok(vec![
                    hex(r.get(0)?),
                    hex(r.get(1)?),
                    hex(r.get(2)?),
                    r.get(3)?,
                    r.get::<Option<i64>>(4)?.map(|n| n.to_string()),
                ])
            },
        )
        .unwrap()
    }

    /// An RDS whose rows test the decoding: lower-case and odd hex, no
    /// usable digest, a NUL in a name, a size given as text.
    fn make_odd_rds(path: &Path) {
        make_rds(path);
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute_batch(
            "INSERT INTO METADATA VALUES ('zz', 'abc', NULL, '0', 'no digest.dll', 1, 1);
             INSERT INTO METADATA VALUES (NULL, NULL, 'd41d8cd98f00b204e9800998ecf8427e', '0',
                 'lower' || char(0) || 'case.txt', '0', 1);
             INSERT INTO METADATA VALUES ('', 'ABC', 'x', '0', NULL, NULL, 1);",
        )
        .unwrap();
    }

    #[test]
    fn rds_streamed_and_attached_store_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let rds = dir.path().join("odd.db");
        make_odd_rds(&rds);
        let mut l = testing::locker(dir.path());
        let (_, counts) = l
            .import_hashset_counted(&rds, &opts("a", HashsetKind::KnownGood))
            .unwrap();
        assert_eq!(
            counts,
            ImportCounts {
                skipped: 1,
                nul_names: 1
            }
        );
        let got = entries(&l, "a");
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(
            got.iter()
                .any(|e| e[3].as_deref() == Some("lower\u{FFFD}case.txt")
                    && e[0].as_deref() == Some("d41d8cd98f00b204e9800998ecf8427e")
                    && e[4].as_deref() == Some("0")),
            "{got:?}"
        );
        // unhex('') is the empty blob, a digest SQLite keeps: so do we.
        assert!(got.iter().any(|e| e[2].as_deref() == Some("")), "{got:?}");
        // Streamed (SQLite attached the first), the same rows.
        let other = opts("b", HashsetKind::KnownGood);
        let counts = rds::import(&l, &rds, &other, true).unwrap();
        assert_eq!(
            counts,
            ImportCounts {
                skipped: 1,
                nul_names: 1
            }
        );
        assert_eq!(entries(&l, "b"), got);
        assert_eq!(l.hashset("b").unwrap().unwrap().entries, 4);
    }

    #[test]
    fn a_nul_in_a_listed_name_becomes_u_fffd() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = testing::locker(dir.path());
        let list = dir.path().join("nul.sha256");
        let hex = crate::hash::to_hex(&digest(Algorithm::Sha256, b"x").bytes);
        std::fs::write(&list, format!("{hex}  a\0b.jpg\n")).unwrap();
        let (info, counts) = l
            .import_hashset_counted(&list, &opts("nul", HashsetKind::KnownBad))
            .unwrap();
        assert_eq!((info.entries, counts.nul_names), (1, 1));
        let m = l
            .lookup(&[digest(Algorithm::Sha256, b"x")], &[info])
            .unwrap();
        assert_eq!(m[0].listed_name.as_deref(), Some("a\u{FFFD}b.jpg"));
    }
}
