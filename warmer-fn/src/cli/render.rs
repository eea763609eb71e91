//! `warmer render` (scaffold: its issue fills it in).

use std::process::ExitCode;

/// Arguments of `warmer render`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `warmer render`.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`warmer render` is not built yet")
}
