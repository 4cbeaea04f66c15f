//! `seal`: walk the inputs, stream every file into the zip while hashing it
//! in the same read pass, then write the BagIt tag files, the rich manifest
//! and the signed seal event.
//!
//! A file that cannot be opened stops the seal unless unreadable files are
//! allowed (then it is recorded). A read error in the middle of a file
//! always stops the seal: its entry is already half written, and a bundle
//! with a partial file is worse than no bundle.

use super::layout::{
    self, BAG_INFO, BAGIT_TXT, BAGIT_TXT_CONTENT, MANIFEST_JSON, TAGMANIFEST_SHA256,
};
use super::zipwrite::{DosTime, Method, ZipWriter};
use super::{EventSigner, SignFailure, bagit, trusted_comment};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, hash_bytes, hash_reader, to_hex};
use crate::model::{self, Actor, CaseMeta, CustodyEvent, FileEntry, LinkEntry, Manifest};
use crate::pathrepr::PathRepr;
use crate::source::{OpenMode, open_evidence};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
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
    /// Piecewise SHA-256 window size.
    pub piece_size: u64,
    /// The software agent string for bag-info.txt and manifest.json.
    pub agent: String,
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
}

/// Why a seal failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The output exists already.
    #[error("{} exists already; a bundle is never overwritten", .0.display())]
    OutputExists(PathBuf),
    /// The output name has no usable stem.
    #[error("{} has no usable file name for the bag directory", .0.display())]
    BadOutputName(PathBuf),
    /// No payload file at all.
    #[error("nothing to seal: the inputs hold no readable file")]
    Empty,
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
}

/// A planned payload file or other record, from the walk.
enum Planned {
    File {
        src: PathBuf,
        rel: Vec<u8>,
        size: u64,
        mode: OpenMode,
    },
    Link {
        rel: Vec<u8>,
        target: PathBuf,
    },
    Special {
        rel: Vec<u8>,
        kind: &'static str,
    },
    Unreadable {
        src: PathBuf,
        rel: Vec<u8>,
        error: io::Error,
    },
}

fn rel_of(base: &Path, root: &Path, path: &Path) -> Vec<u8> {
    let mut rel = base.as_os_str().as_bytes().to_vec();
    if let Ok(rest) = path.strip_prefix(root) {
        if !rest.as_os_str().is_empty() {
            rel.push(b'/');
            rel.extend_from_slice(rest.as_os_str().as_bytes());
        }
    }
    rel
}

fn plan(inputs: &[PathBuf]) -> Vec<Planned> {
    let mut out = Vec::new();
    for input in inputs {
        let base = input
            .file_name()
            .map(Path::new)
            .unwrap_or(Path::new("input"));
        let md = match std::fs::metadata(input) {
            Ok(md) => md,
            Err(error) => {
                let rel = base.as_os_str().as_bytes().to_vec();
                out.push(Planned::Unreadable {
                    src: input.clone(),
                    rel,
                    error,
                });
                continue;
            }
        };
        if !md.is_dir() {
            let rel = base.as_os_str().as_bytes().to_vec();
            out.push(Planned::File {
                src: input.clone(),
                rel,
                size: md.len(),
                mode: OpenMode::Direct,
            });
            continue;
        }
        let walk = walkdir::WalkDir::new(input)
            .follow_links(false)
            .min_depth(1)
            .sort_by(|a, b| a.file_name().cmp(b.file_name()));
        for entry in walk {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let src = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| input.clone());
                    let rel = rel_of(base, input, &src);
                    let error = e
                        .into_io_error()
                        .unwrap_or_else(|| io::Error::other("file system loop"));
                    out.push(Planned::Unreadable { src, rel, error });
                    continue;
                }
            };
            let ft = entry.file_type();
            let rel = rel_of(base, input, entry.path());
            if ft.is_dir() {
                continue;
            } else if ft.is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                out.push(Planned::File {
                    src: entry.into_path(),
                    rel,
                    size,
                    mode: OpenMode::TreeEntry,
                });
            } else if ft.is_symlink() {
                match std::fs::read_link(entry.path()) {
                    Ok(target) => out.push(Planned::Link { rel, target }),
                    Err(error) => out.push(Planned::Unreadable {
                        src: entry.into_path(),
                        rel,
                        error,
                    }),
                }
            } else {
                use std::os::unix::fs::FileTypeExt;
                let kind = if ft.is_fifo() {
                    "fifo"
                } else if ft.is_socket() {
                    "socket"
                } else if ft.is_block_device() {
                    "block device"
                } else if ft.is_char_device() {
                    "character device"
                } else {
                    "special file"
                };
                out.push(Planned::Special { rel, kind });
            }
        }
    }
    out
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

/// A temporary output that is removed unless committed.
struct TempOut {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempOut {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Rename `from` to `to` unless `to` exists (atomically where the kernel
/// supports it), then flush the directory.
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    let a = std::ffi::CString::new(from.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = std::ffi::CString::new(to.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: two valid NUL-terminated paths; AT_FDCWD for both.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc != 0 {
        let err = io::Error::last_os_error();
        if !matches!(err.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(err);
        }
        // File systems without RENAME_NOREPLACE: link (fails if `to`
        // exists), then drop the temporary name.
        std::fs::hard_link(from, to)?;
        std::fs::remove_file(from)?;
    }
    if let Some(dir) = to.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
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
    if std::fs::symlink_metadata(&opts.out).is_ok() {
        return Err(SealError::OutputExists(opts.out.clone()));
    }
    let planned = plan(&opts.inputs);
    let mut files = Vec::new();
    let mut manifest_links = Vec::new();
    let mut unreadable = Vec::new();
    let mut skipped = Vec::new();
    for p in planned {
        match p {
            Planned::File {
                src,
                rel,
                size,
                mode,
            } => files.push((src, rel, size, mode)),
            Planned::Link { rel, target } => manifest_links.push(LinkEntry {
                original: PathRepr::from_bytes(&rel),
                target: PathRepr::from_path(&target),
            }),
            Planned::Special { rel, kind } => skipped.push(model::SkippedEntry {
                original: PathRepr::from_bytes(&rel),
                kind: kind.to_string(),
            }),
            Planned::Unreadable { src, rel, error } => {
                if !opts.allow_unreadable {
                    return Err(SealError::Unreadable {
                        path: src,
                        source: error,
                    });
                }
                unreadable.push(model::UnreadableEntry {
                    original: PathRepr::from_bytes(&rel),
                    error: error.to_string(),
                });
            }
        }
    }
    // Bag names: escaped, made unique, and the zip order sorted by them.
    files.sort_by(|a, b| a.1.cmp(&b.1));
    let escaped: Vec<String> = files
        .iter()
        .map(|f| {
            let comps: Vec<&[u8]> =
                f.1.split(|b| *b == b'/')
                    .filter(|c| !c.is_empty())
                    .collect();
            format!("{}{}", layout::DATA_DIR, layout::escape_path(&comps))
        })
        .collect();
    let names = layout::disambiguate(&escaped);
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|a, b| names[*a].as_bytes().cmp(names[*b].as_bytes()));

    let dir = opts
        .out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp_path = dir.join(format!(".{name}.zip.partial-{}", std::process::id()));
    let werr = |source: io::Error| SealError::Write {
        path: tmp_path.clone(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
        .map_err(werr)?;
    let mut tmp = TempOut {
        path: tmp_path.clone(),
        keep: false,
    };
    let mut zip = ZipWriter::new(
        BufWriter::with_capacity(1 << 20, file),
        DosTime::from_unix(opts.time),
    );

    let mut algos = vec![Algorithm::Sha256, Algorithm::Blake3];
    algos.extend(opts.extra_algorithms.iter().copied());
    let algos = AlgorithmSet::new(algos).unwrap_or_default();
    let hopts = HashOptions {
        algorithms: algos.clone(),
        piece_size: Some(opts.piece_size),
        ..HashOptions::default()
    };

    let mut entries: Vec<FileEntry> = Vec::with_capacity(files.len());
    let mut total: u64 = 0;
    for &i in &order {
        let (src, rel, size, mode) = &files[i];
        let reader = match open_evidence(src, *mode) {
            Ok(f) => f,
            Err(error) if opts.allow_unreadable => {
                unreadable.push(model::UnreadableEntry {
                    original: PathRepr::from_bytes(rel),
                    error: error.to_string(),
                });
                continue;
            }
            Err(error) => {
                return Err(SealError::Unreadable {
                    path: src.clone(),
                    source: error,
                });
            }
        };
        let member = format!("{name}/{}", names[i]);
        let mut entry = zip.start_entry(&member, opts.method, *size).map_err(werr)?;
        let result = hash_reader(
            Tee {
                inner: reader,
                sink: &mut entry,
            },
            &hopts,
            progress,
        )
        .map_err(
            |e| match e.get_ref().and_then(|r| r.downcast_ref::<WriteFailed>()) {
                Some(WriteFailed(w)) => SealError::Write {
                    path: tmp_path.clone(),
                    source: io::Error::new(w.kind(), w.to_string()),
                },
                None => SealError::Unreadable {
                    path: src.clone(),
                    source: e,
                },
            },
        )?;
        entry.finish().map_err(werr)?;
        if *mode == OpenMode::TreeEntry && result.size != *size {
            return Err(SealError::Changed {
                path: src.clone(),
                expected: *size,
                actual: result.size,
            });
        }
        total += result.size;
        let hex = |a: Algorithm| result.digest(a).map(|d| d.hex());
        let pieces = result
            .pieces
            .as_ref()
            .map(|p| p.pieces.as_slice())
            .unwrap_or(&[]);
        entries.push(FileEntry {
            path: names[i].clone(),
            original: PathRepr::from_bytes(rel),
            size: result.size,
            sha256: hex(Algorithm::Sha256).unwrap_or_default(),
            blake3: hex(Algorithm::Blake3).unwrap_or_default(),
            sha512: hex(Algorithm::Sha512),
            sha1: hex(Algorithm::Sha1),
            md5: hex(Algorithm::Md5),
            pieces: if pieces.len() > 1 {
                pieces.iter().map(|p| to_hex(&p.sha256)).collect()
            } else {
                Vec::new()
            },
        });
    }
    if entries.is_empty() {
        return Err(SealError::Empty);
    }

    // Tag files.
    let manifest_algos: Vec<Algorithm> = algos
        .as_slice()
        .iter()
        .copied()
        .filter(|a| *a != Algorithm::Blake3)
        .collect();
    let mut tag_files: Vec<(String, Vec<u8>)> = Vec::new();
    tag_files.push((BAGIT_TXT.to_string(), BAGIT_TXT_CONTENT.to_vec()));
    let mut manifests = Vec::new();
    for a in &manifest_algos {
        let lines: Vec<(String, &str)> = entries
            .iter()
            .map(|e| {
                let d = match a {
                    Algorithm::Sha256 => e.sha256.clone(),
                    Algorithm::Sha512 => e.sha512.clone().unwrap_or_default(),
                    Algorithm::Sha1 => e.sha1.clone().unwrap_or_default(),
                    _ => e.md5.clone().unwrap_or_default(),
                };
                (d, e.path.as_str())
            })
            .collect();
        let text = bagit::render_manifest(lines.iter().map(|(d, p)| (d.as_str(), *p)));
        manifests.push((layout::manifest_name(*a), text));
    }
    let bundle_id = match &opts.bundle_id {
        Some(id) => id.clone(),
        None if opts.reproducible => derived_id(opts, &manifests),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let sealed = model::format_rfc3339_utc(opts.time);
    let mut labels: Vec<(&str, String)> = Vec::new();
    labels.push(("Bagging-Date", model::format_date_utc(opts.time)));
    labels.push(("Bag-Software-Agent", opts.agent.clone()));
    labels.push(("External-Identifier", format!("urn:uuid:{bundle_id}")));
    labels.push(("Payload-Oxum", format!("{total}.{}", entries.len())));
    labels.push(("Bag-Size", bagit::human_size(total)));
    labels.extend(opts.case.bag_info_labels());
    tag_files.push((BAG_INFO.to_string(), bagit::render_bag_info(&labels)));
    tag_files.extend(manifests);
    let manifest = Manifest {
        schema: model::MANIFEST_SCHEMA.to_string(),
        bundle_id: bundle_id.clone(),
        bundle_name: name.clone(),
        sealed: sealed.clone(),
        tool: opts.agent.clone(),
        case: opts.case.clone(),
        algorithms: manifest_algos
            .iter()
            .map(|a| a.name().to_string())
            .collect(),
        piece_size: opts.piece_size,
        files: entries,
        symlinks: manifest_links,
        unreadable: unreadable.clone(),
        skipped,
    };
    tag_files.push((MANIFEST_JSON.to_string(), model::to_json_bytes(&manifest)));
    let tag_hash = |data: &[u8]| {
        let o = HashOptions {
            algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
            ..HashOptions::default()
        };
        hash_bytes(data, &o).digests[0].hex()
    };
    let mut tm: Vec<(String, String)> = tag_files
        .iter()
        .map(|(n, d)| (tag_hash(d), n.clone()))
        .collect();
    tm.sort_by(|a, b| a.1.cmp(&b.1));
    let tagmanifest = bagit::render_manifest(tm.iter().map(|(d, n)| (d.as_str(), n.as_str())));
    let tagmanifest_sha256 = tag_hash(&tagmanifest);
    tag_files.push((TAGMANIFEST_SHA256.to_string(), tagmanifest));

    // The seal event, its signature and the signer's keys.
    let actor = match signer {
        Some(s) => Actor {
            key_id: Some(s.key_id()),
            ..s.actor()
        },
        None => Actor {
            key_id: None,
            name: opts.case.examiner.clone(),
            organisation: opts.case.organisation.clone(),
            country: None,
            role: None,
        },
    };
    let event = CustodyEvent {
        kind: model::CUSTODY_EVENT_TYPE.to_string(),
        bundle_id: bundle_id.clone(),
        seq: 1,
        prev: None,
        action: "seal".to_string(),
        time: sealed,
        actor,
        tagmanifest_sha256,
        to: None,
        note: None,
    };
    let event_bytes = model::to_json_bytes(&event);
    let event_name = layout::event_name(1, "seal");
    let head = tag_hash(&event_bytes);
    if let Some(s) = signer {
        let sig = s.sign(&event_bytes, &trusted_comment(&bundle_id, 1, &s.key_id()))?;
        tag_files.push((event_name.clone(), event_bytes));
        tag_files.push((layout::signature_name(&event_name), sig));
        tag_files.push((layout::public_key_name(&s.key_id()), s.public_key_file()));
        if let Some((cert, cert_sig)) = s.certificate_files() {
            let cn = layout::certificate_name(&s.key_id());
            tag_files.push((layout::signature_name(&cn), cert_sig));
            tag_files.push((cn, cert));
        }
    } else {
        tag_files.push((event_name, event_bytes));
    }
    for (n, data) in &tag_files {
        zip.add_bytes(&format!("{name}/{n}"), opts.method, data)
            .map_err(werr)?;
    }
    let buf = zip.finish().map_err(werr)?;
    let file = buf.into_inner().map_err(|e| werr(e.into_error()))?;
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
        bundle_id,
        files: manifest.files.len() as u64,
        bytes: total,
        head,
        unreadable: unreadable.len() as u64,
        signed: signer.is_some(),
    })
}

/// A bundle id derived from the content (UUID version 8, RFC 9562), for
/// reproducible output: same payload, time and case give the same id.
fn derived_id(opts: &SealOptions, manifests: &[(String, Vec<u8>)]) -> String {
    let mut data = Vec::new();
    data.extend_from_slice(&opts.time.to_le_bytes());
    data.extend_from_slice(&model::to_json_bytes(&opts.case));
    for (n, m) in manifests {
        data.extend_from_slice(n.as_bytes());
        data.extend_from_slice(m);
    }
    let d = hash_bytes(&data, &HashOptions::default());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.digests[0].bytes[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}
