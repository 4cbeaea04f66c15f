//! `report` verifies a bundle and then reads the facts it shows (case,
//! files, custody timeline) in a second pass. Someone who can write the
//! bundle's directory (a shared evidence drive) must not be able to swap
//! the file between the passes: the report would carry the genuine file's
//! VERIFIED and the forged file's case reference and custody details.

use crate::custody::{Party, setup};
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A copy of `src` at `dst` whose manifest.json names another case (it
/// fails verification: the tag manifest no longer matches). Large members
/// are left out (the test process stays small: other tests measure the
/// peak RSS of processes it forks).
fn forge(src: &Path, dst: &Path) {
    let (archive, issues) = Archive::open(src).unwrap();
    assert!(issues.is_empty());
    let mut zip = ZipWriter::new(std::fs::File::create(dst).unwrap(), DosTime::from_unix(0));
    for e in archive.entries().filter(|e| e.size < 1 << 20) {
        zip.set_time(e.modified);
        let mut d = archive.read_small(&e, 1 << 30).unwrap();
        if e.name.ends_with("evidentia/manifest.json") {
            let s = String::from_utf8(d).unwrap();
            d = s.replace("\"CASE-6\"", "\"FORGED-666\"").into_bytes();
        }
        zip.add_bytes(&e.name, Method::Stored, &d).unwrap();
    }
    zip.finish().unwrap();
}

/// Whether process `pid` holds `path` open.
fn holds_open(pid: u32, path: &Path) -> bool {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    dir.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == path))
}

/// Run `report` on `bundle` and, as soon as the process has the bundle
/// open (verification under way), rename `forged` over it.
fn report_while_swapping(p: &Party, bundle: &Path, forged: &Path) -> (i32, String, String) {
    run_while_swapping(p, &["report", "--format", "md"], bundle, forged)
}

/// Run evidentia with `args` and `bundle`, renaming `forged` over the
/// bundle as soon as the process has it open.
fn run_while_swapping(
    p: &Party,
    args: &[&str],
    bundle: &Path,
    forged: &Path,
) -> (i32, String, String) {
    let mut c = p.env.cmd(args);
    c.arg(bundle)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    let start = Instant::now();
    while !holds_open(child.id(), bundle) && start.elapsed() < Duration::from_secs(20) {
        std::hint::spin_loop();
    }
    std::fs::rename(forged, bundle).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The agency of `setup`, a bundle of 24 MiB (large enough that
/// verification takes a moment) and a copy of it to restore from.
fn big_bundle() -> (Party, PathBuf, PathBuf) {
    let (agency, _lab, b) = setup();
    drop(b);
    agency.env.write("big/a.txt", b"hello\n");
    let zeros = std::fs::File::create(agency.env.path().join("big/zeros.bin")).unwrap();
    std::io::copy(&mut std::io::repeat(0).take(24 << 20), &mut &zeros).unwrap();
    let big = agency.env.path().join("big.zip");
    let mut c = agency.env.cmd(["seal", "big", "--case", "CASE-6", "--out"]);
    agency.env.run_cmd(c.arg(&big)).expect_code(0);
    let genuine = agency.env.path().join("genuine.zip");
    std::fs::copy(&big, &genuine).unwrap();
    (agency, big, genuine)
}

#[test]
fn a_bundle_swapped_during_report_is_never_reported_as_verified() {
    let (agency, big, genuine) = big_bundle();
    let mut caught = 0;
    for _ in 0..4 {
        let forged = agency.env.path().join("forged.zip");
        forge(&genuine, &forged);
        std::fs::copy(&genuine, &big).unwrap();
        let (code, out, err) = report_while_swapping(&agency, &big, &forged);
        assert!(
            !(code == 0 || out.contains("**VERIFIED**")) || !out.contains("FORGED-666"),
            "a report shows VERIFIED with the forged case:\n{out}\n{err}"
        );
        if err.contains("changed while its report was being made") {
            // The report could not be made: an error, not a finding.
            assert_eq!(code, 2, "{err}");
            caught += 1;
        }
    }
    // The swap landed inside the window at least once (else this test
    // proved nothing).
    assert!(caught > 0, "the swap never happened during the report");
}

/// `custody add` verifies the bundle and then appends to it: the event
/// must go to the file that verified, never to one put in its place.
#[test]
fn a_bundle_swapped_during_custody_add_gets_nothing_appended() {
    let (agency, big, genuine) = big_bundle();
    let mut caught = 0;
    for _ in 0..4 {
        let forged = agency.env.path().join("forged.zip");
        forge(&genuine, &forged);
        let forged_bytes = std::fs::read(&forged).unwrap();
        std::fs::copy(&genuine, &big).unwrap();
        let args = ["custody", "add", "--action", "note", "--note", "checked"];
        let (code, _out, err) = run_while_swapping(&agency, &args, &big, &forged);
        if err.contains("changed while it was being verified") {
            assert_eq!(code, 2, "{err}");
            assert!(
                std::fs::read(&big).unwrap() == forged_bytes,
                "an event was appended to the file put in place of the verified one"
            );
            caught += 1;
        }
    }
    assert!(caught > 0, "the swap never happened during custody add");
}
