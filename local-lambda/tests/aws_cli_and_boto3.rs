//! The official Python clients against local-lambda: boto3 and the AWS CLI with
//! `--endpoint-url`, unmodified. `.ci/run` installs them (`pip install boto3 awscli`); a
//! machine without them fails here with that instruction.

mod common;

use std::process::Command;

use common::fixture;
use local_lambda::{FunctionConfig, LocalLambda};

const BOTO3_SCRIPT: &str = r#"
import json, sys
import boto3
from botocore.config import Config

client = boto3.client(
    "lambda",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="AKIDLOCAL",
    aws_secret_access_key="secret",
    config=Config(retries={"max_attempts": 1}),
)
out = client.invoke(FunctionName="orders", Payload=json.dumps({"from": "boto3"}))
assert out["StatusCode"] == 200, out
assert out["ExecutedVersion"] == "$LATEST", out
body = json.loads(out["Payload"].read())
assert body["payload"] == {"from": "boto3"}, body

out = client.invoke(FunctionName="orders", Payload=json.dumps({"op": "error"}))
assert out["FunctionError"] == "Unhandled", out

out = client.invoke(FunctionName="orders", InvocationType="Event", Payload="{}")
assert out["StatusCode"] == 202, out

out = client.invoke(FunctionName="orders", InvocationType="DryRun")
assert out["StatusCode"] == 204, out

try:
    client.invoke(FunctionName="missing")
    raise SystemExit("missing function did not fail")
except client.exceptions.ResourceNotFoundException as e:
    assert "function:missing" in str(e), e

try:
    client.invoke(FunctionName="orders", Payload=b"not json")
    raise SystemExit("bad payload did not fail")
except client.exceptions.InvalidRequestContentException:
    pass
print("boto3 ok")
"#;

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_invokes_with_endpoint_url_and_parses_errors() {
    assert!(
        python_has("boto3"),
        "boto3 is missing: run `pip install boto3 awscli` (as .ci/run does)"
    );
    let lambda = LocalLambda::builder()
        .function(FunctionConfig::new("orders", fixture()))
        .start()
        .await
        .unwrap();
    let endpoint = lambda.endpoint_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", BOTO3_SCRIPT, &endpoint])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "boto3 script failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("boto3 ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_invokes_with_endpoint_url() {
    let version = Command::new("aws")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        });
    assert!(
        version.is_some(),
        "the AWS CLI is missing: run `pip install boto3 awscli` (as .ci/run does)"
    );
    let lambda = LocalLambda::builder()
        .function(FunctionConfig::new("orders", fixture()))
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.json");
    let endpoint = lambda.endpoint_url();
    let out_path = out_file.clone();
    // Version 1 sends `--payload` as is; version 2 needs to be told it is not base64.
    let v1 = version.is_some_and(|v| v.starts_with("aws-cli/1."));
    let output = tokio::task::spawn_blocking(move || {
        let mut aws = Command::new("aws");
        if !v1 {
            aws.args(["--cli-binary-format", "raw-in-base64-out"]);
        }
        aws.args([
            "lambda",
            "invoke",
            "--endpoint-url",
            &endpoint,
            "--region",
            "us-east-1",
            "--function-name",
            "orders",
            "--payload",
            r#"{"from":"cli"}"#,
            "--log-type",
            "Tail",
        ])
        .arg(&out_path)
        .env("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "aws lambda invoke failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let meta: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(meta["StatusCode"], 200);
    assert!(meta["LogResult"].is_string(), "{meta}");
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(body["payload"]["from"], "cli");
}

const BOTO3_CONTROL_SCRIPT: &str = r#"
import sys
import boto3
from botocore.config import Config

client = boto3.client(
    "lambda",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="AKIDLOCAL",
    aws_secret_access_key="secret",
    config=Config(retries={"max_attempts": 1}),
)
settings = client.get_account_settings()
assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000, settings
assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000, settings
assert settings["AccountUsage"]["FunctionCount"] == 2, settings

assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(FunctionName="orders")
out = client.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=25)
assert out["ReservedConcurrentExecutions"] == 25, out
out = client.get_function_concurrency(FunctionName="orders")
assert out["ReservedConcurrentExecutions"] == 25, out
settings = client.get_account_settings()
assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 975, settings
try:
    client.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=901)
    raise SystemExit("a reservation below the unreserved minimum did not fail")
except client.exceptions.InvalidParameterValueException as e:
    assert "minimum value of [100]" in str(e), e
out = client.delete_function_concurrency(FunctionName="orders")
assert out["ResponseMetadata"]["HTTPStatusCode"] == 204, out
assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(FunctionName="orders")

config = client.get_function_configuration(FunctionName="orders")
assert config["MemorySize"] == 256 and config["Timeout"] == 5, config
assert config["Version"] == "$LATEST" and config["Runtime"] == "provided.al2023", config
function = client.get_function(FunctionName="orders")
assert function["Configuration"]["FunctionName"] == "orders", function

try:
    client.get_function_concurrency(FunctionName="missing")
    raise SystemExit("missing function did not fail")
except client.exceptions.ResourceNotFoundException:
    pass
try:
    client.invoke(FunctionName="throttled")
    raise SystemExit("the injected throttle did not fail")
except client.exceptions.TooManyRequestsException as e:
    assert e.response["retryAfterSeconds"] == "4", e.response
    assert e.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "4", e.response
print("boto3 control ok")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_reads_and_changes_concurrency_and_reads_settings() {
    assert!(
        python_has("boto3"),
        "boto3 is missing: run `pip install boto3 awscli` (as .ci/run does)"
    );
    let lambda = LocalLambda::builder()
        .function(
            FunctionConfig::new("orders", fixture())
                .memory_mb(256)
                .timeout(std::time::Duration::from_secs(5)),
        )
        .function(
            FunctionConfig::new("throttled", fixture()).faults(
                local_lambda::Faults::seeded(1)
                    .throttle(1.0)
                    .retry_after(std::time::Duration::from_secs(4)),
            ),
        )
        .start()
        .await
        .unwrap();
    let endpoint = lambda.endpoint_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", BOTO3_CONTROL_SCRIPT, &endpoint])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "boto3 script failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("boto3 control ok"));
}

/// Runs `aws lambda ARGS...` against `endpoint`; returns (success, stdout, stderr).
fn aws_lambda(endpoint: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new("aws")
        .arg("lambda")
        .args(args)
        .args(["--endpoint-url", endpoint, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .expect("the AWS CLI is missing: run `pip install boto3 awscli`");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_reads_account_settings_and_manages_concurrency() {
    let lambda = LocalLambda::builder()
        .function(FunctionConfig::new("orders", fixture()).memory_mb(512))
        .start()
        .await
        .unwrap();
    let endpoint = lambda.endpoint_url();
    tokio::task::spawn_blocking(move || {
        let (ok, out, err) = aws_lambda(&endpoint, &["get-account-settings"]);
        assert!(ok, "{err}");
        let settings: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(settings["AccountLimit"]["ConcurrentExecutions"], 1000);

        let (ok, out, err) = aws_lambda(
            &endpoint,
            &[
                "put-function-concurrency",
                "--function-name",
                "orders",
                "--reserved-concurrent-executions",
                "5",
            ],
        );
        assert!(ok, "{err}");
        assert!(out.contains("\"ReservedConcurrentExecutions\": 5"), "{out}");
        let (ok, out, _) = aws_lambda(
            &endpoint,
            &["get-function-concurrency", "--function-name", "orders"],
        );
        assert!(
            ok && out.contains("\"ReservedConcurrentExecutions\": 5"),
            "{out}"
        );
        let (ok, _, err) = aws_lambda(
            &endpoint,
            &["delete-function-concurrency", "--function-name", "orders"],
        );
        assert!(ok, "{err}");

        let (ok, out, err) = aws_lambda(
            &endpoint,
            &["get-function-configuration", "--function-name", "orders"],
        );
        assert!(ok, "{err}");
        let config: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(config["MemorySize"], 512);
        assert_eq!(config["Version"], "$LATEST");

        let (ok, _, err) = aws_lambda(
            &endpoint,
            &[
                "put-function-concurrency",
                "--function-name",
                "orders",
                "--reserved-concurrent-executions",
                "950",
            ],
        );
        assert!(!ok);
        assert!(
            err.contains("InvalidParameterValueException") && err.contains("[100]"),
            "{err}"
        );
        let (ok, _, err) = aws_lambda(
            &endpoint,
            &["get-function-concurrency", "--function-name", "missing"],
        );
        assert!(!ok && err.contains("ResourceNotFoundException"), "{err}");
    })
    .await
    .unwrap();
}
