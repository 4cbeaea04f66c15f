//! The one-pass engine: one reader, one worker thread per algorithm.
//!
//! [`MultiHasher`] is the engine; [`hash_reader`] drives it from a reader.
//! The calling thread reads the input in large blocks into a small pool of
//! buffers and hands each filled block (shared, read-only) to every worker.
//! The last worker to finish with a block returns its buffer to the pool, so
//! memory stays at `POOL_BLOCKS * block_size` whatever the input size, and a
//! fast algorithm can run at most `POOL_BLOCKS` blocks ahead of a slow one.
//! Inputs that fit in one block are hashed inline: starting threads would
//! cost more than the hashing.

use super::{AlgorithmSet, Digest, HasherState, PieceHasher, Pieces};
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc;

/// Default read size: large sequential reads, 2 MiB.
pub const DEFAULT_BLOCK_SIZE: usize = 2 * 1024 * 1024;

thread_local! {
    static FIRST_BLOCK: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Number of blocks in flight per stream.
const POOL_BLOCKS: usize = 4;

/// What to compute over a stream.
#[derive(Debug, Clone)]
pub struct HashOptions {
    /// The algorithms; every one sees every byte.
    pub algorithms: AlgorithmSet,
    /// Piecewise SHA-256 window size, if wanted.
    pub piece_size: Option<u64>,
    /// Read size in bytes (at least 4 KiB is sensible; 1-4 MiB is fastest).
    pub block_size: usize,
}

impl Default for HashOptions {
    fn default() -> Self {
        HashOptions {
            algorithms: AlgorithmSet::default_set(),
            piece_size: None,
            block_size: DEFAULT_BLOCK_SIZE,
        }
    }
}

/// The outcome of hashing one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashResult {
    /// Number of bytes read.
    pub size: u64,
    /// One digest per requested algorithm, in canonical order.
    pub digests: Vec<Digest>,
    /// Piecewise SHA-256, when requested.
    pub pieces: Option<Pieces>,
}

impl HashResult {
    /// The digest for `algorithm`, if it was computed.
    pub fn digest(&self, algorithm: super::Algorithm) -> Option<&Digest> {
        self.digests.iter().find(|d| d.algorithm == algorithm)
    }
}

/// One unit of work: an algorithm or the piecewise hasher.
enum Worker {
    Whole(HasherState),
    Pieces(PieceHasher),
}

impl Worker {
    fn update(&mut self, data: &[u8]) {
        match self {
            Worker::Whole(h) => h.update(data),
            Worker::Pieces(p) => p.update(data),
        }
    }
}

fn workers_for(opts: &HashOptions) -> Vec<Worker> {
    let mut w: Vec<Worker> = opts
        .algorithms
        .as_slice()
        .iter()
        .map(|a| Worker::Whole(HasherState::new(*a)))
        .collect();
    if let Some(size) = opts.piece_size.filter(|s| *s > 0) {
        w.push(Worker::Pieces(PieceHasher::new(size)));
    }
    w
}

fn finish(size: u64, workers: Vec<Worker>) -> HashResult {
    let mut digests = Vec::new();
    let mut pieces = None;
    for w in workers {
        match w {
            Worker::Whole(h) => digests.push(h.finalize()),
            Worker::Pieces(p) => pieces = Some(p.finalize()),
        }
    }
    HashResult {
        size,
        digests,
        pieces,
    }
}

/// Hash a byte slice already in memory (small inputs, tests).
pub fn hash_bytes(data: &[u8], opts: &HashOptions) -> HashResult {
    let mut workers = workers_for(opts);
    for w in &mut workers {
        w.update(data);
    }
    finish(data.len() as u64, workers)
}

/// Fill `buf` as far as the reader allows; returns the number of bytes read,
/// which is less than `buf.len()` only at end of input.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A filled block shared by the workers.
struct Block {
    data: Vec<u8>,
    len: usize,
}

/// A push-style one-pass hasher: callers hand it blocks, one worker thread
/// per algorithm (and one for the piecewise hashes) consumes them.
///
/// Buffers come from a small pool ([`MultiHasher::buffer`]) and go back to
/// it when the last worker is done with them, so memory stays at
/// `POOL_BLOCKS * block_size` and a caller that produces faster than the
/// slowest algorithm waits for it. [`hash_reader`] is built on it, and so is
/// acquisition, which writes each block to the image before hashing it.
pub struct MultiHasher {
    senders: Vec<mpsc::SyncSender<Arc<Block>>>,
    handles: Vec<std::thread::JoinHandle<Worker>>,
    free_rx: mpsc::Receiver<Vec<u8>>,
    allocated: usize,
    block_size: usize,
    total: u64,
    lost_worker: bool,
}

impl MultiHasher {
    /// Start the workers for `opts`.
    pub fn new(opts: &HashOptions) -> MultiHasher {
        let block_size = opts.block_size.max(4096);
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for mut worker in workers_for(opts) {
            let (tx, rx) = mpsc::sync_channel::<Arc<Block>>(POOL_BLOCKS);
            let free_tx = free_tx.clone();
            senders.push(tx);
            handles.push(std::thread::spawn(move || {
                for block in rx {
                    worker.update(&block.data[..block.len]);
                    // Exactly one worker gets the buffer back (Arc::into_inner
                    // guarantees it), and returns it to the pool.
                    if let Some(b) = Arc::into_inner(block) {
                        let _ = free_tx.send(b.data);
                    }
                }
                worker
            }));
        }
        MultiHasher {
            senders,
            handles,
            free_rx,
            allocated: 0,
            block_size,
            total: 0,
            lost_worker: false,
        }
    }

    /// The block size: every buffer from [`MultiHasher::buffer`] has this
    /// length.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// Bytes submitted so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// A free buffer of `block_size` bytes (contents unspecified); waits for
    /// the slowest worker when every pooled buffer is in flight.
    pub fn buffer(&mut self) -> Vec<u8> {
        if let Ok(b) = self.free_rx.try_recv() {
            return b;
        }
        if self.allocated < POOL_BLOCKS {
            self.allocated += 1;
            return vec![0u8; self.block_size];
        }
        match self.free_rx.recv() {
            Ok(b) => b,
            // Every worker is gone (only if one panicked): hand out a fresh
            // buffer so the caller never hangs; finish() reports the panic.
            Err(_) => {
                self.lost_worker = true;
                vec![0u8; self.block_size]
            }
        }
    }

    /// Hash `buf[..len]` with every algorithm. The buffer goes back to the
    /// pool once every worker has seen it.
    pub fn submit(&mut self, buf: Vec<u8>, len: usize) {
        let len = len.min(buf.len());
        if len == 0 {
            return;
        }
        self.total += len as u64;
        // The caller keeps no reference: the last sender gets the original,
        // so only workers ever drop a block, and the one that drops it last
        // (Arc::into_inner) recycles the buffer. A plain drop here could lose
        // the buffer and starve the pool.
        let block = Arc::new(Block { data: buf, len });
        if let Some((last, rest)) = self.senders.split_last() {
            for tx in rest {
                self.lost_worker |= tx.send(Arc::clone(&block)).is_err();
            }
            self.lost_worker |= last.send(block).is_err();
        }
    }

    /// Copy `data` into pooled buffers and hash it.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let mut buf = self.buffer();
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            self.submit(buf, n);
            data = &data[n..];
        }
    }

    /// Wait for the workers and collect the digests.
    pub fn finish(mut self) -> io::Result<HashResult> {
        self.senders.clear();
        let mut finished = Vec::with_capacity(self.handles.len());
        for h in self.handles.drain(..) {
            match h.join() {
                Ok(w) => finished.push(w),
                Err(_) => self.lost_worker = true,
            }
        }
        if self.lost_worker {
            return Err(io::Error::other("a hashing thread panicked"));
        }
        Ok(finish(self.total, finished))
    }
}

/// Hash everything `reader` yields, in one pass, with every requested
/// algorithm. `progress` is called from the calling thread with the number
/// of bytes just read.
///
/// A read error stops the work and is returned; no partial result is given,
/// because a partial hash of evidence is worse than none.
pub fn hash_reader(
    mut reader: impl Read,
    opts: &HashOptions,
    progress: &mut dyn FnMut(u64),
) -> io::Result<HashResult> {
    let block_size = opts.block_size.max(4096);
    // The first block is read into a per-thread buffer that is reused
    // across calls: most files in an evidence tree are small, and a fresh
    // 2 MiB allocation for each would cost more than hashing them.
    let first = FIRST_BLOCK.with(|cell| -> io::Result<Result<(Vec<u8>, usize), HashResult>> {
        let mut buf = cell.borrow_mut();
        if buf.len() != block_size {
            *buf = vec![0u8; block_size];
        }
        let n = read_full(&mut reader, &mut buf)?;
        if n < block_size {
            progress(n as u64);
            return Ok(Err(hash_bytes(&buf[..n], opts)));
        }
        // A long stream: hand the buffer over to the pool.
        Ok(Ok((std::mem::take(&mut *buf), n)))
    })?;
    let (first, n) = match first {
        Ok(block) => block,
        Err(small) => return Ok(small),
    };
    let mut hasher = MultiHasher::new(opts);
    hasher.submit(first, n);
    progress(n as u64);
    loop {
        let mut buf = hasher.buffer();
        let len = read_full(&mut reader, &mut buf)?;
        hasher.submit(buf, len);
        progress(len as u64);
        if len < block_size {
            break;
        }
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Algorithm;

    fn all_opts(block: usize, piece: Option<u64>) -> HashOptions {
        HashOptions {
            algorithms: AlgorithmSet::new(Algorithm::ALL).unwrap(),
            piece_size: piece,
            block_size: block,
        }
    }

    /// A reader that returns at most 1000 bytes per call, to exercise the
    /// refill loop.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(1000);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn threaded_matches_inline_at_block_boundaries() {
        let block = 4096;
        let data: Vec<u8> = (0..(block * 5 + 17)).map(|i| (i * 7 % 251) as u8).collect();
        for len in [0, 1, block - 1, block, block + 1, block * 4, block * 5 + 17] {
            let slice = &data[..len];
            let inline = hash_bytes(slice, &all_opts(block, Some(1000)));
            let mut seen = 0;
            let threaded = hash_reader(Trickle(slice), &all_opts(block, Some(1000)), &mut |n| {
                seen += n
            })
            .unwrap();
            assert_eq!(inline, threaded, "length {len}");
            assert_eq!(seen, len as u64);
            assert_eq!(threaded.size, len as u64);
        }
    }

    /// Many blocks through every worker: a buffer lost from the pool would
    /// starve the reader, so this must finish (it hung before a fix).
    #[test]
    fn pool_never_starves_on_long_streams() {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let data = vec![0x5au8; 4096 * 3000 + 1];
            let r = hash_reader(&data[..], &all_opts(4096, Some(8192)), &mut |_| {}).unwrap();
            let _ = tx.send(r.size);
        });
        let size = rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("hashing hung");
        assert_eq!(size, 4096 * 3000 + 1);
    }

    #[test]
    fn push_api_matches_inline() {
        let data: Vec<u8> = (0..(4096 * 9 + 5)).map(|i| (i * 13 % 251) as u8).collect();
        let mut h = MultiHasher::new(&all_opts(4096, Some(3000)));
        for chunk in data.chunks(5000) {
            h.update(chunk);
        }
        assert_eq!(h.total(), data.len() as u64);
        let pushed = h.finish().unwrap();
        assert_eq!(pushed, hash_bytes(&data, &all_opts(4096, Some(3000))));
    }

    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("sector not found"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(0);
            self.0 -= n;
            Ok(n)
        }
    }

    #[test]
    fn read_error_is_returned_not_hidden() {
        let err = hash_reader(Failing(4096 * 3), &all_opts(4096, None), &mut |_| {}).unwrap_err();
        assert_eq!(err.to_string(), "sector not found");
    }
}
