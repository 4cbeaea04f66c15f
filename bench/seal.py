#!/usr/bin/env python3
"""Benchmark of `evidentia seal` and `evidentia verify` (issues 4 and 22).

Compares, side by side and interleaved (medians of wall and CPU seconds),
with the targets of DESIGN section 7, each printed with met / NOT met:
- sealing the image against `cp` of it to the same disk, both followed by
  `sync` (target <= 1.5x);
- verifying that bundle against `evidentia hash` of the image (<= 1.2x);
- sealing the small-file tree against the floor `tar -cf` of the tree into
  one file + fsync of it (target: no slower than that floor, <= 1.0x);
  `evidentia hash` of the tree, `hashdeep -r -c sha256` and `bagit.py`
  creating a bag (`--processes 2`) beside it, for information;
- verifying the tree bundle against `evidentia hash` of the tree
  (<= 1.2x) and against `bagit.py --validate --processes 2` (at least 4x
  faster);
- peak RSS of seal and verify, image and tree (< 100 MiB).

Run through bench/bench.py (`--only seal`) or alone:
bench/seal.py [--runs N] [--size-gib G] [--files N] [--no-build]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (BIN, WORK, build, compare, ensure_peers, make_image, make_tree,  # noqa: E402
                   rss_of, sh, verdict, warm)

# bagit.py's worker processes, explicit: the DESIGN figure is against 2.
BAGIT_PROCESSES = 2


def rm(*paths):
    for p in paths:
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.exists(p):
            os.remove(p)


def setup_home():
    """A scratch evidentia home with an unencrypted, trusted examiner key."""
    home = tempfile.mkdtemp(prefix="evidentia-bench-")
    os.environ["EVIDENTIA_HOME"] = home
    out = subprocess.run([BIN, "--json", "key", "new", "--name", "Bench", "--org", "Lab",
                          "--country", "CZ", "--no-encrypt"], check=True,
                         capture_output=True).stdout
    key = json.loads(out)["key_id"]
    pub = os.path.join(home, "bench.pub.json")
    with open(pub, "wb") as f:
        f.write(subprocess.run([BIN, "key", "export", key], check=True,
                               capture_output=True).stdout)
    subprocess.run([BIN, "trust", "add", pub], check=True, capture_output=True)
    return home


def bench_image(args):
    img = make_image(args.size_gib)
    warm(img)
    copy = os.path.join(WORK, "copy.bin")
    bundle = os.path.join(WORK, "image-bundle.zip")
    seal = f"{BIN} seal --no-progress {img} --out {bundle} --case BENCH"
    t = compare(f"seal a {args.size_gib} GiB image (to the same disk)",
                [("cp", f"cp {img} {copy} && sync"),
                 ("evidentia seal", f"{seal} && sync")],
                "cp", args.runs, setup=lambda: rm(copy, bundle))
    ratio = t["evidentia seal"] / t["cp"]
    print(f"\n- seal / cp = {ratio:.2f}x (target <= 1.5x: {verdict(ratio <= 1.5)})")
    rm(copy, bundle)
    sh(seal + " > /dev/null 2>&1")
    warm(bundle)
    t = compare("verify that bundle",
                [("evidentia hash", f"{BIN} hash --no-progress {img}"),
                 ("evidentia verify", f"{BIN} verify --no-progress {bundle}")],
                "evidentia hash", args.runs)
    ratio = t["evidentia verify"] / t["evidentia hash"]
    print(f"\n- verify / hash (image) = {ratio:.2f}x (target <= 1.2x: {verdict(ratio <= 1.2)})")
    print_rss("verify (image)", f"{BIN} verify --no-progress {bundle}")
    rm(bundle)
    print_rss("seal (image)", seal)
    rm(bundle)


def print_rss(label, cmd):
    rss = rss_of(cmd)
    print(f"- peak RSS {label}: {rss:.1f} MiB (target < 100: {verdict(rss < 100)})")


def bench_tree(args):
    tree = make_tree(args.files)
    warm(tree)
    bundle = os.path.join(WORK, "tree-bundle.zip")
    bag = os.path.join(WORK, "bag-copy")
    seal = f"{BIN} seal --no-progress {tree} --out {bundle} --case BENCH"

    def fresh():
        rm(bundle, bag)
        # Synced here so that no command pays for this copy's writeback.
        sh(f"cp -r {tree} {bag} && rm -f {bag}/.complete && sync")
        warm(bag)

    copy = os.path.join(WORK, "tree-copy")

    def fresh_all():
        fresh()
        rm(copy + ".tar")

    # The floors: the tree written into one file on the same disk and
    # fsynced (what any seal must at least read and write) and `evidentia
    # hash` of it (the hashing).
    # Seal fsyncs its bundle; bagit.py writes its tag files and moves the
    # payload, so it gets a `sync` too; hashdeep writes nothing.
    t = compare(f"seal a tree of {args.files} small files",
                [("tar + fsync", f"tar -cf {copy}.tar -C {os.path.dirname(tree)} {os.path.basename(tree)} && sync {copy}.tar"),
                 ("evidentia hash", f"{BIN} hash --no-progress {tree}"),
                 ("hashdeep -r -c sha256", f"hashdeep -r -c sha256 {tree}"),
                 ("bagit.py (create)",
                  f"bagit.py --quiet --processes {BAGIT_PROCESSES} {bag} && sync"),
                 ("evidentia seal", seal)],
                "evidentia seal", args.runs, setup=fresh_all)
    rm(copy + ".tar")
    floor = t["evidentia seal"] / t["tar + fsync"]
    print(f"\n- seal / (tar + fsync) = {floor:.2f}x (target: no slower than that floor, "
          f"<= 1.0x: {verdict(floor <= 1.0)})")
    print(f"- seal / evidentia hash (tree) = {t['evidentia seal'] / t['evidentia hash']:.2f}x "
          f"(for information)")
    print(f"- hashdeep / seal = {t['hashdeep -r -c sha256'] / t['evidentia seal']:.1f}x "
          f"(for information)")
    print(f"- bagit.py create / seal = {t['bagit.py (create)'] / t['evidentia seal']:.1f}x "
          f"(for information)")
    rm(bundle)
    print_rss("seal (tree)", seal)
    rm(bundle)
    # The same files, 50 to a directory (1,000 directories): peak RSS must
    # not grow with the number of directories.
    many = make_tree(args.files, per_dir=50)
    print_rss("seal (the same files in 1,000 directories)",
              f"{BIN} seal --no-progress {many} --out {bundle} --case BENCH")
    fresh()
    sh(f"bagit.py --quiet {bag} && {seal} > /dev/null 2>&1")
    # seal writes past the page cache; the bag and the tree are warm, so
    # warm the bundle too.
    warm(bundle)
    t = compare("verify the tree bundle",
                [("evidentia hash (tree)", f"{BIN} hash --no-progress {tree}"),
                 ("bagit.py --validate",
                  f"bagit.py --quiet --validate --processes {BAGIT_PROCESSES} {bag}"),
                 ("evidentia verify", f"{BIN} verify --no-progress {bundle}")],
                "evidentia verify", args.runs)
    ratio = t["evidentia verify"] / t["evidentia hash (tree)"]
    faster = t["bagit.py --validate"] / t["evidentia verify"]
    print(f"\n- verify / hash (tree) = {ratio:.2f}x (target <= 1.2x: {verdict(ratio <= 1.2)})")
    print(f"- bagit.py --validate --processes {BAGIT_PROCESSES} / verify = {faster:.1f}x "
          f"(target >= 4x: {verdict(faster >= 4.0)})")
    print_rss("verify (tree)", f"{BIN} verify --no-progress {bundle}")
    rm(bundle, bag)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--files", type=int, default=50000)
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    if shutil.which("bagit.py") is None or shutil.which("hashdeep") is None:
        ensure_peers()
    if not args.no_build:
        build()
    home = setup_home()
    try:
        bench_image(args)
        bench_tree(args)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
