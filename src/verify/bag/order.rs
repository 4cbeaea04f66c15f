//! The bag's members in name order: a zip whose entries come in a few
//! ascending runs is merged run by run (each read by its own stream of the
//! central directory); one in no order is sorted.

use crate::bundle::{Archive, Entries};

/// Runs of ascending names merged at once; more runs than this (only a
/// zip that is not in any order) are sorted instead.
pub(super) const MAX_RUNS: usize = 64;

/// Merge ascending runs of members (positions `runs` in `order`) into one
/// name order, each run read by its own stream of the directory.
pub(super) fn merge_runs(
    archive: &Archive,
    order: &[u32],
    runs: &[usize],
    skip: usize,
) -> Vec<u32> {
    struct Run<'a> {
        items: std::slice::Iter<'a, u32>,
        entries: Entries<'a>,
        head: Option<(String, u32)>,
    }
    fn advance(r: &mut Run<'_>, skip: usize) {
        r.head = r.items.next().and_then(|want| {
            let e = r.entries.find(|e| e.index >= *want as usize)?;
            Some((e.name.get(skip..).unwrap_or("").to_string(), *want))
        });
    }
    let mut list: Vec<Run<'_>> = runs
        .iter()
        .enumerate()
        .map(|(k, start)| {
            let end = runs.get(k + 1).copied().unwrap_or(order.len());
            let items = order[*start..end].iter();
            Run {
                entries: archive.entries_from(order[*start] as usize),
                items,
                head: None,
            }
        })
        .collect();
    for r in &mut list {
        advance(r, skip);
    }
    let mut out = Vec::with_capacity(order.len());
    loop {
        let best = list
            .iter()
            .enumerate()
            .filter_map(|(k, r)| r.head.as_ref().map(|h| (k, &h.0)))
            .min_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(&b.0)))
            .map(|(k, _)| k);
        let Some(k) = best else { break };
        if let Some((_, i)) = list[k].head.take() {
            out.push(i);
        }
        advance(&mut list[k], skip);
    }
    out
}

/// Sort members in no useful order: by an 8-byte name prefix, ties by the
/// names themselves (read again from the directory).
pub(super) fn sort_members(archive: &Archive, order: Vec<u32>, skip: usize) -> Vec<u32> {
    let prefix = |name: &str| {
        let mut b = [0u8; 8];
        let tail = name.as_bytes().get(skip..).unwrap_or(&[]);
        let n = tail.len().min(8);
        b[..n].copy_from_slice(&tail[..n]);
        u64::from_be_bytes(b)
    };
    let mut keyed: Vec<(u64, u32)> = order
        .iter()
        .filter_map(|i| archive.entry(*i as usize).map(|e| (prefix(&e.name), *i)))
        .collect();
    drop(order);
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let name = |i: u32| {
                archive
                    .entry(i as usize)
                    .map(|e| e.name)
                    .unwrap_or_default()
            };
            name(a.1).cmp(&name(b.1))
        })
    });
    keyed.into_iter().map(|(_, i)| i).collect()
}
