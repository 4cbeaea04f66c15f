//! Ctrl-C, SIGTERM and SIGHUP while private plaintext exists: the handler
//! removes every guarded temporary path (`atomic::SignalGuard`) and ends
//! the process with exit code 130. Nothing else runs in the handler: it
//! only calls async-signal-safe functions (atomic loads, `unlink`,
//! `_exit`).

extern "C" fn on_fatal_signal(_: libc::c_int) {
    evidentia::atomic::remove_guarded();
    // SAFETY: _exit is async-signal-safe and never returns.
    unsafe { libc::_exit(130) };
}

/// Install the clean-up handler for SIGINT, SIGTERM and SIGHUP (once is
/// enough; installing again changes nothing).
pub fn install_cleanup() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only calls async-signal-safe functions; the
        // sigaction struct is zeroed plain data filled before the call.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fatal_signal as *const () as libc::sighandler_t;
            sa.sa_flags = 0;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}
