//! The captures check end to end on real bundles: a capture directory
//! written with the pcap writer and real records, sealed by `seal`,
//! verified with a stand-in verifier (a signature is the SHA-256 of the
//! data and its trusted comment; key `good` is trusted). A clean capture
//! passes and is proven; each tampering of the directory before the seal
//! is a `capture` finding naming its place.

use super::super::bag::sha256_hex;
use crate::bundle::seal;
use crate::capture::headers::dissect;
use crate::capture::pcap::Writer;
use crate::model::capture::*;
use crate::model::to_json_bytes;
use crate::pathrepr::PathRepr;
use crate::verify::{
    BundledKeys, Check, FindingCode, SignatureCheck, SignatureVerifier, SignerKind, VerifyOptions,
    VerifyReport, verify,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A stand-in signature: the data's SHA-256, then the trusted comment.
fn sign(data: &[u8], comment: &str) -> Vec<u8> {
    format!("SIG:{}\n{comment}", sha256_hex(data)).into_bytes()
}

struct Fake;

impl SignatureVerifier for Fake {
    fn verify(&self, data: &[u8], sig: &[u8], _k: &BundledKeys, _t: &str) -> SignatureCheck {
        let text = String::from_utf8_lossy(sig);
        let Some((hash, comment)) = text.strip_prefix("SIG:").and_then(|t| t.split_once('\n'))
        else {
            return SignatureCheck::Invalid {
                reason: "not a signature".into(),
            };
        };
        if hash != sha256_hex(data) {
            return SignatureCheck::Invalid {
                reason: "does not verify".into(),
            };
        }
        let key_id = comment
            .rsplit("key:")
            .next()
            .unwrap_or_default()
            .to_string();
        if key_id == "good" {
            SignatureCheck::Trusted {
                key_id,
                signer: crate::verify::NO_IDENTITY.into(),
                trust_path: "pinned".into(),
                identity: None,
                kind: SignerKind::Pinned,
                trusted_comment: comment.into(),
            }
        } else {
            SignatureCheck::Untrusted {
                key_id,
                reason: "not pinned".into(),
                trusted_comment: comment.into(),
            }
        }
    }
}

/// An Ethernet, IPv4 and UDP packet carrying `payload`.
fn udp(payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 12];
    p.extend_from_slice(&[0x08, 0x00]);
    let total = (20 + 8 + payload.len()) as u16;
    p.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0,
        0,
        64,
        17,
        0,
        0,
    ]);
    p.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
    let ulen = (8 + payload.len()) as u16;
    p.extend_from_slice(&[0x30, 0x39, 0x00, 0x09, (ulen >> 8) as u8, ulen as u8, 0, 0]);
    p.extend_from_slice(payload);
    p
}

fn scope(content: ContentMode) -> Scope {
    Scope {
        case: "C-1".into(),
        filter: "udp port 9".into(),
        snaplen: 262_144,
        content,
        meta_sha256: None,
    }
}

fn source() -> CaptureSource {
    CaptureSource {
        kind: SourceKind::File,
        name: PathRepr::from_bytes(b"in.pcap"),
        format: Some("pcap".into()),
        linktype: 1,
        host: None,
    }
}

fn at(secs: i64) -> PacketTime {
    PacketTime { secs, nanos: 5 }
}

/// Write a capture of `segments` segments of three packets each into
/// `dir`, as `evidentia capture` would (headers mode keeps the headers).
fn write_capture(dir: &Path, segments: u64, content: ContentMode) {
    std::fs::create_dir_all(dir.join(SEGMENTS_DIR)).unwrap();
    std::fs::create_dir_all(dir.join(KEYS_DIR)).unwrap();
    std::fs::write(dir.join(KEYS_DIR).join("good.pub"), b"a public key").unwrap();
    let mut previous: Option<ChainLink> = None;
    let (mut packets, mut captured, mut original) = (0, 0, 0);
    for n in 1..=segments {
        let names = segment_names(n);
        let mut w = Writer::new(Vec::new(), 1, 262_144, true).unwrap();
        let (mut cap, mut orig) = (0u64, 0u64);
        for i in 0..3 {
            let whole = udp(format!("MARKER-{n}-{i}").as_bytes());
            let keep = match content {
                ContentMode::Headers => dissect(1, &whole).header_len,
                ContentMode::Full => whole.len(),
            };
            w.write_packet(
                at(100 + n as i64 * 10 + i),
                whole.len() as u32,
                &whole[..keep],
            )
            .unwrap();
            cap += keep as u64;
            orig += whole.len() as u64;
        }
        let pcap = w.into_inner();
        let flows = b"{\"proto\":\"udp\"}\n".to_vec();
        std::fs::write(dir.join(SEGMENTS_DIR).join(&names.pcap), &pcap).unwrap();
        std::fs::write(dir.join(SEGMENTS_DIR).join(&names.flows), &flows).unwrap();
        let record = SegmentRecord {
            schema: SEGMENT_SCHEMA.into(),
            capture_id: "cap-1".into(),
            sequence: n,
            previous: previous.clone(),
            scope: scope(content),
            source: source(),
            file: names.pcap.clone(),
            size: pcap.len() as u64,
            hashes: BTreeMap::from([
                ("sha256".to_string(), sha256_hex(&pcap)),
                (
                    "blake3".to_string(),
                    blake3::hash(&pcap).to_hex().to_string(),
                ),
            ]),
            flows: FlowsFile {
                file: names.flows.clone(),
                sha256: sha256_hex(&flows),
                records: 1,
            },
            opened: at(100 + n as i64 * 10),
            closed: at(109 + n as i64 * 10),
            closed_by: Closed::Rotate,
            first_packet: Some(at(100 + n as i64 * 10)),
            last_packet: Some(at(102 + n as i64 * 10)),
            packets: 3,
            captured_bytes: cap,
            original_bytes: orig,
            drops: Drops::default(),
            drops_total: Drops::default(),
            note: None,
            key_id: "good".into(),
            tool: "test".into(),
        };
        let bytes = to_json_bytes(&record);
        let sig = sign(&bytes, &segment_comment("cap-1", n, "good"));
        std::fs::write(dir.join(SEGMENTS_DIR).join(&names.record), &bytes).unwrap();
        std::fs::write(dir.join(SEGMENTS_DIR).join(&names.signature), sig).unwrap();
        previous = Some(ChainLink {
            record: names.record,
            sha256: sha256_hex(&bytes),
        });
        packets += 3;
        captured += cap;
        original += orig;
    }
    let end = CaptureRecord {
        schema: CAPTURE_SCHEMA.into(),
        capture_id: "cap-1".into(),
        scope: scope(content),
        source: source(),
        started: at(100),
        ended: at(200),
        ended_by: Closed::EndOfInput,
        error: None,
        segments,
        last: previous,
        packets,
        captured_bytes: captured,
        original_bytes: original,
        drops: Drops::default(),
        recovered: false,
        input_sha256: None,
        key_id: "good".into(),
        tool: "test".into(),
    };
    write_end(dir, &end);
}

/// Write `capture.json` and its signature.
fn write_end(dir: &Path, end: &CaptureRecord) {
    let bytes = to_json_bytes(end);
    std::fs::write(dir.join(CAPTURE_FILE), &bytes).unwrap();
    let sig = sign(&bytes, &end_comment(&end.capture_id, &end.key_id));
    std::fs::write(dir.join(format!("{CAPTURE_FILE}.minisig")), sig).unwrap();
}

/// Seal `dir` (unsigned) and verify it with [`Fake`].
fn seal_and_verify(dir: &Path) -> VerifyReport {
    let out = dir.with_extension("zip");
    let mut opts = crate::verify::tests::seal_opts(dir, &out);
    opts.case.case_reference = "C-1".into();
    seal(&opts, None, &mut |_| {}).unwrap();
    verify(&out, &VerifyOptions::default(), Some(&Fake), &mut |_| {}).unwrap()
}

/// The `capture` findings as (path, message).
fn capture_findings(r: &VerifyReport) -> Vec<(String, String)> {
    r.findings
        .iter()
        .filter(|f| f.code == FindingCode::Capture)
        .map(|f| (f.path.clone(), f.message.clone()))
        .collect()
}

/// A fresh capture of three segments in a temporary directory.
fn fresh(content: ContentMode) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let cap = tmp.path().join("cap");
    write_capture(&cap, 3, content);
    (tmp, cap)
}

fn seg(cap: &Path, name: &str) -> PathBuf {
    cap.join(SEGMENTS_DIR).join(name)
}

#[test]
fn a_clean_capture_passes_and_is_proven() {
    let (_tmp, cap) = fresh(ContentMode::Headers);
    let r = seal_and_verify(&cap);
    assert!(capture_findings(&r).is_empty(), "{:?}", r.findings);
    assert!(r.checks.has_run(Check::Captures));
    assert_eq!(r.captures.len(), 1);
    let p = &r.captures[0];
    assert_eq!((p.packets, p.segments.len()), (9, 3));
    assert_eq!(p.item, "cap");
    assert_eq!(p.signer, "key good (no certified identity)");
    assert_eq!(p.segments[1].first_packet, Some(at(120)));
}

#[test]
fn without_a_trust_store_the_check_does_not_run() {
    let (_tmp, cap) = fresh(ContentMode::Headers);
    seal_and_verify(&cap);
    let out = cap.with_extension("zip");
    let r = verify(&out, &VerifyOptions::default(), None, &mut |_| {}).unwrap();
    assert!(!r.checks.has_run(Check::Captures));
    assert!(r.captures.is_empty());
    assert!(r.findings.iter().any(|f| f.path == "captures"));
}

#[test]
fn a_missing_segment_is_named() {
    let (_tmp, cap) = fresh(ContentMode::Headers);
    let n = segment_names(2);
    for name in [n.pcap, n.record, n.signature, n.flows] {
        std::fs::remove_file(seg(&cap, &name)).unwrap();
    }
    let found = capture_findings(&seal_and_verify(&cap));
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/segments/000002.json" && m.contains("not in the payload")),
        "{found:?}"
    );
}

#[test]
fn an_edited_pcap_byte_is_named() {
    let (_tmp, cap) = fresh(ContentMode::Headers);
    let p = seg(&cap, "000001.pcap");
    let mut b = std::fs::read(&p).unwrap();
    let last = b.len() - 1;
    b[last] ^= 1;
    std::fs::write(&p, b).unwrap();
    let found = capture_findings(&seal_and_verify(&cap));
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/segments/000001.pcap" && m.contains("sha256 differs")),
        "{found:?}"
    );
}

#[test]
fn reordered_segments_break_the_chain() {
    let (_tmp, cap) = fresh(ContentMode::Headers);
    for suffix in [".pcap", ".json", ".json.minisig", ".flows.jsonl"] {
        let (a, b) = (seg(&cap, &format!("000002{suffix}")), seg(&cap, "swap"));
        std::fs::rename(&a, &b).unwrap();
        std::fs::rename(seg(&cap, &format!("000003{suffix}")), &a).unwrap();
        std::fs::rename(&b, seg(&cap, &format!("000003{suffix}"))).unwrap();
    }
    let found = capture_findings(&seal_and_verify(&cap));
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/segments/000002.json" && m.starts_with("sequence")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(_, m)| m.contains("the chain breaks here")),
        "{found:?}"
    );
}

#[test]
fn an_extra_segment_file_and_an_untrusted_end_are_named() {
    let (_tmp, cap) = fresh(ContentMode::Headers);
    std::fs::write(seg(&cap, "000009.pcap"), b"x").unwrap();
    // A keyless attacker rewrites capture.json (one packet fewer) and
    // signs it with a key of their own.
    let mut end: CaptureRecord =
        serde_json::from_slice(&std::fs::read(cap.join(CAPTURE_FILE)).unwrap()).unwrap();
    end.packets -= 1;
    end.key_id = "evil".into();
    write_end(&cap, &end);
    let found = capture_findings(&seal_and_verify(&cap));
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/segments/000009.pcap"
                && m.contains("not a file of the 3 segments")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/capture.json.minisig"
                && m.contains("key evil is not trusted")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/capture.json" && m.starts_with("packets")),
        "{found:?}"
    );
}

#[test]
fn payload_bytes_in_a_headers_capture_are_named() {
    // A full capture's segment 1 under a headers-only scope, its record
    // made to match and signed with the trusted stand-in: only the
    // packets themselves can object.
    let (_tmp, cap) = fresh(ContentMode::Headers);
    let (_tmp2, full) = fresh(ContentMode::Full);
    let pcap = std::fs::read(seg(&full, "000001.pcap")).unwrap();
    std::fs::write(seg(&cap, "000001.pcap"), &pcap).unwrap();
    let rec_path = seg(&cap, "000001.json");
    let mut r: SegmentRecord = serde_json::from_slice(&std::fs::read(&rec_path).unwrap()).unwrap();
    let full_rec: SegmentRecord =
        serde_json::from_slice(&std::fs::read(seg(&full, "000001.json")).unwrap()).unwrap();
    r.size = full_rec.size;
    r.hashes = full_rec.hashes;
    r.captured_bytes = full_rec.captured_bytes;
    let bytes = to_json_bytes(&r);
    std::fs::write(&rec_path, &bytes).unwrap();
    std::fs::write(
        seg(&cap, "000001.json.minisig"),
        sign(&bytes, &segment_comment("cap-1", 1, "good")),
    )
    .unwrap();
    let found = capture_findings(&seal_and_verify(&cap));
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/segments/000001.pcap"
                && m.contains("payload bytes in a headers-only capture: 3 packets")),
        "{found:?}"
    );
}

#[test]
fn a_swapped_flows_file_and_a_meta_file_nobody_signed_are_named() {
    let (_tmp, cap) = fresh(ContentMode::Headers);
    std::fs::write(seg(&cap, "000003.flows.jsonl"), b"{}\n{}\n").unwrap();
    std::fs::write(cap.join("meta.json"), b"{\"case_reference\":\"C-1\"}").unwrap();
    let found = capture_findings(&seal_and_verify(&cap));
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/segments/000003.flows.jsonl"
                && m.starts_with("SHA-256 differs")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "data/cap/meta.json" && m.contains("no capture record commits")),
        "{found:?}"
    );
}
