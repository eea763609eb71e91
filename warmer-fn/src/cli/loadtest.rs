//! `warmer loadtest` (scaffold: its issue fills it in).

use std::process::ExitCode;

/// Arguments of `warmer loadtest`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `warmer loadtest`.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`warmer loadtest` is not built yet")
}
