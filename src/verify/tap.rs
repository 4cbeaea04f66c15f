//! A tap on the payload pass: a caller that wants more from the payload
//! than verify computes (ingest's MD5 and SHA-1) sees every byte of every
//! payload file as verify reads it, so the bundle is read once.
//!
//! The tap only observes: it cannot change a byte, a digest or a finding.

use crate::hash::{Algorithm, HashResult};
use std::io::{self, Read};

/// Sees the payload files as the verify pass reads them, in name order.
pub trait PayloadTap {
    /// Called once before the payload pass with the algorithms of the
    /// bundle's payload manifests (what it seals). Returns false when it
    /// wants no bytes (then neither `bytes` nor `end` is called).
    fn begin(&mut self, sealed: &[Algorithm]) -> bool;
    /// The next bytes of the payload file being read.
    fn bytes(&mut self, data: &[u8]);
    /// The file at `path` (relative to the bag) was read to its end, with
    /// verify's digests of it (`None`: it could not be read, and what was
    /// passed of it must be dropped).
    fn end(&mut self, path: &str, result: Option<&HashResult>);
}

/// A reader that passes every byte it yields to a tap.
pub(super) struct Tee<'a, R> {
    pub(super) inner: R,
    pub(super) tap: &'a mut dyn PayloadTap,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tap.bytes(&buf[..n]);
        Ok(n)
    }
}
