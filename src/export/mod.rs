//! `export`: proportional disclosure (docs/formats/bundle.md, "Exported
//! bundles"). Some files of a sealed bundle go into a derived bundle, with
//! a proof per file that it is what the original examiner sealed (an
//! inclusion proof against the Merkle root the original seal signed), and
//! nothing about the other files but their count.
//!
//! Two phases, so that the caller can record the export at the source in
//! between:
//!
//! 1. [`plan`]: verify the original completely (a bundle that does not
//!    verify is refused before anything is written), refuse a derived
//!    bundle and an original without a commitment (unless the manifest is
//!    to be revealed), select the files, build the proofs and gather the
//!    provenance files.
//! 2. [`Plan::write`]: write the derived bundle through the seal's own
//!    phases (`bundle::write_derived`) into its temporary file, flushed;
//!    the [`Staged`] result is renamed into place by its `commit`.
//!
//! [`Plan::event_options`] is the `export` custody event the original
//! gets. The library never appends it itself: the caller checks it against
//! the custody rules (before writing) and appends it (after writing, before
//! the commit).

mod original;
mod plan;
mod proofs;
mod select;

pub use proofs::{Place, audit_paths, proofs as build_proofs};
pub use select::{Glob, Selection, Selector};

pub use crate::bundle::Staged;

use crate::bundle::{Disclosed, Method, SealError, SealOptions, TagSource, ZipError, layout};
use crate::hash::Algorithm;
use crate::model::disclosure::{ExportedFrom, LeafSet};
use crate::model::{CaseMeta, CustodyEvent, FileEntry, Manifest};
use crate::sign::agekey::Recipient;
use crate::verify::{self, SignatureVerifier, VerifyOptions, VerifyReport};
use original::Original;
use std::path::{Path, PathBuf};

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The files to disclose.
    pub selection: Selection,
    /// Why (the derived seal's and the export event's `purpose`).
    pub purpose: String,
    /// Carry the original's manifest.json and tag manifest (an original
    /// without a disclosure commitment only).
    pub reveal_manifest: bool,
    /// Whether the export will be recorded in the original's custody chain
    /// (`recorded_at_source`).
    pub record: bool,
    /// The derived bundle to create (`.age` when encrypted).
    pub out: PathBuf,
    /// The export time, Unix seconds (the derived seal's and the export
    /// event's).
    pub time: i64,
    /// Derive the bundle id from the content (a fixed `--time`).
    pub reproducible: bool,
    /// Encrypt the derived bundle to these recipients.
    pub recipients: Vec<Recipient>,
    /// The software agent string.
    pub agent: String,
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The selection is unusable as given.
    #[error("{0}")]
    Selection(String),
    /// The original cannot be read as a bundle at all.
    #[error("cannot read the bundle: {0}")]
    Unreadable(ZipError),
    /// The original does not verify (the report says why).
    #[error("the bundle does not verify")]
    NotVerified(Box<VerifyReport>),
    /// The original is itself a derived bundle.
    #[error("this is a derived bundle; export from the original bundle {bundle_id}")]
    Derived {
        /// The original it names.
        bundle_id: String,
    },
    /// The original has no disclosure commitment to prove files against.
    #[error("its seal carries no disclosure commitment (manifest schema {schema})")]
    NoCommitment {
        /// Its manifest.json schema.
        schema: String,
    },
    /// `--reveal-manifest` on an original that has a commitment.
    #[error(
        "it has a disclosure commitment (manifest schema {schema}): revealing its manifest would reveal what the commitment hides"
    )]
    RevealNotNeeded {
        /// Its manifest.json schema.
        schema: String,
    },
    /// A pattern or listed path that selects no file.
    #[error("{what:?} selects no file of the bundle")]
    SelectsNothing {
        /// The pattern or path.
        what: String,
    },
    /// A member of the original could not be read.
    #[error("cannot read {member} of the original: {source}")]
    Read {
        /// The member, relative to the bag.
        member: String,
        /// Why.
        source: std::io::Error,
    },
    /// The original is not what verify saw.
    #[error("the original changed since it was verified: {0}")]
    Changed(String),
    /// Writing the derived bundle failed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

impl ExportError {
    fn changed(what: &str) -> ExportError {
        ExportError::Changed(what.to_string())
    }
}

/// An export ready to be written.
pub struct Plan {
    opts: ExportOptions,
    report: VerifyReport,
    original: Original,
    header: Manifest,
    files: Vec<Disclosed>,
    provenance: Vec<(String, TagSource)>,
    /// Files in the original.
    total: u64,
    exported_from: ExportedFrom,
}

/// Verify the original at `path`, select its files and prepare the
/// derived bundle's provenance; nothing is written. `progress` receives
/// the verification's byte counts.
pub fn plan(
    path: &Path,
    opts: ExportOptions,
    verifier: &dyn SignatureVerifier,
    progress: &mut dyn FnMut(u64),
) -> Result<Plan, ExportError> {
    let selector = Selector::new(&opts.selection).map_err(ExportError::Selection)?;
    check_output(&opts)?;
    let report = verify::verify(path, &VerifyOptions::default(), Some(verifier), progress)
        .map_err(ExportError::Unreadable)?;
    // A derived bundle is refused whether or not it verifies: the answer
    // is the same, and says where to go instead.
    if let Some(from) = seal_of(&report).and_then(|s| s.exported_from.as_ref()) {
        return Err(ExportError::Derived {
            bundle_id: from.bundle_id.clone(),
        });
    }
    if !report.verified() {
        return Err(ExportError::NotVerified(Box::new(report)));
    }
    let original = Original::open(path)?;
    let commitment = seal_of(&report).and_then(|s| s.disclosure.clone());
    let mut scan = Scan::new(selector, commitment.is_some());
    let header = original.files(&mut scan)?;
    match (commitment.is_some(), opts.reveal_manifest) {
        (false, false) => {
            return Err(ExportError::NoCommitment {
                schema: header.schema,
            });
        }
        (true, true) => {
            return Err(ExportError::RevealNotNeeded {
                schema: header.schema,
            });
        }
        _ => {}
    }
    if let Some(what) = scan.selector.unmatched() {
        return Err(ExportError::SelectsNothing {
            what: what.to_string(),
        });
    }
    if scan.selected.len() as u64 > crate::verify::MAX_DISCLOSED {
        return Err(ExportError::Selection(format!(
            "the selection holds {} files; a derived bundle discloses at most {} (what verify proves in bounded memory): split the disclosure into several exports",
            scan.selected.len(),
            crate::verify::MAX_DISCLOSED
        )));
    }
    if let Some(c) = &commitment
        && (scan.leaves.commitment() != *c)
    {
        return Err(ExportError::changed(
            "manifest.json's files no longer hash to the seal's disclosure commitment",
        ));
    }
    Plan::new(opts, report, original, header, scan)
}

/// The original's seal event, as verify parsed it.
fn seal_of(report: &VerifyReport) -> Option<&CustodyEvent> {
    report
        .events
        .first()
        .filter(|e| e.seq == 1)
        .and_then(|e| e.event.as_ref())
        .filter(|e| e.action == "seal")
}

/// Refuse an output that cannot be written before the long work: a name
/// that does not fit the encryption (`.age` exactly when encrypted), or a
/// file that exists.
fn check_output(opts: &ExportOptions) -> Result<(), ExportError> {
    let so = seal_options(opts, &Default::default(), &[]);
    so.bundle_path()?;
    if std::fs::symlink_metadata(&opts.out).is_ok() {
        return Err(SealError::OutputExists(opts.out.clone()).into());
    }
    Ok(())
}

/// The seal options of the derived bundle: the original's case and
/// manifest algorithms.
fn seal_options(opts: &ExportOptions, case: &CaseMeta, algorithms: &[String]) -> SealOptions {
    let extra: Vec<Algorithm> = algorithms
        .iter()
        .filter_map(|a| {
            layout::MANIFEST_ALGORITHMS
                .into_iter()
                .find(|x| x.name() == a)
        })
        .filter(|a| *a != Algorithm::Sha256)
        .collect();
    SealOptions {
        inputs: Vec::new(),
        out: opts.out.clone(),
        case: case.clone(),
        extra_algorithms: extra,
        method: Method::Stored,
        allow_unreadable: false,
        time: opts.time,
        bundle_id: None,
        reproducible: opts.reproducible,
        // Unused for a derived bundle (the original's pieces are kept),
        // but checked like any seal's.
        piece_size: 64 << 20,
        agent: opts.agent.clone(),
        recipients: opts.recipients.clone(),
    }
}

/// manifest.json's files as they go by: the leaves of the original's
/// tree (with a commitment) and the selected records.
struct Scan {
    selector: Selector,
    committed: bool,
    /// The leaves of the original's tree (sorted when it is built).
    leaves: LeafSet,
    /// (leaf hash, record) of each selected file, in path order; the hash
    /// is all zeros without a commitment.
    selected: Vec<([u8; 32], FileEntry)>,
    count: u64,
    /// A file of a committed manifest without a usable salt.
    unsalted: Option<String>,
}

impl original::Files for Scan {
    fn take(&mut self, f: FileEntry) {
        Scan::take(self, f)
    }

    fn reset(&mut self) {
        Scan::reset(self)
    }
}

impl Scan {
    fn new(selector: Selector, committed: bool) -> Scan {
        Scan {
            selector,
            committed,
            leaves: LeafSet::default(),
            selected: Vec::new(),
            count: 0,
            unsalted: None,
        }
    }

    fn take(&mut self, f: FileEntry) {
        self.count += 1;
        let mut leaf = [0u8; 32];
        if self.committed {
            match proofs::leaf_of(&f) {
                Some(l) => {
                    self.leaves.push(l);
                    leaf = l;
                }
                None => {
                    self.unsalted.get_or_insert_with(|| f.path.clone());
                }
            }
        }
        if self.selector.select(&f.path) {
            self.selected.push((leaf, f));
        }
    }

    /// Start over (manifest.json is read again, whole).
    fn reset(&mut self) {
        self.selector.clear();
        self.leaves = LeafSet::default();
        self.selected.clear();
        self.count = 0;
        self.unsalted = None;
    }
}
