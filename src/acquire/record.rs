//! The acquisition record (`acquisition.json`, version 1, specified in
//! `docs/formats/acquisition.md`): everything a court or a later `seal`
//! needs to know about one acquisition, self-contained.
//!
//! Invariants: the record is replaced atomically (temporary file, fsync,
//! rename, directory fsync), so it is always either the previous version or
//! the new one; `complete` is true only once the whole source was read and
//! the image is on stable storage.

use super::AcquireError;
use super::device::{DeviceInfo, HostInfo};
use super::map::ByteRange;
use super::split::Segment;
use crate::model::{format_rfc3339_offset, format_rfc3339_utc};
use crate::pathrepr::PathRepr;
use crate::testhook::{self, Op};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::Path;

/// The record format version.
pub const RECORD_VERSION: u32 = 1;

/// File name of the record inside an acquisition directory.
pub const RECORD_FILE: &str = "acquisition.json";

/// File name of the human log.
pub const LOG_FILE: &str = "acquisition.txt";

/// File name of the ddrescue map file.
pub const MAP_FILE: &str = "image.map";

/// The statement every record carries about what its hashes cover.
pub const HASH_COVERAGE: &str = "The image hashes cover the image as written: sectors that \
stayed unreadable after all retries are zero-filled in the image and listed in bad_sectors.";

/// The acquisition record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcquisitionRecord {
    /// Format version ([`RECORD_VERSION`]).
    pub v: u32,
    /// True only when the whole source was read and the image is durable.
    pub complete: bool,
    /// Why the acquisition stopped early (`interrupted`, or an error).
    pub stopped: Option<String>,
    /// Case information given by the examiner.
    pub case: CaseInfo,
    /// What was imaged.
    pub source: SourceRecord,
    /// The machine that imaged it.
    pub host: HostInfo,
    /// The tool that imaged it.
    pub tool: ToolInfo,
    /// The full command line, one argument per element.
    pub command_line: Vec<String>,
    /// When the acquisition started.
    pub started: Timestamp,
    /// When it ended (absent while running).
    pub ended: Option<Timestamp>,
    /// Read size in bytes.
    pub block_size: u64,
    /// Extra attempts per failing sector.
    pub retries: u32,
    /// The image files.
    pub image: ImageRecord,
    /// Digests of the image (algorithm name to lower-case hex).
    pub hashes: BTreeMap<String, String>,
    /// What the hashes cover ([`HASH_COVERAGE`]).
    pub hash_coverage: String,
    /// Piecewise SHA-256 of the image, when requested.
    pub pieces: Option<PiecesRecord>,
    /// The unreadable, zero-filled ranges.
    pub bad_sectors: BadSectorRecord,
    /// The verification, when `--verify` was given.
    pub verification: Option<Verification>,
}

/// Case information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseInfo {
    /// Case identifier.
    pub case_id: Option<String>,
    /// Evidence item identifier.
    pub item_id: Option<String>,
    /// Examiner's name.
    pub examiner: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// The kind of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A block device.
    Device,
    /// A regular file (an image file).
    File,
    /// A stream (standard input or a pipe), read once.
    Stream,
}

/// The source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    /// The path as given (`-` for standard input).
    pub path: PathRepr,
    /// Device, file or stream.
    pub kind: SourceKind,
    /// Size in bytes (for a stream: the bytes read).
    pub size: Option<u64>,
    /// Size in logical sectors (rounded up).
    pub sectors: Option<u64>,
    /// Logical sector size (512 for files and streams).
    pub logical_sector_size: u32,
    /// Physical sector size.
    pub physical_sector_size: u32,
    /// Device identification, for devices.
    pub device: Option<DeviceInfo>,
}

/// The tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    /// `evidentia`.
    pub name: String,
    /// Its version.
    pub version: String,
}

impl ToolInfo {
    /// This build.
    pub fn this() -> ToolInfo {
        ToolInfo {
            name: "evidentia".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// A moment, in UTC and in the local time of the acquiring machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timestamp {
    /// RFC 3339 in UTC (`...Z`).
    pub utc: String,
    /// RFC 3339 with the local offset (`...+02:00`).
    pub local: String,
}

impl Timestamp {
    /// The moment `unix` seen from a zone `offset` seconds east of UTC.
    pub fn at(unix: i64, offset: i64) -> Timestamp {
        Timestamp {
            utc: format_rfc3339_utc(unix),
            local: format_rfc3339_offset(unix, offset),
        }
    }
}

/// The image files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRecord {
    /// Always `raw` (a plain byte-for-byte image).
    pub format: String,
    /// Total bytes in the image.
    pub size: u64,
    /// Segment size when split.
    pub split_size: Option<u64>,
    /// The files, in order; concatenated they are the image.
    pub segments: Vec<Segment>,
    /// The ddrescue map file's name.
    pub map_file: String,
}

/// Piecewise hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PiecesRecord {
    /// Window size in bytes.
    pub size: u64,
    /// The windows.
    pub sha256: Vec<PieceRecord>,
}

/// One window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PieceRecord {
    /// Offset of the window.
    pub offset: u64,
    /// Its length.
    pub len: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

impl From<&crate::hash::Pieces> for PiecesRecord {
    /// The wire form of piecewise hashes (also used by `hash --json`).
    fn from(p: &crate::hash::Pieces) -> PiecesRecord {
        // Acquisition and `hash --piece` always use SHA-256 pieces.
        debug_assert_eq!(p.algorithm, crate::hash::PieceAlgorithm::Sha256);
        PiecesRecord {
            size: p.size,
            sha256: p
                .pieces
                .iter()
                .map(|x| PieceRecord {
                    offset: x.offset,
                    len: x.len,
                    sha256: crate::hash::to_hex(&x.digest),
                })
                .collect(),
        }
    }
}

/// Unreadable sectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadSectorRecord {
    /// Sector size the ranges were found with.
    pub sector_size: u32,
    /// Number of unreadable sectors.
    pub count: u64,
    /// Number of unreadable (zero-filled) bytes.
    pub bytes: u64,
    /// The ranges, sorted and merged.
    pub ranges: Vec<ByteRange>,
}

/// Overall outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every comparison matched.
    Passed,
    /// At least one did not.
    Failed,
}

/// What `--verify` compared and found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// Passed only when every check matched.
    pub outcome: Outcome,
    /// The comparisons made.
    pub checks: Vec<Check>,
    /// Why the source was not re-read, when it was not.
    pub source_not_checked: Option<String>,
    /// When verification ended.
    pub ended: Timestamp,
}

/// One comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// `image` (the files written) or `source` (a second read of the source).
    pub target: String,
    /// In words: what was read and compared with what.
    pub compared: String,
    /// Whether the page cache was dropped before reading (so the bytes came
    /// from the disk, not from memory).
    pub page_cache_dropped: bool,
    /// Bytes read.
    pub size: u64,
    /// Digests of the re-read.
    pub hashes: BTreeMap<String, String>,
    /// Whether size and every digest equal the acquisition's.
    pub matches: bool,
}

/// Replace `dir/name` atomically with `data`: written to
/// `.NAME.evidentia-tmp`, flushed, renamed into place, directory flushed.
/// A failed write removes the temporary file.
pub fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> Result<(), AcquireError> {
    // The same suffix as every temporary output (bundle::TMP_SUFFIX).
    let tmp = dir.join(format!(".{name}.evidentia-tmp"));
    let path = dir.join(name);
    let written = (|| {
        testhook::op(Op::Create, &tmp)?;
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        testhook::write_all(&mut f, &tmp, data)?;
        testhook::op(Op::Sync, &tmp)?;
        f.sync_all()?;
        testhook::op(Op::Rename, &path)?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(AcquireError::Write { path, source });
    }
    super::split::sync_dir(dir)
}

/// Write the record as pretty JSON.
pub fn write_record(dir: &Path, record: &AcquisitionRecord) -> Result<(), AcquireError> {
    let mut json = serde_json::to_vec_pretty(record).map_err(|e| AcquireError::Write {
        path: dir.join(RECORD_FILE),
        source: std::io::Error::other(e),
    })?;
    json.push(b'\n');
    write_atomic(dir, RECORD_FILE, &json)
}

/// Read a record back (for `seal` and for tests).
pub fn read_record(dir: &Path) -> Result<AcquisitionRecord, AcquireError> {
    let path = dir.join(RECORD_FILE);
    let bytes = std::fs::read(&path).map_err(|source| AcquireError::Record {
        path: path.clone(),
        reason: source.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| AcquireError::Record {
        path,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_carry_the_offset() {
        let t = Timestamp::at(0, 2 * 3600 + 30 * 60);
        assert_eq!(t.utc, "1970-01-01T00:00:00Z");
        assert_eq!(t.local, "1970-01-01T02:30:00+02:30");
        let w = Timestamp::at(0, -5 * 3600);
        assert_eq!(w.local, "1969-12-31T19:00:00-05:00");
    }
}
