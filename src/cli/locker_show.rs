//! The results of `locker show`, `locker audit` and `locker verify`, each
//! with its text and its JSON document.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::ingest_cmd::{JsonMatch, json_matches};
use super::output::{Emit, Output, sanitize};
use evidentia::locker::{AuditRow, BundleDetail, BundleRow, Locker, SignerRow};
use evidentia::sign::Identity;
use evidentia::verify::{NO_IDENTITY, identity_text};
use serde::Serialize;

#[derive(Serialize)]
struct JsonEvent<'a> {
    seq: u64,
    action: &'a str,
    time: &'a str,
    signer: &'a str,
    sha256: &'a str,
}

/// A signer as verify proved it at ingest (never the claimed actor).
#[derive(Serialize)]
struct JsonSigner<'a> {
    key_id: &'a str,
    /// `root`, `certified`, `pinned`; null when not recorded.
    signer_kind: Option<&'a str>,
    /// null: no certified identity.
    certified_identity: Option<&'a Identity>,
    trust_path: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonShow<'a> {
    /// The same fields as a `locker list` record.
    #[serde(flatten)]
    bundle: super::locker_cmd::JsonBundle<'a>,
    case_meta: serde_json::Value,
    problems: serde_json::Value,
    events: Vec<JsonEvent<'a>>,
    signers: Vec<JsonSigner<'a>>,
    matches: Vec<JsonMatch<'a>>,
    /// For a derived bundle: where it came from, as verify proved it at
    /// ingest, and the original when this locker holds it (the flattened
    /// record's `exported_from` is the original's id).
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<super::locker_links::JsonOrigin<'a>>,
    /// The bundles in this locker derived from this one.
    derived: Vec<super::locker_links::JsonDerived<'a>>,
    /// The `export` events this bundle's chain records.
    exports: Vec<super::locker_links::JsonExport<'a>>,
}

/// `locker show`: exit 1 when nothing matches.
pub fn show(ctx: &Ctx, locker: &Locker, what: &str, out: &mut Output) -> Result<Exit, CliError> {
    let found = locker.show(what).map_err(|e| CliError::op(e.to_string()))?;
    for d in &found {
        out.emit(&Detail(d))?;
    }
    if found.is_empty() {
        ctx.diag.note(&format!(
            "no bundle id or case reference {:?} in the locker",
            sanitize(what)
        ));
        return Ok(Exit::Problem);
    }
    Ok(Exit::Ok)
}

/// One bundle of `locker show`: its record, events, signers and matches.
struct Detail<'a>(&'a BundleDetail);

impl Emit for Detail<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let (d, b) = (self.0, &self.0.bundle);
        JsonShow {
            bundle: super::locker_cmd::json_bundle(b, "bundle-detail", super::locker_cmd::V_DETAIL),
            case_meta: serde_json::from_str(&b.case_json).unwrap_or_default(),
            problems: serde_json::from_str(&b.problems_json).unwrap_or_default(),
            events: d
                .events
                .iter()
                .map(|e| JsonEvent {
                    seq: e.seq,
                    action: &e.action,
                    time: &e.time,
                    signer: &e.signer,
                    sha256: &e.sha256,
                })
                .collect(),
            signers: d
                .signers
                .iter()
                .map(|s| JsonSigner {
                    key_id: &s.key_id,
                    signer_kind: s.kind.as_deref(),
                    certified_identity: s.identity.as_ref(),
                    trust_path: s.trust_path.as_deref(),
                })
                .collect(),
            matches: json_matches(&d.matches),
            origin: d.origin.as_ref().map(super::locker_links::json_origin),
            derived: super::locker_links::json_derived(&d.derived),
            exports: super::locker_links::json_exports(&d.exports),
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        detail_text(self.0)
    }
}

/// A bundle's record for people. Every value of a quarantined record is
/// labelled, so that no line of it can be quoted as verified.
fn detail_text(d: &BundleDetail) -> String {
    let b = &d.bundle;
    let u = if b.quarantined() {
        format!("  [{}]", super::locker_cmd::UNVERIFIED)
    } else {
        String::new()
    };
    let mut s = format!(
        "bundle {} ({}){u}\n  status: {}\n  case: {}{u}\n  items: {}{u}\n  files: {}\n  zip sha256: {}\n  sealed: {}{u}\n  ingested: {}\n  location: {}\n  custody head: {}{u}\n",
        sanitize(&b.bundle_id),
        sanitize(&b.name),
        if b.quarantined() {
            "QUARANTINED (unverified): these values come from a copy that failed verification"
        } else {
            "verified"
        },
        sanitize(b.case_ref.as_deref().unwrap_or("-")),
        sanitize(&b.items.join(", ")),
        b.files,
        b.zip_sha256,
        sanitize(b.sealed_at.as_deref().unwrap_or("-")),
        b.ingested_at,
        sanitize(b.location.as_deref().unwrap_or("-")),
        b.custody_head.as_deref().unwrap_or("-"),
    );
    if b.files > 0 && !b.quarantined() {
        s.push_str(&format!(
            "  digests: {}\n",
            super::ingest_cmd::held_text(&b.held)
        ));
    }
    if let Some(r) = &b.received {
        s.push_str(&super::ingest_received::received_text(r));
    }
    if let Some(o) = &d.origin {
        s.push_str(&super::locker_links::origin_text(o));
    }
    s.push_str(&super::locker_links::original_text(&d.derived, &d.exports));
    for e in &d.events {
        s.push_str(&format!(
            "  custody event {}: {} at {} by {}{u}\n",
            e.seq,
            sanitize(&e.action),
            sanitize(&e.time),
            sanitize(&e.signer)
        ));
    }
    for g in &d.signers {
        s.push_str(&format!(
            "  signer {}: {}{u}\n",
            sanitize(&g.key_id),
            sanitize(&signer_text(g))
        ));
    }
    for m in &d.matches {
        s.push_str(&super::ingest_cmd::match_line(m, &u));
    }
    if b.quarantined() {
        s.push_str(&format!("  problems: {}\n", sanitize(&b.problems_json)));
    }
    s
}

/// A signer in words: only what verify proved at ingest, never the
/// actor an event claims.
fn signer_text(g: &SignerRow) -> String {
    let Some(kind) = g.kind.as_deref() else {
        return format!(
            "{NO_IDENTITY} (not recorded: ingested by an evidentia before locker schema 4; \
             ingest the bundle again to record what its signatures prove)"
        );
    };
    let who = g
        .identity
        .as_ref()
        .map_or_else(|| NO_IDENTITY.to_string(), identity_text);
    let how = match kind {
        "root" => "signed by a root key",
        "certified" => "key certified by a trusted root",
        "pinned" => "key pinned in the trust store",
        _ => "unknown kind of key",
    };
    format!("{who} ({how})")
}

/// An audit row on the wire.
#[derive(Serialize)]
struct JsonAudit<'a> {
    v: u32,
    kind: &'static str,
    time: &'a str,
    action: &'a str,
    actor: &'a str,
    host: &'a str,
    bundle_id: Option<&'a str>,
    result: &'a str,
    custody_head: Option<&'a str>,
    detail: &'a str,
}

/// One row of `locker audit`.
pub struct AuditLine<'a>(pub &'a AuditRow);

impl Emit for AuditLine<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let a = self.0;
        JsonAudit {
            v: 1,
            kind: "audit",
            time: &a.time,
            action: &a.action,
            actor: &a.actor,
            host: &a.host,
            bundle_id: a.bundle_id.as_deref(),
            result: &a.result,
            custody_head: a.custody_head.as_deref(),
            detail: &a.detail,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let a = self.0;
        format!(
            "{}  {}  {}@{}  {}  {}  {}\n",
            a.time,
            a.action,
            sanitize(&a.actor),
            sanitize(&a.host),
            sanitize(a.bundle_id.as_deref().unwrap_or("-")),
            sanitize(&a.result),
            sanitize(&a.detail)
        )
    }
}

#[derive(Serialize)]
struct JsonDrift<'a> {
    v: u32,
    kind: &'static str,
    bundle_id: &'a str,
    ok: bool,
    drift: &'a [String],
}

/// One bundle of `locker verify`: how its stored copy differs from its
/// record (nothing: OK).
pub struct Drift<'a> {
    /// The bundle's record.
    pub bundle: &'a BundleRow,
    /// The differences, in words.
    pub drift: &'a [String],
}

impl Emit for Drift<'_> {
    fn json(&self) -> impl Serialize + '_ {
        JsonDrift {
            v: 1,
            kind: "locker-verify",
            bundle_id: &self.bundle.bundle_id,
            ok: self.drift.is_empty(),
            drift: self.drift,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let id = sanitize(&self.bundle.bundle_id);
        let mut s = if self.drift.is_empty() {
            format!("OK     {id}\n")
        } else {
            format!("DRIFT  {id}\n")
        };
        for x in self.drift {
            s.push_str(&format!("  {}\n", sanitize(x)));
        }
        s
    }
}
