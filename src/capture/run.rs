//! The capture loop: source → cut (headers mode) → segment, with rotation
//! by time or size, the end by duration, count, signal or end of input,
//! and the kernel's drop counters read at every segment close.
//!
//! Time: a live capture rotates and ends by the capturing clock; a file
//! or stdin by the packets' own times (the clock of the capture that made
//! them), so re-sealing a capture gives the same segments whenever it is
//! run.

use super::libpcap::LiveOptions;
use super::segment::{Head, Segments, record_bytes, write_atomic};
use super::source::{Input, Next, Source};
use super::{CaptureError, CaptureOptions, Event, Rotate};
use crate::model::capture::{
    CAPTURE_FILE, CAPTURE_SCHEMA, CaptureRecord, CaptureSource, Closed, Drops, KEYS_DIR, OPEN_FILE,
    OPEN_SCHEMA, OpenRecord, PacketTime, SEGMENTS_DIR, end_comment,
};
use crate::pathrepr::PathRepr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Capture from `input` into `opts.out` (a new directory) until the
/// duration, count, a signal or the end of the input; returns the signed
/// end record. Nothing is written when the source cannot be opened or the
/// filter does not compile.
pub fn capture(
    input: &Input,
    opts: &CaptureOptions,
    observer: &mut dyn FnMut(Event<'_>),
) -> Result<CaptureRecord, CaptureError> {
    let live = LiveOptions {
        snaplen: opts.scope.snaplen,
        promisc: opts.promisc,
        buffer_bytes: opts.buffer_bytes,
        timeout_ms: 100,
    };
    let mut source = Source::open(input, &live, &opts.scope.filter)?;
    let name = match input {
        Input::Interface(n) => PathRepr::from_bytes(n.as_bytes()),
        Input::File(p) => PathRepr::from_path(p),
        Input::Stdin => PathRepr::from_bytes(b"-"),
    };
    let head = Head {
        capture_id: uuid::Uuid::new_v4().to_string(),
        scope: opts.scope.clone(),
        source: CaptureSource {
            kind: source.kind(input),
            name,
            format: source.format_name(),
            linktype: source.linktype(),
            host: matches!(input, Input::Interface(_))
                .then(hostname)
                .flatten(),
        },
        nanos: source.nanos(),
        tool: opts.tool.clone(),
    };
    let started = PacketTime::now();
    prepare_dir(&opts.out, &head, started, opts)?;
    observer(Event::Started {
        linktype: head.source.linktype,
    });
    let mut segments = Segments::new(opts.out.join(SEGMENTS_DIR), head, opts.signer, 1, None);
    let mut run = Loop {
        opts,
        started: Instant::now(),
        first_time: None,
        drops_seen: Drops::default(),
    };
    let (ended_by, error) = match run.pump(&mut source, &mut segments, observer) {
        Ok(by) => (by, None),
        Err(e @ CaptureError::Input { .. }) | Err(e @ CaptureError::Refused(_)) => {
            (Closed::Error, Some(e))
        }
        Err(e) => return Err(e),
    };
    let drops = run.drops_since(&source);
    if let Some(r) = segments.close(ended_by, drops, run.drops_seen, None)? {
        observer(Event::Segment(&r));
    }
    let record = finish(
        &opts.out,
        &segments,
        started,
        ended_by,
        error.as_ref().map(|e| e.to_string()),
        source.input_sha256(),
        opts.signer,
    )?;
    match error {
        Some(e) => Err(e),
        None => Ok(record),
    }
}

/// The host's name, for a live capture's record.
fn hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Create the capture directory (new), its folders, the signing key's
/// public files, the meta copy and `capture.open`.
fn prepare_dir(
    out: &Path,
    head: &Head,
    started: PacketTime,
    opts: &CaptureOptions,
) -> Result<(), CaptureError> {
    std::fs::create_dir(out).map_err(|e| CaptureError::io(out, e))?;
    for sub in [SEGMENTS_DIR, KEYS_DIR] {
        let d = out.join(sub);
        std::fs::create_dir(&d).map_err(|e| CaptureError::io(&d, e))?;
    }
    let id = opts.signer.key_id().to_string();
    let keys = out.join(KEYS_DIR);
    write_atomic(
        &keys.join(format!("{id}.pub")),
        &opts.signer.public_key_file(),
    )?;
    if let Some((cert, sig)) = opts.signer.certificate_files() {
        write_atomic(&keys.join(format!("{id}.cert.json")), &cert)?;
        write_atomic(&keys.join(format!("{id}.cert.json.minisig")), &sig)?;
    }
    if let Some((name, bytes)) = &opts.meta {
        write_atomic(&out.join(name), bytes)?;
    }
    let open = OpenRecord {
        schema: OPEN_SCHEMA.into(),
        capture_id: head.capture_id.clone(),
        scope: head.scope.clone(),
        source: head.source.clone(),
        nanos: head.nanos,
        started,
        key_id: id,
        pid: std::process::id(),
    };
    write_atomic(&out.join(OPEN_FILE), &record_bytes(&open))
}

/// Write and sign `capture.json`, then remove `capture.open`.
pub(super) fn finish(
    out: &Path,
    segments: &Segments<'_>,
    started: PacketTime,
    ended_by: Closed,
    error: Option<String>,
    input_sha256: Option<String>,
    signer: &crate::sign::Signer,
) -> Result<CaptureRecord, CaptureError> {
    let t = segments.totals();
    let head = segments.head();
    let record = CaptureRecord {
        schema: CAPTURE_SCHEMA.into(),
        capture_id: head.capture_id.clone(),
        scope: head.scope.clone(),
        source: head.source.clone(),
        started,
        ended: PacketTime::now(),
        ended_by,
        error,
        segments: t.segments,
        last: segments.last().cloned(),
        packets: t.packets,
        captured_bytes: t.captured_bytes,
        original_bytes: t.original_bytes,
        drops: t.drops,
        recovered: ended_by == Closed::Recovered,
        input_sha256,
        key_id: signer.key_id().to_string(),
        tool: head.tool.clone(),
    };
    write_end(out, &record, signer)?;
    Ok(record)
}

/// Write `capture.json` and its signature; remove `capture.open`.
pub(super) fn write_end(
    out: &Path,
    record: &CaptureRecord,
    signer: &crate::sign::Signer,
) -> Result<(), CaptureError> {
    let bytes = record_bytes(record);
    let sig = signer.sign(&bytes, &end_comment(&record.capture_id, &record.key_id));
    write_atomic(&out.join(CAPTURE_FILE), &bytes)?;
    write_atomic(&out.join(format!("{CAPTURE_FILE}.minisig")), &sig)?;
    let open = out.join(OPEN_FILE);
    std::fs::remove_file(&open).map_err(|e| CaptureError::io(&open, e))?;
    super::segment::sync_dir(out)
}

/// Packets reach the operating system at least this often in packet time
/// (and whenever a live interface is quiet for a read timeout).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// How long a stopping live capture waits for the kernel's last block:
/// past the read timeout (100 ms), when the kernel hands a partly filled
/// block over.
const DRAIN_QUIET: Duration = Duration::from_millis(250);
/// The longest a stopping live capture drains.
const DRAIN_MAX: Duration = Duration::from_secs(2);

/// The loop's state.
struct Loop<'o, 'a> {
    opts: &'o CaptureOptions<'a>,
    started: Instant,
    /// The first packet's time (offline sources measure time by it).
    first_time: Option<PacketTime>,
    /// The kernel counters as last read.
    drops_seen: Drops,
}

impl Loop<'_, '_> {
    /// Drops since the counters were last read (live only); updates them.
    fn drops_since(&mut self, source: &Source) -> Drops {
        let Source::Live(l) = source else {
            return Drops::default();
        };
        let Ok(s) = l.stats() else {
            return Drops::default();
        };
        // The counters are widened by `stats` into totals that only grow.
        let d = Drops {
            kernel: s.dropped.saturating_sub(self.drops_seen.kernel),
            interface: s.if_dropped.saturating_sub(self.drops_seen.interface),
        };
        self.drops_seen.kernel += d.kernel;
        self.drops_seen.interface += d.interface;
        d
    }

    /// Whether the capture's time (wall clock live, packet time offline)
    /// has passed `limit` since it started.
    fn elapsed(&self, live: bool, packet: Option<PacketTime>, limit: Duration) -> bool {
        match (live, packet, self.first_time) {
            (true, ..) => self.started.elapsed() >= limit,
            (false, Some(t), Some(first)) => {
                t.as_nanos() - first.as_nanos() >= limit.as_nanos() as i128
            }
            _ => false,
        }
    }

    /// Move packets until the capture ends; returns why it ended.
    fn pump(
        &mut self,
        source: &mut Source,
        segments: &mut Segments<'_>,
        observer: &mut dyn FnMut(Event<'_>),
    ) -> Result<Closed, CaptureError> {
        let live = matches!(source, Source::Live(_));
        let linktype = source.linktype();
        let opts = self.opts;
        segments.open(PacketTime::now())?;
        let mut seg_started = Instant::now();
        // When the buffer was last handed to the OS, in packet time (no
        // clock read per packet; a quiet live interface flushes on Idle).
        let mut flushed: Option<PacketTime> = None;
        let mut written = 0u64;
        loop {
            if opts.stop.load(Ordering::SeqCst) {
                if live {
                    self.drain(source, segments)?;
                }
                return Ok(Closed::Signal);
            }
            if let Some(d) = opts.duration
                && live
                && self.elapsed(true, None, d)
            {
                self.drain(source, segments)?;
                return Ok(Closed::Duration);
            }
            if live
                && let Some(Rotate::Every(p)) = opts.rotate
                && seg_started.elapsed() >= p
            {
                self.rotate(source, segments, observer)?;
                seg_started = Instant::now();
            }
            let packet = match source.next_packet()? {
                Next::End => return Ok(Closed::EndOfInput),
                Next::Idle => {
                    segments.flush()?;
                    flushed = None;
                    continue;
                }
                Next::Packet(p) => p,
            };
            self.first_time.get_or_insert(packet.time);
            if let Some(d) = opts.duration
                && !live
                && self.elapsed(false, Some(packet.time), d)
            {
                return Ok(Closed::Duration);
            }
            let cut = super::cut(
                linktype,
                packet.data,
                opts.scope.content,
                opts.scope.snaplen,
            );
            let (time, orig_len) = (packet.time, packet.orig_len);
            let data = &packet.data[..cut.0];
            let needs_rotation = match opts.rotate {
                Some(Rotate::Size(limit)) => {
                    let (n, _) = segments.open_packets();
                    n > 0
                        && segments.open_bytes()
                            + super::pcap::RECORD_HEADER_LEN
                            + data.len() as u64
                            > limit
                }
                Some(Rotate::Every(p)) if !live => {
                    let (_, first) = segments.open_packets();
                    first.is_some_and(|f| time.as_nanos() - f.as_nanos() >= p.as_nanos() as i128)
                }
                _ => false,
            };
            if needs_rotation {
                // The packet's bytes are borrowed from the source: copy
                // them out before the rotation touches the segments.
                let owned = data.to_vec();
                let dissection = cut.1;
                self.rotate(source, segments, observer)?;
                segments.write(time, orig_len, &owned, &dissection)?;
            } else {
                segments.write(time, orig_len, data, &cut.1)?;
            }
            written += 1;
            match flushed {
                None => flushed = Some(time),
                Some(f) if time.as_nanos() - f.as_nanos() >= FLUSH_EVERY.as_nanos() as i128 => {
                    segments.flush()?;
                    flushed = Some(time);
                }
                Some(_) => {}
            }
            if opts.count.is_some_and(|c| written >= c) {
                return Ok(Closed::Count);
            }
        }
    }

    /// After a live capture is told to stop: the kernel hands packets over
    /// in blocks (when full, or after the read timeout), so packets that
    /// arrived before the stop may not have been handed over yet. Read on
    /// until a packet from after the stop, a quiet interface for longer
    /// than the timeout, or [`DRAIN_MAX`]: no packet captured before the
    /// stop is lost, none after it is kept.
    fn drain(
        &mut self,
        source: &mut Source,
        segments: &mut Segments<'_>,
    ) -> Result<(), CaptureError> {
        let (linktype, stop, since) = (source.linktype(), PacketTime::now(), Instant::now());
        let scope = &self.opts.scope;
        while since.elapsed() < DRAIN_MAX {
            match source.next_packet()? {
                Next::Packet(p) if p.time > stop => return Ok(()),
                Next::Packet(p) => {
                    let (keep, d) = super::cut(linktype, p.data, scope.content, scope.snaplen);
                    segments.write(p.time, p.orig_len, &p.data[..keep], &d)?;
                }
                Next::Idle if since.elapsed() >= DRAIN_QUIET => return Ok(()),
                Next::Idle => {}
                Next::End => return Ok(()),
            }
        }
        Ok(())
    }

    /// Close the open segment (rotation) and open the next.
    fn rotate(
        &mut self,
        source: &Source,
        segments: &mut Segments<'_>,
        observer: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), CaptureError> {
        let drops = self.drops_since(source);
        if let Some(r) = segments.close(Closed::Rotate, drops, self.drops_seen, None)? {
            observer(Event::Segment(&r));
        }
        segments.open(PacketTime::now())
    }
}
