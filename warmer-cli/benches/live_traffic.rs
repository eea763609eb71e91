//! Live-traffic benchmark: user traffic from the shipped traces (steady, diurnal, bursty) on a
//! compressed clock against local-lambda, with warming strategies side by side in one run:
//! no warmer, the classic warmer (N-1 Event + 1 sync, fixed 75 ms), `warmer` with the hold
//! it had before it was learnt ([`AutoDelay::before_learning`]: the prior, `100 ms + N × 6 ms`,
//! every run), `warmer` with defaults and no memory (as `warmer warm`: every run learns its
//! hold from a probe round), `warmer` with defaults and an [`ArrivalMemory`] kept across its
//! runs (as the warmer Lambda keeps one; the same N at every run), `warmer` with the
//! profiles `warmer plan` proposes from the trace's own concurrency (with memory; left out
//! with `WARM_BENCH_PLANNED=0`), and `warmer` on autopilot (the default rule, with memory; N
//! from the last 15, or 60, minutes of the trace's concurrency at every run). Prints one table:
//! per shape and strategy, user cold starts, user p50 and p99, user requests throttled, warm-up
//! invocations and environment-seconds held.
//!
//! The function is the demo function (`warmer __demo-function`: `lambda_http` with
//! `WarmLayer`), its init and per-request work set by `WARM_BENCH_INIT_MS` (default 250) and
//! `WARM_BENCH_WORK_MS` (default 200). local-lambda's idle reclaim (10 minutes by default)
//! is scaled to the same clock. Every strategy gets a fresh local-lambda.
//!
//! `cargo bench -p warmer-cli --bench live_traffic` (release). Settings: `WARM_BENCH_SPEED` (default 288: a day in 5 minutes), `WARM_BENCH_SHAPES`
//! (comma-separated, default all), `WARM_BENCH_STRATEGIES` (comma-separated among none,
//! classic, fixed, planned, auto; default all), `WARM_BENCH_EVERY` (trace minutes between
//! warmer runs, default 5).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use warmer_cli::loadtest::replay::{Replay, ReplayReport, TRACE_EPOCH, Warming};
use warmer_cli::loadtest::trace::{SHAPES, Trace};
use warmer_cli::plan::{PlanOptions, Sample, propose};
use warmer_fn::autopilot::AutoRule;
use warmer_fn::engine::{ArrivalMemory, AutoDelay, RunOptions};

const FUNCTION: &str = "live";

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `ConcurrentExecutions` history this trace makes (rate × duration, per minute), as if
/// it had run every day of a week: what `warmer plan` would read.
fn history(trace: &Trace, work: Duration) -> Vec<Sample> {
    let epoch: chrono::DateTime<chrono::Utc> = TRACE_EPOCH.parse().expect("valid epoch");
    (0..7 * 24 * 60)
        .map(|minute| Sample {
            at: epoch + chrono::Duration::minutes(minute as i64),
            value: trace.rps_at_minute(minute % trace.minutes()) * work.as_secs_f64(),
        })
        .collect()
}

/// The engine's options for a row: the hold before it was learnt, or the defaults with or
/// without a memory of the previous runs.
#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Before,
    Learnt,
    Remembered,
}

impl Engine {
    fn options(self) -> RunOptions {
        match self {
            Engine::Before => RunOptions {
                auto_delay: AutoDelay::before_learning(),
                ..RunOptions::default()
            },
            Engine::Learnt => RunOptions::default(),
            Engine::Remembered => RunOptions {
                memory: Some(Arc::new(ArrivalMemory::default())),
                ..RunOptions::default()
            },
        }
    }

    fn label(self) -> &'static str {
        match self {
            Engine::Before => " (before: prior hold)",
            Engine::Learnt => " (learnt, no memory)",
            Engine::Remembered => " (learnt, with memory)",
        }
    }
}

async fn run_one(
    trace: &Trace,
    warming: Warming,
    engine: Engine,
    speed: f64,
    init_ms: u64,
    work_ms: u64,
) -> ReplayReport {
    let function = local_lambda::FunctionConfig::new(FUNCTION, env!("CARGO_BIN_EXE_warmer"))
        .arg(warmer_cli::demo::function::SUBCOMMAND)
        .env(warmer_cli::demo::function::INIT_MS_ENV, init_ms.to_string())
        .env(warmer_cli::demo::function::WORK_MS_ENV, work_ms.to_string())
        .timeout(Duration::from_secs(30));
    let service = local_lambda::LocalLambda::builder()
        .function(function)
        .idle_timeout(Duration::from_secs_f64(600.0 / speed))
        .start()
        .await
        .expect("local-lambda starts");
    let client = warmer_fn::engine::client(&warmer_fn::engine::ClientOptions {
        endpoint_url: Some(service.endpoint_url().to_string()),
        region: Some("us-east-1".into()),
    })
    .await;
    let replay = Replay {
        client,
        function: FUNCTION.into(),
        trace: trace.clone(),
        speed,
        body: Bytes::from_static(warmer_cli::demo::API_GATEWAY_REQUEST.as_bytes()),
        threshold: Duration::from_millis(init_ms.max(1)),
        timeout: Duration::from_secs(30),
        warming,
        run_options: engine.options(),
    };
    let report = replay.run().await;
    service.shutdown().await;
    report
}

/// Autopilot with the default rule (min 1, max 100, 20 % headroom) but its window, reading
/// the trace's own concurrency.
fn autopilot(trace: &Trace, work: Duration, every: u32, window: u32) -> Warming {
    Warming::Autopilot {
        rule: AutoRule {
            window_minutes: window,
            every_minutes: every,
            ..AutoRule::default()
        },
        history: (0..trace.minutes())
            .map(|m| trace.rps_at_minute(m) * work.as_secs_f64())
            .collect(),
        every_minutes: every,
    }
}

/// The word `WARM_BENCH_STRATEGIES` names a strategy by.
fn key(warming: &Warming) -> String {
    match warming {
        Warming::None => "none",
        Warming::Classic { .. } => "classic",
        Warming::Fixed { .. } => "fixed",
        Warming::Schedule { .. } => "planned",
        Warming::Autopilot { .. } => "auto",
    }
    .to_owned()
}

#[tokio::main]
async fn main() {
    let speed: f64 = env_or("WARM_BENCH_SPEED", 288.0);
    let init_ms: u64 = env_or("WARM_BENCH_INIT_MS", 250);
    let work_ms: u64 = env_or("WARM_BENCH_WORK_MS", 200);
    let every: u32 = env_or("WARM_BENCH_EVERY", 5);
    let shapes: Vec<String> = std::env::var("WARM_BENCH_SHAPES")
        .map(|s| s.split(',').map(str::trim).map(String::from).collect())
        .unwrap_or_else(|_| SHAPES.iter().map(|s| (*s).to_owned()).collect());
    let strategies_wanted: Option<Vec<String>> = std::env::var("WARM_BENCH_STRATEGIES")
        .ok()
        .map(|s| s.split(',').map(str::trim).map(String::from).collect());
    let work = Duration::from_millis(work_ms);
    println!(
        "live traffic at {speed}x (a day in {:.1} min), init {init_ms} ms, work {work_ms} ms, \
         warmer every {every} trace-minutes, idle reclaim {:.2} s",
        24.0 * 60.0 / speed,
        600.0 / speed
    );
    println!(
        "| shape | strategy | user requests | cold | cold % | p50 ms | p99 ms | throttled | errors | warm-up invocations | env-s held |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for shape in &shapes {
        let trace = Trace::load(shape).expect("a shipped shape or a trace file");
        let proposal = propose(&history(&trace, work), &PlanOptions::default());
        let peak = proposal.hourly.iter().flatten().copied().max().unwrap_or(1);
        let planned = proposal.warmer("live", FUNCTION, "rate(5 minutes)", "UTC");
        let fixed = Warming::Fixed {
            n: peak,
            every_minutes: every,
        };
        let mut strategies = vec![
            (Warming::None, None),
            (
                Warming::Classic {
                    n: peak,
                    every_minutes: every,
                    delay_ms: 75,
                },
                None,
            ),
            (fixed.clone(), Some(Engine::Before)),
            (fixed.clone(), Some(Engine::Learnt)),
            (fixed, Some(Engine::Remembered)),
        ];
        if env_or("WARM_BENCH_PLANNED", 1) != 0 {
            let planned = Warming::Schedule {
                warmer: Box::new(planned),
                every_minutes: every,
            };
            strategies.push((planned, Some(Engine::Remembered)));
        }
        for window in [15, 60] {
            let auto = autopilot(&trace, work, every, window);
            strategies.push((auto, Some(Engine::Remembered)));
        }
        let chosen = strategies.into_iter().filter(|(w, _)| {
            strategies_wanted
                .as_ref()
                .is_none_or(|keys| keys.contains(&key(w)))
        });
        for (warming, engine) in chosen {
            let options = engine.unwrap_or(Engine::Learnt);
            let r = run_one(&trace, warming, options, speed, init_ms, work_ms).await;
            let label = format!("{}{}", r.strategy, engine.map_or("", Engine::label));
            let (p50, p99) = r.latency.as_ref().map_or((0.0, 0.0), |p| (p.p50, p.p99));
            println!(
                "| {} | {} | {} | {} | {:.1} | {p50:.1} | {p99:.1} | {} | {} | {} | {:.1} |",
                r.trace,
                label,
                r.requests,
                r.cold,
                100.0 * f64::from(r.cold) / f64::from(r.requests.max(1)),
                r.throttled,
                r.errors,
                r.warmup_invocations,
                r.env_seconds_held
            );
        }
    }
}
