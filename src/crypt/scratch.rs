//! Scratch files that hold plaintext for a while without putting it on
//! the disk: what is written is encrypted (AES-256-GCM, `ring`) under a
//! random key that lives only in this process's memory, and decrypted
//! when read back. `seal --to` keeps in them what must wait (the
//! held-back part of an unfinished zip entry, see [`super::holdback`]);
//! every seal keeps its per-file records and its central directory in
//! them. What reaches the disk is unreadable to anyone who later gets the
//! disk, even the blocks of a file that no longer exists.
//!
//! Invariants:
//! - The file is created private (0600) beside the output, guarded
//!   against a fatal signal, and unlinked at once: it has no name while
//!   data is in it, and no exit, even `kill -9`, leaves it behind.
//! - Writes only append; reads may go anywhere. The plaintext is cut
//!   into 1 MiB blocks, each sealed under its own nonce: a counter that
//!   never repeats for the life of the key ([`ScratchFile::reset`] moves
//!   on instead of starting again). The last, partial block stays in
//!   memory until it is full.
//! - A block that does not authenticate when it is read back (a bad
//!   sector, a change by anyone) is an error, never wrong bytes in a
//!   bundle.

use crate::atomic::{SignalGuard, TMP_SUFFIX, remove_stale};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Plaintext bytes per sealed block.
const BLOCK: usize = 1 << 20;
/// The authentication tag after each block on disk.
const TAG: usize = 16;
/// Bytes of one sealed block on disk.
const SEALED: u64 = (BLOCK + TAG) as u64;

/// An encrypted, append-only scratch file (see the module's invariants).
pub struct ScratchFile {
    file: File,
    key: LessSafeKey,
    /// Nonce counter of the file's first block.
    epoch: u64,
    /// Blocks sealed and written.
    blocks: u64,
    /// The partial block after them, in the clear.
    pending: Vec<u8>,
    /// The block last read back (its number) and its plaintext.
    cached: Option<u64>,
    cache: Vec<u8>,
    /// Where the next read starts.
    read_at: u64,
    /// A write failed half-way: the file is unusable.
    broken: bool,
}

fn crypto_error(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("scratch file: {what} (a disk error, or a change by someone else)"),
    )
}

impl ScratchFile {
    /// A new scratch file in `dir`, named `{prefix}{PID}.evidentia-tmp`
    /// only between its creation and its unlink (leftovers of that name
    /// whose process is gone are removed first).
    pub fn create(dir: &Path, prefix: &str) -> io::Result<ScratchFile> {
        use std::os::unix::fs::OpenOptionsExt;
        remove_stale(dir, prefix);
        let path = dir.join(format!("{prefix}{}{TMP_SUFFIX}", std::process::id()));
        let guard = SignalGuard::new(&path);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let unlinked = std::fs::remove_file(&path);
        drop(guard);
        unlinked?;
        ScratchFile::over(file)
    }

    /// Use `file` (empty, open for reading and writing, private) with a
    /// fresh random key.
    pub fn over(file: File) -> io::Result<ScratchFile> {
        use ring::rand::SecureRandom;
        let mut raw = zeroize::Zeroizing::new([0u8; 32]);
        let no_key = || io::Error::other("no random key for a scratch file");
        ring::rand::SystemRandom::new()
            .fill(&mut raw[..])
            .map_err(|_| no_key())?;
        let key = UnboundKey::new(&AES_256_GCM, &raw[..]).map_err(|_| no_key())?;
        Ok(ScratchFile {
            file,
            key: LessSafeKey::new(key),
            epoch: 0,
            blocks: 0,
            pending: Vec::new(),
            cached: None,
            cache: Vec::new(),
            read_at: 0,
            broken: false,
        })
    }

    /// Bytes appended so far (since the last reset).
    pub fn len(&self) -> u64 {
        self.blocks * BLOCK as u64 + self.pending.len() as u64
    }

    /// Nothing appended since the last reset.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empty the file; the blocks appended next get nonces never used.
    pub fn reset(&mut self) -> io::Result<()> {
        self.epoch = self.next_counter(self.blocks)?;
        self.blocks = 0;
        self.pending.clear();
        self.cached = None;
        self.read_at = 0;
        self.file.set_len(0)
    }

    fn next_counter(&self, block: u64) -> io::Result<u64> {
        self.epoch
            .checked_add(block)
            .ok_or_else(|| io::Error::other("scratch file: nonces exhausted"))
    }

    /// The nonce of block `block`.
    fn nonce(&self, block: u64) -> io::Result<Nonce> {
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&self.next_counter(block)?.to_be_bytes());
        Ok(Nonce::assume_unique_for_key(n))
    }

    fn usable(&self) -> io::Result<()> {
        match self.broken {
            true => Err(io::Error::other("scratch file: an earlier write failed")),
            false => Ok(()),
        }
    }

    /// Seal the full pending block and write it after the others.
    fn seal_pending(&mut self) -> io::Result<()> {
        self.broken = true;
        let nonce = self.nonce(self.blocks)?;
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::empty(), &mut self.pending)
            .map_err(|_| crypto_error("cannot seal a block"))?;
        self.pending.extend_from_slice(tag.as_ref());
        self.file
            .write_all_at(&self.pending, self.blocks * SEALED)?;
        self.blocks += 1;
        self.pending.clear();
        self.broken = false;
        Ok(())
    }

    /// Read back and open block `block` into the cache.
    fn load(&mut self, block: u64) -> io::Result<()> {
        if self.cached == Some(block) {
            return Ok(());
        }
        self.cached = None;
        self.cache.resize(BLOCK + TAG, 0);
        self.file.read_exact_at(&mut self.cache, block * SEALED)?;
        let nonce = self.nonce(block)?;
        self.key
            .open_in_place(nonce, Aad::empty(), &mut self.cache)
            .map_err(|_| crypto_error("a block read back does not authenticate"))?;
        self.cached = Some(block);
        Ok(())
    }

    /// The bytes on disk, as anyone reading the file would see them.
    #[cfg(test)]
    pub(crate) fn raw(&self) -> Vec<u8> {
        let mut v = vec![0u8; (self.blocks * SEALED) as usize];
        self.file.read_exact_at(&mut v, 0).unwrap();
        v
    }
}

impl Write for ScratchFile {
    /// Append `buf` (wherever the read position is).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.usable()?;
        if self.pending.capacity() < BLOCK + TAG {
            self.pending.reserve_exact(BLOCK + TAG - self.pending.len());
        }
        let n = buf.len().min(BLOCK - self.pending.len());
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() == BLOCK {
            self.seal_pending()?;
        }
        Ok(n)
    }

    /// Nothing to do: the partial block is read from memory, and nothing
    /// here needs to survive a crash.
    fn flush(&mut self) -> io::Result<()> {
        self.usable()
    }
}

impl Read for ScratchFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.usable()?;
        if buf.is_empty() || self.read_at >= self.len() {
            return Ok(0);
        }
        let block = self.read_at / BLOCK as u64;
        let within = (self.read_at % BLOCK as u64) as usize;
        let src = if block == self.blocks {
            &self.pending[within..]
        } else {
            self.load(block)?;
            &self.cache[within..BLOCK]
        };
        let n = buf.len().min(src.len());
        buf[..n].copy_from_slice(&src[..n]);
        self.read_at += n as u64;
        Ok(n)
    }
}

impl Seek for ScratchFile {
    /// Move the read position (writes always append).
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.read_at.checked_add_signed(d),
        };
        let at =
            at.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        self.read_at = at;
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A byte pattern a reader would recognise.
    fn plain(n: usize) -> Vec<u8> {
        b"EVIDENTIA-PLAIN!"
            .iter()
            .copied()
            .cycle()
            .take(n)
            .collect()
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn reads_back_what_was_written_and_the_disk_holds_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ScratchFile::create(dir.path(), ".t.").unwrap();
        // Unlinked at once: the directory is empty.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let data = plain(3 * BLOCK + 12_345);
        for piece in data.chunks(77_777) {
            s.write_all(piece).unwrap();
        }
        assert_eq!(s.len(), data.len() as u64);
        let raw = s.raw();
        assert_eq!(raw.len() as u64, 3 * SEALED);
        assert!(!contains(&raw, b"EVIDENTIA-PLAIN!"));
        let mut back = Vec::new();
        s.seek(SeekFrom::Start(0)).unwrap();
        s.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        // Reads anywhere, across blocks; appends after a read go to the
        // end.
        s.seek(SeekFrom::Start(BLOCK as u64 - 50)).unwrap();
        let mut some = [0u8; 100];
        s.read_exact(&mut some).unwrap();
        assert_eq!(some[..], data[BLOCK - 50..BLOCK + 50]);
        s.write_all(b"tail").unwrap();
        s.seek(SeekFrom::End(-6)).unwrap();
        let mut end = Vec::new();
        s.read_to_end(&mut end).unwrap();
        assert_eq!(end, [&data[data.len() - 2..], b"tail"].concat());
    }

    /// After a reset the same file offsets get nonces never used: the
    /// same plaintext written twice is encrypted differently.
    #[test]
    fn a_reset_never_reuses_a_nonce() {
        let mut s = ScratchFile::over(tempfile::tempfile().unwrap()).unwrap();
        s.write_all(&vec![0u8; BLOCK]).unwrap();
        let first = s.raw();
        s.reset().unwrap();
        assert!(s.is_empty());
        s.write_all(&vec![0u8; BLOCK]).unwrap();
        let second = s.raw();
        assert_eq!(first.len(), second.len());
        assert_ne!(first, second);
        let mut back = Vec::new();
        s.read_to_end(&mut back).unwrap();
        assert_eq!(back, vec![0u8; BLOCK]);
        // Two files have two keys.
        let mut other = ScratchFile::over(tempfile::tempfile().unwrap()).unwrap();
        other.write_all(&vec![0u8; BLOCK]).unwrap();
        assert_ne!(other.raw(), first);
    }

    /// A changed byte on disk is an error when its block is read back.
    #[test]
    fn a_changed_block_is_an_error_not_wrong_bytes() {
        let f = tempfile::tempfile().unwrap();
        let disk = f.try_clone().unwrap();
        let mut s = ScratchFile::over(f).unwrap();
        s.write_all(&plain(2 * BLOCK)).unwrap();
        let mut b = [0u8; 1];
        disk.read_exact_at(&mut b, SEALED + 7).unwrap();
        disk.write_all_at(&[b[0] ^ 1], SEALED + 7).unwrap();
        let mut first = vec![0u8; BLOCK];
        s.read_exact(&mut first).unwrap();
        let e = s.read(&mut first).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    }
}
