//! The acquisition record (`acquisition.json`, version 1, specified in
//! `docs/formats/acquisition.md`): everything a court or a later `seal`
//! needs to know about one acquisition, self-contained. A wire document:
//! `acquire` writes it (crash-safely, see `acquire::persist`), `seal`
//! summarises it into `manifest.json`'s items and `hash --json` shares its
//! piecewise form.
//!
//! Invariants: field names, order and types are the format (renaming or
//! reordering one changes every record written); parsing is strict
//! (unknown fields are an error). Nothing here touches the file system.

use super::time::{UnixTime, format_rfc3339_offset, format_rfc3339_utc};
use crate::pathrepr::PathRepr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// File name of the record inside an acquisition directory.
pub const RECORD_FILE: &str = "acquisition.json";

/// The record format version.
pub const RECORD_VERSION: u32 = 1;

/// The statement every record carries about what its hashes cover.
pub const HASH_COVERAGE: &str = "The image hashes cover the image as written: sectors that \
stayed unreadable after all retries are zero-filled in the image and listed in bad_sectors.";

/// What the hashes cover when the source was an EWF set and the image was
/// written.
pub const HASH_COVERAGE_EWF: &str = "The image hashes cover the image as written: the media \
data of the EWF set as stored, with any chunk that failed its check zero-filled; the ranges the \
set lists as unreadable when it was made hold what the acquiring tool stored for them. Both are \
listed in bad_sectors.";

/// What the hashes cover when the source was an EWF set and no image was
/// written (`--no-image`).
pub const HASH_COVERAGE_EWF_NO_IMAGE: &str = "No image was written: the hashes cover the media \
data decoded from the EWF set, with any chunk that failed its check zero-filled (bad_sectors \
lists those chunks and the set's own acquisition errors); the set's segments are kept beside the \
record, byte for byte.";

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
    /// The source's container format: absent for raw bytes (a device, a
    /// raw image file, a stream), `ewf` for an EWF-E01 segment set whose
    /// media data was imaged ([`super::acquisition_ewf::EWF_FORMAT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// What the EWF set said about itself and what was checked, when
    /// `format` is `ewf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ewf: Option<super::acquisition_ewf::EwfSource>,
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
    pub fn at(unix: UnixTime, offset: i64) -> Timestamp {
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
    /// `raw` (a plain byte-for-byte image), or `none` when only the
    /// original EWF segments were kept (`--no-image`).
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

/// Identification of a device as `/sys/block` exposes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    /// Kernel name of the whole disk (`sda`, `loop0`, `mmcblk0`).
    pub kernel_name: Option<String>,
    /// Model string.
    pub model: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Vendor string.
    pub vendor: Option<String>,
    /// Firmware revision.
    pub firmware: Option<String>,
    /// Whether the kernel flags the medium as removable.
    pub removable: Option<bool>,
    /// For a loop device, the file behind it.
    pub backing_file: Option<String>,
}

/// The host: name and operating system, from `uname`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostInfo {
    /// Host name.
    pub name: String,
    /// Kernel name (`Linux`).
    pub os: String,
    /// Kernel release.
    pub os_release: String,
    /// Kernel version string.
    pub os_version: String,
    /// Machine architecture.
    pub machine: String,
}

/// One file of the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// File name inside the acquisition directory.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A run of bytes: `length` bytes from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByteRange {
    /// Offset of the first byte.
    pub offset: u64,
    /// Number of bytes.
    pub length: u64,
}

impl ByteRange {
    /// The offset just past the range.
    pub fn end(&self) -> u64 {
        self.offset + self.length
    }
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
