//! The BagIt side of verification: layout, bagit.txt, every manifest both
//! ways, Payload-Oxum, the tag manifest, manifest.json, and the payload
//! itself, hashed in one pass per file.
//!
//! Memory does not grow with the names, digests or manifest entries of
//! the payload: the bag keeps 4 bytes per member (its entry index, in name
//! order), and the manifests and manifest.json are streamed and checked
//! against the payload by merging sorted lists, as every bundle evidentia
//! writes has them sorted. A manifest (or a manifest.json) that is not
//! sorted is checked the old way, read whole within its size cap, with
//! exactly the same findings.

mod manifests;
mod order;
mod rich;
pub(super) mod times;

use manifests::{Scan, scan_manifest, stream_sorted_manifest, with_json_files};
use order::{MAX_RUNS, merge_runs, sort_members};
use rich::{Capped, Pass, compare_rich};

use super::{
    Check, Finding, FindingCode, Findings, MAX_FINDINGS, MAX_MANIFEST_JSON, MAX_TAG_FILE,
    VerifyReport,
};
use crate::bundle::mjson::stream_manifest;
use crate::bundle::{
    Archive, Entries, Entry, EntryDataError, ManifestLine, ManifestLines, ManifestSyntax, layout,
    parse_manifest,
};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, hash_bytes, hash_reader, to_hex};
use crate::model::{FileEntry, Manifest};
use std::collections::{BTreeMap, BTreeSet};
use std::iter::Peekable;

/// The bag's members, by name relative to the base directory.
pub struct Bag {
    /// Base directory name.
    pub name: String,
    /// Safe, non-directory members: entry indices in name order.
    order: Vec<u32>,
}

pub(super) fn sha256_hex(data: &[u8]) -> String {
    let o = HashOptions {
        algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
        ..HashOptions::default()
    };
    hash_bytes(data, &o).digests[0].hex()
}

fn data_error(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|r| r.downcast_ref::<EntryDataError>()) {
        Some(d) => d.to_string(),
        None => e.to_string(),
    }
}

/// Members in name order, streamed from the central directory.
pub struct Members<'a> {
    archive: &'a Archive,
    order: std::slice::Iter<'a, u32>,
    cursor: Option<Entries<'a>>,
    skip: usize,
}

impl Iterator for Members<'_> {
    type Item = (String, Entry);
    fn next(&mut self) -> Option<(String, Entry)> {
        let want = *self.order.next()? as usize;
        // Follow the directory with one buffered reader while the members
        // come in its order (the payload of every bundle); jump otherwise.
        let near = self
            .cursor
            .as_ref()
            .is_some_and(|c| c.position() <= want && want - c.position() < 256);
        if !near {
            self.cursor = Some(self.archive.entries_from(want));
        }
        let cursor = self.cursor.as_mut()?;
        let e = cursor.find(|e| e.index >= want)?;
        if e.index != want {
            return None;
        }
        let rel = e.name.get(self.skip..).unwrap_or("").to_string();
        Some((rel, e))
    }
}

/// A sorted manifest's lines, from a stream.
type Lines<'a> = Peekable<LineIter<'a>>;

/// The good lines of a manifest already checked to parse.
pub struct LineIter<'a>(ManifestLines<crate::bundle::EntryReader<'a>>);

impl Iterator for LineIter<'_> {
    type Item = ManifestLine;
    fn next(&mut self) -> Option<ManifestLine> {
        match self.0.next_line() {
            Ok(Some(Ok(l))) => Some(l),
            _ => None,
        }
    }
}

/// How one payload manifest's digests are found during hashing.
enum Listed<'a> {
    /// Sorted: streamed again beside the payload.
    Stream(Lines<'a>),
    /// Not sorted: read whole (path -> digests in line order).
    Map(BTreeMap<String, Vec<String>>),
}

impl Bag {
    /// Find the single top-level directory and index the members.
    pub fn index(archive: &Archive, report: &mut VerifyReport) -> Option<Bag> {
        let Some(first) = archive.entries().find(|e| e.safe) else {
            let message = match archive.entry_count() {
                0 => "no bag in the zip: it holds no entries at all".to_string(),
                n => format!("no bag in the zip: none of its {n} entries is safe to read"),
            };
            report.findings.push(Finding::new(
                FindingCode::MissingFile,
                layout::BAGIT_TXT,
                message,
            ));
            // The layout check ran, and found nothing to check.
            report.ran(Check::Layout);
            return None;
        };
        let name = first.name.split('/').next().unwrap_or("").to_string();
        let mut order = Vec::new();
        let mut runs = Vec::new();
        let mut prev: Option<String> = None;
        for e in archive.entries().filter(|e| e.safe) {
            match e.name.strip_prefix(&name).and_then(|r| r.strip_prefix('/')) {
                Some(rel) if !rel.is_empty() && !e.is_dir() => {
                    if prev.as_deref().is_none_or(|p| p >= rel) {
                        runs.push(order.len());
                    }
                    prev = Some(rel.to_string());
                    order.push(e.index as u32);
                }
                Some(_) => {}
                None => report.findings.push(Finding::new(
                    FindingCode::UnexpectedFile,
                    &e.name,
                    "entry outside the bag's single top-level directory",
                )),
            }
        }
        let skip = name.len() + 1;
        let order = if runs.len() <= 1 {
            order
        } else if runs.len() <= MAX_RUNS {
            merge_runs(archive, &order, &runs, skip)
        } else {
            sort_members(archive, order, skip)
        };
        report.bag = Some(name.clone());
        Some(Bag { name, order })
    }

    /// Every member in name order.
    pub fn members<'a>(&'a self, archive: &'a Archive) -> Members<'a> {
        Members {
            archive,
            order: self.order.iter(),
            cursor: None,
            skip: self.name.len() + 1,
        }
    }

    /// The payload (`data/...`) in name order.
    fn payload<'a>(&'a self, archive: &'a Archive) -> impl Iterator<Item = (String, Entry)> + 'a {
        self.members(archive)
            .skip_while(|(r, _)| r.as_str() < layout::DATA_DIR)
            .take_while(|(r, _)| r.starts_with(layout::DATA_DIR))
    }

    /// The member `rel`, found by binary search over the names.
    pub fn get(&self, archive: &Archive, rel: &str) -> Option<Entry> {
        let skip = self.name.len() + 1;
        let mut found = None;
        let at = self
            .order
            .binary_search_by(|i| match archive.entry(*i as usize) {
                Some(e) => {
                    let c = e.name.get(skip..).unwrap_or("").cmp(rel);
                    if c == std::cmp::Ordering::Equal {
                        found = Some(e);
                    }
                    c
                }
                None => std::cmp::Ordering::Less,
            })
            .ok();
        at.and(found)
    }

    /// Whether `rel` is a member.
    pub fn contains(&self, archive: &Archive, rel: &str) -> bool {
        self.get(archive, rel).is_some()
    }

    pub(super) fn read(
        &self,
        archive: &Archive,
        rel: &str,
        limit: u64,
        report: &mut VerifyReport,
    ) -> Option<Vec<u8>> {
        let e = self.get(archive, rel)?;
        match archive.read_small(&e, limit) {
            Ok(v) => Some(v),
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

    /// Hash one tag file as it streams (it may be up to the manifest.json
    /// limit); `None` when it cannot be read (reported).
    fn hash_member(
        &self,
        archive: &Archive,
        rel: &str,
        opts: &HashOptions,
        report: &mut VerifyReport,
    ) -> Option<String> {
        let e = self.get(archive, rel)?;
        // Streamed, whatever the size: the manifests and manifest.json of
        // a large bag are far larger than any in-memory cap.
        let hashed = archive
            .reader(&e)
            .and_then(|r| hash_reader(r, opts, &mut |_| {}))
            .map(|h| Some(h.digests[0].hex()));
        match hashed {
            Ok(h) => h,
            // Said once already (manifest.json is read twice).
            Err(_)
                if report
                    .findings
                    .iter()
                    .any(|f| f.code == FindingCode::EntryData && f.path == rel) =>
            {
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

    /// Run every BagIt and manifest.json check; returns the bytes of
    /// tagmanifest-sha256.txt when readable.
    pub fn check(
        &self,
        archive: &Archive,
        report: &mut VerifyReport,
        progress: &mut dyn FnMut(u64),
        tap: Option<&mut dyn super::PayloadTap>,
    ) -> Option<Vec<u8>> {
        let f = &mut report.findings;
        // Classify members.
        let mut manifests = Vec::new();
        let mut tagmanifests = Vec::new();
        let mut tag_files: Capped<String> = Capped::default();
        for (rel, _) in self.members(archive) {
            if rel.starts_with(layout::DATA_DIR) {
                continue;
            }
            if !rel.starts_with(layout::CUSTODY_DIR)
                && !rel.starts_with(layout::KEYS_DIR)
                && layout::tagmanifest_algorithm(&rel).is_none()
            {
                tag_files.push(rel.clone());
            }
            if let Some(a) = layout::manifest_algorithm(&rel) {
                manifests.push((a, rel));
            } else if let Some(a) = layout::tagmanifest_algorithm(&rel) {
                // Only the SHA-256 tag manifest is bound by the seal event:
                // another, even a correct one, is a file added since.
                if rel == layout::TAGMANIFEST_SHA256 {
                    tagmanifests.push((a, rel));
                } else {
                    f.push(Finding::new(
                        FindingCode::UnexpectedFile,
                        &rel,
                        "evidentia writes only tagmanifest-sha256.txt, which the seal signs; no signature covers another tag manifest",
                    ));
                }
            } else if !(rel == layout::BAGIT_TXT
                || rel == layout::BAG_INFO
                || rel == layout::MANIFEST_JSON
                || rel.starts_with(layout::CUSTODY_DIR)
                || rel.starts_with(layout::KEYS_DIR))
            {
                f.push(Finding::new(
                    FindingCode::UnexpectedFile,
                    &rel,
                    "file not allowed in a bundle",
                ));
            }
        }
        for required in [
            layout::BAGIT_TXT,
            layout::BAG_INFO,
            layout::TAGMANIFEST_SHA256,
            layout::MANIFEST_JSON,
            &layout::manifest_name(Algorithm::Sha256),
        ] {
            if !self.contains(archive, required) {
                report.findings.push(Finding::new(
                    FindingCode::MissingFile,
                    required,
                    "required tag file is missing",
                ));
            }
        }
        report.ran(Check::Layout);
        report.findings.phase(Check::BagDeclaration);
        if let Some(b) = self.read(archive, layout::BAGIT_TXT, MAX_TAG_FILE, report) {
            report.ran(Check::BagDeclaration);
            if b != layout::BAGIT_TXT_CONTENT {
                report.findings.push(Finding::values(
                    FindingCode::BagitTxt,
                    layout::BAGIT_TXT,
                    "not the exact BagIt 1.0 declaration",
                    String::from_utf8_lossy(layout::BAGIT_TXT_CONTENT),
                    String::from_utf8_lossy(&b),
                ));
            }
        }
        // Payload manifests, both ways.
        report.findings.phase(Check::Manifests);
        let mut listed: Vec<(Algorithm, Listed<'_>)> = Vec::new();
        // Every manifest read and parsed, manifest-sha256.txt among them.
        let mut manifests_read = manifests.iter().any(|(a, _)| *a == Algorithm::Sha256);
        for (algo, rel) in &manifests {
            let Some(e) = self.get(archive, rel) else {
                continue;
            };
            match scan_manifest(archive, &e, algo.digest_len()) {
                Scan::Read(err) => {
                    manifests_read = false;
                    report.findings.push(Finding::new(
                        FindingCode::EntryData,
                        rel,
                        format!("cannot read: {}", data_error(&err)),
                    ))
                }
                Scan::Syntax(err) => {
                    manifests_read = false;
                    report.findings.push(Finding::new(
                        FindingCode::ManifestSyntax,
                        rel,
                        err.to_string(),
                    ))
                }
                Scan::Sorted => {
                    self.merge_manifest(archive, &e, *algo, rel, report);
                    // Read again beside the payload when hashing.
                    match archive.reader(&e) {
                        Ok(r) => {
                            let lines = LineIter(ManifestLines::new(r, algo.digest_len()));
                            listed.push((*algo, Listed::Stream(lines.peekable())));
                        }
                        Err(_) => manifests_read = false,
                    }
                }
                Scan::Irregular => match self.manifest_whole(archive, *algo, rel, report) {
                    Some(map) => listed.push((*algo, Listed::Map(map))),
                    None => manifests_read = false,
                },
            }
        }
        if manifests_read {
            report.ran(Check::Manifests);
        }
        // manifest.json: streamed when sorted, else read whole.
        report.findings.phase(Check::ManifestJson);
        let json_entry = self.get(archive, layout::MANIFEST_JSON);
        let streamed_json = json_entry
            .as_ref()
            .and_then(|e| stream_sorted_manifest(archive, e));
        let (manifest, rich_map) = match streamed_json {
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
        // One pass over the payload in name order, beside manifest.json's
        // files and the sorted manifests: membership both ways, then
        // hashing. Findings come out in the order of the checks (manifest
        // membership, items, then hash comparisons).
        let wanted: BTreeSet<String> = manifest
            .iter()
            .flat_map(|m| &m.items)
            .flat_map(|i| std::iter::once(&i.record).chain(&i.image))
            .cloned()
            .collect();
        let piece_size = manifest
            .as_ref()
            .map(|m| m.piece_size)
            .filter(|s| *s >= 4096);
        // Only a manifest whose schema and piece algorithm are known gets
        // here (the others are findings, and `manifest` is `None`).
        let piece_algorithm = manifest
            .as_ref()
            .and_then(|m| m.piece_algorithm().ok())
            .unwrap_or(crate::model::PIECE_ALGORITHM);
        let mut algos: Vec<Algorithm> = manifests.iter().map(|m| m.0).collect();
        algos.push(Algorithm::Blake3);
        algos.push(Algorithm::Sha256);
        let hopts = HashOptions {
            algorithms: AlgorithmSet::new(algos).unwrap_or_default(),
            piece_size,
            piece_algorithm,
            ..HashOptions::default()
        };
        let no_pieces = HashOptions {
            piece_size: None,
            ..hopts.clone()
        };
        report.findings.phase(Check::Payload);
        let sealed: Vec<Algorithm> = manifests.iter().map(|m| m.0).collect();
        let mut tap = tap.and_then(|t| t.begin(&sealed).then_some(t));
        let mut pass = Pass::default();
        let mut run = |files: &mut dyn Iterator<Item = FileEntry>| {
            let mut files = files.peekable();
            let keep = |pass: &mut Pass, f: FileEntry| {
                if wanted.contains(&f.path) {
                    pass.for_items.insert(f.path.clone(), f);
                }
            };
            for (p, e) in self.payload(archive) {
                pass.files += 1;
                pass.bytes += e.size;
                while let Some(f) = files.next_if(|f| f.path < p) {
                    pass.not_in_bag.push(f.path.clone());
                    keep(&mut pass, f);
                }
                let rich = files.next_if(|f| f.path == p);
                match &rich {
                    Some(f) => keep(&mut pass, f.clone()),
                    None => pass.not_in_json.push(p.clone()),
                }
                // The digests listed for `p`, manifest by manifest.
                let mut want: Vec<(Algorithm, String)> = Vec::new();
                for (algo, l) in &mut listed {
                    match l {
                        Listed::Map(m) => {
                            for d in m.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
                                want.push((*algo, d.clone()));
                            }
                        }
                        Listed::Stream(lines) => {
                            while lines.next_if(|x| x.path < p).is_some() {}
                            while let Some(x) = lines.next_if(|x| x.path == p) {
                                want.push((*algo, x.digest));
                            }
                        }
                    }
                }
                // An entry no larger than one piece (its reader stops at the
                // declared size) has no piecewise hashes to compare: skip
                // that second stream.
                let o = match piece_size {
                    Some(s) if e.size <= s => &no_pieces,
                    _ => &hopts,
                };
                let hashed = archive
                    .reader(&e)
                    .and_then(|inner| match tap.as_deref_mut() {
                        Some(tap) => hash_reader(super::tap::Tee { inner, tap }, o, progress),
                        None => hash_reader(inner, o, progress),
                    });
                if let Some(t) = tap.as_deref_mut() {
                    t.end(&p, hashed.as_ref().ok());
                }
                let result = match hashed {
                    Ok(r) => r,
                    Err(err) => {
                        pass.hashed.push(Finding::new(
                            FindingCode::EntryData,
                            &p,
                            format!("cannot read: {}", data_error(&err)),
                        ));
                        continue;
                    }
                };
                for (algo, want) in &want {
                    let got = result.digest(*algo).map(|d| d.hex()).unwrap_or_default();
                    if *want != got {
                        pass.hashed.push(Finding::values(
                            FindingCode::DigestMismatch,
                            &p,
                            format!(
                                "{} differs from {}",
                                algo.name(),
                                layout::manifest_name(*algo)
                            ),
                            want,
                            got,
                        ));
                    }
                }
                if let Some(r) = rich {
                    let mut found = Vec::new();
                    compare_rich(&p, &r, &result, &mut found);
                    for f in found {
                        pass.hashed.push(f);
                    }
                }
            }
            for f in files {
                pass.not_in_bag.push(f.path.clone());
                keep(&mut pass, f);
            }
        };
        match (&rich_map, &json_entry, &manifest) {
            (Some(map), _, _) => run(&mut map.values().cloned()),
            (None, Some(e), Some(_)) => with_json_files(archive, e, |f| run(f)),
            _ => run(&mut std::iter::empty()),
        }
        // The payload was compared with every manifest only when they were
        // all read; manifest.json only when it was.
        if manifests_read {
            report.ran(Check::Payload);
        }
        report.findings.phase(Check::ManifestJson);
        if let Some(m) = &manifest {
            report.ran(Check::ManifestJson);
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
            super::items::check_items(m, &rich, &mut report.findings);
        }
        report.findings.phase(Check::Payload);
        std::mem::take(&mut pass.hashed).flush(&mut report.findings, |f| f);
        let (files, bytes) = (pass.files, pass.bytes);
        drop(listed);
        report.files = files;
        report.bytes = bytes;
        // bag-info.txt.
        report.findings.phase(Check::BagInfo);
        if let Some(text) = self.read(archive, layout::BAG_INFO, MAX_TAG_FILE, report)
            && super::baginfo::check(&text, bytes, files, manifest.as_ref(), report)
        {
            report.ran(Check::BagInfo);
        }
        // Tag manifests.
        report.findings.phase(Check::TagManifests);
        let mut sha256_tm = None;
        for (algo, rel) in &tagmanifests {
            let Some(text) = self.read(archive, rel, MAX_TAG_FILE, report) else {
                continue;
            };
            let parsed = parse_manifest(&text, algo.digest_len());
            let parsed = match parsed {
                Err(e) => {
                    report.findings.push(Finding::new(
                        FindingCode::ManifestSyntax,
                        rel,
                        e.to_string(),
                    ));
                    false
                }
                Ok(lines) => {
                    let o = HashOptions {
                        algorithms: AlgorithmSet::new([*algo]).unwrap_or_default(),
                        ..HashOptions::default()
                    };
                    let mut seen = BTreeSet::new();
                    for l in &lines {
                        seen.insert(l.path.as_str());
                        if !self.contains(archive, &l.path) {
                            report.findings.push(Finding::new(
                                FindingCode::MissingFile,
                                &l.path,
                                format!("listed in {rel} but not in the bundle"),
                            ));
                            continue;
                        }
                        if let Some(got) = self.hash_member(archive, &l.path, &o, report)
                            && got != l.digest
                        {
                            report.findings.push(Finding::values(
                                FindingCode::TagDigestMismatch,
                                &l.path,
                                format!("{} differs from {rel}", algo.name()),
                                &l.digest,
                                got,
                            ));
                        }
                    }
                    for t in tag_files.list.iter().filter(|t| !seen.contains(t.as_str())) {
                        report.findings.push(Finding::new(
                            FindingCode::NotInTagmanifest,
                            t,
                            format!("tag file not listed in {rel}"),
                        ));
                    }
                    // Past the limit, counted as not listed (a bag that
                    // large is findings all over already).
                    report.findings.count(tag_files.more);
                    true
                }
            };
            if rel == layout::TAGMANIFEST_SHA256 {
                if parsed {
                    report.ran(Check::TagManifests);
                }
                sha256_tm = Some(text);
            }
        }
        sha256_tm
    }
}
