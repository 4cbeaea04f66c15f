//! Attacks of our own, as a keyless attacker would make them on a genuine
//! bundle: edit bytes, rezip, reuse a valid signature elsewhere. Each must
//! fail `verify` with its reason. Members are rewritten with their own
//! times, so that nothing but the attack differs.

use crate::harness::{Env, peer, run_peer};
use crate::verdict::sealed;
use evidentia::bundle::{Archive, DosTime, Method, ZipWriter};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// A member: name, bytes, modification time.
pub(crate) type Member = (String, Vec<u8>, DosTime);

/// Every member of `bundle`, read whole, with its time.
pub(crate) fn members(bundle: &Path) -> Vec<Member> {
    let (archive, issues) = Archive::open(bundle).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    archive
        .entries()
        .map(|e| {
            let data = archive.read_small(&e, 1 << 30).unwrap();
            (e.name.clone(), data, e.modified)
        })
        .collect()
}

/// Write `members` as a zip with the project's writer, each with its
/// own time (so that nothing but an edit differs from what seal wrote).
pub(crate) fn rezip(path: &Path, members: &[Member]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = ZipWriter::new(file, DosTime::from_unix(0));
    for (name, data, time) in members {
        zip.set_time(*time);
        zip.add_bytes(name, Method::Stored, data).unwrap();
    }
    zip.finish().unwrap();
}

fn verify(env: &Env, bundle: &Path) -> (i32, Vec<Value>) {
    let r = env.run([
        OsStr::new("--json"),
        OsStr::new("verify"),
        bundle.as_os_str(),
    ]);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap_or(Value::Null);
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    (r.code, findings)
}

fn has(findings: &[Value], code: &str, path: &str) -> bool {
    findings
        .iter()
        .any(|f| f["code"] == code && f["path"].as_str().is_some_and(|p| p.contains(path)))
}

/// A second tag manifest, correct for every tag file, is still a file
/// added to a sealed bundle: evidentia writes only tagmanifest-sha256.txt,
/// and no signature covers another.
#[test]
fn a_correct_extra_tag_manifest_is_an_added_file() {
    use md5::Digest;
    let env = Env::new();
    let b = sealed(&env);
    let mut ms = members(&b);
    let bag = ms[0].0.split('/').next().unwrap().to_string();
    let listed = ms
        .iter()
        .find(|(n, _, _)| n.ends_with("/tagmanifest-sha256.txt"))
        .map(|(_, d, _)| String::from_utf8(d.clone()).unwrap())
        .unwrap();
    let mut md5_lines = String::new();
    for path in listed
        .lines()
        .filter_map(|l| l.split_once("  ").map(|x| x.1))
    {
        let data = &ms
            .iter()
            .find(|(n, _, _)| *n == format!("{bag}/{path}"))
            .unwrap()
            .1;
        let hex = evidentia::hash::to_hex(&md5::Md5::digest(data));
        md5_lines.push_str(&format!("{hex}  {path}\n"));
    }
    let time = ms[0].2;
    ms.push((
        format!("{bag}/tagmanifest-md5.txt"),
        md5_lines.into_bytes(),
        time,
    ));
    let forged = env.path().join("extra-tagmanifest.zip");
    rezip(&forged, &ms);
    let (code, f) = verify(&env, &forged);
    assert_eq!(code, 1, "{f:#?}");
    assert!(has(&f, "unexpected-file", "tagmanifest-md5.txt"), "{f:#?}");
}

/// A self-extracting stub before the first entry, with every offset moved
/// along (`zip -A`): `unzip` still reads the bundle; verify accounts for
/// the stub's bytes and refuses them.
#[test]
fn a_self_extracting_stub_is_refused() {
    let Some(zip) = peer("zip") else {
        return;
    };
    let env = Env::new();
    let b = sealed(&env);
    let mut bytes = b"MZ\x90\x00 a stub that runs on Windows and unpacks the rest\n".to_vec();
    bytes.extend(std::fs::read(&b).unwrap());
    let sfx: PathBuf = env.path().join("sfx.zip");
    std::fs::write(&sfx, &bytes).unwrap();
    let out = run_peer(&zip, &[OsStr::new("-A"), sfx.as_os_str()], env.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, f) = verify(&env, &sfx);
    assert_eq!(code, 1, "{f:#?}");
    assert!(
        f.iter().any(|x| x["code"] == "container"
            && x["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("bytes 0.."))),
        "{f:#?}"
    );
}

/// A valid signature reused elsewhere: the seal's own signature put in
/// place of a later event's. Both are valid minisign signatures by the
/// same trusted key, over another file.
#[test]
fn a_valid_signature_moved_to_another_event_is_refused() {
    let env = Env::new();
    let b = sealed(&env);
    env.run([
        OsStr::new("custody"),
        OsStr::new("add"),
        b.as_os_str(),
        OsStr::new("--action"),
        OsStr::new("note"),
        OsStr::new("--note"),
        OsStr::new("checked"),
    ])
    .expect_code(0);
    let mut ms = members(&b);
    let seal_sig = ms
        .iter()
        .find(|(n, _, _)| n.ends_with("custody/000001-seal.json.minisig"))
        .map(|(_, d, _)| d.clone())
        .unwrap();
    let note_sig = ms
        .iter_mut()
        .find(|(n, _, _)| n.ends_with("custody/000002-note.json.minisig"))
        .unwrap();
    note_sig.1 = seal_sig;
    let forged = env.path().join("moved-signature.zip");
    rezip(&forged, &ms);
    let (code, f) = verify(&env, &forged);
    assert_eq!(code, 1, "{f:#?}");
    assert!(
        has(&f, "signature", "custody/000002-note.json.minisig"),
        "{f:#?}"
    );
}
