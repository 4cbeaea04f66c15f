//! What `seal` is asked to do ([`SealOptions`]), what it produced
//! ([`SealSummary`]) and why it failed ([`SealError`]): kept apart from the
//! seal itself, so that the files that help it (`items.rs`, and the
//! phases in `seal/`) depend on these types and not on `seal/mod.rs`.

use super::SignFailure;
use super::zip::Method;
use crate::crypt::Encrypted;
use crate::hash::Algorithm;
use crate::model::CaseMeta;
use crate::sign::agekey::Recipient;
use std::borrow::Cow;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// What to seal and how.
#[derive(Debug, Clone)]
pub struct SealOptions {
    /// Files and directories to put under `data/`.
    pub inputs: Vec<PathBuf>,
    /// The bundle file to create (must not exist).
    pub out: PathBuf,
    /// Case and legal metadata (`case_reference` must be set).
    pub case: CaseMeta,
    /// BagIt manifest algorithms besides SHA-256 (sha512, sha1, md5).
    pub extra_algorithms: Vec<Algorithm>,
    /// Stored or deflate.
    pub method: Method,
    /// Record unopenable files instead of stopping.
    pub allow_unreadable: bool,
    /// Sealing time, Unix seconds (fixed for reproducible output).
    pub time: i64,
    /// The bundle id; `None` means a random UUIDv4, or when `reproducible`
    /// is set, one derived from the payload, time and case.
    pub bundle_id: Option<String>,
    /// Derive the bundle id from the content instead of at random.
    pub reproducible: bool,
    /// Piecewise hash window size (a power of two, at least 4 KiB).
    pub piece_size: u64,
    /// The software agent string for bag-info.txt and manifest.json.
    pub agent: String,
    /// Age recipients. When there are any, the bundle is encrypted to
    /// them as it is written (the plaintext bundle never touches the
    /// disk) and `out` is the encrypted file, whose name must end in
    /// `.age`; without any, `out` must not end in `.age`.
    pub recipients: Vec<Recipient>,
}

impl SealOptions {
    /// The directory the bundle is written in.
    pub(in crate::bundle) fn out_dir(&self) -> &Path {
        self.out
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    /// The bundle's own file name: `out`, less its `.age` when the bundle
    /// is encrypted (`case.zip.age` holds `case.zip`, whose bag is
    /// `case`). An encrypted output must end in `.age`, a plain one must
    /// not.
    pub fn bundle_path(&self) -> Result<Cow<'_, Path>, SealError> {
        let name = self.out.file_name().map_or(&[][..], |n| n.as_bytes());
        let age = name.len() > 4 && name.ends_with(b".age");
        match (self.recipients.is_empty(), age) {
            (true, false) => Ok(Cow::Borrowed(&self.out)),
            (true, true) => Err(SealError::PlainAge(self.out.clone())),
            (false, false) => Err(SealError::NotAge(self.out.clone())),
            (false, true) => Ok(Cow::Owned(self.out.with_extension(""))),
        }
    }

    /// A failure to write the bundle: it names the bundle the user asked
    /// for, never the temporary file it is written through.
    pub(in crate::bundle) fn write_error(&self, source: io::Error) -> SealError {
        SealError::Write {
            path: self.out.clone(),
            source,
        }
    }
}

/// What a seal produced.
#[derive(Debug, Clone)]
pub struct SealSummary {
    /// The bundle file.
    pub path: PathBuf,
    /// The bundle id.
    pub bundle_id: String,
    /// Payload files.
    pub files: u64,
    /// Payload bytes.
    pub bytes: u64,
    /// SHA-256 of the seal event file: the custody head.
    pub head: String,
    /// Files recorded as unreadable.
    pub unreadable: u64,
    /// Whether the seal event was signed.
    pub signed: bool,
    /// With recipients: the bundle's bytes (`plain_bytes`) and the
    /// ciphertext's size and SHA-256 (for the transmittal letter).
    pub encrypted: Option<Encrypted>,
}

/// Why a seal failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The output exists already.
    #[error("{} exists already; a bundle is never overwritten", .0.display())]
    OutputExists(PathBuf),
    /// An input read twice (ahead of its entry for `seal --to`, then for
    /// the entry and its hashes) was not the same both times.
    #[error("{} changed while being sealed (two reads of it differ)", .0.display())]
    ChangedContent(PathBuf),
    /// The output name has no usable stem.
    #[error("{} has no usable file name for the bag directory", .0.display())]
    BadOutputName(PathBuf),
    /// Recipients were given, but the output's name does not end in
    /// `.age`.
    #[error("{} is to be encrypted, but its name does not end in .age", .0.display())]
    NotAge(PathBuf),
    /// No recipients, but the output's name ends in `.age`.
    #[error("{} ends in .age, but no recipient was given: the bundle would not be encrypted", .0.display())]
    PlainAge(PathBuf),
    /// No payload file at all.
    #[error("nothing to seal: the inputs hold no readable file")]
    Empty,
    /// An input named on the command line does not exist: a typo, never
    /// an unreadable file to record.
    #[error("{} does not exist", .0.display())]
    InputMissing(PathBuf),
    /// An acquisition record's E01 check claims what its own numbers or
    /// kept segments do not show.
    #[error("{}: its E01 check does not hold together: {why}", .path.display())]
    EwfClaim {
        /// The record.
        path: PathBuf,
        /// What disagrees.
        why: String,
    },
    /// A kept E01 segment of an acquisition directory is not the one the
    /// record says was checked.
    #[error("{} is not the original E01 segment checked at acquisition: its SHA-256 is {actual}, the record says {expected}", .path.display())]
    ChangedOriginal {
        /// The segment file.
        path: PathBuf,
        /// SHA-256 in acquisition.json.
        expected: String,
        /// SHA-256 of the file sealed.
        actual: String,
    },
    /// A capture directory that has not ended.
    #[error("{} is a capture that has not ended (capture.open and no capture.json: still running, or killed)", .0.display())]
    OpenCapture(PathBuf),
    /// A capture directory's `capture.json` or meta file is not valid.
    #[error("{} is not a valid capture file: {reason}", .path.display())]
    BadCapture {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The directory the bundle is to be written in does not exist.
    #[error("{} cannot be written: its directory {} does not exist", .out.display(), .dir.display())]
    NoOutputDir {
        /// The bundle asked for.
        out: PathBuf,
        /// Its missing directory.
        dir: PathBuf,
    },
    /// The piece size cannot be used for the manifest's pieces.
    #[error("piece size {0} is not a power of two of at least 4096")]
    BadPieceSize(u64),
    /// An input could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable {
        /// The input.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// An input changed size while it was sealed.
    #[error("{} changed while being sealed (expected {expected} bytes, read {actual})", .path.display())]
    Changed {
        /// The input.
        path: PathBuf,
        /// Size seen by the walk.
        expected: u64,
        /// Bytes read.
        actual: u64,
    },
    /// Writing the bundle failed.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The signer failed.
    #[error("cannot sign the seal event: {0}")]
    Sign(#[from] SignFailure),
    /// A member of the original bundle (`export`) could not be read.
    #[error("cannot read {member} of the original bundle: {source}")]
    Original {
        /// The member, relative to the bag.
        member: String,
        /// Why.
        source: io::Error,
    },
    /// A disclosed file (`export`) is not what the original's manifest.json
    /// records: the original changed since it was verified.
    #[error(
        "{path} differs from the original's manifest.json ({field}: expected {expected}, read {actual})"
    )]
    Differs {
        /// The bag path.
        path: String,
        /// The field that differs.
        field: String,
        /// The original's record.
        expected: String,
        /// What was read.
        actual: String,
    },
}
