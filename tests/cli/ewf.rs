//! `evidentia acquire NAME.E01` and `hash NAME.E01 --media` on E01 sets
//! made at test time by the real `ewfacquire` (Debian ewf-tools): every
//! format and compression it writes, several segment sizes, media with
//! zero runs and random data. The image must equal the source byte for
//! byte, the hashes must equal coreutils' over the source and ewfverify's
//! "calculated" values, and the header's case metadata must be recorded.
//! Damaged sets are in `ewf_damage.rs`.

use crate::bundle::{examiner, trust};
use crate::harness::{Env, Run, peer, run_peer};
use evidentia::acquire::{AcquisitionRecord, read_record};
use evidentia::model::acquisition_ewf::{EwfOutcome, EwfSource, NO_STORED_HASH};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The source media: 1 MiB pseudo-random, 1 MiB of zeros, 1 MiB
/// pseudo-random and a short tail of 1536 pseudo-random bytes (so the
/// last chunk is short). Deterministic: SHA-256 of a counter.
pub(crate) fn media() -> Vec<u8> {
    let mut random = Vec::with_capacity((2 << 20) + 1536);
    let mut c = 0u64;
    while random.len() < (2 << 20) + 1536 {
        use sha2::Digest;
        random.extend_from_slice(&sha2::Sha256::digest(c.to_le_bytes()));
        c += 1;
    }
    let mut m = random[..1 << 20].to_vec();
    m.extend(std::iter::repeat_n(0u8, 1 << 20));
    m.extend_from_slice(&random[1 << 20..(2 << 20) + 1536]);
    m
}

/// Chunk size of every set made here (ewfacquire's default, 64 sectors).
pub(crate) const CHUNK: u64 = 32768;

/// Writes `media()` to `src.raw` (once) and runs `ewfacquire` on it into
/// `NAME.E01...` in the scratch directory with the given format,
/// compression level (`fast`, `best`, `none`) and segment size, `-d sha1`
/// and fixed case metadata, plus `extra`. `None` (a skip) without
/// ewf-tools.
pub(crate) fn make_set(
    env: &Env,
    name: &str,
    format: &str,
    level: &str,
    segment: &str,
    extra: &[&str],
) -> Option<PathBuf> {
    let tool = peer("ewfacquire")?;
    let src = env.path().join("src.raw");
    if !src.exists() {
        std::fs::write(&src, media()).unwrap();
    }
    let compression = format!("deflate:{level}");
    let mut args = vec![
        "-u",
        "-q",
        "-t",
        name,
        "-f",
        format,
        "-c",
        &compression,
        "-S",
        segment,
        "-d",
        "sha1",
        "-C",
        "CASE-20",
        "-E",
        "EV-1",
        "-D",
        "E01 test set",
        "-e",
        "Eva Examiner",
        "-N",
        "made by ewfacquire",
    ];
    args.extend_from_slice(extra);
    args.push("src.raw");
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let out = run_peer(&tool, &args, env.path());
    assert!(
        out.status.success(),
        "ewfacquire {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(env.path().join(format!("{name}.E01")))
}

/// The segment files of set `name` in the scratch directory, in order.
pub(crate) fn segments(dir: &Path, name: &str) -> Vec<PathBuf> {
    (1..)
        .map(|n| dir.join(format!("{name}.E{n:02}")))
        .take_while(|p| p.exists())
        .collect()
}

/// `evidentia acquire FIRST --out OUT EXTRA...`.
pub(crate) fn acquire(env: &Env, first: &Path, out: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        OsStr::new("acquire"),
        first.as_os_str(),
        OsStr::new("--out"),
        OsStr::new(out),
    ];
    args.extend(extra.iter().map(OsStr::new));
    env.run(args)
}

/// The record (parsed strictly) and its `source.ewf` block.
pub(crate) fn ewf_record(dir: &Path) -> (AcquisitionRecord, EwfSource) {
    let rec = read_record(dir).expect("acquisition.json parses strictly");
    assert_eq!(rec.source.format.as_deref(), Some("ewf"));
    let ewf = rec.source.ewf.clone().expect("a source.ewf block");
    (rec, ewf)
}

/// The first word `tool FILE` prints (a coreutils digest); `None` (a skip)
/// when the tool is missing.
pub(crate) fn peer_digest(tool: &str, file: &Path) -> Option<String> {
    let t = peer(tool)?;
    let out = run_peer(&t, &[file.as_os_str()], Path::new("/"));
    assert!(out.status.success(), "{tool} failed");
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
    )
}

/// ewfverify's "MD5 hash calculated over data" and "SHA1 hash calculated
/// over data" values (the SHA-1 only when it computes one), and its exit
/// code. `None` (a skip) without ewfverify.
pub(crate) fn ewfverify(first: &Path) -> Option<(i32, String, Option<String>)> {
    let tool = peer("ewfverify")?;
    let args = [
        OsStr::new("-q"),
        OsStr::new("-d"),
        OsStr::new("sha1"),
        first.as_os_str(),
    ];
    let out = run_peer(&tool, &args, Path::new("/"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let value = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l.split_whitespace().last())
            .map(str::to_string)
    };
    let md5 = value("MD5 hash calculated over data:").unwrap_or_else(|| panic!("{text}"));
    let sha1 = value("SHA1 hash calculated over data:");
    Some((out.status.code().unwrap_or(-1), md5, sha1))
}

/// One set acquired and checked against the source and the peers.
fn check_set(format: &str, level: &str, segment: &str, stores_sha1: bool) {
    let env = Env::new();
    let Some(first) = make_set(&env, "set", format, level, segment, &[]) else {
        return;
    };
    let src = env.path().join("src.raw");
    let files = segments(env.path(), "set");
    let r = acquire(&env, &first, "acq", &["--algo", "sha256,blake3"]);
    r.expect_code(0);
    let what = format!("{format} {level} {segment}");
    let dir = env.path().join("acq");
    let image = std::fs::read(dir.join("image.raw")).unwrap();
    assert!(
        image == media(),
        "{what}: image.raw differs from the source"
    );
    let (rec, ewf) = ewf_record(&dir);
    assert!(rec.complete, "{what}");
    assert_eq!(rec.image.size, media().len() as u64);
    assert_eq!(
        rec.hash_coverage,
        evidentia::model::acquisition::HASH_COVERAGE_EWF
    );
    // The user's algorithms, MD5 always, SHA-1 when stored.
    let mut algos: Vec<&str> = rec.hashes.keys().map(String::as_str).collect();
    algos.sort_unstable();
    let want: &[&str] = if stores_sha1 {
        &["blake3", "md5", "sha1", "sha256"]
    } else {
        &["blake3", "md5", "sha256"]
    };
    assert_eq!(algos, want, "{what}");
    for (algo, tool) in [
        ("md5", "md5sum"),
        ("sha1", "sha1sum"),
        ("sha256", "sha256sum"),
    ] {
        if let (Some(ours), Some(theirs)) = (rec.hashes.get(algo), peer_digest(tool, &src)) {
            assert_eq!(ours, &theirs, "{what}: {algo}");
        }
    }
    if let Some((code, md5, sha1)) = ewfverify(&first) {
        assert_eq!(code, 0, "{what}: ewfverify");
        assert_eq!(rec.hashes["md5"], md5, "{what}: ewfverify's MD5");
        if let Some(sha1) = sha1.filter(|_| stores_sha1) {
            assert_eq!(rec.hashes["sha1"], sha1, "{what}: ewfverify's SHA-1");
        }
    }
    // The set as read.
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let recorded: Vec<&str> = ewf.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(recorded, names, "{what}");
    for (s, p) in ewf.segments.iter().zip(&files) {
        assert_eq!(s.size, std::fs::metadata(p).unwrap().len());
        assert_eq!(s.sha256, None, "{what}: not kept, no SHA-256");
    }
    assert_eq!(ewf.bytes_per_sector, 512);
    assert_eq!(ewf.sectors_per_chunk, 64);
    assert_eq!(ewf.sector_count, media().len() as u64 / 512);
    assert_eq!(ewf.chunk_count, (media().len() as u64).div_ceil(CHUNK));
    if format == "ftk" {
        // ftk sets store 0 (none) as the volume's compression level
        // whatever the chunks are; the header's `r` key has the level.
        let expected = match level {
            "none" => "none".to_string(),
            l => format!("{l} (from the header's r key; the volume section says none)"),
        };
        assert_eq!(ewf.compression, expected, "{what}");
    } else {
        assert_eq!(ewf.compression, level, "{what}");
    }
    assert_eq!(ewf.set_identifier, "0".repeat(32), "ewfacquire writes none");
    assert!(ewf.acquisition_errors.is_empty());
    let i = &ewf.integrity;
    assert_eq!(i.outcome, EwfOutcome::Verified, "{what}");
    assert_eq!(i.media_bytes_read, media().len() as u64);
    assert_eq!(i.chunks_checked, ewf.chunk_count);
    assert_eq!((i.chunks_failed, i.chunk_errors.len()), (0, 0));
    let md5 = i.md5.as_ref().expect("the stored MD5 compared");
    assert!(md5.matches && md5.stored == md5.computed && md5.computed == rec.hashes["md5"]);
    assert_eq!(ewf.stored_hashes.md5.as_deref(), Some(md5.stored.as_str()));
    assert_eq!(i.sha1.is_some(), stores_sha1, "{what}");
    assert_eq!(ewf.stored_hashes.sha1.is_some(), stores_sha1, "{what}");
    if let Some(sha1) = &i.sha1 {
        assert!(sha1.matches && sha1.computed == rec.hashes["sha1"]);
    }
    assert!(rec.bad_sectors.ranges.is_empty());
    let out = r.stdout_str();
    assert!(out.contains("EWF: verified"), "{what}: {out}");
    assert!(
        out.contains(&md5.stored),
        "{what}: the stored MD5 shown: {out}"
    );
}

#[test]
fn encase6_fast_best_and_none_read_byte_exact() {
    check_set("encase6", "fast", "1MiB", true);
    check_set("encase6", "best", "1MiB", true);
    check_set("encase6", "none", "1MiB", true);
}

#[test]
fn segment_sizes_from_one_to_one_segment() {
    check_set("encase6", "none", "2MiB", true);
    check_set("encase6", "fast", "3MiB", true);
    // One segment: the whole set in NAME.E01.
    check_set("encase6", "none", "64MiB", true);
}

#[test]
fn ftk_encase5_and_linen6_read_byte_exact() {
    // FTK and EnCase 5 sets store only an MD5 (ewfacquire's -d sha1 is
    // computed, not written); linen 6 stores both.
    check_set("ftk", "fast", "1MiB", false);
    check_set("ftk", "none", "1MiB", false);
    check_set("encase5", "best", "1MiB", false);
    check_set("linen6", "fast", "1MiB", true);
}

/// The header's values, and how its text was decoded.
#[test]
fn header_metadata_is_recorded_with_its_encoding() {
    let env = Env::new();
    let Some(first) = make_set(&env, "e6", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    acquire(&env, &first, "acq", &[]).expect_code(0);
    let (_, ewf) = ewf_record(&env.path().join("acq"));
    let h = ewf.header.expect("a header");
    assert_eq!(
        (h.section.as_str(), h.encoding.as_str()),
        ("header2", "utf-16le")
    );
    assert_eq!(h.case_number.as_deref(), Some("CASE-20"));
    assert_eq!(h.evidence_number.as_deref(), Some("EV-1"));
    assert_eq!(h.description.as_deref(), Some("E01 test set"));
    assert_eq!(h.examiner.as_deref(), Some("Eva Examiner"));
    assert_eq!(h.notes.as_deref(), Some("made by ewfacquire"));
    assert_eq!(h.software.as_deref(), Some("20140813"));
    assert_eq!(h.os.as_deref(), Some("Linux"));
    // header2 stores POSIX seconds: the moment is known, in UTC, and is
    // within a day of now.
    let date = h.acquisition_date.expect("an acquisition date");
    let secs: u64 = date.given.parse().expect("header2 dates are seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs.abs_diff(now) < 86_400, "{date:?}");
    let utc = date.utc.expect("a UTC form");
    assert!(utc.ends_with('Z') && utc.len() == 20, "{utc}");
    assert!(h.system_date.is_some());
    let log = std::fs::read_to_string(env.path().join("acq/acquisition.txt")).unwrap();
    for v in ["CASE-20", "EV-1", "Eva Examiner", "E01 test set"] {
        assert!(log.contains(v), "the human log names {v}:\n{log}");
    }

    // FTK writes no header2: the ASCII header, local time with no zone.
    let Some(first) = make_set(&env, "ftk", "ftk", "fast", "1MiB", &[]) else {
        return;
    };
    acquire(&env, &first, "acq-ftk", &[]).expect_code(0);
    let (_, ewf) = ewf_record(&env.path().join("acq-ftk"));
    let h = ewf.header.expect("a header");
    assert_eq!(
        (h.section.as_str(), h.encoding.as_str()),
        ("header", "ascii")
    );
    assert_eq!(h.case_number.as_deref(), Some("CASE-20"));
    let date = h.acquisition_date.expect("an acquisition date");
    assert_eq!(date.utc, None, "a header date has no zone: {date:?}");
    assert!(date.local_no_zone.is_some(), "{date:?}");
}

/// `-A windows-1252` with non-ASCII values: header2 holds them as UTF-16;
/// the FTK format has only the codepage header, whose codepage the file
/// does not name: recorded as assumed.
#[test]
fn a_windows_1252_header_is_decoded_and_its_codepage_recorded_as_assumed() {
    let env = Env::new();
    let extra = [
        "-A",
        "windows-1252",
        "-C",
        "Café-1",
        "-E",
        "Ev€",
        "-e",
        "Jürgen",
    ];
    let Some(e6) = make_set(&env, "e6", "encase6", "fast", "1MiB", &extra) else {
        return;
    };
    let ftk = make_set(&env, "ftk", "ftk", "fast", "1MiB", &extra).unwrap();
    acquire(&env, &e6, "a6", &[]).expect_code(0);
    acquire(&env, &ftk, "aftk", &[]).expect_code(0);
    let (_, ewf) = ewf_record(&env.path().join("a6"));
    let h = ewf.header.unwrap();
    assert_eq!(
        (h.section.as_str(), h.encoding.as_str()),
        ("header2", "utf-16le")
    );
    assert_eq!(h.case_number.as_deref(), Some("Café-1"));
    assert_eq!(h.evidence_number.as_deref(), Some("Ev€"));
    assert_eq!(h.examiner.as_deref(), Some("Jürgen"));
    let (_, ewf) = ewf_record(&env.path().join("aftk"));
    let h = ewf.header.unwrap();
    assert_eq!(h.section, "header");
    assert!(
        h.encoding.starts_with("windows-1252") && h.encoding.contains("assumed"),
        "{}",
        h.encoding
    );
    assert_eq!(h.case_number.as_deref(), Some("Café-1"));
    assert_eq!(h.evidence_number.as_deref(), Some("Ev€"));
}

/// `--keep-original`: the segments copied byte for byte beside the
/// record with their SHA-256, and the image written too.
#[test]
fn keep_original_copies_the_segments_with_their_sha256() {
    let env = Env::new();
    let Some(first) = make_set(&env, "orig", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    acquire(&env, &first, "acq", &["--keep-original"]).expect_code(0);
    let dir = env.path().join("acq");
    let (rec, ewf) = ewf_record(&dir);
    let files = segments(env.path(), "orig");
    assert!(files.len() >= 3);
    assert_eq!(ewf.segments.len(), files.len());
    for (s, p) in ewf.segments.iter().zip(&files) {
        let copy = dir.join(&s.name);
        assert!(
            std::fs::read(&copy).unwrap() == std::fs::read(p).unwrap(),
            "{} is not a byte-identical copy",
            s.name
        );
        if let Some(d) = peer_digest("sha256sum", &copy) {
            assert_eq!(s.sha256.as_deref(), Some(d.as_str()), "{}", s.name);
        }
    }
    assert!(std::fs::read(dir.join("image.raw")).unwrap() == media());
    assert_eq!(rec.image.format, "raw");
    assert_eq!(ewf.integrity.outcome, EwfOutcome::Verified);
}

/// `--no-image`: only the segments; the hashes are still the media's.
#[test]
fn no_image_keeps_only_the_segments_and_hashes_the_media() {
    let env = Env::new();
    let Some(first) = make_set(&env, "orig", "encase6", "best", "1MiB", &[]) else {
        return;
    };
    acquire(&env, &first, "acq", &["--no-image"]).expect_code(0);
    let dir = env.path().join("acq");
    let (rec, ewf) = ewf_record(&dir);
    assert!(!dir.join("image.raw").exists());
    assert_eq!(rec.image.format, "none");
    assert!(rec.image.segments.is_empty());
    assert_eq!(rec.image.size, 0);
    assert_eq!(
        rec.hash_coverage,
        evidentia::model::acquisition::HASH_COVERAGE_EWF_NO_IMAGE
    );
    if let Some(md5) = peer_digest("md5sum", &env.path().join("src.raw")) {
        assert_eq!(rec.hashes["md5"], md5);
    }
    for s in &ewf.segments {
        assert!(
            s.sha256.is_some() && dir.join(&s.name).is_file(),
            "{}",
            s.name
        );
    }
    assert_eq!(ewf.integrity.outcome, EwfOutcome::Verified);
}

/// `hash NAME.E01 --media` gives the media's hashes, as acquire does, and
/// writes nothing.
#[test]
fn hash_media_agrees_with_acquire_and_writes_nothing() {
    let env = Env::new();
    let Some(first) = make_set(&env, "h", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    let before = std::fs::read_dir(env.path()).unwrap().count();
    let r = env.run([
        OsStr::new("hash"),
        first.as_os_str(),
        OsStr::new("--media"),
        OsStr::new("--algo"),
        OsStr::new("sha256,md5"),
    ]);
    r.expect_code(0);
    assert_eq!(std::fs::read_dir(env.path()).unwrap().count(), before);
    let json = env.run([
        OsStr::new("--json"),
        OsStr::new("hash"),
        first.as_os_str(),
        OsStr::new("--media"),
    ]);
    json.expect_code(0);
    acquire(&env, &first, "acq", &[]).expect_code(0);
    let (rec, _) = ewf_record(&env.path().join("acq"));
    for algo in ["sha256", "md5", "sha1"] {
        assert!(
            r.stdout_str().contains(&rec.hashes[algo]),
            "hash --media text has {algo}:\n{}",
            r.stdout_str()
        );
    }
    // Every line of the JSON output parses; together they carry the hashes.
    let text = json.stdout_str();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    for algo in ["sha256", "blake3", "md5", "sha1"] {
        assert!(text.contains(&rec.hashes[algo]), "{algo} in {text}");
    }
}

/// The manifest items of `bundle`, read with the project's reader.
pub(crate) fn manifest_items(bundle: &Path) -> Value {
    let (archive, _) = evidentia::bundle::Archive::open(bundle).unwrap();
    let e = archive
        .entries()
        .find(|e| e.name.ends_with("/evidentia/manifest.json"))
        .expect("manifest.json");
    let data = archive.read_small(&e, 1 << 24).unwrap();
    serde_json::from_slice::<Value>(&data).unwrap()["items"].clone()
}

/// An EWF acquisition directory with its originals seals and verifies; the
/// item lists the kept segments.
#[test]
fn an_ewf_acquisition_with_originals_seals_and_verifies() {
    let env = Env::new();
    let key = examiner(&env, "Eva Examiner");
    trust(&env, &key);
    let Some(first) = make_set(&env, "orig", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    let n = segments(env.path(), "orig").len();
    acquire(&env, &first, "acq", &["--keep-original", "--item", "E01-1"]).expect_code(0);
    env.run(["seal", "acq", "--out", "b.zip", "--case", "C-20"])
        .expect_code(0);
    let v = env.run(["verify", "b.zip"]);
    v.expect_code(0);
    assert!(v.stdout_str().contains("VERIFIED"), "{}", v.stdout_str());
    let items = manifest_items(&env.path().join("b.zip"));
    assert_eq!(items[0]["item"], "E01-1");
    assert_eq!(items[0]["image"][0], "data/acq/image.raw");
    let originals: Vec<String> = (1..=n).map(|i| format!("data/acq/orig.E{i:02}")).collect();
    assert_eq!(items[0]["originals"], serde_json::json!(originals));

    // And in one step, with --no-image.
    let r = acquire(
        &env,
        &first,
        "acq2",
        &["--no-image", "--case", "C-20", "--seal", "c.zip"],
    );
    r.expect_code(0);
    env.run(["verify", "c.zip"]).expect_code(0);
    let items = manifest_items(&env.path().join("c.zip"));
    assert_eq!(items[0]["image"], serde_json::json!([]));
    assert_eq!(items[0]["originals"].as_array().map(Vec::len), Some(n));
}

/// A set with no stored hash is read, said to be unverifiable, recorded
/// as such, and exits 0. (Made by removing the hash sections: see
/// `ewf_damage::strip_stored_hashes`.)
#[test]
fn a_set_without_a_stored_hash_is_read_and_said_unverifiable() {
    let env = Env::new();
    let Some(first) = make_set(&env, "nh", "encase6", "fast", "1MiB", &[]) else {
        return;
    };
    let last = segments(env.path(), "nh").pop().unwrap();
    crate::ewf_damage::strip_stored_hashes(&last);
    let r = acquire(&env, &first, "acq", &[]);
    r.expect_code(0);
    assert!(r.stderr.contains(NO_STORED_HASH), "{}", r.stderr);
    let (rec, ewf) = ewf_record(&env.path().join("acq"));
    assert!(std::fs::read(env.path().join("acq/image.raw")).unwrap() == media());
    assert_eq!(ewf.integrity.outcome, EwfOutcome::NoStoredHash);
    assert_eq!(ewf.integrity.statement, NO_STORED_HASH);
    assert_eq!(
        (ewf.integrity.md5.as_ref(), ewf.integrity.sha1.as_ref()),
        (None, None)
    );
    assert_eq!(ewf.stored_hashes.md5, None);
    assert!(rec.hashes.contains_key("md5"), "MD5 computed all the same");
    assert_eq!(ewf.integrity.chunks_checked, ewf.chunk_count);
}
