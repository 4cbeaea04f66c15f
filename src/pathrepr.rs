//! Paths on the wire: `{"text": "..."}` when the name is valid UTF-8,
//! `{"bytes": "<base64>"}` otherwise, so that no evidence name is ever
//! mangled by a lossy conversion.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// A file name or path as it travels in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PathRepr {
    /// Valid UTF-8, carried as is.
    #[serde(rename = "text")]
    Text(String),
    /// Anything else, carried as base64 of the raw bytes.
    #[serde(
        rename = "bytes",
        serialize_with = "ser_b64",
        deserialize_with = "de_b64"
    )]
    Bytes(Vec<u8>),
}

impl PathRepr {
    /// Represent raw name bytes.
    pub fn from_bytes(bytes: &[u8]) -> PathRepr {
        match std::str::from_utf8(bytes) {
            Ok(s) => PathRepr::Text(s.to_string()),
            Err(_) => PathRepr::Bytes(bytes.to_vec()),
        }
    }

    /// Represent a path.
    pub fn from_path(path: &Path) -> PathRepr {
        PathRepr::from_bytes(path.as_os_str().as_bytes())
    }

    /// The raw bytes of the name.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PathRepr::Text(s) => s.as_bytes(),
            PathRepr::Bytes(b) => b,
        }
    }

    /// The name as a path.
    pub fn to_path_buf(&self) -> PathBuf {
        PathBuf::from(OsString::from_vec(self.as_bytes().to_vec()))
    }
}

/// A path as a `Path` from raw bytes.
pub fn path_from_bytes(bytes: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(bytes))
}

fn ser_b64<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&BASE64.encode(bytes))
}

fn de_b64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    BASE64
        .decode(s.as_bytes())
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_bytes_roundtrip() {
        let t = PathRepr::from_bytes(b"a/b c");
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"text":"a/b c"}"#);
        let b = PathRepr::from_bytes(b"x\xff");
        let js = serde_json::to_string(&b).unwrap();
        assert_eq!(js, r#"{"bytes":"eP8="}"#);
        let back: PathRepr = serde_json::from_str(&js).unwrap();
        assert_eq!(back.as_bytes(), b"x\xff");
    }
}
