//! The segment chain of one capture: record 1 to the number `capture.json`
//! signs, each read, parsed (strictly), numbered, of the same capture and
//! scope, chained to the record before it by the SHA-256 of its exact
//! bytes, signed by a trusted key for exactly its place; its pcap and
//! flows file as it says ([`super::packets`]).

use super::One;
use super::packets::{self, Counted};
use crate::hash::{Algorithm, HasherState};
use crate::model::capture::{
    CaptureRecord, Drops, SEGMENT_SCHEMA, SegmentRecord, segment_comment, segment_names,
};
use crate::model::{MAX_CAPTURE_RECORD, SegmentEntry};
use crate::verify::BundledKeys;
use crate::verify::bag::sha256_hex;
use std::io::Read;

/// Sums over the segment records.
#[derive(Debug, Default)]
pub(super) struct Totals {
    pub packets: u64,
    pub captured_bytes: u64,
    pub original_bytes: u64,
    pub drops: Drops,
}

/// What the walk found.
#[derive(Debug, Default)]
pub(super) struct Chain {
    /// The last record's name and SHA-256, when it was read.
    pub head: Option<(String, String)>,
    /// Whether every record was read and parsed (the totals are whole).
    pub read_all: bool,
    /// Sums over the records.
    pub totals: Totals,
    /// Each segment, for the report.
    pub proven: Vec<super::SegmentProven>,
}

impl Chain {
    /// Walk segments 1 to `end.segments` (see the module docs).
    pub(super) fn walk(one: &mut One<'_, '_>, end: &CaptureRecord, keys: &BundledKeys) -> Chain {
        let mut chain = Chain {
            read_all: true,
            ..Chain::default()
        };
        // The SHA-256 of the record before, when it was read.
        let mut previous: Option<String> = None;
        for n in 1..=end.segments {
            let paths = one.segment_paths(n);
            let Some((bytes, record)) = read_record(one, &paths.record) else {
                chain.read_all = false;
                previous = None;
                continue;
            };
            let sha = sha256_hex(&bytes);
            check_record(one, end, n, &paths, &record, previous.as_deref());
            let signed = one.signature(
                &bytes,
                &paths.signature,
                record.closed,
                &segment_comment(&end.capture_id, n, &record.key_id),
                &record.key_id,
                keys,
            );
            let counted = check_pcap(one, &paths.pcap, &record);
            check_flows(one, &paths.flows, &record);
            let t = &mut chain.totals;
            t.packets = t.packets.saturating_add(record.packets);
            t.captured_bytes = t.captured_bytes.saturating_add(record.captured_bytes);
            t.original_bytes = t.original_bytes.saturating_add(record.original_bytes);
            t.drops.kernel = t.drops.kernel.saturating_add(record.drops.kernel);
            t.drops.interface = t.drops.interface.saturating_add(record.drops.interface);
            if signed.is_some() && counted.is_some() {
                chain.proven.push(super::SegmentProven {
                    sequence: n,
                    first_packet: record.first_packet,
                    last_packet: record.last_packet,
                    packets: record.packets,
                    captured_bytes: record.captured_bytes,
                    original_bytes: record.original_bytes,
                    drops: record.drops,
                    closed_by: record.closed_by,
                });
            }
            chain.head = Some((segment_names(n).record, sha.clone()));
            previous = Some(sha);
        }
        chain
    }
}

/// Read and parse the segment record `rel`.
fn read_record(one: &mut One<'_, '_>, rel: &str) -> Option<(Vec<u8>, SegmentRecord)> {
    let bytes = one.read_small(rel, "the segment record", MAX_CAPTURE_RECORD)?;
    match serde_json::from_slice::<SegmentRecord>(&bytes) {
        Ok(r) => Some((bytes, r)),
        Err(e) => {
            one.complete = false;
            one.note(rel, format!("not a valid segment record: {e}"));
            None
        }
    }
}

/// Record `n` against `capture.json` and its place in the chain
/// (`previous`: the SHA-256 of record `n - 1`, when it was read).
fn check_record(
    one: &mut One<'_, '_>,
    end: &CaptureRecord,
    n: u64,
    paths: &SegmentEntry,
    r: &SegmentRecord,
    previous: Option<&str>,
) {
    let at = paths.record.as_str();
    let names = segment_names(n);
    one.same(at, "schema", SEGMENT_SCHEMA, r.schema.as_str());
    one.same(
        at,
        "sequence: not this segment's place in the chain",
        n,
        r.sequence,
    );
    one.same(
        at,
        "capture_id differs from capture.json's",
        end.capture_id.as_str(),
        r.capture_id.as_str(),
    );
    if r.scope != end.scope {
        one.differs(
            at,
            "scope differs from capture.json's",
            json(&end.scope),
            json(&r.scope),
        );
    }
    if r.source != end.source {
        one.differs(
            at,
            "source differs from capture.json's",
            json(&end.source),
            json(&r.source),
        );
    }
    one.same(
        at,
        "file: not this segment's pcap",
        names.pcap.as_str(),
        r.file.as_str(),
    );
    one.same(
        at,
        "flows.file: not this segment's flows file",
        names.flows.as_str(),
        r.flows.file.as_str(),
    );
    let link = r
        .previous
        .as_ref()
        .map(|l| format!("{} sha256:{}", l.record, l.sha256));
    match (n, previous) {
        (1, _) => {
            if let Some(l) = link {
                one.differs(
                    at,
                    "previous: the first segment names a record before it",
                    "none",
                    l,
                );
            }
        }
        (_, Some(sha)) => {
            let want = format!("{} sha256:{sha}", segment_names(n - 1).record);
            let got = link.unwrap_or_else(|| "none".into());
            if want != got {
                one.differs(
                    at,
                    "previous: the chain breaks here (not the SHA-256 of the record before)",
                    want,
                    got,
                );
            }
        }
        // The record before could not be read: said there.
        (_, None) => {}
    }
}

/// The pcap against its record: hashes (manifest.json's entry, which the
/// payload check tied to the bytes), size, and the packets re-read.
fn check_pcap(one: &mut One<'_, '_>, rel: &str, r: &SegmentRecord) -> Option<Counted> {
    let entry = one.member(rel, "the segment's pcap")?;
    one.same(
        rel,
        "size differs from the segment record's",
        r.size,
        entry.size,
    );
    let listed = one.inputs.files.get(rel).cloned();
    if !r.hashes.contains_key("sha256") {
        one.note(rel, "the segment record names no SHA-256 of its pcap");
    }
    let mut extra = Vec::new();
    for (name, want) in &r.hashes {
        let Some(algo) = Algorithm::ALL.into_iter().find(|a| a.name() == name) else {
            one.note(
                rel,
                format!("the segment record names an unknown hash {name:?}"),
            );
            continue;
        };
        let sealed = listed.as_ref().and_then(|f| match algo {
            Algorithm::Sha256 => Some(f.sha256.clone()),
            Algorithm::Blake3 => Some(f.blake3.clone()),
            Algorithm::Sha512 => f.sha512.clone(),
            Algorithm::Sha1 => f.sha1.clone(),
            Algorithm::Md5 => f.md5.clone(),
        });
        match sealed {
            Some(got) if !got.eq_ignore_ascii_case(want) => one.differs(
                rel,
                format!("{name} differs from the segment record's"),
                want,
                got,
            ),
            Some(_) => {}
            // Not in manifest.json: hashed as the packets are re-read.
            None => extra.push((algo, want.clone())),
        }
    }
    let e = one.inputs.archive.reader(&entry);
    let counted = match e {
        Ok(reader) => packets::count(reader, r, &extra),
        Err(err) => Err(packets::Unreadable::Io(err)),
    };
    match counted {
        Ok(c) => {
            packets::compare(one, rel, r, &c, &extra);
            Some(c)
        }
        Err(e) => {
            one.complete = false;
            one.note(rel, format!("cannot be read as a pcap: {e}"));
            None
        }
    }
}

/// The flows file against its record: SHA-256 and number of lines.
fn check_flows(one: &mut One<'_, '_>, rel: &str, r: &SegmentRecord) {
    let Some(entry) = one.member(rel, "the segment's flows file") else {
        return;
    };
    let counted = one.inputs.archive.reader(&entry).and_then(sha256_and_lines);
    match counted {
        Ok((sha, lines)) => {
            one.same(
                rel,
                "SHA-256 differs from the segment record's flows.sha256",
                r.flows.sha256.to_ascii_lowercase().as_str(),
                sha.as_str(),
            );
            one.same(
                rel,
                "lines differ from the segment record's flows.records",
                r.flows.records,
                lines,
            );
        }
        Err(err) => {
            one.complete = false;
            one.note(
                rel,
                format!("cannot read: {}", crate::verify::bag::data_error(&err)),
            );
        }
    }
}

/// The SHA-256 of a stream and its number of lines (a last line without
/// its line feed counts).
fn sha256_and_lines(mut r: impl Read) -> std::io::Result<(String, u64)> {
    let mut h = HasherState::new(Algorithm::Sha256);
    let mut buf = vec![0u8; 64 << 10];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    if last != b'\n' {
        lines += 1;
    }
    Ok((h.finalize().hex(), lines))
}

/// The compact JSON text of a value (for the expected and actual values
/// of a finding about a structure).
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
