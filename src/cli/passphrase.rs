//! Passphrases (from `EVIDENTIA_PASSPHRASE`, `--passphrase-file`, or a
//! no-echo prompt on the terminal; never from an argument), loading a
//! signing key, and the mapping of key errors to messages with hints.

use super::context::Ctx;
use super::error::CliError;
use super::output::display_path;
use evidentia::bundle::CertifiedSigner;
use evidentia::sign::keystore::KeyRole;
use evidentia::sign::{KeyStore, SignError, Signer, TrustStore};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable holding a passphrase.
pub const PASSPHRASE_ENV: &str = "EVIDENTIA_PASSPHRASE";

/// A passphrase, wiped from memory when dropped.
pub type Passphrase = Zeroizing<Vec<u8>>;

/// The own-keys directory of the home.
pub fn key_store(ctx: &Ctx) -> Result<KeyStore, CliError> {
    Ok(KeyStore::open(ctx.home()?.join("keys")))
}

/// The trust store: `dir` when given, else `<home>/trust`.
pub fn trust_store(ctx: &Ctx, dir: Option<&Path>) -> Result<TrustStore, CliError> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => ctx.home()?.join("trust"),
    };
    TrustStore::open(dir).map_err(sign_error)
}

/// Get a passphrase; at creation (`confirm`) a prompt asks twice.
pub fn passphrase(file: Option<&Path>, confirm: bool) -> Result<Passphrase, CliError> {
    if let Some(p) = std::env::var_os(PASSPHRASE_ENV).filter(|v| !v.is_empty()) {
        use std::os::unix::ffi::OsStringExt;
        return Ok(Zeroizing::new(p.into_vec()));
    }
    if let Some(path) = file {
        let raw =
            Zeroizing::new(std::fs::read(path).map_err(|e| CliError::io("cannot read", path, &e))?);
        let line = raw.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Err(CliError::usage(format!(
                "the passphrase file {} is empty",
                display_path(path)
            )));
        }
        return Ok(Zeroizing::new(line.to_vec()));
    }
    let first = prompt("Passphrase: ")?;
    if first.is_empty() {
        return Err(CliError::usage("empty passphrase")
            .hint("use --no-encrypt to store the key in clear (not recommended)"));
    }
    if confirm && prompt("Passphrase (again): ")? != first {
        return Err(CliError::usage("the passphrases do not match"));
    }
    Ok(first)
}

/// Ask for a passphrase on /dev/tty with echo off.
fn prompt(question: &str) -> Result<Passphrase, CliError> {
    ask_secret(
        question,
        "a passphrase",
        &format!("set {PASSPHRASE_ENV} or pass --passphrase-file FILE"),
    )
}

/// Ask for `what` (a secret) on /dev/tty with echo off; without a
/// terminal, an error with `hint` (where else the secret can come from).
pub fn ask_secret(question: &str, what: &str, hint: &str) -> Result<Passphrase, CliError> {
    use std::os::fd::AsRawFd;
    let no_tty = || {
        CliError::usage(format!(
            "{what} is needed and there is no terminal to ask on"
        ))
        .hint(hint.to_owned())
    };
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| no_tty())?;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it for a valid fd.
    let mut term: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut term) } != 0 {
        return Err(no_tty());
    }
    let saved = term;
    term.c_lflag &= !libc::ECHO;
    term.c_lflag |= libc::ECHONL;
    // SAFETY: valid fd and a termios obtained from tcgetattr.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &term) };
    let mut w = &tty;
    let _ = w.write_all(question.as_bytes());
    let _ = w.flush();
    let mut line = Zeroizing::new(Vec::new());
    let read = std::io::BufReader::new(&tty).read_until(b'\n', &mut line);
    // SAFETY: restores the settings read above on the same fd.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    read.map_err(|e| CliError::op(format!("cannot read {what}: {e}")))?;
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    Ok(line)
}

/// Load and decrypt a signing key: `key` is a hex id prefix; without one,
/// the only examiner (non-root) key.
pub fn load_signer(
    ctx: &Ctx,
    key: Option<&str>,
    passphrase_file: Option<&Path>,
) -> Result<Signer, CliError> {
    load_signer_as(ctx, key, passphrase_file, KeyRole::Examiner)
}

/// [`load_signer`] choosing among keys of `role` when no id is given.
pub fn load_signer_as(
    ctx: &Ctx,
    key: Option<&str>,
    passphrase_file: Option<&Path>,
    role: KeyRole,
) -> Result<Signer, CliError> {
    let store = key_store(ctx)?;
    let file = store.find(key, role).map_err(sign_error)?;
    let pass = if file.is_encrypted() {
        Some(passphrase(passphrase_file, false)?)
    } else {
        None
    };
    store
        .signer(&file, pass.as_deref().map(Vec::as_slice))
        .map_err(sign_error)
}

/// `signer` with the public key of the root that certified it, from the
/// trust store (`trust`, else the home's) or this home's own keys, so that
/// a bundle carries what a court needs to check the certificate without
/// evidentia (`keys/<ROOTID>.pub`). A root known to neither is left out,
/// with a note: the bundle still verifies where that root is trusted.
pub fn with_issuing_root<'a>(
    ctx: &Ctx,
    signer: &'a Signer,
    trust: Option<&Path>,
) -> CertifiedSigner<'a> {
    let Some(issuer) = CertifiedSigner::issuer(signer) else {
        return CertifiedSigner::new(signer, None);
    };
    let trusted = trust_store(ctx, trust)
        .ok()
        .and_then(|t| t.get(&issuer).map(|e| e.public_key));
    let own = || {
        let store = key_store(ctx).ok()?;
        let k = store.find(Some(&issuer.hex()), KeyRole::Any).ok()?;
        (k.key_id == issuer).then_some(k.public_key)
    };
    let root = trusted.or_else(own);
    if root.is_none() {
        ctx.diag.note(&format!(
            "the public key of root {} (which certified key {}) is not in this home; the bundle \
             does not carry it, so whoever checks the certificate without evidentia needs it \
             from you",
            issuer.short(),
            signer.key_id().short()
        ));
    }
    CertifiedSigner::new(signer, root)
}

/// A key or trust error for the user, with a hint where there is one.
pub fn sign_error(e: SignError) -> CliError {
    let msg = match &e {
        SignError::Io {
            action,
            path,
            source,
        } => {
            format!(
                "{action} {}: {}",
                display_path(path),
                super::error::io_reason(source)
            )
        }
        other => other.to_string(),
    };
    let err = CliError::op(msg);
    match e {
        SignError::WrongPassphrase => err.hint(format!(
            "check the passphrase ({PASSPHRASE_ENV}, --passphrase-file or the prompt)"
        )),
        SignError::NoSuchKey { .. } => {
            err.hint("see `evidentia key list` (or `evidentia trust list`); pass --key ID")
        }
        SignError::AmbiguousKey { .. } => err.hint("give more digits of the key id"),
        SignError::PassphraseNeeded => err.hint(format!(
            "set {PASSPHRASE_ENV} or pass --passphrase-file FILE"
        )),
        _ => err,
    }
}

/// The path of a file next to `path` with `suffix` appended to its name.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
