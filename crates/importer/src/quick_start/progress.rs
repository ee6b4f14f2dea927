//! The quick start's progress as events, one at a time (as the cutover's
//! [`cutover::ProgressEvent`]): which step starts, is skipped or ends, its status updates, and
//! lines of their own (notes, aks-engine's output). The binary draws them (a spinner, plain lines,
//! or nothing); this crate never writes to the terminal.

use std::fmt;

/// Something that happened in the quick start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// How many steps this run has; reported first.
    Steps(usize),
    /// The next step begins.
    StepStarted(String),
    /// The next step needs no work this time (e.g. finished by an earlier run).
    StepSkipped {
        /// The step's title.
        title: String,
        /// Why.
        why: String,
    },
    /// A status update of the running step.
    Status(String),
    /// The running step's cutover did something.
    Cutover(cutover::ProgressEvent),
    /// A note of its own, for the user to read.
    Note(String),
    /// A line aks-engine printed.
    AksEngine(String),
    /// The running step ended successfully, with this result.
    StepFinished(String),
}

impl fmt::Display for ProgressEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgressEvent::Steps(n) => write!(f, "{n} steps"),
            ProgressEvent::StepStarted(title) => write!(f, "{title} ..."),
            ProgressEvent::StepSkipped { title, why } => write!(f, "{title}: skipped ({why})"),
            ProgressEvent::Status(s) | ProgressEvent::StepFinished(s) => f.write_str(s),
            ProgressEvent::Cutover(e) => write!(f, "{e}"),
            ProgressEvent::Note(s) => write!(f, "note: {s}"),
            ProgressEvent::AksEngine(line) => write!(f, "aks-engine | {line}"),
        }
    }
}

/// Receives the quick start's progress events.
pub trait Progress: Send {
    /// One event.
    fn report(&mut self, event: &ProgressEvent);
}

impl<F: FnMut(&ProgressEvent) + Send> Progress for F {
    fn report(&mut self, event: &ProgressEvent) {
        self(event)
    }
}

/// Short forms for the steps' reports.
impl dyn Progress + '_ {
    pub(super) fn start(&mut self, title: &str) {
        self.report(&ProgressEvent::StepStarted(title.to_owned()));
    }

    pub(super) fn skip(&mut self, title: &str, why: &str) {
        self.report(&ProgressEvent::StepSkipped {
            title: title.to_owned(),
            why: why.to_owned(),
        });
    }

    pub(super) fn status(&mut self, message: String) {
        self.report(&ProgressEvent::Status(message));
    }

    pub(super) fn finish(&mut self, result: &str) {
        self.report(&ProgressEvent::StepFinished(result.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closure_receives_the_events_in_order() {
        let mut seen = Vec::new();
        {
            let mut sink = |e: &ProgressEvent| seen.push(e.to_string());
            let p: &mut dyn Progress = &mut sink;
            p.report(&ProgressEvent::Steps(2));
            p.skip("Deploying the cluster", "done by an earlier run");
            p.start("Importing the agent pools");
            p.status("creating agentpool1".into());
            p.report(&ProgressEvent::AksEngine("INFO hello".into()));
            p.report(&ProgressEvent::Note("resuming".into()));
            p.finish("1 group");
        }
        assert_eq!(
            seen,
            [
                "2 steps",
                "Deploying the cluster: skipped (done by an earlier run)",
                "Importing the agent pools ...",
                "creating agentpool1",
                "aks-engine | INFO hello",
                "note: resuming",
                "1 group",
            ]
        );
    }
}
