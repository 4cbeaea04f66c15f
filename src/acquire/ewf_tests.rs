//! Acquisition from E01 sets made by the real `ewfacquire`, with the last
//! segment's section chain rewritten where ewfacquire cannot make the case:
//! a set with acquisition errors (`error2`, written only when the source
//! had unreadable sectors) and a set without stored hashes.

use super::{AcquireOptions, Originals, acquire_ewf, check_media};
use crate::model::acquisition::ByteRange;
use crate::model::acquisition_ewf::{EwfOutcome, NO_STORED_HASH};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A 1 MiB source (random, then zeros) as one segment made by
/// ewfacquire; `None` (skipped) when ewfacquire is missing.
fn make_set(dir: &Path) -> Option<(PathBuf, Vec<u8>)> {
    let mut src: Vec<u8> = (0u32..(512 << 10))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    src.resize(1 << 20, 0);
    std::fs::write(dir.join("src.raw"), &src).unwrap();
    let options = ["-f", "encase6", "-c", "deflate:fast", "-d", "sha1"];
    crate::peers::ewfacquire(&dir.join("set"), &options, &dir.join("src.raw"))
        .then(|| (dir.join("set.E01"), src))
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// (offset, type, body) of every section of a segment file.
fn sections(file: &[u8]) -> Vec<(usize, String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut off = 13usize;
    loop {
        let d = &file[off..off + 76];
        let kind = String::from_utf8_lossy(&d[..16])
            .trim_end_matches('\0')
            .to_string();
        let (next, size) = (le64(d, 16) as usize, le64(d, 24) as usize);
        let body = file[off + 76..off + size.max(76)].to_vec();
        out.push((off, kind.clone(), body));
        if next == off {
            return out;
        }
        off = next;
    }
}

/// Rewrites the chain of sections from the first one of type `from` on:
/// `edit` gets the (type, body) list and changes it; offsets, sizes and
/// descriptor checksums are recomputed (`done` points at itself).
fn rewrite(path: &Path, from: &str, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let file = std::fs::read(path).unwrap();
    let all = sections(&file);
    let start = all.iter().position(|s| s.1 == from).unwrap();
    let mut out = file[..all[start].0].to_vec();
    let mut tail: Vec<(String, Vec<u8>)> = all[start..]
        .iter()
        .map(|s| (s.1.clone(), s.2.clone()))
        .collect();
    edit(&mut tail);
    for (kind, body) in tail {
        let off = out.len();
        let size = 76 + body.len();
        let next = if kind == "done" { off } else { off + size };
        let mut d = [0u8; 76];
        d[..kind.len()].copy_from_slice(kind.as_bytes());
        d[16..24].copy_from_slice(&(next as u64).to_le_bytes());
        d[24..32].copy_from_slice(&(size as u64).to_le_bytes());
        let sum = crate::ewf::adler32(&d[..72]);
        d[72..].copy_from_slice(&sum.to_le_bytes());
        out.extend_from_slice(&d);
        out.extend_from_slice(&body);
    }
    std::fs::write(path, out).unwrap();
}

/// An `error2` body listing `runs` (first sector, sector count).
fn error2(runs: &[(u32, u32)]) -> Vec<u8> {
    let mut b = vec![0u8; 520];
    b[..4].copy_from_slice(&(runs.len() as u32).to_le_bytes());
    let sum = crate::ewf::adler32(&b[..516]);
    b[516..520].copy_from_slice(&sum.to_le_bytes());
    let mut entries = Vec::new();
    for (first, count) in runs {
        entries.extend_from_slice(&first.to_le_bytes());
        entries.extend_from_slice(&count.to_le_bytes());
    }
    let sum = crate::ewf::adler32(&entries);
    b.extend_from_slice(&entries);
    b.extend_from_slice(&sum.to_le_bytes());
    b
}

/// Flips the stored MD5 in both hash and digest, their checksums fixed:
/// only the recomputation over the media can find it.
fn flip_stored_md5(first: &Path) {
    rewrite(first, "digest", |t| {
        for (kind, body) in t.iter_mut() {
            if kind == "digest" || kind == "hash" {
                body[0] ^= 0xff;
                let end = body.len() - 4;
                let sum = crate::ewf::adler32(&body[..end]);
                body[end..].copy_from_slice(&sum.to_le_bytes());
            }
        }
    });
}

fn run(first: &Path, out: &Path) -> super::Acquisition {
    let never = AtomicBool::new(false);
    acquire_ewf(
        first,
        out,
        &AcquireOptions::default(),
        Originals::Discard,
        &never,
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn acquisition_errors_go_to_bad_sectors_and_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let Some((first, src)) = make_set(dir.path()) else {
        return;
    };
    rewrite(&first, "digest", |t| {
        t.insert(0, ("error2".into(), error2(&[(64, 32), (2000, 8)])));
    });
    let acq = run(&first, &dir.path().join("out"));
    let rec = &acq.record;
    let ewf = rec.source.ewf.as_ref().unwrap();
    let runs = [
        ByteRange {
            offset: 64 * 512,
            length: 32 * 512,
        },
        ByteRange {
            offset: 2000 * 512,
            length: 8 * 512,
        },
    ];
    assert_eq!(ewf.acquisition_errors, runs);
    assert_eq!(rec.bad_sectors.ranges, runs);
    assert_eq!(rec.bad_sectors.count, 40);
    // The data is what the set stores, so its stored hashes still match.
    assert_eq!(ewf.integrity.outcome, EwfOutcome::Verified);
    assert_eq!(std::fs::read(acq.dir.join("image.raw")).unwrap(), src);
    let map = std::fs::read_to_string(acq.dir.join("image.map")).unwrap();
    assert!(map.contains("0x00008000  0x00004000  -"), "{map}");
    let log = std::fs::read_to_string(acq.dir.join("acquisition.txt")).unwrap();
    assert!(
        log.contains("Unreadable when the E01 was made: bytes 32768..49152"),
        "{log}"
    );
}

#[test]
fn a_set_without_stored_hashes_is_read_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let Some((first, src)) = make_set(dir.path()) else {
        return;
    };
    rewrite(&first, "digest", |t| {
        t.retain(|(k, _)| k != "digest" && k != "hash")
    });
    let acq = run(&first, &dir.path().join("out"));
    let ewf = acq.record.source.ewf.as_ref().unwrap();
    assert_eq!(ewf.integrity.outcome, EwfOutcome::NoStoredHash);
    assert_eq!(ewf.integrity.statement, NO_STORED_HASH);
    assert_eq!((&ewf.integrity.md5, &ewf.integrity.sha1), (&None, &None));
    assert_eq!(std::fs::read(acq.dir.join("image.raw")).unwrap(), src);
    // hash --media says the same.
    let never = AtomicBool::new(false);
    let m = check_media(&first, &Default::default(), &never, &mut |_| {}).unwrap();
    assert_eq!(m.ewf.integrity.outcome, EwfOutcome::NoStoredHash);
    assert_eq!(m.hashes.size, src.len() as u64);
}

#[test]
fn a_stored_hash_that_differs_fails_and_names_both_values() {
    let dir = tempfile::tempdir().unwrap();
    let Some((first, _)) = make_set(dir.path()) else {
        return;
    };
    flip_stored_md5(&first);
    let acq = run(&first, &dir.path().join("out"));
    let i = &acq.record.source.ewf.as_ref().unwrap().integrity;
    assert_eq!(i.outcome, EwfOutcome::Failed);
    let md5 = i.md5.as_ref().unwrap();
    assert!(!md5.matches);
    assert_ne!(md5.stored, md5.computed);
    assert_eq!(acq.record.hashes["md5"], md5.computed);
    assert!(i.sha1.as_ref().unwrap().matches);
    assert!(
        i.statement.contains("the stored MD5 does not match"),
        "{}",
        i.statement
    );
}

#[test]
fn a_record_edited_to_claim_verified_is_not_sealed() {
    use super::ewf_record::check_claims;
    let dir = tempfile::tempdir().unwrap();
    let Some((first, _)) = make_set(dir.path()) else {
        return;
    };
    flip_stored_md5(&first);
    let never = AtomicBool::new(false);
    let out = dir.path().join("out");
    let acq = acquire_ewf(
        &first,
        &out,
        &AcquireOptions::default(),
        Originals::Keep,
        &never,
        &mut |_| {},
    )
    .unwrap();
    let honest = acq.record.clone();
    assert_eq!(check_claims(&honest, &out), Ok(()));
    // Claim "verified" with only the outcome changed: its numbers disagree.
    let mut forged = honest.clone();
    let e = forged.source.ewf.as_mut().unwrap();
    e.integrity.outcome = EwfOutcome::Verified;
    assert!(check_claims(&forged, &out).is_err());
    // Make every number agree: the kept segments still store another MD5.
    let computed = forged.hashes["md5"].clone();
    let e = forged.source.ewf.as_mut().unwrap();
    e.stored_hashes.md5 = Some(computed.clone());
    let md5 = e.integrity.md5.as_mut().unwrap();
    md5.stored = computed;
    md5.matches = true;
    let err = check_claims(&forged, &out).unwrap_err();
    assert!(err.contains("stored hashes are not the record's"), "{err}");
}

#[test]
fn a_failed_chunk_is_counted_once_through_verification() {
    let dir = tempfile::tempdir().unwrap();
    let Some((first, src)) = make_set(dir.path()) else {
        return;
    };
    // The first chunk is random data, stored uncompressed: flip one byte.
    let mut file = std::fs::read(&first).unwrap();
    let at = sections(&file).iter().find(|s| s.1 == "sectors").unwrap().0 + 76 + 100;
    file[at] ^= 0x01;
    std::fs::write(&first, file).unwrap();
    let never = AtomicBool::new(false);
    let opts = AcquireOptions {
        verify: true,
        ..AcquireOptions::default()
    };
    let out = dir.path().join("out");
    let acq = acquire_ewf(&first, &out, &opts, Originals::Discard, &never, &mut |_| {}).unwrap();
    let rec = &acq.record;
    let i = &rec.source.ewf.as_ref().unwrap().integrity;
    assert_eq!(i.outcome, EwfOutcome::Failed);
    assert_eq!((i.chunks_failed, i.chunk_errors.len()), (1, 1));
    assert_eq!(i.chunks_checked, 32);
    assert_eq!(i.chunk_errors[0].chunk, 0);
    assert_eq!(
        rec.bad_sectors.ranges,
        [ByteRange {
            offset: 0,
            length: 32768
        }]
    );
    // The re-read of the image and of the set agree: the chunk is zeros in both.
    let v = rec.verification.as_ref().unwrap();
    assert_eq!(v.outcome, crate::model::acquisition::Outcome::Passed);
    let image = std::fs::read(out.join("image.raw")).unwrap();
    assert!(image[..32768].iter().all(|&b| b == 0));
    assert_eq!(image[32768..], src[32768..]);
}
