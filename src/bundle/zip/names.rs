//! The name checks of the zip reader: what one name may not be (not
//! UTF-8, absolute, traversal, a backslash, a control character, a
//! directory, a name Windows cannot carry), and what two names may not be:
//! equal, or equal once folded ([`layout::fold`]: case, normal form,
//! trailing dots, spaces and `/`), so that no two entries land on one file
//! when a bundle is unpacked. The duplicate check keys every name in 8
//! bytes (a hash of its fold and its index) and compares the real names
//! only where the hashes meet: constant memory per entry at millions of
//! entries.

use super::error::ZipError;
use super::issue::{IssueKind, Issues};
use super::winname;
use crate::bundle::layout;

/// What a single raw name may not be.
pub(super) fn check_name(raw: &[u8]) -> Vec<IssueKind> {
    let mut v = Vec::new();
    let Ok(name) = std::str::from_utf8(raw) else {
        v.push(IssueKind::NameNotUtf8);
        return v;
    };
    if name.starts_with('/') || (name.len() >= 2 && name.as_bytes()[1] == b':') {
        v.push(IssueKind::AbsolutePath);
    }
    if name.contains('\\') {
        v.push(IssueKind::Backslash);
    }
    if name.chars().any(char::is_control) {
        v.push(IssueKind::ControlCharacter);
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    if trimmed
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
        && !name.starts_with('/')
    {
        v.push(IssueKind::Traversal);
    }
    if name.ends_with('/') {
        v.push(IssueKind::Directory);
    }
    if let Some(p) = winname::name_problem(name) {
        v.push(IssueKind::WindowsName(p));
    }
    v
}

/// A 64-bit key of a name for the duplicate check: 42 bits of the hash
/// of its fold above 22 bits of entry index.
pub(super) fn fold_key(name: &str, index: usize) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    h.write(layout::fold(name).as_bytes());
    (h.finish() & !INDEX_MASK) | index as u64
}

/// The index bits of [`fold_key`]; [`super::read::MAX_ENTRIES`] must fit.
const INDEX_MASK: u64 = (1 << 22) - 1;

/// The name of an entry by its index (parsed again from the directory).
pub(super) type NameOf<'a> = &'a dyn Fn(usize) -> Result<String, ZipError>;

/// An entry whose folded name an earlier entry has: (entry, first entry
/// of its name, exact duplicate).
pub(super) type Fold = (u32, u32, bool);

/// Duplicate and case-colliding names, from the keys of every entry, in
/// entry order.
pub(super) fn folds(mut keys: Vec<u64>, name_of: NameOf<'_>) -> Result<Vec<Fold>, ZipError> {
    keys.sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let mut j = i + 1;
        while j < keys.len() && keys[j] & !INDEX_MASK == keys[i] & !INDEX_MASK {
            j += 1;
        }
        if j - i > 1 {
            // Same hash: compare the real names, in index order.
            let mut seen: Vec<(String, String, usize)> = Vec::new();
            for k in &keys[i..j] {
                let index = (k & INDEX_MASK) as usize;
                let name = name_of(index)?;
                let lower = layout::fold(&name);
                match seen.iter().find(|(l, _, _)| *l == lower) {
                    Some((_, other, first)) => {
                        out.push((index as u32, *first as u32, *other == name))
                    }
                    None => seen.push((lower, name, index)),
                }
            }
        }
        i = j;
    }
    out.sort_by_key(|x| x.0);
    Ok(out)
}

/// Report one fold of entry `index` (named `name`): a duplicate, which
/// makes the first entry of the name unsafe too, or a collision, which
/// names the first entry.
pub(super) fn report(
    (index, first, dup): Fold,
    name: &str,
    name_of: NameOf<'_>,
    issues: &mut Issues,
) {
    if dup {
        // Every entry of that name is unsafe, the first too.
        issues.at.push(first);
    }
    let kind = || match dup {
        true => IssueKind::Duplicate,
        false => IssueKind::CaseCollision(name_of(first as usize).unwrap_or_default()),
    };
    issues.add(index as usize, || name.to_string(), kind);
}
