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
        /// Print the result as one JSON object on standard output (`ok`, `diagnostics` with
        /// `severity`, `path`, `message`, `fix`, and the `schedules` it would create).
        #[arg(long, conflicts_with = "quiet")]
        json: bool,
    },
}

/// The result of `warmer config check --json`.
#[derive(Debug, serde::Serialize)]
struct CheckReport<'a> {
    file: String,
    ok: bool,
    /// Set when the file could not be read as TOML at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    parse_error: Option<String>,
    diagnostics: &'a [crate::config::Diagnostic],
    schedules: Vec<ScheduleLine>,
}

/// One schedule the config would create.
#[derive(Debug, serde::Serialize)]
struct ScheduleLine {
    warmer: String,
    name: String,
    window: String,
    expression: String,
    timezone: String,
    targets: Vec<TargetLine>,
    /// The shard size the deployed warmer uses in this window's runs.
    shard_size: u32,
    /// How many copies of the deployed warmer one run uses at once: the one Scheduler starts
    /// and one per shard (0 when the window warms nothing).
    warmer_copies: u32,
}

#[derive(Debug, serde::Serialize)]
struct TargetLine {
    function: String,
    concurrency: u32,
    /// `warm` (by this schedule's warm-ups) or `provision` (Provisioned Concurrency).
    strategy: warmer_fn::target::Strategy,
    /// How many shards (copies of the warmer) warm it; 0 when the run's first copy sends all
    /// its warm-ups.
    shards: u32,
}

/// Runs `warmer config`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ConfigCommand::Check {
            file,
            account_limit,
            quiet,
            json,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let mut config = match Config::from_toml_str(&text) {
                Ok(config) => config,
                Err(e) => {
                    if json {
                        let report = CheckReport {
                            file: file.display().to_string(),
                            ok: false,
                            parse_error: Some(e.to_string()),
                            diagnostics: &[],
                            schedules: Vec::new(),
                        };
                        println!("{}", serde_json::to_string_pretty(&report)?);
                    } else {
                        eprintln!("{}: {e}", file.display());
                    }
                    return Ok(ExitCode::from(1));
                }
            };
            if let Some(limit) = account_limit {
                config.account_concurrency_limit = limit;
            }
            let diagnostics = config.diagnostics();
            let ok = !diagnostics.has_errors();
            let mut schedules = Vec::new();
            if ok {
                for warmer in &config.warmers {
                    for s in warmer.schedules()? {
                        let targets = s
                            .targets
                            .iter()
                            .map(|t| TargetLine {
                                function: t.display_name(),
                                concurrency: t.concurrency,
                                strategy: t.strategy,
                                shards: s.target_shards(t),
                            })
                            .collect();
                        schedules.push(ScheduleLine {
                            warmer: warmer.name.clone(),
                            shard_size: s.effective_shard_size(),
                            warmer_copies: s.warmer_copies(),
                            name: s.name,
                            window: s.window,
                            expression: s.expression,
                            timezone: s.timezone,
                            targets,
                        });
                    }
                }
            }
            if json {
                let report = CheckReport {
                    file: file.display().to_string(),
                    ok,
                    parse_error: None,
                    diagnostics: &diagnostics.0,
                    schedules,
                };
                println!("{}", serde_json::to_string_pretty(&report)?);
                return Ok(if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                });
            }
            for d in &diagnostics.0 {
                eprintln!("{}: {d}", file.display());
            }
            if !ok {
                let errors = diagnostics.errors().count();
                eprintln!(
                    "{}: {errors} error(s); fix them and check again",
                    file.display()
                );
                return Ok(ExitCode::from(1));
            }
            if !quiet {
                println!("{}: ok", file.display());
                for s in &schedules {
                    let n: Vec<String> = s
                        .targets
                        .iter()
                        .map(|t| match t.strategy {
                            warmer_fn::target::Strategy::Warm if t.shards > 0 => format!(
                                "{}={} ({} shards of at most {})",
                                t.function, t.concurrency, t.shards, s.shard_size
                            ),
                            warmer_fn::target::Strategy::Warm => {
                                format!("{}={}", t.function, t.concurrency)
                            }
                            warmer_fn::target::Strategy::Provision => {
                                format!("{}={} (provisioned)", t.function, t.concurrency)
                            }
                        })
                        .collect();
                    println!(
                        "  {} / {:<12} {:<28} {} ({}) -> {}",
                        s.warmer,
                        s.name,
                        s.window,
                        s.expression,
                        s.timezone,
                        n.join(", ")
                    );
                    if s.warmer_copies > 1 {
                        println!(
                            "    sharded: each run uses {} copies of the warmer at once (the one Scheduler starts, and {} it invokes, one per shard)",
                            s.warmer_copies,
                            s.warmer_copies - 1
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
