//! `warmer loadtest`: N concurrent requests per wave, K waves, each response counted cold or
//! warm; see [`crate::loadtest`].

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use clap::ArgGroup;

use crate::loadtest::chart::{self, Segment};
use crate::loadtest::report::Report;
use crate::loadtest::runner::{Endpoint, HttpEndpoint, LoadTest, progress_bar};

/// Arguments of `warmer loadtest`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("endpoint").required(true).args(["url", "function"])))]
pub struct Args {
    /// POST to this URL (http or https), e.g. an API Gateway stage or a function URL.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Invoke this Lambda function (name, ARN or name:qualifier) through the Lambda API.
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Lambda API endpoint, e.g. a local-lambda at http://127.0.0.1:9001 (with --function).
    #[arg(long, value_name = "URL", requires = "function")]
    pub endpoint_url: Option<String>,
    /// AWS region (with --function); default from the environment or profile.
    #[arg(long, value_name = "REGION", requires = "function")]
    pub region: Option<String>,
    /// Named profile of the shared AWS config and credentials files (with --function), as the
    /// AWS CLI's `--profile`; else AWS_PROFILE or `default`.
    #[arg(long, value_name = "NAME", requires = "function")]
    pub profile: Option<String>,
    /// Requests per wave, all started together.
    #[arg(long, short = 'c', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub concurrency: u32,
    /// Number of waves; each starts when the last has ended.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub waves: u32,
    /// Request body or invoke payload, read from this file (default: `{}`).
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Print the report as JSON on stdout (no progress bar).
    #[arg(long)]
    pub json: bool,
    /// Draw latency per request, cold and warm in colour, to FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Where no response header, `cold` field or log tail says cold or warm, a response this
    /// slow or slower counts as cold.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub threshold_ms: u64,
    /// Seconds one request may take before it counts as an error.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
}

/// Runs `warmer loadtest`: exit status 0 when every request got an answer, 1 otherwise.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.chart {
        chart::check_extension(path)?;
    }
    let body = match &args.body {
        Some(path) => Bytes::from(
            std::fs::read(path)
                .with_context(|| format!("--body {}: cannot read the file", path.display()))?,
        ),
        None => Bytes::from_static(b"{}"),
    };
    let endpoint = match (&args.url, &args.function) {
        (Some(url), _) => Endpoint::Http(Box::new(HttpEndpoint::new(url)?)),
        (None, Some(function)) => {
            if let Some(profile) = &args.profile {
                super::profile::check(profile)?;
            }
            let options = warmer_fn::engine::ClientOptions {
                endpoint_url: args.endpoint_url.clone(),
                region: args.region.clone(),
            };
            Endpoint::Lambda {
                client: warmer_fn::engine::client_with_profile(&options, args.profile.as_deref())
                    .await,
                function: function.clone(),
            }
        }
        (None, None) => anyhow::bail!("give --url URL or --function NAME"),
    };
    let test = LoadTest {
        endpoint,
        concurrency: args.concurrency,
        waves: args.waves,
        body,
        threshold: Duration::from_millis(args.threshold_ms),
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let progress = progress_bar(
        u64::from(args.concurrency) * u64::from(args.waves),
        !args.json && std::io::stderr().is_terminal(),
    );
    let report = test.run(&progress).await;
    progress.finish_and_clear();

    if let Some(path) = &args.chart {
        draw_chart(path, &report)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
        if let Some(path) = &args.chart {
            println!("chart: {}", path.display());
        }
    }
    Ok(if report.counts.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn draw_chart(path: &std::path::Path, report: &Report) -> anyhow::Result<()> {
    let labels: Vec<String> = (1..=report.waves).map(|w| format!("wave {w}")).collect();
    let segments: Vec<Segment<'_>> = report
        .samples
        .chunk_by(|a, b| a.wave == b.wave)
        .map(|samples| Segment {
            label: if report.waves > 1 {
                &labels[samples[0].wave as usize]
            } else {
                ""
            },
            samples,
        })
        .collect();
    let title = format!(
        "{}: {} cold, {} warm, {} errors",
        report.target, report.counts.cold, report.counts.warm, report.counts.errors
    );
    chart::draw(path, &title, &segments)
}
