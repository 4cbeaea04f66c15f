//! `evidentia repair`: finish an interrupted append from its journal,
//! proving it complete or restoring the bundle's original bytes.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, display_path};
use clap::Args;
use evidentia::bundle::{self, RepairError, RepairOutcome};
use std::path::{Path, PathBuf};

/// Arguments of `repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// The bundle whose append was interrupted
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
}

/// The hint naming `repair` for a bundle that has an append journal:
/// exactly what repair will do, or why it cannot; `None` without a
/// journal (then repair has nothing to work from, and is not named).
pub fn repair_hint(bundle: &Path) -> Option<String> {
    std::fs::symlink_metadata(bundle::journal_path(bundle)).ok()?;
    let shown = display_path(bundle);
    Some(match bundle::repair_plan(bundle) {
        Ok(plan) => format!("run `evidentia repair {shown}`: it {}", plan.will()),
        Err(e) => format!(
            "an append journal ({}) is present, but `evidentia repair` cannot use it: {}; \
             keep both files as they are and ask the sender for a fresh copy",
            display_path(&bundle::journal_path(bundle)),
            e
        ),
    })
}

/// Run `repair`.
pub fn run_repair(ctx: &Ctx, args: RepairArgs) -> Result<Exit, CliError> {
    let shown = display_path(&args.bundle);
    let outcome = bundle::repair(&args.bundle).map_err(|e| match e {
        RepairError::Io(err) => CliError::io("cannot repair", &args.bundle, &err),
        RepairError::NoJournal(z) => CliError::unreadable_bundle(
            &args.bundle,
            &z,
            "repair restores only an interrupted append, from its journal, and there is none: nothing was changed",
        ),
        other => {
            // A damaged bundle is a problem with the evidence (exit 1),
            // whatever its journal says.
            let (exit, msg) = match bundle::Archive::open(&args.bundle) {
                Err(z) if z.is_damaged() => (
                    Exit::Problem,
                    format!(
                        "{shown}: {}; and {other}; nothing was changed",
                        super::output::sanitize(&z.to_string())
                    ),
                ),
                _ => (
                    Exit::Error,
                    format!("{shown}: {other}; nothing was changed"),
                ),
            };
            CliError {
                exit,
                ..CliError::op(msg)
            }
            .hint("keep the bundle and its journal as they are, and ask the sender for a fresh copy")
        }
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
    let mut out = ctx.output();
    out.emit(&Doc {
        json: serde_json::json!({
            "type": "evidentia/repair-result/v1",
            "message": msg.trim_end(),
        }),
        text: msg,
    })?;
    out.flush()?;
    Ok(Exit::Ok)
}
