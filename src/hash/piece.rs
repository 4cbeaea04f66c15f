//! Piecewise hashes over fixed windows of a stream, so that damage found
//! later can be located to a window instead of "somewhere in 2 TB".
//!
//! Each window is hashed on its own, as if it were a file: the digest of
//! window `k` is what `sha256sum` or `b3sum` prints for the bytes
//! `k * size .. (k + 1) * size`.

use super::{Algorithm, HasherState};

/// One window of a piecewise hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Byte offset of the window's first byte.
    pub offset: u64,
    /// Length of the window (the last one may be shorter).
    pub len: u64,
    /// The digest of the window's bytes.
    pub digest: Vec<u8>,
}

/// The piecewise hashes of a whole stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    /// The window size used.
    pub size: u64,
    /// The algorithm of every window's digest.
    pub algorithm: Algorithm,
    /// The windows in order; an empty stream has none.
    pub pieces: Vec<Piece>,
}

/// Computes one digest per fixed-size window as bytes stream through.
#[derive(Debug)]
pub struct PieceHasher {
    size: u64,
    algorithm: Algorithm,
    offset: u64,
    filled: u64,
    current: HasherState,
    done: Vec<Piece>,
}

impl PieceHasher {
    /// A hasher of `algorithm` with windows of `size` bytes (must be
    /// non-zero).
    pub fn new(size: u64, algorithm: Algorithm) -> PieceHasher {
        assert!(size > 0, "piece size must be non-zero");
        PieceHasher {
            size,
            algorithm,
            offset: 0,
            filled: 0,
            current: HasherState::new(algorithm),
            done: Vec::new(),
        }
    }

    /// Feed bytes; windows are closed as they fill.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = self.size - self.filled;
            let take = room.min(data.len() as u64) as usize;
            self.current.update(&data[..take]);
            self.filled += take as u64;
            data = &data[take..];
            if self.filled == self.size {
                self.close();
            }
        }
    }

    fn close(&mut self) {
        let state = std::mem::replace(&mut self.current, HasherState::new(self.algorithm));
        self.done.push(Piece {
            offset: self.offset,
            len: self.filled,
            digest: state.finalize().bytes,
        });
        self.offset += self.filled;
        self.filled = 0;
    }

    /// Close the last partial window and return every window.
    pub fn finalize(mut self) -> Pieces {
        if self.filled > 0 {
            self.close();
        }
        Pieces {
            size: self.size,
            algorithm: self.algorithm,
            pieces: self.done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_split_exactly() {
        let data: Vec<u8> = (0..10u8).collect();
        for algorithm in [Algorithm::Sha256, Algorithm::Blake3] {
            let mut p = PieceHasher::new(4, algorithm);
            p.update(&data[..3]);
            p.update(&data[3..9]);
            p.update(&data[9..]);
            let out = p.finalize();
            assert_eq!(out.algorithm, algorithm);
            let lens: Vec<(u64, u64)> = out.pieces.iter().map(|p| (p.offset, p.len)).collect();
            assert_eq!(lens, vec![(0, 4), (4, 4), (8, 2)]);
            for (piece, range) in out.pieces.iter().zip([0..4, 4..8, 8..10]) {
                let mut alone = HasherState::new(algorithm);
                alone.update(&data[range]);
                assert_eq!(piece.digest, alone.finalize().bytes);
            }
        }
    }

    #[test]
    fn blake3_pieces_are_plain_blake3_of_each_window() {
        // What b3sum prints for the window: no keyed or tree-position mode.
        let data = vec![0xabu8; 3000];
        let mut p = PieceHasher::new(1024, Algorithm::Blake3);
        p.update(&data);
        let out = p.finalize();
        assert_eq!(out.pieces.len(), 3);
        assert_eq!(
            out.pieces[2].digest,
            blake3::hash(&data[2048..]).as_bytes().to_vec()
        );
    }

    #[test]
    fn empty_stream_has_no_pieces() {
        assert!(
            PieceHasher::new(4, Algorithm::Sha256)
                .finalize()
                .pieces
                .is_empty()
        );
    }
}
