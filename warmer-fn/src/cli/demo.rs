//! `warmer demo` (scaffold: its issue fills it in).

use std::process::ExitCode;

/// Arguments of `warmer demo`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `warmer demo`.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`warmer demo` is not built yet")
}
