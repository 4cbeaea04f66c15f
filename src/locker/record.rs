//! What ingest takes from a bundle besides the verify report: the rich
//! manifest, the custody event files byte for byte, and the signers'
//! public keys. Read through the same hardened zip reader as verify, with
//! the same size caps; nothing here decides whether the bundle is good
//! (that is the verify report's job).

use super::LockerError;
use crate::bundle::mjson::stream_manifest;
use crate::bundle::{Archive, layout};
use crate::model::{CustodyEvent, Manifest};
use crate::verify::{MAX_MANIFEST_JSON, MAX_TAG_FILE};
use std::collections::BTreeMap;
use std::path::Path;

/// One custody event as stored in the locker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Sequence number (1, 2, ...).
    pub seq: u64,
    /// Action (`seal`, `transfer`, ...).
    pub action: String,
    /// Claimed time.
    pub time: String,
    /// Key id of the signer ("" when none).
    pub signer: String,
    /// Hex SHA-256 of the event file.
    pub sha256: String,
    /// The event file, as signed.
    pub json: String,
    /// The parsed event, when it parsed.
    pub event: Option<CustodyEvent>,
}

/// Everything ingest reads from a bundle.
#[derive(Debug, Clone, Default)]
pub struct BundleRecord {
    /// manifest.json, when it parsed. Its `files` are empty when
    /// `files_from` is set: they are streamed from there when inserted.
    pub manifest: Option<Manifest>,
    /// The bundle whose manifest.json `files` are read again, entry by
    /// entry, when ingest inserts them (a million-file bundle's list is far
    /// too large to hold).
    pub files_from: Option<std::path::PathBuf>,
    /// Custody events in sequence order.
    pub events: Vec<StoredEvent>,
    /// `keys/<id>.pub` contents: key id -> raw 32-byte public key.
    pub public_keys: BTreeMap<String, Vec<u8>>,
}

fn sha256_hex(data: &[u8]) -> String {
    let r = crate::hash::hash_bytes(data, &crate::hash::HashOptions::default());
    r.digests
        .iter()
        .find(|d| d.algorithm == crate::hash::Algorithm::Sha256)
        .map(|d| d.hex())
        .unwrap_or_default()
}

/// Read the parts of the bundle at `path` that ingest stores. Unreadable
/// parts are left out (verify reports them); only a file that is not a zip
/// at all is an error.
pub fn read_record(path: &Path) -> Result<BundleRecord, LockerError> {
    let (archive, _issues) = Archive::open(path).map_err(|e| LockerError::BadInput {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut rec = BundleRecord::default();
    let Some(first) = archive.entries().find(|e| e.safe) else {
        return Ok(rec);
    };
    let base = first.name.split('/').next().unwrap_or("").to_string();
    for e in archive.entries().filter(|e| e.safe && !e.is_dir()) {
        let Some(rel) = e.name.strip_prefix(&base).and_then(|r| r.strip_prefix('/')) else {
            continue;
        };
        if rel == layout::MANIFEST_JSON {
            // Streamed when it can be; else parsed whole within its cap.
            let streamed = archive
                .reader(&e)
                .ok()
                .and_then(|r| stream_manifest(r, &mut |_| true).ok());
            if let Some(m) = streamed {
                rec.manifest = Some(m);
                rec.files_from = Some(path.to_path_buf());
            } else if let Ok(m) = archive.read_json(&e, MAX_MANIFEST_JSON) {
                rec.manifest = m.ok();
            }
        } else if let Some((seq, action)) = layout::parse_event_name(rel) {
            let Ok(b) = archive.read_small(&e, MAX_TAG_FILE) else {
                continue;
            };
            let event: Option<CustodyEvent> = serde_json::from_slice(&b).ok();
            rec.events.push(StoredEvent {
                seq,
                action: action.to_string(),
                time: event.as_ref().map(|v| v.time.clone()).unwrap_or_default(),
                signer: event
                    .as_ref()
                    .and_then(|v| v.actor.key_id.clone())
                    .unwrap_or_default(),
                sha256: sha256_hex(&b),
                json: String::from_utf8_lossy(&b).into_owned(),
                event,
            });
        } else if let Some(id) = rel
            .strip_prefix(layout::KEYS_DIR)
            .and_then(|r| r.strip_suffix(".pub"))
            && let Ok(b) = archive.read_small(&e, MAX_TAG_FILE)
            && let Ok(k) = crate::sign::pubfile::parse_any_public_key(&b)
        {
            rec.public_keys
                .insert(id.to_string(), k.public_key.to_vec());
        }
    }
    rec.events.sort_by_key(|e| e.seq);
    Ok(rec)
}

/// Pass every file entry of the bundle's manifest.json to `sink`, in
/// order: from the record when it holds them, else streamed from the
/// bundle. `sink` returns `false` to stop. Fails when the bundle cannot be
/// read again as it was.
pub fn for_each_file(
    rec: &BundleRecord,
    sink: &mut dyn FnMut(&crate::model::FileEntry) -> bool,
) -> Result<(), LockerError> {
    let Some(m) = &rec.manifest else {
        return Ok(());
    };
    for f in &m.files {
        if !sink(f) {
            return Ok(());
        }
    }
    let Some(path) = &rec.files_from else {
        return Ok(());
    };
    let bad = |reason: &str| LockerError::BadInput {
        path: path.clone(),
        reason: reason.to_string(),
    };
    let (archive, _) = Archive::open(path).map_err(|e| bad(&e.to_string()))?;
    let base = archive
        .entries()
        .find(|e| e.safe)
        .and_then(|e| e.name.split('/').next().map(str::to_string))
        .unwrap_or_default();
    let want = format!("{base}/{}", layout::MANIFEST_JSON);
    let e = archive
        .entries()
        .find(|e| e.safe && e.name == want)
        .ok_or_else(|| bad("manifest.json vanished"))?;
    let r = archive.reader(&e).map_err(|e| bad(&e.to_string()))?;
    let mut stopped = false;
    let res = stream_manifest(r, &mut |f| {
        let go = sink(&f);
        stopped |= !go;
        go
    });
    if res.is_err() && !stopped {
        return Err(bad("manifest.json changed since it was read"));
    }
    Ok(())
}
