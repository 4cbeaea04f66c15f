//! Traffic-data records of a segment (`NNNNNN.flows.jsonl`): packets
//! aggregated by unidirectional 5-tuple (NetFlow-like), one JSON object a
//! line, in the order of their first packet.
//!
//! Invariants:
//! - A table holds at most about `max_entries` flows: the caller checks
//!   [`FlowTable::is_full`] after each packet and drains the table when it
//!   is, so memory stays bounded on any traffic. A flow drained early and
//!   seen again starts a new record: the same key may then appear on more
//!   than one line of a segment (each line's counts are its own).
//! - A drained table is empty; lines are sorted by (first, key), so the
//!   same packets give the same bytes.

use crate::capture::headers::FlowKey;
use crate::model::capture::PacketTime;
use core::net::IpAddr;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{self, Write};

/// The flow table's default size: the most flows held before a drain.
pub const DEFAULT_MAX_FLOWS: usize = 200_000;

/// The TCP flag letters, from bit 0 (FIN) to bit 7 (CWR).
const FLAG_LETTERS: &[u8; 8] = b"FSRPAUEC";

/// One line of a flows file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowRecord {
    /// `tcp`, `udp`, `icmp`, `icmpv6` or the protocol number in decimal.
    pub proto: String,
    /// Source address.
    pub src: IpAddr,
    /// Source port (ICMP: type; 0 without ports).
    pub sport: u16,
    /// Destination address.
    pub dst: IpAddr,
    /// Destination port (ICMP: code; 0 without ports).
    pub dport: u16,
    /// Time of the first packet.
    pub first: PacketTime,
    /// Time of the last packet.
    pub last: PacketTime,
    /// Packets.
    pub packets: u64,
    /// Bytes on the wire (the sum of original lengths).
    pub bytes: u64,
    /// TCP flags seen in any packet (letters of `FSRPAUEC`, in that
    /// order); absent when no TCP header was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_flags: Option<String>,
}

/// The name of an IP protocol in a flow record.
pub fn proto_name(proto: u8) -> String {
    match proto {
        6 => "tcp".into(),
        17 => "udp".into(),
        1 => "icmp".into(),
        58 => "icmpv6".into(),
        n => n.to_string(),
    }
}

/// TCP flags as letters of `FSRPAUEC` (bit 0 first).
pub fn flag_letters(flags: u8) -> String {
    (0..8)
        .filter(|bit| flags & (1 << bit) != 0)
        .map(|bit| char::from(FLAG_LETTERS[bit]))
        .collect()
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    first: PacketTime,
    last: PacketTime,
    packets: u64,
    bytes: u64,
    tcp_flags: Option<u8>,
}

/// Flows being counted.
#[derive(Debug)]
pub struct FlowTable {
    max: usize,
    flows: HashMap<FlowKey, Stats>,
    /// The flow of the last packet, counted here until a packet of
    /// another flow comes (consecutive packets mostly share a flow: this
    /// spares the map's keyed hash for most packets).
    last: Option<(FlowKey, Stats)>,
}

/// Add `from`'s counts to `into`.
fn merge(into: &mut Stats, from: &Stats) {
    // Packets from a file need not be in time order.
    into.first = into.first.min(from.first);
    into.last = into.last.max(from.last);
    into.packets = into.packets.saturating_add(from.packets);
    into.bytes = into.bytes.saturating_add(from.bytes);
    if let Some(f) = from.tcp_flags {
        into.tcp_flags = Some(into.tcp_flags.unwrap_or(0) | f);
    }
}

impl FlowTable {
    /// An empty table that reports full at `max_entries` flows (at least 1).
    pub fn new(max_entries: usize) -> FlowTable {
        FlowTable {
            max: max_entries.max(1),
            flows: HashMap::new(),
            last: None,
        }
    }

    /// Count one packet of flow `key`. The table never refuses a packet:
    /// check [`FlowTable::is_full`] afterwards.
    pub fn add(&mut self, key: FlowKey, time: PacketTime, orig_len: u32, tcp_flags: Option<u8>) {
        let one = Stats {
            first: time,
            last: time,
            packets: 1,
            bytes: u64::from(orig_len),
            tcp_flags,
        };
        match &mut self.last {
            Some((k, s)) if *k == key => merge(s, &one),
            _ => {
                self.settle();
                self.last = Some((key, one));
            }
        }
    }

    /// Move the last packet's flow into the map.
    fn settle(&mut self) {
        if let Some((k, s)) = self.last.take() {
            match self.flows.get_mut(&k) {
                Some(held) => merge(held, &s),
                None => {
                    self.flows.insert(k, s);
                }
            }
        }
    }

    /// True when the table holds `max_entries` flows: drain it now.
    pub fn is_full(&self) -> bool {
        // Cheap, per packet: the last flow counts as one more even when the
        // map also holds it (full at most one flow early).
        self.flows.len() + usize::from(self.last.is_some()) >= self.max
    }

    /// Flows held.
    pub fn len(&self) -> usize {
        let last_apart = self
            .last
            .as_ref()
            .is_some_and(|(k, _)| !self.flows.contains_key(k));
        self.flows.len() + usize::from(last_apart)
    }

    /// True when no flow is held.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty() && self.last.is_none()
    }

    /// The held flows as records, sorted by (first, key), leaving the
    /// table empty.
    pub fn drain(&mut self) -> Vec<FlowRecord> {
        self.settle();
        let mut all: Vec<(FlowKey, Stats)> = self.flows.drain().collect();
        all.sort_by_key(|a| (a.1.first, a.0));
        all.into_iter()
            .map(|(k, s)| FlowRecord {
                proto: proto_name(k.proto),
                src: k.src,
                sport: k.sport,
                dst: k.dst,
                dport: k.dport,
                first: s.first,
                last: s.last,
                packets: s.packets,
                bytes: s.bytes,
                tcp_flags: s.tcp_flags.map(flag_letters),
            })
            .collect()
    }

    /// Write the held flows to `w`, one JSON object a line, sorted by
    /// (first, key), and empty the table: the number of lines written.
    pub fn drain_to<W: Write>(&mut self, mut w: W) -> io::Result<u64> {
        let mut lines = 0;
        for rec in self.drain() {
            serde_json::to_writer(&mut w, &rec)?;
            w.write_all(b"\n")?;
            lines += 1;
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    fn key(proto: u8, sport: u16) -> FlowKey {
        FlowKey {
            proto,
            src: IpAddr::V4(Ipv4Addr::LOCALHOST),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            sport,
            dport: 80,
        }
    }

    fn t(secs: i64) -> PacketTime {
        PacketTime { secs, nanos: 5 }
    }

    #[test]
    fn interleaved_flows_add_up_whatever_the_order() {
        let (a, b) = (key(17, 1), key(6, 2));
        let mut table = FlowTable::new(100);
        for (i, k) in [a, b, a, a, b, a].into_iter().enumerate() {
            table.add(k, t(10 - i as i64), 100, (k == b).then_some(0x02));
        }
        assert_eq!(table.len(), 2);
        let recs = table.drain();
        assert!(table.is_empty());
        let find = |p: &str| recs.iter().find(|r| r.proto == p).unwrap();
        let (ra, rb) = (find("udp"), find("tcp"));
        assert_eq!(
            (ra.packets, ra.bytes, ra.first, ra.last),
            (4, 400, t(5), t(10))
        );
        assert_eq!((rb.packets, rb.first, rb.last), (2, t(6), t(9)));
        assert_eq!(rb.tcp_flags.as_deref(), Some("S"));
    }

    #[test]
    fn aggregates_counts_times_and_flags() {
        let mut ft = FlowTable::new(DEFAULT_MAX_FLOWS);
        ft.add(key(6, 1000), t(20), 60, Some(0x02));
        ft.add(key(6, 1000), t(10), 40, Some(0x12));
        ft.add(key(6, 1000), t(30), 1500, Some(0x11));
        ft.add(key(17, 53), t(15), 100, None);
        ft.add(key(1, 8), t(5), 84, None);
        assert_eq!(ft.len(), 3);
        let mut out = Vec::new();
        assert_eq!(ft.drain_to(&mut out).unwrap(), 3);
        assert!(ft.is_empty());
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            r#"{"proto":"tcp","src":"127.0.0.1","sport":1000,"dst":"10.0.0.2","dport":80,"first":"1970-01-01T00:00:10.000000005Z","last":"1970-01-01T00:00:30.000000005Z","packets":3,"bytes":1600,"tcp_flags":"FSA"}"#
        );
        let recs: Vec<FlowRecord> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(recs[0].proto, "icmp");
        assert_eq!(recs[2].proto, "udp");
        assert_eq!(recs[2].tcp_flags, None);
        assert!(!lines[2].contains("tcp_flags"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn drains_in_first_then_key_order() {
        let mut ft = FlowTable::new(10);
        ft.add(key(17, 3), t(7), 1, None);
        ft.add(key(17, 2), t(7), 1, None);
        ft.add(key(6, 9), t(7), 1, None);
        ft.add(key(17, 1), t(1), 1, None);
        let order: Vec<(String, u16)> =
            ft.drain().into_iter().map(|r| (r.proto, r.sport)).collect();
        let want = [("udp", 1), ("tcp", 9), ("udp", 2), ("udp", 3)];
        assert_eq!(order, want.map(|(p, s)| (p.to_string(), s)));
    }

    #[test]
    fn reports_full_at_its_cap_and_restarts_after_a_drain() {
        let mut ft = FlowTable::new(2);
        ft.add(key(6, 1), t(1), 1, None);
        ft.add(key(6, 1), t(2), 1, None);
        assert!(!ft.is_full());
        ft.add(key(6, 2), t(3), 1, None);
        assert!(ft.is_full());
        assert_eq!(ft.drain_to(std::io::sink()).unwrap(), 2);
        assert!(!ft.is_full());
        // The same key after a drain: a fresh record.
        ft.add(key(6, 1), t(9), 7, Some(0x04));
        let r = ft.drain();
        assert_eq!(
            (r[0].packets, r[0].bytes, r[0].tcp_flags.as_deref()),
            (1, 7, Some("R"))
        );
        assert!(!FlowTable::new(0).is_full());
        let mut one = FlowTable::new(0);
        one.add(key(6, 1), t(1), 1, None);
        assert!(one.is_full());
    }

    #[test]
    fn names_protocols_and_flags() {
        assert_eq!(flag_letters(0xff), "FSRPAUEC");
        assert_eq!(flag_letters(0), "");
        assert_eq!(flag_letters(0x80 | 0x10), "AC");
        assert_eq!(proto_name(58), "icmpv6");
        assert_eq!(proto_name(132), "132");
        let bad = r#"{"proto":"tcp","src":"127.0.0.1","sport":1,"dst":"::1","dport":2,"first":"1970-01-01T00:00:10.000000005Z","last":"1970-01-01T00:00:30.000000005Z","packets":3,"bytes":1,"extra":1}"#;
        assert!(serde_json::from_str::<FlowRecord>(bad).is_err());
    }
}
