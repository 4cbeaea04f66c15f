//! A streaming zip writer for bundles, written by hand so that every byte
//! of the container is ours to explain.
//!
//! Invariants:
//! - Entries are written in the order given, each as a local header, its
//!   data, and nothing else (no data descriptors): once an entry's data is
//!   written, the writer seeks back and fills in its CRC-32 and sizes, so
//!   local and central headers always agree. Then every byte before the
//!   entry's end is final, and a settle hook, if one is set, is told so
//!   ([`ZipWriter::on_settled`]): a forward-only output behind a hold-back
//!   buffer (`seal --to`, `crate::crypt::HoldBack`) releases them then.
//! - An entry uses ZIP64 sizes when its expected size is near or past
//!   4 GiB; the end record uses ZIP64 when the count, size or offset of the
//!   central directory needs it. An entry that outgrows its 32-bit header is
//!   an error, never a silently wrong archive.
//! - Memory is constant: data passes straight through (and through the
//!   deflate encoder when asked).
//! - Output is deterministic: one fixed timestamp for every entry, fixed
//!   attributes, no extra fields but ZIP64.
//! - Nothing the reader would refuse (see `super::check`): flags are bit 11
//!   only, no comments, disk 0, regular-file attributes. Names are the
//!   caller's: seal escapes them ([`crate::bundle::layout`]) so that they pass the
//!   reader's name checks; tests use this writer for hostile names too.

pub use super::dostime::DosTime;
use crate::crypt::ScratchFile;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::{self, Seek, SeekFrom, Write};

/// A settle hook: called with the output and an archive offset before
/// which every byte is final (see [`ZipWriter::on_settled`]).
pub type Settled<W> = fn(&mut W, u64) -> io::Result<()>;

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// No compression (method 0), the default.
    Stored,
    /// Raw deflate (method 8).
    Deflate,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflate => 8,
        }
    }
}

/// Sizes at or above this use ZIP64 (leaving room for deflate expansion).
const ZIP64_THRESHOLD: u64 = 0xFFFF_0000;
/// General-purpose flag bit 11: the name is UTF-8.
const FLAG_UTF8: u16 = 1 << 11;
/// Version made by: Unix (3), spec 4.5. The reader requires exactly this
/// ([`super::check`]): the one source of truth for both.
pub(super) const MADE_BY: u16 = (3 << 8) | 45;
/// External attributes of every file entry: a regular file, mode 0644.
pub(super) const FILE_ATTRS: u32 = 0o100644 << 16;
/// Version needed to extract an entry without ZIP64 sizes.
pub(super) const VERSION_NEEDED: u16 = 20;
/// Version needed to extract an entry with ZIP64 sizes (an entry whose
/// only ZIP64 value is its offset keeps [`VERSION_NEEDED`]).
pub(super) const VERSION_NEEDED_ZIP64: u16 = 45;

struct CentralRecord {
    name: String,
    method: Method,
    zip64: bool,
    crc: u32,
    csize: u64,
    usize: u64,
    offset: u64,
    when: DosTime,
}

/// Writes a zip archive entry by entry.
pub struct ZipWriter<W: Write + Seek> {
    out: W,
    pos: u64,
    when: DosTime,
    records: Vec<CentralRecord>,
    /// Where central directory headers go as entries finish, when they
    /// are kept on disk instead of in `records`.
    spill: Option<ScratchFile>,
    /// Entries written to `spill`.
    spilled: u64,
    /// Told when bytes are final.
    settled: Option<Settled<W>>,
}

/// Counts bytes on their way to the archive.
struct Counter<'a, W: Write> {
    out: &'a mut W,
    count: u64,
}

impl<W: Write> Write for Counter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

enum Sink<'a, W: Write> {
    Stored(Counter<'a, W>),
    Deflate(DeflateEncoder<Counter<'a, W>>),
}

/// The data of one entry being written; call [`EntryWriter::finish`].
pub struct EntryWriter<'a, W: Write + Seek> {
    sink: Sink<'a, W>,
    crc: crc32fast::Hasher,
    usize: u64,
    header_at: u64,
    name_len: u64,
    zip64: bool,
    records: &'a mut Vec<CentralRecord>,
    pos: &'a mut u64,
    name: String,
    method: Method,
    when: DosTime,
    settled: Option<Settled<W>>,
    /// The CRC-32 and size its header announced already
    /// ([`ZipWriter::start_entry_known`]).
    known: Option<(u32, u64)>,
}

impl<W: Write + Seek> Write for EntryWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match &mut self.sink {
            Sink::Stored(c) => c.write(buf)?,
            Sink::Deflate(d) => d.write(buf)?,
        };
        self.crc.update(&buf[..n]);
        self.usize += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write + Seek> EntryWriter<'_, W> {
    fn header_len(&self) -> u64 {
        30 + self.name_len + if self.zip64 { 20 } else { 0 }
    }

    /// Finish the entry: flush the encoder, patch the local header (or
    /// check that the data is what it announced), and remember the entry
    /// for the central directory. Returns its CRC-32.
    pub fn finish(self) -> io::Result<u32> {
        let header_len = self.header_len();
        let counter = match self.sink {
            Sink::Stored(c) => c,
            Sink::Deflate(d) => d.finish()?,
        };
        let csize = counter.count;
        let out = counter.out;
        let crc = self.crc.finalize();
        if !self.zip64 && (csize >= 0xFFFF_FFFF || self.usize >= 0xFFFF_FFFF) {
            return Err(io::Error::other(format!(
                "{} grew past 4 GiB while being written",
                self.name
            )));
        }
        let end = self.header_at + header_len + csize;
        match self.known {
            Some(known) if known != (crc, self.usize) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} is not what its header announced (CRC-32 and size)",
                        self.name
                    ),
                ));
            }
            Some(_) => {}
            None => {
                out.seek(SeekFrom::Start(self.header_at + 14))?;
                out.write_all(&crc.to_le_bytes())?;
                if self.zip64 {
                    out.seek(SeekFrom::Start(self.header_at + 30 + self.name_len + 4))?;
                    out.write_all(&self.usize.to_le_bytes())?;
                    out.write_all(&csize.to_le_bytes())?;
                } else {
                    out.write_all(&(csize as u32).to_le_bytes())?;
                    out.write_all(&(self.usize as u32).to_le_bytes())?;
                }
                out.seek(SeekFrom::Start(end))?;
            }
        }
        if let Some(hook) = self.settled {
            hook(out, end)?;
        }
        *self.pos = end;
        self.records.push(CentralRecord {
            name: self.name,
            method: self.method,
            zip64: self.zip64,
            crc,
            csize,
            usize: self.usize,
            offset: self.header_at,
            when: self.when,
        });
        Ok(crc)
    }
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl<W: Write + Seek> ZipWriter<W> {
    /// A writer that starts at the current end of `out` (normally an empty
    /// file), stamping every entry with `when`.
    pub fn new(out: W, when: DosTime) -> ZipWriter<W> {
        ZipWriter {
            out,
            pos: 0,
            when,
            records: Vec::new(),
            spill: None,
            spilled: 0,
            settled: None,
        }
    }

    /// Call `hook(out, upto)` whenever every byte before archive offset
    /// `upto` is final: after each entry (its header patched), and after
    /// the end records. Before a whole entry from memory, and after the
    /// header of an entry that announced its size
    /// ([`ZipWriter::start_entry_known`]), `upto` is the entry's end, past
    /// what was written: each byte up to it is final as soon as it is
    /// written. Without a hook (a file, which can be rewritten in
    /// place) nothing is called.
    pub fn on_settled(&mut self, hook: Settled<W>) {
        self.settled = Some(hook);
    }

    /// Tell the hook that everything written so far is final.
    fn settle(&mut self) -> io::Result<()> {
        match self.settled {
            Some(hook) => hook(&mut self.out, self.pos),
            None => Ok(()),
        }
    }

    /// Stamp the entries started from now on with `when` (a bundle's
    /// entries carry the time of the seal or event that wrote them; this
    /// lets a copy keep them).
    pub fn set_time(&mut self, when: DosTime) {
        self.when = when;
    }

    /// Keep the central directory in `file` (an empty scratch file)
    /// instead of in memory: constant memory for any number of entries,
    /// the same archive.
    pub fn spill_directory(&mut self, file: ScratchFile) {
        self.spill = Some(file);
    }

    /// Move finished entries' records to the spill file, if there is one.
    fn drain(&mut self) -> io::Result<()> {
        if let Some(s) = &mut self.spill {
            for r in self.records.drain(..) {
                s.write_all(&central_header(&r))?;
                self.spilled += 1;
            }
        }
        Ok(())
    }

    /// Start an entry. `expected_size` decides whether ZIP64 sizes are
    /// used; it must be at least close to the real size.
    pub fn start_entry(
        &mut self,
        name: &str,
        method: Method,
        expected_size: u64,
    ) -> io::Result<EntryWriter<'_, W>> {
        self.begin(name, method, expected_size >= ZIP64_THRESHOLD, None)
    }

    /// Start a stored entry whose CRC-32 and size are known before its
    /// data (read ahead): its header is written complete, and it and each
    /// byte of data are final as soon as written (the settle hook is told
    /// so at once), so an output that only goes forward need not hold the
    /// entry back. [`EntryWriter::finish`] fails if the data is not what was
    /// announced. `expected_size` decides ZIP64 as in
    /// [`ZipWriter::start_entry`]: the same bytes as that entry, patched.
    pub fn start_entry_known(
        &mut self,
        name: &str,
        expected_size: u64,
        crc: u32,
        size: u64,
    ) -> io::Result<EntryWriter<'_, W>> {
        let zip64 = expected_size >= ZIP64_THRESHOLD;
        if !zip64 && size >= 0xFFFF_FFFF {
            return Err(io::Error::other(format!(
                "{name} is past 4 GiB, more than its expected size"
            )));
        }
        self.begin(name, Method::Stored, zip64, Some((crc, size)))
    }

    /// Write a local header (complete when `known`, else to be patched)
    /// and start the entry's data.
    fn begin(
        &mut self,
        name: &str,
        method: Method,
        zip64: bool,
        known: Option<(u32, u64)>,
    ) -> io::Result<EntryWriter<'_, W>> {
        self.drain()?;
        let (crc, size) = known.unwrap_or((0, 0));
        let h = local_header(name, method, zip64, self.when, crc, size);
        self.out.write_all(&h)?;
        let header_at = self.pos;
        self.pos += h.len() as u64;
        if let (Some(hook), Some((_, size))) = (self.settled, known) {
            // The header announced everything: it is final, and so is
            // each byte of data as soon as it is written.
            hook(&mut self.out, self.pos + size)?;
        }
        let counter = Counter {
            out: &mut self.out,
            count: 0,
        };
        let sink = match method {
            Method::Stored => Sink::Stored(counter),
            Method::Deflate => Sink::Deflate(DeflateEncoder::new(counter, Compression::default())),
        };
        Ok(EntryWriter {
            sink,
            crc: crc32fast::Hasher::new(),
            usize: 0,
            header_at,
            name_len: name.len() as u64,
            zip64,
            records: &mut self.records,
            pos: &mut self.pos,
            name: name.to_string(),
            method,
            when: self.when,
            settled: self.settled,
            known,
        })
    }

    /// Write a whole small entry from memory.
    pub fn add_bytes(&mut self, name: &str, method: Method, data: &[u8]) -> io::Result<()> {
        let len = data.len() as u64;
        if method == Method::Stored && len < ZIP64_THRESHOLD {
            // Everything the local header holds is known already: write it
            // complete, with no seek back to patch it (the same bytes, and
            // many small entries coalesce in the output buffer).
            let crc = crc32fast::hash(data);
            let h = local_header(name, method, false, self.when, crc, len);
            if let Some(hook) = self.settled {
                // Final as written: promised before they are written.
                hook(&mut self.out, self.pos + h.len() as u64 + len)?;
            }
            self.out.write_all(&h)?;
            self.out.write_all(data)?;
            let header_at = self.pos;
            self.pos += h.len() as u64 + len;
            self.records.push(CentralRecord {
                name: name.to_string(),
                method,
                zip64: false,
                crc,
                csize: len,
                usize: len,
                offset: header_at,
                when: self.when,
            });
            return self.drain();
        }
        let mut e = self.start_entry(name, method, data.len() as u64)?;
        e.write_all(data)?;
        e.finish().map(|_| ())
    }

    /// Write the central directory and end records; returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.drain()?;
        let cd_start = self.pos;
        let mut count = self.records.len() as u64;
        if let Some(mut file) = self.spill.take() {
            file.seek(SeekFrom::Start(0))?;
            let copied = io::copy(
                &mut io::BufReader::with_capacity(256 << 10, file),
                &mut self.out,
            )?;
            self.pos += copied;
            count = self.spilled;
        }
        let mut cd = Vec::new();
        for r in &self.records {
            cd.extend_from_slice(&central_header(r));
            if cd.len() >= 1 << 20 {
                self.out.write_all(&cd)?;
                self.pos += cd.len() as u64;
                cd.clear();
            }
        }
        self.out.write_all(&cd)?;
        self.pos += cd.len() as u64;
        let cd_size = self.pos - cd_start;
        let end = end_records(self.pos, count, cd_start, cd_size);
        self.out.write_all(&end)?;
        self.pos += end.len() as u64;
        self.settle()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The local header of a small stored entry whose CRC-32 and size are
/// known up front (appended custody entries).
pub(in crate::bundle) fn stored_local_header(
    name: &str,
    crc: u32,
    size: u32,
    when: DosTime,
) -> Vec<u8> {
    local_header(name, Method::Stored, false, when, crc, u64::from(size))
}

/// A local header. An entry whose data is not written yet has zeros for
/// `crc` and `size` (then patched); the sizes go in the ZIP64 extra field
/// when `zip64`. `size` is both sizes: only stored entries are announced
/// before their data.
fn local_header(
    name: &str,
    method: Method,
    zip64: bool,
    when: DosTime,
    crc: u32,
    size: u64,
) -> Vec<u8> {
    let mut h = Vec::with_capacity(30 + name.len() + 20);
    put32(&mut h, 0x0403_4b50);
    put16(
        &mut h,
        if zip64 {
            VERSION_NEEDED_ZIP64
        } else {
            VERSION_NEEDED
        },
    );
    put16(&mut h, FLAG_UTF8);
    put16(&mut h, method.code());
    put16(&mut h, when.time);
    put16(&mut h, when.date);
    put32(&mut h, crc);
    let small = if zip64 { 0xFFFF_FFFF } else { size as u32 };
    put32(&mut h, small);
    put32(&mut h, small);
    put16(&mut h, name.len() as u16);
    put16(&mut h, if zip64 { 20 } else { 0 });
    h.extend_from_slice(name.as_bytes());
    if zip64 {
        put16(&mut h, 0x0001);
        put16(&mut h, 16);
        put64(&mut h, size);
        put64(&mut h, size);
    }
    h
}

/// The central directory header of a small stored entry at `offset`.
pub(in crate::bundle) fn stored_central_header(
    name: &str,
    crc: u32,
    size: u32,
    offset: u64,
    when: DosTime,
) -> Vec<u8> {
    central_header(&CentralRecord {
        name: name.to_string(),
        method: Method::Stored,
        zip64: false,
        crc,
        csize: u64::from(size),
        usize: u64::from(size),
        offset,
        when,
    })
}

fn central_header(r: &CentralRecord) -> Vec<u8> {
    let when = r.when;
    let mut cd = Vec::with_capacity(46 + r.name.len() + 28);
    let big_offset = r.offset >= 0xFFFF_FFFF;
    let mut extra = Vec::new();
    if r.zip64 {
        put64(&mut extra, r.usize);
        put64(&mut extra, r.csize);
    }
    if big_offset {
        put64(&mut extra, r.offset);
    }
    put32(&mut cd, 0x0201_4b50);
    put16(&mut cd, MADE_BY);
    put16(
        &mut cd,
        if r.zip64 {
            VERSION_NEEDED_ZIP64
        } else {
            VERSION_NEEDED
        },
    );
    put16(&mut cd, FLAG_UTF8);
    put16(&mut cd, r.method.code());
    put16(&mut cd, when.time);
    put16(&mut cd, when.date);
    put32(&mut cd, r.crc);
    put32(&mut cd, if r.zip64 { 0xFFFF_FFFF } else { r.csize as u32 });
    put32(&mut cd, if r.zip64 { 0xFFFF_FFFF } else { r.usize as u32 });
    put16(&mut cd, r.name.len() as u16);
    put16(
        &mut cd,
        if extra.is_empty() {
            0
        } else {
            extra.len() as u16 + 4
        },
    );
    put16(&mut cd, 0); // comment
    put16(&mut cd, 0); // disk
    put16(&mut cd, 0); // internal attributes
    put32(&mut cd, FILE_ATTRS);
    put32(
        &mut cd,
        if big_offset {
            0xFFFF_FFFF
        } else {
            r.offset as u32
        },
    );
    cd.extend_from_slice(r.name.as_bytes());
    if !extra.is_empty() {
        put16(&mut cd, 0x0001);
        put16(&mut cd, extra.len() as u16);
        cd.extend_from_slice(&extra);
    }
    cd
}

/// The end records (ZIP64 ones when needed) of a directory of `count`
/// entries and `cd_size` bytes at `cd_start`; `pos` is where they go.
pub(in crate::bundle) fn end_records(pos: u64, count: u64, cd_start: u64, cd_size: u64) -> Vec<u8> {
    let mut end = Vec::new();
    let need64 = count >= 0xFFFF || cd_size >= 0xFFFF_FFFF || cd_start >= 0xFFFF_FFFF;
    if need64 {
        put32(&mut end, 0x0606_4b50);
        put64(&mut end, 44);
        put16(&mut end, MADE_BY);
        put16(&mut end, 45);
        put32(&mut end, 0);
        put32(&mut end, 0);
        put64(&mut end, count);
        put64(&mut end, count);
        put64(&mut end, cd_size);
        put64(&mut end, cd_start);
        put32(&mut end, 0x0706_4b50);
        put32(&mut end, 0);
        put64(&mut end, pos);
        put32(&mut end, 1);
    }
    put32(&mut end, 0x0605_4b50);
    put16(&mut end, 0);
    put16(&mut end, 0);
    let c16 = if need64 { 0xFFFF } else { count as u16 };
    put16(&mut end, c16);
    put16(&mut end, c16);
    put32(&mut end, if need64 { 0xFFFF_FFFF } else { cd_size as u32 });
    put32(&mut end, if need64 { 0xFFFF_FFFF } else { cd_start as u32 });
    put16(&mut end, 0);
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// `add_bytes` writes a stored entry's header complete at once; the
    /// bytes are exactly those of the streamed path, which patches the
    /// header after the data.
    #[test]
    fn stored_bytes_in_one_go_equal_the_streamed_entry() {
        let entries: Vec<(String, Vec<u8>)> = vec![
            ("b/empty".into(), Vec::new()),
            ("b/x".into(), b"hello".to_vec()),
            ("b/big".into(), (0..300_000u32).map(|i| i as u8).collect()),
        ];
        let when = DosTime::from_unix(1_700_000_000);
        let mut fast = ZipWriter::new(Cursor::new(Vec::new()), when);
        let mut slow = ZipWriter::new(Cursor::new(Vec::new()), when);
        for (n, d) in &entries {
            fast.add_bytes(n, Method::Stored, d).unwrap();
            let mut e = slow.start_entry(n, Method::Stored, d.len() as u64).unwrap();
            e.write_all(d).unwrap();
            e.finish().unwrap();
        }
        let fast = fast.finish().unwrap().into_inner();
        let slow = slow.finish().unwrap().into_inner();
        assert_eq!(fast, slow);
    }

    /// A central directory kept in a spill file gives the same archive as
    /// one kept in memory, ZIP64 end records included.
    #[test]
    fn spilled_directory_is_the_same_archive() {
        let when = DosTime::from_unix(1_700_000_000);
        let build = |spill: bool| {
            let mut z = ZipWriter::new(Cursor::new(Vec::new()), when);
            if spill {
                z.spill_directory(ScratchFile::over(tempfile::tempfile().unwrap()).unwrap());
            }
            for i in 0..70_000u32 {
                if i % 1000 == 0 {
                    let mut e = z
                        .start_entry(&format!("b/s{i}"), Method::Deflate, 3)
                        .unwrap();
                    e.write_all(b"abc").unwrap();
                    e.finish().unwrap();
                } else {
                    z.add_bytes(&format!("b/{i}"), Method::Stored, &i.to_le_bytes())
                        .unwrap();
                }
            }
            z.finish().unwrap().into_inner()
        };
        assert_eq!(build(true), build(false));
    }

    #[test]
    fn the_reader_requires_exactly_the_header_values_written() {
        use super::super::check::fixed_values;
        use super::super::issue::{HeaderField, IssueKind};
        let when = DosTime::from_unix(1_714_564_800);
        let record = |zip64: bool, offset: u64| CentralRecord {
            name: "b/x".into(),
            method: Method::Stored,
            zip64,
            crc: 1,
            csize: 5,
            usize: 5,
            offset,
            when,
        };
        let issues = |h: &[u8]| {
            let mut v = Vec::new();
            fixed_values(h, false, &mut |k| v.push(k));
            v
        };
        // Plain, ZIP64 sizes (version needed 45), and an offset past
        // 4 GiB only (an appended entry: ZIP64 field, version needed 20).
        for (zip64, offset) in [(false, 0), (true, 0), (false, 5 << 30)] {
            assert_eq!(issues(&central_header(&record(zip64, offset))), []);
        }
        let big = stored_central_header("b/x", 1, 5, 5 << 30, when);
        assert_eq!(issues(&big), []);
        // Each field changed is named with both values.
        let mut h = central_header(&record(false, 0));
        h[6] = 45;
        h[36] = 1;
        h[38..42].copy_from_slice(&(0o100755u32 << 16).to_le_bytes());
        assert_eq!(
            issues(&h),
            [
                IssueKind::HeaderValue(HeaderField::VersionNeeded, 20, 45),
                IssueKind::HeaderValue(HeaderField::InternalAttributes, 0, 1),
                IssueKind::HeaderValue(HeaderField::ExternalAttributes, FILE_ATTRS, 0o100755 << 16),
            ]
        );
        assert_eq!(when.to_string(), "2024-05-01 12:00:00");
    }
}
