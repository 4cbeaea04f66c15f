//! The last phases, once the payload is known: `bag-info.txt` against the
//! payload and manifest.json, and the tag manifest: every tag file listed,
//! each listed file there and equal.

use super::Bag;
use super::layout::Tags;
use super::rich::Capped;
use super::teed::TagDigests;
use crate::bundle::{Archive, layout, parse_manifest};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions};
use crate::model::Manifest;
use crate::verify::{Check, Finding, FindingCode, MAX_TAG_FILE, VerifyReport};
use std::collections::BTreeSet;

impl Bag {
    /// The bag-info check, against the payload the report counted and
    /// `manifest`.
    pub(super) fn check_bag_info(
        &self,
        archive: &Archive,
        manifest: Option<&Manifest>,
        report: &mut VerifyReport,
    ) {
        report.findings.phase(Check::BagInfo);
        let (bytes, files) = (report.bytes, report.files);
        if let Some(text) = self.read(archive, layout::BAG_INFO, MAX_TAG_FILE, report)
            && crate::verify::baginfo::check(&text, bytes, files, manifest, report)
        {
            report.ran(Check::BagInfo);
        }
    }

    /// The tag manifests check; returns the bytes of
    /// tagmanifest-sha256.txt when readable.
    pub(super) fn check_tagmanifests(
        &self,
        archive: &Archive,
        tags: &Tags,
        known: &TagDigests,
        report: &mut VerifyReport,
    ) -> Option<Vec<u8>> {
        report.findings.phase(Check::TagManifests);
        let mut sha256_tm = None;
        for (algo, rel) in &tags.tagmanifests {
            let Some(text) = self.read(archive, rel, MAX_TAG_FILE, report) else {
                continue;
            };
            let parsed = match parse_manifest(&text, algo.digest_len()) {
                Err(e) => {
                    report.findings.push(Finding::new(
                        FindingCode::ManifestSyntax,
                        rel,
                        e.to_string(),
                    ));
                    false
                }
                Ok(lines) => {
                    let known = (*algo == Algorithm::Sha256).then_some(known);
                    self.check_tag_lines(
                        archive,
                        (*algo, rel),
                        &lines,
                        &tags.tag_files,
                        known,
                        report,
                    );
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

    /// The lines of tag manifest `rel` (of algorithm `algo`): each file
    /// there and equal (its digest taken from `known` when an earlier
    /// phase read it whole), then every tag file of `tag_files` listed.
    fn check_tag_lines(
        &self,
        archive: &Archive,
        (algo, rel): (Algorithm, &str),
        lines: &[crate::bundle::ManifestLine],
        tag_files: &Capped<String>,
        known: Option<&TagDigests>,
        report: &mut VerifyReport,
    ) {
        let o = HashOptions {
            algorithms: AlgorithmSet::new([algo]).unwrap_or_default(),
            ..HashOptions::default()
        };
        let mut seen = BTreeSet::new();
        for l in lines {
            seen.insert(l.path.as_str());
            if !self.contains(archive, &l.path) {
                report.findings.push(Finding::new(
                    FindingCode::MissingFile,
                    &l.path,
                    format!("listed in {rel} but not in the bundle"),
                ));
                continue;
            }
            let got = match known.and_then(|k| k.get(&l.path)) {
                Some(d) => Some(d.clone()),
                None => self.hash_member(archive, &l.path, &o, report),
            };
            if let Some(got) = got
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
        // Past the limit, counted as not listed (a bag that large is
        // findings all over already).
        report.findings.count(tag_files.more);
    }
}
