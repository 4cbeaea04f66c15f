//! A distrustful zip reader: it walks the central directory itself,
//! validates every entry before any data is read, and streams entry data
//! with the declared size as a hard cap (so a deflate bomb stops at the
//! size it admitted to). It never writes anything anywhere.
//!
//! Fatal problems (no end record, a central directory outside the file,
//! absurd counts) make [`Archive::open`] fail: the file is not a bundle.
//! Problems with single entries (names, attributes, encryption, header
//! disagreement, overlap) are returned as [`ContainerIssue`]s, and those
//! entries are marked unsafe so that nobody reads them.
//!
//! Every byte of the file is accounted for: each entry's local header,
//! name, extra field, data and data descriptor; the last central directory
//! and its end records; and, in the gaps between entries, only the earlier
//! directories an append leaves behind ([`super::zipend`]). Header fields
//! are checked against allow-lists ([`super::zipcheck`]), and deflate data
//! must end exactly at its compressed size ([`super::inflate`]). Any other
//! byte is an [`IssueKind::Unaccounted`] issue naming its range.

use super::inflate::Inflate;
use super::zipissue::Issues;
pub use super::zipissue::{ContainerIssue, IssueKind, MAX_ISSUES};
use super::zipwrite::DosTime;
use super::{layout, winname, zipcheck, zipend};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// At most this many entries.
pub const MAX_ENTRIES: u64 = 4_000_000;
/// At most this many bytes of central directory.
pub const MAX_CD_SIZE: u64 = 256 << 20;
/// The largest deflate expansion ratio that is physically possible.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Why a file cannot be read as a zip at all.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    /// I/O error.
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    /// Not a regular file (a directory, a device, a FIFO, a socket): never
    /// read, so that a FIFO cannot hang us and /dev/zero cannot feed us.
    #[error("it is {0}, not a bundle file")]
    NotAFile(&'static str),
    /// No end-of-central-directory record: truncated, or not a zip.
    #[error("not a zip file, or truncated: no end of central directory record")]
    NoEndRecord,
    /// An end record exists, but bytes follow it: an interrupted append.
    #[error(
        "{trailing} bytes follow the last end of central directory record at {end} (an interrupted append?)"
    )]
    TrailingBytes {
        /// Where the last complete end record ends.
        end: u64,
        /// How many bytes follow it.
        trailing: u64,
    },
    /// The end records contradict each other or the file.
    #[error("corrupt end of central directory: {0}")]
    BadEndRecord(&'static str),
    /// The central directory the end record declares is not inside the
    /// file, or does not end where the end record starts.
    #[error(
        "corrupt end of central directory: it declares a central directory of {size} bytes at offset {offset}, but the directory must end at {end} in this file of {len} bytes"
    )]
    DirectoryOutside {
        /// Declared offset.
        offset: u64,
        /// Declared size.
        size: u64,
        /// Where the directory has to end (the end record's offset).
        end: u64,
        /// The file's length.
        len: u64,
    },
    /// Too many entries or too large a directory.
    #[error("central directory too large ({entries} entries, {bytes} bytes)")]
    TooLarge {
        /// Declared entries.
        entries: u64,
        /// Declared size.
        bytes: u64,
    },
    /// A central directory header is malformed.
    #[error("corrupt central directory at entry {index}: {reason}")]
    BadCentralHeader {
        /// 0-based index.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

/// One entry of the central directory, as parsed from it on demand (the
/// archive itself keeps only a few bytes per entry, see [`Archive`]).
#[derive(Debug, Clone)]
pub struct Entry {
    /// Position in the central directory (0-based).
    pub index: usize,
    /// The name (lossy if it was not UTF-8, which is also an issue).
    pub name: String,
    /// Compression method (0 stored, 8 deflate).
    pub method: u16,
    /// General-purpose flags.
    pub flags: u16,
    /// Declared CRC-32.
    pub crc: u32,
    /// Declared compressed size.
    pub compressed_size: u64,
    /// Declared uncompressed size.
    pub size: u64,
    /// Offset of the local header.
    pub header_offset: u64,
    /// Offset of the data (after the local header), when it could be read.
    pub data_offset: u64,
    /// The length of the data descriptor after the data (flag bit 3), 0
    /// without one.
    pub descriptor_len: u64,
    /// External attributes.
    pub external_attrs: u32,
    /// Host system of "version made by".
    pub made_by_host: u8,
    /// "Version needed to extract" (central header).
    pub version_needed: u16,
    /// The DOS modification date and time (central header; the local
    /// header's must be equal, or the entry is unsafe).
    pub modified: DosTime,
    /// False when an issue makes the entry unsafe to read.
    pub safe: bool,
}

impl Entry {
    /// Whether this is a directory entry (`name/`).
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// Why an entry's data is bad, found while streaming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryDataError {
    /// More bytes than declared (a bomb, or a lie).
    #[error("data exceeds its declared size of {declared} bytes")]
    TooLong {
        /// Declared size.
        declared: u64,
    },
    /// Fewer bytes than declared.
    #[error("data ends after {actual} of {declared} declared bytes")]
    TooShort {
        /// Declared size.
        declared: u64,
        /// Bytes produced.
        actual: u64,
    },
    /// CRC-32 mismatch.
    #[error("CRC-32 mismatch (declared {declared:08x}, actual {actual:08x})")]
    Crc {
        /// Declared CRC.
        declared: u32,
        /// Computed CRC.
        actual: u32,
    },
    /// The deflate stream ends before the declared compressed size: the
    /// bytes after it were never read (another tool could show them).
    #[error(
        "{unused} bytes follow the end of the deflate stream inside the declared compressed size"
    )]
    TrailingData {
        /// Compressed bytes after the stream's end.
        unused: u64,
    },
    /// The deflate stream has no end marker within its compressed size.
    #[error("the deflate stream does not end within its declared compressed size")]
    Unterminated,
}

/// An opened zip file and its validated directory.
///
/// Memory per entry is fixed and small (8 bytes): where its header sits
/// in the central directory, where its data starts and whether it is
/// safe. Everything else (names, sizes, attributes) is parsed again from
/// the central directory when asked for, by [`Archive::entries`] (a
/// streaming pass) or [`Archive::entry`] (one positioned read), so a
/// bundle of millions of members is opened in a few tens of MiB.
#[derive(Debug)]
pub struct Archive {
    file: File,
    len: u64,
    /// Per entry: offset of its header within the central directory.
    cd_pos: Vec<u32>,
    /// Per entry: data offset minus header offset (0 when the local
    /// header could not be read), the data descriptor's length above it,
    /// and [`UNSAFE`] set when an issue makes the entry unsafe to read.
    state: Vec<u32>,
    /// Where the central directory starts (entry data must end before it;
    /// bytes between entries must be directories an append superseded).
    pub cd_offset: u64,
    /// The size of the central directory.
    pub cd_size: u64,
}

/// The unsafe bit of [`Archive::state`].
const UNSAFE: u32 = 1 << 31;
/// Where [`Archive::state`] keeps the data descriptor's length (at most
/// 24), above the data offset's delta (at most 30 + 2 * 65,535 < 2^24).
const DESCRIPTOR_SHIFT: u32 = 24;
/// The delta bits of [`Archive::state`].
const DELTA_MASK: u32 = (1 << DESCRIPTOR_SHIFT) - 1;

pub(super) fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
pub(super) fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}
pub(super) fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

pub(super) fn read_exact_at(file: &File, len: u64, offset: u64, n: usize) -> io::Result<Vec<u8>> {
    if offset.checked_add(n as u64).is_none_or(|end| end > len) {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "read past end of file",
        ));
    }
    let mut buf = vec![0u8; n];
    file.read_exact_at(&mut buf, offset)?;
    Ok(buf)
}

/// Find the ZIP64 extended information in an extra field.
fn zip64_extra(extra: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let id = u16_at(extra, i);
        let len = u16_at(extra, i + 2) as usize;
        let body = extra.get(i + 4..i + 4 + len)?;
        if id == 0x0001 {
            return Some(body);
        }
        i += 4 + len;
    }
    None
}

/// Resolve 0xFFFFFFFF markers from a ZIP64 extra, in the spec's order.
fn resolve64(extra: &[u8], fields: &mut [(&mut u64, bool)]) -> Result<(), &'static str> {
    let body = zip64_extra(extra);
    let mut at = 0;
    for (value, is32) in fields.iter_mut() {
        if **value == 0xFFFF_FFFF && *is32 {
            let b = body.ok_or("ZIP64 marker without ZIP64 extra field")?;
            if at + 8 > b.len() {
                return Err("ZIP64 extra field too short");
            }
            **value = u64_at(b, at);
            at += 8;
        }
    }
    Ok(())
}

fn check_name(raw: &[u8]) -> Vec<IssueKind> {
    let mut v = Vec::new();
    let Ok(name) = std::str::from_utf8(raw) else {
        v.push(IssueKind::NameNotUtf8);
        return v;
    };
    if name.starts_with('/') || (name.len() >= 2 && name.as_bytes()[1] == b':') {
        v.push(IssueKind::AbsolutePath);
    }
    if name.contains('\\') {
        v.push(IssueKind::Backslash);
    }
    if name.chars().any(char::is_control) {
        v.push(IssueKind::ControlCharacter);
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    if trimmed
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
        && !name.starts_with('/')
    {
        v.push(IssueKind::Traversal);
    }
    if name.ends_with('/') {
        v.push(IssueKind::Directory);
    }
    if let Some(p) = winname::name_problem(name) {
        v.push(IssueKind::WindowsName(p));
    }
    v
}

/// Parse one central directory header (`h` starts at its signature and
/// holds at least the whole header). Returns the entry and the header's
/// length.
fn parse_central(h: &[u8], index: usize) -> Result<(Entry, usize), &'static str> {
    if h.len() < 46 || u32_at(h, 0) != 0x0201_4b50 {
        return Err("bad signature or truncated");
    }
    let (nl, el, cl) = (
        u16_at(h, 28) as usize,
        u16_at(h, 30) as usize,
        u16_at(h, 32) as usize,
    );
    if 46 + nl + el + cl > h.len() {
        return Err("header runs past the directory");
    }
    let raw_name = &h[46..46 + nl];
    let extra = &h[46 + nl..46 + nl + el];
    let mut size = u64::from(u32_at(h, 24));
    let mut csize = u64::from(u32_at(h, 20));
    let mut offset = u64::from(u32_at(h, 42));
    let (s32, c32, o32) = (
        size == 0xFFFF_FFFF,
        csize == 0xFFFF_FFFF,
        offset == 0xFFFF_FFFF,
    );
    resolve64(
        extra,
        &mut [(&mut size, s32), (&mut csize, c32), (&mut offset, o32)],
    )?;
    let entry = Entry {
        index,
        name: String::from_utf8_lossy(raw_name).into_owned(),
        method: u16_at(h, 10),
        flags: u16_at(h, 8),
        crc: u32_at(h, 16),
        compressed_size: csize,
        size,
        header_offset: offset,
        data_offset: 0,
        descriptor_len: 0,
        external_attrs: u32_at(h, 38),
        made_by_host: h[5],
        version_needed: u16_at(h, 6),
        modified: DosTime {
            time: u16_at(h, 12),
            date: u16_at(h, 14),
        },
        safe: true,
    };
    Ok((entry, 46 + nl + el + cl))
}

/// A parsed header and its bytes.
type RawHeader<'a> = (Entry, &'a [u8]);

/// The raw name of a central directory header (all of it).
fn raw_name(h: &[u8]) -> &[u8] {
    &h[46..46 + u16_at(h, 28) as usize]
}

/// Streams the central directory header by header.
struct CdStream<'a> {
    reader: io::BufReader<RangeReader<'a>>,
    buf: Vec<u8>,
    index: usize,
    count: usize,
}

impl<'a> CdStream<'a> {
    fn new(file: &'a File, cd_offset: u64, cd_size: u64, count: usize) -> CdStream<'a> {
        CdStream {
            reader: io::BufReader::with_capacity(
                256 << 10,
                RangeReader {
                    file,
                    pos: cd_offset,
                    end: cd_offset + cd_size,
                },
            ),
            buf: Vec::with_capacity(512),
            index: 0,
            count,
        }
    }

    /// The next header: the entry and the header's bytes.
    fn next_raw(&mut self) -> Result<Option<RawHeader<'_>>, &'static str> {
        if self.index >= self.count {
            return Ok(None);
        }
        self.buf.resize(46, 0);
        self.reader
            .read_exact(&mut self.buf)
            .map_err(|_| "bad signature or truncated")?;
        if u32_at(&self.buf, 0) != 0x0201_4b50 {
            return Err("bad signature or truncated");
        }
        let rest = u16_at(&self.buf, 28) as usize
            + u16_at(&self.buf, 30) as usize
            + u16_at(&self.buf, 32) as usize;
        self.buf.resize(46 + rest, 0);
        self.reader
            .read_exact(&mut self.buf[46..])
            .map_err(|_| "header runs past the directory")?;
        let (entry, hl) = parse_central(&self.buf, self.index)?;
        self.index += 1;
        Ok(Some((entry, &self.buf[..hl])))
    }
}

/// The central directory's entries in order; see [`Archive::entries`].
pub struct Entries<'a> {
    archive: &'a Archive,
    stream: CdStream<'a>,
}

impl Entries<'_> {
    /// The index of the entry the next call yields.
    pub fn position(&self) -> usize {
        self.stream.index
    }
}

impl Iterator for Entries<'_> {
    type Item = Entry;
    fn next(&mut self) -> Option<Entry> {
        // The directory was validated when the archive was opened; a read
        // that fails now (the file changed underneath) ends the pass.
        let (mut e, _) = self.stream.next_raw().ok()??;
        self.archive.complete(&mut e);
        Some(e)
    }
}

/// A 64-bit key of a folded name for the duplicate check: 42 bits
/// of hash above 22 bits of entry index.
fn fold_key(lower: &str, index: usize) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    h.write(lower.as_bytes());
    (h.finish() & !INDEX_MASK) | index as u64
}

/// The index bits of [`fold_key`]; [`MAX_ENTRIES`] must fit.
const INDEX_MASK: u64 = (1 << 22) - 1;

impl Archive {
    /// Open `path` and validate its structure.
    /// Anything but a regular file is refused before a byte is read: it is
    /// checked before opening (opening a device can have effects of its
    /// own) and again on the open file, which is opened without blocking
    /// (a FIFO swapped in meanwhile cannot hang us). Like evidence, it is
    /// opened with `O_NOATIME` where permitted: reading a bundle leaves
    /// its access time as it was.
    pub fn open(path: &Path) -> Result<(Archive, Vec<ContainerIssue>), ZipError> {
        if let Some(kind) = std::fs::metadata(path).ok().and_then(|m| not_a_file(&m)) {
            return Err(ZipError::NotAFile(kind));
        }
        let file = crate::source::open_read_noatime(path, libc::O_NONBLOCK)?;
        let meta = file.metadata()?;
        if let Some(kind) = not_a_file(&meta) {
            return Err(ZipError::NotAFile(kind));
        }
        Archive::from_file(file, meta.len())
    }

    fn from_file(file: File, len: u64) -> Result<(Archive, Vec<ContainerIssue>), ZipError> {
        let dir = zipend::locate(&file, len)?;
        let (count, cd_size, cd_offset, cd_end) = (dir.count, dir.size, dir.offset, dir.end);
        if count > MAX_ENTRIES || cd_size > MAX_CD_SIZE {
            return Err(ZipError::TooLarge {
                entries: count,
                bytes: cd_size,
            });
        }
        if cd_offset.checked_add(cd_size) != Some(cd_end) {
            return Err(ZipError::DirectoryOutside {
                offset: cd_offset,
                size: cd_size,
                end: cd_end,
                len,
            });
        }
        if count.saturating_mul(46) > cd_size {
            return Err(ZipError::BadEndRecord(
                "entry count does not fit the central directory",
            ));
        }
        let count = count as usize;
        let mut archive = Archive {
            file,
            len,
            cd_pos: Vec::with_capacity(count),
            state: vec![0; count],
            cd_offset,
            cd_size,
        };
        // Pass 1: parse every header, check names, and key the names for
        // the duplicate check.
        let mut issues = Issues::default();
        let mut keys: Vec<u64> = Vec::with_capacity(count);
        {
            let mut cd = CdStream::new(&archive.file, cd_offset, cd_size, count);
            let mut pos = 0u64;
            for index in 0..count {
                let bad = |reason| ZipError::BadCentralHeader { index, reason };
                let (entry, h) = cd.next_raw().map_err(bad)?.ok_or(bad("truncated"))?;
                archive.cd_pos.push(pos as u32);
                pos += h.len() as u64;
                for k in check_name(raw_name(h)) {
                    issues.add(index, || entry.name.clone(), || k);
                }
                keys.push(fold_key(&layout::fold(&entry.name), index));
            }
            // The directory holds its headers and nothing after them.
            if pos < cd_size {
                let at = cd_offset + pos;
                issues.unaccounted(at, cd_end, "bytes after the last central directory header");
            }
        }
        if let Some((start, end)) = dir.comment {
            issues.unaccounted(start, end, "the end record's comment");
        }
        let folds = archive.fold_issues(keys)?;
        archive.check_entries(cd_offset, folds, &mut issues)?;
        for i in issues.at {
            archive.state[i as usize] |= UNSAFE;
        }
        let mut list = issues.list;
        if issues.more > 0 {
            list.push(ContainerIssue {
                name: "*".to_string(),
                kind: IssueKind::More(issues.more),
            });
        }
        Ok((archive, list))
    }

    /// Duplicate and case-colliding names, from the sorted keys: for each
    /// entry whose lower-cased name an earlier entry has, the issue (and
    /// the earlier entry, which an exact duplicate makes unsafe too).
    /// Each fold is (entry, first entry of its name, exact duplicate).
    fn fold_issues(&self, mut keys: Vec<u64>) -> Result<Vec<(u32, u32, bool)>, ZipError> {
        keys.sort_unstable();
        let mut out = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let mut j = i + 1;
            while j < keys.len() && keys[j] & !INDEX_MASK == keys[i] & !INDEX_MASK {
                j += 1;
            }
            if j - i > 1 {
                // Same hash: compare the real names, in index order.
                let mut seen: Vec<(String, String, usize)> = Vec::new();
                for k in &keys[i..j] {
                    let index = (k & INDEX_MASK) as usize;
                    let name = self.entry_raw(index)?.name;
                    let lower = layout::fold(&name);
                    match seen.iter().find(|(l, _, _)| *l == lower) {
                        Some((_, other, first)) => {
                            out.push((index as u32, *first as u32, *other == name))
                        }
                        None => seen.push((lower, name, index)),
                    }
                }
            }
            i = j;
        }
        out.sort_by_key(|x| x.0);
        Ok(out)
    }

    fn check_entries(
        &mut self,
        data_end: u64,
        folds: Vec<(u32, u32, bool)>,
        issues: &mut Issues,
    ) -> Result<(), ZipError> {
        let mut folds = folds.into_iter().peekable();
        let mut sweep = Sweep::default();
        let mut prev_start: Option<u64> = None;
        let mut spans_sorted = true;
        let count = self.state.len();
        let (file, len) = (&self.file, self.len);
        let (cd_offset, cd_size) = (self.cd_offset, self.cd_size);
        let gap = |a, b| zipend::check_gap(file, cd_offset, cd_size, a, b);
        let mut cd = CdStream::new(file, cd_offset, cd_size, count);
        for index in 0..count {
            let bad = |reason| ZipError::BadCentralHeader { index, reason };
            let (mut e, h) = cd.next_raw().map_err(bad)?.ok_or(bad("truncated"))?;
            while let Some((_, first, dup)) = folds.next_if(|f| f.0 as usize == index) {
                if dup {
                    // Every entry of that name is unsafe, the first too.
                    issues.at.push(first);
                }
                let kind = || match dup {
                    true => IssueKind::Duplicate,
                    false => IssueKind::CaseCollision(
                        self.entry_raw(first as usize)
                            .map(|f| f.name)
                            .unwrap_or_default(),
                    ),
                };
                issues.add(index, || e.name.clone(), kind);
            }
            let mut push = |kind| issues.add(index, || e.name.clone(), || kind);
            zipcheck::central(h, &e, &mut push);
            match e.method {
                0 if e.compressed_size != e.size => push(IssueKind::ImplausibleSize {
                    compressed: e.compressed_size,
                    size: e.size,
                }),
                8 if e.size > e.compressed_size.saturating_mul(MAX_DEFLATE_RATIO) + 64 => {
                    push(IssueKind::ImplausibleSize {
                        compressed: e.compressed_size,
                        size: e.size,
                    })
                }
                0 | 8 => {}
                m => push(IssueKind::UnsupportedMethod(m)),
            }
            let local = match zipcheck::local(file, len, &e, raw_name(h)) {
                Err(_) if e.header_offset.saturating_add(30) > len => {
                    push(IssueKind::HeaderOutside {
                        offset: e.header_offset,
                        len,
                    });
                    continue;
                }
                Err(k) => {
                    push(k);
                    continue;
                }
                Ok(local) => local,
            };
            e.data_offset = local.data_offset;
            self.state[index] = (local.data_offset - e.header_offset) as u32
                | ((local.descriptor as u32) << DESCRIPTOR_SHIFT);
            let end = local
                .data_offset
                .checked_add(e.compressed_size)
                .and_then(|x| x.checked_add(local.descriptor));
            if end.is_none_or(|end| end > data_end) {
                push(IssueKind::OutOfBounds {
                    offset: local.data_offset,
                    size: e.compressed_size,
                    end: data_end,
                });
            }
            // Overlaps and gaps: in a directory whose data comes in file
            // order (every bundle we write), one pass suffices: each span
            // must start where the one reaching furthest so far ends.
            let span = (e.header_offset, end.unwrap_or(u64::MAX));
            if prev_start.is_some_and(|s| span.0 <= s) {
                spans_sorted = false;
            }
            if spans_sorted {
                sweep.step(span, index as u32, gap);
                prev_start = Some(span.0);
            }
        }
        if !spans_sorted {
            sweep = self.sweep_unsorted(gap)?;
        }
        sweep.finish(data_end, gap);
        for (index, other) in sweep.overlaps {
            let name = |i: u32| {
                self.entry_raw(i as usize)
                    .map(|e| e.name)
                    .unwrap_or_default()
            };
            issues.add(
                index as usize,
                || name(index),
                || IssueKind::Overlap(name(other)),
            );
        }
        for (start, end, reason) in sweep.gaps {
            issues.unaccounted(start, end, reason);
        }
        issues.more += sweep.more_gaps;
        Ok(())
    }

    /// Overlaps and gaps when the data is not in directory order: sort
    /// the spans (start, end, then name).
    fn sweep_unsorted(&self, gap: impl Fn(u64, u64) -> GapCheck) -> Result<Sweep, ZipError> {
        let mut spans: Vec<(u64, u64, u32)> = Vec::new();
        for e in self.entries() {
            if e.data_offset > 0 {
                let end = e.data_offset.saturating_add(e.compressed_size);
                spans.push((
                    e.header_offset,
                    end.saturating_add(e.descriptor_len),
                    e.index as u32,
                ));
            }
        }
        let mut failed = None;
        spans.sort_by(|a, b| {
            (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
                match (self.entry_raw(a.2 as usize), self.entry_raw(b.2 as usize)) {
                    (Ok(x), Ok(y)) => x.name.cmp(&y.name),
                    (Err(e), _) | (_, Err(e)) => {
                        failed = Some(e);
                        std::cmp::Ordering::Equal
                    }
                }
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let mut sweep = Sweep::default();
        for &(start, end, index) in &spans {
            sweep.step((start, end), index, &gap);
        }
        Ok(sweep)
    }

    /// The number of entries.
    pub fn entry_count(&self) -> usize {
        self.state.len()
    }

    /// Every entry in central directory order, parsed again from the
    /// directory as the iterator goes (one buffered sequential read).
    pub fn entries(&self) -> Entries<'_> {
        Entries {
            archive: self,
            stream: CdStream::new(&self.file, self.cd_offset, self.cd_size, self.state.len()),
        }
    }

    /// Entries from `index` on, in central directory order.
    pub fn entries_from(&self, index: usize) -> Entries<'_> {
        let count = self.state.len();
        let index = index.min(count);
        let pos = self
            .cd_pos
            .get(index)
            .map_or(self.cd_size, |p| u64::from(*p));
        let mut stream = CdStream::new(&self.file, self.cd_offset + pos, self.cd_size - pos, count);
        stream.index = index;
        Entries {
            archive: self,
            stream,
        }
    }

    /// One entry, by its index (one positioned read of its header).
    pub fn entry(&self, index: usize) -> Option<Entry> {
        let mut e = self.entry_raw(index).ok()?;
        self.complete(&mut e);
        Some(e)
    }

    fn entry_raw(&self, index: usize) -> Result<Entry, ZipError> {
        let bad = |reason| ZipError::BadCentralHeader { index, reason };
        let pos = u64::from(*self.cd_pos.get(index).ok_or(bad("no such entry"))?);
        let room = (self.cd_size - pos).min(46 + 3 * 65_535) as usize;
        let head = read_exact_at(&self.file, self.len, self.cd_offset + pos, room.min(46))?;
        if head.len() < 46 {
            return Err(bad("bad signature or truncated"));
        }
        let want = 46
            + u16_at(&head, 28) as usize
            + u16_at(&head, 30) as usize
            + u16_at(&head, 32) as usize;
        let h = read_exact_at(&self.file, self.len, self.cd_offset + pos, want.min(room))?;
        Ok(parse_central(&h, index).map_err(bad)?.0)
    }

    /// Fill in what only the open pass knows: data offset and safety.
    fn complete(&self, e: &mut Entry) {
        let s = self.state.get(e.index).copied().unwrap_or(UNSAFE);
        let delta = s & DELTA_MASK;
        e.descriptor_len = u64::from((s & !UNSAFE) >> DESCRIPTOR_SHIFT);
        e.data_offset = if delta == 0 {
            0
        } else {
            e.header_offset + u64::from(delta)
        };
        e.safe = s & UNSAFE == 0;
    }

    /// The length of the file.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty (never, for an opened archive).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Read `n` raw bytes of the file at `offset` (bounds-checked).
    pub fn raw(&self, offset: u64, n: usize) -> io::Result<Vec<u8>> {
        read_exact_at(&self.file, self.len, offset, n)
    }

    /// Open an entry's data for reading: decompressed, capped at the
    /// declared size, CRC-checked at the end (errors carry
    /// [`EntryDataError`]).
    pub fn reader<'a>(&'a self, e: &Entry) -> io::Result<EntryReader<'a>> {
        if !e.safe || e.data_offset == 0 {
            return Err(io::Error::other("entry is unsafe to read"));
        }
        let raw = RangeReader {
            file: &self.file,
            pos: e.data_offset,
            end: e.data_offset + e.compressed_size,
        };
        let inner: Box<dyn Read + 'a> = match e.method {
            8 => Box::new(Inflate::new(raw, e.compressed_size)),
            _ => Box::new(raw),
        };
        Ok(EntryReader {
            inner,
            crc: crc32fast::Hasher::new(),
            count: 0,
            declared: e.size,
            declared_crc: e.crc,
        })
    }

    /// Parse an entry as JSON as it streams, refusing entries over `limit`
    /// bytes first: padding costs no memory, only what is parsed does. The
    /// outer error is about the entry's data (size, CRC, I/O), the inner
    /// one about the JSON.
    pub fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        e: &Entry,
        limit: u64,
    ) -> io::Result<Result<T, serde_json::Error>> {
        if e.size > limit {
            self.read_small(e, limit)?;
        }
        let r = io::BufReader::new(self.reader(e)?);
        match serde_json::from_reader(r) {
            Err(j) if j.is_io() => Err(io::Error::from(j)),
            other => Ok(other),
        }
    }

    /// Read a whole entry into memory, refusing entries over `limit` bytes.
    pub fn read_small(&self, e: &Entry, limit: u64) -> io::Result<Vec<u8>> {
        if e.size > limit {
            return Err(io::Error::other(format!(
                "declared size of {} bytes is over the limit of {limit} bytes for this member (see \"Limits\" in docs/verify-semantics.md)",
                e.size
            )));
        }
        let mut v = Vec::with_capacity(e.size as usize);
        self.reader(e)?.read_to_end(&mut v)?;
        Ok(v)
    }
}

/// What a file that is not a regular file is, for [`ZipError::NotAFile`].
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    Some(if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    })
}

/// Reads the file's bytes `pos..end`.
pub(super) struct RangeReader<'a> {
    pub(super) file: &'a File,
    pub(super) pos: u64,
    pub(super) end: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.end - self.pos).min(buf.len() as u64) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = self.file.read_at(&mut buf[..n], self.pos)?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file ends inside an entry",
            ));
        }
        self.pos += got as u64;
        Ok(got)
    }
}

/// Streams one entry's data; see [`Archive::reader`].
pub struct EntryReader<'a> {
    inner: Box<dyn Read + 'a>,
    crc: crc32fast::Hasher,
    count: u64,
    declared: u64,
    declared_crc: u32,
}

impl Read for EntryReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Never ask for more than one byte past the declared size: enough
        // to notice a lie, not enough to inflate a bomb.
        let room = (self.declared - self.count.min(self.declared)).saturating_add(1);
        let want = buf.len().min(room.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            if self.count != self.declared {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    EntryDataError::TooShort {
                        declared: self.declared,
                        actual: self.count,
                    },
                ));
            }
            let actual = self.crc.clone().finalize();
            if actual != self.declared_crc {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    EntryDataError::Crc {
                        declared: self.declared_crc,
                        actual,
                    },
                ));
            }
            return Ok(0);
        }
        self.count += n as u64;
        if self.count > self.declared {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                EntryDataError::TooLong {
                    declared: self.declared,
                },
            ));
        }
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

/// What checking one gap gives: fine, or why its bytes are unaccounted.
type GapCheck = Result<(), &'static str>;

/// The sweep over entry spans sorted by start: overlapping pairs, and the
/// gaps between spans that are not earlier directories.
#[derive(Default)]
struct Sweep {
    /// The span reaching furthest so far: (its end, its entry).
    furthest: Option<(u64, u32)>,
    overlaps: Vec<(u32, u32)>,
    /// Gaps that failed their check (the first [`MAX_ISSUES`]).
    gaps: Vec<(u64, u64, &'static str)>,
    more_gaps: u64,
}

impl Sweep {
    /// One span: a span that starts before the furthest end seen so far
    /// overlaps that span's owner (both entries of a pair are suspect:
    /// which one really owns the bytes is unknowable, so the pair goes in
    /// both directions); one that starts after it leaves a gap, which
    /// `gap` checks.
    fn step(&mut self, (start, end): (u64, u64), index: u32, gap: impl Fn(u64, u64) -> GapCheck) {
        let reach = self.furthest.map_or(0, |f| f.0);
        if start > reach {
            self.check(reach, start, &gap);
        }
        if let Some((reach, owner)) = self.furthest
            && start < reach
        {
            self.overlaps.push((index, owner));
            self.overlaps.push((owner, index));
        }
        if self.furthest.is_none_or(|(reach, _)| end > reach) {
            self.furthest = Some((end, index));
        }
    }

    /// The last gap: from the furthest span to where entry data ends.
    fn finish(&mut self, data_end: u64, gap: impl Fn(u64, u64) -> GapCheck) {
        let reach = self.furthest.map_or(0, |f| f.0);
        if reach < data_end {
            self.check(reach, data_end, &gap);
        }
    }

    fn check(&mut self, start: u64, end: u64, gap: impl Fn(u64, u64) -> GapCheck) {
        if let Err(reason) = gap(start, end) {
            if self.gaps.len() < MAX_ISSUES {
                self.gaps.push((start, end, reason));
            } else {
                self.more_gaps += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{DosTime, Method, ZipWriter};

    fn write(path: &Path, entries: &[(String, Vec<u8>)], method: Method) {
        let f = File::create(path).unwrap();
        let mut z = ZipWriter::new(std::io::BufWriter::new(f), DosTime::from_unix(0));
        for (n, d) in entries {
            z.add_bytes(n, method, d).unwrap();
        }
        z.finish().unwrap();
    }

    #[test]
    fn roundtrip_stored_and_deflate() {
        let dir = tempfile::tempdir().unwrap();
        let entries = vec![
            ("b/x".to_string(), b"hello".to_vec()),
            ("b/empty".to_string(), Vec::new()),
            ("b/big".to_string(), vec![3u8; 300_000]),
        ];
        for m in [Method::Stored, Method::Deflate] {
            let p = dir.path().join("t.zip");
            write(&p, &entries, m);
            let (a, issues) = Archive::open(&p).unwrap();
            assert!(issues.is_empty(), "{issues:?}");
            for (e, (n, d)) in a.entries().zip(&entries) {
                assert_eq!(&e.name, n);
                assert_eq!(&a.read_small(&e, 1 << 20).unwrap(), d);
            }
        }
    }

    #[test]
    fn names_equal_but_for_case_or_normal_form_collide() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.zip");
        let entries = vec![
            ("b/caf\u{e9}".to_string(), b"1".to_vec()),
            ("b/cafe\u{301}".to_string(), b"2".to_vec()),
            ("b/CAF\u{c9}".to_string(), b"3".to_vec()),
            ("b/other".to_string(), b"4".to_vec()),
        ];
        write(&p, &entries, Method::Stored);
        let (a, issues) = Archive::open(&p).unwrap();
        let hit: Vec<_> = issues
            .iter()
            .filter(|i| matches!(&i.kind, IssueKind::CaseCollision(o) if o == "b/caf\u{e9}"))
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(hit, ["b/cafe\u{301}", "b/CAF\u{c9}"], "{issues:?}");
        assert_eq!(a.entries().filter(|e| e.safe).count(), 2);
    }

    #[test]
    fn more_than_65535_entries_use_the_zip64_end_record() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("many.zip");
        let entries: Vec<(String, Vec<u8>)> = (0..70_000)
            .map(|i| (format!("b/{i:05}"), vec![(i % 251) as u8]))
            .collect();
        write(&p, &entries, Method::Stored);
        let (a, issues) = Archive::open(&p).unwrap();
        assert!(issues.is_empty());
        assert_eq!(a.entry_count(), 70_000);
        assert_eq!(a.entries().count(), 70_000);
        assert_eq!(
            a.read_small(&a.entry(69_999).unwrap(), 10).unwrap(),
            vec![(69_999 % 251) as u8]
        );
        // The ZIP64 end record's version fields are what the writer puts
        // there, or the file is refused: no byte goes unchecked.
        let bytes = std::fs::read(&p).unwrap();
        let at = bytes
            .windows(4)
            .rposition(|w| w == 0x0606_4b50u32.to_le_bytes())
            .unwrap();
        for field in [at + 12, at + 14] {
            let mut b = bytes.clone();
            b[field] ^= 1;
            let q = dir.path().join("versions.zip");
            std::fs::write(&q, &b).unwrap();
            let r = Archive::open(&q);
            assert!(
                matches!(r, Err(ZipError::BadEndRecord(m)) if m.contains("versions")),
                "{:?}",
                r.map(|_| ())
            );
        }
    }

    #[test]
    fn only_regular_files_are_opened_and_a_fifo_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let r = Archive::open(dir.path());
        assert!(matches!(r, Err(ZipError::NotAFile("a directory"))), "{r:?}");
        let fifo = dir.path().join("p.zip");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let r = Archive::open(&fifo);
        assert!(
            matches!(r, Err(ZipError::NotAFile("a FIFO (named pipe)"))),
            "{r:?}"
        );
    }

    #[test]
    fn both_entries_of_an_overlap_are_unsafe() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.zip");
        write(
            &p,
            &[
                ("b/x".to_string(), vec![1u8; 100]),
                ("b/y".to_string(), vec![2u8; 100]),
            ],
            Method::Stored,
        );
        let mut bytes = std::fs::read(&p).unwrap();
        let (a, _) = Archive::open(&p).unwrap();
        let (x, y) = (a.entry(0).unwrap(), a.entry(1).unwrap());
        drop(a);
        // Make x's data run on over all of y (sizes in x's central and
        // local headers; they must agree, or that is the finding instead).
        let first = bytes
            .windows(4)
            .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        let grown = (y.data_offset + y.compressed_size - x.data_offset) as u32;
        for at in [first + 20, first + 24] {
            bytes[at..at + 4].copy_from_slice(&grown.to_le_bytes());
        }
        for at in [18, 22] {
            bytes[at..at + 4].copy_from_slice(&grown.to_le_bytes());
        }
        std::fs::write(&p, &bytes).unwrap();
        let (a, issues) = Archive::open(&p).unwrap();
        let overlaps: Vec<_> = issues
            .iter()
            .filter(|i| matches!(i.kind, IssueKind::Overlap(_)))
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(overlaps, ["b/y", "b/x"], "{issues:?}");
        assert!(a.entries().all(|e| !e.safe));
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.zip");
        write(&p, &[("b/x".to_string(), vec![1u8; 1000])], Method::Deflate);
        let bytes = std::fs::read(&p).unwrap();
        // Every truncation, and every single-byte change of the directory
        // and end record, gives an error or issues, never a panic.
        for cut in 0..bytes.len() {
            std::fs::write(&p, &bytes[..cut]).unwrap();
            let _ = Archive::open(&p).map(|(a, _)| {
                for e in a.entries() {
                    let _ = a.read_small(&e, 1 << 20);
                }
            });
        }
        for i in bytes.len().saturating_sub(200)..bytes.len() {
            for v in [0u8, 0xff, bytes[i] ^ 1] {
                let mut b = bytes.clone();
                b[i] = v;
                std::fs::write(&p, &b).unwrap();
                let _ = Archive::open(&p).map(|(a, _)| {
                    for e in a.entries() {
                        let _ = a.read_small(&e, 1 << 20);
                    }
                });
            }
        }
    }
}
