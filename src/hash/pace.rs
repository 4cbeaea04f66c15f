//! Scheduling of the hash workers: every block goes to every worker, so
//! the slowest algorithm sets the pace, and on a machine with fewer cores
//! than workers it must never wait for a core while a faster one runs
//! ahead. The faster workers (and the stage that writes an image) lower
//! their own thread's priority; the slowest keeps the process's.

use super::PieceAlgorithm;
use super::engine::Worker;

impl Worker {
    /// The pace of this worker's hash among the others: 0 is the slowest
    /// per byte on x86-64 (measured with `evidentia hash --algo X` of a
    /// 4 GiB file: MD5 7.2 s, SHA-512 6.4 s, SHA-1 3.6 s, SHA-256 3.4 s
    /// with SHA-NI, BLAKE3 0.8 s).
    pub(super) fn pace(&self) -> u8 {
        use super::Algorithm::*;
        let algorithm = match self {
            Worker::Whole(h) => h.algorithm(),
            Worker::Pieces(p) if p.algorithm() == PieceAlgorithm::Sha256 => Sha256,
            Worker::Pieces(_) => Blake3,
        };
        match algorithm {
            Md5 => 0,
            Sha512 => 1,
            Sha1 => 2,
            Sha256 => 3,
            Blake3 => 4,
        }
    }
}

/// For each worker, whether it yields the CPU to the slowest one: every
/// block passes every worker, so the slowest sets the pace, and on a
/// machine with fewer cores than workers it must never wait for a core
/// while a faster one runs ahead (on 2 cores, hashing with MD5, SHA-1,
/// SHA-256 and BLAKE3 went from 8.5 s to 7.8 s for 4 GiB, and reading,
/// checking and imaging an E01 set from 8.6 s to 7.9 s with the stage
/// yielding too). The faster workers run at a lower priority (nice +5 for
/// the thread; +2, +10 and +19 measured no better); the slowest keeps the
/// process's. Only lowering, which needs no privilege.
pub(super) fn yields(workers: &[Worker]) -> Vec<bool> {
    let slowest = workers.iter().map(Worker::pace).min().unwrap_or(0);
    workers.iter().map(|w| w.pace() > slowest).collect()
}

/// Lower the calling thread's priority (see [`yields`]); a refusal leaves
/// it as it is, which costs only speed.
pub(super) fn lower_thread_priority() {
    // SAFETY: gettid has no preconditions; setpriority with PRIO_PROCESS
    // and a thread id changes only that thread's nice value, touches no
    // memory, and its failure is harmless.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, now.saturating_add(5).min(19));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Algorithm::{self, *};
    use crate::hash::state::HasherState;

    fn whole(a: &[Algorithm]) -> Vec<Worker> {
        a.iter()
            .map(|a| Worker::Whole(HasherState::new(*a)))
            .collect()
    }

    #[test]
    fn only_the_slowest_keeps_its_priority() {
        assert_eq!(
            yields(&whole(&[Md5, Sha1, Sha256, Blake3])),
            [false, true, true, true]
        );
        assert_eq!(yields(&whole(&[Blake3, Sha256])), [true, false]);
        assert_eq!(yields(&whole(&[Sha256])), [false]);
        assert_eq!(yields(&whole(&[Sha512, Md5])), [true, false]);
        let mut w = whole(&[Sha1]);
        w.push(Worker::Pieces(crate::hash::piece::PieceHasher::new(
            1 << 20,
            PieceAlgorithm::Sha256,
        )));
        assert_eq!(yields(&w), [false, true]);
        assert!(yields(&[]).is_empty());
    }
}
