//! User requests throttled during a warm-up at N = reserved concurrency, with the concurrency
//! guard off (before) and on (after), against `local-lambda` running `example-http`.
//!
//! The function has reserved concurrency R. Each round warms it with N = R warm-ups holding a
//! fixed delay; while they hold, a burst of user requests is sent, and every answer is counted:
//! served, or throttled with Lambda's `Reason`. With the guard off the warm-up takes all R
//! environments and the burst is throttled; with it on (`max_share` 0.8) the warm-up takes
//! `floor(0.8 × R)` and the rest serves users.
//!
//! ```text
//! cargo bench -p warmer-fn --bench guard
//! WARM_BENCH_RESERVED=20 WARM_BENCH_ROUNDS=5 cargo bench -p warmer-fn --bench guard
//! ```

use std::time::{Duration, Instant};

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use warmer_fn::engine::{ClientOptions, RunOptions, client, warm};
use warmer_fn::target::{Delay, Target};

const FUNCTION: &str = "guarded";
/// How long each warm-up holds its environment.
const HOLD_MS: u64 = 1_500;
/// When the user burst starts, after the warm-up began.
const BURST_AFTER: Duration = Duration::from_millis(400);
/// User requests per burst.
const BURST: usize = 5;

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A plain API Gateway-style request: user traffic, not a warm-up.
fn user_payload() -> Blob {
    Blob::new(
        serde_json::json!({
            "version": "2.0",
            "routeKey": "GET /",
            "rawPath": "/",
            "rawQueryString": "",
            "headers": {"host": "localhost"},
            "requestContext": {"http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1", "userAgent": "bench"}, "stage": "$default",
                "requestId": "r", "routeKey": "GET /", "accountId": "1", "apiId": "a",
                "domainName": "localhost", "domainPrefix": "localhost", "time": "t", "timeEpoch": 0},
            "isBase64Encoded": false
        })
        .to_string(),
    )
}

struct Round {
    warmed: u32,
    served: u32,
    throttled: u32,
}

async fn round(lambda: &aws_sdk_lambda::Client, n: u32, guard: bool) -> Round {
    let mut target = Target::new(FUNCTION, n);
    target.delay = Delay::Fixed(HOLD_MS);
    let options = RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(30)),
        concurrency_guard: guard,
        top_up: false,
        ..RunOptions::default()
    };
    let burst = async {
        tokio::time::sleep(BURST_AFTER).await;
        let calls = (0..BURST).map(|_| {
            lambda
                .invoke()
                .function_name(FUNCTION)
                .payload(user_payload())
                .send()
        });
        futures_util::future::join_all(calls).await
    };
    let targets = [target];
    let (report, answers) = tokio::join!(warm(lambda, &targets, &options), burst);
    let throttled = answers
        .iter()
        .filter(|a| {
            matches!(a, Err(SdkError::ServiceError(e))
                if matches!(e.err(), InvokeError::TooManyRequestsException(_)))
        })
        .count() as u32;
    Round {
        warmed: report.targets[0].reached,
        served: answers.iter().filter(|a| a.is_ok()).count() as u32,
        throttled,
    }
}

/// Waits until no environment of the function is busy, so rounds do not overlap.
async fn idle(service: &LocalLambda) {
    for _ in 0..500 {
        if service.function_stats(FUNCTION).is_none_or(|s| s.busy == 0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::main]
async fn main() {
    let reserved = env_u32("WARM_BENCH_RESERVED", 10);
    let rounds = env_u32("WARM_BENCH_ROUNDS", 3);
    let binary = warm_tests::binary("example-http", "example-http");
    println!(
        "| guard | reserved | N | rounds | warmed (mean) | user requests | served | throttled | throttled share |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for guard in [false, true] {
        let service = LocalLambda::builder()
            .function(
                FunctionConfig::new(FUNCTION, &binary)
                    .reserved_concurrency(reserved)
                    .timeout(Duration::from_secs(30)),
            )
            .start()
            .await
            .expect("local-lambda starts");
        let lambda = client(&ClientOptions {
            endpoint_url: Some(service.endpoint_url()),
            region: None,
        })
        .await;
        let (mut warmed, mut served, mut throttled) = (0u32, 0u32, 0u32);
        for _ in 0..rounds {
            let r = round(&lambda, reserved, guard).await;
            warmed += r.warmed;
            served += r.served;
            throttled += r.throttled;
            idle(&service).await;
        }
        let sent = BURST as u32 * rounds;
        println!(
            "| {} | {reserved} | {reserved} | {rounds} | {:.1} | {sent} | {served} | {throttled} | {:.2} |",
            if guard { "on (max_share 0.8)" } else { "off" },
            f64::from(warmed) / f64::from(rounds),
            f64::from(throttled) / f64::from(sent)
        );
        service.shutdown().await;
    }
}
