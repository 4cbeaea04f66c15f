//! `locker verify`'s comparison: everything the locker records for a
//! bundle against a copy of that bundle that verified.
//!
//! Invariant: every recorded value that came from the bundle is compared,
//! not only the hashes: the bundle row (id, name, case reference, sealing
//! time, case metadata, zip SHA-256, custody head, status), its items, every
//! file with its size, raw name and every digest, every custody event byte
//! for byte, the signers' keys and claimed actors, each event's proven
//! signer (kind, certified identity, trust path), a derived bundle's
//! proven origin and the exports its chain records, and the known-hash
//! matches.
//! A difference is drift, reported with the recorded and the bundle's
//! value. Read-only; files are streamed, one index seek each.

use super::computed::{DigestOrigin, ingest_column};
use super::derivation::{self, Derivation, ExportRecord};
use super::query::BundleRow;
use super::record::{BundleRecord, for_each_file};
use super::signers::{self, EventSigner};
use super::values::{RowValues, ValueChange, shown};
use super::{Locker, LockerError};
use crate::hash::{Algorithm, from_hex, to_hex};
use crate::model::FileEntry;
use crate::verify::VerifyReport;
use rusqlite::{Connection, OptionalExtension, params};

/// File differences listed one by one before the rest are only counted.
const MAX_FILE_DRIFT: usize = 20;

fn change(what: impl Into<String>, recorded: String, bundle: String) -> ValueChange {
    ValueChange {
        what: what.into(),
        recorded,
        bundle,
    }
}

impl Locker {
    /// Every difference between the record of bundle `b` and the copy that
    /// `report` (which must have verified), `record` and `zip_sha256`
    /// describe. Empty when the record is faithful.
    pub fn compare(
        &self,
        b: &BundleRow,
        report: &VerifyReport,
        record: &BundleRecord,
        zip_sha256: &str,
    ) -> Result<Vec<ValueChange>, LockerError> {
        let mut d = Vec::new();
        let id = report
            .bundle_id
            .clone()
            .unwrap_or_else(|| format!("sha256:{zip_sha256}"));
        let mut cmp = |what: &str, rec: Option<&str>, bun: Option<&str>| {
            if rec != bun {
                d.push(change(what, shown(rec), shown(bun)));
            }
        };
        cmp("bundle id", Some(&b.bundle_id), Some(&id));
        cmp("status", Some(&b.status), Some("verified"));
        cmp("problems", Some(&b.problems_json), Some("[]"));
        cmp("zip SHA-256", Some(&b.zip_sha256), Some(zip_sha256));
        cmp(
            "custody head",
            b.custody_head.as_deref(),
            report.head.as_deref(),
        );
        let conn = self.legacy();
        let values = RowValues::from_bundle(report, record);
        d.extend(self.q(RowValues::read(conn, b.id))?.diff(&values));
        self.q(compare_events(conn, b.id, record, &mut d))?;
        self.q(compare_signers(conn, b.id, record, &mut d))?;
        let proven = self.q(EventSigner::read(conn, b.id))?;
        d.extend(signers::diff(&proven, &EventSigner::from_report(report)));
        let derived = self.q(Derivation::read(conn, b.id))?;
        d.extend(derivation::diff(
            derived.as_ref(),
            Derivation::from_report(report).as_ref(),
        ));
        let events: Vec<_> = record.events.iter().map(|e| e.event.as_ref()).collect();
        let exports = self.q(ExportRecord::read(conn, b.id))?;
        d.extend(derivation::diff_exports(&exports, &events));
        compare_files(self, b.id, record, &mut d)?;
        self.q(compare_matches(conn, b, &mut d))?;
        Ok(d)
    }
}

fn compare_events(
    conn: &Connection,
    row: i64,
    record: &BundleRecord,
    d: &mut Vec<ValueChange>,
) -> rusqlite::Result<()> {
    type Ev = (u64, String, String, String, String, String);
    let stored: Vec<Ev> = conn
        .prepare_cached(
            "SELECT seq, action, time, signer, event_sha256, event_json FROM custody_events
             WHERE bundle = ?1 ORDER BY seq",
        )?
        .query_map([row], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    if stored.len() != record.events.len() {
        d.push(change(
            "custody events",
            stored.len().to_string(),
            record.events.len().to_string(),
        ));
    }
    for ((seq, action, time, signer, sha, json), ev) in stored.iter().zip(&record.events) {
        let what = format!("custody event {seq}");
        let pairs = [
            ("seq", seq.to_string(), ev.seq.to_string()),
            ("action", action.clone(), ev.action.clone()),
            ("time", time.clone(), ev.time.clone()),
            ("signer", signer.clone(), ev.signer.clone()),
            ("SHA-256", sha.clone(), ev.sha256.clone()),
        ];
        for (field, a, b) in pairs {
            if a != b {
                d.push(change(
                    format!("{what} {field}"),
                    shown(Some(&a)),
                    shown(Some(&b)),
                ));
            }
        }
        if *json != ev.json {
            d.push(change(
                format!("{what} bytes"),
                "other bytes".into(),
                "the signed event file".into(),
            ));
        }
    }
    Ok(())
}

/// Each signer of the bundle's recorded events: its key must be the one the
/// bundle carries, and its recorded claimed actor one the bundle's events
/// by that key claim (the signer row is shared between bundles: first
/// ingest wins, so any of this bundle's events may be the one it came
/// from). The proven signers are compared per event by the caller.
fn compare_signers(
    conn: &Connection,
    row: i64,
    record: &BundleRecord,
    d: &mut Vec<ValueChange>,
) -> rusqlite::Result<()> {
    type Signer = (
        String,
        Option<Vec<u8>>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Signer> = conn
        .prepare_cached(
            "SELECT DISTINCT e.signer, s.public_key, s.claimed_name, s.claimed_org,
             s.claimed_country, s.claimed_role
             FROM custody_events e LEFT JOIN signers s ON s.key_id = e.signer
             WHERE e.bundle = ?1 AND e.signer != '' ORDER BY e.signer",
        )?
        .query_map([row], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    for (key_id, key, name, org, country, role) in rows {
        let what = format!("signer {key_id}");
        let bundle_key = record.public_keys.get(&key_id);
        let Some(key) = key else {
            // Written only when the bundle carries the key and the event
            // parsed; a row missing for such a signer was removed.
            if bundle_key.is_some() {
                d.push(change(what, "(none)".into(), "a signer".into()));
            }
            continue;
        };
        if bundle_key != Some(&key) {
            d.push(change(
                format!("{what} public key"),
                to_hex(&key),
                bundle_key.map_or_else(|| "(none)".into(), |k| to_hex(k)),
            ));
        }
        let recorded = (name, org, country, role);
        let claimed: Vec<_> = record
            .events
            .iter()
            .filter(|e| e.signer == key_id)
            .filter_map(|e| e.event.as_ref().map(|e| &e.actor))
            .map(|a| {
                (
                    a.name.clone(),
                    a.organisation.clone(),
                    a.country.clone(),
                    a.role.clone(),
                )
            })
            .collect();
        if !claimed.is_empty() && !claimed.contains(&recorded) {
            let id = |x: &(
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            )| {
                [&x.0, &x.1, &x.2, &x.3]
                    .map(|v| shown(v.as_deref()))
                    .join(", ")
            };
            d.push(change(
                format!("{what} claimed actor"),
                id(&recorded),
                id(&claimed[0]),
            ));
        }
    }
    Ok(())
}

type FileCols = (Option<Vec<u8>>, i64, [Option<Vec<u8>>; 5]);

fn stored_file(conn: &Connection, row: i64, path: &str) -> rusqlite::Result<Option<FileCols>> {
    conn.prepare_cached(
        "SELECT path_bytes, size, md5, sha1, sha256, sha512, blake3 FROM files
         WHERE bundle = ?1 AND path = ?2",
    )?
    .query_row(params![row, path], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
        ))
    })
    .optional()
}

/// What one manifest entry says, in the columns' order and form.
fn entry_cols(f: &FileEntry) -> FileCols {
    let raw = match &f.original {
        crate::pathrepr::PathRepr::Bytes(b) => Some(b.clone()),
        crate::pathrepr::PathRepr::Text(_) => None,
    };
    let hex = |h: Option<&str>| h.and_then(from_hex);
    (
        raw,
        f.size as i64,
        [
            hex(f.md5.as_deref()),
            hex(f.sha1.as_deref()),
            hex(Some(&f.sha256)),
            hex(f.sha512.as_deref()),
            hex(Some(&f.blake3)),
        ],
    )
}

fn file_diff(path: &str, rec: &FileCols, bun: &FileCols) -> Vec<ValueChange> {
    let what = |field: &str| format!("file {path:?} {field}");
    let bytes = |b: &Option<Vec<u8>>| b.as_deref().map_or_else(|| "(none)".into(), to_hex);
    let mut out = Vec::new();
    if rec.0 != bun.0 {
        out.push(change(what("raw name"), bytes(&rec.0), bytes(&bun.0)));
    }
    if rec.1 != bun.1 {
        out.push(change(what("size"), rec.1.to_string(), bun.1.to_string()));
    }
    for (i, a) in Algorithm::ALL.into_iter().enumerate() {
        if rec.2[i] != bun.2[i] {
            out.push(change(what(a.name()), bytes(&rec.2[i]), bytes(&bun.2[i])));
        }
    }
    out
}

fn compare_files(
    l: &Locker,
    row: i64,
    record: &BundleRecord,
    d: &mut Vec<ValueChange>,
) -> Result<(), LockerError> {
    let (mut listed, mut shown_diffs, mut more) = (0i64, 0usize, 0usize);
    let mut seen = std::collections::HashSet::new();
    let mut failed = None;
    for_each_file(record, &mut |f| {
        // Inserted with INSERT OR IGNORE: a repeated path is one row.
        if !seen.insert(f.path.clone()) {
            return true;
        }
        listed += 1;
        let found = match stored_file(l.legacy(), row, &f.path) {
            Ok(x) => x,
            Err(e) => {
                failed = Some(e);
                return false;
            }
        };
        let diffs = match found {
            None => vec![change(
                format!("file {:?}", f.path),
                "(none)".into(),
                "a payload file".into(),
            )],
            Some(rec) => file_diff(&f.path, &rec, &entry_cols(f)),
        };
        for x in diffs {
            if shown_diffs < MAX_FILE_DRIFT {
                shown_diffs += 1;
                d.push(x);
            } else {
                more += 1;
            }
        }
        true
    })?;
    if let Some(e) = failed {
        return Err(l.err(e));
    }
    let recorded: i64 =
        l.q(l
            .legacy()
            .query_row("SELECT count(*) FROM files WHERE bundle = ?1", [row], |r| {
                r.get(0)
            }))?;
    if recorded != listed {
        d.push(change(
            "payload files",
            recorded.to_string(),
            listed.to_string(),
        ));
    }
    if more > 0 {
        d.push(change(
            format!("{more} more file values"),
            "differ".into(),
            "(not listed)".into(),
        ));
    }
    Ok(())
}

/// Known-hash matches: each recorded one must be backed by an equal digest
/// in its set, and a set imported before the bundle was ingested must have
/// every match recorded (none hidden).
fn compare_matches(
    conn: &Connection,
    b: &BundleRow,
    d: &mut Vec<ValueChange>,
) -> rusqlite::Result<()> {
    for a in Algorithm::ALL {
        let c = a.name();
        // The sealed column, and the one computed at ingest if any.
        let mut cols = vec![(c, DigestOrigin::Sealed)];
        cols.extend(ingest_column(a).map(|i| (i, DigestOrigin::Ingest)));
        for (col, origin) in cols {
            compare_matches_by(conn, b, c, col, origin.column(), d)?;
        }
    }
    Ok(())
}

/// [`compare_matches`] for the matches by algorithm `c` through file column
/// `col` (whose origin is `o`).
fn compare_matches_by(
    conn: &Connection,
    b: &BundleRow,
    c: &str,
    col: &str,
    o: &str,
    d: &mut Vec<ValueChange>,
) -> rusqlite::Result<()> {
    let unbacked: Vec<(String, String)> = conn
        .prepare(&format!(
            "SELECT f.path, h.name FROM matches m JOIN files f ON f.id = m.file
             JOIN hashsets h ON h.id = m.hashset
             WHERE f.bundle = ?1 AND m.algorithm = '{c}' AND m.origin = '{o}' AND NOT EXISTS
             (SELECT 1 FROM hashset_entries e WHERE e.{c} = f.{col} AND e.hashset = m.hashset)"
        ))?
        .query_map([b.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (path, set) in unbacked {
        d.push(change(
            format!("known-hash match of {path:?} in set {set:?} ({c})"),
            "a match".into(),
            "no equal digest in the set".into(),
        ));
    }
    let hidden: Vec<(String, String)> = conn
        .prepare(&format!(
            "SELECT DISTINCT f.path, h.name FROM files f
             JOIN hashset_entries e ON e.{c} = f.{col} JOIN hashsets h ON h.id = e.hashset
             WHERE f.bundle = ?1 AND f.{col} IS NOT NULL AND h.imported_at < ?2
             AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.file = f.id AND m.hashset = h.id)"
        ))?
        .query_map(params![b.id, b.ingested_at], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (path, set) in hidden {
        d.push(change(
            format!("known-hash match of {path:?} in set {set:?} ({c})"),
            "(none)".into(),
            "a match (the set was imported before the ingest)".into(),
        ));
    }
    Ok(())
}

impl Locker {
    /// Differences between the digests the locker holds as computed at
    /// ingest for bundle `b` and `computed`, the same digests computed
    /// again from a copy that verified (`record` read from it). Only the
    /// algorithms the record holds as computed at ingest are compared.
    pub fn compare_computed(
        &self,
        b: &BundleRow,
        record: &BundleRecord,
        computed: &super::ComputedDigests,
    ) -> Result<Vec<ValueChange>, LockerError> {
        let held = self.q(super::held::held(self.legacy(), b.id))?;
        let algos: Vec<(Algorithm, &str)> = held
            .iter()
            .filter(|(a, o)| *o == DigestOrigin::Ingest && computed.algorithms().contains(a))
            .filter_map(|(a, _)| Some((*a, ingest_column(*a)?)))
            .collect();
        let mut d = Vec::new();
        if algos.is_empty() {
            return Ok(d);
        }
        let (mut more, mut failed) = (0usize, None);
        let mut lookup = computed.lookup();
        for_each_file(record, &mut |f| {
            let now = from_hex(&f.sha256).and_then(|k| lookup.get(&k));
            for (a, col) in &algos {
                let stored: rusqlite::Result<Option<Vec<u8>>> = self
                    .legacy()
                    .prepare_cached(&format!(
                        "SELECT {col} FROM files WHERE bundle = ?1 AND path = ?2"
                    ))
                    .and_then(|mut s| s.query_row(params![b.id, f.path], |r| r.get(0)))
                    .optional()
                    .map(Option::flatten);
                let stored = match stored {
                    Ok(s) => s,
                    Err(e) => {
                        failed = Some(e);
                        return false;
                    }
                };
                let again = now
                    .as_ref()
                    .and_then(|n| n.iter().find(|x| x.algorithm == *a))
                    .map(|x| x.bytes.clone());
                if stored != again {
                    if d.len() < MAX_FILE_DRIFT {
                        let hex = |b: &Option<Vec<u8>>| {
                            b.as_deref().map_or_else(|| "(none)".into(), to_hex)
                        };
                        d.push(change(
                            format!("file {:?} {a} computed at ingest", f.path),
                            hex(&stored),
                            hex(&again),
                        ));
                    } else {
                        more += 1;
                    }
                }
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(self.err(e));
        }
        if more > 0 {
            d.push(change(
                format!("{more} more digests computed at ingest"),
                "differ".into(),
                "(not listed)".into(),
            ));
        }
        Ok(d)
    }
}
