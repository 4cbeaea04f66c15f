#!/usr/bin/env python3
"""Acquisition benchmark: `evidentia acquire` of an image file against
`dc3dd` (copy only, and with MD5 + SHA-256), `ewfacquire -c none`, and the
floor `dd bs=4M conv=fsync`.

Like for like: every writer's time includes getting its output durable.
evidentia fsyncs its segments and directory before it reports completion;
`dd` runs with `conv=fsync`; `dc3dd` and `ewfacquire` have no such option,
so their command is followed by `sync FILES DIR` (fsync of exactly their
output files and directory) and the sync is timed with them.

Before every run: the previous output is removed, `sync` flushes whatever
is dirty (so one run's leftover writeback never bills the next), the page
cache is dropped (`echo 3 > /proc/sys/vm/drop_caches`, needs root; skipped
with a note otherwise) and the source is read once more so that it is warm
in the page cache for every command. Commands run interleaved; the tables
give median wall-clock seconds and median CPU seconds (user + system of the
whole command, from wait4), so a noisy machine still shows where the work
goes.

Two destinations: the disk under bench/work/acquire-out, and (with --shm,
the default) /dev/shm, a tmpfs, which takes the disk out and leaves the CPU
cost of reading, hashing and copying.

Aims of issue 5 (DESIGN section 7 sets none for a raw image beyond
memory; printed for information): evidentia within 1.5x of `dc3dd if=
of=` without hashing, and at least 4x faster than `dc3dd hash=md5
hash=sha256` and `ewfacquire -c none`. Target (DESIGN): peak RSS under
100 MiB. Figures go in docs/performance.md. It measures; it
asserts nothing.

Usage: bench/acquire.py [--runs N] [--size-gib G | --size-mib M]
                        [--no-disk | --no-shm] [--no-build]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shares the helpers and the image)

DISK_OUT = os.path.join(bench.WORK, "acquire-out")
SHM_OUT = "/dev/shm/evidentia-acquire-bench"


def image(args):
    if args.size_mib:
        path = os.path.join(bench.WORK, f"image-{args.size_mib}m.bin")
        want = args.size_mib << 20
        if not (os.path.exists(path) and os.path.getsize(path) == want):
            bench.sh(f"openssl enc -aes-128-ctr -pass pass:evidentia -nosalt -pbkdf2 "
                     f"-in /dev/zero 2>/dev/null | head -c {want} > {path}")
        return path
    return bench.make_image(args.size_gib)


def ensure_peers():
    need = {"dc3dd": "dc3dd", "ewfacquire": "ewf-tools"}
    missing = sorted({pkg for tool, pkg in need.items() if shutil.which(tool) is None})
    if missing:
        print(f"installing peers: {' '.join(missing)}", file=sys.stderr)
        try:
            bench.sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
                     "apt-get install -y -qq " + " ".join(missing) + " >/dev/null")
        except subprocess.CalledProcessError:
            print("note: could not install the peers; they are skipped", file=sys.stderr)


def can_drop_caches():
    return os.access("/proc/sys/vm/drop_caches", os.W_OK)


def prepare(out, img, drop):
    """Remove the last output, flush, drop caches, warm the source."""
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    if drop:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    bench.warm(img)
    os.makedirs(out)


def run(cmd):
    """Run a shell command; (wall seconds, CPU seconds user + system)."""
    # evidentia exits 1 for bad sectors; an image file has none.
    wall = bench.timed(cmd)
    return wall, bench.LAST_CPU[0]


def commands(img, out):
    ev = f"{bench.BIN} acquire --no-progress {img} --out {out}/evidentia"
    # `sync FILE...` fsyncs exactly those files (and the directory), not
    # everything dirty on the machine.
    cmds = [
        ("dd bs=4M conv=fsync", f"dd if={img} of={out}/dd.raw bs=4M conv=fsync 2>/dev/null"),
        ("dc3dd if= of=",
         f"dc3dd if={img} of={out}/dc3dd.raw nwspc=on 2>/dev/null && sync {out}/dc3dd.raw {out}"),
        ("evidentia acquire", ev),
        ("evidentia acquire --algo md5,sha256", ev.replace("acquire ", "acquire --algo md5,sha256 ", 1)),
        ("dc3dd hash=md5 hash=sha256",
         f"dc3dd if={img} of={out}/dc3dd.raw hash=md5 hash=sha256 nwspc=on 2>/dev/null "
         f"&& sync {out}/dc3dd.raw {out}"),
        ("ewfacquire -c none",
         f"ewfacquire -u -q -c none -t {out}/ewf {img} >/dev/null && sync {out}/ewf.* {out}"),
    ]
    present = []
    for label, cmd in cmds:
        tool = cmd.split()[0]
        if shutil.which(tool) is None:
            print(f"note: {tool} not installed; {label} skipped", file=sys.stderr)
        else:
            present.append((label, cmd))
    return present


def compare(title, cmds, out, img, runs, drop):
    wall = {label: [] for label, _ in cmds}
    cpu = {label: [] for label, _ in cmds}
    for r in range(runs):
        # Rotate the order each round so no command always follows another.
        order = cmds[r % len(cmds):] + cmds[:r % len(cmds)]
        for label, cmd in order:
            prepare(out, img, drop)
            w, c = run(cmd)
            wall[label].append(w)
            cpu[label].append(c)
    shutil.rmtree(out, ignore_errors=True)
    med = {label: statistics.median(v) for label, v in wall.items()}
    medcpu = {label: statistics.median(v) for label, v in cpu.items()}
    ref = "dc3dd if= of=" if "dc3dd if= of=" in med else cmds[0][0]
    print(f"\n### {title}\n")
    print(f"| command | median wall s | median CPU s (user+sys) | wall ratio to `{ref}` |")
    print("|---|---:|---:|---:|")
    for label, _ in cmds:
        print(f"| `{label}` | {med[label]:.2f} | {medcpu[label]:.2f} | {med[label] / med[ref]:.2f}x |")
    print()
    ev = med.get("evidentia acquire")
    if ev is None:
        return
    if "dc3dd if= of=" in med:
        print(f"- evidentia (sha256+blake3) / dc3dd copy only = "
              f"{ev / med['dc3dd if= of=']:.2f}x (issue 5's aim <= 1.5x)")
    same = med.get("evidentia acquire --algo md5,sha256")
    for peer in ["dc3dd hash=md5 hash=sha256", "ewfacquire -c none"]:
        if peer in med:
            line = f"- {peer} / evidentia = {med[peer] / ev:.1f}x (issue 5's aim >= 4x)"
            if same and peer.startswith("dc3dd"):
                line += f"; with the same algorithms (md5,sha256) {med[peer] / same:.1f}x"
            print(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--size-mib", type=int, help="a small image instead (to try the script)")
    ap.add_argument("--no-disk", action="store_true", help="skip the disk destination")
    ap.add_argument("--no-shm", action="store_true", help="skip the /dev/shm destination")
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    args = ap.parse_args()
    os.makedirs(bench.WORK, exist_ok=True)
    ensure_peers()
    if not args.no_build:
        bench.build()
    img = image(args)
    drop = can_drop_caches()
    if not drop:
        print("note: not root, page cache not dropped between runs", file=sys.stderr)
    size = os.path.getsize(img)
    mib = size / (1 << 20)
    print(f"# evidentia acquire benchmark ({os.cpu_count()} CPUs, {mib:.0f} MiB, "
          f"{time.strftime('%Y-%m-%d')}, {args.runs} runs, outputs made durable)")
    targets = []
    if not args.no_disk:
        targets.append((f"acquire a {mib:.0f} MiB image file to a file on disk", DISK_OUT))
    if not args.no_shm and os.path.isdir("/dev/shm"):
        targets.append((f"acquire a {mib:.0f} MiB image file to /dev/shm (tmpfs: CPU only)",
                        SHM_OUT))
    for title, out in targets:
        compare(title, commands(img, out), out, img, args.runs, drop)
    prepare(DISK_OUT, img, False)
    rss = bench.rss_of(f"{bench.BIN} acquire --no-progress {img} --out {DISK_OUT}/rss")
    print(f"- peak RSS evidentia acquire: {rss:.1f} MiB (target < 100: {bench.verdict(rss < 100)})")
    shutil.rmtree(DISK_OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
