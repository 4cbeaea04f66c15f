//! The check in docs/capture.md, "Checking a capture without evidentia",
//! run as printed (jq, capinfos, minisign, coreutils) against a real
//! capture: it passes, and it fails on an edited segment, a removed
//! segment and a forged chain.

use crate::capture::{marked, pcap, setup};
use crate::harness::{Env, peer};
use std::path::{Path, PathBuf};

/// The script from docs/capture.md, written to `env`.
fn script(env: &Env) -> PathBuf {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/capture.md")).unwrap();
    let start = doc
        .find("#!/bin/sh\n# check-capture DIR")
        .expect("the script in docs/capture.md");
    let end = start + doc[start..].find("\n```").unwrap();
    env.write("check-capture", &doc.as_bytes()[start..end])
}

fn check(env: &Env, script: &Path, dir: &str) -> (bool, String) {
    let out = std::process::Command::new("sh")
        .arg(script)
        .arg(dir)
        .current_dir(env.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_documented_check_passes_and_catches_edits() {
    if ["jq", "capinfos", "minisign"]
        .iter()
        .any(|t| peer(t).is_none())
    {
        return;
    }
    let env = Env::new();
    setup(&env);
    env.write("in.pcap", &pcap(&marked(300, 100)));
    env.run([
        "capture", "in.pcap", "--out", "cap", "--case", "C-1", "--rotate", "10s",
    ])
    .expect_code(0);
    let script = script(&env);
    let (ok, text) = check(&env, &script, "cap");
    assert!(ok, "{text}");
    assert!(text.contains("3 segments"), "{text}");

    let copy = |name: &str| {
        let out = std::process::Command::new("cp")
            .args(["-a", "cap", name])
            .current_dir(env.path())
            .status()
            .unwrap();
        assert!(out.success());
        env.path().join(name)
    };
    let edited = copy("edited");
    let p = edited.join("segments/000002.pcap");
    let mut b = std::fs::read(&p).unwrap();
    let last = b.len() - 1;
    b[last] ^= 1;
    std::fs::write(&p, b).unwrap();
    let (ok, text) = check(&env, &script, "edited");
    assert!(!ok && text.contains("000002.pcap: sha256"), "{text}");

    let removed = copy("removed");
    for s in ["pcap", "json", "json.minisig", "flows.jsonl"] {
        std::fs::remove_file(removed.join(format!("segments/000003.{s}"))).unwrap();
    }
    let (ok, text) = check(&env, &script, "removed");
    assert!(!ok, "{text}");

    let forged = copy("forged");
    let rec = forged.join("segments/000002.json");
    let text = std::fs::read_to_string(&rec)
        .unwrap()
        .replace("\"packets\": 100", "\"packets\": 99");
    std::fs::write(&rec, text).unwrap();
    let (ok, text) = check(&env, &script, "forged");
    assert!(!ok && text.contains("000002.json: signature"), "{text}");
}
