//! One module per subcommand. Each parses nothing and maps nothing: it calls the libraries and prints.

mod access;
mod confirm;
mod create_simple;
mod cutover;
mod delete;
mod estimate;
mod export;
mod home;
mod import;
mod interrupt;
mod node_agent;
mod quick_start_progress;
mod shell;
mod status;
mod sync;
mod sync_revive;
mod template;

use std::process::ExitCode;

use crate::cli::Command;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import(args) => import::run(args),
        Command::Estimate(args) => estimate::run(args),
        Command::Template(cmd) => template::run(cmd),
        Command::Status(args) => {
            home::refuse_another_home(&args.state)?;
            status::run(args)
        }
        Command::Delete(args) => delete::run(args),
        Command::Cutover(args) => cutover::run(args),
        Command::Sync(args) => sync::run(args),
        Command::CreateSimple(args) => create_simple::run(*args),
        Command::NodeAgent(cmd) => node_agent::run(cmd),
        Command::Export(cmd) => export::run(cmd),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
    }
}
