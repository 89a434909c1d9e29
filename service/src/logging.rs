//! The process's log: `tracing` events on standard error, as text (coloured only when
//! standard error is a terminal and `NO_COLOR` is not set) or as JSON lines for log
//! collectors, each line with the fields of its spans (the request id).
//!
//! Log hygiene (docs and tests hold it): no patient or clinician identifier, and no
//! value from a request, in an event above DEBUG. Client errors are logged at INFO,
//! server faults at WARN or ERROR, both with their kind or code only; the full message
//! (which may echo ids) at DEBUG.

use std::io::IsTerminal;
use std::sync::OnceLock;

use tracing_subscriber::EnvFilter;

/// The environment variable that selects the format (also `--log-format`); the engine
/// sets it for its worker processes so that they log as their parent does.
pub const FORMAT_ENV: &str = "CLINICPLAN_LOG_FORMAT";

/// The filter when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,highs=error";

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line, with the span fields (request id) on every line.
    Json,
}

impl LogFormat {
    /// The value of `--log-format` / [`FORMAT_ENV`] for this format.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// The format this process logs in (text until [`init`] says otherwise).
pub fn format() -> LogFormat {
    FORMAT.get().copied().unwrap_or_default()
}

/// Whether text logs may be coloured: standard error is a terminal and `NO_COLOR`
/// (<https://no-color.org>) is unset or empty.
fn colour() -> bool {
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_colour && std::io::stderr().is_terminal()
}

/// Installs the process's subscriber: `RUST_LOG` (or `info,highs=error`) on standard
/// error, in `format`.
pub fn init(format: LogFormat) {
    let _ = FORMAT.set(format);
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder.with_ansi(colour()).init(),
        LogFormat::Json => builder
            .json()
            .with_ansi(false)
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
}
