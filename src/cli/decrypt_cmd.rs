//! `evidentia decrypt`: decrypt an age file (normally an encrypted
//! bundle) with the local keys' age identities. The plaintext goes into a
//! private temporary file beside the output and is renamed into place
//! only when the whole ciphertext authenticated (`crypt::decrypt_file`);
//! a fatal signal removes it (`signals`). A damaged ciphertext is a
//! finding (exit 1); a file for someone else, exit 2.

use super::agekeys;
use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Emit, display_path};
use clap::Args;
use evidentia::crypt::{self, CryptError, Decrypted, Sniff};
use evidentia::pathrepr::PathRepr;
use evidentia::wording::count;
use serde::Serialize;
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Arguments of `decrypt`.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The encrypted file (FILE.age)
    #[arg(value_name = "FILE.age")]
    file: PathBuf,
    /// The decrypted file to create [default: FILE without .age]. Never
    /// overwritten
    #[arg(long, short = 'o', value_name = "OUT")]
    out: Option<PathBuf>,
    /// Decrypt with this key only (id or unique hex prefix) [default: every
    /// key of yours with an encryption recipient]
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Read the passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

/// `decrypt --json`.
#[derive(Serialize)]
struct DecryptJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    input: PathRepr,
    path: PathRepr,
    bytes: u64,
    cipher_bytes: u64,
    cipher_sha256: &'a str,
}

struct DecryptedFile<'a> {
    input: &'a Path,
    out: &'a Path,
    info: &'a Decrypted,
}

impl Emit for DecryptedFile<'_> {
    fn json(&self) -> impl Serialize + '_ {
        DecryptJson {
            kind: "evidentia/decrypt-result/v1",
            input: PathRepr::from_path(self.input),
            path: PathRepr::from_path(self.out),
            bytes: self.info.plain_bytes,
            cipher_bytes: self.info.cipher_bytes,
            cipher_sha256: &self.info.cipher_sha256,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let out = display_path(self.out);
        format!(
            "decrypted {} into {out}: {}\nciphertext SHA-256: {} (compare with the transmittal letter)\nnext: evidentia verify {out}\n",
            display_path(self.input),
            count(self.info.plain_bytes, "byte"),
            self.info.cipher_sha256,
        )
    }
}

/// Run `decrypt`.
pub fn run(ctx: &Ctx, args: DecryptArgs) -> Result<Exit, CliError> {
    let out = match &args.out {
        Some(o) => o.clone(),
        None => default_out(&args.file)?,
    };
    if std::fs::symlink_metadata(&out).is_ok() {
        return Err(agekeys::crypt_error(CryptError::Exists(out), None));
    }
    // What is not age needs no passphrase to be refused.
    check_input(&args.file).map_err(|e| agekeys::crypt_error(e, None))?;
    let ids = agekeys::identities(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    super::signals::install_cleanup();
    let info = crypt::decrypt_file(&args.file, &ids.ids, &out)
        .map_err(|e| agekeys::crypt_error(e, Some(&ids)))?;
    let mut o = ctx.output();
    o.emit(&DecryptedFile {
        input: &args.file,
        out: &out,
        info: &info,
    })?;
    o.flush()?;
    Ok(Exit::Ok)
}

/// FILE.age without `.age`; refused when the name has no such ending.
fn default_out(file: &Path) -> Result<PathBuf, CliError> {
    let bytes = file.as_os_str().as_bytes();
    match bytes.strip_suffix(b".age") {
        Some(stem) if !stem.is_empty() && !stem.ends_with(b"/") => {
            Ok(PathBuf::from(OsString::from_vec(stem.to_vec())))
        }
        _ => Err(CliError::usage(format!(
            "{} does not end in .age, so there is no default output name",
            display_path(file)
        ))
        .hint("name the decrypted file with -o OUT")),
    }
}

/// Refuse a file that is not binary age before asking for a passphrase
/// (`decrypt_file` checks again, with the header's stanzas).
fn check_input(file: &Path) -> Result<(), CryptError> {
    let mut start = Vec::with_capacity(64);
    std::fs::File::open(file)
        .and_then(|f| f.take(64).read_to_end(&mut start))
        .map_err(|source| CryptError::Read {
            path: file.to_path_buf(),
            source,
        })?;
    let path = file.to_path_buf();
    match crypt::sniff(&start) {
        Sniff::Age => Ok(()),
        Sniff::Armored => Err(CryptError::Armored { path }),
        Sniff::Other => {
            let reason = if start.starts_with(b"PK\x03\x04") {
                "it is a zip file: a bundle that is not encrypted"
            } else if start.is_empty() {
                "it is empty"
            } else {
                "it does not start with \"age-encryption.org/v1\""
            };
            Err(CryptError::NotAge {
                path,
                reason: reason.into(),
            })
        }
    }
}
