//! The layout phase: every member outside the payload sorted into payload
//! manifests, the tag manifest the seal binds, tag files a tag manifest
//! must list, and what has no place in a bundle; the required tag files;
//! and `bagit.txt`, which must be the exact BagIt 1.0 declaration.

use super::Bag;
use super::rich::Capped;
use crate::bundle::{Archive, layout};
use crate::hash::Algorithm;
use crate::verify::{Check, Finding, FindingCode, MAX_TAG_FILE, VerifyReport};

/// The members outside the payload that later phases check.
pub(super) struct Tags {
    /// Payload manifests: (algorithm, member), in name order.
    pub(super) manifests: Vec<(Algorithm, String)>,
    /// Tag manifests the seal binds (tagmanifest-sha256.txt, if there).
    pub(super) tagmanifests: Vec<(Algorithm, String)>,
    /// The tag files a tag manifest must list.
    pub(super) tag_files: Capped<String>,
    /// The members of `provenance/` whose names the contract allows
    /// (whether they belong is known only from the seal event: see
    /// `verify::provenance`).
    pub(super) provenance: Capped<String>,
}

impl Bag {
    /// The layout check: sort the members outside the payload (a finding
    /// for each that has no place in a bundle), then the required tag
    /// files.
    pub(super) fn check_layout(&self, archive: &Archive, report: &mut VerifyReport) -> Tags {
        let tags = self.classify(archive, report);
        if tags.provenance.more > 0 {
            report.findings.push(Finding::new(
                FindingCode::UnexpectedFile,
                layout::PROVENANCE_DIR,
                format!(
                    "{} more members under provenance/ than are listed (a derived bundle has a handful)",
                    tags.provenance.more
                ),
            ));
        }
        for required in [
            layout::BAGIT_TXT,
            layout::BAG_INFO,
            layout::TAGMANIFEST_SHA256,
            layout::MANIFEST_JSON,
            &layout::manifest_name(Algorithm::Sha256),
        ] {
            if !self.contains(archive, required) {
                report.findings.push(Finding::new(
                    FindingCode::MissingFile,
                    required,
                    "required tag file is missing",
                ));
            }
        }
        report.ran(Check::Layout);
        tags
    }

    /// Sort every member outside the payload, in name order.
    fn classify(&self, archive: &Archive, report: &mut VerifyReport) -> Tags {
        let f = &mut report.findings;
        let mut tags = Tags {
            manifests: Vec::new(),
            tagmanifests: Vec::new(),
            tag_files: Capped::default(),
            provenance: Capped::default(),
        };
        for (rel, _) in self.members(archive) {
            if rel.starts_with(layout::DATA_DIR) {
                continue;
            }
            if !rel.starts_with(layout::CUSTODY_DIR)
                && !rel.starts_with(layout::KEYS_DIR)
                && layout::tagmanifest_algorithm(&rel).is_none()
            {
                tags.tag_files.push(rel.clone());
            }
            if let Some(a) = layout::manifest_algorithm(&rel) {
                tags.manifests.push((a, rel));
            } else if let Some(a) = layout::tagmanifest_algorithm(&rel) {
                // Only the SHA-256 tag manifest is bound by the seal event:
                // another, even a correct one, is a file added since.
                if rel == layout::TAGMANIFEST_SHA256 {
                    tags.tagmanifests.push((a, rel));
                } else {
                    f.push(Finding::new(
                        FindingCode::UnexpectedFile,
                        &rel,
                        "evidentia writes only tagmanifest-sha256.txt, which the seal signs; no signature covers another tag manifest",
                    ));
                }
            } else if rel.starts_with(layout::PROVENANCE_DIR) {
                if provenance_member(&rel) {
                    tags.provenance.push(rel);
                } else {
                    f.push(Finding::new(
                        FindingCode::UnexpectedFile,
                        &rel,
                        "not a member of provenance/ (docs/formats/bundle.md, \"Exported bundles\")",
                    ));
                }
            } else if !(rel == layout::BAGIT_TXT
                || rel == layout::BAG_INFO
                || rel == layout::MANIFEST_JSON
                || rel.starts_with(layout::CUSTODY_DIR)
                || rel.starts_with(layout::KEYS_DIR))
            {
                f.push(Finding::new(
                    FindingCode::UnexpectedFile,
                    &rel,
                    "file not allowed in a bundle",
                ));
            }
        }
        tags
    }

    /// The bag declaration check: `bagit.txt` is exactly BagIt 1.0's.
    pub(super) fn check_declaration(&self, archive: &Archive, report: &mut VerifyReport) {
        report.findings.phase(Check::BagDeclaration);
        if let Some(b) = self.read(archive, layout::BAGIT_TXT, MAX_TAG_FILE, report) {
            report.ran(Check::BagDeclaration);
            if b != layout::BAGIT_TXT_CONTENT {
                report.findings.push(Finding::values(
                    FindingCode::BagitTxt,
                    layout::BAGIT_TXT,
                    "not the exact BagIt 1.0 declaration",
                    String::from_utf8_lossy(layout::BAGIT_TXT_CONTENT),
                    String::from_utf8_lossy(&b),
                ));
            }
        }
    }
}

/// Whether `rel` is a name `provenance/` may hold: the original's seal
/// event and signature, the proofs, the revealed manifest and tag
/// manifest, and under `provenance/keys/` a public key, a certificate or
/// a certificate's signature.
fn provenance_member(rel: &str) -> bool {
    if [
        layout::PROVENANCE_SEAL,
        &layout::signature_name(layout::PROVENANCE_SEAL),
        layout::PROVENANCE_PROOFS,
        layout::PROVENANCE_MANIFEST,
        layout::PROVENANCE_TAGMANIFEST,
    ]
    .contains(&rel)
    {
        return true;
    }
    let keys = layout::provenance_name(layout::KEYS_DIR);
    let Some(name) = rel.strip_prefix(&keys) else {
        return false;
    };
    let id = [".pub", ".cert.json", ".cert.json.minisig"]
        .iter()
        .find_map(|s| name.strip_suffix(s));
    id.is_some_and(|id| !id.is_empty() && !id.contains(['/', '.']))
}

#[cfg(test)]
mod tests {
    use super::provenance_member;

    #[test]
    fn provenance_holds_only_the_names_of_the_contract() {
        for ok in [
            "provenance/seal.json",
            "provenance/seal.json.minisig",
            "provenance/proofs.json",
            "provenance/manifest.json",
            "provenance/tagmanifest-sha256.txt",
            "provenance/keys/ab12.pub",
            "provenance/keys/ab12.cert.json",
            "provenance/keys/ab12.cert.json.minisig",
        ] {
            assert!(provenance_member(ok), "{ok}");
        }
        for bad in [
            "provenance/",
            "provenance/notes.txt",
            "provenance/proofs.json.minisig",
            "provenance/keys/.pub",
            "provenance/keys/a.b.pub",
            "provenance/keys/x/y.pub",
            "provenance/keys/ab12.pub.minisig",
            "provenance/keys/ab12",
            "provenance/seal.json/x",
            "provenanceX/seal.json",
        ] {
            assert!(!provenance_member(bad), "{bad}");
        }
    }
}
