//! `capture --recover DIR`: close a capture whose process died (power
//! cut, `kill -9`). The open segment is cut back to its last whole packet,
//! re-read, summarised, signed as recovered and chained; then the end
//! record closes the capture. Nothing already signed is touched: signed
//! records are only read (and must chain), and only the unsigned files of
//! the last segment are rewritten.

use super::CaptureError;
use super::flows::FlowTable;
use super::headers::dissect;
use super::pcap::{HEADER_LEN, Reader, Writer};
use super::run::write_end;
use super::segment::{FLOW_CAP, Head, Segments, link, sync_dir};
use crate::hash::{AlgorithmSet, HashOptions, hash_reader};
use crate::model::capture::{
    CAPTURE_FILE, CAPTURE_SCHEMA, CaptureRecord, ChainLink, Closed, Drops, FlowsFile, OPEN_FILE,
    OpenRecord, PacketTime, SEGMENT_SCHEMA, SEGMENTS_DIR, SegmentRecord, segment_names,
    segment_number,
};
use crate::sign::Signer;
use std::io::BufReader;
use std::path::Path;

/// What `--recover` did.
#[derive(Debug)]
pub struct Recovered {
    /// The segment that was open and is now closed as recovered.
    pub segment: Option<u64>,
    /// Bytes cut from its end (a partly written packet).
    pub truncated: u64,
    /// The end record written.
    pub record: CaptureRecord,
}

/// Close the capture in `dir`, signing with `signer`.
pub fn recover(dir: &Path, signer: &Signer, tool: &str) -> Result<Recovered, CaptureError> {
    let open = read_open(dir)?;
    let seg_dir = dir.join(SEGMENTS_DIR);
    let highest = highest_segment(&seg_dir)?;
    let mut records = Vec::new();
    let mut previous: Option<ChainLink> = None;
    for n in 1..=highest {
        let names = segment_names(n);
        let signed =
            seg_dir.join(&names.record).is_file() && seg_dir.join(&names.signature).is_file();
        if !signed && n < highest {
            return Err(CaptureError::Refused(format!(
                "{}: segment {n} has no signed record but a later segment exists: the \
                 directory is not as the capture left it",
                seg_dir.display()
            )));
        }
        if !signed {
            break;
        }
        let bytes = read(&seg_dir.join(&names.record))?;
        let r: SegmentRecord = serde_json::from_slice(&bytes).map_err(|e| {
            CaptureError::Refused(format!("{}: {e}", seg_dir.join(&names.record).display()))
        })?;
        if r.sequence != n || r.previous != previous || r.capture_id != open.capture_id {
            return Err(CaptureError::Refused(format!(
                "{}: the signed record does not continue the chain of capture {}",
                seg_dir.join(&names.record).display(),
                open.capture_id
            )));
        }
        previous = Some(link(&names.record, &bytes));
        records.push(r);
    }
    let head = Head {
        capture_id: open.capture_id.clone(),
        scope: open.scope.clone(),
        source: open.source.clone(),
        nanos: open.nanos,
        tool: tool.to_string(),
    };
    let mut segments = Segments::new(seg_dir.clone(), head, signer, highest, previous);
    let (segment, truncated) = match highest > records.len() as u64 {
        true => {
            let (r, cut) = close_open(&seg_dir, highest, &open, &mut segments, &records)?;
            records.push(r);
            (Some(highest), cut)
        }
        false => (None, 0),
    };
    let record = end_record(&open, &records, segments.last().cloned(), signer, tool);
    write_end(dir, &record, signer)?;
    Ok(Recovered {
        segment,
        truncated,
        record,
    })
}

/// `capture.open`, or why this is not a capture to recover.
fn read_open(dir: &Path) -> Result<OpenRecord, CaptureError> {
    let path = dir.join(OPEN_FILE);
    if !path.is_file() {
        let why = match dir.join(CAPTURE_FILE).is_file() {
            true => "the capture was closed normally (capture.json is there); nothing to recover",
            false => "not a capture directory (no capture.open)",
        };
        return Err(CaptureError::Refused(format!("{}: {why}", dir.display())));
    }
    let bytes = read(&path)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CaptureError::Refused(format!("{}: {e}", path.display())))
}

fn read(path: &Path) -> Result<Vec<u8>, CaptureError> {
    std::fs::read(path).map_err(|e| CaptureError::io(path, e))
}

/// The highest segment number with a pcap file (0 when none).
fn highest_segment(seg_dir: &Path) -> Result<u64, CaptureError> {
    let mut highest = 0;
    for entry in std::fs::read_dir(seg_dir).map_err(|e| CaptureError::io(seg_dir, e))? {
        let entry = entry.map_err(|e| CaptureError::io(seg_dir, e))?;
        if let Some((n, ".pcap")) = entry.file_name().to_str().and_then(segment_number) {
            highest = highest.max(n);
        }
    }
    Ok(highest)
}

/// Cut segment `n` to its last whole packet, re-read it and sign it as
/// recovered. Returns its record and the bytes cut.
fn close_open(
    seg_dir: &Path,
    n: u64,
    open: &OpenRecord,
    segments: &mut Segments<'_>,
    records: &[SegmentRecord],
) -> Result<(SegmentRecord, u64), CaptureError> {
    let names = segment_names(n);
    let pcap = seg_dir.join(&names.pcap);
    for stale in [&names.record, &names.signature, &names.flows] {
        let p = seg_dir.join(stale);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| CaptureError::io(&p, e))?;
        }
    }
    let meta = std::fs::metadata(&pcap).map_err(|e| CaptureError::io(&pcap, e))?;
    let truncated = cut_to_whole(&pcap, open)?;
    let closed = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or_else(PacketTime::now, |d| PacketTime {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        });
    let (summary, flows) = summarise(&pcap, &seg_dir.join(&names.flows))?;
    let hashed = hash_reader(
        std::fs::File::open(&pcap).map_err(|e| CaptureError::io(&pcap, e))?,
        &HashOptions {
            algorithms: AlgorithmSet::default_set(),
            ..HashOptions::default()
        },
        &mut |_| {},
    )
    .map_err(|e| CaptureError::io(&pcap, e))?;
    let record = SegmentRecord {
        schema: SEGMENT_SCHEMA.into(),
        capture_id: open.capture_id.clone(),
        sequence: n,
        previous: segments.last().cloned(),
        scope: open.scope.clone(),
        source: open.source.clone(),
        file: names.pcap.clone(),
        size: hashed.size,
        hashes: hashed
            .digests
            .iter()
            .map(|d| (d.algorithm.name().to_string(), d.hex()))
            .collect(),
        flows,
        opened: records.last().map_or(open.started, |r| r.closed),
        closed,
        closed_by: Closed::Recovered,
        first_packet: summary.first,
        last_packet: summary.last,
        packets: summary.packets,
        captured_bytes: summary.captured,
        original_bytes: summary.original,
        drops: Drops::default(),
        drops_total: records
            .last()
            .map_or_else(Drops::default, |r| r.drops_total),
        note: Some(format!(
            "recovered by `capture --recover` after the capturing process ended without \
             closing it; {truncated} bytes of a partly written packet cut; the kernel's drop \
             counters for this segment died with that process and are unknown"
        )),
        key_id: segments.key_id(),
        tool: segments.head().tool.clone(),
    };
    segments.sign_and_write(&names, &record)?;
    Ok((record, truncated))
}

/// Cut `pcap` back to the end of its last whole packet record (a file
/// without a whole header gets a fresh one); returns the bytes cut.
fn cut_to_whole(pcap: &Path, open: &OpenRecord) -> Result<u64, CaptureError> {
    let len = std::fs::metadata(pcap)
        .map_err(|e| CaptureError::io(pcap, e))?
        .len();
    let good = match len < HEADER_LEN {
        true => 0,
        false => {
            let f = std::fs::File::open(pcap).map_err(|e| CaptureError::io(pcap, e))?;
            let mut r = Reader::new(BufReader::new(f)).map_err(|e| CaptureError::input(pcap, e))?;
            while let Ok(Some(_)) = r.next_packet() {}
            r.good_offset()
        }
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(pcap)
        .map_err(|e| CaptureError::io(pcap, e))?;
    file.set_len(good).map_err(|e| CaptureError::io(pcap, e))?;
    if good == 0 {
        let snaplen = match open.scope.snaplen {
            0 => super::MAX_SNAPLEN,
            s => s,
        };
        let mut w = Writer::new(&file, open.source.linktype, snaplen, open.nanos)
            .map_err(|e| CaptureError::io(pcap, e))?;
        w.flush().map_err(|e| CaptureError::io(pcap, e))?;
    }
    file.sync_all().map_err(|e| CaptureError::io(pcap, e))?;
    Ok(len.saturating_sub(good.max(HEADER_LEN.min(len))))
}

/// Counts and times of a pcap file's packets.
#[derive(Default)]
struct Summary {
    first: Option<PacketTime>,
    last: Option<PacketTime>,
    packets: u64,
    captured: u64,
    original: u64,
}

/// Re-read a (whole) pcap file: its summary, and its flows written anew.
fn summarise(pcap: &Path, flows_path: &Path) -> Result<(Summary, FlowsFile), CaptureError> {
    let f = std::fs::File::open(pcap).map_err(|e| CaptureError::io(pcap, e))?;
    let mut r = Reader::new(BufReader::new(f)).map_err(|e| CaptureError::input(pcap, e))?;
    let mut s = Summary::default();
    let mut table = FlowTable::new(FLOW_CAP);
    let mut out = Vec::new();
    let mut lines = 0;
    while let Some(p) = r.next_packet().map_err(|e| CaptureError::input(pcap, e))? {
        s.first.get_or_insert(p.time);
        s.last = Some(p.time);
        s.packets += 1;
        s.captured += p.data.len() as u64;
        s.original += u64::from(p.orig_len);
        let d = dissect(p.linktype, p.data);
        if let Some(k) = d.flow {
            table.add(k, p.time, p.orig_len, d.tcp_flags);
            if table.is_full() {
                lines += table
                    .drain_to(&mut out)
                    .map_err(|e| CaptureError::io(flows_path, e))?;
            }
        }
    }
    lines += table
        .drain_to(&mut out)
        .map_err(|e| CaptureError::io(flows_path, e))?;
    super::segment::write_atomic(flows_path, &out)?;
    let dir = flows_path.parent().unwrap_or(Path::new("."));
    sync_dir(dir)?;
    Ok((
        s,
        FlowsFile {
            file: flows_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: crate::hash::to_hex(&<sha2::Sha256 as sha2::Digest>::digest(&out)),
            records: lines,
        },
    ))
}

/// The end record of a recovered capture, from its segment records.
fn end_record(
    open: &OpenRecord,
    records: &[SegmentRecord],
    last: Option<ChainLink>,
    signer: &Signer,
    tool: &str,
) -> CaptureRecord {
    let sum = |f: fn(&SegmentRecord) -> u64| records.iter().map(f).sum();
    CaptureRecord {
        schema: CAPTURE_SCHEMA.into(),
        capture_id: open.capture_id.clone(),
        scope: open.scope.clone(),
        source: open.source.clone(),
        started: open.started,
        ended: records.last().map_or(open.started, |r| r.closed),
        ended_by: Closed::Recovered,
        error: None,
        segments: records.len() as u64,
        last,
        packets: sum(|r| r.packets),
        captured_bytes: sum(|r| r.captured_bytes),
        original_bytes: sum(|r| r.original_bytes),
        drops: Drops {
            kernel: sum(|r| r.drops.kernel),
            interface: sum(|r| r.drops.interface),
        },
        recovered: true,
        input_sha256: None,
        key_id: signer.key_id().to_string(),
        tool: tool.to_string(),
    }
}
