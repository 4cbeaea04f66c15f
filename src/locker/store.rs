//! The content-addressed bundle store: `DIR/sha256/ab/abcdef....zip`,
//! named by the SHA-256 of the zip file.
//!
//! Invariants: a stored file is written to a temporary name, flushed with
//! fsync, renamed into place and its directory synced; an existing file is
//! never overwritten (same name means same content).

use super::LockerError;
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, MultiHasher};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

fn io_err(path: &Path, source: io::Error) -> LockerError {
    LockerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Hex SHA-256 of the file at `path`, streamed.
pub fn file_sha256(path: &Path) -> Result<String, LockerError> {
    let mut f = File::open(path).map_err(|e| io_err(path, e))?;
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
    if dst.exists() {
        return Ok(dst);
    }
    let parent = dst.parent().unwrap_or(dir).to_path_buf();
    fs::create_dir_all(&parent).map_err(|e| io_err(&parent, e))?;
    let tmp = parent.join(format!(".{hex}.{}.tmp", std::process::id()));
    let result = (|| -> io::Result<()> {
        let mut from = File::open(src)?;
        let mut to = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        io::copy(&mut from, &mut to)?;
        to.flush()?;
        to.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(&tmp, e));
    }
    // hard_link refuses an existing target, so a concurrent store of the
    // same zip can never be overwritten; then the temp name goes away.
    match fs::hard_link(&tmp, &dst) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&dst, e));
        }
    }
    let _ = fs::remove_file(&tmp);
    File::open(&parent)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(&parent, e))?;
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
