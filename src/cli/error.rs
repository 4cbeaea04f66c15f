//! Exit codes and the errors the command line shows.
//!
//! Every error is shown as `evidentia: <what went wrong>` and, where there
//! is one, `hint: <what to do>`. A failed verification is not an error: it
//! is a result with exit code 1.

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
