//! What a report says of the traffic captures in a bundle (`evidentia
//! capture`): for each, its legal scope (case, filter verbatim, content
//! mode, snaplen, source), its period, who signed it, its segments and
//! totals, and its drops as a warning.
//!
//! Invariants:
//! - A capture is described only from the verify report's
//!   [`CaptureProven`], which verify fills only for a capture whose chain,
//!   signatures and packets all held, and only when the whole bundle
//!   verified: otherwise the section says the captures are not described
//!   and why, and shows none of their claims.
//! - The signer is named as verify proved it (an identity, or a key id
//!   with "no certified identity").

use super::BundleFacts;
use super::document::{Block, Cell, Part};
use crate::model::capture::{ContentMode, PacketTime, SourceKind};
use crate::verify::{CaptureProven, VerifyReport};
use crate::wording::count;

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn said(s: impl Into<String>) -> Cell {
    Cell::Parts(vec![Part::Ours(s.into())])
}

fn time(t: Option<PacketTime>) -> Cell {
    t.map_or_else(|| said("none"), |t| text(t.to_string()))
}

/// The captures section (none when manifest.json lists no capture).
pub(super) fn blocks(r: &VerifyReport, f: &BundleFacts) -> Vec<Block> {
    let listed = f.manifest.as_ref().map_or(0, |m| m.captures.len());
    if listed == 0 {
        return Vec::new();
    }
    let mut b = vec![Block::Heading("Traffic captures".into())];
    if !r.verified() || r.captures.len() != listed {
        b.push(Block::Para(said(format!(
            "This bundle lists {}, described only when the bundle verifies \
             (see the problems below).",
            count(listed as u64, "traffic capture")
        ))));
        return b;
    }
    for c in &r.captures {
        b.extend(capture_blocks(c));
    }
    b
}

/// One capture: its fields, a drops warning, its segments.
fn capture_blocks(c: &CaptureProven) -> Vec<Block> {
    let mut b = vec![Block::Fields(fields(c))];
    let drops = c.drops.total();
    if drops > 0 {
        b.push(Block::Para(said(format!(
            "WARNING: {} dropped by the kernel ({}) or the interface ({}) during this \
             capture: the capture is not complete.",
            count(drops, "packet"),
            c.drops.kernel,
            c.drops.interface
        ))));
    }
    let rows = c
        .segments
        .iter()
        .map(|s| {
            vec![
                text(s.sequence.to_string()),
                time(s.first_packet),
                time(s.last_packet),
                text(s.packets.to_string()),
                text(format!("{} / {}", s.captured_bytes, s.original_bytes)),
                text(s.drops.total().to_string()),
                text(s.closed_by.name()),
            ]
        })
        .collect();
    b.push(Block::Table(
        vec![
            "Segment",
            "First packet",
            "Last packet",
            "Packets",
            "Bytes kept / on the wire",
            "Drops",
            "Closed by",
        ],
        rows,
    ));
    b
}

/// Scope, period, signer and totals of a capture.
fn fields(c: &CaptureProven) -> Vec<(&'static str, Cell)> {
    let s = &c.scope;
    let filter = if s.filter.is_empty() {
        said("none (every packet)")
    } else {
        text(&s.filter)
    };
    let content = match s.content {
        ContentMode::Headers => "headers: link, network and transport headers only (traffic data)",
        ContentMode::Full => "full: whole packets up to the snaplen (content)",
    };
    let kind = match c.source.kind {
        SourceKind::Interface => "interface ",
        SourceKind::File => "file ",
        SourceKind::Stdin => "standard input ",
    };
    let mut source = vec![
        Part::Ours(kind.into()),
        Part::Value(String::from_utf8_lossy(c.source.name.as_bytes()).into_owned()),
        Part::Ours(format!(", link type {}", c.source.linktype)),
    ];
    if let Some(h) = &c.source.host {
        source.extend([Part::Ours(", host ".into()), Part::Value(h.clone())]);
    }
    let mut v = vec![
        ("Item", text(&c.item)),
        ("Capture id", text(&c.capture_id)),
        ("Case", text(&s.case)),
        ("Filter (the scope)", filter),
        ("Content", said(content)),
        ("Snaplen", text(s.snaplen.to_string())),
        ("Source", Cell::Parts(source)),
        ("Started", text(c.started.to_string())),
        ("Ended", text(c.ended.to_string())),
        ("Ended by", text(c.ended_by.name())),
        (
            "Recovered",
            said(if c.recovered {
                "yes: closed by capture --recover after the capturing process died"
            } else {
                "no"
            }),
        ),
    ];
    if let Some(e) = &c.error {
        v.push(("Error", text(e)));
    }
    v.extend([
        ("Signed by", text(&c.signer)),
        ("Segments", text(c.segments.len().to_string())),
        ("Packets", text(c.packets.to_string())),
        (
            "Bytes kept / on the wire",
            text(format!("{} / {}", c.captured_bytes, c.original_bytes)),
        ),
        ("Drops", text(c.drops.total().to_string())),
    ]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::capture::{CaptureSource, Closed, Drops, Scope};
    use crate::report::{Format, ReportInput, render};
    use crate::verify::SegmentProven;

    fn proven() -> CaptureProven {
        CaptureProven {
            item: "ITEM-7".into(),
            capture_id: "cap-1".into(),
            scope: Scope {
                case: "C-1".into(),
                filter: "udp and port 9".into(),
                snaplen: 128,
                content: ContentMode::Headers,
                meta_sha256: None,
            },
            source: CaptureSource {
                kind: SourceKind::Interface,
                name: crate::pathrepr::PathRepr::from_bytes(b"lo"),
                format: None,
                linktype: 1,
                host: Some("probe".into()),
            },
            started: PacketTime { secs: 0, nanos: 1 },
            ended: PacketTime { secs: 60, nanos: 0 },
            ended_by: Closed::Signal,
            recovered: false,
            error: None,
            packets: 4,
            captured_bytes: 168,
            original_bytes: 400,
            drops: Drops {
                kernel: 2,
                interface: 0,
            },
            signer: "key ab (no certified identity)".into(),
            segments: vec![SegmentProven {
                sequence: 1,
                first_packet: Some(PacketTime { secs: 1, nanos: 0 }),
                last_packet: Some(PacketTime { secs: 2, nanos: 0 }),
                packets: 4,
                captured_bytes: 168,
                original_bytes: 400,
                drops: Drops {
                    kernel: 2,
                    interface: 0,
                },
                closed_by: Closed::Signal,
            }],
        }
    }

    /// Facts whose manifest.json lists one capture.
    fn facts() -> BundleFacts {
        let entry = serde_json::json!({
            "item": "ITEM-7", "capture_id": "cap-1", "record": "data/c/capture.json",
            "signature": "data/c/capture.json.minisig", "segments": [], "keys": [],
            "summary": {
                "source": serde_json::to_value(proven().source).unwrap(),
                "scope": serde_json::to_value(proven().scope).unwrap(),
                "started": "1970-01-01T00:00:00.000000001Z", "ended": "1970-01-01T00:01:00.000000000Z",
                "ended_by": "signal", "segments": 1, "packets": 4,
                "drops": {"kernel": 2, "interface": 0}, "recovered": false
            }
        });
        let m = serde_json::json!({
            "schema": crate::model::MANIFEST_SCHEMA_V2, "bundle_id": "b", "bundle_name": "b",
            "sealed": "2024-01-01T00:00:00Z", "tool": "t", "case": {"case_reference": "C-1"},
            "algorithms": ["sha256"], "piece_size": 4096, "piece_algorithm": "blake3-tree",
            "files": [], "symlinks": [], "unreadable": [], "skipped": [], "captures": [entry]
        });
        let mut f = BundleFacts::default();
        f.manifest = Some(serde_json::from_value(m).unwrap());
        f
    }

    fn markdown(r: &VerifyReport, f: &BundleFacts) -> String {
        let input = ReportInput {
            verify: r,
            facts: f,
            bundle_name: "b.zip",
            generated: "2024-01-01T00:00:00Z",
            ciphertext: None,
        };
        let mut out = Vec::new();
        render(&input, Format::Markdown, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_verified_capture_is_shown_with_its_scope_segments_and_drops() {
        let mut r = VerifyReport::default().all_checks_ran();
        r.captures.push(proven());
        let md = markdown(&r, &facts());
        for want in [
            "Traffic captures",
            "udp and port 9",
            "headers: link, network and transport headers only",
            "WARNING: 2 packets dropped by the kernel (2)",
            "1970-01-01T00:00:01.000000000Z",
            "168 / 400",
            "key ab (no certified identity)",
        ] {
            assert!(md.contains(want), "{want:?} missing:\n{md}");
        }
    }

    #[test]
    fn an_unverified_bundle_shows_no_capture_claim() {
        let mut r = VerifyReport::default();
        r.captures.push(proven());
        let md = markdown(&r, &facts());
        assert!(
            md.contains(
                "This bundle lists 1 traffic capture, described only when the bundle verifies"
            ),
            "{md}"
        );
        assert!(!md.contains("udp and port 9"), "{md}");
        // Without any capture in manifest.json, no section at all.
        let none = BundleFacts::default();
        assert!(blocks(&VerifyReport::default().all_checks_ran(), &none).is_empty());
    }
}
