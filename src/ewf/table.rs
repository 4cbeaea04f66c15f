//! The `table` and `table2` sections: where each chunk lies in its
//! `sectors` section and whether it is compressed (spec "Table section").
//!
//! The header and the entry array each carry an Adler-32, both checked.
//! Entries must be strictly increasing, the first must start the sectors
//! data and the last chunk ends at the end of the sectors section, so every
//! byte of a sectors section belongs to exactly one chunk.

use std::ops::Range;
use std::path::Path;

use super::EwfError;
use super::section::{adler32, bad, le32, le64};

/// Most entries in one table (EnCase 6 and later; older writers use 16375).
pub(crate) const MAX_TABLE_ENTRIES: u64 = 65534;
/// Largest table body: header, entries, footer.
pub(crate) const MAX_TABLE_BODY: u64 = 24 + 4 * MAX_TABLE_ENTRIES + 4;

/// Where one chunk is stored. Computed on demand from a table's
/// [`Entries`]; never kept per chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChunkLoc {
    /// Offset of the stored chunk in its segment file.
    pub offset: u64,
    /// Stored length (for an uncompressed chunk, data plus its Adler-32),
    /// at most `max_stored` of [`parse_table`].
    pub stored_len: u32,
    /// Index of the segment file in the set (0 for .E01; at most
    /// [`super::MAX_SEGMENTS`]).
    pub segment: u16,
    /// Whether the chunk is a zlib stream.
    pub compressed: bool,
}

/// The checked entries of one table: chunk `i` of the table starts at
/// `base + (raw[i] & 0x7fff_ffff)` and ends where chunk `i + 1` starts, or
/// at the end of the sectors section for the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entries {
    base: u64,
    raw: Vec<u32>,
    data_end: u64,
    segment: u16,
}

impl Entries {
    /// Number of chunks in the table (at most [`MAX_TABLE_ENTRIES`]).
    pub(crate) fn len(&self) -> usize {
        self.raw.len()
    }

    /// Where chunk `i` of the table is stored; `None` past the table, or
    /// for entries [`parse_table`] would refuse.
    pub(crate) fn loc(&self, i: usize) -> Option<ChunkLoc> {
        let at = |i: usize| self.raw.get(i).and_then(|r| base_plus(self.base, *r));
        let offset = at(i)?;
        let end = if i + 1 < self.raw.len() {
            at(i + 1)?
        } else {
            self.data_end
        };
        Some(ChunkLoc {
            offset,
            stored_len: u32::try_from(end.checked_sub(offset)?).ok()?,
            segment: self.segment,
            compressed: self.raw[i] & 0x8000_0000 != 0,
        })
    }
}

/// Parses a table body read at `offset` of `path`, whose chunks lie in
/// `data` (the body of its sectors section): checks both Adler-32 values,
/// that the entries start the data, increase strictly and stay inside it,
/// and that each chunk is stored in at most `max_stored` bytes.
pub(crate) fn parse_table(
    body: &[u8],
    path: &Path,
    offset: u64,
    segment: u16,
    data: Range<u64>,
    max_stored: u32,
) -> Result<Entries, EwfError> {
    if body.len() < 24 {
        return Err(bad(path, offset, "table section shorter than its header"));
    }
    let stored = le32(body, 20);
    let actual = adler32(&body[..20]);
    if stored != actual {
        return Err(EwfError::SectionChecksum {
            path: path.to_path_buf(),
            offset,
            section: "table header",
            expected: stored,
            actual,
        });
    }
    let count = u64::from(le32(body, 0));
    let base = le64(body, 8);
    if count == 0 || count > MAX_TABLE_ENTRIES {
        return Err(bad(path, offset, "table entry count is 0 or above 65534"));
    }
    // `count <= 65534`, so this cannot overflow.
    if body.len() as u64 != 24 + 4 * count + 4 {
        return Err(bad(
            path,
            offset,
            "table size does not match its entry count",
        ));
    }
    let entries_end = 24 + 4 * count as usize;
    let stored = le32(body, entries_end);
    let actual = adler32(&body[24..entries_end]);
    if stored != actual {
        return Err(EwfError::SectionChecksum {
            path: path.to_path_buf(),
            offset,
            section: "table entries",
            expected: stored,
            actual,
        });
    }
    let entries = Entries {
        base,
        raw: body[24..entries_end]
            .chunks_exact(4)
            .map(|e| le32(e, 0))
            .collect(),
        data_end: data.end,
        segment,
    };
    check_entries(&entries, path, offset, data, max_stored)?;
    Ok(entries)
}

/// The bounds checks of [`parse_table`] on decoded entries.
fn check_entries(
    entries: &Entries,
    path: &Path,
    offset: u64,
    data: Range<u64>,
    max_stored: u32,
) -> Result<(), EwfError> {
    let mut previous: Option<u64> = None;
    for (i, raw) in entries.raw.iter().enumerate() {
        let at = base_plus(entries.base, *raw)
            .ok_or_else(|| bad(path, offset, "table entry offset overflows"))?;
        match previous {
            None if at != data.start => {
                return Err(bad(
                    path,
                    offset,
                    "first table entry does not start the sectors data",
                ));
            }
            Some(prev) if at <= prev => {
                return Err(bad(path, offset, "table entries are not increasing"));
            }
            _ => {}
        }
        if at >= data.end {
            return Err(bad(
                path,
                offset,
                "table entry points past its sectors section",
            ));
        }
        previous = Some(at);
        match entries.loc(i) {
            Some(loc) if loc.stored_len <= max_stored => {}
            _ => {
                return Err(bad(
                    path,
                    offset,
                    "a chunk is stored in more than twice the chunk size",
                ));
            }
        }
    }
    Ok(())
}

fn base_plus(base: u64, raw: u32) -> Option<u64> {
    base.checked_add(u64::from(raw & 0x7fff_ffff))
}

/// One run of sectors the acquiring tool could not read (`error2` section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquisitionError {
    /// First unreadable sector.
    pub first_sector: u32,
    /// Number of sectors in the run.
    pub sector_count: u32,
}

/// Most entries accepted in an `error2` section.
pub(crate) const MAX_ERROR_ENTRIES: u64 = 1 << 20;
/// Largest `error2` body.
pub(crate) const MAX_ERROR2_BODY: u64 = 520 + 8 * MAX_ERROR_ENTRIES + 4;

/// Parses an `error2` body (spec "Error2 section"): a 520-byte header with
/// its Adler-32, 8-byte entries, and the entries' Adler-32.
pub(crate) fn parse_error2(
    body: &[u8],
    path: &Path,
    offset: u64,
) -> Result<Vec<AcquisitionError>, EwfError> {
    if body.len() < 520 {
        return Err(bad(path, offset, "error2 section shorter than its header"));
    }
    let stored = le32(body, 516);
    let actual = adler32(&body[..516]);
    if stored != actual {
        return Err(EwfError::SectionChecksum {
            path: path.to_path_buf(),
            offset,
            section: "error2 header",
            expected: stored,
            actual,
        });
    }
    let count = u64::from(le32(body, 0));
    if count > MAX_ERROR_ENTRIES || body.len() as u64 != 520 + 8 * count + 4 {
        return Err(bad(
            path,
            offset,
            "error2 size does not match its entry count",
        ));
    }
    let end = 520 + 8 * count as usize;
    let stored = le32(body, end);
    let actual = adler32(&body[520..end]);
    if stored != actual {
        return Err(EwfError::SectionChecksum {
            path: path.to_path_buf(),
            offset,
            section: "error2 entries",
            expected: stored,
            actual,
        });
    }
    Ok(body[520..end]
        .chunks_exact(8)
        .map(|e| AcquisitionError {
            first_sector: le32(e, 0),
            sector_count: le32(e, 4),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::section::adler32;
    use super::*;

    fn table(base: u64, entries: &[u32]) -> Vec<u8> {
        let mut b = vec![0u8; 24];
        b[0..4].copy_from_slice(&(entries.len() as u32).to_le_bytes());
        b[8..16].copy_from_slice(&base.to_le_bytes());
        let s = adler32(&b[..20]);
        b[20..24].copy_from_slice(&s.to_le_bytes());
        for e in entries {
            b.extend_from_slice(&e.to_le_bytes());
        }
        let s = adler32(&b[24..]);
        b.extend_from_slice(&s.to_le_bytes());
        b
    }

    #[test]
    fn error2_entries_are_checked() {
        let p = Path::new("x.E03");
        let mut b = vec![0u8; 520];
        b[0..4].copy_from_slice(&2u32.to_le_bytes());
        let s = adler32(&b[..516]);
        b[516..520].copy_from_slice(&s.to_le_bytes());
        for v in [100u32, 8, 4096, 64] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let s = adler32(&b[520..]);
        b.extend_from_slice(&s.to_le_bytes());
        let errors = parse_error2(&b, p, 0).unwrap();
        assert_eq!(
            errors,
            vec![
                AcquisitionError {
                    first_sector: 100,
                    sector_count: 8
                },
                AcquisitionError {
                    first_sector: 4096,
                    sector_count: 64
                },
            ]
        );
        let mut bad = b.clone();
        bad[524] ^= 1;
        assert!(matches!(
            parse_error2(&bad, p, 0),
            Err(EwfError::SectionChecksum { .. })
        ));
        assert!(parse_error2(&b[..b.len() - 1], p, 0).is_err());
    }

    #[test]
    fn entries_cover_the_sectors_section() {
        // A sectors section at 1000 of 376 bytes: its data is 1076..1376.
        let data = 1076..1376;
        let p = Path::new("x.E01");
        let parse = |t: &[u8], max| parse_table(t, p, 0, 3, data.clone(), max);
        let e = parse(&table(1000, &[76, 176 | 0x8000_0000]), 1000).unwrap();
        assert_eq!(e.len(), 2);
        let loc = |i| {
            e.loc(i)
                .map(|l| (l.offset, l.stored_len, l.compressed, l.segment))
        };
        assert_eq!(loc(0), Some((1076, 100, false, 3)));
        assert_eq!(loc(1), Some((1176, 200, true, 3)));
        assert_eq!(loc(2), None);
        // Not starting at the data, decreasing, past the end, bad checksum.
        assert!(parse(&table(1000, &[80]), 1000).is_err());
        assert!(parse(&table(1000, &[76, 76]), 1000).is_err());
        assert!(parse(&table(1000, &[76, 400]), 1000).is_err());
        // A chunk stored in more than the bound (the last one, then the first).
        assert!(parse(&table(1000, &[76, 176]), 150).is_err());
        assert!(parse(&table(1000, &[76, 276]), 150).is_err());
        assert!(parse(&table(1000, &[76, 276]), 200).is_ok());
        let mut t = table(1000, &[76, 176]);
        t[25] ^= 1;
        assert!(matches!(
            parse(&t, 1000),
            Err(EwfError::SectionChecksum { .. })
        ));
    }
}
