//! Writing a derived bundle (`evidentia export`, docs/formats/bundle.md,
//! "Exported bundles"): some payload files of an original bundle, copied
//! from its zip entries, then the tag files of any seal ([`super::tags`])
//! with the `provenance/` files after manifest.json and a seal event that
//! names the original.
//!
//! Each disclosed file is hashed again as it is copied, with every
//! algorithm its original record has (pieces included), and must equal that
//! record in every field a disclosure leaf covers: a file that changed since
//! the original was verified stops the export. The derived manifest.json
//! entry is the original record, salted with the derived bundle's own salt.
//!
//! The bundle is left flushed in its temporary file ([`Staged`]): the
//! caller records the export at the source, then puts it in place.

use super::manifests::measure;
use super::payload::{Tee, WriteFailed};
use super::plan::Recorded;
use super::{Output, check, sealed_out, tags};
use crate::atomic::{SignalGuard, TempOut, rename_noreplace};
use crate::bundle::sealopts::{SealError, SealOptions, SealSummary};
use crate::bundle::spill::{FileRecord, Records};
use crate::bundle::zip::{Archive, Entry, Method, ZipWriter};
use crate::bundle::{EventSigner, layout};
use crate::crypt::ScratchFile;
use crate::hash::{Algorithm, AlgorithmSet, HashOptions, HashResult, PieceAlgorithm, hash_reader};
use crate::model::FileEntry;
use crate::model::disclosure::{self, ExportedFrom};
use crate::pathrepr::PathRepr;
use std::io::{self, Read, Seek, Write};
use std::path::PathBuf;

/// What a derived bundle holds besides the tag files of any seal.
pub struct Derived<'a> {
    /// The original bundle.
    pub original: &'a Archive,
    /// The disclosed files, in path order.
    pub files: Vec<Disclosed>,
    /// The `provenance/` tag files (names relative to the bag, from
    /// [`layout`]), in name order.
    pub provenance: Vec<(String, TagSource)>,
    /// Why they were exported (the seal event's `purpose`).
    pub purpose: String,
    /// The seal event's `exported_from`.
    pub exported_from: ExportedFrom,
    /// The original's piece size and how its pieces are hashed.
    pub piece_size: u64,
    /// See `piece_size`.
    pub piece_algorithm: PieceAlgorithm,
}

/// One disclosed file: its entry in the original and its record there.
#[derive(Debug, Clone)]
pub struct Disclosed {
    /// The original's zip entry.
    pub entry: Entry,
    /// The original's manifest.json record (its `salt` is the original's;
    /// the derived bundle gets its own).
    pub record: FileEntry,
}

/// Where a provenance file's bytes come from.
pub enum TagSource {
    /// These bytes.
    Bytes(Vec<u8>),
    /// An entry of the original, copied byte for byte; it must hash to
    /// `sha256` (hex), what the original's signed tag manifest lists.
    Entry {
        /// The entry.
        entry: Entry,
        /// Its expected SHA-256.
        sha256: String,
    },
}

/// A bundle complete and flushed in its temporary file, not yet in place:
/// dropped, it is removed; [`Staged::commit`] renames it into place.
pub struct Staged {
    tmp: TempOut,
    _guard: Option<SignalGuard>,
    out: PathBuf,
    /// What was written.
    pub summary: SealSummary,
}

impl Staged {
    /// Rename the bundle into place (never over an existing file).
    pub fn commit(mut self) -> Result<SealSummary, SealError> {
        rename_noreplace(&self.tmp.path, &self.out).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                SealError::OutputExists(self.out.clone())
            } else {
                SealError::Write {
                    path: self.out.clone(),
                    source: e,
                }
            }
        })?;
        self.tmp.keep = true;
        Ok(self.summary)
    }
}

/// Write the derived bundle `opts.out` (encrypted to `opts.recipients`
/// when there are any) of `derived`, signed by `signer`, into its
/// temporary file; `progress` receives payload byte counts.
pub fn write_derived(
    opts: &SealOptions,
    derived: &Derived<'_>,
    signer: &dyn EventSigner,
    progress: &mut dyn FnMut(u64),
) -> Result<Staged, SealError> {
    let name = check(opts)?;
    let dir = opts.out_dir();
    let summary = |(tags, bytes): (tags::Tags, u64), encrypted| SealSummary {
        path: opts.out.clone(),
        bundle_id: tags.bundle_id,
        files: tags.files_sealed,
        bytes,
        head: tags.head,
        unreadable: 0,
        signed: true,
        encrypted,
    };
    if opts.recipients.is_empty() {
        let mut out = Output::create(opts, &name, dir)?;
        let filled = fill(opts, &name, derived, signer, &mut out.zip, progress)?;
        let tmp = out.stage(opts)?;
        Ok(Staged {
            tmp,
            _guard: None,
            out: opts.out.clone(),
            summary: summary(filled, None),
        })
    } else {
        let mut out = sealed_out::SealedOutput::create(opts, &name, dir)?;
        let filled = fill(opts, &name, derived, signer, &mut out.zip, progress)?;
        let (tmp, guard, encrypted) = out.stage(opts)?;
        Ok(Staged {
            tmp,
            _guard: Some(guard),
            out: opts.out.clone(),
            summary: summary(filled, Some(encrypted)),
        })
    }
}

/// Copy the disclosed files into `zip`, then write the tag files.
fn fill<W: Write + Seek>(
    opts: &SealOptions,
    name: &str,
    derived: &Derived<'_>,
    signer: &dyn EventSigner,
    zip: &mut ZipWriter<W>,
    progress: &mut dyn FnMut(u64),
) -> Result<(tags::Tags, u64), SealError> {
    let werr = |e| opts.write_error(e);
    let dir = opts.out_dir();
    let mut records = Records::new(dir, &format!(".{name}.zip-records.")).map_err(werr)?;
    zip.spill_directory(
        ScratchFile::create(dir, &format!(".{name}.zip-directory.")).map_err(werr)?,
    );
    let algos = super::payload::algorithms(opts);
    let mut total = 0;
    for f in &derived.files {
        total += copy_file(opts, name, derived, f, &algos, zip, &mut records, progress)?;
    }
    if records.len() == 0 {
        return Err(SealError::Empty);
    }
    let tags = tags::build(
        tags::TagInput {
            opts,
            name,
            items: Vec::new(),
            captures: Vec::new(),
            records: &mut records,
            recorded: Recorded::default(),
            total,
            algos: &algos,
            signer: Some(signer),
            export: Some(derived),
        },
        zip,
    )?;
    Ok((tags, total))
}

/// Copy one disclosed file from the original into `zip`, hashing it on
/// the way, and record it once it proved equal to its original record.
#[allow(clippy::too_many_arguments)]
fn copy_file<W: Write + Seek>(
    opts: &SealOptions,
    name: &str,
    derived: &Derived<'_>,
    f: &Disclosed,
    algos: &AlgorithmSet,
    zip: &mut ZipWriter<W>,
    records: &mut Records,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, SealError> {
    let werr = |e| opts.write_error(e);
    let rec = &f.record;
    let unreadable = |source| SealError::Original {
        member: rec.path.clone(),
        source,
    };
    let reader = derived.original.reader(&f.entry).map_err(unreadable)?;
    let member = format!("{name}/{}", rec.path);
    let size = rec.size;
    // The CRC-32 is known from the original's entry (and checked at its
    // end): a forward-only output (`--to`) need not hold the entry back.
    let mut entry = match opts.recipients.is_empty() || opts.method != Method::Stored {
        true => zip.start_entry(&member, opts.method, size),
        false => zip.start_entry_known(&member, size, f.entry.crc, size),
    }
    .map_err(werr)?;
    let hashing = HashOptions {
        algorithms: algos.clone(),
        piece_size: (size > derived.piece_size).then_some(derived.piece_size),
        piece_algorithm: derived.piece_algorithm,
        ..HashOptions::default()
    };
    let tee = Tee {
        inner: reader,
        sink: &mut entry,
    };
    let result = hash_reader(tee, &hashing, progress).map_err(|e| {
        match e.get_ref().and_then(|r| r.downcast_ref::<WriteFailed>()) {
            Some(WriteFailed(w)) => werr(io::Error::new(w.kind(), w.to_string())),
            None => unreadable(e),
        }
    })?;
    entry.finish().map_err(werr)?;
    same_as_record(rec, &result)?;
    let pieces = pieces_of(&result);
    records
        .push(&record_of(rec, &result, &pieces))
        .map_err(|e| opts.write_error(e))?;
    Ok(result.size)
}

/// The digests a leaf covers, as computed.
fn computed(result: &HashResult, name: &str) -> Option<String> {
    let a = match name {
        "sha256" => Algorithm::Sha256,
        "blake3" => Algorithm::Blake3,
        "sha512" => Algorithm::Sha512,
        "sha1" => Algorithm::Sha1,
        _ => Algorithm::Md5,
    };
    result.digest(a).map(|d| crate::hash::to_hex(&d.bytes))
}

/// The pieces as computed (none for a file of one window or less).
fn pieces_of(result: &HashResult) -> Vec<&[u8]> {
    match &result.pieces {
        Some(p) if p.pieces.len() > 1 => p.pieces.iter().map(|p| p.digest.as_slice()).collect(),
        _ => Vec::new(),
    }
}

/// Refuse a copy that is not what the original recorded: size, every
/// whole-file digest, the pieces, and an original path that would not
/// come back as recorded (the derived leaf must be the original's).
fn same_as_record(rec: &FileEntry, result: &HashResult) -> Result<(), SealError> {
    let differs = |field: &str, expected: String, actual: String| SealError::Differs {
        path: rec.path.clone(),
        field: field.to_string(),
        expected,
        actual,
    };
    if result.size != rec.size {
        return Err(differs(
            "size",
            rec.size.to_string(),
            result.size.to_string(),
        ));
    }
    for name in disclosure::LEAF_DIGESTS {
        let want = disclosure::digest_of(rec, name).map(str::to_string);
        let got = computed(result, name);
        if want != got {
            let show = |v: Option<String>| v.unwrap_or_else(|| "(none)".into());
            return Err(differs(name, show(want), show(got)));
        }
    }
    let pieces: Vec<String> = pieces_of(result)
        .iter()
        .map(|p| crate::hash::to_hex(p))
        .collect();
    if pieces != rec.pieces {
        return Err(differs(
            "pieces",
            format!("{} pieces", rec.pieces.len()),
            format!("{} pieces, or other values", pieces.len()),
        ));
    }
    if PathRepr::from_bytes(rec.original.as_bytes()) != rec.original {
        return Err(differs(
            "original",
            "the path as text when it is valid UTF-8".into(),
            "base64 bytes of valid UTF-8".into(),
        ));
    }
    Ok(())
}

/// The spilled record of a copied file (equal to its original record).
fn record_of<'a>(
    rec: &'a FileEntry,
    result: &'a HashResult,
    pieces: &'a [&'a [u8]],
) -> FileRecord<'a> {
    FileRecord::hashed(&rec.path, rec.original.as_bytes(), result, pieces)
}

/// Write the provenance files into `zip` under `name/`; returns the
/// (SHA-256, name) of each for the tag manifest.
pub(super) fn write_provenance<W: Write + Seek>(
    opts: &SealOptions,
    name: &str,
    derived: &Derived<'_>,
    zip: &mut ZipWriter<W>,
) -> Result<Vec<(String, String)>, SealError> {
    let werr = |e| opts.write_error(e);
    let mut listed = Vec::new();
    for (rel, source) in &derived.provenance {
        debug_assert!(rel.starts_with(layout::PROVENANCE_DIR));
        let member = format!("{name}/{rel}");
        let hash = match source {
            TagSource::Bytes(b) => {
                zip.add_bytes(&member, opts.method, b).map_err(werr)?;
                tags::tag_hash(b)
            }
            TagSource::Entry { entry, sha256 } => {
                let hash = copy_entry(opts, &member, rel, derived.original, entry, zip)?;
                if hash != *sha256 {
                    return Err(SealError::Differs {
                        path: rel.clone(),
                        field: "sha256".into(),
                        expected: sha256.clone(),
                        actual: hash,
                    });
                }
                hash
            }
        };
        listed.push((hash, rel.clone()));
    }
    Ok(listed)
}

/// Copy the original's `entry` into `zip` as `member`; returns its
/// SHA-256 (hex).
fn copy_entry<W: Write + Seek>(
    opts: &SealOptions,
    member: &str,
    rel: &str,
    original: &Archive,
    entry: &Entry,
    zip: &mut ZipWriter<W>,
) -> Result<String, SealError> {
    let werr = |e| opts.write_error(e);
    let read = |source| SealError::Original {
        member: rel.to_string(),
        source,
    };
    let mut m = measure(None);
    let mut w = zip
        .start_entry(member, opts.method, entry.size)
        .map_err(werr)?;
    let mut r = original.reader(entry).map_err(read)?;
    copy_both(&mut r, &mut w, &mut m).map_err(|e| match e {
        Copy::Read(source) => read(source),
        Copy::Write(e) => werr(e),
    })?;
    w.finish().map_err(werr)?;
    Ok(crate::hash::to_hex(&sha2::Digest::finalize(m.sha)))
}

/// Which side of a copy failed.
enum Copy {
    Read(io::Error),
    Write(io::Error),
}

/// Copy `r` to both `a` and `b`.
fn copy_both(r: &mut dyn Read, a: &mut dyn Write, b: &mut dyn Write) -> Result<(), Copy> {
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Copy::Read(e)),
        };
        a.write_all(&buf[..n]).map_err(Copy::Write)?;
        b.write_all(&buf[..n]).map_err(Copy::Write)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{hash_bytes, to_hex};

    /// The record a seal would write for `data` (sha256, blake3, md5).
    fn record(data: &[u8], result: &HashResult) -> FileEntry {
        let hex = |a| result.digest(a).map(|d| to_hex(&d.bytes));
        FileEntry {
            path: "data/x".into(),
            original: PathRepr::from_bytes(b"x"),
            size: data.len() as u64,
            sha256: hex(Algorithm::Sha256).unwrap(),
            blake3: hex(Algorithm::Blake3).unwrap(),
            sha512: None,
            sha1: None,
            md5: hex(Algorithm::Md5),
            pieces: Vec::new(),
            salt: None,
        }
    }

    #[test]
    fn a_copy_must_equal_its_record_in_every_leaf_field() {
        let opts = HashOptions {
            algorithms: AlgorithmSet::new([Algorithm::Sha256, Algorithm::Blake3, Algorithm::Md5])
                .unwrap(),
            ..HashOptions::default()
        };
        let data = b"disclosed evidence";
        let result = hash_bytes(data, &opts);
        let rec = record(data, &result);
        assert!(same_as_record(&rec, &result).is_ok());
        let field = |rec: &FileEntry| match same_as_record(rec, &result) {
            Err(SealError::Differs { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let mut r = rec.clone();
        r.size += 1;
        assert_eq!(field(&r), "size");
        let mut r = rec.clone();
        r.md5 = None;
        assert_eq!(field(&r), "md5");
        let mut r = rec.clone();
        r.sha1 = Some("00".repeat(20));
        assert_eq!(field(&r), "sha1");
        let mut r = rec.clone();
        r.blake3 = "00".repeat(32);
        assert_eq!(field(&r), "blake3");
        let mut r = rec.clone();
        r.pieces = vec!["00".repeat(32), "11".repeat(32)];
        assert_eq!(field(&r), "pieces");
        // A valid UTF-8 name carried as bytes would come back as text:
        // another leaf, so it is refused.
        let mut r = rec.clone();
        r.original = PathRepr::Bytes(b"x".to_vec());
        assert_eq!(field(&r), "original");
    }
}
