//! End records, the last and the earlier ones.
//!
//! The last end of central directory record (with its ZIP64 end record and
//! locator when the directory needs them) says where the directory is; it
//! must say it consistently: one disk, no comment (bytes nobody reads),
//! 32-bit fields either equal to the ZIP64 values or marked, ZIP64 records
//! without extensible data, directly before the locator.
//!
//! An append (docs/formats/bundle.md, "Appending events") leaves the
//! superseded directory and its end records between the old entries and
//! the new ones. Those are the only bytes the reader allows outside the
//! entries and the last directory: a gap must parse, to its last byte, as
//! one or more earlier directories, each a byte-for-byte prefix of the
//! current directory (an append copies the old records verbatim, so every
//! earlier entry is a current entry, at the same offset, with the same
//! name, CRC-32 and sizes) followed by end records that describe exactly
//! that directory. Memory stays constant: the gap and the current
//! directory are compared as two buffered streams.

use super::error::ZipError;
use super::write::{MADE_BY, VERSION_NEEDED_ZIP64};
use super::{RangeReader, read_exact_at, u16_at, u32_at, u64_at};
use std::fs::File;
use std::io::{BufReader, Read};

const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const ZIP64_END_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;

/// Where the last central directory is, from the last end records.
#[derive(Debug)]
pub(super) struct Directory {
    /// Declared entries.
    pub count: u64,
    /// Where the directory starts.
    pub offset: u64,
    /// Its size.
    pub size: u64,
    /// Where it must end: the ZIP64 end record, or the end record.
    pub end: u64,
    /// The end record's comment, `(start, end)`, when it has one.
    pub comment: Option<(u64, u64)>,
}

/// The three values of an end record: entries, directory size, offset.
type Values = (u64, u64, u64);

/// Merge the 32-bit values of an end record `r` (22 bytes) with the ZIP64
/// ones: each must be marked or equal.
fn merge(r: &[u8], z64: Option<Values>) -> Result<Values, &'static str> {
    if u16_at(r, 4) != 0 || u16_at(r, 6) != 0 {
        return Err("multi-disk archives are not bundles");
    }
    if u16_at(r, 8) != u16_at(r, 10) {
        return Err("entries on this disk differ from all entries");
    }
    let small = (
        u64::from(u16_at(r, 10)),
        u64::from(u32_at(r, 12)),
        u64::from(u32_at(r, 16)),
    );
    let marked = small.0 == 0xFFFF || small.1 == 0xFFFF_FFFF || small.2 == 0xFFFF_FFFF;
    let Some(big) = z64 else {
        return match marked {
            true => Err("ZIP64 locator missing"),
            false => Ok(small),
        };
    };
    let agrees = |s: u64, b: u64, m: u64| s == m || s == b;
    if !marked
        || !agrees(small.0, big.0, 0xFFFF)
        || !agrees(small.1, big.1, 0xFFFF_FFFF)
        || !agrees(small.2, big.2, 0xFFFF_FFFF)
    {
        return Err("the end record and the ZIP64 end record disagree");
    }
    Ok(big)
}

/// Parse a ZIP64 end record (56 bytes) and its locator (20 bytes) that
/// must point at it (at `at`).
fn zip64(rec: &[u8], loc: &[u8], at: u64) -> Result<Values, &'static str> {
    if u32_at(rec, 0) != ZIP64_END_SIG {
        return Err("ZIP64 end record signature");
    }
    if u64_at(rec, 4) != 44 {
        return Err("ZIP64 end record with extensible data");
    }
    // Its version fields are bytes like any other: exactly what the
    // writer puts there, or another tool reads what verify never checked.
    if u16_at(rec, 12) != MADE_BY || u16_at(rec, 14) != VERSION_NEEDED_ZIP64 {
        return Err("ZIP64 end record with other versions than evidentia writes");
    }
    if u32_at(rec, 16) != 0 || u32_at(rec, 20) != 0 || u64_at(rec, 24) != u64_at(rec, 32) {
        return Err("multi-disk archives are not bundles");
    }
    if u32_at(loc, 0) != ZIP64_LOCATOR_SIG
        || u32_at(loc, 4) != 0
        || u64_at(loc, 8) != at
        || u32_at(loc, 16) != 1
    {
        return Err("the ZIP64 locator does not point at the record before it");
    }
    Ok((u64_at(rec, 32), u64_at(rec, 40), u64_at(rec, 48)))
}

/// Find and check the last end records of a file of `len` bytes.
pub(super) fn locate(file: &File, len: u64) -> Result<Directory, ZipError> {
    if len < 22 {
        return Err(ZipError::NoEndRecord);
    }
    let tail_len = len.min(22 + 65_535) as usize;
    let tail_start = len - tail_len as u64;
    let tail = read_exact_at(file, len, tail_start, tail_len)?;
    let found = (0..=tail_len - 22).rev().find(|&i| {
        u32_at(&tail, i) == END_SIG && i + 22 + u16_at(&tail, i + 20) as usize == tail_len
    });
    let Some(i) = found else {
        // An end record that ends before the file does: bytes were
        // added after a complete archive (an append that died).
        for i in (0..=tail_len - 22).rev() {
            let end = i + 22 + u16_at(&tail, i + 20) as usize;
            if u32_at(&tail, i) == END_SIG && end < tail_len {
                return Err(ZipError::TrailingBytes {
                    end: tail_start + end as u64,
                    trailing: (tail_len - end) as u64,
                });
            }
        }
        return Err(ZipError::NoEndRecord);
    };
    let eocd_at = tail_start + i as u64;
    let r = &tail[i..i + 22];
    let marked =
        u16_at(r, 10) == 0xFFFF || u32_at(r, 12) == 0xFFFF_FFFF || u32_at(r, 16) == 0xFFFF_FFFF;
    let (mut end, mut z64) = (eocd_at, None);
    if marked {
        if eocd_at < 76 {
            return Err(ZipError::BadEndRecord("ZIP64 locator missing"));
        }
        let loc = read_exact_at(file, len, eocd_at - 20, 20)?;
        if u32_at(&loc, 0) != ZIP64_LOCATOR_SIG {
            return Err(ZipError::BadEndRecord("ZIP64 locator missing"));
        }
        let at = u64_at(&loc, 8);
        if at.checked_add(56).is_none_or(|e| e > eocd_at - 20) {
            return Err(ZipError::BadEndRecord("ZIP64 end record outside the file"));
        }
        if at + 56 != eocd_at - 20 {
            return Err(ZipError::BadEndRecord(
                "bytes between the ZIP64 end record and its locator",
            ));
        }
        let rec = read_exact_at(file, len, at, 56)?;
        z64 = Some(zip64(&rec, &loc, at).map_err(ZipError::BadEndRecord)?);
        end = at;
    }
    let (count, size, offset) = merge(r, z64).map_err(ZipError::BadEndRecord)?;
    let comment_len = u64::from(u16_at(r, 20));
    Ok(Directory {
        count,
        offset,
        size,
        end,
        comment: (comment_len > 0).then_some((eocd_at + 22, eocd_at + 22 + comment_len)),
    })
}

/// Check that the bytes `start..end` of the file are one or more earlier
/// central directories (see the module docs); the current directory is
/// `cd_size` bytes at `cd_offset`.
pub(super) fn check_gap(
    file: &File,
    cd_offset: u64,
    cd_size: u64,
    start: u64,
    end: u64,
) -> Result<(), &'static str> {
    let mut pos = start;
    while pos < end {
        pos = earlier_directory(file, (cd_offset, cd_size), pos, end)?;
    }
    Ok(())
}

fn reader(file: &File, pos: u64, end: u64) -> BufReader<RangeReader<'_>> {
    BufReader::with_capacity(64 << 10, RangeReader { file, pos, end })
}

/// One earlier directory and its end records at `start` (before `end`);
/// returns where they end.
fn earlier_directory(
    file: &File,
    (cd_offset, cd_size): (u64, u64),
    start: u64,
    end: u64,
) -> Result<u64, &'static str> {
    const CUT: &str = "it ends inside a directory header or end record";
    let mut gap = reader(file, start, end);
    let mut current = reader(file, cd_offset, cd_offset + cd_size);
    let (mut count, mut size) = (0u64, 0u64);
    let (mut old, mut new) = (Vec::new(), Vec::new());
    let mut sig = [0u8; 4];
    loop {
        gap.read_exact(&mut sig).map_err(|_| CUT)?;
        if u32::from_le_bytes(sig) != CENTRAL_SIG {
            break;
        }
        old.clear();
        old.extend_from_slice(&sig);
        old.resize(46, 0);
        gap.read_exact(&mut old[4..]).map_err(|_| CUT)?;
        let n =
            46 + u16_at(&old, 28) as usize + u16_at(&old, 30) as usize + u16_at(&old, 32) as usize;
        old.resize(n, 0);
        gap.read_exact(&mut old[46..]).map_err(|_| CUT)?;
        new.resize(n, 0);
        if current.read_exact(&mut new).is_err() || old != new {
            return Err("a directory header differs from the current directory's");
        }
        count += 1;
        size += n as u64;
    }
    let dir_end = start + size;
    let mut z64 = None;
    let mut at = dir_end;
    if u32::from_le_bytes(sig) == ZIP64_END_SIG {
        let mut rec = [0u8; 56];
        rec[..4].copy_from_slice(&sig);
        gap.read_exact(&mut rec[4..]).map_err(|_| CUT)?;
        let mut loc = [0u8; 20];
        gap.read_exact(&mut loc).map_err(|_| CUT)?;
        z64 = Some(zip64(&rec, &loc, dir_end)?);
        gap.read_exact(&mut sig).map_err(|_| CUT)?;
        at += 76;
    }
    if u32::from_le_bytes(sig) != END_SIG {
        return Err("no central directory header or end record where one must be");
    }
    let mut r = [0u8; 22];
    r[..4].copy_from_slice(&sig);
    gap.read_exact(&mut r[4..]).map_err(|_| CUT)?;
    if u16_at(&r, 20) != 0 {
        return Err("an end record with a comment");
    }
    if merge(&r, z64)? != (count, size, start) {
        return Err("an end record that does not describe the directory before it");
    }
    Ok(at + 22)
}
