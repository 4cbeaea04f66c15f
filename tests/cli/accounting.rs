//! Every byte of a bundle is accounted for: a genuine sealed bundle, edited
//! byte by byte so that it carries data `verify` used to leave unread (and
//! other unzip tools would extract or show), is refused with a `container`
//! (or `entry-data`) finding; a genuine bundle after several appends, and
//! one sealed from files with names Windows cannot carry, still verify and
//! still unpack with unzip and validate with bagit.py.

use crate::bundle::{examiner, trust};
use crate::harness::{Env, peer, run_peer};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const TIME: &str = "2024-05-01T12:00:00Z";

/// A bundle's bytes split as the edits need them: everything before the
/// central directory, and the directory's headers one by one (end records
/// are written anew; the bundles here are small, without ZIP64).
struct Zip {
    body: Vec<u8>,
    headers: Vec<Vec<u8>>,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().unwrap())
}
fn put16(b: &mut [u8], i: usize, x: u16) {
    b[i..i + 2].copy_from_slice(&x.to_le_bytes());
}
fn put32(b: &mut [u8], i: usize, x: u32) {
    b[i..i + 4].copy_from_slice(&x.to_le_bytes());
}

impl Zip {
    fn read(path: &Path) -> Zip {
        let bytes = std::fs::read(path).unwrap();
        let end = bytes.len() - 22;
        assert_eq!(
            u32_at(&bytes, end),
            0x0605_4b50,
            "an end record without comment"
        );
        let (count, at) = (u16_at(&bytes, end + 10), u32_at(&bytes, end + 16) as usize);
        let mut headers = Vec::new();
        let mut pos = at;
        for _ in 0..count {
            let h = &bytes[pos..];
            let n = 46 + u16_at(h, 28) as usize + u16_at(h, 30) as usize + u16_at(h, 32) as usize;
            headers.push(h[..n].to_vec());
            pos += n;
        }
        Zip {
            body: bytes[..at].to_vec(),
            headers,
        }
    }

    fn write(&self, path: &Path) {
        let mut out = self.body.clone();
        let cd: Vec<u8> = self.headers.concat();
        let mut end = vec![0u8; 22];
        put32(&mut end, 0, 0x0605_4b50);
        put16(&mut end, 8, self.headers.len() as u16);
        put16(&mut end, 10, self.headers.len() as u16);
        put32(&mut end, 12, cd.len() as u32);
        put32(&mut end, 16, out.len() as u32);
        out.extend_from_slice(&cd);
        out.extend_from_slice(&end);
        std::fs::write(path, out).unwrap();
    }

    /// The index of the header whose name ends with `suffix`.
    fn find(&self, suffix: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h[46..46 + u16_at(h, 28) as usize].ends_with(suffix.as_bytes()))
            .unwrap_or_else(|| panic!("no entry {suffix}"))
    }

    fn name(&self, i: usize) -> String {
        let h = &self.headers[i];
        String::from_utf8(h[46..46 + u16_at(h, 28) as usize].to_vec()).unwrap()
    }

    /// Where entry `i`'s local header is.
    fn local(&self, i: usize) -> usize {
        u32_at(&self.headers[i], 42) as usize
    }

    /// Where entry `i`'s data ends.
    fn data_end(&self, i: usize) -> usize {
        let l = self.local(i);
        l + 30
            + u16_at(&self.body, l + 26) as usize
            + u16_at(&self.body, l + 28) as usize
            + u32_at(&self.headers[i], 20) as usize
    }

    /// Insert `bytes` into the body at `at`, moving later local headers.
    fn insert(&mut self, at: usize, bytes: &[u8]) {
        self.body.splice(at..at, bytes.iter().copied());
        for h in &mut self.headers {
            let off = u32_at(h, 42) as usize;
            if off >= at {
                put32(h, 42, (off + bytes.len()) as u32);
            }
        }
    }

    /// Set the flags of entry `i` in both headers.
    fn set_flags(&mut self, i: usize, flags: u16) {
        let l = self.local(i);
        put16(&mut self.body, l + 6, flags);
        put16(&mut self.headers[i], 8, flags);
    }

    /// A new stored entry at the end of the entries.
    fn add(&mut self, name: &str, data: &[u8]) {
        let crc = crc32fast::hash(data);
        let mut local = vec![0u8; 30];
        put32(&mut local, 0, 0x0403_4b50);
        put16(&mut local, 4, 20);
        put16(&mut local, 6, 0x0800);
        put32(&mut local, 14, crc);
        put32(&mut local, 18, data.len() as u32);
        put32(&mut local, 22, data.len() as u32);
        put16(&mut local, 26, name.len() as u16);
        let mut central = vec![0u8; 46];
        put32(&mut central, 0, 0x0201_4b50);
        put16(&mut central, 4, (3 << 8) | 45);
        put16(&mut central, 6, 20);
        put16(&mut central, 8, 0x0800);
        put32(&mut central, 16, crc);
        put32(&mut central, 20, data.len() as u32);
        put32(&mut central, 24, data.len() as u32);
        put16(&mut central, 28, name.len() as u16);
        put32(&mut central, 38, 0o100644 << 16);
        put32(&mut central, 42, self.body.len() as u32);
        central.extend_from_slice(name.as_bytes());
        self.body.extend_from_slice(&local);
        self.body.extend_from_slice(name.as_bytes());
        self.body.extend_from_slice(data);
        self.headers.push(central);
    }
}

/// A trusted examiner, evidence, and a sealed bundle `b.zip`.
fn sealed(env: &Env, extra: &[&str]) -> PathBuf {
    let id = examiner(env, "Jana Examiner");
    trust(env, &id);
    env.write("ev/a.txt", b"hello, this is the evidence\n");
    env.write("ev/sub/b.bin", &vec![7u8; 20_000]);
    let mut args = vec![
        "seal", "ev", "--out", "b.zip", "--case", "C-1", "--time", TIME,
    ];
    args.extend_from_slice(extra);
    env.run(&args).expect_code(0);
    env.path().join("b.zip")
}

fn verify(env: &Env, bundle: &Path) -> (i32, Vec<(String, String, String)>) {
    let run = env.run([
        OsStr::new("verify"),
        OsStr::new("--json"),
        bundle.as_os_str(),
    ]);
    let v: Value = serde_json::from_slice(&run.stdout).unwrap_or(Value::Null);
    let list = v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                    (s("code"), s("path"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default();
    (run.code, list)
}

/// Edit the sealed bundle, write it as `edited.zip`, and check that verify
/// refuses it with a finding `code` on `path` whose message holds `msg`.
#[track_caller]
fn refused(
    env: &Env,
    b: &Path,
    edit: impl FnOnce(&mut Zip),
    (code, path, msg): (&str, &str, &str),
) {
    let (clean, found) = verify(env, b);
    assert_eq!(clean, 0, "the unedited bundle verifies: {found:#?}");
    let mut z = Zip::read(b);
    edit(&mut z);
    let out = env.path().join("edited.zip");
    z.write(&out);
    let (exit, found) = verify(env, &out);
    assert_eq!(exit, 1, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|(c, p, m)| c == code && p == path && m.contains(msg)),
        "wanted {code} on {path:?} saying {msg:?}, got {found:#?}"
    );
}

#[test]
fn a_directory_entry_with_data_is_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    refused(
        &env,
        &b,
        |z| z.add("b/data/hidden/", b"data in a directory entry"),
        ("container", "b/data/hidden/", "directory entry"),
    );
}

#[test]
fn a_name_and_the_same_name_with_a_slash_are_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    refused(
        &env,
        &b,
        |z| z.add("b/data/ev/a.txt/", b""),
        (
            "container",
            "b/data/ev/a.txt/",
            "collides with \"b/data/ev/a.txt\"",
        ),
    );
}

#[test]
fn bytes_after_a_deflate_stream_inside_its_size_are_refused() {
    let env = Env::new();
    let b = sealed(&env, &["--compress", "deflate"]);
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            let (l, end) = (z.local(i), z.data_end(i));
            z.insert(end, b"bytes another tool could read");
            let csize = u32_at(&z.headers[i], 20) + 29;
            put32(&mut z.body, l + 18, csize);
            put32(&mut z.headers[i], 20, csize);
        },
        (
            "entry-data",
            "data/ev/a.txt",
            "follow the end of the deflate stream",
        ),
    );
}

#[test]
fn a_local_entry_hidden_in_a_gap_is_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    let (name, data) = (
        "b/data/ev/secret.txt",
        b"a whole entry the directory does not list",
    );
    let start = Zip::read(&b).body.len();
    let range = format!("bytes {start}..{}", start + 30 + name.len() + data.len());
    refused(
        &env,
        &b,
        |z| {
            // Its local entry only: no central header lists it.
            z.add(name, data);
            z.headers.pop();
        },
        ("container", &range, "belong to no entry"),
    );
}

#[test]
fn data_descriptor_flags_do_not_skip_the_comparison() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    // Bit 3 with a local CRC-32 that disagrees.
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            z.set_flags(i, 0x0808);
            let l = z.local(i);
            put32(&mut z.body, l + 14, 0xdead_beef);
        },
        (
            "container",
            "b/data/ev/a.txt",
            "disagrees with central directory: CRC-32",
        ),
    );
    // Bit 3, local values zero, and a descriptor that disagrees.
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            z.set_flags(i, 0x0808);
            let l = z.local(i);
            z.body[l + 14..l + 26].fill(0);
            let mut d = vec![0u8; 16];
            put32(&mut d, 0, 0x0807_4b50);
            put32(&mut d, 4, u32_at(&z.headers[i], 16) ^ 1);
            put32(&mut d, 8, u32_at(&z.headers[i], 20));
            put32(&mut d, 12, u32_at(&z.headers[i], 24));
            let end = z.data_end(i);
            z.insert(end, &d);
        },
        ("container", "b/data/ev/a.txt", "data descriptor"),
    );
}

/// An extra field `field` in entry a.txt's central (or local) header.
fn with_extra(z: &mut Zip, field: &[u8], local: bool) {
    let i = z.find("data/ev/a.txt");
    if local {
        let l = z.local(i);
        let nl = u16_at(&z.body, l + 26) as usize;
        put16(&mut z.body, l + 28, field.len() as u16);
        z.insert(l + 30 + nl, field);
    } else {
        let h = &mut z.headers[i];
        let nl = u16_at(h, 28) as usize;
        put16(h, 30, field.len() as u16);
        h.splice(46 + nl..46 + nl, field.iter().copied());
    }
}

#[test]
fn an_info_zip_unicode_path_field_is_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            let name = z.name(i);
            let other = b"b/data/ev/other.txt";
            let mut f = vec![0x75, 0x70, 0, 0, 1];
            f.extend_from_slice(&crc32fast::hash(name.as_bytes()).to_le_bytes());
            f.extend_from_slice(other);
            let n = (f.len() - 4) as u16;
            put16(&mut f, 2, n);
            with_extra(z, &f, false);
        },
        (
            "container",
            "b/data/ev/a.txt",
            "extra field 0x7075 in the central header",
        ),
    );
}

#[test]
fn an_unknown_extra_field_is_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    refused(
        &env,
        &b,
        |z| with_extra(z, &[0xfe, 0xca, 4, 0, 1, 2, 3, 4], true),
        (
            "container",
            "b/data/ev/a.txt",
            "extra field 0xcafe in the local header",
        ),
    );
}

#[test]
fn names_windows_cannot_carry_are_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    for (name, msg) in [
        ("b/data/ev/x.", "ends with a dot or a space"),
        ("b/data/ev/x ", "ends with a dot or a space"),
        ("b/data/ev/NUL", "reserved device name"),
        ("b/data/ev/nul.txt", "reserved device name"),
        ("b/data/ev/CON.tar.gz", "reserved device name"),
        ("b/data/ev/com9", "reserved device name"),
        ("b/data/ev/LPT\u{b9}.log", "reserved device name"),
        ("b/data/ev/a.txt:stream", "NTFS alternate data stream"),
        ("b/data/ev/what?", "'?' in a component"),
        ("b/data/ev/a|b", "'|' in a component"),
    ] {
        refused(&env, &b, |z| z.add(name, b"x"), ("container", name, msg));
    }
    // Names equal once Windows strips trailing dots and spaces collide.
    refused(
        &env,
        &b,
        |z| z.add("b/data/ev/A.TXT. ", b"x"),
        (
            "container",
            "b/data/ev/A.TXT. ",
            "collides with \"b/data/ev/a.txt\"",
        ),
    );
}

#[test]
fn a_bundle_after_several_appends_verifies() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    for (i, action) in ["access", "note", "verify"].iter().enumerate() {
        let time = format!("2024-05-0{}T12:00:00Z", i + 2);
        let mut c = env.cmd(["custody", "add"]);
        c.arg(&b)
            .args(["--action", action, "--note", "checked", "--time", &time]);
        env.run_cmd(c.stdin(std::process::Stdio::null()))
            .expect_code(0);
        let (exit, found) = verify(&env, &b);
        assert_eq!(exit, 0, "after append {}: {found:#?}", i + 1);
    }
    if let Some(unzip) = peer("unzip") {
        let out = run_peer(&unzip, &[OsStr::new("-t"), b.as_os_str()], env.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Evidence named as Windows cannot carry: (file name, bag name).
const WINDOWS_NAMES: [(&str, &str); 8] = [
    ("NUL.txt", "^4EUL.txt"),
    ("com1", "^63om1"),
    ("LPT\u{b9}.log", "^4CPT\u{b9}.log"),
    ("trailing.", "trailing^2E"),
    ("trailing ", "trailing^20"),
    ("a:b", "a^3Ab"),
    ("what?", "what^3F"),
    ("<x>|*\"", "^3Cx^3E^7C^2A^22"),
];

#[test]
fn seal_escapes_names_windows_cannot_carry_and_keeps_the_originals() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    trust(&env, &id);
    for (i, (name, _)) in WINDOWS_NAMES.iter().enumerate() {
        env.write(&format!("ev/{name}"), format!("file {i}\n").as_bytes());
    }
    env.run([
        "seal", "ev", "--out", "w.zip", "--case", "C-1", "--time", TIME,
    ])
    .expect_code(0);
    let b = env.path().join("w.zip");
    let (exit, found) = verify(&env, &b);
    assert_eq!(exit, 0, "{found:#?}");
    let (archive, issues) = evidentia::bundle::Archive::open(&b).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    let names: Vec<String> = archive.entries().map(|e| e.name).collect();
    let json = archive
        .entries()
        .find(|e| e.name.ends_with("evidentia/manifest.json"))
        .map(|e| archive.read_small(&e, 1 << 20).unwrap())
        .unwrap();
    let manifest: Value = serde_json::from_slice(&json).unwrap();
    for (name, escaped) in WINDOWS_NAMES {
        let bag = format!("w/data/ev/{escaped}");
        assert!(names.contains(&bag), "{bag} in {names:#?}");
        let file = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == format!("data/ev/{escaped}"))
            .unwrap_or_else(|| panic!("{escaped} in manifest.json"));
        assert_eq!(file["original"]["text"], format!("ev/{name}"), "{file}");
    }
    let Some(unzip) = peer("unzip") else { return };
    let out = run_peer(&unzip, &[OsStr::new("-t"), b.as_os_str()], env.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let dir = env.path().join("unzipped");
    std::fs::create_dir(&dir).unwrap();
    let out = run_peer(&unzip, &[OsStr::new("-q"), b.as_os_str()], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(bagit) = peer("bagit.py") {
        let out = run_peer(&bagit, &[OsStr::new("--validate"), OsStr::new("w")], &dir);
        assert!(
            out.status.success(),
            "bagit.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// 2020-01-01 00:00:00 in MS-DOS form (time, date): a back-dated mtime.
const BACKDATED: (u16, u16) = (0, (40 << 9) | (1 << 5) | 1);

impl Zip {
    /// Set entry `i`'s modification time in both headers, or only in the
    /// local one.
    fn set_time(&mut self, i: usize, (time, date): (u16, u16), central: bool) {
        let l = self.local(i);
        put16(&mut self.body, l + 10, time);
        put16(&mut self.body, l + 12, date);
        if central {
            put16(&mut self.headers[i], 12, time);
            put16(&mut self.headers[i], 14, date);
        }
    }
}

#[test]
fn a_payload_entry_with_another_time_is_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            z.set_time(i, BACKDATED, true);
        },
        (
            "container",
            "data/ev/a.txt",
            "modification time is not the seal time",
        ),
    );
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            z.set_time(i, BACKDATED, false);
        },
        (
            "container",
            "b/data/ev/a.txt",
            "local header's modification time is 2020-01-01 00:00:00, expected 2024-05-01 12:00:00",
        ),
    );
}

#[test]
fn custody_and_key_entries_with_another_time_are_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    for (suffix, path, msg) in [
        ("-seal.json", "custody/000001-seal.json", "the event's time"),
        (
            "-seal.json.minisig",
            "custody/000001-seal.json.minisig",
            "the event's time",
        ),
    ] {
        refused(
            &env,
            &b,
            |z| {
                let i = z.find(suffix);
                z.set_time(i, BACKDATED, true);
            },
            ("container", path, msg),
        );
    }
    let z = Zip::read(&b);
    let key = z.name(z.find(".pub"));
    refused(
        &env,
        &b,
        |z| {
            let i = z.find(".pub");
            z.set_time(i, BACKDATED, true);
        },
        (
            "container",
            key.strip_prefix("b/").unwrap(),
            "any event signed with its key",
        ),
    );
}

#[test]
fn modes_and_the_text_flag_are_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    for (mode, shown) in [(0o100000u32, "mode 100000"), (0o100755, "mode 100755")] {
        refused(
            &env,
            &b,
            |z| {
                let i = z.find("data/ev/a.txt");
                put32(&mut z.headers[i], 38, mode << 16);
            },
            ("container", "b/data/ev/a.txt", shown),
        );
    }
    // Internal attributes bit 0: "text", which `unzip -a` converts.
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            put16(&mut z.headers[i], 36, 1);
        },
        (
            "container",
            "b/data/ev/a.txt",
            "internal attributes is 0x0001, expected 0x0000",
        ),
    );
}

#[test]
fn versions_other_than_evidentias_are_refused() {
    let env = Env::new();
    let b = sealed(&env, &[]);
    let a = "b/data/ev/a.txt";
    // Version needed 10 in both headers.
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            let l = z.local(i);
            put16(&mut z.body, l + 4, 10);
            put16(&mut z.headers[i], 6, 10);
        },
        ("container", a, "version needed is 10, expected 20"),
    );
    // Only the local header says 45.
    refused(
        &env,
        &b,
        |z| {
            let l = z.local(z.find("data/ev/a.txt"));
            put16(&mut z.body, l + 4, 45);
        },
        (
            "container",
            a,
            "local header's version needed is 45, expected 20",
        ),
    );
    // Made by MS-DOS, spec 2.0.
    refused(
        &env,
        &b,
        |z| {
            let i = z.find("data/ev/a.txt");
            put16(&mut z.headers[i], 4, 20);
        },
        ("container", a, "version made by is 0x0014, expected 0x032d"),
    );
}

#[test]
fn appends_by_another_signer_keep_their_event_times_and_verify() {
    let env = Env::new();
    let first = examiner(&env, "Jana Examiner");
    trust(&env, &first);
    let other = examiner(&env, "Petr Second");
    trust(&env, &other);
    env.write("ev/a.txt", b"hello, this is the evidence\n");
    env.run([
        "seal", "ev", "--out", "b.zip", "--case", "C-1", "--time", TIME, "--key", &first,
    ])
    .expect_code(0);
    let b = env.path().join("b.zip");
    for (i, key) in [&first, &other, &first, &other].iter().enumerate() {
        let time = format!("2024-05-0{}T1{i}:00:02Z", i + 2);
        let mut c = env.cmd(["custody", "add"]);
        c.arg(&b)
            .args(["--action", "note", "--note", "checked", "--time", &time]);
        c.arg("--key").arg(key);
        env.run_cmd(c.stdin(std::process::Stdio::null()))
            .expect_code(0);
        let (exit, found) = verify(&env, &b);
        assert_eq!(exit, 0, "after append {}: {found:#?}", i + 1);
    }
}
