//! The first phase: the bag's members indexed in name order (4 bytes a
//! member: its entry index), and the ways every later phase reaches them:
//! in order, the payload alone, one by name (binary search), or its bytes
//! read or hashed with a finding when they cannot be.

use super::Bag;
use super::order::{MAX_RUNS, merge_runs, sort_members};
use crate::bundle::{Archive, Entries, Entry, EntryDataError, layout};
use crate::hash::{HashOptions, hash_reader};
use crate::verify::{Check, Finding, FindingCode, VerifyReport};

/// What a failed read says: the entry's own data error when it is one.
pub(in crate::verify) fn data_error(e: &std::io::Error) -> String {
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
    pub(super) fn payload<'a>(
        &'a self,
        archive: &'a Archive,
    ) -> impl Iterator<Item = (String, Entry)> + 'a {
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

    /// The bytes of member `rel`, up to `limit`; `None` when it is not
    /// there or cannot be read (reported as `entry-data`).
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
                unreadable(report, rel, &err);
                None
            }
        }
    }

    /// Hash one tag file as it streams (it may be up to the manifest.json
    /// limit); `None` when it cannot be read (reported).
    pub(super) fn hash_member(
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
                unreadable(report, rel, &err);
                None
            }
        }
    }
}

/// Report a member whose data cannot be read (code `entry-data`).
fn unreadable(report: &mut VerifyReport, rel: &str, err: &std::io::Error) {
    report.findings.push(Finding::new(
        FindingCode::EntryData,
        rel,
        format!("cannot read: {}", data_error(err)),
    ));
}
