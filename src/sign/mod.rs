//! Keys, key files, certificates, the trust store and minisign-compatible
//! Ed25519 signatures (the prehashed `ED` form, made with `ring`).
//!
//! Everything here is data in, data out: nothing prints, reads the
//! environment or prompts. Files under a home directory are read and
//! written by [`keystore`] and [`trust`]; every parser caps its input at
//! [`minisign::MAX_TEXT_FILE`] and returns an error on garbage, never
//! panics. Verification results are values ([`SignatureCheck`]), not errors.
//! The formats are specified in `docs/formats/keys.md`.

pub mod agekey;
pub mod cert;
pub mod domain;
pub mod foreign;
pub mod identity;
pub mod keyfile;
pub mod keyid;
pub mod keystore;
pub mod minisign;
pub mod pubfile;
pub mod signer;
pub mod trust;
mod verify;
pub mod wipe;

pub use cert::{CertBundle, Certificate};
pub use domain::{CAPTURE_END_PREFIX, CAPTURE_SEGMENT_PREFIX, SignatureKind};
pub use identity::Identity;
pub use keyfile::{KdfParams, KeyFile, Protection, SecretKey};
pub use keyid::KeyId;
pub use keystore::KeyStore;
pub use minisign::{MinisignPublicKey, MinisignSignature};
pub use pubfile::PublicKeyFile;
pub use signer::Signer;
pub use trust::{CertifyScope, TrustEntry, TrustStore};
pub use verify::{
    BundledKeys, CertificateJudgement, PreparedKeys, SignatureCheck, SignatureStatus, TrustPath,
    judge_certificate_files, verify_prehashed_signature, verify_prepared, verify_signature,
};

use thiserror::Error;

/// Errors of key handling and signing (verification outcomes are not
/// errors: see [`SignatureStatus`]). No variant carries secret material.
#[derive(Debug, Error)]
pub enum SignError {
    /// A file does not follow its format.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which kind of file.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A file is larger than any valid one.
    #[error("{what} is larger than {max} bytes")]
    TooLarge {
        /// Which kind of file.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// The signature over the data does not verify.
    #[error("the signature does not match the data")]
    BadSignature,
    /// The global signature over the trusted comment does not verify.
    #[error("the trusted comment does not match its signature")]
    BadTrustedComment,
    /// Decryption failed: the passphrase is wrong or the file was altered.
    #[error("wrong passphrase (or the key file was altered)")]
    WrongPassphrase,
    /// The key file is encrypted and no passphrase was given.
    #[error("the key file is encrypted and no passphrase was given")]
    PassphraseNeeded,
    /// The system random number generator failed.
    #[error("the system random number generator or key setup failed")]
    Random,
    /// An identity field is not acceptable.
    #[error(transparent)]
    Identity(#[from] identity::IdentityError),
    /// A timestamp is not RFC 3339.
    #[error(transparent)]
    Time(#[from] crate::model::BadTimestamp),
    /// No key matches an id or prefix.
    #[error("no key matches {prefix:?}")]
    NoSuchKey {
        /// The id or prefix asked for.
        prefix: String,
    },
    /// Several keys match an id prefix.
    #[error("{prefix:?} matches {count} keys")]
    AmbiguousKey {
        /// The prefix asked for.
        prefix: String,
        /// How many keys match.
        count: usize,
    },
    /// The key is already present.
    #[error("key {id} is already present")]
    AlreadyPresent {
        /// The key id.
        id: KeyId,
    },
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot read", ...).
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl SignError {
    pub(crate) fn io(
        action: &'static str,
        path: &std::path::Path,
        source: std::io::Error,
    ) -> SignError {
        SignError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Parse a JSON document of at most [`minisign::MAX_TEXT_FILE`] bytes.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, SignError> {
    if bytes.len() > minisign::MAX_TEXT_FILE {
        return Err(SignError::TooLarge {
            what,
            max: minisign::MAX_TEXT_FILE,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| SignError::Malformed {
        what,
        reason: e.to_string(),
    })
}

/// Read a file of at most [`minisign::MAX_TEXT_FILE`] bytes.
pub fn read_small(what: &'static str, path: &std::path::Path) -> Result<Vec<u8>, SignError> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| SignError::io("cannot read", path, e))?;
    let mut buf = Vec::new();
    f.take(minisign::MAX_TEXT_FILE as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| SignError::io("cannot read", path, e))?;
    if buf.len() > minisign::MAX_TEXT_FILE {
        return Err(SignError::TooLarge {
            what,
            max: minisign::MAX_TEXT_FILE,
        });
    }
    Ok(buf)
}

/// Base64 helpers for the JSON formats.
pub(crate) mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    pub fn encode(b: &[u8]) -> String {
        STANDARD.encode(b)
    }

    pub fn decode(s: &str) -> Option<Vec<u8>> {
        STANDARD.decode(s).ok()
    }

    /// serde for a 32-byte array as base64.
    pub mod array32 {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&super::encode(v))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
            let s = String::deserialize(d)?;
            super::decode(&s)
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| serde::de::Error::custom("expected base64 of 32 bytes"))
        }
    }
}
