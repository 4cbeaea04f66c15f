//! An in-order, parallel chunk decoder with bounded read-ahead.
//!
//! [`Chunks`] hands out the chunks of an [`EwfImage`] in order, 0 to
//! `chunk_count - 1`, while up to `workers` threads read, inflate and check
//! the chunks ahead of the caller. Workers take the chunks in batches of
//! about 1 MiB of media (so that a 32 KiB chunk does not cost a lock and a
//! wake-up of its own), and at most `2 × workers + 2` batches are decoded
//! but not yet handed out, so memory stays bounded whatever the size of the
//! set (a chunk is at most [`super::MAX_CHUNK_SIZE`]). Data buffers given
//! back with [`Chunks::recycle`] are reused. A chunk that fails its check
//! comes out as an `Err` in its place and the stream goes on. Dropping a
//! `Chunks` early stops its threads and joins them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use super::{EwfError, EwfImage};

/// Media bytes a worker decodes per batch (rounded to whole chunks).
const BATCH_BYTES: u64 = 1 << 20;

/// One chunk handed out by [`Chunks`].
#[derive(Debug)]
pub struct Decoded {
    /// The chunk number, from 0.
    pub index: u64,
    /// The checked media bytes of the chunk, or why it failed its check
    /// (normally [`EwfError::Chunk`]; an I/O error reading the segment is
    /// [`EwfError::Io`]).
    pub result: Result<Vec<u8>, EwfError>,
}

/// The chunks of a set, decoded ahead of the caller and handed out in order.
pub struct Chunks {
    image: Arc<EwfImage>,
    next: u64,
    count: u64,
    mode: Mode,
}

enum Mode {
    /// `workers == 0` (or no thread could be started): decode on the caller's thread.
    Inline {
        scratch: Vec<u8>,
        spare: Vec<Vec<u8>>,
    },
    Threads(Pool),
}

/// Consecutive chunks decoded by one worker, from `first`.
struct Batch {
    first: u64,
    chunks: Vec<Result<Vec<u8>, EwfError>>,
}

/// The worker threads and the consumer's side of their results.
struct Pool {
    shared: Arc<Shared>,
    results: Receiver<Batch>,
    /// Batches that arrived before an earlier one (within the window).
    early: BTreeMap<u64, Batch>,
    /// What is left of the batch being handed out.
    current: VecDeque<Result<Vec<u8>, EwfError>>,
    /// Buffers recycled since the last batch, passed on with the next one.
    returned: Vec<Vec<u8>>,
    handles: Vec<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    /// Chunks per batch (at least 1).
    batch: u64,
    /// Most chunks claimed by workers but not yet handed out: a whole
    /// number of batches.
    window: u64,
    /// Most spare buffers kept for reuse.
    spare_cap: usize,
}

struct State {
    /// The next chunk a worker will decode (the start of a batch).
    claim: u64,
    /// Every chunk before this one has been handed out (or is in the
    /// consumer's current batch).
    delivered: u64,
    /// Set when the `Chunks` is dropped (or a worker panicked).
    stop: bool,
    spare: Vec<Vec<u8>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker never panics while holding the lock; if one did, the
        // state is still consistent (plain counters), so go on.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Chunks {
    /// Starts decoding `image` with `workers` threads (0: every chunk is
    /// decoded on the caller's thread inside [`Chunks::next`]).
    pub fn new(image: Arc<EwfImage>, workers: usize) -> Chunks {
        let batch = (BATCH_BYTES / image.chunk_size().max(1)).max(1);
        Self::with_batch(image, workers, batch)
    }

    /// [`Chunks::new`] with `batch` chunks per batch (at least 1).
    pub(crate) fn with_batch(image: Arc<EwfImage>, workers: usize, batch: u64) -> Chunks {
        let count = image.chunk_count();
        let mode = if workers == 0 {
            inline()
        } else {
            Pool::start(&image, workers, batch.max(1)).map_or_else(inline, Mode::Threads)
        };
        Chunks {
            image,
            next: 0,
            count,
            mode,
        }
    }

    /// Gives a data buffer (from a [`Decoded`] result) back for reuse.
    pub fn recycle(&mut self, buf: Vec<u8>) {
        match &mut self.mode {
            Mode::Inline { spare, .. } => {
                if spare.len() < 2 {
                    spare.push(buf);
                }
            }
            Mode::Threads(pool) => {
                if pool.returned.len() < pool.shared.spare_cap {
                    pool.returned.push(buf);
                }
            }
        }
    }

    /// Number of worker threads running (0 when decoding inline).
    pub fn workers(&self) -> usize {
        match &self.mode {
            Mode::Inline { .. } => 0,
            Mode::Threads(pool) => pool.handles.len(),
        }
    }
}

#[cfg(test)]
impl Chunks {
    /// Chunks claimed by the workers so far (test only).
    pub(super) fn claimed(&self) -> u64 {
        match &self.mode {
            Mode::Inline { .. } => self.next,
            Mode::Threads(pool) => pool.shared.lock().claim,
        }
    }
}

fn inline() -> Mode {
    Mode::Inline {
        scratch: Vec::new(),
        spare: Vec::new(),
    }
}

impl Iterator for Chunks {
    type Item = Decoded;

    /// The next chunk in order; `None` after the last one.
    fn next(&mut self) -> Option<Decoded> {
        if self.next >= self.count {
            return None;
        }
        let index = self.next;
        let result = match &mut self.mode {
            Mode::Inline { scratch, spare } => {
                let mut data = spare.pop().unwrap_or_default();
                self.image
                    .read_chunk(index, &mut data, scratch)
                    .map(|()| data)
            }
            Mode::Threads(pool) => pool.take(index),
        };
        self.next += 1;
        Some(Decoded { index, result })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.count - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl Pool {
    /// Starts up to `workers` threads; `None` when none could be started.
    fn start(image: &Arc<EwfImage>, workers: usize, batch: u64) -> Option<Pool> {
        let window = (2 * workers as u64 + 2) * batch;
        let spare_cap = usize::try_from(window).unwrap_or(usize::MAX);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                claim: 0,
                delivered: 0,
                stop: false,
                spare: Vec::new(),
            }),
            wake: Condvar::new(),
            batch,
            window,
            spare_cap,
        });
        let (tx, results) = mpsc::channel();
        let mut handles = Vec::with_capacity(workers);
        for n in 0..workers {
            let (image, shared, tx) = (Arc::clone(image), Arc::clone(&shared), tx.clone());
            let spawned = thread::Builder::new()
                .name(format!("ewf-decode-{n}"))
                .spawn(move || work(&image, &shared, &tx));
            match spawned {
                Ok(h) => handles.push(h),
                Err(_) => break,
            }
        }
        let pool = Pool {
            shared,
            results,
            early: BTreeMap::new(),
            current: VecDeque::new(),
            returned: Vec::new(),
            handles,
        };
        // With no thread, `pool` is dropped here and the caller decodes inline.
        (!pool.handles.is_empty()).then_some(pool)
    }

    /// Chunk `index`, the next one in order: from the current batch, or
    /// the first of the next batch (then the workers may move on by one).
    fn take(&mut self, index: u64) -> Result<Vec<u8>, EwfError> {
        if let Some(result) = self.current.pop_front() {
            return result;
        }
        let batch = loop {
            if let Some(b) = self.early.remove(&index) {
                break b;
            }
            match self.results.recv() {
                Ok(b) if b.first == index => break b,
                Ok(b) => {
                    self.early.insert(b.first, b);
                }
                // Every worker is gone without sending `index`: one
                // panicked (a bug, never the input's doing). Pass it on.
                Err(_) => self.rethrow(),
            }
        };
        {
            let mut st = self.shared.lock();
            st.delivered = index;
            let room = self.shared.spare_cap.saturating_sub(st.spare.len());
            let n = room.min(self.returned.len());
            st.spare.extend(self.returned.drain(..n));
            self.returned.clear();
        }
        self.shared.wake.notify_all();
        self.current = batch.chunks.into();
        match self.current.pop_front() {
            Some(result) => result,
            // A worker never sends an empty batch.
            None => self.rethrow(),
        }
    }

    fn rethrow(&mut self) -> ! {
        for h in self.handles.drain(..) {
            if let Err(panic) = h.join() {
                std::panic::resume_unwind(panic);
            }
        }
        panic!("EWF decoder threads ended before the last chunk");
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        for h in self.handles.drain(..) {
            // A worker's panic was already passed on by `take`, or is moot now.
            let _ = h.join();
        }
    }
}

/// Sets `stop` if the worker holding it unwinds, so that the others do not
/// wait forever for a window that will never move.
struct StopOnPanic<'a>(&'a Shared);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.lock().stop = true;
            self.0.wake.notify_all();
        }
    }
}

/// A worker: claims the next batch inside the window, decodes it, sends it.
fn work(image: &EwfImage, shared: &Shared, tx: &Sender<Batch>) {
    let _guard = StopOnPanic(shared);
    let count = image.chunk_count();
    let mut scratch = Vec::new();
    loop {
        let (first, end, mut buffers) = {
            let mut st = shared.lock();
            loop {
                if st.stop || st.claim >= count {
                    return;
                }
                // Batches start at multiples of `batch`, and so does
                // `delivered`: a batch fits if its first chunk does.
                if st.claim < st.delivered + shared.window {
                    break;
                }
                st = shared.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
            }
            let first = st.claim;
            let end = count.min(first + shared.batch);
            st.claim = end;
            // At most `batch` (bounded by the window) buffers.
            let keep = st.spare.len().saturating_sub((end - first) as usize);
            (first, end, st.spare.split_off(keep))
        };
        let chunks = (first..end)
            .map(|index| {
                let mut data = buffers.pop().unwrap_or_default();
                image
                    .read_chunk(index, &mut data, &mut scratch)
                    .map(|()| data)
            })
            .collect();
        if tx.send(Batch { first, chunks }).is_err() {
            return;
        }
    }
}
