//! The closed vocabularies of a verify report: the code of each finding
//! ([`FindingCode`]) and the state of each custody event's signature
//! ([`SignatureState`]).
//!
//! Invariants:
//! - Each value has exactly one string, given by `as_str()` and used by
//!   `Display` and `Serialize` alike: these strings are the wire format of
//!   `verify --json`, the locker's stored findings and every report, so a
//!   variant's string never changes.
//! - Consumers compare variants, never strings.

use serde::{Serialize, Serializer};
use std::fmt;

/// What a finding is about: a stable code, shown in every output
/// (`digest-mismatch`, `unexpected-file`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingCode {
    /// An entry of the zip container is unsafe, or a byte is unaccounted
    /// for, or an entry carries a time nobody checked.
    Container,
    /// An append was interrupted (its journal is present).
    InterruptedAppend,
    /// The file starts as a bundle but cannot be opened.
    DamagedBundle,
    /// The closing count of findings past [`super::MAX_FINDINGS`].
    TooManyFindings,
    /// A member that has no place in a bundle.
    UnexpectedFile,
    /// A required or listed member is not there.
    MissingFile,
    /// `bagit.txt` is not the BagIt 1.0 declaration.
    BagitTxt,
    /// A problem with `bag-info.txt`.
    BagInfo,
    /// `bag-info.txt`'s `Payload-Oxum` is wrong.
    PayloadOxum,
    /// A payload or tag manifest does not parse.
    ManifestSyntax,
    /// A payload file a payload manifest does not list.
    NotInManifest,
    /// A member's data could not be read.
    EntryData,
    /// A payload file's digest differs from its manifest's.
    DigestMismatch,
    /// A tag file's digest differs from the tag manifest's.
    TagDigestMismatch,
    /// A tag file the tag manifest does not list.
    NotInTagmanifest,
    /// `manifest.json` is unreadable or disagrees with the payload.
    ManifestJson,
    /// An evidence item of `manifest.json` disagrees with its files.
    Item,
    /// A custody event is wrong on its own or breaks a custody rule.
    Custody,
    /// A receive not signed by the recipient of the hand-over.
    ReceiveSigner,
    /// A custody event signature is missing, invalid, untrusted or not
    /// bound to its event.
    Signature,
    /// A file of `keys/` that is not what its name says, or not needed.
    Keys,
    /// An event's actor is not its signer's certified identity.
    ActorIdentity,
    /// The custody head differs from the one announced.
    Head,
    /// A claimed time earlier than the previous event's (a warning).
    TimeBackwards,
    /// A mandatory check that did not run.
    NotRun,
    /// manifest.json's files disagree with the seal's disclosure
    /// commitment, or a file carries no salt where the schema needs one.
    Disclosure,
    /// An exported bundle's proof of origin does not hold: a disclosed
    /// file not proven against the original's signed commitment, or the
    /// original's seal not signed by a trusted key.
    Provenance,
    /// A traffic capture of `manifest.json` disagrees with its signed
    /// records or its segments: a segment missing, added, reordered or
    /// altered, a signature not trusted, totals that do not add up.
    Capture,
}

impl FindingCode {
    /// Every code.
    pub const ALL: [FindingCode; 28] = [
        FindingCode::Container,
        FindingCode::InterruptedAppend,
        FindingCode::DamagedBundle,
        FindingCode::TooManyFindings,
        FindingCode::UnexpectedFile,
        FindingCode::MissingFile,
        FindingCode::BagitTxt,
        FindingCode::BagInfo,
        FindingCode::PayloadOxum,
        FindingCode::ManifestSyntax,
        FindingCode::NotInManifest,
        FindingCode::EntryData,
        FindingCode::DigestMismatch,
        FindingCode::TagDigestMismatch,
        FindingCode::NotInTagmanifest,
        FindingCode::ManifestJson,
        FindingCode::Item,
        FindingCode::Custody,
        FindingCode::ReceiveSigner,
        FindingCode::Signature,
        FindingCode::Keys,
        FindingCode::ActorIdentity,
        FindingCode::Head,
        FindingCode::TimeBackwards,
        FindingCode::NotRun,
        FindingCode::Disclosure,
        FindingCode::Provenance,
        FindingCode::Capture,
    ];

    /// The stable string of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::Container => "container",
            FindingCode::InterruptedAppend => "interrupted-append",
            FindingCode::DamagedBundle => "damaged-bundle",
            FindingCode::TooManyFindings => "too-many-findings",
            FindingCode::UnexpectedFile => "unexpected-file",
            FindingCode::MissingFile => "missing-file",
            FindingCode::BagitTxt => "bagit-txt",
            FindingCode::BagInfo => "bag-info",
            FindingCode::PayloadOxum => "payload-oxum",
            FindingCode::ManifestSyntax => "manifest-syntax",
            FindingCode::NotInManifest => "not-in-manifest",
            FindingCode::EntryData => "entry-data",
            FindingCode::DigestMismatch => "digest-mismatch",
            FindingCode::TagDigestMismatch => "tag-digest-mismatch",
            FindingCode::NotInTagmanifest => "not-in-tagmanifest",
            FindingCode::ManifestJson => "manifest-json",
            FindingCode::Item => "item",
            FindingCode::Custody => "custody",
            FindingCode::ReceiveSigner => "receive-signer",
            FindingCode::Signature => "signature",
            FindingCode::Keys => "keys",
            FindingCode::ActorIdentity => "actor-identity",
            FindingCode::Head => "head",
            FindingCode::TimeBackwards => "time-backwards",
            FindingCode::NotRun => "not-run",
            FindingCode::Disclosure => "disclosure",
            FindingCode::Provenance => "provenance",
            FindingCode::Capture => "capture",
        }
    }

    /// The code whose string is `s`, if any.
    pub fn from_name(s: &str) -> Option<FindingCode> {
        FindingCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for FindingCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The state of a custody event's signature after verification
/// ([`super::EventSummary::signature`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureState {
    /// Valid, by a key the trust store trusts.
    Trusted,
    /// Valid, by a key the trust store does not trust.
    Untrusted,
    /// Not a valid signature.
    Invalid,
    /// No signature file, or it could not be read.
    Missing,
    /// There is a signature, but no trust store to check it against.
    NotChecked,
}

impl SignatureState {
    /// The stable string of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureState::Trusted => "trusted",
            SignatureState::Untrusted => "untrusted",
            SignatureState::Invalid => "invalid",
            SignatureState::Missing => "missing",
            SignatureState::NotChecked => "not-checked",
        }
    }
}

impl fmt::Display for SignatureState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for SignatureState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_string_shown_and_serialized_alike() {
        let mut seen = std::collections::BTreeSet::new();
        for c in FindingCode::ALL {
            assert!(seen.insert(c.as_str()), "{c:?} repeats a string");
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
            assert_eq!(FindingCode::from_name(c.as_str()), Some(c));
        }
        assert_eq!(FindingCode::from_name("no-such-code"), None);
        assert_eq!(FindingCode::DamagedBundle.as_str(), "damaged-bundle");
        assert_eq!(format!("[{:>6}]", FindingCode::Item), "[  item]");
    }

    #[test]
    fn signature_states_serialize_as_before() {
        let all = [
            (SignatureState::Trusted, "trusted"),
            (SignatureState::Untrusted, "untrusted"),
            (SignatureState::Invalid, "invalid"),
            (SignatureState::Missing, "missing"),
            (SignatureState::NotChecked, "not-checked"),
        ];
        for (s, want) in all {
            assert_eq!(s.as_str(), want);
            assert_eq!(s.to_string(), want);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{want}\""));
        }
    }
}
