//! `evidentia capture` of real traffic on the loopback interface (root):
//! UDP datagrams and a TCP exchange sent by the test to a port of its own,
//! counted against the sender and against tcpdump capturing the same
//! traffic at the same time; the payload marker absent in headers mode and
//! present in full mode; rotation by time and by size read back by tcpdump
//! and capinfos; SIGTERM; kill -9 then `--recover`, `seal`, `verify`; and
//! the message when CAP_NET_RAW is missing.

use crate::capture::{MARKER, contains, json, segment_bytes, setup, signed_files};
use crate::harness::{Env, peer, skip};
use evidentia::capture::headers::dissect;
use evidentia::capture::pcap::Reader;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Root, and so CAP_NET_RAW (else skipped, or failed when peers are required).
fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip("live capture on lo needs root (CAP_NET_RAW)");
        return false;
    }
    true
}

/// A port free for both UDP and TCP on 127.0.0.1, with a socket bound to
/// each (so datagrams are delivered and connections accepted).
fn free_port() -> (UdpSocket, TcpListener, u16) {
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
            return (udp, tcp, port);
        }
    }
    panic!("no port free for both UDP and TCP");
}

/// The BPF scope of a test: both protocols on its port.
fn scope(port: u16) -> String {
    format!("udp port {port} or tcp port {port}")
}

/// A payload: the marker, the sequence number, padding.
fn payload(i: usize, len: usize) -> Vec<u8> {
    let mut p = MARKER.to_vec();
    p.extend_from_slice(format!("-{i:06}-").as_bytes());
    p.resize(len.max(p.len()), b'.');
    p
}

/// Send `n` marked datagrams to `port`, `gap` apart.
fn send_udp(port: u16, n: usize, gap: Duration) {
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..n {
        tx.send_to(&payload(i, 100), ("127.0.0.1", port)).unwrap();
        if !gap.is_zero() {
            std::thread::sleep(gap);
        }
    }
}

/// One TCP exchange with the listener: a marked request, a marked reply,
/// both sides closed.
fn tcp_exchange(listener: &TcpListener, port: u16) {
    let request = payload(1, 300);
    let reply = payload(2, 300);
    std::thread::scope(|s| {
        let server = s.spawn(|| {
            let (mut c, _) = listener.accept().unwrap();
            let mut got = vec![0; request.len()];
            c.read_exact(&mut got).unwrap();
            assert_eq!(got, request);
            c.write_all(&reply).unwrap();
            // Until the client closes.
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).unwrap();
        });
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(&request).unwrap();
        let mut got = vec![0; reply.len()];
        c.read_exact(&mut got).unwrap();
        assert_eq!(got, reply);
        drop(c);
        server.join().unwrap();
    });
}

/// A running process whose stderr goes to a file.
struct Running {
    child: Child,
    stderr: PathBuf,
}

impl Running {
    /// Spawn `cmd`, its stderr in `dir/<name>.stderr`.
    fn spawn(mut cmd: Command, dir: &Path, name: &str) -> Running {
        let stderr = dir.join(format!("{name}.stderr"));
        let f = std::fs::File::create(&stderr).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(f)
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Running { child, stderr }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Wait until stderr says `ready` (the capture is open and filtered).
    fn wait_for(&mut self, ready: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.stderr().contains(ready) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("exited ({status}) before {ready:?}:\n{}", self.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "no {ready:?} in 20 s:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Send `sig` and wait for the exit code.
    fn stop(mut self, sig: libc::c_int) -> (i32, String) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: signalling our own child, which has not been reaped.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), self.stderr())
    }
}

/// `evidentia capture lo --out DIR --case C-1 --filter FILTER EXTRA...`.
fn start_capture(env: &Env, out: &str, filter: &str, extra: &[&str]) -> Running {
    let mut args = vec![
        "capture", "lo", "--out", out, "--case", "C-1", "--filter", filter,
    ];
    args.extend_from_slice(extra);
    let mut r = Running::spawn(env.cmd(&args), env.path(), out);
    r.wait_for("capturing into");
    r
}

/// tcpdump on lo with the same filter and snaplen, writing `file`.
fn start_tcpdump(tcpdump: &Path, file: &Path, filter: &str, snaplen: u32) -> Running {
    let mut cmd = Command::new(tcpdump);
    cmd.args(["-i", "lo", "-n", "-s", &snaplen.to_string(), "-w"])
        .arg(file)
        .arg(filter);
    let dir = file.parent().unwrap();
    let mut r = Running::spawn(cmd, dir, "tcpdump");
    r.wait_for("listening on lo");
    r
}

/// Packets in a pcap file by transport protocol: (UDP, TCP, all).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    udp: u64,
    tcp: u64,
    all: u64,
}

impl Counts {
    fn add(&mut self, path: &Path) {
        let file = std::fs::File::open(path).unwrap();
        let mut reader = Reader::new(std::io::BufReader::new(file))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        while let Some(p) = reader.next_packet().unwrap() {
            let proto = dissect(p.linktype, p.data).flow.map(|f| f.proto);
            self.udp += u64::from(proto == Some(17));
            self.tcp += u64::from(proto == Some(6));
            self.all += 1;
        }
    }

    fn of(paths: &[PathBuf]) -> Counts {
        let mut c = Counts::default();
        for p in paths {
            c.add(p);
        }
        c
    }
}

/// The segment pcaps of a capture directory, in order.
fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("segments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    v.sort();
    v
}

/// Long enough for both captures to hand over the last packets (tcpdump's
/// ring gives a partly filled block to the reader after 1 s).
fn settle() {
    std::thread::sleep(Duration::from_millis(1500));
}

#[test]
fn live_headers_capture_counts_every_packet_as_tcpdump_does_and_keeps_no_payload() {
    if !root() {
        return;
    }
    let Some(tcpdump) = peer("tcpdump") else {
        return;
    };
    let env = Env::new();
    setup(&env);
    let (_udp, tcp, port) = free_port();
    let filter = scope(port);
    let reference = env.path().join("tcpdump.pcap");
    let dump = start_tcpdump(&tcpdump, &reference, &filter, 512);
    let cap = start_capture(&env, "cap", &filter, &[]);
    const N: usize = 200;
    send_udp(port, N, Duration::ZERO);
    tcp_exchange(&tcp, port);
    settle();
    let (code, stderr) = cap.stop(libc::SIGTERM);
    assert_eq!(code, 0, "SIGTERM ends a capture cleanly:\n{stderr}");
    let (_, dump_err) = dump.stop(libc::SIGTERM);

    let dir = env.path().join("cap");
    let ours = Counts::of(&segments(&dir));
    let theirs = Counts::of(std::slice::from_ref(&reference));
    assert_eq!(ours.udp, N as u64, "every datagram sent");
    assert!(
        ours.tcp >= 6,
        "a handshake, two data segments, two FINs: {ours:?}"
    );
    assert_eq!(ours, theirs, "tcpdump saw the same traffic:\n{dump_err}");

    let end = json(&dir.join("capture.json"));
    assert_eq!(end["ended_by"], "signal");
    assert_eq!(end["packets"], ours.all);
    assert_eq!(end["drops"]["kernel"], 0, "{end}");
    assert!(!dir.join("capture.open").exists());
    let seg = json(&dir.join("segments/000001.json"));
    assert_eq!(seg["source"]["kind"], "interface");
    assert_eq!(seg["source"]["linktype"], 1);
    assert_eq!(seg["scope"]["filter"], filter.as_str());
    assert_eq!(seg["scope"]["content"], "headers");

    // The marker was on the wire within the snaplen (tcpdump kept it) and
    // never reached a segment.
    assert!(contains(&std::fs::read(&reference).unwrap(), MARKER));
    assert!(
        !contains(&segment_bytes(&dir), MARKER),
        "a payload byte was written"
    );

    env.run(["seal", "cap", "--out", "cap.zip", "--case", "C-1"])
        .expect_code(0);
    env.run(["verify", "cap.zip"]).expect_code(0);
}

#[test]
fn live_full_capture_keeps_the_payload() {
    if !root() {
        return;
    }
    let env = Env::new();
    setup(&env);
    env.write(
        "content.toml",
        b"case_reference = \"C-1\"\ndata_category = \"content\"\n\
          legal_basis = \"Order 17/2026: interception of content, art. 21 Budapest Convention\"\n",
    );
    let (_udp, tcp, port) = free_port();
    let cap = start_capture(
        &env,
        "cap",
        &scope(port),
        &["--content", "full", "--meta", "content.toml"],
    );
    send_udp(port, 20, Duration::ZERO);
    tcp_exchange(&tcp, port);
    settle();
    let (code, stderr) = cap.stop(libc::SIGTERM);
    assert_eq!(code, 0, "{stderr}");
    let dir = env.path().join("cap");
    assert_eq!(Counts::of(&segments(&dir)).udp, 20);
    let all = segment_bytes(&dir);
    assert!(contains(&all, MARKER), "full mode keeps the payload");
    for i in [0usize, 19] {
        let wanted = [MARKER, format!("-{i:06}-").as_bytes()].concat();
        assert!(contains(&all, &wanted), "datagram {i}");
    }
    assert_eq!(
        json(&dir.join("segments/000001.json"))["scope"]["content"],
        "full"
    );
}

#[test]
fn live_rotation_by_time_and_by_size_gives_segments_tcpdump_and_capinfos_read() {
    if !root() {
        return;
    }
    let env = Env::new();
    setup(&env);

    // By time: a datagram every 100 ms for 3.5 s, 1 s segments.
    let (_udp, _tcp, port) = free_port();
    let cap = start_capture(
        &env,
        "time",
        &format!("udp port {port}"),
        &["--rotate", "1s"],
    );
    send_udp(port, 35, Duration::from_millis(100));
    std::thread::sleep(Duration::from_millis(300));
    let (code, stderr) = cap.stop(libc::SIGTERM);
    assert_eq!(code, 0, "{stderr}");
    let dir = env.path().join("time");
    let segs = segments(&dir);
    assert!(segs.len() >= 3, "3.5 s in 1 s segments: {}", segs.len());
    assert_eq!(Counts::of(&segs).udp, 35);
    let end = json(&dir.join("capture.json"));
    assert_eq!(end["segments"], segs.len());
    assert_eq!(end["packets"], 35);
    read_by_peers(&segs, 35);

    // By size: 4000 datagrams, headers only (58 bytes a record), 64 KiB
    // segments.
    let (_udp, _tcp, port) = free_port();
    let cap = start_capture(
        &env,
        "size",
        &format!("udp port {port}"),
        &["--rotate", "64KiB"],
    );
    send_udp(port, 4000, Duration::ZERO);
    settle();
    let (code, stderr) = cap.stop(libc::SIGTERM);
    assert_eq!(code, 0, "{stderr}");
    let dir = env.path().join("size");
    let segs = segments(&dir);
    assert!(
        segs.len() >= 3,
        "4000 records of 58 bytes in 64 KiB: {}",
        segs.len()
    );
    for s in &segs {
        let len = std::fs::metadata(s).unwrap().len();
        assert!(len <= 64 << 10, "{}: {len} bytes", s.display());
    }
    assert_eq!(Counts::of(&segs).udp, 4000);
    assert_eq!(json(&dir.join("capture.json"))["packets"], 4000);
    read_by_peers(&segs, 4000);
    env.run(["seal", "size", "--out", "size.zip", "--case", "C-1"])
        .expect_code(0);
    env.run(["verify", "size.zip"]).expect_code(0);
}

/// tcpdump reads every segment and capinfos counts `total` packets in all.
fn read_by_peers(segs: &[PathBuf], total: u64) {
    if let Some(tcpdump) = peer("tcpdump") {
        let mut n = 0;
        for s in segs {
            let out = Command::new(&tcpdump)
                .args(["-nn", "-r"])
                .arg(s)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                s.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            n += String::from_utf8_lossy(&out.stdout).lines().count() as u64;
        }
        assert_eq!(n, total, "tcpdump");
    }
    if let Some(capinfos) = peer("capinfos") {
        let out = Command::new(capinfos)
            .args(["-c", "-M", "-T", "-r"])
            .args(segs)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // One "file<TAB>count" line per segment.
        let n: u64 = text
            .lines()
            .filter_map(|l| l.split('\t').nth(1)?.trim().parse::<u64>().ok())
            .sum();
        assert_eq!(n, total, "capinfos:\n{text}");
    }
}

#[test]
fn live_kill_9_mid_segment_then_recover_seal_and_verify() {
    if !root() {
        return;
    }
    let env = Env::new();
    setup(&env);
    let (_udp, _tcp, port) = free_port();
    let cap = start_capture(
        &env,
        "cap",
        &format!("udp port {port}"),
        &["--rotate", "64KiB"],
    );
    send_udp(port, 2500, Duration::ZERO);
    // Idle, the capture flushes the open segment: every packet is on disk.
    settle();
    let dir = env.path().join("cap");
    let signed_before: Vec<(PathBuf, Vec<u8>)> = signed_files(&dir);
    assert!(signed_before.len() >= 4, "one segment signed, one open");
    let (code, _) = cap.stop(libc::SIGKILL);
    assert_eq!(code, -1, "killed");
    assert!(dir.join("capture.open").is_file());
    assert!(!dir.join("capture.json").exists());

    let r = env.run(["capture", "--recover", "cap"]);
    r.expect_code(0);
    let end = json(&dir.join("capture.json"));
    assert_eq!(end["ended_by"], "recovered");
    assert_eq!(end["packets"], 2500, "every packet flushed before the kill");
    for (p, bytes) in signed_before {
        assert_eq!(
            std::fs::read(&p).unwrap(),
            bytes,
            "{} was changed",
            p.display()
        );
    }
    assert_eq!(Counts::of(&segments(&dir)).udp, 2500);
    env.run(["seal", "cap", "--out", "cap.zip", "--case", "C-1"])
        .expect_code(0);
    env.run(["verify", "cap.zip"]).expect_code(0);
}

/// `cmd` run through setpriv with `how`.
fn setpriv(setpriv: &Path, how: &[&str], cmd: &Command) -> Command {
    let mut pre: Vec<&std::ffi::OsStr> = how.iter().map(std::ffi::OsStr::new).collect();
    pre.push(std::ffi::OsStr::new("--"));
    crate::harness::wrapped(setpriv, &pre, cmd)
}

#[test]
fn live_capture_without_cap_net_raw_says_so_and_writes_nothing() {
    if !root() {
        return;
    }
    let Some(tool) = peer("setpriv") else {
        return;
    };
    let env = Env::new();
    setup(&env);
    // Root without CAP_NET_RAW and CAP_NET_ADMIN in any capability set.
    let drop = [
        "--inh-caps=-net_raw,-net_admin",
        "--bounding-set=-net_raw,-net_admin",
    ];
    let cmd = env.cmd(["capture", "lo", "--out", "cap", "--case", "C-1"]);
    let r = env.run_cmd(&mut setpriv(&tool, &drop, &cmd));
    r.expect_code(2);
    assert!(r.stderr.contains("CAP_NET_RAW"), "{}", r.stderr);
    assert!(
        r.stderr.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{}",
        r.stderr
    );
    assert!(!env.path().join("cap").exists(), "nothing may be written");

    // An ordinary user (nobody), with a key it can read.
    let status = Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(env.path())
        .status()
        .unwrap();
    assert!(status.success());
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let r = env.run_cmd(&mut setpriv(&tool, &nobody, &cmd));
    r.expect_code(2);
    assert!(r.stderr.contains("CAP_NET_RAW"), "{}", r.stderr);
    assert!(!env.path().join("cap").exists(), "nothing may be written");
}

/// SIGTERM right after a burst: the kernel hands packets over in blocks
/// (when full, or after the read timeout), so the burst may not have been
/// handed over when the signal comes. The capture drains the kernel before
/// it closes: every packet sent before the signal is in a segment.
#[test]
fn sigterm_right_after_a_burst_loses_no_packet() {
    if !root() {
        return;
    }
    let env = Env::new();
    setup(&env);
    let (_udp, _tcp, port) = free_port();
    let cap = start_capture(&env, "cap", &scope(port), &[]);
    const N: usize = 300;
    send_udp(port, N, Duration::ZERO);
    let (code, stderr) = cap.stop(libc::SIGTERM);
    assert_eq!(code, 0, "{stderr}");
    let end: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path().join("cap/capture.json")).unwrap())
            .unwrap();
    assert_eq!(end["ended_by"], "signal");
    assert_eq!(
        end["packets"], N as u64,
        "packets sent before SIGTERM were lost:\n{stderr}"
    );
}
