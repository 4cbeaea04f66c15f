#!/usr/bin/env python3
"""Check the inclusion proofs of an evidentia derived bundle, without evidentia.
Usage: python3 check-disclosure.py SUB.zip  (Python 3.11 or later)  (docs/formats/manifest.md, "The disclosure
commitment"; signatures are checked with minisign: docs/verify-without-evidentia.md)"""
import base64, hashlib, json, sys, zipfile

def H(b): return hashlib.sha256(b).digest()
def field(b): return len(b).to_bytes(4, "big") + b

def leaf(salt, f):
    o = f["original"]
    orig = b"text:" + o["text"].encode() if "text" in o else b"bytes:" + base64.b64decode(o["bytes"])
    parts = [b"evidentia/disclosure-leaf/v1", salt, f["path"].encode(), orig, str(f["size"]).encode()]
    parts += [f"{a}={f[a]}".encode() for a in ("sha256", "blake3", "sha512", "sha1", "md5") if a in f]
    return H(b"\x00" + b"".join(map(field, parts)))

def included(index, size, r, path, root):  # RFC 9162, section 2.1.3.2
    if index >= size: return False
    fn, sn = index, size - 1
    for p in path:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = H(b"\x01" + p + r)
            while not fn & 1 and fn: fn, sn = fn >> 1, sn >> 1
        else: r = H(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root

z = zipfile.ZipFile(sys.argv[1]); bag = z.namelist()[0].split("/")[0]
read = lambda name: z.read(f"{bag}/{name}")
seal, proofs = json.loads(read("provenance/seal.json")), json.loads(read("provenance/proofs.json"))
files = {f["path"]: f for f in json.loads(read("evidentia/manifest.json"))["files"]}
c, ok = seal["disclosure"], proofs["bundle_id"] == seal["bundle_id"] and proofs["leaves"] == seal["disclosure"]["leaves"]
for p in proofs["proofs"]:
    f = files.pop(p["path"], None)
    good = f is not None and hashlib.file_digest(z.open(f"{bag}/{p['path']}"), "sha256").hexdigest() == f["sha256"] and included(
        p["index"], c["leaves"], leaf(bytes.fromhex(p["salt"]), f), [bytes.fromhex(h) for h in p["audit_path"]], bytes.fromhex(c["root"]))
    print(("proven  " if good else "FAILED  ") + p["path"]); ok = ok and good
print(f"{len(proofs['proofs'])} of {c['leaves']} files of bundle {seal['bundle_id']}: " + ("all proven" if ok and not files else "NOT PROVEN"))
sys.exit(0 if ok and not files else 1)
