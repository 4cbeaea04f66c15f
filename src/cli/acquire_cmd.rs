//! `evidentia acquire`: image a device, an image file or standard input into
//! a new directory, with on-the-fly hashing and exact bad-sector handling.
//! Exit 0 clean, 1 bad sectors or a failed verification, 2 error, 130
//! interrupted (the record then says `complete: false`).

use super::algo::parse_algos;
use super::context::Ctx;
use super::error::{CliError, Exit, io_reason};
use super::output::{Emit, display_path, progress_bar, sanitize};
use super::size::parse_size;
use clap::Args;
use evidentia::acquire::{
    self, AcquireError, AcquireOptions, Acquisition, CaseInfo, DEFAULT_RETRIES, Originals, Phase,
    Progress,
};
use evidentia::hash::{AlgorithmSet, DEFAULT_BLOCK_SIZE, HashOptions};
use evidentia::source::Input;
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// Arguments of `acquire`.
#[derive(Debug, Args)]
pub struct AcquireArgs {
    /// What to image: a block device (/dev/sdX), an image file, the first
    /// segment of an E01 set (NAME.E01: its media data is imaged, every
    /// chunk and stored hash checked), or `-` for standard input. Opened
    /// read-only; never written
    #[arg(value_name = "SOURCE")]
    source: PathBuf,
    /// New directory for the image, map, record and log (must not exist)
    #[arg(long, short = 'o', value_name = "DIR")]
    out: PathBuf,
    /// Case identifier, for the record
    #[arg(long = "case", value_name = "ID")]
    case_id: Option<String>,
    /// Evidence item identifier, for the record
    #[arg(long = "item", value_name = "ID")]
    item_id: Option<String>,
    /// Examiner's name, for the record
    #[arg(long, value_name = "NAME")]
    examiner: Option<String>,
    /// Free-text notes, for the record
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
    /// Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512
    /// [default: sha256,blake3]
    #[arg(long, short = 'a', value_name = "LIST")]
    algo: Option<String>,
    /// Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    piece: Option<u64>,
    /// Split the image into segments image.000, image.001, ... of SIZE bytes
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    split: Option<u64>,
    /// Read size, a multiple of 4K [default: 2M]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    block_size: Option<u64>,
    /// Extra attempts for each sector that fails [default: 3]
    #[arg(long, value_name = "N")]
    retries: Option<u32>,
    /// Re-read the image (and a device or file source) and compare hashes
    #[arg(long)]
    verify: bool,
    /// For an E01 source: also copy its segment files, byte for byte, beside
    /// the record, and read the set from the copies (so the copies are the
    /// bytes checked)
    #[arg(long, conflicts_with = "no_image")]
    keep_original: bool,
    /// For an E01 source: copy its segment files beside the record and
    /// check them, but write no raw image
    #[arg(long, conflicts_with_all = ["split", "verify"])]
    no_image: bool,
    /// Then seal the acquisition directory into this signed bundle (needs
    /// --case; the same as `evidentia seal DIR`)
    #[arg(long, value_name = "BUNDLE.zip", requires = "case_id")]
    seal: Option<PathBuf>,
    /// Signing key for --seal [default: the only examiner key]
    #[arg(long, value_name = "ID", requires = "seal")]
    key: Option<String>,
    /// Read the signing key's passphrase from the first line of FILE
    #[arg(long, value_name = "FILE", requires = "seal")]
    passphrase_file: Option<PathBuf>,
}

/// What `--seal` asked for, resolved before the acquisition starts.
struct SealPlan {
    out: PathBuf,
    case: evidentia::model::CaseMeta,
    signer: evidentia::sign::Signer,
}

/// Set by the SIGINT handler; the library polls it between blocks.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Catch SIGINT so the acquisition can stop cleanly and record what it did.
fn install_sigint() {
    // SAFETY: the handler only stores to an atomic (async-signal-safe); the
    // sigaction struct is zeroed plain data filled before the call.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        // No SA_RESTART: a read blocked on a quiet stream must return
        // (EINTR) so the acquisition can stop.
        sa.sa_flags = 0;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
    }
}

/// The local zone's offset from UTC at `t`, from the C library.
fn local_offset(t: i64) -> i64 {
    let tt = t as libc::time_t;
    // SAFETY: localtime_r writes into the tm we own and returns it or null.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&tt, &mut tm).is_null() {
            0
        } else {
            tm.tm_gmtoff as i64
        }
    }
}

fn plan(args: AcquireArgs) -> Result<(Input, PathBuf, AcquireOptions, Originals), CliError> {
    let originals = match (args.keep_original, args.no_image) {
        (true, _) => Originals::Keep,
        (_, true) => Originals::Only,
        _ => Originals::Discard,
    };
    let algorithms = match &args.algo {
        Some(list) => parse_algos(list)?,
        None => AlgorithmSet::default_set(),
    };
    let block = args.block_size.unwrap_or(DEFAULT_BLOCK_SIZE as u64);
    if !(4096..=(256 << 20)).contains(&block) || !block.is_multiple_of(4096) {
        return Err(CliError::usage(
            "--block-size must be a multiple of 4K between 4K and 256M",
        ));
    }
    if args.piece == Some(0) {
        return Err(CliError::usage("--piece must be larger than 0"));
    }
    if args.split.is_some_and(|s| s < 4096) {
        return Err(CliError::usage("--split must be at least 4K"));
    }
    let input = if args.source.as_os_str() == "-" {
        Input::Stdin
    } else {
        Input::Path(args.source)
    };
    let opts = AcquireOptions {
        hash: HashOptions {
            algorithms,
            piece_size: args.piece,
            block_size: block as usize,
            ..HashOptions::default()
        },
        retries: args.retries.unwrap_or(DEFAULT_RETRIES),
        split: args.split,
        verify: args.verify,
        case: CaseInfo {
            case_id: args.case_id,
            item_id: args.item_id,
            examiner: args.examiner,
            notes: args.notes,
        },
        command_line: std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        local_offset,
    };
    Ok((input, args.out, opts, originals))
}

/// Resolve `--seal` up front: the bundle must be new and the key (and its
/// passphrase) are loaded before hours of imaging, not after.
fn seal_plan(ctx: &Ctx, args: &AcquireArgs) -> Result<Option<SealPlan>, CliError> {
    let Some(out) = &args.seal else {
        return Ok(None);
    };
    super::seal_cmd::check_new_bundle(out)?;
    let case = evidentia::model::CaseMeta {
        case_reference: args.case_id.clone().unwrap_or_default(),
        items: args.item_id.iter().cloned().collect(),
        examiner: args.examiner.clone(),
        description: args.notes.clone(),
        ..Default::default()
    };
    let signer =
        super::passphrase::load_signer(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    Ok(Some(SealPlan {
        out: out.clone(),
        case,
        signer,
    }))
}

/// Run `acquire`.
pub fn run(ctx: &Ctx, args: AcquireArgs) -> Result<Exit, CliError> {
    let sealing = seal_plan(ctx, &args)?;
    let (input, out, opts, originals) = plan(args)?;
    let ewf = match &input {
        Input::Path(p) => acquire::is_ewf(p).then(|| p.clone()),
        Input::Stdin => None,
    };
    if ewf.is_none() && originals != Originals::Discard {
        return Err(CliError::usage(
            "--keep-original and --no-image apply to an E01 source only",
        ));
    }
    install_sigint();
    // The bar is made at the first report, when the size is known.
    let mut bar: Option<ProgressBar> = None;
    let mut phase = None;
    let mut on_progress = |p: &Progress| {
        let bar = bar.get_or_insert_with(|| progress_bar(ctx.progress, p.total));
        if phase != Some(p.phase) {
            phase = Some(p.phase);
            bar.reset();
        }
        bar.set_position(p.done);
        let what = match p.phase {
            Phase::Acquire => "acquiring",
            Phase::VerifyImage => "verifying image",
            Phase::VerifySource => "re-reading source",
            Phase::CopyOriginals => "copying the E01 segments",
        };
        bar.set_message(format!("{what}, {} bad sector(s)", p.bad_sectors));
    };
    let result = match &ewf {
        Some(first) => acquire::acquire_ewf(
            first,
            &out,
            &opts,
            originals,
            &INTERRUPTED,
            &mut on_progress,
        ),
        None => acquire::acquire(&input, &out, &opts, &INTERRUPTED, &mut on_progress),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let acq = result.map_err(cli_error)?;
    let exit = report(ctx, &acq)?;
    let Some(sp) = sealing else { return Ok(exit) };
    if exit == Exit::Interrupted || acq.verification_failed() {
        ctx.diag
            .error("not sealing: the acquisition is incomplete or failed verification");
        return Ok(exit.worst(Exit::Problem));
    }
    let opts = super::seal_cmd::acquisition_seal_options(&acq.dir, &sp.out, sp.case)?;
    let summary = super::seal_cmd::seal_with(ctx, &opts, &sp.signer)?;
    let mut o = ctx.output();
    o.emit(&super::seal_cmd::Sealed(&summary, &[]))?;
    o.flush()?;
    Ok(exit)
}

/// The result of an acquisition: its record (the JSON document), and the
/// directory it is in.
struct Acquired<'a>(&'a Acquisition);

impl Emit for Acquired<'_> {
    fn json(&self) -> impl serde::Serialize + '_ {
        &self.0.record
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let (rec, dir) = (&self.0.record, &self.0.dir);
        let no_image = rec.image.format == "none";
        let mut text = format!(
            "{} {} bytes into {}{}\n",
            match (rec.complete, no_image) {
                (false, _) => "INCOMPLETE:",
                (true, false) => "acquired",
                (true, true) => "checked",
            },
            match no_image {
                false => rec.image.size,
                true => rec.source.size.unwrap_or(0),
            },
            display_path(dir),
            match no_image {
                false => "",
                true => " (no image written; the E01 segments are kept)",
            }
        );
        for (algo, hex) in &rec.hashes {
            text.push_str(&format!("{algo:<7} {hex}\n"));
        }
        text.push_str(&format!(
            "bad sectors: {} ({} bytes zero-filled)\n",
            rec.bad_sectors.count, rec.bad_sectors.bytes
        ));
        if let Some(v) = &rec.verification {
            text.push_str(&format!("verification: {:?}\n", v.outcome).to_lowercase());
        }
        if let Some(e) = &rec.source.ewf {
            text.push_str(&super::acquire_ewf::summary(e));
        }
        text
    }
}

fn report(ctx: &Ctx, acq: &Acquisition) -> Result<Exit, CliError> {
    let rec = &acq.record;
    let mut out = ctx.output();
    out.emit(&Acquired(acq))?;
    out.flush()?;
    if !rec.complete || INTERRUPTED.load(Ordering::SeqCst) {
        ctx.diag.error(&format!(
            "interrupted: what was done is kept in {} and recorded (acquisition.json)",
            display_path(&acq.dir)
        ));
        return Ok(Exit::Interrupted);
    }
    let mut exit = Exit::Ok;
    if acq.has_bad_sectors() && rec.source.ewf.is_none() {
        ctx.diag.warn(&format!(
            "{} unreadable sector(s) zero-filled; exact ranges in {}",
            rec.bad_sectors.count,
            display_path(&acq.dir.join(&rec.image.map_file))
        ));
        exit = Exit::Problem;
    }
    if acq.verification_failed() {
        ctx.diag
            .error("verification FAILED: the re-read does not match the acquisition hashes");
        exit = Exit::Problem;
    }
    if let Some(e) = &rec.source.ewf {
        exit = exit.worst(super::acquire_ewf::diagnose(ctx, e));
    }
    Ok(exit)
}

fn cli_error(e: AcquireError) -> CliError {
    let message = sanitize(&match &e {
        AcquireError::OpenSource { path, source } => format!(
            "cannot open source {}: {}",
            display_path(path),
            io_reason(source)
        ),
        AcquireError::Write { path, source } => {
            format!("cannot write {}: {}", display_path(path), io_reason(source))
        }
        other => other.to_string(),
    });
    let err = CliError::op(message);
    match &e {
        AcquireError::OutExists { .. } => {
            err.hint("name a new directory: evidentia never writes into an earlier acquisition")
        }
        AcquireError::CreateOut { source, .. } if source.raw_os_error() == Some(libc::EROFS) => {
            err.hint("the output location is on a read-only file system; choose a writable disk")
        }
        AcquireError::CreateOut { .. } => {
            err.hint("check that the parent directory exists and is writable")
        }
        AcquireError::OpenSource { source, .. } if source.raw_os_error() == Some(libc::EACCES) => {
            err.hint("reading a device usually needs root or membership of the disk group")
        }
        AcquireError::Write { source, .. } if source.raw_os_error() == Some(libc::ENOSPC) => err
            .hint(
                "the output disk is full; the record is marked incomplete. Acquire to a larger \
                 disk (--split helps with file size limits)",
            ),
        AcquireError::Write { .. } => err.hint("check that the output location is writable"),
        AcquireError::Ewf(e) => super::acquire_ewf::hint(err, e),
        AcquireError::SourceChanged { .. } => err.hint(
            "the source must not be mounted or written while it is imaged; unmount it (or use \
             a write blocker) and acquire again into a new directory",
        ),
        AcquireError::StreamRead { .. } => err.hint(
            "a stream cannot be re-read; acquire a device or file by its path to recover \
             readable sectors around bad ones",
        ),
        _ => err,
    }
}
