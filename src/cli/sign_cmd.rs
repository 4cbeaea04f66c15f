//! `evidentia sign`: sign a file into `FILE.minisig` (and, with
//! `--with-cert`, write the signer's certificate bundle beside it as
//! `FILE.cert`), or check a signature against the trust store (`--verify`,
//! in `sign_verify.rs`: exit 0 trusted and valid, 1 otherwise).

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, display_path};
use super::passphrase::{key_store, load_signer, now, sign_error, with_suffix};
use super::sign_verify::{VerifyOptions, verify};
use clap::Args;
use evidentia::sign::cert::Validity;
use evidentia::sign::foreign::CertFile;
use evidentia::sign::keystore::KeyRole;
use evidentia::sign::minisign::prehash_reader;
use std::path::{Path, PathBuf};

/// Arguments of `sign`.
#[derive(Debug, Args)]
#[command(after_help = "Sending a signed file abroad: the sender runs \
`evidentia sign FILE --with-cert` and sends FILE, FILE.minisig and FILE.cert; \
a receiver who trusts the sender's agency root runs \
`evidentia sign --verify FILE --cert FILE.cert` (or imports the certificate \
once with `evidentia key import FILE.cert`).")]
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
    /// Also write the signing key's certificate bundle as FILE.cert, to
    /// send with FILE and FILE.minisig (the key must have an imported
    /// certificate)
    #[arg(long, conflicts_with = "verify")]
    with_cert: bool,
    /// Verify FILE against its signature instead of signing
    #[arg(long)]
    verify: bool,
    /// The signature file [default: FILE.minisig]
    #[arg(long, value_name = "SIGFILE", requires = "verify")]
    sig: Option<PathBuf>,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR", requires = "verify")]
    trust: Option<PathBuf>,
    /// A certificate of the signing key (a bundle such as FILE.cert from
    /// `sign --with-cert` or `key certify`, or a .cert.json with its
    /// .minisig beside it); it counts only through a root in the trust
    /// store (repeatable)
    #[arg(long, value_name = "CERT", requires = "verify")]
    cert: Vec<PathBuf>,
}

/// Run `sign`.
pub fn run(ctx: &Ctx, args: SignArgs) -> Result<Exit, CliError> {
    if args.verify {
        return verify(
            ctx,
            &VerifyOptions {
                file: &args.file,
                sig: args.sig.as_deref(),
                trust: args.trust.as_deref(),
                certs: &args.cert,
            },
        );
    }
    let sig_path = with_suffix(&args.file, ".minisig");
    let cert_path = args.with_cert.then(|| with_suffix(&args.file, ".cert"));
    for p in std::iter::once(&sig_path).chain(cert_path.as_ref()) {
        if p.exists() {
            return Err(
                CliError::usage(format!("{} already exists", display_path(p)))
                    .hint("remove it first; signatures and certificates are never overwritten"),
            );
        }
    }
    let cert = match args.with_cert {
        true => Some(own_certificate(ctx, args.key.as_deref())?),
        false => None,
    };
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
    write_new(&sig_path, &sig)?;
    if let (Some(path), Some(cert)) = (&cert_path, &cert) {
        // Both or neither: a signature whose certificate could not be
        // written is taken back, so that a retry does not refuse.
        if let Err(e) = write_new(path, &cert.to_bundle().to_bytes()) {
            let _ = std::fs::remove_file(&sig_path);
            return Err(e);
        }
    }
    ctx.diag
        .note(&format!("signed with key {}", signer.key_id().short()));
    let mut text = format!("{}\n", display_path(&sig_path));
    if let Some(p) = &cert_path {
        text.push_str(&format!("{}\n", display_path(p)));
    }
    let mut out = ctx.output();
    out.emit(&Doc {
        json: serde_json::json!({
            "v": 1, "file": args.file.to_string_lossy(), "signature": sig_path.to_string_lossy(),
            "key_id": signer.key_id(),
            "certificate": cert_path.as_ref().map(|p| p.to_string_lossy()),
        }),
        text,
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// The imported certificate of the signing key, checked before anything
/// is signed or written (`--with-cert`).
fn own_certificate(ctx: &Ctx, key: Option<&str>) -> Result<CertFile, CliError> {
    let store = key_store(ctx)?;
    let k = store.find(key, KeyRole::Examiner).map_err(sign_error)?;
    if k.root {
        return Err(CliError::usage(format!(
            "key {} is an agency root: receivers trust it directly, it has no certificate to send",
            k.key_id.short()
        ))
        .hint("sign without --with-cert, or with an examiner key (--key ID)"));
    }
    let Some((c, s)) = store.certificate(&k.key_id).map_err(sign_error)? else {
        return Err(CliError::usage(format!(
            "key {} has no certificate to send with the signature",
            k.key_id.short()
        ))
        .hint(
            "have your agency root certify it (`evidentia key certify` on the root's machine), \
             then `evidentia key import CERT` here; or sign without --with-cert",
        ));
    };
    let cert = CertFile::new(c, s)
        .ok()
        .filter(|c| c.certificate.public_key == k.public_key)
        .ok_or_else(|| {
            CliError::op(format!(
                "the stored certificate of key {} is damaged",
                k.key_id.short()
            ))
            .hint("import the certificate from your agency root again with `evidentia key import`")
        })?;
    let c = &cert.certificate;
    match c.validity_at(now()) {
        Validity::Valid => {}
        Validity::Expired => ctx.diag.warn(&format!(
            "the certificate of key {} expired {}: receivers will not trust this signature",
            k.key_id.short(),
            c.valid_until
        )),
        Validity::NotYetValid => ctx.diag.warn(&format!(
            "the certificate of key {} is valid only from {}: receivers will not trust this signature",
            k.key_id.short(),
            c.valid_from
        )),
    }
    Ok(cert)
}

/// Write a new public file (ordinary permissions), never overwriting.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| CliError::io("cannot write", path, &e))?;
    std::io::Write::write_all(&mut f, bytes).map_err(|e| {
        // Created here, so ours to take back: no half-written file stays.
        let _ = std::fs::remove_file(path);
        CliError::io("cannot write", path, &e)
    })
}

/// The BLAKE2b-512 prehash of a file, streamed.
pub(super) fn digest_of(path: &Path) -> Result<[u8; 64], CliError> {
    let f = std::fs::File::open(path).map_err(|e| CliError::io("cannot read", path, &e))?;
    prehash_reader(f).map_err(|e| CliError::io("cannot read", path, &e))
}
