//! Tag files read whole by an early phase (manifest.json's first pass, a
//! payload manifest's scan) have their SHA-256 taken as they are read, so
//! the tag manifest phase does not read them again. A digest is kept only
//! when the entry was read to its end without error (the zip reader checks
//! the size and CRC-32 there); otherwise the tag phase reads it itself.

use crate::hash::{Algorithm, HasherState};
use std::collections::BTreeMap;
use std::io::{self, Read};

/// A reader that hashes what passes through it.
pub(super) struct Teed<R> {
    inner: R,
    state: HasherState,
    /// The inner reader said end of data (after its own checks).
    ended: bool,
}

impl<R: Read> Teed<R> {
    /// Hash everything read from `inner` with SHA-256.
    pub(super) fn new(inner: R) -> Teed<R> {
        Teed {
            inner,
            state: HasherState::new(Algorithm::Sha256),
            ended: false,
        }
    }

    /// Read the rest, and return the hex SHA-256 of the whole entry, or
    /// `None` when it could not be read to its end.
    pub(super) fn finish(mut self) -> Option<String> {
        if io::copy(&mut self, &mut io::sink()).is_err() || !self.ended {
            return None;
        }
        Some(self.state.finalize().hex())
    }
}

impl<R: Read> Read for Teed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        self.state.update(&buf[..n]);
        Ok(n)
    }
}

/// SHA-256 digests of tag files taken on the way, by bag-relative name.
pub(super) type TagDigests = BTreeMap<String, String>;
