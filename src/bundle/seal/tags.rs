//! The tag files of a new bundle, written after the payload has streamed
//! into the zip: bagit.txt, bag-info.txt, the BagIt manifests and
//! manifest.json ([`super::manifests`]), the tag manifest, and the signed
//! seal event with the signer's keys. The bundle id is chosen here (given,
//! random, or derived from the manifests for reproducible output). A
//! derived bundle (`evidentia export`, [`super::derived`]) adds its
//! `provenance/` tag files after manifest.json, and its seal event names
//! the bundle it was exported from.

use super::derived::Derived;
use super::manifests::{FilesOut, ManifestOut, measure, render_manifest, write_manifest_json};
use super::plan::Recorded;
use crate::bundle::layout::{
    self, BAG_INFO, BAGIT_TXT, BAGIT_TXT_CONTENT, MANIFEST_JSON, TAGMANIFEST_SHA256,
};
use crate::bundle::sealopts::{SealError, SealOptions};
use crate::bundle::spill::Records;
use crate::bundle::zip::ZipWriter;
use crate::bundle::{EventSigner, bagit, trusted_comment};
use crate::hash::{Algorithm, AlgorithmSet, PieceAlgorithm, to_hex};
use crate::model::{self, Actor, CustodyEvent};
use sha2::{Digest, Sha256};
use std::io::{self, Seek, Write};

/// What the payload pass produced.
pub(super) struct TagInput<'a> {
    pub opts: &'a SealOptions,
    pub name: &'a str,
    pub records: &'a mut Records,
    pub recorded: Recorded,
    pub items: Vec<model::ItemEntry>,
    pub captures: Vec<model::CaptureEntry>,
    pub total: u64,
    pub algos: &'a AlgorithmSet,
    pub signer: Option<&'a dyn EventSigner>,
    /// For a derived bundle: what it adds.
    pub export: Option<&'a Derived<'a>>,
}

/// What the summary reports.
pub(super) struct Tags {
    pub bundle_id: String,
    pub head: String,
    pub files_sealed: u64,
    pub unreadable: u64,
}

/// A tag file's name and bytes.
type TagFile = (String, Vec<u8>);

/// A manifest's name, size and SHA-256 (hex), measured before it is
/// written.
type Measured = (String, u64, String);

/// The SHA-256 of a tag file, in hex.
pub(super) fn tag_hash(data: &[u8]) -> String {
    to_hex(&Sha256::digest(data))
}

/// Build every tag file, sign the seal event, and write them all to `zip`
/// under `name/`.
pub(super) fn build<W: Write + Seek>(
    input: TagInput<'_>,
    zip: &mut ZipWriter<W>,
) -> Result<Tags, SealError> {
    let TagInput {
        opts, name, total, ..
    } = input;
    let werr = |e| opts.write_error(e);
    let files_sealed = input.records.len();
    let unreadable = input.recorded.unreadable.len() as u64;
    let manifest_algos: Vec<Algorithm> = input
        .algos
        .as_slice()
        .iter()
        .copied()
        .filter(|a| *a != Algorithm::Blake3)
        .collect();
    let add = |zip: &mut ZipWriter<W>, n: &str, data: &[u8]| {
        zip.add_bytes(&format!("{name}/{n}"), opts.method, data)
            .map_err(werr)
    };
    // (hash, name) of every tag file before the tag manifest.
    let mut tm: Vec<(String, String)> = Vec::new();
    tm.push((tag_hash(BAGIT_TXT_CONTENT), BAGIT_TXT.to_string()));
    let (manifests, mut derived) =
        measure_manifests(opts, input.records, &manifest_algos).map_err(werr)?;
    if let Some(x) = input.export {
        // Two exports differing only in their origin get different ids.
        derived.update(model::to_json_bytes(&x.exported_from));
    }
    let bundle_id = match &opts.bundle_id {
        Some(id) => id.clone(),
        None if opts.reproducible => derived_id(derived),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let bag_info = bag_info(opts, &bundle_id, total, files_sealed);
    tm.push((tag_hash(&bag_info), BAG_INFO.to_string()));
    add(zip, BAGIT_TXT, BAGIT_TXT_CONTENT)?;
    add(zip, BAG_INFO, &bag_info)?;
    tm.extend(
        write_manifests(opts, name, input.records, &manifest_algos, manifests, zip)
            .map_err(werr)?,
    );
    let sealed = model::format_rfc3339_utc(opts.time);
    let doc = ManifestDoc {
        bundle_id: &bundle_id,
        sealed: &sealed,
        algos: &manifest_algos,
        recorded: &input.recorded,
        items: &input.items,
        captures: &input.captures,
        pieces: match input.export {
            Some(x) => (x.piece_size, x.piece_algorithm),
            None => (opts.piece_size, model::PIECE_ALGORITHM),
        },
    };
    let secret = input.signer.and_then(|s| s.disclosure_secret(&bundle_id));
    let (hash, commitment) =
        manifest_json(opts, name, doc, input.records, secret, zip).map_err(werr)?;
    tm.push((hash, MANIFEST_JSON.to_string()));
    if let Some(x) = input.export {
        tm.extend(super::derived::write_provenance(opts, name, x, zip)?);
    }
    tm.sort_by(|a, b| a.1.cmp(&b.1));
    let tagmanifest = bagit::render_manifest(tm.iter().map(|(d, n)| (d.as_str(), n.as_str())));
    let mut event = seal_event(
        opts,
        input.signer,
        &bundle_id,
        sealed,
        tag_hash(&tagmanifest),
    );
    event.disclosure = commitment;
    if let Some(x) = input.export {
        event.purpose = Some(x.purpose.clone());
        event.exported_from = Some(x.exported_from.clone());
    }
    let event_bytes = model::to_json_bytes(&event);
    let head = tag_hash(&event_bytes);
    let mut tag_files: Vec<TagFile> = vec![(TAGMANIFEST_SHA256.to_string(), tagmanifest)];
    tag_files.extend(event_files(input.signer, &bundle_id, event_bytes)?);
    for (n, data) in &tag_files {
        add(zip, n, data)?;
    }
    Ok(Tags {
        bundle_id,
        head,
        files_sealed,
        unreadable,
    })
}

/// Measure every BagIt manifest: (name, size, SHA-256) of each, and the
/// hasher of a derived bundle id, which has seen the time, the case and
/// every manifest's name and text.
fn measure_manifests(
    opts: &SealOptions,
    records: &mut Records,
    algos: &[Algorithm],
) -> io::Result<(Vec<Measured>, Sha256)> {
    let mut derived = Sha256::new();
    derived.update(opts.time.to_le_bytes());
    derived.update(model::to_json_bytes(&opts.case));
    let mut manifests = Vec::new();
    for a in algos {
        let mname = layout::manifest_name(*a);
        derived.update(mname.as_bytes());
        let mut m = measure(Some(&mut derived));
        render_manifest(records, *a, &mut m)?;
        manifests.push((mname, m.len, to_hex(&m.sha.finalize())));
    }
    Ok((manifests, derived))
}

/// Write the BagIt manifests measured before into `zip`; returns the
/// (hash, name) of each for the tag manifest.
fn write_manifests<W: Write + Seek>(
    opts: &SealOptions,
    name: &str,
    records: &mut Records,
    algos: &[Algorithm],
    measured: Vec<Measured>,
    zip: &mut ZipWriter<W>,
) -> io::Result<Vec<(String, String)>> {
    let mut listed = Vec::new();
    for (a, (mname, len, hash)) in algos.iter().zip(measured) {
        let mut e = zip.start_entry(&format!("{name}/{mname}"), opts.method, len)?;
        render_manifest(records, *a, &mut e)?;
        e.finish()?;
        listed.push((hash, mname));
    }
    Ok(listed)
}

/// bag-info.txt: the labels of a new bag, then the case's.
fn bag_info(opts: &SealOptions, bundle_id: &str, total: u64, files: u64) -> Vec<u8> {
    let mut labels: Vec<(&str, String)> = Vec::new();
    labels.push(("Bagging-Date", model::format_date_utc(opts.time)));
    labels.push(("Bag-Software-Agent", opts.agent.clone()));
    labels.push(("External-Identifier", format!("urn:uuid:{bundle_id}")));
    labels.push(("Payload-Oxum", format!("{total}.{files}")));
    labels.push(("Bag-Size", bagit::human_size(total)));
    labels.extend(opts.case.bag_info_labels());
    bagit::render_bag_info(&labels)
}

/// What manifest.json holds besides the options and the records.
struct ManifestDoc<'a> {
    bundle_id: &'a str,
    sealed: &'a str,
    algos: &'a [Algorithm],
    recorded: &'a Recorded,
    items: &'a [model::ItemEntry],
    captures: &'a [model::CaptureEntry],
    /// The piece size and how pieces are hashed.
    pieces: (u64, PieceAlgorithm),
}

/// Write manifest.json into `zip` (measured first, for its entry's size);
/// returns its SHA-256, and with a disclosure secret (a signed seal,
/// schema v3: every file salted) the commitment the seal event signs.
fn manifest_json<W: Write + Seek>(
    opts: &SealOptions,
    name: &str,
    doc: ManifestDoc<'_>,
    records: &mut Records,
    secret: Option<[u8; 32]>,
    zip: &mut ZipWriter<W>,
) -> io::Result<(String, Option<model::disclosure::Commitment>)> {
    let algorithms: Vec<String> = doc.algos.iter().map(|a| a.name().to_string()).collect();
    let manifest = ManifestOut {
        schema: if secret.is_some() {
            model::MANIFEST_SCHEMA
        } else {
            model::MANIFEST_SCHEMA_V2
        },
        bundle_id: doc.bundle_id,
        bundle_name: name,
        sealed: doc.sealed,
        tool: &opts.agent,
        case: &opts.case,
        algorithms: &algorithms,
        piece_size: doc.pieces.0,
        piece_algorithm: Some(doc.pieces.1.name()),
        files: FilesOut::new(records, secret),
        symlinks: &doc.recorded.symlinks,
        unreadable: &doc.recorded.unreadable,
        skipped: &doc.recorded.skipped,
        items: doc.items,
        captures: doc.captures,
    };
    let mut m = measure(None);
    write_manifest_json(&manifest, &mut m)?;
    let mut e = zip.start_entry(&format!("{name}/{MANIFEST_JSON}"), opts.method, m.len)?;
    write_manifest_json(&manifest, &mut e)?;
    e.finish()?;
    let commitment = secret.map(|_| manifest.files.root.borrow_mut().commitment());
    Ok((to_hex(&m.sha.finalize()), commitment))
}

/// The seal event (sequence 1), by the signer's certified identity, or
/// by the case's examiner when unsigned.
fn seal_event(
    opts: &SealOptions,
    signer: Option<&dyn EventSigner>,
    bundle_id: &str,
    sealed: String,
    tagmanifest_sha256: String,
) -> CustodyEvent {
    let actor = match signer {
        Some(s) => Actor {
            key_id: Some(s.key_id()),
            ..s.actor()
        },
        None => Actor {
            key_id: None,
            name: opts.case.examiner.clone(),
            organisation: opts.case.organisation.clone(),
            country: None,
            role: None,
        },
    };
    CustodyEvent {
        kind: model::CUSTODY_EVENT_TYPE.to_string(),
        bundle_id: bundle_id.to_string(),
        seq: 1,
        prev: None,
        action: "seal".to_string(),
        time: sealed,
        actor,
        tagmanifest_sha256,
        recipient: None,
        completes: None,
        received_ciphertext_sha256: None,
        disclosure: None,
        exported_from: None,
        exported_to: None,
        location: None,
        purpose: None,
        note: None,
    }
}

/// The seal event's files in bundle order: the event, and when signed its
/// signature, the signer's public key, its certificate (signature first)
/// and the issuing root's key.
fn event_files(
    signer: Option<&dyn EventSigner>,
    bundle_id: &str,
    event_bytes: Vec<u8>,
) -> Result<Vec<TagFile>, SealError> {
    let event_name = layout::event_name(1, "seal");
    let Some(s) = signer else {
        return Ok(vec![(event_name, event_bytes)]);
    };
    let sig = s.sign(&event_bytes, &trusted_comment(bundle_id, 1, &s.key_id()))?;
    let mut files = vec![
        (event_name.clone(), event_bytes),
        (layout::signature_name(&event_name), sig),
        (layout::public_key_name(&s.key_id()), s.public_key_file()),
    ];
    if let Some((cert, cert_sig)) = s.certificate_files() {
        let cn = layout::certificate_name(&s.key_id());
        files.push((layout::signature_name(&cn), cert_sig));
        files.push((cn, cert));
        // The issuing root's key, after the certificate it checks
        // (docs/formats/bundle.md, format change).
        if let Some((name, bytes)) = s.issuer_key_file() {
            files.push((name, bytes));
        }
    }
    Ok(files)
}

/// A bundle id derived from the content (UUID version 8, RFC 9562), for
/// reproducible output: same payload, time and case give the same id.
/// `data` has hashed the time, the case and every manifest's name and text.
fn derived_id(data: Sha256) -> String {
    let d = data.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}
