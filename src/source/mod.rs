//! Sources of evidence bytes: files, directory trees, block devices and
//! standard input, enumerated in a deterministic order and hashed with the
//! one-pass engine, several files at a time.
//!
//! Invariants:
//! - Evidence is opened read-only (and with `O_NOATIME` where permitted, so
//!   reading does not even change the access time).
//! - Inside trees, symbolic links are recorded, never followed, and FIFOs,
//!   sockets and device nodes are reported as skipped; an entry is opened
//!   with `O_NOFOLLOW | O_NONBLOCK` and checked to be a regular file after
//!   opening, so a swap behind our back cannot make us follow or block.
//! - An unreadable entry is reported with its path and reason; it never
//!   stops the rest and is never silently dropped.
//! - Records come back in input order; within a directory, entries are
//!   sorted by the bytes of their names.
//! - There is one walk ([`walk()`], used by `hash` and by `seal`) and one
//!   classifier of file types ([`FileKind`], used by the walk, by the
//!   check after opening and by the bundle reader), so the policy above is
//!   written once.

mod kind;
mod pool;
mod walk;

pub use kind::{FileKind, SpecialKind, TYPE_BITS};
pub use pool::{Inline, ordered_map, ordered_map_inline};
pub use walk::{Found, FoundFile, walk};

use crate::hash::{HashOptions, HashResult, hash_reader};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// One thing the user asked to hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A path: file, directory, device.
    Path(PathBuf),
    /// Standard input (`-` on the command line).
    Stdin,
}

/// The outcome for one entry, in input order.
#[derive(Debug)]
pub enum Record {
    /// A file, device or stream that was read to the end and hashed.
    Hashed {
        /// The path as given or walked (`-` for standard input).
        path: PathBuf,
        /// Size and digests.
        result: HashResult,
    },
    /// A symbolic link inside a tree: recorded, not followed.
    Symlink {
        /// The link's path.
        path: PathBuf,
        /// What the link points to, as stored in the link.
        target: PathBuf,
    },
    /// A special file inside a tree, skipped.
    Skipped {
        /// Its path.
        path: PathBuf,
        /// What kind of file it is.
        kind: SpecialKind,
    },
    /// An entry that could not be read.
    Unreadable {
        /// Its path.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
}

impl Record {
    /// The path this record is about.
    pub fn path(&self) -> &Path {
        match self {
            Record::Hashed { path, .. }
            | Record::Symlink { path, .. }
            | Record::Skipped { path, .. }
            | Record::Unreadable { path, .. } => path,
        }
    }
}

/// How to walk and hash.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// What to compute per file.
    pub hash: HashOptions,
    /// Files hashed at once (each large file also uses a thread per
    /// algorithm).
    pub threads: usize,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            hash: HashOptions::default(),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// How a path is opened: a direct argument is followed like any tool
/// would; a tree entry must stay what the walk saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Named by the user: follow a link, read devices and pipes as streams.
    Direct,
    /// Found in a tree: no link following, regular files only.
    TreeEntry,
}

/// Open `path` read-only with `O_NOATIME` where the system allows it,
/// plus the open(2) `flags` given. Used for evidence and for every bundle
/// or stored copy that is only read (verify, ingest, report), so reading
/// leaves the access time as it was.
pub fn open_read_noatime(path: &Path, flags: libc::c_int) -> io::Result<File> {
    let flags = flags | libc::O_NOATIME;
    match OpenOptions::new().read(true).custom_flags(flags).open(path) {
        // O_NOATIME is refused with EPERM for files we do not own (unless
        // privileged: CAP_FOWNER); fall back to a plain read-only open.
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => OpenOptions::new()
            .read(true)
            .custom_flags(flags & !libc::O_NOATIME)
            .open(path),
        other => other,
    }
}

/// Open evidence read-only without changing its access time where the
/// system allows it.
pub fn open_evidence(path: &Path, mode: OpenMode) -> io::Result<File> {
    let mut flags = 0;
    if mode == OpenMode::TreeEntry {
        flags |= libc::O_NOFOLLOW | libc::O_NONBLOCK;
    }
    let file = open_read_noatime(path, flags)?;
    if mode == OpenMode::TreeEntry {
        let ft = file.metadata()?.file_type();
        if !ft.is_file() {
            return Err(io::Error::other(format!(
                "changed into a {} while being read",
                SpecialKind::of(&ft).name()
            )));
        }
        // O_NONBLOCK stays set: it kept the open from hanging on a FIFO
        // put in the file's place, and regular files ignore it (clearing
        // it cost two system calls per file).
    }
    Ok(file)
}

/// A unit of work for the pool, or a record that needs no work.
enum Job {
    Ready(Record),
    Open(PathBuf, OpenMode),
    Stdin,
}

/// Enumerate `inputs` lazily, in order, as jobs.
fn jobs(inputs: &[Input]) -> impl Iterator<Item = Job> + '_ {
    inputs
        .iter()
        .flat_map(|input| -> Box<dyn Iterator<Item = Job>> {
            match input {
                Input::Stdin => Box::new(std::iter::once(Job::Stdin)),
                Input::Path(p) => Box::new(walk(p).map(job)),
            }
        })
}

/// The job for what the walk found.
fn job(found: Found) -> Job {
    match found {
        Found::File(f) => {
            let mode = f.mode();
            Job::Open(f.into_path(), mode)
        }
        Found::Symlink { path, target } => Job::Ready(Record::Symlink { path, target }),
        Found::Special { path, kind } => Job::Ready(Record::Skipped { path, kind }),
        Found::Unreadable { path, error } => Job::Ready(Record::Unreadable {
            path: path.unwrap_or_default(),
            error,
        }),
    }
}

/// Hash one path as `mode` says.
pub fn hash_path(
    path: &Path,
    mode: OpenMode,
    opts: &HashOptions,
    progress: &mut dyn FnMut(u64),
) -> io::Result<HashResult> {
    let file = open_evidence(path, mode)?;
    hash_reader(file, opts, progress)
}

/// Hash every input (trees walked), calling `emit` with each record in
/// input order. `progress` receives byte counts from any worker thread.
/// Stops early only if `emit` fails.
pub fn hash_inputs<E>(
    inputs: &[Input],
    opts: &SourceOptions,
    progress: &(dyn Fn(u64) + Sync),
    emit: &mut dyn FnMut(Record) -> Result<(), E>,
) -> Result<(), E> {
    let work = |job: Job| -> Record {
        let mut tick = |n| progress(n);
        match job {
            Job::Ready(r) => r,
            Job::Stdin => {
                let path = PathBuf::from("-");
                match hash_reader(io::stdin().lock(), &opts.hash, &mut tick) {
                    Ok(result) => Record::Hashed { path, result },
                    Err(error) => Record::Unreadable { path, error },
                }
            }
            Job::Open(path, mode) => match hash_path(&path, mode, &opts.hash, &mut tick) {
                Ok(result) => Record::Hashed { path, result },
                Err(error) => Record::Unreadable { path, error },
            },
        }
    };
    ordered_map(jobs(inputs), opts.threads, 1024, &work, emit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn tree_is_sorted_links_recorded_specials_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("b"), b"bb").unwrap();
        std::fs::write(root.join("a"), b"a").unwrap();
        std::fs::write(root.join("sub/c"), b"").unwrap();
        std::os::unix::fs::symlink("a", root.join("link")).unwrap();
        let fifo = root.join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);

        let mut seen = Vec::new();
        hash_inputs(
            &[Input::Path(root.to_path_buf())],
            &SourceOptions::default(),
            &|_| {},
            &mut |r| {
                let name = r
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let what = match r {
                    Record::Hashed { result, .. } => format!("file {}", result.size),
                    Record::Symlink { target, .. } => format!("link {}", target.display()),
                    Record::Skipped { kind, .. } => kind.name().to_string(),
                    Record::Unreadable { error, .. } => format!("error {error}"),
                };
                seen.push(format!("{name}: {what}"));
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            vec![
                "a: file 1",
                "b: file 2",
                "link: link a",
                "pipe: fifo",
                "sub/c: file 0"
            ]
        );
    }

    #[test]
    fn missing_input_is_reported_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), b"x").unwrap();
        let inputs = [
            Input::Path(dir.path().join("nope")),
            Input::Path(dir.path().join("x")),
        ];
        let mut kinds = Vec::new();
        hash_inputs(&inputs, &SourceOptions::default(), &|_| {}, &mut |r| {
            kinds.push(matches!(r, Record::Unreadable { .. }));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(kinds, vec![true, false]);
    }
}
