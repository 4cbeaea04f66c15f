//! The output of `seal --to`: the bundle encrypted to age recipients as
//! it is written, so that the plaintext bundle never touches the disk.
//!
//! The zip writer seeks back to fill in each entry's CRC-32 and sizes;
//! age output only goes forward. Between them sits a
//! [`HoldBack`](crate::crypt::HoldBack): it keeps the current entry's
//! bytes (the first 16 MiB in memory, the rest in an encrypted, unlinked
//! scratch file) until the zip writer says the entry is finished, then
//! releases them to the age encryptor, which runs on a thread of its own
//! ([`Pipe`]) beside the sealing thread. The zip that is encrypted is byte
//! for byte the one a plain seal writes: the bundle format and the
//! verifier are unchanged, and a bundle decrypted with stock `age -d` is
//! an ordinary bundle.
//!
//! Invariants: the ciphertext goes to a temporary file beside the output
//! (past the page cache, like a plain seal's bundle), flushed and renamed
//! into place only when the age stream is complete; any failure removes
//! it, and the scratch files have no name to remove.

use super::{flush, rename_into_place, temp_output};
use crate::atomic::{SignalGuard, TempOut};
use crate::bundle::sealopts::{SealError, SealOptions};
use crate::bundle::zip::{DosTime, ZipWriter};
use crate::crypt::{Encrypted, HashingWriter, HoldBack, Pipe, encryptor};
use crate::direct::DirectOut;
use std::path::Path;

/// Bytes of an unfinished entry kept in memory before the rest spills to
/// the encrypted scratch file.
pub(super) const HOLD_IN_MEMORY: usize = 16 << 20;

/// The age stream; the ciphertext is hashed and staged for the disk on a
/// thread of its own (SHA-256 costs about as much as the encryption).
type Cipher = age::stream::StreamWriter<Pipe<HashingWriter<DirectOut>>>;

/// The encrypted bundle being written.
pub(super) struct SealedOutput {
    /// Dropped first: the writers let go of the file before it is removed.
    /// Released bytes are encrypted on a thread of their own ([`Pipe`]).
    pub zip: ZipWriter<HoldBack<Pipe<Cipher>>>,
    tmp: TempOut,
    _guard: SignalGuard,
}

impl SealedOutput {
    /// Create the temporary ciphertext file beside `opts.out`, the age
    /// encryptor over it and the zip writer over the hold-back.
    pub fn create(opts: &SealOptions, name: &str, dir: &Path) -> Result<SealedOutput, SealError> {
        let werr = |e| opts.write_error(e);
        let file_name = opts.out.file_name().unwrap_or_default().to_string_lossy();
        let (direct, tmp) = temp_output(opts, dir, &format!(".{file_name}."))?;
        let guard = SignalGuard::new(&tmp.path);
        let hashing = Pipe::new(HashingWriter::new(direct));
        let cipher = encryptor(&opts.recipients, hashing).map_err(werr)?;
        let held = HoldBack::new(
            Pipe::new(cipher),
            HOLD_IN_MEMORY,
            dir.to_path_buf(),
            format!(".{name}.zip-holdback."),
        );
        let mut zip = ZipWriter::new(held, DosTime::from_unix(opts.time));
        zip.on_settled(HoldBack::settle);
        Ok(SealedOutput {
            zip,
            tmp,
            _guard: guard,
        })
    }

    /// Finish the zip and the age stream, flush the ciphertext to disk and
    /// rename it into place (never over an existing file).
    pub fn commit(self, opts: &SealOptions) -> Result<Encrypted, SealError> {
        let (tmp, _guard, encrypted) = self.stage(opts)?;
        rename_into_place(tmp, opts)?;
        Ok(encrypted)
    }

    /// Finish the zip and the age stream and flush the ciphertext to disk,
    /// leaving it in its temporary file (removed when the [`TempOut`] is
    /// dropped, and on a fatal signal while the guard lives).
    pub fn stage(self, opts: &SealOptions) -> Result<(TempOut, SignalGuard, Encrypted), SealError> {
        let werr = |e| opts.write_error(e);
        let held = self.zip.finish().map_err(werr)?;
        let plain_bytes = held.released();
        let cipher = held.finish().and_then(Pipe::finish).map_err(werr)?;
        let hashing = cipher.finish().and_then(Pipe::finish).map_err(werr)?;
        let (direct, cipher_bytes, cipher_sha256) = hashing.finish();
        let tmp = flush(direct, self.tmp, opts)?;
        let encrypted = Encrypted {
            plain_bytes,
            cipher_bytes,
            cipher_sha256,
        };
        Ok((tmp, self._guard, encrypted))
    }
}

#[cfg(test)]
mod tests {
    use crate::bundle::zip::{DosTime, Method, ZipWriter};
    use crate::crypt::HoldBack;
    use std::io::{self, Cursor, Seek, SeekFrom, Write};

    /// A hold-back that also notes where it was told bytes are final.
    struct Spy {
        held: HoldBack<Vec<u8>>,
        settled: Vec<u64>,
    }

    impl Write for Spy {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.held.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.held.flush()
        }
    }

    impl Seek for Spy {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.held.seek(to)
        }
    }

    /// Notes `upto`, settles, and checks that nothing is held after (an
    /// `upto` past what was written promises what comes next).
    fn settle(s: &mut Spy, upto: u64) -> io::Result<()> {
        s.settled.push(upto);
        s.held.settle(upto)?;
        let written = s.held.stream_position()?;
        assert_eq!(
            s.held.released(),
            upto.min(written),
            "all written is released"
        );
        Ok(())
    }

    /// Entries larger and smaller than the memory bound, stored and
    /// deflated, streamed and whole, through a hold-back of 4 KiB: the
    /// same archive as one written to a seekable buffer, settled at the
    /// end of every entry and of the archive.
    #[test]
    fn an_archive_through_a_holdback_is_the_same_archive() {
        let dir = tempfile::tempdir().unwrap();
        let when = DosTime::from_unix(1_700_000_000);
        let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let spy = Spy {
            held: HoldBack::new(Vec::new(), 4096, dir.path().into(), ".h.".into()),
            settled: Vec::new(),
        };
        let mut a = ZipWriter::new(spy, when);
        a.on_settled(settle);
        let mut b = ZipWriter::new(Cursor::new(Vec::new()), when);
        for (i, method) in [Method::Stored, Method::Deflate].into_iter().enumerate() {
            for (j, data) in [&big[..], b"small", &[]].into_iter().enumerate() {
                let name = format!("b/{i}-{j}");
                let mut e = a.start_entry(&name, method, data.len() as u64).unwrap();
                e.write_all(data).unwrap();
                e.finish().unwrap();
                let mut e = b.start_entry(&name, method, data.len() as u64).unwrap();
                e.write_all(data).unwrap();
                e.finish().unwrap();
                a.add_bytes(&format!("{name}.whole"), method, data).unwrap();
                b.add_bytes(&format!("{name}.whole"), method, data).unwrap();
            }
        }
        let spy = a.finish().unwrap();
        let want = b.finish().unwrap().into_inner();
        // Settled once per entry (12) and at the end.
        assert_eq!(spy.settled.len(), 13, "{:?}", spy.settled);
        assert!(spy.settled.is_sorted());
        assert_eq!(spy.settled.last(), Some(&(want.len() as u64)));
        assert_eq!(spy.held.released(), want.len() as u64);
        assert_eq!(spy.held.finish().unwrap(), want);
    }

    /// Entries announced with their CRC-32 and size (read ahead) are the
    /// same bytes as entries patched afterwards, ZIP64 included, and pass
    /// through the hold-back without ever spilling; data that is not what
    /// was announced is an error.
    #[test]
    fn announced_entries_are_the_same_bytes_and_never_spill() {
        let dir = tempfile::tempdir().unwrap();
        let when = DosTime::from_unix(1_700_000_000);
        let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let crc = crc32fast::hash(&big);
        let held = HoldBack::new(Vec::new(), 4096, dir.path().into(), ".h.".into());
        let mut a = ZipWriter::new(held, when);
        a.on_settled(HoldBack::settle);
        let mut b = ZipWriter::new(Cursor::new(Vec::new()), when);
        for (name, expected) in [("b/x", big.len() as u64), ("b/zip64", 5 << 30)] {
            let mut e = a
                .start_entry_known(name, expected, crc, big.len() as u64)
                .unwrap();
            e.write_all(&big).unwrap();
            e.finish().unwrap();
            let mut e = b.start_entry(name, Method::Stored, expected).unwrap();
            e.write_all(&big).unwrap();
            e.finish().unwrap();
        }
        let held = a.finish().unwrap();
        assert!(held.spill_raw().is_none(), "nothing was held back");
        assert_eq!(held.finish().unwrap(), b.finish().unwrap().into_inner());
        // Other bytes, or fewer, than announced.
        let abc = crc32fast::hash(b"abc");
        for (crc, size) in [(abc ^ 1, 3), (abc, 4)] {
            let mut z = ZipWriter::new(Cursor::new(Vec::new()), when);
            let mut e = z.start_entry_known("b/bad", size, crc, size).unwrap();
            e.write_all(b"abc").unwrap();
            let err = e.finish().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        }
    }
}
