//! Findings: each problem `verify` reports (a stable code, the path, the
//! expected and actual values), and the list that also records which
//! mandatory check each finding belongs to.

use super::checks::{self, Check};
use super::codes::FindingCode;
use serde::Serialize;

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable code (`digest-mismatch`, `unexpected-file`, ...).
    pub code: FindingCode,
    /// The member (relative to the bag where possible).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The expected value, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The actual value, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl Finding {
    /// A finding without values.
    pub fn new(code: FindingCode, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            code,
            path: path.into(),
            message: message.into(),
            expected: None,
            actual: None,
        }
    }

    /// A finding with expected and actual values.
    pub fn values(
        code: FindingCode,
        path: impl Into<String>,
        message: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Finding {
        Finding {
            code,
            path: path.into(),
            message: message.into(),
            expected: Some(expected.into()),
            actual: Some(actual.into()),
        }
    }
}

/// At most this many findings are listed in a report; further ones are
/// counted, and one last `too-many-findings` says how many (so that a
/// hostile zip with a problem in each of millions of entries is reported
/// in bounded memory).
pub const MAX_FINDINGS: usize = 10_000;

/// At most this many bytes of text (paths, messages, values) are listed
/// in each list of findings: a hostile zip's names can be 64 KiB long, and
/// 10,000 of them would be 640 MiB. Past it, findings are counted like
/// those past [`MAX_FINDINGS`].
pub const MAX_LISTED_BYTES: usize = 8 << 20;

/// The bytes of text an item of a findings list holds.
pub trait Weight {
    /// Its bytes of text.
    fn weight(&self) -> usize;
}

impl Weight for Finding {
    fn weight(&self) -> usize {
        let v = |o: &Option<String>| o.as_ref().map_or(0, String::len);
        self.path.len() + self.message.len() + v(&self.expected) + v(&self.actual)
    }
}

impl Weight for String {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl<T: Weight, U> Weight for (T, U) {
    fn weight(&self) -> usize {
        self.0.weight()
    }
}

/// Whether a list of `len` items holding `bytes` has room for one more of
/// `weight` bytes (a list that refused one is marked full by setting
/// `bytes` to [`MAX_LISTED_BYTES`]).
pub fn has_room(len: usize, bytes: usize, weight: usize) -> bool {
    len < MAX_FINDINGS && bytes < MAX_LISTED_BYTES && bytes + weight <= MAX_LISTED_BYTES
}

/// The findings of a report: a list that reads like a `Vec<Finding>` and
/// keeps at most [`MAX_FINDINGS`] of them, in at most [`MAX_LISTED_BYTES`].
///
/// Every finding, listed or only counted, is also counted against the
/// mandatory check it belongs to (`checks::attribute`): by its code, or
/// else the check running when it was pushed ([`Findings::phase`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    list: Vec<Finding>,
    /// The bytes of text listed.
    bytes: usize,
    more: u64,
    phase: Check,
    pub(super) per_check: checks::PerCheck,
}

impl Default for Findings {
    fn default() -> Findings {
        Findings {
            list: Vec::new(),
            bytes: 0,
            more: 0,
            phase: Check::Container,
            per_check: checks::PerCheck::default(),
        }
    }
}

impl Findings {
    /// Add a finding (counted only, past the limit).
    pub fn push(&mut self, f: Finding) {
        let check = checks::attribute(f.code, &f.path, self.phase);
        self.per_check[check.index()] += 1;
        let w = f.weight();
        if has_room(self.list.len(), self.bytes, w) {
            self.bytes += w;
            self.list.push(f);
        } else {
            // Listed findings stay a prefix: once one is refused, all are.
            self.bytes = MAX_LISTED_BYTES;
            self.more += 1;
        }
    }

    /// Add findings in order.
    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        for f in fs {
            self.push(f);
        }
    }

    /// Move every finding of `fs` here, in order.
    pub fn append(&mut self, fs: &mut Vec<Finding>) {
        self.extend(fs.drain(..));
    }

    /// How many findings were counted but not listed.
    pub fn not_listed(&self) -> u64 {
        self.more
    }

    /// Count `n` findings that were never made (past the limit already),
    /// against the running check.
    pub fn count(&mut self, n: u64) {
        self.more += n;
        self.per_check[self.phase.index()] += n;
    }

    /// Say which check is running: findings whose code does not name
    /// their check count against it.
    pub fn phase(&mut self, check: Check) {
        self.phase = check;
    }

    /// Close the list: when findings were dropped, say how many.
    pub(super) fn close(&mut self) {
        if self.more > 0 {
            self.list.push(Finding::new(
                FindingCode::TooManyFindings,
                "*",
                format!(
                    "{} more problems were found and not listed (at most {MAX_FINDINGS} are, in at most {} MiB of text)",
                    self.more,
                    MAX_LISTED_BYTES >> 20
                ),
            ));
            self.more = 0;
        }
    }
}

impl std::ops::Deref for Findings {
    type Target = Vec<Finding>;
    fn deref(&self) -> &Vec<Finding> {
        &self.list
    }
}

impl Serialize for Findings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(s)
    }
}

impl IntoIterator for Findings {
    type Item = Finding;
    type IntoIter = std::vec::IntoIter<Finding>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a Finding;
    type IntoIter = std::slice::Iter<'a, Finding>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings naming 64 KiB paths are listed up to the byte budget, then
    /// counted; the list stays a prefix even when short ones follow.
    #[test]
    fn long_names_are_listed_within_the_byte_budget() {
        let mut f = Findings::default();
        for i in 0..1_000 {
            let path = format!("{i:04}{}", "x".repeat(65_531));
            f.push(Finding::new(FindingCode::MissingFile, path, "gone"));
        }
        f.push(Finding::new(FindingCode::MissingFile, "short", "gone"));
        let listed = f.len();
        assert!((100..1_000).contains(&listed), "{listed}");
        let bytes: usize = f.iter().map(Weight::weight).sum();
        assert!(bytes <= MAX_LISTED_BYTES, "{bytes}");
        assert!(f.iter().all(|x| x.path != "short"));
        assert_eq!(f.not_listed(), 1_001 - listed as u64);
        f.close();
        let last = f.last().unwrap();
        assert_eq!(last.code, FindingCode::TooManyFindings);
        assert!(
            last.message
                .starts_with(&format!("{} more", 1_001 - listed))
        );
    }
}
