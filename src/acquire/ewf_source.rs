//! An EWF-E01 set's media data as a [`SectorSource`]: the acquisition run
//! (hashing, writing, pieces, split, map, verification) reads it like any
//! image file.
//!
//! Invariants:
//! - Every chunk is checked before any of its bytes are returned.
//! - A chunk that fails its check is returned as zeros and remembered (its
//!   number, media range, segment and problem), never as the bytes that
//!   failed; the run goes on, and the caller records every failure.
//! - A read error of a segment file is an I/O error, as for a disk: the
//!   run's sector rescue and bad-sector record take it from there.
//! - Reads in order are served by the parallel decoder; any other read
//!   (the rescue, a verification pass) decodes its chunk on the spot.

use super::map::BadRanges;
use super::reader::SectorSource;
use crate::ewf::{Chunks, EwfError, EwfImage};
use crate::model::acquisition::ByteRange;
use crate::model::acquisition_ewf::{EwfChunkError, MAX_CHUNK_ERRORS};
use std::collections::BTreeSet;
use std::io;
use std::sync::Arc;

/// Decoder threads for in-order reads: one per core beyond the first
/// (which the hashes and the writer keep busy), at least one.
fn decoder_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// The media data of an opened set.
pub struct EwfMedia {
    image: Arc<EwfImage>,
    /// The in-order decoder and the chunk index it gives next.
    stream: Option<(Chunks, u64)>,
    /// The chunk held: its index and its bytes (zeros if it failed).
    current: Option<(u64, Vec<u8>)>,
    scratch: Vec<u8>,
    /// The media ranges of the chunks that failed (merged: bounded memory
    /// when whole runs fail).
    failed: BadRanges,
    /// Chunks that failed, each counted once however often it is read.
    failed_count: u64,
    /// The first [`MAX_CHUNK_ERRORS`] failures, described.
    errors: Vec<EwfChunkError>,
    /// Every chunk below this one was read and checked.
    checked_below: u64,
    /// Chunks at or past `checked_below` read out of order (the sector
    /// rescue): few, so the bookkeeping stays small on any set.
    checked_beyond: BTreeSet<u64>,
}

impl EwfMedia {
    /// The media of `image`.
    pub fn new(image: Arc<EwfImage>) -> EwfMedia {
        EwfMedia {
            image,
            stream: None,
            current: None,
            scratch: Vec::new(),
            failed: BadRanges::new(),
            failed_count: 0,
            errors: Vec::new(),
            checked_below: 0,
            checked_beyond: BTreeSet::new(),
        }
    }

    /// The set.
    pub fn image(&self) -> &EwfImage {
        &self.image
    }

    /// Number of chunks that failed their check.
    pub fn chunks_failed(&self) -> u64 {
        self.failed_count
    }

    /// Number of distinct chunks read and checked.
    pub fn chunks_checked(&self) -> u64 {
        self.checked_below + self.checked_beyond.len() as u64
    }

    /// The failures (the first [`MAX_CHUNK_ERRORS`]).
    pub fn chunk_errors(&self) -> &[EwfChunkError] {
        &self.errors
    }

    /// The media ranges of the failed chunks (zeros in what was returned).
    pub fn failed_ranges(&self) -> Vec<ByteRange> {
        self.failed.ranges().to_vec()
    }

    /// Marks chunk `index` as read; true the first time.
    fn first_read(&mut self, index: u64) -> bool {
        if index == self.checked_below {
            self.checked_below += 1;
            while self.checked_beyond.remove(&self.checked_below) {
                self.checked_below += 1;
            }
            true
        } else {
            index > self.checked_below && self.checked_beyond.insert(index)
        }
    }

    /// Makes chunk `index` the current one.
    fn load(&mut self, index: u64) -> io::Result<()> {
        if self.current.as_ref().is_some_and(|c| c.0 == index) {
            return Ok(());
        }
        let mut buf = match self.current.take() {
            Some((_, b)) => b,
            None => Vec::new(),
        };
        // Reading from the start again (a verification pass) restarts the
        // in-order decoder; a read elsewhere decodes its chunk here.
        if index == 0 && self.stream.as_ref().is_none_or(|s| s.1 != 0) {
            self.stream = Some((Chunks::new(Arc::clone(&self.image), decoder_threads()), 0));
        }
        let result = match &mut self.stream {
            Some((chunks, next)) if *next == index => {
                chunks.recycle(buf);
                match chunks.next() {
                    Some(d) if d.index == index => {
                        *next += 1;
                        d.result
                    }
                    _ => Err(EwfError::Malformed {
                        path: self
                            .image
                            .segment_paths()
                            .next()
                            .map(Into::into)
                            .unwrap_or_default(),
                        offset: 0,
                        reason: "the chunk decoder ended early",
                    }),
                }
            }
            _ => {
                self.stream = None;
                self.image
                    .read_chunk(index, &mut buf, &mut self.scratch)
                    .map(|()| buf)
            }
        };
        let data = match result {
            Ok(data) => data,
            Err(e) if e.is_data_mismatch() => self.fail(index, &e),
            Err(EwfError::Io { source, .. }) => return Err(source),
            Err(e) => return Err(io::Error::other(e.to_string())),
        };
        self.first_read(index);
        self.current = Some((index, data));
        Ok(())
    }

    /// Records that chunk `index` failed with `e`; returns its zeros.
    fn fail(&mut self, index: u64, e: &EwfError) -> Vec<u8> {
        let size = self.image.chunk_size();
        let len = size.min(self.image.media_size() - index * size);
        let first = index >= self.checked_below && !self.checked_beyond.contains(&index);
        if first {
            self.failed_count += 1;
            self.failed.add(index * size, len);
        }
        if first
            && self.errors.len() < MAX_CHUNK_ERRORS
            && let EwfError::Chunk {
                chunk,
                start,
                end,
                path,
                problem,
            } = e
        {
            self.errors.push(EwfChunkError {
                chunk: *chunk,
                range: ByteRange {
                    offset: *start,
                    length: end - start,
                },
                segment: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                problem: problem.to_string(),
            });
        }
        vec![0u8; len as usize]
    }
}

impl SectorSource for EwfMedia {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let media = self.image.media_size();
        let size = self.image.chunk_size();
        let mut done = 0usize;
        while done < buf.len() && offset + (done as u64) < media {
            let pos = offset + done as u64;
            let index = pos / size;
            self.load(index)?;
            let Some((_, data)) = &self.current else {
                break;
            };
            let within = (pos - index * size) as usize;
            let n = (buf.len() - done).min(data.len() - within);
            buf[done..done + n].copy_from_slice(&data[within..within + n]);
            done += n;
        }
        Ok(done)
    }

    fn size(&mut self) -> io::Result<Option<u64>> {
        Ok(Some(self.image.media_size()))
    }
}
