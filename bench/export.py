#!/usr/bin/env python3
"""Benchmark of `evidentia export` (issue 18 figures).

Seals the small-file tree (bench/work/tree-N, 50,000 files by default)
once, then compares, interleaved:
- `evidentia export` of 10 files of that bundle (recorded at the source,
  on a fresh copy of the bundle each run) against `evidentia verify` of the
  same bundle, which export runs first anyway (target: within 2x);
- peak RSS of the export (target < 100 MiB).

bench/export.py [--runs N] [--files N] [--select K]
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, build, compare, make_tree, rss_of, sh, warm  # noqa: E402
from seal import rm, setup_home  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--files", type=int, default=50000)
    ap.add_argument("--select", type=int, default=10, help="files to export")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    build()
    home = setup_home()
    tree = make_tree(args.files)
    bundle = os.path.join(WORK, "export-orig.zip")
    copy = os.path.join(WORK, "export-copy.zip")
    sub = os.path.join(WORK, "export-sub.zip")
    listing = os.path.join(WORK, "export-list.txt")
    try:
        rm(bundle)
        sh(f"{BIN} seal --no-progress {tree} --out {bundle} --case BENCH > /dev/null")
        # Every (files / select)-th file: spread over the whole tree.
        names = sorted(
            os.path.relpath(os.path.join(d, f), os.path.dirname(tree))
            for d, _, fs in os.walk(tree) for f in fs if f != ".complete")
        step = max(1, len(names) // args.select)
        with open(listing, "w") as f:
            f.writelines(n + "\n" for n in names[::step][:args.select])

        def fresh():
            rm(copy, sub, copy + ".evidentia-append")
            shutil.copyfile(bundle, copy)
            warm(copy)

        export = (f"{BIN} export --no-progress {copy} --files-from {listing} "
                  f"-o {sub} --purpose BENCH")
        fresh()
        t = compare(f"export {args.select} of {args.files} files",
                    [("evidentia verify", f"{BIN} verify --no-progress {copy}"),
                     ("evidentia export", export)],
                    "evidentia verify", args.runs, setup=fresh)
        print(f"\n- export / verify = {t['evidentia export'] / t['evidentia verify']:.2f}x "
              f"(target <= 2x)")
        fresh()
        print(f"- peak RSS export: {rss_of(export):.1f} MiB (target < 100)")
    finally:
        rm(bundle, copy, sub, listing, copy + ".evidentia-append")
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
