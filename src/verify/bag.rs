//! The BagIt side of verification: layout, bagit.txt, every manifest both
//! ways, Payload-Oxum, the tag manifest, manifest.json, and the payload
//! itself, hashed in one pass per file.

use super::{Finding, MAX_MANIFEST_JSON, MAX_TAG_FILE, VerifyReport};
use crate::bundle::{Archive, Entry, EntryDataError, layout, parse_bag_info, parse_manifest};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, hash_bytes, hash_reader, to_hex};
use crate::model::{MANIFEST_SCHEMA, Manifest};
use std::collections::{BTreeMap, BTreeSet};

/// The bag's members, by name relative to the base directory.
pub struct Bag {
    /// Base directory name.
    pub name: String,
    /// Safe, non-directory members.
    pub members: BTreeMap<String, Entry>,
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

impl Bag {
    /// Find the single top-level directory and index the members.
    pub fn index(archive: &Archive, report: &mut VerifyReport) -> Option<Bag> {
        let first = archive.entries.iter().find(|e| e.safe)?;
        let name = first.name.split('/').next().unwrap_or("").to_string();
        let mut members = BTreeMap::new();
        for e in archive.entries.iter().filter(|e| e.safe) {
            match e.name.strip_prefix(&name).and_then(|r| r.strip_prefix('/')) {
                Some(rel) if !rel.is_empty() && !e.is_dir() => {
                    members.insert(rel.to_string(), e.clone());
                }
                Some(_) => {}
                None => report.findings.push(Finding::new(
                    "unexpected-file",
                    &e.name,
                    "entry outside the bag's single top-level directory",
                )),
            }
        }
        report.bag = Some(name.clone());
        Some(Bag { name, members })
    }

    fn read(
        &self,
        archive: &Archive,
        rel: &str,
        limit: u64,
        report: &mut VerifyReport,
    ) -> Option<Vec<u8>> {
        let e = self.members.get(rel)?;
        match archive.read_small(e, limit) {
            Ok(v) => Some(v),
            Err(err) => {
                report.findings.push(Finding::new(
                    "entry-data",
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
        let e = self.members.get(layout::MANIFEST_JSON)?;
        match archive.read_json(e, MAX_MANIFEST_JSON) {
            Ok(m) => Some(m),
            Err(err) => {
                report.findings.push(Finding::new(
                    "entry-data",
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
        let e = self.members.get(rel)?;
        let hashed = if e.size > MAX_MANIFEST_JSON {
            archive.read_small(e, MAX_MANIFEST_JSON).map(|_| None)
        } else {
            archive
                .reader(e)
                .and_then(|r| hash_reader(r, opts, &mut |_| {}))
                .map(|h| Some(h.digests[0].hex()))
        };
        match hashed {
            Ok(h) => h,
            // Said once already (manifest.json is read twice).
            Err(_)
                if report
                    .findings
                    .iter()
                    .any(|f| f.code == "entry-data" && f.path == rel) =>
            {
                None
            }
            Err(err) => {
                report.findings.push(Finding::new(
                    "entry-data",
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
    ) -> Option<Vec<u8>> {
        let f = &mut report.findings;
        // Classify members.
        let mut payload = BTreeSet::new();
        let mut manifests = Vec::new();
        let mut tagmanifests = Vec::new();
        for rel in self.members.keys() {
            if rel.starts_with(layout::DATA_DIR) {
                payload.insert(rel.clone());
            } else if let Some(a) = layout::manifest_algorithm(rel) {
                manifests.push((a, rel.clone()));
            } else if let Some(a) = layout::tagmanifest_algorithm(rel) {
                tagmanifests.push((a, rel.clone()));
            } else if !(rel == layout::BAGIT_TXT
                || rel == layout::BAG_INFO
                || rel == layout::MANIFEST_JSON
                || rel.starts_with(layout::CUSTODY_DIR)
                || rel.starts_with(layout::KEYS_DIR))
            {
                f.push(Finding::new(
                    "unexpected-file",
                    rel,
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
            if !self.members.contains_key(required) {
                f.push(Finding::new(
                    "missing-file",
                    required,
                    "required tag file is missing",
                ));
            }
        }
        if let Some(b) = self.read(archive, layout::BAGIT_TXT, MAX_TAG_FILE, report) {
            if b != layout::BAGIT_TXT_CONTENT {
                report.findings.push(Finding::values(
                    "bagit-txt",
                    layout::BAGIT_TXT,
                    "not the exact BagIt 1.0 declaration",
                    String::from_utf8_lossy(layout::BAGIT_TXT_CONTENT),
                    String::from_utf8_lossy(&b),
                ));
            }
        }
        // Payload manifests: path -> (algo -> digest).
        let mut listed: BTreeMap<String, Vec<(Algorithm, String)>> = BTreeMap::new();
        for (algo, rel) in &manifests {
            let Some(text) = self.read(archive, rel, MAX_TAG_FILE, report) else {
                continue;
            };
            let lines = match parse_manifest(&text, algo.digest_len()) {
                Ok(l) => l,
                Err(e) => {
                    report
                        .findings
                        .push(Finding::new("manifest-syntax", rel, e.to_string()));
                    continue;
                }
            };
            let mut seen = BTreeSet::new();
            for l in lines {
                if !seen.insert(l.path.clone()) {
                    report.findings.push(Finding::new(
                        "manifest-syntax",
                        rel,
                        format!("{:?} listed twice", l.path),
                    ));
                }
                if !payload.contains(&l.path) {
                    report.findings.push(Finding::new(
                        "missing-file",
                        &l.path,
                        format!("listed in {rel} but not in the bundle"),
                    ));
                }
                listed.entry(l.path).or_default().push((*algo, l.digest));
            }
            for p in payload.iter().filter(|p| !seen.contains(*p)) {
                report.findings.push(Finding::new(
                    "not-in-manifest",
                    p,
                    format!("payload file not listed in {rel}"),
                ));
            }
        }
        // manifest.json, parsed as it streams: padding (whitespace up to
        // the size limit) costs no memory.
        let manifest: Option<Manifest> =
            self.parse_manifest_json(archive, report)
                .and_then(|m| match m {
                    Ok(m) if m.schema == MANIFEST_SCHEMA => Some(m),
                    Ok(m) => {
                        report.findings.push(Finding::values(
                            "manifest-json",
                            layout::MANIFEST_JSON,
                            "unknown schema",
                            MANIFEST_SCHEMA,
                            m.schema,
                        ));
                        None
                    }
                    Err(e) => {
                        report.findings.push(Finding::new(
                            "manifest-json",
                            layout::MANIFEST_JSON,
                            format!("not a valid manifest: {e}"),
                        ));
                        None
                    }
                });
        if let Some(m) = &manifest {
            report.bundle_id = Some(m.bundle_id.clone());
            if m.bundle_name != self.name {
                report.findings.push(Finding::values(
                    "manifest-json",
                    layout::MANIFEST_JSON,
                    "bundle name differs from the bag directory",
                    &self.name,
                    &m.bundle_name,
                ));
            }
        }
        let rich: BTreeMap<&str, &crate::model::FileEntry> = manifest
            .iter()
            .flat_map(|m| m.files.iter().map(|f| (f.path.as_str(), f)))
            .collect();
        if manifest.is_some() {
            for p in payload.iter().filter(|p| !rich.contains_key(p.as_str())) {
                report.findings.push(Finding::new(
                    "manifest-json",
                    p,
                    "payload file not in manifest.json",
                ));
            }
            for p in rich.keys().filter(|p| !payload.contains(**p)) {
                report.findings.push(Finding::new(
                    "missing-file",
                    *p,
                    "listed in manifest.json but not in the bundle",
                ));
            }
            if let Some(m) = &manifest {
                super::items::check_items(m, &rich, &mut report.findings);
            }
        }
        // Hash the payload once per file.
        let piece_size = manifest
            .as_ref()
            .map(|m| m.piece_size)
            .filter(|s| *s >= 4096);
        let mut algos: Vec<Algorithm> = manifests.iter().map(|m| m.0).collect();
        algos.push(Algorithm::Blake3);
        algos.push(Algorithm::Sha256);
        let hopts = HashOptions {
            algorithms: AlgorithmSet::new(algos).unwrap_or_default(),
            piece_size,
            ..HashOptions::default()
        };
        let (mut files, mut bytes) = (0u64, 0u64);
        for p in &payload {
            let e = &self.members[p];
            files += 1;
            bytes += e.size;
            let result = match archive
                .reader(e)
                .and_then(|r| hash_reader(r, &hopts, progress))
            {
                Ok(r) => r,
                Err(err) => {
                    report.findings.push(Finding::new(
                        "entry-data",
                        p,
                        format!("cannot read: {}", data_error(&err)),
                    ));
                    continue;
                }
            };
            for (algo, want) in listed.get(p).map(Vec::as_slice).unwrap_or(&[]) {
                let got = result.digest(*algo).map(|d| d.hex()).unwrap_or_default();
                if *want != got {
                    report.findings.push(Finding::values(
                        "digest-mismatch",
                        p,
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
            if let Some(r) = rich.get(p.as_str()) {
                let hex = |a| result.digest(a).map(|d| d.hex()).unwrap_or_default();
                let mut cmp = |what: &str, want: &str, got: String| {
                    if want != got {
                        report.findings.push(Finding::values(
                            "manifest-json",
                            p,
                            format!("{what} in manifest.json differs"),
                            want,
                            got,
                        ));
                    }
                };
                cmp("size", &r.size.to_string(), result.size.to_string());
                cmp("sha256", &r.sha256, hex(Algorithm::Sha256));
                cmp("blake3", &r.blake3, hex(Algorithm::Blake3));
                let pieces: Vec<String> = result
                    .pieces
                    .as_ref()
                    .map(|ps| ps.pieces.iter().map(|x| to_hex(&x.sha256)).collect())
                    .unwrap_or_default();
                let pieces = if pieces.len() > 1 { pieces } else { Vec::new() };
                if r.pieces != pieces {
                    let bad = r.pieces.iter().zip(&pieces).position(|(a, b)| a != b);
                    let msg = match bad {
                        Some(i) => format!("piecewise hash {i} in manifest.json differs"),
                        None => "piecewise hash count in manifest.json differs".to_string(),
                    };
                    report.findings.push(Finding::values(
                        "manifest-json",
                        p,
                        msg,
                        r.pieces.len().to_string(),
                        pieces.len().to_string(),
                    ));
                }
            }
        }
        report.files = files;
        report.bytes = bytes;
        // bag-info.txt.
        if let Some(text) = self.read(archive, layout::BAG_INFO, MAX_TAG_FILE, report) {
            match parse_bag_info(&text) {
                Err(e) => {
                    report
                        .findings
                        .push(Finding::new("bag-info", layout::BAG_INFO, e.to_string()))
                }
                Ok(labels) => {
                    let get = |l: &str| {
                        labels
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(l))
                            .map(|(_, v)| v.clone())
                    };
                    let oxum = format!("{bytes}.{files}");
                    match get("Payload-Oxum") {
                        Some(v) if v == oxum => {}
                        v => report.findings.push(Finding::values(
                            "payload-oxum",
                            layout::BAG_INFO,
                            "Payload-Oxum does not match the payload",
                            v.unwrap_or_default(),
                            oxum,
                        )),
                    }
                    if let Some(m) = &manifest {
                        let want = format!("urn:uuid:{}", m.bundle_id);
                        let got = get("External-Identifier").unwrap_or_default();
                        if got != want {
                            report.findings.push(Finding::values(
                                "bag-info",
                                layout::BAG_INFO,
                                "External-Identifier differs from the bundle id",
                                want,
                                got,
                            ));
                        }
                    }
                }
            }
        }
        // Tag manifests.
        let tag_files: Vec<&String> = self
            .members
            .keys()
            .filter(|r| {
                !r.starts_with(layout::DATA_DIR)
                    && !r.starts_with(layout::CUSTODY_DIR)
                    && !r.starts_with(layout::KEYS_DIR)
                    && layout::tagmanifest_algorithm(r).is_none()
            })
            .collect();
        let mut sha256_tm = None;
        for (algo, rel) in &tagmanifests {
            let Some(text) = self.read(archive, rel, MAX_TAG_FILE, report) else {
                continue;
            };
            match parse_manifest(&text, algo.digest_len()) {
                Err(e) => report
                    .findings
                    .push(Finding::new("manifest-syntax", rel, e.to_string())),
                Ok(lines) => {
                    let o = HashOptions {
                        algorithms: AlgorithmSet::new([*algo]).unwrap_or_default(),
                        ..HashOptions::default()
                    };
                    let mut seen = BTreeSet::new();
                    for l in &lines {
                        seen.insert(l.path.as_str());
                        if !self.members.contains_key(&l.path) {
                            report.findings.push(Finding::new(
                                "missing-file",
                                &l.path,
                                format!("listed in {rel} but not in the bundle"),
                            ));
                            continue;
                        }
                        if let Some(got) = self.hash_member(archive, &l.path, &o, report) {
                            if got != l.digest {
                                report.findings.push(Finding::values(
                                    "tag-digest-mismatch",
                                    &l.path,
                                    format!("{} differs from {rel}", algo.name()),
                                    &l.digest,
                                    got,
                                ));
                            }
                        }
                    }
                    for t in tag_files.iter().filter(|t| !seen.contains(t.as_str())) {
                        report.findings.push(Finding::new(
                            "not-in-tagmanifest",
                            *t,
                            format!("tag file not listed in {rel}"),
                        ));
                    }
                }
            }
            if rel == layout::TAGMANIFEST_SHA256 {
                sha256_tm = Some(text);
            }
        }
        sha256_tm
    }
}
