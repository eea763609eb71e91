//! Benchmark of local-lambda: warm invoke round trip and throughput on a no-op function at
//! concurrency 1 and N, and cold start (invoke to response) beside the binary's own start-up
//! (process start to its first `/next`, measured here without local-lambda). Prints a table.
//!
//! `cargo bench -p local-lambda --bench invoke` (env `BENCH_N` for N, default 8;
//! `BENCH_WARM` invokes per measurement, default 2000; `CARGO_LAMBDA_URL` to measure a
//! running `cargo lambda watch` serving the same fixture binary side by side, or any other
//! server of the Invoke API, such as an earlier local-lambda build; `COMPARE_LABEL` names it
//! in the table, default `cargo lambda watch`).

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use local_lambda::{FunctionConfig, LocalLambda};

type Http = Client<HttpConnector, Full<Bytes>>;

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn invoke(
    http: &Http,
    url: &str,
    payload: &'static str,
    tail: bool,
) -> (Duration, Option<String>) {
    let mut request = hyper::Request::post(url);
    if tail {
        request = request.header("X-Amz-Log-Type", "Tail");
    }
    let request = request
        .body(Full::new(Bytes::from_static(payload.as_bytes())))
        .unwrap();
    let started = Instant::now();
    let response = http.request(request).await.expect("invoke");
    assert_eq!(response.status(), 200, "{url}");
    assert!(response.headers().get("X-Amz-Function-Error").is_none());
    let log = response
        .headers()
        .get("X-Amz-Log-Result")
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.as_bytes())
                .ok()
        })
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    response.into_body().collect().await.expect("body");
    (started.elapsed(), log)
}

/// (p50, p99, requests per second) of `total` no-op invokes over `concurrency` workers.
async fn warm(
    http: &Http,
    url: &str,
    concurrency: usize,
    total: usize,
) -> (Duration, Duration, f64) {
    // Warm `concurrency` sandboxes first.
    let warmups = (0..concurrency).map(|_| invoke(http, url, r#"{"op":"sleep","ms":200}"#, false));
    futures_util::future::join_all(warmups).await;
    let per_worker = total / concurrency;
    let started = Instant::now();
    let workers = (0..concurrency).map(|_| async {
        let mut times = Vec::with_capacity(per_worker);
        for _ in 0..per_worker {
            times.push(invoke(http, url, r#"{"op":"noop"}"#, false).await.0);
        }
        times
    });
    let mut times: Vec<Duration> = futures_util::future::join_all(workers).await.concat();
    let elapsed = started.elapsed();
    times.sort();
    (
        percentile(&times, 50.0),
        percentile(&times, 99.0),
        times.len() as f64 / elapsed.as_secs_f64(),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize;
    sorted[index]
}

/// The binary's own start-up: spawn it against a bare socket standing in for the Runtime
/// API and time until its first `/next` request arrives.
fn own_startup(executable: &std::path::Path) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let started = Instant::now();
    let mut child = Command::new(executable)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "startup")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (stream, _) = listener.accept().unwrap();
    let mut line = String::new();
    BufReader::new(stream.try_clone().unwrap())
        .read_line(&mut line)
        .unwrap();
    let elapsed = started.elapsed();
    assert!(line.contains("/runtime/invocation/next"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stream);
    elapsed
}

fn init_duration(log: &str) -> Option<Duration> {
    let field = log
        .split('\t')
        .find_map(|f| f.strip_prefix("Init Duration: "))?;
    let ms: f64 = field.trim_end_matches(" ms").parse().ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let fixture = common::fixture();
    let n = env_usize("BENCH_N", 8);
    let total = env_usize("BENCH_WARM", 2000);
    let cold_samples = env_usize("BENCH_COLD", 30);
    let lambda = LocalLambda::builder()
        .function(FunctionConfig::new("noop", &fixture))
        .start()
        .await
        .unwrap();
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let url = format!(
        "{}/2015-03-31/functions/noop/invocations",
        lambda.endpoint_url()
    );

    println!(
        "local-lambda benchmark: fixture {} ({} warm invokes per row)",
        fixture.display(),
        total
    );
    println!();
    println!("| measurement | server | p50 ms | p99 ms | invokes/s |");
    println!("|---|---|---:|---:|---:|");
    let mut rows = Vec::new();
    for concurrency in [1, n] {
        let (p50, p99, rate) = warm(&http, &url, concurrency, total).await;
        println!(
            "| warm no-op, concurrency {concurrency} | local-lambda | {} | {} | {rate:.0} |",
            ms(p50),
            ms(p99)
        );
        rows.push((concurrency, p50, rate));
    }
    if let Ok(base) = std::env::var("CARGO_LAMBDA_URL") {
        let function =
            std::env::var("CARGO_LAMBDA_FUNCTION").unwrap_or_else(|_| "fixture_function".into());
        let other = format!(
            "{}/2015-03-31/functions/{function}/invocations",
            base.trim_end_matches('/')
        );
        let label = std::env::var("COMPARE_LABEL").unwrap_or_else(|_| "cargo lambda watch".into());
        for (concurrency, p50, rate) in rows {
            let (cl50, cl99, cl_rate) = warm(&http, &other, concurrency, total).await;
            println!(
                "| warm no-op, concurrency {concurrency} | {label} | {} | {} | {cl_rate:.0} |",
                ms(cl50),
                ms(cl99)
            );
            println!(
                "| ratio {label} / local-lambda, concurrency {concurrency} | | {:.2}x | | {:.2}x (local-lambda / {label}) |",
                cl50.as_secs_f64() / p50.as_secs_f64(),
                rate / cl_rate
            );
        }
    }

    // Cold start: a new function per sample, so each invoke places a new sandbox.
    let mut cold = Vec::new();
    let mut init = Vec::new();
    for i in 0..cold_samples {
        let name = format!("cold-{i}");
        lambda
            .register(FunctionConfig::new(&name, &fixture))
            .unwrap();
        let url = format!(
            "{}/2015-03-31/functions/{name}/invocations",
            lambda.endpoint_url()
        );
        let (elapsed, log) = invoke(&http, &url, r#"{"op":"noop"}"#, true).await;
        cold.push(elapsed);
        init.extend(log.as_deref().and_then(init_duration));
    }
    let mut own: Vec<Duration> = (0..cold_samples).map(|_| own_startup(&fixture)).collect();
    cold.sort();
    init.sort();
    own.sort();
    println!();
    println!("| cold start ({cold_samples} samples) | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!(
        "| invoke to response, new sandbox | {} | {} |",
        ms(percentile(&cold, 50.0)),
        ms(percentile(&cold, 99.0))
    );
    println!(
        "| Init Duration reported (spawn to first /next) | {} | {} |",
        ms(percentile(&init, 50.0)),
        ms(percentile(&init, 99.0))
    );
    println!(
        "| binary's own start-up, no local-lambda | {} | {} |",
        ms(percentile(&own, 50.0)),
        ms(percentile(&own, 99.0))
    );
    println!(
        "| overhead: cold invoke minus own start-up (p50) | {} | |",
        ms(percentile(&cold, 50.0).saturating_sub(percentile(&own, 50.0)))
    );
    lambda.shutdown().await;
}
