//! Reading entry data: every read goes through [`Archive::reader`], which
//! refuses unsafe entries, caps the data at its declared size, inflates
//! with the end checked ([`super::inflate`]) and checks the CRC-32
//! at the end.

use super::central::Entry;
use super::error::EntryDataError;
use super::inflate::Inflate;
use super::read::Archive;
use super::{RangeReader, read_exact_at};
use std::io::{self, Read};

impl Archive {
    /// Read `n` raw bytes of the file at `offset` (bounds-checked).
    pub fn raw(&self, offset: u64, n: usize) -> io::Result<Vec<u8>> {
        read_exact_at(&self.file, self.len, offset, n)
    }

    /// Open an entry's data for reading: decompressed, capped at the
    /// declared size, CRC-checked at the end (errors carry
    /// [`EntryDataError`]).
    pub fn reader<'a>(&'a self, e: &Entry) -> io::Result<EntryReader<'a>> {
        if !e.safe || e.data_offset == 0 {
            return Err(io::Error::other("entry is unsafe to read"));
        }
        let raw = RangeReader {
            file: &self.file,
            pos: e.data_offset,
            end: e.data_offset + e.compressed_size,
        };
        let inner: Box<dyn Read + 'a> = match e.method {
            8 => Box::new(Inflate::new(raw, e.compressed_size)),
            _ => Box::new(raw),
        };
        Ok(EntryReader {
            inner,
            crc: crc32fast::Hasher::new(),
            count: 0,
            declared: e.size,
            declared_crc: e.crc,
        })
    }

    /// Parse an entry as JSON as it streams, refusing entries over `limit`
    /// bytes first: padding costs no memory, only what is parsed does. The
    /// outer error is about the entry's data (size, CRC, I/O), the inner
    /// one about the JSON.
    pub fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        e: &Entry,
        limit: u64,
    ) -> io::Result<Result<T, serde_json::Error>> {
        if e.size > limit {
            self.read_small(e, limit)?;
        }
        let r = io::BufReader::new(self.reader(e)?);
        match serde_json::from_reader(r) {
            Err(j) if j.is_io() => Err(io::Error::from(j)),
            other => Ok(other),
        }
    }

    /// Read a whole entry into memory, refusing entries over `limit` bytes.
    pub fn read_small(&self, e: &Entry, limit: u64) -> io::Result<Vec<u8>> {
        if e.size > limit {
            return Err(io::Error::other(format!(
                "declared size of {} bytes is over the limit of {limit} bytes for this member (see \"Limits\" in docs/verify-semantics.md)",
                e.size
            )));
        }
        let mut v = Vec::with_capacity(e.size as usize);
        self.reader(e)?.read_to_end(&mut v)?;
        Ok(v)
    }
}

/// Streams one entry's data; see [`Archive::reader`].
pub struct EntryReader<'a> {
    inner: Box<dyn Read + 'a>,
    crc: crc32fast::Hasher,
    count: u64,
    declared: u64,
    declared_crc: u32,
}

impl Read for EntryReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Never ask for more than one byte past the declared size: enough
        // to notice a lie, not enough to inflate a bomb.
        let room = (self.declared - self.count.min(self.declared)).saturating_add(1);
        let want = buf.len().min(room.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            if self.count != self.declared {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    EntryDataError::TooShort {
                        declared: self.declared,
                        actual: self.count,
                    },
                ));
            }
            let actual = self.crc.clone().finalize();
            if actual != self.declared_crc {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    EntryDataError::Crc {
                        declared: self.declared_crc,
                        actual,
                    },
                ));
            }
            return Ok(0);
        }
        self.count += n as u64;
        if self.count > self.declared {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                EntryDataError::TooLong {
                    declared: self.declared,
                },
            ));
        }
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}
