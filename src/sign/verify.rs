//! Verification of a minisign signature against a trust store: find the
//! signer's public key, check both signatures, then resolve trust (directly
//! pinned, or certified by a pinned root at the claimed signing time).
//! The outcome is a value; garbage input gives `Malformed`, never a panic.

use super::cert::{Certificate, Validity};
use super::civil::UnixTime;
use super::identity::Identity;
use super::keyid::KeyId;
use super::minisign::{MinisignSignature, prehash};
use super::pubfile::parse_any_public_key;
use super::trust::TrustStore;
use serde::Serialize;

/// Public keys and certificates that travel with the signed data (a
/// bundle's `keys/` directory). They help find and describe a key; they
/// never make it trusted on their own.
#[derive(Debug, Clone, Default)]
pub struct BundledKeys {
    /// Public key files (minisign or evidentia format).
    pub public_keys: Vec<Vec<u8>>,
    /// Certificate files with their minisign signature files.
    pub certificates: Vec<(Vec<u8>, Vec<u8>)>,
}

/// How a trusted signer is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrustPath {
    /// The key itself is in the trust store.
    Direct,
    /// A trusted root certified the key.
    Root {
        /// The root key's id.
        root_id: KeyId,
    },
}

/// The outcome of a signature check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Valid, and the signer is trusted.
    Trusted {
        /// How.
        via: TrustPath,
    },
    /// Valid, but neither the key nor a root certifying it is trusted.
    ValidUntrusted,
    /// Valid, certified by a trusted root, but the certificate had expired
    /// at the claimed signing time.
    CertificateExpired {
        /// The root.
        root_id: KeyId,
        /// End of the window.
        valid_until: String,
    },
    /// Valid, certified by a trusted root, but the certificate was not yet
    /// valid at the claimed signing time.
    CertificateNotYetValid {
        /// The root.
        root_id: KeyId,
        /// Start of the window.
        valid_from: String,
    },
    /// No public key for the signature's key number was found.
    UnknownKey,
    /// The signature or the trusted comment does not verify.
    Invalid {
        /// Why.
        reason: String,
    },
    /// The signature file is not a minisign `ED` signature.
    Malformed {
        /// Why.
        reason: String,
    },
}

/// A signature check: the status and what is known about the signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// The outcome.
    #[serde(flatten)]
    pub status: SignatureStatus,
    /// The signer's key id, when a key verified the signature.
    pub key_id: Option<KeyId>,
    /// The key number in the signature (hex), when it parsed.
    pub keynum: Option<String>,
    /// The trusted comment, when the signature verified.
    pub trusted_comment: Option<String>,
    /// The signer's identity (from the certificate or the trust store).
    pub signer: Option<Identity>,
    /// Why certificates that were offered did not help.
    pub notes: Vec<String>,
}

impl SignatureCheck {
    /// Whether the signature is valid and trusted.
    pub fn is_trusted(&self) -> bool {
        matches!(self.status, SignatureStatus::Trusted { .. })
    }
}

/// Verify `minisig` over `data` against `store`, using `bundled` keys and
/// certificates to find the key and a certificate chain; certificate
/// validity is judged at `claimed_time` (the signer's claim).
pub fn verify_signature(
    store: &TrustStore,
    data: &[u8],
    minisig: &[u8],
    bundled: &BundledKeys,
    claimed_time: UnixTime,
) -> SignatureCheck {
    verify_prehashed_signature(store, &prehash(data), minisig, bundled, claimed_time)
}

/// [`verify_signature`] with the BLAKE2b-512 digest of the data
/// ([`super::minisign::prehash_reader`]), for large files.
pub fn verify_prehashed_signature(
    store: &TrustStore,
    digest: &[u8; 64],
    minisig: &[u8],
    bundled: &BundledKeys,
    claimed_time: UnixTime,
) -> SignatureCheck {
    let mut check = SignatureCheck {
        status: SignatureStatus::UnknownKey,
        key_id: None,
        keynum: None,
        trusted_comment: None,
        signer: None,
        notes: Vec::new(),
    };
    let sig = match MinisignSignature::parse(minisig) {
        Ok(s) => s,
        Err(e) => {
            check.status = SignatureStatus::Malformed {
                reason: e.to_string(),
            };
            return check;
        }
    };
    check.keynum = Some(super::keyid::hex(&sig.keynum));
    let certs: Vec<(Certificate, &[u8], &[u8])> = bundled
        .certificates
        .iter()
        .filter_map(|(c, s)| {
            Certificate::parse(c)
                .ok()
                .map(|cert| (cert, c.as_slice(), s.as_slice()))
        })
        .collect();
    let mut candidates: Vec<[u8; 32]> =
        store.by_keynum(&sig.keynum).map(|e| e.public_key).collect();
    candidates.extend(
        bundled
            .public_keys
            .iter()
            .filter_map(|b| parse_any_public_key(b).ok())
            .map(|k| k.public_key),
    );
    candidates.extend(certs.iter().map(|(c, _, _)| c.public_key));
    candidates.retain(|pk| KeyId::derive(pk).keynum() == sig.keynum);
    candidates.dedup();
    let mut failure = None;
    let Some(pk) = candidates
        .into_iter()
        .find(|pk| match sig.verify_prehashed(pk, digest) {
            Ok(()) => true,
            Err(e) => {
                failure.get_or_insert(e.to_string());
                false
            }
        })
    else {
        if let Some(reason) = failure {
            check.status = SignatureStatus::Invalid { reason };
        }
        return check;
    };
    let id = KeyId::derive(&pk);
    check.key_id = Some(id);
    check.trusted_comment = Some(sig.trusted_comment.clone());
    if let Some(e) = store.get(&id) {
        check.signer = e.identity.clone();
        check.status = SignatureStatus::Trusted {
            via: TrustPath::Direct,
        };
        if check.signer.is_none() {
            check.signer = certs
                .iter()
                .find(|(c, _, _)| c.key_id == id)
                .map(|(c, _, _)| c.identity.clone());
        }
        return check;
    }
    check.status = SignatureStatus::ValidUntrusted;
    for (cert, cert_bytes, sig_bytes) in certs.iter().filter(|(c, _, _)| c.key_id == id) {
        let Some(root) = store.get(&cert.issuer_key_id) else {
            check.notes.push(format!(
                "certificate issuer {} is not in the trust store",
                cert.issuer_key_id.short()
            ));
            continue;
        };
        if !root.root {
            check.notes.push(format!(
                "certificate issuer {} is trusted but not as a root",
                root.key_id.short()
            ));
            continue;
        }
        let ok = MinisignSignature::parse(sig_bytes)
            .and_then(|s| s.verify(&root.public_key, cert_bytes));
        if let Err(e) = ok {
            check
                .notes
                .push(format!("certificate by root {}: {e}", root.key_id.short()));
            continue;
        }
        check.signer = Some(cert.identity.clone());
        let status = match cert.validity_at(claimed_time) {
            Validity::Valid => SignatureStatus::Trusted {
                via: TrustPath::Root {
                    root_id: root.key_id,
                },
            },
            Validity::Expired => SignatureStatus::CertificateExpired {
                root_id: root.key_id,
                valid_until: cert.valid_until.clone(),
            },
            Validity::NotYetValid => SignatureStatus::CertificateNotYetValid {
                root_id: root.key_id,
                valid_from: cert.valid_from.clone(),
            },
        };
        let better = matches!(status, SignatureStatus::Trusted { .. })
            || matches!(check.status, SignatureStatus::ValidUntrusted);
        if better {
            check.status = status;
        }
        if check.is_trusted() {
            break;
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::keyfile::{KeyFile, Protection};
    use crate::sign::pubfile::AnyPublicKey;
    use crate::sign::signer::Signer;

    fn signer(root: bool) -> Signer {
        let id = Identity::new("A", "B", "CZ", None, None).unwrap();
        let (f, k) = KeyFile::generate(id, root, 0, Protection::None).unwrap();
        Signer::new(&f, k, None)
    }

    fn trust(dir: &std::path::Path, s: &Signer, root: bool) -> TrustStore {
        let mut t = TrustStore::open(dir).unwrap();
        t.add(
            &AnyPublicKey {
                public_key: s.public_key(),
                identity: None,
                root: false,
            },
            root,
            0,
        )
        .unwrap();
        t
    }

    #[test]
    fn direct_and_untrusted_and_tampered() {
        let dir = tempfile::tempdir().unwrap();
        let s = signer(false);
        let sig = s.sign(b"data", "t");
        let bundled = BundledKeys {
            public_keys: vec![s.public_key_file()],
            certificates: vec![],
        };
        let empty = TrustStore::empty();
        assert_eq!(
            verify_signature(&empty, b"data", &sig, &BundledKeys::default(), 0).status,
            SignatureStatus::UnknownKey
        );
        assert_eq!(
            verify_signature(&empty, b"data", &sig, &bundled, 0).status,
            SignatureStatus::ValidUntrusted
        );
        let t = trust(dir.path(), &s, false);
        let c = verify_signature(&t, b"data", &sig, &BundledKeys::default(), 0);
        assert_eq!(
            c.status,
            SignatureStatus::Trusted {
                via: TrustPath::Direct
            }
        );
        assert_eq!(c.key_id, Some(s.key_id()));
        assert!(matches!(
            verify_signature(&t, b"dat", &sig, &bundled, 0).status,
            SignatureStatus::Invalid { .. }
        ));
        assert!(matches!(
            verify_signature(&t, b"data", b"junk", &bundled, 0).status,
            SignatureStatus::Malformed { .. }
        ));
    }

    #[test]
    fn certified_by_root_in_window_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = signer(true);
        let ex = signer(false);
        let ident = Identity::new("Ex", "Org", "DE", None, Some("examiner")).unwrap();
        let (c, cs) =
            Certificate::issue(root.secret_key(), ex.public_key(), ident, 100, 200, 100).unwrap();
        let bundled = BundledKeys {
            public_keys: vec![],
            certificates: vec![(c.clone(), cs.clone())],
        };
        let sig = ex.sign(b"x", "t");
        // Untrusted root: valid but untrusted.
        assert_eq!(
            verify_signature(&TrustStore::empty(), b"x", &sig, &bundled, 150).status,
            SignatureStatus::ValidUntrusted
        );
        let t = trust(dir.path(), &root, true);
        let ok = verify_signature(&t, b"x", &sig, &bundled, 150);
        assert_eq!(
            ok.status,
            SignatureStatus::Trusted {
                via: TrustPath::Root {
                    root_id: root.key_id()
                }
            }
        );
        assert_eq!(ok.signer.as_ref().map(|i| i.name.as_str()), Some("Ex"));
        assert!(matches!(
            verify_signature(&t, b"x", &sig, &bundled, 201).status,
            SignatureStatus::CertificateExpired { .. }
        ));
        assert!(matches!(
            verify_signature(&t, b"x", &sig, &bundled, 99).status,
            SignatureStatus::CertificateNotYetValid { .. }
        ));
        // A flipped byte in the certificate.
        let mut bad = c.clone();
        let i = bad.iter().position(|&b| b == b'E').unwrap();
        bad[i] = b'F';
        let tampered = BundledKeys {
            public_keys: vec![ex.public_key_file()],
            certificates: vec![(bad, cs)],
        };
        assert_eq!(
            verify_signature(&t, b"x", &sig, &tampered, 150).status,
            SignatureStatus::ValidUntrusted
        );
        // A root trusted without the root flag certifies nothing.
        let dir2 = tempfile::tempdir().unwrap();
        let t2 = trust(dir2.path(), &root, false);
        assert_eq!(
            verify_signature(&t2, b"x", &sig, &bundled, 150).status,
            SignatureStatus::ValidUntrusted
        );
    }
}
