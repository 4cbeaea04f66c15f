//! The packets of a capture, from one of three sources behind one
//! `next()`: a live interface (libpcap, filtered in the kernel), or a
//! pcap/pcapng file or standard input (our reader, filtered with the same
//! BPF program compiled by libpcap). The first packet of a file is read
//! before anything is written, so that the link type is known, the filter
//! compiles against it, and an unreadable input writes nothing.

use super::CaptureError;
use super::libpcap::{Filter, Live, LiveOptions};
use super::pcap::{Format, Packet, Reader};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, MultiHasher};
use crate::model::capture::{PacketTime, SourceKind};
use std::io::{self, BufReader, Read};
use std::path::PathBuf;

/// What to capture from.
#[derive(Debug, Clone)]
pub enum Input {
    /// A live interface by name.
    Interface(String),
    /// A pcap or pcapng file.
    File(PathBuf),
    /// A pcap or pcapng stream on standard input.
    Stdin,
}

/// What the source yielded.
pub enum Next<'a> {
    /// A packet.
    Packet(Packet<'a>),
    /// Nothing within the read timeout (live only).
    Idle,
    /// The input ended.
    End,
}

/// A reader that hashes what it reads (the input's SHA-256), on the hash
/// engine's worker thread: it sits under the buffer, so it sees large
/// reads, and the packet loop keeps its core.
pub struct Hashing<R> {
    inner: R,
    hasher: Option<MultiHasher>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

type FileReader = Reader<BufReader<Hashing<Box<dyn Read + Send>>>>;

/// An open source.
pub enum Source {
    /// A live interface.
    Live(Box<Live>),
    /// A file or stdin, with the filter (if any) and the first packet,
    /// held back until asked for.
    Offline {
        /// The reader.
        reader: Box<FileReader>,
        /// The compiled filter.
        filter: Option<Filter>,
        /// The first packet, read at open: (time, original length, data).
        first: Option<(PacketTime, u32, Vec<u8>)>,
        /// Whether `first` was handed out.
        first_taken: bool,
        /// The link type of every packet.
        linktype: u16,
        /// Where it came from, for errors.
        path: PathBuf,
    },
}

impl Source {
    /// Open `input`; a live interface with `live` options and `filter`
    /// set in the kernel; a file's filter compiled against its link type.
    pub fn open(input: &Input, live: &LiveOptions, filter: &str) -> Result<Source, CaptureError> {
        let (path, raw): (PathBuf, Box<dyn Read + Send>) = match input {
            Input::Interface(name) => {
                let mut l = Live::open(name, live)?;
                if !filter.is_empty() {
                    l.set_filter(filter)?;
                }
                return Ok(Source::Live(Box::new(l)));
            }
            Input::File(p) => (
                p.clone(),
                Box::new(std::fs::File::open(p).map_err(|e| CaptureError::io(p, e))?),
            ),
            Input::Stdin => (PathBuf::from("-"), Box::new(io::stdin())),
        };
        let hashing = Hashing {
            inner: raw,
            hasher: Some(MultiHasher::new(&HashOptions {
                algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
                ..HashOptions::default()
            })),
        };
        let buffered = BufReader::with_capacity(1 << 20, hashing);
        let mut reader = Reader::new(buffered).map_err(|e| CaptureError::input(&path, e))?;
        let first = reader
            .next_packet()
            .map_err(|e| CaptureError::input(&path, e))?
            .map(|p| (p.time, p.orig_len, p.data.to_vec(), p.linktype));
        let linktype = match (&first, reader.linktype()) {
            (Some(f), _) => f.3,
            (None, Some(l)) => l,
            (None, None) => {
                return Err(CaptureError::Refused(format!(
                    "{}: the pcapng input has no interface and no packet",
                    path.display()
                )));
            }
        };
        let snaplen = match reader.format() {
            Format::Pcap { snaplen, .. } if *snaplen > 0 => *snaplen,
            _ => super::MAX_SNAPLEN,
        };
        let filter = match filter.is_empty() {
            true => None,
            false => Some(Filter::compile(filter, linktype, snaplen)?),
        };
        Ok(Source::Offline {
            reader: Box::new(reader),
            filter,
            first: first.map(|(t, o, d, _)| (t, o, d)),
            first_taken: false,
            linktype,
            path,
        })
    }

    /// The link type of every packet.
    pub fn linktype(&self) -> u16 {
        match self {
            Source::Live(l) => l.linktype(),
            Source::Offline { linktype, .. } => *linktype,
        }
    }

    /// The kind of source.
    pub fn kind(&self, input: &Input) -> SourceKind {
        match input {
            Input::Interface(_) => SourceKind::Interface,
            Input::File(_) => SourceKind::File,
            Input::Stdin => SourceKind::Stdin,
        }
    }

    /// The input format's name (`pcap`, `pcapng`), for offline sources.
    pub fn format_name(&self) -> Option<String> {
        match self {
            Source::Live(_) => None,
            Source::Offline { reader, .. } => Some(reader.format().name().to_string()),
        }
    }

    /// Whether packet times have nanoseconds.
    pub fn nanos(&self) -> bool {
        match self {
            Source::Live(l) => l.nanos(),
            Source::Offline { reader, .. } => match reader.format() {
                Format::Pcap { nanos, .. } => *nanos,
                Format::PcapNg => true,
            },
        }
    }

    /// The SHA-256 of every byte read from an offline source; asked once,
    /// when the capture ends (`None` for a live source, or asked again).
    pub fn input_sha256(&mut self) -> Option<String> {
        let Source::Offline { reader, .. } = self else {
            return None;
        };
        let hasher = reader.get_mut().get_mut().hasher.take()?;
        let result = hasher.finish().ok()?;
        result.digest(Algorithm::Sha256).map(|d| d.hex())
    }

    /// The next packet that passes the filter.
    pub fn next_packet(&mut self) -> Result<Next<'_>, CaptureError> {
        match self {
            Source::Live(l) => Ok(match l.next()? {
                Some(p) => Next::Packet(p),
                None => Next::Idle,
            }),
            Source::Offline {
                reader,
                filter,
                first,
                first_taken,
                linktype,
                path,
            } => {
                if !*first_taken {
                    *first_taken = true;
                    if let Some((time, orig_len, data)) = first.as_ref()
                        && filter.as_ref().is_none_or(|f| f.matches(data, *orig_len))
                    {
                        return Ok(Next::Packet(Packet {
                            time: *time,
                            orig_len: *orig_len,
                            data,
                            linktype: *linktype,
                        }));
                    }
                }
                next_offline(reader, filter.as_ref(), *linktype, path)
            }
        }
    }
}

/// The next packet of a file that passes `filter`; one link type only.
fn next_offline<'a>(
    reader: &'a mut FileReader,
    filter: Option<&Filter>,
    linktype: u16,
    path: &std::path::Path,
) -> Result<Next<'a>, CaptureError> {
    loop {
        // Polonius-free borrow dance: decide on a packet by value first.
        let keep = match reader.next_packet() {
            Err(e) => return Err(CaptureError::input(path, e)),
            Ok(None) => return Ok(Next::End),
            Ok(Some(p)) => {
                if p.linktype != linktype {
                    return Err(CaptureError::Refused(format!(
                        "{}: the input mixes link types ({} and {}): a pcap segment holds \
                         one; split the input by interface first (editcap or tshark)",
                        path.display(),
                        linktype,
                        p.linktype
                    )));
                }
                filter.is_none_or(|f| f.matches(p.data, p.orig_len))
            }
        };
        if keep {
            return match reader.last_packet() {
                Some(p) => Ok(Next::Packet(p)),
                None => Ok(Next::End),
            };
        }
    }
}
