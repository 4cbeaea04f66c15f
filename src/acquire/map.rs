//! Unreadable ranges, and the map file that records them in the format GNU
//! ddrescue writes, so that `ddrescuelog` and ddrescue itself can read it.
//!
//! Invariants: ranges are kept sorted, non-overlapping and merged when they
//! touch; the map covers every byte from 0 to the acquired size exactly once.

use crate::model::acquisition::ByteRange;
use std::fmt::Write as _;

/// The unreadable (zero-filled) ranges of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRanges {
    ranges: Vec<ByteRange>,
}

impl BadRanges {
    /// No bad ranges.
    pub fn new() -> BadRanges {
        BadRanges::default()
    }

    /// Record `length` unreadable bytes at `offset`; touching or overlapping
    /// ranges merge.
    pub fn add(&mut self, offset: u64, length: u64) {
        if length == 0 {
            return;
        }
        let new = ByteRange { offset, length };
        // Ranges nearly always arrive in order: merge with the last one
        // cheaply, fall back to a sorted insert otherwise.
        match self.ranges.last_mut() {
            Some(last) if last.end() >= offset && last.offset <= offset => {
                let end = last.end().max(new.end());
                last.length = end - last.offset;
            }
            Some(last) if last.end() < offset => self.ranges.push(new),
            None => self.ranges.push(new),
            Some(_) => {
                self.ranges.push(new);
                self.ranges.sort_by_key(|r| r.offset);
                let mut merged: Vec<ByteRange> = Vec::with_capacity(self.ranges.len());
                for r in self.ranges.drain(..) {
                    match merged.last_mut() {
                        Some(m) if m.end() >= r.offset => {
                            m.length = m.end().max(r.end()) - m.offset;
                        }
                        _ => merged.push(r),
                    }
                }
                self.ranges = merged;
            }
        }
    }

    /// The ranges, sorted and merged.
    pub fn ranges(&self) -> &[ByteRange] {
        &self.ranges
    }

    /// Total unreadable bytes.
    pub fn bytes(&self) -> u64 {
        self.ranges.iter().map(|r| r.length).sum()
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// What the map file header says.
#[derive(Debug, Clone)]
pub struct MapHeader<'a> {
    /// The evidentia version.
    pub version: &'a str,
    /// The full command line, already joined.
    pub command_line: &'a str,
    /// Start time (RFC 3339).
    pub started: &'a str,
    /// Time of writing (RFC 3339).
    pub now: &'a str,
}

/// Render a ddrescue map file: bytes before `done` are finished (`+`) or
/// bad (`-`); bytes from `done` to `total`, when the total is known and the
/// acquisition stopped early, are non-tried (`?`).
pub fn render_map(
    header: &MapHeader<'_>,
    bad: &BadRanges,
    done: u64,
    total: Option<u64>,
    complete: bool,
) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        s,
        "# Mapfile. Created by evidentia version {} (GNU ddrescue format)",
        header.version
    );
    let _ = writeln!(s, "# Command line: {}", header.command_line);
    let _ = writeln!(s, "# Start time:   {}", header.started);
    let _ = writeln!(s, "# Current time: {}", header.now);
    if complete {
        let _ = writeln!(s, "# Finished");
    }
    let _ = writeln!(s, "# current_pos  current_status  current_pass");
    let status = if complete { '+' } else { '?' };
    let _ = writeln!(s, "0x{done:08X}     {status}               1");
    let _ = writeln!(s, "#      pos        size  status");
    let mut line = |pos: u64, size: u64, c: char| {
        if size > 0 {
            let _ = writeln!(s, "0x{pos:08X}  0x{size:08X}  {c}");
        }
    };
    let mut pos = 0;
    for r in bad.ranges().iter().filter(|r| r.offset < done) {
        line(pos, r.offset - pos, '+');
        let end = r.end().min(done);
        line(r.offset, end - r.offset, '-');
        pos = end;
    }
    line(pos, done.saturating_sub(pos), '+');
    if let Some(t) = total {
        line(done, t.saturating_sub(done), '?');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(offset: u64, length: u64) -> ByteRange {
        ByteRange { offset, length }
    }

    #[test]
    fn ranges_merge_when_touching_or_overlapping() {
        let mut b = BadRanges::new();
        b.add(512, 512);
        b.add(1024, 512);
        b.add(4096, 512);
        assert_eq!(b.ranges(), &[r(512, 1024), r(4096, 512)]);
        // Out of order, bridging both.
        b.add(0, 512);
        b.add(1536, 2560);
        assert_eq!(b.ranges(), &[r(0, 4608)]);
        b.add(100, 10);
        assert_eq!(b.ranges(), &[r(0, 4608)]);
        assert_eq!(b.bytes(), 4608);
        b.add(9000, 0);
        assert_eq!(b.ranges().len(), 1);
    }

    #[test]
    fn map_lines_cover_everything_once() {
        let h = MapHeader {
            version: "0.1.0",
            command_line: "evidentia acquire x --out y",
            started: "2026-01-01T00:00:00Z",
            now: "2026-01-01T00:00:01Z",
        };
        let mut b = BadRanges::new();
        b.add(0x200, 0x400);
        let m = render_map(&h, &b, 0x1000, Some(0x1000), true);
        let body: Vec<&str> = m.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            body,
            vec![
                "0x00001000     +               1",
                "0x00000000  0x00000200  +",
                "0x00000200  0x00000400  -",
                "0x00000600  0x00000A00  +",
            ]
        );
        assert!(m.contains("# Finished"));
        let partial = render_map(&h, &BadRanges::new(), 0x800, Some(0x1000), false);
        assert!(partial.ends_with("0x00000000  0x00000800  +\n0x00000800  0x00000800  ?\n"));
        assert!(!partial.contains("# Finished"));
    }
}
