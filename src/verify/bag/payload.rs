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
use crate::source::{Inline, ordered_map_inline};
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

/// A payload file on its way to be hashed, with what it is compared with.
struct Job {
    path: String,
    entry: Entry,
    /// Its manifest.json entry.
    rich: Option<FileEntry>,
    /// The digests its manifests list for it.
    want: Vec<(Algorithm, String)>,
}

/// At most this many files are hashed ahead of the comparisons: enough to
/// keep every worker busy with batches, few enough that the jobs' names
/// (up to 64 KiB each in a hostile zip) stay a few MiB.
const IN_FLIGHT: usize = 128;

impl PayloadPass<'_, '_, '_> {
    /// Walk the payload beside manifest.json's `files` (both in path
    /// order). Small files are hashed on a few workers (their digests
    /// compared in payload order); a file larger than one hash block (the
    /// hash engine spreads it over the cores itself), and every file when a
    /// tap watches the bytes, is hashed here in its turn.
    fn run(&mut self, files: &mut dyn Iterator<Item = FileEntry>) {
        let mut files = files.peekable();
        let (bag, archive, hashing) = (self.bag, self.archive, &self.hashing);
        let (listed, wanted) = (&mut self.listed, &self.wanted);
        let Pass {
            files: seen,
            bytes,
            not_in_json,
            not_in_bag,
            for_items,
            hashed,
            leaves,
            disclosed,
        } = &mut self.pass;
        let mut keep = |f: &FileEntry| {
            leaves.take(f);
            disclosed.take(f);
            if wanted.contains(&f.path) {
                for_items.insert(f.path.clone(), f.clone());
            }
        };
        let mut members = bag.payload(archive).map(|(path, mut entry)| {
            // The job has the name as `path`; the entry's copy can go.
            entry.name = String::new();
            *seen += 1;
            *bytes += entry.size;
            while let Some(f) = files.next_if(|f| f.path < path) {
                not_in_bag.push(f.path.clone());
                keep(&f);
            }
            let rich = files.next_if(|f| f.path == path);
            match &rich {
                Some(f) => keep(f),
                None => not_in_json.push(path.clone()),
            }
            let mut want = Vec::new();
            for (algo, l) in listed.iter_mut() {
                l.digests_of(*algo, &path, &mut want);
            }
            Job {
                path,
                entry,
                rich,
                want,
            }
        });
        let progress = std::cell::RefCell::new(&mut *self.progress);
        let tapped = self.tap.is_some();
        let tap = &mut self.tap;
        let block = hashing.all.block_size.max(4096) as u64;
        let work = |job: Job| {
            let mut read = 0;
            let r = hash_entry(archive, &job.entry, hashing, None, &mut |n| read += n);
            (job, r, read)
        };
        let mut run_here = |job: Job| {
            let r = hash_entry(archive, &job.entry, hashing, tap.as_deref_mut(), &mut |n| {
                (progress.borrow_mut())(n)
            });
            if let Some(t) = tap.as_deref_mut() {
                t.end(&job.path, r.as_ref().ok());
            }
            (job, r, 0)
        };
        let mut inline = Inline {
            wanted: &|job: &Job| tapped || job.entry.size >= block,
            run: &mut run_here,
        };
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let _ = ordered_map_inline(
            &mut members,
            threads,
            IN_FLIGHT,
            &work,
            &mut inline,
            &mut |(job, r, read)| {
                (progress.borrow_mut())(read);
                compare(hashed, job, r);
                Ok::<(), std::convert::Infallible>(())
            },
        );
        drop(members);
        for f in files {
            not_in_bag.push(f.path.clone());
            keep(&f);
        }
    }
}

/// Hash entry `e` as `hashing` says for its size, passing the bytes to
/// `tap` when there is one.
fn hash_entry<'t>(
    archive: &Archive,
    e: &Entry,
    hashing: &Hashing,
    tap: Option<&mut (dyn PayloadTap + 't)>,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<HashResult> {
    let o = hashing.for_size(e.size);
    archive.reader(e).and_then(|inner| match tap {
        Some(tap) => hash_reader(Tee { inner, tap }, o, progress),
        None => hash_reader(inner, o, progress),
    })
}

/// Compare the hashes of `job`'s file (or why it could not be read) with
/// the digests its manifests list, then with its manifest.json entry.
fn compare(hashed: &mut Capped<Finding>, job: Job, r: std::io::Result<HashResult>) {
    let Job {
        path: p,
        want,
        rich,
        ..
    } = job;
    let result = match r {
        Ok(result) => result,
        Err(err) => {
            hashed.push(Finding::new(
                FindingCode::EntryData,
                &p,
                format!("cannot read: {}", data_error(&err)),
            ));
            return;
        }
    };
    for (algo, want) in &want {
        let got = result.digest(*algo).map(|d| d.hex()).unwrap_or_default();
        if *want != got {
            hashed.push(Finding::values(
                FindingCode::DigestMismatch,
                &p,
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
        compare_rich(&p, &r, &result, &mut found);
        for f in found {
            hashed.push(f);
        }
    }
}
