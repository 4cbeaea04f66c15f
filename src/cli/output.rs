//! Where results and diagnostics go. Results go to stdout through one
//! emitter, [`Output`], in the mode chosen once per run (text for people or
//! JSON; `--quiet` silences narration): a command hands it a result that
//! knows both its forms ([`Emit`]) and does not branch on the mode itself.
//! Diagnostics and progress go to stderr ([`Diag`], [`progress_bar`]).
//! Text that came from evidence is escaped and marked ([`sanitize`]) in
//! every human output, piped or not; machine output (JSON, sums lists)
//! keeps the exact bytes. The escaping itself is the library's
//! (`report::escape`); this file only calls it.

use evidentia::report::escape;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::{self, IsTerminal, Write};
use std::path::Path;

/// The output mode, chosen once per run (`--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Text for people.
    Human,
    /// JSON for programs (one document, or JSON Lines for streams).
    Json,
}

impl Mode {
    /// Whether `--json` was given (some arguments conflict with it).
    pub fn is_json(self) -> bool {
        self == Mode::Json
    }
}

/// A result a command hands to [`Output::emit`]: it knows its text for
/// people and its JSON document for programs, and the output mode picks
/// one. Commands never branch on the mode themselves.
pub trait Emit {
    /// The JSON document (one line of JSON Lines, or the whole output).
    fn json(&self) -> impl Serialize + '_;

    /// The text for people, exactly as written (each line ending in a line
    /// feed); empty when the result says nothing on stdout in text mode
    /// (it may say it on stderr instead).
    fn text(&self) -> impl AsRef<[u8]> + '_;
}

/// A small result given in both forms at once: its JSON value and its text.
pub struct Doc<J> {
    /// The JSON document.
    pub json: J,
    /// The text for people.
    pub text: String,
}

impl<J: Serialize> Emit for Doc<J> {
    fn json(&self) -> impl Serialize + '_ {
        &self.json
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        self.text.as_str()
    }
}

/// Results on stdout, through one buffered writer, in the output mode
/// chosen once for the run: [`Output::emit`] writes a result's text or its
/// JSON. Narration ([`Output::say`]) is silenced by `--quiet`.
pub struct Output {
    out: io::BufWriter<io::Stdout>,
    mode: Mode,
    quiet: bool,
}

impl Output {
    /// A writer of results in `mode`; with `quiet`, [`Output::say`] writes
    /// nothing (results are still written).
    pub fn new(mode: Mode, quiet: bool) -> Output {
        Output {
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout()),
            mode,
            quiet,
        }
    }

    /// Write one result: its JSON document on its own line in JSON mode,
    /// its text otherwise.
    pub fn emit<E: Emit>(&mut self, result: &E) -> io::Result<()> {
        match self.mode {
            Mode::Json => self.json(&result.json()),
            Mode::Human => self.bytes(result.text().as_ref()),
        }
    }

    /// Whether results are written as text for people: diagnostics that
    /// only go with the text form (the JSON carries them) depend on it.
    pub fn for_people(&self) -> bool {
        self.mode == Mode::Human
    }

    /// Narration for a person following along (the demo's commands and
    /// their output): one line, written at once, unless quiet.
    pub fn say(&mut self, line: &str) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    /// Write raw bytes, whatever the mode (sums lines keep file names byte
    /// for byte; a certificate or a public key is the same file in both).
    pub fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)
    }

    /// Write one JSON value on its own line, whatever the mode (`hash
    /// --format json` is JSON without `--json`).
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
