//! The non-filesystem targets of `evidentia match`: a bundle zip (its
//! payload files' recorded digests, after the bundle verified in full) and
//! every file in the locker. Both yield the same records as hashing would,
//! so matching and output stay in one place.

use super::context::Ctx;
use super::error::CliError;
use super::output::{display_path, progress_bar};
use evidentia::hash::{Algorithm, Digest, HashResult, from_hex};
use evidentia::locker::{Locker, for_each_file, read_record};
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
/// manifest records; an error when the bundle does not verify (nothing
/// in a failing bundle is trusted enough to match).
pub fn bundle_records(ctx: &Ctx, path: &Path, store: &TrustStore) -> Result<Vec<Record>, CliError> {
    let shown = display_path(path);
    let bar = progress_bar(ctx.progress, std::fs::metadata(path).ok().map(|m| m.len()));
    let verifier = TrustVerifier { store };
    let report = verify::verify(path, &VerifyOptions::default(), Some(&verifier), &mut |n| {
        bar.inc(n)
    });
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
    let rec = read_record(path).map_err(|e| CliError::op(e.to_string()))?;
    let mut out = Vec::new();
    for_each_file(&rec, &mut |f| {
        let digests = [
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
        out.push(record(path.join(&f.path), f.size, digests));
        true
    })
    .map_err(|e| CliError::op(e.to_string()))?;
    Ok(out)
}

/// Feed every file in the locker to `emit` as `BUNDLE_ID/data/...`.
pub fn locker_records(
    locker: &Locker,
    emit: &mut dyn FnMut(Record) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut first_err = None;
    locker
        .all_file_digests(&mut |bundle, path, digests| {
            if first_err.is_none() {
                if let Err(e) = emit(record(Path::new(bundle).join(path), 0, digests)) {
                    first_err = Some(e);
                }
            }
        })
        .map_err(|e| CliError::op(e.to_string()))?;
    first_err.map_or(Ok(()), Err)
}
