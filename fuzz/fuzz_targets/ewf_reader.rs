//! The EWF-E01 reader (`evidentia::ewf`) on a segment set made from the
//! input: the input is split before each EWF signature after its first
//! byte (so a seed is the segment files of a set concatenated, `cat
//! NAME.E01 NAME.E02 ...`) into at most `MAX_SEGMENTS` files `f.E01`,
//! `f.E02`, ... in a private scratch directory; a fourth piece or more
//! stays in the last file. Then `EwfImage::open` and, when it succeeds,
//! the whole `media()` read to its end.
//!
//! Asserted for every input: no panic; the accessors agree (chunk count ×
//! chunk size covers the media size with no spare chunk, as many segment
//! paths as files opened); a read that ends without error returned exactly
//! `media_size()` bytes; a read error is an `EwfError` (never another I/O
//! error), a chunk error names a chunk below the chunk count with its
//! media range, the reader having stopped at that chunk's first byte, and
//! `is_data_mismatch()` holds exactly for chunk errors.
#![no_main]

use evidentia::ewf::{EwfError, EwfImage, MediaReader};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most segment files made from one input.
const MAX_SEGMENTS: usize = 3;

/// The EWF-E01 signature that starts every segment file.
const SIGNATURE: &[u8] = b"EVF\x09\x0d\x0a\xff\x00";

/// A private scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let shm = std::path::Path::new("/dev/shm");
        let base = if std::env::var_os("TMPDIR").is_none() && shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("evidentia-fuzz-ewf-{}-{n}", std::process::id()));
        std::fs::create_dir(&dir).expect("cannot create the fuzz scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The input cut before each signature after its first byte, into at most
/// `MAX_SEGMENTS` pieces.
fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut cuts = vec![0];
    let mut at = 1;
    while cuts.len() < MAX_SEGMENTS {
        match data.get(at..).and_then(|rest| {
            rest.windows(SIGNATURE.len())
                .position(|w| w == SIGNATURE)
        }) {
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

fn run(data: &[u8]) {
    let dir = Scratch::new();
    let pieces = split(data);
    for (i, piece) in pieces.iter().enumerate() {
        let path = dir.0.join(format!("f.E{:02}", i + 1));
        std::fs::write(&path, piece).expect("cannot write a fuzz segment file");
    }
    let Ok(image) = EwfImage::open(&dir.0.join("f.E01")) else {
        return;
    };
    let media = image.media_size();
    let chunk = image.chunk_size();
    let chunks = image.chunk_count();
    assert!(chunk > 0, "zero chunk size accepted");
    assert!(
        chunks.checked_mul(chunk).is_some_and(|c| c >= media),
        "{chunks} chunks of {chunk} bytes do not cover {media} media bytes"
    );
    assert!(
        chunks == 0 || (chunks - 1) * chunk < media,
        "a spare chunk: {chunks} chunks of {chunk} bytes for {media} media bytes"
    );
    let segments = image.segment_paths().count();
    assert!(segments >= 1 && segments <= pieces.len());
    let _ = (image.header(), image.stored_hashes(), image.acquisition_errors());
    let mut reader = image.media();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => {
                assert_eq!(total, media, "the read ended short of the media size");
                return;
            }
            Ok(n) => {
                total += n as u64;
                assert!(total <= media, "read past the media size");
                assert_eq!(reader.position(), total);
            }
            Err(e) => {
                let err = MediaReader::take_error(e).expect("a read error is an EwfError");
                check_error(&err, total, chunk, chunks, media);
                return;
            }
        }
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

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
