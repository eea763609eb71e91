//! `warmer config` (scaffold: its issue fills it in).

use std::process::ExitCode;

/// Arguments of `warmer config`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `warmer config`.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`warmer config` is not built yet")
}
