//! Live capture and BPF filters through libpcap, loaded at run time.
//!
//! libpcap is opened with `dlopen` the first time it is needed
//! (`libpcap.so.1`, `libpcap.so.0.8`, `libpcap.so`), so building evidentia
//! needs no libpcap headers and a machine without libpcap can still hash,
//! seal and re-seal pcap files; only a live capture or a `--filter` needs
//! the library, and its absence is an error that says what to install.
//!
//! Invariants:
//! - Every pcap handle is owned by one value ([`Live`], or a dead handle
//!   inside [`Filter::compile`]) and closed exactly once, when it drops;
//!   every compiled program is freed with `pcap_freecode`.
//! - Strings from libpcap (`pcap_geterr`, the error buffer) are copied out
//!   at once: they live in buffers the next call overwrites.
//! - A packet borrows libpcap's buffer: [`Live::next`] ties its lifetime
//!   to `&mut self`, so it cannot outlive the next read or the handle, and
//!   its length never exceeds the handle's snapshot length.
//! - [`Live`] is `Send` (one thread at a time may use a pcap handle) and
//!   not `Sync`.
//!
//! This module does not decide what to keep of a packet, write files or
//! print: it hands packets to the caller.

mod ffi;
mod filter;
#[cfg(test)]
mod tests;

use crate::model::capture::PacketTime;
use ffi::{Fns, PcapT, PktHdr};
pub use filter::Filter;
use filter::compile;
use std::cell::Cell;
use std::ffi::{CString, c_int};
use std::ptr::NonNull;
use std::sync::OnceLock;
use thiserror::Error;

pub use crate::capture::pcap::Packet;

/// What went wrong in libpcap. The Display is one line that names the
/// cause; what to do about it (the package, `setcap`, `ip link`) is the
/// command line's hint.
#[derive(Debug, Clone, Error)]
pub enum LibpcapError {
    /// No libpcap shared library could be loaded (install `libpcap0.8`,
    /// or tcpdump, which brings it).
    #[error("libpcap is not installed ({message})")]
    NotInstalled {
        /// The loader's reason (`dlerror`).
        message: String,
    },
    /// The process may not capture on the device: it lacks CAP_NET_RAW
    /// (root has it; `setcap cap_net_raw,cap_net_admin=eip` grants it to
    /// the program).
    #[error("no permission to capture on {device:?} ({message}): capturing needs CAP_NET_RAW")]
    Permission {
        /// The interface.
        device: String,
        /// libpcap's explanation.
        message: String,
    },
    /// The interface does not exist.
    #[error("no capture device {device:?}: {message}")]
    NoSuchDevice {
        /// The interface.
        device: String,
        /// libpcap's explanation.
        message: String,
    },
    /// The BPF expression does not compile.
    #[error("the filter {expr:?} does not compile: {message}")]
    Filter {
        /// The expression as given.
        expr: String,
        /// libpcap's compiler message.
        message: String,
    },
    /// Anything else libpcap reported.
    #[error("{what}: {message}")]
    Other {
        /// What was being done.
        what: String,
        /// libpcap's explanation.
        message: String,
    },
}

/// The loaded library.
pub struct Lib {
    fns: Fns,
    version: String,
}

impl Lib {
    /// libpcap's own version string (`pcap_lib_version`), e.g.
    /// "libpcap version 1.10.3 (with TPACKET_V3)".
    pub fn version(&self) -> &str {
        &self.version
    }
}

static LIB: OnceLock<Result<Lib, LibpcapError>> = OnceLock::new();

/// Load libpcap once per process (later calls return the same result).
pub fn load() -> Result<&'static Lib, LibpcapError> {
    LIB.get_or_init(|| {
        let fns = ffi::open().map_err(|e| match e {
            ffi::LoadError::Missing(message) => LibpcapError::NotInstalled { message },
            ffi::LoadError::Symbol { library, symbol } => LibpcapError::Other {
                what: format!("loading {library}"),
                message: format!(
                    "it lacks {symbol}: libpcap 1.0 or later is needed \
                     (apt-get install libpcap0.8)"
                ),
            },
        })?;
        // SAFETY: pcap_lib_version takes nothing and returns a static string.
        let version = unsafe { ffi::copy_str((fns.pcap_lib_version)()) };
        Ok(Lib { fns, version })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The message for status `code` on `handle`: `pcap_geterr` when libpcap
/// wrote one, else the generic text of the code.
fn handle_error(fns: &Fns, handle: NonNull<PcapT>, code: c_int) -> String {
    // SAFETY: `handle` is open; pcap_geterr returns its error buffer, a
    // NUL-terminated string copied out before any other call on it.
    let message = unsafe { ffi::copy_str((fns.pcap_geterr)(handle.as_ptr())) };
    if !message.is_empty() {
        return message;
    }
    // SAFETY: pcap_statustostr returns a static string (or a per-thread
    // buffer for unknown codes), copied at once.
    unsafe { ffi::copy_str((fns.pcap_statustostr)(code)) }
}

/// How to open an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveOptions {
    /// Most bytes kept of each packet (libpcap may lower it; see
    /// [`Live::snaplen`]).
    pub snaplen: u32,
    /// Put the interface in promiscuous mode (traffic not addressed to
    /// this host, as on a mirror port).
    pub promisc: bool,
    /// The kernel ring buffer in bytes (0: libpcap's default, 2 MiB);
    /// larger absorbs bursts that would otherwise be dropped.
    pub buffer_bytes: u32,
    /// How long [`Live::next`] waits before returning `None`, in
    /// milliseconds, so the caller can look at its clock and signals. 0
    /// waits for ever; negative is refused.
    pub timeout_ms: i32,
}

impl Default for LiveOptions {
    fn default() -> LiveOptions {
        LiveOptions {
            snaplen: 262_144,
            promisc: true,
            buffer_bytes: 16 << 20,
            timeout_ms: 200,
        }
    }
}

/// The kernel's counters since the interface was opened. libpcap keeps
/// them in 32 bits; [`Live::stats`] widens them across wrap-arounds as
/// long as it is called at least once per 2^32 packets (every segment).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets the kernel handed to the filter. On `lo` each packet is
    /// seen twice (out and in): count delivered packets yourself.
    pub received: u64,
    /// Packets the kernel dropped because the buffer was full.
    pub dropped: u64,
    /// Packets the interface or its driver dropped (not every driver
    /// counts them).
    pub if_dropped: u64,
}

/// The last raw counters and their widened totals.
#[derive(Clone, Copy, Default)]
struct Counters {
    raw: [u32; 3],
    total: [u64; 3],
}

impl Counters {
    /// Add the counters' growth since the last reading: a smaller raw
    /// value means the 32-bit counter wrapped.
    fn widen(mut self, raw: [u32; 3]) -> Counters {
        for (i, r) in raw.into_iter().enumerate() {
            self.total[i] = self.total[i].saturating_add(u64::from(r.wrapping_sub(self.raw[i])));
            self.raw[i] = r;
        }
        self
    }
}

/// An open, activated capture on one interface; closed when dropped.
pub struct Live {
    fns: &'static Fns,
    handle: NonNull<PcapT>,
    device: String,
    linktype: u16,
    snaplen: u32,
    nanos: bool,
    warning: Option<String>,
    counters: Cell<Counters>,
    /// libpcap's socket, to wait on (owned and closed by libpcap).
    fd: c_int,
    timeout_ms: i32,
}

// SAFETY: a pcap handle may be used from any thread as long as one thread
// uses it at a time; `Live` is not `Sync` (the raw handle and the `Cell`
// see to it) and every call takes `&self` or `&mut self` of the one owner.
unsafe impl Send for Live {}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("device", &self.device)
            .field("linktype", &self.linktype)
            .field("snaplen", &self.snaplen)
            .field("nanos", &self.nanos)
            .finish_non_exhaustive()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        // SAFETY: the handle came from pcap_create, is owned by this value
        // alone, and is closed only here.
        unsafe { (self.fns.pcap_close)(self.handle.as_ptr()) }
    }
}

impl Live {
    /// Open and activate `device`: snapshot length, promiscuous mode,
    /// buffer size, read timeout and nanosecond time stamps when libpcap
    /// offers them.
    ///
    /// Not immediate mode: on Linux it makes libpcap use TPACKET_V2, whose
    /// ring has one fixed slot per packet sized for the snapshot length (a
    /// few hundred slots for a 16 MiB buffer and a 256 KiB snaplen, so
    /// bursts are dropped), whose reads never time out on an idle
    /// interface (libpcap 1.10), and which captured 58 bytes of a 60-byte
    /// snaplen. TPACKET_V3 packs packets into blocks that the kernel hands
    /// over at least every `timeout_ms`; the handle is non-blocking and
    /// [`Live::next`] waits with `poll` itself, so a read returns within
    /// the timeout, and at once when a signal arrives.
    pub fn open(device: &str, o: &LiveOptions) -> Result<Live, LibpcapError> {
        let fns = &load()?.fns;
        let other = |what: &str, message: String| LibpcapError::Other {
            what: format!("{what} {device:?}"),
            message,
        };
        if o.timeout_ms < 0 {
            return Err(other(
                "opening",
                format!("a negative read timeout ({} ms)", o.timeout_ms),
            ));
        }
        let name = CString::new(device).map_err(|_| LibpcapError::NoSuchDevice {
            device: device.to_string(),
            message: String::from("the name contains a NUL byte"),
        })?;
        let mut errbuf = [0u8; ffi::ERRBUF_SIZE];
        // SAFETY: `name` is NUL-terminated; `errbuf` has PCAP_ERRBUF_SIZE
        // writable bytes, as pcap_create requires.
        let raw = unsafe { (fns.pcap_create)(name.as_ptr(), errbuf.as_mut_ptr().cast()) };
        let handle = NonNull::new(raw).ok_or_else(|| other("opening", ffi::errbuf_str(&errbuf)))?;
        // From here the handle is owned by `live`: every early return closes it.
        let mut live = Live {
            fns,
            handle,
            device: device.to_string(),
            linktype: 0,
            snaplen: 0,
            nanos: false,
            warning: None,
            counters: Cell::new(Counters::default()),
            fd: -1,
            timeout_ms: 0,
        };
        let clamp = |n: u32| c_int::try_from(n).unwrap_or(c_int::MAX);
        let p = handle.as_ptr();
        let mut settings = vec![
            ("snapshot length", fns.pcap_set_snaplen, clamp(o.snaplen)),
            (
                "promiscuous mode",
                fns.pcap_set_promisc,
                c_int::from(o.promisc),
            ),
            ("read timeout", fns.pcap_set_timeout, o.timeout_ms),
        ];
        if o.buffer_bytes > 0 {
            settings.push((
                "buffer size",
                fns.pcap_set_buffer_size,
                clamp(o.buffer_bytes),
            ));
        }
        for (what, set, value) in settings {
            // SAFETY: `p` is a created, not yet activated handle; a setter
            // only stores the value.
            let r = unsafe { set(p, value) };
            if r != 0 {
                return Err(other(&format!("setting the {what} on"), live.error(r)));
            }
        }
        if let Some(set) = fns.pcap_set_tstamp_precision {
            // SAFETY: as for the setters. A refusal (precision not
            // supported) leaves microseconds, which `nanos` then reports.
            let _ = unsafe { set(p, ffi::TSTAMP_PRECISION_NANO) };
        }
        // SAFETY: `p` is a created handle, activated once.
        let r = unsafe { (fns.pcap_activate)(p) };
        if r < 0 {
            return Err(live.activate_error(r));
        }
        if r > 0 {
            // A warning (e.g. promiscuous mode not supported): the capture runs.
            live.warning = Some(live.error(r));
        }
        // SAFETY: `p` is activated; these read its settings.
        let (dlt, snap) = unsafe { ((fns.pcap_datalink)(p), (fns.pcap_snapshot)(p)) };
        live.linktype = ffi::dlt_to_linktype(dlt)
            .ok_or_else(|| other("opening", format!("link type {dlt} is out of range")))?;
        live.snaplen = u32::try_from(snap).unwrap_or(0);
        if live.snaplen == 0 {
            return Err(other("opening", format!("snapshot length {snap}")));
        }
        let mut errbuf = [0u8; ffi::ERRBUF_SIZE];
        // SAFETY: `p` is activated; `errbuf` has PCAP_ERRBUF_SIZE bytes.
        if unsafe { (fns.pcap_setnonblock)(p, 1, errbuf.as_mut_ptr().cast()) } != 0 {
            return Err(other("making non-blocking", ffi::errbuf_str(&errbuf)));
        }
        // SAFETY: `p` is activated; the descriptor stays owned by libpcap.
        live.fd = unsafe { (fns.pcap_get_selectable_fd)(p) };
        if live.fd < 0 {
            return Err(other("opening", String::from("no selectable descriptor")));
        }
        live.timeout_ms = o.timeout_ms;
        live.nanos = match fns.pcap_get_tstamp_precision {
            // SAFETY: `p` is activated; this reads a setting.
            Some(get) => (unsafe { get(p) }) == ffi::TSTAMP_PRECISION_NANO,
            None => false,
        };
        Ok(live)
    }

    /// The message for status `code` on this handle.
    fn error(&self, code: c_int) -> String {
        handle_error(self.fns, self.handle, code)
    }

    /// The typed error for a failed `pcap_activate`.
    fn activate_error(&self, code: c_int) -> LibpcapError {
        let device = self.device.clone();
        let message = self.error(code);
        match code {
            ffi::ERROR_PERM_DENIED => LibpcapError::Permission { device, message },
            ffi::ERROR_PROMISC_PERM_DENIED => LibpcapError::Permission {
                device,
                message: format!("promiscuous mode: {message}"),
            },
            ffi::ERROR_NO_SUCH_DEVICE => LibpcapError::NoSuchDevice { device, message },
            _ => LibpcapError::Other {
                what: format!("activating the capture on {device:?}"),
                message,
            },
        }
    }

    /// Keep only packets that match the BPF expression `expr` (compiled by
    /// libpcap for this interface, run in the kernel where it can be).
    pub fn set_filter(&mut self, expr: &str) -> Result<(), LibpcapError> {
        let mut program =
            compile(self.fns, self.handle, expr).map_err(|message| LibpcapError::Filter {
                expr: expr.to_string(),
                message,
            })?;
        // SAFETY: the handle is activated; pcap_setfilter copies the
        // program, which `program` then frees.
        let r = unsafe { (self.fns.pcap_setfilter)(self.handle.as_ptr(), &mut program.prog) };
        if r != 0 {
            return Err(LibpcapError::Other {
                what: format!("installing the filter {expr:?} on {:?}", self.device),
                message: self.error(r),
            });
        }
        Ok(())
    }

    /// The interface's link-layer type (a LINKTYPE_ value, as in pcap
    /// files).
    pub fn linktype(&self) -> u16 {
        self.linktype
    }

    /// The snapshot length in effect: no packet is longer.
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// True when time stamps have nanosecond resolution, false for
    /// microseconds.
    pub fn nanos(&self) -> bool {
        self.nanos
    }

    /// The warning `pcap_activate` gave, if any (the capture runs anyway).
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// The next packet, or `None` when the read timeout passed (or a
    /// signal arrived) first. The packet borrows libpcap's buffer until
    /// the next call.
    #[allow(
        clippy::should_implement_trait,
        reason = "a lending read: the packet borrows the handle, which Iterator cannot express"
    )]
    pub fn next(&mut self) -> Result<Option<Packet<'_>>, LibpcapError> {
        let fail = |message: String| LibpcapError::Other {
            what: format!("reading packets from {:?}", self.device),
            message,
        };
        let mut hdr: *mut PktHdr = std::ptr::null_mut();
        let mut data: *const u8 = std::ptr::null();
        let mut waited = false;
        loop {
            // SAFETY: the handle is activated; both out-pointers are writable.
            let r = unsafe { (self.fns.pcap_next_ex)(self.handle.as_ptr(), &mut hdr, &mut data) };
            match r {
                1 => break,
                0 if waited => return Ok(None),
                0 => {}
                ffi::ERROR_BREAK => return Err(fail(String::from("the capture loop was broken"))),
                code => return Err(fail(self.error(code))),
            }
            // Nothing ready: wait for the socket, at most the timeout.
            let mut pfd = libc::pollfd {
                fd: self.fd,
                events: libc::POLLIN,
                revents: 0,
            };
            let timeout = if self.timeout_ms == 0 {
                -1
            } else {
                self.timeout_ms
            };
            // SAFETY: one valid pollfd; libpcap keeps the descriptor open
            // while the handle is.
            let n = unsafe { libc::poll(&mut pfd, 1, timeout) };
            if n == 0 {
                return Ok(None);
            }
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    // A signal: let the caller look at why.
                    return Ok(None);
                }
                return Err(fail(format!("waiting for packets: {e}")));
            }
            // Readable, or an error condition pcap_next_ex will report.
            waited = true;
        }
        if hdr.is_null() {
            return Err(fail(String::from("libpcap returned no packet header")));
        }
        // SAFETY: on success pcap_next_ex points `hdr` at a header that
        // stays valid until the next call on the handle; copied out here.
        let (ts, caplen, len) = unsafe { ((*hdr).ts, (*hdr).caplen, (*hdr).len) };
        // Never read past what the snapshot length allows, whatever the
        // header says.
        let caplen = caplen.min(self.snaplen);
        let bytes: &[u8] = match caplen {
            0 => &[],
            _ if data.is_null() => return Err(fail(String::from("libpcap returned no data"))),
            // SAFETY: libpcap's buffer holds `caplen` bytes at `data` (at
            // most the snapshot length, bounded above) until the next call
            // on the handle, which needs `&mut self`: the slice's lifetime
            // is that borrow.
            n => unsafe { std::slice::from_raw_parts(data, n as usize) },
        };
        let time = packet_time(ts, self.nanos).ok_or_else(|| {
            fail(format!(
                "an impossible time stamp {}.{}",
                ts.tv_sec, ts.tv_usec
            ))
        })?;
        Ok(Some(Packet {
            time,
            orig_len: len.max(caplen),
            data: bytes,
            linktype: self.linktype,
        }))
    }

    /// The kernel's counters since the interface was opened.
    pub fn stats(&self) -> Result<Stats, LibpcapError> {
        let mut s = ffi::PcapStat::default();
        // SAFETY: the handle is activated and used by one thread at a time
        // (`Live` is not Sync); `s` is a writable pcap_stat.
        let r = unsafe { (self.fns.pcap_stats)(self.handle.as_ptr(), &mut s) };
        if r != 0 {
            return Err(LibpcapError::Other {
                what: format!("reading the statistics of {:?}", self.device),
                message: self.error(r),
            });
        }
        let c = self
            .counters
            .get()
            .widen([s.ps_recv, s.ps_drop, s.ps_ifdrop]);
        self.counters.set(c);
        Ok(Stats {
            received: c.total[0],
            dropped: c.total[1],
            if_dropped: c.total[2],
        })
    }
}

/// A packet time from libpcap's `timeval` (microseconds, or nanoseconds
/// in `tv_usec` when `nanos`); `None` when it does not fit.
#[allow(
    clippy::useless_conversion,
    reason = "time_t and suseconds_t are 32 bits on some ABIs"
)]
fn packet_time(ts: libc::timeval, nanos: bool) -> Option<PacketTime> {
    let frac = i64::from(ts.tv_usec).checked_mul(if nanos { 1 } else { 1_000 })?;
    let secs = i64::from(ts.tv_sec).checked_add(frac.div_euclid(1_000_000_000))?;
    Some(PacketTime {
        secs,
        nanos: u32::try_from(frac.rem_euclid(1_000_000_000)).ok()?,
    })
}
