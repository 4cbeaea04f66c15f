//! The reader: sniffs the format, reads classic pcap records itself and
//! hands pcapng blocks to [`super::ng`].

use super::ng::Ng;
use super::{Format, HEADER_LEN, MAX_CAPLEN, Packet, PcapError, RECORD_HEADER_LEN};
use crate::model::capture::PacketTime;
use std::io::{self, Chain, Cursor, Read};

/// The first four bytes of a pcapng file (a section header block).
pub(super) const NG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// A streaming reader of classic pcap and pcapng packets (see the module
/// documentation for what it checks).
pub struct Reader<R: Read> {
    /// The four magic bytes already read, put back in front of the rest.
    r: Chain<Cursor<[u8; 4]>, R>,
    format: Format,
    kind: Kind,
    /// The one buffer of record or block bytes, reused.
    buf: Vec<u8>,
    /// Bytes consumed from the input so far.
    pos: u64,
    /// End of the last whole record or block.
    good: u64,
    /// The first error: every later call returns it again.
    failed: Option<PcapError>,
    linktype: Option<u16>,
    /// The last packet returned: its time, original length, where its
    /// bytes are in `buf`, and its link type.
    last: Option<(PacketTime, u32, std::ops::Range<usize>, u16)>,
}

enum Kind {
    Classic { big_endian: bool, nanos: bool },
    Ng(Ng),
}

impl<R: Read> Reader<R> {
    /// Start reading: sniff the magic (classic pcap in either byte order
    /// and resolution, or pcapng) and read the file header (classic) or
    /// the first section header block (pcapng).
    pub fn new(mut r: R) -> Result<Reader<R>, PcapError> {
        let mut magic = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match r.read(&mut magic[got..]) {
                Ok(0) => {
                    return Err(PcapError::new(
                        0,
                        format!(
                            "the file is {got} bytes long: too short for a pcap or pcapng header"
                        ),
                    ));
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(PcapError::new(0, format!("read error: {e}"))),
            }
        }
        let mut me = Reader {
            r: Cursor::new(magic).chain(r),
            format: Format::PcapNg,
            kind: Kind::Classic {
                big_endian: false,
                nanos: false,
            },
            buf: Vec::new(),
            pos: 0,
            good: 0,
            failed: None,
            linktype: None,
            last: None,
        };
        if magic == NG_MAGIC {
            let ng = Ng::first_section(&mut me.r, &mut me.buf, &mut me.pos)?;
            me.kind = Kind::Ng(ng);
            me.good = me.pos;
            return Ok(me);
        }
        me.classic_header(magic)?;
        Ok(me)
    }

    fn classic_header(&mut self, magic: [u8; 4]) -> Result<(), PcapError> {
        let (big_endian, nanos) = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
            [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
            [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
            [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
            _ => {
                return Err(PcapError::new(
                    0,
                    format!(
                        "not a pcap or pcapng file: it starts with {:02x}{:02x}{:02x}{:02x} \
                         (pcap starts with a1b2c3d4 or a1b23c4d in either byte order, pcapng with 0a0d0d0a)",
                        magic[0], magic[1], magic[2], magic[3]
                    ),
                ));
            }
        };
        let n = fill(&mut self.r, &mut self.buf, HEADER_LEN as usize, 0)?;
        if n < HEADER_LEN as usize {
            return Err(PcapError::new(
                0,
                format!(
                    "the pcap file header is cut short: the file is {n} bytes long, the header 24"
                ),
            ));
        }
        self.pos = HEADER_LEN;
        let h = &self.buf;
        let major = u16_at(h, 4, big_endian);
        let minor = u16_at(h, 6, big_endian);
        if major != 2 {
            return Err(PcapError::new(
                4,
                format!("pcap version {major}.{minor}: this reader takes version 2.x"),
            ));
        }
        let snaplen = u32_at(h, 16, big_endian);
        // The link type is the low 16 bits; the high ones carry FCS flags.
        let linktype = (u32_at(h, 20, big_endian) & 0xffff) as u16;
        self.format = Format::Pcap {
            nanos,
            big_endian,
            snaplen,
        };
        self.kind = Kind::Classic { big_endian, nanos };
        self.linktype = Some(linktype);
        self.good = HEADER_LEN;
        Ok(())
    }

    /// The kind of file.
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// The link type: a classic file's header's; for pcapng, the first
    /// interface's once its description block has been read (`None`
    /// before). Each [`Packet`] carries its own interface's link type.
    pub fn linktype(&self) -> Option<u16> {
        match &self.kind {
            Kind::Classic { .. } => self.linktype,
            Kind::Ng(ng) => ng.first_linktype,
        }
    }

    /// The next packet, `Ok(None)` at a clean end of the file (at a record
    /// or block boundary). A file that ends inside a record is an error
    /// naming the record's offset. After an error, every call returns it
    /// again.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, PcapError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let got = match &mut self.kind {
            Kind::Classic { big_endian, nanos } => {
                let (big_endian, nanos) = (*big_endian, *nanos);
                let linktype = self.linktype.unwrap_or_default();
                let rec = classic_record(self, big_endian, nanos);
                rec.map(|o| {
                    o.map(|(time, orig_len)| {
                        let data = RECORD_HEADER_LEN as usize..self.buf.len();
                        (time, orig_len, data, linktype)
                    })
                })
            }
            Kind::Ng(ng) => {
                ng.next_packet(&mut self.r, &mut self.buf, &mut self.pos, &mut self.good)
            }
        };
        match got {
            Ok(Some((time, orig_len, data, linktype))) => {
                self.good = self.pos;
                self.last = Some((time, orig_len, data.clone(), linktype));
                Ok(Some(Packet {
                    time,
                    orig_len,
                    data: self.buf.get(data).unwrap_or_default(),
                    linktype,
                }))
            }
            Ok(None) => {
                self.good = self.pos;
                self.last = None;
                Ok(None)
            }
            Err(e) => {
                self.last = None;
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The end of the last whole packet record (classic) or block
    /// (pcapng) read, or of the file header: truncating the file here
    /// leaves a valid file holding exactly the packets returned so far
    /// (plus, for pcapng, any non-packet blocks read with them).
    pub fn good_offset(&self) -> u64 {
        self.good
    }

    /// Bytes consumed from the input so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The packet the last [`Reader::next_packet`] returned, again (a
    /// caller that skips packets in a loop returns the one it keeps from
    /// here, outside the loop's borrow).
    pub fn last_packet(&self) -> Option<Packet<'_>> {
        let (time, orig_len, range, linktype) = self.last.clone()?;
        Some(Packet {
            time,
            orig_len,
            data: self.buf.get(range).unwrap_or_default(),
            linktype,
        })
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        self.r.get_ref().1
    }

    /// The underlying reader, mutably (reading from it directly would
    /// lose the reader's place).
    pub fn get_mut(&mut self) -> &mut R {
        self.r.get_mut().1
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.r.into_inner().1
    }
}

/// Read one classic record into `buf` (header then data): its time and
/// original length, `None` at a clean end.
fn classic_record<R: Read>(
    me: &mut Reader<R>,
    big_endian: bool,
    nanos: bool,
) -> Result<Option<(PacketTime, u32)>, PcapError> {
    let (r, buf, good) = (&mut me.r, &mut me.buf, me.good);
    let start = me.pos;
    buf.clear();
    let n = fill(r, buf, RECORD_HEADER_LEN as usize, start)?;
    if n == 0 {
        return Ok(None);
    }
    let cut = |what: String| {
        PcapError::new(
            start,
            format!(
                "truncated packet record: {what} (the file was cut short; the last whole record ends at byte {good})"
            ),
        )
    };
    if n < RECORD_HEADER_LEN as usize {
        return Err(cut(format!(
            "the file ends {n} bytes into its 16-byte header"
        )));
    }
    let secs = u32_at(buf, 0, big_endian);
    let frac = u32_at(buf, 4, big_endian);
    let caplen = u32_at(buf, 8, big_endian);
    let orig_len = u32_at(buf, 12, big_endian);
    let snaplen = match me.format {
        Format::Pcap { snaplen, .. } => snaplen,
        Format::PcapNg => 0,
    };
    if caplen > MAX_CAPLEN {
        return Err(PcapError::new(
            start,
            format!(
                "packet record says {caplen} captured bytes, more than the {MAX_CAPLEN} any capture tool writes (a corrupt or hostile file)"
            ),
        ));
    }
    if snaplen > 0 && snaplen <= MAX_CAPLEN && caplen > snaplen {
        return Err(PcapError::new(
            start,
            format!(
                "packet record says {caplen} captured bytes, more than the file's snapshot length {snaplen} (a corrupt or hostile file)"
            ),
        ));
    }
    let n = fill(r, buf, caplen as usize, start)?;
    if n < caplen as usize {
        return Err(cut(format!(
            "its header says {caplen} captured bytes, the file ends after {n} of them"
        )));
    }
    me.pos = start + RECORD_HEADER_LEN + u64::from(caplen);
    // A sub-second field past one second is carried into the seconds
    // rather than refused: libpcap and Wireshark show such files too.
    let per_sec: u64 = if nanos { 1_000_000_000 } else { 1_000_000 };
    let scale: u64 = if nanos { 1 } else { 1_000 };
    let time = PacketTime {
        secs: i64::from(secs) + (u64::from(frac) / per_sec) as i64,
        nanos: ((u64::from(frac) % per_sec) * scale) as u32,
    };
    Ok(Some((time, orig_len)))
}

/// Append up to `n` bytes from `r` to `buf`, growing the buffer only as
/// bytes arrive, so a hostile length cannot make it allocate more than
/// the input holds (callers clear it at each record start and so keep its
/// capacity). Returns the bytes appended; fewer than `n` means the input
/// ended. `offset` (of the record being read) goes into a read error.
pub(super) fn fill<R: Read>(
    r: &mut R,
    buf: &mut Vec<u8>,
    n: usize,
    offset: u64,
) -> Result<usize, PcapError> {
    let before = buf.len();
    r.take(n as u64).read_to_end(buf).map_err(|e| {
        buf.truncate(before);
        PcapError::new(offset, format!("read error: {e}"))
    })
}

pub(super) fn u16_at(b: &[u8], off: usize, big_endian: bool) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = b.get(off..off + 2) {
        a.copy_from_slice(s);
    }
    if big_endian {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    }
}

pub(super) fn u32_at(b: &[u8], off: usize, big_endian: bool) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(off..off + 4) {
        a.copy_from_slice(s);
    }
    if big_endian {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

pub(super) fn u64_at(b: &[u8], off: usize, big_endian: bool) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(off..off + 8) {
        a.copy_from_slice(s);
    }
    if big_endian {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    }
}
