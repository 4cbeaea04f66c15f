//! In-order chunk decoding (placeholder: decodes on the caller's thread;
//! the parallel decoder replaces it).

use super::{EwfError, EwfImage};
use std::sync::Arc;

/// A decoded chunk.
pub struct Decoded {
    /// Chunk number.
    pub index: u64,
    /// Its bytes, or why its check failed.
    pub result: Result<Vec<u8>, EwfError>,
}

/// The chunks of a set, in order.
pub struct Chunks {
    image: Arc<EwfImage>,
    next: u64,
    spare: Vec<Vec<u8>>,
    scratch: Vec<u8>,
}

impl Chunks {
    /// Decodes the chunks of `image` in order.
    pub fn new(image: Arc<EwfImage>, _workers: usize) -> Chunks {
        Chunks {
            image,
            next: 0,
            spare: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The next chunk, or `None` after the last.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Decoded> {
        if self.next >= self.image.chunk_count() {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let mut data = self.spare.pop().unwrap_or_default();
        let result = self
            .image
            .read_chunk(index, &mut data, &mut self.scratch)
            .map(|()| data);
        Some(Decoded { index, result })
    }

    /// Gives a data buffer back.
    pub fn recycle(&mut self, buf: Vec<u8>) {
        self.spare.push(buf);
    }
}
