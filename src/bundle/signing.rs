//! The examiner's key as an [`EventSigner`]: a thin adapter from
//! [`crate::sign::Signer`] to what the seal needs.

use super::{EventSigner, SignFailure};
use crate::model::Actor;
use crate::sign::Signer;

impl EventSigner for Signer {
    fn key_id(&self) -> String {
        Signer::key_id(self).to_string()
    }

    fn actor(&self) -> Actor {
        let id = self.identity();
        Actor {
            key_id: Some(Signer::key_id(self).to_string()),
            name: Some(id.name.clone()),
            organisation: Some(id.org.clone()),
            country: Some(id.country.clone()),
            role: id.role.clone(),
        }
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
}
