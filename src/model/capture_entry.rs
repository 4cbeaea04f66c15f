//! A traffic capture in `manifest.json` (`captures`): where a sealed
//! capture directory's signed records and segments are in the bag, and a
//! summary of its `capture.json`, so that a verifier can walk the chain
//! and a report can show the capture (docs/formats/manifest.md).
//!
//! Invariants:
//! - The bag paths follow from the capture directory: `record` is
//!   `<dir>/capture.json`, segment `n` is `<dir>/segments/NNNNNN.*`
//!   ([`super::capture::segment_names`]); verify recomputes them and
//!   compares, it never trusts them to point elsewhere.
//! - The summary is a copy of the signed `capture.json`: verify compares
//!   it field by field, so a report may show it once the bundle verified.

use super::capture::{CaptureRecord, CaptureSource, Closed, Drops, PacketTime, Scope};
use serde::{Deserialize, Serialize};

/// The names a capture's copy of its `--meta` file may have.
pub const META_FILES: [&str; 2] = ["meta.json", "meta.toml"];
/// The largest capture record, segment record or meta file read whole
/// (by `seal` and `verify`); they are a few KiB.
pub const MAX_CAPTURE_RECORD: u64 = 1 << 20;

/// One capture directory sealed into the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureEntry {
    /// The case item id from the capture's meta file (its first `items`),
    /// or the directory's name.
    pub item: String,
    /// The capture's id (from `capture.json`).
    pub capture_id: String,
    /// Bag path of `capture.json`.
    pub record: String,
    /// Bag path of `capture.json.minisig`.
    pub signature: String,
    /// The segments, in sequence order (1, 2, ...).
    pub segments: Vec<SegmentEntry>,
    /// Bag paths of the files of the capture's `keys/` folder, sorted.
    pub keys: Vec<String>,
    /// What `capture.json` says of the capture.
    pub summary: CaptureSummary,
}

/// The four files of one segment, as bag paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentEntry {
    /// `segments/NNNNNN.pcap`.
    pub pcap: String,
    /// `segments/NNNNNN.json`, the segment record.
    pub record: String,
    /// `segments/NNNNNN.json.minisig`.
    pub signature: String,
    /// `segments/NNNNNN.flows.jsonl`.
    pub flows: String,
}

/// A copy of `capture.json`'s scope, period and totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureSummary {
    /// Where the packets came from.
    pub source: CaptureSource,
    /// The legal scope (case, filter, snaplen, content mode).
    pub scope: Scope,
    /// When the capture started (the capturing clock).
    pub started: PacketTime,
    /// When it ended.
    pub ended: PacketTime,
    /// How it ended.
    pub ended_by: Closed,
    /// Number of segments.
    pub segments: u64,
    /// Packets in all segments.
    pub packets: u64,
    /// Kernel and interface drops over the whole capture.
    pub drops: Drops,
    /// Whether `capture --recover` closed it.
    pub recovered: bool,
}

impl CaptureSummary {
    /// The summary of `record`.
    pub fn of(record: &CaptureRecord) -> CaptureSummary {
        CaptureSummary {
            source: record.source.clone(),
            scope: record.scope.clone(),
            started: record.started,
            ended: record.ended,
            ended_by: record.ended_by,
            segments: record.segments,
            packets: record.packets,
            drops: record.drops,
            recovered: record.recovered,
        }
    }

    /// The fields that differ from `record`'s: (field, the record's value,
    /// this summary's value), as compact JSON text.
    pub fn differences(&self, record: &CaptureRecord) -> Vec<(&'static str, String, String)> {
        let of = CaptureSummary::of(record);
        let json = |v: &dyn erased::Json| v.text();
        let pairs: [(&'static str, &dyn erased::Json, &dyn erased::Json); 9] = [
            ("source", &of.source, &self.source),
            ("scope", &of.scope, &self.scope),
            ("started", &of.started, &self.started),
            ("ended", &of.ended, &self.ended),
            ("ended_by", &of.ended_by, &self.ended_by),
            ("segments", &of.segments, &self.segments),
            ("packets", &of.packets, &self.packets),
            ("drops", &of.drops, &self.drops),
            ("recovered", &of.recovered, &self.recovered),
        ];
        pairs
            .into_iter()
            .map(|(name, want, got)| (name, json(want), json(got)))
            .filter(|(_, want, got)| want != got)
            .collect()
    }
}

/// Values compared by their JSON text (one rendering for every type).
mod erased {
    /// A value with a compact JSON rendering.
    pub trait Json {
        /// The compact JSON text.
        fn text(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn text(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::capture::{CAPTURE_SCHEMA, ContentMode, SourceKind};
    use crate::pathrepr::PathRepr;

    fn record() -> CaptureRecord {
        CaptureRecord {
            schema: CAPTURE_SCHEMA.into(),
            capture_id: "id".into(),
            scope: Scope {
                case: "C".into(),
                filter: "udp port 9".into(),
                snaplen: 128,
                content: ContentMode::Headers,
                meta_sha256: None,
            },
            source: CaptureSource {
                kind: SourceKind::File,
                name: PathRepr::from_bytes(b"in.pcap"),
                format: Some("pcap".into()),
                linktype: 1,
                host: None,
            },
            started: PacketTime { secs: 1, nanos: 2 },
            ended: PacketTime { secs: 3, nanos: 4 },
            ended_by: Closed::EndOfInput,
            error: None,
            segments: 2,
            last: None,
            packets: 5,
            captured_bytes: 6,
            original_bytes: 7,
            drops: Drops::default(),
            recovered: false,
            input_sha256: None,
            key_id: "k".into(),
            tool: "t".into(),
        }
    }

    #[test]
    fn a_summary_names_each_field_that_differs() {
        let r = record();
        let s = CaptureSummary::of(&r);
        assert!(s.differences(&r).is_empty());
        let mut odd = s.clone();
        odd.packets = 9;
        odd.scope.filter = "tcp".into();
        let d = odd.differences(&r);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].0, "scope");
        assert!(d[0].1.contains("udp port 9") && d[0].2.contains("\"tcp\""));
        assert_eq!(d[1], ("packets", "5".into(), "9".into()));
        // Strict: an unknown field in the entry is an error.
        let text = serde_json::to_string(&s)
            .unwrap()
            .replacen('{', "{\"x\":1,", 1);
        assert!(serde_json::from_str::<CaptureSummary>(&text).is_err());
    }
}
