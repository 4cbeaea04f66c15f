//! `seal`: walk the inputs, stream every file into the zip while hashing it
//! in the same read pass, then write the BagIt tag files, the rich manifest
//! and the signed seal event.
//!
//! A file that cannot be opened stops the seal unless unreadable files are
//! allowed (then it is recorded). A read error in the middle of a file
//! always stops the seal: its entry is already half written, and a bundle
//! with a partial file is worse than no bundle.

mod tags;
mod walk;

use super::EventSigner;
use super::atomic::{TMP_SUFFIX, TempOut, remove_stale, rename_noreplace};
use super::layout;
use super::sealopts::{SealError, SealOptions, SealSummary};
use super::spill::{FileRecord, Records};
use super::zip::{DosTime, ZipWriter};
use crate::direct::DirectOut;
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, HashResult, hash_bytes, hash_reader};
use crate::model::{self, LinkEntry};
use crate::pathrepr::{PathRepr, path_from_bytes};
use crate::source::{OpenMode, open_evidence, ordered_map};
use crate::testhook::{self, Op};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use walk::{Planned, plan};

/// Tree files up to this size are read whole on worker threads.
const SMALL_FILE: u64 = 256 << 10;
/// At most this many small files wait in memory (bounds memory to
/// `SMALL_FILE * SMALL_IN_FLIGHT`).
const SMALL_IN_FLIGHT: usize = 64;

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

/// A payload file found by the walk, in one allocation: its original
/// path bytes (relative to the input's parent), then its bag name unless
/// that is `data/` followed by the same bytes.
struct PlanFile {
    text: Box<[u8]>,
    rel_len: u32,
    input: u32,
    size: u64,
    mode: OpenMode,
}

impl PlanFile {
    fn rel(&self) -> &[u8] {
        &self.text[..self.rel_len as usize]
    }

    /// The bag name (`data/...`).
    fn name(&self) -> Cow<'_, str> {
        let (rel, name) = self.text.split_at(self.rel_len as usize);
        if name.is_empty() {
            let rel = std::str::from_utf8(rel).unwrap_or_default();
            Cow::Owned(format!("{}{rel}", layout::DATA_DIR))
        } else {
            Cow::Borrowed(std::str::from_utf8(name).unwrap_or_default())
        }
    }

    fn set_name(&mut self, name: String) {
        let rel = self.rel();
        let plain = name
            .strip_prefix(layout::DATA_DIR)
            .is_some_and(|n| n.as_bytes() == rel);
        if plain {
            if self.text.len() != rel.len() {
                self.text = rel.to_vec().into_boxed_slice();
            }
        } else {
            let mut t = Vec::with_capacity(rel.len() + name.len());
            t.extend_from_slice(rel);
            t.extend_from_slice(name.as_bytes());
            self.text = t.into_boxed_slice();
        }
    }

    /// Bag names in byte order.
    fn name_cmp(&self, other: &PlanFile) -> Ordering {
        let plain = |f: &PlanFile| f.text.len() == f.rel_len as usize;
        if plain(self) && plain(other) {
            self.rel().cmp(other.rel())
        } else {
            self.name().as_bytes().cmp(other.name().as_bytes())
        }
    }

    /// Bag names compared as their lower-case forms ([`lower_cmp`]), with
    /// no allocation for the common plain ASCII names.
    fn lower_cmp(&self, other: &PlanFile) -> Ordering {
        let plain_ascii = |f: &PlanFile| f.text.len() == f.rel_len as usize && f.rel().is_ascii();
        if plain_ascii(self) && plain_ascii(other) {
            self.rel()
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(other.rel().iter().map(u8::to_ascii_lowercase))
        } else {
            lower_cmp(&self.name(), &other.name())
        }
    }

    /// The file to read.
    fn src(&self, inputs: &[PathBuf]) -> PathBuf {
        let input = &inputs[self.input as usize];
        if self.mode != OpenMode::TreeEntry {
            return input.clone();
        }
        // A tree file's original path is the input's name, `/`, and its
        // path inside the input.
        let base = input.file_name().map_or(5, |n| n.len());
        input.join(path_from_bytes(
            self.rel().get(base + 1..).unwrap_or_default(),
        ))
    }
}

/// Names compared as [`layout::fold`] sees them (lower case, NFC): the
/// same rule verify uses to refuse colliding names. (`fold` also strips
/// trailing dots and spaces of components, which escaped names never
/// have, so the ASCII shortcut agrees with it.)
fn lower_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        layout::fold(a).cmp(&layout::fold(b))
    }
}

/// `layout::disambiguate` (the reference form, kept for tests) in place,
/// without a map of every name: names equal ignoring case and normal form
/// are grouped (in walk order within a group); the first keeps its name,
/// later ones get `^7E1`, `^7E2`, ... appended.
fn disambiguate(files: &mut [PlanFile]) {
    let mut idx: Vec<u32> = (0..files.len() as u32).collect();
    idx.sort_by(|a, b| files[*a as usize].lower_cmp(&files[*b as usize]));
    let mut first = 0;
    for k in 1..idx.len() {
        let cur = idx[k] as usize;
        if files[idx[first] as usize].lower_cmp(&files[cur]) == Ordering::Equal {
            let n = format!("{}^7E{}", files[cur].name(), k - first);
            files[cur].set_name(n);
        } else {
            first = k;
        }
    }
}

/// Copies what it reads into the zip entry: the single read pass that
/// feeds the hashers also feeds the archive.
struct Tee<'a, R: Read, W: Write> {
    inner: R,
    sink: &'a mut W,
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

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct WriteFailed(io::Error);

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
    let dir = match opts.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(SealError::NoOutputDir {
            out: opts.out.clone(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Seal `opts.inputs` into a new bundle at `opts.out`, signing the seal
/// event with `signer` (an unsigned seal when `None`). `progress` receives
/// payload byte counts.
pub fn seal(
    opts: &SealOptions,
    signer: Option<&dyn EventSigner>,
    progress: &mut dyn FnMut(u64),
) -> Result<SealSummary, SealError> {
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
    // The walk, kept compact: one allocation per file (its original path
    // bytes, then its bag name when that is not simply `data/` + them).
    let mut files: Vec<PlanFile> = Vec::new();
    let mut manifest_links = Vec::new();
    let mut unreadable = Vec::new();
    let mut skipped = Vec::new();
    let mut stop = None;
    plan(&opts.inputs, &mut |input, p| match p {
        Planned::File { rel, size, mode } => files.push(PlanFile {
            rel_len: rel.len() as u32,
            text: rel.into_boxed_slice(),
            input: input as u32,
            size,
            mode,
        }),
        Planned::Link { rel, target } => manifest_links.push(LinkEntry {
            original: PathRepr::from_bytes(&rel),
            target: PathRepr::from_path(&target),
        }),
        Planned::Special { rel, kind } => skipped.push(model::SkippedEntry {
            original: PathRepr::from_bytes(&rel),
            kind: kind.name().to_string(),
        }),
        Planned::Unreadable { src, rel, error } => {
            if !opts.allow_unreadable {
                if stop.is_none() {
                    stop = Some(SealError::Unreadable {
                        path: src,
                        source: error,
                    });
                }
                return;
            }
            unreadable.push(model::UnreadableEntry {
                original: PathRepr::from_bytes(&rel),
                error: error.to_string(),
            });
        }
    });
    if let Some(e) = stop {
        return Err(e);
    }
    // Bag names: escaped, made unique, and the zip order sorted by them.
    files.sort_by(|a, b| a.rel().cmp(b.rel()));
    for f in &mut files {
        let comps: Vec<&[u8]> = f
            .rel()
            .split(|b| *b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        let escaped = format!("{}{}", layout::DATA_DIR, layout::escape_path(&comps));
        f.set_name(escaped);
    }
    files.shrink_to_fit();
    disambiguate(&mut files);
    let mut order: Vec<u32> = (0..files.len() as u32).collect();
    order.sort_by(|a, b| files[*a as usize].name_cmp(&files[*b as usize]));
    let acquisitions: Vec<Vec<u8>> = opts
        .inputs
        .iter()
        .filter(|i| i.join(crate::acquire::record::RECORD_FILE).is_file())
        .map(|i| {
            let mut base = i
                .file_name()
                .map(|n| n.as_bytes().to_vec())
                .unwrap_or_else(|| b"input".to_vec());
            base.push(b'/');
            base
        })
        .collect();
    let mut acquired: Vec<(Vec<u8>, String)> = Vec::new();

    let dir = opts
        .out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp_prefix = format!(".{name}.zip.");
    remove_stale(dir, &tmp_prefix);
    let tmp_path = dir.join(format!("{tmp_prefix}{}{TMP_SUFFIX}", std::process::id()));
    // Errors name the bundle the user asked for, never the temporary
    // file it is written through.
    let werr = |source: io::Error| SealError::Write {
        path: opts.out.clone(),
        source,
    };
    testhook::op(Op::Create, &tmp_path).map_err(werr)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
        .map_err(werr)?;
    let mut tmp = TempOut {
        path: tmp_path.clone(),
        keep: false,
    };
    // Past the page cache where the file system allows it, on a writer
    // thread (see `crate::direct`).
    let mut zip = ZipWriter::new(
        DirectOut::new(file, &tmp_path),
        DosTime::from_unix(opts.time),
    );

    let mut algos = vec![Algorithm::Sha256, Algorithm::Blake3];
    algos.extend(opts.extra_algorithms.iter().copied());
    let algos = AlgorithmSet::new(algos).unwrap_or_default();
    let hopts = HashOptions {
        algorithms: algos.clone(),
        piece_size: Some(opts.piece_size),
        piece_algorithm: model::PIECE_ALGORITHM,
        ..HashOptions::default()
    };

    // A file no larger than one piece has no piecewise hashes in the
    // manifest (one piece would repeat its BLAKE3): skip that second
    // stream for it.
    let no_pieces = HashOptions {
        piece_size: None,
        ..hopts.clone()
    };
    let whole_only = |data: &[u8]| {
        if data.len() as u64 <= opts.piece_size {
            &no_pieces
        } else {
            &hopts
        }
    };
    let mut records = Records::new(dir, &format!(".{name}.zip-records.")).map_err(werr)?;
    zip.spill_directory(
        super::spill::anonymous_file(dir, &format!(".{name}.zip-directory.")).map_err(werr)?,
    );
    let mut total: u64 = 0;
    // Small files in trees are read and hashed on worker threads, several
    // at once, and come back in order with their bytes, which then go into
    // the zip: still one read of the evidence, but many files in flight.
    // Larger files (and direct inputs, which may be devices) stream
    // through this thread.
    let work = |i: usize| -> (usize, Prepared) {
        let f = &files[i];
        let (size, mode) = (&f.size, &f.mode);
        if *mode != OpenMode::TreeEntry || *size > SMALL_FILE {
            return (i, Prepared::Stream);
        }
        let prepared = match open_evidence(&f.src(&opts.inputs), *mode) {
            Err(e) => Prepared::OpenFailed(e),
            Ok(f) => {
                let mut data = Vec::with_capacity(*size as usize);
                match f.take(SMALL_FILE + 1).read_to_end(&mut data) {
                    Ok(_) => {
                        let result = hash_bytes(&data, whole_only(&data));
                        Prepared::Read(data, result)
                    }
                    Err(e) => Prepared::ReadFailed(e),
                }
            }
        };
        (i, prepared)
    };
    let mut emit = |(i, prepared): (usize, Prepared)| -> Result<(), SealError> {
        let f = &files[i];
        let (rel, size, mode) = (f.rel(), &f.size, &f.mode);
        let src = &f.src(&opts.inputs);
        let bag_name = f.name();
        let member = format!("{name}/{bag_name}");
        let result = match prepared {
            Prepared::Read(data, result) => {
                progress(data.len() as u64);
                zip.add_bytes(&member, opts.method, &data).map_err(werr)?;
                result
            }
            Prepared::ReadFailed(error) => {
                return Err(SealError::Unreadable {
                    path: src.clone(),
                    source: error,
                });
            }
            Prepared::OpenFailed(error) if opts.allow_unreadable => {
                unreadable.push(model::UnreadableEntry {
                    original: PathRepr::from_bytes(rel),
                    error: error.to_string(),
                });
                return Ok(());
            }
            Prepared::OpenFailed(error) => {
                return Err(SealError::Unreadable {
                    path: src.clone(),
                    source: error,
                });
            }
            Prepared::Stream => {
                let reader = match open_evidence(src, *mode) {
                    Ok(f) => f,
                    Err(error) if opts.allow_unreadable => {
                        unreadable.push(model::UnreadableEntry {
                            original: PathRepr::from_bytes(rel),
                            error: error.to_string(),
                        });
                        return Ok(());
                    }
                    Err(error) => {
                        return Err(SealError::Unreadable {
                            path: src.clone(),
                            source: error,
                        });
                    }
                };
                let mut entry = zip.start_entry(&member, opts.method, *size).map_err(werr)?;
                // A tree file that grows past one piece while it is read
                // stops the seal (`Changed`), so its size can be trusted.
                let o = if *mode == OpenMode::TreeEntry && *size <= opts.piece_size {
                    &no_pieces
                } else {
                    &hopts
                };
                let result = hash_reader(
                    Tee {
                        inner: reader,
                        sink: &mut entry,
                    },
                    o,
                    progress,
                )
                .map_err(|e| {
                    match e.get_ref().and_then(|r| r.downcast_ref::<WriteFailed>()) {
                        Some(WriteFailed(w)) => SealError::Write {
                            path: opts.out.clone(),
                            source: io::Error::new(w.kind(), w.to_string()),
                        },
                        None => SealError::Unreadable {
                            path: src.clone(),
                            source: e,
                        },
                    }
                })?;
                entry.finish().map_err(werr)?;
                result
            }
        };
        if *mode == OpenMode::TreeEntry && result.size != *size {
            return Err(SealError::Changed {
                path: src.clone(),
                expected: *size,
                actual: result.size,
            });
        }
        total += result.size;
        let raw = |a: Algorithm| result.digest(a).map(|d| d.bytes.as_slice());
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
        records
            .push(&FileRecord {
                path: &bag_name,
                original: rel,
                size: result.size,
                sha256: raw(Algorithm::Sha256).unwrap_or_default(),
                blake3: raw(Algorithm::Blake3).unwrap_or_default(),
                extra: [
                    raw(Algorithm::Sha512),
                    raw(Algorithm::Sha1),
                    raw(Algorithm::Md5),
                ],
                pieces: &pieces,
            })
            .map_err(werr)?;
        if acquisitions.iter().any(|a| rel.starts_with(a)) {
            acquired.push((rel.to_vec(), bag_name.into_owned()));
        }
        Ok(())
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    ordered_map(
        order.iter().map(|i| *i as usize),
        threads,
        SMALL_IN_FLIGHT,
        &work,
        &mut emit,
    )?;
    drop(order);
    drop(files);
    if records.len() == 0 {
        return Err(SealError::Empty);
    }

    let items = super::items::acquisition_items(&opts.inputs, &acquired)?;
    let tags = tags::build(
        tags::TagInput {
            opts,
            name: &name,
            items,
            records: &mut records,
            symlinks: manifest_links,
            unreadable,
            skipped,
            total,
            algos: &algos,
            signer,
        },
        &mut zip,
        &werr,
    )?;
    drop(records);
    let out = zip.finish().map_err(werr)?;
    let file = out.finish().map_err(werr)?.file;
    file.sync_all().map_err(werr)?;
    drop(file);
    rename_noreplace(&tmp_path, &opts.out).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            SealError::OutputExists(opts.out.clone())
        } else {
            SealError::Write {
                path: opts.out.clone(),
                source: e,
            }
        }
    })?;
    tmp.keep = true;
    Ok(SealSummary {
        path: opts.out.clone(),
        bundle_id: tags.bundle_id,
        files: tags.files_sealed,
        bytes: total,
        head: tags.head,
        unreadable: tags.unreadable,
        signed: signer.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-place disambiguation gives the names of
    /// [`layout::disambiguate`], final sigma and suffix clashes included.
    #[test]
    fn in_place_disambiguation_matches_the_map() {
        let rels: Vec<&str> = vec![
            "x/A",
            "x/a",
            "x/a^7E1",
            "x/A",
            "x/ΣΣ",
            "x/σς",
            "x/σσ",
            "x/SΣ",
            "x/sσ",
            "x/b",
            "x/B",
            "x/a",
            "x/caf\u{e9}",
            "x/cafe\u{301}",
            "x/CAF\u{c9}",
        ];
        let escaped: Vec<String> = rels.iter().map(|r| format!("data/{r}")).collect();
        let expected = layout::disambiguate(&escaped);
        let mut files: Vec<PlanFile> = rels
            .iter()
            .map(|r| PlanFile {
                text: r.as_bytes().to_vec().into_boxed_slice(),
                rel_len: r.len() as u32,
                input: 0,
                size: 0,
                mode: OpenMode::TreeEntry,
            })
            .collect();
        for (f, e) in files.iter_mut().zip(&escaped) {
            f.set_name(e.clone());
        }
        disambiguate(&mut files);
        let got: Vec<String> = files.iter().map(|f| f.name().into_owned()).collect();
        assert_eq!(got, expected);
        assert!(got.iter().any(|n| n.ends_with("^7E2")));
        assert!(got.contains(&"data/x/CAF\u{c9}^7E2".to_string()), "{got:?}");
    }
}
