//! Per-file records of a seal, kept on disk instead of in memory: the
//! payload pass appends one compact binary record per file, and the tag
//! files (the BagIt manifests and manifest.json) are rendered by reading
//! them back in order. Memory stays constant however many files a bundle
//! holds.
//!
//! Invariants:
//! - The spill file lives next to the partial bundle (the one directory
//!   the user pointed at) and has no name once it is open: it is a
//!   [`ScratchFile`], private, unlinked right after it is created (any
//!   exit, even `kill -9`, leaves nothing behind) and encrypted under a
//!   key only this process holds, so the evidence's names and digests
//!   never reach the disk in the clear (`seal --to` promises that of the
//!   whole bundle).
//! - Records come back exactly as they were written, in the same order.

use crate::crypt::ScratchFile;
use crate::hash::to_hex;
use crate::model::FileEntry;
use crate::pathrepr::PathRepr;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The digests of one payload file in raw form.
pub(super) struct FileRecord<'a> {
    /// The bag path (`data/...`).
    pub path: &'a str,
    /// The original path bytes.
    pub original: &'a [u8],
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: &'a [u8],
    /// BLAKE3.
    pub blake3: &'a [u8],
    /// SHA-512, SHA-1, MD5 when requested.
    pub extra: [Option<&'a [u8]>; 3],
    /// Piecewise hashes (empty for one piece or less).
    pub pieces: &'a [&'a [u8]],
}

impl<'a> FileRecord<'a> {
    /// The record of the file at bag path `path` (originally `original`)
    /// from its hashes: every digest the read computed, and `pieces` (empty
    /// for one piece or less).
    pub(super) fn hashed(
        path: &'a str,
        original: &'a [u8],
        result: &'a crate::hash::HashResult,
        pieces: &'a [&'a [u8]],
    ) -> FileRecord<'a> {
        use crate::hash::Algorithm;
        let raw = |a| result.digest(a).map(|d| d.bytes.as_slice());
        FileRecord {
            path,
            original,
            size: result.size,
            sha256: raw(Algorithm::Sha256).unwrap_or_default(),
            blake3: raw(Algorithm::Blake3).unwrap_or_default(),
            extra: [
                raw(Algorithm::Sha512),
                raw(Algorithm::Sha1),
                raw(Algorithm::Md5),
            ],
            pieces,
        }
    }
}

/// Payload file records spilled to an unnamed file.
pub(super) struct Records {
    out: ScratchFile,
    count: u64,
}

fn put_bytes(out: &mut impl Write, b: &[u8]) -> io::Result<()> {
    out.write_all(&(b.len() as u32).to_le_bytes())?;
    out.write_all(b)
}

fn get_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn get_bytes(r: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<()> {
    let n = get_u32(r)? as usize;
    buf.resize(n, 0);
    r.read_exact(buf)
}

impl Records {
    /// Records in a new unnamed file in `dir`.
    pub fn new(dir: &Path, prefix: &str) -> io::Result<Records> {
        Ok(Records {
            out: ScratchFile::create(dir, prefix)?,
            count: 0,
        })
    }

    /// How many records were written.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Append one record.
    pub fn push(&mut self, r: &FileRecord<'_>) -> io::Result<()> {
        let o = &mut self.out;
        put_bytes(o, r.path.as_bytes())?;
        put_bytes(o, r.original)?;
        o.write_all(&r.size.to_le_bytes())?;
        put_bytes(o, r.sha256)?;
        put_bytes(o, r.blake3)?;
        for e in r.extra {
            match e {
                Some(d) => {
                    o.write_all(&[1])?;
                    put_bytes(o, d)?;
                }
                None => o.write_all(&[0])?,
            }
        }
        o.write_all(&(r.pieces.len() as u32).to_le_bytes())?;
        for p in r.pieces {
            put_bytes(o, p)?;
        }
        self.count += 1;
        Ok(())
    }

    /// Read every record back, in order, as a manifest.json file entry.
    pub fn for_each(&mut self, f: &mut dyn FnMut(&FileEntry) -> io::Result<()>) -> io::Result<()> {
        self.out.seek(SeekFrom::Start(0))?;
        let mut r = BufReader::with_capacity(256 << 10, &mut self.out);
        let mut buf = Vec::new();
        let mut hex = |r: &mut BufReader<&mut ScratchFile>| -> io::Result<String> {
            get_bytes(r, &mut buf)?;
            Ok(to_hex(&buf))
        };
        for _ in 0..self.count {
            let mut raw = Vec::new();
            get_bytes(&mut r, &mut raw)?;
            let path = String::from_utf8(raw).map_err(io::Error::other)?;
            let mut original = Vec::new();
            get_bytes(&mut r, &mut original)?;
            let mut size = [0u8; 8];
            r.read_exact(&mut size)?;
            let sha256 = hex(&mut r)?;
            let blake3 = hex(&mut r)?;
            let mut extra: [Option<String>; 3] = [None, None, None];
            for e in &mut extra {
                let mut flag = [0u8; 1];
                r.read_exact(&mut flag)?;
                if flag[0] == 1 {
                    *e = Some(hex(&mut r)?);
                }
            }
            let n = get_u32(&mut r)?;
            let pieces = (0..n)
                .map(|_| hex(&mut r))
                .collect::<io::Result<Vec<_>>>()?;
            let [sha512, sha1, md5] = extra;
            f(&FileEntry {
                path,
                original: PathRepr::from_bytes(&original),
                size: u64::from_le_bytes(size),
                sha256,
                blake3,
                sha512,
                sha1,
                md5,
                pieces,
                salt: None,
            })?;
        }
        // Further records go after the last one (a scratch file only
        // appends).
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order_and_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut recs = Records::new(dir.path(), ".t.").unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let pieces: Vec<&[u8]> = vec![&[7u8; 32], &[8u8; 32]];
        for i in 0..3u8 {
            recs.push(&FileRecord {
                path: &format!("data/{i}"),
                original: &[b'x', 0xff, i],
                size: u64::from(i),
                sha256: &[i; 32],
                blake3: &[1; 32],
                extra: [None, Some(&[2; 20]), None],
                pieces: if i == 1 { &pieces } else { &[] },
            })
            .unwrap();
        }
        for _ in 0..2 {
            let mut got = Vec::new();
            recs.for_each(&mut |e| {
                got.push(e.clone());
                Ok(())
            })
            .unwrap();
            assert_eq!(got.len(), 3);
            assert_eq!(got[2].path, "data/2");
            assert_eq!(got[2].original.as_bytes(), b"x\xff\x02");
            assert_eq!(got[2].sha256, "02".repeat(32));
            assert_eq!(got[1].sha1.as_deref(), Some("02".repeat(20).as_str()));
            assert_eq!(got[1].sha512, None);
            assert_eq!(got[1].pieces, vec!["07".repeat(32), "08".repeat(32)]);
            assert!(got[0].pieces.is_empty());
        }
    }
}
