//! Ingest: write one verified bundle (or a quarantined one) into the
//! locker in a single IMMEDIATE transaction.
//!
//! Invariants:
//! - The caller verifies first; this module refuses a report with findings
//!   unless quarantine was asked for, so a failing bundle never reaches the
//!   evidence tables.
//! - Everything for one bundle (bundle row, items, files, custody events,
//!   signers, known-hash matches, audit row) commits together or not at all.
//! - Idempotent: the same bundle and chain again adds only an audit row; a
//!   longer chain with the same prefix appends the new events; a different
//!   chain is refused ([`LockerError::ChainConflict`]).
//! - A failing copy never changes a record. A verified copy of a
//!   quarantined record, or of a record whose values differ from it,
//!   rewrites the record in full ([`super::promote`]): nothing a failing
//!   copy said survives a promotion, except in the audit row that lists
//!   what was replaced.

use super::computed::{ComputedDigests, DigestOrigin};
use super::derivation::{Derivation, ExportRecord};
use super::held;
use super::query::{MatchRow, bundle_matches};
use super::record::BundleRecord;
use super::signers::EventSigner;
use super::values::{RowValues, ValueChange};
use super::{Locker, LockerError, sql};
use crate::hash::{Algorithm, from_hex};
use crate::verify::VerifyReport;
use rusqlite::{OptionalExtension, Transaction, params};

/// Who ingests, from where, when (recorded in the audit log).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The operating-system user.
    pub user: String,
    /// The host name.
    pub host: String,
    /// Now, RFC 3339.
    pub now: String,
}

/// The encrypted file a bundle arrived as (its decrypted copy is what
/// was verified and is recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Hex SHA-256 of the age file.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Where it is kept: the store copy, or the path it was ingested from.
    pub path: String,
}

/// One bundle to ingest: its verify report and its contents.
#[derive(Debug, Clone)]
pub struct IngestRequest<'a> {
    /// The full verify report of this copy.
    pub report: &'a VerifyReport,
    /// What was read from the bundle.
    pub record: &'a BundleRecord,
    /// Hex SHA-256 of the zip file.
    pub zip_sha256: String,
    /// Where the bundle can be found again (store copy or ingested path).
    pub location: String,
    /// Record a failing bundle as quarantined instead of refusing it.
    pub quarantine: bool,
    /// Who, where, when.
    pub actor: Actor,
    /// The digests computed from the payload as it verified (MD5 and
    /// SHA-1 where the bundle did not seal them), stored beside the
    /// sealed ones and marked as computed at ingest.
    pub computed: Option<&'a ComputedDigests>,
    /// The encrypted file the bundle arrived as, when it did.
    pub received: Option<Received>,
}

/// What ingest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// A new bundle was recorded.
    Added,
    /// The same bundle and chain were already recorded; only audited.
    Unchanged,
    /// The stored chain was extended by new custody events.
    Extended,
    /// The bundle failed verification and was recorded as quarantined.
    Quarantined,
    /// A bundle recorded as quarantined verified now; its record was
    /// rewritten in full from the verified copy.
    Promoted,
    /// A verified record disagreed with a verified copy of its own chain
    /// and was rewritten in full from that copy.
    Corrected,
}

impl IngestOutcome {
    /// The word recorded in the audit log and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            IngestOutcome::Added => "added",
            IngestOutcome::Unchanged => "unchanged",
            IngestOutcome::Extended => "extended",
            IngestOutcome::Quarantined => "quarantined",
            IngestOutcome::Promoted => "promoted",
            IngestOutcome::Corrected => "corrected",
        }
    }
}

/// The result of one ingest.
#[derive(Debug, Clone)]
pub struct IngestSummary {
    /// What happened.
    pub outcome: IngestOutcome,
    /// The bundle id as recorded.
    pub bundle_id: String,
    /// Payload files recorded for the bundle.
    pub files: u64,
    /// Custody events recorded for the bundle (after this ingest).
    pub events: u64,
    /// Events appended by this ingest.
    pub new_events: u64,
    /// The custody head recorded.
    pub head: Option<String>,
    /// Known-hash matches of the bundle's files.
    pub matches: Vec<MatchRow>,
    /// The algorithms the locker now holds for every file of the bundle,
    /// and from where.
    pub held: Vec<(Algorithm, DigestOrigin)>,
    /// The algorithms whose digests computed at ingest this ingest wrote
    /// (for a new record, or added to one made before evidentia computed
    /// them).
    pub computed_written: Vec<Algorithm>,
    /// For a derived bundle: its proven origin, and the original when the
    /// locker holds it.
    pub origin: Option<super::Origin>,
    /// The bundles in the locker derived from this one.
    pub derived: Vec<super::DerivedRow>,
}

impl Locker {
    /// Ingest one bundle (see the module docs).
    pub fn ingest(&mut self, req: &IngestRequest<'_>) -> Result<IngestSummary, LockerError> {
        let verified = req.report.verified();
        if !verified && !req.quarantine {
            return Err(LockerError::NotVerified {
                problems: req.report.findings.len(),
            });
        }
        let bundle_id = req
            .report
            .bundle_id
            .clone()
            .unwrap_or_else(|| format!("sha256:{}", req.zip_sha256));
        let path = self.path.clone();
        let tx = self.legacy_tx().map_err(|e| sql(&path, e))?;
        let result = write(&tx, req, &bundle_id, verified);
        match result {
            Ok(Ok(summary)) => {
                let hook = std::path::PathBuf::from(self.name());
                crate::testhook::op(crate::testhook::Op::Commit, &hook)
                    .map_err(|source| LockerError::Write { path: hook, source })?;
                tx.commit().map_err(|e| sql(&path, e))?;
                Ok(summary)
            }
            Ok(Err(conflict)) => {
                // Refused: only the refusal is recorded.
                audit(&tx, req, &bundle_id, "refused-chain-conflict", &conflict)
                    .map_err(|e| sql(&path, e))?;
                tx.commit().map_err(|e| sql(&path, e))?;
                Err(LockerError::ChainConflict {
                    bundle_id,
                    detail: conflict,
                })
            }
            Err(e) => Err(sql(&path, e)),
        }
    }
}

type Stored = (i64, String);

/// Ok(Err(detail)) is a chain conflict.
fn write(
    tx: &Transaction<'_>,
    req: &IngestRequest<'_>,
    bundle_id: &str,
    verified: bool,
) -> rusqlite::Result<Result<IngestSummary, String>> {
    let existing: Option<Stored> = tx
        .query_row(
            "SELECT id, status FROM bundles WHERE bundle_id = ?1",
            [bundle_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let mut replaced = Vec::new();
    let mut computed_written = Vec::new();
    let (row, outcome, new_events) = match (existing, verified) {
        (None, true) => {
            let row = insert_bundle(tx, req, bundle_id, "verified")?;
            computed_written = insert_contents(tx, req, row)?;
            let n = insert_events(tx, req, row, 0)?;
            if let Some(d) = Derivation::from_report(req.report) {
                d.write(tx, row)?;
            }
            (row, IngestOutcome::Added, n)
        }
        (None, false) => {
            let row = insert_bundle(tx, req, bundle_id, "quarantined")?;
            (row, IngestOutcome::Quarantined, 0)
        }
        // A failing copy never changes a record, whatever its status.
        (Some((row, _)), false) => (row, IngestOutcome::Unchanged, 0),
        (Some((row, status)), true) => match super::promote::update(tx, req, row, &status)? {
            Ok((outcome, n, changes, written)) => {
                replaced = changes;
                computed_written = written;
                // A record made before evidentia computed digests at
                // ingest gets them now.
                computed_written.extend(held::fill_computed(tx, req, row)?);
                (row, outcome, n)
            }
            Err(conflict) => return Ok(Err(conflict)),
        },
    };
    let files: i64 = tx.query_row("SELECT count(*) FROM files WHERE bundle = ?1", [row], |r| {
        r.get(0)
    })?;
    let events: i64 = tx.query_row(
        "SELECT count(*) FROM custody_events WHERE bundle = ?1",
        [row],
        |r| r.get(0),
    )?;
    let head: Option<String> = tx.query_row(
        "SELECT custody_head FROM bundles WHERE id = ?1",
        [row],
        |r| r.get(0),
    )?;
    let matches = bundle_matches(tx, row)?;
    let mut detail = format!(
        "{files} files, {events} custody events ({new_events} new), {} problems, {} known-bad matches",
        req.report.findings.len(),
        matches.iter().filter(|m| m.known_bad).count()
    );
    if !computed_written.is_empty() {
        let names: Vec<&str> = computed_written.iter().map(|a| a.name()).collect();
        detail.push_str(&format!("; computed at ingest: {}", names.join(", ")));
    }
    // What this verified copy proved about its origin (a failing copy
    // proves nothing).
    if let Some(d) = Derivation::from_report(req.report) {
        detail.push_str(&format!("; exported {}", d.text()));
    }
    if let Some(r) = &req.received {
        detail.push_str(&format!(
            "; arrived encrypted (age): ciphertext SHA-256 {}, {} bytes, kept at {}",
            r.sha256, r.bytes, r.path
        ));
    }
    if !replaced.is_empty() {
        // What the rewrite replaced, old value first, for the audit trail.
        let list: Vec<String> = replaced.iter().map(ValueChange::as_replaced).collect();
        detail.push_str(&format!("; replaced: {}", list.join("; ")));
    }
    audit(tx, req, bundle_id, outcome.as_str(), &detail)?;
    Ok(Ok(IngestSummary {
        outcome,
        bundle_id: bundle_id.to_string(),
        files: files as u64,
        events: events as u64,
        new_events,
        head,
        matches,
        held: held::held(tx, row)?,
        computed_written,
        origin: super::derivation::origin(tx, row)?,
        derived: super::derivation::derived(tx, row, bundle_id)?,
    }))
}

fn audit(
    tx: &Transaction<'_>,
    req: &IngestRequest<'_>,
    bundle_id: &str,
    result: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    let verdict = if req.report.verified() {
        "verified"
    } else {
        "failed"
    };
    tx.execute(
        "INSERT INTO audit (time, action, actor, host, bundle_id, result, custody_head, detail)
         VALUES (?1, 'ingest', ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            req.actor.now,
            req.actor.user,
            req.actor.host,
            bundle_id,
            format!("{result} ({verdict})"),
            req.report.head,
            detail
        ],
    )?;
    Ok(())
}

fn insert_bundle(
    tx: &Transaction<'_>,
    req: &IngestRequest<'_>,
    bundle_id: &str,
    status: &str,
) -> rusqlite::Result<i64> {
    let v = RowValues::from_bundle(req.report, req.record);
    let problems = serde_json::to_string(&req.report.findings).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO bundles (bundle_id, name, case_ref, status, zip_sha256, custody_head,
         sealed_at, ingested_at, store_path, case_json, problems_json, received_sha256,
         received_bytes, received_path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            bundle_id,
            v.name,
            v.case_ref,
            status,
            req.zip_sha256,
            req.report.head,
            v.sealed_at,
            req.actor.now,
            req.location,
            v.case_json,
            if status == "verified" {
                "[]".to_string()
            } else {
                problems
            },
            req.received.as_ref().map(|r| &r.sha256),
            req.received.as_ref().map(|r| r.bytes as i64),
            req.received.as_ref().map(|r| &r.path),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn blob(hex: Option<&str>) -> Option<Vec<u8>> {
    hex.and_then(from_hex)
}

/// Items, files (with every hash, sealed and computed at ingest), which
/// digests every file holds, and known-hash matches. Returns the
/// algorithms whose computed digests were written.
pub(super) fn insert_contents(
    tx: &Transaction<'_>,
    req: &IngestRequest<'_>,
    row: i64,
) -> rusqlite::Result<Vec<Algorithm>> {
    if req.record.manifest.is_none() {
        return Ok(Vec::new());
    }
    for (item, description) in RowValues::from_bundle(req.report, req.record).items {
        tx.execute(
            "INSERT OR IGNORE INTO items (bundle, item_ref, description) VALUES (?1, ?2, ?3)",
            params![row, item, description],
        )?;
    }
    let mut ins = tx.prepare(
        "INSERT OR IGNORE INTO files (bundle, path, path_bytes, size, md5, sha1, sha256, sha512,
         blake3, ingest_md5, ingest_sha1)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut lookup = req.computed.map(ComputedDigests::lookup);
    // Which algorithms every file holds: sealed, computed.
    let mut sealed = [true; 5];
    let mut computed = [true; 2];
    // Streamed from the bundle for a large manifest: one row at a time.
    let mut failed: Option<rusqlite::Error> = None;
    super::record::for_each_file(req.record, &mut |f| {
        let raw = match &f.original {
            crate::pathrepr::PathRepr::Bytes(b) => Some(b.clone()),
            crate::pathrepr::PathRepr::Text(_) => None,
        };
        let cols = [
            f.md5.as_deref(),
            f.sha1.as_deref(),
            Some(&*f.sha256),
            f.sha512.as_deref(),
            Some(&*f.blake3),
        ];
        for (s, c) in sealed.iter_mut().zip(cols) {
            *s &= c.is_some();
        }
        // Computed only where the bundle sealed none.
        let found = lookup
            .as_mut()
            .and_then(|l| l.get(&from_hex(&f.sha256)?))
            .unwrap_or_default();
        let mut extra = [None, None];
        for (i, a) in super::computed::INGEST_ALGORITHMS.into_iter().enumerate() {
            extra[i] = found
                .iter()
                .find(|d| d.algorithm == a && cols[i].is_none())
                .map(|d| d.bytes.clone());
            computed[i] &= extra[i].is_some();
        }
        let r = ins.execute(params![
            row,
            f.path,
            raw,
            f.size as i64,
            blob(cols[0]),
            blob(cols[1]),
            blob(cols[2]),
            blob(cols[3]),
            blob(cols[4]),
            extra[0],
            extra[1],
        ]);
        match r {
            Ok(_) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    })
    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    if let Some(e) = failed {
        return Err(e);
    }
    drop(ins);
    let files: i64 = tx.query_row("SELECT count(*) FROM files WHERE bundle = ?1", [row], |r| {
        r.get(0)
    })?;
    let mut written = Vec::new();
    if files > 0 {
        for (a, all) in Algorithm::ALL.into_iter().zip(sealed) {
            if all {
                held::record(tx, row, a, DigestOrigin::Sealed)?;
            }
        }
        for (a, all) in super::computed::INGEST_ALGORITHMS.into_iter().zip(computed) {
            let was_computed = req.computed.is_some_and(|c| c.algorithms().contains(&a));
            if all && was_computed {
                held::record(tx, row, a, DigestOrigin::Ingest)?;
                written.push(a);
            }
        }
    }
    held::insert_matches(tx, row, None)?;
    Ok(written)
}

/// Append the events past the first `skip`, with their signers: the
/// proven signer of each ([`EventSigner`]), and the key with the actor
/// the event claims (`claimed_*`, never shown as an identity).
pub(super) fn insert_events(
    tx: &Transaction<'_>,
    req: &IngestRequest<'_>,
    row: i64,
    skip: usize,
) -> rusqlite::Result<u64> {
    let proven = EventSigner::from_report(req.report);
    let mut n = 0;
    for ev in req.record.events.iter().skip(skip) {
        tx.execute(
            "INSERT INTO custody_events (bundle, seq, action, time, signer, event_sha256, event_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![row, ev.seq as i64, ev.action, ev.time, ev.signer, ev.sha256, ev.json],
        )?;
        n += 1;
        if let Some(x) = ev.event.as_ref().and_then(ExportRecord::from_event) {
            x.write(tx, row)?;
        }
        let signer = proven.iter().find(|s| s.seq == ev.seq);
        if let Some(s) = signer {
            s.write(tx, row)?;
        }
        if let (Some(key), Some(actor)) = (
            req.record.public_keys.get(&ev.signer),
            ev.event.as_ref().map(|e| &e.actor),
        ) {
            tx.execute(
                "INSERT OR IGNORE INTO signers (key_id, public_key, claimed_name, claimed_org,
                 claimed_country, claimed_role, trust_path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    ev.signer,
                    key,
                    actor.name,
                    actor.organisation,
                    actor.country,
                    actor.role,
                    signer.map(|s| &s.trust_path)
                ],
            )?;
        }
    }
    Ok(n)
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;
