//! Who can read and who may receive an encrypted bundle: the local keys'
//! age identities (unlocked with the passphrase, as for signing) and the
//! `--to` recipients, resolved against the trust store with the same
//! certificate rules a signature gets (docs/encryption.md).

use super::context::Ctx;
use super::error::CliError;
use super::output::{display_path, sanitize, to_stderr};
use super::passphrase::{key_store, now, passphrase, sign_error, trust_store};
use evidentia::crypt::CryptError;
use evidentia::sign::agekey::{AgeIdentity, Recipient, parse_recipient};
use evidentia::sign::foreign::{CertFile, read_certificate};
use evidentia::sign::keystore::KeyRole;
use evidentia::sign::{
    Identity, KeyFile, KeyId, SignError, SignatureStatus, TrustStore, judge_certificate_files,
};
use std::path::Path;

/// The unlocked own identities, and what to call them in messages.
pub struct Identities {
    /// The age identities to decrypt with.
    pub ids: Vec<AgeIdentity>,
    /// One line per own key: `KEYID (age1...)`, and why a key was not
    /// unlocked.
    pub names: Vec<String>,
}

impl Identities {
    /// "your keys are A (age1...), B (age1...)".
    pub fn your_keys(&self) -> String {
        if self.names.is_empty() {
            "you have no keys with an encryption recipient".into()
        } else {
            format!("your keys are {}", self.names.join(", "))
        }
    }
}

/// The own keys to decrypt with: `key` (an id prefix) picks one;
/// without it every own key with an encryption recipient, each unlocked
/// with the one passphrase (a key with another passphrase is named, not
/// used).
pub fn identities(
    ctx: &Ctx,
    key: Option<&str>,
    passphrase_file: Option<&Path>,
) -> Result<Identities, CliError> {
    let store = key_store(ctx)?;
    let keys: Vec<KeyFile> = match key {
        Some(_) => vec![store.find(key, KeyRole::Any).map_err(sign_error)?],
        None => store.list().map_err(sign_error)?,
    };
    let keys: Vec<KeyFile> = keys.into_iter().filter(|k| k.recipient.is_some()).collect();
    if keys.is_empty() {
        return Err(CliError::usage("none of your keys has an encryption recipient")
            .hint("make one with `evidentia key new`, or add one to an older key with `evidentia key add-recipient ID`"));
    }
    let pass = if keys.iter().any(KeyFile::is_encrypted) {
        Some(passphrase(passphrase_file, false)?)
    } else {
        None
    };
    let mut out = Identities {
        ids: vec![],
        names: vec![],
    };
    let mut wrong = 0;
    for k in &keys {
        let name = format!(
            "{} ({})",
            k.key_id.short(),
            k.recipient.as_deref().unwrap_or_default()
        );
        match k.unlock(pass.as_deref().map(Vec::as_slice)) {
            Ok(s) => {
                out.ids.push(s.age_identity().clone());
                out.names.push(name);
            }
            Err(SignError::WrongPassphrase) => {
                wrong += 1;
                out.names
                    .push(format!("{name}, not unlocked: another passphrase"));
            }
            Err(e) => return Err(sign_error(e)),
        }
    }
    if out.ids.is_empty() && wrong > 0 {
        return Err(sign_error(SignError::WrongPassphrase));
    }
    Ok(out)
}

/// A resolved `--to`.
#[derive(Debug, Clone)]
pub struct To {
    /// The age recipient.
    pub recipient: Recipient,
    /// Who it is, for the output: a proven name, "your own key", or "not
    /// bound to any identity".
    pub label: String,
    /// The key it belongs to, when known.
    pub key_id: Option<KeyId>,
    /// Whether the trust store vouches for it.
    pub trusted: bool,
}

/// Resolve every `--to`: a certificate (bundle or file), a public key
/// file, a key id (own key or kept certificate), or a raw `age1...`.
/// Untrusted ones are refused unless `allow_untrusted`, which warns
/// loudly (even with `--quiet`).
pub fn recipients(
    ctx: &Ctx,
    specs: &[String],
    trust_dir: Option<&Path>,
    allow_untrusted: bool,
) -> Result<Vec<To>, CliError> {
    if specs.is_empty() {
        return Err(CliError::usage("no recipient: give --to at least once"));
    }
    let trust = trust_store(ctx, trust_dir)?;
    let mut out: Vec<To> = vec![];
    for spec in specs {
        let to = resolve(ctx, spec, &trust)?;
        if !to.trusted {
            if !allow_untrusted {
                return Err(CliError::usage(format!(
                    "--to {}: {}: not trusted through any root in your trust store",
                    sanitize(spec),
                    sanitize(&to.label)
                ))
                .hint("trust the receiving lab's root (`evidentia trust add ROOT.pub --may-certify \"ORG,CC\"`), or pass --to-untrusted if you confirmed this key's fingerprint out of band"));
            }
            to_stderr(
                "evidentia: WARNING: ",
                &sanitize(&format!(
                    "encrypting to {} ({}), which no trusted root vouches for: whoever holds its secret key can read this bundle",
                    to.label, to.recipient
                )),
            );
        }
        if !out.iter().any(|o| o.recipient == to.recipient) {
            out.push(to);
        }
    }
    Ok(out)
}

fn resolve(ctx: &Ctx, spec: &str, trust: &TrustStore) -> Result<To, CliError> {
    let path = Path::new(spec);
    if spec.starts_with("age1") && !path.exists() {
        let recipient = parse_recipient("--to", spec).map_err(|e| bad_to(spec, e))?;
        ctx.diag.warn(&format!(
            "{spec} is a bare age recipient, not bound to any identity: nothing proves who holds its secret key"
        ));
        return Ok(To {
            recipient,
            label: "a bare age recipient".into(),
            key_id: None,
            trusted: true,
        });
    }
    if path.exists() {
        return from_file(path, trust).map_err(|e| bad_to(spec, e));
    }
    from_key_id(ctx, spec, trust)
}

fn bad_to(spec: &str, e: SignError) -> CliError {
    let hint = "give the receiving examiner's certificate (from `key certify`), their public key file (`key export`), a key id, or an age1... recipient";
    CliError::usage(format!("--to {}: {e}", sanitize(spec))).hint(hint)
}

/// A certificate (bundle or file) or a public key file.
fn from_file(path: &Path, trust: &TrustStore) -> Result<To, SignError> {
    let text = evidentia::sign::read_small("recipient file", path)?;
    const CERT: &[u8] = b"key-certificate";
    if text.windows(CERT.len()).any(|w| w == CERT) {
        let cert = read_certificate(path)?;
        return from_certificate(&cert, trust);
    }
    let p = evidentia::sign::pubfile::parse_any_public_key(&text)?;
    let r = p
        .recipient
        .as_deref()
        .ok_or_else(|| no_recipient(&display_path(path)))?;
    let recipient = parse_recipient("public key file", r)?;
    let id = p.key_id();
    let trusted = trust.get(&id).is_some();
    let who = p.identity.as_ref().map(name).unwrap_or_default();
    Ok(To {
        recipient,
        label: if trusted {
            format!("{who}, key {} (pinned in your trust store)", id.short())
        } else {
            format!(
                "{who}, key {} (a public key file nobody certified)",
                id.short()
            )
        },
        key_id: Some(id),
        trusted,
    })
}

/// A certificate: trusted only through a trusted root, now.
fn from_certificate(cert: &CertFile, trust: &TrustStore) -> Result<To, SignError> {
    let c = &cert.certificate;
    let r = c
        .recipient
        .as_deref()
        .ok_or_else(|| no_recipient("the certificate"))?;
    let recipient = parse_recipient("certificate", r)?;
    let j = judge_certificate_files(trust, c, &cert.cert_bytes, &cert.sig_bytes, now());
    let trusted = matches!(j.status, Some(SignatureStatus::Trusted { .. }));
    let why = match &j.status {
        Some(SignatureStatus::Trusted { .. }) => {
            format!("certified by root {}", c.issuer_key_id.short())
        }
        Some(s) => s.reason(),
        None => j.notes.join("; "),
    };
    Ok(To {
        recipient,
        label: format!("{}, key {} ({why})", name(&c.identity), c.key_id.short()),
        key_id: Some(c.key_id),
        trusted,
    })
}

fn no_recipient(what: &str) -> SignError {
    SignError::Malformed {
        what: "recipient file",
        reason: format!(
            "{what} carries no encryption recipient (made before evidentia encrypted): its owner runs `evidentia key add-recipient ID` and sends a new certificate or `key export` file"
        ),
    }
}

/// A key id prefix: one of the own keys, or a kept certificate.
fn from_key_id(ctx: &Ctx, spec: &str, trust: &TrustStore) -> Result<To, CliError> {
    let store = key_store(ctx)?;
    if let Ok(k) = store.find(Some(spec), KeyRole::Any) {
        let r = k.recipient.as_deref().ok_or_else(|| {
            CliError::usage(format!(
                "your key {} has no encryption recipient",
                k.key_id.short()
            ))
            .hint(format!("evidentia key add-recipient {}", k.key_id.short()))
        })?;
        let recipient = parse_recipient("key file", r).map_err(sign_error)?;
        return Ok(To {
            recipient,
            label: format!("{}, your own key {}", name(&k.identity), k.key_id.short()),
            key_id: Some(k.key_id),
            trusted: true,
        });
    }
    let foreign = store.foreign().list().map_err(sign_error)?;
    let hits: Vec<&CertFile> = foreign
        .iter()
        .filter(|c| c.certificate.key_id.matches_prefix(spec))
        .collect();
    match hits.as_slice() {
        [one] => from_certificate(one, trust).map_err(|e| bad_to(spec, e)),
        [] => Err(CliError::usage(format!(
            "--to {}: not a file, an age1... recipient, or the id of a key you hold or a certificate you imported",
            sanitize(spec)
        ))
        .hint("import the receiving examiner's certificate with `evidentia key import CERT`, or give the file itself")),
        many => Err(CliError::usage(format!(
            "--to {}: matches {} imported certificates; give more of the key id",
            sanitize(spec),
            many.len()
        ))),
    }
}

fn name(i: &Identity) -> String {
    format!("{}, {} ({})", i.name, i.org, i.country)
}

/// The message, hint and exit code for an encryption error: an altered
/// or cut ciphertext is a finding (exit 1); everything else, a file that
/// is not for these keys included, is exit 2. `ids` names the keys tried.
pub fn crypt_error(e: CryptError, ids: Option<&Identities>) -> CliError {
    let hint = match &e {
        CryptError::NotAge { .. } => {
            "a bundle that is not encrypted needs no decryption: verify it as it is".to_string()
        }
        CryptError::Armored { .. } => {
            "evidentia reads binary age files: ask the sender to encrypt without -a (--armor), or convert it with `age -d` yourself".to_string()
        }
        CryptError::NotForYou { .. } => format!(
            "{}; age does not name recipients in the file: compare the recipients in the transmittal letter, or ask the sender to encrypt to your certificate",
            ids.map(Identities::your_keys).unwrap_or_default()
        ),
        CryptError::Altered { .. } => {
            "the file changed after it was encrypted (or the copy is incomplete): copy it again from the original medium, or ask the sender for a fresh copy; compare its SHA-256 with the transmittal letter".to_string()
        }
        CryptError::Exists(_) => "choose another -o, or move the existing file away".to_string(),
        _ => String::new(),
    };
    let mut err = CliError::op(sanitize(&e.to_string()));
    if matches!(e, CryptError::Altered { .. }) {
        err.exit = super::error::Exit::Problem;
    }
    if hint.is_empty() {
        err
    } else {
        err.hint(sanitize(&hint))
    }
}
