//! The reader's index: a distrustful zip reader walks the central
//! directory itself, validates every entry before any data is read, and
//! streams entry data with the declared size as a hard cap (so a deflate
//! bomb stops at the size it admitted to; [`super::data`]). It never
//! writes anything anywhere.
//!
//! Fatal problems (no end record, a central directory outside the file,
//! absurd counts) make [`Archive::open`] fail. A file that starts as a
//! bundle (its first entry is in a bag) is then a damaged bundle, and the
//! error says where it is damaged ([`super::damage`]); any other file is
//! not a bundle.
//! Problems with single entries (names, attributes, encryption, header
//! disagreement, overlap) are returned as [`ContainerIssue`]s, and those
//! entries are marked unsafe so that nobody reads them.
//!
//! Opening takes two passes over the directory: the first indexes the
//! headers and checks and keys the names ([`super::names`]), the second
//! checks each entry's headers against the allow-lists ([`super::check`])
//! and collects the spans for overlaps and gaps ([`super::overlap`]).
//!
//! Every byte of the file is accounted for: each entry's local header,
//! name, extra field, data and data descriptor; the last central directory
//! and its end records; and, in the gaps between entries, only the earlier
//! directories an append leaves behind ([`super::end`]). Deflate data
//! must end exactly at its compressed size ([`super::inflate`]). Any other
//! byte is an [`IssueKind::Unaccounted`] issue naming its range.

use super::central::{CdStream, Entry, parse_central, raw_name};
use super::damage;
use super::error::ZipError;
use super::issue::{ContainerIssue, IssueKind, Issues};
use super::overlap::Spans;
use super::{check, end, names, read_exact_at, u16_at};
use crate::source::{FileKind, SpecialKind};
use std::fs::File;
use std::path::Path;

/// At most this many entries.
pub const MAX_ENTRIES: u64 = 4_000_000;
/// At most this many bytes of central directory.
pub const MAX_CD_SIZE: u64 = 256 << 20;

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
    pub(super) file: File,
    pub(super) len: u64,
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
        let len = meta.len();
        let probe = file.try_clone()?;
        match Archive::from_file(file, len) {
            Err(e) if e.is_structural() && damage::starts_as_bundle(&probe, len) => Err(
                ZipError::Damaged(Box::new(damage::diagnose(&probe, len, e.to_string()))),
            ),
            other => other,
        }
    }

    /// Find the directory of `file` (`len` bytes) from its end records,
    /// then check it in two passes (see the module docs).
    fn from_file(file: File, len: u64) -> Result<(Archive, Vec<ContainerIssue>), ZipError> {
        let dir = end::locate(&file, len)?;
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
        let mut issues = Issues::default();
        let keys = archive.index_names(cd_end, &mut issues)?;
        if let Some((start, end)) = dir.comment {
            issues.unaccounted(start, end, "the end record's comment");
        }
        let folds = names::folds(keys, &|i| archive.entry_raw(i).map(|e| e.name))?;
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

    /// Pass 1: parse every header, note where it sits, check its name,
    /// and key the names for the duplicate check ([`names::folds`]). The
    /// directory holds its headers and nothing after them (it ends at
    /// `cd_end`).
    fn index_names(&mut self, cd_end: u64, issues: &mut Issues) -> Result<Vec<u64>, ZipError> {
        let count = self.state.len();
        let mut keys: Vec<u64> = Vec::with_capacity(count);
        let mut cd = CdStream::new(&self.file, self.cd_offset, self.cd_size, count);
        let mut pos = 0u64;
        for index in 0..count {
            let bad = |reason| ZipError::BadCentralHeader { index, reason };
            let (entry, h) = cd.next_raw().map_err(bad)?.ok_or(bad("truncated"))?;
            self.cd_pos.push(pos as u32);
            pos += h.len() as u64;
            for k in names::check_name(raw_name(h)) {
                issues.add(index, || entry.name.clone(), || k);
            }
            keys.push(names::fold_key(&entry.name, index));
        }
        if pos < self.cd_size {
            let at = self.cd_offset + pos;
            issues.unaccounted(at, cd_end, "bytes after the last central directory header");
        }
        Ok(keys)
    }

    /// Pass 2: every entry's names against the others' (`folds`), its
    /// headers against the allow-lists, its local header and data within
    /// the entry data area (which ends at `data_end`), and the spans of
    /// all entries for overlaps and gaps.
    fn check_entries(
        &mut self,
        data_end: u64,
        folds: Vec<names::Fold>,
        issues: &mut Issues,
    ) -> Result<(), ZipError> {
        let mut folds = folds.into_iter().peekable();
        let mut spans = Spans::new(&self.file, self.cd_offset, self.cd_size);
        let count = self.state.len();
        let mut cd = CdStream::new(&self.file, self.cd_offset, self.cd_size, count);
        for index in 0..count {
            let bad = |reason| ZipError::BadCentralHeader { index, reason };
            let (e, h) = cd.next_raw().map_err(bad)?.ok_or(bad("truncated"))?;
            while let Some(fold) = folds.next_if(|f| f.0 as usize == index) {
                names::report(
                    fold,
                    &e.name,
                    &|i| self.entry_raw(i).map(|e| e.name),
                    issues,
                );
            }
            if let Some((state, span)) = self.check_entry(&e, h, data_end, issues) {
                self.state[index] = state;
                spans.step(span, index as u32);
            }
        }
        let name_of = |i: usize| self.entry_raw(i).map(|e| e.name);
        spans.report(data_end, || self.spans(), &name_of, issues)
    }

    /// Every entry's span whose local header was read: (local header, end
    /// of data and descriptor, entry).
    fn spans(&self) -> Vec<(u64, u64, u32)> {
        let mut spans = Vec::new();
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
        spans
    }

    /// The checks of one entry `e` (its central header `h`): the header
    /// alone, its method, then its local header and data descriptor, and
    /// its data within `data_end`. Returns its [`Archive::state`] and its
    /// span (local header to the end of data and descriptor), or `None`
    /// when its local header cannot be read.
    fn check_entry(
        &self,
        e: &Entry,
        h: &[u8],
        data_end: u64,
        issues: &mut Issues,
    ) -> Option<(u32, (u64, u64))> {
        let mut push = |kind| issues.add(e.index, || e.name.clone(), || kind);
        check::central(h, e, &mut push);
        check::method(e, &mut push);
        let local = match check::local(&self.file, self.len, e, raw_name(h)) {
            Err(_) if e.header_offset.saturating_add(30) > self.len => {
                push(IssueKind::HeaderOutside {
                    offset: e.header_offset,
                    len: self.len,
                });
                return None;
            }
            Err(k) => {
                push(k);
                return None;
            }
            Ok(local) => local,
        };
        let state = (local.data_offset - e.header_offset) as u32
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
        Some((state, (e.header_offset, end.unwrap_or(u64::MAX))))
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
}

/// What a file that is not a regular file is, for [`ZipError::NotAFile`].
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    Some(match FileKind::of(&meta.file_type()) {
        FileKind::File => return None,
        FileKind::Dir => "a directory",
        FileKind::Special(SpecialKind::Fifo) => "a FIFO (named pipe)",
        FileKind::Special(SpecialKind::CharDevice) => "a character device",
        FileKind::Special(SpecialKind::BlockDevice) => "a block device",
        FileKind::Special(SpecialKind::Socket) => "a socket",
        FileKind::Symlink | FileKind::Special(SpecialKind::Other) => "not a regular file",
    })
}
