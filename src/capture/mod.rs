//! Real-time collection of traffic data (`evidentia capture`): packets from
//! a live interface (libpcap, loaded at run time) or a pcap/pcapng file,
//! filtered by a BPF expression (the legal scope), cut to their headers
//! unless content interception is authorised, written into rotating
//! classic-pcap segments, each closed with an fsync, hashed, summarised
//! into traffic-data records and signed into a hash chain
//! (docs/capture.md, docs/formats/capture.md).

pub mod flows;
pub mod headers;
pub mod libpcap;
pub mod pcap;
mod recover;
mod run;
pub mod segment;
pub mod source;

pub use recover::{Recovered, recover};
pub use run::capture;
pub use source::Input;

use crate::model::capture::{ContentMode, Scope, SegmentRecord};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The largest snapshot length (libpcap's own maximum), also the pcap
/// header's value when none is set.
pub const MAX_SNAPLEN: u32 = 262_144;
/// The default snapshot length in headers mode: enough for the headers of
/// a tunnelled packet; everything past them is cut anyway.
pub const HEADERS_SNAPLEN: u32 = 512;

/// When a segment closes and the next opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotate {
    /// After this much time (the capturing clock live, packet time from a
    /// file).
    Every(Duration),
    /// Before the segment would grow past this many bytes.
    Size(u64),
}

/// What `capture` is asked to do.
pub struct CaptureOptions<'a> {
    /// The new capture directory.
    pub out: PathBuf,
    /// The legal scope, recorded in every record.
    pub scope: Scope,
    /// The `--meta` file's name in the directory and its bytes.
    pub meta: Option<(String, Vec<u8>)>,
    /// Segment rotation.
    pub rotate: Option<Rotate>,
    /// End after this long.
    pub duration: Option<Duration>,
    /// End after this many packets.
    pub count: Option<u64>,
    /// Promiscuous mode on a live interface.
    pub promisc: bool,
    /// The kernel buffer for a live capture, in bytes.
    pub buffer_bytes: u32,
    /// The key that signs every record.
    pub signer: &'a crate::sign::Signer,
    /// Set (by a signal handler) to end the capture cleanly.
    pub stop: &'a AtomicBool,
    /// The software, for the records.
    pub tool: String,
}

/// What the capture reports as it goes (the library never prints).
pub enum Event<'a> {
    /// The source is open and the directory written.
    Started {
        /// The source's link type.
        linktype: u16,
    },
    /// A segment was closed and signed.
    Segment(&'a SegmentRecord),
}

/// Why a capture failed.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// Reading or writing a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The input file is not a readable pcap or pcapng stream.
    #[error("{}: {source}", path.display())]
    Input {
        /// The input.
        path: PathBuf,
        /// Where and why.
        source: pcap::PcapError,
    },
    /// libpcap refused (not installed, no permission, bad filter, ...).
    #[error(transparent)]
    Libpcap(#[from] libpcap::LibpcapError),
    /// Something the capture cannot do with this input or directory.
    #[error("{0}")]
    Refused(String),
}

impl CaptureError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> CaptureError {
        CaptureError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// An input error on `path`.
    pub fn input(path: &Path, source: pcap::PcapError) -> CaptureError {
        CaptureError::Input {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How many leading bytes of a packet are kept: everything up to
/// `snaplen` in full mode; the headers only (never a payload byte) in
/// headers mode. With the packet's dissection (for its flow).
pub fn cut(
    linktype: u16,
    data: &[u8],
    content: ContentMode,
    snaplen: u32,
) -> (usize, headers::Dissection) {
    let d = headers::dissect(linktype, data);
    let limit = match snaplen {
        0 => data.len(),
        n => data.len().min(n as usize),
    };
    let keep = match content {
        ContentMode::Full => limit,
        ContentMode::Headers => d.header_len.min(limit),
    };
    (keep, d)
}
