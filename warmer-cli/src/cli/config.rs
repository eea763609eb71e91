//! `warmer config check FILE`: validate a `warmer.toml`, naming each field and its fix.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;

/// Arguments of `warmer config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with the config.
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// Subcommands of `warmer config`.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Check a warmer.toml: exit 0 when it can be deployed, 1 with every error otherwise.
    Check {
        /// The warmer.toml to check.
        file: PathBuf,
        /// Override `account_concurrency_limit` from the file.
        #[arg(long)]
        account_limit: Option<u32>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Runs `warmer config`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ConfigCommand::Check {
            file,
            account_limit,
            quiet,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let mut config = match Config::from_toml_str(&text) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return Ok(ExitCode::from(1));
                }
            };
            if let Some(limit) = account_limit {
                config.account_concurrency_limit = limit;
            }
            let diagnostics = config.diagnostics();
            for d in &diagnostics.0 {
                eprintln!("{}: {d}", file.display());
            }
            if diagnostics.has_errors() {
                let errors = diagnostics.errors().count();
                eprintln!(
                    "{}: {errors} error(s); fix them and check again",
                    file.display()
                );
                return Ok(ExitCode::from(1));
            }
            if !quiet {
                println!("{}: ok", file.display());
                for warmer in &config.warmers {
                    for s in warmer.schedules()? {
                        let n: Vec<String> = s
                            .targets
                            .iter()
                            .map(|t| format!("{}={}", t.display_name(), t.concurrency))
                            .collect();
                        println!(
                            "  {} / {:<12} {:<28} {} ({}) -> {}",
                            warmer.name,
                            s.name,
                            s.window,
                            s.expression,
                            s.timezone,
                            n.join(", ")
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
