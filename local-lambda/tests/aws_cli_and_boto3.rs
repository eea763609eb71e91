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
