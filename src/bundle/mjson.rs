//! Streaming `manifest.json`: the `files` array is handed to a callback
//! entry by entry instead of being collected, so a bundle of a million
//! files is read in constant memory.
//!
//! This is the fast path only. Anything irregular (a syntax or type
//! error, a duplicate key, one value larger than [`MAX_VALUE`], a callback
//! that says stop) makes [`stream_manifest`] fail with no detail, and the
//! caller falls back to reading the document whole, with its size cap and
//! its exact error messages. Both paths accept exactly the same documents.

use crate::model::{FileEntry, Manifest};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// The largest single value (one file entry, or one other top-level
/// field) read on the streaming path.
pub const MAX_VALUE: u64 = 8 << 20;

/// Why the streaming path gave up (the caller reads the document whole).
#[derive(Debug)]
pub struct Irregular;

/// Counts bytes and refuses more than [`MAX_VALUE`] since the last mark.
struct Capped<R> {
    inner: R,
    pos: Rc<Cell<u64>>,
    mark: Rc<Cell<u64>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos.get() - self.mark.get() > MAX_VALUE {
            return Err(io::Error::other("value too large for the streaming path"));
        }
        let n = self.inner.read(buf)?;
        self.pos.set(self.pos.get() + n as u64);
        Ok(n)
    }
}

struct Marks {
    pos: Rc<Cell<u64>>,
    mark: Rc<Cell<u64>>,
}

impl Marks {
    fn set(&self) {
        self.mark.set(self.pos.get());
    }
}

struct Top<'a> {
    sink: &'a mut dyn FnMut(FileEntry) -> bool,
    marks: &'a Marks,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = serde_json::Map<String, serde_json::Value>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = serde_json::Map<String, serde_json::Value>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a manifest object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.marks.set();
            if out.contains_key(&key) {
                return Err(de::Error::custom("duplicate key"));
            }
            if key == "files" {
                map.next_value_seed(Files {
                    sink: &mut *self.sink,
                    marks: self.marks,
                })?;
                out.insert(key, serde_json::Value::Array(Vec::new()));
            } else {
                let v: serde_json::Value = map.next_value()?;
                out.insert(key, v);
            }
        }
        Ok(out)
    }
}

struct Files<'a> {
    sink: &'a mut dyn FnMut(FileEntry) -> bool,
    marks: &'a Marks,
}

impl<'de> DeserializeSeed<'de> for Files<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Files<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.marks.set();
            let Some(f) = seq.next_element::<FileEntry>()? else {
                return Ok(());
            };
            if !(self.sink)(f) {
                return Err(de::Error::custom("stopped"));
            }
        }
    }
}

/// Parse a manifest.json document from `reader`, passing every entry of
/// `files` to `sink` in document order (return `false` to give up). The
/// manifest comes back with `files` empty.
pub fn stream_manifest<R: Read>(
    reader: R,
    sink: &mut dyn FnMut(FileEntry) -> bool,
) -> Result<Manifest, Irregular> {
    let marks = Marks {
        pos: Rc::new(Cell::new(0)),
        mark: Rc::new(Cell::new(0)),
    };
    // serde_json reads a reader byte by byte: the buffer goes outside.
    let capped = io::BufReader::with_capacity(
        64 << 10,
        Capped {
            inner: reader,
            pos: marks.pos.clone(),
            mark: marks.mark.clone(),
        },
    );
    let mut de = serde_json::Deserializer::from_reader(capped);
    let top = Top {
        sink,
        marks: &marks,
    }
    .deserialize(&mut de)
    .map_err(|_| Irregular)?;
    de.end().map_err(|_| Irregular)?;
    serde_json::from_value(serde_json::Value::Object(top)).map_err(|_| Irregular)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{self, CaseMeta};
    use crate::pathrepr::PathRepr;

    fn manifest(n: usize) -> Manifest {
        let files = (0..n)
            .map(|i| FileEntry {
                path: format!("data/{i:04}"),
                original: PathRepr::from_bytes(format!("{i:04}").as_bytes()),
                size: i as u64,
                sha256: "0".repeat(64),
                blake3: "1".repeat(64),
                sha512: None,
                sha1: None,
                md5: None,
                pieces: vec!["2".repeat(64); i % 3],
                salt: None,
            })
            .collect();
        Manifest {
            schema: model::MANIFEST_SCHEMA.to_string(),
            bundle_id: "id".into(),
            bundle_name: "b".into(),
            sealed: "2024-01-01T00:00:00Z".into(),
            tool: "t".into(),
            case: CaseMeta {
                case_reference: "C".into(),
                ..CaseMeta::default()
            },
            algorithms: vec!["sha256".into()],
            piece_size: 4096,
            piece_algorithm: Some("blake3-tree".into()),
            files,
            symlinks: vec![],
            unreadable: vec![],
            skipped: vec![],
            items: vec![],
            captures: vec![],
        }
    }

    #[test]
    fn streams_the_same_as_a_whole_parse() {
        let m = manifest(50);
        let bytes = model::to_json_bytes(&m);
        let mut got = Vec::new();
        let head = stream_manifest(&bytes[..], &mut |f| {
            got.push(f);
            true
        })
        .unwrap();
        let whole: Manifest = serde_json::from_slice(&bytes).unwrap();
        assert!(head.files.is_empty());
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            serde_json::to_value(&whole.files).unwrap()
        );
        assert_eq!(head.bundle_id, whole.bundle_id);
        assert_eq!(head.piece_size, whole.piece_size);
        assert_eq!(head.piece_algorithm, whole.piece_algorithm);
    }

    #[test]
    fn anything_irregular_gives_up() {
        let bytes = model::to_json_bytes(&manifest(3));
        let text = String::from_utf8(bytes.clone()).unwrap();
        // A sink that stops, an unknown field, a duplicate key, trailing
        // garbage, a truncation: all irregular.
        assert!(stream_manifest(&bytes[..], &mut |_| false).is_err());
        let unknown = text.replacen("\"schema\"", "\"extra\": 1, \"schema\"", 1);
        assert!(stream_manifest(unknown.as_bytes(), &mut |_| true).is_err());
        let dup = text.replacen("\"schema\"", "\"tool\": \"x\", \"schema\"", 1);
        assert!(stream_manifest(dup.as_bytes(), &mut |_| true).is_err());
        let trailing = format!("{text} x");
        assert!(stream_manifest(trailing.as_bytes(), &mut |_| true).is_err());
        assert!(stream_manifest(&bytes[..bytes.len() / 2], &mut |_| true).is_err());
        let huge = text.replacen("\"t\"", &format!("\"{}\"", "x".repeat(9 << 20)), 1);
        assert!(stream_manifest(huge.as_bytes(), &mut |_| true).is_err());
    }
}
