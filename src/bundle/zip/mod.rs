//! The zip container of a bundle, read and written by hand so that every
//! byte of it is ours to explain: a distrustful reader that validates the
//! whole directory before any entry's data is read, and a deterministic,
//! streaming writer whose appends never rewrite an earlier byte.
//!
//! The rooms:
//! - the reader's index ([`read`]: [`Archive`], its errors and entries)
//!   and the central directory parsed header by header ([`central`]);
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
//! Nothing here knows what a bag is, beyond the name fold
//! ([`super::layout::fold`]) and the first member of a bundle (for the
//! damage diagnosis). Nothing here prints or extracts to disk.

mod central;
mod check;
mod damage;
mod data;
mod end;
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
pub use data::{EntryDataError, EntryReader};
pub use issue::{ContainerIssue, IssueKind};
pub use read::{Archive, Entries, ZipError};
pub use write::{DosTime, EntryWriter, Method, ZipWriter};
pub(super) use write::{end_records, stored_central_header, stored_local_header};

use std::fs::File;
use std::io;
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
