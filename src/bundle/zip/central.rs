//! The central directory, header by header: an [`Entry`] parsed from one
//! header (ZIP64 values resolved), and the stream that walks the directory
//! without holding it.

use super::write::DosTime;
use super::{RangeReader, u16_at, u32_at, u64_at};
use std::fs::File;
use std::io::{self, Read};

/// One entry of the central directory, as parsed from it on demand (the
/// archive itself keeps only a few bytes per entry, see [`super::Archive`]).
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

/// Find the ZIP64 extended information in an extra field.
pub(super) fn zip64_extra(extra: &[u8]) -> Option<&[u8]> {
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
pub(super) fn resolve64(extra: &[u8], fields: &mut [(&mut u64, bool)]) -> Result<(), &'static str> {
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

/// Parse one central directory header (`h` starts at its signature and
/// holds at least the whole header). Returns the entry and the header's
/// length.
pub(super) fn parse_central(h: &[u8], index: usize) -> Result<(Entry, usize), &'static str> {
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
pub(super) type RawHeader<'a> = (Entry, &'a [u8]);

/// The raw name of a central directory header (all of it).
pub(super) fn raw_name(h: &[u8]) -> &[u8] {
    &h[46..46 + u16_at(h, 28) as usize]
}

/// Streams the central directory header by header.
pub(super) struct CdStream<'a> {
    reader: io::BufReader<RangeReader<'a>>,
    buf: Vec<u8>,
    pub(super) index: usize,
    count: usize,
}

impl<'a> CdStream<'a> {
    pub(super) fn new(file: &'a File, cd_offset: u64, cd_size: u64, count: usize) -> CdStream<'a> {
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
    pub(super) fn next_raw(&mut self) -> Result<Option<RawHeader<'_>>, &'static str> {
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
