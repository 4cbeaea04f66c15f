//! Packet files: a reader of classic pcap (all four magics: microsecond
//! and nanosecond, either byte order) and pcapng (sections, interfaces
//! with their link types, `if_tsresol` and `if_tsoffset`, enhanced,
//! simple and obsolete packet blocks), and a writer of classic pcap (the
//! form of capture segments).
//!
//! Invariants:
//! - The input is hostile. Every length is checked before use; no
//!   allocation is sized by a field of the file (one reusable buffer grows
//!   only as bytes actually arrive, and a record or block is refused past
//!   [`MAX_CAPLEN`] / [`MAX_BLOCK_LEN`]); no input makes the reader panic.
//! - Every error names the byte offset of the record or block at fault.
//! - [`Reader::good_offset`] is the end of the last whole record read:
//!   cutting a file there leaves a valid file of whole records (how
//!   `capture --recover` repairs a segment whose writer died mid-record).
//!   A file that ends inside a record is an error, never a silent end.
//!
//! What it does not do: decode packets (that is [`super::headers`]) or
//! write pcapng.

mod ng;
mod read;
mod write;

#[cfg(test)]
mod tests;

use crate::model::capture::PacketTime;

pub use read::Reader;
pub use write::Writer;

/// Length of a classic pcap file header.
pub const HEADER_LEN: u64 = 24;
/// Length of a classic pcap record header (before the packet bytes).
pub const RECORD_HEADER_LEN: u64 = 16;
/// The most captured bytes one packet may have (libpcap's own bound,
/// `MAXIMUM_SNAPLEN`): a larger classic record is corrupt or hostile.
pub const MAX_CAPLEN: u32 = 262_144;
/// The largest pcapng block this reader takes (16 MiB).
pub const MAX_BLOCK_LEN: u32 = 16 << 20;
/// The most interfaces one pcapng section may declare.
pub const MAX_INTERFACES: usize = 65_536;

/// `LINKTYPE_NULL`: BSD loopback, address family in host byte order.
pub const LINKTYPE_NULL: u16 = 0;
/// `LINKTYPE_ETHERNET` (`EN10MB`).
pub const LINKTYPE_ETHERNET: u16 = 1;
/// `LINKTYPE_RAW`: a bare IPv4 or IPv6 packet.
pub const LINKTYPE_RAW: u16 = 101;
/// `LINKTYPE_LOOP`: OpenBSD loopback, address family in network order.
pub const LINKTYPE_LOOP: u16 = 108;
/// `LINKTYPE_LINUX_SLL`: Linux "cooked" capture, version 1.
pub const LINKTYPE_LINUX_SLL: u16 = 113;
/// `LINKTYPE_IPV4`: a bare IPv4 packet.
pub const LINKTYPE_IPV4: u16 = 228;
/// `LINKTYPE_IPV6`: a bare IPv6 packet.
pub const LINKTYPE_IPV6: u16 = 229;
/// `LINKTYPE_LINUX_SLL2`: Linux "cooked" capture, version 2.
pub const LINKTYPE_LINUX_SLL2: u16 = 276;

/// One packet as read from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// When it was captured (UTC). A pcapng simple packet block carries
    /// no time: its packets have the epoch.
    pub time: PacketTime,
    /// Its length on the wire (may exceed `data.len()`).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The link type of its interface (`LINKTYPE_*`).
    pub linktype: u16,
}

/// The kind of file a [`Reader`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap.
    Pcap {
        /// Nanosecond timestamps (magic `a1b23c4d`), else microseconds.
        nanos: bool,
        /// Written in big-endian byte order.
        big_endian: bool,
        /// The header's snapshot length.
        snaplen: u32,
    },
    /// pcapng.
    PcapNg,
}

impl Format {
    /// A short name: `pcap`, `pcap-nsec` or `pcapng`.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Pcap { nanos: false, .. } => "pcap",
            Format::Pcap { nanos: true, .. } => "pcap-nsec",
            Format::PcapNg => "pcapng",
        }
    }
}

/// Why a packet file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {message}")]
pub struct PcapError {
    /// Byte offset in the file of the header, record or block at fault.
    pub offset: u64,
    /// What is wrong, with a hint where there is one.
    pub message: String,
}

impl PcapError {
    fn new(offset: u64, message: impl Into<String>) -> PcapError {
        PcapError {
            offset,
            message: message.into(),
        }
    }
}
