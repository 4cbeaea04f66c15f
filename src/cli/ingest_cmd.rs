//! `evidentia ingest`: verify each bundle in full, then record it in the
//! evidence locker (one transaction per bundle), optionally keeping a copy
//! in a content-addressed store. Known-bad matches print an ALERT line but
//! do not fail the ingest. An encrypted bundle is decrypted into a
//! private temporary copy, and what arrived is kept and recorded
//! (`ingest_received.rs`). The wire and text forms of matches and of the
//! digests held, which `locker show` shares, are in `match_forms.rs`
//! (re-exported here).

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::ingest_received::{self, JsonReceived, json_received, received_text};
use super::locker_arg::LockerArg;
pub use super::match_forms::{JsonMatch, held_text, json_held, json_matches, match_line};
use super::output::{Emit, Output, display_path, progress_bar, sanitize};
use super::passphrase::{load_signer, now, trust_store, with_issuing_root};
use super::plain_input::Opener;
use super::verify_cmd::findings_text;
use clap::Args;
use evidentia::bundle::{
    self, AppendError, CertifiedSigner, CustodyError, EventOptions, EventSigner, NoHook,
};
use evidentia::crypt::Decrypted;
use evidentia::locker::{
    Actor, ComputedDigests, DigestTap, INGEST_ALGORITHMS, IngestOutcome, IngestRequest,
    IngestSummary, Locker, LockerError, Received, Snapshot, file_sha256, read_record, store_copy,
};
use evidentia::verify::{self, Finding, TrustVerifier, VerifyOptions, VerifyReport};
use evidentia::wording::count;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Bundles to ingest (zips, or age-encrypted bundles, decrypted with
    /// any of your keys)
    #[arg(required = true, value_name = "BUNDLE")]
    bundles: Vec<PathBuf>,
    #[command(flatten)]
    locker: LockerArg,
    /// Keep a copy of each bundle in this content-addressed store
    /// (DIR/sha256/ab/abcd....zip; an encrypted bundle also as it arrived,
    /// DIR/sha256/cd/cdef....zip.age)
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Record a bundle that fails verification as quarantined, with its
    /// reasons, instead of refusing it (still exit 1)
    #[arg(long)]
    quarantine: bool,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// Sign and append a receive event with this key before recording the
    /// bundle, as `evidentia receive` does (the bundle file is changed)
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Read the passphrase of the signing key (and of the keys that
    /// decrypt an encrypted bundle) from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

/// The JSON line of one ingested bundle (docs/locker.md).
#[derive(Serialize)]
struct JsonIngest<'a> {
    v: u32,
    kind: &'static str,
    bundle: &'a str,
    bundle_id: Option<&'a str>,
    outcome: &'a str,
    verdict: &'static str,
    problems: &'a [Finding],
    files: u64,
    events: u64,
    new_events: u64,
    head: Option<&'a str>,
    stored: Option<String>,
    alerts: usize,
    matches: Vec<JsonMatch<'a>>,
    /// The digests the locker holds for every file, and from where.
    digests: std::collections::BTreeMap<&'static str, &'static str>,
    /// The algorithms this ingest computed and recorded.
    computed: Vec<&'static str>,
    /// The encrypted file the bundle arrived as (absent for a zip).
    #[serde(skip_serializing_if = "Option::is_none")]
    received: Option<JsonReceived<'a>>,
    /// For a derived bundle: its proven origin (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<super::locker_links::JsonOrigin<'a>>,
    /// The bundles in the locker derived from this one.
    derived: Vec<super::locker_links::JsonDerived<'a>>,
}

/// The version of `ingest` documents (2: `digests`, `computed` and each
/// match's `digest_origin` added; 3: `received` added; 4: `origin` and
/// `derived` added).
const V_INGEST: u32 = 4;

/// The OS user and host name, for the audit log.
fn actor() -> Actor {
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        // SAFETY: getuid has no preconditions and cannot fail.
        .unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }));
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // within it or we cut at the length.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let host = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "unknown".into()
    };
    Actor {
        user,
        host,
        now: evidentia::model::format_rfc3339_utc(now()),
    }
}

/// Append a signed receive event to the bundle at `path` (whose verified
/// events are `events`), refused as `evidentia receive` refuses it when
/// verify would reject it.
fn receive(
    path: &Path,
    signer: &dyn EventSigner,
    events: &[verify::EventSummary],
    verifier: &TrustVerifier,
    ciphertext_sha256: Option<&str>,
) -> Result<(), CliError> {
    let opts = EventOptions {
        action: "receive".into(),
        time: now(),
        received_ciphertext_sha256: ciphertext_sha256.map(String::from),
        ..EventOptions::default()
    };
    let prepared = bundle::prepare_event(path, &opts, signer);
    if let Ok(p) = &prepared {
        super::custody_cmd::check_prepared(events, p, verifier)?;
    }
    let appended = prepared.and_then(|p| p.append(path, &mut NoHook));
    appended.map_err(|e| {
        let shown = display_path(path);
        let c = CliError::op(format!(
            "{shown}: cannot append the receive event: {e}; nothing was ingested"
        ));
        match e {
            // An I/O failure (a full disk) is an operational error.
            CustodyError::Append(AppendError::Write {
                rolled_back: true, ..
            }) => c.hint("the bundle's original bytes were restored; ingest again"),
            CustodyError::Append(AppendError::Write { .. }) => {
                c.hint(super::error::damage_hint(path))
            }
            CustodyError::Zip(z) | CustodyError::Append(AppendError::Zip(z)) => {
                CliError::unreadable_bundle(path, &z, "nothing was ingested")
            }
            CustodyError::NoOpenTransfer => CliError {
                exit: Exit::Problem,
                ..c
            }
            .hint("the sender records a transfer to you first; or ingest without --key"),
            _ => {
                let c = CliError {
                    exit: Exit::Problem,
                    ..c
                };
                match super::repair_cmd::repair_hint(path) {
                    Some(h) => c.hint(h),
                    None => c,
                }
            }
        }
    })?;
    Ok(())
}

/// Whether the chain already ends with a receive signed by `signer` (an
/// earlier `ingest --key` appended it, then failed or was killed before
/// recording the bundle): then it is not appended again.
fn received_by(report: &VerifyReport, signer: &dyn EventSigner) -> Option<u64> {
    report
        .events
        .last()
        .filter(|e| e.action == "receive" && e.signed_by.as_deref() == Some(&signer.key_id()))
        .map(|e| e.seq)
}

fn locker_error(e: LockerError) -> CliError {
    match &e {
        LockerError::Write { path, source } if source.kind() == std::io::ErrorKind::StorageFull => {
            CliError::io("cannot write", path, source).hint(
                "the disk is full; this bundle was not recorded (earlier ones in this run were). \
                 Free space and ingest again",
            )
        }
        LockerError::Write { path, source } => CliError::io("cannot write", path, source),
        LockerError::Db { source, .. } if source.is_connection_lost() => {
            CliError::op(e.to_string()).hint(
                "the connection to the locker's server was lost (the server stopped or \
                 restarted); the transaction was rolled back, so this bundle was not recorded \
                 (earlier ones in this run were). Ingest it again when the server is back",
            )
        }
        LockerError::Db { source, .. } if source.is_disk_full() => CliError::op(e.to_string())
            .hint(
                "the disk holding the locker is full; the transaction was rolled back, so this \
             bundle was not recorded. Free space and ingest again",
            ),
        LockerError::Changed { .. } => CliError::op(sanitize(&e.to_string())).hint(
            "the bundle changed while it was being ingested; copy it to a place only you can \
             write and ingest again",
        ),
        _ => CliError::op(e.to_string()),
    }
}

/// Run `ingest`.
pub fn run(ctx: &Ctx, args: IngestArgs) -> Result<Exit, CliError> {
    let store = trust_store(ctx, args.trust.as_deref())?;
    let verifier = TrustVerifier { store: &store };
    let signer = match &args.key {
        Some(k) => Some(load_signer(ctx, Some(k), args.passphrase_file.as_deref())?),
        None => None,
    };
    let signer = signer
        .as_ref()
        .map(|s| with_issuing_root(ctx, s, args.trust.as_deref()));
    let mut ingest = Ingest {
        ctx,
        args: &args,
        verifier: &verifier,
        signer: signer.as_ref(),
        locker: None,
        out: ctx.output(),
    };
    let mut opener = Opener::new(ctx, None, args.passphrase_file.as_deref());
    let locker_dir = args.locker.dir(ctx)?;
    let mut exit = Exit::Ok;
    for path in &args.bundles {
        let input = ingest_received::open(
            &mut opener,
            path,
            args.store.as_deref(),
            &locker_dir,
            args.key.is_some(),
        )?;
        let arrived = input.decrypted().cloned();
        exit = exit.worst(ingest.one(path, input.path(), arrived.as_ref())?);
    }
    ingest.out.flush()?;
    Ok(exit)
}

/// One run of `ingest`: what every bundle is ingested with, and the
/// locker, opened at the first bundle to record.
struct Ingest<'a> {
    ctx: &'a Ctx,
    args: &'a IngestArgs,
    verifier: &'a TrustVerifier<'a>,
    signer: Option<&'a CertifiedSigner<'a>>,
    locker: Option<Locker>,
    out: Output,
}

/// One bundle as verified: the report, the digests computed from the same
/// read, the zip's SHA-256 hashed beside it, and the snapshot that ties
/// them to the file.
struct Checked {
    report: VerifyReport,
    computed: ComputedDigests,
    /// From the thread beside verify; `None` for a path that is not a
    /// regular file, an outer `Err` when that thread panicked.
    zip_hash: Option<std::thread::Result<Result<String, LockerError>>>,
    snapshot: Result<Snapshot, LockerError>,
}

impl Ingest<'_> {
    /// Ingest one bundle: verify, refuse or append the receipt, record.
    /// `original` as named, read from `path` (itself, or its decrypted
    /// copy when it `arrived` encrypted).
    fn one(
        &mut self,
        original: &Path,
        path: &Path,
        arrived: Option<&Decrypted>,
    ) -> Result<Exit, CliError> {
        let shown = display_path(original);
        let total = std::fs::metadata(path).ok().map(|m| m.len());
        let mut checked = self.check(path, total)?;
        let verified = checked.report.verified();
        let exit = if verified { Exit::Ok } else { Exit::Problem };
        // A damaged bundle cannot be read to be recorded, even as
        // quarantined: it is refused.
        let damaged = checked
            .report
            .findings
            .iter()
            .any(|f| f.code == verify::DAMAGED_BUNDLE || f.code == verify::INTERRUPTED_APPEND);
        if damaged {
            self.ctx
                .diag
                .hint(&format!("{shown}: {}", super::error::damage_hint(path)));
        }
        if !verified && (!self.args.quarantine || damaged) {
            self.out.emit(&Refused {
                shown: &shown,
                report: &checked.report,
            })?;
            return Ok(exit);
        }
        let sha = arrived.map(|d| d.cipher_sha256.as_str());
        let appended = verified && self.append_receipt(path, &shown, total, &mut checked, sha)?;
        let received = match arrived {
            Some(d) => Some(
                ingest_received::keep(original, d, self.args.store.as_deref())
                    .map_err(locker_error)?,
            ),
            None => None,
        };
        let copy = BundleCopy {
            path,
            original,
            shown: &shown,
            received,
        };
        Ok(exit.worst(self.record(copy, checked, appended, verified)?))
    }

    /// Verify the bundle at `path`, computing the ingest digests from the
    /// same read and hashing the zip beside it.
    fn check(&self, path: &Path, total: Option<u64>) -> Result<Checked, CliError> {
        // Held open from before verification to after the last read of
        // what is recorded: the file must not change in between. A file
        // that cannot be opened is left for verify to explain.
        let snapshot = Snapshot::take(path);
        let bar = progress_bar(self.ctx.progress, total);
        let mut progress = |n: u64| bar.inc(n);
        // MD5 and SHA-1 (where the bundle sealed none) from the same read
        // of the payload, on their own threads.
        let mut tap = DigestTap::new(&INGEST_ALGORITHMS, &self.args.locker.dir(self.ctx)?);
        // The zip's SHA-256 is another read of the whole file: on its own
        // thread, beside verify's (the snapshot covers both), when the path
        // is a regular file (verify explains anything else; /dev/zero would
        // never end).
        let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        let (report, zip_hash) = std::thread::scope(|s| {
            let zip = regular.then(|| s.spawn(|| file_sha256(path)));
            let report = verify::verify_tapped(
                path,
                &VerifyOptions::default(),
                Some(self.verifier),
                &mut progress,
                Some(&mut tap),
            );
            (report, zip.map(|z| z.join()))
        });
        bar.finish_and_clear();
        let computed = tap.finish().map_err(locker_error)?;
        let report =
            report.map_err(|e| CliError::unreadable_bundle(path, &e, "nothing was ingested"))?;
        Ok(Checked {
            report,
            computed,
            zip_hash,
            snapshot,
        })
    }

    /// With `--key`, sign and append a receive event to a bundle that
    /// verified, unless its chain already ends with one by this key; then
    /// verify it again, since what is recorded is what verifies from here
    /// on. Whether the file changed.
    fn append_receipt(
        &self,
        path: &Path,
        shown: &str,
        total: Option<u64>,
        checked: &mut Checked,
        ciphertext_sha256: Option<&str>,
    ) -> Result<bool, CliError> {
        let Some(signer) = self.signer else {
            return Ok(false);
        };
        if let Some(seq) = received_by(&checked.report, signer) {
            self.ctx.diag.note(&format!(
                "{shown}: custody event {seq} already records your receipt; not appended again"
            ));
            return Ok(false);
        }
        receive(
            path,
            signer,
            &checked.report.events,
            self.verifier,
            ciphertext_sha256,
        )?;
        // The append changed the file: what is recorded is what verifies
        // from here on.
        checked.snapshot = Snapshot::take(path);
        let bar = progress_bar(self.ctx.progress, total);
        let again = verify::verify(
            path,
            &VerifyOptions::default(),
            Some(self.verifier),
            &mut |n| bar.inc(n),
        );
        bar.finish_and_clear();
        let again = again.map_err(|e| CliError::op(format!("cannot re-read {shown}: {e}")))?;
        if !again.verified() {
            return Err(CliError::op(format!(
                "{shown} does not verify after appending the receive event; nothing was ingested"
            ))
            .hint(format!("run `evidentia verify {shown}`")));
        }
        checked.report = again;
        Ok(true)
    }

    /// Record a bundle that verified, or one quarantined: read what is
    /// recorded, make sure the file is still the one verified, keep a copy
    /// when asked, and ingest it in one transaction. Exit 1 for a chain
    /// that conflicts with the one recorded.
    fn record(
        &mut self,
        copy: BundleCopy,
        checked: Checked,
        appended: bool,
        verified: bool,
    ) -> Result<Exit, CliError> {
        let (path, shown) = (copy.path, copy.shown);
        let record = read_record(path).map_err(locker_error)?;
        let zip_sha256 = match checked.zip_hash {
            // The file changed with the receive event: hashed again.
            Some(Ok(hashed)) if !appended => hashed,
            _ => file_sha256(path),
        }
        .map_err(locker_error)?;
        checked
            .snapshot
            .and_then(|s| s.check())
            .map_err(locker_error)?;
        let stored = match &self.args.store {
            Some(dir) => Some(store_copy(path, dir, &zip_sha256).map_err(locker_error)?),
            None => None,
        };
        // Without a store, where the bundle was found: the encrypted file
        // for one that arrived encrypted (its decrypted copy is removed).
        let found = copy.received.as_ref().map_or(path, |_| copy.original);
        let location = stored
            .clone()
            .or_else(|| std::fs::canonicalize(found).ok())
            .unwrap_or_else(|| found.to_path_buf());
        if self.locker.is_none() {
            self.locker = Some(self.args.locker.open(self.ctx)?);
        }
        let Some(l) = self.locker.as_mut() else {
            return Ok(Exit::Ok);
        };
        let req = IngestRequest {
            report: &checked.report,
            record: &record,
            zip_sha256,
            location: location.to_string_lossy().into_owned(),
            quarantine: self.args.quarantine,
            actor: actor(),
            computed: Some(&checked.computed),
            received: copy.received.clone(),
        };
        let summary = match l.ingest(&req) {
            Ok(s) => s,
            Err(e @ LockerError::ChainConflict { .. }) => {
                self.ctx.diag.error(&sanitize(&e.to_string()));
                return Ok(Exit::Problem);
            }
            Err(e) => return Err(locker_error(e)),
        };
        self.out.emit(&Ingested {
            shown,
            summary: &summary,
            report: &checked.report,
            stored: stored.as_deref(),
            verified,
            received: copy.received.as_ref(),
        })?;
        Ok(Exit::Ok)
    }
}

/// A bundle refused: it failed verification (without `--quarantine`) or
/// is damaged, and nothing was written.
struct Refused<'a> {
    shown: &'a str,
    report: &'a VerifyReport,
}

impl Emit for Refused<'_> {
    fn json(&self) -> impl Serialize + '_ {
        JsonIngest {
            v: V_INGEST,
            kind: "ingest",
            bundle: self.shown,
            bundle_id: self.report.bundle_id.as_deref(),
            outcome: "refused",
            verdict: "failed",
            problems: &self.report.findings,
            files: 0,
            events: 0,
            new_events: 0,
            head: self.report.head.as_deref(),
            stored: None,
            alerts: 0,
            matches: Vec::new(),
            digests: Default::default(),
            computed: Vec::new(),
            received: None,
            origin: None,
            derived: Vec::new(),
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        format!(
            "REFUSED {}: failed verification ({} problems), nothing written\n{}",
            self.shown,
            self.report.findings.len(),
            findings_text(&self.report.findings, false)
        )
    }
}

/// A bundle recorded in the locker (added, extended, quarantined, ...).
struct Ingested<'a> {
    shown: &'a str,
    summary: &'a IngestSummary,
    report: &'a VerifyReport,
    stored: Option<&'a Path>,
    /// Whether the bundle verified when it was first read.
    verified: bool,
    /// The encrypted file it arrived as.
    received: Option<&'a Received>,
}

/// The copy of one bundle being recorded: the file read, the path as
/// given (the encrypted file, when it arrived encrypted) and as shown,
/// and what was kept of the encrypted file.
struct BundleCopy<'a> {
    path: &'a Path,
    original: &'a Path,
    shown: &'a str,
    received: Option<Received>,
}

impl Emit for Ingested<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let s = self.summary;
        JsonIngest {
            v: V_INGEST,
            kind: "ingest",
            bundle: self.shown,
            bundle_id: Some(&s.bundle_id),
            outcome: s.outcome.as_str(),
            verdict: if self.verified { "verified" } else { "failed" },
            problems: &self.report.findings,
            files: s.files,
            events: s.events,
            new_events: s.new_events,
            head: s.head.as_deref(),
            stored: self.stored.map(display_path),
            alerts: s.matches.iter().filter(|m| m.known_bad).count(),
            matches: json_matches(&s.matches),
            digests: json_held(&s.held),
            computed: s.computed_written.iter().map(|a| a.name()).collect(),
            received: self.received.map(json_received),
            origin: s.origin.as_ref().map(super::locker_links::json_origin),
            derived: super::locker_links::json_derived(&s.derived),
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let mut t = human(self.shown, self.summary, self.report, self.stored);
        if let Some(r) = self.received {
            t.push_str(&received_text(r));
        }
        t
    }
}

fn human(shown: &str, s: &IngestSummary, report: &VerifyReport, stored: Option<&Path>) -> String {
    let what = match s.outcome {
        IngestOutcome::Added => "INGESTED",
        // A failing copy of a recorded bundle changes nothing; say that it
        // failed, not that all is well.
        IngestOutcome::Unchanged if !report.verified() => {
            "FAILED VERIFICATION, locker record unchanged:"
        }
        IngestOutcome::Unchanged => "ALREADY IN LOCKER",
        IngestOutcome::Extended => "EXTENDED",
        IngestOutcome::Quarantined => "QUARANTINED (unverified)",
        IngestOutcome::Promoted => "PROMOTED (was quarantined; record rewritten from this copy)",
        IngestOutcome::Corrected => "CORRECTED (record rewritten from this verified copy)",
    };
    let mut t = format!(
        "{what} {shown}\n  bundle id: {}\n  {}, {} ({} new)\n",
        sanitize(&s.bundle_id),
        count(s.files, "file"),
        count(s.events, "custody event"),
        s.new_events
    );
    if let Some(h) = &s.head {
        t.push_str(&format!("  custody head: {h}\n"));
    }
    if s.files > 0 && !s.held.is_empty() {
        t.push_str(&format!("  digests: {}\n", held_text(&s.held)));
    }
    if s.outcome != IngestOutcome::Added && !s.computed_written.is_empty() {
        let names: Vec<&str> = s.computed_written.iter().map(|a| a.name()).collect();
        t.push_str(&format!(
            "  added {} digests computed at ingest (the record held none)\n",
            names.join(", ")
        ));
    }
    if let Some(o) = &s.origin {
        t.push_str(&super::locker_links::origin_text(o));
    }
    t.push_str(&super::locker_links::original_text(&s.derived, &[]));
    if let Some(p) = stored {
        t.push_str(&format!("  stored: {}\n", display_path(p)));
    }
    t.push_str(&findings_text(&report.findings, false));
    for m in &s.matches {
        t.push_str(&match_line(m, ""));
    }
    t
}
