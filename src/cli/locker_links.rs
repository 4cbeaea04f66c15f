//! How `locker show` and `ingest` present proportional disclosure: a
//! derived bundle's proven origin ("exported from ID (in this locker:
//! yes/no)"), the derived bundles of an original the locker holds, and the
//! `export` events an original's chain records; each in words and as JSON.
//!
//! Everything here was recorded from a verified copy (the locker writes
//! origins and exports from nothing else); a linked bundle the locker
//! holds only quarantined is labelled so.

use super::locker_cmd::UNVERIFIED;
use super::output::sanitize;
use evidentia::locker::{Derivation, DerivedRow, ExportMention, ExportRow, Linked, Origin};
use evidentia::verify::NO_IDENTITY;
use evidentia::wording::count;
use serde::Serialize;

/// The original signer's proven identity on the wire.
#[derive(Serialize)]
struct JsonSigner<'a> {
    name: Option<&'a str>,
    organisation: Option<&'a str>,
    country: Option<&'a str>,
}

/// A derivation on the wire (what verify proved at ingest).
#[derive(Serialize)]
pub(super) struct JsonDerivation<'a> {
    original_bundle_id: &'a str,
    original_custody_head: &'a str,
    original_sealed: &'a str,
    original_key_id: &'a str,
    /// null: no certified identity.
    original_signer: Option<JsonSigner<'a>>,
    purpose: Option<&'a str>,
    disclosed: u64,
    withheld: u64,
    recorded_at_source: bool,
    manifest_revealed: bool,
}

fn json_derivation(d: &Derivation) -> JsonDerivation<'_> {
    JsonDerivation {
        original_bundle_id: &d.original_bundle_id,
        original_custody_head: &d.original_custody_head,
        original_sealed: &d.original_sealed,
        original_key_id: &d.original_key_id,
        original_signer: d.original_signer.as_ref().map(|s| JsonSigner {
            name: s.name.as_deref(),
            organisation: s.organisation.as_deref(),
            country: s.country.as_deref(),
        }),
        purpose: d.purpose.as_deref(),
        disclosed: d.disclosed,
        withheld: d.withheld,
        recorded_at_source: d.recorded_at_source,
        manifest_revealed: d.manifest_revealed,
    }
}

/// What an original's recorded chain says about a derived bundle, on the
/// wire: `recorded`, `other-seal` or `absent`, and the event.
fn mention_json(m: ExportMention) -> (&'static str, Option<u64>) {
    match m {
        ExportMention::Recorded(seq) => ("recorded", Some(seq)),
        ExportMention::OtherSeal(seq) => ("other-seal", Some(seq)),
        ExportMention::Absent => ("absent", None),
    }
}

/// A derived bundle's origin on the wire.
#[derive(Serialize)]
pub(super) struct JsonOrigin<'a> {
    #[serde(flatten)]
    derivation: JsonDerivation<'a>,
    /// Whether this locker holds the original.
    original_in_locker: bool,
    /// Its status there (`verified`, `quarantined`), when it does.
    original_status: Option<&'a str>,
    /// With the original in the locker: whether its recorded chain names
    /// this bundle (`recorded`), names its id with another seal
    /// (`other-seal`) or does not (`absent`).
    original_records_export: Option<&'static str>,
    /// The original's export event naming this bundle.
    export_event: Option<u64>,
}

pub(super) fn json_origin(o: &Origin) -> JsonOrigin<'_> {
    let m = o.original.as_ref().map(|l| mention_json(l.mention));
    JsonOrigin {
        derivation: json_derivation(&o.derivation),
        original_in_locker: o.original.is_some(),
        original_status: o.original.as_ref().map(|l| l.status.as_str()),
        original_records_export: m.map(|m| m.0),
        export_event: m.and_then(|m| m.1),
    }
}

/// A derived bundle of a recorded original, on the wire.
#[derive(Serialize)]
pub(super) struct JsonDerived<'a> {
    bundle_id: &'a str,
    status: &'a str,
    #[serde(flatten)]
    derivation: JsonDerivation<'a>,
    /// Whether this bundle's chain names it: `recorded`, `other-seal`,
    /// `absent`.
    original_records_export: &'static str,
    export_event: Option<u64>,
}

pub(super) fn json_derived(rows: &[DerivedRow]) -> Vec<JsonDerived<'_>> {
    rows.iter()
        .map(|d| {
            let (m, seq) = mention_json(d.bundle.mention);
            JsonDerived {
                bundle_id: &d.bundle.bundle_id,
                status: &d.bundle.status,
                derivation: json_derivation(&d.derivation),
                original_records_export: m,
                export_event: seq,
            }
        })
        .collect()
}

/// An export event on the wire.
#[derive(Serialize)]
pub(super) struct JsonExport<'a> {
    seq: u64,
    derived_bundle_id: &'a str,
    derived_custody_head: &'a str,
    files: u64,
    selection_sha256: &'a str,
    purpose: Option<&'a str>,
    /// Whether this locker holds the derived bundle.
    derived_in_locker: bool,
    derived_status: Option<&'a str>,
    /// Whether the derived bundle in this locker has the seal the event
    /// names (null when the locker does not hold it verified).
    seal_matches: Option<bool>,
}

pub(super) fn json_exports(rows: &[ExportRow]) -> Vec<JsonExport<'_>> {
    rows.iter()
        .map(|x| JsonExport {
            seq: x.export.seq,
            derived_bundle_id: &x.export.derived_bundle_id,
            derived_custody_head: &x.export.derived_custody_head,
            files: x.export.files,
            selection_sha256: &x.export.selection_sha256,
            purpose: x.export.purpose.as_deref(),
            derived_in_locker: x.derived_status.is_some(),
            derived_status: x.derived_status.as_deref(),
            seal_matches: x.seal_matches,
        })
        .collect()
}

/// "yes", "yes, QUARANTINED (unverified)" or "no".
fn in_locker(status: Option<&str>) -> String {
    match status {
        Some("verified") => "yes".into(),
        Some(_) => format!("yes, {UNVERIFIED}"),
        None => "no".into(),
    }
}

/// What an original's chain says about a derived bundle, in words.
fn mention_text(m: ExportMention) -> String {
    match m {
        ExportMention::Recorded(seq) => format!("its chain records the export (event {seq})"),
        ExportMention::OtherSeal(seq) => format!(
            "WARNING: its export event {seq} names this bundle id with another seal \
             (a different bundle under the same id)"
        ),
        ExportMention::Absent => "its chain as recorded here does not record the export".into(),
    }
}

/// The original signer as proven, in words.
fn signer_text(d: &Derivation) -> String {
    let who = d.original_signer.as_ref().map(|s| {
        [&s.name, &s.organisation, &s.country]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    });
    format!(
        "{} (key {})",
        who.unwrap_or_else(|| NO_IDENTITY.to_string()),
        d.original_key_id
    )
}

/// The lines of a derived bundle's origin.
pub(super) fn origin_text(o: &Origin) -> String {
    let d = &o.derivation;
    let linked = match &o.original {
        Some(Linked {
            status, mention, ..
        }) => format!("{}; {}", in_locker(Some(status)), mention_text(*mention)),
        None => "no".into(),
    };
    let mut s = format!(
        "  exported from {} (in this locker: {linked})\n",
        sanitize(&d.original_bundle_id)
    );
    s.push_str(&format!(
        "  origin: {} disclosed, {} of the original withheld; sealed {} by {}\n",
        count(d.disclosed, "file"),
        count(d.withheld, "file"),
        sanitize(&d.original_sealed),
        sanitize(&signer_text(d)),
    ));
    s.push_str(&format!(
        "  purpose: {}\n",
        sanitize(d.purpose.as_deref().unwrap_or("-"))
    ));
    s.push_str(&derivation_flags(d));
    s
}

/// Whether the export was recorded at the source and the original's
/// manifest revealed, in words.
fn derivation_flags(d: &Derivation) -> String {
    let mut s = String::new();
    if d.recorded_at_source {
        s.push_str("  recorded at the source: yes\n");
    } else {
        s.push_str(
            "  recorded at the source: NO: the export was NOT recorded in the original's custody chain\n",
        );
    }
    if d.manifest_revealed {
        s.push_str(
            "  original manifest: REVEALED (it lists every file of the original, the withheld ones too)\n",
        );
    }
    s
}

/// The lines of an original's derived bundles and export events.
pub(super) fn original_text(derived: &[DerivedRow], exports: &[ExportRow]) -> String {
    let mut s = String::new();
    for d in derived {
        s.push_str(&format!(
            "  derived bundle {} in this locker: {} disclosed, purpose {}; {}\n",
            sanitize(&d.bundle.bundle_id),
            count(d.derivation.disclosed, "file"),
            sanitize(d.derivation.purpose.as_deref().unwrap_or("-")),
            match d.bundle.mention {
                ExportMention::Recorded(seq) => format!("export event {seq} of this chain"),
                ExportMention::OtherSeal(seq) => format!(
                    "WARNING: export event {seq} of this chain names its id with another seal"
                ),
                ExportMention::Absent if !d.derivation.recorded_at_source => {
                    "the export was NOT recorded in this custody chain (--no-record)".into()
                }
                ExportMention::Absent => "not recorded in this chain as held here".into(),
            }
        ));
    }
    for x in exports {
        let e = &x.export;
        let mut held = in_locker(x.derived_status.as_deref());
        if x.seal_matches == Some(false) {
            held.push_str("; WARNING: the bundle held under that id has another seal");
        }
        s.push_str(&format!(
            "  export event {}: to {}, {}, purpose {} (in this locker: {held})\n",
            e.seq,
            sanitize(&e.derived_bundle_id),
            count(e.files, "file"),
            sanitize(e.purpose.as_deref().unwrap_or("-")),
        ));
    }
    s
}
