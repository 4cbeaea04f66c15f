//! Certificates of other parties' keys, kept for trust resolution
//! (`<home>/keys/foreign/`), and certificates offered on the command line.
//!
//! A lab that trusts agency A's root keeps the certificate of one of A's
//! examiners here (`key import`), so that the examiner's standalone
//! signatures (`sign --verify`) resolve to A's root without the certificate
//! travelling beside each signature. The same certificate can instead be
//! offered per check (`sign --verify --cert FILE`, read by
//! [`read_certificate`]).
//!
//! Invariants: a file here is public data that vouches for nothing by
//! itself and is never a signing key. Every use resolves it again against
//! the trust store (`verify.rs`, the code that resolves a bundle's `keys/`),
//! so removing the root from the trust store ends its effect. Files are
//! named by the certified key's id and written whole (a temporary file,
//! then a rename); nothing here decides whether a certificate is admitted
//! (the caller judges it with [`super::judge_certificate_files`]).

use super::cert::{CERT_BUNDLE_TYPE, CERTIFICATE_TYPE, CertBundle, Certificate};
use super::keyfile::write_new_private;
use super::keyid::KeyId;
use super::keystore::create_private_dir;
use super::minisign::MinisignSignature;
use super::{SignError, read_small};
use std::path::{Path, PathBuf};

/// A parsed certificate with the exact bytes of its file and of its
/// minisign signature file (the signature covers the file byte for byte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFile {
    /// The parsed certificate.
    pub certificate: Certificate,
    /// The certificate file's bytes.
    pub cert_bytes: Vec<u8>,
    /// Its minisign signature file's bytes.
    pub sig_bytes: Vec<u8>,
}

impl CertFile {
    /// A certificate file and its signature file; both must parse.
    pub fn new(cert_bytes: Vec<u8>, sig_bytes: Vec<u8>) -> Result<CertFile, SignError> {
        let certificate = Certificate::parse(&cert_bytes)?;
        MinisignSignature::parse(&sig_bytes)?;
        Ok(CertFile {
            certificate,
            cert_bytes,
            sig_bytes,
        })
    }

    /// Parse a certificate bundle (what `key certify` prints and
    /// `sign --with-cert` writes).
    pub fn from_bundle(bytes: &[u8]) -> Result<CertFile, SignError> {
        let (_, b) = CertBundle::parse(bytes)?;
        CertFile::new(b.certificate.into_bytes(), b.signature.into_bytes())
    }

    /// The certificate bundle holding both files.
    pub fn to_bundle(&self) -> CertBundle {
        CertBundle::new(&self.cert_bytes, &self.sig_bytes)
    }

    /// The certificate and signature files, as [`super::BundledKeys`]
    /// carries them.
    pub fn files(&self) -> (Vec<u8>, Vec<u8>) {
        (self.cert_bytes.clone(), self.sig_bytes.clone())
    }
}

/// Read a certificate offered on the command line: a certificate bundle
/// (`evidentia/key-certificate-bundle/v1`), or a certificate file
/// (`evidentia/key-certificate/v1`, e.g. `keys/<KEYID>.cert.json` from a
/// bundle) with its signature beside it as `<FILE>.minisig`.
pub fn read_certificate(path: &Path) -> Result<CertFile, SignError> {
    let bytes = read_small("certificate", path)?;
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    let kind = serde_json::from_slice::<Kind>(&bytes)
        .ok()
        .and_then(|k| k.kind);
    match kind.as_deref() {
        Some(CERT_BUNDLE_TYPE) => CertFile::from_bundle(&bytes),
        Some(CERTIFICATE_TYPE) => {
            let mut sig_path = path.as_os_str().to_owned();
            sig_path.push(".minisig");
            let sig = read_small("certificate signature", Path::new(&sig_path))?;
            CertFile::new(bytes, sig)
        }
        _ => Err(SignError::Malformed {
            what: "certificate",
            reason: format!(
                "neither a certificate bundle ({CERT_BUNDLE_TYPE}) nor a certificate ({CERTIFICATE_TYPE})"
            ),
        }),
    }
}

/// The directory of other parties' certificates.
#[derive(Debug, Clone)]
pub struct ForeignStore {
    dir: PathBuf,
}

const CERT_SUFFIX: &str = ".cert.json";
const SIG_SUFFIX: &str = ".cert.json.minisig";

impl ForeignStore {
    /// The store in `dir` (it need not exist yet).
    pub fn open(dir: impl Into<PathBuf>) -> ForeignStore {
        ForeignStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn paths(&self, id: &KeyId) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("{id}{CERT_SUFFIX}")),
            self.dir.join(format!("{id}{SIG_SUFFIX}")),
        )
    }

    /// The key ids stored, from the file names alone (so that a damaged
    /// file can still be removed), sorted.
    pub fn ids(&self) -> Result<Vec<KeyId>, SignError> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(SignError::io("cannot read", &self.dir, e)),
        };
        let mut ids = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| SignError::io("cannot read", &self.dir, e))?;
            let name = entry.file_name();
            let id = name
                .to_str()
                .and_then(|n| n.strip_suffix(CERT_SUFFIX))
                .and_then(KeyId::parse);
            ids.extend(id);
        }
        ids.sort();
        Ok(ids)
    }

    /// Every stored certificate, sorted by key id. A file that does not
    /// parse is an error naming it (`key remove` takes it away).
    pub fn list(&self) -> Result<Vec<CertFile>, SignError> {
        self.ids()?.iter().map(|id| self.get(id)).collect()
    }

    /// The certificate stored for exactly `id`.
    fn get(&self, id: &KeyId) -> Result<CertFile, SignError> {
        let (c, s) = self.paths(id);
        let cert = read_small("certificate", &c)?;
        let sig = read_small("certificate signature", &s)?;
        let file = CertFile::new(cert, sig).map_err(|e| damaged(&c, e))?;
        if file.certificate.key_id != *id {
            return Err(damaged(
                &c,
                "it certifies another key than its file name says",
            ));
        }
        Ok(file)
    }

    /// Store `cert` under its key's id, replacing (and returning) the
    /// one stored for that key before, if any: one certificate per key.
    pub fn add(&self, cert: &CertFile) -> Result<Option<CertFile>, SignError> {
        create_private_dir(&self.dir)?;
        let id = cert.certificate.key_id;
        let old = self.ids()?.contains(&id).then(|| self.get(&id).ok());
        let (c, s) = self.paths(&id);
        // The signature first: a certificate file is listed only once
        // both are in place.
        for (path, bytes) in [(&s, &cert.sig_bytes), (&c, &cert.cert_bytes)] {
            let tmp = path.with_extension("tmp");
            let _ = std::fs::remove_file(&tmp);
            write_new_private(&tmp, bytes).map_err(|e| SignError::io("cannot write", &tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| SignError::io("cannot write", path, e))?;
        }
        Ok(old.flatten())
    }

    /// Remove the certificate of the one key matching a hex id prefix;
    /// returns its id.
    pub fn remove(&self, prefix: &str) -> Result<KeyId, SignError> {
        let mut hits: Vec<KeyId> = self
            .ids()?
            .into_iter()
            .filter(|id| id.matches_prefix(prefix))
            .collect();
        let shown = prefix.chars().take(64).collect::<String>();
        let id = match hits.len() {
            0 => return Err(SignError::NoSuchKey { prefix: shown }),
            1 => hits.remove(0),
            n => {
                return Err(SignError::AmbiguousKey {
                    prefix: shown,
                    count: n,
                });
            }
        };
        let (c, s) = self.paths(&id);
        // The certificate first: without it the signature is not listed.
        for path in [&c, &s] {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(SignError::io("cannot remove", path, e));
                }
                _ => {}
            }
        }
        Ok(id)
    }
}

fn damaged(path: &Path, why: impl std::fmt::Display) -> SignError {
    SignError::Malformed {
        what: "imported certificate",
        reason: format!("{}: {why}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{Identity, KeyFile, Protection};

    fn cert_for(name: &str) -> CertFile {
        let root_id = Identity::new("Root", "Lab", "CZ", None, None).unwrap();
        let (_, root) = KeyFile::generate(root_id, true, 0, Protection::None).unwrap();
        let who = Identity::new(name, "Lab", "CZ", None, Some("examiner")).unwrap();
        let (_, key) = KeyFile::generate(who.clone(), false, 0, Protection::None).unwrap();
        let (c, s) = Certificate::issue(&root, key.public_key(), who, 0, 10, 0).unwrap();
        CertFile::new(c, s).unwrap()
    }

    #[test]
    fn add_list_replace_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = ForeignStore::open(dir.path().join("foreign"));
        assert!(store.list().unwrap().is_empty());
        let a = cert_for("Anna");
        let b = cert_for("Bert");
        assert_eq!(store.add(&a).unwrap(), None);
        assert_eq!(store.add(&b).unwrap(), None);
        let mut want = vec![a.clone(), b.clone()];
        want.sort_by_key(|c| c.certificate.key_id);
        assert_eq!(store.list().unwrap(), want);
        // A second certificate for the same key replaces the first.
        assert_eq!(store.add(&a).unwrap(), Some(a.clone()));
        assert_eq!(store.list().unwrap().len(), 2);
        let id = store.remove(&a.certificate.key_id.hex()[..12]).unwrap();
        assert_eq!(id, a.certificate.key_id);
        assert_eq!(store.list().unwrap(), vec![b.clone()]);
        assert!(matches!(
            store.remove("00"),
            Err(SignError::NoSuchKey { .. }) | Err(SignError::AmbiguousKey { .. })
        ));
        assert!(matches!(
            store.remove(&a.certificate.key_id.hex()),
            Err(SignError::NoSuchKey { .. })
        ));
    }

    #[test]
    fn a_damaged_file_is_named_and_still_removable() {
        let dir = tempfile::tempdir().unwrap();
        let store = ForeignStore::open(dir.path());
        let a = cert_for("Anna");
        store.add(&a).unwrap();
        let id = a.certificate.key_id;
        std::fs::write(dir.path().join(format!("{id}.cert.json")), b"{garbage").unwrap();
        let e = store.list().unwrap_err().to_string();
        assert!(e.contains(&id.hex()), "{e}");
        store.remove(&id.hex()).unwrap();
        assert!(store.list().unwrap().is_empty());
        // A certificate stored under another key's name is damaged too.
        let b = cert_for("Bert");
        let other = cert_for("Carl").certificate.key_id;
        std::fs::write(dir.path().join(format!("{other}.cert.json")), &b.cert_bytes).unwrap();
        std::fs::write(
            dir.path().join(format!("{other}.cert.json.minisig")),
            &b.sig_bytes,
        )
        .unwrap();
        assert!(store.list().is_err());
    }

    #[test]
    fn offered_certificates_are_bundles_or_files_with_their_signature() {
        let dir = tempfile::tempdir().unwrap();
        let a = cert_for("Anna");
        let bundle = dir.path().join("a.cert");
        std::fs::write(&bundle, a.to_bundle().to_bytes()).unwrap();
        assert_eq!(read_certificate(&bundle).unwrap(), a);
        let file = dir.path().join("k.cert.json");
        std::fs::write(&file, &a.cert_bytes).unwrap();
        // Without its signature beside it: an error naming the missing file.
        let e = read_certificate(&file).unwrap_err().to_string();
        assert!(e.contains("k.cert.json.minisig"), "{e}");
        std::fs::write(dir.path().join("k.cert.json.minisig"), &a.sig_bytes).unwrap();
        assert_eq!(read_certificate(&file).unwrap(), a);
        let junk = dir.path().join("junk");
        std::fs::write(&junk, b"{\"type\": \"evidentia/public-key/v1\"}").unwrap();
        assert!(matches!(
            read_certificate(&junk),
            Err(SignError::Malformed { .. })
        ));
        std::fs::write(&junk, b"\xff\xfe not json").unwrap();
        assert!(read_certificate(&junk).is_err());
    }
}
