//! Lambda's limits on what the service reads and keeps: a function's response or error body
//! over 6 MB is refused as Lambda refuses it (`Function.ResponseSizeTooLarge` for the invoker,
//! 413 `RequestEntityTooLarge` for the runtime), request bodies over their limits get
//! `RequestTooLargeException`, and the `Tail` log is the last 4 KB while the log file keeps
//! every line. The floods come from `examples/flood_function.rs`.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use common::{blob, client, fixture, flood, json};
use http_body_util::{BodyExt, Full};
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};

/// Lambda's limit on a function's response, in its `Function.ResponseSizeTooLarge` message.
const RESPONSE_LIMIT: u64 = 6 * 1024 * 1024 + 100;

async fn start(function: FunctionConfig) -> LocalLambda {
    LocalLambda::builder()
        .function(function)
        .start()
        .await
        .expect("local-lambda starts")
}

fn flooding(name: &str, mode: &str, bytes: u64) -> FunctionConfig {
    FunctionConfig::new(name, flood())
        .env("FLOOD", mode)
        .env("FLOOD_BYTES", bytes.to_string())
}

/// Invokes `name` and returns (X-Amz-Function-Error, the JSON answer).
async fn invoke(lambda: &LocalLambda, name: &str, payload: Value) -> (Option<String>, Value) {
    let out = client(&lambda.endpoint_url())
        .invoke()
        .function_name(name)
        .payload(blob(payload))
        .send()
        .await
        .expect("invoke succeeds");
    (out.function_error().map(str::to_owned), json(out.payload()))
}

/// The size a `Function.ResponseSizeTooLarge` answer names, after checking its shape.
fn refused_size(function_error: Option<String>, body: &Value) -> u64 {
    assert_eq!(function_error.as_deref(), Some("Unhandled"), "{body}");
    assert_eq!(body["errorType"], "Function.ResponseSizeTooLarge", "{body}");
    let message = body["errorMessage"].as_str().unwrap();
    let suffix = format!(" bytes) exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).");
    let size = message
        .strip_prefix("Response payload size (")
        .and_then(|m| m.strip_suffix(&suffix))
        .unwrap_or_else(|| panic!("Lambda's message: {message}"));
    size.parse().unwrap()
}

#[tokio::test]
async fn a_response_over_6_mb_is_function_response_size_too_large() {
    let lambda = start(FunctionConfig::new("big", fixture())).await;
    let (error, body) = invoke(&lambda, "big", json!({"op": "big", "bytes": 7_000_000})).await;
    // lambda_runtime sends a Content-Length: the message names the whole size.
    assert!(refused_size(error, &body) > 7_000_000, "{body}");
    let (error, body) = invoke(&lambda, "big", json!({"op": "big", "bytes": 1000})).await;
    assert_eq!(error, None, "the function still answers: {body}");
}

#[tokio::test]
async fn a_chunked_response_is_refused_as_soon_as_it_passes_the_limit() {
    let record = tempfile::NamedTempFile::new().unwrap();
    let lambda = start(
        flooding("chunked", "response", 200_000_000)
            .env("FLOOD_RECORD", record.path().to_str().unwrap()),
    )
    .await;
    let started = Instant::now();
    let (error, body) = invoke(&lambda, "chunked", json!({})).await;
    // No Content-Length: the size is what had arrived, one 64 KiB chunk past the limit at most.
    let size = refused_size(error, &body);
    assert!(
        (RESPONSE_LIMIT + 1..=RESPONSE_LIMIT + 70_000).contains(&size),
        "{size}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // The runtime's post ends, past the 64 MB discarded, in a closed connection.
    let line = wait_for_line(record.path()).await;
    assert!(line.starts_with("error: "), "{line}");
}

#[tokio::test]
async fn the_runtime_is_told_413_request_entity_too_large() {
    let record = tempfile::NamedTempFile::new().unwrap();
    let lambda = start(
        flooding("told", "response", 10_000_000)
            .env("FLOOD_RECORD", record.path().to_str().unwrap()),
    )
    .await;
    let (error, body) = invoke(&lambda, "told", json!({})).await;
    refused_size(error, &body);
    let line = wait_for_line(record.path()).await;
    assert!(line.starts_with("HTTP/1.1 413 "), "{line}");
    let answer: Value = serde_json::from_str(&line[line.find('{').unwrap()..]).unwrap();
    assert_eq!(answer["errorType"], "RequestEntityTooLarge", "{line}");
    assert_eq!(
        answer["errorMessage"],
        format!("Exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).")
    );
}

#[tokio::test]
async fn an_error_body_over_6_mb_is_refused_with_its_declared_size() {
    let lambda = start(flooding("error", "error", 8_000_000)).await;
    let (error, body) = invoke(&lambda, "error", json!({})).await;
    assert_eq!(refused_size(error, &body), 8_000_000);
}

#[tokio::test]
async fn an_init_error_over_6_mb_reaches_the_invoker_as_response_size_too_large() {
    // The sandbox is ended as soon as its init failed, so what the runtime is told is moot.
    let lambda = start(flooding("init", "init-error", 7_000_000)).await;
    let (error, body) = invoke(&lambda, "init", json!({})).await;
    assert_eq!(refused_size(error, &body), 7_000_000);
}

/// The first line `path` gets (or after 10 s, an empty string).
async fn wait_for_line(path: &std::path::Path) -> String {
    for _ in 0..500 {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            return line.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    String::new()
}

#[tokio::test]
async fn tail_is_the_last_4_kb_while_the_log_file_keeps_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let lambda = LocalLambda::builder()
        .logs_dir(dir.path())
        .function(FunctionConfig::new("chatty", fixture()))
        .start()
        .await
        .unwrap();
    // The fixture prints it with a newline after.
    let lines: Vec<String> = (0..5000).map(|i| format!("line {i}")).collect();
    let text = lines.join("\n");
    let out = client(&lambda.endpoint_url())
        .invoke()
        .function_name("chatty")
        .log_type(LogType::Tail)
        .payload(blob(json!({"op": "print", "text": text})))
        .send()
        .await
        .unwrap();
    let tail = BASE64.decode(out.log_result().unwrap()).unwrap();
    assert_eq!(tail.len(), 4096);
    let tail = String::from_utf8_lossy(&tail);
    assert!(tail.contains("line 4999\nEND RequestId: "), "{tail}");
    assert!(
        tail.trim_end()
            .rsplit('\n')
            .next()
            .unwrap()
            .starts_with("REPORT RequestId: ")
    );
    let stream = json(out.payload())["log_stream"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = dir.path().join("chatty").join(format!("{stream}.log"));
    let logged = std::fs::read_to_string(file).unwrap();
    assert!(logged.contains(&text), "the file has every line");
}

#[tokio::test]
async fn an_event_over_1_mb_is_refused_in_lambdas_words() {
    let lambda = start(FunctionConfig::new("events", fixture())).await;
    let payload = format!("\"{}\"", "x".repeat(1024 * 1024));
    let error = client(&lambda.endpoint_url())
        .invoke()
        .function_name("events")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(payload))
        .send()
        .await
        .expect_err("too large")
        .into_service_error();
    assert!(error.is_request_too_large_exception(), "{error:?}");
    assert_eq!(
        error.message(),
        Some(
            "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
        )
    );
}

#[tokio::test]
async fn a_control_plane_body_over_6_mb_is_request_too_large() {
    let lambda = start(FunctionConfig::new("ctl", fixture())).await;
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let body = format!(
        "{{\"ReservedConcurrentExecutions\": 1, \"x\": \"{}\"}}",
        "x".repeat(7_000_000)
    );
    let request = hyper::Request::put(format!(
        "{}/2017-10-31/functions/ctl/concurrency",
        lambda.endpoint_url()
    ))
    .body(Full::new(Bytes::from(body)))
    .unwrap();
    let response = http.request(request).await.expect("an answer, not a reset");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.headers()["x-amzn-ErrorType"],
        "RequestTooLargeException"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body["message"],
        "Request must be smaller than 6291456 bytes for the PutFunctionConcurrency operation"
    );
    assert_eq!(
        lambda.function_concurrency("ctl").unwrap(),
        None,
        "not applied"
    );
}
