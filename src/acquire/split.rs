//! The image writer: one `image.raw`, or segments `image.000`,
//! `image.001`, ... of at most the split size each.
//!
//! Every segment is created new (never overwriting anything) and fsynced
//! when it is closed; the directory is fsynced at the end so the names are
//! durable too.

use super::AcquireError;
use crate::testhook::{self, Op};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// One file of the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// File name inside the acquisition directory.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Writes the image into the acquisition directory.
pub struct ImageWriter {
    dir: PathBuf,
    split: Option<u64>,
    current: Option<(File, PathBuf)>,
    segments: Vec<Segment>,
}

/// The name of segment `index` (`image.raw` when not split).
pub fn segment_name(split: bool, index: usize) -> String {
    if split {
        format!("image.{index:03}")
    } else {
        "image.raw".to_string()
    }
}

fn create_new(path: &Path) -> Result<File, AcquireError> {
    let err = |source| AcquireError::Write {
        path: path.to_path_buf(),
        source,
    };
    testhook::op(Op::Create, path).map_err(err)?;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(err)
}

impl ImageWriter {
    /// Start the image in `dir` (which exists and is empty); the first
    /// segment is created at once, so even an empty source leaves a file.
    pub fn new(dir: &Path, split: Option<u64>) -> Result<ImageWriter, AcquireError> {
        let mut w = ImageWriter {
            dir: dir.to_path_buf(),
            split: split.filter(|s| *s > 0),
            current: None,
            segments: Vec::new(),
        };
        w.open_next()?;
        Ok(w)
    }

    fn open_next(&mut self) -> Result<(), AcquireError> {
        let name = segment_name(self.split.is_some(), self.segments.len());
        let path = self.dir.join(&name);
        let file = create_new(&path)?;
        self.segments.push(Segment { name, size: 0 });
        self.current = Some((file, path));
        Ok(())
    }

    fn close_current(&mut self) -> Result<(), AcquireError> {
        if let Some((file, path)) = self.current.take() {
            testhook::op(Op::Sync, &path)
                .and_then(|()| file.sync_all())
                .map_err(|source| AcquireError::Write { path, source })?;
        }
        Ok(())
    }

    /// Append bytes, starting new segments as each one fills.
    pub fn write(&mut self, mut data: &[u8]) -> Result<(), AcquireError> {
        while !data.is_empty() {
            if self.current.is_none() {
                self.open_next()?;
            }
            let used = self.segments.last().map_or(0, |s| s.size);
            let room = self.split.map_or(u64::MAX, |s| s - used);
            let take = (data.len() as u64).min(room) as usize;
            if let Some((file, path)) = &mut self.current {
                testhook::write_all(file, path, &data[..take]).map_err(|source| {
                    AcquireError::Write {
                        path: path.clone(),
                        source,
                    }
                })?;
            }
            if let Some(seg) = self.segments.last_mut() {
                seg.size += take as u64;
                if Some(seg.size) == self.split {
                    self.close_current()?;
                }
            }
            data = &data[take..];
        }
        Ok(())
    }

    /// The segments written so far.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Flush everything to stable storage and return the segments.
    pub fn finish(mut self) -> Result<Vec<Segment>, AcquireError> {
        self.close_current()?;
        sync_dir(&self.dir)?;
        Ok(self.segments)
    }
}

/// fsync a directory so the names in it are durable.
pub fn sync_dir(dir: &Path) -> Result<(), AcquireError> {
    testhook::op(Op::SyncDir, dir)
        .and_then(|()| File::open(dir))
        .and_then(|d| d.sync_all())
        .map_err(|source| AcquireError::Write {
            path: dir.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_segments_fill_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = ImageWriter::new(dir.path(), Some(1000)).unwrap();
        let data: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
        w.write(&data[..700]).unwrap();
        w.write(&data[700..2000]).unwrap();
        w.write(&data[2000..]).unwrap();
        let segs = w.finish().unwrap();
        let sizes: Vec<(&str, u64)> = segs.iter().map(|s| (s.name.as_str(), s.size)).collect();
        assert_eq!(
            sizes,
            vec![("image.000", 1000), ("image.001", 1000), ("image.002", 500)]
        );
        let mut joined = Vec::new();
        for s in &segs {
            joined.extend(std::fs::read(dir.path().join(&s.name)).unwrap());
        }
        assert_eq!(joined, data);
    }

    #[test]
    fn exact_multiple_leaves_no_empty_segment() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = ImageWriter::new(dir.path(), Some(10)).unwrap();
        w.write(&[7u8; 20]).unwrap();
        assert_eq!(w.finish().unwrap().len(), 2);
    }
}
