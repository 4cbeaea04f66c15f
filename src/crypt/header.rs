//! What can be said about an age file without a key: its stanzas' types
//! and count, read from the text header. age names no recipient (an X25519
//! stanza holds only an ephemeral share), so this is all a "not for you"
//! message can tell. A parser of hostile input: bounded, never panics.
//! The age crate does the real parse and the header MAC check.

/// The first line of every age v1 file.
pub const MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// The first line of an ASCII-armored age file.
pub const ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
/// The most header bytes read (about 10,000 X25519 stanzas).
pub const MAX_HEADER: usize = 1 << 20;

/// What kind of file the first bytes show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// A binary age v1 file.
    Age,
    /// An ASCII-armored age file (`age -a`).
    Armored,
    /// Anything else.
    Other,
}

/// Classify a file by its first bytes.
pub fn sniff(start: &[u8]) -> Sniff {
    if start.starts_with(MAGIC) {
        Sniff::Age
    } else if start.trim_ascii_start().starts_with(ARMOR) {
        Sniff::Armored
    } else {
        Sniff::Other
    }
}

/// The stanzas of a header, by type (`X25519`, `scrypt`, ...), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanzas(pub Vec<String>);

impl Stanzas {
    /// "2 recipients (X25519)", "1 recipient (X25519), 1 passphrase
    /// (scrypt)". age's "grease" stanzas (random types ending in
    /// `-grease`, noise that keeps parsers honest) are left out.
    pub fn describe(&self) -> String {
        let mut kinds: Vec<(&str, usize)> = vec![];
        for t in self.0.iter().filter(|t| !t.ends_with("-grease")) {
            match kinds.iter_mut().find(|(k, _)| k == t) {
                Some((_, n)) => *n += 1,
                None => kinds.push((t, 1)),
            }
        }
        let part = |(k, n): &(&str, usize)| {
            let noun = match (*k, *n) {
                ("scrypt", 1) => "passphrase",
                ("scrypt", _) => "passphrases",
                (_, 1) => "recipient",
                _ => "recipients",
            };
            format!("{n} {noun} ({k})")
        };
        let parts: Vec<String> = kinds.iter().map(part).collect();
        if parts.is_empty() {
            "no recipients".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Read the stanza types from the start of a file (at most
/// [`MAX_HEADER`] bytes of it). `Err` says why it is not a v1 header.
pub fn stanzas(start: &[u8]) -> Result<Stanzas, String> {
    let body = start
        .strip_prefix(MAGIC)
        .ok_or_else(|| "it does not start with \"age-encryption.org/v1\"".to_string())?;
    let mut types = vec![];
    let mut lines = body.split(|b| *b == b'\n');
    let mut in_body = false;
    for (n, line) in lines.by_ref().enumerate() {
        if n > MAX_HEADER / 2 {
            break;
        }
        if line.starts_with(b"--- ") {
            return Ok(Stanzas(types));
        }
        if let Some(rest) = line.strip_prefix(b"-> ") {
            let kind = rest.split(|b| *b == b' ').next().unwrap_or_default();
            if kind.is_empty() || !kind.iter().all(|b| b.is_ascii_graphic()) {
                return Err(format!("stanza {} has no valid type", types.len() + 1));
            }
            types.push(String::from_utf8_lossy(kind).into_owned());
            in_body = true;
            continue;
        }
        if !in_body
            || line.len() > 64
            || !line
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        {
            return Err("the header is not age's stanza format".into());
        }
    }
    Err("the header has no end (\"---\" line) in its first MiB: cut short or not age".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_lists() {
        let h = b"age-encryption.org/v1\n-> X25519 abc\nAAAA\n-> X25519 def\n\n-> scrypt s 18\nBBBB\n--- mac\nbinary";
        assert_eq!(sniff(h), Sniff::Age);
        assert_eq!(
            sniff(b"  -----BEGIN AGE ENCRYPTED FILE-----\n"),
            Sniff::Armored
        );
        assert_eq!(sniff(b"PK\x03\x04"), Sniff::Other);
        let s = stanzas(h).unwrap();
        assert_eq!(s.0, ["X25519", "X25519", "scrypt"]);
        assert_eq!(s.describe(), "2 recipients (X25519), 1 passphrase (scrypt)");
    }

    #[test]
    fn hostile_headers_are_errors_not_panics() {
        for h in [
            &b""[..],
            b"age-encryption.org/v1\n",
            b"age-encryption.org/v1\n-> \n--- x",
            b"age-encryption.org/v1\nnot a stanza\n--- x",
            b"age-encryption.org/v1\n-> X\x1b[2J y\n--- x",
        ] {
            assert!(stanzas(h).is_err(), "{h:?}");
        }
        let many = [&b"age-encryption.org/v1\n"[..], &b"-> a\n".repeat(300_000)].concat();
        assert!(stanzas(&many).is_err());
    }
}
