//! Crash safety of custody appends: a failure injected at every I/O step
//! of an append in turn, SIGKILL after every step, and bytes left after
//! the last end record. Each time the bundle verifies as before, or
//! `repair` restores its exact original bytes (or proves the append
//! complete).

use crate::custody::{LAB_TO, Party, T2, run, setup, verify};
use std::io::BufRead;
use std::path::{Path, PathBuf};

fn journal(b: &Path) -> PathBuf {
    PathBuf::from(format!("{}.evidentia-append", b.display()))
}

/// After an interrupted append: if a journal is left, verify says so and
/// names repair, and repair restores; the bundle is then byte-identical
/// to the original, or (if the append had completed) verifies with it.
#[track_caller]
fn check_recovered(agency: &Party, b: &Path, original: &[u8]) -> bool {
    let repaired = journal(b).exists();
    if repaired {
        let (r, _) = verify(agency, b, &[]);
        r.expect_code(1);
        assert!(r.stderr.contains("evidentia repair"), "{}", r.stderr);
        run(agency, &["repair"], b).expect_code(0);
        assert!(!journal(b).exists());
    }
    let now = std::fs::read(b).unwrap();
    if now != original {
        let (r, v) = verify(agency, b, &[]);
        r.expect_code(0);
        assert_eq!(v["events"].as_array().unwrap().len(), 2);
    }
    verify(agency, b, &[]).0.expect_code(0);
    std::fs::write(b, original).unwrap();
    repaired
}

#[test]
fn a_failure_at_every_step_of_an_append_loses_nothing() {
    let (agency, _lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let mut k = 1;
    loop {
        let mut c = agency.env.cmd(["custody", "add"]);
        c.arg(&b)
            .args(["--action", "transfer", "--to", LAB_TO, "--time", T2])
            .env("EVIDENTIA_TEST_FAIL_STEP", k.to_string());
        let r = agency.env.run_cmd(&mut c);
        if r.code == 0 {
            break;
        }
        assert_eq!(r.code, 2, "step {k}: {}", r.stderr);
        let _ = check_recovered(&agency, &b, &original);
        k += 1;
        assert!(k < 50, "the append never succeeded");
    }
    assert!(k >= 8, "only {k} steps were exercised");
    verify(&agency, &b, &[]).0.expect_code(0);
}

#[test]
fn kill_9_mid_append_loses_nothing() {
    let (agency, _lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let mut repaired = 0;
    for k in 1..=10 {
        let mut c = agency.env.cmd(["custody", "add"]);
        c.arg(&b)
            .args(["--action", "transfer", "--to", LAB_TO, "--time", T2])
            .env("EVIDENTIA_TEST_PAUSE_STEP", k.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert!(line.contains("paused after step"), "step {k}: {line}");
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        repaired += usize::from(check_recovered(&agency, &b, &original));
    }
    // Killed after each of the journal, write and fsync steps: repaired.
    assert!(repaired >= 8, "only {repaired} kills left a journal");
}

#[test]
fn bytes_after_the_last_end_record_are_reported_and_not_guessed_at() {
    let (agency, _lab, b) = setup();
    let mut bytes = std::fs::read(&b).unwrap();
    bytes.extend_from_slice(b"PK\x03\x04 half an entry");
    std::fs::write(&b, &bytes).unwrap();
    let (r, v) = verify(&agency, &b, &[]);
    r.expect_code(1);
    assert_eq!(v["findings"][0]["code"], "interrupted-append");
    assert!(r.stderr.contains("evidentia repair"), "{}", r.stderr);
    // No journal: repair proves nothing, so it changes nothing.
    run(&agency, &["repair"], &b).expect_code(2);
    assert_eq!(std::fs::read(&b).unwrap(), bytes);
}
