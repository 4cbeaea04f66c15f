//! Reading the original bundle of an export, once it verified: its tag
//! side members, manifest.json's files (streamed, in path order), the zip
//! entries of the disclosed files, and what goes into `provenance/`.
//!
//! Whatever is read here was verified moments before; what is read again
//! is checked against what verify saw where that is cheap (the seal
//! event's SHA-256, the commitment's root), and the disclosed files are
//! hashed again as they are copied (`bundle::write_derived`).

use super::ExportError;
use crate::bundle::mjson::stream_manifest;
use crate::bundle::{Archive, Entry, TagSource, layout};
use crate::model::{FileEntry, Manifest};
use crate::sign::Certificate;
use crate::verify::{MAX_KEY_FILE, MAX_MANIFEST_JSON};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Where manifest.json's files go, in path order.
pub(super) trait Files {
    /// The next file.
    fn take(&mut self, f: FileEntry);
    /// Start over: the files come again from the first.
    fn reset(&mut self);
}

/// The original bundle, opened.
pub(super) struct Original {
    /// The zip.
    pub archive: Archive,
    /// The bag directory's name.
    pub bag: String,
    /// Every member outside `data/`, by name relative to the bag.
    tags: BTreeMap<String, Entry>,
}

impl Original {
    /// Open the bundle at `path` and index its members outside `data/`.
    pub fn open(path: &Path) -> Result<Original, ExportError> {
        let (archive, _) = Archive::open(path).map_err(ExportError::Unreadable)?;
        let bag = archive
            .entry(0)
            .and_then(|e| e.name.split('/').next().map(str::to_string))
            .filter(|b| !b.is_empty())
            .ok_or_else(|| ExportError::changed("it holds no bag directory"))?;
        let prefix = format!("{bag}/");
        let tags = archive
            .entries()
            .filter_map(|e| {
                let rel = e.name.strip_prefix(&prefix)?;
                (!rel.starts_with(layout::DATA_DIR)).then(|| (rel.to_string(), e.clone()))
            })
            .collect();
        Ok(Original { archive, bag, tags })
    }

    /// The member `rel` (relative to the bag) outside `data/`.
    pub fn member(&self, rel: &str) -> Option<&Entry> {
        self.tags.get(rel)
    }

    /// Read the member `rel`, at most `limit` bytes.
    pub fn read(&self, rel: &str, limit: u64) -> Result<Vec<u8>, ExportError> {
        let e = self
            .member(rel)
            .ok_or_else(|| ExportError::changed(&format!("{rel} is missing")))?;
        self.archive
            .read_small(e, limit)
            .map_err(|source| ExportError::Read {
                member: rel.to_string(),
                source,
            })
    }

    /// manifest.json's header (with `files` empty), feeding every file to
    /// `sink` in path order. Streamed; a document the streaming path does
    /// not take (unsorted files, a huge value) is read whole within verify's
    /// limit and sorted, after the sink was told to start over.
    pub fn files(&self, sink: &mut dyn Files) -> Result<Manifest, ExportError> {
        let rel = layout::MANIFEST_JSON;
        let e = self
            .member(rel)
            .ok_or_else(|| ExportError::changed("evidentia/manifest.json is missing"))?;
        let read = |source| ExportError::Read {
            member: rel.to_string(),
            source,
        };
        let mut prev: Option<String> = None;
        let streamed = stream_manifest(self.archive.reader(e).map_err(read)?, &mut |f| {
            let sorted = prev
                .as_ref()
                .is_none_or(|p| p.as_bytes() < f.path.as_bytes());
            prev = Some(f.path.clone());
            if sorted {
                sink.take(f);
            }
            sorted
        });
        if let Ok(m) = streamed {
            return Ok(m);
        }
        sink.reset();
        let mut m: Manifest = self
            .archive
            .read_json(e, MAX_MANIFEST_JSON)
            .map_err(read)?
            .map_err(|j| ExportError::changed(&format!("manifest.json does not parse: {j}")))?;
        let mut files = std::mem::take(&mut m.files);
        files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        files.into_iter().for_each(|f| sink.take(f));
        Ok(m)
    }

    /// The zip entries of the payload files `wanted` (bag path to slot),
    /// in one pass over the directory; one slot per wanted file.
    pub fn payload_entries(
        &self,
        wanted: &HashMap<&str, usize>,
    ) -> Result<Vec<Entry>, ExportError> {
        let prefix = format!("{}/", self.bag);
        let mut out: Vec<Option<Entry>> = vec![None; wanted.len()];
        for e in self.archive.entries() {
            if let Some(slot) = e.name.strip_prefix(&prefix).and_then(|r| wanted.get(r)) {
                out[*slot] = Some(e);
            }
        }
        let mut entries = Vec::with_capacity(out.len());
        for (e, path) in out.into_iter().zip(slot_names(wanted)) {
            entries.push(e.ok_or_else(|| ExportError::changed(&format!("{path} is missing")))?);
        }
        Ok(entries)
    }

    /// The original sealer's key files (key `key_id`), as carried under
    /// `provenance/`: its public key, its certificate and signature when
    /// the original has them, and the certificate's issuing root's key
    /// when the original has it.
    pub fn sealer_keys(&self, key_id: &str) -> Result<Vec<(String, TagSource)>, ExportError> {
        let pubkey = layout::public_key_name(key_id);
        let cert = layout::certificate_name(key_id);
        let cert_sig = layout::signature_name(&cert);
        let mut out = vec![(pubkey.clone(), self.read(&pubkey, MAX_KEY_FILE)?)];
        if self.member(&cert).is_some() && self.member(&cert_sig).is_some() {
            let bytes = self.read(&cert, MAX_KEY_FILE)?;
            let root = Certificate::parse(&bytes)
                .ok()
                .map(|c| layout::public_key_name(&c.issuer_key_id.to_string()))
                .filter(|r| *r != pubkey && self.member(r).is_some());
            out.push((cert_sig.clone(), self.read(&cert_sig, MAX_KEY_FILE)?));
            out.push((cert, bytes));
            if let Some(r) = root {
                out.push((r.clone(), self.read(&r, MAX_KEY_FILE)?));
            }
        }
        Ok(out
            .into_iter()
            .map(|(n, b)| (layout::provenance_name(&n), TagSource::Bytes(b)))
            .collect())
    }
}

/// The bag paths of `wanted`, in slot order.
fn slot_names<'a>(wanted: &HashMap<&'a str, usize>) -> Vec<&'a str> {
    let mut names = vec![""; wanted.len()];
    for (name, slot) in wanted {
        names[*slot] = name;
    }
    names
}
