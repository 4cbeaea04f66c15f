//! A fail-closed reader of EWF-E01 segment sets (`.E01`, `.E02`, ...), as
//! written by EnCase 5 to 7, FTK Imager, linen and libewf's `ewfacquire`.
//!
//! The input is hostile: every section descriptor, table, volume, hash and
//! chunk carries a checksum and every one is checked; every offset is
//! checked against its file's length before it is read; no length field
//! sizes an allocation without a fixed bound. [`EwfImage::open`] checks the
//! whole structure of the set (all segments, in order, up to the `done`
//! section, with no segment missing or extra); [`EwfImage::media`] then
//! streams the media data, checking each chunk as it is read. Checking the
//! media against the stored MD5/SHA-1 ([`EwfImage::stored_hashes`]) is the
//! caller's job: it hashes what the reader returns.
//!
//! Format facts are from libyal/libewf's "Expert Witness Compression Format
//! (EWF)" document ("the spec"), summarised in `notes/ewf-findings.md`.

mod ahead;
mod error;
mod hash;
mod header;
mod index;
mod section;
mod segments;
mod table;
mod volume;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_ahead;
#[cfg(test)]
mod tests_index;

use crate::source::{OpenMode, open_evidence};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

pub use ahead::{Chunks, Decoded};
pub use error::{ChunkProblem, EwfError};
pub use hash::StoredHashes;
pub use header::{HeaderEncoding, HeaderInfo, HeaderProblem, InflateProblem};
#[cfg(test)]
pub(crate) use section::adler32;
pub use table::AcquisitionError;
pub use volume::{MAX_CHUNK_SIZE, Volume};

use index::ChunkIndex;
use section::{Section, SectionKind, read_at};
use segments::Segments;
use table::ChunkLoc;

/// Most segments in a set: `.E01`..`.E99`, then `.EAA`..`.ZZZ` (spec
/// "Segment file extensions").
pub const MAX_SEGMENTS: u32 = 99 + 22 * 26 * 26;

/// An opened, structurally checked EWF-E01 segment set.
#[derive(Debug)]
pub struct EwfImage {
    segments: Segments,
    volume: Volume,
    index: ChunkIndex,
    header: Option<HeaderInfo>,
    stored: StoredHashes,
    errors: Vec<AcquisitionError>,
}

/// The file extension of segment `n` (1-based), in upper or lower case.
/// `None` beyond `.ZZZ`.
pub fn segment_extension(n: u32, lower: bool) -> Option<String> {
    let ext = match n {
        0 => return None,
        1..=99 => format!("E{n:02}"),
        _ if n <= MAX_SEGMENTS => {
            // .EAA is 100; letters run EAA..EZZ, FAA..ZZZ.
            let v = (n - 100) + 4 * 26 * 26;
            let letter = |i: u32| char::from(b'A' + (i % 26) as u8);
            [letter(v / 676), letter(v / 26), letter(v)]
                .iter()
                .collect()
        }
        _ => return None,
    };
    Some(if lower { ext.to_ascii_lowercase() } else { ext })
}

impl EwfImage {
    /// Opens the set whose first segment is `first` (`*.E01`), finds the
    /// other segments by name, and checks the whole structure.
    pub fn open(first: &Path) -> Result<Self, EwfError> {
        let not_first = || EwfError::NotFirstSegment {
            path: first.to_path_buf(),
        };
        let ext = first
            .extension()
            .and_then(|e| e.to_str())
            .ok_or_else(not_first)?;
        let lower = match ext {
            "E01" => false,
            "e01" => true,
            _ => return Err(not_first()),
        };
        let mut builder = Builder::default();
        let mut n = 1u32;
        loop {
            let ext = segment_extension(n, lower)
                .ok_or_else(|| section::bad(first, 0, "more segments than .ZZZ"))?;
            let path = first.with_extension(ext);
            let file = match open_evidence(&path, OpenMode::Direct) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(EwfError::MissingSegment { path });
                }
                Err(source) => return Err(EwfError::Io { path, source }),
            };
            let done = builder.add_segment(n, path, file)?;
            if done {
                break;
            }
            n += 1;
        }
        // Any file named as the next segment, in either case, is extra.
        for case in [lower, !lower] {
            if let Some(ext) = segment_extension(n + 1, case) {
                let path = first.with_extension(ext);
                if path.symlink_metadata().is_ok() {
                    return Err(EwfError::ExtraSegment { path });
                }
            }
        }
        builder.finish(first)
    }

    /// The media geometry from the volume section.
    pub fn volume(&self) -> &Volume {
        &self.volume
    }

    /// Size of the media in bytes.
    pub fn media_size(&self) -> u64 {
        self.volume.media_size()
    }

    /// Bytes per sector.
    pub fn bytes_per_sector(&self) -> u32 {
        self.volume.bytes_per_sector
    }

    /// Bytes per chunk.
    pub fn chunk_size(&self) -> u64 {
        self.volume.chunk_size()
    }

    /// Number of chunks.
    pub fn chunk_count(&self) -> u64 {
        self.index.chunk_count()
    }

    /// The segment files, in order.
    pub fn segment_paths(&self) -> impl Iterator<Item = &Path> {
        self.segments.iter().map(|s| s.path.as_path())
    }

    /// The case metadata (from header2 when present, else header).
    pub fn header(&self) -> Option<&HeaderInfo> {
        self.header.as_ref()
    }

    /// The hashes stored by the acquiring tool (possibly none).
    pub fn stored_hashes(&self) -> &StoredHashes {
        &self.stored
    }

    /// Sector runs the acquiring tool could not read (`error2`).
    pub fn acquisition_errors(&self) -> &[AcquisitionError] {
        &self.errors
    }

    /// A reader of the media data from byte 0, checking every chunk.
    pub fn media(&self) -> MediaReader<'_> {
        MediaReader {
            image: self,
            pos: 0,
            chunk: None,
            data: Vec::new(),
            stored: Vec::new(),
        }
    }

    /// Where chunk `index` is stored.
    pub(crate) fn locate(&self, index: u64) -> Result<ChunkLoc, EwfError> {
        if index >= self.chunk_count() {
            return Err(EwfError::ChunkIndex {
                index,
                count: self.chunk_count(),
            });
        }
        self.index.locate(index, &self.segments)
    }

    /// Bytes of heap kept for the life of the image by the chunk index and
    /// the segment list (the table cache and the metadata aside): a few
    /// dozen bytes per table and per segment, nothing per chunk.
    #[cfg(test)]
    pub(crate) fn index_bytes(&self) -> usize {
        self.index.kept_bytes() + self.segments.kept_bytes()
    }

    /// The path of segment `index` (from 0).
    #[cfg(test)]
    pub(crate) fn segment_path(&self, index: u16) -> &Path {
        self.segments
            .get(usize::from(index))
            .map_or(Path::new(""), |s| &s.path)
    }

    /// Reads and checks chunk `index` (from 0) into `data` (replacing its
    /// contents), using `scratch` for the stored bytes. Both buffers are
    /// reused across calls; neither grows beyond twice the chunk size plus
    /// 1 KiB. A chunk that fails its check is [`EwfError::Chunk`]; an index
    /// at or past [`EwfImage::chunk_count`] is [`EwfError::ChunkIndex`].
    pub fn read_chunk(
        &self,
        index: u64,
        data: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
    ) -> Result<(), EwfError> {
        let stored = scratch;
        let loc = self.locate(index)?;
        let size = self.chunk_size();
        let start = index * size;
        let end = (start + size).min(self.media_size());
        let len = end - start;
        let segment = usize::from(loc.segment);
        let seg = self.segments.get(segment).ok_or(EwfError::ChunkIndex {
            index,
            count: self.chunk_count(),
        })?;
        let file = self.segments.file(segment)?;
        let fail = |problem| EwfError::Chunk {
            chunk: index,
            start,
            end,
            path: seg.path.clone(),
            problem,
        };
        let read = |buf: &mut Vec<u8>| {
            // Bounded: `stored_len` was checked at open against 2 × chunk size + 1 KiB.
            buf.resize(loc.stored_len as usize, 0);
            file.read_exact_at(buf, loc.offset)
                .map_err(|source| EwfError::Io {
                    path: seg.path.clone(),
                    source,
                })
        };
        if loc.compressed {
            read(stored)?;
            header::inflate_zlib(stored, len as usize, data)
                .map_err(|p| fail(ChunkProblem::Inflate(p)))?;
            if data.len() as u64 != len {
                return Err(fail(ChunkProblem::Length {
                    expected: len,
                    actual: data.len() as u64,
                }));
            }
        } else {
            if u64::from(loc.stored_len) != len + 4 {
                return Err(fail(ChunkProblem::StoredLength {
                    expected: len + 4,
                    actual: u64::from(loc.stored_len),
                }));
            }
            // Read straight into `data` (no copy): the chunk, then its Adler-32.
            read(data)?;
            let expected = section::le32(data, len as usize);
            data.truncate(len as usize);
            let actual = section::adler32(data);
            if expected != actual {
                data.clear();
                return Err(fail(ChunkProblem::Checksum { expected, actual }));
            }
        }
        Ok(())
    }
}

/// A streaming reader of the media data. Every chunk is checked before any
/// of its bytes are returned; a failed check is an [`io::Error`] wrapping
/// the [`EwfError`] (get it back with [`MediaReader::take_error`] or
/// `io::Error::into_inner`).
pub struct MediaReader<'a> {
    image: &'a EwfImage,
    pos: u64,
    chunk: Option<u64>,
    data: Vec<u8>,
    stored: Vec<u8>,
}

impl MediaReader<'_> {
    /// Extracts the [`EwfError`] from an error this reader returned.
    pub fn take_error(err: io::Error) -> Result<EwfError, io::Error> {
        if err.get_ref().is_some_and(|e| e.is::<EwfError>()) {
            match err.into_inner().map(|e| e.downcast::<EwfError>()) {
                Some(Ok(e)) => Ok(*e),
                _ => Err(io::Error::other("error changed type")),
            }
        } else {
            Err(err)
        }
    }

    /// Media bytes returned so far.
    pub fn position(&self) -> u64 {
        self.pos
    }
}

impl Read for MediaReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let media = self.image.media_size();
        if self.pos >= media || buf.is_empty() {
            return Ok(0);
        }
        let size = self.image.chunk_size();
        let index = self.pos / size;
        if self.chunk != Some(index) {
            self.chunk = None;
            self.image
                .read_chunk(index, &mut self.data, &mut self.stored)
                .map_err(io::Error::other)?;
            self.chunk = Some(index);
        }
        let within = (self.pos - index * size) as usize;
        let n = buf.len().min(self.data.len() - within);
        buf[..n].copy_from_slice(&self.data[within..within + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

/// Collects the sections of each segment in order and checks them.
#[derive(Default)]
struct Builder {
    segments: Segments,
    volume: Option<Volume>,
    /// Created with the volume, which gives the bound on a stored chunk.
    index: Option<ChunkIndex>,
    header: Option<HeaderInfo>,
    header_ascii: Option<HeaderInfo>,
    stored: StoredHashes,
    errors: Vec<AcquisitionError>,
}

impl Builder {
    /// Checks segment `n` and records its sections; returns whether it
    /// ends the set (`done`).
    fn add_segment(&mut self, n: u32, path: PathBuf, file: File) -> Result<bool, EwfError> {
        let io_err = |source| EwfError::Io {
            path: path.clone(),
            source,
        };
        let len = file.metadata().map_err(io_err)?.len();
        let number = section::read_file_header(&file, &path, len)?;
        if u32::from(number) != n {
            return Err(EwfError::SegmentNumber {
                path,
                expected: n,
                found: number,
            });
        }
        let sections = section::walk_sections(&file, &path, len)?;
        let index = self.segments.len();
        let mut pending_sectors: Option<Section> = None;
        let mut last_table: Option<Vec<u8>> = None;
        let mut done = false;
        for s in &sections {
            let body = |limit: u64, what| {
                read_at(
                    &file,
                    &path,
                    len,
                    s.body_offset(),
                    s.body_len(),
                    limit,
                    what,
                )
            };
            match s.kind {
                SectionKind::Header2 | SectionKind::Header => {
                    if n != 1 {
                        return Err(section::bad(
                            &path,
                            s.offset,
                            "header section outside the first segment",
                        ));
                    }
                    let b = body(header::MAX_HEADER_BODY, s.kind.name())?;
                    let (parsed, slot) = if s.kind == SectionKind::Header2 {
                        (header::parse_header2(&b), &mut self.header)
                    } else {
                        (header::parse_header(&b), &mut self.header_ascii)
                    };
                    let parsed = parsed.map_err(|problem| EwfError::Header {
                        path: path.clone(),
                        offset: s.offset,
                        section: s.kind.name(),
                        problem,
                    })?;
                    match slot {
                        Some(first) if *first != parsed => {
                            return Err(section::bad(&path, s.offset, "header copies differ"));
                        }
                        Some(_) => {}
                        None => *slot = Some(parsed),
                    }
                }
                SectionKind::Volume | SectionKind::Disk | SectionKind::Data => {
                    let b = body(volume::VOLUME_BODY_LEN, s.kind.name())?;
                    let v = Volume::parse(&b, &path, s.offset)?;
                    match (&self.volume, s.kind) {
                        (None, SectionKind::Volume | SectionKind::Disk) if n == 1 => {
                            // At most 2 × 16 MiB + 1 KiB: fits a u32.
                            let max_stored =
                                u32::try_from(2 * v.chunk_size() + 1024).unwrap_or(u32::MAX);
                            self.index = Some(ChunkIndex::new(max_stored));
                            self.volume = Some(v);
                        }
                        (Some(first), SectionKind::Data) => {
                            if let Some(field) = first.differs_from(&v) {
                                return Err(EwfError::ForeignSegment {
                                    path,
                                    offset: s.offset,
                                    field,
                                });
                            }
                        }
                        _ => {
                            return Err(section::bad(
                                &path,
                                s.offset,
                                "volume section out of place",
                            ));
                        }
                    }
                }
                SectionKind::Sectors => {
                    if self.volume.is_none() || pending_sectors.is_some() {
                        return Err(section::bad(
                            &path,
                            s.offset,
                            "sectors section out of place",
                        ));
                    }
                    pending_sectors = Some(*s);
                }
                SectionKind::Table => {
                    let sectors = pending_sectors.take().ok_or_else(|| {
                        section::bad(&path, s.offset, "table without a sectors section")
                    })?;
                    let b = body(table::MAX_TABLE_BODY, "table")?;
                    // A sectors section is accepted only after the volume.
                    let chunks = self.index.as_mut().ok_or_else(|| {
                        section::bad(&path, s.offset, "table before the volume section")
                    })?;
                    let segment = u16::try_from(index)
                        .map_err(|_| section::bad(&path, s.offset, "too many segments"))?;
                    let data = sectors.body_offset()..sectors.end();
                    let entries = table::parse_table(
                        &b,
                        &path,
                        s.offset,
                        segment,
                        data.clone(),
                        chunks.max_stored(),
                    )?;
                    chunks.push(segment, s.body_offset(), data, &b, &entries);
                    last_table = Some(b);
                }
                SectionKind::Table2 => {
                    let b = body(table::MAX_TABLE_BODY, "table2")?;
                    if last_table.take().as_deref() != Some(b.as_slice()) {
                        return Err(section::bad(&path, s.offset, "table2 differs from table"));
                    }
                }
                SectionKind::Hash => {
                    let b = body(hash::HASH_BODY_LEN, "hash")?;
                    self.stored.add_hash(&b, &path, s.offset)?;
                }
                SectionKind::Digest => {
                    let b = body(hash::DIGEST_BODY_LEN, "digest")?;
                    self.stored.add_digest(&b, &path, s.offset)?;
                }
                SectionKind::Error2 => {
                    let b = body(table::MAX_ERROR2_BODY, "error2")?;
                    self.errors
                        .extend(table::parse_error2(&b, &path, s.offset)?);
                }
                SectionKind::Next => {}
                SectionKind::Done => done = true,
            }
        }
        // The stored hashes and the acquisition errors describe the whole
        // media: they belong in the last segment only.
        if !done
            && let Some(s) = sections.iter().find(|s| {
                matches!(
                    s.kind,
                    SectionKind::Hash | SectionKind::Digest | SectionKind::Error2
                )
            })
        {
            return Err(section::bad(
                &path,
                s.offset,
                "hash, digest or error2 section outside the last segment",
            ));
        }
        if pending_sectors.is_some() {
            return Err(section::bad(&path, len, "sectors section without a table"));
        }
        if self.volume.is_none() {
            return Err(section::bad(
                &path,
                0,
                "first segment has no volume section",
            ));
        }
        let chunks = self.index.as_ref().map_or(0, ChunkIndex::chunk_count);
        if chunks > self.volume.as_ref().map_or(0, |v| u64::from(v.chunk_count)) {
            return Err(section::bad(
                &path,
                0,
                "more chunks than the volume section counts",
            ));
        }
        self.segments.push(path, file, len)?;
        Ok(done)
    }

    fn finish(self, first: &Path) -> Result<EwfImage, EwfError> {
        let volume = self
            .volume
            .ok_or_else(|| section::bad(first, 0, "no volume section"))?;
        let mut index = self
            .index
            .ok_or_else(|| section::bad(first, 0, "no volume section"))?;
        index.shrink();
        if index.chunk_count() != u64::from(volume.chunk_count) {
            return Err(section::bad(
                first,
                0,
                "the tables hold fewer chunks than the volume section counts",
            ));
        }
        Ok(EwfImage {
            segments: self.segments,
            volume,
            index,
            header: self.header.or(self.header_ascii),
            stored: self.stored,
            errors: self.errors,
        })
    }
}
