//! `evidentia capture` from files and stdin (no privilege needed): the
//! headers-only cut, content mode's legal basis, the filter as the scope,
//! rotation by size and by packet time, the chain, `--count` and
//! `--duration`, and `--recover` after `kill -9`. Live captures on the
//! loopback interface are in `capture_live.rs`.

use crate::bundle::{examiner, trust};
use crate::harness::{Env, peer, skip};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

/// The payload marker: never in a headers-mode segment.
pub const MARKER: &[u8] = b"EVIDENTIA-PAYLOAD-MARKER-7f3a";

/// An Ethernet/IPv4/UDP packet from 10.0.0.1:`sport` to 10.0.0.2:`dport`.
pub fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (20 + 8 + payload.len()) as u16;
    p.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ]);
    p.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    let ulen = (8 + payload.len()) as u16;
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&ulen.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

/// A classic little-endian microsecond pcap (Ethernet) of `packets`, each
/// `(seconds, microseconds, bytes)`.
pub fn pcap(packets: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&1u32.to_le_bytes());
    for (s, us, data) in packets {
        f.extend_from_slice(&s.to_le_bytes());
        f.extend_from_slice(&us.to_le_bytes());
        f.extend_from_slice(&(data.len() as u32).to_le_bytes());
        f.extend_from_slice(&(data.len() as u32).to_le_bytes());
        f.extend_from_slice(data);
    }
    f
}

/// `n` UDP packets to port 5300 carrying the marker, one every
/// `step_ms` milliseconds from 2026-12-03T07:00:00Z.
pub fn marked(n: u32, step_ms: u32) -> Vec<(u32, u32, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let ms = i * step_ms;
            let mut payload = MARKER.to_vec();
            payload.extend_from_slice(&i.to_be_bytes());
            payload.resize(200, b'.');
            (
                1_796_281_200 + ms / 1000,
                (ms % 1000) * 1000,
                udp(40000, 5300, &payload),
            )
        })
        .collect()
}

/// A key and a trust store that accepts it.
pub fn setup(env: &Env) -> String {
    let key = examiner(env, "Capture Examiner");
    trust(env, &key);
    key
}

pub fn json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every byte of every pcap segment in `dir`.
pub fn segment_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("segments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    names.sort();
    for p in names {
        all.extend(std::fs::read(p).unwrap());
    }
    all
}

#[test]
fn headers_mode_keeps_no_payload_and_records_every_packet() {
    let env = Env::new();
    setup(&env);
    let input = env.write("in.pcap", &pcap(&marked(50, 10)));
    assert!(contains(&std::fs::read(&input).unwrap(), MARKER));
    let r = env.run(["capture", "in.pcap", "--out", "cap", "--case", "C-1"]);
    r.expect_code(0);
    let dir = env.path().join("cap");
    assert!(
        !contains(&segment_bytes(&dir), MARKER),
        "a payload byte was written"
    );
    let end = json(&dir.join("capture.json"));
    assert_eq!(end["packets"], 50);
    assert_eq!(end["ended_by"], "end-of-input");
    assert_eq!(end["original_bytes"], 50 * (14 + 20 + 8 + 200));
    assert_eq!(
        end["captured_bytes"],
        50 * 42,
        "Ethernet, IPv4 and UDP headers only"
    );
    assert!(!dir.join("capture.open").exists());
    let seg = json(&dir.join("segments/000001.json"));
    assert_eq!(seg["packets"], 50);
    assert_eq!(seg["scope"]["content"], "headers");
    assert_eq!(seg["source"]["kind"], "file");
    assert!(seg.get("previous").is_none());
    let flows = std::fs::read_to_string(dir.join("segments/000001.flows.jsonl")).unwrap();
    let lines: Vec<Value> = flows
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{flows}");
    assert_eq!(lines[0]["packets"], 50);
    assert_eq!(lines[0]["dport"], 5300);
    assert_eq!(lines[0]["proto"], "udp");
    let sha = end["input_sha256"].as_str().unwrap();
    assert_eq!(
        sha,
        evidentia::hash::to_hex(&sha2_of(&std::fs::read(&input).unwrap()))
    );
    if let Some(tcpdump) = peer("tcpdump") {
        let out = std::process::Command::new(tcpdump)
            .args(["-nn", "-r"])
            .arg(dir.join("segments/000001.pcap"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 50);
    }
}

fn sha2_of(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

#[test]
fn full_content_needs_a_legal_basis_for_content() {
    let env = Env::new();
    setup(&env);
    env.write("in.pcap", &pcap(&marked(5, 10)));
    let r = env.run([
        "capture",
        "in.pcap",
        "--out",
        "cap",
        "--case",
        "C-1",
        "--content",
        "full",
    ]);
    r.expect_code(2);
    assert!(r.stderr.contains("content interception"), "{}", r.stderr);
    assert!(!env.path().join("cap").exists(), "nothing may be written");
    env.write(
        "traffic.toml",
        b"case_reference = \"C-1\"\ndata_category = \"traffic\"\nlegal_basis = \"art. 20\"\n",
    );
    let r = env.run([
        "capture",
        "in.pcap",
        "--out",
        "cap",
        "--content",
        "full",
        "--meta",
        "traffic.toml",
    ]);
    r.expect_code(2);
    assert!(r.stderr.contains("data_category"), "{}", r.stderr);
    let meta = b"case_reference = \"C-1\"\ndata_category = \"content\"\nlegal_basis = \"Order 17/2026, art. 21 Budapest Convention\"\n";
    env.write("content.toml", meta);
    let r = env.run([
        "capture",
        "in.pcap",
        "--out",
        "cap",
        "--content",
        "full",
        "--meta",
        "content.toml",
    ]);
    r.expect_code(0);
    let dir = env.path().join("cap");
    assert!(
        contains(&segment_bytes(&dir), MARKER),
        "full mode keeps the payload"
    );
    assert_eq!(std::fs::read(dir.join("meta.toml")).unwrap(), meta);
    let seg = json(&dir.join("segments/000001.json"));
    assert_eq!(seg["scope"]["content"], "full");
    assert_eq!(
        seg["scope"]["meta_sha256"].as_str().unwrap(),
        evidentia::hash::to_hex(&sha2_of(meta))
    );
}

#[test]
fn the_filter_is_the_scope_and_a_bad_one_writes_nothing() {
    let env = Env::new();
    setup(&env);
    let mut packets = marked(20, 10);
    packets.extend((0..7u32).map(|i| (1_796_281_300 + i, 0, udp(40000, 53, b"other"))));
    env.write("in.pcap", &pcap(&packets));
    let r = env.run([
        "capture", "in.pcap", "--out", "bad", "--case", "C-1", "--filter", "udp port",
    ]);
    if r.stderr.contains("libpcap is not installed") {
        skip("libpcap is not installed");
        return;
    }
    r.expect_code(2);
    assert!(r.stderr.contains("udp port"), "{}", r.stderr);
    assert!(!env.path().join("bad").exists(), "nothing may be written");
    let filter = "udp and dst port 5300";
    let r = env.run([
        "capture", "in.pcap", "--out", "cap", "--case", "C-1", "--filter", filter,
    ]);
    r.expect_code(0);
    let dir = env.path().join("cap");
    let end = json(&dir.join("capture.json"));
    assert_eq!(end["packets"], 20);
    assert_eq!(end["scope"]["filter"], filter);
    assert_eq!(
        json(&dir.join("segments/000001.json"))["scope"]["filter"],
        filter
    );
}

#[test]
fn rotation_by_size_and_by_packet_time_chains_every_segment() {
    let env = Env::new();
    setup(&env);
    env.write("in.pcap", &pcap(&marked(600, 100)));
    env.run([
        "capture", "in.pcap", "--out", "size", "--case", "C-1", "--rotate", "4K",
    ])
    .expect_code(0);
    let dir = env.path().join("size");
    let end = json(&dir.join("capture.json"));
    let n = end["segments"].as_u64().unwrap();
    assert!(n >= 5, "600 packets of 58 bytes in 4 KiB segments: {n}");
    let mut prev: Option<String> = None;
    let mut total = 0;
    for i in 1..=n {
        let rec = dir.join(format!("segments/{i:06}.json"));
        let r = json(&rec);
        assert_eq!(r["sequence"], i);
        assert_eq!(r["previous"]["sha256"].as_str().map(String::from), prev);
        let size = std::fs::metadata(dir.join(format!("segments/{i:06}.pcap")))
            .unwrap()
            .len();
        assert!(size <= 4096, "segment {i} is {size} bytes");
        assert_eq!(r["size"], size);
        total += r["packets"].as_u64().unwrap();
        prev = Some(evidentia::hash::to_hex(&sha2_of(
            &std::fs::read(&rec).unwrap(),
        )));
        assert!(dir.join(format!("segments/{i:06}.json.minisig")).is_file());
    }
    assert_eq!(total, 600);
    assert_eq!(end["last"]["sha256"].as_str().map(String::from), prev);
    // 600 packets 100 ms apart span 59.9 s of packet time: 10 s segments.
    env.run([
        "capture", "in.pcap", "--out", "time", "--case", "C-1", "--rotate", "10s",
    ])
    .expect_code(0);
    let end = json(&env.path().join("time/capture.json"));
    assert_eq!(end["segments"], 6);
    let first = json(&env.path().join("time/segments/000001.json"));
    assert_eq!(first["packets"], 100);
    assert_eq!(first["first_packet"], "2026-12-03T07:00:00.000000000Z");
    assert_eq!(first["last_packet"], "2026-12-03T07:00:09.900000000Z");
}

#[test]
fn count_and_duration_end_the_capture() {
    let env = Env::new();
    setup(&env);
    env.write("in.pcap", &pcap(&marked(100, 100)));
    env.run([
        "capture", "in.pcap", "--out", "c", "--case", "C-1", "--count", "17",
    ])
    .expect_code(0);
    let end = json(&env.path().join("c/capture.json"));
    assert_eq!(
        (end["packets"].as_u64(), end["ended_by"].as_str()),
        (Some(17), Some("count"))
    );
    env.run([
        "capture",
        "in.pcap",
        "--out",
        "d",
        "--case",
        "C-1",
        "--duration",
        "3s",
    ])
    .expect_code(0);
    let end = json(&env.path().join("d/capture.json"));
    assert_eq!(
        (end["packets"].as_u64(), end["ended_by"].as_str()),
        (Some(30), Some("duration"))
    );
}

#[test]
fn a_bad_input_names_the_offset_and_keeps_what_was_read() {
    let env = Env::new();
    setup(&env);
    let mut bytes = pcap(&marked(10, 10));
    bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7]);
    env.write("cut.pcap", &bytes);
    let r = env.run(["capture", "cut.pcap", "--out", "cap", "--case", "C-1"]);
    r.expect_code(2);
    assert!(r.stderr.contains("cut.pcap"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{}", bytes.len() - 7)),
        "the offset: {}",
        r.stderr
    );
    let end = json(&env.path().join("cap/capture.json"));
    assert_eq!(end["ended_by"], "error");
    assert_eq!(end["packets"], 10);
    env.write("junk.pcap", b"not a capture at all");
    let r = env.run(["capture", "junk.pcap", "--out", "j", "--case", "C-1"]);
    r.expect_code(2);
    assert!(!env.path().join("j").exists());
}

#[test]
fn kill_9_then_recover_closes_the_chain_and_touches_nothing_signed() {
    let env = Env::new();
    setup(&env);
    let mut child = env
        .cmd([
            "capture", "-", "--out", "cap", "--case", "C-1", "--rotate", "4K",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // 150 packets, then one 5 s later in packet time: buffered packets
    // reach the OS at least every second of packet time, so that one
    // flushes them all; then the process is killed.
    let mut list = marked(151, 10);
    list[150].0 += 5;
    let all = pcap(&list);
    let mut stdin = child.stdin.take().unwrap();
    let cut = 24 + 150 * (16 + 242);
    stdin.write_all(&all[..cut]).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    stdin.write_all(&all[cut..cut + 16 + 242]).unwrap();
    stdin.flush().unwrap();
    let dir = env.path().join("cap");
    let open = wait_for(&dir, 151);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(dir.join("capture.open").is_file());
    assert!(!dir.join("capture.json").exists());
    let signed: Vec<(std::path::PathBuf, Vec<u8>)> = signed_files(&dir);
    assert!(!signed.is_empty());
    // A power cut mid-write: half a packet record at the end.
    let last = dir.join(format!("segments/{open:06}.pcap"));
    std::fs::OpenOptions::new()
        .append(true)
        .open(&last)
        .unwrap()
        .write_all(&[9; 11])
        .unwrap();
    let r = env.run(["capture", "--recover", "cap"]);
    r.expect_code(0);
    assert!(r.stderr.contains("11 bytes"), "{}", r.stderr);
    let end = json(&dir.join("capture.json"));
    assert_eq!(end["ended_by"], "recovered");
    assert_eq!(end["recovered"], true);
    assert_eq!(end["packets"], 151);
    let rec = json(&dir.join(format!("segments/{open:06}.json")));
    assert_eq!(rec["closed_by"], "recovered");
    assert!(rec["note"].as_str().unwrap().contains("drop counters"));
    for (p, bytes) in signed {
        assert_eq!(
            std::fs::read(&p).unwrap(),
            bytes,
            "{} was changed",
            p.display()
        );
    }
    assert!(!dir.join("capture.open").exists());
    let again = env.run(["capture", "--recover", "cap"]);
    again.expect_code(2);
    assert!(
        again.stderr.contains("nothing to recover"),
        "{}",
        again.stderr
    );
    env.run(["seal", "cap", "--out", "cap.zip", "--case", "C-1"])
        .expect_code(0);
    env.run(["verify", "cap.zip"]).expect_code(0);
}

/// Wait until the capture in `dir` has written `packets` packets (signed
/// records plus the open segment's whole records); the open segment.
fn wait_for(dir: &Path, packets: u64) -> u64 {
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut signed = 0;
        let mut open = 1;
        while dir
            .join(format!("segments/{open:06}.json.minisig"))
            .is_file()
        {
            signed += json(&dir.join(format!("segments/{open:06}.json")))["packets"]
                .as_u64()
                .unwrap();
            open += 1;
        }
        let len =
            std::fs::metadata(dir.join(format!("segments/{open:06}.pcap"))).map_or(0, |m| m.len());
        if signed + len.saturating_sub(24) / (16 + 42) >= packets {
            return open;
        }
    }
    panic!("the capture did not write {packets} packets in 10 s");
}

/// Every signed segment file (record, signature, pcap, flows) with its bytes.
pub fn signed_files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 1;
    while dir.join(format!("segments/{i:06}.json.minisig")).is_file() {
        for suffix in ["pcap", "json", "json.minisig", "flows.jsonl"] {
            let p = dir.join(format!("segments/{i:06}.{suffix}"));
            let b = std::fs::read(&p).unwrap();
            out.push((p, b));
        }
        i += 1;
    }
    out
}

/// Every packet of every segment of a capture: (time, original length,
/// bytes kept).
fn packets(dir: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        let Ok(bytes) = std::fs::read(dir.join(format!("segments/{i:06}.pcap"))) else {
            return out;
        };
        let mut r = evidentia::capture::pcap::Reader::new(&bytes[..]).unwrap();
        while let Some(p) = r.next_packet().unwrap() {
            out.push((p.time.to_string(), p.orig_len, p.data.to_vec()));
        }
        i += 1;
    }
}

#[test]
fn tcpdump_and_dumpcap_files_in_every_format_give_the_same_packets() {
    let env = Env::new();
    setup(&env);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/capture");
    let mut seen = Vec::new();
    for name in ["lo.pcap", "lo.pcapng", "lo-nsec.pcap", "lo-be.pcap"] {
        let out = format!("cap-{name}");
        let input = data.join(name);
        let r = env.run([
            std::ffi::OsStr::new("capture"),
            input.as_os_str(),
            "--out".as_ref(),
            out.as_ref(),
            "--case".as_ref(),
            "C-1".as_ref(),
        ]);
        r.expect_code(0);
        let dir = env.path().join(&out);
        let got = packets(&dir);
        assert_eq!(got.len(), 13, "{name}");
        let end = json(&dir.join("capture.json"));
        assert_eq!(
            end["input_sha256"],
            evidentia::hash::to_hex(&sha2_of(&std::fs::read(&input).unwrap()))
        );
        assert!(
            !contains(&segment_bytes(&dir), b"EVIDENTIA-PAYLOAD-MARKER"),
            "{name}"
        );
        seen.push((name, got));
    }
    for (name, got) in &seen[1..] {
        assert_eq!(got, &seen[0].1, "{name} gives other packets than lo.pcap");
    }
    // Another tool's pcapng mixing link types cannot go into one pcap
    // segment: the capture ends at the first packet of the second link
    // type, naming both; what came before is signed and capture.json says
    // why it ended.
    let mixed = data.join("mixed-linktypes.pcapng");
    let r = env.run([
        std::ffi::OsStr::new("capture"),
        mixed.as_os_str(),
        "--out".as_ref(),
        "mixed".as_ref(),
        "--case".as_ref(),
        "C-1".as_ref(),
    ]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("mixes link types (1 and 113)"),
        "{}",
        r.stderr
    );
    let end = json(&env.path().join("mixed/capture.json"));
    assert_eq!(
        (end["ended_by"].as_str(), end["packets"].as_u64()),
        (Some("error"), Some(13))
    );
    assert!(end["error"].as_str().unwrap().contains("mixes link types"));
}
