//! The manifests of a new bundle, rendered from the spilled per-file
//! records rather than held in memory: each BagIt payload manifest, line
//! by line, and manifest.json, whose `files` array is streamed. Each is
//! rendered twice, once into a [`Measure`] (its size and hash, which the
//! tag manifest and the bundle id need before the entry is written) and
//! once into the zip; both renderings are the same bytes.

use crate::bundle::layout;
use crate::bundle::spill::Records;
use crate::hash::{Algorithm, to_hex};
use crate::model::disclosure::{self, LeafSet};
use crate::model::{self, FileEntry, LinkEntry, SkippedEntry, UnreadableEntry};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::io::{self, Write};

/// Counts and hashes what is written to it (and feeds a second hasher).
pub(super) struct Measure<'a> {
    /// Bytes written.
    pub len: u64,
    /// Their SHA-256.
    pub sha: Sha256,
    also: Option<&'a mut Sha256>,
}

impl Write for Measure<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.len += buf.len() as u64;
        self.sha.update(buf);
        if let Some(a) = &mut self.also {
            a.update(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A measure that also feeds `also`, if given.
pub(super) fn measure<'a>(also: Option<&'a mut Sha256>) -> Measure<'a> {
    Measure {
        len: 0,
        sha: Sha256::new(),
        also,
    }
}

/// One BagIt manifest, rendered line by line from the records.
pub(super) fn render_manifest(
    records: &mut Records,
    a: Algorithm,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 << 10, out);
    records.for_each(&mut |e| {
        let d = match a {
            Algorithm::Sha256 => Some(&e.sha256),
            Algorithm::Sha512 => e.sha512.as_ref(),
            Algorithm::Sha1 => e.sha1.as_ref(),
            _ => e.md5.as_ref(),
        };
        out.write_all(d.map_or("", |d| d.as_str()).as_bytes())?;
        out.write_all(b"  ")?;
        out.write_all(layout::manifest_encode(&e.path).as_bytes())?;
        out.write_all(b"\n")
    })?;
    out.flush()
}

/// manifest.json as [`model::to_json_bytes`] writes a [`model::Manifest`], with
/// `files` read from the records: the same fields in the same order.
#[derive(Serialize)]
pub(super) struct ManifestOut<'a, F: Serialize> {
    pub schema: &'a str,
    pub bundle_id: &'a str,
    pub bundle_name: &'a str,
    pub sealed: &'a str,
    pub tool: &'a str,
    pub case: &'a model::CaseMeta,
    pub algorithms: &'a [String],
    pub piece_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub piece_algorithm: Option<&'a str>,
    pub files: F,
    pub symlinks: &'a [LinkEntry],
    pub unreadable: &'a [UnreadableEntry],
    pub skipped: &'a [SkippedEntry],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub items: &'a [model::ItemEntry],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub captures: &'a [model::CaptureEntry],
}

/// The `files` array, streamed from the records; with a disclosure
/// secret, each entry gets its salt and its leaf goes into `root` (which
/// holds them from the first pass on: manifest.json is rendered twice).
pub(super) struct FilesOut<'a> {
    pub records: RefCell<&'a mut Records>,
    pub salter: Option<disclosure::Salter>,
    pub root: RefCell<LeafSet>,
}

impl<'a> FilesOut<'a> {
    /// The records, salted and committed to when `secret` is given.
    pub fn new(records: &'a mut Records, secret: Option<[u8; 32]>) -> FilesOut<'a> {
        FilesOut {
            records: RefCell::new(records),
            salter: secret.as_ref().map(disclosure::Salter::new),
            root: RefCell::new(LeafSet::default()),
        }
    }
}

impl Serialize for FilesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut records = self.records.borrow_mut();
        let mut root = self.root.borrow_mut();
        // manifest.json is rendered twice (measured, then written): the
        // leaves are taken on the first pass only.
        let take_leaves = root.is_empty();
        if take_leaves && self.salter.is_some() {
            *root = LeafSet::with_capacity(records.len());
        }
        let mut seq = s.serialize_seq(Some(records.len() as usize))?;
        let mut failed = None;
        let mut put = |e: &FileEntry| {
            seq.serialize_element(e).map_err(|e| {
                let msg = e.to_string();
                failed = Some(e);
                io::Error::other(msg)
            })
        };
        let read = records.for_each(&mut |e| match &self.salter {
            None => put(e),
            Some(salter) => {
                let salt = salter.salt(&e.path);
                if take_leaves {
                    root.push(disclosure::leaf_hash(&salt, e));
                }
                let mut salted = e.clone();
                salted.salt = Some(to_hex(&salt));
                put(&salted)
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(S::Error::custom)?;
        seq.end()
    }
}

/// Write manifest.json, pretty, with its final newline.
pub(super) fn write_manifest_json<T: Serialize>(m: &T, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 << 10, out);
    serde_json::to_writer_pretty(&mut out, m).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::spill::FileRecord;
    use crate::model::{CaseMeta, FileEntry, ItemEntry, Manifest};
    use crate::pathrepr::PathRepr;

    /// The streamed manifest.json is byte for byte what serializing the
    /// whole [`Manifest`] gives, with and without items.
    #[test]
    fn streamed_manifest_json_equals_the_whole_document() {
        let dir = tempfile::tempdir().unwrap();
        let mut records = Records::new(dir.path(), ".t.").unwrap();
        let pieces: Vec<&[u8]> = vec![&[3u8; 32], &[4u8; 32]];
        for i in 0..5u8 {
            records
                .push(&FileRecord {
                    path: &format!("data/f{i}%\n"),
                    original: &[b'f', i, 0xfe],
                    size: u64::from(i) * 1000,
                    sha256: &[i; 32],
                    blake3: &[9; 32],
                    extra: [Some(&[1; 64]), None, Some(&[2; 16])],
                    pieces: if i == 2 { &pieces } else { &[] },
                })
                .unwrap();
        }
        let mut files: Vec<FileEntry> = Vec::new();
        records
            .for_each(&mut |e| {
                files.push(e.clone());
                Ok(())
            })
            .unwrap();
        let case = CaseMeta {
            case_reference: "C-1".into(),
            ..CaseMeta::default()
        };
        let item = ItemEntry {
            item: "i".into(),
            record: "data/r".into(),
            image: vec!["data/a".into()],
            source: PathRepr::from_bytes(b"/dev/x"),
            device: None,
            size: 5,
            hashes: [("sha256".to_string(), "00".to_string())].into(),
            bad_ranges: vec![[1, 2]],
            complete: true,
            originals: Vec::new(),
            ewf_check: None,
        };
        let secret = [5u8; 32];
        let salted: Vec<FileEntry> = files
            .iter()
            .map(|f| FileEntry {
                salt: Some(to_hex(&disclosure::salt(&secret, &f.path))),
                ..f.clone()
            })
            .collect();
        let leaves: Vec<[u8; 32]> = files
            .iter()
            .map(|f| disclosure::leaf_hash(&disclosure::salt(&secret, &f.path), f))
            .collect();
        for (items, salts) in [
            (vec![], None),
            (vec![item.clone()], None),
            (vec![item], Some(secret)),
        ] {
            let whole = Manifest {
                schema: model::MANIFEST_SCHEMA.into(),
                bundle_id: "id".into(),
                bundle_name: "b".into(),
                sealed: "2024-01-01T00:00:00Z".into(),
                tool: "t".into(),
                case: case.clone(),
                algorithms: vec!["sha256".into(), "md5".into()],
                piece_size: 4096,
                piece_algorithm: Some("blake3-tree".into()),
                files: if salts.is_some() {
                    salted.clone()
                } else {
                    files.clone()
                },
                symlinks: vec![LinkEntry {
                    original: PathRepr::from_bytes(b"l"),
                    target: PathRepr::from_bytes(b"t"),
                }],
                unreadable: vec![UnreadableEntry {
                    original: PathRepr::from_bytes(b"u"),
                    error: "e".into(),
                }],
                skipped: vec![SkippedEntry {
                    original: PathRepr::from_bytes(b"s"),
                    kind: "fifo".into(),
                }],
                items: items.clone(),
                captures: vec![],
            };
            let streamed = ManifestOut {
                schema: &whole.schema,
                bundle_id: &whole.bundle_id,
                bundle_name: &whole.bundle_name,
                sealed: &whole.sealed,
                tool: &whole.tool,
                case: &whole.case,
                algorithms: &whole.algorithms,
                piece_size: whole.piece_size,
                piece_algorithm: whole.piece_algorithm.as_deref(),
                files: FilesOut::new(&mut records, salts),
                symlinks: &whole.symlinks,
                unreadable: &whole.unreadable,
                skipped: &whole.skipped,
                items: &whole.items,
                captures: &whole.captures,
            };
            let mut out = Vec::new();
            write_manifest_json(&streamed, &mut out).unwrap();
            let root = streamed.files.root.borrow_mut().root();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(model::to_json_bytes(&whole)).unwrap()
            );
            if salts.is_some() {
                let mut sorted = leaves.clone();
                sorted.sort();
                assert_eq!(root, disclosure::root_of(&sorted));
            }
        }
    }
}
