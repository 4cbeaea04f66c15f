//! Where a packet's headers end: the link, network and transport headers
//! (through VLAN tags, MPLS labels, PPPoE, IPv6 extension headers and the
//! common tunnels: GRE, IP-in-IP, VXLAN, GTP-U) and the outermost IP flow.
//! `capture --content headers` keeps `header_len` bytes of each packet and
//! drops the rest: the payload.
//!
//! Invariants:
//! - `header_len <= data.len()`, whatever the bytes; no input panics.
//! - No payload byte is ever counted as header: a header is counted only
//!   once its kind is known (a protocol or ethertype field names it, or a
//!   tunnel found by port passes plausibility checks), and parsing stops at
//!   the last header understood. A header cut short by the snaplen counts
//!   up to the end of the captured bytes (they are all header).
//! - ICMP and ICMPv6 keep their 8-byte header only, never the quoted
//!   packet of an error message. A non-first fragment has no transport
//!   header. Tunnels nest at most [`MAX_DEPTH`] deep.

use crate::capture::pcap::{
    LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
    LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW,
};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[cfg(test)]
mod tests;

/// The most network layers (outer packet and tunnelled ones) parsed.
pub const MAX_DEPTH: u32 = 8;
/// UDP port of VXLAN (RFC 7348).
pub const VXLAN_PORT: u16 = 4789;
/// UDP port of GTP-U (3GPP TS 29.281).
pub const GTPU_PORT: u16 = 2152;

/// What [`dissect`] found in a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dissection {
    /// Bytes of link, network and transport headers from the start of
    /// the packet (at most its length).
    pub header_len: usize,
    /// The outermost IP flow, when there is an IP header.
    pub flow: Option<FlowKey>,
    /// The TCP flags of the outermost IP packet's TCP header.
    pub tcp_flags: Option<u8>,
}

/// A unidirectional 5-tuple. For ICMP and ICMPv6 the type is in `sport`
/// and the code in `dport`; protocols without ports (and non-first
/// fragments) have zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// IP protocol number (after IPv6 extension headers).
    pub proto: u8,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port (ICMP: type).
    pub sport: u16,
    /// Destination port (ICMP: code).
    pub dport: u16,
}

/// Find the headers of a packet of link type `linktype` (`LINKTYPE_*`);
/// an unknown link type has no header understood (`header_len` 0).
pub fn dissect(linktype: u16, data: &[u8]) -> Dissection {
    let mut d = Dissector {
        data,
        pos: 0,
        end: 0,
        depth: 0,
        ips: None,
        flow: None,
        tcp_flags: None,
    };
    let first = match linktype {
        LINKTYPE_ETHERNET => Layer::Ethernet,
        LINKTYPE_LINUX_SLL => Layer::Sll,
        LINKTYPE_LINUX_SLL2 => Layer::Sll2,
        LINKTYPE_NULL => Layer::Null {
            network_order: false,
        },
        LINKTYPE_LOOP => Layer::Null {
            network_order: true,
        },
        LINKTYPE_RAW | 12 | 14 => Layer::Ip { checked: false },
        LINKTYPE_IPV4 => Layer::Ipv4 { checked: false },
        LINKTYPE_IPV6 => Layer::Ipv6 { checked: false },
        _ => Layer::Stop,
    };
    d.run(first);
    Dissection {
        header_len: d.end.min(data.len()),
        flow: d.flow,
        tcp_flags: d.tcp_flags,
    }
}

/// The next header to parse. `checked`: the layer was guessed (a tunnel
/// found by port, an MPLS payload), so it must look plausible first.
#[derive(Clone, Copy)]
enum Layer {
    Ethernet,
    Sll,
    Sll2,
    Null {
        network_order: bool,
    },
    Vlan,
    Pppoe,
    Mpls,
    Ip {
        checked: bool,
    },
    Ipv4 {
        checked: bool,
    },
    Ipv6 {
        checked: bool,
    },
    Arp,
    /// A transport header after an IP header: protocol, and whether this
    /// is the first fragment (or no fragment).
    Transport(u8, bool),
    Stop,
}

struct Dissector<'a> {
    data: &'a [u8],
    /// Start of the next header.
    pos: usize,
    /// End of the headers understood so far.
    end: usize,
    /// Network layers entered.
    depth: u32,
    /// The outermost IP addresses, until their flow is set.
    ips: Option<(IpAddr, IpAddr)>,
    flow: Option<FlowKey>,
    tcp_flags: Option<u8>,
}

impl Dissector<'_> {
    fn run(&mut self, mut layer: Layer) {
        // Every step either stops or consumes at least one byte, and the
        // depth bound stops tunnels: this bound is a second guard.
        for _ in 0..256 {
            layer = match layer {
                Layer::Stop => break,
                Layer::Ethernet => self.ethernet(),
                Layer::Sll => self.cooked(16, 14),
                Layer::Sll2 => self.cooked(20, 0),
                Layer::Null { network_order } => self.null(network_order),
                Layer::Vlan => self.vlan(),
                Layer::Pppoe => self.pppoe(),
                Layer::Mpls => self.mpls(),
                Layer::Ip { checked } => match self.byte(self.pos).map(|b| b >> 4) {
                    Some(4) => Layer::Ipv4 { checked },
                    Some(6) => Layer::Ipv6 { checked },
                    _ => Layer::Stop,
                },
                Layer::Ipv4 { checked } => self.ipv4(checked),
                Layer::Ipv6 { checked } => self.ipv6(checked),
                Layer::Arp => self.arp(),
                Layer::Transport(proto, first) => self.transport(proto, first),
            };
        }
        // An IP header without a transport header understood still makes
        // a flow (ports zero).
        if let Some((src, dst)) = self.ips.take() {
            self.flow.get_or_insert(FlowKey {
                proto: 0,
                src,
                dst,
                sport: 0,
                dport: 0,
            });
        }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.data.get(at).copied()
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.data.get(at..at.checked_add(2)?)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Count a header of `len` bytes at `pos` (all of what is left when
    /// the capture cut it short): true when it is whole.
    fn take(&mut self, len: usize) -> bool {
        let stop = self.pos.saturating_add(len);
        if stop <= self.data.len() {
            self.pos = stop;
            self.end = stop;
            true
        } else {
            self.pos = self.data.len();
            self.end = self.data.len();
            false
        }
    }

    fn ethernet(&mut self) -> Layer {
        let t = self.u16_at(self.pos + 12);
        if !self.take(14) {
            return Layer::Stop;
        }
        t.map_or(Layer::Stop, ethertype_or_vlan)
    }

    /// Linux cooked capture: `len` bytes, protocol at `proto_at`.
    fn cooked(&mut self, len: usize, proto_at: usize) -> Layer {
        let proto = self.u16_at(self.pos + proto_at);
        if !self.take(len) {
            return Layer::Stop;
        }
        proto.map_or(Layer::Stop, ethertype_or_vlan)
    }

    /// BSD loopback: a 4-byte address family.
    fn null(&mut self, network_order: bool) -> Layer {
        let Some(b) = self.data.get(..4) else {
            self.take(4);
            return Layer::Stop;
        };
        let b = [b[0], b[1], b[2], b[3]];
        // LINKTYPE_NULL is in the writer's byte order: a family fits in
        // 16 bits, so a little-endian reading above that is big endian.
        let mut family = if network_order {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        };
        if family > 0xffff {
            family = family.swap_bytes();
        }
        self.take(4);
        match family {
            2 => Layer::Ipv4 { checked: false },
            10 | 24 | 28 | 30 => Layer::Ipv6 { checked: false },
            _ => Layer::Stop,
        }
    }

    /// A VLAN tag (802.1Q/802.1ad), its ethertype after it.
    fn vlan(&mut self) -> Layer {
        if !self.take(4) {
            return Layer::Stop;
        }
        self.u16_at(self.pos - 2)
            .map_or(Layer::Stop, ethertype_or_vlan)
    }

    /// A PPPoE session header (6 bytes) and the PPP protocol (2).
    fn pppoe(&mut self) -> Layer {
        let proto = self.u16_at(self.pos + 6);
        if !self.take(8) {
            return Layer::Stop;
        }
        match proto {
            Some(0x0021) => Layer::Ipv4 { checked: false },
            Some(0x0057) => Layer::Ipv6 { checked: false },
            _ => Layer::Stop,
        }
    }

    /// MPLS labels up to the bottom of the stack, then IP by its version
    /// nibble (checked: a pseudowire's Ethernet may follow instead).
    fn mpls(&mut self) -> Layer {
        for _ in 0..16 {
            let bottom = self.byte(self.pos + 2).map(|b| b & 1 == 1);
            if !self.take(4) {
                return Layer::Stop;
            }
            if bottom == Some(true) {
                return Layer::Ip { checked: true };
            }
        }
        Layer::Stop
    }

    fn arp(&mut self) -> Layer {
        // Fixed part 8 bytes, then two hardware and two protocol addresses.
        let hlen = self.byte(self.pos + 4).map_or(0, usize::from);
        let plen = self.byte(self.pos + 5).map_or(0, usize::from);
        self.take(8 + 2 * hlen + 2 * plen);
        Layer::Stop
    }

    /// Enter a network layer: false past the depth bound.
    fn enter(&mut self) -> bool {
        self.depth += 1;
        self.depth <= MAX_DEPTH
    }

    fn ipv4(&mut self, checked: bool) -> Layer {
        if !self.enter() {
            return Layer::Stop;
        }
        let p = self.pos;
        let Some(h) = self.data.get(p..p + 20) else {
            if !checked {
                self.take(20);
            }
            return Layer::Stop;
        };
        let ihl = usize::from(h[0] & 0x0f) * 4;
        if h[0] >> 4 != 4 || ihl < 20 {
            return Layer::Stop;
        }
        if checked && !self.data.get(p..p + ihl).is_some_and(ipv4_checksum_ok) {
            return Layer::Stop;
        }
        let proto = h[9];
        let frag_offset = u16::from_be_bytes([h[6], h[7]]) & 0x1fff;
        let src = IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15]));
        let dst = IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19]));
        if self.depth == 1 {
            self.ips = Some((src, dst));
        }
        if !self.take(ihl) {
            self.set_flow(proto, 0, 0, None);
            return Layer::Stop;
        }
        Layer::Transport(proto, frag_offset == 0)
    }

    fn ipv6(&mut self, checked: bool) -> Layer {
        if !self.enter() {
            return Layer::Stop;
        }
        let p = self.pos;
        let Some(h) = self.data.get(p..p + 40) else {
            if !checked {
                self.take(40);
            }
            return Layer::Stop;
        };
        if h[0] >> 4 != 6 {
            return Layer::Stop;
        }
        let payload = usize::from(u16::from_be_bytes([h[4], h[5]]));
        if checked && payload > 0 && p + 40 + payload < self.data.len() {
            // A real tunnelled packet fills what follows it (a jumbogram's
            // zero aside); guessed bytes rarely do.
            return Layer::Stop;
        }
        let mut next = h[6];
        let src: [u8; 16] = h[8..24].try_into().unwrap_or_default();
        let dst: [u8; 16] = h[24..40].try_into().unwrap_or_default();
        if self.depth == 1 {
            self.ips = Some((
                IpAddr::V6(Ipv6Addr::from(src)),
                IpAddr::V6(Ipv6Addr::from(dst)),
            ));
        }
        self.take(40);
        // Extension headers, a bounded chain.
        for _ in 0..16 {
            match next {
                0 | 43 | 60 | 135 | 139 | 140 => {
                    let (Some(nh), Some(len)) = (self.byte(self.pos), self.byte(self.pos + 1))
                    else {
                        self.take(8);
                        break;
                    };
                    next = nh;
                    if !self.take((usize::from(len) + 1) * 8) {
                        break;
                    }
                }
                51 => {
                    // Authentication header: length in 4-byte units, minus 2.
                    let (Some(nh), Some(len)) = (self.byte(self.pos), self.byte(self.pos + 1))
                    else {
                        self.take(12);
                        break;
                    };
                    next = nh;
                    if !self.take((usize::from(len) + 2) * 4) {
                        break;
                    }
                }
                44 => {
                    let (Some(nh), Some(off)) = (self.byte(self.pos), self.u16_at(self.pos + 2))
                    else {
                        self.take(8);
                        break;
                    };
                    self.take(8);
                    if off >> 3 != 0 {
                        return Layer::Transport(nh, false);
                    }
                    next = nh;
                }
                _ => return Layer::Transport(next, true),
            }
        }
        // Cut short, or too long a chain: the flow without ports.
        self.set_flow(next, 0, 0, None);
        Layer::Stop
    }

    /// The header after IP: protocol `proto`; `first` is false for a
    /// non-first fragment (no transport header in it).
    fn transport(&mut self, proto: u8, first: bool) -> Layer {
        if !first {
            self.set_flow(proto, 0, 0, None);
            return Layer::Stop;
        }
        let p = self.pos;
        match proto {
            6 => {
                let ports = (self.u16_at(p), self.u16_at(p + 2));
                let flags = self.byte(p + 13);
                let off = self.byte(p + 12).map(|b| usize::from(b >> 4) * 4);
                self.set_ports(proto, ports, flags);
                match off {
                    Some(off) if off >= 20 => self.take(off),
                    Some(_) => false,
                    None => self.take(20),
                };
                Layer::Stop
            }
            17 => {
                let (sport, dport) = (self.u16_at(p), self.u16_at(p + 2));
                self.set_ports(proto, (sport, dport), None);
                if !self.take(8) {
                    return Layer::Stop;
                }
                match dport {
                    Some(VXLAN_PORT) => self.vxlan(),
                    Some(GTPU_PORT) => self.gtpu(),
                    _ => Layer::Stop,
                }
            }
            1 | 58 => {
                let tc = (self.byte(p).map(u16::from), self.byte(p + 1).map(u16::from));
                self.set_ports(proto, tc, None);
                self.take(8);
                Layer::Stop
            }
            132 => {
                self.set_ports(proto, (self.u16_at(p), self.u16_at(p + 2)), None);
                self.take(12);
                Layer::Stop
            }
            4 => {
                self.set_flow(proto, 0, 0, None);
                Layer::Ipv4 { checked: false }
            }
            41 => {
                self.set_flow(proto, 0, 0, None);
                Layer::Ipv6 { checked: false }
            }
            47 => {
                self.set_flow(proto, 0, 0, None);
                self.gre()
            }
            _ => {
                self.set_flow(proto, 0, 0, None);
                Layer::Stop
            }
        }
    }

    /// Set the outermost flow with its ports, when both were captured.
    fn set_ports(&mut self, proto: u8, ports: (Option<u16>, Option<u16>), flags: Option<u8>) {
        match ports {
            (Some(s), Some(d)) => self.set_flow(proto, s, d, flags),
            _ => self.set_flow(proto, 0, 0, None),
        }
    }

    /// The flow of the outermost IP header (later calls, for tunnelled
    /// packets, change nothing).
    fn set_flow(&mut self, proto: u8, sport: u16, dport: u16, tcp_flags: Option<u8>) {
        if let Some((src, dst)) = self.ips.take() {
            self.flow = Some(FlowKey {
                proto,
                src,
                dst,
                sport,
                dport,
            });
            if proto == 6 {
                self.tcp_flags = tcp_flags;
            }
        }
    }

    /// GRE (RFC 2784/2890; version 1, PPTP's, stops after its header).
    fn gre(&mut self) -> Layer {
        let Some(flags) = self.u16_at(self.pos) else {
            self.take(4);
            return Layer::Stop;
        };
        let proto = self.u16_at(self.pos + 2);
        if flags & 0x4000 != 0 {
            // Source routing (RFC 1701): deprecated, not followed.
            self.take(4);
            return Layer::Stop;
        }
        let version = flags & 0x7;
        let mut len = 4;
        for bit in [0x8000, 0x2000, 0x1000] {
            if flags & bit != 0 {
                len += 4;
            }
        }
        if version == 1 && flags & 0x0080 != 0 {
            len += 4; // acknowledgment number
        }
        if !self.take(len) || version != 0 {
            return Layer::Stop;
        }
        match proto {
            Some(0x6558) => Layer::Ethernet,
            Some(t) => ethertype(t),
            None => Layer::Stop,
        }
    }

    /// VXLAN: 8 bytes (flags with the I bit, reserved bits zero), then an
    /// Ethernet frame.
    fn vxlan(&mut self) -> Layer {
        let p = self.pos;
        let Some(h) = self.data.get(p..p + 8) else {
            return Layer::Stop;
        };
        if h[0] != 0x08 || h[1..4] != [0, 0, 0] || h[7] != 0 {
            return Layer::Stop;
        }
        // The inner frame must carry a known ethertype.
        match self.u16_at(p + 8 + 12) {
            Some(0x0800 | 0x86dd | 0x0806 | 0x8100 | 0x88a8) => {}
            _ => return Layer::Stop,
        }
        self.take(8);
        Layer::Ethernet
    }

    /// GTP-U version 1: an 8-byte header (12 with sequence number, N-PDU
    /// number or extension headers, then the extension headers); a G-PDU
    /// (type 255) carries an IP packet.
    fn gtpu(&mut self) -> Layer {
        let p = self.pos;
        let Some(h) = self.data.get(p..p + 8) else {
            return Layer::Stop;
        };
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        // Version 1, protocol type GTP, and a length that fits the datagram.
        if h[0] >> 5 != 1 || h[0] & 0x10 == 0 || p + 8 + len < self.data.len() {
            return Layer::Stop;
        }
        let (mtype, optional) = (h[1], h[0] & 0x07 != 0);
        let mut hl = if optional { 12 } else { 8 };
        if h[0] & 0x04 != 0 {
            // Extension headers: each gives its length in 4-byte units and
            // ends with the type of the next (0: none).
            let mut next = self.byte(p + 11);
            for _ in 0..16 {
                match next {
                    Some(0) => break,
                    None => return Layer::Stop,
                    Some(_) => {}
                }
                let Some(units) = self.byte(p + hl).filter(|&u| u > 0) else {
                    return Layer::Stop;
                };
                hl += usize::from(units) * 4;
                next = self.byte(p + hl - 1);
            }
            if next != Some(0) {
                return Layer::Stop;
            }
        }
        if hl > 8 + len {
            return Layer::Stop;
        }
        self.take(hl);
        if mtype == 0xff {
            Layer::Ip { checked: true }
        } else {
            Layer::Stop
        }
    }
}

/// The layer an ethertype names.
fn ethertype(t: u16) -> Layer {
    match t {
        0x0800 => Layer::Ipv4 { checked: false },
        0x86dd => Layer::Ipv6 { checked: false },
        0x0806 | 0x8035 => Layer::Arp,
        0x8847 | 0x8848 => Layer::Mpls,
        _ => Layer::Stop,
    }
}

/// As [`ethertype`], with VLAN tags and PPPoE session headers.
fn ethertype_or_vlan(t: u16) -> Layer {
    match t {
        0x8100 | 0x88a8 | 0x9100 => Layer::Vlan,
        0x8864 => Layer::Pppoe,
        _ => ethertype(t),
    }
}

fn ipv4_checksum_ok(h: &[u8]) -> bool {
    let mut sum: u32 = 0;
    for pair in h.chunks(2) {
        let hi = u32::from(pair[0]) << 8;
        let lo = pair.get(1).map_or(0, |&b| u32::from(b));
        sum += hi | lo;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum == 0xffff
}
