//! Ctrl-C, `kill` and a closed terminal must not leave plaintext behind: a
//! command that writes decrypted bytes installs [`install_cleanup`], whose
//! handler unlinks every temporary path the library guards
//! (`evidentia::atomic::SignalGuard`) and ends the process with exit code
//! 130 (interrupted). `kill -9` cannot be caught; the library's stale-file
//! sweep clears what it leaves on the next run in the same directory.

/// The handler: async-signal-safe only (atomic loads, `unlink`, `_exit`).
extern "C" fn on_fatal_signal(_: libc::c_int) {
    evidentia::atomic::remove_guarded();
    // SAFETY: _exit is async-signal-safe; it runs no destructors or
    // atexit handlers, which is what a handler needs.
    unsafe { libc::_exit(130) };
}

/// Remove guarded temporary files on SIGINT, SIGTERM and SIGHUP, then
/// exit with 130. Call it before the first guarded file is made.
pub fn install_cleanup() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler is async-signal-safe (see above); the
        // sigaction struct is zeroed plain data filled before the call.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fatal_signal as *const () as libc::sighandler_t;
            sa.sa_flags = 0;
            libc::sigemptyset(&mut sa.sa_mask);
            // The other two signals wait while the handler runs, so it
            // runs once.
            libc::sigaddset(&mut sa.sa_mask, libc::SIGINT);
            libc::sigaddset(&mut sa.sa_mask, libc::SIGTERM);
            libc::sigaddset(&mut sa.sa_mask, libc::SIGHUP);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}
