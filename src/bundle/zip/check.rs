//! The per-entry accounting checks of the zip reader: every header field
//! that says something about an entry's bytes is either what evidentia
//! writes (or understood and checked) or an issue. Allow-lists, not
//! deny-lists:
//!
//! - flags: bit 11 (UTF-8 names) and bit 3 (a data descriptor, which is
//!   then read and must equal the central directory); bits 0 and 6 are
//!   encryption; anything else is refused;
//! - extra fields: ZIP64 (0x0001) only, framed exactly, with exactly the
//!   values its header marks; anything else (the Info-ZIP Unicode path
//!   0x7075 that makes `unzip` write one entry under another name) is
//!   refused;
//! - no file comments, disk 0 only; method stored or deflate, with sizes
//!   the method can give;
//! - the fields every entry evidentia writes carries with one value are
//!   exactly that value (the writer's constants, one source of truth):
//!   version made by [`MADE_BY`], version needed 20 (45 with ZIP64 sizes),
//!   internal attributes 0, external attributes [`FILE_ATTRS`]; other
//!   values make `unzip` restore other modes or (`unzip -a`, the text
//!   flag) rewrite line ends in bytes verify checked;
//! - the local header equals the central one byte for byte in name, and in
//!   version needed, flags, method, modification time, CRC-32 and sizes
//!   (with a descriptor: zero or equal).
//!
//! Nothing here reads entry data; it only reads headers and descriptors.

use super::central::Entry;
use super::issue::{HeaderField, IssueKind};
use super::write::{FILE_ATTRS, MADE_BY, VERSION_NEEDED, VERSION_NEEDED_ZIP64};
use super::{read_exact_at, u16_at, u32_at, u64_at};
use crate::source::{FileKind, TYPE_BITS};
use std::fs::File;

/// The general-purpose flags an entry may carry: bit 3 (data descriptor)
/// and bit 11 (UTF-8 name). Bits 0 and 6 (encryption) are reported as
/// such.
const ALLOWED_FLAGS: u16 = (1 << 3) | (1 << 11);
/// Flag bit 3: CRC-32 and sizes follow the data in a descriptor.
pub(super) const FLAG_DESCRIPTOR: u16 = 1 << 3;
/// The header id of the ZIP64 extended information extra field.
const ZIP64_ID: u16 = 0x0001;
/// The optional signature of a data descriptor.
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
/// The 32-bit marker that defers a value to the ZIP64 extra field.
const MARKER: u32 = 0xFFFF_FFFF;
/// The largest deflate expansion ratio that is physically possible.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Check an extra field against the allow-list; returns the ZIP64 body
/// (if there is one), which must hold exactly `marked` 8-byte values.
pub(super) fn extra_fields(
    extra: &[u8],
    local: bool,
    marked: usize,
) -> Result<Option<&[u8]>, IssueKind> {
    let mut zip64 = None;
    let mut i = 0;
    while i < extra.len() {
        let head = extra
            .get(i..i + 4)
            .ok_or(IssueKind::MalformedExtra("a field header is cut off"))?;
        let (id, n) = (u16_at(head, 0), u16_at(head, 2) as usize);
        let body = extra
            .get(i + 4..i + 4 + n)
            .ok_or(IssueKind::MalformedExtra(
                "a field runs past the extra field",
            ))?;
        if id != ZIP64_ID {
            return Err(IssueKind::ExtraField(id, local));
        }
        if zip64.replace(body).is_some() {
            return Err(IssueKind::MalformedExtra("two ZIP64 fields"));
        }
        i += 4 + n;
    }
    if zip64.map_or(0, <[u8]>::len) != 8 * marked {
        return Err(IssueKind::MalformedExtra(
            "the ZIP64 field does not hold exactly the values its header marks",
        ));
    }
    Ok(zip64)
}

/// The checks of one central directory header `h` (the whole header) that
/// need nothing but the header: flags, name encoding, extra fields,
/// comment, disk number and attributes.
pub(super) fn central(h: &[u8], e: &Entry, push: &mut dyn FnMut(IssueKind)) {
    let (nl, el, cl) = (
        u16_at(h, 28) as usize,
        u16_at(h, 30) as usize,
        u16_at(h, 32) as usize,
    );
    if e.flags & 0x41 != 0 {
        push(IssueKind::Encrypted);
    } else if e.flags & !ALLOWED_FLAGS != 0 {
        push(IssueKind::Flags(e.flags));
    }
    let raw_name = &h[46..46 + nl];
    if e.flags & (1 << 11) == 0 && !raw_name.is_ascii() && std::str::from_utf8(raw_name).is_ok() {
        push(IssueKind::NameEncoding);
    }
    let marked = [u32_at(h, 24), u32_at(h, 20), u32_at(h, 42)]
        .iter()
        .filter(|v| **v == MARKER)
        .count();
    if let Err(k) = extra_fields(&h[46 + nl..46 + nl + el], false, marked) {
        push(k);
    }
    if cl != 0 {
        push(IssueKind::Comment(cl as u16));
    }
    let disk = u16_at(h, 34);
    if disk != 0 {
        push(IssueKind::DiskNumber(disk));
    }
    let mode = attributes(e.made_by_host, e.external_attrs);
    let checked_mode = mode.is_some();
    if let Some(k) = mode {
        push(k);
    }
    fixed_values(h, checked_mode, push);
}

/// The central header fields evidentia writes with one value: anything
/// else is what another tool would act on (modes, line ends) unchecked.
/// `attrs_reported`: the external attributes are already an issue (a
/// directory, a symlink, ...), said more precisely.
pub(super) fn fixed_values(h: &[u8], attrs_reported: bool, push: &mut dyn FnMut(IssueKind)) {
    // ZIP64 sizes: both 32-bit size fields are markers.
    let zip64 = u32_at(h, 20) == MARKER || u32_at(h, 24) == MARKER;
    let needed = match zip64 {
        true => VERSION_NEEDED_ZIP64,
        false => VERSION_NEEDED,
    };
    let fields = [
        (
            HeaderField::MadeBy,
            u32::from(MADE_BY),
            u32::from(u16_at(h, 4)),
        ),
        (
            HeaderField::VersionNeeded,
            u32::from(needed),
            u32::from(u16_at(h, 6)),
        ),
        (HeaderField::InternalAttributes, 0, u32::from(u16_at(h, 36))),
        (HeaderField::ExternalAttributes, FILE_ATTRS, u32_at(h, 38)),
    ];
    for (field, want, got) in fields {
        if want != got && !(attrs_reported && field == HeaderField::ExternalAttributes) {
            push(IssueKind::HeaderValue(field, want, got));
        }
    }
}

/// The method: stored (with equal sizes) or deflate (with a size it can
/// expand to), nothing else.
pub(super) fn method(e: &Entry, push: &mut dyn FnMut(IssueKind)) {
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
}

/// External attributes: those of a regular file, or none. Unix hosts
/// (3, and 19 for macOS) keep the mode in the high 16 bits; every host
/// keeps MS-DOS attributes in the low byte.
fn attributes(host: u8, attrs: u32) -> Option<IssueKind> {
    // Read-only, archive and "normal" are what a plain file may carry.
    const DOS_FILE: u32 = 0x01 | 0x20 | 0x80;
    if attrs & 0x10 != 0 {
        return Some(IssueKind::Directory);
    }
    if attrs & 0xFFFF & !DOS_FILE != 0 {
        return Some(IssueKind::NotAFile(host, attrs));
    }
    let mode = attrs >> 16;
    match host {
        3 | 19 => {
            // No type bits at all: a plain file, its permissions only.
            let kind = match mode & TYPE_BITS {
                0 => FileKind::File,
                _ => FileKind::from_mode(mode),
            };
            match kind {
                FileKind::File if mode & 0o7000 == 0 => None,
                FileKind::File => Some(IssueKind::NotAFile(host, attrs)),
                FileKind::Dir => Some(IssueKind::Directory),
                FileKind::Symlink => Some(IssueKind::Symlink),
                FileKind::Special(_) => Some(IssueKind::SpecialFile(mode & TYPE_BITS)),
            }
        }
        _ if mode != 0 => Some(IssueKind::NotAFile(host, attrs)),
        _ => None,
    }
}

/// Where an entry's bytes are, once its local header is checked.
#[derive(Debug, Clone, Copy)]
pub(super) struct LocalSpan {
    /// Where the data starts.
    pub data_offset: u64,
    /// The length of the data descriptor after the data (0 without one).
    pub descriptor: u64,
}

/// The extra field bytes [`local`] reads with the fixed part and the name
/// (enough for a ZIP64 field and an extended timestamp).
const LOCAL_EXTRA_GUESS: usize = 64;

/// Read the local header of `e` (whose central name is `raw_name`) and
/// compare it with the central directory; with flag bit 3, read and
/// compare the data descriptor too.
pub(super) fn local(
    file: &File,
    len: u64,
    e: &Entry,
    raw_name: &[u8],
) -> Result<LocalSpan, IssueKind> {
    let mismatch = IssueKind::HeaderMismatch;
    // One read for the fixed part, the name the central header gives and a
    // usual extra field (a bundle has tens of thousands of entries); a
    // longer local name or extra field is read on its own.
    let first = (30 + raw_name.len() + LOCAL_EXTRA_GUESS) as u64;
    let n = first.min(len.saturating_sub(e.header_offset));
    if n < 30 {
        return Err(mismatch("local header outside the file"));
    }
    let head = read_exact_at(file, len, e.header_offset, n as usize)
        .map_err(|_| mismatch("local header outside the file"))?;
    let h = &head[..30];
    if u32_at(h, 0) != 0x0403_4b50 {
        return Err(mismatch("no local header signature"));
    }
    let (nl, el) = (u16_at(h, 26) as usize, u16_at(h, 28) as usize);
    let rest = match head.get(30..30 + nl + el) {
        Some(rest) => std::borrow::Cow::Borrowed(rest),
        None => std::borrow::Cow::Owned(
            read_exact_at(file, len, e.header_offset + 30, nl + el)
                .map_err(|_| mismatch("local header truncated"))?,
        ),
    };
    if rest[..nl] != *raw_name {
        return Err(mismatch("name"));
    }
    if u16_at(h, 6) != e.flags {
        return Err(mismatch("flags"));
    }
    if u16_at(h, 8) != e.method {
        return Err(mismatch("method"));
    }
    let same = |field, central: u32, local: u32| match central == local {
        true => Ok(()),
        false => Err(IssueKind::HeaderValue(field, central, local)),
    };
    same(
        HeaderField::LocalVersionNeeded,
        u32::from(e.version_needed),
        u32::from(u16_at(h, 4)),
    )?;
    let packed = |time: u16, date: u16| u32::from(time) | u32::from(date) << 16;
    same(
        HeaderField::LocalTime,
        packed(e.modified.time, e.modified.date),
        packed(u16_at(h, 10), u16_at(h, 12)),
    )?;
    let (crc, c32, s32) = (u32_at(h, 14), u32_at(h, 18), u32_at(h, 22));
    let marked = [s32, c32].iter().filter(|v| **v == MARKER).count();
    let zip64 = extra_fields(&rest[nl..], true, marked)?;
    // The ZIP64 body holds the marked values in the spec's order.
    let mut values = zip64
        .unwrap_or_default()
        .chunks_exact(8)
        .map(|c| u64_at(c, 0));
    let mut resolve = |v: u32| match v {
        MARKER => values.next().unwrap_or(u64::MAX),
        v => u64::from(v),
    };
    let (size, csize) = (resolve(s32), resolve(c32));
    let data_offset = e.header_offset + 30 + (nl + el) as u64;
    if e.flags & FLAG_DESCRIPTOR == 0 {
        if crc != e.crc {
            return Err(mismatch("CRC-32"));
        }
        if size != e.size || csize != e.compressed_size {
            return Err(mismatch("sizes"));
        }
        return Ok(LocalSpan {
            data_offset,
            descriptor: 0,
        });
    }
    // With a descriptor, the local header may leave the values at zero,
    // but what it does say must agree.
    if crc != 0 && crc != e.crc {
        return Err(mismatch("CRC-32"));
    }
    if (size != 0 && size != e.size) || (csize != 0 && csize != e.compressed_size) {
        return Err(mismatch("sizes"));
    }
    let at = data_offset
        .checked_add(e.compressed_size)
        .ok_or(IssueKind::DescriptorMismatch("it lies outside the file"))?;
    let descriptor = descriptor(file, len, at, zip64.is_some(), e)?;
    Ok(LocalSpan {
        data_offset,
        descriptor,
    })
}

/// Read the data descriptor at `at` (with or without its signature; 8-byte
/// sizes when the local header has a ZIP64 field) and compare it with the
/// central directory; returns its length.
fn descriptor(file: &File, len: u64, at: u64, zip64: bool, e: &Entry) -> Result<u64, IssueKind> {
    let w = if zip64 { 8 } else { 4 };
    let full = 4 + 4 + 2 * w;
    let avail = len.saturating_sub(at).min(full as u64) as usize;
    let b = read_exact_at(file, len, at, avail)
        .map_err(|_| IssueKind::DescriptorMismatch("it lies outside the file"))?;
    let value = |i: usize| match w {
        8 => u64_at(&b, i),
        _ => u64::from(u32_at(&b, i)),
    };
    let equal = |i: usize| {
        u32_at(&b, i) == e.crc && value(i + 4) == e.compressed_size && value(i + 4 + w) == e.size
    };
    // The signature is optional, and a CRC-32 may happen to equal it: the
    // signed form is tried first, and either must match in full.
    if avail == full && u32_at(&b, 0) == DESCRIPTOR_SIG && equal(4) {
        return Ok(full as u64);
    }
    if avail >= full - 4 && equal(0) {
        return Ok((full - 4) as u64);
    }
    Err(IssueKind::DescriptorMismatch(
        "missing, or its CRC-32 or sizes disagree with the central directory",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_fields_are_an_allow_list() {
        assert_eq!(extra_fields(&[], true, 0), Ok(None));
        let mut z = vec![1, 0, 16, 0];
        z.extend_from_slice(&[0; 16]);
        assert!(matches!(extra_fields(&z, true, 2), Ok(Some(b)) if b.len() == 16));
        assert!(matches!(
            extra_fields(&z, true, 1),
            Err(IssueKind::MalformedExtra(_))
        ));
        let up = [0x75, 0x70, 1, 0, 0];
        assert_eq!(
            extra_fields(&up, false, 0),
            Err(IssueKind::ExtraField(0x7075, false))
        );
        assert!(matches!(
            extra_fields(&[1, 0, 9, 0, 0], true, 0),
            Err(IssueKind::MalformedExtra(_))
        ));
        assert!(matches!(
            extra_fields(&[1, 0, 0], true, 0),
            Err(IssueKind::MalformedExtra(_))
        ));
        let mut twice = vec![1, 0, 0, 0];
        twice.extend_from_slice(&[1, 0, 0, 0]);
        assert!(matches!(
            extra_fields(&twice, true, 0),
            Err(IssueKind::MalformedExtra(_))
        ));
    }

    #[test]
    fn attributes_are_an_allow_list() {
        assert_eq!(attributes(3, 0o100644 << 16), None);
        assert_eq!(attributes(3, 0), None);
        assert_eq!(attributes(0, 0x20), None);
        assert_eq!(attributes(3, 0o040755 << 16), Some(IssueKind::Directory));
        assert_eq!(attributes(0, 0x10), Some(IssueKind::Directory));
        assert_eq!(attributes(3, 0o120777 << 16), Some(IssueKind::Symlink));
        assert_eq!(
            attributes(3, 0o010644 << 16),
            Some(IssueKind::SpecialFile(0o010000))
        );
        assert!(matches!(
            attributes(3, 0o104755 << 16),
            Some(IssueKind::NotAFile(..))
        ));
        assert!(matches!(attributes(0, 0x02), Some(IssueKind::NotAFile(..))));
        assert!(matches!(
            attributes(0, 0o100644 << 16),
            Some(IssueKind::NotAFile(..))
        ));
    }
}
