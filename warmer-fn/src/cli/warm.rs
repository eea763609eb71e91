//! `warmer warm` (scaffold: its issue fills it in).

use std::process::ExitCode;

/// Arguments of `warmer warm`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `warmer warm`.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`warmer warm` is not built yet")
}
