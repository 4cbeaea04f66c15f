//! Acquisition from an EWF-E01 segment set made by another tool (EnCase,
//! FTK Imager, Guymager, ewfacquire): the set's media data is imaged like
//! any image file, every chunk and stored hash is checked on the way, and
//! the set's own metadata goes into the record (`source.ewf`).
//!
//! Invariants:
//! - The whole structure of the set is checked before anything is written:
//!   a missing, extra, foreign or truncated segment leaves no directory.
//! - With the originals kept, the segments are copied first and the set is
//!   then read from the copies: the bytes checked are the bytes kept.
//! - The record never says `verified` unless every check ran over the
//!   whole media and passed (`ewf_record::integrity`).
//! - The set is read only: segment files are opened read-only.

use super::ewf_record::{describe, integrity};
use super::ewf_source::EwfMedia;
use super::map::BadRanges;
use super::run::{End, create_out, end_run, first_record, now, take_in, write_image};
use super::{
    AcquireError, AcquireOptions, Acquisition, Phase, Progress, SourceDescription, persist,
};
use crate::ewf::{EwfImage, StoredHashes};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, HashResult, MultiHasher};
use crate::model::acquisition::{
    AcquisitionRecord, ByteRange, HASH_COVERAGE_EWF, HASH_COVERAGE_EWF_NO_IMAGE, SourceKind,
    Timestamp,
};
use crate::model::acquisition_ewf::{EWF_FORMAT, EwfSegment, EwfSource};
use crate::pathrepr::PathRepr;
use crate::source::{OpenMode, open_evidence};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The EWF-E01 file signature (spec "File header").
const SIGNATURE: [u8; 8] = *b"EVF\x09\x0d\x0a\xff\x00";

/// What becomes of the original segment files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Originals {
    /// Only the raw image is written.
    Discard,
    /// The segments are copied beside the record, and the image written.
    Keep,
    /// Only the segments are copied; no image (`--no-image`).
    Only,
}

/// Whether `path` is a regular file that starts with the EWF-E01
/// signature (read through a read-only, no-atime descriptor).
pub fn is_ewf(path: &Path) -> bool {
    let Ok(mut f) = open_evidence(path, OpenMode::Direct) else {
        return false;
    };
    let mut head = [0u8; 8];
    f.metadata().is_ok_and(|m| m.is_file()) && f.read_exact(&mut head).is_ok() && head == SIGNATURE
}

/// The algorithms to run: the caller's, plus MD5 always and SHA-1 when the
/// set stores one, so that every stored hash is recomputed.
fn with_stored(set: &AlgorithmSet, stored: &StoredHashes) -> AlgorithmSet {
    let mut algos = set.as_slice().to_vec();
    for (algo, needed) in [
        (Algorithm::Md5, true),
        (Algorithm::Sha1, stored.sha1.is_some()),
    ] {
        if needed && !algos.contains(&algo) {
            algos.push(algo);
        }
    }
    AlgorithmSet::new(algos).unwrap_or_else(AlgorithmSet::default_set)
}

/// The source as the run describes it: a file whose sectors are the set's.
fn description(first: &Path, image: &EwfImage) -> SourceDescription {
    SourceDescription {
        path: PathRepr::from_path(first),
        kind: SourceKind::File,
        logical_sector_size: image.bytes_per_sector(),
        physical_sector_size: image.bytes_per_sector(),
        device: None,
    }
}

/// The segments as found (name and size), without digests.
fn listed(image: &EwfImage) -> Vec<EwfSegment> {
    image
        .segment_paths()
        .map(|p| EwfSegment {
            name: file_name(p),
            size: p.metadata().map_or(0, |m| m.len()),
            sha256: None,
        })
        .collect()
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Acquire the media of the set whose first segment is `first` into the
/// new directory `out`.
pub fn acquire_ewf(
    first: &Path,
    out: &Path,
    opts: &AcquireOptions,
    originals: Originals,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Acquisition, AcquireError> {
    let original = EwfImage::open(first).map_err(AcquireError::Ewf)?;
    let mut opts = opts.clone();
    opts.hash.algorithms = with_stored(&opts.hash.algorithms, original.stored_hashes());
    let desc = description(first, &original);
    let total = Some(original.media_size());
    create_out(out)?;
    let offset_at = |t: i64| Timestamp::at(t, (opts.local_offset)(t));
    let mut rec = first_record(&desc, &opts, total, offset_at(now()));
    rec.source.format = Some(EWF_FORMAT.into());
    rec.source.ewf = Some(describe(&original, listed(&original)));
    rec.hash_coverage = match originals {
        Originals::Only => HASH_COVERAGE_EWF_NO_IMAGE,
        _ => HASH_COVERAGE_EWF,
    }
    .into();
    if originals == Originals::Only {
        rec.image.format = "none".into();
        rec.image.split_size = None;
    }
    persist::write_record(out, &rec)?;
    let image = match originals {
        Originals::Discard => original,
        Originals::Keep | Originals::Only => {
            match keep_originals(&original, out, &mut rec, cancel, progress)? {
                Some(copy) => copy,
                None => return stopped(out, rec, "interrupted while copying the E01 segments"),
            }
        }
    };
    read_media(image, &desc, out, &opts, originals, rec, cancel, progress)
}

/// Ends a run stopped before the media was read: the record says so.
fn stopped(out: &Path, mut rec: AcquisitionRecord, why: &str) -> Result<Acquisition, AcquireError> {
    rec.stopped = Some(why.into());
    rec.ended = Some(Timestamp::at(now(), 0));
    persist::write_record(out, &rec)?;
    Ok(Acquisition {
        dir: out.to_path_buf(),
        record: rec,
    })
}

/// Copies the segments into `out` and opens the set from the copies;
/// `None` when interrupted. The record takes each copy's SHA-256.
fn keep_originals(
    original: &EwfImage,
    out: &Path,
    rec: &mut AcquisitionRecord,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Option<EwfImage>, AcquireError> {
    let paths: Vec<PathBuf> = original.segment_paths().map(Path::to_path_buf).collect();
    let total: u64 = paths
        .iter()
        .map(|p| p.metadata().map_or(0, |m| m.len()))
        .sum();
    let mut done = 0u64;
    let mut segments = Vec::new();
    for path in &paths {
        let target = out.join(file_name(path));
        let mut report = |n: u64| {
            done += n;
            progress(&Progress {
                phase: Phase::CopyOriginals,
                done,
                total: Some(total),
                bad_sectors: 0,
            });
        };
        match copy_segment(path, &target, cancel, &mut report)? {
            Some(seg) => segments.push(seg),
            None => return Ok(None),
        }
    }
    super::split::sync_dir(out)?;
    if let Some(e) = rec.source.ewf.as_mut() {
        e.segments = segments;
    }
    let first = out.join(file_name(&paths[0]));
    EwfImage::open(&first).map(Some).map_err(AcquireError::Ewf)
}

/// Copies one segment byte for byte, hashing it (SHA-256) as it goes, and
/// makes the copy durable; `None` when interrupted (the partial copy is
/// removed).
fn copy_segment(
    from: &Path,
    to: &Path,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<EwfSegment>, AcquireError> {
    let read_err = |source| AcquireError::OpenSource {
        path: from.to_path_buf(),
        source,
    };
    let write_err = |source| AcquireError::Write {
        path: to.to_path_buf(),
        source,
    };
    let src = open_evidence(from, OpenMode::Direct).map_err(read_err)?;
    let size = src.metadata().map_err(read_err)?.len();
    let mut dst = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(write_err)?;
    let tee = Tee {
        src,
        dst: &mut dst,
        cancel,
        failed: None,
    };
    let mut tee = tee;
    let hashed = crate::hash::hash_reader(
        &mut tee,
        &HashOptions {
            algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
            ..HashOptions::default()
        },
        progress,
    );
    if let Some(e) = tee.failed.take() {
        return Err(write_err(e));
    }
    if cancel.load(Ordering::Relaxed) {
        let _ = std::fs::remove_file(to);
        return Ok(None);
    }
    let hashed: HashResult = hashed.map_err(read_err)?;
    dst.sync_all().map_err(write_err)?;
    if hashed.size != size {
        return Err(AcquireError::SourceChanged {
            path: from.to_path_buf(),
            expected: size,
            actual: hashed.size,
        });
    }
    Ok(Some(EwfSegment {
        name: file_name(to),
        size,
        sha256: hashed.digest(Algorithm::Sha256).map(|d| d.hex()),
    }))
}

/// A reader that writes what it reads into `dst`, and stops (reads end)
/// at a write error or when cancelled.
struct Tee<'a> {
    src: std::fs::File,
    dst: &'a mut std::fs::File,
    cancel: &'a AtomicBool,
    failed: Option<io::Error>,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed.is_some() || self.cancel.load(Ordering::Relaxed) {
            return Ok(0);
        }
        let n = self.src.read(buf)?;
        if let Err(e) = self.dst.write_all(&buf[..n]) {
            self.failed = Some(e);
            return Ok(0);
        }
        Ok(n)
    }
}

/// Reads the media into the image (unless `Only`), hashing it, then
/// records what was checked and found.
#[allow(clippy::too_many_arguments)]
fn read_media(
    image: EwfImage,
    desc: &SourceDescription,
    out: &Path,
    opts: &AcquireOptions,
    originals: Originals,
    mut rec: AcquisitionRecord,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Acquisition, AcquireError> {
    let total = Some(image.media_size());
    let mut media = EwfMedia::new(Arc::new(image));
    let write = originals != Originals::Only;
    let imaged = write_image(&mut media, desc, out, opts, write, total, cancel, progress)?;
    let image_path = out.join(super::split::segment_name(
        opts.split.is_some_and(|s| s > 0),
        0,
    ));
    let mut bad = imaged.copied.bad.clone();
    let bytes_read = imaged.copied.bytes;
    let result = take_in(&mut rec, imaged, total, image_path);
    if !write {
        rec.image.size = 0;
        rec.image.segments.clear();
    }
    take_in_ewf(&mut rec, &media, &mut bad, bytes_read);
    let end = End {
        verify: opts.verify && write,
        total,
        bad,
        result,
    };
    end_run(&mut media, desc, out, opts, rec, end, cancel, progress)
}

/// The set's acquisition errors and the failed chunks join the bad ranges
/// (record and map), and the integrity block is filled in.
fn take_in_ewf(rec: &mut AcquisitionRecord, media: &EwfMedia, bad: &mut BadRanges, read: u64) {
    let Some(ewf) = rec.source.ewf.as_mut() else {
        return;
    };
    let ranges: Vec<ByteRange> = ewf
        .acquisition_errors
        .iter()
        .copied()
        .chain(media.failed_ranges())
        .collect();
    for r in ranges {
        // Within the media: error2 entries beyond its end are ignored here
        // (they stay listed in acquisition_errors as the set gave them).
        let end = r.end().min(media.image().media_size());
        if end > r.offset {
            bad.add(r.offset, end - r.offset);
        }
    }
    let sector = u64::from(rec.bad_sectors.sector_size.max(1));
    rec.bad_sectors.ranges = bad.ranges().to_vec();
    rec.bad_sectors.bytes = bad.bytes();
    rec.bad_sectors.count = bad
        .ranges()
        .iter()
        .map(|r| r.end().div_ceil(sector) - r.offset / sector)
        .sum();
    ewf.integrity = integrity(media, read, rec.complete, &rec.hashes, &ewf.stored_hashes);
}

/// What `hash --media` found: the media's digests and the set's block.
#[derive(Debug, Clone)]
pub struct MediaCheck {
    /// The digests of the media data read.
    pub hashes: HashResult,
    /// What the set says and what was checked (as in a record).
    pub ewf: EwfSource,
    /// Whether the run was interrupted.
    pub cancelled: bool,
}

/// Reads and checks the media of the set whose first segment is `first`,
/// hashing it with `hash` (plus the stored algorithms); writes nothing.
pub fn check_media(
    first: &Path,
    hash: &HashOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64),
) -> Result<MediaCheck, AcquireError> {
    let image = EwfImage::open(first).map_err(AcquireError::Ewf)?;
    let mut hash = hash.clone();
    hash.algorithms = with_stored(&hash.algorithms, image.stored_hashes());
    let mut ewf = describe(&image, listed(&image));
    let total = Some(image.media_size());
    let sector = image.bytes_per_sector();
    let mut media = EwfMedia::new(Arc::new(image));
    let mut hasher = MultiHasher::new(&hash);
    let policy = super::reader::ReadPolicy {
        sector_size: sector.max(1) as usize,
        retries: super::DEFAULT_RETRIES,
    };
    let mut report = |done, _bad| progress(done);
    let (copied, result) = super::run::copy(
        &mut media,
        first,
        total,
        policy,
        &mut hasher,
        cancel,
        &mut report,
    );
    let hashes = hasher.finish().map_err(AcquireError::Hash)?;
    result?;
    let hex = super::run::hex_map(&hashes);
    let complete = !copied.cancelled;
    ewf.integrity = integrity(&media, copied.bytes, complete, &hex, &ewf.stored_hashes);
    Ok(MediaCheck {
        hashes,
        ewf,
        cancelled: copied.cancelled,
    })
}
