//! The `clinicplan` command-line tool: `serve`, `plan-theatres`, `check`,
//! `generate-request`, `balance-appointments`, `generate-network`, `scenario run`
//! and `scenario validate` (one file per command group in `cli/`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,highs=error")),
        )
        .init();
    match cli::run(cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("clinicplan: {e:#}");
            ExitCode::from(2)
        }
    }
}
