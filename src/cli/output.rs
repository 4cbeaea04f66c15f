//! Where results and diagnostics go: results to stdout (human text or JSON,
//! chosen once), diagnostics and progress to stderr. Text that came from
//! evidence is escaped and marked ([`sanitize`]) in every human output,
//! piped or not; machine output (JSON, sums lists) keeps the exact bytes.
//! The escaping itself is the library's (`report::escape`); this file only
//! calls it.

use evidentia::report::escape;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::{self, IsTerminal, Write};
use std::path::Path;

/// The output mode, chosen once per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Text for people.
    Human,
    /// JSON for programs (one document, or JSON Lines for streams).
    Json,
}

/// Results on stdout, through one buffered writer.
pub struct Output {
    out: io::BufWriter<io::Stdout>,
}

impl Output {
    /// A writer in `mode`.
    pub fn new(mode: Mode) -> Output {
        let _ = mode;
        Output {
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout()),
        }
    }

    /// Write raw bytes (sums lines keep file names byte for byte).
    pub fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)
    }

    /// Write one JSON value on its own line (JSON Lines, or a whole document).
    pub fn json<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::other)?;
        self.out.write_all(b"\n")
    }

    /// Flush to the OS.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Diagnostics on stderr.
#[derive(Debug, Clone)]
pub struct Diag {
    /// Suppress warnings and notes (errors are always shown).
    pub quiet: bool,
}

impl Diag {
    /// `evidentia: warning: ...`
    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            to_stderr("evidentia: warning: ", msg);
        }
    }

    /// `evidentia: note: ...`
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            to_stderr("evidentia: note: ", msg);
        }
    }

    /// `hint: ...`, the line after an error saying what to do.
    pub fn hint(&self, msg: &str) {
        to_stderr("hint: ", msg);
    }

    /// `evidentia: ...` for an error that does not stop the command.
    pub fn error(&self, msg: &str) {
        to_stderr("evidentia: ", msg);
    }
}

/// Write one diagnostic line to stderr, escaped. A stderr that cannot be
/// written (closed by `2>&1 | head`) is ignored: the command goes on and
/// keeps its own exit code; `eprintln!` would panic there.
pub fn to_stderr(prefix: &str, msg: &str) {
    let _ = writeln!(io::stderr().lock(), "{prefix}{}", diagnostic(msg));
}

/// A string from evidence or a bundle as a person reads it on the
/// command line: hidden characters (controls, bidirectional and other
/// format characters, line separators) escaped as `<U+XXXX>`, and the value
/// marked ` [⚠ hidden characters]` when it held one. Applied to human
/// output whether or not stdout is a terminal (human output is for people;
/// programs read `--json`, sums and hashdeep lists, which keep the exact
/// bytes). Only a call: the one escaper is the library's [`escape::marked`].
pub fn sanitize(s: &str) -> String {
    escape::marked(s).into_owned()
}

/// A diagnostic or error message as it goes to stderr: its lines kept,
/// and anything hidden left in them escaped (a library error may quote an
/// entry name from a bundle that no command sanitized). Parts already
/// [`sanitize`]d are unchanged. Only a call to [`escape::visible_lines`].
pub fn diagnostic(msg: &str) -> String {
    escape::visible_lines(msg).into_owned()
}

/// A path for a diagnostic: lossy for invalid UTF-8 (marked with U+FFFD),
/// sanitized.
pub fn display_path(p: &Path) -> String {
    sanitize(&p.to_string_lossy())
}

/// Progress on stderr: a bar when the total is known, a byte counter
/// otherwise; hidden unless stderr is a terminal and progress is wanted.
pub fn progress_bar(enabled: bool, total: Option<u64>) -> ProgressBar {
    if !enabled || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{spinner} {bytes} {binary_bytes_per_sec} {elapsed} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_controls_and_marks_them() {
        assert_eq!(
            sanitize("a\x1b[31mb\n"),
            "a<U+001B>[31mb<U+000A> [⚠ hidden characters]"
        );
        assert_eq!(sanitize("plain é"), "plain é");
        assert_eq!(diagnostic("a\u{202e}b\nhint"), "a<U+202E>b\nhint");
        assert_eq!(
            sanitize("a\u{202e}fdp.exe"),
            "a<U+202E>fdp.exe [⚠ hidden characters]"
        );
    }
}
