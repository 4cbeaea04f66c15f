//! `acquire --seal`, and sealing an acquisition directory: the acquisition
//! is summarised in manifest.json and tied to the sealed image by verify.

use crate::bundle::{examiner, trust};
use crate::harness::{Env, peer};
use serde_json::Value;
use std::ffi::OsStr;

fn source(env: &Env) -> std::path::PathBuf {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    env.write("stick.img", &data)
}

/// The `items` of the bundle's manifest.json, read by stock `unzip`;
/// `None` when unzip is not installed (a skip: see [`peer`]).
fn manifest_items(env: &Env, bundle: &str) -> Option<Value> {
    let unzip = peer("unzip")?;
    let out = std::process::Command::new(unzip)
        .args(["-p", bundle])
        .arg(format!(
            "{}/evidentia/manifest.json",
            bundle.trim_end_matches(".zip")
        ))
        .current_dir(env.path())
        .output()
        .expect("run unzip");
    assert!(
        out.status.success(),
        "unzip -p {bundle}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice::<Value>(&out.stdout).unwrap()["items"].clone())
}

#[test]
fn acquire_seal_records_the_item_and_verifies() {
    let env = Env::new();
    let key = examiner(&env, "Field Examiner");
    trust(&env, &key);
    let src = source(&env);
    let r = env.run([
        OsStr::new("acquire"),
        src.as_os_str(),
        OsStr::new("--out"),
        OsStr::new("acq"),
        OsStr::new("--case"),
        OsStr::new("C-1"),
        OsStr::new("--item"),
        OsStr::new("USB-1"),
        OsStr::new("--seal"),
        OsStr::new("usb1.zip"),
    ]);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("sealed usb1.zip"),
        "{}",
        r.stdout_str()
    );
    env.run(["verify", "usb1.zip"]).expect_code(0);
    let Some(items) = manifest_items(&env, "usb1.zip") else {
        return;
    };
    assert_eq!(items[0]["item"], "USB-1");
    assert_eq!(items[0]["image"][0], "data/acq/image.raw");
    assert_eq!(items[0]["record"], "data/acq/acquisition.json");
    assert_eq!(items[0]["complete"], true);
    assert_eq!(items[0]["size"], 300_000);
    assert_eq!(items[0]["hashes"]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn an_image_changed_after_acquisition_is_caught_when_sealed() {
    let env = Env::new();
    let key = examiner(&env, "Field Examiner");
    trust(&env, &key);
    let src = source(&env);
    env.run([
        OsStr::new("acquire"),
        src.as_os_str(),
        OsStr::new("--out"),
        OsStr::new("acq"),
    ])
    .expect_code(0);
    // Someone edits the image between acquisition and sealing.
    let img = env.path().join("acq/image.raw");
    let mut data = std::fs::read(&img).unwrap();
    data[1000] ^= 0xff;
    std::fs::write(&img, &data).unwrap();
    env.run(["seal", "acq", "--out", "b.zip", "--case", "C-2"])
        .expect_code(0);
    let r = env.run(["verify", "b.zip"]);
    r.expect_code(1);
    assert!(
        r.stdout_str()
            .contains("does not match the hash taken at acquisition"),
        "{}",
        r.stdout_str()
    );
}

#[test]
fn acquire_seal_needs_a_case_and_a_new_bundle() {
    let env = Env::new();
    let src = source(&env);
    let r = env.run([
        OsStr::new("acquire"),
        src.as_os_str(),
        OsStr::new("--out"),
        OsStr::new("a"),
        OsStr::new("--seal"),
        OsStr::new("x.zip"),
    ]);
    r.expect_code(2);
    env.write("x.zip", b"existing");
    let key = examiner(&env, "E");
    trust(&env, &key);
    let r = env.run([
        OsStr::new("acquire"),
        src.as_os_str(),
        OsStr::new("--out"),
        OsStr::new("a"),
        OsStr::new("--case"),
        OsStr::new("C"),
        OsStr::new("--seal"),
        OsStr::new("x.zip"),
    ]);
    r.expect_code(2);
    assert!(r.stderr.contains("exists already"), "{}", r.stderr);
    assert!(
        !env.path().join("a").exists(),
        "nothing acquired when the seal cannot happen"
    );
}
