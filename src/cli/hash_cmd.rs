//! `evidentia hash`: hash inputs into sums, hashdeep or JSON Lines output
//! (chosen by `--format`, which `--json` sets), or check a hash list
//! (`--check`, in `hash_check.rs`).

use super::algo::parse_algos;
use super::context::Ctx;
use super::error::{CliError, Exit, io_reason};
use super::hash_check::{CheckPlan, guess_from_name, run_check};
use super::output::{Output, display_path, progress_bar};
use super::size::parse_size;
use clap::{Args, ValueEnum};
use evidentia::hash::{Algorithm, AlgorithmSet, DEFAULT_BLOCK_SIZE, HashOptions, HashResult};
use evidentia::hashlist::{self, HASHDEEP_ALGORITHMS};
use evidentia::model::acquisition::PiecesRecord;
use evidentia::pathrepr::PathRepr;
use evidentia::report::escape;
use evidentia::source::{Input, Record, SourceOptions, SpecialKind, hash_inputs};
use evidentia::wording::count;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::IsTerminal;
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
    /// Hash the media data of an E01 set (give its first segment,
    /// NAME.E01), checking every chunk and the stored MD5/SHA-1; writes
    /// nothing
    #[arg(long, conflicts_with_all = ["check", "format", "piece", "relative", "threads"])]
    media: bool,
}

/// The validated plan of a `hash` run.
struct HashPlan {
    inputs: Vec<Input>,
    format: Format,
    /// Hashdeep names: absolute (hashdeep's default) or as given.
    relative: bool,
    source: SourceOptions,
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
    args.algo.as_deref().map(parse_algos).transpose()
}

fn plan(ctx: &Ctx, args: &HashArgs) -> Result<HashPlan, CliError> {
    let format = match (ctx.mode.is_json(), args.format) {
        (true, None | Some(Format::Json)) => Format::Json,
        (true, Some(_)) => {
            return Err(CliError::usage(
                "--json conflicts with --format sums/hashdeep",
            ));
        }
        (false, f) => f.unwrap_or(Format::Sums),
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
    if args.media {
        let [path] = args.paths.as_slice() else {
            return Err(CliError::usage(
                "--media takes exactly one path: the set's NAME.E01",
            ));
        };
        let algos = algorithms(&args)?.unwrap_or_else(AlgorithmSet::default_set);
        return super::acquire_ewf::run_media(ctx, path, algos, block_size(&args)?);
    }
    let plan = plan(ctx, &args)?;
    run_hash(ctx, plan)
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
    let mut out = ctx.output();
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
pub(super) fn permission_hint(ctx: &Ctx, denied: u64) {
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
