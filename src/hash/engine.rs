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
//!
//! A [`Stage`] can sit in front of the hashes: one more thread that sees
//! every block first (acquisition writes the image there), so reading,
//! writing and hashing overlap without copying a block.

use super::{AlgorithmSet, Digest, HasherState, PieceAlgorithm, PieceHasher, Pieces};
use std::io::{self, Read};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Default read size: large sequential reads, 2 MiB.
pub const DEFAULT_BLOCK_SIZE: usize = 2 * 1024 * 1024;

thread_local! {
    static FIRST_BLOCK: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Number of blocks in flight per stream.
pub(super) const POOL_BLOCKS: usize = 4;

/// Number of blocks in flight when a stage runs before the hashes (one more
/// step in the pipeline: reading, the stage, and the hashes each hold some).
const STAGED_POOL_BLOCKS: usize = 8;

/// Alignment of pooled buffers: what `O_DIRECT` asks of a buffer address
/// on every common device (4 KiB sectors and pages).
pub const BUFFER_ALIGN: usize = 4096;

/// A block buffer from the pool. Its bytes start at a [`BUFFER_ALIGN`]ed
/// address (when it was made by the pool), so an image writer can hand it
/// to the kernel with `O_DIRECT` without a bounce copy.
pub struct PoolBuf {
    data: Vec<u8>,
    start: usize,
    len: usize,
}

impl PoolBuf {
    /// A zeroed buffer of `len` bytes starting at an aligned address.
    pub fn aligned(len: usize) -> PoolBuf {
        let data = vec![0u8; len + BUFFER_ALIGN - 1];
        let start = data
            .as_ptr()
            .align_offset(BUFFER_ALIGN)
            .min(BUFFER_ALIGN - 1);
        PoolBuf { data, start, len }
    }
}

impl From<Vec<u8>> for PoolBuf {
    fn from(data: Vec<u8>) -> PoolBuf {
        let len = data.len();
        PoolBuf {
            data,
            start: 0,
            len,
        }
    }
}

impl Deref for PoolBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data[self.start..self.start + self.len]
    }
}

impl DerefMut for PoolBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.data[self.start..self.start + self.len]
    }
}

/// A step every block goes through, in order, on its own thread, before
/// the hashes see it (acquisition writes the image in one). It returns
/// false to stop: that block and every later one are then not hashed, so
/// the digests cover exactly the bytes the stage accepted.
pub type Stage = Box<dyn FnMut(&[u8]) -> bool + Send>;

/// What to compute over a stream.
#[derive(Debug, Clone)]
pub struct HashOptions {
    /// The algorithms; every one sees every byte.
    pub algorithms: AlgorithmSet,
    /// Piecewise hash window size, if wanted.
    pub piece_size: Option<u64>,
    /// How the windows are hashed. With [`PieceAlgorithm::Blake3Tree`]
    /// and BLAKE3 among `algorithms`, the whole-stream BLAKE3 comes from
    /// the windows (one BLAKE3 pass, not two).
    pub piece_algorithm: PieceAlgorithm,
    /// Read size in bytes (at least 4 KiB is sensible; 1-4 MiB is fastest).
    pub block_size: usize,
}

impl Default for HashOptions {
    fn default() -> Self {
        HashOptions {
            algorithms: AlgorithmSet::default_set(),
            piece_size: None,
            piece_algorithm: PieceAlgorithm::Sha256,
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
    /// The piecewise hashes, when requested.
    pub pieces: Option<Pieces>,
}

impl HashResult {
    /// The digest for `algorithm`, if it was computed.
    pub fn digest(&self, algorithm: super::Algorithm) -> Option<&Digest> {
        self.digests.iter().find(|d| d.algorithm == algorithm)
    }
}

/// One unit of work: an algorithm or the piecewise hasher.
pub(super) enum Worker {
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
    let pieces = opts.piece_size.filter(|s| *s > 0);
    // The tree windows give the whole BLAKE3 too: no second BLAKE3 pass.
    let blake3_from_pieces = pieces.is_some() && opts.piece_algorithm == PieceAlgorithm::Blake3Tree;
    let mut w: Vec<Worker> = opts
        .algorithms
        .as_slice()
        .iter()
        .filter(|a| !(blake3_from_pieces && **a == super::Algorithm::Blake3))
        .map(|a| Worker::Whole(HasherState::new(*a)))
        .collect();
    if let Some(size) = pieces {
        w.push(Worker::Pieces(PieceHasher::new(size, opts.piece_algorithm)));
    }
    w
}

fn finish(opts: &HashOptions, size: u64, workers: Vec<Worker>) -> HashResult {
    let mut digests = Vec::new();
    let mut pieces = None;
    for w in workers {
        match w {
            Worker::Whole(h) => digests.push(h.finalize()),
            Worker::Pieces(p) => pieces = Some(p.finalize()),
        }
    }
    let wanted = opts.algorithms.as_slice();
    let from_pieces = pieces.as_ref().and_then(|p: &Pieces| p.blake3.clone());
    if let Some(bytes) = from_pieces.filter(|_| wanted.contains(&super::Algorithm::Blake3)) {
        digests.push(Digest {
            algorithm: super::Algorithm::Blake3,
            bytes,
        });
        // Canonical order, as the workers were made.
        digests.sort_by_key(|d| wanted.iter().position(|a| *a == d.algorithm));
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
    finish(opts, data.len() as u64, workers)
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
pub(super) struct Block {
    pub(super) data: PoolBuf,
    pub(super) len: usize,
    /// Offsets (ascending, at most `len`) where one stream of a series
    /// ends and the next begins ([`super::SeriesHasher`]); empty for a
    /// single stream.
    pub(super) ends: Vec<usize>,
}

/// Start the thread of one worker: it hashes every block it receives and
/// returns each buffer to the pool (`free_tx`) once the last worker is done
/// with it. In a series (`done` given), at each of a block's `ends` it
/// sends the digest of the stream that ended there and starts the next.
pub(super) fn spawn_worker(
    mut worker: Worker,
    yields: bool,
    rx: mpsc::Receiver<Arc<Block>>,
    free_tx: mpsc::Sender<PoolBuf>,
    done: Option<mpsc::Sender<Digest>>,
) -> std::thread::JoinHandle<Worker> {
    std::thread::spawn(move || {
        if yields {
            super::pace::lower_thread_priority();
        }
        for block in rx {
            let mut at = 0;
            for &end in &block.ends {
                worker.update(&block.data[at..end]);
                if let (Some(done), Worker::Whole(h)) = (&done, &mut worker) {
                    let next = HasherState::new(h.algorithm());
                    let _ = done.send(std::mem::replace(h, next).finalize());
                }
                at = end;
            }
            worker.update(&block.data[at..block.len]);
            // Exactly one worker gets the buffer back (Arc::into_inner
            // guarantees it), and returns it to the pool.
            if let Some(b) = Arc::into_inner(block) {
                let _ = free_tx.send(b.data);
            }
        }
        worker
    })
}

/// The buffers blocks are hashed from: at most `cap` of them, each
/// returned on `free_rx` when the last worker is done with it. One pool,
/// used by [`MultiHasher`] and [`super::series::SeriesHasher`].
pub(super) struct BufferPool {
    free_rx: mpsc::Receiver<PoolBuf>,
    allocated: usize,
    cap: usize,
    pub(super) block_size: usize,
}

impl BufferPool {
    pub(super) fn new(free_rx: mpsc::Receiver<PoolBuf>, cap: usize, block_size: usize) -> Self {
        BufferPool {
            free_rx,
            allocated: 0,
            cap,
            block_size,
        }
    }

    /// A free buffer (contents unspecified); waits for the slowest worker
    /// when all are in flight. `true` beside it when every worker is gone
    /// (only if one panicked): a fresh buffer is handed out so that the
    /// caller never hangs, and its `finish` reports the panic.
    pub(super) fn take(&mut self) -> (PoolBuf, bool) {
        if let Ok(b) = self.free_rx.try_recv() {
            return (b, false);
        }
        if self.allocated < self.cap {
            self.allocated += 1;
            return (PoolBuf::aligned(self.block_size), false);
        }
        match self.free_rx.recv() {
            Ok(b) => (b, false),
            Err(_) => (PoolBuf::aligned(self.block_size), true),
        }
    }
}

/// A push-style one-pass hasher: callers hand it blocks, one worker thread
/// per algorithm (and one for the piecewise hashes) consumes them.
///
/// Buffers come from a small pool ([`MultiHasher::buffer`]) and go back to
/// it when the last worker is done with them, so memory stays at
/// `POOL_BLOCKS * block_size` and a caller that produces faster than the
/// slowest algorithm waits for it. [`hash_reader`] is built on it, and so is
/// acquisition, which writes each block to the image in a [`Stage`] before
/// the hashes see it ([`MultiHasher::with_stage`]).
pub struct MultiHasher {
    /// Where [`MultiHasher::submit`] sends: the hash workers, or the stage.
    senders: Vec<mpsc::SyncSender<Arc<Block>>>,
    stage: Option<StageThread>,
    handles: Vec<std::thread::JoinHandle<Worker>>,
    pool: BufferPool,
    total: u64,
    lost_worker: bool,
    /// What was asked for (the whole BLAKE3 may come from the pieces).
    opts: HashOptions,
}

/// The stage's thread (it returns the bytes it passed on and whether a
/// hash worker was lost) and its refusal flag.
struct StageThread {
    handle: std::thread::JoinHandle<(u64, bool)>,
    failed: Arc<AtomicBool>,
}

/// Send `block` to every sender; false if a receiver is gone.
pub(super) fn fan_out(senders: &[mpsc::SyncSender<Arc<Block>>], block: Arc<Block>) -> bool {
    let mut ok = true;
    // The sender keeps no reference: the last one gets the original, so
    // only workers ever drop a block, and the one that drops it last
    // (Arc::into_inner) recycles the buffer. A plain drop here could lose
    // the buffer and starve the pool.
    if let Some((last, rest)) = senders.split_last() {
        for tx in rest {
            ok &= tx.send(Arc::clone(&block)).is_ok();
        }
        ok &= last.send(block).is_ok();
    }
    ok
}

impl MultiHasher {
    /// Start the workers for `opts`.
    pub fn new(opts: &HashOptions) -> MultiHasher {
        Self::start(opts, None)
    }

    /// Start the workers for `opts` behind `stage`: every submitted block
    /// goes through the stage first (on its own thread, in order), then to
    /// the hashes. The digests and [`HashResult::size`] cover the blocks
    /// the stage accepted; after it refuses one, later blocks are dropped
    /// and [`MultiHasher::stage_failed`] is true.
    pub fn with_stage(opts: &HashOptions, stage: Stage) -> MultiHasher {
        Self::start(opts, Some(stage))
    }

    fn start(opts: &HashOptions, stage: Option<Stage>) -> MultiHasher {
        let block_size = opts.block_size.max(4096);
        let pool_blocks = if stage.is_some() {
            STAGED_POOL_BLOCKS
        } else {
            POOL_BLOCKS
        };
        let (free_tx, free_rx) = mpsc::channel::<PoolBuf>();
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        let workers = workers_for(opts);
        let yielding = super::pace::yields(&workers);
        // The stage (writing the image) is faster than the slowest hash
        // too: it yields whenever some worker does.
        let stage_yields = yielding.iter().any(|y| *y);
        for (worker, yields) in workers.into_iter().zip(yielding) {
            let (tx, rx) = mpsc::sync_channel::<Arc<Block>>(pool_blocks);
            senders.push(tx);
            handles.push(spawn_worker(worker, yields, rx, free_tx.clone(), None));
        }
        let stage = stage.map(|mut stage| {
            let (tx, rx) = mpsc::sync_channel::<Arc<Block>>(pool_blocks);
            let workers = std::mem::replace(&mut senders, vec![tx]);
            let failed = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&failed);
            let free_tx = free_tx.clone();
            let handle = std::thread::spawn(move || {
                if stage_yields {
                    super::pace::lower_thread_priority();
                }
                let mut passed = 0u64;
                let mut ok = true;
                let mut lost_worker = false;
                for block in rx {
                    ok = ok && stage(&block.data[..block.len]);
                    if ok {
                        passed += block.len as u64;
                        lost_worker |= !fan_out(&workers, block);
                    } else {
                        flag.store(true, Ordering::Relaxed);
                        // Not hashed: straight back to the pool.
                        if let Some(b) = Arc::into_inner(block) {
                            let _ = free_tx.send(b.data);
                        }
                    }
                }
                (passed, lost_worker)
            });
            StageThread { handle, failed }
        });
        MultiHasher {
            senders,
            stage,
            handles,
            pool: BufferPool::new(free_rx, pool_blocks, block_size),
            total: 0,
            lost_worker: false,
            opts: opts.clone(),
        }
    }

    /// Whether the stage (see [`MultiHasher::with_stage`]) refused a block;
    /// a caller stops submitting then.
    pub fn stage_failed(&self) -> bool {
        self.stage
            .as_ref()
            .is_some_and(|s| s.failed.load(Ordering::Relaxed))
    }

    /// The block size: every buffer from [`MultiHasher::buffer`] has this
    /// length.
    pub fn block_size(&self) -> usize {
        self.pool.block_size
    }

    /// Bytes submitted so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// A free buffer of `block_size` bytes (contents unspecified, start
    /// aligned to [`BUFFER_ALIGN`]); waits for the slowest worker when every
    /// pooled buffer is in flight.
    pub fn buffer(&mut self) -> PoolBuf {
        let (b, lost) = self.pool.take();
        self.lost_worker |= lost;
        b
    }

    /// Hash `buf[..len]` with every algorithm (after the stage, if any).
    /// The buffer goes back to the pool once every worker has seen it.
    pub fn submit(&mut self, buf: PoolBuf, len: usize) {
        let len = len.min(buf.len());
        if len == 0 {
            return;
        }
        self.total += len as u64;
        let block = Arc::new(Block {
            data: buf,
            len,
            ends: Vec::new(),
        });
        self.lost_worker |= !fan_out(&self.senders, block);
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

    /// Wait for the stage and the workers and collect the digests.
    pub fn finish(mut self) -> io::Result<HashResult> {
        self.senders.clear();
        // The stage drains its queue, then hangs up on the workers.
        if let Some(stage) = self.stage.take() {
            match stage.handle.join() {
                Ok((passed, lost)) => {
                    self.total = passed;
                    self.lost_worker |= lost;
                }
                Err(_) => self.lost_worker = true,
            }
        }
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
        Ok(finish(&self.opts, self.total, finished))
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
    hasher.submit(PoolBuf::from(first), n);
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
            ..HashOptions::default()
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

    #[test]
    fn pooled_buffers_are_aligned() {
        let mut h = MultiHasher::new(&all_opts(4096 * 3, None));
        for _ in 0..POOL_BLOCKS {
            let b = h.buffer();
            assert_eq!(b.len(), 4096 * 3);
            assert_eq!(b.as_ptr() as usize % BUFFER_ALIGN, 0);
        }
    }

    /// The stage sees every block in order before the hashes; once it
    /// refuses one, the digests cover exactly what it accepted.
    #[test]
    fn stage_runs_first_and_can_stop_the_hashes() {
        let data: Vec<u8> = (0..(4096 * 20 + 9)).map(|i| (i * 11 % 251) as u8).collect();
        for limit in [usize::MAX, 4096 * 7] {
            let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
            let log = Arc::clone(&seen);
            let mut h = MultiHasher::with_stage(
                &all_opts(4096, Some(5000)),
                Box::new(move |block: &[u8]| {
                    let mut v = log.lock().unwrap();
                    if v.len() + block.len() > limit {
                        return false;
                    }
                    v.extend_from_slice(block);
                    true
                }),
            );
            for chunk in data.chunks(4096) {
                if h.stage_failed() {
                    break;
                }
                let mut b = h.buffer();
                b[..chunk.len()].copy_from_slice(chunk);
                h.submit(b, chunk.len());
            }
            let r = h.finish().unwrap();
            let accepted = seen.lock().unwrap().clone();
            assert_eq!(r.size, accepted.len() as u64);
            assert_eq!(r, hash_bytes(&accepted, &all_opts(4096, Some(5000))));
            if limit == usize::MAX {
                assert!(accepted == data);
            } else {
                assert_eq!(accepted.len(), 4096 * 7);
            }
        }
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
