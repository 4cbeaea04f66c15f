//! The encryption half of a key: an X25519 key pair in the `age` v1
//! format, derived from the Ed25519 seed, so that it is kept encrypted at
//! rest exactly as the signing key is (same file, passphrase and
//! protections) and needs nothing new to back up.
//!
//! `secret = HKDF-SHA256(salt = "evidentia/age-identity/v1",
//! ikm = seed, info = public_key)`, 32 bytes, used as the X25519 scalar
//! (age clamps it). The recipient (`age1...`) is the public half; the
//! identity (`AGE-SECRET-KEY-1...`) is what stock `age -d -i` takes.
//! See docs/formats/keys.md.

use super::SignError;
use bech32::{Bech32, Hrp};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use std::str::FromStr;
use zeroize::Zeroizing;

const SALT: &[u8] = b"evidentia/age-identity/v1";
const SECRET_HRP: &str = "age-secret-key-";

/// An age recipient, the public half (`age1...`), checked.
pub type Recipient = age::x25519::Recipient;
/// An age identity, the secret half.
pub type AgeIdentity = age::x25519::Identity;

struct Len32;
impl KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

/// The 32 secret bytes for the key with `seed` and `public_key`.
fn secret_bytes(seed: &[u8; 32], public_key: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>, SignError> {
    let prk = Salt::new(HKDF_SHA256, SALT).extract(seed);
    let info = [public_key.as_slice()];
    let okm = prk.expand(&info, Len32).map_err(|_| SignError::Random)?;
    let mut out = Zeroizing::new([0u8; 32]);
    okm.fill(out.as_mut()).map_err(|_| SignError::Random)?;
    Ok(out)
}

/// The identity in age's text form (`AGE-SECRET-KEY-1...`, upper case),
/// for `key export --age-identity`. Wiped on drop.
pub fn identity_text(
    seed: &[u8; 32],
    public_key: &[u8; 32],
) -> Result<Zeroizing<String>, SignError> {
    let bytes = secret_bytes(seed, public_key)?;
    let hrp = Hrp::parse(SECRET_HRP).map_err(|_| SignError::Random)?;
    let lower = Zeroizing::new(
        bech32::encode::<Bech32>(hrp, bytes.as_ref()).map_err(|_| SignError::Random)?,
    );
    Ok(Zeroizing::new(lower.to_uppercase()))
}

/// The age identity of the key with `seed` and `public_key`.
pub fn derive(seed: &[u8; 32], public_key: &[u8; 32]) -> Result<AgeIdentity, SignError> {
    let text = identity_text(seed, public_key)?;
    AgeIdentity::from_str(&text).map_err(|_| SignError::Random)
}

/// Parse a recipient string (`age1...`); `what` names where it came from
/// in the error ("public key file", "certificate", "--to").
pub fn parse_recipient(what: &'static str, s: &str) -> Result<Recipient, SignError> {
    let reason = if !s.starts_with("age1") {
        "an age recipient starts with \"age1\"".to_string()
    } else if s.len() != 62 {
        format!(
            "an age recipient has 62 characters, this one {} (a character lost or added?)",
            s.len()
        )
    } else {
        match Recipient::from_str(s) {
            Ok(r) => return Ok(r),
            Err(_) => "its checksum does not match (a mistyped character?)".to_string(),
        }
    };
    Err(SignError::Malformed {
        what,
        reason: format!("recipient {s:?}: {reason}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::Identity as _;

    #[test]
    fn derived_identity_is_stable_and_per_key() {
        let a = derive(&[1; 32], &[2; 32]).unwrap().to_public().to_string();
        assert_eq!(
            a,
            derive(&[1; 32], &[2; 32]).unwrap().to_public().to_string()
        );
        assert!(a.starts_with("age1") && a.len() == 62, "{a}");
        assert_ne!(
            a,
            derive(&[1; 32], &[3; 32]).unwrap().to_public().to_string()
        );
        assert_ne!(
            a,
            derive(&[4; 32], &[2; 32]).unwrap().to_public().to_string()
        );
        let t = identity_text(&[1; 32], &[2; 32]).unwrap();
        assert!(t.starts_with("AGE-SECRET-KEY-1"), "{}", &t[..16]);
    }

    #[test]
    fn recipient_typos_are_named() {
        let good = derive(&[9; 32], &[8; 32]).unwrap().to_public().to_string();
        assert!(parse_recipient("--to", &good).is_ok());
        let mut typo = good.clone().into_bytes();
        typo[20] = if typo[20] == b'q' { b'p' } else { b'q' };
        let typo = String::from_utf8(typo).unwrap();
        let e = parse_recipient("--to", &typo).unwrap_err().to_string();
        assert!(e.contains("checksum"), "{e}");
        let e = parse_recipient("--to", &good[..61])
            .unwrap_err()
            .to_string();
        assert!(e.contains("62 characters"), "{e}");
        let e = parse_recipient("--to", "AGE1xyz").unwrap_err().to_string();
        assert!(e.contains("starts with"), "{e}");
    }

    #[test]
    fn round_trip_through_age() {
        let id = derive(&[5; 32], &[6; 32]).unwrap();
        let r = id.to_public();
        let enc =
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
        let mut out = vec![];
        let mut w = enc.wrap_output(&mut out).unwrap();
        std::io::Write::write_all(&mut w, b"evidence").unwrap();
        w.finish().unwrap();
        let d = age::Decryptor::new_buffered(&out[..]).unwrap();
        let mut r = d
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .unwrap();
        let mut s = vec![];
        std::io::Read::read_to_end(&mut r, &mut s).unwrap();
        assert_eq!(s, b"evidence");
        let _ = id.unwrap_stanzas(&[]);
    }
}
