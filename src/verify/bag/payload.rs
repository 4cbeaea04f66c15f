//! The payload phase: one pass over the payload in name order, beside
//! manifest.json's files and the sorted manifests: membership both ways,
//! then each file hashed once (every manifest's algorithm, BLAKE3,
//! SHA-256 and the pieces) and compared with what the manifests and
//! manifest.json say of it. A [`PayloadTap`] sees the bytes as they are
//! read.
//!
//! Findings are gathered, not pushed: they come out in the order of the
//! checks (manifest.json membership, items, then hash comparisons), each
//! list capped like the findings themselves.

use super::Bag;
use super::index::data_error;
use super::json::Json;
use super::manifests::{Listed, Manifests};
use super::rich::{Capped, compare_rich};
use crate::bundle::{Archive, Entry, layout};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, HashResult, hash_reader};
use crate::model::{FileEntry, Manifest};
use crate::verify::tap::Tee;
use crate::verify::{Check, Finding, FindingCode, PayloadTap, VerifyReport};
use std::collections::{BTreeMap, BTreeSet};

/// What the payload pass gathers.
#[derive(Default)]
pub(super) struct Pass {
    /// Payload files seen.
    pub(super) files: u64,
    /// Their bytes.
    pub(super) bytes: u64,
    /// Payload files manifest.json does not list.
    pub(super) not_in_json: Capped<String>,
    /// manifest.json files that are not in the payload.
    pub(super) not_in_bag: Capped<String>,
    /// The manifest.json entries the evidence items and the captures'
    /// pcaps refer to.
    pub(super) for_items: BTreeMap<String, FileEntry>,
    /// Findings of the hash comparisons, in payload order.
    pub(super) hashed: Capped<Finding>,
    /// The disclosure leaves of manifest.json's files.
    pub(super) leaves: super::leaves::Leaves,
    /// manifest.json's entries, kept for the provenance check.
    pub(super) disclosed: super::leaves::Disclosed,
}

impl Pass {
    /// The payload check's own findings (the hash comparisons, in payload
    /// order), and the payload's size in the report.
    pub(super) fn finish(self, report: &mut VerifyReport) {
        report.findings.phase(Check::Payload);
        self.hashed.flush(&mut report.findings, |f| f);
        report.files = self.files;
        report.bytes = self.bytes;
    }
}

/// How every payload file is hashed.
struct Hashing {
    /// Every manifest's algorithm, BLAKE3, SHA-256, and the pieces.
    all: HashOptions,
    /// The same without pieces, for a file no larger than one piece.
    no_pieces: HashOptions,
    /// manifest.json's piece size, when it has pieces.
    piece_size: Option<u64>,
}

impl Hashing {
    /// The hashing for the payload manifests' algorithms (`sealed`) and
    /// `manifest`.
    fn new(sealed: &[Algorithm], manifest: Option<&Manifest>) -> Hashing {
        let piece_size = manifest.map(|m| m.piece_size).filter(|s| *s >= 4096);
        // Only a manifest whose schema and piece algorithm are known gets
        // here (the others are findings, and `manifest` is `None`).
        let piece_algorithm = manifest
            .and_then(|m| m.piece_algorithm().ok())
            .unwrap_or(crate::model::PIECE_ALGORITHM);
        let mut algos = sealed.to_vec();
        algos.push(Algorithm::Blake3);
        algos.push(Algorithm::Sha256);
        let all = HashOptions {
            algorithms: AlgorithmSet::new(algos).unwrap_or_default(),
            piece_size,
            piece_algorithm,
            ..HashOptions::default()
        };
        let no_pieces = HashOptions {
            piece_size: None,
            ..all.clone()
        };
        Hashing {
            all,
            no_pieces,
            piece_size,
        }
    }

    /// The options for an entry of `size` bytes: one no larger than a
    /// piece (its reader stops at the declared size) has no piecewise
    /// hashes to compare, so that second stream is skipped.
    fn for_size(&self, size: u64) -> &HashOptions {
        match self.piece_size {
            Some(s) if size <= s => &self.no_pieces,
            _ => &self.all,
        }
    }
}

/// The payload pass under way.
struct PayloadPass<'a, 't, 'p> {
    bag: &'a Bag,
    archive: &'a Archive,
    /// The readable payload manifests.
    listed: Vec<(Algorithm, Listed<'a>)>,
    /// The files the evidence items refer to.
    wanted: BTreeSet<String>,
    hashing: Hashing,
    tap: Option<&'t mut dyn PayloadTap>,
    progress: &'p mut dyn FnMut(u64),
    pass: Pass,
}

impl Bag {
    /// The payload check: every payload file read to its end once, and
    /// compared with the manifests and manifest.json; when the bag has a
    /// `provenance/` part, manifest.json's entries are kept for the
    /// provenance check.
    pub(super) fn check_payload<'a>(
        &'a self,
        archive: &'a Archive,
        manifests: Manifests<'a>,
        json: &Json,
        report: &mut VerifyReport,
        progress: &mut dyn FnMut(u64),
        tap: Option<&mut dyn PayloadTap>,
    ) -> Pass {
        let manifest = json.manifest.as_ref();
        let wanted: BTreeSet<String> = manifest
            .iter()
            .flat_map(|m| &m.items)
            .flat_map(|i| {
                std::iter::once(&i.record)
                    .chain(&i.image)
                    .chain(&i.originals)
            })
            .chain(
                manifest
                    .iter()
                    .flat_map(|m| crate::verify::capture::wanted(m)),
            )
            .cloned()
            .collect();
        let hashing = Hashing::new(&manifests.algorithms, manifest);
        report.findings.phase(Check::Payload);
        let tap = tap.and_then(|t| t.begin(&manifests.algorithms).then_some(t));
        let mut run = PayloadPass {
            bag: self,
            archive,
            listed: manifests.listed,
            wanted,
            hashing,
            tap,
            progress,
            pass: Pass {
                leaves: super::leaves::Leaves::new(
                    manifest.is_some_and(|m| m.has_commitment()),
                    self.order.len() as u64,
                ),
                disclosed: super::leaves::Disclosed::new(!report.commitment.provenance.is_empty()),
                ..Pass::default()
            },
        };
        json.with_files(archive, |files| run.run(files));
        // The payload was compared with every manifest only when they were
        // all read; manifest.json only when it was.
        if manifests.read {
            report.ran(Check::Payload);
        }
        run.pass
    }
}

impl PayloadPass<'_, '_, '_> {
    /// Walk the payload beside manifest.json's `files` (both in path
    /// order).
    fn run(&mut self, files: &mut dyn Iterator<Item = FileEntry>) {
        let mut files = files.peekable();
        let (bag, archive) = (self.bag, self.archive);
        for (p, e) in bag.payload(archive) {
            self.pass.files += 1;
            self.pass.bytes += e.size;
            while let Some(f) = files.next_if(|f| f.path < p) {
                self.pass.not_in_bag.push(f.path.clone());
                self.keep(f);
            }
            let rich = files.next_if(|f| f.path == p);
            match &rich {
                Some(f) => self.keep(f.clone()),
                None => self.pass.not_in_json.push(p.clone()),
            }
            self.hash_file(&p, &e, rich);
        }
        for f in files {
            self.pass.not_in_bag.push(f.path.clone());
            self.keep(f);
        }
    }

    /// Keep `f` when an evidence item refers to it.
    fn keep(&mut self, f: FileEntry) {
        self.pass.leaves.take(&f);
        self.pass.disclosed.take(&f);
        if self.wanted.contains(&f.path) {
            self.pass.for_items.insert(f.path.clone(), f);
        }
    }

    /// Hash payload file `p` (its entry `e`) and compare the digests with
    /// the manifests' and with manifest.json's entry `rich`.
    fn hash_file(&mut self, p: &str, e: &Entry, rich: Option<FileEntry>) {
        // The digests listed for `p`, manifest by manifest.
        let mut want: Vec<(Algorithm, String)> = Vec::new();
        for (algo, l) in &mut self.listed {
            l.digests_of(*algo, p, &mut want);
        }
        let o = self.hashing.for_size(e.size);
        let progress = &mut *self.progress;
        let hashed = self
            .archive
            .reader(e)
            .and_then(|inner| match self.tap.as_deref_mut() {
                Some(tap) => hash_reader(Tee { inner, tap }, o, progress),
                None => hash_reader(inner, o, progress),
            });
        if let Some(t) = self.tap.as_deref_mut() {
            t.end(p, hashed.as_ref().ok());
        }
        match hashed {
            Ok(result) => self.compare(p, &want, rich, &result),
            Err(err) => self.pass.hashed.push(Finding::new(
                FindingCode::EntryData,
                p,
                format!("cannot read: {}", data_error(&err)),
            )),
        }
    }

    /// Compare the hashes of `p` with the digests its manifests list
    /// (`want`), then with its manifest.json entry.
    fn compare(
        &mut self,
        p: &str,
        want: &[(Algorithm, String)],
        rich: Option<FileEntry>,
        result: &HashResult,
    ) {
        for (algo, want) in want {
            let got = result.digest(*algo).map(|d| d.hex()).unwrap_or_default();
            if *want != got {
                self.pass.hashed.push(Finding::values(
                    FindingCode::DigestMismatch,
                    p,
                    format!(
                        "{} differs from {}",
                        algo.name(),
                        layout::manifest_name(*algo)
                    ),
                    want,
                    got,
                ));
            }
        }
        if let Some(r) = rich {
            let mut found = Vec::new();
            compare_rich(p, &r, result, &mut found);
            for f in found {
                self.pass.hashed.push(f);
            }
        }
    }
}
