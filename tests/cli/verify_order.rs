//! verify hashes small payload files on several workers and large ones on
//! the calling thread: whatever order the work finishes in, the findings
//! come out in payload order, every changed file is named, and a clean
//! bundle stays clean.

use crate::bundle::{examiner, find, rewrite, trust, verify_json};
use crate::harness::Env;
use serde_json::Value;

/// Files of the tree: many small ones, with large ones (more than one hash
/// block, so hashed inline) in between.
fn tree(env: &Env) -> Vec<String> {
    let mut names = Vec::new();
    for i in 0..600u32 {
        let name = format!("f{i:04}");
        let len = if i % 150 == 75 {
            3 << 20
        } else {
            (i as usize * 37) % 5000
        };
        let body: Vec<u8> = (0..len).map(|j| (j as u32 ^ i) as u8).collect();
        env.write(&format!("ev/{name}"), &body);
        names.push(name);
    }
    names
}

fn verify(env: &Env, bundle: &std::path::Path) -> (i32, Value) {
    let (run, v) = verify_json(env, bundle);
    (run.code, v)
}

#[test]
fn findings_come_in_payload_order_whatever_finishes_first() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    trust(&env, &id);
    let names = tree(&env);
    env.run([
        "seal",
        "ev",
        "--out",
        "p.zip",
        "--case",
        "C-1",
        "--time",
        "2024-05-01T12:00:00Z",
    ])
    .expect_code(0);
    let clean = env.path().join("p.zip");
    let (code, v) = verify(&env, &clean);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (0, Some("verified")),
        "{v:#}"
    );
    assert_eq!(v["files"], 600);

    // Change every seventh file and the large ones (75, 225, 375, 525):
    // neighbouring batches of small files both hold changed files, and
    // race. The rewrite gives each a correct CRC-32, so only the digests
    // can tell.
    let changed: Vec<usize> = (0..600).filter(|i| i % 7 == 3 || i % 150 == 75).collect();
    let tampered = env.path().join("t.zip");
    rewrite(&clean, &tampered, |e| {
        for &i in &changed {
            let data = find(e, &format!("data/ev/{}", names[i]));
            if data.is_empty() {
                data.push(1);
            } else {
                let at = data.len() / 2;
                data[at] ^= 0x40;
            }
        }
    });
    let want: Vec<String> = changed
        .iter()
        .map(|i| format!("data/ev/{}", names[*i]))
        .collect();
    // Several runs: the workers finish in a different order each time.
    for _ in 0..4 {
        let (code, v) = verify(&env, &tampered);
        assert_eq!(code, 1, "{v:#}");
        let mut got: Vec<String> = Vec::new();
        for f in v["findings"].as_array().unwrap() {
            if f["code"] == "digest-mismatch" {
                let p = f["path"].as_str().unwrap().to_string();
                if got.last() != Some(&p) {
                    got.push(p);
                }
            }
        }
        assert_eq!(got, want, "{v:#}");
    }
}

/// The tag manifest's digests of manifest.json and manifest-sha256.txt are
/// taken while their first passes read them: bytes those passes do not
/// need (trailing blank lines, whitespace after the JSON) must still be
/// hashed, and a change there found.
#[test]
fn tag_digests_taken_on_the_way_cover_every_byte() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    trust(&env, &id);
    env.write("ev/a.txt", b"alpha\n");
    env.write("ev/b.txt", b"beta\n");
    env.run([
        "seal",
        "ev",
        "--out",
        "c.zip",
        "--case",
        "C-1",
        "--time",
        "2024-05-01T12:00:00Z",
    ])
    .expect_code(0);
    let clean = env.path().join("c.zip");
    for (member, tail) in [
        ("evidentia/manifest.json", &b"\n   \n"[..]),
        ("manifest-sha256.txt", &b"\n\n"[..]),
    ] {
        let out = env.path().join("t.zip");
        rewrite(&clean, &out, |e| find(e, member).extend_from_slice(tail));
        let (code, v) = verify(&env, &out);
        assert_eq!(code, 1, "{member}: {v:#}");
        let hit = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "tag-digest-mismatch" && f["path"] == member);
        assert!(hit, "{member}: {v:#}");
    }
}
