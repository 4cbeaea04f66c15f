//! The custody side of verification: events in sequence, hash-chained,
//! bound to the tag manifest, each with its signature; and the head.
//!
//! Events are read one at a time, each up to [`MAX_EVENT_FILE`], and in
//! total up to [`crate::model::MAX_EVENTS`] events and
//! [`crate::model::MAX_EVENT_BYTES`] bytes of events and signatures (the
//! same [`EventBudget`] `custody add` and `report` keep): past either, the
//! rest is not read and that is a finding. Only the parsed event is kept
//! (in its [`EventSummary`]); its bytes are dropped once hashed and checked.

use super::bag::times::{self, dos_time};
use super::bag::{Bag, sha256_hex};
use super::{
    BundledKeys, EventSummary, Finding, FindingCode, MAX_EVENT_FILE, MAX_KEY_FILE,
    MAX_KEY_FILES_TOTAL, SignatureCheck, SignatureState, SignatureVerifier, VerifyOptions,
    VerifyReport,
};
use crate::bundle::DosTime;
use crate::bundle::{Archive, Entry, layout, trusted_comment};
use crate::model::{CUSTODY_EVENT_TYPE, CustodyEvent, EventBudget};

/// Custody event members: (seq, action, member name), sorted.
type EventNames = Vec<(u64, String, String)>;
/// The modification time of each key file read (member name, time).
type KeyTimes = Vec<(String, DosTime)>;

/// Check the custody events of `bag` (see the module docs).
pub fn check(
    archive: &Archive,
    bag: &Bag,
    tagmanifest: Option<&[u8]>,
    opts: &VerifyOptions,
    verifier: Option<&dyn SignatureVerifier>,
    report: &mut VerifyReport,
) {
    let (events, keys, key_times) = index(archive, bag, report);
    if events.is_empty() {
        report.findings.push(Finding::new(
            FindingCode::Custody,
            layout::event_name(1, "seal"),
            "no custody events: the seal event is missing",
        ));
        return;
    }
    let tm_hash = tagmanifest.map(sha256_hex);
    let mut prev: Option<String> = None;
    let mut budget = EventBudget::default();
    for (i, (seq, action, rel)) in events.iter().enumerate() {
        let want_seq = i as u64 + 1;
        check_name(report, rel, *seq, action, want_seq);
        let entry = bag.get(archive, rel);
        let sig_name = layout::signature_name(rel);
        let sig_entry = bag.get(archive, &sig_name);
        let size = |e: &Option<Entry>| e.as_ref().map_or(0, |e| e.size);
        let modified = [(rel.clone(), &entry), (sig_name.clone(), &sig_entry)]
            .map(|(n, e)| e.as_ref().map(|e| (n, e.modified)));
        if let Err(over) = budget.admit(size(&entry), size(&sig_entry)) {
            report.findings.push(Finding::new(
                FindingCode::Custody,
                rel,
                format!(
                    "not read: {over}; this event and the {} after it were not checked",
                    events.len() - i - 1
                ),
            ));
            break;
        }
        let Some(bytes) = entry
            .ok_or_else(|| std::io::Error::other("member vanished"))
            .and_then(|e| archive.read_small(&e, MAX_EVENT_FILE))
            .map_err(|err| {
                report.findings.push(Finding::new(
                    FindingCode::EntryData,
                    rel,
                    format!("cannot read: {err}"),
                ));
            })
            .ok()
        else {
            prev = None;
            continue;
        };
        let this_hash = sha256_hex(&bytes);
        let want_prev = match (want_seq, &prev) {
            (1, _) => "null".to_string(),
            (_, Some(p)) => p.clone(),
            (_, None) => "(unreadable previous event)".into(),
        };
        let mut summary = parse_event(report, rel, *seq, action, &bytes, &want_prev, &tm_hash);
        summary.sha256 = this_hash.clone();
        let sig = sig_entry.map(|e| archive.read_small(&e, MAX_KEY_FILE));
        check_signature(
            report,
            &sig_name,
            sig,
            verifier,
            &keys,
            &bytes,
            &mut summary,
        );
        event_times(report, rel, &summary.time, modified);
        report.events.push(summary);
        prev = Some(this_hash.clone());
        report.head = Some(this_hash);
    }
    let roots = issuing_roots(&keys, report);
    unused_keys(&keys, &roots, report);
    key_file_times(&key_times, &roots, report);
    if let Some(want) = &opts.expect_head {
        let got = report.head.clone().unwrap_or_default();
        if !want.eq_ignore_ascii_case(&got) {
            report.findings.push(Finding::values(
                FindingCode::Head,
                layout::CUSTODY_DIR,
                "custody head differs from the expected one (events cut off or replaced)",
                want.to_ascii_lowercase(),
                got,
            ));
        }
    }
}

/// An event and its signature carry the event's time (`custody add`
/// writes them with it).
fn event_times(
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

/// A key file carries the time of an event signed with its key (the one
/// that brought it: `custody add` writes a key and a certificate with the
/// event that first needed them). A file no event's key names is already
/// a `keys` finding.
fn key_file_times(key_times: &KeyTimes, roots: &IssuingRoots, report: &mut VerifyReport) {
    for (rel, modified) in key_times {
        let id = rel
            .strip_prefix(layout::KEYS_DIR)
            .and_then(|n| n.split('.').next())
            .unwrap_or_default();
        let is_pub = *rel == layout::public_key_name(id);
        let mut wanted = report
            .events
            .iter()
            .filter(|e| {
                e.key_id.as_deref() == Some(id)
                    || (is_pub
                        && roots
                            .iter()
                            .any(|(r, s)| r == id && e.key_id.as_ref() == Some(s)))
            })
            .filter_map(|e| dos_time(&e.time))
            .peekable();
        let Some(first) = wanted.peek().copied() else {
            continue;
        };
        if !wanted.any(|t| t == *modified) {
            times::expect(
                report,
                rel,
                *modified,
                first,
                "the time of any event signed with its key (or, for a root's key, with a key it certified)",
            );
        }
    }
}

/// (root key id, signer key id) for every signer whose bundled
/// certificate (`keys/<KEYID>.cert.json`) names that root as its issuer.
type IssuingRoots = Vec<(String, String)>;

/// The roots that issued the events' signers' bundled certificates: their
/// public keys may travel in `keys/` (`keys/<ROOTID>.pub`) so that a court
/// can check the certificates with stock tools. A certificate that does
/// not parse names no root (that is its own `keys` finding).
fn issuing_roots(keys: &BundledKeys, report: &VerifyReport) -> IssuingRoots {
    let mut roots = IssuingRoots::new();
    for e in &report.events {
        let Some(signer) = &e.key_id else { continue };
        let cert = layout::certificate_name(signer);
        let parsed = keys
            .files
            .iter()
            .find(|(rel, _)| *rel == cert)
            .and_then(|(_, b)| crate::sign::Certificate::parse(b).ok());
        if let Some(c) = parsed {
            let pair = (c.issuer_key_id.to_string(), signer.clone());
            if !roots.contains(&pair) {
                roots.push(pair);
            }
        }
    }
    roots
}

/// `keys/` holds the keys and certificates of the events' signers, and
/// the public keys of the roots that issued those certificates, and
/// nothing else: it is not covered by the tag manifest, so any other key
/// file (a self-made key naming a judge, say) would ride along in a
/// VERIFIED bundle for other tools to extract and show.
fn unused_keys(keys: &BundledKeys, roots: &IssuingRoots, report: &mut VerifyReport) {
    for (rel, _) in &keys.files {
        let id = rel
            .strip_prefix(layout::KEYS_DIR)
            .and_then(|n| n.split('.').next())
            .unwrap_or_default();
        let signer = report
            .events
            .iter()
            .any(|e| e.key_id.as_deref() == Some(id));
        let root = *rel == layout::public_key_name(id) && roots.iter().any(|(r, _)| r == id);
        if !signer && !root {
            report.findings.push(Finding::new(
                FindingCode::Keys,
                rel,
                "not the key or certificate of any custody event's signer, nor the key of the root that certified one",
            ));
        }
    }
}

/// The custody event members (sorted) and the bundled keys; every other
/// member of `custody/` or `keys/` is a finding.
fn index(
    archive: &Archive,
    bag: &Bag,
    report: &mut VerifyReport,
) -> (EventNames, BundledKeys, KeyTimes) {
    let mut events = Vec::new();
    let mut keys = BundledKeys::default();
    let mut key_times = Vec::new();
    let mut key_bytes = 0u64;
    for (rel, e) in bag.members(archive) {
        let rel = rel.as_str();
        if rel.starts_with(layout::CUSTODY_DIR) {
            if let Some((seq, action)) = layout::parse_event_name(rel) {
                events.push((seq, action.to_string(), rel.to_string()));
            } else if rel.strip_suffix(layout::MINISIG_SUFFIX).is_none_or(|ev| {
                layout::parse_event_name(ev).is_none() || !bag.contains(archive, ev)
            }) {
                report.findings.push(Finding::new(
                    FindingCode::UnexpectedFile,
                    rel,
                    "not a custody event or its signature",
                ));
            }
        } else if rel.starts_with(layout::KEYS_DIR) {
            // A certificate's signature only beside its certificate.
            let ok = rel.ends_with(".pub")
                || rel.ends_with(".cert.json")
                || rel
                    .strip_suffix(layout::MINISIG_SUFFIX)
                    .is_some_and(|c| c.ends_with(".cert.json") && bag.contains(archive, c));
            if !ok {
                report.findings.push(Finding::new(
                    FindingCode::UnexpectedFile,
                    rel,
                    "not a public key or key certificate",
                ));
            }
            if e.size <= MAX_KEY_FILE && key_bytes + e.size > MAX_KEY_FILES_TOTAL {
                report.findings.push(Finding::new(
                    FindingCode::Keys,
                    rel,
                    format!(
                        "not read: keys/ holds more than {MAX_KEY_FILES_TOTAL} bytes of key files (a bundle needs one key and certificate per signer)"
                    ),
                ));
                continue;
            }
            match archive.read_small(&e, MAX_KEY_FILE) {
                Ok(b) => {
                    key_bytes += b.len() as u64;
                    check_key_file(rel, &b, report);
                    keys.files.push((rel.to_string(), b));
                    key_times.push((rel.to_string(), e.modified));
                }
                Err(err) => report.findings.push(Finding::new(
                    FindingCode::EntryData,
                    rel,
                    format!("cannot read: {err}"),
                )),
            }
        }
    }
    events.sort();
    (events, keys, key_times)
}

/// Event numbers run 1, 2, ... and event 1 is the seal.
fn check_name(report: &mut VerifyReport, rel: &str, seq: u64, action: &str, want_seq: u64) {
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
fn parse_event(
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
fn check_signature(
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
                super::identity::record_signer(summary, identity, kind);
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

/// `keys/<KEYID>.pub` must hold the key its name says, and
/// `keys/<KEYID>.cert.json` a certificate for that key (with a minisign
/// signature beside it): key files are hints for finding a key, and a
/// swapped one, or a file that only pretends to be one, must not go
/// unnoticed. Nothing else may ride in `keys/` under these names (it is not
/// covered by the tag manifest, and other tools extract it).
///
/// Each must also be exactly in the form evidentia writes (a minisign
/// public key file whose key number is the id's, a pretty-printed
/// certificate, a minisign signature file): a court checks them with
/// stock tools (docs/verify-without-evidentia.md), and a file evidentia
/// reads one way and those tools another, or not at all, would make the
/// two verdicts differ.
fn check_key_file(rel: &str, bytes: &[u8], report: &mut VerifyReport) {
    let Some(name) = rel.strip_prefix(layout::KEYS_DIR) else {
        return;
    };
    let parsed = if let Some(named) = name.strip_suffix(".pub") {
        crate::sign::MinisignPublicKey::parse(bytes)
            .map(|k| {
                let id = crate::sign::KeyId::derive(&k.public_key);
                let exact = crate::sign::MinisignPublicKey {
                    keynum: id.keynum(),
                    ..k
                };
                (named, id.to_string(), exact.to_bytes())
            })
            .map_err(|e| format!("not a public key: {e}"))
    } else if let Some(named) = name.strip_suffix(".cert.json") {
        crate::sign::Certificate::parse(bytes)
            .map(|c| {
                let mut exact = serde_json::to_vec_pretty(&c).unwrap_or_default();
                exact.push(b'\n');
                (named, c.key_id.to_string(), exact)
            })
            .map_err(|e| format!("not a key certificate: {e}"))
    } else {
        match crate::sign::MinisignSignature::parse(bytes) {
            Err(e) => report.findings.push(Finding::new(
                FindingCode::Keys,
                rel,
                format!("not a certificate signature: {e}"),
            )),
            Ok(s) if s.to_bytes() != bytes => not_exact(rel, "minisign signature file", report),
            Ok(_) => {}
        }
        return;
    };
    match parsed {
        Ok((named, actual, _)) if actual != named => report.findings.push(Finding::values(
            FindingCode::Keys,
            rel,
            "key file is for another key than its name says",
            named,
            actual,
        )),
        Ok((_, _, exact)) if exact != bytes => {
            let what = if rel.ends_with(".pub") {
                "minisign public key file (with the key number of its key id)"
            } else {
                "pretty-printed certificate"
            };
            not_exact(rel, what, report);
        }
        Ok(_) => {}
        Err(msg) => report
            .findings
            .push(Finding::new(FindingCode::Keys, rel, msg)),
    }
}

/// A key file that parses, but not in the exact form evidentia writes.
fn not_exact(rel: &str, what: &str, report: &mut VerifyReport) {
    report.findings.push(Finding::new(
        FindingCode::Keys,
        rel,
        format!(
            "not exactly the {what} evidentia writes: stock tools (minisign, the commands of docs/verify-without-evidentia.md) would read it differently or refuse it"
        ),
    ));
}
