//! `evidentia sign --verify`: check a file signature against the trust
//! store (exit 0 trusted and valid, 1 otherwise).
//!
//! The signer's key and its certification chain may come from
//! certificates offered with `--cert` and from other parties'
//! certificates kept by `key import`; they go through the same trust
//! resolution as a bundle's `keys/` (`evidentia::sign::verify_*`), so they
//! count only through a root in the trust store. Each offered certificate
//! is then judged on its own, with the same code, to say which file failed
//! and what is missing.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Emit, display_path, sanitize};
use super::passphrase::{key_store, now, sign_error, trust_store, with_suffix};
use super::sign_cmd::digest_of;
use evidentia::sign::foreign::{CertFile, read_certificate};
use evidentia::sign::{
    BundledKeys, KeyId, KeyStore, SignError, SignatureCheck, SignatureStatus, TrustPath,
    TrustStore, judge_certificate_files, read_small, verify_prehashed_signature,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What `sign --verify` checks.
pub struct VerifyOptions<'a> {
    /// The signed file.
    pub file: &'a Path,
    /// The signature file [default: FILE.minisig].
    pub sig: Option<&'a Path>,
    /// The trust store directory [default: HOME/trust].
    pub trust: Option<&'a Path>,
    /// Certificates offered with `--cert`.
    pub certs: &'a [PathBuf],
}

/// A certificate that takes part in the check.
struct Offered {
    /// The `--cert` file, or `None` for one kept by `key import`.
    path: Option<PathBuf>,
    cert: CertFile,
}

/// What a failed check should suggest (at most one hint is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Advice {
    /// The certificate's issuer is not in the trust store.
    TrustRoot,
    /// The issuer is trusted, but not as a root.
    RootFlag,
    /// The issuer may not certify the certificate's organisation.
    MayCertify,
    /// The certificate does not verify against its trusted issuer.
    FreshCopy,
    /// The certificate is for another key.
    RightCertificate,
}

/// One offered certificate, judged (`--json`: `certificates`).
#[derive(Serialize)]
struct CertReport {
    /// The `--cert` file, or `"imported"` (kept by `key import`).
    source: String,
    /// The certified key.
    key_id: KeyId,
    /// The root that signed the certificate (as the certificate claims).
    issuer_key_id: KeyId,
    /// Whether it is for the key that made the signature.
    signing_key: bool,
    /// Whether it certifies that key through a root in the trust store at
    /// the claimed signing time.
    certifies: bool,
    /// Why not, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    #[serde(skip)]
    advice: Option<Advice>,
    /// Kept by `key import` rather than given with `--cert`.
    #[serde(skip)]
    kept: bool,
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    v: u32,
    file: String,
    #[serde(flatten)]
    check: &'a SignatureCheck,
    certificates: &'a [CertReport],
}

/// The result of `sign --verify`: the check, and each offered certificate
/// judged.
struct Checked<'a> {
    file: &'a Path,
    check: &'a SignatureCheck,
    store: &'a TrustStore,
    reports: &'a [CertReport],
}

impl Emit for Checked<'_> {
    fn json(&self) -> impl Serialize + '_ {
        VerifyJson {
            v: 1,
            file: self.file.to_string_lossy().into_owned(),
            check: self.check,
            certificates: self.reports,
        }
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        human_with_certificates(self.check, self.store, self.reports)
    }
}

/// Run `sign --verify`.
pub fn verify(ctx: &Ctx, o: &VerifyOptions) -> Result<Exit, CliError> {
    let sig_path = o
        .sig
        .map(Path::to_path_buf)
        .unwrap_or_else(|| with_suffix(o.file, ".minisig"));
    let sig = read_small("signature", &sig_path).map_err(sign_error)?;
    let mut offered = Vec::new();
    for p in o.certs {
        let cert = read_certificate(p).map_err(|e| cert_error(p, e))?;
        offered.push(Offered {
            path: Some(p.clone()),
            cert,
        });
    }
    let digest = digest_of(o.file)?;
    let store = trust_store(ctx, o.trust)?;
    let keys = key_store(ctx)?;
    for cert in keys.foreign().list().map_err(|e| {
        sign_error(e).hint("remove it with `evidentia key remove ID` and import it again")
    })? {
        offered.push(Offered { path: None, cert });
    }
    let (check, at) = check_signature(&store, &keys, &offered, &digest, &sig);
    let reports: Vec<CertReport> = offered
        .iter()
        .map(|c| judge(&store, &check, c, at))
        // A kept certificate for some other key is not part of this check.
        .filter(|r| !r.kept || r.signing_key)
        .collect();
    let mut out = ctx.output();
    out.emit(&Checked {
        file: o.file,
        check: &check,
        store: &store,
        reports: &reports,
    })?;
    out.flush()?;
    if check.is_trusted() {
        return Ok(Exit::Ok);
    }
    if let Some(h) = hint(&check, &reports, o) {
        ctx.diag.hint(&h);
    }
    Ok(Exit::Problem)
}

/// Trust resolution over the own keys and the offered certificates,
/// with certificate validity judged at the signer's claimed time (also
/// returned; now when the signature claims none).
fn check_signature(
    store: &TrustStore,
    keys: &KeyStore,
    offered: &[Offered],
    digest: &[u8; 64],
    sig: &[u8],
) -> (SignatureCheck, i64) {
    let mut bundled = own_keys(keys);
    bundled
        .certificates
        .extend(offered.iter().map(|c| c.cert.files()));
    let first = verify_prehashed_signature(store, digest, sig, &bundled, now());
    let when = first.trusted_comment.as_deref().and_then(claimed_time);
    let check = match when {
        Some(t) => verify_prehashed_signature(store, digest, sig, &bundled, t),
        None => first,
    }
    // A certificate's or a custody event's signature is not a file
    // signature, whatever file it covers.
    .require_file_kind();
    (check, when.unwrap_or_else(now))
}

/// The verdict, a line per offered certificate, and the resolution notes
/// not already said of a certificate.
fn human_with_certificates(
    check: &SignatureCheck,
    store: &TrustStore,
    reports: &[CertReport],
) -> String {
    let mut s = human(check, store);
    for r in reports {
        s.push_str(&cert_line(r));
    }
    for n in &check.notes {
        let said = reports
            .iter()
            .any(|r| r.problem.as_ref().is_some_and(|p| p.contains(n)));
        if !said {
            s.push_str(&format!("note: {}\n", sanitize(n)));
        }
    }
    s
}

/// Own public keys and certificates: they help find and name the signer,
/// and are never trusted for that.
fn own_keys(ks: &KeyStore) -> BundledKeys {
    let mut bundled = BundledKeys::default();
    for k in ks.list().unwrap_or_default() {
        if let Ok(Some(p)) = ks.public_file(&k.key_id) {
            bundled.public_keys.push(p);
        }
        if let Ok(Some(c)) = ks.certificate(&k.key_id) {
            bundled.certificates.push(c);
        }
    }
    bundled
}

fn cert_error(path: &Path, e: SignError) -> CliError {
    let err = match e {
        SignError::Io { .. } => sign_error(e),
        other => CliError::op(format!(
            "{}: not a usable certificate: {other}",
            display_path(path)
        )),
    };
    err.hint(
        "pass the certificate bundle sent with the signature (`sign --with-cert` writes FILE.cert), \
         or a .cert.json with its .cert.json.minisig beside it",
    )
}

/// The claimed signing time: `timestamp:N` in the trusted comment.
fn claimed_time(trusted_comment: &str) -> Option<i64> {
    trusted_comment
        .split('\t')
        .find_map(|f| f.strip_prefix("timestamp:")?.trim().parse().ok())
}

/// Judge one offered certificate against the signature's outcome and the
/// trust store, at the claimed signing time `at`.
fn judge(store: &TrustStore, check: &SignatureCheck, o: &Offered, at: i64) -> CertReport {
    let c = &o.cert.certificate;
    let mut r = CertReport {
        source: o.path.as_ref().map_or_else(
            || "imported".to_string(),
            |p| p.to_string_lossy().into_owned(),
        ),
        key_id: c.key_id,
        issuer_key_id: c.issuer_key_id,
        signing_key: check.key_id == Some(c.key_id),
        certifies: false,
        problem: None,
        advice: None,
        kept: o.path.is_none(),
    };
    let keynum = evidentia::sign::keyid::hex(&c.key_id.keynum());
    if !r.signing_key {
        let same_number = check.key_id.is_none() && check.keynum.as_deref() == Some(&keynum);
        r.problem = Some(if same_number {
            "it is for a key with the signature's key number, but the signature does not \
             verify with that key (the file, the signature or the certificate was altered)"
                .to_string()
        } else {
            let signer = check
                .key_id
                .map(|k| format!("key {}", k.short()))
                .or_else(|| check.keynum.clone().map(|n| format!("key number {n}")))
                .unwrap_or_else(|| "an unknown key".into());
            r.advice = Some(Advice::RightCertificate);
            format!(
                "it certifies key {}, not the key that made this signature ({signer})",
                c.key_id.short()
            )
        });
        return r;
    }
    let j = judge_certificate_files(store, c, &o.cert.cert_bytes, &o.cert.sig_bytes, at);
    match j.status {
        Some(SignatureStatus::Trusted { .. }) => r.certifies = true,
        Some(other) => {
            r.advice = matches!(other, SignatureStatus::CertificateOutOfScope { .. })
                .then_some(Advice::MayCertify);
            r.problem = Some(other.reason());
        }
        None => {
            r.advice = Some(match store.get(&c.issuer_key_id) {
                None => Advice::TrustRoot,
                Some(e) if !e.root => Advice::RootFlag,
                Some(_) => Advice::FreshCopy,
            });
            r.problem = Some(j.notes.join("; "));
        }
    }
    r
}

fn cert_line(r: &CertReport) -> String {
    let what = match &r.problem {
        None => format!(
            "certifies the signing key, signed by trusted root {}",
            r.issuer_key_id.short()
        ),
        Some(p) => p.clone(),
    };
    let source = if r.kept {
        "imported certificate".to_string()
    } else {
        format!("certificate {}", r.source)
    };
    format!("{}: {}\n", sanitize(&source), sanitize(&what))
}

/// The most useful hint for a signature that was not trusted.
fn hint(check: &SignatureCheck, reports: &[CertReport], o: &VerifyOptions) -> Option<String> {
    if matches!(
        check.status,
        SignatureStatus::WrongKind { .. }
            | SignatureStatus::Malformed { .. }
            | SignatureStatus::Invalid { .. }
    ) {
        return None;
    }
    let advice = reports
        .iter()
        .filter(|r| r.signing_key || r.advice == Some(Advice::RightCertificate))
        .filter_map(|r| r.advice)
        .min();
    let send = "`evidentia sign FILE --with-cert` writes FILE.cert beside FILE.minisig";
    Some(match advice {
        Some(Advice::TrustRoot) => "get the signer's agency root public key by a separate channel, \
             `evidentia trust add ROOT.pub.json`, and confirm the fingerprint it prints with that agency"
            .to_string(),
        Some(Advice::RootFlag) => "the issuer is trusted only as a single key: `evidentia trust remove ID`, \
             then `evidentia trust add --root ROOT.pub.json`"
            .to_string(),
        Some(Advice::MayCertify) => "if that root rightly certifies this organisation, `evidentia trust remove` \
             it and `evidentia trust add` it again with --may-certify ORG,CC"
            .to_string(),
        Some(Advice::FreshCopy) => "ask the sender for the certificate again; this copy does not verify \
             against the root in your trust store"
            .to_string(),
        Some(Advice::RightCertificate) => {
            format!("ask the sender for the certificate of the key that signed ({send})")
        }
        None if reports.iter().any(|r| r.signing_key) => return None,
        None => {
            let beside = with_suffix(o.file, ".cert");
            if o.certs.is_empty() && beside.is_file() {
                format!("pass the certificate beside it: --cert {}", display_path(&beside))
            } else {
                format!(
                    "if the signer's agency root is in your trust store, pass the signer's \
                     certificate with --cert ({send}), or keep it with `evidentia key import CERT`"
                )
            }
        }
    })
}

/// The verdict for people.
fn human(c: &SignatureCheck, store: &TrustStore) -> String {
    let key = c
        .key_id
        .map(|k| k.short())
        .unwrap_or_else(|| c.keynum.clone().unwrap_or_default());
    // Only a proven identity is named (see `SignatureCheck::signer`).
    let who = c
        .signer
        .as_ref()
        .map(|i| format!(" by {}", sanitize(&i.display())))
        .unwrap_or_else(|| " by a key with no certified identity".into());
    let mut s = match &c.status {
        SignatureStatus::Trusted {
            via: TrustPath::Direct,
        } => format!("OK: trusted signature{who} (key {key}, pinned)\n"),
        SignatureStatus::Trusted {
            via: TrustPath::RootKey,
        } => format!("OK: trusted signature{who} (key {key}, signed by a root key)\n"),
        SignatureStatus::Trusted {
            via: TrustPath::Root { root_id },
        } => {
            // The root's name comes from the trust store, where it was pinned.
            let root = store
                .get(root_id)
                .and_then(|e| e.identity.as_ref())
                .map(|i| format!(", {}", sanitize(&i.display())))
                .unwrap_or_default();
            format!(
                "OK: trusted signature{who} (key {key}, certified by root {}{root})\n",
                root_id.short()
            )
        }
        SignatureStatus::ValidUntrusted => {
            format!(
                "UNTRUSTED: valid signature{who}, but key {key} is not trusted: it is not pinned, and no certificate offered for it leads to a root in your trust store\n"
            )
        }
        SignatureStatus::CertificateExpired { valid_until, .. } => {
            format!(
                "UNTRUSTED: valid signature{who}, but the key's certificate expired on {valid_until}\n"
            )
        }
        SignatureStatus::CertificateNotYetValid { valid_from, .. } => {
            format!(
                "UNTRUSTED: valid signature{who}, but the key's certificate is valid only from {valid_from}\n"
            )
        }
        SignatureStatus::CertificateOutOfScope { .. } => {
            format!(
                "UNTRUSTED: valid signature, but {}\n",
                sanitize(&c.status.reason())
            )
        }
        SignatureStatus::WrongKind { .. } => {
            format!(
                "WRONG KIND: valid signature, but {}\n",
                sanitize(&c.status.reason())
            )
        }
        SignatureStatus::UnknownKey => {
            format!("UNTRUSTED: no known public key for key number {key}\n")
        }
        SignatureStatus::Invalid { reason } => format!("BAD SIGNATURE: {reason}\n"),
        SignatureStatus::Malformed { reason } => format!("BAD SIGNATURE: {}\n", sanitize(reason)),
    };
    if let Some(tc) = &c.trusted_comment {
        // evidentia's own trusted comments separate their fields with TABs
        // (docs/formats/keys.md): shown as field separators, not flagged as
        // hidden characters on every honest signature. Anything else in a
        // field is escaped and marked as usual.
        let fields: Vec<String> = tc.split('\t').map(sanitize).collect();
        s.push_str(&format!("trusted comment: {}\n", fields.join("  ")));
    }
    s
}
