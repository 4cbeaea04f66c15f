//! Secret key files: the Ed25519 seed encrypted at rest with a key from
//! Argon2id (parameters recorded in the file) and ChaCha20-Poly1305, next
//! to the public key, identity and root flag in clear.
//!
//! Invariants: secret bytes live in `Zeroizing` buffers and never appear in
//! `Debug` output or errors; files are created with mode 0600 and never
//! overwritten; hostile KDF parameters are refused before any work.

use super::agekey::{self, AgeIdentity};
use super::identity::Identity;
use super::keyid::KeyId;
use super::wipe::Wiped;
use super::{SignError, b64};
use crate::model::{UnixTime, format_rfc3339_utc};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// `type` of a secret key file.
pub const KEY_FILE_TYPE: &str = "evidentia/secret-key/v1";
/// The encryption scheme name recorded in the file.
pub const SCHEME: &str = "argon2id-chacha20poly1305";
const AAD_PREFIX: &[u8] = b"evidentia/secret-key/v1\0";

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 iterations, 1 lane.
    fn default() -> KdfParams {
        KdfParams {
            m_kib: 64 * 1024,
            t: 3,
            p: 1,
        }
    }
}

impl KdfParams {
    /// Refuse parameters a hostile file could use to exhaust memory or time
    /// (at most 1 GiB, 16 iterations, 8 lanes).
    fn check(&self) -> Result<(), SignError> {
        if !(8..=1024 * 1024).contains(&self.m_kib)
            || !(1..=16).contains(&self.t)
            || !(1..=8).contains(&self.p)
        {
            return Err(SignError::Malformed {
                what: "secret key file",
                reason: "unacceptable Argon2 parameters".into(),
            });
        }
        Ok(())
    }
}

/// How the seed is stored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "scheme", deny_unknown_fields)]
enum Sealed {
    #[serde(rename = "argon2id-chacha20poly1305")]
    Encrypted {
        kdf: KdfParams,
        salt: String,
        nonce: String,
        ciphertext: String,
    },
    #[serde(rename = "none")]
    Plain { seed: String },
}

/// A secret key file as stored: public parts in clear, the seed sealed.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    #[serde(rename = "type")]
    kind: String,
    /// The key id.
    pub key_id: KeyId,
    /// The raw public key (base64 in the file).
    #[serde(with = "b64::array32")]
    pub public_key: [u8; 32],
    /// Who the key belongs to.
    pub identity: Identity,
    /// Whether this is an agency root key.
    pub root: bool,
    /// When the key was made (RFC 3339).
    pub created: String,
    /// The age recipient (`age1...`) of the encryption key derived from
    /// the seed (`sign::agekey`); absent in files made before encryption
    /// (`key add-recipient` adds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    secret: Sealed,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("key_id", &self.key_id)
            .field("root", &self.root)
            .field("encrypted", &self.is_encrypted())
            .finish_non_exhaustive()
    }
}

/// How to protect a new key.
pub enum Protection<'a> {
    /// Encrypt with a passphrase.
    Passphrase {
        /// The passphrase bytes.
        passphrase: &'a [u8],
        /// Argon2id cost.
        kdf: KdfParams,
    },
    /// Store the seed in clear (the caller warns loudly).
    None,
}

/// A decrypted Ed25519 key pair. Its `Debug` shows only the public key id.
pub struct SecretKey {
    /// Wiped on drop: ring does not clear the private scalar itself.
    pair: Wiped<Ed25519KeyPair>,
    id: KeyId,
    /// The age identity derived from the seed (x25519-dalek wipes it).
    age: AgeIdentity,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id.short())
    }
}

impl SecretKey {
    fn from_seed(seed: &[u8; 32]) -> Result<SecretKey, SignError> {
        let pair =
            Wiped::new(Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| SignError::Random)?);
        let pk: [u8; 32] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| SignError::Random)?;
        Ok(SecretKey {
            pair,
            id: KeyId::derive(&pk),
            age: agekey::derive(seed, &pk)?,
        })
    }

    /// The age identity (the encryption key's secret half).
    pub fn age_identity(&self) -> &AgeIdentity {
        &self.age
    }

    /// The age recipient (`age1...`) of this key.
    pub fn recipient(&self) -> String {
        self.age.to_public().to_string()
    }

    /// The ring key pair, for signing.
    pub fn pair(&self) -> &Ed25519KeyPair {
        &self.pair
    }

    /// The raw public key.
    pub fn public_key(&self) -> [u8; 32] {
        let mut pk = [0u8; 32];
        pk.copy_from_slice(self.pair.public_key().as_ref());
        pk
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.id
    }
}

fn derive_key(
    passphrase: &[u8],
    salt: &[u8],
    kdf: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, SignError> {
    kdf.check()?;
    let params = argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|_| {
        SignError::Malformed {
            what: "secret key file",
            reason: "unacceptable Argon2 parameters".into(),
        }
    })?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    a.hash_password_into(passphrase, salt, key.as_mut())
        .map_err(|_| SignError::Malformed {
            what: "secret key file",
            reason: "bad Argon2 salt".into(),
        })?;
    Ok(key)
}

fn aad(public_key: &[u8; 32]) -> Vec<u8> {
    [AAD_PREFIX, public_key.as_slice()].concat()
}

impl KeyFile {
    /// Generate a new key pair bound to `identity`.
    pub fn generate(
        identity: Identity,
        root: bool,
        created: UnixTime,
        protection: Protection<'_>,
    ) -> Result<(KeyFile, SecretKey), SignError> {
        let rng = SystemRandom::new();
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut()).map_err(|_| SignError::Random)?;
        Self::from_seed(seed, identity, root, created, protection)
    }

    fn from_seed(
        seed: Zeroizing<[u8; 32]>,
        identity: Identity,
        root: bool,
        created: UnixTime,
        protection: Protection<'_>,
    ) -> Result<(KeyFile, SecretKey), SignError> {
        let rng = SystemRandom::new();
        let key = SecretKey::from_seed(&seed)?;
        let public_key = key.public_key();
        let secret = match protection {
            Protection::None => Sealed::Plain {
                seed: b64::encode(seed.as_ref()),
            },
            Protection::Passphrase { passphrase, kdf } => {
                let mut salt = [0u8; 16];
                let mut nonce = [0u8; 12];
                rng.fill(&mut salt).map_err(|_| SignError::Random)?;
                rng.fill(&mut nonce).map_err(|_| SignError::Random)?;
                let k = derive_key(passphrase, &salt, kdf)?;
                let aead = Wiped::new(LessSafeKey::new(
                    UnboundKey::new(&CHACHA20_POLY1305, k.as_ref())
                        .map_err(|_| SignError::Random)?,
                ));
                let mut buf = Zeroizing::new(seed.to_vec());
                aead.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad(&public_key)),
                    &mut *buf,
                )
                .map_err(|_| SignError::Random)?;
                Sealed::Encrypted {
                    kdf,
                    salt: b64::encode(&salt),
                    nonce: b64::encode(&nonce),
                    ciphertext: b64::encode(&buf),
                }
            }
        };
        let file = KeyFile {
            kind: KEY_FILE_TYPE.to_string(),
            key_id: key.key_id(),
            public_key,
            identity,
            root,
            created: format_rfc3339_utc(created),
            recipient: Some(key.recipient()),
            secret,
        };
        Ok((file, key))
    }

    /// Whether the seed is encrypted.
    pub fn is_encrypted(&self) -> bool {
        matches!(self.secret, Sealed::Encrypted { .. })
    }

    /// Decrypt the seed. `passphrase` is ignored for unencrypted files.
    pub fn unlock(&self, passphrase: Option<&[u8]>) -> Result<SecretKey, SignError> {
        let seed = self.seed(passphrase)?;
        self.checked(&seed)
    }

    /// The key pair from `seed`, checked against the public parts.
    fn checked(&self, seed: &[u8; 32]) -> Result<SecretKey, SignError> {
        let bad = |reason: &str| SignError::Malformed {
            what: "secret key file",
            reason: reason.into(),
        };
        let key = SecretKey::from_seed(seed)?;
        if key.public_key() != self.public_key || key.key_id() != self.key_id {
            return Err(bad("the secret key does not match its public key"));
        }
        if self
            .recipient
            .as_ref()
            .is_some_and(|r| *r != key.recipient())
        {
            return Err(bad(
                "the encryption recipient does not match the secret key",
            ));
        }
        Ok(key)
    }

    /// Decrypt the seed.
    fn seed(&self, passphrase: Option<&[u8]>) -> Result<Zeroizing<[u8; 32]>, SignError> {
        let bad = |reason: &str| SignError::Malformed {
            what: "secret key file",
            reason: reason.into(),
        };
        Ok(match &self.secret {
            Sealed::Plain { seed } => {
                let raw = Zeroizing::new(b64::decode(seed).ok_or_else(|| bad("invalid seed"))?);
                if raw.len() != 32 {
                    return Err(bad("invalid seed"));
                }
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(&raw);
                seed
            }
            Sealed::Encrypted {
                kdf,
                salt,
                nonce,
                ciphertext,
            } => {
                let passphrase = passphrase.ok_or(SignError::PassphraseNeeded)?;
                let salt = b64::decode(salt).ok_or_else(|| bad("invalid salt"))?;
                let nonce: [u8; 12] = b64::decode(nonce)
                    .and_then(|n| n.try_into().ok())
                    .ok_or_else(|| bad("invalid nonce"))?;
                let mut buf = Zeroizing::new(
                    b64::decode(ciphertext).ok_or_else(|| bad("invalid ciphertext"))?,
                );
                if buf.len() != 48 {
                    return Err(bad("ciphertext has the wrong length"));
                }
                let k = derive_key(passphrase, &salt, *kdf)?;
                let aead = Wiped::new(LessSafeKey::new(
                    UnboundKey::new(&CHACHA20_POLY1305, k.as_ref())
                        .map_err(|_| SignError::Random)?,
                ));
                let plain = aead
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad(&self.public_key)),
                        &mut buf,
                    )
                    .map_err(|_| SignError::WrongPassphrase)?;
                if plain.len() != 32 {
                    return Err(bad("invalid seed"));
                }
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(plain);
                seed
            }
        })
    }

    /// The age identity in age's text form, for `key export
    /// --age-identity` (stock `age -d -i`). Needs the passphrase as
    /// [`KeyFile::unlock`] does.
    pub fn age_identity_text(
        &self,
        passphrase: Option<&[u8]>,
    ) -> Result<Zeroizing<String>, SignError> {
        let seed = self.seed(passphrase)?;
        let key = self.checked(&seed)?;
        agekey::identity_text(&seed, &key.public_key())
    }

    /// Record the encryption recipient of `key` (this file's key, already
    /// unlocked) in a file made before encryption keys existed. Returns
    /// false when it was already there.
    pub fn add_recipient(&mut self, key: &SecretKey) -> Result<bool, SignError> {
        if key.key_id() != self.key_id {
            return Err(SignError::Malformed {
                what: "secret key file",
                reason: "the unlocked key is another key".into(),
            });
        }
        if self.recipient.is_some() {
            return Ok(false);
        }
        self.recipient = Some(key.recipient());
        Ok(true)
    }

    /// Parse a key file (at most 64 KiB).
    pub fn parse(bytes: &[u8]) -> Result<KeyFile, SignError> {
        let f: KeyFile = super::parse_json("secret key file", bytes)?;
        if f.kind != KEY_FILE_TYPE {
            return Err(SignError::Malformed {
                what: "secret key file",
                reason: format!("unknown type {:?}", f.kind),
            });
        }
        if KeyId::derive(&f.public_key) != f.key_id {
            return Err(SignError::Malformed {
                what: "secret key file",
                reason: "key id does not match the public key".into(),
            });
        }
        f.identity.validate()?;
        Ok(f)
    }

    /// The file bytes (pretty JSON and a newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

/// Write `bytes` to a new file with mode 0600; fails if `path` exists.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    fn ident() -> Identity {
        Identity::new("A", "B", "CZ", None, None).unwrap()
    }

    #[test]
    fn encrypted_round_trip_and_wrong_passphrase() {
        let (f, k) = KeyFile::generate(
            ident(),
            false,
            0,
            Protection::Passphrase {
                passphrase: b"pw",
                kdf: FAST,
            },
        )
        .unwrap();
        let bytes = f.to_bytes();
        let f2 = KeyFile::parse(&bytes).unwrap();
        assert!(f2.is_encrypted());
        assert_eq!(f2.unlock(Some(b"pw")).unwrap().public_key(), k.public_key());
        assert!(matches!(
            f2.unlock(Some(b"pW")),
            Err(SignError::WrongPassphrase)
        ));
        assert!(matches!(f2.unlock(None), Err(SignError::PassphraseNeeded)));
        assert!(!format!("{f2:?}{k:?}").contains("ciphertext"));
    }

    #[test]
    fn plain_round_trip_and_hostile_params() {
        let (f, k) = KeyFile::generate(ident(), true, 0, Protection::None).unwrap();
        let f2 = KeyFile::parse(&f.to_bytes()).unwrap();
        assert!(f2.root && !f2.is_encrypted());
        assert_eq!(f2.unlock(None).unwrap().key_id(), k.key_id());
        let (f, _) = KeyFile::generate(
            ident(),
            false,
            0,
            Protection::Passphrase {
                passphrase: b"pw",
                kdf: FAST,
            },
        )
        .unwrap();
        let text = String::from_utf8(f.to_bytes())
            .unwrap()
            .replace("\"m_kib\": 64", "\"m_kib\": 4000000000");
        let f3 = KeyFile::parse(text.as_bytes()).unwrap();
        assert!(matches!(
            f3.unlock(Some(b"pw")),
            Err(SignError::Malformed { .. })
        ));
    }

    #[test]
    fn no_cleartext_seed_in_encrypted_file() {
        let seed = [0x5au8; 32];
        let prot = Protection::Passphrase {
            passphrase: b"pw",
            kdf: FAST,
        };
        let (f, _) = KeyFile::from_seed(Zeroizing::new(seed), ident(), false, 0, prot).unwrap();
        let bytes = f.to_bytes();
        assert!(!bytes.windows(32).any(|w| w == seed));
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains(&b64::encode(&seed)[..40]));
        assert!(!text.contains(&crate::sign::keyid::hex(&seed)[..32]));
        let (plain, _) =
            KeyFile::from_seed(Zeroizing::new(seed), ident(), false, 0, Protection::None).unwrap();
        // The same check does find the seed in a --no-encrypt file.
        let plain = String::from_utf8(plain.to_bytes()).unwrap();
        assert!(plain.contains(&b64::encode(&seed)[..40]));
    }

    #[test]
    fn garbage_is_an_error() {
        for c in [
            &b""[..],
            b"{}",
            b"[1]",
            &[0xffu8; 10][..],
            &vec![b' '; 70_000][..],
        ] {
            assert!(KeyFile::parse(c).is_err());
        }
    }
}
