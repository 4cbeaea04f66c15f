//! The content of a human report, independent of its markup: sections of
//! fields, tables, a custody timeline and commands. The HTML and Markdown
//! renderers draw the same document, so both always say the same thing.
//! Strings here are raw; renderers escape every one of them, and keep
//! each value apart from the words around it ([`Part`]): in HTML each is
//! isolated (`<bdi>`), so right-to-left text in a name cannot reorder its
//! neighbours, and each value with hidden characters is marked.

use super::facts::{BundleFacts, EventFacts};
use super::people::{fingerprint, recipient, signer_fields, signer_rows};
use super::{ReportInput, TOOL_VERSION};
use crate::model::{CaseMeta, FileEntry};
use crate::verify::{SignatureState, VerifyReport};
use crate::wording::count;

/// A piece of a [`Cell::Parts`] value.
#[derive(Debug, Clone)]
pub enum Part {
    /// The report's own words around values: escaped, not isolated.
    Ours(String),
    /// A value (from the bundle, its verification or the command line):
    /// escaped, isolated from the text around it, and marked when it holds
    /// hidden characters.
    Value(String),
}

/// One table cell or field value.
#[derive(Debug, Clone)]
pub enum Cell {
    /// One value, as [`Part::Value`].
    Text(String),
    /// Values with the report's words around them.
    Parts(Vec<Part>),
    /// Free text from the bundle whose line breaks are kept
    /// ([`super::escape::prose_lines`]); each line is a value.
    Prose(String),
    /// Labelled hex digests, one per line, in a monospace face.
    Hashes(Vec<(&'static str, String)>),
    /// A key's fingerprint in lines of four groups of four upper-case hex
    /// digits (docs/formats/keys.md), in a monospace face, no line broken
    /// inside.
    Fingerprint(Vec<String>),
}

impl Cell {
    /// The cell's words and values run together, unescaped (for formats
    /// that escape the whole, and for tests).
    pub fn raw_text(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Prose(t) => t.clone(),
            Cell::Parts(p) => p
                .iter()
                .map(|x| match x {
                    Part::Ours(s) | Part::Value(s) => s.as_str(),
                })
                .collect(),
            Cell::Hashes(h) => h
                .iter()
                .map(|(a, x)| format!("{a} {x}"))
                .collect::<Vec<_>>()
                .join("; "),
            Cell::Fingerprint(l) => l.join(" "),
        }
    }
}

/// One event on the custody timeline.
#[derive(Debug, Clone)]
pub struct Stop {
    /// "1. seal".
    pub title: Cell,
    /// Whether the signature is trusted.
    pub ok: bool,
    /// Who, where, when, why, signature.
    pub fields: Vec<(&'static str, Cell)>,
}

/// A block of content.
#[derive(Debug, Clone)]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// A paragraph.
    Para(Cell),
    /// Label and value pairs.
    Fields(Vec<(&'static str, Cell)>),
    /// A table with a header row.
    Table(Vec<&'static str>, Vec<Vec<Cell>>),
    /// The custody timeline.
    Timeline(Vec<Stop>),
    /// Shell commands, one per line.
    Commands(Vec<String>),
    /// The table of evidence files ([`FILES_HEAD`], rows from
    /// [`file_row`]): its rows are not held here but streamed from the
    /// bundle's facts as the table is written, in path order.
    Files,
}

/// The header row of [`Block::Files`].
pub const FILES_HEAD: [&str; 3] = ["File", "Bytes", "Hashes"];

/// The row of one file in [`Block::Files`].
pub fn file_row(x: &FileEntry) -> Vec<Cell> {
    vec![
        text(&x.path),
        text(x.size.to_string()),
        Cell::Hashes(file_hashes(x)),
    ]
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Document {
    /// The title.
    pub title: Cell,
    /// True when the bundle verified.
    pub verified: bool,
    /// "VERIFIED" or "FAILED (n problems)".
    pub verdict: String,
    /// The blocks in order.
    pub blocks: Vec<Block>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// The report's own words, with no value in them.
fn said(s: impl Into<String>) -> Cell {
    Cell::Parts(vec![Part::Ours(s.into())])
}

fn ours(s: impl Into<String>) -> Part {
    Part::Ours(s.into())
}

fn val(s: impl Into<String>) -> Part {
    Part::Value(s.into())
}

/// Values separated by ", ".
fn list(values: &[String]) -> Vec<Part> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(ours(", "));
        }
        out.push(val(v));
    }
    out
}

/// A finding's expected or actual value: digests in the hex face.
fn value(v: Option<&str>) -> Cell {
    let v = v.unwrap_or_default();
    if v.len() >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Cell::Hashes(vec![("", v.to_string())])
    } else {
        text(v)
    }
}

fn case_fields(c: &CaseMeta) -> Vec<(&'static str, Cell)> {
    let mut v = vec![("Case reference", text(&c.case_reference))];
    let opts: [(&'static str, &Option<String>); 18] = [
        ("Legal basis", &c.legal_basis),
        ("Legal reference", &c.legal_reference),
        ("Issuing authority", &c.issuing_authority),
        ("Issuing state", &c.issuing_state),
        ("Issuing file number", &c.issuing_file_number),
        ("Requesting authority", &c.requesting_authority),
        ("Executing authority", &c.executing_authority),
        ("Offence", &c.offence),
        ("Summary of facts", &c.summary_of_facts),
        ("Time range start", &c.time_range_start),
        ("Time range end", &c.time_range_end),
        ("Use limitations", &c.use_limitations),
        ("Confidentiality", &c.confidentiality),
        ("Exhibit number", &c.exhibit),
        ("Description", &c.description),
        ("Examiner", &c.examiner),
        ("Seizure place", &c.seizure_place),
        ("Seizure time", &c.seizure_time),
    ];
    for (label, value) in opts {
        if let Some(x) = value {
            v.push((label, text(x)));
        }
    }
    // Free text keeps its line breaks; names and numbers above do not.
    for (label, value) in [
        ("Summary of facts", &c.summary_of_facts),
        ("Use limitations", &c.use_limitations),
        ("Description", &c.description),
    ] {
        if let Some(x) = value
            && let Some(slot) = v.iter_mut().find(|(l, _)| *l == label)
        {
            slot.1 = Cell::Prose(x.clone());
        }
    }
    if let Some(d) = c.data_category {
        v.push(("Data category", text(d.name())));
    }
    if !c.items.is_empty() {
        v.push(("Items", Cell::Parts(list(&c.items))));
    }
    v
}

/// Every digest of a file, SHA-256 first.
pub fn file_hashes(f: &FileEntry) -> Vec<(&'static str, String)> {
    let mut h = vec![("SHA-256", f.sha256.clone()), ("BLAKE3", f.blake3.clone())];
    for (label, v) in [("SHA-512", &f.sha512), ("SHA-1", &f.sha1), ("MD5", &f.md5)] {
        if let Some(x) = v {
            h.push((label, x.clone()));
        }
    }
    h
}

/// The display label of an algorithm name from a manifest.
fn algo_label(name: &str) -> &'static str {
    match name {
        "sha256" => "SHA-256",
        "blake3" => "BLAKE3",
        "sha512" => "SHA-512",
        "sha1" => "SHA-1",
        "md5" => "MD5",
        _ => "other",
    }
}

/// The stock-tool commands of docs/verify-without-evidentia.md for this
/// bundle.
/// `original_key` is the original sealer's key id for a derived bundle
/// (`KEYID` when not proven), `None` for any other.
fn howto(
    bundle: &str,
    bag: &str,
    last_event: &str,
    seal_key: &str,
    original_key: Option<&str>,
) -> Vec<String> {
    let mut v = vec![
        format!("unzip -t {bundle}"),
        format!("unzip -Z1 {bundle}        # every name must start with \"{bag}/\""),
        format!("mkdir check && cd check && unzip -q ../{bundle}"),
        format!("bagit.py --validate {bag}"),
        format!(
            "(cd {bag} && sha256sum -c manifest-sha256.txt && sha256sum -c tagmanifest-sha256.txt)"
        ),
        format!("sha256sum {bag}/tagmanifest-sha256.txt"),
        format!(
            "grep tagmanifest_sha256 {bag}/custody/000001-seal.json   # must equal the line above"
        ),
        format!(
            "sha256sum {bag}/custody/{last_event}   # the custody head; must equal the transmittal letter"
        ),
        format!(
            "minisign -V -p {bag}/keys/{seal_key}.pub -m {bag}/custody/000001-seal.json   # each event with the key that signed it"
        ),
        "# which key signed each event, the keys' fingerprints against the letter, the roots' certificates, openssl 3 instead of minisign: docs/verify-without-evidentia.md, steps 6-7 and the appendix"
            .to_string(),
        format!(
            "ls -A {bag}   # only data/, bagit.txt, bag-info.txt, manifest-*, tagmanifest-*, evidentia/, custody/, keys/{}",
            if original_key.is_some() { ", provenance/" } else { "" }
        ),
    ];
    if let Some(key) = original_key {
        v.push(format!(
            "minisign -V -p {bag}/provenance/keys/{key}.pub -m {bag}/provenance/seal.json   # the original's seal, with the original signer's key"
        ));
        v.push(
            "# each disclosed file against the root the original seal signed: docs/check-disclosure.py (docs/formats/manifest.md, \"The disclosure commitment\")"
                .to_string(),
        );
    }
    v
}

/// The mandatory checks of the verdict, each with its outcome: VERIFIED
/// means every one ran and passed, never only that nothing failed.
fn checks_blocks(r: &VerifyReport) -> Vec<Block> {
    use crate::verify::Outcome;
    let rows = r
        .check_outcomes()
        .into_iter()
        .map(|c| {
            let outcome = match c.outcome {
                Outcome::Passed => "passed".to_string(),
                Outcome::Failed => format!("FAILED ({})", count(c.problems, "problem")),
                Outcome::NotRun => "NOT RUN".to_string(),
            };
            vec![text(c.check.name()), text(outcome)]
        })
        .collect();
    vec![
        Block::Heading("Checks".into()),
        Block::Para(said(
            "The bundle is VERIFIED only when every one of these checks ran and passed \
             (docs/verify-semantics.md, \"The verdict\").",
        )),
        Block::Table(vec!["Check", "Outcome"], rows),
    ]
}

/// Build the document for `input`: its sections in order.
pub fn build(input: &ReportInput) -> Document {
    let r = input.verify;
    let f = input.facts;
    let verdict = if r.verified() {
        "VERIFIED".to_string()
    } else {
        format!("FAILED ({})", count(r.findings.len(), "problem"))
    };
    let mut b = vec![Block::Fields(summary_fields(input))];
    b.extend(checks_blocks(r));
    b.extend(super::provenance::blocks(r, f));
    b.extend(case_blocks(f));
    b.extend(items_blocks(f));
    b.extend(super::capture::blocks(r, f));
    b.extend(files_blocks(f));
    b.push(Block::Heading("Custody timeline".into()));
    b.push(Block::Timeline(
        f.events.iter().map(|e| stop(r, e)).collect(),
    ));
    b.push(Block::Heading("Signers".into()));
    b.push(Block::Table(
        vec!["Signer", "Fingerprint", "Trust path"],
        signer_rows(r),
    ));
    b.extend(problems_blocks(r));
    b.extend(howto_blocks(input));
    Document {
        title: Cell::Parts(vec![
            ours("Custody and integrity report: "),
            val(input.bundle_name),
        ]),
        verified: r.verified(),
        verdict,
        blocks: b,
    }
}

/// The summary at the top: the bundle, who verified it, the payload, the
/// signatures and the custody head.
fn summary_fields(input: &ReportInput) -> Vec<(&'static str, Cell)> {
    let r = input.verify;
    let mut summary = vec![("Bundle", text(input.bundle_name))];
    if let Some(c) = input.ciphertext {
        summary.push((
            "Encrypted input",
            Cell::Parts(vec![ours(format!(
                "an age-encrypted file of {} bytes; this report is of its decrypted copy",
                c.bytes
            ))]),
        ));
        summary.push((
            "Ciphertext",
            Cell::Hashes(vec![("SHA-256", c.sha256.clone())]),
        ));
    }
    summary.extend([
        ("Bundle id", text(r.bundle_id.clone().unwrap_or_default())),
        ("Report made", text(input.generated)),
        ("Verified by", text(format!("evidentia {TOOL_VERSION}"))),
        (
            "Payload",
            text(format!("{}, {} bytes", count(r.files, "file"), r.bytes)),
        ),
        (
            "Signatures",
            text(if r.signatures_checked {
                "checked against the local trust store"
            } else {
                "NOT CHECKED"
            }),
        ),
    ]);
    if let Some(h) = &r.head {
        summary.push(("Custody head", Cell::Hashes(vec![("SHA-256", h.clone())])));
        summary.push((
            "Head compared",
            text(
                r.head_caveat()
                    .map(|c| format!("NO: {c}"))
                    .unwrap_or_else(|| "yes, equal to the head the sender announced".into()),
            ),
        ));
    }
    summary
}

/// The case and its legal basis, from manifest.json.
fn case_blocks(f: &BundleFacts) -> Vec<Block> {
    let body = match &f.manifest {
        Some(m) => {
            let mut fields = case_fields(&m.case);
            fields.push(("Sealed", text(&m.sealed)));
            fields.push(("Sealed with", text(&m.tool)));
            Block::Fields(fields)
        }
        None => Block::Para(said(
            "manifest.json could not be read: no case metadata (see the problems below).",
        )),
    };
    vec![Block::Heading("Case and legal basis".into()), body]
}

/// The acquisitions manifest.json summarises (no section without any).
fn items_blocks(f: &BundleFacts) -> Vec<Block> {
    let Some(m) = f.manifest.as_ref().filter(|m| !m.items.is_empty()) else {
        return Vec::new();
    };
    let rows = m
        .items
        .iter()
        .map(|it| {
            let mut source = vec![val(String::from_utf8_lossy(it.source.as_bytes()))];
            if let Some(d) = &it.device {
                source.extend([ours(" ("), val(d), ours(")")]);
            }
            let mut state = vec![ours(format!(
                "{} bytes; {}; {} unreadable range{}; image ",
                it.size,
                if it.complete {
                    "complete"
                } else {
                    "INCOMPLETE"
                },
                it.bad_ranges.len(),
                if it.bad_ranges.len() == 1 { "" } else { "s" },
            ))];
            state.extend(list(&it.image));
            if it.image.is_empty() {
                state.push(ours("none written"));
            }
            if let Some(check) = &it.ewf_check {
                state.extend([
                    ours("; read from an E01 set, checked at acquisition: "),
                    val(check),
                ]);
            }
            if !it.originals.is_empty() {
                state.push(ours("; original E01 segments kept: "));
                state.extend(list(&it.originals));
            }
            let hashes = it
                .hashes
                .iter()
                .map(|(k, v)| (algo_label(k), v.clone()))
                .collect();
            vec![
                text(&it.item),
                Cell::Parts(source),
                Cell::Parts(state),
                Cell::Hashes(hashes),
            ]
        })
        .collect();
    vec![
        Block::Heading("Evidence items (acquisitions)".into()),
        Block::Table(
            vec!["Item", "Source", "Acquisition", "Hashes at acquisition"],
            rows,
        ),
    ]
}

/// The evidence files (streamed as the table is written), then what the
/// seal recorded but could not or would not read.
fn files_blocks(f: &BundleFacts) -> Vec<Block> {
    let mut b = vec![Block::Heading("Evidence files and hashes".into())];
    let Some(m) = &f.manifest else {
        return b;
    };
    b.push(Block::Files);
    for u in &m.unreadable {
        b.push(Block::Para(Cell::Parts(vec![
            ours("Unreadable at sealing: "),
            val(String::from_utf8_lossy(u.original.as_bytes())),
            ours(" ("),
            val(&u.error),
            ours(")"),
        ])));
    }
    for s in &m.symlinks {
        b.push(Block::Para(Cell::Parts(vec![
            ours("Symbolic link recorded, not followed: "),
            val(String::from_utf8_lossy(s.original.as_bytes())),
            ours(" -> "),
            val(String::from_utf8_lossy(s.target.as_bytes())),
        ])));
    }
    b
}

/// One custody event on the timeline, with its signature's outcome.
fn stop(r: &VerifyReport, e: &EventFacts) -> Stop {
    let ev = &e.event;
    let a = &ev.actor;
    let check = r.events.iter().find(|s| s.seq == ev.seq);
    let status = check.map_or("unknown", |c| c.signature.as_str());
    let mut fields = vec![("When", text(&ev.time))];
    fields.extend(signer_fields(check, a));
    if let Some(loc) = &ev.location {
        fields.push(("Where", text(loc)));
    }
    if let Some(to) = &ev.recipient {
        fields.push(("To", recipient(r, to)));
    }
    if let Some(c) = &ev.completes {
        fields.push(("Completes", text(format!("transfer, event {}", c.seq))));
    }
    if let Some(h) = &ev.received_ciphertext_sha256 {
        fields.push((
            "Arrived encrypted",
            Cell::Hashes(vec![("SHA-256 of the age file", h.clone())]),
        ));
    }
    fields.extend(super::provenance::event_fields(ev));
    let mut why = vec![val(&ev.action)];
    for extra in [&ev.purpose, &ev.note].into_iter().flatten() {
        why.extend([ours(": "), val(extra)]);
    }
    fields.push(("Why", Cell::Parts(why)));
    let mut sig = vec![val(status)];
    if let Some(t) = check.and_then(|c| c.trust.clone()) {
        sig.extend([ours(" ("), val(t), ours(")")]);
    }
    fields.push(("Signature", Cell::Parts(sig)));
    fields.push(("Key", fingerprint(a.key_id.as_deref().unwrap_or_default())));
    fields.push(("Event file", text(&e.member)));
    Stop {
        title: Cell::Parts(vec![ours(format!("{}. ", ev.seq)), val(&ev.action)]),
        ok: check.is_some_and(|c| c.signature == SignatureState::Trusted),
        fields,
    }
}

/// The findings, then the warnings (which do not stop a verdict).
fn problems_blocks(r: &VerifyReport) -> Vec<Block> {
    let mut b = vec![Block::Heading("Problems found".into())];
    if r.findings.is_empty() {
        b.push(Block::Para(said("None: every check passed.")));
    } else {
        let rows = r
            .findings
            .iter()
            .map(|x| {
                vec![
                    text(x.code.as_str()),
                    text(&x.path),
                    text(&x.message),
                    value(x.expected.as_deref()),
                    value(x.actual.as_deref()),
                ]
            })
            .collect();
        b.push(Block::Table(
            vec!["Code", "Path", "Problem", "Expected", "Actual"],
            rows,
        ));
    }
    if !r.warnings.is_empty() {
        b.push(Block::Para(said(
            "Warnings (not problems: the bundle can still verify):",
        )));
        let rows = r
            .warnings
            .iter()
            .map(|x| vec![text(x.code.as_str()), text(&x.path), text(&x.message)])
            .collect();
        b.push(Block::Table(vec!["Code", "Path", "Warning"], rows));
    }
    b
}

/// How to check the bundle with stock tools: the bag, the last event and
/// the seal's key filled in where they are known.
fn howto_blocks(input: &ReportInput) -> Vec<Block> {
    let (r, f) = (input.verify, input.facts);
    let bag = f
        .bag
        .clone()
        .or_else(|| r.bag.clone())
        .unwrap_or_else(|| "BAG".into());
    let last = f
        .events
        .last()
        .map(|e| e.member.trim_start_matches("custody/").to_string());
    // The seal's key id names a file; anything but a key id (a hostile
    // event) gives the placeholder instead.
    let seal_key = r
        .events
        .first()
        .and_then(|e| e.key_id.as_deref())
        .filter(|k| k.len() == 64 && k.bytes().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or("KEYID");
    let derived = f
        .events
        .first()
        .is_some_and(|e| e.event.exported_from.is_some());
    let original_key = derived.then(|| {
        r.provenance
            .as_ref()
            .map(|p| p.original_key_id.as_str())
            .filter(|k| k.len() == 64 && k.bytes().all(|c| c.is_ascii_hexdigit()))
            .unwrap_or("KEYID")
    });
    vec![
        Block::Heading("How to verify this yourself".into()),
        Block::Para(said(
            "Without evidentia, with stock tools only (unzip, bagit.py, sha256sum, minisign or openssl), \
             as docs/verify-without-evidentia.md explains. The bundle carries each signer's public key and \
             certificate and the certifying roots' keys in keys/; they are only hints until checked: each \
             root's fingerprint against the transmittal letter, each certificate against its root.",
        )),
        Block::Commands(howto(
            input.bundle_name,
            &bag,
            &last.unwrap_or_else(|| "000001-seal.json".into()),
            seal_key,
            original_key,
        )),
    ]
}
