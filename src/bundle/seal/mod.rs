//! `seal`: walk the inputs, stream every file into the zip while hashing it
//! in the same read pass, then write the BagIt tag files, the rich manifest
//! and the signed seal event. One phase per file:
//!
//! - [`plan`]: the walk ([`walk`]), the bag names and the zip order;
//! - [`payload`]: every file read once, hashed and written;
//! - [`tags`]: the manifests and manifest.json ([`manifests`]), bag-info,
//!   the tag manifest and the signed seal event.
//!
//! This file checks what can be checked before a byte is read, and owns the
//! output: a temporary file beside the bundle, renamed into place only when
//! complete and flushed, removed on any failure. With recipients, the
//! bundle is encrypted as it is written ([`sealed_out`]). What `seal` is
//! asked and what it answers are in `sealopts.rs`. A derived bundle
//! (`evidentia export`) is written by the same phases ([`derived`]).

mod derived;
mod manifests;
mod payload;
mod plan;
mod sealed_out;
mod tags;
mod walk;

use super::EventSigner;
use super::layout;
use super::sealopts::{SealError, SealOptions, SealSummary};
use super::zip::{DosTime, ZipWriter};
use crate::atomic::{TMP_SUFFIX, TempOut, remove_stale, rename_noreplace};
use crate::direct::DirectOut;
use crate::model;
use crate::testhook::{self, Op};
use std::io::{self, Seek, Write};
use std::path::Path;

pub use derived::{Derived, Disclosed, Staged, TagSource, write_derived};

/// Seal `opts.inputs` into a new bundle at `opts.out` (encrypted to
/// `opts.recipients` when there are any), signing the seal event with
/// `signer` (an unsigned seal when `None`). `progress` receives payload
/// byte counts.
pub fn seal(
    opts: &SealOptions,
    signer: Option<&dyn EventSigner>,
    progress: &mut dyn FnMut(u64),
) -> Result<SealSummary, SealError> {
    let name = check(opts)?;
    let (plan, recorded) = plan::plan(opts)?;
    let dir = opts.out_dir();
    let work = Work {
        opts,
        name: &name,
        signer,
        progress,
    };
    let (filled, encrypted) = if opts.recipients.is_empty() {
        let mut out = Output::create(opts, &name, dir)?;
        let filled = work.fill(plan, recorded, &mut out.zip)?;
        out.commit(opts)?;
        (filled, None)
    } else {
        let mut out = sealed_out::SealedOutput::create(opts, &name, dir)?;
        let filled = work.fill(plan, recorded, &mut out.zip)?;
        (filled, Some(out.commit(opts)?))
    };
    let (tags, bytes) = filled;
    Ok(SealSummary {
        path: opts.out.clone(),
        bundle_id: tags.bundle_id,
        files: tags.files_sealed,
        bytes,
        head: tags.head,
        unreadable: tags.unreadable,
        signed: signer.is_some(),
        encrypted,
    })
}

/// What every seal works with, whatever its output.
struct Work<'a> {
    opts: &'a SealOptions,
    name: &'a str,
    signer: Option<&'a dyn EventSigner>,
    progress: &'a mut dyn FnMut(u64),
}

impl Work<'_> {
    /// Write the payload and the tag files into `zip`; returns the tag
    /// phase's answer and the payload bytes.
    fn fill<W: Write + Seek>(
        self,
        plan: plan::Plan,
        mut recorded: plan::Recorded,
        zip: &mut ZipWriter<W>,
    ) -> Result<(tags::Tags, u64), SealError> {
        let opts = self.opts;
        let algos = payload::algorithms(opts);
        let payload = payload::write(
            opts,
            self.name,
            plan,
            &algos,
            zip,
            &mut recorded.unreadable,
            self.progress,
        )?;
        let mut records = payload.records;
        if records.len() == 0 {
            return Err(SealError::Empty);
        }
        let items = super::items::acquisition_items(&opts.inputs, &payload.acquired, &mut records)?;
        let captures = super::captures::capture_items(&opts.inputs, &payload.acquired)?;
        let tags = tags::build(
            tags::TagInput {
                opts,
                name: self.name,
                items,
                captures,
                records: &mut records,
                recorded,
                total: payload.total,
                algos: &algos,
                signer: self.signer,
                export: None,
            },
            zip,
        )?;
        Ok((tags, payload.total))
    }
}

/// What is checked before any byte is read; returns the bag name (the
/// bundle's file stem, which must need no escaping; the bundle is the
/// output less `.age` when encrypted).
fn check(opts: &SealOptions) -> Result<String, SealError> {
    let name = opts
        .bundle_path()?
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| {
            !s.is_empty() && layout::escape_component(s.as_bytes()) == *s && !s.starts_with('.')
        })
        .ok_or_else(|| SealError::BadOutputName(opts.out.clone()))?
        .to_string();
    if !model::PIECE_ALGORITHM.allows(opts.piece_size) {
        return Err(SealError::BadPieceSize(opts.piece_size));
    }
    if std::fs::symlink_metadata(&opts.out).is_ok() {
        return Err(SealError::OutputExists(opts.out.clone()));
    }
    check_places(opts)?;
    super::captures::refuse_open_captures(&opts.inputs)?;
    Ok(name)
}

/// Refuse, before any byte is read, inputs that do not exist (whatever
/// `--allow-unreadable` says: it records files that cannot be opened, not
/// names that were mistyped) and an output whose directory is missing
/// (which would otherwise fail on the temporary file's name).
fn check_places(opts: &SealOptions) -> Result<(), SealError> {
    for input in &opts.inputs {
        if let Err(e) = std::fs::symlink_metadata(input)
            && e.kind() == io::ErrorKind::NotFound
        {
            return Err(SealError::InputMissing(input.clone()));
        }
    }
    let dir = opts.out_dir();
    if !dir.is_dir() {
        return Err(SealError::NoOutputDir {
            out: opts.out.clone(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// The bundle being written: a temporary file beside the output, removed
/// unless [`Output::commit`] renames it into place.
struct Output {
    /// Dropped first: the writer lets go of the file before it is removed.
    zip: ZipWriter<DirectOut>,
    tmp: TempOut,
}

impl Output {
    /// Create the temporary file and a zip writer over it.
    fn create(opts: &SealOptions, name: &str, dir: &Path) -> Result<Output, SealError> {
        let (direct, tmp) = temp_output(opts, dir, &format!(".{name}.zip."))?;
        let zip = ZipWriter::new(direct, DosTime::from_unix(opts.time));
        Ok(Output { zip, tmp })
    }

    /// Finish the zip, flush it to disk and rename it into place (never
    /// over an existing file).
    fn commit(self, opts: &SealOptions) -> Result<(), SealError> {
        let tmp = self.stage(opts)?;
        rename_into_place(tmp, opts)
    }

    /// Finish the zip and flush it to disk, leaving it in its temporary
    /// file (removed when the [`TempOut`] is dropped).
    fn stage(self, opts: &SealOptions) -> Result<TempOut, SealError> {
        let out = self.zip.finish().map_err(|e| opts.write_error(e))?;
        flush(out, self.tmp, opts)
    }
}

/// Create the temporary file `dir/{prefix}{PID}.evidentia-tmp` (clearing
/// stale ones of that prefix), written past the page cache where the file
/// system allows it, on a writer thread (see `crate::direct`).
fn temp_output(
    opts: &SealOptions,
    dir: &Path,
    prefix: &str,
) -> Result<(DirectOut, TempOut), SealError> {
    let werr = |e| opts.write_error(e);
    remove_stale(dir, prefix);
    let tmp_path = dir.join(format!("{prefix}{}{TMP_SUFFIX}", std::process::id()));
    testhook::op(Op::Create, &tmp_path).map_err(&werr)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
        .map_err(&werr)?;
    let tmp = TempOut {
        path: tmp_path.clone(),
        keep: false,
    };
    Ok((DirectOut::new(file, &tmp_path), tmp))
}

/// Write out what is left of the temporary file and flush it to disk.
fn flush(out: DirectOut, tmp: TempOut, opts: &SealOptions) -> Result<TempOut, SealError> {
    let werr = |e| opts.write_error(e);
    let file = out.finish().map_err(&werr)?.file;
    file.sync_all().map_err(&werr)?;
    drop(file);
    Ok(tmp)
}

/// Rename the flushed temporary file to `opts.out` (never over an
/// existing file).
fn rename_into_place(mut tmp: TempOut, opts: &SealOptions) -> Result<(), SealError> {
    rename_noreplace(&tmp.path, &opts.out).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            SealError::OutputExists(opts.out.clone())
        } else {
            opts.write_error(e)
        }
    })?;
    tmp.keep = true;
    Ok(())
}
