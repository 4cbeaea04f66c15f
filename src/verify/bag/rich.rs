//! What the payload pass collects: findings capped like the findings
//! themselves ([`Capped`]), and the comparison of a file's hashes with its
//! manifest.json entry (size, SHA-256, BLAKE3, every piece).

use crate::hash::{Algorithm, HashResult, to_hex};
use crate::model::FileEntry;
use crate::verify::findings::{Weight, has_room};
use crate::verify::{Finding, FindingCode, Findings};

/// A list kept to at most [`crate::verify::MAX_FINDINGS`] items (and
/// [`crate::verify::findings::MAX_LISTED_BYTES`]), counting the rest: what
/// becomes findings later is bounded like the findings themselves.
pub(super) struct Capped<T> {
    /// The items kept.
    pub(super) list: Vec<T>,
    /// Their bytes of text.
    bytes: usize,
    /// How many more there were.
    pub(super) more: u64,
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Capped {
            list: Vec::new(),
            bytes: 0,
            more: 0,
        }
    }
}

impl<T: Weight> Capped<T> {
    pub(super) fn push(&mut self, x: T) {
        let w = x.weight();
        if has_room(self.list.len(), self.bytes, w) {
            self.bytes += w;
            self.list.push(x);
        } else {
            // The list stays a prefix: once one is refused, all are.
            self.bytes = crate::verify::findings::MAX_LISTED_BYTES;
            self.more += 1;
        }
    }

    /// Turn every item into a finding, in order.
    pub(super) fn flush(self, findings: &mut Findings, f: impl Fn(T) -> Finding) {
        for x in self.list {
            findings.push(f(x));
        }
        findings.count(self.more);
    }
}

/// Compare what manifest.json says of `p` with its actual hashes.
pub(super) fn compare_rich(
    p: &str,
    r: &FileEntry,
    result: &HashResult,
    findings: &mut Vec<Finding>,
) {
    let hex = |a| result.digest(a).map(|d| d.hex()).unwrap_or_default();
    let mut cmp = |what: &str, want: &str, got: String| {
        if want != got {
            findings.push(Finding::values(
                FindingCode::ManifestJson,
                p,
                format!("{what} in manifest.json differs"),
                want,
                got,
            ));
        }
    };
    cmp("size", &r.size.to_string(), result.size.to_string());
    cmp("sha256", &r.sha256, hex(Algorithm::Sha256));
    cmp("blake3", &r.blake3, hex(Algorithm::Blake3));
    let pieces: Vec<String> = result
        .pieces
        .as_ref()
        .map(|ps| ps.pieces.iter().map(|x| to_hex(&x.digest)).collect())
        .unwrap_or_default();
    let pieces = if pieces.len() > 1 { pieces } else { Vec::new() };
    if r.pieces != pieces {
        let algo = result.pieces.as_ref().map_or("", |ps| ps.algorithm.name());
        let bad = r.pieces.iter().zip(&pieces).position(|(a, b)| a != b);
        let finding = match (bad, &result.pieces) {
            (Some(i), Some(ps)) => {
                let at = &ps.pieces[i];
                Finding::values(
                    FindingCode::ManifestJson,
                    p,
                    format!(
                        "piecewise {algo} hash {i} (bytes {}..{}) in manifest.json differs",
                        at.offset,
                        at.offset + at.len
                    ),
                    &r.pieces[i],
                    &pieces[i],
                )
            }
            _ => Finding::values(
                FindingCode::ManifestJson,
                p,
                "piecewise hash count in manifest.json differs",
                r.pieces.len().to_string(),
                pieces.len().to_string(),
            ),
        };
        findings.push(finding);
    }
}
