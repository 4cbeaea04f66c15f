//! The disclosure check (docs/verify-semantics.md, check 13): the seal
//! event's signed commitment equals what manifest.json's files commit to,
//! or neither has one (schema v1/v2). It runs after the custody pass,
//! which read the seal event.

use super::{Check, Finding, FindingCode, VerifyReport};
use crate::bundle::layout;
use crate::model::disclosure::DISCLOSURE_SCHEME;

/// Compare the seal's commitment with manifest.json's; mark the check run
/// when both were read.
pub(super) fn check(report: &mut VerifyReport) {
    report.findings.phase(Check::Disclosure);
    let seen = report.commitment.clone();
    let Some(seal) = report
        .events
        .first()
        .filter(|e| e.seq == 1)
        .and_then(|e| e.event.as_ref())
        .filter(|ev| ev.action == "seal")
    else {
        return;
    };
    if !seen.manifest_read {
        return;
    }
    let at = layout::event_name(1, "seal");
    let signed = seal.disclosure.clone();
    match (&signed, seen.salted) {
        (None, false) => {}
        (None, true) => report.findings.push(Finding::new(
            FindingCode::Disclosure,
            layout::MANIFEST_JSON,
            "manifest.json is schema evidentia/manifest/v3 (salted files) but the seal event carries no disclosure commitment",
        )),
        (Some(_), false) => report.findings.push(Finding::new(
            FindingCode::Disclosure,
            at.clone(),
            "the seal event carries a disclosure commitment but manifest.json's schema has no salts (only evidentia/manifest/v3 does)",
        )),
        (Some(c), true) if c.scheme != DISCLOSURE_SCHEME => report.findings.push(Finding::values(
            FindingCode::Disclosure,
            at.clone(),
            "unknown disclosure scheme",
            DISCLOSURE_SCHEME,
            &c.scheme,
        )),
        (Some(c), true) => {
            // A malformed salt was reported by the pass, and gave no root.
            if let Some(computed) = &seen.computed
                && computed != c
            {
                report.findings.push(Finding::values(
                    FindingCode::Disclosure,
                    at.clone(),
                    "manifest.json's files do not hash to the seal's disclosure commitment",
                    format!("{} leaves, root {}", c.leaves, c.root),
                    format!("{} leaves, root {}", computed.leaves, computed.root),
                ));
            }
        }
    }
    report.ran(Check::Disclosure);
}
