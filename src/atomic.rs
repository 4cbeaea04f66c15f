//! Complete-or-absent output: a temporary file in the target directory
//! that disappears unless committed, and a rename that never replaces an
//! existing file. Temporary names end in [`TMP_SUFFIX`], so a leftover of
//! a killed process is recognisable; [`remove_stale`] clears those whose
//! process is gone.

use crate::testhook::{self, Op};
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The suffix of every temporary output: a file whose name ends in it is
/// an unfinished write, never a result.
pub const TMP_SUFFIX: &str = ".evidentia-tmp";

/// Remove `dir/{prefix}{PID}.evidentia-tmp` files whose process no longer
/// runs (left by a crash or `kill -9`). Best effort; a name held by a
/// live process is kept.
pub fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|n| n.strip_suffix(TMP_SUFFIX))
            .and_then(|p| p.parse::<libc::pid_t>().ok());
        let Some(pid) = pid.filter(|p| *p > 0) else {
            continue;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A temporary output that is removed unless committed.
pub struct TempOut {
    /// Where the temporary file is.
    pub path: PathBuf,
    /// Set once the file was renamed into place (or must otherwise stay).
    pub keep: bool,
}

impl TempOut {
    /// Create `.{name}.{PID}.evidentia-tmp` beside `target` (its directory,
    /// its file name), new and with `mode` (0o600 for anything private),
    /// after clearing leftovers of the same name from dead processes.
    pub fn beside(target: &Path, mode: u32) -> io::Result<(File, TempOut)> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = target.file_name().unwrap_or(target.as_os_str());
        let prefix = format!(".{}.", name.to_string_lossy());
        remove_stale(dir, &prefix);
        let path = dir.join(format!("{prefix}{}{TMP_SUFFIX}", std::process::id()));
        testhook::op(Op::Create, &path)?;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .read(true)
            .create_new(true)
            .mode(mode)
            .open(&path)?;
        Ok((file, TempOut { path, keep: false }))
    }

    /// Flush `file` (this temporary file) to disk and rename it to
    /// `target`, never over an existing file.
    pub fn commit(mut self, file: File, target: &Path) -> io::Result<()> {
        file.sync_all()?;
        drop(file);
        rename_noreplace(&self.path, target)?;
        self.keep = true;
        Ok(())
    }
}

impl Drop for TempOut {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Rename `from` to `to` unless `to` exists (atomically where the kernel
/// supports it), then flush the directory.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    testhook::op(Op::Rename, to)?;
    let a = std::ffi::CString::new(from.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = std::ffi::CString::new(to.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: two valid NUL-terminated paths; AT_FDCWD for both.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc != 0 {
        let err = io::Error::last_os_error();
        if !matches!(err.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(err);
        }
        // File systems without RENAME_NOREPLACE: link (fails if `to`
        // exists), then drop the temporary name.
        std::fs::hard_link(from, to)?;
        std::fs::remove_file(from)?;
    }
    if let Some(dir) = to.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        // The bundle is in place: a failure here cannot be undone, so it
        // is not reported.
        if testhook::op(Op::SyncDir, dir).is_ok()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Paths removed if a fatal signal ends the process (see [`SignalGuard`]).
static GUARDED: [std::sync::atomic::AtomicPtr<libc::c_char>; 16] =
    [const { std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()) }; 16];

/// While it lives, `path` is removed by [`remove_guarded`], which a
/// signal handler calls before the process exits on Ctrl-C or a kill:
/// private plaintext must not outlive an interrupted command. Dropping
/// the guard only stops guarding (the owner removes or keeps the file).
pub struct SignalGuard {
    slot: Option<usize>,
}

impl SignalGuard {
    /// Guard `path`. At most 16 paths are guarded at once; beyond that
    /// the path is still removed on every normal exit, and the stale-file
    /// sweep of the next run ([`remove_stale`]) clears it after a signal.
    pub fn new(path: &Path) -> SignalGuard {
        use std::sync::atomic::Ordering;
        let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
            return SignalGuard { slot: None };
        };
        // Leaked on purpose: a handler may still hold the pointer while
        // another thread drops the guard, so it is never freed.
        let raw = c.into_raw();
        for (i, s) in GUARDED.iter().enumerate() {
            if s.compare_exchange(
                std::ptr::null_mut(),
                raw,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
            {
                return SignalGuard { slot: Some(i) };
            }
        }
        SignalGuard { slot: None }
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            GUARDED[i].store(std::ptr::null_mut(), std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Unlink every guarded path. Async-signal-safe (atomic loads and
/// `unlink`), for a signal handler that then ends the process.
pub fn remove_guarded() {
    for s in &GUARDED {
        let p = s.load(std::sync::atomic::Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: `p` is a leaked, never-freed NUL-terminated path.
            unsafe { libc::unlink(p) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_leftovers_of_gone_processes_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let me = std::process::id();
        let names = [
            format!(".b.zip.{gone}{TMP_SUFFIX}"),
            format!(".b.zip.{me}{TMP_SUFFIX}"),
            format!(".b.zip.{gone}.partial"),
            format!(".c.zip.{gone}{TMP_SUFFIX}"),
            format!(".b.zip.x{gone}{TMP_SUFFIX}"),
            "b.zip".to_string(),
        ];
        for n in &names {
            std::fs::write(d.path().join(n), b"x").unwrap();
        }
        remove_stale(d.path(), ".b.zip.");
        let guarded = d.path().join("plain");
        std::fs::write(&guarded, b"secret").unwrap();
        let g = SignalGuard::new(&guarded);
        remove_guarded();
        assert!(!guarded.exists());
        drop(g);
        std::fs::write(&guarded, b"secret").unwrap();
        remove_guarded();
        assert!(guarded.exists(), "an ended guard removes nothing");
        std::fs::remove_file(&guarded).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut want: Vec<String> = names[1..].to_vec();
        want.sort();
        assert_eq!(left, want);
    }
}
