//! One custody event on its own: its name (numbered in sequence, the
//! first a seal), its fields (type, seq, action, bundle, chain link, tag
//! manifest), its signature and who made it, and the time its members
//! carry.

use crate::bundle::{DosTime, trusted_comment};
use crate::model::{CUSTODY_EVENT_TYPE, CustodyEvent};
use crate::verify::bag::times::{self, dos_time};
use crate::verify::{
    BundledKeys, EventSummary, Finding, FindingCode, SignatureCheck, SignatureState,
    SignatureVerifier, VerifyReport,
};

/// Event numbers run 1, 2, ... and event 1 is the seal.
pub(super) fn check_name(
    report: &mut VerifyReport,
    rel: &str,
    seq: u64,
    action: &str,
    want_seq: u64,
) {
    if seq != want_seq {
        report.findings.push(Finding::values(
            FindingCode::Custody,
            rel,
            "custody events out of sequence (one missing or extra)",
            want_seq.to_string(),
            seq.to_string(),
        ));
    }
    if want_seq == 1 && action != "seal" {
        report.findings.push(Finding::values(
            FindingCode::Custody,
            rel,
            "the first custody event must be the seal",
            "seal",
            action,
        ));
    }
}

/// Parse one event and check it on its own: type, seq, action, bundle,
/// chain link and tag manifest.
pub(super) fn parse_event(
    report: &mut VerifyReport,
    rel: &str,
    seq: u64,
    action: &str,
    bytes: &[u8],
    want_prev: &str,
    tm_hash: &Option<String>,
) -> EventSummary {
    let mut summary = EventSummary {
        seq,
        action: action.to_string(),
        time: String::new(),
        key_id: None,
        signature: SignatureState::Missing,
        trust: None,
        event: None,
        sha256: String::new(),
        signed_by: None,
        signer_identity: None,
        signer_kind: None,
        certified_identity: None,
    };
    let ev = match serde_json::from_slice::<CustodyEvent>(bytes) {
        Ok(ev) => ev,
        Err(e) => {
            report.findings.push(Finding::new(
                FindingCode::Custody,
                rel,
                format!("not a valid custody event: {e}"),
            ));
            return summary;
        }
    };
    summary.time = ev.time.clone();
    summary.key_id = ev.actor.key_id.clone();
    let bundle_id = report.bundle_id.clone();
    let mut cmp = |what: &str, want: &str, got: &str| {
        if want != got {
            report.findings.push(Finding::values(
                FindingCode::Custody,
                rel,
                format!("{what} is wrong"),
                want,
                got,
            ));
        }
    };
    cmp("type", CUSTODY_EVENT_TYPE, &ev.kind);
    cmp("seq", &seq.to_string(), &ev.seq.to_string());
    cmp("action", action, &ev.action);
    if let Some(id) = &bundle_id {
        cmp("bundle_id", id, &ev.bundle_id);
    }
    cmp("prev", want_prev, ev.prev.as_deref().unwrap_or("null"));
    if let Some(h) = tm_hash {
        cmp("tagmanifest_sha256", h, &ev.tagmanifest_sha256);
    }
    summary.event = Some(ev);
    summary
}

/// Check the event's signature (read from `sig`, `None` when missing)
/// and record who signed it in `summary`.
pub(super) fn check_signature(
    report: &mut VerifyReport,
    sig_name: &str,
    sig: Option<std::io::Result<Vec<u8>>>,
    verifier: Option<&dyn SignatureVerifier>,
    keys: &BundledKeys,
    bytes: &[u8],
    summary: &mut EventSummary,
) {
    let seq = summary.seq;
    match (sig, verifier) {
        (None, _) => report.findings.push(Finding::new(
            FindingCode::Signature,
            sig_name,
            "custody event is not signed (signature file missing)",
        )),
        (Some(Err(err)), _) => report.findings.push(Finding::new(
            FindingCode::EntryData,
            sig_name,
            format!("cannot read: {err}"),
        )),
        (Some(Ok(_)), None) => summary.signature = SignatureState::NotChecked,
        (Some(Ok(sig)), Some(v)) => match v.verify(bytes, &sig, keys, &summary.time) {
            SignatureCheck::Trusted {
                key_id,
                signer,
                trust_path,
                trusted_comment,
                identity,
                kind,
            } => {
                summary.signature = SignatureState::Trusted;
                summary.signed_by = Some(key_id.clone());
                crate::verify::record_signer(summary, identity, kind);
                summary.trust = Some(format!("{signer} ({key_id}), {trust_path}"));
                bind(report, sig_name, seq, summary, &key_id, &trusted_comment);
            }
            SignatureCheck::Untrusted {
                key_id,
                reason,
                trusted_comment,
            } => {
                summary.signature = SignatureState::Untrusted;
                summary.signed_by = Some(key_id.clone());
                bind(report, sig_name, seq, summary, &key_id, &trusted_comment);
                report.findings.push(Finding::new(
                    FindingCode::Signature,
                    sig_name,
                    format!("valid signature by untrusted key {key_id}: {reason}"),
                ));
            }
            SignatureCheck::Invalid { reason } => {
                summary.signature = SignatureState::Invalid;
                report.findings.push(Finding::new(
                    FindingCode::Signature,
                    sig_name,
                    format!("bad signature: {reason}"),
                ));
            }
        },
    }
}

/// A valid signature must be by the key the event names, over a trusted
/// comment naming this bundle, sequence number and key: otherwise a
/// signature could be moved from another event or bundle.
fn bind(
    report: &mut VerifyReport,
    sig_name: &str,
    seq: u64,
    summary: &EventSummary,
    key_id: &str,
    comment: &str,
) {
    if summary.key_id.as_deref() != Some(key_id) {
        report.findings.push(Finding::values(
            FindingCode::Signature,
            sig_name,
            "signed by another key than the event's actor",
            summary.key_id.clone().unwrap_or_else(|| "null".into()),
            key_id,
        ));
    }
    // Without a readable manifest.json the bundle id is unknown, which is
    // a finding of its own; comparing with no id would only add noise.
    let Some(id) = report.bundle_id.clone() else {
        return;
    };
    let want = trusted_comment(&id, seq, key_id);
    if comment != want {
        report.findings.push(Finding::values(
            FindingCode::Signature,
            sig_name,
            "trusted comment does not name this bundle, event and key",
            want,
            comment,
        ));
    }
}

/// An event and its signature carry the event's time (`custody add`
/// writes them with it).
pub(super) fn event_times(
    report: &mut VerifyReport,
    rel: &str,
    time: &str,
    members: [Option<(String, DosTime)>; 2],
) {
    if time.is_empty() {
        return; // The event did not parse: that is its finding.
    }
    let Some(want) = dos_time(time) else {
        return times::unchecked(report, rel, "the event's time", time);
    };
    for (name, modified) in members.into_iter().flatten() {
        times::expect(report, &name, modified, want, "the event's time");
    }
}
