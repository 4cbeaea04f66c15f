//! report and demo: the HTML report is self-contained and escapes hostile
//! bundle strings; Markdown holds every hash; JSON deserializes; the CASE
//! export passes `case_validate` with an IRI on every node; the demo runs
//! end to end in a clean directory and leaves a verified bundle.

use crate::harness::{Env, peer, run_peer};
use serde_json::Value;
use std::ffi::OsStr;

const HOSTILE_CASE: &str = "C-1<script>alert(\"x\")</script>&'";
const HOSTILE_FILE: &str = "<img src=x onerror=alert(1)> & [md](x).txt";

/// A trusted examiner, hostile-named evidence, and a sealed bundle with
/// MD5, SHA-1 and SHA-512 manifests. Returns the bundle path name.
fn sealed(env: &Env) -> &'static str {
    let r = env.run([
        "--json",
        "key",
        "new",
        "--name",
        "Jana <b>Examiner</b>",
        "--org",
        "Lab & Co",
        "--country",
        "CZ",
        "--no-encrypt",
    ]);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    let id = v["key_id"].as_str().unwrap().to_string();
    let r = env.run(["key", "export", &id]);
    r.expect_code(0);
    env.write("ex.pub.json", &r.stdout);
    env.run(["trust", "add", "ex.pub.json"]).expect_code(0);
    env.write("ev/a.txt", b"hello\n");
    env.write(&format!("ev/{HOSTILE_FILE}"), b"hostile\n");
    env.write(
        "meta.toml",
        b"legal_basis = \"Budapest Convention art. 31\"\nlegal_reference = \"MLA-1\"\nexhibit = \"EXH-1\"\noffence = \"fraud\"\n",
    );
    env.run([
        "seal",
        "ev",
        "--out",
        "b.zip",
        "--case",
        HOSTILE_CASE,
        "--meta",
        "meta.toml",
        "--algo",
        "sha512,sha1,md5",
        "--time",
        "2024-05-01T12:00:00Z",
    ])
    .expect_code(0);
    "b.zip"
}

fn report(env: &Env, format: &str) -> String {
    let r = env.run(["report", "b.zip", "--format", format]);
    r.expect_code(0);
    r.stdout_str()
}

/// The wire format of `report --format json` (= `verify --json`), strictly.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ReportJson {
    #[serde(rename = "type")]
    kind: String,
    verdict: String,
    problems: usize,
    checks: Vec<Value>,
    bag: Option<String>,
    bundle_id: Option<String>,
    files: u64,
    bytes: u64,
    events: Vec<EventJson>,
    head: Option<String>,
    head_compared: bool,
    signatures_checked: bool,
    findings: Vec<Value>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct EventJson {
    seq: u64,
    action: String,
    time: String,
    key_id: Option<String>,
    signature: String,
    trust: Option<String>,
    signer_kind: Option<String>,
    certified_identity: Option<evidentia::sign::Identity>,
}

fn manifest_hashes(env: &Env) -> Vec<String> {
    let (archive, _) = evidentia::bundle::Archive::open(&env.path().join("b.zip")).unwrap();
    let e = archive
        .entries()
        .find(|e| e.name.ends_with("evidentia/manifest.json"))
        .unwrap();
    let m: evidentia::model::Manifest =
        serde_json::from_slice(&archive.read_small(&e, 1 << 20).unwrap()).unwrap();
    m.files
        .iter()
        .flat_map(|f| {
            let mut v = vec![f.sha256.clone(), f.blake3.clone()];
            v.extend(f.sha512.iter().chain(&f.sha1).chain(&f.md5).cloned());
            v
        })
        .collect()
}

#[test]
fn html_is_self_contained_and_escapes_hostile_strings() {
    let env = Env::new();
    sealed(&env);
    let html = report(&env, "html");
    assert!(html.contains("VERIFIED"), "{html}");
    assert!(!html.to_lowercase().contains("<script"), "script in report");
    for attr in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "url(http",
    ] {
        assert!(!html.contains(attr), "external resource {attr}");
    }
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("C-1&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"));
    // Seal stores `<` and `>` escaped (Windows cannot carry them); the
    // rest of the name still needs HTML escaping.
    assert!(html.contains("^3Cimg src=x onerror=alert(1)^3E &amp; [md](x).txt"));
    assert!(!html.contains("<img"));
    assert!(html.contains("Jana &lt;b&gt;Examiner&lt;/b&gt;"));
    for h in manifest_hashes(&env) {
        let groups: Vec<String> = h
            .as_bytes()
            .chunks(16)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        assert!(html.contains(&groups.join("<wbr>")), "hash {h} missing");
    }
    assert!(html.contains("1. <bdi>seal</bdi>"));
    assert!(html.contains("bagit.py --validate b"));
    // The signature check names the seal signer's key file in the bundle,
    // not a file the reader does not have.
    let at = html
        .find("minisign -V -p b/keys/")
        .expect("minisign command")
        + 22;
    let key_file = format!("b/keys/{}", &html[at..at + 68]);
    assert!(key_file.ends_with(".pub"), "{key_file}");
    let names: Vec<String> = crate::attacks::members(&env.path().join("b.zip"))
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert!(names.contains(&key_file), "{key_file} not in {names:?}");
    assert!(!html.contains("sender.pub") && !html.contains("sender.pem"));
    // -o writes the same document to a file.
    env.run(["report", "b.zip", "-o", "r.html"]).expect_code(0);
    let file = std::fs::read_to_string(env.path().join("r.html")).unwrap();
    assert!(file.starts_with("<!DOCTYPE html>"));
}

#[test]
fn markdown_holds_every_hash_and_json_parses() {
    let env = Env::new();
    sealed(&env);
    let md = report(&env, "md");
    for h in manifest_hashes(&env) {
        assert!(md.contains(&h), "hash {h} missing from markdown");
    }
    assert!(md.contains("&lt;script&gt;"));
    assert!(!md.contains("<script>"));
    assert!(md.contains("\\[md\\](x)"));
    let json = report(&env, "json");
    let doc: ReportJson = serde_json::from_str(&json).unwrap();
    assert_eq!(doc.problems, 0);
    assert!(doc.signatures_checked && doc.head.is_some() && doc.findings.is_empty());
    assert_eq!(doc.events.len(), 1);
    assert_eq!(doc.files, 2);
    assert!(doc.bag.is_some() && doc.bundle_id.is_some() && doc.bytes > 0);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["type"], "evidentia/verify-report/v1");
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["events"][0]["signature"], "trusted");
}

#[test]
fn a_failed_bundle_reports_its_problems_with_exit_1() {
    let env = Env::new();
    let trust = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles/trust");
    let bad = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/bundles/fail_payload_byte.zip");
    let r = env.run([
        OsStr::new("report"),
        bad.as_os_str(),
        OsStr::new("--trust"),
        trust.as_os_str(),
    ]);
    r.expect_code(1);
    let html = r.stdout_str();
    assert!(html.contains("FAILED ("), "{html}");
    assert!(html.contains("digest-mismatch"));
    // A damaged bundle (truncated) is a problem with the evidence (exit
    // 1), said where, and no report.
    let truncated = bad.with_file_name("fail_truncated.zip");
    let r = env.run([
        OsStr::new("report"),
        truncated.as_os_str(),
        OsStr::new("-o"),
        OsStr::new("t.html"),
    ]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("damaged bundle: truncated at byte"),
        "{}",
        r.stderr
    );
    assert!(!env.path().join("t.html").exists());
}

/// The committed vectors export to CASE graphs that validate, the failed
/// ones too (a failed verification is still a faithful description).
#[test]
fn committed_vectors_export_valid_case() {
    let Some(validate) = peer("case_validate") else {
        return;
    };
    let env = Env::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles");
    for (name, code) in [("good.zip", 0), ("fail_edited_event.zip", 1)] {
        let out = env.path().join(format!("{name}.jsonld"));
        let r = env.run([
            OsStr::new("report"),
            root.join(name).as_os_str(),
            OsStr::new("--format"),
            OsStr::new("case"),
            OsStr::new("--trust"),
            root.join("trust").as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ]);
        r.expect_code(code);
        let v = run_peer(&validate, &[out.as_os_str()], env.path());
        let stdout = String::from_utf8_lossy(&v.stdout);
        assert!(
            v.status.success() && stdout.contains("Conforms: True"),
            "{name}: {stdout}"
        );
    }
}

fn walk_ids(v: &Value, out: &mut Vec<String>, nodes: &mut usize) {
    match v {
        Value::Object(m) => {
            let is_node = m.contains_key("@type") && !m.contains_key("@value");
            if is_node {
                *nodes += 1;
                let id = m.get("@id").and_then(Value::as_str).unwrap_or("");
                out.push(id.to_string());
            }
            for (k, x) in m {
                if k != "@context" {
                    walk_ids(x, out, nodes);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk_ids(x, out, nodes)),
        _ => {}
    }
}

#[test]
fn case_export_has_iris_everywhere_and_passes_case_validate() {
    let env = Env::new();
    sealed(&env);
    let text = report(&env, "case");
    let v: Value = serde_json::from_str(&text).unwrap();
    let (mut ids, mut nodes) = (Vec::new(), 0);
    walk_ids(&v["@graph"], &mut ids, &mut nodes);
    assert!(nodes > 10, "{nodes} nodes");
    for id in &ids {
        assert!(
            id.starts_with("kb:") && !id.starts_with("_:"),
            "node without IRI: {id:?}"
        );
    }
    for want in [
        "case-investigation:Investigation",
        "case-investigation:Authorization",
        "case-investigation:InvestigativeAction",
        "case-investigation:ProvenanceRecord",
        "uco-identity:Person",
        "uco-identity:Organization",
        "uco-tool:Tool",
        "uco-types:Hash",
        "\"Has_Role\"",
        "\"MD5\"",
        "\"SHA1\"",
        "\"SHA512\"",
        "xsd:hexBinary",
        "\"EXH-1\"",
    ] {
        assert!(text.contains(want), "{want} missing");
    }
    // Same bundle, same graph.
    assert_eq!(text, report(&env, "case"));
    let Some(validate) = peer("case_validate") else {
        return;
    };
    env.write("case.jsonld", text.as_bytes());
    let out = run_peer(&validate, &[OsStr::new("case.jsonld")], env.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("Conforms: True"),
        "case_validate:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn demo_runs_end_to_end_and_leaves_a_verified_bundle_and_report() {
    let env = Env::new();
    let r = env.run(["demo", "--dir", "d"]);
    r.expect_code(0);
    let out = r.stdout_str();
    assert!(out.contains("$ evidentia --home nl-police seal"), "{out}");
    assert!(out.contains("--no-encrypt"));
    let dir = env.path().join("d");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("VERIFIED"));
    assert!(html.contains("certified by trusted root"));
    assert!(
        out.contains("custody add DEMO-2026-001.zip --action transfer"),
        "{out}"
    );
    // The bundle travels encrypted to the lab examiner's certificate; the
    // lab verifies the .age file as it arrived and receives it into a
    // plaintext copy of its own.
    assert!(
        out.contains("encrypt DEMO-2026-001.zip --to exchange/de-lab-examiner.cert")
            && out.contains("VERIFIED DEMO-2026-001.zip.age")
            && out.contains("arrived: age-encrypted, ciphertext SHA-256"),
        "{out}"
    );
    assert!(out.contains("INGESTED DEMO-2026-001-received.zip"), "{out}");
    let scratch = dir.join("de-lab/scratch");
    let left: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
    assert!(left.is_empty(), "plaintext left in {}", scratch.display());
    // Every line of every step is shown: the lab's signed receipt is the
    // last part of `custody show`, once cut off after 12 lines.
    assert!(
        out.contains("signed:  trusted: Jonas Weber, BKA Forensic Lab (DE), examiner"),
        "{out}"
    );
    assert!(out.contains("    verdict: VERIFIED"), "{out}");
    assert!(
        html.contains("Evidence items (acquisitions)")
            && html.contains("<td><bdi>USB-1</bdi></td>")
    );
    for stop in [
        "1. <bdi>seal</bdi>",
        "2. <bdi>transfer</bdi>",
        "3. <bdi>receive</bdi>",
    ] {
        assert!(html.contains(stop), "{stop} missing from the report");
    }
    assert!(
        !html.contains("stop bad"),
        "an event without a trusted signature"
    );
    let r = env.run([
        OsStr::new("--home"),
        dir.join("de-lab").as_os_str(),
        OsStr::new("verify"),
        dir.join("DEMO-2026-001-received.zip").as_os_str(),
    ]);
    r.expect_code(0);
    // A second run into the same directory is refused, not mixed in.
    env.run(["demo", "--dir", "d"]).expect_code(2);
}
