//! The fuzz targets' corpora replayed, and checks that the seeds reach
//! what they are meant to reach.

use super::TARGETS;
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.expect("readable directory entry").path())
            .filter(|p| p.is_file())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    v.sort();
    v
}

/// Every committed corpus and regression input of every fuzz target
/// runs through its entry function without a panic. Each target must
/// have a non-empty corpus, so this cannot silently test nothing.
#[test]
fn fuzz_corpus_and_regressions_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (name, f) in TARGETS {
        let corpus = files(&root.join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name}/ is missing or empty: every target in fuzzing::TARGETS needs a committed corpus"
        );
        let regressions = files(&root.join("regressions").join(name));
        for p in corpus.iter().chain(&regressions) {
            let data = std::fs::read(p).expect("readable corpus file");
            if std::panic::catch_unwind(|| f(&data)).is_err() {
                panic!("fuzz target {name} panicked on {}", p.display());
            }
            total += 1;
        }
    }
    assert!(total >= TARGETS.len());
}

/// The `disclosure_proofs` corpus reaches proofs that hold: its
/// `valid-*` seeds parse and every proof in them verifies in the
/// target's tree (so the fuzzer explores the accepting path too).
#[test]
fn disclosure_proofs_valid_seeds_prove() {
    use crate::model::disclosure::{Proofs, verify_inclusion};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/disclosure_proofs");
    let mut proven = 0;
    for name in ["valid-1", "valid-5", "valid-100"] {
        let p = Proofs::parse(&std::fs::read(dir.join(name)).unwrap()).expect(name);
        for proof in &p.proofs {
            let (leaf, root, _) = super::proof_tree(p.leaves, proof).expect(name);
            let path = proof.decoded().1;
            assert!(verify_inclusion(proof.index, p.leaves, &leaf, &path, &root));
            proven += 1;
        }
    }
    assert_eq!(proven, 7);
}

/// The `verify_bundle` corpus reaches a proven origin: its derived
/// bundles verify with the target's trust store (one with proofs, one
/// with a revealed manifest).
#[test]
fn verify_bundle_derived_seeds_are_proven() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/verify_bundle");
    for (name, revealed) in [
        ("derived-proofs.zip", false),
        ("derived-revealed.zip", true),
    ] {
        let verifier = crate::verify::TrustVerifier {
            store: super::trust_store(),
        };
        let r = crate::verify::verify(
            &dir.join(name),
            &Default::default(),
            Some(&verifier),
            &mut |_| {},
        )
        .unwrap();
        assert!(r.verified(), "{name}: {:?}", r.findings);
        let p = r.provenance.expect(name);
        assert_eq!(p.manifest_revealed, revealed, "{name}");
    }
}

/// The `age_file` corpus really reaches the payload: its seed
/// decrypts with the target's identity (were it encrypted to another
/// key, the fuzzer would explore only the header).
#[test]
fn age_file_seed_decrypts_with_the_fixed_identity() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/age_file/x25519-small");
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("plain");
    let ids = std::slice::from_ref(super::age_identity());
    crate::crypt::decrypt_file(&seed, ids, &out).expect("the seed decrypts");
    assert_eq!(std::fs::read(&out).unwrap(), b"evidence\n");
    assert!(super::age_recipient().starts_with("age1"));
}

/// A small fuzz run on the stable toolchain: every cut and every
/// one-bit flip of the seed goes through the entry function (no
/// panic, nothing left behind) and fails to decrypt: age
/// authenticates every byte, so none may yield plaintext.
#[test]
fn age_file_every_cut_and_flip_of_the_seed_fails_cleanly() {
    let seed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/age_file/x25519-small"),
    )
    .unwrap();
    let d = tempfile::tempdir().unwrap();
    let ids = std::slice::from_ref(super::age_identity());
    let mut inputs: Vec<Vec<u8>> = (0..seed.len()).map(|n| seed[..n].to_vec()).collect();
    for i in 0..seed.len() {
        let mut v = seed.clone();
        v[i] ^= 0x01;
        inputs.push(v);
    }
    for (n, data) in inputs.iter().enumerate() {
        super::age_file(data);
        let input = d.path().join("in.age");
        std::fs::write(&input, data).unwrap();
        let out = d.path().join(format!("out{n}"));
        assert!(
            crate::crypt::decrypt_file(&input, ids, &out).is_err(),
            "input {n} decrypted"
        );
    }
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
}

/// The `pcap_reader` corpus reaches every reader path and the tunnels:
/// classic pcap in both byte orders and resolutions, pcapng with several
/// sections, link types and packet block kinds, each read to its end;
/// and its tunnel seed's packets all have headers past their outer UDP
/// or IP header (the dissector's inner layers are explored).
#[test]
fn pcap_reader_seeds_reach_every_format_and_tunnel() {
    use crate::capture::{headers, pcap};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/pcap_reader");
    let mut formats = std::collections::BTreeSet::new();
    let mut links = std::collections::BTreeSet::new();
    for p in files(&dir) {
        let data = std::fs::read(&p).unwrap();
        let mut r = pcap::Reader::new(&data[..]).unwrap();
        formats.insert(match *r.format() {
            pcap::Format::Pcap {
                nanos, big_endian, ..
            } => format!("pcap nanos={nanos} be={big_endian}"),
            pcap::Format::PcapNg => "pcapng".into(),
        });
        let mut n = 0;
        while let Some(pkt) = r.next_packet().unwrap() {
            links.insert(pkt.linktype);
            n += 1;
        }
        assert!(n > 0, "{}", p.display());
    }
    assert_eq!(formats.len(), 4, "{formats:?}"); // LE, BE, LE nsec, pcapng
    assert_eq!(
        links.into_iter().collect::<Vec<_>>(),
        [1, 101, 113, 228, 229, 276]
    );
    let data = std::fs::read(dir.join("tunnels-nsec.pcap")).unwrap();
    let mut r = pcap::Reader::new(&data[..]).unwrap();
    let mut deep = 0;
    while let Some(p) = r.next_packet().unwrap() {
        if headers::dissect(p.linktype, p.data).header_len > 14 + 20 + 8 {
            deep += 1;
        }
    }
    assert!(deep >= 8, "{deep}");
}

/// The regression directories only hold inputs for known targets.
#[test]
fn fuzz_regression_dirs_name_targets() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in rd {
        let name = e.expect("readable entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/regressions/{name} is not a fuzz target"
        );
        assert!(
            !files(&dir.join(&*name)).is_empty(),
            "fuzz/regressions/{name}/ is empty"
        );
    }
}
