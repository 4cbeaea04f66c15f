//! The bad-sector-aware reader.
//!
//! Seekable sources are read with positioned reads (`pread`) in large
//! blocks. When a block fails, that block is read again sector by sector,
//! each failing sector retried `retries` times; only the sectors that stay
//! unreadable are zero-filled and recorded. Streams are read in order and a
//! read error on a stream stops the acquisition (a stream cannot be re-read).
//!
//! This module never writes to a source and never prints.

use super::map::BadRanges;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};

/// Something to image. Tests implement it to fail at chosen offsets.
pub trait SectorSource {
    /// Read up to `buf.len()` bytes at `offset` (like `pread`). Streams
    /// accept only the offset right after the previous read.
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize>;

    /// Read one sector during the sector-by-sector rescue. Defaults to
    /// [`SectorSource::read_at`]; a device overrides it with a direct read
    /// that bypasses the page cache, so one bad sector does not fail its
    /// whole cached page.
    fn read_sector_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.read_at(buf, offset)
    }

    /// The size in bytes as the source reports it now, or `None` for a
    /// stream.
    fn size(&mut self) -> io::Result<Option<u64>>;

    /// Drop the source's cached pages so that the next read comes from the
    /// medium; false when that is not possible.
    fn drop_cache(&mut self) -> bool {
        false
    }
}

/// Ask the kernel to drop the cached pages of `file`; true on success.
pub fn drop_cache(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: advisory call on a descriptor we own; it touches no memory.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) == 0 }
}

/// A regular file or a block device, read with positioned reads.
pub struct FileSource {
    file: File,
    direct: Option<File>,
    bounce: Vec<u8>,
    sector: usize,
    device: bool,
}

impl FileSource {
    /// Wrap a file opened read-only. `direct`, when given, is the same
    /// object opened with `O_DIRECT` for sector rescue reads (`sector` bytes,
    /// aligned).
    pub fn new(file: File, direct: Option<File>, sector: usize, device: bool) -> FileSource {
        FileSource {
            file,
            direct,
            bounce: vec![0u8; sector.max(512) + 4096],
            sector: sector.max(512),
            device,
        }
    }
}

impl SectorSource for FileSource {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    fn read_sector_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let Some(direct) = &self.direct else {
            return self.file.read_at(buf, offset);
        };
        // O_DIRECT wants an aligned buffer, offset and length: read the
        // whole sector into an aligned bounce buffer and copy out.
        let start = self.bounce.as_ptr().align_offset(4096);
        let aligned = &mut self.bounce[start..start + self.sector];
        match direct.read_at(aligned, offset) {
            Ok(n) => {
                let n = n.min(buf.len());
                buf[..n].copy_from_slice(&aligned[..n]);
                Ok(n)
            }
            // A direct read the kernel refuses (alignment) is no verdict on
            // the sector: fall back to a buffered read.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => self.file.read_at(buf, offset),
            Err(e) => Err(e),
        }
    }

    fn drop_cache(&mut self) -> bool {
        drop_cache(&self.file)
    }

    fn size(&mut self) -> io::Result<Option<u64>> {
        if self.device {
            Ok(Some(super::device::geometry(&self.file)?.size))
        } else {
            Ok(Some(self.file.metadata()?.len()))
        }
    }
}

/// A stream (standard input, a pipe): read strictly in order.
pub struct StreamSource<R> {
    inner: R,
    pos: u64,
}

impl<R: Read> StreamSource<R> {
    /// Wrap a reader.
    pub fn new(inner: R) -> StreamSource<R> {
        StreamSource { inner, pos: 0 }
    }
}

impl<R: Read> SectorSource for StreamSource<R> {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        if offset != self.pos {
            return Err(io::Error::other("a stream can only be read in order"));
        }
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }

    fn size(&mut self) -> io::Result<Option<u64>> {
        Ok(None)
    }
}

/// How to read: sector size for the rescue, and retries per failing sector.
#[derive(Debug, Clone, Copy)]
pub struct ReadPolicy {
    /// Logical sector size in bytes (the rescue granularity).
    pub sector_size: usize,
    /// Extra attempts for each sector that fails.
    pub retries: u32,
}

/// Why a block could not be produced.
#[derive(Debug)]
pub enum BlockError {
    /// The source ended at this offset although it claimed to be larger.
    Shrank(u64),
    /// A stream failed at this offset.
    Stream(u64, io::Error),
}

/// Read `buf.len()` bytes at `offset` from a seekable source (the caller
/// never asks past the end). Unreadable sectors are zero-filled and added
/// to `bad`. Returns the number of rescued-but-bad sectors added.
pub fn read_block(
    src: &mut dyn SectorSource,
    buf: &mut [u8],
    offset: u64,
    policy: ReadPolicy,
    bad: &mut BadRanges,
) -> Result<u64, BlockError> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => return Err(BlockError::Shrank(offset + filled as u64)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return rescue(src, buf, offset, filled, policy, bad),
        }
    }
    Ok(0)
}

/// Re-read `buf[from..]` sector by sector (starting at the sector holding
/// `from`), with retries.
fn rescue(
    src: &mut dyn SectorSource,
    buf: &mut [u8],
    offset: u64,
    from: usize,
    policy: ReadPolicy,
    bad: &mut BadRanges,
) -> Result<u64, BlockError> {
    let sector = policy.sector_size.max(1);
    // Sectors are counted from the start of the source, so align absolute
    // offsets, not offsets within the block.
    let abs = offset + from as u64;
    let mut pos = ((abs - abs % sector as u64).max(offset) - offset) as usize;
    let mut bad_sectors = 0;
    while pos < buf.len() {
        let sector_start = offset + pos as u64;
        let len = (sector - (sector_start % sector as u64) as usize).min(buf.len() - pos);
        let mut ok = false;
        for _ in 0..=policy.retries {
            match read_exact_sector(src, &mut buf[pos..pos + len], sector_start)? {
                true => {
                    ok = true;
                    break;
                }
                false => continue,
            }
        }
        if !ok {
            buf[pos..pos + len].fill(0);
            bad.add(sector_start, len as u64);
            bad_sectors += 1;
        }
        pos += len;
    }
    Ok(bad_sectors)
}

/// One attempt at one sector: `Ok(true)` when it was read in full.
fn read_exact_sector(
    src: &mut dyn SectorSource,
    buf: &mut [u8],
    offset: u64,
) -> Result<bool, BlockError> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read_sector_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => return Err(BlockError::Shrank(offset + filled as u64)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(false),
        }
    }
    Ok(true)
}

/// Read up to `buf.len()` bytes from a stream at `offset`; fewer only at
/// the end of the stream.
///
/// A read interrupted by a signal while `cancel` is set returns what was
/// read so far: a stream read can block indefinitely, and the interrupt is
/// how the user stops it.
pub fn read_stream_block(
    src: &mut dyn SectorSource,
    buf: &mut [u8],
    offset: u64,
    cancel: &AtomicBool,
) -> Result<usize, BlockError> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
            }
            Err(e) => return Err(BlockError::Stream(offset + filled as u64, e)),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::OpenOptionsExt;

    #[test]
    fn direct_sector_reads_return_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        let data: Vec<u8> = (0..512 * 7 + 100).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let direct = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECT)
            .open(&path)
            .ok();
        let mut src = FileSource::new(File::open(&path).unwrap(), direct, 512, false);
        let mut buf = [0u8; 512];
        assert_eq!(src.read_sector_at(&mut buf, 512 * 3).unwrap(), 512);
        assert_eq!(&buf[..], &data[512 * 3..512 * 4]);
        // The partial last sector.
        let n = src.read_sector_at(&mut buf[..100], 512 * 7).unwrap();
        assert_eq!(&buf[..n], &data[512 * 7..]);
        assert_eq!(src.size().unwrap(), Some(data.len() as u64));
    }
}
