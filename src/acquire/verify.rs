//! `--verify`: read the written image back (after asking the kernel to
//! drop its cached pages, so the bytes come from the disk) and, for a
//! seekable source, read the source again; compare sizes and digests with
//! the acquisition's. Every comparison is recorded in words.

use super::reader::{ReadPolicy, drop_cache};
use super::run::{copy, hex_map};
use super::{AcquireError, AcquireOptions, Phase, Progress, SectorSource};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, MultiHasher, hash_reader};
use crate::model::acquisition::{AcquisitionRecord, Check, Outcome, Timestamp, Verification};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn algorithms_of(rec: &AcquisitionRecord) -> AlgorithmSet {
    AlgorithmSet::new(
        rec.hashes
            .keys()
            .filter_map(|k| k.parse::<Algorithm>().ok()),
    )
    .unwrap_or_default()
}

/// Re-read the image in `dir` as `rec` lists it and compare it with the
/// recorded size and digests.
pub fn verify_image(
    dir: &Path,
    rec: &AcquisitionRecord,
    block_size: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<Check, AcquireError> {
    let mut reader: Box<dyn Read> = Box::new(std::io::empty());
    let mut dropped = true;
    for seg in &rec.image.segments {
        let path = dir.join(&seg.name);
        let f = File::open(&path).map_err(|source| AcquireError::ReadImage {
            path: path.clone(),
            source,
        })?;
        dropped &= drop_cache(&f);
        reader = Box::new(reader.chain(f));
    }
    let opts = HashOptions {
        algorithms: algorithms_of(rec),
        block_size,
        ..HashOptions::default()
    };
    let first = dir.join(rec.image.segments.first().map_or("", |s| s.name.as_str()));
    let r = hash_reader(reader, &opts, progress).map_err(|source| AcquireError::ReadImage {
        path: first,
        source,
    })?;
    let hashes = hex_map(&r);
    let names: Vec<&str> = rec.image.segments.iter().map(|s| s.name.as_str()).collect();
    Ok(Check {
        target: "image".into(),
        compared: format!(
            "re-read of the image files ({}) compared with the digests computed while acquiring",
            names.join(", ")
        ),
        page_cache_dropped: dropped,
        size: r.size,
        matches: r.size == rec.image.size && hashes == rec.hashes,
        hashes,
    })
}

/// Verify the image and, when possible, the source. `None` when cancelled.
pub(crate) fn verify_all(
    src: &mut dyn SectorSource,
    path: &Path,
    dir: &Path,
    rec: &AcquisitionRecord,
    opts: &AcquireOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Option<Verification>, AcquireError> {
    let total = Some(rec.image.size);
    let mut checks = Vec::new();
    let block = opts.hash.block_size.max(4096);
    let mut done = 0;
    let image = verify_image(dir, rec, block, &mut |n| {
        done += n;
        progress(&Progress {
            phase: Phase::VerifyImage,
            done,
            total,
            bad_sectors: rec.bad_sectors.count,
        })
    })?;
    checks.push(image);
    let mut source_not_checked = None;
    if rec.source.kind == super::SourceKind::Stream {
        source_not_checked = Some("the source is a stream and cannot be read twice".to_string());
    } else {
        let dropped = src.drop_cache();
        let mut hasher = MultiHasher::new(&HashOptions {
            algorithms: algorithms_of(rec),
            block_size: block,
            ..HashOptions::default()
        });
        let policy = ReadPolicy {
            sector_size: rec.source.logical_sector_size.max(1) as usize,
            retries: opts.retries,
        };
        let (copied, result) = copy(
            src,
            path,
            total,
            policy,
            &mut hasher,
            cancel,
            &mut |done, bad| {
                progress(&Progress {
                    phase: Phase::VerifySource,
                    done,
                    total,
                    bad_sectors: bad,
                })
            },
        );
        result?;
        if copied.cancelled {
            return Ok(None);
        }
        let r = hasher.finish().map_err(AcquireError::Hash)?;
        let hashes = hex_map(&r);
        let mut compared = "second read of the source (same bad-sector policy) compared with \
the digests of the image"
            .to_string();
        if !copied.bad.is_empty() || rec.bad_sectors.count > 0 {
            compared.push_str(&format!(
                "; unreadable sectors: {} in the acquisition, {} in this read",
                rec.bad_sectors.count, copied.bad_sectors
            ));
        }
        checks.push(Check {
            target: "source".into(),
            compared,
            page_cache_dropped: dropped,
            size: r.size,
            matches: r.size == rec.image.size && hashes == rec.hashes,
            hashes,
        });
    }
    let now = super::run::now();
    Ok(Some(Verification {
        outcome: if checks.iter().all(|c| c.matches) {
            Outcome::Passed
        } else {
            Outcome::Failed
        },
        checks,
        source_not_checked,
        ended: Timestamp::at(now, (opts.local_offset)(now)),
    }))
}
