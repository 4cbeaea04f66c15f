//! Exit codes and the errors the command line shows.
//!
//! Every error is shown as `evidentia: <what went wrong>` and, where there
//! is one, `hint: <what to do>`. A failed verification is not an error: it
//! is a result with exit code 1.

use evidentia::bundle::ZipError;
use std::fmt;
use std::path::Path;

/// The process exit codes (the public contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Success; everything verified.
    Ok = 0,
    /// The command ran and found a problem.
    Problem = 1,
    /// Usage or operational error.
    Error = 2,
    /// Interrupted by the user.
    Interrupted = 130,
}

impl Exit {
    /// The worse of two outcomes (an operational error outranks a finding).
    pub fn worst(self, other: Exit) -> Exit {
        self.max(other)
    }
}

/// An error for the user: what happened, a hint, and the exit code.
#[derive(Debug)]
pub struct CliError {
    /// Exit code to use.
    pub exit: Exit,
    /// What went wrong, one line.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// Set when the error is a closed stdout (`| head`): not reported.
    pub broken_pipe: bool,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            exit: Exit::Error,
            message: message.into(),
            hint: None,
            broken_pipe: false,
        }
    }

    /// An operational error (exit 2).
    pub fn op(message: impl Into<String>) -> CliError {
        CliError::usage(message)
    }

    /// An I/O error about `path`.
    pub fn io(what: &str, path: &Path, err: &std::io::Error) -> CliError {
        CliError::op(format!(
            "{what} {}: {}",
            super::output::display_path(path),
            io_reason(err)
        ))
    }

    /// Attach a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }
}

/// What to do about a damaged bundle without an append journal.
const DAMAGED_HINT: &str = "the file was cut short or overwritten after it was made, and \
     nothing can restore it: copy it again from the original medium, or ask the sender for a \
     fresh copy";

/// What to do about a file that is not a bundle.
const NOT_A_BUNDLE_HINT: &str = "a bundle is a zip file whose entries are all in one bag \
     directory (NAME/bagit.txt, NAME/data/...), as `evidentia seal` writes it; check that you gave \
     the right file";

/// The hint for a damaged bundle or an interrupted append: exactly what
/// `repair` will do when an append journal exists, else [`DAMAGED_HINT`].
pub fn damage_hint(bundle: &Path) -> String {
    super::repair_cmd::repair_hint(bundle).unwrap_or_else(|| DAMAGED_HINT.to_string())
}

impl CliError {
    /// The error for a bundle that could not be read: a damaged bundle is
    /// a problem with the evidence (exit 1, with where it is damaged); a
    /// file that is not a bundle, or that cannot be read, an operational
    /// error (exit 2). `nothing` (e.g. "nothing was ingested") is added
    /// to the message.
    pub fn unreadable_bundle(bundle: &Path, err: &ZipError, nothing: &str) -> CliError {
        let shown = super::output::display_path(bundle);
        let tail = if nothing.is_empty() {
            String::new()
        } else {
            format!("; {nothing}")
        };
        match err {
            ZipError::Damaged(_) => {
                // The diagnosis quotes entry names: shown escaped.
                let diagnosis = super::output::sanitize(&err.to_string());
                let journal = evidentia::bundle::journal_path(bundle);
                let cause = match std::fs::symlink_metadata(journal) {
                    Ok(_) => "an append to it was interrupted (its journal is present): ",
                    Err(_) => "",
                };
                CliError {
                    exit: Exit::Problem,
                    ..CliError::op(format!("{shown}: {cause}{diagnosis}{tail}"))
                }
                .hint(damage_hint(bundle))
            }
            ZipError::NotAFile(_) => {
                CliError::op(format!("cannot read {shown} as a bundle: {err}{tail}"))
                    .hint("give the path of a bundle's .zip file")
            }
            ZipError::Io(_) => CliError::op(format!("cannot read {shown}: {err}{tail}")),
            _ => CliError::op(format!("{shown} is not a bundle: {err}{tail}"))
                .hint(NOT_A_BUNDLE_HINT),
        }
    }
}

/// An I/O error's reason without Rust's "(os error N)" suffix.
pub fn io_reason(err: &std::io::Error) -> String {
    let s = err.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl From<std::io::Error> for CliError {
    /// Errors writing results to stdout end up here.
    fn from(err: std::io::Error) -> CliError {
        let broken_pipe = err.kind() == std::io::ErrorKind::BrokenPipe;
        CliError {
            exit: if broken_pipe { Exit::Ok } else { Exit::Error },
            message: format!("cannot write output: {}", io_reason(&err)),
            hint: None,
            broken_pipe,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
