//! The raw side of libpcap: its C structures, the table of functions
//! looked up with `dlsym` once per process, and the link-type numbering.
//!
//! Invariants: every structure here matches `<pcap/pcap.h>` and
//! `<pcap/bpf.h>` on Linux (x86_64, aarch64 and the 32-bit ABIs, through
//! `libc::timeval`); the library handle is never closed, so the function
//! pointers stay valid for the life of the process. Nothing here owns a
//! pcap handle: `super` wraps each one in a type that closes it.

use std::ffi::{CStr, c_char, c_int, c_uint, c_void};

/// `PCAP_ERRBUF_SIZE`.
pub const ERRBUF_SIZE: usize = 256;
/// `PCAP_NETMASK_UNKNOWN`: no netmask (only `ip broadcast` needs one).
pub const NETMASK_UNKNOWN: u32 = 0xffff_ffff;
/// `PCAP_TSTAMP_PRECISION_NANO`.
pub const TSTAMP_PRECISION_NANO: c_int = 1;

/// `PCAP_ERROR_BREAK`: `pcap_breakloop` was called.
pub const ERROR_BREAK: c_int = -2;
/// `PCAP_ERROR_NO_SUCH_DEVICE`.
pub const ERROR_NO_SUCH_DEVICE: c_int = -5;
/// `PCAP_ERROR_PERM_DENIED`.
pub const ERROR_PERM_DENIED: c_int = -8;
/// `PCAP_ERROR_PROMISC_PERM_DENIED`.
pub const ERROR_PROMISC_PERM_DENIED: c_int = -11;

/// `pcap_t`: opaque.
#[repr(C)]
pub struct PcapT {
    _private: [u8; 0],
}

/// `struct pcap_pkthdr`. `ts.tv_usec` holds nanoseconds when the handle
/// was set to `PCAP_TSTAMP_PRECISION_NANO`.
#[repr(C)]
pub struct PktHdr {
    /// Capture time.
    pub ts: libc::timeval,
    /// Bytes present in the buffer.
    pub caplen: u32,
    /// Bytes on the wire.
    pub len: u32,
}

/// `struct pcap_stat` (the three counters every platform has; Windows
/// adds a fourth, which this Linux-only loader never meets).
#[repr(C)]
#[derive(Default)]
pub struct PcapStat {
    /// Packets the kernel passed to the filter (both directions on `lo`).
    pub ps_recv: c_uint,
    /// Packets dropped for lack of buffer space.
    pub ps_drop: c_uint,
    /// Packets dropped by the interface or its driver.
    pub ps_ifdrop: c_uint,
}

/// `struct bpf_insn`.
#[repr(C)]
pub struct BpfInsn {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

/// `struct bpf_program`: filled by `pcap_compile`, freed by `pcap_freecode`.
#[repr(C)]
pub struct BpfProgram {
    /// Number of instructions.
    pub bf_len: c_uint,
    /// The instructions (allocated by libpcap).
    pub bf_insns: *mut BpfInsn,
}

impl BpfProgram {
    /// An empty program for `pcap_compile` to fill.
    pub fn empty() -> BpfProgram {
        BpfProgram {
            bf_len: 0,
            bf_insns: std::ptr::null_mut(),
        }
    }
}

/// The functions the capture uses, resolved once. Everything in
/// libpcap 1.0 (2008) is required; nanosecond time stamps are optional.
pub struct Fns {
    pub pcap_create: unsafe extern "C" fn(*const c_char, *mut c_char) -> *mut PcapT,
    pub pcap_set_snaplen: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    pub pcap_set_promisc: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    pub pcap_set_buffer_size: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    pub pcap_set_timeout: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    pub pcap_set_tstamp_precision: Option<unsafe extern "C" fn(*mut PcapT, c_int) -> c_int>,
    pub pcap_get_tstamp_precision: Option<unsafe extern "C" fn(*mut PcapT) -> c_int>,
    pub pcap_activate: unsafe extern "C" fn(*mut PcapT) -> c_int,
    pub pcap_close: unsafe extern "C" fn(*mut PcapT),
    pub pcap_geterr: unsafe extern "C" fn(*mut PcapT) -> *mut c_char,
    pub pcap_statustostr: unsafe extern "C" fn(c_int) -> *const c_char,
    pub pcap_setnonblock: unsafe extern "C" fn(*mut PcapT, c_int, *mut c_char) -> c_int,
    pub pcap_get_selectable_fd: unsafe extern "C" fn(*mut PcapT) -> c_int,
    pub pcap_next_ex: unsafe extern "C" fn(*mut PcapT, *mut *mut PktHdr, *mut *const u8) -> c_int,
    pub pcap_stats: unsafe extern "C" fn(*mut PcapT, *mut PcapStat) -> c_int,
    pub pcap_datalink: unsafe extern "C" fn(*mut PcapT) -> c_int,
    pub pcap_snapshot: unsafe extern "C" fn(*mut PcapT) -> c_int,
    pub pcap_compile:
        unsafe extern "C" fn(*mut PcapT, *mut BpfProgram, *const c_char, c_int, u32) -> c_int,
    pub pcap_setfilter: unsafe extern "C" fn(*mut PcapT, *mut BpfProgram) -> c_int,
    pub pcap_freecode: unsafe extern "C" fn(*mut BpfProgram),
    pub pcap_open_dead: unsafe extern "C" fn(c_int, c_int) -> *mut PcapT,
    pub pcap_offline_filter:
        unsafe extern "C" fn(*const BpfProgram, *const PktHdr, *const u8) -> c_int,
    pub pcap_lib_version: unsafe extern "C" fn() -> *const c_char,
}

/// The names tried, in order: the versioned names a runtime package
/// installs (Debian's `libpcap0.8` ships `libpcap.so.0.8`), then the
/// development symlink.
pub const NAMES: [&CStr; 3] = [c"libpcap.so.1", c"libpcap.so.0.8", c"libpcap.so"];

/// Why loading failed.
pub enum LoadError {
    /// No library of any of [`NAMES`] could be opened (`dlerror` of the last).
    Missing(String),
    /// The library lacks a required function (too old).
    Symbol {
        library: &'static str,
        symbol: &'static str,
    },
}

/// Open libpcap and resolve every function.
pub fn open() -> Result<Fns, LoadError> {
    let mut last = String::from("no library name was tried");
    for name in NAMES {
        // SAFETY: `name` is NUL-terminated; dlopen runs libpcap's
        // initialisers, which only set up its own globals.
        let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            last = dl_error();
            continue;
        }
        let library = name.to_str().unwrap_or("libpcap");
        // The handle is deliberately never closed: `Fns` is kept for the
        // life of the process and its pointers must stay valid.
        return resolve(handle, library);
    }
    Err(LoadError::Missing(last))
}

/// The text of `dlerror`, copied out.
fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string that stays
    // valid until the next dl* call on this thread; it is copied at once.
    let p = unsafe { libc::dlerror() };
    if p.is_null() {
        return String::from("unknown dlopen error");
    }
    // SAFETY: non-NULL and NUL-terminated (above).
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Look up `symbol`; NULL when it is absent.
fn lookup(handle: *mut c_void, symbol: &CStr) -> *mut c_void {
    // SAFETY: `handle` came from a successful dlopen and is never closed;
    // `symbol` is NUL-terminated.
    unsafe { libc::dlsym(handle, symbol.as_ptr()) }
}

fn resolve(handle: *mut c_void, library: &'static str) -> Result<Fns, LoadError> {
    // Each required symbol: non-NULL, then reinterpreted as the function
    // pointer type of the field it fills (that type is the C prototype).
    macro_rules! required {
        ($name:ident) => {{
            let p = lookup(handle, c_name(stringify!($name)).as_c_str());
            if p.is_null() {
                return Err(LoadError::Symbol {
                    library,
                    symbol: stringify!($name),
                });
            }
            // SAFETY: `p` is the non-NULL address of the C function of this
            // name, whose prototype in <pcap/pcap.h> is the field's type.
            unsafe { cast(p) }
        }};
    }
    macro_rules! optional {
        ($name:ident) => {{
            let p = lookup(handle, c_name(stringify!($name)).as_c_str());
            // SAFETY: as for `required`; the field is an `Option` of the
            // function pointer, so NULL becomes `None`.
            unsafe { cast(p) }
        }};
    }
    Ok(Fns {
        pcap_create: required!(pcap_create),
        pcap_set_snaplen: required!(pcap_set_snaplen),
        pcap_set_promisc: required!(pcap_set_promisc),
        pcap_set_buffer_size: required!(pcap_set_buffer_size),
        pcap_set_timeout: required!(pcap_set_timeout),
        pcap_set_tstamp_precision: optional!(pcap_set_tstamp_precision),
        pcap_get_tstamp_precision: optional!(pcap_get_tstamp_precision),
        pcap_activate: required!(pcap_activate),
        pcap_close: required!(pcap_close),
        pcap_geterr: required!(pcap_geterr),
        pcap_statustostr: required!(pcap_statustostr),
        pcap_setnonblock: required!(pcap_setnonblock),
        pcap_get_selectable_fd: required!(pcap_get_selectable_fd),
        pcap_next_ex: required!(pcap_next_ex),
        pcap_stats: required!(pcap_stats),
        pcap_datalink: required!(pcap_datalink),
        pcap_snapshot: required!(pcap_snapshot),
        pcap_compile: required!(pcap_compile),
        pcap_setfilter: required!(pcap_setfilter),
        pcap_freecode: required!(pcap_freecode),
        pcap_open_dead: required!(pcap_open_dead),
        pcap_offline_filter: required!(pcap_offline_filter),
        pcap_lib_version: required!(pcap_lib_version),
    })
}

/// A symbol's address as the function pointer type `F`.
///
/// # Safety
/// `F` is `unsafe extern "C" fn(..)` with the C prototype of the function
/// at `p` (non-NULL), or an `Option` of such a type (`p` may be NULL: an
/// `Option` of a function pointer has the null-pointer layout).
unsafe fn cast<F: Copy>(p: *mut c_void) -> F {
    const { assert!(size_of::<F>() == size_of::<*mut c_void>()) };
    // SAFETY: same size (checked at compile time); the caller vouches for
    // the type.
    unsafe { std::mem::transmute_copy::<*mut c_void, F>(&p) }
}

/// A symbol name as a C string (names are ASCII identifiers: no NUL).
fn c_name(name: &str) -> std::ffi::CString {
    std::ffi::CString::new(name).unwrap_or_default()
}

/// A C string from libpcap, copied out; empty for NULL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid for
/// the duration of the call.
pub unsafe fn copy_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the caller's contract.
    one_line(&unsafe { CStr::from_ptr(p) }.to_string_lossy())
}

/// libpcap's messages may span lines ("...device\n(socket: ...)"): one
/// line for an error message.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message in an error buffer libpcap filled (up to its NUL).
pub fn errbuf_str(buf: &[u8; ERRBUF_SIZE]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    one_line(&String::from_utf8_lossy(&buf[..end]))
}

/// The LINKTYPE_ value (pcap files) of a DLT_ value (libpcap's handles,
/// Linux numbering); `None` for one outside 16 bits. The values that
/// differ are the few that differed between BSDs before LINKTYPE_ existed
/// (libpcap's `dlt_to_linktype`).
pub fn dlt_to_linktype(dlt: c_int) -> Option<u16> {
    let linktype = match dlt {
        11 => 100, // DLT_ATM_RFC1483
        12 => 101, // DLT_RAW
        15 => 102, // DLT_SLIP_BSDOS
        16 => 103, // DLT_PPP_BSDOS
        19 => 106, // DLT_ATM_CLIP
        other => other,
    };
    u16::try_from(linktype).ok()
}

/// The DLT_ value (Linux numbering) that libpcap's compiler understands
/// for a LINKTYPE_ value: the inverse of [`dlt_to_linktype`]
/// (`pcap_open_dead` takes a DLT_; given LINKTYPE_RAW, 101, it compiles
/// nothing: "unknown data link type 101").
pub fn linktype_to_dlt(linktype: u16) -> c_int {
    match linktype {
        100 => 11,
        101 => 12,
        102 => 15,
        103 => 16,
        106 => 19,
        other => c_int::from(other),
    }
}
