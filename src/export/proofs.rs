//! The inclusion proofs of an export (`provenance/proofs.json`,
//! docs/formats/bundle.md): the RFC 9162 audit path of every disclosed
//! file's leaf in the original's tree.
//!
//! All the audit paths come from one walk down the tree
//! ([`audit_paths`]): a subtree holding no disclosed leaf is hashed once
//! for its root, a subtree holding some is split further, so each node is
//! hashed at most once, however many files are disclosed (asking
//! `model::disclosure::audit_path` per file would hash the whole tree per
//! file).

use crate::hash::to_hex;
use crate::model::disclosure::{self, PROOFS_TYPE, Proof, Proofs, node_hash, root_of, split};

/// One disclosed file's place in the original tree.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    /// Its bag path.
    pub path: &'a str,
    /// Its leaf index in the original.
    pub index: u64,
    /// Its salt in the original, hex.
    pub salt: &'a str,
}

/// The proofs document of `files` (in path order) against the tree of
/// `leaves` (in tree order: sorted) of the original bundle `bundle_id`.
pub fn proofs(bundle_id: &str, leaves: &[[u8; 32]], files: &[Place<'_>]) -> Proofs {
    let wanted: Vec<usize> = files.iter().map(|f| f.index as usize).collect();
    let paths = audit_paths(leaves, &wanted);
    Proofs {
        kind: PROOFS_TYPE.to_string(),
        bundle_id: bundle_id.to_string(),
        leaves: leaves.len() as u64,
        proofs: files
            .iter()
            .zip(paths)
            .map(|(f, path)| Proof {
                path: f.path.to_string(),
                index: f.index,
                salt: f.salt.to_string(),
                audit_path: path.iter().map(|h| to_hex(h)).collect(),
            })
            .collect(),
    }
}

/// The audit path (leaf side first) of each leaf index in `wanted`
/// (each below `leaves.len()`, in any order), in the order of `wanted`.
pub fn audit_paths(leaves: &[[u8; 32]], wanted: &[usize]) -> Vec<Vec<[u8; 32]>> {
    let mut out = vec![Vec::new(); wanted.len()];
    let mut slots: Vec<(usize, usize)> = wanted.iter().copied().enumerate().collect();
    slots.sort_by_key(|(_, i)| *i);
    subtree(leaves, 0, &slots, &mut out);
    out
}

/// The root of `leaves` (which start at leaf `offset`), pushing each
/// sibling on the way up onto the paths of the wanted leaves inside it
/// (`(slot in out, leaf index)`, ascending by index).
fn subtree(
    leaves: &[[u8; 32]],
    offset: usize,
    wanted: &[(usize, usize)],
    out: &mut [Vec<[u8; 32]>],
) -> [u8; 32] {
    if wanted.is_empty() || leaves.len() <= 1 {
        return root_of(leaves);
    }
    let k = split(leaves.len());
    let cut = wanted.partition_point(|(_, i)| *i < offset + k);
    let (left_w, right_w) = wanted.split_at(cut);
    let left = subtree(&leaves[..k], offset, left_w, out);
    let right = subtree(&leaves[k..], offset + k, right_w, out);
    for (slot, _) in left_w {
        out[*slot].push(right);
    }
    for (slot, _) in right_w {
        out[*slot].push(left);
    }
    node_hash(&left, &right)
}

/// The leaf hash of a record with its (hex) salt; `None` when the salt is
/// not 64 lowercase hex digits.
pub fn leaf_of(record: &crate::model::FileEntry) -> Option<[u8; 32]> {
    let salt = disclosure::hex32(record.salt.as_deref()?).ok()?;
    Some(disclosure::leaf_hash(&salt, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::disclosure::{audit_path, verify_inclusion};

    /// Every subset of small trees, and a few of larger ones: the batch
    /// paths equal the one-at-a-time paths, and each proves its leaf.
    #[test]
    fn batch_paths_equal_single_paths_and_verify() {
        for n in 1..=17usize {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| [i as u8 + 1; 32]).collect();
            let root = root_of(&leaves);
            for mask in 0u32..(1 << n.min(9)) {
                let wanted: Vec<usize> =
                    (0..n).filter(|i| *i < 9 && mask & (1 << i) != 0).collect();
                let got = audit_paths(&leaves, &wanted);
                for (w, path) in wanted.iter().zip(&got) {
                    assert_eq!(*path, audit_path(&leaves, *w), "n={n} leaf {w}");
                    assert!(verify_inclusion(
                        *w as u64,
                        n as u64,
                        &leaves[*w],
                        path,
                        &root
                    ));
                }
            }
            let all: Vec<usize> = (0..n).collect();
            for (w, path) in all.iter().zip(audit_paths(&leaves, &all)) {
                assert_eq!(path, audit_path(&leaves, *w));
            }
            // Wanted in any order (a selection in path order is in no
            // particular leaf order).
            let backwards: Vec<usize> = (0..n).rev().collect();
            for (w, path) in backwards.iter().zip(audit_paths(&leaves, &backwards)) {
                assert_eq!(path, audit_path(&leaves, *w));
            }
        }
    }

    #[test]
    fn the_document_parses_and_names_the_original() {
        let leaves: Vec<[u8; 32]> = (0..5u8).map(|i| [i; 32]).collect();
        let salt = "ab".repeat(32);
        let files = [
            Place {
                path: "data/a",
                index: 1,
                salt: &salt,
            },
            Place {
                path: "data/c",
                index: 4,
                salt: &salt,
            },
        ];
        let p = proofs("orig-id", &leaves, &files);
        let bytes = crate::model::to_json_bytes(&p);
        let back = Proofs::parse(&bytes).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.leaves, 5);
        assert_eq!(back.proofs[1].index, 4);
        assert_eq!(back.proofs[1].audit_path.len(), 1);
    }
}
