//! Tests of the libpcap binding against the real library: filters on
//! hand-built packets, and live captures on `lo` (as root).

use super::*;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::peers::skip;

/// libpcap is loadable (else the test is skipped).
fn have_libpcap() -> bool {
    match load() {
        Ok(_) => true,
        Err(e) => {
            skip(&e.to_string());
            false
        }
    }
}

/// The process is root (else the test is skipped).
fn root() -> bool {
    if !have_libpcap() {
        return false;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip("capturing on lo needs root (CAP_NET_RAW)");
        return false;
    }
    true
}

/// An Ethernet II / IPv4 / UDP packet from 10.0.0.1:40000 to
/// 10.0.0.2:`dport` carrying `payload` (checksums left zero: BPF does not
/// look at them).
fn udp_packet(dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    let total = u16::try_from(20 + 8 + payload.len()).unwrap();
    p.extend_from_slice(&[0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0]);
    p[16..18].copy_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    p.extend_from_slice(&40000u16.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&u16::try_from(8 + payload.len()).unwrap().to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

#[test]
fn load_names_the_library() {
    if !have_libpcap() {
        return;
    }
    let lib = load().unwrap();
    assert!(lib.version().contains("libpcap"), "{}", lib.version());
    // The same library every time.
    assert!(std::ptr::eq(lib, load().unwrap()));
}

#[test]
fn a_good_expression_compiles() {
    if !have_libpcap() {
        return;
    }
    for expr in [
        "udp port 53",
        "",
        "host 127.0.0.1 and (tcp or udp)",
        "vlan and ip6",
    ] {
        Filter::compile(expr, 1, 65535).unwrap_or_else(|e| panic!("{expr:?}: {e}"));
    }
}

#[test]
fn a_bad_expression_is_refused_with_libpcaps_message() {
    if !have_libpcap() {
        return;
    }
    let err = Filter::compile("udp prot 53", 1, 65535).expect_err("must not compile");
    match &err {
        LibpcapError::Filter { expr, message } => {
            assert_eq!(expr, "udp prot 53");
            assert!(message.contains("syntax error"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("syntax error"), "{err}");
    assert!(err.to_string().contains("udp prot 53"), "{err}");
    // A NUL byte never reaches libpcap.
    let err = Filter::compile("udp\0port 53", 1, 65535).expect_err("NUL");
    assert!(err.to_string().contains("NUL"), "{err}");
}

#[test]
fn filter_matches_a_hand_built_packet() {
    if !have_libpcap() {
        return;
    }
    let pkt = udp_packet(53, b"query");
    let len = u32::try_from(pkt.len()).unwrap();
    let dns = Filter::compile("udp port 53", 1, 65535).unwrap();
    let tcp = Filter::compile("tcp", 1, 65535).unwrap();
    let other_port = Filter::compile("udp port 54", 1, 65535).unwrap();
    assert!(dns.matches(&pkt, len));
    assert!(!tcp.matches(&pkt, len));
    assert!(!other_port.matches(&pkt, len));
    // Cut before the UDP header: the port test reads past the data and fails.
    assert!(!dns.matches(&pkt[..34], len));
    assert!(!dns.matches(&[], 0));
}

#[test]
fn filter_takes_linktype_values_not_dlt_values() {
    if !have_libpcap() {
        return;
    }
    // LINKTYPE_RAW (101): the IPv4 packet without its Ethernet header.
    // libpcap's compiler knows it only as DLT_RAW (12).
    let pkt = udp_packet(53, b"query");
    let raw = &pkt[14..];
    let f = Filter::compile("udp port 53", 101, 65535).unwrap();
    assert!(f.matches(raw, u32::try_from(raw.len()).unwrap()));
    assert!(
        !Filter::compile("tcp", 101, 65535)
            .unwrap()
            .matches(raw, 100)
    );
    for (dlt, linktype) in [(12, 101), (11, 100), (1, 1), (113, 113), (276, 276)] {
        assert_eq!(ffi::dlt_to_linktype(dlt), Some(linktype));
        assert_eq!(ffi::linktype_to_dlt(linktype), dlt);
    }
    assert_eq!(ffi::dlt_to_linktype(-1), None);
    assert_eq!(ffi::dlt_to_linktype(70_000), None);
}

#[test]
fn packet_times_keep_their_resolution() {
    let tv = |s, u| libc::timeval {
        tv_sec: s,
        tv_usec: u,
    };
    let t = packet_time(tv(1_700_000_000, 123_456), false).unwrap();
    assert_eq!((t.secs, t.nanos), (1_700_000_000, 123_456_000));
    let t = packet_time(tv(1_700_000_000, 123_456_789), true).unwrap();
    assert_eq!((t.secs, t.nanos), (1_700_000_000, 123_456_789));
    // Out-of-range fractions carry into the seconds, never a panic.
    let t = packet_time(tv(5, 1_500_000), false).unwrap();
    assert_eq!((t.secs, t.nanos), (6, 500_000_000));
    let t = packet_time(tv(5, -1), true).unwrap();
    assert_eq!((t.secs, t.nanos), (4, 999_999_999));
    assert!(packet_time(tv(i64::MAX, 1_000_000_000), true).is_none());
}

#[test]
fn handles_cross_threads() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<Live>();
    send::<Filter>();
    sync::<Filter>();
    sync::<Lib>();
}

fn lo_options() -> LiveOptions {
    LiveOptions {
        snaplen: 256,
        promisc: false,
        buffer_bytes: 1 << 20,
        timeout_ms: 50,
    }
}

/// A packet copied out of libpcap's buffer.
struct Seen {
    time: PacketTime,
    orig_len: u32,
    data: Vec<u8>,
    linktype: u16,
}

/// Read from `live` in a thread until `want` packets have come and a read
/// then timed out, so that one packet too many would be seen too. A read
/// that never returns fails the test after 10 s instead of hanging it.
fn capture(mut live: Live, want: usize) -> (Live, Vec<Seen>) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let end = loop {
            match live.next() {
                Ok(Some(p)) => seen.push(Seen {
                    time: p.time,
                    orig_len: p.orig_len,
                    data: p.data.to_vec(),
                    linktype: p.linktype,
                }),
                Ok(None) if seen.len() >= want => break Ok(()),
                Ok(None) => {}
                Err(e) => break Err(e),
            }
        };
        let _ = tx.send((live, seen, end));
    });
    let (live, seen, end) = rx
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("fewer than {want} packets in 10 s, or a read hung"));
    end.unwrap();
    (live, seen)
}

#[test]
fn live_capture_on_lo_sees_every_datagram_sent_to_the_port() {
    if !root() {
        return;
    }
    const N: usize = 25;
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rx.local_addr().unwrap().port();
    let noise = UdpSocket::bind("127.0.0.1:0").unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();

    let mut live = Live::open("lo", &lo_options()).unwrap();
    live.set_filter(&format!("udp port {port}")).unwrap();
    assert_eq!(live.linktype(), 1, "lo is an Ethernet-like device");
    assert_eq!(live.snaplen(), 256);

    let before = PacketTime::now();
    for i in 0..N {
        let marker = format!("evidentia-marker-{i:04}");
        tx.send_to(marker.as_bytes(), ("127.0.0.1", port)).unwrap();
        // Traffic outside the filter, interleaved.
        tx.send_to(b"noise", noise.local_addr().unwrap()).unwrap();
    }
    let (live, seen) = capture(live, N);
    let after = PacketTime::now();
    let mut markers = Vec::new();
    for p in &seen {
        assert_eq!(p.linktype, 1);
        assert_eq!(p.orig_len as usize, p.data.len(), "short packets are whole");
        assert!(p.time >= before && p.time <= after, "{}", p.time);
        let text = String::from_utf8_lossy(&p.data);
        let at = text
            .find("evidentia-marker-")
            .expect("only the filtered port");
        markers.push(text[at + 17..at + 21].parse::<usize>().unwrap());
    }
    assert_eq!(markers, (0..N).collect::<Vec<_>>());
    let s = live.stats().unwrap();
    // lo shows each packet going out and coming in.
    assert!(s.received >= N as u64, "{s:?}");
    assert_eq!(s.dropped, 0, "{s:?}");
    let again = live.stats().unwrap();
    assert!(again.received >= s.received);
}

#[test]
fn snaplen_bounds_every_packet() {
    if !root() {
        return;
    }
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rx.local_addr().unwrap().port();
    let options = LiveOptions {
        snaplen: 60,
        ..lo_options()
    };
    let mut live = Live::open("lo", &options).unwrap();
    live.set_filter(&format!("udp dst port {port}")).unwrap();
    rx.send_to(&[0x5a; 1000], ("127.0.0.1", port)).unwrap();
    let (_, seen) = capture(live, 1);
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].data.len(), seen[0].orig_len),
        (60, 14 + 20 + 8 + 1000)
    );
}

#[test]
fn an_idle_read_returns_within_the_timeout() {
    if !root() {
        return;
    }
    let idle = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = idle.local_addr().unwrap().port();
    let mut live = Live::open("lo", &lo_options()).unwrap();
    live.set_filter(&format!("udp port {port}")).unwrap();
    // In its own thread, so that a read that never returns fails the test
    // instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        for _ in 0..3 {
            let got = live.next().map(|p| p.is_some());
            tx.send((got, start.elapsed())).unwrap();
        }
    });
    let mut waited = Duration::ZERO;
    for _ in 0..3 {
        let (got, elapsed) = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("next() must time out");
        assert!(!got.unwrap(), "no packet on an idle port");
        waited = elapsed;
    }
    // Each read waited for its timeout (50 ms) rather than spinning.
    assert!(waited >= Duration::from_millis(120), "{waited:?}");
}

#[test]
fn counters_widen_across_wrap_arounds() {
    let c = Counters::default().widen([10, 0, 0]);
    assert_eq!(c.total, [10, 0, 0]);
    let c = c.widen([u32::MAX, 2, 0]);
    assert_eq!(c.total, [u64::from(u32::MAX), 2, 0]);
    // Wrapped: 5 more than u32::MAX + 1.
    let c = c.widen([5, 2, 1]);
    assert_eq!(c.total, [(1u64 << 32) + 5, 2, 1]);
}

#[test]
fn a_missing_device_is_named() {
    if !root() {
        return;
    }
    let err = Live::open("evidentia-nope0", &lo_options()).expect_err("no such device");
    assert!(
        matches!(&err, LibpcapError::NoSuchDevice { device, .. } if device == "evidentia-nope0"),
        "{err:?}"
    );
    assert!(err.to_string().contains("evidentia-nope0"), "{err}");
}

#[test]
fn a_bad_filter_on_a_live_handle_is_a_filter_error() {
    if !root() {
        return;
    }
    let mut live = Live::open("lo", &lo_options()).unwrap();
    let err = live
        .set_filter("port 99999")
        .expect_err("port out of range");
    assert!(
        matches!(&err, LibpcapError::Filter { message, .. } if message.contains("99999")),
        "{err:?}"
    );
}

/// Run by [`missing_privilege_names_cap_net_raw`] in a child without
/// CAP_NET_RAW; does nothing otherwise.
#[test]
#[ignore = "run in a child process by missing_privilege_names_cap_net_raw"]
fn permission_child() {
    if std::env::var_os("EVIDENTIA_LIBPCAP_PERMISSION_CHILD").is_none() {
        return;
    }
    let err = Live::open("lo", &lo_options()).expect_err("no privilege");
    assert!(matches!(err, LibpcapError::Permission { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("CAP_NET_RAW"), "{text}");
    assert!(text.contains("Operation not permitted"), "{text}");
}

#[test]
fn missing_privilege_names_cap_net_raw() {
    if !root() {
        return;
    }
    let Ok(setpriv) = which("setpriv") else {
        return skip("setpriv (util-linux) is not installed");
    };
    // This test binary again, running only `permission_child`, with
    // CAP_NET_RAW and CAP_NET_ADMIN gone from every capability set.
    let out = std::process::Command::new(setpriv)
        .args([
            "--inh-caps=-net_raw,-net_admin",
            "--bounding-set=-net_raw,-net_admin",
            "--",
        ])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "capture::libpcap::tests::permission_child",
            "--ignored",
        ])
        .env("EVIDENTIA_LIBPCAP_PERMISSION_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

fn which(tool: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .ok_or(())
}
