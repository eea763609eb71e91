//! End to end: the `example-typed` binary (a `#[warmable]` handler over a typed order) runs as
//! a real process under `local-lambda` on 127.0.0.1 and is invoked with `aws-sdk-lambda`.
//!
//! Warm-ups of every dialect are answered by `warm-sdk` without user code, orders reach user
//! code unchanged, and malformed payloads fail as `lambda_runtime` deserialization errors
//! without ever reaching user code or killing the process.

use std::time::Duration;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};

const FUNCTION: &str = "orders";

/// The error message `lambda_runtime` gives for a payload that does not fit the event type.
const DESERIALIZE_ERROR: &str =
    "failed to deserialize the incoming data into the function's payload type";

/// A running `local-lambda` with `example-typed` as function `orders`, and a client for it.
struct Harness {
    lambda: LocalLambda,
    client: Client,
}

/// What one invoke returned.
#[derive(Debug)]
struct Answer {
    /// `FunctionError` (`Unhandled` for a handler or runtime error), if any.
    function_error: Option<String>,
    /// The response payload, parsed.
    body: Value,
}

impl Harness {
    async fn start() -> Self {
        Self::start_with_timeout(Duration::from_secs(3)).await
    }

    async fn start_with_timeout(timeout: Duration) -> Self {
        let binary = warm_tests::binary("example-typed", "example-typed");
        let lambda = LocalLambda::builder()
            .function(
                FunctionConfig::new(FUNCTION, binary)
                    .timeout(timeout)
                    .env("RUST_LOG", "warn"),
            )
            .start()
            .await
            .expect("local-lambda starts on loopback");
        let client = warm_tests::lambda_client(&lambda.endpoint_url());
        Self { lambda, client }
    }

    async fn invoke(&self, payload: impl Into<Vec<u8>>) -> Answer {
        self.try_invoke(payload)
            .await
            .expect("the invoke call succeeds (function errors are in the answer)")
    }

    /// Invokes, returning the Invoke API's own rejection (not a function error) as `Err`.
    async fn try_invoke(
        &self,
        payload: impl Into<Vec<u8>>,
    ) -> Result<Answer, aws_sdk_lambda::error::SdkError<InvokeError>> {
        let output = tokio::time::timeout(
            Duration::from_secs(20),
            self.client
                .invoke()
                .function_name(FUNCTION)
                .payload(Blob::new(payload.into()))
                .send(),
        )
        .await
        .expect("the invoke answers within 20 s")?;
        let bytes = output
            .payload()
            .map(|blob| blob.as_ref().to_vec())
            .unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
            panic!(
                "answer is not JSON ({err}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        Ok(Answer {
            function_error: output.function_error().map(str::to_owned),
            body,
        })
    }

    async fn invoke_json(&self, payload: &Value) -> Answer {
        self.invoke(serde_json::to_vec(payload).expect("serializable"))
            .await
    }

    async fn stop(self) {
        self.lambda.shutdown().await;
    }
}

fn order(order_id: &str) -> Value {
    json!({
        "order_id": order_id,
        "items": [
            {"sku": "tea", "quantity": 2, "unit_cents": 350},
            {"sku": "cake", "quantity": 1, "unit_cents": 425},
        ],
    })
}

/// Asserts `answer` is a warm-up answer (from `warm-sdk`, not user code) and returns it.
fn assert_warmed(answer: &Answer, payload: &Value) -> Value {
    assert_eq!(
        answer.function_error, None,
        "{payload} failed: {}",
        answer.body
    );
    assert_eq!(
        answer.body["warmed"], true,
        "{payload} was not answered as a warm-up: {}",
        answer.body
    );
    assert!(
        answer.body.get("handled").is_none(),
        "{payload} reached user code: {}",
        answer.body
    );
    assert_eq!(answer.body["function"], FUNCTION, "{}", answer.body);
    answer.body.clone()
}

#[tokio::test]
async fn warm_ups_of_every_dialect_are_answered_without_user_code() {
    let harness = Harness::start().await;
    let cases: [(Value, Option<&str>, Option<u64>); 5] = [
        (
            json!({"warmer": true, "delay": 5, "correlation_id": "run-1", "index": 3}),
            Some("run-1"),
            Some(3),
        ),
        (
            json!({"warmer": true, "__WARMER_INVOCATION__": 2, "__WARMER_CONCURRENCY__": 3,
                   "__WARMER_CORRELATIONID__": "jd-1"}),
            Some("jd-1"),
            Some(2),
        ),
        (
            json!({"warmer": true, "__WARMER_INVOCATION__": 1, "__WARMER_CONCURRENCY__": 1,
                   "__WARMER_CORRELATION_ID__": "py-1"}),
            Some("py-1"),
            Some(1),
        ),
        (json!({"source": "serverless-plugin-warmup"}), None, None),
        // Schedule pings of the other warmers: plain warm-ups.
        (json!({"warmer": true, "concurrency": 5}), None, None),
    ];
    for (payload, correlation_id, index) in cases {
        let answer = harness.invoke_json(&payload).await;
        let body = assert_warmed(&answer, &payload);
        assert_eq!(
            body["correlation_id"].as_str(),
            correlation_id,
            "{payload}: {body}"
        );
        assert_eq!(body["index"].as_u64(), index, "{payload}: {body}");
    }
    harness.stop().await;
}

#[tokio::test]
async fn warm_ups_with_bad_delays_are_still_warm_ups_and_capped() {
    // A 1 s timeout: whatever a payload asks, the hold ends before the deadline.
    let harness = Harness::start_with_timeout(Duration::from_secs(1)).await;
    for payload in [
        json!({"warmer": true, "delay": -5}),
        json!({"warmer": true, "delay": "soon"}),
        json!({"warmer": true, "delay": null}),
        json!({"warmer": true, "delay": 1.5e12}),
    ] {
        let answer = harness.invoke_json(&payload).await;
        let body = assert_warmed(&answer, &payload);
        let held = body["delay_ms"].as_u64().expect("delay_ms is a number");
        assert!(
            held < 1_000,
            "{payload} held {held} ms, past the 1 s deadline"
        );
    }
    harness.stop().await;
}

#[tokio::test]
async fn orders_reach_user_code_unchanged() {
    let harness = Harness::start().await;
    let answer = harness.invoke_json(&order("o-1")).await;
    assert_eq!(answer.function_error, None, "{}", answer.body);
    assert_eq!(answer.body["handled"], true);
    assert_eq!(answer.body["order_id"], "o-1");
    assert_eq!(answer.body["items"], 3);
    assert_eq!(answer.body["total_cents"], 1125);
    assert!(answer.body.get("warmed").is_none(), "{}", answer.body);

    // The flag inside a field value, or false at the top level, is user traffic.
    let mut lookalike = order("o-2");
    lookalike["items"][0]["sku"] = json!(r#"{"warmer": true}"#);
    let answer = harness.invoke_json(&lookalike).await;
    assert_eq!(answer.body["order_id"], "o-2", "{}", answer.body);
    assert_eq!(answer.body["handled"], true);

    // A large order (about 1 MB) is handled as well.
    let items: Vec<Value> = (0..20_000)
        .map(|i| json!({"sku": format!("sku-{i:08}-padding-padding"), "quantity": 1, "unit_cents": 1}))
        .collect();
    let big = json!({"order_id": "o-big", "items": items});
    assert!(serde_json::to_vec(&big).unwrap().len() > 1_000_000);
    let answer = harness.invoke_json(&big).await;
    assert_eq!(answer.body["items"], 20_000, "{}", answer.body);
    assert_eq!(answer.body["total_cents"], 20_000);
    harness.stop().await;
}

#[tokio::test]
async fn malformed_events_fail_as_deserialization_errors_without_user_code() {
    let harness = Harness::start().await;
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("missing field", br#"{"order_id": "o-1"}"#.to_vec(), "missing field `items`"),
        (
            "wrong field type",
            br#"{"order_id": "o-1", "items": [{"sku": "tea", "quantity": "two", "unit_cents": 1}]}"#.to_vec(),
            "[items[0].quantity] invalid type: string \"two\"",
        ),
        ("array", b"[1, 2, 3]".to_vec(), "[[0]] invalid type: integer `1`"),
        // The Invoke API passes an empty payload on as `{}`.
        ("empty", Vec::new(), "missing field `order_id`"),
        ("flag not true", br#"{"warmer": "true"}"#.to_vec(), "unknown field `warmer`"),
    ];
    for (what, payload, detail) in cases {
        let answer = harness.invoke(payload).await;
        assert_eq!(
            answer.function_error.as_deref(),
            Some("Unhandled"),
            "{what}: {}",
            answer.body
        );
        let message = answer.body["errorMessage"].as_str().unwrap_or_default();
        assert!(message.contains(DESERIALIZE_ERROR), "{what}: {message}");
        assert!(
            message.contains(detail),
            "{what}: expected {detail:?} in {message}"
        );
    }
    // Bytes that are not JSON are refused by the Invoke API itself, as by Lambda.
    let refused = harness.try_invoke(b"order o-1, please".to_vec()).await;
    let error = refused.expect_err("a non-JSON payload is refused");
    assert!(
        error
            .as_service_error()
            .is_some_and(InvokeError::is_invalid_request_content_exception),
        "{error:?}"
    );
    // The environment survives every rejected payload and still serves orders.
    let answer = harness.invoke_json(&order("o-after")).await;
    assert_eq!(answer.body["order_id"], "o-after", "{}", answer.body);
    harness.stop().await;
}

#[tokio::test]
async fn warm_up_reports_the_cold_start_and_counts_user_invocations() {
    let harness = Harness::start().await;
    let warmup = json!({"warmer": true, "delay": 0});
    let first = assert_warmed(&harness.invoke_json(&warmup).await, &warmup);
    assert_eq!(first["cold"], true, "{first}");
    assert_eq!(first["invocations"], 1, "{first}");

    let answer = harness.invoke_json(&order("o-1")).await;
    assert_eq!(answer.body["handled"], true, "{}", answer.body);

    let second = assert_warmed(&harness.invoke_json(&warmup).await, &warmup);
    assert_eq!(second["cold"], false, "{second}");
    assert_eq!(second["invocations"], 3, "{second}");
    assert_eq!(
        second["instance"], first["instance"],
        "one environment served all three"
    );
    harness.stop().await;
}

#[tokio::test]
async fn a_fan_out_ping_is_answered_once_and_echoes_the_fan_out_it_did_not_do() {
    let harness = Harness::start().await;
    let payload = json!({"warmer": true, "concurrency": 5});
    let answer = harness.invoke_json(&payload).await;
    let body = assert_warmed(&answer, &payload);
    assert_eq!(body["fan_out_requested"], 5, "{body}");
    assert_eq!(
        body["invocations"], 1,
        "one environment, one invocation: {body}"
    );
    // The engine's own warm-ups carry their position: no fan-out is asked for.
    let engine = serde_json::to_value(
        warm_sdk::protocol::WarmupRequest::new()
            .delay_ms(0)
            .index(2)
            .concurrency(5)
            .correlation_id("run-9"),
    )
    .expect("serializable");
    let body = assert_warmed(&harness.invoke_json(&engine).await, &engine);
    assert!(body.get("fan_out_requested").is_none(), "{body}");
    assert_eq!(body["index"], 2, "{body}");
    assert_eq!(body["correlation_id"], "run-9", "{body}");
    harness.stop().await;
}

#[tokio::test]
async fn an_event_that_failed_to_deserialize_took_the_cold_turn_of_its_environment() {
    let harness = Harness::start().await;
    // The environment's first invocation: an order that does not fit the event type.
    let failed = harness.invoke_json(&json!({"order_id": 7})).await;
    assert_eq!(
        failed.function_error.as_deref(),
        Some("Unhandled"),
        "{}",
        failed.body
    );
    let payload = json!({"warmer": true, "delay": 0});
    let body = assert_warmed(&harness.invoke_json(&payload).await, &payload);
    assert_eq!(
        body["cold"], false,
        "the failed invocation paid the init: {body}"
    );
    assert_eq!(body["invocations"], 2, "{body}");
    assert_eq!(body["init_type"], "on-demand", "{body}");
    harness.stop().await;
}
