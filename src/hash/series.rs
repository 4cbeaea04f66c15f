//! Hashing a series of streams (the payload files of a bundle, one after
//! another) with the engine's workers: one long-lived thread per
//! algorithm for the whole series, instead of threads per stream.
//!
//! The caller copies each stream's bytes in ([`SeriesHasher::update`]) and
//! marks its end ([`SeriesHasher::end_stream`]). Consecutive streams are
//! packed into the same pooled block, with the offsets where each ends, so
//! a tree of small files costs one hand-over per block, not per file. The
//! digests come back in stream order. The caller's thread only copies:
//! the hashing runs on the workers, beside whatever the caller does.
//!
//! Memory is bounded as in [`super::MultiHasher`]: `POOL_BLOCKS` blocks in
//! flight, and at most `MAX_ENDS` streams ending in one block, so the
//! streams awaiting their digests stay few whatever the series' length.

use super::engine::{Block, BufferPool, POOL_BLOCKS, Worker, fan_out, spawn_worker};
use super::pace::yields;
use super::{AlgorithmSet, DEFAULT_BLOCK_SIZE, Digest, HasherState, PoolBuf};
use std::io;
use std::sync::Arc;
use std::sync::mpsc;

/// Streams ending in one block before it is handed over.
const MAX_ENDS: usize = 4096;

/// One-pass hashing of a series of streams, each algorithm on its own
/// thread (see the module docs).
pub struct SeriesHasher {
    senders: Vec<mpsc::SyncSender<Arc<Block>>>,
    handles: Vec<std::thread::JoinHandle<Worker>>,
    /// Each worker's digests, one per ended stream, in order.
    done: Vec<mpsc::Receiver<Digest>>,
    /// Digests received for the next finished stream, by worker.
    partial: Vec<Option<Digest>>,
    pool: BufferPool,
    /// The block being filled: buffer, bytes in it, stream ends in it.
    current: Option<(PoolBuf, usize, Vec<usize>)>,
    /// Streams ended whose digests have not been taken yet.
    pending: u64,
    lost_worker: bool,
}

impl SeriesHasher {
    /// Start one worker per algorithm in `algorithms`.
    pub fn new(algorithms: &AlgorithmSet) -> SeriesHasher {
        Self::with_block_size(algorithms, DEFAULT_BLOCK_SIZE)
    }

    /// The same with blocks of `block_size` bytes (tests use small ones).
    pub fn with_block_size(algorithms: &AlgorithmSet, block_size: usize) -> SeriesHasher {
        let (free_tx, free_rx) = mpsc::channel::<PoolBuf>();
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        let mut done = Vec::new();
        let workers: Vec<Worker> = algorithms
            .as_slice()
            .iter()
            .map(|a| Worker::Whole(HasherState::new(*a)))
            .collect();
        let yielding = yields(&workers);
        for (worker, yields) in workers.into_iter().zip(yielding) {
            let (tx, rx) = mpsc::sync_channel::<Arc<Block>>(POOL_BLOCKS);
            let (done_tx, done_rx) = mpsc::channel();
            senders.push(tx);
            done.push(done_rx);
            handles.push(spawn_worker(
                worker,
                yields,
                rx,
                free_tx.clone(),
                Some(done_tx),
            ));
        }
        SeriesHasher {
            partial: done.iter().map(|_| None).collect(),
            senders,
            handles,
            done,
            pool: BufferPool::new(free_rx, POOL_BLOCKS, block_size.max(4096)),
            current: None,
            pending: 0,
            lost_worker: false,
        }
    }

    /// A free buffer; waits for the slowest worker when all are in flight.
    fn buffer(&mut self) -> PoolBuf {
        let (b, lost) = self.pool.take();
        self.lost_worker |= lost;
        b
    }

    /// Hand the block being filled to the workers.
    fn submit(&mut self) {
        if let Some((data, len, ends)) = self.current.take() {
            let block = Arc::new(Block { data, len, ends });
            self.lost_worker |= !fan_out(&self.senders, block);
        }
    }

    /// The block being filled, with room for at least one more byte or
    /// stream end.
    fn current(&mut self) -> &mut (PoolBuf, usize, Vec<usize>) {
        let cur = match self.current.take() {
            Some(c) => c,
            None => (self.buffer(), 0, Vec::new()),
        };
        self.current.insert(cur)
    }

    /// More bytes of the current stream.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let (buf, len, _) = self.current();
            let n = data.len().min(buf.len() - *len);
            buf[*len..*len + n].copy_from_slice(&data[..n]);
            *len += n;
            data = &data[n..];
            if *len == buf.len() {
                self.submit();
            }
        }
    }

    /// The current stream is complete; the next bytes start another.
    pub fn end_stream(&mut self) {
        let (_, len, ends) = self.current();
        ends.push(*len);
        let full = ends.len() >= MAX_ENDS;
        self.pending += 1;
        if full {
            self.submit();
        }
    }

    /// The digests of the next finished stream (in the order the streams
    /// ended, one per algorithm in canonical order), if its hashing is
    /// done; never waits.
    pub fn try_next(&mut self) -> Option<Vec<Digest>> {
        for (slot, rx) in self.partial.iter_mut().zip(&self.done) {
            if slot.is_none() {
                *slot = rx.try_recv().ok();
            }
            slot.as_ref()?;
        }
        self.take_partial()
    }

    fn take_partial(&mut self) -> Option<Vec<Digest>> {
        if self.pending == 0 || self.partial.iter().any(Option::is_none) {
            return None;
        }
        self.pending -= 1;
        Some(self.partial.iter_mut().filter_map(Option::take).collect())
    }

    /// Hash what is left and return the digests of every stream not taken
    /// yet, in order. Bytes after the last [`SeriesHasher::end_stream`]
    /// belong to no stream and are dropped.
    pub fn finish(mut self) -> io::Result<Vec<Vec<Digest>>> {
        if let Some((_, len, ends)) = &mut self.current {
            // Bytes of an unfinished stream are not hashed into anything.
            *len = ends.last().copied().unwrap_or(0);
        }
        self.submit();
        self.senders.clear();
        for h in self.handles.drain(..) {
            self.lost_worker |= h.join().is_err();
        }
        if self.lost_worker {
            return Err(io::Error::other("a hashing thread panicked"));
        }
        let mut out = Vec::new();
        while self.pending > 0 {
            for (slot, rx) in self.partial.iter_mut().zip(&self.done) {
                if slot.is_none() {
                    *slot = rx.try_recv().ok();
                }
            }
            match self.take_partial() {
                Some(d) => out.push(d),
                None => return Err(io::Error::other("a hashing thread lost a stream")),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{Algorithm, HashOptions, hash_bytes};

    fn md5_sha1() -> AlgorithmSet {
        AlgorithmSet::new([Algorithm::Md5, Algorithm::Sha1]).unwrap()
    }

    /// Streams of every awkward length (empty, across blocks, exactly a
    /// block) give the same digests as hashing each alone, in order.
    #[test]
    fn series_matches_each_stream_hashed_alone() {
        let block = 4096;
        let lens = [0, 1, 5000, 0, block, block - 1, 3 * block + 7, 2, 0];
        let streams: Vec<Vec<u8>> = lens
            .iter()
            .enumerate()
            .map(|(i, n)| (0..*n).map(|j| (i * 31 + j * 7) as u8).collect())
            .collect();
        let mut h = SeriesHasher::with_block_size(&md5_sha1(), block);
        let mut got = Vec::new();
        for s in &streams {
            // Fed in uneven pieces, as a zip entry reader returns them.
            for piece in s.chunks(1000) {
                h.update(piece);
            }
            h.end_stream();
            got.extend(h.try_next());
        }
        h.update(b"an unfinished stream is dropped");
        got.extend(h.finish().unwrap());
        assert_eq!(got.len(), streams.len());
        let opts = HashOptions {
            algorithms: md5_sha1(),
            ..HashOptions::default()
        };
        for (s, d) in streams.iter().zip(&got) {
            assert_eq!(*d, hash_bytes(s, &opts).digests);
        }
    }

    /// Many tiny streams: blocks are handed over at `MAX_ENDS` streams, so
    /// the digests come back while the series goes on (none hangs).
    #[test]
    fn many_tiny_streams_come_back_in_order() {
        let mut h = SeriesHasher::with_block_size(&md5_sha1(), 1 << 20);
        let n = MAX_ENDS * 3 + 5;
        let mut got = Vec::new();
        for i in 0..n {
            h.update(format!("file {i}\n").as_bytes());
            h.end_stream();
            while let Some(d) = h.try_next() {
                got.push(d);
            }
        }
        got.extend(h.finish().unwrap());
        assert_eq!(got.len(), n);
        let opts = HashOptions {
            algorithms: md5_sha1(),
            ..HashOptions::default()
        };
        for i in [0, 1, MAX_ENDS, n - 1] {
            let want = hash_bytes(format!("file {i}\n").as_bytes(), &opts).digests;
            assert_eq!(got[i], want, "stream {i}");
        }
    }
}
