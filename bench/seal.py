#!/usr/bin/env python3
"""Benchmark of `evidentia seal` and `evidentia verify` (issue 4 figures).

Compares, side by side and interleaved:
- sealing the image against `cp` of it to the same disk (target <= 1.5x);
- verifying that bundle against `evidentia hash` of the image (<= 1.2x);
- sealing the small-file tree against `hashdeep -r -c sha256` (>= 2x faster)
  and `bagit.py` creating a bag (>= 5x faster); verifying it against
  `bagit.py --validate` (>= 5x faster);
- peak RSS of seal and verify (< 100 MiB).

Run through bench/bench.py (`--only seal`) or alone:
bench/seal.py [--runs N] [--size-gib G] [--files N]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, build, compare, ensure_peers, make_image, make_tree, rss_of, sh, warm  # noqa: E402


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
    print(f"\n- seal / cp = {t['evidentia seal'] / t['cp']:.2f}x (target <= 1.5x)")
    rm(copy, bundle)
    sh(seal + " > /dev/null 2>&1")
    warm(bundle)
    t = compare("verify that bundle",
                [("evidentia hash", f"{BIN} hash --no-progress {img}"),
                 ("evidentia verify", f"{BIN} verify --no-progress {bundle}")],
                "evidentia hash", args.runs)
    print(f"\n- verify / hash = {t['evidentia verify'] / t['evidentia hash']:.2f}x (target <= 1.2x)")
    print(f"- peak RSS verify: {rss_of(f'{BIN} verify --no-progress {bundle}'):.1f} MiB (target < 100)")
    rm(bundle)
    print(f"- peak RSS seal: {rss_of(f'{seal}'):.1f} MiB (target < 100)")
    rm(bundle)


def bench_tree(args):
    tree = make_tree(args.files)
    warm(tree)
    bundle = os.path.join(WORK, "tree-bundle.zip")
    bag = os.path.join(WORK, "bag-copy")

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
                 ("bagit.py (create)", f"bagit.py --quiet --processes {os.cpu_count()} {bag} && sync"),
                 ("evidentia seal", f"{BIN} seal --no-progress {tree} --out {bundle} --case BENCH")],
                "evidentia seal", args.runs, setup=fresh_all)
    rm(copy + ".tar")
    print(f"\n- hashdeep / seal = {t['hashdeep -r -c sha256'] / t['evidentia seal']:.1f}x (target >= 2x)")
    print(f"- bagit.py create / seal = {t['bagit.py (create)'] / t['evidentia seal']:.1f}x (target >= 5x)")
    print(f"- floor: tar + fsync = {t['tar + fsync']:.2f} s; hashdeep / (tar + fsync) = "
          f"{t['hashdeep -r -c sha256'] / t['tar + fsync']:.1f}x (the most any seal that "
          f"writes the payload can reach)")
    fresh()
    sh(f"bagit.py --quiet {bag} && {BIN} seal --no-progress {tree} --out {bundle} --case BENCH > /dev/null 2>&1")
    # seal writes past the page cache; the bag and the tree are warm, so
    # warm the bundle too.
    warm(bundle)
    t = compare("verify the tree bundle",
                [("evidentia hash (tree)", f"{BIN} hash --no-progress {tree}"),
                 ("bagit.py --validate", f"bagit.py --quiet --validate --processes {os.cpu_count()} {bag}"),
                 ("evidentia verify", f"{BIN} verify --no-progress {bundle}")],
                "evidentia verify", args.runs)
    print(f"\n- bagit.py --validate / verify = {t['bagit.py --validate'] / t['evidentia verify']:.1f}x (target >= 5x)")
    print(f"- peak RSS verify (tree): {rss_of(f'{BIN} verify --no-progress {bundle}'):.1f} MiB (target < 100)")
    rm(bundle, bag)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--files", type=int, default=50000)
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    if shutil.which("bagit.py") is None or shutil.which("hashdeep") is None:
        ensure_peers()
    build()
    home = setup_home()
    try:
        bench_image(args)
        bench_tree(args)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
