//! Unit tests of the zip reader: round trips, name collisions, ZIP64,
//! special files, overlaps and garbage.

use super::*;
use crate::bundle::{DosTime, Method, ZipWriter};

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
        let r = Archive::open(&q);
        assert!(
            matches!(r, Err(ZipError::BadEndRecord(m)) if m.contains("versions")),
            "{:?}",
            r.map(|_| ())
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
