//! Attacks on a derived bundle. The exporter is trusted for the export,
//! never for the content: so most of these are made by an exporter who
//! re-seals a derived bundle with the library (`bundle::write_derived`,
//! the writer `export` uses), signing everything consistently; only the
//! provenance check stands between it and VERIFIED. The others are a
//! keyless attacker's edits of a genuine export.

use crate::attacks::{members, rezip};
use crate::custody::{Party, T2, codes, examiner_signer, verify};
use crate::provenance::{export, parties, revealed};
use evidentia::bundle::{
    Archive, Derived, Disclosed, DosTime, EventSigner, Method, SealOptions, TagSource, ZipWriter,
    layout, trusted_comment, write_derived,
};
use evidentia::hash::{Algorithm, AlgorithmSet, HashOptions, hash_bytes};
use evidentia::model::disclosure::{ExportedFrom, Proofs};
use evidentia::model::{CustodyEvent, Manifest, to_json_bytes};
use std::path::{Path, PathBuf};

/// What an exporter re-seals.
struct Forge {
    /// (bag path, bytes) of each disclosed file.
    files: Vec<(String, Vec<u8>)>,
    /// The `provenance/` members (relative to the bag) and their bytes.
    provenance: Vec<(String, Vec<u8>)>,
    from: ExportedFrom,
    purpose: String,
}

/// The members of `b` relative to its bag.
fn relative(b: &Path) -> Vec<(String, Vec<u8>)> {
    members(b)
        .into_iter()
        .map(|(n, d, _)| (n.split_once('/').unwrap().1.to_string(), d))
        .collect()
}

fn member(b: &Path, rel: &str) -> Vec<u8> {
    relative(b)
        .into_iter()
        .find(|(n, _)| n == rel)
        .unwrap_or_else(|| panic!("{rel} not in {}", b.display()))
        .1
}

/// What a genuine derived bundle `sub` holds, to re-seal as it is or
/// changed.
fn genuine(sub: &Path) -> Forge {
    let all = relative(sub);
    let seal: CustodyEvent =
        serde_json::from_slice(&member(sub, &layout::event_name(1, "seal"))).unwrap();
    Forge {
        files: all
            .iter()
            .filter(|(n, _)| n.starts_with(layout::DATA_DIR))
            .cloned()
            .collect(),
        provenance: all
            .into_iter()
            .filter(|(n, _)| n.starts_with(layout::PROVENANCE_DIR))
            .collect(),
        from: seal.exported_from.unwrap(),
        purpose: seal.purpose.unwrap(),
    }
}

impl Forge {
    fn proofs(&self) -> Proofs {
        let (_, b) = self
            .provenance
            .iter()
            .find(|(n, _)| n == layout::PROVENANCE_PROOFS)
            .unwrap();
        Proofs::parse(b).unwrap()
    }

    fn set_proofs(&mut self, p: &Proofs) {
        for (n, b) in &mut self.provenance {
            if n == layout::PROVENANCE_PROOFS {
                *b = to_json_bytes(p);
            }
        }
    }
}

/// The hashes of `data` with every algorithm of `record`, into it.
fn rehash(record: &mut evidentia::model::FileEntry, data: &[u8]) {
    let mut algos = vec![Algorithm::Sha256, Algorithm::Blake3];
    for (a, present) in [
        (Algorithm::Sha512, record.sha512.is_some()),
        (Algorithm::Sha1, record.sha1.is_some()),
        (Algorithm::Md5, record.md5.is_some()),
    ] {
        if present {
            algos.push(a);
        }
    }
    let o = HashOptions {
        algorithms: AlgorithmSet::new(algos).unwrap(),
        ..HashOptions::default()
    };
    let h = hash_bytes(data, &o);
    let hex = |a| h.digest(a).map(|d| d.hex());
    record.size = data.len() as u64;
    record.sha256 = hex(Algorithm::Sha256).unwrap();
    record.blake3 = hex(Algorithm::Blake3).unwrap();
    record.sha512 = record.sha512.as_ref().and(hex(Algorithm::Sha512));
    record.sha1 = record.sha1.as_ref().and(hex(Algorithm::Sha1));
    record.md5 = record.md5.as_ref().and(hex(Algorithm::Md5));
}

/// Re-seal `forge` as the derived bundle `out` of `orig`, signed by
/// `p`'s examiner, as `export` writes it: every record is the original's
/// (the forged bytes rehashed into it), the exporter's manifests, tag
/// manifest and seal event all agree.
fn reseal(p: &Party, orig: &Path, forge: &Forge, out: &str) -> PathBuf {
    let manifest: Manifest = serde_json::from_slice(&member(orig, layout::MANIFEST_JSON)).unwrap();
    // The writer copies the disclosed files from zip entries: a carrier
    // zip holds the forged bytes.
    let carrier = p.env.path().join(format!("{out}.carrier.zip"));
    let mut zip = ZipWriter::new(
        std::fs::File::create(&carrier).unwrap(),
        DosTime::from_unix(0),
    );
    for (path, data) in &forge.files {
        zip.add_bytes(&format!("c/{path}"), Method::Stored, data)
            .unwrap();
    }
    zip.finish().unwrap();
    let (archive, _) = Archive::open(&carrier).unwrap();
    let files = forge
        .files
        .iter()
        .map(|(path, data)| {
            let entry = archive
                .entries()
                .find(|e| e.name == format!("c/{path}"))
                .unwrap();
            let mut record = manifest
                .files
                .iter()
                .find(|f| f.path == *path)
                .unwrap()
                .clone();
            rehash(&mut record, data);
            Disclosed { entry, record }
        })
        .collect();
    let mut provenance: Vec<(String, TagSource)> = forge
        .provenance
        .iter()
        .map(|(n, b)| (n.clone(), TagSource::Bytes(b.clone())))
        .collect();
    provenance.sort_by(|a, b| a.0.cmp(&b.0));
    let opts = SealOptions {
        inputs: Vec::new(),
        out: p.env.path().join(out),
        case: manifest.case.clone(),
        extra_algorithms: Vec::new(),
        method: Method::Stored,
        allow_unreadable: false,
        time: evidentia::model::parse_rfc3339(T2).unwrap(),
        bundle_id: None,
        reproducible: true,
        piece_size: 64 << 20,
        agent: "rogue exporter".into(),
        recipients: Vec::new(),
    };
    let derived = Derived {
        original: &archive,
        files,
        provenance,
        purpose: forge.purpose.clone(),
        exported_from: forge.from.clone(),
        piece_size: manifest.piece_size,
        piece_algorithm: manifest.piece_algorithm().unwrap(),
    };
    let signer = examiner_signer(p);
    write_derived(&opts, &derived, &signer, &mut |_| {})
        .unwrap()
        .commit()
        .unwrap();
    opts.out
}

/// A genuine export of a.txt and b.bin, and what it holds.
fn exported() -> (Party, Party, PathBuf, Forge) {
    let (agency, lab, b) = parties();
    export(&agency, &b, "sub.zip", &["ev/a.txt", "ev/b.bin"], &[]).expect_code(0);
    let forge = genuine(&agency.env.path().join("sub.zip"));
    (agency, lab, b, forge)
}

/// `verify` by `lab` fails with exactly `want` (code, path, a word of
/// the message) and nothing else.
#[track_caller]
fn fails_with(lab: &Party, bundle: &Path, want: &[(&str, &str, &str)]) {
    let (r, v) = verify(lab, bundle, &[]);
    r.expect_code(1);
    assert!(v.get("provenance").is_none(), "{v}");
    let got = codes(&v);
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for ((c, p, m), (wc, wp, wm)) in got.iter().zip(want) {
        assert_eq!((c.as_str(), p.as_str()), (*wc, *wp), "{got:#?}");
        assert!(m.contains(wm), "{m:?} lacks {wm:?}");
    }
}

#[test]
fn a_resealed_genuine_export_verifies() {
    // The forging harness itself adds nothing: what follows fails only
    // for its attack.
    let (agency, lab, b, forge) = exported();
    let again = reseal(&agency, &b, &forge, "again.zip");
    let (r, v) = verify(&lab, &again, &[]);
    r.expect_code(0);
    assert_eq!(v["provenance"]["disclosed"], 2);
}

#[test]
fn a_changed_file_fails_though_the_exporter_signed_everything() {
    let (agency, lab, b, mut forge) = exported();
    forge.files[0].1 = b"HELLO\n".to_vec();
    let bad = reseal(&agency, &b, &forge, "bad.zip");
    fails_with(
        &lab,
        &bad,
        &[("provenance", "data/ev/a.txt", "not as sealed")],
    );
}

#[test]
fn a_proof_for_one_file_reused_for_another_fails() {
    let (agency, lab, b, mut forge) = exported();
    let mut p = forge.proofs();
    assert_eq!(p.proofs[1].path, "data/ev/b.bin");
    p.proofs[1] = evidentia::model::disclosure::Proof {
        path: "data/ev/b.bin".into(),
        ..p.proofs[0].clone()
    };
    forge.set_proofs(&p);
    let bad = reseal(&agency, &b, &forge, "bad.zip");
    fails_with(
        &lab,
        &bad,
        &[("provenance", "data/ev/b.bin", "not as sealed")],
    );
}

#[test]
fn an_extra_or_a_missing_proof_fails() {
    let (agency, lab, b, mut forge) = exported();
    let genuine = forge.proofs();
    let mut p = genuine.clone();
    p.proofs.push(evidentia::model::disclosure::Proof {
        path: "data/ev/c.txt".into(),
        ..p.proofs[0].clone()
    });
    forge.set_proofs(&p);
    let extra = reseal(&agency, &b, &forge, "extra.zip");
    fails_with(
        &lab,
        &extra,
        &[(
            "provenance",
            "provenance/proofs.json",
            "\"data/ev/c.txt\", which is not a disclosed file",
        )],
    );
    let mut p = genuine;
    p.proofs.pop();
    forge.set_proofs(&p);
    let missing = reseal(&agency, &b, &forge, "missing.zip");
    fails_with(
        &lab,
        &missing,
        &[("provenance", "data/ev/b.bin", "without an inclusion proof")],
    );
}

#[test]
fn a_wrong_index_fails() {
    let (agency, lab, b, mut forge) = exported();
    let mut p = forge.proofs();
    p.proofs[0].index = (p.proofs[0].index + 1) % p.leaves;
    forge.set_proofs(&p);
    let bad = reseal(&agency, &b, &forge, "bad.zip");
    fails_with(
        &lab,
        &bad,
        &[("provenance", "data/ev/a.txt", "not as sealed")],
    );
}

#[test]
fn provenance_removed_while_exported_from_is_kept_fails() {
    let (agency, lab, b, mut forge) = exported();
    // Re-sealed without provenance/: consistent, and unproven.
    forge.provenance.clear();
    let bare = reseal(&agency, &b, &forge, "bare.zip");
    fails_with(
        &lab,
        &bare,
        &[
            ("provenance", "provenance/seal.json", "missing"),
            ("provenance", "provenance/seal.json.minisig", "missing"),
            ("provenance", "provenance/proofs.json", "missing"),
        ],
    );
    // A keyless attacker's cut: the proofs gone from a genuine export.
    let sub = agency.env.path().join("sub.zip");
    let mut ms = members(&sub);
    ms.retain(|(n, _, _)| !n.ends_with("/provenance/proofs.json"));
    let cut = agency.env.path().join("cut.zip");
    rezip(&cut, &ms);
    let (r, v) = verify(&lab, &cut, &[]);
    r.expect_code(1);
    let f = codes(&v);
    assert!(
        f.iter().any(|(c, p, m)| c == "provenance"
            && p == "provenance/proofs.json"
            && m.contains("missing")),
        "{f:#?}"
    );
}

#[test]
fn exported_from_stripped_with_provenance_kept_fails() {
    let (agency, lab, _b, _forge) = exported();
    let sub = agency.env.path().join("sub.zip");
    let mut ms = members(&sub);
    let seal_name = format!("sub/{}", layout::event_name(1, "seal"));
    let signer = examiner_signer(&agency);
    let mut provenance = Vec::new();
    for (n, d, _) in &mut ms {
        if *n == seal_name {
            // The exporter's own seal, re-signed without exported_from.
            let mut ev: CustodyEvent = serde_json::from_slice(d).unwrap();
            ev.exported_from = None;
            *d = to_json_bytes(&ev);
        } else if let Some(rel) = n.strip_prefix("sub/provenance/") {
            provenance.push(format!("provenance/{rel}"));
        }
    }
    let ev = ms
        .iter()
        .find(|(n, _, _)| *n == seal_name)
        .unwrap()
        .1
        .clone();
    let id: CustodyEvent = serde_json::from_slice(&ev).unwrap();
    let key = EventSigner::key_id(&signer);
    let sig = EventSigner::sign(&signer, &ev, &trusted_comment(&id.bundle_id, 1, &key)).unwrap();
    for (n, d, _) in &mut ms {
        if *n == layout::signature_name(&seal_name) {
            *d = sig.clone();
        }
    }
    let stripped = agency.env.path().join("stripped.zip");
    rezip(&stripped, &ms);
    assert!(provenance.len() >= 4, "{provenance:?}");
    let want: Vec<(&str, &str, &str)> = provenance
        .iter()
        .map(|p| ("unexpected-file", p.as_str(), "claims no exported_from"))
        .collect();
    fails_with(&lab, &stripped, &want);
}

#[test]
fn a_revealed_record_that_differs_from_the_original_fails() {
    let (agency, lab, orig, sub) = revealed();
    let mut forge = genuine(&sub);
    assert_eq!(forge.files[0].0, "data/ev/notes.txt");
    forge.files[0].1.extend_from_slice(b" (edited)");
    let bad = reseal(&agency, &orig, &forge, "bad.zip");
    fails_with(
        &lab,
        &bad,
        &[
            ("provenance", "data/ev/notes.txt", "size differs"),
            ("provenance", "data/ev/notes.txt", "sha256 differs"),
            ("provenance", "data/ev/notes.txt", "blake3 differs"),
        ],
    );
}

/// A proofs.json padded far past what proofs of its files can take is
/// not read at all (bounded memory whatever the exporter sends).
#[test]
fn a_padded_proofs_file_is_not_read() {
    let (agency, lab, b, mut forge) = exported();
    for (n, d) in &mut forge.provenance {
        if n == layout::PROVENANCE_PROOFS {
            d.extend(std::iter::repeat_n(b' ', 200_000));
        }
    }
    let bad = reseal(&agency, &b, &forge, "bad.zip");
    fails_with(
        &lab,
        &bad,
        &[(
            "provenance",
            "provenance/proofs.json",
            "larger than proofs of 2 files",
        )],
    );
}
