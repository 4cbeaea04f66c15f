//! Traffic captures from capture directories: when an input to `seal` is a
//! directory written by `evidentia capture` (it holds `capture.json`), its
//! end record is read and summarised in `manifest.json` (`captures`),
//! pointing at the signed records, the segments and the key files inside
//! the bag, so that a verifier can walk the chain.
//!
//! The seal is faithful: it lists segments 1 to the number `capture.json`
//! signs, whatever the directory holds, and seals every file it finds;
//! a segment that is missing, added or altered is for `verify` to name.
//! What it refuses is a capture that has not ended (`capture.open`
//! without `capture.json`: still running, or killed), which `capture
//! --recover` must close first, and a `capture.json` or meta file that
//! does not parse.

use super::sealopts::SealError;
use crate::model::capture::{
    CAPTURE_FILE, CaptureRecord, KEYS_DIR, MAX_SEGMENTS, OPEN_FILE, SEGMENTS_DIR, segment_names,
};
use crate::model::{
    CaptureEntry, CaptureSummary, CaseMeta, MAX_CAPTURE_RECORD, META_FILES, SegmentEntry,
};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Whether `input` is a capture directory (it holds `capture.json`).
pub(super) fn is_capture_dir(input: &Path) -> bool {
    input.join(CAPTURE_FILE).is_file()
}

/// Refuse, before any byte is read, an input that is a capture that has
/// not ended: `capture.open` and no `capture.json`.
pub(super) fn refuse_open_captures(inputs: &[PathBuf]) -> Result<(), SealError> {
    for input in inputs {
        if input.join(OPEN_FILE).exists() && !is_capture_dir(input) {
            return Err(SealError::OpenCapture(input.clone()));
        }
    }
    Ok(())
}

/// The captures for every input that is a capture directory. `entries`
/// are (original path, bag name) of the sealed files under the inputs'
/// names, in zip order (those of acquisition and capture directories).
pub(super) fn capture_items(
    inputs: &[PathBuf],
    entries: &[(Vec<u8>, String)],
) -> Result<Vec<CaptureEntry>, SealError> {
    let mut out = Vec::new();
    for input in inputs.iter().filter(|i| is_capture_dir(i)) {
        out.push(capture_item(input, entries)?);
    }
    Ok(out)
}

/// The entry of the capture directory `input`.
fn capture_item(input: &Path, entries: &[(Vec<u8>, String)]) -> Result<CaptureEntry, SealError> {
    let record_path = input.join(CAPTURE_FILE);
    let bytes = read_capped(&record_path)?;
    let record: CaptureRecord =
        serde_json::from_slice(&bytes).map_err(|e| SealError::BadCapture {
            path: record_path.clone(),
            reason: e.to_string(),
        })?;
    if record.segments > MAX_SEGMENTS {
        return Err(SealError::BadCapture {
            path: record_path,
            reason: format!(
                "it claims {} segments, more than a capture can have ({MAX_SEGMENTS})",
                record.segments
            ),
        });
    }
    let base = input
        .file_name()
        .map(|n| n.as_bytes().to_vec())
        .unwrap_or_else(|| b"input".to_vec());
    let rel = |name: &str| {
        let mut r = base.clone();
        r.push(b'/');
        r.extend_from_slice(name.as_bytes());
        r
    };
    let bag_path = |name: &str| {
        let want = rel(name);
        entries.iter().find(|e| e.0 == want).map(|e| e.1.clone())
    };
    let record_bag = bag_path(CAPTURE_FILE).ok_or_else(|| SealError::Unreadable {
        path: record_path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "not sealed"),
    })?;
    // Segment files are named by digits only: their bag names follow
    // from the directory's, sealed or not (a missing one is verify's to
    // name, not a reason to leave it out of the list).
    let dir = record_bag.trim_end_matches(CAPTURE_FILE).to_string();
    let segments = (1..=record.segments)
        .map(|n| {
            let names = segment_names(n);
            let at = |name: &str| format!("{dir}{SEGMENTS_DIR}/{name}");
            SegmentEntry {
                pcap: at(&names.pcap),
                record: at(&names.record),
                signature: at(&names.signature),
                flows: at(&names.flows),
            }
        })
        .collect();
    let keys_prefix = rel(&format!("{KEYS_DIR}/"));
    let mut keys: Vec<String> = entries
        .iter()
        .filter(|e| e.0.starts_with(&keys_prefix))
        .map(|e| e.1.clone())
        .collect();
    keys.sort();
    Ok(CaptureEntry {
        item: meta_item(input)?.unwrap_or_else(|| String::from_utf8_lossy(&base).into_owned()),
        capture_id: record.capture_id.clone(),
        signature: format!("{record_bag}.minisig"),
        record: record_bag,
        segments,
        keys,
        summary: CaptureSummary::of(&record),
    })
}

/// The first item id of the capture's meta file (`meta.json` or
/// `meta.toml`), when there is one.
fn meta_item(input: &Path) -> Result<Option<String>, SealError> {
    for name in META_FILES {
        let path = input.join(name);
        if !path.is_file() {
            continue;
        }
        let bytes = read_capped(&path)?;
        let text = String::from_utf8_lossy(&bytes);
        let meta = match name.ends_with(".toml") {
            true => CaseMeta::from_toml(&text),
            false => CaseMeta::from_json(&text),
        }
        .map_err(|reason| SealError::BadCapture {
            path: path.clone(),
            reason,
        })?;
        return Ok(meta.items.into_iter().next());
    }
    Ok(None)
}

/// A capture's small file, read whole up to [`MAX_CAPTURE_RECORD`].
fn read_capped(path: &Path) -> Result<Vec<u8>, SealError> {
    let unreadable = |source| SealError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_CAPTURE_RECORD + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_CAPTURE_RECORD {
        return Err(SealError::BadCapture {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_CAPTURE_RECORD} bytes"),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_capture_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let cap = dir.path().join("cap");
        std::fs::create_dir(&cap).unwrap();
        std::fs::write(cap.join(OPEN_FILE), b"").unwrap();
        let err = refuse_open_captures(std::slice::from_ref(&cap)).unwrap_err();
        assert!(
            matches!(&err, SealError::OpenCapture(p) if *p == cap),
            "{err}"
        );
        assert!(err.to_string().contains("cap"), "{err}");
        // Once ended (capture.json written), it is a capture to seal.
        std::fs::write(cap.join(CAPTURE_FILE), b"{}").unwrap();
        refuse_open_captures(std::slice::from_ref(&cap)).unwrap();
        // A capture.json that does not parse is an error naming it.
        let err = capture_items(std::slice::from_ref(&cap), &[]).unwrap_err();
        assert!(
            matches!(&err, SealError::BadCapture { path, .. } if path.ends_with("cap/capture.json")),
            "{err}"
        );
    }
}
