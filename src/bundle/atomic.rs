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
pub(crate) fn remove_stale(dir: &Path, prefix: &str) {
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
pub(super) struct TempOut {
    pub path: PathBuf,
    pub keep: bool,
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
pub(super) fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
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
