//! Acquisition: image a block device, an image file or a stream into a new
//! directory, hashing on the fly, with exact bad-sector handling.
//!
//! The directory receives the image (`image.raw`, or `image.000`, ...), the
//! record (`acquisition.json`, see [`crate::model::acquisition`]), a human log
//! (`acquisition.txt`) and a ddrescue map file (`image.map`).
//!
//! Invariants:
//! - The source is opened read-only and never written.
//! - The output directory is created by us (it must not exist), so an
//!   earlier acquisition is never overwritten.
//! - Every readable sector is kept; only sectors that stay unreadable after
//!   the retries are zero-filled, and each one is recorded.
//! - The record says `complete: true` only when the whole source was read
//!   and the image is on stable storage; it is written at the start (as
//!   incomplete) and replaced atomically at the end.
//! - The library never prints, never reads the environment or argv, never
//!   exits: the command line hands in the command line, the local time
//!   offset, a cancellation flag and a progress callback.

pub mod device;
mod ewf;
pub mod ewf_record;
mod ewf_source;
#[cfg(test)]
mod ewf_tests;
mod log;
pub mod map;
mod persist;
pub mod reader;
mod run;
pub mod split;
mod verify;

pub use crate::model::acquisition::{AcquisitionRecord, ByteRange, CaseInfo, Outcome, SourceKind};
pub use ewf::{MediaCheck, Originals, acquire_ewf, check_media, is_ewf};
pub use ewf_source::EwfMedia;
pub use map::BadRanges;
pub use persist::read_record;
pub use reader::{FileSource, SectorSource, StreamSource};
pub use run::acquire_from;
pub use verify::verify_image;

use crate::hash::HashOptions;
use crate::model::acquisition::DeviceInfo;
use crate::pathrepr::PathRepr;
use crate::source::{Input, OpenMode, open_evidence};
use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Default extra attempts per failing sector.
pub const DEFAULT_RETRIES: u32 = 3;

/// How to acquire.
#[derive(Debug, Clone)]
pub struct AcquireOptions {
    /// Algorithms, piecewise window and read size.
    pub hash: HashOptions,
    /// Extra attempts for each sector that fails.
    pub retries: u32,
    /// Segment size, to split the image.
    pub split: Option<u64>,
    /// Re-read the image (and a seekable source) afterwards and compare.
    pub verify: bool,
    /// Case information for the record.
    pub case: CaseInfo,
    /// The full command line, for the record.
    pub command_line: Vec<String>,
    /// The local time zone's offset from UTC in seconds at a Unix time.
    pub local_offset: fn(i64) -> i64,
}

impl Default for AcquireOptions {
    fn default() -> Self {
        AcquireOptions {
            hash: HashOptions::default(),
            retries: DEFAULT_RETRIES,
            split: None,
            verify: false,
            case: CaseInfo::default(),
            command_line: Vec::new(),
            local_offset: |_| 0,
        }
    }
}

/// What is being done, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the source and writing the image.
    Acquire,
    /// Re-reading the written image.
    VerifyImage,
    /// Re-reading the source.
    VerifySource,
    /// Copying an EWF set's segment files beside the record.
    CopyOriginals,
}

/// A progress report.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The current phase.
    pub phase: Phase,
    /// Bytes done in this phase.
    pub done: u64,
    /// Bytes to do, when known.
    pub total: Option<u64>,
    /// Unreadable sectors found so far.
    pub bad_sectors: u64,
}

/// The source as described before reading.
#[derive(Debug, Clone)]
pub struct SourceDescription {
    /// The path as given (`-` for standard input).
    pub path: PathRepr,
    /// Device, file or stream.
    pub kind: SourceKind,
    /// Logical sector size (the rescue granularity).
    pub logical_sector_size: u32,
    /// Physical sector size.
    pub physical_sector_size: u32,
    /// Device identification.
    pub device: Option<DeviceInfo>,
}

/// A finished (or stopped) acquisition.
#[derive(Debug, Clone)]
pub struct Acquisition {
    /// The output directory.
    pub dir: PathBuf,
    /// The record as written.
    pub record: AcquisitionRecord,
}

impl Acquisition {
    /// Whether unreadable sectors were found.
    pub fn has_bad_sectors(&self) -> bool {
        self.record.bad_sectors.count > 0
    }

    /// Whether a verification ran and failed.
    pub fn verification_failed(&self) -> bool {
        self.record
            .verification
            .as_ref()
            .is_some_and(|v| v.outcome == Outcome::Failed)
    }
}

/// Why an acquisition could not be done.
#[derive(Debug, thiserror::Error)]
pub enum AcquireError {
    /// The output directory exists already.
    #[error("output directory {} already exists", path.display())]
    OutExists {
        /// The directory.
        path: PathBuf,
    },
    /// The output directory could not be created.
    #[error("cannot create output directory {}: {source}", path.display())]
    CreateOut {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The source could not be opened or measured.
    #[error("cannot open source {}: {source}", path.display())]
    OpenSource {
        /// The source.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A stream failed (a stream cannot be re-read sector by sector).
    #[error("cannot read the input stream at byte {offset}: {source}")]
    StreamRead {
        /// Where.
        offset: u64,
        /// Why.
        source: io::Error,
    },
    /// The source's size changed while it was read.
    #[error("source {} changed size during acquisition (was {expected} bytes, now {actual})", path.display())]
    SourceChanged {
        /// The source.
        path: PathBuf,
        /// Size at the start.
        expected: u64,
        /// Size seen later.
        actual: u64,
    },
    /// Writing the image, map, record or log failed (a full disk, ...).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Reading the written image back failed.
    #[error("cannot read image {}: {source}", path.display())]
    ReadImage {
        /// The segment.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A record could not be read or parsed.
    #[error("cannot read acquisition record {}: {reason}", path.display())]
    Record {
        /// The record.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A hashing thread failed.
    #[error("hashing failed: {0}")]
    Hash(io::Error),
    /// An EWF set's structure is wrong (missing, extra, foreign or
    /// truncated segment, a bad section, table or header).
    #[error("{0}")]
    Ewf(crate::ewf::EwfError),
}

/// Open `input` read-only and describe it.
pub fn open_source(
    input: &Input,
) -> Result<(Box<dyn SectorSource + Send>, SourceDescription), AcquireError> {
    let path = match input {
        Input::Stdin => {
            let desc = SourceDescription {
                path: PathRepr::Text("-".into()),
                kind: SourceKind::Stream,
                logical_sector_size: 512,
                physical_sector_size: 512,
                device: None,
            };
            return Ok((Box::new(StreamSource::new(io::stdin())), desc));
        }
        Input::Path(p) => p,
    };
    let err = |source| AcquireError::OpenSource {
        path: path.clone(),
        source,
    };
    let file = open_evidence(path, OpenMode::Direct).map_err(err)?;
    let ft = file.metadata().map_err(err)?.file_type();
    let mut desc = SourceDescription {
        path: PathRepr::from_path(path),
        kind: SourceKind::File,
        logical_sector_size: 512,
        physical_sector_size: 512,
        device: None,
    };
    if ft.is_block_device() {
        let g = device::geometry(&file).map_err(err)?;
        desc.kind = SourceKind::Device;
        desc.logical_sector_size = g.logical;
        desc.physical_sector_size = g.physical;
        desc.device = Some(device::describe(&file, Path::new("/sys")));
        // A second descriptor with O_DIRECT serves the sector rescue, so a
        // bad sector fails alone instead of its whole cached page.
        let direct = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
            .ok();
        let src = FileSource::new(file, direct, g.logical as usize, true);
        Ok((Box::new(src), desc))
    } else if ft.is_file() {
        Ok((Box::new(FileSource::new(file, None, 512, false)), desc))
    } else {
        // Character devices, pipes, sockets: read once, in order.
        desc.kind = SourceKind::Stream;
        Ok((Box::new(StreamSource::new(file)), desc))
    }
}

/// Acquire `input` into the new directory `out`.
pub fn acquire(
    input: &Input,
    out: &Path,
    opts: &AcquireOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Acquisition, AcquireError> {
    let (mut src, desc) = open_source(input)?;
    acquire_from(src.as_mut(), &desc, out, opts, cancel, progress)
}

#[cfg(test)]
mod tests;
