//! `evidentia ingest`: verify each bundle in full, then record it in the
//! evidence locker (one transaction per bundle), optionally keeping a copy
//! in a content-addressed store. Known-bad matches print an ALERT line but
//! do not fail the ingest.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::hashset_cmd::LockerArg;
use super::output::{Mode, Output, display_path, progress_bar, sanitize};
use super::passphrase::{load_signer, now, trust_store, with_issuing_root};
use clap::Args;
use evidentia::bundle::{self, AppendError, CustodyError, EventOptions, EventSigner, NoHook};
use evidentia::locker::{
    Actor, DigestOrigin, DigestTap, INGEST_ALGORITHMS, IngestOutcome, IngestRequest, Locker,
    LockerError, MatchRow, Snapshot, file_sha256, read_record, store_copy,
};
use evidentia::verify::{self, Finding, TrustVerifier, VerifyOptions};
use evidentia::wording::count;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Bundles to ingest
    #[arg(required = true, value_name = "BUNDLE")]
    bundles: Vec<PathBuf>,
    #[command(flatten)]
    locker: LockerArg,
    /// Keep a copy of each bundle in this content-addressed store
    /// (DIR/sha256/ab/abcd....zip)
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
    /// Read the signing key's passphrase from the first line of FILE
    #[arg(long, value_name = "FILE", requires = "key")]
    passphrase_file: Option<PathBuf>,
}

/// A known-hash match on the wire.
#[derive(Serialize)]
pub struct JsonMatch<'a> {
    /// Path in the bag.
    pub path: &'a str,
    /// Hash set.
    pub hashset: &'a str,
    /// `known-good` or `known-bad`.
    pub set_kind: &'static str,
    /// Algorithm.
    pub algorithm: &'a str,
    /// `sealed` or `computed-at-ingest`: where the file's digest that
    /// matched comes from.
    pub digest_origin: &'static str,
    /// Name the set lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed_name: Option<&'a str>,
}

/// Convert match rows for JSON.
pub fn json_matches(m: &[MatchRow]) -> Vec<JsonMatch<'_>> {
    m.iter()
        .map(|m| JsonMatch {
            path: &m.path,
            hashset: &m.hashset,
            set_kind: if m.known_bad {
                "known-bad"
            } else {
                "known-good"
            },
            algorithm: &m.algorithm,
            digest_origin: m.origin.as_str(),
            listed_name: m.listed_name.as_deref(),
        })
        .collect()
}

/// The digests held for every file, by algorithm, with their origin
/// (`sealed`, `computed-at-ingest`).
pub fn json_held(
    held: &[(evidentia::hash::Algorithm, DigestOrigin)],
) -> std::collections::BTreeMap<&'static str, &'static str> {
    held.iter().map(|(a, o)| (a.name(), o.as_str())).collect()
}

/// The digests held in words: `sha256, blake3 sealed; md5, sha1 computed
/// at ingest`.
pub fn held_text(held: &[(evidentia::hash::Algorithm, DigestOrigin)]) -> String {
    let list = |o: DigestOrigin| -> Vec<&str> {
        held.iter()
            .filter(|h| h.1 == o)
            .map(|h| h.0.name())
            .collect()
    };
    let mut parts = Vec::new();
    let sealed = list(DigestOrigin::Sealed);
    if !sealed.is_empty() {
        parts.push(format!("{} sealed", sealed.join(", ")));
    }
    let computed = list(DigestOrigin::Ingest);
    if !computed.is_empty() {
        parts.push(format!("{} computed at ingest", computed.join(", ")));
    }
    let missing: Vec<&str> = INGEST_ALGORITHMS
        .iter()
        .filter(|a| !held.iter().any(|h| h.0 == **a))
        .map(|a| a.name())
        .collect();
    if !missing.is_empty() && !held.is_empty() {
        parts.push(format!(
            "no {} (ingested before evidentia computed them; ingest the bundle again to add them)",
            missing.join(", ")
        ));
    }
    parts.join("; ")
}

/// The JSON line of one ingested bundle (docs/locker.md).
#[derive(Serialize)]
struct JsonIngest<'a> {
    v: u32,
    kind: &'static str,
    bundle: String,
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
}

/// The version of `ingest` documents (2: `digests`, `computed` and each
/// match's `digest_origin` added).
const V_INGEST: u32 = 2;

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
) -> Result<(), CliError> {
    let opts = EventOptions {
        action: "receive".into(),
        time: now(),
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
fn received_by(report: &verify::VerifyReport, signer: &dyn EventSigner) -> Option<u64> {
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
        LockerError::Sqlite {
            source: rusqlite::Error::SqliteFailure(f, _),
            ..
        } if f.code == rusqlite::ErrorCode::DiskFull => CliError::op(e.to_string()).hint(
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
    let mut locker: Option<Locker> = None;
    let mut out = Output::new(ctx.mode);
    let mut exit = Exit::Ok;
    for path in &args.bundles {
        let shown = display_path(path);
        let total = std::fs::metadata(path).ok().map(|m| m.len());
        // Held open from before verification to after the last read of
        // what is recorded: the file must not change in between. A file
        // that cannot be opened is left for verify to explain.
        let mut snapshot = Snapshot::take(path);
        let bar = progress_bar(ctx.progress, total);
        let mut progress = |n: u64| bar.inc(n);
        // MD5 and SHA-1 (where the bundle sealed none) from the same read
        // of the payload, on their own threads.
        let mut tap = DigestTap::new(&INGEST_ALGORITHMS, &args.locker.dir(ctx)?);
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
                Some(&verifier),
                &mut progress,
                Some(&mut tap),
            );
            (report, zip.map(|z| z.join()))
        });
        bar.finish_and_clear();
        let computed = tap.finish().map_err(locker_error)?;
        let report =
            report.map_err(|e| CliError::unreadable_bundle(path, &e, "nothing was ingested"))?;
        let verified = report.verified();
        if !verified {
            exit = exit.worst(Exit::Problem);
        }
        // A damaged bundle cannot be read to be recorded, even as
        // quarantined: it is refused.
        let damaged = report
            .findings
            .iter()
            .any(|f| f.code == verify::DAMAGED_BUNDLE || f.code == verify::INTERRUPTED_APPEND);
        if damaged {
            ctx.diag
                .hint(&format!("{shown}: {}", super::error::damage_hint(path)));
        }
        if !verified && (!args.quarantine || damaged) {
            match ctx.mode {
                Mode::Json => out.json(&JsonIngest {
                    v: V_INGEST,
                    kind: "ingest",
                    bundle: shown.clone(),
                    bundle_id: report.bundle_id.as_deref(),
                    outcome: "refused",
                    verdict: "failed",
                    problems: &report.findings,
                    files: 0,
                    events: 0,
                    new_events: 0,
                    head: report.head.as_deref(),
                    stored: None,
                    alerts: 0,
                    matches: Vec::new(),
                    digests: Default::default(),
                    computed: Vec::new(),
                })?,
                Mode::Human => {
                    let mut s = format!(
                        "REFUSED {shown}: failed verification ({} problems), nothing written\n",
                        report.findings.len()
                    );
                    for f in &report.findings {
                        s.push_str(&format!(
                            "  {}: {} [{}]\n",
                            sanitize(&f.path),
                            sanitize(&f.message),
                            f.code
                        ));
                    }
                    out.bytes(s.as_bytes())?;
                }
            }
            continue;
        }
        let mut appended = false;
        let report = match (&signer, verified) {
            (Some(signer), true) if received_by(&report, signer).is_some() => {
                ctx.diag.note(&format!(
                    "{shown}: custody event {} already records your receipt; not appended again",
                    received_by(&report, signer).unwrap_or_default()
                ));
                report
            }
            (Some(signer), true) => {
                receive(path, signer, &report.events, &verifier)?;
                appended = true;
                // The append changed the file: what is recorded is what
                // verifies from here on.
                snapshot = Snapshot::take(path);
                let bar = progress_bar(ctx.progress, total);
                let again =
                    verify::verify(path, &VerifyOptions::default(), Some(&verifier), &mut |n| {
                        bar.inc(n)
                    });
                bar.finish_and_clear();
                let again =
                    again.map_err(|e| CliError::op(format!("cannot re-read {shown}: {e}")))?;
                if !again.verified() {
                    return Err(CliError::op(format!(
                        "{shown} does not verify after appending the receive event; nothing was ingested"
                    ))
                    .hint(format!("run `evidentia verify {shown}`")));
                }
                again
            }
            _ => report,
        };
        let record = read_record(path).map_err(locker_error)?;
        let zip_sha256 = match zip_hash {
            // The file changed with the receive event: hashed again.
            Some(Ok(hashed)) if !appended => hashed,
            _ => file_sha256(path),
        }
        .map_err(locker_error)?;
        snapshot.and_then(|s| s.check()).map_err(locker_error)?;
        let stored = match &args.store {
            Some(dir) => Some(store_copy(path, dir, &zip_sha256).map_err(locker_error)?),
            None => None,
        };
        let location = stored
            .clone()
            .or_else(|| std::fs::canonicalize(path).ok())
            .unwrap_or_else(|| path.clone());
        if locker.is_none() {
            locker = Some(args.locker.open(ctx)?);
        }
        let Some(l) = locker.as_mut() else {
            continue;
        };
        let req = IngestRequest {
            report: &report,
            record: &record,
            zip_sha256,
            location: location.to_string_lossy().into_owned(),
            quarantine: args.quarantine,
            actor: actor(),
            computed: Some(&computed),
        };
        let summary = match l.ingest(&req) {
            Ok(s) => s,
            Err(e @ LockerError::ChainConflict { .. }) => {
                exit = exit.worst(Exit::Problem);
                ctx.diag.error(&sanitize(&e.to_string()));
                continue;
            }
            Err(e) => return Err(locker_error(e)),
        };
        let alerts = summary.matches.iter().filter(|m| m.known_bad).count();
        match ctx.mode {
            Mode::Json => out.json(&JsonIngest {
                v: V_INGEST,
                kind: "ingest",
                bundle: shown.clone(),
                bundle_id: Some(&summary.bundle_id),
                outcome: summary.outcome.as_str(),
                verdict: if verified { "verified" } else { "failed" },
                problems: &report.findings,
                files: summary.files,
                events: summary.events,
                new_events: summary.new_events,
                head: summary.head.as_deref(),
                stored: stored.as_deref().map(display_path),
                alerts,
                matches: json_matches(&summary.matches),
                digests: json_held(&summary.held),
                computed: summary.computed_written.iter().map(|a| a.name()).collect(),
            })?,
            Mode::Human => {
                out.bytes(human(&shown, &summary, &report, stored.as_deref()).as_bytes())?
            }
        }
    }
    out.flush()?;
    Ok(exit)
}

fn human(
    shown: &str,
    s: &evidentia::locker::IngestSummary,
    report: &verify::VerifyReport,
    stored: Option<&Path>,
) -> String {
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
    if let Some(p) = stored {
        t.push_str(&format!("  stored: {}\n", display_path(p)));
    }
    for f in &report.findings {
        t.push_str(&format!(
            "  {}: {} [{}]\n",
            sanitize(&f.path),
            sanitize(&f.message),
            f.code
        ));
    }
    for m in &s.matches {
        let label = if m.known_bad {
            "ALERT known-bad"
        } else {
            "known-good"
        };
        t.push_str(&format!(
            "  {label}: {} (hash set {}, {})\n",
            sanitize(&m.path),
            sanitize(&m.hashset),
            match_algorithm(m)
        ));
    }
    t
}

/// The algorithm of a match, and `computed at ingest` when the file's
/// digest was not sealed.
pub fn match_algorithm(m: &MatchRow) -> String {
    match m.origin {
        DigestOrigin::Sealed => m.algorithm.clone(),
        DigestOrigin::Ingest => format!("{} computed at ingest", m.algorithm),
    }
}
