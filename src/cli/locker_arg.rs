//! `--locker PATH|URL` (or `EVIDENTIA_LOCKER`), which every locker command
//! takes: a path is a SQLite locker file (default `<home>/locker.db`); a
//! `postgresql://` URL is a PostgreSQL locker (the lab build, cargo feature
//! `postgres`). A password comes from `EVIDENTIA_LOCKER`'s URL, the
//! password file (`PGPASSFILE`, `~/.pgpass`) or a prompt: never from an
//! argument, which other users can read in the process list.

use super::context::Ctx;
use super::error::CliError;
use clap::Args;
use evidentia::locker::Locker;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable naming the locker.
pub const LOCKER_ENV: &str = "EVIDENTIA_LOCKER";

/// Where the locker is.
#[derive(Debug, Args)]
pub struct LockerArg {
    /// The locker: a SQLite file, or a postgresql:// URL (lab build) [env:
    /// EVIDENTIA_LOCKER] [default: <home>/locker.db]
    #[arg(long, value_name = "PATH|URL", global = true)]
    locker: Option<OsString>,
}

/// A locker's place, and whether it was given as an argument.
enum Place {
    File(PathBuf),
    Url { url: String, from_argument: bool },
}

fn is_url(v: &OsString) -> bool {
    v.to_str()
        .is_some_and(|s| s.starts_with("postgresql://") || s.starts_with("postgres://"))
}

impl LockerArg {
    fn place(&self, ctx: &Ctx) -> Result<Place, CliError> {
        let (value, from_argument) = match (&self.locker, std::env::var_os(LOCKER_ENV)) {
            (Some(v), _) => (v.clone(), true),
            (None, Some(v)) if !v.is_empty() => (v, false),
            (None, _) => {
                let home = ctx.home()?;
                std::fs::create_dir_all(&home)
                    .map_err(|e| CliError::io("cannot create", &home, &e))?;
                return Ok(Place::File(home.join("locker.db")));
            }
        };
        if is_url(&value) {
            let url = value.to_string_lossy().into_owned();
            return Ok(Place::Url { url, from_argument });
        }
        Ok(Place::File(PathBuf::from(value)))
    }

    /// The directory where ingest and `locker verify` spill what they
    /// compute (and decrypt a copy): beside a locker file, or the
    /// evidentia home for a PostgreSQL locker.
    pub fn dir(&self, ctx: &Ctx) -> Result<PathBuf, CliError> {
        match self.place(ctx)? {
            Place::File(path) => Ok(path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)),
            Place::Url { .. } => {
                let home = ctx.home()?;
                std::fs::create_dir_all(&home)
                    .map_err(|e| CliError::io("cannot create", &home, &e))?;
                Ok(home)
            }
        }
    }

    /// Open the locker (creating a SQLite file, or the schema in an empty
    /// PostgreSQL database, when needed).
    pub fn open(&self, ctx: &Ctx) -> Result<Locker, CliError> {
        match self.place(ctx)? {
            Place::File(path) => Locker::open(&path).map_err(|e| {
                CliError::op(e.to_string())
                    .hint("check the path, and that it is on a local file system (WAL needs one)")
            }),
            Place::Url { url, from_argument } => {
                open_url(ctx, &url, from_argument.then_some("--locker"))
            }
        }
    }
}

/// Open the locker the argument `option` names (`locker migrate --to`):
/// a path is a SQLite file, a postgresql:// URL a PostgreSQL locker (a
/// password in it refused, as in `--locker`).
pub fn open_value(ctx: &Ctx, option: &str, value: &OsString) -> Result<Locker, CliError> {
    if is_url(value) {
        return open_url(ctx, &value.to_string_lossy(), Some(option));
    }
    Locker::open(Path::new(value)).map_err(|e| {
        CliError::op(e.to_string())
            .hint("check the path, and that it is on a local file system (WAL needs one)")
    })
}

#[cfg(not(feature = "postgres"))]
fn open_url(_: &Ctx, _: &str, _: Option<&str>) -> Result<Locker, CliError> {
    Err(
        CliError::usage("this evidentia was built without PostgreSQL lockers").hint(
            "the field build has no networking code; build the lab binary with \
             `cargo build --release --features postgres` (docs/locker.md)",
        ),
    )
}

#[cfg(feature = "postgres")]
fn open_url(ctx: &Ctx, url: &str, option: Option<&str>) -> Result<Locker, CliError> {
    use evidentia::locker::pg::{self, PgAddr};
    let addr = PgAddr::parse(url).map_err(|e| CliError::usage(e.to_string()))?;
    if let Some(option) = option
        && addr.password().is_some()
    {
        // Only --locker has a variable to put the URL in instead.
        let env = if option == "--locker" {
            format!("put the URL in {LOCKER_ENV}, ")
        } else {
            "put ".to_string()
        };
        return Err(CliError::usage(format!(
            "{option} {addr}: a password in an argument can be read by every user of this \
             machine; it was not used"
        ))
        .hint(format!(
            "{env}the password in ~/.pgpass (mode 0600) or PGPASSFILE, or let evidentia ask"
        )));
    }
    let file = pg::pgpass_file(
        std::env::var_os("PGPASSFILE"),
        std::env::var_os("HOME").map(PathBuf::from),
    );
    let found = pg::find_password(&addr, file.as_deref());
    if let Some(w) = &found.warning {
        ctx.diag.warn(&w.to_string());
    }
    let password = found.password.map(|(p, _)| p);
    let client = match pg::connect(&addr, password.as_deref().map(String::as_str)) {
        Err(e) if e.needs_password() && password.is_none() => {
            let asked = super::passphrase::ask_secret(
                &format!("Password for {addr}: "),
                "the locker's password",
                "put the password in ~/.pgpass (mode 0600) or PGPASSFILE",
            )?;
            let asked = String::from_utf8(asked.to_vec())
                .map_err(|_| CliError::usage("the password is not UTF-8"))?;
            let asked = zeroize::Zeroizing::new(asked);
            pg::connect(&addr, Some(&asked))
        }
        other => other,
    }
    .map_err(connect_error)?;
    Locker::from_postgres(client, addr.to_string()).map_err(|e| CliError::op(e.to_string()))
}

#[cfg(feature = "postgres")]
fn connect_error(e: evidentia::locker::pg::ConnectError) -> CliError {
    let hint = e.hint().map(str::to_owned);
    let err = CliError::op(e.to_string());
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}
