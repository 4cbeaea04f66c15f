//! `evidentia encrypt`: encrypt a bundle (or any file) to the receiving
//! examiners or lab with age, for the journey. Recipients are resolved
//! against the trust store (`agekeys::recipients`); the ciphertext is
//! written beside its destination, flushed and renamed, never over an
//! existing file (`crypt::encrypt_file`), and its SHA-256 printed for the
//! transmittal letter.

use super::agekeys::{self, To};
use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Emit, display_path, sanitize};
use super::passphrase::with_suffix;
use clap::Args;
use evidentia::crypt::{self, CryptError, Encrypted, Sniff};
use evidentia::pathrepr::PathRepr;
use evidentia::wording::count;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Arguments of `encrypt`.
#[derive(Debug, Args)]
pub struct EncryptArgs {
    /// The file to encrypt, normally a sealed bundle
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Who may read it (repeatable): the receiving examiner's certificate
    /// (from `key certify`) or public key file, the id of a key you hold or
    /// a certificate you imported, or a bare age1... recipient
    #[arg(long = "to", value_name = "RECIPIENT", required = true)]
    to: Vec<String>,
    /// The encrypted file to create [default: FILE.age]. Never overwritten
    #[arg(long, short = 'o', value_name = "OUT")]
    out: Option<PathBuf>,
    /// Accept a certificate or public key file that no root in your trust
    /// store vouches for (only after confirming its fingerprint out of band)
    #[arg(long)]
    to_untrusted: bool,
    /// Trust store directory [default: HOME/trust]
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
}

/// One recipient in the output.
#[derive(Serialize)]
struct RecipientJson<'a> {
    recipient: String,
    label: &'a str,
    key_id: Option<String>,
    trusted: bool,
}

/// `encrypt --json`.
#[derive(Serialize)]
struct EncryptJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    input: PathRepr,
    path: PathRepr,
    plain_bytes: u64,
    bytes: u64,
    sha256: &'a str,
    recipients: Vec<RecipientJson<'a>>,
}

/// The result of `encrypt` (and of any command that writes an encrypted
/// file): what was written, its hash, and who can read it.
pub(super) struct EncryptedFile<'a> {
    /// The plaintext that was read.
    pub input: &'a Path,
    /// The ciphertext file.
    pub out: &'a Path,
    /// Its sizes and hash.
    pub info: &'a Encrypted,
    /// Who can read it.
    pub to: &'a [To],
}

impl Emit for EncryptedFile<'_> {
    fn json(&self) -> impl Serialize + '_ {
        EncryptJson {
            kind: "evidentia/encrypt-result/v1",
            input: PathRepr::from_path(self.input),
            path: PathRepr::from_path(self.out),
            plain_bytes: self.info.plain_bytes,
            bytes: self.info.cipher_bytes,
            sha256: &self.info.cipher_sha256,
            recipients: self
                .to
                .iter()
                .map(|t| RecipientJson {
                    recipient: t.recipient.to_string(),
                    label: &t.label,
                    key_id: t.key_id.map(|k| k.hex()),
                    trusted: t.trusted,
                })
                .collect(),
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let mut s = format!(
            "encrypted {} into {}: {}, for {}\nciphertext SHA-256: {} (put this in the transmittal letter)\nreadable by:\n",
            display_path(self.input),
            display_path(self.out),
            count(self.info.cipher_bytes, "byte"),
            count(self.to.len(), "recipient"),
            self.info.cipher_sha256,
        );
        for t in self.to {
            let trust = if t.trusted { "" } else { "  [NOT TRUSTED]" };
            s.push_str(&format!(
                "  {}  {}{trust}\n",
                t.recipient,
                sanitize(&t.label)
            ));
        }
        s
    }
}

/// Run `encrypt`.
pub fn run(ctx: &Ctx, args: EncryptArgs) -> Result<Exit, CliError> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| with_suffix(&args.file, ".age"));
    if std::fs::symlink_metadata(&out).is_ok() {
        return Err(agekeys::crypt_error(CryptError::Exists(out), None));
    }
    check_input(ctx, &args.file)?;
    let to = agekeys::recipients(ctx, &args.to, args.trust.as_deref(), args.to_untrusted)?;
    let recipients: Vec<_> = to.iter().map(|t| t.recipient.clone()).collect();
    let info = crypt::encrypt_file(&args.file, &recipients, &out)
        .map_err(|e| agekeys::crypt_error(e, None))?;
    let mut o = ctx.output();
    o.emit(&EncryptedFile {
        input: &args.file,
        out: &out,
        info: &info,
        to: &to,
    })?;
    o.flush()?;
    Ok(Exit::Ok)
}

/// Refuse what is encrypted already; warn about what is not a bundle.
fn check_input(ctx: &Ctx, file: &Path) -> Result<(), CliError> {
    let mut start = Vec::with_capacity(64);
    std::fs::File::open(file)
        .and_then(|f| f.take(64).read_to_end(&mut start))
        .map_err(|e| CliError::io("cannot read", file, &e))?;
    match crypt::sniff(&start) {
        Sniff::Age | Sniff::Armored => Err(CliError::usage(format!(
            "{}: already an age-encrypted file",
            display_path(file)
        ))
        .hint("encrypt the bundle itself; to send it to someone else, decrypt it first (`evidentia decrypt`)")),
        Sniff::Other if !start.starts_with(b"PK\x03\x04") => {
            ctx.diag.warn(&format!(
                "{} is not a bundle (not a zip file); encrypting it anyway",
                display_path(file)
            ));
            Ok(())
        }
        Sniff::Other => Ok(()),
    }
}
