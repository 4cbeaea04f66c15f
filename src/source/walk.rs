//! The one walk of inputs, for `hash` and for `seal`: a named input that
//! is not a directory is itself one file (followed like any tool would);
//! a directory is walked in a deterministic order, entries sorted by the
//! bytes of their names, links recorded and never followed, special files
//! and unreadable entries reported, nothing opened yet. Directories
//! themselves are not reported.

use super::OpenMode;
use super::kind::{FileKind, SpecialKind};
use std::io;
use std::path::{Path, PathBuf};

/// What the walk of one input found, in order.
#[derive(Debug)]
pub enum Found {
    /// A file to read.
    File(FoundFile),
    /// A symbolic link inside a tree: recorded, not followed.
    Symlink {
        /// The link's path.
        path: PathBuf,
        /// What the link points to, as stored in the link.
        target: PathBuf,
    },
    /// A special file inside a tree (a FIFO, a socket, a device node).
    Special {
        /// Its path.
        path: PathBuf,
        /// What kind of file it is.
        kind: SpecialKind,
    },
    /// An input or an entry that cannot be read.
    Unreadable {
        /// Its path; `None` when the walk could not say which entry failed
        /// (each caller has its own name for that case).
        path: Option<PathBuf>,
        /// Why.
        error: io::Error,
    },
}

/// A file the walk found: a named input that is not a directory
/// ([`OpenMode::Direct`]) or a regular file in a tree
/// ([`OpenMode::TreeEntry`]).
#[derive(Debug)]
pub struct FoundFile(Place);

#[derive(Debug)]
enum Place {
    /// A named input, with the size `stat` gave it.
    Direct(PathBuf, u64),
    /// A regular file in a tree.
    Tree(walkdir::DirEntry),
}

impl FoundFile {
    /// Its path.
    pub fn path(&self) -> &Path {
        match &self.0 {
            Place::Direct(path, _) => path,
            Place::Tree(entry) => entry.path(),
        }
    }

    /// Its path, owned.
    pub fn into_path(self) -> PathBuf {
        match self.0 {
            Place::Direct(path, _) => path,
            Place::Tree(entry) => entry.into_path(),
        }
    }

    /// How it is to be opened.
    pub fn mode(&self) -> OpenMode {
        match self.0 {
            Place::Direct(..) => OpenMode::Direct,
            Place::Tree(_) => OpenMode::TreeEntry,
        }
    }

    /// Its size when found: a named input's from the walk's `stat`, a tree
    /// file's from an `lstat` made now (only callers that want it pay).
    pub fn size(&self) -> io::Result<u64> {
        match &self.0 {
            Place::Direct(_, size) => Ok(*size),
            Place::Tree(entry) => Ok(entry.metadata().map_err(io::Error::from)?.len()),
        }
    }
}

/// Walk one input lazily: itself when it is not a directory, else every
/// entry below it (see the module docs).
pub fn walk(input: &Path) -> Box<dyn Iterator<Item = Found>> {
    match std::fs::metadata(input) {
        Ok(md) if md.is_dir() => Box::new(tree(input)),
        Ok(md) => Box::new(std::iter::once(Found::File(FoundFile(Place::Direct(
            input.to_path_buf(),
            md.len(),
        ))))),
        Err(error) => Box::new(std::iter::once(Found::Unreadable {
            path: Some(input.to_path_buf()),
            error,
        })),
    }
}

/// Walk a directory: sorted by name bytes, links not followed.
fn tree(root: &Path) -> impl Iterator<Item = Found> + use<> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .sort_by(|a, b| a.file_name().cmp(b.file_name()))
        .into_iter()
        .filter_map(|entry| match entry {
            Err(e) => {
                let path = e.path().map(Path::to_path_buf);
                let error = e
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("file system loop"));
                Some(Found::Unreadable { path, error })
            }
            Ok(entry) => match FileKind::of(&entry.file_type()) {
                FileKind::Dir => None,
                FileKind::File => Some(Found::File(FoundFile(Place::Tree(entry)))),
                FileKind::Symlink => {
                    let path = entry.into_path();
                    Some(match std::fs::read_link(&path) {
                        Ok(target) => Found::Symlink { path, target },
                        Err(error) => Found::Unreadable {
                            path: Some(path),
                            error,
                        },
                    })
                }
                FileKind::Special(kind) => Some(Found::Special {
                    path: entry.into_path(),
                    kind,
                }),
            },
        })
}
