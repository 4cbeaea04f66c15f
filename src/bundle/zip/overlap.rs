//! Overlaps and gaps: the sweep over entry spans (local header to the end
//! of data and descriptor) sorted by their start finds the pairs of
//! entries whose bytes overlap, and the gaps between spans, each of which
//! must be an earlier central directory ([`super::end`]). Both entries of
//! an overlap are unsafe; a gap that is not a directory is unaccounted.

use super::end;
use super::error::ZipError;
use super::issue::{IssueKind, Issues, MAX_ISSUES};
use super::names::NameOf;
use std::fs::File;

/// What checking one gap gives: fine, or why its bytes are unaccounted.
type GapCheck = Result<(), &'static str>;

/// The sweep over entry spans sorted by start: overlapping pairs, and the
/// gaps between spans that are not earlier directories.
#[derive(Default)]
struct Sweep {
    /// The span reaching furthest so far: (its end, its entry).
    furthest: Option<(u64, u32)>,
    /// Pairs of entries whose spans overlap (entry, the other).
    overlaps: Vec<(u32, u32)>,
    /// Gaps that failed their check (the first [`MAX_ISSUES`]).
    gaps: Vec<(u64, u64, &'static str)>,
    /// Failed gaps past the first [`MAX_ISSUES`], counted only.
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

/// The spans of the entries as the open pass meets them: swept at once
/// while their data comes in file order (every bundle we write), in one
/// pass; sorted and swept afterwards ([`Spans::report`]) when not.
pub(super) struct Spans<'a> {
    file: &'a File,
    cd_offset: u64,
    cd_size: u64,
    sweep: Sweep,
    prev_start: Option<u64>,
    sorted: bool,
}

impl<'a> Spans<'a> {
    /// No spans yet, in `file`, whose current central directory is
    /// `cd_size` bytes at `cd_offset`.
    pub(super) fn new(file: &'a File, cd_offset: u64, cd_size: u64) -> Spans<'a> {
        Spans {
            file,
            cd_offset,
            cd_size,
            sweep: Sweep::default(),
            prev_start: None,
            sorted: true,
        }
    }

    /// Whether the bytes `start..end` are earlier central directories.
    fn gap(&self) -> impl Fn(u64, u64) -> GapCheck + use<'a> {
        let (file, cd_offset, cd_size) = (self.file, self.cd_offset, self.cd_size);
        move |a, b| end::check_gap(file, cd_offset, cd_size, a, b)
    }

    /// The span of entry `index`, in directory order: each span must
    /// start where the one reaching furthest so far ends.
    pub(super) fn step(&mut self, span: (u64, u64), index: u32) {
        if self.prev_start.is_some_and(|s| span.0 <= s) {
            self.sorted = false;
        }
        if self.sorted {
            let gap = self.gap();
            self.sweep.step(span, index, gap);
            self.prev_start = Some(span.0);
        }
    }

    /// Finish the sweep up to `data_end` (when the spans were not in file
    /// order, sorting `all` of them first: (start, end, entry)), and report
    /// each overlap (its entry becomes unsafe) and each gap that is not an
    /// earlier directory.
    pub(super) fn report(
        self,
        data_end: u64,
        all: impl FnOnce() -> Vec<(u64, u64, u32)>,
        name_of: NameOf<'_>,
        issues: &mut Issues,
    ) -> Result<(), ZipError> {
        let gap = self.gap();
        let mut sweep = match self.sorted {
            true => self.sweep,
            false => sweep_unsorted(all(), name_of, &gap)?,
        };
        sweep.finish(data_end, gap);
        for (index, other) in sweep.overlaps {
            let name = |i: u32| name_of(i as usize).unwrap_or_default();
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
}

/// Overlaps and gaps when the data is not in directory order: sort
/// the spans (start, end, then name).
fn sweep_unsorted(
    mut spans: Vec<(u64, u64, u32)>,
    name_of: NameOf<'_>,
    gap: impl Fn(u64, u64) -> GapCheck,
) -> Result<Sweep, ZipError> {
    let mut failed = None;
    spans.sort_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
            match (name_of(a.2 as usize), name_of(b.2 as usize)) {
                (Ok(x), Ok(y)) => x.cmp(&y),
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
