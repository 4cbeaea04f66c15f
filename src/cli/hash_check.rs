//! `evidentia hash --check`: check the files a sums or hashdeep list names,
//! one line (or JSON document) per entry, a closing summary, and exit 1
//! for a file that failed or is missing, 2 for one that could not be read
//! or a list line that could not be parsed.

use super::context::Ctx;
use super::error::{CliError, Exit, io_reason};
use super::hash_cmd::permission_hint;
use super::output::{Emit, display_path, progress_bar, sanitize};
use evidentia::hash::Algorithm;
use evidentia::hashlist::{self, CheckOutcome, CheckStatus, HashList};
use evidentia::pathrepr::PathRepr;
use evidentia::report::escape;
use evidentia::wording::count;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The validated plan of a `hash --check` run.
pub(super) struct CheckPlan {
    /// The list (`-` for standard input).
    pub list: PathBuf,
    /// The algorithm of untagged 64-digit lines.
    pub untagged_64: Option<Algorithm>,
    /// Files hashed at once.
    pub threads: usize,
    /// Read size.
    pub block_size: usize,
}

/// A 64-digit line is SHA-256 unless the list's name says BLAKE3
/// (`B3SUMS`, `*.b3`, `*blake3*`).
pub(super) fn guess_from_name(list: &Path) -> Option<Algorithm> {
    let name = list.file_name()?.to_string_lossy().to_ascii_lowercase();
    (name.contains("b3") || name.contains("blake3")).then_some(Algorithm::Blake3)
}

/// Limit on the size of a hash list read into memory.
const MAX_LIST_BYTES: u64 = 1 << 30;

fn read_list(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut data = Vec::new();
    let res = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_LIST_BYTES + 1)
            .read_to_end(&mut data)
    } else {
        std::fs::File::open(path)
            .map_err(|e| CliError::io("cannot open hash list", path, &e))?
            .take(MAX_LIST_BYTES + 1)
            .read_to_end(&mut data)
    };
    res.map_err(|e| CliError::io("cannot read hash list", path, &e))?;
    if data.len() as u64 > MAX_LIST_BYTES {
        return Err(CliError::op(format!(
            "hash list {} is larger than 1 GiB",
            display_path(path)
        )));
    }
    Ok(data)
}

/// Read and parse the list: each line that cannot be read is an error on
/// stderr; a list with no entry at all is refused.
fn parsed_list(ctx: &Ctx, plan: &CheckPlan) -> Result<HashList, CliError> {
    let data = read_list(&plan.list)?;
    let list = hashlist::parse_list(&data, plan.untagged_64);
    drop(data);
    for p in &list.problems {
        ctx.diag.error(&format!(
            "{}: line {}: {}",
            display_path(&plan.list),
            p.line,
            p.reason
        ));
    }
    if list.entries.is_empty() {
        return Err(CliError::op(format!(
            "{}: no checksum lines found",
            display_path(&plan.list)
        ))
        .hint("the list must hold `HEX  NAME`, `ALGO (NAME) = HEX` or HASHDEEP-1.0 lines"));
    }
    Ok(list)
}

#[derive(Serialize)]
struct JsonCheck {
    v: u32,
    kind: &'static str,
    line: usize,
    path: PathRepr,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mismatches: Vec<JsonMismatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize)]
struct JsonMismatch {
    algorithm: &'static str,
    expected: String,
    actual: String,
}

#[derive(Serialize)]
struct JsonCheckSummary {
    v: u32,
    kind: &'static str,
    ok: usize,
    failed: usize,
    missing: usize,
    unreadable: usize,
    bad_lines: usize,
}

/// Run `hash --check`.
pub(super) fn run_check(ctx: &Ctx, plan: CheckPlan) -> Result<Exit, CliError> {
    let list = parsed_list(ctx, &plan)?;
    let mut out = ctx.output();
    let mut tally = Tally {
        bad_lines: list.problems.len(),
        ..Tally::default()
    };
    let bar = progress_bar(ctx.progress, None);
    let progress = |n: u64| bar.inc(n);
    let mut emit = |o: CheckOutcome| -> Result<(), CliError> {
        let status = tally.count(&o.status);
        out.emit(&CheckLine { o: &o, status })?;
        // In JSON the document carries the details; for people they are
        // notes on stderr.
        if out.for_people() {
            let name = display_path(evidentia::pathrepr::path_from_bytes(&o.entry.name));
            bar.suspend(|| details(ctx, &name, &o.status));
        }
        Ok(())
    };
    hashlist::check_list(list, plan.threads, plan.block_size, &progress, &mut emit)?;
    bar.finish_and_clear();
    out.emit(&tally)?;
    out.flush()?;
    Ok(tally.verdict(ctx))
}

/// What a failed or unreadable entry's line does not say: each digest
/// that differs, the sizes, or why the file could not be read.
fn details(ctx: &Ctx, name: &str, status: &CheckStatus) {
    match status {
        CheckStatus::Failed { mismatches, size } => {
            for m in mismatches {
                ctx.diag.note(&format!(
                    "{name}: {} expected {} got {}",
                    m.expected.algorithm,
                    m.expected.hex(),
                    m.actual.hex()
                ));
            }
            if let Some((e, a)) = size {
                ctx.diag.note(&format!("{name}: size expected {e} got {a}"));
            }
        }
        CheckStatus::Unreadable(e) => ctx
            .diag
            .error(&format!("cannot read {name}: {}", io_reason(e))),
        _ => {}
    }
}

/// One entry checked: `NAME: OK` for people, a `check` document for
/// programs.
struct CheckLine<'a> {
    o: &'a CheckOutcome,
    status: &'static str,
}

impl Emit for CheckLine<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let (mismatches, sizes, reason) = match &self.o.status {
            CheckStatus::Failed { mismatches, size } => (
                mismatches
                    .iter()
                    .map(|m| JsonMismatch {
                        algorithm: m.expected.algorithm.name(),
                        expected: m.expected.hex(),
                        actual: m.actual.hex(),
                    })
                    .collect(),
                *size,
                None,
            ),
            CheckStatus::Unreadable(e) => (Vec::new(), None, Some(io_reason(e))),
            _ => (Vec::new(), None, None),
        };
        JsonCheck {
            v: 1,
            kind: "check",
            line: self.o.entry.line,
            path: PathRepr::from_bytes(&self.o.entry.name),
            status: self.status,
            mismatches,
            expected_size: sizes.map(|s| s.0),
            actual_size: sizes.map(|s| s.1),
            reason,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let name = &self.o.entry.name;
        let mut line = Vec::new();
        match std::str::from_utf8(name) {
            // A name that would lie on screen is shown escaped and
            // marked (this is human output; the list keeps it).
            Ok(text) if escape::has_hidden(text) => {
                line.extend_from_slice(sanitize(text).as_bytes())
            }
            _ => {
                let (esc, escaped) = hashlist::escape_name(name, hashlist::EscapeStyle::Coreutils);
                if escaped {
                    line.push(b'\\');
                }
                line.extend_from_slice(&esc);
            }
        }
        line.extend_from_slice(b": ");
        line.extend_from_slice(self.status.to_ascii_uppercase().as_bytes());
        line.push(b'\n');
        line
    }
}

/// The entries checked, by outcome.
#[derive(Default)]
struct Tally {
    ok: usize,
    failed: usize,
    missing: usize,
    unreadable: usize,
    /// Unreadable for lack of permission (one hint for all of them).
    denied: u64,
    /// List lines that could not be parsed.
    bad_lines: usize,
}

impl Tally {
    /// Count one outcome; its status word.
    fn count(&mut self, status: &CheckStatus) -> &'static str {
        match status {
            CheckStatus::Ok => {
                self.ok += 1;
                "ok"
            }
            CheckStatus::Failed { .. } => {
                self.failed += 1;
                "failed"
            }
            CheckStatus::Missing => {
                self.missing += 1;
                "missing"
            }
            CheckStatus::Unreadable(e) => {
                self.unreadable += 1;
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    self.denied += 1;
                }
                "unreadable"
            }
        }
    }

    /// The closing error and hint on stderr, and the exit code.
    fn verdict(&self, ctx: &Ctx) -> Exit {
        let (failed, missing, unreadable) = (self.failed, self.missing, self.unreadable);
        let total = self.ok + failed + missing + unreadable;
        if failed + missing + unreadable + self.bad_lines > 0 {
            ctx.diag.error(&format!(
                "{} of {} did NOT check out: {failed} FAILED, {missing} MISSING, {unreadable} unreadable; {}",
                failed + missing + unreadable,
                count(total, "file"),
                count(self.bad_lines, "unreadable list line")
            ));
        }
        permission_hint(ctx, self.denied);
        if unreadable + self.bad_lines > 0 {
            Exit::Error
        } else if failed + missing > 0 {
            Exit::Problem
        } else {
            Exit::Ok
        }
    }
}

/// The closing `summary` document in JSON; for people the summary is the
/// error on stderr ([`Tally::verdict`]).
impl Emit for Tally {
    fn json(&self) -> impl Serialize + '_ {
        JsonCheckSummary {
            v: 1,
            kind: "summary",
            ok: self.ok,
            failed: self.failed,
            missing: self.missing,
            unreadable: self.unreadable,
            bad_lines: self.bad_lines,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        ""
    }
}
