#!/usr/bin/env python3
"""Benchmark of `evidentia capture` against tcpdump (issue 19 figures).

- Live: a pcap of UDP packets (IMIX sizes) replayed over the loopback
  interface with `tcpreplay --topspeed` while `tcpdump -w` and
  `evidentia capture` (headers mode, signing on, an unencrypted test key)
  capture it with the same filter, snaplen and kernel buffer: packets each
  captured and the kernel's drops. Both capture the same replay at the
  same time ("together"), then each alone, interleaved ("alone").
  Target: evidentia captures at least as many packets as tcpdump, with no
  more kernel drops.
- Re-sealing a 1 GiB pcap from file (`evidentia capture FILE`, headers and
  full content) against `evidentia hash` of the same file (target <= 1.5x).
- Peak RSS (GNU time) of each capture (target < 100 MiB).

Needs root (CAP_NET_RAW), tcpdump, tcpreplay and GNU time (installed with
apt-get when missing). Run alone: bench/capture.py [--runs N] [--packets N]
[--loops N] [--size-gib G] [--only live|reseal]
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, build, compare, rss_of, sh, warm  # noqa: E402
from seal import rm, setup_home  # noqa: E402

PORT = 5300
FILTER = f"udp dst port {PORT}"
# evidentia's headers-mode default snaplen; tcpdump gets the same.
SNAPLEN = 512


def ensure_capture_peers():
    need = {"tcpdump": "tcpdump", "tcpreplay": "tcpreplay", "/usr/bin/time": "time"}
    missing = [pkg for tool, pkg in need.items() if shutil.which(tool) is None]
    if missing:
        print(f"installing peers: {' '.join(missing)}", file=sys.stderr)
        sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
           + " ".join(missing) + " >/dev/null")


def udp_frame(size, seq):
    """An Ethernet/IPv4/UDP frame of `size` bytes, 127.0.0.1 -> 127.0.0.1:PORT."""
    payload = bytes(size - 42)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, seq & 0xFFFF, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    udp = struct.pack("!HHHH", 40000 + seq % 1000, PORT, size - 34, 0)
    return bytes(12) + b"\x08\x00" + ip + udp + payload


def imix_sizes(n, rng):
    """Simple IMIX: 7 of 64 bytes, 4 of 576, 1 of 1500 (frame sizes)."""
    table = [64] * 7 + [576] * 4 + [1500]
    return [rng.choice(table) for _ in range(n)]


def write_pcap(path, frames_iter):
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, frame in frames_iter:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)
    os.replace(path + ".tmp", path)


def make_replay(n):
    """The pcap tcpreplay sends: n IMIX-sized UDP frames."""
    path = os.path.join(WORK, f"replay-{n}.pcap")
    if not os.path.exists(path):
        print(f"creating {path} ({n} packets)", file=sys.stderr)
        rng = random.Random(19)
        write_pcap(path, ((1_800_000_000 + i // 1000, (i % 1000) * 1000, udp_frame(s, i))
                          for i, s in enumerate(imix_sizes(n, rng))))
    return path


def make_big_pcap(size_gib):
    """A pcap of size_gib GiB for re-sealing: IMIX UDP frames, random payload."""
    path = os.path.join(WORK, f"capture-{size_gib}g.pcap")
    want = size_gib << 30
    if os.path.exists(path) and os.path.getsize(path) >= want:
        return path
    print(f"creating {path} ({size_gib} GiB pcap)", file=sys.stderr)
    rng = random.Random(20)
    noise = os.urandom(1 << 20)
    sizes = imix_sizes(4096, rng)

    def frames():
        written, i = 24, 0
        while written < want:
            s = sizes[i % len(sizes)]
            head = udp_frame(42, i)[:42]
            off = (i * 7919) % (len(noise) - 1500)
            frame = bytearray(head + noise[off:off + s - 42])
            struct.pack_into("!H", frame, 16, s - 14)
            struct.pack_into("!H", frame, 38, s - 34)
            yield 1_800_000_000 + i // 100_000, (i % 100_000) * 10, bytes(frame)
            written += 16 + s
            i += 1
    write_pcap(path, frames())
    return path


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class Capture:
    """A capturing process run under GNU time -v (for its peak RSS)."""

    def __init__(self, label, argv, ready, workdir):
        self.label = label
        self.err_path = os.path.join(workdir, f"{label}.stderr")
        self.time_path = os.path.join(workdir, f"{label}.time")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", self.time_path] + argv,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        deadline = time.time() + 30
        while ready not in self.stderr():
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"{label} did not start:\n{self.stderr()}")
            time.sleep(0.02)

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGINT to the tool itself (GNU time would die of it)."""
        for pid in children(self.proc.pid):
            os.kill(pid, signal.SIGINT)
        self.proc.wait(timeout=120)
        self.err.close()
        with open(self.time_path) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
        return int(m.group(1)) / 1024.0 if m else float("nan")


def start_tcpdump(workdir, buffer_mib):
    out = os.path.join(workdir, "tcpdump.pcap")
    argv = ["tcpdump", "-i", "lo", "-n", "-s", str(SNAPLEN), "-B", str(buffer_mib << 10),
            "-w", out, FILTER]
    return Capture("tcpdump", argv, "listening on lo", workdir)


def start_evidentia(workdir, buffer_mib):
    out = os.path.join(workdir, "evidentia-cap")
    argv = [BIN, "capture", "lo", "--out", out, "--case", "BENCH", "--filter", FILTER,
            "--snaplen", str(SNAPLEN), "--buffer", f"{buffer_mib}M", "--rotate", "64M"]
    return Capture("evidentia", argv, "capturing into", workdir)


def tcpdump_result(cap, rss):
    text = cap.stderr()
    got = re.search(r"(\d+) packets? captured", text)
    drop = re.search(r"(\d+) packets? dropped by kernel", text)
    return {"captured": int(got.group(1)), "dropped": int(drop.group(1)), "rss": rss}


def evidentia_result(workdir, rss):
    with open(os.path.join(workdir, "evidentia-cap", "capture.json")) as f:
        end = json.load(f)
    return {"captured": end["packets"], "dropped": end["drops"]["kernel"], "rss": rss,
            "segments": end["segments"]}


def replay(pcap, loops):
    out = subprocess.run(["tcpreplay", "--topspeed", "--preload-pcap", f"--loop={loops}",
                          "-i", "lo", pcap], check=True, capture_output=True).stdout.decode()
    sent = int(re.search(r"Actual: (\d+) packets", out).group(1))
    pps = float(re.search(r"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps", out).group(1))
    return sent, pps


def live_run(pcap, loops, buffer_mib, tools):
    """One replay captured by `tools` (started in that order); the results."""
    workdir = tempfile.mkdtemp(prefix="capture-bench-", dir=WORK)
    try:
        caps = {}
        for t in tools:
            caps[t] = (start_tcpdump if t == "tcpdump" else start_evidentia)(workdir, buffer_mib)
        sent, pps = replay(pcap, loops)
        # Both hand over partly filled ring blocks within their timeouts.
        time.sleep(2)
        res = {"sent": sent, "pps": pps}
        for t, c in caps.items():
            rss = c.stop()
            res[t] = tcpdump_result(c, rss) if t == "tcpdump" else evidentia_result(workdir, rss)
        return res
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def show_live(title, runs):
    print(f"\n### {title}\n")
    print("| run | sent | rate (pps) | tcpdump captured | tcpdump kernel drops "
          "| evidentia captured | evidentia kernel drops | evidentia / tcpdump |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, r in enumerate(runs, 1):
        td, ev = r["tcpdump"], r["evidentia"]
        ratio = ev["captured"] / td["captured"] if td["captured"] else float("nan")
        print(f"| {i} | {r['sent']:,} | {r['pps']:,.0f} | {td['captured']:,} | {td['dropped']:,} "
              f"| {ev['captured']:,} | {ev['dropped']:,} | {ratio:.3f} |")
    td_rss = max(r["tcpdump"]["rss"] for r in runs)
    ev_rss = max(r["evidentia"]["rss"] for r in runs)
    print(f"\n- peak RSS: tcpdump {td_rss:.1f} MiB, evidentia capture {ev_rss:.1f} MiB "
          f"(target < 100; both include the kernel ring, mapped into the process)")


def bench_live(args):
    pcap = make_replay(args.packets)
    # A UDP socket on the port: the replayed datagrams are delivered (and
    # dropped when its buffer is full) instead of answered by ICMP.
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", PORT))
    print(f"\nreplay: {args.packets:,} IMIX UDP packets x {args.loops} loops, filter `{FILTER}`, "
          f"snaplen {SNAPLEN}, kernel buffer {args.buffer_mib} MiB each, evidentia headers mode, "
          f"64 MiB segments, each signed")
    together = [live_run(pcap, args.loops, args.buffer_mib, ["tcpdump", "evidentia"])
                for _ in range(args.runs)]
    show_live("the same replay captured by both at once", together)
    alone = []
    for _ in range(args.runs):
        r = {}
        for t in ["tcpdump", "evidentia"]:
            one = live_run(pcap, args.loops, args.buffer_mib, [t])
            r[t] = one[t]
            r.setdefault("sent", one["sent"])
            r.setdefault("pps", one["pps"])
        alone.append(r)
    show_live("each alone, interleaved (sent and rate: tcpdump's replay)", alone)
    sink.close()
    ev = sum(r["evidentia"]["captured"] for r in together + alone)
    td = sum(r["tcpdump"]["captured"] for r in together + alone)
    evd = sum(r["evidentia"]["dropped"] for r in together + alone)
    tdd = sum(r["tcpdump"]["dropped"] for r in together + alone)
    print("\n- on lo the kernel sees each packet twice (out and in; libpcap keeps one): "
          "its drop counter counts both copies, twice the packets missed")
    print(f"- all runs: evidentia captured {ev:,} vs tcpdump {td:,} = {ev / td:.3f}x "
          f"(target >= 1.0x); kernel drops {evd:,} vs {tdd:,}")


def bench_reseal(args):
    pcap = make_big_pcap(args.size_gib)
    warm(pcap)
    home = os.environ["EVIDENTIA_HOME"]
    meta = os.path.join(home, "content.toml")
    with open(meta, "w") as f:
        f.write('case_reference = "BENCH"\ndata_category = "content"\n'
                'legal_basis = "benchmark: content interception authorised"\n')
    outh = os.path.join(WORK, "reseal-headers")
    outf = os.path.join(WORK, "reseal-full")
    headers = f"{BIN} capture {pcap} --out {outh} --case BENCH"
    full = f"{BIN} capture {pcap} --out {outf} --content full --meta {meta}"
    cmds = [
        ("evidentia hash", f"{BIN} hash --no-progress {pcap}"),
        ("evidentia capture FILE (headers)", headers),
        ("evidentia capture FILE --content full", full),
    ]
    t = compare(f"re-seal a {args.size_gib} GiB pcap from file (page cache)", cmds,
                "evidentia hash", args.runs, setup=lambda: rm(outh, outf))
    print()
    for label in ["evidentia capture FILE (headers)", "evidentia capture FILE --content full"]:
        print(f"- {label} / evidentia hash = {t[label] / t['evidentia hash']:.2f}x (target <= 1.5x)")
    rm(outh, outf)
    print(f"- peak RSS re-seal (headers): {rss_of(headers):.1f} MiB (target < 100)")
    rm(outh, outf)
    print(f"- peak RSS re-seal (full): {rss_of(full):.1f} MiB (target < 100)")
    rm(outh, outf)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--packets", type=int, default=100_000, help="packets in the replay pcap")
    ap.add_argument("--loops", type=int, default=30, help="tcpreplay --loop")
    ap.add_argument("--buffer-mib", type=int, default=64, help="kernel buffer of each capture")
    ap.add_argument("--size-gib", type=int, default=1)
    ap.add_argument("--only", choices=["live", "reseal"], action="append")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("capturing on lo needs root (CAP_NET_RAW)")
    os.makedirs(WORK, exist_ok=True)
    ensure_capture_peers()
    build()
    setup_home()
    only = set(args.only or ["live", "reseal"])
    print(f"# evidentia capture benchmark ({os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')})")
    if "live" in only:
        bench_live(args)
    if "reseal" in only:
        bench_reseal(args)


if __name__ == "__main__":
    main()
