//! `evidentia seal`: package evidence into a bundle, or with `--to` into a
//! bundle encrypted for the receiving lab as it is written (the plaintext
//! bundle never touches the disk). `acquire --seal` seals through the same
//! code ([`seal_with`], [`Sealed`]).

use super::agekeys::{To, recipients};
use super::algo::{names_none, parse_algos};
use super::context::Ctx;
use super::error::{CliError, Exit, io_reason};
use super::output::{Emit, display_path, progress_bar, sanitize};
use super::passphrase::load_signer;
use super::size::parse_size;
use clap::{Args, ValueEnum};
use evidentia::bundle::{self, Method, SealError, SealOptions};
use evidentia::crypt::Encrypted;
use evidentia::hash::Algorithm;
use evidentia::model::{CaseMeta, parse_rfc3339};
use evidentia::pathrepr::PathRepr;
use evidentia::wording::count;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Compression of bundle entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compress {
    /// No compression (the default)
    Stored,
    /// Deflate (portable zip compression)
    Deflate,
}

/// Arguments of `seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// Files and directories to seal (payload under data/, relative paths kept)
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// The bundle file to create; its stem names the bag directory. Never
    /// overwritten. With --to, the encrypted file, named BUNDLE.zip.age
    #[arg(long, short = 'o', value_name = "BUNDLE.zip")]
    out: PathBuf,
    /// Encrypt the bundle as it is written for this recipient (repeatable):
    /// a certificate or public key file of the receiving examiner or lab,
    /// a key id, or an age1... recipient. The plaintext bundle never
    /// touches the disk
    #[arg(long = "to", value_name = "RECIPIENT")]
    to: Vec<String>,
    /// Accept --to recipients that no root in the trust store vouches for
    /// (warned loudly)
    #[arg(long, requires = "to")]
    to_untrusted: bool,
    /// Trust store directory for --to [default: HOME/trust]
    #[arg(long, value_name = "DIR", requires = "to")]
    trust: Option<PathBuf>,
    /// Case reference (required here or in --meta)
    #[arg(long, value_name = "ID")]
    case: Option<String>,
    /// Item or exhibit item number (repeatable)
    #[arg(long, value_name = "ID")]
    item: Vec<String>,
    /// Description of the evidence
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// Case and legal metadata, a JSON or TOML file (see docs/formats/manifest.md);
    /// unknown keys are an error. Flags override the file
    #[arg(long, value_name = "FILE")]
    meta: Option<PathBuf>,
    /// Extra BagIt manifests, comma-separated: sha512, sha1, md5 (sha256 and
    /// BLAKE3 are always computed)
    #[arg(long, short = 'a', value_name = "LIST")]
    algo: Option<String>,
    /// Entry compression [default: stored]
    #[arg(long, value_enum, value_name = "METHOD")]
    compress: Option<Compress>,
    /// Record files that cannot be opened instead of stopping
    #[arg(long)]
    allow_unreadable: bool,
    /// Sealing time (RFC 3339), for reproducible output [default: now]
    #[arg(long, value_name = "RFC3339")]
    time: Option<String>,
    /// Signing key id or unique hex prefix [default: the only examiner key]
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Read the signing key's passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Window size of the piecewise hashes in manifest.json (a power of two, at least 4K)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64M")]
    piece: u64,
}

#[derive(Serialize)]
struct SealJson {
    #[serde(rename = "type")]
    kind: &'static str,
    path: PathRepr,
    bundle_id: String,
    files: u64,
    bytes: u64,
    unreadable: u64,
    signed: bool,
    custody_head: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption: Option<EncryptionJson>,
}

/// What `seal --to` and `export --to` add to the result (named as in
/// `encrypt --json`).
#[derive(Serialize)]
pub(super) struct EncryptionJson {
    /// The bundle's size before encryption.
    plain_bytes: u64,
    /// The encrypted file's size and SHA-256 (for the transmittal letter).
    bytes: u64,
    sha256: String,
    /// Who can decrypt it.
    recipients: Vec<RecipientJson>,
}

#[derive(Serialize)]
struct RecipientJson {
    recipient: String,
    label: String,
    key_id: Option<String>,
    trusted: bool,
}

fn read_meta(path: &Path) -> Result<CaseMeta, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io("cannot read", path, &e))?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let parsed = if is_toml {
        CaseMeta::from_toml(&text)
    } else {
        CaseMeta::from_json(&text)
    };
    parsed.map_err(|e| {
        CliError::usage(format!(
            "invalid metadata in {}: {}",
            display_path(path),
            e.trim()
        ))
        .hint("the keys are listed in docs/formats/manifest.md; unknown keys are refused")
    })
}

/// The case metadata of `--meta` (if any) with `--case` over its
/// `case_reference`, which one of them must give.
pub(super) fn case_meta(meta: Option<&Path>, case_id: Option<&str>) -> Result<CaseMeta, CliError> {
    let mut case = match meta {
        Some(p) => read_meta(p)?,
        None => CaseMeta::default(),
    };
    if let Some(c) = case_id {
        case.case_reference = c.to_string();
    }
    if case.case_reference.trim().is_empty() {
        return Err(CliError::usage("a case reference is required")
            .hint("pass --case ID or set case_reference in --meta"));
    }
    Ok(case)
}

fn options(args: &SealArgs) -> Result<SealOptions, CliError> {
    let mut case = case_meta(args.meta.as_deref(), args.case.as_deref())?;
    case.items.extend(args.item.iter().cloned());
    if let Some(d) = &args.description {
        case.description = Some(d.clone());
    }
    // SHA-256 and BLAKE3 are always computed; a list that names nothing
    // (`--algo ""`) asks for no extra manifest, where `hash` and `acquire`
    // refuse it.
    let extra = match &args.algo {
        Some(list) if !names_none(list) => parse_algos(list)?
            .as_slice()
            .iter()
            .copied()
            .filter(|a| !matches!(a, Algorithm::Blake3 | Algorithm::Sha256))
            .collect(),
        _ => Vec::new(),
    };
    let (time, reproducible) = match &args.time {
        Some(t) => (
            parse_rfc3339(t).map_err(|e| CliError::usage(e.to_string()))?,
            true,
        ),
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            (now, false)
        }
    };
    if !evidentia::model::PIECE_ALGORITHM.allows(args.piece) {
        return Err(CliError::usage(
            "--piece must be a power of two of at least 4K (e.g. 64M): each window is a BLAKE3 subtree",
        ));
    }
    Ok(SealOptions {
        inputs: args.paths.clone(),
        out: args.out.clone(),
        case,
        extra_algorithms: extra,
        method: match args.compress {
            Some(Compress::Deflate) => Method::Deflate,
            _ => Method::Stored,
        },
        allow_unreadable: args.allow_unreadable,
        time,
        bundle_id: None,
        reproducible,
        piece_size: args.piece,
        agent: format!("evidentia {}", env!("CARGO_PKG_VERSION")),
        recipients: Vec::new(),
    })
}

pub(super) fn seal_error(e: SealError) -> CliError {
    match e {
        SealError::OutputExists(p) => CliError::op(format!("{} exists already", display_path(&p)))
            .hint("choose another --out; a bundle is never overwritten"),
        SealError::NotAge(p) => CliError::usage(format!(
            "with --to, --out names the encrypted file, and {} does not end in .age",
            display_path(&p)
        ))
        .hint(format!(
            "write --out {}.age (decrypting it gives {})",
            display_path(&p),
            display_path(&p)
        )),
        SealError::PlainAge(p) => CliError::usage(format!(
            "{} ends in .age, but there is no --to: the bundle would be written unencrypted",
            display_path(&p)
        ))
        .hint("add --to RECIPIENT to encrypt it as it is written, or choose an --out ending in .zip"),
        SealError::InputMissing(p) => CliError::op(format!("{} does not exist", display_path(&p)))
            .hint("check the path; every input named on the command line must exist (--allow-unreadable records files that cannot be opened, not missing inputs)"),
        SealError::OpenCapture(dir) => CliError::op(format!(
            "{} is a capture that has not ended (capture.open and no capture.json: still running, or killed)",
            display_path(&dir)
        ))
        .hint(format!(
            "if it is not running, close it first: evidentia capture --recover {}",
            display_path(&dir)
        )),
        SealError::EwfClaim { path, why } => {
            let mut e = CliError::op(format!(
                "{}: its E01 check does not hold together: {}",
                display_path(&path),
                sanitize(&why)
            ))
            .hint(
                "the record was edited after acquisition, or its kept segments replaced; nothing \
                 was sealed. Acquire again from the partner's set into a new directory",
            );
            e.exit = Exit::Problem;
            e
        }
        SealError::ChangedOriginal { path, expected, actual } => {
            let mut e = CliError::op(format!(
                "{} is not the E01 segment checked at acquisition: its SHA-256 is {}, \
                 acquisition.json says {}",
                display_path(&path),
                sanitize(&actual),
                sanitize(&expected)
            ))
            .hint(
                "the kept segment was changed or replaced after it was checked; nothing was \
                 sealed. Acquire again from the partner's set into a new directory",
            );
            e.exit = Exit::Problem;
            e
        }
        SealError::NoOutputDir { out, dir } => CliError::op(format!(
            "cannot write {}: the directory {} does not exist",
            display_path(&out),
            display_path(&dir)
        ))
        .hint("create it first (mkdir -p) or choose another --out"),
        SealError::Unreadable { path, source } => CliError::op(format!(
            "cannot read {}: {}",
            display_path(&path),
            io_reason(&source)
        ))
        .hint(
            "evidence must be complete; pass --allow-unreadable to record unopenable files instead",
        ),
        SealError::Write { path, source } => {
            let full = source.kind() == std::io::ErrorKind::StorageFull;
            let e = CliError::io("cannot write", &path, &source);
            match source.kind() {
                _ if full => e.hint(
                    "the disk is full; the partial bundle was removed and nothing else written",
                ),
                std::io::ErrorKind::PermissionDenied => e.hint(
                    "the bundle's directory is not writable by this user; choose another --out",
                ),
                _ => e,
            }
        }
        SealError::Changed {
            path,
            expected,
            actual,
        } => CliError::op(format!(
            "{} changed while being sealed ({expected} bytes expected, {actual} read)",
            display_path(&path)
        )),
        other => CliError::op(other.to_string()),
    }
}

/// Run `seal`.
pub fn run(ctx: &Ctx, args: SealArgs) -> Result<Exit, CliError> {
    let mut opts = options(&args)?;
    // Everything that can be refused is refused before a byte is written:
    // every recipient, then the output's name and place.
    let to = if args.to.is_empty() {
        Vec::new()
    } else {
        // Ctrl-C removes the partial ciphertext (the scratch files have
        // no name to remove).
        super::signals::install_cleanup();
        recipients(ctx, &args.to, args.trust.as_deref(), args.to_untrusted)?
    };
    opts.recipients = to.iter().map(|t| t.recipient.clone()).collect();
    opts.bundle_path().map_err(seal_error)?;
    if std::fs::symlink_metadata(&opts.out).is_ok() {
        return Err(seal_error(SealError::OutputExists(opts.out.clone())));
    }
    // The key (and its passphrase) before the long work, not after.
    let signer = load_signer(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    let summary = seal_with(ctx, &opts, &signer)?;
    let mut out = ctx.output();
    out.emit(&Sealed(&summary, &to))?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// Seal with a progress bar and warnings; shared by `seal` and
/// `acquire --seal`.
pub fn seal_with(
    ctx: &Ctx,
    opts: &SealOptions,
    signer: &evidentia::sign::Signer,
) -> Result<bundle::SealSummary, CliError> {
    let bar = progress_bar(ctx.progress, None);
    let mut progress = |n: u64| bar.inc(n);
    let signer = super::passphrase::with_issuing_root(ctx, signer, None);
    let result = bundle::seal(opts, Some(&signer), &mut progress);
    bar.finish_and_clear();
    let summary = result.map_err(seal_error)?;
    if summary.unreadable > 0 {
        ctx.diag.warn(&format!(
            "{} input(s) could not be read and are recorded as unreadable in manifest.json",
            summary.unreadable
        ));
    }
    Ok(summary)
}

/// The result of a seal (`seal`, `acquire --seal`), and the recipients
/// it was encrypted to (none for a plain bundle).
pub struct Sealed<'a>(pub &'a bundle::SealSummary, pub &'a [To]);

impl Emit for Sealed<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let summary = self.0;
        let encryption = summary
            .encrypted
            .as_ref()
            .map(|e| encryption_json(e, self.1));
        SealJson {
            kind: "evidentia/seal-result/v1",
            path: PathRepr::from_path(&summary.path),
            bundle_id: summary.bundle_id.clone(),
            files: summary.files,
            bytes: summary.bytes,
            unreadable: summary.unreadable,
            signed: summary.signed,
            custody_head: summary.head.clone(),
            encryption,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let summary = self.0;
        let mut text = format!(
            "sealed {}: {}, {}\nbundle id: {}\ncustody head: {}\n",
            display_path(&summary.path),
            count(summary.files, "file"),
            count(summary.bytes, "byte"),
            summary.bundle_id,
            summary.head
        );
        if let Some(e) = &summary.encrypted {
            text.push_str(&encryption_text(e, self.1));
        }
        text
    }
}

/// The JSON of an encrypted result: the ciphertext and who can read it.
pub(super) fn encryption_json(e: &Encrypted, to: &[To]) -> EncryptionJson {
    EncryptionJson {
        recipients: to
            .iter()
            .map(|t| RecipientJson {
                recipient: t.recipient.to_string(),
                label: t.label.clone(),
                key_id: t.key_id.map(|k| k.hex()),
                trusted: t.trusted,
            })
            .collect(),
        plain_bytes: e.plain_bytes,
        bytes: e.cipher_bytes,
        sha256: e.cipher_sha256.clone(),
    }
}

/// The text of an encrypted result, as `encrypt` says it.
pub(super) fn encryption_text(e: &Encrypted, to: &[To]) -> String {
    let mut text = format!(
        "encrypted: {}, for {}\nciphertext SHA-256: {} (put this in the transmittal letter)\nreadable by:\n",
        count(e.cipher_bytes, "byte"),
        count(to.len() as u64, "recipient"),
        e.cipher_sha256
    );
    for t in to {
        let trust = if t.trusted { "" } else { "  [NOT TRUSTED]" };
        text.push_str(&format!(
            "  {}  {}{trust}\n",
            t.recipient,
            sanitize(&t.label)
        ));
    }
    text
}

/// Seal options for an acquisition directory (`acquire --seal`).
pub fn acquisition_seal_options(
    dir: &Path,
    out: &Path,
    case: CaseMeta,
) -> Result<SealOptions, CliError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if case.case_reference.trim().is_empty() {
        return Err(CliError::usage("sealing needs a case reference").hint("pass --case ID"));
    }
    Ok(SealOptions {
        inputs: vec![dir.to_path_buf()],
        out: out.to_path_buf(),
        case,
        extra_algorithms: Vec::new(),
        method: Method::Stored,
        allow_unreadable: false,
        time: now,
        bundle_id: None,
        reproducible: false,
        piece_size: 64 << 20,
        agent: format!("evidentia {}", env!("CARGO_PKG_VERSION")),
        recipients: Vec::new(),
    })
}

/// Refuse an existing bundle path up front.
pub fn check_new_bundle(out: &Path) -> Result<(), CliError> {
    if std::fs::symlink_metadata(out).is_ok() {
        return Err(seal_error(SealError::OutputExists(out.to_path_buf())));
    }
    Ok(())
}
