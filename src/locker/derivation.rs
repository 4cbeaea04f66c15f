//! Proportional disclosure in the locker (schema version 7): where a
//! derived bundle came from (`derivations`), what an original's chain
//! records as exported (`exports`), and the link between the two when the
//! locker holds both.
//!
//! Invariants:
//! - A `derivations` row is computed in one place,
//!   [`Derivation::from_report`], and only from a report that verified:
//!   its values are what verify *proved* ([`crate::verify::Provenance`]),
//!   never what a seal event claims. Ingest, correction and `locker
//!   verify` all use it.
//! - An `exports` row is written with the custody event it comes from
//!   (only events of a verified copy are recorded), from that event's
//!   `exported_to`; both are append-only.
//! - The link is by bundle id, through the indexed `original_bundle_id`
//!   and `derived_bundle_id` columns, so it holds whichever of the two
//!   bundles was ingested first.

use super::db::{Db, DbError};
use super::values::{ValueChange, shown};
use crate::model::CustodyEvent;
use crate::verify::VerifyReport;

/// Where a derived bundle came from, as verify proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    /// The original bundle's id.
    pub original_bundle_id: String,
    /// The original's custody head when the export was made.
    pub original_custody_head: String,
    /// When the original was sealed (its seal's claimed time).
    pub original_sealed: String,
    /// The original sealer's key id.
    pub original_key_id: String,
    /// The original sealer's proven identity (name, organisation,
    /// country), when the trust store binds one to the key.
    pub original_signer: Option<crate::model::Party>,
    /// The purpose the exporter gave.
    pub purpose: Option<String>,
    /// Files disclosed.
    pub disclosed: u64,
    /// Files of the original withheld.
    pub withheld: u64,
    /// Whether the export was recorded in the original's custody chain.
    pub recorded_at_source: bool,
    /// Whether the original's whole manifest went along.
    pub manifest_revealed: bool,
}

/// An `export` event of a recorded bundle: the derived bundle that left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    /// The event's sequence number.
    pub seq: u64,
    /// The derived bundle's id.
    pub derived_bundle_id: String,
    /// The derived bundle's seal event SHA-256.
    pub derived_custody_head: String,
    /// Files disclosed.
    pub files: u64,
    /// SHA-256 of the disclosed bag paths.
    pub selection_sha256: String,
    /// The purpose the event gives.
    pub purpose: Option<String>,
}

impl Derivation {
    /// The derivation `report` proved: `None` unless the report verified
    /// and is of a derived bundle.
    pub fn from_report(report: &VerifyReport) -> Option<Derivation> {
        if !report.verified() {
            return None;
        }
        let p = report.provenance.as_ref()?;
        Some(Derivation {
            original_bundle_id: p.original_bundle_id.clone(),
            original_custody_head: p.original_custody_head.clone(),
            original_sealed: p.original_sealed.clone(),
            original_key_id: p.original_key_id.clone(),
            // The key is `original_key_id`; only the identity is kept here.
            original_signer: p
                .original_signer
                .clone()
                .map(|s| crate::model::Party { key_id: None, ..s }),
            purpose: p.purpose.clone(),
            disclosed: p.disclosed,
            withheld: p.withheld,
            recorded_at_source: p.recorded_at_source,
            manifest_revealed: p.manifest_revealed,
        })
    }

    /// What bundle row `row` records.
    pub fn read(db: &Db, row: i64) -> Result<Option<Derivation>, DbError> {
        db.opt_row(
            "SELECT original_bundle_id, original_custody_head, original_sealed, original_key_id,
             original_name, original_org, original_country, purpose, disclosed, withheld,
             recorded_at_source, manifest_revealed FROM derivations WHERE bundle = ?1",
            &[&row],
            |r| {
                let (name, org, country): (Option<String>, Option<String>, Option<String>) =
                    (r.get(4)?, r.get(5)?, r.get(6)?);
                let any = name.is_some() || org.is_some() || country.is_some();
                let signer = any.then_some(crate::model::Party {
                    key_id: None,
                    name,
                    organisation: org,
                    country,
                });
                Ok(Derivation {
                    original_bundle_id: r.get(0)?,
                    original_custody_head: r.get(1)?,
                    original_sealed: r.get(2)?,
                    original_key_id: r.get(3)?,
                    original_signer: signer,
                    purpose: r.get(7)?,
                    disclosed: r.get(8)?,
                    withheld: r.get(9)?,
                    recorded_at_source: r.get(10)?,
                    manifest_revealed: r.get(11)?,
                })
            },
        )
    }

    /// Record (or replace) the derivation of bundle row `row`.
    pub fn write(&self, db: &Db, row: i64) -> Result<(), DbError> {
        let s = self.original_signer.as_ref();
        db.execute(
            "INSERT INTO derivations (bundle, original_bundle_id,
             original_custody_head, original_sealed, original_key_id, original_name,
             original_org, original_country, purpose, disclosed, withheld, recorded_at_source,
             manifest_revealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (bundle) DO UPDATE SET original_bundle_id = excluded.original_bundle_id,
             original_custody_head = excluded.original_custody_head,
             original_sealed = excluded.original_sealed,
             original_key_id = excluded.original_key_id, original_name = excluded.original_name,
             original_org = excluded.original_org, original_country = excluded.original_country,
             purpose = excluded.purpose, disclosed = excluded.disclosed,
             withheld = excluded.withheld, recorded_at_source = excluded.recorded_at_source,
             manifest_revealed = excluded.manifest_revealed",
            &[
                &row,
                &self.original_bundle_id,
                &self.original_custody_head,
                &self.original_sealed,
                &self.original_key_id,
                &s.and_then(|s| s.name.as_ref()),
                &s.and_then(|s| s.organisation.as_ref()),
                &s.and_then(|s| s.country.as_ref()),
                &self.purpose,
                &self.disclosed,
                &self.withheld,
                &self.recorded_at_source,
                &self.manifest_revealed,
            ],
        )?;
        Ok(())
    }

    /// One line, every value (for drift and the audit log).
    pub fn text(&self) -> String {
        let who = self.original_signer.as_ref().map_or_else(
            || crate::verify::NO_IDENTITY.to_string(),
            |s| {
                [&s.name, &s.organisation, &s.country]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        format!(
            "from {} (head {}, sealed {} by key {}: {who}); purpose {}; {} disclosed, {} withheld; \
             recorded at source: {}; manifest revealed: {}",
            self.original_bundle_id,
            self.original_custody_head,
            self.original_sealed,
            self.original_key_id,
            shown(self.purpose.as_deref()),
            self.disclosed,
            self.withheld,
            self.recorded_at_source,
            self.manifest_revealed
        )
    }
}

/// The difference between the recorded derivation and a verified copy's.
pub(crate) fn diff(recorded: Option<&Derivation>, bundle: Option<&Derivation>) -> Vec<ValueChange> {
    let (a, b) = (recorded.map(Derivation::text), bundle.map(Derivation::text));
    if a == b {
        return Vec::new();
    }
    vec![ValueChange {
        what: "exported from".into(),
        recorded: shown(a.as_deref()),
        bundle: shown(b.as_deref()),
    }]
}

/// Make the derivation recorded for `row` that of the verified `report`;
/// returns what was replaced.
pub(crate) fn update(
    db: &Db,
    row: i64,
    report: &VerifyReport,
) -> Result<Vec<ValueChange>, DbError> {
    let bundle = Derivation::from_report(report);
    let recorded = Derivation::read(db, row)?;
    let changes = diff(recorded.as_ref(), bundle.as_ref());
    if changes.is_empty() {
        return Ok(changes);
    }
    match bundle {
        Some(d) => d.write(db, row)?,
        None => {
            db.execute("DELETE FROM derivations WHERE bundle = ?1", &[&row])?;
        }
    }
    Ok(changes)
}

impl ExportRecord {
    /// The export `ev` records (`None` for any other event).
    pub fn from_event(ev: &CustodyEvent) -> Option<ExportRecord> {
        let to = ev.exported_to.as_ref()?;
        Some(ExportRecord {
            seq: ev.seq,
            derived_bundle_id: to.bundle_id.clone(),
            derived_custody_head: to.custody_head.clone(),
            files: to.files,
            selection_sha256: to.selection_sha256.clone(),
            purpose: ev.purpose.clone(),
        })
    }

    /// Record it for bundle row `row` (with its custody event).
    pub fn write(&self, db: &Db, row: i64) -> Result<(), DbError> {
        db.execute(
            "INSERT INTO exports (bundle, seq, derived_bundle_id, derived_custody_head, files,
             selection_sha256, purpose) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                &row,
                &self.seq,
                &self.derived_bundle_id,
                &self.derived_custody_head,
                &self.files,
                &self.selection_sha256,
                &self.purpose,
            ],
        )?;
        Ok(())
    }

    /// Every export recorded for bundle row `row`, by sequence.
    pub fn read(db: &Db, row: i64) -> Result<Vec<ExportRecord>, DbError> {
        db.rows(
            "SELECT seq, derived_bundle_id, derived_custody_head, files, selection_sha256, purpose
             FROM exports WHERE bundle = ?1 ORDER BY seq",
            &[&row],
            |r| {
                Ok(ExportRecord {
                    seq: r.get(0)?,
                    derived_bundle_id: r.get(1)?,
                    derived_custody_head: r.get(2)?,
                    files: r.get(3)?,
                    selection_sha256: r.get(4)?,
                    purpose: r.get(5)?,
                })
            },
        )
    }

    /// One line, every value (for drift).
    pub fn text(&self) -> String {
        format!(
            "to {} (seal {}), {} files, selection {}, purpose {}",
            self.derived_bundle_id,
            self.derived_custody_head,
            self.files,
            self.selection_sha256,
            shown(self.purpose.as_deref())
        )
    }
}

/// Every difference between the exports recorded and those the events of
/// a verified copy record (the events past its end say nothing).
pub(crate) fn diff_exports(
    recorded: &[ExportRecord],
    events: &[Option<&CustodyEvent>],
) -> Vec<ValueChange> {
    let bundle: Vec<ExportRecord> = events
        .iter()
        .flatten()
        .filter_map(|e| ExportRecord::from_event(e))
        .collect();
    let last = events.len() as u64;
    let mut seqs: Vec<u64> = recorded
        .iter()
        .map(|x| x.seq)
        .filter(|&s| s <= last)
        .chain(bundle.iter().map(|x| x.seq))
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    let find = |v: &[ExportRecord], seq| v.iter().find(|x| x.seq == seq).map(ExportRecord::text);
    seqs.into_iter()
        .filter_map(|seq| {
            let (a, b) = (find(recorded, seq), find(&bundle, seq));
            (a != b).then(|| ValueChange {
                what: format!("custody event {seq} export"),
                recorded: shown(a.as_deref()),
                bundle: shown(b.as_deref()),
            })
        })
        .collect()
}

/// What a recorded original's chain says about one derived bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportMention {
    /// Its `export` event `seq` names the derived bundle and its seal.
    Recorded(u64),
    /// Its `export` event `seq` names the derived bundle's id with another
    /// seal (not this bundle: a conflict worth a look).
    OtherSeal(u64),
    /// No recorded event names it (exported with `--no-record`, or the
    /// locker holds an older copy of the original's chain).
    Absent,
}

/// A bundle in this locker, linked to another one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// Its bundle id.
    pub bundle_id: String,
    /// `verified` or `quarantined`.
    pub status: String,
    /// What the original's recorded chain says about the derived bundle.
    pub mention: ExportMention,
}

/// A derived bundle's origin, and the original when the locker holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// What verify proved at ingest.
    pub derivation: Derivation,
    /// The original, when this locker holds it.
    pub original: Option<Linked>,
}

/// A bundle in this locker derived from a recorded one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedRow {
    /// The derived bundle and what the original's chain says about it.
    pub bundle: Linked,
    /// What verify proved about it at its ingest.
    pub derivation: Derivation,
}

/// An `export` event of a recorded bundle, and the derived bundle when
/// this locker holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// The event's record.
    pub export: ExportRecord,
    /// The derived bundle's status in this locker, when it holds it.
    pub derived_status: Option<String>,
    /// Whether the derived bundle in this locker has the seal the event
    /// names (`None` when the locker does not hold it, or holds it
    /// quarantined).
    pub seal_matches: Option<bool>,
}

/// The seal event SHA-256 recorded for bundle row `row`.
fn seal_sha256(db: &Db, row: i64) -> Result<Option<String>, DbError> {
    db.opt_row(
        "SELECT event_sha256 FROM custody_events WHERE bundle = ?1 AND seq = 1",
        &[&row],
        |r| r.get(0),
    )
}

/// What original row `original` records about derived bundle `derived_id`
/// whose seal is `seal`.
fn mention(
    db: &Db,
    original: i64,
    derived_id: &str,
    seal: Option<&str>,
) -> Result<ExportMention, DbError> {
    let exports = ExportRecord::read(db, original)?;
    let named: Vec<&ExportRecord> = exports
        .iter()
        .filter(|x| x.derived_bundle_id == derived_id)
        .collect();
    if let Some(x) = named
        .iter()
        .find(|x| Some(x.derived_custody_head.as_str()) == seal)
    {
        return Ok(ExportMention::Recorded(x.seq));
    }
    Ok(named
        .first()
        .map_or(ExportMention::Absent, |x| ExportMention::OtherSeal(x.seq)))
}

/// The row and status of the bundle with id `id`, when recorded.
fn row_of(db: &Db, id: &str) -> Result<Option<(i64, String)>, DbError> {
    db.opt_row(
        "SELECT id, status FROM bundles WHERE bundle_id = ?1",
        &[&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// The origin of bundle row `row` (`None`: not a derived bundle).
pub(crate) fn origin(db: &Db, row: i64) -> Result<Option<Origin>, DbError> {
    let Some(derivation) = Derivation::read(db, row)? else {
        return Ok(None);
    };
    let derived_id: String = db.row(
        "SELECT bundle_id FROM bundles WHERE id = ?1",
        &[&row],
        |r| r.get(0),
    )?;
    let seal = seal_sha256(db, row)?;
    let original = match row_of(db, &derivation.original_bundle_id)? {
        Some((orow, status)) => Some(Linked {
            bundle_id: derivation.original_bundle_id.clone(),
            status,
            mention: mention(db, orow, &derived_id, seal.as_deref())?,
        }),
        None => None,
    };
    Ok(Some(Origin {
        derivation,
        original,
    }))
}

/// The bundles in this locker derived from bundle row `row` (id
/// `bundle_id`), in ingest order.
pub(crate) fn derived(db: &Db, row: i64, bundle_id: &str) -> Result<Vec<DerivedRow>, DbError> {
    // Collected first: each row leads to more queries.
    let rows: Vec<(i64, String, String)> = db.rows(
        "SELECT b.id, b.bundle_id, b.status FROM derivations d JOIN bundles b ON b.id = d.bundle
         WHERE d.original_bundle_id = ?1 ORDER BY b.ingested_at, b.id",
        &[&bundle_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut out = Vec::new();
    for (drow, id, status) in rows {
        let Some(derivation) = Derivation::read(db, drow)? else {
            continue;
        };
        let seal = seal_sha256(db, drow)?;
        out.push(DerivedRow {
            bundle: Linked {
                mention: mention(db, row, &id, seal.as_deref())?,
                bundle_id: id,
                status,
            },
            derivation,
        });
    }
    Ok(out)
}

/// The `export` events recorded for bundle row `row`, each with the
/// derived bundle when this locker holds it.
pub(crate) fn exports(db: &Db, row: i64) -> Result<Vec<ExportRow>, DbError> {
    let mut out = Vec::new();
    for export in ExportRecord::read(db, row)? {
        let (derived_status, seal_matches) = match row_of(db, &export.derived_bundle_id)? {
            // A quarantined record holds no events to compare.
            Some((_, status)) if status != "verified" => (Some(status), None),
            Some((drow, status)) => {
                let seal = seal_sha256(db, drow)?;
                (
                    Some(status),
                    Some(seal.as_deref() == Some(export.derived_custody_head.as_str())),
                )
            }
            None => (None, None),
        };
        out.push(ExportRow {
            export,
            derived_status,
            seal_matches,
        });
    }
    Ok(out)
}

#[cfg(test)]
#[path = "derivation_tests.rs"]
mod tests;
