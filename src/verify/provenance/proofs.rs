//! An original with a disclosure commitment: `provenance/proofs.json`
//! holds one RFC 9162 inclusion proof per disclosed file, and each must
//! lead from the file's leaf (its derived manifest.json entry, whose
//! digests the payload check tied to the bytes, with the proof's salt) to
//! the root the original seal signed.

use super::{Ctx, differs, finding};
use crate::bundle::layout;
use crate::hash::to_hex;
use crate::model::disclosure::{
    Commitment, DISCLOSURE_SCHEME, ExportedFrom, MAX_PROOFS_FILE, Proof, Proofs, depth_of, hex32,
    leaf_hash, verify_inclusion,
};
use crate::model::{CustodyEvent, FileEntry};
use crate::verify::{Finding, VerifyReport};

/// Prove every entry of `entries` against `original`'s commitment;
/// returns how many of the original's files were withheld, `None` when
/// anything failed (each failure a finding).
pub(super) fn check(
    ctx: &Ctx<'_>,
    from: &ExportedFrom,
    original: &CustodyEvent,
    entries: &[FileEntry],
    report: &mut VerifyReport,
) -> Option<u64> {
    let (c, root) = signed_root(original, report)?;
    let rel = layout::PROVENANCE_PROOFS;
    let proofs = read_proofs(ctx, entries, c.leaves, report)?;
    let mut found = Vec::new();
    if proofs.bundle_id != from.bundle_id {
        found.push(differs(
            rel,
            "bundle_id is not the original's",
            &from.bundle_id,
            &proofs.bundle_id,
        ));
    }
    if proofs.leaves != c.leaves {
        found.push(differs(
            rel,
            "leaves is not the original commitment's",
            c.leaves.to_string(),
            proofs.leaves.to_string(),
        ));
    }
    match_proofs(entries, &proofs.proofs, c.leaves, &root, &mut found);
    let ok = found.is_empty();
    report.findings.extend(found);
    ok.then(|| c.leaves.saturating_sub(entries.len() as u64))
}

/// The original seal's commitment and its root as bytes, when it has one
/// of the known scheme.
fn signed_root<'e>(
    original: &'e CustodyEvent,
    report: &mut VerifyReport,
) -> Option<(&'e Commitment, [u8; 32])> {
    let seal = layout::PROVENANCE_SEAL;
    let Some(c) = &original.disclosure else {
        report.findings.push(finding(
            seal,
            "the original seal carries no disclosure commitment (manifest v1 or v2, or sealed unsigned): its files can be proven only with its manifest revealed (export --reveal-manifest)",
        ));
        return None;
    };
    if c.scheme != DISCLOSURE_SCHEME {
        report.findings.push(differs(
            seal,
            "unknown disclosure scheme in the original seal",
            DISCLOSURE_SCHEME,
            &c.scheme,
        ));
        return None;
    }
    let Ok(root) = hex32(&c.root) else {
        report.findings.push(differs(
            seal,
            "the original seal's disclosure root is not a hex SHA-256",
            "64 lowercase hex digits",
            &c.root,
        ));
        return None;
    };
    Some((c, root))
}

/// `provenance/proofs.json`, parsed, when it is no larger than proofs of
/// `entries` in a tree of `leaves` can be (checked before it is read).
fn read_proofs(
    ctx: &Ctx<'_>,
    entries: &[FileEntry],
    leaves: u64,
    report: &mut VerifyReport,
) -> Option<Proofs> {
    let rel = layout::PROVENANCE_PROOFS;
    // Missing: the members check said so.
    let e = ctx.bag.get(ctx.archive, rel)?;
    let limit = size_limit(entries, leaves);
    if e.size > limit {
        report.findings.push(differs(
            rel,
            format!(
                "larger than proofs of {} files in a tree of {} leaves can be: not read",
                entries.len(),
                leaves
            ),
            format!("at most {limit} bytes"),
            format!("{} bytes", e.size),
        ));
        return None;
    }
    let bytes = ctx.read(rel, limit, report)?;
    match Proofs::parse(&bytes) {
        Ok(p) => Some(p),
        Err(e) => {
            report
                .findings
                .push(finding(rel, format!("not valid inclusion proofs: {e}")));
            None
        }
    }
}

/// The most bytes `proofs.json` may take for `entries` in a tree of
/// `leaves` (generously: any indentation, every character of a path
/// escaped), within [`MAX_PROOFS_FILE`]: a small export cannot make verify
/// read, and hold, a document of hundreds of MiB.
fn size_limit(entries: &[FileEntry], leaves: u64) -> u64 {
    let per_hash = 128;
    let hashes = depth_of(leaves) as u64;
    let each: u64 = entries
        .iter()
        .map(|f| 1024 + 6 * f.path.len() as u64 + per_hash * hashes)
        .sum();
    (4096 + each).min(MAX_PROOFS_FILE)
}

/// Walk the entries and the proofs (both sorted by path) side by side:
/// every disclosed file has exactly one proof, every proof is of a
/// disclosed file, and each proof holds.
pub(super) fn match_proofs(
    entries: &[FileEntry],
    proofs: &[Proof],
    leaves: u64,
    root: &[u8; 32],
    found: &mut Vec<Finding>,
) {
    let rel = layout::PROVENANCE_PROOFS;
    let mut proofs = proofs.iter().enumerate().peekable();
    for f in entries {
        while let Some((i, p)) = proofs.next_if(|(_, p)| p.path.as_bytes() < f.path.as_bytes()) {
            found.push(finding(
                rel,
                format!(
                    "proof {} is for {:?}, which is not a disclosed file (manifest.json does not list it)",
                    i + 1,
                    p.path
                ),
            ));
        }
        match proofs.next_if(|(_, p)| p.path == f.path) {
            Some((i, p)) => check_one(f, i, p, leaves, root, found),
            None => found.push(finding(
                &f.path,
                "disclosed file without an inclusion proof in provenance/proofs.json",
            )),
        }
    }
    for (i, p) in proofs {
        found.push(finding(
            rel,
            format!(
                "proof {} is for {:?}, which is not a disclosed file (manifest.json does not list it)",
                i + 1,
                p.path
            ),
        ));
    }
}

/// Proof number `i` (from 0) for the disclosed file `f`.
fn check_one(
    f: &FileEntry,
    i: usize,
    p: &Proof,
    leaves: u64,
    root: &[u8; 32],
    found: &mut Vec<Finding>,
) {
    let (salt, path) = p.decoded();
    let leaf = leaf_hash(&salt, f);
    if !verify_inclusion(p.index, leaves, &leaf, &path, root) {
        found.push(differs(
            &f.path,
            format!(
                "not as sealed in the original: its record in manifest.json (path, original name, size, digests), with the salt of proof {} in provenance/proofs.json, does not lead to the original's signed root",
                i + 1
            ),
            format!("root {} of {leaves} leaves", to_hex(root)),
            format!(
                "leaf {} at index {} with an audit path of {} hashes leads elsewhere",
                to_hex(&leaf),
                p.index,
                path.len()
            ),
        ));
    }
}
