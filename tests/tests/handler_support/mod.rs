//! Shared by `handler_e2e`, `hostile_handler` and `readme_functions`: the `example-http`
//! binary running in local-lambda, invoked through the AWS SDK with the invocation's log tail.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use base64::Engine as _;
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};

/// The function name `example-http` is registered under.
pub const FUNCTION: &str = "example-http";

/// `example-http` running in a local-lambda of its own.
pub struct Function {
    pub lambda: LocalLambda,
    pub client: Client,
}

/// What one invoke returned.
#[derive(Debug)]
pub struct Reply {
    /// `X-Amz-Function-Error`, when the function failed.
    pub function_error: Option<String>,
    /// The response payload.
    pub payload: Vec<u8>,
    /// The invocation's log lines (JSON, one event per line).
    pub logs: String,
}

impl Function {
    /// Starts local-lambda with `example-http` (JSON logs, 3 s timeout unless given).
    pub async fn start(timeout: Option<Duration>, env: &[(&str, &str)]) -> Self {
        let mut config =
            FunctionConfig::new(FUNCTION, warm_tests::binary("example-http", "example-http"))
                .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
                .timeout(timeout.unwrap_or(Duration::from_secs(3)));
        for (key, value) in env {
            config = config.env(*key, *value);
        }
        let lambda = LocalLambda::builder()
            .function(config)
            .start()
            .await
            .expect("local-lambda starts");
        let client = warm_tests::lambda_client(&lambda.endpoint_url());
        Self { lambda, client }
    }

    /// Invokes the function synchronously with `payload`, asking for the log tail.
    pub async fn invoke(&self, payload: impl Into<Vec<u8>>) -> Reply {
        invoke_with(&self.client, payload.into()).await
    }

    /// Stops local-lambda and its sandboxes.
    pub async fn stop(self) {
        self.lambda.shutdown().await;
    }
}

impl Reply {
    /// The payload as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.payload).unwrap_or_else(|e| {
            panic!(
                "payload is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.payload)
            )
        })
    }

    /// The warm-up answer, when this was answered as a warm-up.
    pub fn warm_up(&self) -> Option<Value> {
        let value: Value = serde_json::from_slice(&self.payload).ok()?;
        (self.function_error.is_none() && value["warmed"] == true).then_some(value)
    }

    /// The HTTP response lambda_http produced: (status, headers, parsed JSON body).
    pub fn http(&self) -> Option<(u64, Value, Value)> {
        let value: Value = serde_json::from_slice(&self.payload).ok()?;
        let status = value["statusCode"].as_u64()?;
        let body = serde_json::from_str(value["body"].as_str()?).ok()?;
        Some((status, value["headers"].clone(), body))
    }

    /// Whether user code ran and answered (`"handled": true` in the HTTP body).
    pub fn handled(&self) -> bool {
        self.http()
            .is_some_and(|(_, _, body)| body["handled"] == true)
    }

    /// The request id of the invocation, from the `START RequestId: ...` line of its log tail
    /// (the id the Lambda service gave it).
    pub fn request_id(&self) -> Option<&str> {
        self.logs.lines().find_map(|line| {
            line.strip_prefix("START RequestId: ")?
                .split_whitespace()
                .next()
        })
    }

    /// The lines of the log tail that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<&str> {
        self.logs
            .lines()
            .filter(|line| line.contains(needle))
            .collect()
    }

    /// Messages of the WARN events logged during the invocation.
    pub fn warnings(&self) -> Vec<String> {
        self.events("WARN")
    }

    /// Messages of the INFO events logged during the invocation.
    pub fn infos(&self) -> Vec<String> {
        self.events("INFO")
    }

    fn events(&self, level: &str) -> Vec<String> {
        self.logs
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|event| event["level"] == level)
            .filter_map(|event| event["fields"]["message"].as_str().map(str::to_owned))
            .collect()
    }
}

/// Invokes `example-http` through `client` synchronously with `payload`, asking for the log
/// tail.
pub async fn invoke_with(client: &Client, payload: Vec<u8>) -> Reply {
    invoke_function(client, FUNCTION, payload).await
}

/// Invokes `function` through `client` synchronously with `payload`, asking for the log tail.
pub async fn invoke_function(client: &Client, function: &str, payload: Vec<u8>) -> Reply {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        client
            .invoke()
            .function_name(function)
            .log_type(LogType::Tail)
            .payload(Blob::new(payload))
            .send(),
    )
    .await
    .expect("invoke answered within 30 s")
    .expect("invoke succeeded at the API level");
    let logs = output
        .log_result()
        .map(|tail| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(tail)
                .expect("log tail is base64");
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .unwrap_or_default();
    Reply {
        function_error: output.function_error().map(str::to_owned),
        payload: output
            .payload()
            .map(|p| p.as_ref().to_vec())
            .unwrap_or_default(),
        logs,
    }
}

/// An API Gateway HTTP API (v2) event for `method path?name=...` carrying `body`.
pub fn apigw_v2_event(method: &str, path: &str, body: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "name=ada",
        "headers": {"content-type": "application/json", "host": "api.example.com"},
        "queryStringParameters": {"name": "ada"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "tests",
            },
            "requestId": "req",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "26/Nov/2026:18:00:00 +0000",
            "timeEpoch": 1_795_716_000_000u64,
        },
        "body": body,
        "isBase64Encoded": false,
    })
}
