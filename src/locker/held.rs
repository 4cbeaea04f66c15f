//! Which digests the locker holds for a bundle's files, and from where
//! (`bundle_digests`): sealed by the bundle, or computed at ingest. Used to
//! match files against known-hash sets by every digest held, to add the
//! computed digests to a record made before they were, and to say which
//! bundles a query by an algorithm could not search.

use super::computed::{DigestOrigin, ingest_column};
use super::db::{Db, DbError};
use super::ingest::{IngestRequest, WriteError};
use super::record::for_each_file;
use crate::hash::{Algorithm, from_hex};

/// Record that every file of bundle row `row` holds `a` from `origin`.
pub(super) fn record(db: &Db, row: i64, a: Algorithm, origin: DigestOrigin) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO bundle_digests (bundle, algorithm, origin) VALUES (?1, ?2, ?3)
         ON CONFLICT (bundle, algorithm) DO UPDATE SET origin = excluded.origin",
        &[&row, &a.name(), &origin.column()],
    )?;
    Ok(())
}

/// The algorithms held for every file of bundle row `row`, in canonical
/// order, with their origin.
pub fn held(db: &Db, row: i64) -> Result<Vec<(Algorithm, DigestOrigin)>, DbError> {
    let rows: Vec<(String, String)> = db.rows(
        "SELECT algorithm, origin FROM bundle_digests WHERE bundle = ?1",
        &[&row],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
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
pub fn not_held(db: &Db, a: Algorithm) -> Result<Vec<String>, DbError> {
    db.rows(
        "SELECT b.bundle_id FROM bundles b WHERE b.status = 'verified'
         AND EXISTS (SELECT 1 FROM files f WHERE f.bundle = b.id)
         AND NOT EXISTS (SELECT 1 FROM bundle_digests d WHERE d.bundle = b.id AND d.algorithm = ?1)
         ORDER BY b.ingested_at, b.id",
        &[&a.name()],
        |r| r.get(0),
    )
}

/// Match the files of bundle row `row` against every hash set, by each
/// digest they hold (sealed first, so a file matched by both says sealed).
/// `only`: just these algorithms' computed digests (added to a record).
/// Writes only rows of this bundle's files; reads the hash sets, which the
/// caller's transaction holds shared ([`super::db::Lock::Hashsets`]).
pub(super) fn insert_matches(db: &Db, row: i64, only: Option<&[Algorithm]>) -> Result<(), DbError> {
    for a in Algorithm::ALL {
        let c = a.name();
        let mut cols: Vec<(&str, DigestOrigin)> = vec![(c, DigestOrigin::Sealed)];
        cols.extend(ingest_column(a).map(|i| (i, DigestOrigin::Ingest)));
        for (col, origin) in cols {
            if only.is_some_and(|o| origin == DigestOrigin::Sealed || !o.contains(&a)) {
                continue;
            }
            // The WHERE clause also keeps SQLite from reading ON CONFLICT
            // as a join's ON.
            db.execute(
                &format!(
                    "INSERT INTO matches (file, hashset, algorithm, listed_name, origin)
                     SELECT f.id, e.hashset, '{c}', e.name, '{o}' FROM files f
                     JOIN hashset_entries e ON e.{c} = f.{col}
                     WHERE f.bundle = ?1 AND f.{col} IS NOT NULL AND e.{c} IS NOT NULL
                     ON CONFLICT (file, hashset) DO NOTHING",
                    o = origin.column()
                ),
                &[&row],
            )?;
        }
    }
    Ok(())
}

/// Add the digests this ingest computed to a record that holds none in
/// those algorithms (made before evidentia computed them at ingest), and
/// match them against the hash sets. Returns the algorithms added.
pub(super) fn fill_computed(
    db: &Db,
    req: &IngestRequest<'_>,
    row: i64,
) -> Result<Vec<Algorithm>, WriteError> {
    let Some(computed) = req.computed else {
        return Ok(Vec::new());
    };
    let have: Vec<Algorithm> = held(db, row)?.into_iter().map(|(a, _)| a).collect();
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
    let stmts: Vec<(Algorithm, String)> = add
        .iter()
        .filter_map(|a| {
            let col = ingest_column(*a)?;
            let sealed = a.name();
            Some((
                *a,
                format!(
                    "UPDATE files SET {col} = ?3 WHERE bundle = ?1 AND path = ?2 \
                     AND {sealed} IS NULL"
                ),
            ))
        })
        .collect();
    let (mut failed, mut missing) = (None, 0u64);
    // Streamed: one statement per file and algorithm, none inside a query.
    for_each_file(req.record, &mut |f| {
        let found = from_hex(&f.sha256).and_then(|k| lookup.get(&k));
        let Some(digests) = found else {
            missing += 1;
            return true;
        };
        for (a, stmt) in &stmts {
            let d = digests.iter().find(|d| d.algorithm == *a);
            if let Err(e) = db.execute(stmt, &[&row, &f.path, &d.map(|d| &d.bytes)]) {
                failed = Some(e);
                return false;
            }
        }
        true
    })
    .map_err(WriteError::Locker)?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if missing > 0 {
        // Not every file got one (cannot happen for a copy that verified):
        // the bundle would not hold them all, so none are kept.
        for (a, _) in &stmts {
            if let Some(col) = ingest_column(*a) {
                db.execute(
                    &format!("UPDATE files SET {col} = NULL WHERE bundle = ?1"),
                    &[&row],
                )?;
            }
        }
        return Ok(Vec::new());
    }
    for a in &add {
        record(db, row, *a, DigestOrigin::Ingest)?;
    }
    insert_matches(db, row, Some(&add))?;
    Ok(add)
}
