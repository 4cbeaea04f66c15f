#!/usr/bin/env python3
"""Benchmark of the evidence locker (issue 7 figures).

- `evidentia locker find --hash` on a locker holding N file rows (default
  1,000,000), filled quickly by direct SQL through Python's sqlite3 on a
  freshly migrated locker made by `evidentia hashset list --locker X`;
  reports the median wall time in ms (target: milliseconds).
- `evidentia ingest` of a bundle sealed from bench/work/tree-50000 when that
  tree exists (make it with bench/seal.py); skipped with a note otherwise.

bench/locker.py [--rows N] [--runs N] [--bin PATH] [--no-build]
"""
import argparse
import hashlib
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, build  # noqa: E402


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def fill(db, rows):
    """One bundle with `rows` files, every digest column filled."""
    c = sqlite3.connect(db)
    c.execute("PRAGMA synchronous = OFF")
    c.execute("INSERT INTO bundles (bundle_id, name, case_ref, status, zip_sha256, ingested_at)"
              " VALUES ('urn:uuid:bench', 'bench', 'BENCH', 'verified', '00', '2024-01-01T00:00:00Z')")
    bundle = c.execute("SELECT id FROM bundles WHERE bundle_id = 'urn:uuid:bench'").fetchone()[0]

    def gen():
        for i in range(rows):
            seed = i.to_bytes(8, "little")
            s256 = hashlib.sha256(seed).digest()
            yield (bundle, f"data/tree/f{i:08d}", i % 65536,
                   s256[:16], s256[:20], s256, s256 + s256, hashlib.blake2s(seed).digest())
    c.executemany("INSERT INTO files (bundle, path, size, md5, sha1, sha256, sha512, blake3)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", gen())
    c.commit()
    c.close()


def timed(cmd, runs, ok=(0,)):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
        if p.returncode not in ok:
            raise SystemExit(f"{cmd}: exit {p.returncode}: {p.stderr.decode()}")
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=BIN)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build and args.bin == BIN:
        build()
    tmp = tempfile.mkdtemp(prefix="evidentia-locker-bench-")
    env = dict(os.environ, EVIDENTIA_HOME=tmp)
    try:
        db = os.path.join(tmp, "locker.db")
        run([args.bin, "hashset", "list", "--locker", db], env=env)
        t = time.perf_counter()
        fill(db, args.rows)
        print(f"- filled {args.rows} file rows in {time.perf_counter() - t:.1f} s")
        target = hashlib.sha256((args.rows // 2).to_bytes(8, "little")).hexdigest()
        hit = timed([args.bin, "locker", "--locker", db, "find", "--hash", target.upper()], args.runs)
        miss = timed([args.bin, "locker", "--locker", db, "find", "--hash", "ab" * 32],
                     args.runs, ok=(1,))
        base = timed([args.bin, "--version"], args.runs)
        print(f"- locker find --hash (hit, {args.rows} rows): {hit:.1f} ms median"
              f" (process start alone: {base:.1f} ms)")
        print(f"- locker find --hash (miss): {miss:.1f} ms median")

        tree = os.path.join(WORK, "tree-50000")
        if not os.path.isdir(tree):
            print(f"- ingest of the 50,000-file bundle: SKIPPED ({tree} does not exist;"
                  " bench/seal.py makes it)")
            return
        out = run([args.bin, "--json", "key", "new", "--name", "Bench", "--org", "Lab",
                   "--country", "CZ", "--no-encrypt"], env=env).stdout
        import json
        key = json.loads(out)["key_id"]
        pub = os.path.join(tmp, "k.pub.json")
        with open(pub, "wb") as f:
            f.write(run([args.bin, "key", "export", key], env=env).stdout)
        run([args.bin, "trust", "add", pub], env=env)
        bundle = os.path.join(tmp, "tree.zip")
        run([args.bin, "seal", "--no-progress", tree, "--out", bundle, "--case", "BENCH"], env=env)
        times = []
        for _ in range(args.runs):
            fresh = os.path.join(tmp, "ingest.db")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(fresh + suffix):
                    os.remove(fresh + suffix)
            t = time.perf_counter()
            run([args.bin, "ingest", "--no-progress", bundle, "--locker", fresh], env=env)
            times.append(time.perf_counter() - t)
        print(f"- ingest of the 50,000-file bundle (verify + write): {statistics.median(times):.2f} s median")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
