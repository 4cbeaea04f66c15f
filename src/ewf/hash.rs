//! The stored media hashes: `hash` (MD5) and `digest` (MD5 and SHA-1)
//! sections (spec "Hash section", "Digest section").

use std::path::Path;

use super::EwfError;
use super::section::{adler32, bad, le32};

/// Body length of a `hash` section: MD5, 16 unknown bytes, Adler-32.
pub(crate) const HASH_BODY_LEN: u64 = 36;
/// Body length of a `digest` section: MD5, SHA-1, 40 padding bytes, Adler-32.
pub(crate) const DIGEST_BODY_LEN: u64 = 80;

/// The media hashes stored by the acquiring tool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredHashes {
    /// MD5 of the media (from `hash`, or `digest` when there is no `hash`).
    pub md5: Option<[u8; 16]>,
    /// SHA-1 of the media (from `digest`; FTK-format sets store none).
    pub sha1: Option<[u8; 20]>,
}

impl StoredHashes {
    /// Whether no hash at all is stored: the media cannot be checked against
    /// the original acquisition.
    pub fn is_empty(&self) -> bool {
        self.md5.is_none() && self.sha1.is_none()
    }

    /// Records the MD5 of a `hash` section; a second, different MD5 (from
    /// `digest` or a repeated section) is an error.
    pub(crate) fn add_hash(
        &mut self,
        body: &[u8],
        path: &Path,
        offset: u64,
    ) -> Result<(), EwfError> {
        if body.len() as u64 != HASH_BODY_LEN {
            return Err(bad(path, offset, "hash section is not 36 bytes"));
        }
        check(body, 32, path, offset, "hash")?;
        let mut md5 = [0u8; 16];
        md5.copy_from_slice(&body[..16]);
        self.set_md5(md5, path, offset)
    }

    /// Records the MD5 and SHA-1 of a `digest` section.
    pub(crate) fn add_digest(
        &mut self,
        body: &[u8],
        path: &Path,
        offset: u64,
    ) -> Result<(), EwfError> {
        if body.len() as u64 != DIGEST_BODY_LEN {
            return Err(bad(path, offset, "digest section is not 80 bytes"));
        }
        check(body, 76, path, offset, "digest")?;
        let mut md5 = [0u8; 16];
        md5.copy_from_slice(&body[..16]);
        let mut sha1 = [0u8; 20];
        sha1.copy_from_slice(&body[16..36]);
        if self.sha1.is_some_and(|s| s != sha1) {
            return Err(bad(path, offset, "two different stored SHA-1 values"));
        }
        self.sha1 = Some(sha1);
        // An all-zero MD5 in a digest means "not computed" (libewf).
        if md5 != [0u8; 16] {
            self.set_md5(md5, path, offset)?;
        }
        Ok(())
    }

    fn set_md5(&mut self, md5: [u8; 16], path: &Path, offset: u64) -> Result<(), EwfError> {
        if self.md5.is_some_and(|m| m != md5) {
            return Err(bad(
                path,
                offset,
                "hash and digest sections store different MD5 values",
            ));
        }
        self.md5 = Some(md5);
        Ok(())
    }
}

/// Checks the Adler-32 at `at` over the bytes before it.
fn check(
    body: &[u8],
    at: usize,
    path: &Path,
    offset: u64,
    section: &'static str,
) -> Result<(), EwfError> {
    let expected = le32(body, at);
    let actual = adler32(&body[..at]);
    if expected != actual {
        return Err(EwfError::SectionChecksum {
            path: path.to_path_buf(),
            offset,
            section,
            expected,
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(mut b: Vec<u8>, at: usize) -> Vec<u8> {
        let s = adler32(&b[..at]);
        b[at..at + 4].copy_from_slice(&s.to_le_bytes());
        b
    }

    #[test]
    fn hash_and_digest_must_agree() {
        let p = Path::new("x.E05");
        let mut hash = vec![0u8; 36];
        hash[..16].copy_from_slice(&[1; 16]);
        let hash = sealed(hash, 32);
        let mut digest = vec![0u8; 80];
        digest[..16].copy_from_slice(&[1; 16]);
        digest[16..36].copy_from_slice(&[2; 20]);
        let digest = sealed(digest, 76);
        let mut s = StoredHashes::default();
        s.add_digest(&digest, p, 0).unwrap();
        s.add_hash(&hash, p, 0).unwrap();
        assert_eq!(s.md5, Some([1; 16]));
        assert_eq!(s.sha1, Some([2; 20]));
        let mut other = digest.clone();
        other[0] = 9;
        let other = sealed(other, 76);
        assert!(s.add_digest(&other, p, 0).is_err());
        let mut broken = hash.clone();
        broken[3] ^= 1;
        assert!(matches!(
            StoredHashes::default().add_hash(&broken, p, 0),
            Err(EwfError::SectionChecksum { .. })
        ));
    }
}
