//! The BagIt side of verification: layout, bagit.txt, every manifest both
//! ways, Payload-Oxum, the tag manifest, manifest.json, and the payload
//! itself, hashed in one pass per file.
//!
//! Memory does not grow with the names, digests or manifest entries of
//! the payload: the bag keeps 4 bytes per member (its entry index, in name
//! order), and the manifests and manifest.json are streamed and checked
//! against the payload by merging sorted lists, as every bundle evidentia
//! writes has them sorted. A manifest (or a manifest.json) that is not
//! sorted is checked the old way, read whole within its size cap, with
//! exactly the same findings.
//!
//! [`Bag::check`] is the list of phases, one file each, in the order of
//! their findings: `index` (the members in name order, and reading them),
//! `layout` (what each member is, the required tag files, bagit.txt),
//! `manifests` (the payload manifests both ways), `json` (manifest.json,
//! before and after the payload, then the captures it lists), `payload`
//! (the one hashing pass) and
//! `tags` (bag-info.txt, the tag manifest). `order` sorts the index,
//! `rich` compares a file with its manifest.json entry, `times` checks
//! entry times.

mod index;
mod json;
mod layout;
mod leaves;
mod manifests;
mod order;
mod payload;
mod rich;
mod tags;
mod teed;
pub(super) mod times;

pub(super) use index::data_error;

use super::{PayloadTap, SignatureVerifier, VerifyReport};
use crate::bundle::Archive;
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, hash_bytes};

/// The bag's members, by name relative to the base directory.
pub struct Bag {
    /// Base directory name.
    pub name: String,
    /// Safe, non-directory members: entry indices in name order.
    order: Vec<u32>,
}

/// The hex SHA-256 of `data`.
pub(super) fn sha256_hex(data: &[u8]) -> String {
    let o = HashOptions {
        algorithms: AlgorithmSet::new([Algorithm::Sha256]).unwrap_or_default(),
        ..HashOptions::default()
    };
    hash_bytes(data, &o).digests[0].hex()
}

impl Bag {
    /// Run every BagIt and manifest.json check, phase by phase in the
    /// order of their findings; returns the bytes of
    /// tagmanifest-sha256.txt when readable.
    pub fn check(
        &self,
        archive: &Archive,
        report: &mut VerifyReport,
        progress: &mut dyn FnMut(u64),
        tap: Option<&mut dyn PayloadTap>,
        verifier: Option<&dyn SignatureVerifier>,
    ) -> Option<Vec<u8>> {
        // manifest.json's first pass (the largest tag file) runs on another
        // core while the layout and the payload manifests are checked.
        let (mut tags, manifests, scan) = std::thread::scope(|s| {
            let scan = s.spawn(|| self.scan_manifest_json(archive));
            let tags = self.check_layout(archive, report);
            self.check_declaration(archive, report);
            let manifests = self.check_manifests(archive, &tags.manifests, report);
            let scan = scan
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (tags, manifests, scan)
        });
        let mut known = manifests.digests.clone();
        known.extend(
            scan.digest()
                .map(|d| (crate::bundle::layout::MANIFEST_JSON.to_string(), d)),
        );
        let json = self.read_manifest_json(archive, scan, report);
        report.commitment.provenance = std::mem::take(&mut tags.provenance.list);
        let mut pass = self.check_payload(archive, manifests, &json, report, progress, tap);
        json.check_payload_files(&mut pass, report);
        json.check_captures(self, archive, &pass, verifier, report);
        report.commitment.disclosed = std::mem::take(&mut pass.disclosed).finish();
        pass.finish(report);
        self.check_bag_info(archive, json.manifest.as_ref(), report);
        self.check_tagmanifests(archive, &tags, &known, report)
    }
}
