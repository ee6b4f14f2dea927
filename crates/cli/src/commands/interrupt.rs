//! Ctrl-C (SIGINT) and SIGTERM for the commands that change things (`import`, `create-simple`,
//! `cutover`): the first signal lets what is in flight finish and be recorded, a second one stops
//! at once.

use std::process::ExitCode;

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
pub(super) const INTERRUPTED: u8 = 130;

/// On the first SIGINT or SIGTERM: no new request starts, the ones in flight finish and are
/// recorded, the summary is printed. A second one stops at once.
pub(super) async fn stop_on_signal(cancel: group_sync::CancellationToken) {
    stop_on_signal_saying(cancel, &IMPORT_MESSAGES).await;
}

/// What the user is told on the first and on a second signal.
pub(super) struct Messages {
    /// After the first: what finishes, what stops.
    pub(super) first: &'static str,
    /// After a second (the process exits at once): what may be left.
    pub(super) second: &'static str,
}

const IMPORT_MESSAGES: Messages = Messages {
    first: "interrupted: no new request starts; waiting for the ones in flight to finish and be recorded (press Ctrl-C again to stop at once)",
    second: "stopped at once: a group whose create was in flight may exist in Spot without a record; a re-run adopts it by name",
};

/// The cutover's: the nodes this run cordoned are uncordoned before it stops.
pub(super) const CUTOVER_MESSAGES: Messages = Messages {
    first: "interrupted: no new cordon, eviction or scale-down starts; uncordoning the nodes this run cordoned (press Ctrl-C again to stop at once)",
    second: "stopped at once: nodes this run cordoned may still be cordoned; spot-cutover.json lists them, and a re-run resumes (or uncordon them with kubectl uncordon)",
};

/// [`stop_on_signal`] with other messages.
pub(super) async fn stop_on_signal_saying(
    cancel: group_sync::CancellationToken,
    messages: &Messages,
) {
    let mut signals = match Signals::new() {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot watch for Ctrl-C: {e}");
            return;
        }
    };
    if !signals.next().await {
        return;
    }
    eprintln!("{}", messages.first);
    cancel.cancel();
    if signals.next().await {
        eprintln!("{}", messages.second);
        std::process::exit(INTERRUPTED.into());
    }
}

/// SIGINT (Ctrl-C) and, on Unix, SIGTERM.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?,
        })
    }

    /// Waits for the next signal; `false` when none can come.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                s = self.terminate.recv() => s.is_some(),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}

/// A run that failed after a signal: the error (it says what was done and what a re-run does)
/// printed as `main` prints errors, and the interrupted exit code.
pub(super) fn interrupted(err: &(dyn std::error::Error + 'static)) -> ExitCode {
    eprintln!("error: {}", importer::error_chain(err));
    ExitCode::from(INTERRUPTED)
}
