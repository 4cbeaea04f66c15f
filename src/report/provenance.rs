//! What a report says about proportional disclosure (`evidentia export`):
//! for a derived bundle, where its files came from ([`blocks`]); for any
//! bundle, what its custody chain records as exported ([`event_fields`]).
//!
//! Invariants:
//! - The origin is stated as proven only from the verify report's
//!   [`Provenance`], which verify fills only when every disclosed file was
//!   proven against the original's signed commitment (or its revealed
//!   manifest), and only when the whole bundle verified ([`proven`]). A
//!   derived bundle whose origin was not proven is described by what its
//!   seal *claims*, marked unproven.
//! - People are named only by identities verify proved: the original
//!   signer by [`Provenance::original_signer`], the exporter by the
//!   certified identity of the derived bundle's seal (event 1).

use super::BundleFacts;
use super::document::{Block, Cell, Part};
use super::people::{fingerprint, identity_parts};
use crate::model::CustodyEvent;
use crate::model::disclosure::ExportedFrom;
use crate::verify::{NO_IDENTITY, Provenance, SignatureState, VerifyReport};
use crate::wording::count;

/// What is said when the original's chain does not record the export.
pub const NOT_RECORDED: &str = "the export was NOT recorded in the original's custody chain \
     (exported with --no-record): the original's holder has no record that these files left";

fn ours(s: impl Into<String>) -> Part {
    Part::Ours(s.into())
}

fn val(s: impl Into<String>) -> Part {
    Part::Value(s.into())
}

fn said(s: impl Into<String>) -> Cell {
    Cell::Parts(vec![ours(s)])
}

/// A key and who it belongs to, as proven: `parts` of the identity, else
/// "key KEYID (no certified identity)".
fn proven_key(identity: Option<Vec<Part>>, key: &str) -> Cell {
    match identity {
        Some(mut v) => {
            v.extend([ours(" (certified identity of key "), val(key), ours(")")]);
            Cell::Parts(v)
        }
        None => Cell::Parts(vec![
            ours("key "),
            val(key),
            ours(format!(" ({NO_IDENTITY})")),
        ]),
    }
}

/// The original's sealer as verify proved it.
fn original_signer(p: &Provenance) -> Cell {
    let identity = p.original_signer.as_ref().and_then(|s| {
        let name = s.name.clone()?;
        let mut v = vec![val(name)];
        if let Some(o) = &s.organisation {
            v.extend([ours(", "), val(o)]);
        }
        if let Some(c) = &s.country {
            v.extend([ours(" ("), val(c), ours(")")]);
        }
        Some(v)
    });
    proven_key(identity, &p.original_key_id)
}

/// The exporter: the proven signer of the derived bundle's seal.
fn exporter(r: &VerifyReport) -> Cell {
    let seal = r.events.iter().find(|s| s.seq == 1);
    let key = seal
        .and_then(|s| s.signed_by.clone().or_else(|| s.key_id.clone()))
        .unwrap_or_default();
    let identity = seal
        .filter(|s| s.signature == SignatureState::Trusted)
        .and_then(|s| s.certified_identity.as_ref())
        .map(identity_parts);
    proven_key(identity, &key)
}

/// What verify proved about the bundle's origin, shown as proven only in
/// a bundle that verified: a failing bundle proves nothing, whatever part
/// of it checked out.
pub fn proven(r: &VerifyReport) -> Option<&Provenance> {
    r.provenance.as_ref().filter(|_| r.verified())
}

/// The provenance section of a derived bundle (none for an original): what
/// verify proved, or, when it proved nothing, what the seal claims.
pub fn blocks(r: &VerifyReport, f: &BundleFacts) -> Vec<Block> {
    let claim = f
        .events
        .first()
        .filter(|e| e.event.seq == 1)
        .and_then(|e| e.event.exported_from.as_ref());
    match (proven(r), claim) {
        (Some(p), _) => proven_blocks(r, f, p),
        (None, Some(c)) => claimed_blocks(c),
        (None, None) => Vec::new(),
    }
}

fn proven_blocks(r: &VerifyReport, f: &BundleFacts, p: &Provenance) -> Vec<Block> {
    let seal = f.events.first().map(|e| &e.event).filter(|e| e.seq == 1);
    let mut fields = vec![
        ("Original bundle", Cell::Text(p.original_bundle_id.clone())),
        ("Original signer", original_signer(p)),
        ("Original key", fingerprint(&p.original_key_id)),
        ("Originally sealed", Cell::Text(p.original_sealed.clone())),
        (
            "Original custody head at export",
            Cell::Hashes(vec![("SHA-256", p.original_custody_head.clone())]),
        ),
        ("Exported by", exporter(r)),
    ];
    if let Some(e) = seal {
        fields.push(("Exported", Cell::Text(e.time.clone())));
    }
    fields.push((
        "Purpose",
        match &p.purpose {
            Some(x) => Cell::Prose(x.clone()),
            None => said("none given"),
        },
    ));
    fields.push((
        "Files disclosed",
        said(format!(
            "{}, each proven to be exactly as the original signer sealed it",
            count(p.disclosed, "file")
        )),
    ));
    fields.push((
        "Files withheld",
        said(format!(
            "{} of the original, not disclosed: {}",
            count(p.withheld, "file"),
            if p.manifest_revealed {
                "the original's manifest went along and names them"
            } else {
                "nothing about them but their number is in this bundle"
            }
        )),
    ));
    fields.push((
        "Recorded at the source",
        said(if p.recorded_at_source {
            "yes: the original's custody chain records the export (an export event naming this bundle)"
                .to_string()
        } else {
            format!("NO: {NOT_RECORDED}")
        }),
    ));
    fields.push((
        "Original manifest",
        said(if p.manifest_revealed {
            "REVEALED: the original had no disclosure commitment, so its whole manifest.json \
             and tag manifest went along (provenance/): they list every file of the original, \
             the withheld ones included (names, sizes, hashes)"
        } else {
            "not revealed: each disclosed file is proven by an inclusion proof against the \
             root the original seal signed"
        }),
    ));
    let mut line = vec![ours(format!(
        "{} proven to be as sealed by ",
        count(p.disclosed, "file")
    ))];
    line.extend(parts(original_signer(p)));
    line.extend([
        ours(" in bundle "),
        val(&p.original_bundle_id),
        ours(" at "),
        val(&p.original_sealed),
        ours("; exported by "),
    ]);
    line.extend(parts(exporter(r)));
    line.push(ours(
        ". The exporter is trusted for the export, never for the content.",
    ));
    vec![
        Block::Heading(HEADING.into()),
        Block::Para(Cell::Parts(line)),
        Block::Fields(fields),
    ]
}

/// The heading of the provenance section.
pub const HEADING: &str = "Provenance (an exported bundle)";

/// A cell's parts (a single value for any other cell).
fn parts(c: Cell) -> Vec<Part> {
    match c {
        Cell::Parts(v) => v,
        other => vec![val(other.raw_text())],
    }
}

fn claimed_blocks(c: &ExportedFrom) -> Vec<Block> {
    vec![
        Block::Heading(HEADING.into()),
        Block::Para(Cell::Parts(vec![
            ours("NOT PROVEN: this bundle's seal claims that it holds "),
            val(c.files.to_string()),
            ours(" files exported from bundle "),
            val(&c.bundle_id),
            ours(
                ", but this bundle did not verify, so nothing proves that its files are what \
                 that bundle's signer sealed (see the problems below). Nothing here is evidence \
                 of their origin.",
            ),
        ])),
    ]
}

/// The timeline fields of an event that records an export: for an
/// original's `export` event, the bundle that left; for a derived
/// bundle's seal, the bundle it came from (as the event says; the
/// provenance section says what was proven).
pub fn event_fields(ev: &CustodyEvent) -> Vec<(&'static str, Cell)> {
    let mut v = Vec::new();
    if let Some(to) = &ev.exported_to {
        v.push((
            "Exported to",
            Cell::Parts(vec![
                ours("derived bundle "),
                val(&to.bundle_id),
                ours(format!(", {} disclosed", count(to.files, "file"))),
            ]),
        ));
        v.push((
            "Export",
            Cell::Hashes(vec![
                ("selection SHA-256", to.selection_sha256.clone()),
                ("derived custody head", to.custody_head.clone()),
            ]),
        ));
    }
    if let Some(from) = &ev.exported_from {
        let mut parts = vec![
            ours("bundle "),
            val(&from.bundle_id),
            ours(format!(", {} disclosed", count(from.files, "file"))),
        ];
        if !from.recorded_at_source {
            parts.push(ours("; not recorded at the source"));
        }
        v.push(("Exported from", Cell::Parts(parts)));
    }
    v
}

#[cfg(test)]
#[path = "provenance_tests.rs"]
mod tests;
