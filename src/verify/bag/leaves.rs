//! The disclosure leaves of manifest.json's files, taken in the payload
//! pass as each entry goes by: in schema v3 every file has a salt and its
//! leaf goes into the root; in v1 and v2 no file may carry one. The root
//! is compared with the seal event's signed commitment later
//! (`verify::disclosure`).

use super::rich::Capped;
use crate::model::FileEntry;
use crate::model::disclosure::{self, Commitment, LeafSet};
use crate::verify::{Finding, FindingCode};

/// The leaves so far.
#[derive(Default)]
pub(in crate::verify) struct Leaves {
    /// Whether the schema carries salts (v3).
    salted: bool,
    builder: LeafSet,
    /// Files whose salt is missing, malformed, or not allowed.
    bad: Capped<(String, &'static str)>,
}

impl Leaves {
    /// Leaves of a manifest whose schema carries salts when `salted`, of
    /// about `files` files (a hint for the memory to reserve).
    pub(super) fn new(salted: bool, files: u64) -> Leaves {
        Leaves {
            salted,
            builder: LeafSet::with_capacity(if salted { files } else { 0 }),
            ..Leaves::default()
        }
    }

    /// Take the next file entry (in path order).
    pub(super) fn take(&mut self, f: &FileEntry) {
        match (self.salted, &f.salt) {
            (true, Some(s)) => match disclosure::hex32(s) {
                Ok(salt) => self.builder.push(disclosure::leaf_hash(&salt, f)),
                Err(_) => self
                    .bad
                    .push((f.path.clone(), "salt is not 64 lowercase hex digits")),
            },
            (true, None) => self.bad.push((
                f.path.clone(),
                "no salt: schema evidentia/manifest/v3 salts every file",
            )),
            (false, Some(_)) => self.bad.push((
                f.path.clone(),
                "salt in a manifest whose schema has none (only evidentia/manifest/v3 salts files)",
            )),
            (false, None) => {}
        }
    }

    /// The findings, and the commitment the files make (v3 with every salt
    /// well formed only).
    pub(super) fn finish(mut self, findings: &mut crate::verify::Findings) -> Option<Commitment> {
        let clean = self.bad.list.is_empty();
        self.bad.flush(findings, |(path, why)| {
            Finding::new(FindingCode::Disclosure, path, why)
        });
        (self.salted && clean).then(|| self.builder.commitment())
    }
}

/// manifest.json's entries kept for the provenance check when the bag has
/// a `provenance/` part (a derived bundle: its files are the disclosed
/// ones), without pieces and salts, which no proof needs; at most
/// [`crate::verify::MAX_DISCLOSED`], so memory stays bounded whatever a
/// hostile bag holds.
#[derive(Default)]
pub(in crate::verify) struct Disclosed {
    /// Whether to keep them at all.
    on: bool,
    files: Vec<FileEntry>,
    /// More than the limit went by.
    over: bool,
}

impl Disclosed {
    /// Keep entries when `on`.
    pub(super) fn new(on: bool) -> Disclosed {
        Disclosed {
            on,
            ..Disclosed::default()
        }
    }

    /// Take the next file entry (in path order).
    pub(super) fn take(&mut self, f: &FileEntry) {
        if !self.on || self.over {
            return;
        }
        if self.files.len() as u64 >= crate::verify::MAX_DISCLOSED {
            self.over = true;
            self.files = Vec::new();
            return;
        }
        self.files.push(FileEntry {
            pieces: Vec::new(),
            salt: None,
            ..f.clone()
        });
    }

    /// The entries kept; `None` when none were to be, or past the limit.
    pub(super) fn finish(self) -> Option<Vec<FileEntry>> {
        (self.on && !self.over).then_some(self.files)
    }
}
