//! Read-only queries over the locker: bundles, one bundle in detail, files
//! by hash or name across all bundles, known-hash matches, the audit log.
//! Every lookup by hash is an index seek on one digest column.

use super::computed::{DigestOrigin, ingest_column};
use super::{Locker, LockerError};
use crate::hash::{Algorithm, from_hex, to_hex};
use rusqlite::{Connection, params};

/// A stored digest and where it comes from.
pub type HeldDigest = (crate::hash::Digest, DigestOrigin);

/// A known-hash match of a stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRow {
    /// The file's path in the bag (`data/...`).
    pub path: String,
    /// The hash set's name.
    pub hashset: String,
    /// True for a known-bad set (an alert).
    pub known_bad: bool,
    /// The algorithm that matched.
    pub algorithm: String,
    /// Whether the file's digest that matched was sealed or computed at
    /// ingest.
    pub origin: DigestOrigin,
    /// The name the set lists, if any.
    pub listed_name: Option<String>,
}

/// A bundle row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleRow {
    /// Row id (internal).
    pub id: i64,
    /// The bundle id.
    pub bundle_id: String,
    /// The bag name.
    pub name: String,
    /// Case reference.
    pub case_ref: Option<String>,
    /// `verified` or `quarantined`: every bundle-derived value of a
    /// quarantined row (name, case, sealing time, metadata, head) came from
    /// a copy that failed verification.
    pub status: String,
    /// Hex SHA-256 of the zip last ingested.
    pub zip_sha256: String,
    /// Custody head.
    pub custody_head: Option<String>,
    /// When sealed.
    pub sealed_at: Option<String>,
    /// When the recorded values were ingested (first ingest, or the
    /// promotion or correction that rewrote them).
    pub ingested_at: String,
    /// Where the bundle can be found (store copy or ingested path).
    pub location: Option<String>,
    /// Case and legal metadata as sealed (JSON).
    pub case_json: String,
    /// Reasons for quarantine (JSON array of findings).
    pub problems_json: String,
    /// Item references.
    pub items: Vec<String>,
    /// Number of payload files.
    pub files: u64,
    /// The algorithms the locker holds for every file, and from where.
    pub held: Vec<(Algorithm, DigestOrigin)>,
    /// The encrypted file the recorded copy arrived as, when it did.
    pub received: Option<super::Received>,
    /// For a derived bundle: the id of the bundle it was exported from
    /// (as verify proved at ingest).
    pub exported_from: Option<String>,
}

/// A custody event row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Sequence number.
    pub seq: u64,
    /// Action.
    pub action: String,
    /// Claimed time.
    pub time: String,
    /// Signer key id.
    pub signer: String,
    /// SHA-256 of the event file.
    pub sha256: String,
}

/// A signer of a bundle's custody events, as verify proved it at ingest.
/// Never the actor an event claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerRow {
    /// Key id.
    pub key_id: String,
    /// `root`, `certified` or `pinned`; `None` when not recorded (an event
    /// ingested by an evidentia before locker schema 4).
    pub kind: Option<String>,
    /// The certified identity; `None`: no certified identity.
    pub identity: Option<crate::sign::Identity>,
    /// How verify trusted the key; `None` when not recorded.
    pub trust_path: Option<String>,
}

/// A file found by hash or name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// The bundle id.
    pub bundle_id: String,
    /// Case reference.
    pub case_ref: Option<String>,
    /// The bundle's status: `verified`, or `quarantined` (then nothing in
    /// this row is verified).
    pub status: String,
    /// Path in the bag.
    pub path: String,
    /// Raw original name bytes, when not UTF-8.
    pub path_bytes: Option<Vec<u8>>,
    /// Size.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: Option<String>,
    /// The algorithm that matched (for `find --hash`).
    pub matched: Option<String>,
    /// Whether the digest that matched was sealed or computed at ingest.
    pub origin: Option<DigestOrigin>,
}

/// An audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// When.
    pub time: String,
    /// What (`ingest`).
    pub action: String,
    /// Who.
    pub actor: String,
    /// From which host.
    pub host: String,
    /// Which bundle.
    pub bundle_id: Option<String>,
    /// Outcome and verification result.
    pub result: String,
    /// Custody head at that time.
    pub custody_head: Option<String>,
    /// Details.
    pub detail: String,
}

/// A bundle with everything `locker show` lists.
#[derive(Debug, Clone)]
pub struct BundleDetail {
    /// The bundle row.
    pub bundle: BundleRow,
    /// Its custody events.
    pub events: Vec<EventRow>,
    /// The signers of those events.
    pub signers: Vec<SignerRow>,
    /// Known-hash matches of its files.
    pub matches: Vec<MatchRow>,
    /// For a derived bundle: where it came from, as verify proved it, and
    /// the original when this locker holds it.
    pub origin: Option<super::Origin>,
    /// The bundles in this locker derived from this one.
    pub derived: Vec<super::DerivedRow>,
    /// The `export` events its chain records.
    pub exports: Vec<super::ExportRow>,
}

/// Known-hash matches of bundle row `bundle`.
pub fn bundle_matches(conn: &Connection, bundle: i64) -> rusqlite::Result<Vec<MatchRow>> {
    conn.prepare_cached(
        "SELECT f.path, h.name, h.kind, m.algorithm, m.listed_name, m.origin FROM matches m
         JOIN files f ON f.id = m.file JOIN hashsets h ON h.id = m.hashset
         WHERE f.bundle = ?1 ORDER BY h.kind DESC, f.path, h.name",
    )?
    .query_map([bundle], |r| {
        Ok(MatchRow {
            path: r.get(0)?,
            hashset: r.get(1)?,
            known_bad: r.get::<_, String>(2)? == "known-bad",
            algorithm: r.get(3)?,
            listed_name: r.get(4)?,
            origin: DigestOrigin::from_column(&r.get::<_, String>(5)?),
        })
    })?
    .collect()
}

/// The proven signers of bundle row `bundle`'s events: one row per key
/// and proof (events without a recorded proof give a row without one).
fn bundle_signers(conn: &Connection, bundle: i64) -> rusqlite::Result<Vec<SignerRow>> {
    let mut rows: Vec<SignerRow> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT e.seq, e.signer FROM custody_events e
         WHERE e.bundle = ?1 AND e.signer != '' ORDER BY e.signer, e.seq",
    )?;
    let keys: Vec<(u64, String)> = stmt
        .query_map([bundle], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let proven = super::signers::EventSigner::read(conn, bundle)?;
    for (seq, key_id) in keys {
        let p = proven.iter().find(|p| p.seq == seq);
        let row = SignerRow {
            key_id,
            kind: p.map(|p| p.kind.clone()),
            identity: p.and_then(|p| p.identity.clone()),
            trust_path: p.map(|p| p.trust_path.clone()),
        };
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    Ok(rows)
}

const BUNDLE_COLS: &str = "id, bundle_id, name, case_ref, status, zip_sha256, custody_head,
    sealed_at, ingested_at, store_path, case_json, problems_json, received_sha256,
    received_bytes, received_path,
    (SELECT original_bundle_id FROM derivations WHERE bundle = bundles.id)";

fn bundle_rows(conn: &Connection, filter: &str, arg: &str) -> rusqlite::Result<Vec<BundleRow>> {
    let q = format!("SELECT {BUNDLE_COLS} FROM bundles {filter} ORDER BY ingested_at, id");
    let mut rows: Vec<BundleRow> = conn
        .prepare(&q)?
        .query_map(
            rusqlite::params_from_iter(Some(arg).filter(|_| !filter.is_empty())),
            |r| {
                Ok(BundleRow {
                    id: r.get(0)?,
                    bundle_id: r.get(1)?,
                    name: r.get(2)?,
                    case_ref: r.get(3)?,
                    status: r.get(4)?,
                    zip_sha256: r.get(5)?,
                    custody_head: r.get(6)?,
                    sealed_at: r.get(7)?,
                    ingested_at: r.get(8)?,
                    location: r.get(9)?,
                    case_json: r.get(10)?,
                    problems_json: r.get(11)?,
                    items: Vec::new(),
                    files: 0,
                    held: Vec::new(),
                    received: match (r.get(12)?, r.get::<_, Option<i64>>(13)?, r.get(14)?) {
                        (Some(sha256), Some(bytes), Some(path)) => Some(super::Received {
                            sha256,
                            bytes: bytes as u64,
                            path,
                        }),
                        _ => None,
                    },
                    exported_from: r.get(15)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    for b in &mut rows {
        b.items = conn
            .prepare_cached("SELECT item_ref FROM items WHERE bundle = ?1 ORDER BY item_ref")?
            .query_map([b.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        b.files = conn.query_row(
            "SELECT count(*) FROM files WHERE bundle = ?1",
            [b.id],
            |r| r.get::<_, i64>(0),
        )? as u64;
        b.held = super::held::held(conn, b.id)?;
    }
    Ok(rows)
}

fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        bundle_id: r.get(0)?,
        case_ref: r.get(1)?,
        status: r.get(6)?,
        path: r.get(2)?,
        path_bytes: r.get(3)?,
        size: r.get::<_, i64>(4)? as u64,
        sha256: r.get::<_, Option<Vec<u8>>>(5)?.map(|b| to_hex(&b)),
        matched: None,
        origin: None,
    })
}

const FILE_SELECT: &str = "SELECT b.bundle_id, b.case_ref, f.path, f.path_bytes, f.size, f.sha256,
    b.status FROM files f JOIN bundles b ON b.id = f.bundle";

/// Translate a glob (`*`, `?`) to SQL LIKE, escaping LIKE's own `%` and
/// `_` with `\`. A pattern holding `%` or `_` and no `*`/`?` is taken as
/// LIKE already.
pub fn glob_to_like(pattern: &str) -> String {
    if !pattern.contains(['*', '?']) && pattern.contains(['%', '_']) {
        return pattern.to_string();
    }
    let mut s = String::new();
    for c in pattern.chars() {
        match c {
            '*' => s.push('%'),
            '?' => s.push('_'),
            '%' | '_' | '\\' => {
                s.push('\\');
                s.push(c);
            }
            c => s.push(c),
        }
    }
    s
}

impl BundleRow {
    /// True when the row's values came from a copy that failed
    /// verification (anything but `verified`: fail closed).
    pub fn quarantined(&self) -> bool {
        self.status != "verified"
    }
}

impl FileRow {
    /// True when the file's bundle is not verified.
    pub fn quarantined(&self) -> bool {
        self.status != "verified"
    }
}

impl Locker {
    /// Every bundle, in ingest order.
    pub fn bundles(&self) -> Result<Vec<BundleRow>, LockerError> {
        self.q(bundle_rows(self.legacy(), "", ""))
    }

    /// The bundle with this id, or every bundle of this case.
    pub fn show(&self, id_or_case: &str) -> Result<Vec<BundleDetail>, LockerError> {
        let mut rows = self.q(bundle_rows(
            self.legacy(),
            "WHERE bundle_id = ?1",
            id_or_case,
        ))?;
        if rows.is_empty() {
            rows = self.q(bundle_rows(
                self.legacy(),
                "WHERE case_ref = ?1",
                id_or_case,
            ))?;
        }
        let mut out = Vec::new();
        for b in rows {
            let events: Vec<EventRow> = self.q((|| {
                self.legacy()
                    .prepare_cached(
                        "SELECT seq, action, time, signer, event_sha256 FROM custody_events
                         WHERE bundle = ?1 ORDER BY seq",
                    )?
                    .query_map([b.id], |r| {
                        Ok(EventRow {
                            seq: r.get::<_, i64>(0)? as u64,
                            action: r.get(1)?,
                            time: r.get(2)?,
                            signer: r.get(3)?,
                            sha256: r.get(4)?,
                        })
                    })?
                    .collect()
            })())?;
            let signers = self.q(bundle_signers(self.legacy(), b.id))?;
            let matches = self.q(bundle_matches(self.legacy(), b.id))?;
            let origin = self.q(super::derivation::origin(self.legacy(), b.id))?;
            let derived = self.q(super::derivation::derived(
                self.legacy(),
                b.id,
                &b.bundle_id,
            ))?;
            let exports = self.q(super::derivation::exports(self.legacy(), b.id))?;
            out.push(BundleDetail {
                bundle: b,
                events,
                signers,
                matches,
                origin,
                derived,
                exports,
            });
        }
        Ok(out)
    }

    /// Files whose digest is `hex` (either case), in any algorithm of that
    /// length (64 hex digits: SHA-256 and BLAKE3), sealed or computed at
    /// ingest. `None` for bad hex.
    pub fn find_hash(&self, hex: &str) -> Result<Option<Vec<FileRow>>, LockerError> {
        let Some(bytes) = from_hex(hex) else {
            return Ok(None);
        };
        let algos = Self::algorithms_of_len(bytes.len());
        if algos.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for a in algos {
            let mut cols = vec![(a.name(), DigestOrigin::Sealed)];
            cols.extend(ingest_column(a).map(|c| (c, DigestOrigin::Ingest)));
            for (col, origin) in cols {
                let q = format!("{FILE_SELECT} WHERE f.{col} = ?1 ORDER BY b.bundle_id, f.path");
                let rows: Vec<FileRow> = self.q((|| {
                    self.legacy()
                        .prepare_cached(&q)?
                        .query_map(params![bytes], file_row)?
                        .collect()
                })())?;
                out.extend(rows.into_iter().map(|mut r| {
                    r.matched = Some(a.name().to_string());
                    r.origin = Some(origin);
                    r
                }));
            }
        }
        Ok(Some(out))
    }

    /// The algorithms whose digests are `len` bytes long.
    pub fn algorithms_of_len(len: usize) -> Vec<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .filter(|a| a.digest_len() == len)
            .collect()
    }

    /// Bundle ids of the verified bundles whose files the locker holds no
    /// `a` digests for (sealed without it, and ingested before evidentia
    /// computed it at ingest, or an algorithm it never computes): a search
    /// by `a` cannot find their files.
    pub fn not_held(&self, a: Algorithm) -> Result<Vec<String>, LockerError> {
        self.q(super::held::not_held(self.legacy(), a))
    }

    /// Files whose path matches `pattern` (see [`glob_to_like`]).
    pub fn find_name(&self, pattern: &str) -> Result<Vec<FileRow>, LockerError> {
        let like = glob_to_like(pattern);
        let q =
            format!("{FILE_SELECT} WHERE f.path LIKE ?1 ESCAPE '\\' ORDER BY b.bundle_id, f.path");
        self.q((|| {
            self.legacy()
                .prepare(&q)?
                .query_map([like], file_row)?
                .collect()
        })())
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditRow>, LockerError> {
        self.q((|| {
            self.legacy()
                .prepare(
                    "SELECT time, action, actor, host, bundle_id, result, custody_head, detail
                     FROM audit ORDER BY id",
                )?
                .query_map([], |r| {
                    Ok(AuditRow {
                        time: r.get(0)?,
                        action: r.get(1)?,
                        actor: r.get(2)?,
                        host: r.get(3)?,
                        bundle_id: r.get(4)?,
                        result: r.get(5)?,
                        custody_head: r.get(6)?,
                        detail: r.get(7)?,
                    })
                })?
                .collect()
        })())
    }

    /// Every stored file's digests (for `match --locker-files`), by bundle,
    /// each with its origin: files of verified bundles only (a quarantined
    /// record holds none, and nothing from a failing copy is matched as
    /// evidence).
    pub fn all_file_digests(
        &self,
        each: &mut dyn FnMut(&str, &str, Vec<HeldDigest>),
    ) -> Result<(), LockerError> {
        let mut stmt = self.q(self.legacy().prepare(
            "SELECT b.bundle_id, f.path, f.md5, f.sha1, f.sha256, f.sha512, f.blake3,
             f.ingest_md5, f.ingest_sha1
             FROM files f JOIN bundles b ON b.id = f.bundle WHERE b.status = 'verified'
             ORDER BY b.id, f.path",
        ))?;
        let cols = Algorithm::ALL
            .into_iter()
            .map(|a| (a, DigestOrigin::Sealed))
            .chain(super::computed::INGEST_ALGORITHMS.map(|a| (a, DigestOrigin::Ingest)));
        let cols: Vec<(Algorithm, DigestOrigin)> = cols.collect();
        let mut rows = self.q(stmt.query([]))?;
        while let Some(r) = self.q(rows.next())? {
            let mut digests = Vec::new();
            for (i, (a, origin)) in cols.iter().enumerate() {
                if let Some(b) = self.q(r.get::<_, Option<Vec<u8>>>(2 + i))? {
                    let d = crate::hash::Digest {
                        algorithm: *a,
                        bytes: b,
                    };
                    digests.push((d, *origin));
                }
            }
            let bid: String = self.q(r.get(0))?;
            let path: String = self.q(r.get(1))?;
            each(&bid, &path, digests);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_a_quarantined_bundle_are_marked_and_never_matched() {
        let dir = tempfile::tempdir().unwrap();
        let l = Locker::open(&dir.path().join("l.db")).unwrap();
        // Ingest never records files of a quarantined bundle; a row put
        // there by hand (or an older evidentia) must still be marked.
        let hex = "aa".repeat(32);
        l.legacy()
            .execute_batch(&format!(
                "INSERT INTO bundles (id, bundle_id, name, case_ref, status, zip_sha256, ingested_at)
                 VALUES (1, 'q', 'n', 'EVIL', 'quarantined', 'z', 't');
                 INSERT INTO files (bundle, path, size, sha256) VALUES (1, 'data/x', 1, x'{hex}');"
            ))
            .unwrap();
        let rows = l.find_hash(&hex).unwrap().unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].quarantined());
        let rows = l.find_name("data/*").unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].quarantined());
        assert!(l.bundles().unwrap()[0].quarantined());
        let mut seen = 0;
        l.all_file_digests(&mut |_, _, _| seen += 1).unwrap();
        assert_eq!(seen, 0);
    }

    #[test]
    fn globs_become_like_patterns() {
        assert_eq!(glob_to_like("*.jpg"), "%.jpg");
        assert_eq!(glob_to_like("data/a?c"), "data/a_c");
        assert_eq!(glob_to_like("50%*"), "50\\%%");
        assert_eq!(glob_to_like("data/%_x"), "data/%_x");
    }
}
