#!/usr/bin/env python3
"""Rewrite a little-endian classic pcap (microsecond magic) as the same
file in big-endian byte order: every header field byte-swapped, packet
bytes unchanged. No capture tool on Linux/x86 writes one, but SPARC and
old PowerPC machines did, and readers must take both."""
import struct, sys

src = open(sys.argv[1], "rb").read()
magic, vmaj, vmin, zone, sigfigs, snap, link = struct.unpack_from("<IHHiIII", src, 0)
assert magic == 0xA1B2C3D4, "expected a little-endian microsecond pcap"
out = bytearray(struct.pack(">IHHiIII", magic, vmaj, vmin, zone, sigfigs, snap, link))
off = 24
while off < len(src):
    sec, frac, incl, orig = struct.unpack_from("<IIII", src, off)
    out += struct.pack(">IIII", sec, frac, incl, orig)
    out += src[off + 16: off + 16 + incl]
    off += 16 + incl
open(sys.argv[2], "wb").write(out)
