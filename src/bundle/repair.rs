//! Finishing what an interrupted append left behind, from its journal:
//! either prove the append complete (the appended bytes hash to what the
//! journal promised) and drop the journal, or restore the original bytes
//! by truncating to the journalled length after checking that the
//! original end of the file is intact. Without a journal nothing is done:
//! a repair never guesses.

use super::append::{Journal, journal_path, sync_dir, tail_hash};
use super::zip::{Archive, ZipError};
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

impl RepairOutcome {
    /// What a repair with this outcome does, as a phrase after "repair":
    /// the same words [`repair_plan`] announces and [`repair`] reports.
    pub fn will(&self) -> String {
        match self {
            RepairOutcome::Clean => "will change nothing: there is no interrupted append".into(),
            RepairOutcome::TornJournal => {
                "will only remove the append journal: it is torn, and the append never started"
                    .into()
            }
            RepairOutcome::Completed { len } => format!(
                "will only remove the append journal: the append completed (the bundle is {len} bytes)"
            ),
            RepairOutcome::RolledBack { len, removed } => format!(
                "will cut off the {removed} bytes of the unfinished append and restore the bundle's original {len} bytes"
            ),
        }
    }
}

/// What [`repair`] would do to the bundle at `path`, found with the same
/// checks, without changing anything.
pub fn repair_plan(path: &Path) -> Result<RepairOutcome, RepairError> {
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
        return Ok(RepairOutcome::TornJournal);
    };
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len < journal.original_len {
        return Err(mismatch("the bundle is shorter than before the append"));
    }
    if tail_hash(&file, journal.original_len)? != journal.original_tail_sha256 {
        return Err(mismatch("the original end of the bundle changed"));
    }
    if len == journal.final_len && appended_hash(&file, &journal)? == journal.appended_sha256 {
        return Ok(RepairOutcome::Completed { len });
    }
    Ok(RepairOutcome::RolledBack {
        len: journal.original_len,
        removed: len - journal.original_len,
    })
}

/// Repair the bundle at `path` (see the module docs): do what
/// [`repair_plan`] says.
pub fn repair(path: &Path) -> Result<RepairOutcome, RepairError> {
    let outcome = repair_plan(path)?;
    let jpath = journal_path(path);
    match outcome {
        RepairOutcome::Clean => return Ok(outcome),
        RepairOutcome::TornJournal | RepairOutcome::Completed { .. } => {}
        RepairOutcome::RolledBack { len, removed } => {
            let file = OpenOptions::new().read(true).write(true).open(path)?;
            // The plan was made on this length; anything else since, and
            // the plan does not hold.
            if file.metadata()?.len() != len + removed {
                return Err(RepairError::Mismatch {
                    journal: jpath,
                    reason: "the bundle changed while the repair was being prepared",
                });
            }
            file.set_len(len)?;
            file.sync_all()?;
        }
    }
    std::fs::remove_file(&jpath)?;
    sync_dir(&jpath)?;
    Ok(outcome)
}

/// Hex SHA-256 of the bytes the journal says were appended, streamed
/// (a new central directory can be hundreds of MiB; verify calls this).
fn appended_hash(file: &File, j: &Journal) -> io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = j.original_len;
    while pos < j.final_len {
        let n = (j.final_len - pos).min(buf.len() as u64) as usize;
        file.read_exact_at(&mut buf[..n], pos)?;
        hasher.update(&buf[..n]);
        pos += n as u64;
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::append::{AppendHook, append, hex_sha256};
    use crate::bundle::{DosTime, Method, ZipWriter};

    /// Fails step `at`, counting every step.
    struct FailAt(usize);
    impl AppendHook for FailAt {
        fn before(&mut self, n: usize) -> io::Result<()> {
            if n == self.0 {
                return Err(io::Error::other("injected"));
            }
            Ok(())
        }
        fn after(&mut self, _n: usize) {}
    }

    fn zip(path: &Path) {
        let mut z = ZipWriter::new(File::create(path).unwrap(), DosTime::from_unix(0));
        z.add_bytes("b/x", Method::Stored, b"hello").unwrap();
        z.finish().unwrap();
    }

    #[test]
    fn appended_entries_read_back_and_old_bytes_stay() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.zip");
        zip(&p);
        let before = std::fs::read(&p).unwrap();
        let new = vec![("b/y".to_string(), b"world".to_vec())];
        append(&p, &new, DosTime::from_unix(0), &mut FailAt(0)).unwrap();
        let after = std::fs::read(&p).unwrap();
        assert_eq!(&after[..before.len()], &before[..]);
        let (a, issues) = Archive::open(&p).unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        let names: Vec<_> = a.entries().map(|e| e.name).collect();
        assert_eq!(names, ["b/x", "b/y"]);
        assert_eq!(a.read_small(&a.entry(1).unwrap(), 10).unwrap(), b"world");
        assert!(!journal_path(&p).exists());
        assert_eq!(repair(&p).unwrap(), RepairOutcome::Clean);
    }

    #[test]
    fn a_failure_at_any_step_restores_or_repairs_to_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.zip");
        zip(&p);
        let before = std::fs::read(&p).unwrap();
        let new = vec![("b/y".to_string(), b"world".to_vec())];
        for k in 1..=9 {
            let r = append(&p, &new, DosTime::from_unix(0), &mut FailAt(k));
            assert!(r.is_err(), "step {k} did not fail");
            if journal_path(&p).exists() {
                assert!(matches!(
                    repair(&p).unwrap(),
                    RepairOutcome::Completed { .. }
                ));
            }
            let now = std::fs::read(&p).unwrap();
            assert!(now == before || Archive::open(&p).unwrap().0.entry_count() == 2);
            std::fs::write(&p, &before).unwrap();
        }
        // A crash mid-append (simulated: bytes added, journal left).
        append(&p, &new, DosTime::from_unix(0), &mut FailAt(0)).unwrap();
        let full = std::fs::read(&p).unwrap();
        let j = Journal {
            kind: "evidentia/append-journal/v1".into(),
            original_len: before.len() as u64,
            original_tail_sha256: hex_sha256(&before),
            final_len: full.len() as u64,
            appended_sha256: hex_sha256(&full[before.len()..]),
        };
        std::fs::write(journal_path(&p), serde_json::to_vec(&j).unwrap()).unwrap();
        std::fs::write(&p, &full[..full.len() - 7]).unwrap();
        // The plan changes nothing, and is what repair then does.
        let plan = repair_plan(&p).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), &full[..full.len() - 7]);
        assert!(journal_path(&p).exists());
        let removed = full.len() - 7 - before.len();
        assert_eq!(
            plan,
            RepairOutcome::RolledBack {
                len: before.len() as u64,
                removed: removed as u64
            }
        );
        assert_eq!(repair(&p).unwrap(), plan);
        assert_eq!(std::fs::read(&p).unwrap(), before);
        // A journal that does not describe the file changes nothing.
        std::fs::write(
            journal_path(&p),
            serde_json::to_vec(&Journal {
                original_tail_sha256: "00".into(),
                ..j
            })
            .unwrap(),
        )
        .unwrap();
        std::fs::write(&p, &full).unwrap();
        assert!(matches!(repair(&p), Err(RepairError::Mismatch { .. })));
        assert_eq!(std::fs::read(&p).unwrap(), full);
    }
}
