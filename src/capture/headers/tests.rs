use super::*;
use crate::capture::pcap::{self, Reader};
use std::path::Path;

const MARK: &[u8] = b"EVIDENTIA-PAYLOAD-MARKER";

fn eth(ethertype: u16) -> Vec<u8> {
    let mut v = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    v.extend_from_slice(&ethertype.to_be_bytes());
    v
}

fn checksum(h: &mut [u8]) {
    h[10] = 0;
    h[11] = 0;
    let mut sum: u32 = h
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(c[1]))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let c = !(sum as u16);
    h[10..12].copy_from_slice(&c.to_be_bytes());
}

/// An IPv4 header of `words` 32-bit words (options zero-filled).
fn ipv4(
    proto: u8,
    words: u8,
    frag_offset: u16,
    src: [u8; 4],
    dst: [u8; 4],
    rest: usize,
) -> Vec<u8> {
    let hl = usize::from(words) * 4;
    let mut h = vec![0u8; hl];
    h[0] = 0x40 | words;
    h[2..4].copy_from_slice(&((hl + rest) as u16).to_be_bytes());
    h[6..8].copy_from_slice(&(frag_offset & 0x1fff).to_be_bytes());
    h[8] = 64;
    h[9] = proto;
    h[12..16].copy_from_slice(&src);
    h[16..20].copy_from_slice(&dst);
    checksum(&mut h);
    h
}

fn ipv6(next: u8, rest: usize) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(rest as u16).to_be_bytes());
    h.extend_from_slice(&[next, 64]);
    h.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    let mut d = [0u8; 16];
    d[0] = 0x20;
    d[1] = 0x01;
    d[15] = 9;
    h.extend_from_slice(&d);
    h
}

fn tcp(sport: u16, dport: u16, flags: u8, words: u8) -> Vec<u8> {
    let mut h = vec![0u8; usize::from(words) * 4];
    h[0..2].copy_from_slice(&sport.to_be_bytes());
    h[2..4].copy_from_slice(&dport.to_be_bytes());
    h[12] = words << 4;
    h[13] = flags;
    h
}

fn udp(sport: u16, dport: u16, rest: usize) -> Vec<u8> {
    let mut h = sport.to_be_bytes().to_vec();
    h.extend_from_slice(&dport.to_be_bytes());
    h.extend_from_slice(&((8 + rest) as u16).to_be_bytes());
    h.extend_from_slice(&[0, 0]);
    h
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

const A: [u8; 4] = [10, 0, 0, 1];
const B: [u8; 4] = [10, 0, 0, 2];

fn v4(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}

/// The packet's headers end exactly at `want`, before the marker, and
/// every shorter capture of it keeps at most what it has and no more
/// than `want`.
fn check(linktype: u16, pkt: &[u8], want: usize) -> Dissection {
    let d = dissect(linktype, pkt);
    assert_eq!(d.header_len, want, "{pkt:02x?}");
    if let Some(at) = pkt.windows(MARK.len()).position(|w| w == MARK) {
        assert!(d.header_len <= at, "the cut keeps payload");
    }
    for cut in 0..pkt.len() {
        let c = dissect(linktype, &pkt[..cut]);
        assert!(
            c.header_len <= cut && c.header_len <= want,
            "cut {cut}: {}",
            c.header_len
        );
    }
    d
}

#[test]
fn ethernet_vlan_stack_ipv4_options_tcp_options() {
    let mut vlan = vec![0x00, 0x05];
    vlan.extend_from_slice(&0x8100u16.to_be_bytes());
    vlan.extend_from_slice(&[0x00, 0x07, 0x08, 0x00]);
    let pkt = cat(&[
        &eth(0x88a8),
        &vlan,
        &ipv4(6, 6, 0, A, B, 32 + MARK.len()),
        &tcp(1234, 80, 0x18, 8),
        MARK,
    ]);
    let d = check(pcap::LINKTYPE_ETHERNET, &pkt, 14 + 8 + 24 + 32);
    let f = FlowKey {
        proto: 6,
        src: v4(A),
        dst: v4(B),
        sport: 1234,
        dport: 80,
    };
    assert_eq!(d.flow, Some(f));
    assert_eq!(d.tcp_flags, Some(0x18));
}

#[test]
fn ipv6_extension_headers_then_udp() {
    let mut ext = vec![43, 0, 0, 0, 0, 0, 0, 0]; // hop-by-hop, 8 bytes
    ext.extend_from_slice(&[60, 2]); // routing, 24 bytes
    ext.extend_from_slice(&[0; 22]);
    ext.extend_from_slice(&[51, 0, 0, 0, 0, 0, 0, 0]); // destination options
    ext.extend_from_slice(&[44, 1, 0, 0, 0, 0, 0, 0]); // AH, 12 bytes
    ext.extend_from_slice(&[0; 4]);
    ext.extend_from_slice(&[17, 0, 0, 1, 0, 0, 0, 9]); // fragment, offset 0, M
    let rest = ext.len() + 8 + MARK.len();
    let pkt = cat(&[
        &eth(0x86dd),
        &ipv6(0, rest),
        &ext,
        &udp(5353, 53, MARK.len()),
        MARK,
    ]);
    let d = check(pcap::LINKTYPE_ETHERNET, &pkt, 14 + 40 + ext.len() + 8);
    let f = d.flow.unwrap();
    assert_eq!((f.proto, f.sport, f.dport), (17, 5353, 53));
    assert_eq!(f.src, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(d.tcp_flags, None);
}

#[test]
fn non_first_fragments_have_no_transport_header() {
    // IPv4: offset 185 (x8 bytes), the bytes after the header are payload.
    let pkt = cat(&[
        &eth(0x0800),
        &ipv4(17, 5, 185, A, B, 8 + MARK.len()),
        &udp(1, 2, 0),
        MARK,
    ]);
    let d = check(pcap::LINKTYPE_ETHERNET, &pkt, 14 + 20);
    let f = d.flow.unwrap();
    assert_eq!((f.proto, f.sport, f.dport), (17, 0, 0));
    // IPv6: a fragment header with a non-zero offset.
    let frag = [6, 0, 0x05, 0x00, 0, 0, 0, 1];
    let pkt = cat(&[
        &ipv6(44, 8 + 20 + MARK.len()),
        &frag,
        &tcp(1, 2, 2, 5),
        MARK,
    ]);
    let d = check(pcap::LINKTYPE_IPV6, &pkt, 48);
    assert_eq!(d.flow.unwrap().proto, 6);
    assert_eq!(d.tcp_flags, None);
}

#[test]
fn icmp_keeps_eight_bytes_never_the_quoted_packet() {
    // Destination unreachable, port unreachable, quoting IPv4 + UDP.
    let quoted = cat(&[&ipv4(17, 5, 0, B, A, 8), &udp(9, 10, MARK.len()), MARK]);
    let icmp = [3, 3, 0, 0, 0, 0, 0, 0];
    let pkt = cat(&[&ipv4(1, 5, 0, A, B, 8 + quoted.len()), &icmp, &quoted]);
    let d = check(pcap::LINKTYPE_RAW, &pkt, 28);
    let f = d.flow.unwrap();
    assert_eq!((f.proto, f.sport, f.dport), (1, 3, 3));
    // ICMPv6 echo request with data, in a Linux cooked capture.
    let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    sll.extend_from_slice(&0x86ddu16.to_be_bytes());
    let pkt = cat(&[
        &sll,
        &ipv6(58, 8 + MARK.len()),
        &[128, 0, 0, 0, 0, 1, 0, 1],
        MARK,
    ]);
    let d = check(pcap::LINKTYPE_LINUX_SLL, &pkt, 16 + 48);
    let f = d.flow.unwrap();
    assert_eq!((f.proto, f.sport, f.dport), (58, 128, 0));
}

#[test]
fn gre_vxlan_gtpu_and_ip_in_ip_reach_the_inner_transport() {
    let inner = cat(&[
        &ipv4(17, 5, 0, [192, 168, 0, 1], [192, 168, 0, 2], 8 + MARK.len()),
        &udp(7, 8, MARK.len()),
    ]);
    // GRE with checksum and key (12 bytes), carrying IPv4.
    let gre = [0xa0, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 42];
    let pkt = cat(&[
        &eth(0x0800),
        &ipv4(47, 5, 0, A, B, 12 + inner.len() + MARK.len()),
        &gre,
        &inner,
        MARK,
    ]);
    let d = check(pcap::LINKTYPE_ETHERNET, &pkt, 14 + 20 + 12 + 28);
    assert_eq!(
        d.flow.unwrap(),
        FlowKey {
            proto: 47,
            src: v4(A),
            dst: v4(B),
            sport: 0,
            dport: 0
        }
    );
    // GRE transparent Ethernet bridging.
    let gre = [0x00, 0x00, 0x65, 0x58];
    let pkt = cat(&[&ipv4(47, 5, 0, A, B, 0), &gre, &eth(0x0800), &inner, MARK]);
    check(pcap::LINKTYPE_IPV4, &pkt, 20 + 4 + 14 + 28);
    // VXLAN: the outer UDP flow, the inner frame's headers counted.
    let vx = [0x08, 0, 0, 0, 0, 0, 0x64, 0];
    let inner_tcp = cat(&[
        &ipv4(6, 5, 0, [192, 168, 0, 1], [192, 168, 0, 2], 20),
        &tcp(5, 6, 0x02, 5),
    ]);
    let pkt = cat(&[
        &ipv4(17, 5, 0, A, B, 0),
        &udp(40000, VXLAN_PORT, 0),
        &vx,
        &eth(0x0800),
        &inner_tcp,
        MARK,
    ]);
    let d = check(pcap::LINKTYPE_RAW, &pkt, 20 + 8 + 8 + 14 + 40);
    assert_eq!(d.flow.unwrap().dport, VXLAN_PORT);
    assert_eq!(d.tcp_flags, None, "the flags are the outer flow's");
    // GTP-U G-PDU with a sequence number and one extension header.
    let mut gtp = vec![0x36, 0xff];
    let gtp_len = 4 + 4 + inner.len() + MARK.len();
    gtp.extend_from_slice(&(gtp_len as u16).to_be_bytes());
    gtp.extend_from_slice(&[0, 0, 0, 1, 0, 7, 0, 0x85, 1, 0x10, 0, 0]);
    let pkt = cat(&[
        &ipv4(17, 5, 0, A, B, 0),
        &udp(GTPU_PORT, GTPU_PORT, 0),
        &gtp,
        &inner,
        MARK,
    ]);
    check(pcap::LINKTYPE_RAW, &pkt, 20 + 8 + 16 + 28);
    // IPv4 in IPv4 and IPv6 in IPv4.
    let pkt = cat(&[&ipv4(4, 5, 0, A, B, 0), &inner, MARK]);
    let d = check(pcap::LINKTYPE_RAW, &pkt, 48);
    assert_eq!(d.flow.unwrap().proto, 4);
    let pkt = cat(&[
        &ipv4(41, 5, 0, A, B, 0),
        &ipv6(17, 8 + MARK.len()),
        &udp(1, 2, MARK.len()),
        MARK,
    ]);
    check(pcap::LINKTYPE_RAW, &pkt, 68);
}

#[test]
fn guessed_tunnels_that_do_not_look_real_stop_at_udp() {
    // A datagram to the VXLAN or GTP-U port whose payload is not one.
    for port in [VXLAN_PORT, GTPU_PORT] {
        let pkt = cat(&[
            &ipv4(17, 5, 0, A, B, 0),
            &udp(1, port, 0),
            &[0x08; 8],
            MARK,
            MARK,
        ]);
        check(pcap::LINKTYPE_RAW, &pkt, 28);
    }
    // VXLAN header right, inner IPv4 with a wrong checksum.
    let mut bad = ipv4(17, 5, 0, A, B, 8);
    bad[11] ^= 1;
    let pkt = cat(&[
        &ipv4(17, 5, 0, A, B, 0),
        &udp(1, GTPU_PORT, 0),
        &[0x30, 0xff, 0, 28, 0, 0, 0, 1],
        &bad,
        &udp(1, 2, 0),
    ]);
    check(pcap::LINKTYPE_RAW, &pkt, 36);
}

#[test]
fn tunnels_nest_at_most_max_depth() {
    let mut pkt = Vec::new();
    for _ in 0..20 {
        pkt.extend_from_slice(&ipv4(4, 5, 0, A, B, 0));
    }
    pkt.extend_from_slice(MARK);
    check(pcap::LINKTYPE_RAW, &pkt, 20 * MAX_DEPTH as usize);
}

#[test]
fn arp_mpls_pppoe_and_other_links() {
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1];
    arp.extend_from_slice(&[0; 20]);
    let mut pkt = cat(&[&eth(0x0806), &arp]);
    pkt.resize(60, 0); // Ethernet padding is not a header
    let d = check(pcap::LINKTYPE_ETHERNET, &pkt, 42);
    assert_eq!(d.flow, None);
    let body = cat(&[&ipv4(17, 5, 0, A, B, 8), &udp(1, 2, MARK.len()), MARK]);
    let mpls = [0, 0, 0x10, 64, 0, 0, 0x21, 64];
    check(
        pcap::LINKTYPE_ETHERNET,
        &cat(&[&eth(0x8847), &mpls, &body]),
        14 + 8 + 28,
    );
    let pppoe = [0x11, 0, 0, 1, 0, 30, 0, 0x21];
    check(
        pcap::LINKTYPE_ETHERNET,
        &cat(&[&eth(0x8864), &pppoe, &body]),
        14 + 8 + 28,
    );
    let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6];
    sll2.extend_from_slice(&[0; 8]);
    check(pcap::LINKTYPE_LINUX_SLL2, &cat(&[&sll2, &body]), 20 + 28);
    check(pcap::LINKTYPE_NULL, &cat(&[&[2, 0, 0, 0], &body]), 32);
    check(pcap::LINKTYPE_NULL, &cat(&[&[0, 0, 0, 2], &body]), 32);
    check(pcap::LINKTYPE_LOOP, &cat(&[&[0, 0, 0, 2], &body]), 32);
    check(pcap::LINKTYPE_IPV4, &body, 28);
    check(12, &body, 28);
    // An unknown link type, ethertype or IP protocol: stop before it.
    check(147, &body, 0);
    check(pcap::LINKTYPE_ETHERNET, &cat(&[&eth(0x88cc), &body]), 14);
    let d = check(
        pcap::LINKTYPE_RAW,
        &cat(&[&ipv4(50, 5, 0, A, B, 0), MARK]),
        20,
    );
    assert_eq!(d.flow.unwrap().proto, 50);
    // A TCP data offset below 5 is not understood: stop at IP.
    let pkt = cat(&[&ipv4(6, 5, 0, A, B, 0), &tcp(1, 2, 0, 4), MARK]);
    assert_eq!(dissect(pcap::LINKTYPE_RAW, &pkt).header_len, 20);
}

#[test]
fn committed_captures_keep_no_payload() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/capture");
    for name in [
        "lo.pcap",
        "any-sll.pcap",
        "any-sll2.pcap",
        "mixed-linktypes.pcapng",
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let mut r = Reader::new(&bytes[..]).unwrap();
        let (mut marked, mut ports) = (0, Vec::new());
        while let Some(p) = r.next_packet().unwrap() {
            let d = dissect(p.linktype, p.data);
            let f = d.flow.unwrap_or_else(|| panic!("{name}: no flow"));
            ports.push((f.sport, f.dport));
            assert!(d.header_len <= p.data.len());
            if p.data.windows(MARK.len()).any(|w| w == MARK) {
                marked += 1;
                assert!(
                    !p.data[..d.header_len]
                        .windows(MARK.len())
                        .any(|w| w == MARK),
                    "{name}"
                );
                assert!(d.header_len < p.data.len());
            } else {
                assert_eq!(
                    d.header_len,
                    p.data.len(),
                    "{name}: a packet without payload is all headers"
                );
            }
        }
        // 3 UDP to 127.0.0.1, 1 to ::1, 1 TCP segment, per interface.
        assert_eq!(marked % 5, 0, "{name}");
        assert!(marked >= 5, "{name}");
        let ours = |p: u16| p == 47019 || p == 47020;
        assert!(
            ports.iter().all(|&(s, d)| ours(s) || ours(d)),
            "{name}: {ports:?}"
        );
    }
}
