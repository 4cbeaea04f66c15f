//! Acquisition against an injected source that fails at chosen,
//! sector-exact offsets.

use super::persist;
use super::*;
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, hash_bytes};
use crate::model::acquisition::{ByteRange, Outcome};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bytes in memory, with permanently bad ranges and transiently bad
/// sectors (failing a given number of times, then readable).
struct Faulty {
    data: Vec<u8>,
    bad: Vec<(u64, u64)>,
    transient: HashMap<u64, u32>,
    reads: usize,
}

impl Faulty {
    fn new(data: Vec<u8>) -> Faulty {
        Faulty {
            data,
            bad: Vec::new(),
            transient: HashMap::new(),
            reads: 0,
        }
    }

    /// The first failing byte in `[offset, end)`. A read that starts on a
    /// transient sector uses up one of its failures.
    fn first_failure(&mut self, offset: u64, end: u64) -> Option<u64> {
        let transient = self.transient.iter().filter(|(_, left)| **left > 0);
        let first = self
            .bad
            .iter()
            .copied()
            .chain(transient.map(|(s, _)| (*s, 512)))
            .filter(|(s, l)| *s < end && s + l > offset)
            .map(|(s, _)| s.max(offset))
            .min()?;
        if first == offset
            && let Some(left) = self.transient.get_mut(&(offset - offset % 512))
        {
            *left = left.saturating_sub(1);
        }
        Some(first)
    }
}

impl SectorSource for Faulty {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.reads += 1;
        let len = (self.data.len() as u64)
            .saturating_sub(offset)
            .min(buf.len() as u64);
        let end = offset + len;
        let n = match self.first_failure(offset, end) {
            // Like a disk: a read returns what precedes the bad spot, then
            // the next read fails.
            Some(f) if f > offset => f - offset,
            Some(_) => return Err(io::Error::from_raw_os_error(libc::EIO)),
            None => len,
        } as usize;
        buf[..n].copy_from_slice(&self.data[offset as usize..offset as usize + n]);
        Ok(n)
    }

    fn size(&mut self) -> io::Result<Option<u64>> {
        Ok(Some(self.data.len() as u64))
    }
}

fn pattern(len: usize) -> Vec<u8> {
    // No zero bytes, so a zero-filled sector is always visible.
    (0..len).map(|i| (i * 31 % 255 + 1) as u8).collect()
}

fn opts() -> AcquireOptions {
    AcquireOptions {
        hash: HashOptions {
            algorithms: AlgorithmSet::new([Algorithm::Sha256, Algorithm::Md5]).unwrap(),
            piece_size: Some(4096),
            block_size: 4096,
            ..HashOptions::default()
        },
        retries: 2,
        command_line: vec!["evidentia".into(), "acquire".into()],
        ..AcquireOptions::default()
    }
}

fn desc() -> SourceDescription {
    SourceDescription {
        path: PathRepr::Text("faulty".into()),
        kind: SourceKind::File,
        logical_sector_size: 512,
        physical_sector_size: 512,
        device: None,
    }
}

fn run(src: &mut Faulty, o: &AcquireOptions) -> (tempfile::TempDir, Acquisition) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("acq");
    let cancel = AtomicBool::new(false);
    let a = acquire_from(src, &desc(), &out, o, &cancel, &mut |_| {}).unwrap();
    (tmp, a)
}

fn image(a: &Acquisition) -> Vec<u8> {
    let mut v = Vec::new();
    for s in &a.record.image.segments {
        v.extend(std::fs::read(a.dir.join(&s.name)).unwrap());
    }
    v
}

fn r(offset: u64, length: u64) -> ByteRange {
    ByteRange { offset, length }
}

#[test]
fn only_unreadable_sectors_are_zero_filled_and_mapped() {
    // 10 blocks of 4096 and a last partial block of 700 bytes: a whole
    // sector and a partial last sector of 188 bytes.
    let len = 4096 * 10 + 700;
    let data = pattern(len);
    let mut src = Faulty::new(data.clone());
    src.bad = vec![
        (512 * 3, 512),            // one sector inside block 0
        (512 * 15, 1024),          // sectors 15-16, across blocks 1 and 2
        (512 * 17 + 512 * 2, 512), // sector 19, one sector apart (no merge)
        (4096 * 10 + 512, 188),    // the partial last sector
    ];
    let (_t, a) = run(&mut src, &opts());
    let mut expected = data.clone();
    for (s, l) in &src.bad {
        expected[*s as usize..(*s + *l) as usize].fill(0);
    }
    let img = image(&a);
    assert_eq!(img.len(), len);
    assert!(img == expected, "every readable byte kept, bad ones zeroed");
    assert_eq!(
        a.record.bad_sectors.ranges,
        vec![
            r(512 * 3, 512),
            r(512 * 15, 1024),
            r(512 * 19, 512),
            r(4096 * 10 + 512, 188)
        ]
    );
    assert_eq!(a.record.bad_sectors.count, 5);
    assert!(a.record.complete);
    assert!(a.has_bad_sectors());
    // The hashes cover the zero-filled image.
    let h = hash_bytes(&expected, &opts().hash);
    assert_eq!(
        a.record.hashes["sha256"],
        h.digest(Algorithm::Sha256).unwrap().hex()
    );
    assert_eq!(
        a.record.hashes["md5"],
        h.digest(Algorithm::Md5).unwrap().hex()
    );
    assert_eq!(a.record.pieces.as_ref().unwrap().sha256.len(), 11);
    // The map marks exactly those ranges bad.
    let map = std::fs::read_to_string(a.dir.join("image.map")).unwrap();
    let bad_lines: Vec<&str> = map.lines().filter(|l| l.ends_with("  -")).collect();
    assert_eq!(
        bad_lines,
        vec![
            "0x00000600  0x00000200  -",
            "0x00001E00  0x00000400  -",
            "0x00002600  0x00000200  -",
            "0x0000A200  0x000000BC  -",
        ]
    );
    // The record round-trips through its strict reader.
    assert_eq!(persist::read_record(&a.dir).unwrap(), a.record);
}

#[test]
fn transient_errors_recover_within_the_retries() {
    let data = pattern(4096 * 4);
    let mut src = Faulty::new(data.clone());
    // The block read stops short of it, the next read and two sector
    // attempts fail; retries=2 gives 3 sector attempts, so the third
    // succeeds.
    src.transient.insert(512 * 9, 3);
    let (_t, a) = run(&mut src, &opts());
    assert!(image(&a) == data);
    assert!(a.record.bad_sectors.ranges.is_empty());

    // One failure too many for the retries: zero-filled and recorded.
    let mut src = Faulty::new(data.clone());
    src.transient.insert(512 * 9, 4);
    let (_t, a) = run(&mut src, &opts());
    assert_eq!(a.record.bad_sectors.ranges, vec![r(512 * 9, 512)]);
}

#[test]
fn verify_passes_and_detects_a_corrupted_image() {
    let data = pattern(4096 * 6 + 100);
    let mut src = Faulty::new(data);
    let mut o = opts();
    o.verify = true;
    o.split = Some(5000);
    let (_t, a) = run(&mut src, &o);
    let v = a.record.verification.as_ref().unwrap();
    assert_eq!(v.outcome, Outcome::Passed);
    assert_eq!(v.checks.len(), 2);
    assert_eq!(a.record.image.segments.len(), 5);

    // Flip one byte in the second segment: the image check must fail.
    let seg = a.dir.join(&a.record.image.segments[1].name);
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[17] ^= 1;
    std::fs::write(&seg, bytes).unwrap();
    let check = verify_image(&a.dir, &a.record, 4096, &mut |_| {}).unwrap();
    assert!(!check.matches);
    assert_eq!(check.size, a.record.image.size);
}

#[test]
fn cancellation_keeps_what_was_written_and_says_incomplete() {
    let mut src = Faulty::new(pattern(4096 * 8));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("acq");
    let cancel = AtomicBool::new(false);
    let a = acquire_from(&mut src, &desc(), &out, &opts(), &cancel, &mut |p| {
        if p.done >= 4096 * 2 {
            cancel.store(true, Ordering::Relaxed);
        }
    })
    .unwrap();
    assert!(!a.record.complete);
    assert_eq!(a.record.stopped.as_deref(), Some("interrupted"));
    assert_eq!(a.record.image.size, 4096 * 2);
    let on_disk = persist::read_record(&out).unwrap();
    assert!(!on_disk.complete);
    let map = std::fs::read_to_string(out.join("image.map")).unwrap();
    assert!(map.contains("0x00002000  0x00006000  ?"));
}

#[test]
fn existing_output_and_shrinking_source_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let mut src = Faulty::new(pattern(100));
    let e = acquire_from(&mut src, &desc(), tmp.path(), &opts(), &cancel, &mut |_| {});
    assert!(matches!(e, Err(AcquireError::OutExists { .. })));

    /// Claims more than it has.
    struct Liar(Faulty);
    impl SectorSource for Liar {
        fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            self.0.read_at(buf, offset)
        }
        fn size(&mut self) -> io::Result<Option<u64>> {
            Ok(Some(10_000))
        }
    }
    let mut liar = Liar(Faulty::new(pattern(5000)));
    let out = tmp.path().join("acq");
    let e = acquire_from(&mut liar, &desc(), &out, &opts(), &cancel, &mut |_| {});
    assert!(
        matches!(
            e,
            Err(AcquireError::SourceChanged {
                expected: 10_000,
                actual: 5000,
                ..
            })
        ),
        "{e:?}"
    );
    assert!(!persist::read_record(&out).unwrap().complete);
}

#[test]
fn streams_are_read_once_in_order() {
    let data = pattern(4096 * 3 + 7);
    let mut src = StreamSource::new(&data[..]);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("acq");
    let mut d = desc();
    d.kind = SourceKind::Stream;
    let mut o = opts();
    o.verify = true;
    let cancel = AtomicBool::new(false);
    let a = acquire_from(&mut src, &d, &out, &o, &cancel, &mut |_| {}).unwrap();
    assert!(image(&a) == data);
    assert_eq!(a.record.source.size, Some(data.len() as u64));
    let v = a.record.verification.unwrap();
    assert_eq!(v.checks.len(), 1);
    assert!(v.source_not_checked.is_some());
}

/// A source that grows while it is read is an error too: the image would
/// miss what was appended.
#[test]
fn a_source_that_grows_is_an_error() {
    struct Grower {
        inner: Faulty,
        sizes: u32,
    }
    impl SectorSource for Grower {
        fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            self.inner.read_at(buf, offset)
        }
        fn size(&mut self) -> io::Result<Option<u64>> {
            self.sizes += 1;
            let grown = if self.sizes > 1 { 512 } else { 0 };
            Ok(Some(self.inner.data.len() as u64 + grown))
        }
    }
    let mut src = Grower {
        inner: Faulty::new(pattern(5000)),
        sizes: 0,
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("acq");
    let cancel = AtomicBool::new(false);
    let e = acquire_from(&mut src, &desc(), &out, &opts(), &cancel, &mut |_| {});
    assert!(
        matches!(
            e,
            Err(AcquireError::SourceChanged {
                expected: 5000,
                actual: 5512,
                ..
            })
        ),
        "{e:?}"
    );
    let rec = persist::read_record(&out).unwrap();
    assert!(!rec.complete);
    assert!(rec.stopped.unwrap().contains("changed size"));
    assert_eq!(rec.image.size, 5000);
}
