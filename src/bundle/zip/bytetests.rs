//! Byte accounting of the zip reader, on zips built byte by byte: every
//! byte of a file the reader accepts is an entry's header, name, extra
//! field, data or descriptor, the last directory and its end records, or
//! an earlier directory an append left. Each case here was accepted before
//! the accounting checks.

use super::winname::WinProblem;
use super::{Archive, DosTime, EntryDataError, IssueKind, Method, ZipWriter};
use crate::bundle::{NoHook, append};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One entry, written by hand.
#[derive(Clone)]
struct Raw {
    name: Vec<u8>,
    /// The bytes after the local header (compressed when deflated).
    data: Vec<u8>,
    method: u16,
    flags: u16,
    /// Central CRC-32, compressed and uncompressed sizes.
    crc: u32,
    csize: u32,
    size: u32,
    /// Local CRC-32 and sizes when they differ from the central ones.
    local: Option<(u32, u32, u32)>,
    local_extra: Vec<u8>,
    central_extra: Vec<u8>,
    /// Bytes after the data (a data descriptor).
    after: Vec<u8>,
    /// Bytes before the local header (a gap).
    before: Vec<u8>,
    attrs: u32,
    comment: Vec<u8>,
}

impl Raw {
    fn stored(name: &str, data: &[u8]) -> Raw {
        Raw {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            method: 0,
            flags: 0x0800,
            crc: crc32fast::hash(data),
            csize: data.len() as u32,
            size: data.len() as u32,
            local: None,
            local_extra: Vec::new(),
            central_extra: Vec::new(),
            after: Vec::new(),
            before: Vec::new(),
            attrs: 0o100644 << 16,
            comment: Vec::new(),
        }
    }

    fn deflated(name: &str, data: &[u8], trailing: &[u8]) -> Raw {
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        let mut c = enc.finish().unwrap();
        c.extend_from_slice(trailing);
        Raw {
            method: 8,
            csize: c.len() as u32,
            data: c,
            ..Raw::stored(name, data)
        }
    }
}

fn le16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn le32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// A zip of `entries`, its central directory, `tail` bytes after the
/// directory inside it, and an end record with `comment`.
fn build_with(entries: &[Raw], tail: &[u8], comment: &[u8]) -> Vec<u8> {
    let (mut out, mut cd) = (Vec::new(), Vec::new());
    for r in entries {
        out.extend_from_slice(&r.before);
        let offset = out.len() as u32;
        let (crc, csize, size) = r.local.unwrap_or((r.crc, r.csize, r.size));
        le32(&mut out, 0x0403_4b50);
        for x in [20, r.flags, r.method, 0, 0x21] {
            le16(&mut out, x);
        }
        for x in [crc, csize, size] {
            le32(&mut out, x);
        }
        le16(&mut out, r.name.len() as u16);
        le16(&mut out, r.local_extra.len() as u16);
        out.extend_from_slice(&r.name);
        out.extend_from_slice(&r.local_extra);
        out.extend_from_slice(&r.data);
        out.extend_from_slice(&r.after);
        le32(&mut cd, 0x0201_4b50);
        for x in [(3 << 8) | 45, 20, r.flags, r.method, 0, 0x21] {
            le16(&mut cd, x);
        }
        for x in [r.crc, r.csize, r.size] {
            le32(&mut cd, x);
        }
        for x in [r.name.len(), r.central_extra.len(), r.comment.len(), 0, 0] {
            le16(&mut cd, x as u16);
        }
        le32(&mut cd, r.attrs);
        le32(&mut cd, offset);
        cd.extend_from_slice(&r.name);
        cd.extend_from_slice(&r.central_extra);
        cd.extend_from_slice(&r.comment);
    }
    cd.extend_from_slice(tail);
    let at = out.len() as u32;
    out.extend_from_slice(&cd);
    le32(&mut out, 0x0605_4b50);
    for x in [0, 0, entries.len() as u16, entries.len() as u16] {
        le16(&mut out, x);
    }
    le32(&mut out, cd.len() as u32);
    le32(&mut out, at);
    le16(&mut out, comment.len() as u16);
    out.extend_from_slice(comment);
    out
}

fn build(entries: &[Raw]) -> Vec<u8> {
    build_with(entries, &[], &[])
}

struct Zip {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn file(bytes: &[u8]) -> Zip {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.zip");
    std::fs::write(&path, bytes).unwrap();
    Zip { _dir: dir, path }
}

/// The issues of a zip, as (name, kind).
fn issues(bytes: &[u8]) -> Vec<(String, IssueKind)> {
    let z = file(bytes);
    let (_, issues) = Archive::open(&z.path).unwrap();
    issues.into_iter().map(|i| (i.name, i.kind)).collect()
}

#[track_caller]
fn assert_issue(bytes: &[u8], name: &str, want: impl Fn(&IssueKind) -> bool) {
    let got = issues(bytes);
    assert!(
        got.iter().any(|(n, k)| n == name && want(k)),
        "wanted an issue on {name}, got {got:#?}"
    );
}

#[test]
fn well_formed_hand_built_zips_have_no_issues() {
    let ok = build(&[
        Raw::stored("b/x", b"hello"),
        Raw::deflated("b/y", b"yyyy", b""),
    ]);
    assert_eq!(issues(&ok), []);
}

#[test]
fn directory_entries_are_refused_with_or_without_data() {
    for data in [&b""[..], b"hidden"] {
        let z = build(&[Raw::stored("b/x", b"1"), Raw::stored("b/d/", data)]);
        assert_issue(&z, "b/d/", |k| *k == IssueKind::Directory);
    }
    let mut dir_attrs = Raw::stored("b/d", b"");
    dir_attrs.attrs = 0o040755 << 16;
    assert_issue(&build(&[dir_attrs]), "b/d", |k| *k == IssueKind::Directory);
}

#[test]
fn a_name_and_the_same_name_with_a_slash_collide() {
    let z = build(&[Raw::stored("b/x", b"1"), Raw::stored("b/x/", b"2")]);
    assert_issue(&z, "b/x/", |k| *k == IssueKind::CaseCollision("b/x".into()));
}

#[test]
fn attributes_other_than_a_regular_file_are_refused() {
    let mut fifo = Raw::stored("b/p", b"");
    fifo.attrs = 0o010644 << 16;
    assert_issue(&build(&[fifo]), "b/p", |k| {
        *k == IssueKind::SpecialFile(0o010000)
    });
    let mut hidden = Raw::stored("b/h", b"");
    hidden.attrs = 0x02;
    assert_issue(&build(&[hidden]), "b/h", |k| {
        matches!(k, IssueKind::NotAFile(3, 2))
    });
}

#[test]
fn bytes_after_a_deflate_stream_are_an_error_when_read() {
    let z = file(&build(&[Raw::deflated(
        "b/x",
        b"evidence",
        b"hidden bytes",
    )]));
    let (a, issues) = Archive::open(&z.path).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    let e = a.entry(0).unwrap();
    let err = a.read_small(&e, 1 << 20).unwrap_err();
    let kind = err
        .get_ref()
        .and_then(|r| r.downcast_ref::<EntryDataError>());
    assert_eq!(kind, Some(&EntryDataError::TrailingData { unused: 12 }));
}

#[test]
fn a_hidden_local_entry_in_a_gap_is_unaccounted() {
    let hidden = build(&[Raw::stored("b/secret", b"nobody read this")]);
    // Only the local entry of that zip: up to its central directory.
    let local = &hidden[..30 + 8 + 16];
    let mut second = Raw::stored("b/y", b"2");
    second.before = local.to_vec();
    let z = build(&[Raw::stored("b/x", b"1"), second]);
    let start = 30 + 3 + 1;
    let end = start + local.len() as u64;
    assert_issue(&z, &format!("bytes {start}..{end}"), |k| {
        matches!(k, IssueKind::Unaccounted { .. })
    });
    // The same bytes after the last entry, before the directory.
    let mut last = Raw::stored("b/x", b"1");
    last.after = local.to_vec();
    assert_issue(&build(&[last]), &format!("bytes 34..{end}"), |k| {
        matches!(k, IssueKind::Unaccounted { .. })
    });
}

#[test]
fn bytes_after_the_directory_headers_or_in_comments_are_unaccounted() {
    let x = Raw::stored("b/x", b"1");
    let z = build_with(std::slice::from_ref(&x), b"slack", &[]);
    assert!(issues(&z).iter().any(|(_, k)| matches!(
        k,
        IssueKind::Unaccounted {
            reason: "bytes after the last central directory header",
            ..
        }
    )));
    let z = build_with(std::slice::from_ref(&x), &[], b"comment");
    assert!(issues(&z).iter().any(|(_, k)| matches!(
        k,
        IssueKind::Unaccounted {
            reason: "the end record's comment",
            ..
        }
    )));
    let mut c = x;
    c.comment = b"note".to_vec();
    assert_issue(&build(&[c]), "b/x", |k| *k == IssueKind::Comment(4));
}

/// An entry with flag bit 3, zero local values and `descriptor` after the
/// data.
fn with_descriptor(descriptor: Vec<u8>) -> Raw {
    let mut r = Raw::stored("b/x", b"hello");
    r.flags |= 0x08;
    r.local = Some((0, 0, 0));
    r.after = descriptor;
    r
}

fn descriptor(sig: bool, crc: u32, csize: u32, size: u32) -> Vec<u8> {
    let mut d = Vec::new();
    if sig {
        le32(&mut d, 0x0807_4b50);
    }
    for x in [crc, csize, size] {
        le32(&mut d, x);
    }
    d
}

#[test]
fn data_descriptors_are_read_and_must_agree() {
    let crc = crc32fast::hash(b"hello");
    for sig in [true, false] {
        let z = build(&[
            with_descriptor(descriptor(sig, crc, 5, 5)),
            Raw::stored("b/y", b""),
        ]);
        assert_eq!(issues(&z), [], "signature {sig}");
        let f = file(&z);
        let (a, _) = Archive::open(&f.path).unwrap();
        assert_eq!(a.read_small(&a.entry(0).unwrap(), 10).unwrap(), b"hello");
    }
    let wrong = build(&[with_descriptor(descriptor(true, crc ^ 1, 5, 5))]);
    assert_issue(&wrong, "b/x", |k| {
        matches!(k, IssueKind::DescriptorMismatch(_))
    });
    let missing = build(&[with_descriptor(Vec::new())]);
    assert_issue(&missing, "b/x", |k| {
        matches!(k, IssueKind::DescriptorMismatch(_))
    });
    // Local values that disagree are not skipped because of bit 3.
    let mut lying = with_descriptor(descriptor(true, crc, 5, 5));
    lying.local = Some((crc ^ 1, 5, 5));
    assert_issue(&build(&[lying]), "b/x", |k| {
        *k == IssueKind::HeaderMismatch("CRC-32")
    });
    let mut sizes = with_descriptor(descriptor(true, crc, 5, 5));
    sizes.local = Some((crc, 4, 4));
    assert_issue(&build(&[sizes]), "b/x", |k| {
        *k == IssueKind::HeaderMismatch("sizes")
    });
}

#[test]
fn zip64_data_descriptors_have_8_byte_sizes() {
    let crc = crc32fast::hash(b"hello");
    let mut r = with_descriptor(Vec::new());
    r.local = Some((0, u32::MAX, u32::MAX));
    r.local_extra = [&[1, 0, 16, 0][..], &[0; 16]].concat();
    let mut d = Vec::new();
    le32(&mut d, 0x0807_4b50);
    le32(&mut d, crc);
    d.extend_from_slice(&5u64.to_le_bytes());
    d.extend_from_slice(&5u64.to_le_bytes());
    r.after = d;
    assert_eq!(issues(&build(&[r.clone()])), []);
    r.after.truncate(12);
    assert_issue(&build(&[r]), "b/x", |k| {
        matches!(k, IssueKind::DescriptorMismatch(_))
    });
}

#[test]
fn flags_are_an_allow_list() {
    let mut r = Raw::stored("b/x", b"1");
    r.flags |= 0x02;
    assert_issue(&build(&[r]), "b/x", |k| *k == IssueKind::Flags(0x0802));
    let mut latin = Raw::stored("b/caf\u{e9}", b"1");
    latin.flags = 0;
    assert_issue(&build(&[latin]), "b/caf\u{e9}", |k| {
        *k == IssueKind::NameEncoding
    });
    let mut ascii = Raw::stored("b/x", b"1");
    ascii.flags = 0;
    assert_eq!(issues(&build(&[ascii])), []);
}

#[test]
fn extra_fields_other_than_zip64_are_refused() {
    // Info-ZIP Unicode Path: unzip would write b/x's bytes as b/evil.
    let mut up = vec![0x75, 0x70];
    let body = [
        &[1u8][..],
        &crc32fast::hash(b"b/x").to_le_bytes(),
        b"b/evil",
    ]
    .concat();
    le16(&mut up, body.len() as u16);
    up.extend_from_slice(&body);
    for local in [true, false] {
        let mut r = Raw::stored("b/x", b"1");
        match local {
            true => r.local_extra = up.clone(),
            false => r.central_extra = up.clone(),
        }
        assert_issue(&build(&[r]), "b/x", |k| {
            *k == IssueKind::ExtraField(0x7075, local)
        });
    }
    let mut unknown = Raw::stored("b/x", b"1");
    unknown.central_extra = vec![0xfe, 0xca, 0, 0];
    assert_issue(&build(&[unknown]), "b/x", |k| {
        *k == IssueKind::ExtraField(0xcafe, false)
    });
    let mut framing = Raw::stored("b/x", b"1");
    framing.local_extra = vec![0x01, 0x00, 0x08];
    assert_issue(&build(&[framing]), "b/x", |k| {
        matches!(k, IssueKind::MalformedExtra(_))
    });
}

#[test]
fn windows_names_are_refused_and_collide_when_folded() {
    for (name, problem) in [
        ("b/a.", WinProblem::TrailingDotOrSpace),
        ("b/a /x", WinProblem::TrailingDotOrSpace),
        ("b/NUL", WinProblem::ReservedName),
        ("b/nul.txt", WinProblem::ReservedName),
        ("b/COM1.log", WinProblem::ReservedName),
        ("b/LPT\u{b9}", WinProblem::ReservedName),
        ("b/x:stream", WinProblem::Character(':')),
        ("b/what?", WinProblem::Character('?')),
        ("b/a<b", WinProblem::Character('<')),
    ] {
        assert_issue(&build(&[Raw::stored(name, b"1")]), name, |k| {
            *k == IssueKind::WindowsName(problem)
        });
    }
    let z = build(&[Raw::stored("b/a", b"1"), Raw::stored("b/A. ", b"2")]);
    assert_issue(&z, "b/A. ", |k| {
        *k == IssueKind::CaseCollision("b/a".into())
    });
}

fn written(path: &Path) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = ZipWriter::new(std::io::BufWriter::new(f), DosTime::from_unix(0));
    z.add_bytes("b/x", Method::Stored, b"one").unwrap();
    z.add_bytes("b/y", Method::Deflate, &[5u8; 3000]).unwrap();
    z.finish().unwrap();
}

#[test]
fn appends_leave_only_earlier_directories_in_the_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.zip");
    written(&p);
    for i in 0..4 {
        let entries = vec![(format!("b/custody/{i}"), vec![i as u8; 10])];
        append(&p, &entries, DosTime::from_unix(0), &mut NoHook).unwrap();
        let (a, issues) = Archive::open(&p).unwrap();
        assert!(issues.is_empty(), "after append {i}: {issues:?}");
        assert_eq!(a.entry_count(), 3 + i);
    }
    // An earlier directory that is not a prefix of the current one (a
    // changed name byte in the first directory's copy) is unaccounted.
    let mut bytes = std::fs::read(&p).unwrap();
    let old = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    bytes[old + 46] ^= 0x20;
    std::fs::write(&p, &bytes).unwrap();
    let (_, issues) = Archive::open(&p).unwrap();
    assert!(
        matches!(
            issues.as_slice(),
            [i] if matches!(i.kind, IssueKind::Unaccounted { start, .. } if start == old as u64)
        ),
        "{issues:?}"
    );
}

#[test]
fn an_append_to_a_zip64_directory_leaves_zip64_end_records_in_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.zip");
    let f = std::fs::File::create(&p).unwrap();
    let mut z = ZipWriter::new(std::io::BufWriter::new(f), DosTime::from_unix(0));
    for i in 0..70_000u32 {
        z.add_bytes(&format!("b/{i:05}"), Method::Stored, &[i as u8])
            .unwrap();
    }
    z.finish().unwrap();
    let entries = vec![("b/custody/1".to_string(), b"event".to_vec())];
    append(&p, &entries, DosTime::from_unix(0), &mut NoHook).unwrap();
    let (a, issues) = Archive::open(&p).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(a.entry_count(), 70_001);
    // The old ZIP64 end record's locator must point at it.
    let mut bytes = std::fs::read(&p).unwrap();
    let loc = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x06, 0x07])
        .unwrap();
    bytes[loc + 8] ^= 1;
    std::fs::write(&p, &bytes).unwrap();
    let (_, issues) = Archive::open(&p).unwrap();
    assert!(
        matches!(
            issues.as_slice(),
            [i] if matches!(i.kind, IssueKind::Unaccounted { reason, .. } if reason.contains("locator"))
        ),
        "{issues:?}"
    );
}

/// The local header is read with one guess of its length (the fixed part,
/// the central name and a usual extra field): a longer local extra field is
/// read on its own, and one that runs past the end of the file is still
/// "local header truncated".
#[test]
fn local_headers_longer_than_the_first_read_are_read_whole() {
    let mut long = Raw::stored("b/x", b"1");
    long.local_extra = vec![0xfe, 0xca, 196, 0];
    long.local_extra.extend(vec![0u8; 196]);
    assert_issue(&build(&[long]), "b/x", |k| {
        *k == IssueKind::ExtraField(0xcafe, true)
    });
    let mut past = build(&[Raw::stored("b/x", b"1")]);
    // The local extra field's length (offset 28) now reaches past the end.
    past[28..30].copy_from_slice(&u16::MAX.to_le_bytes());
    assert_issue(&past, "b/x", |k| {
        *k == IssueKind::HeaderMismatch("local header truncated")
    });
}
