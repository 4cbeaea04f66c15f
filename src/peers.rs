//! Test-only: the rule for unit tests that need a peer tool, a library or
//! root. Elsewhere they print `skipped: <reason>`; under
//! `EVIDENTIA_REQUIRE_PEERS=1` (CI, as root) skipping is a failure, so a
//! test that cannot run cannot pass silently.

/// True when `EVIDENTIA_REQUIRE_PEERS=1`: nothing may be skipped.
pub(crate) fn required() -> bool {
    std::env::var("EVIDENTIA_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// Print `skipped: <reason>`, or fail when nothing may be skipped.
pub(crate) fn skip(reason: &str) {
    assert!(
        !required(),
        "cannot skip with EVIDENTIA_REQUIRE_PEERS=1: {reason}"
    );
    eprintln!("skipped: {reason}");
}

/// Makes the E01 set `target` (`target.E01`, ...) from the file `source`
/// with the real `ewfacquire` (`-u -q` and the `options` given). `false`
/// after [`skip`] when ewf-tools is not installed; a failing run panics
/// with its stderr.
pub(crate) fn ewfacquire(
    target: &std::path::Path,
    options: &[&str],
    source: &std::path::Path,
) -> bool {
    let out = std::process::Command::new("ewfacquire")
        .args(["-u", "-q", "-t"])
        .arg(target)
        .args(options)
        .arg(source)
        .output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            skip("ewfacquire (ewf-tools) is not installed");
            false
        }
        Err(e) => panic!("ewfacquire: {e}"),
        Ok(o) => {
            assert!(
                o.status.success(),
                "ewfacquire failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            true
        }
    }
}
