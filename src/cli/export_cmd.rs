//! `evidentia export`: disclose some files of a sealed bundle in a derived
//! bundle that proves each one is what the original examiner sealed, and
//! record in the original what left (docs/export.md).
//!
//! The order of the work, each step refusing before anything is written:
//! the selection, the output name and the recipients; whether the original
//! can be appended to (else `--no-record` is required); the original
//! verified (`evidentia::export::plan`); the export event checked against
//! the custody rules and the trust store. Then the derived bundle is
//! written to its temporary file and flushed, the export event appended
//! to the original, and only then the derived bundle renamed into place:
//! a crash in between leaves an export recorded whose bundle is absent,
//! which says too much, never an export that left unrecorded.

use super::agekeys::{To, recipients};
use super::context::Ctx;
use super::custody_cmd::{check_prepared, custody_error, not_verified};
use super::error::{CliError, Exit, io_reason};
use super::output::{Emit, display_path, progress_bar, sanitize};
use super::passphrase::{load_signer, now, trust_store, with_issuing_root};
use super::plain_input::{Opener, PlainDir, is_encrypted};
use super::seal_cmd::{EncryptionJson, encryption_json, encryption_text, seal_error};
use super::unchanged::unchanged;
use clap::Args;
use evidentia::bundle::{
    self, AddedEvent, AppendError, CustodyError, EventSigner, NoHook, SealError, SealSummary,
};
use evidentia::export::{self, ExportError, ExportOptions, Plan, Selection};
use evidentia::locker::Snapshot;
use evidentia::model::parse_rfc3339;
use evidentia::pathrepr::PathRepr;
use evidentia::verify::TrustVerifier;
use evidentia::wording::count;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Arguments of `export`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("selection").required(true).args(["select", "files_from"])))]
pub struct ExportArgs {
    /// The sealed bundle to export from (a zip, or an age-encrypted bundle,
    /// which needs --no-record)
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
    /// Disclose the files whose bag path below data/ matches PATTERN
    /// (repeatable): * and ? do not cross /, ** does ("mail/*.eml",
    /// "**/*.pdf"). Each pattern must select a file
    #[arg(long, value_name = "PATTERN")]
    select: Vec<String>,
    /// Disclose the files listed in LIST (- for standard input), one bag
    /// path per line, relative to data/ or with its data/ prefix; each must
    /// name a file
    #[arg(long, value_name = "LIST", conflicts_with = "select")]
    files_from: Option<PathBuf>,
    /// The derived bundle to create; its stem names the bag directory.
    /// Never overwritten. With --to, the encrypted file, named SUB.zip.age
    #[arg(long, short = 'o', value_name = "SUB.zip")]
    out: PathBuf,
    /// Why the files are disclosed (the request they answer); signed into
    /// the derived bundle and the export event
    #[arg(long, value_name = "TEXT")]
    purpose: String,
    /// Encrypt the derived bundle as it is written for this recipient
    /// (repeatable), as `seal --to` does
    #[arg(long = "to", value_name = "RECIPIENT")]
    to: Vec<String>,
    /// Accept --to recipients that no root in the trust store vouches for
    /// (warned loudly)
    #[arg(long, requires = "to")]
    to_untrusted: bool,
    /// Do not append an export event to the original (required when it
    /// cannot be written to: read-only media, an encrypted original); the
    /// derived bundle then says the export was not recorded at the source
    #[arg(long)]
    no_record: bool,
    /// For an original sealed without a disclosure commitment (manifest
    /// v1/v2): send its whole manifest.json and tag manifest along instead
    /// of proofs, which names, hashes and sizes every withheld file too
    #[arg(long)]
    reveal_manifest: bool,
    /// Export time (RFC 3339), for reproducible output [default: now]
    #[arg(long, value_name = "RFC3339")]
    time: Option<String>,
    /// Signing key id or unique hex prefix [default: the only examiner key]
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Read the passphrase of the signing key (and of the keys that decrypt
    /// an encrypted original) from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
}

/// Run `export`.
pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<Exit, CliError> {
    let to = if args.to.is_empty() {
        Vec::new()
    } else {
        super::signals::install_cleanup();
        recipients(ctx, &args.to, args.trust.as_deref(), args.to_untrusted)?
    };
    let opts = options(&args, &to)?;
    let record = opts.record;
    let signer = load_signer(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    let store = trust_store(ctx, args.trust.as_deref())?;
    let verifier = TrustVerifier { store: &store };
    let snapshot = Snapshot::take(&args.bundle);
    let mut opener = Opener::new(ctx, None, args.passphrase_file.as_deref());
    let input = opener.open(&args.bundle, PlainDir::Scratch)?;
    let original = input.path();
    let total = std::fs::metadata(original).ok().map(|m| m.len());
    let bar = progress_bar(ctx.progress, total);
    let result = export::plan(original, opts, &verifier, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    let mut plan = result.map_err(|e| export_error(&args, e))?;
    let signer = with_issuing_root(ctx, &signer, args.trust.as_deref());
    check_rules(ctx, &plan, &signer, &verifier, &args.bundle, record)?;
    let bar = progress_bar(ctx.progress, Some(plan.disclosed_bytes()));
    let staged = plan.write(&signer, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    let staged = staged.map_err(|e| export_error(&args, e))?;
    unchanged(
        &snapshot,
        &args.bundle,
        "while it was being exported; nothing was written",
        "export from a copy only you can write",
    )?;
    let event = if record {
        Some(record_at_source(
            &plan,
            &staged.summary,
            &signer,
            &verifier,
            original,
            &args.bundle,
        )?)
    } else {
        None
    };
    let summary = staged.commit().map_err(|e| match event {
        // Recorded, but not in place (a file took its name meanwhile).
        Some(_) => CliError::op(format!(
            "{e}; the export was recorded in {} but the derived bundle is not in place",
            display_path(&args.bundle)
        ))
        .hint("export again to another --out: the original records both exports"),
        None => seal_error(e),
    })?;
    let mut out = ctx.output();
    out.emit(&Exported {
        summary: &summary,
        plan: &plan,
        original: &args.bundle,
        event: event.as_ref(),
        to: &to,
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// What the library is asked, from the arguments: refused before anything
/// is read when the time, the purpose or the selection is unusable, or the
/// original cannot record the export and `--no-record` was not given.
fn options(args: &ExportArgs, to: &[To]) -> Result<ExportOptions, CliError> {
    let (time, reproducible) = match &args.time {
        Some(t) => (
            parse_rfc3339(t).map_err(|e| CliError::usage(e.to_string()))?,
            true,
        ),
        None => (now(), false),
    };
    if args.purpose.trim().is_empty() {
        return Err(CliError::usage("--purpose is empty")
            .hint("say which request the disclosure answers, e.g. --purpose \"MLA request 2024/17, accounts A and B\""));
    }
    let selection = selection(args)?;
    let record = !args.no_record;
    if record {
        appendable(&args.bundle)?;
    }
    Ok(ExportOptions {
        selection,
        purpose: args.purpose.clone(),
        reveal_manifest: args.reveal_manifest,
        record,
        out: args.out.clone(),
        time,
        reproducible,
        recipients: to.iter().map(|t| t.recipient.clone()).collect(),
        agent: format!("evidentia {}", env!("CARGO_PKG_VERSION")),
    })
}

/// The custody rules (the exporter must hold the evidence) and the trust
/// store, before a byte is written. With --no-record nothing is appended,
/// so the rules bind nothing; an exporter they would refuse is told so,
/// loudly (the derived bundle says the export is not recorded at the
/// source, so its recipient knows the original's chain does not attest
/// it).
fn check_rules(
    ctx: &Ctx,
    plan: &Plan,
    signer: &dyn EventSigner,
    verifier: &TrustVerifier,
    bundle: &Path,
    record: bool,
) -> Result<(), CliError> {
    let prepared = plan
        .prepare_event(None, signer)
        .map_err(|e| custody_error(bundle, e))?;
    match check_prepared(&plan.report().events, &prepared, verifier) {
        Ok(()) => Ok(()),
        Err(e) if !record => {
            ctx.diag.warn(&format!(
                "the original's custody chain would not accept this export, which is not recorded there (--no-record): {}",
                e.message.replace("; nothing was appended", "")
            ));
            Ok(())
        }
        Err(e) => Err(nothing_written(e)),
    }
}

/// Append the `export` event naming the derived bundle (staged, not yet
/// in place) to the original, checked once more against the rules. A
/// failed append is rolled back, or leaves its journal for `repair`
/// (named in the hint): the derived bundle then stays out.
fn record_at_source(
    plan: &Plan,
    derived: &SealSummary,
    signer: &dyn EventSigner,
    verifier: &TrustVerifier,
    original: &Path,
    bundle: &Path,
) -> Result<AddedEvent, CliError> {
    let prepared = plan
        .prepare_event(Some(derived), signer)
        .map_err(|e| custody_error(bundle, e))?;
    check_prepared(&plan.report().events, &prepared, verifier).map_err(nothing_written)?;
    prepared
        .append(original, &mut NoHook)
        .map_err(|e| append_error(original, e))
}

/// The selection as given: patterns, or the lines of the list file (or
/// standard input).
fn selection(args: &ExportArgs) -> Result<Selection, CliError> {
    let Some(list) = &args.files_from else {
        return Ok(Selection::Patterns(args.select.clone()));
    };
    let mut text = String::new();
    let read = if list.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(list).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| CliError::io("cannot read", list, &e))?;
    Ok(Selection::from_list(&text))
}

/// Refuse, before anything else, an original that cannot be appended to:
/// an encrypted one, a file or directory this user cannot write (the
/// append writes a journal beside it), read-only media.
fn appendable(bundle: &Path) -> Result<(), CliError> {
    let shown = display_path(bundle);
    let refuse = |why: String| {
        CliError::usage(format!(
            "{shown} cannot be appended to ({why}): the export cannot be recorded at the source"
        ))
        .hint("pass --no-record to export without recording it; the derived bundle then says the export was not recorded at the source")
    };
    // What is not a regular file is left to the verification to explain.
    if !std::fs::metadata(bundle).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    if is_encrypted(bundle)? {
        return Err(refuse(
            "it is age-encrypted; an encrypted file is never changed".into(),
        ));
    }
    // Opening for append changes nothing, and fails as the append would
    // on read-only media or without permission.
    if let Err(e) = std::fs::OpenOptions::new().append(true).open(bundle) {
        return Err(refuse(io_reason(&e)));
    }
    let dir = match bundle.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(dir.as_os_str()))
        .map_err(|_| refuse("its directory's name holds a NUL byte".into()))?;
    // SAFETY: a valid NUL-terminated path; access only reads.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK) } != 0 {
        return Err(refuse(format!(
            "its directory {}: {}",
            display_path(dir),
            io_reason(&std::io::Error::last_os_error())
        )));
    }
    Ok(())
}

/// An append of the export event that failed: rolled back, or its
/// journal left for `repair` (named in the hint), or complete but for the
/// flush of its directory (the journal is gone). The derived bundle stays
/// out in every case.
fn append_error(original: &Path, e: CustodyError) -> CliError {
    let journal = bundle::journal_path(original);
    let complete = matches!(
        &e,
        CustodyError::Append(AppendError::Write {
            rolled_back: false,
            ..
        })
    ) && std::fs::symlink_metadata(&journal).is_err();
    // Recording needs a plain original: `original` is the bundle named.
    let mut err = custody_error(original, e);
    err.message.push_str("; the derived bundle was not written");
    if complete {
        err = err.hint("export again to another --out: the original records both exports");
    }
    err
}

/// A refusal of the export event: nothing was written at all.
fn nothing_written(mut e: CliError) -> CliError {
    e.message = e
        .message
        .replace("nothing was appended", "nothing was written");
    e
}

/// The command line's answer to an export that could not be made.
fn export_error(args: &ExportArgs, e: ExportError) -> CliError {
    let bundle = &args.bundle;
    let shown = display_path(bundle);
    let problem = |e: CliError| CliError {
        exit: Exit::Problem,
        ..e
    };
    match e {
        ExportError::Selection(m) => CliError::usage(m),
        ExportError::Unreadable(z) => CliError::unreadable_bundle(bundle, &z, "nothing was written"),
        ExportError::NotVerified(report) => not_verified(bundle, &report, "nothing was written"),
        ExportError::Derived { bundle_id } => CliError::usage(format!(
            "{shown} is a derived bundle (made by evidentia export); export from the original bundle {}",
            sanitize(&bundle_id)
        ))
        .hint("a derived bundle's files are proven against its original; disclose from the original, which records every export"),
        ExportError::NoCommitment { schema } => CliError::usage(format!(
            "{shown} has no disclosure commitment (its manifest.json is schema {}, sealed before proportional disclosure or unsigned): its files cannot be proven one by one",
            sanitize(&schema)
        ))
        .hint("pass --reveal-manifest to send the original's whole manifest.json along instead (it names, hashes and sizes every file, the withheld ones too)"),
        ExportError::RevealNotNeeded { schema } => CliError::usage(format!(
            "--reveal-manifest is not needed: {shown} has a disclosure commitment (manifest schema {}), and revealing its manifest would reveal the names, hashes and sizes of the withheld files",
            sanitize(&schema)
        ))
        .hint("leave out --reveal-manifest: each disclosed file gets an inclusion proof"),
        ExportError::SelectsNothing { what } => {
            let what = sanitize(&what);
            let (flag, hint) = match args.files_from {
                Some(_) => ("--files-from: the line", "each line names one payload file by its bag path, relative to data/ or with data/ (see the bundle's manifest-sha256.txt)"),
                None => ("--select", "patterns match bag paths below data/ (\"mail/*.eml\", not \"data/mail/*.eml\"); * and ? do not cross /, ** does"),
            };
            CliError::usage(format!("{flag} {what:?} selects no file of {shown}; nothing was written")).hint(hint)
        }
        ExportError::Seal(e @ SealError::Differs { .. }) => problem(CliError::op(format!(
            "{}; nothing was written",
            sanitize(&e.to_string())
        )))
        .hint(format!("the original changed after it verified: run `evidentia verify {shown}`")),
        ExportError::Seal(e) => seal_error(e),
        e @ ExportError::Changed(_) => problem(CliError::op(format!(
            "{shown}: {}; nothing was written",
            sanitize(&e.to_string())
        )))
        .hint(format!("run `evidentia verify {shown}`")),
        e @ ExportError::Read { .. } => CliError::op(format!(
            "{shown}: {}; nothing was written",
            sanitize(&e.to_string())
        )),
    }
}

/// The result of `export`.
struct Exported<'a> {
    summary: &'a SealSummary,
    plan: &'a Plan,
    original: &'a Path,
    event: Option<&'a AddedEvent>,
    to: &'a [To],
}

#[derive(Serialize)]
struct ExportJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    path: PathRepr,
    bundle_id: &'a str,
    custody_head: &'a str,
    files: u64,
    withheld: u64,
    bytes: u64,
    purpose: &'a str,
    original: OriginalJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption: Option<EncryptionJson>,
}

#[derive(Serialize)]
struct OriginalJson<'a> {
    path: PathRepr,
    bundle_id: &'a str,
    /// The original's custody head before the export event.
    custody_head: &'a str,
    manifest_revealed: bool,
    recorded_at_source: bool,
    /// The export event appended to it, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    export_event: Option<EventJson<'a>>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    seq: u64,
    member: &'a str,
    /// The original's new custody head.
    custody_head: &'a str,
}

impl Emit for Exported<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let from = self.plan.exported_from();
        ExportJson {
            kind: "evidentia/export-result/v1",
            path: PathRepr::from_path(&self.summary.path),
            bundle_id: &self.summary.bundle_id,
            custody_head: &self.summary.head,
            files: self.summary.files,
            withheld: self.plan.withheld(),
            bytes: self.summary.bytes,
            purpose: self.plan.purpose(),
            original: OriginalJson {
                path: PathRepr::from_path(self.original),
                bundle_id: &from.bundle_id,
                custody_head: &from.custody_head,
                manifest_revealed: from.manifest_revealed,
                recorded_at_source: from.recorded_at_source,
                export_event: self.event.map(|e| EventJson {
                    seq: e.seq,
                    member: &e.name,
                    custody_head: &e.head,
                }),
            },
            encryption: self
                .summary
                .encrypted
                .as_ref()
                .map(|e| encryption_json(e, self.to)),
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let s = self.summary;
        let from = self.plan.exported_from();
        let mut t = format!(
            "exported {} of {} to {}: {}, {} withheld (only their count is disclosed)\nbundle id: {}\ncustody head: {}\noriginal: bundle {}, custody head {} before the export\n",
            count(s.files, "file"),
            display_path(self.original),
            display_path(&s.path),
            count(s.bytes, "byte"),
            count(self.plan.withheld(), "file"),
            s.bundle_id,
            s.head,
            sanitize(&from.bundle_id),
            from.custody_head,
        );
        if from.manifest_revealed {
            t.push_str("manifest revealed: the original's whole manifest.json went along (--reveal-manifest); it names every withheld file\n");
        }
        match self.event {
            Some(e) => t.push_str(&format!(
                "recorded at the source: custody event {} ({}) of {}, its custody head now {}\n",
                e.seq,
                e.event.action,
                display_path(self.original),
                e.head
            )),
            None => t.push_str("not recorded at the source (--no-record)\n"),
        }
        if let Some(e) = &s.encrypted {
            t.push_str(&encryption_text(e, self.to));
        }
        t
    }
}
