//! The proof steps on their own, with trees built here: every disclosed
//! file proven once, and each way a keyless attacker (or an exporter)
//! could bend a proof refused with a finding naming the file or proof.
//! The whole check, on real derived bundles, is in `tests/cli/provenance.rs`.

use super::proofs::match_proofs;
use super::revealed::record;
use crate::hash::to_hex;
use crate::model::FileEntry;
use crate::model::disclosure::{Proof, audit_path, leaf_hash, root_of, selection_sha256};
use crate::pathrepr::PathRepr;
use crate::verify::{Finding, FindingCode};

fn entry(path: &str, content: u8) -> FileEntry {
    FileEntry {
        path: path.into(),
        original: PathRepr::Text(path.trim_start_matches("data/").into()),
        size: 5,
        sha256: format!("{content:02x}").repeat(32),
        blake3: "b".repeat(64),
        sha512: None,
        sha1: None,
        md5: Some("c".repeat(32)),
        pieces: vec![],
        salt: None,
    }
}

/// An original of `n` files, its salts and its root.
struct Original {
    files: Vec<FileEntry>,
    salts: Vec<[u8; 32]>,
    leaves: Vec<[u8; 32]>,
    root: [u8; 32],
}

fn original(n: usize) -> Original {
    let files: Vec<FileEntry> = (0..n)
        .map(|i| entry(&format!("data/f{i:03}"), i as u8))
        .collect();
    let salts: Vec<[u8; 32]> = (0..n).map(|i| [i as u8 + 1; 32]).collect();
    let leaves: Vec<[u8; 32]> = files
        .iter()
        .zip(&salts)
        .map(|(f, s)| leaf_hash(s, f))
        .collect();
    let root = root_of(&leaves);
    Original {
        files,
        salts,
        leaves,
        root,
    }
}

impl Original {
    fn proof(&self, i: usize) -> Proof {
        Proof {
            path: self.files[i].path.clone(),
            index: i as u64,
            salt: to_hex(&self.salts[i]),
            audit_path: audit_path(&self.leaves, i)
                .iter()
                .map(|h| to_hex(h))
                .collect(),
        }
    }

    /// Check `disclosed` (indices into the files) against `proofs`.
    fn check(&self, disclosed: &[FileEntry], proofs: &[Proof]) -> Vec<Finding> {
        let mut found = Vec::new();
        let n = self.files.len() as u64;
        match_proofs(disclosed, proofs, n, &self.root, &mut found);
        found
    }
}

#[test]
fn every_disclosed_file_is_proven_once() {
    let o = original(11);
    let pick = [0, 3, 4, 10];
    let disclosed: Vec<FileEntry> = pick.iter().map(|&i| o.files[i].clone()).collect();
    let proofs: Vec<Proof> = pick.iter().map(|&i| o.proof(i)).collect();
    assert!(o.check(&disclosed, &proofs).is_empty());
    // A single-file original: an empty audit path.
    let one = original(1);
    assert!(one.check(&one.files, &[one.proof(0)]).is_empty());
}

#[test]
fn a_changed_record_is_not_as_sealed() {
    let o = original(6);
    let proofs = [o.proof(2)];
    for change in [
        |f: &mut FileEntry| f.sha256 = "ff".repeat(32),
        |f: &mut FileEntry| f.size += 1,
        |f: &mut FileEntry| f.md5 = None,
        |f: &mut FileEntry| f.original = PathRepr::Text("other".into()),
    ] {
        let mut f = o.files[2].clone();
        change(&mut f);
        let found = o.check(&[f], &proofs);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, FindingCode::Provenance);
        assert_eq!(found[0].path, "data/f002");
        assert!(found[0].message.contains("not as sealed"), "{found:?}");
        let want = format!("root {} of 6 leaves", to_hex(&o.root));
        assert_eq!(found[0].expected.as_deref(), Some(want.as_str()));
    }
}

#[test]
fn a_proof_for_one_file_does_not_prove_another() {
    let o = original(8);
    // File 5's proof, relabelled for file 1 (salt, index and path of 5).
    let mut p = o.proof(5);
    p.path = o.files[1].path.clone();
    let found = o.check(&[o.files[1].clone()], &[p.clone()]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "data/f001");
    // Its own index with file 5's salt and path: still no.
    p.index = 1;
    assert_eq!(o.check(&[o.files[1].clone()], &[p]).len(), 1);
    // File 1's own salt but file 5's index and audit path.
    let mut p = o.proof(5);
    p.path = o.files[1].path.clone();
    p.salt = to_hex(&o.salts[1]);
    assert_eq!(o.check(&[o.files[1].clone()], &[p]).len(), 1);
}

#[test]
fn a_wrong_index_or_salt_fails() {
    let o = original(9);
    for i in 0..9usize {
        let mut p = o.proof(4);
        p.index = i as u64;
        let found = o.check(&[o.files[4].clone()], &[p]);
        assert_eq!(found.is_empty(), i == 4, "index {i}: {found:?}");
    }
    let mut p = o.proof(4);
    p.salt = to_hex(&[0xAA; 32]);
    assert_eq!(o.check(&[o.files[4].clone()], &[p]).len(), 1);
    let mut p = o.proof(4);
    p.audit_path.pop();
    assert_eq!(o.check(&[o.files[4].clone()], &[p]).len(), 1);
}

#[test]
fn a_missing_or_extra_proof_is_named() {
    let o = original(7);
    let disclosed = vec![o.files[1].clone(), o.files[3].clone()];
    // Missing: file 3 has no proof.
    let found = o.check(&disclosed, &[o.proof(1)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "data/f003");
    assert!(found[0].message.contains("without an inclusion proof"));
    // Extra: a valid proof of file 5, which is not disclosed (before,
    // between and after the disclosed ones).
    for extra in [0, 2, 6] {
        let mut proofs = vec![o.proof(1), o.proof(3), o.proof(extra)];
        proofs.sort_by(|a, b| a.path.cmp(&b.path));
        let found = o.check(&disclosed, &proofs);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "provenance/proofs.json");
        assert!(
            found[0].message.contains(&format!(
                "{:?}, which is not a disclosed file",
                o.files[extra].path
            )),
            "{found:?}"
        );
    }
    // No proofs at all: each file named.
    assert_eq!(o.check(&disclosed, &[]).len(), 2);
}

#[test]
fn the_selection_hash_is_of_the_manifest_paths() {
    // What `exported_from.selection_sha256` is compared with.
    let o = original(3);
    let paths: Vec<&str> = o.files.iter().map(|f| f.path.as_str()).collect();
    use sha2::Digest;
    let want = to_hex(&sha2::Sha256::digest(b"data/f000\ndata/f001\ndata/f002\n"));
    assert_eq!(selection_sha256(paths), want);
}

#[test]
fn a_revealed_record_must_equal_the_original_field_by_field() {
    let o = entry("data/a", 1);
    let mut found = Vec::new();
    record(&o, &o.clone(), &mut found);
    assert!(found.is_empty());
    let mut d = o.clone();
    d.size = 6;
    d.sha256 = "00".repeat(32);
    d.sha1 = Some("d".repeat(40));
    record(&d, &o, &mut found);
    let fields: Vec<(&str, Option<&str>, Option<&str>)> = found
        .iter()
        .map(|f| {
            (
                f.message.as_str(),
                f.expected.as_deref(),
                f.actual.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            (
                "size differs from the original's manifest.json",
                Some("5"),
                Some("6")
            ),
            (
                "sha256 differs from the original's manifest.json",
                Some(o.sha256.as_str()),
                Some(d.sha256.as_str())
            ),
            (
                "sha1 differs from the original's manifest.json",
                Some("(absent)"),
                Some(d.sha1.as_deref().unwrap())
            ),
        ]
    );
    assert!(found.iter().all(|f| f.path == "data/a"));
}
