//! Complete-or-absent output: a temporary file in the target directory
//! that disappears unless committed, and a rename that never replaces an
//! existing file.

use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

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
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
