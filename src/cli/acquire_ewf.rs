//! What `acquire` and `hash --media` say about an E01 source: the summary
//! lines, the diagnostics (and the exit code they imply), and the hints for
//! a set whose structure was refused.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Emit, display_path, progress_bar, sanitize};
use evidentia::acquire::{self, AcquireError, MediaCheck};
use evidentia::ewf::EwfError;
use evidentia::hash::{AlgorithmSet, HashOptions, HashResult};
use evidentia::model::acquisition_ewf::{EwfOutcome, EwfSource, HashComparison};
use evidentia::pathrepr::PathRepr;
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Chunk failures printed one by one on stderr; the rest are counted.
const PRINTED_CHUNK_ERRORS: usize = 20;

/// The lines `acquire` and `hash --media` add to their text output.
pub(super) fn summary(e: &EwfSource) -> String {
    let mut s = format!("EWF: {}\n", sanitize(&e.integrity.statement));
    for (name, c) in [("md5", &e.integrity.md5), ("sha1", &e.integrity.sha1)] {
        if let Some(c) = c {
            s.push_str(&format!(
                "stored {name:<4} {} ({})\n",
                sanitize(&c.stored),
                if c.matches {
                    "matches"
                } else {
                    "DOES NOT MATCH"
                }
            ));
        }
    }
    if let Some(h) = &e.header {
        for (label, value) in [
            ("case number", &h.case_number),
            ("evidence number", &h.evidence_number),
            ("examiner", &h.examiner),
            ("acquired with", &h.software),
        ] {
            if let Some(v) = value {
                s.push_str(&format!("EWF {label}: {}\n", sanitize(v)));
            }
        }
    }
    s
}

/// Prints what went wrong (or what cannot be known) on stderr; returns the
/// exit code it implies.
pub(super) fn diagnose(ctx: &Ctx, e: &EwfSource) -> Exit {
    let i = &e.integrity;
    for c in i.chunk_errors.iter().take(PRINTED_CHUNK_ERRORS) {
        ctx.diag.error(&format!(
            "chunk {} (bytes {}-{}) in {}: {}",
            c.chunk,
            c.range.offset,
            c.range.end().saturating_sub(1),
            sanitize(&c.segment),
            sanitize(&c.problem)
        ));
    }
    if i.chunks_failed as usize > PRINTED_CHUNK_ERRORS {
        ctx.diag.error(&format!(
            "... {} more chunk(s) failed; all are listed in acquisition.json \
             (source.ewf.integrity.chunk_errors, the first 1000) and in the map",
            i.chunks_failed as usize - PRINTED_CHUNK_ERRORS
        ));
    }
    for (name, c) in [("md5", &i.md5), ("sha1", &i.sha1)] {
        if let Some(HashComparison {
            stored,
            computed,
            matches: false,
        }) = c
        {
            ctx.diag.error(&format!(
                "stored {name} in the E01 does not match the media: stored {}, computed {}",
                sanitize(stored),
                sanitize(computed)
            ));
        }
    }
    let mut exit = Exit::Ok;
    if !e.acquisition_errors.is_empty() {
        let bytes: u64 = e.acquisition_errors.iter().map(|r| r.length).sum();
        ctx.diag.warn(&format!(
            "the E01 records {} range(s) ({bytes} bytes) that were unreadable when it was \
             made; they are in bad_sectors and the map",
            e.acquisition_errors.len()
        ));
        exit = Exit::Problem;
    }
    match i.outcome {
        EwfOutcome::Verified => exit,
        EwfOutcome::NoStoredHash => {
            ctx.diag.warn(&i.statement);
            exit
        }
        EwfOutcome::Failed => {
            ctx.diag
                .error(&format!("E01 check {}", sanitize(&i.statement)));
            Exit::Problem
        }
        EwfOutcome::Incomplete => exit,
    }
}

/// The hint for a set whose structure was refused.
pub(super) fn hint(err: CliError, e: &EwfError) -> CliError {
    match e {
        EwfError::NotFirstSegment { .. } => {
            err.hint("give the set's first segment, NAME.E01; the others are found beside it")
        }
        EwfError::MissingSegment { .. } => err.hint(
            "all segments must be in one directory, named NAME.E01, NAME.E02, ...; copy the \
             missing one from the original medium",
        ),
        EwfError::ExtraSegment { .. } => err.hint(
            "the set ends at the segment holding its done section; this file does not belong \
             to it (another set, or a stray copy): move it away, then acquire again",
        ),
        EwfError::SegmentNumber { .. } | EwfError::ForeignSegment { .. } => err.hint(
            "the segments come from different sets or were renamed; collect the set again \
             from the original medium",
        ),
        EwfError::Truncated { .. } => err.hint(
            "the segment file is shorter than its sections say (an interrupted copy?); copy \
             it again from the original medium",
        ),
        EwfError::Io { .. } => err.hint("check that the segment files are readable"),
        _ => err.hint(
            "the set is damaged, or not an EWF-E01 set as EnCase, FTK Imager or libewf write \
             it (Ex01 and L01 are not read); nothing was written",
        ),
    }
}

/// `hash NAME.E01 --media`: the media's digests and the set's checks;
/// writes nothing. Exit 0 verified (or no stored hash, with a warning),
/// 1 a chunk or stored hash mismatch, 2 a set refused.
pub(super) fn run_media(
    ctx: &Ctx,
    first: &Path,
    algorithms: AlgorithmSet,
    block_size: usize,
) -> Result<Exit, CliError> {
    if !acquire::is_ewf(first) {
        return Err(CliError::op(format!(
            "{}: not an EWF-E01 segment file",
            display_path(first)
        ))
        .hint("--media reads E01 sets; hash a raw image without it"));
    }
    let opts = HashOptions {
        algorithms,
        block_size,
        ..HashOptions::default()
    };
    let never = AtomicBool::new(false);
    let mut bar: Option<ProgressBar> = None;
    let mut progress = |done| {
        bar.get_or_insert_with(|| progress_bar(ctx.progress, None))
            .set_position(done)
    };
    let checked = acquire::check_media(first, &opts, &never, &mut progress);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let checked = checked.map_err(|e| match e {
        AcquireError::Ewf(ewf) => hint(CliError::op(sanitize(&ewf.to_string())), &ewf),
        other => CliError::op(sanitize(&other.to_string())),
    })?;
    let mut out = ctx.output();
    out.emit(&Media(first, &checked))?;
    out.flush()?;
    Ok(diagnose(ctx, &checked.ewf))
}

/// The result of `hash --media`.
struct Media<'a>(&'a Path, &'a MediaCheck);

/// Its JSON form.
#[derive(serde::Serialize)]
struct MediaJson<'a> {
    v: u32,
    kind: &'static str,
    path: PathRepr,
    media_size: u64,
    hashes: BTreeMap<String, String>,
    ewf: &'a EwfSource,
}

impl Emit for Media<'_> {
    fn json(&self) -> impl serde::Serialize + '_ {
        MediaJson {
            v: 1,
            kind: "ewf-media",
            path: PathRepr::from_path(self.0),
            media_size: self.1.hashes.size,
            hashes: digests(&self.1.hashes),
            ewf: &self.1.ewf,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let mut text = format!(
            "media of {}: {} bytes\n",
            display_path(self.0),
            self.1.hashes.size
        );
        for (algo, hex) in digests(&self.1.hashes) {
            text.push_str(&format!("{algo:<7} {hex}\n"));
        }
        text.push_str(&summary(&self.1.ewf));
        text
    }
}

fn digests(h: &HashResult) -> BTreeMap<String, String> {
    h.digests
        .iter()
        .map(|d| (d.algorithm.name().to_string(), d.hex()))
        .collect()
}
