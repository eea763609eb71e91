//! `local-lambda stats`: print a running service's figures as a table or JSON.

use std::process::ExitCode;

use anyhow::Context;
use local_lambda::ServiceStats;

/// Flags of `local-lambda stats`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service's endpoint URL.
    #[arg(
        long,
        env = "LOCAL_LAMBDA_ENDPOINT_URL",
        default_value = "http://127.0.0.1:9001"
    )]
    endpoint_url: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Fetches `GET /_local/stats` and prints it.
pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let url = format!("{}/_local/stats", args.endpoint_url.trim_end_matches('/'));
    let body = http_get(&url)
        .await
        .with_context(|| format!("reading {url} (is `local-lambda serve` running there?)"))?;
    let stats: ServiceStats =
        serde_json::from_slice(&body).with_context(|| format!("{url} did not return stats"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<24} {:>6} {:>6} {:>6} {:>11} {:>11} {:>6} {:>9} {:>9}",
        "FUNCTION",
        "LIVE",
        "IDLE",
        "BUSY",
        "COLD_STARTS",
        "INVOCATIONS",
        "PEAK",
        "ERRORS",
        "THROTTLES"
    );
    for f in &stats.functions {
        println!(
            "{:<24} {:>6} {:>6} {:>6} {:>11} {:>11} {:>6} {:>9} {:>9}",
            f.name,
            f.live,
            f.idle,
            f.busy,
            f.cold_starts,
            f.invocations,
            f.peak_concurrency,
            f.function_errors,
            f.throttles
        );
        if f.live_by_version.keys().any(|v| v != "$LATEST") {
            let versions: Vec<String> = f
                .live_by_version
                .iter()
                .map(|(version, n)| format!("{version}: {n}"))
                .collect();
            println!("{:<24} live by version: {}", "", versions.join(", "));
        }
    }
    println!(
        "concurrent executions {} of {}; queued events {}",
        stats.concurrent_executions, stats.account_concurrency, stats.queued_events
    );
    Ok(ExitCode::SUCCESS)
}

async fn http_get(url: &str) -> anyhow::Result<bytes::Bytes> {
    use http_body_util::BodyExt;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let response = client.get(url.parse()?).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    anyhow::ensure!(
        status.is_success(),
        "HTTP {status}: {}",
        String::from_utf8_lossy(&body)
    );
    Ok(body)
}
