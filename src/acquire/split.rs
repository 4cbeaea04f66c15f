//! The image writer: one `image.raw`, or segments `image.000`,
//! `image.001`, ... of at most the split size each.
//!
//! Every segment is created new (never overwriting anything) and fsynced
//! when it is closed; the directory is fsynced at the end so the names are
//! durable too.
//!
//! Writes bypass the page cache (`O_DIRECT`) where the file system allows
//! it and the bytes are aligned: a forensic image is written once and not
//! read back soon, buffered writes of gigabytes cost much system time (and
//! leave the final fsync with everything still to write), and direct
//! writes from the engine's aligned buffers need no copy. An unaligned
//! piece (the tail of the source, a split point inside a block) switches
//! that segment to ordinary buffered writes; the fsync at close covers
//! both.
//!
//! The file-system operations are in four places: `create_new` (a
//! segment is created), `write_chunk` (bytes go to it), the fsyncs in
//! `close_current` and [`sync_dir`].

use super::AcquireError;
use crate::direct::{direct_ok, set_direct};
use crate::model::acquisition::Segment;
use crate::testhook::{self, Op};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes the image into the acquisition directory.
pub struct ImageWriter {
    dir: PathBuf,
    split: Option<u64>,
    current: Option<Current>,
    segments: Vec<Segment>,
}

/// The segment being written.
struct Current {
    file: File,
    path: PathBuf,
    /// `O_DIRECT` is on for `file`.
    direct: bool,
}

/// The name of segment `index` (`image.raw` when not split).
pub fn segment_name(split: bool, index: usize) -> String {
    if split {
        format!("image.{index:03}")
    } else {
        "image.raw".to_string()
    }
}

/// Create a segment; it must not exist.
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

/// Write all of `data` at the end of the segment (`pos` bytes long now),
/// as one [`Op::Write`] of the test hook (a failed one writes half the
/// bytes first, as a full disk does).
fn write_chunk(cur: &mut Current, data: &[u8], pos: u64) -> io::Result<()> {
    if let Err(e) = testhook::op(Op::Write, &cur.path) {
        let _ = write_raw(cur, &data[..data.len() / 2], pos);
        return Err(e);
    }
    write_raw(cur, data, pos)
}

/// Write all of `data` directly when `cur.direct` and the piece is
/// aligned, else buffered (and the segment stays buffered from then on).
fn write_raw(cur: &mut Current, mut data: &[u8], mut pos: u64) -> io::Result<()> {
    while !data.is_empty() {
        if cur.direct && !direct_ok(data, pos) {
            if !set_direct(&cur.file, false) {
                return Err(io::Error::other("cannot switch off O_DIRECT"));
            }
            cur.direct = false;
        }
        match cur.file.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                data = &data[n..];
                pos += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A direct write the file system will not take is no verdict
            // on the disk: write the same bytes buffered.
            Err(e) if cur.direct && e.raw_os_error() == Some(libc::EINVAL) => {
                if !set_direct(&cur.file, false) {
                    return Err(e);
                }
                cur.direct = false;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
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
        let direct = set_direct(&file, true);
        self.segments.push(Segment { name, size: 0 });
        self.current = Some(Current { file, path, direct });
        Ok(())
    }

    fn close_current(&mut self) -> Result<(), AcquireError> {
        if let Some(Current { file, path, .. }) = self.current.take() {
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
            if let Some(cur) = &mut self.current {
                write_chunk(cur, &data[..take], used).map_err(|source| AcquireError::Write {
                    path: cur.path.clone(),
                    source,
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

    /// Bytes written so far, over all segments.
    pub fn written(&self) -> u64 {
        self.segments.iter().map(|s| s.size).sum()
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

    /// Aligned blocks (written directly where the file system allows it),
    /// an unaligned tail, split points inside blocks: the bytes come out
    /// the same either way.
    #[test]
    fn direct_and_buffered_pieces_keep_every_byte() {
        let data: Vec<u8> = (0..(4096 * 6 + 300))
            .map(|i| (i * 31 % 253) as u8)
            .collect();
        let mut block = crate::hash::PoolBuf::aligned(4096 * 2);
        for split in [None, Some(4096 * 3), Some(5000)] {
            let dir = tempfile::tempdir().unwrap();
            let mut w = ImageWriter::new(dir.path(), split).unwrap();
            for chunk in data.chunks(4096 * 2) {
                block[..chunk.len()].copy_from_slice(chunk);
                w.write(&block[..chunk.len()]).unwrap();
            }
            assert_eq!(w.written(), data.len() as u64);
            let segs = w.finish().unwrap();
            let mut joined = Vec::new();
            for s in &segs {
                let bytes = std::fs::read(dir.path().join(&s.name)).unwrap();
                assert_eq!(bytes.len() as u64, s.size);
                joined.extend(bytes);
            }
            assert!(joined == data, "split {split:?}");
        }
    }

    #[test]
    fn exact_multiple_leaves_no_empty_segment() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = ImageWriter::new(dir.path(), Some(10)).unwrap();
        w.write(&[7u8; 20]).unwrap();
        assert_eq!(w.finish().unwrap().len(), 2);
    }
}
