//! Crash safety of custody appends: a disk-full failure injected at every
//! output operation of an append in turn, SIGKILL before every operation
//! (tests/cli/crash.rs, docs/testing.md), and bytes left after the last
//! end record. Each time the bundle verifies as before, or
//! `repair` restores its exact original bytes (or proves the append
//! complete).

use crate::crash::{fail_at, kill_at_every_op, kinds};
use crate::custody::{LAB_TO, Party, T2, run, setup, verify};
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

fn add_cmd(agency: &Party, b: &Path) -> std::process::Command {
    let mut c = agency.env.cmd(["custody", "add"]);
    c.arg(b)
        .args(["--action", "transfer", "--to", LAB_TO, "--time", T2]);
    c
}

#[test]
fn a_failure_at_every_step_of_an_append_loses_nothing() {
    let (agency, _lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let mut k = 1;
    let mut completed = 0;
    loop {
        let r = fail_at(&agency.env, add_cmd(&agency, &b), k);
        if r.code == 0 {
            break;
        }
        assert_eq!(r.code, 2, "step {k}: {}", r.stderr);
        assert!(
            r.stderr.contains("No space left on device"),
            "step {k}: {}",
            r.stderr
        );
        // A failure once the append completed (its journal removed): the
        // error says the event is there, never that the bundle is damaged.
        let complete = !journal(&b).exists() && std::fs::read(&b).unwrap() != original;
        if complete {
            completed += 1;
            assert!(
                r.stderr.contains("the event was appended and recorded")
                    && !r.stderr.contains("cut short"),
                "step {k}: {}",
                r.stderr
            );
        }
        let _ = check_recovered(&agency, &b, &original);
        k += 1;
        assert!(k < 50, "the append never succeeded");
    }
    assert!(k >= 8, "only {k} steps were exercised");
    assert!(completed >= 1, "no failure after the append completed");
    verify(&agency, &b, &[]).0.expect_code(0);
}

#[test]
fn kill_9_mid_append_loses_nothing() {
    let (agency, _lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let mut repaired = 0;
    let ops = kill_at_every_op(
        || add_cmd(&agency, &b),
        |_, _| repaired += usize::from(check_recovered(&agency, &b, &original)),
    );
    let k = kinds(&ops);
    eprintln!("custody add: killed before {} operations: {k:?}", ops.len());
    for kind in ["write", "fsync", "fsync-dir", "remove"] {
        assert!(k.contains_key(kind), "no {kind} among {k:?}");
    }
    // Killed after the journal, before or after each write and fsync:
    // repaired (all but the kills before the journal is written, and
    // after it is removed).
    assert!(
        repaired + 3 >= ops.len(),
        "only {repaired} of {} kills left a journal",
        ops.len()
    );
    verify(&agency, &b, &[]).0.expect_code(0);
}

#[test]
fn bytes_after_the_last_end_record_are_reported_and_not_guessed_at() {
    let (agency, _lab, b) = setup();
    let mut bytes = std::fs::read(&b).unwrap();
    bytes.extend_from_slice(b"PK\x03\x04 half an entry");
    std::fs::write(&b, &bytes).unwrap();
    // No journal: not an append evidentia made, so a damaged bundle, and
    // repair (which works only from a journal) is not suggested.
    let (r, v) = verify(&agency, &b, &[]);
    r.expect_code(1);
    assert_eq!(v["findings"][0]["code"], "damaged-bundle");
    assert!(!r.stderr.contains("evidentia repair"), "{}", r.stderr);
    // Repair proves nothing, so it changes nothing.
    let r = run(&agency, &["repair"], &b);
    r.expect_code(1);
    assert!(
        r.stderr.contains("damaged bundle: truncated at byte"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&b).unwrap(), bytes);
}
