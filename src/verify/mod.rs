//! `verify`: check a bundle completely and report every finding. The result
//! is a [`VerifyReport`], never an exit code; the caller decides.
//!
//! Invariants:
//! - A bundle is VERIFIED only when every mandatory check of
//!   [`CHECKS`] ran and passed and the report holds no finding at
//!   all: a positive verdict, never "nothing failed" (a check that did not
//!   run is a `not-run` finding).
//! - Every problem is reported, not only the first; each finding names its
//!   path and, where there are any, the expected and actual values.
//! - Entry data is read only from entries the container checks passed,
//!   with sizes capped; tag files are read into memory only up to fixed
//!   limits.
//! - Signature checking goes through [`SignatureVerifier`]; without one the
//!   signatures check does not run, and the bundle is not verified.
//! - Every identity in the report comes from a signature that verified
//!   against the trust store (`identity`), never from what an event claims.

mod bag;
mod baginfo;
mod capture;
mod chain;
mod checks;
mod codes;
mod custody;
mod disclosure;
mod findings;
mod identity;
mod items;
mod provenance;
mod tap;
mod trust;

pub use capture::{CaptureProven, SegmentProven};
pub use chain::check_append;
pub use checks::{CHECKS, Check, CheckOutcome, NOT_RUN, Outcome};
pub use codes::{FindingCode, SignatureState};
pub use findings::{Finding, Findings, MAX_FINDINGS, MAX_LISTED_BYTES};
pub use identity::{ACTOR_IDENTITY, actor_text, identity_text, record_signer};
pub use provenance::MAX_DISCLOSED;
pub use tap::PayloadTap;
pub use trust::TrustVerifier;

use crate::bundle::{Archive, ZipError, journal_path};
use crate::model::{CustodyEvent, Party};
use serde::Serialize;
use std::path::Path;

/// The finding code of an interrupted append (the CLI names `repair`).
pub const INTERRUPTED_APPEND: FindingCode = FindingCode::InterruptedAppend;
/// The finding code of a file that starts as a bundle but cannot be opened
/// (truncated, overwritten): the message says where.
pub const DAMAGED_BUNDLE: FindingCode = FindingCode::DamagedBundle;

/// The largest tag file read into memory.
pub const MAX_TAG_FILE: u64 = 64 << 20;
/// The largest manifest.json read into memory.
pub const MAX_MANIFEST_JSON: u64 = 128 << 20;
/// The largest custody event file (events are a few KiB; `custody add`
/// and `custody show` hold them to the same limit).
pub const MAX_EVENT_FILE: u64 = crate::model::MAX_EVENT_FILE;
/// The largest key, certificate or signature file (minisign's own limit
/// for text files).
pub const MAX_KEY_FILE: u64 = 64 << 10;
/// The most bytes of `keys/` files held at once: they are kept for every
/// signature check, so their total is bounded, not only each one.
pub const MAX_KEY_FILES_TOTAL: u64 = 16 << 20;

/// The keys and certificates shipped in a bundle's `keys/` directory.
#[derive(Debug, Clone, Default)]
pub struct BundledKeys {
    /// (member name relative to the bag, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// The files parsed once for every signature checked against them
    /// (by [`TrustVerifier`]), with the number of files they were parsed
    /// from: more files since, and they are parsed again.
    prepared: std::cell::RefCell<Option<(usize, crate::sign::PreparedKeys)>>,
}

impl BundledKeys {
    /// The keys of `files` ((member name relative to the bag, bytes)).
    pub fn new(files: Vec<(String, Vec<u8>)>) -> BundledKeys {
        BundledKeys {
            files,
            ..BundledKeys::default()
        }
    }
}

/// The outcome of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Valid, by a key trusted directly or through a certificate.
    Trusted {
        /// The signer's key id.
        key_id: String,
        /// Who the key belongs to, as proven ([`NO_IDENTITY`] when nothing
        /// is).
        signer: String,
        /// How trust was established ("pinned", "certified by ROOT").
        trust_path: String,
        /// The proven identity (role included): from the key's pin in the
        /// trust store or a certificate that verified against a trusted
        /// root; `None` when the key has no certified identity.
        identity: Option<crate::sign::Identity>,
        /// What kind of trusted key signed.
        kind: SignerKind,
        /// The signed trusted comment.
        trusted_comment: String,
    },
    /// Valid, but the key is not trusted.
    Untrusted {
        /// The signer's key id.
        key_id: String,
        /// Why it is not trusted.
        reason: String,
        /// The signed trusted comment.
        trusted_comment: String,
    },
    /// Not a valid signature.
    Invalid {
        /// Why.
        reason: String,
    },
}

/// What is shown for a trusted key whose identity nobody certified.
pub const NO_IDENTITY: &str = "no certified identity";

/// What kind of trusted key made a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerKind {
    /// An agency root key, signing itself ("signed by a root key").
    Root,
    /// A key certified by a trusted root.
    Certified,
    /// A single key pinned in the trust store.
    Pinned,
}

/// Checks signatures against a trust store.
pub trait SignatureVerifier {
    /// Check `minisig` over `data`, using `bundled` keys and certificates as
    /// hints and the local trust store as the authority.
    fn verify(
        &self,
        data: &[u8],
        minisig: &[u8],
        bundled: &BundledKeys,
        claimed_time: &str,
    ) -> SignatureCheck;
}

/// What to check beyond the bundle itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The custody head the sender announced (hex SHA-256).
    pub expect_head: Option<String>,
}

/// A custody event as verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventSummary {
    /// Sequence number.
    pub seq: u64,
    /// Action.
    pub action: String,
    /// Claimed time.
    pub time: String,
    /// Key id of the actor, if any.
    pub key_id: Option<String>,
    /// Signature status: `trusted`, `untrusted`, `invalid`, `missing`,
    /// `not-checked`.
    pub signature: SignatureState,
    /// Signer and trust path, for trusted signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
    /// The event as parsed (for `custody show` and the chain rules).
    #[serde(skip)]
    pub event: Option<CustodyEvent>,
    /// Hex SHA-256 of the event file.
    #[serde(skip)]
    pub sha256: String,
    /// The key that made a valid signature over the event.
    #[serde(skip)]
    pub signed_by: Option<String>,
    /// The identity the trust store binds to that key (name,
    /// organisation, country of [`EventSummary::certified_identity`]).
    #[serde(skip)]
    pub signer_identity: Option<Party>,
    /// For a trusted signature: what kind of key signed (`root`: a root
    /// key signing itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_kind: Option<SignerKind>,
    /// For a trusted signature: the signer's proven identity; absent when
    /// the key has no certified identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certified_identity: Option<crate::sign::Identity>,
}

/// What `verify` proved about a derived bundle's origin (an `evidentia
/// export`): filled by the disclosure check only when every disclosed file
/// was proven against the original's signed commitment (or its revealed
/// manifest) and the original's seal signature is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The original bundle's id.
    pub original_bundle_id: String,
    /// When the original was sealed (its seal event's claimed time).
    pub original_sealed: String,
    /// The original sealer's key id.
    pub original_key_id: String,
    /// The original sealer's proven identity, when the trust store binds
    /// one to the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_signer: Option<Party>,
    /// The original's custody head when the export was made.
    pub original_custody_head: String,
    /// The purpose the exporter gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Files disclosed (all proven).
    pub disclosed: u64,
    /// Files of the original withheld.
    pub withheld: u64,
    /// Whether the export was recorded in the original's custody chain.
    pub recorded_at_source: bool,
    /// Whether the original's whole manifest went along (an original
    /// without a commitment, `--reveal-manifest`).
    pub manifest_revealed: bool,
}

/// What the manifest.json pass found for the disclosure check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitmentSeen {
    /// Whether manifest.json was read and compared with the payload.
    pub manifest_read: bool,
    /// Whether its schema salts every file (v3).
    pub salted: bool,
    /// The commitment its files make (v3, every salt well formed).
    pub computed: Option<crate::model::disclosure::Commitment>,
    /// The members of `provenance/` the layout allowed by name.
    pub provenance: Vec<String>,
    /// manifest.json's entries (without pieces and salts), kept when the
    /// bag has a `provenance/` part: a derived bundle's disclosed files;
    /// `None` when not kept, or past [`MAX_DISCLOSED`].
    pub disclosed: Option<Vec<crate::model::FileEntry>>,
}

/// Everything verify found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// The bag's base directory name.
    pub bag: Option<String>,
    /// The bundle id from manifest.json.
    pub bundle_id: Option<String>,
    /// Payload files checked.
    pub files: u64,
    /// Payload bytes checked.
    pub bytes: u64,
    /// Custody events in order.
    pub events: Vec<EventSummary>,
    /// SHA-256 of the last event file.
    pub head: Option<String>,
    /// Whether the head was compared with one the sender announced
    /// (`--expect-head`). Without it, events cut off the end of the chain
    /// cannot be excluded, and every output says so.
    pub head_compared: bool,
    /// Whether signatures were checked at all.
    pub signatures_checked: bool,
    /// Every problem found (the first [`MAX_FINDINGS`]; see [`Findings`]).
    pub findings: Findings,
    /// Which mandatory checks ran (serialized as `checks` by
    /// [`VerifyReport::check_outcomes`]).
    #[serde(skip)]
    pub checks: checks::Checks,
    /// What manifest.json's files commit to, for the disclosure check.
    #[serde(skip)]
    pub commitment: CommitmentSeen,
    /// For a derived bundle whose origin was proven: what was proven.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// The traffic captures of manifest.json that made no finding, as
    /// proven from their signed records and packets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<CaptureProven>,
    /// Things worth a look that do not fail verification (claimed times
    /// going backwards).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Finding>,
}

impl VerifyReport {
    /// True only when every mandatory check ran and passed and there is no
    /// finding at all: a positive verdict, never "nothing failed".
    pub fn verified(&self) -> bool {
        self.findings.is_empty() && self.checks.all_passed(&self.findings.per_check)
    }

    /// Mark `check` as run to its end.
    pub fn ran(&mut self, check: Check) {
        self.checks.ran(check);
    }

    /// A report in which every check ran, for unit tests of what consumes
    /// a verdict (the locker) without building bundles.
    #[cfg(test)]
    pub(crate) fn all_checks_ran(mut self) -> VerifyReport {
        for c in CHECKS {
            self.ran(c);
        }
        self
    }

    /// What to say when the head was not compared with the sender's: a
    /// cut tail cannot be excluded (`None` when it was compared or there
    /// is no head).
    pub fn head_caveat(&self) -> Option<String> {
        if self.head_compared || self.head.is_none() {
            return None;
        }
        let last = self.events.last().map(|e| e.seq).unwrap_or(0);
        Some(format!(
            "the custody head was not compared with the one the sender announced \
             (--expect-head): events after #{last} could have been cut off unnoticed"
        ))
    }

    /// The outcome of every mandatory check, in order.
    pub fn check_outcomes(&self) -> Vec<CheckOutcome> {
        self.checks.outcomes(&self.findings.per_check)
    }

    /// Close the report: every check that did not run becomes a `not-run`
    /// finding, and findings past the limit are summed up.
    fn finish(&mut self) {
        for (check, needs) in self.checks.take_not_run() {
            self.findings.phase(check);
            self.findings.push(Finding::new(
                NOT_RUN,
                check.name(),
                format!("the {} check did not run: {needs}", check.name()),
            ));
        }
        self.findings.close();
    }
}

/// Verify the bundle at `path`. Fails only when the file cannot be read as
/// a zip at all; everything else is a finding.
pub fn verify(
    path: &Path,
    opts: &VerifyOptions,
    verifier: Option<&dyn SignatureVerifier>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, ZipError> {
    verify_tapped(path, opts, verifier, progress, None)
}

/// [`verify`], with `tap` seeing every payload byte of the one read pass
/// (see [`PayloadTap`]). The tap changes nothing in the report.
pub fn verify_tapped(
    path: &Path,
    opts: &VerifyOptions,
    verifier: Option<&dyn SignatureVerifier>,
    progress: &mut dyn FnMut(u64),
    tap: Option<&mut dyn PayloadTap>,
) -> Result<VerifyReport, ZipError> {
    let mut report = VerifyReport {
        signatures_checked: verifier.is_some(),
        ..VerifyReport::default()
    };
    // An append that died leaves its journal: say so, and what repair
    // will do (the caller names `repair`), whatever else.
    let journal = journal_path(path);
    let pending = std::fs::symlink_metadata(&journal).is_ok();
    let mut repairable = false;
    if pending {
        let message = match crate::bundle::repair_plan(path) {
            Ok(plan) => {
                repairable = true;
                format!(
                    "an append to this bundle was interrupted (its journal is present); `evidentia repair` {}",
                    plan.will()
                )
            }
            Err(e) => format!(
                "an append to this bundle was interrupted (its journal is present), but repair cannot use the journal: {e}"
            ),
        };
        report.findings.push(Finding::new(
            INTERRUPTED_APPEND,
            journal.display().to_string(),
            message,
        ));
    }
    let (archive, issues) = match Archive::open(path) {
        Ok(a) => a,
        Err(ZipError::Damaged(d)) => {
            // A journal repair can use explains the damage: the append.
            if !repairable {
                report.findings.push(damaged(path, &d));
            }
            report.finish();
            return Ok(report);
        }
        Err(_) if pending => {
            report.finish();
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    for i in issues {
        report.findings.push(Finding::new(
            FindingCode::Container,
            i.name.clone(),
            i.kind.to_string(),
        ));
    }
    report.ran(Check::Container);
    report.findings.phase(Check::Layout);
    if let Some(bag) = bag::Bag::index(&archive, &mut report) {
        let tagmanifest = bag.check(&archive, &mut report, progress, tap, verifier);
        report.findings.phase(Check::Chain);
        custody::check(
            &archive,
            &bag,
            tagmanifest.as_deref(),
            opts,
            verifier,
            &mut report,
        );
        identity::check(&mut report);
        chain::check(&mut report);
        mark_custody_checks(&mut report, verifier.is_some());
        disclosure::check(&mut report);
        provenance::check(&archive, &bag, verifier, &mut report);
        report.head_compared = opts.expect_head.is_some() && report.head.is_some();
    }
    report.finish();
    Ok(report)
}

/// The finding of a damaged bundle: where, and for a truncation the
/// expected and actual lengths.
fn damaged(path: &Path, d: &crate::bundle::Damage) -> Finding {
    let mut f = Finding::new(DAMAGED_BUNDLE, path.display().to_string(), d.to_string());
    if d.is_truncated() {
        f.expected = d.expected_len().map(|m| format!("{m} bytes"));
        f.actual = Some(format!("{} bytes", d.len));
    }
    f
}

/// Mark the custody checks that ran, from what the custody pass recorded:
/// the seal event when event 1 was read, parsed and is a seal; the
/// signatures when a trust store checked every event read; the chain when
/// every event was read and parsed; the head when it was computed from the
/// last event.
fn mark_custody_checks(report: &mut VerifyReport, signatures: bool) {
    let events = &report.events;
    let seal = events
        .first()
        .is_some_and(|e| e.seq == 1 && e.event.as_ref().is_some_and(|ev| ev.action == "seal"));
    // Events are summed up only when their file was read; numbered 1..n
    // without a gap means none was skipped.
    let all_read = !events.is_empty()
        && events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1 && e.event.is_some());
    let all_signed = signatures
        && !events.is_empty()
        && events.iter().all(|e| {
            !matches!(
                e.signature,
                SignatureState::Missing | SignatureState::NotChecked
            )
        });
    let head = all_read && report.head.as_deref() == events.last().map(|e| e.sha256.as_str());
    for (check, ran) in [
        (Check::SealEvent, seal),
        (Check::Signatures, all_signed),
        (Check::Chain, all_read),
        (Check::Head, head),
    ] {
        if ran {
            report.ran(check);
        }
    }
}

#[cfg(test)]
mod tests {
    //! The signed path, end to end, with a stand-in signer and verifier (the
    //! real ones live in `sign`): a signed clean bundle verifies with no
    //! finding; a bad or untrusted signature is a finding.
    use super::*;
    use crate::bundle::{EventSigner, Method, SealOptions, SignFailure, seal};
    use crate::hash::{HashOptions, hash_bytes};
    use crate::model::{Actor, CaseMeta};

    struct FakeSigner;
    const PK: [u8; 32] = [9; 32];
    fn kid() -> String {
        crate::sign::KeyId::derive(&PK).to_string()
    }
    fn fake_sig(data: &[u8]) -> Vec<u8> {
        let mut v = b"SIG:".to_vec();
        v.extend_from_slice(&hash_bytes(data, &HashOptions::default()).digests[0].bytes);
        v
    }
    impl EventSigner for FakeSigner {
        fn key_id(&self) -> String {
            kid()
        }
        fn actor(&self) -> Actor {
            Actor {
                name: Some("Examiner".into()),
                ..Actor::default()
            }
        }
        fn sign(&self, data: &[u8], _tc: &str) -> Result<Vec<u8>, SignFailure> {
            Ok(fake_sig(data))
        }
        fn public_key_file(&self) -> Vec<u8> {
            let keynum = crate::sign::KeyId::derive(&PK).keynum();
            crate::sign::MinisignPublicKey {
                keynum,
                public_key: PK,
            }
            .to_bytes()
        }
        fn certificate_files(&self) -> Option<(Vec<u8>, Vec<u8>)> {
            // A fake key has no real certificate: a file posing as one in
            // keys/ is a finding.
            None
        }
    }
    struct FakeVerifier {
        trusted: bool,
    }
    impl FakeVerifier {
        fn bundle_id(&self, event: &[u8]) -> String {
            let v: serde_json::Value = serde_json::from_slice(event).unwrap();
            v["bundle_id"].as_str().unwrap().to_string()
        }
    }
    impl SignatureVerifier for FakeVerifier {
        fn verify(&self, data: &[u8], sig: &[u8], keys: &BundledKeys, _t: &str) -> SignatureCheck {
            if sig != fake_sig(data) {
                return SignatureCheck::Invalid {
                    reason: "mismatch".into(),
                };
            }
            assert!(
                keys.files
                    .iter()
                    .any(|(n, _)| *n == format!("keys/{}.pub", kid()))
            );
            if self.trusted {
                SignatureCheck::Trusted {
                    key_id: kid(),
                    signer: "Examiner".into(),
                    trust_path: "pinned".into(),
                    identity: None,
                    kind: SignerKind::Pinned,
                    trusted_comment: crate::bundle::trusted_comment(
                        &self.bundle_id(data),
                        1,
                        &kid(),
                    ),
                }
            } else {
                SignatureCheck::Untrusted {
                    key_id: kid(),
                    reason: "not pinned".into(),
                    trusted_comment: crate::bundle::trusted_comment(
                        &self.bundle_id(data),
                        1,
                        &kid(),
                    ),
                }
            }
        }
    }

    /// A reproducible stored seal of `input` to `out`.
    pub(crate) fn seal_opts(input: &Path, out: &Path) -> SealOptions {
        SealOptions {
            inputs: vec![input.to_path_buf()],
            out: out.to_path_buf(),
            case: CaseMeta {
                case_reference: "C".into(),
                ..CaseMeta::default()
            },
            extra_algorithms: vec![],
            method: Method::Stored,
            allow_unreadable: false,
            time: 0,
            bundle_id: None,
            reproducible: true,
            piece_size: 4096,
            agent: "test".into(),
            recipients: Vec::new(),
        }
    }

    #[test]
    fn signed_bundle_verifies_and_bad_trust_is_a_finding() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"evidence").unwrap();
        let out = dir.path().join("b.zip");
        let opts = seal_opts(&dir.path().join("f"), &out);
        let summary = seal(&opts, Some(&FakeSigner), &mut |_| {}).unwrap();
        assert!(summary.signed);
        let v = FakeVerifier { trusted: true };
        let r = verify(&out, &VerifyOptions::default(), Some(&v), &mut |_| {}).unwrap();
        assert!(r.verified(), "{:?}", r.findings);
        assert_eq!(r.head.as_deref(), Some(summary.head.as_str()));
        assert_eq!(r.events[0].signature, SignatureState::Trusted);
        // Without a trust store the signatures check does not run: not
        // verified, though nothing failed.
        let r = verify(&out, &VerifyOptions::default(), None, &mut |_| {}).unwrap();
        assert!(!r.verified());
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        assert_eq!(r.findings[0].code, NOT_RUN);
        assert_eq!(r.findings[0].path, "signatures");
        let v = FakeVerifier { trusted: false };
        let r = verify(&out, &VerifyOptions::default(), Some(&v), &mut |_| {}).unwrap();
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].code, FindingCode::Signature);
        let wrong = VerifyOptions {
            expect_head: Some("00".repeat(32)),
        };
        let r = verify(
            &out,
            &wrong,
            Some(&FakeVerifier { trusted: true }),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(r.findings[0].code, FindingCode::Head);
    }

    #[test]
    fn a_seal_without_a_disclosure_secret_writes_v2_and_no_commitment() {
        // An unsigned seal (and a signer that cannot derive salts) commits
        // to nothing: schema v2, no salts, no `disclosure`; it still passes
        // the disclosure check (there is nothing to compare).
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"evidence").unwrap();
        for (name, signer) in [
            ("u.zip", None),
            ("s.zip", Some(&FakeSigner as &dyn EventSigner)),
        ] {
            let out = dir.path().join(name);
            let opts = seal_opts(&dir.path().join("f"), &out);
            seal(&opts, signer, &mut |_| {}).unwrap();
            let (archive, _) = Archive::open(&out).unwrap();
            let read = |suffix: &str| {
                let e = archive
                    .entries()
                    .find(|e| e.name.ends_with(suffix))
                    .unwrap();
                archive.read_small(&e, 1 << 20).unwrap()
            };
            let m: crate::model::Manifest =
                serde_json::from_slice(&read("evidentia/manifest.json")).unwrap();
            assert_eq!(m.schema, crate::model::MANIFEST_SCHEMA_V2, "{name}");
            assert!(m.files.iter().all(|f| f.salt.is_none()));
            let ev: CustodyEvent =
                serde_json::from_slice(&read("custody/000001-seal.json")).unwrap();
            assert!(ev.disclosure.is_none());
            let r = verify(&out, &VerifyOptions::default(), None, &mut |_| {}).unwrap();
            assert!(r.checks.has_run(Check::Disclosure), "{name}");
            assert!(
                !r.findings.iter().any(|f| f.code == FindingCode::Disclosure),
                "{:?}",
                r.findings
            );
        }
    }
}
