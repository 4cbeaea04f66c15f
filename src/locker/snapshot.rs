//! The identity of a bundle file across one ingest.
//!
//! Ingest verifies a bundle, then reads what it records (manifest, events,
//! keys) and the zip's SHA-256 in later passes: verify takes a path, and a
//! second full read of a multi-GiB bundle only to join the passes would
//! double the cost. Someone who can write the file could swap it between
//! the passes, and the locker would record a hash and values of bytes that
//! were never verified. A [`Snapshot`] closes that window:
//!
//! - it holds the file open from before verification, so the file's inode
//!   cannot be freed and reused by another file while the passes run;
//! - [`Snapshot::check`], after the last pass, compares device, inode,
//!   size, modification and change time of the open file (was it written
//!   in place?) and of the file the path names now (was it replaced?) with
//!   those taken at the start. Any difference refuses the ingest. The
//!   change time cannot be set by a user, so restoring the modification
//!   time after a write does not hide it.

use super::LockerError;
use crate::source::open_read_noatime;
use std::fs::{File, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The fields of a file's status that change when it is written or
/// replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(m: &Metadata) -> Stamp {
        Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// What differs from `before`, in words (empty when nothing does).
    fn differences(&self, before: &Stamp) -> Vec<&'static str> {
        let mut d = Vec::new();
        if (self.dev, self.ino) != (before.dev, before.ino) {
            d.push("it was replaced by another file");
        }
        if self.size != before.size {
            d.push("its size changed");
        }
        if self.mtime != before.mtime {
            d.push("its modification time changed");
        }
        if self.ctime != before.ctime {
            d.push("its status change time changed");
        }
        d
    }
}

/// A bundle file held open with its status as it was when taken.
#[derive(Debug)]
pub struct Snapshot {
    path: PathBuf,
    file: File,
    stamp: Stamp,
}

impl Snapshot {
    /// Open `path` (without blocking on a FIFO and without changing its
    /// access time where allowed) and record its status.
    pub fn take(path: &Path) -> Result<Snapshot, LockerError> {
        let io = |source| LockerError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = open_read_noatime(path, libc::O_NONBLOCK).map_err(io)?;
        let stamp = Stamp::of(&file.metadata().map_err(io)?);
        Ok(Snapshot {
            path: path.to_path_buf(),
            file,
            stamp,
        })
    }

    /// `Ok` when the open file and the file `path` names now are the file
    /// taken, unchanged; else [`LockerError::Changed`].
    pub fn check(&self) -> Result<(), LockerError> {
        let io = |source| LockerError::Io {
            path: self.path.clone(),
            source,
        };
        let held = Stamp::of(&self.file.metadata().map_err(io)?);
        let named = match std::fs::metadata(&self.path) {
            Ok(m) => Stamp::of(&m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(self.changed(vec!["it was removed"]));
            }
            Err(e) => return Err(io(e)),
        };
        let mut d = held.differences(&self.stamp);
        for x in named.differences(&self.stamp) {
            if !d.contains(&x) {
                d.push(x);
            }
        }
        if d.is_empty() {
            Ok(())
        } else {
            Err(self.changed(d))
        }
    }

    fn changed(&self, what: Vec<&'static str>) -> LockerError {
        LockerError::Changed {
            path: self.path.clone(),
            what: what.join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    fn changed(r: Result<(), LockerError>) -> String {
        match r {
            Err(LockerError::Changed { what, .. }) => what,
            other => panic!("expected Changed, got {other:?}"),
        }
    }

    #[test]
    fn an_untouched_file_passes() {
        let d = tempfile::tempdir().unwrap();
        let p = file(d.path(), "b.zip", b"the verified bytes");
        let s = Snapshot::take(&p).unwrap();
        // Reading it (as verify and the hash pass do) changes nothing.
        assert_eq!(std::fs::read(&p).unwrap(), b"the verified bytes");
        s.check().unwrap();
    }

    #[test]
    fn a_file_swapped_by_rename_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = file(d.path(), "b.zip", b"the verified bytes");
        let s = Snapshot::take(&p).unwrap();
        // Same size, same modification time: only the inode tells.
        let other = file(d.path(), "evil.zip", b"the swapped-in byte");
        let m = std::fs::metadata(&p).unwrap();
        File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_modified(m.modified().unwrap())
            .unwrap();
        std::fs::rename(&other, &p).unwrap();
        let what = changed(s.check());
        assert!(what.contains("replaced by another file"), "{what}");
    }

    #[test]
    fn a_file_written_in_place_is_refused_even_with_its_mtime_restored() {
        let d = tempfile::tempdir().unwrap();
        let p = file(d.path(), "b.zip", b"the verified bytes");
        let before = std::fs::metadata(&p).unwrap();
        let s = Snapshot::take(&p).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut f = File::options().write(true).open(&p).unwrap();
        f.write_all(b"THE").unwrap();
        f.set_modified(before.modified().unwrap()).unwrap();
        drop(f);
        let what = changed(s.check());
        assert!(what.contains("status change time"), "{what}");
    }

    #[test]
    fn a_file_grown_or_removed_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = file(d.path(), "b.zip", b"the verified bytes");
        let s = Snapshot::take(&p).unwrap();
        File::options()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"more")
            .unwrap();
        assert!(changed(s.check()).contains("size"));
        let s = Snapshot::take(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert!(changed(s.check()).contains("removed"));
    }
}
