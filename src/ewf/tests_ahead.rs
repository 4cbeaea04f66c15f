//! Tests of [`Chunks`], the parallel in-order decoder, against sets made
//! by the real `ewfacquire` (skipped when it is missing).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use super::tests::{flip, make, source};
use super::*;

/// Every chunk of `image` through `Chunks` with `workers` threads:
/// (index, bytes or error), recycling the buffers.
fn decode_all(
    image: &Arc<EwfImage>,
    workers: usize,
    batch: Option<u64>,
) -> Vec<(u64, Result<Vec<u8>, EwfError>)> {
    let mut chunks = match batch {
        Some(b) => Chunks::with_batch(Arc::clone(image), workers, b),
        None => Chunks::new(Arc::clone(image), workers),
    };
    let mut out = Vec::new();
    while let Some(d) = chunks.next() {
        let result = d.result.map(|data| {
            let copy = data.clone();
            chunks.recycle(data);
            copy
        });
        out.push((d.index, result));
    }
    assert!(chunks.next().is_none());
    out
}

#[test]
fn parallel_output_equals_sequential_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "p", "encase6", "deflate:fast", "1MiB") else {
        return;
    };
    let src = source();
    let image = Arc::new(EwfImage::open(&first).unwrap());
    assert!(image.segment_paths().count() > 2);
    let mut sequential = Vec::new();
    image.media().read_to_end(&mut sequential).unwrap();
    assert!(sequential == src);
    for (workers, batch) in [
        (0, None),
        (1, None),
        (2, None),
        (3, Some(1)),
        (2, Some(3)),
        (8, Some(5)),
    ] {
        let decoded = decode_all(&image, workers, batch);
        assert_eq!(decoded.len() as u64, image.chunk_count(), "{workers}");
        let mut media = Vec::new();
        for (i, (index, result)) in decoded.into_iter().enumerate() {
            assert_eq!(index, i as u64, "{workers} workers: out of order");
            media.extend(result.unwrap_or_else(|e| panic!("{workers} workers: {e}")));
        }
        assert!(media == src, "{workers} workers, {batch:?}: media differs");
    }
    // Every worker has let go of the image.
    assert_eq!(Arc::strong_count(&image), 1);
}

#[test]
fn a_corrupted_chunk_is_one_error_and_the_rest_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "c", "encase6", "deflate:none", "1MiB") else {
        return;
    };
    let image = EwfImage::open(&first).unwrap();
    let loc = image.locate(40).unwrap();
    let path = image.segment_path(loc.segment).to_path_buf();
    drop(image);
    flip(&path, loc.offset + 1000);
    let image = Arc::new(EwfImage::open(&first).unwrap());
    let src = source();
    for (workers, batch) in [(0, None), (1, None), (3, Some(1)), (2, Some(7))] {
        let decoded = decode_all(&image, workers, batch);
        assert_eq!(decoded.len() as u64, image.chunk_count());
        for (index, result) in decoded {
            let start = index as usize * 32768;
            let end = (start + 32768).min(src.len());
            match result {
                Err(EwfError::Chunk {
                    chunk: 40,
                    start: 1_310_720,
                    problem: ChunkProblem::Checksum { .. },
                    ..
                }) if index == 40 => {}
                Ok(data) if index != 40 => assert!(data == src[start..end], "chunk {index}"),
                other => panic!("{workers} workers, chunk {index}: {other:?}"),
            }
        }
    }
}

#[test]
fn read_ahead_is_bounded_and_an_early_drop_joins_the_workers() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "d", "encase6", "deflate:fast", "64MiB") else {
        return;
    };
    let image = Arc::new(EwfImage::open(&first).unwrap());
    assert!(image.chunk_count() > 100);
    let (done_tx, done_rx) = mpsc::channel();
    let shared = Arc::clone(&image);
    std::thread::spawn(move || {
        for (workers, take, batch) in [(3u64, 0u64, 1u64), (3, 2, 1), (1, 5, 4), (8, 1, 2)] {
            let mut chunks = Chunks::with_batch(Arc::clone(&shared), workers as usize, batch);
            assert_eq!(chunks.workers() as u64, workers);
            for _ in 0..take {
                chunks.next().unwrap().result.unwrap();
            }
            // Give the workers time to run as far ahead as they may: the
            // window, (2 × workers + 2) batches, past the start of the
            // batch being handed out.
            std::thread::sleep(Duration::from_millis(200));
            let handed = take.saturating_sub(1) / batch * batch;
            assert_eq!(chunks.claimed(), handed + (2 * workers + 2) * batch);
            drop(chunks);
        }
        // The default batch (1 MiB of media) on a set smaller than the
        // window, dropped mid-way.
        let mut chunks = Chunks::new(Arc::clone(&shared), 2);
        chunks.next().unwrap().result.unwrap();
        drop(chunks);
        drop(shared);
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("dropping a Chunks early hung (or a check failed)");
    assert_eq!(
        Arc::strong_count(&image),
        1,
        "a worker still holds the image"
    );
}

#[test]
fn a_chunk_index_past_the_end_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let Some(first) = make(dir.path(), "i", "encase6", "deflate:fast", "64MiB") else {
        return;
    };
    let image = EwfImage::open(&first).unwrap();
    let (mut data, mut scratch) = (Vec::new(), Vec::new());
    let n = image.chunk_count();
    image.read_chunk(n - 1, &mut data, &mut scratch).unwrap();
    assert_eq!(data.len(), source().len() - (n as usize - 1) * 32768);
    for index in [n, u64::MAX] {
        match image.read_chunk(index, &mut data, &mut scratch) {
            Err(e @ EwfError::ChunkIndex { .. }) => assert!(!e.is_data_mismatch()),
            other => panic!("{index}: {other:?}"),
        }
    }
}
