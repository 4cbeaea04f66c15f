//! `evidentia completions SHELL` and the hidden `evidentia man --out DIR`
//! that regenerates the man pages committed under `docs/man/`.

use super::error::{CliError, Exit};
use clap::Args;
use clap_complete::Shell;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish
    #[arg(value_enum)]
    shell: Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write evidentia.1 and one page per subcommand into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Print completions for a shell.
pub fn run_completions(args: CompletionsArgs) -> Result<Exit, CliError> {
    let mut cmd = super::command();
    // Generated into memory first: clap_complete panics on a write error,
    // and `evidentia completions bash | head` closes the pipe early. The
    // write below goes through the one error path (a broken pipe is exit 0).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "evidentia", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// Write the man pages.
pub fn run_man(args: ManArgs) -> Result<Exit, CliError> {
    std::fs::create_dir_all(&args.out).map_err(|e| CliError::io("cannot create", &args.out, &e))?;
    clap_mangen::generate_to(super::command(), &args.out)
        .map_err(|e| CliError::io("cannot write man pages into", &args.out, &e))?;
    Ok(Exit::Ok)
}
