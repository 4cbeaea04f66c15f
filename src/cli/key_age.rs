//! The encryption half of a key on the command line: its recipient in
//! `key show`, `key export --age` and `--age-identity` (for stock `age`),
//! and `key add-recipient` for a key made before evidentia encrypted.
//! The age key itself is derived from the signing key's seed
//! (`sign::agekey`): nothing here makes or stores a new secret.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, display_path, to_stderr};
use super::passphrase::{key_store, now, passphrase, sign_error};
use evidentia::sign::keystore::KeyRole;
use evidentia::sign::{Certificate, KeyFile, KeyStore, PublicKeyFile};
use std::path::Path;

/// The `recipient:` line of `key show`.
pub(super) fn recipient_line(k: &KeyFile) -> String {
    match &k.recipient {
        Some(r) => format!("recipient:   {r}\n"),
        None => format!(
            "recipient:   no encryption recipient (made before encryption; `evidentia key add-recipient {}`)\n",
            k.key_id.short()
        ),
    }
}

/// A `key show` line when the certificate does not carry the key's
/// recipient (issued before `key add-recipient`): senders cannot encrypt
/// to the key through it. Empty when it does.
pub(super) fn certificate_recipient_note(k: &KeyFile, c: &Certificate) -> String {
    match (&k.recipient, &c.recipient) {
        (Some(mine), Some(theirs)) if mine == theirs => String::new(),
        (Some(_), _) => format!(
            "             the certificate does not carry this recipient: senders cannot encrypt to it; have it certified again (`evidentia key export {}`, `key certify`, `key import`)\n",
            k.key_id.short()
        ),
        (None, _) => String::new(),
    }
}

/// The error for a key without a recipient.
fn no_recipient(k: &KeyFile) -> CliError {
    CliError::usage(format!(
        "key {} has no encryption recipient (it was made before evidentia encrypted)",
        k.key_id.short()
    ))
    .hint(format!(
        "add one with `evidentia key add-recipient {}`",
        k.key_id.short()
    ))
}

/// `key export --age`: the recipient, one line.
pub(super) fn export_recipient(k: &KeyFile) -> Result<Vec<u8>, CliError> {
    let r = k.recipient.as_deref().ok_or_else(|| no_recipient(k))?;
    Ok(format!("{r}\n").into_bytes())
}

/// `key export --age-identity`: the secret identity in age's key file
/// form (comment lines, then `AGE-SECRET-KEY-1...`), after the
/// passphrase, with a warning that shows even with `--quiet`.
pub(super) fn export_identity(
    k: &KeyFile,
    passphrase_file: Option<&Path>,
) -> Result<Vec<u8>, CliError> {
    let r = k.recipient.as_deref().ok_or_else(|| no_recipient(k))?;
    let pass = if k.is_encrypted() {
        Some(passphrase(passphrase_file, false)?)
    } else {
        None
    };
    let id = k
        .age_identity_text(pass.as_deref().map(Vec::as_slice))
        .map_err(sign_error)?;
    to_stderr(
        "evidentia: WARNING: ",
        &format!(
            "this is the SECRET encryption key of {}, unprotected: anyone with the AGE-SECRET-KEY line can read every bundle encrypted to this key. Keep it off shared disks and e-mail, and delete it when done; stock `age -d -i FILE` takes it",
            k.key_id.short()
        ),
    );
    let text = format!(
        "# evidentia key {}\n# public key: {r}\n{}\n",
        k.key_id,
        id.as_str()
    );
    Ok(text.into_bytes())
}

/// `key add-recipient`'s result.
#[derive(serde::Serialize)]
struct Added<'a> {
    v: u32,
    key_id: String,
    recipient: &'a str,
    /// Whether this run added it (false: it was there already).
    added: bool,
    /// Whether a certificate must be issued again before senders can
    /// encrypt to the key through it.
    recertify: bool,
}

/// `key add-recipient`: give a key made before encryption its
/// recipient, replacing its key file and public key file.
pub(super) fn add_recipient(
    ctx: &Ctx,
    id: Option<&str>,
    passphrase_file: Option<&Path>,
) -> Result<Exit, CliError> {
    let store = key_store(ctx)?;
    let mut k = store.find(id, KeyRole::Any).map_err(sign_error)?;
    let short = k.key_id.short();
    if let Some(r) = k.recipient.clone() {
        ctx.diag.note(&format!(
            "key {short} already has an encryption recipient; nothing changed"
        ));
        return emit_added(ctx, &k, &r, false);
    }
    let pass = if k.is_encrypted() {
        Some(passphrase(passphrase_file, false)?)
    } else {
        None
    };
    let key = k
        .unlock(pass.as_deref().map(Vec::as_slice))
        .map_err(sign_error)?;
    k.add_recipient(&key).map_err(sign_error)?;
    let public = PublicKeyFile::export(&k, &key, now());
    store.replace_key(&k, &public).map_err(sign_error)?;
    let r = key.recipient();
    emit_added(ctx, &k, &r, true)?;
    recertify_note(&store, &k);
    Ok(Exit::Ok)
}

fn emit_added(ctx: &Ctx, k: &KeyFile, r: &str, added: bool) -> Result<Exit, CliError> {
    let text = if added {
        format!(
            "added encryption recipient to key {}\nrecipient: {r}\n",
            k.key_id.short()
        )
    } else {
        format!(
            "key {} already has an encryption recipient\nrecipient: {r}\n",
            k.key_id.short()
        )
    };
    let mut out = ctx.output();
    out.emit(&Doc {
        json: Added {
            v: 1,
            key_id: k.key_id.hex(),
            recipient: r,
            added,
            recertify: added,
        },
        text,
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// What the owner must do next: the existing certificate (and every
/// copy of the old public key file) does not carry the recipient, so
/// nobody can encrypt to the key through it. Shown even with `--quiet`.
fn recertify_note(store: &KeyStore, k: &KeyFile) {
    let id = k.key_id.short();
    let file = display_path(&store.dir().join(format!("{}.pub.json", k.key_id)));
    let certified = store.certificate(&k.key_id).ok().flatten().is_some();
    let (prefix, msg) = if k.root {
        (
            "evidentia: note: ",
            format!(
                "copies of this root's old public key file do not carry the recipient: send the new one ({file}, or `evidentia key export {id}`) to whoever encrypts to this root key"
            ),
        )
    } else {
        let why = if certified {
            "your certificate does not cover the recipient, so senders cannot encrypt to you through it"
        } else {
            "copies of the old public key file do not carry the recipient"
        };
        (
            "evidentia: RE-CERTIFICATION NEEDED: ",
            format!(
                "{why}. Send the new public key file ({file}, or `evidentia key export {id}`) to your agency root for `evidentia key certify`, `evidentia key import` the new certificate here, and give it to the senders"
            ),
        )
    };
    to_stderr(prefix, &msg);
}
