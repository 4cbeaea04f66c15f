//! Writing large outputs past the page cache (`O_DIRECT`).
//!
//! A forensic image or a bundle is written once and not read back soon.
//! Buffered writes of gigabytes cost much system time (the kernel copies
//! every byte into the page cache, then writes it back), and they leave the
//! final fsync with most of the data still to write. Direct writes go from
//! our own 4 KiB-aligned buffers to the device. The file system may refuse
//! them (tmpfs before Linux 6.6, some network file systems): then the same
//! bytes are written through the page cache, and the fsync at the end
//! covers both kinds.
//!
//! [`DirectOut`] is the bundle writer's output: a staging buffer whose full,
//! aligned chunks are written on a writer thread (so the disk works while
//! the caller reads and hashes the next bytes), with seeks back into what
//! was written (the zip writer patches each large entry's local header) and
//! an unaligned tail written through the page cache at the end.

use crate::hash::{BUFFER_ALIGN, PoolBuf};
use crate::testhook::{self, HookedFile, Op};
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// Alignment of direct writes: buffer address, file offset and length.
pub const ALIGN: usize = BUFFER_ALIGN;

/// Turn `O_DIRECT` on or off for `file`; false when the file system
/// refuses (tmpfs before Linux 6.6, some network file systems).
pub fn set_direct(file: &File, on: bool) -> bool {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, with integer arguments only.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 {
            return false;
        }
        let want = if on {
            flags | libc::O_DIRECT
        } else {
            flags & !libc::O_DIRECT
        };
        libc::fcntl(fd, libc::F_SETFL, want) == 0
    }
}

/// Whether a write of `data` at file offset `pos` meets `O_DIRECT`'s rules.
pub fn direct_ok(data: &[u8], pos: u64) -> bool {
    (data.as_ptr() as usize).is_multiple_of(ALIGN)
        && data.len().is_multiple_of(ALIGN)
        && pos.is_multiple_of(ALIGN as u64)
}

/// Size of one staging chunk (a multiple of [`ALIGN`]). 1 MiB: 2 MiB
/// chunks held 4 MiB more at the peak of every seal and wrote no faster
/// (a 1 GiB image and the 50,000-file tree, 2026-12-03).
const CHUNK: usize = 1 << 20;
/// Chunks at most: one being filled, the rest queued or being written.
const CHUNKS: usize = 4;
/// The most the staging ever holds.
pub const STAGING_BYTES: usize = CHUNK * CHUNKS;

/// Work for the writer thread, done in order.
enum Msg {
    /// A full chunk, to be written at an aligned offset.
    Chunk(PoolBuf, u64),
    /// Bytes at any offset (a patch, or the tail), through the page cache.
    Bytes(Vec<u8>, u64),
    /// Answer once everything sent before is written.
    Barrier(mpsc::SyncSender<()>),
}

/// The first write error of the writer thread, for the caller to return.
#[derive(Default)]
struct Failure {
    set: AtomicBool,
    error: Mutex<Option<io::Error>>,
}

impl Failure {
    fn record(&self, e: io::Error) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
        self.set.store(true, Ordering::Release);
    }

    /// The recorded error again (io::Error is not Clone): same OS error
    /// code, or same kind and message.
    fn get(&self) -> Option<io::Error> {
        if !self.set.load(Ordering::Acquire) {
            return None;
        }
        let slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().map(|e| match e.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(e.kind(), e.to_string()),
        })
    }
}

/// The writer thread's side: the file and whether `O_DIRECT` is on.
struct Sink {
    file: File,
    path: PathBuf,
    direct: bool,
}

impl Sink {
    /// One [`Op::Write`] of the test hook: all of `data` at `at` (a failed
    /// one writes half the bytes first, as a full disk does).
    fn write(&mut self, data: &[u8], at: u64) -> io::Result<()> {
        if let Err(e) = testhook::op(Op::Write, &self.path) {
            let _ = self.write_raw(&data[..data.len() / 2], at);
            return Err(e);
        }
        self.write_raw(data, at)
    }

    fn write_raw(&mut self, data: &[u8], at: u64) -> io::Result<()> {
        if self.direct && direct_ok(data, at) {
            match self.file.write_all_at(data, at) {
                // A direct write the file system will not take is no
                // verdict on the disk: write the same bytes buffered, and
                // stay buffered.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                    if !set_direct(&self.file, false) {
                        return Err(e);
                    }
                    self.direct = false;
                }
                other => return other,
            }
        }
        if self.direct {
            // Unaligned bytes on a direct descriptor: switch it off for
            // them only.
            if !set_direct(&self.file, false) {
                return Err(io::Error::other("cannot switch off O_DIRECT"));
            }
            let r = self.file.write_all_at(data, at);
            self.direct = set_direct(&self.file, true);
            return r;
        }
        self.file.write_all_at(data, at)
    }
}

/// What [`DirectOut::finish`] gives back.
pub struct Finished {
    /// The file, for its fsync.
    pub file: HookedFile,
    /// Direct writes were on to the end (the file system never refused
    /// one).
    pub direct: bool,
}

/// An output file written through aligned staging chunks, directly where
/// the file system allows it, on a writer thread. It implements `Write`
/// and `Seek` like a buffered file: seeking back and overwriting is
/// allowed, seeking past the end is not (no holes).
///
/// Write errors of the thread come back from a later call (`write`,
/// `flush` or [`DirectOut::finish`]). Call `finish` to get the file for
/// the fsync; dropping a `DirectOut` waits for the thread and discards
/// what was not written.
pub struct DirectOut {
    tx: Option<mpsc::SyncSender<Msg>>,
    handle: Option<std::thread::JoinHandle<Sink>>,
    free: mpsc::Receiver<PoolBuf>,
    allocated: usize,
    failure: Arc<Failure>,
    /// The chunk being filled; its first byte is at file offset `start`.
    buf: Option<PoolBuf>,
    /// Bytes of `buf` written so far.
    len: usize,
    /// File offset of `buf[0]`: always a multiple of [`CHUNK`].
    start: u64,
    /// Where the next write goes.
    pos: u64,
    /// `buf[..len]` has been written out by `flush` and not changed since.
    clean: bool,
}

impl DirectOut {
    /// Write `file` (empty, opened for writing, known as `path` to the
    /// test hook) from offset 0.
    pub fn new(file: File, path: &Path) -> DirectOut {
        let direct = set_direct(&file, true);
        let mut sink = Sink {
            file,
            path: path.to_path_buf(),
            direct,
        };
        let (tx, rx) = mpsc::sync_channel::<Msg>(CHUNKS);
        let (free_tx, free) = mpsc::channel::<PoolBuf>();
        let failure = Arc::new(Failure::default());
        let fail = Arc::clone(&failure);
        let handle = std::thread::spawn(move || {
            for msg in rx {
                let failed = fail.set.load(Ordering::Acquire);
                match msg {
                    Msg::Chunk(buf, at) => {
                        if !failed && let Err(e) = sink.write(&buf, at) {
                            fail.record(e);
                        }
                        let _ = free_tx.send(buf);
                    }
                    Msg::Bytes(bytes, at) => {
                        if !failed && let Err(e) = sink.write(&bytes, at) {
                            fail.record(e);
                        }
                    }
                    Msg::Barrier(done) => {
                        let _ = done.send(());
                    }
                }
            }
            sink
        });
        DirectOut {
            tx: Some(tx),
            handle: Some(handle),
            free,
            allocated: 0,
            failure,
            buf: None,
            len: 0,
            start: 0,
            pos: 0,
            clean: false,
        }
    }

    fn send(&self, msg: Msg) -> io::Result<()> {
        let gone = || io::Error::other("the output writer thread stopped");
        self.tx
            .as_ref()
            .ok_or_else(gone)?
            .send(msg)
            .map_err(|_| gone())
    }

    fn check(&self) -> io::Result<()> {
        self.failure.get().map_or(Ok(()), Err)
    }

    /// A chunk to fill: a recycled one, a new one while fewer than
    /// [`CHUNKS`] exist, or the next one the writer gives back.
    fn next_chunk(&mut self) -> io::Result<PoolBuf> {
        if let Ok(b) = self.free.try_recv() {
            return Ok(b);
        }
        if self.allocated < CHUNKS {
            self.allocated += 1;
            return Ok(PoolBuf::aligned(CHUNK));
        }
        self.free
            .recv()
            .map_err(|_| io::Error::other("the output writer thread stopped"))
    }

    /// Hand the full chunk to the writer and start the next one.
    fn ship(&mut self) -> io::Result<()> {
        if let Some(buf) = self.buf.take() {
            self.send(Msg::Chunk(buf, self.start))?;
        }
        self.start += CHUNK as u64;
        self.len = 0;
        Ok(())
    }

    /// The file's length so far.
    fn size(&self) -> u64 {
        self.start + self.len as u64
    }

    /// Write what is left through the page cache, wait for the writer
    /// thread, and return the file (for the fsync) or the first error.
    pub fn finish(mut self) -> io::Result<Finished> {
        self.check()?;
        self.write_tail()?;
        let sink = self.stop();
        self.check()?;
        let sink = sink.ok_or_else(|| io::Error::other("the output writer thread failed"))?;
        Ok(Finished {
            direct: sink.direct,
            file: HookedFile::new(sink.file, &sink.path),
        })
    }

    /// Send the staging chunk's bytes through the page cache, unless they
    /// went already and have not changed since. The chunk stays, to be
    /// written again directly once full.
    fn write_tail(&mut self) -> io::Result<()> {
        if self.len > 0 && !self.clean {
            let tail = self.buf.as_ref().map(|b| b[..self.len].to_vec());
            self.send(Msg::Bytes(tail.unwrap_or_default(), self.start))?;
            self.clean = true;
        }
        Ok(())
    }

    /// Close the queue and wait for the writer thread.
    fn stop(&mut self) -> Option<Sink> {
        self.tx = None;
        self.handle.take().and_then(|h| h.join().ok())
    }
}

impl Drop for DirectOut {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Write for DirectOut {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.check()?;
        if data.is_empty() {
            return Ok(0);
        }
        if self.pos < self.start {
            // Behind the staging chunk: already handed to the writer.
            let n = ((self.start - self.pos) as usize).min(data.len());
            self.send(Msg::Bytes(data[..n].to_vec(), self.pos))?;
            self.pos += n as u64;
            return Ok(n);
        }
        if self.len == CHUNK && self.pos == self.size() {
            self.ship()?;
        }
        let off = (self.pos - self.start) as usize;
        if off > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "write past the end of the output (a hole)",
            ));
        }
        if self.buf.is_none() {
            self.buf = Some(self.next_chunk()?);
        }
        let n = (CHUNK - off).min(data.len());
        if let Some(buf) = &mut self.buf {
            buf[off..off + n].copy_from_slice(&data[..n]);
        }
        self.len = self.len.max(off + n);
        self.pos += n as u64;
        self.clean = false;
        Ok(n)
    }

    /// Everything written so far reaches the file (the staging chunk
    /// through the page cache, kept to be written again directly once
    /// full) before this returns.
    fn flush(&mut self) -> io::Result<()> {
        self.check()?;
        self.write_tail()?;
        let (done_tx, done) = mpsc::sync_channel(1);
        self.send(Msg::Barrier(done_tx))?;
        done.recv()
            .map_err(|_| io::Error::other("the output writer thread stopped"))?;
        self.check()
    }
}

impl Seek for DirectOut {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = seek_within(to, self.pos, self.size())?;
        Ok(self.pos)
    }
}

/// Where `to` goes from `pos` in an output of `end` bytes written so far:
/// never before its start nor past its end (no holes). For the writers
/// that seek back to fill in a header (`DirectOut`, `crypt::HoldBack`).
pub fn seek_within(to: SeekFrom, pos: u64, end: u64) -> io::Result<u64> {
    let at = match to {
        SeekFrom::Start(n) => Some(n),
        SeekFrom::End(d) => end.checked_add_signed(d),
        SeekFrom::Current(d) => pos.checked_add_signed(d),
    };
    at.filter(|p| *p <= end).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "seek outside the output written so far",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_rules() {
        let b = PoolBuf::aligned(8192);
        assert!(direct_ok(&b[..4096], 0));
        assert!(direct_ok(&b[..8192], 4096));
        assert!(!direct_ok(&b[..4000], 0));
        assert!(!direct_ok(&b[..4096], 512));
        assert!(!direct_ok(&b[1..4097], 0));
    }

    /// A deterministic byte pattern.
    fn pattern(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
            .collect()
    }

    trait WriteSeek: Write + Seek {}
    impl<T: Write + Seek> WriteSeek for T {}

    /// One entry as the zip writer makes it: a header, the data in odd
    /// pieces, a patch of the header after the data, then small entries.
    fn entry(w: &mut dyn WriteSeek, round: u8, big: usize) {
        let header_at = w.stream_position().unwrap();
        w.write_all(&pattern(45, round)).unwrap();
        let data = pattern(big, round.wrapping_add(9));
        for piece in data.chunks(1_000_003) {
            w.write_all(piece).unwrap();
        }
        let end = w.stream_position().unwrap();
        w.seek(SeekFrom::Start(header_at + 14)).unwrap();
        w.write_all(&[0xAA; 12]).unwrap();
        w.seek(SeekFrom::Start(end)).unwrap();
        for i in 0..50u8 {
            w.write_all(&pattern(100 + i as usize, i)).unwrap();
        }
    }

    fn ending(w: &mut dyn WriteSeek) {
        w.seek(SeekFrom::End(-3)).unwrap();
        w.write_all(b"END-OF-OUTPUT").unwrap();
    }

    /// Writes, patches and a flush in the middle, compared with the same
    /// calls on a Vec; returns whether direct writes were used throughout.
    fn zip_like(dir: &Path) -> bool {
        let path = dir.join("out.bin");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        let mut out = DirectOut::new(file, &path);
        let mut model = io::Cursor::new(Vec::new());
        for (round, big) in [(0u8, 5 * CHUNK + 12_345), (1, CHUNK - 30), (2, 77)] {
            entry(&mut out, round, big);
            entry(&mut model, round, big);
            if round == 1 {
                out.flush().unwrap();
                assert_eq!(std::fs::read(&path).unwrap(), *model.get_ref());
            }
        }
        // No holes: seeking past the end is refused.
        assert!(out.seek(SeekFrom::End(1)).is_err());
        ending(&mut out);
        ending(&mut model);
        let done = out.finish().unwrap();
        done.file.sync_all().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), model.into_inner());
        done.direct
    }

    #[test]
    fn writes_and_patches_land_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let probe = File::create(dir.path().join("probe")).unwrap();
        let can = set_direct(&probe, true);
        // Where the file system takes direct writes, they were used for
        // every chunk (a refusal would have switched them off).
        assert_eq!(zip_like(dir.path()), can);
    }

    #[test]
    fn writes_and_patches_land_exactly_on_tmpfs() {
        // /dev/shm is tmpfs: direct writes are refused (and fall back) or
        // taken, depending on the kernel.
        let shm = Path::new("/dev/shm");
        if !shm.is_dir() {
            return;
        }
        let dir = tempfile::tempdir_in(shm).unwrap();
        zip_like(dir.path());
    }

    #[test]
    fn a_failed_write_is_returned_later() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro.bin");
        std::fs::write(&path, b"").unwrap();
        // Opened read-only: every write of the thread fails (EBADF).
        let file = File::open(&path).unwrap();
        let mut out = DirectOut::new(file, &path);
        let data = pattern(3 * CHUNK, 1);
        let mut err = None;
        for piece in data.chunks(CHUNK / 2) {
            if let Err(e) = out.write_all(piece) {
                err = Some(e);
                break;
            }
        }
        let e = match err {
            Some(e) => e,
            None => out.flush().unwrap_err(),
        };
        assert_eq!(e.raw_os_error(), Some(libc::EBADF), "{e}");
    }
}
