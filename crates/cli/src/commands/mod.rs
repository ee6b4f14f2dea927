//! One module per subcommand. Each parses nothing and maps nothing: it calls the libraries and prints.

mod import;
mod template;

use std::process::ExitCode;

use crate::cli::Command;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import(args) => import::run(args),
        Command::Template(cmd) => template::run(cmd),
        Command::Status(_) | Command::Delete(_) => anyhow::bail!("not available in this build"),
    }
}
