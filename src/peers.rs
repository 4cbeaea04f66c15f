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
