//! What warm-sdk adds to a function: binary size and start-up (init) time of the same typed
//! `lambda_runtime` function without (`footprint-plain`) and with `#[warmable]`
//! (`footprint-warm`), both in `benches/footprint/`. Prints two tables.
//!
//! Each function is built alone (`cargo build -p <package>`), so it gets only the features it
//! asks for, with two profiles: `release` (cargo's defaults) and `deploy` (the workspace's
//! profile for deployment: LTO, one codegen unit, stripped). Start-up is the Init
//! Duration that local-lambda reports on a cold start (sandbox spawn to the runtime's first
//! `/next`, as Lambda's REPORT line has it), sampled alternately for the two binaries.
//!
//! ```text
//! cargo bench --workspace --bench footprint          # FOOTPRINT_SAMPLES (default 100)
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use base64::Engine;
use local_lambda::{FunctionConfig, LocalLambda};
use warmer_cli::loadtest::report::Percentiles;
use warmer_fn::engine::{ClientOptions, client};

const PROFILES: [&str; 2] = ["release", "deploy"];

/// One invoke with `LogType::Tail`: the answer and the REPORT line's Init Duration, if any.
async fn invoke(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    payload: &str,
) -> (serde_json::Value, Option<Duration>) {
    let out = lambda
        .invoke()
        .function_name(function)
        .log_type(LogType::Tail)
        .payload(Blob::new(payload))
        .send()
        .await
        .expect("invoke reaches local-lambda");
    let answer = out
        .payload()
        .and_then(|p| serde_json::from_slice(p.as_ref()).ok())
        .unwrap_or_default();
    let log = out
        .log_result()
        .and_then(|l| base64::engine::general_purpose::STANDARD.decode(l).ok())
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default();
    let init = log
        .split('\t')
        .find_map(|field| field.strip_prefix("Init Duration: "))
        .and_then(|ms| ms.trim_end_matches(" ms").parse::<f64>().ok())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0));
    (answer, init)
}

/// Checks that the two binaries are what the tables say: both total an order; only the warm
/// one answers a warm-up without running the handler.
async fn check(lambda: &aws_sdk_lambda::Client, service: &LocalLambda, plain: &Path, warm: &Path) {
    for (name, exe) in [("check-plain", plain), ("check-warm", warm)] {
        service
            .register(FunctionConfig::new(name, exe))
            .expect("register");
        let (answer, _) = invoke(lambda, name, r#"{"lines":[1,2,3]}"#).await;
        assert_eq!(answer["cents"], 6, "{name} totals an order: {answer}");
    }
    let warmup = r#"{"warmer":true,"delay":1}"#;
    let (answer, _) = invoke(lambda, "check-warm", warmup).await;
    assert!(answer.get("cents").is_none(), "warm-up answered: {answer}");
    let (answer, _) = invoke(lambda, "check-plain", warmup).await;
    assert!(
        answer.get("errorType").is_some(),
        "without the SDK a warm-up is an order missing its lines: {answer}"
    );
}

/// Init Duration percentiles of `samples` cold starts per binary, alternating between them.
async fn startups(
    lambda: &aws_sdk_lambda::Client,
    service: &LocalLambda,
    profile: &str,
    binaries: [&Path; 2],
    samples: usize,
) -> [Percentiles; 2] {
    let mut times = [Vec::new(), Vec::new()];
    for i in 0..samples {
        for (which, exe) in binaries.iter().enumerate() {
            let name = format!("{profile}-{which}-{i}");
            service
                .register(FunctionConfig::new(&name, exe))
                .expect("register");
            let (_, init) = invoke(lambda, &name, r#"{"lines":[1]}"#).await;
            times[which].push(init.expect("a cold start reports its Init Duration"));
        }
    }
    times.map(|t| Percentiles::of(t).expect("at least one sample"))
}

#[tokio::main]
async fn main() {
    let samples: usize = std::env::var("FOOTPRINT_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let built: Vec<(&str, PathBuf, PathBuf)> = PROFILES
        .iter()
        .map(|&profile| {
            (
                profile,
                warm_tests::isolated_binary("footprint-plain", "footprint-plain", profile),
                warm_tests::isolated_binary("footprint-warm", "footprint-warm", profile),
            )
        })
        .collect();

    println!("| profile | without warm-sdk | with `#[warmable]` | added | ratio |");
    println!("|---|---:|---:|---:|---:|");
    for (profile, plain, warm) in &built {
        let plain = std::fs::metadata(plain).expect("plain binary").len();
        let warm = std::fs::metadata(warm).expect("warm binary").len();
        println!(
            "| `{profile}` | {:.1} KiB | {:.1} KiB | {:+.1} KiB | {:.3} |",
            plain as f64 / 1024.0,
            warm as f64 / 1024.0,
            (warm as f64 - plain as f64) / 1024.0,
            warm as f64 / plain as f64
        );
    }

    // Each sample is a new function, so its one sandbox idles after the invoke: reclaim it
    // soon so that hundreds of idle processes do not crowd the samples that follow.
    let service = LocalLambda::builder()
        .idle_timeout(Duration::from_secs(1))
        .start()
        .await
        .expect("local-lambda");
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    println!();
    println!(
        "| profile | Init Duration p50 / p90 without (ms) | with `#[warmable]` (ms) | added at p50 (ms) | ratio at p50 |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (profile, plain, warm) in &built {
        check(&lambda, &service, plain, warm).await;
        let [without, with] = startups(&lambda, &service, profile, [plain, warm], samples).await;
        println!(
            "| `{profile}` | {:.3} / {:.3} | {:.3} / {:.3} | {:+.3} | {:.3} |",
            without.p50,
            without.p90,
            with.p50,
            with.p90,
            with.p50 - without.p50,
            with.p50 / without.p50
        );
    }
    println!("\n{samples} cold starts per binary and profile, alternating.");
    service.shutdown().await;
}
