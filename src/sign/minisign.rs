//! minisign text formats and the prehashed `ED` signature primitive.
//!
//! A signature file is four lines: `untrusted comment: ...`, base64 of
//! `"ED" || keynum(8) || Ed25519(BLAKE2b-512(data))`, `trusted comment: ...`,
//! base64 of `Ed25519(signature || trusted_comment)` (the global signature).
//! A public key file is two lines: `untrusted comment: ...` and base64 of
//! `"Ed" || keynum(8) || public_key(32)`. Parsers never panic on garbage and
//! refuse inputs larger than [`MAX_TEXT_FILE`].

use super::SignError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use blake2::{Blake2b512, Digest};
use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};

/// The largest signature, public key or certificate file accepted (64 KiB).
pub const MAX_TEXT_FILE: usize = 64 * 1024;

/// Algorithm tag of a prehashed (BLAKE2b-512) signature.
pub const SIG_ALG_PREHASHED: [u8; 2] = *b"ED";
/// Algorithm tag of a legacy (not prehashed) signature; refused.
pub const SIG_ALG_LEGACY: [u8; 2] = *b"Ed";
/// Algorithm tag of an Ed25519 public key.
pub const PK_ALG: [u8; 2] = *b"Ed";

/// BLAKE2b-512 of `data`: what the `ED` signature signs.
pub fn prehash(data: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    out.copy_from_slice(&Blake2b512::digest(data));
    out
}

/// BLAKE2b-512 of everything `reader` yields, read in 1 MiB blocks.
pub fn prehash_reader(mut reader: impl std::io::Read) -> std::io::Result<[u8; 64]> {
    let mut h = Blake2b512::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&h.finalize());
    Ok(out)
}

/// A parsed minisign signature file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignSignature {
    /// The untrusted comment (not covered by any signature).
    pub untrusted_comment: String,
    /// The signer's key number (the first 8 bytes of its key id).
    pub keynum: [u8; 8],
    /// Ed25519 over BLAKE2b-512 of the data.
    pub signature: [u8; 64],
    /// The trusted comment (covered by the global signature).
    pub trusted_comment: String,
    /// Ed25519 over `signature || trusted_comment`.
    pub global_signature: [u8; 64],
}

/// A parsed minisign public key file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignPublicKey {
    /// The key number written in the file.
    pub keynum: [u8; 8],
    /// The raw Ed25519 public key.
    pub public_key: [u8; 32],
}

fn malformed(what: &'static str, reason: impl Into<String>) -> SignError {
    SignError::Malformed {
        what,
        reason: reason.into(),
    }
}

/// Split text into lines, refusing oversized or non-UTF-8 input; a final
/// newline and `\r\n` line ends are accepted. Any other carriage return is
/// refused: a comment ending in one would not survive being written back
/// (the `\r` would become part of the line end), and comments are signed.
fn lines<'a>(what: &'static str, bytes: &'a [u8]) -> Result<Vec<&'a str>, SignError> {
    if bytes.len() > MAX_TEXT_FILE {
        return Err(SignError::TooLarge {
            what,
            max: MAX_TEXT_FILE,
        });
    }
    if bytes.is_empty() {
        return Err(malformed(what, "the file is empty"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| malformed(what, "not UTF-8 text"))?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if let Some(n) = lines.iter().position(|l| l.contains('\r')) {
        return Err(malformed(
            what,
            format!(
                "line {} holds a carriage return (only CRLF line ends are accepted)",
                n + 1
            ),
        ));
    }
    Ok(lines)
}

fn decode<const N: usize>(what: &'static str, line: &str) -> Result<[u8; N], SignError> {
    let raw = BASE64
        .decode(line.trim())
        .map_err(|_| malformed(what, "invalid base64"))?;
    <[u8; N]>::try_from(raw.as_slice())
        .map_err(|_| malformed(what, format!("{} bytes where {N} were expected", raw.len())))
}

impl MinisignSignature {
    /// Parse a signature file.
    pub fn parse(bytes: &[u8]) -> Result<MinisignSignature, SignError> {
        const WHAT: &str = "signature";
        let l = lines(WHAT, bytes)?;
        if l.len() != 4 {
            return Err(malformed(
                WHAT,
                format!("{} lines where 4 were expected", l.len()),
            ));
        }
        let untrusted = l[0]
            .strip_prefix("untrusted comment: ")
            .ok_or_else(|| malformed(WHAT, "line 1 is not an untrusted comment"))?;
        let blob: [u8; 74] = decode(WHAT, l[1])?;
        if blob[..2] == SIG_ALG_LEGACY {
            return Err(malformed(
                WHAT,
                "legacy `Ed` signature (not prehashed); only `ED` is accepted",
            ));
        }
        if blob[..2] != SIG_ALG_PREHASHED {
            return Err(malformed(WHAT, "unknown signature algorithm"));
        }
        let trusted = l[2]
            .strip_prefix("trusted comment: ")
            .ok_or_else(|| malformed(WHAT, "line 3 is not a trusted comment"))?;
        let global: [u8; 64] = decode(WHAT, l[3])?;
        let mut keynum = [0u8; 8];
        keynum.copy_from_slice(&blob[2..10]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&blob[10..]);
        Ok(MinisignSignature {
            untrusted_comment: untrusted.to_string(),
            keynum,
            signature,
            trusted_comment: trusted.to_string(),
            global_signature: global,
        })
    }

    /// The file bytes, exactly as minisign writes them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(74);
        blob.extend_from_slice(&SIG_ALG_PREHASHED);
        blob.extend_from_slice(&self.keynum);
        blob.extend_from_slice(&self.signature);
        format!(
            "untrusted comment: {}\n{}\ntrusted comment: {}\n{}\n",
            self.untrusted_comment,
            BASE64.encode(&blob),
            self.trusted_comment,
            BASE64.encode(self.global_signature)
        )
        .into_bytes()
    }

    /// Sign `data` with `key`.
    ///
    /// Comments must be single lines; line breaks are replaced by spaces so
    /// the file always parses back.
    pub fn create(
        key: &Ed25519KeyPair,
        keynum: [u8; 8],
        data: &[u8],
        trusted_comment: &str,
        untrusted_comment: &str,
    ) -> MinisignSignature {
        Self::create_prehashed(
            key,
            keynum,
            &prehash(data),
            trusted_comment,
            untrusted_comment,
        )
    }

    /// Sign a BLAKE2b-512 digest computed by the caller (for streamed data).
    pub fn create_prehashed(
        key: &Ed25519KeyPair,
        keynum: [u8; 8],
        digest: &[u8; 64],
        trusted_comment: &str,
        untrusted_comment: &str,
    ) -> MinisignSignature {
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        let trusted_comment = one_line(trusted_comment);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(key.sign(digest).as_ref());
        let mut global_signature = [0u8; 64];
        global_signature.copy_from_slice(
            key.sign(&global_message(&signature, &trusted_comment))
                .as_ref(),
        );
        MinisignSignature {
            untrusted_comment: one_line(untrusted_comment),
            keynum,
            signature,
            trusted_comment,
            global_signature,
        }
    }

    /// Check both signatures with `public_key`: the data signature and the
    /// global signature over the trusted comment.
    pub fn verify(&self, public_key: &[u8; 32], data: &[u8]) -> Result<(), SignError> {
        self.verify_prehashed(public_key, &prehash(data))
    }

    /// [`MinisignSignature::verify`] with a BLAKE2b-512 digest of the data.
    pub fn verify_prehashed(
        &self,
        public_key: &[u8; 32],
        digest: &[u8; 64],
    ) -> Result<(), SignError> {
        let pk = UnparsedPublicKey::new(&ED25519, public_key);
        pk.verify(digest, &self.signature)
            .map_err(|_| SignError::BadSignature)?;
        pk.verify(
            &global_message(&self.signature, &self.trusted_comment),
            &self.global_signature,
        )
        .map_err(|_| SignError::BadTrustedComment)
    }
}

fn global_message(signature: &[u8; 64], trusted_comment: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + trusted_comment.len());
    m.extend_from_slice(signature);
    m.extend_from_slice(trusted_comment.as_bytes());
    m
}

/// minisign shows a key number as the hex of a little-endian u64.
pub fn keynum_display(keynum: &[u8; 8]) -> String {
    format!("{:016X}", u64::from_le_bytes(*keynum))
}

impl MinisignPublicKey {
    /// Parse a public key file (two lines; the comment line is optional, as
    /// minisign's `-P` form is a bare base64 line).
    pub fn parse(bytes: &[u8]) -> Result<MinisignPublicKey, SignError> {
        const WHAT: &str = "minisign public key";
        let l = lines(WHAT, bytes)?;
        let b64 = match l.as_slice() {
            [c, k] if c.starts_with("untrusted comment: ") => *k,
            [k] => *k,
            _ => return Err(malformed(WHAT, "expected a comment line and a key line")),
        };
        let blob: [u8; 42] = decode(WHAT, b64)?;
        if blob[..2] != PK_ALG {
            return Err(malformed(WHAT, "unknown key algorithm"));
        }
        let mut keynum = [0u8; 8];
        keynum.copy_from_slice(&blob[2..10]);
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(&blob[10..]);
        Ok(MinisignPublicKey { keynum, public_key })
    }

    /// The file bytes, as minisign writes them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(42);
        blob.extend_from_slice(&PK_ALG);
        blob.extend_from_slice(&self.keynum);
        blob.extend_from_slice(&self.public_key);
        format!(
            "untrusted comment: minisign public key {}\n{}\n",
            keynum_display(&self.keynum),
            BASE64.encode(&blob)
        )
        .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed_unchecked(&[9u8; 32]).unwrap()
    }

    fn pk() -> [u8; 32] {
        use ring::signature::KeyPair;
        key().public_key().as_ref().try_into().unwrap()
    }

    #[test]
    fn sign_parse_verify_round_trip() {
        let s = MinisignSignature::create(&key(), [1; 8], b"data", "timestamp:1\tfile:x", "u");
        let bytes = s.to_bytes();
        let p = MinisignSignature::parse(&bytes).unwrap();
        assert_eq!(p, s);
        p.verify(&pk(), b"data").unwrap();
        assert!(matches!(
            p.verify(&pk(), b"datb"),
            Err(SignError::BadSignature)
        ));
        let mut t = p.clone();
        t.trusted_comment.push('!');
        assert!(matches!(
            t.verify(&pk(), b"data"),
            Err(SignError::BadTrustedComment)
        ));
    }

    #[test]
    fn comments_stay_single_line() {
        let s = MinisignSignature::create(&key(), [1; 8], b"d", "a\nb", "c\rd");
        let p = MinisignSignature::parse(&s.to_bytes()).unwrap();
        assert_eq!(p.trusted_comment, "a b");
        p.verify(&pk(), b"d").unwrap();
    }

    /// Found by the `minisign` fuzz target: a comment ending in `\r`
    /// before a CRLF line end parsed to a comment that `to_bytes` could
    /// not write back (fuzz/regressions/minisign/).
    #[test]
    fn crlf_accepted_stray_carriage_return_refused() {
        let good = MinisignSignature::create(&key(), [1; 8], b"d", "t", "u").to_bytes();
        let crlf = String::from_utf8(good).unwrap().replace('\n', "\r\n");
        let p = MinisignSignature::parse(crlf.as_bytes()).unwrap();
        p.verify(&pk(), b"d").unwrap();
        assert_eq!(MinisignSignature::parse(&p.to_bytes()).unwrap(), p);
        let stray = crlf.replacen("trusted comment: t", "trusted comment: t\r", 1);
        let err = MinisignSignature::parse(stray.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn garbage_is_an_error() {
        let good = MinisignSignature::create(&key(), [1; 8], b"d", "t", "u").to_bytes();
        let text = String::from_utf8(good.clone()).unwrap();
        let legacy = {
            let l: Vec<&str> = text.lines().collect();
            let mut blob = BASE64.decode(l[1]).unwrap();
            blob[1] = b'd';
            format!("{}\n{}\n{}\n{}\n", l[0], BASE64.encode(blob), l[2], l[3])
        };
        let truncated = text.replacen(
            text.lines().nth(1).unwrap(),
            &text.lines().nth(1).unwrap()[..40],
            1,
        );
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            b"\n\n\n\n".to_vec(),
            good[..good.len() / 2].to_vec(),
            truncated.into_bytes(),
            legacy.into_bytes(),
            vec![0xff; 100],
            vec![b'a'; MAX_TEXT_FILE + 1],
        ];
        for c in cases {
            assert!(
                MinisignSignature::parse(&c).is_err(),
                "{:?}",
                String::from_utf8_lossy(&c)
            );
            assert!(MinisignPublicKey::parse(&c).is_err());
        }
    }

    #[test]
    fn public_key_round_trip() {
        let k = MinisignPublicKey {
            keynum: [1, 2, 3, 4, 5, 6, 7, 8],
            public_key: pk(),
        };
        let b = k.to_bytes();
        assert!(
            String::from_utf8_lossy(&b)
                .starts_with("untrusted comment: minisign public key 0807060504030201\n")
        );
        assert_eq!(MinisignPublicKey::parse(&b).unwrap(), k);
    }
}
