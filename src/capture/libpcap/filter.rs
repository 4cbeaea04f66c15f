//! BPF filters: compiled by libpcap, for a live handle or for a link
//! type alone (a dead handle), and run on packets read from files.
//!
//! Invariants: every compiled program is freed with `pcap_freecode`
//! exactly once; one compile at a time in the process.

use super::ffi::{self, BpfProgram, Fns, PcapT, PktHdr};
use super::{LibpcapError, handle_error, load};
use std::ffi::{CString, c_int};
use std::ptr::NonNull;
use std::sync::Mutex;

/// libpcap before 1.8 compiled filters with unprotected globals: one
/// compile at a time in this process.
static COMPILE: Mutex<()> = Mutex::new(());

/// A compiled program, freed on drop.
pub(super) struct Program {
    fns: &'static Fns,
    pub(super) prog: BpfProgram,
}

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: `prog` was filled by a successful pcap_compile and is
        // freed only here.
        unsafe { (self.fns.pcap_freecode)(&mut self.prog) }
    }
}

/// Compile `expr` for `handle`; the error is libpcap's message.
pub(super) fn compile(
    fns: &'static Fns,
    handle: NonNull<PcapT>,
    expr: &str,
) -> Result<Program, String> {
    let c = CString::new(expr).map_err(|_| String::from("the expression contains a NUL byte"))?;
    let _one = COMPILE.lock().unwrap_or_else(|e| e.into_inner());
    let mut prog = BpfProgram::empty();
    // SAFETY: `handle` is an open pcap handle, `prog` a writable program,
    // `c` NUL-terminated; all outlive the call.
    let r = unsafe {
        (fns.pcap_compile)(
            handle.as_ptr(),
            &mut prog,
            c.as_ptr(),
            1,
            ffi::NETMASK_UNKNOWN,
        )
    };
    if r != 0 {
        return Err(handle_error(fns, handle, r));
    }
    Ok(Program { fns, prog })
}

/// A BPF program compiled for a link-layer type, to test packets read
/// from a file against the same expression a live capture would use.
pub struct Filter {
    program: Program,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter")
            .field("instructions", &self.program.prog.bf_len)
            .finish_non_exhaustive()
    }
}

// SAFETY: the compiled program is plain memory owned by this value,
// written only by pcap_compile and freed only on drop; pcap_offline_filter
// reads it and keeps no state, so it may be shared and moved across threads.
unsafe impl Send for Filter {}
// SAFETY: as above: `matches` takes `&self` and only reads the program.
unsafe impl Sync for Filter {}

impl Filter {
    /// Compile `expr` for packets of `linktype` (a LINKTYPE_ value) and
    /// `snaplen`, on a dead handle (no interface, no privilege).
    pub fn compile(expr: &str, linktype: u16, snaplen: u32) -> Result<Filter, LibpcapError> {
        let fns = &load()?.fns;
        let snaplen = c_int::try_from(snaplen).unwrap_or(c_int::MAX);
        // SAFETY: pcap_open_dead allocates a handle that only carries the
        // link type and snapshot length.
        let raw = unsafe { (fns.pcap_open_dead)(ffi::linktype_to_dlt(linktype), snaplen) };
        let dead = NonNull::new(raw).ok_or_else(|| LibpcapError::Other {
            what: String::from("compiling a filter"),
            message: String::from("pcap_open_dead failed (out of memory)"),
        })?;
        let program = compile(fns, dead, expr);
        // SAFETY: `dead` came from pcap_open_dead and is closed once; the
        // compiled program does not refer to it.
        unsafe { (fns.pcap_close)(dead.as_ptr()) };
        let program = program.map_err(|message| LibpcapError::Filter {
            expr: expr.to_string(),
            message,
        })?;
        Ok(Filter { program })
    }

    /// True when a packet of `data` (the captured bytes) and `orig_len`
    /// (its length on the wire) passes the filter. Bytes the filter would
    /// look at beyond `data` make it fail, as in the kernel.
    pub fn matches(&self, data: &[u8], orig_len: u32) -> bool {
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let hdr = PktHdr {
            ts: libc::timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
            caplen,
            len: orig_len.max(caplen),
        };
        // SAFETY: the program is compiled and alive; the filter reads at
        // most `hdr.caplen` bytes of `data`, which has at least that many.
        let r = unsafe {
            (self.program.fns.pcap_offline_filter)(&self.program.prog, &hdr, data.as_ptr())
        };
        r != 0
    }
}
