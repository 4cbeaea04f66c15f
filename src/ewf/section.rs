//! Segment file header and section descriptors.
//!
//! Every descriptor's Adler-32 is checked, its size and next offset must
//! agree (`next == offset + size`, spec "Dual image: section size versus
//! offset"), and every offset is checked against the file length before
//! anything is read. The walk ends at `next` or `done`, which must be the
//! last 76 bytes of the file: no byte of a segment is left unaccounted for.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::EwfError;

/// The EWF-E01 segment file signature (spec "File header").
pub(crate) const SIGNATURE: [u8; 8] = [b'E', b'V', b'F', 0x09, 0x0D, 0x0A, 0xFF, 0x00];
/// Length of the segment file header.
pub(crate) const FILE_HEADER_LEN: u64 = 13;
/// Length of a section descriptor.
pub(crate) const DESCRIPTOR_LEN: u64 = 76;

/// The section types this reader understands (an allow-list: anything else
/// is refused rather than skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SectionKind {
    Header,
    Header2,
    Volume,
    Disk,
    Data,
    Sectors,
    Table,
    Table2,
    Hash,
    Digest,
    Error2,
    Next,
    Done,
}

impl SectionKind {
    fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"header" => Self::Header,
            b"header2" => Self::Header2,
            b"volume" => Self::Volume,
            b"disk" => Self::Disk,
            b"data" => Self::Data,
            b"sectors" => Self::Sectors,
            b"table" => Self::Table,
            b"table2" => Self::Table2,
            b"hash" => Self::Hash,
            b"digest" => Self::Digest,
            b"error2" => Self::Error2,
            b"next" => Self::Next,
            b"done" => Self::Done,
            _ => return None,
        })
    }

    /// The name as stored in the descriptor.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Header2 => "header2",
            Self::Volume => "volume",
            Self::Disk => "disk",
            Self::Data => "data",
            Self::Sectors => "sectors",
            Self::Table => "table",
            Self::Table2 => "table2",
            Self::Hash => "hash",
            Self::Digest => "digest",
            Self::Error2 => "error2",
            Self::Next => "next",
            Self::Done => "done",
        }
    }
}

/// One checked section descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Section {
    pub kind: SectionKind,
    /// Offset of the descriptor in the segment file.
    pub offset: u64,
    /// Size including the descriptor (0 or 76 for `next`/`done`).
    pub size: u64,
}

impl Section {
    /// Offset of the first byte after the descriptor.
    pub(crate) fn body_offset(&self) -> u64 {
        self.offset + DESCRIPTOR_LEN
    }

    /// Length of the body (the bytes after the descriptor).
    pub(crate) fn body_len(&self) -> u64 {
        self.size.saturating_sub(DESCRIPTOR_LEN)
    }

    /// Offset one past the section's last byte.
    pub(crate) fn end(&self) -> u64 {
        self.offset + self.size.max(DESCRIPTOR_LEN)
    }
}

/// Adler-32 (RFC 1950) of `data`, continuing from `state` (1 for a fresh sum).
///
/// Every media byte goes through here, so it is written for speed: the
/// bulk is summed in [`LANES`] independent u32 lanes, a form the compiler
/// turns into vector additions, and folded into `a` and `b` once per
/// block; the tail goes byte by byte. On x86-64 with AVX2 the same code
/// runs compiled for AVX2 (about 7 GB/s, against 2.6 with SSE2 and 1.7
/// for the plain byte loop).
pub(crate) fn adler32_update(state: u32, data: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above; the function is
        // the portable code below compiled with AVX2 allowed (2.6x faster
        // than with the baseline SSE2), and touches memory only through
        // the slice.
        return unsafe { adler32_avx2(state, data) };
    }
    adler32_portable(state, data)
}

/// [`adler32_portable`] with AVX2 allowed: the compiler widens the lane
/// loop to 256-bit vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn adler32_avx2(state: u32, data: &[u8]) -> u32 {
    adler32_portable(state, data)
}

/// Adler-32 in portable code (see [`adler32_update`]).
#[inline(always)]
fn adler32_portable(state: u32, data: &[u8]) -> u32 {
    let (mut a, mut b) = (u64::from(state & 0xffff), u64::from(state >> 16));
    let mut blocks = data.chunks_exact(ADLER_BLOCK);
    for block in &mut blocks {
        (a, b) = adler_block(a, b, block);
    }
    let rest = blocks.remainder();
    let mut groups = rest.chunks_exact(LANES);
    let whole = groups.len() * LANES;
    if whole > 0 {
        (a, b) = adler_block(a, b, &rest[..whole]);
    }
    for &byte in groups.by_ref().remainder() {
        a += u64::from(byte);
        b += a;
    }
    ((b % ADLER_MOD) << 16 | (a % ADLER_MOD)) as u32
}

const ADLER_MOD: u64 = 65521;
/// Bytes summed per lane step.
const LANES: usize = 32;
/// Bytes per block: small enough that no lane sum overflows a u32
/// (`s2` reaches 255 × G × (G − 1) / 2 for G = 1024 groups, below 2^28).
const ADLER_BLOCK: usize = LANES * 1024;

/// Adds `block` (a whole number of [`LANES`]-byte groups, at most
/// [`ADLER_BLOCK`] bytes) to the sums `a` and `b` (each below 2^48).
///
/// With G groups `y[g][i]`, the byte at position k (from 1) of n adds
/// `y` to `a` and `(n - k + 1) × y` to `b`. Per lane, `s1[i]` sums the
/// lane's bytes and `s2[i]` sums `s1[i]` as it was before each group, so
/// `Σ_g (G − g) × y[g][i] = s2[i] + s1[i]` and
/// `b += n × a + LANES × Σ_i (s2[i] + s1[i]) − Σ_i i × s1[i]`.
#[inline(always)]
fn adler_block(a: u64, b: u64, block: &[u8]) -> (u64, u64) {
    let mut s1 = [0u32; LANES];
    let mut s2 = [0u32; LANES];
    for group in block.chunks_exact(LANES) {
        for i in 0..LANES {
            s2[i] += s1[i];
            s1[i] += u32::from(group[i]);
        }
    }
    let n = block.len() as u64;
    let (mut sum1, mut sum2, mut weighted) = (0u64, 0u64, 0u64);
    for i in 0..LANES {
        sum1 += u64::from(s1[i]);
        sum2 += u64::from(s2[i]) + u64::from(s1[i]);
        weighted += i as u64 * u64::from(s1[i]);
    }
    // Every term is below 2^48; reduce so the next block stays there too.
    let b = (b + n * a + LANES as u64 * sum2 - weighted) % ADLER_MOD;
    ((a + sum1) % ADLER_MOD, b)
}

/// Adler-32 of `data`.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    adler32_update(1, data)
}

/// Little-endian u32 at `at` (the caller has checked the length).
pub(crate) fn le32(buf: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[at..at + 4]);
    u32::from_le_bytes(b)
}

/// Little-endian u64 at `at` (the caller has checked the length).
pub(crate) fn le64(buf: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Reads exactly `len` bytes at `offset`, after checking that they lie
/// inside a file of `file_len` bytes and that `len` is at most `limit`.
pub(crate) fn read_at(
    file: &File,
    path: &Path,
    file_len: u64,
    offset: u64,
    len: u64,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, EwfError> {
    if len > limit {
        return Err(EwfError::TooLarge {
            path: path.to_path_buf(),
            offset,
            what,
            len,
            limit,
        });
    }
    match offset.checked_add(len) {
        Some(end) if end <= file_len => {}
        _ => {
            return Err(EwfError::Truncated {
                path: path.to_path_buf(),
                offset,
                what,
            });
        }
    }
    // `len <= limit`, and every limit in this module is a few MiB at most.
    let mut buf = vec![0u8; len as usize];
    file.read_exact_at(&mut buf, offset)
        .map_err(|source| EwfError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(buf)
}

/// Checks the 13-byte file header and returns the segment number in it.
pub(crate) fn read_file_header(file: &File, path: &Path, file_len: u64) -> Result<u16, EwfError> {
    let h = read_at(
        file,
        path,
        file_len,
        0,
        FILE_HEADER_LEN,
        FILE_HEADER_LEN,
        "file header",
    )
    .map_err(|e| match e {
        EwfError::Truncated { .. } => EwfError::NotEwf {
            path: path.to_path_buf(),
        },
        other => other,
    })?;
    if h[..8] != SIGNATURE || h[8] != 0x01 || h[11..13] != [0, 0] {
        return Err(EwfError::NotEwf {
            path: path.to_path_buf(),
        });
    }
    Ok(u16::from_le_bytes([h[9], h[10]]))
}

/// Walks the section chain of one segment file, checking every descriptor.
/// The last section returned is `next` or `done`.
pub(crate) fn walk_sections(
    file: &File,
    path: &Path,
    file_len: u64,
) -> Result<Vec<Section>, EwfError> {
    let mut sections = Vec::new();
    let mut offset = FILE_HEADER_LEN;
    loop {
        let d = read_at(
            file,
            path,
            file_len,
            offset,
            DESCRIPTOR_LEN,
            DESCRIPTOR_LEN,
            "section descriptor",
        )?;
        let stored = le32(&d, 72);
        let actual = adler32(&d[..72]);
        if stored != actual {
            return Err(EwfError::DescriptorChecksum {
                path: path.to_path_buf(),
                offset,
                expected: stored,
                actual,
            });
        }
        let name_len = d[..16].iter().position(|&b| b == 0).unwrap_or(16);
        let name = &d[..name_len];
        if d[name_len..16].iter().any(|&b| b != 0) {
            return Err(bad(path, offset, "section type is not NUL padded"));
        }
        let kind = SectionKind::from_name(name).ok_or_else(|| EwfError::UnsupportedSection {
            path: path.to_path_buf(),
            offset,
            kind: String::from_utf8_lossy(name).into_owned(),
        })?;
        let next = le64(&d, 16);
        let size = le64(&d, 24);
        if matches!(kind, SectionKind::Next | SectionKind::Done) {
            if next != offset || !(size == 0 || size == DESCRIPTOR_LEN) {
                return Err(bad(
                    path,
                    offset,
                    "next/done section does not point to itself",
                ));
            }
            if offset + DESCRIPTOR_LEN != file_len {
                return Err(bad(path, offset, "bytes after the last section"));
            }
            sections.push(Section { kind, offset, size });
            return Ok(sections);
        }
        if size < DESCRIPTOR_LEN {
            return Err(bad(
                path,
                offset,
                "section size smaller than its descriptor",
            ));
        }
        match offset.checked_add(size) {
            Some(end) if end == next => {}
            _ => return Err(bad(path, offset, "section size and next offset disagree")),
        }
        if next > file_len {
            return Err(EwfError::Truncated {
                path: path.to_path_buf(),
                offset,
                what: kind.name(),
            });
        }
        sections.push(Section { kind, offset, size });
        // `size >= 76`, so the walk always moves forward and ends.
        offset = next;
    }
}

/// A structural error at `offset` of `path`.
pub(crate) fn bad(path: &Path, offset: u64, reason: &'static str) -> EwfError {
    EwfError::Malformed {
        path: path.to_path_buf(),
        offset,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adler-32 straight from RFC 1950: a modulo after every byte.
    fn reference(state: u32, data: &[u8]) -> u32 {
        let (mut a, mut b) = (state & 0xffff, state >> 16);
        for &x in data {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    #[test]
    fn adler32_known_values() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let big = vec![0xffu8; 300_000];
        assert_eq!(adler32(&big), reference(1, &big));
        // Every length around the lane and block sizes, from several states,
        // on bytes that are all 0xff (the largest sums) or pseudo-random.
        let mut x = 0x2545_f491u32;
        let random: Vec<u8> = (0..3 * ADLER_BLOCK + 100)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let lens = (0..70)
            .chain(ADLER_BLOCK - 40..ADLER_BLOCK + 40)
            .chain([2 * ADLER_BLOCK + 31, random.len()]);
        for len in lens {
            for state in [1, 0xfff0_fff0, 0x1234_5678] {
                assert_eq!(
                    adler32_update(state, &random[..len]),
                    reference(state, &random[..len]),
                    "random, {len} bytes, state {state:x}"
                );
                assert_eq!(
                    adler32_portable(state, &random[..len]),
                    reference(state, &random[..len]),
                    "portable, {len} bytes, state {state:x}"
                );
                assert_eq!(
                    adler32_update(state, &big[..len]),
                    reference(state, &big[..len]),
                    "0xff, {len} bytes, state {state:x}"
                );
            }
        }
    }
}
