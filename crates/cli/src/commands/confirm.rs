//! A yes/no question on the terminal before a command changes things (`delete`, `cutover`).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};

/// Asks `question` on stderr and reads the answer; refuses (`refusing to <action> without
/// --yes when not interactive`) when stdin is not a terminal.
pub(super) fn confirm(question: &str, action: &str) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("refusing to {action} without --yes when not interactive");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
