//! Evidence items: the acquisition summary in `manifest.json` must agree
//! with the sealed files it points at, so the hashes taken at acquisition
//! time are tied to the image in the bag.

use super::{Finding, FindingCode};
use crate::model::{FileEntry, Manifest};
use std::collections::BTreeMap;

/// Check every item of `manifest` against the manifest's file entries
/// (whose hashes the bag check compares with the actual bytes).
pub(super) fn check_items(
    m: &Manifest,
    files: &BTreeMap<&str, &FileEntry>,
    findings: &mut super::Findings,
) {
    for item in &m.items {
        let here = |p: &str| format!("manifest.json items[{}] {p}", item.item);
        if !files.contains_key(item.record.as_str()) {
            findings.push(Finding::new(
                FindingCode::Item,
                here(&item.record),
                "acquisition record is not in the payload",
            ));
        }
        for p in &item.originals {
            if !files.contains_key(p.as_str()) {
                findings.push(Finding::new(
                    FindingCode::Item,
                    here(p),
                    "original E01 segment is not in the payload",
                ));
            }
        }
        let mut segments = Vec::new();
        for p in &item.image {
            match files.get(p.as_str()) {
                Some(f) => segments.push(*f),
                None => findings.push(Finding::new(
                    FindingCode::Item,
                    here(p),
                    "image segment is not in the payload",
                )),
            }
        }
        if segments.len() != item.image.len() {
            continue;
        }
        let size: u64 = segments.iter().map(|f| f.size).sum();
        if size != item.size {
            findings.push(Finding::values(
                FindingCode::Item,
                here("size"),
                "image segments do not add up to the acquired size",
                item.size.to_string(),
                size.to_string(),
            ));
        }
        // A single-segment image has its own entry hashes to compare with
        // the acquisition's; a split image is covered segment by segment
        // by the manifests, and whole by the acquisition record.
        if let [only] = segments.as_slice() {
            for (algo, file_hash) in [
                ("sha256", Some(&only.sha256)),
                ("blake3", Some(&only.blake3)),
                ("md5", only.md5.as_ref()),
                ("sha1", only.sha1.as_ref()),
                ("sha512", only.sha512.as_ref()),
            ] {
                if let (Some(acq), Some(sealed)) = (item.hashes.get(algo), file_hash)
                    && !acq.eq_ignore_ascii_case(sealed)
                {
                    findings.push(Finding::values(
                        FindingCode::Item,
                        here(algo),
                        "the sealed image does not match the hash taken at acquisition",
                        acq,
                        sealed,
                    ));
                }
            }
        }
    }
}
