//! A writer that hands its bytes to another thread, which writes them to
//! the real output: `seal --to` encrypts (age), hashes the ciphertext and
//! stages it for the disk there, while the sealing thread goes on reading
//! and hashing the evidence. On a machine with two cores this is most of
//! the difference between encrypting as the bundle is written and
//! encrypting after it.
//!
//! Invariants: bytes reach the output in the order written, in buffers of
//! `BUF` bytes (the last one shorter); at most `BUFS` buffers exist,
//! so memory is bounded; the output's first error comes back from a later
//! `write`, `flush` or [`Pipe::finish`], and the thread stops writing
//! after it. Dropping a `Pipe` without `finish` waits for the thread and
//! drops the output (a partial result, which its owner removes).

use std::io::{self, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Bytes per buffer handed over.
const BUF: usize = 1 << 20;
/// Buffers at most: one being filled, the rest queued or being written.
const BUFS: usize = 4;

/// The writing thread's end: the output and its first error.
type Outcome<W> = (W, io::Result<()>);

/// Writes to `W` on a thread of its own (module doc).
pub struct Pipe<W: Write + Send + 'static> {
    tx: Option<mpsc::SyncSender<Vec<u8>>>,
    free: mpsc::Receiver<Vec<u8>>,
    allocated: usize,
    handle: Option<JoinHandle<Outcome<W>>>,
    /// The buffer being filled.
    buf: Vec<u8>,
}

impl<W: Write + Send + 'static> Pipe<W> {
    /// Start the thread that writes to `out`.
    pub fn new(out: W) -> Pipe<W> {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(BUFS - 1);
        let (free_tx, free) = mpsc::channel::<Vec<u8>>();
        let handle = std::thread::spawn(move || {
            let mut out = out;
            let mut result = Ok(());
            for mut buf in rx {
                if result.is_ok() {
                    result = out.write_all(&buf);
                }
                buf.clear();
                if result.is_err() {
                    // Stop taking buffers: the writer sees the thread is
                    // gone and asks for the error.
                    break;
                }
                let _ = free_tx.send(buf);
            }
            (out, result)
        });
        Pipe {
            tx: Some(tx),
            free,
            allocated: 1,
            handle: Some(handle),
            buf: Vec::with_capacity(BUF),
        }
    }

    /// Hand the full buffer over and get an empty one.
    fn ship(&mut self) -> io::Result<()> {
        let next = match self.free.try_recv() {
            Ok(b) => b,
            Err(_) if self.allocated < BUFS => {
                self.allocated += 1;
                Vec::with_capacity(BUF)
            }
            Err(_) => match self.free.recv() {
                Ok(b) => b,
                Err(_) => return Err(self.failure()),
            },
        };
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.tx.as_ref().map(|tx| tx.send(full));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.failure()),
        }
    }

    /// The thread stopped: wait for it and return its error.
    fn failure(&mut self) -> io::Error {
        match self.stop() {
            Some((_, Err(e))) => e,
            _ => io::Error::other("the output thread stopped"),
        }
    }

    /// Close the queue and wait for the thread.
    fn stop(&mut self) -> Option<Outcome<W>> {
        self.tx = None;
        self.handle.take().and_then(|h| h.join().ok())
    }

    /// Hand over what is left, wait for the thread, and return the output
    /// (or its first error).
    pub fn finish(mut self) -> io::Result<W> {
        if !self.buf.is_empty() {
            self.ship()?;
        }
        match self.stop() {
            Some((out, Ok(()))) => Ok(out),
            Some((_, Err(e))) => Err(e),
            None => Err(io::Error::other("the output thread failed")),
        }
    }
}

impl<W: Write + Send + 'static> Write for Pipe<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.handle.is_none() {
            return Err(io::Error::other("the output thread stopped"));
        }
        let n = data.len().min(BUF - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == BUF {
            self.ship()?;
        }
        Ok(n)
    }

    /// Nothing to do: the bytes are on their way, and [`Pipe::finish`]
    /// waits for them.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write + Send + 'static> Drop for Pipe<W> {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_arrive_in_order() {
        let mut p = Pipe::new(Vec::new());
        let mut want = Vec::new();
        for i in 0..3000u32 {
            let piece: Vec<u8> = (0..(i * 7 % 5000)).map(|j| (i + j) as u8).collect();
            p.write_all(&piece).unwrap();
            want.extend_from_slice(&piece);
        }
        assert_eq!(p.finish().unwrap(), want);
    }

    /// An output that fails after `left` bytes.
    struct Failing {
        left: usize,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::from_raw_os_error(libc::ENOSPC));
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_outputs_error_comes_back() {
        let mut p = Pipe::new(Failing { left: 3 * BUF + 5 });
        let data = vec![1u8; 64 * BUF];
        let e = match p.write_all(&data) {
            Err(e) => e,
            Ok(()) => p.finish().map(|_| ()).unwrap_err(),
        };
        assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
        // A short final write fails at finish.
        let mut p = Pipe::new(Failing { left: 5 });
        p.write_all(&[1u8; 10]).unwrap();
        let e = p.finish().map(|_| ()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
    }
}
