//! The values a bundle row and its items hold, derived from one copy of a
//! bundle in exactly one place, so that ingest, promotion and `locker
//! verify` can never disagree about what a bundle says.
//!
//! Invariant: every column of `bundles` that comes from the bundle (not
//! from the locker's own bookkeeping: status, ingest time, location) and
//! every `items` row is computed by [`RowValues::from_bundle`]; a record
//! is faithful when [`RowValues::read`] of it equals that.

use super::db::{Db, DbError};
use super::record::BundleRecord;
use crate::verify::VerifyReport;

/// One recorded value that differs from what a bundle says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueChange {
    /// What differs (`case_ref`, `sealed_at`, `file data/x size`, ...).
    pub what: String,
    /// The value in the locker (`(none)` when absent).
    pub recorded: String,
    /// The value the bundle gives (`(none)` when absent).
    pub bundle: String,
}

impl std::fmt::Display for ValueChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: the locker records {}, the bundle says {}",
            self.what, self.recorded, self.bundle
        )
    }
}

impl ValueChange {
    /// As the audit log of a rewrite words it: `WHAT: OLD replaced by NEW`.
    pub fn as_replaced(&self) -> String {
        format!(
            "{}: {} replaced by {}",
            self.what, self.recorded, self.bundle
        )
    }
}

/// Show an optional value in a [`ValueChange`].
pub(crate) fn shown(v: Option<&str>) -> String {
    v.map_or_else(|| "(none)".to_string(), |s| format!("{s:?}"))
}

/// The bundle-derived values of one bundle row and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowValues {
    /// `bundles.name`.
    pub name: String,
    /// `bundles.case_ref`.
    pub case_ref: Option<String>,
    /// `bundles.sealed_at`.
    pub sealed_at: Option<String>,
    /// `bundles.case_json`.
    pub case_json: String,
    /// `items` rows: item reference and description, sorted.
    pub items: Vec<(String, Option<String>)>,
}

impl RowValues {
    /// What the copy described by `report` and `record` says.
    pub fn from_bundle(report: &VerifyReport, record: &BundleRecord) -> RowValues {
        let m = record.manifest.as_ref();
        let mut items: Vec<(String, Option<String>)> = m
            .map(|m| {
                m.case
                    .items
                    .iter()
                    .map(|i| (i.clone(), m.case.description.clone()))
                    .collect()
            })
            .unwrap_or_default();
        items.sort();
        // UNIQUE (bundle, item_ref): a repeated item is one row.
        items.dedup_by(|a, b| a.0 == b.0);
        RowValues {
            name: m
                .map(|m| m.bundle_name.clone())
                .or_else(|| report.bag.clone())
                .unwrap_or_default(),
            case_ref: m.map(|m| m.case.case_reference.clone()),
            sealed_at: m.map(|m| m.sealed.clone()),
            case_json: m
                .and_then(|m| serde_json::to_string(&m.case).ok())
                .unwrap_or_else(|| "{}".into()),
            items,
        }
    }

    /// What bundle row `row` records.
    pub fn read(db: &Db, row: i64) -> Result<RowValues, DbError> {
        let (name, case_ref, sealed_at, case_json) = db.row(
            "SELECT name, case_ref, sealed_at, case_json FROM bundles WHERE id = ?1",
            &[&row],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let items = db.rows(
            "SELECT item_ref, description FROM items WHERE bundle = ?1 ORDER BY item_ref",
            &[&row],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(RowValues {
            name,
            case_ref,
            sealed_at,
            case_json,
            items,
        })
    }

    /// Write the bundle row's values (not the items).
    pub fn update_row(&self, db: &Db, row: i64) -> Result<(), DbError> {
        db.execute(
            "UPDATE bundles SET name = ?2, case_ref = ?3, sealed_at = ?4, case_json = ?5
             WHERE id = ?1",
            &[
                &row,
                &self.name,
                &self.case_ref,
                &self.sealed_at,
                &self.case_json,
            ],
        )?;
        Ok(())
    }

    /// Every value of `self` (the record) that differs from `bundle`.
    pub fn diff(&self, bundle: &RowValues) -> Vec<ValueChange> {
        let mut out = Vec::new();
        let mut cmp = |what: &str, a: Option<&str>, b: Option<&str>| {
            if a != b {
                out.push(ValueChange {
                    what: what.to_string(),
                    recorded: shown(a),
                    bundle: shown(b),
                });
            }
        };
        cmp("name", Some(&self.name), Some(&bundle.name));
        cmp(
            "case_ref",
            self.case_ref.as_deref(),
            bundle.case_ref.as_deref(),
        );
        cmp(
            "sealed_at",
            self.sealed_at.as_deref(),
            bundle.sealed_at.as_deref(),
        );
        // Compared as JSON values: the same object written by another
        // version of serde_json is not drift.
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
        if parse(&self.case_json).is_none() || parse(&self.case_json) != parse(&bundle.case_json) {
            cmp(
                "case metadata",
                Some(&self.case_json),
                Some(&bundle.case_json),
            );
        }
        if self.items != bundle.items {
            let list = |v: &[(String, Option<String>)]| {
                let s: Vec<String> = v
                    .iter()
                    .map(|(i, d)| format!("{i:?} ({})", shown(d.as_deref())))
                    .collect();
                format!("[{}]", s.join(", "))
            };
            out.push(ValueChange {
                what: "items".into(),
                recorded: list(&self.items),
                bundle: list(&bundle.items),
            });
        }
        out
    }
}
