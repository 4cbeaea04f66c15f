//! `evidentia report`: verify a bundle, then write a report of it for a
//! court (HTML, Markdown), a program (the verify JSON) or a case management
//! system (CASE/UCO JSON-LD). Exit 0 when the bundle verified, 1 when the
//! report shows problems, 2 when it cannot be written.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Emit, display_path, progress_bar};
use super::passphrase::{now, trust_store};
use super::plain_input::{DecryptArgs, Opener, PlainDir, PlainInput};
use super::unchanged::unchanged;
use super::verify_cmd::{ciphertext, verify_options};
use clap::{Args, ValueEnum};
use evidentia::locker::Snapshot;
use evidentia::model::format_rfc3339_utc;
use evidentia::report::{self, Format, ReportInput};
use evidentia::verify::{self, TrustVerifier, VerifyOptions};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Report formats on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One self-contained HTML file, printable on A4
    Html,
    /// The same content as Markdown
    Md,
    /// The verification report document (as `verify --json`)
    Json,
    /// CASE 1.5.0 / UCO JSON-LD
    Case,
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The bundle to report on (a zip, or an age-encrypted bundle, which
    /// is decrypted into a private temporary copy beside the report)
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
    /// Output format
    #[arg(
        long,
        short = 'f',
        value_enum,
        default_value = "html",
        value_name = "FORMAT"
    )]
    format: FormatArg,
    /// Write the report to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// The custody head (hex SHA-256) the sender announced; without it the
    /// report says the head was not compared
    #[arg(long, value_name = "HEX")]
    expect_head: Option<String>,
    #[command(flatten)]
    decrypt: DecryptArgs,
}

/// A report written to a file: where, and the verdict it shows.
#[derive(Serialize)]
struct Written<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    verdict: &'static str,
    report: &'a str,
}

impl Emit for Written<'_> {
    fn json(&self) -> impl Serialize + '_ {
        self
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        format!("wrote {} ({})\n", self.report, self.verdict.to_uppercase())
    }
}

/// Write what `render` writes to `path` complete or not at all: a
/// temporary file beside it, flushed, then renamed over it (a report may
/// be rewritten). The report streams into it: nothing is held whole.
fn write_whole(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let f = std::fs::File::create(&tmp).map_err(|e| CliError::io("cannot write", path, &e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
        render(&mut w)?;
        let f = w
            .into_inner()
            .map_err(|e| CliError::io("cannot write", path, e.error()))?;
        f.sync_all()
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| CliError::io("cannot write", path, &e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Verify `bundle` (read from `input`: the file itself, or its decrypted
/// copy) and write its report in `format` to `out` (or stdout). Returns
/// whether the bundle verified.
pub fn write_report(
    ctx: &Ctx,
    bundle: &Path,
    input: &PlainInput,
    format: Format,
    out: Option<&Path>,
    trust: Option<&Path>,
    opts: &VerifyOptions,
) -> Result<bool, CliError> {
    let store = trust_store(ctx, trust)?;
    let verifier = TrustVerifier { store: &store };
    let read = input.path();
    // Verify and the facts shown are two reads of the file: held open from
    // before verification, it must be the same, unchanged file until the
    // report is written, else the report would show a verdict on one file
    // and the case, files and custody of another. A file that cannot be
    // opened is left for verify to explain.
    let snapshot = Snapshot::take(read);
    let unchanged = || {
        unchanged(
            &snapshot,
            read,
            "while its report was being made; the report does not stand",
            "copy the bundle somewhere only you can write, and run report on the copy",
        )
    };
    let total = std::fs::metadata(read).ok().map(|m| m.len());
    let bar = progress_bar(ctx.progress, total);
    let mut progress = |n: u64| bar.inc(n);
    let unreadable = |e: evidentia::bundle::ZipError| {
        CliError::unreadable_bundle(bundle, &e, "no report was written")
    };
    let result = verify::verify(read, opts, Some(&verifier), &mut progress);
    bar.finish_and_clear();
    let verified = result.map_err(unreadable)?;
    let facts = report::read_facts(read).map_err(unreadable)?;
    unchanged()?;
    let name = bundle
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| display_path(bundle));
    let generated = format_rfc3339_utc(now());
    let ciphertext = input.decrypted().map(ciphertext);
    let input = ReportInput {
        verify: &verified,
        facts: &facts,
        bundle_name: &name,
        generated: &generated,
        ciphertext: ciphertext.as_ref(),
    };
    let render = |w: &mut dyn Write| -> Result<(), CliError> {
        report::render(&input, format, w)
            .map_err(|e| match e {
            report::ReportError::Write(io) => match out {
                Some(path) => CliError::io("cannot write", path, &io),
                None => CliError::from(io),
            },
            report::ReportError::Reread(r) => CliError::op(format!(
                "cannot finish the report of {}: {r}",
                display_path(bundle)
            ))
            .hint("the bundle changed or became unreadable while being read; copy it somewhere safe and run report again"),
            other => CliError::op(other.to_string()),
        })?;
        // The file list was streamed from the file again while rendering.
        unchanged()
    };
    match out {
        Some(path) => write_whole(path, render)?,
        None => {
            let mut o = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            render(&mut o)?;
            o.flush().map_err(CliError::from)?;
        }
    }
    Ok(verified.verified())
}

/// Run `report`.
pub fn run(ctx: &Ctx, args: ReportArgs) -> Result<Exit, CliError> {
    let format = match args.format {
        FormatArg::Html => Format::Html,
        FormatArg::Md => Format::Markdown,
        FormatArg::Json => Format::Json,
        FormatArg::Case => Format::Case,
    };
    let opts = verify_options(args.expect_head.as_ref())?;
    // An encrypted bundle's plaintext goes beside the report, or into the
    // private scratch directory when the report goes to stdout.
    let beside = args.out.as_deref().map(|o| match o.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    });
    let dir = beside
        .as_deref()
        .map_or(PlainDir::Scratch, PlainDir::Beside);
    let input = Opener::from_args(ctx, &args.decrypt).open(&args.bundle, dir)?;
    let ok = write_report(
        ctx,
        &args.bundle,
        &input,
        format,
        args.out.as_deref(),
        args.trust.as_deref(),
        &opts,
    )?;
    if let Some(path) = &args.out {
        let verdict = if ok { "verified" } else { "failed" };
        let shown = display_path(path);
        let mut out = ctx.output();
        out.emit(&Written {
            kind: "evidentia/report-written/v1",
            verdict,
            report: &shown,
        })?;
        out.flush()?;
    }
    Ok(if ok { Exit::Ok } else { Exit::Problem })
}
