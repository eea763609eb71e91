//! `warmer loadtest`: N concurrent requests per wave, K waves, each response counted cold or
//! warm; see [`crate::loadtest`].

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use clap::ArgGroup;

use crate::config::Config;
use crate::loadtest::chart::{self, Segment};
use crate::loadtest::replay::{Replay, Warming};
use crate::loadtest::report::Report;
use crate::loadtest::runner::{Endpoint, HttpEndpoint, LoadTest, progress_bar};
use crate::loadtest::trace::Trace;

/// Arguments of `warmer loadtest`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("endpoint").required(true).args(["url", "function"])))]
#[command(group(ArgGroup::new("traffic").required(true).args(["concurrency", "trace"])))]
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
    pub concurrency: Option<u32>,
    /// Send user traffic from a trace instead of waves: a CSV file (`minute,rps`) or a shipped
    /// shape (`steady`, `diurnal`, `bursty`). Needs --function.
    #[arg(
        long,
        value_name = "FILE|SHAPE",
        requires = "function",
        conflicts_with = "waves"
    )]
    pub trace: Option<String>,
    /// With --trace: how many times faster than the trace's own clock to replay it (rates stay
    /// requests per real second).
    #[arg(long, value_name = "X", default_value_t = 1.0, requires = "trace")]
    pub speed: f64,
    /// With --trace: run the warmer beside the traffic, holding N environments at every run.
    #[arg(long, value_name = "N", requires = "trace", conflicts_with = "warm_config",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub warm_n: Option<u32>,
    /// With --trace: run the warmer beside the traffic with the N this config's warmer (its
    /// profiles) gives at each run's trace time (trace time 0 is a Monday, 00:00 UTC).
    #[arg(long, value_name = "FILE", requires = "trace")]
    pub warm_config: Option<PathBuf>,
    /// With --warm-config: which warmer (default: the only one).
    #[arg(long, value_name = "NAME", requires = "warm_config")]
    pub warmer: Option<String>,
    /// With --trace and a warmer: trace minutes between warmer runs.
    #[arg(long, value_name = "MINUTES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1_440))]
    pub warm_every_minutes: u32,
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
    let Some(concurrency) = args.concurrency else {
        let Endpoint::Lambda { client, function } = endpoint else {
            anyhow::bail!(
                "--trace needs --function NAME (throttles and cold starts are read from the Lambda API)"
            );
        };
        return replay(&args, client, function, body).await;
    };
    let test = LoadTest {
        endpoint,
        concurrency,
        waves: args.waves,
        body,
        threshold: Duration::from_millis(args.threshold_ms),
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let progress = progress_bar(
        u64::from(concurrency) * u64::from(args.waves),
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

/// `--trace`: replays the trace with the warmer (if any) beside it and prints what it did.
async fn replay(
    args: &Args,
    client: aws_sdk_lambda::Client,
    function: String,
    body: Bytes,
) -> anyhow::Result<ExitCode> {
    let trace = Trace::load(args.trace.as_deref().unwrap_or_default())?;
    if !(args.speed.is_finite() && args.speed > 0.0) {
        anyhow::bail!(
            "--speed is {}: give a positive number, e.g. 288 to replay a day in 5 minutes",
            args.speed
        );
    }
    let every_minutes = args.warm_every_minutes;
    let warming = match (&args.warm_n, &args.warm_config) {
        (Some(n), _) => Warming::Fixed {
            n: *n,
            every_minutes,
        },
        (None, Some(path)) => {
            let config = Config::load(path)?;
            let warmer = match &args.warmer {
                Some(name) => config
                    .warmers
                    .iter()
                    .find(|w| &w.name == name)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "--warmer {name}: {} has no warmer of that name",
                            path.display()
                        )
                    })?,
                None if config.warmers.len() == 1 => &config.warmers[0],
                None => anyhow::bail!(
                    "{} has {} warmers: name one with --warmer",
                    path.display(),
                    config.warmers.len()
                ),
            };
            Warming::Schedule {
                warmer: Box::new(warmer.clone()),
                every_minutes,
            }
        }
        (None, None) => Warming::None,
    };
    let replay = Replay {
        client,
        function,
        trace,
        speed: args.speed,
        body,
        threshold: Duration::from_millis(args.threshold_ms),
        timeout: Duration::from_secs(args.timeout.max(1)),
        warming,
        run_options: warmer_fn::engine::RunOptions::default(),
    };
    let report = replay.run().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(if report.errors == 0 && report.throttled == 0 {
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
