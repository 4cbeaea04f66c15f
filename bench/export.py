#!/usr/bin/env python3
"""Benchmark of `evidentia export` (issue 18 figures).

Side by side, interleaved, medians of wall and CPU seconds, on the
small-file benchmark bundle (the tree of bench/bench.py, sealed and
signed):
- `evidentia export` of 10 files (recorded in the original, the default,
  and with `--no-record`) against `evidentia verify` of the same bundle
  (issue 18's aim: within 2x, not a DESIGN target; export must verify the
  original anyway);
- peak RSS of verify and of both exports (target < 100 MiB).

The sealed bundle and the examiner key that signed it are kept in
bench/work/ (export-home/, export-tree-N.zip) and reused while they
verify. Each run of the benchmark exports from a fresh copy of that
bundle, since a recorded export appends an event to its original.

Run alone (not while other builds or benchmarks run):
bench/export.py [--runs N] [--files N] [--select N] [--no-build]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, build, compare, make_tree, rss_of, sh, warm  # noqa: E402
from seal import rm  # noqa: E402

EXPORT_TARGET = 2.0
RSS_TARGET = 100.0


def bench_home():
    """The persistent evidentia home of this benchmark (an unencrypted,
    trusted examiner key), so that a sealed bundle can be reused."""
    home = os.path.join(WORK, "export-home")
    os.environ["EVIDENTIA_HOME"] = home
    if os.path.exists(os.path.join(home, ".complete")):
        return home
    rm(home)
    run = lambda *a: subprocess.run([BIN, *a], check=True, capture_output=True).stdout  # noqa: E731
    key = json.loads(run("--json", "key", "new", "--name", "Bench", "--org", "Lab",
                         "--country", "CZ", "--no-encrypt"))["key_id"]
    pub = os.path.join(home, "bench.pub.json")
    with open(pub, "wb") as f:
        f.write(run("key", "export", key))
    run("trust", "add", pub)
    open(os.path.join(home, ".complete"), "w").close()
    return home


def verifies(bundle):
    return subprocess.run([BIN, "verify", "--no-progress", bundle], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def sealed_bundle(tree, nfiles):
    """The tree sealed and signed (with a disclosure commitment): reused
    while it verifies, else sealed again."""
    bundle = os.path.join(WORK, f"export-tree-{nfiles}.zip")
    if os.path.exists(bundle) and verifies(bundle):
        return bundle
    rm(bundle)
    print(f"sealing {bundle}", file=sys.stderr)
    sh(f"{BIN} seal --no-progress {tree} --out {bundle} --case BENCH > /dev/null")
    return bundle


def selection(tree, nfiles, count):
    """`count` bag paths below data/, spread over the tree."""
    base = os.path.basename(tree)
    step = max(nfiles // count, 1)
    picks = [i * step for i in range(count)]
    return [f"{base}/d{i // 500:03d}/f{i:05d}.bin" for i in picks if i < nfiles]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=50000)
    ap.add_argument("--select", type=int, default=10, help="files to export")
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    if not args.no_build:
        build()
    print(f"# evidentia export benchmark ({os.cpu_count()} CPUs, {args.files} files, "
          f"{args.select} exported)")
    bench_home()
    tree = make_tree(args.files)
    pristine = sealed_bundle(tree, args.files)
    orig = os.path.join(WORK, "export-orig.zip")
    sub = os.path.join(WORK, "export-sub.zip")
    rm(orig, sub, orig + ".evidentia-append")
    sh(f"cp {pristine} {orig} && sync")
    warm(orig)
    selects = " ".join(f"--select {p}" for p in selection(tree, args.files, args.select))
    export = f"{BIN} export --no-progress {orig} {selects} --out {sub} --purpose BENCH"
    verify = f"{BIN} verify --no-progress {orig}"
    try:
        t = compare(f"export {args.select} of {args.files} files against verify of the bundle",
                    [("evidentia verify", verify),
                     ("evidentia export", export),
                     ("evidentia export --no-record", export + " --no-record")],
                    "evidentia verify", args.runs, setup=lambda: rm(sub))
        sh(f"{BIN} verify --no-progress {sub} > /dev/null")
        ratios = [("export / verify", t["evidentia export"] / t["evidentia verify"]),
                  ("export --no-record / verify",
                   t["evidentia export --no-record"] / t["evidentia verify"])]
        print()
        for name, r in ratios:
            print(f"- {name} = {r:.2f}x (issue 18's aim <= {EXPORT_TARGET}x)")
        rss = [("verify", rss_of(verify))]
        rm(sub)
        rss.append(("export", rss_of(export)))
        rm(sub)
        rss.append(("export --no-record", rss_of(export + " --no-record")))
        for name, m in rss:
            print(f"- peak RSS {name}: {m:.1f} MiB (target < {RSS_TARGET:.0f})")
        print("\n### Ratios\n")
        for name, r in ratios:
            print(f"- {name}: {r:.2f}x (issue 18's aim <= {EXPORT_TARGET}x)")
        for name, m in rss:
            print(f"- peak RSS {name}: {m:.1f} MiB (target < {RSS_TARGET:.0f})")
    finally:
        rm(orig, sub, orig + ".evidentia-append")


if __name__ == "__main__":
    main()
