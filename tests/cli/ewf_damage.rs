//! Damaged E01 sets (made by the real `ewfacquire`, then changed here
//! byte by byte, with the layout of libyal/libewf's "Expert Witness
//! Compression Format"): each must give the exit code and the message
//! `acquire` promises. A chunk that fails its check is exit 1 and the run
//! goes on; a structural problem is exit 2, naming the file, with nothing
//! written. Then three attacks by someone without the examiner's key on an
//! EWF acquisition directory and its sealed bundle.

use crate::bundle::{examiner, find, rewrite, trust};
use crate::ewf::{CHUNK, acquire, ewf_record, make_set, media, segments};
use crate::harness::{Env, Run};
use evidentia::model::acquisition_ewf::EwfOutcome;
use std::path::Path;

/// Adler-32 (RFC 1950), as the format uses for every checksum.
fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn le32(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(d[at..at + 4].try_into().unwrap())
}

fn le64(d: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(d[at..at + 8].try_into().unwrap())
}

/// A section of a segment file: type and descriptor offset.
struct Section {
    kind: String,
    offset: usize,
}

/// The sections of one segment file, in chain order.
fn sections(d: &[u8]) -> Vec<Section> {
    let mut out = Vec::new();
    let mut off = 13;
    while off + 76 <= d.len() {
        let kind = String::from_utf8_lossy(&d[off..off + 16])
            .trim_end_matches('\0')
            .to_string();
        let next = le64(d, off + 16) as usize;
        out.push(Section { kind, offset: off });
        if next <= off {
            break;
        }
        off = next;
    }
    out
}

fn section<'a>(secs: &'a [Section], kind: &str) -> &'a Section {
    secs.iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} section"))
}

/// The table entries of one segment: (file offset of the chunk, compressed).
fn chunk_table(d: &[u8]) -> Vec<(usize, bool)> {
    let t = section(&sections(d), "table").offset + 76;
    let (n, base) = (le32(d, t) as usize, le64(d, t + 8) as usize);
    (0..n)
        .map(|i| {
            let e = le32(d, t + 24 + 4 * i);
            (base + (e & 0x7fff_ffff) as usize, e & 0x8000_0000 != 0)
        })
        .collect()
}

/// Removes the `digest` and `hash` sections of a set's last segment (they
/// end it, before `done`) and writes a new `done` section where they were:
/// a set that stores no hash, every other checksum intact.
pub(crate) fn strip_stored_hashes(last: &Path) {
    let mut d = std::fs::read(last).unwrap();
    let secs = sections(&d);
    let cut = secs
        .iter()
        .find(|s| s.kind == "digest" || s.kind == "hash")
        .expect("a hash section")
        .offset;
    d.truncate(cut);
    let mut desc = b"done".to_vec();
    desc.resize(16, 0);
    desc.extend((cut as u64).to_le_bytes()); // next: itself
    desc.extend(0u64.to_le_bytes()); // size: 0, as EnCase writes
    desc.resize(72, 0);
    let sum = adler32(&desc);
    desc.extend(sum.to_le_bytes());
    d.extend(desc);
    std::fs::write(last, d).unwrap();
}

/// Changes the stored hash(es) at `field` (0: MD5 in `hash` and `digest`;
/// 16: SHA-1 in `digest`) and fixes the sections' Adler-32, so that only
/// the value is wrong.
fn change_stored_hash(last: &Path, field: usize) {
    let mut d = std::fs::read(last).unwrap();
    for s in sections(&d) {
        let body = s.offset + 76;
        let sum_at = match s.kind.as_str() {
            "hash" if field == 0 => 32,
            "digest" => 76,
            _ => continue,
        };
        d[body + field] ^= 0x01;
        let sum = adler32(&d[body..body + sum_at]);
        d[body + sum_at..body + sum_at + 4].copy_from_slice(&sum.to_le_bytes());
    }
    std::fs::write(last, d).unwrap();
}

fn flip(path: &Path, at: usize) {
    let mut d = std::fs::read(path).unwrap();
    d[at] ^= 0x01;
    std::fs::write(path, d).unwrap();
}

/// A structural refusal: exit 2, stderr naming `file` (and each of
/// `words`), and the output directory not created.
#[track_caller]
fn refused(env: &Env, r: &Run, out: &str, file: &str, words: &[&str]) {
    r.expect_code(2);
    assert!(r.stderr.contains(file), "stderr names {file}: {}", r.stderr);
    for w in words {
        assert!(r.stderr.contains(w), "stderr says {w:?}: {}", r.stderr);
    }
    assert!(
        !env.path().join(out).exists(),
        "{out} created for a refused set"
    );
}

/// A byte flipped in an uncompressed chunk: exit 1, the chunk named with
/// its media range and Adler-32 values, zero-filled in the image and
/// listed as bad; every other chunk intact.
#[test]
fn a_flipped_byte_in_an_uncompressed_chunk_fails_that_chunk_only() {
    let env = Env::new();
    let Some(first) = make_set(&env, "u", "encase6", "none", "1MiB", &[]) else {
        return;
    };
    let d = std::fs::read(&first).unwrap();
    let (at, compressed) = chunk_table(&d)[5];
    assert!(!compressed);
    flip(&first, at + 100);
    let r = acquire(&env, &first, "acq", &[]);
    r.expect_code(1);
    let (start, end) = (5 * CHUNK, 6 * CHUNK);
    // The chunk, its media bytes (inclusive), the file, the values.
    let line = format!(
        "chunk 5 (bytes {start}-{}) in u.E01: Adler-32 expected ",
        end - 1
    );
    assert!(r.stderr.contains(&line), "{line:?} in {}", r.stderr);
    assert!(r.stderr.contains(", actual "), "{}", r.stderr);
    assert!(r.stdout_str().contains("EWF: FAILED"), "{}", r.stdout_str());
    let dir = env.path().join("acq");
    let (rec, ewf) = ewf_record(&dir);
    let i = &ewf.integrity;
    assert_eq!(i.outcome, EwfOutcome::Failed);
    assert_eq!((i.chunks_failed, i.chunk_errors.len()), (1, 1));
    let e = &i.chunk_errors[0];
    assert_eq!((e.chunk, e.range.offset, e.range.length), (5, start, CHUNK));
    assert_eq!(e.segment, "u.E01");
    assert!(e.problem.contains("Adler-32"), "{}", e.problem);
    assert_eq!(i.chunks_checked, ewf.chunk_count, "the run went on");
    assert!(i.md5.as_ref().is_some_and(|m| !m.matches));
    let ranges: Vec<(u64, u64)> = rec
        .bad_sectors
        .ranges
        .iter()
        .map(|r| (r.offset, r.length))
        .collect();
    assert_eq!(ranges, [(start, CHUNK)]);
    let image = std::fs::read(dir.join("image.raw")).unwrap();
    let src = media();
    assert_eq!(image.len(), src.len());
    let (s, e) = (start as usize, end as usize);
    assert!(
        image[..s] == src[..s] && image[e..] == src[e..],
        "other chunks intact"
    );
    assert!(
        image[s..e].iter().all(|&b| b == 0),
        "the bad chunk zero-filled"
    );
    let map = std::fs::read_to_string(dir.join("image.map")).unwrap();
    assert!(
        map.contains(&format!("0x{start:08X}  0x{CHUNK:08X}  -")),
        "{map}"
    );
}

/// A byte flipped inside the deflate data of a compressed chunk (a chunk
/// of zeros, the only ones ewfacquire compresses): exit 1 naming it.
#[test]
fn a_flipped_byte_in_deflate_data_fails_that_chunk() {
    let env = Env::new();
    let Some(first) = make_set(&env, "c", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    // The first compressed chunk, counting chunks across segments.
    let mut index = 0;
    let mut hit = None;
    for seg in segments(env.path(), "c") {
        let d = std::fs::read(&seg).unwrap();
        let table = chunk_table(&d);
        if let Some(k) = table.iter().position(|c| c.1) {
            let end = table.get(k + 1).map_or(d.len(), |c| c.0);
            hit = Some((seg, index + k, table[k].0, end));
            break;
        }
        index += table.len();
    }
    let (seg, chunk, start, end) = hit.expect("a compressed chunk");
    flip(&seg, start + (end - start) / 2);
    let r = acquire(&env, &first, "acq", &[]);
    r.expect_code(1);
    let name = seg.file_name().unwrap().to_string_lossy().into_owned();
    let at = chunk as u64 * CHUNK;
    let line = format!("chunk {chunk} (bytes {at}-{}) in {name}: ", at + CHUNK - 1);
    assert!(r.stderr.contains(&line), "{line:?} in {}", r.stderr);
    let (_, ewf) = ewf_record(&env.path().join("acq"));
    let e = &ewf.integrity.chunk_errors;
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].chunk, e[0].segment.as_str()),
        (chunk as u64, name.as_str())
    );
    assert_eq!(ewf.integrity.outcome, EwfOutcome::Failed);
}

/// The stored MD5 changed in `hash` and `digest` with their checksums
/// fixed: every chunk checks, the recomputed MD5 does not match.
#[test]
fn a_changed_stored_md5_or_sha1_does_not_match() {
    let env = Env::new();
    let Some(first) = make_set(&env, "m", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    let last = segments(env.path(), "m").pop().unwrap();
    change_stored_hash(&last, 0);
    let r = acquire(&env, &first, "acq", &[]);
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("stored md5 in the E01 does not match the media: stored "),
        "{}",
        r.stderr
    );
    let (rec, ewf) = ewf_record(&env.path().join("acq"));
    let md5 = ewf.integrity.md5.as_ref().unwrap();
    assert!(!md5.matches && md5.computed == rec.hashes["md5"]);
    assert!(
        r.stderr.contains(&format!("computed {}", md5.computed)),
        "{}",
        r.stderr
    );
    assert!(ewf.integrity.sha1.as_ref().unwrap().matches);
    assert_eq!(ewf.integrity.outcome, EwfOutcome::Failed);
    assert_eq!(ewf.integrity.chunks_failed, 0);
    assert!(std::fs::read(env.path().join("acq/image.raw")).unwrap() == media());

    // SHA-1 alone.
    let Some(first) = make_set(&env, "s", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    let last = segments(env.path(), "s").pop().unwrap();
    change_stored_hash(&last, 16);
    let r = acquire(&env, &first, "acq-s", &[]);
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("stored sha1 in the E01 does not match the media"),
        "{}",
        r.stderr
    );
    let (_, ewf) = ewf_record(&env.path().join("acq-s"));
    assert!(ewf.integrity.md5.as_ref().unwrap().matches);
    assert!(!ewf.integrity.sha1.as_ref().unwrap().matches);
    assert_eq!(ewf.integrity.outcome, EwfOutcome::Failed);

    // `hash --media` gives the same verdict and writes nothing.
    let r = env.run([
        std::ffi::OsStr::new("hash"),
        first.as_os_str(),
        std::ffi::OsStr::new("--media"),
    ]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("stored sha1 in the E01 does not match"),
        "{}",
        r.stderr
    );
}

/// A padding byte of the volume section's descriptor: exit 2 naming the
/// file and the descriptor's offset.
#[test]
fn a_damaged_section_descriptor_is_refused_naming_file_and_offset() {
    let env = Env::new();
    let Some(first) = make_set(&env, "d", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    let d = std::fs::read(&first).unwrap();
    let at = section(&sections(&d), "volume").offset;
    flip(&first, at + 40);
    let r = acquire(&env, &first, "acq", &[]);
    refused(&env, &r, "acq", "d.E01", &[&format!("offset {at}")]);
}

/// Segment numbering, a missing middle segment, an extra segment, a
/// truncated last segment: exit 2, naming the file; nothing written.
#[test]
fn segment_set_damage_is_refused_naming_the_file() {
    let env = Env::new();
    let Some(first) = make_set(&env, "n", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    let files = segments(env.path(), "n");
    assert_eq!(files.len(), 3, "{files:?}");
    let keep: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let restore = || {
        for (f, d) in files.iter().zip(&keep) {
            std::fs::write(f, d).unwrap();
        }
    };
    // E02 says it is segment 3.
    let mut d = keep[1].clone();
    d[9] = 3;
    std::fs::write(&files[1], d).unwrap();
    let r = acquire(&env, &first, "a1", &[]);
    refused(&env, &r, "a1", "n.E02", &["segment number 3"]);
    restore();
    // The middle segment removed.
    std::fs::remove_file(&files[1]).unwrap();
    let r = acquire(&env, &first, "a2", &[]);
    refused(&env, &r, "a2", "n.E02", &["missing"]);
    restore();
    // An extra segment after the last (a copy of it).
    let extra = env.path().join(format!("n.E{:02}", files.len() + 1));
    std::fs::write(&extra, keep.last().unwrap()).unwrap();
    let r = acquire(&env, &first, "a3", &[]);
    let name = extra.file_name().unwrap().to_string_lossy().into_owned();
    refused(&env, &r, "a3", &name, &["extra"]);
    std::fs::remove_file(&extra).unwrap();
    // The last segment cut short.
    let last = files.last().unwrap();
    let cut = &keep.last().unwrap()[..keep.last().unwrap().len() / 2];
    std::fs::write(last, cut).unwrap();
    let r = acquire(&env, &first, "a4", &[]);
    let name = last.file_name().unwrap().to_string_lossy().into_owned();
    refused(&env, &r, "a4", &name, &[]);
    restore();
    // Given the second segment instead of the first.
    let r = acquire(&env, &files[1], "a5", &[]);
    refused(&env, &r, "a5", "n.E02", &["first segment"]);
    // Intact again: reads.
    acquire(&env, &first, "a6", &[]).expect_code(0);
}

/// A segment from another set: with other settings (compression level)
/// its `data` section differs from the volume: exit 2 naming it. With the
/// same settings (ewfacquire writes no set identifier) only the stored
/// hash can tell: exit 1, does not match.
#[test]
fn a_segment_from_another_set_is_refused_or_fails_the_stored_hash() {
    let env = Env::new();
    let Some(first) = make_set(&env, "a", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    make_set(&env, "b", "encase6", "best", "1MiB", &[]).unwrap();
    let e02 = env.path().join("a.E02");
    let keep = std::fs::read(&e02).unwrap();
    std::fs::copy(env.path().join("b.E02"), &e02).unwrap();
    let r = acquire(&env, &first, "acq", &[]);
    refused(&env, &r, "acq", "a.E02", &[]);
    std::fs::write(&e02, &keep).unwrap();

    // Same settings, other content: a byte changed in chunk 31, a random
    // chunk in E02, so that the layout stays the same.
    let sub = Env::new();
    let mut m = media();
    m[31 * CHUNK as usize + 100] ^= 0xff;
    std::fs::write(sub.path().join("src.raw"), &m).unwrap();
    make_set(&sub, "a", "encase6", "fast", "1MiB", &[]).unwrap();
    std::fs::copy(sub.path().join("a.E02"), &e02).unwrap();
    let r = acquire(&env, &first, "acq2", &[]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("does not match the media"),
        "{}",
        r.stderr
    );
}

// Attacks without the examiner's key on an EWF acquisition.

/// An acquisition with kept originals, and the examiner's trusted key.
fn kept(env: &Env) -> Option<()> {
    let key = examiner(env, "Eva Examiner");
    trust(env, &key);
    let first = make_set(env, "k", "encase6", "fast", "1MiB", &[])?;
    acquire(env, &first, "acq", &["--keep-original"]).expect_code(0);
    Some(())
}

/// A kept original swapped after the acquisition, before the seal: the
/// seal refuses it (its SHA-256 is not the one recorded), exit 1.
#[test]
fn a_kept_original_swapped_before_the_seal_is_caught() {
    let env = Env::new();
    if kept(&env).is_none() {
        return;
    }
    // A segment from a set of the same settings and other content, so
    // that nothing structural differs.
    let mut m = media();
    m[0] ^= 0xff;
    let sub = Env::new();
    std::fs::write(sub.path().join("src.raw"), &m).unwrap();
    make_set(&sub, "k", "encase6", "fast", "1MiB", &[]).unwrap();
    std::fs::copy(sub.path().join("k.E01"), env.path().join("acq/k.E01")).unwrap();
    let s = env.run(["seal", "acq", "--out", "b.zip", "--case", "C-20"]);
    s.expect_code(1);
    assert!(
        s.stderr
            .contains("k.E01 is not the E01 segment checked at acquisition"),
        "{}",
        s.stderr
    );
    assert!(!env.path().join("b.zip").exists(), "nothing sealed");
}

/// acquisition.json edited to claim `verified` for a set whose chunk
/// failed, then sealed: seal refuses it, because the claimed MD5 is not
/// the record's own image hash. (The record is unsigned until it is
/// sealed; an edit that rewrites every number consistently is a limit
/// stated in docs/acquisition.md.)
#[test]
fn a_record_edited_to_claim_verified_is_refused_at_seal() {
    let env = Env::new();
    let key = examiner(&env, "Eva Examiner");
    trust(&env, &key);
    let Some(first) = make_set(&env, "f", "encase6", "none", "1MiB", &[]) else {
        return;
    };
    let (at, _) = chunk_table(&std::fs::read(&first).unwrap())[3];
    flip(&first, at + 7);
    acquire(&env, &first, "acq", &["--keep-original"]).expect_code(1);
    let p = env.path().join("acq/acquisition.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    let i = &mut v["source"]["ewf"]["integrity"];
    i["outcome"] = "verified".into();
    i["chunks_failed"] = 0.into();
    i["chunk_errors"] = serde_json::json!([]);
    i["md5"]["matches"] = true.into();
    i["md5"]["computed"] = i["md5"]["stored"].clone();
    i["sha1"]["matches"] = true.into();
    i["sha1"]["computed"] = i["sha1"]["stored"].clone();
    v["bad_sectors"]["ranges"] = serde_json::json!([]);
    std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let s = env.run(["seal", "acq", "--out", "b.zip", "--case", "C-20"]);
    s.expect_code(1);
    assert!(
        s.stderr.contains("its E01 check does not hold together"),
        "{}",
        s.stderr
    );
    assert!(!env.path().join("b.zip").exists(), "nothing sealed");
}

/// A sealed bundle whose kept E01 member is replaced (by the same bytes
/// with one flipped): verify fails, naming the member.
#[test]
fn a_sealed_original_replaced_fails_verification() {
    let env = Env::new();
    if kept(&env).is_none() {
        return;
    }
    env.run(["seal", "acq", "--out", "b.zip", "--case", "C-20"])
        .expect_code(0);
    env.run(["verify", "b.zip"]).expect_code(0);
    let bad = env.path().join("bad.zip");
    rewrite(&env.path().join("b.zip"), &bad, |entries| {
        let d = find(entries, "/data/acq/k.E01");
        let n = d.len();
        d[n / 2] ^= 0x01;
    });
    let r = env.run(["verify", "bad.zip"]);
    r.expect_code(1);
    assert!(r.stdout_str().contains("k.E01"), "{}", r.stdout_str());
}
