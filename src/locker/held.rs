//! Which digests the locker holds for a bundle's files, and from where
//! (`bundle_digests`): sealed by the bundle, or computed at ingest. Used to
//! match files against known-hash sets by every digest held, to add the
//! computed digests to a record made before they were, and to say which
//! bundles a query by an algorithm could not search.

use super::computed::{DigestOrigin, ingest_column};
use super::ingest::IngestRequest;
use super::record::for_each_file;
use crate::hash::{Algorithm, from_hex};
use rusqlite::{Connection, Transaction, params};

/// Record that every file of bundle row `row` holds `a` from `origin`.
pub(super) fn record(
    tx: &Transaction<'_>,
    row: i64,
    a: Algorithm,
    origin: DigestOrigin,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO bundle_digests (bundle, algorithm, origin) VALUES (?1, ?2, ?3)",
        params![row, a.name(), origin.column()],
    )?;
    Ok(())
}

/// The algorithms held for every file of bundle row `row`, in canonical
/// order, with their origin.
pub fn held(conn: &Connection, row: i64) -> rusqlite::Result<Vec<(Algorithm, DigestOrigin)>> {
    let rows: Vec<(String, String)> = conn
        .prepare_cached("SELECT algorithm, origin FROM bundle_digests WHERE bundle = ?1")?
        .query_map([row], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out: Vec<(Algorithm, DigestOrigin)> = rows
        .iter()
        .filter_map(|(a, o)| Some((a.parse().ok()?, DigestOrigin::from_column(o))))
        .collect();
    out.sort();
    Ok(out)
}

/// Bundle ids of the verified bundles with files whose digests in `a` the
/// locker does not hold (sealed without it, and ingested before evidentia
/// computed it, or an algorithm ingest never computes).
pub fn not_held(conn: &Connection, a: Algorithm) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT b.bundle_id FROM bundles b WHERE b.status = 'verified'
         AND EXISTS (SELECT 1 FROM files f WHERE f.bundle = b.id)
         AND NOT EXISTS (SELECT 1 FROM bundle_digests d WHERE d.bundle = b.id AND d.algorithm = ?1)
         ORDER BY b.ingested_at, b.id",
    )?
    .query_map([a.name()], |r| r.get(0))?
    .collect()
}

/// Match the files of bundle row `row` against every hash set, by each
/// digest they hold (sealed first, so a file matched by both says sealed).
/// `only`: just these algorithms' computed digests (added to a record).
pub(super) fn insert_matches(
    tx: &Transaction<'_>,
    row: i64,
    only: Option<&[Algorithm]>,
) -> rusqlite::Result<()> {
    for a in Algorithm::ALL {
        let c = a.name();
        let mut cols: Vec<(&str, DigestOrigin)> = vec![(c, DigestOrigin::Sealed)];
        cols.extend(ingest_column(a).map(|i| (i, DigestOrigin::Ingest)));
        for (col, origin) in cols {
            if only.is_some_and(|o| origin == DigestOrigin::Sealed || !o.contains(&a)) {
                continue;
            }
            tx.execute(
                &format!(
                    "INSERT OR IGNORE INTO matches (file, hashset, algorithm, listed_name, origin)
                     SELECT f.id, e.hashset, '{c}', e.name, '{o}' FROM files f
                     JOIN hashset_entries e ON e.{c} = f.{col}
                     WHERE f.bundle = ?1 AND f.{col} IS NOT NULL AND e.{c} IS NOT NULL",
                    o = origin.column()
                ),
                [row],
            )?;
        }
    }
    Ok(())
}

/// Add the digests this ingest computed to a record that holds none in
/// those algorithms (made before evidentia computed them at ingest), and
/// match them against the hash sets. Returns the algorithms added.
pub(super) fn fill_computed(
    tx: &Transaction<'_>,
    req: &IngestRequest<'_>,
    row: i64,
) -> rusqlite::Result<Vec<Algorithm>> {
    let Some(computed) = req.computed else {
        return Ok(Vec::new());
    };
    let have: Vec<Algorithm> = held(tx, row)?.into_iter().map(|(a, _)| a).collect();
    let add: Vec<Algorithm> = computed
        .algorithms()
        .iter()
        .copied()
        .filter(|a| !have.contains(a))
        .collect();
    if add.is_empty() {
        return Ok(add);
    }
    let mut lookup = computed.lookup();
    let mut stmts = Vec::new();
    for a in &add {
        let Some(col) = ingest_column(*a) else {
            continue;
        };
        let sealed = a.name();
        stmts.push((
            *a,
            tx.prepare(&format!(
                "UPDATE files SET {col} = ?3 WHERE bundle = ?1 AND path = ?2 AND {sealed} IS NULL"
            ))?,
        ));
    }
    let (mut failed, mut missing) = (None, 0u64);
    for_each_file(req.record, &mut |f| {
        let found = from_hex(&f.sha256).and_then(|k| lookup.get(&k));
        let Some(digests) = found else {
            missing += 1;
            return true;
        };
        for (a, stmt) in &mut stmts {
            let d = digests.iter().find(|d| d.algorithm == *a);
            if let Err(e) = stmt.execute(params![row, f.path, d.map(|d| &d.bytes)]) {
                failed = Some(e);
                return false;
            }
        }
        true
    })
    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    if let Some(e) = failed {
        return Err(e);
    }
    if missing > 0 {
        // Not every file got one (cannot happen for a copy that verified):
        // the bundle would not hold them all, so none are kept.
        for (a, _) in &stmts {
            if let Some(col) = ingest_column(*a) {
                tx.execute(
                    &format!("UPDATE files SET {col} = NULL WHERE bundle = ?1"),
                    [row],
                )?;
            }
        }
        return Ok(Vec::new());
    }
    for a in &add {
        record(tx, row, *a, DigestOrigin::Ingest)?;
    }
    insert_matches(tx, row, Some(&add))?;
    Ok(add)
}
