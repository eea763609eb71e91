//! `local-lambda`: run the local Lambda service (`serve`) or read its figures (`stats`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// A local AWS Lambda service: the Invoke API, a pool of sandboxes per function, the real
/// function binaries speaking the Runtime API.
#[derive(Debug, Parser)]
#[command(name = "local-lambda", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the Invoke API until Ctrl-C or SIGTERM.
    Serve(Box<cli::serve::Args>),
    /// Print the figures of a running service.
    Stats(cli::stats::Args),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cli::serve::run(*args).await,
        Command::Stats(args) => cli::stats::run(args).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("local-lambda: {e:#}");
            ExitCode::FAILURE
        }
    }
}
