//! The `warmer` command: one subcommand a file.

use clap::{Parser, Subcommand};

pub mod config;
pub mod cost;
#[cfg(feature = "demo")]
pub mod demo;
pub mod loadtest;
pub mod open_files;
pub mod plan;
pub mod profile;
pub mod render;
pub mod warm;

/// Keep AWS Lambda functions warm, and prove it.
#[derive(Debug, Parser)]
#[command(name = "warmer", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `warmer`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Warm N environments of one function now and report how many were reached.
    Warm(warm::Args),
    /// Fire N concurrent requests in waves and count cold and warm responses.
    Loadtest(loadtest::Args),
    /// Show cold starts on a local function, warm it, and show them gone.
    #[cfg(feature = "demo")]
    Demo(demo::Args),
    /// Check a warmer.toml.
    Config(config::Args),
    /// Render the deployment template (SAM, CloudFormation, Terraform or CDK) for a warmer.toml.
    Render(render::Args),
    /// Monthly cost of a warmer.toml beside Provisioned Concurrency.
    Cost(cost::Args),
    /// Propose concurrency profiles from ConcurrentExecutions history.
    Plan(plan::Args),
    /// Run as `warmer demo`'s function (started by local-lambda inside the demo).
    #[cfg(feature = "demo")]
    #[command(name = "__demo-function", hide = true)]
    DemoFunction,
}

/// Runs the parsed command; the returned code is the process exit status.
pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Warm(args) => warm::run(args).await,
        Command::Loadtest(args) => loadtest::run(args).await,
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(args).await,
        Command::Config(args) => config::run(args).await,
        Command::Render(args) => render::run(args).await,
        Command::Cost(args) => cost::run(args).await,
        Command::Plan(args) => plan::run(args).await,
        #[cfg(feature = "demo")]
        Command::DemoFunction => crate::demo::function::serve().await,
    }
}
