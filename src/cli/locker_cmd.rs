//! `evidentia locker list|show|find|audit|verify`: queries over the
//! evidence locker, human or `--json` (every document carries its version
//! `v`; docs/locker.md). The longer results (`show`, `audit`, `verify`)
//! are in `locker_show.rs`.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::ingest_received::{JsonReceived, json_received};
use super::locker_arg::LockerArg;
use super::locker_show::{AuditLine, Drift};
use super::match_sources::NotHeld;
use super::output::{Emit, Output, display_path, progress_bar, sanitize};
use super::passphrase::trust_store;
use super::plain_input::{DecryptArgs, Opener, PlainDir};
use clap::{Args, Subcommand};
use evidentia::locker::{
    BundleRow, DigestOrigin, DigestTap, FileRow, INGEST_ALGORITHMS, Locker, Received, file_sha256,
    read_record, store_path, store_path_as,
};
use evidentia::pathrepr::PathRepr;
use evidentia::verify::{self, TrustVerifier, VerifyOptions};
use evidentia::wording::count;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments of `locker`.
#[derive(Debug, Args)]
pub struct LockerArgs {
    #[command(subcommand)]
    command: LockerCommand,
    #[command(flatten)]
    locker: LockerArg,
}

#[derive(Debug, Subcommand)]
enum LockerCommand {
    /// List the bundles with case, items and status
    List,
    /// Show one bundle (by bundle id) or every bundle of a case
    Show {
        /// A bundle id (urn:uuid:...) or a case reference
        #[arg(value_name = "BUNDLE_ID|CASE")]
        what: String,
    },
    /// Find files across all bundles by hash or by name (exit 1 when none)
    #[command(group(clap::ArgGroup::new("by").required(true).args(["hash", "name"])))]
    Find {
        /// A digest in hex, either case (length picks the algorithm; 64
        /// digits searches SHA-256 and BLAKE3)
        #[arg(long, value_name = "HEX")]
        hash: Option<String>,
        /// A path pattern: a glob with * and ?, or an SQL LIKE pattern
        /// (% and _) when it holds no * or ?
        #[arg(long, value_name = "PATTERN")]
        name: Option<String>,
    },
    /// Show the audit log (who ingested what, when, from where)
    Audit,
    /// Re-verify the stored bundles and compare them with the locker
    /// records; exit 1 on any drift
    Verify {
        /// The content-addressed store the bundles were copied into
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Trust store directory [default: HOME/trust]
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        #[command(flatten)]
        decrypt: DecryptArgs,
    },
}

/// The wire version of `file` documents (2: `quarantined` added; 3:
/// `digest_origin` of a file found by hash added).
const V: u32 = 3;

/// The wire version of `bundle` documents (2: `quarantined` added; 3:
/// `digests` added; 4: `received` added; 5: `exported_from` added).
const V_BUNDLE: u32 = 5;

/// The wire version of `bundle-detail` documents (2: `quarantined` added;
/// 3: `signers` give the proven identity, never the claimed actor; 4:
/// `digests`, and each match's `digest_origin`, added; 5: `received`
/// added; 6: `exported_from`, `origin`, `derived` and `exports` added).
pub(super) const V_DETAIL: u32 = 6;

/// The label every value from a quarantined record carries in human output.
pub(super) const UNVERIFIED: &str = "QUARANTINED (unverified)";

#[derive(Serialize)]
pub(super) struct JsonBundle<'a> {
    v: u32,
    kind: &'static str,
    bundle_id: &'a str,
    name: &'a str,
    case: Option<&'a str>,
    status: &'a str,
    /// True when every bundle-derived value here came from a copy that
    /// failed verification.
    quarantined: bool,
    items: &'a [String],
    files: u64,
    zip_sha256: &'a str,
    custody_head: Option<&'a str>,
    sealed_at: Option<&'a str>,
    ingested_at: &'a str,
    location: Option<&'a str>,
    /// The digests held for every file, by algorithm: `sealed` or
    /// `computed-at-ingest`.
    digests: std::collections::BTreeMap<&'static str, &'static str>,
    /// The encrypted file the recorded copy arrived as (absent for a zip).
    #[serde(skip_serializing_if = "Option::is_none")]
    received: Option<JsonReceived<'a>>,
    /// For a derived bundle: the id of the bundle it was exported from, as
    /// verify proved at ingest (absent otherwise; `locker show` gives the
    /// whole origin instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    exported_from: Option<&'a str>,
}

pub(super) fn json_bundle<'a>(b: &'a BundleRow, kind: &'static str, v: u32) -> JsonBundle<'a> {
    JsonBundle {
        v,
        kind,
        bundle_id: &b.bundle_id,
        name: &b.name,
        case: b.case_ref.as_deref(),
        status: &b.status,
        quarantined: b.quarantined(),
        items: &b.items,
        files: b.files,
        zip_sha256: &b.zip_sha256,
        custody_head: b.custody_head.as_deref(),
        sealed_at: b.sealed_at.as_deref(),
        ingested_at: &b.ingested_at,
        location: b.location.as_deref(),
        digests: super::ingest_cmd::json_held(&b.held),
        received: b.received.as_ref().map(json_received),
        exported_from: b.exported_from.as_deref(),
    }
}

/// One bundle of `locker list`.
struct BundleLine<'a>(&'a BundleRow);

impl Emit for BundleLine<'_> {
    fn json(&self) -> impl Serialize + '_ {
        json_bundle(self.0, "bundle", V_BUNDLE)
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let b = self.0;
        format!(
            "{}  {:<11}  case {}  items [{}]  {}  {}\n",
            sanitize(&b.bundle_id),
            if b.quarantined() {
                UNVERIFIED
            } else {
                "verified"
            },
            sanitize(b.case_ref.as_deref().unwrap_or("-")),
            sanitize(&b.items.join(", ")),
            count(b.files, "file"),
            sanitize(&b.name)
        )
    }
}

#[derive(Serialize)]
struct JsonFile<'a> {
    v: u32,
    kind: &'static str,
    bundle_id: &'a str,
    case: Option<&'a str>,
    /// True when the file's bundle is quarantined (nothing here verified).
    quarantined: bool,
    path: PathRepr,
    size: u64,
    sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched: Option<&'a str>,
    /// With `matched`: `sealed` or `computed-at-ingest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    digest_origin: Option<&'static str>,
}

/// One file found by `locker find`.
struct FileLine<'a>(&'a FileRow);

impl Emit for FileLine<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let f = self.0;
        let path = match &f.path_bytes {
            Some(b) => PathRepr::from_bytes(b),
            None => PathRepr::Text(f.path.clone()),
        };
        JsonFile {
            v: V,
            kind: "file",
            bundle_id: &f.bundle_id,
            case: f.case_ref.as_deref(),
            quarantined: f.quarantined(),
            path,
            size: f.size,
            sha256: f.sha256.as_deref(),
            matched: f.matched.as_deref(),
            digest_origin: f.origin.map(DigestOrigin::as_str),
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let f = self.0;
        format!(
            "{}  {}  {} bytes{}  (case {}){}\n",
            sanitize(&f.bundle_id),
            sanitize(&f.path),
            f.size,
            match (f.matched.as_deref(), f.origin) {
                (Some(a), Some(DigestOrigin::Ingest)) =>
                    format!(", {} computed at ingest", sanitize(a)),
                (Some(a), _) => format!(", {} sealed", sanitize(a)),
                (None, _) => String::new(),
            },
            sanitize(f.case_ref.as_deref().unwrap_or("-")),
            if f.quarantined() {
                format!("  {UNVERIFIED}")
            } else {
                String::new()
            }
        )
    }
}

/// The bundles a search by a digest of `len` bytes could not look at
/// (one group per algorithm of that length the locker lacks for them).
fn find_not_held(locker: &Locker, len: usize) -> Result<Vec<NotHeld>, CliError> {
    let algos = Locker::algorithms_of_len(len);
    let mut out = Vec::new();
    for a in &algos {
        let bundles = locker.not_held(*a).map_err(op)?;
        if bundles.is_empty() {
            continue;
        }
        out.push(NotHeld {
            v: 1,
            kind: "not-held",
            hashset: None,
            algorithms: vec![a.name()],
            // A 64-digit search also looks at the other algorithm of
            // that length.
            searched_by: algos.iter().filter(|b| *b != a).map(|b| b.name()).collect(),
            bundles,
        });
    }
    Ok(out)
}

fn op(e: evidentia::locker::LockerError) -> CliError {
    CliError::op(e.to_string())
}

/// Run `locker`.
pub fn run(ctx: &Ctx, args: LockerArgs) -> Result<Exit, CliError> {
    let locker = args.locker.open(ctx)?;
    let mut out = ctx.output();
    let exit = match args.command {
        LockerCommand::List => {
            for b in locker.bundles().map_err(op)? {
                out.emit(&BundleLine(&b))?;
            }
            Exit::Ok
        }
        LockerCommand::Show { what } => super::locker_show::show(ctx, &locker, &what, &mut out)?,
        LockerCommand::Find { hash, name } => find(ctx, &locker, hash, name, &mut out)?,
        LockerCommand::Audit => {
            for a in locker.audit_log().map_err(op)? {
                out.emit(&AuditLine(&a))?;
            }
            Exit::Ok
        }
        LockerCommand::Verify {
            store,
            trust,
            decrypt,
        } => {
            let mut opener = Opener::from_args(ctx, &decrypt);
            let dir = args.locker.dir(ctx)?;
            let places = Places {
                store: store.as_deref(),
                trust: trust.as_deref(),
                dir: &dir,
            };
            verify_all(ctx, &locker, places, &mut opener, &mut out)?
        }
    };
    out.flush()?;
    Ok(exit)
}

/// `locker find`: the files found, and the bundles a search by hash could
/// not look at (exit 1 when none is found).
fn find(
    ctx: &Ctx,
    locker: &Locker,
    hash: Option<String>,
    name: Option<String>,
    out: &mut Output,
) -> Result<Exit, CliError> {
    let mut not_held = Vec::new();
    let rows = match (hash, name) {
        (Some(h), _) => {
            let rows = locker.find_hash(h.trim()).map_err(op)?.ok_or_else(|| {
                CliError::usage(format!("{h:?} is not a digest in hex")).hint(
                    "give 32 (MD5), 40 (SHA-1), 64 (SHA-256/BLAKE3) or 128 (SHA-512) hex digits",
                )
            })?;
            not_held = find_not_held(locker, h.trim().len() / 2)?;
            rows
        }
        (None, Some(n)) => locker.find_name(&n).map_err(op)?,
        (None, None) => return Err(CliError::usage("give --hash or --name")),
    };
    for f in &rows {
        out.emit(&FileLine(f))?;
    }
    for g in &not_held {
        out.emit(g)?;
        ctx.diag.note(&g.text());
    }
    if rows.is_empty() {
        ctx.diag.note(if not_held.is_empty() {
            "no file in the locker matches"
        } else {
            "no file in the locker matches among the bundles that hold such digests"
        });
        return Ok(Exit::Problem);
    }
    Ok(Exit::Ok)
}

/// Where `locker verify` finds the bundles and the trust store.
#[derive(Clone, Copy)]
struct Places<'a> {
    store: Option<&'a Path>,
    trust: Option<&'a Path>,
    /// Where digests are spilled and a decrypted copy is made: beside a
    /// locker file, or the evidentia home for a PostgreSQL locker.
    dir: &'a Path,
}

/// `locker verify`: every verified record against its stored bundle
/// (exit 1 on any drift).
fn verify_all(
    ctx: &Ctx,
    locker: &Locker,
    places: Places,
    opener: &mut Opener,
    out: &mut Output,
) -> Result<Exit, CliError> {
    let (store, trust, dir) = (places.store, places.trust, places.dir);
    let ts = trust_store(ctx, trust)?;
    let verifier = TrustVerifier { store: &ts };
    let mut exit = Exit::Ok;
    for b in locker.bundles().map_err(op)? {
        if b.quarantined() {
            // Nothing in it is claimed verified; nothing to compare.
            ctx.diag.note(&format!(
                "{}: {UNVERIFIED}, not checked",
                sanitize(&b.bundle_id)
            ));
            continue;
        }
        let mut drift = match &b.received {
            Some(r) => received_drift(r, store),
            None => Vec::new(),
        };
        drift.extend(self::drift(
            ctx,
            locker,
            &b,
            (store, dir),
            &verifier,
            opener,
        )?);
        if !drift.is_empty() {
            exit = Exit::Problem;
        }
        out.emit(&Drift {
            bundle: &b,
            drift: &drift,
        })?;
    }
    Ok(exit)
}

/// The encrypted file a record arrived as, hashed again: kept in the
/// store (`--store`) or where it was recorded, it must still be the file
/// that arrived.
fn received_drift(r: &Received, store: Option<&Path>) -> Vec<String> {
    let path = match store {
        Some(dir) => store_path_as(dir, &r.sha256, "zip.age"),
        None => PathBuf::from(&r.path),
    };
    match file_sha256(&path) {
        Err(e) => vec![format!(
            "cannot read the encrypted file the bundle arrived as: {e}"
        )],
        Ok(h) if h != r.sha256 => vec![format!(
            "received ciphertext SHA-256: the locker records {}, {} has {h}",
            r.sha256,
            display_path(&path)
        )],
        Ok(_) => Vec::new(),
    }
}

/// Differences between a stored bundle and its locker records: the
/// bundle must verify, and every recorded value must be what it says. A
/// recorded location that holds the encrypted bundle (ingested without
/// `--store`) is decrypted into a private copy beside the locker.
fn drift(
    ctx: &Ctx,
    locker: &Locker,
    b: &BundleRow,
    (store, dir): (Option<&Path>, &Path),
    verifier: &TrustVerifier<'_>,
    opener: &mut Opener,
) -> Result<Vec<String>, CliError> {
    let found = match (store, &b.location) {
        (Some(dir), _) => store_path(dir, &b.zip_sha256),
        (None, Some(l)) => PathBuf::from(l),
        (None, None) => return Ok(vec!["no recorded location; pass --store".into()]),
    };
    let input = match opener.open(&found, PlainDir::Beside(dir)) {
        Ok(i) => i,
        Err(e) if e.exit == Exit::Problem => return Ok(vec![e.message]),
        Err(e) => return Err(e),
    };
    let path = input.path();
    let hash = match file_sha256(path) {
        Err(e) => return Ok(vec![format!("cannot read {}: {e}", display_path(&found))]),
        Ok(h) => h,
    };
    let bar = progress_bar(ctx.progress, None);
    // The digests computed at ingest are computed again in the same pass.
    let mut tap = DigestTap::new(&INGEST_ALGORITHMS, dir);
    let r = verify::verify_tapped(
        path,
        &VerifyOptions::default(),
        Some(verifier),
        &mut |n| bar.inc(n),
        Some(&mut tap),
    );
    bar.finish_and_clear();
    let r = match r {
        Err(e) => return Ok(vec![format!("not readable as a bundle: {e}")]),
        Ok(r) => r,
    };
    let mut d: Vec<String> = r
        .findings
        .iter()
        .map(|f| format!("{}: {} [{}]", f.path, f.message, f.code))
        .collect();
    if !d.is_empty() {
        // A copy that fails is no authority on what the record should say.
        return Ok(d);
    }
    let record = match read_record(path) {
        Err(e) => return Ok(vec![format!("cannot read {}: {e}", display_path(&found))]),
        Ok(rec) => rec,
    };
    let changes = locker.compare(b, &r, &record, &hash).map_err(op)?;
    d.extend(changes.iter().map(ToString::to_string));
    let computed = tap.finish().map_err(op)?;
    let changes = locker.compare_computed(b, &record, &computed).map_err(op)?;
    d.extend(changes.iter().map(ToString::to_string));
    Ok(d)
}
