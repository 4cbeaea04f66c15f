//! The trust store (`<home>/trust`): one JSON entry per trusted public key,
//! `<KEYID>.json`, marking agency roots and the organisations and countries
//! each root may certify (its name constraints). Only keys in here make a
//! signature trusted; key ids found in signatures are hints for the lookup.
//!
//! Name constraints fail closed: an entry written before they existed
//! (`evidentia/trust-entry/v1` without `may_certify`) may certify only its
//! own organisation and country, or nothing when it has no identity.

use super::identity::Identity;
use super::keyid::KeyId;
use super::keystore::create_private_dir;
use super::pubfile::AnyPublicKey;
use super::{SignError, b64, parse_json, read_small};
use crate::model::{UnixTime, format_rfc3339_utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `type` of a trust entry as written now (with `may_certify`).
pub const TRUST_ENTRY_TYPE: &str = "evidentia/trust-entry/v2";
/// `type` of a trust entry written before name constraints; still read.
pub const TRUST_ENTRY_TYPE_V1: &str = "evidentia/trust-entry/v1";

/// One name constraint of a root: it may certify keys of people of this
/// organisation (compared ignoring case and surrounding spaces) in this
/// country (ISO 3166-1 alpha-2, exactly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertifyScope {
    /// The organisation.
    pub org: String,
    /// The country code, uppercase.
    pub country: String,
}

impl CertifyScope {
    /// A validated scope (the country is upper-cased first).
    pub fn new(org: &str, country: &str) -> Result<CertifyScope, SignError> {
        let s = CertifyScope {
            org: org.trim().to_string(),
            country: country.trim().to_ascii_uppercase(),
        };
        s.validate()?;
        Ok(s)
    }

    /// Parse `ORG,CC` (split at the last comma: organisations may hold
    /// commas, country codes never do).
    pub fn parse(text: &str) -> Result<CertifyScope, SignError> {
        let (org, cc) = text.rsplit_once(',').ok_or_else(|| SignError::Malformed {
            what: "name constraint",
            reason: format!(
                "{:?} is not ORG,CC",
                text.chars().take(64).collect::<String>()
            ),
        })?;
        CertifyScope::new(org, cc)
    }

    fn validate(&self) -> Result<(), SignError> {
        // The same rules as an identity's organisation and country.
        Identity::new("scope", &self.org, &self.country, None, None)?;
        if self.country != self.country.to_ascii_uppercase() || self.org.trim() != self.org {
            return Err(SignError::Malformed {
                what: "name constraint",
                reason: "the country must be uppercase and the organisation trimmed".into(),
            });
        }
        Ok(())
    }

    /// Whether `who` falls within this scope.
    pub fn covers(&self, who: &Identity) -> bool {
        who.org.trim().eq_ignore_ascii_case(self.org.trim()) && who.country == self.country
    }

    /// `Org (CC)`.
    pub fn display(&self) -> String {
        format!("{} ({})", self.org, self.country)
    }
}

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
    /// For a root: the organisations and countries it may certify. Absent
    /// in entries written before name constraints (see [`TrustEntry::scope`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub may_certify: Option<Vec<CertifyScope>>,
    /// When it was added (RFC 3339).
    pub added: String,
}

impl TrustEntry {
    /// Parse a trust entry file and check it: type, key id, identity and
    /// name constraints.
    pub fn parse(bytes: &[u8]) -> Result<TrustEntry, SignError> {
        const WHAT: &str = "trust entry";
        let e: TrustEntry = parse_json(WHAT, bytes)?;
        let bad = |reason: &str| SignError::Malformed {
            what: WHAT,
            reason: reason.into(),
        };
        if e.kind != TRUST_ENTRY_TYPE && e.kind != TRUST_ENTRY_TYPE_V1 {
            return Err(bad("unknown type"));
        }
        if KeyId::derive(&e.public_key) != e.key_id {
            return Err(bad("the key id does not match the public key"));
        }
        if let Some(i) = &e.identity {
            i.validate()?;
        }
        for s in e.may_certify.iter().flatten() {
            s.validate()?;
        }
        if e.may_certify.is_some() && !e.root {
            return Err(bad("only a root may have name constraints"));
        }
        Ok(e)
    }

    /// What this key may certify: its `may_certify` list; for an entry
    /// without one (written before name constraints), only its own
    /// organisation and country, or nothing without an identity. A key
    /// that is not a root certifies nothing.
    pub fn scope(&self) -> Vec<CertifyScope> {
        if !self.root {
            return Vec::new();
        }
        match (&self.may_certify, &self.identity) {
            (Some(list), _) => list.clone(),
            (None, Some(i)) => vec![CertifyScope {
                org: i.org.trim().to_string(),
                country: i.country.clone(),
            }],
            (None, None) => Vec::new(),
        }
    }

    /// Whether the scope was inferred because the entry predates name
    /// constraints (`trust list` suggests re-adding it).
    pub fn scope_is_inferred(&self) -> bool {
        self.root && self.may_certify.is_none()
    }

    /// Whether this key may certify `who`.
    pub fn may_certify(&self, who: &Identity) -> bool {
        self.scope().iter().any(|s| s.covers(who))
    }
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
                        let e =
                            TrustEntry::parse(&read_small("trust entry", &path)?).map_err(|e| {
                                SignError::Malformed {
                                    what: "trust entry",
                                    reason: format!(
                                        "{} is not a valid trust entry: {e}",
                                        path.display()
                                    ),
                                }
                            })?;
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

    /// Add a key; `root` marks it as an agency root, which may certify
    /// its own organisation and country (from the key's identity) and
    /// those in `also` (`trust add --may-certify`). A key that is not a
    /// root takes no name constraints.
    pub fn add(
        &mut self,
        key: &AnyPublicKey,
        root: bool,
        also: &[CertifyScope],
        now: UnixTime,
    ) -> Result<TrustEntry, SignError> {
        let id = key.key_id();
        if self.get(&id).is_some() {
            return Err(SignError::AlreadyPresent { id });
        }
        if !root && !also.is_empty() {
            return Err(SignError::Malformed {
                what: "trust entry",
                reason: "only a root may certify other keys (name constraints need --root)".into(),
            });
        }
        let may_certify = root.then(|| {
            let own = key.identity.iter().map(|i| CertifyScope {
                org: i.org.trim().to_string(),
                country: i.country.clone(),
            });
            let mut v: Vec<CertifyScope> = Vec::new();
            for s in own.chain(also.iter().cloned()) {
                if !v
                    .iter()
                    .any(|x| x.country == s.country && x.org.eq_ignore_ascii_case(&s.org))
                {
                    v.push(s);
                }
            }
            v
        });
        let entry = TrustEntry {
            kind: TRUST_ENTRY_TYPE.to_string(),
            key_id: id,
            public_key: key.public_key,
            root,
            identity: key.identity.clone(),
            may_certify,
            added: format_rfc3339_utc(now),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, root: bool, identity: bool, scope: Option<&str>) -> Vec<u8> {
        let pk = [7u8; 32];
        let mut v = serde_json::json!({
            "type": kind,
            "key_id": KeyId::derive(&pk).to_string(),
            "public_key": b64::encode(&pk),
            "root": root,
            "added": "2026-01-01T00:00:00Z",
        });
        if identity {
            v["identity"] = serde_json::json!({"name": "R", "org": "Lab", "country": "CZ"});
        }
        if let Some(s) = scope {
            v["may_certify"] = serde_json::from_str(s).unwrap();
        }
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn old_entries_fail_closed_and_new_ones_carry_their_scope() {
        let who = |org, cc| Identity::new("X", org, cc, None, None).unwrap();
        let v1 = TrustEntry::parse(&entry(TRUST_ENTRY_TYPE_V1, true, true, None)).unwrap();
        assert!(v1.scope_is_inferred());
        assert!(v1.may_certify(&who("LAB", "CZ")));
        assert!(!v1.may_certify(&who("Lab", "SK")));
        let bare = TrustEntry::parse(&entry(TRUST_ENTRY_TYPE_V1, true, false, None)).unwrap();
        assert!(bare.scope().is_empty());
        let wide = r#"[{"org": "Lab", "country": "CZ"}, {"org": "Other", "country": "SK"}]"#;
        let v2 = TrustEntry::parse(&entry(TRUST_ENTRY_TYPE, true, true, Some(wide))).unwrap();
        assert!(!v2.scope_is_inferred());
        assert!(v2.may_certify(&who("other", "SK")));
        assert!(!v2.may_certify(&who("Other", "CZ")));
        // A key that is not a root certifies nothing and takes no scope.
        let key = TrustEntry::parse(&entry(TRUST_ENTRY_TYPE, false, true, None)).unwrap();
        assert!(!key.may_certify(&who("Lab", "CZ")));
        assert!(TrustEntry::parse(&entry(TRUST_ENTRY_TYPE, false, true, Some(wide))).is_err());
        let bad_cc = r#"[{"org": "Lab", "country": "XX"}]"#;
        assert!(TrustEntry::parse(&entry(TRUST_ENTRY_TYPE, true, true, Some(bad_cc))).is_err());
        assert!(TrustEntry::parse(&entry("evidentia/trust-entry/v9", true, true, None)).is_err());
    }

    #[test]
    fn scopes_parse_at_the_last_comma() {
        let s = CertifyScope::parse("Policie CR, NCOZ,cz").unwrap();
        assert_eq!(
            (s.org.as_str(), s.country.as_str()),
            ("Policie CR, NCOZ", "CZ")
        );
        assert!(CertifyScope::parse("no country").is_err());
        assert!(CertifyScope::parse(",CZ").is_err());
        assert!(CertifyScope::parse("Lab,XX").is_err());
    }

    #[test]
    fn add_records_the_roots_own_scope_and_widens_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = TrustStore::open(dir.path()).unwrap();
        let key = AnyPublicKey {
            recipient: None,
            public_key: [3; 32],
            identity: Some(Identity::new("R", "Lab", "CZ", None, None).unwrap()),
            root: true,
        };
        let also = [
            CertifyScope::parse("Other,SK").unwrap(),
            CertifyScope::parse("lab,CZ").unwrap(),
        ];
        let e = t.add(&key, true, &also, 0).unwrap();
        let shown: Vec<String> = e.scope().iter().map(CertifyScope::display).collect();
        assert_eq!(shown, ["Lab (CZ)", "Other (SK)"]);
        let again = TrustStore::open(dir.path()).unwrap();
        assert_eq!(again.entries(), &[e]);
        let plain = AnyPublicKey {
            recipient: None,
            public_key: [4; 32],
            identity: None,
            root: false,
        };
        assert!(t.add(&plain, false, &also, 0).is_err());
    }
}
