//! The `clinicplan` command-line tool: `serve`, `plan-theatres`, `check`,
//! `generate-request`, `balance-appointments`, `generate-network`, `scenario run`
//! and `scenario validate` (one file per command group in `cli/`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    clinicplan_service::logging::init(cli.log_format);
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("clinicplan: {e:#}");
            ExitCode::from(2)
        }
    }
}
