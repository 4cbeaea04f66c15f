//! Hashing: the algorithms evidentia computes, and the one-pass engine that
//! feeds every requested algorithm from a single read of the input (one
//! stream, or a series of them: [`SeriesHasher`]).
//!
//! Invariants:
//! - Every algorithm sees exactly the same bytes in the same order; one read
//!   pass serves them all (see `engine.rs`).
//! - Memory is bounded by the block size times a small fixed number of
//!   in-flight blocks, whatever the input size.
//! - This module never prints and never touches the file system by name: it
//!   hashes readers handed to it.

mod engine;
mod pace;
mod piece;
mod series;
mod state;

pub use engine::{
    BUFFER_ALIGN, DEFAULT_BLOCK_SIZE, HashOptions, HashResult, MultiHasher, PoolBuf, Stage,
    hash_bytes, hash_reader,
};
pub use piece::{MIN_TREE_PIECE, Piece, PieceAlgorithm, PieceHasher, Pieces};
pub use series::SeriesHasher;
pub use state::HasherState;

use std::fmt;
use std::str::FromStr;

/// A hash algorithm, named the way users type it (`sha256`, `blake3`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// MD5 (RFC 1321). Broken for collisions; offered only for labs that still
    /// require it next to a strong hash.
    Md5,
    /// SHA-1 (FIPS 180-4). Broken for collisions; same caveat as MD5.
    Sha1,
    /// SHA-256 (FIPS 180-4). The primary evidence hash.
    Sha256,
    /// SHA-512 (FIPS 180-4).
    Sha512,
    /// BLAKE3, the fast second hash.
    Blake3,
}

impl Algorithm {
    /// Every algorithm, in canonical order (the order of output columns).
    pub const ALL: [Algorithm; 5] = [
        Algorithm::Md5,
        Algorithm::Sha1,
        Algorithm::Sha256,
        Algorithm::Sha512,
        Algorithm::Blake3,
    ];

    /// The lower-case name users type (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "md5",
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
            Algorithm::Blake3 => "blake3",
        }
    }

    /// The tag used in BSD-style tagged lines (`SHA256 (path) = hex`), the
    /// same spelling as GNU coreutils `--tag`.
    pub fn tag(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
            Algorithm::Blake3 => "BLAKE3",
        }
    }

    /// Length of the digest in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::Md5 => 16,
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 | Algorithm::Blake3 => 32,
            Algorithm::Sha512 => 64,
        }
    }

    /// Parse a tag as written in tagged lines (`SHA256`, `BLAKE3`, also
    /// `SHA2-256`-less plain spellings in either case).
    pub fn from_tag(tag: &str) -> Option<Algorithm> {
        tag.to_ascii_lowercase().parse().ok()
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An algorithm name that evidentia does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hash algorithm {name:?} (known: md5, sha1, sha256, sha512, blake3)")]
pub struct UnknownAlgorithm {
    /// The name as given.
    pub name: String,
}

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md5" => Ok(Algorithm::Md5),
            "sha1" | "sha-1" => Ok(Algorithm::Sha1),
            "sha256" | "sha-256" => Ok(Algorithm::Sha256),
            "sha512" | "sha-512" => Ok(Algorithm::Sha512),
            "blake3" | "b3" => Ok(Algorithm::Blake3),
            _ => Err(UnknownAlgorithm {
                name: s.to_string(),
            }),
        }
    }
}

/// A non-empty set of algorithms, kept in canonical order without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmSet(Vec<Algorithm>);

impl AlgorithmSet {
    /// Build a set; duplicates collapse, order becomes canonical. `None` when
    /// the input is empty.
    pub fn new(algos: impl IntoIterator<Item = Algorithm>) -> Option<AlgorithmSet> {
        let mut v: Vec<Algorithm> = algos.into_iter().collect();
        v.sort();
        v.dedup();
        if v.is_empty() {
            None
        } else {
            Some(AlgorithmSet(v))
        }
    }

    /// The default set: SHA-256 and BLAKE3.
    pub fn default_set() -> AlgorithmSet {
        AlgorithmSet(vec![Algorithm::Sha256, Algorithm::Blake3])
    }

    /// Parse a comma-separated list such as `sha256,blake3`.
    pub fn parse_list(list: &str) -> Result<AlgorithmSet, UnknownAlgorithm> {
        let algos = list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Algorithm>, _>>()?;
        AlgorithmSet::new(algos).ok_or(UnknownAlgorithm {
            name: list.to_string(),
        })
    }

    /// The algorithms in canonical order.
    pub fn as_slice(&self) -> &[Algorithm] {
        &self.0
    }

    /// Whether the set holds `algo`.
    pub fn contains(&self, algo: Algorithm) -> bool {
        self.0.contains(&algo)
    }

    /// Number of algorithms (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a set holds at least one algorithm.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Default for AlgorithmSet {
    fn default() -> Self {
        AlgorithmSet::default_set()
    }
}

/// A computed digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The algorithm that produced it.
    pub algorithm: Algorithm,
    /// The raw digest bytes.
    pub bytes: Vec<u8>,
}

impl Digest {
    /// Lower-case hexadecimal, as every peer tool prints it.
    pub fn hex(&self) -> String {
        to_hex(&self.bytes)
    }
}

/// Lower-case hexadecimal encoding.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    s
}

/// Decode hexadecimal in either case; `None` on odd length or a non-hex digit.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    b.chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_order() {
        let set = AlgorithmSet::parse_list("blake3, SHA256,md5,sha256").unwrap();
        assert_eq!(
            set.as_slice(),
            &[Algorithm::Md5, Algorithm::Sha256, Algorithm::Blake3]
        );
        assert!(AlgorithmSet::parse_list("sha3").is_err());
        assert!(AlgorithmSet::parse_list(",").is_err());
    }

    #[test]
    fn hex_roundtrip() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(to_hex(&bytes), "0001abff");
        assert_eq!(from_hex("0001ABff").unwrap(), bytes);
        assert!(from_hex("abc").is_none());
        assert!(from_hex("zz").is_none());
    }
}
