//! Coverage and fan-out cost of the warmer against `local-lambda` running `example-http`.
//!
//! For each N and each setting (default `auto` delay, fixed 75 ms, `event` mode) a fresh
//! local-lambda is started and warmed twice: once cold (every warm-up starts an environment)
//! and once at once again (every environment exists and is idle, so only overlap decides how
//! many are reached). Printed per run: reached/requested as the warmer reports it, the most
//! environments local-lambda saw busy at once (ground truth, sampled every 2 ms), the delay,
//! the dispatch spread and the elapsed time. Then the peak RSS of the `warmer warm` process at
//! the largest N, built with the `release` and the `deploy` profile.
//!
//! ```text
//! cargo bench -p warmer-fn --bench coverage                  # N = 10, 100, 500, 1000
//! WARM_BENCH_N=10,100 cargo bench -p warmer-fn --bench coverage
//! ```

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use local_lambda::{FunctionConfig, LocalLambda};
use warmer_fn::engine::{ClientOptions, RunOptions, client, warm};
use warmer_fn::target::{Delay, Mode, Target};

const FUNCTION: &str = "bench";

#[derive(Clone, Copy)]
enum Setting {
    Default,
    Fixed75,
    Event,
}

impl Setting {
    fn name(self) -> &'static str {
        match self {
            Setting::Default => "default (auto, verify)",
            Setting::Fixed75 => "fixed 75 ms",
            Setting::Event => "event mode (auto)",
        }
    }

    fn target(self, n: u32) -> Target {
        let mut target = Target::new(FUNCTION, n);
        match self {
            Setting::Default => {}
            Setting::Fixed75 => target.delay = Delay::Fixed(75),
            Setting::Event => target.mode = Mode::Event,
        }
        target
    }
}

async fn service(n: u32, function: &std::path::Path) -> LocalLambda {
    LocalLambda::builder()
        .account_concurrency(n.max(1000) + 100)
        .function(FunctionConfig::new(FUNCTION, function).timeout(Duration::from_secs(60)))
        .start()
        .await
        .expect("local-lambda starts")
}

/// Samples local-lambda's busy count until stopped; returns the maximum seen.
async fn peak_busy<F: std::future::Future>(service: &LocalLambda, run: F) -> (F::Output, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicUsize::new(0));
    let run = async {
        let out = run.await;
        stop.store(true, Ordering::Relaxed);
        out
    };
    let sample = async {
        while !stop.load(Ordering::Relaxed) {
            if let Some(s) = service.function_stats(FUNCTION) {
                peak.fetch_max(s.busy, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    let (out, ()) = tokio::join!(run, sample);
    // Event invokes may still be running after the synchronous one answered.
    for _ in 0..500 {
        match service.function_stats(FUNCTION) {
            Some(s) if s.busy > 0 => {
                peak.fetch_max(s.busy, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            _ => break,
        }
    }
    (out, peak.load(Ordering::Relaxed))
}

fn sizes() -> Vec<u32> {
    std::env::var("WARM_BENCH_N")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 100, 500, 1000])
}

#[tokio::main]
async fn main() {
    let function = warm_tests::binary("example-http", "example-http");
    let sizes = sizes();
    println!(
        "| N | setting | run | reached/requested (warmer) | peak busy (local-lambda) | delay ms | spread ms | elapsed ms |"
    );
    println!("|---:|---|---|---:|---:|---:|---:|---:|");
    for &n in &sizes {
        for setting in [Setting::Default, Setting::Fixed75, Setting::Event] {
            let service = service(n, &function).await;
            let lambda = client(&ClientOptions {
                endpoint_url: Some(service.endpoint_url()),
                region: None,
            })
            .await;
            let target = [setting.target(n)];
            for run in ["cold", "warm"] {
                let options = RunOptions {
                    deadline: Some(Instant::now() + Duration::from_secs(120)),
                    ..RunOptions::default()
                };
                let (report, peak) = peak_busy(&service, warm(&lambda, &target, &options)).await;
                let t = &report.targets[0];
                let reached = if t.coverage_known {
                    format!(
                        "{}/{} = {:.3}",
                        t.reached,
                        n,
                        f64::from(t.reached) / f64::from(n)
                    )
                } else {
                    format!("unknown ({} accepted)", t.accepted + t.reached.min(1))
                };
                let rounds = if t.rounds > 1 { " (top-up)" } else { "" };
                println!(
                    "| {n} | {} | {run} | {reached}{rounds} | {peak} | {} | {:.1} | {} |",
                    setting.name(),
                    t.delay_ms,
                    t.dispatch_spread_ms,
                    t.elapsed_ms
                );
                if t.failed + t.throttled + t.function_errors > 0 {
                    eprintln!(
                        "  {} {run}: {:?} {:?} {:?}",
                        setting.name(),
                        t.failure_types,
                        t.throttle_reasons,
                        t.notes
                    );
                }
            }
            service.shutdown().await;
        }
    }
    memory(*sizes.iter().max().unwrap_or(&1000), &function).await;
}

/// Peak RSS of the `warmer warm` process (GNU time's `%M`), cold and warm, built with the
/// `release` profile and with the workspace's `deploy` profile (LTO, one codegen unit,
/// stripped: how the warmer Lambda is built for deployment).
async fn memory(n: u32, function: &std::path::Path) {
    let builds = [
        ("release", warm_tests::binary("warmer-cli", "warmer")),
        (
            "deploy",
            warm_tests::isolated_binary("warmer-cli", "warmer", "deploy"),
        ),
    ];
    println!();
    println!("| `warmer warm` at N={n} | profile | peak RSS | reached |");
    println!("|---|---|---:|---:|");
    for (profile, warmer) in &builds {
        let service = service(n, function).await;
        for run in ["cold", "warm"] {
            let output = Command::new("/usr/bin/time")
                .args(["-f", "maxrss_kb=%M"])
                .arg(warmer)
                .args(["warm", "--function", FUNCTION, "--json", "--concurrency"])
                .arg(n.to_string())
                .arg("--endpoint-url")
                .arg(service.endpoint_url())
                .output()
                .expect("/usr/bin/time runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            let kb: u64 = stderr
                .lines()
                .find_map(|l| l.strip_prefix("maxrss_kb="))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let report: serde_json::Value =
                serde_json::from_slice(&output.stdout).unwrap_or_default();
            println!(
                "| {run} | `{profile}` | {:.1} MB | {}/{n} |",
                kb as f64 / 1024.0,
                report["targets"][0]["reached"]
            );
        }
        service.shutdown().await;
    }
}
