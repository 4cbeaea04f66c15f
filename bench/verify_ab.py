#!/usr/bin/env python3
"""Verify of the same bundles by two builds of evidentia, side by side.

Issue 14 asks that the fail-closed checks (positive verdict, every byte of
the zip accounted for, identities, custody rules) cost little: `verify` of
the 4 GiB image bundle and of the 50,000-file tree bundle within 5% of the
build before them. This script seals both bundles once (with the new
build; both builds read the format), then times `verify` with each build
in interleaved runs (page cache warm) and prints medians, CPU seconds and
the ratio new / base.

bench/verify_ab.py --base OLD_BINARY [--new NEW_BINARY] [--runs N]
                   [--size-gib G] [--files N]

The base binary is a release build of the earlier commit, e.g.
`git worktree add /tmp/base 04451c8 && cargo build --release
--manifest-path /tmp/base/Cargo.toml`.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, compare, make_image, make_tree, sh, warm  # noqa: E402
from seal import rm, setup_home  # noqa: E402


def seal_once(new, src, bundle):
    if not os.path.exists(bundle):
        sh(f"{new} seal --no-progress {src} --out {bundle} --case BENCH > /dev/null")
    warm(bundle)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="the earlier release binary")
    ap.add_argument("--new", default=BIN, help="the build under test (default: target/release)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--files", type=int, default=50000)
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    # The key and trust entry are made by the base build, so that both
    # builds read them (a newer build reads older trust entries).
    import seal as seal_mod
    seal_mod.BIN = args.base
    setup_home()
    print(f"base: {args.base}\nnew:  {args.new}")
    img = make_image(args.size_gib)
    tree = make_tree(args.files)
    for title, src, name in [
        (f"verify the {args.size_gib} GiB image bundle", img, "ab-image.zip"),
        (f"verify the {args.files}-file tree bundle", tree, "ab-tree.zip"),
    ]:
        bundle = os.path.join(WORK, name)
        rm(bundle)
        seal_once(args.new, src, bundle)
        t = compare(title,
                    [("base verify", f"{args.base} verify --no-progress {bundle}"),
                     ("new verify", f"{args.new} verify --no-progress {bundle}")],
                    "base verify", args.runs)
        print(f"\n- new / base = {t['new verify'] / t['base verify']:.3f}x (target <= 1.05x)")
        rm(bundle)


if __name__ == "__main__":
    main()
