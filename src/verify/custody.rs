//! The custody side of verification: events in sequence, hash-chained,
//! bound to the tag manifest, each with its signature; and the head.
//!
//! Events are read one at a time, each up to [`MAX_EVENT_FILE`], and in
//! total up to [`crate::model::MAX_EVENTS`] events and
//! [`crate::model::MAX_EVENT_BYTES`] bytes of events and signatures (the
//! same [`EventBudget`] `custody add` and `report` keep): past either, the
//! rest is not read and that is a finding. Only the parsed event is kept
//! (in its [`EventSummary`](super::EventSummary)); its bytes are dropped once hashed and checked.
//!
//! [`check`] is the list of phases: index `custody/` and `keys/`, each
//! event in order (`event`), the key files against the events (`keys`),
//! then the head.

mod event;
pub(super) mod keys;

use super::bag::{Bag, sha256_hex};
use super::{
    BundledKeys, Finding, FindingCode, MAX_EVENT_FILE, MAX_KEY_FILE, MAX_KEY_FILES_TOTAL,
    SignatureVerifier, VerifyOptions, VerifyReport,
};
use crate::bundle::DosTime;
use crate::bundle::{Archive, Entry, layout};
use crate::model::EventBudget;
use event::{check_name, check_signature, event_times, parse_event};
use keys::{check_key_file, issuing_roots, key_file_times, unused_keys};

/// Custody event members: (seq, action, member name), sorted.
type EventNames = Vec<(u64, String, String)>;
/// The modification time of each key file read (member name, time).
type KeyTimes = Vec<(String, DosTime)>;

/// What every event is checked against.
struct Context<'a> {
    archive: &'a Archive,
    bag: &'a Bag,
    /// Hex SHA-256 of tagmanifest-sha256.txt, when it was readable.
    tm_hash: Option<String>,
    verifier: Option<&'a dyn SignatureVerifier>,
    /// The keys and certificates of `keys/`.
    keys: &'a BundledKeys,
}

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
    let ctx = Context {
        archive,
        bag,
        tm_hash: tagmanifest.map(sha256_hex),
        verifier,
        keys: &keys,
    };
    check_events(&ctx, &events, report);
    let roots = issuing_roots(&keys, report);
    unused_keys(&keys, &roots, report);
    key_file_times(&key_times, &roots, report);
    check_head(opts, report);
}

/// One event's members: the event file and its signature.
struct EventFiles<'e> {
    seq: u64,
    action: &'e str,
    rel: &'e str,
    entry: Option<Entry>,
    sig_name: String,
    sig_entry: Option<Entry>,
}

impl EventFiles<'_> {
    /// Each member with its modification time, when it is there.
    fn modified(&self) -> [Option<(String, DosTime)>; 2] {
        [
            (self.rel.to_string(), &self.entry),
            (self.sig_name.clone(), &self.sig_entry),
        ]
        .map(|(n, e)| e.as_ref().map(|e| (n, e.modified)))
    }
}

/// Every event in order, each read within the budget, checked on its own
/// and chained to the one before; the last one read is the head.
fn check_events(ctx: &Context<'_>, events: &EventNames, report: &mut VerifyReport) {
    let mut prev: Option<String> = None;
    let mut budget = EventBudget::default();
    for (i, (seq, action, rel)) in events.iter().enumerate() {
        let want_seq = i as u64 + 1;
        check_name(report, rel, *seq, action, want_seq);
        let sig_name = layout::signature_name(rel);
        let files = EventFiles {
            seq: *seq,
            action,
            rel,
            entry: ctx.bag.get(ctx.archive, rel),
            sig_entry: ctx.bag.get(ctx.archive, &sig_name),
            sig_name,
        };
        let size = |e: &Option<Entry>| e.as_ref().map_or(0, |e| e.size);
        if let Err(over) = budget.admit(size(&files.entry), size(&files.sig_entry)) {
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
        let Some(bytes) = read_event(ctx.archive, &files, report) else {
            prev = None;
            continue;
        };
        let want_prev = match (want_seq, &prev) {
            (1, _) => "null".to_string(),
            (_, Some(p)) => p.clone(),
            (_, None) => "(unreadable previous event)".into(),
        };
        let this_hash = check_event(ctx, &files, &bytes, &want_prev, report);
        prev = Some(this_hash.clone());
        report.head = Some(this_hash);
    }
}

/// The bytes of the event of `files`; `None` when it cannot be read (an
/// `entry-data` finding).
fn read_event(
    archive: &Archive,
    files: &EventFiles<'_>,
    report: &mut VerifyReport,
) -> Option<Vec<u8>> {
    files
        .entry
        .as_ref()
        .ok_or_else(|| std::io::Error::other("member vanished"))
        .and_then(|e| archive.read_small(e, MAX_EVENT_FILE))
        .map_err(|err| {
            report.findings.push(Finding::new(
                FindingCode::EntryData,
                files.rel,
                format!("cannot read: {err}"),
            ));
        })
        .ok()
}

/// Check one event read whole (`bytes`, chained to `want_prev`) and its
/// signature, and add it to the report; returns its hex SHA-256.
fn check_event(
    ctx: &Context<'_>,
    files: &EventFiles<'_>,
    bytes: &[u8],
    want_prev: &str,
    report: &mut VerifyReport,
) -> String {
    let (seq, action, rel) = (files.seq, files.action, files.rel);
    let this_hash = sha256_hex(bytes);
    let mut summary = parse_event(report, rel, seq, action, bytes, want_prev, &ctx.tm_hash);
    summary.sha256 = this_hash.clone();
    let sig = files
        .sig_entry
        .as_ref()
        .map(|e| ctx.archive.read_small(e, MAX_KEY_FILE));
    check_signature(
        report,
        &files.sig_name,
        sig,
        ctx.verifier,
        ctx.keys,
        bytes,
        &mut summary,
    );
    event_times(report, rel, &summary.time, files.modified());
    report.events.push(summary);
    this_hash
}

/// The head against the one the sender announced, when given.
fn check_head(opts: &VerifyOptions, report: &mut VerifyReport) {
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
