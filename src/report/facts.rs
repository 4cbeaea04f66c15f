//! The facts a report shows, read from the bundle with the same capped
//! reader `verify` uses: manifest.json and the custody events. Whatever
//! cannot be read or parsed is left out here; `verify` reports why.
//!
//! Invariants:
//! - The file list of manifest.json is not held in memory when its files
//!   are sorted by path without repeats (every bundle `seal` writes): it is
//!   streamed again from the bundle, entry by entry, each time a renderer
//!   walks it ([`BundleFacts::for_each_file`]), so a million-file bundle
//!   is reported in bounded memory and without manifest.json's 128 MiB
//!   whole-read limit.
//! - Other manifests (unsorted, or irregular for the streaming parser) are
//!   read whole within [`MAX_MANIFEST_JSON`], as `verify` does.
//! - Both paths give the files in the same order for a sorted manifest,
//!   so reports do not depend on which path was taken.
//! - Custody events are read in sequence order within the totals `verify`
//!   keeps ([`EventBudget`]: 1 MiB each, 10,000 events and 16 MiB in all),
//!   so a bundle of many or inflated events costs bounded memory here too.

use crate::bundle::mjson::stream_manifest;
use crate::bundle::{Archive, Entry, ZipError, layout};
use crate::model::{CustodyEvent, EventBudget, FileEntry, MAX_EVENT_FILE, Manifest};
use crate::verify::MAX_MANIFEST_JSON;
use std::collections::HashMap;
use std::io;
use std::path::Path;

/// One custody event as read from the bundle.
#[derive(Debug, Clone)]
pub struct EventFacts {
    /// The member name relative to the bag (`custody/000001-seal.json`).
    pub member: String,
    /// The parsed event.
    pub event: CustodyEvent,
}

/// manifest.json could not be streamed again as it was the first time
/// (the bundle changed or became unreadable while the report was written).
#[derive(Debug, thiserror::Error)]
#[error("manifest.json could not be read again as it was first read")]
pub struct RereadError;

/// Where the files of manifest.json come from.
#[derive(Debug, Default)]
enum Files {
    /// In `manifest.files` (read whole, or no manifest at all).
    #[default]
    Held,
    /// Streamed again from this entry of the archive on every walk.
    Streamed {
        archive: Archive,
        entry: Entry,
        count: u64,
    },
}

/// What the bundle says about itself.
#[derive(Debug, Default)]
pub struct BundleFacts {
    /// The bag's base directory name.
    pub bag: Option<String>,
    /// manifest.json, when readable. Its `files` are empty when they are
    /// streamed: walk them with [`BundleFacts::for_each_file`].
    pub manifest: Option<Manifest>,
    /// Custody events that parsed, in sequence order.
    pub events: Vec<EventFacts>,
    files: Files,
}

impl BundleFacts {
    /// The number of files manifest.json lists (0 without a manifest).
    pub fn file_count(&self) -> u64 {
        match &self.files {
            Files::Held => self.manifest.as_ref().map_or(0, |m| m.files.len() as u64),
            Files::Streamed { count, .. } => *count,
        }
    }

    /// Call `f` on every file of manifest.json in document order, stopping
    /// at its first error. A streamed list that cannot be read again as it
    /// was the first time is an error.
    pub fn for_each_file(&self, f: &mut dyn FnMut(&FileEntry) -> io::Result<()>) -> io::Result<()> {
        match &self.files {
            Files::Held => {
                for x in self.manifest.iter().flat_map(|m| m.files.iter()) {
                    f(x)?;
                }
                Ok(())
            }
            Files::Streamed {
                archive,
                entry,
                count,
            } => {
                let mut failed = None;
                let mut seen = 0u64;
                let r = archive
                    .reader(entry)
                    .map_err(|_| io::Error::other(RereadError))?;
                let done = stream_manifest(r, &mut |x| {
                    seen += 1;
                    match f(&x) {
                        Ok(()) => true,
                        Err(e) => {
                            failed = Some(e);
                            false
                        }
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                if done.is_err() || seen != *count {
                    return Err(io::Error::other(RereadError));
                }
                Ok(())
            }
        }
    }

    /// Call `f` on every file of manifest.json in path order. A streamed
    /// list is in path order already; a list held in memory is sorted.
    pub fn for_each_file_sorted(
        &self,
        f: &mut dyn FnMut(&FileEntry) -> io::Result<()>,
    ) -> io::Result<()> {
        match (&self.files, &self.manifest) {
            (Files::Held, Some(m)) => {
                let mut files: Vec<&FileEntry> = m.files.iter().collect();
                files.sort_by(|a, c| a.path.cmp(&c.path));
                files.into_iter().try_for_each(f)
            }
            _ => self.for_each_file(f),
        }
    }
}

/// Stream manifest.json once: its head (files left out) and file count
/// when it is regular and its files are sorted by path without repeats.
fn stream_sorted(archive: &Archive, e: &Entry) -> Option<(Manifest, u64)> {
    let r = archive.reader(e).ok()?;
    let mut prev: Option<String> = None;
    let mut count = 0u64;
    let m = stream_manifest(r, &mut |f| {
        count += 1;
        let ok = prev.as_ref().is_none_or(|p| *p < f.path);
        prev = Some(f.path);
        ok
    })
    .ok()?;
    Some((m, count))
}

/// Read the events (seq, member, entry) in order, within the totals
/// `verify` keeps ([`EventBudget`], counting `signatures`' sizes too): past
/// them, the rest is left out, as `verify` reports.
fn read_events(
    archive: &Archive,
    mut events: Vec<(u64, String, Entry)>,
    signatures: &HashMap<String, u64>,
) -> Vec<EventFacts> {
    events.sort_by_key(|e| e.0);
    let mut budget = EventBudget::default();
    let mut out = Vec::new();
    for (_, rel, e) in events {
        let sig = signatures.get(&layout::signature_name(&rel)).copied();
        if budget.admit(e.size, sig.unwrap_or(0)).is_err() {
            break;
        }
        let parsed = archive
            .read_small(&e, MAX_EVENT_FILE)
            .ok()
            .and_then(|b| serde_json::from_slice::<CustodyEvent>(&b).ok());
        if let Some(event) = parsed {
            out.push(EventFacts { member: rel, event });
        }
    }
    out
}

/// Read the facts of the bundle at `path`.
pub fn read_facts(path: &Path) -> Result<BundleFacts, ZipError> {
    let (archive, _issues) = Archive::open(path)?;
    let mut facts = BundleFacts::default();
    let Some(first) = archive.entries().find(|e| e.safe) else {
        return Ok(facts);
    };
    let bag = first.name.split('/').next().unwrap_or("").to_string();
    let prefix = format!("{bag}/");
    let mut streamed = None;
    let mut events = Vec::new();
    let mut signatures = HashMap::new();
    for e in archive.entries().filter(|e| e.safe && !e.is_dir()) {
        let Some(rel) = e.name.strip_prefix(&prefix) else {
            continue;
        };
        if rel == layout::MANIFEST_JSON {
            match stream_sorted(&archive, &e) {
                Some((m, count)) => {
                    facts.manifest = Some(m);
                    streamed = Some((e, count));
                }
                None => {
                    facts.manifest = archive
                        .read_json(&e, MAX_MANIFEST_JSON)
                        .ok()
                        .and_then(Result::ok);
                    streamed = None;
                }
            }
        } else if let Some((seq, _)) = layout::parse_event_name(rel) {
            events.push((seq, rel.to_string(), e));
        } else if rel.starts_with(layout::CUSTODY_DIR) && rel.ends_with(layout::MINISIG_SUFFIX) {
            signatures.insert(rel.to_string(), e.size);
        }
    }
    facts.events = read_events(&archive, events, &signatures);
    facts.bag = Some(bag);
    if let Some((entry, count)) = streamed {
        facts.files = Files::Streamed {
            archive,
            entry,
            count,
        };
    }
    Ok(facts)
}
