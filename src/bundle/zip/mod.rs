//! The zip container of a bundle, read and written by hand so that every
//! byte of it is ours to explain: a distrustful reader that validates the
//! whole directory before any entry's data is read, and a deterministic,
//! streaming writer whose appends never rewrite an earlier byte.
//!
//! The rooms:
//! - the reader's index ([`read`]: [`Archive`] and its entries), the
//!   central directory parsed header by header ([`central`]), and why a
//!   file or an entry's data cannot be read ([`error`]);
//! - the safety checks: header allow-lists ([`check`]), names (traversal,
//!   duplicates and names equal when folded, [`names`]), names Windows
//!   cannot carry ([`winname`]), overlaps and the gaps between entries
//!   ([`overlap`]); what they find is an [`IssueKind`] ([`issue`]);
//! - the end records, the last and the earlier ones an append leaves
//!   ([`end`]);
//! - the diagnosis of a bundle that does not open ([`damage`]);
//! - entry data ([`data`]), inflated to exactly its size ([`inflate`]);
//! - the writer ([`mod@write`]).
//!
//! The files depend on each other in one direction only: `read` uses the
//! checks, `end`, `damage` and `error`, never the other way round (the
//! checks that need other entries' names get them as a function).
//!
//! Nothing here knows what a bag is, beyond the name fold
//! ([`super::layout::fold`]) and the first member of a bundle (for the
//! damage diagnosis). Nothing here prints or extracts to disk.

mod central;
mod check;
mod damage;
mod data;
mod dostime;
mod end;
mod error;
mod inflate;
mod issue;
mod names;
mod overlap;
mod read;
pub(super) mod winname;
mod write;

#[cfg(test)]
mod bytetests;
#[cfg(test)]
mod tests;

pub use central::Entry;
pub use damage::{Damage, DamageKind, Place};
pub use data::EntryReader;
pub use error::{EntryDataError, ZipError};
pub use issue::{ContainerIssue, IssueKind};
pub use read::{Archive, Entries};
pub use write::{DosTime, EntryWriter, Method, ZipWriter};
pub(super) use write::{end_records, stored_central_header, stored_local_header};

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

/// A little-endian `u16` at `i`.
fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

/// A little-endian `u32` at `i`.
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// A little-endian `u64` at `i`.
fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

/// Read `n` bytes of a file of `len` bytes at `offset`; a read past the
/// end is an `UnexpectedEof` error, before anything is read.
fn read_exact_at(file: &File, len: u64, offset: u64, n: usize) -> io::Result<Vec<u8>> {
    if offset.checked_add(n as u64).is_none_or(|end| end > len) {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "read past end of file",
        ));
    }
    let mut buf = vec![0u8; n];
    file.read_exact_at(&mut buf, offset)?;
    Ok(buf)
}

/// Reads the file's bytes `pos..end`.
struct RangeReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.end - self.pos).min(buf.len() as u64) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = self.file.read_at(&mut buf[..n], self.pos)?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file ends inside an entry",
            ));
        }
        self.pos += got as u64;
        Ok(got)
    }
}
