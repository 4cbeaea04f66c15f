//! Traffic captures sealed and verified (issue 19): a capture made from a
//! pcap file, rotated by size into several signed segments, seals and
//! verifies with the captures check passed, and `report` shows it. Then
//! the capture directory is tampered with before the seal (the seal is
//! faithful: it seals what it finds), as an attacker without the
//! capturing key could, and each attempt fails `verify` (exit 1) with a
//! `capture` finding naming the place.

use crate::bundle::{examiner, trust};
use crate::custody::codes;
use crate::harness::Env;
use evidentia::capture::pcap::Writer;
use evidentia::model::capture::{CaptureRecord, PacketTime, SegmentRecord, segment_comment};
use evidentia::model::to_json_bytes;
use evidentia::sign::KeyStore;
use evidentia::sign::keystore::KeyRole;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Packets in the input: enough for four segments of 4 KiB in headers
/// mode (42 bytes kept and 16 of record header each).
const PACKETS: u32 = 250;

/// An Ethernet, IPv4 and UDP packet to port 9 carrying `payload`.
fn udp(payload: &[u8]) -> Vec<u8> {
    let mut p = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    let total = (28 + payload.len()) as u16;
    p.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0,
        0,
        64,
        17,
        0,
        0,
    ]);
    p.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
    let ulen = (8 + payload.len()) as u16;
    p.extend_from_slice(&[0x30, 0x39, 0, 9, (ulen >> 8) as u8, ulen as u8, 0, 0]);
    p.extend_from_slice(payload);
    p
}

/// The input pcap: [`PACKETS`] UDP packets, each with a payload marker.
fn input_pcap(env: &Env) -> PathBuf {
    let path = env.path().join("input.pcap");
    let mut w = Writer::new(std::fs::File::create(&path).unwrap(), 1, 65_535, true).unwrap();
    for i in 0..PACKETS {
        let data = udp(format!("SECRET-PAYLOAD-{i:04}-{}", "x".repeat(40)).as_bytes());
        let time = PacketTime {
            secs: 1_796_000_000 + i64::from(i),
            nanos: i * 1000,
        };
        w.write_packet(time, data.len() as u32, &data).unwrap();
    }
    w.into_inner();
    path
}

/// A home with a trusted examiner key, and the input pcap.
struct Lab {
    env: Env,
    key: String,
    input: PathBuf,
}

fn lab() -> Lab {
    let env = Env::new();
    let key = examiner(&env, "Jana Examiner");
    trust(&env, &key);
    let input = input_pcap(&env);
    Lab { env, key, input }
}

/// `evidentia capture` of the input into `out`, rotated every 4 KiB.
fn capture(lab: &Lab, out: &str, extra: &[&str]) -> PathBuf {
    let mut args: Vec<&OsStr> = vec![OsStr::new("capture"), lab.input.as_os_str()];
    for a in [
        "--out", out, "--case", "C-19", "--key", &lab.key, "--rotate", "4K",
    ] {
        args.push(OsStr::new(a));
    }
    args.extend(extra.iter().map(OsStr::new));
    lab.env.run(args).expect_code(0);
    let dir = lab.env.path().join(out);
    assert!(segment(&dir, 4, ".json").is_file(), "fewer than 4 segments");
    dir
}

/// A headers capture (`cap`) and its directory.
fn fresh() -> (Lab, PathBuf) {
    let lab = lab();
    let dir = capture(&lab, "cap", &[]);
    (lab, dir)
}

fn segment(dir: &Path, n: u64, suffix: &str) -> PathBuf {
    dir.join("segments").join(format!("{n:06}{suffix}"))
}

/// Seal `dir` into `<name>.zip`; verify it: (exit code, JSON).
fn seal_verify(lab: &Lab, dir: &Path, name: &str) -> (i32, Value) {
    let out = lab.env.path().join(format!("{name}.zip"));
    lab.env
        .run([
            OsStr::new("seal"),
            dir.as_os_str(),
            OsStr::new("--out"),
            out.as_os_str(),
            OsStr::new("--case"),
            OsStr::new("C-19"),
            OsStr::new("--key"),
            OsStr::new(&lab.key),
        ])
        .expect_code(0);
    let r = lab
        .env
        .run([OsStr::new("--json"), OsStr::new("verify"), out.as_os_str()]);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap_or(Value::Null);
    (r.code, v)
}

/// Verify fails with a `capture` finding at a path ending in `at` whose
/// message contains `says`, for each pair; no capture is described.
#[track_caller]
fn refused(lab: &Lab, dir: &Path, wanted: &[(&str, &str)]) {
    let (code, v) = seal_verify(lab, dir, "bad");
    assert_eq!(code, 1, "{v}");
    assert!(v["captures"].is_null(), "a capture was described: {v}");
    let found = codes(&v);
    for (at, says) in wanted {
        assert!(
            found
                .iter()
                .any(|(c, p, m)| c == "capture" && p.ends_with(at) && m.contains(says)),
            "no capture finding at {at} saying {says:?}: {found:#?}"
        );
    }
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "captures")
        .unwrap();
    assert_ne!(check["outcome"], "passed", "{check}");
}

/// The signer of key `id` in `env`'s home.
fn signer(env: &Env, id: &str) -> evidentia::sign::Signer {
    let store = KeyStore::open(env.home().join("keys"));
    let file = store.find(Some(id), KeyRole::Examiner).unwrap();
    store.signer(&file, None).unwrap()
}

fn read_json<T: serde::de::DeserializeOwned>(p: &Path) -> T {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn a_rotated_capture_seals_verifies_and_is_reported() {
    let (lab, dir) = fresh();
    let (code, v) = seal_verify(&lab, &dir, "good");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"], "verified");
    let checks = v["checks"].as_array().unwrap();
    let captures = checks.iter().find(|c| c["check"] == "captures").unwrap();
    assert_eq!(captures["outcome"], "passed");
    let c = &v["captures"][0];
    assert_eq!(c["packets"], PACKETS);
    assert!(c["segments"].as_array().unwrap().len() >= 4, "{c}");
    assert_eq!(c["scope"]["content"], "headers");
    let bundle = lab.env.path().join("good.zip");
    let r = lab.env.run([
        OsStr::new("report"),
        bundle.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("md"),
    ]);
    r.expect_code(0);
    let md = r.stdout_str();
    for want in [
        "Traffic captures",
        "C-19",
        "headers: link, network and transport",
    ] {
        assert!(md.contains(want), "{want:?} not in the report:\n{md}");
    }
    assert!(!md.contains("WARNING"), "no drops, no warning:\n{md}");
    let text = lab.env.run([OsStr::new("verify"), bundle.as_os_str()]);
    text.expect_code(0);
    let line = format!("{PACKETS} packets");
    let out = text.stdout_str();
    assert!(
        out.contains("chain, counts and signatures hold") && out.contains(&line),
        "{out}"
    );
}

#[test]
fn an_unfinished_capture_is_refused_by_seal() {
    let lab = lab();
    let dir = lab.env.path().join("running");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("capture.open"), b"{}").unwrap();
    let r = lab.env.run([
        OsStr::new("seal"),
        dir.as_os_str(),
        OsStr::new("--out"),
        OsStr::new("x.zip"),
        OsStr::new("--case"),
        OsStr::new("C"),
    ]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("running"), "{}", r.stderr);
    assert!(
        r.stderr.contains("hint: ") && r.stderr.contains("evidentia capture --recover"),
        "{}",
        r.stderr
    );
    assert!(!lab.env.path().join("x.zip").exists());
}

#[test]
fn a_removed_segment_fails() {
    let (lab, dir) = fresh();
    for s in [".pcap", ".json", ".json.minisig", ".flows.jsonl"] {
        std::fs::remove_file(segment(&dir, 2, s)).unwrap();
    }
    refused(
        &lab,
        &dir,
        &[("segments/000002.json", "not in the payload")],
    );
}

#[test]
fn reordered_segments_fail() {
    let (lab, dir) = fresh();
    for s in [".pcap", ".json", ".json.minisig", ".flows.jsonl"] {
        let (a, b, t) = (segment(&dir, 2, s), segment(&dir, 3, s), dir.join("t"));
        std::fs::rename(&a, &t).unwrap();
        std::fs::rename(&b, &a).unwrap();
        std::fs::rename(&t, &b).unwrap();
    }
    refused(&lab, &dir, &[("segments/000002.json", "sequence")]);
}

#[test]
fn an_edited_pcap_byte_fails() {
    let (lab, dir) = fresh();
    let p = segment(&dir, 1, ".pcap");
    let mut b = std::fs::read(&p).unwrap();
    let at = b.len() - 3;
    b[at] ^= 0x40;
    std::fs::write(&p, b).unwrap();
    refused(&lab, &dir, &[("segments/000001.pcap", "sha256 differs")]);
}

#[test]
fn a_record_re_signed_with_an_untrusted_key_fails() {
    let (lab, dir) = fresh();
    let mallory = examiner(&lab.env, "Mallory");
    let path = segment(&dir, 2, ".json");
    let mut r: SegmentRecord = read_json(&path);
    r.packets += 1;
    r.key_id = mallory.clone();
    let bytes = to_json_bytes(&r);
    std::fs::write(&path, &bytes).unwrap();
    let sig = signer(&lab.env, &mallory).sign(&bytes, &segment_comment(&r.capture_id, 2, &mallory));
    std::fs::write(segment(&dir, 2, ".json.minisig"), sig).unwrap();
    // Their public key goes along, so the signature is found valid.
    let public = signer(&lab.env, &mallory).public_key_file();
    std::fs::write(dir.join("keys").join(format!("{mallory}.pub")), public).unwrap();
    refused(
        &lab,
        &dir,
        &[("segments/000002.json.minisig", "is not trusted")],
    );
}

#[test]
fn a_replaced_flows_file_fails() {
    let (lab, dir) = fresh();
    std::fs::write(segment(&dir, 1, ".flows.jsonl"), b"{\"proto\":\"tcp\"}\n").unwrap();
    refused(
        &lab,
        &dir,
        &[("segments/000001.flows.jsonl", "SHA-256 differs")],
    );
}

#[test]
fn a_deleted_end_signature_fails() {
    let (lab, dir) = fresh();
    std::fs::remove_file(dir.join("capture.json.minisig")).unwrap();
    refused(
        &lab,
        &dir,
        &[("capture.json.minisig", "not in the payload")],
    );
}

#[test]
fn an_extra_segment_file_fails() {
    let (lab, dir) = fresh();
    let one = std::fs::read(segment(&dir, 1, ".pcap")).unwrap();
    std::fs::write(segment(&dir, 9, ".pcap"), one).unwrap();
    refused(&lab, &dir, &[("segments/000009.pcap", "not a file of the")]);
}

#[test]
fn a_headers_capture_with_payload_bytes_swapped_in_fails() {
    // A full capture of the same input, then its first pcap under the
    // headers capture's record, the record rewritten to match it (size,
    // hashes, bytes) without the key: the signature no longer holds, and
    // the packets themselves carry payload.
    let (lab, dir) = fresh();
    let meta = lab.env.write(
        "meta.json",
        br#"{"case_reference":"C-19","data_category":"content","legal_basis":"court order 19/2026"}"#,
    );
    let full = capture(
        &lab,
        "full",
        &["--content", "full", "--meta", meta.to_str().unwrap()],
    );
    std::fs::copy(segment(&full, 1, ".pcap"), segment(&dir, 1, ".pcap")).unwrap();
    let theirs: SegmentRecord = read_json(&segment(&full, 1, ".json"));
    let path = segment(&dir, 1, ".json");
    let mut r: SegmentRecord = read_json(&path);
    (r.size, r.hashes) = (theirs.size, theirs.hashes);
    (r.packets, r.captured_bytes) = (theirs.packets, theirs.captured_bytes);
    (r.original_bytes, r.last_packet) = (theirs.original_bytes, theirs.last_packet);
    std::fs::write(&path, to_json_bytes(&r)).unwrap();
    refused(
        &lab,
        &dir,
        &[
            ("segments/000001.json.minisig", "not a valid signature"),
            (
                "segments/000001.pcap",
                "payload bytes in a headers-only capture",
            ),
        ],
    );
}

// Three keyless attacks of our own.

#[test]
fn a_cut_tail_with_capture_json_rewritten_fails() {
    // The last segment dropped and capture.json rewritten to end one
    // segment earlier (count, head, totals): its signature breaks.
    let (lab, dir) = fresh();
    let path = dir.join("capture.json");
    let mut end: CaptureRecord = read_json(&path);
    let n = end.segments;
    let last: SegmentRecord = read_json(&segment(&dir, n, ".json"));
    for s in [".pcap", ".json", ".json.minisig", ".flows.jsonl"] {
        std::fs::remove_file(segment(&dir, n, s)).unwrap();
    }
    end.segments -= 1;
    end.last = last.previous;
    end.packets -= last.packets;
    end.captured_bytes -= last.captured_bytes;
    end.original_bytes -= last.original_bytes;
    std::fs::write(&path, to_json_bytes(&end)).unwrap();
    refused(
        &lab,
        &dir,
        &[("capture.json.minisig", "not a valid signature")],
    );
}

#[test]
fn a_genuine_segment_of_another_capture_spliced_in_fails() {
    // Segment 2 of a second capture of the same input, by the same
    // trusted key: every signature is valid, but it is another capture
    // and it breaks the chain.
    let (lab, dir) = fresh();
    let other = capture(&lab, "other", &[]);
    for s in [".pcap", ".json", ".json.minisig", ".flows.jsonl"] {
        std::fs::copy(segment(&other, 2, s), segment(&dir, 2, s)).unwrap();
    }
    refused(
        &lab,
        &dir,
        &[
            ("segments/000002.json", "capture_id differs"),
            ("segments/000003.json", "the chain breaks here"),
        ],
    );
}

#[test]
fn a_swapped_meta_file_fails() {
    // The legal basis rewritten in the meta file the records commit to.
    let lab = lab();
    let meta = lab.env.write(
        "meta.json",
        br#"{"case_reference":"C-19","legal_basis":"order 19/2026","items":["ITEM-7"]}"#,
    );
    let dir = capture(&lab, "cap", &["--meta", meta.to_str().unwrap()]);
    let (code, v) = seal_verify(&lab, &dir, "good");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["captures"][0]["item"], "ITEM-7");
    std::fs::write(
        dir.join("meta.json"),
        br#"{"case_reference":"C-19","legal_basis":"order 20/2026","items":["ITEM-7"]}"#,
    )
    .unwrap();
    refused(&lab, &dir, &[("meta.json", "SHA-256 differs")]);
}
