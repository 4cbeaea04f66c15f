//! `evidentia key`: make, list, show, export and certify keys. `key import`
//! and `key remove`, and the `key list` lines for other parties'
//! certificates, are in `key_foreign.rs`; the encryption half (`export
//! --age`, `--age-identity`, `add-recipient`) in `key_age.rs`.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, Emit, display_path, sanitize};
use super::passphrase::{key_store, now, passphrase, sign_error};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::{Args, Subcommand};
use evidentia::model::{format_rfc3339_utc, parse_rfc3339_or_date};
use evidentia::sign::keystore::KeyRole;
use evidentia::sign::pubfile::parse_any_public_key;
use evidentia::sign::{
    CertBundle, Certificate, Identity, KdfParams, KeyFile, KeyStore, MinisignPublicKey, Protection,
    PublicKeyFile, read_small,
};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `key`.
#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Make an Ed25519 signing key bound to an identity; prints its id and fingerprint
    New(NewArgs),
    /// List own keys, and other parties' certificates kept by `key import`
    List,
    /// Show one key (default: the only key)
    Show {
        /// Key id or unique hex prefix
        id: Option<String>,
    },
    /// Print a public key: the evidentia public key file, SPKI PEM or
    /// minisign; or the age encryption recipient or secret identity
    Export(ExportArgs),
    /// Certify an examiner's public key with an agency root key (certificate to stdout)
    Certify(CertifyArgs),
    /// Store a certificate: for one of your own keys (from `key certify`),
    /// or keep another party's (e.g. FILE.cert from `sign --with-cert`)
    /// when its issuer is a root in your trust store, for checking that
    /// party's signatures
    Import {
        /// The certificate bundle file
        file: PathBuf,
    },
    /// Take away another party's certificate kept by `key import` (never
    /// one of your own keys)
    Remove {
        /// Key id or unique hex prefix of the certified key
        id: String,
    },
    /// Give a key made before evidentia encrypted its encryption recipient
    /// (derived from the key; needs re-certification)
    AddRecipient {
        /// Key id or unique hex prefix [default: the only key]
        id: Option<String>,
        /// Read the passphrase from the first line of FILE
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct NewArgs {
    /// Name of the person or service
    #[arg(long)]
    name: String,
    /// Organisation
    #[arg(long)]
    org: String,
    /// ISO 3166-1 alpha-2 country code (e.g. CZ, DE)
    #[arg(long, value_name = "CC")]
    country: String,
    /// Contact e-mail
    #[arg(long)]
    email: Option<String>,
    /// Role (e.g. examiner)
    #[arg(long)]
    role: Option<String>,
    /// Make an agency root key (certifies examiner keys; keep it offline)
    #[arg(long)]
    root: bool,
    /// Store the secret key unencrypted (not recommended)
    #[arg(long)]
    no_encrypt: bool,
    /// Read the passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Key id or unique hex prefix [default: the only key]
    id: Option<String>,
    /// A standard SPKI PEM public key (`openssl pkey -pubin`)
    #[arg(long, conflicts_with = "minisign")]
    pem: bool,
    /// A minisign public key file (`minisign -V -p FILE`)
    #[arg(long)]
    minisign: bool,
    /// The age encryption recipient (`age1...`, for `age -r`), one line
    #[arg(long, conflicts_with_all = ["pem", "minisign", "age_identity"])]
    age: bool,
    /// The SECRET age identity (`AGE-SECRET-KEY-1...`, for `age -d -i`),
    /// after the passphrase; anyone holding it reads what is encrypted to you
    #[arg(long, conflicts_with_all = ["pem", "minisign"])]
    age_identity: bool,
    /// Read the passphrase from the first line of FILE (--age-identity)
    #[arg(long, value_name = "FILE", requires = "age_identity")]
    passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct CertifyArgs {
    /// The examiner's public key file (from `key export`)
    pubfile: PathBuf,
    /// The root key's id or unique hex prefix
    #[arg(long = "with", value_name = "ROOT_ID")]
    with: String,
    /// Role to certify [default: the role in the public key file]
    #[arg(long)]
    role: Option<String>,
    /// Start of validity: RFC 3339 or YYYY-MM-DD [default: now]
    #[arg(long, value_name = "DATE")]
    valid_from: Option<String>,
    /// End of validity: RFC 3339 or YYYY-MM-DD [default: one year after the start]
    #[arg(long, value_name = "DATE")]
    valid_until: Option<String>,
    /// Read the passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

/// One key in `--json` output of `key list` / `key show` / `key new`.
#[derive(Serialize)]
pub(super) struct KeyJson {
    key_id: String,
    fingerprint: String,
    root: bool,
    encrypted: bool,
    created: String,
    identity: Identity,
    /// The encryption recipient (`age1...`); null for a key made before
    /// encryption.
    recipient: Option<String>,
    certificate: Option<Certificate>,
}

pub(super) fn key_json(f: &KeyFile, cert: Option<Certificate>) -> KeyJson {
    KeyJson {
        key_id: f.key_id.hex(),
        fingerprint: f.key_id.fingerprint(),
        root: f.root,
        encrypted: f.is_encrypted(),
        created: f.created.clone(),
        identity: f.identity.clone(),
        recipient: f.recipient.clone(),
        certificate: cert,
    }
}

/// Run `key`.
pub fn run(ctx: &Ctx, args: KeyArgs) -> Result<Exit, CliError> {
    match args.command {
        KeyCommand::New(a) => new(ctx, a),
        KeyCommand::List => list(ctx),
        KeyCommand::Show { id } => show(ctx, id.as_deref()),
        KeyCommand::Export(a) => export(ctx, a),
        KeyCommand::Certify(a) => certify(ctx, a),
        KeyCommand::Import { file } => super::key_foreign::import(ctx, &file),
        KeyCommand::Remove { id } => super::key_foreign::remove(ctx, &id),
        KeyCommand::AddRecipient {
            id,
            passphrase_file,
        } => super::key_age::add_recipient(ctx, id.as_deref(), passphrase_file.as_deref()),
    }
}

fn new(ctx: &Ctx, a: NewArgs) -> Result<Exit, CliError> {
    let identity = Identity::new(
        &a.name,
        &a.org,
        &a.country,
        a.email.as_deref(),
        a.role.as_deref(),
    )
    .map_err(|e| CliError::usage(e.to_string()))?;
    let store = key_store(ctx)?;
    let pass;
    let protection = if a.no_encrypt {
        ctx.diag.warn("--no-encrypt: THE SECRET KEY IS STORED UNENCRYPTED; anyone who can read the file can sign as you");
        Protection::None
    } else {
        pass = passphrase(a.passphrase_file.as_deref(), true)?;
        Protection::Passphrase {
            passphrase: &pass,
            kdf: KdfParams::default(),
        }
    };
    let t = now();
    let (file, key) = KeyFile::generate(identity, a.root, t, protection).map_err(sign_error)?;
    let path = store.add(&file).map_err(sign_error)?;
    store
        .store_public(&PublicKeyFile::export(&file, &key, t))
        .map_err(sign_error)?;
    let kind = if file.root { "root key" } else { "key" };
    let mut out = ctx.output();
    out.emit(&Doc {
        json: key_json(&file, None),
        text: format!(
            "created {kind} {}\nfingerprint: {}\nsecret key:  {}\n",
            file.key_id,
            file.key_id.fingerprint(),
            display_path(&path)
        ),
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// `key list`: own keys, then other parties' kept certificates (their
/// JSON values and lines, judged against the trust store once).
struct Keys<'a> {
    store: &'a KeyStore,
    keys: &'a [KeyFile],
    foreign: Vec<super::key_foreign::ForeignJson>,
    foreign_text: String,
}

impl Emit for Keys<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let keys: Vec<KeyJson> = self
            .keys
            .iter()
            .map(|k| key_json(k, cert_of(self.store, k)))
            .collect();
        serde_json::json!({ "v": 1, "keys": keys, "foreign": self.foreign })
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        let mut s = String::new();
        for k in self.keys {
            let kind = if k.root { "root    " } else { "examiner" };
            s.push_str(&format!(
                "{}  {kind}  {}\n",
                k.key_id.short(),
                sanitize(&k.identity.display())
            ));
        }
        s.push_str(&self.foreign_text);
        s
    }
}

fn list(ctx: &Ctx) -> Result<Exit, CliError> {
    let store = key_store(ctx)?;
    let keys = store.list().map_err(sign_error)?;
    let (foreign, foreign_text) = super::key_foreign::listing(ctx, &store)?;
    let mut out = ctx.output();
    out.emit(&Keys {
        store: &store,
        keys: &keys,
        foreign,
        foreign_text,
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

fn cert_of(store: &KeyStore, k: &KeyFile) -> Option<Certificate> {
    let (c, _) = store.certificate(&k.key_id).ok()??;
    Certificate::parse(&c).ok()
}

fn show(ctx: &Ctx, id: Option<&str>) -> Result<Exit, CliError> {
    let store = key_store(ctx)?;
    let k = store.find(id, KeyRole::Any).map_err(sign_error)?;
    let cert = cert_of(&store, &k);
    let mut text = format!(
        "key id:      {}\nfingerprint: {}\nkind:        {}\nidentity:    {}\ncreated:     {}\nencrypted:   {}\n",
        k.key_id,
        k.key_id.fingerprint(),
        if k.root { "agency root" } else { "examiner" },
        sanitize(&k.identity.display()),
        k.created,
        if k.is_encrypted() { "yes" } else { "NO" },
    );
    text.push_str(&super::key_age::recipient_line(&k));
    if let Some(c) = &cert {
        text.push_str(&format!(
            "certificate: by root {}, valid {} to {}\n",
            c.issuer_key_id.short(),
            c.valid_from,
            c.valid_until
        ));
        text.push_str(&super::key_age::certificate_recipient_note(&k, c));
    }
    let mut out = ctx.output();
    out.emit(&Doc {
        json: key_json(&k, cert),
        text,
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// The SPKI PEM of a raw Ed25519 public key (RFC 8410).
fn spki_pem(pk: &[u8; 32]) -> String {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(pk);
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        BASE64.encode(der)
    )
}

fn export(ctx: &Ctx, a: ExportArgs) -> Result<Exit, CliError> {
    let store = key_store(ctx)?;
    let k = store
        .find(a.id.as_deref(), KeyRole::Any)
        .map_err(sign_error)?;
    let bytes = if a.age {
        super::key_age::export_recipient(&k)?
    } else if a.age_identity {
        super::key_age::export_identity(&k, a.passphrase_file.as_deref())?
    } else if a.pem {
        spki_pem(&k.public_key).into_bytes()
    } else if a.minisign {
        MinisignPublicKey {
            keynum: k.key_id.keynum(),
            public_key: k.public_key,
        }
        .to_bytes()
    } else {
        store
            .public_file(&k.key_id)
            .map_err(sign_error)?
            .ok_or_else(|| {
                CliError::op(format!(
                    "the public key file of {} is missing",
                    k.key_id.short()
                ))
                .hint("use --minisign or --pem")
            })?
    };
    let mut out = ctx.output();
    out.bytes(&bytes)?;
    out.flush()?;
    Ok(Exit::Ok)
}

fn date(flag: &str, s: &str) -> Result<i64, CliError> {
    parse_rfc3339_or_date(s).map_err(|e| {
        CliError::usage(format!("{flag}: {e}"))
            .hint("write e.g. 2027-01-31 or 2027-01-31T12:00:00Z")
    })
}

fn certify(ctx: &Ctx, a: CertifyArgs) -> Result<Exit, CliError> {
    let bytes = read_small("public key file", &a.pubfile).map_err(sign_error)?;
    let subject = parse_any_public_key(&bytes).map_err(sign_error)?;
    let Some(mut identity) = subject.identity.clone() else {
        return Err(CliError::usage("a minisign public key carries no identity to certify")
            .hint("ask the examiner for `evidentia key export` output (the evidentia public key file)"));
    };
    if a.role.is_some() {
        identity.role = a.role.clone();
    }
    identity
        .validate()
        .map_err(|e| CliError::usage(e.to_string()))?;
    let t = now();
    let from = a
        .valid_from
        .as_deref()
        .map(|s| date("--valid-from", s))
        .transpose()?
        .unwrap_or(t);
    let until = a
        .valid_until
        .as_deref()
        .map(|s| date("--valid-until", s))
        .transpose()?
        .unwrap_or(from + 365 * 86_400);
    if until <= from {
        return Err(CliError::usage("--valid-until must be after --valid-from"));
    }
    let root = super::passphrase::load_signer_as(
        ctx,
        Some(&a.with),
        a.passphrase_file.as_deref(),
        KeyRole::Root,
    )?;
    if !root.is_root() {
        return Err(
            CliError::usage(format!("key {} is not a root key", root.key_id().short()))
                .hint("certify with a key made by `evidentia key new --root`"),
        );
    }
    // Receivers accept a root's certificates only within its name
    // constraints, by default its own organisation and country.
    let own = root.identity();
    if !evidentia::sign::CertifyScope::new(&own.org, &own.country)
        .is_ok_and(|s| s.covers(&identity))
    {
        ctx.diag.warn(&sanitize(&format!(
            "{} ({}) is not this root's own organisation and country, {} ({})",
            identity.org, identity.country, own.org, own.country
        )));
        ctx.diag.hint(&sanitize(&format!(
            "receivers accept this certificate only if they trust the root with `trust add --may-certify \"{},{}\"`",
            identity.org, identity.country
        )));
    }
    if subject.recipient.is_none() {
        ctx.diag.warn(
            "this public key file carries no encryption recipient: nobody can encrypt a bundle to this certificate",
        );
        ctx.diag.hint(
            "have the examiner run `evidentia key add-recipient ID` and send the new `key export` file, then certify that",
        );
    }
    let (cert, sig) = Certificate::issue_with_recipient(
        root.secret_key(),
        subject.public_key,
        identity,
        subject.recipient.clone(),
        (from, until, t),
    )
    .map_err(sign_error)?;
    ctx.diag.note(&format!(
        "certified {} until {} (give the output to the examiner for `evidentia key import`)",
        subject.key_id().short(),
        format_rfc3339_utc(until)
    ));
    let mut out = ctx.output();
    out.bytes(&CertBundle::new(&cert, &sig).to_bytes())?;
    out.flush()?;
    Ok(Exit::Ok)
}
