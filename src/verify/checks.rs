//! The positive verdict: the fixed list of mandatory checks, each of which
//! must report that it *ran* and passed before a bundle is VERIFIED.
//!
//! "Nothing failed" is not "verified": a bundle in which no bag was found,
//! no seal event was read or no signature was checked produced no failing
//! comparison, yet proves nothing. So every check is marked as run by the
//! code that completed it, and a check that was never marked adds a
//! `not-run` finding when the report is closed.
//!
//! Invariants:
//! - [`CHECKS`] is the whole list, in report order; it never depends on the
//!   input.
//! - A check's outcome is `passed` only when it ran and no finding was
//!   attributed to it ([`attribute`]); `failed` when a finding was; `not-run`
//!   otherwise.
//! - A report with a `not-run` check always holds a finding, so the verdict
//!   cannot be VERIFIED by any path that forgets to close the list.

use super::codes::FindingCode;
use serde::Serialize;

/// One mandatory check of `verify` (docs/verify-semantics.md, "Checks").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The zip container: every entry safe and every byte accounted for.
    Container,
    /// One top-level bag directory with the required tag files and nothing
    /// unexpected.
    Layout,
    /// `bagit.txt` is exactly the BagIt 1.0 declaration.
    BagDeclaration,
    /// `bag-info.txt`: Payload-Oxum, External-Identifier, single labels.
    BagInfo,
    /// Every payload manifest read and parsed, membership both ways.
    Manifests,
    /// Every payload file read to its end and every listed digest equal.
    Payload,
    /// `tagmanifest-sha256.txt`: every tag file listed and equal.
    TagManifests,
    /// `evidentia/manifest.json`: schema, file list, hashes, pieces, items.
    ManifestJson,
    /// Custody event 1 is the one seal, bound to this bag.
    SealEvent,
    /// Every custody event signed by a key the trust store accepts.
    Signatures,
    /// The custody events chained by hash, numbered, and the custody rules.
    Chain,
    /// The custody head computed (and equal to `--expect-head` when given).
    Head,
    /// The seal's disclosure commitment equals manifest.json's files (or
    /// neither has one), and in an exported bundle every disclosed file is
    /// proven against the original's signed commitment.
    Disclosure,
    /// Every traffic capture of manifest.json: its signed segment chain
    /// complete and in order, each segment's packets, hashes and flows as
    /// its record says (passes trivially without captures).
    Captures,
}

/// Every check, in report order.
pub const CHECKS: [Check; 14] = [
    Check::Container,
    Check::Layout,
    Check::BagDeclaration,
    Check::BagInfo,
    Check::Manifests,
    Check::Payload,
    Check::TagManifests,
    Check::ManifestJson,
    Check::SealEvent,
    Check::Signatures,
    Check::Chain,
    Check::Head,
    Check::Disclosure,
    Check::Captures,
];

/// The finding code of a mandatory check that did not run.
pub const NOT_RUN: FindingCode = FindingCode::NotRun;

impl Check {
    /// The stable name used in JSON and in `not-run` findings.
    pub fn name(self) -> &'static str {
        match self {
            Check::Container => "container",
            Check::Layout => "layout",
            Check::BagDeclaration => "bag-declaration",
            Check::BagInfo => "bag-info",
            Check::Manifests => "manifests",
            Check::Payload => "payload",
            Check::TagManifests => "tag-manifests",
            Check::ManifestJson => "manifest-json",
            Check::SealEvent => "seal-event",
            Check::Signatures => "signatures",
            Check::Chain => "chain",
            Check::Head => "head",
            Check::Disclosure => "disclosure",
            Check::Captures => "captures",
        }
    }

    /// What the check needs, said when it did not run.
    fn needs(self) -> &'static str {
        match self {
            Check::Container => "the zip's central directory could not be read in full",
            Check::Layout => "no bag was found in the zip",
            Check::BagDeclaration => "bagit.txt could not be read",
            Check::BagInfo => "bag-info.txt could not be read and parsed",
            Check::Manifests => "manifest-sha256.txt could not be read and parsed",
            Check::Payload => "the payload was not compared with a readable manifest-sha256.txt",
            Check::TagManifests => "tagmanifest-sha256.txt could not be read and parsed",
            Check::ManifestJson => "evidentia/manifest.json could not be read and parsed",
            Check::SealEvent => "no readable seal event (custody event 1) was found",
            Check::Signatures => "no custody event signature was checked against a trust store",
            Check::Chain => "the custody events could not all be read and parsed",
            Check::Head => "the custody events were not all read, so there is no head",
            Check::Disclosure => {
                "manifest.json and the seal event were not both read, so the disclosure commitment was not compared"
            }
            Check::Captures => {
                "the captures of manifest.json were not all read and checked against a trust store"
            }
        }
    }

    pub(super) fn index(self) -> usize {
        CHECKS.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// The check a finding belongs to: by its code where the code says, else
/// the check that was running when it was found (`phase`).
pub fn attribute(code: FindingCode, path: &str, phase: Check) -> Check {
    use crate::bundle::layout::{CUSTODY_DIR, DATA_DIR, KEYS_DIR};
    use FindingCode as C;
    let first_event = |p: &str| p.starts_with("custody/000001-");
    match code {
        C::Container | C::InterruptedAppend | C::DamagedBundle | C::TooManyFindings => {
            Check::Container
        }
        C::UnexpectedFile => Check::Layout,
        C::BagitTxt => Check::BagDeclaration,
        C::BagInfo | C::PayloadOxum => Check::BagInfo,
        C::NotInManifest => Check::Manifests,
        C::DigestMismatch => Check::Payload,
        C::TagDigestMismatch | C::NotInTagmanifest => Check::TagManifests,
        C::ManifestJson | C::Item => Check::ManifestJson,
        C::Signature | C::Keys | C::ActorIdentity => Check::Signatures,
        C::Head => Check::Head,
        C::Disclosure | C::Provenance => Check::Disclosure,
        C::Capture => Check::Captures,
        C::Custody if first_event(path) => Check::SealEvent,
        C::Custody | C::ReceiveSigner => Check::Chain,
        C::EntryData if path.starts_with(DATA_DIR) => Check::Payload,
        C::EntryData if path.starts_with(CUSTODY_DIR) => Check::Chain,
        C::EntryData if path.starts_with(KEYS_DIR) => Check::Signatures,
        C::EntryData | C::MissingFile | C::ManifestSyntax | C::TimeBackwards | C::NotRun => phase,
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Ran, and nothing was found.
    Passed,
    /// Ran (or started) and found problems.
    Failed,
    /// Did not run: the bundle is not verified.
    NotRun,
}

/// One line of `verify --json`'s `checks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    /// The check.
    pub check: Check,
    /// Its outcome.
    pub outcome: Outcome,
    /// How many findings it made (`not-run` counts as one).
    pub problems: u64,
}

/// Findings counted per check (kept by [`super::Findings`], which sees
/// every finding, listed or only counted).
pub type PerCheck = [u64; CHECKS.len()];

/// Which checks ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checks {
    ran: [bool; CHECKS.len()],
    not_run: [bool; CHECKS.len()],
}

impl Checks {
    /// Mark `check` as run to its end.
    pub fn ran(&mut self, check: Check) {
        self.ran[check.index()] = true;
    }

    /// Whether `check` ran.
    pub fn has_run(&self, check: Check) -> bool {
        self.ran[check.index()]
    }

    /// The checks that did not run, with what each needed; marks them so
    /// that closing twice adds nothing.
    pub(super) fn take_not_run(&mut self) -> Vec<(Check, &'static str)> {
        let mut out = Vec::new();
        for c in CHECKS {
            let i = c.index();
            if !self.ran[i] && !self.not_run[i] {
                self.not_run[i] = true;
                out.push((c, c.needs()));
            }
        }
        out
    }

    /// True when every check ran and none made a finding.
    pub fn all_passed(&self, failed: &PerCheck) -> bool {
        self.ran.iter().all(|r| *r) && failed.iter().all(|n| *n == 0)
    }

    /// The outcome of every check, in order.
    pub fn outcomes(&self, failed: &PerCheck) -> Vec<CheckOutcome> {
        CHECKS
            .iter()
            .map(|c| {
                let i = c.index();
                let outcome = if !self.ran[i] {
                    Outcome::NotRun
                } else if failed[i] > 0 {
                    Outcome::Failed
                } else {
                    Outcome::Passed
                };
                CheckOutcome {
                    check: *c,
                    outcome,
                    problems: failed[i],
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_that_never_ran_is_not_passed() {
        let mut c = Checks::default();
        let mut failed = PerCheck::default();
        for k in CHECKS.iter().skip(1) {
            c.ran(*k);
        }
        assert!(!c.all_passed(&failed));
        assert_eq!(c.outcomes(&failed)[0].outcome, Outcome::NotRun);
        assert_eq!(
            c.take_not_run(),
            vec![(Check::Container, Check::Container.needs())]
        );
        assert!(c.take_not_run().is_empty(), "closing twice adds nothing");
        c.ran(Check::Container);
        assert!(c.all_passed(&failed));
        failed[Check::Head.index()] += 1;
        assert!(!c.all_passed(&failed));
        assert_eq!(c.outcomes(&failed)[11].outcome, Outcome::Failed);
    }

    #[test]
    fn findings_are_attributed_by_code_then_phase() {
        assert_eq!(
            attribute(FindingCode::Signature, "x", Check::Payload),
            Check::Signatures
        );
        assert_eq!(
            attribute(
                FindingCode::Custody,
                "custody/000001-seal.json",
                Check::Payload
            ),
            Check::SealEvent
        );
        assert_eq!(
            attribute(
                FindingCode::Custody,
                "custody/000002-transfer.json",
                Check::Payload
            ),
            Check::Chain
        );
        assert_eq!(
            attribute(FindingCode::EntryData, "data/a", Check::Layout),
            Check::Payload
        );
        assert_eq!(
            attribute(FindingCode::MissingFile, "bagit.txt", Check::Layout),
            Check::Layout
        );
        assert_eq!(
            attribute(FindingCode::MissingFile, "data/x", Check::Manifests),
            Check::Manifests
        );
    }
}
