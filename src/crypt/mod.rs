//! Encryption in transit: bundles (or any file) encrypted to age X25519
//! recipients, and decrypted with the local keys' age identities
//! (`sign::agekey`). The `age` crate does the cryptography (the v1 format,
//! so stock `age` and `rage` interoperate); this room owns the files.
//!
//! Invariants: everything streams in constant memory; a result appears
//! only complete (a temporary file beside it, flushed, renamed, never over
//! an existing file); decrypted bytes go only to a private (0600) file,
//! and are renamed into place only after the whole ciphertext
//! authenticated, so a cut or altered ciphertext leaves no plaintext
//! anywhere; a private temporary plaintext is removed on every exit,
//! including a fatal signal (`atomic::SignalGuard`).

pub mod header;
pub mod holdback;
mod open;
pub mod pipe;
pub mod scratch;

pub use header::{Sniff, Stanzas, sniff};
pub use holdback::HoldBack;
pub use open::{Decrypted, PlainCopy, check_start, decrypt_file, decrypt_private};
pub use pipe::Pipe;
pub use scratch::ScratchFile;

use crate::atomic::{SignalGuard, TempOut};
use crate::sign::agekey::Recipient;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// What went wrong, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum CryptError {
    /// The input is not an age file.
    #[error("{path}: not an age-encrypted file ({reason})")]
    NotAge {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// An ASCII-armored age file, which evidentia does not read.
    #[error("{path}: an ASCII-armored age file (\"-----BEGIN AGE ENCRYPTED FILE-----\")")]
    Armored {
        /// The file.
        path: PathBuf,
    },
    /// None of the given identities opens the file.
    #[error("{path}: this file is for {stanzas}, none of them your keys")]
    NotForYou {
        /// The file.
        path: PathBuf,
        /// What the header holds.
        stanzas: String,
    },
    /// The header or the payload does not authenticate.
    #[error("{path}: the ciphertext was altered or cut short ({detail}); no plaintext was kept")]
    Altered {
        /// The file.
        path: PathBuf,
        /// Where it failed.
        detail: String,
    },
    /// The output exists already.
    #[error("{0}: already exists (evidentia never overwrites)")]
    Exists(PathBuf),
    /// Reading the input failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No recipients were given.
    #[error("no recipients to encrypt to")]
    NoRecipients,
}

/// What `encrypt` produced.
#[derive(Debug, Clone)]
pub struct Encrypted {
    /// Plaintext bytes read.
    pub plain_bytes: u64,
    /// Ciphertext bytes written.
    pub cipher_bytes: u64,
    /// Hex SHA-256 of the ciphertext (for the transmittal letter).
    pub cipher_sha256: String,
}

/// A writer that counts and hashes what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    sha: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wrap `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            sha: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the byte count and the hex SHA-256.
    pub fn finish(self) -> (W, u64, String) {
        let hex = crate::sign::keyid::hex(&self.sha.finalize());
        (self.inner, self.bytes, hex)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An age encryptor over `out` for `recipients`: write the plaintext to
/// it, then call `finish` (which writes the last chunk; without it the
/// ciphertext is cut short and will not decrypt).
pub fn encryptor<W: Write>(
    recipients: &[Recipient],
    out: W,
) -> Result<age::stream::StreamWriter<W>, io::Error> {
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .map_err(io::Error::other)?;
    enc.wrap_output(out)
}

/// Encrypt the file `input` to `recipients` into the new file `out`
/// (created beside it as a temporary file, flushed and renamed; never
/// over an existing file). The ciphertext is hashed as it is written.
pub fn encrypt_file(
    input: &Path,
    recipients: &[Recipient],
    out: &Path,
) -> Result<Encrypted, CryptError> {
    if recipients.is_empty() {
        return Err(CryptError::NoRecipients);
    }
    let rerr = |source| CryptError::Read {
        path: input.to_path_buf(),
        source,
    };
    let mut src = File::open(input).map_err(rerr)?;
    if out.exists() {
        return Err(CryptError::Exists(out.to_path_buf()));
    }
    let (file, tmp) = TempOut::beside(out, 0o666).map_err(|e| werr(out, e))?;
    let hashing = HashingWriter::new(io::BufWriter::with_capacity(1 << 20, file));
    let mut w = encryptor(recipients, hashing).map_err(|e| werr(out, e))?;
    let plain_bytes = copy(&mut src, &mut w, input, out)?;
    let hashing = w.finish().map_err(|e| werr(out, e))?;
    let (buf, cipher_bytes, cipher_sha256) = hashing.finish();
    let file = buf.into_inner().map_err(|e| werr(out, e.into_error()))?;
    commit(tmp, file, out)?;
    Ok(Encrypted {
        plain_bytes,
        cipher_bytes,
        cipher_sha256,
    })
}

fn werr(path: &Path, source: io::Error) -> CryptError {
    CryptError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Move the finished temporary file into place.
fn commit(tmp: TempOut, file: File, out: &Path) -> Result<(), CryptError> {
    tmp.commit(file, out).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CryptError::Exists(out.to_path_buf())
        } else {
            werr(out, e)
        }
    })
}

/// Copy `src` to `dst` in 1 MiB blocks, naming the right file on error.
fn copy(
    src: &mut dyn Read,
    dst: &mut dyn Write,
    from: &Path,
    to: &Path,
) -> Result<u64, CryptError> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(CryptError::Read {
                    path: from.to_path_buf(),
                    source: e,
                });
            }
        };
        dst.write_all(&buf[..n]).map_err(|e| werr(to, e))?;
        total += n as u64;
    }
}

/// Keep the guard type in one place for `open`.
pub(crate) type Guard = SignalGuard;
