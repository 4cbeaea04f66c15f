//! Names that would lie on screen (issue #15, item 3) and the report's key
//! table (item 6). A payload named `invoice<U+202E>fdp.exe` reads
//! "invoiceexe.pdf" wherever it is printed raw: every human output shows
//! it escaped and marked, HTML isolates it, and the machine formats (sums
//! lists, JSON, CASE paths) keep its exact bytes. Keys are shown by their
//! documented fingerprint, and a transfer's recipient key by the identity
//! proven for it, never by a claim.

use crate::attacks::{members, rezip};
use crate::custody::{Party, T1, T2, T3, add, party, run, trust_root_of};
use crate::harness::{Run, peer, run_peer};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const RLO: char = '\u{202e}';
const SPOOF: &str = "invoice\u{202e}fdp.exe";
const SHOWN: &str = "invoice<U+202E>fdp.exe";
const MARK: &str = "[⚠ hidden characters]";
const NOTE: &str = "see invoice\u{202e}fdp.exe";
const CONTENT: &[u8] = b"MZ this is no pdf\n";

/// Agency and lab trusting each other's roots; the agency seals a payload
/// with a spoofing name, transfers the bundle to the lab's key with a note
/// naming it, and the lab receives it.
fn spoofed() -> (Party, Party, PathBuf) {
    let agency = party("Police Agency", "Jana Examiner", "DE");
    let lab = party("Forensic Lab", "Petr Lab", "CZ");
    trust_root_of(&agency, &lab);
    trust_root_of(&lab, &agency);
    agency.env.write(&format!("ev/{SPOOF}"), CONTENT);
    agency.env.write("ev/plain.txt", b"plain\n");
    agency.env.write(
        "meta.toml",
        b"summary_of_facts = \"\"\"line one\nline two\"\"\"\n",
    );
    agency
        .env
        .run([
            "seal",
            "ev",
            "--out",
            "b.zip",
            "--case",
            "CASE-15",
            "--meta",
            "meta.toml",
            "--time",
            T1,
        ])
        .expect_code(0);
    let b = agency.env.path().join("b.zip");
    let transfer = [
        "--action",
        "transfer",
        "--to-key",
        &lab.examiner,
        "--note",
        NOTE,
        "--time",
        T2,
    ];
    add(&agency, &b, &transfer).expect_code(0);
    run(&lab, &["receive", "--time", T3], &b).expect_code(0);
    (agency, lab, b)
}

/// `text` shows the spoofing name escaped and marked, and holds no
/// right-to-left override.
#[track_caller]
fn assert_shown(what: &str, text: &str) {
    assert!(!text.contains(RLO), "{what}: a raw U+202E:\n{text}");
    assert!(
        text.contains(SHOWN) && text.contains(MARK),
        "{what}: the name is not shown escaped and marked:\n{text}"
    );
}

fn on(p: &Party, words: &[&str], path: &Path, rest: &[&str]) -> Run {
    let mut c = p.env.cmd(words);
    c.arg(path).args(rest);
    p.env.run_cmd(c.stdin(std::process::Stdio::null()))
}

/// The hex SHA-256 of `data`.
fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn hidden_characters_in_names_are_escaped_and_marked_in_every_human_output() {
    let (agency, lab, b) = spoofed();

    // verify: a finding on the payload names it; JSON keeps it exact.
    let mut all = members(&b);
    let member = all
        .iter_mut()
        .find(|m| m.0.ends_with(SPOOF))
        .expect("the payload member");
    member.1[0] ^= 1;
    let tampered = agency.env.path().join("t.zip");
    rezip(&tampered, &all);
    let r = on(&agency, &["verify"], &tampered, &[]);
    r.expect_code(1);
    assert_shown("verify", &r.stdout_str());
    let r = on(&agency, &["--json", "verify"], &tampered, &[]);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == format!("data/ev/{SPOOF}")),
        "the JSON finding keeps the exact name: {v:#}"
    );

    // A bundle file named to lie is shown escaped too.
    let renamed = agency.env.path().join(format!("{SPOOF}.zip"));
    std::fs::copy(&b, &renamed).unwrap();
    let r = on(&agency, &["verify"], &renamed, &[]);
    r.expect_code(0);
    assert_shown("verify of a renamed bundle", &r.stdout_str());

    // custody show: the note naming the file.
    let r = on(&lab, &["custody", "show"], &b, &[]);
    r.expect_code(0);
    assert_shown("custody show", &r.stdout_str());
    let r = on(&lab, &["--json", "custody", "show"], &b, &[]);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["events"][1]["note"], NOTE, "JSON keeps the exact note");

    // The locker: find by hash shows the path.
    on(&lab, &["ingest"], &b, &[]).expect_code(0);
    let r = lab.env.run(["locker", "find", "--hash", &sha256(CONTENT)]);
    r.expect_code(0);
    assert_shown("locker find", &r.stdout_str());
}

#[test]
fn sums_lists_keep_the_exact_name_and_the_person_is_told() {
    let (agency, _, _) = spoofed();
    let env = &agency.env;
    let r = env.run(["hash", "--algo", "sha256", "ev"]);
    r.expect_code(0);
    // Byte for byte what coreutils writes: only `\` and newline would be
    // escaped, so the name goes out as it is.
    let want = format!(
        "{}  ev/{SPOOF}\n{}  ev/plain.txt\n",
        sha256(CONTENT),
        sha256(b"plain\n")
    );
    assert_eq!(String::from_utf8(r.stdout.clone()).unwrap(), want);
    assert_shown("hash warning", &r.stderr);
    if let Some(tool) = peer("sha256sum") {
        let out = run_peer(
            &tool,
            &[
                OsStr::new(&format!("ev/{SPOOF}")),
                OsStr::new("ev/plain.txt"),
            ],
            env.path(),
        );
        assert_eq!(out.stdout, r.stdout, "coreutils writes the same list");
    }
    env.write("list.sha256", &r.stdout);
    let r = env.run(["hash", "--check", "list.sha256"]);
    r.expect_code(0);
    assert_shown("hash --check", &r.stdout_str());
    assert!(r.stdout_str().contains(&format!("{SHOWN} {MARK}: OK")));
}

/// Every string of `v` that holds a U+202E, with the key it is under.
fn raw_strings(v: &Value, key: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) if s.contains(RLO) => out.push((key.to_string(), s.clone())),
        Value::Array(a) => a.iter().for_each(|x| raw_strings(x, key, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| raw_strings(x, k, out)),
        _ => {}
    }
}

#[test]
fn reports_escape_mark_and_isolate_names_and_case_keeps_the_exact_path() {
    let (_agency, lab, b) = spoofed();
    let report = |format: &str| {
        let r = on(&lab, &["report"], &b, &["--format", format]);
        r.expect_code(0);
        r.stdout_str()
    };
    let html = report("html");
    assert!(!html.contains(RLO), "a raw U+202E in the HTML");
    assert!(
        html.contains("<td><bdi>data/ev/invoice&lt;U+202E&gt;fdp.exe</bdi> <span class=\"mark\">[⚠ hidden characters]</span></td>"),
        "the file row is not isolated, escaped and marked"
    );
    assert!(html.contains("<p class=\"legend\">⚠ hidden characters: "));
    assert!(html.contains("<bdi>see invoice&lt;U+202E&gt;fdp.exe</bdi>"));
    // Free text keeps its line breaks, unmarked.
    assert!(html.contains("<dd><bdi>line one</bdi><br><bdi>line two</bdi></dd>"));

    let md = report("md");
    assert!(!md.contains(RLO), "a raw U+202E in the Markdown");
    assert!(
        md.contains("| data/ev/invoice\\<U+202E\\>fdp.exe **\\[⚠ hidden characters\\]** |"),
        "{md}"
    );
    assert!(md.contains("\n⚠ hidden characters: "));
    assert!(md.contains("| **Summary of facts** | line one<br>line two |"));

    let case = report("case");
    let v: Value = serde_json::from_str(&case).unwrap();
    let mut raw = Vec::new();
    raw_strings(&v, "", &mut raw);
    let keys: Vec<&str> = raw.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["uco-observable:fileName", "uco-observable:filePath"],
        "only the file's machine fields keep the raw name: {raw:?}"
    );
    assert_eq!(raw[1].1, format!("data/ev/{SPOOF}"));
    assert!(case.contains(&format!("\"uco-core:name\": \"data/ev/{SHOWN} {MARK}\"")));
    assert!(case.contains(&format!(
        "\"uco-core:description\": \"{} {MARK}\"",
        "see invoice<U+202E>fdp.exe"
    )));
    if let Some(tool) = peer("case_validate") {
        lab.env.write("r.jsonld", case.as_bytes());
        let out = run_peer(&tool, &[OsStr::new("r.jsonld")], lab.env.path());
        assert!(
            out.status.success(),
            "case_validate: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The documented fingerprint of `key` (as `key show --json` gives it).
fn fingerprint(p: &Party, key: &str) -> String {
    let r = p.env.run(["--json", "key", "show", key]);
    r.expect_code(0);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    v["fingerprint"]
        .as_str()
        .unwrap_or_else(|| panic!("no fingerprint in {v:#}"))
        .to_string()
}

/// The `<dd>` of the first field `label` in `html`.
fn field<'a>(html: &'a str, label: &str) -> &'a str {
    let start = html
        .find(&format!("<dt>{label}</dt><dd>"))
        .unwrap_or_else(|| panic!("no {label} field"));
    let rest = &html[start..];
    &rest[..rest.find("</dd>").unwrap()]
}

#[test]
fn the_key_table_prints_fingerprints_and_a_recipient_key_its_certified_name() {
    let (agency, lab, b) = spoofed();
    let fp = fingerprint(&lab, &lab.examiner);
    let groups: Vec<&str> = fp.split(' ').collect();
    assert_eq!(groups.len(), 16, "{fp}");
    let lines: Vec<String> = groups.chunks(4).map(|l| l.join(" ")).collect();

    let r = on(&lab, &["report"], &b, &[]);
    r.expect_code(0);
    let html = r.stdout_str();
    let fp_html: String = lines.iter().map(|l| format!("<span>{l}</span>")).collect();
    assert!(
        html.contains(&format!("<div class=\"fp\">{fp_html}</div>")),
        "the signers table lacks the fingerprint of {fp}"
    );
    assert!(html.contains("<th>Fingerprint</th>"));
    assert!(!html.contains("<span class=\"algo\">key id</span>"));
    let to = field(&html, "To");
    assert!(
        to.contains("<bdi>Petr Lab</bdi>, <bdi>Forensic Lab</bdi> (<bdi>CZ</bdi>)")
            && to.contains(&format!(
                "certified identity of key <bdi>{}</bdi>",
                lab.examiner
            )),
        "{to}"
    );
    let md = on(&lab, &["report"], &b, &["--format", "md"]).stdout_str();
    let fp_md: Vec<String> = lines.iter().map(|l| format!("`{l}`")).collect();
    assert!(md.contains(&fp_md.join("<br>")), "{md}");
    let r = on(&lab, &["custody", "show"], &b, &[]);
    assert!(
        r.stdout_str().contains(&format!(
            "to:      Petr Lab, Forensic Lab (CZ), examiner (certified identity of key {})",
            lab.examiner
        )),
        "{}",
        r.stdout_str()
    );

    // A court that trusts only the agency: the lab's key proves nothing,
    // so the recipient is its key id alone, marked (fail closed).
    let court = party("Court", "Judge", "FR");
    trust_root_of(&court, &agency);
    let r = on(&court, &["report"], &b, &[]);
    r.expect_code(1);
    let html = r.stdout_str();
    let to = field(&html, "To");
    assert!(!to.contains("Petr"), "{to}");
    assert!(
        to.contains(&format!(
            "key <bdi>{}</bdi> (no certified identity)",
            lab.examiner
        )),
        "{to}"
    );
    let r = on(&court, &["custody", "show"], &b, &[]);
    let out = r.stdout_str();
    let line = out.lines().find(|l| l.contains("to:")).unwrap();
    assert!(
        !line.contains("Petr") && line.contains("(no certified identity)"),
        "{line}"
    );
}

/// On a terminal, `hash` output is read by a person: the name is escaped
/// and marked there too (redirected, the list keeps the exact bytes; see
/// above). `script` gives the command a terminal.
#[test]
fn hash_on_a_terminal_shows_the_name_escaped() {
    let Some(script) = crate::harness::peer("script") else {
        return;
    };
    let env = crate::harness::Env::new();
    env.write("ev/invoice\u{202e}fdp.exe", b"x");
    let cmd = format!(
        "{} --no-progress hash --algo sha256 ev",
        env!("CARGO_BIN_EXE_evidentia")
    );
    let out = std::process::Command::new(script)
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(env.path())
        .env("EVIDENTIA_HOME", env.home())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("  ev/invoice<U+202E>fdp.exe [⚠ hidden characters]"),
        "{text}"
    );
    assert!(
        !text.contains('\u{202e}'),
        "raw override on the terminal: {text}"
    );
}
