//! Piecewise hashes over fixed windows of a stream, so that damage found
//! later can be located to a window instead of "somewhere in 2 TB".
//!
//! Two kinds:
//! - [`PieceAlgorithm::Sha256`]: each window hashed on its own, as if it
//!   were a file (what `sha256sum` prints for `dd bs=SIZE skip=K count=1`).
//!   Acquisition records, `hash --piece` and schema v1 bundles use it.
//! - [`PieceAlgorithm::Blake3Tree`]: each window's chaining value as a
//!   subtree of the whole stream's BLAKE3 tree (BLAKE3 paper, section 2.1:
//!   the window's chunks hashed with their position in the stream, the
//!   subtree closed without the root flag). The window size is a power of
//!   two of at least one BLAKE3 chunk, so each window is a whole subtree,
//!   and the stream's ordinary BLAKE3 hash (what `b3sum` prints) follows
//!   from the windows' values by merging them up the tree: one BLAKE3
//!   pass gives both. Bundles (manifest.json schema v2) use it.

use super::{Algorithm, HasherState};
use blake3::hazmat::{HasherExt, Mode, merge_subtrees_non_root, merge_subtrees_root};

/// The smallest window of [`PieceAlgorithm::Blake3Tree`] (four BLAKE3
/// chunks).
pub const MIN_TREE_PIECE: u64 = 4096;

/// How each window is hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceAlgorithm {
    /// SHA-256 of the window alone.
    Sha256,
    /// The window's BLAKE3 chaining value as a subtree of the stream.
    Blake3Tree,
}

impl PieceAlgorithm {
    /// The name in documents (`sha256`, `blake3-tree`).
    pub fn name(self) -> &'static str {
        match self {
            PieceAlgorithm::Sha256 => "sha256",
            PieceAlgorithm::Blake3Tree => "blake3-tree",
        }
    }

    /// Whether windows of `size` bytes can be hashed this way: any
    /// non-zero size for SHA-256; for the tree a power of two of at least
    /// [`MIN_TREE_PIECE`] (a whole BLAKE3 subtree, and not millions of
    /// windows per GiB).
    pub fn allows(self, size: u64) -> bool {
        match self {
            PieceAlgorithm::Sha256 => size > 0,
            PieceAlgorithm::Blake3Tree => size.is_power_of_two() && size >= MIN_TREE_PIECE,
        }
    }
}

/// One window of a piecewise hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Byte offset of the window's first byte.
    pub offset: u64,
    /// Length of the window (the last one may be shorter).
    pub len: u64,
    /// The digest (or chaining value) of the window's bytes.
    pub digest: Vec<u8>,
}

/// The piecewise hashes of a whole stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    /// The window size used.
    pub size: u64,
    /// How every window was hashed.
    pub algorithm: PieceAlgorithm,
    /// The windows in order; an empty stream has none.
    pub pieces: Vec<Piece>,
    /// For [`PieceAlgorithm::Blake3Tree`]: the BLAKE3 hash of the whole
    /// stream, from the windows.
    pub blake3: Option<Vec<u8>>,
}

/// The window being hashed.
#[derive(Debug)]
enum Window {
    Sha(Box<HasherState>),
    Tree(Box<blake3::Hasher>),
}

/// Computes one digest per fixed-size window as bytes stream through.
#[derive(Debug)]
pub struct PieceHasher {
    size: u64,
    algorithm: PieceAlgorithm,
    offset: u64,
    filled: u64,
    current: Window,
    done: Vec<Piece>,
    /// The first window's hasher: if the stream is exactly one window
    /// long, the whole hash is its root hash.
    first: Option<Box<blake3::Hasher>>,
}

impl PieceHasher {
    /// The window hash.
    pub fn algorithm(&self) -> PieceAlgorithm {
        self.algorithm
    }

    /// A hasher of `algorithm` with windows of `size` bytes.
    ///
    /// # Panics
    /// When `algorithm` does not allow `size` ([`PieceAlgorithm::allows`]);
    /// callers check sizes that come from outside.
    pub fn new(size: u64, algorithm: PieceAlgorithm) -> PieceHasher {
        assert!(
            algorithm.allows(size),
            "piece size {size} is not allowed for {}",
            algorithm.name()
        );
        PieceHasher {
            size,
            algorithm,
            offset: 0,
            filled: 0,
            current: Self::window(algorithm, 0),
            done: Vec::new(),
            first: None,
        }
    }

    fn window(algorithm: PieceAlgorithm, offset: u64) -> Window {
        match algorithm {
            PieceAlgorithm::Sha256 => Window::Sha(Box::new(HasherState::new(Algorithm::Sha256))),
            PieceAlgorithm::Blake3Tree => {
                let mut h = blake3::Hasher::new();
                h.set_input_offset(offset);
                Window::Tree(Box::new(h))
            }
        }
    }

    /// Feed bytes; windows are closed as they fill.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = self.size - self.filled;
            let take = room.min(data.len() as u64) as usize;
            match &mut self.current {
                Window::Sha(h) => h.update(&data[..take]),
                Window::Tree(h) => {
                    h.update(&data[..take]);
                }
            }
            self.filled += take as u64;
            data = &data[take..];
            if self.filled == self.size {
                self.close();
            }
        }
    }

    fn close(&mut self) {
        // After a short (last) window nothing more comes; its successor
        // is never used, and a tree window must start on a chunk.
        let next_at = if self.filled == self.size {
            self.offset + self.filled
        } else {
            0
        };
        let next = Self::window(self.algorithm, next_at);
        let digest = match std::mem::replace(&mut self.current, next) {
            Window::Sha(h) => h.finalize().bytes,
            Window::Tree(h) => {
                let cv = h.finalize_non_root().to_vec();
                if self.offset == 0 {
                    self.first = Some(h);
                }
                cv
            }
        };
        self.done.push(Piece {
            offset: self.offset,
            len: self.filled,
            digest,
        });
        self.offset += self.filled;
        self.filled = 0;
    }

    /// Close the last partial window and return every window (and, for
    /// the tree, the whole stream's BLAKE3).
    pub fn finalize(mut self) -> Pieces {
        // A stream of at most one window: its BLAKE3 is that window's
        // root hash (an empty stream's too).
        let one_window = match (&self.current, self.done.len(), self.filled) {
            (Window::Tree(h), 0, _) => Some(*h.finalize().as_bytes()),
            (Window::Tree(_), 1, 0) => self.first.as_ref().map(|h| *h.finalize().as_bytes()),
            _ => None,
        };
        let tree = matches!(self.current, Window::Tree(_));
        if self.filled > 0 {
            self.close();
        }
        let blake3 = tree.then(|| {
            one_window
                .unwrap_or_else(|| {
                    let cvs: Vec<[u8; 32]> = self.done.iter().map(|p| cv_of(&p.digest)).collect();
                    root(&cvs)
                })
                .to_vec()
        });
        Pieces {
            size: self.size,
            algorithm: self.algorithm,
            pieces: self.done,
            blake3,
        }
    }
}

fn cv_of(digest: &[u8]) -> [u8; 32] {
    let mut cv = [0u8; 32];
    cv.copy_from_slice(digest);
    cv
}

/// The largest power of two below `n` (n >= 2): BLAKE3's left subtree
/// holds that many of `n` equal power-of-two windows (the last may be
/// short).
fn left_count(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The chaining value of the subtree made of `cvs` (at least one).
fn subtree(cvs: &[[u8; 32]]) -> [u8; 32] {
    if cvs.len() == 1 {
        return cvs[0];
    }
    let l = left_count(cvs.len());
    merge_subtrees_non_root(&subtree(&cvs[..l]), &subtree(&cvs[l..]), Mode::Hash)
}

/// The root hash of the tree made of `cvs` (at least two).
fn root(cvs: &[[u8; 32]]) -> [u8; 32] {
    let l = left_count(cvs.len());
    *merge_subtrees_root(&subtree(&cvs[..l]), &subtree(&cvs[l..]), Mode::Hash).as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_windows_split_exactly() {
        let data: Vec<u8> = (0..10u8).collect();
        let mut p = PieceHasher::new(4, PieceAlgorithm::Sha256);
        p.update(&data[..3]);
        p.update(&data[3..9]);
        p.update(&data[9..]);
        let out = p.finalize();
        assert_eq!(out.blake3, None);
        let lens: Vec<(u64, u64)> = out.pieces.iter().map(|p| (p.offset, p.len)).collect();
        assert_eq!(lens, vec![(0, 4), (4, 4), (8, 2)]);
        for (piece, range) in out.pieces.iter().zip([0..4, 4..8, 8..10]) {
            let mut alone = HasherState::new(Algorithm::Sha256);
            alone.update(&data[range]);
            assert_eq!(piece.digest, alone.finalize().bytes);
        }
    }

    #[test]
    fn empty_stream_has_no_pieces() {
        let p = PieceHasher::new(4, PieceAlgorithm::Sha256).finalize();
        assert!(p.pieces.is_empty());
        let t = PieceHasher::new(4096, PieceAlgorithm::Blake3Tree).finalize();
        assert!(t.pieces.is_empty());
        assert_eq!(t.blake3, Some(blake3::hash(b"").as_bytes().to_vec()));
    }

    #[test]
    fn tree_sizes_must_be_powers_of_two_of_a_chunk() {
        let t = PieceAlgorithm::Blake3Tree;
        assert!(t.allows(4096) && t.allows(8192) && t.allows(64 << 20));
        assert!(!t.allows(0) && !t.allows(1024) && !t.allows(3 * 4096) && !t.allows(5000));
        assert!(PieceAlgorithm::Sha256.allows(5000));
    }

    /// The whole-stream hash from the windows equals `blake3::hash` (what
    /// b3sum prints) at every interesting length, fed in odd pieces; each
    /// window's value is the subtree chaining value computed on its own.
    #[test]
    fn tree_windows_give_the_streams_blake3() {
        let data: Vec<u8> = (0..140_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        for size in [4096u64, 8192, 16384] {
            let s = size as usize;
            let lens = [
                1,
                1023,
                1024,
                1025,
                4095,
                s - 1,
                s,
                s + 1,
                2 * s,
                2 * s + 5,
                3 * s,
                3 * s + 1,
                5 * s - 1,
                7 * s + 100,
                8 * s,
                data.len(),
            ];
            for len in lens {
                let data = &data[..len];
                let mut p = PieceHasher::new(size, PieceAlgorithm::Blake3Tree);
                for part in data.chunks(999) {
                    p.update(part);
                }
                let out = p.finalize();
                assert_eq!(
                    out.blake3.as_deref(),
                    Some(&blake3::hash(data).as_bytes()[..]),
                    "size {size} len {len}"
                );
                assert_eq!(out.pieces.len(), len.div_ceil(s), "size {size} len {len}");
                for piece in &out.pieces {
                    let window = &data[piece.offset as usize..(piece.offset + piece.len) as usize];
                    let mut alone = blake3::Hasher::new();
                    alone.set_input_offset(piece.offset);
                    alone.update(window);
                    assert_eq!(piece.digest, alone.finalize_non_root().to_vec());
                }
            }
        }
    }

    #[test]
    fn left_subtree_is_the_largest_power_of_two_below() {
        let got: Vec<usize> = (2..=9).map(left_count).collect();
        assert_eq!(got, vec![1, 2, 2, 4, 4, 4, 4, 8]);
    }
}
