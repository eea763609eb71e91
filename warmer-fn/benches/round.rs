//! Coverage in one round: the engine's default settings against the classic warmer, checked
//! by an independent prober, on `local-lambda` running `example-typed`.
//!
//! For each N and each run, three times (once per warmer), on a fresh local-lambda (no
//! environment yet, so every warm-up must start one):
//!
//! 1. warm N environments, with the engine's defaults (`auto` hold learnt from a probe round of
//!    half the N, `verify` mode, one top-up round allowed), with the engine as it was before
//!    the hold was learnt ([`AutoDelay::before_learning`]: the prior, `100 ms + N × 6 ms`), or
//!    as the classic warmer does (N-1 `Event` invokes and one synchronous one, each holding a
//!    fixed 75 ms: jeremydaly/lambda-warmer's shape, sent by the engine's `event` mode);
//! 2. wait until no invocation is running, then probe: N concurrent warm-ups that each hold
//!    long enough to overlap all the others; a probe answered `cold: false` found a warm
//!    environment, one answered `cold: true` (or refused) found none.
//!
//! Printed per run (stderr) and summed per N and warmer (stdout, a Markdown table): warm after
//! (probes that found a warm environment), what the first round reached, rounds, warm-ups sent
//! per environment warm after, environment-seconds held (the sum of the holds the answers
//! report, the learning probe round's included; the classic warmer's `Event` warm-ups do not
//! answer and hold 75 ms each by the protocol, so its figure is computed: N x 75 ms) and its
//! ratio to the engine before, the hold of the first round (its main round after a probe) and
//! the time from that round's start to the last environment receiving its warm-up.
//!
//! ```text
//! cargo bench --workspace --bench round                               # N = 10, 100, 500, 1000; 10 runs
//! WARM_BENCH_N=500,1000 WARM_BENCH_RUNS=3 cargo bench --workspace --bench round
//! ```
//!
//! `WARM_BENCH_FUNCTION=target/release/example-typed` uses that binary instead of building
//! every binary and test of the workspace first.

use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use warm_sdk::protocol::{WarmupRequest, WarmupResponse};
use warmer_fn::engine::{AutoDelay, ClientOptions, RunOptions, TargetReport, client, warm};
use warmer_fn::target::{Delay, Mode, Target};

const FUNCTION: &str = "typed";

/// The classic warmer's hold, in milliseconds.
const CLASSIC_DELAY_MS: u64 = 75;

#[derive(Clone, Copy, PartialEq)]
enum Warmer {
    Engine,
    Before,
    Classic,
}

impl Warmer {
    const ALL: [Warmer; 3] = [Warmer::Before, Warmer::Engine, Warmer::Classic];

    fn name(self) -> &'static str {
        match self {
            Warmer::Engine => "`warmer warm` (defaults: learnt hold)",
            Warmer::Before => "`warmer warm` before (prior hold)",
            Warmer::Classic => "classic (N-1 Event + 1 sync, 75 ms)",
        }
    }

    fn target(self, n: u32) -> Target {
        let mut target = Target::new(FUNCTION, n);
        if self == Warmer::Classic {
            target.mode = Mode::Event;
            target.delay = Delay::Fixed(CLASSIC_DELAY_MS);
        }
        target
    }

    fn auto_delay(self) -> AutoDelay {
        match self {
            Warmer::Before => AutoDelay::before_learning(),
            Warmer::Engine | Warmer::Classic => AutoDelay::default(),
        }
    }
}

/// One run's figures.
#[derive(Default, Clone)]
struct Run {
    warm_after: u32,
    rounds: u32,
    sent: u32,
    held_env_seconds: f64,
    first_round: Option<u32>,
    hold_ms: u64,
    last_arrival_ms: Option<u64>,
}

/// Room for N environments under the concurrency guard's default share (0.8 of the account's
/// unreserved concurrency).
async fn service(n: u32, function: &std::path::Path) -> LocalLambda {
    LocalLambda::builder()
        .account_concurrency(n * 2 + 100)
        .function(FunctionConfig::new(FUNCTION, function).timeout(Duration::from_secs(60)))
        .start()
        .await
        .expect("local-lambda starts")
}

/// Waits until no invocation of the function is running (the classic warmer's `Event`
/// invokes run after the synchronous one answered).
async fn settle(service: &LocalLambda) {
    let give_up = Instant::now() + Duration::from_secs(60);
    while Instant::now() < give_up {
        match service.function_stats(FUNCTION) {
            Some(s) if s.busy == 0 && service.service_stats().queued_events == 0 => return,
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    eprintln!("  (invocations still running after 60 s)");
}

/// N concurrent warm-ups that each hold until all have arrived; how many found a warm
/// environment (`cold: false`).
async fn probe(lambda: &aws_sdk_lambda::Client, n: u32) -> u32 {
    // Long enough for N invokes to reach local-lambda on 2 cores, and for the environments the
    // probes start themselves (sandbox processes) to come up.
    let hold_ms = 2_000 + u64::from(n) * 5;
    let tasks: Vec<_> = (1..=n)
        .map(|index| {
            let lambda = lambda.clone();
            tokio::spawn(async move {
                let payload = WarmupRequest::new()
                    .delay_ms(hold_ms)
                    .correlation_id("prober")
                    .index(index);
                let output = lambda
                    .invoke()
                    .function_name(FUNCTION)
                    .payload(Blob::new(serde_json::to_vec(&payload).unwrap_or_default()))
                    .send()
                    .await
                    .ok()?;
                let answer: WarmupResponse =
                    serde_json::from_slice(output.payload()?.as_ref()).ok()?;
                Some(!answer.cold)
            })
        })
        .collect();
    let mut warm = 0;
    for task in tasks {
        if let Ok(Some(true)) = task.await {
            warm += 1;
        }
    }
    warm
}

async fn one_run(
    warmer: Warmer,
    n: u32,
    run: u32,
    function: &std::path::Path,
) -> (Run, TargetReport) {
    let service = service(n, function).await;
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    // Defaults, except that N = 1,000 needs 1,000 warm-ups in flight where the default bound
    // is 900 (one Lambda environment's file descriptors); this process may hold more.
    let options = RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(120)),
        max_in_flight: n.max(RunOptions::default().max_in_flight),
        auto_delay: warmer.auto_delay(),
        ..RunOptions::default()
    };
    let report = warm(&lambda, &[warmer.target(n)], &options).await;
    let t = report.targets[0].clone();
    settle(&service).await;
    let live = service.function_stats(FUNCTION).map_or(0, |s| s.live);
    let warm_after = probe(&lambda, n).await;
    service.shutdown().await;
    let result = match warmer {
        Warmer::Engine | Warmer::Before => Run {
            warm_after,
            rounds: t.rounds,
            sent: n * t.rounds,
            held_env_seconds: t.held_env_seconds,
            first_round: Some(first_round_reach(&t)),
            hold_ms: t.delay_ms,
            last_arrival_ms: t.last_arrival_ms,
        },
        Warmer::Classic => Run {
            warm_after,
            rounds: 1,
            sent: n,
            held_env_seconds: f64::from(n) * CLASSIC_DELAY_MS as f64 / 1000.0,
            first_round: None,
            hold_ms: CLASSIC_DELAY_MS,
            last_arrival_ms: None,
        },
    };
    eprintln!(
        "  N={n} run {run} {}: reached {} (rounds {}), live after {live}, warm after {warm_after}, \
         hold {} ms, dispatch spread {:.0} ms, last arrival {:?} ms, arrival spread {:?} ms, \
         held {:.1} env-s, elapsed {} ms; notes {:?}",
        warmer.name(),
        t.reached,
        t.rounds,
        t.delay_ms,
        t.dispatch_spread_ms,
        t.last_arrival_ms,
        t.arrival_spread_ms,
        result.held_env_seconds,
        t.elapsed_ms,
        t.notes
    );
    (result, t)
}

fn env_list(name: &str, default: &[u32]) -> Vec<u32> {
    std::env::var(name)
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

#[tokio::main]
async fn main() {
    // `WARM_BENCH_FUNCTION`: an `example-typed` binary already built (e.g. by `cargo build
    // --release --workspace --bin example-typed`), instead of building every binary and test.
    let function = std::env::var_os("WARM_BENCH_FUNCTION")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| warm_tests::binary("example-typed", "example-typed"));
    let sizes = env_list("WARM_BENCH_N", &[10, 100, 500, 1000]);
    let runs = env_list("WARM_BENCH_RUNS", &[10])[0].max(1);
    let mut rows = Vec::new();
    for &n in &sizes {
        let mut by_warmer: Vec<(Warmer, Vec<Run>)> =
            Warmer::ALL.iter().map(|w| (*w, Vec::new())).collect();
        for run in 1..=runs {
            for (warmer, results) in &mut by_warmer {
                let (result, _) = one_run(*warmer, n, run, &function).await;
                results.push(result);
            }
        }
        rows.push((n, by_warmer));
    }
    println!(
        "| N | warmer | runs | warm after (all runs at N) | first round reached (min) | runs in one round | warm-ups sent per environment warm after (worst run) | environment-seconds held (mean, range) | env-s ÷ before | hold ms (range) | last arrival ms (range) |"
    );
    println!("|---:|---|---:|---|---:|---:|---:|---|---:|---|---|");
    for (n, by_warmer) in &rows {
        let before = mean(&by_warmer[0].1);
        for (warmer, runs) in by_warmer {
            println!("{}", summary(*n, *warmer, runs, before));
        }
    }
}

/// What the first round reached: the run's reach less what the second round added, read from
/// the note of round 2 when there was one ("... reached R environments (X new); T of N ...").
fn first_round_reach(report: &TargetReport) -> u32 {
    report
        .notes
        .iter()
        .find_map(|note| {
            let rest = note.strip_prefix("round 2: ")?;
            let new: u32 = rest
                .split(" environments (")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()?;
            let total: u32 = rest
                .split("new); ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()?;
            Some(total.saturating_sub(new))
        })
        .unwrap_or(report.reached)
}

fn mean(runs: &[Run]) -> f64 {
    runs.iter().map(|r| r.held_env_seconds).sum::<f64>() / runs.len().max(1) as f64
}

fn range<T: Copy + PartialOrd + std::fmt::Display>(values: impl Iterator<Item = T>) -> String {
    let values: Vec<T> = values.collect();
    let min = values
        .iter()
        .copied()
        .reduce(|a, b| if b < a { b } else { a });
    let max = values
        .iter()
        .copied()
        .reduce(|a, b| if b > a { b } else { a });
    match (min, max) {
        (Some(min), Some(max)) => format!("{min}-{max}"),
        _ => "-".to_owned(),
    }
}

fn summary(n: u32, warmer: Warmer, runs: &[Run], before: f64) -> String {
    let full = runs.iter().filter(|r| r.warm_after == n).count();
    let one_round = runs.iter().filter(|r| r.rounds == 1).count();
    let worst_ratio = runs
        .iter()
        .map(|r| f64::from(r.sent) / f64::from(r.warm_after.max(1)))
        .fold(0.0, f64::max);
    let held: Vec<f64> = runs.iter().map(|r| r.held_env_seconds).collect();
    let mean = mean(runs);
    let min = held.iter().copied().fold(f64::INFINITY, f64::min);
    let max = held.iter().copied().fold(0.0, f64::max);
    let warm: Vec<String> = runs.iter().map(|r| r.warm_after.to_string()).collect();
    let first = runs
        .iter()
        .filter_map(|r| r.first_round)
        .min()
        .map_or("-".to_owned(), |m| m.to_string());
    let one_round = match warmer {
        Warmer::Engine | Warmer::Before => one_round.to_string(),
        Warmer::Classic => "-".to_owned(),
    };
    let hold = range(runs.iter().map(|r| r.hold_ms));
    let last = range(runs.iter().filter_map(|r| r.last_arrival_ms));
    format!(
        "| {n} | {} | {} | {full} of {} at {n} ({}) | {first} | {one_round} | {worst_ratio:.2} | {mean:.1} ({min:.1}-{max:.1}) | {:.2} | {hold} | {last} |",
        warmer.name(),
        runs.len(),
        runs.len(),
        warm.join(", "),
        mean / before.max(f64::MIN_POSITIVE),
    )
}
