//! The command-line front end: parses arguments into validated options,
//! runs the command, and owns the exit-code policy (0 ok, 1 found a problem,
//! 2 error, 130 interrupted). Broken pipes are not errors.

mod acquire_cmd;
mod acquire_ewf;
mod agekeys;
mod algo;
mod capture_cmd;
mod completions;
mod context;
mod custody_cmd;
mod custody_show;
mod decrypt_cmd;
mod demo_cmd;
mod encrypt_cmd;
mod error;
mod export_cmd;
mod hash_check;
mod hash_cmd;
mod hashset_cmd;
mod ingest_cmd;
mod ingest_received;
mod key_age;
mod key_cmd;
mod key_foreign;
mod locker_arg;
mod locker_cmd;
mod locker_links;
mod locker_migrate;
mod locker_show;
mod match_forms;
mod match_sources;
mod output;
mod passphrase;
mod plain_input;
mod repair_cmd;
mod report_cmd;
mod seal_cmd;
mod sign_cmd;
mod sign_verify;
mod signals;
mod size;
mod trust_cmd;
mod unchanged;
mod verify_cmd;

use clap::{CommandFactory, Parser, Subcommand};
pub use context::{Ctx, GlobalArgs};
use error::Exit;

/// evidentia: hash, sign and package digital evidence into chain-of-custody
/// bundles that a lab in another country can verify offline.
#[derive(Debug, Parser)]
#[command(
    name = "evidentia",
    version,
    about = "Hash, sign and package digital evidence into verifiable chain-of-custody bundles",
    long_about = "evidentia hashes, signs and packages digital evidence into chain-of-custody \
bundles (BagIt bags in a zip, with minisign-compatible signatures) that a lab in another \
country can verify and ingest, and that a court can check years later, with no network at \
any step.\n\nExit codes: 0 success / everything verified; 1 the command ran and found a \
problem (mismatch, missing file, bad signature, ...); 2 usage or operational error; \
130 interrupted.",
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Hash files, trees, devices, standard input or an E01 set's media, or check a hash list
    Hash(hash_cmd::HashArgs),
    /// Image a device, image file, E01 set or stream with on-the-fly hashing
    Acquire(acquire_cmd::AcquireArgs),
    /// Capture traffic data (live or from a pcap) into signed, hash-chained segments
    Capture(capture_cmd::CaptureArgs),
    /// Package evidence into a bundle (BagIt 1.0 in a zip, with a custody seal)
    Seal(seal_cmd::SealArgs),
    /// Check a bundle completely: exit 0 only if everything holds
    Verify(verify_cmd::VerifyArgs),
    /// Write a custody and integrity report (HTML, Markdown, JSON, CASE/UCO JSON-LD)
    Report(report_cmd::ReportArgs),
    /// Disclose some files of a bundle, each proven as sealed, the rest hidden
    Export(export_cmd::ExportArgs),
    /// Add signed custody events to a bundle, or show its custody chain
    Custody(custody_show::CustodyArgs),
    /// Verify a bundle transferred to you, then sign its receipt
    Receive(custody_cmd::ReceiveArgs),
    /// Finish an interrupted append: restore the bundle's original bytes
    Repair(repair_cmd::RepairArgs),
    /// Encrypt a bundle for the receiving examiner or lab (age; FILE.age)
    Encrypt(encrypt_cmd::EncryptArgs),
    /// Decrypt an encrypted bundle with your key (exit 1 if it was altered)
    Decrypt(decrypt_cmd::DecryptArgs),
    /// Make, list, show, export, certify and import keys; keep other parties' certificates
    Key(key_cmd::KeyArgs),
    /// Manage the trust store: agency root keys and single keys
    Trust(trust_cmd::TrustArgs),
    /// Sign a file into FILE.minisig, or verify one (--verify)
    Sign(sign_cmd::SignArgs),
    /// Import and list known-hash sets (NSRL RDS v3, hashdeep, sums lists)
    Hashset(hashset_cmd::HashsetArgs),
    /// Verify bundles and record them in the evidence locker
    Ingest(ingest_cmd::IngestArgs),
    /// Query the evidence locker: list, show, find, audit, verify
    Locker(locker_cmd::LockerArgs),
    /// Match files against known-hash sets (exit 1 on a known-bad match)
    Match(hashset_cmd::MatchArgs),
    /// Run the whole flow on the embedded sample image in a fresh directory
    Demo(demo_cmd::DemoArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish)
    Completions(completions::CompletionsArgs),
    /// Write the man pages into a directory
    #[command(hide = true)]
    Man(completions::ManArgs),
}

/// The clap command tree (for completions and man pages).
pub fn command() -> clap::Command {
    Cli::command()
}

/// The crash-safety tests' fault and pause points (docs/testing.md):
/// `EVIDENTIA_TEST_FAIL_OP=N` fails output operation N with "No space left
/// on device"; `EVIDENTIA_TEST_PAUSE_OP=N` prints a marker line to stderr
/// before operation N and waits a minute, for the test to SIGKILL us
/// (`EVIDENTIA_TEST_PAUSE_SECS=S`: S seconds instead, for a test that lets
/// the paused run go on, e.g. after restarting its database server).
/// Only in builds with the `test-hooks` feature (`cargo test`); a release
/// build neither reads these variables nor carries their names.
#[cfg(feature = "test-hooks")]
fn install_test_hook() {
    fn var(name: &str) -> Option<u64> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    static FAIL: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    static PAUSE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let fail = *FAIL.get_or_init(|| var("EVIDENTIA_TEST_FAIL_OP"));
    static PAUSE_SECS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let pause = *PAUSE.get_or_init(|| var("EVIDENTIA_TEST_PAUSE_OP"));
    PAUSE_SECS.get_or_init(|| var("EVIDENTIA_TEST_PAUSE_SECS").unwrap_or(60));
    if fail.is_none() && pause.is_none() {
        return;
    }
    evidentia::testhook::install(|n, op, path| {
        if PAUSE.get() == Some(&Some(n)) {
            eprintln!(
                "evidentia-test: paused before op {n} ({} {})",
                op.name(),
                path.display()
            );
            std::thread::sleep(std::time::Duration::from_secs(
                PAUSE_SECS.get().copied().unwrap_or(60),
            ));
        }
        if FAIL.get() == Some(&Some(n)) {
            return Err(evidentia::testhook::disk_full());
        }
        Ok(())
    });
}

/// Run the command line and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return code as i32;
        }
    };
    #[cfg(feature = "test-hooks")]
    install_test_hook();
    let ctx = Ctx::new(&cli.global);
    let result = match cli.command {
        Command::Hash(args) => hash_cmd::run(&ctx, args),
        Command::Seal(args) => seal_cmd::run(&ctx, args),
        Command::Verify(args) => verify_cmd::run(&ctx, args),
        Command::Hashset(args) => hashset_cmd::run_hashset(&ctx, args),
        Command::Ingest(args) => ingest_cmd::run(&ctx, args),
        Command::Locker(args) => locker_cmd::run(&ctx, args),
        Command::Match(args) => hashset_cmd::run_match(&ctx, args),
        Command::Acquire(args) => acquire_cmd::run(&ctx, args),
        Command::Capture(args) => capture_cmd::run(&ctx, args),
        Command::Report(args) => report_cmd::run(&ctx, args),
        Command::Custody(args) => custody_show::run(&ctx, args),
        Command::Export(args) => export_cmd::run(&ctx, args),
        Command::Receive(args) => custody_cmd::run_receive(&ctx, args),
        Command::Repair(args) => repair_cmd::run_repair(&ctx, args),
        Command::Encrypt(args) => encrypt_cmd::run(&ctx, args),
        Command::Decrypt(args) => decrypt_cmd::run(&ctx, args),
        Command::Key(args) => key_cmd::run(&ctx, args),
        Command::Trust(args) => trust_cmd::run(&ctx, args),
        Command::Sign(args) => sign_cmd::run(&ctx, args),
        Command::Demo(args) => demo_cmd::run(&ctx, args),
        Command::Completions(args) => completions::run_completions(args),
        Command::Man(args) => completions::run_man(args),
    };
    match result {
        Ok(exit) => exit as i32,
        Err(e) if e.broken_pipe => Exit::Ok as i32,
        Err(e) => {
            output::to_stderr("evidentia: ", &e.message);
            if let Some(h) = &e.hint {
                output::to_stderr("hint: ", h);
            }
            e.exit as i32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// clap's own consistency checks over the whole command tree (argument
    /// names, conflicts, defaults, help templates): a mistake there is a
    /// panic at the first run of the affected command, so catch it here.
    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
