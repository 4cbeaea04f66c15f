//! Global options (accepted before or after the subcommand) and the
//! resolved context every command receives.

use super::error::CliError;
use super::output::{Diag, Mode, Output};
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Directory holding keys, the trust store and the default locker
    /// [default: the platform data directory, e.g. ~/.local/share/evidentia]
    #[arg(long, global = true, env = "EVIDENTIA_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Machine output on stdout: one JSON document, or JSON Lines for streams
    #[arg(long, global = true)]
    json: bool,
    /// Only errors on stderr (no warnings, notes or progress)
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    /// Never show a progress bar
    #[arg(long, global = true)]
    no_progress: bool,
    /// When to use colour (NO_COLOR is honoured in auto mode)
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: ColorChoice,
}

/// The resolved global context.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Human or JSON output (results go through [`Ctx::output`]).
    pub mode: Mode,
    /// Diagnostics policy.
    pub diag: Diag,
    /// Whether a progress bar may be shown (still only on a terminal).
    pub progress: bool,
    /// Whether to use colour on stdout. Resolved once from `--color`,
    /// NO_COLOR and the terminal; no output is coloured yet.
    #[allow(dead_code)]
    pub color: bool,
    home: Option<PathBuf>,
}

impl Ctx {
    /// Resolve the global options (reads NO_COLOR and the terminal state).
    pub fn new(g: &GlobalArgs) -> Ctx {
        let color = match g.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Ctx {
            mode: if g.json { Mode::Json } else { Mode::Human },
            diag: Diag { quiet: g.quiet },
            progress: !g.quiet && !g.no_progress,
            color,
            home: g.home.clone(),
        }
    }

    /// The writer of this run's results, in its output mode.
    pub fn output(&self) -> Output {
        Output::new(self.mode, self.diag.quiet)
    }

    /// The home directory: `--home`, `EVIDENTIA_HOME`, then
    /// `$XDG_DATA_HOME/evidentia`, then `~/.local/share/evidentia`.
    pub fn home(&self) -> Result<PathBuf, CliError> {
        if let Some(h) = &self.home {
            return Ok(h.clone());
        }
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(x).join("evidentia"));
        }
        if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(h).join(".local/share/evidentia"));
        }
        Err(
            CliError::usage("cannot find a home directory for evidentia")
                .hint("pass --home DIR or set EVIDENTIA_HOME"),
        )
    }
}
