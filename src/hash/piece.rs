//! Piecewise SHA-256 over fixed windows of a stream, so that damage found
//! later can be located to a window instead of "somewhere in 2 TB".

use super::{Algorithm, HasherState};

/// One window of a piecewise hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Byte offset of the window's first byte.
    pub offset: u64,
    /// Length of the window (the last one may be shorter).
    pub len: u64,
    /// SHA-256 of the window's bytes.
    pub sha256: Vec<u8>,
}

/// The piecewise hashes of a whole stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    /// The window size used.
    pub size: u64,
    /// The windows in order; an empty stream has none.
    pub pieces: Vec<Piece>,
}

/// Computes SHA-256 per fixed-size window as bytes stream through.
#[derive(Debug)]
pub struct PieceHasher {
    size: u64,
    offset: u64,
    filled: u64,
    current: HasherState,
    done: Vec<Piece>,
}

impl PieceHasher {
    /// A hasher with windows of `size` bytes (must be non-zero).
    pub fn new(size: u64) -> PieceHasher {
        assert!(size > 0, "piece size must be non-zero");
        PieceHasher {
            size,
            offset: 0,
            filled: 0,
            current: HasherState::new(Algorithm::Sha256),
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
        let state = std::mem::replace(&mut self.current, HasherState::new(Algorithm::Sha256));
        self.done.push(Piece {
            offset: self.offset,
            len: self.filled,
            sha256: state.finalize().bytes,
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
        let mut p = PieceHasher::new(4);
        p.update(&data[..3]);
        p.update(&data[3..9]);
        p.update(&data[9..]);
        let out = p.finalize();
        let lens: Vec<(u64, u64)> = out.pieces.iter().map(|p| (p.offset, p.len)).collect();
        assert_eq!(lens, vec![(0, 4), (4, 4), (8, 2)]);
        let mut whole = HasherState::new(Algorithm::Sha256);
        whole.update(&data[4..8]);
        assert_eq!(out.pieces[1].sha256, whole.finalize().bytes);
    }

    #[test]
    fn empty_stream_has_no_pieces() {
        assert!(PieceHasher::new(4).finalize().pieces.is_empty());
    }
}
