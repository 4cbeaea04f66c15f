//! The non-filesystem targets of `evidentia match`: a bundle zip (its
//! payload files' recorded digests, after the bundle verified in full, and
//! those the hash sets carry that it did not seal, computed as it
//! verified) and every file in the locker (sealed digests and those
//! computed at ingest). Both yield the same records as hashing would, so
//! matching and output stay in one place; a [`Provenance`] says where each
//! digest came from.

use super::context::Ctx;
use super::error::CliError;
use super::output::{display_path, progress_bar};
use evidentia::hash::{Algorithm, Digest, HashResult, from_hex};
use evidentia::locker::{
    BundleRow, DigestOrigin, DigestTap, HashsetInfo, INGEST_ALGORITHMS, Locker, for_each_file,
    read_record,
};
use evidentia::sign::TrustStore;
use evidentia::source::Record;
use evidentia::verify::{self, TrustVerifier, VerifyOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

/// True when `p` is a file named `*.zip` that starts like a zip.
pub fn is_bundle(p: &Path) -> bool {
    if p.extension().is_none_or(|e| !e.eq_ignore_ascii_case("zip")) || !p.is_file() {
        return false;
    }
    let mut magic = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04"
}

/// Where a target's digests come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// Hashed now, from the file.
    Hashed,
    /// A bundle's payload file: sealed, but for `computed` (hashed now, in
    /// the pass that verified the bundle).
    Bundle {
        /// Algorithms computed now.
        computed: Vec<Algorithm>,
    },
    /// A file in the locker: sealed, but for `ingest`.
    Locker {
        /// Algorithms computed at ingest.
        ingest: Vec<Algorithm>,
    },
}

impl Provenance {
    /// The origin of the digest in `a`: `sealed`, `computed-at-ingest` or
    /// `computed` (now).
    pub fn origin(&self, a: Algorithm) -> &'static str {
        match self {
            Provenance::Hashed => "computed",
            Provenance::Bundle { computed } if computed.contains(&a) => "computed",
            Provenance::Locker { ingest } if ingest.contains(&a) => DigestOrigin::Ingest.as_str(),
            _ => DigestOrigin::Sealed.as_str(),
        }
    }

    /// The algorithm in words with its origin (`md5`, `md5 sealed`, `md5
    /// computed at ingest`).
    pub fn text(&self, a: Algorithm) -> String {
        match (self, self.origin(a)) {
            (Provenance::Hashed, _) => a.name().to_string(),
            (_, "sealed") => format!("{a} sealed"),
            (Provenance::Locker { .. }, _) => format!("{a} computed at ingest"),
            _ => format!("{a} computed as the bundle verified"),
        }
    }
}

fn record(path: PathBuf, size: u64, digests: Vec<Digest>) -> Record {
    Record::Hashed {
        path,
        result: HashResult {
            size,
            digests,
            pieces: None,
        },
    }
}

/// The payload files of the bundle at `path`, with the digests its
/// manifest records and those of `wanted` it does not (computed in the
/// verify pass, spilled to an unnamed file in `dir`); an error when the
/// bundle does not verify (nothing in a failing bundle is trusted enough
/// to match).
pub fn bundle_records(
    ctx: &Ctx,
    path: &Path,
    store: &TrustStore,
    wanted: &[Algorithm],
    dir: &Path,
) -> Result<(Vec<Record>, Provenance), CliError> {
    let shown = display_path(path);
    let bar = progress_bar(ctx.progress, std::fs::metadata(path).ok().map(|m| m.len()));
    let verifier = TrustVerifier { store };
    let mut tap = DigestTap::new(wanted, dir);
    let report = verify::verify_tapped(
        path,
        &VerifyOptions::default(),
        Some(&verifier),
        &mut |n| bar.inc(n),
        Some(&mut tap),
    );
    bar.finish_and_clear();
    let report =
        report.map_err(|e| CliError::unreadable_bundle(path, &e, "its files were not matched"))?;
    let damage = report
        .findings
        .iter()
        .find(|f| f.code == verify::DAMAGED_BUNDLE);
    if let Some(f) = damage {
        return Err(CliError {
            exit: super::error::Exit::Problem,
            ..CliError::op(format!(
                "{shown}: {}; its files were not matched",
                super::output::sanitize(&f.message)
            ))
            .hint(super::error::damage_hint(path))
        });
    }
    if !report.verified() {
        return Err(CliError {
            exit: super::error::Exit::Problem,
            ..CliError::op(format!(
                "{shown} failed verification ({} problems); its files were not matched",
                report.findings.len()
            ))
            .hint("`evidentia verify` lists the problems")
        });
    }
    let computed = tap.finish().map_err(|e| CliError::op(e.to_string()))?;
    let mut lookup = computed.lookup();
    let rec = read_record(path).map_err(|e| CliError::op(e.to_string()))?;
    let mut out = Vec::new();
    for_each_file(&rec, &mut |f| {
        let mut digests: Vec<Digest> = [
            (Algorithm::Md5, f.md5.as_deref()),
            (Algorithm::Sha1, f.sha1.as_deref()),
            (Algorithm::Sha256, Some(f.sha256.as_str())),
            (Algorithm::Sha512, f.sha512.as_deref()),
            (Algorithm::Blake3, Some(f.blake3.as_str())),
        ]
        .into_iter()
        .filter_map(|(algorithm, hex)| {
            Some(Digest {
                algorithm,
                bytes: from_hex(hex?)?,
            })
        })
        .collect();
        let more = from_hex(&f.sha256).and_then(|k| lookup.get(&k));
        for d in more.unwrap_or_default() {
            if !digests.iter().any(|x| x.algorithm == d.algorithm) {
                digests.push(d);
            }
        }
        out.push(record(path.join(&f.path), f.size, digests));
        true
    })
    .map_err(|e| CliError::op(e.to_string()))?;
    let prov = Provenance::Bundle {
        computed: computed.algorithms().to_vec(),
    };
    Ok((out, prov))
}

/// Feed every file in the locker to `emit` as `BUNDLE_ID/data/...`.
pub fn locker_records(
    locker: &Locker,
    emit: &mut dyn FnMut(Record, &Provenance) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut first_err = None;
    locker
        .all_file_digests(&mut |bundle, path, digests| {
            if first_err.is_none() {
                let ingest = digests
                    .iter()
                    .filter(|(_, o)| *o == DigestOrigin::Ingest)
                    .map(|(d, _)| d.algorithm)
                    .collect();
                let digests = digests.into_iter().map(|(d, _)| d).collect();
                let r = record(Path::new(bundle).join(path), 0, digests);
                if let Err(e) = emit(r, &Provenance::Locker { ingest }) {
                    first_err = Some(e);
                }
            }
        })
        .map_err(|e| CliError::op(e.to_string()))?;
    first_err.map_or(Ok(()), Err)
}

/// Bundles a search by `algos` could not fully cover: the verified
/// bundles with files whose digests in some of `algos` the locker does not
/// hold.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NotHeld {
    /// `v` of the document.
    pub v: u32,
    /// `not-held`.
    pub kind: &'static str,
    /// The hash set searched for, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashset: Option<String>,
    /// The algorithms not held.
    pub algorithms: Vec<&'static str>,
    /// The algorithms the search could still use in those bundles.
    pub searched_by: Vec<&'static str>,
    /// The bundle ids.
    pub bundles: Vec<String>,
}

/// A not-held group is a JSON document of its own in `--json` output; for
/// people it is only a note on stderr ([`NotHeld::text`]), in both modes.
impl super::output::Emit for NotHeld {
    fn json(&self) -> impl serde::Serialize + '_ {
        self
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        ""
    }
}

impl NotHeld {
    /// The note on stderr.
    pub fn text(&self) -> String {
        let n = self.bundles.len();
        let algos = self.algorithms.join(", ");
        let what = match &self.hashset {
            Some(h) => format!("hash set {:?}", super::output::sanitize(h)),
            None => "the search".to_string(),
        };
        let one = n == 1;
        let (their, they, them) = if one {
            ("its", "it was", "it")
        } else {
            ("their", "they were", "them")
        };
        let effect = if self.searched_by.is_empty() {
            format!("{what} could not look at {their} files")
        } else {
            format!("{what} used {} only there", self.searched_by.join(", "))
        };
        let computable = self
            .algorithms
            .iter()
            .all(|a| INGEST_ALGORITHMS.iter().any(|i| i.name() == *a));
        let why = if computable {
            format!(
                "{they} ingested before evidentia computed MD5 and SHA-1 at ingest; \
                 ingest {them} again (`evidentia ingest BUNDLE`) to add them"
            )
        } else {
            format!(
                "{they} sealed without them, and evidentia computes only MD5 and SHA-1 at ingest"
            )
        };
        let list: Vec<String> = self
            .bundles
            .iter()
            .take(10)
            .map(|b| super::output::sanitize(b))
            .collect();
        let more = if n > 10 {
            format!(" and {} more", n - 10)
        } else {
            String::new()
        };
        format!(
            "{n} bundle{} in the locker hold{} no {algos} digests, so {effect}: {why} ({}{more})",
            if one { "" } else { "s" },
            if one { "s" } else { "" },
            list.join(", ")
        )
    }
}

/// For `algos` (those of a hash set, or the one of a `find --hash`): the
/// bundles in `bundles` missing some of them, grouped by what is missing.
pub fn not_held(
    bundles: &[BundleRow],
    algos: &[Algorithm],
    set: Option<&HashsetInfo>,
) -> Vec<NotHeld> {
    let mut groups: Vec<NotHeld> = Vec::new();
    for b in bundles.iter().filter(|b| !b.quarantined() && b.files > 0) {
        let has = |a: &Algorithm| b.held.iter().any(|h| h.0 == *a);
        let missing: Vec<&'static str> =
            algos.iter().filter(|a| !has(a)).map(|a| a.name()).collect();
        if missing.is_empty() {
            continue;
        }
        let searched_by: Vec<&'static str> =
            algos.iter().filter(|a| has(a)).map(|a| a.name()).collect();
        match groups
            .iter_mut()
            .find(|g| g.algorithms == missing && g.searched_by == searched_by)
        {
            Some(g) => g.bundles.push(b.bundle_id.clone()),
            None => groups.push(NotHeld {
                v: 1,
                kind: "not-held",
                hashset: set.map(|s| s.name.clone()),
                algorithms: missing,
                searched_by,
                bundles: vec![b.bundle_id.clone()],
            }),
        }
    }
    groups
}
