//! Tests against sets made at test time by the real `ewfacquire` (Debian
//! `ewf-tools`); each test prints `skipped:` and passes when it is missing.

use super::*;
use md5::{Digest, Md5};
use sha1::Sha1;
use std::io::Read;

/// Media of 4 MiB + 1536 bytes: pseudo-random, zeros, pseudo-random, so
/// that a set has compressed and stored chunks and a short last chunk.
pub(super) fn source() -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                // xorshift64*
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
            })
            .collect()
    };
    let mut v = random(2 << 20);
    v.extend(std::iter::repeat_n(0u8, 1 << 20));
    v.extend(random((1 << 20) + 1536));
    v
}

/// Makes a set with ewfacquire in `dir`; `None` when ewfacquire is missing.
pub(super) fn make(
    dir: &Path,
    name: &str,
    format: &str,
    compression: &str,
    segment: &str,
) -> Option<PathBuf> {
    let src = dir.join("src.raw");
    if !src.exists() {
        std::fs::write(&src, source()).unwrap();
    }
    let options = [
        "-f",
        format,
        "-c",
        compression,
        "-S",
        segment,
        "-d",
        "sha1",
        "-C",
        "CASE-20",
        "-E",
        "EV-1",
        "-D",
        "test set",
        "-e",
        "helper",
        "-N",
        "notes",
    ];
    crate::peers::ewfacquire(&dir.join(name), &options, &src)
        .then(|| dir.join(format!("{name}.E01")))
}

fn read_all(image: &EwfImage) -> Result<Vec<u8>, EwfError> {
    let mut out = Vec::new();
    match image.media().read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) => Err(MediaReader::take_error(e).expect("an EwfError")),
    }
}

#[test]
fn media_equals_source_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let src = source();
    let md5: [u8; 16] = Md5::digest(&src).into();
    let sha1: [u8; 20] = Sha1::digest(&src).into();
    for (name, format, compression, segment, has_sha1) in [
        ("e6_fast", "encase6", "deflate:fast", "1MiB", true),
        ("e6_best", "encase6", "deflate:best", "1MiB", true),
        ("e6_none", "encase6", "deflate:none", "1MiB", true),
        ("e6_one", "encase6", "deflate:none", "64MiB", true),
        ("ftk_fast", "ftk", "deflate:fast", "1MiB", false),
        ("e5_fast", "encase5", "deflate:fast", "1MiB", false),
        ("linen6", "linen6", "deflate:fast", "1MiB", true),
    ] {
        let Some(first) = make(dir.path(), name, format, compression, segment) else {
            return;
        };
        let image = EwfImage::open(&first).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(image.media_size(), src.len() as u64, "{name}");
        assert_eq!(image.bytes_per_sector(), 512, "{name}");
        assert_eq!(image.chunk_size(), 32768, "{name}");
        let media = read_all(&image).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(media == src, "{name}: media differs from the source");
        assert_eq!(image.stored_hashes().md5, Some(md5), "{name}");
        assert_eq!(
            image.stored_hashes().sha1,
            has_sha1.then_some(sha1),
            "{name}"
        );
        let header = image
            .header()
            .unwrap_or_else(|| panic!("{name}: no header"));
        assert_eq!(header.case_number(), Some("CASE-20"), "{name}");
        assert_eq!(header.examiner(), Some("helper"), "{name}");
        if segment == "1MiB" {
            assert!(image.segment_paths().count() > 2, "{name}");
        }
    }
}

#[test]
fn header2_is_preferred_and_codepage_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.raw");
    std::fs::write(&src, vec![0u8; 65536]).unwrap();
    for (format, encoding) in [
        ("encase6", HeaderEncoding::Utf16Le),
        ("ftk", HeaderEncoding::AssumedWindows1252),
    ] {
        let options = [
            "-f",
            format,
            "-A",
            "windows-1252",
            "-C",
            "Café-1",
            "-E",
            "Ev€",
        ];
        if !crate::peers::ewfacquire(&dir.path().join(format), &options, &src) {
            return;
        }
        let image = EwfImage::open(&dir.path().join(format!("{format}.E01"))).unwrap();
        let h = image.header().unwrap();
        assert_eq!(h.encoding, encoding, "{format}");
        assert_eq!(h.case_number(), Some("Café-1"), "{format}");
        assert_eq!(h.evidence_number(), Some("Ev€"), "{format}");
    }
}

/// The first compressed chunk of a set and where it is stored.
fn first_compressed(image: &EwfImage) -> (u64, ChunkLoc) {
    (0..image.chunk_count())
        .map(|i| (i, image.locate(i).unwrap()))
        .find(|(_, c)| c.compressed)
        .unwrap()
}

/// Flips one byte of a file.
pub(super) fn flip(path: &Path, at: u64) {
    let mut b = std::fs::read(path).unwrap();
    b[at as usize] ^= 0x55;
    std::fs::write(path, b).unwrap();
}

#[test]
fn corrupted_chunks_name_the_chunk_and_range() {
    let dir = tempfile::tempdir().unwrap();
    let Some(none) = make(dir.path(), "none", "encase6", "deflate:none", "1MiB") else {
        return;
    };
    let fast = make(dir.path(), "fast", "encase6", "deflate:fast", "1MiB").unwrap();

    // A byte of an uncompressed chunk: its Adler-32 no longer matches.
    let loc = EwfImage::open(&none).unwrap().locate(5).unwrap();
    assert!(!loc.compressed);
    flip(&none.with_extension("E01"), loc.offset + 1000);
    let err = read_all(&EwfImage::open(&none).unwrap()).unwrap_err();
    match &err {
        EwfError::Chunk {
            chunk: 5,
            start: 163840,
            end: 196608,
            problem: ChunkProblem::Checksum { expected, actual },
            ..
        } => {
            assert_ne!(expected, actual)
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_data_mismatch());
    assert!(
        err.to_string()
            .contains("chunk 5 (media bytes 163840..196608"),
        "{err}"
    );

    // A byte inside the deflate data of a compressed (zero) chunk.
    let image = EwfImage::open(&fast).unwrap();
    let (index, loc) = first_compressed(&image);
    let path = image.segment_path(loc.segment).to_path_buf();
    drop(image);
    flip(&path, loc.offset + u64::from(loc.stored_len) / 2);
    match read_all(&EwfImage::open(&fast).unwrap()).unwrap_err() {
        EwfError::Chunk {
            chunk,
            start,
            problem: ChunkProblem::Inflate(_) | ChunkProblem::Length { .. },
            ..
        } => {
            assert_eq!((chunk, start), (index, index * 32768))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn corrupted_section_checksums_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "s", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let file = File::open(&first).unwrap();
    let len = file.metadata().unwrap().len();
    let sections = section::walk_sections(&file, &first, len).unwrap();
    let volume = sections
        .iter()
        .find(|s| s.kind == SectionKind::Volume)
        .unwrap();
    let table = sections
        .iter()
        .find(|s| s.kind == SectionKind::Table)
        .unwrap();
    drop(file);

    // A padding byte of the volume's descriptor (ewfverify: "media type does not match").
    let copy = dir.path().join("d.E01");
    let image = EwfImage::open(&first).unwrap();
    for (n, seg) in image.segment_paths().enumerate().skip(1) {
        std::fs::copy(seg, copy.with_extension(format!("E{:02}", n + 1))).unwrap();
    }
    drop(image);
    std::fs::copy(&first, &copy).unwrap();
    flip(&copy, volume.offset + 40);
    match EwfImage::open(&copy).unwrap_err() {
        EwfError::DescriptorChecksum { path, offset, .. } => {
            assert_eq!((path, offset), (copy.clone(), volume.offset))
        }
        other => panic!("unexpected {other:?}"),
    }

    // A table entry (ewfverify falls back to table2 and says SUCCESS).
    std::fs::copy(&first, &copy).unwrap();
    flip(&copy, table.body_offset() + 24 + 4 * 3);
    match EwfImage::open(&copy).unwrap_err() {
        EwfError::SectionChecksum {
            section: "table entries",
            offset,
            ..
        } => assert_eq!(offset, table.offset),
        other => panic!("unexpected {other:?}"),
    }

    // The volume body.
    std::fs::copy(&first, &copy).unwrap();
    flip(&copy, volume.body_offset() + 200);
    assert!(matches!(
        EwfImage::open(&copy).unwrap_err(),
        EwfError::SectionChecksum {
            section: "volume",
            ..
        }
    ));
}

#[test]
fn missing_extra_and_renumbered_segments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "m", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let n = EwfImage::open(&first).unwrap().segment_paths().count();
    let last = first.with_extension(format!("E{n:02}"));
    let extra = first.with_extension(format!("E{:02}", n + 1));

    // An extra segment after the one holding done.
    std::fs::copy(&last, &extra).unwrap();
    match EwfImage::open(&first).unwrap_err() {
        EwfError::ExtraSegment { path } => assert_eq!(path, extra),
        other => panic!("unexpected {other:?}"),
    }
    std::fs::remove_file(&extra).unwrap();

    // The last segment missing (the ewf crate took this for "no stored hash").
    let aside = dir.path().join("aside");
    std::fs::rename(&last, &aside).unwrap();
    match EwfImage::open(&first).unwrap_err() {
        EwfError::MissingSegment { path } => assert_eq!(path, last),
        other => panic!("unexpected {other:?}"),
    }
    // ... or truncated.
    std::fs::copy(&aside, &last).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&last).unwrap();
    f.set_len(100_000).unwrap();
    assert!(matches!(
        EwfImage::open(&first).unwrap_err(),
        EwfError::Truncated { .. } | EwfError::Malformed { .. }
    ));
    std::fs::rename(&aside, &last).unwrap();

    // A middle segment missing.
    let e03 = first.with_extension("E03");
    std::fs::rename(&e03, &aside).unwrap();
    match EwfImage::open(&first).unwrap_err() {
        EwfError::MissingSegment { path } => assert_eq!(path, e03),
        other => panic!("unexpected {other:?}"),
    }
    std::fs::rename(&aside, &e03).unwrap();

    // E02 claiming to be segment 3.
    let e02 = first.with_extension("E02");
    let mut b = std::fs::read(&e02).unwrap();
    b[9] = 3;
    std::fs::write(&e02, b).unwrap();
    match EwfImage::open(&first).unwrap_err() {
        EwfError::SegmentNumber {
            path,
            expected: 2,
            found: 3,
        } => assert_eq!(path, e02),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn segment_extensions() {
    assert_eq!(segment_extension(1, false).as_deref(), Some("E01"));
    assert_eq!(segment_extension(99, true).as_deref(), Some("e99"));
    assert_eq!(segment_extension(100, false).as_deref(), Some("EAA"));
    assert_eq!(segment_extension(101, false).as_deref(), Some("EAB"));
    assert_eq!(
        segment_extension(100 + 26 * 26, false).as_deref(),
        Some("FAA")
    );
    assert_eq!(
        segment_extension(MAX_SEGMENTS, false).as_deref(),
        Some("ZZZ")
    );
    assert_eq!(segment_extension(MAX_SEGMENTS + 1, false), None);
    assert_eq!(segment_extension(0, false), None);
}

/// A zlib stream of exactly `total` bytes (at least 11) holding one stored
/// deflate block of `total - 11` zero bytes: valid, but short of a chunk.
fn short_zlib(total: usize) -> Vec<u8> {
    let k = total - 11;
    let data = vec![0u8; k];
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend_from_slice(&(k as u16).to_le_bytes());
    z.extend_from_slice(&(!(k as u16)).to_le_bytes());
    z.extend_from_slice(&data);
    z.extend_from_slice(&section::adler32(&data).to_be_bytes());
    z
}

#[test]
fn compressed_chunk_trailer_and_length_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "z", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let image = EwfImage::open(&first).unwrap();
    let (index, loc) = first_compressed(&image);
    let path = image.segment_path(loc.segment).to_path_buf();
    drop(image);
    let original = std::fs::read(&path).unwrap();

    // Only the zlib Adler-32 trailer changed: the data still inflates.
    flip(&path, loc.offset + u64::from(loc.stored_len) - 1);
    match read_all(&EwfImage::open(&first).unwrap()).unwrap_err() {
        EwfError::Chunk {
            chunk,
            problem: ChunkProblem::Inflate(InflateProblem::Checksum { expected, actual }),
            ..
        } => {
            assert_eq!(chunk, index);
            assert_ne!(expected, actual);
        }
        other => panic!("unexpected {other:?}"),
    }

    // A valid zlib stream of the same stored size that inflates short of a
    // chunk (ewfverify finds this only through the stored hash).
    let mut b = original.clone();
    let at = loc.offset as usize;
    b[at..at + loc.stored_len as usize].copy_from_slice(&short_zlib(loc.stored_len as usize));
    std::fs::write(&path, &b).unwrap();
    match read_all(&EwfImage::open(&first).unwrap()).unwrap_err() {
        EwfError::Chunk {
            chunk,
            problem:
                ChunkProblem::Length {
                    expected: 32768,
                    actual,
                },
            ..
        } => {
            assert_eq!((chunk, actual), (index, u64::from(loc.stored_len) - 11));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn foreign_segment_and_conflicting_hashes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fast) = make(dir.path(), "fast", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let best = make(dir.path(), "best", "encase6", "deflate:best", "1MiB").unwrap();
    let image = EwfImage::open(&fast).unwrap();
    let last = image.segment_paths().last().unwrap().to_path_buf();
    drop(image);

    // E02 from a set with another compression level (the ewf crate reads it).
    let e02 = fast.with_extension("E02");
    let saved = std::fs::read(&e02).unwrap();
    std::fs::copy(best.with_extension("E02"), &e02).unwrap();
    match EwfImage::open(&fast).unwrap_err() {
        EwfError::ForeignSegment { path, field, .. } => {
            assert_eq!((path, field), (e02.clone(), "compression level"))
        }
        other => panic!("unexpected {other:?}"),
    }
    std::fs::write(&e02, saved).unwrap();

    // The MD5 in the hash section changed and its Adler-32 fixed: it no
    // longer agrees with the digest section's MD5.
    let file = File::open(&last).unwrap();
    let len = file.metadata().unwrap().len();
    let sections = section::walk_sections(&file, &last, len).unwrap();
    drop(file);
    let hash = sections
        .iter()
        .find(|s| s.kind == SectionKind::Hash)
        .unwrap();
    let mut b = std::fs::read(&last).unwrap();
    let body = hash.body_offset() as usize;
    b[body] ^= 1;
    let sum = section::adler32(&b[body..body + 32]);
    b[body + 32..body + 36].copy_from_slice(&sum.to_le_bytes());
    std::fs::write(&last, b).unwrap();
    match EwfImage::open(&fast).unwrap_err() {
        EwfError::Malformed { path, reason, .. } => {
            assert_eq!(path, last);
            assert!(reason.contains("different MD5"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// The fail-closed property: whatever single byte of a segment is changed,
/// opening or reading the set fails, or it returns exactly the original
/// media and metadata. (The harmless ones, about 1 in 60 here, are bits of
/// a deflate stream of zeros that re-parse to the same 32768 zeros: a
/// different but equivalent encoding.) Never wrong data without an error.
#[test]
fn no_byte_change_yields_wrong_data() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.raw");
    let mut media = source();
    media.truncate(64 * 1024);
    media.extend(vec![0u8; 32 * 1024]);
    std::fs::write(&src, &media).unwrap();
    let options = [
        "-f",
        "encase6",
        "-c",
        "deflate:fast",
        "-d",
        "sha1",
        "-C",
        "C",
        "-e",
        "E",
    ];
    if !crate::peers::ewfacquire(&dir.path().join("small"), &options, &src) {
        return;
    }
    let first = dir.path().join("small.E01");
    let original = std::fs::read(&first).unwrap();
    let image = EwfImage::open(&first).unwrap();
    assert_eq!(image.segment_paths().count(), 1);
    let header = image.header().cloned();
    let hashes = image.stored_hashes().clone();
    drop(image);

    let mut positions: Vec<usize> = (0..original.len().min(4096)).collect();
    positions.extend(original.len().saturating_sub(2048)..original.len());
    positions.extend((4096..original.len()).step_by(97));
    let (mut refused, mut harmless) = (0usize, 0usize);
    for at in positions {
        let mut b = original.clone();
        b[at] ^= 0x01;
        std::fs::write(&first, &b).unwrap();
        let outcome = EwfImage::open(&first).and_then(|image| {
            let data = read_all(&image)?;
            Ok((data, image.header().cloned(), image.stored_hashes().clone()))
        });
        match outcome {
            Err(_) => refused += 1,
            Ok((data, h, s)) => {
                assert!(
                    data == media && h == header && s == hashes,
                    "byte {at}: changed data read without an error"
                );
                harmless += 1;
            }
        }
    }
    println!("single-byte changes: {refused} refused, {harmless} harmless");
    // Almost every change must be refused outright.
    assert!(
        refused > 50 * harmless.max(1),
        "refused {refused}, harmless {harmless}"
    );
    // Truncations anywhere are refused.
    for len in (0..original.len()).step_by(331) {
        std::fs::write(&first, &original[..len]).unwrap();
        assert!(EwfImage::open(&first).is_err(), "truncated to {len} bytes");
    }
}

#[test]
fn lower_case_names_are_followed_and_mixed_case_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "l", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let n = EwfImage::open(&first).unwrap().segment_paths().count() as u32;
    for i in 1..=n {
        let upper = first.with_extension(segment_extension(i, false).unwrap());
        std::fs::rename(
            &upper,
            first.with_extension(segment_extension(i, true).unwrap()),
        )
        .unwrap();
    }
    let lower = first.with_extension("e01");
    let image = EwfImage::open(&lower).unwrap();
    assert_eq!(read_all(&image).unwrap(), source());
    drop(image);
    // `.e01` ... with an upper-case `.E02` is not one set.
    std::fs::rename(lower.with_extension("e02"), lower.with_extension("E02")).unwrap();
    match EwfImage::open(&lower).unwrap_err() {
        EwfError::MissingSegment { path } => assert_eq!(path, lower.with_extension("e02")),
        other => panic!("unexpected {other:?}"),
    }
    std::fs::rename(lower.with_extension("E02"), lower.with_extension("e02")).unwrap();
    // An extra segment in the other case is still extra.
    let extra = lower.with_extension(segment_extension(n + 1, false).unwrap());
    std::fs::copy(
        lower.with_extension(segment_extension(n, true).unwrap()),
        &extra,
    )
    .unwrap();
    match EwfImage::open(&lower).unwrap_err() {
        EwfError::ExtraSegment { path } => assert_eq!(path, extra),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        EwfImage::open(&lower.with_extension("e02")).unwrap_err(),
        EwfError::NotFirstSegment { .. }
    ));
}
