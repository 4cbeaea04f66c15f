//! The examiner's key as an [`EventSigner`]: a thin adapter from
//! [`crate::sign::Signer`] to what the seal needs, and
//! [`CertifiedSigner`], which also carries the public key of the root that
//! certified it so that the bundle holds everything a court needs to check
//! the certificate with stock tools (`keys/<ROOTID>.pub`).

use super::{EventSigner, SignFailure, layout};
use crate::model::Actor;
use crate::sign::{Certificate, KeyId, MinisignPublicKey, Signer};

impl EventSigner for Signer {
    fn key_id(&self) -> String {
        Signer::key_id(self).to_string()
    }

    fn actor(&self) -> Actor {
        Actor::claiming(
            Some(Signer::key_id(self).to_string()),
            self.identity().who(),
        )
    }

    fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<Vec<u8>, SignFailure> {
        Ok(Signer::sign(self, data, trusted_comment))
    }

    fn public_key_file(&self) -> Vec<u8> {
        Signer::public_key_file(self)
    }

    fn certificate_files(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        Signer::certificate_files(self)
    }

    fn disclosure_secret(&self, bundle_id: &str) -> Option<[u8; 32]> {
        Some(Signer::disclosure_secret(self, bundle_id))
    }
}

/// A [`Signer`] with the public key of the root that issued its
/// certificate. The root key is kept only when it is the certificate's
/// issuer (its key id is the certificate's `issuer_key_id`), so a bundle
/// never carries a root key that certifies nothing in it.
#[derive(Debug)]
pub struct CertifiedSigner<'a> {
    signer: &'a Signer,
    root: Option<(KeyId, [u8; 32])>,
}

impl<'a> CertifiedSigner<'a> {
    /// `signer`, with `root_public_key` when that is the key of the root
    /// that issued the signer's certificate (ignored otherwise, and when
    /// the signer has no certificate).
    pub fn new(signer: &'a Signer, root_public_key: Option<[u8; 32]>) -> CertifiedSigner<'a> {
        let issuer = Self::issuer(signer);
        let root = root_public_key
            .map(|pk| (KeyId::derive(&pk), pk))
            .filter(|(id, _)| Some(id) == issuer.as_ref())
            // A key certifying itself is already carried as the signer's.
            .filter(|(id, _)| *id != signer.key_id());
        CertifiedSigner { signer, root }
    }

    /// The key id of the root that issued `signer`'s certificate, if it
    /// has one that parses (what to look up before [`CertifiedSigner::new`]).
    pub fn issuer(signer: &Signer) -> Option<KeyId> {
        let (cert, _) = signer.certificate_files()?;
        Certificate::parse(&cert).ok().map(|c| c.issuer_key_id)
    }

    /// Whether the root's public key is carried.
    pub fn has_root(&self) -> bool {
        self.root.is_some()
    }
}

impl EventSigner for CertifiedSigner<'_> {
    fn key_id(&self) -> String {
        EventSigner::key_id(self.signer)
    }

    fn actor(&self) -> Actor {
        EventSigner::actor(self.signer)
    }

    fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<Vec<u8>, SignFailure> {
        EventSigner::sign(self.signer, data, trusted_comment)
    }

    fn public_key_file(&self) -> Vec<u8> {
        EventSigner::public_key_file(self.signer)
    }

    fn certificate_files(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        EventSigner::certificate_files(self.signer)
    }

    fn disclosure_secret(&self, bundle_id: &str) -> Option<[u8; 32]> {
        EventSigner::disclosure_secret(self.signer, bundle_id)
    }

    fn issuer_key_file(&self) -> Option<(String, Vec<u8>)> {
        let (id, public_key) = self.root?;
        let file = MinisignPublicKey {
            keynum: id.keynum(),
            public_key,
        };
        Some((layout::public_key_name(&id.to_string()), file.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::keyfile::{KeyFile, Protection};
    use crate::sign::{Identity, pubfile};

    fn certified() -> (Signer, [u8; 32]) {
        let me = Identity::new("Jana", "Lab", "CZ", None, Some("examiner")).unwrap();
        let (f, k) = KeyFile::generate(me.clone(), false, 0, Protection::None).unwrap();
        let root_id = Identity::new("Root", "Lab", "CZ", None, None).unwrap();
        let (_, root) = KeyFile::generate(root_id, true, 0, Protection::None).unwrap();
        let cert = Certificate::issue(&root, k.public_key(), me, 0, 10, 0).unwrap();
        (Signer::new(&f, k, Some(cert)), root.public_key())
    }

    #[test]
    fn the_issuing_root_is_carried_as_a_minisign_key_file_named_by_its_id() {
        let (s, root) = certified();
        let c = CertifiedSigner::new(&s, Some(root));
        let (name, bytes) = c.issuer_key_file().unwrap();
        let id = KeyId::derive(&root);
        assert_eq!(name, format!("keys/{id}.pub"));
        assert_eq!(CertifiedSigner::issuer(&s), Some(id));
        let parsed = pubfile::parse_any_public_key(&bytes).unwrap();
        assert_eq!(parsed.public_key, root);
        assert_eq!(
            MinisignPublicKey::parse(&bytes).unwrap().keynum,
            id.keynum()
        );
    }

    #[test]
    fn a_key_that_did_not_issue_the_certificate_is_not_carried() {
        let (s, _) = certified();
        let (_, other) = certified();
        assert!(
            CertifiedSigner::new(&s, Some(other))
                .issuer_key_file()
                .is_none()
        );
        assert!(!CertifiedSigner::new(&s, None).has_root());
        // An uncertified signer carries no root at all.
        let me = Identity::new("Jana", "Lab", "CZ", None, None).unwrap();
        let (f, k) = KeyFile::generate(me, false, 0, Protection::None).unwrap();
        let bare = Signer::new(&f, k, None);
        assert_eq!(CertifiedSigner::issuer(&bare), None);
        assert!(
            CertifiedSigner::new(&bare, Some(other))
                .issuer_key_file()
                .is_none()
        );
    }
}
