//! Damaged bundles (issue 15, item 4): a file that starts as a bundle
//! (its first entry is in a bag) but cannot be opened gets one diagnosis,
//! "damaged bundle: ...", saying where (for a cut, "truncated at byte N",
//! and "of an expected M" where that can be known), and one exit code,
//! 1, in every command that reads bundles. `repair` is named only when an
//! append journal exists, saying exactly what it will do. A file that is
//! not a bundle at all stays exit 2.

use crate::crash::{Killed, kill_at};
use crate::custody::{LAB_TO, Party, T2, json, run, setup, verify};
use crate::harness::Run;
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter};
use std::path::{Path, PathBuf};

/// `evidentia ARGS... BUNDLE` as `p`.
fn on(p: &Party, args: &[&str], bundle: &Path) -> Run {
    let mut c = p.env.cmd(args);
    c.arg(bundle);
    p.env.run_cmd(c.stdin(std::process::Stdio::null()))
}

fn journal(b: &Path) -> PathBuf {
    PathBuf::from(format!("{}.evidentia-append", b.display()))
}

/// Where the last central directory of `b` starts and ends.
fn directory(b: &Path) -> (u64, u64) {
    let (a, _) = Archive::open(b).unwrap();
    (a.cd_offset, a.cd_offset + a.cd_size)
}

/// The `damaged-bundle` finding of `verify --json` on `b` (exit 1), and
/// the run's stderr.
#[track_caller]
fn damaged(p: &Party, b: &Path) -> (serde_json::Value, String) {
    let (r, v) = verify(p, b, &[]);
    r.expect_code(1);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "damaged-bundle")
        .cloned()
        .unwrap_or_else(|| panic!("no damaged-bundle finding: {v:#}"));
    (f, r.stderr)
}

/// Cut `original` to `cut` bytes at `b`, and check the diagnosis: exit 1,
/// "truncated at byte CUT" (of an expected `full` when `known`), no
/// repair hint.
#[track_caller]
fn assert_cut(p: &Party, b: &Path, original: &[u8], cut: usize, known: bool) {
    std::fs::write(b, &original[..cut]).unwrap();
    let (f, stderr) = damaged(p, b);
    let msg = f["message"].as_str().unwrap();
    let full = original.len();
    let want = match known {
        true => format!("damaged bundle: truncated at byte {cut} of an expected {full}, "),
        false => format!("damaged bundle: truncated at byte {cut}, "),
    };
    assert!(msg.starts_with(&want), "cut {cut}: {msg}");
    assert_eq!(f["actual"], format!("{cut} bytes"), "cut {cut}");
    if known {
        assert_eq!(f["expected"], format!("{full} bytes"), "cut {cut}");
    }
    assert!(!stderr.contains("repair"), "cut {cut}: {stderr}");
    assert!(stderr.contains("fresh copy"), "cut {cut}: {stderr}");
}

#[test]
fn every_cut_of_a_sealed_bundle_is_one_diagnosis_with_exit_1() {
    let (agency, _lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let n = original.len();
    let (cd, cd_end) = directory(&b);
    let (cd, cd_end) = (cd as usize, cd_end as usize);
    let name_end = 30 + u16::from_le_bytes([original[26], original[27]]) as usize;
    // A sweep across the file, the first local header, the directory,
    // the end record, and the last 200 bytes.
    let mut cuts: Vec<usize> = (4..n).step_by(1999).collect();
    cuts.extend(4..name_end + 2);
    cuts.extend((cd..cd_end).step_by(7));
    cuts.extend(cd_end..n);
    cuts.extend(n - 200..n);
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts {
        // From the third byte of the directory's first signature on, the
        // cut is inside the directory, whose size the entries tell.
        assert_cut(&agency, &b, &original, cut, cut > cd + 2);
    }
    // Fewer than 4 bytes, or nothing: not even a zip (exit 2).
    for cut in [0, 3] {
        std::fs::write(&b, &original[..cut]).unwrap();
        let (r, _) = verify(&agency, &b, &[]);
        r.expect_code(2);
        assert!(r.stderr.contains("not a bundle"), "{}", r.stderr);
    }
}

/// The reported case: a bundle appended to (a transfer) without its last
/// 100 bytes was "an interrupted append?" with a `repair` hint that repair
/// then refused.
#[test]
fn an_appended_bundle_cut_short_is_not_an_interrupted_append() {
    let (agency, _lab, b) = setup();
    let mut c = agency.env.cmd(["custody", "add"]);
    c.arg(&b)
        .args(["--action", "transfer", "--to", LAB_TO, "--time", T2]);
    agency.env.run_cmd(&mut c).expect_code(0);
    let original = std::fs::read(&b).unwrap();
    let n = original.len();
    let (cd, _) = directory(&b);
    for cut in (n - 200..n).chain([n - 100, cd as usize + 3]) {
        assert_cut(&agency, &b, &original, cut, true);
    }
    std::fs::write(&b, &original[..n - 100]).unwrap();
    let r = run(&agency, &["repair"], &b);
    r.expect_code(1);
    assert!(
        r.stderr
            .contains(&format!("truncated at byte {} of an expected {n}", n - 100)),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&b).unwrap(), &original[..n - 100]);
}

#[test]
fn overwritten_and_zeroed_bundles_say_where() {
    let (agency, _lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let n = original.len();
    let (cd, cd_end) = directory(&b);
    let entries = crate::attacks::members(&b).len();
    let check = |bytes: &[u8], want: &str| {
        std::fs::write(&b, bytes).unwrap();
        let (f, stderr) = damaged(&agency, &b);
        let msg = f["message"].as_str().unwrap();
        assert!(msg.starts_with(want), "wanted {want:?}, got {msg}");
        assert!(!stderr.contains("repair"), "{stderr}");
    };
    // A byte of the directory's first signature flipped: that is where
    // the entries end and the directory starts.
    let mut x = original.clone();
    x[cd as usize + 2] ^= 0x10;
    check(
        &x,
        &format!(
            "damaged bundle: byte {cd}, right after entry {entries}, where the next entry or the central directory starts: the bytes there (50 4b 11 02) are not"
        ),
    );
    // The second header's signature flipped, then its name length.
    let at = |x: &[u8], i: usize| u16::from_le_bytes([x[i], x[i + 1]]) as usize;
    let cd = cd as usize;
    let second = cd + 46 + at(&original, cd + 28) + at(&original, cd + 30);
    let mut x = original.clone();
    x[second] = b'Q';
    check(
        &x,
        &format!(
            "damaged bundle: byte {second}, inside header 2 of {entries} of the central directory"
        ),
    );
    let mut x = original.clone();
    x[second + 28] ^= 0x01;
    check(
        &x,
        &format!(
            "damaged bundle: byte {}, inside header 2 of {entries} of the central directory: the header's lengths",
            second + 28
        ),
    );
    // The end record overwritten.
    let mut x = original.clone();
    x[cd_end as usize..].fill(b'x');
    check(
        &x,
        &format!("damaged bundle: byte {cd_end}, inside the end of central directory records"),
    );
    // The last 4 KiB zero-filled (a lost disk block).
    let mut x = original.clone();
    x[n - 4096..].fill(0);
    check(
        &x,
        &format!(
            "damaged bundle: the last 4096 bytes, from byte {} to the end, are all zero",
            n - 4096
        ),
    );
}

/// Interrupt an append (SIGKILL before its second write to the bundle):
/// the bundle holds part of the append, and its journal is left.
fn interrupted_append(agency: &Party, b: &Path) {
    let mut writes = 0;
    for n in 1.. {
        let mut c = agency.env.cmd(["custody", "add"]);
        c.arg(b)
            .args(["--action", "transfer", "--to", LAB_TO, "--time", T2]);
        match kill_at(c, n) {
            Killed::At(what) if what.starts_with("write ") && what.ends_with("b.zip") => {
                writes += 1;
                if writes == 2 {
                    return;
                }
            }
            Killed::At(_) => {}
            Killed::Finished(code) => panic!("the append finished ({code})"),
        }
        // Until then, every kill left the bundle as it was, or repairable.
        if journal(b).exists() {
            run(agency, &["repair"], b).expect_code(0);
        }
        assert!(n < 100);
    }
}

#[test]
fn repair_is_named_only_with_a_journal_and_says_what_it_will_do() {
    let (agency, _lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    interrupted_append(&agency, &b);
    assert!(journal(&b).exists());
    let now = std::fs::read(&b).unwrap();
    assert!(now.len() > original.len() && now.starts_with(&original));
    let removed = now.len() - original.len();
    let hint = format!(
        "run `evidentia repair {}`: it will cut off the {removed} bytes of the unfinished append \
         and restore the bundle's original {} bytes",
        b.display(),
        original.len()
    );
    // verify, custody show and report all name repair, exactly.
    let (r, v) = verify(&agency, &b, &[]);
    r.expect_code(1);
    assert_eq!(v["findings"][0]["code"], "interrupted-append");
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("will cut off the {removed} bytes")),
        "{msg}"
    );
    assert!(r.stderr.contains(&hint), "{}", r.stderr);
    for args in [&["custody", "show"][..], &["report"][..]] {
        let r = on(&agency, args, &b);
        r.expect_code(1);
        assert!(r.stderr.contains(&hint), "{args:?}: {}", r.stderr);
    }
    // And repair does exactly that.
    let r = run(&agency, &["repair"], &b);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains(&format!(
            "removed {removed} bytes of an unfinished append; restored the original {} bytes",
            original.len()
        )),
        "{}",
        r.stdout_str()
    );
    assert_eq!(std::fs::read(&b).unwrap(), original);
    assert!(!journal(&b).exists());

    // A journal that no longer describes the file (cut below where the
    // append began): damaged, and the hint says repair cannot use it.
    interrupted_append(&agency, &b);
    std::fs::write(&b, &original[..original.len() - 10]).unwrap();
    let (f, stderr) = damaged(&agency, &b);
    assert!(
        f["message"].as_str().unwrap().starts_with(&format!(
            "damaged bundle: truncated at byte {}",
            original.len() - 10
        )),
        "{f:#}"
    );
    assert!(
        stderr.contains("is present, but `evidentia repair` cannot use it"),
        "{stderr}"
    );
    run(&agency, &["repair"], &b).expect_code(1);
    assert!(journal(&b).exists());
}

/// Every command that reads bundles gives the same diagnosis and exit 1.
#[test]
fn every_reading_command_gives_the_same_diagnosis_and_exit_1() {
    let (agency, lab, b) = setup();
    let original = std::fs::read(&b).unwrap();
    let (cd, _) = directory(&b);
    let cut = cd as usize + 50;
    std::fs::write(&b, &original[..cut]).unwrap();
    let (f, _) = damaged(&agency, &b);
    let diagnosis = f["message"].as_str().unwrap().to_string();
    assert!(
        diagnosis.starts_with(&format!(
            "damaged bundle: truncated at byte {cut} of an expected {}",
            original.len()
        )),
        "{diagnosis}"
    );
    let l = crate::backend::TestLocker::new(&agency.env);
    let locker = l.arg();
    let ingest = ["ingest", "--locker", &locker];
    let quarantine = ["ingest", "--quarantine", "--locker", &locker];
    let show = ["custody", "show"];
    let report = ["report", "-o", "r.html"];
    let add = ["custody", "add", "--action", "transfer", "--to", LAB_TO];
    let repair = ["repair"];
    for (who, args) in [
        (&agency, &show[..]),
        (&agency, &report[..]),
        (&agency, &ingest[..]),
        (&agency, &quarantine[..]),
        (&agency, &add[..]),
        (&lab, &["receive"][..]),
        (&agency, &repair[..]),
    ] {
        let r = on(who, args, &b);
        r.expect_code(1);
        let all = format!("{}{}", r.stdout_str(), r.stderr);
        assert!(all.contains(&diagnosis), "{args:?}: {all}");
        assert!(!all.contains("evidentia repair"), "{args:?}: {all}");
    }
    assert!(!agency.env.path().join("r.html").exists());
    assert_eq!(std::fs::read(&b).unwrap(), &original[..cut]);
    // Nothing recorded, not even as quarantined.
    if l.schema_version().is_some() {
        assert_eq!(l.count("bundles"), 0);
    }
    // JSON: the ingest refusal carries the same finding.
    let r = on(&agency, &["--json", "ingest", "--locker", &locker], &b);
    r.expect_code(1);
    let v = json(&r);
    assert_eq!(v["problems"][0]["message"], diagnosis.as_str(), "{v:#}");
}

#[test]
fn a_file_that_is_not_a_bundle_stays_exit_2() {
    let (agency, _lab, _b) = setup();
    let text = agency
        .env
        .write("notes.zip", b"these are notes, not a zip\n");
    // A zip whose first entry is not in a bag directory, cut short.
    let plain = agency.env.path().join("plain.zip");
    let mut z = ZipWriter::new(
        std::fs::File::create(&plain).unwrap(),
        DosTime::from_unix(0),
    );
    z.add_bytes("notes.txt", Method::Stored, &[b'n'; 500])
        .unwrap();
    z.add_bytes("more.txt", Method::Stored, &[b'm'; 500])
        .unwrap();
    z.finish().unwrap();
    let bytes = std::fs::read(&plain).unwrap();
    std::fs::write(&plain, &bytes[..bytes.len() - 40]).unwrap();
    for f in [&text, &plain] {
        for args in [&["verify"][..], &["custody", "show"][..], &["report"][..]] {
            let r = on(&agency, args, f);
            r.expect_code(2);
            assert!(
                r.stderr.contains("is not a bundle"),
                "{args:?}: {}",
                r.stderr
            );
            assert!(
                r.stderr.contains("hint: a bundle is a zip file"),
                "{}",
                r.stderr
            );
            assert!(!r.stderr.contains("damaged"), "{}", r.stderr);
        }
    }
}
