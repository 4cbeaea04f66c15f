//! The walk of a seal's inputs: files and trees in a deterministic order
//! (sorted by name bytes), links recorded and never followed, special
//! files and unreadable entries noted, nothing opened yet.

use crate::source::OpenMode;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A planned payload file or other record, from the walk.
pub(super) enum Planned {
    File {
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
    if let Ok(rest) = path.strip_prefix(root)
        && !rest.as_os_str().is_empty()
    {
        rel.push(b'/');
        rel.extend_from_slice(rest.as_os_str().as_bytes());
    }
    rel
}

/// Walk `inputs` in order, handing each record to `out` as it is found
/// (nothing is collected here: a tree of a million files is a million
/// calls, not a million records in memory).
pub(super) fn plan(inputs: &[PathBuf], out: &mut dyn FnMut(usize, Planned)) {
    for (index, input) in inputs.iter().enumerate() {
        let mut out = |p: Planned| out(index, p);
        let base = input
            .file_name()
            .map(Path::new)
            .unwrap_or(Path::new("input"));
        let md = match std::fs::metadata(input) {
            Ok(md) => md,
            Err(error) => {
                let rel = base.as_os_str().as_bytes().to_vec();
                out(Planned::Unreadable {
                    src: input.clone(),
                    rel,
                    error,
                });
                continue;
            }
        };
        if !md.is_dir() {
            let rel = base.as_os_str().as_bytes().to_vec();
            out(Planned::File {
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
                    out(Planned::Unreadable { src, rel, error });
                    continue;
                }
            };
            let ft = entry.file_type();
            let rel = rel_of(base, input, entry.path());
            if ft.is_dir() {
                continue;
            } else if ft.is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                out(Planned::File {
                    rel,
                    size,
                    mode: OpenMode::TreeEntry,
                });
            } else if ft.is_symlink() {
                match std::fs::read_link(entry.path()) {
                    Ok(target) => out(Planned::Link { rel, target }),
                    Err(error) => out(Planned::Unreadable {
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
                out(Planned::Special { rel, kind });
            }
        }
    }
}
