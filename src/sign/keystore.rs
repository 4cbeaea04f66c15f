//! The own-keys directory (`<home>/keys`): secret key files
//! `<KEYID>.key` (mode 0600, never overwritten) and imported certificates
//! `<KEYID>.cert.json` with `<KEYID>.cert.json.minisig`; other parties'
//! certificates, kept for trust resolution only, in `foreign/`
//! ([`super::foreign`]).

use super::foreign::ForeignStore;
use super::keyfile::{KeyFile, write_new_private};
use super::keyid::KeyId;
use super::pubfile::PublicKeyFile;
use super::signer::Signer;
use super::{SignError, read_small};
use std::path::{Path, PathBuf};

/// A certificate file and its minisign signature file.
pub type CertificateFiles = (Vec<u8>, Vec<u8>);

/// The directory of one's own keys.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

/// Which keys a lookup without an id may pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// Any key.
    Any,
    /// Only examiner (non-root) keys.
    Examiner,
    /// Only root keys.
    Root,
}

impl KeyStore {
    /// The key store in `dir` (it need not exist yet).
    pub fn open(dir: impl Into<PathBuf>) -> KeyStore {
        KeyStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Other parties' certificates (`<dir>/foreign`), kept for trust
    /// resolution only: never signing keys, never listed by [`KeyStore::list`].
    pub fn foreign(&self) -> ForeignStore {
        ForeignStore::open(self.dir.join("foreign"))
    }

    fn key_path(&self, id: &KeyId) -> PathBuf {
        self.dir.join(format!("{id}.key"))
    }

    fn cert_paths(&self, id: &KeyId) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("{id}.cert.json")),
            self.dir.join(format!("{id}.cert.json.minisig")),
        )
    }

    /// Every key, sorted by creation time then id.
    pub fn list(&self) -> Result<Vec<KeyFile>, SignError> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(SignError::io("cannot read", &self.dir, e)),
        };
        let mut keys = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| SignError::io("cannot read", &self.dir, e))?;
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "key") {
                keys.push(KeyFile::parse(&read_small("secret key file", &path)?)?);
            }
        }
        keys.sort_by(|a, b| (&a.created, a.key_id).cmp(&(&b.created, b.key_id)));
        Ok(keys)
    }

    /// Find one key by a unique hex prefix of its id; without a prefix, the
    /// only key of the wanted kind.
    pub fn find(&self, prefix: Option<&str>, role: KeyRole) -> Result<KeyFile, SignError> {
        let keys = self.list()?;
        let mut hits: Vec<KeyFile> = match prefix {
            Some(p) => keys
                .into_iter()
                .filter(|k| k.key_id.matches_prefix(p))
                .collect(),
            None => keys
                .into_iter()
                .filter(|k| match role {
                    KeyRole::Any => true,
                    KeyRole::Examiner => !k.root,
                    KeyRole::Root => k.root,
                })
                .collect(),
        };
        let shown = prefix
            .unwrap_or("(no id)")
            .chars()
            .take(64)
            .collect::<String>();
        match hits.len() {
            0 => Err(SignError::NoSuchKey { prefix: shown }),
            1 => Ok(hits.remove(0)),
            n => Err(SignError::AmbiguousKey {
                prefix: shown,
                count: n,
            }),
        }
    }

    /// Store a new key file (mode 0600, create-new); returns its path.
    pub fn add(&self, file: &KeyFile) -> Result<PathBuf, SignError> {
        create_private_dir(&self.dir)?;
        let path = self.key_path(&file.key_id);
        match write_new_private(&path, &file.to_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(SignError::AlreadyPresent { id: file.key_id })
            }
            Err(e) => Err(SignError::io("cannot write", &path, e)),
            Ok(()) => Ok(path),
        }
    }

    /// Store the self-signed public key file of a key (`<KEYID>.pub.json`).
    pub fn store_public(&self, file: &PublicKeyFile) -> Result<(), SignError> {
        create_private_dir(&self.dir)?;
        let path = self.dir.join(format!("{}.pub.json", file.key_id));
        write_new_private(&path, &file.to_bytes())
            .map_err(|e| SignError::io("cannot write", &path, e))
    }

    /// The self-signed public key file of `id`, if stored.
    pub fn public_file(&self, id: &KeyId) -> Result<Option<Vec<u8>>, SignError> {
        let path = self.dir.join(format!("{id}.pub.json"));
        if !path.exists() {
            return Ok(None);
        }
        read_small("public key file", &path).map(Some)
    }

    /// The imported certificate of `id` and its signature, if any.
    pub fn certificate(&self, id: &KeyId) -> Result<Option<CertificateFiles>, SignError> {
        let (c, s) = self.cert_paths(id);
        if !c.exists() {
            return Ok(None);
        }
        Ok(Some((
            read_small("certificate", &c)?,
            read_small("signature", &s)?,
        )))
    }

    /// Store (or replace) the certificate of `id`.
    pub fn store_certificate(&self, id: &KeyId, cert: &[u8], sig: &[u8]) -> Result<(), SignError> {
        let (c, s) = self.cert_paths(id);
        for (path, bytes) in [(&s, sig), (&c, cert)] {
            let tmp = path.with_extension("tmp");
            let _ = std::fs::remove_file(&tmp);
            write_new_private(&tmp, bytes).map_err(|e| SignError::io("cannot write", &tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| SignError::io("cannot write", path, e))?;
        }
        Ok(())
    }

    /// Decrypt `file` and bundle it with its certificate into a [`Signer`].
    pub fn signer(&self, file: &KeyFile, passphrase: Option<&[u8]>) -> Result<Signer, SignError> {
        let key = file.unlock(passphrase)?;
        let cert = self.certificate(&file.key_id)?;
        Ok(Signer::new(file, key, cert))
    }
}

/// Create `dir` (and parents) with mode 0700 for the last component.
pub fn create_private_dir(dir: &Path) -> Result<(), SignError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| SignError::io("cannot create", dir, e))
}
