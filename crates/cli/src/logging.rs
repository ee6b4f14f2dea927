//! Logs go to stderr; stdout carries only results. `-v` shows steps, `-vv` HTTP calls.
//! Lines read like a compiler's: `warning: ...`, plain text for progress at `-v`.

use std::fmt;
use std::io::IsTerminal;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_env("SPOTINST_AKS_ENGINE_LOG").unwrap_or_else(|_| {
        // Our crates at the chosen level; dependencies stay quiet unless -vvv.
        let deps = if verbose >= 3 { "debug" } else { "warn" };
        let ours = [
            "spotinst_aks_engine",
            "importer",
            "aks_engine",
            "arm_template",
            "elastigroup",
            "spot_api",
            "group_sync",
            "azure_arm",
            "spot_controller",
            "node_agent",
        ];
        let mut directives: Vec<String> = ours.iter().map(|c| format!("{c}={level}")).collect();
        // kube's client logs each failed request as an error of its own ("failed with error
        // ..."); the command's error says it once, with what was being done.
        if verbose < 3 {
            directives.push("kube_client=off".to_owned());
        }
        EnvFilter::new(format!("{deps},{}", directives.join(",")))
    });
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .event_format(Plain { color })
        .try_init();
}

/// `warning: message`, `error: message`, or the bare message for progress.
struct Plain {
    color: bool,
}

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let (label, ansi) = match *event.metadata().level() {
            Level::ERROR => ("error: ", "\x1b[1;31m"),
            Level::WARN => ("warning: ", "\x1b[1;33m"),
            Level::INFO => ("", ""),
            Level::DEBUG => ("debug: ", "\x1b[2m"),
            Level::TRACE => ("trace: ", "\x1b[2m"),
        };
        if self.color && !label.is_empty() {
            write!(writer, "{ansi}{label}\x1b[0m")?;
        } else {
            write!(writer, "{label}")?;
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
