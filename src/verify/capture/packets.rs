//! A segment's pcap re-read, streamed from the zip with the capture's own
//! reader: its packets counted and measured (what the signed record says
//! must be what the file holds), and in a headers-only capture every
//! packet held to its headers: a byte past them is content the scope did
//! not allow.

use super::One;
use crate::capture::headers::dissect;
use crate::capture::pcap::{Format, PcapError, Reader};
use crate::hash::{Algorithm, HasherState};
use crate::model::capture::{ContentMode, PacketTime, SegmentRecord};
use std::io::{self, Read};

/// Why a pcap could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub(super) enum Unreadable {
    /// The zip entry.
    #[error("{}", crate::verify::bag::data_error(.0))]
    Io(io::Error),
    /// The pcap format.
    #[error("{0}")]
    Pcap(PcapError),
}

/// What the pcap holds.
#[derive(Debug, Default)]
pub(super) struct Counted {
    /// Whether it is a classic pcap (what `evidentia capture` writes).
    pub classic: bool,
    /// The link type its header names.
    pub linktype: Option<u16>,
    /// Bytes of the file.
    pub bytes: u64,
    /// Bytes after the last whole packet record that the reader left.
    pub trailing: u64,
    /// Packets.
    pub packets: u64,
    /// Sum of captured lengths.
    pub captured: u64,
    /// Sum of original lengths.
    pub original: u64,
    /// First and last packet's time.
    pub first: Option<PacketTime>,
    /// Last packet's time.
    pub last: Option<PacketTime>,
    /// Packets of another link type than the record's.
    pub other_linktype: u64,
    /// Packets longer than the snaplen, and the first: (number, length).
    pub past_snaplen: (u64, Option<(u64, usize)>),
    /// In headers mode, packets with bytes past their headers, and the
    /// first: (number, captured length, header length).
    pub past_headers: (u64, Option<(u64, usize, usize)>),
    /// The digests of the algorithms asked for.
    pub digests: Vec<(Algorithm, String)>,
}

/// Counts and hashes what the pcap reader takes.
struct Tally<R> {
    inner: R,
    bytes: u64,
    hashers: Vec<HasherState>,
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        for h in &mut self.hashers {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Read the pcap `r` to its end, hashing it with `extra`'s algorithms.
pub(super) fn count(
    r: impl Read,
    record: &SegmentRecord,
    extra: &[(Algorithm, String)],
) -> Result<Counted, Unreadable> {
    let mut tally = Tally {
        inner: io::BufReader::with_capacity(256 << 10, r),
        bytes: 0,
        hashers: extra.iter().map(|(a, _)| HasherState::new(*a)).collect(),
    };
    let mut c = Counted::default();
    {
        let mut reader = Reader::new(&mut tally).map_err(Unreadable::Pcap)?;
        c.classic = matches!(reader.format(), Format::Pcap { .. });
        c.linktype = reader.linktype();
        let (want_linktype, snaplen) = (record.source.linktype, record.scope.snaplen);
        let headers = record.scope.content == ContentMode::Headers;
        while let Some(p) = reader.next_packet().map_err(Unreadable::Pcap)? {
            c.packets += 1;
            let len = p.data.len();
            c.captured += len as u64;
            c.original += u64::from(p.orig_len);
            c.first.get_or_insert(p.time);
            c.last = Some(p.time);
            if p.linktype != want_linktype {
                c.other_linktype += 1;
            }
            // A snaplen of 0 keeps whole packets (libpcap's convention).
            if snaplen != 0 && len > snaplen as usize {
                c.past_snaplen.0 += 1;
                c.past_snaplen.1.get_or_insert((c.packets, len));
            }
            if headers {
                let header_len = dissect(p.linktype, p.data).header_len;
                if len > header_len {
                    c.past_headers.0 += 1;
                    c.past_headers.1.get_or_insert((c.packets, len, header_len));
                }
            }
        }
    }
    let before = tally.bytes;
    io::copy(&mut tally, &mut io::sink()).map_err(Unreadable::Io)?;
    c.trailing = tally.bytes - before;
    c.bytes = tally.bytes;
    c.digests = extra
        .iter()
        .map(|(a, _)| *a)
        .zip(tally.hashers)
        .map(|(a, h)| (a, h.finalize().hex()))
        .collect();
    Ok(c)
}

/// What the pcap holds against what its record says.
pub(super) fn compare(
    one: &mut One<'_, '_>,
    rel: &str,
    r: &SegmentRecord,
    c: &Counted,
    extra: &[(Algorithm, String)],
) {
    if !c.classic {
        one.note(rel, "not a classic pcap (what evidentia capture writes)");
    }
    let linktype = c.linktype.map_or("none".to_string(), |l| l.to_string());
    one.same(
        rel,
        "link type differs from the record's source.linktype",
        r.source.linktype.to_string(),
        linktype,
    );
    if c.other_linktype > 0 {
        one.note(
            rel,
            format!(
                "{} packets of another link type than the record's {}",
                c.other_linktype, r.source.linktype
            ),
        );
    }
    one.same(
        rel,
        "bytes read differ from the record's size",
        r.size,
        c.bytes,
    );
    if c.trailing > 0 {
        one.note(
            rel,
            format!("{} bytes after the last packet record", c.trailing),
        );
    }
    for (what, want, got) in [
        ("packets", r.packets, c.packets),
        ("captured bytes", r.captured_bytes, c.captured),
        ("original bytes", r.original_bytes, c.original),
    ] {
        one.same(rel, &format!("{what} differ from the record's"), want, got);
    }
    let show = |t: Option<PacketTime>| t.map_or("none".to_string(), |t| t.to_string());
    for (what, want, got) in [
        ("first packet", r.first_packet, c.first),
        ("last packet", r.last_packet, c.last),
    ] {
        one.same(
            rel,
            &format!("{what}'s time differs from the record's"),
            show(want),
            show(got),
        );
    }
    if let (n, Some((at, len))) = c.past_snaplen {
        one.differs(
            rel,
            format!("{n} packets longer than the snaplen (the first: packet {at})"),
            format!("at most {} bytes", r.scope.snaplen),
            format!("{len} bytes"),
        );
    }
    if let (n, Some((at, len, header))) = c.past_headers {
        one.differs(
            rel,
            format!(
                "payload bytes in a headers-only capture: {n} packets carry bytes past their headers (the first: packet {at})"
            ),
            format!("{header} bytes (its headers)"),
            format!("{len} bytes"),
        );
    }
    for ((algo, want), (_, got)) in extra.iter().zip(&c.digests) {
        if !want.eq_ignore_ascii_case(got) {
            one.differs(
                rel,
                format!("{} differs from the segment record's", algo.name()),
                want,
                got,
            );
        }
    }
}
