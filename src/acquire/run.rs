//! The acquisition run: read, write, hash, record.

use super::log::render_log;
use super::map::{BadRanges, MapHeader, render_map};
use super::persist::{self, LOG_FILE, MAP_FILE};
use super::reader::{BlockError, ReadPolicy, read_block, read_stream_block};
use super::split::ImageWriter;
use super::{
    AcquireError, AcquireOptions, Acquisition, Phase, Progress, SectorSource, SourceDescription,
};
use crate::hash::{HashResult, MultiHasher};
use crate::model::acquisition::{
    AcquisitionRecord, BadSectorRecord, HASH_COVERAGE, ImageRecord, PiecesRecord, RECORD_VERSION,
    Segment, SourceRecord, Timestamp, ToolInfo,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The image writer as the hashing engine's stage sees it.
struct WriteStage {
    writer: Option<ImageWriter>,
    /// The first write error; the stage refuses every block after it.
    error: Option<AcquireError>,
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What a copy pass produced.
pub(crate) struct Copied {
    /// Bytes read (and written).
    pub bytes: u64,
    /// Unreadable ranges.
    pub bad: BadRanges,
    /// Unreadable sectors.
    pub bad_sectors: u64,
    /// Stopped by the cancellation flag.
    pub cancelled: bool,
}

/// Read the whole source once into the hasher (and its stage, which writes
/// the image during an acquisition). Returns what was read and,
/// separately, the error that stopped it (if any), so the caller can still
/// record what was done. A failing stage stops the reading; its error is
/// the caller's to collect.
pub(crate) fn copy(
    src: &mut dyn SectorSource,
    path: &Path,
    total: Option<u64>,
    policy: ReadPolicy,
    hasher: &mut MultiHasher,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64, u64),
) -> (Copied, Result<(), AcquireError>) {
    let bs = hasher.block_size();
    let mut c = Copied {
        bytes: 0,
        bad: BadRanges::new(),
        bad_sectors: 0,
        cancelled: false,
    };
    let result = loop {
        if cancel.load(Ordering::Relaxed) {
            c.cancelled = true;
            break Ok(());
        }
        let want = match total {
            Some(t) => (t - c.bytes).min(bs as u64) as usize,
            None => bs,
        };
        if want == 0 || hasher.stage_failed() {
            break Ok(());
        }
        let mut buf = hasher.buffer();
        let read = match total {
            Some(_) => read_block(src, &mut buf[..want], c.bytes, policy, &mut c.bad).map(|n| {
                c.bad_sectors += n;
                want
            }),
            None => read_stream_block(src, &mut buf[..want], c.bytes, cancel),
        };
        let n = match read {
            Ok(n) => n,
            Err(BlockError::Shrank(at)) => {
                break Err(AcquireError::SourceChanged {
                    path: path.to_path_buf(),
                    expected: total.unwrap_or(at),
                    actual: at,
                });
            }
            Err(BlockError::Stream(offset, source)) => {
                break Err(AcquireError::StreamRead { offset, source });
            }
        };
        if n == 0 {
            break Ok(());
        }
        hasher.submit(buf, n);
        c.bytes += n as u64;
        progress(c.bytes, c.bad_sectors);
        if total.is_none() && n < bs {
            break Ok(());
        }
    };
    // An interrupt that arrived during the last read (a stream's short read
    // looks like its end) must not be mistaken for a completed acquisition.
    c.cancelled |= cancel.load(Ordering::Relaxed);
    // A source that grew (or shrank without a short read) changed under us.
    let result = result.and_then(|()| match (total, c.cancelled) {
        (Some(t), false) => match src.size() {
            Ok(Some(now)) if now != t => Err(AcquireError::SourceChanged {
                path: path.to_path_buf(),
                expected: t,
                actual: now,
            }),
            _ => Ok(()),
        },
        _ => Ok(()),
    });
    (c, result)
}

/// Digests as the record stores them.
pub(crate) fn hex_map(r: &HashResult) -> BTreeMap<String, String> {
    r.digests
        .iter()
        .map(|d| (d.algorithm.name().to_string(), d.hex()))
        .collect()
}

pub(super) fn create_out(out: &Path) -> Result<(), AcquireError> {
    std::fs::create_dir(out).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            AcquireError::OutExists {
                path: out.to_path_buf(),
            }
        } else {
            AcquireError::CreateOut {
                path: out.to_path_buf(),
                source,
            }
        }
    })
}

/// Acquire from an already opened source (any [`SectorSource`]; tests use
/// one that fails at chosen offsets) into the new directory `out`.
///
/// The phases: the record is written first (as incomplete), the source is
/// copied into the image while it is hashed, the record takes in what the
/// copy did, the image (and source) are read again if asked, and the map,
/// log and final record are written last.
pub fn acquire_from(
    src: &mut dyn SectorSource,
    desc: &SourceDescription,
    out: &Path,
    opts: &AcquireOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Acquisition, AcquireError> {
    let path: PathBuf = desc.path.to_path_buf();
    let total = src.size().map_err(|source| AcquireError::OpenSource {
        path: path.clone(),
        source,
    })?;
    create_out(out)?;
    let offset_at = |t: i64| Timestamp::at(t, (opts.local_offset)(t));
    let mut rec = first_record(desc, opts, total, offset_at(now()));
    persist::write_record(out, &rec)?;

    let imaged = write_image(src, desc, out, opts, true, total, cancel, progress)?;
    let image_path = out.join(super::split::segment_name(
        opts.split.is_some_and(|s| s > 0),
        0,
    ));
    let bad = imaged.copied.bad.clone();
    let result = take_in(&mut rec, imaged, total, image_path);
    let end = End {
        verify: opts.verify,
        total,
        bad,
        result,
    };
    end_run(src, desc, out, opts, rec, end, cancel, progress)
}

/// How a run's copy ended, for [`end_run`].
pub(super) struct End {
    /// Whether to read the image (and source) again.
    pub(super) verify: bool,
    /// The source's size, when known.
    pub(super) total: Option<u64>,
    /// The bad ranges, for the map.
    pub(super) bad: BadRanges,
    /// The copy's outcome.
    pub(super) result: Result<(), AcquireError>,
}

/// The last phases of a run: the verification when asked (and the copy
/// completed), the end time, and the map, log and final record.
#[allow(clippy::too_many_arguments)]
pub(super) fn end_run(
    src: &mut dyn SectorSource,
    desc: &SourceDescription,
    out: &Path,
    opts: &AcquireOptions,
    mut rec: AcquisitionRecord,
    end: End,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Acquisition, AcquireError> {
    let End {
        verify,
        total,
        bad,
        mut result,
    } = end;
    if rec.complete && verify {
        let path = desc.path.to_path_buf();
        let verified = super::verify::verify_all(src, &path, out, &rec, opts, cancel, progress);
        match verified {
            Ok(Some(v)) => rec.verification = Some(v),
            // Interrupted during verification: the image is complete but
            // the verification did not happen; say so.
            Ok(None) => rec.stopped = Some("interrupted during verification".into()),
            Err(e) => {
                rec.stopped = Some(format!("verification failed: {e}"));
                result = Err(e);
            }
        }
    }
    let ended = now();
    rec.ended = Some(Timestamp::at(ended, (opts.local_offset)(ended)));
    // On a full disk the record may not fit either; the first error is the
    // one to report.
    let files = finish_files(out, &rec, &bad, total, ended);
    result?;
    files?;
    Ok(Acquisition {
        dir: out.to_path_buf(),
        record: rec,
    })
}

/// The record as written before the first byte is read: incomplete,
/// "running", with what is known of the source, the host and the options.
pub(super) fn first_record(
    desc: &SourceDescription,
    opts: &AcquireOptions,
    total: Option<u64>,
    started: Timestamp,
) -> AcquisitionRecord {
    let sector = desc.logical_sector_size.max(1);
    AcquisitionRecord {
        v: RECORD_VERSION,
        complete: false,
        stopped: Some("running".into()),
        case: opts.case.clone(),
        source: SourceRecord {
            path: desc.path.clone(),
            kind: desc.kind,
            size: total,
            sectors: total.map(|t| t.div_ceil(u64::from(sector))),
            logical_sector_size: desc.logical_sector_size,
            physical_sector_size: desc.physical_sector_size,
            device: desc.device.clone(),
            format: None,
            ewf: None,
        },
        host: super::device::host(),
        tool: ToolInfo::this(),
        command_line: opts.command_line.clone(),
        started,
        ended: None,
        block_size: opts.hash.block_size.max(4096) as u64,
        retries: opts.retries,
        image: ImageRecord {
            format: "raw".into(),
            size: 0,
            split_size: opts.split,
            segments: Vec::new(),
            map_file: MAP_FILE.into(),
        },
        hashes: BTreeMap::new(),
        hash_coverage: HASH_COVERAGE.into(),
        pieces: None,
        bad_sectors: BadSectorRecord {
            sector_size: sector,
            count: 0,
            bytes: 0,
            ranges: Vec::new(),
        },
        verification: None,
    }
}

/// What the copy into the image left behind.
pub(super) struct Imaged {
    /// What was read.
    pub(super) copied: Copied,
    /// The image files, as far as they were written.
    segments: Vec<Segment>,
    /// Bytes that reached the image files.
    written: u64,
    /// The digests of what the writer took.
    hashed: Result<HashResult, AcquireError>,
    /// The first error of the reading or the writing.
    result: Result<(), AcquireError>,
}

/// Copy the whole source into the image files while hashing it (or, when
/// `write` is false, only hash it: `--no-image` of an EWF set).
#[allow(clippy::too_many_arguments)]
pub(super) fn write_image(
    src: &mut dyn SectorSource,
    desc: &SourceDescription,
    out: &Path,
    opts: &AcquireOptions,
    write: bool,
    total: Option<u64>,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Imaged, AcquireError> {
    // The image is written on the engine's stage thread, block by block,
    // before the hashes see the block: reading, writing and hashing
    // overlap, and the digests cover exactly the bytes the writer took.
    let shared = Arc::new(Mutex::new(WriteStage {
        writer: match write {
            true => Some(ImageWriter::new(out, opts.split)?),
            false => None,
        },
        error: None,
    }));
    let stage = Arc::clone(&shared);
    let mut hasher = match write {
        false => MultiHasher::new(&opts.hash),
        true => MultiHasher::with_stage(
            &opts.hash,
            Box::new(move |data| {
                let mut st = stage.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(w) = st.writer.as_mut() else {
                    return false;
                };
                match w.write(data) {
                    Ok(()) => true,
                    Err(e) => {
                        st.error = Some(e);
                        false
                    }
                }
            }),
        ),
    };
    let policy = ReadPolicy {
        sector_size: desc.logical_sector_size.max(1) as usize,
        retries: opts.retries,
    };
    let mut report = |done, bad| {
        progress(&Progress {
            phase: Phase::Acquire,
            done,
            total,
            bad_sectors: bad,
        })
    };
    let path = desc.path.to_path_buf();
    let (copied, mut result) = copy(src, &path, total, policy, &mut hasher, cancel, &mut report);
    // Waits for the writer to drain its queue: everything read is written
    // (or the write error is known) after this.
    let hashed = hasher.finish().map_err(AcquireError::Hash);
    // Without an image, the bytes hashed are the bytes "written".
    let hashed_size = hashed.as_ref().map_or(0, |h| h.size);
    let (writer, write_error) = {
        let mut st = shared.lock().unwrap_or_else(PoisonError::into_inner);
        (st.writer.take(), st.error.take())
    };
    if let Some(e) = write_error {
        result = Err(e);
    }
    let (mut segments, mut written) = (Vec::new(), if write { 0 } else { hashed_size });
    if let Some(writer) = writer {
        segments = writer.segments().to_vec();
        written = writer.written();
        match writer.finish() {
            Ok(s) => segments = s,
            Err(e) => result = result.and(Err(e)),
        }
    }
    Ok(Imaged {
        copied,
        segments,
        written,
        hashed,
        result,
    })
}

/// Take what the copy did into the record: image files and size, digests,
/// the source's size when it was a stream, the bad sectors, whether it is
/// complete and why it stopped. Returns the copy's outcome.
pub(super) fn take_in(
    rec: &mut AcquisitionRecord,
    imaged: Imaged,
    total: Option<u64>,
    image_path: PathBuf,
) -> Result<(), AcquireError> {
    let Imaged {
        copied,
        segments,
        written,
        hashed,
        mut result,
    } = imaged;
    rec.image.segments = segments;
    if let Ok(h) = &hashed {
        rec.hashes = hex_map(h);
        rec.pieces = h.pieces.as_ref().map(PiecesRecord::from);
    }
    // What is in the image files (less than what was read only when a
    // write failed). The record never claims bytes the files do not hold.
    if result.is_ok() && written != copied.bytes {
        result = Err(AcquireError::Write {
            path: image_path,
            source: std::io::Error::other(format!(
                "{written} of {} bytes read reached the image",
                copied.bytes
            )),
        });
    }
    rec.image.size = written;
    let sector = u64::from(rec.bad_sectors.sector_size);
    if total.is_none() {
        rec.source.size = Some(copied.bytes);
        rec.source.sectors = Some(copied.bytes.div_ceil(sector));
    }
    rec.bad_sectors.count = copied.bad_sectors;
    rec.bad_sectors.bytes = copied.bad.bytes();
    rec.bad_sectors.ranges = copied.bad.ranges().to_vec();
    let result = result.and(hashed.map(|_| ()));
    rec.complete = result.is_ok() && !copied.cancelled;
    rec.stopped = match &result {
        Err(e) => Some(e.to_string()),
        Ok(()) if copied.cancelled => Some("interrupted".into()),
        Ok(()) => None,
    };
    result
}

/// Write the map file, the log and the final record.
pub(super) fn finish_files(
    out: &Path,
    rec: &AcquisitionRecord,
    bad: &BadRanges,
    total: Option<u64>,
    ended: i64,
) -> Result<(), AcquireError> {
    let cmd = rec.command_line.join(" ");
    let header = MapHeader {
        version: &rec.tool.version,
        command_line: &cmd,
        started: &rec.started.utc,
        now: &crate::model::format_rfc3339_utc(ended),
    };
    let map = render_map(&header, bad, rec.image.size, total, rec.complete);
    let views = persist::write_atomic(out, MAP_FILE, map.as_bytes())
        .and_then(|()| persist::write_atomic(out, LOG_FILE, render_log(rec).as_bytes()));
    match views {
        Ok(()) => persist::write_record(out, rec),
        Err(e) => {
            // The record is the only claim of completion: without its map
            // and log the acquisition is not complete.
            let mut stopped = rec.clone();
            stopped.complete = false;
            stopped.stopped = Some(e.to_string());
            let _ = persist::write_record(out, &stopped);
            Err(e)
        }
    }
}
