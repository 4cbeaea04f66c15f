//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz) and for the
//! replay test that runs the saved corpus in the normal test suite: both
//! call these same functions, so a corpus file means the same thing in
//! either place. Not a stable API.
//!
//! Each function takes arbitrary bytes, runs a parser and whatever follows
//! it naturally (re-serializing, reading every entry, verifying), and
//! returns normally whatever the outcome: an error from the parser is a
//! valid result. A panic, an abort, running out of memory or time is a
//! finding. The few `assert!`s check round-trip properties that must hold
//! for every input the parser accepts.
//!
//! Inputs that must be files (a bundle, a hash set) are written under
//! [`std::env::temp_dir`] (set `TMPDIR=/dev/shm` for speed) with a name
//! unique to the process and call, and removed afterwards.

use crate::bundle::Archive;
use crate::hash::Algorithm;
use crate::hashlist::{self, ListKind};
use crate::locker::{HashsetKind, ImportOptions, Locker};
use crate::model::{self, CaseMeta, CustodyEvent, Manifest};
use crate::sign::{
    self, CertBundle, Certificate, KeyFile, MinisignPublicKey, MinisignSignature, PublicKeyFile,
    TrustEntry, TrustStore,
};
use crate::verify::{self, TrustVerifier, VerifyOptions};
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// A fuzz target's entry function.
pub type Target = fn(&[u8]);

/// The fuzz targets: (name, entry function). The replay test runs every
/// file of `fuzz/corpus/<name>/` and `fuzz/regressions/<name>/` through
/// the function.
pub const TARGETS: &[(&str, Target)] = &[
    ("zip_reader", zip_reader),
    ("verify_bundle", verify_bundle),
    ("manifest_json", manifest_json),
    ("custody_event", custody_event),
    ("minisign", minisign),
    ("key_files", key_files),
    ("hash_list", hash_list),
    ("case_meta", case_meta),
    ("hashset_import", hashset_import),
    ("age_file", age_file),
    ("disclosure_proofs", disclosure_proofs),
    ("pcap_reader", pcap_reader),
    ("ewf_reader", ewf_reader),
];

/// The most bytes read from one zip entry.
const ENTRY_CAP: u64 = 4 << 20;

/// The fuzzing trust store: the committed test vectors' examiner keys,
/// the two agency roots of the bundles in `fuzz/corpus/verify_bundle/`
/// (made with `evidentia demo`), and the key that sealed and exported its
/// `derived-*.zip` (a fresh key whose secret was not kept), so that valid
/// signatures reach the trusted paths, directly and through certificates,
/// and derived bundles reach their proofs.
const TRUST_ENTRIES: &[&str] = &[
    r#"{
  "type": "evidentia/trust-entry/v1",
  "key_id": "98b05d24de2d1a7a43f7478249adc3a06b81f34e99599ce8e2806002b1074a18",
  "public_key": "3XQewuaenokloDV41h2Z9v4W/0G4RnHaXvcTRX6Iw6M=",
  "root": false,
  "identity": {
    "name": "Test Vector Examiner (v1)",
    "org": "Lab",
    "country": "CZ"
  },
  "added": "2026-11-29T06:18:51Z"
}
"#,
    r#"{
  "type": "evidentia/trust-entry/v2",
  "key_id": "855e3925cd55609cfb083c41aef162942d49bbdb1abf10199bf843f6dbe7a238",
  "public_key": "VBZDaVrqN+l8yebMJWm/sqsEvv0Idxk4BRU70vxosoA=",
  "root": false,
  "identity": {
    "name": "Jana Examiner",
    "org": "Police Agency",
    "country": "DE"
  },
  "added": "2026-12-02T21:24:04Z"
}
"#,
    r#"{
  "type": "evidentia/trust-entry/v1",
  "key_id": "c15baa072cad6f2f330680723e14e219ff743b7c560720ea46ec37637671497a",
  "public_key": "VPiZGJVbsjq8LG8xFalU7P3QWCW8MhfrsDN1PAI6+YM=",
  "root": false,
  "identity": {
    "name": "Test Vector Examiner",
    "org": "Lab",
    "country": "CZ"
  },
  "added": "2026-11-29T01:35:34Z"
}
"#,
    r#"{
  "type": "evidentia/trust-entry/v1",
  "key_id": "bce2104bf8dfd76cc7eca76a14dd182c9c0e91d4ebf35fd3b81a8c0191ce05c7",
  "public_key": "WXwyPL5g5mHapfVDHAigf9A7/d/Dbm1X8PeHW/aiUjM=",
  "root": true,
  "identity": {
    "name": "BKA Forensic Lab root",
    "org": "BKA Forensic Lab",
    "country": "DE"
  },
  "added": "2026-11-29T04:14:30Z"
}
"#,
    r#"{
  "type": "evidentia/trust-entry/v1",
  "key_id": "c9fd50fcad9752a2e2c0afeb721e5890f8fd296ef14a5fc928444da8480ac330",
  "public_key": "fxiFPvqF7J0+sP9ho1BespnylozN0ZxxXTzCo3SDfok=",
  "root": true,
  "identity": {
    "name": "Politie Nederland root",
    "org": "Politie Nederland",
    "country": "NL"
  },
  "added": "2026-11-29T04:14:30Z"
}
"#,
];

/// A scratch path unique to this process and call.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Scratch {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        Scratch(
            std::env::temp_dir().join(format!("evidentia-fuzz-{}-{n}-{what}", std::process::id())),
        )
    }

    fn write(what: &str, data: &[u8]) -> Scratch {
        let s = Scratch::new(what);
        std::fs::write(&s.0, data).expect("cannot write the fuzz scratch file");
        s
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The trust store, loaded once; its scratch directory is removed as soon
/// as it is loaded (the store lives in memory).
fn trust_store() -> &'static TrustStore {
    static STORE: OnceLock<TrustStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = Scratch::new("trust");
        std::fs::create_dir_all(&dir.0).expect("cannot create the fuzz trust store");
        for text in TRUST_ENTRIES {
            let entry: TrustEntry = serde_json::from_str(text).expect("trust entry");
            std::fs::write(dir.0.join(format!("{}.json", entry.key_id)), text)
                .expect("cannot write the fuzz trust store");
        }
        TrustStore::open(&dir.0).expect("fuzz trust store")
    })
}

/// Read every entry of an archive, capped.
fn read_entries(archive: &Archive) {
    let count = archive.entry_count();
    for (i, e) in archive.entries().enumerate() {
        // The iterator parses the directory again as it goes: it must see
        // exactly the entries the index holds.
        assert!(i < count, "more entries than indexed");
        assert_eq!(archive.entry(i).map(|x| x.name), Some(e.name.clone()));
        if e.is_dir() {
            continue;
        }
        let _ = archive.read_small(&e, ENTRY_CAP);
        if let Ok(r) = archive.reader(&e) {
            let _ = std::io::copy(&mut r.take(ENTRY_CAP), &mut std::io::sink());
        }
    }
}

/// The bundle reader: open, list, read every entry (bounded).
pub fn zip_reader(data: &[u8]) {
    let file = Scratch::write("zip", data);
    if let Ok((archive, _issues)) = Archive::open(&file.0) {
        assert!(archive.cd_offset.saturating_add(archive.cd_size) <= archive.len());
        read_entries(&archive);
    }
}

/// The whole `verify` pipeline on the bytes as a bundle, against the
/// fuzzing trust store (`TRUST_ENTRIES`) and with an expected head.
pub fn verify_bundle(data: &[u8]) {
    let file = Scratch::write("bundle.zip", data);
    let verifier = TrustVerifier {
        store: trust_store(),
    };
    let opts = VerifyOptions {
        expect_head: Some("0".repeat(64)),
    };
    if let Ok(report) = verify::verify(&file.0, &opts, Some(&verifier), &mut |_| {}) {
        // The report must serialize (the CLI prints it as JSON).
        let _ = serde_json::to_vec(&report).expect("report serializes");
        positive_verdict(&report);
        // Only the (never matching) expected head failed: without it the
        // bundle must verify, with every mandatory check run and passed.
        if !report.findings.is_empty()
            && report
                .findings
                .iter()
                .all(|f| f.code == verify::FindingCode::Head)
        {
            let opts = VerifyOptions::default();
            if let Ok(again) = verify::verify(&file.0, &opts, Some(&verifier), &mut |_| {}) {
                assert!(again.verified(), "{:?}", again.findings);
                positive_verdict(&again);
            }
        }
    }
}

/// The verdict is positive: VERIFIED exactly when every mandatory check
/// passed, and a check that did not run is always a listed finding.
fn positive_verdict(report: &verify::VerifyReport) {
    let outcomes = report.check_outcomes();
    let all_passed = outcomes
        .iter()
        .all(|c| c.outcome == verify::Outcome::Passed);
    assert_eq!(report.verified(), all_passed && report.findings.is_empty());
    // What verify says about an origin was proven, and a claimed origin
    // that was not never verifies.
    let claims = report
        .events
        .first()
        .and_then(|e| e.event.as_ref())
        .is_some_and(|e| e.seq == 1 && e.action == "seal" && e.exported_from.is_some());
    assert!(
        report.provenance.is_none() || claims,
        "provenance without a claim"
    );
    assert!(
        !report.verified() || claims == report.provenance.is_some(),
        "a verified bundle claims an origin exactly when it was proven"
    );
    for c in outcomes
        .iter()
        .filter(|c| c.outcome == verify::Outcome::NotRun)
    {
        assert!(
            report.findings.len() >= verify::MAX_FINDINGS
                || report
                    .findings
                    .iter()
                    .any(|f| f.code == verify::NOT_RUN && f.path == c.check.name()),
            "check {} did not run and no finding says so",
            c.check.name()
        );
    }
}

/// `manifest.json`: parse, re-serialize, parse again to the same value.
pub fn manifest_json(data: &[u8]) {
    if let Ok(m) = serde_json::from_slice::<Manifest>(data) {
        let bytes = model::to_json_bytes(&m);
        let back: Manifest = serde_json::from_slice(&bytes).expect("manifest re-parses");
        assert_eq!(back, m);
    }
}

/// A custody event: parse, round-trip, read its timestamp, run the
/// custody rules over it.
pub fn custody_event(data: &[u8]) {
    if let Ok(e) = serde_json::from_slice::<CustodyEvent>(data) {
        let bytes = model::to_json_bytes(&e);
        let back: CustodyEvent = serde_json::from_slice(&bytes).expect("event re-parses");
        assert_eq!(back, e);
        let _ = model::parse_rfc3339(&e.time);
        // The custody rules: the event as a seal, then as the one after it
        // (signed by its actor, proven as its recipient: any identity).
        let signer = model::Signer {
            key_id: e.actor.key_id.clone().unwrap_or_default(),
            identity: e.recipient.clone(),
        };
        let mut rules = model::CustodyRules::new();
        for seq in [1, e.seq] {
            let _ = rules.apply(&model::Step {
                seq,
                sha256: e.prev.as_deref().unwrap_or(""),
                action: &e.action,
                event: Some(&e),
                signer: Some(&signer),
            });
        }
    }
}

/// Minisign signature and public key files: parse, re-serialize, verify.
pub fn minisign(data: &[u8]) {
    if let Ok(sig) = MinisignSignature::parse(data) {
        let again = MinisignSignature::parse(&sig.to_bytes()).expect("signature re-parses");
        assert_eq!(again.to_bytes(), sig.to_bytes());
        let _ = sig.verify(&[0u8; 32], b"data");
    }
    if let Ok(pk) = MinisignPublicKey::parse(data) {
        let again = MinisignPublicKey::parse(&pk.to_bytes()).expect("public key re-parses");
        assert_eq!(again.to_bytes(), pk.to_bytes());
    }
    // The whole signature check, against the fuzzing trust store.
    let check = sign::verify_signature(
        trust_store(),
        b"data",
        data,
        &sign::BundledKeys::default(),
        0,
    );
    let _ = check.is_trusted();
}

/// Secret key files, public key files (both formats), certificates and
/// certificate bundles, trust entries.
pub fn key_files(data: &[u8]) {
    if let Ok(k) = KeyFile::parse(data) {
        let again = KeyFile::parse(&k.to_bytes()).expect("key file re-parses");
        assert_eq!(again.to_bytes(), k.to_bytes());
        // Only unencrypted files unlock without a passphrase; encrypted ones
        // stop before the (deliberately slow) key derivation.
        let _ = k.unlock(None);
    }
    if let Ok(p) = PublicKeyFile::parse(data) {
        let again = PublicKeyFile::parse(&p.to_bytes()).expect("public key file re-parses");
        assert_eq!(again.to_bytes(), p.to_bytes());
    }
    let _ = sign::pubfile::parse_any_public_key(data);
    if let Ok(c) = Certificate::parse(data) {
        let _ = c.validity_at(0);
    }
    if let Ok((_, b)) = CertBundle::parse(data) {
        let again = CertBundle::parse(&b.to_bytes()).expect("certificate bundle re-parses");
        assert_eq!(again.1.to_bytes(), b.to_bytes());
    }
    if let Ok(e) = TrustEntry::parse(data) {
        // Name constraints: what an entry may certify never panics, and a
        // key that is not a root certifies nothing.
        let scope = e.scope();
        assert!(e.root || scope.is_empty(), "a plain key has a scope");
        if let Some(i) = &e.identity {
            let _ = e.may_certify(i);
        }
    }
    for text in data.split(|&b| b == b'\n').take(8) {
        if let Ok(t) = std::str::from_utf8(text) {
            let _ = sign::CertifyScope::parse(t);
        }
    }
}

/// Sums and hashdeep lists: parse both ways; every sums entry written back
/// as a tagged line parses to the same name and digest.
pub fn hash_list(data: &[u8]) {
    for untagged in [None, Some(Algorithm::Blake3)] {
        let list = hashlist::parse_list(data, untagged);
        if list.kind != ListKind::Sums {
            continue;
        }
        for e in list.entries.iter().take(64) {
            let [d] = e.expected.as_slice() else {
                panic!("a sums entry has exactly one digest");
            };
            let line = hashlist::tagged_line(d.algorithm, &d.hex(), &e.name);
            let back = hashlist::parse_list(&line, untagged);
            assert!(back.problems.is_empty(), "{:?}", back.problems);
            let [b] = back.entries.as_slice() else {
                panic!("one tagged line gives one entry");
            };
            assert_eq!((&b.name, &b.expected), (&e.name, &e.expected));
        }
    }
}

/// The case meta file, as TOML and as JSON: parse, write as JSON (what
/// goes into `manifest.json`), parse that to the same value, and derive
/// the bag-info labels.
pub fn case_meta(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for m in [CaseMeta::from_toml(text), CaseMeta::from_json(text)]
        .into_iter()
        .flatten()
    {
        let json = model::to_json_bytes(&m);
        let back = CaseMeta::from_json(std::str::from_utf8(&json).expect("JSON is UTF-8"))
            .expect("meta re-parses from JSON");
        assert_eq!(back, m);
        let _ = m.bag_info_labels();
    }
}

/// `hashset import` of a text list (sums or hashdeep) or an SQLite file,
/// into a scratch locker, then a lookup.
pub fn hashset_import(data: &[u8]) {
    thread_local! {
        static LOCKER: std::cell::RefCell<Option<(Scratch, Locker, u64)>> =
            const { std::cell::RefCell::new(None) };
    }
    let file = Scratch::write("hashset", data);
    LOCKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        // A fresh locker every 500 imports keeps the scratch file small.
        if slot.as_ref().is_none_or(|(_, _, n)| *n >= 500) {
            *slot = None;
            let dir = Scratch::new("locker");
            std::fs::create_dir_all(&dir.0).expect("cannot create the fuzz locker dir");
            let locker = Locker::open(&dir.0.join("locker.db")).expect("fuzz locker opens");
            *slot = Some((dir, locker, 0));
        }
        let (_, locker, n) = slot.as_mut().expect("locker");
        *n += 1;
        let opts = ImportOptions {
            name: format!("set-{n}"),
            kind: HashsetKind::KnownBad,
            untagged_64: None,
            now: "2026-01-01T00:00:00Z".into(),
        };
        if let Ok(info) = locker.import_hashset(&file.0, &opts) {
            let digests: Vec<_> = hashlist::parse_list(data, None)
                .entries
                .into_iter()
                .flat_map(|e| e.expected)
                .take(16)
                .collect();
            let _ = locker.lookup(&digests, &[info]);
        }
    });
}

/// The age identity the `age_file` target decrypts with (derived as a
/// key's is, from a fixed seed and public key); its recipient is
/// [`age_recipient`]. The committed corpus holds files encrypted to it,
/// so inputs reach the payload, not only the header.
fn age_identity() -> &'static sign::agekey::AgeIdentity {
    static ID: OnceLock<sign::agekey::AgeIdentity> = OnceLock::new();
    ID.get_or_init(|| sign::agekey::derive(&[7; 32], &[8; 32]).expect("fixed age identity"))
}

/// The recipient of the `age_file` target's identity (for making seeds:
/// `age -r RECIPIENT`).
pub fn age_recipient() -> String {
    age_identity().to_public().to_string()
}

/// The largest tree [`disclosure_proofs`] builds to check a proof in
/// (larger ones are only parsed and run through the check).
const PROOF_TREE_MAX: u64 = 256;

/// A proof's leaf, the root of its tree and the audit path that proves
/// the leaf there.
pub type ProofTree = ([u8; 32], [u8; 32], Vec<[u8; 32]>);

/// The tree a proof of `disclosure_proofs` is checked in: `leaves` leaves
/// `SHA-256(i)`, but for the one at `index`, which is the leaf of a fixed
/// record at the proof's `path` with its `salt`. Returns that leaf, the
/// root and the one audit path that proves it; `None` past
/// [`PROOF_TREE_MAX`] leaves.
pub fn proof_tree(leaves: u64, proof: &model::disclosure::Proof) -> Option<ProofTree> {
    use model::disclosure::{audit_path, leaf_hash, root_of};
    use sha2::Digest as _;
    if leaves > PROOF_TREE_MAX || proof.index >= leaves {
        return None;
    }
    let leaf = leaf_hash(&proof.decoded().0, &proof_entry(&proof.path));
    let mut all: Vec<[u8; 32]> = (0..leaves)
        .map(|i| sha2::Sha256::digest(i.to_le_bytes()).into())
        .collect();
    all[proof.index as usize] = leaf;
    let real = audit_path(&all, proof.index as usize);
    Some((leaf, root_of(&all), real))
}

/// The record a proof of `disclosure_proofs` is for: fixed but for its
/// path.
fn proof_entry(path: &str) -> model::FileEntry {
    model::FileEntry {
        path: path.to_string(),
        original: crate::pathrepr::PathRepr::Text(path.to_string()),
        size: 8,
        sha256: "5".repeat(64),
        blake3: "b".repeat(64),
        sha512: None,
        sha1: None,
        md5: None,
        pieces: Vec::new(),
        salt: None,
    }
}

/// `provenance/proofs.json` of a derived bundle (`Proofs::parse`): a
/// document it accepts serializes and parses again to the same value, and
/// every proof goes through `verify_inclusion`. In a tree small enough to
/// build ([`proof_tree`]) a proof holds exactly when its audit path is the
/// one the tree gives: no other path, index or salt proves that leaf.
pub fn disclosure_proofs(data: &[u8]) {
    use model::disclosure::{Proofs, depth_of, verify_inclusion};
    let Ok(p) = Proofs::parse(data) else {
        return;
    };
    let bytes = serde_json::to_vec(&p).expect("proofs serialize");
    assert_eq!(Proofs::parse(&bytes).expect("proofs re-parse"), p);
    for proof in &p.proofs {
        let (salt, path) = proof.decoded();
        assert!(path.len() <= depth_of(p.leaves), "parse bounds the path");
        // Any size, any index: the check itself must not panic.
        let leaf = model::disclosure::leaf_hash(&salt, &proof_entry(&proof.path));
        let _ = verify_inclusion(proof.index, p.leaves, &leaf, &path, &[0; 32]);
        if let Some((leaf, root, real)) = proof_tree(p.leaves, proof) {
            assert!(verify_inclusion(proof.index, p.leaves, &leaf, &real, &root));
            let holds = verify_inclusion(proof.index, p.leaves, &leaf, &path, &root);
            assert_eq!(holds, path == real, "only the tree's own audit path proves");
        }
    }
}

/// An age file: the header reader (`crypt::header`: sniff, stanzas), then
/// a whole decryption into a new file with the fixed identity
/// (`crypt::decrypt_file`). A success accounts for every input byte and
/// writes exactly the plaintext it counts; a failure leaves neither the
/// output nor its temporary file.
pub fn age_file(data: &[u8]) {
    let _ = crate::crypt::sniff(data);
    if let Ok(s) = crate::crypt::header::stanzas(data) {
        let _ = s.describe();
    }
    let input = Scratch::write("in.age", data);
    let out = Scratch::new("plain");
    let name = out.0.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = out.0.with_file_name(format!(
        ".{}.{}{}",
        name.unwrap_or_default(),
        std::process::id(),
        crate::atomic::TMP_SUFFIX
    ));
    match crate::crypt::decrypt_file(&input.0, std::slice::from_ref(age_identity()), &out.0) {
        Ok(d) => {
            assert_eq!(d.cipher_bytes, data.len() as u64, "every byte read");
            use sha2::Digest as _;
            let hex = crate::sign::keyid::hex(&sha2::Sha256::digest(data));
            assert_eq!(d.cipher_sha256, hex);
            let len = std::fs::metadata(&out.0).map(|m| m.len()).ok();
            assert_eq!(len, Some(d.plain_bytes), "the plaintext as counted");
        }
        Err(_) => assert!(!out.0.exists(), "output kept after a failure"),
    }
    assert!(!tmp.exists(), "temporary plaintext left");
}

mod ewf;
pub use ewf::ewf_reader;

#[cfg(test)]
mod tests;

/// A pcap or pcapng file (`capture` from a file): read every packet,
/// dissect it (its header length within the packet), count it into a
/// small flow table whose records re-parse; every packet goes through the
/// segment writer and reads back the same; and the file cut at the
/// reader's `good_offset` (what `capture --recover` does) reads cleanly
/// to the same packets.
pub fn pcap_reader(data: &[u8]) {
    use crate::capture::flows::{FlowRecord, FlowTable};
    use crate::capture::{headers, pcap};
    let Ok(mut r) = pcap::Reader::new(data) else {
        return;
    };
    let len = data.len() as u64;
    let mut out = pcap::Writer::new(Vec::new(), r.linktype().unwrap_or(1), 0, true)
        .expect("writing to memory");
    let mut written = Vec::new();
    let mut read = 0u64;
    let mut flows = FlowTable::new(16);
    let mut lines = Vec::new();
    let mut good = r.good_offset();
    let failed = loop {
        let p = match r.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break false,
            Err(e) => {
                assert!(e.offset <= len, "error offset {} past the end", e.offset);
                break true;
            }
        };
        read += 1;
        let d = headers::dissect(p.linktype, p.data);
        assert!(d.header_len <= p.data.len());
        // What headers mode keeps must read back as headers only, or
        // verify would take an honest capture for one holding payload.
        let cut = &p.data[..d.header_len];
        assert_eq!(
            headers::dissect(p.linktype, cut).header_len,
            d.header_len,
            "the cut of a packet dissects to a different header length"
        );
        if let Some(k) = d.flow {
            flows.add(k, p.time, p.orig_len, d.tcp_flags);
            if flows.is_full() {
                flows.drain_to(&mut lines).expect("writing to memory");
            }
        }
        if out.write_packet(p.time, p.orig_len, p.data).is_ok() {
            written.push((p.time, p.orig_len, p.data.to_vec()));
        }
        assert!(r.good_offset() >= good && r.good_offset() <= len);
        good = r.good_offset();
    };
    assert!(r.good_offset() >= good && r.good_offset() <= len);
    flows.drain_to(&mut lines).expect("writing to memory");
    for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        serde_json::from_slice::<FlowRecord>(line).expect("a flow record re-parses");
    }
    let bytes = out.into_inner();
    let mut back = pcap::Reader::new(&bytes[..]).expect("the writer's file reads");
    for (time, orig_len, data) in &written {
        let p = back.next_packet().expect("the writer's record reads");
        let p = p.expect("as many records as written");
        assert_eq!((p.time, p.orig_len, p.data), (*time, *orig_len, &data[..]));
    }
    assert_eq!(back.next_packet(), Ok(None));
    if failed {
        // Cut at the last whole record: the same packets, then a clean end.
        let cut = &data[..r.good_offset() as usize];
        let mut again = pcap::Reader::new(cut).expect("the cut file's header reads");
        for _ in 0..read {
            assert!(
                matches!(again.next_packet(), Ok(Some(_))),
                "a packet lost by the cut"
            );
        }
        assert_eq!(again.next_packet(), Ok(None), "the cut file ends cleanly");
    }
}
