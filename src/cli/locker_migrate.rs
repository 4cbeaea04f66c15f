//! `evidentia locker migrate --from FILE --to URL|PATH`: a SQLite locker
//! copied whole, audit rows and all, into an empty locker (PostgreSQL in
//! the lab), verified table by table before it is committed. Text lists
//! each table with its rows and digest; `--json` gives one
//! `locker-migration` document (docs/locker.md).

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, Output, display_path, sanitize};
use clap::Args;
use evidentia::locker::Locker;
use evidentia::locker::migrate::{MigrateError, MigrationReport, migrate};
use evidentia::wording::count;
use serde::Serialize;
use std::ffi::OsString;
use std::path::PathBuf;

/// Arguments of `locker migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The SQLite locker to copy (only read; it must be at this
    /// evidentia's schema version)
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// The empty locker to copy it into: a postgresql:// URL (lab build;
    /// the password from ~/.pgpass, PGPASSFILE or a prompt) or a SQLite
    /// file
    #[arg(long, value_name = "URL|PATH")]
    to: OsString,
}

/// The wire version of `locker-migration` documents.
const V: u32 = 1;

#[derive(Serialize)]
struct JsonMigration<'a> {
    v: u32,
    kind: &'static str,
    from: &'a str,
    to: &'a str,
    schema_version: i64,
    /// Always true: a copy that did not verify is not committed and no
    /// document is written.
    verified: bool,
    tables: Vec<JsonTable<'a>>,
}

#[derive(Serialize)]
struct JsonTable<'a> {
    table: &'a str,
    rows: u64,
    sha256: &'a str,
}

/// Run `locker migrate`.
pub fn run(ctx: &Ctx, args: MigrateArgs, out: &mut Output) -> Result<Exit, CliError> {
    if !args.from.is_file() {
        return Err(CliError::usage(format!(
            "--from {}: no such locker file",
            display_path(&args.from)
        )));
    }
    if same_file(&args.from, &args.to) {
        return Err(CliError::usage(
            "--from and --to name the same locker; --to must be a new, empty one",
        ));
    }
    let target = open_target(ctx, &args.to)?;
    let report = migrate(&args.from, &target).map_err(refused)?;
    out.emit(&doc(&report))?;
    Ok(Exit::Ok)
}

/// The migration's document and text.
fn doc(r: &MigrationReport) -> Doc<JsonMigration<'_>> {
    let mut text = String::new();
    for t in &r.tables {
        text.push_str(&format!(
            "{:<16} {:>12}  sha256:{}\n",
            t.table,
            count(t.rows, "row"),
            t.sha256
        ));
    }
    let rows: u64 = r.tables.iter().map(|t| t.rows).sum();
    text.push_str(&format!(
        "copied {} in {} from {} to {}; every table verified (rows and digest)\n",
        count(rows, "row"),
        count(r.tables.len() as u64, "table"),
        sanitize(&r.from),
        sanitize(&r.to)
    ));
    Doc {
        json: JsonMigration {
            v: V,
            kind: "locker-migration",
            from: &r.from,
            to: &r.to,
            schema_version: r.version,
            verified: true,
            tables: r
                .tables
                .iter()
                .map(|t| JsonTable {
                    table: t.table,
                    rows: t.rows,
                    sha256: &t.sha256,
                })
                .collect(),
        },
        text,
    }
}

/// A refused migration, with what to do about it.
fn refused(e: MigrateError) -> CliError {
    let hint = match &e {
        MigrateError::TargetNotEmpty { .. } => {
            Some("create a new database (createdb) and give its URL to --to")
        }
        MigrateError::Copy { .. } => {
            Some("nothing was committed; fix the row in the source locker, then migrate again")
        }
        MigrateError::Mismatch { .. } => Some(
            "nothing was committed; the target database changes what it stores (a trigger, \
             a rule, a column type): migrate into a database made by evidentia only",
        ),
        _ => None,
    };
    let mut err = CliError::op(format!("locker migrate: {e}"));
    if matches!(e, MigrateError::Mismatch { .. }) {
        // The copy did not verify: a finding, as for a bundle (exit 1).
        err.exit = Exit::Problem;
    }
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}

/// True when `to` is a path naming the file `from` names.
fn same_file(from: &std::path::Path, to: &OsString) -> bool {
    match (from.canonicalize(), std::path::Path::new(to).canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The target: a path or a postgresql:// URL, opened as `--locker` is.
fn open_target(ctx: &Ctx, to: &OsString) -> Result<Locker, CliError> {
    super::locker_arg::open_value(ctx, "--to", to)
}
