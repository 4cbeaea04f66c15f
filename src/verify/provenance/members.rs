//! Which members `provenance/` holds: exactly those the contract names
//! for the kind of export the seal event claims (proofs, or a revealed
//! manifest), and under `provenance/keys/` exactly the original sealer's
//! public key, its certificate pair when there is one, and the key of the
//! root that issued that certificate, each in the strict form of `keys/`.

use super::{Ctx, finding};
use crate::bundle::layout;
use crate::model::disclosure::ExportedFrom;
use crate::verify::custody::keys::check_key_file;
use crate::verify::{Finding, FindingCode, MAX_KEY_FILE, VerifyReport};

/// The members outside `provenance/keys/`: the original's seal event and
/// signature always; proofs.json for an original with a commitment; its
/// manifest.json and tag manifest when revealed. Missing ones are
/// `provenance` findings, others `unexpected-file`.
pub(super) fn check(ctx: &Ctx<'_>, from: &ExportedFrom, report: &mut VerifyReport) -> bool {
    let revealed = from.manifest_revealed;
    let seal_sig = layout::signature_name(layout::PROVENANCE_SEAL);
    let wanted: [(&str, bool); 5] = [
        (layout::PROVENANCE_SEAL, true),
        (&seal_sig, true),
        (layout::PROVENANCE_PROOFS, !revealed),
        (layout::PROVENANCE_MANIFEST, revealed),
        (layout::PROVENANCE_TAGMANIFEST, revealed),
    ];
    let mut ok = true;
    for (rel, want) in wanted {
        match (want, ctx.has(rel)) {
            (true, false) => {
                report.findings.push(finding(
                    rel,
                    format!(
                        "missing: the seal event claims exported_from ({}), and such a bundle carries it",
                        kind(revealed)
                    ),
                ));
                ok = false;
            }
            (false, true) => {
                report.findings.push(Finding::new(
                    FindingCode::UnexpectedFile,
                    rel,
                    format!(
                        "not part of this export: the seal event's exported_from says {}",
                        kind(revealed)
                    ),
                ));
                ok = false;
            }
            _ => {}
        }
    }
    ok
}

/// What kind of export `manifest_revealed` makes.
fn kind(revealed: bool) -> &'static str {
    if revealed {
        "manifest_revealed: the original's manifest.json and tag manifest, no proofs"
    } else {
        "manifest_revealed false: one inclusion proof per file, no original manifest"
    }
}

/// The key files of `provenance/keys/` for an original sealed by `key_id`:
/// each read and checked for its form, the expected set complete, nothing
/// else there. Returns the files read (named as members) and whether all
/// held.
pub(super) fn keys(
    ctx: &Ctx<'_>,
    key_id: &str,
    report: &mut VerifyReport,
) -> (Vec<(String, Vec<u8>)>, bool) {
    let dir = &layout::provenance_name(layout::KEYS_DIR);
    let public = format!("{dir}{key_id}.pub");
    let cert = format!("{dir}{key_id}.cert.json");
    let cert_sig = layout::signature_name(&cert);
    let mut ok = true;
    let mut files = Vec::new();
    let mut tried = Vec::new();
    for rel in [&public, &cert, &cert_sig] {
        if ctx.has(rel) {
            tried.push(rel.clone());
            match read_key(ctx, rel, report) {
                Some(b) => files.push((rel.clone(), b)),
                None => ok = false,
            }
        }
    }
    if !ctx.has(&public) {
        report.findings.push(finding(
            &public,
            "missing: an exported bundle carries the original sealer's public key",
        ));
        ok = false;
    }
    if ctx.has(&cert) != ctx.has(&cert_sig) {
        let (there, absent) = if ctx.has(&cert) {
            (&cert, &cert_sig)
        } else {
            (&cert_sig, &cert)
        };
        report.findings.push(Finding::new(
            FindingCode::Keys,
            there,
            format!("a certificate and its signature travel together; {absent} is missing"),
        ));
        ok = false;
    }
    let root = issuer(&files, &cert).map(|r| format!("{dir}{r}.pub"));
    if let Some(root) = root.filter(|r| ctx.has(r) && *r != public) {
        tried.push(root.clone());
        match read_key(ctx, &root, report) {
            Some(b) => files.push((root, b)),
            None => ok = false,
        }
    }
    for rel in ctx.members.iter().filter(|m| m.starts_with(dir)) {
        if !tried.contains(rel) {
            report.findings.push(Finding::new(
                FindingCode::Keys,
                rel,
                "not the original sealer's key or certificate, nor the key of the root that certified it",
            ));
            ok = false;
        }
    }
    (files, ok)
}

/// The issuer of the certificate `cert` among `files`, when it parses.
fn issuer(files: &[(String, Vec<u8>)], cert: &str) -> Option<String> {
    let (_, b) = files.iter().find(|(n, _)| n == cert)?;
    let c = crate::sign::Certificate::parse(b).ok()?;
    Some(c.issuer_key_id.to_string())
}

/// Read one key file and check its form (`keys` findings); `None` when it
/// cannot be read or is not in the strict form.
fn read_key(ctx: &Ctx<'_>, rel: &str, report: &mut VerifyReport) -> Option<Vec<u8>> {
    let b = ctx.read(rel, MAX_KEY_FILE, report)?;
    let before = super::total(report);
    check_key_file(rel, &b, report);
    (super::total(report) == before).then_some(b)
}
