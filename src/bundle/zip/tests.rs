//! Unit tests of the zip reader: round trips, name collisions, ZIP64,
//! special files, overlaps and garbage.

use super::{Archive, Damage, DamageKind, DosTime, IssueKind, Method, Place, ZipError, ZipWriter};
use std::fs::File;
use std::path::Path;

fn write(path: &Path, entries: &[(String, Vec<u8>)], method: Method) {
    let f = File::create(path).unwrap();
    let mut z = ZipWriter::new(std::io::BufWriter::new(f), DosTime::from_unix(0));
    for (n, d) in entries {
        z.add_bytes(n, method, d).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn roundtrip_stored_and_deflate() {
    let dir = tempfile::tempdir().unwrap();
    let entries = vec![
        ("b/x".to_string(), b"hello".to_vec()),
        ("b/empty".to_string(), Vec::new()),
        ("b/big".to_string(), vec![3u8; 300_000]),
    ];
    for m in [Method::Stored, Method::Deflate] {
        let p = dir.path().join("t.zip");
        write(&p, &entries, m);
        let (a, issues) = Archive::open(&p).unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        for (e, (n, d)) in a.entries().zip(&entries) {
            assert_eq!(&e.name, n);
            assert_eq!(&a.read_small(&e, 1 << 20).unwrap(), d);
        }
    }
}

#[test]
fn names_equal_but_for_case_or_normal_form_collide() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("n.zip");
    let entries = vec![
        ("b/caf\u{e9}".to_string(), b"1".to_vec()),
        ("b/cafe\u{301}".to_string(), b"2".to_vec()),
        ("b/CAF\u{c9}".to_string(), b"3".to_vec()),
        ("b/other".to_string(), b"4".to_vec()),
    ];
    write(&p, &entries, Method::Stored);
    let (a, issues) = Archive::open(&p).unwrap();
    let hit: Vec<_> = issues
        .iter()
        .filter(|i| matches!(&i.kind, IssueKind::CaseCollision(o) if o == "b/caf\u{e9}"))
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(hit, ["b/cafe\u{301}", "b/CAF\u{c9}"], "{issues:?}");
    assert_eq!(a.entries().filter(|e| e.safe).count(), 2);
}

#[test]
fn more_than_65535_entries_use_the_zip64_end_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.zip");
    let entries: Vec<(String, Vec<u8>)> = (0..70_000)
        .map(|i| (format!("b/{i:05}"), vec![(i % 251) as u8]))
        .collect();
    write(&p, &entries, Method::Stored);
    let (a, issues) = Archive::open(&p).unwrap();
    assert!(issues.is_empty());
    assert_eq!(a.entry_count(), 70_000);
    assert_eq!(a.entries().count(), 70_000);
    assert_eq!(
        a.read_small(&a.entry(69_999).unwrap(), 10).unwrap(),
        vec![(69_999 % 251) as u8]
    );
    // The ZIP64 end record's version fields are what the writer puts
    // there, or the file is refused: no byte goes unchecked.
    let bytes = std::fs::read(&p).unwrap();
    let at = bytes
        .windows(4)
        .rposition(|w| w == 0x0606_4b50u32.to_le_bytes())
        .unwrap();
    for field in [at + 12, at + 14] {
        let mut b = bytes.clone();
        b[field] ^= 1;
        let q = dir.path().join("versions.zip");
        std::fs::write(&q, &b).unwrap();
        // The file starts as a bundle: a damaged one, at that byte.
        let r = Archive::open(&q);
        let Err(ZipError::Damaged(d)) = r else {
            panic!("{:?}", r.map(|_| ()))
        };
        assert!(d.reason.contains("versions"), "{d}");
        assert!(
            matches!(d.kind, Some((DamageKind::Corrupt { at, .. }, _)) if at == field as u64),
            "{d}"
        );
    }
}

#[test]
fn only_regular_files_are_opened_and_a_fifo_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let r = Archive::open(dir.path());
    assert!(matches!(r, Err(ZipError::NotAFile("a directory"))), "{r:?}");
    let fifo = dir.path().join("p.zip");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let r = Archive::open(&fifo);
    assert!(
        matches!(r, Err(ZipError::NotAFile("a FIFO (named pipe)"))),
        "{r:?}"
    );
}

#[test]
fn both_entries_of_an_overlap_are_unsafe() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.zip");
    write(
        &p,
        &[
            ("b/x".to_string(), vec![1u8; 100]),
            ("b/y".to_string(), vec![2u8; 100]),
        ],
        Method::Stored,
    );
    let mut bytes = std::fs::read(&p).unwrap();
    let (a, _) = Archive::open(&p).unwrap();
    let (x, y) = (a.entry(0).unwrap(), a.entry(1).unwrap());
    drop(a);
    // Make x's data run on over all of y (sizes in x's central and
    // local headers; they must agree, or that is the finding instead).
    let first = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    let grown = (y.data_offset + y.compressed_size - x.data_offset) as u32;
    for at in [first + 20, first + 24] {
        bytes[at..at + 4].copy_from_slice(&grown.to_le_bytes());
    }
    for at in [18, 22] {
        bytes[at..at + 4].copy_from_slice(&grown.to_le_bytes());
    }
    std::fs::write(&p, &bytes).unwrap();
    let (a, issues) = Archive::open(&p).unwrap();
    let overlaps: Vec<_> = issues
        .iter()
        .filter(|i| matches!(i.kind, IssueKind::Overlap(_)))
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(overlaps, ["b/y", "b/x"], "{issues:?}");
    assert!(a.entries().all(|e| !e.safe));
}

#[test]
fn garbage_and_truncation_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.zip");
    write(&p, &[("b/x".to_string(), vec![1u8; 1000])], Method::Deflate);
    let bytes = std::fs::read(&p).unwrap();
    // Every truncation, and every single-byte change of the directory
    // and end record, gives an error or issues, never a panic.
    for cut in 0..bytes.len() {
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let _ = Archive::open(&p).map(|(a, _)| {
            for e in a.entries() {
                let _ = a.read_small(&e, 1 << 20);
            }
        });
    }
    for i in bytes.len().saturating_sub(200)..bytes.len() {
        for v in [0u8, 0xff, bytes[i] ^ 1] {
            let mut b = bytes.clone();
            b[i] = v;
            std::fs::write(&p, &b).unwrap();
            let _ = Archive::open(&p).map(|(a, _)| {
                for e in a.entries() {
                    let _ = a.read_small(&e, 1 << 20);
                }
            });
        }
    }
}

/// A small bundle-shaped zip (`b/...`), appended to once, and its bytes.
fn bundle_like(dir: &Path) -> (std::path::PathBuf, Vec<u8>, u64) {
    let p = dir.join("b.zip");
    let entries: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("b/data/f{i}"), vec![i as u8; 100 + i]))
        .collect();
    write(&p, &entries, Method::Stored);
    let sealed = std::fs::metadata(&p).unwrap().len();
    let extra = vec![("b/custody/x.json".to_string(), b"{}".to_vec())];
    crate::bundle::append(
        &p,
        &extra,
        DosTime::from_unix(0),
        &mut crate::bundle::NoHook,
    )
    .unwrap();
    (p.clone(), std::fs::read(&p).unwrap(), sealed)
}

fn damage_of(p: &Path) -> Damage {
    match Archive::open(p) {
        Err(ZipError::Damaged(d)) => *d,
        other => panic!("not damaged: {:?}", other.map(|_| ())),
    }
}

#[test]
fn every_truncation_of_a_bundle_is_one_diagnosis_with_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (p, bytes, _) = bundle_like(dir.path());
    let full = bytes.len() as u64;
    let q = dir.path().join("cut.zip");
    // The last directory and its end records: the length is known.
    let cd = Archive::open(&p).unwrap().0.cd_offset;
    for cut in 4..bytes.len() {
        std::fs::write(&q, &bytes[..cut]).unwrap();
        let d = match Archive::open(&q) {
            // Cut right after the first directory's end records: the
            // bundle as it was before the append, whole.
            Ok((a, issues)) => {
                assert!(issues.is_empty() && a.entry_count() == 5, "cut {cut}");
                continue;
            }
            Err(ZipError::Damaged(d)) => d,
            Err(e) => panic!("cut {cut}: {e}"),
        };
        assert!(d.is_truncated(), "cut {cut}: {d}");
        assert_eq!(d.len, cut as u64);
        let text = d.to_string();
        assert!(text.starts_with(&format!("damaged bundle: truncated at byte {cut}")));
        // Cut where the directory starts ("PK" could begin an entry as
        // well), more entries could have followed: only a cut inside its
        // first header's signature knows the length.
        if cut as u64 > cd + 2 {
            assert_eq!(d.expected_len(), Some(full), "cut {cut}: {d}");
            assert!(text.contains(&format!("of an expected {full}")), "{text}");
        }
    }
    // Fewer than 4 bytes: not even a zip.
    std::fs::write(&q, &bytes[..3]).unwrap();
    assert!(matches!(Archive::open(&q), Err(ZipError::NoEndRecord)));
}

#[test]
fn overwritten_and_zeroed_bundles_name_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (p, bytes, _) = bundle_like(dir.path());
    let a = Archive::open(&p).unwrap().0;
    let (cd, cd_end) = (a.cd_offset, a.cd_offset + a.cd_size);
    drop(a);
    let q = dir.path().join("bad.zip");
    // The end record's signature overwritten.
    let mut b = bytes.clone();
    b[cd_end as usize] = b'X';
    std::fs::write(&q, &b).unwrap();
    let d = damage_of(&q);
    assert!(
        matches!(d.kind, Some((DamageKind::Corrupt { at, .. }, Place::EndRecords { .. })) if at == cd_end),
        "{d}"
    );
    // A central directory header's signature flipped.
    let mut b = bytes.clone();
    b[cd as usize + 1] ^= 0x40;
    std::fs::write(&q, &b).unwrap();
    let d = damage_of(&q);
    assert!(d.to_string().contains(&format!("byte {cd}")), "{d}");
    // The last 150 bytes zeroed (the directory's tail and end record).
    let mut b = bytes.clone();
    let n = b.len();
    b[n - 150..].fill(0);
    std::fs::write(&q, &b).unwrap();
    let d = damage_of(&q);
    assert!(
        matches!(d.kind, Some((DamageKind::Zeroed { from }, _)) if from == n as u64 - 150),
        "{d}"
    );
    // Any byte changed, to anything: a diagnosis or issues, never a panic.
    for i in 0..bytes.len() {
        for v in [0u8, bytes[i] ^ 1] {
            let mut b = bytes.clone();
            b[i] = v;
            std::fs::write(&q, &b).unwrap();
            if let Err(ZipError::Damaged(d)) = Archive::open(&q) {
                assert!(d.to_string().starts_with("damaged bundle: "));
            }
        }
    }
    // Not a bundle: a zip whose first entry is not in a bag, cut short.
    let r = dir.path().join("plain.zip");
    write(&r, &[("x.txt".into(), b"hello".to_vec())], Method::Stored);
    let plain = std::fs::read(&r).unwrap();
    std::fs::write(&r, &plain[..plain.len() - 5]).unwrap();
    assert!(matches!(Archive::open(&r), Err(ZipError::NoEndRecord)));
}
