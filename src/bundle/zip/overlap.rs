//! The sweep over entry spans sorted by their start: overlapping pairs of
//! entries, and the gaps between spans, each of which must be an earlier
//! central directory ([`super::end`]).

use super::issue::MAX_ISSUES;

/// What checking one gap gives: fine, or why its bytes are unaccounted.
pub(super) type GapCheck = Result<(), &'static str>;

/// The sweep over entry spans sorted by start: overlapping pairs, and the
/// gaps between spans that are not earlier directories.
#[derive(Default)]
pub(super) struct Sweep {
    /// The span reaching furthest so far: (its end, its entry).
    furthest: Option<(u64, u32)>,
    /// Pairs of entries whose spans overlap (entry, the other).
    pub(super) overlaps: Vec<(u32, u32)>,
    /// Gaps that failed their check (the first [`MAX_ISSUES`]).
    pub(super) gaps: Vec<(u64, u64, &'static str)>,
    /// Failed gaps past the first [`MAX_ISSUES`], counted only.
    pub(super) more_gaps: u64,
}

impl Sweep {
    /// One span: a span that starts before the furthest end seen so far
    /// overlaps that span's owner (both entries of a pair are suspect:
    /// which one really owns the bytes is unknowable, so the pair goes in
    /// both directions); one that starts after it leaves a gap, which
    /// `gap` checks.
    pub(super) fn step(
        &mut self,
        (start, end): (u64, u64),
        index: u32,
        gap: impl Fn(u64, u64) -> GapCheck,
    ) {
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
    pub(super) fn finish(&mut self, data_end: u64, gap: impl Fn(u64, u64) -> GapCheck) {
        let reach = self.furthest.map_or(0, |f| f.0);
        if reach < data_end {
            self.check(reach, data_end, &gap);
        }
    }

    pub(super) fn check(&mut self, start: u64, end: u64, gap: impl Fn(u64, u64) -> GapCheck) {
        if let Err(reason) = gap(start, end) {
            if self.gaps.len() < MAX_ISSUES {
                self.gaps.push((start, end, reason));
            } else {
                self.more_gaps += 1;
            }
        }
    }
}
