//! The tag files of a new bundle: the BagIt manifests, bag-info.txt,
//! manifest.json, the tag manifest, and the signed seal event with the
//! signer's keys. Everything here is small and built in memory, after the
//! payload has streamed into the zip.

use super::layout::{
    self, BAG_INFO, BAGIT_TXT, BAGIT_TXT_CONTENT, MANIFEST_JSON, TAGMANIFEST_SHA256,
};
use super::seal::{SealError, SealOptions};
use super::{EventSigner, bagit, trusted_comment};
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, hash_bytes};
use crate::model::{
    self, Actor, CustodyEvent, FileEntry, LinkEntry, Manifest, SkippedEntry, UnreadableEntry,
};

/// What the payload pass produced.
pub(super) struct TagInput<'a> {
    pub opts: &'a SealOptions,
    pub name: &'a str,
    pub entries: Vec<FileEntry>,
    pub symlinks: Vec<LinkEntry>,
    pub unreadable: Vec<UnreadableEntry>,
    pub skipped: Vec<SkippedEntry>,
    pub items: Vec<model::ItemEntry>,
    pub total: u64,
    pub algos: &'a AlgorithmSet,
    pub signer: Option<&'a dyn EventSigner>,
}

/// The tag files in zip order, and what the summary reports.
pub(super) struct Tags {
    pub files: Vec<(String, Vec<u8>)>,
    pub bundle_id: String,
    pub head: String,
    pub files_sealed: u64,
    pub unreadable: u64,
}

/// Build every tag file and sign the seal event.
pub(super) fn build(input: TagInput<'_>) -> Result<Tags, SealError> {
    let TagInput {
        opts,
        name,
        entries,
        symlinks,
        unreadable,
        skipped,
        items,
        total,
        algos,
        signer,
    } = input;
    let files_sealed = entries.len() as u64;
    let unreadable_count = unreadable.len() as u64;
    let manifest_algos: Vec<Algorithm> = algos
        .as_slice()
        .iter()
        .copied()
        .filter(|a| *a != Algorithm::Blake3)
        .collect();
    let mut tag_files: Vec<(String, Vec<u8>)> = Vec::new();
    tag_files.push((BAGIT_TXT.to_string(), BAGIT_TXT_CONTENT.to_vec()));
    let mut manifests = Vec::new();
    for a in &manifest_algos {
        let lines: Vec<(String, &str)> = entries
            .iter()
            .map(|e| {
                let d = match a {
                    Algorithm::Sha256 => e.sha256.clone(),
                    Algorithm::Sha512 => e.sha512.clone().unwrap_or_default(),
                    Algorithm::Sha1 => e.sha1.clone().unwrap_or_default(),
                    _ => e.md5.clone().unwrap_or_default(),
                };
                (d, e.path.as_str())
            })
            .collect();
        let text = bagit::render_manifest(lines.iter().map(|(d, p)| (d.as_str(), *p)));
        manifests.push((layout::manifest_name(*a), text));
    }
    let bundle_id = match &opts.bundle_id {
        Some(id) => id.clone(),
        None if opts.reproducible => derived_id(opts, &manifests),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let sealed = model::format_rfc3339_utc(opts.time);
    let mut labels: Vec<(&str, String)> = Vec::new();
    labels.push(("Bagging-Date", model::format_date_utc(opts.time)));
    labels.push(("Bag-Software-Agent", opts.agent.clone()));
    labels.push(("External-Identifier", format!("urn:uuid:{bundle_id}")));
    labels.push(("Payload-Oxum", format!("{total}.{}", entries.len())));
    labels.push(("Bag-Size", bagit::human_size(total)));
    labels.extend(opts.case.bag_info_labels());
    tag_files.push((BAG_INFO.to_string(), bagit::render_bag_info(&labels)));
    tag_files.extend(manifests);
    let manifest = Manifest {
        schema: model::MANIFEST_SCHEMA.to_string(),
        bundle_id: bundle_id.clone(),
        bundle_name: name.to_string(),
        sealed: sealed.clone(),
        tool: opts.agent.clone(),
        case: opts.case.clone(),
        algorithms: manifest_algos
            .iter()
            .map(|a| a.name().to_string())
            .collect(),
        piece_size: opts.piece_size,
        files: entries,
        symlinks,
        unreadable,
        skipped,
        items,
    };
    tag_files.push((MANIFEST_JSON.to_string(), model::to_json_bytes(&manifest)));
    let tag_hash = |data: &[u8]| {
        let o = HashOptions {
            algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
            ..HashOptions::default()
        };
        hash_bytes(data, &o).digests[0].hex()
    };
    let mut tm: Vec<(String, String)> = tag_files
        .iter()
        .map(|(n, d)| (tag_hash(d), n.clone()))
        .collect();
    tm.sort_by(|a, b| a.1.cmp(&b.1));
    let tagmanifest = bagit::render_manifest(tm.iter().map(|(d, n)| (d.as_str(), n.as_str())));
    let tagmanifest_sha256 = tag_hash(&tagmanifest);
    tag_files.push((TAGMANIFEST_SHA256.to_string(), tagmanifest));

    // The seal event, its signature and the signer's keys.
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
    let event = CustodyEvent {
        kind: model::CUSTODY_EVENT_TYPE.to_string(),
        bundle_id: bundle_id.clone(),
        seq: 1,
        prev: None,
        action: "seal".to_string(),
        time: sealed,
        actor,
        tagmanifest_sha256,
        recipient: None,
        completes: None,
        location: None,
        purpose: None,
        note: None,
    };
    let event_bytes = model::to_json_bytes(&event);
    let event_name = layout::event_name(1, "seal");
    let head = tag_hash(&event_bytes);
    if let Some(s) = signer {
        let sig = s.sign(&event_bytes, &trusted_comment(&bundle_id, 1, &s.key_id()))?;
        tag_files.push((event_name.clone(), event_bytes));
        tag_files.push((layout::signature_name(&event_name), sig));
        tag_files.push((layout::public_key_name(&s.key_id()), s.public_key_file()));
        if let Some((cert, cert_sig)) = s.certificate_files() {
            let cn = layout::certificate_name(&s.key_id());
            tag_files.push((layout::signature_name(&cn), cert_sig));
            tag_files.push((cn, cert));
        }
    } else {
        tag_files.push((event_name, event_bytes));
    }
    Ok(Tags {
        files: tag_files,
        bundle_id,
        head,
        files_sealed,
        unreadable: unreadable_count,
    })
}

/// A bundle id derived from the content (UUID version 8, RFC 9562), for
/// reproducible output: same payload, time and case give the same id.
fn derived_id(opts: &SealOptions, manifests: &[(String, Vec<u8>)]) -> String {
    let mut data = Vec::new();
    data.extend_from_slice(&opts.time.to_le_bytes());
    data.extend_from_slice(&model::to_json_bytes(&opts.case));
    for (n, m) in manifests {
        data.extend_from_slice(n.as_bytes());
        data.extend_from_slice(m);
    }
    let d = hash_bytes(&data, &HashOptions::default());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.digests[0].bytes[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}
