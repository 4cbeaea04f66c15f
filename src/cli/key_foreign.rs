//! `evidentia key import` and `key remove`, and the `key list` lines for
//! other parties' certificates.
//!
//! A certificate for one of your own keys is stored with that key (the
//! machine that holds the key). Another party's certificate (another
//! agency's examiner) is kept in `keys/foreign/` for trust resolution only,
//! and only when it verifies against a root in your trust store, judged by
//! the code that resolves every signature (`judge_certificate_files`). It is
//! never a signing key; `key remove` takes it away.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::key_cmd::key_json;
use super::output::{Doc, Emit, display_path, sanitize};
use super::passphrase::{key_store, now, sign_error, trust_store};
use evidentia::sign::foreign::{CertFile, read_certificate};
use evidentia::sign::keystore::KeyRole;
use evidentia::sign::{
    Certificate, KeyFile, KeyStore, SignError, SignatureStatus, TrustStore, judge_certificate_files,
};
use serde::Serialize;
use std::path::Path;

/// Another party's certificate in `--json` output of `key list`,
/// `key import` and `key remove`.
#[derive(Serialize)]
pub(super) struct ForeignJson {
    key_id: String,
    fingerprint: String,
    certificate: Certificate,
    /// Whether it certifies its key through a root in the trust store now.
    certified: bool,
    /// Why not, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

/// A kept certificate judged against the trust store now: the JSON, and
/// whether its identity is proven (its signature verified against a
/// trusted root within the root's name constraints).
fn judged(trust: &TrustStore, c: &CertFile) -> (ForeignJson, bool) {
    let cert = &c.certificate;
    let j = judge_certificate_files(trust, cert, &c.cert_bytes, &c.sig_bytes, now());
    let proven = matches!(
        j.status,
        Some(
            SignatureStatus::Trusted { .. }
                | SignatureStatus::CertificateExpired { .. }
                | SignatureStatus::CertificateNotYetValid { .. }
        )
    );
    let problem = match &j.status {
        Some(SignatureStatus::Trusted { .. }) => None,
        Some(other) => Some(other.reason()),
        None => Some(j.notes.join("; ")),
    };
    let json = ForeignJson {
        key_id: cert.key_id.hex(),
        fingerprint: cert.key_id.fingerprint(),
        certificate: cert.clone(),
        certified: problem.is_none(),
        problem,
    };
    (json, proven)
}

/// One `key list` line for a kept certificate: its name only when proven.
fn line(trust: &TrustStore, c: &CertFile) -> String {
    let (j, proven) = judged(trust, c);
    let cert = &c.certificate;
    let who = if proven {
        sanitize(&cert.identity.display())
    } else {
        "(no certified identity)".into()
    };
    let mut s = format!(
        "{}  foreign   {who}\n      public key only, for checking signatures; certified by root {}, valid {} to {}\n",
        cert.key_id.short(),
        cert.issuer_key_id.short(),
        cert.valid_from,
        cert.valid_until
    );
    if let Some(p) = j.problem {
        s.push_str(&format!("      not trusted now: {}\n", sanitize(&p)));
    }
    s
}

/// The kept certificates for `key list`: JSON values, or human lines.
pub(super) fn listing(ctx: &Ctx, store: &KeyStore) -> Result<(Vec<ForeignJson>, String), CliError> {
    let certs = store.foreign().list().map_err(|e| {
        sign_error(e).hint("remove it with `evidentia key remove ID` and import it again")
    })?;
    let trust = trust_store(ctx, None)?;
    let json = certs.iter().map(|c| judged(&trust, c).0).collect();
    let text = certs.iter().map(|c| line(&trust, c)).collect();
    Ok((json, text))
}

/// Run `key import FILE`.
pub(super) fn import(ctx: &Ctx, file: &Path) -> Result<Exit, CliError> {
    let cert = read_certificate(file).map_err(|e| match e {
        SignError::Io { .. } => sign_error(e),
        other => CliError::op(format!("{}: {other}", display_path(file)))
            .hint("give the certificate bundle from `key certify` or `sign --with-cert`"),
    })?;
    let store = key_store(ctx)?;
    match store.find(Some(&cert.certificate.key_id.hex()), KeyRole::Any) {
        Ok(k) => import_own(ctx, &store, &k, &cert),
        Err(SignError::NoSuchKey { .. }) => import_foreign(ctx, &store, &cert),
        Err(e) => Err(sign_error(e)),
    }
}

/// A certificate for one of your own keys: stored with the key.
fn import_own(ctx: &Ctx, store: &KeyStore, k: &KeyFile, c: &CertFile) -> Result<Exit, CliError> {
    let cert = &c.certificate;
    if k.public_key != cert.public_key {
        return Err(CliError::op(
            "the certificate is for a different public key",
        ));
    }
    check_own_issuer(ctx, store, c)?;
    let replaced = store
        .certificate(&k.key_id)
        .map_err(sign_error)?
        .is_some_and(|(old, _)| old != c.cert_bytes);
    store
        .store_certificate(&k.key_id, &c.cert_bytes, &c.sig_bytes)
        .map_err(sign_error)?;
    let mut out = ctx.output();
    out.emit(&Doc {
        json: key_json(k, Some(cert.clone())),
        text: format!(
            "{} certificate for {} by root {}, valid {} to {}\n",
            if replaced {
                "replaced the earlier"
            } else {
                "imported"
            },
            k.key_id.short(),
            cert.issuer_key_id.short(),
            cert.valid_from,
            cert.valid_until
        ),
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// A certificate for one of this home's own keys is kept only when its
/// issuer is known here and its signature verifies: a root in the trust
/// store (then also within that root's name constraints), or a root key of
/// this home (the agency's own root, before it is pinned). Anyone can
/// certify a public key with a root of their own; keeping such a
/// certificate would replace the agency's and leave the key unable to sign
/// in a way others trust.
fn check_own_issuer(ctx: &Ctx, store: &KeyStore, c: &CertFile) -> Result<(), CliError> {
    let cert = &c.certificate;
    let trust = trust_store(ctx, None)?;
    if trust.get(&cert.issuer_key_id).is_some() {
        let j = judge_certificate_files(&trust, cert, &c.cert_bytes, &c.sig_bytes, now());
        return match &j.status {
            Some(
                SignatureStatus::Trusted { .. }
                | SignatureStatus::CertificateExpired { .. }
                | SignatureStatus::CertificateNotYetValid { .. },
            ) => Ok(()),
            // Genuinely signed by a root this home trusts, but for an
            // organisation outside what that root may certify: kept (the
            // root's holder made it), and said loudly, since verifiers
            // will not accept signatures it backs.
            Some(other @ SignatureStatus::CertificateOutOfScope { .. }) => {
                ctx.diag.warn(&format!(
                    "{}: verifiers that pin this root with the same constraints will not trust signatures by this key",
                    other.reason()
                ));
                Ok(())
            }
            Some(other) => Err(CliError::op(format!(
                "not imported: {}",
                sanitize(&other.reason())
            ))
            .hint("ask your agency's root for a new certificate")),
            None => Err(refusal(&trust, c, &j.notes)),
        };
    }
    let own_root = store
        .find(Some(&cert.issuer_key_id.hex()), KeyRole::Any)
        .ok()
        .filter(|r| r.key_id == cert.issuer_key_id);
    let Some(root) = own_root else {
        return Err(CliError::op(format!(
            "not imported: the issuing root {} is neither in your trust store nor among your keys, so the certificate cannot be checked",
            cert.issuer_key_id.short()
        ))
        .hint("add your agency's root first (`evidentia trust add ROOT.pub.json`, and confirm the fingerprint it prints), then import the certificate again"));
    };
    let sig = evidentia::sign::MinisignSignature::parse(&c.sig_bytes).map_err(sign_error)?;
    sig.verify(&root.public_key, &c.cert_bytes).map_err(|e| {
        CliError::op(format!(
            "not imported: the certificate's signature does not verify: {e}"
        ))
    })
}

/// Another party's certificate: kept only when a root in the trust store
/// certifies its key within the root's name constraints.
fn import_foreign(ctx: &Ctx, store: &KeyStore, c: &CertFile) -> Result<Exit, CliError> {
    let cert = &c.certificate;
    let trust = trust_store(ctx, None)?;
    let j = judge_certificate_files(&trust, cert, &c.cert_bytes, &c.sig_bytes, now());
    let key = cert.key_id.short();
    match &j.status {
        Some(SignatureStatus::Trusted { .. }) => {}
        Some(SignatureStatus::CertificateExpired { valid_until, .. }) => ctx.diag.warn(&format!(
            "the certificate expired {valid_until}: it vouches only for signatures made before then"
        )),
        Some(SignatureStatus::CertificateNotYetValid { valid_from, .. }) => ctx.diag.warn(
            &format!("the certificate is valid only from {valid_from}: it vouches for no signature made before then"),
        ),
        Some(other) => {
            return Err(CliError::op(format!(
                "not imported: the certificate of key {key} {}",
                sanitize(&other.reason()).replacen("its certificate ", "", 1)
            ))
            .hint(
                "if that root rightly certifies this organisation, `evidentia trust remove` it \
                 and `evidentia trust add` it again with --may-certify ORG,CC",
            ));
        }
        None => return Err(refusal(&trust, c, &j.notes)),
    }
    let old = store.foreign().add(c).map_err(sign_error)?;
    let mut out = ctx.output();
    out.emit(&Kept {
        trust: &trust,
        cert: c,
        old: old.as_ref(),
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// Another party's certificate kept by `key import`, and the one it
/// replaced.
struct Kept<'a> {
    trust: &'a TrustStore,
    cert: &'a CertFile,
    old: Option<&'a CertFile>,
}

impl Emit for Kept<'_> {
    fn json(&self) -> impl Serialize + '_ {
        serde_json::json!({
            "v": 1,
            "foreign": judged(self.trust, self.cert).0,
            "replaced": self.old.is_some(),
        })
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        kept_text(self.trust, self.cert, self.old)
    }
}

/// What `key import` says of a kept certificate (proven: it passed
/// judgement against the trust store just before).
fn kept_text(trust: &TrustStore, c: &CertFile, old: Option<&CertFile>) -> String {
    let cert = &c.certificate;
    let key = cert.key_id.short();
    let root_name = trust
        .get(&cert.issuer_key_id)
        .and_then(|e| e.identity.as_ref())
        .map(|i| format!(" ({})", sanitize(&i.display())))
        .unwrap_or_default();
    let mut s = format!(
        "kept the certificate of key {key}: {}\ncertified by root {}{root_name}, valid {} to {}\n",
        sanitize(&cert.identity.display()),
        cert.issuer_key_id.short(),
        cert.valid_from,
        cert.valid_until
    );
    if let Some(o) = old {
        s.push_str(&format!(
            "replaced the certificate issued {}\n",
            o.certificate.issued_at
        ));
    }
    s.push_str(&format!(
        "a public key for checking signatures (`sign --verify`), not a signing key; \
         `evidentia key remove {key}` takes it away\n"
    ));
    s
}

/// Why another party's certificate that no trusted root vouches for is
/// refused, with what to do.
fn refusal(trust: &TrustStore, c: &CertFile, notes: &[String]) -> CliError {
    let cert = &c.certificate;
    let (key, root) = (cert.key_id.short(), cert.issuer_key_id.short());
    match trust.get(&cert.issuer_key_id) {
        None => CliError::op(format!(
            "not imported: the certificate is for key {key}, which is not one of your keys, \
             and its issuer, root {root}, is not in your trust store"
        ))
        .hint(
            "to keep another agency's certificate, first trust that agency's root: \
             `evidentia trust add ROOT.pub.json`, and confirm the fingerprint it prints with the agency; \
             a certificate for your own key is imported on the machine that holds the certified key",
        ),
        Some(e) if !e.root => CliError::op(format!(
            "not imported: the issuer of the certificate of key {key}, {root}, is trusted only as a single key, not as a root"
        ))
        .hint("`evidentia trust remove ID`, then `evidentia trust add --root ROOT.pub.json`"),
        Some(_) => CliError::op(format!(
            "not imported: the certificate of key {key} does not verify against root {root} in your trust store: {}",
            sanitize(&notes.join("; "))
        ))
        .hint("the certificate was altered or not made by that root; ask the sender for it again"),
    }
}

/// Run `key remove ID`: take away another party's kept certificate.
pub(super) fn remove(ctx: &Ctx, id: &str) -> Result<Exit, CliError> {
    let store = key_store(ctx)?;
    let removed = match store.foreign().remove(id) {
        Ok(k) => k,
        Err(SignError::NoSuchKey { .. }) if store.find(Some(id), KeyRole::Any).is_ok() => {
            return Err(CliError::usage(format!(
                "{} is one of your own keys; `key remove` takes away only other parties' \
                 certificates kept by `key import`",
                sanitize(id)
            ))
            .hint(format!(
                "evidentia never deletes a secret key; its file is in {}",
                display_path(store.dir())
            )));
        }
        Err(SignError::NoSuchKey { .. }) => {
            return Err(CliError::op(format!(
                "no certificate kept from another party matches {:?}",
                sanitize(id)
            ))
            .hint(
                "`evidentia key list` shows them (marked foreign); a root or key you trust is \
                 removed with `evidentia trust remove ID`",
            ));
        }
        Err(e) => return Err(sign_error(e)),
    };
    let mut out = ctx.output();
    out.emit(&Doc {
        json: serde_json::json!({ "v": 1, "removed": removed.hex() }),
        text: format!(
            "removed the certificate of key {}; its signatures no longer resolve through it\n",
            removed.short()
        ),
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}
