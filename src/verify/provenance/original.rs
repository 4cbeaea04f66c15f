//! The original's seal event (`provenance/seal.json`): the one the
//! exporter's `exported_from` names by hash, a seal of another bundle,
//! and signed by a key the local trust store accepts at the seal's
//! claimed time, with `provenance/keys/` as the only hints. Its
//! `disclosure` (or its `tagmanifest_sha256`, for a revealed manifest) is
//! then what every disclosed file is proven against.

use super::{Ctx, differs, finding, members};
use crate::bundle::{layout, trusted_comment};
use crate::model::disclosure::ExportedFrom;
use crate::model::{CUSTODY_EVENT_TYPE, CustodyEvent, Party};
use crate::verify::bag::sha256_hex;
use crate::verify::{BundledKeys, MAX_EVENT_FILE, MAX_KEY_FILE, SignatureCheck, VerifyReport};

/// The original's seal, proven.
pub(super) struct Original {
    /// The event as parsed.
    pub(super) event: CustodyEvent,
    /// The key that signed it.
    pub(super) key_id: String,
    /// Its signer's identity, when the trust store proves one.
    pub(super) signer: Option<Party>,
}

/// Read and check the original's seal event and its signature; `None`
/// when anything failed (each failure a finding).
pub(super) fn check(
    ctx: &Ctx<'_>,
    from: &ExportedFrom,
    report: &mut VerifyReport,
) -> Option<Original> {
    let rel = layout::PROVENANCE_SEAL;
    // Missing: the members check said so.
    let bytes = ctx.read(rel, MAX_EVENT_FILE, report)?;
    let mut ok = true;
    let hash = sha256_hex(&bytes);
    if hash != from.seal_sha256 {
        report.findings.push(differs(
            rel,
            "not the original seal event the exporter named: its SHA-256 differs from exported_from.seal_sha256",
            &from.seal_sha256,
            hash,
        ));
        ok = false;
    }
    let event: CustodyEvent = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => {
            report
                .findings
                .push(finding(rel, format!("not a valid custody event: {e}")));
            return None;
        }
    };
    ok &= fields(&event, from, report);
    let Some(key_id) = event.actor.key_id.clone() else {
        report.findings.push(finding(
            rel,
            "the original's seal event names no key (actor.key_id): an unsigned seal proves nothing",
        ));
        return None;
    };
    let (keys, keys_ok) = members::keys(ctx, &key_id, report);
    let signer = signature(ctx, &bytes, &event, &key_id, keys, report);
    let signer = signer.filter(|_| ok && keys_ok)?;
    Some(Original {
        event,
        key_id,
        signer,
    })
}

/// The event is a seal (type, seq 1, no previous event) of the bundle
/// `exported_from` names, which is not this one.
fn fields(ev: &CustodyEvent, from: &ExportedFrom, report: &mut VerifyReport) -> bool {
    let rel = layout::PROVENANCE_SEAL;
    let mut found = Vec::new();
    let mut cmp = |what: &str, want: &str, got: &str| {
        if want != got {
            found.push(differs(
                rel,
                format!("{what} is not the original seal's"),
                want,
                got,
            ));
        }
    };
    cmp("type", CUSTODY_EVENT_TYPE, &ev.kind);
    cmp("seq", "1", &ev.seq.to_string());
    cmp("action", "seal", &ev.action);
    cmp("prev", "null", ev.prev.as_deref().unwrap_or("null"));
    cmp(
        "bundle_id (the exporter's exported_from.bundle_id)",
        &from.bundle_id,
        &ev.bundle_id,
    );
    if report.bundle_id.as_deref() == Some(ev.bundle_id.as_str()) {
        found.push(finding(
            rel,
            "the original's bundle id is this bundle's own: a bundle cannot be exported from itself",
        ));
    }
    let ok = found.is_empty();
    report.findings.extend(found);
    ok
}

/// Check the original seal's signature against the trust store with
/// `keys` as hints, at the seal's claimed time: it must be trusted, by the
/// key the event names, over the trusted comment of the original's bundle
/// and seq 1. Returns the proven identity (itself optional).
fn signature(
    ctx: &Ctx<'_>,
    bytes: &[u8],
    event: &CustodyEvent,
    key_id: &str,
    keys: Vec<(String, Vec<u8>)>,
    report: &mut VerifyReport,
) -> Option<Option<Party>> {
    let rel = layout::signature_name(layout::PROVENANCE_SEAL);
    let sig = ctx.read(&rel, MAX_KEY_FILE, report)?;
    let Some(v) = ctx.verifier else {
        report.findings.push(finding(
            &rel,
            "not checked: no trust store to check the original seal's signature against",
        ));
        return None;
    };
    match v.verify(bytes, &sig, &BundledKeys::new(keys), &event.time) {
        SignatureCheck::Trusted {
            key_id: signed_by,
            identity,
            trusted_comment: comment,
            ..
        } => {
            let mut ok = true;
            if signed_by != key_id {
                report.findings.push(differs(
                    &rel,
                    "the original seal is signed by another key than its actor's",
                    key_id,
                    &signed_by,
                ));
                ok = false;
            }
            let want = trusted_comment(&event.bundle_id, 1, &signed_by);
            if comment != want {
                report.findings.push(differs(
                    &rel,
                    "trusted comment does not name the original bundle, its seal and key",
                    want,
                    comment,
                ));
                ok = false;
            }
            ok.then(|| identity.map(|i| Party::naming(i.who())))
        }
        SignatureCheck::Untrusted {
            key_id: signed_by,
            reason,
            ..
        } => {
            report.findings.push(finding(
                &rel,
                format!(
                    "the original seal is signed by key {signed_by}, which the trust store does not trust ({reason}): nothing proves the disclosed files are what was sealed"
                ),
            ));
            None
        }
        SignatureCheck::Invalid { reason } => {
            report.findings.push(finding(
                &rel,
                format!("bad signature on the original seal: {reason}"),
            ));
            None
        }
    }
}
