#!/usr/bin/env python3
"""Ingest before and after, side by side (issue 15, item 2).

Ingest now computes MD5 and SHA-1 of every payload file of a bundle sealed
without them, in the pass that verifies it. The issue allows at most 1.3x
the ingest time of before on the 50,000-file benchmark bundle. This script
seals bench/work/tree-50000 once (with the baseline binary), warms the page
cache, then runs `evidentia ingest` of that bundle into a fresh locker with
the baseline binary and with the new one, interleaved, and prints the
median wall time and CPU time (user + system, from the children's rusage)
of each, and their ratios.

The baseline is a release build of the commit before the change, in its
own worktree and target directory, e.g.:

    git worktree add /work/wt/lockerbase 3f6f2cf
    (cd /work/wt/lockerbase && cargo build --release)

bench/ingest_ab.py --base /work/wt/lockerbase/target/release/evidentia
                   [--new target/release/evidentia] [--runs 5] [--tree DIR]

This is not a test: it asserts nothing, it measures.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")


def run(cmd, env):
    subprocess.run(cmd, check=True, capture_output=True, env=env)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_ingest(binary, bundle, locker, env):
    """Wall and CPU seconds of one ingest into a fresh locker."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(locker + suffix):
            os.remove(locker + suffix)
    cpu = children_cpu()
    t = time.perf_counter()
    p = subprocess.run([binary, "ingest", "--no-progress", bundle, "--locker", locker],
                       capture_output=True, env=env)
    wall = time.perf_counter() - t
    cpu = children_cpu() - cpu
    if p.returncode != 0:
        raise SystemExit(f"{binary} ingest: exit {p.returncode}: {p.stderr.decode()}")
    return wall, cpu, p.stdout.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="release binary of the commit before")
    ap.add_argument("--new", default=os.path.join(ROOT, "target", "release", "evidentia"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tree", default=os.path.join(WORK, "tree-50000"))
    args = ap.parse_args()
    if not os.path.isdir(args.tree):
        raise SystemExit(f"{args.tree} does not exist (bench/seal.py makes it)")
    os.makedirs(WORK, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="ingest-ab-", dir=WORK)
    env = dict(os.environ, EVIDENTIA_HOME=os.path.join(tmp, "home"))
    try:
        import json
        out = subprocess.run([args.base, "--json", "key", "new", "--name", "Bench", "--org",
                              "Lab", "--country", "CZ", "--no-encrypt"],
                             check=True, capture_output=True, env=env).stdout
        key = json.loads(out)["key_id"]
        pub = os.path.join(tmp, "k.pub.json")
        with open(pub, "wb") as f:
            f.write(subprocess.run([args.base, "key", "export", key], check=True,
                                   capture_output=True, env=env).stdout)
        run([args.base, "trust", "add", pub], env)
        bundle = os.path.join(tmp, "tree.zip")
        t = time.perf_counter()
        run([args.base, "seal", "--no-progress", args.tree, "--out", bundle, "--case", "BENCH"],
            env)
        print(f"- sealed {args.tree} ({os.path.getsize(bundle) / 1e9:.2f} GB) in "
              f"{time.perf_counter() - t:.1f} s")
        # Warm the page cache: both binaries read the bundle from memory.
        with open(bundle, "rb") as f:
            while f.read(1 << 24):
                pass
        lockers = {name: os.path.join(tmp, f"{name}.db") for name in ("base", "new")}
        bins = {"base": args.base, "new": args.new}
        walls = {"base": [], "new": []}
        cpus = {"base": [], "new": []}
        last = {}
        for i in range(args.runs):
            # Interleaved, and the order alternates, so drift in the
            # machine's load falls on both alike.
            order = ("base", "new") if i % 2 == 0 else ("new", "base")
            for name in order:
                w, c, out = timed_ingest(bins[name], bundle, lockers[name], env)
                walls[name].append(w)
                cpus[name].append(c)
                last[name] = out
            print(f"  run {i + 1}: base {walls['base'][-1]:.2f} s wall {cpus['base'][-1]:.2f} s CPU;"
                  f" new {walls['new'][-1]:.2f} s wall {cpus['new'][-1]:.2f} s CPU")
        mw = {k: statistics.median(v) for k, v in walls.items()}
        mc = {k: statistics.median(v) for k, v in cpus.items()}
        print(f"- ingest of the 50,000-file bundle, median of {args.runs}:")
        print(f"  before ({args.base}): {mw['base']:.2f} s wall, {mc['base']:.2f} s CPU")
        print(f"  after  ({args.new}): {mw['new']:.2f} s wall, {mc['new']:.2f} s CPU")
        print(f"  ratio after/before: {mw['new'] / mw['base']:.2f}x wall (target <= 1.3x), "
              f"{mc['new'] / mc['base']:.2f}x CPU")
        digests = [l for l in last.get("new", "").splitlines() if "digests:" in l]
        if digests:
            print(f"  after:{digests[0]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
