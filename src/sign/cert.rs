//! Key certificates: an agency root key vouches for an examiner's public
//! key, identity and role within a validity window. The certificate is a
//! JSON file signed as-is by the root key with a minisign signature, so a
//! court can check it with stock `minisign`.

use super::identity::Identity;
use super::keyfile::SecretKey;
use super::keyid::KeyId;
use super::minisign::MinisignSignature;
use super::{SignError, b64, parse_json};
use crate::model::{UnixTime, format_rfc3339_utc, parse_rfc3339_or_date};
use serde::{Deserialize, Serialize};

/// `type` of a key certificate.
pub const CERTIFICATE_TYPE: &str = "evidentia/key-certificate/v1";
/// `type` of the certificate bundle `key certify` prints.
pub const CERT_BUNDLE_TYPE: &str = "evidentia/key-certificate-bundle/v1";

/// A key certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    #[serde(rename = "type")]
    kind: String,
    /// The certified key's id.
    pub key_id: KeyId,
    /// The certified raw public key.
    #[serde(with = "b64::array32")]
    pub public_key: [u8; 32],
    /// The identity the root vouches for (role included).
    pub identity: Identity,
    /// The certified key's age recipient (`age1...`): what a sender
    /// encrypts to. Absent in certificates issued for keys made before
    /// encryption keys existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// The root key's id.
    pub issuer_key_id: KeyId,
    /// Start of validity (RFC 3339).
    pub valid_from: String,
    /// End of validity (RFC 3339).
    pub valid_until: String,
    /// When the root signed it (RFC 3339).
    pub issued_at: String,
}

/// A validity problem at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// The time is within the window.
    Valid,
    /// The time is before `valid_from`.
    NotYetValid,
    /// The time is after `valid_until`.
    Expired,
}

impl Certificate {
    /// Issue a certificate for `public_key`, signed by `root`: returns the
    /// certificate file bytes and its minisign signature file bytes.
    pub fn issue(
        root: &SecretKey,
        public_key: [u8; 32],
        identity: Identity,
        valid_from: UnixTime,
        valid_until: UnixTime,
        issued_at: UnixTime,
    ) -> Result<(Vec<u8>, Vec<u8>), SignError> {
        let window = (valid_from, valid_until, issued_at);
        Self::issue_with_recipient(root, public_key, identity, None, window)
    }

    /// [`Certificate::issue`], also certifying the key's age `recipient`
    /// (checked: it must parse). `window` is (valid from, valid until,
    /// issued at).
    pub fn issue_with_recipient(
        root: &SecretKey,
        public_key: [u8; 32],
        identity: Identity,
        recipient: Option<String>,
        window: (UnixTime, UnixTime, UnixTime),
    ) -> Result<(Vec<u8>, Vec<u8>), SignError> {
        let (valid_from, valid_until, issued_at) = window;
        identity.validate()?;
        if let Some(r) = &recipient {
            super::agekey::parse_recipient("certificate", r)?;
        }
        if valid_until <= valid_from {
            return Err(SignError::Malformed {
                what: "certificate",
                reason: "valid_until must be after valid_from".into(),
            });
        }
        let cert = Certificate {
            kind: CERTIFICATE_TYPE.to_string(),
            key_id: KeyId::derive(&public_key),
            public_key,
            identity,
            recipient,
            issuer_key_id: root.key_id(),
            valid_from: format_rfc3339_utc(valid_from),
            valid_until: format_rfc3339_utc(valid_until),
            issued_at: format_rfc3339_utc(issued_at),
        };
        let mut bytes = serde_json::to_vec_pretty(&cert).unwrap_or_default();
        bytes.push(b'\n');
        let sig = MinisignSignature::create(
            root.pair(),
            root.key_id().keynum(),
            &bytes,
            &cert.trusted_comment(),
            &format!(
                "evidentia key certificate signed by {}",
                root.key_id().short()
            ),
        );
        Ok((bytes, sig.to_bytes()))
    }

    /// Parse a certificate file (at most 64 KiB) and check its internal
    /// consistency (type, key id, identity, timestamps).
    pub fn parse(bytes: &[u8]) -> Result<Certificate, SignError> {
        const WHAT: &str = "certificate";
        let c: Certificate = parse_json(WHAT, bytes)?;
        if c.kind != CERTIFICATE_TYPE {
            return Err(SignError::Malformed {
                what: WHAT,
                reason: "unknown type".into(),
            });
        }
        if KeyId::derive(&c.public_key) != c.key_id {
            return Err(SignError::Malformed {
                what: WHAT,
                reason: "the key id does not match the public key".into(),
            });
        }
        c.identity.validate()?;
        if let Some(r) = &c.recipient {
            super::agekey::parse_recipient(WHAT, r)?;
        }
        for t in [&c.valid_from, &c.valid_until, &c.issued_at] {
            parse_rfc3339_or_date(t)?;
        }
        Ok(c)
    }

    /// The trusted comment its signature must carry, exactly: the
    /// certificate kind ([`super::domain::CERTIFICATE_PREFIX`]) and its
    /// subject, issuer and issue time, so that no other signature by the
    /// root (a plain `sign`, a custody event) passes as a certificate.
    pub fn trusted_comment(&self) -> String {
        format!(
            "{}subject:{}\tissuer:{}\tissued:{}",
            super::domain::CERTIFICATE_PREFIX,
            self.key_id,
            self.issuer_key_id,
            self.issued_at
        )
    }

    /// Whether `at` falls within the validity window.
    pub fn validity_at(&self, at: UnixTime) -> Validity {
        let from = parse_rfc3339_or_date(&self.valid_from).unwrap_or(i64::MAX);
        let until = parse_rfc3339_or_date(&self.valid_until).unwrap_or(i64::MIN);
        if at < from {
            Validity::NotYetValid
        } else if at > until {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }
}

/// What `key certify` prints: the certificate and its signature in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertBundle {
    #[serde(rename = "type")]
    kind: String,
    /// The certificate file, as text.
    pub certificate: String,
    /// Its minisign signature file, as text.
    pub signature: String,
}

impl CertBundle {
    /// Wrap a certificate and its signature.
    pub fn new(certificate: &[u8], signature: &[u8]) -> CertBundle {
        CertBundle {
            kind: CERT_BUNDLE_TYPE.to_string(),
            certificate: String::from_utf8_lossy(certificate).into_owned(),
            signature: String::from_utf8_lossy(signature).into_owned(),
        }
    }

    /// Parse a bundle and the certificate and signature it holds.
    pub fn parse(bytes: &[u8]) -> Result<(Certificate, CertBundle), SignError> {
        let b: CertBundle = parse_json("certificate bundle", bytes)?;
        if b.kind != CERT_BUNDLE_TYPE {
            return Err(SignError::Malformed {
                what: "certificate bundle",
                reason: "unknown type".into(),
            });
        }
        let c = Certificate::parse(b.certificate.as_bytes())?;
        MinisignSignature::parse(b.signature.as_bytes())?;
        Ok((c, b))
    }

    /// Pretty JSON and a newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}
