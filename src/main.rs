//! The `evidentia` command. All policy lives in `cli`; this file only hands
//! the exit code to the operating system, after one allocator setting.

mod cli;

fn main() {
    bound_allocator_arenas();
    std::process::exit(cli::main());
}

/// glibc gives threads up to eight malloc arenas per core, and each keeps
/// the memory freed into it. Hashing starts threads per file, so under a
/// busy scheduler the freed 2 MiB blocks spread over many arenas and peak
/// memory wanders by tens of MiB from run to run. Two arenas keep it
/// steady; the hot paths reuse pooled buffers and hardly call malloc.
fn bound_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt with integer arguments, before any thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
