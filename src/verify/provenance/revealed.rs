//! An original without a commitment, exported with `--reveal-manifest`:
//! the original seal signs its tag manifest (`tagmanifest_sha256`), which
//! lists manifest.json's SHA-256, which lists every file. So
//! `provenance/tagmanifest-sha256.txt` must hash to the seal's value, its
//! line for `evidentia/manifest.json` to `provenance/manifest.json`, and
//! every disclosed file's record (path, original name, size, digests)
//! must equal its entry there.
//!
//! The revealed manifest.json is streamed (constant memory, as verify
//! reads any manifest.json), and read whole within
//! [`MAX_MANIFEST_JSON`] only when it is not in the form evidentia writes.

use super::{Ctx, differs, finding};
use crate::bundle::mjson::stream_manifest;
use crate::bundle::{Entry, layout, parse_manifest};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, hash_reader};
use crate::model::disclosure::{ExportedFrom, LEAF_DIGESTS, digest_of};
use crate::model::{CustodyEvent, FileEntry, Manifest};
use crate::verify::bag::{data_error, sha256_hex};
use crate::verify::{Finding, FindingCode, MAX_MANIFEST_JSON, MAX_TAG_FILE, VerifyReport};
use std::collections::{BTreeMap, BTreeSet};

/// Prove every entry of `entries` against `original`'s revealed
/// manifest; returns how many of its files were withheld, `None` when
/// anything failed (each failure a finding).
pub(super) fn check(
    ctx: &Ctx<'_>,
    from: &ExportedFrom,
    original: &CustodyEvent,
    entries: &[FileEntry],
    report: &mut VerifyReport,
) -> Option<u64> {
    let want = manifest_digest(ctx, original, report)?;
    let rel = layout::PROVENANCE_MANIFEST;
    let e = ctx.bag.get(ctx.archive, rel)?;
    let got = match sha256_of(ctx, &e) {
        Ok(h) => h,
        Err(err) => {
            report.findings.push(Finding::new(
                FindingCode::EntryData,
                rel,
                format!("cannot read: {}", data_error(&err)),
            ));
            return None;
        }
    };
    if got != want {
        report.findings.push(differs(
            rel,
            "not the original's manifest.json: its SHA-256 differs from the original tag manifest's line for evidentia/manifest.json",
            want,
            got,
        ));
        return None;
    }
    let (manifest, cmp) = compare(ctx, &e, entries, report)?;
    let mut found = cmp.found;
    if let Err(why) = manifest.piece_algorithm() {
        found.push(finding(rel, why));
    }
    if manifest.bundle_id != from.bundle_id {
        found.push(differs(
            rel,
            "bundle_id is not the original's",
            &from.bundle_id,
            &manifest.bundle_id,
        ));
    }
    for f in entries
        .iter()
        .filter(|f| !cmp.seen.contains(f.path.as_str()))
    {
        found.push(finding(
            &f.path,
            "not a file of the original: its revealed manifest.json does not list it",
        ));
    }
    let ok = found.is_empty();
    report.findings.extend(found);
    ok.then(|| cmp.files.saturating_sub(entries.len() as u64))
}

/// The SHA-256 the original's tag manifest lists for manifest.json, once
/// the tag manifest is shown to be the one the original seal signed.
fn manifest_digest(
    ctx: &Ctx<'_>,
    original: &CustodyEvent,
    report: &mut VerifyReport,
) -> Option<String> {
    let rel = layout::PROVENANCE_TAGMANIFEST;
    let text = ctx.read(rel, MAX_TAG_FILE, report)?;
    let hash = sha256_hex(&text);
    if hash != original.tagmanifest_sha256 {
        report.findings.push(differs(
            rel,
            "not the tag manifest the original seal signed: its SHA-256 differs from the seal's tagmanifest_sha256",
            &original.tagmanifest_sha256,
            hash,
        ));
        return None;
    }
    let lines = match parse_manifest(&text, Algorithm::Sha256.digest_len()) {
        Ok(l) => l,
        Err(e) => {
            report
                .findings
                .push(finding(rel, format!("not a tag manifest: {e}")));
            return None;
        }
    };
    let mut listed = lines
        .into_iter()
        .filter(|l| l.path == layout::MANIFEST_JSON);
    match (listed.next(), listed.next()) {
        (Some(l), None) => Some(l.digest),
        (first, _) => {
            report.findings.push(finding(
                rel,
                format!(
                    "lists {} once; it lists it {}",
                    layout::MANIFEST_JSON,
                    if first.is_some() {
                        "more than once"
                    } else {
                        "not at all"
                    }
                ),
            ));
            None
        }
    }
}

/// The SHA-256 of member `e`, streamed.
fn sha256_of(ctx: &Ctx<'_>, e: &Entry) -> std::io::Result<String> {
    let o = HashOptions {
        algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
        ..HashOptions::default()
    };
    let r = ctx.archive.reader(e)?;
    let h = hash_reader(r, &o, &mut |_| {})?;
    Ok(h.digests.first().map(|d| d.hex()).unwrap_or_default())
}

/// The original's entries compared with the disclosed ones as they go by.
struct Compare<'a> {
    /// The disclosed entries by path.
    derived: BTreeMap<&'a str, &'a FileEntry>,
    /// The disclosed paths met in the original.
    seen: BTreeSet<&'a str>,
    /// The original's files.
    files: u64,
    found: Vec<Finding>,
}

impl<'a> Compare<'a> {
    fn new(entries: &'a [FileEntry]) -> Compare<'a> {
        Compare {
            derived: entries.iter().map(|f| (f.path.as_str(), f)).collect(),
            seen: BTreeSet::new(),
            files: 0,
            found: Vec::new(),
        }
    }

    /// The original's next entry.
    fn take(&mut self, o: FileEntry) {
        self.files += 1;
        let Some((&path, &d)) = self.derived.get_key_value(o.path.as_str()) else {
            return;
        };
        if !self.seen.insert(path) {
            self.found.push(finding(
                path,
                "listed more than once in the original's manifest.json: which entry was sealed is ambiguous",
            ));
            return;
        }
        record(d, &o, &mut self.found);
    }
}

/// Stream the revealed manifest.json through a [`Compare`], or read it
/// whole when it is irregular; `None` when it cannot be read or parsed.
fn compare<'a>(
    ctx: &Ctx<'_>,
    e: &Entry,
    entries: &'a [FileEntry],
    report: &mut VerifyReport,
) -> Option<(Manifest, Compare<'a>)> {
    let rel = layout::PROVENANCE_MANIFEST;
    let mut cmp = Compare::new(entries);
    let streamed = ctx.archive.reader(e).ok().and_then(|r| {
        stream_manifest(r, &mut |f| {
            cmp.take(f);
            true
        })
        .ok()
    });
    if let Some(m) = streamed {
        return Some((m, cmp));
    }
    let mut cmp = Compare::new(entries);
    match ctx.archive.read_json::<Manifest>(e, MAX_MANIFEST_JSON) {
        Ok(Ok(mut m)) => {
            for f in std::mem::take(&mut m.files) {
                cmp.take(f);
            }
            Some((m, cmp))
        }
        Ok(Err(err)) => {
            report
                .findings
                .push(finding(rel, format!("not a valid manifest: {err}")));
            None
        }
        Err(err) => {
            report.findings.push(Finding::new(
                FindingCode::EntryData,
                rel,
                format!("cannot read: {}", data_error(&err)),
            ));
            None
        }
    }
}

/// The disclosed record `d` equals the original's `o`: original name,
/// size and every digest (the fields of a disclosure leaf).
pub(super) fn record(d: &FileEntry, o: &FileEntry, found: &mut Vec<Finding>) {
    let mut cmp = |field: &str, want: String, got: String| {
        if want != got {
            found.push(differs(
                &d.path,
                format!("{field} differs from the original's manifest.json"),
                want,
                got,
            ));
        }
    };
    let json = |r: &crate::pathrepr::PathRepr| serde_json::to_string(r).unwrap_or_default();
    cmp("original", json(&o.original), json(&d.original));
    cmp("size", o.size.to_string(), d.size.to_string());
    for name in LEAF_DIGESTS {
        let text = |f| digest_of(f, name).unwrap_or("(absent)").to_string();
        cmp(name, text(o), text(d));
    }
}
