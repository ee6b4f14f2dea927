//! How `create-simple` draws the quick start's [`ProgressEvent`]s on stderr: which step runs
//! and for how long. A spinner when stderr is a terminal, plain lines otherwise (CI logs,
//! `docker run` without `-t`), nothing with `-q`. Streamed child output (`aks-engine | ...`)
//! comes as events too, so it never tears the spinner.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use importer::quick_start::{Progress, ProgressEvent};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::duration::format_elapsed;

enum Sink {
    Spinner(ProgressBar),
    Plain(Box<dyn Write + Send>),
    Quiet,
}

struct Current {
    number: usize,
    title: String,
    started: Instant,
}

/// Draws steps `[n/N] title`, their status updates and their end.
pub struct StepLines {
    sink: Sink,
    total: usize,
    next: usize,
    current: Option<Current>,
}

impl StepLines {
    /// On stderr: a spinner on a terminal, plain lines elsewhere, nothing when `quiet`.
    pub fn for_stderr(quiet: bool) -> Self {
        if quiet {
            Self::quiet()
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            Self::with_sink(Sink::Spinner(bar))
        } else {
            Self::plain(Box::new(std::io::stderr()))
        }
    }

    /// Plain lines on `out` (tests, logs).
    pub fn plain(out: Box<dyn Write + Send>) -> Self {
        Self::with_sink(Sink::Plain(out))
    }

    /// Prints nothing.
    pub fn quiet() -> Self {
        Self::with_sink(Sink::Quiet)
    }

    fn with_sink(sink: Sink) -> Self {
        Self {
            sink,
            total: 0,
            next: 1,
            current: None,
        }
    }

    /// How many steps this run has.
    fn set_total(&mut self, total: usize) {
        self.total = total;
    }

    fn label(&self, number: usize) -> String {
        format!("[{number}/{}]", self.total.max(number))
    }

    fn emit(&mut self, text: &str) {
        match &mut self.sink {
            Sink::Spinner(bar) => bar.println(text),
            Sink::Plain(out) => {
                // Progress output is best effort: a closed stderr must not fail the run.
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            Sink::Quiet => {}
        }
    }

    /// Starts the next step.
    fn start(&mut self, title: &str) {
        let number = self.next;
        self.next += 1;
        let label = self.label(number);
        match &self.sink {
            Sink::Spinner(bar) => {
                bar.reset_elapsed();
                bar.set_prefix(label);
                bar.set_message(title.to_owned());
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            _ => self.emit(&format!("{label} {title} ...")),
        }
        self.current = Some(Current {
            number,
            title: title.to_owned(),
            started: Instant::now(),
        });
    }

    /// Counts a step that needs no work this time (e.g. finished by an earlier run).
    fn skip(&mut self, title: &str, why: &str) {
        let number = self.next;
        self.next += 1;
        let label = self.label(number);
        self.emit(&format!("{label} {title}: skipped ({why})"));
    }

    /// A status update of the running step (with its elapsed time).
    fn status(&mut self, message: &str) {
        let Some(cur) = &self.current else {
            self.emit(message);
            return;
        };
        let text = format!(
            "{}: {message} ({})",
            cur.title,
            format_elapsed(cur.started.elapsed())
        );
        let label = self.label(cur.number);
        match &self.sink {
            Sink::Spinner(bar) => bar.set_message(text),
            _ => self.emit(&format!("{label} {text}")),
        }
    }

    /// A line of its own (streamed child output, a note).
    fn line(&mut self, text: &str) {
        self.emit(text);
    }

    /// Ends the running step successfully.
    fn finish(&mut self, result: &str) {
        let Some(cur) = self.current.take() else {
            return;
        };
        if let Sink::Spinner(bar) = &self.sink {
            bar.disable_steady_tick();
            bar.set_message(String::new());
            bar.set_prefix(String::new());
        }
        let label = self.label(cur.number);
        self.emit(&format!(
            "{label} {}: {result} in {}",
            cur.title,
            format_elapsed(cur.started.elapsed())
        ));
    }

    /// Stops the spinner (before an error or the summary is printed).
    pub fn clear(&mut self) {
        if let Sink::Spinner(bar) = &self.sink {
            bar.finish_and_clear();
        }
        self.current = None;
    }
}

impl Progress for StepLines {
    fn report(&mut self, event: &ProgressEvent) {
        match event {
            ProgressEvent::Steps(n) => self.set_total(*n),
            ProgressEvent::StepStarted(title) => self.start(title),
            ProgressEvent::StepSkipped { title, why } => self.skip(title, why),
            ProgressEvent::Status(message) => self.status(message),
            ProgressEvent::Cutover(e) => self.status(&e.to_string()),
            ProgressEvent::Note(_) | ProgressEvent::AksEngine(_) => self.line(&event.to_string()),
            ProgressEvent::StepFinished(result) => self.finish(result),
        }
    }
}

impl Drop for StepLines {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer tests can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_lines_number_steps_and_show_elapsed_time() {
        let out = Captured::default();
        let mut p = StepLines::plain(Box::new(out.clone()));
        for event in [
            ProgressEvent::Steps(3),
            ProgressEvent::StepSkipped {
                title: "Deploying the cluster".into(),
                why: "done by an earlier run".into(),
            },
            ProgressEvent::StepStarted("Importing the agent pools".into()),
            ProgressEvent::Status("creating agentpool1".into()),
            ProgressEvent::AksEngine("INFO[0001] hello".into()),
            ProgressEvent::Note("resuming".into()),
            ProgressEvent::StepFinished("1 group".into()),
        ] {
            p.report(&event);
        }
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "[1/3] Deploying the cluster: skipped (done by an earlier run)",
                "[2/3] Importing the agent pools ...",
                "[2/3] Importing the agent pools: creating agentpool1 (0s)",
                "aks-engine | INFO[0001] hello",
                "note: resuming",
                "[2/3] Importing the agent pools: 1 group in 0s",
            ]
        );
    }

    #[test]
    fn quiet_prints_nothing_and_does_not_panic() {
        let mut p = StepLines::quiet();
        p.report(&ProgressEvent::StepStarted("x".into()));
        p.report(&ProgressEvent::Status("y".into()));
        p.report(&ProgressEvent::StepFinished("z".into()));
        p.clear();
    }
}
