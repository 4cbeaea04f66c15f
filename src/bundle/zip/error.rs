//! Why a zip cannot be read ([`ZipError`]: the file as a whole) and why
//! an entry's data is bad ([`EntryDataError`]: found while streaming it).
//! Problems with single entries that the open pass finds are not errors
//! but issues ([`super::issue`]).

use super::damage::Damage;
use std::io;

/// Why a file cannot be read as a zip at all.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    /// I/O error.
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    /// Not a regular file (a directory, a device, a FIFO, a socket): never
    /// read, so that a FIFO cannot hang us and /dev/zero cannot feed us.
    #[error("it is {0}, not a bundle file")]
    NotAFile(&'static str),
    /// No end-of-central-directory record: truncated, or not a zip.
    #[error("not a zip file, or truncated: no end of central directory record")]
    NoEndRecord,
    /// An end record exists, but bytes follow it (in a file that is not
    /// a bundle; a bundle's are [`ZipError::Damaged`]).
    #[error("{trailing} bytes follow the last end of central directory record at {end}")]
    TrailingBytes {
        /// Where the last complete end record ends.
        end: u64,
        /// How many bytes follow it.
        trailing: u64,
    },
    /// The end records contradict each other or the file.
    #[error("corrupt end of central directory: {0}")]
    BadEndRecord(&'static str),
    /// The central directory the end record declares is not inside the
    /// file, or does not end where the end record starts.
    #[error(
        "corrupt end of central directory: it declares a central directory of {size} bytes at offset {offset}, but the directory must end at {end} in this file of {len} bytes"
    )]
    DirectoryOutside {
        /// Declared offset.
        offset: u64,
        /// Declared size.
        size: u64,
        /// Where the directory has to end (the end record's offset).
        end: u64,
        /// The file's length.
        len: u64,
    },
    /// Too many entries or too large a directory.
    #[error("central directory too large ({entries} entries, {bytes} bytes)")]
    TooLarge {
        /// Declared entries.
        entries: u64,
        /// Declared size.
        bytes: u64,
    },
    /// A central directory header is malformed.
    #[error("corrupt central directory at entry {index}: {reason}")]
    BadCentralHeader {
        /// 0-based index.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The file starts as a bundle (its first entry is in a bag), but it
    /// cannot be opened: what is damaged, and where.
    #[error("{0}")]
    Damaged(Box<Damage>),
}

impl ZipError {
    /// Whether this is a damaged bundle (the evidence is bad), rather than
    /// a file that is not a bundle or cannot be read.
    pub fn is_damaged(&self) -> bool {
        matches!(self, ZipError::Damaged(_))
    }

    /// Whether the error is about the file's structure (not the system's
    /// I/O, not the kind of file): then a file that starts as a bundle is
    /// a damaged one.
    pub(super) fn is_structural(&self) -> bool {
        match self {
            ZipError::Io(e) => e.kind() == io::ErrorKind::UnexpectedEof,
            // Over a limit is not damage: an intact bundle can be.
            ZipError::NotAFile(_) | ZipError::Damaged(_) | ZipError::TooLarge { .. } => false,
            _ => true,
        }
    }
}

/// Why an entry's data is bad, found while streaming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryDataError {
    /// More bytes than declared (a bomb, or a lie).
    #[error("data exceeds its declared size of {declared} bytes")]
    TooLong {
        /// Declared size.
        declared: u64,
    },
    /// Fewer bytes than declared.
    #[error("data ends after {actual} of {declared} declared bytes")]
    TooShort {
        /// Declared size.
        declared: u64,
        /// Bytes produced.
        actual: u64,
    },
    /// CRC-32 mismatch.
    #[error("CRC-32 mismatch (declared {declared:08x}, actual {actual:08x})")]
    Crc {
        /// Declared CRC.
        declared: u32,
        /// Computed CRC.
        actual: u32,
    },
    /// The deflate stream ends before the declared compressed size: the
    /// bytes after it were never read (another tool could show them).
    #[error(
        "{unused} bytes follow the end of the deflate stream inside the declared compressed size"
    )]
    TrailingData {
        /// Compressed bytes after the stream's end.
        unused: u64,
    },
    /// The deflate stream has no end marker within its compressed size.
    #[error("the deflate stream does not end within its declared compressed size")]
    Unterminated,
}
