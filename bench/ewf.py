#!/usr/bin/env python3
"""E01 benchmark (issue 20): reading, checking and imaging an EWF-E01 set.

Side by side, interleaved runs, medians, page cache warm for every command
(the set and the raw source are read once before each run):

- `ewfverify -q -d sha1 SET.E01` (libewf: inflates and checks every chunk,
  computes MD5 and SHA-1, compares them with the stored ones): the reference;
- `evidentia acquire SET.E01 --out DIR` (default algorithms sha256,blake3,
  plus md5 and sha1 because the set stores them; writes image.raw and the
  record, made durable): target at most 0.8x ewfverify;
- `evidentia hash SET.E01 --media` (the same reading, checking and hashing,
  nothing written);
- the floor: MD5 alone over the media on one core, `md5sum RAW` and
  `evidentia hash --algo md5 RAW` (MD5 cannot be split across cores, and
  every E01 run computes it);
- peak RSS (GNU time %M) of the two evidentia E01 commands: target < 100 MiB.

The inputs are made once and cached in the work directory (default
bench/work/): a random source of --size-gib GiB (openssl AES-CTR keystream:
fast, deterministic, incompressible, so deflate:fast stores most chunks
raw, as with real encrypted or compressed media) and its set made with
`ewfacquire -u -q -f encase6 -c deflate:fast -d sha1` (1.4 GiB segments).
`--set PATH.E01 --raw PATH` reuses an existing set and its source instead.
Outputs of `acquire` go to --out-dir (default WORK/ewf-out on disk;
`--shm` for /dev/shm, which leaves only the CPU cost). An evidentia command
that fails (an older binary without E01 support) is reported and skipped.
It measures; it asserts nothing. Figures go in docs/performance.md.

Usage: bench/ewf.py [--runs N] [--size-gib G] [--work DIR]
                    [--set PATH.E01 --raw PATH] [--shm | --out-dir DIR] [--no-build]
"""
import argparse
import glob
import os
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
from bench import BIN, WORK, build, rss_of, sh, verdict  # noqa: E402

RATIO_TARGET = 0.8
RSS_TARGET = 100.0
REF = "ewfverify -d sha1"


def make_inputs(work, size_gib):
    """The random source and its E01 set, made once."""
    raw = os.path.join(work, f"ewf-rand-{size_gib}g.raw")
    base = os.path.join(work, f"ewf-{size_gib}g")
    stamp = base + ".complete"
    if os.path.exists(stamp):
        return base + ".E01", raw
    want = size_gib << 30
    if not (os.path.exists(raw) and os.path.getsize(raw) == want):
        print(f"creating {raw} ({size_gib} GiB random)", file=sys.stderr)
        sh(f"openssl enc -aes-128-ctr -pass pass:evidentia -nosalt -pbkdf2 "
           f"-in /dev/zero 2>/dev/null | head -c {want} > {raw}")
    for old in glob.glob(base + ".E*"):
        os.remove(old)
    print(f"creating {base}.E01... with ewfacquire", file=sys.stderr)
    sh(f"ewfacquire -u -q -f encase6 -c deflate:fast -d sha1 -t {base} {raw} > /dev/null")
    open(stamp, "w").close()
    return base + ".E01", raw


def segments(first):
    stem = first[:-4]
    return sorted(p for p in glob.glob(stem + ".[Ee]*") if len(p) == len(first))


def warm(paths):
    for p in paths:
        bench.warm(p)


def run(cmd):
    """(wall s, CPU s) of a shell command, or (None, first stderr line) if it fails."""
    code, wall, cpu, err = bench.measured(cmd)
    if code != 0:
        err = err.strip()
        return None, f"exit {code}: {err.splitlines()[0] if err else ''}"
    return wall, cpu


def commands(first, raw, out):
    return [
        (REF, f"ewfverify -q -d sha1 {first}"),
        ("evidentia acquire", f"{BIN} acquire --no-progress {first} --out {out}/acq"),
        ("evidentia hash --media", f"{BIN} hash --no-progress {first} --media"),
        ("md5sum RAW (floor)", f"md5sum {raw}"),
        ("evidentia hash --algo md5 RAW (floor)", f"{BIN} hash --no-progress --algo md5 {raw}"),
    ]


def measure(cmds, first, raw, out, runs):
    wall = {label: [] for label, _ in cmds}
    cpu = {label: [] for label, _ in cmds}
    failed = {}
    inputs = segments(first) + [raw]
    for r in range(runs):
        # Rotate the order each round so no command always follows another.
        order = cmds[r % len(cmds):] + cmds[:r % len(cmds)]
        for label, cmd in order:
            if label in failed:
                continue
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            os.sync()
            warm(inputs)
            w, c = run(cmd)
            if w is None:
                failed[label] = c
                print(f"note: `{label}` failed ({c}); skipped", file=sys.stderr)
                continue
            wall[label].append(w)
            cpu[label].append(c)
    shutil.rmtree(out, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in wall.items() if v}
    medcpu = {k: statistics.median(v) for k, v in cpu.items() if v}
    return med, medcpu, failed


def report(cmds, med, medcpu, failed, out):
    ref = med.get(REF)
    print(f"| command | median wall s | median CPU s (user+sys) | ratio to `{REF}` |")
    print("|---|---:|---:|---:|")
    for label, _ in cmds:
        if label in failed:
            print(f"| `{label}` | failed: {failed[label]} | | |")
        elif label in med:
            ratio = f"{med[label] / ref:.2f}x" if ref else "-"
            print(f"| `{label}` | {med[label]:.2f} | {medcpu[label]:.2f} | {ratio} |")
    print()
    for label in ["evidentia acquire", "evidentia hash --media"]:
        if label in med and ref:
            r = med[label] / ref
            print(f"- {label} / ewfverify -d sha1 = {r:.2f}x "
                  f"(target <= {RATIO_TARGET}x: {verdict(r <= RATIO_TARGET)})")
    floor = [med[k] for k in med if k.endswith("(floor)")]
    if floor:
        print(f"- floor (MD5 alone on one core): {min(floor):.2f} s"
              + (f" = {min(floor) / ref:.2f}x ewfverify" if ref else ""))
    for label, cmd in cmds:
        if label.startswith("evidentia") and label in med and "RAW" not in label:
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            rss = rss_of(cmd)
            print(f"- peak RSS {label}: {rss:.1f} MiB "
                  f"(target < {RSS_TARGET:.0f}: {verdict(rss < RSS_TARGET)})")
    shutil.rmtree(out, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--work", default=WORK, help="where the inputs are made and kept")
    ap.add_argument("--set", help="an existing NAME.E01 (with --raw) instead of making one")
    ap.add_argument("--raw", help="the raw source of --set (for the MD5 floor)")
    ap.add_argument("--shm", action="store_true", help="acquire into /dev/shm")
    ap.add_argument("--out-dir", help="where acquire writes (default WORK/ewf-out)")
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    args = ap.parse_args()
    if bool(args.set) != bool(args.raw):
        ap.error("--set and --raw go together")
    for tool in ["ewfacquire", "ewfverify", "md5sum"]:
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (ewf-tools, coreutils)")
    os.makedirs(args.work, exist_ok=True)
    if not args.no_build:
        build()
    first, raw = (args.set, args.raw) if args.set else make_inputs(args.work, args.size_gib)
    out = ("/dev/shm/evidentia-ewf-bench" if args.shm
           else args.out_dir or os.path.join(args.work, "ewf-out"))
    size = os.path.getsize(raw)
    stored = sum(os.path.getsize(p) for p in segments(first))
    print(f"# E01 benchmark ({os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}, "
          f"{args.runs} runs, page cache warm)\n")
    print(f"media {size / (1 << 30):.2f} GiB, set {os.path.basename(first)} "
          f"{len(segments(first))} segments, {stored / (1 << 30):.2f} GiB; "
          f"acquire writes to {out}\n")
    cmds = commands(first, raw, out)
    med, medcpu, failed = measure(cmds, first, raw, out, args.runs)
    report(cmds, med, medcpu, failed, out)


if __name__ == "__main__":
    main()
