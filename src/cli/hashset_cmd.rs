//! `evidentia hashset import|list` and `evidentia match`: known-hash sets
//! in the locker, and matching evidence against them.

use super::context::Ctx;
use super::error::{CliError, Exit, io_reason};
use super::match_sources::Provenance;
use super::output::{Mode, Output, display_path, progress_bar, sanitize};
use clap::{Args, Subcommand, ValueEnum};
use evidentia::hash::{AlgorithmSet, HashOptions};
use evidentia::locker::{HashsetKind, ImportOptions, Locker};
use evidentia::pathrepr::PathRepr;
use evidentia::source::{Input, Record, SourceOptions, hash_inputs};
use evidentia::wording::count;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where the locker is: `--locker PATH`, default `<home>/locker.db`.
#[derive(Debug, Args)]
pub struct LockerArg {
    /// The locker database [default: <home>/locker.db]
    #[arg(long, value_name = "PATH", global = true)]
    locker: Option<PathBuf>,
}

impl LockerArg {
    /// The locker's path, creating the home directory if needed.
    pub fn path(&self, ctx: &Ctx) -> Result<PathBuf, CliError> {
        Ok(match &self.locker {
            Some(p) => p.clone(),
            None => {
                let home = ctx.home()?;
                std::fs::create_dir_all(&home)
                    .map_err(|e| CliError::io("cannot create", &home, &e))?;
                home.join("locker.db")
            }
        })
    }

    /// The directory the locker is in (where ingest spills what it
    /// computes while verifying).
    pub fn dir(&self, ctx: &Ctx) -> Result<PathBuf, CliError> {
        let path = self.path(ctx)?;
        Ok(path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf))
    }

    /// Open the locker, creating the home directory if needed.
    pub fn open(&self, ctx: &Ctx) -> Result<Locker, CliError> {
        let path = self.path(ctx)?;
        Locker::open(&path).map_err(|e| {
            CliError::op(e.to_string())
                .hint("check the path, and that it is on a local file system (WAL needs one)")
        })
    }
}

/// Arguments of `hashset`.
#[derive(Debug, Args)]
pub struct HashsetArgs {
    #[command(subcommand)]
    command: HashsetCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    /// Known software (e.g. NSRL): matches are informational
    KnownGood,
    /// Known illegal or malicious material: matches are alerts (exit 1)
    KnownBad,
}

#[derive(Debug, Subcommand)]
enum HashsetCommand {
    /// Import an NSRL RDS v3 database, a hashdeep file or a sums list
    Import {
        /// Name of the set in the locker
        name: String,
        /// The file to import
        file: PathBuf,
        /// What a match means
        #[arg(long, value_enum, default_value = "known-good")]
        kind: KindArg,
        /// Algorithm of bare 64-hex-digit lines in a sums list [default: sha256]
        #[arg(long, value_name = "ALGO")]
        algo: Option<String>,
        #[command(flatten)]
        locker: LockerArg,
    },
    /// List the hash sets in the locker
    List {
        #[command(flatten)]
        locker: LockerArg,
    },
}

#[derive(Serialize)]
struct JsonSet<'a> {
    v: u32,
    name: &'a str,
    kind: &'static str,
    format: &'a str,
    algorithms: Vec<&'static str>,
    entries: i64,
    source: &'a str,
    imported_at: &'a str,
}

fn json_set(h: &evidentia::locker::HashsetInfo) -> JsonSet<'_> {
    JsonSet {
        v: 1,
        name: &h.name,
        kind: h.kind.as_str(),
        format: &h.format,
        algorithms: h.algorithms.iter().map(|a| a.name()).collect(),
        entries: h.entries,
        source: &h.source,
        imported_at: &h.imported_at,
    }
}

/// Run `hashset`.
pub fn run_hashset(ctx: &Ctx, args: HashsetArgs) -> Result<Exit, CliError> {
    let mut out = Output::new(ctx.mode);
    match args.command {
        HashsetCommand::Import {
            name,
            file,
            kind,
            algo,
            locker,
        } => {
            let untagged_64 = algo
                .map(|a| {
                    a.parse().map_err(|e: evidentia::hash::UnknownAlgorithm| {
                        CliError::usage(e.to_string())
                    })
                })
                .transpose()?;
            let mut l = locker.open(ctx)?;
            let opts = ImportOptions {
                name,
                kind: match kind {
                    KindArg::KnownGood => HashsetKind::KnownGood,
                    KindArg::KnownBad => HashsetKind::KnownBad,
                },
                untagged_64,
                now: evidentia::model::format_rfc3339_utc(super::passphrase::now()),
            };
            let info = l.import_hashset(&file, &opts).map_err(|e| {
                CliError::op(e.to_string()).hint(
                    "hash sets are NSRL RDS v3 SQLite files, HASHDEEP-1.0 files or sums lists",
                )
            })?;
            match ctx.mode {
                Mode::Json => out.json(&json_set(&info))?,
                Mode::Human => out.bytes(
                    format!(
                        "imported {} {} entries into hash set {:?} ({}, {})\n",
                        info.entries,
                        info.format,
                        sanitize(&info.name),
                        info.kind.as_str(),
                        info.algorithms
                            .iter()
                            .map(|a| a.name())
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                    .as_bytes(),
                )?,
            }
        }
        HashsetCommand::List { locker } => {
            let l = locker.open(ctx)?;
            let sets = l.hashsets().map_err(|e| CliError::op(e.to_string()))?;
            for h in &sets {
                match ctx.mode {
                    Mode::Json => out.json(&json_set(h))?,
                    Mode::Human => out.bytes(
                        format!(
                            "{:<20} {:<10} {:>10} entries  {:<11} {}\n",
                            sanitize(&h.name),
                            h.kind.as_str(),
                            h.entries,
                            h.format,
                            display_path(Path::new(&h.source))
                        )
                        .as_bytes(),
                    )?,
                }
            }
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}

/// Arguments of `match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Files, directories or bundle zips (a bundle is verified, then its
    /// payload files are matched by the digests it records)
    #[arg(value_name = "TARGET", required_unless_present = "locker_files")]
    targets: Vec<PathBuf>,
    /// Match every file recorded in the locker
    #[arg(long)]
    locker_files: bool,
    /// Trust store for verifying bundle targets [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// Hash set to match against (repeatable)
    #[arg(long, required = true, value_name = "NAME")]
    hashset: Vec<String>,
    #[command(flatten)]
    locker: LockerArg,
}

#[derive(Serialize)]
struct JsonMatch<'a> {
    v: u32,
    kind: &'static str,
    path: PathRepr,
    hashset: &'a str,
    set_kind: &'static str,
    algorithm: &'static str,
    /// `sealed`, `computed-at-ingest` or `computed` (now): where the
    /// target's digest that matched comes from.
    digest_origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    listed_name: Option<&'a str>,
}

/// The version of `match` documents (2: `digest_origin` added).
const V_MATCH: u32 = 2;

/// Run `match`.
pub fn run_match(ctx: &Ctx, args: MatchArgs) -> Result<Exit, CliError> {
    let locker = args.locker.open(ctx)?;
    let all = locker.hashsets().map_err(|e| CliError::op(e.to_string()))?;
    let mut sets = Vec::new();
    for name in &args.hashset {
        match all.iter().find(|h| &h.name == name) {
            Some(h) => sets.push(h.clone()),
            None => {
                return Err(
                    CliError::usage(format!("no hash set named {name:?} in the locker")).hint(
                        "`evidentia hashset list` shows them; `evidentia hashset import` adds one",
                    ),
                );
            }
        }
    }
    let Some(algorithms) =
        AlgorithmSet::new(sets.iter().flat_map(|s| s.algorithms.iter().copied()))
    else {
        return Err(CliError::op(
            "the chosen hash sets carry no algorithm evidentia computes",
        ));
    };
    let opts = SourceOptions {
        hash: HashOptions {
            algorithms,
            ..HashOptions::default()
        },
        ..SourceOptions::default()
    };
    let (bundles, paths): (Vec<&PathBuf>, Vec<&PathBuf>) = args
        .targets
        .iter()
        .partition(|p| super::match_sources::is_bundle(p));
    let inputs: Vec<Input> = paths.into_iter().map(|p| Input::Path(p.clone())).collect();
    let mut bundle_records = Vec::new();
    if !bundles.is_empty() {
        let store = super::passphrase::trust_store(ctx, args.trust.as_deref())?;
        let dir = args.locker.dir(ctx)?;
        for b in bundles {
            let wanted = opts.hash.algorithms.as_slice();
            let records = super::match_sources::bundle_records(ctx, b, &store, wanted, &dir)?;
            bundle_records.push(records);
        }
    }
    let mut out = Output::new(ctx.mode);
    let mut exit = Exit::Ok;
    if args.locker_files {
        // Say which bundles a set could not (fully) be matched against. A
        // bundle a set could not be matched against at all is a check that
        // did not run: never a clean result (exit 2, also under --quiet).
        let held = locker.bundles().map_err(|e| CliError::op(e.to_string()))?;
        for set in &sets {
            for g in super::match_sources::not_held(&held, &set.algorithms, Some(set)) {
                if g.searched_by.is_empty() {
                    exit = exit.worst(Exit::Error);
                    ctx.diag.error(&g.text());
                } else {
                    ctx.diag.note(&g.text());
                }
                if ctx.mode == Mode::Json {
                    out.json(&g)?;
                }
            }
        }
    }
    let bar = progress_bar(ctx.progress, None);
    let progress = |n: u64| bar.inc(n);
    let wanted = opts.hash.algorithms.as_slice().to_vec();
    let (mut files, mut unchecked, mut bad, mut good) = (0u64, 0u64, 0u64, 0u64);
    let mut emit = |r: Record, prov: &Provenance| -> Result<(), CliError> {
        match r {
            Record::Hashed { path, result } => {
                // A file none of whose digests any set carries was not
                // checked, whatever the lookup says.
                if !result.digests.iter().any(|d| wanted.contains(&d.algorithm)) {
                    unchecked += 1;
                    return Ok(());
                }
                files += 1;
                let matches = locker
                    .lookup(&result.digests, &sets)
                    .map_err(|e| CliError::op(e.to_string()))?;
                for m in &matches {
                    if m.kind == HashsetKind::KnownBad {
                        bad += 1;
                        exit = exit.worst(Exit::Problem);
                    } else {
                        good += 1;
                    }
                    match ctx.mode {
                        Mode::Json => out.json(&JsonMatch {
                            v: V_MATCH,
                            kind: "match",
                            path: PathRepr::from_path(&path),
                            hashset: &m.hashset,
                            set_kind: m.kind.as_str(),
                            algorithm: m.algorithm.name(),
                            digest_origin: prov.origin(m.algorithm),
                            listed_name: m.listed_name.as_deref(),
                        })?,
                        Mode::Human => {
                            let label = if m.kind == HashsetKind::KnownBad {
                                "KNOWN-BAD "
                            } else {
                                "known-good"
                            };
                            let listed = m
                                .listed_name
                                .as_deref()
                                .map(|n| format!(", listed as {:?}", sanitize(n)))
                                .unwrap_or_default();
                            out.bytes(
                                format!(
                                    "{label}  {}  (hash set {}, {}{listed})\n",
                                    display_path(&path),
                                    sanitize(&m.hashset),
                                    prov.text(m.algorithm)
                                )
                                .as_bytes(),
                            )?;
                        }
                    }
                }
            }
            Record::Unreadable { path, error } => {
                exit = exit.worst(Exit::Error);
                bar.suspend(|| {
                    ctx.diag.error(&format!(
                        "cannot read {}: {}",
                        display_path(&path),
                        io_reason(&error)
                    ))
                });
            }
            Record::Symlink { .. } | Record::Skipped { .. } => {}
        }
        Ok(())
    };
    for (records, prov) in bundle_records {
        for r in records {
            emit(r, &prov)?;
        }
    }
    if args.locker_files {
        super::match_sources::locker_records(&locker, &mut emit)?;
    }
    if !inputs.is_empty() {
        hash_inputs(&inputs, &opts, &progress, &mut |r| {
            emit(r, &Provenance::Hashed)
        })?;
    }
    bar.finish_and_clear();
    out.flush()?;
    let skipped = if unchecked > 0 {
        format!(
            "; {} NOT checked (no digest in the sets' algorithms, see above)",
            count(unchecked, "file")
        )
    } else {
        String::new()
    };
    ctx.diag.note(&format!(
        "{} checked: {bad} known-bad, {good} known-good {}{skipped}",
        count(files, "file"),
        if good == 1 { "match" } else { "matches" }
    ));
    Ok(exit)
}
