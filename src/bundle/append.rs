//! Appending small entries (custody events, keys) to a sealed bundle
//! without rewriting a byte of it, crash-safely.
//!
//! Layout: the new local entries go after the current end of the file
//! (the old central directory and end record stay behind as dead bytes),
//! followed by a new central directory (the old records copied verbatim,
//! then the new ones) and new end records.
//!
//! Invariants:
//! - No byte before the original end of the file is ever written.
//! - Before the first byte is appended, a journal next to the bundle
//!   (`BUNDLE.evidentia-append`) records the original length, the SHA-256
//!   of the original file's last MiB, the final length and the SHA-256 of
//!   everything appended; it is fsynced, and so is its directory. It is
//!   removed only after the appended bytes are fsynced.
//! - A failed write rolls back (truncates to the original length); a crash
//!   leaves the journal, and [`repair`] either proves the append complete
//!   or restores the original bytes. It never guesses.
//! - Every I/O step goes through an [`AppendHook`] and the process's
//!   [`crate::testhook`], so tests can fail or pause any step. Nothing here
//!   prints or reads the environment.

use super::zip::{
    Archive, DosTime, ZipError, end_records, stored_central_header, stored_local_header,
};
use crate::testhook::{self, Op};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The journal's suffix, added to the bundle's file name.
pub const JOURNAL_SUFFIX: &str = ".evidentia-append";
/// The largest entry an append writes.
const MAX_APPENDED_ENTRY: usize = 16 << 20;
/// How much of the original file's end the journal hashes.
const TAIL_CHECK: u64 = 1 << 20;
/// The journal's type.
const JOURNAL_TYPE: &str = "evidentia/append-journal/v1";

/// Observes each I/O step of an append, numbered from 1; a test fails or
/// pauses one. A write step that fails writes half its bytes first, as a
/// full disk does.
pub trait AppendHook {
    /// Called before step `n`; an error fails that step.
    fn before(&mut self, n: usize) -> io::Result<()>;
    /// Called after step `n` succeeded.
    fn after(&mut self, n: usize);
}

/// The hook that does nothing.
pub struct NoHook;

impl AppendHook for NoHook {
    fn before(&mut self, _n: usize) -> io::Result<()> {
        Ok(())
    }
    fn after(&mut self, _n: usize) {}
}

/// Why an append failed.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The bundle cannot be read as a zip.
    #[error("cannot read the bundle: {0}")]
    Zip(#[from] ZipError),
    /// A journal from an earlier append is present.
    #[error("an earlier append was interrupted (journal {0} present)")]
    Pending(PathBuf),
    /// The container has unsafe entries; nothing is appended to it.
    #[error("the bundle has {0} unsafe zip entries; refusing to append")]
    Unsafe(usize),
    /// Another append changed the bundle meanwhile.
    #[error("the bundle changed while the append was being prepared")]
    Concurrent,
    /// An entry to append is too large or its name too long.
    #[error("entry {0} is too large to append")]
    TooLarge(String),
    /// A write failed; the bundle was restored to its original bytes
    /// when `rolled_back`, otherwise the journal is left for repair.
    #[error("write failed{}: {source}", if *.rolled_back { " (bundle restored)" } else { " (journal kept for repair)" })]
    Write {
        /// Whether the original bytes were restored.
        rolled_back: bool,
        /// The failure.
        source: io::Error,
    },
}

/// The journal document (docs/formats/bundle.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    /// Always `evidentia/append-journal/v1`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The bundle's length before the append.
    pub original_len: u64,
    /// Hex SHA-256 of the original file's last MiB (or all of it).
    pub original_tail_sha256: String,
    /// The bundle's length once the append is complete.
    pub final_len: u64,
    /// Hex SHA-256 of the appended bytes.
    pub appended_sha256: String,
}

/// The journal path of `bundle`.
pub fn journal_path(bundle: &Path) -> PathBuf {
    let mut s = bundle.as_os_str().to_owned();
    s.push(JOURNAL_SUFFIX);
    PathBuf::from(s)
}

pub(super) fn hex_sha256(data: &[u8]) -> String {
    to_hex(&Sha256::digest(data))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of `file`'s bytes in `[end - min(end, TAIL_CHECK), end)`.
pub(super) fn tail_hash(file: &File, end: u64) -> io::Result<String> {
    let start = end - end.min(TAIL_CHECK);
    let mut buf = vec![0u8; (end - start) as usize];
    file.read_exact_at(&mut buf, start)?;
    Ok(hex_sha256(&buf))
}

pub(super) fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Build the bytes to append: new local entries, the whole new central
/// directory and the end records, as separate writes.
fn plan(
    archive: &Archive,
    entries: &[(String, Vec<u8>)],
    when: DosTime,
) -> io::Result<Vec<Vec<u8>>> {
    let start = archive.len();
    let mut pieces = Vec::new();
    let mut cd = archive.raw(archive.cd_offset, archive.cd_size as usize)?;
    let mut at = start;
    for (name, data) in entries {
        let crc = crc32fast::hash(data);
        let size = data.len() as u32;
        let mut local = stored_local_header(name, crc, size, when);
        local.extend_from_slice(data);
        cd.extend_from_slice(&stored_central_header(name, crc, size, at, when));
        at += local.len() as u64;
        pieces.push(local);
    }
    let count = (archive.entry_count() + entries.len()) as u64;
    let end = end_records(at + cd.len() as u64, count, at, cd.len() as u64);
    pieces.push(cd);
    pieces.push(end);
    Ok(pieces)
}

/// Counts and runs the steps of one append through its hook (and the
/// process's [`crate::testhook`]).
struct Steps<'a> {
    n: usize,
    hook: &'a mut dyn AppendHook,
}

impl Steps<'_> {
    fn run(&mut self, kind: Op, path: &Path, f: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
        self.n += 1;
        self.hook.before(self.n)?;
        testhook::op(kind, path)?;
        f()?;
        self.hook.after(self.n);
        Ok(())
    }

    fn write(&mut self, file: &mut File, path: &Path, data: &[u8]) -> io::Result<()> {
        self.n += 1;
        if let Err(e) = self.hook.before(self.n) {
            let _ = file.write_all(&data[..data.len() / 2]);
            return Err(e);
        }
        testhook::write_all(file, path, data)?;
        self.hook.after(self.n);
        Ok(())
    }
}

/// Append `entries` (name, bytes; stored) to the zip at `path`. Returns
/// the bundle's new length.
pub fn append(
    path: &Path,
    entries: &[(String, Vec<u8>)],
    when: DosTime,
    hook: &mut dyn AppendHook,
) -> Result<u64, AppendError> {
    let journal = journal_path(path);
    if std::fs::symlink_metadata(&journal).is_ok() {
        return Err(AppendError::Pending(journal));
    }
    if let Some((n, _)) = entries
        .iter()
        .find(|(n, d)| d.len() > MAX_APPENDED_ENTRY || n.len() > 1024)
    {
        return Err(AppendError::TooLarge(n.clone()));
    }
    let (archive, issues) = Archive::open(path)?;
    if !issues.is_empty() {
        return Err(AppendError::Unsafe(issues.len()));
    }
    let original_len = archive.len();
    let io_err = |source| AppendError::Write {
        rolled_back: true,
        source,
    };
    let pieces = plan(&archive, entries, when).map_err(io_err)?;
    drop(archive);
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)
        .map_err(io_err)?;
    let mut appended = Sha256::new();
    for p in &pieces {
        appended.update(p);
    }
    let added: u64 = pieces.iter().map(|p| p.len() as u64).sum();
    let doc = Journal {
        kind: JOURNAL_TYPE.into(),
        original_len,
        original_tail_sha256: tail_hash(&file, original_len).map_err(io_err)?,
        final_len: original_len + added,
        appended_sha256: to_hex(&appended.finalize()),
    };
    let mut steps = Steps { n: 0, hook };
    let mut jbytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    jbytes.push(b'\n');
    // The journal: written and flushed before the bundle is touched.
    testhook::op(Op::Create, &journal).map_err(io_err)?;
    let mut jfile = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&journal)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => AppendError::Pending(journal.clone()),
            _ => io_err(e),
        })?;
    // The journal, created exclusively, is also the lock: if another
    // append got in since the plan was made, the plan is stale.
    if file.metadata().map(|m| m.len()).ok() != Some(original_len) {
        let _ = std::fs::remove_file(&journal);
        return Err(AppendError::Concurrent);
    }
    let journaled = steps
        .write(&mut jfile, &journal, &jbytes)
        .and_then(|_| steps.run(Op::Sync, &journal, || jfile.sync_all()))
        .and_then(|_| steps.run(Op::SyncDir, &journal, || sync_dir(&journal)));
    if let Err(source) = journaled {
        // Nothing was appended yet: the journal alone goes.
        let _ = std::fs::remove_file(&journal);
        return Err(io_err(source));
    }
    let mut written = Ok(());
    for p in &pieces {
        written = steps.write(&mut file, path, p);
        if written.is_err() {
            break;
        }
    }
    if let Err(source) = written.and_then(|_| steps.run(Op::Sync, path, || file.sync_all())) {
        return Err(rollback(&file, &journal, original_len, source));
    }
    steps
        .run(Op::Remove, &journal, || std::fs::remove_file(&journal))
        .map_err(|source| AppendError::Write {
            rolled_back: false,
            source,
        })?;
    steps
        .run(Op::SyncDir, &journal, || sync_dir(&journal))
        .map_err(|source| AppendError::Write {
            rolled_back: false,
            source,
        })?;
    Ok(original_len + added)
}

/// Undo a failed append: truncate to the original length, flush, and drop
/// the journal. If that fails too, the journal stays for [`repair`].
fn rollback(file: &File, journal: &Path, len: u64, source: io::Error) -> AppendError {
    let undone = file
        .set_len(len)
        .and_then(|_| file.sync_all())
        .and_then(|_| std::fs::remove_file(journal))
        .and_then(|_| sync_dir(journal));
    AppendError::Write {
        rolled_back: undone.is_ok(),
        source,
    }
}
