//! warm-sdk's optional EMF metrics end to end: `example-http` with
//! `EXAMPLE_METRICS_NAMESPACE` set runs in local-lambda, which writes each log stream to a
//! file as CloudWatch Logs would receive it. A user request that starts an environment writes a
//! `ColdStarts` line; each warm-up a `WarmUps` line, with `WarmUpColdStarts` 1 where the
//! warm-up started the environment; all in the namespace given, with dimension `FunctionName`.

mod handler_support;

use std::path::Path;

use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::Value;
use warmer_fn::engine::{RunOptions, warm};
use warmer_fn::target::{Delay, Target};

const NAMESPACE: &str = "Warm/Test";

/// Every JSON line of every log file under `dir` that carries EMF metadata.
fn emf_lines(dir: &Path) -> Vec<Value> {
    let mut lines = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            lines.extend(
                text.lines()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .filter(|v| v.get("_aws").is_some()),
            );
        }
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_ups_and_cold_starts_are_counted_in_the_namespace_asked_for() {
    let logs = tempfile::tempdir().unwrap();
    let function = FunctionConfig::new("http", warm_tests::binary("example-http", "example-http"))
        .env("EXAMPLE_METRICS_NAMESPACE", NAMESPACE);
    let service = LocalLambda::builder()
        .function(function)
        .logs_dir(logs.path())
        .start()
        .await
        .unwrap();
    let lambda = warm_tests::lambda_client(&service.endpoint_url());

    // A user request on a cold function: one cold start, user code runs.
    let event = handler_support::apigw_v2_event("GET", "/", "");
    let user = lambda
        .invoke()
        .function_name("http")
        .payload(Blob::new(serde_json::to_vec(&event).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(user.function_error(), None);

    // Two warm-ups: one finds that environment, one starts another.
    let mut target = Target::new("http", 2);
    target.delay = Delay::Fixed(300);
    let report = warm(&lambda, &[target], &RunOptions::default()).await;
    let t = &report.targets[0];
    assert_eq!((t.reached, t.new), (2, 1), "{t:#?}");
    service.shutdown().await;

    let lines = emf_lines(logs.path());
    for line in &lines {
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE, "{line}");
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["FunctionName"]]),
            "{line}"
        );
        assert_eq!(line["FunctionName"], "http", "{line}");
    }
    let sum = |metric: &str| -> u64 { lines.iter().filter_map(|l| l[metric].as_u64()).sum() };
    assert_eq!(sum("ColdStarts"), 1, "{lines:#?}");
    assert_eq!(sum("WarmUps"), 2, "{lines:#?}");
    assert_eq!(sum("WarmUpColdStarts"), 1, "{lines:#?}");
}
