#!/usr/bin/env python3
"""Regenerate testdata/sample-evidence/ (deterministic; fictitious)."""
import hashlib
import os

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample-evidence")
os.makedirs(os.path.join(here, "notes"), exist_ok=True)
img = bytearray()
block = b"evidentia sample evidence v1"
while len(img) < 256 * 1024:
    block = hashlib.sha256(block).digest()
    img += block
img = img[:256 * 1024]
img[510:512] = b"\x55\xaa"  # a boot sector signature
msg = b"INVOICE 2026-0042 transfer to account DE00 0000 0000 0000 (sample)"
img[4096:4096 + len(msg)] = msg
with open(os.path.join(here, "usb-stick.dd"), "wb") as f:
    f.write(bytes(img))
with open(os.path.join(here, "notes", "seizure-log.txt"), "w") as f:
    f.write("Seizure log (sample, fictitious)\n"
            "Case: SAMPLE-2026-001\n"
            "Item 1: USB stick, 256 KiB (reduced sample), seized 2026-11-02 09:14 CET\n"
            "Examiner: A. Example, Sample Police Cyber Unit\n")
with open(os.path.join(here, "notes", "photo-0001.txt"), "w") as f:
    f.write("Placeholder for a scene photograph (sample).\n")
