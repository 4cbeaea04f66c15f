//! An ordered parallel map: items are processed on a few worker threads and
//! their results are handed back strictly in input order.
//!
//! Memory is bounded: at most `max_in_flight` items are dispatched but not
//! yet emitted, so one huge file cannot make results pile up behind it.
//!
//! Hand-offs are batched when there is a queue: a worker that finds many
//! items waiting takes several at once (at most [`MAX_BATCH`], and never
//! more than its share of the queue, so two large files still go to two
//! workers) and sends their results back together. On a tree of small
//! files this makes one wake-up per batch instead of two per file.
//!
//! An item the caller marks `inline` (one that does its own parallel work,
//! or that must report progress as it goes) is run on the calling thread,
//! after every item before it has been emitted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

/// The most items a worker takes at once.
pub const MAX_BATCH: usize = 32;

/// Run `work` over `items` on `threads` threads and call `emit` with each
/// result in input order. Stops early, returning the error, if `emit` fails.
pub fn ordered_map<I, T, R, E>(
    items: I,
    threads: usize,
    max_in_flight: usize,
    work: &(dyn Fn(T) -> R + Sync),
    emit: &mut dyn FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    I: Iterator<Item = T>,
    T: Send,
    R: Send,
{
    let mut run = |item: T| work(item);
    let mut never = Inline {
        wanted: &|_: &T| false,
        run: &mut run,
    };
    ordered_map_inline(items, threads, max_in_flight, work, &mut never, emit)
}

/// Which items run on the calling thread, and how.
pub struct Inline<'a, T, R> {
    /// Whether an item runs on the calling thread.
    pub wanted: &'a dyn Fn(&T) -> bool,
    /// Its work there.
    pub run: &'a mut dyn FnMut(T) -> R,
}

/// [`ordered_map`], with the items `inline` wants run on the calling
/// thread in their turn (after every earlier item was emitted, before any
/// later one is dispatched).
pub fn ordered_map_inline<I, T, R, E>(
    items: I,
    threads: usize,
    max_in_flight: usize,
    work: &(dyn Fn(T) -> R + Sync),
    inline: &mut Inline<'_, T, R>,
    emit: &mut dyn FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    I: Iterator<Item = T>,
    T: Send,
    R: Send,
{
    let threads = threads.max(1);
    let max_in_flight = max_in_flight.max(threads) as u64;
    let (job_tx, job_rx) = mpsc::channel::<(u64, T)>();
    let queue = Queue {
        rx: Mutex::new(job_rx),
        queued: AtomicUsize::new(0),
    };
    std::thread::scope(|scope| {
        let (res_tx, res_rx) = mpsc::channel::<Vec<(u64, R)>>();
        for _ in 0..threads {
            let (queue, res_tx) = (&queue, res_tx.clone());
            scope.spawn(move || {
                while let Some(batch) = queue.take(threads) {
                    let done: Vec<(u64, R)> = batch
                        .into_iter()
                        .map(|(seq, item)| (seq, work(item)))
                        .collect();
                    if res_tx.send(done).is_err() {
                        return;
                    }
                }
            });
        }
        drop(res_tx);
        let mut out = Emitter {
            res_rx,
            pending: BTreeMap::new(),
            next: 0,
            emit,
        };
        let mut dispatched: u64 = 0;
        let mut result = Ok(());
        for item in items {
            let here = (inline.wanted)(&item);
            // An inline item waits for every earlier one; others for room.
            let limit = if here { 0 } else { max_in_flight - 1 };
            result = out.drain_while(|next| dispatched - next > limit);
            if result.is_err() || dispatched - out.next > limit {
                break;
            }
            if here {
                dispatched += 1;
                out.next += 1;
                result = (out.emit)((inline.run)(item));
                if result.is_err() {
                    break;
                }
                continue;
            }
            queue.queued.fetch_add(1, Ordering::Relaxed);
            if job_tx.send((dispatched, item)).is_err() {
                break;
            }
            dispatched += 1;
        }
        drop(job_tx);
        if result.is_ok() {
            result = out.drain_while(|next| next < dispatched);
        }
        // On error, closing the result channel makes each worker stop after
        // its current batch instead of working through the queue.
        drop(out);
        result
    })
}

/// The jobs waiting for a worker.
struct Queue<T> {
    rx: Mutex<mpsc::Receiver<(u64, T)>>,
    /// Sent and not yet taken (approximate: for sizing batches only).
    queued: AtomicUsize,
}

impl<T> Queue<T> {
    /// The next batch for one of `threads` workers: the first job waiting
    /// (blocking), plus more already queued, up to this worker's share of
    /// the queue and [`MAX_BATCH`]. `None` when no job will come.
    fn take(&self, threads: usize) -> Option<Vec<(u64, T)>> {
        let rx = self.rx.lock().ok()?;
        let first = rx.recv().ok()?;
        let want = (self.queued.load(Ordering::Relaxed) / threads).clamp(1, MAX_BATCH);
        let mut batch = Vec::with_capacity(want);
        batch.push(first);
        while batch.len() < want {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        drop(rx);
        self.queued.fetch_sub(batch.len(), Ordering::Relaxed);
        Some(batch)
    }
}

/// Results on their way back, emitted in input order.
struct Emitter<'e, R, E> {
    res_rx: mpsc::Receiver<Vec<(u64, R)>>,
    pending: BTreeMap<u64, R>,
    /// The sequence number of the next result to emit.
    next: u64,
    emit: &'e mut dyn FnMut(R) -> Result<(), E>,
}

impl<R, E> Emitter<'_, R, E> {
    /// Receive and emit results while `waiting(next)` holds (and results
    /// can still come).
    fn drain_while(&mut self, waiting: impl Fn(u64) -> bool) -> Result<(), E> {
        while waiting(self.next) {
            let Ok(batch) = self.res_rx.recv() else {
                return Ok(());
            };
            self.pending.extend(batch);
            while let Some(r) = self.pending.remove(&self.next) {
                self.next += 1;
                (self.emit)(r)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_with_uneven_work() {
        let mut out = Vec::new();
        let work = |i: u64| {
            if i.is_multiple_of(7) {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            i * 2
        };
        ordered_map(0..500u64, 3, 8, &work, &mut |r| {
            out.push(r);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(out, (0..500u64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn emit_error_stops_early() {
        let mut seen = 0;
        let r = ordered_map(0..10_000u64, 2, 4, &|i: u64| i, &mut |_| {
            seen += 1;
            if seen == 5 { Err("stop") } else { Ok(()) }
        });
        assert_eq!(r, Err("stop"));
        assert_eq!(seen, 5);
    }

    #[test]
    fn inline_items_run_here_in_their_turn() {
        let here = std::thread::current().id();
        let mut out = Vec::new();
        let work = |i: u64| (i, std::thread::current().id() == here);
        let mut run = |i: u64| (i, std::thread::current().id() == here);
        let mut inline = Inline {
            wanted: &|i: &u64| i.is_multiple_of(10),
            run: &mut run,
        };
        ordered_map_inline(0..300u64, 2, 64, &work, &mut inline, &mut |r| {
            out.push(r);
            Ok::<(), ()>(())
        })
        .unwrap();
        let want: Vec<(u64, bool)> = (0..300u64).map(|i| (i, i.is_multiple_of(10))).collect();
        assert_eq!(out, want);
    }

    /// Two items queued together go to two workers (a batch never takes
    /// more than its share): each waits for the other to start.
    #[test]
    fn two_items_go_to_two_workers() {
        let (tx, rx) = mpsc::channel::<u64>();
        let rx = Mutex::new(rx);
        let work = |i: u64| {
            tx.clone().send(i).unwrap();
            // Both arrivals are seen only if both run at the same time.
            let other = rx
                .lock()
                .unwrap()
                .recv_timeout(std::time::Duration::from_secs(10));
            other.is_ok()
        };
        let mut met = Vec::new();
        ordered_map(0..2u64, 2, 8, &work, &mut |r| {
            met.push(r);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(met, vec![true, true]);
    }

    #[test]
    fn a_long_queue_is_taken_in_batches_in_order() {
        let mut out = Vec::new();
        ordered_map(0..100_000u64, 2, 1024, &|i: u64| i + 1, &mut |r| {
            out.push(r);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(out, (1..=100_000u64).collect::<Vec<_>>());
    }
}
