//! The AWS SDKs' own endpoint variables, `AWS_ENDPOINT_URL_LAMBDA` and `AWS_ENDPOINT_URL`
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>), point
//! `warmer warm` at a local-lambda as `--endpoint-url` does: no credentials, no region, no
//! profile on the machine, and every environment is reached.

use std::process::Command;
use std::time::Duration;

use local_lambda::{FunctionConfig, LocalLambda};

async fn start() -> LocalLambda {
    let binary = warm_tests::binary("example-typed", "example-typed");
    LocalLambda::builder()
        .function(FunctionConfig::new("orders", &binary).timeout(Duration::from_secs(30)))
        .start()
        .await
        .expect("local-lambda starts on loopback")
}

/// `warmer warm` with only `variable` set among the AWS settings, and an empty home.
fn warm_with(variable: &str, endpoint: &str) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(warm_tests::binary("warmer-cli", "warmer"));
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    let out = command
        .args([
            "warm",
            "--json",
            "--function",
            "orders",
            "--concurrency",
            "3",
        ])
        .env(variable, endpoint)
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("warmer runs");
    assert!(
        out.status.success(),
        "{variable}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report as JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_endpoint_variables_point_warmer_at_local_lambda() {
    let service = start().await;
    for variable in ["AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"] {
        let endpoint = service.endpoint_url().to_string();
        let report = tokio::task::spawn_blocking(move || warm_with(variable, &endpoint))
            .await
            .unwrap();
        assert_eq!(report["targets"][0]["reached"], 3, "{variable}: {report}");
    }
    service.shutdown().await;
}
