//! `ingest` of an encrypted bundle: where its plaintext goes (a private
//! temporary copy inside the store given with `--store`, else beside the
//! locker database; removed when the bundle is done), and what is kept of
//! the age file as it arrived: a copy in the store named by its own
//! SHA-256 (`sha256/cd/cdef....zip.age`), or, without `--store`, the file
//! where it is. The locker records its SHA-256, size and place
//! ([`Received`]); `ingest` and `locker show` print that record with
//! [`received_text`] and [`JsonReceived`].

use super::error::CliError;
use super::output::{display_path, sanitize};
use super::plain_input::{Opener, PlainDir, PlainInput, is_encrypted};
use evidentia::crypt::Decrypted;
use evidentia::locker::{LockerError, Received, store_copy_as};
use serde::Serialize;
use std::path::Path;

/// The extension of an encrypted bundle kept in the store.
const AGE_EXT: &str = "zip.age";

/// The received ciphertext on the wire (`ingest`, `locker show`).
#[derive(Serialize)]
pub struct JsonReceived<'a> {
    /// `age`.
    pub encryption: &'static str,
    /// Hex SHA-256 of the age file as it arrived.
    pub sha256: &'a str,
    /// Its size in bytes.
    pub bytes: u64,
    /// Where it is kept.
    pub kept: String,
}

/// The wire form of `r`.
pub fn json_received(r: &Received) -> JsonReceived<'_> {
    JsonReceived {
        encryption: "age",
        sha256: &r.sha256,
        bytes: r.bytes,
        kept: display_path(Path::new(&r.path)),
    }
}

/// `  arrived encrypted (age): ciphertext SHA-256 HEX, N bytes, kept at PATH`.
pub fn received_text(r: &Received) -> String {
    format!(
        "  arrived encrypted (age): ciphertext SHA-256 {}, {} bytes, kept at {}\n",
        r.sha256,
        r.bytes,
        sanitize(&display_path(Path::new(&r.path)))
    )
}

/// One input of `ingest`: as it is, or decrypted into `store` (created
/// when missing) or, without one, into `locker_dir`. `--key` (a receive
/// event appended to the decrypted copy) needs `--store`, which keeps
/// that copy: otherwise the locker would record an event no kept file
/// holds.
pub fn open(
    opener: &mut Opener,
    path: &Path,
    store: Option<&Path>,
    locker_dir: &Path,
    signing: bool,
) -> Result<PlainInput, CliError> {
    if !is_encrypted(path)? {
        return opener.open(path, PlainDir::Scratch);
    }
    let shown = display_path(path);
    if signing && store.is_none() {
        return Err(CliError::usage(format!(
            "{shown} is age-encrypted: --key would append the receive event to a decrypted copy that ingest does not keep without --store"
        ))
        .hint(format!(
            "keep it with --store DIR, or run `evidentia receive {shown} -o BUNDLE.zip` first and ingest BUNDLE.zip"
        )));
    }
    let dir = match store {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| CliError::io("cannot create", d, &e))?;
            d
        }
        None => locker_dir,
    };
    opener.open(path, PlainDir::Beside(dir))
}

/// Keep the age file `original` as it arrived (decrypted as `d`): copied
/// into `store` under its SHA-256 (the copy hashed on the way, refused
/// when it is not the file that was decrypted), or where it is.
pub fn keep(original: &Path, d: &Decrypted, store: Option<&Path>) -> Result<Received, LockerError> {
    let kept = match store {
        Some(dir) => store_copy_as(original, dir, &d.cipher_sha256, AGE_EXT)?,
        None => std::fs::canonicalize(original).unwrap_or_else(|_| original.to_path_buf()),
    };
    Ok(Received {
        sha256: d.cipher_sha256.clone(),
        bytes: d.cipher_bytes,
        path: kept.to_string_lossy().into_owned(),
    })
}
