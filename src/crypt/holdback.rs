//! A seekable front for a forward-only output: bytes are held back until
//! the writer says they are final ([`HoldBack::settle`]), then released
//! in order. `seal --to` puts it between the zip writer, which seeks back
//! to fill in each entry's CRC-32 and sizes once the entry's data is
//! written, and the age encryptor, which can only go forward: the zip
//! writer settles each entry as it finishes it, so only the current
//! entry is ever held, and the archive that comes out is byte for byte
//! the one a plain seal writes to a file.
//!
//! Invariants:
//! - Memory is bounded whatever the entry size: the first `limit` held
//!   bytes stay in memory; the rest go to a [`ScratchFile`] beside the
//!   output (encrypted under a key only this process knows, unlinked at
//!   once), created when first needed and emptied at each release. An
//!   overwrite of spilled bytes is kept in memory as a patch, at most
//!   `limit` bytes of them, so the scratch file only ever appends.
//! - A released byte is never changed: a write before the released
//!   offset is an error, as is a seek past the end (no holes).
//! - Nothing is released that was not settled. A settle may promise
//!   bytes not written yet (an entry whose header announced its size):
//!   those go straight through, with nothing held and nothing copied.

use super::scratch::ScratchFile;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// Bytes read back from the scratch file at a time.
const BLOCK: usize = 1 << 20;

/// Holds back what was written until it is settled (module doc).
pub struct HoldBack<W: Write> {
    out: W,
    /// Archive offset of the first byte not released.
    base: u64,
    /// Held bytes from `base`; at most `limit`.
    mem: Vec<u8>,
    /// Held bytes from `spill_from` on, once `mem` was full.
    spill: Option<ScratchFile>,
    spill_from: u64,
    /// Overwrites of spilled bytes: (archive offset, bytes), in order.
    patches: Vec<(u64, Vec<u8>)>,
    patched: usize,
    /// Where the next write goes.
    pos: u64,
    /// Bytes before this offset are final as soon as they are written.
    promised: u64,
    limit: usize,
    /// Where the scratch file is made, and its name's prefix.
    dir: PathBuf,
    prefix: String,
}

impl<W: Write> HoldBack<W> {
    /// Hold back bytes on their way to `out`, `limit` of them in memory;
    /// more go to a scratch file made in `dir` (named with `prefix` for
    /// the moment it has a name).
    pub fn new(out: W, limit: usize, dir: PathBuf, prefix: String) -> HoldBack<W> {
        HoldBack {
            out,
            base: 0,
            mem: Vec::new(),
            spill: None,
            spill_from: 0,
            patches: Vec::new(),
            patched: 0,
            pos: 0,
            promised: 0,
            limit: limit.max(1),
            dir,
            prefix,
        }
    }

    fn spilled(&self) -> u64 {
        self.spill.as_ref().map_or(0, ScratchFile::len)
    }

    /// One past the last byte written.
    fn end(&self) -> u64 {
        match self.spilled() {
            0 => self.base + self.mem.len() as u64,
            n => self.spill_from + n,
        }
    }

    /// Bytes released to the output so far.
    pub fn released(&self) -> u64 {
        self.base
    }

    /// Every byte before archive offset `upto` is final: release what
    /// can go (all of it, unless `upto` falls inside the spilled part
    /// and before the end; then only the part in memory goes now). An
    /// `upto` past the end promises the bytes up to it: they will go
    /// straight through as they are written.
    pub fn settle(&mut self, upto: u64) -> io::Result<()> {
        let end = self.end();
        self.promised = self.promised.max(upto);
        let upto = upto.min(end);
        if upto <= self.base {
            return Ok(());
        }
        if upto == end {
            return self.release_all(end);
        }
        let n = if self.spilled() == 0 || upto <= self.spill_from {
            (upto - self.base) as usize
        } else {
            self.mem.len()
        };
        self.out.write_all(&self.mem[..n])?;
        self.mem.drain(..n);
        self.base += n as u64;
        Ok(())
    }

    /// Release everything held (it all ends at `end`).
    fn release_all(&mut self, end: u64) -> io::Result<()> {
        self.out.write_all(&self.mem)?;
        self.mem.clear();
        if let Some(spill) = self.spill.as_mut().filter(|s| !s.is_empty()) {
            spill.seek(SeekFrom::Start(0))?;
            let mut buf = vec![0u8; BLOCK];
            let mut at = self.spill_from;
            loop {
                let n = spill.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                patch(&mut buf[..n], at, &self.patches);
                self.out.write_all(&buf[..n])?;
                at += n as u64;
            }
            if at != end {
                return Err(io::Error::other("the scratch file came back short"));
            }
            spill.reset()?;
        }
        self.patches.clear();
        self.patched = 0;
        self.base = end;
        Ok(())
    }

    /// Release what is left (all of it must have been settled, or be
    /// settled by this call's end offset) and return the output.
    pub fn finish(mut self) -> io::Result<W> {
        let end = self.end();
        self.settle(end)?;
        Ok(self.out)
    }

    /// Append `buf` at the end; returns how much was taken.
    fn append(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.spilled() == 0 && self.mem.len() < self.limit {
            let n = buf.len().min(self.limit - self.mem.len());
            if self.mem.capacity() < self.mem.len() + n {
                // Grow without passing the limit (doubling could).
                let want = (self.mem.capacity() * 2)
                    .max(self.mem.len() + n)
                    .max(64 << 10)
                    .min(self.limit);
                self.mem.reserve_exact(want - self.mem.len());
            }
            self.mem.extend_from_slice(&buf[..n]);
            return Ok(n);
        }
        if self.spilled() == 0 {
            self.spill_from = self.base + self.mem.len() as u64;
        }
        let spill = match &mut self.spill {
            Some(s) => s,
            None => self
                .spill
                .insert(ScratchFile::create(&self.dir, &self.prefix)?),
        };
        spill.write(buf)
    }

    /// Overwrite held bytes at `self.pos` (before the end); returns how
    /// much was taken.
    fn overwrite(&mut self, buf: &[u8], end: u64) -> io::Result<usize> {
        if self.spilled() == 0 || self.pos < self.spill_from {
            let at = (self.pos - self.base) as usize;
            let n = buf.len().min(self.mem.len() - at);
            self.mem[at..at + n].copy_from_slice(&buf[..n]);
            return Ok(n);
        }
        let n = buf.len().min((end - self.pos) as usize);
        if self.patched + n > self.limit {
            return Err(io::Error::other(
                "too many rewrites of held-back bytes past the memory bound",
            ));
        }
        self.patches.push((self.pos, buf[..n].to_vec()));
        self.patched += n;
        Ok(n)
    }

    /// The scratch file's bytes as they are on disk.
    #[cfg(test)]
    pub(crate) fn spill_raw(&self) -> Option<Vec<u8>> {
        self.spill.as_ref().map(ScratchFile::raw)
    }
}

/// Apply to `buf` (the bytes at archive offset `at`) the patches that
/// overlap it, in the order they were written.
fn patch(buf: &mut [u8], at: u64, patches: &[(u64, Vec<u8>)]) {
    let stop = at + buf.len() as u64;
    for (p, bytes) in patches {
        let p_end = p + bytes.len() as u64;
        if p_end <= at || *p >= stop {
            continue;
        }
        let from = (*p).max(at);
        let to = p_end.min(stop);
        let src = &bytes[(from - p) as usize..(to - p) as usize];
        buf[(from - at) as usize..(to - at) as usize].copy_from_slice(src);
    }
}

impl<W: Write> Write for HoldBack<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos < self.base {
            return Err(io::Error::other(
                "a write into bytes already released (settled too early)",
            ));
        }
        let end = self.end();
        if self.pos == self.base && end == self.base && self.pos < self.promised {
            // Nothing held, and these bytes are final: straight through.
            let n = buf
                .len()
                .min((self.promised - self.pos).min(usize::MAX as u64) as usize);
            let n = self.out.write(&buf[..n])?;
            self.base += n as u64;
            self.pos += n as u64;
            return Ok(n);
        }
        let n = if self.pos < end {
            self.overwrite(buf, end)?
        } else {
            self.append(buf)?
        };
        self.pos += n as u64;
        Ok(n)
    }

    /// Flushes the output; held bytes stay held.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Seek for HoldBack<W> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = crate::direct::seek_within(to, self.pos, self.end())?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// xorshift64*: a small deterministic generator for the patterns.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            if n == 0 { 0 } else { self.next() % n }
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    fn holdback(limit: usize, dir: &tempfile::TempDir) -> HoldBack<Vec<u8>> {
        HoldBack::new(Vec::new(), limit, dir.path().to_path_buf(), ".hb.".into())
    }

    /// Random appends, rewrites and settles, across the memory bound,
    /// against the same calls on a Vec: what is released is always a
    /// prefix of the model, and at the end all of it.
    #[test]
    fn random_patterns_match_a_plain_vec() {
        let dir = tempfile::tempdir().unwrap();
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let limit = 1 + rng.below(3000) as usize;
            let mut h = holdback(limit, &dir);
            let mut model = Cursor::new(Vec::new());
            let mut settled = 0u64;
            // Rewrite bytes since everything was last released: kept
            // under the bound on patches.
            let mut rewritten = 0usize;
            for _ in 0..300 {
                let len = model.get_ref().len() as u64;
                match rng.below(10) {
                    0..=4 => {
                        let n = rng.below(3 * limit as u64 + 10) as usize;
                        let data = rng.bytes(n);
                        h.seek(SeekFrom::End(0)).unwrap();
                        model.seek(SeekFrom::End(0)).unwrap();
                        h.write_all(&data).unwrap();
                        model.write_all(&data).unwrap();
                    }
                    5..=7 if len > settled && rewritten + 8 <= limit => {
                        // A small rewrite of held bytes, perhaps running
                        // past the end (then it appends too).
                        let at = settled + rng.below(len - settled);
                        let n = 1 + rng.below(8) as usize;
                        let data = rng.bytes(n);
                        rewritten += data.len();
                        h.seek(SeekFrom::Start(at)).unwrap();
                        model.seek(SeekFrom::Start(at)).unwrap();
                        h.write_all(&data).unwrap();
                        model.write_all(&data).unwrap();
                    }
                    8 => {
                        // Anywhere from what is settled to past the end
                        // (a promise of bytes to come).
                        let upto = settled + rng.below(len - settled.min(len) + 2 * limit as u64);
                        h.settle(upto).unwrap();
                        settled = upto;
                        if upto >= len {
                            rewritten = 0;
                        }
                    }
                    _ => {
                        h.settle(len).unwrap();
                        settled = settled.max(len);
                        rewritten = 0;
                    }
                }
                let out = h.out.as_slice();
                assert!(
                    out.len() as u64 <= settled,
                    "seed {seed}: released unsettled"
                );
                let now = model.get_ref().len() as u64;
                if settled >= now {
                    assert_eq!(
                        out.len() as u64,
                        now,
                        "seed {seed}: all final, all released"
                    );
                }
                assert_eq!(out, &model.get_ref()[..out.len()], "seed {seed}");
                assert_eq!(h.end(), model.get_ref().len() as u64, "seed {seed}");
                assert!(h.mem.capacity() <= limit.max(64 << 10), "seed {seed}");
            }
            let model = model.into_inner();
            let released = h.finish().unwrap();
            assert_eq!(released, model, "seed {seed}");
        }
    }

    /// A zip-like entry larger than the bound: header, data, a patch of
    /// the header, settled. The scratch file held the data encrypted.
    #[test]
    fn a_large_entry_spills_encrypted_and_comes_back_exact() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = holdback(4096, &dir);
        let data: Vec<u8> = b"EVIDENTIA-PLAIN!".repeat(200_000);
        h.write_all(&[0u8; 30]).unwrap();
        h.write_all(&data).unwrap();
        assert!(
            h.out.is_empty(),
            "nothing released before the entry is settled"
        );
        let raw = h.spill_raw().expect("spilled");
        // Whole 1 MiB blocks are on disk, the partial last one in memory.
        assert!(raw.len() > 2 << 20, "{}", raw.len());
        assert!(!raw.windows(16).any(|w| w == b"EVIDENTIA-PLAIN!"));
        // The scratch file has no name.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let end = h.stream_position().unwrap();
        h.seek(SeekFrom::Start(14)).unwrap();
        h.write_all(b"CRC!").unwrap();
        // A rewrite past the memory part is a patch.
        h.seek(SeekFrom::Start(500_000)).unwrap();
        h.write_all(b"PATCH").unwrap();
        h.seek(SeekFrom::Start(end)).unwrap();
        h.settle(end).unwrap();
        let mut want = [vec![0u8; 30], data].concat();
        want[14..18].copy_from_slice(b"CRC!");
        want[500_000..500_005].copy_from_slice(b"PATCH");
        assert_eq!(h.out, want);
        // Released bytes are final.
        h.seek(SeekFrom::Start(10)).unwrap();
        assert!(h.write_all(b"x").is_err());
        assert!(h.seek(SeekFrom::Start(end + 1)).is_err());
    }

    /// Promised bytes go straight through; past the promise, bytes are
    /// held again.
    #[test]
    fn promised_bytes_go_straight_through() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = holdback(100, &dir);
        h.write_all(b"header").unwrap();
        h.settle(6 + 1000).unwrap();
        assert_eq!(h.out, b"header");
        h.write_all(&[7u8; 1000]).unwrap();
        assert_eq!(h.out.len(), 1006);
        assert!(h.mem.is_empty() && h.spill_raw().is_none());
        h.write_all(b"next").unwrap();
        assert_eq!(h.out.len(), 1006, "past the promise, held");
        h.seek(SeekFrom::Start(10)).unwrap();
        assert!(h.write_all(b"x").is_err(), "promised bytes are final");
        h.seek(SeekFrom::End(0)).unwrap();
        assert_eq!(h.finish().unwrap().len(), 1010);
    }

    #[test]
    fn rewrites_of_spilled_bytes_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = holdback(100, &dir);
        h.write_all(&[1u8; 1000]).unwrap();
        h.seek(SeekFrom::Start(500)).unwrap();
        h.write_all(&[2u8; 100]).unwrap();
        h.seek(SeekFrom::Start(500)).unwrap();
        assert!(h.write_all(&[3u8; 1]).is_err());
    }
}
