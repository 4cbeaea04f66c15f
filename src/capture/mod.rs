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
