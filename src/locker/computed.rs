//! Digests computed at ingest: the algorithms a bundle did not seal (MD5
//! and SHA-1, which most hash lists exchanged between agencies carry),
//! computed from the same read of the payload that verifies it.
//!
//! [`DigestTap`] sits on verify's payload pass ([`PayloadTap`]): it copies
//! each payload file's bytes to a [`SeriesHasher`], whose workers hash them
//! on their own threads while verify goes on with its own digests. Each
//! finished file becomes one fixed-size record, keyed by the SHA-256
//! verify computed of the same bytes: kept in memory up to [`SPILL_AFTER`]
//! bytes (some 15,000 files), past that in a spill file that has no name
//! (it vanishes with the process) in the locker's directory, so memory
//! does not grow with the number of files. [`ComputedDigests`] reads the
//! records back when ingest inserts the files, in step with manifest.json
//! (the same name order), or by key when a bundle's order differs.
//!
//! Keyed by content: a record is attached only to a file whose SHA-256
//! (sealed, and verified equal to these bytes) is the record's key.

use super::LockerError;
use crate::hash::{Algorithm, AlgorithmSet, Digest, HashResult, SeriesHasher};
use crate::verify::PayloadTap;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What ingest computes when a bundle did not seal it.
pub const INGEST_ALGORITHMS: [Algorithm; 2] = [Algorithm::Md5, Algorithm::Sha1];

/// Where a digest the locker holds comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DigestOrigin {
    /// From the bundle's manifests, covered by its seal (and verified).
    Sealed,
    /// Computed by this locker's evidentia from the payload bytes that
    /// verified, at ingest; not covered by any signature.
    Ingest,
}

impl DigestOrigin {
    /// The word on the wire: `sealed` or `computed-at-ingest`.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestOrigin::Sealed => "sealed",
            DigestOrigin::Ingest => "computed-at-ingest",
        }
    }

    /// The word in the locker's tables (`sealed`, `ingest`).
    pub(super) fn column(self) -> &'static str {
        match self {
            DigestOrigin::Sealed => "sealed",
            DigestOrigin::Ingest => "ingest",
        }
    }

    pub(super) fn from_column(s: &str) -> DigestOrigin {
        if s == "ingest" {
            DigestOrigin::Ingest
        } else {
            DigestOrigin::Sealed
        }
    }
}

/// The file column of a digest computed at ingest (`None`: evidentia
/// never computes that one at ingest).
pub(super) fn ingest_column(a: Algorithm) -> Option<&'static str> {
    match a {
        Algorithm::Md5 => Some("ingest_md5"),
        Algorithm::Sha1 => Some("ingest_sha1"),
        _ => None,
    }
}

const KEY: usize = 32;

/// Records kept in memory before they go to the spill file.
pub const SPILL_AFTER: usize = 1 << 20;

/// The tap on verify's payload pass (see the module docs).
pub struct DigestTap {
    wanted: Vec<Algorithm>,
    dir: PathBuf,
    computing: Vec<Algorithm>,
    hasher: Option<SeriesHasher>,
    /// Keys of the streams ended and not yet written (`None`: unreadable).
    keys: std::collections::VecDeque<Option<[u8; KEY]>>,
    /// The records, until they outgrow [`SPILL_AFTER`].
    mem: Vec<u8>,
    spill: Option<BufWriter<File>>,
    records: u64,
    error: Option<String>,
}

impl DigestTap {
    /// A tap computing those of `wanted` that a bundle does not seal,
    /// spilling to an unnamed file in `dir`.
    pub fn new(wanted: &[Algorithm], dir: &Path) -> DigestTap {
        DigestTap {
            wanted: wanted.to_vec(),
            dir: dir.to_path_buf(),
            computing: Vec::new(),
            hasher: None,
            keys: Default::default(),
            mem: Vec::new(),
            spill: None,
            records: 0,
            error: None,
        }
    }

    /// Write the records of the files whose digests are ready.
    fn drain(&mut self, wait: Option<Vec<Vec<Digest>>>) {
        let ready: Vec<Vec<Digest>> = match wait {
            Some(rest) => rest,
            None => {
                let mut v = Vec::new();
                while let Some(d) = self.hasher.as_mut().and_then(SeriesHasher::try_next) {
                    v.push(d);
                }
                v
            }
        };
        for digests in ready {
            let Some(key) = self.keys.pop_front().flatten() else {
                continue;
            };
            let mut rec = key.to_vec();
            for d in &digests {
                rec.extend_from_slice(&d.bytes);
            }
            if let Err(e) = self.keep(&rec) {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Keep one record: in memory, or in the spill file once memory holds
    /// [`SPILL_AFTER`] bytes.
    fn keep(&mut self, rec: &[u8]) -> Result<(), String> {
        if self.error.is_some() {
            return Ok(());
        }
        if self.spill.is_none() && self.mem.len() + rec.len() > SPILL_AFTER {
            let f = tempfile::tempfile_in(&self.dir).map_err(|e| {
                format!(
                    "cannot create a temporary file in {} for the digests computed at ingest: {e}",
                    self.dir.display()
                )
            })?;
            let mut w = BufWriter::with_capacity(1 << 16, f);
            w.write_all(&self.mem).map_err(|e| e.to_string())?;
            self.mem = Vec::new();
            self.spill = Some(w);
        }
        match self.spill.as_mut() {
            Some(w) => w.write_all(rec).map_err(|e| e.to_string())?,
            None => self.mem.extend_from_slice(rec),
        }
        self.records += 1;
        Ok(())
    }

    /// Wait for the last digests and hand the records over.
    pub fn finish(mut self) -> Result<ComputedDigests, LockerError> {
        let rest = match self.hasher.take().map(SeriesHasher::finish) {
            Some(Ok(rest)) => rest,
            Some(Err(e)) => {
                return Err(LockerError::Write {
                    path: self.dir.clone(),
                    source: e,
                });
            }
            None => Vec::new(),
        };
        self.drain(Some(rest));
        if let Some(e) = self.error.take() {
            return Err(LockerError::Write {
                path: self.dir.clone(),
                source: std::io::Error::other(e),
            });
        }
        let file = match self.spill.take().map(BufWriter::into_inner) {
            Some(Ok(f)) => Some(f),
            Some(Err(e)) => {
                return Err(LockerError::Write {
                    path: self.dir.clone(),
                    source: e.into_error(),
                });
            }
            None => None,
        };
        Ok(ComputedDigests {
            algorithms: self.computing,
            file,
            mem: self.mem,
            records: self.records,
        })
    }
}

impl PayloadTap for DigestTap {
    fn begin(&mut self, sealed: &[Algorithm]) -> bool {
        self.computing = self
            .wanted
            .iter()
            .copied()
            .filter(|a| !sealed.contains(a))
            .collect();
        self.computing.sort();
        let Some(set) = AlgorithmSet::new(self.computing.iter().copied()) else {
            return false;
        };
        // A spill file is made only if the records outgrow memory.
        self.hasher = Some(SeriesHasher::new(&set));
        true
    }

    fn bytes(&mut self, data: &[u8]) {
        if let Some(h) = self.hasher.as_mut() {
            h.update(data);
        }
    }

    fn end(&mut self, _path: &str, result: Option<&HashResult>) {
        let Some(h) = self.hasher.as_mut() else {
            return;
        };
        h.end_stream();
        let key = result
            .and_then(|r| r.digest(Algorithm::Sha256))
            .and_then(|d| <[u8; KEY]>::try_from(d.bytes.as_slice()).ok());
        self.keys.push_back(key);
        self.drain(None);
    }
}

/// The digests computed at ingest of one bundle, by content (see the
/// module docs).
#[derive(Debug, Default)]
pub struct ComputedDigests {
    algorithms: Vec<Algorithm>,
    file: Option<File>,
    mem: Vec<u8>,
    records: u64,
}

impl ComputedDigests {
    /// Nothing computed (the bundle sealed every wanted algorithm, or no
    /// tap ran).
    pub fn none() -> ComputedDigests {
        ComputedDigests::default()
    }

    /// The algorithms computed, in canonical order (empty when none).
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Number of files with computed digests.
    pub fn files(&self) -> u64 {
        self.records
    }

    /// A reader of the records from the first.
    pub fn lookup(&self) -> Lookup<'_> {
        let mut l = Lookup {
            owner: self,
            reader: self.reader(),
            next: None,
            by_key: None,
        };
        l.advance();
        l
    }

    /// The records from the first: in memory, or in the spill file.
    fn reader(&self) -> Box<dyn Read + '_> {
        match self.file.as_ref() {
            Some(mut f) => {
                let _ = f.seek(SeekFrom::Start(0));
                Box::new(BufReader::with_capacity(1 << 16, f))
            }
            None => Box::new(&self.mem[..]),
        }
    }

    fn record_len(&self) -> usize {
        KEY + self
            .algorithms
            .iter()
            .map(|a| a.digest_len())
            .sum::<usize>()
    }

    fn parse(&self, rec: &[u8]) -> ([u8; KEY], Vec<Digest>) {
        let mut key = [0u8; KEY];
        key.copy_from_slice(&rec[..KEY]);
        let mut at = KEY;
        let digests = self
            .algorithms
            .iter()
            .map(|a| {
                let bytes = rec[at..at + a.digest_len()].to_vec();
                at += a.digest_len();
                Digest {
                    algorithm: *a,
                    bytes,
                }
            })
            .collect();
        (key, digests)
    }
}

/// Finds the computed digests of files by their SHA-256: in step while the
/// files come in the order they were read, by key after that.
pub struct Lookup<'a> {
    owner: &'a ComputedDigests,
    reader: Box<dyn Read + 'a>,
    next: Option<([u8; KEY], Vec<Digest>)>,
    by_key: Option<HashMap<[u8; KEY], Vec<Digest>>>,
}

impl Lookup<'_> {
    fn read_one(&mut self) -> Option<([u8; KEY], Vec<Digest>)> {
        let mut rec = vec![0u8; self.owner.record_len()];
        self.reader.read_exact(&mut rec).ok()?;
        Some(self.owner.parse(&rec))
    }

    fn advance(&mut self) {
        self.next = self.read_one();
    }

    /// The computed digests of the file whose SHA-256 is `sha256`.
    pub fn get(&mut self, sha256: &[u8]) -> Option<Vec<Digest>> {
        if let Some(map) = &self.by_key {
            return map.get(sha256).cloned();
        }
        if self.next.as_ref().is_some_and(|(k, _)| k == sha256) {
            let found = self.next.take().map(|(_, d)| d);
            self.advance();
            return found;
        }
        // Not in the order read (a manifest.json that is not sorted): by
        // key from here on. Such a manifest was read whole by verify too.
        let mut map = HashMap::new();
        self.reader = self.owner.reader();
        while let Some((k, d)) = self.read_one() {
            map.insert(k, d);
        }
        let found = map.get(sha256).cloned();
        self.by_key = Some(map);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{HashOptions, hash_bytes};

    fn all(data: &[u8]) -> HashResult {
        let o = HashOptions {
            algorithms: AlgorithmSet::new(Algorithm::ALL).unwrap(),
            ..HashOptions::default()
        };
        hash_bytes(data, &o)
    }

    fn feed(tap: &mut DigestTap, files: &[&[u8]]) {
        for f in files {
            for piece in f.chunks(3) {
                tap.bytes(piece);
            }
            tap.end("data/x", Some(&all(f)));
        }
    }

    #[test]
    fn computes_only_what_was_not_sealed_and_finds_it_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let files: [&[u8]; 4] = [b"alpha", b"", b"gamma gamma", b"alpha"];
        let mut tap = DigestTap::new(&INGEST_ALGORITHMS, dir.path());
        assert!(tap.begin(&[Algorithm::Sha1, Algorithm::Sha256]));
        feed(&mut tap, &files);
        let c = tap.finish().unwrap();
        assert_eq!(c.algorithms(), &[Algorithm::Md5]);
        assert_eq!(c.files(), 4);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let key = |d: &[u8]| all(d).digest(Algorithm::Sha256).unwrap().bytes.clone();
        let md5 = |d: &[u8]| vec![all(d).digest(Algorithm::Md5).unwrap().clone()];
        // In order, then out of order (falls back to by key).
        let mut l = c.lookup();
        for f in files {
            assert_eq!(l.get(&key(f)), Some(md5(f)));
        }
        let mut l = c.lookup();
        assert_eq!(l.get(&key(b"gamma gamma")), Some(md5(b"gamma gamma")));
        assert_eq!(l.get(&key(b"")), Some(md5(b"")));
        assert_eq!(l.get(&key(b"not there")), None);
    }

    #[test]
    fn nothing_to_compute_when_all_were_sealed_and_unreadable_files_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut tap = DigestTap::new(&INGEST_ALGORITHMS, dir.path());
        assert!(!tap.begin(&[Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]));
        let c = tap.finish().unwrap();
        assert!(c.algorithms().is_empty());
        assert_eq!(c.lookup().get(&[0u8; 32]), None);

        let mut tap = DigestTap::new(&INGEST_ALGORITHMS, dir.path());
        assert!(tap.begin(&[Algorithm::Sha256]));
        tap.bytes(b"half a fi");
        tap.end("data/bad", None);
        feed(&mut tap, &[b"whole"]);
        let c = tap.finish().unwrap();
        assert_eq!(c.files(), 1);
        let k = all(b"whole")
            .digest(Algorithm::Sha256)
            .unwrap()
            .bytes
            .clone();
        let got = c.lookup().get(&k).unwrap();
        assert_eq!(got[0], *all(b"whole").digest(Algorithm::Md5).unwrap());
        assert_eq!(got[1], *all(b"whole").digest(Algorithm::Sha1).unwrap());
    }

    /// Past [`SPILL_AFTER`] the records go to a file that has no name;
    /// they read back the same.
    #[test]
    fn many_records_spill_to_an_unnamed_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut tap = DigestTap::new(&INGEST_ALGORITHMS, dir.path());
        assert!(tap.begin(&[Algorithm::Sha256]));
        let n = SPILL_AFTER / (32 + 16 + 20) + 100;
        let files: Vec<Vec<u8>> = (0..n).map(|i| format!("file {i}").into_bytes()).collect();
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        feed(&mut tap, &refs);
        let c = tap.finish().unwrap();
        assert_eq!(c.files(), n as u64);
        assert!(c.file.is_some() && c.mem.is_empty(), "spilled");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no name");
        let mut l = c.lookup();
        for f in [&files[0], &files[n / 2], &files[n - 1]] {
            let k = all(f).digest(Algorithm::Sha256).unwrap().bytes.clone();
            let got = l.get(&k).unwrap();
            assert_eq!(got[0], *all(f).digest(Algorithm::Md5).unwrap());
        }
    }
}
