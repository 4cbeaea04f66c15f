//! `evidentia trust`: the keys whose signatures are accepted (agency roots
//! and single keys), under `<home>/trust`.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Mode, Output, sanitize};
use super::passphrase::{now, sign_error, trust_store};
use clap::{Args, Subcommand};
use evidentia::sign::pubfile::parse_any_public_key;
use evidentia::sign::{TrustEntry, read_small};
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
}

fn describe(e: &TrustEntry) -> String {
    let who = e
        .identity
        .as_ref()
        .map(|i| sanitize(&i.display()))
        .unwrap_or_else(|| "(no identity)".into());
    format!(
        "{}  {}  {who}",
        e.key_id.short(),
        if e.root { "root" } else { "key " }
    )
}

/// Run `trust`.
pub fn run(ctx: &Ctx, args: TrustArgs) -> Result<Exit, CliError> {
    let mut store = trust_store(ctx, None)?;
    let mut out = Output::new(ctx.mode);
    match args.command {
        TrustCommand::Add { file, root } => {
            let bytes = read_small("public key file", &file).map_err(sign_error)?;
            let key = parse_any_public_key(&bytes).map_err(sign_error)?;
            let e = store
                .add(&key, root || key.root, now())
                .map_err(sign_error)?;
            match ctx.mode {
                Mode::Json => out.json(&EntryJson { entry: &e, fingerprint: e.key_id.fingerprint() })?,
                Mode::Human => out.bytes(
                    format!(
                        "trusted {}\nfingerprint: {}\nconfirm this fingerprint with the key's owner by phone or on paper\n",
                        describe(&e),
                        e.key_id.fingerprint()
                    )
                    .as_bytes(),
                )?,
            }
        }
        TrustCommand::List => match ctx.mode {
            Mode::Json => {
                let v: Vec<EntryJson> = store
                    .entries()
                    .iter()
                    .map(|e| EntryJson {
                        entry: e,
                        fingerprint: e.key_id.fingerprint(),
                    })
                    .collect();
                out.json(&serde_json::json!({ "v": 1, "trusted": v }))?
            }
            Mode::Human => {
                for e in store.entries() {
                    out.bytes(format!("{}\n", describe(e)).as_bytes())?;
                }
            }
        },
        TrustCommand::Remove { id } => {
            let e = store.remove(&id).map_err(sign_error)?;
            match ctx.mode {
                Mode::Json => out.json(&EntryJson {
                    entry: &e,
                    fingerprint: e.key_id.fingerprint(),
                })?,
                Mode::Human => out.bytes(format!("removed {}\n", describe(&e)).as_bytes())?,
            }
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}
