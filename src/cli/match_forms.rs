//! The wire and text forms of known-hash matches and of the digests the
//! locker holds for every file of a bundle, shared by `ingest` and
//! `locker show` (moved out of `ingest_cmd.rs`, which re-exports them).

use super::output::sanitize;
use evidentia::locker::{DigestOrigin, INGEST_ALGORITHMS, MatchRow};
use serde::Serialize;

/// A known-hash match on the wire.
#[derive(Serialize)]
pub struct JsonMatch<'a> {
    /// Path in the bag.
    pub path: &'a str,
    /// Hash set.
    pub hashset: &'a str,
    /// `known-good` or `known-bad`.
    pub set_kind: &'static str,
    /// Algorithm.
    pub algorithm: &'a str,
    /// `sealed` or `computed-at-ingest`: where the file's digest that
    /// matched comes from.
    pub digest_origin: &'static str,
    /// Name the set lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed_name: Option<&'a str>,
}

/// Convert match rows for JSON.
pub fn json_matches(m: &[MatchRow]) -> Vec<JsonMatch<'_>> {
    m.iter()
        .map(|m| JsonMatch {
            path: &m.path,
            hashset: &m.hashset,
            set_kind: if m.known_bad {
                "known-bad"
            } else {
                "known-good"
            },
            algorithm: &m.algorithm,
            digest_origin: m.origin.as_str(),
            listed_name: m.listed_name.as_deref(),
        })
        .collect()
}

/// The digests held for every file, by algorithm, with their origin
/// (`sealed`, `computed-at-ingest`).
pub fn json_held(
    held: &[(evidentia::hash::Algorithm, DigestOrigin)],
) -> std::collections::BTreeMap<&'static str, &'static str> {
    held.iter().map(|(a, o)| (a.name(), o.as_str())).collect()
}

/// The digests held in words: `sha256, blake3 sealed; md5, sha1 computed
/// at ingest`.
pub fn held_text(held: &[(evidentia::hash::Algorithm, DigestOrigin)]) -> String {
    let list = |o: DigestOrigin| -> Vec<&str> {
        held.iter()
            .filter(|h| h.1 == o)
            .map(|h| h.0.name())
            .collect()
    };
    let mut parts = Vec::new();
    let sealed = list(DigestOrigin::Sealed);
    if !sealed.is_empty() {
        parts.push(format!("{} sealed", sealed.join(", ")));
    }
    let computed = list(DigestOrigin::Ingest);
    if !computed.is_empty() {
        parts.push(format!("{} computed at ingest", computed.join(", ")));
    }
    let missing: Vec<&str> = INGEST_ALGORITHMS
        .iter()
        .filter(|a| !held.iter().any(|h| h.0 == **a))
        .map(|a| a.name())
        .collect();
    if !missing.is_empty() && !held.is_empty() {
        parts.push(format!(
            "no {} (ingested before evidentia computed them; ingest the bundle again to add them)",
            missing.join(", ")
        ));
    }
    parts.join("; ")
}

/// One hash-set match as people read it: `  ALERT known-bad: PATH (hash
/// set NAME, ALGO)`, then `suffix` (a label such as "unverified") and a
/// line end.
pub fn match_line(m: &MatchRow, suffix: &str) -> String {
    let label = if m.known_bad {
        "ALERT known-bad"
    } else {
        "known-good"
    };
    format!(
        "  {label}: {} (hash set {}, {}){suffix}\n",
        sanitize(&m.path),
        sanitize(&m.hashset),
        match_algorithm(m)
    )
}

/// The algorithm of a match, and `computed at ingest` when the file's
/// digest was not sealed.
pub fn match_algorithm(m: &MatchRow) -> String {
    match m.origin {
        DigestOrigin::Sealed => m.algorithm.clone(),
        DigestOrigin::Ingest => format!("{} computed at ingest", m.algorithm),
    }
}
