//! The segment files of a set, kept open only a few at a time.
//!
//! A multi-terabyte set can have thousands of segments (EnCase's default
//! of 640 MiB makes 3 300 for 2 TiB), more than the usual limit of 1 024
//! open files. Each segment is remembered by path, length and identity
//! (device and inode); at most [`MAX_OPEN`] stay open, the most recently
//! used, and one opened again must be the same file of the same length,
//! or it is refused as replaced since the set was opened.

use crate::source::{OpenMode, open_evidence};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::EwfError;
use super::section::bad;

/// Most segment files kept open at once.
pub(crate) const MAX_OPEN: usize = if cfg!(test) { 2 } else { 64 };

/// One segment file of the set.
#[derive(Debug)]
pub(crate) struct Segment {
    /// Its path.
    pub path: PathBuf,
    /// Its length when the set was opened.
    pub len: u64,
    dev: u64,
    ino: u64,
}

/// The segments, in order, and the few that are open.
#[derive(Debug, Default)]
pub(crate) struct Segments {
    list: Vec<Segment>,
    /// Open files by segment index, most recently used last.
    open: Mutex<Vec<(usize, Arc<File>)>>,
}

impl Segments {
    /// Adds the next segment, open as `file`, `len` bytes long.
    pub(crate) fn push(&mut self, path: PathBuf, file: File, len: u64) -> Result<(), EwfError> {
        let meta = file.metadata().map_err(|source| EwfError::Io {
            path: path.clone(),
            source,
        })?;
        self.list.push(Segment {
            path,
            len,
            dev: meta.dev(),
            ino: meta.ino(),
        });
        let index = self.list.len() - 1;
        self.keep(index, Arc::new(file));
        Ok(())
    }

    /// Number of segments.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// The segments, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Segment> {
        self.list.iter()
    }

    /// Segment `index`; `None` past the last.
    pub(crate) fn get(&self, index: usize) -> Option<&Segment> {
        self.list.get(index)
    }

    /// The open file of segment `index` (opened again if it was closed).
    pub(crate) fn file(&self, index: usize) -> Result<Arc<File>, EwfError> {
        {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(pos) = open.iter().rposition(|(i, _)| *i == index) {
                let file = Arc::clone(&open[pos].1);
                if pos + 1 != open.len() {
                    let hit = open.remove(pos);
                    open.push(hit);
                }
                return Ok(file);
            }
        }
        let seg = self.list.get(index).ok_or_else(|| {
            bad(
                self.list.first().map_or(Path::new(""), |s| &s.path),
                0,
                "segment index past the last segment",
            )
        })?;
        let io = |source| EwfError::Io {
            path: seg.path.clone(),
            source,
        };
        let file = open_evidence(&seg.path, OpenMode::Direct).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if (meta.dev(), meta.ino(), meta.len()) != (seg.dev, seg.ino, seg.len) {
            return Err(bad(
                &seg.path,
                0,
                "segment file replaced or resized since the set was opened",
            ));
        }
        let file = Arc::new(file);
        self.keep(index, Arc::clone(&file));
        Ok(file)
    }

    /// Keeps `file` open as the most recently used, closing the least
    /// recently used beyond [`MAX_OPEN`].
    fn keep(&self, index: usize, file: Arc<File>) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|(i, _)| *i != index);
        if open.len() >= MAX_OPEN {
            open.remove(0);
        }
        open.push((index, file));
    }

    /// Heap bytes kept per segment for the life of the image.
    #[cfg(test)]
    pub(crate) fn kept_bytes(&self) -> usize {
        self.list.capacity() * size_of::<Segment>()
            + self.list.iter().map(|s| s.path.capacity()).sum::<usize>()
    }
}
