//! An export once the original verified and the files are selected
//! ([`Plan`]): what goes into `provenance/`, the derived bundle's
//! `exported_from`, writing it, and the `export` event the original gets.

use super::original::Original;
use super::proofs::{self, Place};
use super::{ExportError, ExportOptions, Plan, Scan, seal_options};
use crate::bundle::{
    CustodyError, Derived, Disclosed, EventOptions, EventSigner, PreparedEvent, SealSummary,
    Staged, TagSource, layout, parse_manifest, prepare_event_in, write_derived,
};
use crate::hash::to_hex;
use crate::model::disclosure::{ExportedFrom, ExportedTo, selection_sha256};
use crate::model::{MAX_EVENT_FILE, MAX_SIGNATURE_FILE, Manifest};
use crate::verify::{MAX_TAG_FILE, VerifyReport};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The derived bundle id an export event is checked with before the
/// derived bundle exists (the custody rules do not look at it).
const NOT_YET: &str = "00000000-0000-0000-0000-000000000000";

impl Plan {
    /// Gather the provenance files and the disclosed files' entries.
    pub(super) fn new(
        opts: ExportOptions,
        report: VerifyReport,
        original: Original,
        header: Manifest,
        mut scan: Scan,
    ) -> Result<Plan, ExportError> {
        if let Some(path) = &scan.unsalted {
            return Err(ExportError::Changed(format!(
                "{path} has no usable salt in manifest.json"
            )));
        }
        let seal = report
            .events
            .first()
            .ok_or_else(|| ExportError::changed("no seal event"))?;
        let mut provenance = seal_files(&original, &seal.sha256)?;
        let key = seal
            .signed_by
            .as_deref()
            .ok_or_else(|| ExportError::changed("the seal's signer is unknown"))?;
        provenance.extend(original.sealer_keys(key)?);
        if opts.reveal_manifest {
            provenance.extend(revealed(&original, &report)?);
        } else {
            let mut places: Vec<Place<'_>> = Vec::with_capacity(scan.selected.len());
            for (leaf, f) in &scan.selected {
                let index = scan
                    .leaves
                    .index_of(leaf)
                    .ok_or_else(|| ExportError::changed("a selected file is not a leaf"))?;
                places.push(Place {
                    path: &f.path,
                    index,
                    salt: f.salt.as_deref().unwrap_or_default(),
                });
            }
            let doc = proofs::proofs(&header.bundle_id, scan.leaves.sorted(), &places);
            provenance.push((
                layout::PROVENANCE_PROOFS.to_string(),
                TagSource::Bytes(crate::model::to_json_bytes(&doc)),
            ));
        }
        provenance.sort_by(|a, b| a.0.cmp(&b.0));
        let files = disclosed(&original, scan.selected)?;
        let exported_from = ExportedFrom {
            bundle_id: header.bundle_id.clone(),
            custody_head: report
                .head
                .clone()
                .ok_or_else(|| ExportError::changed("no custody head"))?,
            seal_sha256: seal.sha256.clone(),
            files: files.len() as u64,
            selection_sha256: selection_sha256(files.iter().map(|f| f.record.path.as_str())),
            recorded_at_source: opts.record,
            manifest_revealed: opts.reveal_manifest,
        };
        Ok(Plan {
            opts,
            report,
            original,
            header,
            files,
            provenance,
            total: scan.count,
            exported_from,
        })
    }

    /// The original's verification report (its events, for the custody
    /// rules the export event must pass).
    pub fn report(&self) -> &VerifyReport {
        &self.report
    }

    /// What the derived bundle's seal event says of its origin.
    pub fn exported_from(&self) -> &ExportedFrom {
        &self.exported_from
    }

    /// Why the files were exported.
    pub fn purpose(&self) -> &str {
        &self.opts.purpose
    }

    /// Files disclosed.
    pub fn disclosed(&self) -> u64 {
        self.exported_from.files
    }

    /// Bytes of the disclosed files (what [`Plan::write`] copies).
    pub fn disclosed_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.record.size).sum()
    }

    /// Files of the original withheld.
    pub fn withheld(&self) -> u64 {
        self.total - self.exported_from.files
    }

    /// Write the derived bundle, signed by `signer`, into its temporary
    /// file (flushed); `progress` receives the payload byte counts. Once
    /// only: the disclosed files are handed over.
    pub fn write(
        &mut self,
        signer: &dyn EventSigner,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Staged, ExportError> {
        let opts = seal_options(&self.opts, &self.header.case, &self.header.algorithms);
        let piece_algorithm = self
            .header
            .piece_algorithm()
            .map_err(ExportError::Changed)?;
        let derived = Derived {
            original: &self.original.archive,
            files: std::mem::take(&mut self.files),
            provenance: std::mem::take(&mut self.provenance),
            purpose: self.opts.purpose.clone(),
            exported_from: self.exported_from.clone(),
            piece_size: self.header.piece_size,
            piece_algorithm,
        };
        Ok(write_derived(&opts, &derived, signer, progress)?)
    }

    /// [`Plan::event_options`] made and signed by `signer` for the
    /// original as it was read (nothing is written; see
    /// `bundle::prepare_event`).
    pub fn prepare_event(
        &self,
        derived: Option<&SealSummary>,
        signer: &dyn EventSigner,
    ) -> Result<PreparedEvent, CustodyError> {
        prepare_event_in(&self.original.archive, &self.event_options(derived), signer)
    }

    /// The `export` event the original gets for the derived bundle
    /// `derived`; with `None`, the same event naming no bundle yet, to
    /// check against the custody rules before anything is written.
    pub fn event_options(&self, derived: Option<&SealSummary>) -> EventOptions {
        let (bundle_id, custody_head) = match derived {
            Some(s) => (s.bundle_id.clone(), s.head.clone()),
            None => (NOT_YET.to_string(), "0".repeat(64)),
        };
        EventOptions {
            action: "export".into(),
            time: self.opts.time,
            purpose: Some(self.opts.purpose.clone()),
            exported_to: Some(ExportedTo {
                bundle_id,
                custody_head,
                files: self.exported_from.files,
                selection_sha256: self.exported_from.selection_sha256.clone(),
            }),
            ..EventOptions::default()
        }
    }
}

/// The original's seal event and its signature, as `provenance/` carries
/// them; the event must be the one verify read (`sha256`).
fn seal_files(original: &Original, sha256: &str) -> Result<Vec<(String, TagSource)>, ExportError> {
    let event = layout::event_name(1, "seal");
    let bytes = original.read(&event, MAX_EVENT_FILE)?;
    if to_hex(&Sha256::digest(&bytes)) != sha256 {
        return Err(ExportError::Changed(format!(
            "{event} is not the one that verified"
        )));
    }
    let sig = original.read(&layout::signature_name(&event), MAX_SIGNATURE_FILE)?;
    Ok(vec![
        (layout::PROVENANCE_SEAL.to_string(), TagSource::Bytes(bytes)),
        (
            layout::signature_name(layout::PROVENANCE_SEAL),
            TagSource::Bytes(sig),
        ),
    ])
}

/// `--reveal-manifest`: the original's tag manifest (the one its seal
/// signs) and its manifest.json, which must hash to what that tag
/// manifest lists (checked as it is copied).
fn revealed(
    original: &Original,
    report: &VerifyReport,
) -> Result<Vec<(String, TagSource)>, ExportError> {
    let signed = report
        .events
        .first()
        .and_then(|e| e.event.as_ref())
        .map(|e| e.tagmanifest_sha256.as_str())
        .ok_or_else(|| ExportError::changed("no seal event"))?;
    let tm = original.read(layout::TAGMANIFEST_SHA256, MAX_TAG_FILE)?;
    if to_hex(&Sha256::digest(&tm)) != signed {
        return Err(ExportError::changed(
            "tagmanifest-sha256.txt is not the one the seal signs",
        ));
    }
    let listed = parse_manifest(&tm, 32)
        .ok()
        .and_then(|lines| lines.into_iter().find(|l| l.path == layout::MANIFEST_JSON))
        .ok_or_else(|| ExportError::changed("the tag manifest does not list manifest.json"))?;
    let entry = original
        .member(layout::MANIFEST_JSON)
        .ok_or_else(|| ExportError::changed("evidentia/manifest.json is missing"))?;
    Ok(vec![
        (
            layout::PROVENANCE_MANIFEST.to_string(),
            TagSource::Entry {
                entry: entry.clone(),
                sha256: listed.digest,
            },
        ),
        (
            layout::PROVENANCE_TAGMANIFEST.to_string(),
            TagSource::Bytes(tm),
        ),
    ])
}

/// The selected records with their zip entries in the original.
fn disclosed(
    original: &Original,
    selected: Vec<([u8; 32], crate::model::FileEntry)>,
) -> Result<Vec<Disclosed>, ExportError> {
    let wanted: HashMap<&str, usize> = selected
        .iter()
        .enumerate()
        .map(|(slot, (_, f))| (f.path.as_str(), slot))
        .collect();
    let entries = original.payload_entries(&wanted)?;
    drop(wanted);
    Ok(selected
        .into_iter()
        .zip(entries)
        .map(|((_, record), entry)| Disclosed { entry, record })
        .collect())
}
