//! `evidentia repair`: finish an interrupted append from its journal,
//! proving it complete or restoring the bundle's original bytes.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Mode, Output, display_path};
use clap::Args;
use evidentia::bundle::{self, RepairError, RepairOutcome};
use std::path::PathBuf;

/// Arguments of `repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// The bundle whose append was interrupted
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
}

/// Run `repair`.
pub fn run_repair(ctx: &Ctx, args: RepairArgs) -> Result<Exit, CliError> {
    let shown = display_path(&args.bundle);
    let outcome = bundle::repair(&args.bundle).map_err(|e| match e {
        RepairError::Io(err) => CliError::io("cannot repair", &args.bundle, &err),
        other => CliError::op(format!("{shown}: {other}"))
            .hint("nothing was changed; keep the file and ask the sender for a fresh copy"),
    })?;
    let msg = match outcome {
        RepairOutcome::Clean => format!("{shown}: no interrupted append; nothing to do\n"),
        RepairOutcome::TornJournal => {
            format!("{shown}: the append had not started; removed its torn journal\n")
        }
        RepairOutcome::Completed { len } => {
            format!("{shown}: the append had completed ({len} bytes); removed its journal\n")
        }
        RepairOutcome::RolledBack { len, removed } => format!(
            "{shown}: removed {removed} bytes of an unfinished append; restored the original {len} bytes\n"
        ),
    };
    let mut out = Output::new(ctx.mode);
    match ctx.mode {
        Mode::Json => out.json(&serde_json::json!({
            "type": "evidentia/repair-result/v1",
            "message": msg.trim_end(),
        }))?,
        Mode::Human => out.bytes(msg.as_bytes())?,
    }
    out.flush()?;
    Ok(Exit::Ok)
}
