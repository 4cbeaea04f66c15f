//! `evidentia export`: a derived bundle of selected files, each with an
//! inclusion proof against the original's signed commitment, that stock
//! BagIt tools validate; the original records what left; the withheld
//! files leave no trace but their count; what cannot be exported (a
//! bundle that does not verify, a derived bundle, an original without a
//! commitment unless its manifest is revealed, an exporter who does not
//! hold the evidence, a read-only original without --no-record) is refused
//! before anything is written. Real keys, real bundles sealed by the CLI.
//!
//! `verify` of a derived bundle is taught by another change (h18-verify);
//! the assertions that need it are in the test marked `#[ignore]` at the
//! end, to be switched on when it lands.

use crate::custody::{Party, T1, json, party, trust_root_of};
use crate::export_refused::refused;
use crate::harness::{Run, peer, run_peer};
use evidentia::bundle::Archive;
use evidentia::model::disclosure::{Proofs, selection_sha256};
use evidentia::model::{CustodyEvent, Manifest};
use evidentia::pathrepr::PathRepr;
use serde::Deserialize;
use sha2::Digest;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub(crate) const TEXPORT: &str = "2024-06-01T10:00:00Z";
pub(crate) const PURPOSE: &str = "MLA request 2024/17: accounts A and B";
/// The withheld files: (bag path, size), sizes chosen to be searched for.
pub(crate) const WITHHELD: [(&str, usize); 2] = [
    ("data/ev/private/third-party-diary.txt", 98_765),
    ("data/ev/private/neighbour-photos.bin", 54_321),
];

/// The documented `export --json` result, exactly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct Exported {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) path: PathRepr,
    pub(crate) bundle_id: String,
    pub(crate) custody_head: String,
    pub(crate) files: u64,
    pub(crate) withheld: u64,
    pub(crate) bytes: u64,
    pub(crate) purpose: String,
    pub(crate) original: OriginalJson,
    pub(crate) encryption: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct OriginalJson {
    pub(crate) path: PathRepr,
    pub(crate) bundle_id: String,
    pub(crate) custody_head: String,
    pub(crate) manifest_revealed: bool,
    pub(crate) recorded_at_source: bool,
    pub(crate) export_event: Option<EventJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventJson {
    pub(crate) seq: u64,
    pub(crate) member: String,
    pub(crate) custody_head: String,
}

pub(crate) fn hex_sha256(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// `size` bytes of `label` repeated: content found nowhere else.
pub(crate) fn filler(label: &str, size: usize) -> Vec<u8> {
    label.bytes().cycle().take(size).collect()
}

/// An agency and a lab trusting each other's roots, and a bundle of five
/// files sealed by the agency with every manifest algorithm.
pub(crate) fn sealed() -> (Party, Party, PathBuf) {
    let agency = party("Police Agency", "Jana Examiner", "DE");
    let lab = party("Forensic Lab", "Petr Lab", "CZ");
    trust_root_of(&agency, &lab);
    trust_root_of(&lab, &agency);
    let e = &agency.env;
    e.write("ev/mail/a.eml", b"From: alice@example.org\n\naccount A\n");
    e.write("ev/mail/b.eml", b"From: bob@example.org\n\naccount B\n");
    e.write(
        "ev/docs/report.pdf",
        &filler("%PDF-1.7 report of the seizure ", 70_000),
    );
    e.write(
        "ev/private/third-party-diary.txt",
        &filler("WITHHELD-DIARY-OF-A-THIRD-PARTY ", WITHHELD[0].1),
    );
    e.write(
        "ev/private/neighbour-photos.bin",
        &filler("WITHHELD-PHOTOS-OF-THE-NEIGHBOUR ", WITHHELD[1].1),
    );
    let r = e.run([
        "seal",
        "ev",
        "--out",
        "orig.zip",
        "--case",
        "CASE-18",
        "--time",
        T1,
        "--algo",
        "sha512,sha1,md5",
    ]);
    r.expect_code(0);
    let orig = e.path().join("orig.zip");
    (agency, lab, orig)
}

/// `--json export BUNDLE ARGS...` in `p`'s home.
pub(crate) fn export(p: &Party, bundle: &Path, args: &[&str]) -> Run {
    let mut c = p.env.cmd(["--json", "export"]);
    c.arg(bundle).args(args);
    p.env.run_cmd(c.stdin(std::process::Stdio::null()))
}

/// The usual selection, with the time and purpose, writing `out`.
pub(crate) fn args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "--select",
        "ev/mail/*",
        "--select",
        "**/*.pdf",
        "-o",
        out,
        "--purpose",
        PURPOSE,
        "--time",
        TEXPORT,
    ];
    v.extend_from_slice(extra);
    v
}

pub(crate) fn result(r: &Run) -> Exported {
    serde_json::from_slice(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout_str(), r.stderr))
}

/// Every entry of a zip, inflated, by name relative to its bag.
pub(crate) fn members(zip: &Path) -> BTreeMap<String, Vec<u8>> {
    let (a, issues) = Archive::open(zip).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    a.entries()
        .map(|e| {
            let rel = e.name.split_once('/').unwrap().1.to_string();
            (rel, a.read_small(&e, 1 << 30).unwrap())
        })
        .collect()
}

/// The verified custody head of `bundle` as `p` sees it.
pub(crate) fn head(p: &Party, bundle: &Path) -> String {
    let (r, v) = crate::custody::verify(p, bundle, &[]);
    r.expect_code(0);
    v["head"].as_str().unwrap().to_string()
}

/// Unzip `zip` into a new directory of `p`'s env; `bagit.py --validate`
/// when installed. Returns the directory.
pub(crate) fn unzip_and_validate(p: &Party, zip: &Path, bag: &str) -> Option<PathBuf> {
    let unzip = peer("unzip")?;
    let dir = p.env.path().join(format!("unzipped-{bag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let out = run_peer(&unzip, &[OsStr::new("-q"), zip.as_os_str()], &dir);
    assert!(out.status.success(), "unzip");
    if let Some(bagit) = peer("bagit.py") {
        let out = run_peer(&bagit, &[OsStr::new("--validate"), OsStr::new(bag)], &dir);
        assert!(
            out.status.success(),
            "bagit.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some(dir)
}

/// An independent check of every proof against the root the original
/// seal signed, per docs/formats/manifest.md (leaf bytes, RFC 9162 path).
const PROOF_CHECK: &str = r#"
import json, hashlib, struct, sys, base64
d = sys.argv[1]
seal = json.load(open(d + "/provenance/seal.json"))
proofs = json.load(open(d + "/provenance/proofs.json"))
man = {f["path"]: f for f in json.load(open(d + "/evidentia/manifest.json"))["files"]}
H = lambda b: hashlib.sha256(b).digest()
def field(b): return struct.pack(">I", len(b)) + b
def leaf(salt, f):
    o = f["original"]
    orig = b"text:" + o["text"].encode() if "text" in o else b"bytes:" + base64.b64decode(o["bytes"])
    b = field(b"evidentia/disclosure-leaf/v1") + field(salt) + field(f["path"].encode())
    b += field(orig) + field(str(f["size"]).encode())
    for n in ["sha256", "blake3", "sha512", "sha1", "md5"]:
        if n in f: b += field(("%s=%s" % (n, f[n])).encode())
    return H(b"\0" + b)
root, n = bytes.fromhex(seal["disclosure"]["root"]), seal["disclosure"]["leaves"]
assert proofs["leaves"] == n and proofs["bundle_id"] == seal["bundle_id"]
for p in proofs["proofs"]:
    r, fn, sn = leaf(bytes.fromhex(p["salt"]), man[p["path"]]), p["index"], n - 1
    for h in map(bytes.fromhex, p["audit_path"]):
        if fn & 1 or fn == sn:
            r = H(b"\1" + h + r)
            while not fn & 1 and fn: fn >>= 1; sn >>= 1
        else: r = H(b"\1" + r + h)
        fn >>= 1; sn >>= 1
    print(p["path"], "OK" if sn == 0 and r == root else "FAIL")
"#;

#[test]
fn export_discloses_the_selection_with_proofs_and_records_it_at_the_source() {
    let (agency, _lab, orig) = sealed();
    let before = std::fs::read(&orig).unwrap();
    let head_before = head(&agency, &orig);
    let r = export(&agency, &orig, &args("sub.zip", &[]));
    r.expect_code(0);
    let x = result(&r);
    assert_eq!(x.kind, "evidentia/export-result/v1");
    assert_eq!((x.files, x.withheld), (3, 2));
    assert_eq!(x.purpose, PURPOSE);
    assert_eq!(x.original.custody_head, head_before);
    assert!(x.original.recorded_at_source && !x.original.manifest_revealed);
    let ev = x.original.export_event.as_ref().expect("recorded");
    assert_eq!(
        (ev.seq, ev.member.as_str()),
        (2, "custody/000002-export.json")
    );
    let sub = agency.env.path().join("sub.zip");
    let m = members(&sub);
    let disclosed = [
        "data/ev/docs/report.pdf",
        "data/ev/mail/a.eml",
        "data/ev/mail/b.eml",
    ];
    let data: Vec<&str> = m
        .keys()
        .filter(|k| k.starts_with("data/"))
        .map(String::as_str)
        .collect();
    assert_eq!(data, disclosed);
    // The original's seal event and signature, byte for byte, and the
    // sealer's key, certificate and root.
    let om = members(&orig);
    for (p, o) in [
        ("provenance/seal.json", "custody/000001-seal.json"),
        (
            "provenance/seal.json.minisig",
            "custody/000001-seal.json.minisig",
        ),
    ] {
        assert!(m[p] == om[o], "{p}");
    }
    let prov_keys: Vec<&String> = m
        .keys()
        .filter(|k| k.starts_with("provenance/keys/"))
        .collect();
    assert_eq!(prov_keys.len(), 4, "{prov_keys:?}");
    for k in &prov_keys {
        assert!(m[*k] == om[k.strip_prefix("provenance/").unwrap()], "{k}");
    }
    assert!(!m.contains_key("provenance/manifest.json"));
    // The exporter's seal names the original, the selection and the purpose.
    let seal: CustodyEvent = serde_json::from_slice(&m["custody/000001-seal.json"]).unwrap();
    assert_eq!(seal.bundle_id, x.bundle_id);
    assert_eq!(seal.purpose.as_deref(), Some(PURPOSE));
    assert_eq!(seal.disclosure.as_ref().unwrap().leaves, 3);
    let from = seal.exported_from.as_ref().unwrap();
    assert_eq!(from.bundle_id, x.original.bundle_id);
    assert_eq!(from.custody_head, head_before);
    assert_eq!(
        from.seal_sha256,
        hex_sha256(&om["custody/000001-seal.json"])
    );
    assert_eq!(from.files, 3);
    assert_eq!(from.selection_sha256, selection_sha256(disclosed));
    assert!(from.recorded_at_source && !from.manifest_revealed);
    assert_eq!(x.custody_head, hex_sha256(&m["custody/000001-seal.json"]));
    // One proof per file against the original's five leaves.
    let proofs = Proofs::parse(&m["provenance/proofs.json"]).unwrap();
    assert_eq!(proofs.bundle_id, x.original.bundle_id);
    assert_eq!(proofs.leaves, 5);
    let paths: Vec<&str> = proofs.proofs.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, disclosed);
    // The derived manifest.json: the original's records, its own salts,
    // the original's case and algorithms, nothing of the rest.
    let dm: Manifest = serde_json::from_slice(&m["evidentia/manifest.json"]).unwrap();
    let orig_m: Manifest = serde_json::from_slice(&om["evidentia/manifest.json"]).unwrap();
    assert_eq!(dm.schema, "evidentia/manifest/v3");
    assert_eq!(dm.bundle_name, "sub");
    assert_eq!(dm.case, orig_m.case);
    assert_eq!(dm.algorithms, orig_m.algorithms);
    assert!(dm.items.is_empty() && dm.symlinks.is_empty());
    for f in &dm.files {
        let o = orig_m.files.iter().find(|o| o.path == f.path).unwrap();
        assert_eq!((&f.sha256, &f.md5, f.size), (&o.sha256, &o.md5, o.size));
        assert_ne!(
            f.salt, o.salt,
            "the derived bundle salts with its own secret"
        );
    }
    // The original: appended to, never rewritten; it verifies, and its
    // chain shows the export.
    let after = std::fs::read(&orig).unwrap();
    assert!(after.len() > before.len() && after.starts_with(&before[..before.len() - 22]));
    assert_eq!(head(&agency, &orig), ev.custody_head);
    let mut c = agency.env.cmd(["--json", "custody", "show"]);
    c.arg(&orig);
    let show = agency.env.run_cmd(c.stdin(std::process::Stdio::null()));
    show.expect_code(0);
    let t = json(&show);
    let last = t["events"].as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "export");
    assert_eq!(last["purpose"], PURPOSE);
    assert_eq!(last["exported_to"]["bundle_id"], x.bundle_id.as_str());
    assert_eq!(last["exported_to"]["custody_head"], x.custody_head.as_str());
    assert_eq!(last["exported_to"]["files"], 3);
    assert_eq!(
        last["exported_to"]["selection_sha256"],
        from.selection_sha256.as_str()
    );
    // Stock tools: unzip and bagit.py; the proofs checked in Python.
    let Some(dir) = unzip_and_validate(&agency, &sub, "sub") else {
        return;
    };
    if let Some(py) = peer("python3") {
        let script = agency.env.write("check.py", PROOF_CHECK.as_bytes());
        let out = run_peer(
            &py,
            &[script.as_os_str(), dir.join("sub").as_os_str()],
            agency.env.path(),
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text.matches(" OK").count(), 3, "{text}");
        assert!(!text.contains("FAIL"), "{text}");
    }
}

#[test]
fn the_same_export_gives_the_same_bytes() {
    let (agency, _lab, orig) = sealed();
    let copy = |n: &str| {
        let p = agency.env.path().join(n);
        std::fs::copy(&orig, &p).unwrap();
        p
    };
    let (o1, o2) = (copy("o1.zip"), copy("o2.zip"));
    // The same output name (it names the bag), in two directories.
    for d in ["one", "two", "three"] {
        std::fs::create_dir(agency.env.path().join(d)).unwrap();
    }
    export(&agency, &o1, &args("one/sub.zip", &[])).expect_code(0);
    export(&agency, &o2, &args("two/sub.zip", &[])).expect_code(0);
    let read = |n: &str| std::fs::read(agency.env.path().join(n)).unwrap();
    assert!(
        read("one/sub.zip") == read("two/sub.zip"),
        "two exports differ"
    );
    // The originals got the same export event.
    assert!(read("o1.zip") == read("o2.zip"), "the export events differ");
    // Not recorded is another export: another id, other bytes.
    let o3 = copy("o3.zip");
    let r = export(&agency, &o3, &args("three/sub.zip", &["--no-record"]));
    r.expect_code(0);
    assert!(!result(&r).original.recorded_at_source);
    assert!(read("three/sub.zip") != read("one/sub.zip"));
    assert!(
        read("o3.zip") == std::fs::read(&orig).unwrap(),
        "o3 changed"
    );
}

#[test]
fn files_from_a_list_or_standard_input_selects_exact_paths() {
    let (agency, _lab, orig) = sealed();
    let list = b"ev/mail/a.eml\r\n\ndata/ev/docs/report.pdf\nev/mail/a.eml\n";
    agency.env.write("list.txt", list);
    let a = [
        "--files-from",
        "list.txt",
        "-o",
        "f.zip",
        "--purpose",
        "p",
        "--no-record",
    ];
    let r = export(&agency, &orig, &a);
    r.expect_code(0);
    assert_eq!(result(&r).files, 2);
    let mut c = agency.env.cmd(["--json", "export"]);
    c.arg(&orig).args([
        "--files-from",
        "-",
        "-o",
        "g.zip",
        "--purpose",
        "p",
        "--no-record",
    ]);
    let mut child = c
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(list).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for z in ["f.zip", "g.zip"] {
        let m = members(&agency.env.path().join(z));
        let data: Vec<&String> = m.keys().filter(|k| k.starts_with("data/")).collect();
        assert_eq!(
            data,
            ["data/ev/docs/report.pdf", "data/ev/mail/a.eml"],
            "{z}"
        );
    }
}

#[test]
fn export_to_a_recipient_encrypts_the_derived_bundle() {
    let (agency, lab, orig) = sealed();
    let r = lab.env.run(["--json", "key", "list"]);
    r.expect_code(0);
    let keys = json(&r);
    let recipient = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == lab.examiner.as_str())
        .and_then(|k| k["recipient"].as_str())
        .unwrap()
        .to_string();
    let copy = agency.env.path().join("copy.zip");
    std::fs::copy(&orig, &copy).unwrap();
    // The output of --to must end in .age.
    refused(
        &agency,
        &orig,
        &args("sub.zip", &["--to", &recipient, "--to-untrusted"]),
        2,
        "does not end in .age",
    );
    let r = export(
        &agency,
        &orig,
        &args("sub.zip.age", &["--to", &recipient, "--to-untrusted"]),
    );
    r.expect_code(0);
    let x = result(&r);
    let enc = agency.env.path().join("sub.zip.age");
    let cipher = std::fs::read(&enc).unwrap();
    assert!(cipher.starts_with(b"age-encryption.org/v1\n"));
    assert_eq!(
        x.encryption.as_ref().unwrap()["sha256"],
        hex_sha256(&cipher).as_str()
    );
    assert!(!agency.env.path().join("sub.zip").exists());
    // The same export in the clear (from an identical copy): the lab
    // decrypts the very same bytes.
    std::fs::create_dir(agency.env.path().join("plain")).unwrap();
    export(&agency, &copy, &args("plain/sub.zip", &[])).expect_code(0);
    let at_lab = lab.env.path().join("sub.zip.age");
    std::fs::copy(&enc, &at_lab).unwrap();
    let mut c = lab.env.cmd(["decrypt"]);
    c.arg(&at_lab).args(["-o", "sub.zip"]);
    lab.env
        .run_cmd(c.stdin(std::process::Stdio::null()))
        .expect_code(0);
    let decrypted = std::fs::read(lab.env.path().join("sub.zip")).unwrap();
    let plain = std::fs::read(agency.env.path().join("plain/sub.zip")).unwrap();
    assert!(
        decrypted == plain,
        "the decrypted export is not the plain one"
    );
}

/// Every string `needle` at a place where it stands alone: not inside a
/// longer run of hex digits (sizes are searched for this way).
fn contains_alone(hay: &[u8], needle: &[u8]) -> bool {
    let hex = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_hexdigit());
    hay.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle && !hex(hay.get(i.wrapping_sub(1))) && !hex(hay.get(i + needle.len()))
    })
}

#[test]
fn withheld_files_leave_no_trace_but_their_count() {
    let (agency, _lab, orig) = sealed();
    let r = export(&agency, &orig, &args("sub.zip", &[]));
    r.expect_code(0);
    assert_eq!(result(&r).withheld, 2);
    let om: Manifest = serde_json::from_slice(&members(&orig)["evidentia/manifest.json"]).unwrap();
    let sub = agency.env.path().join("sub.zip");
    // Every byte: the raw zip, and every entry inflated.
    let mut hays: Vec<(String, Vec<u8>)> = vec![("(raw zip)".into(), std::fs::read(&sub).unwrap())];
    hays.extend(members(&sub));
    let mut searched = 0;
    for (path, size) in WITHHELD {
        let f = om.files.iter().find(|f| f.path == path).unwrap();
        assert_eq!(f.size, size as u64);
        let base = path.rsplit('/').next().unwrap();
        let mut needles: Vec<Vec<u8>> = vec![
            path.as_bytes().to_vec(),
            f.original.as_bytes().to_vec(),
            base.as_bytes().to_vec(),
            base.split('.').next().unwrap().as_bytes().to_vec(),
            b"WITHHELD".to_vec(),
        ];
        for hex in [
            Some(&f.sha256),
            Some(&f.blake3),
            f.sha512.as_ref(),
            f.sha1.as_ref(),
            f.md5.as_ref(),
        ] {
            let hex = hex.expect("every algorithm was asked for");
            needles.push(hex.as_bytes().to_vec());
            needles.push(hex.to_uppercase().into_bytes());
            needles.push(evidentia::hash::from_hex(hex).unwrap());
        }
        needles.extend(f.pieces.iter().map(|p| p.as_bytes().to_vec()));
        needles.push(f.salt.as_ref().unwrap().as_bytes().to_vec());
        for (name, hay) in &hays {
            for n in &needles {
                let found = hay.windows(n.len()).any(|w| w == &n[..]);
                assert!(
                    !found,
                    "{} of {path} found in {name}",
                    String::from_utf8_lossy(n)
                );
                searched += 1;
            }
            assert!(
                !contains_alone(hay, size.to_string().as_bytes()),
                "the size of {path} ({size}) found in {name}"
            );
        }
    }
    assert!(searched > 100);
    // The search finds what is there: every needle kind in the original.
    let om_bytes = &members(&orig)["evidentia/manifest.json"];
    let f = om.files.iter().find(|f| f.path == WITHHELD[0].0).unwrap();
    for n in [WITHHELD[0].0, &f.sha256, f.md5.as_deref().unwrap()] {
        assert!(om_bytes.windows(n.len()).any(|w| w == n.as_bytes()), "{n}");
    }
    assert!(contains_alone(om_bytes, b"98765"));
    // What the recipient does learn: the count.
    let m = members(&sub);
    let proofs = Proofs::parse(&m["provenance/proofs.json"]).unwrap();
    assert_eq!(proofs.leaves - proofs.proofs.len() as u64, 2);
}

/// Needs `verify` of derived bundles (h18-verify): remove the `ignore`
/// when that lands. Until then `verify` reports `provenance/` as
/// unexpected files.
#[test]
#[ignore = "needs verify of derived bundles (h18-verify)"]
fn a_derived_bundle_verifies_and_says_where_it_comes_from() {
    let (agency, lab, orig) = sealed();
    export(&agency, &orig, &args("sub.zip", &[])).expect_code(0);
    let sub = agency.env.path().join("sub.zip");
    let at_lab = lab.env.path().join("sub.zip");
    std::fs::copy(&sub, &at_lab).unwrap();
    let (r, v) = crate::custody::verify(&lab, &at_lab, &[]);
    r.expect_code(0);
    let p = &v["provenance"];
    assert_eq!(p["disclosed"], 3);
    assert_eq!(p["withheld"], 2);
    assert_eq!(p["purpose"], PURPOSE);
    assert_eq!(p["recorded_at_source"], true);
    let r = lab.env.run([OsStr::new("verify"), at_lab.as_os_str()]);
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("3 files proven to be as sealed by"),
        "{}",
        r.stdout_str()
    );
}
