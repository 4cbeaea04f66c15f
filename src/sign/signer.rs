//! A ready-to-use signing key: the decrypted secret key, its identity, its
//! public key file and its certificate, as the seal and custody code needs.

use super::cert::Certificate;
use super::identity::Identity;
use super::keyfile::{KeyFile, SecretKey};
use super::keyid::KeyId;
use super::minisign::{MinisignPublicKey, MinisignSignature};

/// A decrypted signing key with everything a bundle carries about it.
/// `Debug` shows the key id only.
pub struct Signer {
    key: SecretKey,
    identity: Identity,
    root: bool,
    certificate: Option<(Vec<u8>, Vec<u8>)>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.key.key_id())
    }
}

impl Signer {
    /// Bundle a decrypted key with its certificate (certificate file
    /// bytes, signature file bytes). The identity is the certificate's
    /// (role included) when there is one for this key: that is what a
    /// verifier proves and compares events with, not the key file's own
    /// claim; otherwise the key file's.
    pub fn new(file: &KeyFile, key: SecretKey, certificate: Option<(Vec<u8>, Vec<u8>)>) -> Signer {
        let certified = certificate
            .as_ref()
            .and_then(|(c, _)| Certificate::parse(c).ok())
            .filter(|c| c.public_key == key.public_key())
            .map(|c| c.identity);
        Signer {
            identity: certified.unwrap_or_else(|| file.identity.clone()),
            key,
            root: file.root,
            certificate,
        }
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.key.key_id()
    }

    /// The identity events name as their actor: the certificate's when
    /// the key is certified, else the key file's.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Whether this is an agency root key.
    pub fn is_root(&self) -> bool {
        self.root
    }

    /// The raw public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.public_key()
    }

    /// The decrypted key (for issuing certificates and self-signatures).
    pub fn secret_key(&self) -> &SecretKey {
        &self.key
    }

    /// Sign `data`: the bytes of a minisign `ED` signature file with
    /// `trusted_comment` (one line) covered by the global signature.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> Vec<u8> {
        let untrusted = format!("signature from evidentia key {}", self.key_id().short());
        MinisignSignature::create(
            self.key.pair(),
            self.key_id().keynum(),
            data,
            trusted_comment,
            &untrusted,
        )
        .to_bytes()
    }

    /// The secret the disclosure salts of bundle `bundle_id` derive from
    /// (`model::disclosure`): a hash of this key's deterministic Ed25519
    /// signature over a domain-separated message, which only the key's
    /// holder can compute and which is never published.
    pub fn disclosure_secret(&self, bundle_id: &str) -> [u8; 32] {
        let sig = self
            .key
            .pair()
            .sign(&crate::model::disclosure::secret_message(bundle_id));
        crate::model::disclosure::secret_from_signature(sig.as_ref())
    }

    /// Like [`Signer::sign`], over a BLAKE2b-512 digest of the data
    /// ([`super::minisign::prehash_reader`]) so large files stream.
    pub fn sign_prehashed(&self, digest: &[u8; 64], trusted_comment: &str) -> Vec<u8> {
        let untrusted = format!("signature from evidentia key {}", self.key_id().short());
        MinisignSignature::create_prehashed(
            self.key.pair(),
            self.key_id().keynum(),
            digest,
            trusted_comment,
            &untrusted,
        )
        .to_bytes()
    }

    /// The minisign public key file (`keys/<KEYID>.pub` in a bundle).
    pub fn public_key_file(&self) -> Vec<u8> {
        MinisignPublicKey {
            keynum: self.key_id().keynum(),
            public_key: self.public_key(),
        }
        .to_bytes()
    }

    /// The certificate file and its signature file, when one was imported.
    pub fn certificate_files(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        self.certificate.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::keyfile::Protection;

    #[test]
    fn the_certificate_names_the_signer() {
        let own = Identity::new("Jana", "Lab", "CZ", None, Some("analyst")).unwrap();
        let (f, k) = KeyFile::generate(own.clone(), false, 0, Protection::None).unwrap();
        let root_id = Identity::new("Root", "Lab", "CZ", None, None).unwrap();
        let (_, root) = KeyFile::generate(root_id, true, 0, Protection::None).unwrap();
        let certified = Identity::new("Jana", "Lab", "CZ", None, Some("examiner")).unwrap();
        let cert = Certificate::issue(&root, k.public_key(), certified.clone(), 0, 10, 0).unwrap();
        let (_, k2) = KeyFile::generate(own.clone(), false, 0, Protection::None).unwrap();
        let other =
            Certificate::issue(&root, k2.public_key(), certified.clone(), 0, 10, 0).unwrap();
        assert_eq!(Signer::new(&f, k, Some(cert)).identity(), &certified);
        // A certificate for another key names nobody here.
        let (f3, k3) = KeyFile::generate(own.clone(), false, 0, Protection::None).unwrap();
        assert_eq!(Signer::new(&f3, k3, Some(other)).identity(), &own);
    }
}
