//! Entry modification times. evidentia writes every entry with one DOS
//! date and time, known from what the entries themselves say: `seal`
//! writes the bag with manifest.json's `sealed`, and `custody add` writes
//! an event, its signature and the key files it brings with the event's
//! `time`. Any other time is a byte nobody checked that `unzip` restores
//! (a back-dated file on the examiner's disk): a `container` finding.
//! Times are compared as encoded (DOS keeps even seconds, from 1980).

use crate::bundle::{DosTime, Entry};
use crate::verify::{Finding, FindingCode, VerifyReport};

/// The DOS time evidentia writes for the RFC 3339 time `text`, or `None`
/// when it does not parse.
pub(in crate::verify) fn dos_time(text: &str) -> Option<DosTime> {
    crate::model::parse_rfc3339(text)
        .ok()
        .map(DosTime::from_unix)
}

/// A `container` finding for `rel` when its time is not `want`; `what`
/// names the time it must carry.
pub(in crate::verify) fn expect(
    report: &mut VerifyReport,
    rel: &str,
    modified: DosTime,
    want: DosTime,
    what: &str,
) {
    if modified != want {
        report.findings.push(Finding::values(
            FindingCode::Container,
            rel,
            format!("modification time is not {what}"),
            want.to_string(),
            modified.to_string(),
        ));
    }
}

/// A `container` finding for `rel`, whose time could not be checked
/// because the time it must carry (`what`, `text`) does not parse.
pub(in crate::verify) fn unchecked(report: &mut VerifyReport, rel: &str, what: &str, text: &str) {
    report.findings.push(Finding::new(
        FindingCode::Container,
        rel,
        format!("modification time not checked: {what} {text:?} is not an RFC 3339 time"),
    ));
}

/// Every bag member outside `custody/` and `keys/` carries the seal time
/// (manifest.json's `sealed`).
pub(in crate::verify) fn bag_files(
    members: impl Iterator<Item = (String, Entry)>,
    sealed: &str,
    report: &mut VerifyReport,
) {
    use crate::bundle::layout::{CUSTODY_DIR, KEYS_DIR, MANIFEST_JSON};
    let Some(want) = dos_time(sealed) else {
        // One finding, not one per file: none of them was checked.
        return unchecked(report, MANIFEST_JSON, "manifest.json's sealed", sealed);
    };
    for (rel, e) in members {
        if !(rel.starts_with(CUSTODY_DIR) || rel.starts_with(KEYS_DIR)) {
            expect(report, &rel, e.modified, want, "the seal time");
        }
    }
}
