//! Fault and pause points for the crash-safety tests (docs/testing.md).
//!
//! Every operation that makes output durable (creating, writing, syncing,
//! renaming or linking a file, syncing a directory, committing a locker
//! transaction) calls [`op`] just before it runs. Operations are numbered
//! from 1 in the order one process performs them.
//!
//! Invariants:
//! - The points themselves ([`op`], [`write_all`], [`HookedFile`]) are
//!   always compiled, so the code that makes output durable reads the same
//!   in every build. The hook registry behind them (`install`, the
//!   operation counter) exists only under the cargo feature `test-hooks`,
//!   which the test suite and the fuzz targets turn on; without it [`op`]
//!   is an inlined `Ok(())` and a release binary carries no hook at all.
//! - With the feature but without an installed hook (always, except when
//!   the command line sees `EVIDENTIA_TEST_FAIL_OP` or
//!   `EVIDENTIA_TEST_PAUSE_OP`), [`op`] is one atomic load and returns `Ok`.
//! - A hook can only make an operation fail, never succeed: [`op`] runs
//!   before the real operation, whose own result still counts.
//! - The library never reads the environment or prints: the command line
//!   installs the hook.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The kind of an output operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Create a file or directory.
    Create,
    /// Write bytes to a file.
    Write,
    /// fsync a file.
    Sync,
    /// fsync a directory (after a create, rename or link in it).
    SyncDir,
    /// Rename a file into place.
    Rename,
    /// Hard-link a file into place.
    Link,
    /// Remove a file as part of a protocol (not a best-effort clean-up).
    Remove,
    /// Commit a locker transaction.
    Commit,
    /// Read the next block of a ciphertext being decrypted (its plaintext
    /// is written to a private temporary file): a pause point, so a test
    /// can interrupt a decryption half-way.
    Decrypt,
}

impl Op {
    /// The name printed in pause markers.
    pub fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Write => "write",
            Op::Sync => "fsync",
            Op::SyncDir => "fsync-dir",
            Op::Rename => "rename",
            Op::Link => "link",
            Op::Remove => "remove",
            Op::Commit => "commit",
            Op::Decrypt => "decrypt",
        }
    }
}

/// Announce operation `kind` on `path`; an error means it must not run.
/// Without the `test-hooks` feature there is no hook and this is `Ok`.
#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn op(_kind: Op, _path: &Path) -> io::Result<()> {
    Ok(())
}

/// Announce operation `kind` on `path`; an error means it must not run.
#[cfg(feature = "test-hooks")]
#[inline]
pub fn op(kind: Op, path: &Path) -> io::Result<()> {
    registry::op(kind, path)
}

#[cfg(feature = "test-hooks")]
pub use registry::{Hook, disk_full, install};

/// The hook registry: only in builds with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
mod registry {
    use super::Op;
    use std::io;
    use std::path::Path;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Called with an operation's number, kind and path before it runs; an
    /// error fails the operation.
    pub type Hook = fn(u64, Op, &Path) -> io::Result<()>;

    static HOOK: OnceLock<Hook> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);

    /// Install the process's hook (only the first call counts).
    pub fn install(hook: Hook) {
        let _ = HOOK.set(hook);
    }

    /// Run the installed hook, if any, on the next operation number.
    #[inline]
    pub(super) fn op(kind: Op, path: &Path) -> io::Result<()> {
        match HOOK.get() {
            None => Ok(()),
            Some(hook) => hook(COUNT.fetch_add(1, Ordering::SeqCst) + 1, kind, path),
        }
    }

    /// The error a full disk gives.
    pub fn disk_full() -> io::Error {
        io::Error::from_raw_os_error(libc::ENOSPC)
    }
}

/// `out.write_all(data)` as one [`Op::Write`]. When the hook fails it,
/// half the bytes are written first, as a full disk does.
pub fn write_all(out: &mut impl Write, path: &Path, data: &[u8]) -> io::Result<()> {
    if let Err(e) = op(Op::Write, path) {
        let _ = out.write_all(&data[..data.len() / 2]);
        return Err(e);
    }
    out.write_all(data)
}

/// A file whose writes and fsync are announced to [`op`].
#[derive(Debug)]
pub struct HookedFile {
    file: File,
    path: PathBuf,
}

impl HookedFile {
    /// Wrap `file`, known as `path` in hook calls.
    pub fn new(file: File, path: &Path) -> HookedFile {
        HookedFile {
            file,
            path: path.to_path_buf(),
        }
    }

    /// fsync, as one [`Op::Sync`].
    pub fn sync_all(&self) -> io::Result<()> {
        op(Op::Sync, &self.path)?;
        self.file.sync_all()
    }
}

impl Write for HookedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Err(e) = op(Op::Write, &self.path) {
            let _ = self.file.write_all(&buf[..buf.len() / 2]);
            return Err(e);
        }
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for HookedFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}
