#!/usr/bin/env python3
"""Benchmark of encryption in transit (issue 17 figures).

Side by side, interleaved, medians of wall and CPU seconds:
- `evidentia encrypt` of the sealed image bundle against stock `age -r` of
  the same file, both followed by an fsync of the output (target: no
  slower);
- `seal --to` against `seal` of the image and of the small-file tree
  (target <= 1.3x), with `seal` then `age -r` (the two-step way, which
  writes the plaintext bundle) beside them; and of the image through a
  pipe, which cannot be read ahead, so that `seal --to` holds its entry
  back in an encrypted scratch file (the path of devices and deflate);
- `verify` of the encrypted image bundle against `verify` of the
  plaintext one (issue 17's aim <= 1.5x; not a DESIGN target);
- peak RSS of each (target < 100 MiB).

A step whose command this build lacks (`encrypt`, or `verify` of a `.age`
file) is reported as skipped. Inputs come from bench/work/ (made if
absent, as bench/bench.py makes them).

Run through bench/bench.py's helpers, alone:
bench/age.py [--runs N] [--size-gib G] [--files N] [--only image|pipe|tree|verify|encrypt]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, WORK, build, compare, make_image, make_tree, rss_of, sh, verdict, warm  # noqa: E402
from seal import rm  # noqa: E402

SEAL_TARGET = 1.3
VERIFY_TARGET = 1.5


def setup_home():
    """A scratch evidentia home with an unencrypted, trusted examiner key;
    returns (home, key id, age recipient)."""
    home = tempfile.mkdtemp(prefix="evidentia-bench-age-")
    os.environ["EVIDENTIA_HOME"] = home
    run = lambda *a: subprocess.run([BIN, *a], check=True, capture_output=True).stdout  # noqa: E731
    key = json.loads(run("--json", "key", "new", "--name", "Bench", "--org", "Lab",
                         "--country", "CZ", "--no-encrypt"))["key_id"]
    pub = os.path.join(home, "bench.pub.json")
    with open(pub, "wb") as f:
        f.write(run("key", "export", key))
    run("trust", "add", pub)
    recipient = run("key", "export", key, "--age").decode().strip()
    return home, key, recipient


def supported(cmd):
    """Whether a command runs through (exit 0) in this build."""
    return subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def rss_fed(feed, cmd):
    """Peak RSS (MiB) of `cmd` alone, reading what `feed` pipes to it."""
    err = subprocess.run(f"{feed}/usr/bin/time -f %M {cmd} > /dev/null", shell=True,
                         stderr=subprocess.PIPE, check=True).stderr.decode()
    return int(err.split()[-1]) / 1024.0


def seal_cmd(src, out, key=None):
    to = f" --to {key}" if key else ""
    return f"{BIN} seal --no-progress {src} --out {out} --case BENCH{to}"


def bench_seal(label, slug, src, key, recipient, runs, results, feed=""):
    """seal vs seal --to vs seal + age -r of `src` (files named after
    `slug`; `feed` is a shell pipeline feeding /dev/stdin)."""
    plain = os.path.join(WORK, f"age-{slug}.zip")
    sealed = plain + ".age"
    twostep = os.path.join(WORK, f"age-{slug}-2.zip")
    cmds = [
        ("evidentia seal", feed + seal_cmd(src, plain)),
        ("evidentia seal --to", feed + seal_cmd(src, sealed, key)),
        ("seal, then age -r", f"{feed}{seal_cmd(src, twostep)} && age -r {recipient} -o {twostep}.age "
                              f"{twostep} && sync {twostep}.age"),
    ]
    t = compare(f"seal the {label}: plain, encrypted as written, and in two steps", cmds,
                "evidentia seal", runs, setup=lambda: rm(plain, sealed, twostep, twostep + ".age"))
    ratio = t["evidentia seal --to"] / t["evidentia seal"]
    results.append((f"seal --to / seal ({label})", ratio,
                    f"target <= {SEAL_TARGET}x: {verdict(ratio <= SEAL_TARGET)}"))
    print(f"\n- seal --to / seal ({label}) = {ratio:.2f}x (target <= {SEAL_TARGET}x: "
          f"{verdict(ratio <= SEAL_TARGET)})")
    print(f"- (seal, then age -r) / seal ({label}) = {t['seal, then age -r'] / t['evidentia seal']:.2f}x")
    rm(plain, sealed, twostep, twostep + ".age")
    for name, cmd, out in [("seal", seal_cmd(src, plain), plain),
                           ("seal --to", seal_cmd(src, sealed, key), sealed)]:
        rss = rss_of(cmd) if not feed else rss_fed(feed, cmd)
        print(f"- peak RSS {name} ({label}): {rss:.1f} MiB (target < 100)")
        rm(out)


def bench_encrypt(bundle, key, recipient, runs, results):
    out = bundle + ".enc.age"
    stock = bundle + ".stock.age"
    enc = f"{BIN} encrypt {bundle} --to {key} -o {out}"
    if not supported(f"{BIN} encrypt --help"):
        print("\n- encrypt: skipped (this build has no `encrypt` command)")
        return
    t = compare("encrypt the image bundle (output fsynced)",
                [("age -r", f"age -r {recipient} -o {stock} {bundle} && sync {stock}"),
                 ("evidentia encrypt", f"{enc} && sync {out}")],
                "age -r", runs, setup=lambda: rm(out, stock))
    ratio = t["evidentia encrypt"] / t["age -r"]
    results.append(("encrypt / age -r", ratio, f"target <= 1.0x: {verdict(ratio <= 1.0)}"))
    print(f"\n- encrypt / age -r = {ratio:.2f}x (target: no slower, <= 1.0x: "
          f"{verdict(ratio <= 1.0)})")
    rm(out, stock)
    print(f"- peak RSS evidentia encrypt: {rss_of(enc):.1f} MiB (target < 100)")
    rm(out)
    print(f"- peak RSS age -r: {rss_of(f'age -r {recipient} -o {stock} {bundle}'):.1f} MiB")
    rm(stock)


def bench_verify(bundle, key, runs, results):
    sealed = bundle + ".v.age"
    sh(f"age -r $({BIN} key export {key} --age) -o {sealed} {bundle}")
    if not supported(f"{BIN} verify --no-progress {sealed}"):
        print("\n- verify of an encrypted bundle: skipped (this build does not read .age files)")
        rm(sealed)
        return
    warm(bundle)
    warm(sealed)
    t = compare("verify the image bundle: plaintext and encrypted",
                [("verify (plaintext)", f"{BIN} verify --no-progress {bundle}"),
                 ("verify (.age)", f"{BIN} verify --no-progress {sealed}")],
                "verify (plaintext)", runs)
    ratio = t["verify (.age)"] / t["verify (plaintext)"]
    results.append(("verify .age / verify", ratio, f"issue 17's aim <= {VERIFY_TARGET}x"))
    print(f"\n- verify .age / verify = {ratio:.2f}x (issue 17's aim <= {VERIFY_TARGET}x)")
    print(f"- peak RSS verify (plaintext): {rss_of(f'{BIN} verify --no-progress {bundle}'):.1f} MiB")
    print(f"- peak RSS verify (.age): {rss_of(f'{BIN} verify --no-progress {sealed}'):.1f} MiB "
          f"(target < 100)")
    rm(sealed)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-gib", type=int, default=4)
    ap.add_argument("--files", type=int, default=50000)
    ap.add_argument("--only", choices=["image", "pipe", "tree", "verify", "encrypt"],
                    action="append")
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    args = ap.parse_args()
    only = set(args.only or ["image", "pipe", "tree", "verify", "encrypt"])
    os.makedirs(WORK, exist_ok=True)
    if shutil.which("age") is None:
        sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq age >/dev/null")
    if not args.no_build:
        build()
    print(f"# evidentia encryption benchmark ({os.cpu_count()} CPUs)")
    home, key, recipient = setup_home()
    results = []
    try:
        img = make_image(args.size_gib)
        warm(img)
        if "image" in only:
            bench_seal(f"{args.size_gib} GiB image", "image", img, key, recipient, args.runs, results)
        if "pipe" in only:
            bench_seal(f"{args.size_gib} GiB image through a pipe", "pipe", "/dev/stdin", key,
                       recipient, args.runs, results, feed=f"cat {img} | ")
        if "tree" in only:
            tree = make_tree(args.files)
            warm(tree)
            bench_seal(f"{args.files}-file tree", "tree", tree, key, recipient, args.runs, results)
        if only & {"encrypt", "verify"}:
            bundle = os.path.join(WORK, "age-image-bundle.zip")
            rm(bundle)
            sh(seal_cmd(img, bundle) + " > /dev/null")
            warm(bundle)
            if "encrypt" in only:
                bench_encrypt(bundle, key, recipient, args.runs, results)
            if "verify" in only:
                bench_verify(bundle, key, args.runs, results)
            rm(bundle)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print("\n### Ratios\n")
    for name, ratio, target in results:
        print(f"- {name}: {ratio:.2f}x ({target})")


if __name__ == "__main__":
    main()
