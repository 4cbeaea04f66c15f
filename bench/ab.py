#!/usr/bin/env python3
"""Two builds of evidentia side by side: hash, seal and verify.

A change that should cost nothing (a refactoring, a new check said to be
cheap) is measured here: the same commands on the same inputs by the build
before (BASE) and the build under test (NEW), in interleaved runs with the
page cache warm, printing medians, CPU seconds, the ratio new / base and,
for seal and verify, peak RSS.

- `hash --algo sha256` of the image and of the tree;
- `seal` of the tree (peak RSS beside the time);
- `verify` of the image bundle and of the tree bundle (each sealed once,
  by NEW; both builds read the format).

bench/ab.py --base OLD_BINARY [--new NEW_BINARY] [--runs N]
            [--size-gib G] [--files N] [--only hash,seal,verify]

The base binary is a release build of the earlier commit, e.g.
`git worktree add /tmp/base 5e1d5eb && cargo build --release
--manifest-path /tmp/base/Cargo.toml`.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, compare, make_image, make_tree, rss_of, sh, warm  # noqa: E402
from seal import rm, setup_home  # noqa: E402


def ratio(t):
    return t["new"] / t["base"]


def pair(title, base_cmd, new_cmd, runs, setup=None):
    t = compare(title, [("base", base_cmd), ("new", new_cmd)], "base", runs, setup=setup)
    print(f"\n- new / base = {ratio(t):.3f}x")
    return t


def ab_hash(args, img, tree):
    for what, src in [(f"the {args.size_gib} GiB image", img), (f"the {args.files}-file tree", tree)]:
        warm(src)
        cmd = "{} hash --no-progress --algo sha256 " + src
        pair(f"hash --algo sha256 of {what}", cmd.format(args.base), cmd.format(args.new), args.runs)


def ab_seal(args, tree):
    out = os.path.join(WORK, "ab-seal.zip")
    warm(tree)
    cmd = "{} seal --no-progress " + tree + " --out " + out + " --case BENCH"
    pair(f"seal of the {args.files}-file tree", cmd.format(args.base), cmd.format(args.new),
         args.runs, setup=lambda: rm(out))
    for label, exe in [("base", args.base), ("new", args.new)]:
        rm(out)
        print(f"- peak RSS of {label} seal: {rss_of(cmd.format(exe)):.1f} MiB")
    rm(out)


def ab_verify(args, img, tree):
    for what, src, name in [(f"the {args.size_gib} GiB image", img, "ab-image.zip"),
                            (f"the {args.files}-file tree", tree, "ab-tree.zip")]:
        bundle = os.path.join(WORK, name)
        rm(bundle)
        sh(f"{args.new} seal --no-progress {src} --out {bundle} --case BENCH > /dev/null")
        warm(bundle)
        cmd = "{} verify --no-progress " + bundle
        pair(f"verify of the bundle of {what}", cmd.format(args.base), cmd.format(args.new),
             args.runs)
        for label, exe in [("base", args.base), ("new", args.new)]:
            print(f"- peak RSS of {label} verify: {rss_of(cmd.format(exe)):.1f} MiB")
        rm(bundle)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="the earlier release binary")
    ap.add_argument("--new", default=BIN, help="the build under test (default: target/release)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--files", type=int, default=50000)
    ap.add_argument("--only", default="hash,seal,verify",
                    help="comma-separated subset of hash, seal, verify")
    args = ap.parse_args()
    only = set(args.only.split(","))
    unknown = only - {"hash", "seal", "verify"}
    if unknown:
        ap.error(f"--only: unknown {', '.join(sorted(unknown))} (use hash, seal, verify)")
    os.makedirs(WORK, exist_ok=True)
    # The key and trust entry are made by the base build, so that both
    # builds read them (a newer build reads older trust entries).
    import seal as seal_mod
    seal_mod.BIN = args.base
    setup_home()
    print(f"base: {args.base}\nnew:  {args.new}")
    img = make_image(args.size_gib)
    tree = make_tree(args.files)
    if "hash" in only:
        ab_hash(args, img, tree)
    if "seal" in only:
        ab_seal(args, tree)
    if "verify" in only:
        ab_verify(args, img, tree)


if __name__ == "__main__":
    main()
