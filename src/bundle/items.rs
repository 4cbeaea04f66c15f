//! Evidence items from acquisition directories: when an input to `seal`
//! is a directory written by `evidentia acquire`, its record is read and
//! summarised in `manifest.json` (`items`), pointing at the record and the
//! image segments inside the bag, so that a verifier can tie the sealed
//! image to the hashes taken at acquisition time.

use super::sealopts::SealError;
use super::spill::Records;
use crate::acquire::read_record;
use crate::model::ItemEntry;
use crate::model::acquisition::RECORD_FILE;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// The items for every input that is an acquisition directory. A directory
/// with an `acquisition.json` that cannot be read is an error: it claims
/// to be an acquisition, and sealing it without its record would hide that.
/// `entries` are (original path, bag name) of the sealed files under the
/// inputs' names, in zip order.
pub(super) fn acquisition_items(
    inputs: &[PathBuf],
    entries: &[(Vec<u8>, String)],
    records: &mut Records,
) -> Result<Vec<ItemEntry>, SealError> {
    let mut items = Vec::new();
    // (bag path, SHA-256 in the record, file) of every kept E01 segment.
    let mut kept: Vec<(String, String, PathBuf)> = Vec::new();
    for input in inputs {
        if !input.join(RECORD_FILE).is_file() {
            continue;
        }
        let record = read_record(input).map_err(|e| SealError::Unreadable {
            path: input.join(RECORD_FILE),
            source: std::io::Error::other(e.to_string()),
        })?;
        crate::acquire::ewf_record::check_claims(&record, input).map_err(|why| {
            SealError::EwfClaim {
                path: input.join(RECORD_FILE),
                why,
            }
        })?;
        let base = input
            .file_name()
            .map(|n| n.as_bytes().to_vec())
            .unwrap_or_else(|| b"input".to_vec());
        let bag_path = |name: &str| -> Option<String> {
            let mut rel = base.clone();
            rel.push(b'/');
            rel.extend_from_slice(name.as_bytes());
            entries.iter().find(|e| e.0 == rel).map(|e| e.1.clone())
        };
        let missing = |name: &str| SealError::Unreadable {
            path: input.join(name),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "listed in acquisition.json but not sealed",
            ),
        };
        let record_path = bag_path(RECORD_FILE).ok_or_else(|| missing(RECORD_FILE))?;
        let image = record
            .image
            .segments
            .iter()
            .map(|s| bag_path(&s.name).ok_or_else(|| missing(&s.name)))
            .collect::<Result<Vec<_>, _>>()?;
        // The original EWF segments, when they were kept beside the record.
        let mut originals = Vec::new();
        let segments = record.source.ewf.iter().flat_map(|e| e.segments.iter());
        for seg in segments {
            if let Some(sha) = &seg.sha256 {
                let p = bag_path(&seg.name).ok_or_else(|| missing(&seg.name))?;
                kept.push((p.clone(), sha.clone(), input.join(&seg.name)));
                originals.push(p);
            }
        }
        let device = record.source.device.as_ref().and_then(|d| {
            let parts: Vec<&str> = [d.vendor.as_deref(), d.model.as_deref(), d.serial.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        items.push(ItemEntry {
            item: record
                .case
                .item_id
                .clone()
                .unwrap_or_else(|| String::from_utf8_lossy(&base).into_owned()),
            record: record_path,
            image,
            source: record.source.path.clone(),
            device,
            size: record.image.size,
            hashes: record.hashes.clone(),
            bad_ranges: record
                .bad_sectors
                .ranges
                .iter()
                .map(|r| [r.offset, r.length])
                .collect(),
            complete: record.complete,
            originals,
            ewf_check: record
                .source
                .ewf
                .as_ref()
                .map(|e| e.integrity.statement.clone()),
        });
    }
    check_originals(&kept, records)?;
    Ok(items)
}

/// Each kept E01 segment must be sealed with the SHA-256 the record took
/// when the segment was copied and checked: a segment swapped in the
/// directory afterwards is refused, not sealed as checked.
fn check_originals(
    kept: &[(String, String, PathBuf)],
    records: &mut Records,
) -> Result<(), SealError> {
    if kept.is_empty() {
        return Ok(());
    }
    let mut sealed = std::collections::BTreeMap::new();
    records
        .for_each(&mut |f| {
            if kept.iter().any(|k| k.0 == f.path) {
                sealed.insert(f.path.clone(), f.sha256.clone());
            }
            Ok(())
        })
        .map_err(|e| SealError::Unreadable {
            path: PathBuf::from("manifest records"),
            source: e,
        })?;
    for (bag, expected, path) in kept {
        let actual = sealed.get(bag).cloned().unwrap_or_default();
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(SealError::ChangedOriginal {
                path: path.clone(),
                expected: expected.clone(),
                actual,
            });
        }
    }
    Ok(())
}
