//! The walk of a seal's inputs ([`crate::source::walk`], the one walk
//! `hash` uses too), each thing found named by its original path: the
//! input's name, then its path inside the input.

use crate::source::{Found, OpenMode, SpecialKind, walk};
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
        kind: SpecialKind,
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
        let base = input
            .file_name()
            .map(Path::new)
            .unwrap_or(Path::new("input"));
        let rel = |path: &Path| rel_of(base, input, path);
        for found in walk(input) {
            let planned = match found {
                Found::File(f) => Planned::File {
                    rel: rel(f.path()),
                    size: f.size().unwrap_or(0),
                    mode: f.mode(),
                },
                Found::Symlink { path, target } => Planned::Link {
                    rel: rel(&path),
                    target,
                },
                Found::Special { path, kind } => Planned::Special {
                    rel: rel(&path),
                    kind,
                },
                Found::Unreadable { path, error } => {
                    // An error the walk cannot place is the input's.
                    let src = path.unwrap_or_else(|| input.clone());
                    Planned::Unreadable {
                        rel: rel(&src),
                        src,
                        error,
                    }
                }
            };
            out(index, planned);
        }
    }
}
