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
//! complete and flushed, removed on any failure. What `seal` is asked and
//! what it answers are in `sealopts.rs`.

mod manifests;
mod payload;
mod plan;
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
use std::io;
use std::path::Path;

/// Seal `opts.inputs` into a new bundle at `opts.out`, signing the seal
/// event with `signer` (an unsigned seal when `None`). `progress` receives
/// payload byte counts.
pub fn seal(
    opts: &SealOptions,
    signer: Option<&dyn EventSigner>,
    progress: &mut dyn FnMut(u64),
) -> Result<SealSummary, SealError> {
    let name = check(opts)?;
    let (plan, mut recorded) = plan::plan(opts)?;
    let mut out = Output::create(opts, &name, opts.out_dir())?;
    let algos = payload::algorithms(opts);
    let payload = payload::write(
        opts,
        &name,
        plan,
        &algos,
        &mut out.zip,
        &mut recorded.unreadable,
        progress,
    )?;
    let mut records = payload.records;
    if records.len() == 0 {
        return Err(SealError::Empty);
    }
    let items = super::items::acquisition_items(&opts.inputs, &payload.acquired)?;
    let tags = tags::build(
        tags::TagInput {
            opts,
            name: &name,
            items,
            records: &mut records,
            recorded,
            total: payload.total,
            algos: &algos,
            signer,
        },
        &mut out.zip,
    )?;
    drop(records);
    out.commit(opts)?;
    Ok(SealSummary {
        path: opts.out.clone(),
        bundle_id: tags.bundle_id,
        files: tags.files_sealed,
        bytes: payload.total,
        head: tags.head,
        unreadable: tags.unreadable,
        signed: signer.is_some(),
    })
}

/// What is checked before any byte is read; returns the bag name (the
/// output's file stem, which must need no escaping).
fn check(opts: &SealOptions) -> Result<String, SealError> {
    let name = opts
        .out
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
    /// Create the temporary file (clearing stale ones this seal's name
    /// left) and a zip writer over it, past the page cache where the file
    /// system allows it, on a writer thread (see `crate::direct`).
    fn create(opts: &SealOptions, name: &str, dir: &Path) -> Result<Output, SealError> {
        let werr = |e| opts.write_error(e);
        let tmp_prefix = format!(".{name}.zip.");
        remove_stale(dir, &tmp_prefix);
        let tmp_path = dir.join(format!("{tmp_prefix}{}{TMP_SUFFIX}", std::process::id()));
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
        let zip = ZipWriter::new(
            DirectOut::new(file, &tmp_path),
            DosTime::from_unix(opts.time),
        );
        Ok(Output { zip, tmp })
    }

    /// Finish the zip, flush it to disk and rename it into place (never
    /// over an existing file).
    fn commit(mut self, opts: &SealOptions) -> Result<(), SealError> {
        let werr = |e| opts.write_error(e);
        let out = self.zip.finish().map_err(&werr)?;
        let file = out.finish().map_err(&werr)?.file;
        file.sync_all().map_err(&werr)?;
        drop(file);
        rename_noreplace(&self.tmp.path, &opts.out).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                SealError::OutputExists(opts.out.clone())
            } else {
                opts.write_error(e)
            }
        })?;
        self.tmp.keep = true;
        Ok(())
    }
}
