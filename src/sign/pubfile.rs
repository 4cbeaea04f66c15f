//! The evidentia public key file: key id, raw public key, identity and root
//! flag, self-signed so that a typo or a truncated copy is caught. Anything
//! that accepts a public key also takes a minisign public key file.

use super::identity::Identity;
use super::keyfile::{KeyFile, SecretKey};
use super::keyid::KeyId;
use super::minisign::MinisignPublicKey;
use super::{SignError, b64, parse_json};
use crate::model::{UnixTime, format_rfc3339_utc};
use ring::signature::{ED25519, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

/// `type` of a public key file.
pub const PUBLIC_KEY_TYPE: &str = "evidentia/public-key/v1";
const SELF_SIG_DOMAIN: &[u8] = b"evidentia/public-key/v1\0";

/// A self-signed public key file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyFile {
    #[serde(rename = "type")]
    kind: String,
    /// The key id.
    pub key_id: KeyId,
    /// The raw public key.
    #[serde(with = "b64::array32")]
    pub public_key: [u8; 32],
    /// Who the key belongs to.
    pub identity: Identity,
    /// Whether the key is an agency root key.
    pub root: bool,
    /// When the file was exported (RFC 3339).
    pub exported: String,
    /// The key's age recipient (`age1...`), covered by the self-signature;
    /// absent for keys made before encryption keys existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// Base64 Ed25519 signature by the key itself (see docs/formats/keys.md).
    pub self_signature: String,
}

/// The signed part, in a fixed field order.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    key_id: &'a KeyId,
    #[serde(with = "b64::array32")]
    public_key: &'a [u8; 32],
    identity: &'a Identity,
    root: bool,
    exported: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
}

impl PublicKeyFile {
    fn signed_message(&self) -> Vec<u8> {
        let body = Body {
            kind: &self.kind,
            key_id: &self.key_id,
            public_key: &self.public_key,
            identity: &self.identity,
            root: self.root,
            exported: &self.exported,
            recipient: self.recipient.as_deref(),
        };
        [
            SELF_SIG_DOMAIN.to_vec(),
            serde_json::to_vec(&body).unwrap_or_default(),
        ]
        .concat()
    }

    /// Export the public half of `file`, self-signed with `key`.
    pub fn export(file: &KeyFile, key: &SecretKey, now: UnixTime) -> PublicKeyFile {
        let mut p = PublicKeyFile {
            kind: PUBLIC_KEY_TYPE.to_string(),
            key_id: file.key_id,
            public_key: file.public_key,
            identity: file.identity.clone(),
            root: file.root,
            exported: format_rfc3339_utc(now),
            recipient: file.recipient.clone(),
            self_signature: String::new(),
        };
        p.self_signature = b64::encode(key.pair().sign(&p.signed_message()).as_ref());
        p
    }

    /// Parse and check the type, key id and self-signature.
    pub fn parse(bytes: &[u8]) -> Result<PublicKeyFile, SignError> {
        const WHAT: &str = "public key file";
        let p: PublicKeyFile = parse_json(WHAT, bytes)?;
        let bad = |r: &str| SignError::Malformed {
            what: WHAT,
            reason: r.into(),
        };
        if p.kind != PUBLIC_KEY_TYPE {
            return Err(bad("unknown type"));
        }
        if KeyId::derive(&p.public_key) != p.key_id {
            return Err(bad("the key id does not match the public key"));
        }
        p.identity.validate()?;
        if let Some(r) = &p.recipient {
            super::agekey::parse_recipient(WHAT, r)?;
        }
        let sig = b64::decode(&p.self_signature).ok_or_else(|| bad("invalid self-signature"))?;
        UnparsedPublicKey::new(&ED25519, &p.public_key)
            .verify(&p.signed_message(), &sig)
            .map_err(|_| bad("the self-signature does not verify"))?;
        Ok(p)
    }

    /// Pretty JSON and a newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

/// A public key read from either format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnyPublicKey {
    /// The raw public key.
    pub public_key: [u8; 32],
    /// The identity, when the file carries one.
    pub identity: Option<Identity>,
    /// The root flag the file claims (false for minisign files).
    pub root: bool,
    /// The age recipient the key's self-signature binds to it (evidentia
    /// public key files only).
    pub recipient: Option<String>,
}

impl AnyPublicKey {
    /// The key id.
    pub fn key_id(&self) -> KeyId {
        KeyId::derive(&self.public_key)
    }
}

/// Parse an evidentia public key file, or else a minisign public key file.
pub fn parse_any_public_key(bytes: &[u8]) -> Result<AnyPublicKey, SignError> {
    if bytes.trim_ascii_start().starts_with(b"{") {
        let p = PublicKeyFile::parse(bytes)?;
        return Ok(AnyPublicKey {
            public_key: p.public_key,
            identity: Some(p.identity),
            root: p.root,
            recipient: p.recipient,
        });
    }
    let m = MinisignPublicKey::parse(bytes)?;
    Ok(AnyPublicKey {
        public_key: m.public_key,
        identity: None,
        root: false,
        recipient: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::keyfile::Protection;

    fn k_other_recipient() -> String {
        let id = Identity::new("X", "Y", "NL", None, None).unwrap();
        KeyFile::generate(id, false, 0, Protection::None)
            .unwrap()
            .1
            .recipient()
    }

    #[test]
    fn self_signed_round_trip_and_tamper() {
        let id = Identity::new("A", "B", "CZ", None, None).unwrap();
        let (f, k) = KeyFile::generate(id, true, 0, Protection::None).unwrap();
        let p = PublicKeyFile::export(&f, &k, 5);
        let bytes = p.to_bytes();
        assert_eq!(PublicKeyFile::parse(&bytes).unwrap(), p);
        let any = parse_any_public_key(&bytes).unwrap();
        assert!(any.root);
        assert_eq!(any.key_id(), f.key_id);
        let tampered = String::from_utf8(bytes)
            .unwrap()
            .replace("\"root\": true", "\"root\": false");
        assert!(PublicKeyFile::parse(tampered.as_bytes()).is_err());
        // The recipient is covered by the self-signature.
        let other = k_other_recipient();
        let swapped = String::from_utf8(p.to_bytes())
            .unwrap()
            .replace(p.recipient.as_deref().unwrap(), &other);
        let e = PublicKeyFile::parse(swapped.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("self-signature"), "{e}");
        // A file without one (made before encryption keys) still verifies.
        let mut old = p.clone();
        old.recipient = None;
        old.self_signature = b64::encode(k.pair().sign(&old.signed_message()).as_ref());
        let text = String::from_utf8(old.to_bytes()).unwrap();
        assert!(!text.contains("recipient"));
        assert_eq!(PublicKeyFile::parse(text.as_bytes()).unwrap(), old);
        let m = MinisignPublicKey {
            keynum: f.key_id.keynum(),
            public_key: f.public_key,
        };
        assert_eq!(
            parse_any_public_key(&m.to_bytes()).unwrap().public_key,
            f.public_key
        );
    }
}
