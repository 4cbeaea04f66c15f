//! Decryption: into a new file where the user points, or into a private
//! temporary copy that lives as long as a command needs it. Both are
//! written to a 0600 temporary file first; nothing is kept unless the
//! whole ciphertext authenticated.

use super::header::{self, MAX_HEADER, Sniff};
use super::{CryptError, Guard, commit, copy, werr};
use crate::atomic::TempOut;
use crate::sign::agekey::AgeIdentity;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What a decryption read and wrote.
#[derive(Debug, Clone)]
pub struct Decrypted {
    /// Ciphertext bytes read (the whole file).
    pub cipher_bytes: u64,
    /// Hex SHA-256 of the ciphertext, what arrived.
    pub cipher_sha256: String,
    /// Plaintext bytes written.
    pub plain_bytes: u64,
}

/// A private (0600) decrypted copy, removed when dropped and on a fatal
/// signal. Never renamed: its name stays a temporary one
/// (`.NAME.PID.evidentia-tmp`), so a copy a `kill -9` left behind is
/// cleared by the next run in the same directory.
pub struct PlainCopy {
    /// What the decryption read and wrote.
    pub info: Decrypted,
    tmp: TempOut,
    _guard: Guard,
}

impl PlainCopy {
    /// Where the plaintext is, for as long as this value lives.
    pub fn path(&self) -> &Path {
        &self.tmp.path
    }
}

/// Decrypt `input` with `identities` into the new file `out`.
pub fn decrypt_file(
    input: &Path,
    identities: &[AgeIdentity],
    out: &Path,
) -> Result<Decrypted, CryptError> {
    if out.exists() {
        return Err(CryptError::Exists(out.to_path_buf()));
    }
    let (file, tmp) = TempOut::beside(out, 0o600).map_err(|e| werr(out, e))?;
    let guard = Guard::new(&tmp.path);
    let (file, info) = decrypt_into(input, identities, file, out)?;
    commit(tmp, file, out)?;
    drop(guard);
    Ok(info)
}

/// Decrypt `input` into a private temporary copy in `dir` (a directory
/// only the user can read, or beside the command's own output).
pub fn decrypt_private(
    input: &Path,
    identities: &[AgeIdentity],
    dir: &Path,
) -> Result<PlainCopy, CryptError> {
    let name = input
        .file_name()
        .map(|n| Path::new(n).with_extension(""))
        .unwrap_or_else(|| PathBuf::from("bundle"));
    let target = dir.join(format!("{}.plain", name.display()));
    let (file, tmp) = TempOut::beside(&target, 0o600).map_err(|e| werr(&target, e))?;
    let guard = Guard::new(&tmp.path);
    let (_, info) = decrypt_into(input, identities, file, &tmp.path)?;
    Ok(PlainCopy {
        info,
        tmp,
        _guard: guard,
    })
}

/// The shared state of a [`HashingReader`].
type Tally = Rc<RefCell<(Sha256, u64)>>;

/// Hashes and counts every byte read from the file.
struct HashingReader {
    inner: File,
    tally: Tally,
    /// The ciphertext's path, for the test hook.
    path: PathBuf,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        crate::testhook::op(crate::testhook::Op::Decrypt, &self.path)?;
        let n = self.inner.read(buf)?;
        let mut t = self.tally.borrow_mut();
        t.0.update(&buf[..n]);
        t.1 += n as u64;
        Ok(n)
    }
}

/// Check what `input` is, then decrypt it into `file` (named `out` in
/// errors) and flush it.
fn decrypt_into(
    input: &Path,
    identities: &[AgeIdentity],
    file: File,
    out: &Path,
) -> Result<(File, Decrypted), CryptError> {
    let rerr = |source| CryptError::Read {
        path: input.to_path_buf(),
        source,
    };
    // Read as evidence is: the access time stays.
    let mut src = crate::source::open_read_noatime(input, 0).map_err(rerr)?;
    let size = src.metadata().map_err(rerr)?.len();
    let stanzas = inspect(input, &mut src)?;
    src.seek(SeekFrom::Start(0)).map_err(rerr)?;
    let tally: Tally = Rc::new(RefCell::new((Sha256::new(), 0)));
    let reader = BufReader::with_capacity(
        1 << 20,
        HashingReader {
            inner: src,
            tally: tally.clone(),
            path: input.to_path_buf(),
        },
    );
    let dec = age::Decryptor::new_buffered(reader).map_err(|e| header_error(input, e, &stanzas))?;
    let ids = identities.iter().map(|i| i as &dyn age::Identity);
    let mut plain = dec
        .decrypt(ids)
        .map_err(|e| header_error(input, e, &stanzas))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let plain_bytes = copy(&mut plain, &mut w, input, out).map_err(|e| payload_error(input, e))?;
    let file = w.into_inner().map_err(|e| werr(out, e.into_error()))?;
    drop(plain);
    let (sha, read) = Rc::try_unwrap(tally)
        .map(RefCell::into_inner)
        .unwrap_or_else(|t| t.borrow().clone());
    if read != size {
        return Err(CryptError::Altered {
            path: input.to_path_buf(),
            detail: format!(
                "{} bytes follow the end of the age stream",
                size.saturating_sub(read)
            ),
        });
    }
    let info = Decrypted {
        cipher_bytes: read,
        cipher_sha256: crate::sign::keyid::hex(&sha.finalize()),
        plain_bytes,
    };
    Ok((file, info))
}

/// Read the start of the file: refuse what is not age, and list the
/// stanzas for a "not for you" message.
fn inspect(input: &Path, src: &mut File) -> Result<String, CryptError> {
    let mut start = Vec::new();
    Read::by_ref(src)
        .take(MAX_HEADER as u64)
        .read_to_end(&mut start)
        .map_err(|source| CryptError::Read {
            path: input.to_path_buf(),
            source,
        })?;
    check_start(input, &start)?;
    let path = input.to_path_buf();
    header::stanzas(&start)
        .map(|s| s.describe())
        .map_err(|reason| CryptError::Altered {
            path,
            detail: format!("malformed header: {reason}"),
        })
}

/// Refuse, by its first bytes, a file `input` that is not a binary age
/// file, saying what it is instead (a plain bundle, empty, armored).
pub fn check_start(input: &Path, start: &[u8]) -> Result<(), CryptError> {
    let path = input.to_path_buf();
    let reason = match header::sniff(start) {
        Sniff::Age => return Ok(()),
        Sniff::Armored => return Err(CryptError::Armored { path }),
        Sniff::Other if start.starts_with(b"PK\x03\x04") => {
            "it is a zip file: a bundle that is not encrypted"
        }
        Sniff::Other if start.is_empty() => "it is empty",
        Sniff::Other => "it does not start with \"age-encryption.org/v1\"",
    };
    Err(CryptError::NotAge {
        path,
        reason: reason.into(),
    })
}

/// Map the age crate's header errors.
fn header_error(input: &Path, e: age::DecryptError, stanzas: &str) -> CryptError {
    let path = input.to_path_buf();
    let altered = |detail: &str| CryptError::Altered {
        path: path.clone(),
        detail: detail.into(),
    };
    match e {
        age::DecryptError::NoMatchingKeys => CryptError::NotForYou {
            path,
            stanzas: stanzas.to_string(),
        },
        age::DecryptError::InvalidMac => altered("the header's MAC does not match"),
        age::DecryptError::InvalidHeader => altered("malformed header"),
        age::DecryptError::UnknownFormat => CryptError::NotAge {
            path,
            reason: "an age format newer than v1".into(),
        },
        age::DecryptError::Io(source)
            if matches!(
                source.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
            ) =>
        {
            altered(&format!("the header is incomplete or malformed: {source}"))
        }
        age::DecryptError::Io(source) => CryptError::Read { path, source },
        other => altered(&other.to_string()),
    }
}

/// Map a failure while reading plaintext: an authentication failure or a
/// cut is "altered"; anything else stays what it was.
fn payload_error(input: &Path, e: CryptError) -> CryptError {
    match e {
        CryptError::Read { source, .. }
            if matches!(
                source.kind(),
                io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
            ) =>
        {
            CryptError::Altered {
                path: input.to_path_buf(),
                detail: format!("the payload does not authenticate: {source}"),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
