//! A verified copy of a bundle the locker already records: its chain is
//! checked against the recorded one and extends it, and the record is
//! rewritten from it when it is quarantined (promotion) or disagrees with
//! it (correction).
//!
//! Invariant: after [`rewrite`], every row derived from the bundle (the
//! bundle row's values, items, files with every hash, known-hash matches)
//! is what the verified copy says, and nothing a failing copy said
//! survives. Runs inside the caller's ingest transaction, so the record is
//! replaced whole or not at all. Custody events are append-only and are
//! not touched here: the caller has checked that the recorded ones are a
//! prefix of the verified chain (a quarantined record holds none) and
//! appends the rest. Signers are written only from verified events, so
//! nothing there came from a failing copy; the proven signer of a recorded
//! event is replaced when a verified copy proves another (or the record
//! holds none).

use super::db::{DbError, Tx};
use super::derivation;
use super::ingest::{IngestOutcome, IngestRequest, WriteError, insert_contents, insert_events};
use super::signers::{self, EventSigner};
use super::values::{RowValues, ValueChange, shown};
use crate::hash::Algorithm;

/// What [`update`] did: the outcome, how many custody events it appended,
/// what it replaced, and the algorithms whose digests computed at ingest
/// it wrote (when it rewrote the files).
pub(super) type Updated = (IngestOutcome, u64, Vec<ValueChange>, Vec<Algorithm>);

/// A verified copy of recorded bundle row `row` (whose status is
/// `status`): check its chain against the recorded one, rewrite the record
/// when it is quarantined (promotion) or its values differ (correction),
/// and append new custody events. Returns the outcome, the number of new
/// events and what was replaced; `Ok(Err(detail))` is a chain conflict.
pub(super) fn update(
    tx: &Tx<'_>,
    req: &IngestRequest<'_>,
    row: i64,
    status: &str,
) -> Result<Result<Updated, String>, WriteError> {
    let mut replaced = Vec::new();
    let mut written = Vec::new();
    let stored = match stored_prefix(tx, req, row)? {
        Ok(n) => n,
        Err(conflict) => return Ok(Err(conflict)),
    };
    let values = RowValues::from_bundle(req.report, req.record);
    let recorded = RowValues::read(tx, row)?;
    let outcome = if status != "verified" {
        IngestOutcome::Promoted
    } else if recorded != values {
        // The record disagrees with a verified copy of its own
        // chain (a promotion by an older evidentia kept the
        // quarantined copy's values): the verified copy wins.
        IngestOutcome::Corrected
    } else {
        IngestOutcome::Unchanged
    };
    if outcome != IngestOutcome::Unchanged {
        (replaced, written) = rewrite(tx, req, row, &values, &recorded)?;
    }
    let n = insert_events(tx, req, row, stored)?;
    // The proven signers of the recorded events: a verified copy's proof
    // replaces a different one (or none, in a record ingested before they
    // were recorded).
    let mut proven = signers::update(tx, row, &EventSigner::from_report(req.report))?;
    // Where a derived bundle came from, as this verified copy proves it.
    proven.extend(derivation::update(tx, row, req.report)?);
    let outcome = if outcome == IngestOutcome::Unchanged && !proven.is_empty() {
        IngestOutcome::Corrected
    } else {
        outcome
    };
    replaced.extend(proven);
    // A shorter copy of the recorded chain leaves the head and the
    // location at the longer copy's.
    let longest = req.record.events.len() >= stored;
    if longest && (outcome != IngestOutcome::Unchanged || n > 0) {
        if outcome != IngestOutcome::Unchanged {
            replaced.extend(replaced_copy(tx, req, row)?);
        }
        let r = req.received.as_ref();
        tx.execute(
            "UPDATE bundles SET custody_head = ?2, zip_sha256 = ?3, store_path = ?4,
             received_sha256 = ?5, received_bytes = ?6, received_path = ?7 WHERE id = ?1",
            &[
                &row,
                &req.report.head,
                &req.zip_sha256,
                &req.location,
                &r.map(|r| &r.sha256),
                &r.map(|r| r.bytes),
                &r.map(|r| &r.path),
            ],
        )?;
    }
    let outcome = match outcome {
        IngestOutcome::Unchanged if n > 0 => IngestOutcome::Extended,
        o => o,
    };
    Ok(Ok((outcome, n, replaced, written)))
}

/// The copy-specific values of `row` that the copy in `req` replaces
/// (zip SHA-256, custody head, location, the ciphertext it arrived as),
/// for the audit log.
fn replaced_copy(
    tx: &Tx<'_>,
    req: &IngestRequest<'_>,
    row: i64,
) -> Result<Vec<ValueChange>, DbError> {
    type Copy = (String, Option<String>, Option<String>, Option<String>);
    let (zip, head, location, received): Copy = tx.row(
        "SELECT zip_sha256, custody_head, store_path, received_sha256 FROM bundles WHERE id = ?1",
        &[&row],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let now = [
        ("zip SHA-256", Some(zip), Some(req.zip_sha256.clone())),
        ("custody head", head, req.report.head.clone()),
        ("location", location, Some(req.location.clone())),
        (
            "received ciphertext SHA-256",
            received,
            req.received.as_ref().map(|r| r.sha256.clone()),
        ),
    ];
    Ok(now
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(what, a, b)| ValueChange {
            what: what.into(),
            recorded: shown(a.as_deref()),
            bundle: shown(b.as_deref()),
        })
        .collect())
}

/// How many custody events are recorded for `row`, when they are a prefix
/// of this copy's chain (or this copy's chain a prefix of them);
/// `Ok(Err(detail))` when an event differs.
fn stored_prefix(
    tx: &Tx<'_>,
    req: &IngestRequest<'_>,
    row: i64,
) -> Result<Result<usize, String>, DbError> {
    let stored: Vec<(u64, String)> = tx.rows(
        "SELECT seq, event_sha256 FROM custody_events WHERE bundle = ?1 ORDER BY seq",
        &[&row],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (i, (seq, h)) in stored.iter().enumerate() {
        match req.record.events.get(i) {
            Some(ev) if ev.seq == *seq && ev.sha256 == *h => {}
            Some(ev) => {
                return Ok(Err(format!(
                    "custody event {seq} differs from the one recorded (stored {h}, this copy {})",
                    ev.sha256
                )));
            }
            // A shorter copy of the same chain: nothing new.
            None => break,
        }
    }
    Ok(Ok(stored.len()))
}

/// Replace everything recorded for bundle row `row` by what the verified
/// copy in `req` says (`values`, computed from it); `recorded` is what the
/// row held. Returns what changed, for the audit log: the bundle-derived
/// values, the status, problems and payload file counts; and the
/// algorithms whose digests computed at ingest were written.
pub(super) fn rewrite(
    tx: &Tx<'_>,
    req: &IngestRequest<'_>,
    row: i64,
    values: &RowValues,
    recorded: &RowValues,
) -> Result<(Vec<ValueChange>, Vec<Algorithm>), WriteError> {
    let mut changes = recorded.diff(values);
    let (status, problems, old_files, ingested): (String, String, i64, String) = tx.row(
        "SELECT status, problems_json, (SELECT count(*) FROM files WHERE bundle = ?1),
         ingested_at FROM bundles WHERE id = ?1",
        &[&row],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    changes.push(ValueChange {
        what: "ingested_at".into(),
        recorded: shown(Some(&ingested)),
        bundle: shown(Some(&req.actor.now)),
    });
    if status != "verified" {
        changes.push(ValueChange {
            what: "status".into(),
            recorded: shown(Some(&status)),
            bundle: shown(Some("verified")),
        });
    }
    if problems != "[]" {
        changes.push(ValueChange {
            what: "problems".into(),
            recorded: problems,
            bundle: "[]".into(),
        });
    }
    // Matches reference files; both go before the files are written again.
    tx.execute(
        "DELETE FROM matches WHERE file IN (SELECT id FROM files WHERE bundle = ?1)",
        &[&row],
    )?;
    tx.execute("DELETE FROM files WHERE bundle = ?1", &[&row])?;
    tx.execute("DELETE FROM bundle_digests WHERE bundle = ?1", &[&row])?;
    tx.execute("DELETE FROM items WHERE bundle = ?1", &[&row])?;
    values.update_row(tx, row)?;
    // The record now dates from this ingest: its values, files and
    // matches were all written now (the audit log keeps the history).
    tx.execute(
        "UPDATE bundles SET status = 'verified', problems_json = '[]', ingested_at = ?2
         WHERE id = ?1",
        &[&row, &req.actor.now],
    )?;
    let written = insert_contents(tx, req, row)?;
    let new_files: i64 = tx.row(
        "SELECT count(*) FROM files WHERE bundle = ?1",
        &[&row],
        |r| r.get(0),
    )?;
    if old_files != new_files {
        changes.push(ValueChange {
            what: "payload files".into(),
            recorded: old_files.to_string(),
            bundle: new_files.to_string(),
        });
    }
    Ok((changes, written))
}
