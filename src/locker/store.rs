//! The content-addressed bundle store: `DIR/sha256/ab/abcdef....zip`,
//! named by the SHA-256 of the zip file.
//!
//! Invariants: a stored file is written to a temporary name
//! (`.HEX.PID.evidentia-tmp`), flushed with fsync, linked into place and
//! its directory synced; an existing file is never overwritten (same name
//! means same content), so every `HEX.zip` in the store is complete. A
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
    dir.join("sha256")
        .join(hex.get(..2).unwrap_or("00"))
        .join(format!("{hex}.zip"))
}

/// Copy `src` (whose SHA-256 is `hex`) into the store at `dir`; returns
/// the stored path. An existing copy is kept as is.
pub fn store_copy(src: &Path, dir: &Path, hex: &str) -> Result<PathBuf, LockerError> {
    let dst = store_path(dir, hex);
    let parent = dst.parent().unwrap_or(dir).to_path_buf();
    let prefix = format!(".{hex}.");
    remove_stale(&parent, &prefix);
    if dst.exists() {
        return Ok(dst);
    }
    testhook::op(Op::Create, &parent)
        .and_then(|()| fs::create_dir_all(&parent))
        .map_err(|e| write_err(&parent, e))?;
    let tmp = parent.join(format!("{prefix}{}{TMP_SUFFIX}", std::process::id()));
    let mut from = open_read_noatime(src, 0).map_err(|e| io_err(src, e))?;
    let result = (|| -> io::Result<()> {
        testhook::op(Op::Create, &tmp)?;
        let mut to = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        // In chunks, each one announced to the test hook; io::copy keeps
        // the kernel's file-to-file copy.
        loop {
            testhook::op(Op::Write, &tmp)?;
            if io::copy(&mut (&mut from).take(COPY_CHUNK), &mut to)? == 0 {
                break;
            }
        }
        to.flush()?;
        testhook::op(Op::Sync, &tmp)?;
        to.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(write_err(&tmp, e));
    }
    // hard_link refuses an existing target, so a concurrent store of the
    // same zip can never be overwritten; then the temp name goes away.
    match testhook::op(Op::Link, &dst).and_then(|()| fs::hard_link(&tmp, &dst)) {
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
}
