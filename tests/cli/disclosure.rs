//! The disclosure commitment of an ordinary bundle (issue #18): a signed
//! seal writes manifest v3 with a salt per file and signs the Merkle root
//! of the salted leaves in the seal event (an unsigned seal, made only
//! through the library, writes v2 and no commitment: see `verify`'s unit
//! tests); `verify` fails a bundle whose signed commitment and
//! files disagree, even when the key holder signed everything (a root that
//! commits to other files than the bundle holds would let a later export
//! "prove" files that were never sealed).

use crate::bundle::{examiner, find, trust};
use crate::harness::Env;
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter, trusted_comment};
use evidentia::sign::KeyStore;
use evidentia::sign::keystore::KeyRole;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const TIME: &str = "2024-05-01T12:00:00Z";

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A trusted examiner and a bundle of four files sealed by them.
fn sealed(env: &Env, extra: &[&str]) -> PathBuf {
    let id = examiner(env, "Jana Examiner");
    trust(env, &id);
    env.write("ev/a.txt", b"hello\n");
    env.write("ev/sub/b.bin", &[7u8; 5000]);
    env.write("ev/sub/empty", b"");
    env.write("ev/\u{e9}t\u{e9}.txt", b"summer");
    let mut args = vec![
        "seal", "ev", "--out", "b.zip", "--case", "C-1", "--time", TIME,
    ];
    args.extend_from_slice(extra);
    env.run(args).expect_code(0);
    env.path().join("b.zip")
}

fn member(b: &Path, suffix: &str) -> Vec<u8> {
    let (a, _) = Archive::open(b).unwrap();
    let e = a.entries().find(|e| e.name.ends_with(suffix)).unwrap();
    a.read_small(&e, 1 << 30).unwrap()
}

fn json_of(b: &Path, suffix: &str) -> Value {
    serde_json::from_slice(&member(b, suffix)).unwrap()
}

fn verify_json(env: &Env, b: &Path) -> (i32, Value) {
    let r = env.run([OsStr::new("--json"), OsStr::new("verify"), b.as_os_str()]);
    (
        r.code,
        serde_json::from_slice(&r.stdout).unwrap_or(Value::Null),
    )
}

fn has_finding(v: &Value, code: &str, message: &str) -> bool {
    v["findings"].as_array().is_some_and(|f| {
        f.iter().any(|f| {
            f["code"] == code && f["message"].as_str().is_some_and(|m| m.contains(message))
        })
    })
}

#[test]
fn a_signed_seal_commits_to_every_salted_file_and_verify_checks_it() {
    let env = Env::new();
    let b = sealed(&env, &["--algo", "sha256,md5"]);
    let m = json_of(&b, "evidentia/manifest.json");
    assert_eq!(m["schema"], "evidentia/manifest/v3");
    let files = m["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    let salts: Vec<&str> = files.iter().map(|f| f["salt"].as_str().unwrap()).collect();
    for s in &salts {
        assert!(
            s.len() == 64 && s.bytes().all(|c| c.is_ascii_hexdigit()),
            "{s}"
        );
    }
    let mut unique = salts.clone();
    unique.dedup();
    assert_eq!(unique.len(), 4, "one salt per file");
    let seal = json_of(&b, "custody/000001-seal.json");
    assert_eq!(seal["disclosure"]["scheme"], "evidentia/disclosure/v1");
    assert_eq!(seal["disclosure"]["leaves"], 4);
    // The root, recomputed here from the documented encoding
    // (docs/formats/manifest.md): leaves, sorted, then RFC 9162's tree of 4.
    let leaf = |f: &Value| {
        let mut bytes = Vec::new();
        let mut field = |b: &[u8]| {
            bytes.extend_from_slice(&(b.len() as u32).to_be_bytes());
            bytes.extend_from_slice(b);
        };
        field(b"evidentia/disclosure-leaf/v1");
        let salt: Vec<u8> = (0..32)
            .map(|i| {
                u8::from_str_radix(&f["salt"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect();
        field(&salt);
        field(f["path"].as_str().unwrap().as_bytes());
        field(format!("text:{}", f["original"]["text"].as_str().unwrap()).as_bytes());
        field(f["size"].to_string().as_bytes());
        for a in ["sha256", "blake3", "sha512", "sha1", "md5"] {
            if let Some(d) = f[a].as_str() {
                field(format!("{a}={d}").as_bytes());
            }
        }
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(&bytes);
        h.finalize().to_vec()
    };
    let node = |l: &[u8], r: &[u8]| {
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(l);
        h.update(r);
        h.finalize().to_vec()
    };
    // The leaves in tree order: sorted by value, not by path.
    let mut l: Vec<Vec<u8>> = files.iter().map(leaf).collect();
    l.sort();
    let root = node(&node(&l[0], &l[1]), &node(&l[2], &l[3]));
    assert_eq!(seal["disclosure"]["root"], hex(&root));
    let (code, v) = verify_json(&env, &b);
    assert_eq!(code, 0, "{v}");
    let checks = v["checks"].as_array().unwrap();
    let disclosure = checks.iter().find(|c| c["check"] == "disclosure").unwrap();
    assert_eq!(disclosure["outcome"], "passed");
}

/// The key holder rewrites the bundle: `edit` changes manifest.json or the
/// seal event, then the tag manifest and the seal are made consistent and
/// re-signed with the real key, so only the disclosure check can object.
fn forge(env: &Env, b: &Path, out: &str, edit: impl Fn(&mut Value, &mut Value)) -> PathBuf {
    let (mut entries, times) = entries_of(b);
    let mut m: Value =
        serde_json::from_slice(find(&mut entries, "evidentia/manifest.json")).unwrap();
    let mut seal: Value =
        serde_json::from_slice(find(&mut entries, "custody/000001-seal.json")).unwrap();
    edit(&mut m, &mut seal);
    let mut mbytes = serde_json::to_vec_pretty(&m).unwrap();
    mbytes.push(b'\n');
    let old_m = hex(&Sha256::digest(
        find(&mut entries, "evidentia/manifest.json").as_slice(),
    ));
    *find(&mut entries, "evidentia/manifest.json") = mbytes.clone();
    let tm = find(&mut entries, "tagmanifest-sha256.txt");
    let text = String::from_utf8(tm.clone())
        .unwrap()
        .replace(&old_m, &hex(&Sha256::digest(&mbytes)));
    *tm = text.into_bytes();
    seal["tagmanifest_sha256"] = Value::String(hex(&Sha256::digest(tm.as_slice())));
    write_signed(env, &mut entries, &seal, times, out)
}

/// A bundle's entries: (name, bytes).
pub(crate) type Entries = Vec<(String, Vec<u8>)>;

/// Every entry of bundle `b` with its bytes, and the entries' DOS times.
pub(crate) fn entries_of(b: &Path) -> (Entries, impl Fn(&str) -> DosTime) {
    let (archive, _) = Archive::open(b).unwrap();
    let entries = archive
        .entries()
        .map(|e| (e.name.clone(), archive.read_small(&e, 1 << 30).unwrap()))
        .collect();
    (entries, crate::harness::entry_times(b))
}

/// Sign `seal` with the home's examiner key as event 1, put it and its
/// signature in `entries`, and write them to `out` in `env` (stored, with
/// their `times`).
pub(crate) fn write_signed(
    env: &Env,
    entries: &mut [(String, Vec<u8>)],
    seal: &Value,
    times: impl Fn(&str) -> DosTime,
    out: &str,
) -> PathBuf {
    let store = KeyStore::open(env.home().join("keys"));
    let file = store.find(None, KeyRole::Examiner).unwrap();
    let signer = store.signer(&file, None).unwrap();
    let mut sbytes = serde_json::to_vec_pretty(seal).unwrap();
    sbytes.push(b'\n');
    let id = seal["bundle_id"].as_str().unwrap().to_string();
    let sig = signer.sign(
        &sbytes,
        &trusted_comment(&id, 1, &signer.key_id().to_string()),
    );
    *find(entries, "/custody/000001-seal.json") = sbytes;
    *find(entries, "/custody/000001-seal.json.minisig") = sig;
    let dst = env.path().join(out);
    let mut zip = ZipWriter::new(std::fs::File::create(&dst).unwrap(), DosTime::from_unix(0));
    for (n, d) in entries.iter() {
        zip.set_time(times(n));
        zip.add_bytes(n, Method::Stored, d).unwrap();
    }
    zip.finish().unwrap();
    dst
}

#[test]
fn a_consistent_re_signing_alone_is_not_a_finding() {
    // The forger re-serializes and re-signs; with nothing edited the
    // bundle verifies, so the attacks below fail only for what they change.
    let env = Env::new();
    let b = sealed(&env, &[]);
    let same = forge(&env, &b, "same.zip", |_, _| {});
    let (code, v) = verify_json(&env, &same);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn a_signed_root_that_commits_to_other_files_fails() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    // The holder swaps one salt: manifest.json, tag manifest and seal are
    // consistent and signed, but the signed root is not the files'.
    let swapped = forge(&env, &b, "swapped.zip", |m, _| {
        m["files"][0]["salt"] = Value::String("ab".repeat(32));
    });
    let (code, v) = verify_json(&env, &swapped);
    assert_eq!(code, 1, "{v}");
    assert!(
        has_finding(
            &v,
            "disclosure",
            "do not hash to the seal's disclosure commitment"
        ),
        "{v}"
    );
    // A root for fewer files than the bundle holds: the same.
    let fewer = forge(&env, &b, "fewer.zip", |_, s| {
        s["disclosure"]["leaves"] = Value::from(3);
    });
    let (code, v) = verify_json(&env, &fewer);
    assert_eq!(code, 1, "{v}");
    assert!(
        has_finding(&v, "disclosure", "disclosure commitment"),
        "{v}"
    );
}

#[test]
fn a_salted_manifest_without_a_signed_commitment_and_the_reverse_fail() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    let dropped = forge(&env, &b, "dropped.zip", |_, s| {
        s.as_object_mut().unwrap().remove("disclosure");
    });
    let (code, v) = verify_json(&env, &dropped);
    assert_eq!(code, 1, "{v}");
    assert!(
        has_finding(&v, "disclosure", "carries no disclosure commitment"),
        "{v}"
    );
    // A v2 manifest whose files have no salts, under a seal that claims a
    // commitment.
    let unsalted = forge(&env, &b, "unsalted.zip", |m, _| {
        m["schema"] = Value::String("evidentia/manifest/v2".into());
        for f in m["files"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("salt");
        }
    });
    let (code, v) = verify_json(&env, &unsalted);
    assert_eq!(code, 1, "{v}");
    assert!(
        has_finding(&v, "disclosure", "manifest.json's schema has no salts"),
        "{v}"
    );
    // A v3 manifest with a file left unsalted.
    let one = forge(&env, &b, "one.zip", |m, _| {
        m["files"][1].as_object_mut().unwrap().remove("salt");
    });
    let (code, v) = verify_json(&env, &one);
    assert_eq!(code, 1, "{v}");
    assert!(has_finding(&v, "disclosure", "no salt"), "{v}");
}
