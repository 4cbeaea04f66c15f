//! pcapng blocks (draft-ietf-opsawg-pcapng): section headers set the byte
//! order and start a fresh interface list; interface descriptions give
//! each interface its link type and time resolution; enhanced, simple and
//! obsolete packet blocks carry packets; every other block (name
//! resolution, statistics, decryption secrets, custom, unknown) is
//! checked for its framing and skipped.

use super::read::{NG_MAGIC, fill, u16_at, u32_at, u64_at};
use super::{MAX_BLOCK_LEN, MAX_INTERFACES, PcapError};
use crate::model::capture::PacketTime;
use std::io::Read;
use std::ops::Range;

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const PB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;
/// The last second of 9999 (times print as RFC 3339, four-digit years).
const MAX_SECS: i64 = 253_402_300_799;
/// A section header block's least length.
const SHB_MIN: u32 = 28;

/// A packet found in a block: time, original length, where its bytes lie
/// in the block buffer, link type.
pub(super) type Found = (PacketTime, u32, Range<usize>, u16);

/// The reading state of a pcapng file.
#[derive(Default)]
pub(super) struct Ng {
    /// The current section's byte order.
    big_endian: bool,
    /// The current section's interfaces, by interface id.
    ifaces: Vec<Iface>,
    /// The first interface of the file's link type.
    pub(super) first_linktype: Option<u16>,
}

/// One interface description.
struct Iface {
    linktype: u16,
    snaplen: u32,
    /// Timestamp units per second (`if_tsresol`; default 10^6).
    units: u64,
    /// Seconds added to every timestamp (`if_tsoffset`).
    offset: i64,
}

fn cut(start: u64, what: String) -> PcapError {
    PcapError::new(
        start,
        format!("truncated pcapng block: {what} (the file was cut short)"),
    )
}

impl Ng {
    /// Read the file's first block, which must be a section header.
    pub(super) fn first_section<R: Read>(
        r: &mut R,
        buf: &mut Vec<u8>,
        pos: &mut u64,
    ) -> Result<Ng, PcapError> {
        let mut ng = Ng::default();
        match ng.read_block(r, buf, pos)? {
            Some(SHB) => {
                ng.handle(SHB, buf, 0)?;
                Ok(ng)
            }
            _ => Err(PcapError::new(
                0,
                "a pcapng file must start with a section header block",
            )),
        }
    }

    /// The next packet: reads blocks until one carries a packet (`None` at
    /// a clean end of the file). `good` moves to the end of every whole
    /// block handled.
    pub(super) fn next_packet<R: Read>(
        &mut self,
        r: &mut R,
        buf: &mut Vec<u8>,
        pos: &mut u64,
        good: &mut u64,
    ) -> Result<Option<Found>, PcapError> {
        loop {
            let start = *pos;
            let Some(btype) = self.read_block(r, buf, pos)? else {
                return Ok(None);
            };
            let found = self.handle(btype, buf, start)?;
            *good = *pos;
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    /// Read one whole block into `buf` and check its framing: its type,
    /// or `None` at a clean end of the file.
    fn read_block<R: Read>(
        &mut self,
        r: &mut R,
        buf: &mut Vec<u8>,
        pos: &mut u64,
    ) -> Result<Option<u32>, PcapError> {
        let start = *pos;
        buf.clear();
        let n = fill(r, buf, 8, start)?;
        if n == 0 {
            return Ok(None);
        }
        if n < 8 {
            return Err(cut(
                start,
                format!("the file ends {n} bytes into a block header"),
            ));
        }
        if buf[..4] == NG_MAGIC {
            // A section header: its byte-order magic says how to read it.
            if fill(r, buf, 4, start)? < 4 {
                return Err(cut(start, "the file ends inside a section header".into()));
            }
            self.big_endian = match [buf[8], buf[9], buf[10], buf[11]] {
                [0x1a, 0x2b, 0x3c, 0x4d] => true,
                [0x4d, 0x3c, 0x2b, 0x1a] => false,
                [a, b, c, d] => {
                    return Err(PcapError::new(
                        start + 8,
                        format!(
                            "section header's byte-order magic is {a:02x}{b:02x}{c:02x}{d:02x}, not 1a2b3c4d in either byte order"
                        ),
                    ));
                }
            };
        }
        let be = self.big_endian;
        let btype = u32_at(buf, 0, be);
        let len = u32_at(buf, 4, be);
        let least = if btype == SHB { SHB_MIN } else { 12 };
        if len < least || !len.is_multiple_of(4) {
            return Err(PcapError::new(
                start,
                format!(
                    "pcapng block of type {btype:#x} says it is {len} bytes long: not a multiple of 4 of at least {least}"
                ),
            ));
        }
        if len > MAX_BLOCK_LEN {
            return Err(PcapError::new(
                start,
                format!(
                    "pcapng block of type {btype:#x} says it is {len} bytes long, more than the {MAX_BLOCK_LEN} this reader takes (a corrupt or hostile file)"
                ),
            ));
        }
        let have = buf.len();
        let got = fill(r, buf, len as usize - have, start)?;
        if have + got < len as usize {
            return Err(cut(
                start,
                format!(
                    "the block of type {btype:#x} is {len} bytes long, the file ends after {} of them",
                    have + got
                ),
            ));
        }
        *pos = start + u64::from(len);
        let trailer = u32_at(buf, len as usize - 4, be);
        if trailer != len {
            return Err(PcapError::new(
                start,
                format!(
                    "pcapng block of type {btype:#x}: its trailing length {trailer} differs from its leading length {len} (a corrupt file)"
                ),
            ));
        }
        Ok(Some(btype))
    }

    /// Act on one whole block (in `buf`, read from `start`).
    fn handle(&mut self, btype: u32, buf: &[u8], start: u64) -> Result<Option<Found>, PcapError> {
        let be = self.big_endian;
        // Framing checked: 12 <= len == buf.len(), a multiple of 4.
        let end = buf.len() - 4;
        let short = |least: usize, what: &str| {
            if end < least {
                Err(PcapError::new(
                    start,
                    format!(
                        "{what} block is {} bytes long, too short for its fields",
                        buf.len()
                    ),
                ))
            } else {
                Ok(())
            }
        };
        match btype {
            SHB => {
                let major = u16_at(buf, 12, be);
                if major != 1 {
                    let minor = u16_at(buf, 14, be);
                    return Err(PcapError::new(
                        start,
                        format!("pcapng version {major}.{minor}: this reader takes version 1.x"),
                    ));
                }
                self.ifaces.clear();
                Ok(None)
            }
            IDB => {
                short(16, "interface description")?;
                if self.ifaces.len() >= MAX_INTERFACES {
                    return Err(PcapError::new(
                        start,
                        format!(
                            "more than {MAX_INTERFACES} interfaces in one section (a corrupt or hostile file)"
                        ),
                    ));
                }
                let linktype = u16_at(buf, 8, be);
                let mut iface = Iface {
                    linktype,
                    snaplen: u32_at(buf, 12, be),
                    units: 1_000_000,
                    offset: 0,
                };
                self.idb_options(&mut iface, &buf[..end], start)?;
                self.first_linktype.get_or_insert(linktype);
                self.ifaces.push(iface);
                Ok(None)
            }
            EPB | PB => {
                short(
                    28,
                    if btype == EPB {
                        "enhanced packet"
                    } else {
                        "packet"
                    },
                )?;
                let id = if btype == EPB {
                    u32_at(buf, 8, be)
                } else {
                    u32::from(u16_at(buf, 8, be))
                };
                let iface = self.iface(id, start)?;
                let ts = (u64::from(u32_at(buf, 12, be)) << 32) | u64::from(u32_at(buf, 16, be));
                let caplen = u32_at(buf, 20, be);
                let orig_len = u32_at(buf, 24, be);
                if caplen as usize > end - 28 {
                    return Err(PcapError::new(
                        start,
                        format!(
                            "packet block says {caplen} captured bytes, its block holds at most {}",
                            end - 28
                        ),
                    ));
                }
                let time = timestamp(ts, iface, start)?;
                Ok(Some((
                    time,
                    orig_len,
                    28..28 + caplen as usize,
                    iface.linktype,
                )))
            }
            SPB => {
                short(12, "simple packet")?;
                let iface = self.iface(0, start)?;
                let orig_len = u32_at(buf, 8, be);
                let mut caplen = (end - 12).min(orig_len as usize);
                if iface.snaplen > 0 {
                    caplen = caplen.min(iface.snaplen as usize);
                }
                // No timestamp in this block: the epoch stands for "unknown".
                Ok(Some((
                    PacketTime::default(),
                    orig_len,
                    12..12 + caplen,
                    iface.linktype,
                )))
            }
            _ => Ok(None),
        }
    }

    fn iface(&self, id: u32, start: u64) -> Result<&Iface, PcapError> {
        self.ifaces.get(id as usize).ok_or_else(|| {
            PcapError::new(
                start,
                format!(
                    "packet block names interface {id}, but its section has described {} (a corrupt file)",
                    self.ifaces.len()
                ),
            )
        })
    }

    /// The options of an interface description (`block` ends before the
    /// trailing length): `if_tsresol` and `if_tsoffset`.
    fn idb_options(&self, iface: &mut Iface, block: &[u8], start: u64) -> Result<(), PcapError> {
        let be = self.big_endian;
        let mut off = 16;
        while off + 4 <= block.len() {
            let code = u16_at(block, off, be);
            let olen = usize::from(u16_at(block, off + 2, be));
            if code == 0 {
                break;
            }
            let at = start + off as u64;
            let value = block.get(off + 4..off + 4 + olen).ok_or_else(|| {
                PcapError::new(
                    at,
                    format!("interface option {code} runs past the end of its block"),
                )
            })?;
            match (code, value) {
                (9, [v]) => {
                    let exp = u32::from(v & 0x7f);
                    iface.units = if v & 0x80 == 0 {
                        10u64.checked_pow(exp)
                    } else {
                        2u64.checked_pow(exp)
                    }
                    .ok_or_else(|| {
                        PcapError::new(at, format!("if_tsresol {v:#04x} is finer than this reader can count (at most 10^-19 or 2^-63 s)"))
                    })?;
                }
                (14, v) if v.len() == 8 => iface.offset = u64_at(v, 0, be) as i64,
                (9 | 14, _) => {
                    return Err(PcapError::new(
                        at,
                        format!(
                            "interface option {code} is {olen} bytes long, not {}",
                            if code == 9 { 1 } else { 8 }
                        ),
                    ));
                }
                _ => {}
            }
            off += 4 + olen.div_ceil(4) * 4;
        }
        Ok(())
    }
}

/// A pcapng timestamp (`ts` units of the interface's resolution since the
/// epoch, plus its offset in seconds) as a time.
fn timestamp(ts: u64, iface: &Iface, start: u64) -> Result<PacketTime, PcapError> {
    let units = iface.units.max(1);
    let secs = i64::try_from(ts / units)
        .ok()
        .and_then(|s| s.checked_add(iface.offset))
        .filter(|s| (0..=MAX_SECS).contains(s));
    let Some(secs) = secs else {
        return Err(PcapError::new(
            start,
            format!(
                "packet timestamp {ts} (at {units} per second, offset {} s) is out of range: \
                 this reader takes times from 1970 to 9999",
                iface.offset
            ),
        ));
    };
    let nanos = (u128::from(ts % units) * 1_000_000_000 / u128::from(units)) as u32;
    Ok(PacketTime { secs, nanos })
}
