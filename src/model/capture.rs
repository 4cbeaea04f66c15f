//! The wire documents of a traffic capture (`evidentia capture`,
//! docs/formats/capture.md): one signed record per closed segment
//! (`segments/NNNNNN.json`, chained by the SHA-256 of the record before
//! it), and `capture.json`, the signed end of the chain.
//!
//! Invariants:
//! - Segment `n` (1-based) names `NNNNNN.pcap` with `n` zero-padded to six
//!   digits; its `previous` is the SHA-256 of the exact bytes of record
//!   `n - 1` (absent only for segment 1), so a removed, reordered or
//!   edited record breaks the chain at a named place.
//! - Every record repeats the scope (filter, snaplen, content mode, source)
//!   verbatim: each segment stands on its own before a court.
//! - Packet times are UTC with nanoseconds ([`PacketTime`]); the text form
//!   is RFC 3339 with nine fraction digits, which sorts as it compares.

use super::time::format_rfc3339_utc;
use crate::pathrepr::PathRepr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Schema of a segment record.
pub const SEGMENT_SCHEMA: &str = "evidentia/capture-segment/v1";
/// Schema of `capture.json`.
pub const CAPTURE_SCHEMA: &str = "evidentia/capture/v1";
/// The end record's file name in a capture directory.
pub const CAPTURE_FILE: &str = "capture.json";
/// The segment folder of a capture directory.
pub const SEGMENTS_DIR: &str = "segments";
/// The capturing key's public key and certificate files, for verifiers.
pub const KEYS_DIR: &str = "keys";
/// Most segments one capture may have (six digits).
pub const MAX_SEGMENTS: u64 = 999_999;

/// The file names of segment `n` (1-based): pcap, record, signature, flows.
pub fn segment_names(n: u64) -> SegmentNames {
    SegmentNames {
        pcap: format!("{n:06}.pcap"),
        record: format!("{n:06}.json"),
        signature: format!("{n:06}.json.minisig"),
        flows: format!("{n:06}.flows.jsonl"),
    }
}

/// The four files of one segment, as names inside `segments/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentNames {
    /// `NNNNNN.pcap`: the packets (classic pcap).
    pub pcap: String,
    /// `NNNNNN.json`: the segment record.
    pub record: String,
    /// `NNNNNN.json.minisig`: the record's minisign signature.
    pub signature: String,
    /// `NNNNNN.flows.jsonl`: traffic-data records.
    pub flows: String,
}

/// The sequence number of a segment file name (`000012.pcap` → 12), for
/// any of the four suffixes; `None` for anything else.
pub fn segment_number(name: &str) -> Option<(u64, &'static str)> {
    let (digits, rest) = name.split_at_checked(6)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let suffix = [".pcap", ".json", ".json.minisig", ".flows.jsonl"]
        .into_iter()
        .find(|s| rest == *s)?;
    let n: u64 = digits.parse().ok()?;
    (n >= 1).then_some((n, suffix))
}

/// A packet's capture time: UTC seconds and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PacketTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds, below 1,000,000,000.
    pub nanos: u32,
}

impl PacketTime {
    /// The time as nanoseconds since the epoch (saturating).
    pub fn as_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// The current time.
    pub fn now() -> PacketTime {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        PacketTime {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        }
    }

    /// Parse the text form (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, nine digits).
    pub fn parse(text: &str) -> Option<PacketTime> {
        let (whole, frac) = text.strip_suffix('Z')?.split_once('.')?;
        if frac.len() != 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let secs = super::time::parse_rfc3339(&format!("{whole}Z")).ok()?;
        let t = PacketTime {
            secs,
            nanos: frac.parse().ok()?,
        };
        (t.to_string() == text).then_some(t)
    }
}

impl fmt::Display for PacketTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = format_rfc3339_utc(self.secs);
        write!(f, "{}.{:09}Z", whole.trim_end_matches('Z'), self.nanos)
    }
}

impl Serialize for PacketTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PacketTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PacketTime, D::Error> {
        let text = String::deserialize(d)?;
        PacketTime::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not a time of the form YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
            ))
        })
    }
}

/// What the capture keeps of each packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentMode {
    /// Link, network and transport headers only: traffic data.
    Headers,
    /// Whole packets (up to the snaplen): content interception.
    Full,
}

impl ContentMode {
    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            ContentMode::Headers => "headers",
            ContentMode::Full => "full",
        }
    }
}

/// Where the packets came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureSource {
    /// `interface` (live, through libpcap), `file` or `stdin`.
    pub kind: SourceKind,
    /// The interface name, or the file's path as given.
    pub name: PathRepr,
    /// The input file's format (`pcap` or `pcapng`), for file and stdin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The link-layer type (a LINKTYPE_ value) of every packet.
    pub linktype: u16,
    /// The capturing host's name, for a live capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// Kinds of [`CaptureSource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A live network interface.
    Interface,
    /// A pcap or pcapng file.
    File,
    /// A pcap or pcapng stream on standard input.
    Stdin,
}

/// The legal scope of a capture, repeated verbatim in every record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The case reference.
    pub case: String,
    /// The BPF filter expression exactly as given (empty: every packet).
    pub filter: String,
    /// The snapshot length handed to libpcap (or the input's).
    pub snaplen: u32,
    /// What is kept of each packet.
    pub content: ContentMode,
    /// The SHA-256 of the `--meta` file's bytes, when one was given (its
    /// copy is `meta.json` or `meta.toml` beside `capture.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_sha256: Option<String>,
}

/// The previous record in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainLink {
    /// Its file name (`NNNNNN.json`).
    pub record: String,
    /// SHA-256 of its exact bytes.
    pub sha256: String,
}

/// Kernel and interface drop counters (libpcap's `ps_drop`, `ps_ifdrop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drops {
    /// Dropped by the kernel for lack of buffer space.
    pub kernel: u64,
    /// Dropped by the interface or its driver, where reported.
    pub interface: u64,
}

impl Drops {
    /// Both counters added.
    pub fn total(self) -> u64 {
        self.kernel.saturating_add(self.interface)
    }
}

/// Why a segment (or the capture) closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Closed {
    /// `--rotate` reached.
    Rotate,
    /// `--duration` reached.
    Duration,
    /// `--count` packets reached.
    Count,
    /// SIGINT or SIGTERM.
    Signal,
    /// The input file or stream ended.
    EndOfInput,
    /// Closed by `capture --recover` after the capturing process died.
    Recovered,
    /// The capture failed (the error is in `capture.json`).
    Error,
}

impl Closed {
    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Closed::Rotate => "rotate",
            Closed::Duration => "duration",
            Closed::Count => "count",
            Closed::Signal => "signal",
            Closed::EndOfInput => "end-of-input",
            Closed::Recovered => "recovered",
            Closed::Error => "error",
        }
    }
}

/// The segment's flow file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowsFile {
    /// `NNNNNN.flows.jsonl`.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Number of lines (flow records).
    pub records: u64,
}

/// `segments/NNNNNN.json`: one closed, hashed and signed segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRecord {
    /// [`SEGMENT_SCHEMA`].
    pub schema: String,
    /// The capture's id (a UUID), the same in every record.
    pub capture_id: String,
    /// 1-based sequence number.
    pub sequence: u64,
    /// The record before this one (absent for segment 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<ChainLink>,
    /// The legal scope.
    pub scope: Scope,
    /// The source.
    pub source: CaptureSource,
    /// `NNNNNN.pcap`.
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its hashes (algorithm → lower-case hex; the default algorithms).
    pub hashes: BTreeMap<String, String>,
    /// The segment's traffic-data records.
    pub flows: FlowsFile,
    /// When the segment was opened and closed (the capturing clock).
    pub opened: PacketTime,
    /// When it was closed.
    pub closed: PacketTime,
    /// Why it closed.
    pub closed_by: Closed,
    /// First packet's time (absent in an empty segment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_packet: Option<PacketTime>,
    /// Last packet's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_packet: Option<PacketTime>,
    /// Packets in the segment.
    pub packets: u64,
    /// Bytes of packet data written (the sum of captured lengths).
    pub captured_bytes: u64,
    /// Bytes the packets had on the wire (the sum of original lengths).
    pub original_bytes: u64,
    /// Kernel and interface drops while this segment was open (the
    /// counters' growth since the previous segment closed).
    pub drops: Drops,
    /// The kernel counters since the capture started, at close.
    pub drops_total: Drops,
    /// What a reader must know that the numbers do not say (a recovered
    /// segment: its drop counters died with the capturing process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The signing key's id.
    pub key_id: String,
    /// The software that wrote it.
    pub tool: String,
}

/// `capture.json`: the signed end of a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureRecord {
    /// [`CAPTURE_SCHEMA`].
    pub schema: String,
    /// The capture's id.
    pub capture_id: String,
    /// The legal scope.
    pub scope: Scope,
    /// The source.
    pub source: CaptureSource,
    /// When the capture started and ended (the capturing clock).
    pub started: PacketTime,
    /// When it ended.
    pub ended: PacketTime,
    /// How it ended.
    pub ended_by: Closed,
    /// The error that ended it, when `ended_by` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Number of segments.
    pub segments: u64,
    /// The last segment record (the chain's head); absent with no segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<ChainLink>,
    /// Totals over every segment.
    pub packets: u64,
    /// Sum of captured lengths.
    pub captured_bytes: u64,
    /// Sum of original lengths.
    pub original_bytes: u64,
    /// Kernel drops over the whole capture.
    pub drops: Drops,
    /// Whether `capture --recover` closed it.
    pub recovered: bool,
    /// SHA-256 of every byte read from a file or stdin input (computed
    /// while reading, so known only at the end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_sha256: Option<String>,
    /// The signing key's id.
    pub key_id: String,
    /// The software that wrote it.
    pub tool: String,
}

/// Whether case metadata authorises content interception (`--content
/// full`): `data_category` must be `content` and `legal_basis` given.
/// Otherwise the reason, naming the field.
pub fn content_authorised(case: &super::CaseMeta) -> Result<(), String> {
    if case.data_category != Some(super::DataCategory::Content) {
        return Err("the metadata's data_category is not \"content\"".into());
    }
    match case.legal_basis.as_deref().map(str::trim) {
        Some(b) if !b.is_empty() => Ok(()),
        _ => Err("the metadata names no legal_basis".into()),
    }
}

/// Schema of `capture.open`.
pub const OPEN_SCHEMA: &str = "evidentia/capture-open/v1";
/// The marker of a running capture in its directory.
pub const OPEN_FILE: &str = "capture.open";

/// `capture.open`: written when a capture starts and removed when
/// `capture.json` is in place; what `capture --recover` needs to close a
/// capture whose process died. Not signed (nothing in it is evidence: the
/// records repeat all of it under signature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRecord {
    /// [`OPEN_SCHEMA`].
    pub schema: String,
    /// The capture's id.
    pub capture_id: String,
    /// The legal scope.
    pub scope: Scope,
    /// The source.
    pub source: CaptureSource,
    /// Whether the segments carry nanosecond times (pcap magic a1b23c4d).
    pub nanos: bool,
    /// When the capture started.
    pub started: PacketTime,
    /// The signing key's id.
    pub key_id: String,
    /// The capturing process.
    pub pid: u32,
}

/// The trusted comment of a segment record's signature.
pub fn segment_comment(capture_id: &str, sequence: u64, key_id: &str) -> String {
    format!(
        "{}capture:{capture_id} seq:{sequence} key:{key_id}",
        crate::sign::CAPTURE_SEGMENT_PREFIX
    )
}

/// The trusted comment of `capture.json`'s signature.
pub fn end_comment(capture_id: &str, key_id: &str) -> String {
    format!(
        "{}capture:{capture_id} key:{key_id}",
        crate::sign::CAPTURE_END_PREFIX
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_time_round_trips_with_nine_digits() {
        let t = PacketTime {
            secs: 1_796_000_000,
            nanos: 1_234,
        };
        let s = t.to_string();
        assert!(s.ends_with(".000001234Z"), "{s}");
        assert_eq!(PacketTime::parse(&s), Some(t));
        assert_eq!(PacketTime::parse("2026-12-03T06:50:01.12Z"), None);
        assert_eq!(PacketTime::parse("2026-12-03T06:50:01Z"), None);
        assert_eq!(PacketTime::parse("2026-12-03T06:50:61.000000000Z"), None);
    }

    #[test]
    fn segment_names_parse_back() {
        let n = segment_names(12);
        assert_eq!(n.pcap, "000012.pcap");
        assert_eq!(segment_number(&n.pcap), Some((12, ".pcap")));
        assert_eq!(segment_number(&n.signature), Some((12, ".json.minisig")));
        assert_eq!(segment_number(&n.flows), Some((12, ".flows.jsonl")));
        assert_eq!(segment_number("000000.pcap"), None);
        assert_eq!(segment_number("00001.pcap"), None);
        assert_eq!(segment_number("000001.pcapx"), None);
    }
}
