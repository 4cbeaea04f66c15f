#!/usr/bin/env python3
"""Build the hostile bundle corpus (see README.md next to this script).

Usage: python3 testdata/hostile/make.py [OUTDIR]   (default: this directory)

Every file starts from the entries of testdata/bundles/good.zip (a real
sealed bundle, signed by the test examiner) and adds or changes exactly one
hostile thing, so that verify and ingest refuse it for that reason and not
an unrelated one. The zip structures are written by hand (zipfile refuses
most of them), and the deflate streams too, so that the output is the same
bytes on every machine whatever zlib it has: standard library only, no
randomness, no clock.

The tests (tests/cli/hostile.rs) regenerate the corpus into a temporary
directory and compare bytes, so the committed files cannot drift from this
script; they also check that the writer below reproduces good.zip exactly.
"""

import os
import struct
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = os.path.join(HERE, "..", "bundles", "good.zip")

GIB = 1 << 30
MIB = 1 << 20
S_IFREG = 0o100644 << 16
S_IFLNK = 0o120777 << 16


# ---------------------------------------------------------------- deflate


class Bits:
    """An LSB-first bit writer (RFC 1951 section 3.1.1)."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, nbits):
        self.acc |= value << self.n
        self.n += nbits
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def huff(self, code, length):
        """A Huffman code, which is packed starting with its MSB."""
        self.put(int(format(code, "0%db" % length)[::-1], 2), length)

    def align(self):
        if self.n:
            self.put(0, 8 - self.n)


def run_stream(prefix, fill, total):
    """A raw deflate stream of `prefix` followed by `fill` bytes up to
    `total` bytes: the prefix in stored blocks, then one dynamic block whose
    Huffman codes give a 258-byte copy 2 bits (the best ratio deflate has,
    1032:1). Hand-made so that the bytes never depend on a zlib version."""
    assert total > len(prefix)
    b = Bits()
    for i in range(0, len(prefix), 65535):
        chunk = prefix[i : i + 65535]
        b.put(0, 1)  # BFINAL 0
        b.put(0, 2)  # stored
        b.align()
        b.out += struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF)
        b.out += chunk
    b.put(1, 1)  # BFINAL 1
    b.put(2, 2)  # dynamic Huffman
    b.put(286 - 257, 5)  # HLIT: literal/length codes up to 285
    b.put(2 - 1, 5)  # HDIST: two distance codes (0 and 1)
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]
    b.put(len(order) - 4, 4)  # HCLEN
    # Code length code: 18 (a run of zeros) is "0", 1 is "10", 2 is "11".
    cl_len = {18: 1, 1: 2, 2: 2}
    cl_code = {18: (0, 1), 1: (2, 2), 2: (3, 2)}
    for sym in order:
        b.put(cl_len.get(sym, 0), 3)
    # Literal/length code: 285 (copy 258) is "0", the fill byte "10",
    # end of block "11". Distance code: 0 (distance 1) is "0", 1 is "1".
    lengths = [0] * 288
    lengths[fill] = 2
    lengths[256] = 2
    lengths[285] = 1
    lengths[286] = 1
    lengths[287] = 1
    i = 0
    while i < len(lengths):
        if lengths[i]:
            b.huff(*cl_code[lengths[i]])
            i += 1
            continue
        run = 0
        while i + run < len(lengths) and lengths[i + run] == 0:
            run += 1
        while run:
            take = min(138, run)
            if 0 < run - take < 11:
                take = run - 11
            assert take >= 11
            b.huff(*cl_code[18])
            b.put(take - 11, 7)
            i += take
            run -= take
    b.huff(2, 2)  # the fill byte, once
    rest = total - len(prefix) - 1
    copies, literals = divmod(rest, 258)
    # A copy is two zero bits: write them singly up to a byte boundary,
    # then four at a time as zero bytes.
    while copies and b.n:
        b.put(0, 2)
        copies -= 1
    b.out += bytes(copies // 4)
    for _ in range(copies % 4):
        b.put(0, 2)
    for _ in range(literals):
        b.huff(2, 2)
    b.huff(3, 2)  # end of block
    b.align()
    return bytes(b.out)


def run_crc(prefix, fill, total):
    crc = zlib.crc32(prefix)
    left = total - len(prefix)
    chunk = bytes([fill]) * min(left, 16 * MIB)
    while left:
        n = min(left, len(chunk))
        crc = zlib.crc32(chunk[:n], crc)
        left -= n
    return crc


# ---------------------------------------------------------------- zip


class E:
    """One zip entry as it will be written (`data` is the bytes in the
    file, already compressed for method 8)."""

    def __init__(self, name, data, method=0, crc=None, size=None, attrs=S_IFREG):
        self.name = name if isinstance(name, bytes) else name.encode()
        self.data = data
        self.method = method
        self.crc = zlib.crc32(data) if crc is None else crc
        self.size = len(data) if size is None else size
        self.csize = len(data)
        self.attrs = attrs
        self.offset = None
        # What only some cases change: flags, the local header's CRC-32, a
        # central extra field.
        self.flags = 0x0800
        self.local_crc = None
        self.cextra = b""

    def sizes(self):
        """32-bit size fields and the ZIP64 extra (local header form)."""
        big = self.size >= 0xFFFFFFFF or self.csize >= 0xFFFFFFFF
        if not big:
            return self.csize, self.size, b""
        extra = struct.pack("<HHQQ", 1, 16, self.size, self.csize)
        return 0xFFFFFFFF, 0xFFFFFFFF, extra

    def local(self, dos):
        csize, size, extra = self.sizes()
        version = 45 if extra else 20
        return (
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                version,
                self.flags,
                self.method,
                dos[0],
                dos[1],
                self.crc if self.local_crc is None else self.local_crc,
                csize,
                size,
                len(self.name),
                len(extra),
            )
            + self.name
            + extra
        )

    def central(self, dos):
        csize, size, extra = self.sizes()
        version = 45 if extra else 20
        extra += self.cextra
        return (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | 45,
                version,
                self.flags,
                self.method,
                dos[0],
                dos[1],
                self.crc,
                csize,
                size,
                len(self.name),
                len(extra),
                0,
                0,
                0,
                self.attrs,
                self.offset,
            )
            + self.name
            + extra
        )


def assemble(entries, dos, central_only=()):
    """Local entries in order, then the central directory of `entries` plus
    `central_only` (entries whose `offset` was set by the caller: headers
    that point into other entries' data)."""
    out = bytearray()
    for e in entries:
        e.offset = len(out)
        out += e.local(dos) + e.data
    cd_offset = len(out)
    listed = list(entries) + list(central_only)
    for e in listed:
        out += e.central(dos)
    cd_size = len(out) - cd_offset
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(listed), len(listed), cd_size, cd_offset, 0
    )
    return bytes(out)


def data_offset(e):
    return e.offset + 30 + len(e.name) + len(e.sizes()[2])


def load_good():
    """The entries of good.zip and their DOS time and date."""
    z = zipfile.ZipFile(GOOD)
    entries = []
    dos = None
    for info in z.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        y, mo, d, h, mi, s = info.date_time
        here = ((h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d)
        assert dos in (None, here)
        dos = here
        entries.append(E(info.filename, z.read(info), attrs=info.external_attr))
    return entries, dos


def member(entries, suffix):
    for e in entries:
        if e.name.endswith(suffix.encode()):
            return e
    raise KeyError(suffix)


def eocd_at(data):
    i = data.rfind(struct.pack("<I", 0x06054B50))
    assert i >= 0
    return i


def patch(data, at, fmt, *values):
    b = bytearray(data)
    struct.pack_into(fmt, b, at, *values)
    return bytes(b)


# ---------------------------------------------------------------- cases


def with_extra(*extra):
    def make(good, dos):
        return assemble(good + list(extra), dos)

    return make


def replaced(suffix, make_entry):
    def make(good, dos):
        old = member(good, suffix)
        return assemble([make_entry(old) if e is old else e for e in good], dos)

    return make


def deflate_bomb(old):
    # a.txt declares its 6 bytes and their CRC, but its stream inflates to
    # 256 MiB of zeros.
    return E(old.name, run_stream(b"", 0, 256 * MIB), 8, old.crc, old.size)


def manifest_1gib(old):
    # The real manifest.json, then spaces up to 1 GiB: valid JSON, honest
    # sizes and CRC, about 1 MiB compressed.
    body = run_stream(old.data, 0x20, GIB)
    return E(old.name, body, 8, run_crc(old.data, 0x20, GIB), GIB)


def manifest_padded(old):
    # Just under the 128 MiB limit: read whole, it would take 120 MiB.
    n = 120 * MIB
    return E(old.name, run_stream(old.data, 0x20, n), 8, run_crc(old.data, 0x20, n), n)


def event_padded(old):
    # The seal event followed by spaces up to 60 MiB.
    n = 60 * MIB
    return E(old.name, run_stream(old.data, 0x20, n), 8, run_crc(old.data, 0x20, n), n)


def padded_keys(count, size):
    # `count` extra key files in keys/, each the bundle's public key
    # followed by spaces up to `size` bytes.
    def make(good, dos):
        key = [e for e in good if b"/keys/" in e.name][0]
        crc = run_crc(key.data, 0x20, size)
        body = run_stream(key.data, 0x20, size)
        extra = [
            E("good/keys/padding-%03d.pub" % i, body, 8, crc, size) for i in range(count)
        ]
        return assemble(good + extra, dos)

    return make


def manifest_1gib_declared(old):
    # The real manifest.json in a short stream that claims 1 GiB.
    return E(old.name, run_stream(old.data, 0x20, len(old.data) + 1), 8, old.crc, GIB)


def deep(opener, depth):
    def make(old):
        body = run_stream(b"", ord(opener), depth)
        return E(old.name, body, 8, run_crc(b"", ord(opener), depth), depth)

    return make


def size_2_63_deflate(old):
    return E(old.name, run_stream(b"", 0x20, 7), 8, old.crc, 1 << 63)


def size_2_63_stored(old):
    # Stored, both sizes 2^63 (in the ZIP64 extras of both headers).
    big = E(old.name, old.data, 0, old.crc)
    big.size = big.csize = 1 << 63
    return big


def overlapping(good, dos):
    # outer.bin's stored data is a complete local entry, inner.txt, and the
    # central directory lists both: inner's bytes are also outer's (the
    # trick of overlapping-entry zip bombs).
    inner = E("good/data/ev/inner.txt", b"inside outer.bin\n")
    inner.offset = 0
    quoted = inner.local(dos) + inner.data
    outer = E("good/data/ev/outer.bin", quoted)
    assemble(good + [outer], dos)  # lay out, to learn outer's data offset
    inner.offset = data_offset(outer)
    return assemble(good + [outer], dos, central_only=[inner])


def shared_header(good, dos):
    # A second central entry, b.txt, pointing at a.txt's local header.
    a = member(good, "data/ev/a.txt")
    twin = E("good/data/ev/b.txt", a.data)
    assemble(good, dos)
    twin.offset = a.offset
    return assemble(good, dos, central_only=[twin])


def cd_offset_past_end(good, dos):
    data = assemble(good, dos)
    return patch(data, eocd_at(data) + 16, "<I", 0x7FFFFF00)


def cd_size_past_end(good, dos):
    data = assemble(good, dos)
    i = eocd_at(data)
    cd_offset = struct.unpack_from("<I", data, i + 16)[0]
    # Pretends the directory starts earlier and is larger: it would cover
    # entry data, and its end no longer meets the end record.
    return patch(data, i + 12, "<I", len(data) - cd_offset + 1000)


def zip64_locator_outside(good, dos):
    data = assemble(good, dos)
    i = eocd_at(data)
    eocd = bytearray(data[i:])
    struct.pack_into("<HHII", eocd, 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    locator = struct.pack("<IIQI", 0x07064B50, 0, 1 << 62, 1)
    return data[:i] + locator + bytes(eocd)


def entry_offset_outside(good, dos):
    a = member(good, "data/ev/a.txt")
    data = assemble(good, dos)
    i = struct.unpack_from("<I", data, eocd_at(data) + 16)[0]
    # a.txt's central header is the first one; point it past the end.
    assert data[i + 46 : i + 46 + len(a.name)] == a.name
    return patch(data, i + 42, "<I", 0x7FFFFF00)


def unicode_path_extra(old):
    # An Info-ZIP Unicode Path field (0x7075) in a.txt's central header:
    # unzip writes a.txt's bytes as evil.txt.
    e = E(old.name, old.data)
    body = b"\x01" + struct.pack("<I", zlib.crc32(old.name)) + b"good/data/ev/evil.txt"
    e.cextra = struct.pack("<HH", 0x7075, len(body)) + body
    return e


def descriptor_flag(old):
    # Flag bit 3 (a data descriptor) in both headers, and a local CRC-32
    # that disagrees: the comparison must not be skipped.
    e = E(old.name, old.data)
    e.flags = 0x0808
    e.local_crc = 0xDEADBEEF
    return e


def hidden_in_gap(good, dos):
    # A whole local entry between the last entry and the central
    # directory, which lists it nowhere.
    data = assemble(good, dos)
    i = eocd_at(data)
    cd_offset = struct.unpack_from("<I", data, i + 16)[0]
    hidden = E("good/data/ev/hidden.txt", b"nobody verified this\n")
    blob = hidden.local(dos) + hidden.data
    data = data[:cd_offset] + blob + data[cd_offset:]
    return patch(data, i + len(blob) + 16, "<I", cd_offset + len(blob))


CASES = [
    (
        "zip_slip.zip",
        with_extra(
            E("../../../../../../tmp/evidentia-hostile-slip.txt", b"slip\n"),
            E("good/data/../../../evidentia-hostile-slip.txt", b"slip\n"),
            E("..\\..\\evidentia-hostile-slip.txt", b"slip\n"),
        ),
    ),
    (
        "absolute_path.zip",
        with_extra(
            E("/tmp/evidentia-hostile-absolute.txt", b"absolute\n"),
            E("C:/evidentia-hostile-absolute.txt", b"absolute\n"),
        ),
    ),
    (
        "symlink.zip",
        with_extra(E("good/data/ev/link", b"../../../../../etc/passwd", attrs=S_IFLNK)),
    ),
    ("duplicate.zip", with_extra(E("good/data/ev/a.txt", b"evil\n"))),
    ("case_collision.zip", with_extra(E("good/data/ev/A.TXT", b"evil\n"))),
    ("nul_name.zip", with_extra(E(b"good/data/ev/a.txt\x00.exe", b"evil\n"))),
    (
        "control_name.zip",
        with_extra(E(b"good/data/ev/\x1b]0;pwned\x07\x1b[2J\x1b[31mx.txt", b"evil\n")),
    ),
    ("non_utf8_name.zip", with_extra(E(b"good/data/ev/\xff\xfe.txt", b"evil\n"))),
    ("deflate_bomb.zip", replaced("data/ev/a.txt", deflate_bomb)),
    ("size_2_63_deflate.zip", replaced("data/ev/a.txt", size_2_63_deflate)),
    ("size_2_63_stored.zip", replaced("data/ev/a.txt", size_2_63_stored)),
    ("overlapping.zip", overlapping),
    ("shared_header.zip", shared_header),
    ("manifest_1gib.zip", replaced("evidentia/manifest.json", manifest_1gib)),
    ("manifest_padded.zip", replaced("evidentia/manifest.json", manifest_padded)),
    ("event_padded.zip", replaced("custody/000001-seal.json", event_padded)),
    ("keys_padded.zip", padded_keys(2, 64 * MIB)),
    ("keys_many.zip", padded_keys(300, 64 * 1024)),
    (
        "manifest_1gib_declared.zip",
        replaced("evidentia/manifest.json", manifest_1gib_declared),
    ),
    ("deep_json.zip", replaced("evidentia/manifest.json", deep("[", 1 * MIB))),
    ("deep_json_event.zip", replaced("custody/000001-seal.json", deep("[", 100_000))),
    ("cd_offset_past_end.zip", cd_offset_past_end),
    ("cd_size_past_end.zip", cd_size_past_end),
    ("zip64_locator_outside.zip", zip64_locator_outside),
    ("entry_offset_outside.zip", entry_offset_outside),
    ("directory_with_data.zip", with_extra(E("good/data/ev/dir/", b"hidden\n"))),
    ("unicode_path_extra.zip", replaced("data/ev/a.txt", unicode_path_extra)),
    ("descriptor_flag.zip", replaced("data/ev/a.txt", descriptor_flag)),
    ("hidden_in_gap.zip", hidden_in_gap),
    ("windows_name.zip", with_extra(E("good/data/ev/NUL.txt", b"evil\n"))),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    os.makedirs(out, exist_ok=True)
    good, dos = load_good()
    with open(GOOD, "rb") as f:
        # The writer must reproduce the real bundle exactly, or the cases
        # below would differ from it in more than their hostile part.
        assert assemble(good, dos) == f.read(), "writer does not reproduce good.zip"
    for name, make in CASES:
        entries, dos = load_good()
        data = make(entries, dos)
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
