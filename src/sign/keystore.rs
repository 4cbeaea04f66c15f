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

    /// Replace the key file of `file.key_id` and its public key file with
    /// `file` and `public` (for `key add-recipient`). The key file must
    /// exist already, and `file` must be the same key. Each file is
    /// replaced atomically (`replace_private`); the public key file goes
    /// first, so that an interruption between the two leaves the old key
    /// file (which a second run upgrades again) rather than a key file
    /// whose public key file lacks the recipient.
    pub fn replace_key(&self, file: &KeyFile, public: &PublicKeyFile) -> Result<(), SignError> {
        let path = self.key_path(&file.key_id);
        let old = KeyFile::parse(&read_small("secret key file", &path)?)?;
        if old.key_id != file.key_id || public.key_id != file.key_id {
            return Err(SignError::Malformed {
                what: "secret key file",
                reason: "the replacement is another key".into(),
            });
        }
        let pub_path = self.dir.join(format!("{}.pub.json", file.key_id));
        replace_private(&pub_path, &public.to_bytes())
            .map_err(|e| SignError::io("cannot write", &pub_path, e))?;
        replace_private(&path, &file.to_bytes())
            .map_err(|e| SignError::io("cannot write", &path, e))
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

/// Replace the file `path` with `bytes`, atomically: a new 0600 temporary
/// file beside it, written and flushed to disk, renamed over `path`, then
/// the directory flushed. Until the rename the old file is intact; after
/// it, the new one is complete. The only place evidentia replaces a key
/// file: `key add-recipient` must change a file made before encryption,
/// and a key file half written (a crash, a full disk) would lose the
/// key, so the old one stays until the new one is whole on disk.
fn replace_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let (mut f, mut tmp) = crate::atomic::TempOut::beside(path, 0o600)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp.path, path)?;
    tmp.keep = true;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{Identity, Protection};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replace_key_swaps_both_files_whole_and_private() {
        let d = tempfile::tempdir().unwrap();
        let store = KeyStore::open(d.path().join("keys"));
        let who = Identity::new("A", "B", "CZ", None, None).unwrap();
        let (mut file, key) = KeyFile::generate(who, false, 0, Protection::None).unwrap();
        file.recipient = None;
        let path = store.add(&file).unwrap();
        store
            .store_public(&PublicKeyFile::export(&file, &key, 0))
            .unwrap();
        assert!(file.add_recipient(&key).unwrap());
        store
            .replace_key(&file, &PublicKeyFile::export(&file, &key, 1))
            .unwrap();
        let back = KeyFile::parse(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back.recipient, Some(key.recipient()));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let public = store.public_file(&file.key_id).unwrap().unwrap();
        let public = PublicKeyFile::parse(&public).unwrap();
        assert_eq!(public.recipient, Some(key.recipient()));
        let names: Vec<_> = std::fs::read_dir(store.dir()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file left");
        // Another key's file never replaces this one.
        let who = Identity::new("C", "D", "CZ", None, None).unwrap();
        let (other, okey) = KeyFile::generate(who, false, 0, Protection::None).unwrap();
        let theirs = PublicKeyFile::export(&other, &okey, 0);
        assert!(store.replace_key(&other, &theirs).is_err());
        assert!(store.replace_key(&file, &theirs).is_err());
        let again = KeyFile::parse(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(again.to_bytes(), back.to_bytes());
    }
}
