//! `evidentia export` refuses, before anything is written (no derived
//! bundle, no custody event, the original's bytes as they were): a
//! selection that selects nothing, an original that does not verify, an
//! original without a commitment unless `--reveal-manifest` (which then
//! carries its manifest), `--reveal-manifest` where a commitment proves
//! each file, a derived bundle, a read-only original without
//! `--no-record`, an exporter who does not hold the evidence. And a disk
//! failure at any output operation leaves no derived bundle and an
//! original that verifies (with the export recorded only when it failed
//! after the append, as docs/export.md says).

use crate::custody::{Party, party, transfer_and_receive};
use crate::export::{TEXPORT, args, export, members, result, sealed, unzip_and_validate};
use crate::harness::{Run, skip};
use evidentia::model::{CustodyEvent, Manifest};
use std::ffi::OsStr;
use std::path::Path;

/// `export` exits `code`, says `needle`, writes no derived bundle and
/// leaves the original's bytes as they were.
#[track_caller]
pub(crate) fn refused(p: &Party, bundle: &Path, a: &[&str], code: i32, needle: &str) -> Run {
    let before = std::fs::read(bundle).unwrap();
    let listing = crate::crash::names(p.env.path());
    let r = export(p, bundle, a);
    r.expect_code(code);
    assert!(r.stderr.contains(needle), "wanted {needle:?}: {}", r.stderr);
    assert_eq!(
        std::fs::read(bundle).unwrap(),
        before,
        "the original changed"
    );
    assert_eq!(
        crate::crash::names(p.env.path()),
        listing,
        "something was written"
    );
    r
}

#[test]
fn a_pattern_or_line_that_selects_nothing_is_refused() {
    let (agency, _lab, orig) = sealed();
    let base = ["-o", "sub.zip", "--purpose", "p"];
    let with = |sel: &[&'static str]| [sel, &base[..]].concat();
    let r = refused(
        &agency,
        &orig,
        &with(&["--select", "ev/mail/*", "--select", "ev/nothing/*"]),
        2,
        "\"ev/nothing/*\" selects no file",
    );
    assert!(
        r.stderr
            .contains("hint: patterns match bag paths below data/")
    );
    // Patterns are relative to data/; `*` does not cross `/`.
    refused(
        &agency,
        &orig,
        &with(&["--select", "data/ev/mail/*"]),
        2,
        "selects no file",
    );
    refused(
        &agency,
        &orig,
        &with(&["--select", "ev/*"]),
        2,
        "selects no file",
    );
    agency
        .env
        .write("list.txt", b"ev/mail/a.eml\nev/mail/c.eml\n");
    refused(
        &agency,
        &orig,
        &with(&["--files-from", "list.txt"]),
        2,
        "--files-from: the line \"ev/mail/c.eml\" selects no file",
    );
    agency.env.write("empty.txt", b"\n\n");
    refused(
        &agency,
        &orig,
        &with(&["--files-from", "empty.txt"]),
        2,
        "nothing selected",
    );
    // One of --select and --files-from, exactly.
    refused(&agency, &orig, &base, 2, "--select");
    refused(
        &agency,
        &orig,
        &with(&["--select", "ev/mail/*", "--files-from", "list.txt"]),
        2,
        "cannot be used with",
    );
    refused(
        &agency,
        &orig,
        &with(&["--select", "ev/mail/*", "--purpose", " "]),
        2,
        "",
    );
}

#[test]
fn an_original_that_does_not_verify_is_refused_and_nothing_is_written() {
    let (_agency, _lab, orig) = sealed();
    // A home that trusts nobody: the seal's signature is not trusted.
    let stranger = party("Other Agency", "Eve Other", "FR");
    let copy = stranger.env.path().join("orig.zip");
    std::fs::copy(&orig, &copy).unwrap();
    refused(
        &stranger,
        &copy,
        &args("sub.zip", &[]),
        1,
        "does not verify",
    );
    // A payload byte flipped (the committed test vector).
    let v = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles");
    let bad = stranger.env.path().join("bad.zip");
    std::fs::copy(v.join("fail_payload_byte.zip"), &bad).unwrap();
    let trust = v.join("trust");
    let a = [
        "--select",
        "**",
        "-o",
        "sub.zip",
        "--purpose",
        "p",
        "--trust",
        trust.to_str().unwrap(),
    ];
    let r = refused(&stranger, &bad, &a, 1, "does not verify");
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
}

#[test]
fn a_v1_original_needs_reveal_manifest_which_carries_its_manifest() {
    let p = party("Police Agency", "Jana Examiner", "DE");
    let v = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles");
    let orig = p.env.path().join("v1.zip");
    std::fs::copy(v.join("v1_pieces.zip"), &orig).unwrap();
    let trust = v.join("trust");
    let t = trust.to_str().unwrap();
    let base = [
        "--select",
        "ev/image.bin",
        "-o",
        "v1sub.zip",
        "--purpose",
        "p",
    ];
    let a = [&base[..], &["--trust", t, "--no-record"]].concat();
    let r = refused(&p, &orig, &a, 2, "schema evidentia/manifest/v1");
    assert!(r.stderr.contains("--reveal-manifest"), "{}", r.stderr);
    let a = [&a[..], &["--reveal-manifest", "--time", TEXPORT]].concat();
    let r = export(&p, &orig, &a);
    r.expect_code(0);
    let x = result(&r);
    assert!(x.original.manifest_revealed && !x.original.recorded_at_source);
    assert_eq!((x.files, x.withheld), (1, 1));
    let sub = p.env.path().join("v1sub.zip");
    let (m, om) = (members(&sub), members(&orig));
    assert!(m["provenance/manifest.json"] == om["evidentia/manifest.json"]);
    assert!(m["provenance/tagmanifest-sha256.txt"] == om["tagmanifest-sha256.txt"]);
    assert!(!m.contains_key("provenance/proofs.json"));
    let seal: CustodyEvent = serde_json::from_slice(&m["custody/000001-seal.json"]).unwrap();
    let from = seal.exported_from.unwrap();
    assert!(from.manifest_revealed && !from.recorded_at_source);
    // The original's SHA-256 pieces are kept, and named.
    let dm: Manifest = serde_json::from_slice(&m["evidentia/manifest.json"]).unwrap();
    assert_eq!(dm.piece_algorithm.as_deref(), Some("sha256"));
    assert_eq!(dm.files[0].pieces.len(), 3);
    assert_eq!(
        std::fs::read(&orig).unwrap(),
        std::fs::read(v.join("v1_pieces.zip")).unwrap()
    );
    unzip_and_validate(&p, &sub, "v1sub");
}

#[test]
fn reveal_manifest_is_refused_where_a_commitment_proves_each_file() {
    let (agency, _lab, orig) = sealed();
    refused(
        &agency,
        &orig,
        &args("sub.zip", &["--reveal-manifest"]),
        2,
        "--reveal-manifest is not needed",
    );
}

#[test]
fn a_derived_bundle_is_not_exported_again() {
    let (agency, _lab, orig) = sealed();
    let r = export(&agency, &orig, &args("sub.zip", &[]));
    r.expect_code(0);
    let id = result(&r).original.bundle_id;
    let sub = agency.env.path().join("sub.zip");
    let a = ["--select", "**", "-o", "again.zip", "--purpose", "p"];
    refused(
        &agency,
        &sub,
        &a,
        2,
        &format!("export from the original bundle {id}"),
    );
}

#[test]
fn a_read_only_original_needs_no_record_and_the_derived_bundle_says_so() {
    let (agency, _lab, orig) = sealed();
    let Some(fs) = crate::crash::Tmpfs::mount(&agency.env, "4m") else {
        return;
    };
    let ro = fs.dir.join("orig.zip");
    std::fs::copy(&orig, &ro).unwrap();
    let remount = std::process::Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&fs.dir)
        .status();
    if !remount.is_ok_and(|s| s.success()) {
        skip("cannot remount the tmpfs read-only");
        return;
    }
    let r = refused(
        &agency,
        &ro,
        &args("sub.zip", &[]),
        2,
        "cannot be appended to",
    );
    assert!(r.stderr.contains("Read-only file system"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: pass --no-record"), "{}", r.stderr);
    let r = export(&agency, &ro, &args("sub.zip", &["--no-record"]));
    r.expect_code(0);
    let x = result(&r);
    assert!(!x.original.recorded_at_source && x.original.export_event.is_none());
    let m = members(&agency.env.path().join("sub.zip"));
    let seal: CustodyEvent = serde_json::from_slice(&m["custody/000001-seal.json"]).unwrap();
    assert!(!seal.exported_from.unwrap().recorded_at_source);
    assert!(std::fs::read(&ro).unwrap() == std::fs::read(&orig).unwrap());
    let text = agency.env.run([
        OsStr::new("export"),
        ro.as_os_str(),
        OsStr::new("--select"),
        OsStr::new("ev/mail/a.eml"),
        OsStr::new("-o"),
        OsStr::new("text.zip"),
        OsStr::new("--purpose"),
        OsStr::new("p"),
        OsStr::new("--no-record"),
    ]);
    text.expect_code(0);
    assert!(text.stdout_str().contains("not recorded at the source"));
}

#[test]
fn only_the_holder_exports() {
    let (agency, lab, orig) = sealed();
    transfer_and_receive(&agency, &lab, &orig);
    let t4 = "2024-05-04T10:00:00Z";
    let a = args("sub.zip", &[]);
    let a: Vec<&str> = a
        .into_iter()
        .map(|s| if s == TEXPORT { t4 } else { s })
        .collect();
    let r = refused(
        &agency,
        &orig,
        &a,
        1,
        "custody rules refuse this export event",
    );
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    // Not recording the export binds no rule (nothing is appended), but
    // the sender is told that the chain would not accept it, and the
    // derived bundle says the export was not recorded at the source.
    let unrecorded: Vec<&str> = args("unrecorded.zip", &["--no-record"])
        .into_iter()
        .map(|s| if s == TEXPORT { t4 } else { s })
        .collect();
    let r = export(&agency, &orig, &unrecorded);
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("warning: the original's custody chain would not accept this export")
            && r.stderr.contains("custody rules refuse this export event"),
        "{}",
        r.stderr
    );
    // The lab holds it now, and exports from its copy.
    let theirs = lab.env.path().join("orig.zip");
    std::fs::copy(&orig, &theirs).unwrap();
    let r = export(&lab, &theirs, &a);
    r.expect_code(0);
    let x = result(&r);
    assert_eq!(x.original.export_event.as_ref().unwrap().seq, 4);
    let m = members(&lab.env.path().join("sub.zip"));
    // The sealer's keys travel as provenance; the exporter's as any seal's.
    let seal: CustodyEvent = serde_json::from_slice(&m["provenance/seal.json"]).unwrap();
    let sealer = seal.actor.key_id.unwrap();
    assert!(m.contains_key(&format!("provenance/keys/{sealer}.pub")));
    assert!(m.contains_key(&format!("keys/{}.pub", lab.examiner)));
    assert!(!m.contains_key(&format!("keys/{sealer}.pub")));
}

/// A disk-full failure injected at every output operation of an export
/// in turn (docs/testing.md): each time no derived bundle and no
/// temporary file is left, and the original verifies, unchanged, or (a
/// failure after the append, at the rename) with the export recorded;
/// an append cut short is restored by `repair`.
#[test]
fn a_failure_at_any_output_operation_leaves_no_derived_bundle() {
    let (agency, _lab, orig) = sealed();
    let original = std::fs::read(&orig).unwrap();
    let listing = crate::crash::names(agency.env.path());
    let journal = Path::new(&format!("{}.evidentia-append", orig.display())).to_path_buf();
    let (mut k, mut recorded) = (1, 0);
    loop {
        let mut c = agency.env.cmd(["export"]);
        c.arg(&orig).args(args("sub.zip", &[]));
        let r = crate::crash::fail_at(&agency.env, c, k);
        if r.code == 0 {
            break;
        }
        assert_eq!(r.code, 2, "step {k}: {}", r.stderr);
        assert!(
            r.stderr.contains("No space left on device"),
            "step {k}: {}",
            r.stderr
        );
        if journal.exists() {
            crate::custody::run(&agency, &["repair"], &orig).expect_code(0);
        }
        assert_eq!(
            crate::crash::names(agency.env.path()),
            listing,
            "step {k}: left behind"
        );
        let (v, json) = crate::custody::verify(&agency, &orig, &[]);
        v.expect_code(0);
        if std::fs::read(&orig).unwrap() != original {
            // Recorded, but the derived bundle never arrived in place.
            assert_eq!(json["events"].as_array().unwrap().len(), 2, "step {k}");
            let said = r.stderr.contains("recorded") || r.stderr.contains("evidentia repair");
            assert!(said, "step {k}: {}", r.stderr);
            recorded += 1;
            std::fs::write(&orig, &original).unwrap();
        }
        k += 1;
        assert!(k < 200, "the export never succeeded");
    }
    assert!(k >= 10, "only {k} steps were exercised");
    assert!(
        recorded >= 1,
        "no step failed between the append and the rename"
    );
    assert!(agency.env.path().join("sub.zip").exists());
}

/// A selection larger than what `verify` proves in bounded memory
/// (`verify::MAX_DISCLOSED`) is refused before anything is written: the
/// recipient could not verify it.
#[test]
fn a_selection_larger_than_verify_proves_is_refused() {
    let p = crate::custody::party("Police Agency", "Jana Examiner", "DE");
    let n = evidentia::verify::MAX_DISCLOSED as usize + 1;
    for i in 0..n {
        p.env.write(&format!("ev/{:03}/{i:05}", i / 1000), b"");
    }
    p.env
        .run(["seal", "ev", "--out", "big.zip", "--case", "C-1"])
        .expect_code(0);
    let big = p.env.path().join("big.zip");
    let a = ["--select", "ev/**", "-o", "sub.zip", "--purpose", "p"];
    let r = refused(&p, &big, &a, 2, "split the disclosure into several exports");
    assert!(
        r.stderr.contains(&format!("holds {n} files")),
        "{}",
        r.stderr
    );
}
