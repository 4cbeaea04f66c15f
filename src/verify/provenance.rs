//! The provenance check: the part of check 13 (`disclosure`,
//! docs/verify-semantics.md) that proves a derived bundle (an `evidentia
//! export`, docs/formats/bundle.md "Exported bundles") against its
//! original. It runs after the custody pass, which read and checked the
//! derived seal event, and after the payload pass, which tied every
//! disclosed file's manifest.json entry to its bytes and kept those
//! entries ([`super::CommitmentSeen::disclosed`]).
//!
//! The exporter is trusted for the export, never for the content: every
//! disclosed file is proven against what the *original* sealer signed,
//! with a signature the local trust store accepts, whatever the exporter
//! signed.
//!
//! Invariants:
//! - `provenance/` belongs to a bundle whose seal claims `exported_from`,
//!   and such a bundle holds exactly the members the contract names
//!   (`members`); anything else either way is a finding.
//! - [`VerifyReport::provenance`] is filled only when every step held, the
//!   payload and manifest.json checks ran without a finding, and the
//!   exporter's seal is trusted; a claimed `exported_from` that was not
//!   proven always leaves a finding.
//! - Reads are bounded: the original's seal event ([`MAX_EVENT_FILE`]),
//!   key files ([`MAX_KEY_FILE`], at most four read), proofs
//!   ([`MAX_PROOFS_FILE`]), the revealed tag manifest ([`MAX_TAG_FILE`]);
//!   the revealed manifest.json is streamed (else read within
//!   [`MAX_MANIFEST_JSON`]); at most [`MAX_DISCLOSED`] entries are kept.
//!
//! [`MAX_EVENT_FILE`]: super::MAX_EVENT_FILE
//! [`MAX_KEY_FILE`]: super::MAX_KEY_FILE
//! [`MAX_TAG_FILE`]: super::MAX_TAG_FILE
//! [`MAX_MANIFEST_JSON`]: super::MAX_MANIFEST_JSON
//! [`MAX_PROOFS_FILE`]: crate::model::disclosure::MAX_PROOFS_FILE

mod members;
mod original;
mod proofs;
mod revealed;

use super::VerifyReport;
use super::bag::Bag;
use super::{Check, Finding, FindingCode, Provenance, SignatureState, SignatureVerifier};
use crate::bundle::{Archive, layout};
use crate::model::disclosure::{ExportedFrom, selection_sha256};
use crate::model::{CustodyEvent, FileEntry};

/// The most disclosed files a derived bundle may have for verify to
/// prove them: their manifest.json entries and their parsed proofs (some
/// 1.5 KiB each in a tree of 100,000 leaves) are held in memory, which
/// stays under 100 MiB. `export` refuses a larger selection (split it).
pub const MAX_DISCLOSED: u64 = 20_000;

/// What every step reads from.
struct Ctx<'a> {
    archive: &'a Archive,
    bag: &'a Bag,
    verifier: Option<&'a dyn SignatureVerifier>,
    /// The members of `provenance/` (allowed by name).
    members: Vec<String>,
}

impl Ctx<'_> {
    /// Whether `rel` is a member of `provenance/`.
    fn has(&self, rel: &str) -> bool {
        self.members.iter().any(|m| m == rel)
    }

    /// The bytes of `rel`, within `limit`; `None` (and a finding) when it
    /// cannot be read, `None` alone when it is not there.
    fn read(&self, rel: &str, limit: u64, report: &mut VerifyReport) -> Option<Vec<u8>> {
        let e = self.bag.get(self.archive, rel)?;
        match self.archive.read_small(&e, limit) {
            Ok(b) => Some(b),
            Err(err) => {
                report.findings.push(Finding::new(
                    FindingCode::EntryData,
                    rel,
                    format!("cannot read: {}", super::bag::data_error(&err)),
                ));
                None
            }
        }
    }
}

/// How many findings the report holds, listed or only counted.
fn total(report: &VerifyReport) -> u64 {
    report.findings.len() as u64 + report.findings.not_listed()
}

/// A provenance finding.
fn finding(path: &str, message: impl Into<String>) -> Finding {
    Finding::new(FindingCode::Provenance, path, message)
}

/// A provenance finding with both values.
fn differs(
    path: &str,
    message: impl Into<String>,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Finding {
    Finding::values(FindingCode::Provenance, path, message, expected, actual)
}

/// Check a derived bundle's provenance, or that an ordinary bundle has
/// none (see the module docs).
pub(super) fn check(
    archive: &Archive,
    bag: &Bag,
    verifier: Option<&dyn SignatureVerifier>,
    report: &mut VerifyReport,
) {
    report.findings.phase(Check::Disclosure);
    let members = std::mem::take(&mut report.commitment.provenance);
    // Without a readable seal event nothing says what the bundle is; the
    // seal-event and disclosure checks did not run, which fails it.
    let Some(seal) = derived_seal(report) else {
        return;
    };
    let Some(from) = seal.exported_from.clone() else {
        for m in members {
            report.findings.push(Finding::new(
                FindingCode::UnexpectedFile,
                m,
                "provenance/ belongs only to an exported bundle, and this bundle's seal event claims no exported_from",
            ));
        }
        return;
    };
    let ctx = Ctx {
        archive,
        bag,
        verifier,
        members,
    };
    let proven = prove(&ctx, &from, &seal, report);
    if let Some(p) = proven
        && exporter_and_payload_hold(report)
    {
        report.provenance = Some(p);
    }
    if report.provenance.is_none() && total(report) == 0 {
        // Every failing step names itself; this only keeps the rule that
        // an unproven claim never verifies.
        report.findings.push(finding(
            layout::PROVENANCE_DIR,
            "the seal event claims exported_from, but the disclosed files were not proven against the original",
        ));
    }
}

/// The derived bundle's own seal event, when the custody pass read it.
fn derived_seal(report: &VerifyReport) -> Option<CustodyEvent> {
    report
        .events
        .first()
        .filter(|e| e.seq == 1)
        .and_then(|e| e.event.clone())
        .filter(|ev| ev.action == "seal")
}

/// Every step of the proof, each reporting what failed; the provenance
/// when all held.
fn prove(
    ctx: &Ctx<'_>,
    from: &ExportedFrom,
    seal: &CustodyEvent,
    report: &mut VerifyReport,
) -> Option<Provenance> {
    let mut ok = members::check(ctx, from, report);
    ok &= claimed_form(from, report);
    let original = original::check(ctx, from, report);
    // With no provenance/ member the entries were not kept (and the
    // members check named what is missing).
    let entries = (!ctx.members.is_empty())
        .then(|| disclosed(from, report))
        .flatten();
    let (Some(original), Some(entries)) = (original, entries) else {
        return None;
    };
    ok &= selection(from, &entries, report);
    let withheld = if from.manifest_revealed {
        revealed::check(ctx, from, &original.event, &entries, report)
    } else {
        proofs::check(ctx, from, &original.event, &entries, report)
    };
    let withheld = withheld.filter(|_| ok)?;
    Some(Provenance {
        original_bundle_id: from.bundle_id.clone(),
        original_sealed: original.event.time.clone(),
        original_key_id: original.key_id,
        original_signer: original.signer,
        original_custody_head: from.custody_head.clone(),
        purpose: seal.purpose.clone(),
        disclosed: entries.len() as u64,
        withheld,
        recorded_at_source: from.recorded_at_source,
        manifest_revealed: from.manifest_revealed,
    })
}

/// The hashes `exported_from` names are hex SHA-256s.
fn claimed_form(from: &ExportedFrom, report: &mut VerifyReport) -> bool {
    let at = layout::event_name(1, "seal");
    let mut ok = true;
    for (field, value) in [
        ("custody_head", &from.custody_head),
        ("seal_sha256", &from.seal_sha256),
        ("selection_sha256", &from.selection_sha256),
    ] {
        if crate::model::disclosure::hex32(value).is_err() {
            report.findings.push(differs(
                &at,
                format!("exported_from.{field} is not a hex SHA-256"),
                "64 lowercase hex digits",
                value,
            ));
            ok = false;
        }
    }
    ok
}

/// The derived manifest.json's entries the payload pass kept.
fn disclosed(from: &ExportedFrom, report: &mut VerifyReport) -> Option<Vec<FileEntry>> {
    let seen = &mut report.commitment;
    if !seen.manifest_read {
        // manifest.json did not parse: its own finding.
        return None;
    }
    let kept = seen.disclosed.take();
    if kept.is_none() {
        report.findings.push(differs(
            layout::MANIFEST_JSON,
            format!("too many disclosed files to prove (verify proves at most {MAX_DISCLOSED})"),
            format!("at most {MAX_DISCLOSED}"),
            format!("more (exported_from.files says {})", from.files),
        ));
    }
    kept
}

/// `exported_from` names exactly the disclosed files: their count and
/// the hash of their paths.
fn selection(from: &ExportedFrom, entries: &[FileEntry], report: &mut VerifyReport) -> bool {
    let at = layout::event_name(1, "seal");
    let mut ok = true;
    if from.files != entries.len() as u64 {
        report.findings.push(differs(
            &at,
            "exported_from.files is not the number of files in manifest.json",
            entries.len().to_string(),
            from.files.to_string(),
        ));
        ok = false;
    }
    let selection = selection_sha256(entries.iter().map(|f| f.path.as_str()));
    if from.selection_sha256 != selection {
        report.findings.push(differs(
            &at,
            "exported_from.selection_sha256 is not the hash of manifest.json's file paths",
            selection,
            &from.selection_sha256,
        ));
        ok = false;
    }
    ok
}

/// What the provenance statement rests on besides the proofs: the
/// disclosed bytes were compared with their manifest.json entries (the
/// payload, manifests and manifest.json checks ran with no finding), and
/// the exporter who says "exported by" is trusted.
fn exporter_and_payload_hold(report: &VerifyReport) -> bool {
    let clean = |c: Check| report.checks.has_run(c) && report.findings.per_check[c.index()] == 0;
    let trusted = report
        .events
        .first()
        .is_some_and(|e| e.signature == SignatureState::Trusted);
    trusted
        && [Check::Manifests, Check::Payload, Check::ManifestJson]
            .into_iter()
            .all(clean)
}

#[cfg(test)]
mod tests;
