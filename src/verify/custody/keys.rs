//! The key files of `keys/`: each exactly the key or certificate its name
//! says, in the form evidentia writes; only those of the events' signers
//! and of the roots that certified them; each carrying the time of an
//! event signed with its key.

use super::KeyTimes;
use crate::bundle::layout;
use crate::verify::bag::times::{self, dos_time};
use crate::verify::{BundledKeys, Finding, FindingCode, VerifyReport};

/// (root key id, signer key id) for every signer whose bundled
/// certificate (`keys/<KEYID>.cert.json`) names that root as its issuer.
pub(super) type IssuingRoots = Vec<(String, String)>;

/// The roots that issued the events' signers' bundled certificates: their
/// public keys may travel in `keys/` (`keys/<ROOTID>.pub`) so that a court
/// can check the certificates with stock tools. A certificate that does
/// not parse names no root (that is its own `keys` finding).
pub(super) fn issuing_roots(keys: &BundledKeys, report: &VerifyReport) -> IssuingRoots {
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
pub(super) fn unused_keys(keys: &BundledKeys, roots: &IssuingRoots, report: &mut VerifyReport) {
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

/// A key file carries the time of an event signed with its key (the one
/// that brought it: `custody add` writes a key and a certificate with the
/// event that first needed them). A file no event's key names is already
/// a `keys` finding.
pub(super) fn key_file_times(
    key_times: &KeyTimes,
    roots: &IssuingRoots,
    report: &mut VerifyReport,
) {
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
///
/// The same rules hold in a derived bundle's `provenance/keys/`.
pub(in crate::verify) fn check_key_file(rel: &str, bytes: &[u8], report: &mut VerifyReport) {
    let Some(name) = rel.strip_prefix(layout::KEYS_DIR).or_else(|| {
        rel.strip_prefix(layout::PROVENANCE_DIR)?
            .strip_prefix(layout::KEYS_DIR)
    }) else {
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
