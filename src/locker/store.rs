//! The content-addressed bundle store: `DIR/sha256/ab/abcdef....zip`,
//! named by the SHA-256 of the zip file; an encrypted bundle as it
//! arrived is kept beside, as `DIR/sha256/cd/cdef....zip.age`, named by
//! the SHA-256 of the age file.
//!
//! Invariants: a stored file is written to a temporary name
//! (`.HEX.PID.evidentia-tmp`), flushed with fsync, linked into place and
//! its directory synced; an existing file is never overwritten when its
//! bytes hash to its name (same name means same content), and replaced in
//! one rename when they do not; the bytes copied are hashed on the way and
//! must be the ones ingest hashed. So every `HEX.zip` in the store is
//! complete and is the zip named. A
//! temporary file left by a killed process is removed by the next store of
//! the same zip. A stored file the locker does not (yet) record, left when
//! an ingest fails or is killed after the copy, is complete and is reused.

use super::LockerError;
use crate::bundle::{TMP_SUFFIX, remove_stale};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, MultiHasher};
use crate::source::open_read_noatime;
use crate::testhook::{self, Op};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Bytes copied per announced write.
const COPY_CHUNK: u64 = 1 << 20;

fn io_err(path: &Path, source: io::Error) -> LockerError {
    LockerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_err(path: &Path, source: io::Error) -> LockerError {
    LockerError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Hex SHA-256 of the file at `path`, streamed.
pub fn file_sha256(path: &Path) -> Result<String, LockerError> {
    let mut f = open_read_noatime(path, 0).map_err(|e| io_err(path, e))?;
    let opts = HashOptions {
        algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
        ..HashOptions::default()
    };
    let mut h = MultiHasher::new(&opts);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finish()
        .map_err(|e| io_err(path, e))?
        .digests
        .iter()
        .find(|d| d.algorithm == Algorithm::Sha256)
        .map(|d| d.hex())
        .unwrap_or_default())
}

/// Where a zip with SHA-256 `hex` lives in the store at `dir`.
pub fn store_path(dir: &Path, hex: &str) -> PathBuf {
    store_path_as(dir, hex, "zip")
}

/// Where a file with SHA-256 `hex` and extension `ext` (`zip`, `zip.age`)
/// lives in the store at `dir`.
pub fn store_path_as(dir: &Path, hex: &str, ext: &str) -> PathBuf {
    dir.join("sha256")
        .join(hex.get(..2).unwrap_or("00"))
        .join(format!("{hex}.{ext}"))
}

/// Copy `src` (whose SHA-256 is `hex`) into the store at `dir`; returns
/// the stored path. An existing copy is kept when its bytes hash to `hex`,
/// and replaced when they do not (a damaged or planted file must never
/// stand in for the bundle that was verified). The bytes copied are hashed
/// on the way: when they are not `hex` (the source changed since it was
/// hashed) nothing is stored and the copy fails.
pub fn store_copy(src: &Path, dir: &Path, hex: &str) -> Result<PathBuf, LockerError> {
    store_copy_as(src, dir, hex, "zip")
}

/// [`store_copy`] of a file kept with the extension `ext` (`zip.age` for
/// an encrypted bundle as it arrived).
pub fn store_copy_as(src: &Path, dir: &Path, hex: &str, ext: &str) -> Result<PathBuf, LockerError> {
    let dst = store_path_as(dir, hex, ext);
    let parent = dst.parent().unwrap_or(dir).to_path_buf();
    let prefix = format!(".{hex}.");
    remove_stale(&parent, &prefix);
    let replace = match fs::symlink_metadata(&dst) {
        Err(_) => false,
        Ok(m) if m.is_file() && file_sha256(&dst).is_ok_and(|h| h == hex) => return Ok(dst),
        Ok(_) => true,
    };
    testhook::op(Op::Create, &parent)
        .and_then(|()| fs::create_dir_all(&parent))
        .map_err(|e| write_err(&parent, e))?;
    let tmp = parent.join(format!("{prefix}{}{TMP_SUFFIX}", std::process::id()));
    let mut from = open_read_noatime(src, 0).map_err(|e| io_err(src, e))?;
    let copied = copy_hashed(&mut from, &tmp);
    let copied = match copied {
        Ok(h) => h,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(write_err(&tmp, e));
        }
    };
    if copied != hex {
        let _ = fs::remove_file(&tmp);
        return Err(LockerError::BadInput {
            path: src.to_path_buf(),
            reason: format!(
                "changed while it was being ingested (SHA-256 {copied}, was {hex}); nothing was stored"
            ),
        });
    }
    let linked = if replace {
        // rename replaces the bad file in one step; the name is the hash
        // of what is now in it.
        testhook::op(Op::Link, &dst).and_then(|()| fs::rename(&tmp, &dst))
    } else {
        // hard_link refuses an existing target, so a concurrent store of
        // the same zip can never be overwritten; then the temp name goes.
        testhook::op(Op::Link, &dst).and_then(|()| fs::hard_link(&tmp, &dst))
    };
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(write_err(&dst, e));
        }
    }
    let _ = fs::remove_file(&tmp);
    testhook::op(Op::SyncDir, &parent)
        .and_then(|()| File::open(&parent))
        .and_then(|d| d.sync_all())
        .map_err(|e| write_err(&parent, e))?;
    Ok(dst)
}

/// Copy `from` to a new file `tmp`, flushed to disk, in chunks each
/// announced to the test hook; returns the hex SHA-256 of what was copied.
fn copy_hashed(from: &mut File, tmp: &Path) -> io::Result<String> {
    testhook::op(Op::Create, tmp)?;
    let mut to = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)?;
    let opts = HashOptions {
        algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
        ..HashOptions::default()
    };
    let mut h = MultiHasher::new(&opts);
    let mut buf = vec![0u8; COPY_CHUNK as usize];
    loop {
        testhook::op(Op::Write, tmp)?;
        let n = from.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        to.write_all(&buf[..n])?;
    }
    to.flush()?;
    testhook::op(Op::Sync, tmp)?;
    to.sync_all()?;
    Ok(h.finish()?
        .digests
        .iter()
        .find(|d| d.algorithm == Algorithm::Sha256)
        .map(|d| d.hex())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_once_by_content() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("b.zip");
        fs::write(&src, b"zip bytes").unwrap();
        let hex = file_sha256(&src).unwrap();
        assert_eq!(hex.len(), 64);
        let store = d.path().join("store");
        let p = store_copy(&src, &store, &hex).unwrap();
        assert_eq!(
            p,
            store
                .join("sha256")
                .join(&hex[..2])
                .join(format!("{hex}.zip"))
        );
        assert_eq!(fs::read(&p).unwrap(), b"zip bytes");
        assert_eq!(store_copy(&src, &store, &hex).unwrap(), p);
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn a_stored_file_that_is_not_its_name_is_replaced() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("b.zip");
        fs::write(&src, b"the genuine bundle").unwrap();
        let hex = file_sha256(&src).unwrap();
        let store = d.path().join("store");
        let p = store_path(&store, &hex);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, b"a planted copy").unwrap();
        assert_eq!(store_copy(&src, &store, &hex).unwrap(), p);
        assert_eq!(fs::read(&p).unwrap(), b"the genuine bundle");
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn a_source_that_is_not_its_hash_is_not_stored() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("b.zip");
        fs::write(&src, b"changed after hashing").unwrap();
        let store = d.path().join("store");
        let hex = "ab".repeat(32);
        let e = store_copy(&src, &store, &hex).unwrap_err();
        assert!(e.to_string().contains("changed while"), "{e}");
        assert!(!store_path(&store, &hex).exists());
        assert_eq!(
            fs::read_dir(store_path(&store, &hex).parent().unwrap())
                .unwrap()
                .count(),
            0
        );
    }
}
