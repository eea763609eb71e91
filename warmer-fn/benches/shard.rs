//! Sharding against one process: the warmer Lambda binary inside local-lambda, coordinating
//! copies of itself with shards of 500, side by side with one process sending all N warm-ups
//! itself, at the same N, on the same kind of fresh local-lambda running `example-typed`.
//!
//! Per N, four runs, each on its own pool of environments:
//!
//! 1. **sharded, first run**: a fresh local-lambda (no environment yet); the warmer Lambda is
//!    invoked with `{"targets": [{"function": "typed", "concurrency": N}], "shard_size": 500}`;
//! 2. **sharded, next run**: the same event again, the warmer still warm, every environment
//!    there;
//! 3. **one process, first run**: a fresh local-lambda; this bench binary started again as a
//!    child process that runs the engine with every warm-up in flight in itself
//!    (`max_in_flight` = N, no shards), as one unsharded warmer would;
//! 4. **one process, next run**: the same child again on the pool the first one left.
//!
//! Printed: environments reached, new, throttled, rounds, warm-ups sent, elapsed time, and the
//! peak resident memory (`VmHWM`) of each process that sent warm-ups: every copy of the warmer
//! (read from `/proc` while their sandboxes are alive: the coordinator and the shards) and the
//! child. local-lambda's scaling rate (1,000 new environments per function every 10 s) is on,
//! as on Lambda.
//!
//! ```text
//! cargo build --release --workspace --bin example-typed --bin warmer-fn
//! WARM_BENCH_FUNCTION=$PWD/target/release/example-typed WARM_BENCH_WARMER=$PWD/target/release/warmer-fn \
//!   cargo bench -p warmer-fn --bench shard           # N = 2,000; WARM_BENCH_N=1000,2000 for more
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use warmer_fn::engine::{ClientOptions, RunOptions, RunReport, TargetReport, client, warm};
use warmer_fn::target::Target;

const FUNCTION: &str = "typed";
const WARMER: &str = "warmer";
const SHARD_SIZE: u32 = 500;
/// Set in the child process: the endpoint and N it warms, as one unsharded process.
const CHILD_ENV: &str = "WARM_BENCH_SHARD_CHILD";

/// One run's figures.
struct Run {
    label: &'static str,
    report: TargetReport,
    elapsed: Duration,
    /// Peak resident memory of each process that sent warm-ups, in KiB.
    peaks_kib: Vec<u64>,
    throttles_seen: u64,
}

async fn start(n: u32, function: &Path, warmer: &Path) -> LocalLambda {
    let shards = n.div_ceil(SHARD_SIZE);
    let service = LocalLambda::builder()
        .account_concurrency(n + n / 2 + 100)
        .function(FunctionConfig::new(FUNCTION, function).timeout(Duration::from_secs(60)))
        .start()
        .await
        .expect("local-lambda starts");
    service
        .register(
            FunctionConfig::new(WARMER, warmer)
                .env("WARMER_ENDPOINT_URL", service.endpoint_url())
                .reserved_concurrency(1 + shards)
                .timeout(Duration::from_secs(300)),
        )
        .expect("the warmer registers");
    service
}

/// The peak resident memory (`VmHWM`, KiB) of every live process running `executable`.
fn peaks_of(executable: &Path) -> Vec<u64> {
    let wanted = std::fs::canonicalize(executable).unwrap_or_else(|_| executable.to_owned());
    let mut peaks = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let path = entry.path();
        if std::fs::read_link(path.join("exe")).ok().as_deref() != Some(wanted.as_path()) {
            continue;
        }
        if let Some(kib) = std::fs::read_to_string(path.join("status"))
            .ok()
            .and_then(|status| vm_hwm(&status))
        {
            peaks.push(kib);
        }
    }
    peaks.sort_unstable();
    peaks
}

fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

async fn sharded(lambda: &aws_sdk_lambda::Client, n: u32) -> (TargetReport, Duration) {
    let event = serde_json::json!({
        "targets": [{"function": FUNCTION, "concurrency": n}],
        "shard_size": SHARD_SIZE,
    });
    let started = Instant::now();
    let output = lambda
        .invoke()
        .function_name(WARMER)
        .payload(Blob::new(serde_json::to_vec(&event).unwrap_or_default()))
        .send()
        .await
        .expect("the warmer answers");
    let elapsed = started.elapsed();
    let body = output.payload().map(|b| b.as_ref()).unwrap_or_default();
    let report: RunReport = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "not a report ({e}): {}",
            String::from_utf8_lossy(body)
                .chars()
                .take(400)
                .collect::<String>()
        )
    });
    (report.targets[0].clone(), elapsed)
}

/// Runs this binary again as the one unsharded process; its report and its own peak memory.
fn unsharded(endpoint: &str, n: u32) -> (TargetReport, Duration, u64) {
    let started = Instant::now();
    let output = std::process::Command::new(std::env::current_exe().expect("this bench"))
        .env(CHILD_ENV, format!("{endpoint} {n}"))
        .output()
        .expect("the child runs");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let report: TargetReport = serde_json::from_str(lines.next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("child report ({e}): {stdout}"));
    let peak = lines.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    (report, elapsed, peak)
}

/// The child: one process, every warm-up in flight in it, no shards.
async fn child(spec: &str) {
    let mut parts = spec.split(' ');
    let endpoint = parts.next().unwrap_or_default().to_owned();
    let n: u32 = parts.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let lambda = client(&ClientOptions {
        endpoint_url: Some(endpoint),
        region: None,
    })
    .await;
    let options = RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(270)),
        max_in_flight: n,
        ..RunOptions::default()
    };
    let report = warm(&lambda, &[Target::new(FUNCTION, n)], &options).await;
    println!(
        "{}",
        serde_json::to_string(&report.targets[0]).unwrap_or_default()
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    println!("{}", vm_hwm(&status).unwrap_or(0));
}

fn binary(env: &str, package: &str, bin: &str) -> PathBuf {
    std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| warm_tests::binary(package, bin))
}

async fn compare(n: u32, function: &Path, warmer: &Path) -> Vec<Run> {
    let mut runs = Vec::new();
    let service = start(n, function, warmer).await;
    let lambda = warm_tests::lambda_client(&service.endpoint_url());
    for label in ["sharded (500), first run", "sharded (500), next run"] {
        let (report, elapsed) = sharded(&lambda, n).await;
        let throttles_seen = service.function_stats(FUNCTION).map_or(0, |s| s.throttles);
        runs.push(Run {
            label,
            report,
            elapsed,
            peaks_kib: peaks_of(warmer),
            throttles_seen,
        });
    }
    service.shutdown().await;

    let service = start(n, function, warmer).await;
    for label in ["one process, first run", "one process, next run"] {
        let (report, elapsed, peak) = unsharded(&service.endpoint_url(), n);
        let throttles_seen = service.function_stats(FUNCTION).map_or(0, |s| s.throttles);
        runs.push(Run {
            label,
            report,
            elapsed,
            peaks_kib: vec![peak],
            throttles_seen,
        });
    }
    service.shutdown().await;
    runs
}

#[tokio::main]
async fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec).await;
        return;
    }
    let function = binary("WARM_BENCH_FUNCTION", "example-typed", "example-typed");
    let warmer = binary("WARM_BENCH_WARMER", "warmer-fn", "warmer-fn");
    let sizes: Vec<u32> = std::env::var("WARM_BENCH_N")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![2_000]);
    println!(
        "| N | warmer | reached | new | throttled (local-lambda's count, cumulative) | rounds | shards in the last round | warm-ups sent | first round's hold / last arrival | env-s held | elapsed | peak memory per process (MiB) |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for n in sizes {
        for run in compare(n, &function, &warmer).await {
            let t = &run.report;
            let last_round = t
                .shards
                .iter()
                .filter(|s| s.round == t.rounds && !s.probe)
                .count();
            let last_arrival = t
                .last_arrival_ms
                .map_or_else(|| "–".to_owned(), |ms| format!("{ms} ms"));
            let peaks: Vec<String> = run
                .peaks_kib
                .iter()
                .map(|k| format!("{:.1}", *k as f64 / 1024.0))
                .collect();
            eprintln!("  N={n} {}: notes {:?}", run.label, t.notes);
            println!(
                "| {n} | {} | {} | {} | {} | {} | {} | {} | {} ms / {last_arrival} | {:.0} | {:.1} s | {} |",
                run.label,
                t.reached,
                t.new,
                run.throttles_seen,
                t.rounds,
                last_round,
                t.sent,
                t.delay_ms,
                t.held_env_seconds,
                run.elapsed.as_secs_f64(),
                peaks.join(", ")
            );
        }
    }
}
