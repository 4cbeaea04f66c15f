//! The plan phase of `seal`: walk the inputs ([`super::walk`]), give every
//! payload file its bag name (escaped, then made unique ignoring case and
//! normal form), sort the zip order by those names, and note which inputs
//! are acquisition directories. Nothing is opened or written yet; an
//! unreadable entry stops the seal here unless unreadable files are
//! allowed.
//!
//! The walk is kept compact: one allocation per file (its original path
//! bytes, then its bag name when that is not simply `data/` + them).

use super::walk::{Planned, plan as walk};
use crate::bundle::layout;
use crate::bundle::sealopts::{SealError, SealOptions};
use crate::model::{self, LinkEntry, SkippedEntry, UnreadableEntry};
use crate::pathrepr::{PathRepr, path_from_bytes};
use crate::source::OpenMode;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// What to seal: the payload files in zip order.
pub(super) struct Plan {
    /// The payload files, in walk order, bag names given.
    pub files: Vec<PlanFile>,
    /// Indexes into `files`, in zip order (sorted by bag name).
    pub order: Vec<u32>,
    /// `<input name>/` of every input that is an acquisition or capture
    /// directory.
    pub acquisitions: Vec<Vec<u8>>,
}

/// The entries `manifest.json` lists that are not payload files.
#[derive(Default)]
pub(super) struct Recorded {
    /// Symbolic links, recorded and not followed.
    pub symlinks: Vec<LinkEntry>,
    /// Files that could not be read (when that is allowed).
    pub unreadable: Vec<UnreadableEntry>,
    /// Special files, skipped.
    pub skipped: Vec<SkippedEntry>,
}

/// A payload file found by the walk, in one allocation: its original
/// path bytes (relative to the input's parent), then its bag name unless
/// that is `data/` followed by the same bytes.
pub(super) struct PlanFile {
    text: Box<[u8]>,
    rel_len: u32,
    input: u32,
    /// Its size as the walk saw it.
    pub size: u64,
    /// How it is opened.
    pub mode: OpenMode,
}

impl PlanFile {
    /// Its original path bytes (`<input name>/...`).
    pub fn rel(&self) -> &[u8] {
        &self.text[..self.rel_len as usize]
    }

    /// The bag name (`data/...`).
    pub fn name(&self) -> Cow<'_, str> {
        let (rel, name) = self.text.split_at(self.rel_len as usize);
        if name.is_empty() {
            let rel = std::str::from_utf8(rel).unwrap_or_default();
            Cow::Owned(format!("{}{rel}", layout::DATA_DIR))
        } else {
            Cow::Borrowed(std::str::from_utf8(name).unwrap_or_default())
        }
    }

    fn set_name(&mut self, name: String) {
        let rel = self.rel();
        let plain = name
            .strip_prefix(layout::DATA_DIR)
            .is_some_and(|n| n.as_bytes() == rel);
        if plain {
            if self.text.len() != rel.len() {
                self.text = rel.to_vec().into_boxed_slice();
            }
        } else {
            let mut t = Vec::with_capacity(rel.len() + name.len());
            t.extend_from_slice(rel);
            t.extend_from_slice(name.as_bytes());
            self.text = t.into_boxed_slice();
        }
    }

    /// Bag names in byte order.
    fn name_cmp(&self, other: &PlanFile) -> Ordering {
        let plain = |f: &PlanFile| f.text.len() == f.rel_len as usize;
        if plain(self) && plain(other) {
            self.rel().cmp(other.rel())
        } else {
            self.name().as_bytes().cmp(other.name().as_bytes())
        }
    }

    /// Bag names compared as their lower-case forms ([`lower_cmp`]), with
    /// no allocation for the common plain ASCII names.
    fn lower_cmp(&self, other: &PlanFile) -> Ordering {
        let plain_ascii = |f: &PlanFile| f.text.len() == f.rel_len as usize && f.rel().is_ascii();
        if plain_ascii(self) && plain_ascii(other) {
            self.rel()
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(other.rel().iter().map(u8::to_ascii_lowercase))
        } else {
            lower_cmp(&self.name(), &other.name())
        }
    }

    /// The file to read.
    pub fn src(&self, inputs: &[PathBuf]) -> PathBuf {
        let input = &inputs[self.input as usize];
        if self.mode != OpenMode::TreeEntry {
            return input.clone();
        }
        // A tree file's original path is the input's name, `/`, and its
        // path inside the input.
        let base = input.file_name().map_or(5, |n| n.len());
        input.join(path_from_bytes(
            self.rel().get(base + 1..).unwrap_or_default(),
        ))
    }
}

/// Names compared as [`layout::fold`] sees them (lower case, NFC): the
/// same rule verify uses to refuse colliding names. (`fold` also strips
/// trailing dots and spaces of components, which escaped names never
/// have, so the ASCII shortcut agrees with it.)
fn lower_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        layout::fold(a).cmp(&layout::fold(b))
    }
}

/// `layout::disambiguate` (the reference form, kept for tests) in place,
/// without a map of every name: names equal ignoring case and normal form
/// are grouped (in walk order within a group); the first keeps its name,
/// later ones get `^7E1`, `^7E2`, ... appended.
fn disambiguate(files: &mut [PlanFile]) {
    let mut idx: Vec<u32> = (0..files.len() as u32).collect();
    idx.sort_by(|a, b| files[*a as usize].lower_cmp(&files[*b as usize]));
    let mut first = 0;
    for k in 1..idx.len() {
        let cur = idx[k] as usize;
        if files[idx[first] as usize].lower_cmp(&files[cur]) == Ordering::Equal {
            let n = format!("{}^7E{}", files[cur].name(), k - first);
            files[cur].set_name(n);
        } else {
            first = k;
        }
    }
}

/// Walk the inputs, name the payload files and order them (see the
/// module docs); the rest of what the walk found is recorded.
pub(super) fn plan(opts: &SealOptions) -> Result<(Plan, Recorded), SealError> {
    let (mut files, recorded) = walk_inputs(opts)?;
    name_files(&mut files);
    let mut order: Vec<u32> = (0..files.len() as u32).collect();
    order.sort_by(|a, b| files[*a as usize].name_cmp(&files[*b as usize]));
    let plan = Plan {
        files,
        order,
        acquisitions: acquisition_prefixes(&opts.inputs),
    };
    Ok((plan, recorded))
}

/// The walk: payload files, and what the manifest records besides them.
/// The first unreadable entry stops the seal, unless that is allowed.
fn walk_inputs(opts: &SealOptions) -> Result<(Vec<PlanFile>, Recorded), SealError> {
    let mut files: Vec<PlanFile> = Vec::new();
    let mut recorded = Recorded::default();
    let mut stop = None;
    walk(&opts.inputs, &mut |input, p| match p {
        Planned::File { rel, size, mode } => files.push(PlanFile {
            rel_len: rel.len() as u32,
            text: rel.into_boxed_slice(),
            input: input as u32,
            size,
            mode,
        }),
        Planned::Link { rel, target } => recorded.symlinks.push(LinkEntry {
            original: PathRepr::from_bytes(&rel),
            target: PathRepr::from_path(&target),
        }),
        Planned::Special { rel, kind } => recorded.skipped.push(model::SkippedEntry {
            original: PathRepr::from_bytes(&rel),
            kind: kind.name().to_string(),
        }),
        Planned::Unreadable { src, rel, error } => {
            if !opts.allow_unreadable {
                if stop.is_none() {
                    stop = Some(SealError::Unreadable {
                        path: src,
                        source: error,
                    });
                }
                return;
            }
            recorded.unreadable.push(model::UnreadableEntry {
                original: PathRepr::from_bytes(&rel),
                error: error.to_string(),
            });
        }
    });
    match stop {
        Some(e) => Err(e),
        None => Ok((files, recorded)),
    }
}

/// Bag names: escaped, then made unique.
fn name_files(files: &mut Vec<PlanFile>) {
    files.sort_by(|a, b| a.rel().cmp(b.rel()));
    for f in files.iter_mut() {
        let comps: Vec<&[u8]> = f
            .rel()
            .split(|b| *b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        let escaped = format!("{}{}", layout::DATA_DIR, layout::escape_path(&comps));
        f.set_name(escaped);
    }
    files.shrink_to_fit();
    disambiguate(files);
}

/// `<input name>/` of every input that holds an acquisition record or a
/// capture's end record (`capture.json`).
fn acquisition_prefixes(inputs: &[PathBuf]) -> Vec<Vec<u8>> {
    inputs
        .iter()
        .filter(|i| {
            i.join(crate::model::acquisition::RECORD_FILE).is_file()
                || i.join(crate::model::capture::CAPTURE_FILE).is_file()
        })
        .map(|i| {
            let mut base = i
                .file_name()
                .map(|n| n.as_bytes().to_vec())
                .unwrap_or_else(|| b"input".to_vec());
            base.push(b'/');
            base
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-place disambiguation gives the names of
    /// [`layout::disambiguate`], final sigma and suffix clashes included.
    #[test]
    fn in_place_disambiguation_matches_the_map() {
        let rels: Vec<&str> = vec![
            "x/A",
            "x/a",
            "x/a^7E1",
            "x/A",
            "x/ΣΣ",
            "x/σς",
            "x/σσ",
            "x/SΣ",
            "x/sσ",
            "x/b",
            "x/B",
            "x/a",
            "x/caf\u{e9}",
            "x/cafe\u{301}",
            "x/CAF\u{c9}",
        ];
        let escaped: Vec<String> = rels.iter().map(|r| format!("data/{r}")).collect();
        let expected = layout::disambiguate(&escaped);
        let mut files: Vec<PlanFile> = rels
            .iter()
            .map(|r| PlanFile {
                text: r.as_bytes().to_vec().into_boxed_slice(),
                rel_len: r.len() as u32,
                input: 0,
                size: 0,
                mode: OpenMode::TreeEntry,
            })
            .collect();
        for (f, e) in files.iter_mut().zip(&escaped) {
            f.set_name(e.clone());
        }
        disambiguate(&mut files);
        let got: Vec<String> = files.iter().map(|f| f.name().into_owned()).collect();
        assert_eq!(got, expected);
        assert!(got.iter().any(|n| n.ends_with("^7E2")));
        assert!(got.contains(&"data/x/CAF\u{c9}^7E2".to_string()), "{got:?}");
    }
}
