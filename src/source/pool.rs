//! An ordered parallel map: items are processed on a few worker threads and
//! their results are handed back strictly in input order.
//!
//! Memory is bounded: at most `max_in_flight` items are dispatched but not
//! yet emitted, so one huge file cannot make results pile up behind it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, mpsc};

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
    let threads = threads.max(1);
    let max_in_flight = max_in_flight.max(threads);
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::channel::<(u64, T)>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (res_tx, res_rx) = mpsc::channel::<(u64, R)>();
        for _ in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let res_tx = res_tx.clone();
            scope.spawn(move || {
                loop {
                    // Hold the lock only to take one job.
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, item)) = job else { return };
                    if res_tx.send((seq, work(item))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(res_tx);

        let mut pending: BTreeMap<u64, R> = BTreeMap::new();
        let mut next_emit: u64 = 0;
        let mut dispatched: u64 = 0;
        let mut drain_one =
            |pending: &mut BTreeMap<u64, R>, next_emit: &mut u64| -> Result<bool, E> {
                let Ok((seq, r)) = res_rx.recv() else {
                    return Ok(false);
                };
                pending.insert(seq, r);
                while let Some(r) = pending.remove(next_emit) {
                    *next_emit += 1;
                    emit(r)?;
                }
                Ok(true)
            };
        let mut result = Ok(());
        for item in items {
            while dispatched - next_emit >= max_in_flight as u64 {
                match drain_one(&mut pending, &mut next_emit) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            if result.is_err() {
                break;
            }
            if job_tx.send((dispatched, item)).is_err() {
                break;
            }
            dispatched += 1;
        }
        drop(job_tx);
        if result.is_ok() {
            while next_emit < dispatched {
                match drain_one(&mut pending, &mut next_emit) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        // On error, closing the result channel makes each worker stop after
        // its current item instead of working through the queue.
        drop(res_rx);
        result
    })
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
}
