//! The errors of the EWF reader: typed, carrying the file, the offset and
//! the expected and actual values.

use std::io;
use std::path::PathBuf;

use super::header::{HeaderProblem, InflateProblem};

/// Everything that can go wrong opening or reading an E01 set.
#[derive(Debug, thiserror::Error)]
pub enum EwfError {
    /// Reading a segment file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The segment file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The first file's name does not end in `.E01` (or `.e01`).
    #[error("{}: an EWF set is opened from its first segment, named *.E01", path.display())]
    NotFirstSegment {
        /// The path given.
        path: PathBuf,
    },
    /// The file does not start with the EWF-E01 signature.
    #[error("{}: not an EWF-E01 segment file (bad signature or file header)", path.display())]
    NotEwf {
        /// The file.
        path: PathBuf,
    },
    /// A segment file holds another segment number than its name says.
    #[error("{}: segment number {found} in a file named as segment {expected}", path.display())]
    SegmentNumber {
        /// The file.
        path: PathBuf,
        /// The number from its name.
        expected: u32,
        /// The number in its header.
        found: u16,
    },
    /// A segment the set needs does not exist.
    #[error("{}: missing segment (the previous one ends in a next section)", path.display())]
    MissingSegment {
        /// The file that should exist.
        path: PathBuf,
    },
    /// A file exists after the segment holding the `done` section.
    #[error("{}: extra segment after the last one (which ends in a done section)", path.display())]
    ExtraSegment {
        /// The extra file.
        path: PathBuf,
    },
    /// A section or field runs past the end of the file.
    #[error("{}: truncated: {what} at offset {offset} runs past the end of the file", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Offset of the section or field.
        offset: u64,
        /// What was being read.
        what: &'static str,
    },
    /// A length is above this reader's fixed bound.
    #[error("{}: {what} at offset {offset} is {len} bytes, above the limit of {limit}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Offset of the section.
        offset: u64,
        /// What was being read.
        what: &'static str,
        /// The length found.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// A section descriptor's Adler-32 does not match.
    #[error("{}: section descriptor at offset {offset}: Adler-32 expected {expected:08x}, actual {actual:08x}", path.display())]
    DescriptorChecksum {
        /// The file.
        path: PathBuf,
        /// Offset of the descriptor.
        offset: u64,
        /// Stored checksum.
        expected: u32,
        /// Computed checksum.
        actual: u32,
    },
    /// A section body's Adler-32 does not match.
    #[error("{}: {section} section at offset {offset}: Adler-32 expected {expected:08x}, actual {actual:08x}", path.display())]
    SectionChecksum {
        /// The file.
        path: PathBuf,
        /// Offset of the section descriptor.
        offset: u64,
        /// Which section (or part of one).
        section: &'static str,
        /// Stored checksum.
        expected: u32,
        /// Computed checksum.
        actual: u32,
    },
    /// A section type this reader does not accept.
    #[error("{}: unsupported section type {kind:?} at offset {offset}", path.display())]
    UnsupportedSection {
        /// The file.
        path: PathBuf,
        /// Offset of the descriptor.
        offset: u64,
        /// The type as stored (lossily decoded).
        kind: String,
    },
    /// The structure is wrong in a way the checksums do not cover.
    #[error("{}: offset {offset}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Offset of the section concerned.
        offset: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A `data` section disagrees with the first segment's `volume`: the
    /// segment probably belongs to another set.
    #[error("{}: data section at offset {offset}: {field} differs from the first segment's volume", path.display())]
    ForeignSegment {
        /// The file.
        path: PathBuf,
        /// Offset of the data section.
        offset: u64,
        /// The first field that differs.
        field: &'static str,
    },
    /// A header or header2 section could not be read.
    #[error("{}: {section} section at offset {offset}: {problem}", path.display())]
    Header {
        /// The file.
        path: PathBuf,
        /// Offset of the section.
        offset: u64,
        /// `header` or `header2`.
        section: &'static str,
        /// What is wrong.
        problem: HeaderProblem,
    },
    /// A chunk of media data failed its check.
    #[error("chunk {chunk} (media bytes {start}..{end}, {}): {problem}", path.display())]
    Chunk {
        /// Chunk number, from 0.
        chunk: u64,
        /// First media byte of the chunk.
        start: u64,
        /// One past its last media byte.
        end: u64,
        /// The segment file holding it.
        path: PathBuf,
        /// What is wrong.
        problem: ChunkProblem,
    },
    /// A chunk number at or past the chunk count was asked for (a caller's
    /// mistake, not a property of the set).
    #[error("chunk {index} asked for, but the set has {count} chunks")]
    ChunkIndex {
        /// The chunk number asked for.
        index: u64,
        /// The set's chunk count.
        count: u64,
    },
}

/// What is wrong with a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkProblem {
    /// An uncompressed chunk's Adler-32 does not match its data.
    Checksum {
        /// Stored checksum.
        expected: u32,
        /// Computed checksum.
        actual: u32,
    },
    /// An uncompressed chunk is not its data length plus 4 bytes.
    StoredLength {
        /// Data length plus 4.
        expected: u64,
        /// Stored length.
        actual: u64,
    },
    /// A compressed chunk is refused by the zlib decoder or its checks.
    Inflate(InflateProblem),
    /// A compressed chunk inflates to the wrong length.
    Length {
        /// The chunk size (the remainder for the last chunk).
        expected: u64,
        /// Inflated length.
        actual: u64,
    },
}

impl std::fmt::Display for ChunkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Checksum { expected, actual } => {
                write!(f, "Adler-32 expected {expected:08x}, actual {actual:08x}")
            }
            Self::StoredLength { expected, actual } => write!(
                f,
                "uncompressed chunk stored in {actual} bytes, expected {expected}"
            ),
            Self::Inflate(p) => write!(f, "compressed chunk: {p}"),
            Self::Length { expected, actual } => write!(
                f,
                "compressed chunk inflates to {actual} bytes, expected {expected}"
            ),
        }
    }
}

impl EwfError {
    /// Whether the error is about the media data's integrity (a chunk that
    /// fails its check: exit 1) rather than the set's structure (exit 2).
    pub fn is_data_mismatch(&self) -> bool {
        matches!(self, Self::Chunk { .. })
    }
}
