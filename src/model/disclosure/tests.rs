use super::*;
use crate::pathrepr::PathRepr;

/// RFC 9162's MTH written as the RFC does, recursively, to check the
/// streaming builder against.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn leaves(n: usize) -> Vec<[u8; 32]> {
    (0..n)
        .map(|i| Sha256::digest((i as u64).to_le_bytes()).into())
        .collect()
}

fn entry(path: &str) -> FileEntry {
    FileEntry {
        path: path.into(),
        original: PathRepr::Text(path.trim_start_matches("data/").into()),
        size: 5,
        sha256: "a".repeat(64),
        blake3: "b".repeat(64),
        sha512: None,
        sha1: None,
        md5: Some("c".repeat(32)),
        pieces: vec![],
        salt: None,
    }
}

#[test]
fn the_streaming_root_is_rfc_9162s_tree_hash() {
    for n in 0..70 {
        assert_eq!(root_of(&leaves(n)), mth(&leaves(n)), "{n} leaves");
    }
}

#[test]
fn every_audit_path_verifies_at_its_index_and_nowhere_else() {
    for n in 1..40usize {
        let l = leaves(n);
        let root = root_of(&l);
        for i in 0..n {
            let p = audit_path(&l, i);
            assert!(p.len() <= depth_of(n as u64), "{n}/{i}");
            assert!(
                verify_inclusion(i as u64, n as u64, &l[i], &p, &root),
                "{n}/{i}"
            );
            // Another position, another leaf, a padded or cut path, another
            // size: all refused.
            for j in 0..n {
                if j != i {
                    assert!(!verify_inclusion(j as u64, n as u64, &l[i], &p, &root));
                    assert!(!verify_inclusion(i as u64, n as u64, &l[j], &p, &root));
                }
            }
            let mut longer = p.clone();
            longer.push([0; 32]);
            assert!(!verify_inclusion(i as u64, n as u64, &l[i], &longer, &root));
            if !p.is_empty() {
                assert!(!verify_inclusion(i as u64, n as u64, &l[i], &p[1..], &root));
            }
            // (The tree size is not bound by the path alone but by the
            // signed commitment, which names `leaves` beside the root.)
            assert!(!verify_inclusion(n as u64, n as u64, &l[i], &p, &root));
        }
    }
}

#[test]
fn a_leaf_commits_to_every_field_and_the_salt() {
    let salt = [7u8; 32];
    let base = entry("data/a.txt");
    let h = leaf_hash(&salt, &base);
    let mut changed = Vec::new();
    let mut e = base.clone();
    e.path = "data/b.txt".into();
    changed.push(e);
    let mut e = base.clone();
    e.original = PathRepr::Bytes(b"a.txt".to_vec());
    changed.push(e);
    let mut e = base.clone();
    e.size = 6;
    changed.push(e);
    let mut e = base.clone();
    e.sha256 = "d".repeat(64);
    changed.push(e);
    let mut e = base.clone();
    e.blake3 = "d".repeat(64);
    changed.push(e);
    let mut e = base.clone();
    e.md5 = None;
    changed.push(e);
    let mut e = base.clone();
    e.sha1 = Some("e".repeat(40));
    changed.push(e);
    for c in &changed {
        assert_ne!(leaf_hash(&salt, c), h, "{c:?}");
    }
    assert_ne!(leaf_hash(&[8u8; 32], &base), h);
    // Pieces and the entry's own salt field are not part of the leaf.
    let mut e = base.clone();
    e.pieces = vec!["f".repeat(64)];
    e.salt = Some("0".repeat(64));
    assert_eq!(leaf_hash(&salt, &e), h);
}

#[test]
fn the_leaf_encoding_is_the_documented_one() {
    // docs/formats/manifest.md, "The disclosure commitment": the same
    // bytes the Python checker builds.
    let salt = [0x11u8; 32];
    let e = entry("data/a.txt");
    let mut want = Vec::new();
    for f in [
        LEAF_DOMAIN.to_vec(),
        salt.to_vec(),
        b"data/a.txt".to_vec(),
        b"text:a.txt".to_vec(),
        b"5".to_vec(),
        format!("sha256={}", "a".repeat(64)).into_bytes(),
        format!("blake3={}", "b".repeat(64)).into_bytes(),
        format!("md5={}", "c".repeat(32)).into_bytes(),
    ] {
        want.extend_from_slice(&(f.len() as u32).to_be_bytes());
        want.extend_from_slice(&f);
    }
    assert_eq!(leaf_bytes(&salt, &e), want);
}

#[test]
fn salts_depend_on_the_secret_and_the_path() {
    let s = secret_from_signature(&[1u8; 64]);
    assert_eq!(salt(&s, "data/a"), salt(&s, "data/a"));
    assert_ne!(salt(&s, "data/a"), salt(&s, "data/b"));
    assert_ne!(
        salt(&secret_from_signature(&[2u8; 64]), "data/a"),
        salt(&s, "data/a")
    );
}

#[test]
fn proofs_parse_refuses_malformed_documents_naming_the_proof() {
    let good = |proofs: &str| {
        format!(r#"{{"type":"{PROOFS_TYPE}","bundle_id":"x","leaves":4,"proofs":[{proofs}]}}"#)
    };
    let h = "a".repeat(64);
    let one = |path: &str, index: u64, n: usize| {
        let path_hashes: Vec<String> = (0..n).map(|_| format!("\"{h}\"")).collect();
        format!(
            r#"{{"path":"{path}","index":{index},"salt":"{h}","audit_path":[{}]}}"#,
            path_hashes.join(",")
        )
    };
    assert!(Proofs::parse(good(&one("data/a", 0, 2)).as_bytes()).is_ok());
    for (doc, why) in [
        (good(&one("data/a", 4, 2)), "index 4 is not below leaves 4"),
        (good(&one("data/a", 0, 3)), "audit_path has 3 hashes"),
        (
            good(&format!("{},{}", one("data/b", 0, 2), one("data/a", 1, 2))),
            "not after the proof before it",
        ),
        (
            good(&format!("{},{}", one("data/a", 0, 2), one("data/a", 1, 2))),
            "not after the proof before it",
        ),
        (
            good(&one("data/a", 0, 2)).replace(&format!("\"salt\":\"{h}\""), "\"salt\":\"AB\""),
            "salt \"AB\" is not 64 lowercase hex digits",
        ),
        (
            good(&one("data/a", 0, 2)).replace(PROOFS_TYPE, "x/v9"),
            "type",
        ),
        (
            good(&one("data/a", 0, 2)).replace("\"leaves\"", "\"evil\":1,\"leaves\""),
            "unknown field",
        ),
    ] {
        let err = Proofs::parse(doc.as_bytes()).unwrap_err();
        assert!(err.contains(why), "{why}: {err}");
    }
}

#[test]
fn depth_is_the_ceiling_of_log2() {
    for (n, d) in [
        (0, 0),
        (1, 0),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 3),
        (8, 3),
        (9, 4),
    ] {
        assert_eq!(depth_of(n), d, "{n}");
    }
    assert_eq!(depth_of(u64::MAX), 64);
}
