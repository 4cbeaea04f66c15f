//! Raw deflate that must end exactly where the entry's compressed data
//! does. A stream that ends early leaves bytes inside the declared
//! compressed size that nobody decompressed (another tool could read them,
//! or hide them); a stream whose end marker never comes was cut. Both are
//! [`EntryDataError`]s, reported when the stream ends, on the same pass
//! that hashes the data (no second read).

use super::error::EntryDataError;
use flate2::{Decompress, FlushDecompress, Status};
use std::io::{self, Read};

/// Input buffer size.
const BUF: usize = 64 << 10;

/// Decompresses `inner` (exactly `compressed` bytes of raw deflate).
pub(super) struct Inflate<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    z: Decompress,
    compressed: u64,
    ended: bool,
}

impl<R: Read> Inflate<R> {
    /// A decoder of the `compressed` bytes `inner` yields.
    pub(super) fn new(inner: R, compressed: u64) -> Inflate<R> {
        Inflate {
            inner,
            buf: vec![0u8; BUF].into_boxed_slice(),
            pos: 0,
            filled: 0,
            z: Decompress::new(false),
            compressed,
            ended: false,
        }
    }

    /// At the end of the stream: every compressed byte must be used.
    fn at_end(&self) -> io::Result<usize> {
        let used = self.z.total_in();
        if used != self.compressed {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                EntryDataError::TrailingData {
                    unused: self.compressed.saturating_sub(used),
                },
            ));
        }
        Ok(0)
    }
}

impl<R: Read> Read for Inflate<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.ended {
            return self.at_end();
        }
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.pos == self.filled {
                self.filled = self.inner.read(&mut self.buf)?;
                self.pos = 0;
            }
            let eof = self.filled == 0;
            let (in0, out0) = (self.z.total_in(), self.z.total_out());
            let status = self
                .z
                .decompress(&self.buf[self.pos..self.filled], out, FlushDecompress::None)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let consumed = (self.z.total_in() - in0) as usize;
            self.pos += consumed;
            let produced = (self.z.total_out() - out0) as usize;
            if status == Status::StreamEnd {
                self.ended = true;
                return match produced {
                    0 => self.at_end(),
                    n => Ok(n),
                };
            }
            if produced > 0 {
                return Ok(produced);
            }
            if eof || consumed == 0 {
                // No input left, or input the decoder will not take.
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    EntryDataError::Unterminated,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::DeflateEncoder;
    use std::io::Write;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn inflate(c: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Inflate::new(c, c.len() as u64)
            .read_to_end(&mut out)
            .map(|_| out)
    }

    fn data_error(e: io::Error) -> EntryDataError {
        e.get_ref()
            .and_then(|r| r.downcast_ref::<EntryDataError>())
            .cloned()
            .unwrap()
    }

    #[test]
    fn exact_streams_decode() {
        let data: Vec<u8> = (0..500_000u32).map(|i| (i % 7) as u8).collect();
        assert_eq!(inflate(&deflate(&data)).unwrap(), data);
        assert_eq!(inflate(&deflate(b"")).unwrap(), b"");
    }

    #[test]
    fn bytes_after_the_stream_end_are_an_error() {
        let mut c = deflate(b"hello");
        c.extend_from_slice(b"hidden");
        let e = data_error(inflate(&c).unwrap_err());
        assert_eq!(e, EntryDataError::TrailingData { unused: 6 });
    }

    #[test]
    fn a_stream_without_its_end_is_an_error() {
        let c = deflate(&[7u8; 10_000]);
        let e = data_error(inflate(&c[..c.len() - 1]).unwrap_err());
        assert_eq!(e, EntryDataError::Unterminated);
    }
}
