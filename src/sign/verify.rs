//! Verification of a minisign signature against a trust store: find the
//! signer's public key, check both signatures, then resolve trust (directly
//! pinned, or certified by a pinned root at the claimed signing time).
//! The outcome is a value; garbage input gives `Malformed`, never a panic.
//!
//! Identities: the signer's identity is set only from the trust store (a
//! pinned key's own entry) or from a certificate whose signature verified
//! against a trusted root, with the certificate's trusted comment, within
//! its validity window and within the root's name constraints. A pinned
//! key without an identity and without such a certificate has none: its
//! fingerprint is all that is proven.

use super::cert::{Certificate, Validity};
use super::domain::SignatureKind;
use super::identity::Identity;
use super::keyid::KeyId;
use super::minisign::{MinisignSignature, prehash};
use super::pubfile::parse_any_public_key;
use super::trust::TrustStore;
use crate::model::UnixTime;
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
    /// The key itself is in the trust store (not as a root).
    Direct,
    /// The key is an agency root in the trust store, signing itself rather
    /// than through a certified examiner key.
    RootKey,
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
    /// Valid, certified by a trusted root for an organisation or country
    /// outside the root's name constraints.
    CertificateOutOfScope {
        /// The root.
        root_id: KeyId,
        /// The certified organisation and country, `Org (CC)`.
        subject: String,
        /// What the root may certify, `Org (CC)` each.
        may_certify: Vec<String>,
    },
    /// Valid, but a signature of another kind (a key certificate, a
    /// custody event) offered where a file signature was expected.
    WrongKind {
        /// The kind its trusted comment names.
        kind: String,
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
    /// The signer's proven identity: from the trust store, or from a
    /// certificate that verified against a trusted root. `None`: no
    /// certified identity (only the key is known).
    pub signer: Option<Identity>,
    /// Why certificates that were offered did not help.
    pub notes: Vec<String>,
}

impl SignatureStatus {
    /// The stable name of the status: the `status` field of its JSON
    /// (`trusted`, `valid_untrusted`, `unknown_key`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            SignatureStatus::Trusted { .. } => "trusted",
            SignatureStatus::ValidUntrusted => "valid_untrusted",
            SignatureStatus::CertificateExpired { .. } => "certificate_expired",
            SignatureStatus::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
            SignatureStatus::CertificateOutOfScope { .. } => "certificate_out_of_scope",
            SignatureStatus::WrongKind { .. } => "wrong_kind",
            SignatureStatus::UnknownKey => "unknown_key",
            SignatureStatus::Invalid { .. } => "invalid",
            SignatureStatus::Malformed { .. } => "malformed",
        }
    }

    /// Why a status is not [`SignatureStatus::Trusted`], for people (empty
    /// for a trusted one).
    pub fn reason(&self) -> String {
        match self {
            SignatureStatus::Trusted { .. } => String::new(),
            SignatureStatus::ValidUntrusted => {
                "neither the key nor a root certifying it is in the trust store".into()
            }
            SignatureStatus::CertificateExpired {
                root_id,
                valid_until,
            } => format!(
                "its certificate by root {root_id} expired {valid_until}, before the claimed signing time"
            ),
            SignatureStatus::CertificateNotYetValid {
                root_id,
                valid_from,
            } => format!("its certificate by root {root_id} is valid only from {valid_from}"),
            SignatureStatus::CertificateOutOfScope {
                root_id,
                subject,
                may_certify,
            } => format!(
                "its certificate by root {root_id} is for {subject}, outside the root's name constraints (it may certify {})",
                if may_certify.is_empty() {
                    "nothing".to_string()
                } else {
                    may_certify.join("; ")
                }
            ),
            SignatureStatus::WrongKind { kind } => format!(
                "it is a {kind} signature, not a file signature (a signature is accepted only for its own kind)"
            ),
            SignatureStatus::UnknownKey => "no public key for its key number".into(),
            SignatureStatus::Invalid { reason } | SignatureStatus::Malformed { reason } => {
                reason.clone()
            }
        }
    }
}

impl SignatureCheck {
    /// Whether the signature is valid and trusted.
    pub fn is_trusted(&self) -> bool {
        matches!(self.status, SignatureStatus::Trusted { .. })
    }

    /// For a file signature (`sign --verify`): a valid signature whose
    /// trusted comment names an evidentia-internal kind (a key certificate,
    /// a custody event) is refused as [`SignatureStatus::WrongKind`], so a
    /// signature is never accepted outside its domain.
    pub fn require_file_kind(mut self) -> SignatureCheck {
        let kind = self.trusted_comment.as_deref().map(SignatureKind::of);
        if let Some(k) = kind.filter(|k| *k != SignatureKind::File) {
            self.status = SignatureStatus::WrongKind {
                kind: k.name().to_string(),
            };
        }
        self
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

/// A parsed bundled certificate with its file and signature bytes.
type Cert = (Certificate, Vec<u8>, Vec<u8>);

/// Bundled keys and certificates parsed once. A bundle's every custody
/// event is checked against the same `keys/` (up to 16 MiB of them):
/// parsing them once per verification, not once per signature, keeps
/// verify linear in the events.
#[derive(Debug, Clone, Default)]
pub struct PreparedKeys {
    /// The public keys that parse.
    public_keys: Vec<[u8; 32]>,
    /// The certificates that parse, with their bytes and signatures.
    certs: Vec<Cert>,
}

impl PreparedKeys {
    /// Parse `bundled`; what does not parse is left out (it can name or
    /// vouch for nobody).
    pub fn new(bundled: &BundledKeys) -> PreparedKeys {
        PreparedKeys {
            public_keys: bundled
                .public_keys
                .iter()
                .filter_map(|b| parse_any_public_key(b).ok())
                .map(|k| k.public_key)
                .collect(),
            certs: bundled
                .certificates
                .iter()
                .filter_map(|(c, s)| {
                    Certificate::parse(c)
                        .ok()
                        .map(|cert| (cert, c.clone(), s.clone()))
                })
                .collect(),
        }
    }
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
    verify_prepared(
        store,
        digest,
        minisig,
        &PreparedKeys::new(bundled),
        claimed_time,
    )
}

/// [`verify_prehashed_signature`] against keys parsed beforehand, for
/// many signatures over the same keys.
pub fn verify_prepared(
    store: &TrustStore,
    digest: &[u8; 64],
    minisig: &[u8],
    keys: &PreparedKeys,
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
    let certs = &keys.certs;
    let Some(pk) = signer_key(store, keys, &sig, digest, &mut check) else {
        return check;
    };
    let id = KeyId::derive(&pk);
    check.key_id = Some(id);
    check.trusted_comment = Some(sig.trusted_comment.clone());
    if let Some(e) = store.get(&id) {
        check.status = SignatureStatus::Trusted {
            via: if e.root {
                TrustPath::RootKey
            } else {
                TrustPath::Direct
            },
        };
        check.signer = e.identity.clone();
        if check.signer.is_none() {
            // A pinned key without an identity: only a certificate that
            // itself verifies against a trusted root may name it.
            match best_certificate(store, certs, id, claimed_time, &mut check.notes) {
                Some((SignatureStatus::Trusted { .. }, who)) => check.signer = Some(who),
                Some((other, _)) => check.notes.push(format!(
                    "its certificate names no identity: {}",
                    other.reason()
                )),
                None => {}
            }
        }
        return check;
    }
    check.status = SignatureStatus::ValidUntrusted;
    if let Some((status, who)) = best_certificate(store, certs, id, claimed_time, &mut check.notes)
    {
        if matches!(status, SignatureStatus::Trusted { .. }) {
            check.signer = Some(who);
        }
        check.status = status;
    }
    check
}

/// The public key among the candidates (trust store, bundled keys,
/// certificate subjects with the signature's key number) that verifies
/// `sig`; sets `Invalid` when some candidate was tried and none verified.
fn signer_key(
    store: &TrustStore,
    keys: &PreparedKeys,
    sig: &MinisignSignature,
    digest: &[u8; 64],
    check: &mut SignatureCheck,
) -> Option<[u8; 32]> {
    let mut candidates: Vec<[u8; 32]> =
        store.by_keynum(&sig.keynum).map(|e| e.public_key).collect();
    candidates.extend(keys.public_keys.iter().copied());
    candidates.extend(keys.certs.iter().map(|(c, _, _)| c.public_key));
    candidates.retain(|pk| KeyId::derive(pk).keynum() == sig.keynum);
    candidates.dedup();
    let mut failure = None;
    let found = candidates
        .into_iter()
        .find(|pk| match sig.verify_prehashed(pk, digest) {
            Ok(()) => true,
            Err(e) => {
                failure.get_or_insert(e.to_string());
                false
            }
        });
    if found.is_none()
        && let Some(reason) = failure
    {
        check.status = SignatureStatus::Invalid { reason };
    }
    found
}

/// The best outcome among the certificates for key `id`: `Trusted` when
/// one holds, else the first near miss (expired, not yet valid, out of
/// scope), with the identity it names; `None` when no certificate came from
/// a trusted root at all. Why each certificate failed goes to `notes`.
fn best_certificate(
    store: &TrustStore,
    certs: &[Cert],
    id: KeyId,
    claimed_time: UnixTime,
    notes: &mut Vec<String>,
) -> Option<(SignatureStatus, Identity)> {
    let mut best: Option<(SignatureStatus, Identity)> = None;
    for (cert, cert_bytes, sig_bytes) in certs.iter().filter(|(c, _, _)| c.key_id == id) {
        let Some(status) =
            judge_certificate(store, cert, cert_bytes, sig_bytes, claimed_time, notes)
        else {
            continue;
        };
        let trusted = matches!(status, SignatureStatus::Trusted { .. });
        if trusted || best.is_none() {
            best = Some((status, cert.identity.clone()));
        }
        if trusted {
            break;
        }
    }
    best
}

/// How one certificate stands against a trust store at a time, by the
/// rules of trust resolution (step 5 of `docs/formats/keys.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateJudgement {
    /// What the certificate gives its subject (trusted, or a near miss:
    /// expired, not yet valid, out of scope); `None` when it does not come
    /// from a trusted root at all.
    pub status: Option<SignatureStatus>,
    /// Why it does not come from a trusted root, when it does not.
    pub notes: Vec<String>,
}

/// Judge one certificate (its file and signature bytes) against `store`
/// at `at`, with the same code that resolves a signer's trust: for
/// `key import` of another party's certificate, and to say which offered
/// certificate failed and why.
pub fn judge_certificate_files(
    store: &TrustStore,
    cert: &Certificate,
    cert_bytes: &[u8],
    sig_bytes: &[u8],
    at: UnixTime,
) -> CertificateJudgement {
    let mut notes = Vec::new();
    let status = judge_certificate(store, cert, cert_bytes, sig_bytes, at, &mut notes);
    CertificateJudgement { status, notes }
}

/// One certificate: `None` when it does not come from a trusted root (the
/// reason in `notes`), else the status it gives its subject.
fn judge_certificate(
    store: &TrustStore,
    cert: &Certificate,
    cert_bytes: &[u8],
    sig_bytes: &[u8],
    claimed_time: UnixTime,
    notes: &mut Vec<String>,
) -> Option<SignatureStatus> {
    let Some(root) = store.get(&cert.issuer_key_id) else {
        notes.push(format!(
            "certificate issuer {} is not in the trust store",
            cert.issuer_key_id.short()
        ));
        return None;
    };
    if !root.root {
        notes.push(format!(
            "certificate issuer {} is trusted but not as a root",
            root.key_id.short()
        ));
        return None;
    }
    let sig = MinisignSignature::parse(sig_bytes);
    if let Err(e) = sig.as_ref().map_err(|e| e.to_string()).and_then(|s| {
        s.verify(&root.public_key, cert_bytes)
            .map_err(|e| e.to_string())
    }) {
        notes.push(format!("certificate by root {}: {e}", root.key_id.short()));
        return None;
    }
    // Domain separation: only a signature made as a certificate, for this
    // subject, issuer and issue time, certifies.
    let want = cert.trusted_comment();
    if sig.ok().map(|s| s.trusted_comment) != Some(want) {
        notes.push(format!(
            "a signature by root {} over the certificate is not a certificate signature (its trusted comment is not the certificate comment)",
            root.key_id.short()
        ));
        return None;
    }
    if !root.may_certify(&cert.identity) {
        return Some(SignatureStatus::CertificateOutOfScope {
            root_id: root.key_id,
            subject: format!("{} ({})", cert.identity.org, cert.identity.country),
            may_certify: root.scope().iter().map(|s| s.display()).collect(),
        });
    }
    Some(match cert.validity_at(claimed_time) {
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
    })
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
