//! `evidentia hash`: hash inputs into sums, hashdeep or JSON Lines output,
//! or check a hash list (`--check`).

use super::context::Ctx;
use super::error::{CliError, Exit, io_reason};
use super::output::{Mode, Output, display_path, progress_bar, sanitize};
use super::size::parse_size;
use clap::{Args, ValueEnum};
use evidentia::hash::{Algorithm, AlgorithmSet, DEFAULT_BLOCK_SIZE, HashOptions, HashResult};
use evidentia::hashlist::{self, CheckStatus, HASHDEEP_ALGORITHMS};
use evidentia::model::acquisition::PiecesRecord;
use evidentia::pathrepr::PathRepr;
use evidentia::report::escape;
use evidentia::source::{Input, Record, SourceOptions, SpecialKind, hash_inputs};
use evidentia::wording::count;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Output formats of `hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `sha256sum`/`b3sum` lines for one algorithm; BSD tagged lines for several
    Sums,
    /// A HASHDEEP-1.0 file (md5, sha1, sha256) that `hashdeep -a -k` audits against
    Hashdeep,
    /// JSON Lines, one record per entry (the same as --json)
    Json,
}

/// Arguments of `hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// Files, directories or devices to hash; `-` for standard input
    /// [default: -]
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512
    /// [default: sha256,blake3; sha256 with --format hashdeep]
    #[arg(long, short = 'a', value_name = "LIST")]
    algo: Option<String>,
    /// Output format [default: sums]
    #[arg(long, short = 'f', value_enum)]
    format: Option<Format>,
    /// Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M);
    /// needs JSON output
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    piece: Option<u64>,
    /// Check the files named in a sums or hashdeep list (`-` for stdin)
    #[arg(long, short = 'c', value_name = "FILE", conflicts_with_all = ["paths", "format", "piece"])]
    check: Option<PathBuf>,
    /// Read size [default: 2M]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    block_size: Option<u64>,
    /// With --format hashdeep: write paths as given instead of absolute
    /// (like `hashdeep -l`)
    #[arg(long)]
    relative: bool,
    /// Files hashed at once [default: number of CPUs]
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// The validated plan of a `hash` run.
struct HashPlan {
    inputs: Vec<Input>,
    format: Format,
    /// Hashdeep names: absolute (hashdeep's default) or as given.
    relative: bool,
    source: SourceOptions,
}

/// The validated plan of a `hash --check` run.
struct CheckPlan {
    list: PathBuf,
    untagged_64: Option<Algorithm>,
    threads: usize,
    block_size: usize,
}

fn threads(args: &HashArgs) -> Result<usize, CliError> {
    match args.threads {
        Some(0) => Err(CliError::usage("--threads must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(SourceOptions::default().threads),
    }
}

fn block_size(args: &HashArgs) -> Result<usize, CliError> {
    let b = args.block_size.unwrap_or(DEFAULT_BLOCK_SIZE as u64);
    if !(4096..=(256 << 20)).contains(&b) {
        return Err(CliError::usage("--block-size must be between 4K and 256M"));
    }
    Ok(b as usize)
}

fn algorithms(args: &HashArgs) -> Result<Option<AlgorithmSet>, CliError> {
    args.algo
        .as_deref()
        .map(AlgorithmSet::parse_list)
        .transpose()
        .map_err(|e| CliError::usage(e.to_string()))
}

fn plan(ctx: &Ctx, args: &HashArgs) -> Result<HashPlan, CliError> {
    let format = match (ctx.mode, args.format) {
        (Mode::Json, None | Some(Format::Json)) => Format::Json,
        (Mode::Json, Some(_)) => {
            return Err(CliError::usage(
                "--json conflicts with --format sums/hashdeep",
            ));
        }
        (Mode::Human, f) => f.unwrap_or(Format::Sums),
    };
    let algorithms = match (algorithms(args)?, format) {
        (Some(a), _) => a,
        (None, Format::Hashdeep) => AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
        (None, _) => AlgorithmSet::default_set(),
    };
    if format == Format::Hashdeep
        && let Some(a) = algorithms
            .as_slice()
            .iter()
            .find(|a| !HASHDEEP_ALGORITHMS.contains(a))
    {
        return Err(CliError::usage(format!("hashdeep files cannot carry {a}"))
            .hint("use --algo with md5, sha1 and/or sha256, or --format sums"));
    }
    if args.piece.is_some() && format != Format::Json {
        return Err(
            CliError::usage("piecewise hashes can only be written as JSON")
                .hint("add --format json (or --json)"),
        );
    }
    if args.piece == Some(0) {
        return Err(CliError::usage("--piece must be larger than 0"));
    }
    let inputs = if args.paths.is_empty() {
        vec![Input::Stdin]
    } else {
        args.paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(p.clone())
                }
            })
            .collect()
    };
    if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
        return Err(CliError::usage(
            "standard input (-) can be hashed only once",
        ));
    }
    if args.relative && format != Format::Hashdeep {
        return Err(CliError::usage(
            "--relative only applies to --format hashdeep",
        ));
    }
    Ok(HashPlan {
        inputs,
        format,
        relative: args.relative,
        source: SourceOptions {
            hash: HashOptions {
                algorithms,
                piece_size: args.piece,
                block_size: block_size(args)?,
                ..HashOptions::default()
            },
            threads: threads(args)?,
        },
    })
}

/// Run `hash`.
pub fn run(ctx: &Ctx, args: HashArgs) -> Result<Exit, CliError> {
    if let Some(list) = &args.check {
        let algos = algorithms(&args)?;
        let untagged_64 = match &algos {
            Some(set) if set.len() == 1 => Some(set.as_slice()[0]),
            Some(_) => {
                return Err(CliError::usage("--check takes at most one --algo")
                    .hint("name the algorithm of untagged 64-digit lines, e.g. --algo blake3"));
            }
            None => guess_from_name(list),
        };
        let plan = CheckPlan {
            list: list.clone(),
            untagged_64,
            threads: threads(&args)?,
            block_size: block_size(&args)?,
        };
        return run_check(ctx, plan);
    }
    let plan = plan(ctx, &args)?;
    run_hash(ctx, plan)
}

/// A 64-digit line is SHA-256 unless the list's name says BLAKE3
/// (`B3SUMS`, `*.b3`, `*blake3*`).
fn guess_from_name(list: &Path) -> Option<Algorithm> {
    let name = list.file_name()?.to_string_lossy().to_ascii_lowercase();
    (name.contains("b3") || name.contains("blake3")).then_some(Algorithm::Blake3)
}

fn total_size(inputs: &[Input]) -> Option<u64> {
    let mut total = 0u64;
    for i in inputs {
        let Input::Path(p) = i else { return None };
        let md = std::fs::metadata(p).ok()?;
        if !md.is_file() {
            return None;
        }
        total += md.len();
    }
    Some(total)
}

/// A JSON Lines record of `hash --format json` (documented in docs/formats/hash-json.md).
#[derive(Serialize)]
struct JsonRecord {
    v: u32,
    kind: &'static str,
    path: PathRepr,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hashes: Option<BTreeMap<&'static str, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pieces: Option<PiecesRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<PathRepr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn json_record(record: &Record) -> JsonRecord {
    let base = |kind, path: &Path| JsonRecord {
        v: 1,
        kind,
        path: PathRepr::from_path(path),
        size: None,
        hashes: None,
        pieces: None,
        target: None,
        reason: None,
    };
    match record {
        Record::Hashed { path, result } => JsonRecord {
            size: Some(result.size),
            hashes: Some(
                result
                    .digests
                    .iter()
                    .map(|d| (d.algorithm.name(), d.hex()))
                    .collect(),
            ),
            pieces: result.pieces.as_ref().map(PiecesRecord::from),
            ..base("file", path)
        },
        Record::Symlink { path, target } => JsonRecord {
            target: Some(PathRepr::from_path(target)),
            ..base("symlink", path)
        },
        Record::Skipped { path, kind } => JsonRecord {
            reason: Some(kind.name().to_string()),
            ..base("skipped", path)
        },
        Record::Unreadable { path, .. } => base("error", path),
    }
}

fn command_line() -> Vec<u8> {
    let mut v = Vec::new();
    for (i, a) in std::env::args_os().enumerate() {
        if i > 0 {
            v.push(b' ');
        }
        v.extend_from_slice(a.as_bytes());
    }
    v
}

fn run_hash(ctx: &Ctx, plan: HashPlan) -> Result<Exit, CliError> {
    let mut out = Output::new(ctx.mode);
    let algos: Vec<Algorithm> = plan.source.hash.algorithms.as_slice().to_vec();
    if plan.format == Format::Hashdeep {
        let cwd = std::env::current_dir()
            .map(|p| p.as_os_str().as_bytes().to_vec())
            .unwrap_or_default();
        out.bytes(&hashlist::hashdeep_header(&algos, &cwd, &command_line()))?;
    }
    let bar = progress_bar(ctx.progress, total_size(&plan.inputs));
    let progress = |n: u64| bar.inc(n);
    let mut exit = Exit::Ok;
    let mut denied = 0u64;
    let for_eyes = std::io::stdout().is_terminal();
    let mut emit = |record: Record| -> Result<(), CliError> {
        match &record {
            Record::Hashed { path, result } => {
                let shown = hashdeep_name(&plan, path);
                if plan.format != Format::Json && escape::has_hidden(&path.to_string_lossy()) {
                    // A list written to a file or pipe keeps the exact
                    // bytes (coreutils and hashdeep read them back); on a
                    // terminal a person reads it, and gets the name escaped
                    // and marked. Either way, a person is told here.
                    let where_ = if for_eyes {
                        "shown escaped on this terminal; written to a file, the list keeps the exact name"
                    } else {
                        "shown escaped here; the list keeps the exact name"
                    };
                    bar.suspend(|| ctx.diag.warn(&format!("{}: {where_}", display_path(path))));
                }
                write_hashed(
                    &mut out,
                    plan.format,
                    &algos,
                    &shown,
                    result,
                    &record,
                    ctx,
                    &mut exit,
                    for_eyes,
                )?
            }
            Record::Symlink { path, target } => {
                if plan.format == Format::Json {
                    out.json(&json_record(&record))?;
                }
                bar.suspend(|| {
                    ctx.diag.note(&format!(
                        "symbolic link recorded, not followed: {} -> {}",
                        display_path(path),
                        display_path(target)
                    ))
                });
            }
            Record::Skipped { path, kind } => {
                if plan.format == Format::Json {
                    out.json(&json_record(&record))?;
                }
                let what = if *kind == SpecialKind::Other {
                    "special file"
                } else {
                    kind.name()
                };
                bar.suspend(|| {
                    ctx.diag
                        .warn(&format!("skipped {what}: {}", display_path(path)))
                });
            }
            Record::Unreadable { path, error } => {
                if plan.format == Format::Json {
                    let mut r = json_record(&record);
                    r.reason = Some(io_reason(error));
                    out.json(&r)?;
                }
                exit = exit.worst(Exit::Error);
                if error.kind() == std::io::ErrorKind::PermissionDenied {
                    denied += 1;
                }
                bar.suspend(|| {
                    ctx.diag.error(&format!(
                        "cannot read {}: {}",
                        display_path(path),
                        io_reason(error)
                    ))
                });
            }
        }
        Ok(())
    };
    hash_inputs(&plan.inputs, &plan.source, &progress, &mut emit)?;
    bar.finish_and_clear();
    permission_hint(ctx, denied);
    out.flush()?;
    Ok(exit)
}

/// One hint after the per-file errors, not one per file: what to do when
/// the evidence is not readable by this user.
fn permission_hint(ctx: &Ctx, denied: u64) {
    if denied > 0 {
        ctx.diag.hint(&format!(
            "{} could not be read for lack of permission; run as a user who may read the evidence (for example with sudo), or give this user read access to a copy; never change the permissions on the original",
            count(denied, "file")
        ));
    }
}

/// Hashdeep writes absolute paths unless asked for relative ones (`-l`);
/// `hashdeep -a -k` matches on them, so do the same.
fn hashdeep_name(plan: &HashPlan, path: &Path) -> PathBuf {
    if plan.format != Format::Hashdeep || plan.relative || path.as_os_str() == "-" {
        return path.to_path_buf();
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[allow(clippy::too_many_arguments)]
fn write_hashed(
    out: &mut Output,
    format: Format,
    algos: &[Algorithm],
    path: &Path,
    result: &HashResult,
    record: &Record,
    ctx: &Ctx,
    exit: &mut Exit,
    for_eyes: bool,
) -> Result<(), CliError> {
    let lossy = path.to_string_lossy();
    let marked;
    let name = if for_eyes && escape::has_hidden(&lossy) {
        marked = escape::marked(&lossy).into_owned();
        marked.as_bytes()
    } else {
        path.as_os_str().as_bytes()
    };
    match format {
        Format::Json => out.json(&json_record(record))?,
        Format::Sums if algos.len() == 1 => {
            if let Some(d) = result.digest(algos[0]) {
                out.bytes(&hashlist::sums_line(algos[0], &d.hex(), name))?;
            }
        }
        Format::Sums => {
            for d in &result.digests {
                out.bytes(&hashlist::tagged_line(d.algorithm, &d.hex(), name))?;
            }
        }
        Format::Hashdeep => match hashlist::hashdeep_line(algos, result, name) {
            Ok(line) => out.bytes(&line)?,
            Err(e) => {
                ctx.diag.error(&format!("{}: {e}", display_path(path)));
                *exit = exit.worst(Exit::Error);
            }
        },
    }
    Ok(())
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

fn run_check(ctx: &Ctx, plan: CheckPlan) -> Result<Exit, CliError> {
    let data = read_list(&plan.list)?;
    let list = hashlist::parse_list(&data, plan.untagged_64);
    drop(data);
    let mut out = Output::new(ctx.mode);
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
    let bad_lines = list.problems.len();
    let (mut ok, mut failed, mut missing, mut unreadable) = (0usize, 0, 0, 0);
    let mut denied = 0u64;
    let bar = progress_bar(ctx.progress, None);
    let progress = |n: u64| bar.inc(n);
    let mut emit = |o: hashlist::CheckOutcome| -> Result<(), CliError> {
        let status = match &o.status {
            CheckStatus::Ok => {
                ok += 1;
                "ok"
            }
            CheckStatus::Failed { .. } => {
                failed += 1;
                "failed"
            }
            CheckStatus::Missing => {
                missing += 1;
                "missing"
            }
            CheckStatus::Unreadable(e) => {
                unreadable += 1;
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    denied += 1;
                }
                "unreadable"
            }
        };
        match ctx.mode {
            Mode::Json => {
                let (mismatches, sizes, reason) = match &o.status {
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
                out.json(&JsonCheck {
                    v: 1,
                    kind: "check",
                    line: o.entry.line,
                    path: PathRepr::from_bytes(&o.entry.name),
                    status,
                    mismatches,
                    expected_size: sizes.map(|s| s.0),
                    actual_size: sizes.map(|s| s.1),
                    reason,
                })?;
            }
            Mode::Human => {
                let mut line = Vec::new();
                match std::str::from_utf8(&o.entry.name) {
                    // A name that would lie on screen is shown escaped and
                    // marked (this is human output; the list keeps it).
                    Ok(text) if escape::has_hidden(text) => {
                        line.extend_from_slice(sanitize(text).as_bytes())
                    }
                    _ => {
                        let (esc, escaped) =
                            hashlist::escape_name(&o.entry.name, hashlist::EscapeStyle::Coreutils);
                        if escaped {
                            line.push(b'\\');
                        }
                        line.extend_from_slice(&esc);
                    }
                }
                line.extend_from_slice(b": ");
                line.extend_from_slice(status.to_ascii_uppercase().as_bytes());
                line.push(b'\n');
                out.bytes(&line)?;
                let name = display_path(evidentia::pathrepr::path_from_bytes(&o.entry.name));
                bar.suspend(|| match &o.status {
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
                });
            }
        }
        Ok(())
    };
    hashlist::check_list(list, plan.threads, plan.block_size, &progress, &mut emit)?;
    bar.finish_and_clear();
    if ctx.mode == Mode::Json {
        out.json(&JsonCheckSummary {
            v: 1,
            kind: "summary",
            ok,
            failed,
            missing,
            unreadable,
            bad_lines,
        })?;
    }
    out.flush()?;
    let total = ok + failed + missing + unreadable;
    if failed + missing + unreadable + bad_lines > 0 {
        ctx.diag.error(&format!(
            "{} of {} did NOT check out: {failed} FAILED, {missing} MISSING, {unreadable} unreadable; {}",
            failed + missing + unreadable,
            count(total, "file"),
            count(bad_lines, "unreadable list line")
        ));
    }
    permission_hint(ctx, denied);
    let exit = if unreadable + bad_lines > 0 {
        Exit::Error
    } else if failed + missing > 0 {
        Exit::Problem
    } else {
        Exit::Ok
    };
    Ok(exit)
}
