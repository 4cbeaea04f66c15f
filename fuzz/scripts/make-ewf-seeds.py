#!/usr/bin/env python3
"""Make the seed corpus of the ewf_reader fuzz target: small EWF-E01 sets
written by the real ewfacquire (Debian ewf-tools), each seed being a set's
segment files concatenated (the target splits its input before each EWF
signature). ewfacquire's smallest segment is 1 MiB, so the multi-segment
seeds are single-segment sets laid out again as 2 or 3 segments here, in
the layout ewfacquire itself writes for a multi-segment set (segment 1:
header sections, volume, sectors, table, table2, next; then data, sectors,
table, table2, next; the last ends with the digest/hash sections and done).
Section layout from libyal/libewf's "Expert Witness Compression Format".

Usage: fuzz/scripts/make-ewf-seeds.py [OUTDIR]  (default fuzz/corpus/ewf_reader)
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

SIG = b"EVF\x09\x0d\x0a\xff\x00"


def rnd(n, salt):
    """n deterministic pseudo-random bytes."""
    out = bytearray()
    c = 0
    while len(out) < n:
        out += hashlib.sha256(salt + c.to_bytes(8, "little")).digest()
        c += 1
    return bytes(out[:n])


def sections(d):
    """(type, offset, body) of every section of one segment file."""
    out = []
    off = 13
    while off + 76 <= len(d):
        typ = d[off:off + 16].rstrip(b"\0")
        nxt, size = struct.unpack_from("<QQ", d, off + 16)
        out.append((typ, off, d[off + 76:off + size] if size >= 76 else b""))
        if nxt <= off:
            break
        off = nxt
    return out


def desc(typ, off, size, nxt=None):
    """A section descriptor at `off` for a section of `size` bytes."""
    if nxt is None:
        nxt = off + size
    b = typ.ljust(16, b"\0") + struct.pack("<QQ", nxt, size) + bytes(40)
    return b + struct.pack("<I", zlib.adler32(b))


def table_body(entries, base):
    """A table (or table2) body: header, entries, footer."""
    h = struct.pack("<I4xQ4x", len(entries), base)
    h += struct.pack("<I", zlib.adler32(h))
    e = b"".join(struct.pack("<I", x) for x in entries)
    return h + e + struct.pack("<I", zlib.adler32(e))


def chunks_of(d):
    """The stored chunks of a single-segment set: (bytes, compressed)."""
    secs = sections(d)
    sectors = next(s for s in secs if s[0] == b"sectors")
    table = next(s for s in secs if s[0] == b"table")
    n, base = struct.unpack_from("<I4xQ", table[2], 0)
    ents = struct.unpack_from(f"<{n}I", table[2], 24)
    end = sectors[1] + 76 + len(sectors[2])
    out = []
    for i, e in enumerate(ents):
        start = base + (e & 0x7FFFFFFF)
        stop = base + (ents[i + 1] & 0x7FFFFFFF) if i + 1 < n else end
        out.append((d[start:stop], bool(e & 0x80000000)))
    return out, base != 0


def resegment(d, parts):
    """A single-segment set laid out again as `parts` segments (chunks shared
    out as evenly as possible): the segment files' bytes, in order."""
    secs = sections(d)
    chunks, based = chunks_of(d)
    vol = next(s for s in secs if s[0] == b"volume")[2]
    heads = [s for s in secs if s[0] in (b"header", b"header2")]
    tail = [s for s in secs if s[0] in (b"digest", b"hash", b"error2")]
    per = -(-len(chunks) // parts)
    segs = []
    for k in range(parts):
        mine = chunks[k * per:(k + 1) * per]
        out = bytearray(SIG + b"\x01" + struct.pack("<H", k + 1) + b"\0\0")
        lead = [(t, b) for t, _, b in heads] + [(b"volume", vol)] if k == 0 else [(b"data", vol)]
        for t, b in lead:
            out += desc(t, len(out), 76 + len(b)) + b
        sec_off = len(out)
        data = b"".join(c for c, _ in mine)
        out += desc(b"sectors", sec_off, 76 + len(data))
        base = sec_off if based else 0
        entries = []
        for c, comp in mine:
            entries.append((len(out) - base) | (0x80000000 if comp else 0))
            out += c
        tb = table_body(entries, base)
        for t in (b"table", b"table2"):
            out += desc(t, len(out), 76 + len(tb)) + tb
        if k + 1 < parts:
            out += desc(b"next", len(out), 0, len(out))
        else:
            for t, _, b in tail:
                out += desc(t, len(out), 76 + len(b)) + b
            out += desc(b"done", len(out), 0, len(out))
        segs.append(bytes(out))
    return segs


def acquire(work, name, src, fmt, comp, extra=()):
    """Run ewfacquire; return the bytes of NAME.E01."""
    cmd = ["ewfacquire", "-u", "-q", "-t", os.path.join(work, name), "-f", fmt,
           "-c", comp, "-b", "16", "-S", "1MiB", "-C", "CASE-20", "-E", "EV-1",
           "-D", "seed " + name, "-e", "fuzz", "-N", "notes", *extra, src]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(work, name + ".E01"), "rb") as f:
        return f.read()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/ewf_reader"
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        # 3 chunks of 8 KiB (16 sectors): zeros; 1 KiB random then zeros; a
        # short last chunk of 1536 random bytes.
        mix = os.path.join(work, "mix.raw")
        with open(mix, "wb") as f:
            f.write(bytes(8192) + rnd(1024, b"a") + bytes(7168) + rnd(1536, b"b"))
        # For the uncompressed sets (every chunk stored whole): 2 chunks.
        small = os.path.join(work, "small.raw")
        with open(small, "wb") as f:
            f.write(rnd(512, b"c") + bytes(7680) + rnd(512, b"d"))
        seeds = {}
        sha1 = ["-d", "sha1"]
        for fmt in ("encase6", "ftk", "encase5", "linen6"):
            for level in ("fast", "best"):
                seeds[f"{fmt}-{level}"] = [acquire(work, f"{fmt}-{level}", mix, fmt, "deflate:" + level, sha1)]
            seeds[f"{fmt}-none"] = [acquire(work, f"{fmt}-none", small, fmt, "deflate:none", sha1)]
        seeds["encase6-empty-block"] = [acquire(work, "e6-eb", mix, "encase6", "deflate:empty-block")]
        seeds["encase6-md5-only"] = [acquire(work, "e6-md5", mix, "encase6", "deflate:fast")]
        cp = ["-A", "windows-1252", "-C", "Caf\u00e9-1", "-E", "Ev\u20ac", "-e", "J\u00fcrgen", *sha1]
        seeds["encase6-cp1252"] = [acquire(work, "e6-cp", mix, "encase6", "deflate:fast", cp)]
        seeds["ftk-cp1252"] = [acquire(work, "ftk-cp", mix, "ftk", "deflate:fast", cp)]
        for name, parts in (("encase6-fast", 3), ("encase6-none", 2), ("ftk-fast", 2),
                            ("encase5-best", 3), ("linen6-fast", 3), ("ftk-none", 2)):
            seeds[f"{name}-{parts}seg"] = resegment(seeds[name][0], parts)
        for name, segs in sorted(seeds.items()):
            with open(os.path.join(out, name + ".E01s"), "wb") as f:
                f.write(b"".join(segs))
            if len(segs) > 1:  # also as files, for checking with ewfverify
                for i, s in enumerate(segs):
                    with open(os.path.join(work, f"{name}.E{i + 1:02}"), "wb") as f:
                        f.write(s)
                r = subprocess.run(["ewfverify", "-q", os.path.join(work, name + ".E01")],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"ewfverify refuses the re-laid {name}: {r.stdout}{r.stderr}")
    print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    main()
