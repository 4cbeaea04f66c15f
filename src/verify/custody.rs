//! The custody side of verification: events in sequence, hash-chained,
//! bound to the tag manifest, each with its signature; and the head.

use super::bag::{Bag, sha256_hex};
use super::{
    BundledKeys, EventSummary, Finding, MAX_EVENT_FILE, MAX_KEY_FILE, MAX_KEY_FILES_TOTAL,
    SignatureCheck, SignatureVerifier, VerifyOptions, VerifyReport,
};
use crate::bundle::{Archive, layout, trusted_comment};
use crate::model::{CUSTODY_EVENT_TYPE, CustodyEvent};

/// Check the custody events of `bag` (see the module docs).
pub fn check(
    archive: &Archive,
    bag: &Bag,
    tagmanifest: Option<&[u8]>,
    opts: &VerifyOptions,
    verifier: Option<&dyn SignatureVerifier>,
    report: &mut VerifyReport,
) {
    let mut events = Vec::new();
    let mut keys = BundledKeys::default();
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
                    "unexpected-file",
                    rel,
                    "not a custody event or its signature",
                ));
            }
        } else if rel.starts_with(layout::KEYS_DIR) {
            let ok = rel.ends_with(".pub")
                || rel.ends_with(".cert.json")
                || rel.ends_with(".cert.json.minisig");
            if !ok {
                report.findings.push(Finding::new(
                    "unexpected-file",
                    rel,
                    "not a public key or key certificate",
                ));
            }
            if e.size <= MAX_KEY_FILE && key_bytes + e.size > MAX_KEY_FILES_TOTAL {
                report.findings.push(Finding::new(
                    "keys",
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
                }
                Err(err) => report.findings.push(Finding::new(
                    "entry-data",
                    rel,
                    format!("cannot read: {err}"),
                )),
            }
        }
    }
    events.sort();
    if events.is_empty() {
        report.findings.push(Finding::new(
            "custody",
            layout::event_name(1, "seal"),
            "no custody events: the seal event is missing",
        ));
        return;
    }
    let tm_hash = tagmanifest.map(sha256_hex);
    let mut prev: Option<String> = None;
    for (i, (seq, action, rel)) in events.iter().enumerate() {
        let want_seq = i as u64 + 1;
        if *seq != want_seq {
            report.findings.push(Finding::values(
                "custody",
                rel,
                "custody events out of sequence (one missing or extra)",
                want_seq.to_string(),
                seq.to_string(),
            ));
        }
        if want_seq == 1 && action != "seal" {
            report.findings.push(Finding::values(
                "custody",
                rel,
                "the first custody event must be the seal",
                "seal",
                action,
            ));
        }
        let Some(bytes) = bag
            .get(archive, rel)
            .ok_or_else(|| std::io::Error::other("member vanished"))
            .and_then(|e| archive.read_small(&e, MAX_EVENT_FILE))
            .map_err(|err| {
                report.findings.push(Finding::new(
                    "entry-data",
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
        let mut summary = EventSummary {
            seq: *seq,
            action: action.clone(),
            time: String::new(),
            key_id: None,
            signature: "missing".into(),
            trust: None,
            event: None,
            sha256: this_hash.clone(),
            signed_by: None,
            signer_identity: None,
            signer_kind: None,
            certified_identity: None,
        };
        match serde_json::from_slice::<CustodyEvent>(&bytes) {
            Err(e) => report.findings.push(Finding::new(
                "custody",
                rel,
                format!("not a valid custody event: {e}"),
            )),
            Ok(ev) => {
                summary.time = ev.time.clone();
                summary.key_id = ev.actor.key_id.clone();
                let mut cmp = |what: &str, want: String, got: String| {
                    if want != got {
                        report.findings.push(Finding::values(
                            "custody",
                            rel,
                            format!("{what} is wrong"),
                            want,
                            got,
                        ));
                    }
                };
                cmp("type", CUSTODY_EVENT_TYPE.into(), ev.kind.clone());
                cmp("seq", seq.to_string(), ev.seq.to_string());
                cmp("action", action.clone(), ev.action.clone());
                if let Some(id) = &report.bundle_id.clone() {
                    cmp("bundle_id", id.clone(), ev.bundle_id.clone());
                }
                let want_prev = if want_seq == 1 {
                    "null".to_string()
                } else {
                    prev.clone()
                        .unwrap_or_else(|| "(unreadable previous event)".into())
                };
                cmp(
                    "prev",
                    want_prev,
                    ev.prev.clone().unwrap_or_else(|| "null".into()),
                );
                if let Some(h) = &tm_hash {
                    cmp(
                        "tagmanifest_sha256",
                        h.clone(),
                        ev.tagmanifest_sha256.clone(),
                    );
                }
                summary.event = Some(ev);
            }
        }
        let sig_name = layout::signature_name(rel);
        match bag.get(archive, &sig_name) {
            None => report.findings.push(Finding::new(
                "signature",
                &sig_name,
                "custody event is not signed (signature file missing)",
            )),
            Some(se) => match (archive.read_small(&se, MAX_KEY_FILE), verifier) {
                (Err(err), _) => report.findings.push(Finding::new(
                    "entry-data",
                    &sig_name,
                    format!("cannot read: {err}"),
                )),
                (Ok(_), None) => summary.signature = "not-checked".into(),
                (Ok(sig), Some(v)) => match v.verify(&bytes, &sig, &keys, &summary.time) {
                    SignatureCheck::Trusted {
                        key_id,
                        signer,
                        trust_path,
                        trusted_comment,
                        identity,
                        kind,
                    } => {
                        summary.signature = "trusted".into();
                        summary.signed_by = Some(key_id.clone());
                        super::identity::record_signer(&mut summary, identity, kind);
                        summary.trust = Some(format!("{signer} ({key_id}), {trust_path}"));
                        bind(report, &sig_name, *seq, &summary, &key_id, &trusted_comment);
                    }
                    SignatureCheck::Untrusted {
                        key_id,
                        reason,
                        trusted_comment,
                    } => {
                        summary.signature = "untrusted".into();
                        summary.signed_by = Some(key_id.clone());
                        bind(report, &sig_name, *seq, &summary, &key_id, &trusted_comment);
                        report.findings.push(Finding::new(
                            "signature",
                            &sig_name,
                            format!("valid signature by untrusted key {key_id}: {reason}"),
                        ));
                    }
                    SignatureCheck::Invalid { reason } => {
                        summary.signature = "invalid".into();
                        report.findings.push(Finding::new(
                            "signature",
                            &sig_name,
                            format!("bad signature: {reason}"),
                        ));
                    }
                },
            },
        }
        report.events.push(summary);
        prev = Some(this_hash.clone());
        report.head = Some(this_hash);
    }
    if let Some(want) = &opts.expect_head {
        let got = report.head.clone().unwrap_or_default();
        if !want.eq_ignore_ascii_case(&got) {
            report.findings.push(Finding::values(
                "head",
                layout::CUSTODY_DIR,
                "custody head differs from the expected one (events cut off or replaced)",
                want.to_ascii_lowercase(),
                got,
            ));
        }
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
            "signature",
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
            "signature",
            sig_name,
            "trusted comment does not name this bundle, event and key",
            want,
            comment,
        ));
    }
}

/// `keys/<KEYID>.pub` must hold the key its name says: key files are
/// hints for finding a key, and a swapped one must not go unnoticed.
fn check_key_file(rel: &str, bytes: &[u8], report: &mut VerifyReport) {
    let Some(named) = rel
        .strip_prefix(layout::KEYS_DIR)
        .and_then(|r| r.strip_suffix(".pub"))
    else {
        return;
    };
    match crate::sign::pubfile::parse_any_public_key(bytes) {
        Ok(k) => {
            let actual = crate::sign::KeyId::derive(&k.public_key).to_string();
            if actual != named {
                report.findings.push(Finding::values(
                    "keys",
                    rel,
                    "public key file holds another key than its name says",
                    named,
                    actual,
                ));
            }
        }
        Err(e) => report
            .findings
            .push(Finding::new("keys", rel, format!("not a public key: {e}"))),
    }
}
