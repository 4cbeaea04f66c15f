//! The manifests phase: every payload manifest read, parsed and checked
//! against the payload both ways. A first pass says whether a manifest
//! parses and is sorted; a sorted one is merged with the payload and
//! streamed again beside it when hashing, one that is not is read whole
//! (within its cap) and checked with maps, with the same findings.

use super::Bag;
use super::index::data_error;
use super::rich::Capped;
use super::teed::{TagDigests, Teed};
use crate::bundle::{
    Archive, Entry, EntryReader, ManifestLine, ManifestLines, ManifestSyntax, layout,
    parse_manifest,
};
use crate::hash::Algorithm;
use crate::verify::{Check, Finding, FindingCode, MAX_TAG_FILE, VerifyReport};
use std::collections::{BTreeMap, BTreeSet};
use std::iter::Peekable;

/// A sorted manifest's lines, from a stream.
type Lines<'a> = Peekable<LineIter<'a>>;

/// The good lines of a manifest already checked to parse.
pub(super) struct LineIter<'a>(ManifestLines<EntryReader<'a>>);

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
pub(super) enum Listed<'a> {
    /// Sorted: streamed again beside the payload.
    Stream(Lines<'a>),
    /// Not sorted: read whole (path -> digests in line order).
    Map(BTreeMap<String, Vec<String>>),
}

impl Listed<'_> {
    /// The digests listed for payload file `p`, pushed to `want` with
    /// `algo`; a stream moves past `p` (the payload comes in name order).
    pub(super) fn digests_of(
        &mut self,
        algo: Algorithm,
        p: &str,
        want: &mut Vec<(Algorithm, String)>,
    ) {
        match self {
            Listed::Map(m) => {
                for d in m.get(p).map(Vec::as_slice).unwrap_or(&[]) {
                    want.push((algo, d.clone()));
                }
            }
            Listed::Stream(lines) => {
                while lines.next_if(|x| x.path.as_str() < p).is_some() {}
                while let Some(x) = lines.next_if(|x| x.path == p) {
                    want.push((algo, x.digest));
                }
            }
        }
    }
}

/// The payload manifests as the payload pass will use them.
pub(super) struct Manifests<'a> {
    /// The algorithm of every payload manifest, read or not (what the
    /// bag seals), in name order.
    pub(super) algorithms: Vec<Algorithm>,
    /// Each readable manifest's digests, with its algorithm.
    pub(super) listed: Vec<(Algorithm, Listed<'a>)>,
    /// Whether every manifest was read and parsed, manifest-sha256.txt
    /// among them.
    pub(super) read: bool,
    /// The SHA-256 of each manifest read to its end by its scan.
    pub(super) digests: TagDigests,
}

/// What a first pass over a manifest found.
enum Scan {
    /// Reading failed.
    Read(std::io::Error),
    /// A syntax error (the one [`parse_manifest`] reports).
    Syntax(ManifestSyntax),
    /// Parses, and the paths never go down.
    Sorted,
    /// Parses but is not sorted, or a line is absurdly long.
    Irregular,
}

impl Bag {
    /// The manifests check: each payload manifest of `manifests` read,
    /// parsed and checked against the payload both ways.
    pub(super) fn check_manifests<'a>(
        &self,
        archive: &'a Archive,
        manifests: &[(Algorithm, String)],
        report: &mut VerifyReport,
    ) -> Manifests<'a> {
        report.findings.phase(Check::Manifests);
        let mut listed: Vec<(Algorithm, Listed<'_>)> = Vec::new();
        let mut digests = TagDigests::new();
        // Every manifest read and parsed, manifest-sha256.txt among them.
        let mut manifests_read = manifests.iter().any(|(a, _)| *a == Algorithm::Sha256);
        for (algo, rel) in manifests {
            let Some(e) = self.get(archive, rel) else {
                continue;
            };
            let (scan, digest) = scan_manifest(archive, &e, algo.digest_len());
            digests.extend(digest.map(|d| (rel.clone(), d)));
            match scan {
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
        Manifests {
            algorithms: manifests.iter().map(|m| m.0).collect(),
            listed,
            read: manifests_read,
            digests,
        }
    }

    /// Check a sorted manifest's lines against the payload by merging the
    /// two sorted lists: the same findings, in the same order, as
    /// [`Bag::manifest_whole`].
    fn merge_manifest(
        &self,
        archive: &Archive,
        e: &Entry,
        algo: Algorithm,
        rel: &str,
        report: &mut VerifyReport,
    ) {
        let Ok(r) = archive.reader(e) else {
            return;
        };
        let lines = LineIter(ManifestLines::new(r, algo.digest_len()));
        let mut payload = self.payload(archive).map(|(p, _)| p).peekable();
        let mut unlisted = Capped::default();
        let mut prev: Option<(String, bool)> = None;
        for l in lines {
            let member = match &prev {
                Some((p, member)) if *p == l.path => {
                    report.findings.push(Finding::new(
                        FindingCode::ManifestSyntax,
                        rel,
                        format!("{:?} listed twice", l.path),
                    ));
                    *member
                }
                _ => {
                    while let Some(p) = payload.next_if(|p| *p < l.path) {
                        unlisted.push(p);
                    }
                    payload.next_if(|p| *p == l.path).is_some()
                }
            };
            if !member {
                report.findings.push(Finding::new(
                    FindingCode::MissingFile,
                    &l.path,
                    format!("listed in {rel} but not in the bundle"),
                ));
            }
            prev = Some((l.path, member));
        }
        for p in payload {
            unlisted.push(p);
        }
        unlisted.flush(&mut report.findings, |p| {
            Finding::new(
                FindingCode::NotInManifest,
                p,
                format!("payload file not listed in {rel}"),
            )
        });
    }

    /// A manifest that is not sorted: read whole (within [`MAX_TAG_FILE`])
    /// and checked with maps. Returns path -> digests.
    fn manifest_whole(
        &self,
        archive: &Archive,
        algo: Algorithm,
        rel: &str,
        report: &mut VerifyReport,
    ) -> Option<BTreeMap<String, Vec<String>>> {
        let text = self.read(archive, rel, MAX_TAG_FILE, report)?;
        let lines = match parse_manifest(&text, algo.digest_len()) {
            Ok(l) => l,
            Err(e) => {
                report.findings.push(Finding::new(
                    FindingCode::ManifestSyntax,
                    rel,
                    e.to_string(),
                ));
                return None;
            }
        };
        let mut listed: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for l in lines {
            if !seen.insert(l.path.clone()) {
                report.findings.push(Finding::new(
                    FindingCode::ManifestSyntax,
                    rel,
                    format!("{:?} listed twice", l.path),
                ));
            }
            let in_payload =
                l.path.starts_with(layout::DATA_DIR) && self.contains(archive, &l.path);
            if !in_payload {
                report.findings.push(Finding::new(
                    FindingCode::MissingFile,
                    &l.path,
                    format!("listed in {rel} but not in the bundle"),
                ));
            }
            listed.entry(l.path).or_default().push(l.digest);
        }
        for (p, _) in self.payload(archive) {
            if !seen.contains(&p) {
                report.findings.push(Finding::new(
                    FindingCode::NotInManifest,
                    p,
                    format!("payload file not listed in {rel}"),
                ));
            }
        }
        Some(listed)
    }
}

/// First pass over a payload manifest: does it parse, and is it sorted?
/// With its SHA-256 when it was read to its end.
fn scan_manifest(archive: &Archive, e: &Entry, digest_len: usize) -> (Scan, Option<String>) {
    let r = match archive.reader(e) {
        Ok(r) => r,
        Err(err) => return (Scan::Read(err), None),
    };
    let mut teed = Teed::new(r);
    let scan = scan_lines(ManifestLines::new(&mut teed, digest_len));
    let digest = match scan {
        Scan::Sorted | Scan::Irregular | Scan::Syntax(_) => teed.finish(),
        Scan::Read(_) => None,
    };
    (scan, digest)
}

/// The first pass over `lines`.
fn scan_lines(mut lines: ManifestLines<impl std::io::Read>) -> Scan {
    let mut syntax: Option<ManifestSyntax> = None;
    let mut sorted = true;
    let mut prev: Option<String> = None;
    loop {
        match lines.next_line() {
            Err(err)
                if err
                    .get_ref()
                    .is_some_and(|r| r.is::<crate::bundle::LineTooLong>()) =>
            {
                return Scan::Irregular;
            }
            Err(err) => return Scan::Read(err),
            Ok(None) => break,
            Ok(Some(Err(s))) => {
                // Text that is not UTF-8 is reported before any line error.
                if syntax.as_ref().is_none_or(|x| s.line == 0 && x.line != 0) {
                    syntax = Some(s);
                }
            }
            Ok(Some(Ok(l))) => {
                if prev.as_ref().is_some_and(|p| *p > l.path) {
                    sorted = false;
                }
                prev = Some(l.path);
            }
        }
    }
    match (syntax, sorted) {
        (Some(s), _) => Scan::Syntax(s),
        (None, true) => Scan::Sorted,
        (None, false) => Scan::Irregular,
    }
}
