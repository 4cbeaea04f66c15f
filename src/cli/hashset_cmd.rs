//! `evidentia hashset import|list` and `evidentia match`: known-hash sets
//! in the locker, and matching evidence against them (targets that are
//! not files are in `match_sources.rs`).

use super::algo::parse_algo;
use super::context::Ctx;
use super::error::{CliError, Exit, io_reason};
use super::locker_arg::LockerArg;
use super::match_sources::Provenance;
use super::output::{Doc, Emit, Output, display_path, progress_bar, sanitize};
use clap::{Args, Subcommand, ValueEnum};
use evidentia::hash::{Algorithm, AlgorithmSet, HashOptions};
use evidentia::locker::{HashsetInfo, HashsetKind, ImportOptions, KnownMatch, Locker};
use evidentia::pathrepr::PathRepr;
use evidentia::source::{Input, Record, SourceOptions, hash_inputs};
use evidentia::wording::count;
use indicatif::ProgressBar;
use serde::Serialize;
use std::path::{Path, PathBuf};

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

fn json_set(h: &HashsetInfo) -> JsonSet<'_> {
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

/// One hash set of `hashset list`.
struct SetLine<'a>(&'a HashsetInfo);

impl Emit for SetLine<'_> {
    fn json(&self) -> impl Serialize + '_ {
        json_set(self.0)
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let h = self.0;
        format!(
            "{:<20} {:<10} {:>10} entries  {:<11} {}\n",
            sanitize(&h.name),
            h.kind.as_str(),
            h.entries,
            h.format,
            display_path(Path::new(&h.source))
        )
    }
}

/// Run `hashset`.
pub fn run_hashset(ctx: &Ctx, args: HashsetArgs) -> Result<Exit, CliError> {
    let mut out = ctx.output();
    match args.command {
        HashsetCommand::Import {
            name,
            file,
            kind,
            algo,
            locker,
        } => {
            let untagged_64 = algo.as_deref().map(parse_algo).transpose()?;
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
            let (info, counts) = l.import_hashset_counted(&file, &opts).map_err(|e| {
                CliError::op(e.to_string()).hint(
                    "hash sets are NSRL RDS v3 SQLite files, HASHDEEP-1.0 files or sums lists",
                )
            })?;
            let algorithms: Vec<&str> = info.algorithms.iter().map(|a| a.name()).collect();
            out.emit(&Doc {
                json: json_set(&info),
                text: format!(
                    "imported {} {} entries into hash set {:?} ({}, {})\n",
                    info.entries,
                    info.format,
                    sanitize(&info.name),
                    info.kind.as_str(),
                    algorithms.join(",")
                ),
            })?;
            if counts.skipped > 0 {
                ctx.diag.warn(&format!(
                    "{} of {} had no usable digest (every digest column empty or not hex)\
                     ; not imported",
                    count(counts.skipped, "row"),
                    display_path(&file)
                ));
            }
            if counts.nul_names > 0 {
                ctx.diag.warn(&format!(
                    "{} of {} held a NUL byte, stored with U+FFFD in its place",
                    count(counts.nul_names, "listed name"),
                    display_path(&file)
                ));
            }
        }
        HashsetCommand::List { locker } => {
            let l = locker.open(ctx)?;
            let sets = l.hashsets().map_err(|e| CliError::op(e.to_string()))?;
            for h in &sets {
                out.emit(&SetLine(h))?;
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
    let sets = chosen_sets(&locker, &args.hashset)?;
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
    let wanted = opts.hash.algorithms.as_slice();
    let bundle_records = bundle_targets(ctx, &args, &bundles, wanted)?;
    let mut out = ctx.output();
    let mut exit = Exit::Ok;
    if args.locker_files {
        exit = not_held_sets(ctx, &locker, &sets, &mut out)?;
    }
    let bar = progress_bar(ctx.progress, None);
    let progress = |n: u64| bar.inc(n);
    let mut m = Matcher {
        ctx,
        locker: &locker,
        sets: &sets,
        wanted,
        bar: &bar,
        out: &mut out,
        tally: Tally {
            files: 0,
            unchecked: 0,
            bad: 0,
            good: 0,
            exit,
        },
    };
    for (records, prov) in bundle_records {
        for r in records {
            m.record(r, &prov)?;
        }
    }
    if args.locker_files {
        super::match_sources::locker_records(&locker, &mut |r, p| m.record(r, p))?;
    }
    if !inputs.is_empty() {
        hash_inputs(&inputs, &opts, &progress, &mut |r| {
            m.record(r, &Provenance::Hashed)
        })?;
    }
    let tally = m.tally;
    bar.finish_and_clear();
    out.flush()?;
    tally.note(ctx);
    Ok(tally.exit)
}

/// The hash sets named with `--hashset`, each of which must exist.
fn chosen_sets(locker: &Locker, names: &[String]) -> Result<Vec<HashsetInfo>, CliError> {
    let all = locker.hashsets().map_err(|e| CliError::op(e.to_string()))?;
    let mut sets = Vec::new();
    for name in names {
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
    Ok(sets)
}

/// The payload files of each bundle target, verified first.
fn bundle_targets(
    ctx: &Ctx,
    args: &MatchArgs,
    bundles: &[&PathBuf],
    wanted: &[Algorithm],
) -> Result<Vec<(Vec<Record>, Provenance)>, CliError> {
    let mut bundle_records = Vec::new();
    if !bundles.is_empty() {
        let store = super::passphrase::trust_store(ctx, args.trust.as_deref())?;
        let dir = args.locker.dir(ctx)?;
        for b in bundles {
            let records = super::match_sources::bundle_records(ctx, b, &store, wanted, &dir)?;
            bundle_records.push(records);
        }
    }
    Ok(bundle_records)
}

/// With `--locker-files`: say which bundles a set could not (fully) be
/// matched against. A bundle a set could not be matched against at all is
/// a check that did not run: never a clean result (exit 2, also under
/// --quiet).
fn not_held_sets(
    ctx: &Ctx,
    locker: &Locker,
    sets: &[HashsetInfo],
    out: &mut Output,
) -> Result<Exit, CliError> {
    let mut exit = Exit::Ok;
    let held = locker.bundles().map_err(|e| CliError::op(e.to_string()))?;
    for set in sets {
        for g in super::match_sources::not_held(&held, &set.algorithms, Some(set)) {
            if g.searched_by.is_empty() {
                exit = exit.worst(Exit::Error);
                ctx.diag.error(&g.text());
            } else {
                ctx.diag.note(&g.text());
            }
            out.emit(&g)?;
        }
    }
    Ok(exit)
}

/// What `match` found, for its exit code and closing note.
struct Tally {
    files: u64,
    unchecked: u64,
    bad: u64,
    good: u64,
    exit: Exit,
}

impl Tally {
    /// The closing note: how many files were checked, and what was found.
    fn note(&self, ctx: &Ctx) {
        let skipped = if self.unchecked > 0 {
            format!(
                "; {} NOT checked (no digest in the sets' algorithms, see above)",
                count(self.unchecked, "file")
            )
        } else {
            String::new()
        };
        ctx.diag.note(&format!(
            "{} checked: {} known-bad, {} known-good {}{skipped}",
            count(self.files, "file"),
            self.bad,
            self.good,
            if self.good == 1 { "match" } else { "matches" }
        ));
    }
}

/// Matches each target's digests against the chosen sets.
struct Matcher<'a> {
    ctx: &'a Ctx,
    locker: &'a Locker,
    sets: &'a [HashsetInfo],
    wanted: &'a [Algorithm],
    bar: &'a ProgressBar,
    out: &'a mut Output,
    tally: Tally,
}

impl Matcher<'_> {
    /// Match one target, writing a line (or document) per match.
    fn record(&mut self, r: Record, prov: &Provenance) -> Result<(), CliError> {
        match r {
            Record::Hashed { path, result } => {
                // A file none of whose digests any set carries was not
                // checked, whatever the lookup says.
                if !result
                    .digests
                    .iter()
                    .any(|d| self.wanted.contains(&d.algorithm))
                {
                    self.tally.unchecked += 1;
                    return Ok(());
                }
                self.tally.files += 1;
                let matches = self
                    .locker
                    .lookup(&result.digests, self.sets)
                    .map_err(|e| CliError::op(e.to_string()))?;
                for m in &matches {
                    if m.kind == HashsetKind::KnownBad {
                        self.tally.bad += 1;
                        self.tally.exit = self.tally.exit.worst(Exit::Problem);
                    } else {
                        self.tally.good += 1;
                    }
                    self.out.emit(&MatchLine {
                        path: &path,
                        m,
                        prov,
                    })?;
                }
            }
            Record::Unreadable { path, error } => {
                self.tally.exit = self.tally.exit.worst(Exit::Error);
                self.bar.suspend(|| {
                    self.ctx.diag.error(&format!(
                        "cannot read {}: {}",
                        display_path(&path),
                        io_reason(&error)
                    ))
                });
            }
            Record::Symlink { .. } | Record::Skipped { .. } => {}
        }
        Ok(())
    }
}

/// One match of `match`: a target, the set entry it matched, and where
/// the target's digest came from.
struct MatchLine<'a> {
    path: &'a Path,
    m: &'a KnownMatch,
    prov: &'a Provenance,
}

impl Emit for MatchLine<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let m = self.m;
        JsonMatch {
            v: V_MATCH,
            kind: "match",
            path: PathRepr::from_path(self.path),
            hashset: &m.hashset,
            set_kind: m.kind.as_str(),
            algorithm: m.algorithm.name(),
            digest_origin: self.prov.origin(m.algorithm),
            listed_name: m.listed_name.as_deref(),
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let m = self.m;
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
        format!(
            "{label}  {}  (hash set {}, {}{listed})\n",
            display_path(self.path),
            sanitize(&m.hashset),
            self.prov.text(m.algorithm)
        )
    }
}
