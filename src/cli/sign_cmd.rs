//! `evidentia sign`: sign a file into `FILE.minisig`, or check one against
//! the trust store (`--verify`: exit 0 trusted and valid, 1 otherwise).

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Mode, Output, display_path, sanitize};
use super::passphrase::{key_store, load_signer, now, sign_error, trust_store, with_suffix};
use clap::Args;
use evidentia::sign::minisign::prehash_reader;
use evidentia::sign::{
    BundledKeys, SignatureCheck, SignatureStatus, TrustPath, read_small, verify_prehashed_signature,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments of `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The file to sign or verify
    file: PathBuf,
    /// Signing key id or unique hex prefix [default: the only examiner key]
    #[arg(long, value_name = "ID", conflicts_with = "verify")]
    key: Option<String>,
    /// Text added to the trusted comment (covered by the signature)
    #[arg(long, value_name = "TEXT", conflicts_with = "verify")]
    comment: Option<String>,
    /// Read the passphrase from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "verify")]
    passphrase_file: Option<PathBuf>,
    /// Verify FILE against its signature instead of signing
    #[arg(long)]
    verify: bool,
    /// The signature file [default: FILE.minisig]
    #[arg(long, value_name = "SIGFILE", requires = "verify")]
    sig: Option<PathBuf>,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR", requires = "verify")]
    trust: Option<PathBuf>,
}

/// Run `sign`.
pub fn run(ctx: &Ctx, args: SignArgs) -> Result<Exit, CliError> {
    if args.verify {
        return verify(ctx, &args);
    }
    let sig_path = with_suffix(&args.file, ".minisig");
    if sig_path.exists() {
        return Err(
            CliError::usage(format!("{} already exists", display_path(&sig_path)))
                .hint("remove it first; signatures are never overwritten"),
        );
    }
    let digest = digest_of(&args.file)?;
    let signer = load_signer(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut comment = format!(
        "timestamp:{}\tfile:{}\tkey:{}",
        now(),
        name,
        signer.key_id()
    );
    if let Some(c) = &args.comment {
        comment.push_str(&format!("\tcomment:{c}"));
    }
    let sig = signer.sign_prehashed(&digest, &comment);
    // A signature is public: ordinary permissions, but never overwritten.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&sig_path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &sig))
        .map_err(|e| CliError::io("cannot write", &sig_path, &e))?;
    ctx.diag
        .note(&format!("signed with key {}", signer.key_id().short()));
    let mut out = Output::new(ctx.mode);
    match ctx.mode {
        Mode::Json => out.json(&serde_json::json!({
            "v": 1, "file": args.file.to_string_lossy(), "signature": sig_path.to_string_lossy(),
            "key_id": signer.key_id(),
        }))?,
        Mode::Human => out.bytes(format!("{}\n", display_path(&sig_path)).as_bytes())?,
    }
    out.flush()?;
    Ok(Exit::Ok)
}

fn digest_of(path: &Path) -> Result<[u8; 64], CliError> {
    let f = std::fs::File::open(path).map_err(|e| CliError::io("cannot read", path, &e))?;
    prehash_reader(f).map_err(|e| CliError::io("cannot read", path, &e))
}

/// The claimed signing time: `timestamp:N` in the trusted comment.
fn claimed_time(trusted_comment: &str) -> Option<i64> {
    trusted_comment
        .split('\t')
        .find_map(|f| f.strip_prefix("timestamp:")?.trim().parse().ok())
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    v: u32,
    file: String,
    #[serde(flatten)]
    check: &'a SignatureCheck,
}

fn verify(ctx: &Ctx, args: &SignArgs) -> Result<Exit, CliError> {
    let sig_path = args
        .sig
        .clone()
        .unwrap_or_else(|| with_suffix(&args.file, ".minisig"));
    let sig = read_small("signature", &sig_path).map_err(sign_error)?;
    let digest = digest_of(&args.file)?;
    let store = trust_store(ctx, args.trust.as_deref())?;
    // Own keys help name the signer; they are never trusted for that.
    let mut bundled = BundledKeys::default();
    if let Ok(keys) = key_store(ctx)?.list() {
        let ks = key_store(ctx)?;
        for k in keys {
            if let Ok(Some(p)) = ks.public_file(&k.key_id) {
                bundled.public_keys.push(p);
            }
            if let Ok(Some(c)) = ks.certificate(&k.key_id) {
                bundled.certificates.push(c);
            }
        }
    }
    let first = verify_prehashed_signature(&store, &digest, &sig, &bundled, now());
    let when = first.trusted_comment.as_deref().and_then(claimed_time);
    let check = match when {
        Some(t) => verify_prehashed_signature(&store, &digest, &sig, &bundled, t),
        None => first,
    }
    // A certificate's or a custody event's signature is not a file
    // signature, whatever file it covers.
    .require_file_kind();
    let exit = if check.is_trusted() {
        Exit::Ok
    } else {
        Exit::Problem
    };
    let mut out = Output::new(ctx.mode);
    match ctx.mode {
        Mode::Json => out.json(&VerifyJson {
            v: 1,
            file: args.file.to_string_lossy().into_owned(),
            check: &check,
        })?,
        Mode::Human => out.bytes(human(&check).as_bytes())?,
    }
    out.flush()?;
    Ok(exit)
}

fn human(c: &SignatureCheck) -> String {
    let key = c
        .key_id
        .map(|k| k.short())
        .unwrap_or_else(|| c.keynum.clone().unwrap_or_default());
    // Only a proven identity is named (see `SignatureCheck::signer`).
    let who = c
        .signer
        .as_ref()
        .map(|i| format!(" by {}", sanitize(&i.display())))
        .unwrap_or_else(|| " by a key with no certified identity".into());
    let mut s = match &c.status {
        SignatureStatus::Trusted {
            via: TrustPath::Direct,
        } => format!("OK: trusted signature{who} (key {key}, pinned)\n"),
        SignatureStatus::Trusted {
            via: TrustPath::RootKey,
        } => format!("OK: trusted signature{who} (key {key}, signed by a root key)\n"),
        SignatureStatus::Trusted {
            via: TrustPath::Root { root_id },
        } => {
            format!(
                "OK: trusted signature{who} (key {key}, certified by root {})\n",
                root_id.short()
            )
        }
        SignatureStatus::ValidUntrusted => {
            format!(
                "UNTRUSTED: valid signature{who}, but key {key} is not trusted (add it or its agency root with `evidentia trust add`)\n"
            )
        }
        SignatureStatus::CertificateExpired { valid_until, .. } => {
            format!(
                "UNTRUSTED: valid signature{who}, but the key's certificate expired on {valid_until}\n"
            )
        }
        SignatureStatus::CertificateNotYetValid { valid_from, .. } => {
            format!(
                "UNTRUSTED: valid signature{who}, but the key's certificate is valid only from {valid_from}\n"
            )
        }
        SignatureStatus::CertificateOutOfScope { .. } => {
            format!(
                "UNTRUSTED: valid signature, but {}\n",
                sanitize(&c.status.reason())
            )
        }
        SignatureStatus::WrongKind { .. } => {
            format!(
                "WRONG KIND: valid signature, but {}\n",
                sanitize(&c.status.reason())
            )
        }
        SignatureStatus::UnknownKey => {
            format!("UNTRUSTED: no known public key for key number {key}\n")
        }
        SignatureStatus::Invalid { reason } => format!("BAD SIGNATURE: {reason}\n"),
        SignatureStatus::Malformed { reason } => format!("BAD SIGNATURE: {}\n", sanitize(reason)),
    };
    if let Some(tc) = &c.trusted_comment {
        s.push_str(&format!("trusted comment: {}\n", sanitize(tc)));
    }
    for n in &c.notes {
        s.push_str(&format!("note: {}\n", sanitize(n)));
    }
    s
}
