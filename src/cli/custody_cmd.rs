//! `evidentia custody add` and `evidentia receive`: verify the bundle, then
//! sign the next custody event, check it as verify will (its signature
//! against the trust store, and the custody rules), and only then append
//! it. A refused event leaves the bundle untouched. `ingest --key` appends
//! its receive event through the same check ([`check_prepared`]).

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, display_path, sanitize};
use super::passphrase::{load_signer, now, trust_store, with_issuing_root};
use super::plain_input::{Opener, Provisional, is_encrypted};
use super::unchanged::unchanged;
use clap::Args;
use evidentia::bundle::{self, AppendError, CustodyError, EventOptions, NoHook, PreparedEvent};
use evidentia::locker::Snapshot;
use evidentia::model::{CUSTODY_ACTIONS, Party, parse_rfc3339};
use evidentia::sign::identity::is_country_code;
use evidentia::verify::{
    self, BundledKeys, INTERRUPTED_APPEND, SignatureCheck, SignatureVerifier, TrustVerifier,
    VerifyOptions,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Options shared by `custody add` and `receive`.
#[derive(Debug, Args)]
pub struct EventArgs {
    /// Where the action took place
    #[arg(long, value_name = "TEXT")]
    location: Option<String>,
    /// Why (the purpose of the action)
    #[arg(long, value_name = "TEXT")]
    purpose: Option<String>,
    /// A free-text note
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// Signing key id or unique hex prefix [default: the only examiner key]
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Read the signing key's passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// The claimed time of the event (RFC 3339) [default: now]
    #[arg(long, value_name = "RFC3339")]
    time: Option<String>,
}

/// Arguments of `custody add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The bundle to append to
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
    /// transfer, receive, access, copy, verify, return, dispose or note
    #[arg(long, value_name = "ACTION")]
    action: String,
    /// The recipient of a transfer: "NAME, ORG, CC" (CC an ISO 3166 code)
    #[arg(long, value_name = "NAME, ORG, CC", conflicts_with = "to_key")]
    to: Option<String>,
    /// The recipient of a transfer by key id
    #[arg(long, value_name = "ID")]
    to_key: Option<String>,
    #[command(flatten)]
    event: EventArgs,
}

/// Arguments of `receive`.
#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// The bundle that was transferred to you (a zip, which gets the
    /// receive event in place, or an age-encrypted bundle, which needs -o)
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
    /// For an encrypted bundle: decrypt it (with any of your keys) into
    /// this new file, which gets the receive event; the encrypted file
    /// stays as it arrived
    #[arg(long, short = 'o', value_name = "OUT.zip")]
    out: Option<PathBuf>,
    #[command(flatten)]
    event: EventArgs,
}

#[derive(Serialize)]
struct AddedJson {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    action: String,
    member: String,
    custody_head: String,
    /// A receive of an encrypted bundle: the SHA-256 of the age file.
    #[serde(skip_serializing_if = "Option::is_none")]
    received_ciphertext_sha256: Option<String>,
}

fn parse_to(text: &str) -> Result<Party, CliError> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [name, org, cc] if !name.is_empty() && !org.is_empty() && is_country_code(cc) => {
            Ok(Party {
                key_id: None,
                name: Some(name.to_string()),
                organisation: Some(org.to_string()),
                country: Some(cc.to_string()),
            })
        }
        _ => Err(
            CliError::usage(format!("--to {text:?} is not \"NAME, ORG, CC\"")).hint(
                "for example --to \"Petr Novak, Forensic Lab, CZ\" (an ISO 3166 country code)",
            ),
        ),
    }
}

/// Refuse to append to a bundle that does not verify, with the reason;
/// otherwise its verified events, for the custody rules.
fn verify_first(
    bundle: &Path,
    verifier: &TrustVerifier,
) -> Result<Vec<verify::EventSummary>, CliError> {
    let report = verify::verify(
        bundle,
        &VerifyOptions::default(),
        Some(verifier),
        &mut |_| {},
    )
    .map_err(|e| CliError::unreadable_bundle(bundle, &e, "nothing was appended"))?;
    if report.verified() {
        return Ok(report.events);
    }
    Err(not_verified(bundle, &report, "nothing was appended"))
}

/// The error for a bundle that does not verify, naming the first problem,
/// with `nothing` (what was not done) and a hint.
pub(super) fn not_verified(
    bundle: &Path,
    report: &verify::VerifyReport,
    nothing: &str,
) -> CliError {
    let shown = display_path(bundle);
    let msg = match report.findings.first() {
        Some(first) => format!(
            "{shown} does not verify ({} problem(s), first: {}: {}); {nothing}",
            report.findings.len(),
            sanitize(&first.path),
            sanitize(&first.message)
        ),
        None => format!("{shown} does not verify; {nothing}"),
    };
    let damaged =
        |f: &verify::Finding| f.code == INTERRUPTED_APPEND || f.code == verify::DAMAGED_BUNDLE;
    let hint = if report.findings.iter().any(damaged) {
        super::error::damage_hint(bundle)
    } else if report
        .findings
        .iter()
        .all(|f| f.code == verify::FindingCode::Signature)
    {
        "the bundle is intact but signed by keys your trust store does not trust; \
         confirm the sender's root key fingerprint and run `evidentia trust add --root FILE`"
            .to_string()
    } else {
        format!("run `evidentia verify {shown}` for every problem")
    };
    CliError {
        exit: Exit::Problem,
        ..CliError::op(msg).hint(hint)
    }
}

/// Refuse an event that verify would reject once appended: its signature
/// must verify against the trust store, and the custody rules (the same
/// function verify runs, [`verify::check_append`]) must allow it.
pub(super) fn check_prepared(
    events: &[verify::EventSummary],
    prepared: &PreparedEvent,
    verifier: &TrustVerifier,
) -> Result<(), CliError> {
    let keys = BundledKeys::new(prepared.signer_keys.clone());
    let mut next = verify::EventSummary {
        seq: prepared.event.seq,
        action: prepared.event.action.clone(),
        time: prepared.event.time.clone(),
        key_id: prepared.event.actor.key_id.clone(),
        signature: verify::SignatureState::Trusted,
        trust: None,
        event: Some(prepared.event.clone()),
        sha256: prepared.sha256.clone(),
        signed_by: None,
        signer_identity: None,
        signer_kind: None,
        certified_identity: None,
    };
    let refused = |msg: String, hint: &str| CliError {
        exit: Exit::Problem,
        ..CliError::op(format!("{msg}; nothing was appended")).hint(hint)
    };
    match verifier.verify(&prepared.bytes, &prepared.signature, &keys, &next.time) {
        SignatureCheck::Trusted {
            key_id,
            identity,
            kind,
            ..
        } => {
            next.signed_by = Some(key_id);
            verify::record_signer(&mut next, identity, kind);
        }
        SignatureCheck::Untrusted { key_id, reason, .. } => {
            return Err(refused(
                format!("the event would not verify: your key {key_id} is not trusted ({reason})"),
                "your trust store must hold your agency's root key: `evidentia trust add --root FILE`",
            ));
        }
        SignatureCheck::Invalid { reason } => {
            return Err(refused(
                format!("the event would not verify: {}", sanitize(&reason)),
                "check --time and your key",
            ));
        }
    }
    let findings = verify::check_append(events, &next);
    let Some(first) = findings.first() else {
        return Ok(());
    };
    let hint = if first.code == verify::FindingCode::ReceiveSigner {
        "only the recipient the transfer names (or, for a return, the previous holder) \
         receives it, with their own key (--key ID)"
    } else {
        "`evidentia custody show BUNDLE` shows who holds the evidence; only the holder \
         transfers, returns, disposes, accesses or copies it, and a transfer's recipient \
         becomes the holder with `evidentia receive`"
    };
    Err(refused(
        format!(
            "custody rules refuse this {} event: {}",
            sanitize(&next.action),
            sanitize(&first.message)
        ),
        hint,
    ))
}

pub(super) fn custody_error(bundle: &Path, e: CustodyError) -> CliError {
    let shown = display_path(bundle);
    // A write error with no rollback and no journal left: the append had
    // completed (the journal is removed only then) and only the last flush
    // of the directory failed; there is nothing to repair.
    if let CustodyError::Append(AppendError::Write {
        rolled_back: false,
        source,
    }) = &e
        && std::fs::symlink_metadata(bundle::journal_path(bundle)).is_err()
    {
        return CliError::op(format!(
            "{shown}: the event was appended and recorded, but flushing its directory afterwards failed: {source}"
        ))
        .hint("the bundle holds the event: check it with `evidentia verify`, and the disk that failed");
    }
    match e {
        CustodyError::Append(AppendError::Pending(_))
        | CustodyError::Append(AppendError::Write {
            rolled_back: false, ..
        }) => CliError::op(e.to_string()).hint(super::error::damage_hint(bundle)),
        CustodyError::Zip(z) | CustodyError::Append(AppendError::Zip(z)) => {
            CliError::unreadable_bundle(bundle, &z, "nothing was appended")
        }
        CustodyError::NoOpenTransfer => CliError {
            exit: Exit::Problem,
            ..CliError::op(e.to_string())
        }
        .hint("the sender records a transfer first: `evidentia custody add BUNDLE --action transfer --to ...`"),
        other => CliError::op(format!("{shown}: {other}")),
    }
}

fn append_event(
    ctx: &Ctx,
    bundle: &Path,
    args: &EventArgs,
    mut opts: EventOptions,
) -> Result<Exit, CliError> {
    opts.time = match &args.time {
        Some(t) => parse_rfc3339(t).map_err(|e| CliError::usage(e.to_string()))?,
        None => now(),
    };
    opts.location = args.location.clone();
    opts.purpose = args.purpose.clone();
    opts.note = args.note.clone();
    let signer = load_signer(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    let store = trust_store(ctx, args.trust.as_deref())?;
    let verifier = TrustVerifier { store: &store };
    // The event is appended to the file that verified, not to one put in
    // its place meanwhile (the same snapshot `ingest` and `report` take).
    let snapshot = Snapshot::take(bundle);
    let events = verify_first(bundle, &verifier)?;
    let signer = with_issuing_root(ctx, &signer, args.trust.as_deref());
    let prepared =
        bundle::prepare_event(bundle, &opts, &signer).map_err(|e| custody_error(bundle, e))?;
    check_prepared(&events, &prepared, &verifier)?;
    drop(events);
    unchanged(
        &snapshot,
        bundle,
        "while it was being verified; nothing was appended",
        "copy the bundle somewhere only you can write, and append to the copy",
    )?;
    let added = prepared
        .append(bundle, &mut NoHook)
        .map_err(|e| custody_error(bundle, e))?;
    let mut out = ctx.output();
    out.emit(&Doc {
        json: AddedJson {
            kind: "evidentia/custody-added/v1",
            seq: added.seq,
            action: added.event.action.clone(),
            member: added.name.clone(),
            custody_head: added.head.clone(),
            received_ciphertext_sha256: added.event.received_ciphertext_sha256.clone(),
        },
        text: format!(
            "appended custody event {} ({}) to {}\n{}custody head: {}\n",
            added.seq,
            added.event.action,
            display_path(bundle),
            added
                .event
                .received_ciphertext_sha256
                .as_ref()
                .map(|h| format!(
                    "arrived encrypted (age): ciphertext SHA-256 {h}, recorded in the event\n"
                ))
                .unwrap_or_default(),
            added.head
        ),
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// Run `custody add`.
pub fn run_add(ctx: &Ctx, args: AddArgs) -> Result<Exit, CliError> {
    if !CUSTODY_ACTIONS.contains(&args.action.as_str()) {
        return Err(CliError::usage(format!("unknown action {:?}", args.action))
            .hint(format!("one of: {}", CUSTODY_ACTIONS.join(", "))));
    }
    let recipient =
        match (&args.to, &args.to_key) {
            (Some(t), _) => Some(parse_to(t)?),
            (None, Some(k)) if k.len() != 64 || !k.bytes().all(|b| b.is_ascii_hexdigit()) => {
                return Err(CliError::usage(format!("--to-key {k:?} is not a key id")).hint(
                "give the recipient's full key id (64 hex digits, from `evidentia key list`)",
            ));
            }
            (None, Some(k)) => Some(Party {
                key_id: Some(k.to_ascii_lowercase()),
                ..Party::default()
            }),
            (None, None) => None,
        };
    if args.action == "transfer" && recipient.is_none() {
        return Err(CliError::usage("a transfer needs a recipient")
            .hint("pass --to \"NAME, ORG, CC\" or --to-key ID"));
    }
    if args.action != "transfer" && recipient.is_some() {
        return Err(CliError::usage(
            "--to and --to-key are only for --action transfer",
        ));
    }
    let opts = EventOptions {
        action: args.action.clone(),
        recipient,
        ..EventOptions::default()
    };
    append_event(ctx, &args.bundle, &args.event, opts)
}

/// Run `receive`. An encrypted bundle is decrypted into `-o OUT.zip`
/// (authenticated whole before it appears), which is verified and gets
/// the receive event naming the ciphertext's SHA-256; when anything fails
/// after the decryption, OUT.zip is removed again.
pub fn run_receive(ctx: &Ctx, args: ReceiveArgs) -> Result<Exit, CliError> {
    let mut opts = EventOptions {
        action: "receive".into(),
        ..EventOptions::default()
    };
    let shown = display_path(&args.bundle);
    if !is_encrypted(&args.bundle)? {
        if args.out.is_some() {
            return Err(CliError::usage(format!(
                "{shown} is not encrypted: its receive event is appended to it in place; -o is for an encrypted bundle"
            ))
            .hint(format!("evidentia receive {shown}")));
        }
        return append_event(ctx, &args.bundle, &args.event, opts);
    }
    let Some(out) = &args.out else {
        return Err(CliError::usage(format!(
            "{shown} is age-encrypted: receive decrypts it into a new bundle file, which gets the receive event; say where with -o"
        ))
        .hint(format!(
            "evidentia receive {shown} -o BUNDLE.zip (the encrypted file stays as it arrived)"
        )));
    };
    let mut opener = Opener::new(ctx, None, args.event.passphrase_file.as_deref());
    let info = opener.decrypt_to(&args.bundle, out)?;
    let held = Provisional::new(out);
    opts.received_ciphertext_sha256 = Some(info.cipher_sha256);
    match append_event(ctx, out, &args.event, opts) {
        Ok(exit) => {
            held.keep();
            Ok(exit)
        }
        Err(e) => {
            drop(held);
            ctx.diag.note(&format!(
                "removed the decrypted {}: nothing was received",
                display_path(out)
            ));
            Err(e)
        }
    }
}
