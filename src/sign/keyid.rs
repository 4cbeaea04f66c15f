//! Key ids: SHA-256 over a domain prefix and the raw Ed25519 public key.
//!
//! The first 8 bytes fill minisign's key-number slot, so a minisign
//! signature names the key that made it. A key id is only a hint for
//! finding a key: verification always uses a public key held locally.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;

/// Domain prefix of the key id hash (see docs/formats/keys.md).
pub const KEY_ID_DOMAIN: &[u8] = b"evidentia/key-id/v1\0";

/// The id of an Ed25519 public key: 32 bytes, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 32]);

impl KeyId {
    /// Derive the id of a raw 32-byte Ed25519 public key.
    pub fn derive(public_key: &[u8; 32]) -> KeyId {
        let mut h = Sha256::new();
        h.update(KEY_ID_DOMAIN);
        h.update(public_key);
        let mut id = [0u8; 32];
        id.copy_from_slice(&h.finalize());
        KeyId(id)
    }

    /// The first 8 bytes: minisign's key number.
    pub fn keynum(&self) -> [u8; 8] {
        let mut k = [0u8; 8];
        k.copy_from_slice(&self.0[..8]);
        k
    }

    /// The full id as 64 lowercase hex digits.
    pub fn hex(&self) -> String {
        hex(&self.0)
    }

    /// A short form for people: the first 16 hex digits (the key number).
    pub fn short(&self) -> String {
        hex(&self.0[..8])
    }

    /// The fingerprint read out for out-of-band confirmation: the full id in
    /// uppercase groups of four hex digits.
    pub fn fingerprint(&self) -> String {
        let h = self.hex().to_ascii_uppercase();
        let groups: Vec<&str> = h
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        groups.join(" ")
    }

    /// Parse 64 hex digits.
    pub fn parse(s: &str) -> Option<KeyId> {
        let b = unhex(s)?;
        <[u8; 32]>::try_from(b.as_slice()).ok().map(KeyId)
    }

    /// Whether `prefix` (hex digits, any case) is a prefix of this id.
    pub fn matches_prefix(&self, prefix: &str) -> bool {
        !prefix.is_empty() && self.hex().starts_with(&prefix.to_ascii_lowercase())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.hex())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyId, D::Error> {
        let s = String::deserialize(d)?;
        KeyId::parse(&s).ok_or_else(|| serde::de::Error::custom("a key id is 64 hex digits"))
    }
}

/// Lowercase hex of `bytes` (the one encoder in `hash`).
pub fn hex(bytes: &[u8]) -> String {
    crate::hash::to_hex(bytes)
}

/// Decode hex digits (any case); `None` unless the length is even and every
/// character is a hex digit.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    crate::hash::from_hex(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_is_domain_separated_sha256() {
        let pk = [7u8; 32];
        let id = KeyId::derive(&pk);
        let plain: [u8; 32] = Sha256::digest(pk).into();
        assert_ne!(id.0, plain);
        let mut h = Sha256::new();
        h.update(b"evidentia/key-id/v1\0");
        h.update(pk);
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(id.0, expected);
        assert_eq!(id.keynum(), expected[..8]);
    }

    #[test]
    fn hex_round_trip_and_prefix() {
        let id = KeyId::derive(&[1u8; 32]);
        assert_eq!(KeyId::parse(&id.hex()), Some(id));
        assert_eq!(KeyId::parse(&id.hex().to_ascii_uppercase()), Some(id));
        assert!(id.matches_prefix(&id.hex()[..6].to_ascii_uppercase()));
        assert!(!id.matches_prefix(""));
        assert_eq!(KeyId::parse("abc"), None);
        assert_eq!(KeyId::parse(&"zz".repeat(32)), None);
        let fp = id.fingerprint();
        assert_eq!(fp.split(' ').count(), 16);
        assert_eq!(fp.replace(' ', "").to_ascii_lowercase(), id.hex());
    }
}
