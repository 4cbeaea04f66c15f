//! Who signed each recorded custody event, as verify proved it.
//!
//! An event's `actor` (name, organisation, country, role) is its signer's
//! *claim*; the locker never shows it as an identity. What it records and
//! shows is what verify proved with the trust store: the kind of key that
//! signed (`root`, `certified`, `pinned`) and the certified identity
//! (absent for a key without one: "no certified identity").
//!
//! Invariants:
//! - A row of `event_signers` exists only for a recorded custody event
//!   (foreign key on `(bundle, seq)`) whose signature verified as trusted,
//!   and is computed from the verify report in one place,
//!   [`EventSigner::from_report`]; ingest, correction and `locker verify`
//!   all use it.
//! - Identity columns are all set or all NULL (a CHECK in the schema).

use super::db::{Db, DbError};
use super::values::{ValueChange, shown};
use crate::sign::Identity;
use crate::verify::{NO_IDENTITY, SignatureState, SignerKind, VerifyReport, identity_text};

/// The proven signer of one custody event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventSigner {
    /// The event's sequence number.
    pub seq: u64,
    /// `root`, `certified` or `pinned`.
    pub kind: String,
    /// The certified identity; `None`: no certified identity.
    pub identity: Option<Identity>,
    /// How verify trusted the key (its words, naming only what it proved).
    pub trust_path: String,
}

/// The word stored for a kind of signer.
pub fn kind_name(k: SignerKind) -> &'static str {
    match k {
        SignerKind::Root => "root",
        SignerKind::Certified => "certified",
        SignerKind::Pinned => "pinned",
    }
}

impl EventSigner {
    /// The proven signers of every trusted event in `report`, by sequence.
    pub fn from_report(report: &VerifyReport) -> Vec<EventSigner> {
        let mut v: Vec<EventSigner> = report
            .events
            .iter()
            .filter(|s| s.signature == SignatureState::Trusted)
            .filter_map(|s| {
                Some(EventSigner {
                    seq: s.seq,
                    kind: kind_name(s.signer_kind?).to_string(),
                    identity: s.certified_identity.clone(),
                    trust_path: s.trust.clone().unwrap_or_default(),
                })
            })
            .collect();
        v.sort_by_key(|s| s.seq);
        v
    }

    /// Everything recorded for bundle row `row`, by sequence.
    pub fn read(db: &Db, row: i64) -> Result<Vec<EventSigner>, DbError> {
        db.rows(
            "SELECT seq, signer_kind, certified_name, certified_org, certified_country,
             certified_role, certified_email, trust_path FROM event_signers
             WHERE bundle = ?1 ORDER BY seq",
            &[&row],
            |r| {
                let name: Option<String> = r.get(2)?;
                let identity = match (name, r.get(3)?, r.get(4)?) {
                    (Some(name), Some(org), Some(country)) => Some(Identity {
                        name,
                        org,
                        country,
                        role: r.get(5)?,
                        email: r.get(6)?,
                    }),
                    _ => None,
                };
                Ok(EventSigner {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    identity,
                    trust_path: r.get(7)?,
                })
            },
        )
    }

    /// Record (or replace) the proven signer of event `seq` of `row`.
    pub fn write(&self, db: &Db, row: i64) -> Result<(), DbError> {
        let i = self.identity.as_ref();
        db.execute(
            "INSERT INTO event_signers (bundle, seq, signer_kind, certified_name,
             certified_org, certified_country, certified_role, certified_email, trust_path)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (bundle, seq) DO UPDATE SET signer_kind = excluded.signer_kind,
             certified_name = excluded.certified_name, certified_org = excluded.certified_org,
             certified_country = excluded.certified_country,
             certified_role = excluded.certified_role,
             certified_email = excluded.certified_email, trust_path = excluded.trust_path",
            &[
                &row,
                &self.seq,
                &self.kind,
                &i.map(|i| &i.name),
                &i.map(|i| &i.org),
                &i.map(|i| &i.country),
                &i.and_then(|i| i.role.as_ref()),
                &i.and_then(|i| i.email.as_ref()),
                &self.trust_path,
            ],
        )?;
        Ok(())
    }

    /// One line: kind, identity (or "no certified identity"), trust path.
    pub fn text(&self) -> String {
        let who = self
            .identity
            .as_ref()
            .map_or_else(|| NO_IDENTITY.to_string(), identity_text);
        let email = self
            .identity
            .as_ref()
            .and_then(|i| i.email.as_deref())
            .map(|e| format!(" <{e}>"))
            .unwrap_or_default();
        format!("{} key; {who}{email}; {}", self.kind, self.trust_path)
    }
}

/// Every difference between the `recorded` proven signers and those of a
/// verified copy (`bundle`), for the events the copy carries (a shorter
/// copy of the chain says nothing about the events past its end).
pub(crate) fn diff(recorded: &[EventSigner], bundle: &[EventSigner]) -> Vec<ValueChange> {
    let last = bundle.iter().map(|s| s.seq).max().unwrap_or(0);
    let mut seqs: Vec<u64> = recorded
        .iter()
        .map(|s| s.seq)
        .filter(|&s| s <= last)
        .chain(bundle.iter().map(|s| s.seq))
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    let find = |v: &[EventSigner], seq| v.iter().find(|s| s.seq == seq).map(EventSigner::text);
    seqs.into_iter()
        .filter_map(|seq| {
            let (a, b) = (find(recorded, seq), find(bundle, seq));
            (a != b).then(|| ValueChange {
                what: format!("custody event {seq} signer"),
                recorded: shown(a.as_deref()),
                bundle: shown(b.as_deref()),
            })
        })
        .collect()
}

/// Make the proven signers recorded for `row` those of `bundle` (for the
/// events it carries, all of them recorded already); returns what was
/// replaced.
pub(crate) fn update(
    db: &Db,
    row: i64,
    bundle: &[EventSigner],
) -> Result<Vec<ValueChange>, DbError> {
    let recorded = EventSigner::read(db, row)?;
    let changes = diff(&recorded, bundle);
    if changes.is_empty() {
        return Ok(changes);
    }
    let last = bundle.iter().map(|s| s.seq).max().unwrap_or(0);
    for r in recorded.iter().filter(|r| r.seq <= last) {
        if !bundle.iter().any(|b| b.seq == r.seq) {
            db.execute(
                "DELETE FROM event_signers WHERE bundle = ?1 AND seq = ?2",
                &[&row, &r.seq],
            )?;
        }
    }
    for s in bundle {
        s.write(db, row)?;
    }
    Ok(changes)
}
