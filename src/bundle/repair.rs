//! Finishing what an interrupted append left behind, from its journal:
//! either prove the append complete (the appended bytes hash to what the
//! journal promised) and drop the journal, or restore the original bytes
//! by truncating to the journalled length after checking that the
//! original end of the file is intact. Without a journal nothing is done:
//! a repair never guesses.

use super::append::{Journal, hex_sha256, journal_path, sync_dir, tail_hash};
use super::zipread::{Archive, ZipError};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// What a repair did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairOutcome {
    /// No journal, and the bundle reads as a zip: nothing to do.
    Clean,
    /// The journal was torn (written before any byte was appended): removed.
    TornJournal,
    /// The append had completed: the journal was removed.
    Completed {
        /// The bundle's length.
        len: u64,
    },
    /// The partial append was cut off: the original bytes are back.
    RolledBack {
        /// The original length restored.
        len: u64,
        /// How many appended bytes were removed.
        removed: u64,
    },
}

/// Why a repair could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    /// I/O error.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// No journal, and the bundle is not a readable zip.
    #[error("no append journal, and the bundle cannot be read: {0}")]
    NoJournal(ZipError),
    /// The journal does not describe this file.
    #[error("the journal {journal} does not match the bundle: {reason}")]
    Mismatch {
        /// The journal's path.
        journal: PathBuf,
        /// What disagrees.
        reason: &'static str,
    },
}

/// Repair the bundle at `path` (see the module docs).
pub fn repair(path: &Path) -> Result<RepairOutcome, RepairError> {
    let jpath = journal_path(path);
    let jbytes = match std::fs::read(&jpath) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return match Archive::open(path) {
                Ok(_) => Ok(RepairOutcome::Clean),
                Err(e) => Err(RepairError::NoJournal(e)),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let mismatch = |reason| RepairError::Mismatch {
        journal: jpath.clone(),
        reason,
    };
    let Ok(journal) = serde_json::from_slice::<Journal>(&jbytes) else {
        // The journal is flushed before the first byte is appended, so a
        // torn one means the bundle was never touched; prove it reads.
        Archive::open(path).map_err(|_| mismatch("torn journal, and the bundle does not read"))?;
        std::fs::remove_file(&jpath)?;
        sync_dir(&jpath)?;
        return Ok(RepairOutcome::TornJournal);
    };
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    let len = file.metadata()?.len();
    if len < journal.original_len {
        return Err(mismatch("the bundle is shorter than before the append"));
    }
    if tail_hash(&file, journal.original_len)? != journal.original_tail_sha256 {
        return Err(mismatch("the original end of the bundle changed"));
    }
    if len == journal.final_len && appended_hash(&file, &journal)? == journal.appended_sha256 {
        drop(file);
        std::fs::remove_file(&jpath)?;
        sync_dir(&jpath)?;
        return Ok(RepairOutcome::Completed { len });
    }
    file.set_len(journal.original_len)?;
    file.sync_all()?;
    drop(file);
    std::fs::remove_file(&jpath)?;
    sync_dir(&jpath)?;
    Ok(RepairOutcome::RolledBack {
        len: journal.original_len,
        removed: len - journal.original_len,
    })
}

fn appended_hash(file: &File, j: &Journal) -> io::Result<String> {
    let n = j.final_len - j.original_len;
    if n > 1 << 30 {
        return Ok(String::new());
    }
    let mut buf = vec![0u8; n as usize];
    file.read_exact_at(&mut buf, j.original_len)?;
    Ok(hex_sha256(&buf))
}
