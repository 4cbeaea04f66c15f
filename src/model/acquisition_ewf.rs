//! The `source.ewf` block of an acquisition record (specified in
//! `docs/formats/acquisition.md`, "Sources in EWF-E01 format"): what an E01
//! segment set made by another tool said about itself, and exactly what
//! evidentia checked of it and found.
//!
//! Invariants: a wire document like the rest of the record (field names,
//! order and types are the format; parsing is strict). Text from the E01's
//! header is untrusted: it is stored as decoded, with the encoding it was
//! decoded from, and sanitized only where it is shown.

use super::acquisition::ByteRange;
use serde::{Deserialize, Serialize};

/// `source.format` of a record whose source was an EWF-E01 segment set.
pub const EWF_FORMAT: &str = "ewf";

/// The statement recorded (and printed) when the set stores no hash.
pub const NO_STORED_HASH: &str =
    "no stored hash: integrity cannot be checked against the original acquisition";

/// Most chunk errors listed one by one (the total is always counted).
pub const MAX_CHUNK_ERRORS: usize = 1000;

/// The E01 set as read, and what was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwfSource {
    /// The segment files, in order (`NAME.E01`, `NAME.E02`, ...).
    pub segments: Vec<EwfSegment>,
    /// Media type from the volume section (`fixed`, `removable`,
    /// `optical`, `memory`, `logical`, or `unknown 0xNN`).
    pub media_type: String,
    /// Bytes per sector.
    pub bytes_per_sector: u32,
    /// Sectors per chunk.
    pub sectors_per_chunk: u32,
    /// Number of chunks.
    pub chunk_count: u64,
    /// Number of sectors of the media.
    pub sector_count: u64,
    /// Compression level from the volume section (`none`, `fast`, `best`,
    /// or `unknown N`), or from an FTK Imager header's `r` key when the
    /// volume says none (`fast (from the header's r key; ...)`).
    pub compression: String,
    /// Segment set identifier, lower-case hex (all zeros when the acquiring
    /// tool wrote none; then it cannot tell sets apart).
    pub set_identifier: String,
    /// The case metadata from the header, when the set has one.
    pub header: Option<EwfHeader>,
    /// The hashes the acquiring tool stored (lower-case hex).
    pub stored_hashes: EwfStoredHashes,
    /// Sector runs the acquiring tool could not read (its `error2`
    /// section), in bytes; also in `bad_sectors` and the map.
    pub acquisition_errors: Vec<ByteRange>,
    /// What evidentia checked and found.
    pub integrity: EwfIntegrity,
}

/// One segment file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwfSegment {
    /// File name (as found beside the first segment).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file, when it was copied beside the record
    /// (`--keep-original` or `--no-image`): the copy is the file checked.
    pub sha256: Option<String>,
}

/// The header's case metadata, each value as stored (absent when the
/// header has no such key or leaves it empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwfHeader {
    /// Which section the values come from: `header2` (UTF-16) or `header`.
    pub section: String,
    /// How its text was decoded: `utf-16le`, `utf-16be`, `ascii`, or
    /// `windows-1252 (assumed: the header section does not name its codepage)`.
    pub encoding: String,
    /// Case number (`c`).
    pub case_number: Option<String>,
    /// Evidence number (`n`).
    pub evidence_number: Option<String>,
    /// Description (`a`).
    pub description: Option<String>,
    /// Examiner (`e`).
    pub examiner: Option<String>,
    /// Notes (`t`).
    pub notes: Option<String>,
    /// When the original acquisition was made (`m`).
    pub acquisition_date: Option<EwfDate>,
    /// The acquiring machine's clock at that moment (`u`).
    pub system_date: Option<EwfDate>,
    /// Acquiring software and version (`av`).
    pub software: Option<String>,
    /// Acquiring operating system (`ov`).
    pub os: Option<String>,
    /// Media model (`md`).
    pub model: Option<String>,
    /// Media serial number (`sn`).
    pub serial: Option<String>,
}

/// A date from the header: as stored, and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwfDate {
    /// The value exactly as stored.
    pub given: String,
    /// RFC 3339 in UTC, when the stored form fixes the moment (`header2`
    /// stores POSIX seconds).
    pub utc: Option<String>,
    /// The acquiring machine's local time without a zone (`header` stores
    /// `2002 3 4 10 19 59`; the zone is not recorded in the file).
    pub local_no_zone: Option<String>,
}

/// The stored hashes, lower-case hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwfStoredHashes {
    /// MD5 from the `hash` (or `digest`) section.
    pub md5: Option<String>,
    /// SHA-1 from the `digest` section.
    pub sha1: Option<String>,
}

/// The outcome of checking the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EwfOutcome {
    /// Structure and every chunk checked, every stored hash recomputed over
    /// all the media and equal.
    Verified,
    /// A chunk or a stored hash did not match.
    Failed,
    /// Structure and every chunk checked, but the set stores no hash.
    NoStoredHash,
    /// Not all the media was read (interrupted or a read error).
    Incomplete,
}

/// What evidentia checked and found. `outcome` is `verified` only when
/// every listed check ran over the whole media and passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwfIntegrity {
    /// The result.
    pub outcome: EwfOutcome,
    /// The result in words (for a stored-hash-less set, [`NO_STORED_HASH`]).
    pub statement: String,
    /// The checks that ran, in words, in order.
    pub checks: Vec<String>,
    /// Media bytes read and checked.
    pub media_bytes_read: u64,
    /// Chunks read and checked.
    pub chunks_checked: u64,
    /// Chunks whose check failed (zero-filled in the image).
    pub chunks_failed: u64,
    /// The failed chunks (the first [`MAX_CHUNK_ERRORS`]).
    pub chunk_errors: Vec<EwfChunkError>,
    /// The stored MD5 against the MD5 of the media read.
    pub md5: Option<HashComparison>,
    /// The stored SHA-1 against the SHA-1 of the media read.
    pub sha1: Option<HashComparison>,
}

/// One chunk whose check failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwfChunkError {
    /// Chunk number (from 0).
    pub chunk: u64,
    /// Its byte range in the media.
    pub range: ByteRange,
    /// The segment file holding it.
    pub segment: String,
    /// What was wrong, with the expected and actual values.
    pub problem: String,
}

/// A stored digest against the recomputed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashComparison {
    /// As stored in the set.
    pub stored: String,
    /// As computed over the media read.
    pub computed: String,
    /// Whether they are equal (and the whole media was read).
    pub matches: bool,
}
