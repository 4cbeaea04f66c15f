//! `docs/check-disclosure.py`, the 40-line proof checker a court can read,
//! run as shipped against derived bundles: it agrees with `verify` on a
//! valid export and on every broken one below, including those the
//! exporter re-signed (the exporter is trusted for the export, never for
//! the content).

use crate::bundle::{examiner, find, trust};
use crate::disclosure::{entries_of, write_signed};
use crate::harness::{Env, Run, peer, skip};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const TIME: &str = "2024-05-01T12:00:00Z";
const LATER: &str = "2024-06-01T09:00:00Z";
const SCRIPT: &str = "docs/check-disclosure.py";

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A trusted examiner, an original of seven files, and an export of the
/// three under `mail/`.
fn exported(env: &Env) -> PathBuf {
    let id = examiner(env, "Jana Examiner");
    trust(env, &id);
    env.write("ev/mail/a.eml", b"From: a\n\nhello");
    env.write("ev/mail/b.eml", b"From: b\n\nworld");
    env.write("ev/mail/\u{e9}t\u{e9}.eml", b"From: c\n\nsummer");
    env.write("ev/other/x.txt", b"third party");
    env.write("ev/other/y.bin", &[9u8; 9000]);
    env.write("ev/z.txt", b"z");
    env.write("ev/zz.txt", b"zz");
    let seal = [
        "seal",
        "ev",
        "--out",
        "orig.zip",
        "--case",
        "C-1",
        "--time",
        TIME,
        "--algo",
        "sha256,md5",
    ];
    env.run(seal).expect_code(0);
    let r = env.run([
        "export",
        "orig.zip",
        "--select",
        "ev/mail/*",
        "--out",
        "sub.zip",
        "--purpose",
        "MLA request 2024/17",
        "--time",
        LATER,
    ]);
    r.expect_code(0);
    env.path().join("sub.zip")
}

fn python(b: &Path) -> Option<Run> {
    let Some(py) = peer("python3") else {
        skip("python3 is not installed");
        return None;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCRIPT);
    let out = std::process::Command::new(py)
        .arg(script)
        .arg(b)
        .output()
        .unwrap();
    Some(Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn verify_code(env: &Env, b: &Path) -> (i32, String) {
    let r = env.run([OsStr::new("verify"), b.as_os_str()]);
    (r.code, format!("{}{}", r.stdout_str(), r.stderr))
}

/// The exporter rewrites the derived bundle: `edit` changes entries; then
/// every tag file is re-listed in the tag manifest, and the exporter's seal
/// event is bound to it and re-signed with the exporter's real key.
fn resign(env: &Env, b: &Path, out: &str, edit: impl Fn(&mut Vec<(String, Vec<u8>)>)) -> PathBuf {
    let (mut entries, times) = entries_of(b);
    edit(&mut entries);
    let bag = entries[0].0.split('/').next().unwrap().to_string();
    let mut lines: Vec<(String, String)> = entries
        .iter()
        .filter_map(|(n, d)| {
            let rel = n.strip_prefix(&format!("{bag}/"))?;
            let tag = !rel.starts_with("data/")
                && !rel.starts_with("custody/")
                && !rel.starts_with("keys/")
                && rel != "tagmanifest-sha256.txt";
            tag.then(|| (rel.to_string(), hex(&Sha256::digest(d))))
        })
        .collect();
    lines.sort();
    let tm: String = lines.iter().map(|(n, h)| format!("{h}  {n}\n")).collect();
    *find(&mut entries, "/tagmanifest-sha256.txt") = tm.clone().into_bytes();
    let mut seal: Value =
        serde_json::from_slice(find(&mut entries, "/custody/000001-seal.json")).unwrap();
    seal["tagmanifest_sha256"] = Value::String(hex(&Sha256::digest(tm.as_bytes())));
    write_signed(env, &mut entries, &seal, times, out)
}

/// Edit provenance/proofs.json as JSON.
fn proofs(edit: impl Fn(&mut Value)) -> impl Fn(&mut Vec<(String, Vec<u8>)>) {
    move |entries| {
        let p = find(entries, "/provenance/proofs.json");
        let mut v: Value = serde_json::from_slice(p).unwrap();
        edit(&mut v);
        *p = serde_json::to_vec_pretty(&v).unwrap();
    }
}

#[test]
fn the_python_checker_agrees_with_verify() {
    let env = Env::new();
    let sub = exported(&env);
    let Some(py) = python(&sub) else { return };
    assert_eq!(py.code, 0, "{}{}", py.stdout_str(), py.stderr);
    assert!(
        py.stdout_str().contains("3 of 7 files of bundle")
            && py.stdout_str().contains("all proven"),
        "{}",
        py.stdout_str()
    );
    let (code, out) = verify_code(&env, &sub);
    assert_eq!(code, 0, "{out}");
    // The forger changes nothing: both still accept (so each case below
    // fails only for what it changes).
    let same = resign(&env, &sub, "same.zip", |_| {});
    assert_eq!(python(&same).unwrap().code, 0);
    assert_eq!(verify_code(&env, &same).0, 0);

    let flip = |v: &mut Value| {
        let h = v["proofs"][0]["audit_path"][0]
            .as_str()
            .unwrap()
            .to_string();
        let first = if h.starts_with('0') { "1" } else { "0" };
        v["proofs"][0]["audit_path"][0] = Value::String(format!("{first}{}", &h[1..]));
    };
    let cases: Vec<(&str, Edit)> = vec![
        ("a changed audit path hash", Box::new(proofs(flip))),
        (
            "a proof moved to another index",
            Box::new(proofs(|v| {
                let i = v["proofs"][0]["index"].as_u64().unwrap();
                v["proofs"][0]["index"] = Value::from(i ^ 1);
            })),
        ),
        (
            "one file's proof given for another",
            Box::new(proofs(|v| {
                let a = v["proofs"][0].clone();
                let b = v["proofs"][1].clone();
                v["proofs"][0]["salt"] = b["salt"].clone();
                v["proofs"][0]["index"] = b["index"].clone();
                v["proofs"][0]["audit_path"] = b["audit_path"].clone();
                v["proofs"][1]["salt"] = a["salt"].clone();
                v["proofs"][1]["index"] = a["index"].clone();
                v["proofs"][1]["audit_path"] = a["audit_path"].clone();
            })),
        ),
        (
            "a proof left out",
            Box::new(proofs(|v| {
                v["proofs"].as_array_mut().unwrap().pop();
            })),
        ),
        (
            "a disclosed file changed and re-listed everywhere by the exporter",
            Box::new(|entries: &mut Vec<(String, Vec<u8>)>| {
                let new = b"From: a\n\nHELLO".to_vec();
                let old = std::mem::replace(find(entries, "/data/ev/mail/a.eml"), new.clone());
                let (o, n) = (hex(&Sha256::digest(&old)), hex(&Sha256::digest(&new)));
                let (om, nm) = (hex(&md5_of(&old)), hex(&md5_of(&new)));
                for suffix in [
                    "/manifest-sha256.txt",
                    "/manifest-md5.txt",
                    "/evidentia/manifest.json",
                ] {
                    let f = find(entries, suffix);
                    let t = String::from_utf8(f.clone()).unwrap();
                    *f = t.replace(&o, &n).replace(&om, &nm).into_bytes();
                }
                let j = find(entries, "/evidentia/manifest.json");
                let mut m: Value = serde_json::from_slice(j).unwrap();
                for f in m["files"].as_array_mut().unwrap() {
                    if f["path"] == "data/ev/mail/a.eml" {
                        f["blake3"] = Value::String(blake3::hash(&new).to_hex().to_string());
                    }
                }
                *j = serde_json::to_vec_pretty(&m).unwrap();
            }),
        ),
    ];
    for (i, (what, edit)) in cases.iter().enumerate() {
        let bad = resign(&env, &sub, &format!("bad{i}.zip"), edit);
        let py = python(&bad).unwrap();
        assert_eq!(
            py.code,
            1,
            "python, {what}: {}{}",
            py.stdout_str(),
            py.stderr
        );
        let (code, out) = verify_code(&env, &bad);
        assert_eq!(code, 1, "verify, {what}: {out}");
        assert!(out.contains("provenance"), "verify, {what}: {out}");
    }
}

/// An edit of a bundle's entries.
type Edit = Box<dyn Fn(&mut Vec<(String, Vec<u8>)>)>;

fn md5_of(data: &[u8]) -> Vec<u8> {
    use md5::Digest as _;
    md5::Md5::digest(data).to_vec()
}
