//! The manifest.json phase: manifest.json read (streamed when its files
//! are sorted, else whole within its cap), its seal time on every bag
//! member and its bundle name; after the payload pass, its file list
//! against the payload both ways, the evidence items against their
//! files, and the captures it lists (`crate::verify::capture`).

use super::Bag;
use super::index::data_error;
use super::payload::Pass;
use super::teed::Teed;
use super::times;
use crate::bundle::mjson::stream_manifest;
use crate::bundle::{Archive, Entry, layout};
use crate::model::{FileEntry, Manifest};
use crate::verify::{
    Check, Finding, FindingCode, MAX_MANIFEST_JSON, SignatureVerifier, VerifyReport,
};
use std::collections::BTreeMap;

/// manifest.json as the later phases use it.
pub(super) struct Json {
    /// Its member, when there is one.
    entry: Option<Entry>,
    /// The manifest, when it is valid and of a known schema.
    pub(super) manifest: Option<Manifest>,
    /// Its files by path, when it was read whole (not sorted); `None`
    /// when they are streamed again beside the payload.
    files: Option<BTreeMap<String, FileEntry>>,
}

/// manifest.json's first pass, which needs nothing else from the bag and
/// runs beside the first phases: its member, and the manifest when it is
/// valid, of our schema and its files sorted (so they can be streamed).
pub(super) struct JsonScan {
    entry: Option<Entry>,
    streamed: Option<Manifest>,
    /// Its SHA-256, when it was read to its end.
    sha256: Option<String>,
}

impl JsonScan {
    /// manifest.json's SHA-256, when the first pass read all of it.
    pub(super) fn digest(&self) -> Option<String> {
        self.sha256.clone()
    }
}

impl Bag {
    /// manifest.json's first pass (see [`JsonScan`]).
    pub(super) fn scan_manifest_json(&self, archive: &Archive) -> JsonScan {
        let entry = self.get(archive, layout::MANIFEST_JSON);
        let (streamed, sha256) = match &entry {
            Some(e) => stream_sorted_manifest(archive, e),
            None => (None, None),
        };
        JsonScan {
            entry,
            streamed,
            sha256,
        }
    }

    /// Read manifest.json (its first pass is `scan`), check its seal time
    /// on every member and its bundle name; its files are compared during
    /// the payload pass.
    pub(super) fn read_manifest_json(
        &self,
        archive: &Archive,
        scan: JsonScan,
        report: &mut VerifyReport,
    ) -> Json {
        report.findings.phase(Check::ManifestJson);
        let JsonScan {
            entry, streamed, ..
        } = scan;
        let (manifest, files) = match streamed {
            Some(m) => (Some(m), None),
            None => {
                let m = self.manifest_whole_json(archive, report);
                let map: BTreeMap<String, FileEntry> = m
                    .iter()
                    .flat_map(|m| m.files.iter().map(|f| (f.path.clone(), f.clone())))
                    .collect();
                (m, Some(map))
            }
        };
        if let Some(m) = &manifest {
            times::bag_files(self.members(archive), &m.sealed, report);
            report.bundle_id = Some(m.bundle_id.clone());
            if m.bundle_name != self.name {
                report.findings.push(Finding::values(
                    FindingCode::ManifestJson,
                    layout::MANIFEST_JSON,
                    "bundle name differs from the bag directory",
                    &self.name,
                    &m.bundle_name,
                ));
            }
        }
        Json {
            entry,
            manifest,
            files,
        }
    }

    /// Parse manifest.json straight from its entry (size limit checked
    /// first); `None` when it cannot be read (reported as `entry-data`).
    fn parse_manifest_json(
        &self,
        archive: &Archive,
        report: &mut VerifyReport,
    ) -> Option<Result<Manifest, serde_json::Error>> {
        let e = self.get(archive, layout::MANIFEST_JSON)?;
        match archive.read_json(&e, MAX_MANIFEST_JSON) {
            Ok(m) => Some(m),
            Err(err) => {
                report.findings.push(Finding::new(
                    FindingCode::EntryData,
                    layout::MANIFEST_JSON,
                    format!("cannot read: {}", data_error(&err)),
                ));
                None
            }
        }
    }

    /// manifest.json read whole, within [`MAX_MANIFEST_JSON`].
    fn manifest_whole_json(
        &self,
        archive: &Archive,
        report: &mut VerifyReport,
    ) -> Option<Manifest> {
        self.parse_manifest_json(archive, report)
            .and_then(|m| match m {
                Ok(m) => match m.piece_algorithm() {
                    Ok(_) => Some(m),
                    Err(why) => {
                        report.findings.push(Finding::new(
                            FindingCode::ManifestJson,
                            layout::MANIFEST_JSON,
                            why,
                        ));
                        None
                    }
                },
                Err(e) => {
                    report.findings.push(Finding::new(
                        FindingCode::ManifestJson,
                        layout::MANIFEST_JSON,
                        format!("not a valid manifest: {e}"),
                    ));
                    None
                }
            })
    }
}

impl Json {
    /// Run `f` over manifest.json's files in path order: from the map when
    /// it was read whole, streamed again when sorted, none without a valid
    /// manifest.
    pub(super) fn with_files<T>(
        &self,
        archive: &Archive,
        f: impl FnOnce(&mut dyn Iterator<Item = FileEntry>) -> T,
    ) -> T {
        match (&self.files, &self.entry, &self.manifest) {
            (Some(map), _, _) => f(&mut map.values().cloned()),
            (None, Some(e), Some(_)) => with_json_files(archive, e, f),
            _ => f(&mut std::iter::empty()),
        }
    }

    /// The manifest.json check, after the payload pass: its files against
    /// the payload both ways, then the evidence items against their files.
    pub(super) fn check_payload_files(&self, pass: &mut Pass, report: &mut VerifyReport) {
        report.findings.phase(Check::ManifestJson);
        let Some(m) = &self.manifest else {
            return;
        };
        report.ran(Check::ManifestJson);
        report.findings.phase(Check::Disclosure);
        let seen = &mut report.commitment;
        seen.manifest_read = true;
        seen.salted = m.has_commitment();
        seen.computed = std::mem::take(&mut pass.leaves).finish(&mut report.findings);
        report.findings.phase(Check::ManifestJson);
        std::mem::take(&mut pass.not_in_json).flush(&mut report.findings, |p| {
            Finding::new(
                FindingCode::ManifestJson,
                p,
                "payload file not in manifest.json",
            )
        });
        std::mem::take(&mut pass.not_in_bag).flush(&mut report.findings, |p| {
            Finding::new(
                FindingCode::MissingFile,
                p,
                "listed in manifest.json but not in the bundle",
            )
        });
        let rich: BTreeMap<&str, &FileEntry> = pass
            .for_items
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        crate::verify::items::check_items(m, &rich, &mut report.findings);
    }
}

impl Json {
    /// The captures check, after the payload pass (whose hash comparisons
    /// the capture pcaps' entries rely on): not run without a manifest.
    pub(super) fn check_captures(
        &self,
        bag: &Bag,
        archive: &Archive,
        pass: &Pass,
        verifier: Option<&dyn SignatureVerifier>,
        report: &mut VerifyReport,
    ) {
        report.findings.phase(Check::Captures);
        let Some(m) = &self.manifest else {
            return;
        };
        let inputs = crate::verify::capture::Inputs {
            archive,
            bag,
            files: &pass.for_items,
            verifier,
        };
        crate::verify::capture::check(&inputs, m, report);
    }
}

/// manifest.json, streamed, when it is valid, of our schema, and its
/// files are sorted by path without repeats (`None` otherwise); and its
/// SHA-256 when it was read to its end.
fn stream_sorted_manifest(archive: &Archive, e: &Entry) -> (Option<Manifest>, Option<String>) {
    let Ok(r) = archive.reader(e) else {
        return (None, None);
    };
    let mut teed = Teed::new(r);
    let mut prev: Option<String> = None;
    let m = stream_manifest(&mut teed, &mut |f| {
        let ok = prev.as_ref().is_none_or(|p| *p < f.path);
        prev = Some(f.path);
        ok
    });
    let Ok(m) = m else {
        return (None, None);
    };
    let sha256 = teed.finish();
    (m.piece_algorithm().is_ok().then_some(m), sha256)
}

/// Run `f` over manifest.json's files, parsed on a second thread and
/// handed over in batches through a small queue.
fn with_json_files<T>(
    archive: &Archive,
    e: &Entry,
    f: impl FnOnce(&mut dyn Iterator<Item = FileEntry>) -> T,
) -> T {
    const BATCH: usize = 512;
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<FileEntry>>(4);
        s.spawn(move || {
            if let Ok(r) = archive.reader(e) {
                let mut batch = Vec::with_capacity(BATCH);
                let done = stream_manifest(r, &mut |fe| {
                    batch.push(fe);
                    batch.len() < BATCH
                        || tx
                            .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                            .is_ok()
                });
                if done.is_ok() && !batch.is_empty() {
                    let _ = tx.send(batch);
                }
            }
        });
        let out = f(&mut rx.iter().flatten());
        // Let the parser stop (its sends fail) before the scope joins it.
        drop(rx);
        out
    })
}
