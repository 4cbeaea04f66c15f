#!/usr/bin/env python3
"""Side-by-side benchmark of `evidentia hash` against its peer tools.

Builds evidentia in release mode, creates (or reuses) the inputs under
bench/work/, warms the page cache, runs every command interleaved several
times, and prints median wall and CPU seconds, ratios against the
reference, and peak RSS.

Targets (DESIGN section 7), each printed with met / NOT met:
- image: `evidentia hash --algo sha256,blake3` no slower than
  `openssl dgst -sha256` alone (ratio <= 1.0x);
- tree of 50,000 small files: `evidentia hash --algo sha256` at least 4.2x
  faster than `hashdeep -r -c sha256`, and ahead of blazehash 0.2.5
  (`blazehash -r -c sha256`);
- peak RSS under 100 MiB.
The other ratios (sha256sum, dc3dd, b3sum, blazehash on the image) are
printed for information.

blazehash is an optional peer: used when a `blazehash` binary is on PATH
(`cargo install blazehash --version 0.2.5 --root /opt/blazehash`, then
PATH=/opt/blazehash/bin:$PATH; bench/run-all adds that directory itself),
otherwise its rows say "skipped: blazehash not on PATH".

Figures are recorded in docs/performance.md. This is not a test: it
asserts nothing, it measures.

Usage: bench/bench.py [--runs N] [--size-gib G] [--files N] [--only hash|tree|seal]
                      [--no-build]
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
BIN = os.path.join(ROOT, "target", "release", "evidentia")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def ensure_peers():
    need = {"sha256sum": "coreutils", "openssl": "openssl", "b3sum": "b3sum",
            "hashdeep": "hashdeep", "dc3dd": "dc3dd"}
    missing = [pkg for tool, pkg in need.items() if shutil.which(tool) is None]
    if missing:
        print(f"installing peers: {' '.join(missing)}", file=sys.stderr)
        sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
           + " ".join(missing) + " >/dev/null")
    if shutil.which("bagit.py") is None:
        sh(f"{sys.executable} -m pip install --quiet bagit")


def build():
    sh(f"cd {ROOT} && cargo build --release --locked --quiet")


def make_image(size_gib):
    path = os.path.join(WORK, f"image-{size_gib}g.bin")
    want = size_gib << 30
    if not (os.path.exists(path) and os.path.getsize(path) == want):
        print(f"creating {path} ({size_gib} GiB random)", file=sys.stderr)
        # openssl's CTR keystream is a fast source of incompressible bytes.
        sh(f"openssl enc -aes-128-ctr -pass pass:evidentia -nosalt -pbkdf2 "
           f"-in /dev/zero 2>/dev/null | head -c {want} > {path}")
    return path


def make_tree(nfiles, per_dir=500):
    """The benchmark tree: `nfiles` files of log-normal sizes (the same
    sizes and bytes whatever `per_dir`), `per_dir` to a directory."""
    name = f"tree-{nfiles}" if per_dir == 500 else f"tree-{nfiles}-{per_dir}"
    path = os.path.join(WORK, name)
    stamp = os.path.join(path, ".complete")
    if os.path.exists(stamp):
        return path
    print(f"creating {path} ({nfiles} files, log-normal sizes)", file=sys.stderr)
    shutil.rmtree(path, ignore_errors=True)
    rng = random.Random(42)
    total = 0
    chunk = os.urandom(1 << 20)
    for i in range(nfiles):
        d = os.path.join(path, f"d{i // per_dir:03d}")
        os.makedirs(d, exist_ok=True)
        # median ~8 KiB, long tail; mean ~24 KiB => ~1.2 GB for 50,000 files
        size = min(int(rng.lognormvariate(9.0, 1.5)), 16 << 20)
        with open(os.path.join(d, f"f{i:05d}.bin"), "wb") as f:
            left = size
            while left > 0:
                n = min(left, len(chunk))
                off = rng.randrange(0, len(chunk) - n + 1)
                f.write(chunk[off:off + n])
                left -= n
        total += size
    open(stamp, "w").close()
    print(f"tree total {total / 1e9:.2f} GB", file=sys.stderr)
    return path


def warm(path):
    sh(f"cat {path} > /dev/null" if os.path.isfile(path)
       else f"find {path} -type f -exec cat {{}} + > /dev/null")


LAST_CPU = [0.0]


def measured(cmd, cwd=None):
    """Run a shell command; (exit code, wall seconds, CPU seconds, stderr).
    The CPU seconds are user + system of the shell and everything it
    waited for."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, shell=True, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    return code, elapsed, usage.ru_utime + usage.ru_stime, stderr


def timed(cmd, cwd=None):
    """Run a shell command; return its wall-clock seconds (its CPU seconds
    are left in LAST_CPU[0]). A failing command ends the benchmark."""
    code, elapsed, LAST_CPU[0], stderr = measured(cmd, cwd)
    if code != 0:
        raise SystemExit(f"command failed ({code}): {cmd}\n{stderr}")
    return elapsed


def rss_of(cmd, cwd=None):
    """Peak RSS (MiB) of one command, measured with GNU time if present."""
    if shutil.which("/usr/bin/time") is None:
        return float("nan")
    out = subprocess.run(f"/usr/bin/time -f %M {cmd} > /dev/null", shell=True, cwd=cwd,
                         stderr=subprocess.PIPE, check=True).stderr.decode().strip().splitlines()
    return int(out[-1]) / 1024.0


def verdict(ok):
    """How a target reads in the output."""
    return "met" if ok else "NOT met"


def blazehash():
    """The blazehash binary on PATH (its version printed once), or None."""
    path = shutil.which("blazehash")
    if path is None:
        return None
    if not BLAZEHASH_SEEN:
        out = subprocess.run([path, "--version"], capture_output=True, text=True)
        version = (out.stdout or out.stderr).strip()
        note = "" if "0.2.5" in version else " (DESIGN names 0.2.5)"
        print(f"\n(blazehash: {path}, {version}{note})")
        BLAZEHASH_SEEN.append(path)
    return path


BLAZEHASH_SEEN = []
SKIP_BLAZEHASH = "skipped: blazehash not on PATH"


def compare(title, commands, reference, runs, setup=None, cwd=None):
    """commands: list of (label, shell command). Interleaved runs."""
    times = {label: [] for label, _ in commands}
    cpu = {label: [] for label, _ in commands}
    for r in range(runs):
        for label, cmd in commands:
            if setup:
                setup()
            t = timed(cmd, cwd=cwd)
            times[label].append(t)
            cpu[label].append(LAST_CPU[0])
    ref = statistics.median(times[reference])
    print(f"\n### {title}\n")
    print(f"| command | median s | ratio to `{reference}` | median CPU s (user+sys) |")
    print("|---|---:|---:|---:|")
    for label, _ in commands:
        m = statistics.median(times[label])
        print(f"| `{label}` | {m:.2f} | {m / ref:.2f}x | {statistics.median(cpu[label]):.2f} |")
    return {label: statistics.median(v) for label, v in times.items()}


def bench_hash(args):
    img = make_image(args.size_gib)
    warm(img)
    cmds = [
        ("openssl dgst -sha256", f"openssl dgst -sha256 {img}"),
        ("evidentia hash --algo sha256,blake3", f"{BIN} hash --no-progress --algo sha256,blake3 {img}"),
        ("evidentia hash --algo sha256", f"{BIN} hash --no-progress --algo sha256 {img}"),
        ("sha256sum", f"sha256sum {img}"),
        ("b3sum", f"b3sum {img}"),
        ("hashdeep -c sha256", f"hashdeep -c sha256 {img}"),
        ("dc3dd hash=sha256", f"dc3dd if={img} of=/dev/null hash=sha256 nwspc=on 2>/dev/null"),
    ]
    bh = blazehash()
    if bh:
        cmds += [("blazehash -c sha256", f"{bh} -c sha256 {img}"),
                 ("blazehash -c sha256,blake3", f"{bh} -c sha256,blake3 {img}")]
    t = compare(f"hash a {args.size_gib} GiB image in page cache", cmds,
                "openssl dgst -sha256", args.runs)
    ev = t["evidentia hash --algo sha256,blake3"]
    ev1 = t["evidentia hash --algo sha256"]
    ratio = ev / t["openssl dgst -sha256"]
    print()
    print(f"- evidentia(sha256+blake3) / openssl(sha256) = {ratio:.2f}x "
          f"(target <= 1.0x, no slower: {verdict(ratio <= 1.0)})")
    for peer in ["sha256sum", "hashdeep -c sha256", "dc3dd hash=sha256"]:
        print(f"- {peer} / evidentia(sha256+blake3) = {t[peer] / ev:.1f}x (for information)")
    if bh:
        print(f"- blazehash(sha256) / evidentia(sha256) = "
              f"{t['blazehash -c sha256'] / ev1:.2f}x (for information)")
        print(f"- blazehash(sha256+blake3) / evidentia(sha256+blake3) = "
              f"{t['blazehash -c sha256,blake3'] / ev:.2f}x (for information)")
    else:
        print(f"- blazehash: {SKIP_BLAZEHASH}")
    rss = rss_of(f"{BIN} hash --no-progress {img}")
    print(f"- peak RSS evidentia hash: {rss:.1f} MiB (target < 100: {verdict(rss < 100)})")


def bench_tree(args):
    tree = make_tree(args.files)
    warm(tree)
    cmds = [
        ("hashdeep -r -c sha256", f"hashdeep -r -c sha256 {tree}"),
        ("evidentia hash --algo sha256", f"{BIN} hash --no-progress --algo sha256 {tree}"),
        ("evidentia hash (sha256+blake3)", f"{BIN} hash --no-progress {tree}"),
    ]
    bh = blazehash()
    if bh:
        cmds.append(("blazehash -r -c sha256", f"{bh} -r -c sha256 {tree}"))
    t = compare(f"hash a tree of {args.files} small files", cmds, "hashdeep -r -c sha256", args.runs)
    ev = t["evidentia hash --algo sha256"]
    speedup = t["hashdeep -r -c sha256"] / ev
    print()
    print(f"- hashdeep / evidentia(sha256) = {speedup:.2f}x "
          f"(target >= 4.2x: {verdict(speedup >= 4.2)})")
    if bh:
        ahead = t["blazehash -r -c sha256"] / ev
        print(f"- blazehash / evidentia(sha256) = {ahead:.2f}x "
              f"(target > 1.0x, ahead of blazehash: {verdict(ahead > 1.0)})")
    else:
        print(f"- blazehash / evidentia(sha256): {SKIP_BLAZEHASH} (target not measured)")
    print(f"- hashdeep / evidentia(sha256+blake3) = "
          f"{t['hashdeep -r -c sha256'] / t['evidentia hash (sha256+blake3)']:.2f}x (for information)")
    rss = rss_of(f"{BIN} hash --no-progress {tree}")
    print(f"- peak RSS evidentia hash tree: {rss:.1f} MiB (target < 100: {verdict(rss < 100)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--files", type=int, default=50000)
    ap.add_argument("--only", choices=["hash", "tree", "seal"], action="append")
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    ensure_peers()
    if not args.no_build:
        build()
    only = set(args.only or ["hash", "tree", "seal"])
    print(f"# evidentia benchmark ({os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')})")
    if "hash" in only:
        bench_hash(args)
    if "tree" in only:
        bench_tree(args)
    if "seal" in only:
        seal = os.path.join(ROOT, "bench", "seal.py")
        if os.path.exists(seal):
            sh(f"{sys.executable} {seal} --runs {args.runs} --size-gib {args.size_gib} "
               f"--files {args.files} --no-build")


if __name__ == "__main__":
    main()
