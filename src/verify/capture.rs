//! The captures check: every traffic capture `manifest.json` lists
//! (`evidentia capture`, sealed from its directory) is walked as a keyless
//! attacker would have left it. Its signed end record (`capture.json`)
//! fixes the number of segments, the chain's head and the totals; each
//! segment record, signed, fixes its pcap (hashes, size, packets, bytes,
//! first and last packet, link type) and its flows file, and names the
//! record before it by SHA-256. So a segment removed, added, reordered,
//! edited or re-signed by an untrusted key, a file swapped under a
//! record, and payload bytes in a headers-only capture are findings
//! (code `capture`), each naming the bag path and what differs.
//!
//! Invariants:
//! - Fail closed: the check is marked run only when manifest.json was read
//!   and every capture was read to its end with a trust store to judge
//!   its signatures (none to check: it passes trivially).
//! - The bag paths of the entry are recomputed from the capture's
//!   directory and compared, never followed elsewhere; the capture's
//!   `segments/` and `keys/` hold exactly what is listed, and its
//!   directory nothing else but `capture.json`, its signature and the
//!   meta file the records commit to.
//! - Records and key files are read within fixed caps; pcaps and flows
//!   files are streamed from the zip, never held.
//! - What a report may show of a capture ([`CaptureProven`]) is filled
//!   only for a capture that made no finding.

mod keys;
mod packets;
mod segment;
#[cfg(test)]
mod tests;

use super::bag::{Bag, data_error};
use super::{Check, Finding, FindingCode, SignatureCheck, SignatureVerifier, VerifyReport};
use crate::bundle::{Archive, Entry};
use crate::model::capture::{
    CAPTURE_FILE, CAPTURE_SCHEMA, CaptureRecord, CaptureSource, ChainLink, Closed, Drops, KEYS_DIR,
    PacketTime, SEGMENTS_DIR, Scope, end_comment, segment_names,
};
use crate::model::{CaptureEntry, FileEntry, MAX_CAPTURE_RECORD, META_FILES, Manifest};
use serde::Serialize;
use std::collections::BTreeMap;

/// A capture as verify proved it: only for a capture that made no
/// finding, from its signed records and the packets themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureProven {
    /// The case item (manifest.json's entry).
    pub item: String,
    /// The capture's id.
    pub capture_id: String,
    /// The legal scope, as signed.
    pub scope: Scope,
    /// The source, as signed.
    pub source: CaptureSource,
    /// When it started (the capturing clock).
    pub started: PacketTime,
    /// When it ended.
    pub ended: PacketTime,
    /// How it ended.
    pub ended_by: Closed,
    /// Whether `capture --recover` closed it.
    pub recovered: bool,
    /// The error that ended it, when it ended by one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Packets, captured and original bytes over every segment.
    pub packets: u64,
    /// Sum of captured lengths.
    pub captured_bytes: u64,
    /// Sum of original lengths.
    pub original_bytes: u64,
    /// Kernel and interface drops.
    pub drops: Drops,
    /// Who signed `capture.json`: a proven identity, or the key id with
    /// "no certified identity".
    pub signer: String,
    /// Each segment, in order.
    pub segments: Vec<SegmentProven>,
}

/// One segment as proven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentProven {
    /// Its sequence number.
    pub sequence: u64,
    /// First and last packet (none in an empty segment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_packet: Option<PacketTime>,
    /// Last packet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_packet: Option<PacketTime>,
    /// Packets in it.
    pub packets: u64,
    /// Captured bytes.
    pub captured_bytes: u64,
    /// Original bytes.
    pub original_bytes: u64,
    /// Drops while it was open.
    pub drops: Drops,
    /// Why it closed.
    pub closed_by: Closed,
}

/// What every capture is checked against.
pub(super) struct Inputs<'a> {
    /// The bundle.
    pub archive: &'a Archive,
    /// Its bag.
    pub bag: &'a Bag,
    /// manifest.json's entries of the capture pcaps (whose hashes the
    /// payload check compared with the bytes), by bag path.
    pub files: &'a BTreeMap<String, FileEntry>,
    /// The trust store.
    pub verifier: Option<&'a dyn SignatureVerifier>,
}

/// The bag paths manifest.json's entries of the captures must be kept
/// for (the pcaps).
pub(super) fn wanted(m: &Manifest) -> impl Iterator<Item = &String> {
    m.captures
        .iter()
        .flat_map(|c| c.segments.iter().map(|s| &s.pcap))
}

/// Check every capture of `m` (see the module docs).
pub(super) fn check(inputs: &Inputs<'_>, m: &Manifest, report: &mut VerifyReport) {
    report.findings.phase(Check::Captures);
    let bundle_keys = keys::bundle_keys(inputs);
    let mut complete = m.captures.is_empty() || inputs.verifier.is_some();
    let mut seen = std::collections::BTreeSet::new();
    for (i, entry) in m.captures.iter().enumerate() {
        let mut one = One {
            inputs,
            entry,
            here: format!("manifest.json captures[{i}]"),
            dir: String::new(),
            findings: Vec::new(),
            complete: true,
        };
        if !seen.insert(entry.record.as_str()) {
            one.note(&one.here.clone(), "lists a capture directory listed before");
        }
        let proven = one.run(&bundle_keys);
        complete &= one.complete;
        match (proven, one.findings.is_empty()) {
            (Some(p), true) => report.captures.push(p),
            _ => {
                for f in one.findings {
                    report.findings.push(f);
                }
            }
        }
    }
    if complete {
        report.ran(Check::Captures);
    }
}

/// One capture under check.
struct One<'a, 'i> {
    inputs: &'a Inputs<'i>,
    entry: &'a CaptureEntry,
    /// `manifest.json captures[i]`, for findings about the entry.
    here: String,
    /// The capture's directory in the bag, with its final `/`.
    dir: String,
    findings: Vec<Finding>,
    /// False once something could not be read or judged.
    complete: bool,
}

impl One<'_, '_> {
    /// A finding without values.
    fn note(&mut self, path: &str, message: impl Into<String>) {
        self.findings
            .push(Finding::new(FindingCode::Capture, path, message));
    }

    /// A finding with the expected and actual values.
    fn differs(
        &mut self,
        path: &str,
        message: impl Into<String>,
        expected: impl ToString,
        actual: impl ToString,
    ) {
        self.findings.push(Finding::values(
            FindingCode::Capture,
            path,
            message,
            expected.to_string(),
            actual.to_string(),
        ));
    }

    /// Compare `expected` and `actual`; a finding when they differ.
    fn same<T: PartialEq + ToString>(&mut self, path: &str, what: &str, expected: T, actual: T) {
        if expected != actual {
            self.differs(path, what, expected, actual);
        }
    }

    /// The member `rel`; a finding (and an incomplete check) when absent.
    fn member(&mut self, rel: &str, what: &str) -> Option<Entry> {
        let found = self.inputs.bag.get(self.inputs.archive, rel);
        if found.is_none() {
            self.complete = false;
            self.note(rel, format!("{what} is not in the payload"));
        }
        found
    }

    /// The bytes of the small member `rel` (a record, a signature, a key
    /// file) up to `limit`.
    fn read_small(&mut self, rel: &str, what: &str, limit: u64) -> Option<Vec<u8>> {
        let e = self.member(rel, what)?;
        if e.size > limit {
            self.complete = false;
            self.differs(
                rel,
                format!("{what} is larger than such a file can be: not read"),
                format!("at most {limit} bytes"),
                format!("{} bytes", e.size),
            );
            return None;
        }
        match self.inputs.archive.read_small(&e, limit) {
            Ok(v) => Some(v),
            Err(err) => {
                self.complete = false;
                self.note(rel, format!("cannot read: {}", data_error(&err)));
                None
            }
        }
    }

    /// Check the capture; what it proves, when it was read to its end.
    fn run(&mut self, bundle_keys: &keys::Keys) -> Option<CaptureProven> {
        let record = self.entry.record.clone();
        let Some(dir) = record
            .strip_suffix(CAPTURE_FILE)
            .filter(|d| d.starts_with(crate::bundle::layout::DATA_DIR) && d.ends_with('/'))
        else {
            self.complete = false;
            let here = format!("{} record", self.here);
            self.differs(
                &here,
                "is not a capture.json in the payload",
                format!("data/.../{CAPTURE_FILE}"),
                record,
            );
            return None;
        };
        self.dir = dir.to_string();
        let bytes = self.read_small(&record, "capture.json", MAX_CAPTURE_RECORD)?;
        let end: CaptureRecord = match serde_json::from_slice(&bytes) {
            Ok(r) => r,
            Err(e) => {
                self.complete = false;
                self.note(&record, format!("not a valid capture record: {e}"));
                return None;
            }
        };
        self.check_entry(&end);
        self.check_members(&end);
        let keys = keys::capture_keys(self, bundle_keys);
        let chain = segment::Chain::walk(self, &end, &keys);
        self.check_end(&end, &chain);
        let signer = self.check_end_signature(&end, &bytes, &keys);
        self.check_meta(&end);
        Some(CaptureProven {
            item: self.entry.item.clone(),
            capture_id: end.capture_id,
            scope: end.scope,
            source: end.source,
            started: end.started,
            ended: end.ended,
            ended_by: end.ended_by,
            recovered: end.recovered,
            error: end.error,
            packets: end.packets,
            captured_bytes: end.captured_bytes,
            original_bytes: end.original_bytes,
            drops: end.drops,
            signer: signer?,
            segments: chain.proven,
        })
    }

    /// manifest.json's entry against `capture.json` and the paths that
    /// follow from the directory.
    fn check_entry(&mut self, end: &CaptureRecord) {
        let (here, e) = (self.here.clone(), self.entry);
        self.same(
            &format!("{here} capture_id"),
            "the entry's capture id differs from capture.json's",
            end.capture_id.as_str(),
            e.capture_id.as_str(),
        );
        self.same(
            &format!("{here} signature"),
            "the entry's signature path is not capture.json's",
            format!("{}.minisig", e.record).as_str(),
            e.signature.as_str(),
        );
        for (field, want, got) in e.summary.differences(end) {
            self.differs(
                &format!("{here} summary.{field}"),
                "the entry's summary differs from capture.json",
                want,
                got,
            );
        }
        self.same(
            &format!("{here} segments"),
            "the entry lists another number of segments than capture.json signs",
            end.segments,
            e.segments.len() as u64,
        );
        for (i, s) in e.segments.iter().enumerate() {
            let want = self.segment_paths(i as u64 + 1);
            if *s != want {
                self.differs(
                    &format!("{here} segments[{i}]"),
                    "the entry's segment paths are not the capture's own",
                    serde_json::to_string(&want).unwrap_or_default(),
                    serde_json::to_string(s).unwrap_or_default(),
                );
            }
        }
    }

    /// The bag paths of segment `n` of this capture.
    fn segment_paths(&self, n: u64) -> crate::model::SegmentEntry {
        let names = segment_names(n);
        let at = |name: &str| format!("{}{SEGMENTS_DIR}/{name}", self.dir);
        crate::model::SegmentEntry {
            pcap: at(&names.pcap),
            record: at(&names.record),
            signature: at(&names.signature),
            flows: at(&names.flows),
        }
    }

    /// Every payload member of the directory is a file of the capture:
    /// `capture.json` and its signature, a meta file, a listed key file,
    /// a file of a segment up to the number `capture.json` signs.
    fn check_members(&mut self, end: &CaptureRecord) {
        let dir = self.dir.clone();
        let keys_dir = format!("{dir}{KEYS_DIR}/");
        let segments_dir = format!("{dir}{SEGMENTS_DIR}/");
        let (archive, bag) = (self.inputs.archive, self.inputs.bag);
        let members = bag
            .members(archive)
            .skip_while(|(r, _)| r.as_str() < dir.as_str())
            .take_while(|(r, _)| r.starts_with(dir.as_str()));
        let mut extra = Vec::new();
        for (rel, _) in members {
            let name = &rel[dir.len()..];
            let ok = if let Some(seg) = rel.strip_prefix(segments_dir.as_str()) {
                crate::model::capture::segment_number(seg).is_some_and(|(n, _)| n <= end.segments)
            } else if rel.starts_with(keys_dir.as_str()) {
                self.entry.keys.contains(&rel)
            } else {
                name == CAPTURE_FILE
                    || name == format!("{CAPTURE_FILE}.minisig")
                    || META_FILES.contains(&name)
            };
            if !ok {
                extra.push(rel);
            }
        }
        for rel in extra {
            let why = if rel.starts_with(segments_dir.as_str()) {
                format!(
                    "not a file of the {} segments capture.json signs",
                    end.segments
                )
            } else if rel.starts_with(keys_dir.as_str()) {
                "a key file manifest.json's entry does not list".to_string()
            } else {
                "not a file of a capture directory".to_string()
            };
            self.note(&rel, why);
        }
    }

    /// `capture.json`'s schema, chain head and totals against the walk.
    fn check_end(&mut self, end: &CaptureRecord, chain: &segment::Chain) {
        let record = self.entry.record.clone();
        self.same(&record, "schema", CAPTURE_SCHEMA, end.schema.as_str());
        let want_last = chain.head.as_ref().map(|(name, sha)| ChainLink {
            record: name.clone(),
            sha256: sha.clone(),
        });
        if chain.read_all && want_last != end.last {
            let show = |l: &Option<ChainLink>| match l {
                Some(l) => format!("{} sha256:{}", l.record, l.sha256),
                None => "none".to_string(),
            };
            self.differs(
                &record,
                "last: the chain's head is not the last segment record",
                show(&want_last),
                show(&end.last),
            );
        }
        if !chain.read_all {
            return;
        }
        let t = &chain.totals;
        for (what, want, got) in [
            ("packets", t.packets, end.packets),
            ("captured_bytes", t.captured_bytes, end.captured_bytes),
            ("original_bytes", t.original_bytes, end.original_bytes),
            ("drops.kernel", t.drops.kernel, end.drops.kernel),
            ("drops.interface", t.drops.interface, end.drops.interface),
        ] {
            self.same(
                &record,
                &format!("{what}: not the sum over the segment records"),
                want,
                got,
            );
        }
    }

    /// `capture.json`'s signature; the signer as a report may name it.
    fn check_end_signature(
        &mut self,
        end: &CaptureRecord,
        bytes: &[u8],
        keys: &super::BundledKeys,
    ) -> Option<String> {
        let sig = self.entry.signature.clone();
        let want = end_comment(&end.capture_id, &end.key_id);
        self.signature(bytes, &sig, end.ended, &want, &end.key_id, keys)
    }

    /// Check the signature `sig` over `data` (claimed at `claimed`): valid,
    /// trusted, by `key_id`, with exactly `comment`; the signer shown.
    fn signature(
        &mut self,
        data: &[u8],
        sig: &str,
        claimed: PacketTime,
        comment: &str,
        key_id: &str,
        keys: &super::BundledKeys,
    ) -> Option<String> {
        let minisig = self.read_small(sig, "the signature", super::MAX_KEY_FILE)?;
        let Some(verifier) = self.inputs.verifier else {
            self.complete = false;
            return None;
        };
        let time = crate::model::format_rfc3339_utc(claimed.secs);
        match verifier.verify(data, &minisig, keys, &time) {
            SignatureCheck::Trusted {
                key_id: by,
                signer,
                trusted_comment,
                ..
            } => {
                if trusted_comment != comment {
                    self.differs(
                        sig,
                        "signed for another record (trusted comment)",
                        comment,
                        trusted_comment,
                    );
                    return None;
                }
                if by != key_id {
                    self.differs(
                        sig,
                        "signed by another key than the record names",
                        key_id,
                        by,
                    );
                    return None;
                }
                Some(if signer == super::NO_IDENTITY {
                    format!("key {by} ({signer})")
                } else {
                    format!("{signer} (key {by})")
                })
            }
            SignatureCheck::Untrusted { key_id, reason, .. } => {
                self.note(
                    sig,
                    format!("valid, but key {key_id} is not trusted: {reason}"),
                );
                None
            }
            SignatureCheck::Invalid { reason } => {
                self.note(sig, format!("not a valid signature: {reason}"));
                None
            }
        }
    }

    /// The meta file the records commit to (`scope.meta_sha256`): there,
    /// one of them, with that SHA-256; none when they commit to none.
    fn check_meta(&mut self, end: &CaptureRecord) {
        let present: Vec<String> = META_FILES
            .iter()
            .map(|n| format!("{}{n}", self.dir))
            .filter(|p| self.inputs.bag.contains(self.inputs.archive, p))
            .collect();
        let want = end.scope.meta_sha256.clone();
        match (want, present.as_slice()) {
            (None, []) => {}
            (None, [.., p]) => {
                let p = p.clone();
                self.note(&p, "a meta file no capture record commits to");
            }
            (Some(_), []) => {
                let path = format!("{}{}", self.dir, META_FILES[0]);
                self.note(
                    &path,
                    "the records commit to a meta file (scope.meta_sha256) that is not in the payload",
                );
            }
            (Some(sha), [only]) => {
                let only = only.clone();
                if let Some(bytes) = self.read_small(&only, "the meta file", MAX_CAPTURE_RECORD) {
                    let got = super::bag::sha256_hex(&bytes);
                    self.same(
                        &only,
                        "SHA-256 differs from the records' scope.meta_sha256",
                        sha.as_str(),
                        got.as_str(),
                    );
                }
            }
            (Some(_), [.., p]) => {
                let p = p.clone();
                self.note(&p, "two meta files: the records commit to one");
            }
        }
    }
}
