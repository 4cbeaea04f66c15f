//! The trust store (`<home>/trust`): one JSON entry per trusted public key,
//! `<KEYID>.json`, marking agency roots. Only keys in here make a signature
//! trusted; key ids found in signatures are hints for the lookup.

use super::civil::{UnixTime, format_rfc3339};
use super::identity::Identity;
use super::keyid::KeyId;
use super::keystore::create_private_dir;
use super::pubfile::AnyPublicKey;
use super::{SignError, b64, parse_json, read_small};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `type` of a trust entry.
pub const TRUST_ENTRY_TYPE: &str = "evidentia/trust-entry/v1";

/// One trusted key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustEntry {
    #[serde(rename = "type")]
    kind: String,
    /// The key id.
    pub key_id: KeyId,
    /// The raw public key.
    #[serde(with = "b64::array32")]
    pub public_key: [u8; 32],
    /// Whether the key may certify other keys (an agency root).
    pub root: bool,
    /// The identity from the imported file, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// When it was added (RFC 3339).
    pub added: String,
}

/// The trust store, loaded in memory.
#[derive(Debug, Clone)]
pub struct TrustStore {
    dir: PathBuf,
    entries: Vec<TrustEntry>,
}

impl TrustStore {
    /// Load the trust store in `dir`; a missing directory is an empty store.
    pub fn open(dir: impl Into<PathBuf>) -> Result<TrustStore, SignError> {
        let dir = dir.into();
        let mut entries = Vec::new();
        match std::fs::read_dir(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(SignError::io("cannot read", &dir, e)),
            Ok(rd) => {
                for entry in rd {
                    let path = entry
                        .map_err(|e| SignError::io("cannot read", &dir, e))?
                        .path();
                    if path.extension().is_some_and(|e| e == "json") {
                        let e: TrustEntry =
                            parse_json("trust entry", &read_small("trust entry", &path)?)?;
                        if e.kind != TRUST_ENTRY_TYPE || KeyId::derive(&e.public_key) != e.key_id {
                            return Err(SignError::Malformed {
                                what: "trust entry",
                                reason: format!("{} is not a valid trust entry", path.display()),
                            });
                        }
                        entries.push(e);
                    }
                }
            }
        }
        entries.sort_by_key(|e| e.key_id);
        Ok(TrustStore { dir, entries })
    }

    /// An empty in-memory store (nothing is trusted).
    pub fn empty() -> TrustStore {
        TrustStore {
            dir: PathBuf::new(),
            entries: Vec::new(),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every entry, sorted by key id.
    pub fn entries(&self) -> &[TrustEntry] {
        &self.entries
    }

    /// The entry of exactly `id`.
    pub fn get(&self, id: &KeyId) -> Option<&TrustEntry> {
        self.entries.iter().find(|e| e.key_id == *id)
    }

    /// Entries whose id starts with minisign key number `keynum`.
    pub fn by_keynum(&self, keynum: &[u8; 8]) -> impl Iterator<Item = &TrustEntry> {
        self.entries
            .iter()
            .filter(move |e| e.key_id.keynum() == *keynum)
    }

    /// The one entry matching a hex id prefix.
    pub fn find(&self, prefix: &str) -> Result<&TrustEntry, SignError> {
        let hits: Vec<&TrustEntry> = self
            .entries
            .iter()
            .filter(|e| e.key_id.matches_prefix(prefix))
            .collect();
        let shown = prefix.chars().take(64).collect::<String>();
        match hits.len() {
            0 => Err(SignError::NoSuchKey { prefix: shown }),
            1 => Ok(hits[0]),
            n => Err(SignError::AmbiguousKey {
                prefix: shown,
                count: n,
            }),
        }
    }

    /// Add a key; `root` marks it as an agency root.
    pub fn add(
        &mut self,
        key: &AnyPublicKey,
        root: bool,
        now: UnixTime,
    ) -> Result<TrustEntry, SignError> {
        let id = key.key_id();
        if self.get(&id).is_some() {
            return Err(SignError::AlreadyPresent { id });
        }
        let entry = TrustEntry {
            kind: TRUST_ENTRY_TYPE.to_string(),
            key_id: id,
            public_key: key.public_key,
            root,
            identity: key.identity.clone(),
            added: format_rfc3339(now),
        };
        create_private_dir(&self.dir)?;
        let path = self.dir.join(format!("{id}.json"));
        let mut bytes = serde_json::to_vec_pretty(&entry).unwrap_or_default();
        bytes.push(b'\n');
        super::keyfile::write_new_private(&path, &bytes)
            .map_err(|e| SignError::io("cannot write", &path, e))?;
        self.entries.push(entry.clone());
        self.entries.sort_by_key(|e| e.key_id);
        Ok(entry)
    }

    /// Remove the entry matching a unique id prefix.
    pub fn remove(&mut self, prefix: &str) -> Result<TrustEntry, SignError> {
        let entry = self.find(prefix)?.clone();
        let path = self.dir.join(format!("{}.json", entry.key_id));
        std::fs::remove_file(&path).map_err(|e| SignError::io("cannot remove", &path, e))?;
        self.entries.retain(|e| e.key_id != entry.key_id);
        Ok(entry)
    }
}
