//! Checking files against a hash list, like `sha256sum -c` and
//! `hashdeep -a`: every entry gets an outcome, in list order.
//!
//! A check prefers a false alarm to a missed change: a size mismatch, any
//! one digest mismatch, a missing or unreadable file each fail the entry.

use super::parse::{HashList, ListEntry};
use crate::hash::{AlgorithmSet, Digest, HashOptions};
use crate::pathrepr::path_from_bytes;
use crate::source::{OpenMode, hash_path, ordered_map};
use std::io;

/// A digest that did not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What the list says.
    pub expected: Digest,
    /// What the file hashes to now.
    pub actual: Digest,
}

/// The outcome for one list entry.
#[derive(Debug)]
pub enum CheckStatus {
    /// Every digest (and the size, if listed) matches.
    Ok,
    /// The file was read and something differs.
    Failed {
        /// Digests that differ.
        mismatches: Vec<Mismatch>,
        /// `(expected, actual)` when the size differs.
        size: Option<(u64, u64)>,
    },
    /// No file by that name.
    Missing,
    /// The file exists but could not be read.
    Unreadable(io::Error),
}

/// One checked entry.
#[derive(Debug)]
pub struct CheckOutcome {
    /// The list entry.
    pub entry: ListEntry,
    /// What was found.
    pub status: CheckStatus,
}

fn check_entry(
    entry: ListEntry,
    block_size: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> CheckOutcome {
    let Some(algorithms) = AlgorithmSet::new(entry.expected.iter().map(|d| d.algorithm)) else {
        // The parser never yields an entry without digests; treat it as a
        // failure rather than a pass if it ever did.
        return CheckOutcome {
            entry,
            status: CheckStatus::Failed {
                mismatches: Vec::new(),
                size: None,
            },
        };
    };
    let opts = HashOptions {
        algorithms,
        block_size,
        ..HashOptions::default()
    };
    let path = path_from_bytes(&entry.name);
    let status = match hash_path(path, OpenMode::Direct, &opts, &mut |n| progress(n)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => CheckStatus::Missing,
        Err(e) => CheckStatus::Unreadable(e),
        Ok(result) => {
            let mismatches: Vec<Mismatch> = entry
                .expected
                .iter()
                .filter_map(|exp| {
                    let actual = result.digest(exp.algorithm)?;
                    (actual != exp).then(|| Mismatch {
                        expected: exp.clone(),
                        actual: actual.clone(),
                    })
                })
                .collect();
            let size = entry
                .size
                .filter(|s| *s != result.size)
                .map(|s| (s, result.size));
            if mismatches.is_empty() && size.is_none() {
                CheckStatus::Ok
            } else {
                CheckStatus::Failed { mismatches, size }
            }
        }
    };
    CheckOutcome { entry, status }
}

/// Check every entry of `list` (names relative to the current directory,
/// as the peer tools do), calling `emit` in list order.
pub fn check_list<E>(
    list: HashList,
    threads: usize,
    block_size: usize,
    progress: &(dyn Fn(u64) + Sync),
    emit: &mut dyn FnMut(CheckOutcome) -> Result<(), E>,
) -> Result<(), E> {
    let work = |entry: ListEntry| check_entry(entry, block_size, progress);
    ordered_map(list.entries.into_iter(), threads, 1024, &work, emit)
}
