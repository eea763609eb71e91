//! `warmer demo`: cold starts on a local function, the engine warming N environments, and the
//! same burst again without a single cold start.
//!
//! Everything runs on this machine: [`local_lambda`] serves the Lambda API in-process and
//! starts the demo function (the `warmer` binary itself, see [`function`]) in one sandbox
//! process per execution environment. The steps:
//! 1. a burst of N concurrent invokes on the cold function: N cold starts;
//! 2. the function's environments are reclaimed (as Lambda does after idle time), and the
//!    engine warms N environments;
//! 3. the same burst again: 0 cold starts.
//!
//! Responses are classified from the function's `x-warm-cold-start` header; local-lambda's own
//! count of cold starts is reported beside it as a cross-check.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use warmer_cli::demo::{DemoOptions, run};
//!
//! let report = run(&DemoOptions { n: 5, ..DemoOptions::default() }, std::future::pending()).await?;
//! assert_eq!((report.cold_before, report.cold_after), (5, 0));
//! # Ok(()) }
//! ```

pub mod function;

use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use local_lambda::{FunctionConfig, LocalLambda};
use serde::Serialize;

use crate::loadtest::report::{Report, percentile_row};
use crate::loadtest::runner::{Endpoint, LoadTest, progress_bar};
use warmer_fn::engine::{self, ClientOptions, RunOptions, RunReport};
use warmer_fn::target::Target;

/// The demo function's name in local-lambda.
pub const FUNCTION_NAME: &str = "warmer-demo";
/// Tags every sandbox process of one demo run (`WARMER_DEMO_RUN_ID=<id>`), so a leftover
/// process can be found.
pub const RUN_ID_ENV: &str = "WARMER_DEMO_RUN_ID";

/// The request of both bursts: an API Gateway HTTP API (v2) event, as API Gateway hands it to
/// a function.
pub const API_GATEWAY_REQUEST: &str = r#"{"version":"2.0","routeKey":"POST /orders","rawPath":"/orders","rawQueryString":"","headers":{"content-type":"application/json","user-agent":"warmer-demo"},"requestContext":{"accountId":"123456789012","apiId":"demo","domainName":"demo.execute-api.local","domainPrefix":"demo","http":{"method":"POST","path":"/orders","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"warmer-demo"},"requestId":"demo","routeKey":"POST /orders","stage":"$default","time":"26/Nov/2026:12:00:00 +0000","timeEpoch":1795694400000},"body":"{\"order\":42}","isBase64Encoded":false}"#;

/// What the demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Requests per burst, and environments warmed.
    pub n: u32,
    /// The function's init cost.
    pub init: Duration,
    /// Extra latency added to every cold start by local-lambda (stands for a VPC attachment).
    pub extra_cold_start: Duration,
    /// The function executable: the running `warmer` binary unless set.
    pub executable: Option<PathBuf>,
    /// Tags the sandbox processes of this run (see [`RUN_ID_ENV`]).
    pub run_id: String,
    /// Show progress bars on stderr.
    pub progress: bool,
}

impl Default for DemoOptions {
    /// N = 50, 250 ms init, no extra cold-start latency, a fresh run id.
    fn default() -> Self {
        Self {
            n: 50,
            init: Duration::from_millis(250),
            extra_cold_start: Duration::ZERO,
            executable: None,
            run_id: uuid::Uuid::new_v4().to_string(),
            progress: false,
        }
    }
}

/// Cold starts as counted by local-lambda itself, beside what the responses said.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SandboxCounts {
    /// Cold starts during the first burst.
    pub burst_before: u64,
    /// Cold starts during warming (the warmer pays them, not the users).
    pub warming: u64,
    /// Cold starts during the second burst.
    pub burst_after: u64,
}

/// Everything the demo found; serializes to `warmer demo --json`.
#[derive(Debug, Serialize)]
pub struct DemoReport {
    /// Requests per burst.
    pub n: u32,
    /// The function's init cost, in milliseconds.
    pub init_ms: u64,
    /// Extra cold-start latency, in milliseconds.
    pub extra_cold_start_ms: u64,
    /// Cold responses in the first burst (on the cold function).
    pub cold_before: u32,
    /// Cold responses in the second burst (after warming).
    pub cold_after: u32,
    /// The engine's report of the warm-up.
    pub warm_report: RunReport,
    /// The first burst.
    pub before: Report,
    /// The second burst.
    pub after: Report,
    /// Cold starts counted by local-lambda.
    pub sandbox_cold_starts: SandboxCounts,
    /// The run id the sandbox processes carried.
    pub run_id: String,
    /// Wall time of the whole demo, in milliseconds.
    pub elapsed_ms: u64,
}

impl DemoReport {
    /// Whether the demo showed what it claims: every request of the first burst cold, none of
    /// the second, and no errors.
    pub fn proves_it(&self) -> bool {
        self.cold_before == self.n
            && self.cold_after == 0
            && self.before.counts.errors == 0
            && self.after.counts.errors == 0
    }

    /// The two bursts side by side.
    pub fn side_by_side(&self) -> String {
        let mut out = String::new();
        let col = |r: &Report| {
            [
                r.counts.cold.to_string(),
                r.counts.warm.to_string(),
                r.counts.errors.to_string(),
            ]
        };
        let (b, a) = (col(&self.before), col(&self.after));
        let _ = writeln!(
            out,
            "{:<22} {:>16} {:>16}",
            "", "before warming", "after warming"
        );
        for (i, name) in ["cold starts", "warm", "errors"].iter().enumerate() {
            let _ = writeln!(out, "{:<22} {:>16} {:>16}", name, b[i], a[i]);
        }
        let p = |r: &Report| r.latency_ms.all;
        for (name, get) in [
            (
                "latency p50 (ms)",
                (|p: &crate::loadtest::report::Percentiles| p.p50) as fn(&_) -> f64,
            ),
            ("latency p90 (ms)", |p| p.p90),
            ("latency p99 (ms)", |p| p.p99),
            ("latency max (ms)", |p| p.max),
        ] {
            let cell = |r: &Report| p(r).map_or("-".to_owned(), |p| format!("{:.1}", get(&p)));
            let _ = writeln!(
                out,
                "{:<22} {:>16} {:>16}",
                name,
                cell(&self.before),
                cell(&self.after)
            );
        }
        let _ = writeln!(
            out,
            "{:<22} {:>16} {:>16}",
            "local-lambda cold starts",
            self.sandbox_cold_starts.burst_before,
            self.sandbox_cold_starts.burst_after
        );
        let _ = writeln!(out, "before: {}", self.before.methods_line());
        let _ = writeln!(out, "after:  {}", self.after.methods_line());
        out
    }

    /// Per-class percentile rows of both bursts (the long form of [`Self::side_by_side`]).
    pub fn per_class(&self) -> String {
        let mut out = crate::loadtest::report::percentile_header();
        out.push('\n');
        for (burst, r) in [("before", &self.before), ("after", &self.after)] {
            for (class, p) in [("cold", r.latency_ms.cold), ("warm", r.latency_ms.warm)] {
                out.push_str(&percentile_row(&format!("{burst} {class}"), p.as_ref()));
                out.push('\n');
            }
        }
        out
    }
}

/// One line per target of the engine's report: requested, reached, new, failed, throttled.
pub fn warm_summary(report: &RunReport) -> String {
    let lines: Vec<String> = report
        .targets
        .iter()
        .map(|t| {
            format!(
                "   {}: requested {}, reached {} ({} new), failed {}, throttled {}; delay {} ms, {} ms{}",
                t.function,
                t.requested,
                t.reached,
                t.new,
                t.failed,
                t.throttled,
                t.delay_ms,
                t.elapsed_ms,
                if t.ok { "" } else { " (not ok)" }
            )
        })
        .collect();
    lines.join("\n")
}

/// Progress of the demo, for a person watching.
pub trait Narrator {
    /// A step starts.
    fn step(&mut self, text: &str);
    /// The warm-up finished.
    fn warmed(&mut self, report: &RunReport);
}

/// Says nothing (for `--json`).
#[derive(Debug, Default)]
pub struct Quiet;

impl Narrator for Quiet {
    fn step(&mut self, _text: &str) {}
    fn warmed(&mut self, _report: &RunReport) {}
}

/// Why the demo stopped early.
#[derive(Debug, thiserror::Error)]
#[error("interrupted; every process the demo started has been stopped")]
pub struct Interrupted;

/// Runs the demo. If `interrupt` completes first (Ctrl-C), local-lambda and every sandbox
/// process are shut down and the error is [`Interrupted`].
pub async fn run(
    options: &DemoOptions,
    interrupt: impl Future<Output = ()>,
) -> anyhow::Result<DemoReport> {
    run_narrated(options, interrupt, &mut Quiet).await
}

/// [`run`], telling `narrator` about each step.
pub async fn run_narrated(
    options: &DemoOptions,
    interrupt: impl Future<Output = ()>,
    narrator: &mut dyn Narrator,
) -> anyhow::Result<DemoReport> {
    anyhow::ensure!(options.n >= 1, "-n must be at least 1");
    let mut service: Option<LocalLambda> = None;
    let outcome = tokio::select! {
        result = steps(options, &mut service, narrator) => result,
        () = interrupt => Err(Interrupted.into()),
    };
    if let Some(service) = service.take() {
        service.shutdown().await;
    }
    outcome
}

async fn steps(
    options: &DemoOptions,
    service: &mut Option<LocalLambda>,
    narrator: &mut dyn Narrator,
) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    let executable = match &options.executable {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("finding the warmer executable to run as the demo function")?,
    };

    narrator.step(&format!(
        "1. {} concurrent requests on a cold function",
        options.n
    ));
    let client = start(options, &executable, service).await?;
    let before = burst(options, &client).await;
    let burst_before = cold_starts(service)?;

    narrator.step(
        "   local-lambda restarted: those environments are gone, as Lambda reclaims idle ones",
    );
    if let Some(old) = service.take() {
        old.shutdown().await;
    }
    narrator.step(&format!("2. warming {} environments", options.n));
    let client = start(options, &executable, service).await?;
    let target = Target::new(FUNCTION_NAME, options.n);
    let warm_report = engine::warm(
        &client,
        std::slice::from_ref(&target),
        &RunOptions::default(),
    )
    .await;
    narrator.warmed(&warm_report);
    let warming = cold_starts(service)?;

    narrator.step(&format!(
        "3. the same {} concurrent requests again",
        options.n
    ));
    let after = burst(options, &client).await;
    let burst_after = cold_starts(service)? - warming;

    Ok(DemoReport {
        n: options.n,
        init_ms: options.init.as_millis() as u64,
        extra_cold_start_ms: options.extra_cold_start.as_millis() as u64,
        cold_before: before.counts.cold,
        cold_after: after.counts.cold,
        warm_report,
        before,
        after,
        sandbox_cold_starts: SandboxCounts {
            burst_before,
            warming,
            burst_after,
        },
        run_id: options.run_id.clone(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

async fn start(
    options: &DemoOptions,
    executable: &std::path::Path,
    service: &mut Option<LocalLambda>,
) -> anyhow::Result<aws_sdk_lambda::Client> {
    let function = FunctionConfig::new(FUNCTION_NAME, executable)
        .arg(function::SUBCOMMAND)
        .env(function::INIT_MS_ENV, options.init.as_millis().to_string())
        .env(RUN_ID_ENV, &options.run_id)
        .extra_cold_start(options.extra_cold_start);
    let started = LocalLambda::builder()
        .function(function)
        .start()
        .await
        .context("starting local-lambda")?;
    let endpoint_url = started.endpoint_url().to_string();
    *service = Some(started);
    let client = engine::client(&ClientOptions {
        endpoint_url: Some(endpoint_url),
        region: Some("us-east-1".to_owned()),
    })
    .await;
    Ok(client)
}

async fn burst(options: &DemoOptions, client: &aws_sdk_lambda::Client) -> Report {
    let test = LoadTest {
        endpoint: Endpoint::Lambda {
            client: client.clone(),
            function: FUNCTION_NAME.to_owned(),
        },
        concurrency: options.n,
        waves: 1,
        body: Bytes::from_static(API_GATEWAY_REQUEST.as_bytes()),
        threshold: options.init / 2,
        timeout: Duration::from_secs(30),
    };
    let progress = progress_bar(u64::from(options.n), options.progress);
    let report = test.run(&progress).await;
    progress.finish_and_clear();
    report
}

fn cold_starts(service: &Option<LocalLambda>) -> anyhow::Result<u64> {
    let service = service.as_ref().context("local-lambda is not running")?;
    let stats = service
        .function_stats(FUNCTION_NAME)
        .context("local-lambda does not know the demo function")?;
    Ok(stats.cold_starts)
}
