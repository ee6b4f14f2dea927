//! `completions` and `man`: the command line describing itself (clap_complete, clap_mangen).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};

/// The binary's name, as the completion scripts register it.
const BIN: &str = "spotinst-aks-engine";

pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, BIN, &mut script);
    if args.shell == clap_complete::Shell::Bash {
        script = fix_bash_state_names(&String::from_utf8_lossy(&script)).into_bytes();
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// clap_complete's bash script names its states inconsistently when the binary's name has a
/// hyphen (clap-rs/clap#6421, #6529): the loop over the words builds `spotinst__aks__engine__subcmd__x`
/// but the `case` arms read `spotinst__subcmd__aks__subcmd__engine__subcmd__x`, so nothing past
/// the first word completes. Spelling the arms the loop's way fixes it; once clap_complete is
/// fixed the wrong spelling no longer occurs and this changes nothing.
fn fix_bash_state_names(script: &str) -> String {
    let wrong = BIN.replace('-', "__subcmd__");
    let right = BIN.replace('-', "__");
    script.replace(&wrong, &right)
}

/// The page of the top-level command: synopsis, options, the subcommands with their summary, examples.
/// With `--dir`, every page (one per subcommand too) as files there.
pub fn man(args: ManArgs) -> Result<ExitCode> {
    let cmd = Cli::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        clap_mangen::generate_to(cmd, dir)
            .with_context(|| format!("writing the man pages into {}", dir.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut stdout = std::io::stdout().lock();
    clap_mangen::Man::new(cmd.clone()).render(&mut stdout)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bash_case_arms_are_spelled_like_the_state_the_loop_builds() {
        let mut script = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Cli::command(),
            BIN,
            &mut script,
        );
        let fixed = fix_bash_state_names(&String::from_utf8(script).unwrap());
        assert!(!fixed.contains("spotinst__subcmd__aks"));
        assert!(fixed.contains("cmd=\"spotinst__aks__engine__subcmd__export__subcmd__terraform\""));
        assert!(
            fixed.contains("\n        spotinst__aks__engine__subcmd__export__subcmd__terraform)\n")
        );
    }
}
