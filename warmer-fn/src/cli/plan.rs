//! `warmer plan` (scaffold: its issue fills it in).

use std::process::ExitCode;

/// Arguments of `warmer plan`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `warmer plan`.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`warmer plan` is not built yet")
}
