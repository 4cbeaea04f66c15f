//! The files of an acquisition directory besides the image, written
//! crash-safely: the record ([`crate::model::acquisition`]), the human log
//! and the ddrescue map, each replaced atomically (temporary file, fsync,
//! rename, directory fsync), so each is always either its previous version
//! or the new one. The record says `complete: true` only once the whole
//! source was read and the image is on stable storage.

use super::AcquireError;
use crate::model::acquisition::{AcquisitionRecord, RECORD_FILE};
use crate::testhook::{self, Op};
use std::fs::OpenOptions;
use std::path::Path;

/// File name of the human log.
pub const LOG_FILE: &str = "acquisition.txt";

/// File name of the ddrescue map file.
pub const MAP_FILE: &str = "image.map";

/// Replace `dir/name` atomically with `data`: written to
/// `.NAME.evidentia-tmp`, flushed, renamed into place, directory flushed.
/// A failed write removes the temporary file.
pub fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> Result<(), AcquireError> {
    // The same suffix as every temporary output (bundle::TMP_SUFFIX).
    let tmp = dir.join(format!(".{name}.evidentia-tmp"));
    let path = dir.join(name);
    let written = (|| {
        testhook::op(Op::Create, &tmp)?;
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        testhook::write_all(&mut f, &tmp, data)?;
        testhook::op(Op::Sync, &tmp)?;
        f.sync_all()?;
        testhook::op(Op::Rename, &path)?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(AcquireError::Write { path, source });
    }
    super::split::sync_dir(dir)
}

/// Write the record as pretty JSON.
pub fn write_record(dir: &Path, record: &AcquisitionRecord) -> Result<(), AcquireError> {
    let mut json = serde_json::to_vec_pretty(record).map_err(|e| AcquireError::Write {
        path: dir.join(RECORD_FILE),
        source: std::io::Error::other(e),
    })?;
    json.push(b'\n');
    write_atomic(dir, RECORD_FILE, &json)
}

/// Read a record back (for `seal` and for tests).
pub fn read_record(dir: &Path) -> Result<AcquisitionRecord, AcquireError> {
    let path = dir.join(RECORD_FILE);
    let bytes = std::fs::read(&path).map_err(|source| AcquireError::Record {
        path: path.clone(),
        reason: source.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| AcquireError::Record {
        path,
        reason: e.to_string(),
    })
}
