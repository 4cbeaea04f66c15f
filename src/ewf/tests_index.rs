//! Tests of the chunk index: memory that does not grow with the number of
//! chunks, and tables read again after open being the ones checked.

use super::index::TableDesc;
use super::section::{adler32, le32};
use super::tests::{make, source};
use super::*;

#[test]
fn the_index_keeps_no_bytes_per_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("zero.raw");
    // 128 MiB of zeros (sparse): 4096 chunks in one segment and one table.
    File::create(&src).unwrap().set_len(128 << 20).unwrap();
    let options = ["-f", "encase6", "-c", "deflate:fast", "-d", "sha1"];
    if !crate::peers::ewfacquire(&dir.path().join("z"), &options, &src) {
        return;
    }
    let image = EwfImage::open(&dir.path().join("z.E01")).unwrap();
    assert_eq!(image.chunk_count(), 4096);
    let kept = image.index_bytes();
    // Less than one bit per chunk (16 bytes per chunk before: 64 KiB here).
    assert!(
        kept * 8 < 4096,
        "the index keeps {kept} bytes for 4096 chunks"
    );
    let mut media = image.media();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = media.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        assert!(buf[..n].iter().all(|&b| b == 0));
        total += n as u64;
    }
    assert_eq!(total, 128 << 20);
    // A 4 TiB set of 32 KiB chunks in tables of 16375 (the smallest any
    // writer uses) and 640 MiB segments (EnCase's default) keeps under 4 MiB.
    let chunks = (4u64 << 40) / 32768;
    let tables = chunks.div_ceil(16375);
    let segments = (4u64 << 40) / (640 << 20);
    let bytes = tables * size_of::<TableDesc>() as u64 + segments * 200;
    assert!(size_of::<TableDesc>() <= 72);
    assert!(bytes < 4 << 20, "{bytes}");
}

/// The body offset and entry count of the first table of `path`.
fn first_table(path: &Path) -> (u64, usize) {
    let file = File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    let sections = section::walk_sections(&file, path, len).unwrap();
    let t = sections
        .iter()
        .find(|s| s.kind == SectionKind::Table)
        .unwrap();
    let mut count = [0u8; 4];
    file.read_exact_at(&mut count, t.body_offset()).unwrap();
    (t.body_offset(), u32::from_le_bytes(count) as usize)
}

#[test]
fn a_table_changed_after_open_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "t", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let e02 = first.with_extension("E02");
    let (body, count) = first_table(&e02);
    let original = std::fs::read(&e02).unwrap();
    let entries = body as usize + 24;
    let sum_at = entries + 4 * count;
    // Entry 3's compressed flag flipped, and the entries' Adler-32 made to
    // match: the table passes every check but is not the one opened.
    let mut resealed = original.clone();
    resealed[entries + 4 * 3 + 3] ^= 0x80;
    let sum = adler32(&resealed[entries..sum_at]);
    resealed[sum_at..sum_at + 4].copy_from_slice(&sum.to_le_bytes());
    assert_ne!(sum, le32(&original, sum_at));
    // Only the entry changed: its Adler-32 no longer matches.
    let mut flipped = original.clone();
    flipped[entries + 4 * 3] ^= 0x01;

    for (changed, what) in [(resealed, "resealed"), (flipped, "flipped")] {
        let image = EwfImage::open(&first).unwrap();
        std::fs::write(&e02, &changed).unwrap();
        let mut media = Vec::new();
        let err = image.media().read_to_end(&mut media).unwrap_err();
        match MediaReader::take_error(err).unwrap() {
            EwfError::Malformed { path, reason, .. } if what == "resealed" => {
                assert_eq!(path, e02);
                assert_eq!(reason, "table changed since the set was opened");
            }
            EwfError::SectionChecksum { path, .. } if what == "flipped" => {
                assert_eq!(path, e02)
            }
            other => panic!("{what}: {other:?}"),
        }
        // Everything before E02's chunks came out; nothing after.
        let before = (0..image.chunk_count())
            .find(|&i| image.locate(i).map_or(true, |l| l.segment != 0))
            .unwrap();
        assert_eq!(media.len() as u64, before * image.chunk_size(), "{what}");
        drop(image);
        std::fs::write(&e02, &original).unwrap();
        // The opened set is refused outright, as before.
        std::fs::write(&e02, &changed).unwrap();
        assert!(EwfImage::open(&first).is_err(), "{what}");
        std::fs::write(&e02, &original).unwrap();
    }
}

#[test]
fn segments_are_opened_again_and_a_replaced_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "r", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let image = EwfImage::open(&first).unwrap();
    // More segments than may stay open (2 in tests): reading them all
    // closes and opens files again, and gives the source.
    assert!(image.segment_paths().count() > segments::MAX_OPEN + 1);
    let mut media = Vec::new();
    image.media().read_to_end(&mut media).unwrap();
    assert!(media == source());

    // E02 replaced by a byte-identical copy: another file than the one
    // checked at open, refused when it is opened again.
    let e02 = first.with_extension("E02");
    let copy = dir.path().join("copy");
    std::fs::copy(&e02, &copy).unwrap();
    std::fs::rename(&copy, &e02).unwrap();
    let err = image.media().read_to_end(&mut Vec::new()).unwrap_err();
    match MediaReader::take_error(err).unwrap() {
        EwfError::Malformed { path, reason, .. } => {
            assert_eq!(path, e02);
            assert!(reason.contains("replaced"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // The set opened anew reads it.
    let image = EwfImage::open(&first).unwrap();
    let mut media = Vec::new();
    image.media().read_to_end(&mut media).unwrap();
    assert!(media == source());
}
