//! The payload phase of `seal`: every planned file, in zip order, read
//! once, and in that one pass hashed (every algorithm, piecewise too) and
//! written into the zip; its digests go to the spilled per-file records.
//!
//! Small files in trees are read and hashed on worker threads, several at
//! once, and come back in order with their bytes, which then go into the
//! zip: still one read of the evidence, but many files in flight. Larger
//! files (and direct inputs, which may be devices) stream through the
//! calling thread.
//!
//! With an output that only goes forward (`seal --to`), a large regular
//! file is read once more, ahead of its entry, for its CRC-32 and size
//! ([`Pass::read_ahead`]): the hashes and the entry still come from the
//! one pass, which is checked against what was read ahead.
//!
//! A file that cannot be opened stops the seal unless unreadable files are
//! allowed (then it is recorded). A read error in the middle of a file
//! always stops the seal: its entry is already half written, and a bundle
//! with a partial file is worse than no bundle. So does a tree file whose
//! size changed since the walk.

use super::plan::{Plan, PlanFile};
use crate::bundle::sealopts::{SealError, SealOptions};
use crate::bundle::spill::{FileRecord, Records};
use crate::bundle::zip::{Method, ZipWriter};
use crate::crypt::ScratchFile;
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, HashResult, hash_bytes, hash_reader};
use crate::model::{self, UnreadableEntry};
use crate::pathrepr::PathRepr;
use crate::source::{OpenMode, open_evidence, ordered_map};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Tree files up to this size are read whole on worker threads.
const SMALL_FILE: u64 = 256 << 10;
/// At most this many small files wait in memory (bounds memory to
/// `SMALL_FILE * SMALL_IN_FLIGHT`).
const SMALL_IN_FLIGHT: usize = 64;
/// Read size of a streamed file: each of the hashing pool's blocks (and
/// the first block, kept per thread) is this large. 1 MiB instead of the
/// engine's 2 MiB default halves what a large file holds while it is
/// hashed and written (from 10 MiB to 5 MiB); the output staging is
/// another [`crate::direct::STAGING_BYTES`].
const STREAM_BLOCK: usize = 1 << 20;
/// With a forward-only output, files larger than what it holds back in
/// memory are read ahead ([`Pass::read_ahead`]).
const READ_AHEAD_PAST: u64 = super::sealed_out::HOLD_IN_MEMORY as u64;

/// What the payload phase produced, for the tag files.
pub(super) struct Payload {
    /// One record per sealed file, in zip order.
    pub records: Records,
    /// Payload bytes.
    pub total: u64,
    /// (original path, bag name) of the sealed files inside acquisition
    /// and capture directories, in zip order.
    pub acquired: Vec<(Vec<u8>, String)>,
}

/// The algorithms of a seal: SHA-256 and BLAKE3 always, and the extra
/// manifest algorithms asked for.
pub(super) fn algorithms(opts: &SealOptions) -> AlgorithmSet {
    let mut algos = vec![Algorithm::Sha256, Algorithm::Blake3];
    algos.extend(opts.extra_algorithms.iter().copied());
    AlgorithmSet::new(algos).unwrap_or_default()
}

/// The hash options of a payload file. A file no larger than one piece
/// has no piecewise hashes in the manifest (one piece would repeat its
/// BLAKE3): that second stream is skipped for it.
struct Hashing {
    pieces: HashOptions,
    whole: HashOptions,
    piece_size: u64,
}

impl Hashing {
    fn new(opts: &SealOptions, algos: &AlgorithmSet) -> Hashing {
        let pieces = HashOptions {
            algorithms: algos.clone(),
            piece_size: Some(opts.piece_size),
            piece_algorithm: model::PIECE_ALGORITHM,
            block_size: STREAM_BLOCK,
        };
        let whole = HashOptions {
            piece_size: None,
            ..pieces.clone()
        };
        Hashing {
            pieces,
            whole,
            piece_size: opts.piece_size,
        }
    }

    /// The options for a file known to be `size` bytes.
    fn for_size(&self, size: u64) -> &HashOptions {
        match size <= self.piece_size {
            true => &self.whole,
            false => &self.pieces,
        }
    }
}

/// A payload file as prepared by a worker.
enum Prepared {
    /// Read whole and hashed.
    Read(Vec<u8>, HashResult),
    /// Could not be opened.
    OpenFailed(io::Error),
    /// Opened but not read.
    ReadFailed(io::Error),
    /// Too large (or not a tree file): stream it on the calling thread.
    Stream,
}

/// Copies what it reads into the zip entry: the single read pass that
/// feeds the hashers also feeds the archive.
pub(super) struct Tee<'a, R: Read, W: Write> {
    pub inner: R,
    pub sink: &'a mut W,
}

impl<R: Read, W: Write> Read for Tee<'_, R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // A write failure must not look like a read failure of evidence.
        self.sink
            .write_all(&buf[..n])
            .map_err(|e| io::Error::other(WriteFailed(e)))?;
        Ok(n)
    }
}

/// A write that failed inside [`Tee`], told apart from a read failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct WriteFailed(pub io::Error);

/// Write every planned file into `zip` under `name/`, in zip order,
/// recording each in the spilled records; files that cannot be opened,
/// when that is allowed, go to `unreadable`. `progress` receives byte
/// counts. The records and the zip's central directory are kept in
/// unnamed scratch files beside the bundle (constant memory).
pub(super) fn write<W: Write + Seek>(
    opts: &SealOptions,
    name: &str,
    plan: Plan,
    algos: &AlgorithmSet,
    zip: &mut ZipWriter<W>,
    unreadable: &mut Vec<UnreadableEntry>,
    progress: &mut dyn FnMut(u64),
) -> Result<Payload, SealError> {
    let dir = opts.out_dir();
    let werr = |e| opts.write_error(e);
    let records = Records::new(dir, &format!(".{name}.zip-records.")).map_err(&werr)?;
    zip.spill_directory(
        ScratchFile::create(dir, &format!(".{name}.zip-directory.")).map_err(&werr)?,
    );
    let hashing = Hashing::new(opts, algos);
    let files = &plan.files;
    let work = |i: usize| (i, prepare(&files[i], &opts.inputs, &hashing));
    let mut pass = Pass {
        opts,
        name,
        hashing: &hashing,
        zip,
        unreadable,
        acquisitions: &plan.acquisitions,
        progress,
        out: Payload {
            records,
            total: 0,
            acquired: Vec::new(),
        },
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    ordered_map(
        plan.order.iter().map(|i| *i as usize),
        threads,
        SMALL_IN_FLIGHT,
        &work,
        &mut |(i, prepared)| pass.file(&files[i], prepared),
    )?;
    Ok(pass.out)
}

/// On a worker: read and hash a small tree file whole; leave any other
/// file to be streamed.
fn prepare(f: &PlanFile, inputs: &[PathBuf], hashing: &Hashing) -> Prepared {
    if f.mode != OpenMode::TreeEntry || f.size > SMALL_FILE {
        return Prepared::Stream;
    }
    match open_evidence(&f.src(inputs), f.mode) {
        Err(e) => Prepared::OpenFailed(e),
        Ok(file) => {
            let mut data = Vec::with_capacity(f.size as usize);
            match file.take(SMALL_FILE + 1).read_to_end(&mut data) {
                Ok(_) => {
                    let result = hash_bytes(&data, hashing.for_size(data.len() as u64));
                    Prepared::Read(data, result)
                }
                Err(e) => Prepared::ReadFailed(e),
            }
        }
    }
}

/// The calling thread's side of the payload phase: each file's entry and
/// record, in zip order.
struct Pass<'a, W: Write + Seek> {
    opts: &'a SealOptions,
    name: &'a str,
    hashing: &'a Hashing,
    zip: &'a mut ZipWriter<W>,
    unreadable: &'a mut Vec<UnreadableEntry>,
    acquisitions: &'a [Vec<u8>],
    progress: &'a mut dyn FnMut(u64),
    out: Payload,
}

impl<W: Write + Seek> Pass<'_, W> {
    /// One file: its entry, then its record.
    fn file(&mut self, f: &PlanFile, prepared: Prepared) -> Result<(), SealError> {
        let src = &f.src(&self.opts.inputs);
        let bag_name = f.name();
        let member = format!("{}/{bag_name}", self.name);
        let Some(result) = self.entry(f, src, &member, prepared)? else {
            return Ok(());
        };
        if f.mode == OpenMode::TreeEntry && result.size != f.size {
            return Err(SealError::Changed {
                path: src.clone(),
                expected: f.size,
                actual: result.size,
            });
        }
        self.out.total += result.size;
        self.record(f, &bag_name, &result)
    }

    /// Write the entry `member` of `f` (read from `src`); `None` when it
    /// could not be opened and is recorded as unreadable.
    fn entry(
        &mut self,
        f: &PlanFile,
        src: &Path,
        member: &str,
        prepared: Prepared,
    ) -> Result<Option<HashResult>, SealError> {
        let unreadable = |error| SealError::Unreadable {
            path: src.to_path_buf(),
            source: error,
        };
        match prepared {
            Prepared::Read(data, result) => {
                (self.progress)(data.len() as u64);
                self.zip
                    .add_bytes(member, self.opts.method, &data)
                    .map_err(|e| self.opts.write_error(e))?;
                Ok(Some(result))
            }
            Prepared::ReadFailed(error) => Err(unreadable(error)),
            Prepared::OpenFailed(error) => self.open_failed(f, error).map(|()| None),
            Prepared::Stream => match open_evidence(src, f.mode) {
                Ok(reader) => self.stream(f, src, member, reader).map(Some),
                Err(error) => self.open_failed(f, error).map(|()| None),
            },
        }
    }

    /// A file that cannot be opened: recorded when that is allowed, else
    /// the end of the seal.
    fn open_failed(&mut self, f: &PlanFile, error: io::Error) -> Result<(), SealError> {
        if !self.opts.allow_unreadable {
            return Err(SealError::Unreadable {
                path: f.src(&self.opts.inputs),
                source: error,
            });
        }
        self.unreadable.push(model::UnreadableEntry {
            original: PathRepr::from_bytes(f.rel()),
            error: error.to_string(),
        });
        Ok(())
    }

    /// Stream `reader` into the entry `member`, hashing it on the way.
    fn stream(
        &mut self,
        f: &PlanFile,
        src: &Path,
        member: &str,
        reader: std::fs::File,
    ) -> Result<HashResult, SealError> {
        let opts = self.opts;
        let werr = |e| opts.write_error(e);
        let known = self.read_ahead(f, src, &reader)?;
        // A pipe or a device gives no size before its end: its entry takes
        // ZIP64 sizes whatever comes (4 GiB or more through a pipe would
        // not fit the 32-bit fields, and is only known once written).
        let expected = match reader.metadata() {
            Ok(m) if m.is_file() => f.size,
            _ => u64::MAX,
        };
        let mut entry = match known {
            Some((size, crc)) => self.zip.start_entry_known(member, f.size, crc, size),
            None => self.zip.start_entry(member, opts.method, expected),
        }
        .map_err(werr)?;
        // A tree file that grows past one piece while it is read
        // stops the seal (`Changed`), so its size can be trusted.
        let o = match f.mode {
            OpenMode::TreeEntry => self.hashing.for_size(f.size),
            _ => &self.hashing.pieces,
        };
        let tee = Tee {
            inner: reader,
            sink: &mut entry,
        };
        let result = hash_reader(tee, o, self.progress).map_err(|e| {
            match e.get_ref().and_then(|r| r.downcast_ref::<WriteFailed>()) {
                Some(WriteFailed(w)) => werr(io::Error::new(w.kind(), w.to_string())),
                None => SealError::Unreadable {
                    path: src.to_path_buf(),
                    source: e,
                },
            }
        })?;
        entry.finish().map_err(|e| match known {
            Some(_) if e.kind() == io::ErrorKind::InvalidData => {
                SealError::ChangedContent(src.to_path_buf())
            }
            _ => werr(e),
        })?;
        Ok(result)
    }

    /// The size and CRC-32 of a large regular file, read ahead of its
    /// entry when the output only goes forward (`seal --to`): the entry's
    /// header is then final before its data, which goes straight on to be
    /// encrypted instead of being held back (and spilled to a scratch
    /// file) until the entry ends. Reading the file once more costs less
    /// than writing it to a scratch file and reading it back, encrypted
    /// both ways. `None` for a plain seal, deflate, what the hold-back
    /// keeps in memory anyway, and what is not a regular file (a device or
    /// a pipe cannot be read twice).
    fn read_ahead(
        &self,
        f: &PlanFile,
        src: &Path,
        reader: &std::fs::File,
    ) -> Result<Option<(u64, u32)>, SealError> {
        let opts = self.opts;
        if opts.recipients.is_empty() || opts.method != Method::Stored || f.size <= READ_AHEAD_PAST
        {
            return Ok(None);
        }
        let unreadable = |source| SealError::Unreadable {
            path: src.to_path_buf(),
            source,
        };
        if !reader.metadata().map_err(unreadable)?.is_file() {
            return Ok(None);
        }
        let mut buf = vec![0u8; 4 << 20];
        let mut crc = crc32fast::Hasher::new();
        let mut at = 0u64;
        loop {
            // Positioned reads: the pass that follows starts at 0.
            let n = match reader.read_at(&mut buf, at) {
                Ok(0) => return Ok(Some((at, crc.finalize()))),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(unreadable(e)),
            };
            crc.update(&buf[..n]);
            at += n as u64;
        }
    }

    /// The record of a sealed file, and its place among the acquired ones.
    fn record(
        &mut self,
        f: &PlanFile,
        bag_name: &str,
        result: &HashResult,
    ) -> Result<(), SealError> {
        let rel = f.rel();
        let pieces = result
            .pieces
            .as_ref()
            .map(|p| p.pieces.as_slice())
            .unwrap_or(&[]);
        let pieces: Vec<&[u8]> = if pieces.len() > 1 {
            pieces.iter().map(|p| p.digest.as_slice()).collect()
        } else {
            Vec::new()
        };
        let record = FileRecord::hashed(bag_name, rel, result, &pieces);
        self.out
            .records
            .push(&record)
            .map_err(|e| self.opts.write_error(e))?;
        if self.acquisitions.iter().any(|a| rel.starts_with(a)) {
            self.out.acquired.push((rel.to_vec(), bag_name.to_string()));
        }
        Ok(())
    }
}
