//! The local trust store as a [`SignatureVerifier`]: a thin adapter from
//! [`crate::sign::verify_signature`] to the report's terms. The keys and
//! certificates shipped in the bundle are hints; trust comes only from
//! the store.

use super::{BundledKeys, SignatureCheck, SignatureVerifier};
use crate::bundle::layout;
use crate::sign::{self, SignatureStatus, TrustPath, TrustStore};

/// Verifies custody signatures against a trust store.
pub struct TrustVerifier<'a> {
    /// The trust store.
    pub store: &'a TrustStore,
}

fn to_sign_keys(bundled: &BundledKeys) -> sign::BundledKeys {
    let mut out = sign::BundledKeys::default();
    for (name, bytes) in &bundled.files {
        if name.ends_with(".pub") {
            out.public_keys.push(bytes.clone());
        } else if name.ends_with(".cert.json") {
            let sig_name = layout::signature_name(name);
            if let Some((_, sig)) = bundled.files.iter().find(|(n, _)| *n == sig_name) {
                out.certificates.push((bytes.clone(), sig.clone()));
            }
        }
    }
    out
}

impl SignatureVerifier for TrustVerifier<'_> {
    fn verify(
        &self,
        data: &[u8],
        minisig: &[u8],
        bundled: &BundledKeys,
        claimed_time: &str,
    ) -> SignatureCheck {
        let Ok(at) = crate::model::parse_rfc3339(claimed_time) else {
            return SignatureCheck::Invalid {
                reason: format!("unreadable claimed time {claimed_time:?}"),
            };
        };
        let check = sign::verify_signature(self.store, data, minisig, &to_sign_keys(bundled), at);
        let key_id = check.key_id.map(|k| k.to_string()).unwrap_or_default();
        let comment = check.trusted_comment.clone().unwrap_or_default();
        let signer = check
            .signer
            .as_ref()
            .map(|s| s.display())
            .unwrap_or_else(|| "unknown signer".into());
        match check.status {
            SignatureStatus::Trusted { via } => SignatureCheck::Trusted {
                key_id,
                signer,
                identity: check.signer.as_ref().map(|s| crate::model::Party {
                    key_id: None,
                    name: Some(s.name.clone()),
                    organisation: Some(s.org.clone()),
                    country: Some(s.country.clone()),
                }),
                trust_path: match via {
                    TrustPath::Direct => "key pinned in the trust store".into(),
                    TrustPath::Root { root_id } => format!("certified by trusted root {root_id}"),
                },
                trusted_comment: comment,
            },
            SignatureStatus::ValidUntrusted => SignatureCheck::Untrusted {
                key_id,
                reason: "neither the key nor a root certifying it is in the trust store".into(),
                trusted_comment: comment,
            },
            SignatureStatus::CertificateExpired {
                root_id,
                valid_until,
            } => SignatureCheck::Untrusted {
                key_id,
                reason: format!(
                    "its certificate by root {root_id} expired {valid_until}, before the claimed signing time"
                ),
                trusted_comment: comment,
            },
            SignatureStatus::CertificateNotYetValid {
                root_id,
                valid_from,
            } => SignatureCheck::Untrusted {
                key_id,
                reason: format!(
                    "its certificate by root {root_id} is valid only from {valid_from}"
                ),
                trusted_comment: comment,
            },
            SignatureStatus::UnknownKey => SignatureCheck::Invalid {
                reason: format!(
                    "no public key for key number {} in the bundle or the trust store",
                    check.keynum.unwrap_or_default()
                ),
            },
            SignatureStatus::Invalid { reason } | SignatureStatus::Malformed { reason } => {
                SignatureCheck::Invalid { reason }
            }
        }
    }
}
