//! Every member name of a bundle, in one place, and the rules that turn an
//! evidence path into a name BagIt tools can carry.
//!
//! Invariants:
//! - Member names are relative, `/`-separated, valid UTF-8, without `..`,
//!   control characters, backslashes, `%` or names Windows cannot carry.
//! - Escaping is deterministic and injective: a byte that cannot be carried
//!   (control characters including CR and LF, `%`, `\`, bytes of invalid
//!   UTF-8, and the escape character `^` itself) becomes `^XX` with
//!   upper-case hex, so the same evidence always gets the same name and two
//!   names never merge. The original bytes are kept in `manifest.json`.
//!   `^` rather than `%` is the escape character because tools disagree on
//!   percent-decoding manifest paths (bagit.py decodes `%0A` and `%0D` but
//!   not `%25`); an escaped name holds no `%`, so every tool reads it alike.
//! - Names are in Unicode NFC (DESIGN.md section 4): a component in
//!   another normal form (as macOS writes decomposed accents) is stored
//!   under its NFC spelling, the original bytes again in `manifest.json`.
//!   Two files whose names differ only in normal form would then meet on
//!   one name, so they are told apart like case collisions.
//! - Names Windows cannot carry (`winname`) are escaped the same way:
//!   `:<>"|?*` always, a component's trailing dot or space, and the first
//!   character of a reserved device name (`NUL.txt` becomes `^4EUL.txt`).
//! - Names that would collide case-insensitively get a `^7EN` suffix on
//!   their last component (a natural `^` is always escaped, so the suffix
//!   cannot be mistaken for part of a name).

use super::zip::winname;
use crate::hash::Algorithm;
use unicode_normalization::UnicodeNormalization;

/// `bagit.txt`: the bag declaration.
pub const BAGIT_TXT: &str = "bagit.txt";
/// The exact bytes of `bagit.txt`.
pub const BAGIT_TXT_CONTENT: &[u8] = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
/// `bag-info.txt`: reserved and case labels.
pub const BAG_INFO: &str = "bag-info.txt";
/// The tag manifest we write and require.
pub const TAGMANIFEST_SHA256: &str = "tagmanifest-sha256.txt";
/// The payload directory (with its slash).
pub const DATA_DIR: &str = "data/";
/// The rich manifest.
pub const MANIFEST_JSON: &str = "evidentia/manifest.json";
/// The directory of evidentia's own tag files (with its slash).
pub const EVIDENTIA_DIR: &str = "evidentia/";
/// Custody events (with its slash).
pub const CUSTODY_DIR: &str = "custody/";
/// Signers' public keys and certificates (with its slash).
pub const KEYS_DIR: &str = "keys/";
/// Suffix of a detached minisign signature.
pub const MINISIG_SUFFIX: &str = ".minisig";
/// A derived bundle's proof of origin (`evidentia export`; with its
/// slash): tag files, listed in the tag manifest.
pub const PROVENANCE_DIR: &str = "provenance/";
/// The original's seal event, byte for byte (its signature beside it,
/// [`signature_name`]).
pub const PROVENANCE_SEAL: &str = "provenance/seal.json";
/// One inclusion proof per disclosed file.
pub const PROVENANCE_PROOFS: &str = "provenance/proofs.json";
/// `export --reveal-manifest`: the original's manifest.json, byte for byte.
pub const PROVENANCE_MANIFEST: &str = "provenance/manifest.json";
/// `export --reveal-manifest`: the original's tag manifest, byte for byte.
pub const PROVENANCE_TAGMANIFEST: &str = "provenance/tagmanifest-sha256.txt";

/// Where a member of the original bundle (its sealer's `keys/...` files)
/// is carried in a derived bundle: `provenance/keys/...`.
pub fn provenance_name(member: &str) -> String {
    format!("{PROVENANCE_DIR}{member}")
}

/// The algorithms BagIt manifests may use, as in their file names.
pub const MANIFEST_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::Md5,
    Algorithm::Sha1,
    Algorithm::Sha256,
    Algorithm::Sha512,
];

/// `manifest-<algo>.txt`.
pub fn manifest_name(algo: Algorithm) -> String {
    format!("manifest-{}.txt", algo.name())
}

/// `tagmanifest-<algo>.txt`.
pub fn tagmanifest_name(algo: Algorithm) -> String {
    format!("tagmanifest-{}.txt", algo.name())
}

/// The algorithm of a `manifest-<algo>.txt` name (relative to the bag).
pub fn manifest_algorithm(name: &str) -> Option<Algorithm> {
    let a = name.strip_prefix("manifest-")?.strip_suffix(".txt")?;
    MANIFEST_ALGORITHMS.into_iter().find(|x| x.name() == a)
}

/// The algorithm of a `tagmanifest-<algo>.txt` name.
pub fn tagmanifest_algorithm(name: &str) -> Option<Algorithm> {
    let a = name.strip_prefix("tagmanifest-")?.strip_suffix(".txt")?;
    MANIFEST_ALGORITHMS.into_iter().find(|x| x.name() == a)
}

/// The name of custody event `seq` with `action`: `custody/000001-seal.json`.
pub fn event_name(seq: u64, action: &str) -> String {
    format!("{CUSTODY_DIR}{seq:06}-{action}.json")
}

/// The signature member of an event or certificate member.
pub fn signature_name(member: &str) -> String {
    format!("{member}{MINISIG_SUFFIX}")
}

/// A signer's public key file: `keys/<KEYID>.pub`.
pub fn public_key_name(key_id: &str) -> String {
    format!("{KEYS_DIR}{key_id}.pub")
}

/// A signer's key certificate: `keys/<KEYID>.cert.json`.
pub fn certificate_name(key_id: &str) -> String {
    format!("{KEYS_DIR}{key_id}.cert.json")
}

/// Parse `custody/NNNNNN-action.json` into (seq, action).
pub fn parse_event_name(name: &str) -> Option<(u64, &str)> {
    let rest = name.strip_prefix(CUSTODY_DIR)?.strip_suffix(".json")?;
    let (num, action) = rest.split_once('-')?;
    if num.len() != 6 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if action.is_empty() || !action.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return None;
    }
    Some((num.parse().ok()?, action))
}

/// The escape character of member names.
pub const ESCAPE: u8 = b'^';

/// Whether `b` must be escaped in a member name.
fn must_escape(b: u8) -> bool {
    b < 0x20
        || b == 0x7f
        || b == b'%'
        || b == b'\\'
        || b == ESCAPE
        || winname::FORBIDDEN.contains(&char::from(b))
}

/// Escape one path component (raw bytes) into a carriable name.
pub fn escape_component(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while !rest.is_empty() {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(s) => (s, 0),
            Err(e) => {
                // SAFETY-free: the prefix up to valid_up_to is valid UTF-8.
                let s = std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or("");
                (s, e.error_len().unwrap_or(rest.len() - e.valid_up_to()))
            }
        };
        for c in valid.nfc() {
            if c.is_ascii() && must_escape(c as u8) {
                out.push_str(&format!("^{:02X}", c as u8));
            } else {
                out.push(c);
            }
        }
        let start = valid.len();
        for b in &rest[start..start + bad] {
            out.push_str(&format!("^{b:02X}"));
        }
        rest = &rest[start + bad..];
    }
    // "." and ".." are not names a bag can hold.
    match out.as_str() {
        "" => "^00".to_string(),
        "." => "^2E".to_string(),
        ".." => "^2E^2E".to_string(),
        _ => windows_safe(out),
    }
}

/// Escape what Windows would strip or take for a device (see
/// [`winname`]): a trailing dot or space (its last character is escaped),
/// a reserved device name (its first character is escaped: `NUL.txt`
/// becomes `^4EUL.txt`). Every natural `^` is escaped already, so the
/// result stays injective.
fn windows_safe(mut out: String) -> String {
    if let Some(last) = out.pop() {
        if last == '.' || last == ' ' {
            out.push_str(&format!("^{:02X}", last as u8));
        } else {
            out.push(last);
        }
    }
    if winname::is_reserved(&out) {
        // A reserved name starts with an ASCII letter.
        let first = out.as_bytes()[0];
        out.replace_range(..1, &format!("^{first:02X}"));
    }
    out
}

/// Escape a relative path given as raw components into a `/`-joined name.
pub fn escape_path(components: &[&[u8]]) -> String {
    components
        .iter()
        .map(|c| escape_component(c))
        .collect::<Vec<_>>()
        .join("/")
}

/// A name as file systems may confuse it: lower case, and in Unicode NFC
/// (macOS file systems treat `é` precomposed and decomposed as one name, so
/// two such entries would land on one file when a bundle is unpacked), and
/// without trailing dots and spaces in components or a trailing `/` (as
/// Windows stores `a.` as `a`; names `seal` makes never end so). Seal
/// tells such names apart and verify refuses them, by this one function.
pub fn fold(name: &str) -> String {
    let name = &*winname::strip(name);
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    let nfc: String = name.nfc().collect();
    nfc.to_lowercase().nfc().collect()
}

/// Make escaped names unique ignoring case and normal form ([`fold`]):
/// the first (in the given order) keeps its name, later ones get `^7E1`,
/// `^7E2`, ... appended. Returns the names in the same order. The rule's
/// reference form: seal applies it in place without a map of names, and
/// its test checks the two agree.
#[cfg(test)]
pub fn disambiguate(names: &[String]) -> Vec<String> {
    let mut seen: std::collections::BTreeMap<String, u64> = Default::default();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let key = fold(n);
        match seen.get_mut(&key) {
            None => {
                seen.insert(key, 0);
                out.push(n.clone());
            }
            Some(count) => {
                *count += 1;
                out.push(format!("{n}^7E{count}"));
            }
        }
    }
    out
}

/// Percent-encode a path for a BagIt manifest line (RFC 8493 §2.1.3):
/// CR, LF and `%`.
pub fn manifest_encode(path: &str) -> String {
    path.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Decode a manifest path (the inverse of [`manifest_encode`]; the hex
/// digits may be in either case, as RFC 8493 allows).
pub fn manifest_decode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).map(str::to_ascii_uppercase);
        match code.as_deref() {
            Some("25") => out.push('%'),
            Some("0D") => out.push('\r'),
            Some("0A") => out.push('\n'),
            _ => {
                out.push('%');
                rest = &rest[i + 1..];
                continue;
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_is_injective_and_carriable() {
        assert_eq!(escape_component(b"plain name.txt"), "plain name.txt");
        assert_eq!(escape_component(b"a\nb"), "a^0Ab");
        assert_eq!(escape_component(b"a^0Ab"), "a^5E0Ab");
        assert_eq!(escape_component(b"50%"), "50^25");
        assert_eq!(escape_component(b"x\xff\xfey"), "x^FF^FEy");
        assert_eq!(escape_component("é\\".as_bytes()), "é^5C");
        assert_eq!(escape_component(b".."), "^2E^2E");
    }

    #[test]
    fn windows_names_are_escaped() {
        let cases: &[(&[u8], &str)] = &[
            (b"a.", "a^2E"),
            (b"a ", "a^20"),
            (b"a..", "a.^2E"),
            (b"x:y", "x^3Ay"),
            (b"<>\"|?*", "^3C^3E^22^7C^3F^2A"),
            (b"NUL", "^4EUL"),
            (b"nul.txt", "^6Eul.txt"),
            (b"CON .x", "^43ON .x"),
            ("COM\u{b9}".as_bytes(), "^43OM\u{b9}"),
            (b"lpt9.tar.gz", "^6Cpt9.tar.gz"),
            (b"NUL.", "NUL^2E"),
            (b"console", "console"),
            (b".hidden", ".hidden"),
        ];
        for (raw, want) in cases {
            let got = escape_component(raw);
            assert_eq!(got, *want, "{raw:?}");
            assert_eq!(winname::component_problem(&got), None, "{got}");
        }
        // Distinct inputs stay distinct.
        assert_ne!(escape_component(b"a."), escape_component(b"a^2E"));
        assert_ne!(escape_component(b"NUL"), escape_component(b"^4EUL"));
    }

    #[test]
    fn names_are_stored_in_nfc() {
        // "é" decomposed (e + U+0301) is stored as the precomposed U+00E9.
        assert_eq!(
            escape_component("cafe\u{301}.txt".as_bytes()),
            "caf\u{e9}.txt"
        );
        assert_eq!(
            escape_component("caf\u{e9}.txt".as_bytes()),
            "caf\u{e9}.txt"
        );
        // Normalisation happens around escaped bytes too.
        assert_eq!(escape_component(b"e\xcc\x81\xff%"), "\u{e9}^FF^25");
        // The two spellings collide, and are told apart.
        let names = vec![
            escape_component("cafe\u{301}".as_bytes()),
            escape_component("caf\u{e9}".as_bytes()),
        ];
        assert_eq!(disambiguate(&names), vec!["caf\u{e9}", "caf\u{e9}^7E1"]);
    }

    #[test]
    fn collisions_get_suffixes() {
        let names = vec![
            "data/A".to_string(),
            "data/a".to_string(),
            "data/b".to_string(),
        ];
        assert_eq!(disambiguate(&names), vec!["data/A", "data/a^7E1", "data/b"]);
    }

    #[test]
    fn manifest_paths_roundtrip() {
        let p = "data/a%25b\nc\r";
        assert_eq!(manifest_decode(&manifest_encode(p)), p);
        assert_eq!(manifest_decode("a%0aB"), "a\nB");
    }

    #[test]
    fn event_names() {
        assert_eq!(event_name(1, "seal"), "custody/000001-seal.json");
        assert_eq!(
            parse_event_name("custody/000012-transfer.json"),
            Some((12, "transfer"))
        );
        assert_eq!(parse_event_name("custody/12-x.json"), None);
    }
}
