//! `local-lambda serve`: start the service with functions from flags and/or a TOML file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use local_lambda::{ConfigFile, Faults, FunctionConfig, LocalLambda};

/// Flags of `local-lambda serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, env = "LOCAL_LAMBDA_PORT")]
    port: Option<u16>,
    /// A function as NAME=PATH (repeatable); settings apply to all flag-given functions.
    #[arg(long = "function", value_name = "NAME=PATH")]
    functions: Vec<String>,
    /// A TOML config file with service settings and `[functions.NAME]` tables.
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
    /// Timeout in seconds of flag-given functions.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Memory size in MB of flag-given functions.
    #[arg(long, value_name = "MB")]
    memory: Option<u32>,
    /// Reserved concurrency of flag-given functions.
    #[arg(long, value_name = "N")]
    reserved_concurrency: Option<u32>,
    /// Extra cold-start latency in milliseconds of flag-given functions.
    #[arg(long, value_name = "MS")]
    extra_cold_start_ms: Option<u64>,
    /// Environment variable KEY=VALUE of flag-given functions (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// An alias of flag-given functions pointing at a version, ALIAS=VERSION (repeatable):
    /// `--alias live=1` makes qualifiers `live` and `1` run version 1's own sandboxes.
    #[arg(long = "alias", value_name = "ALIAS=VERSION")]
    aliases: Vec<String>,
    /// Seed of the injected faults of flag-given functions (same seed, same faults).
    #[arg(long, value_name = "N")]
    fault_seed: Option<u64>,
    /// Share (0.0 to 1.0) of invokes answered 429 TooManyRequestsException with Retry-After.
    #[arg(long, value_name = "SHARE")]
    fault_throttle: Option<f64>,
    /// Retry-After seconds of injected 429s (default 1).
    #[arg(long, value_name = "SECS")]
    fault_retry_after: Option<u64>,
    /// Share of invokes answered 500 ServiceException.
    #[arg(long, value_name = "SHARE")]
    fault_service_error: Option<f64>,
    /// Share of invokes answered 502 Bad Gateway.
    #[arg(long, value_name = "SHARE")]
    fault_bad_gateway: Option<f64>,
    /// Share of invokes held --fault-delay-ms before dispatch.
    #[arg(long, value_name = "SHARE")]
    fault_delay: Option<f64>,
    /// How long a held invoke waits, in milliseconds.
    #[arg(long, value_name = "MS")]
    fault_delay_ms: Option<u64>,
    /// Directory for the log stream files.
    #[arg(long, value_name = "DIR")]
    logs_dir: Option<PathBuf>,
    /// Account concurrency limit.
    #[arg(long, value_name = "N")]
    account_concurrency: Option<u32>,
    /// Seconds an idle sandbox is kept.
    #[arg(long, value_name = "SECS")]
    idle_timeout: Option<u64>,
    /// Region in ARNs and AWS_REGION.
    #[arg(long)]
    region: Option<String>,
    /// New sandboxes each function may add per --scaling-window (Lambda: 1000; 0 turns the
    /// scaling limit off).
    #[arg(long, value_name = "N")]
    scaling_environments: Option<u32>,
    /// The scaling rate's window in seconds (Lambda: 10).
    #[arg(long, value_name = "SECS")]
    scaling_window: Option<u64>,
    /// Seconds before each retry of a failed Event invocation, comma-separated (Lambda:
    /// 60,120; an empty value turns retries off).
    #[arg(long, value_name = "SECS,SECS", value_delimiter = ',', num_args = 0..)]
    async_retry_delays: Option<Vec<u64>>,
    /// Seconds after which a queued Event invocation is dropped (Lambda: 21600).
    #[arg(long, value_name = "SECS")]
    max_event_age: Option<u64>,
    /// The most Event invocations waiting at once.
    #[arg(long, value_name = "N")]
    event_queue_limit: Option<usize>,
    /// The most payload bytes of Event invocations waiting at once (default 256 MiB).
    #[arg(long, value_name = "BYTES")]
    event_queue_bytes: Option<usize>,
}

/// Starts the service and serves until SIGINT (Ctrl-C) or SIGTERM, then prints the shutdown
/// report.
pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let file = match &args.config {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let mut builder = LocalLambda::builder();
    if let Some(port) = args.port.or(file.port) {
        builder = builder.port(port);
    }
    if let Some(dir) = args.logs_dir.clone().or(file.logs_dir.clone()) {
        builder = builder.logs_dir(dir);
    }
    if let Some(limit) = args.account_concurrency.or(file.account_concurrency) {
        builder = builder.account_concurrency(limit);
    }
    if let Some(secs) = args.idle_timeout.or(file.idle_timeout_secs) {
        builder = builder.idle_timeout(Duration::from_secs(secs));
    }
    if let Some(region) = args.region.clone().or(file.region.clone()) {
        builder = builder.region(region);
    }
    let scaling = ConfigFile {
        scaling_environments: args.scaling_environments.or(file.scaling_environments),
        scaling_window_secs: args.scaling_window.or(file.scaling_window_secs),
        ..ConfigFile::default()
    };
    builder = builder.scaling_rate(scaling.scaling_rate()?);
    if let Some(delays) = args
        .async_retry_delays
        .clone()
        .or(file.async_retry_delays_secs.clone())
    {
        builder = builder.async_retries(delays.into_iter().map(Duration::from_secs).collect());
    }
    if let Some(secs) = args.max_event_age.or(file.max_event_age_secs) {
        builder = builder.max_event_age(Duration::from_secs(secs));
    }
    if let Some(limit) = args.event_queue_limit.or(file.event_queue_limit) {
        builder = builder.event_queue_limit(limit);
    }
    if let Some(limit) = args.event_queue_bytes.or(file.event_queue_bytes) {
        builder = builder.event_queue_bytes(limit);
    }
    let mut functions = file.function_configs();
    functions.extend(flag_functions(&args)?);
    anyhow::ensure!(
        !functions.is_empty(),
        "no functions: give --function NAME=PATH or a --config file with [functions.NAME] tables"
    );
    let names: Vec<String> = functions.iter().map(|f| f.name().to_owned()).collect();
    for function in functions {
        builder = builder.function(function);
    }
    let lambda = builder.start().await?;
    println!("local-lambda listening on {}", lambda.endpoint_url());
    println!("functions: {}", names.join(", "));
    println!(
        "try: aws lambda invoke --endpoint-url {} --function-name {} --payload '{{}}' --cli-binary-format raw-in-base64-out out.json",
        lambda.endpoint_url(),
        names[0]
    );
    // SIGINT (Ctrl-C) and SIGTERM (what `kill`, systemd and container runtimes send) both
    // stop the service cleanly: every sandbox and what it started ends.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("listening for SIGTERM")?;
    tokio::select! {
        signal = tokio::signal::ctrl_c() => signal.context("waiting for Ctrl-C")?,
        _ = terminate.recv() => {}
    }
    let report = lambda.shutdown().await;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

fn flag_functions(args: &Args) -> anyhow::Result<Vec<FunctionConfig>> {
    let env: Vec<(String, String)> = args
        .env
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("--env {kv}: write it as KEY=VALUE"))
        })
        .collect::<anyhow::Result<_>>()?;
    let aliases: Vec<(&str, &str)> = args
        .aliases
        .iter()
        .map(|spec| {
            spec.split_once('=')
                .with_context(|| format!("--alias {spec}: write it as ALIAS=VERSION, e.g. live=1"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut faults = Faults::seeded(args.fault_seed.unwrap_or(0))
        .throttle(args.fault_throttle.unwrap_or(0.0))
        .service_error(args.fault_service_error.unwrap_or(0.0))
        .bad_gateway(args.fault_bad_gateway.unwrap_or(0.0))
        .delay(
            args.fault_delay.unwrap_or(0.0),
            Duration::from_millis(args.fault_delay_ms.unwrap_or(0)),
        );
    if let Some(secs) = args.fault_retry_after {
        faults = faults.retry_after(Duration::from_secs(secs));
    }
    args.functions
        .iter()
        .map(|spec| {
            let (name, path) = spec
                .split_once('=')
                .with_context(|| format!("--function {spec}: write it as NAME=PATH"))?;
            let mut config = FunctionConfig::new(name, path);
            for (k, v) in &env {
                config = config.env(k, v);
            }
            for (alias, version) in &aliases {
                config = config.alias(*alias, *version);
            }
            if let Some(secs) = args.timeout {
                config = config.timeout(Duration::from_secs(secs));
            }
            if let Some(mb) = args.memory {
                config = config.memory_mb(mb);
            }
            if let Some(n) = args.reserved_concurrency {
                config = config.reserved_concurrency(n);
            }
            if let Some(ms) = args.extra_cold_start_ms {
                config = config.extra_cold_start(Duration::from_millis(ms));
            }
            Ok(config.faults(faults.clone()))
        })
        .collect()
}
