//! Fuzz target `ewf_reader`: the EWF-E01 reader (`evidentia::ewf`) on a segment set made from the
//! input: the input is split before each EWF signature after its first
//! byte (so a seed is the segment files of a set concatenated, `cat
//! NAME.E01 NAME.E02 ...`) into at most `MAX_SEGMENTS` files `f.E01`,
//! `f.E02`, ... in a private scratch directory; a fourth piece or more
//! stays in the last file. Then `EwfImage::open` and, when it succeeds,
//! every chunk through the in-order decoder (`Chunks`) in lockstep with
//! the streaming reader (`media()`) read to its end.
//!
//! Asserted for every input: no panic; the accessors agree (chunk count ×
//! chunk size covers the media size with no spare chunk, as many segment
//! paths as files opened); a read that ends without error returned exactly
//! `media_size()` bytes; the decoder gives every chunk once, in order, at
//! its length, with the reader's bytes, and fails on the chunk where the
//! reader fails with the same error; a read error is an `EwfError` (never
//! another I/O error), a chunk error names a chunk below the chunk count
//! with its media range, the reader having stopped at that chunk's first
//! byte, and `is_data_mismatch()` holds exactly for chunk errors.

use super::Scratch;
use crate::ewf::{Chunks, EwfError, EwfImage, MediaReader};
use std::io::Read;
use std::sync::Arc;

/// Most segment files made from one input.
const MAX_SEGMENTS: usize = 3;

/// The EWF-E01 signature that starts every segment file.
const SIGNATURE: &[u8] = b"EVF\x09\x0d\x0a\xff\x00";

/// The input cut before each signature after its first byte, into at most
/// `MAX_SEGMENTS` pieces.
fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut cuts = vec![0];
    let mut at = 1;
    while cuts.len() < MAX_SEGMENTS {
        match data
            .get(at..)
            .and_then(|rest| rest.windows(SIGNATURE.len()).position(|w| w == SIGNATURE))
        {
            Some(p) => {
                cuts.push(at + p);
                at += p + 1;
            }
            None => break,
        }
    }
    cuts.push(data.len());
    cuts.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

/// The target: see the module documentation.
pub fn ewf_reader(data: &[u8]) {
    let dir = Scratch::new("ewf");
    std::fs::create_dir(&dir.0).expect("cannot create the fuzz scratch directory");
    let pieces = split(data);
    for (i, piece) in pieces.iter().enumerate() {
        let path = dir.0.join(format!("f.E{:02}", i + 1));
        std::fs::write(&path, piece).expect("cannot write a fuzz segment file");
    }
    let Ok(image) = EwfImage::open(&dir.0.join("f.E01")) else {
        return;
    };
    let image = Arc::new(image);
    let media = image.media_size();
    let chunk = image.chunk_size();
    let count = image.chunk_count();
    assert!(chunk > 0, "zero chunk size accepted");
    assert!(
        count.checked_mul(chunk).is_some_and(|c| c >= media),
        "{count} chunks of {chunk} bytes do not cover {media} media bytes"
    );
    assert!(
        count == 0 || (count - 1) * chunk < media,
        "a spare chunk: {count} chunks of {chunk} bytes for {media} media bytes"
    );
    let segments = image.segment_paths().count();
    assert!(segments >= 1 && segments <= pieces.len());
    let _ = format!(
        "{:?} {:?} {:?}",
        image.header(),
        image.stored_hashes(),
        image.acquisition_errors()
    );
    // The in-order decoder (0 to 2 workers, from the input's length) and
    // the streaming reader in lockstep: the same bytes, the same failure.
    let mut chunks = Chunks::new(Arc::clone(&image), data.len() % 3);
    let mut reader = image.media();
    let mut buf = Vec::new();
    let mut total = 0u64;
    let mut failed = false;
    for index in 0..count {
        let d = chunks.next().expect("a chunk for every index");
        assert_eq!(d.index, index, "chunks out of order");
        let start = index * chunk;
        let len = (start + chunk).min(media) - start;
        match d.result {
            Ok(bytes) => {
                assert_eq!(bytes.len() as u64, len, "chunk {index} length");
                if !failed {
                    buf.resize(bytes.len(), 0);
                    reader
                        .read_exact(&mut buf)
                        .expect("the reader reads a good chunk");
                    assert!(
                        buf == bytes,
                        "chunk {index}: the reader and the decoder differ"
                    );
                    total += len;
                }
                chunks.recycle(bytes);
            }
            Err(e) => {
                if let EwfError::Chunk { chunk: c, .. } = &e {
                    assert_eq!(*c, index, "a failure names another chunk");
                }
                if !failed {
                    failed = true;
                    buf.resize(len as usize, 0);
                    let err = reader.read(&mut buf).expect_err("the reader fails too");
                    let err = MediaReader::take_error(err).expect("a read error is an EwfError");
                    check_error(&err, total, chunk, count, media);
                    assert_eq!(err.to_string(), e.to_string(), "a different failure");
                }
            }
        }
    }
    assert!(chunks.next().is_none(), "a chunk past the count");
    if !failed {
        assert_eq!(total, media, "the chunks do not add up to the media size");
        let end = reader.read(&mut [0u8; 16]).expect("a clean end");
        assert_eq!(end, 0, "bytes past the media size");
    }
}

/// A read error stops at the first byte of the chunk it names.
fn check_error(err: &EwfError, total: u64, chunk_size: u64, chunks: u64, media: u64) {
    let _ = err.to_string();
    match err {
        EwfError::Chunk {
            chunk, start, end, ..
        } => {
            assert!(err.is_data_mismatch());
            assert!(*chunk < chunks, "chunk {chunk} of {chunks}");
            assert_eq!(*start, chunk * chunk_size);
            assert_eq!(*end, (start + chunk_size).min(media));
            assert_eq!(total, *start, "bytes of a failed chunk were returned");
        }
        _ => assert!(!err.is_data_mismatch()),
    }
}
