//! Bundles: a BagIt 1.0 bag serialized as one zip file, with a rich
//! manifest, signed custody events and the signers' keys.
//!
//! Invariants:
//! - Every member name comes from [`layout`]; nowhere else spells one.
//! - Writing is streaming and constant-memory; one read pass per evidence
//!   file computes every hash and the CRC-32 while the bytes go into the
//!   zip. Output goes to a temporary file that is renamed into place only
//!   when complete and flushed; an existing bundle is never overwritten.
//! - Reading never trusts the container: names, headers, sizes and offsets
//!   are validated before any entry's data is read, and entry data is
//!   capped at its declared size (see [`Archive`], in `bundle/zip/`).
//! - Signing goes through [`EventSigner`], so this module does not depend
//!   on how keys are stored.
//! - Nothing here prints, reads the environment or exits.

mod append;
mod bagit;
mod captures;
mod custody;
mod items;
pub mod layout;
pub mod mjson;
mod repair;
mod seal;
mod sealopts;
mod signing;
mod spill;
mod zip;

pub use crate::atomic::TMP_SUFFIX;
pub(crate) use crate::atomic::remove_stale;
pub use append::{AppendError, AppendHook, JOURNAL_SUFFIX, Journal, NoHook, append, journal_path};
pub use bagit::{
    LineTooLong, ManifestLine, ManifestLines, ManifestSyntax, human_size, parse_bag_info,
    parse_manifest, render_bag_info, render_manifest,
};
pub use custody::{
    AddedEvent, CustodyError, EventOptions, PreparedEvent, add_event, prepare_event,
    prepare_event_in,
};
pub use repair::{RepairError, RepairOutcome, repair, repair_plan};
pub use seal::{Derived, Disclosed, Staged, TagSource, seal, write_derived};
pub use sealopts::{SealError, SealOptions, SealSummary};
pub use signing::CertifiedSigner;
pub use zip::{
    Archive, ContainerIssue, Damage, DamageKind, DosTime, Entries, Entry, EntryDataError,
    EntryReader, EntryWriter, IssueKind, Method, Place, ZipError, ZipWriter,
};

use crate::model::Actor;

/// A signing failure, as the signer describes it (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SignFailure(pub String);

/// Whoever signs custody events: an examiner's key.
pub trait EventSigner {
    /// The key id (`keys/<KEYID>.pub`).
    fn key_id(&self) -> String;
    /// The identity bound to the key, for the event's `actor`.
    fn actor(&self) -> Actor;
    /// A minisign signature file over `data` with `trusted_comment`.
    fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<Vec<u8>, SignFailure>;
    /// The public key file (minisign format) stored under `keys/`.
    fn public_key_file(&self) -> Vec<u8>;
    /// The key certificate and its signature, when the key is certified.
    fn certificate_files(&self) -> Option<(Vec<u8>, Vec<u8>)>;
    /// The public key file (minisign format) of the root that issued the
    /// certificate, with that root's key id, when the signer knows it: a
    /// court checks the certificate with it, having confirmed its
    /// fingerprint from the transmittal letter (`keys/<ROOTID>.pub`).
    fn issuer_key_file(&self) -> Option<(String, Vec<u8>)> {
        None
    }
    /// The secret the disclosure salts of `bundle_id` derive from
    /// (`model::disclosure`), when the signer can compute one; a seal
    /// without it writes no commitment (manifest schema v2).
    fn disclosure_secret(&self, _bundle_id: &str) -> Option<[u8; 32]> {
        None
    }
}

/// The trusted comment of a custody event signature: bundle id, sequence
/// number and key id, so a signature cannot be moved to another event.
pub fn trusted_comment(bundle_id: &str, seq: u64, key_id: &str) -> String {
    format!("evidentia custody-event bundle:{bundle_id} seq:{seq} key:{key_id}")
}
