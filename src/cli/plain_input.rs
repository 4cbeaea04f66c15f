//! Encrypted bundles as inputs: the one opener `verify`, `receive`,
//! `ingest`, `report`, `custody show` and `locker verify` read their
//! bundle through. An age file (told by its first bytes, never by its
//! name) is decrypted with the local keys' identities into a private
//! (0600) temporary copy, and the command reads that copy; anything else
//! is read as it is.
//!
//! Where the copy goes: beside the command's own output when it has one
//! (the report's `-o`, the locker's store or database), else into
//! `<home>/scratch`, a directory only the user can enter (0700; refused
//! when others can). Never into a shared temporary directory. The copy is
//! removed when the command ends, on an error, on a panic (its `Drop`),
//! and on Ctrl-C, SIGTERM or SIGHUP ([`super::signals`]); a copy a
//! `kill -9` left is removed by the next decrypting command (the scratch
//! directory is swept of every dead process's leftovers, any other
//! directory of the leftovers of the same name).

use super::agekeys::{Identities, crypt_error, identities};
use super::context::Ctx;
use super::error::CliError;
use super::output::display_path;
use clap::Args;
use evidentia::atomic::{SignalGuard, TMP_SUFFIX, remove_stale};
use evidentia::crypt::{self, CryptError, Decrypted, PlainCopy, Sniff};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The options of a command that decrypts its input (`verify`, `report`,
/// `custody show`, `locker verify`).
#[derive(Debug, Clone, Args)]
pub struct DecryptArgs {
    /// When the bundle is age-encrypted: decrypt with this key (id or
    /// unique hex prefix) [default: every own key with an encryption
    /// recipient]
    #[arg(long, value_name = "ID")]
    pub key: Option<String>,
    /// Read the passphrase of the decrypting key from the first line of FILE
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// Where the plaintext of an encrypted input goes.
#[derive(Debug, Clone, Copy)]
pub enum PlainDir<'a> {
    /// Into this directory: where the command writes its own output.
    Beside(&'a Path),
    /// Into `<home>/scratch` (private; swept of leftovers first).
    Scratch,
}

/// A command's input: the file as given, or the decrypted copy of an
/// encrypted one (removed when this value is dropped).
pub struct PlainInput {
    path: PathBuf,
    copy: Option<PlainCopy>,
}

impl PlainInput {
    /// The file to read: the input itself, or its decrypted copy.
    pub fn path(&self) -> &Path {
        self.copy.as_ref().map_or(&self.path, PlainCopy::path)
    }

    /// What the decryption read, when the input was encrypted.
    pub fn decrypted(&self) -> Option<&Decrypted> {
        self.copy.as_ref().map(|c| &c.info)
    }
}

/// Opens inputs, unlocking the own keys at most once (at the first
/// encrypted input) for all of them.
pub struct Opener<'a> {
    ctx: &'a Ctx,
    key: Option<&'a str>,
    passphrase_file: Option<&'a Path>,
    ids: Option<Identities>,
}

impl<'a> Opener<'a> {
    /// An opener that decrypts with `key` (every own key when `None`),
    /// unlocked with the passphrase from `passphrase_file` (or the
    /// environment, or a prompt).
    pub fn new(ctx: &'a Ctx, key: Option<&'a str>, passphrase_file: Option<&'a Path>) -> Self {
        Opener {
            ctx,
            key,
            passphrase_file,
            ids: None,
        }
    }

    /// The opener of a command's [`DecryptArgs`].
    pub fn from_args(ctx: &'a Ctx, args: &'a DecryptArgs) -> Self {
        Opener::new(ctx, args.key.as_deref(), args.passphrase_file.as_deref())
    }

    fn identities(&mut self) -> Result<&Identities, CliError> {
        if self.ids.is_none() {
            self.ids = Some(identities(self.ctx, self.key, self.passphrase_file)?);
        }
        // Set just above when it was not.
        self.ids
            .as_ref()
            .ok_or_else(|| CliError::op("no identities to decrypt with"))
    }

    /// `input` as it is, or, when it is an age file, a private decrypted
    /// copy of it in `dir`.
    pub fn open(&mut self, input: &Path, dir: PlainDir) -> Result<PlainInput, CliError> {
        let plain = PlainInput {
            path: input.to_path_buf(),
            copy: None,
        };
        if !is_encrypted(input)? {
            return Ok(plain);
        }
        let dir = match dir {
            PlainDir::Beside(d) => d.to_path_buf(),
            PlainDir::Scratch => scratch_dir(self.ctx)?,
        };
        super::signals::install_cleanup();
        self.ctx.diag.note(&format!(
            "{} is age-encrypted: decrypting it into a private temporary copy in {} (removed when done)",
            display_path(input),
            display_path(&dir)
        ));
        let ids = self.identities()?;
        let copy = crypt::decrypt_private(input, &ids.ids, &dir).map_err(|e| {
            let hint = match &e {
                CryptError::Write { .. } => Some(format!(
                    "the decrypted copy needs as much free space as the bundle in {}",
                    display_path(&dir)
                )),
                _ => None,
            };
            let err = crypt_error(e, Some(ids));
            match hint {
                Some(h) if err.hint.is_none() => err.hint(h),
                _ => err,
            }
        })?;
        Ok(PlainInput {
            copy: Some(copy),
            ..plain
        })
    }

    /// Decrypt `input` into the new file `out` (kept only when the whole
    /// ciphertext authenticated; never over an existing file). The caller
    /// holds the result as [`Provisional`] until it is complete.
    pub fn decrypt_to(&mut self, input: &Path, out: &Path) -> Result<Decrypted, CliError> {
        super::signals::install_cleanup();
        let ids = self.identities()?;
        crypt::decrypt_file(input, &ids.ids, out).map_err(|e| crypt_error(e, Some(ids)))
    }
}

/// Whether `input` is an age file, by its first bytes. A file that
/// cannot be opened or is not a regular file is not looked at (the
/// command explains it; a FIFO must neither block the open nor lose its
/// first bytes here). Read as evidence is: its access time stays. An
/// ASCII-armored age file is refused.
pub fn is_encrypted(input: &Path) -> Result<bool, CliError> {
    if !std::fs::metadata(input).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    // Non-blocking, should it have become a FIFO since.
    let Ok(f) = evidentia::source::open_read_noatime(input, libc::O_NONBLOCK) else {
        return Ok(false);
    };
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    let mut start = Vec::with_capacity(4096);
    if f.take(4096).read_to_end(&mut start).is_err() {
        return Ok(false);
    }
    match crypt::sniff(&start) {
        Sniff::Age => Ok(true),
        Sniff::Other => Ok(false),
        Sniff::Armored => Err(crypt_error(
            CryptError::Armored {
                path: input.to_path_buf(),
            },
            None,
        )),
    }
}

/// `<home>/scratch`: created 0700 when missing; refused when it is not a
/// directory of this user that only this user can enter; swept of the
/// temporary files of processes that no longer run.
pub fn scratch_dir(ctx: &Ctx) -> Result<PathBuf, CliError> {
    let home = ctx.home()?;
    std::fs::create_dir_all(&home).map_err(|e| CliError::io("cannot create", &home, &e))?;
    let dir = home.join("scratch");
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {
            // The umask may have taken more than group and other bits.
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| CliError::io("cannot create", &dir, &e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(CliError::io("cannot create", &dir, &e)),
    }
    let m = std::fs::symlink_metadata(&dir).map_err(|e| CliError::io("cannot read", &dir, &e))?;
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    let shown = display_path(&dir);
    if !m.is_dir() || m.uid() != me {
        return Err(CliError::op(format!(
            "{shown} is not a directory of yours: evidentia decrypts bundles there"
        ))
        .hint(format!(
            "remove it; evidentia makes it again, private (mode 700): rm {shown}"
        )));
    }
    if m.mode() & 0o077 != 0 {
        return Err(CliError::op(format!(
            "{shown} can be entered by other users (mode {:o}): evidentia decrypts bundles there",
            m.mode() & 0o777
        ))
        .hint(format!("make it private: chmod 700 {shown}")));
    }
    sweep(&dir);
    Ok(dir)
}

/// Remove every `.NAME.PID.evidentia-tmp` in `dir` whose process is gone.
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut prefixes: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(TMP_SUFFIX)?;
            let (prefix, _pid) = stem.rsplit_once('.')?;
            prefix.starts_with('.').then(|| format!("{prefix}."))
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    for p in prefixes {
        remove_stale(dir, &p);
    }
}

/// A plaintext bundle a command made for the user (`receive -o`),
/// removed unless [`Provisional::keep`] is called: on an error, a panic,
/// and a fatal signal (while the clean-up handler is installed); and with
/// it the append journal an interrupted append to it may have left (it
/// holds some of the bundle's bytes).
pub struct Provisional {
    path: PathBuf,
    keep: bool,
    _guards: [SignalGuard; 2],
}

impl Provisional {
    /// Hold `path`, made by this command.
    pub fn new(path: &Path) -> Provisional {
        let journal = evidentia::bundle::journal_path(path);
        Provisional {
            path: path.to_path_buf(),
            keep: false,
            _guards: [SignalGuard::new(path), SignalGuard::new(&journal)],
        }
    }

    /// The file is complete: keep it.
    pub fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Provisional {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_file(evidentia::bundle::journal_path(&self.path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_removes_only_dead_leftovers_of_any_name() {
        let d = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let me = std::process::id();
        let dead = [
            format!(".a.zip.plain.{gone}{TMP_SUFFIX}"),
            format!(".other.{gone}{TMP_SUFFIX}"),
        ];
        let kept = [
            format!(".a.zip.plain.{me}{TMP_SUFFIX}"),
            format!("visible.{gone}{TMP_SUFFIX}"),
            "b.zip".to_string(),
        ];
        for n in dead.iter().chain(&kept) {
            std::fs::write(d.path().join(n), b"x").unwrap();
        }
        sweep(d.path());
        let mut left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut want = kept.to_vec();
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn a_provisional_file_goes_unless_kept() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.zip");
        let journal = evidentia::bundle::journal_path(&p);
        std::fs::write(&p, b"plain").unwrap();
        std::fs::write(&journal, b"tail").unwrap();
        drop(Provisional::new(&p));
        assert!(!p.exists() && !journal.exists());
        std::fs::write(&p, b"plain").unwrap();
        Provisional::new(&p).keep();
        assert!(p.exists());
    }
}
