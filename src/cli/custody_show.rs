//! `evidentia custody`: its subcommands (`custody add` is in
//! `custody_cmd.rs`), and `custody show`: the custody chain as a timeline,
//! with each signature's status and trust path, and the head.

use super::context::Ctx;
use super::custody_cmd::AddArgs;
use super::error::{CliError, Exit};
use super::output::{Emit, display_path, sanitize};
use super::passphrase::trust_store;
use super::plain_input::{DecryptArgs, Opener, PlainDir};
use super::verify_cmd::{ciphertext, ciphertext_line, findings_text};
use clap::{Args, Subcommand};
use evidentia::model::disclosure::{ExportedFrom, ExportedTo};
use evidentia::model::{Actor, EventRef, Party};
use evidentia::report::{self, Ciphertext};
use evidentia::sign::Identity;
use evidentia::verify::{
    self, Finding, INTERRUPTED_APPEND, NO_IDENTITY, SignerKind, TrustVerifier, VerifyOptions,
};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `custody`.
#[derive(Debug, Args)]
pub struct CustodyArgs {
    #[command(subcommand)]
    command: CustodyCommand,
}

#[derive(Debug, Subcommand)]
enum CustodyCommand {
    /// Verify the bundle, then sign and append a custody event
    Add(Box<AddArgs>),
    /// Show the custody chain as a timeline, with signatures and the head
    Show(ShowArgs),
}

/// Arguments of `custody show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The bundle (a zip, or an age-encrypted bundle, which is decrypted
    /// into a private temporary copy)
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    #[command(flatten)]
    decrypt: DecryptArgs,
}

#[derive(Serialize)]
struct TimelineEvent<'a> {
    seq: u64,
    time: &'a str,
    action: &'a str,
    /// What the event claims about its actor (proven only when it equals
    /// `identity`; a difference is an `actor-identity` finding).
    actor: Option<&'a Actor>,
    /// The signer's proven identity (trusted signatures only).
    identity: Option<&'a Identity>,
    /// What kind of trusted key signed (`root`: a root key itself).
    signer_kind: Option<SignerKind>,
    recipient: Option<&'a Party>,
    /// The identity proven for the recipient's key in this bundle (by a
    /// trusted, certified signature of that key), shown beside it.
    #[serde(skip)]
    recipient_identity: Option<&'a Identity>,
    completes: Option<&'a EventRef>,
    /// A receive of an encrypted bundle: the SHA-256 of the age file.
    #[serde(skip_serializing_if = "Option::is_none")]
    received_ciphertext_sha256: Option<&'a str>,
    /// An export: the derived bundle that left.
    #[serde(skip_serializing_if = "Option::is_none")]
    exported_to: Option<&'a ExportedTo>,
    /// The seal of a derived bundle: the bundle it was exported from.
    #[serde(skip_serializing_if = "Option::is_none")]
    exported_from: Option<&'a ExportedFrom>,
    location: Option<&'a str>,
    purpose: Option<&'a str>,
    note: Option<&'a str>,
    signature: verify::SignatureState,
    trust: Option<&'a str>,
}

#[derive(Serialize)]
struct Timeline<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    bundle_id: Option<&'a str>,
    verdict: &'static str,
    /// When the bundle shown is the decrypted copy of an age file.
    #[serde(skip_serializing_if = "Option::is_none")]
    ciphertext: Option<Ciphertext>,
    events: Vec<TimelineEvent<'a>>,
    head: Option<&'a str>,
    findings: &'a [Finding],
    warnings: &'a [Finding],
    /// Said under the head: it was not compared with the sender's.
    #[serde(skip)]
    caveat: Option<String>,
    /// The bundle as named on the command line.
    #[serde(skip)]
    shown: String,
}

impl Emit for Timeline<'_> {
    fn json(&self) -> impl Serialize + '_ {
        self
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        human(self)
    }
}

fn who(a: Option<&Actor>) -> String {
    let Some(a) = a else {
        return "(unreadable event)".into();
    };
    let parts: Vec<&str> = [&a.name, &a.organisation, &a.country, &a.role]
        .iter()
        .filter_map(|x| x.as_deref())
        .collect();
    sanitize(&parts.join(", "))
}

/// Who signed, as proven: the certified identity, else the key and "no
/// certified identity"; and the actor's claim when it is not proven.
fn signer_lines(e: &TimelineEvent) -> (String, Option<String>) {
    let key = e
        .actor
        .and_then(|a| a.key_id.as_deref())
        .map(|k| format!("key {}", sanitize(k)))
        .unwrap_or_else(|| "no key".into());
    let root = if e.signer_kind == Some(SignerKind::Root) {
        " (signed by a root key)"
    } else {
        ""
    };
    match e.identity {
        Some(i) => (format!("{}{root}", sanitize(&i.display())), None),
        None => {
            let head = if e.signature == verify::SignatureState::Trusted {
                format!("{NO_IDENTITY} ({key}){root}")
            } else {
                format!("signer not verified ({key})")
            };
            let claim = who(e.actor);
            let claim = (!claim.is_empty()).then(|| format!("{claim} (unproven)"));
            (head, claim)
        }
    }
}

/// The recipient of a transfer: by key, with the identity proven for it
/// ([`report::certified_identity`]) or marked as having none; names an
/// event gives are the sender's, marked so.
fn party(p: &Party, proven: Option<&Identity>) -> String {
    let named = who(Some(&Actor::claiming(None, p.who())));
    let Some(k) = &p.key_id else {
        return format!("{named} (as named by the sender; no key)");
    };
    let mut s = match proven {
        Some(i) => format!(
            "{} (certified identity of key {})",
            sanitize(&i.display()),
            sanitize(k)
        ),
        None => format!("key {} ({NO_IDENTITY})", sanitize(k)),
    };
    if !named.is_empty() {
        s.push_str(&format!("; named in the event (unproven): {named}"));
    }
    s
}

/// One event of the timeline: its line, then one labelled line per thing
/// it records.
fn event_text(e: &TimelineEvent) -> String {
    let mut s = String::new();
    let (signer, claim) = signer_lines(e);
    s.push_str(&format!(
        "{:>3}  {}  {:<8} {}\n",
        e.seq,
        sanitize(e.time),
        sanitize(e.action),
        signer
    ));
    let mut line = |label: &str, v: String| s.push_str(&format!("       {label:<9}{v}\n"));
    if let Some(c) = claim {
        line("claims:", c);
    }
    if let Some(r) = e.recipient {
        line("to:", party(r, e.recipient_identity));
    }
    if let Some(c) = e.completes {
        line(
            "closes:",
            format!("transfer {} ({})", c.seq, sanitize(&c.sha256)),
        );
    }
    if let Some(h) = e.received_ciphertext_sha256 {
        line(
            "arrived:",
            format!("age-encrypted, ciphertext SHA-256 {}", sanitize(h)),
        );
    }
    if let Some(x) = e.exported_to {
        line(
            "export:",
            format!(
                "{} files to bundle {} (its custody head {})",
                x.files,
                sanitize(&x.bundle_id),
                sanitize(&x.custody_head)
            ),
        );
    }
    if let Some(x) = e.exported_from {
        let recorded = if x.recorded_at_source {
            "recorded in its custody chain"
        } else {
            "NOT recorded in its custody chain (--no-record)"
        };
        line(
            "from:",
            format!(
                "{} files of bundle {} at custody head {}; {recorded}",
                x.files,
                sanitize(&x.bundle_id),
                sanitize(&x.custody_head)
            ),
        );
    }
    for (label, v) in [
        ("where:", e.location),
        ("why:", e.purpose),
        ("note:", e.note),
    ] {
        if let Some(v) = v {
            line(label, sanitize(v));
        }
    }
    let trust = e
        .trust
        .map(|t| format!(": {}", sanitize(t)))
        .unwrap_or_default();
    line("signed:", format!("{}{trust}", e.signature));
    s
}

fn human(t: &Timeline) -> String {
    let mut s = format!("custody of {}\n", t.shown);
    if let Some(id) = t.bundle_id {
        s.push_str(&format!("bundle id: {}\n", sanitize(id)));
    }
    if let Some(c) = &t.ciphertext {
        s.push_str(&ciphertext_line(c));
    }
    for e in &t.events {
        s.push_str(&event_text(e));
    }
    s.push_str(&format!("custody head: {}\n", t.head.unwrap_or("(none)")));
    if let Some(c) = &t.caveat {
        s.push_str(&format!("note: {c}\n"));
    }
    for w in t.warnings {
        s.push_str(&format!(
            "warning: {}: {}\n",
            sanitize(&w.path),
            sanitize(&w.message)
        ));
    }
    if t.findings.is_empty() {
        s.push_str("verdict: VERIFIED\n");
    } else {
        s.push_str(&format!(
            "verdict: FAILED ({} problem(s))\n",
            t.findings.len()
        ));
        s.push_str(&findings_text(t.findings, false));
    }
    s
}

/// Run `custody`.
pub fn run(ctx: &Ctx, args: CustodyArgs) -> Result<Exit, CliError> {
    match args.command {
        CustodyCommand::Add(a) => super::custody_cmd::run_add(ctx, *a),
        CustodyCommand::Show(a) => show(ctx, a),
    }
}

fn show(ctx: &Ctx, args: ShowArgs) -> Result<Exit, CliError> {
    let store = trust_store(ctx, args.trust.as_deref())?;
    let verifier = TrustVerifier { store: &store };
    let shown = display_path(&args.bundle);
    let input = Opener::from_args(ctx, &args.decrypt).open(&args.bundle, PlainDir::Scratch)?;
    let report = verify::verify(
        input.path(),
        &VerifyOptions::default(),
        Some(&verifier),
        &mut |_| {},
    )
    .map_err(|e| CliError::unreadable_bundle(&args.bundle, &e, ""))?;
    let events = report
        .events
        .iter()
        .map(|e| {
            let ev = e.event.as_ref();
            TimelineEvent {
                seq: e.seq,
                time: &e.time,
                action: &e.action,
                actor: ev.map(|v| &v.actor),
                identity: e.certified_identity.as_ref(),
                signer_kind: e.signer_kind,
                recipient: ev.and_then(|v| v.recipient.as_ref()),
                recipient_identity: ev
                    .and_then(|v| v.recipient.as_ref())
                    .and_then(|p| p.key_id.as_deref())
                    .and_then(|k| report::certified_identity(&report, k)),
                completes: ev.and_then(|v| v.completes.as_ref()),
                received_ciphertext_sha256: ev
                    .and_then(|v| v.received_ciphertext_sha256.as_deref()),
                exported_to: ev.and_then(|v| v.exported_to.as_ref()),
                exported_from: ev.and_then(|v| v.exported_from.as_ref()),
                location: ev.and_then(|v| v.location.as_deref()),
                purpose: ev.and_then(|v| v.purpose.as_deref()),
                note: ev.and_then(|v| v.note.as_deref()),
                signature: e.signature,
                trust: e.trust.as_deref(),
            }
        })
        .collect();
    let t = Timeline {
        kind: "evidentia/custody-timeline/v1",
        bundle_id: report.bundle_id.as_deref(),
        verdict: if report.verified() {
            "verified"
        } else {
            "failed"
        },
        ciphertext: input.decrypted().map(ciphertext),
        events,
        head: report.head.as_deref(),
        findings: &report.findings,
        warnings: &report.warnings,
        caveat: report.head_caveat(),
        shown,
    };
    let mut out = ctx.output();
    out.emit(&t)?;
    out.flush()?;
    let has = |code| report.findings.iter().any(|f| f.code == code);
    if has(INTERRUPTED_APPEND) {
        ctx.diag.error("an append to this bundle was interrupted");
    }
    if has(INTERRUPTED_APPEND) || has(verify::DAMAGED_BUNDLE) {
        ctx.diag.hint(&super::error::damage_hint(&args.bundle));
    }
    Ok(if report.verified() {
        Exit::Ok
    } else {
        Exit::Problem
    })
}
