#!/usr/bin/env python3
"""Acquisition benchmark: `evidentia acquire` of an image file against
`dc3dd` (copy only, and with MD5 + SHA-256) and `ewfacquire -c none`.

Uses bench/work/image-<G>g.bin (created by bench/bench.py; created here the
same way if missing), warms the page cache, writes each output to
bench/work/acquire-out (removed before every run), interleaves the commands
and prints medians and ratios. Targets (issue 5): evidentia within 1.5x of
`dc3dd if= of=` without hashing, and at least 4x faster than
`dc3dd hash=md5 hash=sha256` and `ewfacquire -c none`. Figures go in
docs/performance.md. It measures; it asserts nothing.

Usage: bench/acquire.py [--runs N] [--size-gib G | --size-mib M]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shares the helpers and the image)

OUT = os.path.join(bench.WORK, "acquire-out")


def image(args):
    if args.size_mib:
        path = os.path.join(bench.WORK, f"image-{args.size_mib}m.bin")
        want = args.size_mib << 20
        if not (os.path.exists(path) and os.path.getsize(path) == want):
            bench.sh(f"openssl enc -aes-128-ctr -pass pass:evidentia -nosalt -pbkdf2 "
                     f"-in /dev/zero 2>/dev/null | head -c {want} > {path}")
        return path
    return bench.make_image(args.size_gib)


def clean():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--size-mib", type=int, help="a small image instead (to try the script)")
    args = ap.parse_args()
    os.makedirs(bench.WORK, exist_ok=True)
    bench.build()
    img = image(args)
    bench.warm(img)
    cmds = [
        ("dc3dd if= of=", f"dc3dd if={img} of={OUT}/dc3dd.raw nwspc=on 2>/dev/null"),
        ("evidentia acquire", f"{bench.BIN} acquire --no-progress {img} --out {OUT}/evidentia"),
        ("evidentia acquire --algo md5,sha256",
         f"{bench.BIN} acquire --no-progress --algo md5,sha256 {img} --out {OUT}/evidentia"),
        ("dc3dd hash=md5 hash=sha256",
         f"dc3dd if={img} of={OUT}/dc3dd.raw hash=md5 hash=sha256 nwspc=on 2>/dev/null"),
    ]
    if shutil.which("ewfacquire"):
        cmds.append(("ewfacquire -c none",
                     f"ewfacquire -u -q -c none -t {OUT}/ewf {img}"))
    else:
        print("note: ewfacquire not installed; skipped", file=sys.stderr)
    missing = [label for label, cmd in cmds if shutil.which(cmd.split()[0]) is None]
    cmds = [c for c in cmds if c[0] not in missing]
    for label in missing:
        print(f"note: {label} not installed; skipped", file=sys.stderr)
    size = os.path.getsize(img)
    print(f"# evidentia acquire benchmark ({os.cpu_count()} CPUs, "
          f"{size / (1 << 20):.0f} MiB, {time.strftime('%Y-%m-%d')})")
    t = bench.compare(f"acquire a {size / (1 << 20):.0f} MiB image file to a file", cmds,
                      "evidentia acquire" if "dc3dd if= of=" in missing else "dc3dd if= of=",
                      args.runs, setup=clean)
    ev = t["evidentia acquire"]
    print()
    if "dc3dd if= of=" in t:
        print(f"- evidentia (sha256+blake3) / dc3dd copy only = {ev / t['dc3dd if= of=']:.2f}x "
              f"(target <= 1.5x)")
    for peer in ["dc3dd hash=md5 hash=sha256", "ewfacquire -c none"]:
        if peer in t:
            print(f"- {peer} / evidentia = {t[peer] / ev:.1f}x (target >= 4x)")
    print(f"- peak RSS evidentia acquire: "
          f"{rss(f'{bench.BIN} acquire --no-progress {img} --out {OUT}/rss'):.1f} MiB "
          f"(target < 100)")
    shutil.rmtree(OUT, ignore_errors=True)


def rss(cmd):
    clean()
    return bench.rss_of(cmd)


if __name__ == "__main__":
    main()
