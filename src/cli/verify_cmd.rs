//! `evidentia verify`: check a bundle and print the verdict, every problem,
//! the custody chain and its head. Also the one text form of findings
//! ([`findings_text`], shown by `ingest` and `custody show` too) and the
//! `--expect-head` option `report` shares.

use super::context::Ctx;
use super::error::{CliError, Exit, damage_hint};
use super::output::{Emit, display_path, progress_bar, sanitize};
use super::passphrase::trust_store;
use super::plain_input::{DecryptArgs, Opener, PlainDir};
use clap::Args;
use evidentia::model::Party;
use evidentia::report::{Ciphertext, VerifyJson};
use evidentia::verify::{
    self, Check, Finding, NO_IDENTITY, Outcome, Provenance, TrustVerifier, VerifyOptions,
    VerifyReport,
};
use evidentia::wording::count;
use std::path::PathBuf;

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle to check (a zip, or an age-encrypted bundle, which is
    /// decrypted into a private temporary copy)
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
    /// The custody head (hex SHA-256) the sender announced; detects a chain
    /// whose tail was cut off
    #[arg(long, value_name = "HEX")]
    expect_head: Option<String>,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    #[command(flatten)]
    decrypt: DecryptArgs,
}

/// The findings as a person reads them, one `  PATH: MESSAGE [CODE]` line
/// each; with `values`, each finding's expected and actual values on
/// lines of their own. The one renderer of findings for `verify`,
/// `ingest` and `custody show`.
pub(super) fn findings_text(findings: &[Finding], values: bool) -> String {
    let mut s = String::new();
    for f in findings {
        s.push_str(&format!(
            "  {}: {} [{}]\n",
            sanitize(&f.path),
            sanitize(&f.message),
            f.code
        ));
        if !values {
            continue;
        }
        if let Some(e) = &f.expected {
            s.push_str(&format!("    expected: {}\n", sanitize(e)));
        }
        if let Some(a) = &f.actual {
            s.push_str(&format!("    actual:   {}\n", sanitize(a)));
        }
    }
    s
}

/// The result of `verify`: the report, and the bundle as named.
struct Verified<'a> {
    report: &'a VerifyReport,
    bundle: String,
    /// The encrypted file, when the bundle verified is its decrypted copy.
    ciphertext: Option<Ciphertext>,
}

impl Emit for Verified<'_> {
    fn json(&self) -> impl serde::Serialize + '_ {
        VerifyJson::new(self.report).with_ciphertext(self.ciphertext.as_ref())
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let mut s = human(self.report, &self.bundle);
        if let Some(c) = &self.ciphertext {
            s.push_str(&ciphertext_line(c));
        }
        s
    }
}

/// The line that says the input was encrypted: `verify`, `ingest`.
pub(super) fn ciphertext_line(c: &Ciphertext) -> String {
    format!(
        "encrypted input (age): ciphertext SHA-256 {}, {}; the checks ran on its decrypted copy\n",
        c.sha256,
        count(c.bytes, "byte")
    )
}

/// The [`Ciphertext`] of a decryption.
pub(super) fn ciphertext(d: &evidentia::crypt::Decrypted) -> Ciphertext {
    Ciphertext {
        sha256: d.cipher_sha256.clone(),
        bytes: d.cipher_bytes,
    }
}

fn human(report: &VerifyReport, bundle: &str) -> String {
    let mut s = String::new();
    if report.verified() {
        s.push_str(&format!("VERIFIED {bundle}\n"));
    } else {
        let n = report.findings.len();
        s.push_str(&format!(
            "FAILED ({n} problem{}) {bundle}\n",
            if n == 1 { "" } else { "s" }
        ));
        s.push_str(&findings_text(&report.findings, true));
    }
    s.push_str(&checks_line(report));
    if let Some(id) = &report.bundle_id {
        s.push_str(&format!("bundle id: {}\n", sanitize(id)));
    }
    s.push_str(&format!(
        "payload: {}, {}\n",
        count(report.files, "file"),
        count(report.bytes, "byte")
    ));
    if let Some(p) = &report.provenance {
        s.push_str(&provenance_text(report, p));
    }
    for c in &report.captures {
        s.push_str(&capture_text(c));
    }
    for e in &report.events {
        let key = e
            .key_id
            .as_deref()
            .map(sanitize)
            .unwrap_or_else(|| "(no key)".into());
        let trust = e
            .trust
            .as_deref()
            .map(|t| format!(": {}", sanitize(t)))
            .unwrap_or_default();
        s.push_str(&format!(
            "custody event {}: {} at {} by {}, signature {}{}\n",
            e.seq,
            sanitize(&e.action),
            sanitize(&e.time),
            key,
            e.signature,
            trust
        ));
    }
    if !report.signatures_checked {
        s.push_str("signatures: NOT CHECKED\n");
    }
    match &report.head {
        Some(h) => s.push_str(&format!("custody head: {h}\n")),
        None => s.push_str("custody head: (none)\n"),
    }
    if let Some(c) = report.head_caveat() {
        s.push_str(&format!("note: {c}\n"));
    }
    s
}

/// What verify proved about a derived bundle's origin: who sealed the
/// disclosed files in which bundle, who exported them and why, and what
/// the reader should know besides (files withheld, an export the
/// original does not record, a revealed manifest).
/// One proven capture: its scope, period and counts, drops said loudly.
fn capture_text(c: &evidentia::verify::CaptureProven) -> String {
    let filter = match c.scope.filter.as_str() {
        "" => "no filter (every packet)".to_string(),
        f => format!("filter {:?}", sanitize(f)),
    };
    let mut s = format!(
        "capture {}: {} segment{}, {} packets, {} bytes on the wire ({} kept, {}), {filter}, \
         {} to {}, ended by {}{}; chain, counts and signatures hold, signed by {}\n",
        sanitize(&c.item),
        c.segments.len(),
        if c.segments.len() == 1 { "" } else { "s" },
        c.packets,
        c.original_bytes,
        c.captured_bytes,
        match c.scope.content {
            evidentia::model::capture::ContentMode::Headers => "headers only",
            evidentia::model::capture::ContentMode::Full => "whole packets",
        },
        c.started,
        c.ended,
        c.ended_by.name(),
        if c.recovered { " (recovered)" } else { "" },
        sanitize(&c.signer),
    );
    if c.drops.total() > 0 {
        s.push_str(&format!(
            "  WARNING: {} packets dropped by the kernel, {} by the interface: the capture is not complete\n",
            c.drops.kernel, c.drops.interface
        ));
    }
    s
}

fn provenance_text(report: &VerifyReport, p: &Provenance) -> String {
    let exporter = report.events.first();
    let mut s = format!(
        "{} proven to be as sealed by {} in bundle {} at {}; exported by {} at {} for {}\n",
        count(p.disclosed, "file"),
        signer_text(p.original_signer.as_ref(), &p.original_key_id),
        sanitize(&p.original_bundle_id),
        sanitize(&p.original_sealed),
        signer_text(
            exporter.and_then(|e| e.signer_identity.as_ref()),
            exporter.and_then(|e| e.key_id.as_deref()).unwrap_or("?"),
        ),
        sanitize(exporter.map_or("?", |e| e.time.as_str())),
        p.purpose
            .as_deref()
            .map(|x| format!("\"{}\"", sanitize(x)))
            .unwrap_or_else(|| "(no purpose given)".into()),
    );
    s.push_str(&format!(
        "{} withheld (only the count is disclosed)\n",
        count(p.withheld, "file")
    ));
    if !p.recorded_at_source {
        s.push_str("the export was not recorded at the source (exported with --no-record)\n");
    }
    if p.manifest_revealed {
        s.push_str("the original's full manifest was revealed (its names, sizes and hashes of every file)\n");
    }
    s
}

/// A proven signer: `Name, Organisation (CC)`, or the key id and "no
/// certified identity".
fn signer_text(who: Option<&Party>, key_id: &str) -> String {
    let name = who.and_then(|w| w.name.as_deref());
    match (name, who) {
        (Some(name), Some(w)) => format!(
            "{}, {} ({})",
            sanitize(name),
            sanitize(w.organisation.as_deref().unwrap_or("?")),
            sanitize(w.country.as_deref().unwrap_or("?"))
        ),
        _ => format!("key {} ({NO_IDENTITY})", sanitize(key_id)),
    }
}

/// The mandatory checks in one line: all of them when all passed, else
/// each with its outcome.
fn checks_line(report: &VerifyReport) -> String {
    let outcomes = report.check_outcomes();
    let passed = outcomes
        .iter()
        .filter(|c| c.outcome == Outcome::Passed)
        .count();
    let list: Vec<String> = outcomes
        .iter()
        .map(|c| match c.outcome {
            Outcome::Passed if c.check == Check::Head && !report.head_compared => {
                format!("{} (computed, not compared)", c.check.name())
            }
            Outcome::Passed if passed == outcomes.len() => c.check.name().to_string(),
            Outcome::Passed => format!("{} passed", c.check.name()),
            Outcome::Failed => format!("{} FAILED", c.check.name()),
            Outcome::NotRun => format!("{} NOT RUN", c.check.name()),
        })
        .collect();
    format!(
        "checks: {passed} of {} passed: {}\n",
        outcomes.len(),
        list.join(", ")
    )
}

/// The options of a verification with `--expect-head HEX` (checked to be
/// a hex SHA-256), shared by `verify` and `report`.
pub(super) fn verify_options(expect_head: Option<&String>) -> Result<VerifyOptions, CliError> {
    if let Some(h) = expect_head
        && (h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(CliError::usage(
            "--expect-head takes a hex SHA-256 (64 hex digits)",
        ));
    }
    Ok(VerifyOptions {
        expect_head: expect_head.cloned(),
    })
}

/// Run `verify`.
pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<Exit, CliError> {
    let opts = verify_options(args.expect_head.as_ref())?;
    let store = trust_store(ctx, args.trust.as_deref())?;
    let input = Opener::from_args(ctx, &args.decrypt).open(&args.bundle, PlainDir::Scratch)?;
    let total = std::fs::metadata(input.path()).ok().map(|m| m.len());
    let bar = progress_bar(ctx.progress, total);
    let mut progress = |n: u64| bar.inc(n);
    let verifier = TrustVerifier { store: &store };
    let result = verify::verify(input.path(), &opts, Some(&verifier), &mut progress);
    bar.finish_and_clear();
    let report = result.map_err(|e| CliError::unreadable_bundle(&args.bundle, &e, ""))?;
    let mut out = ctx.output();
    out.emit(&Verified {
        report: &report,
        bundle: display_path(&args.bundle),
        ciphertext: input.decrypted().map(ciphertext),
    })?;
    out.flush()?;
    for w in &report.warnings {
        ctx.diag
            .warn(&format!("{}: {}", sanitize(&w.path), sanitize(&w.message)));
    }
    if report
        .findings
        .iter()
        .any(|f| f.code == verify::FindingCode::Container)
    {
        ctx.diag.hint(
            "the zip holds entries that are unsafe to read (named in the `container` findings); \
             evidentia never read them: do not unpack this file with other tools, and ask the sender for a fresh copy",
        );
    }
    let has = |code| report.findings.iter().any(|f| f.code == code);
    if has(verify::INTERRUPTED_APPEND) {
        ctx.diag
            .error("an append to this bundle was interrupted; it is not in a verifiable state");
    }
    if has(verify::INTERRUPTED_APPEND) || has(verify::DAMAGED_BUNDLE) {
        ctx.diag.hint(&damage_hint(&args.bundle));
    }
    Ok(if report.verified() {
        Exit::Ok
    } else {
        Exit::Problem
    })
}
