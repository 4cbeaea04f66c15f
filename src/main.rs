//! The `evidentia` command. All policy lives in `cli`; this file only hands
//! the exit code to the operating system.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
