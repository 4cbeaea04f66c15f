//! `evidentia trust`: the keys whose signatures are accepted (agency roots
//! and single keys), under `<home>/trust`.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, Emit, sanitize};
use super::passphrase::{now, sign_error, trust_store};
use clap::{Args, Subcommand};
use evidentia::sign::pubfile::parse_any_public_key;
use evidentia::sign::{CertifyScope, TrustEntry, read_small};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(subcommand)]
    command: TrustCommand,
}

#[derive(Debug, Subcommand)]
enum TrustCommand {
    /// Trust a public key file (evidentia or minisign format); prints its
    /// fingerprint to confirm with the owner by phone or on paper
    Add {
        /// The public key file
        file: PathBuf,
        /// Trust it as an agency root (implied by a root's evidentia public key file)
        #[arg(long)]
        root: bool,
        /// Also let the root certify staff of ORG in country CC (repeatable;
        /// by default a root may certify only its own organisation and
        /// country)
        #[arg(long = "may-certify", value_name = "ORG,CC")]
        may_certify: Vec<String>,
    },
    /// List trusted keys
    List,
    /// Stop trusting a key
    Remove {
        /// Key id or unique hex prefix
        id: String,
    },
}

#[derive(Serialize)]
struct EntryJson<'a> {
    #[serde(flatten)]
    entry: &'a TrustEntry,
    fingerprint: String,
    /// What a root may certify in effect (for a root entry; the stored
    /// `may_certify`, or what is inferred for an older entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    certifies: Option<Vec<CertifyScope>>,
}

impl<'a> EntryJson<'a> {
    fn new(entry: &'a TrustEntry) -> EntryJson<'a> {
        EntryJson {
            entry,
            fingerprint: entry.key_id.fingerprint(),
            certifies: entry.root.then(|| entry.scope()),
        }
    }
}

fn describe(e: &TrustEntry) -> String {
    let who = e
        .identity
        .as_ref()
        .map(|i| sanitize(&i.display()))
        .unwrap_or_else(|| "(no identity)".into());
    let mut s = format!(
        "{}  {}  {who}",
        e.key_id.short(),
        if e.root { "root" } else { "key " }
    );
    if e.root {
        let scope = e.scope();
        let list = if scope.is_empty() {
            "nothing".to_string()
        } else {
            scope
                .iter()
                .map(|x| sanitize(&x.display()))
                .collect::<Vec<_>>()
                .join("; ")
        };
        s.push_str(&format!("\n      may certify: {list}"));
        if e.scope_is_inferred() {
            s.push_str(
                "\n      (added before name constraints: limited to its own organisation; \
                 to widen, `trust remove` it and `trust add` it again with --may-certify ORG,CC)",
            );
        }
    }
    s
}

/// The trusted keys (`trust list`): one JSON document, a text block per key.
struct Trusted<'a>(&'a [TrustEntry]);

impl Emit for Trusted<'_> {
    fn json(&self) -> impl Serialize + '_ {
        let v: Vec<EntryJson> = self.0.iter().map(EntryJson::new).collect();
        serde_json::json!({ "v": 1, "trusted": v })
    }

    fn text(&self) -> impl AsRef<[u8]> + '_ {
        self.0
            .iter()
            .map(|e| format!("{}\n", describe(e)))
            .collect::<String>()
    }
}

/// Run `trust`.
pub fn run(ctx: &Ctx, args: TrustArgs) -> Result<Exit, CliError> {
    let mut store = trust_store(ctx, None)?;
    let mut out = ctx.output();
    match args.command {
        TrustCommand::Add {
            file,
            root,
            may_certify,
        } => {
            let also = may_certify
                .iter()
                .map(|t| CertifyScope::parse(t))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    CliError::usage(format!("--may-certify: {e}"))
                        .hint("give the organisation and country as ORG,CC, e.g. --may-certify 'Policie CR,CZ'")
                })?;
            let bytes = read_small("public key file", &file).map_err(sign_error)?;
            let key = parse_any_public_key(&bytes).map_err(sign_error)?;
            let root = root || key.root;
            if !root && !also.is_empty() {
                return Err(CliError::usage("--may-certify needs a root key")
                    .hint("add --root if this key is an agency root"));
            }
            let e = store.add(&key, root, &also, now()).map_err(sign_error)?;
            if root && e.scope().is_empty() {
                ctx.diag
                    .warn("this root has no identity and may certify nothing");
                ctx.diag.hint(
                    "add it again with --may-certify ORG,CC for each organisation it vouches for",
                );
            }
            out.emit(&Doc {
                json: EntryJson::new(&e),
                text: format!(
                    "trusted {}\nfingerprint: {}\nconfirm this fingerprint with the key's owner by phone or on paper\n",
                    describe(&e),
                    e.key_id.fingerprint()
                ),
            })?;
        }
        TrustCommand::List => out.emit(&Trusted(store.entries()))?,
        TrustCommand::Remove { id } => {
            let e = store.remove(&id).map_err(sign_error)?;
            out.emit(&Doc {
                json: EntryJson::new(&e),
                text: format!("removed {}\n", describe(&e)),
            })?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}
