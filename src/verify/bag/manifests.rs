//! The payload manifests and manifest.json against the payload: a first
//! pass that says whether a manifest parses and is sorted, the merge of a
//! sorted manifest with the payload, and the whole-file reads (within
//! their caps) for those that are not sorted; manifest.json streamed.

use super::*;

/// What a first pass over a manifest found.
pub(super) enum Scan {
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
    /// Check a sorted manifest's lines against the payload by merging the
    /// two sorted lists: the same findings, in the same order, as
    /// [`Bag::manifest_whole`].
    pub(super) fn merge_manifest(
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
    pub(super) fn manifest_whole(
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

    /// manifest.json read whole, within [`MAX_MANIFEST_JSON`].
    pub(super) fn manifest_whole_json(
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

/// First pass over a payload manifest: does it parse, and is it sorted?
pub(super) fn scan_manifest(archive: &Archive, e: &Entry, digest_len: usize) -> Scan {
    let r = match archive.reader(e) {
        Ok(r) => r,
        Err(err) => return Scan::Read(err),
    };
    let mut lines = ManifestLines::new(r, digest_len);
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

/// manifest.json, streamed, when it is valid, of our schema, and its
/// files are sorted by path without repeats; `None` otherwise.
pub(super) fn stream_sorted_manifest(archive: &Archive, e: &Entry) -> Option<Manifest> {
    let r = archive.reader(e).ok()?;
    let mut prev: Option<String> = None;
    let m = stream_manifest(r, &mut |f| {
        let ok = prev.as_ref().is_none_or(|p| *p < f.path);
        prev = Some(f.path);
        ok
    })
    .ok()?;
    m.piece_algorithm().is_ok().then_some(m)
}

/// Run `f` over manifest.json's files, parsed on a second thread and
/// handed over in batches through a small queue.
pub(super) fn with_json_files<T>(
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
