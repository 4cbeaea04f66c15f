//! One running hash computation of any supported algorithm.

use super::{Algorithm, Digest};
use sha2::Digest as _;

/// The running state of one algorithm. SHA-1 and SHA-256 pick their
/// SHA-NI code paths at run time (inside the `sha1` and `sha2` crates).
#[derive(Clone)]
pub enum HasherState {
    /// MD5 state.
    Md5(md5::Md5),
    /// SHA-1 state.
    Sha1(sha1::Sha1),
    /// SHA-256 state.
    Sha256(sha2::Sha256),
    /// SHA-512 state.
    Sha512(sha2::Sha512),
    /// BLAKE3 state (boxed: it is large).
    Blake3(Box<blake3::Hasher>),
}

impl HasherState {
    /// A fresh state for `algorithm`.
    pub fn new(algorithm: Algorithm) -> HasherState {
        match algorithm {
            Algorithm::Md5 => HasherState::Md5(md5::Md5::new()),
            Algorithm::Sha1 => HasherState::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => HasherState::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => HasherState::Sha512(sha2::Sha512::new()),
            Algorithm::Blake3 => HasherState::Blake3(Box::new(blake3::Hasher::new())),
        }
    }

    /// The algorithm this state computes.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            HasherState::Md5(_) => Algorithm::Md5,
            HasherState::Sha1(_) => Algorithm::Sha1,
            HasherState::Sha256(_) => Algorithm::Sha256,
            HasherState::Sha512(_) => Algorithm::Sha512,
            HasherState::Blake3(_) => Algorithm::Blake3,
        }
    }

    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            HasherState::Md5(h) => h.update(data),
            HasherState::Sha1(h) => h.update(data),
            HasherState::Sha256(h) => h.update(data),
            HasherState::Sha512(h) => h.update(data),
            HasherState::Blake3(h) => {
                h.update(data);
            }
        }
    }

    /// Finish and return the digest.
    pub fn finalize(self) -> Digest {
        let algorithm = self.algorithm();
        let bytes = match self {
            HasherState::Md5(h) => h.finalize().to_vec(),
            HasherState::Sha1(h) => h.finalize().to_vec(),
            HasherState::Sha256(h) => h.finalize().to_vec(),
            HasherState::Sha512(h) => h.finalize().to_vec(),
            HasherState::Blake3(h) => h.finalize().as_bytes().to_vec(),
        };
        Digest { algorithm, bytes }
    }
}

impl std::fmt::Debug for HasherState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HasherState({})", self.algorithm())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(algo: Algorithm, data: &[u8]) -> String {
        let mut s = HasherState::new(algo);
        s.update(data);
        s.finalize().hex()
    }

    #[test]
    fn known_vectors_abc() {
        assert_eq!(
            hex_of(Algorithm::Md5, b"abc"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            hex_of(Algorithm::Sha1, b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex_of(Algorithm::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex_of(Algorithm::Sha512, b"abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        assert_eq!(
            hex_of(Algorithm::Blake3, b""),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }
}
