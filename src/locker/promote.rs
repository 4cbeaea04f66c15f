//! Rewriting a bundle's record from a verified copy: promotion of a
//! quarantined record, and correction of a record that disagrees with a
//! verified copy of its own chain.
//!
//! Invariant: after [`rewrite`], every row derived from the bundle (the
//! bundle row's values, items, files with every hash, known-hash matches)
//! is what the verified copy says, and nothing a failing copy said
//! survives. Runs inside the caller's ingest transaction, so the record is
//! replaced whole or not at all. Custody events are append-only and are
//! not touched here: the caller has checked that the recorded ones are a
//! prefix of the verified chain (a quarantined record holds none) and
//! appends the rest; signers are keyed by public key and written only from
//! verified events, so nothing there came from a failing copy.

use super::ingest::{IngestRequest, insert_contents};
use super::values::{RowValues, ValueChange, shown};
use rusqlite::{Transaction, params};

/// Replace everything recorded for bundle row `row` by what the verified
/// copy in `req` says (`values`, computed from it); `recorded` is what the
/// row held. Returns what changed, for the audit log: the bundle-derived
/// values, the status, problems and payload file counts.
pub(super) fn rewrite(
    tx: &Transaction<'_>,
    req: &IngestRequest<'_>,
    row: i64,
    values: &RowValues,
    recorded: &RowValues,
) -> rusqlite::Result<Vec<ValueChange>> {
    let mut changes = recorded.diff(values);
    let (status, problems, old_files, ingested): (String, String, i64, String) = tx.query_row(
        "SELECT status, problems_json, (SELECT count(*) FROM files WHERE bundle = ?1),
         ingested_at FROM bundles WHERE id = ?1",
        [row],
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
        [row],
    )?;
    tx.execute("DELETE FROM files WHERE bundle = ?1", [row])?;
    tx.execute("DELETE FROM items WHERE bundle = ?1", [row])?;
    values.update_row(tx, row)?;
    // The record now dates from this ingest: its values, files and
    // matches were all written now (the audit log keeps the history).
    tx.execute(
        "UPDATE bundles SET status = 'verified', problems_json = '[]', ingested_at = ?2
         WHERE id = ?1",
        params![row, req.actor.now],
    )?;
    insert_contents(tx, req, row)?;
    let new_files: i64 =
        tx.query_row("SELECT count(*) FROM files WHERE bundle = ?1", [row], |r| {
            r.get(0)
        })?;
    if old_files != new_files {
        changes.push(ValueChange {
            what: "payload files".into(),
            recorded: old_files.to_string(),
            bundle: new_files.to_string(),
        });
    }
    Ok(changes)
}
