//! Proportional disclosure (docs/formats/manifest.md, "The disclosure
//! commitment"): a Merkle tree over the bundle's per-file records, salted
//! per file, whose root the seal event signs. Disclosing a file later means
//! giving its record, its salt and its audit path; the other files stay
//! hidden (only their count is known).
//!
//! - A leaf is `SHA-256(0x00 || leaf_bytes)`; `leaf_bytes` is a sequence
//!   of fields, each a 4-byte big-endian length and the bytes, starting with
//!   [`LEAF_DOMAIN`].
//! - An inner node is `SHA-256(0x01 || left || right)`; the tree is
//!   RFC 9162's (Certificate Transparency): the left subtree of `n` leaves
//!   holds the largest power of two below `n`, so an odd node is carried up
//!   unchanged, never duplicated.
//! - Leaves are sorted by their hash value (bytes, ascending), not by
//!   path: a disclosed file's index then says nothing about the names of
//!   the files withheld (in path order it would say how many sort before
//!   it). Salted leaf hashes are unpredictable, so their order is too.
//!
//! Salts are derived, never drawn: a secret only the signer can compute
//! (a hash of a deterministic Ed25519 signature over
//! [`secret_message`]), then `HMAC-SHA256(secret, SALT_DOMAIN || path)`
//! per file, so `seal` stays reproducible and an undisclosed file's hash
//! cannot be confirmed by guessing its contents.
//!
//! Nothing here touches the file system.

use super::FileEntry;
use crate::hash::to_hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The scheme named in a [`Commitment`].
pub const DISCLOSURE_SCHEME: &str = "evidentia/disclosure/v1";
/// The first field of every leaf.
pub const LEAF_DOMAIN: &[u8] = b"evidentia/disclosure-leaf/v1";
/// What the signer signs to derive the salt secret (then the bundle id).
pub const SECRET_DOMAIN: &[u8] = b"evidentia/disclosure-secret/v1\0";
/// What each salt's HMAC starts with (then the bag path).
pub const SALT_DOMAIN: &[u8] = b"evidentia/disclosure-salt/v1\0";
/// The type of `provenance/proofs.json`.
pub const PROOFS_TYPE: &str = "evidentia/disclosure-proofs/v1";
/// The longest audit path a tree of 2^64 leaves can need.
pub const MAX_AUDIT_PATH: usize = 64;
/// The largest `provenance/proofs.json` read (a million proofs of 64 hops
/// would be far more; a disclosure of 100,000 files fits).
pub const MAX_PROOFS_FILE: u64 = 256 << 20;

/// The digests a leaf carries, in this order, when the record has them.
pub const LEAF_DIGESTS: [&str; 5] = ["sha256", "blake3", "sha512", "sha1", "md5"];

/// The signed commitment in a seal event (`disclosure`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// Always [`DISCLOSURE_SCHEME`].
    pub scheme: String,
    /// How many files (leaves) the tree holds.
    pub leaves: u64,
    /// The Merkle root, hex.
    pub root: String,
}

/// In a derived bundle's seal event: the bundle it was exported from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedFrom {
    /// The original bundle's id.
    pub bundle_id: String,
    /// The original's custody head when the export was made (before the
    /// `export` event it then received).
    pub custody_head: String,
    /// SHA-256 of the original's seal event file (`provenance/seal.json`).
    pub seal_sha256: String,
    /// How many files were disclosed.
    pub files: u64,
    /// [`selection_sha256`] of the disclosed bag paths.
    pub selection_sha256: String,
    /// Whether an `export` event was appended to the original.
    pub recorded_at_source: bool,
    /// Whether the original's whole manifest.json goes along (an original
    /// without a commitment, exported with `--reveal-manifest`).
    pub manifest_revealed: bool,
}

/// In an original's `export` event: the bundle that left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedTo {
    /// The derived bundle's id.
    pub bundle_id: String,
    /// The derived bundle's custody head (its seal event's SHA-256).
    pub custody_head: String,
    /// How many files were disclosed.
    pub files: u64,
    /// [`selection_sha256`] of the disclosed bag paths.
    pub selection_sha256: String,
}

/// The message whose deterministic Ed25519 signature seeds the salts.
pub fn secret_message(bundle_id: &str) -> Vec<u8> {
    let mut m = SECRET_DOMAIN.to_vec();
    m.extend_from_slice(bundle_id.as_bytes());
    m
}

/// The salt secret from that signature (64 bytes).
pub fn secret_from_signature(signature: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SECRET_DOMAIN);
    h.update(signature);
    h.finalize().into()
}

/// The salt of the file at `bag_path`.
pub fn salt(secret: &[u8; 32], bag_path: &str) -> [u8; 32] {
    Salter::new(secret).salt(bag_path)
}

/// The salts of one bundle: the HMAC key set up once.
#[derive(Clone)]
pub struct Salter(ring::hmac::Key);

impl std::fmt::Debug for Salter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salter(..)")
    }
}

impl Salter {
    /// The salts derived from `secret`.
    pub fn new(secret: &[u8; 32]) -> Salter {
        Salter(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret))
    }

    /// The salt of the file at `bag_path`.
    pub fn salt(&self, bag_path: &str) -> [u8; 32] {
        let mut ctx = ring::hmac::Context::with_key(&self.0);
        ctx.update(SALT_DOMAIN);
        ctx.update(bag_path.as_bytes());
        let tag = ctx.sign();
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

/// The leaf's bytes: every field length-prefixed, in a fixed order.
pub fn leaf_bytes(salt: &[u8; 32], f: &FileEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut field = |b: &[u8]| {
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
    };
    field(LEAF_DOMAIN);
    field(salt);
    field(f.path.as_bytes());
    let mut original = match &f.original {
        crate::pathrepr::PathRepr::Text(_) => b"text:".to_vec(),
        crate::pathrepr::PathRepr::Bytes(_) => b"bytes:".to_vec(),
    };
    original.extend_from_slice(f.original.as_bytes());
    field(&original);
    field(f.size.to_string().as_bytes());
    for name in LEAF_DIGESTS {
        if let Some(hex) = digest_of(f, name) {
            field(format!("{name}={hex}").as_bytes());
        }
    }
    out
}

/// The digest `name` of a record, when it has one.
pub fn digest_of<'a>(f: &'a FileEntry, name: &str) -> Option<&'a str> {
    match name {
        "sha256" => Some(&f.sha256),
        "blake3" => Some(&f.blake3),
        "sha512" => f.sha512.as_deref(),
        "sha1" => f.sha1.as_deref(),
        "md5" => f.md5.as_deref(),
        _ => None,
    }
}

/// `SHA-256(0x00 || leaf_bytes)`.
pub fn leaf_hash(salt: &[u8; 32], f: &FileEntry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf_bytes(salt, f));
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of an empty tree: SHA-256 of nothing (RFC 9162).
pub fn empty_root() -> [u8; 32] {
    Sha256::digest([]).into()
}

/// The leaves of a bundle's files, taken in any order; the tree is built
/// over them sorted by value ([`LeafSet::sorted`]). 32 bytes per file.
#[derive(Debug, Default, Clone)]
pub struct LeafSet {
    leaves: Vec<[u8; 32]>,
    sorted: bool,
}

impl LeafSet {
    /// An empty set, with room for `capacity` leaves (a hint; capped so
    /// that a hostile count cannot reserve much memory up front).
    pub fn with_capacity(capacity: u64) -> LeafSet {
        LeafSet {
            leaves: Vec::with_capacity(capacity.min(1 << 22) as usize),
            sorted: true,
        }
    }

    /// Add a leaf hash.
    pub fn push(&mut self, leaf: [u8; 32]) {
        self.sorted = self.leaves.last().is_none_or(|l| *l <= leaf) && self.sorted;
        self.leaves.push(leaf);
    }

    /// How many leaves.
    pub fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The leaves in tree order (sorted by value).
    pub fn sorted(&mut self) -> &[[u8; 32]] {
        if !self.sorted {
            self.leaves.sort_unstable();
            self.sorted = true;
        }
        &self.leaves
    }

    /// The index of `leaf` in tree order, when it is one of the leaves.
    pub fn index_of(&mut self, leaf: &[u8; 32]) -> Option<u64> {
        self.sorted().binary_search(leaf).ok().map(|i| i as u64)
    }

    /// The tree's root.
    pub fn root(&mut self) -> [u8; 32] {
        root_of(self.sorted())
    }

    /// The commitment for the seal event.
    pub fn commitment(&mut self) -> Commitment {
        Commitment {
            scheme: DISCLOSURE_SCHEME.to_string(),
            leaves: self.len(),
            root: to_hex(&self.root()),
        }
    }
}

/// The root of leaves pushed in tree order, in memory of O(log n): the
/// complete subtrees so far, as (leaf count, hash), sizes decreasing.
#[derive(Debug, Default)]
pub struct RootBuilder {
    stack: Vec<(u64, [u8; 32])>,
    leaves: u64,
}

impl RootBuilder {
    /// An empty tree.
    pub fn new() -> RootBuilder {
        RootBuilder::default()
    }

    /// Add the next leaf hash.
    pub fn push(&mut self, leaf: [u8; 32]) {
        self.leaves += 1;
        let mut cur = (1u64, leaf);
        while let Some(&(size, left)) = self.stack.last() {
            if size != cur.0 {
                break;
            }
            self.stack.pop();
            cur = (size * 2, node_hash(&left, &cur.1));
        }
        self.stack.push(cur);
    }

    /// How many leaves were pushed.
    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// The root: the complete subtrees merged right to left.
    pub fn root(&self) -> [u8; 32] {
        let mut it = self.stack.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return empty_root();
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// The root of `leaves` in the order given (RFC 9162 MTH); a bundle's
/// tree is over its leaves sorted ([`LeafSet`]).
pub fn root_of(leaves: &[[u8; 32]]) -> [u8; 32] {
    let mut b = RootBuilder::new();
    leaves.iter().for_each(|l| b.push(*l));
    b.root()
}

/// The largest power of two strictly below `n` (n >= 2): where RFC 9162
/// splits a tree of `n` leaves.
pub fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The audit path of leaf `index` among `leaves` (RFC 9162 PATH), leaf
/// side first. Empty when `index` is out of range.
pub fn audit_path(leaves: &[[u8; 32]], index: usize) -> Vec<[u8; 32]> {
    fn path(leaves: &[[u8; 32]], m: usize, out: &mut Vec<[u8; 32]>) {
        let n = leaves.len();
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            path(&leaves[..k], m, out);
            out.push(root_of(&leaves[k..]));
        } else {
            path(&leaves[k..], m - k, out);
            out.push(root_of(&leaves[..k]));
        }
    }
    let mut out = Vec::new();
    if index < leaves.len() {
        path(leaves, index, &mut out);
    }
    out
}

/// Whether `path` proves `leaf` at `index` in a tree of `size` leaves with
/// `root` (RFC 9162 section 2.1.3.2): the path's length and every side are
/// fixed by `index` and `size`, so a proof cannot be moved to another
/// position or padded.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &[u8; 32],
    path: &[[u8; 32]],
    root: &[u8; 32],
) -> bool {
    if index >= size || path.len() > MAX_AUDIT_PATH {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// The SHA-256 (hex) of a selection: each disclosed bag path followed by
/// a line feed, in manifest order.
pub fn selection_sha256<'a>(paths: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for p in paths {
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    to_hex(&h.finalize())
}

/// `provenance/proofs.json` of a derived bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proofs {
    /// Always [`PROOFS_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The original bundle's id.
    pub bundle_id: String,
    /// The original tree's leaf count (the seal event's `leaves`).
    pub leaves: u64,
    /// One proof per disclosed file, sorted by path.
    pub proofs: Vec<Proof>,
}

/// The inclusion proof of one disclosed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The file's bag path (the same in the original and the export).
    pub path: String,
    /// Its leaf index in the original tree.
    pub index: u64,
    /// Its salt in the original, hex.
    pub salt: String,
    /// The audit path, leaf side first, hex.
    pub audit_path: Vec<String>,
}

impl Proofs {
    /// Parse and check the form of a proofs document: the type, 64-digit
    /// lowercase hex everywhere, indices below `leaves`, paths strictly
    /// increasing (so no file is proven twice), no audit path longer than a
    /// tree of `leaves` can need. The error names the proof and the field.
    pub fn parse(bytes: &[u8]) -> Result<Proofs, String> {
        let p: Proofs = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if p.kind != PROOFS_TYPE {
            return Err(format!("type {:?} is not {PROOFS_TYPE:?}", p.kind));
        }
        let depth = depth_of(p.leaves);
        let mut prev: Option<&str> = None;
        for (i, proof) in p.proofs.iter().enumerate() {
            let at = |what: String| format!("proof {} ({:?}): {what}", i + 1, proof.path);
            if prev.is_some_and(|q| q.as_bytes() >= proof.path.as_bytes()) {
                return Err(at(
                    "not after the proof before it (paths must be sorted and unique)".into(),
                ));
            }
            prev = Some(&proof.path);
            if proof.index >= p.leaves {
                return Err(at(format!(
                    "index {} is not below leaves {}",
                    proof.index, p.leaves
                )));
            }
            hex32(&proof.salt).map_err(|e| at(format!("salt {e}")))?;
            if proof.audit_path.len() > depth {
                return Err(at(format!(
                    "audit_path has {} hashes; a tree of {} leaves needs at most {depth}",
                    proof.audit_path.len(),
                    p.leaves
                )));
            }
            for (j, h) in proof.audit_path.iter().enumerate() {
                hex32(h).map_err(|e| at(format!("audit_path[{j}] {e}")))?;
            }
        }
        Ok(p)
    }
}

impl Proof {
    /// The salt and audit path as bytes (after [`Proofs::parse`] checked
    /// their form; a malformed value gives zeros, which proves nothing).
    pub fn decoded(&self) -> ([u8; 32], Vec<[u8; 32]>) {
        let salt = hex32(&self.salt).unwrap_or([0; 32]);
        let path = self
            .audit_path
            .iter()
            .map(|h| hex32(h).unwrap_or([0; 32]))
            .collect();
        (salt, path)
    }
}

/// The most hashes an audit path in a tree of `leaves` has: ceil(log2).
pub fn depth_of(leaves: u64) -> usize {
    if leaves <= 1 {
        0
    } else {
        (64 - (leaves - 1).leading_zeros()) as usize
    }
}

/// 64 lowercase hex digits as bytes.
pub fn hex32(s: &str) -> Result<[u8; 32], String> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!("{s:?} is not 64 lowercase hex digits"));
    }
    let bytes = crate::hash::from_hex(s).unwrap_or_default();
    bytes
        .try_into()
        .map_err(|_| format!("{s:?} is not 64 lowercase hex digits"))
}

#[cfg(test)]
mod tests;
