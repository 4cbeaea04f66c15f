//! The local trust store as a [`SignatureVerifier`]: a thin adapter from
//! [`crate::sign::verify_signature`] to the report's terms. The keys and
//! certificates shipped in the bundle are hints; trust comes only from
//! the store.

use super::{BundledKeys, NO_IDENTITY, SignatureCheck, SignatureVerifier, SignerKind};
use crate::bundle::layout;
use crate::sign::{self, SignatureStatus, TrustPath, TrustStore};

/// Verifies custody signatures against a trust store.
pub struct TrustVerifier<'a> {
    /// The trust store.
    pub store: &'a TrustStore,
}

fn to_sign_keys(bundled: &BundledKeys) -> sign::BundledKeys {
    let by_name: std::collections::HashMap<&str, &Vec<u8>> =
        bundled.files.iter().map(|(n, b)| (n.as_str(), b)).collect();
    let mut out = sign::BundledKeys::default();
    for (name, bytes) in &bundled.files {
        if name.ends_with(".pub") {
            out.public_keys.push(bytes.clone());
        } else if name.ends_with(".cert.json")
            && let Some(sig) = by_name.get(layout::signature_name(name).as_str())
        {
            out.certificates.push((bytes.clone(), (*sig).clone()));
        }
    }
    out
}

/// Run `f` on `bundled` parsed, parsing it only when its files changed
/// since the last signature checked against it.
fn with_prepared<T>(bundled: &BundledKeys, f: impl FnOnce(&sign::PreparedKeys) -> T) -> T {
    let len = bundled.files.len();
    let mut cache = bundled.prepared.borrow_mut();
    if !matches!(&*cache, Some((n, _)) if *n == len) {
        *cache = Some((len, sign::PreparedKeys::new(&to_sign_keys(bundled))));
    }
    match &*cache {
        Some((_, keys)) => f(keys),
        None => f(&sign::PreparedKeys::default()),
    }
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
        let digest = sign::minisign::prehash(data);
        let check = with_prepared(bundled, |keys| {
            sign::verify_prepared(self.store, &digest, minisig, keys, at)
        });
        let key_id = check.key_id.map(|k| k.to_string()).unwrap_or_default();
        let comment = check.trusted_comment.clone().unwrap_or_default();
        match check.status {
            SignatureStatus::Trusted { via } => {
                // Only a proven identity is shown; a pinned key without
                // one is named by its fingerprint alone.
                let signer = check
                    .signer
                    .as_ref()
                    .map(|s| s.display())
                    .unwrap_or_else(|| NO_IDENTITY.into());
                let (kind, trust_path) = match via {
                    TrustPath::Direct => {
                        (SignerKind::Pinned, "key pinned in the trust store".into())
                    }
                    TrustPath::RootKey => (
                        SignerKind::Root,
                        "signed by a root key (pinned in the trust store as a root)".into(),
                    ),
                    TrustPath::Root { root_id } => (
                        SignerKind::Certified,
                        format!("certified by trusted root {root_id}"),
                    ),
                };
                SignatureCheck::Trusted {
                    key_id,
                    signer,
                    trust_path,
                    identity: check.signer,
                    kind,
                    trusted_comment: comment,
                }
            }
            SignatureStatus::UnknownKey => SignatureCheck::Invalid {
                reason: format!(
                    "no public key for key number {} in the bundle or the trust store",
                    check.keynum.unwrap_or_default()
                ),
            },
            SignatureStatus::Invalid { reason } | SignatureStatus::Malformed { reason } => {
                SignatureCheck::Invalid { reason }
            }
            other => SignatureCheck::Untrusted {
                key_id,
                reason: other.reason(),
                trusted_comment: comment,
            },
        }
    }
}
