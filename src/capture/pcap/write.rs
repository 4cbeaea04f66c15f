//! The classic pcap writer of capture segments: little endian, version
//! 2.4, microsecond or nanosecond magic. It writes straight to its `W`
//! (wrap a file in a `BufWriter` for speed) and reports every write error
//! at once; it never rewrites what it wrote.

use super::{HEADER_LEN, MAX_CAPLEN, RECORD_HEADER_LEN};
use crate::model::capture::PacketTime;
use std::io::{self, Write};

/// A classic pcap writer.
pub struct Writer<W: Write> {
    w: W,
    nanos: bool,
    /// The most captured bytes a record may hold.
    limit: u32,
    bytes: u64,
}

impl<W: Write> Writer<W> {
    /// Write the 24-byte file header (little endian, version 2.4, magic
    /// `a1b23c4d` when `nanos`, else `a1b2c3d4`).
    pub fn new(mut w: W, linktype: u16, snaplen: u32, nanos: bool) -> io::Result<Writer<W>> {
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut h = [0u8; HEADER_LEN as usize];
        h[0..4].copy_from_slice(&magic.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone and sigfigs stay zero.
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&u32::from(linktype).to_le_bytes());
        w.write_all(&h)?;
        // The reader refuses records longer than a sane snaplen, so the
        // writer does too.
        let limit = if snaplen > 0 && snaplen <= MAX_CAPLEN {
            snaplen
        } else {
            MAX_CAPLEN
        };
        Ok(Writer {
            w,
            nanos,
            limit,
            bytes: HEADER_LEN,
        })
    }

    /// Write one record. `time` must lie between 1970 and 2106 (the
    /// format's unsigned 32-bit seconds); without `nanos` its fraction is
    /// cut to microseconds. `data` may be at most the snaplen (or 262,144
    /// bytes when the snaplen is 0 or larger); `orig_len` is written as
    /// given. An invalid record is refused (`InvalidInput`) before any
    /// byte of it is written.
    pub fn write_packet(&mut self, time: PacketTime, orig_len: u32, data: &[u8]) -> io::Result<()> {
        let secs = u32::try_from(time.secs).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("packet time {time} cannot be written to a pcap file (1970 to 2106 only)"),
            )
        })?;
        let caplen = u32::try_from(data.len())
            .ok()
            .filter(|&n| n <= self.limit)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "a packet of {} captured bytes is longer than the snapshot length {}",
                        data.len(),
                        self.limit
                    ),
                )
            })?;
        let frac = if self.nanos {
            time.nanos
        } else {
            time.nanos / 1_000
        };
        let mut h = [0u8; RECORD_HEADER_LEN as usize];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&frac.to_le_bytes());
        h[8..12].copy_from_slice(&caplen.to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.to_le_bytes());
        self.w.write_all(&h)?;
        self.w.write_all(data)?;
        self.bytes += RECORD_HEADER_LEN + u64::from(caplen);
        Ok(())
    }

    /// Bytes written so far, the file header included (after a failed
    /// write: up to the last whole record).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Flush the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }

    /// The underlying writer, mutably (writing to it directly breaks the
    /// file).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// The underlying writer (not flushed: call [`Writer::flush`] first).
    pub fn into_inner(self) -> W {
        self.w
    }
}
