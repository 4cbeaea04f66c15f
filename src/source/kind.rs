//! The one classifier of file types: what a directory entry, an opened
//! file or a zip entry's Unix mode is ([`FileKind`]). The tree walk, the
//! check that an opened tree entry is still a regular file, and the zip
//! reader (a bundle must be a regular file; an entry's mode must be one)
//! all ask it, so that a FIFO, a socket or a device is named the same way
//! everywhere.

use std::fs::FileType;
use std::os::unix::fs::FileTypeExt;

/// What kind of file something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (seen only where links are not followed).
    Symlink,
    /// Anything else: a FIFO, a socket, a device node.
    Special(SpecialKind),
}

/// A kind of special file (skipped inside trees).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialKind {
    /// A named pipe.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A block device node.
    BlockDevice,
    /// A character device node.
    CharDevice,
    /// Anything else that is not a file, directory or link.
    Other,
}

/// The file type bits of a Unix mode (`S_IFMT`).
pub const TYPE_BITS: u32 = 0o170000;

impl FileKind {
    /// The kind of a file type, as `stat` or a directory listing gives it.
    pub fn of(ft: &FileType) -> FileKind {
        if ft.is_file() {
            FileKind::File
        } else if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_fifo() {
            FileKind::Special(SpecialKind::Fifo)
        } else if ft.is_socket() {
            FileKind::Special(SpecialKind::Socket)
        } else if ft.is_block_device() {
            FileKind::Special(SpecialKind::BlockDevice)
        } else if ft.is_char_device() {
            FileKind::Special(SpecialKind::CharDevice)
        } else {
            FileKind::Special(SpecialKind::Other)
        }
    }

    /// The kind a Unix mode's type bits ([`TYPE_BITS`]) say. Type bits of
    /// 0 name no type at all: [`SpecialKind::Other`] (a caller to whom
    /// "no type" means a plain file decides that itself).
    pub fn from_mode(mode: u32) -> FileKind {
        match mode & TYPE_BITS {
            0o100000 => FileKind::File,
            0o040000 => FileKind::Dir,
            0o120000 => FileKind::Symlink,
            0o010000 => FileKind::Special(SpecialKind::Fifo),
            0o140000 => FileKind::Special(SpecialKind::Socket),
            0o060000 => FileKind::Special(SpecialKind::BlockDevice),
            0o020000 => FileKind::Special(SpecialKind::CharDevice),
            _ => FileKind::Special(SpecialKind::Other),
        }
    }
}

impl SpecialKind {
    /// A short human name ("fifo", "socket", ...).
    pub fn name(self) -> &'static str {
        match self {
            SpecialKind::Fifo => "fifo",
            SpecialKind::Socket => "socket",
            SpecialKind::BlockDevice => "block device",
            SpecialKind::CharDevice => "character device",
            SpecialKind::Other => "special file",
        }
    }

    /// The special kind of a file type; [`SpecialKind::Other`] for a
    /// file, a directory or a link, which are not special files.
    pub(super) fn of(ft: &FileType) -> SpecialKind {
        match FileKind::of(ft) {
            FileKind::Special(k) => k,
            _ => SpecialKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_file_types_agree() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let link = dir.path().join("l");
        std::os::unix::fs::symlink("f", &link).unwrap();
        for p in [dir.path(), &file, &link, std::path::Path::new("/dev/null")] {
            use std::os::unix::fs::MetadataExt;
            let md = std::fs::symlink_metadata(p).unwrap();
            assert_eq!(
                FileKind::of(&md.file_type()),
                FileKind::from_mode(md.mode())
            );
        }
        assert_eq!(
            FileKind::of(&std::fs::metadata("/dev/null").unwrap().file_type()),
            FileKind::Special(SpecialKind::CharDevice)
        );
        assert_eq!(
            FileKind::from_mode(0o010644),
            FileKind::Special(SpecialKind::Fifo)
        );
        assert_eq!(
            FileKind::from_mode(0o644),
            FileKind::Special(SpecialKind::Other)
        );
    }
}
