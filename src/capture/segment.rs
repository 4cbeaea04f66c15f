//! One segment at a time: packets go through our own pcap writer into
//! `NNNNNN.pcap` while every byte is hashed; closing a segment drains its
//! flows, fsyncs both files, builds the record, chains it to the one
//! before, signs it and writes record and signature crash-safely. Only
//! then does the next segment open.
//!
//! Invariants:
//! - A record is written only after its pcap and flows files are on disk
//!   (fsynced), and its signature only after the record.
//! - Every write error is returned (the pcap writer is ours, not
//!   libpcap's, which reports errors only at flush).
//! - The chain link to a record is the SHA-256 of the bytes written.

use super::CaptureError;
use super::flows::FlowTable;
use super::pcap::Writer;
use crate::atomic::TempOut;
use crate::hash::{AlgorithmSet, HashOptions, MultiHasher, to_hex};
use crate::model::capture::{
    CaptureSource, ChainLink, Closed, Drops, FlowsFile, PacketTime, SEGMENT_SCHEMA, Scope,
    SegmentNames, SegmentRecord, segment_comment, segment_names,
};
use crate::sign::Signer;
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Most flows kept in memory per segment before they are written out.
pub const FLOW_CAP: usize = 200_000;

/// What every record of one capture repeats.
#[derive(Debug, Clone)]
pub struct Head {
    /// The capture's id.
    pub capture_id: String,
    /// The legal scope.
    pub scope: Scope,
    /// The source.
    pub source: CaptureSource,
    /// Nanosecond times in the pcap files.
    pub nanos: bool,
    /// The software, for the records.
    pub tool: String,
}

/// Running totals over closed segments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Segments closed.
    pub segments: u64,
    /// Packets written.
    pub packets: u64,
    /// Captured bytes written.
    pub captured_bytes: u64,
    /// Original bytes of the packets written.
    pub original_bytes: u64,
    /// Drops over every closed segment.
    pub drops: Drops,
}

/// The segments of one capture: at most one open at a time.
pub struct Segments<'a> {
    dir: PathBuf,
    head: Head,
    signer: &'a Signer,
    next: u64,
    previous: Option<ChainLink>,
    open: Option<Open>,
    totals: Totals,
}

/// The open segment.
struct Open {
    names: SegmentNames,
    seq: u64,
    pcap: Writer<Tee>,
    flows: FlowTable,
    flows_out: HashedFile,
    flow_lines: u64,
    opened: PacketTime,
    first: Option<PacketTime>,
    last: Option<PacketTime>,
    packets: u64,
    captured: u64,
    original: u64,
}

/// A file written through a buffer while the default algorithms hash it.
struct Tee {
    path: PathBuf,
    file: BufWriter<File>,
    hasher: MultiHasher,
    /// Bytes written but not yet hashed: the hashers take whole blocks
    /// (one hand-off to their threads per block, not per packet).
    pending: Vec<u8>,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write_all(buf)?;
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= self.hasher.block_size() {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A small file written through a buffer while SHA-256 hashes it.
struct HashedFile {
    path: PathBuf,
    file: BufWriter<File>,
    sha256: Sha256,
}

impl Write for HashedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write_all(buf)?;
        self.sha256.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Create `path`, which must not exist.
fn create_new(path: &Path) -> Result<File, CaptureError> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| CaptureError::io(path, e))
}

/// Write `bytes` to `path` (new) through a temporary file: complete or
/// absent, flushed to disk with its directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CaptureError> {
    let (mut file, tmp) = TempOut::beside(path, 0o644).map_err(|e| CaptureError::io(path, e))?;
    file.write_all(bytes)
        .and_then(|_| tmp.commit(file, path))
        .map_err(|e| CaptureError::io(path, e))
}

/// Flush a directory's entries to disk.
pub fn sync_dir(dir: &Path) -> Result<(), CaptureError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CaptureError::io(dir, e))
}

/// The record's bytes as written: pretty JSON and a newline.
pub fn record_bytes<T: serde::Serialize>(record: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The chain link to a record file with `bytes`.
pub fn link(name: &str, bytes: &[u8]) -> ChainLink {
    ChainLink {
        record: name.to_string(),
        sha256: to_hex(&Sha256::digest(bytes)),
    }
}

impl<'a> Segments<'a> {
    /// The segments of a capture in `dir` (the `segments/` folder, which
    /// exists), starting at sequence `next` after `previous`.
    pub fn new(
        dir: PathBuf,
        head: Head,
        signer: &'a Signer,
        next: u64,
        previous: Option<ChainLink>,
    ) -> Segments<'a> {
        Segments {
            dir,
            head,
            signer,
            next,
            previous,
            open: None,
            totals: Totals::default(),
        }
    }

    /// Totals over the closed segments.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// The chain's head: the last record written.
    pub fn last(&self) -> Option<&ChainLink> {
        self.previous.as_ref()
    }

    /// The head every record repeats.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The signing key's id.
    pub fn key_id(&self) -> String {
        self.signer.key_id().to_string()
    }

    /// Whether a segment is open.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// The open segment's pcap size so far.
    pub fn open_bytes(&self) -> u64 {
        self.open.as_ref().map_or(0, |o| o.pcap.bytes())
    }

    /// The open segment's packet count and first packet time.
    pub fn open_packets(&self) -> (u64, Option<PacketTime>) {
        self.open
            .as_ref()
            .map_or((0, None), |o| (o.packets, o.first))
    }

    /// Hand what is buffered to the operating system, so that a killed
    /// process loses nothing already written (a power cut may still lose
    /// what the disk had not stored: `--recover` cuts to the last whole
    /// packet).
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        let Some(o) = self.open.as_mut() else {
            return Ok(());
        };
        let tee = o.pcap.get_mut();
        tee.file.flush().map_err(|e| CaptureError::io(&tee.path, e))
    }

    /// Open the next segment at `now`.
    pub fn open(&mut self, now: PacketTime) -> Result<(), CaptureError> {
        if self.next > crate::model::capture::MAX_SEGMENTS {
            return Err(CaptureError::Refused(format!(
                "a capture holds at most {} segments",
                crate::model::capture::MAX_SEGMENTS
            )));
        }
        let names = segment_names(self.next);
        let pcap_path = self.dir.join(&names.pcap);
        let flows_path = self.dir.join(&names.flows);
        let hasher = MultiHasher::new(&HashOptions {
            algorithms: AlgorithmSet::default_set(),
            ..HashOptions::default()
        });
        let tee = Tee {
            file: BufWriter::with_capacity(1 << 20, create_new(&pcap_path)?),
            path: pcap_path.clone(),
            pending: Vec::with_capacity(hasher.block_size()),
            hasher,
        };
        let snaplen = match self.head.scope.snaplen {
            0 => super::MAX_SNAPLEN,
            n => n,
        };
        let pcap = Writer::new(tee, self.head.source.linktype, snaplen, self.head.nanos)
            .map_err(|e| CaptureError::io(&pcap_path, e))?;
        let flows_out = HashedFile {
            file: BufWriter::new(create_new(&flows_path)?),
            path: flows_path,
            sha256: Sha256::new(),
        };
        self.open = Some(Open {
            seq: self.next,
            names,
            pcap,
            flows: FlowTable::new(FLOW_CAP),
            flows_out,
            flow_lines: 0,
            opened: now,
            first: None,
            last: None,
            packets: 0,
            captured: 0,
            original: 0,
        });
        self.next += 1;
        Ok(())
    }

    /// Write one packet (already cut) into the open segment.
    pub fn write(
        &mut self,
        time: PacketTime,
        orig_len: u32,
        data: &[u8],
        dissected: &super::headers::Dissection,
    ) -> Result<(), CaptureError> {
        let Some(o) = self.open.as_mut() else {
            return Err(CaptureError::Refused("no segment is open".into()));
        };
        o.pcap
            .write_packet(time, orig_len, data)
            .map_err(|e| CaptureError::io(&o.pcap.get_ref().path, e))?;
        o.first.get_or_insert(time);
        o.last = Some(time);
        o.packets += 1;
        o.captured += data.len() as u64;
        o.original += u64::from(orig_len);
        if let Some(key) = &dissected.flow {
            o.flows.add(*key, time, orig_len, dissected.tcp_flags);
            if o.flows.is_full() {
                o.flow_lines += o
                    .flows
                    .drain_to(&mut o.flows_out)
                    .map_err(|e| CaptureError::io(&o.flows_out.path, e))?;
            }
        }
        Ok(())
    }

    /// Close the open segment: fsync, hash, record, chain, sign. Returns
    /// the record written (`None` when no segment was open).
    pub fn close(
        &mut self,
        by: Closed,
        drops: Drops,
        drops_total: Drops,
        note: Option<String>,
    ) -> Result<Option<SegmentRecord>, CaptureError> {
        let Some(mut o) = self.open.take() else {
            return Ok(None);
        };
        o.flow_lines += o
            .flows
            .drain_to(&mut o.flows_out)
            .map_err(|e| CaptureError::io(&o.flows_out.path, e))?;
        let flows_sha256 = finish_small(o.flows_out)?;
        let size = o.pcap.bytes();
        let tee = o.pcap.into_inner();
        let hashes = finish_tee(tee)?;
        let record = SegmentRecord {
            schema: SEGMENT_SCHEMA.into(),
            capture_id: self.head.capture_id.clone(),
            sequence: o.seq,
            previous: self.previous.clone(),
            scope: self.head.scope.clone(),
            source: self.head.source.clone(),
            file: o.names.pcap.clone(),
            size,
            hashes,
            flows: FlowsFile {
                file: o.names.flows.clone(),
                sha256: flows_sha256,
                records: o.flow_lines,
            },
            opened: o.opened,
            closed: PacketTime::now(),
            closed_by: by,
            first_packet: o.first,
            last_packet: o.last,
            packets: o.packets,
            captured_bytes: o.captured,
            original_bytes: o.original,
            drops,
            drops_total,
            note,
            key_id: self.signer.key_id().to_string(),
            tool: self.head.tool.clone(),
        };
        self.sign_and_write(&o.names, &record)?;
        self.totals.segments += 1;
        self.totals.packets += o.packets;
        self.totals.captured_bytes += o.captured;
        self.totals.original_bytes += o.original;
        self.totals.drops.kernel += drops.kernel;
        self.totals.drops.interface += drops.interface;
        Ok(Some(record))
    }

    /// Write a record and its signature, and make it the chain's head.
    pub fn sign_and_write(
        &mut self,
        names: &SegmentNames,
        record: &SegmentRecord,
    ) -> Result<(), CaptureError> {
        let bytes = record_bytes(record);
        let comment = segment_comment(&record.capture_id, record.sequence, &record.key_id);
        let sig = self.signer.sign(&bytes, &comment);
        write_atomic(&self.dir.join(&names.record), &bytes)?;
        write_atomic(&self.dir.join(&names.signature), &sig)?;
        self.previous = Some(link(&names.record, &bytes));
        Ok(())
    }
}

/// Flush and fsync a flows file; its SHA-256.
fn finish_small(mut f: HashedFile) -> Result<String, CaptureError> {
    f.file.flush().map_err(|e| CaptureError::io(&f.path, e))?;
    let file = f
        .file
        .into_inner()
        .map_err(|e| CaptureError::io(&f.path, e.into_error()))?;
    file.sync_all().map_err(|e| CaptureError::io(&f.path, e))?;
    Ok(to_hex(&f.sha256.finalize()))
}

/// Flush and fsync a pcap file; its hashes by algorithm name.
fn finish_tee(mut t: Tee) -> Result<std::collections::BTreeMap<String, String>, CaptureError> {
    t.file.flush().map_err(|e| CaptureError::io(&t.path, e))?;
    let file = t
        .file
        .into_inner()
        .map_err(|e| CaptureError::io(&t.path, e.into_error()))?;
    file.sync_all().map_err(|e| CaptureError::io(&t.path, e))?;
    t.hasher.update(&t.pending);
    let result = t
        .hasher
        .finish()
        .map_err(|e| CaptureError::io(&t.path, e))?;
    Ok(result
        .digests
        .iter()
        .map(|d| (d.algorithm.name().to_string(), d.hex()))
        .collect())
}
