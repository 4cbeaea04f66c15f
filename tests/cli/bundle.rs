//! seal and verify: bundles that stock tools accept (unzip, bagit.py), and
//! a tamper suite built at test time where every change is caught with its
//! specific reason while the clean bundle always verifies.

use crate::harness::{Env, Run, peer, run_peer};
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter};
use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

const TIME: &str = "2024-05-01T12:00:00Z";

/// Make an examiner key (unencrypted, for tests) and return its id.
pub(crate) fn examiner(env: &Env, name: &str) -> String {
    let args = [
        "--json",
        "key",
        "new",
        "--name",
        name,
        "--org",
        "Lab",
        "--country",
        "CZ",
        "--no-encrypt",
    ];
    let r = env.run(args);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    v["key_id"].as_str().unwrap().to_string()
}

/// Pin key `id` in the trust store.
pub(crate) fn trust(env: &Env, id: &str) {
    let r = env.run(["key", "export", id]);
    r.expect_code(0);
    let f = env.write(&format!("{id}.pub.json"), &r.stdout);
    env.run([OsStr::new("trust"), OsStr::new("add"), f.as_os_str()])
        .expect_code(0);
}

/// Evidence files and a trusted examiner key; returns the key id.
fn evidence(env: &Env) -> String {
    let id = examiner(env, "Jana Examiner");
    trust(env, &id);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &vec![7u8; 100_000]);
    env.write("ev/sub/empty", b"");
    env.write("ev/50% off", b"percent");
    id
}

fn seal(env: &Env, out: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec![
        "seal", "ev", "--out", out, "--case", "CASE-1", "--time", TIME,
    ];
    args.extend_from_slice(extra);
    env.run(&args).expect_code(0);
    env.path().join(out)
}

pub(crate) fn verify_json(env: &Env, bundle: &Path) -> (Run, Value) {
    let run = env.run([
        OsStr::new("verify"),
        OsStr::new("--json"),
        bundle.as_os_str(),
    ]);
    let v = serde_json::from_slice(&run.stdout).unwrap_or(Value::Null);
    (run, v)
}

fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                    (s("code"), s("path"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The bundle verifies: exit 0, no finding, the seal signed and trusted.
#[track_caller]
fn assert_clean(env: &Env, bundle: &Path) {
    let (run, v) = verify_json(env, bundle);
    run.expect_code(0);
    assert_eq!(v["verdict"], "verified");
    assert!(findings(&v).is_empty());
    assert_eq!(v["events"][0]["signature"], "trusted");
}

/// verify exits 1 and reports a finding with `code` about `path`.
#[track_caller]
fn assert_finding(env: &Env, bundle: &Path, code: &str, path: &str) {
    let (run, v) = verify_json(env, bundle);
    run.expect_code(1);
    let f = findings(&v);
    assert!(
        f.iter().any(|(c, p, _)| c == code && p == path),
        "wanted {code} on {path}, got {f:#?}"
    );
}

/// Unzip and run `bagit.py --validate`, and `unzip -t`.
pub(crate) fn stock_tools_accept(env: &Env, bundle: &Path, bag: &str) {
    if let Some(unzip) = peer("unzip") {
        let out = run_peer(&unzip, &[OsStr::new("-t"), bundle.as_os_str()], env.path());
        assert!(
            out.status.success(),
            "unzip -t: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let dir = env.path().join(format!("unzipped-{bag}"));
        std::fs::create_dir_all(&dir).unwrap();
        let out = run_peer(&unzip, &[OsStr::new("-q"), bundle.as_os_str()], &dir);
        assert!(out.status.success());
        if let Some(bagit) = peer("bagit.py") {
            let out = run_peer(&bagit, &[OsStr::new("--validate"), OsStr::new(bag)], &dir);
            assert!(
                out.status.success(),
                "bagit.py: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Rebuild a bundle's entries (read with our reader, written with our
/// writer) after `edit` changed them.
pub(crate) fn rewrite(src: &Path, dst: &Path, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let (archive, issues) = Archive::open(src).unwrap();
    assert!(issues.is_empty());
    let mut entries: Vec<(String, Vec<u8>)> = archive
        .entries()
        .map(|e| (e.name.clone(), archive.read_small(&e, 1 << 30).unwrap()))
        .collect();
    edit(&mut entries);
    let file = std::fs::File::create(dst).unwrap();
    let mut zip = ZipWriter::new(file, DosTime::from_unix(0));
    let times = crate::harness::entry_times(src);
    for (n, d) in &entries {
        zip.set_time(times(n));
        zip.add_bytes(n, Method::Stored, d).unwrap();
    }
    zip.finish().unwrap();
}

pub(crate) fn find<'a>(entries: &'a mut [(String, Vec<u8>)], suffix: &str) -> &'a mut Vec<u8> {
    &mut entries
        .iter_mut()
        .find(|(n, _)| n.ends_with(suffix))
        .unwrap()
        .1
}

#[test]
fn seal_writes_a_bag_stock_tools_accept() {
    let env = Env::new();
    evidence(&env);
    let b = seal(&env, "case1.zip", &[]);
    stock_tools_accept(&env, &b, "case1");
    assert_clean(&env, &b);
    let d = seal(
        &env,
        "case1d.zip",
        &["--compress", "deflate", "--algo", "sha512,sha1,md5"],
    );
    stock_tools_accept(&env, &d, "case1d");
    assert_clean(&env, &d);
    let (archive, _) = Archive::open(&d).unwrap();
    let names: Vec<String> = archive.entries().map(|e| e.name).collect();
    for n in [
        "manifest-sha512.txt",
        "manifest-sha1.txt",
        "manifest-md5.txt",
        "bagit.txt",
    ] {
        assert!(names.contains(&format!("case1d/{n}")), "{n} in {names:?}");
    }
}

#[test]
fn same_inputs_and_time_give_the_same_bytes_and_output_is_never_overwritten() {
    let env = Env::new();
    evidence(&env);
    let a = seal(&env, "r.zip", &[]);
    let first = std::fs::read(&a).unwrap();
    std::fs::rename(&a, env.path().join("r-first.zip")).unwrap();
    let a = seal(&env, "r.zip", &[]);
    assert_eq!(first, std::fs::read(&a).unwrap());
    let run = env.run(["seal", "ev", "--out", "r.zip", "--case", "C"]);
    run.expect_code(2);
    assert!(run.stderr.contains("exists already"), "{}", run.stderr);
    assert_eq!(first, std::fs::read(&a).unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(env.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().as_bytes().starts_with(b".r.zip"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn odd_names_are_escaped_kept_and_verified() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    trust(&env, &id);
    let dir = env.path().join("ev");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(b"bad\xffname")), b"1").unwrap();
    std::fs::write(dir.join("new\nline"), b"2").unwrap();
    std::fs::write(dir.join("Case"), b"3").unwrap();
    std::fs::write(dir.join("case"), b"4").unwrap();
    // The same name decomposed (as macOS writes it) and precomposed.
    std::fs::write(dir.join("cafe\u{301}"), b"5").unwrap();
    std::fs::write(dir.join("caf\u{e9}"), b"6").unwrap();
    std::os::unix::fs::symlink("Case", dir.join("link")).unwrap();
    let b = seal(&env, "odd.zip", &[]);
    stock_tools_accept(&env, &b, "odd");
    assert_clean(&env, &b);
    let m = manifest_json(&b);
    let files = m["files"].as_array().unwrap();
    let by_path = |p: &str| {
        files
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("{p} in {files:?}"))
    };
    assert_eq!(
        by_path("data/ev/bad^FFname")["original"]["bytes"],
        "ZXYvYmFk/25hbWU="
    );
    assert_eq!(
        by_path("data/ev/new^0Aline")["original"]["text"],
        "ev/new\nline"
    );
    assert_eq!(by_path("data/ev/case^7E1")["original"]["text"], "ev/case");
    // Names are NFC; the decomposed spelling is kept as the original.
    assert_eq!(
        by_path("data/ev/caf\u{e9}")["original"]["text"],
        "ev/cafe\u{301}"
    );
    assert_eq!(
        by_path("data/ev/caf\u{e9}^7E1")["original"]["text"],
        "ev/caf\u{e9}"
    );
    assert_eq!(m["symlinks"][0]["target"]["text"], "Case");
}

#[test]
fn meta_file_fills_case_labels_and_unknown_keys_are_refused() {
    let env = Env::new();
    evidence(&env);
    env.write(
        "meta.toml",
        b"case_reference = \"EIO-2024-17\"\nlegal_basis = \"European Investigation Order\"\nissuing_state = \"DE\"\ndata_category = \"content\"\nsummary_of_facts = \"line one\\nline two\"\n",
    );
    let b = seal(&env, "m.zip", &["--meta", "meta.toml", "--item", "7"]);
    stock_tools_accept(&env, &b, "m");
    let (archive, _) = Archive::open(&b).unwrap();
    let e = archive
        .entries()
        .find(|e| e.name == "m/bag-info.txt")
        .unwrap();
    let info = String::from_utf8(archive.read_small(&e, 1 << 20).unwrap()).unwrap();
    for l in [
        "Case-Reference: CASE-1", // the flag overrides the file
        "Legal-Basis: European Investigation Order",
        "Issuing-State: DE",
        "Data-Category: content",
        "Item-Number: 7",
        "Summary-Of-Facts: line one\n  line two",
    ] {
        assert!(info.contains(l), "{l} in {info}");
    }
    env.write(
        "bad.json",
        br#"{"case_reference": "X", "legal_basys": "typo"}"#,
    );
    let run = env.run(["seal", "ev", "--out", "bad.zip", "--meta", "bad.json"]);
    run.expect_code(2);
    assert!(run.stderr.contains("legal_basys"), "{}", run.stderr);
    assert!(!env.path().join("bad.zip").exists());
    let run = env.run(["seal", "ev", "--out", "nocase.zip"]);
    run.expect_code(2);
}

#[test]
fn unreadable_inputs_stop_the_seal_unless_allowed() {
    let env = Env::new();
    evidence(&env);
    // A dangling symlink stands for any file that cannot be opened (tests
    // run as root here, where permissions cannot make a file unreadable).
    // A name that does not exist at all is a typo, refused even with
    // --allow-unreadable (tests/cli/newcomer.rs).
    std::os::unix::fs::symlink("nowhere.img", env.path().join("gone.img")).unwrap();
    let run = env.run(["seal", "ev", "gone.img", "--out", "u.zip", "--case", "C"]);
    run.expect_code(2);
    assert!(run.stderr.contains("gone.img"), "{}", run.stderr);
    assert!(!env.path().join("u.zip").exists());
    let args = [
        "seal",
        "ev",
        "gone.img",
        "--out",
        "u2.zip",
        "--case",
        "C",
        "--allow-unreadable",
    ];
    env.run(args).expect_code(0);
    let b = env.path().join("u2.zip");
    assert_clean(&env, &b);
    let m = manifest_json(&b);
    assert_eq!(m["unreadable"][0]["original"]["text"], "gone.img");
}

#[test]
fn tamper_suite_every_change_is_caught() {
    let env = Env::new();
    evidence(&env);
    let clean = seal(&env, "t.zip", &[]);
    assert_clean(&env, &clean);
    let t = |name: &str| env.path().join(format!("{name}.zip"));

    // The rewrite itself keeps a clean bundle clean.
    rewrite(&clean, &t("same"), |_| {});
    assert_clean(&env, &t("same"));

    rewrite(&clean, &t("payload"), |e| {
        find(e, "data/ev/sub/b.bin")[500] ^= 1
    });
    assert_finding(&env, &t("payload"), "digest-mismatch", "data/ev/sub/b.bin");

    rewrite(&clean, &t("tagfile"), |e| {
        find(e, "/manifest-sha256.txt").push(b'\n')
    });
    assert_finding(
        &env,
        &t("tagfile"),
        "tag-digest-mismatch",
        "manifest-sha256.txt",
    );

    rewrite(&clean, &t("manifestjson"), |e| {
        let m = find(e, "evidentia/manifest.json");
        let s = String::from_utf8(m.clone())
            .unwrap()
            .replace("CASE-1", "CASE-2");
        *m = s.into_bytes();
    });
    assert_finding(
        &env,
        &t("manifestjson"),
        "tag-digest-mismatch",
        "evidentia/manifest.json",
    );

    rewrite(&clean, &t("baginfo"), |e| {
        find(e, "bag-info.txt").extend_from_slice(b"Note: added\n")
    });
    assert_finding(&env, &t("baginfo"), "tag-digest-mismatch", "bag-info.txt");

    rewrite(&clean, &t("added"), |e| {
        e.push(("t/data/ev/new.txt".into(), b"new".to_vec()))
    });
    assert_finding(&env, &t("added"), "not-in-manifest", "data/ev/new.txt");

    rewrite(&clean, &t("removed"), |e| {
        e.retain(|(n, _)| !n.ends_with("data/ev/a.txt"))
    });
    assert_finding(&env, &t("removed"), "missing-file", "data/ev/a.txt");

    rewrite(&clean, &t("renamed"), |e| {
        let x = e
            .iter_mut()
            .find(|(n, _)| n.ends_with("data/ev/a.txt"))
            .unwrap();
        x.0 = "t/data/ev/A2.txt".into();
    });
    assert_finding(&env, &t("renamed"), "missing-file", "data/ev/a.txt");
    assert_finding(&env, &t("renamed"), "not-in-manifest", "data/ev/A2.txt");

    rewrite(&clean, &t("swapped"), |e| {
        let a = find(e, "data/ev/a.txt").clone();
        let b = std::mem::replace(find(e, "data/ev/50^25 off"), a);
        *find(e, "data/ev/a.txt") = b;
    });
    assert_finding(&env, &t("swapped"), "digest-mismatch", "data/ev/a.txt");

    rewrite(&clean, &t("stray"), |e| {
        e.push(("t/notes.txt".into(), b"hi".to_vec()))
    });
    assert_finding(&env, &t("stray"), "unexpected-file", "notes.txt");

    rewrite(&clean, &t("noseal"), |e| {
        e.retain(|(n, _)| !n.contains("custody/"))
    });
    assert_finding(&env, &t("noseal"), "custody", "custody/000001-seal.json");

    rewrite(&clean, &t("event"), |e| {
        let ev = find(e, "custody/000001-seal.json");
        let s = String::from_utf8(ev.clone())
            .unwrap()
            .replace("2024-05-01", "2023-01-01");
        *ev = s.into_bytes();
    });
    assert_finding(
        &env,
        &t("event"),
        "signature",
        "custody/000001-seal.json.minisig",
    );
    let (_, v) = verify_json(&env, &t("event"));
    let head_clean = verify_json(&env, &clean).1["head"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(v["head"].as_str().unwrap(), head_clean);
    let run = env.run([
        OsStr::new("verify"),
        OsStr::new("--expect-head"),
        OsStr::new(&head_clean),
        t("event").as_os_str(),
    ]);
    run.expect_code(1);
    assert!(
        run.stdout_str().contains("custody head differs"),
        "{}",
        run.stdout_str()
    );

    rewrite(&clean, &t("forged"), |e| {
        let ev = find(e, "custody/000001-seal.json").clone();
        let s = String::from_utf8(ev)
            .unwrap()
            .replace("\"seq\": 1", "\"seq\": 2")
            .replace("\"action\": \"seal\"", "\"action\": \"transfer\"");
        e.push(("t/custody/000002-transfer.json".into(), s.into_bytes()));
    });
    assert_finding(
        &env,
        &t("forged"),
        "custody",
        "custody/000002-transfer.json",
    );

    rewrite(&clean, &t("bagit"), |e| {
        *find(e, "/bagit.txt") =
            b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n".to_vec()
    });
    assert_finding(&env, &t("bagit"), "bagit-txt", "bagit.txt");

    rewrite(&clean, &t("nosig"), |e| {
        e.retain(|(n, _)| !n.ends_with(".minisig"))
    });
    assert_finding(
        &env,
        &t("nosig"),
        "signature",
        "custody/000001-seal.json.minisig",
    );

    // A signature from another bundle (same key, same event number).
    env.write("other/x", b"other evidence");
    env.run(["seal", "other", "--out", "t2.zip", "--case", "CASE-1"])
        .expect_code(0);
    let (other, _) = Archive::open(&env.path().join("t2.zip")).unwrap();
    let e = other
        .entries()
        .find(|e| e.name.ends_with(".minisig"))
        .unwrap();
    let foreign = other.read_small(&e, 1 << 20).unwrap();
    rewrite(&clean, &t("movedsig"), |e| {
        *find(e, "000001-seal.json.minisig") = foreign
    });
    assert_finding(
        &env,
        &t("movedsig"),
        "signature",
        "custody/000001-seal.json.minisig",
    );

    // A key file swapped for another key's.
    let other_id = examiner(&env, "Mallory");
    let other_pub = env.run(["key", "export", &other_id, "--minisign"]).stdout;
    rewrite(&clean, &t("swappedkey"), |e| {
        let k = e
            .iter_mut()
            .find(|(n, _)| n.contains("/keys/") && n.ends_with(".pub"))
            .unwrap();
        k.1 = other_pub;
    });
    let (_, v) = verify_json(&env, &t("swappedkey"));
    assert!(findings(&v).iter().any(|(c, _, _)| c == "keys"), "{v:#}");
}

#[test]
fn a_consistent_bundle_signed_by_an_untrusted_key_fails() {
    let env = Env::new();
    evidence(&env);
    let stranger = examiner(&env, "Stranger");
    let b = seal(&env, "u.zip", &["--key", &stranger]);
    stock_tools_accept(&env, &b, "u");
    let (run, v) = verify_json(&env, &b);
    run.expect_code(1);
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].0, "signature");
    assert!(f[0].2.contains("untrusted key"), "{}", f[0].2);
    // Trusting it (out of band) makes the same bundle verify.
    trust(&env, &stranger);
    let (run, v) = verify_json(&env, &b);
    run.expect_code(0);
    assert_eq!(v["events"][0]["signature"], "trusted");
    // An empty trust store given explicitly trusts nobody.
    let empty = env.path().join("empty-trust");
    let run = env.run([
        OsStr::new("verify"),
        OsStr::new("--trust"),
        empty.as_os_str(),
        b.as_os_str(),
    ]);
    run.expect_code(1);
    assert!(
        run.stdout_str().contains("FAILED (1 problem)"),
        "{}",
        run.stdout_str()
    );
}

#[test]
fn seal_without_a_key_is_refused() {
    let env = Env::new();
    env.write("ev/a", b"a");
    let run = env.run(["seal", "ev", "--out", "k.zip", "--case", "C"]);
    run.expect_code(2);
    assert!(!env.path().join("k.zip").exists());
}

#[test]
fn hostile_containers_are_refused_with_reasons() {
    let env = Env::new();
    evidence(&env);
    let clean = seal(&env, "h.zip", &[]);
    let t = |name: &str| env.path().join(format!("{name}.zip"));

    for (name, evil) in [
        ("traversal", "h/../../etc/passwd"),
        ("absolute", "/h/data/x"),
        ("backslash", "h\\data\\x"),
        ("control", "h/data/x\u{1}y"),
    ] {
        rewrite(&clean, &t(name), |e| e.push((evil.into(), b"x".to_vec())));
        assert_finding(&env, &t(name), "container", evil);
    }
    rewrite(&clean, &t("dup"), |e| {
        let x = e
            .iter()
            .find(|(n, _)| n.ends_with("data/ev/a.txt"))
            .unwrap()
            .clone();
        e.push(x);
    });
    assert_finding(&env, &t("dup"), "container", "h/data/ev/a.txt");
    rewrite(&clean, &t("case"), |e| {
        e.push(("h/data/ev/A.TXT".into(), b"x".to_vec()))
    });
    assert_finding(&env, &t("case"), "container", "h/data/ev/A.TXT");

    // A truncated bundle is a damaged one (exit 1, where it was cut);
    // garbage and empty files cannot be read as bundles at all: exit 2.
    let bytes = std::fs::read(&clean).unwrap();
    let half = bytes.len() / 2;
    std::fs::write(t("trunc"), &bytes[..half]).unwrap();
    let run = env.run([OsStr::new("verify"), t("trunc").as_os_str()]);
    run.expect_code(1);
    let want = format!("damaged bundle: truncated at byte {half}");
    assert!(run.stdout_str().contains(&want), "{}", run.stdout_str());
    let garbage: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(t("garbage"), &garbage).unwrap();
    env.run([OsStr::new("verify"), t("garbage").as_os_str()])
        .expect_code(2);
    std::fs::write(t("empty"), b"").unwrap();
    env.run([OsStr::new("verify"), t("empty").as_os_str()])
        .expect_code(2);

    // A byte flipped in a stored entry is caught by the CRC and the hash.
    let mut flipped = bytes.clone();
    let at = find_bytes(&flipped, &[7u8; 64]).unwrap();
    flipped[at + 10] = 8;
    std::fs::write(t("flip"), &flipped).unwrap();
    assert_finding(&env, &t("flip"), "entry-data", "data/ev/sub/b.bin");

    // Symlink entry: external attributes say S_IFLNK.
    let mut link = bytes.clone();
    patch_attrs(&mut link, b"h/data/ev/a.txt", 0o120777 << 16);
    std::fs::write(t("symlink"), &link).unwrap();
    assert_finding(&env, &t("symlink"), "container", "h/data/ev/a.txt");
}

#[test]
fn deflate_bomb_stops_at_its_declared_size() {
    let env = Env::new();
    evidence(&env);
    let clean = seal(&env, "bomb.zip", &["--compress", "deflate"]);
    // Replace b.bin by 200 MB of zeros, deflated, declaring 100000 bytes.
    let (archive, _) = Archive::open(&clean).unwrap();
    let out = env.path().join("bomb2.zip");
    let file = std::fs::File::create(&out).unwrap();
    let mut zip = ZipWriter::new(file, DosTime::from_unix(0));
    for e in archive.entries() {
        zip.set_time(e.modified);
        if e.name.ends_with("data/ev/sub/b.bin") {
            use std::io::Write;
            let mut w = zip.start_entry(&e.name, Method::Deflate, 0).unwrap();
            let zeros = vec![7u8; 1 << 20];
            for _ in 0..200 {
                w.write_all(&zeros).unwrap();
            }
            w.finish().unwrap();
        } else {
            let d = archive.read_small(&e, 1 << 30).unwrap();
            zip.add_bytes(&e.name, Method::Deflate, &d).unwrap();
        }
    }
    zip.finish().unwrap();
    let mut bytes = std::fs::read(&out).unwrap();
    set_declared_size(&mut bytes, b"bomb/data/ev/sub/b.bin", 100_000);
    std::fs::write(&out, &bytes).unwrap();
    let (run, v) = verify_json(&env, &out);
    run.expect_code(1);
    let f = findings(&v);
    assert!(
        f.iter().any(|(c, p, m)| c == "entry-data"
            && p == "data/ev/sub/b.bin"
            && m.contains("exceeds its declared size")),
        "{f:#?}"
    );
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Offsets of central directory headers for `name`.
fn central_headers(bytes: &[u8], name: &[u8]) -> Vec<usize> {
    (0..bytes.len().saturating_sub(46))
        .filter(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02])
        .filter(|&i| {
            let nl = u16::from_le_bytes([bytes[i + 28], bytes[i + 29]]) as usize;
            bytes.get(i + 46..i + 46 + nl) == Some(name)
        })
        .collect()
}

fn local_headers(bytes: &[u8], name: &[u8]) -> Vec<usize> {
    (0..bytes.len().saturating_sub(30))
        .filter(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x03, 0x04])
        .filter(|&i| {
            let nl = u16::from_le_bytes([bytes[i + 26], bytes[i + 27]]) as usize;
            bytes.get(i + 30..i + 30 + nl) == Some(name)
        })
        .collect()
}

fn patch_attrs(bytes: &mut [u8], name: &[u8], attrs: u32) {
    let cds = central_headers(bytes, name);
    assert!(!cds.is_empty());
    for i in cds {
        bytes[i + 38..i + 42].copy_from_slice(&attrs.to_le_bytes());
    }
}

fn set_declared_size(bytes: &mut [u8], name: &[u8], size: u32) {
    let cds = central_headers(bytes, name);
    let lhs = local_headers(bytes, name);
    assert!(!cds.is_empty() && !lhs.is_empty());
    for i in cds {
        bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
    }
    for i in lhs {
        bytes[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
    }
}

/// The documented `verify --json` and `seal --json` documents, exactly
/// (docs/verify-semantics.md): unknown fields fail the test.
mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Report {
        #[serde(rename = "type")]
        pub kind: String,
        pub verdict: String,
        pub problems: usize,
        pub checks: Vec<CheckLine>,
        pub bag: Option<String>,
        pub bundle_id: Option<String>,
        pub files: u64,
        pub bytes: u64,
        pub events: Vec<Event>,
        pub head: Option<String>,
        pub head_compared: bool,
        pub signatures_checked: bool,
        pub findings: Vec<Finding>,
        #[serde(default)]
        pub warnings: Vec<Finding>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct CheckLine {
        pub check: String,
        pub outcome: String,
        pub problems: u64,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Event {
        pub seq: u64,
        pub action: String,
        pub time: String,
        pub key_id: Option<String>,
        pub signature: String,
        pub trust: Option<String>,
        pub signer_kind: Option<String>,
        pub certified_identity: Option<evidentia::sign::Identity>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Finding {
        pub code: String,
        pub path: String,
        pub message: String,
        pub expected: Option<String>,
        pub actual: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Sealed {
        #[serde(rename = "type")]
        pub kind: String,
        pub path: evidentia::pathrepr::PathRepr,
        pub bundle_id: String,
        pub files: u64,
        pub bytes: u64,
        pub unreadable: u64,
        pub signed: bool,
        pub custody_head: String,
    }
}

#[test]
fn json_documents_match_their_documentation() {
    let env = Env::new();
    evidence(&env);
    let r = env.run([
        "--json", "seal", "ev", "--out", "j.zip", "--case", "C", "--time", TIME,
    ]);
    r.expect_code(0);
    let s: wire::Sealed = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(s.kind, "evidentia/seal-result/v1");
    assert!(s.signed);
    assert_eq!(s.files, 4);
    let b = env.path().join("j.zip");
    let r = env.run([OsStr::new("--json"), OsStr::new("verify"), b.as_os_str()]);
    r.expect_code(0);
    let v: wire::Report = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v.kind, "evidentia/verify-report/v1");
    assert_eq!((v.verdict.as_str(), v.problems), ("verified", 0));
    assert_eq!(v.head.as_deref(), Some(s.custody_head.as_str()));
    assert_eq!(v.events[0].signature, "trusted");
    assert!(v.signatures_checked);
    // A failing report carries expected and actual values.
    rewrite(&b, &env.path().join("j2.zip"), |e| {
        find(e, "data/ev/a.txt")[0] ^= 1
    });
    let r = env.run([
        OsStr::new("--json"),
        OsStr::new("verify"),
        env.path().join("j2.zip").as_os_str(),
    ]);
    r.expect_code(1);
    let v: wire::Report = serde_json::from_slice(&r.stdout).unwrap();
    let f = v
        .findings
        .iter()
        .find(|f| f.code == "digest-mismatch")
        .unwrap();
    assert!(f.expected.is_some() && f.actual.is_some() && f.expected != f.actual);
    assert_eq!(v.verdict, "failed");
}

#[test]
fn human_verdict_names_head_signer_and_problems() {
    let env = Env::new();
    let key = evidence(&env);
    let b = seal(&env, "hv.zip", &[]);
    let r = env.run([OsStr::new("verify"), b.as_os_str()]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.starts_with("VERIFIED "), "{out}");
    let head = verify_json(&env, &b).1["head"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(out.contains(&format!("custody head: {head}")), "{out}");
    assert!(
        out.contains(&key) && out.contains("Jana Examiner") && out.contains("trust store"),
        "{out}"
    );
    rewrite(&b, &env.path().join("hv2.zip"), |e| {
        find(e, "data/ev/a.txt")[0] ^= 1
    });
    let r = env.run([OsStr::new("verify"), env.path().join("hv2.zip").as_os_str()]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(out.starts_with("FAILED (3 problems) "), "{out}"); // manifest, sha256 and blake3 in manifest.json
    assert!(
        out.contains("  data/ev/a.txt: sha256 differs")
            && out.contains("expected: ")
            && out.contains("actual: "),
        "{out}"
    );
}

/// A payload file past 4 GiB (sparse, made at test time) goes in as a ZIP64
/// entry that unzip and verify accept. Slow (it reads and writes 4 GiB):
/// run with `cargo test -- --ignored`.
#[test]
#[ignore = "slow: reads and writes 4 GiB"]
fn files_past_4_gib_use_zip64() {
    let env = Env::new();
    let _ = evidence(&env);
    let big = env.path().join("big");
    std::fs::create_dir(&big).unwrap();
    let f = std::fs::File::create(big.join("disk.img")).unwrap();
    f.set_len((4u64 << 30) + 4097).unwrap();
    drop(f);
    env.run(["seal", "big", "--out", "big.zip", "--case", "C"])
        .expect_code(0);
    let b = env.path().join("big.zip");
    assert_clean(&env, &b);
    let (archive, _) = Archive::open(&b).unwrap();
    assert_eq!(archive.entry(0).unwrap().size, (4u64 << 30) + 4097);
    if let Some(unzip) = peer("unzip") {
        let out = run_peer(&unzip, &[OsStr::new("-t"), b.as_os_str()], env.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Committed vectors in testdata/bundles (see its README): the good bundle
/// verifies against the committed trust store, each `fail_*` bundle fails
/// with its documented reason.
const VECTORS: [(&str, i32, &str); 7] = [
    ("good.zip", 0, ""),
    ("fail_payload_byte.zip", 1, "digest-mismatch"),
    ("fail_stray_file.zip", 1, "unexpected-file"),
    ("fail_traversal.zip", 1, "container"),
    ("fail_edited_event.zip", 1, "signature"),
    ("fail_truncated.zip", 1, "damaged-bundle"),
    ("v1_pieces.zip", 0, ""),
];

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles")
}

#[test]
fn committed_vectors_verify_as_documented() {
    let env = Env::new();
    let dir = vectors_dir();
    let trust = dir.join("trust");
    for (file, code, reason) in VECTORS {
        let p = dir.join(file);
        let args = [
            OsStr::new("--json"),
            OsStr::new("verify"),
            OsStr::new("--trust"),
            trust.as_os_str(),
            p.as_os_str(),
        ];
        let r = env.run(args);
        assert_eq!(r.code, code, "{file}: {}{}", r.stdout_str(), r.stderr);
        if !reason.is_empty() {
            let v: Value = serde_json::from_slice(&r.stdout).unwrap();
            assert!(
                findings(&v).iter().any(|(c, _, _)| c == reason),
                "{file}: {v:#}"
            );
        }
    }
}

/// `verify --json --trust testdata/bundles/trust BUNDLE`.
fn verify_vector_trust(env: &Env, bundle: &Path) -> (Run, Value) {
    let trust = vectors_dir().join("trust");
    let run = env.run([
        OsStr::new("--json"),
        OsStr::new("verify"),
        OsStr::new("--trust"),
        trust.as_os_str(),
        bundle.as_os_str(),
    ]);
    let v = serde_json::from_slice(&run.stdout).unwrap_or(Value::Null);
    (run, v)
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A bundle's evidentia/manifest.json, parsed.
fn manifest_json(bundle: &Path) -> Value {
    let (archive, _) = Archive::open(bundle).unwrap();
    let e = archive
        .entries()
        .find(|e| e.name.ends_with("evidentia/manifest.json"))
        .unwrap();
    serde_json::from_slice(&archive.read_small(&e, 1 << 20).unwrap()).unwrap()
}

/// The finding for one damaged window: algorithm, byte range, and the
/// listed against the computed hash.
fn piece_finding(v: &Value, path: &str) -> (String, String, String) {
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["code"] == "manifest-json"
                && f["path"] == path
                && f["message"].as_str().unwrap_or("").starts_with("piecewise")
        })
        .unwrap_or_else(|| panic!("no manifest-json finding for {path}: {v:#}"));
    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
    (s("message"), s("expected"), s("actual"))
}

/// A bundle sealed before manifest.json v2 (testdata/bundles/v1_pieces.zip:
/// schema v1, SHA-256 pieces of 4 KiB) still verifies, and damage in it is
/// located with SHA-256 windows.
#[test]
fn v1_manifest_verifies_and_locates_damage_with_sha256_pieces() {
    let env = Env::new();
    let v1 = vectors_dir().join("v1_pieces.zip");
    let m = manifest_json(&v1);
    assert_eq!(m["schema"], "evidentia/manifest/v1");
    assert!(m.get("piece_algorithm").is_none());
    let (r, _) = verify_vector_trust(&env, &v1);
    r.expect_code(0);

    let bad = env.path().join("v1_bad.zip");
    rewrite(&v1, &bad, |e| find(e, "data/ev/image.bin")[5000] ^= 1);
    let (r, v) = verify_vector_trust(&env, &bad);
    r.expect_code(1);
    let (message, expected, actual) = piece_finding(&v, "data/ev/image.bin");
    assert_eq!(
        message,
        "piecewise sha256 hash 1 (bytes 4096..8192) in manifest.json differs"
    );
    assert_eq!(expected, m["files"][0]["pieces"][1].as_str().unwrap());
    assert_ne!(expected, actual);
    assert_eq!(actual.len(), 64);
}

/// New bundles carry schema v2 with BLAKE3 tree pieces: each window's
/// chaining value, which merged up the tree give b3sum's hash of the file;
/// damage is located to its window, and a manifest.json whose piece
/// algorithm is missing or unknown is refused by name.
#[test]
fn v3_manifest_has_blake3_tree_pieces_and_locates_damage() {
    use blake3::hazmat::{HasherExt, Mode, merge_subtrees_non_root, merge_subtrees_root};
    let env = Env::new();
    evidence(&env);
    let b = seal(&env, "p.zip", &["--piece", "4K"]);
    let m = manifest_json(&b);
    assert_eq!(m["schema"], "evidentia/manifest/v3");
    assert_eq!(m["piece_algorithm"], "blake3-tree");
    let f = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "data/ev/sub/b.bin")
        .unwrap();
    let pieces: Vec<&str> = f["pieces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(pieces.len(), 25);
    // Window k is the chaining value of b.bin's bytes k*4096.. as a
    // subtree at that offset (b.bin is 100,000 sevens).
    let data = vec![7u8; 100_000];
    let cv = |k: usize| {
        let end = ((k + 1) * 4096).min(data.len());
        let mut h = blake3::Hasher::new();
        h.set_input_offset(k as u64 * 4096);
        h.update(&data[k * 4096..end]);
        h.finalize_non_root()
    };
    let cvs: Vec<[u8; 32]> = (0..25).map(cv).collect();
    for (k, c) in cvs.iter().enumerate() {
        assert_eq!(pieces[k], hex(c), "window {k}");
    }
    // Merged as the BLAKE3 tree (16 + (8 + 1) windows) they give the
    // file's BLAKE3, which is what b3sum prints and manifest.json lists.
    let node = |cvs: &[[u8; 32]]| {
        cvs.chunks(2)
            .map(|p| merge_subtrees_non_root(&p[0], &p[1], Mode::Hash))
            .collect::<Vec<_>>()
    };
    let left = node(&node(&node(&node(&cvs[..16]))))[0];
    let right8 = node(&node(&node(&cvs[16..24])))[0];
    let right = merge_subtrees_non_root(&right8, &cvs[24], Mode::Hash);
    let root = merge_subtrees_root(&left, &right, Mode::Hash);
    assert_eq!(root, blake3::hash(&data));
    assert_eq!(f["blake3"], root.to_hex().to_string());
    verify_json(&env, &b).0.expect_code(0);

    let bad = env.path().join("bad.zip");
    rewrite(&b, &bad, |e| find(e, "data/ev/sub/b.bin")[99_999] ^= 1);
    let (r, v) = verify_json(&env, &bad);
    r.expect_code(1);
    let (message, expected, actual) = piece_finding(&v, "data/ev/sub/b.bin");
    assert_eq!(
        message,
        "piecewise blake3-tree hash 24 (bytes 98304..100000) in manifest.json differs"
    );
    assert_eq!(expected, pieces[24]);
    let mut damaged = data[24 * 4096..].to_vec();
    *damaged.last_mut().unwrap() ^= 1;
    let mut h = blake3::Hasher::new();
    h.set_input_offset(24 * 4096);
    h.update(&damaged);
    assert_eq!(actual, hex(&h.finalize_non_root()));

    for (edit, reason) in [
        (
            "\"piece_algorithm\": \"blake3-tree\",\n",
            "piece_algorithm is missing (required by schema evidentia/manifest/v3)",
        ),
        (
            "\"piece_algorithm\": \"blake3-tree\",",
            "piece_algorithm \"md5\" is not one of \"blake3-tree\", \"sha256\"",
        ),
    ] {
        let odd = env.path().join("odd.zip");
        let _ = std::fs::remove_file(&odd);
        rewrite(&b, &odd, |e| {
            let j = find(e, "evidentia/manifest.json");
            let text = String::from_utf8(j.clone()).unwrap();
            let new = if edit.ends_with('\n') {
                text.replacen(&format!("  {edit}"), "", 1)
            } else {
                text.replacen(edit, "\"piece_algorithm\": \"md5\",", 1)
            };
            assert_ne!(new, text);
            *j = new.into_bytes();
        });
        let (r, v) = verify_json(&env, &odd);
        r.expect_code(1);
        assert!(
            findings(&v).iter().any(|(c, p, m)| c == "manifest-json"
                && p == "evidentia/manifest.json"
                && m == reason),
            "{v:#}"
        );
    }
}

/// The examiner of testdata/bundles/v1_pieces.zip (in its trust/).
const V1_VECTOR_KEY: &str = "98b05d24de2d1a7a43f7478249adc3a06b81f34e99599ce8e2806002b1074a18";

/// A generator, not a test: rewrites testdata/bundles (a new key each
/// time, so the bytes change; `v1_pieces.zip` is kept). Run it by hand with
/// `cargo test --test cli regenerate_vectors -- --ignored`, then commit the
/// vectors with the reason (testdata/bundles/README.md).
#[test]
#[ignore = "generator: rewrites testdata/bundles when run by hand"]
fn regenerate_vectors() {
    let env = Env::new();
    let id = examiner(&env, "Test Vector Examiner");
    trust(&env, &id);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/notes.txt", b"seized 2024-05-01\n");
    let out = vectors_dir();
    // The v1 vector and its examiner's trust entry cannot be made again.
    let v1_key = format!("trust/{V1_VECTOR_KEY}.json");
    let keep: Vec<(&str, Vec<u8>)> = ["v1_pieces.zip", v1_key.as_str()]
        .into_iter()
        .map(|n| (n, std::fs::read(out.join(n)).unwrap()))
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(out.join("trust")).unwrap();
    for (n, bytes) in &keep {
        std::fs::write(out.join(n), bytes).unwrap();
    }
    for e in std::fs::read_dir(env.home().join("trust")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), out.join("trust").join(e.file_name())).unwrap();
    }
    let good = seal(&env, "good.zip", &[]);
    std::fs::copy(&good, out.join("good.zip")).unwrap();
    let t = |n: &str| out.join(n);
    rewrite(&good, &t("fail_payload_byte.zip"), |e| {
        find(e, "data/ev/a.txt")[0] ^= 1
    });
    rewrite(&good, &t("fail_stray_file.zip"), |e| {
        e.push(("good/notes.txt".into(), b"x".to_vec()))
    });
    rewrite(&good, &t("fail_traversal.zip"), |e| {
        e.push(("good/../../evil".into(), b"x".to_vec()))
    });
    rewrite(&good, &t("fail_edited_event.zip"), |e| {
        let ev = find(e, "custody/000001-seal.json");
        *ev = String::from_utf8(ev.clone())
            .unwrap()
            .replace("2024-05-01", "2023-01-01")
            .into_bytes();
    });
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(t("fail_truncated.zip"), &bytes[..bytes.len() - 30]).unwrap();
}
