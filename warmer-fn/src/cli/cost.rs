//! `warmer cost` (scaffold: its issue fills it in).

use std::process::ExitCode;

/// Arguments of `warmer cost`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `warmer cost`.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`warmer cost` is not built yet")
}
